#include "emit/smbconf_writer.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>

#include "emit/linux_config_text.h"
#include "fmt/format.h"

namespace highport::emit {
namespace {

// The interfaces a Samba AD DC serves over ncacn_ip_tcp, by IDL name (the
// suffix `rpc server port:` takes); epmapper is fixed on 135. A name outside
// this list would be ignored by Samba without a word, so it is refused here.
constexpr std::array<std::string_view, 10> kTcpInterfaces{
    "lsarpc",   "samr",    "netlogon",  "drsuapi",   "dssetup",
    "unixinfo", "browser", "backupkey", "dnsserver", "eventlog6"};

constexpr uint16_t kLowestRangePort = 1024;  // loadparm refuses a range below it

struct Setting {
  std::string comment;  // one line: the proposal and what it does
  std::string line;     // "rpc server dynamic port range = 5001-5100"
};

struct HostSettings {
  std::vector<Setting> settings;
  std::vector<std::string> skipped;   // "pin:sdc1:x: reason"
  std::vector<std::string> restarts;  // systemd units, in order
};

bool IsTcpInterface(std::string_view name) {
  return std::find(kTcpInterfaces.begin(), kTcpInterfaces.end(), name) != kTcpInterfaces.end();
}

std::string Id(const std::string& id) { return id.empty() ? "(no id)" : ConfigOneLine(id); }

// "service:samba-ad-dc" -> "samba-ad-dc"; nothing for "reboot" or a name
// that is not a plain unit name.
std::optional<std::string> RestartUnit(std::string_view restart) {
  constexpr std::string_view kPrefix = "service:";
  if (restart.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  std::string_view unit = restart.substr(kPrefix.size());
  bool plain = !unit.empty() && std::all_of(unit.begin(), unit.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
           c == '@';
  });
  if (!plain) return std::nullopt;
  return std::string(unit);
}

void AddRestart(HostSettings& out, std::string_view restart) {
  std::optional<std::string> unit = RestartUnit(restart);
  if (unit && std::find(out.restarts.begin(), out.restarts.end(), *unit) == out.restarts.end()) {
    out.restarts.push_back(*unit);
  }
}

void AddRange(const plan::RpcRangeProposal& range, HostSettings& out) {
  const PortRange& ports = range.range;
  if (ports.first < kLowestRangePort || ports.first > ports.last) {
    out.skipped.push_back(fmt::format(
        "{}: range {}-{} is not one Samba accepts (from 1024 up to 65535, low end first)",
        Id(range.id), ports.first, ports.last));
    return;
  }
  std::string comment = fmt::format("{}: RPC dynamic ports {} (observed peak {} concurrent)",
                                    Id(range.id), ports.ToString(), range.observed_peak);
  if (!range.risk.empty()) comment += ". " + ConfigOneLine(range.risk);
  out.settings.push_back(
      {comment, fmt::format("rpc server dynamic port range = {}", ports.ToString())});
  AddRestart(out, range.restart);
}

void AddPin(const plan::PinProposal& pin, const plan::HostEntry& host, HostSettings& out) {
  auto skip = [&](std::string reason) {
    out.skipped.push_back(fmt::format("{}: {}", Id(pin.id), reason));
  };
  if (pin.kind != plan::PinKind::kSamba) {
    return skip(fmt::format("a {} pin is not a Samba setting", plan::PinKindName(pin.kind)));
  }
  if (host.role != plan::Role::kDc && host.role != plan::Role::kUnknown) {
    return skip(fmt::format("`rpc server port` applies only to a Samba AD DC, and {} is a {}",
                            ConfigOneLine(host.name), plan::RoleName(host.role)));
  }
  if (!IsTcpInterface(pin.service)) {
    return skip(fmt::format("\"{}\" is not an interface a Samba AD DC serves over TCP ({})",
                            ConfigOneLine(pin.service), fmt::join(kTcpInterfaces, ", ")));
  }
  if (pin.port == 0) return skip("port 0 means no fixed port to Samba");
  std::string line = fmt::format("rpc server port:{} = {}", pin.service, pin.port);
  std::string prefix = fmt::format("rpc server port:{} =", pin.service);
  for (const Setting& earlier : out.settings) {
    if (earlier.line.starts_with(prefix)) {
      return skip(fmt::format("{} is already pinned above", pin.service));
    }
  }
  std::string what = pin.display_name.empty() ? pin.service : ConfigOneLine(pin.display_name);
  out.settings.push_back(
      {fmt::format("{}: {} on TCP {}", Id(pin.id), what, pin.port), std::move(line)});
  AddRestart(out, pin.restart);
}

HostSettings SettingsFor(const plan::Plan& plan, const plan::HostEntry& host) {
  HostSettings out;
  if (const plan::RpcRangeProposal* range = plan.RangeFor(host.name)) AddRange(*range, out);
  for (const plan::PinProposal& pin : plan.pins) {
    if (pin.host == host.name) AddPin(pin, host, out);
  }
  if (out.restarts.empty()) {
    // samba-dcerpcd, which serves RPC on member servers, is started by smbd.
    out.restarts.push_back(host.role == plan::Role::kDc ? "samba-ad-dc" : "smbd");
  }
  return out;
}

std::vector<std::string> RestartLines(const HostSettings& settings) {
  std::vector<std::string> lines;
  for (const std::string& unit : settings.restarts) {
    lines.push_back("    systemctl restart " + unit);
  }
  return lines;
}

std::string ApplyFile(const plan::Plan& plan, const plan::HostEntry& host,
                      const HostSettings& settings) {
  std::string name = ConfigOneLine(host.name);
  std::vector<std::string> header = GeneratedByLines(plan);
  header.push_back("");
  if (settings.settings.empty()) {
    header.push_back(fmt::format("Nothing to apply for {}: every proposal was left out.", name));
  } else {
    header.insert(header.end(),
                  {fmt::format("Samba settings for {} ({}).", name, plan::RoleName(host.role)),
                   "Merge the lines below into the [global] section of /etc/samba/smb.conf",
                   "(or include this file at its end), check with `testparm -s`, then restart:"});
    for (std::string& line : RestartLines(settings)) header.push_back(std::move(line));
    header.push_back(fmt::format("Verify: `highport epm {}` lists every port on the plan.", name));
  }
  for (const std::string& skipped : settings.skipped) header.push_back("LEFT OUT " + skipped);
  std::string out = CommentBlock(header);
  if (settings.settings.empty()) return out;
  out += "\n[global]\n";
  for (const Setting& setting : settings.settings) {
    out += fmt::format("\t# {}\n\t{}\n", setting.comment, setting.line);
  }
  return out;
}

std::string RollbackFile(const plan::Plan& plan, const plan::HostEntry& host,
                         const HostSettings& settings) {
  std::vector<std::string> lines = GeneratedByLines(plan);
  lines.insert(lines.end(),
               {"",
                fmt::format("Undoes {}.conf: remove these lines from the [global] section",
                            ConfigOneLine(host.name)),
                "of /etc/samba/smb.conf (Samba then goes back to 49152-65535 and dynamic ports),",
                "check with `testparm -s`, then restart:"});
  for (std::string& line : RestartLines(settings)) lines.push_back(std::move(line));
  lines.push_back("");
  for (const Setting& setting : settings.settings) lines.push_back("    " + setting.line);
  return CommentBlock(lines);
}

}  // namespace

EmittedFiles WriteSmbconf(const plan::Plan& plan) {
  EmittedFiles files;
  for (const plan::HostEntry& host : plan.hosts) {
    if (host.platform != plan::Platform::kSamba) continue;
    HostSettings settings = SettingsFor(plan, host);
    if (settings.settings.empty() && settings.skipped.empty()) continue;
    // A host name becomes a file name: keep it to one safe path component.
    std::string file = QuotableAscii(host.name, 64);
    std::replace_if(
        file.begin(), file.end(), [](char c) { return c == '/' || c == ' '; }, '_');
    if (file.empty() || file == "." || file == "..") file = "_";
    files.push_back({fmt::format("smbconf/{}.conf", file), ApplyFile(plan, host, settings),
                     fmt::format("smb.conf [global] lines for {}", ConfigOneLine(host.name)), false});
    if (settings.settings.empty()) continue;
    files.push_back({fmt::format("smbconf/{}-rollback.conf", file),
                     RollbackFile(plan, host, settings),
                     fmt::format("the smb.conf lines to remove on {}", ConfigOneLine(host.name)), true});
  }
  return files;
}

}  // namespace highport::emit
