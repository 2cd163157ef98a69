#include "ingest/getnet_csv.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "ingest/format.h"
#include "ingest/getnet_csv_fields.h"
#include "ingest/tasklist.h"

namespace highport::ingest {
namespace {

const std::string kFixtureDir =
    std::string(HIGHPORT_SOURCE_DIR) + "/src/ingest/testdata/getnet_csv/";

text::TextDocument Fixture(const std::string& name) {
  Result<std::string> bytes = text::ReadFileBytes(kFixtureDir + name);
  EXPECT_TRUE(bytes.ok()) << (bytes.ok() ? "" : bytes.error().message);
  return text::MakeDocument(name, bytes.ok() ? *bytes : std::string());
}

text::TextDocument Inline(std::vector<std::string> lines) {
  text::TextDocument doc;
  doc.name = "inline.csv";
  doc.lines = std::move(lines);
  return doc;
}

struct Outcome {
  SocketInventory inventory;
  Diagnostics diagnostics;

  const std::vector<Socket>& sockets() const { return inventory.sockets; }
  size_t listeners() const {
    size_t n = 0;
    for (const Socket& s : inventory.sockets) n += s.IsListener() ? 1 : 0;
    return n;
  }
  std::vector<std::string> messages() const {
    std::vector<std::string> out;
    for (const Finding& f : diagnostics.findings()) out.push_back(f.ToString());
    return out;
  }
  std::vector<SocketState> states() const {
    std::vector<SocketState> out;
    for (const Socket& s : inventory.sockets) out.push_back(s.state);
    return out;
  }
  std::vector<std::string> locals() const {
    std::vector<std::string> out;
    for (const Socket& s : inventory.sockets) out.push_back(s.local.ToString());
    return out;
  }
};

Outcome Read(const text::TextDocument& doc) {
  Outcome o;
  ReadGetNetCsv(doc, o.inventory, o.diagnostics);
  return o;
}

std::string Remote(const Socket& s) { return s.remote ? s.remote->ToString() : "none"; }

TEST(GetNetCsv, WindowsPowerShell51TcpExportWithEveryProperty) {
  Outcome o = Read(Fixture("tcp_ps51.csv"));
  EXPECT_TRUE(o.diagnostics.empty()) << testing::PrintToString(o.messages());
  ASSERT_EQ(o.sockets().size(), 10u);
  EXPECT_EQ(o.inventory.lines_read, 10u);
  EXPECT_EQ(o.listeners(), 6u);
  EXPECT_EQ(o.locals(),
            (std::vector<std::string>{"0.0.0.0:135", "[::]:135", "0.0.0.0:445", "0.0.0.0:49664",
                                      "[::]:49668", "[fe80::1%12]:8080", "10.0.0.5:49702",
                                      "10.0.0.5:49710", "0.0.0.0:50000", "127.0.0.1:49670"}));
  for (const Socket& s : o.sockets()) {
    EXPECT_EQ(s.local.proto, Proto::kTcp);
    if (s.IsListener()) {
      EXPECT_FALSE(s.remote) << s.local.ToString();
    }
  }
  const Socket& epm = o.sockets()[0];
  EXPECT_EQ(epm.state, SocketState::kListen);
  EXPECT_EQ(epm.state_text, "Listen");
  EXPECT_EQ(epm.pid, 1024u);
  EXPECT_EQ(epm.source.ToString(), "tcp_ps51.csv:3");
  EXPECT_TRUE(o.sockets()[1].local.address.is_v6());
  EXPECT_EQ(o.sockets()[5].local.address.zone(), "12");
  EXPECT_EQ(o.sockets()[5].pid, 777u);
  const Socket& smb = o.sockets()[6];
  EXPECT_EQ(smb.state, SocketState::kEstablished);
  EXPECT_EQ(Remote(smb), "10.0.0.1:445");
  EXPECT_EQ(smb.pid, 4u);
  EXPECT_EQ(o.sockets()[7].state, SocketState::kTimeWait);
  EXPECT_EQ(Remote(o.sockets()[7]), "10.0.0.10:135");
  EXPECT_EQ(o.sockets()[7].pid, 0u);
  EXPECT_EQ(o.sockets()[8].state, SocketState::kBound);
  EXPECT_EQ(Remote(o.sockets()[8]), "none");
  EXPECT_FALSE(o.sockets()[8].IsListener());
  EXPECT_EQ(Remote(o.sockets()[9]), "127.0.0.1:49671");
}

TEST(GetNetCsv, PowerShell7SelectedColumnsNumericStatesAndProcessName) {
  Outcome o = Read(Fixture("tcp_ps7_numeric.csv"));
  EXPECT_TRUE(o.diagnostics.empty()) << testing::PrintToString(o.messages());
  ASSERT_EQ(o.sockets().size(), 8u);
  EXPECT_EQ(o.states(),
            (std::vector<SocketState>{SocketState::kListen, SocketState::kListen,
                                      SocketState::kListen, SocketState::kEstablished,
                                      SocketState::kTimeWait, SocketState::kBound,
                                      SocketState::kClosed, SocketState::kCloseWait}));
  EXPECT_EQ(o.listeners(), 3u);
  EXPECT_EQ(o.sockets()[0].process, "svchost");
  EXPECT_EQ(o.sockets()[0].pid, 1024u);
  EXPECT_EQ(o.sockets()[0].local.ToString(), "0.0.0.0:135");
  EXPECT_EQ(o.sockets()[1].local.ToString(), "[::]:135");
  EXPECT_EQ(Remote(o.sockets()[3]), "142.250.1.1:443");
  EXPECT_EQ(o.sockets()[3].process, "chrome");
  EXPECT_EQ(o.sockets()[7].process, "my, app");  // quoted because of the comma
  for (const Socket& s : o.sockets()) EXPECT_EQ(s.local.proto, Proto::kTcp);
}

TEST(GetNetCsv, EveryCimStateNumberAndName) {
  const std::vector<std::pair<std::string, SocketState>> cases = {
      {"1", SocketState::kClosed},       {"2", SocketState::kListen},
      {"3", SocketState::kSynSent},      {"4", SocketState::kSynReceived},
      {"5", SocketState::kEstablished},  {"6", SocketState::kFinWait1},
      {"7", SocketState::kFinWait2},     {"8", SocketState::kCloseWait},
      {"9", SocketState::kClosing},      {"10", SocketState::kLastAck},
      {"11", SocketState::kTimeWait},    {"12", SocketState::kClosed},
      {"100", SocketState::kBound},      {"Closed", SocketState::kClosed},
      {"SynSent", SocketState::kSynSent}, {"SynReceived", SocketState::kSynReceived},
      {"FinWait1", SocketState::kFinWait1}, {"FinWait2", SocketState::kFinWait2},
      {"CloseWait", SocketState::kCloseWait}, {"Closing", SocketState::kClosing},
      {"LastAck", SocketState::kLastAck}, {"DeleteTCB", SocketState::kClosed},
      {"listen", SocketState::kListen},
  };
  for (const auto& [state, expected] : cases) {
    Outcome o = Read(Inline({"LocalAddress,LocalPort,RemoteAddress,RemotePort,State,OwningProcess",
                             "10.0.0.5,50000,10.0.0.1,445," + state + ",4"}));
    ASSERT_EQ(o.sockets().size(), 1u) << state;
    EXPECT_EQ(o.sockets()[0].state, expected) << state;
    EXPECT_TRUE(o.diagnostics.empty()) << state;
  }
}

TEST(GetNetCsv, GermanSemicolonsTruncatedTypeLineAndEscapedQuotes) {
  Outcome o = Read(Fixture("tcp_de_semicolon.csv"));
  EXPECT_TRUE(o.diagnostics.empty()) << testing::PrintToString(o.messages());
  ASSERT_EQ(o.sockets().size(), 4u);
  EXPECT_EQ(o.listeners(), 3u);
  EXPECT_EQ(o.locals(), (std::vector<std::string>{"0.0.0.0:135", "[::]:49664", "10.0.0.5:49800",
                                                  "0.0.0.0:8080"}));
  EXPECT_EQ(o.sockets()[1].process, "lsass");
  EXPECT_EQ(o.sockets()[1].pid, 672u);
  EXPECT_EQ(Remote(o.sockets()[2]), "10.0.0.20:389");
  EXPECT_EQ(o.sockets()[3].process, "Tool \"Beta\"; Test");
  for (const Socket& s : o.sockets()) EXPECT_EQ(s.local.proto, Proto::kTcp);  // from the columns
}

TEST(GetNetCsv, UdpEndpointsFromTheTypeLine) {
  Outcome o = Read(Fixture("udp_ps51.csv"));
  EXPECT_TRUE(o.diagnostics.empty()) << testing::PrintToString(o.messages());
  ASSERT_EQ(o.sockets().size(), 5u);
  EXPECT_EQ(o.listeners(), 5u);
  for (const Socket& s : o.sockets()) {
    EXPECT_EQ(s.local.proto, Proto::kUdp);
    EXPECT_EQ(s.state, SocketState::kUnconnected);
    EXPECT_FALSE(s.remote);
  }
  EXPECT_EQ(o.locals(), (std::vector<std::string>{"0.0.0.0:123", "[::]:123", "[fe80::1%12]:546",
                                                  "0.0.0.0:5353", "127.0.0.1:62261"}));
  EXPECT_EQ(o.sockets()[2].pid, 2804u);
}

TEST(GetNetCsv, UdpWithoutTypeLineFromTheColumns) {
  Outcome o = Read(Fixture("udp_ps7.csv"));
  EXPECT_TRUE(o.diagnostics.empty()) << testing::PrintToString(o.messages());
  ASSERT_EQ(o.sockets().size(), 3u);
  EXPECT_EQ(o.listeners(), 3u);
  for (const Socket& s : o.sockets()) EXPECT_EQ(s.local.proto, Proto::kUdp);
  EXPECT_EQ(o.sockets()[1].pid, 3100u);
}

TEST(GetNetCsv, Utf16LeWithBom) {
  text::TextDocument doc = Fixture("tcp_utf16le.csv");
  EXPECT_EQ(doc.encoding, text::Encoding::kUtf16Le);
  Outcome o = Read(doc);
  EXPECT_TRUE(o.diagnostics.empty()) << testing::PrintToString(o.messages());
  EXPECT_EQ(o.locals(),
            (std::vector<std::string>{"0.0.0.0:135", "[::]:445", "10.0.0.5:49702"}));
  EXPECT_EQ(o.listeners(), 2u);
  EXPECT_EQ(o.sockets()[1].pid, 4u);
}

TEST(GetNetCsv, BadRowsAreReportedAndTheRestIsRead) {
  Outcome o = Read(Fixture("tcp_bad_rows.csv"));
  EXPECT_EQ(o.messages(),
            (std::vector<std::string>{
                "tcp_bad_rows.csv:4: local port '99999' is not a port number",
                "tcp_bad_rows.csv:5: local address '10.0.0.300' is not an IP address",
                "tcp_bad_rows.csv:6: row has 5 fields, the header has 6",
                "tcp_bad_rows.csv:7: remote address 'host.example' is not an IP address",
                "tcp_bad_rows.csv:8: OwningProcess 'x4' is not a number",
                "tcp_bad_rows.csv:9: text after a closing quote",
                "tcp_bad_rows.csv:10: unterminated quote",
                "tcp_bad_rows.csv:11: note: state 'Listening' is not a MSFT_NetTCPConnection "
                "state; rows with it were kept with an unknown state",
            }));
  std::vector<std::string> ids;
  for (const Finding& f : o.diagnostics.findings()) ids.push_back(f.id);
  EXPECT_EQ(ids, (std::vector<std::string>{
                     "getnet_csv.bad_port", "getnet_csv.bad_address", "getnet_csv.field_count",
                     "getnet_csv.bad_address", "getnet_csv.bad_pid", "getnet_csv.bad_csv",
                     "getnet_csv.bad_csv", "getnet_csv.unknown_state"}));
  EXPECT_EQ(o.diagnostics.skipped(), 7u);
  EXPECT_EQ(o.locals(),
            (std::vector<std::string>{"0.0.0.0:135", "0.0.0.0:445", "0.0.0.0:139"}));
  EXPECT_EQ(o.states(), (std::vector<SocketState>{SocketState::kListen, SocketState::kUnknown,
                                                  SocketState::kListen}));
  EXPECT_EQ(o.sockets()[1].state_text, "Listening");
}

TEST(GetNetCsv, TwoExportsAppendedAndRowsBeforeAnyHeader) {
  Outcome o = Read(Inline({
      "0.0.0.0,1,2",
      "#TYPE Microsoft.Management.Infrastructure.CimInstance#ROOT/StandardCimv2/"
      "MSFT_NetTCPConnection",
      "\"LocalAddress\",\"LocalPort\",\"RemoteAddress\",\"RemotePort\",\"State\",\"OwningProcess\"",
      "\"0.0.0.0\",\"135\",\"0.0.0.0\",\"0\",\"Listen\",\"1024\"",
      "#TYPE Microsoft.Management.Infrastructure.CimInstance#ROOT/StandardCimv2/"
      "MSFT_NetUDPEndpoint",
      "\"LocalAddress\",\"LocalPort\",\"OwningProcess\"",
      "\"0.0.0.0\",\"123\",\"1440\"",
  }));
  EXPECT_EQ(o.messages(), (std::vector<std::string>{
                              "inline.csv:1: row before a header with LocalAddress and "
                              "LocalPort columns"}));
  ASSERT_EQ(o.sockets().size(), 2u);
  EXPECT_EQ(o.sockets()[0].local.proto, Proto::kTcp);
  EXPECT_EQ(o.sockets()[1].local.proto, Proto::kUdp);
  EXPECT_EQ(o.sockets()[1].source.line, 7u);
}

TEST(GetNetCsvFields, Rfc4180Quoting) {
  using Fields = std::vector<std::string>;
  auto split = [](std::string_view line, char delimiter = ',') {
    Result<Fields> r = SplitCsvRecord(line, delimiter);
    return r.ok() ? *r : Fields{"ERROR: " + r.error().message};
  };
  EXPECT_EQ(split(R"(a,"b,c","d""e",,"")"), (Fields{"a", "b,c", "d\"e", "", ""}));
  EXPECT_EQ(split("a,"), (Fields{"a", ""}));
  EXPECT_EQ(split(""), (Fields{""}));
  EXPECT_EQ(split(R"("x";"y;z";w)", ';'), (Fields{"x", "y;z", "w"}));
  EXPECT_EQ(split(R"(say "hi",b)"), (Fields{"say \"hi\"", "b"}));  // quote inside unquoted
  EXPECT_EQ(split(R"("x)"), (Fields{"ERROR: unterminated quote"}));
  EXPECT_EQ(split(R"("x"y,z)"), (Fields{"ERROR: text after a closing quote"}));
  EXPECT_EQ(DetectCsvDelimiter(R"("a;b","c")"), ',');
  EXPECT_EQ(DetectCsvDelimiter("LocalAddress;LocalPort;OwningProcess"), ';');
  EXPECT_EQ(DetectCsvDelimiter("LocalAddress"), ',');
}

const char* const kGetNetFixtures[] = {
    "tcp_ps51.csv", "tcp_ps7_numeric.csv", "tcp_de_semicolon.csv", "tcp_bad_rows.csv",
    "tcp_utf16le.csv", "udp_ps51.csv", "udp_ps7.csv",
};

TEST(GetNetCsvProbe, HighWhenTheHeaderHasLocalAddressAndLocalPort) {
  for (const char* name : kGetNetFixtures) {
    text::TextDocument doc = Fixture(name);
    EXPECT_GE(ProbeGetNetCsv(doc), 90) << name;
    EXPECT_EQ(DetectFormat(doc), InputFormat::kGetNetTcpCsv) << name;
  }
}

TEST(GetNetCsvProbe, ZeroForNetstatSsAndTasklist) {
  std::vector<text::TextDocument> others = {
      Inline({"", "Active Connections", "",
              "  Proto  Local Address          Foreign Address        State           PID",
              "  TCP    0.0.0.0:135            0.0.0.0:0              LISTENING       1024"}),
      Inline({"Netid  State   Recv-Q Send-Q  Local Address:Port   Peer Address:Port  Process",
              "tcp    LISTEN  0      128     0.0.0.0:22           0.0.0.0:*          "
              "users:((\"sshd\",pid=851,fd=6))"}),
      Inline({"\"Image Name\",\"PID\",\"Services\"", "\"svchost.exe\",\"840\",\"RpcSs\""}),
      Inline({"LocalAddress only,no port"}),
      Inline({}),
  };
  for (const text::TextDocument& doc : others) {
    EXPECT_EQ(ProbeGetNetCsv(doc), 0) << testing::PrintToString(doc.lines);
  }
  // A type line alone hints, but does not claim.
  EXPECT_EQ(ProbeGetNetCsv(Inline({"#TYPE Microsoft.Management.Infrastructure.CimInstance#"
                                   "ROOT/StandardCimv2/MSFT_NetTCPConnection"})),
            40);
}

}  // namespace
}  // namespace highport::ingest
