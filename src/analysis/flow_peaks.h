// Connection lifetimes for the peak of concurrent connections per server to
// dynamic RPC ports: the number a port range must be sized for.
//
// Which ports are dynamic is known only at the end (an endpoint-mapper answer
// may come after the flows it explains), so every TCP connection to a high
// port is logged, in two flat arrays appended in order: instants (a firewall
// ALLOW row knows one timestamp: about 6 bytes) and spans (a capture or NetFlow
// knows the first and last packet: 24 bytes). That is what a sweep needs and
// no more (per-key vectors of lifetimes cost a vector header per key and a
// cache miss per connection). Memory still grows with connections to high
// TCP ports, not only with keys: about 6 or 24 bytes each.
//
// TakePeaks(): the lifetimes of counted flows are sorted by (server, flow,
// client port, start); overlapping lifetimes from the same client port are
// one connection (the two halves of a one-direction NetFlow pair); then, per
// server, a sweep over sorted starts and ends, starts first at equal times
// (touching lifetimes overlap; an instant is open at its instant).
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <utility>
#include <vector>

#include "analysis/flow_blocks.h"

namespace highport::analysis {

class LifetimeLog {
 public:
  // One connection of flow `flow` (a FlowTable position) from `client_port`.
  // Inline for a whole-second instant with room in the current block (a
  // firewall row: nearly every call); the rest goes to AddOther().
  void Add(uint32_t flow, uint16_t client_port, int64_t start, int64_t end) {
    uint32_t second;
    InstantBlocks& b = instant_bytes_;
    if (WholeSecond(start, end, second) && static_cast<size_t>(b.end - b.put) >= InstantBlocks::kMaxInstant) {
      PutInstant(second, flow, client_port);
    } else {
      AddOther(flow, client_port, start, end);
    }
  }
  // Always kept as a span, even a whole second: a lifetime RenameFlows() may
  // move (a guessed key's).
  void AddSpan(uint32_t flow, uint16_t client_port, int64_t start, int64_t end) {
    end = std::max(start, end);
    long_span_ |= static_cast<uint64_t>(end) - static_cast<uint64_t>(start) >= uint64_t{1} << 48;
    spans_.push_back({start, end, flow, client_port});
  }
  size_t size() const { return instants_ + spans_.size(); }

  // The lifetimes of flow `from` become flow `into`'s, from `client_port`
  // (FlowTable's guessed keys turned round into their reverse). Only spans
  // are renamed: a guessed key's lifetimes are added with AddSpan().
  struct Rename {
    uint32_t from = 0, into = 0;
    uint16_t client_port = 0;
  };
  void RenameFlows(const std::vector<Rename>& renames, size_t flows);
  size_t bytes() const;  // what the log holds now

  // Per server id (ascending), the most connections of counted flows open at
  // once; servers without a counted connection are left out. `counted[flow]`
  // says whether a flow counts, `server_of[flow]` is its server. Empties the log.
  std::vector<std::pair<uint32_t, uint64_t>> TakePeaks(const std::vector<bool>& counted,
                                                      const std::vector<uint32_t>& server_of);

 private:
  // Instants: firewall rows have whole seconds, which fit 32 bits until
  // 2106 (any other instant is kept as a span that ends where it starts).
  // They are only ever read in order, so they are a byte stream: the second
  // as the difference from the previous instant's (zigzag, varint: one byte
  // for a log in time order), then the flow and the client port as one
  // little-endian word: the flow in 1 to 5 bytes, shifted left by 3 over its
  // count of bytes less one, and the port in the 2 bytes after it. About 6
  // bytes where a struct took 12; the flow and port are read with one 8-byte
  // load and written with one 8-byte store (the block keeps room for it).
  struct Instant {
    uint32_t second;
    uint32_t flow;
    uint16_t client_port;
  };
  // The stream in blocks of 64 KB, an instant never split between two
  // (it is written and read through a plain pointer).
  struct InstantBlocks {
    static constexpr size_t kBlockBytes = size_t{1} << 16;
    // The second's varint, then the flow and port's 8-byte store.
    static constexpr size_t kMaxInstant = 10 + 8;
    std::vector<std::unique_ptr<uint8_t[]>> blocks;
    std::vector<uint32_t> used;  // bytes per block, the last one's once Seal()ed
    uint8_t* put = nullptr;      // where the next instant goes, in the last block
    uint8_t* end = nullptr;      // the last block's end
    size_t bytes() const { return blocks.size() * kBlockBytes; }
    void Seal() {
      if (!blocks.empty()) used.back() = static_cast<uint32_t>(put - blocks.back().get());
    }
  };
  // Whether [start, end] is an instant in whole seconds from 0 to 2^32 - 1
  // (`second`): one unsigned test for the range, one multiply for the rest.
  static bool WholeSecond(int64_t start, int64_t end, uint32_t& second) {
    constexpr uint64_t kSecond = 1'000'000;
    const auto us = static_cast<uint64_t>(start);
    if (end > start || us > uint64_t{UINT32_MAX} * kSecond) return false;
    second = static_cast<uint32_t>(us / kSecond);
    return uint64_t{second} * kSecond == us;
  }
  // Little-endian on every host: the length is in the first byte.
  static void StoreWord(uint8_t* p, uint64_t word) {
    if constexpr (std::endian::native == std::endian::little) {
      std::memcpy(p, &word, sizeof word);
    } else {
      for (int i = 0; i < 8; ++i) p[i] = static_cast<uint8_t>(word >> 8 * i);
    }
  }
  static uint64_t LoadWord(const uint8_t* p) {
    uint64_t word = 0;
    if constexpr (std::endian::native == std::endian::little) {
      std::memcpy(&word, p, sizeof word);
    } else {
      for (int i = 0; i < 8; ++i) word |= uint64_t{p[i]} << 8 * i;
    }
    return word;
  }
  static uint8_t* PutVarint(uint8_t* p, uint64_t value) {
    while (value >= 0x80) {
      *p++ = static_cast<uint8_t>(value | 0x80);
      value >>= 7;
    }
    *p++ = static_cast<uint8_t>(value);
    return p;
  }
  // Appends an instant; the block has room for kMaxInstant bytes.
  void PutInstant(uint32_t second, uint32_t flow, uint16_t client_port) {
    uint8_t* p = instant_bytes_.put;
    const int64_t step = int64_t{second} - int64_t{last_second_};
    p = PutVarint(p, static_cast<uint64_t>(step) << 1 ^ static_cast<uint64_t>(step >> 63));  // zigzag
    const auto flow_bytes = static_cast<unsigned>(std::bit_width(flow) + 10) / 8;  // 3 + bits, rounded up
    StoreWord(p, (uint64_t{flow} << 3 | (flow_bytes - 1)) | uint64_t{client_port} << 8 * flow_bytes);
    instant_bytes_.put = p + flow_bytes + 2;
    last_second_ = second;
    ++instants_;
  }
  void AddOther(uint32_t flow, uint16_t client_port, int64_t start, int64_t end);
  // Reads the instants back in order, from the first, freeing each block
  // once read when `release` (the log is then empty afterwards).
  class InstantReader {
   public:
    InstantReader(InstantBlocks& blocks, bool release) : blocks_(blocks), release_(release) {}
    // Inline, with the second's one-byte varint (a log in time order) read
    // without a loop: it runs twice per instant.
    Instant Next() {
      if (p_ == end_) NextBlock();
      uint64_t zigzag = *p_++;
      if (zigzag >= 0x80) p_ = VarintRest(p_, zigzag);
      const uint64_t word = LoadWord(p_);
      const auto flow_bytes = static_cast<unsigned>(word & 7) + 1;
      const unsigned above = 64 - 8 * flow_bytes;  // the port's bits and beyond
      const auto flow = static_cast<uint32_t>(word << above >> (above + 3));
      const auto port = static_cast<uint16_t>(word >> 8 * flow_bytes);
      p_ += flow_bytes + 2;
      const auto step = static_cast<int64_t>(zigzag >> 1) ^ -static_cast<int64_t>(zigzag & 1);
      second_ = static_cast<uint32_t>(int64_t{second_} + step);
      return {second_, flow, port};
    }

   private:
    void NextBlock();
    // `value` holds the first byte (its high bit set); reads the rest, the
    // second and third bytes without a loop or a call.
    static const uint8_t* VarintRest(const uint8_t* p, uint64_t& value) {
      value = (value & 0x7f) | uint64_t{p[0] & 0x7fu} << 7;
      if (p[0] < 0x80) return p + 1;
      value |= uint64_t{p[1] & 0x7fu} << 14;
      if (p[1] < 0x80) return p + 2;
      return VarintTail(p + 2, value);
    }
    static const uint8_t* VarintTail(const uint8_t* p, uint64_t& value);

    InstantBlocks& blocks_;
    bool release_;
    size_t block_ = 0;  // the block after the one being read
    const uint8_t* p_ = nullptr;
    const uint8_t* end_ = nullptr;
    uint32_t second_ = 0;
  };
  struct Span {
    int64_t start;
    int64_t end;
    uint32_t flow;
    uint16_t client_port;
  };
  template <class Offset>
  std::vector<std::pair<uint32_t, uint64_t>> TakePeaksWith(const std::vector<bool>& counted,
                                                           const std::vector<uint32_t>& server_of);
  template <class Life, class Offset>
  std::vector<std::pair<uint32_t, uint64_t>> Sweep(const std::vector<bool>& counted,
                                                   std::vector<Offset>& at,
                                                   const std::vector<uint64_t>& flows, size_t total);

  bool long_span_ = false;  // a span of 2^48 us or more: TakePeaks() needs 24 bytes a lifetime
  // In blocks: freed one by one as TakePeaks() copies them.
  InstantBlocks instant_bytes_;
  size_t instants_ = 0;
  uint32_t last_second_ = 0;
  BlockVector<Span> spans_;
};

}  // namespace highport::analysis
