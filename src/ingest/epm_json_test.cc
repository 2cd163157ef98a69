#include "ingest/epm_json.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <tuple>

#include "analysis/rpc_map.h"
#include "ingest/epm_json_lines.h"
#include "ingest/format.h"
#include "ingest/ingest_test_util.h"
#include "ingest/load.h"
#include "ingest/rpcdump.h"
#include "ingest/traffic_load.h"
#include "report/epm_report.h"
#include "catalog/catalog.h"
#include "fmt/format.h"

namespace highport::ingest {
namespace {

using testing::ReadBytes;
using testing::ReadResult;

// highport epm --format json against tests/tools/fake_epm_server on loopback
// (started as tests/epm_cli_test.sh does), the same with --from two_hosts.txt,
// and broken variants made by hand (broken_values.json by a script, kept as is).
const std::string kFixtures = HIGHPORT_SOURCE_DIR "/src/ingest/testdata/epm_json/";
const std::string kRpcdumpFixtures = HIGHPORT_SOURCE_DIR "/src/ingest/testdata/rpcdump/";

std::string Bytes(const std::string& path) {
  Result<std::string> bytes = text::ReadFileBytes(path);
  EXPECT_TRUE(bytes) << bytes.error().message;
  return bytes ? *bytes : std::string();
}

ReadResult ReadFixture(const std::string& name) {
  return ReadBytes(ReadEpmJson, Bytes(kFixtures + name), name);
}

const std::vector<RpcRegistration>& Regs(const ReadResult& r) {
  return r.inventory.rpc_registrations;
}

// "id@line" for every finding, in order.
std::vector<std::string> Where(const ReadResult& r) {
  std::vector<std::string> out;
  for (const Finding& f : r.diagnostics.findings()) {
    out.push_back(f.id + "@" + std::to_string(f.where.line));
  }
  return out;
}

size_t BindingsIn(const nlohmann::json& hosts) {
  size_t n = 0;
  for (const nlohmann::json& h : hosts) {
    if (h.value("status", "") != "ok") continue;
    for (const nlohmann::json& i : h["interfaces"]) n += i["bindings"].size();
  }
  return n;
}

const std::vector<std::string> kFixtureNames = {
    "windows_fake.json", "samba_dc_refused_timeout.json", "from_rpcdump_two_hosts.json",
    "compact.json",      "broken_values.json",            "truncated.json",
    "huge_number.json",
};

TEST(EpmJsonProbe, ClaimsItsFilesAndNothingElse) {
  for (const std::string& name : kFixtureNames) {
    text::TextDocument doc = text::MakeDocument(name, Bytes(kFixtures + name));
    EXPECT_EQ(ProbeEpmJson(doc), 95) << name;
    EXPECT_EQ(DetectFormat(doc), InputFormat::kEpmJson) << name;
  }
  auto probe = [](std::string_view text) { return ProbeEpmJson(text::MakeDocument("x", text)); };
  EXPECT_EQ(probe("[{\"host\" : \"dc01\", \"tcp_ports\": []}]"), 95);
  EXPECT_EQ(probe("[]"), 0);
  EXPECT_EQ(probe(""), 0);
  // Not a listing: an object at the root, `inventory --format json`, the keys
  // one level too deep.
  EXPECT_EQ(probe("{\"host\": \"dc01\", \"interfaces\": []}"), 0);
  EXPECT_EQ(probe("[{\"host\": \"dc01\", \"listeners\": [], \"skipped\": []}]"), 0);
  EXPECT_EQ(probe("[{\"x\": {\"host\": \"dc01\", \"interfaces\": []}}]"), 0);
  EXPECT_EQ(probe("[{\"name\": \"host\", \"interfaces\": []}]"), 0);
  // Every rpcdump fixture stays rpcdump's.
  for (const auto& entry : std::filesystem::directory_iterator(kRpcdumpFixtures)) {
    EXPECT_EQ(ProbeEpmJson(text::MakeDocument("x", Bytes(entry.path().string()))), 0)
        << entry.path();
  }
}

TEST(EpmJsonProbe, FilesGoToTheInventoryPath) {
  for (const std::string& name : kFixtureNames) {
    Result<EvidenceKind> kind = DetectEvidence(kFixtures + name);
    ASSERT_TRUE(kind) << kind.error().message;
    EXPECT_EQ(*kind, EvidenceKind::kInventory) << name;
  }
  Diagnostics diagnostics;
  Result<LoadedInventory> loaded =
      LoadInventory(kFixtures + "windows_fake.json", LoadOptions{}, diagnostics);
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(loaded->format, InputFormat::kEpmJson);
  EXPECT_EQ(loaded->inventory.rpc_registrations.size(), 48u);  // 60 entries, 48 distinct
}

TEST(JsonLines, LinesOfPointers) {
  JsonLines lines("[\n {\"a\": 1,\n  \"b/c\": [2,\n 3, {\"d\": [[4]]}]},\n \"x\"\n]\n", 4);
  EXPECT_EQ(lines.LineOf(""), 1u);
  EXPECT_EQ(lines.LineOf("/0"), 2u);
  EXPECT_EQ(lines.LineOf("/0/a"), 2u);
  EXPECT_EQ(lines.LineOf("/0/b~1c"), 3u);
  EXPECT_EQ(lines.LineOf("/0/b~1c/1"), 4u);
  EXPECT_EQ(lines.LineOf("/0/b~1c/2/d"), 4u);
  EXPECT_FALSE(lines.Has("/0/b~1c/2/d/0"));  // deeper than kept
  EXPECT_EQ(lines.LineOf("/0/b~1c/2/d/0/0"), 4u);  // its ancestor's line
  EXPECT_EQ(lines.LineOf("/0/missing"), 2u);
  EXPECT_EQ(lines.LineOf("/1"), 5u);
  EXPECT_EQ(lines.deepest(), 6u);
}

TEST(EpmJson, ReadsALiveListing) {
  ReadResult r = ReadFixture("windows_fake.json");
  EXPECT_TRUE(r.diagnostics.empty()) << ::testing::PrintToString(r.messages());
  nlohmann::json file = nlohmann::json::parse(Bytes(kFixtures + "windows_fake.json"));
  ASSERT_EQ(Regs(r).size(), BindingsIn(file));
  EXPECT_EQ(r.inventory.lines_read, Regs(r).size());
  EXPECT_EQ(r.inventory.host, "127.0.0.1");
  size_t tcp = 0;
  for (const RpcRegistration& g : Regs(r)) {
    EXPECT_EQ(g.host, "127.0.0.1");
    // The source is the line of the binding's text.
    ASSERT_GE(g.source.line, 1u);
    ASSERT_LE(g.source.line, r.doc.lines.size());
    EXPECT_NE(r.doc.lines[g.source.line - 1].find(nlohmann::json(g.binding).dump()),
              std::string::npos)
        << g.source.ToString() << " " << g.binding;
    if (g.protocol != "ncacn_ip_tcp") continue;
    ++tcp;
    // The towers say 0.0.0.0; the endpoint is the host that answered.
    EXPECT_TRUE(g.binding.starts_with("ncacn_ip_tcp:0.0.0.0[")) << g.binding;
    ASSERT_TRUE(g.endpoint) << g.binding;
    EXPECT_EQ(g.endpoint->address.ToString(), "127.0.0.1");
    EXPECT_EQ(g.endpoint->proto, Proto::kTcp);
    EXPECT_EQ(g.binding, fmt::format("ncacn_ip_tcp:0.0.0.0[{}]", g.endpoint->port));
  }
  EXPECT_GT(tcp, 0u);
  // The first binding of the file, whole.
  const RpcRegistration& first = Regs(r).front();
  EXPECT_EQ(first.uuid, "e3514235-4b06-11d1-ab04-00c04fc2dcd2");
  EXPECT_EQ(first.version_major, 4);
  EXPECT_EQ(first.version_minor, 0);
  EXPECT_EQ(first.annotation, "MS NT Directory DRS Interface");
  EXPECT_EQ(first.address_text, "127.0.0.1");
  EXPECT_EQ(first.endpoint->port, 49664);
  EXPECT_EQ(first.source.ToString(), "windows_fake.json:16");
  const RpcRegistration& pipe = Regs(r)[2];
  EXPECT_EQ(pipe.protocol, "ncacn_np");
  EXPECT_EQ(pipe.pipe, "\\PIPE\\lsass");
  EXPECT_EQ(pipe.address_text, "\\\\DC01");
  EXPECT_FALSE(pipe.endpoint);
}

TEST(EpmJson, HostsThatDidNotAnswerCompletelyAddOnlyANote) {
  ReadResult r = ReadFixture("samba_dc_refused_timeout.json");
  EXPECT_EQ(Regs(r).size(), 43u);  // the Samba DC's 53 entries, 43 distinct
  EXPECT_EQ(r.inventory.host, "");  // three hosts
  EXPECT_EQ(r.diagnostics.skipped(), 0u);
  EXPECT_EQ(r.messages(),
            (std::vector<std::string>{
                "samba_dc_refused_timeout.json:462: note: /1/status: 127.0.0.1: endpoint mapper "
                "refused (anonymous lookup refused: fault 0x00000005 (access denied) on "
                "ept_lookup call 1); its listing is not used",
                "samba_dc_refused_timeout.json:477: note: /2/status: 127.0.0.1: endpoint mapper "
                "timeout (no answer within 0.5 s); its listing is not used"}));
}

TEST(EpmJson, CompactAndIndentedReadAlike) {
  ReadResult indented = ReadFixture("from_rpcdump_two_hosts.json");
  ReadResult compact = ReadFixture("compact.json");
  ASSERT_EQ(Regs(indented).size(), 3u);
  ASSERT_EQ(Regs(compact).size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(Regs(compact)[i].binding, Regs(indented)[i].binding);
    EXPECT_EQ(Regs(compact)[i].endpoint, Regs(indented)[i].endpoint);
    EXPECT_EQ(Regs(compact)[i].source.line, 1u);
  }
  EXPECT_EQ(Regs(indented)[0].host, "10.0.0.10");
  EXPECT_EQ(Regs(indented)[2].host, "10.0.0.11");
  EXPECT_EQ(Regs(indented)[2].pipe, "LRPC-0a1b2c3d4e5f607182");
}

// Every kind of bad value is named by its pointer and line; the rest is read.
TEST(EpmJson, BadValuesAreFindingsAndTheRestIsRead) {
  ReadResult r = ReadFixture("broken_values.json");
  EXPECT_EQ(Where(r), (std::vector<std::string>{
                          "epm_json.bad_port@24",      "epm_json.bad_port@30",
                          "epm_json.bad_port@36",      "epm_json.bad_port@42",
                          "epm_json.bad_port@48",      "epm_json.wrong_type@63",
                          "epm_json.missing@66",       "epm_json.bad_protocol@71",
                          "epm_json.not_an_object@74", "epm_json.wrong_type@78",
                          "epm_json.bad_uuid@94",      "epm_json.bad_version@113",
                          "epm_json.bad_version@125",  "epm_json.wrong_type@138",
                          "epm_json.wrong_type@151",   "epm_json.not_an_object@153",
                          "epm_json.missing@154",      "epm_json.host_not_ok@164",
                          "epm_json.missing@181",      "epm_json.wrong_type@188",
                          "epm_json.not_an_object@190", "epm_json.wrong_type@192",
                          "epm_json.no_port@51",       "epm_json.named_address@56",
                      }));
  std::vector<std::string> m = r.messages();
  ASSERT_EQ(m.size(), 24u);
  EXPECT_EQ(m[0],
            "broken_values.json:24: /0/interfaces/0/bindings/1/port: 70000 is not a port number "
            "from 0 to 65535; binding skipped");
  EXPECT_EQ(m[1],
            "broken_values.json:30: /0/interfaces/0/bindings/2/port: a string, not a port number "
            "from 0 to 65535; binding skipped");
  EXPECT_EQ(m[4],
            "broken_values.json:48: /0/interfaces/0/bindings/5/port: 1.8446744073709552e+19 is "
            "not a port number from 0 to 65535; binding skipped");
  EXPECT_EQ(m[10],
            "broken_values.json:94: /0/interfaces/1/uuid: 'not-a-uuid' is not a UUID such as "
            "'12345778-1234-abcd-ef00-0123456789ac'; its 2 binding(s) are skipped");
  EXPECT_EQ(m[16], "broken_values.json:154: /0/interfaces/7/bindings: missing; the interface has "
                   "no bindings");
  EXPECT_EQ(m[18], "broken_values.json:181: /2/status: missing; the listing is not used, it may "
                   "be incomplete");

  // Kept: 0.0.0.0 as dc01's address, a name without endpoint (with and without
  // port), a pipe of the wrong type dropped, a UDP binding rebuilt, ncacn_http,
  // an uppercase UUID, and a host without a name or address.
  ASSERT_EQ(Regs(r).size(), 8u);
  EXPECT_EQ(Regs(r)[0].endpoint->address.ToString(), "10.0.0.5");
  EXPECT_EQ(Regs(r)[0].binding, "ncacn_ip_tcp:0.0.0.0[49664]");
  EXPECT_FALSE(Regs(r)[1].endpoint);
  EXPECT_EQ(Regs(r)[1].address_text, "DC01");
  EXPECT_FALSE(Regs(r)[2].endpoint);
  EXPECT_EQ(Regs(r)[2].binding, "ncacn_ip_tcp:DC01[49667]");
  EXPECT_EQ(Regs(r)[3].protocol, "ncacn_np");
  EXPECT_EQ(Regs(r)[3].pipe, "");
  EXPECT_EQ(Regs(r)[4].binding, "ncadg_ip_udp:10.0.0.5[135]");
  EXPECT_EQ(Regs(r)[4].endpoint->proto, Proto::kUdp);
  EXPECT_EQ(Regs(r)[4].source.line, 81u);  // no "binding": the object's line
  EXPECT_EQ(Regs(r)[5].endpoint->address.ToString(), "10.0.0.6");
  EXPECT_EQ(Regs(r)[5].endpoint->port, 593);
  EXPECT_EQ(Regs(r)[6].uuid, "e3514235-4b06-11d1-ab04-00c04fc2dcd2");
  EXPECT_EQ(Regs(r)[6].annotation, "");
  EXPECT_EQ(Regs(r)[7].host, "");
  EXPECT_FALSE(Regs(r)[7].endpoint);
  for (const RpcRegistration& g : Regs(r)) {
    EXPECT_TRUE(g.host == "dc01" || g.host.empty()) << g.host;
  }
}

TEST(EpmJson, WholeFileProblems) {
  ReadResult truncated = ReadFixture("truncated.json");
  EXPECT_TRUE(Regs(truncated).empty());
  EXPECT_EQ(truncated.messages(),
            std::vector<std::string>{
                "truncated.json:105: not JSON (syntax error while parsing object key - unexpected "
                "end of input; expected string literal); nothing read"});
  ReadResult huge = ReadFixture("huge_number.json");
  EXPECT_TRUE(Regs(huge).empty());
  EXPECT_EQ(huge.messages(), std::vector<std::string>{"huge_number.json:58: not JSON (number "
                                                      "overflow parsing '1e400'); nothing read"});

  auto read = [](std::string_view text) { return ReadBytes(ReadEpmJson, text, "x.json"); };
  EXPECT_EQ(read("{\"host\": \"dc01\"}").messages(),
            std::vector<std::string>{"x.json:1: /: an object, not the array of hosts that highport "
                                     "epm --format json writes"});
  EXPECT_EQ(read("").messages(),
            std::vector<std::string>{"x.json: not JSON (syntax error while parsing value - "
                                     "unexpected end of input; expected '[', '{', or a literal); "
                                     "nothing read"});
  ReadResult empty = read("[]\n");
  EXPECT_TRUE(empty.diagnostics.empty());
  EXPECT_TRUE(Regs(empty).empty());
  // Deeper than a listing can be: refused before the DOM is built.
  ReadResult deep = read(std::string(100000, '[') + std::string(100000, ']'));
  EXPECT_EQ(Where(deep), std::vector<std::string>{"epm_json.too_deep@1"});
}

// What `highport epm --from rpcdump.txt --format json` writes reads back as the
// registrations it was made from (the writer keeps each distinct binding once).
TEST(EpmJson, RoundTripThroughTheEpmReport) {
  using Key = std::tuple<std::string, std::string, uint16_t, uint16_t, std::string,
                         std::optional<Endpoint>, std::string>;
  auto key = [](const RpcRegistration& g) {
    return Key{g.host, g.uuid, g.version_major, g.version_minor, g.protocol, g.endpoint, g.pipe};
  };
  size_t compared = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kRpcdumpFixtures)) {
    std::string name = entry.path().filename().string();
    ReadResult dump = ReadBytes(ReadRpcdump, Bytes(entry.path().string()), name);
    // One report per host, as cli/epm_command builds them.
    std::vector<report::EpmHostReport> hosts;
    std::set<Key> expected;
    for (const RpcRegistration& g : Regs(dump)) {
      expected.insert(key(g));
      auto it = std::find_if(hosts.begin(), hosts.end(),
                             [&](const report::EpmHostReport& h) { return h.host == g.host; });
      if (it == hosts.end()) {
        report::EpmHostReport h;
        h.host = g.host;
        h.port = 0;
        h.status = "ok";
        h.source = name;
        it = hosts.insert(hosts.end(), std::move(h));
      }
    }
    for (report::EpmHostReport& h : hosts) {
      std::vector<RpcRegistration> own;
      for (const RpcRegistration& g : Regs(dump)) {
        if (g.host == h.host) own.push_back(g);
      }
      h.map = analysis::BuildRpcHostMap(h.host, own, kWindowsDynamicRange, catalog::Catalog::Get());
    }
    std::string json = report::EpmJson(hosts).dump(2) + "\n";
    ReadResult back = ReadBytes(ReadEpmJson, json, name + ".json");
    // Notes only: an IP binding to a host name keeps no port in the JSON.
    EXPECT_EQ(back.diagnostics.skipped(), 0u) << name << ::testing::PrintToString(back.messages());
    std::set<Key> got;
    for (const RpcRegistration& g : Regs(back)) got.insert(key(g));
    EXPECT_EQ(got, expected) << name;
    EXPECT_EQ(Regs(back).size(), expected.size()) << name;  // nothing twice
    compared += expected.size();
  }
  EXPECT_GT(compared, 50u);
}

}  // namespace
}  // namespace highport::ingest
