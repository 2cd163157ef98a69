#include "rpc/epm_types.h"

#include "fmt/format.h"

namespace highport::rpc {
namespace {

int HexValue(char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return -1;
}

}  // namespace

std::string Uuid::ToString() const {
  const std::array<uint8_t, 16>& b = bytes;
  return fmt::format(
      "{:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-"
      "{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
      b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
      b[15]);
}

std::optional<Uuid> Uuid::Parse(std::string_view text) {
  if (text.size() == 38 && text.front() == '{' && text.back() == '}') {
    text = text.substr(1, 36);
  }
  if (text.size() != 36) return std::nullopt;
  Uuid uuid;
  size_t out = 0;
  for (size_t i = 0; i < text.size();) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i] != '-') return std::nullopt;
      ++i;
      continue;
    }
    int hi = HexValue(text[i]);
    int lo = HexValue(text[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    uuid.bytes[out++] = static_cast<uint8_t>(hi * 16 + lo);
    i += 2;
  }
  return uuid;
}

bool Uuid::is_nil() const {
  for (uint8_t b : bytes) {
    if (b != 0) return false;
  }
  return true;
}

std::string Binding::ToString() const {
  if (protocol.empty() || protocol == "unknown") {
    std::string floors;
    for (const std::string& f : unknown_floors) floors += (floors.empty() ? "" : ",") + f;
    return fmt::format("unknown:[{}]", floors);
  }
  std::string inside = endpoint;
  if (inside.empty() && port) inside = fmt::format("{}", *port);
  return fmt::format("{}:{}[{}]", protocol, address, inside);
}

}  // namespace highport::rpc
