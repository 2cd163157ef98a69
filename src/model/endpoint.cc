#include "model/endpoint.h"

#include <charconv>

#include "fmt/format.h"

namespace highport {

std::string_view ProtoName(Proto proto) {
  return proto == Proto::kTcp ? "tcp" : "udp";
}

std::optional<Proto> ParseProto(std::string_view text) {
  auto starts_with_ci = [&](std::string_view prefix) {
    if (text.size() < prefix.size()) return false;
    for (size_t i = 0; i < prefix.size(); ++i) {
      char c = text[i];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (c != prefix[i]) return false;
    }
    return true;
  };
  // Windows writes "TCP"/"UDP"; ss writes "tcp"/"udp"; /proc names "tcp6".
  if (text.size() <= 5 && starts_with_ci("tcp")) return Proto::kTcp;
  if (text.size() <= 5 && starts_with_ci("udp")) return Proto::kUdp;
  return std::nullopt;
}

std::string Endpoint::ToString() const {
  if (address.is_v6()) return fmt::format("[{}]:{}", address.ToString(), port);
  return fmt::format("{}:{}", address.ToString(), port);
}

std::optional<HostPortText> SplitHostPort(std::string_view text) {
  if (text.empty()) return std::nullopt;
  if (text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return std::nullopt;
    }
    return HostPortText{text.substr(1, close - 1), text.substr(close + 2)};
  }
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  return HostPortText{text.substr(0, colon), text.substr(colon + 1)};
}

std::optional<uint16_t> ParsePort(std::string_view text) {
  unsigned value = 0;
  if (text.empty() || text.size() > 5) return std::nullopt;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value > 65535) return std::nullopt;
  return static_cast<uint16_t>(value);
}

}  // namespace highport
