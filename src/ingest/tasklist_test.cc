#include "ingest/tasklist.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "ingest/format.h"
#include "ingest/getnet_csv.h"

namespace highport::ingest {
namespace {

using Services = std::vector<std::string>;

const std::string kFixtureDir = std::string(HIGHPORT_SOURCE_DIR) + "/src/ingest/testdata/tasklist/";
const std::string kCorpusDir = std::string(HIGHPORT_SHARED_DIR) + "/corpus/tasklist/";

text::TextDocument Load(const std::string& dir, const std::string& name) {
  Result<std::string> bytes = text::ReadFileBytes(dir + name);
  EXPECT_TRUE(bytes.ok()) << (bytes.ok() ? "" : bytes.error().message);
  return text::MakeDocument(name, bytes.ok() ? *bytes : std::string());
}

text::TextDocument Fixture(const std::string& name) { return Load(kFixtureDir, name); }

text::TextDocument Inline(std::vector<std::string> lines) {
  text::TextDocument doc;
  doc.name = "inline.txt";
  doc.lines = std::move(lines);
  return doc;
}

struct Outcome {
  SocketInventory inventory;
  Diagnostics diagnostics;

  std::map<uint32_t, Services> services() const {
    std::map<uint32_t, Services> by_pid;
    for (const ProcessInfo& p : inventory.processes) by_pid[p.pid] = p.services;
    return by_pid;
  }
  std::map<uint32_t, std::string> images() const {
    std::map<uint32_t, std::string> by_pid;
    for (const ProcessInfo& p : inventory.processes) by_pid[p.pid] = p.image;
    return by_pid;
  }
  std::vector<std::string> messages() const {
    std::vector<std::string> out;
    for (const Finding& f : diagnostics.findings()) out.push_back(f.ToString());
    return out;
  }
  std::vector<std::string> ids() const {
    std::vector<std::string> out;
    for (const Finding& f : diagnostics.findings()) out.push_back(f.id);
    return out;
  }
  size_t with_services() const {
    size_t n = 0;
    for (const ProcessInfo& p : inventory.processes) n += p.services.empty() ? 0 : 1;
    return n;
  }
};

Outcome Read(const text::TextDocument& doc) {
  Outcome o;
  ReadTasklist(doc, o.inventory, o.diagnostics);
  return o;
}

// What `tasklist /svc` says about a Windows Server in English; svc_en.txt and
// its UTF-16 copy must both give exactly this.
void ExpectEnglishSvcTable(const Outcome& o) {
  EXPECT_TRUE(o.diagnostics.empty()) << testing::PrintToString(o.messages());
  EXPECT_TRUE(o.inventory.sockets.empty());
  ASSERT_EQ(o.inventory.processes.size(), 13u);
  EXPECT_EQ(o.inventory.lines_read, 13u);
  std::map<uint32_t, Services> services = o.services();
  EXPECT_EQ(services[672], (Services{"KeyIso", "SamSs", "VaultSvc"}));
  EXPECT_EQ(services[804],
            (Services{"BrokerInfrastructure", "DcomLaunch", "Power", "SystemEventsBroker"}));
  EXPECT_EQ(services[840], (Services{"RpcEptMapper", "RpcSs"}));
  EXPECT_EQ(services[1236],
            (Services{"Appinfo", "BITS", "CertPropSvc", "gpsvc", "IKEEXT", "iphlpsvc",
                      "LanmanServer", "ProfSvc", "Schedule", "SENS", "ShellHWDetection", "Themes",
                      "Winmgmt"}));
  EXPECT_EQ(services[2288], (Services{"Apple Mobile Device Service"}));  // spaces are allowed
  for (uint32_t pid : {0u, 4u, 100u, 368u, 4532u, 5100u}) {
    EXPECT_TRUE(services[pid].empty()) << "N/A is no service, pid " << pid;
  }
  EXPECT_EQ(o.images().at(0), "System Idle Process");
  EXPECT_EQ(o.images().at(2288), "AppleMobileDeviceService.");  // tasklist cuts at 25
  EXPECT_EQ(o.with_services(), 7u);
  const ProcessInfo& svchost = o.inventory.processes[5];
  EXPECT_EQ(svchost.pid, 804u);
  EXPECT_EQ(svchost.source.ToString(), "svc_en.txt:9");
}

TEST(TasklistTable, EnglishSvcMapsPidsToServicesAcrossContinuationLines) {
  ExpectEnglishSvcTable(Read(Fixture("svc_en.txt")));
}

TEST(TasklistTable, Utf16LeWithBomFromPowerShellRedirect) {
  text::TextDocument doc = Fixture("svc_en_utf16le.txt");
  EXPECT_EQ(doc.encoding, text::Encoding::kUtf16Le);
  doc.name = "svc_en.txt";  // same text, same expectations
  ExpectEnglishSvcTable(Read(doc));
}

TEST(TasklistTable, GermanCp850WithNichtZutreffendAndUmlautImages) {
  text::TextDocument doc = Fixture("svc_de_cp850.txt");
  EXPECT_EQ(doc.encoding, text::Encoding::kCp850);
  Outcome o = Read(doc);
  EXPECT_TRUE(o.diagnostics.empty()) << testing::PrintToString(o.messages());
  ASSERT_EQ(o.inventory.processes.size(), 9u);
  std::map<uint32_t, Services> services = o.services();
  EXPECT_EQ(services[656], (Services{"KeyIso", "Netlogon", "SamSs"}));
  EXPECT_EQ(services[796], (Services{"BrokerInfrastructure", "DcomLaunch", "LSM", "PlugPlay",
                                     "Power", "SystemEventsBroker"}));
  EXPECT_EQ(services[848], (Services{"RpcEptMapper", "RpcSs"}));
  EXPECT_EQ(services[2204], (Services{"DFSR"}));
  for (uint32_t pid : {0u, 4u, 3120u, 4100u}) EXPECT_TRUE(services[pid].empty()) << pid;
  // Columns count characters: "ä" is one character but two bytes of UTF-8.
  EXPECT_EQ(o.images().at(3120), "Gerätemanager.exe");
  EXPECT_EQ(o.images().at(3300), "BüroDienst.exe");
  EXPECT_EQ(services[3300], (Services{"BueroSvc"}));
}

TEST(TasklistTable, RussianHeaderAndSlashPlaceholder) {
  Outcome o = Read(Fixture("svc_ru_utf8.txt"));
  EXPECT_TRUE(o.diagnostics.empty()) << testing::PrintToString(o.messages());
  ASSERT_EQ(o.inventory.processes.size(), 5u);
  std::map<uint32_t, Services> services = o.services();
  EXPECT_EQ(services[912], (Services{"RpcEptMapper", "RpcSs"}));
  EXPECT_TRUE(services[1500].empty());  // "Н/Д"
  EXPECT_EQ(services[1600], (Services{"MySvc"}));
  EXPECT_EQ(o.images().at(1500), "Программа.exe");
  EXPECT_EQ(o.images().at(1600), "Служба.exe");
}

TEST(TasklistTable, PlaceholderIsLearntFromPid0And4) {
  // A language the phrase list does not know (Hungarian): PID 0 and 4 teach it.
  Outcome o = Read(Inline({
      "Képnév                         PID Szolgáltatások",
      "========================= ======== ============================================",
      "System Idle Process              0 Nem alkalmazható",
      "System                           4 Nem alkalmazható",
      "explorer.exe                  4100 Nem alkalmazható",
      "svchost.exe                    848 RpcEptMapper, RpcSs",
  }));
  EXPECT_TRUE(o.diagnostics.empty());
  EXPECT_TRUE(o.services()[4100].empty());
  EXPECT_EQ(o.services()[848], (Services{"RpcEptMapper", "RpcSs"}));
}

TEST(TasklistTable, TwoTablesInOneFile) {
  Outcome o = Read(Inline({
      "Image Name                     PID Services",
      "========================= ======== ============================================",
      "svchost.exe                    840 RpcEptMapper, RpcSs",
      "",
      "Image Name                     PID Services",
      "========================= ======== ============================================",
      "dns.exe                       1880 DNS",
  }));
  EXPECT_TRUE(o.diagnostics.empty()) << testing::PrintToString(o.messages());
  EXPECT_EQ(o.services(), (std::map<uint32_t, Services>{{840, {"RpcEptMapper", "RpcSs"}},
                                                        {1880, {"DNS"}}}));
}

TEST(TasklistTable, PlainTasklistGivesImagesWithoutServices) {
  Outcome o = Read(Fixture("plain_en.txt"));
  EXPECT_TRUE(o.diagnostics.empty()) << testing::PrintToString(o.messages());
  EXPECT_EQ(o.images(), (std::map<uint32_t, std::string>{{0, "System Idle Process"},
                                                         {4, "System"},
                                                         {1212, "lsass.exe"},
                                                         {1344, "svchost.exe"},
                                                         {2588, "tasklist.exe"},
                                                         {7420, "explorer.exe"}}));
  EXPECT_EQ(o.with_services(), 0u);
}

TEST(TasklistTable, VerboseGivesImagesWithoutServices) {
  Outcome o = Read(Fixture("v_en.txt"));
  EXPECT_TRUE(o.diagnostics.empty()) << testing::PrintToString(o.messages());
  EXPECT_EQ(o.images(), (std::map<uint32_t, std::string>{
                            {0, "System Idle Process"}, {840, "svchost.exe"}, {6120, "notepad.exe"}}));
  EXPECT_EQ(o.with_services(), 0u);
}

TEST(TasklistTable, BadLinesAreReportedAndTheRestIsRead) {
  Outcome o = Read(Fixture("svc_bad_lines.txt"));
  EXPECT_EQ(o.messages(), (std::vector<std::string>{
                              "svc_bad_lines.txt:4: continuation line with no process row before it",
                              "svc_bad_lines.txt:6: PID 'x12' is not a number",
                              "svc_bad_lines.txt:7: continuation of the skipped row above",
                              "svc_bad_lines.txt:9: row has no PID: 'truncated.exe'",
                          }));
  EXPECT_EQ(o.ids(), (std::vector<std::string>{"tasklist.orphan_continuation", "tasklist.bad_pid",
                                               "tasklist.orphan_continuation", "tasklist.bad_pid"}));
  EXPECT_EQ(o.diagnostics.skipped(), 4u);
  EXPECT_EQ(o.services(), (std::map<uint32_t, Services>{
                              {4, {}}, {840, {"RpcEptMapper", "RpcSs"}}, {2044, {"Spooler"}}}));
}

TEST(TasklistTable, ModulesOfTasklistMAreNotServices) {
  Outcome o = Read(Fixture("modules_en.txt"));
  EXPECT_EQ(o.images(), (std::map<uint32_t, std::string>{{0, "System Idle Process"},
                                                         {840, "svchost.exe"}}));
  EXPECT_EQ(o.with_services(), 0u);
  EXPECT_EQ(o.ids(), (std::vector<std::string>{"tasklist.modules"}));
  EXPECT_EQ(o.diagnostics.skipped(), 0u);  // a note, nothing skipped
}

TEST(TasklistCsv, EnglishSvc) {
  Outcome o = Read(Fixture("csv_svc_en.txt"));
  EXPECT_TRUE(o.diagnostics.empty()) << testing::PrintToString(o.messages());
  ASSERT_EQ(o.inventory.processes.size(), 7u);
  std::map<uint32_t, Services> services = o.services();
  EXPECT_EQ(services[804],
            (Services{"BrokerInfrastructure", "DcomLaunch", "Power", "SystemEventsBroker"}));
  EXPECT_EQ(services[840], (Services{"RpcEptMapper", "RpcSs"}));
  EXPECT_EQ(services[2288], (Services{"Apple Mobile Device Service"}));
  for (uint32_t pid : {0u, 4u, 4532u}) EXPECT_TRUE(services[pid].empty()) << pid;
  EXPECT_EQ(o.images().at(2288), "AppleMobileDeviceService.exe");  // CSV does not cut
  EXPECT_EQ(o.inventory.processes[3].source.ToString(), "csv_svc_en.txt:5");
}

TEST(TasklistCsv, GermanSavedBySpreadsheetWithSemicolonsAndNoQuotes) {
  Outcome o = Read(Fixture("csv_svc_de_semicolon.txt"));
  EXPECT_TRUE(o.diagnostics.empty()) << testing::PrintToString(o.messages());
  EXPECT_EQ(o.services(),
            (std::map<uint32_t, Services>{
                {0, {}},
                {4, {}},
                {796, {"BrokerInfrastructure", "DcomLaunch", "LSM", "PlugPlay", "Power",
                       "SystemEventsBroker"}},
                {848, {"RpcEptMapper", "RpcSs"}},
                {1880, {"DNS"}},
                {4100, {}}}));
}

TEST(TasklistCsv, WithoutSvcGivesImagesOnly) {
  Outcome o = Read(Fixture("csv_plain_en.txt"));
  EXPECT_TRUE(o.diagnostics.empty()) << testing::PrintToString(o.messages());  // "5,376 K"
  EXPECT_EQ(o.images(), (std::map<uint32_t, std::string>{{0, "System Idle Process"},
                                                         {4, "System"},
                                                         {1344, "svchost.exe"},
                                                         {7420, "explorer.exe"}}));
  EXPECT_EQ(o.with_services(), 0u);
}

TEST(TasklistCsv, BadLinesAreReportedAndTheRestIsRead) {
  Outcome o = Read(Fixture("csv_bad_lines.txt"));
  EXPECT_EQ(o.messages(), (std::vector<std::string>{
                              "csv_bad_lines.txt:3: PID 'abc' is not a number",
                              "csv_bad_lines.txt:4: row has 2 fields, the header has 3",
                              "csv_bad_lines.txt:5: unterminated quote",
                          }));
  EXPECT_EQ(o.ids(), (std::vector<std::string>{"tasklist.bad_pid", "tasklist.field_count",
                                               "tasklist.bad_csv"}));
  EXPECT_EQ(o.services(), (std::map<uint32_t, Services>{{4, {}}, {2044, {"Spooler"}}}));
}

TEST(TasklistList, EnglishSvcWithOneServicePerLine) {
  Outcome o = Read(Fixture("list_svc_en.txt"));
  EXPECT_TRUE(o.diagnostics.empty()) << testing::PrintToString(o.messages());
  EXPECT_EQ(o.services(),
            (std::map<uint32_t, Services>{
                {0, {}},
                {672, {"KeyIso", "SamSs", "VaultSvc"}},
                {804, {"BrokerInfrastructure", "DcomLaunch", "Power", "SystemEventsBroker"}},
                {840, {"RpcEptMapper", "RpcSs"}},
                {7420, {}}}));
  EXPECT_EQ(o.images().at(804), "svchost.exe");
  EXPECT_EQ(o.inventory.processes[2].source.ToString(), "list_svc_en.txt:12");  // its first field
}

TEST(TasklistList, GermanWithoutSvcCp1252) {
  text::TextDocument doc = Fixture("list_plain_de_cp1252.txt");
  EXPECT_EQ(doc.encoding, text::Encoding::kCp1252);
  Outcome o = Read(doc);
  EXPECT_TRUE(o.diagnostics.empty()) << testing::PrintToString(o.messages());
  // The third block follows the second without a blank line.
  EXPECT_EQ(o.images(), (std::map<uint32_t, std::string>{
                            {4, "System"}, {796, "svchost.exe"}, {5120, "Prüfung.exe"}}));
  EXPECT_EQ(o.with_services(), 0u);
}

TEST(TasklistList, BadLinesAreReportedAndTheRestIsRead) {
  Outcome o = Read(Fixture("list_bad_lines.txt"));
  EXPECT_EQ(o.messages(),
            (std::vector<std::string>{
                "list_bad_lines.txt:2: PID '84x0' is not a number",
                "list_bad_lines.txt:5: continuation line with no process field before it",
                "list_bad_lines.txt:10: block 'nopid.exe' has no PID field",
                "list_bad_lines.txt:13: not a 'name: value' line: 'garbage without a colon'",
            }));
  EXPECT_EQ(o.ids(), (std::vector<std::string>{"tasklist.bad_pid", "tasklist.orphan_continuation",
                                               "tasklist.no_pid", "tasklist.not_a_field"}));
  EXPECT_EQ(o.services(),
            (std::map<uint32_t, Services>{{1880, {"DNS"}}, {2044, {"Spooler"}}}));
}

const char* const kTasklistFixtures[] = {
    "svc_en.txt",       "svc_en_utf16le.txt", "svc_de_cp850.txt",         "svc_ru_utf8.txt",
    "svc_bad_lines.txt", "modules_en.txt",    "plain_en.txt",             "v_en.txt",
    "csv_svc_en.txt",   "csv_plain_en.txt",   "csv_svc_de_semicolon.txt", "csv_bad_lines.txt",
    "list_svc_en.txt",  "list_plain_de_cp1252.txt", "list_bad_lines.txt",
};

TEST(TasklistProbe, ClaimsEveryLayoutOfItsOwn) {
  for (const char* name : kTasklistFixtures) {
    text::TextDocument doc = Fixture(name);
    EXPECT_GE(ProbeTasklist(doc), 80) << name;
    EXPECT_EQ(ProbeGetNetCsv(doc), 0) << name;
    EXPECT_EQ(DetectFormat(doc), InputFormat::kTasklist) << name;
  }
}

TEST(TasklistProbe, ZeroForNetstatSsAndGetNetCsv) {
  std::vector<text::TextDocument> others = {
      Inline({"", "Active Connections", "",
              "  Proto  Local Address          Foreign Address        State           PID",
              "  TCP    0.0.0.0:135            0.0.0.0:0              LISTENING       1024",
              "  TCP    [::]:135               [::]:0                 LISTENING       1024",
              "  UDP    0.0.0.0:123            *:*                                    1440"}),
      Inline({"Aktive Verbindungen", "",
              "  Proto  Lokale Adresse         Remoteadresse          Status           PID",
              "  TCP    0.0.0.0:135            0.0.0.0:0              ABHÖREN          624"}),
      Inline({"Netid  State   Recv-Q Send-Q  Local Address:Port   Peer Address:Port  Process",
              "tcp    LISTEN  0      128     0.0.0.0:22           0.0.0.0:*          "
              "users:((\"sshd\",pid=851,fd=6))",
              "udp    UNCONN  0      0       0.0.0.0:123          0.0.0.0:*          "
              "users:((\"chronyd\",pid=700,fd=5))"}),
      Inline({"\"LocalAddress\",\"LocalPort\",\"RemoteAddress\",\"RemotePort\",\"State\","
              "\"OwningProcess\",\"PID\"",
              "\"0.0.0.0\",\"135\",\"0.0.0.0\",\"0\",\"Listen\",\"1024\",\"1024\""}),
      Inline({}),
  };
  for (const text::TextDocument& doc : others) {
    EXPECT_EQ(ProbeTasklist(doc), 0) << testing::PrintToString(doc.lines);
  }
  const std::string getnet_dir = std::string(HIGHPORT_SOURCE_DIR) + "/src/ingest/testdata/getnet_csv/";
  for (const auto& entry : std::filesystem::directory_iterator(getnet_dir)) {
    text::TextDocument doc = Load(getnet_dir, entry.path().filename().string());
    EXPECT_EQ(ProbeTasklist(doc), 0) << doc.name;
  }
}

// Real captures (../shared/corpus/PROVENANCE.md), read in place.
class TasklistCorpus : public testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::is_directory(kCorpusDir)) {
      GTEST_SKIP() << "no corpus at " << kCorpusDir;
    }
  }
};

TEST_F(TasklistCorpus, GermanSvcListHas200ProcessesAndSvchostServices) {
  text::TextDocument doc = Load(kCorpusDir, "crwinnetdiag_2017_tasklist_svc_fo_list_de_cp1252.txt");
  EXPECT_GE(ProbeTasklist(doc), 80);
  Outcome o = Read(doc);
  EXPECT_TRUE(o.diagnostics.empty()) << testing::PrintToString(o.messages());
  // 200 "Abbildname:" blocks, counted with grep; 114 say "Nicht zutreffend".
  ASSERT_EQ(o.inventory.processes.size(), 200u);
  EXPECT_EQ(o.with_services(), 86u);
  size_t service_names = 0;
  size_t svchosts = 0;
  for (const ProcessInfo& p : o.inventory.processes) {
    service_names += p.services.size();
    if (p.image == "svchost.exe") {
      ++svchosts;
      EXPECT_FALSE(p.services.empty()) << "svchost " << p.pid;
    }
  }
  EXPECT_EQ(service_names, 154u);  // 86 first lines + 68 continuation lines
  EXPECT_EQ(svchosts, 14u);
  std::map<uint32_t, Services> services = o.services();
  EXPECT_EQ(services[1000], (Services{"KeyIso", "SamSs", "VaultSvc"}));
  EXPECT_EQ(services[696], (Services{"BrokerInfrastructure", "DcomLaunch", "LSM", "PlugPlay",
                                     "Power", "SystemEventsBroker"}));
  EXPECT_EQ(services[792], (Services{"RpcEptMapper", "RpcSs"}));
  EXPECT_TRUE(services[0].empty());
  EXPECT_TRUE(services[4].empty());
  EXPECT_EQ(o.images().at(932), "CRWinNetDiag.exe");
}

TEST_F(TasklistCorpus, GermanVerboseGivesPidToImage) {
  text::TextDocument doc = Load(kCorpusDir, "crwinnetdiag_2017_tasklist_v_de_cp1252.txt");
  EXPECT_GE(ProbeTasklist(doc), 80);
  Outcome o = Read(doc);
  EXPECT_EQ(o.diagnostics.skipped(), 0u) << testing::PrintToString(o.messages());
  EXPECT_EQ(o.inventory.processes.size(), 201u);
  EXPECT_EQ(o.with_services(), 0u);
  std::map<uint32_t, std::string> images = o.images();
  EXPECT_EQ(images.at(1000), "lsass.exe");
  EXPECT_EQ(images.at(696), "svchost.exe");
  EXPECT_EQ(images.at(932), "CRWinNetDiag.exe");
  EXPECT_EQ(images.at(0), "System Idle Process");
}

TEST_F(TasklistCorpus, EnglishPlainTasklistGivesPidToImage) {
  text::TextDocument doc = Load(kCorpusDir, "shafqatsarwar_tasklist.txt");
  EXPECT_GE(ProbeTasklist(doc), 80);
  Outcome o = Read(doc);
  EXPECT_TRUE(o.diagnostics.empty()) << testing::PrintToString(o.messages());
  EXPECT_EQ(o.inventory.processes.size(), 240u);
  size_t svchosts = 0;
  for (const ProcessInfo& p : o.inventory.processes) svchosts += p.image == "svchost.exe";
  EXPECT_EQ(svchosts, 88u);
  std::map<uint32_t, std::string> images = o.images();
  EXPECT_EQ(images.at(1212), "lsass.exe");
  EXPECT_EQ(images.at(2588), "tasklist.exe");
  EXPECT_EQ(images.at(140), "Secure System");
}

TEST_F(TasklistCorpus, ProbesSayZeroForRealNetstatSsAndRpcdump) {
  for (const char* dir : {"netstat_en", "netstat_de", "ss", "rpcdump"}) {
    const std::string path = std::string(HIGHPORT_SHARED_DIR) + "/corpus/" + dir + "/";
    if (!std::filesystem::is_directory(path)) continue;
    for (const auto& entry : std::filesystem::directory_iterator(path)) {
      text::TextDocument doc = Load(path, entry.path().filename().string());
      EXPECT_EQ(ProbeTasklist(doc), 0) << doc.name;
      EXPECT_EQ(ProbeGetNetCsv(doc), 0) << doc.name;
    }
  }
}

}  // namespace
}  // namespace highport::ingest
