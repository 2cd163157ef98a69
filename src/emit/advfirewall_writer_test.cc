// The netsh advfirewall writer: golden files, and what a firewall admin
// checks: each rule exactly the plan's addresses, ports and keyword, names
// that re-running replaces and rollback deletes, and no rule wider than the
// plan (an empty list in netsh means "any", so such a rule is left out).
#include "emit/advfirewall_writer.h"

#include <gtest/gtest.h>

#include "emit/golden_test_util.h"
#include "plan/plan_testing.h"

namespace highport::emit {
namespace {

std::string Rules(const plan::Plan& plan) {
  EmittedFiles files = WriteAdvfirewall(plan);
  return files.empty() ? "" : files[0].bytes;
}

TEST(AdvfirewallWriter, GoldenFilesForTheSamplePlan) {
  testing::ExpectGolden("advfirewall", WriteAdvfirewall(plan::testing::SamplePlan()));
}

TEST(AdvfirewallWriter, RulesFileAndRollback) {
  EmittedFiles files = WriteAdvfirewall(plan::testing::SamplePlan());
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].path, "advfirewall/highport-rules.cmd");
  EXPECT_FALSE(files[0].rollback);
  EXPECT_EQ(files[1].path, "advfirewall/highport-rules-rollback.cmd");
  EXPECT_TRUE(files[1].rollback);
  EXPECT_NE(
      files[1].bytes.find(
          "netsh advfirewall firewall show rule name=\"highport: dcs tcp/389 (LDAP) [rule:1]\" "
          ">nul 2>&1 && (netsh advfirewall firewall delete rule name=\"highport: dcs tcp/389 "
          "(LDAP) [rule:1]\" || set /a HIGHPORT_FAILED+=1)\r\n"),
      std::string::npos);
  EXPECT_EQ(files[1].bytes.find("add rule"), std::string::npos);
}

TEST(AdvfirewallWriter, EachRuleHasThePlansAddressesPortsAndKeyword) {
  std::string rules = Rules(plan::testing::SamplePlan());
  EXPECT_NE(rules.find("\r\nnetsh advfirewall firewall delete rule name=\"highport: dcs tcp/389 "
                       "(LDAP) [rule:1]\" >nul 2>&1\r\nnetsh advfirewall firewall add rule "
                       "name=\"highport: dcs tcp/389 (LDAP) [rule:1]\" dir=in action=allow "
                       "enable=yes profile=any protocol=TCP localport=389,636 "
                       "localip=10.0.0.10,10.0.0.11 remoteip=10.0.1.0/28,10.0.2.7/32 description="),
            std::string::npos);
  EXPECT_NE(rules.find("protocol=TCP localport=RPC-EPMap localip=10.0.0.10,10.0.0.11 "
                       "remoteip=10.0.1.0/28 description="),
            std::string::npos);
  // The program's %SystemRoot% reaches netsh unexpanded, as built-in rules hold it.
  EXPECT_NE(
      rules.find("protocol=TCP localport=RPC localip=10.0.0.10,10.0.0.11 remoteip=10.0.1.0/28 "
                 "program=\"%%SystemRoot%%\\System32\\lsass.exe\" description="),
      std::string::npos);
  EXPECT_NE(rules.find("protocol=UDP localport=53 localip=fd00::11 remoteip=fd00:1::/64 "),
            std::string::npos);
  EXPECT_NE(rules.find("|| goto :error\r\n"), std::string::npos);
  EXPECT_NE(rules.find("REM Set (not done here):  netsh advfirewall set allprofiles firewallpolicy "
                       "blockinbound,allowoutbound\r\n"),
            std::string::npos);
  EXPECT_NE(rules.find("REM   10.0.9.9 -> 10.0.0.20 tcp/8080: 1 connections;"), std::string::npos);
}

TEST(AdvfirewallWriter, RulesWiderThanThePlanAreLeftOutAndNamed) {
  plan::Plan plan = plan::testing::SamplePlan();
  plan.firewall.rules[0].clients = {};
  plan.firewall.rules[1].clients = {"0.0.0.0/0"};
  plan.firewall.rules[2].servers = {"10.0.0.10", "dc01.corp"};
  plan.firewall.rules[3].ports = {};
  std::string rules = Rules(plan);
  EXPECT_EQ(rules.find("add rule"), std::string::npos);
  EXPECT_NE(rules.find("REM NOT APPLIED rule:1: it has no clients"), std::string::npos);
  EXPECT_NE(rules.find("REM NOT APPLIED rule:2: \"0.0.0.0/0\" has a prefix length outside 1..32"),
            std::string::npos);
  EXPECT_NE(rules.find("REM NOT APPLIED rule:3: \"dc01.corp\" is not an IPv4 or IPv6 address"),
            std::string::npos);
  EXPECT_NE(rules.find("REM NOT APPLIED rule:4: it has no ports"), std::string::npos);
}

TEST(AdvfirewallWriter, OddValuesFromAHandEditedPlan) {
  plan::Plan plan = plan::testing::SamplePlan();
  plan.firewall.rules[0].name = "LDAP \"main\" 100%\r\nnetsh advfirewall reset";
  plan.firewall.rules[1].proto = Proto::kUdp;  // RPCEPMap is TCP only
  plan.firewall.rules[2].program = "C:\\Program Files\\\"x\".exe";
  plan.firewall.rules[3].clients = {"fd00:1::5/64"};      // host bits set
  plan.firewall.rules.push_back(plan.firewall.rules[0]);  // the same id twice
  std::string rules = Rules(plan);
  EXPECT_NE(
      rules.find("add rule name=\"highport: LDAP 'main' 100%%  netsh advfirewall reset [rule:1]\""),
      std::string::npos);
  EXPECT_EQ(rules.find("\r\nnetsh advfirewall reset"), std::string::npos);
  EXPECT_NE(rules.find("REM NOT APPLIED rule:2: the RPC and RPCEPMap keywords exist for TCP only"),
            std::string::npos);
  EXPECT_NE(rules.find("REM NOT APPLIED rule:3: its program: a double quote"), std::string::npos);
  EXPECT_NE(rules.find("REM NOT APPLIED rule:4: \"fd00:1::5/64\" has host bits set"),
            std::string::npos);
  EXPECT_NE(rules.find("REM NOT APPLIED rule:1: another rule has the same id"), std::string::npos);
}

TEST(AdvfirewallWriter, SambaServersAndEmptyPlans) {
  plan::Plan plan = plan::testing::SamplePlan();
  plan.firewall.rules[3].servers = {"10.0.0.30"};  // sdc1, a Samba host
  plan.firewall.rules[3].clients = {"10.0.1.0/28"};
  EXPECT_NE(Rules(plan).find("REM NOT APPLIED rule:4: its servers are Samba or Linux hosts"),
            std::string::npos);
  EXPECT_TRUE(WriteAdvfirewall(plan::Plan{}).empty());
}

}  // namespace
}  // namespace highport::emit
