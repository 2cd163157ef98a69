#include "report/report_map.h"

#include <gtest/gtest.h>

#include <chrono>

#include "fmt/format.h"
#include "report/report_test_fixture.h"

namespace highport::report {
namespace {

using testing::Count;

std::vector<ServerView> Views(const testing::Network& n) {
  return BuildServerViews({&n.inventories, &n.flows, &n.peaks, nullptr, nullptr, nullptr});
}

TEST(ReportMap, DrawsServersPortsAndClientGroups) {
  testing::Network n = testing::SmallNetwork();
  std::vector<ServerView> servers = Views(n);
  ASSERT_EQ(servers.size(), 2u);
  Result<MapSvg> map = RenderMapSvg(servers);
  ASSERT_TRUE(map) << map.error().message;
  const std::string& svg = map->svg;
  EXPECT_TRUE(svg.starts_with("<svg role=\"img\"")) << svg.substr(0, 200);
  EXPECT_EQ(svg.find("<?xml"), std::string::npos);
  EXPECT_EQ(svg.find("DOCTYPE"), std::string::npos);
  EXPECT_TRUE(svg.ends_with("</svg>\n") || svg.ends_with("</svg>"));
  // Two server boxes, each with its server node.
  EXPECT_EQ(Count(svg, "class=\"cluster server"), 2u);
  EXPECT_EQ(Count(svg, "class=\"node server\""), 2u);
  // The DC's dynamic port with its interface, problematic; its static port 135.
  EXPECT_NE(svg.find("class=\"node port dynamic problematic\""), std::string::npos);
  EXPECT_NE(svg.find(">tcp/49668</text>"), std::string::npos);
  EXPECT_NE(svg.find(">RPC: drsuapi</text>"), std::string::npos);
  EXPECT_NE(svg.find(">tcp/135</text>"), std::string::npos);
  // 10.0.1.21 and .22 fold into one block; 10.0.2.7 is alone and named.
  EXPECT_NE(svg.find(">10.0.1.0/24</text>"), std::string::npos);
  EXPECT_NE(svg.find(">2 clients</text>"), std::string::npos);
  EXPECT_NE(svg.find(">10.0.2.7</text>"), std::string::npos);
  EXPECT_GE(Count(svg, "class=\"edge flow problematic\""), 2u);
  // The hostile host name is text, escaped by Graphviz.
  EXPECT_EQ(svg.find("<script"), std::string::npos);
  EXPECT_NE(svg.find("dc&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_EQ(map->nodes, 2u /*servers*/ + 4u /*ports*/ + 2u /*client groups*/);
  EXPECT_EQ(Count(svg, "class=\"node "), map->nodes);
  EXPECT_EQ(map->hidden_servers + map->hidden_ports + map->hidden_groups + map->hidden_edges, 0u);
}

TEST(ReportMap, AServerThatIsAClientIsDrawnFromItsBox) {
  testing::Network n = testing::SmallNetwork();
  n.flows.push_back(testing::Flow("10.0.0.20", "10.0.0.10", 135, false, 3));
  Result<MapSvg> map = RenderMapSvg(Views(n));
  ASSERT_TRUE(map) << map.error().message;
  EXPECT_EQ(map->nodes, 8u);  // no client group for 10.0.0.20
  // s0 is the DC (most problematic flows), s1 the file server at 10.0.0.20.
  EXPECT_EQ(Count(map->svg, "<title>s1&#45;&gt;s0p"), 1u) << map->svg;
}

TEST(ReportMap, BoundsALargeNetwork) {
  // 100 servers with 30 dynamic ports each, 400 /24 blocks of clients.
  std::vector<analysis::FlowEntry> flows;
  for (int s = 0; s < 100; ++s) {
    for (int p = 0; p < 30; ++p) {
      for (int c = 0; c < 4; ++c) {
        int block = (s * 30 + p * 4 + c) % 400;
        flows.push_back(testing::Flow(fmt::format("10.{}.{}.{}", 100 + block / 200, block % 200, c + 1),
                                      fmt::format("10.0.{}.{}", s / 200, s % 200 + 1),
                                      static_cast<uint16_t>(49152 + p), true, 1 + c));
      }
    }
  }
  std::vector<ServerView> servers = BuildServerViews({nullptr, &flows, nullptr, nullptr, nullptr, nullptr});
  ASSERT_EQ(servers.size(), 100u);
  MapLimits limits;
  auto start = std::chrono::steady_clock::now();
  Result<MapSvg> map = RenderMapSvg(servers, limits);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(map) << map.error().message;
  size_t bound = limits.max_servers * (1 + limits.max_ports_per_server + 1) + 1 +
                 limits.max_client_groups + 1;
  EXPECT_LE(map->nodes, bound);
  EXPECT_EQ(Count(map->svg, "class=\"node "), map->nodes);
  EXPECT_EQ(map->hidden_servers, 100u - limits.max_servers);
  EXPECT_EQ(map->hidden_ports, limits.max_servers * (30 - limits.max_ports_per_server));
  EXPECT_GT(map->hidden_groups, 0u);
  EXPECT_GT(map->hidden_edges, 0u);
  EXPECT_LE(map->edges, limits.max_edges + limits.max_servers * (limits.max_ports_per_server + 1));
  EXPECT_NE(map->svg.find(fmt::format(">+{} more servers</text>", 100 - limits.max_servers)),
            std::string::npos);
  EXPECT_NE(map->svg.find(">+22 more ports</text>"), std::string::npos);
  EXPECT_NE(map->svg.find("more client groups</text>"), std::string::npos);
  EXPECT_LT(seconds, 5.0) << "layout of " << map->nodes << " nodes took " << seconds << " s";
  std::cerr << "map of 100 servers, 3000 ports, 12000 flows: " << map->nodes << " nodes, "
            << map->edges << " edges, " << seconds << " s\n";
}

TEST(ReportMap, EmptyNetworkStillRenders) {
  Result<MapSvg> map = RenderMapSvg({});
  ASSERT_TRUE(map) << map.error().message;
  EXPECT_NE(map->svg.find("no servers in the evidence"), std::string::npos);
  EXPECT_EQ(map->nodes, 1u);
}

}  // namespace
}  // namespace highport::report
