#include "ingest/netstat_state.h"

#include <utility>

#include "text/strings.h"

namespace highport::ingest {

SocketState NetstatStateFromWord(std::string_view word) {
  static constexpr std::pair<std::string_view, SocketState> kWords[] = {
      // English, also kept by French Windows.
      {"LISTENING", SocketState::kListen}, {"ESTABLISHED", SocketState::kEstablished},
      {"SYN_SENT", SocketState::kSynSent}, {"SYN_RECEIVED", SocketState::kSynReceived},
      {"FIN_WAIT_1", SocketState::kFinWait1}, {"FIN_WAIT_2", SocketState::kFinWait2},
      {"CLOSE_WAIT", SocketState::kCloseWait}, {"CLOSING", SocketState::kClosing},
      {"LAST_ACK", SocketState::kLastAck}, {"TIME_WAIT", SocketState::kTimeWait},
      {"CLOSED", SocketState::kClosed}, {"BOUND", SocketState::kBound},
      {"DELETE_TCB", SocketState::kClosed},
      // German (Checkmk's win_netstat and real captures).
      {"ABHÖREN", SocketState::kListen}, {"ABHOEREN", SocketState::kListen},
      {"HERGESTELLT", SocketState::kEstablished}, {"WARTEND", SocketState::kTimeWait},
      {"SCHLIESSEN_WARTEN", SocketState::kCloseWait}, {"SYN_GESENDET", SocketState::kSynSent},
      {"SYN_EMPFANGEN", SocketState::kSynReceived}, {"FIN_WARTEN_1", SocketState::kFinWait1},
      {"FIN_WARTEN_2", SocketState::kFinWait2}, {"SCHLIESSEND", SocketState::kClosing},
      // Spanish, Portuguese, Italian, French variants.
      {"ESCUCHANDO", SocketState::kListen}, {"ESTABLECIDO", SocketState::kEstablished},
      {"ESCUTANDO", SocketState::kListen}, {"ESTABELECIDA", SocketState::kEstablished},
      {"ESTABELECIDO", SocketState::kEstablished}, {"IN ASCOLTO", SocketState::kListen},
      {"STABILITA", SocketState::kEstablished}, {"ÉTABLI", SocketState::kEstablished},
      {"ÉCOUTE", SocketState::kListen},
  };
  std::string upper(word);
  for (char& c : upper) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  for (const auto& [text, state] : kWords) {
    if (upper == text) return state;
  }
  // "ABHÖREN" seen through the wrong code page: ABH™REN, ABH?REN, ABHREN,
  // ABH\uFFFDREN. Whatever stands between ABH and REN, it is listening.
  if (upper.size() <= 10 && upper.starts_with("ABH") && upper.ends_with("REN")) {
    return SocketState::kListen;
  }
  return SocketState::kUnknown;
}

}  // namespace highport::ingest
