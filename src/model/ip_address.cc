#include "model/ip_address.h"

#include <arpa/inet.h>

#include <cstring>

namespace highport {

IpAddress IpAddress::V4(uint32_t host_order) {
  IpAddress a;
  a.bytes_[0] = static_cast<uint8_t>(host_order >> 24);
  a.bytes_[1] = static_cast<uint8_t>(host_order >> 16);
  a.bytes_[2] = static_cast<uint8_t>(host_order >> 8);
  a.bytes_[3] = static_cast<uint8_t>(host_order);
  return a;
}

IpAddress IpAddress::V6(const std::array<uint8_t, 16>& bytes, std::string zone) {
  IpAddress a;
  a.family_ = Family::kV6;
  a.bytes_ = bytes;
  a.zone_ = std::move(zone);
  return a;
}

std::optional<IpAddress> IpAddress::Parse(std::string_view text) {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') {
    text = text.substr(1, text.size() - 2);
  }
  if (text.empty() || text.size() > 100) return std::nullopt;
  std::string zone;
  if (size_t percent = text.find('%'); percent != std::string_view::npos) {
    zone = std::string(text.substr(percent + 1));
    text = text.substr(0, percent);
    if (zone.empty()) return std::nullopt;
  }
  std::string buffer(text);  // inet_pton needs a terminated string
  IpAddress a;
  if (inet_pton(AF_INET, buffer.c_str(), a.bytes_.data()) == 1) {
    a.zone_ = std::move(zone);  // ss writes "127.0.0.53%lo"
    return a;
  }
  if (inet_pton(AF_INET6, buffer.c_str(), a.bytes_.data()) == 1) {
    a.family_ = Family::kV6;
    a.zone_ = std::move(zone);
    return a;
  }
  return std::nullopt;
}

bool IpAddress::is_unspecified() const {
  size_t n = is_v4() ? 4 : 16;
  for (size_t i = 0; i < n; ++i) {
    if (bytes_[i] != 0) return false;
  }
  return true;
}

bool IpAddress::is_loopback() const {
  if (is_v4()) return bytes_[0] == 127;
  for (size_t i = 0; i < 15; ++i) {
    if (bytes_[i] != 0) return false;
  }
  return bytes_[15] == 1;
}

bool IpAddress::is_multicast() const {
  return is_v4() ? (bytes_[0] & 0xf0) == 0xe0 : bytes_[0] == 0xff;
}

bool IpAddress::is_broadcast() const {
  return is_v4() && bytes_[0] == 0xff && bytes_[1] == 0xff && bytes_[2] == 0xff && bytes_[3] == 0xff;
}

bool IpAddress::is_v4_mapped() const {
  if (!is_v6()) return false;
  for (int i = 0; i < 10; ++i) {
    if (bytes_[i] != 0) return false;
  }
  return bytes_[10] == 0xff && bytes_[11] == 0xff;
}

IpAddress IpAddress::Unmapped() const {
  if (!is_v4_mapped()) return *this;
  return V4(uint32_t{bytes_[12]} << 24 | uint32_t{bytes_[13]} << 16 | uint32_t{bytes_[14]} << 8 |
            bytes_[15]);
}

std::string IpAddress::ToString() const {
  char buffer[INET6_ADDRSTRLEN] = {};
  if (is_v4()) {
    // By hand: glibc's inet_ntop formats IPv4 through sprintf, a thousand
    // instructions for what reports write twice per flow.
    char* p = buffer;
    for (size_t i = 0; i < 4; ++i) {
      if (i > 0) *p++ = '.';
      const unsigned octet = bytes_[i];
      if (octet >= 100) *p++ = static_cast<char>('0' + octet / 100);
      if (octet >= 10) *p++ = static_cast<char>('0' + octet / 10 % 10);
      *p++ = static_cast<char>('0' + octet % 10);
    }
  } else {
    inet_ntop(AF_INET6, bytes_.data(), buffer, sizeof buffer);
  }
  std::string text(buffer);
  if (!zone_.empty()) text += "%" + zone_;
  return text;
}

}  // namespace highport
