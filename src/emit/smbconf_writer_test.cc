// The smb.conf writer: the sample plan against its golden files, what an
// administrator checks (per-interface ports, never a bare `rpc server port`,
// the restart, what was left out and why, a rollback that changes nothing if
// included by mistake), and the real testparm: a smb.conf made of a minimal
// [global] and the emitted lines reads back the planned values.
#include "emit/smbconf_writer.h"

#include <gtest/gtest.h>

#include "emit/golden_test_util.h"
#include "emit/linux_tool_test_util.h"
#include "plan/plan_testing.h"

namespace highport::emit {
namespace {

using plan::testing::SamplePlan;
using testing::FileNamed;
using testing::FileText;
using testing::HasLine;

// Lines that are neither empty nor comments: what Samba reads.
std::vector<std::string> Settings(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    size_t first = line.find_first_not_of(" \t");
    if (first != std::string::npos && line[first] != '#' && line[first] != ';') {
      out.push_back(line.substr(first));
    }
    start = end + 1;
  }
  return out;
}

TEST(SmbconfWriter, SamplePlanMatchesGolden) {
  testing::ExpectGolden("smbconf", WriteSmbconf(SamplePlan()));
}

TEST(SmbconfWriter, OneFileAndOneRollbackPerSambaHost) {
  EmittedFiles files = WriteSmbconf(SamplePlan());
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].path, "smbconf/sdc1.conf");
  EXPECT_FALSE(files[0].rollback);
  EXPECT_EQ(files[1].path, "smbconf/sdc1-rollback.conf");
  EXPECT_TRUE(files[1].rollback);
}

TEST(SmbconfWriter, RangeAndOnePortPerInterfaceNeverABareRpcServerPort) {
  std::string conf = FileText(WriteSmbconf(SamplePlan()), "smbconf/sdc1.conf");
  EXPECT_EQ(Settings(conf),
            (std::vector<std::string>{"[global]", "rpc server dynamic port range = 5001-5100",
                                      "rpc server port:netlogon = 38902",
                                      "rpc server port:drsuapi = 38901"}))
      << conf;
  EXPECT_NE(conf.find("#     systemctl restart samba-ad-dc\n"), std::string::npos);
  EXPECT_NE(conf.find("# pin:sdc1:drsuapi: Directory replication (Samba) on TCP 38901\n"),
            std::string::npos);
}

TEST(SmbconfWriter, RollbackListsTheLinesAndSetsNothing) {
  EmittedFiles files = WriteSmbconf(SamplePlan());
  std::string undo = FileText(files, "smbconf/sdc1-rollback.conf");
  EXPECT_TRUE(Settings(undo).empty()) << undo;
  EXPECT_TRUE(HasLine(undo, "#     rpc server dynamic port range = 5001-5100"));
  EXPECT_TRUE(HasLine(undo, "#     rpc server port:netlogon = 38902"));
  EXPECT_TRUE(HasLine(undo, "#     rpc server port:drsuapi = 38901"));
}

TEST(SmbconfWriter, WindowsHostsAndHostsWithNothingGetNoFile) {
  plan::Plan plan = SamplePlan();
  plan.ranges.pop_back();  // range:sdc1
  plan.pins.erase(plan.pins.end() - 2, plan.pins.end());
  EXPECT_TRUE(WriteSmbconf(plan).empty());
}

TEST(SmbconfWriter, WhatSambaCannotReadIsLeftOutAndNamed) {
  plan::Plan plan = SamplePlan();
  plan.ranges.back().range = {900, 1000};
  plan.pins[5].service = "netlogon = 1\n[evil]";
  plan.pins[6].service = "drsuapi";
  plan::PinProposal wrong_kind = plan.pins[0];
  wrong_kind.id = "pin:sdc1:NTDS";
  wrong_kind.host = "sdc1";
  plan.pins.push_back(wrong_kind);
  plan::PinProposal again = plan.pins[6];
  again.id = "pin:sdc1:drsuapi-again";
  again.port = 40000;
  plan.pins.push_back(again);
  std::string conf = FileText(WriteSmbconf(plan), "smbconf/sdc1.conf");
  EXPECT_EQ(Settings(conf),
            (std::vector<std::string>{"[global]", "rpc server port:drsuapi = 38901"}))
      << conf;
  EXPECT_NE(conf.find("# LEFT OUT range:sdc1: range 900-1000 is not one Samba accepts"),
            std::string::npos);
  EXPECT_NE(conf.find("# LEFT OUT pin:sdc1:netlogon: \"netlogon = 1 [evil]\" is not an interface"),
            std::string::npos);
  EXPECT_NE(conf.find("# LEFT OUT pin:sdc1:NTDS: a registry pin is not a Samba setting"),
            std::string::npos);
  EXPECT_NE(conf.find("# LEFT OUT pin:sdc1:drsuapi-again: drsuapi is already pinned above"),
            std::string::npos);
}

TEST(SmbconfWriter, InterfacePortsOnlyOnAnAdDc) {
  plan::Plan plan = SamplePlan();
  plan.hosts[3].role = plan::Role::kMember;
  plan.ranges.back().restart = "";
  EmittedFiles files = WriteSmbconf(plan);
  std::string conf = FileText(files, "smbconf/sdc1.conf");
  EXPECT_EQ(Settings(conf),
            (std::vector<std::string>{"[global]", "rpc server dynamic port range = 5001-5100"}))
      << conf;
  EXPECT_NE(conf.find("LEFT OUT pin:sdc1:netlogon: `rpc server port` applies only to a Samba "
                      "AD DC, and sdc1 is a member"),
            std::string::npos);
  EXPECT_NE(conf.find("systemctl restart smbd"), std::string::npos);
}

TEST(SmbconfWriter, NothingLeftGivesCommentsOnlyAndNoRollback) {
  plan::Plan plan = SamplePlan();
  plan.ranges.back().range = {5100, 5001};
  plan.pins[5].port = 0;
  plan.pins[6].service = "drsuapi\\";
  EmittedFiles files = WriteSmbconf(plan);
  ASSERT_EQ(files.size(), 1u);
  EXPECT_TRUE(Settings(files[0].bytes).empty()) << files[0].bytes;
  EXPECT_NE(files[0].bytes.find("Nothing to apply for sdc1"), std::string::npos);
}

// ---- the real testparm ---------------------------------------------------------

std::string Testparm(const std::string& conf, const std::string& parameter) {
  // Braces: the messages testparm writes to stderr stay out of the value.
  testing::ToolResult result = testing::RunShell("{ testparm -s --parameter-name='" + parameter +
                                                 "' " + conf + " 2>/dev/null; }");
  EXPECT_EQ(result.exit_code, 0) << parameter << ": " << result.output;
  return result.output;
}

TEST(SmbconfTool, TestparmReadsThePlannedValuesBack) {
  if (!testing::FindTool("testparm")) {
    GTEST_SKIP() << "testparm not installed (Debian package samba-common-bin)";
  }
  testing::TempDir dir("highport-smbconf");
  EmittedFiles files = WriteSmbconf(SamplePlan());
  std::string conf =
      dir.WriteOne("smb.conf",
                   "[global]\n\tworkgroup = EXAMPLE\n\tserver role = active directory domain "
                   "controller\n\n" +
                       FileText(files, "smbconf/sdc1.conf"));
  testing::ToolResult whole = testing::RunShell("testparm -s " + conf);
  EXPECT_EQ(whole.exit_code, 0) << whole.output;
  EXPECT_EQ(whole.output.find("Unknown parameter"), std::string::npos) << whole.output;
  EXPECT_EQ(whole.output.find("Ignoring"), std::string::npos) << whole.output;
  EXPECT_EQ(Testparm(conf, "rpc server dynamic port range"), "5001-5100\n");
  EXPECT_EQ(Testparm(conf, "rpc server port:netlogon"), "38902\n");
  EXPECT_EQ(Testparm(conf, "rpc server port:drsuapi"), "38901\n");
  // No bare `rpc server port`: it stays at Samba's default.
  EXPECT_EQ(Testparm(conf, "rpc server port"), "0\n");
  // The rollback, included by mistake, changes nothing.
  std::string undone =
      dir.WriteOne("smb-undone.conf", "[global]\n\tworkgroup = EXAMPLE\n\n" +
                                          FileText(files, "smbconf/sdc1-rollback.conf"));
  EXPECT_EQ(Testparm(undone, "rpc server dynamic port range"), "49152-65535\n");
}

}  // namespace
}  // namespace highport::emit
