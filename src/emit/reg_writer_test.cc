// The `reg` writer: golden files for the sample plan, and every .reg file
// decoded back (UTF-16LE, comments, continuation lines, hex(7), dword) to
// compare what regedit would import with what the plan says. Hand-edited
// plans: what cannot be written exactly is left out and named, never changed.
#include "emit/reg_writer.h"

#include <map>

#include "emit/golden_test_util.h"
#include "emit/reg_emit_testing.h"
#include "gtest/gtest.h"
#include "plan/plan_testing.h"
#include "text/decode.h"

namespace highport::emit {
namespace {

using testing::FileAt;
using testing::HasFile;

// ---- what regedit would import ------------------------------------------------

struct ImportedValue {
  std::string type;  // "sz", "dword", "hex(7)", "delete"
  std::string text;
  std::vector<std::string> strings;
  uint64_t number = 0;
};

struct ImportedFile {
  std::vector<std::string> comments;
  std::vector<std::string> removed_keys;
  std::map<std::string, std::map<std::string, ImportedValue>> keys;
};

std::string Utf16ToUtf8(const std::string& bytes) {
  text::DecodedText decoded = text::Decode(bytes, text::Encoding::kUtf16Le);
  EXPECT_EQ(decoded.replaced, 0u);
  return decoded.utf8;
}

std::string Unquote(std::string_view quoted, size_t* end) {
  std::string out;
  size_t i = 1;
  for (; i < quoted.size() && quoted[i] != '"'; ++i)
    out += quoted[i] == '\\' ? quoted[++i] : quoted[i];
  *end = i + 1;
  return out;
}

std::vector<std::string> MultiStrings(std::string_view hex) {
  std::string bytes;
  for (size_t i = 0; i + 1 < hex.size(); i += 3) {
    bytes += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  }
  EXPECT_EQ(bytes.substr(bytes.size() - 4), std::string(4, '\0')) << "no double NUL at the end";
  std::vector<std::string> strings;
  std::string current;
  for (size_t i = 0; i + 2 < bytes.size(); i += 2) {
    if (bytes[i] == 0 && bytes[i + 1] == 0) {
      strings.push_back(Utf16ToUtf8(current));
      current.clear();
    } else {
      current += bytes.substr(i, 2);
    }
  }
  return strings;
}

ImportedFile Import(const std::string& bytes) {
  EXPECT_EQ(bytes.substr(0, 2), "\xFF\xFE") << "no UTF-16LE byte order mark";
  std::string text = Utf16ToUtf8(bytes.substr(2));
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') {
      EXPECT_TRUE(i > 0 && text[i - 1] == '\r') << "a line ends without CR";
    }
  }
  std::vector<std::string> lines = text::SplitLines(text);
  EXPECT_EQ(lines.at(0), "Windows Registry Editor Version 5.00");
  ImportedFile out;
  std::string key;
  for (size_t i = 1; i < lines.size(); ++i) {
    std::string line = lines[i];
    while (!line.empty() && line.back() == '\\' && i + 1 < lines.size()) {
      line.pop_back();
      line += lines[++i].substr(2);
    }
    if (line.empty()) continue;
    if (line[0] == ';') {
      out.comments.push_back(line);
      continue;
    }
    if (line.starts_with("[-")) {
      out.removed_keys.push_back(line.substr(2, line.size() - 3));
      continue;
    }
    if (line[0] == '[') {
      key = line.substr(1, line.size() - 2);
      continue;
    }
    EXPECT_EQ(line[0], '"') << line;
    size_t end = 0;
    std::string name = Unquote(line, &end);
    EXPECT_EQ(line[end], '=') << line;
    std::string data = line.substr(end + 1);
    ImportedValue v;
    if (data == "-") {
      v.type = "delete";
    } else if (data[0] == '"') {
      v.type = "sz";
      v.text = Unquote(data, &end);
    } else if (data.starts_with("dword:")) {
      v.type = "dword";
      v.number = std::stoull(data.substr(6), nullptr, 16);
    } else if (data.starts_with("hex(7):")) {
      v.type = "hex(7)";
      v.strings = MultiStrings(data.substr(7) + ",");
    } else {
      ADD_FAILURE() << "unexpected data: " << line;
    }
    out.keys[key][name] = v;
  }
  return out;
}

std::string AllComments(const ImportedFile& file) {
  std::string all;
  for (const std::string& c : file.comments) all += c + "\n";
  return all;
}

constexpr const char* kRpc = "HKEY_LOCAL_MACHINE\\Software\\Microsoft\\Rpc\\Internet";
constexpr const char* kNtds =
    "HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\NTDS\\Parameters";
constexpr const char* kNetlogon =
    "HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\Netlogon\\Parameters";
constexpr const char* kCertSvc =
    "HKEY_LOCAL_MACHINE\\SOFTWARE\\Classes\\AppID\\{D99E6E74-FC88-11D0-B498-00A0C90312F3}";

// ---- the sample plan ----------------------------------------------------------

TEST(RegWriter, SamplePlanMatchesGoldenFiles) {
  testing::ExpectGolden("reg", WriteReg(plan::testing::SamplePlan()));
}

TEST(RegWriter, OneApplyAndOneRollbackFilePerWindowsHostWithSettings) {
  EmittedFiles files = WriteReg(plan::testing::SamplePlan());
  std::vector<std::pair<std::string, bool>> got;
  for (const EmittedFile& f : files) got.emplace_back(f.path, f.rollback);
  std::vector<std::pair<std::string, bool>> want = {
      {"reg/dc01.reg", false},  {"reg/dc01-rollback.reg", true},
      {"reg/dc02.reg", false},  {"reg/dc02-rollback.reg", true},
      {"reg/fs01.reg", false},  {"reg/fs01-rollback.reg", true},
      {"reg/README.txt", false}};
  EXPECT_EQ(got, want);  // sdc1 is Samba: its range goes to smb.conf, not the registry
  for (const EmittedFile& f : files) EXPECT_FALSE(f.purpose.empty()) << f.path;
}

TEST(RegWriter, ImportedValuesAreThePlansValues) {
  plan::Plan plan = plan::testing::SamplePlan();
  EmittedFiles files = WriteReg(plan);
  const std::string range = plan.ranges[0].range.ToString();  // range:dcs, 5001-5100

  ImportedFile dc01 = Import(FileAt(files, "reg/dc01.reg").bytes);
  const auto& rpc = dc01.keys.at(kRpc);
  EXPECT_EQ(rpc.at("Ports").type, "hex(7)");
  EXPECT_EQ(rpc.at("Ports").strings, std::vector<std::string>{range});
  EXPECT_EQ(rpc.at("PortsInternetAvailable").type, "sz");
  EXPECT_EQ(rpc.at("PortsInternetAvailable").text, "Y");
  EXPECT_EQ(rpc.at("UseInternetPorts").type, "sz");
  EXPECT_EQ(rpc.at("UseInternetPorts").text, "Y");
  EXPECT_EQ(dc01.keys.at(kNtds).at("TCP/IP Port").type, "dword");
  EXPECT_EQ(dc01.keys.at(kNtds).at("TCP/IP Port").number, plan.pins[0].port);
  EXPECT_EQ(dc01.keys.at(kNetlogon).at("DCTcpipPort").number, plan.pins[1].port);
  EXPECT_EQ(dc01.keys.size(), 3u);  // DFSR is a command (dfsrdiag), not a value

  ImportedFile dc02 = Import(FileAt(files, "reg/dc02.reg").bytes);
  EXPECT_EQ(dc02.keys.at(kRpc).at("Ports").strings, std::vector<std::string>{range});
  EXPECT_EQ(dc02.keys.at(kCertSvc).at("Endpoints").type, "hex(7)");
  EXPECT_EQ(dc02.keys.at(kCertSvc).at("Endpoints").strings,
            std::vector<std::string>{"ncacn_ip_tcp,0,38905"});

  ImportedFile fs01 = Import(FileAt(files, "reg/fs01.reg").bytes);
  EXPECT_EQ(fs01.keys.at(kRpc).at("Ports").strings, std::vector<std::string>{range});
  EXPECT_EQ(fs01.keys.size(), 1u);  // its WMI pin is winmgmt /standalonehost, a command
}

TEST(RegWriter, RollbackRemovesTheCreatedKeyAndThePinnedValues) {
  EmittedFiles files = WriteReg(plan::testing::SamplePlan());
  ImportedFile dc01 = Import(FileAt(files, "reg/dc01-rollback.reg").bytes);
  EXPECT_EQ(dc01.removed_keys, std::vector<std::string>{kRpc});
  EXPECT_EQ(dc01.keys.at(kNtds).at("TCP/IP Port").type, "delete");
  EXPECT_EQ(dc01.keys.at(kNetlogon).at("DCTcpipPort").type, "delete");
  ImportedFile dc02 = Import(FileAt(files, "reg/dc02-rollback.reg").bytes);
  EXPECT_EQ(dc02.keys.at(kCertSvc).at("Endpoints").type, "delete");
  // Never the AppID key itself: it belongs to certificate services.
  EXPECT_EQ(dc02.removed_keys, std::vector<std::string>{kRpc});
}

TEST(RegWriter, CommentsNameEveryProposalAndItsRestart) {
  EmittedFiles files = WriteReg(plan::testing::SamplePlan());
  std::string dc01 = AllComments(Import(FileAt(files, "reg/dc01.reg").bytes));
  EXPECT_NE(dc01.find("range:dcs: RPC port range 5001-5100"), std::string::npos) << dc01;
  EXPECT_NE(dc01.find("Then reboot the host."), std::string::npos) << dc01;
  EXPECT_NE(dc01.find("pin:dc01:NTDS"), std::string::npos) << dc01;
  EXPECT_NE(
      dc01.find("pin:dc01:Netlogon: Netlogon on TCP 38902. Then restart the service Netlogon."),
      std::string::npos)
      << dc01;
  std::string undo = AllComments(Import(FileAt(files, "reg/dc01-rollback.reg").bytes));
  EXPECT_NE(undo.find("reboot the host, restart the service Netlogon"), std::string::npos) << undo;
}

// ---- plans an administrator edited ---------------------------------------------

plan::PinProposal RegistryPin(std::string host, std::string id) {
  plan::PinProposal pin;
  pin.id = std::move(id);
  pin.host = std::move(host);
  pin.service = "Custom";
  pin.port = 40000;
  pin.kind = plan::PinKind::kRegistry;
  pin.key = "HKLM\\SOFTWARE\\Vendor\\Agent";
  pin.value_name = "Port";
  pin.value_type = "REG_DWORD";
  pin.value_data = "40000";
  pin.restart = "service:Agent";
  return pin;
}

plan::Plan OneHostPlan(std::string host) {
  plan::Plan plan;
  plan.hosts = {{host, {"10.0.0.5"}, "", plan::Role::kMember, plan::Platform::kWindows, {}, {}}};
  return plan;
}

TEST(RegWriter, NoFilesForAPlanWithNothingForTheWindowsRegistry) {
  plan::Plan plan = plan::testing::SamplePlan();
  plan.ranges.erase(plan.ranges.begin(), plan.ranges.begin() + 2);  // the Samba range stays
  std::erase_if(plan.pins, [](const plan::PinProposal& p) {
    return p.kind == plan::PinKind::kRegistry || p.kind == plan::PinKind::kDcomAppId;
  });
  EXPECT_TRUE(WriteReg(plan).empty());
  EXPECT_TRUE(WriteReg(plan::Plan{}).empty());
}

TEST(RegWriter, AReversedRangeIsLeftOutAndNamed) {
  plan::Plan plan = plan::testing::SamplePlan();
  plan.ranges[1].range = {5100, 5001};  // range:fs01, fs01 has nothing else in the registry
  EmittedFiles files = WriteReg(plan);
  EXPECT_FALSE(HasFile(files, "reg/fs01.reg"));
  const std::string& readme = FileAt(files, "reg/README.txt").bytes;
  EXPECT_NE(readme.find("range:fs01 (fs01): the range 5100-5001 is reversed"), std::string::npos)
      << readme;
  // dc01 keeps its own range.
  EXPECT_EQ(Import(FileAt(files, "reg/dc01.reg").bytes).keys.at(kRpc).at("Ports").strings,
            std::vector<std::string>{"5001-5100"});
}

TEST(RegWriter, OddPinValuesAreLeftOutNotChanged) {
  plan::Plan plan = OneHostPlan("srv");
  plan::PinProposal good = RegistryPin("srv", "pin:srv:good");
  plan::PinProposal other_port = RegistryPin("srv", "pin:srv:other-port");
  other_port.value_name = "Port2";
  other_port.value_data = "40001";  // not the pin's port 40000
  plan::PinProposal qword = RegistryPin("srv", "pin:srv:qword");
  qword.value_name = "Port3";
  qword.value_type = "REG_QWORD";  // would have become a REG_SZ
  plan::PinProposal deleting_key = RegistryPin("srv", "pin:srv:minus");
  deleting_key.key = "-HKLM\\SOFTWARE\\Vendor";  // [-...] deletes a key
  plan::PinProposal hkcu = RegistryPin("srv", "pin:srv:hkcu");
  hkcu.key = "HKCU\\Software\\Vendor";
  plan::PinProposal low = RegistryPin("srv", "pin:srv:low");
  low.value_name = "Port4";
  low.port = 80;
  low.value_data = "80";
  plan::PinProposal endpoint = RegistryPin("srv", "pin:srv:endpoint");
  endpoint.kind = plan::PinKind::kDcomAppId;
  endpoint.key = "HKLM\\SOFTWARE\\Classes\\AppID\\{00000000-0000-0000-0000-000000000001}";
  endpoint.value_name = "Endpoints";
  endpoint.value_type = "REG_MULTI_SZ";
  endpoint.value_data = "ncacn_ip_tcp,0,40001";  // not port 40000
  plan::PinProposal no_key = RegistryPin("srv", "pin:srv:no-key");
  no_key.key.clear();
  plan::PinProposal clash = RegistryPin("srv", "pin:srv:clash");
  clash.port = 40002;
  clash.value_data = "40002";  // the same value as pin:srv:good, other data
  plan.pins = {good, other_port, qword, deleting_key, hkcu, low, endpoint, no_key, clash};

  EmittedFiles files = WriteReg(plan);
  // Nothing is left to set: no .reg for srv, and the README says why.
  EXPECT_FALSE(HasFile(files, "reg/srv.reg"))
      << "pin:srv:good and pin:srv:clash set one value differently";
  std::string comments = FileAt(files, "reg/README.txt").bytes;
  for (const char* id :
       {"other-port", "qword", "minus", "hkcu", "low", "endpoint", "no-key", "clash", "good"}) {
    EXPECT_NE(comments.find(std::string("  pin:srv:") + id + " (srv): "), std::string::npos)
        << id << "\n"
        << comments;
  }
  EXPECT_NE(comments.find("the REG_DWORD data \"40001\" is not the port 40000"), std::string::npos);
  EXPECT_NE(comments.find("\"REG_QWORD\" is none of"), std::string::npos);
  EXPECT_NE(comments.find("is not under HKLM"), std::string::npos);
  EXPECT_NE(comments.find("the port 80 is below 1024"), std::string::npos);
  EXPECT_NE(comments.find("no endpoint of \"ncacn_ip_tcp,0,40001\" is the port 40000"),
            std::string::npos);
  EXPECT_NE(comments.find("names no registry key"), std::string::npos);
}

TEST(RegWriter, NamesWithQuotesBackslashesAndNonAsciiRoundTrip) {
  plan::Plan plan = OneHostPlan("srv");
  plan::PinProposal pin = RegistryPin("srv", "pin:srv:Zähler");
  pin.key = "HKLM\\SOFTWARE\\Vendor \"Ünïcode\" Agent";
  pin.value_name = "Port \"main\" \\ Zähler";
  pin.value_type = "REG_SZ";
  pin.value_data = "40000 \"quoted\" C:\\Temp ü";
  plan.pins = {pin};
  ImportedFile srv = Import(FileAt(WriteReg(plan), "reg/srv.reg").bytes);
  const ImportedValue& v =
      srv.keys.at("HKEY_LOCAL_MACHINE\\SOFTWARE\\Vendor \"Ünïcode\" Agent").at(pin.value_name);
  EXPECT_EQ(v.type, "sz");
  EXPECT_EQ(v.text, pin.value_data);
  EXPECT_NE(AllComments(srv).find("pin:srv:Zähler"), std::string::npos);
}

TEST(RegWriter, LineBreaksInPlanTextCannotStartALineOfTheirOwn) {
  plan::Plan plan = OneHostPlan("srv");
  plan::PinProposal pin = RegistryPin("srv", "pin:srv:x\r\n[-HKEY_LOCAL_MACHINE\\SYSTEM]");
  pin.service = "Agent\n\"Evil\"=dword:00000001";
  pin.restart = "service:Agent\r\n[-HKEY_LOCAL_MACHINE\\SOFTWARE]";
  plan::PinProposal newline_name = RegistryPin("srv", "pin:srv:name");
  newline_name.value_name = "Port\r\n[-HKEY_LOCAL_MACHINE\\SAM]";
  plan.pins = {pin, newline_name};
  ImportedFile srv = Import(FileAt(WriteReg(plan), "reg/srv.reg").bytes);
  EXPECT_TRUE(srv.removed_keys.empty());
  ASSERT_EQ(srv.keys.size(), 1u);
  EXPECT_EQ(srv.keys.begin()->second.size(), 1u);  // only "Port" of the first pin
  EXPECT_EQ(srv.keys.begin()->second.at("Port").number, 40000u);
  EXPECT_NE(AllComments(srv).find("Left out, pin:srv:name (srv): the value name holds a control"),
            std::string::npos);
}

TEST(RegWriter, HostNamesBecomeSafeUniqueFileNames) {
  plan::Plan plan;
  for (std::string name : {"../../etc/passwd", "a b", "A_B", "CON", "dc-ü"}) {
    plan.hosts.push_back({name, {}, "", plan::Role::kMember, plan::Platform::kWindows, {}, {}});
    plan.pins.push_back(RegistryPin(name, "pin:" + name));
  }
  std::vector<std::string> paths;
  for (const EmittedFile& f : WriteReg(plan)) {
    if (!f.rollback) paths.push_back(f.path);
  }
  EXPECT_EQ(paths,
            (std::vector<std::string>{"reg/_.._.._etc_passwd.reg", "reg/a_b.reg", "reg/A_B-2.reg",
                                      "reg/_CON.reg", "reg/dc-__.reg", "reg/README.txt"}));
}

TEST(RegWriter, ItemsForHostsNotInThePlanAreNamedInTheReadme) {
  plan::Plan plan = OneHostPlan("srv");
  plan.pins = {RegistryPin("ghost", "pin:ghost:Agent")};
  EmittedFiles files = WriteReg(plan);
  ASSERT_EQ(files.size(), 1u);
  EXPECT_NE(files[0].bytes.find("pin:ghost:Agent (ghost): the host is not in the plan's host list"),
            std::string::npos)
      << files[0].bytes;
}

}  // namespace
}  // namespace highport::emit
