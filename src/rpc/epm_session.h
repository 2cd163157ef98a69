// One conversation with an endpoint mapper over a connected byte stream
// (TCP 135), without sockets: the caller writes what TakeOutput() gives and
// feeds back whatever it reads. net/ drives it with asio; tests and fuzz
// targets drive it with byte strings.
//
// The conversation: bind to epmapper v3.0 with NDR 2.0 (anonymous), then
// ept_lookup (opnum 2, inquiry "all", max_ents from the query) in a loop on
// the entry handle until the end of the listing, or one ept_map (opnum 3).
// The end of a listing comes in three forms and all three keep every entry:
// Windows answers status 0 with a nil handle; a Samba AD DC answers an empty
// batch with status 0x16c9a0d6 (no more entries); a Samba member server sends
// its last batch together with that status.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "rpc/epm_types.h"
#include "rpc/ndr.h"
#include "rpc/pdu.h"
#include "rpc/pdu_stream.h"

namespace highport::rpc {

struct EpmQuery {
  enum class Kind : uint8_t { kLookupAll, kMap };
  Kind kind = Kind::kLookupAll;
  SyntaxId map_interface;  // for kMap: the interface to resolve
  uint32_t max_ents = 500;
  uint16_t max_xmit_frag = 5840;  // proposed in the bind; the server's answer wins
  uint16_t max_recv_frag = 5840;
  uint32_t max_calls = 1000;      // bound on ept_lookup calls, against a server that never ends
  uint32_t max_entries = 100000;  // bound on entries kept, against a server that never ends
};

enum class EpmStatus : uint8_t {
  kOk,       // the listing is complete
  kRefused,  // bind_nak, or a fault such as access denied: the server will not answer anonymously
  kProtocolError,  // malformed or unexpected PDU, connection closed early
};

struct EpmOutcome {
  EpmStatus status = EpmStatus::kProtocolError;
  std::vector<EpmEntry> entries;  // what was received, also when the listing broke off
  // For a human: "bind_nak: reason 2 (local limit exceeded)",
  // "fault 0x00000005 (access denied) on ept_lookup",
  // "response PDU 3, byte 24: frag_length 9000 exceeds max_recv_frag 5840".
  std::string detail;
  // Findings that did not stop the listing: "entry 12: floor 4 truncated, kept as unknown".
  std::vector<std::string> notes;
  uint32_t calls = 0;  // ept_lookup / ept_map calls made
};

class EpmSession {
 public:
  explicit EpmSession(EpmQuery query);

  // The bytes to send now (the bind first, then each request); empty when
  // the session waits for input or is finished.
  std::vector<uint8_t> TakeOutput();
  // Bytes read from the stream, in any chunking. Returns finished().
  bool Feed(std::span<const uint8_t> bytes);
  // The peer closed the stream: unless finished, the outcome becomes a protocol error.
  void PeerClosed();

  bool finished() const { return finished_; }
  const EpmOutcome& outcome() const { return outcome_; }

 private:
  // The PDU decoder, reassembly and call loop live in epm_session.cc; this
  // is their state, all values.
  struct State {
    enum class Phase : uint8_t { kAwaitBindAck, kAwaitResponse, kDone };
    Phase phase = Phase::kAwaitBindAck;
    PduFramer framer;
    FragmentJoiner joiner;
    uint32_t next_call_id = 1;
    uint32_t call_id = 0;    // of the bind or request being answered
    uint16_t xmit_frag = 0;  // negotiated: the largest PDU we send
    ContextHandle entry_handle;
    ByteOrder response_order = ByteOrder::kLittle;
    bool auth_trailer_noted = false;
    explicit State(const EpmQuery& query);
  };

  void HandleFrame(const Frame& frame);
  void HandleBindAck(const RawPdu& pdu, uint32_t index);
  void HandleResponse(const RawPdu& pdu, uint32_t index);
  void HandleLookupStub(std::span<const uint8_t> stub);
  void HandleMapStub(std::span<const uint8_t> stub);
  void SendRequest();
  bool AddEntry(EpmEntry entry, const std::vector<std::string>& tower_notes);
  void Finish(EpmStatus status, std::string detail);
  std::string CallName() const;

  EpmQuery query_;
  EpmOutcome outcome_;
  bool finished_ = false;
  std::vector<uint8_t> output_;
  State state_;
};

}  // namespace highport::rpc
