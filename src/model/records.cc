#include "model/records.h"

#include <charconv>

#include "fmt/format.h"

namespace highport {

// Appends and to_chars instead of fmt::format: reports write this for up
// to three pieces of evidence per flow, and the format string's parsing
// was most of its cost.
std::string SourceRef::ToString() const {
  auto append_number = [](std::string& text, uint64_t value) {
    char digits[20];
    text.append(digits, std::to_chars(digits, digits + sizeof digits, value).ptr);
  };
  std::string text = file;
  if (packet != 0) {
    text += ":packet ";
    append_number(text, packet);
    text += '+';
    append_number(text, offset);
  } else if (line != 0) {
    text += ':';
    append_number(text, line);
  }
  return text;
}

std::string_view SocketStateName(SocketState state) {
  switch (state) {
    case SocketState::kUnknown: return "UNKNOWN";
    case SocketState::kListen: return "LISTEN";
    case SocketState::kEstablished: return "ESTABLISHED";
    case SocketState::kSynSent: return "SYN_SENT";
    case SocketState::kSynReceived: return "SYN_RECEIVED";
    case SocketState::kFinWait1: return "FIN_WAIT_1";
    case SocketState::kFinWait2: return "FIN_WAIT_2";
    case SocketState::kCloseWait: return "CLOSE_WAIT";
    case SocketState::kClosing: return "CLOSING";
    case SocketState::kLastAck: return "LAST_ACK";
    case SocketState::kTimeWait: return "TIME_WAIT";
    case SocketState::kClosed: return "CLOSED";
    case SocketState::kBound: return "BOUND";
    case SocketState::kUnconnected: return "UNCONN";
  }
  return "UNKNOWN";
}

}  // namespace highport
