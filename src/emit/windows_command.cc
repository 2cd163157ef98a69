#include "emit/windows_command.h"

#include <algorithm>
#include <charconv>

#include "fmt/format.h"

namespace highport::emit {
namespace {

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// "sc.exe" and "SC" are "sc".
std::string ProgramName(std::string_view token) {
  std::string name = Lower(token);
  if (name.size() > 4 && name.ends_with(".exe")) name.resize(name.size() - 4);
  return name;
}

std::optional<int> SmallNumber(std::string_view text, int max) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0 || value > max) {
    return std::nullopt;
  }
  return value;
}

// Splits as cmd.exe and the C runtime would for these simple lines, and
// refuses what would make cmd.exe do more than run one program.
Result<std::vector<std::string>> Tokens(std::string_view line) {
  std::vector<std::string> tokens;
  std::string current;
  bool quoted = false, in_token = false;
  for (char c : line) {
    auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 && c != '\t') return Error{"it has a control character or line break"};
    if (c == '%') return Error{"it has '%', which cmd.exe would expand"};
    if (c == '"') {
      quoted = !quoted;
      in_token = true;
      continue;
    }
    if (!quoted && (c == '&' || c == '|' || c == '<' || c == '>' || c == '^')) {
      return Error{fmt::format("it has '{}' outside quotes, which cmd.exe reads as an operator", c)};
    }
    if (!quoted && (c == ' ' || c == '\t')) {
      if (in_token) tokens.push_back(std::move(current));
      current.clear();
      in_token = false;
      continue;
    }
    current.push_back(c);
    in_token = true;
  }
  if (quoted) return Error{"it has an unbalanced double quote"};
  if (in_token) tokens.push_back(std::move(current));
  if (tokens.empty()) return Error{"it is empty"};
  return tokens;
}

Result<WindowsCommand> Unknown(std::string_view line) {
  return Error{fmt::format("\"{}\" is not one of the commands highport writes (sc config/stop/start, "
                           "net stop/start, wmic nicconfig SetTcpipNetbios, netsh rpc, "
                           "dfsrdiag StaticRPC, winmgmt, reg add/delete HKLM)",
                           line)};
}

Result<WindowsCommand> ParseService(WindowsCommand cmd) {
  const auto& a = cmd.args;
  std::string verb = Lower(a.size() > 1 ? a[1] : "");
  if (a.size() == 5 && verb == "config" && ProgramName(a[0]) == "sc" && Lower(a[3]) == "start=") {
    static const char* const kTypes[] = {"disabled", "demand", "auto", "delayed-auto"};
    std::string type = Lower(a[4]);
    if (std::find(std::begin(kTypes), std::end(kTypes), type) == std::end(kTypes)) {
      return Error{fmt::format("start type \"{}\" is not disabled, demand, auto or delayed-auto", a[4])};
    }
    cmd.kind = WindowsCommandKind::kServiceStartType;
    cmd.service = a[2];
    cmd.start_type = type;
    return cmd;
  }
  bool net = ProgramName(a[0]) == "net";
  bool yes = net && a.size() == 4 && Lower(a[3]) == "/y";
  if ((verb == "stop" || verb == "start") && (a.size() == 3 || yes) && !a[2].empty()) {
    cmd.kind = verb == "stop" ? WindowsCommandKind::kServiceStop : WindowsCommandKind::kServiceStart;
    cmd.service = a[2];
    cmd.stop_on_error = false;
    return cmd;
  }
  return Unknown(cmd.line);
}

Result<WindowsCommand> ParseNetbios(WindowsCommand cmd) {
  const auto& a = cmd.args;
  size_t i = 2;
  if (a.size() < 2 || Lower(a[1]) != "nicconfig") return Unknown(cmd.line);
  if (a.size() > i + 1 && Lower(a[i]) == "where") {
    std::string clause = Lower(a[i + 1]);
    const std::string prefix = "tcpipnetbiosoptions=";
    if (!clause.starts_with(prefix)) return Unknown(cmd.line);
    cmd.netbios_from = SmallNumber(clause.substr(prefix.size()), 2);
    if (!cmd.netbios_from) return Error{"the where clause's TcpipNetbiosOptions is not 0, 1 or 2"};
    i += 2;
  }
  if (a.size() != i + 3 || Lower(a[i]) != "call" || Lower(a[i + 1]) != "settcpipnetbios") {
    return Unknown(cmd.line);
  }
  std::optional<int> to = SmallNumber(a[i + 2], 2);
  if (!to) return Error{"SetTcpipNetbios takes 0, 1 or 2"};
  cmd.kind = WindowsCommandKind::kNetbios;
  cmd.netbios_to = *to;
  cmd.stop_on_error = false;
  return cmd;
}

}  // namespace

Result<WindowsCommand> ParseWindowsCommand(std::string_view line) {
  auto tokens = Tokens(line);
  if (!tokens) return tokens.error();
  WindowsCommand cmd;
  cmd.line = std::string(line);
  cmd.args = std::move(*tokens);
  const auto& a = cmd.args;
  std::string program = ProgramName(a[0]);
  if (program == "sc" || program == "net") return ParseService(std::move(cmd));
  if (program == "wmic") return ParseNetbios(std::move(cmd));
  if (program == "netsh" && a.size() >= 3 && Lower(a[1]) == "rpc") {
    std::string verb = Lower(a[2]);
    if ((verb == "add" || verb == "delete") && a.size() == 4) {
      cmd.kind = WindowsCommandKind::kNetshRpc;
      cmd.stop_on_error = false;  // adding a subnet that is already in the list
      return cmd;
    }
    if (verb == "reset" && a.size() == 3) {
      cmd.kind = WindowsCommandKind::kNetshRpc;
      return cmd;
    }
    return Unknown(line);
  }
  if (program == "dfsrdiag" && a.size() >= 3 && a.size() <= 4 && Lower(a[1]) == "staticrpc") {
    std::string port = Lower(a[2]);
    if (!port.starts_with("/port:")) return Unknown(line);
    std::optional<int> number = SmallNumber(port.substr(6), 65535);
    if (!number) return Error{"dfsrdiag's /Port: is not a port number"};
    if (a.size() == 4 && !Lower(a[3]).starts_with("/member:")) return Unknown(line);
    cmd.kind = WindowsCommandKind::kDfsrStaticRpc;
    cmd.port = static_cast<uint16_t>(*number);
    return cmd;
  }
  if (program == "winmgmt" && a.size() >= 2 && a.size() <= 3) {
    std::string verb = Lower(a[1]);
    if (verb.size() > 1 && (verb[0] == '-' || verb[0] == '/')) verb.erase(0, 1);
    bool level_ok = a.size() == 2 || (verb == "standalonehost" && SmallNumber(a[2], 6));
    if ((verb == "standalonehost" || verb == "sharedhost") && level_ok) {
      cmd.kind = WindowsCommandKind::kWmiHost;
      return cmd;
    }
    return Unknown(line);
  }
  if (program == "reg" && a.size() >= 3) {
    std::string verb = Lower(a[1]);
    std::string key = Lower(a[2]);
    bool hklm = key.starts_with("hklm\\") || key.starts_with("hkey_local_machine\\");
    if ((verb == "add" || verb == "delete") && hklm) {
      cmd.kind = WindowsCommandKind::kRegistry;
      return cmd;
    }
    return Unknown(line);
  }
  if (program == "rpccfg") {
    return Error{"rpccfg is a Windows Server 2003 Resource Kit tool that current Windows does not "
                 "have; the RPC range is set with reg add instead"};
  }
  return Unknown(line);
}

}  // namespace highport::emit
