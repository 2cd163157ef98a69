// The flow table's index: (client id, server id, protocol, server port) ->
// the position of the flow's counters. Every observation looks its key up,
// so this is an open-addressing table of 16-byte slots with linear probing:
// one cache line holds the whole probe in the common case, where a node-based
// std::unordered_map chased a bucket, a node and a 120-byte key of two
// IpAddress with their zone strings. Nothing is ever erased.
#pragma once

#include <cstddef>
#include <cstdint>
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
  // Bits: the key is 12 bytes, and the flow table's counters 96.
  bool client_interned : 1 = false;
  bool server_interned : 1 = false;
  bool operator==(const CompactFlowKey&) const = default;
};

class FlowIndex {
 public:
  FlowIndex();

  // The value stored for `key`, or `value_if_new` stored now (second: true).
  std::pair<uint32_t, bool> FindOrInsert(const CompactFlowKey& key, uint32_t value_if_new) {
    return FindOrInsert(key, Hash(key), value_if_new);
  }
  // The same with Hash(key) computed earlier, for a caller that prefetches.
  std::pair<uint32_t, bool> FindOrInsert(const CompactFlowKey& key, uint64_t hash,
                                         uint32_t value_if_new);
  static uint64_t Hash(const CompactFlowKey& key);
  // Asks the CPU to fetch the slot where a lookup of `hash` starts.
  void Prefetch(uint64_t hash) const {
    if (!slots_.empty()) __builtin_prefetch(&slots_[hash & (slots_.size() - 1)]);
  }
  size_t size() const { return size_; }
  size_t slots() const { return slots_.size(); }
  void Release();  // frees the slots; the index is empty afterwards

 private:
  struct Slot {
    uint64_t addresses = 0;  // client << 32 | server
    uint32_t tail = 0;       // kUsed | interned flags << 24 | proto << 16 | port
    uint32_t value = 0;
  };
  static constexpr uint32_t kUsed = 1u << 31;
  static uint32_t Tail(const CompactFlowKey& key);
  void Grow();

  std::vector<Slot> slots_;
  size_t size_ = 0;
};

}  // namespace highport::analysis
