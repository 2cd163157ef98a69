#include "analysis/flow_interner.h"

#include <algorithm>
#include <cstring>
#include <numeric>

#include "analysis/radix_sort.h"

namespace highport::analysis {
namespace {

constexpr size_t kInitialSlots = 256;  // a power of two

// MurmurHash3's finaliser over both halves: every input bit reaches the
// low bits that pick the slot (IPv4 leaves the high half zero).
uint64_t HashBytes(uint64_t lo, uint64_t hi, uint8_t family) {
  uint64_t h = lo ^ (hi * 0x9e3779b97f4a7c15ULL) ^ family;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  return h ^ (h >> 33);
}

// Doubles an open-addressing table whose empty slots have id_plus_one == 0,
// placing each held slot again from its home position `home(slot)`.
template <class Slot, class Home>
void DoubleSlots(std::vector<Slot>& slots, Home home) {
  std::vector<Slot> old = std::move(slots);
  slots.assign(old.size() * 2, Slot{});
  const size_t mask = slots.size() - 1;
  for (const Slot& s : old) {
    if (s.id_plus_one == 0) continue;
    size_t i = home(s) & mask;
    while (slots[i].id_plus_one != 0) i = (i + 1) & mask;
    slots[i] = s;
  }
}

}  // namespace

AddressInterner::AddressInterner() : slots_(kInitialSlots) {}

size_t AddressInterner::Probe(uint64_t lo, uint64_t hi, uint8_t family) const {
  return HashBytes(lo, hi, family) & (slots_.size() - 1);
}

uint32_t AddressInterner::Intern(const IpAddress& address) {
  uint64_t lo = 0, hi = 0;
  std::memcpy(&lo, address.bytes().data(), 8);
  std::memcpy(&hi, address.bytes().data() + 8, 8);
  const auto family = static_cast<uint8_t>(address.family());
  const bool zoned = !address.zone().empty();
  const size_t mask = slots_.size() - 1;
  for (size_t i = Probe(lo, hi, family);; i = (i + 1) & mask) {
    Slot& s = slots_[i];
    if (s.id_plus_one == 0) {
      // Kept at most half full: probes stay short and the loop always ends.
      const auto id = static_cast<uint32_t>(addresses_.size());
      s = Slot{lo, hi, id + 1, family, zoned};
      addresses_.push_back(address);
      if (addresses_.size() * 2 > slots_.size()) Grow();
      return id;
    }
    if (s.lo == lo && s.hi == hi && s.family == family && s.zoned == zoned &&
        (!zoned || addresses_[s.id_plus_one - 1].zone() == address.zone())) {
      return s.id_plus_one - 1;
    }
  }
}

IpAddress AddressInterner::Resolve(AddressRef ref) const {
  return ref.interned ? addresses_[ref.value] : IpAddress::V4(ref.value);
}

void AddressInterner::Grow() {
  DoubleSlots(slots_, [](const Slot& s) { return HashBytes(s.lo, s.hi, s.family); });
}

// Sorted by integers that order as IpAddress does (family, then the bytes
// in order, then the zone): each comparison is two or three integer compares
// instead of a memcmp through the address; zones (rare) are compared only
// when everything else is equal.
std::vector<uint32_t> AddressInterner::AddressRanks(const std::vector<IpAddress>& addresses) {
  struct SortKey {
    uint64_t high, low;  // the 16 bytes, big-endian: integer order is byte order
    uint32_t id;
    uint8_t family;
    bool zoned;
  };
  std::vector<uint32_t> rank(addresses.size());
  // Usually every address is IPv4 without a zone: its 32-bit value is the
  // order, radix-sorted (an introsort of the values was 4% of a NetFlow run
  // of 50 k keys), far cheaper than the general keys below.
  if (std::all_of(addresses.begin(), addresses.end(),
                  [](const IpAddress& a) { return a.is_v4() && a.zone().empty(); })) {
    std::vector<RadixItem> v4(addresses.size());
    for (uint32_t id = 0; id < addresses.size(); ++id) {
      const auto& b = addresses[id].bytes();
      const uint32_t value = uint32_t{b[0]} << 24 | uint32_t{b[1]} << 16 | uint32_t{b[2]} << 8 | b[3];
      v4[id] = RadixItem::Of(value, id);
    }
    RadixSort(v4, 32);  // stable: equal values (none, here) keep their ids' order
    for (uint32_t r = 0; r < v4.size(); ++r) rank[v4[r].index] = r;
    return rank;
  }
  std::vector<SortKey> keys(addresses.size());
  for (uint32_t id = 0; id < addresses.size(); ++id) {
    const IpAddress& a = addresses[id];
    uint64_t high = 0, low = 0;
    for (size_t i = 0; i < 8; ++i) high = high << 8 | a.bytes()[i];
    for (size_t i = 8; i < 16; ++i) low = low << 8 | a.bytes()[i];
    keys[id] = {high, low, id, static_cast<uint8_t>(a.family()), !a.zone().empty()};
  }
  std::sort(keys.begin(), keys.end(), [&](const SortKey& a, const SortKey& b) {
    if (a.family != b.family) return a.family < b.family;
    if (a.high != b.high) return a.high < b.high;
    if (a.low != b.low) return a.low < b.low;
    if (!a.zoned && !b.zoned) return false;
    return addresses[a.id].zone() < addresses[b.id].zone();
  });
  for (uint32_t r = 0; r < keys.size(); ++r) rank[keys[r].id] = r;
  return rank;
}

void ValueIds::Grow() {
  DoubleSlots(slots_, [](const Slot& s) { return Hash(s.value); });
}

uint32_t NameInterner::InternNew(std::string_view name) {
  auto [it, inserted] = ids_.try_emplace(std::string(name), static_cast<uint32_t>(names_.size()));
  if (inserted) names_.emplace_back(name);
  last_ = it->second;
  last_size_ = names_[last_].size();
  last_data_ = names_[last_].data();  // names_ may have moved its strings
  return last_;
}

}  // namespace highport::analysis
