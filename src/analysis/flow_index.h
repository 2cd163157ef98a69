// The flow table's index: (client id, server id, protocol, server port) ->
// the position of the flow's counters. Every observation looks its key up,
// so this is an open-addressing table with linear probing: one cache line
// holds the whole probe in the common case, where a node-based
// std::unordered_map chased a bucket, a node and a 120-byte key of two
// IpAddress with their zone strings. A slot is 8 bytes (32 bits of the hash
// and the value): the keys are where the values point (the flow's counters,
// which an observation reads anyway), not a second time here. Nothing is
// ever erased.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include "model/endpoint.h"

namespace highport::analysis {

// The addresses as AddressRef values (flow_interner.h): an IPv4 address
// itself, or an interned id where the flag says so.
struct CompactFlowKey {
  uint32_t client = 0;
  uint32_t server = 0;
  uint16_t port = 0;
  Proto proto = Proto::kTcp;
  // Bits: the key is 12 bytes, and the flow table's counters 64. The unused
  // bits are named and zero, so that every bit of the 12 bytes is defined:
  // keys compare and hash as two words.
  bool client_interned : 1 = false;
  bool server_interned : 1 = false;
  uint8_t unused : 6 = 0;
  // Inline, as two words: every observation compares its key once.
  bool operator==(const CompactFlowKey& other) const {
    return ((Head() ^ other.Head()) | (Tail() ^ other.Tail())) == 0;
  }
  // The addresses (client in the low half on little-endian machines) and
  // the rest (port, protocol, flags).
  uint64_t Head() const {
    uint64_t head;
    std::memcpy(&head, this, 8);
    return head;
  }
  uint32_t Tail() const {
    uint32_t tail;
    std::memcpy(&tail, reinterpret_cast<const char*>(this) + 8, 4);
    return tail;
  }
  // The same two words made from the fields in registers, and a key made
  // from them: OnFlow() hashes a new key at once, and a key stored field by
  // field and read back as two words waited for its five stores (a CPU
  // forwards no group of small stores to one wider load).
  static uint64_t HeadOf(uint32_t client, uint32_t server) {
    static_assert(std::endian::native == std::endian::little);
    return uint64_t{server} << 32 | client;
  }
  static uint32_t TailOf(uint16_t port, Proto proto, bool client_interned, bool server_interned) {
    return uint32_t{port} | uint32_t{static_cast<uint8_t>(proto)} << 16 |
           uint32_t{client_interned} << 24 | uint32_t{server_interned} << 25;
  }
  static CompactFlowKey FromWords(uint64_t head, uint32_t tail) {
    CompactFlowKey key;
    std::memcpy(static_cast<void*>(&key), &head, 8);
    std::memcpy(reinterpret_cast<char*>(static_cast<void*>(&key)) + 8, &tail, 4);
    return key;
  }
};
static_assert(sizeof(CompactFlowKey) == 12);

class FlowIndex {
 public:
  FlowIndex();

  // The value whose key is `key`, or `value_if_new` stored now (second:
  // true). The index keeps no keys: key_at(value) gives a stored value's key.
  template <class KeyAt>
  std::pair<uint32_t, bool> FindOrInsert(const CompactFlowKey& key, uint64_t hash,
                                         uint32_t value_if_new, const KeyAt& key_at) {
    const uint32_t tag = Tag(hash);
    for (size_t i = tag & Mask();; i = (i + 1) & Mask()) {
      const Slot& s = slots_[i];
      if (s.tag == 0) return {Insert(i, tag, value_if_new), true};
      if (s.tag == tag && key_at(s.value) == key) return {s.value, false};
    }
  }
  // Without looking at keys: the first value on `hash`'s probe path whose
  // tag is the hash's, or `value_if_new` stored now (second: true) when
  // none is. A new value is surely a new key (a stored key would have
  // matched); a found one is the key's unless another key with the same tag
  // came first (one lookup in about 2^(32 - log2 slots)), so the caller
  // checks it and else asks FindOrInsert().
  std::pair<uint32_t, bool> FindTagOrInsert(uint64_t hash, uint32_t value_if_new) {
    const uint32_t tag = Tag(hash);
    for (size_t i = tag & Mask();; i = (i + 1) & Mask()) {
      const Slot& s = slots_[i];
      if (s.tag == 0) return {Insert(i, tag, value_if_new), true};
      if (s.tag == tag) return {s.value, false};
    }
  }
  // Inline: every observation hashes its key once.
  static uint64_t Hash(const CompactFlowKey& key) { return Hash(key.Head(), key.Tail()); }
  static uint64_t Hash(uint64_t head, uint32_t tail) {
    // The key's own words (only lookups depend on the hash, never the
    // output), the client in the upper half: the tail's bits then meet the
    // server's, whose low bits vary (an address, or a large id), not a small
    // client id's: small ids and ports overlapping there made equal tags.
    const uint64_t addresses = std::rotl(head, 32);
    uint64_t h = (addresses ^ (uint64_t{tail} << 7)) * 0x9e3779b97f4a7c15ULL;
    h ^= h >> 32;
    h *= 0xff51afd7ed558ccdULL;
    return h ^ (h >> 29);
  }
  // Asks the CPU to fetch the slot where a lookup of `hash` starts.
  void Prefetch(uint64_t hash) const { __builtin_prefetch(&slots_[Tag(hash) & Mask()]); }
  size_t size() const { return size_; }
  size_t slots() const { return slots_.size(); }
  size_t bytes() const { return slots_.capacity() * sizeof(Slot); }
  void Release();  // frees the slots; the index is empty afterwards

 private:
  // 8 bytes: the hash's upper half, which also picks the slot (so that
  // growing needs no key), and the value.
  struct Slot {
    uint32_t tag = 0;  // 0: empty
    uint32_t value = 0;
  };
  static uint32_t Tag(uint64_t hash) {
    const auto tag = static_cast<uint32_t>(hash >> 32);
    return tag != 0 ? tag : 1;
  }
  size_t Mask() const { return mask_; }
  uint32_t Insert(size_t i, uint32_t tag, uint32_t value);
  void Grow();

  std::vector<Slot> slots_;
  size_t mask_ = 0;  // slots_.size() - 1, kept: every lookup and prefetch needs it
  size_t size_ = 0;
};

}  // namespace highport::analysis
