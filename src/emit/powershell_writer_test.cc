// The PowerShell writer: golden files; the script parsed by a real
// PowerShell grammar (tree-sitter-powershell, run by node) where it is
// installed; and what an admin checks: -WhatIf on every change, single
// quotes everywhere, each host's part under its computer name, and every
// New-NetFirewallRule with exactly the plan's addresses and ports.
#include "emit/powershell_writer.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "emit/golden_test_util.h"
#include "plan/plan_testing.h"

namespace highport::emit {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

std::string Apply(const plan::Plan& plan) {
  EmittedFiles files = WritePowershell(plan);
  return files.empty() ? "" : files[0].bytes;
}

// Outside comments and single-quoted strings: braces, parentheses and quotes balance.
void ExpectBalanced(const std::string& script) {
  int braces = 0, parens = 0;
  bool quoted = false, comment = false, dquoted = false;
  for (size_t i = 0; i < script.size(); ++i) {
    char c = script[i];
    if (comment) {
      comment = c != '\n';
      continue;
    }
    if (quoted) {
      if (c == '\'' && i + 1 < script.size() && script[i + 1] == '\'')
        ++i;
      else if (c == '\'')
        quoted = false;
      continue;
    }
    if (dquoted) {
      if (c == '`')
        ++i;
      else if (c == '"')
        dquoted = false;
      continue;
    }
    if (c == '<' && i + 1 < script.size() && script[i + 1] == '#') {
      size_t end = script.find("#>", i + 2);
      ASSERT_NE(end, std::string::npos) << "unterminated <# comment";
      i = end + 1;
    } else if (c == '#')
      comment = true;
    else if (c == '\'')
      quoted = true;
    else if (c == '"')
      dquoted = true;
    else if (c == '{')
      ++braces;
    else if (c == '}')
      --braces;
    else if (c == '(')
      ++parens;
    else if (c == ')')
      --parens;
    ASSERT_GE(braces, 0) << "at byte " << i;
  }
  EXPECT_FALSE(quoted);
  EXPECT_FALSE(dquoted);
  EXPECT_EQ(braces, 0);
  EXPECT_EQ(parens, 0);
}

TEST(PowershellWriter, GoldenFilesForTheSamplePlan) {
  testing::ExpectGolden("powershell", WritePowershell(plan::testing::SamplePlan()));
}

TEST(PowershellWriter, Utf8WithBomCrlfAndTheFrame) {
  EmittedFiles files = WritePowershell(plan::testing::SamplePlan());
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].path, "powershell/highport-apply.ps1");
  EXPECT_EQ(files[1].path, "powershell/highport-rollback.ps1");
  EXPECT_TRUE(files[1].rollback);
  for (const EmittedFile& f : files) {
    EXPECT_TRUE(f.bytes.starts_with(std::string(kBom) + "#Requires -RunAsAdministrator\r\n"));
    size_t lf = 0, crlf = 0;
    for (size_t i = 0; i < f.bytes.size(); ++i) {
      if (f.bytes[i] == '\n') ++lf, crlf += i > 0 && f.bytes[i - 1] == '\r';
    }
    EXPECT_EQ(lf, crlf) << f.path << ": a bare LF";
    EXPECT_NE(f.bytes.find("\r\n[CmdletBinding(SupportsShouldProcess)]\r\n"), std::string::npos);
    EXPECT_NE(f.bytes.find("\r\nexit (Show-HighportChecks)\r\n"), std::string::npos);
    ExpectBalanced(f.bytes);
  }
}

TEST(PowershellWriter, EveryChangeGoesThroughShouldProcess) {
  std::string script = Apply(plan::testing::SamplePlan());
  // The cmdlets that change something appear only inside the helpers, each
  // under an if ($PSCmdlet.ShouldProcess(...)) that precedes it.
  for (const char* cmdlet :
       {"New-ItemProperty", "New-Item -Path", "Remove-ItemProperty", "Remove-Item -LiteralPath",
        "Set-Service", "Stop-Service", "Start-Service", "Invoke-CimMethod",
        "New-NetFirewallRule @rule", "Remove-NetFirewallRule", "& $FilePath"}) {
    for (size_t at = script.find(cmdlet); at != std::string::npos;
         at = script.find(cmdlet, at + 1)) {
      size_t guard = script.rfind("$PSCmdlet.ShouldProcess(", at);
      size_t function = script.rfind("\r\nfunction ", at);
      ASSERT_NE(guard, std::string::npos) << cmdlet;
      EXPECT_GT(guard, function) << cmdlet << " outside a ShouldProcess guard";
    }
  }
  size_t plan_part = script.find("# ---- the plan");
  ASSERT_NE(plan_part, std::string::npos);
  std::string part = script.substr(plan_part);
  for (const char* cmdlet :
       {"New-ItemProperty", "Set-Service ", "Stop-Service", "New-NetFirewallRule"}) {
    EXPECT_EQ(part.find(cmdlet), std::string::npos) << cmdlet << " called outside the helpers";
  }
}

TEST(PowershellWriter, HostsRegistryServicesAndCommands) {
  std::string script = Apply(plan::testing::SamplePlan());
  EXPECT_NE(script.find("\r\nswitch ($ComputerName.Split('.')[0]) {\r\n    'DC01' {\r\n"),
            std::string::npos);
  EXPECT_NE(script.find("\r\n    'FS01' {\r\n"), std::string::npos);
  EXPECT_EQ(script.find("'SDC1'"), std::string::npos) << "the Samba host has no part";
  EXPECT_NE(script.find("Set-HighportRegistryValue -Proposal 'range:dcs' -Key "
                        "'HKEY_LOCAL_MACHINE\\Software\\Microsoft\\Rpc\\Internet' -Name 'Ports' "
                        "-Type 'MultiString' -Value @('5001-5100')\r\n"),
            std::string::npos);
  EXPECT_NE(script.find("-Name 'TCP/IP Port' -Type 'DWord' -Value 38901\r\n"), std::string::npos);
  EXPECT_NE(script.find("-Name 'PortsInternetAvailable' -Type 'String' -Value 'Y'\r\n"),
            std::string::npos);
  EXPECT_NE(
      script.find("Set-HighportServiceStartType -Proposal 'minimise:fs01:Spooler' -Name 'Spooler' "
                  "-StartupType 'Disabled'\r\n"),
      std::string::npos);
  EXPECT_NE(
      script.find("Set-HighportServiceState -Proposal 'minimise:fs01:Spooler' -Name 'Spooler' "
                  "-Status 'Stopped'\r\n"),
      std::string::npos);
  EXPECT_NE(script.find("Set-HighportNetbios -Proposal 'minimise:fs01:NetBT' -From 1 -To 2\r\n"),
            std::string::npos);
  EXPECT_NE(
      script.find("-FilePath 'dfsrdiag.exe' -ArgumentList @('StaticRPC', '/Port:38904', "
                  "'/Member:dc01') -StopOnError -CheckKind 'dfsr-port' -Expected '38904'\r\n"),
      std::string::npos);
  std::string rollback = WritePowershell(plan::testing::SamplePlan())[1].bytes;
  EXPECT_NE(rollback.find("Remove-HighportRegistryKey -Proposal 'range:dcs' -Key "
                          "'HKEY_LOCAL_MACHINE\\Software\\Microsoft\\Rpc\\Internet'\r\n"),
            std::string::npos);
  EXPECT_NE(rollback.find("Set-HighportServiceStartType -Proposal 'minimise:fs01:Spooler' -Name "
                          "'Spooler' -StartupType 'Automatic'\r\n"),
            std::string::npos);
  EXPECT_EQ(rollback.find("Set-HighportRegistryValue -"), std::string::npos);
}

// Every New-NetFirewallRule call (through Set-HighportFirewallRule) has the
// plan rule's clients and ports, and as local addresses its servers on that host.
TEST(PowershellWriter, FirewallRulesHaveThePlansAddressesAndPorts) {
  plan::Plan plan = plan::testing::SamplePlan();
  std::string script = Apply(plan);
  std::regex call(
      "Set-HighportFirewallRule -Proposal '([^']+)' -Name '([^']+)' .* -Protocol '(\\w+)' "
      "-LocalPort (@\\([^)]*\\)) -LocalAddress (@\\([^)]*\\)) -RemoteAddress (@\\([^)]*\\))");
  std::map<std::string, std::vector<std::string>> seen;  // rule id -> local address lists
  for (auto it = std::sregex_iterator(script.begin(), script.end(), call);
       it != std::sregex_iterator(); ++it) {
    const std::smatch& m = *it;
    const plan::FirewallRule* rule = nullptr;
    for (const auto& r : plan.firewall.rules) {
      if (r.id == m[1]) rule = &r;
    }
    ASSERT_NE(rule, nullptr) << m[1];
    EXPECT_EQ(m[2], "highport-" + std::regex_replace(rule->id, std::regex("[^A-Za-z0-9]"), "-"));
    std::string clients = "@(";
    for (size_t i = 0; i < rule->clients.size(); ++i)
      clients += (i ? ", '" : "'") + rule->clients[i] + "'";
    EXPECT_EQ(m[6], clients + ")") << rule->id;
    std::string ports = "@(";
    if (rule->keyword == plan::RuleKeyword::kRpc) ports += "'RPC'";
    if (rule->keyword == plan::RuleKeyword::kRpcEpmap) ports += "'RPCEPMap'";
    for (size_t i = 0; rule->keyword == plan::RuleKeyword::kNone && i < rule->ports.size(); ++i) {
      ports += (i ? ", '" : "'") + rule->ports[i].ToString() + "'";
    }
    EXPECT_EQ(m[4], ports + ")") << rule->id;
    seen[rule->id].push_back(m[5]);
  }
  EXPECT_EQ(seen["rule:1"], (std::vector<std::string>{"@('10.0.0.10')", "@('10.0.0.11')"}));
  EXPECT_EQ(seen["rule:3"], (std::vector<std::string>{"@('10.0.0.10')", "@('10.0.0.11')"}));
  EXPECT_EQ(seen["rule:4"], (std::vector<std::string>{"@('fd00::11')"}));
  EXPECT_NE(
      script.find("-RemoteAddress @('10.0.1.0/28') -Program '%SystemRoot%\\System32\\lsass.exe'"),
      std::string::npos);
}

TEST(PowershellWriter, QuotesAndLineBreaksFromThePlanStayStrings) {
  plan::Plan plan = plan::testing::SamplePlan();
  plan.firewall.rules[0].name = "LDAP for O'Brien\xE2\x80\x99s team\r\nRemove-Item C:\\ -Recurse";
  plan.pins[0].risk = "x\n}\nRemove-Item C:\\";
  plan.minimise[0].commands = {"sc config \"Print 'Spooler'\" start= disabled"};
  std::string script = Apply(plan);
  ExpectBalanced(script);
  EXPECT_NE(script.find("-DisplayName 'highport: LDAP for O''Brien\xE2\x80\x99\xE2\x80\x99s team  "
                        "Remove-Item C:/ -Recurse [rule:1]'"),
            std::string::npos);
  EXPECT_EQ(script.find("\r\nRemove-Item"), std::string::npos);
  EXPECT_EQ(script.find("\r\n}\r\nRemove-Item"), std::string::npos);
  EXPECT_NE(script.find("-Name 'Print ''Spooler''' -StartupType 'Disabled'"), std::string::npos);
}

TEST(PowershellWriter, NothingToDoMeansNoFiles) {
  EXPECT_TRUE(WritePowershell(plan::Plan{}).empty());
  plan::Plan plan;
  plan.hosts = {{"ws01",
                 {"10.0.5.5"},
                 "ws01",
                 plan::Role::kWorkstation,
                 plan::Platform::kWindows,
                 std::nullopt,
                 {}}};
  EXPECT_TRUE(WritePowershell(plan).empty());
}

// The real grammar: tree-sitter-powershell under node, where installed (see
// src/emit/powershell_parse_check.cjs for the one npm command).
TEST(PowershellWriter, ParsesWithTreeSitterPowershell) {
  const char* env = std::getenv("HIGHPORT_NODE_MODULES");
  std::filesystem::path modules = env ? env : "/usr/local/lib/highport-node/node_modules";
  if (std::system("command -v node >/dev/null 2>&1") != 0 ||
      !std::filesystem::exists(modules / "tree-sitter-powershell/tree-sitter-powershell.wasm") ||
      !std::filesystem::exists(modules / "web-tree-sitter")) {
    GTEST_SKIP() << "no PowerShell parser: needs node and, in " << modules
                 << ", npm install --prefix " << modules.parent_path().string()
                 << " web-tree-sitter@0.27.1 tree-sitter-powershell@0.26.4";
  }
  const std::filesystem::path checker =
      std::filesystem::path(HIGHPORT_SOURCE_DIR) / "src/emit/powershell_parse_check.cjs";
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("highport-ps-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  plan::Plan odd = plan::testing::SamplePlan();
  odd.firewall.rules[0].name = "O'Brien\xE2\x80\x98s \"rule\" $(evil) `n";
  odd.pins[0].risk = "line\r\n} { ";
  std::vector<EmittedFile> files = WritePowershell(plan::testing::SamplePlan());
  for (EmittedFile& f : WritePowershell(odd)) {
    f.path = "odd-" + std::filesystem::path(f.path).filename().string();
    files.push_back(f);
  }
  std::string command = "NODE_PATH='" + modules.string() + "' node --liftoff-only '" +
                        checker.string() + "'";
  for (const EmittedFile& f : files) {
    auto path = dir / std::filesystem::path(f.path).filename();
    std::ofstream(path, std::ios::binary) << f.bytes;
    command += " '" + path.string() + "'";
  }
  EXPECT_EQ(std::system((command + " 2>&1").c_str()), 0) << "a script does not parse: " << command;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace highport::emit
