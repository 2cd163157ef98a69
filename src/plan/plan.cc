#include "plan/plan.h"

#include <array>
#include <utility>

#include "fmt/format.h"

namespace highport::plan {
namespace {

// Each enum's names, in enum order: one table serves both directions.
template <typename Enum, size_t N>
std::string_view NameOf(const std::array<std::string_view, N>& names, Enum value) {
  auto index = static_cast<size_t>(value);
  return index < N ? names[index] : std::string_view("?");
}

template <typename Enum, size_t N>
std::optional<Enum> Parse(const std::array<std::string_view, N>& names, std::string_view text) {
  for (size_t i = 0; i < N; ++i) {
    if (names[i] == text) return static_cast<Enum>(i);
  }
  return std::nullopt;
}

constexpr std::array<std::string_view, 4> kPlatforms{"windows", "samba", "linux", "unknown"};
constexpr std::array<std::string_view, 5> kRoles{"dc", "member", "workstation", "isolated",
                                                 "unknown"};
constexpr std::array<std::string_view, 5> kPinKinds{"registry", "command", "dcom-appid", "wmi",
                                                    "samba"};
constexpr std::array<std::string_view, 4> kMinimiseActions{"disable", "netbt-off",
                                                           "bind-loopback", "policy"};
constexpr std::array<std::string_view, 3> kKeywords{"", "RPCEPMap", "RPC"};

}  // namespace

std::string_view PlatformName(Platform platform) { return NameOf(kPlatforms, platform); }
std::optional<Platform> ParsePlatform(std::string_view text) {
  return Parse<Platform>(kPlatforms, text);
}
std::string_view RoleName(Role role) { return NameOf(kRoles, role); }
std::optional<Role> ParseRole(std::string_view text) { return Parse<Role>(kRoles, text); }
std::string_view PinKindName(PinKind kind) { return NameOf(kPinKinds, kind); }
std::optional<PinKind> ParsePinKind(std::string_view text) {
  return Parse<PinKind>(kPinKinds, text);
}
std::string_view MinimiseActionName(MinimiseAction action) {
  return NameOf(kMinimiseActions, action);
}
std::optional<MinimiseAction> ParseMinimiseAction(std::string_view text) {
  return Parse<MinimiseAction>(kMinimiseActions, text);
}
std::string_view RuleKeywordName(RuleKeyword keyword) { return NameOf(kKeywords, keyword); }
std::optional<RuleKeyword> ParseRuleKeyword(std::string_view text) {
  return Parse<RuleKeyword>(kKeywords, text);
}

std::string ListenerName(ListenerPort listener) {
  return fmt::format("{}/{}", ProtoName(listener.proto), listener.port);
}

std::optional<ListenerPort> ParseListener(std::string_view text) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  std::string_view proto_text = text.substr(0, slash);
  if (proto_text != "tcp" && proto_text != "udp") return std::nullopt;
  std::optional<uint16_t> port = ParsePort(text.substr(slash + 1));
  if (!port || *port == 0) return std::nullopt;
  return ListenerPort{proto_text == "tcp" ? Proto::kTcp : Proto::kUdp, *port};
}

const HostEntry* Plan::FindHost(std::string_view name) const {
  for (const auto& host : hosts) {
    if (host.name == name) return &host;
  }
  return nullptr;
}

const RpcRangeProposal* Plan::RangeFor(std::string_view host) const {
  for (const auto& range : ranges) {
    for (const auto& member : range.hosts) {
      if (member == host) return &range;
    }
  }
  return nullptr;
}

}  // namespace highport::plan
