// Small ids for the things the flow table meets again and again: addresses
// (an IpAddress is 56 bytes with its zone string; a network has thousands of
// hosts, a log millions of rows) and evidence file names. The flow table keys
// and stores ids; the full values come back only when Finish() builds the
// entries it returns.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "model/ip_address.h"

namespace highport::analysis {

// What the flow table keeps of an address: an IPv4 address without a zone is
// its own 32-bit value (no lookup at all); anything else is an interned id.
struct AddressRef {
  uint32_t value = 0;
  bool interned = false;
};

// IpAddress -> dense id (0, 1, 2, ... in order of first appearance). An
// open-addressing table of the address bytes that looks at the zone only
// when there is one.
class AddressInterner {
 public:
  AddressInterner();

  uint32_t Intern(const IpAddress& address);
  // Inline: every observation asks twice, and nearly always for an IPv4
  // address, which needs no table.
  AddressRef Ref(const IpAddress& address) {
    if (address.is_v4() && address.zone().empty()) {
      uint32_t big;
      std::memcpy(&big, address.bytes().data(), 4);
      return {std::endian::native == std::endian::little ? __builtin_bswap32(big) : big, false};
    }
    return {Intern(address), true};
  }
  IpAddress Resolve(AddressRef ref) const;
  const IpAddress& Get(uint32_t id) const { return addresses_[id]; }
  size_t size() const { return addresses_.size(); }

  // rank[id]: the position of address `id` in IpAddress order, so that
  // entries sort by comparing integers instead of addresses.
  std::vector<uint32_t> Ranks() const { return AddressRanks(addresses_); }
  // The same for any list of distinct addresses: rank[i] is addresses[i]'s position.
  static std::vector<uint32_t> AddressRanks(const std::vector<IpAddress>& addresses);

 private:
  struct Slot {
    uint64_t lo = 0, hi = 0;  // the 16 address bytes
    uint32_t id_plus_one = 0;  // 0: empty
    uint8_t family = 0;
    bool zoned = false;
  };
  size_t Probe(uint64_t lo, uint64_t hi, uint8_t family) const;
  void Grow();

  std::vector<Slot> slots_;
  std::vector<IpAddress> addresses_;
};

// 32-bit values (IPv4 addresses as AddressRef holds them) -> dense ids,
// given by the caller on first sight: FlowTable::FinishCompact() numbers the
// addresses of its keys with it, without building an IpAddress to look one up.
class ValueIds {
 public:
  // The id of `value`, or new_id() stored now when it is new.
  template <class NewId>
  uint32_t Find(uint32_t value, const NewId& new_id) {
    const size_t mask = slots_.size() - 1;
    for (size_t i = Hash(value) & mask;; i = (i + 1) & mask) {
      Slot& s = slots_[i];
      if (s.id_plus_one == 0) {
        const uint32_t id = new_id();
        s = {value, id + 1};
        // Kept at most half full: probes stay short and the loop always ends.
        if (++size_ * 2 > slots_.size()) Grow();
        return id;
      }
      if (s.value == value) return s.id_plus_one - 1;
    }
  }

 private:
  struct Slot {
    uint32_t value = 0;
    uint32_t id_plus_one = 0;  // 0: empty
  };
  static uint64_t Hash(uint32_t value) { return (value * 0x9e3779b97f4a7c15ULL) >> 29; }
  void Grow();
  std::vector<Slot> slots_ = std::vector<Slot>(256);
  size_t size_ = 0;
};

// File names of evidence -> dense ids. Readers give one file's name for
// many observations in a row, so the last one is remembered.
class NameInterner {
 public:
  uint32_t Intern(std::string_view name) {
    // Inline, and compared here a word at a time: every observation asks,
    // nearly always for the last name again (a memcmp call cost more). The
    // last name's text and size are kept beside its id (no names_ lookup),
    // its size SIZE_MAX until there is one.
    if (name.size() == last_size_ && SameText(last_data_, name.data(), last_size_)) return last_;
    return InternNew(name);
  }
  const std::string& Get(uint32_t id) const { return names_[id]; }
  size_t size() const { return names_.size(); }

  NameInterner() = default;
  // Moves keep last_data_ pointing into names_ (a short name lives inside its string).
  NameInterner(NameInterner&& other) noexcept { *this = std::move(other); }
  NameInterner& operator=(NameInterner&& other) noexcept {
    names_ = std::move(other.names_);
    ids_ = std::move(other.ids_);
    last_ = std::exchange(other.last_, UINT32_MAX);
    other.last_size_ = SIZE_MAX;
    last_size_ = last_ == UINT32_MAX ? SIZE_MAX : names_[last_].size();
    last_data_ = last_ == UINT32_MAX ? nullptr : names_[last_].data();
    return *this;
  }

 private:
  // Equal texts of `n` bytes. Whole words, the differences OR-ed together
  // (one branch at the end); the last word read overlapping instead of byte
  // by byte; up to 32 bytes (a path like /data/logs/pfirewall.log) without a
  // loop: four words, two of them overlapping the others.
  static bool SameText(const char* a, const char* b, size_t n) {
    if (n < 8) return std::string_view(a, n) == std::string_view(b, n);
    uint64_t diff = (Word(a) ^ Word(b)) | (Word(a + n - 8) ^ Word(b + n - 8));
    if (n <= 16) return diff == 0;
    diff |= (Word(a + 8) ^ Word(b + 8)) | (Word(a + n - 16) ^ Word(b + n - 16));
    if (n <= 32) return diff == 0;
    for (size_t i = 16; i + 16 < n; i += 8) diff |= Word(a + i) ^ Word(b + i);
    return diff == 0;
  }
  static uint64_t Word(const char* p) {
    uint64_t x;
    std::memcpy(&x, p, 8);
    return x;
  }
  uint32_t InternNew(std::string_view name);
  std::vector<std::string> names_;
  std::unordered_map<std::string, uint32_t> ids_;
  uint32_t last_ = UINT32_MAX;
  size_t last_size_ = SIZE_MAX;  // names_[last_]'s
  const char* last_data_ = nullptr;
};

}  // namespace highport::analysis
