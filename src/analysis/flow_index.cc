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

uint32_t FlowIndex::Tail(const CompactFlowKey& key) {
  return kUsed | uint32_t{key.client_interned} << 25 | uint32_t{key.server_interned} << 24 |
         uint32_t{static_cast<uint8_t>(key.proto)} << 16 | key.port;
}

uint64_t FlowIndex::Hash(const CompactFlowKey& key) {
  return HashPacked(Addresses(key), Tail(key));
}

std::pair<uint32_t, bool> FlowIndex::FindOrInsert(const CompactFlowKey& key, uint64_t hash,
                                                  uint32_t value_if_new) {
  const uint64_t addresses = Addresses(key);
  const uint32_t tail = Tail(key);
  if (slots_.empty()) slots_.resize(kInitialSlots);  // after Release()
  const size_t mask = slots_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    Slot& s = slots_[i];
    if (s.tail == tail && s.addresses == addresses) return {s.value, false};
    if (s.tail == 0) {
      s = Slot{addresses, tail, value_if_new};
      // At most 70% full: linear probes stay short, and there is always a hole.
      if (++size_ * 10 > slots_.size() * 7) Grow();
      return {value_if_new, true};
    }
  }
}

void FlowIndex::Grow() {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(old.size() * 2, Slot{});
  const size_t mask = slots_.size() - 1;
  for (const Slot& s : old) {
    if (s.tail == 0) continue;
    size_t i = HashPacked(s.addresses, s.tail) & mask;
    while (slots_[i].tail != 0) i = (i + 1) & mask;
    slots_[i] = s;
  }
}

void FlowIndex::Release() {
  std::vector<Slot>().swap(slots_);
  size_ = 0;
}

}  // namespace highport::analysis
