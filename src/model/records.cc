#include "model/records.h"

#include "fmt/format.h"

namespace highport {

std::string SourceRef::ToString() const {
  if (packet != 0) return fmt::format("{}:packet {}+{}", file, packet, offset);
  if (line != 0) return fmt::format("{}:{}", file, line);
  return file;
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
