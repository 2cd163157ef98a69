#include "catalog/catalog.h"

#include <algorithm>
#include <charconv>

#include "catalog/tsv.h"
#include "catalog/tsv_data.h"
#include "fmt/format.h"
#include "text/strings.h"

namespace highport::catalog {
namespace {

std::optional<PortCategory> ParseCategory(std::string_view text) {
  static constexpr std::pair<std::string_view, PortCategory> kNames[] = {
      {"windows-core", PortCategory::kWindowsCore}, {"windows-role", PortCategory::kWindowsRole},
      {"windows-optional", PortCategory::kWindowsOptional}, {"agent", PortCategory::kAgent},
      {"database", PortCategory::kDatabase}, {"infra", PortCategory::kInfra},
      {"app", PortCategory::kApp}};
  for (const auto& [name, category] : kNames) {
    if (name == text) return category;
  }
  return std::nullopt;
}

bool IsCanonicalUuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    char c = s[i];
    if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool ParseU16(std::string_view text, uint16_t& value) {
  unsigned v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v > 65535) return false;
  value = static_cast<uint16_t>(v);
  return true;
}

void LoadPorts(std::string_view text, std::vector<PortEntry>& out, Diagnostics& diag) {
  static const std::vector<std::string_view> kColumns = {"port", "proto", "key", "name",
                                                         "category", "advice", "source"};
  ParseTsv("data/ports.tsv", text, kColumns, diag, [&](const TsvRow& row) {
    PortEntry e;
    bool proto_ok = row.fields[1] == "tcp" || row.fields[1] == "udp";
    std::optional<PortCategory> category = ParseCategory(row.fields[4]);
    if (!ParseU16(row.fields[0], e.port) || !proto_ok || !category) {
      diag.SkipLine("data/ports.tsv", row.line, "catalog.bad_port_row", "bad port, proto or category");
      return;
    }
    e.proto = row.fields[1] == "tcp" ? Proto::kTcp : Proto::kUdp;
    e.category = *category;
    e.key = row.Get(2);
    e.name = row.Get(3);
    e.advice = row.Get(5);
    e.source = row.Get(6);
    out.push_back(std::move(e));
  });
}

void LoadRpcInterfaces(std::string_view text, std::vector<RpcInterfaceEntry>& out,
                       Diagnostics& diag) {
  static const std::vector<std::string_view> kColumns = {
      "uuid", "version", "name", "protocol", "description", "service", "process", "source"};
  ParseTsv("data/rpc_interfaces.tsv", text, kColumns, diag, [&](const TsvRow& row) {
    RpcInterfaceEntry e;
    e.uuid = row.fields[0];
    bool ok = IsCanonicalUuid(e.uuid);
    if (row.fields[1] != "-") {
      size_t dot = row.fields[1].find('.');
      uint16_t major = 0;
      ok = ok && dot != std::string_view::npos && ParseU16(row.fields[1].substr(0, dot), major) &&
           ParseU16(row.fields[1].substr(dot + 1), e.version_minor);
      e.version_major = major;
    }
    if (!ok) {
      diag.SkipLine("data/rpc_interfaces.tsv", row.line, "catalog.bad_rpc_row",
                    "bad uuid or version");
      return;
    }
    e.name = row.Get(2);
    e.protocol = row.Get(3);
    e.description = row.Get(4);
    e.services = SplitList(row.Get(5));
    e.process = row.Get(6);
    e.source = row.Get(7);
    out.push_back(std::move(e));
  });
}

void LoadServices(std::string_view text, std::vector<ServiceEntry>& out, Diagnostics& diag) {
  static const std::vector<std::string_view> kColumns = {
      "service", "display_name", "process", "ports", "needed_by", "can_stop", "stop_how",
      "dependents", "pin_kind", "pin_target", "pin_value", "pin_type", "pin_restart", "source"};
  ParseTsv("data/windows_services.tsv", text, kColumns, diag, [&](const TsvRow& row) {
    ServiceEntry e;
    e.service = row.Get(0);
    e.display_name = row.Get(1);
    e.process = row.Get(2);
    e.ports = SplitList(row.Get(3));
    e.needed_by = SplitList(row.Get(4));
    e.can_stop = row.Get(5);
    e.stop_how = row.Get(6);
    e.dependents = SplitList(row.Get(7));
    e.pin_kind = row.Get(8);
    e.pin_target = row.Get(9);
    e.pin_value = row.Get(10);
    e.pin_type = row.Get(11);
    e.pin_restart = row.Get(12);
    e.source = row.Get(13);
    out.push_back(std::move(e));
  });
}

}  // namespace

bool ServiceEntry::HasRpcDynamicPort() const {
  return std::find(ports.begin(), ports.end(), "rpc-dynamic") != ports.end();
}

Catalog Catalog::FromText(std::string_view ports, std::string_view rpc_interfaces,
                          std::string_view services) {
  Catalog c;
  LoadPorts(ports, c.ports_, c.findings_);
  for (size_t i = c.ports_.size(); i-- > 0;) {  // backwards: the first entry wins
    const PortEntry& e = c.ports_[i];
    uint16_t& page = c.port_page_[e.proto == Proto::kUdp ? 1 : 0][e.port >> 8];
    if (page == 0) {
      c.port_pages_.emplace_back().fill(0);
      page = static_cast<uint16_t>(c.port_pages_.size());
    }
    c.port_pages_[page - 1][e.port & 0xff] = static_cast<uint32_t>(i + 1);
  }
  LoadRpcInterfaces(rpc_interfaces, c.rpc_interfaces_, c.findings_);
  LoadServices(services, c.services_, c.findings_);
  return c;
}

const Catalog& Catalog::Get() {
  static const Catalog catalog =
      FromText(k_ports_tsv, k_rpc_interfaces_tsv, k_windows_services_tsv);
  return catalog;
}

const PortEntry* Catalog::FindPort(Proto proto, uint16_t port) const {
  // (A catalog not made by FromText has no pages: it finds none.)
  const uint16_t page = port_page_[proto == Proto::kUdp ? 1 : 0][port >> 8];
  if (page == 0) return nullptr;
  const uint32_t at = port_pages_[page - 1][port & 0xff];
  return at == 0 ? nullptr : &ports_[at - 1];
}

const RpcInterfaceEntry* Catalog::FindRpcInterface(std::string_view uuid,
                                                   std::optional<uint16_t> major,
                                                   uint16_t minor) const {
  std::string lower = text::ToLowerAscii(uuid);
  const RpcInterfaceEntry* any_version = nullptr;
  for (const RpcInterfaceEntry& e : rpc_interfaces_) {
    if (e.uuid != lower) continue;
    if (major && e.version_major == major && e.version_minor == minor) return &e;
    if (!any_version) any_version = &e;
  }
  return any_version;
}

const ServiceEntry* Catalog::FindService(std::string_view service) const {
  for (const ServiceEntry& e : services_) {
    if (text::EqualsIgnoreCase(e.service, service)) return &e;
  }
  return nullptr;
}

std::string_view PortCategoryName(PortCategory category) {
  switch (category) {
    case PortCategory::kWindowsCore: return "windows-core";
    case PortCategory::kWindowsRole: return "windows-role";
    case PortCategory::kWindowsOptional: return "windows-optional";
    case PortCategory::kAgent: return "agent";
    case PortCategory::kDatabase: return "database";
    case PortCategory::kInfra: return "infra";
    case PortCategory::kApp: return "app";
  }
  return "?";
}

}  // namespace highport::catalog
