// The asio client against real loopback sockets: a fake endpoint mapper
// (EpmTestServer) for each end-of-list form, refusals, silence and closed
// ports, and many hosts with a bound on open connections.
#include "net/epm_client.h"

#include "gtest/gtest.h"
#include "net/epm_test_server.h"

namespace highport::net {
namespace {

using asio::ip::tcp;
using std::chrono::milliseconds;

tcp::endpoint Loopback(uint16_t port = 0) { return {asio::ip::make_address("127.0.0.1"), port}; }

Target TargetOf(const tcp::endpoint& e) { return {e.address().to_string(), e.port()}; }

EpmClientOptions FastOptions() {
  EpmClientOptions o;
  o.connect_timeout = milliseconds(2000);
  o.read_timeout = milliseconds(2000);
  o.host_deadline = milliseconds(10000);
  return o;
}

class EndOfListForms : public ::testing::TestWithParam<rpc::EndOfList> {};

TEST_P(EndOfListForms, EveryEntryArrivesOverTcp) {
  EpmTestServerOptions server_options;
  server_options.entries = SampleDcListing("0.0.0.0", 120);
  server_options.responder.end_of_list = GetParam();
  server_options.responder.batch_limit = 50;
  server_options.responder.max_frag = 1024;  // fragmented responses
  EpmTestServer server({Loopback()}, server_options);

  std::vector<EpmHostResult> results =
      LookupEndpointMappers({TargetOf(server.endpoints()[0])}, FastOptions());
  ASSERT_EQ(results.size(), 1u);
  const EpmHostResult& r = results[0];
  EXPECT_EQ(r.status, HostStatus::kOk) << r.detail;
  EXPECT_EQ(r.entries.size(), 120u);
  EXPECT_EQ(r.address, "127.0.0.1");

  // Towers that said 0.0.0.0 name the host that was asked.
  std::vector<RpcRegistration> regs = ToRegistrations(r);
  ASSERT_EQ(regs.size(), 120u);
  ASSERT_TRUE(regs[0].endpoint.has_value());
  EXPECT_EQ(regs[0].endpoint->address.ToString(), "127.0.0.1");
  EXPECT_EQ(regs[0].endpoint->port, 49664);
  EXPECT_EQ(regs[0].protocol, "ncacn_ip_tcp");
  EXPECT_EQ(regs[0].uuid, "e3514235-4b06-11d1-ab04-00c04fc2dcd2");
  EXPECT_EQ(regs[0].annotation, "MS NT Directory DRS Interface");
  EXPECT_EQ(regs[1].pipe, "\\PIPE\\lsass");
  EXPECT_EQ(regs[1].source.ToString(), "epm://" + TargetOf(server.endpoints()[0]).ToString() + ":2");
}

INSTANTIATE_TEST_SUITE_P(Forms, EndOfListForms,
                         ::testing::Values(rpc::EndOfList::kWindows, rpc::EndOfList::kSambaDc,
                                           rpc::EndOfList::kSambaMember));

TEST(EpmClient, AnonymousLookupDeniedIsRefused) {
  EpmTestServerOptions server_options;
  server_options.entries = SampleDcListing("0.0.0.0", 3);
  server_options.responder.deny_lookup = true;
  EpmTestServer server({Loopback()}, server_options);
  EpmHostResult r = LookupEndpointMappers({TargetOf(server.endpoints()[0])}, FastOptions())[0];
  EXPECT_EQ(r.status, HostStatus::kRefused);
  EXPECT_EQ(r.detail, "anonymous lookup refused: fault 0x00000005 (access denied) on ept_lookup call 1");
}

TEST(EpmClient, BindNakIsRefused) {
  EpmTestServerOptions server_options;
  server_options.responder.refuse_bind = true;
  EpmTestServer server({Loopback()}, server_options);
  EpmHostResult r = LookupEndpointMappers({TargetOf(server.endpoints()[0])}, FastOptions())[0];
  EXPECT_EQ(r.status, HostStatus::kRefused);
  EXPECT_NE(r.detail.find("bind_nak"), std::string::npos) << r.detail;
}

TEST(EpmClient, ASilentServerTimesOut) {
  EpmTestServerOptions server_options;
  server_options.silent = true;
  EpmTestServer server({Loopback()}, server_options);
  EpmClientOptions options = FastOptions();
  options.read_timeout = milliseconds(200);
  EpmHostResult r = LookupEndpointMappers({TargetOf(server.endpoints()[0])}, options)[0];
  EXPECT_EQ(r.status, HostStatus::kTimeout);
  EXPECT_EQ(r.detail, "no answer within 0.2 s");
}

TEST(EpmClient, AClosedPortIsAnErrorThatSaysSo) {
  // Bind a port, then close it: nothing listens there afterwards.
  uint16_t port = 0;
  {
    asio::io_context io;
    tcp::acceptor acceptor(io, Loopback());
    port = acceptor.local_endpoint().port();
  }
  EpmHostResult r = LookupEndpointMappers({{"127.0.0.1", port}}, FastOptions())[0];
  EXPECT_EQ(r.status, HostStatus::kError);
  EXPECT_EQ(r.detail, "connection refused: nothing listens there");
}

// A name goes through the resolver; "localhost" comes from /etc/hosts, so
// no test query leaves the machine.
TEST(EpmClient, ANameIsResolved) {
  EpmTestServerOptions server_options;
  server_options.entries = SampleDcListing("0.0.0.0", 4);
  EpmTestServer server({Loopback()}, server_options);
  EpmHostResult r =
      LookupEndpointMappers({{"localhost", server.endpoints()[0].port()}}, FastOptions())[0];
  EXPECT_EQ(r.status, HostStatus::kOk) << r.detail;
  EXPECT_EQ(r.entries.size(), 4u);
  EXPECT_EQ(r.address, "127.0.0.1");
}

TEST(EpmClient, ManyHostsInOrderWithBoundedConcurrency) {
  EpmTestServerOptions server_options;
  server_options.entries = SampleDcListing("0.0.0.0", 10);
  server_options.delay = milliseconds(20);
  std::vector<tcp::endpoint> endpoints(12, Loopback());
  EpmTestServer server(endpoints, server_options);
  std::vector<Target> targets;
  for (const tcp::endpoint& e : server.endpoints()) targets.push_back(TargetOf(e));

  EpmClientOptions options = FastOptions();
  options.concurrency = 3;
  size_t progress_calls = 0;
  auto started = std::chrono::steady_clock::now();
  std::vector<EpmHostResult> results =
      LookupEndpointMappers(targets, options, [&](size_t done, size_t total) {
        ++progress_calls;
        EXPECT_LE(done, total);
      });
  auto elapsed = std::chrono::steady_clock::now() - started;
  ASSERT_EQ(results.size(), 12u);
  for (size_t i = 0; i < results.size(); ++i) {
    EXPECT_EQ(results[i].target.port, targets[i].port) << "results keep the order of the targets";
    EXPECT_EQ(results[i].status, HostStatus::kOk) << results[i].detail;
    EXPECT_EQ(results[i].entries.size(), 10u);
  }
  EXPECT_EQ(progress_calls, 12u);
  EXPECT_EQ(server.connections(), 12u);
  // Each host takes two answers of 20 ms; three at a time makes four rounds
  // at least. Faster would mean more than three connections were open.
  EXPECT_GE(elapsed, milliseconds(4 * 2 * 20));
}

}  // namespace
}  // namespace highport::net
