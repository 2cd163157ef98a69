// A vector kept in fixed blocks, for the flow table's per-key and per-
// connection arrays. A std::vector grows by doubling and copies itself: for
// that moment it holds the old array and the new one, and with a million keys
// that moment was the peak of a large run. Blocks are never moved, so the
// arrays cost what they hold plus at most one block; and a reader that is
// done with a block's elements may free it at once (ReleaseBlocksBefore).
#pragma once

#include <cstddef>
#include <memory>
#include <utility>
#include <vector>

namespace highport::analysis {

template <class T, size_t kBlockBits = 15>
class BlockVector {
 public:
  static constexpr size_t kBlockSize = size_t{1} << kBlockBits;

  BlockVector() = default;
  BlockVector(BlockVector&& other) noexcept
      : blocks_(std::move(other.blocks_)), size_(std::exchange(other.size_, 0)) {}
  BlockVector& operator=(BlockVector&& other) noexcept {
    blocks_ = std::move(other.blocks_);
    size_ = std::exchange(other.size_, 0);
    return *this;
  }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T& operator[](size_t i) { return blocks_[i >> kBlockBits][i & (kBlockSize - 1)]; }
  const T& operator[](size_t i) const { return blocks_[i >> kBlockBits][i & (kBlockSize - 1)]; }

  T& emplace_back() {
    if (size_ == blocks_.size() * kBlockSize) blocks_.push_back(std::make_unique<T[]>(kBlockSize));
    T& slot = (*this)[size_++];
    slot = T{};
    return slot;
  }
  void push_back(const T& value) { emplace_back() = value; }

  // Frees the blocks wholly before element `i`; reading them afterwards is an error.
  void ReleaseBlocksBefore(size_t i) {
    for (size_t b = 0; b < blocks_.size() && (b + 1) * kBlockSize <= i; ++b) blocks_[b].reset();
  }
  void clear() {
    std::vector<std::unique_ptr<T[]>>().swap(blocks_);
    size_ = 0;
  }
  size_t bytes() const { return blocks_.size() * kBlockSize * sizeof(T); }  // reserved

 private:
  std::vector<std::unique_ptr<T[]>> blocks_;
  size_t size_ = 0;
};

}  // namespace highport::analysis
