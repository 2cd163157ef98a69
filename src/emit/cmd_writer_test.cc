// The cmd writer: golden files for the sample plan, and what an admin checks
// before running a batch file on a domain controller: the right values, the
// stop on error, the undo in reverse, and that no plan text (a newline, a
// '%', a '&', a quote) can turn into a command the plan did not propose.
#include "emit/cmd_writer.h"

#include <gtest/gtest.h>

#include <sstream>

#include "emit/golden_test_util.h"
#include "plan/plan_testing.h"

namespace highport::emit {
namespace {

const EmittedFile* Find(const EmittedFiles& files, const std::string& path) {
  for (const EmittedFile& f : files) {
    if (f.path == path) return &f;
  }
  return nullptr;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  return lines;
}

bool StartsWithAny(const std::string& line, std::initializer_list<std::string_view> prefixes) {
  for (std::string_view p : prefixes) {
    if (line.starts_with(p)) return true;
  }
  return line.empty();
}

// Every line of a file the writer emitted is a remark, an echo, the fixed
// frame, or one of the commands it writes: nothing else can run.
void ExpectOnlyKnownLines(const std::string& text) {
  for (const std::string& line : Lines(text)) {
    EXPECT_TRUE(StartsWithAny(line, {"REM",
                                     "echo(",
                                     "@echo off",
                                     "setlocal DisableDelayedExpansion",
                                     "chcp 65001 >nul",
                                     "net session >nul 2>&1 || (echo Run",
                                     "if /i not \"%COMPUTERNAME%\"==",
                                     "set HIGHPORT_FAILED=0",
                                     "if %HIGHPORT_FAILED% neq 0",
                                     "exit /b ",
                                     ":error",
                                     "reg add \"HKLM\\",
                                     "reg query \"HKLM\\",
                                     "sc config ",
                                     "net stop ",
                                     "net start ",
                                     "wmic nicconfig ",
                                     "netsh rpc ",
                                     "dfsrdiag StaticRPC ",
                                     "winmgmt /"}))
        << "unexpected line: " << line;
  }
}

TEST(CmdWriter, GoldenFilesForTheSamplePlan) {
  testing::ExpectGolden("cmd", WriteCmd(plan::testing::SamplePlan()));
}

TEST(CmdWriter, OneFileAndOneRollbackPerWindowsHostWithWork) {
  EmittedFiles files = WriteCmd(plan::testing::SamplePlan());
  std::vector<std::string> paths;
  for (const EmittedFile& f : files) paths.push_back(f.path + (f.rollback ? " (rollback)" : ""));
  EXPECT_EQ(paths, (std::vector<std::string>{"cmd/dc01.cmd", "cmd/dc01-rollback.cmd (rollback)",
                                             "cmd/dc02.cmd", "cmd/dc02-rollback.cmd (rollback)",
                                             "cmd/fs01.cmd", "cmd/fs01-rollback.cmd (rollback)"}));
  for (const EmittedFile& f : files) {
    EXPECT_TRUE(f.bytes.starts_with("@echo off\r\n")) << f.path;
    EXPECT_EQ(f.bytes.find('\n'), f.bytes.find("\r\n") + 1) << f.path;
    size_t lf = 0, crlf = 0;
    for (size_t i = 0; i < f.bytes.size(); ++i) {
      if (f.bytes[i] == '\n') ++lf, crlf += i > 0 && f.bytes[i - 1] == '\r';
    }
    EXPECT_EQ(lf, crlf) << f.path << ": a bare LF";
    ExpectOnlyKnownLines(f.bytes);
  }
}

TEST(CmdWriter, RpcRangeAndPinsAreRegAddLinesThatStopOnError) {
  EmittedFiles files = WriteCmd(plan::testing::SamplePlan());
  const std::string& dc01 = Find(files, "cmd/dc01.cmd")->bytes;
  for (const char* line :
       {"reg add \"HKLM\\Software\\Microsoft\\Rpc\\Internet\" /v \"Ports\" /t REG_MULTI_SZ /d "
        "\"5001-5100\" /f || goto :error\r\n",
        "reg add \"HKLM\\Software\\Microsoft\\Rpc\\Internet\" /v \"PortsInternetAvailable\" /t "
        "REG_SZ /d \"Y\" /f || goto :error\r\n",
        "reg add \"HKLM\\Software\\Microsoft\\Rpc\\Internet\" /v \"UseInternetPorts\" /t REG_SZ "
        "/d \"Y\" /f || goto :error\r\n",
        "reg add \"HKLM\\SYSTEM\\CurrentControlSet\\Services\\NTDS\\Parameters\" /v \"TCP/IP "
        "Port\" /t REG_DWORD /d 38901 /f || goto :error\r\n",
        "dfsrdiag StaticRPC /Port:38904 /Member:dc01 || goto :error\r\n",
        "net session >nul 2>&1 || (echo Run this file as administrator. & exit /b 1)\r\n",
        "if /i not \"%COMPUTERNAME%\"==\"DC01\" (echo This file is for DC01, not %COMPUTERNAME%. "
        "& exit /b 1)\r\n"}) {
    EXPECT_NE(dc01.find(line), std::string::npos) << line;
  }
  EXPECT_NE(dc01.find("REM ---- pin:dc01:Netlogon: Netlogon on TCP 38902. Needs: restart the "
                      "service Netlogon\r\n"),
            std::string::npos);
  const std::string& dc02 = Find(files, "cmd/dc02.cmd")->bytes;
  EXPECT_NE(dc02.find("/v \"Endpoints\" /t REG_MULTI_SZ /d \"ncacn_ip_tcp,0,38905\" /f"),
            std::string::npos);
  const std::string& fs01 = Find(files, "cmd/fs01.cmd")->bytes;
  // Stopping a service that is already stopped is no failure: no goto there.
  EXPECT_NE(fs01.find("\r\nnet stop Spooler\r\n"), std::string::npos);
  EXPECT_NE(fs01.find("\r\nsc config Spooler start= disabled || goto :error\r\n"),
            std::string::npos);
  EXPECT_NE(fs01.find("\r\nwinmgmt /standalonehost || goto :error\r\n"), std::string::npos);
}

TEST(CmdWriter, RollbackUndoesInReverseOrderAndDeletesOnlyWhatIsThere) {
  EmittedFiles files = WriteCmd(plan::testing::SamplePlan());
  const std::string& undo = Find(files, "cmd/dc01-rollback.cmd")->bytes;
  size_t dfsr =
      undo.find("\r\ndfsrdiag StaticRPC /Port:0 /Member:dc01 || set /a HIGHPORT_FAILED+=1");
  size_t netlogon = undo.find("/v \"DCTcpipPort\" /f || set /a HIGHPORT_FAILED+=1)");
  size_t range = undo.find(
      "\r\nreg query \"HKLM\\Software\\Microsoft\\Rpc\\Internet\" >nul 2>&1 && "
      "(reg delete \"HKLM\\Software\\Microsoft\\Rpc\\Internet\" /f || set /a "
      "HIGHPORT_FAILED+=1)\r\n");
  ASSERT_NE(dfsr, std::string::npos);
  ASSERT_NE(netlogon, std::string::npos);
  ASSERT_NE(range, std::string::npos);
  EXPECT_LT(dfsr, netlogon);
  EXPECT_LT(netlogon, range);
  EXPECT_EQ(undo.find("reg add"), std::string::npos);
  EXPECT_NE(undo.find("\r\nif %HIGHPORT_FAILED% neq 0 ("), std::string::npos);
}

TEST(CmdWriter, NoFileForHostsWithNothingToDo) {
  plan::Plan plan;
  plan.hosts = {{"ws01",
                 {"10.0.5.5"},
                 "ws01",
                 plan::Role::kWorkstation,
                 plan::Platform::kWindows,
                 std::nullopt,
                 {}}};
  EXPECT_TRUE(WriteCmd(plan).empty());
  EXPECT_TRUE(WriteCmd(plan::Plan{}).empty());
}

TEST(CmdWriter, PlanTextCannotBecomeACommand) {
  plan::Plan plan = plan::testing::SamplePlan();
  plan.ranges[1].risk = "reboot\r\ndel /q C:\\Windows\\*\nformat c:";
  plan.minimise[0].display_name = "Print \"Spooler\" 100% %~ & | < > ^";
  plan.pins[0].risk = "careful ^";
  EmittedFiles files = WriteCmd(plan);
  for (const EmittedFile& f : files) ExpectOnlyKnownLines(f.bytes);
  const std::string& fs01 = Find(files, "cmd/fs01.cmd")->bytes;
  EXPECT_NE(fs01.find("REM   risk: reboot  del /q C:\\Windows\\* format c:\r\n"),
            std::string::npos);
  EXPECT_NE(fs01.find("echo([minimise:fs01:Spooler] Print \"Spooler\" 100%% %%~ ^& ^| ^< ^> ^^"),
            std::string::npos);
  // A caret at the end of a remark would join the next line to it.
  EXPECT_NE(Find(files, "cmd/dc01.cmd")->bytes.find("\r\nREM   risk: careful\r\n"),
            std::string::npos);
  EXPECT_EQ(Find(files, "cmd/dc01.cmd")->bytes.find("^\r\n"), std::string::npos);
}

TEST(CmdWriter, UnsafeOrUnknownCommandsAreLeftOutAndNamed) {
  plan::Plan plan = plan::testing::SamplePlan();
  plan.minimise[0].commands = {"sc config Spooler start= disabled & net user x /add"};
  plan.pins[2].command = "dfsrdiag StaticRPC /Port:%PORT% /Member:dc01";
  plan.minimise[1].rollback = {"powershell -c Remove-Item C:\\"};
  EmittedFiles files = WriteCmd(plan);
  for (const EmittedFile& f : files) ExpectOnlyKnownLines(f.bytes);
  const std::string& fs01 = Find(files, "cmd/fs01.cmd")->bytes;
  EXPECT_NE(fs01.find("REM NOT APPLIED minimise:fs01:Spooler: command \"sc config Spooler start= "
                      "disabled & net user x /add\": it has '&' outside quotes"),
            std::string::npos);
  EXPECT_EQ(fs01.find("\r\nsc config Spooler"), std::string::npos);
  EXPECT_NE(fs01.find("REM NOT APPLIED minimise:fs01:NetBT: rollback command"), std::string::npos);
  EXPECT_EQ(fs01.find("\r\nwmic"), std::string::npos) << "no apply without its rollback";
  const std::string& dc01 = Find(files, "cmd/dc01.cmd")->bytes;
  EXPECT_NE(dc01.find("REM NOT APPLIED pin:dc01:DFSR: command \"dfsrdiag StaticRPC /Port:%%PORT%% "
                      "/Member:dc01\": it has '%%', which cmd.exe would expand"),
            std::string::npos);
  EXPECT_EQ(dc01.find("\r\ndfsrdiag"), std::string::npos);
}

TEST(CmdWriter, ValuesCmdCannotQuoteAreLeftOutAndPercentIsDoubled) {
  plan::Plan plan = plan::testing::SamplePlan();
  plan.pins[0].value_type = "REG_SZ";
  plan.pins[0].value_data = "38901 \"quoted\"";
  plan.pins[1].value_type = "REG_SZ";
  plan.pins[1].value_data = "50%";
  plan.pins[3].value_type = "REG_BINARY";
  EmittedFiles files = WriteCmd(plan);
  const std::string& dc01 = Find(files, "cmd/dc01.cmd")->bytes;
  EXPECT_NE(dc01.find("REM NOT APPLIED pin:dc01:NTDS: cannot be written as a reg command: TCP/IP "
                      "Port: a double quote"),
            std::string::npos);
  EXPECT_EQ(dc01.find("/v \"TCP/IP Port\""), std::string::npos);
  EXPECT_NE(dc01.find("/v \"DCTcpipPort\" /t REG_SZ /d \"50%%\" /f"), std::string::npos);
  const std::string& dc02 = Find(files, "cmd/dc02.cmd")->bytes;
  EXPECT_NE(dc02.find("REM NOT APPLIED pin:dc02:CertSvc: value type \"REG_BINARY\" is not"),
            std::string::npos);
  EXPECT_EQ(dc02.find("Endpoints"), std::string::npos);
}

TEST(CmdWriter, ReversedRangeIsNotWritten) {
  plan::Plan plan = plan::testing::SamplePlan();
  plan.ranges[0].range = {5100, 5001};
  EmittedFiles files = WriteCmd(plan);
  const std::string& dc01 = Find(files, "cmd/dc01.cmd")->bytes;
  EXPECT_NE(dc01.find("REM NOT APPLIED range:dcs: the range 5100-5001 is reversed"),
            std::string::npos);
  EXPECT_EQ(dc01.find("Rpc\\Internet"), std::string::npos);
}

TEST(CmdWriter, EphemeralOverlapIsACommentedHint) {
  plan::Plan plan = plan::testing::SamplePlan();
  plan.ranges[0].range = {50000, 50199};
  plan.ranges[0].ephemeral_overlap = PortRange{50000, 50199};
  EmittedFiles files = WriteCmd(plan);
  const std::string& dc01 = Find(files, "cmd/dc01.cmd")->bytes;
  EXPECT_NE(dc01.find("\r\nREM   netsh int ipv4 set dynamicport tcp start=50200 num=15336\r\n"),
            std::string::npos);
  EXPECT_NE(dc01.find("\r\nREM   netsh int ipv6 set dynamicport tcp start=50200 num=15336\r\n"),
            std::string::npos);
  // Without an overlap in the plan there is no hint at all.
  EmittedFiles sample = WriteCmd(plan::testing::SamplePlan());
  EXPECT_EQ(Find(sample, "cmd/dc01.cmd")->bytes.find("dynamicport"), std::string::npos);
}

TEST(CmdWriter, NonAsciiSwitchesToUtf8AndHostNamesBecomeSafeFileNames) {
  plan::Plan plan = plan::testing::SamplePlan();
  plan.minimise[0].display_name = "Druckwarteschlange (Büro)";
  plan.hosts[2].name = "../fs 01";
  for (auto& m : plan.minimise) m.host = "../fs 01";
  for (auto& p : plan.pins) p.host = p.host == "fs01" ? "../fs 01" : p.host;
  plan.ranges[1].hosts = {"../fs 01"};
  EmittedFiles files = WriteCmd(plan);
  const EmittedFile* fs = Find(files, "cmd/host.._fs_01.cmd");
  ASSERT_NE(fs, nullptr);
  EXPECT_TRUE(fs->bytes.starts_with("@echo off\r\nchcp 65001 >nul\r\n"));
  EXPECT_NE(fs->bytes.find("REM \"../fs 01\" is no computer name"), std::string::npos);
  EXPECT_FALSE(Find(files, "cmd/dc01.cmd")->bytes.starts_with("@echo off\r\nchcp"));
}

TEST(CmdWriter, ProposalsForUnknownHostsAreNamed) {
  plan::Plan plan = plan::testing::SamplePlan();
  plan.pins[0].host = "dc03";
  EmittedFiles files = WriteCmd(plan);
  const EmittedFile* missing = Find(files, "cmd/NOT-APPLIED.txt");
  ASSERT_NE(missing, nullptr);
  EXPECT_NE(missing->bytes.find("pin:dc01:NTDS: host \"dc03\" is not in the plan's host list"),
            std::string::npos);
}

}  // namespace
}  // namespace highport::emit
