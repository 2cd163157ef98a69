// Endpoint-mapper answers in a captured TCP connection: both directions'
// bytes are reassembled in sequence order and cut into DCE/RPC PDUs by
// rpc/pdu_stream.h; binds tell which presentation context is the endpoint
// mapper, requests (opnum 2 ept_lookup, 3 ept_map) are matched to their
// responses by call_id, fragmented responses are joined, and every tower
// in the answer that has a port becomes an RpcRegistration for the server.
//
// Reassembly is simple on purpose: bytes in order are used, a retransmission
// is dropped (or its new tail used), a segment that overtook the one in
// front of it is held (at most kMaxHeld per direction, kMaxHeldBytes in
// all) until that one comes, or the other side speaks (it answered what it
// got: the bytes were lost), and a gap (segments lost, more than kMaxHeld waiting, or a
// payload cut by the snap length) restarts the direction, which waits for
// a segment that starts with a DCE/RPC header. A capture
// that starts midway resynchronises the same way. The rpc/ code is reused
// as is: framing, header checks, fragment joining, NDR and tower decoding.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "ingest/capture_internal.h"
#include "ingest/packet.h"
#include "model/ip_address.h"
#include "rpc/pdu.h"
#include "rpc/pdu_stream.h"
#include "rpc/tower.h"

namespace highport::ingest::capture_internal {

struct Segment {
  bool to_server = true;
  uint32_t seq = 0;
  uint8_t flags = 0;
  std::span<const uint8_t> payload;  // as captured
  uint32_t wire_length = 0;          // the payload's length on the wire
  uint64_t packet = 0;
  size_t payload_offset = 0;  // in the frame
};

class EpmStream {
 public:
  EpmStream(const IpAddress& server, CaptureContext& context);
  ~EpmStream();
  EpmStream(const EpmStream&) = delete;
  EpmStream& operator=(const EpmStream&) = delete;

  void OnSegment(const Segment& s);
  // The connection ended: segments still held for bytes that never came
  // are read from after the gap.
  void Finish();

 private:
  // A segment that came before the bytes in front of it (reordered on the
  // way to the capture point), kept until they come.
  struct Held {
    uint32_t seq = 0;
    uint32_t wire_length = 0;
    uint8_t flags = 0;
    uint64_t packet = 0;
    size_t payload_offset = 0;
    std::vector<uint8_t> payload;
  };
  static constexpr size_t kMaxHeld = 8;  // segments per direction; past that, a gap
  static constexpr size_t kMaxHeldBytes = 16 * 1024;  // and their bytes: an answer's few segments
  struct Direction {
    rpc::PduFramer framer{65535};
    bool started = false;
    bool synced = false;
    uint32_t next_seq = 0;
    std::vector<Held> held;
    size_t held_bytes = 0;
  };
  // The bytes at next_seq, in order: the segment, then those held that follow it.
  void Consume(Direction& d, const Segment& s);
  void ConsumeOne(Direction& d, const Segment& s);
  // Takes a held segment out; its bytes live in held_bytes_ until the next.
  Segment TakeHeld(Direction& d, std::vector<Held>::iterator it, bool to_server);
  // The bytes in front of what is held were lost: on from the earliest held.
  void SkipGap(Direction& d, bool to_server);
  std::vector<uint8_t> held_bytes_;
  struct PendingCall {
    uint16_t opnum = 0;
    ByteOrder order = ByteOrder::kLittle;
  };

  void Restart(Direction& d);
  void Drain(Direction& d, const Segment& s);
  void HandlePdu(const rpc::RawPdu& pdu, const Segment& s);
  void HandleBind(const rpc::RawPdu& pdu, const Segment& s);
  void HandleRequest(const rpc::RawPdu& pdu, const Segment& s);
  void HandleResponse(const rpc::RawPdu& pdu, const Segment& s);
  void HandleAnswer(const PendingCall& call, std::span<const uint8_t> stub, const Segment& s);
  void Learn(const rpc::DecodedTower& tower, const std::string& annotation, const Segment& s);
  void Problem(const Segment& s, std::string reason);

  IpAddress server_;
  CaptureContext& context_;
  Direction to_server_;
  Direction to_client_;
  std::map<uint16_t, bool> contexts_;  // presentation context id -> is the endpoint mapper
  std::map<uint32_t, PendingCall> pending_;  // call_id -> the request awaiting its answer
  rpc::FragmentJoiner joiner_;
};

}  // namespace highport::ingest::capture_internal
