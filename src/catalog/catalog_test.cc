#include "catalog/catalog.h"

#include <gtest/gtest.h>

#include <set>
#include <tuple>

namespace highport::catalog {
namespace {

std::vector<std::string> Messages(const Catalog& c) {
  std::vector<std::string> out;
  for (const Finding& f : c.findings().findings()) out.push_back(f.ToString());
  return out;
}

TEST(Catalog, CompiledInDataLoadsCleanly) {
  const Catalog& c = Catalog::Get();
  EXPECT_TRUE(c.findings().empty()) << ::testing::PrintToString(Messages(c));
  EXPECT_GE(c.ports().size(), 80u);
  EXPECT_GE(c.rpc_interfaces().size(), 180u);
  EXPECT_GE(c.services().size(), 40u);
}

TEST(Catalog, EveryRowHasASourceAndNoDuplicateKeys) {
  const Catalog& c = Catalog::Get();
  std::set<std::pair<Proto, uint16_t>> ports;
  for (const PortEntry& p : c.ports()) {
    EXPECT_FALSE(p.source.empty()) << p.port;
    EXPECT_FALSE(p.advice.empty()) << p.port;
    EXPECT_TRUE(ports.insert({p.proto, p.port}).second) << "duplicate port row " << p.port;
  }
  std::set<std::tuple<std::string, std::optional<uint16_t>, uint16_t>> interfaces;
  for (const RpcInterfaceEntry& r : c.rpc_interfaces()) {
    EXPECT_FALSE(r.source.empty()) << r.uuid;
    EXPECT_TRUE(interfaces.insert({r.uuid, r.version_major, r.version_minor}).second)
        << "duplicate interface " << r.uuid;
  }
  std::set<std::string> services;
  for (const ServiceEntry& s : c.services()) {
    EXPECT_FALSE(s.source.empty()) << s.service;
    EXPECT_TRUE(services.insert(s.service).second) << "duplicate service " << s.service;
  }
}

// Facts that the verdicts and later the planner rely on
// (../shared/reference/rpc-and-windows.md, sections 5 and 7).
TEST(Catalog, KnowsTheFactsThePlanNeeds) {
  const Catalog& c = Catalog::Get();
  ASSERT_NE(c.FindPort(Proto::kTcp, 135), nullptr);
  EXPECT_EQ(c.FindPort(Proto::kTcp, 135)->key, "epmap");
  ASSERT_NE(c.FindPort(Proto::kTcp, 5665), nullptr);
  EXPECT_EQ(c.FindPort(Proto::kTcp, 5665)->category, PortCategory::kAgent);
  ASSERT_NE(c.FindPort(Proto::kTcp, 5003), nullptr);  // FileMaker, the first seed's conflict
  EXPECT_EQ(c.FindPort(Proto::kUdp, 135), nullptr);

  const RpcInterfaceEntry* drsuapi = c.FindRpcInterface("E3514235-4B06-11D1-AB04-00C04FC2DCD2", 4);
  ASSERT_NE(drsuapi, nullptr);
  EXPECT_EQ(drsuapi->protocol, "MS-DRSR");
  const RpcInterfaceEntry* netlogon = c.FindRpcInterface("12345678-1234-abcd-ef00-01234567cffb");
  ASSERT_NE(netlogon, nullptr);
  EXPECT_EQ(netlogon->protocol, "MS-NRPC");
  ASSERT_NE(c.FindRpcInterface("e1af8308-5d1f-11c9-91a4-08002b14a0fa", 3), nullptr);

  const ServiceEntry* ntds = c.FindService("ntds");
  ASSERT_NE(ntds, nullptr);
  EXPECT_EQ(ntds->pin_value, "TCP/IP Port");
  EXPECT_EQ(ntds->pin_type, "REG_DWORD");
  EXPECT_EQ(ntds->pin_target, "HKLM\\SYSTEM\\CurrentControlSet\\Services\\NTDS\\Parameters");
  const ServiceEntry* netlogon_service = c.FindService("Netlogon");
  ASSERT_NE(netlogon_service, nullptr);
  EXPECT_EQ(netlogon_service->pin_value, "DCTcpipPort");
  const ServiceEntry* ntfrs = c.FindService("NtFrs");
  ASSERT_NE(ntfrs, nullptr);
  EXPECT_EQ(ntfrs->pin_value, "RPC TCP/IP Port Assignment");
}

TEST(Catalog, BadRowsAreReportedWithTheirLine) {
  Catalog c = Catalog::FromText(
      "# comment\nport\tproto\tkey\tname\tcategory\tadvice\tsource\n"
      "135\ttcp\tepmap\tRPC\twindows-core\tx\tKB832017\n"
      "99999\ttcp\tx\tx\tapp\tx\tx\n"
      "80\tsctp\tx\tx\tapp\tx\tx\n"
      "81\ttcp\tx\t\tapp\tx\tx\n"
      "82\ttcp\tx\tapp\tx\n",
      "uuid\tversion\tname\tprotocol\tdescription\tservice\tprocess\tsource\n"
      "E1AF8308-5d1f-11c9-91a4-08002b14a0fa\t3.0\tepm\tC706\tx\tRpcSs\tsvchost.exe\tx\n"
      "e1af8308-5d1f-11c9-91a4-08002b14a0fa\t3\tepm\tC706\tx\tRpcSs\tsvchost.exe\tx\n",
      "wrong\theader\n");
  EXPECT_EQ(c.ports().size(), 1u);
  EXPECT_TRUE(c.rpc_interfaces().empty());
  EXPECT_EQ(Messages(c),
            (std::vector<std::string>{
                "data/ports.tsv:4: bad port, proto or category",
                "data/ports.tsv:5: bad port, proto or category",
                "data/ports.tsv:6: empty field (write '-')",
                "data/ports.tsv:7: 5 fields, expected 7",
                "data/rpc_interfaces.tsv:2: bad uuid or version",
                "data/rpc_interfaces.tsv:3: bad uuid or version",
                "data/windows_services.tsv:1: header does not name the expected 14 columns",
            }));
}

// FindPort's paged index gives, for every protocol and port, what a plain
// search of ports() in file order gives: the first entry of that port, or none.
void ExpectFindPortIsTheFirstEntry(const Catalog& c) {
  for (const Proto proto : {Proto::kTcp, Proto::kUdp}) {
    for (uint32_t port = 0; port <= 65535; ++port) {
      const PortEntry* first = nullptr;
      for (const PortEntry& e : c.ports()) {
        if (e.proto == proto && e.port == port) {
          first = &e;
          break;
        }
      }
      ASSERT_EQ(c.FindPort(proto, static_cast<uint16_t>(port)), first)
          << (proto == Proto::kUdp ? "udp/" : "tcp/") << port;
    }
  }
}

TEST(Catalog, FindPortFindsTheFirstEntryOfEveryPort) {
  ExpectFindPortIsTheFirstEntry(Catalog::Get());
  // The ends of the range and of a page, a port listed twice, both protocols.
  const Catalog c = Catalog::FromText(
      "port\tproto\tkey\tname\tcategory\tadvice\tsource\n"
      "65535\tudp\tlast\tLast\tapp\tx\tx\n"
      "255\ttcp\tend-of-page\tEnd\tapp\tx\tx\n"
      "256\ttcp\tnext-page\tNext\tapp\tx\tx\n"
      "1\ttcp\tfirst\tFirst\tapp\tx\tx\n"
      "256\ttcp\tagain\tAgain\tapp\tx\tx\n"
      "1\tudp\tudp-one\tUdp\tapp\tx\tx\n",
      "", "");
  ASSERT_EQ(c.ports().size(), 6u);
  ExpectFindPortIsTheFirstEntry(c);
  ASSERT_NE(c.FindPort(Proto::kTcp, 256), nullptr);
  EXPECT_EQ(c.FindPort(Proto::kTcp, 256)->key, "next-page");
  EXPECT_EQ(c.FindPort(Proto::kTcp, 65535), nullptr);
  EXPECT_EQ(c.FindPort(Proto::kUdp, 65535)->key, "last");
  // A catalog not made by FromText finds nothing.
  const Catalog empty;
  EXPECT_EQ(empty.FindPort(Proto::kTcp, 135), nullptr);
}

}  // namespace
}  // namespace highport::catalog
