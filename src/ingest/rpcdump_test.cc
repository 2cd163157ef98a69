#include "ingest/rpcdump.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <tuple>

#include "ingest/format.h"
#include "ingest/ingest_test_util.h"

namespace highport::ingest {
namespace {

using testing::ReadBytes;
using testing::ReadResult;

const std::string kFixtures = HIGHPORT_SOURCE_DIR "/src/ingest/testdata/rpcdump/";

std::string FixtureBytes(const std::string& name) {
  Result<std::string> bytes = text::ReadFileBytes(kFixtures + name);
  EXPECT_TRUE(bytes) << bytes.error().message;
  return bytes ? *bytes : std::string();
}

ReadResult ReadFixture(const std::string& name) {
  return ReadBytes(ReadRpcdump, FixtureBytes(name), name);
}

const std::vector<RpcRegistration>& Regs(const ReadResult& r) {
  return r.inventory.rpc_registrations;
}

std::vector<std::string> Ids(const ReadResult& r) {
  std::vector<std::string> ids;
  for (const Finding& f : r.diagnostics.findings()) ids.push_back(f.id);
  return ids;
}

// "id@line" for every finding, in order: the whole story of a file in one line.
std::vector<std::string> Where(const ReadResult& r) {
  std::vector<std::string> out;
  for (const Finding& f : r.diagnostics.findings()) {
    out.push_back(f.id + "@" + std::to_string(f.where.line));
  }
  return out;
}

size_t CountProtocol(const ReadResult& r, std::string_view protocol) {
  return static_cast<size_t>(std::count_if(Regs(r).begin(), Regs(r).end(),
                                           [&](const RpcRegistration& g) {
                                             return g.protocol == protocol;
                                           }));
}

const std::vector<std::string> kAllFixtures = {
    "windows_dc_impacket0.11.txt",   "samba_ad_dc_impacket0.10.txt",
    "empty_no_endpoints.txt",        "error_connection_refused.txt",
    "error_rpcproxy_ts.txt",         "member_debug_crlf_utf16le.txt",
    "old_0.9.15_trying_protocol.txt", "bad_lines.txt",
    "truncated.txt",                 "two_hosts.txt",
};

TEST(RpcdumpProbe, ClaimsRpcdumpAndNothingElse) {
  for (const std::string& name : kAllFixtures) {
    text::TextDocument doc = text::MakeDocument(name, FixtureBytes(name));
    EXPECT_GE(ProbeRpcdump(doc), 95) << name;
    EXPECT_EQ(DetectFormat(doc), InputFormat::kRpcdump) << name;
  }
  // Blocks copied without banner or log lines are still rpcdump.
  EXPECT_EQ(ProbeRpcdump(text::MakeDocument(
                "x", "Protocol: N/A\nProvider: N/A\n"
                     "UUID    : 12345778-1234-ABCD-EF00-0123456789AC v1.0\nBindings:\n"
                     "          ncalrpc:[samss lpc]\n")),
            95);
  // The banner alone: rpcdump pointed at a port without an endpoint mapper.
  EXPECT_EQ(ProbeRpcdump(text::MakeDocument(
                "x", "Impacket v0.9.24 - Copyright 2021 SecureAuth Corporation\n\n\n")),
            60);

  const char* netstat =
      "\nActive Connections\n\n  Proto  Local Address          Foreign Address        State"
      "           PID\n  TCP    0.0.0.0:135            0.0.0.0:0              LISTENING       "
      "1024\n";
  const char* tasklist =
      "\nImage Name                     PID Services\n========================= ======== "
      "============\nsvchost.exe                    840 RpcEptMapper, RpcSs\n";
  const char* ss = "Netid State  Recv-Q Send-Q Local Address:Port Peer Address:Port Process\n"
                   "tcp   LISTEN 0      128    0.0.0.0:22         0.0.0.0:*\n";
  const char* netsh = "Protocol tcp Dynamic Port Range\n---------------------------------\n"
                      "Start Port      : 49152\nNumber of Ports : 16384\n";
  const char* bad_uuid = "UUID    : not-a-uuid v1.0\n";
  for (const char* other : {netstat, tasklist, ss, netsh, bad_uuid, "", "\n\n"}) {
    EXPECT_EQ(ProbeRpcdump(text::MakeDocument("other.txt", other)), 0) << other;
  }
}

TEST(RpcdumpReader, ReadsWindowsDomainController) {
  ReadResult r = ReadFixture("windows_dc_impacket0.11.txt");
  EXPECT_TRUE(r.diagnostics.empty()) << ::testing::PrintToString(r.messages());
  const std::vector<RpcRegistration>& g = Regs(r);
  ASSERT_EQ(g.size(), 28u);
  EXPECT_EQ(r.inventory.lines_read, 28u);
  EXPECT_EQ(r.inventory.host, "10.0.0.10");
  EXPECT_TRUE(r.inventory.sockets.empty());

  // The first binding of the first block, every field.
  EXPECT_EQ(g[0].host, "10.0.0.10");
  EXPECT_EQ(g[0].uuid, "51a227ae-825b-41f2-b4a9-1ac9557a1018");
  EXPECT_EQ(g[0].version_major, 1);
  EXPECT_EQ(g[0].version_minor, 0);
  EXPECT_EQ(g[0].annotation, "Ngc Pop Key Service");
  EXPECT_EQ(g[0].protocol, "ncacn_ip_tcp");
  ASSERT_TRUE(g[0].endpoint);
  EXPECT_EQ(g[0].endpoint->ToString(), "10.0.0.10:49664");
  EXPECT_EQ(g[0].endpoint->proto, Proto::kTcp);
  EXPECT_EQ(g[0].address_text, "10.0.0.10");
  EXPECT_EQ(g[0].pipe, "");
  EXPECT_EQ(g[0].binding, "ncacn_ip_tcp:10.0.0.10[49664]");
  EXPECT_EQ(g[0].source.ToString(), "windows_dc_impacket0.11.txt:8");

  EXPECT_EQ(g[1].protocol, "ncalrpc");
  EXPECT_EQ(g[1].pipe, "samss lpc");
  EXPECT_EQ(g[1].address_text, "");
  EXPECT_FALSE(g[1].endpoint);

  EXPECT_EQ(g[3].protocol, "ncacn_np");
  EXPECT_EQ(g[3].address_text, R"(\\DC01)");
  EXPECT_EQ(g[3].pipe, R"(\pipe\lsass)");
  EXPECT_EQ(g[3].binding, R"(ncacn_np:\\DC01[\pipe\lsass])");
  EXPECT_FALSE(g[3].endpoint);

  // "UUID    : ... v1.0 " with nothing after the version: no annotation.
  EXPECT_EQ(g[4].uuid, "12345778-1234-abcd-ef00-0123456789ac");
  EXPECT_EQ(g[4].annotation, "");
  // ncacn_http is RPC over HTTP on TCP.
  EXPECT_EQ(g[7].protocol, "ncacn_http");
  ASSERT_TRUE(g[7].endpoint);
  EXPECT_EQ(g[7].endpoint->ToString(), "10.0.0.10:49667");
  EXPECT_EQ(g[7].endpoint->proto, Proto::kTcp);

  EXPECT_EQ(g[8].version_major, 4);
  EXPECT_EQ(g[8].annotation, "MS NT Directory DRS Interface");

  // The same binding twice is two entries of the listing: both kept.
  EXPECT_EQ(g[23].binding, "ncalrpc:[LRPC-5bb2d9e3f3c4d5e6a7]");
  EXPECT_EQ(g[24].binding, g[23].binding);
  EXPECT_EQ(g[24].version_minor, 1);

  EXPECT_EQ(g[27].protocol, "ncadg_ip_udp");
  ASSERT_TRUE(g[27].endpoint);
  EXPECT_EQ(g[27].endpoint->proto, Proto::kUdp);
  EXPECT_EQ(g[27].endpoint->port, 1028);

  EXPECT_EQ(CountProtocol(r, "ncacn_ip_tcp"), 10u);
  EXPECT_EQ(CountProtocol(r, "ncacn_http"), 3u);
  EXPECT_EQ(CountProtocol(r, "ncacn_np"), 5u);
  EXPECT_EQ(CountProtocol(r, "ncalrpc"), 9u);
}

TEST(RpcdumpReader, ReadsSambaAndPutsTheHostInPlaceOfAnyAddress) {
  ReadResult r = ReadFixture("samba_ad_dc_impacket0.10.txt");
  EXPECT_TRUE(r.diagnostics.empty()) << ::testing::PrintToString(r.messages());
  const std::vector<RpcRegistration>& g = Regs(r);
  ASSERT_EQ(g.size(), 18u);
  EXPECT_EQ(g[0].annotation, "epmapper");
  EXPECT_EQ(g[0].pipe, R"(\pipe\epmapper)");
  ASSERT_TRUE(g[2].endpoint);
  EXPECT_EQ(g[2].endpoint->port, 135);

  // A tower's 0.0.0.0 is the host that answered: the endpoint takes the host,
  // the text stays as written.
  EXPECT_EQ(g[5].binding, "ncacn_ip_tcp:0.0.0.0[49152]");
  EXPECT_EQ(g[5].address_text, "0.0.0.0");
  ASSERT_TRUE(g[5].endpoint);
  EXPECT_EQ(g[5].endpoint->ToString(), "192.168.56.20:49152");
  EXPECT_EQ(g[5].uuid, "12345778-1234-abcd-ef00-0123456789ab");
  EXPECT_EQ(g[5].version_major, 0);
  EXPECT_EQ(g[5].annotation, "lsarpc");
  EXPECT_EQ(g[6].pipe, "DEFAULT");
}

TEST(RpcdumpReader, EmptyListingIsANoteNotAnError) {
  ReadResult r = ReadFixture("empty_no_endpoints.txt");
  EXPECT_TRUE(Regs(r).empty());
  EXPECT_EQ(r.inventory.host, "10.0.0.7");
  EXPECT_EQ(r.diagnostics.skipped(), 0u);
  EXPECT_EQ(r.messages(), std::vector<std::string>{
                              "empty_no_endpoints.txt:4: note: the endpoint mapper of 10.0.0.7 "
                              "listed no endpoints"});
}

TEST(RpcdumpReader, ProtocolFailedIsAWarning) {
  ReadResult r = ReadFixture("error_connection_refused.txt");
  EXPECT_TRUE(Regs(r).empty());
  // "No endpoints found." after a failure says nothing more.
  EXPECT_EQ(r.messages(), std::vector<std::string>{
                              "error_connection_refused.txt:4: rpcdump could not read the "
                              "endpoint mapper of 10.0.0.99: Could not connect: [Errno 111] "
                              "Connection refused"});
  EXPECT_EQ(Ids(r), std::vector<std::string>{"rpcdump.protocol_failed"});
}

TEST(RpcdumpReader, ReadsTimeStampedLogLines) {
  ReadResult r = ReadFixture("error_rpcproxy_ts.txt");
  EXPECT_TRUE(Regs(r).empty());
  EXPECT_EQ(r.inventory.host, "mail.corp.example");
  EXPECT_EQ(Where(r),
            (std::vector<std::string>{"rpcdump.protocol_failed@4", "rpcdump.message@5"}));
  EXPECT_EQ(r.diagnostics.findings()[1].severity, Finding::Severity::kNote);
}

TEST(RpcdumpReader, ReadsUtf16CrlfWithDebugLines) {
  ReadResult r = ReadFixture("member_debug_crlf_utf16le.txt");
  EXPECT_EQ(r.doc.encoding, text::Encoding::kUtf16Le);
  EXPECT_TRUE(r.diagnostics.empty()) << ::testing::PrintToString(r.messages());
  const std::vector<RpcRegistration>& g = Regs(r);
  ASSERT_EQ(g.size(), 5u);
  EXPECT_EQ(r.inventory.host, "10.0.0.20");
  EXPECT_EQ(g[1].pipe, R"(\pipe\eventlog)");
  EXPECT_EQ(g[1].address_text, R"(\\FS01)");
  EXPECT_EQ(g[3].annotation, "Ausführungsplan für geplante Tasks");
  EXPECT_EQ(g[4].endpoint->ToString(), "10.0.0.20:49666");
  EXPECT_EQ(g[4].source.line, 19u);
}

TEST(RpcdumpReader, OldImpacketWithHostNameInPlaceOfAddress) {
  ReadResult r = ReadFixture("old_0.9.15_trying_protocol.txt");
  const std::vector<RpcRegistration>& g = Regs(r);
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0].host, "fs01");
  EXPECT_EQ(g[0].address_text, "fs01");
  EXPECT_FALSE(g[0].endpoint);
  EXPECT_EQ(g[0].binding, "ncacn_ip_tcp:fs01[49669]");
  EXPECT_EQ(g[0].annotation, "");
  // "Received one endpoint." matches; the name is a note.
  EXPECT_EQ(Where(r), std::vector<std::string>{"rpcdump.named_address@9"});
  EXPECT_EQ(r.diagnostics.skipped(), 0u);
}

TEST(RpcdumpReader, SkipsBadLinesAndGoesOn) {
  ReadResult r = ReadFixture("bad_lines.txt");
  const std::vector<RpcRegistration>& g = Regs(r);
  ASSERT_EQ(g.size(), 3u);
  EXPECT_EQ(g[0].binding, "ncacn_ip_tcp:10.0.0.30[49664]");
  EXPECT_EQ(g[1].protocol, "unknown_proto_0x12");
  EXPECT_EQ(g[1].pipe, "");
  EXPECT_FALSE(g[1].endpoint);
  // A stray line inside a block does not end it.
  EXPECT_EQ(g[2].binding, "ncacn_http:10.0.0.30[49667]");
  EXPECT_EQ(g[2].source.line, 21u);

  EXPECT_EQ(Where(r), (std::vector<std::string>{
                          "rpcdump.bad_uuid@6",
                          "rpcdump.no_interface@8",
                          "rpcdump.bad_port@14",
                          "rpcdump.incomplete_tower@16",
                          "rpcdump.incomplete_tower@17",
                          "rpcdump.bad_binding@19",
                          "rpcdump.not_a_line@20",
                          "rpcdump.bad_uuid@25",
                          "rpcdump.no_interface@27",
                          "rpcdump.count_mismatch@29",
                          "rpcdump.unknown_protocol@18",
                      }));
  EXPECT_EQ(r.diagnostics.skipped(), 10u);
  std::vector<std::string> m = r.messages();
  EXPECT_EQ(m[0], "bad_lines.txt:6: 'NOT-A-UUID v1.0 broken' is not a UUID and a version such "
                  "as '12345778-1234-abcd-ef00-0123456789ac v1.0'");
  EXPECT_EQ(m[1], "bad_lines.txt:8: binding 'ncacn_ip_tcp:10.0.0.30[49664]' skipped: the UUID "
                  "line of its block (line 6) could not be read");
  EXPECT_EQ(m[2], "bad_lines.txt:14: port '99999' of 'ncacn_ip_tcp:10.0.0.30[99999]' is not a "
                  "number from 0 to 65535");
  EXPECT_EQ(m[3], "bad_lines.txt:16: rpcdump could not print this tower whole ('None'): no "
                  "protocol and endpoint to read");
  EXPECT_EQ(m[6], "bad_lines.txt:20: not a line of rpcdump output: 'this line is not from "
                  "rpcdump'");
  EXPECT_EQ(m[9], "bad_lines.txt:29: rpcdump received 12 endpoint(s) but the file lists 9 "
                  "binding(s): 3 missing (output cut short or edited?)");
}

TEST(RpcdumpReader, TruncatedListing) {
  ReadResult r = ReadFixture("truncated.txt");
  ASSERT_EQ(Regs(r).size(), 2u);
  EXPECT_EQ(Where(r), (std::vector<std::string>{"rpcdump.no_bindings@13",
                                                "rpcdump.truncated_block@16",
                                                "rpcdump.no_count@9"}));
  EXPECT_EQ(r.messages()[0],
            "truncated.txt:13: interface 12345778-1234-abcd-ef00-0123456789ac v1.0 has no "
            "bindings (output cut short?)");
  EXPECT_EQ(r.diagnostics.skipped(), 2u);
}

TEST(RpcdumpReader, SeveralRunsInOneFile) {
  ReadResult r = ReadFixture("two_hosts.txt");
  const std::vector<RpcRegistration>& g = Regs(r);
  ASSERT_EQ(g.size(), 3u);
  EXPECT_EQ(g[0].host, "10.0.0.10");
  EXPECT_EQ(g[1].host, "10.0.0.11");
  EXPECT_EQ(g[2].host, "10.0.0.11");
  EXPECT_EQ(r.inventory.host, "10.0.0.10");
  // Each run's count is checked against its own bindings.
  EXPECT_EQ(Where(r), std::vector<std::string>{"rpcdump.several_hosts@13"});
}

TEST(RpcdumpReader, LinesOfEveryShape) {
  ReadResult r = ReadBytes(ReadRpcdump,
                           "[*] Retrieving endpoint list from fe80::1\n"
                           "UUID    : 12345778-1234-abcd-ef00-0123456789ac v1.0 \t spaced \t\n"
                           "Bindings:\n"
                           "ncacn_ip_tcp:10.0.0.5[49700]\n"             // indent lost
                           "\tncacn_ip_tcp:fe80::5[49701]\n"            // tab, IPv6
                           "          ncacn_http:10.0.0.5[593,RpcProxy=gw:443]\n"
                           "          ncacn_nb_tcp:DC01[135]\n"
                           "          ncacn_ip_tcp:0.0.0.0[49702]\n"
                           "\n"
                           "Received 5 endpoints.\n");  // no bullet, as early versions wrote it
  EXPECT_TRUE(r.diagnostics.empty()) << ::testing::PrintToString(r.messages());
  const std::vector<RpcRegistration>& g = Regs(r);
  ASSERT_EQ(g.size(), 5u);
  EXPECT_EQ(g[0].annotation, "spaced");
  EXPECT_EQ(g[0].endpoint->ToString(), "10.0.0.5:49700");
  EXPECT_EQ(g[1].endpoint->ToString(), "[fe80::5]:49701");
  EXPECT_EQ(g[2].endpoint->ToString(), "10.0.0.5:593");
  EXPECT_EQ(g[3].protocol, "ncacn_nb_tcp");
  EXPECT_EQ(g[3].address_text, "DC01");
  EXPECT_FALSE(g[3].endpoint);
  EXPECT_EQ(g[4].endpoint->ToString(), "[fe80::1]:49702");
}

TEST(RpcdumpReader, ReadsGrepExcerpts) {
  // rpcdump.py dc01 | grep -A 6 MS-RPRN: "--" between the matches, no count.
  ReadResult r = ReadBytes(ReadRpcdump,
                           "Protocol: [MS-RPRN]: Print System Remote Protocol \n"
                           "Provider: spoolsv.exe \n"
                           "UUID    : 12345678-1234-ABCD-EF00-0123456789AB v1.0 \n"
                           "Bindings: \n"
                           "          ncacn_ip_tcp:[49670]\n"
                           "          ncalrpc:[LRPC-9d2bd3b4e5f6a7b8c9]\n"
                           "--\n"
                           "Protocol: [MS-PAR]: Print System Asynchronous Remote Protocol \n"
                           "Provider: N/A \n"
                           "UUID    : 76F03F96-CDFD-44FC-A22C-64950A001209 v1.0 \n"
                           "Bindings: \n"
                           "          ncacn_ip_tcp:10.0.0.10[49670]\n");
  const std::vector<RpcRegistration>& g = Regs(r);
  ASSERT_EQ(g.size(), 3u);
  EXPECT_FALSE(g[0].endpoint);  // no address and no host to put in its place
  EXPECT_EQ(g[2].uuid, "76f03f96-cdfd-44fc-a22c-64950a001209");
  EXPECT_EQ(Where(r), (std::vector<std::string>{"rpcdump.no_count@12",
                                                "rpcdump.named_address@5"}));
  // With a host named, an empty address is that host.
  ReadResult named = ReadBytes(ReadRpcdump,
                               "[*] Retrieving endpoint list from 10.0.0.10\n"
                               "UUID    : 12345678-1234-ABCD-EF00-0123456789AB v1.0 \n"
                               "Bindings: \n"
                               "          ncacn_ip_tcp:[49670]\n");
  ASSERT_EQ(Regs(named).size(), 1u);
  EXPECT_EQ(Regs(named)[0].endpoint->ToString(), "10.0.0.10:49670");
  EXPECT_EQ(Regs(named)[0].address_text, "");
}

TEST(RpcdumpReader, CountsAndOtherFindings) {
  // More bindings than received: a note, since nothing was lost.
  ReadResult more = ReadBytes(ReadRpcdump,
                              "UUID    : 12345778-1234-ABCD-EF00-0123456789AC v1.0\n"
                              "Bindings:\n          ncalrpc:[a]\n          ncalrpc:[b]\n\n"
                              "[*] Received one endpoint.\n");
  EXPECT_EQ(Regs(more).size(), 2u);
  EXPECT_EQ(more.messages(), std::vector<std::string>{
                                 "test.txt:6: note: rpcdump received 1 endpoint(s) but the file "
                                 "lists 2 binding(s)"});

  ReadResult traceback = ReadBytes(ReadRpcdump,
                                   "[*] Retrieving endpoint list from dc01\n"
                                   "Traceback (most recent call last):\n"
                                   "  File \"rpcdump.py\", line 90, in dump\n"
                                   "    endpoints[tmpUUID]['annotation'] = entry['annotation']\n"
                                   "UnicodeDecodeError: 'utf-8' codec can't decode byte 0xe4\n"
                                   "[*] No endpoints found.\n");
  EXPECT_EQ(Where(traceback),
            (std::vector<std::string>{"rpcdump.traceback@2", "rpcdump.no_endpoints@6"}));
  EXPECT_EQ(traceback.messages()[0],
            "test.txt:2: rpcdump stopped with a Python error: UnicodeDecodeError: 'utf-8' codec "
            "can't decode byte 0xe4");

  ReadResult old = ReadBytes(
      ReadRpcdump, "Trying protocol 135/TCP...\n"
                   "12345778-1234-ABCD-EF00-0123456789AC/Version: 1\n");
  EXPECT_EQ(Ids(old), std::vector<std::string>{"rpcdump.old_format"});

  ReadResult banner = ReadBytes(ReadRpcdump,
                                "Impacket v0.9.24 - Copyright 2021 SecureAuth Corporation\n\n\n");
  EXPECT_EQ(Where(banner), std::vector<std::string>{"rpcdump.no_listing@1"});
  EXPECT_EQ(banner.diagnostics.skipped(), 0u);

  ReadResult stray = ReadBytes(ReadRpcdump, "Bindings:\n          ncalrpc:[x]\n");
  EXPECT_EQ(Ids(stray), (std::vector<std::string>{"rpcdump.no_interface", "rpcdump.no_count"}));
}

// Cut at every length, the DC listing never yields more than its 28
// registrations, each from a whole binding line, and never a finding past the end.
TEST(RpcdumpReader, CutAtEveryLength) {
  std::string bytes = FixtureBytes("windows_dc_impacket0.11.txt");
  for (size_t n = 0; n <= bytes.size(); ++n) {
    ReadResult r = ReadBytes(ReadRpcdump, std::string_view(bytes).substr(0, n));
    ASSERT_LE(Regs(r).size(), 28u) << n;
    for (const RpcRegistration& g : Regs(r)) {
      ASSERT_GE(g.source.line, 1u);
      ASSERT_LE(g.source.line, r.doc.lines.size());
      ASSERT_EQ(g.uuid.size(), 36u);
    }
    for (const Finding& f : r.diagnostics.findings()) ASSERT_LE(f.where.line, r.doc.lines.size());
  }
}

// The public sample: AutoRecon's rpcdump of a Windows 10 host, impacket 0.9.24.
// Counted independently with grep and awk (see the report of this reader):
// 132 "UUID    :" lines, 351 ten-space-indented binding lines (15 ncacn_ip_tcp,
// 14 ncacn_np, 322 ncalrpc), 7 distinct TCP ports, "[*] Received 351 endpoints."
TEST(RpcdumpCorpus, ServesupListingMatchesItsCount) {
  std::string path = testing::CorpusPath("rpcdump/servesup_autorecon_tcp_135_rpc_rpcdump.txt");
  if (path.empty()) GTEST_SKIP() << "../shared/corpus is not here; corpus test skipped";
  Result<std::string> bytes = text::ReadFileBytes(path);
  ASSERT_TRUE(bytes);
  ReadResult r = ReadBytes(ReadRpcdump, *bytes, "servesup.txt");
  EXPECT_TRUE(r.diagnostics.empty()) << ::testing::PrintToString(r.messages());
  const std::vector<RpcRegistration>& g = Regs(r);
  ASSERT_EQ(g.size(), 351u);
  EXPECT_EQ(r.inventory.host, "servesup");

  std::set<std::tuple<std::string, uint16_t, uint16_t>> interfaces;
  std::set<uint16_t> tcp_ports;
  for (const RpcRegistration& reg : g) {
    EXPECT_EQ(reg.host, "servesup");
    interfaces.emplace(reg.uuid, reg.version_major, reg.version_minor);
    if (reg.endpoint && reg.endpoint->proto == Proto::kTcp) tcp_ports.insert(reg.endpoint->port);
  }
  EXPECT_EQ(interfaces.size(), 132u);
  EXPECT_EQ(CountProtocol(r, "ncacn_ip_tcp"), 15u);
  EXPECT_EQ(CountProtocol(r, "ncacn_np"), 14u);
  EXPECT_EQ(CountProtocol(r, "ncalrpc"), 322u);
  EXPECT_EQ(tcp_ports, (std::set<uint16_t>{49664, 49665, 49666, 49667, 49668, 49670, 49671}));

  EXPECT_EQ(g[0].uuid, "51a227ae-825b-41f2-b4a9-1ac9557a1018");
  EXPECT_EQ(g[0].annotation, "Ngc Pop Key Service");
  EXPECT_EQ(g[0].endpoint->ToString(), "192.168.3.22:49664");
  EXPECT_EQ(g[0].source.line, 8u);
  EXPECT_EQ(g[12].address_text, R"(\\DESKTOP-LCE941G)");
  EXPECT_EQ(g[12].pipe, R"(\pipe\lsass)");

  // Without one binding line the count no longer matches, and says so.
  std::string cut = *bytes;
  size_t audit = cut.find("          ncalrpc:[audit]\n");
  ASSERT_NE(audit, std::string::npos);
  cut.erase(audit, cut.find('\n', audit) + 1 - audit);
  ReadResult short_by_one = ReadBytes(ReadRpcdump, cut, "servesup.txt");
  EXPECT_EQ(Regs(short_by_one).size(), 350u);
  ASSERT_EQ(Ids(short_by_one), std::vector<std::string>{"rpcdump.count_mismatch"});
  EXPECT_EQ(short_by_one.messages()[0],
            "servesup.txt:1014: rpcdump received 351 endpoint(s) but the file lists 350 "
            "binding(s): 1 missing (output cut short or edited?)");
}

TEST(RpcdumpCorpus, BannerOnlyFileReadsAsNothing) {
  std::string path =
      testing::CorpusPath("rpcdump/servesup_autorecon_tcp_49665_rpc_rpcdump_error.txt");
  if (path.empty()) GTEST_SKIP() << "../shared/corpus is not here; corpus test skipped";
  Result<std::string> bytes = text::ReadFileBytes(path);
  ASSERT_TRUE(bytes);
  ReadResult r = ReadBytes(ReadRpcdump, *bytes);
  EXPECT_TRUE(Regs(r).empty());
  EXPECT_EQ(Ids(r), std::vector<std::string>{"rpcdump.no_listing"});
  EXPECT_EQ(r.diagnostics.skipped(), 0u);
}

}  // namespace
}  // namespace highport::ingest
