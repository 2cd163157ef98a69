#include "net/targets.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <fstream>

#include "fmt/format.h"
#include "model/endpoint.h"
#include "model/ip_address.h"

namespace highport::net {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// A block as a count and a first address; IPv4 and IPv6 alike, counting with
// the low 64 bits since no allowed block comes near that size.
Result<std::vector<Target>> ExpandBlock(std::string_view argument, std::string_view address_text,
                                        std::string_view prefix_text, uint16_t port,
                                        size_t max_hosts) {
  std::optional<IpAddress> address = IpAddress::Parse(address_text);
  unsigned prefix = 0;
  auto [end, ec] = std::from_chars(prefix_text.data(), prefix_text.data() + prefix_text.size(), prefix);
  unsigned bits = address && address->is_v4() ? 32 : 128;
  if (!address || ec != std::errc() || end != prefix_text.data() + prefix_text.size() || prefix > bits) {
    return Error{fmt::format("'{}' is not an address block (ADDRESS/PREFIX)", argument)};
  }
  unsigned host_bits = bits - prefix;
  if (host_bits >= 32) {
    return Error{fmt::format("'{}' holds 2^{} addresses, more than --max-hosts {}", argument,
                             host_bits, max_hosts)};
  }
  uint64_t count = uint64_t{1} << host_bits;
  uint64_t skip_ends = (address->is_v4() && host_bits >= 2) ? 1 : 0;  // network, broadcast
  uint64_t usable = count - 2 * skip_ends;
  if (usable > max_hosts) {
    return Error{fmt::format("'{}' holds {} addresses, more than --max-hosts {}", argument, usable,
                             max_hosts)};
  }
  std::array<uint8_t, 16> bytes = address->bytes();
  size_t width = address->is_v4() ? 4 : 16;
  // Clear the host bits, then count up from the network address.
  for (size_t i = 0; i < width; ++i) {
    unsigned keep = std::min<unsigned>(8, prefix > i * 8 ? prefix - static_cast<unsigned>(i) * 8 : 0);
    bytes[i] &= static_cast<uint8_t>(keep == 0 ? 0 : 0xff << (8 - keep));
  }
  std::vector<Target> targets;
  for (uint64_t n = skip_ends; n < count - skip_ends; ++n) {
    std::array<uint8_t, 16> b = bytes;
    uint64_t carry = n;
    for (size_t i = width; i-- > 0 && carry;) {
      uint64_t sum = b[i] + (carry & 0xff);
      b[i] = static_cast<uint8_t>(sum);
      carry = (carry >> 8) + (sum >> 8);
    }
    IpAddress a = address->is_v4()
                      ? IpAddress::V4(uint32_t{b[0]} << 24 | uint32_t{b[1]} << 16 | uint32_t{b[2]} << 8 | b[3])
                      : IpAddress::V6(b, address->zone());
    targets.push_back({a.ToString(), port});
  }
  return targets;
}

}  // namespace

std::string Target::ToString() const {
  if (host.find(':') != std::string::npos) return fmt::format("[{}]:{}", host, port);
  return fmt::format("{}:{}", host, port);
}

Result<std::vector<Target>> ParseTargets(std::string_view argument, uint16_t default_port,
                                         size_t max_hosts) {
  std::string_view text = Trim(argument);
  if (text.empty()) return Error{"an empty host name"};
  uint16_t port = default_port;
  std::string_view host = text;
  // "[v6]:port", "[v6]", "v4:port", "name:port"; a bare IPv6 literal has several colons.
  if (text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos) return Error{fmt::format("'{}': ']' is missing", argument)};
    host = text.substr(1, close - 1);
    std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      std::optional<uint16_t> p = rest.front() == ':' ? ParsePort(rest.substr(1)) : std::nullopt;
      if (!p || *p == 0) return Error{fmt::format("'{}': bad port after ']'", argument)};
      port = *p;
    }
  } else if (size_t colon = text.rfind(':');
             colon != std::string_view::npos && text.find(':') == colon) {
    std::optional<uint16_t> p = ParsePort(text.substr(colon + 1));
    if (!p || *p == 0) {
      return Error{fmt::format("'{}': '{}' is not a port", argument, text.substr(colon + 1))};
    }
    port = *p;
    host = text.substr(0, colon);
  }
  if (host.empty()) return Error{fmt::format("'{}': no host", argument)};
  if (size_t slash = host.find('/'); slash != std::string_view::npos) {
    return ExpandBlock(argument, host.substr(0, slash), host.substr(slash + 1), port, max_hosts);
  }
  for (char c : host) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' ||
              c == ':' || c == '%';
    if (!ok) return Error{fmt::format("'{}' is not a host name or address", argument)};
  }
  return std::vector<Target>{{std::string(host), port}};
}

Result<std::vector<Target>> ReadTargetsFile(const std::string& path, uint16_t default_port,
                                            size_t max_hosts) {
  std::ifstream in(path);
  if (!in) return Error{fmt::format("{}: cannot open", path)};
  std::vector<Target> targets;
  std::string line;
  for (uint64_t number = 1; std::getline(in, line); ++number) {
    std::string_view text = Trim(line);
    if (size_t hash = text.find('#'); hash != std::string_view::npos) text = Trim(text.substr(0, hash));
    if (text.empty()) continue;
    Result<std::vector<Target>> parsed = ParseTargets(text, default_port, max_hosts);
    if (!parsed) return Error{fmt::format("{}:{}: {}", path, number, parsed.error().message)};
    targets.insert(targets.end(), parsed->begin(), parsed->end());
    if (targets.size() > max_hosts) {
      return Error{fmt::format("{}:{}: more than --max-hosts {} hosts", path, number, max_hosts)};
    }
  }
  return targets;
}

}  // namespace highport::net
