#include "analysis/flow_index.h"

namespace highport::analysis {
namespace {

constexpr size_t kInitialSlots = 1024;  // a power of two

uint64_t HashPacked(uint64_t addresses, uint32_t tail) {
  uint64_t h = (addresses ^ (uint64_t{tail} << 7)) * 0x9e3779b97f4a7c15ULL;
  h ^= h >> 32;
  h *= 0xff51afd7ed558ccdULL;
  return h ^ (h >> 29);
}

uint64_t Addresses(const CompactFlowKey& key) { return uint64_t{key.client} << 32 | key.server; }

}  // namespace

FlowIndex::FlowIndex() : slots_(kInitialSlots) {}

uint64_t FlowIndex::Hash(const CompactFlowKey& key) {
  const uint32_t tail = uint32_t{key.client_interned} << 25 | uint32_t{key.server_interned} << 24 |
                        uint32_t{static_cast<uint8_t>(key.proto)} << 16 | key.port;
  return HashPacked(Addresses(key), tail);
}

uint32_t FlowIndex::Insert(size_t i, uint32_t tag, uint32_t value) {
  slots_[i] = {tag, value};
  // At most 70% full: linear probes stay short, and there is always a hole.
  if (++size_ * 10 > slots_.size() * 7) Grow();
  return value;
}

void FlowIndex::Grow() {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(old.size() * 2, Slot{});
  const size_t mask = Mask();
  for (const Slot& s : old) {
    if (s.tag == 0) continue;
    size_t i = s.tag & mask;
    while (slots_[i].tag != 0) i = (i + 1) & mask;
    slots_[i] = s;
  }
}

void FlowIndex::Release() {
  // Empty, but usable: a lookup needs a hole to end on.
  std::vector<Slot>(kInitialSlots).swap(slots_);
  size_ = 0;
}

}  // namespace highport::analysis
