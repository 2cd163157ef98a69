// The plan's cmd.exe lines: the shapes highport writes are taken apart, and
// anything that would make cmd.exe do more than run that one program is refused.
#include "emit/windows_command.h"

#include <gtest/gtest.h>

namespace highport::emit {
namespace {

TEST(WindowsCommand, ServiceCommands) {
  auto start = ParseWindowsCommand("sc config \"Print Spooler\" start= disabled");
  ASSERT_TRUE(start.ok()) << start.error().message;
  EXPECT_EQ(start->kind, WindowsCommandKind::kServiceStartType);
  EXPECT_EQ(start->service, "Print Spooler");
  EXPECT_EQ(start->start_type, "disabled");
  EXPECT_TRUE(start->stop_on_error);
  auto stop = ParseWindowsCommand("NET STOP Spooler /y");
  ASSERT_TRUE(stop.ok());
  EXPECT_EQ(stop->kind, WindowsCommandKind::kServiceStop);
  EXPECT_FALSE(stop->stop_on_error);
  EXPECT_FALSE(ParseWindowsCommand("sc config Spooler binPath= C:\\evil.exe").ok());
  EXPECT_FALSE(ParseWindowsCommand("sc config Spooler start= boot").ok());
}

TEST(WindowsCommand, NetbiosDfsrWmiNetshReg) {
  auto netbt = ParseWindowsCommand("wmic nicconfig where TcpipNetbiosOptions=1 call SetTcpipNetbios 2");
  ASSERT_TRUE(netbt.ok());
  EXPECT_EQ(netbt->netbios_from, 1);
  EXPECT_EQ(netbt->netbios_to, 2);
  auto dfsr = ParseWindowsCommand("dfsrdiag StaticRPC /Port:38904 /Member:dc01");
  ASSERT_TRUE(dfsr.ok());
  EXPECT_EQ(dfsr->port, 38904);
  EXPECT_TRUE(ParseWindowsCommand("winmgmt /standalonehost 6").ok());
  EXPECT_TRUE(ParseWindowsCommand("netsh rpc add 127.0.0.0").ok());
  EXPECT_TRUE(ParseWindowsCommand("reg add \"HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows NT\\DNSClient\" "
                                  "/v EnableMulticast /t REG_DWORD /d 0 /f").ok());
  EXPECT_FALSE(ParseWindowsCommand("reg add HKCU\\Software\\x /f").ok());
  EXPECT_FALSE(ParseWindowsCommand("rpccfg /pe 5050-5070").ok());
}

TEST(WindowsCommand, RefusesOperatorsExpansionAndLineBreaks) {
  EXPECT_NE(ParseWindowsCommand("net stop Spooler & del x").error().message.find("'&' outside quotes"),
            std::string::npos);
  EXPECT_FALSE(ParseWindowsCommand("net stop Spooler | more").ok());
  EXPECT_FALSE(ParseWindowsCommand("net stop Spooler > x").ok());
  EXPECT_FALSE(ParseWindowsCommand("net stop %SERVICE%").ok());
  EXPECT_FALSE(ParseWindowsCommand("net stop Spooler\r\ndel x").ok());
  EXPECT_FALSE(ParseWindowsCommand("net stop \"Spooler").ok());
  EXPECT_TRUE(ParseWindowsCommand("net stop \"A & B\"").ok());  // inside quotes it is a name
  EXPECT_FALSE(ParseWindowsCommand("powershell -c x").ok());
}

}  // namespace
}  // namespace highport::emit
