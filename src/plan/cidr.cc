#include "plan/cidr.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>

namespace highport::plan {
namespace {

bool Bit(const IpAddress& address, int index) {
  return (address.bytes()[static_cast<size_t>(index / 8)] >> (7 - index % 8)) & 1;
}

IpAddress WithoutZone(const IpAddress& address) {
  return address.is_v4() ? address : IpAddress::V6(address.bytes());
}

// More than half of the 2^host_bits addresses seen.
bool Dense(size_t count, int host_bits) {
  if (host_bits == 0) return count >= 1;
  if (host_bits - 1 >= 64) return false;
  return count > (uint64_t{1} << (host_bits - 1));
}

// [begin, end): sorted distinct addresses of one family inside one block of
// `prefix` bits. Emits that block if it is justified, else folds its halves.
void Fold(const IpAddress* begin, const IpAddress* end, int prefix,
          std::vector<CidrBlock>& out) {
  const int bits = AddressBits(*begin);
  const size_t count = static_cast<size_t>(end - begin);
  const bool ipv6_subnet =
      begin->is_v6() && prefix == 64 && count >= kIpv6SubnetMinClients;
  if (Dense(count, bits - prefix) || ipv6_subnet) {
    out.push_back(BlockOf(*begin, prefix));
    return;
  }
  // Sorted addresses of one block: those with the next bit clear come first.
  const IpAddress* middle =
      std::partition_point(begin, end, [&](const IpAddress& a) { return !Bit(a, prefix); });
  if (begin != middle) Fold(begin, middle, prefix + 1, out);
  if (middle != end) Fold(middle, end, prefix + 1, out);
}

}  // namespace

int AddressBits(const IpAddress& address) { return address.is_v4() ? 32 : 128; }

CidrBlock BlockOf(const IpAddress& address, int prefix) {
  prefix = std::clamp(prefix, 0, AddressBits(address));
  std::array<uint8_t, 16> bytes = address.bytes();
  for (int i = prefix; i < AddressBits(address); ++i) {
    bytes[static_cast<size_t>(i / 8)] &= static_cast<uint8_t>(~(0x80u >> (i % 8)));
  }
  IpAddress network = address.is_v4()
                          ? IpAddress::V4(uint32_t{bytes[0]} << 24 | uint32_t{bytes[1]} << 16 |
                                          uint32_t{bytes[2]} << 8 | bytes[3])
                          : IpAddress::V6(bytes);
  return {network, prefix};
}

bool CidrBlock::Contains(const IpAddress& address) const {
  if (address.family() != network.family()) return false;
  return BlockOf(address, prefix).network == network;
}

std::string CidrBlock::ToString() const {
  return network.ToString() + "/" + std::to_string(prefix);
}

std::optional<CidrBlock> ParseCidr(std::string_view text) {
  std::string why;
  return ParseCidr(text, &why);
}

std::optional<CidrBlock> ParseCidr(std::string_view text, std::string* why) {
  size_t slash = text.find('/');
  std::optional<IpAddress> address = IpAddress::Parse(text.substr(0, slash));
  if (!address || !address->zone().empty()) {
    *why = "is not an address or CIDR block";
    return std::nullopt;
  }
  int prefix = AddressBits(*address);
  if (slash != std::string_view::npos) {
    std::string_view digits = text.substr(slash + 1);
    auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
    if (digits.empty() || error != std::errc() || end != digits.data() + digits.size() ||
        prefix < 0 || prefix > AddressBits(*address)) {
      *why = "has an invalid prefix length";
      return std::nullopt;
    }
  }
  CidrBlock block = BlockOf(*address, prefix);
  if (block.network != *address) {
    *why = "has host bits set (which block was meant?)";
    return std::nullopt;
  }
  return block;
}

std::vector<CidrBlock> FoldClients(const std::vector<IpAddress>& clients, int max_prefix_v4,
                                   int max_prefix_v6) {
  std::vector<IpAddress> sorted;
  sorted.reserve(clients.size());
  for (const IpAddress& client : clients) sorted.push_back(WithoutZone(client));
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());

  std::vector<CidrBlock> blocks;
  for (size_t i = 0; i < sorted.size();) {
    const int widest = sorted[i].is_v4() ? std::clamp(max_prefix_v4, 1, 32)
                                         : std::clamp(max_prefix_v6, 1, 128);
    const CidrBlock top = BlockOf(sorted[i], widest);
    size_t j = i + 1;
    while (j < sorted.size() && top.Contains(sorted[j])) ++j;
    Fold(sorted.data() + i, sorted.data() + j, widest, blocks);
    i = j;
  }
  return blocks;
}

}  // namespace highport::plan
