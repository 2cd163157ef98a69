// An IPv4 or IPv6 address as the inputs write it, with the IPv6 zone
// ("fe80::1%12", "127.0.0.53%lo") kept apart from the address bytes.
#pragma once

#include <array>
#include <bit>
#include <compare>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace highport {

class IpAddress {
 public:
  enum class Family : uint8_t { kV4, kV6 };

  IpAddress() = default;  // 0.0.0.0
  static IpAddress V4(uint32_t host_order);
  static IpAddress V6(const std::array<uint8_t, 16>& bytes, std::string zone = {});
  // The same as `*this = V4(...)` / `*this = V6(...)`, in place: readers that
  // reuse one record for millions of flows (the NetFlow decoder) would
  // otherwise build, move and destroy a temporary per address.
  void AssignV4(uint32_t host_order) {
    // Built whole and stored at once: four single-byte stores followed by a
    // 16-byte load of the address (FlowTable's key) cannot be forwarded.
    std::array<uint8_t, 16> bytes{};
    const uint32_t big = std::endian::native == std::endian::little
                             ? __builtin_bswap32(host_order)
                             : host_order;
    std::memcpy(bytes.data(), &big, 4);
    family_ = Family::kV4;
    bytes_ = bytes;
    zone_.clear();
  }
  void AssignV6(const std::array<uint8_t, 16>& bytes) {
    family_ = Family::kV6;
    bytes_ = bytes;
    zone_.clear();
  }
  static IpAddress AnyV4() { return IpAddress(); }
  static IpAddress AnyV6() { return V6({}); }

  // Accepts dotted IPv4, IPv6 text with an optional %zone, and IPv6 in
  // brackets. Returns nothing for host names and anything else.
  static std::optional<IpAddress> Parse(std::string_view text);

  Family family() const { return family_; }
  bool is_v4() const { return family_ == Family::kV4; }
  bool is_v6() const { return family_ == Family::kV6; }
  bool is_unspecified() const;  // 0.0.0.0 or ::
  bool is_loopback() const;     // 127/8 or ::1
  bool is_multicast() const;    // 224/4 or ff00::/8
  bool is_broadcast() const;    // 255.255.255.255
  bool is_v4_mapped() const;    // ::ffff:a.b.c.d, as a dual-stack socket shows an IPv4 peer
  // The IPv4 address a v4-mapped one stands for; any other as it is.
  IpAddress Unmapped() const;
  const std::array<uint8_t, 16>& bytes() const { return bytes_; }  // v4 in the first 4
  const std::string& zone() const { return zone_; }

  // Canonical text: "10.0.0.5", "fe80::1%12". IPv6 is written without brackets.
  std::string ToString() const;

  auto operator<=>(const IpAddress&) const = default;

 private:
  Family family_ = Family::kV4;
  std::array<uint8_t, 16> bytes_{};
  std::string zone_;
};

}  // namespace highport
