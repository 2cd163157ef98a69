#include "analysis/rpc_map.h"

#include "analysis/testing.h"
#include "gtest/gtest.h"

namespace highport::analysis {
namespace {

RpcRegistration Tcp(std::string uuid, uint16_t major, std::string annotation, uint16_t port,
                    std::string protocol = "ncacn_ip_tcp") {
  RpcRegistration r;
  r.host = "dc01";
  r.uuid = std::move(uuid);
  r.version_major = major;
  r.annotation = std::move(annotation);
  r.protocol = std::move(protocol);
  r.endpoint = Endpoint{*IpAddress::Parse("10.0.0.5"), Proto::kTcp, port};
  r.address_text = "10.0.0.5";
  r.binding = r.protocol + ":10.0.0.5[" + std::to_string(port) + "]";
  return r;
}

RpcRegistration Pipe(std::string uuid, uint16_t major, std::string pipe) {
  RpcRegistration r;
  r.uuid = std::move(uuid);
  r.version_major = major;
  r.protocol = "ncacn_np";
  r.address_text = "\\\\DC01";
  r.pipe = std::move(pipe);
  r.binding = "ncacn_np:\\\\DC01[" + r.pipe + "]";
  return r;
}

constexpr const char* kNetlogon = "12345678-1234-abcd-ef00-01234567cffb";
constexpr const char* kEpm = "e1af8308-5d1f-11c9-91a4-08002b14a0fa";
constexpr const char* kUnknown = "00000000-1111-2222-3333-444444444444";

TEST(RpcHostMap, GroupsByInterfaceAndVersionAndNamesFromTheCatalog) {
  std::vector<RpcRegistration> regs = {
      Tcp(kEpm, 3, "", 135),
      Tcp(kNetlogon, 1, "", 49664),
      Pipe(kNetlogon, 1, "\\pipe\\lsass"),
      Tcp(kNetlogon, 1, "", 49664),  // listed twice (one per object UUID): kept once
      Tcp(kUnknown, 1, "Vendor agent", 50123),
      Tcp(kUnknown, 2, "", 50124),
      Tcp(kEpm, 3, "", 593, "ncacn_http"),
  };
  RpcHostMap map = BuildRpcHostMap("dc01", regs, kWindowsDynamicRange, testing::TestCatalog());
  EXPECT_EQ(map.entries, 7u);
  ASSERT_EQ(map.interfaces.size(), 4u);
  EXPECT_EQ(map.interfaces[0].Name(), "?");  // the test catalog does not know epmapper
  EXPECT_EQ(map.interfaces[0].bindings.size(), 2u);
  EXPECT_EQ(map.interfaces[1].Name(), "netlogon");
  ASSERT_NE(map.interfaces[1].known, nullptr);
  EXPECT_EQ(map.interfaces[1].known->protocol, "MS-NRPC");
  EXPECT_EQ(map.interfaces[1].bindings.size(), 2u);
  EXPECT_EQ(map.interfaces[2].Name(), "Vendor agent");  // unknown: the annotation names it
  EXPECT_EQ(map.interfaces[3].version_major, 2);        // another version is another group

  ASSERT_EQ(map.tcp_ports.size(), 5u);
  EXPECT_EQ(map.tcp_ports[0].port, 135);
  EXPECT_FALSE(map.tcp_ports[0].dynamic);
  EXPECT_EQ(map.tcp_ports[1].port, 593);
  EXPECT_FALSE(map.tcp_ports[1].dynamic);
  EXPECT_TRUE(map.tcp_ports[1].http);
  EXPECT_EQ(map.tcp_ports[2].port, 49664);
  EXPECT_TRUE(map.tcp_ports[2].dynamic);
  EXPECT_TRUE(map.tcp_ports[2].in_dynamic_range);
  EXPECT_EQ(map.tcp_ports[2].interfaces, std::vector<std::string>{"netlogon"});
  EXPECT_EQ(map.DynamicPortsInRange(), 3u);
}

TEST(RpcHostMap, APortMovedOutOfTheDynamicRangeIsStillRpcButNotInRange) {
  std::vector<RpcRegistration> regs = {Tcp(kNetlogon, 1, "", 5001), Tcp(kUnknown, 1, "x", 5665)};
  RpcHostMap map = BuildRpcHostMap("dc01", regs, kWindowsDynamicRange, testing::TestCatalog());
  ASSERT_EQ(map.tcp_ports.size(), 2u);
  EXPECT_TRUE(map.tcp_ports[0].dynamic);
  EXPECT_FALSE(map.tcp_ports[0].in_dynamic_range);
  EXPECT_EQ(map.DynamicPortsInRange(), 0u);
  // An RPC range laid over a port the catalog gives to an agent: named as a conflict.
  ASSERT_NE(map.tcp_ports[1].known_service, nullptr);
  EXPECT_EQ(map.tcp_ports[1].known_service->key, "icinga");

  RpcHostMap legacy = BuildRpcHostMap("dc01", regs, kLegacyWindowsDynamicRange, testing::TestCatalog());
  EXPECT_EQ(legacy.DynamicPortsInRange(), 0u);
  RpcHostMap old = BuildRpcHostMap("dc01", {Tcp(kNetlogon, 1, "", 1026)}, kLegacyWindowsDynamicRange,
                                   testing::TestCatalog());
  EXPECT_EQ(old.DynamicPortsInRange(), 1u);
}

TEST(RpcHostMap, EmptyListing) {
  RpcHostMap map = BuildRpcHostMap("dc01", {}, kWindowsDynamicRange, testing::TestCatalog());
  EXPECT_EQ(map.entries, 0u);
  EXPECT_TRUE(map.interfaces.empty());
  EXPECT_TRUE(map.tcp_ports.empty());
}

}  // namespace
}  // namespace highport::analysis
