#include "analysis/flow_index.h"

#include "analysis/flow_blocks.h"

namespace highport::analysis {
namespace {

constexpr size_t kInitialSlots = 1024;  // a power of two

}  // namespace

FlowIndex::FlowIndex() : slots_(kInitialSlots), mask_(kInitialSlots - 1) {}

uint32_t FlowIndex::Insert(size_t i, uint32_t tag, uint32_t value) {
  slots_[i] = {tag, value};
  // At most 70% full: linear probes stay short, and there is always a hole.
  if (++size_ * 10 > slots_.size() * 7) Grow();
  return value;
}

void FlowIndex::Grow() {
  std::vector<Slot> old = std::move(slots_);
  // Huge pages asked for before the slots are first written (flow_blocks.h).
  slots_.reserve(old.size() * 2);
  AdviseHugePages(slots_.data(), old.size() * 2 * sizeof(Slot));
  slots_.assign(old.size() * 2, Slot{});
  mask_ = slots_.size() - 1;
  const size_t mask = mask_;
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
  mask_ = kInitialSlots - 1;
  size_ = 0;
}

}  // namespace highport::analysis
