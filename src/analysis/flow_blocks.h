// A vector kept in fixed blocks, for the flow table's per-key and per-
// connection arrays. A std::vector grows by doubling and copies itself: for
// that moment it holds the old array and the new one, and with a million keys
// that moment was the peak of a large run. Blocks are never moved, so the
// arrays cost what they hold plus at most one block; and a reader that is
// done with a block's elements may free it at once (ReleaseBlocksBefore).
//
// Blocks of 2 MiB are placed on 2 MiB boundaries and, from the second on, the
// kernel is asked to back them with huge pages (AdviseHugePages): the flow
// table's counters are read at random, and with 4 KiB pages a table of a few
// hundred thousand keys missed the TLB on most lookups and took a page fault
// per 4 KiB as it grew. Elements are made as they are added, so what a block
// does not hold yet costs no memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace highport::analysis {

inline constexpr size_t kHugePage = size_t{2} << 20;

// Asks for huge pages under the whole 2 MiB pages of [data, data + bytes).
// Only a hint: where the kernel has none to give (or no such call), the
// memory stays as it is.
inline void AdviseHugePages(void* data, size_t bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  const auto begin = reinterpret_cast<uintptr_t>(data);
  const uintptr_t first = (begin + kHugePage - 1) & ~(kHugePage - 1);
  const uintptr_t last = (begin + bytes) & ~(kHugePage - 1);
  if (first < last) madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
#else
  (void)data;
  (void)bytes;
#endif
}

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
  T& operator[](size_t i) { return blocks_[i >> kBlockBits].get()[i & (kBlockSize - 1)]; }
  const T& operator[](size_t i) const {
    return blocks_[i >> kBlockBits].get()[i & (kBlockSize - 1)];
  }

  T& emplace_back() {
    // The first block without huge pages: a small table (a few hundred
    // keys, as most logs make) would fault in and zero 2 MiB for nothing.
    if (size_ == blocks_.size() * kBlockSize) blocks_.push_back(NewBlock(!blocks_.empty()));
    return *std::construct_at(&(*this)[size_++]);  // value-initialized
  }
  void push_back(const T& value) { emplace_back() = value; }

  // Frees the blocks wholly before element `i`; reading them afterwards is an error.
  void ReleaseBlocksBefore(size_t i) {
    for (size_t b = 0; b < blocks_.size() && (b + 1) * kBlockSize <= i; ++b) blocks_[b].reset();
  }
  void clear() {
    std::vector<Block>().swap(blocks_);
    size_ = 0;
  }
  size_t bytes() const { return blocks_.size() * kBlockSize * sizeof(T); }  // reserved

 private:
  static constexpr size_t kBlockBytes = kBlockSize * sizeof(T);
  static constexpr bool kHuge = kBlockBytes % kHugePage == 0;
  // Elements are made one by one as they are added, so a block's untouched
  // pages cost nothing; freed without destructors, which they do not have.
  static_assert(std::is_trivially_destructible_v<T>);
  struct FreeBlock {
    void operator()(T* block) const {
      if constexpr (kHuge) {
        ::operator delete(block, std::align_val_t{kHugePage});
      } else {
        ::operator delete(block);
      }
    }
  };
  using Block = std::unique_ptr<T, FreeBlock>;
  static Block NewBlock(bool huge) {
    void* raw = kHuge ? ::operator new(kBlockBytes, std::align_val_t{kHugePage})
                      : ::operator new(kBlockBytes);
    if constexpr (kHuge) {
      if (huge) AdviseHugePages(raw, kBlockBytes);
    }
    return Block(static_cast<T*>(raw));
  }

  std::vector<Block> blocks_;
  size_t size_ = 0;
};

}  // namespace highport::analysis
