// The iptables writer: the sample plan against its golden files, what an
// administrator checks (one rule per client block and server, multiport
// split at 15, the fence, the jumps, names that stay comments), and the real
// iptables-restore/ip6tables-restore: --test accepts every file, and in a
// network namespace of its own the rules apply twice and the rollback empties
// the chain, twice.
#include "emit/iptables_writer.h"

#include <gtest/gtest.h>

#include "emit/golden_test_util.h"
#include "emit/linux_firewall_test_plans.h"
#include "emit/linux_tool_test_util.h"
#include "plan/plan_testing.h"

namespace highport::emit {
namespace {

using plan::testing::SamplePlan;
using testing::FileNamed;
using testing::FileText;
using testing::HasLine;
using testing::OddFirewallPlan;

size_t CountLines(const std::string& text, const std::string& prefix) {
  size_t count = 0;
  for (size_t at = ("\n" + text).find("\n" + prefix); at != std::string::npos;
       at = ("\n" + text).find("\n" + prefix, at + 1)) {
    ++count;
  }
  return count;
}

TEST(IptablesWriter, SamplePlanMatchesGolden) {
  testing::ExpectGolden("iptables", WriteIptables(SamplePlan()));
}

TEST(IptablesWriter, EmitsBothFamiliesAndTheirRollbacks) {
  EmittedFiles files = WriteIptables(SamplePlan());
  ASSERT_EQ(files.size(), 4u);
  EXPECT_EQ(files[0].path, "iptables/highport.rules");
  EXPECT_EQ(files[1].path, "iptables/highport-rollback.rules");
  EXPECT_EQ(files[2].path, "iptables/highport6.rules");
  EXPECT_EQ(files[3].path, "iptables/highport6-rollback.rules");
  EXPECT_FALSE(files[0].rollback);
  EXPECT_TRUE(files[1].rollback);
  EXPECT_FALSE(files[2].rollback);
  EXPECT_TRUE(files[3].rollback);
}

TEST(IptablesWriter, OneRulePerClientBlockAndServer) {
  std::string v4 = FileText(WriteIptables(SamplePlan()), "iptables/highport.rules");
  EXPECT_TRUE(HasLine(v4,
                      "-A HIGHPORT -s 10.0.1.0/28 -d 10.0.0.10 -p tcp -m multiport --dports "
                      "389,636 -m comment --comment \"rule:1\" -j ACCEPT"))
      << v4;
  EXPECT_TRUE(HasLine(v4,
                      "-A HIGHPORT -s 10.0.2.7/32 -d 10.0.0.11 -p tcp -m multiport --dports "
                      "389,636 -m comment --comment \"rule:1\" -j ACCEPT"));
  EXPECT_TRUE(HasLine(v4,
                      "-A HIGHPORT -s 10.0.1.0/28 -d 10.0.0.10 -p tcp --dport 5001:5100 "
                      "-m comment --comment \"rule:3\" -j ACCEPT"));
  // rule:1 2 clients x 2 servers, rule:2 and rule:3 1 x 2.
  EXPECT_EQ(CountLines(v4, "-A HIGHPORT -s "), 8u);
  EXPECT_EQ(v4.find("-s fd00"), std::string::npos);
  EXPECT_EQ(v4.find("-d fd00"), std::string::npos);
  std::string v6 = FileText(WriteIptables(SamplePlan()), "iptables/highport6.rules");
  EXPECT_TRUE(HasLine(v6,
                      "-A HIGHPORT -s fd00:1::/64 -d fd00::11 -p udp --dport 53 "
                      "-m comment --comment \"rule:4\" -j ACCEPT"));
  EXPECT_EQ(CountLines(v6, "-A HIGHPORT -s "), 1u);
}

TEST(IptablesWriter, FenceComesAfterTheRulesAndTheJumpsComeFirst) {
  std::string v4 = FileText(WriteIptables(SamplePlan()), "iptables/highport.rules");
  EXPECT_TRUE(HasLine(v4, "-A HIGHPORT -d 10.0.0.10 -j DROP"));
  EXPECT_TRUE(HasLine(v4, "-A HIGHPORT -d 10.0.0.11 -j DROP"));
  EXPECT_EQ(v4.find("-d 10.0.0.20"), std::string::npos);
  EXPECT_LT(v4.find("-j ACCEPT"), v4.find("-j DROP"));
  EXPECT_LT(v4.find("--ctstate ESTABLISHED,RELATED -j RETURN"), v4.find("-j ACCEPT"));
  EXPECT_TRUE(HasLine(v4, "-I INPUT 1 -j HIGHPORT"));
  EXPECT_TRUE(HasLine(v4, "-I FORWARD 1 -j HIGHPORT"));
  // Never a whole-table replacement: the file says --noflush, and never
  // touches a chain policy.
  EXPECT_NE(v4.find("# Apply: iptables-restore --noflush highport.rules\n"), std::string::npos);
  EXPECT_EQ(v4.find("\n:INPUT"), std::string::npos);
  std::string v6 = FileText(WriteIptables(SamplePlan()), "iptables/highport6.rules");
  EXPECT_TRUE(HasLine(v6, "-A HIGHPORT -d fd00::11 -j DROP"));
  EXPECT_TRUE(HasLine(v6,
                      "-A HIGHPORT -p ipv6-icmp -m icmp6 --icmpv6-type "
                      "neighbour-solicitation -j RETURN"));
}

TEST(IptablesWriter, MultiportTakesAtMostFifteenPorts) {
  std::string v4 = FileText(WriteIptables(OddFirewallPlan()), "iptables/highport.rules");
  // 380-400 (2) + 636 + 3268-3269 (2) + 20 single ports: 25 -> 15 + 10.
  // A range counts twice, so the first match ends after ten single ports.
  EXPECT_TRUE(HasLine(v4,
                      "-A HIGHPORT -s 10.0.1.0/28 -d 10.0.0.10 -p tcp -m multiport --dports "
                      "380:400,636,3268:3269,7000,7002,7004,7006,7008,7010,7012,7014,7016,7018 "
                      "-m comment --comment \"rule:_1_\" -j ACCEPT"))
      << v4;
  EXPECT_TRUE(HasLine(v4,
                      "-A HIGHPORT -s 10.0.1.0/28 -d 10.0.0.10 -p tcp -m multiport --dports "
                      "7020,7022,7024,7026,7028,7030,7032,7034,7036,7038 "
                      "-m comment --comment \"rule:_1_\" -j ACCEPT"));
}

TEST(IptablesWriter, NamesStayInsideTheirComments) {
  std::string v4 = FileText(WriteIptables(OddFirewallPlan()), "iptables/highport.rules");
  EXPECT_FALSE(HasLine(v4, "-F INPUT"));
  EXPECT_FALSE(HasLine(v4, "flush ruleset"));
  EXPECT_EQ(v4.find('\r'), std::string::npos);
  EXPECT_NE(v4.find("# rule:\"1\" \"LDAP \"Zürich\" O'Brien flush ruleset  -F INPUT Übung \\\""),
            std::string::npos)
      << v4;
}

TEST(IptablesWriter, AFamilyWithoutRulesHasNoFile) {
  plan::Plan plan = SamplePlan();
  plan.firewall.rules.pop_back();  // the only IPv6 rule
  EmittedFiles files = WriteIptables(plan);
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(FileNamed(files, "iptables/highport6.rules"), nullptr);
}

TEST(IptablesWriter, EveryRuleSkippedGivesANoteAndNoRuleset) {
  plan::Plan plan = SamplePlan();
  for (plan::FirewallRule& rule : plan.firewall.rules) rule.servers = {"dc01.example.org"};
  EmittedFiles files = WriteIptables(plan);
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].path, "iptables/highport-skipped.txt");
  EXPECT_EQ(files[0].bytes.find("*filter"), std::string::npos);
  EXPECT_NE(files[0].bytes.find("rule:2: server \"dc01.example.org\" is not an IP address"),
            std::string::npos)
      << files[0].bytes;
}

// ---- the real iptables-restore -----------------------------------------------

// The nft-backed iptables of Debian 12 asks the kernel even for --test, so
// every command runs in a network namespace of its own.
std::string IptablesOrSkipReason() {
  return testing::NamespaceToolSkipReason({"iptables-restore", "ip6tables-restore"}, "iptables");
}

void ExpectRestoreAccepts(const plan::Plan& plan) {
  EmittedFiles files = WriteIptables(plan);
  testing::TempDir dir("highport-iptables");
  dir.Write(files);
  for (const EmittedFile& file : files) {
    bool v6 = file.path.find("highport6") != std::string::npos;
    std::string command = v6 ? "ip6tables-restore" : "iptables-restore";
    testing::ToolResult check = testing::InNetworkNamespace(command + " --test --noflush " +
                                                            (dir.path() / file.path).string());
    EXPECT_EQ(check.exit_code, 0) << file.path << ":\n" << check.output;
  }
}

TEST(IptablesTool, RestoreAcceptsTheSampleRulesets) {
  if (std::string why = IptablesOrSkipReason(); !why.empty()) GTEST_SKIP() << why;
  ExpectRestoreAccepts(SamplePlan());
}

TEST(IptablesTool, RestoreAcceptsOddNamesAndLongPortLists) {
  if (std::string why = IptablesOrSkipReason(); !why.empty()) GTEST_SKIP() << why;
  ExpectRestoreAccepts(OddFirewallPlan());
}

TEST(IptablesTool, AppliesTwiceAndRollsBackTwice) {
  if (std::string why = IptablesOrSkipReason(); !why.empty()) GTEST_SKIP() << why;
  testing::TempDir dir("highport-iptables");
  dir.Write(WriteIptables(SamplePlan()));
  std::string apply = (dir.path() / "iptables/highport.rules").string();
  std::string undo = (dir.path() / "iptables/highport-rollback.rules").string();
  testing::ToolResult applied = testing::InNetworkNamespace("iptables-restore --noflush " + apply +
                                                            "; iptables-restore --noflush " +
                                                            apply + "; iptables -S HIGHPORT");
  ASSERT_EQ(applied.exit_code, 0) << applied.output;
  // Applying again replaced the chain's rules instead of adding them twice.
  EXPECT_EQ(CountLines(applied.output, "-A HIGHPORT -d 10.0.0.10/32 -j DROP"), 1u)
      << applied.output;
  testing::ToolResult undone = testing::InNetworkNamespace(
      "iptables-restore --noflush " + apply + "; iptables-restore --noflush " + apply +
      "; iptables-restore --noflush " + undo + "; iptables-restore --noflush " + undo +
      "; iptables -S HIGHPORT");
  ASSERT_EQ(undone.exit_code, 0) << undone.output;
  EXPECT_EQ(undone.output, "-N HIGHPORT\n");
}

}  // namespace
}  // namespace highport::emit
