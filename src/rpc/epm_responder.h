// The server side of the endpoint mapper, sans I/O, for tests, fuzz seeds
// and a fake server: it answers a client's bind, ept_lookup and ept_map with
// the real encoding (the same that a Windows or Samba server sends and that
// impacket or rpcclient accept), in batches, in fragments, with any of the
// three ways servers end a listing, or refuses the way hardened servers do.
//
// Feed() the client's bytes in any chunking, TakeOutput() what the server
// says. The responder owns no socket and no clock.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "model/byte_cursor.h"
#include "rpc/epm_types.h"
#include "rpc/ndr.h"
#include "rpc/pdu.h"
#include "rpc/pdu_stream.h"

namespace highport::rpc {

// How the last ept_lookup response of a listing looks (epm_session.h).
enum class EndOfList : uint8_t {
  kWindows,      // the last batch with status 0 and a nil handle
  kSambaDc,      // batches with a live handle, then an empty batch with 0x16c9a0d6
  kSambaMember,  // the last batch together with 0x16c9a0d6 and a nil handle
};

struct EpmResponderOptions {
  EndOfList end_of_list = EndOfList::kWindows;
  uint32_t batch_limit = 500;            // entries per response; the request's max_ents caps it too
  uint16_t max_frag = 5840;              // largest PDU either side may send; small values fragment
  ByteOrder order = ByteOrder::kLittle;  // the server's data representation
  bool refuse_bind = false;              // bind_nak, reason 2 (local limit exceeded)
  bool deny_lookup = false;  // ept_lookup and ept_map answered by fault 5 (access denied)
  bool endless = false;      // never end the listing: status 0 and a live handle forever
};

class EpmResponder {
 public:
  explicit EpmResponder(std::vector<EpmEntry> entries, EpmResponderOptions options = {});

  void Feed(std::span<const uint8_t> bytes);
  std::vector<uint8_t> TakeOutput() { return std::move(output_); }

  // Set when the client's bytes made no sense; the responder then ignores
  // the rest of the stream, as a server would close the connection.
  const std::string& error() const { return error_; }
  uint32_t lookups() const { return lookups_; }

 private:
  void HandleFrame(const Frame& frame);
  void HandleBind(const RawPdu& pdu);
  void HandleCall(uint32_t call_id, uint16_t opnum, std::span<const uint8_t> stub);
  std::vector<uint8_t> LookupStub(std::span<const uint8_t> request, bool& ok);
  std::vector<uint8_t> MapStub(std::span<const uint8_t> request, bool& ok);
  void SendFault(uint32_t call_id, uint32_t status);
  PduFraming Framing(uint32_t call_id) const;

  std::vector<EpmEntry> entries_;
  EpmResponderOptions options_;
  PduFramer framer_;
  FragmentJoiner joiner_;
  bool bound_ = false;
  uint16_t xmit_frag_ = 0;
  size_t position_ = 0;                           // next entry of the listing
  ByteOrder request_order_ = ByteOrder::kLittle;  // of the call being answered
  ContextHandle live_handle_;
  uint32_t lookups_ = 0;
  std::string error_;
  std::vector<uint8_t> output_;
};

}  // namespace highport::rpc
