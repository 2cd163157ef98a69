// From a byte stream to whole calls: PduFramer cuts the stream into PDUs by
// their frag_length, whatever the chunking the bytes arrived in;
// FragmentJoiner joins the stub data of a call's fragments (first fragment
// flagged PFC_FIRST_FRAG, last PFC_LAST_FRAG, all with the same call_id,
// C706 §12.4.2.1) up to a size cap.
//
// Both refuse rather than guess: a frag_length beyond the negotiated maximum,
// a fragment of a call that never started, a second first fragment, a call
// that outgrows the cap. Every PDU consumes at least its 16-byte header, so a
// hostile stream can neither stall the framer nor make it loop.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "model/result.h"
#include "rpc/pdu.h"

namespace highport::rpc {

struct Frame {
  std::vector<uint8_t> bytes;  // exactly one PDU
  uint64_t stream_offset = 0;  // of its first byte
  uint32_t index = 0;          // 1 for the first PDU of the stream
};

class PduFramer {
 public:
  explicit PduFramer(size_t max_frag) : max_frag_(max_frag) {}
  void set_max_frag(size_t max_frag) { max_frag_ = max_frag; }
  size_t max_frag() const { return max_frag_; }

  void Push(std::span<const uint8_t> bytes);

  enum class Step : uint8_t { kNeedMore, kFrame, kError };
  // kFrame fills `frame`; kError fills `error` ("response PDU 3, byte 8:
  // frag_length: 9000 exceeds max_recv_frag 5840") and the framer stays
  // failed from then on.
  Step Next(Frame& frame, std::string& error);

  size_t buffered() const { return buffer_.size() - start_; }
  uint32_t frames() const { return index_; }

 private:
  size_t max_frag_;
  std::vector<uint8_t> buffer_;
  size_t start_ = 0;     // first byte not yet handed out
  uint64_t offset_ = 0;  // stream offset of buffer_[start_]
  uint32_t index_ = 0;
  bool failed_ = false;
};

class FragmentJoiner {
 public:
  explicit FragmentJoiner(size_t max_call_size) : max_call_size_(max_call_size) {}

  // Adds one fragment's stub. Returns true with the whole stub in `out` when
  // the fragment was the last of its call, false while more is to come.
  Result<bool> Add(const PduHeader& header, std::span<const uint8_t> stub,
                   std::vector<uint8_t>& out);
  bool in_progress() const { return !calls_.empty(); }

 private:
  size_t max_call_size_;
  size_t total_ = 0;
  std::map<uint32_t, std::vector<uint8_t>> calls_;  // call_id -> stub so far
};

}  // namespace highport::rpc
