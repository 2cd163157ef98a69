#include "rpc/pdu_stream.h"

#include "fmt/format.h"

namespace highport::rpc {

void PduFramer::Push(std::span<const uint8_t> bytes) {
  if (failed_) return;
  // Drop what was handed out before growing, so the buffer holds at most one
  // PDU and the bytes of the last chunk.
  if (start_ > 0 && (start_ == buffer_.size() || start_ >= 4096)) {
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(start_));
    start_ = 0;
  }
  buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
}

PduFramer::Step PduFramer::Next(Frame& frame, std::string& error) {
  if (failed_) {
    error = "the stream was already broken";
    return Step::kError;
  }
  std::span<const uint8_t> pending(buffer_.data() + start_, buffer_.size() - start_);
  if (pending.size() < kHeaderSize) return Step::kNeedMore;
  uint32_t index = index_ + 1;
  std::string where = pending[0] == 5 ? fmt::format("{} PDU {}", PTypeName(pending[2]), index)
                                      : fmt::format("PDU {}", index);
  Result<PduHeader> header = ParseHeader(pending);
  if (!header) {
    failed_ = true;
    error = fmt::format("{}, {}", where, header.error().message);
    return Step::kError;
  }
  if (header->frag_length > max_frag_) {
    failed_ = true;
    error = fmt::format("{}, byte 8: frag_length: {} exceeds max_recv_frag {}", where,
                        header->frag_length, max_frag_);
    return Step::kError;
  }
  if (pending.size() < header->frag_length) return Step::kNeedMore;
  frame.bytes.assign(pending.begin(), pending.begin() + header->frag_length);
  frame.stream_offset = offset_;
  frame.index = index;
  index_ = index;
  start_ += header->frag_length;
  offset_ += header->frag_length;
  return Step::kFrame;
}

Result<bool> FragmentJoiner::Add(const PduHeader& header, std::span<const uint8_t> stub,
                                 std::vector<uint8_t>& out) {
  auto it = calls_.find(header.call_id);
  if (header.first()) {
    if (it != calls_.end()) {
      return Error{
          fmt::format("call_id {}: a second first fragment before the last one", header.call_id)};
    }
    if (header.last()) {
      if (stub.size() > max_call_size_) {
        return Error{fmt::format("call_id {}: {} bytes of stub exceed the cap of {}",
                                 header.call_id, stub.size(), max_call_size_)};
      }
      out.assign(stub.begin(), stub.end());
      return true;
    }
    it = calls_.emplace(header.call_id, std::vector<uint8_t>()).first;
  } else if (it == calls_.end()) {
    return Error{
        fmt::format("call_id {}: a fragment without PFC_FIRST_FRAG and no call "
                    "in progress",
                    header.call_id)};
  }
  if (it->second.size() + stub.size() > max_call_size_ || total_ + stub.size() > max_call_size_) {
    return Error{fmt::format("call_id {}: reassembled stub would exceed the cap of {} bytes",
                             header.call_id, max_call_size_)};
  }
  it->second.insert(it->second.end(), stub.begin(), stub.end());
  total_ += stub.size();
  if (!header.last()) return false;
  total_ -= it->second.size();
  out = std::move(it->second);
  calls_.erase(it);
  return true;
}

}  // namespace highport::rpc
