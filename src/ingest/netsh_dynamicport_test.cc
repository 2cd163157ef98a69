#include "ingest/netsh_dynamicport.h"

#include <gtest/gtest.h>

#include "ingest/ingest_test_util.h"

namespace highport::ingest {
namespace {

using testing::ReadBytes;

TEST(NetshDynamicPort, EnglishDefault) {
  auto r = ReadBytes(ReadNetshDynamicPort,
                     "\r\nProtocol tcp Dynamic Port Range\r\n"
                     "---------------------------------\r\n"
                     "Start Port      : 49152\r\nNumber of Ports : 16384\r\n\r\n");
  ASSERT_TRUE(r.inventory.tcp_dynamic_range);
  EXPECT_EQ(r.inventory.tcp_dynamic_range->ToString(), "49152-65535");
  EXPECT_TRUE(r.diagnostics.empty());
}

TEST(NetshDynamicPort, GermanExchangeRange) {
  auto r = ReadBytes(ReadNetshDynamicPort,
                     "\nProtokoll tcp Dynamischer Portbereich\n"
                     "---------------------------------\n"
                     "Startport       : 1025\nAnzahl der Ports : 58976\n");
  ASSERT_TRUE(r.inventory.tcp_dynamic_range);
  EXPECT_EQ(r.inventory.tcp_dynamic_range->ToString(), "1025-60000");
}

TEST(NetshDynamicPort, UdpIsNotedNotUsed) {
  auto r = ReadBytes(ReadNetshDynamicPort,
                     "Protocol udp Dynamic Port Range\n---------------------------------\n"
                     "Start Port      : 49152\nNumber of Ports : 16384\n");
  EXPECT_FALSE(r.inventory.tcp_dynamic_range);
  EXPECT_EQ(r.messages(), std::vector<std::string>{
                              "test.txt:1: note: this is the UDP dynamic range; the TCP range "
                              "decides RPC ports"});
}

TEST(NetshDynamicPort, RangePastTheEndIsRefused) {
  auto r = ReadBytes(ReadNetshDynamicPort,
                     "Protocol tcp Dynamic Port Range\n---------------------------------\n"
                     "Start Port      : 60000\nNumber of Ports : 16384\n");
  EXPECT_FALSE(r.inventory.tcp_dynamic_range);
  EXPECT_EQ(r.messages(), std::vector<std::string>{
                              "test.txt:4: number of ports '16384' does not fit after start port "
                              "60000"});
}

TEST(NetshDynamicPort, ProbeIsSpecific) {
  EXPECT_EQ(ProbeNetshDynamicPort(text::MakeDocument("x", "  TCP  0.0.0.0:135  0.0.0.0:0  LISTENING  4\n")), 0);
  EXPECT_GT(ProbeNetshDynamicPort(text::MakeDocument(
                "x", "Protocol tcp Dynamic Port Range\n----------------\nA : 1\nB : 2\n")),
            50);
}

}  // namespace
}  // namespace highport::ingest
