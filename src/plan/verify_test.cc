#include "plan/verify.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "plan/plan_testing.h"

namespace highport::plan {
namespace {

// dc01 of the sample plan: 10.0.0.10, range 5001-5100, pins NTDS (drsuapi)
// 38901, Netlogon 38902, DFSR 38904; listeners tcp/53 88 135 389 445 636.
// Allow-list: 389/636 from 10.0.1.0/28 and 10.0.2.7/32; 135 and 5001-5100
// from 10.0.1.0/28.
constexpr const char* kDrsuapi = "e3514235-4b06-11d1-ab04-00c04fc2dcd2";
constexpr const char* kNetlogon = "12345678-1234-abcd-ef00-01234567cffb";
constexpr const char* kLsarpc = "12345778-1234-abcd-ef00-0123456789ab";

RpcRegistration Tcp(const char* uuid, uint16_t major, uint16_t port, const char* address = "10.0.0.10") {
  RpcRegistration r;
  r.uuid = uuid;
  r.version_major = major;
  r.protocol = "ncacn_ip_tcp";
  r.endpoint = Endpoint{*IpAddress::Parse(address), Proto::kTcp, port};
  return r;
}

struct Fixture {
  Plan plan = testing::SamplePlan();
  ScanFindings scan;
  EpmFindings epm;
  Fixture() {
    FirewallRule pins;  // the sample plan opens no pinned port; a matching host needs one
    pins.id = "rule:pins";
    pins.servers = {"10.0.0.10"};
    pins.clients = {"10.0.1.0/28"};
    pins.ports = {{38901, 38902}};
    plan.firewall.rules.push_back(pins);
    FirewallRule services;  // nor DNS, Kerberos and SMB, which a DC as planned has open
    services.id = "rule:dc-services";
    services.servers = {"10.0.0.10"};
    services.clients = {"10.0.1.0/28"};
    services.ports = {{53, 53}, {88, 88}, {445, 445}};
    plan.firewall.rules.push_back(services);
    scan.address = "10.0.0.10";
    scan.source_address = "10.0.1.5";  // inside 10.0.1.0/28
    for (const PortRange& r : PortsToVerify(plan, *plan.FindHost("dc01"))) {
      for (uint32_t p = r.first; p <= r.last; ++p) scan.probed.push_back(static_cast<uint16_t>(p));
    }
    scan.open = {53, 88, 135, 389, 445, 636, 5001, 5002, 38901, 38902};
    epm.asked = true;
    epm.status = "ok";
    epm.registrations = {Tcp(kDrsuapi, 4, 38901), Tcp(kNetlogon, 1, 38902), Tcp(kLsarpc, 0, 5001),
                         Tcp(kLsarpc, 0, 5002)};
  }
  HostVerification Run(const VerifyChecks& checks = {}, const char* host = "dc01") const {
    return VerifyHost(plan, *plan.FindHost(host), scan, epm, checks, catalog::Catalog::Get());
  }
};

std::string Texts(const HostVerification& v) {
  std::string out;
  for (const Difference& d : v.differences) out += std::string(DifferenceKindName(d.kind)) + ": " + d.text + "\n";
  return out;
}

TEST(Verify, AHostAsPlannedMatches) {
  Fixture f;
  HostVerification v = f.Run();
  EXPECT_TRUE(v.Matches()) << Texts(v);
  EXPECT_EQ(v.checks.size(), 4u);
  EXPECT_EQ(v.host, "dc01");
}

TEST(Verify, UnexpectedOpenPortNamesTheInterface) {
  Fixture f;
  f.scan.open.push_back(49667);
  f.scan.open.push_back(3389);
  f.epm.registrations.push_back(Tcp(kLsarpc, 0, 49667));
  VerifyChecks only_ports{true, false, false, false};
  HostVerification v = f.Run(only_ports);
  ASSERT_EQ(v.differences.size(), 2u) << Texts(v);
  EXPECT_EQ(v.differences[0].kind, DifferenceKind::kUnexpectedPort);
  EXPECT_EQ(v.differences[0].port, 3389);
  EXPECT_NE(v.differences[0].text.find("tcp/3389 is open but not expected"), std::string::npos);
  EXPECT_NE(v.differences[0].text.find("by the catalog"), std::string::npos) << v.differences[0].text;
  EXPECT_EQ(v.differences[1].port, 49667);
  EXPECT_NE(v.differences[1].text.find("outside the planned range 5001-5100"), std::string::npos);
  EXPECT_NE(v.differences[1].text.find("the endpoint mapper lists lsarpc there"), std::string::npos)
      << v.differences[1].text;
}

// A service that died (or a rule that now blocks it) after the change: its
// static port was in the evidence and is not open now.
TEST(Verify, AStaticListenerThatIsNoLongerOpenIsDrift) {
  Fixture f;
  f.scan.open.erase(std::find(f.scan.open.begin(), f.scan.open.end(), 389));
  HostVerification v = f.Run();
  ASSERT_EQ(v.differences.size(), 1u) << Texts(v);
  EXPECT_EQ(v.differences[0].check, VerifyCheck::kPorts);
  EXPECT_EQ(v.differences[0].kind, DifferenceKind::kListenerClosed);
  EXPECT_EQ(v.differences[0].port, 389);
  EXPECT_NE(v.differences[0].text.find("tcp/389 listened when the evidence was taken and is not "
                                       "open to the scanner now (LDAP"),
            std::string::npos)
      << v.differences[0].text;
  // Not scanned (-p elsewhere): not compared.
  f.scan.probed.erase(std::find(f.scan.probed.begin(), f.scan.probed.end(), 389));
  EXPECT_TRUE(f.Run().Matches()) << Texts(f.Run());
  // A listener the plan stops is expected to be gone.
  Fixture g;
  g.scan.open.erase(std::find(g.scan.open.begin(), g.scan.open.end(), 445));
  MinimiseProposal stop;
  stop.id = "minimise:dc01:LanmanServer";
  stop.host = "dc01";
  stop.service = "LanmanServer";
  stop.listeners = {"tcp/445"};
  g.plan.minimise.push_back(stop);
  EXPECT_TRUE(g.Run({true, false, false, false}).Matches()) << Texts(g.Run());
}

TEST(Verify, RegistrationOutsideTheRangeAndPinElsewhere) {
  Fixture f;
  f.epm.registrations.push_back(Tcp(kLsarpc, 0, 49668));
  f.epm.registrations.push_back(Tcp(kDrsuapi, 4, 49668));
  VerifyChecks only_rpc{false, true, false, false};
  HostVerification v = f.Run(only_rpc);
  ASSERT_EQ(v.differences.size(), 2u) << Texts(v);
  EXPECT_EQ(v.differences[0].kind, DifferenceKind::kRpcOutsideRange);
  EXPECT_EQ(v.differences[0].text,
            "tcp/49668: drsuapi, lsarpc registered with the endpoint mapper outside the planned range "
            "5001-5100 (not open to the scanner)");
  EXPECT_EQ(v.differences[1].kind, DifferenceKind::kPinElsewhere);
  EXPECT_EQ(v.differences[1].port, 38901);
  EXPECT_EQ(v.differences[1].text,
            "drsuapi (pin:dc01:NTDS) is registered on tcp/49668, not only on its pinned port tcp/38901");
}

TEST(Verify, EndpointMapperSilenceIsADifferenceWhereThePlanExpectsRpc) {
  Fixture f;
  f.epm.status = "error";
  f.epm.detail = "connection refused: nothing listens there";
  f.epm.registrations.clear();
  HostVerification v = f.Run({false, true, false, false});
  ASSERT_EQ(v.differences.size(), 1u) << Texts(v);
  EXPECT_EQ(v.differences[0].kind, DifferenceKind::kEpmUnavailable);
  EXPECT_NE(v.differences[0].text.find("connection refused"), std::string::npos);
  // sdc1's plan has a range too; a host with neither only gets a note.
  f.plan.ranges.clear();
  f.plan.pins.clear();
  v = f.Run({false, true, false, false});
  EXPECT_TRUE(v.Matches()) << Texts(v);
  ASSERT_EQ(v.notes.size(), 1u);
  EXPECT_NE(v.notes[0].find("no RPC range or pin"), std::string::npos);
}

TEST(Verify, MinimisedServiceStillListening) {
  Fixture f;
  f.scan.address = "10.0.0.20";
  f.scan.probed.clear();
  for (const PortRange& r : PortsToVerify(f.plan, *f.plan.FindHost("fs01"))) {
    for (uint32_t p = r.first; p <= r.last; ++p) f.scan.probed.push_back(static_cast<uint16_t>(p));
  }
  f.scan.open = {135, 139, 445, 5985, 49670};
  f.epm.registrations.clear();
  HostVerification v = f.Run({false, false, true, false}, "fs01");
  ASSERT_EQ(v.differences.size(), 2u) << Texts(v);
  EXPECT_EQ(v.differences[0].text,
            "Spooler (minimise:fs01:Spooler) still listens on tcp/49670; the plan says: disable");
  EXPECT_EQ(v.differences[1].port, 139);
  EXPECT_EQ(v.differences[1].kind, DifferenceKind::kMinimisedListens);
  // NetBT's UDP ports cannot be seen by a TCP scan: said, not guessed.
  EXPECT_EQ(v.notes.size(), 2u);
  EXPECT_NE(v.notes[0].find("udp/137 not checked"), std::string::npos);
  // The listener tcp/139 is expected by the ports check (the inventory saw it).
  v = f.Run({true, false, false, false}, "fs01");
  ASSERT_EQ(v.differences.size(), 1u) << Texts(v);
  EXPECT_EQ(v.differences[0].port, 49670);
}

TEST(Verify, FirewallNamesTheScannersAddress) {
  Fixture f;
  f.scan.source_address = "10.0.2.7";  // allowed LDAP only
  HostVerification v = f.Run({false, false, false, true});
  std::vector<uint16_t> ports;
  for (const Difference& d : v.differences) ports.push_back(d.port);
  EXPECT_EQ(ports, (std::vector<uint16_t>{53, 88, 135, 445, 5001, 5002, 38901, 38902})) << Texts(v);
  EXPECT_EQ(v.differences[2].text,
            "tcp/135 is reachable from 10.0.2.7; the allow-list does not allow it from there");
  // From the host itself the host firewall is not in the way: a note, no verdict.
  f.scan.source_address = "10.0.0.10";
  v = f.Run({false, false, false, true});
  EXPECT_TRUE(v.Matches()) << Texts(v);
  ASSERT_EQ(v.notes.size(), 1u);
  EXPECT_NE(v.notes[0].find("from the host itself"), std::string::npos);
}

TEST(Verify, ChecksThatAreOffFindNothing) {
  Fixture f;
  f.scan.open.push_back(49667);
  f.scan.source_address = "192.0.2.1";
  f.epm.registrations.push_back(Tcp(kLsarpc, 0, 49667));
  // unexpected-port 49667, rpc-outside-range 49667, and the 11 open ports reachable from 192.0.2.1
  EXPECT_EQ(f.Run().differences.size(), 1u + 1u + 11u) << Texts(f.Run());
  HostVerification none = f.Run({false, false, false, false});
  EXPECT_TRUE(none.Matches());
  EXPECT_TRUE(none.checks.empty());
  HostVerification minimise_only = f.Run({false, false, true, false});
  EXPECT_TRUE(minimise_only.Matches()) << Texts(minimise_only);
  EXPECT_EQ(minimise_only.checks, std::vector<VerifyCheck>{VerifyCheck::kMinimise});
}

TEST(Verify, ParseChecks) {
  auto checks = ParseVerifyChecks("rpc, ports");
  ASSERT_TRUE(checks);
  EXPECT_EQ(checks->List(), (std::vector<VerifyCheck>{VerifyCheck::kPorts, VerifyCheck::kRpc}));
  EXPECT_EQ(ParseVerifyChecks("all")->List().size(), 4u);
  EXPECT_EQ(ParseVerifyChecks("ports,fw").error().message,
            "item 2 'fw' is not a check (ports, rpc, minimise, firewall, or all)");
  EXPECT_EQ(ParseVerifyChecks("rpc,rpc").error().message, "item 2 'rpc' is named twice");
}

TEST(Verify, HostsByNameOrAddress) {
  Plan plan = testing::SamplePlan();
  EXPECT_EQ(FindPlanHost(plan, "dc02")->name, "dc02");
  EXPECT_EQ(FindPlanHost(plan, "fd00::11")->name, "dc02");
  EXPECT_EQ(FindPlanHost(plan, "10.0.0.20")->name, "fs01");
  EXPECT_EQ(FindPlanHost(plan, "10.9.9.9"), nullptr);
  EXPECT_EQ(FindPlanHost(plan, "nosuch"), nullptr);
}

TEST(Verify, PortsToVerifyCoverWhatThePlanSaysAndTheOldDynamicRange) {
  Plan plan = testing::SamplePlan();
  std::vector<PortRange> ports = PortsToVerify(plan, *plan.FindHost("fs01"));
  auto has = [&](uint16_t p) {
    return std::any_of(ports.begin(), ports.end(), [&](const PortRange& r) { return r.Contains(p); });
  };
  for (uint16_t p : {135, 593, 139, 445, 5985, 24158, 49670, 5001, 5100, 1025, 5000}) {
    EXPECT_TRUE(has(p)) << p;
  }
  EXPECT_FALSE(has(49152)) << "fs01's dynamic range is 1025-5000";
}

}  // namespace
}  // namespace highport::plan
