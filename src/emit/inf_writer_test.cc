// The `inf` writer: golden files for the sample plan; the lines parsed back
// as sceregvl.inf reads them (path, registry type, display name, display
// type) and compared with the plan; odd names left out, never mangled.
#include "emit/inf_writer.h"

#include "emit/golden_test_util.h"
#include "emit/reg_emit_testing.h"
#include "gtest/gtest.h"
#include "plan/plan_testing.h"
#include "text/decode.h"
#include "text/strings.h"

namespace highport::emit {
namespace {

using testing::FileAt;

struct SceLine {
  std::string path;
  std::string type;
  std::string name;
  std::string display;
};

// The lines between the markers that are not comments, split as an INF
// reader splits them.
std::vector<SceLine> PastedLines(const std::string& file) {
  std::vector<SceLine> out;
  bool inside = false;
  for (const std::string& line : text::SplitLines(file)) {
    if (line == "; ---- paste from here ----") inside = true;
    if (line == "; ---- to here ----") inside = false;
    if (!inside || line.starts_with(";")) continue;
    std::vector<std::string_view> fields = text::Split(line, ',');
    EXPECT_EQ(fields.size(), 4u) << line;
    if (fields.size() != 4) continue;
    out.push_back({std::string(fields[0]), std::string(fields[1]), std::string(fields[2]),
                   std::string(fields[3])});
  }
  return out;
}

TEST(InfWriter, SamplePlanMatchesGoldenFiles) {
  testing::ExpectGolden("inf", WriteInf(plan::testing::SamplePlan()));
}

TEST(InfWriter, TheSeedsRpcLinesAndOneLinePerPinnedValue) {
  EmittedFiles files = WriteInf(plan::testing::SamplePlan());
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].path, "inf/sceregvl-lines.txt");
  EXPECT_FALSE(files[0].rollback);
  EXPECT_EQ(files[1].path, "inf/sceregvl-rollback.txt");
  EXPECT_TRUE(files[1].rollback);
  std::vector<SceLine> lines = PastedLines(files[0].bytes);
  ASSERT_EQ(lines.size(), 6u);
  // Exactly the first seed's three lines (key spelled as registry_settings spells it).
  EXPECT_EQ(lines[0].path, "MACHINE\\Software\\Microsoft\\Rpc\\Internet\\Ports");
  EXPECT_EQ(lines[0].type + lines[0].name + lines[0].display, "7RPC_Ports4");
  EXPECT_EQ(lines[1].type + lines[1].name + lines[1].display, "1RPC_PortsInternetAvailable2");
  EXPECT_EQ(lines[2].type + lines[2].name + lines[2].display, "1RPC_UseInternetPorts2");
  // REG_DWORD shown as a number; the AppID's REG_MULTI_SZ one string per line.
  EXPECT_EQ(lines[3].path,
            "MACHINE\\SYSTEM\\CurrentControlSet\\Services\\NTDS\\Parameters\\TCP/IP Port");
  EXPECT_EQ(lines[3].type + "," + lines[3].name + "," + lines[3].display, "4,NTDS_TCPIP_Port,1");
  EXPECT_EQ(lines[4].type + "," + lines[4].name + "," + lines[4].display,
            "4,Netlogon_DCTcpipPort,1");
  EXPECT_EQ(lines[5].path,
            "MACHINE\\SOFTWARE\\Classes\\AppID\\{D99E6E74-FC88-11D0-B498-00A0C90312F3}\\Endpoints");
  EXPECT_EQ(lines[5].type + "," + lines[5].name + "," + lines[5].display, "7,CertSvc_Endpoints,4");
}

TEST(InfWriter, ValuesPerGroupAndStepsAroundTheLines) {
  const std::string text = WriteInf(plan::testing::SamplePlan())[0].bytes;
  auto has = [&](const std::string& part) { return text.find(part) != std::string::npos; };
  EXPECT_TRUE(
      has(";   RPC_Ports = 5001-5100   for every host of the group (dc01, dc02) [range:dcs]; "
          "then reboot the host"))
      << text;
  EXPECT_TRUE(has(";   NTDS_TCPIP_Port = 38901   for dc01 only [pin:dc01:NTDS]")) << text;
  EXPECT_TRUE(has(";   CertSvc_Endpoints = ncacn_ip_tcp,0,38905   for dc02 only")) << text;
  EXPECT_TRUE(has("; group fs01 (fs01):")) << text;
  EXPECT_TRUE(has("regsvr32 scecli.dll")) << text;
  EXPECT_TRUE(has("sceregvl.inf.highport-backup")) << text;
  EXPECT_TRUE(has("takeown /f %SystemRoot%\\inf\\sceregvl.inf")) << text;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') {
      ASSERT_EQ(text[i - 1], '\r') << "a line ends without CR at " << i;
    }
  }
}

TEST(InfWriter, RollbackRemovesTheLinesAndTheValues) {
  const std::string text = WriteInf(plan::testing::SamplePlan())[1].bytes;
  auto has = [&](const std::string& part) { return text.find(part) != std::string::npos; };
  EXPECT_TRUE(has(";       MACHINE\\Software\\Microsoft\\Rpc\\Internet\\Ports,7,RPC_Ports,4"))
      << text;
  EXPECT_TRUE(has(";       reg delete \"HKLM\\Software\\Microsoft\\Rpc\\Internet\" /f")) << text;
  EXPECT_TRUE(
      has(";       reg delete \"HKLM\\SYSTEM\\CurrentControlSet\\Services\\NTDS\\Parameters\" "
          "/v \"TCP/IP Port\" /f"))
      << text;
  EXPECT_TRUE(has("regsvr32 scecli.dll")) << text;
  EXPECT_TRUE(has("copy /y %SystemRoot%\\inf\\sceregvl.inf.highport-backup")) << text;
}

TEST(InfWriter, NamesAnInfLineCannotHoldAreLeftOut) {
  plan::Plan plan;
  plan.hosts = {{"srv", {}, "", plan::Role::kMember, plan::Platform::kWindows, {}, {}}};
  plan::PinProposal pin;
  pin.id = "pin:srv:Agent";
  pin.host = "srv";
  pin.port = 40000;
  pin.key = "HKLM\\SOFTWARE\\Vendor, Inc.\\Agent";  // a ',' splits the INF line
  pin.value_name = "Port";
  pin.value_type = "REG_DWORD";
  pin.restart = "service:Agent";
  plan::PinProposal percent = pin;
  percent.id = "pin:srv:Percent";
  percent.key = "HKLM\\SOFTWARE\\Vendor\\%Agent%";
  plan::PinProposal umlaut = pin;
  umlaut.id = "pin:srv:Zähler";
  umlaut.key = "HKLM\\SOFTWARE\\Vendor\\Zähler Agent";
  plan.pins = {pin, percent, umlaut};
  EmittedFiles files = WriteInf(plan);
  std::vector<SceLine> lines = PastedLines(FileAt(files, "inf/sceregvl-lines.txt").bytes);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].path, "MACHINE\\SOFTWARE\\Vendor\\Zähler Agent\\Port");
  EXPECT_EQ(lines[0].name, "Zhler_Port");  // display names stay plain ASCII identifiers
  const std::string& text = files[0].bytes;
  EXPECT_NE(
      text.find(";   pin:srv:Agent (srv): \"HKLM\\SOFTWARE\\Vendor, Inc.\\Agent\" holds one of"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find(";   pin:srv:Percent (srv):"), std::string::npos) << text;
}

TEST(InfWriter, NoFilesForAPlanWithoutRegistrySettings) {
  EXPECT_TRUE(WriteInf(plan::Plan{}).empty());
  plan::Plan plan = plan::testing::SamplePlan();
  plan.hosts.erase(plan.hosts.begin(), plan.hosts.begin() + 3);  // only the Samba DC is left
  plan.ranges.erase(plan.ranges.begin(), plan.ranges.begin() + 2);
  std::erase_if(plan.pins, [](const plan::PinProposal& p) { return p.host != "sdc1"; });
  EXPECT_TRUE(WriteInf(plan).empty());
}

}  // namespace
}  // namespace highport::emit
