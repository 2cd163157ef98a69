// The nftables writer: the sample plan's ruleset against its golden file,
// what an administrator checks in it (each rule's clients, servers and ports;
// what is fenced; names that stay inside their comments; skipped rules named),
// and the real nft: `nft -c` accepts every ruleset, and in a network namespace
// of its own the ruleset loads twice and the rollback removes it twice.
#include "emit/nftables_writer.h"

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

std::string Ruleset(const plan::Plan& plan) {
  return FileText(WriteNftables(plan), "nftables/highport.nft");
}

TEST(NftablesWriter, SamplePlanMatchesGolden) {
  testing::ExpectGolden("nftables", WriteNftables(SamplePlan()));
}

TEST(NftablesWriter, EmitsTheRulesetAndARollback) {
  EmittedFiles files = WriteNftables(SamplePlan());
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].path, "nftables/highport.nft");
  EXPECT_FALSE(files[0].rollback);
  EXPECT_EQ(files[1].path, "nftables/highport-rollback.nft");
  EXPECT_TRUE(files[1].rollback);
  EXPECT_NE(files[1].bytes.find("\ndelete table inet highport\n"), std::string::npos);
}

TEST(NftablesWriter, EachRuleAllowsItsClientsToItsServersOnItsPorts) {
  std::string nft = Ruleset(SamplePlan());
  EXPECT_TRUE(HasLine(nft, "\t\telements = { 10.0.1.0/28, 10.0.2.7/32 }")) << nft;
  EXPECT_TRUE(HasLine(nft,
                      "\t\tip saddr @clients_1_v4 ip daddr { 10.0.0.10, 10.0.0.11 } "
                      "tcp dport { 389, 636 } accept comment \"rule:1\""));
  EXPECT_TRUE(HasLine(nft,
                      "\t\tip saddr @clients_3_v4 ip daddr { 10.0.0.10, 10.0.0.11 } "
                      "tcp dport { 5001-5100 } accept comment \"rule:3\""));
  EXPECT_TRUE(HasLine(nft,
                      "\t\tip6 saddr @clients_4_v6 ip6 daddr { fd00::11 } "
                      "udp dport { 53 } accept comment \"rule:4\""));
}

TEST(NftablesWriter, FencesTheServersOfItsRulesAndNothingElse) {
  std::string nft = Ruleset(SamplePlan());
  // dc02's IPv6 address is fenced too: its listeners are not reachable
  // around the rules through its other address.
  EXPECT_TRUE(HasLine(nft, "\t\telements = { 10.0.0.10, 10.0.0.11 }"));
  EXPECT_TRUE(HasLine(nft, "\t\telements = { fd00::11 }"));
  EXPECT_TRUE(HasLine(nft, "\t\tip daddr @fenced_v4 drop"));
  EXPECT_TRUE(HasLine(nft, "\t\tip6 daddr @fenced_v6 drop"));
  EXPECT_EQ(nft.find("policy drop"), std::string::npos);
  // fs01 has no rule: not fenced, and the header says which flow passes.
  EXPECT_EQ(nft.find("10.0.0.20 }"), std::string::npos);
  EXPECT_NE(nft.find("#   10.0.9.9 -> 10.0.0.20 tcp/8080\n"), std::string::npos);
  // Loopback and established connections come before the fence.
  EXPECT_LT(nft.find("ct state established,related accept"), nft.find("jump allow"));
  EXPECT_LT(nft.find("iif \"lo\" accept"), nft.find("\t\tjump fence\n"));
}

TEST(NftablesWriter, NamesStayInsideTheirComments) {
  std::string nft = Ruleset(OddFirewallPlan());
  EXPECT_FALSE(HasLine(nft, "flush ruleset"));
  EXPECT_EQ(nft.find("\n-F INPUT"), std::string::npos);
  EXPECT_EQ(nft.find('\r'), std::string::npos);
  EXPECT_NE(nft.find("LDAP \"Zürich\" O'Brien flush ruleset  -F INPUT Übung \\"), std::string::npos)
      << nft;
  EXPECT_NE(nft.find("accept comment \"rule:_1_\""), std::string::npos);
}

TEST(NftablesWriter, PortsAreMergedAndSorted) {
  std::string nft = Ruleset(OddFirewallPlan());
  EXPECT_NE(nft.find("tcp dport { 380-400, 636, 3268-3269, 7000, 7002,"), std::string::npos) << nft;
}

TEST(NftablesWriter, ARuleWithABadClientIsSkippedWholeAndNamed) {
  plan::Plan plan = SamplePlan();
  plan.firewall.rules[0].clients = {"10.0.1.0/28", "10.0.1.300/32"};
  plan.firewall.rules[1].clients = {"10.0.1.5/28"};
  plan.firewall.rules[2].clients = {};
  std::string nft = Ruleset(plan);
  EXPECT_NE(nft.find("#   rule:1: client \"10.0.1.300/32\" is not an address or CIDR block\n"),
            std::string::npos)
      << nft;
  EXPECT_NE(nft.find("#   rule:2: client \"10.0.1.5/28\" has host bits set"), std::string::npos);
  EXPECT_NE(nft.find("#   rule:3: no clients"), std::string::npos);
  EXPECT_EQ(nft.find("clients_1_v4"), std::string::npos);
  EXPECT_EQ(nft.find("comment \"rule:3\""), std::string::npos);
  // The one good rule is still there. Its server's host, dc02, is fenced on
  // both its addresses; dc01, with no rule left, is not fenced at all.
  EXPECT_NE(nft.find("comment \"rule:4\""), std::string::npos);
  EXPECT_TRUE(HasLine(nft, "\t\telements = { 10.0.0.11 }")) << nft;
  EXPECT_EQ(nft.find("10.0.0.10"), std::string::npos);
}

TEST(NftablesWriter, ClientsWithoutAServerOfTheirFamilyAreLeftOutWithANote) {
  plan::Plan plan = SamplePlan();
  plan.firewall.rules[0].clients.push_back("fd00:9::/64");
  std::string nft = Ruleset(plan);
  EXPECT_NE(nft.find("# note: IPv6 clients fd00:9::/64 left out: the rule has no IPv6 server"),
            std::string::npos)
      << nft;
  EXPECT_EQ(nft.find("clients_1_v6"), std::string::npos);
}

TEST(NftablesWriter, NoFirewallRulesNoFiles) {
  plan::Plan plan = SamplePlan();
  plan.firewall.rules.clear();
  EXPECT_TRUE(WriteNftables(plan).empty());
}

TEST(NftablesWriter, EveryRuleSkippedGivesANoteAndNoRuleset) {
  plan::Plan plan = SamplePlan();
  for (plan::FirewallRule& rule : plan.firewall.rules) rule.ports = {{0, 0}};
  EmittedFiles files = WriteNftables(plan);
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].path, "nftables/highport-skipped.txt");
  EXPECT_EQ(files[0].bytes.find("table"), std::string::npos);
  EXPECT_NE(files[0].bytes.find("rule:4: port 0"), std::string::npos);
}

// ---- the real nft -------------------------------------------------------------

// nft -c still asks the kernel (it needs CAP_NET_ADMIN), so every nft command
// runs in a network namespace of its own.
std::string NftOrSkipReason() { return testing::NamespaceToolSkipReason({"nft"}, "nftables"); }

void ExpectNftAccepts(const plan::Plan& plan) {
  testing::TempDir dir("highport-nft");
  dir.Write(WriteNftables(plan));
  std::string base = dir.path().string() + "/nftables/";
  for (std::string file : {"highport.nft", "highport-rollback.nft"}) {
    testing::ToolResult check = testing::InNetworkNamespace("nft -c -f " + base + file);
    EXPECT_EQ(check.exit_code, 0) << file << ":\n" << check.output;
  }
}

TEST(NftablesTool, NftAcceptsTheSampleRuleset) {
  if (std::string why = NftOrSkipReason(); !why.empty()) GTEST_SKIP() << why;
  ExpectNftAccepts(SamplePlan());
}

TEST(NftablesTool, NftAcceptsOddNamesOverlapsAndIpv6InCapitals) {
  if (std::string why = NftOrSkipReason(); !why.empty()) GTEST_SKIP() << why;
  ExpectNftAccepts(OddFirewallPlan());
}

TEST(NftablesTool, LoadsTwiceAndRollsBackTwice) {
  if (std::string why = NftOrSkipReason(); !why.empty()) GTEST_SKIP() << why;
  testing::TempDir dir("highport-nft");
  dir.Write(WriteNftables(SamplePlan()));
  std::string apply = dir.path().string() + "/nftables/highport.nft";
  std::string undo = dir.path().string() + "/nftables/highport-rollback.nft";
  testing::ToolResult loaded = testing::InNetworkNamespace("nft -f " + apply + "; nft -f " + apply +
                                                           "; nft list table inet highport");
  ASSERT_EQ(loaded.exit_code, 0) << loaded.output;
  EXPECT_NE(loaded.output.find("elements = { 10.0.1.0/28, 10.0.2.7 }"), std::string::npos)
      << loaded.output;
  EXPECT_NE(loaded.output.find("ip6 daddr @fenced_v6 drop"), std::string::npos);
  testing::ToolResult removed = testing::InNetworkNamespace(
      "nft -f " + apply + "; nft -f " + undo + "; nft -f " + undo + "; nft list tables");
  ASSERT_EQ(removed.exit_code, 0) << removed.output;
  EXPECT_EQ(removed.output.find("highport"), std::string::npos) << removed.output;
}

}  // namespace
}  // namespace highport::emit
