#include "analysis/flow_interner.h"

#include <algorithm>

#include "gtest/gtest.h"

namespace highport::analysis {
namespace {

IpAddress A(std::string_view text) { return *IpAddress::Parse(text); }

TEST(AddressInterner, SameAddressSameIdAndBack) {
  AddressInterner interner;
  const uint32_t a = interner.Intern(A("10.0.0.5"));
  const uint32_t b = interner.Intern(A("10.0.0.6"));
  EXPECT_NE(a, b);
  EXPECT_EQ(interner.Intern(A("10.0.0.5")), a);
  EXPECT_EQ(interner.Get(a), A("10.0.0.5"));
  EXPECT_EQ(interner.Get(b), A("10.0.0.6"));
  EXPECT_EQ(interner.size(), 2u);
}

// The family, the bytes past the first four and the zone all tell addresses apart.
TEST(AddressInterner, FamilyAndZoneArePartOfTheAddress) {
  AddressInterner interner;
  const uint32_t v4 = interner.Intern(A("0.0.0.0"));
  const uint32_t v6 = interner.Intern(A("::"));
  const uint32_t plain = interner.Intern(A("fe80::1"));
  const uint32_t zone12 = interner.Intern(A("fe80::1%12"));
  const uint32_t zone13 = interner.Intern(A("fe80::1%13"));
  const uint32_t other = interner.Intern(A("fe80::1:0:0:1"));
  std::vector<uint32_t> ids{v4, v6, plain, zone12, zone13, other};
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(std::unique(ids.begin(), ids.end()), ids.end());
  EXPECT_EQ(interner.Intern(A("fe80::1%13")), zone13);
  EXPECT_EQ(interner.Get(zone12).ToString(), "fe80::1%12");
}

TEST(AddressInterner, ManyAddressesAcrossGrowth) {
  AddressInterner interner;
  for (uint32_t i = 0; i < 100000; ++i) ASSERT_EQ(interner.Intern(IpAddress::V4(i * 7919)), i);
  for (uint32_t i = 0; i < 100000; ++i) ASSERT_EQ(interner.Intern(IpAddress::V4(i * 7919)), i);
  EXPECT_EQ(interner.Get(99999), IpAddress::V4(99999u * 7919));
}

TEST(AddressInterner, RanksFollowAddressOrder) {
  AddressInterner interner;
  const uint32_t c = interner.Intern(A("10.0.0.30"));
  const uint32_t a = interner.Intern(A("10.0.0.5"));
  const uint32_t v6 = interner.Intern(A("::1"));
  const uint32_t b = interner.Intern(A("10.0.0.6"));
  std::vector<uint32_t> rank = interner.Ranks();
  EXPECT_LT(rank[a], rank[b]);
  EXPECT_LT(rank[b], rank[c]);
  EXPECT_LT(rank[c], rank[v6]);  // IPv4 before IPv6, as IpAddress compares
}

// Only IPv4 without zones takes the integer sort; one IPv6 address sends the
// same addresses through the general sort: both must give the IpAddress order.
TEST(AddressInterner, Ipv4RanksAgreeWithTheGeneralSort) {
  AddressInterner v4_only, mixed;
  std::vector<IpAddress> addresses;
  for (uint32_t i = 0; i < 5000; ++i) addresses.push_back(IpAddress::V4(i * 2654435761u));
  for (const IpAddress& a : addresses) {
    v4_only.Intern(a);
    mixed.Intern(a);
  }
  mixed.Intern(A("fe80::1"));
  const std::vector<uint32_t> fast = v4_only.Ranks();
  const std::vector<uint32_t> general = mixed.Ranks();
  std::vector<IpAddress> sorted = addresses;
  std::sort(sorted.begin(), sorted.end());
  for (uint32_t id = 0; id < addresses.size(); ++id) {
    ASSERT_EQ(fast[id], general[id]) << addresses[id].ToString();
    ASSERT_EQ(sorted[fast[id]], addresses[id]);
  }
}

TEST(NameInterner, NamesComeBack) {
  NameInterner names;
  const uint32_t a = names.Intern("pfirewall.log");
  const uint32_t b = names.Intern("a rather long capture file name.pcapng");
  EXPECT_EQ(names.Intern("pfirewall.log"), a);
  EXPECT_EQ(names.Intern("a rather long capture file name.pcapng"), b);
  EXPECT_NE(a, b);
  EXPECT_EQ(names.Get(b), "a rather long capture file name.pcapng");
  EXPECT_EQ(names.size(), 2u);
}

// The last name is compared a word at a time, the tail overlapping: a name
// that differs from it in any one byte, at any length, is another name.
TEST(NameInterner, NamesDifferingInOneByteAreDifferent) {
  for (size_t length = 1; length <= 72; ++length) {
    NameInterner names;
    const std::string name(length, 'a');
    const uint32_t id = names.Intern(name);
    for (size_t at = 0; at < length; ++at) {
      std::string other = name;
      other[at] = 'b';
      ASSERT_NE(names.Intern(other), id) << length << " " << at;
      ASSERT_EQ(names.Intern(name), id);
    }
  }
}

// A moved interner (FinishCompact() moves the table's into its result)
// still knows its last name, short (inside its string) or long.
TEST(NameInterner, MovedInternerKeepsItsNames) {
  for (const std::string name : {"fw.log", "a rather long capture file name.pcapng"}) {
    NameInterner names;
    names.Intern("other.log");
    const uint32_t id = names.Intern(name);
    NameInterner moved = std::move(names);
    EXPECT_EQ(moved.Intern(name), id);
    EXPECT_EQ(moved.Intern("other.log"), 0u);
    EXPECT_EQ(moved.size(), 2u);
    NameInterner assigned;
    assigned = std::move(moved);
    EXPECT_EQ(assigned.Intern("other.log"), 0u);
    EXPECT_EQ(assigned.Intern(name), id);
    EXPECT_EQ(assigned.Intern("new.log"), 2u);
  }
}

}  // namespace
}  // namespace highport::analysis
