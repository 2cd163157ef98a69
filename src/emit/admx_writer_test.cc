// The `admx` writer: golden files for the sample plan; the ADMX and ADML
// checked by xmllint (well-formed; every $(string.X) and $(presentation.X)
// of the ADMX defined in the ADML; every control of a presentation bound to
// an element of its policy); the values files compared with the plan.
#include "emit/admx_writer.h"

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>

#include "emit/admx_policies.h"
#include "emit/admx_xml.h"
#include "emit/golden_test_util.h"
#include "emit/reg_emit_testing.h"
#include "emit/registry_settings.h"
#include "gtest/gtest.h"
#include "plan/plan_testing.h"

namespace highport::emit {
namespace {

using testing::FileAt;

// ---- xmllint -------------------------------------------------------------------

bool HaveXmllint() { return std::system("xmllint --version >/dev/null 2>&1") == 0; }

struct ShellRun {
  int status = -1;
  std::string output;
};

ShellRun Shell(const std::string& command) {
  ShellRun run;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return run;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) run.output.append(buffer, n);
  int status = pclose(pipe);
  run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

class XmlFiles {
 public:
  XmlFiles() {
    dir_ = std::filesystem::temp_directory_path() / ("highport-admx-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  ~XmlFiles() { std::filesystem::remove_all(dir_); }
  std::string Write(const std::string& name, const std::string& bytes) {
    std::filesystem::path path = dir_ / name;
    std::ofstream(path, std::ios::binary) << bytes;
    return path.string();
  }

 private:
  std::filesystem::path dir_;
};

// The values of attribute `attribute` on the nodes an XPath selects, in
// document order (xmllint prints them as ` name="value"`).
std::vector<std::string> Attributes(const std::string& file, const std::string& xpath,
                                    const std::string& attribute) {
  ShellRun run = Shell("xmllint --xpath \"" + xpath + "/@" + attribute + "\" " + file);
  std::vector<std::string> values;
  std::regex pair(attribute + "=\"([^\"]*)\"");
  for (std::sregex_iterator it(run.output.begin(), run.output.end(), pair), end; it != end; ++it) {
    values.push_back((*it)[1]);
  }
  return values;
}

std::string Node(const std::string& name) { return "*[local-name()='" + name + "']"; }

std::set<std::string> References(const std::string& xml, const std::string& table) {
  std::set<std::string> ids;
  std::regex ref("\\$\\(" + table + "\\.([^)]*)\\)");
  for (std::sregex_iterator it(xml.begin(), xml.end(), ref), end; it != end; ++it) {
    ids.insert((*it)[1]);
  }
  return ids;
}

TEST(AdmxWriter, SamplePlanMatchesGoldenFiles) {
  testing::ExpectGolden("admx", WriteAdmx(plan::testing::SamplePlan()));
}

TEST(AdmxWriter, FilesAndRollback) {
  std::vector<std::pair<std::string, bool>> got;
  for (const EmittedFile& f : WriteAdmx(plan::testing::SamplePlan())) {
    got.emplace_back(f.path, f.rollback);
    EXPECT_FALSE(f.purpose.empty());
  }
  EXPECT_EQ(got, (std::vector<std::pair<std::string, bool>>{{"admx/highport.admx", false},
                                                            {"admx/en-US/highport.adml", false},
                                                            {"admx/values-dcs.txt", false},
                                                            {"admx/values-fs01.txt", false},
                                                            {"admx/README.txt", false},
                                                            {"admx/rollback.txt", true}}));
}

TEST(AdmxWriter, XmllintAcceptsTheAdmxAndTheAdml) {
  if (!HaveXmllint()) GTEST_SKIP() << "xmllint is not installed (Debian: libxml2-utils)";
  EmittedFiles files = WriteAdmx(plan::testing::SamplePlan());
  XmlFiles dir;
  for (const char* path : {"admx/highport.admx", "admx/en-US/highport.adml"}) {
    std::string file = dir.Write("f.xml", FileAt(files, path).bytes);
    ShellRun run = Shell("xmllint --noout " + file);
    EXPECT_EQ(run.status, 0) << path << ": " << run.output;
  }
}

TEST(AdmxWriter, EveryReferenceOfTheAdmxResolvesInTheAdml) {
  if (!HaveXmllint()) GTEST_SKIP() << "xmllint is not installed (Debian: libxml2-utils)";
  EmittedFiles files = WriteAdmx(plan::testing::SamplePlan());
  const std::string& admx_text = FileAt(files, "admx/highport.admx").bytes;
  XmlFiles dir;
  std::string admx = dir.Write("highport.admx", admx_text);
  std::string adml = dir.Write("highport.adml", FileAt(files, "admx/en-US/highport.adml").bytes);

  std::vector<std::string> strings =
      Attributes(adml, "//" + Node("stringTable") + "/" + Node("string"), "id");
  std::vector<std::string> presentations =
      Attributes(adml, "//" + Node("presentationTable") + "/" + Node("presentation"), "id");
  std::set<std::string> string_ids(strings.begin(), strings.end());
  std::set<std::string> presentation_ids(presentations.begin(), presentations.end());
  EXPECT_EQ(string_ids.size(), strings.size()) << "a string id is defined twice";
  std::set<std::string> string_refs = References(admx_text, "string");
  std::set<std::string> presentation_refs = References(admx_text, "presentation");
  EXPECT_GE(string_refs.size(), 2 * AdmxPolicies().size());
  for (const std::string& id : string_refs) EXPECT_TRUE(string_ids.contains(id)) << id;
  for (const std::string& id : presentation_refs) EXPECT_TRUE(presentation_ids.contains(id)) << id;
  EXPECT_EQ(presentation_refs.size(), AdmxPolicies().size());

  // Each presentation's controls name elements of the policy that shows it, and each
  // element has a control.
  std::vector<std::string> policies = Attributes(admx, "//" + Node("policy"), "name");
  EXPECT_EQ(policies.size(), AdmxPolicies().size());
  for (const std::string& policy : policies) {
    std::vector<std::string> shown =
        Attributes(admx, "//" + Node("policy") + "[@name='" + policy + "']", "presentation");
    ASSERT_EQ(shown.size(), 1u) << policy;
    std::string presentation = shown[0].substr(15, shown[0].size() - 16);  // $(presentation.X)
    std::vector<std::string> elements = Attributes(
        admx, "//" + Node("policy") + "[@name='" + policy + "']/" + Node("elements") + "/*", "id");
    std::vector<std::string> controls =
        Attributes(adml, "//" + Node("presentation") + "[@id='" + presentation + "']/*", "refId");
    EXPECT_FALSE(elements.empty()) << policy;
    EXPECT_EQ(std::set<std::string>(controls.begin(), controls.end()),
              std::set<std::string>(elements.begin(), elements.end()))
        << policy;
  }

  // Every policy is a machine policy with a key; ports are bounded as KB 224196 wants.
  EXPECT_EQ(Attributes(admx, "//" + Node("policy") + "[@class='Machine']", "key").size(),
            policies.size());
  for (const std::string& max : Attributes(admx, "//" + Node("decimal"), "maxValue"))
    EXPECT_EQ(max, "49151");
  for (const std::string& min : Attributes(admx, "//" + Node("decimal"), "minValue"))
    EXPECT_EQ(min, "1024");
  EXPECT_EQ(Attributes(admx, "//" + Node("policyNamespaces") + "/" + Node("target"), "namespace"),
            std::vector<std::string>{std::string(kAdmxNamespace)});
  EXPECT_EQ(Attributes(admx, "//" + Node("resources"), "minRequiredRevision"),
            std::vector<std::string>{"1.0"});
}

TEST(AdmxWriter, TheTemplateWritesWhereRegistrySettingsSays) {
  // The RPC pool and the sample's registry pins all map to a policy element.
  plan::Plan plan = plan::testing::SamplePlan();
  size_t mapped = 0;
  for (const char* host : {"dc01", "dc02", "fs01"}) {
    for (const RegistrySetting& s : RegistrySettingsFor(plan, host)) {
      EXPECT_TRUE(FindAdmxTarget(s.key, s.value.name)) << s.key << " " << s.value.name;
      ++mapped;
    }
  }
  EXPECT_EQ(mapped, 3u + 2 + 3 + 1 + 3);
  EXPECT_TRUE(
      FindAdmxTarget("HKEY_LOCAL_MACHINE\\system\\currentcontrolset\\services\\ntfrs\\parameters",
                     "RPC TCP/IP Port Assignment"));
}

TEST(AdmxWriter, ValuesFilesHoldThePlansValuesPerGroup) {
  EmittedFiles files = WriteAdmx(plan::testing::SamplePlan());
  const std::string& dcs = FileAt(files, "admx/values-dcs.txt").bytes;
  auto has = [&](const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
  };
  EXPECT_TRUE(has(dcs,
                  "\"RPC static port pool (Ports, PortsInternetAvailable, UseInternetPorts)\": "
                  "Enabled, for every host of the group (dc01, dc02)"))
      << dcs;
  EXPECT_TRUE(has(dcs, "Ports (one port or range per line): 5001-5100")) << dcs;
  EXPECT_TRUE(has(dcs, "Ports Internet available:    Y")) << dcs;
  EXPECT_TRUE(
      has(dcs, "\"Active Directory replication (NTDS) static port\": Enabled, for dc01 only"));
  EXPECT_TRUE(has(dcs, "Port:                        38901")) << dcs;
  EXPECT_TRUE(has(dcs, "Port:                        38902")) << dcs;
  EXPECT_TRUE(has(dcs, "ncacn_ip_tcp,0,38905")) << dcs;
  EXPECT_TRUE(has(dcs, "restart the service Netlogon")) << dcs;
  EXPECT_FALSE(has(dcs, "Left out")) << dcs;
  const std::string& readme = FileAt(files, "admx/README.txt").bytes;
  EXPECT_TRUE(has(readme, "%SystemRoot%\\PolicyDefinitions\\en-US\\")) << readme;
  EXPECT_TRUE(has(readme, "\\\\<domain>\\SYSVOL\\<domain>\\Policies\\PolicyDefinitions\\"))
      << readme;
}

TEST(AdmxWriter, PortsTheTemplateCannotHoldAreNamed) {
  plan::Plan plan = plan::testing::SamplePlan();
  plan.pins[0].port = 60000;  // pin:dc01:NTDS, above the policy's 49151
  plan.pins[0].value_data = "60000";
  plan.pins[1].key = "HKLM\\SOFTWARE\\Vendor\\Agent";  // pin:dc01:Netlogon: no policy
  const std::string dcs = FileAt(WriteAdmx(plan), "admx/values-dcs.txt").bytes;  // a copy: the files are a temporary
  EXPECT_NE(dcs.find("pin:dc01:NTDS (dc01): policy \"Active Directory replication (NTDS) static "
                     "port\": the port 60000 is outside the policy's 1024-49151"),
            std::string::npos)
      << dcs;
  EXPECT_NE(dcs.find("pin:dc01:Netlogon (dc01): \"DCTcpipPort\" in HKLM\\SOFTWARE\\Vendor\\Agent = "
                     "38902: no policy of the template sets it; apply reg/dc01.reg"),
            std::string::npos)
      << dcs;
  EXPECT_EQ(dcs.find("60000\r\n"), std::string::npos);
}

TEST(AdmxWriter, NoFilesWithoutRegistrySettingsAndOnlyAReadmeWhenAllWereLeftOut) {
  EXPECT_TRUE(WriteAdmx(plan::Plan{}).empty());
  plan::Plan plan = plan::testing::SamplePlan();
  plan.pins.clear();
  for (plan::RpcRangeProposal& range : plan.ranges) range.range = {6000, 5000};
  EmittedFiles files = WriteAdmx(plan);
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].path, "admx/README.txt");
  EXPECT_NE(files[0].bytes.find("range:dcs (dc01): the range 6000-5000 is reversed"),
            std::string::npos);
}

TEST(AdmxWriter, GroupNamesWithQuotesAndNonAsciiStayInTheTextAndOutOfFileNames) {
  plan::Plan plan = plan::testing::SamplePlan();
  for (plan::HostEntry& host : plan.hosts) {
    if (host.group == "dcs") host.group = "DCs \"Zürich\" <main> & co\nx";
  }
  EmittedFiles files = WriteAdmx(plan);
  const EmittedFile& values = files[2];
  EXPECT_EQ(values.path, "admx/values-DCs__Z__rich___main____co_x.txt");
  EXPECT_NE(values.bytes.find("group \"DCs \"Zürich\" <main> & co x\""), std::string::npos)
      << values.bytes;
  // The template is the same whatever the plan: no plan text reaches the XML.
  EXPECT_EQ(FileAt(files, "admx/highport.admx").bytes, AdmxText());
}

TEST(AdmxXml, EscapesEveryXmlSpecialCharacter) {
  EXPECT_EQ(XmlEscape("a & b <c> \"d\" 'e' ü"),
            "a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos; ü");
}

}  // namespace
}  // namespace highport::emit
