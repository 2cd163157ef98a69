// The compiled plans (netflow_plan.cc) must change only the speed: every
// fixture, corpus sample and random template decodes to the same flows,
// findings and counters with them as without them (the general path). And
// the IPFIX sequence numbers of exporters that count each message's own
// records (softflowd) are read their way.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "fmt/format.h"
#include "ingest/collecting_sink.h"
#include "ingest/netflow.h"
#include "ingest/netflow_internal.h"
#include "ingest/netflow_test_util.h"
#include "model/byte_cursor.h"

namespace highport::ingest {
namespace {

using testing::DecodePcap;
using testing::DecodeResult;

constexpr uint32_t kExportSecs = 1'600'000'000;

// Everything a FlowObservation says, in one line.
std::string Render(const FlowObservation& f) {
  return fmt::format(
      "{} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {}", f.src.ToString(), f.dst.ToString(),
      f.src.address.zone(), static_cast<int>(f.ip_protocol), f.first_us, f.last_us, f.packets,
      f.bytes, f.connections, static_cast<int>(f.tcp_flags), static_cast<int>(f.initiator),
      static_cast<int>(f.initiator_evidence), static_cast<int>(f.action),
      static_cast<int>(f.local_side), f.one_direction, f.pid.value_or(0), f.source.ToString());
}

struct Outcome {
  std::vector<std::string> lines;  // flows, lost events, findings, counters

  bool operator==(const Outcome&) const = default;
};

// Records every call, so that the order of flows and lost events counts too.
class RenderingSink : public TrafficSink {
 public:
  explicit RenderingSink(Outcome& out) : out_(out) {}
  void OnFlow(const FlowObservation& flow) override { out_.lines.push_back(Render(flow)); }
  void OnRpcRegistration(const RpcRegistration&) override { out_.lines.push_back("rpc"); }
  void OnLostEvents(uint64_t count, const SourceRef& where) override {
    out_.lines.push_back(fmt::format("lost {} at {}", count, where.ToString()));
  }

 private:
  Outcome& out_;
};

struct Datagram {
  std::vector<uint8_t> payload;
  int64_t arrival_us = int64_t{kExportSecs} * 1'000'000;
};

Outcome Decode(const std::vector<Datagram>& datagrams, bool plans) {
  NetflowLimits limits;
  limits.compiled_plans = plans;
  NetflowDecoder decoder(limits);
  Outcome out;
  RenderingSink sink(out);
  Diagnostics diagnostics;
  Endpoint exporter{IpAddress::V4(0x0a0000fe), Proto::kUdp, 2055};
  uint64_t number = 0;
  for (const Datagram& d : datagrams) {
    SourceRef where;
    where.file = "plan.pcap";
    where.packet = ++number;
    decoder.Decode(exporter, d.payload, d.arrival_us, where, sink, diagnostics);
  }
  decoder.Finish(sink, diagnostics);
  for (const Finding& f : diagnostics.findings()) out.lines.push_back(f.ToString());
  const NetflowStats& s = decoder.stats();
  out.lines.push_back(fmt::format("{} {} {} {} {} {} {} {} {} {} {}", s.packets, s.records,
                                  s.flows, s.templates, s.options_records, s.malformed,
                                  s.unknown_template, s.sequence_gaps, s.pending,
                                  s.pending_dropped, s.withdrawn));
  return out;
}

std::vector<Datagram> FromPcap(const std::string& path) {
  std::vector<Datagram> out;
  for (testing::UdpDatagram& d : testing::ReadUdpDatagrams(path)) {
    out.push_back(Datagram{std::move(d.payload), d.time_us});
  }
  return out;
}

TEST(NetflowPlanTest, FixturesAndSamplesDecodeAlikeWithAndWithoutPlans) {
  const std::vector<std::string> files = {
      std::string(HIGHPORT_SOURCE_DIR) + "/tests/testdata/softflowd_mix.pcap",
      std::string(HIGHPORT_SOURCE_DIR) + "/examples/network/netflow-core.pcap",
      std::string(HIGHPORT_SHARED_DIR) + "/corpus/pcap_netflow/akvorado_nfv9_data+templates.pcap",
      std::string(HIGHPORT_SHARED_DIR) +
          "/corpus/pcap_netflow/pmacct_100-IPFIXv10-CISCO_traffic-00.pcap",
      std::string(HIGHPORT_SHARED_DIR) +
          "/corpus/pcap_netflow/pmacct_101-NFv9-CISCO-cust_primitives_traffic-00.pcap",
      std::string(HIGHPORT_SHARED_DIR) +
          "/corpus/pcap_netflow/pmacct_102-NFv9-CISCO-f2rd-pretag-sampling-reload_traffic-00.pcap",
      std::string(HIGHPORT_SHARED_DIR) +
          "/corpus/pcap_netflow/pmacct_104-IPFIXv10-IPv6-CISCO-sampling_option_traffic-00.pcap",
  };
  size_t read = 0;
  for (const std::string& path : files) {
    if (!std::filesystem::exists(path)) continue;
    std::vector<Datagram> datagrams = FromPcap(path);
    ASSERT_FALSE(datagrams.empty()) << path;
    Outcome general = Decode(datagrams, false);
    Outcome planned = Decode(datagrams, true);
    ASSERT_EQ(planned.lines.size(), general.lines.size()) << path;
    for (size_t i = 0; i < general.lines.size(); ++i) {
      ASSERT_EQ(planned.lines[i], general.lines[i]) << path << " line " << i;
    }
    ++read;
  }
  EXPECT_GE(read, 1u);  // the repository's own two at least
}

// A small deterministic generator (the test must fail the same way twice).
class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    state_ = state_ * 6364136223846793005ULL + 1442695040888963407ULL;
    return state_ >> 17;
  }
  uint64_t Below(uint64_t n) { return Next() % n; }

 private:
  uint64_t state_;
};

struct Spec {
  uint16_t element;
  uint16_t length;
  uint32_t enterprise = 0;
};

// A random template: the elements the decoder knows, at their usual and at
// odd widths, sometimes twice, sometimes both address families or none, and
// unknown ones between them.
std::vector<Spec> RandomTemplate(Random& rnd, bool ipfix) {
  static const std::vector<Spec> kCommon = {
      {8, 4},   {12, 4},  {27, 16}, {28, 16}, {7, 2},   {11, 2},  {4, 1},   {6, 1},
      {6, 2},   {2, 4},   {2, 8},   {86, 8},  {1, 4},   {1, 8},   {85, 8},  {22, 4},
      {21, 4},  {150, 4}, {151, 4}, {152, 8}, {153, 8}, {154, 8}, {155, 8}, {158, 4},
      {159, 4}, {10, 4},  {14, 4},  {61, 1},  {5, 1},   {60, 1},  {136, 1}, {32, 2}};
  static const std::vector<Spec> kOdd = {
      {7, 1},   {11, 3},  {4, 2},   {2, 3},   {1, 5},   {2, 1},   {1, 2},   {22, 8},
      {152, 6}, {151, 8}, {8, 2},   {27, 4},  {160, 8}, {239, 1}, {231, 8}, {232, 4},
      {298, 4}, {299, 8}, {34, 4},  {999, 7}, {1, 4, 29305}, {2, 4, 29305}, {6, 1, 29305},
      {5, 3, 9}};
  std::vector<Spec> out;
  // Mostly one family, with both addresses, as exporters send them.
  switch (rnd.Below(8)) {
    case 0: out = {{27, 16}, {28, 16}}; break;
    case 1: out = {{8, 4}, {12, 4}, {27, 16}, {28, 16}}; break;
    case 2: out = {{8, 4}}; break;
    default: out = {{8, 4}, {12, 4}}; break;
  }
  const size_t extra = 1 + rnd.Below(14);
  for (size_t i = 0; i < extra; ++i) {
    Spec s = rnd.Below(4) == 0 ? kOdd[rnd.Below(kOdd.size())] : kCommon[rnd.Below(kCommon.size())];
    if (!ipfix && s.enterprise != 0) continue;  // v9 has no enterprise numbers
    out.insert(out.begin() + static_cast<std::ptrdiff_t>(rnd.Below(out.size() + 1)), s);
  }
  return out;
}

// One message with the template (unless `with_template` is false), an
// options template with systemInitTimeMilliseconds and its record (when
// `init_time`), and a data set of `records` random records plus `padding`.
std::vector<uint8_t> Message(bool ipfix, const std::vector<Spec>& specs, uint32_t sequence,
                             bool with_template, bool init_time, size_t records, size_t padding,
                             Random& rnd) {
  ByteWriter w(ByteOrder::kBig);
  w.U16(ipfix ? 10 : 9);
  w.U16(0);  // IPFIX length or v9 count: patched below
  if (!ipfix) w.U32(static_cast<uint32_t>(rnd.Next()));  // sys_uptime
  w.U32(kExportSecs);
  w.U32(sequence);
  w.U32(3);  // domain
  if (with_template) {
    const size_t at = w.size();
    w.U16(ipfix ? 2 : 0);
    w.U16(0);
    w.U16(300);
    w.U16(static_cast<uint16_t>(specs.size()));
    for (const Spec& s : specs) {
      w.U16(static_cast<uint16_t>(s.element | (s.enterprise != 0 ? 0x8000 : 0)));
      w.U16(s.length);
      if (s.enterprise != 0) w.U32(s.enterprise);
    }
    w.PatchU16(at + 2, static_cast<uint16_t>(w.size() - at));
  }
  if (init_time && ipfix) {
    // Options template 301: scope observationDomainId, systemInitTimeMilliseconds.
    w.U16(3);
    w.U16(18);
    w.U16(301);
    w.U16(2);
    w.U16(1);
    w.U16(149);
    w.U16(4);
    w.U16(160);
    w.U16(8);
    w.U16(301);
    w.U16(16);
    w.U32(3);
    w.U64(uint64_t{kExportSecs - 86'400} * 1000 + rnd.Below(1000));
  }
  const size_t at = w.size();
  w.U16(300);
  w.U16(0);
  for (size_t r = 0; r < records; ++r) {
    for (const Spec& s : specs) {
      for (size_t i = 0; i < s.length; ++i) {
        // Protocols 6 and 17 and small values often, so that both branches run.
        uint8_t byte = static_cast<uint8_t>(rnd.Next());
        if (rnd.Below(3) == 0) byte = rnd.Below(2) ? 6 : 17;
        if (rnd.Below(4) == 0) byte = 0;
        w.U8(byte);
      }
    }
  }
  w.Zeros(padding);
  w.PatchU16(at + 2, static_cast<uint16_t>(w.size() - at));
  if (ipfix) {
    w.PatchU16(2, static_cast<uint16_t>(w.size()));
  } else {
    w.PatchU16(2, static_cast<uint16_t>(records + (with_template ? 1 : 0)));
  }
  return w.Take();
}

TEST(NetflowPlanTest, RandomTemplatesDecodeAlikeWithAndWithoutPlans) {
  Random rnd(20261206);
  for (int round = 0; round < 3000; ++round) {
    const bool ipfix = rnd.Below(2) == 1;
    const std::vector<Spec> specs = RandomTemplate(rnd, ipfix);
    size_t length = 0;
    for (const Spec& s : specs) length += s.length;
    std::vector<Datagram> datagrams;
    uint32_t sequence = static_cast<uint32_t>(rnd.Next());
    const size_t messages = 1 + rnd.Below(3);
    for (size_t m = 0; m < messages; ++m) {
      const size_t records = rnd.Below(std::max<size_t>(1, 1200 / length));
      const size_t padding = rnd.Below(std::min<size_t>(length, 8));
      datagrams.push_back(Datagram{Message(ipfix, specs, sequence, m == 0 || rnd.Below(3) == 0,
                                           rnd.Below(2) == 1, records, padding, rnd)});
      sequence += ipfix ? static_cast<uint32_t>(records + rnd.Below(2)) : 1;
    }
    Outcome general = Decode(datagrams, false);
    Outcome planned = Decode(datagrams, true);
    ASSERT_EQ(planned.lines.size(), general.lines.size()) << "round " << round;
    for (size_t i = 0; i < general.lines.size(); ++i) {
      ASSERT_EQ(planned.lines[i], general.lines[i]) << "round " << round << " line " << i;
    }
  }
}

// Templates of the classic widths (FastPlan::classic: softflowd's, in v9
// and IPFIX, IPv4 and IPv6) in random order, with unknown, enterprise and
// odd-width elements between their fields and some of them twice, read with
// and without plans: the classic loop must give what the general path gives.
TEST(NetflowPlanTest, ClassicTemplatesDecodeAlikeWithAndWithoutPlans) {
  const std::vector<Spec> kV4 = {{8, 4},  {12, 4}, {22, 4}, {21, 4}, {1, 4},  {2, 4},
                                 {10, 4}, {14, 4}, {61, 1}, {136, 1}, {7, 2}, {11, 2},
                                 {4, 1},  {6, 1},  {60, 1}, {5, 1}};
  const std::vector<Spec> kExtra = {{999, 7}, {5, 3, 9}, {15, 4}, {32, 2}, {7, 2}, {4, 1},
                                    {22, 4},  {1, 4},    {2, 4},  {6, 1},  {11, 2}};
  Random rnd(7011);
  int classic = 0, withdrawn = 0;
  for (int round = 0; round < 1500; ++round) {
    const bool ipfix = rnd.Below(2) == 1;
    std::vector<Spec> specs = kV4;
    if (rnd.Below(3) == 0) specs[0] = {27, 16}, specs[1] = {28, 16};
    for (size_t i = specs.size() - 1; i > 0; --i) std::swap(specs[i], specs[rnd.Below(i + 1)]);
    const size_t extra = rnd.Below(4);
    for (size_t i = 0; i < extra; ++i) {
      Spec s = kExtra[rnd.Below(kExtra.size())];
      if (!ipfix && s.enterprise != 0) continue;
      specs.insert(specs.begin() + static_cast<std::ptrdiff_t>(rnd.Below(specs.size() + 1)), s);
    }
    size_t length = 0;
    for (const Spec& s : specs) length += s.length;
    std::vector<Datagram> datagrams;
    uint32_t sequence = static_cast<uint32_t>(rnd.Next());
    const bool init_time = rnd.Below(4) != 0;
    const size_t messages = 1 + rnd.Below(3);
    for (size_t m = 0; m < messages; ++m) {
      const size_t records = rnd.Below(1200 / length + 1);
      const size_t padding = rnd.Below(std::min<size_t>(length, 8));
      datagrams.push_back(
          Datagram{Message(ipfix, specs, sequence, m == 0, init_time, records, padding, rnd)});
      sequence += ipfix ? static_cast<uint32_t>(records + (init_time && m == 0)) : 1;
    }
    if (ipfix && rnd.Below(4) == 0) {
      // The template withdrawn (RFC 7011 section 8.1), then defined again
      // in another order and used.
      ByteWriter w(ByteOrder::kBig);
      for (uint16_t v : {10, 24}) w.U16(v);
      for (uint32_t v : {kExportSecs, sequence, 3u}) w.U32(v);
      for (uint16_t v : {2, 8, 300, 0}) w.U16(v);
      datagrams.push_back(Datagram{w.Take()});
      std::vector<Spec> again = specs;
      std::swap(again.front(), again.back());
      datagrams.push_back(Datagram{Message(ipfix, again, sequence, true, init_time,
                                           rnd.Below(1200 / length + 1), 0, rnd)});
    }
    netflow::Template t;
    std::vector<netflow::FieldSpec> fields;
    for (const Spec& s : specs) fields.push_back({s.enterprise, s.element, s.length});
    ASSERT_EQ(netflow::CompileTemplate(300, false, fields, t), "");
    classic += t.plan.classic;
    Outcome general = Decode(datagrams, false);
    withdrawn += general.lines.back().ends_with(" 1");
    Outcome planned = Decode(datagrams, true);
    ASSERT_EQ(planned.lines.size(), general.lines.size()) << "round " << round;
    for (size_t i = 0; i < general.lines.size(); ++i) {
      ASSERT_EQ(planned.lines[i], general.lines[i]) << "round " << round << " line " << i;
    }
  }
  EXPECT_GE(classic, 500);   // most rounds take the classic loop
  EXPECT_GE(withdrawn, 50);  // and some withdraw their template
}

// An IPFIX message as softflowd 1.1.0 builds one: with `refresh`, its
// template, its options template and one options data record first; then a
// data set of `flows` records. `sequence` is written as given.
std::vector<uint8_t> SoftflowdLike(uint32_t sequence, bool refresh, int flows) {
  ByteWriter w(ByteOrder::kBig);
  w.U16(10);
  w.U16(0);
  w.U32(kExportSecs);
  w.U32(sequence);
  w.U32(1);
  if (refresh) {
    w.U16(2);  // template 257: addresses, ports, protocol
    w.U16(28);
    w.U16(257);
    w.U16(5);
    for (uint16_t field : {8, 4, 12, 4, 7, 2, 11, 2, 4, 1}) w.U16(field);
    w.U16(3);  // options template 258: observationDomainId, systemInitTimeMilliseconds
    w.U16(18);
    w.U16(258);
    w.U16(2);
    w.U16(1);
    for (uint16_t field : {149, 4, 160, 8}) w.U16(field);
    w.U16(258);
    w.U16(16);
    w.U32(1);
    w.U64(uint64_t{kExportSecs - 3600} * 1000);
  }
  w.U16(257);
  w.U16(static_cast<uint16_t>(4 + 13 * flows));
  for (int i = 0; i < flows; ++i) {
    w.U32(0x0a000001 + static_cast<uint32_t>(i));
    w.U32(0x0a000101);
    w.U16(static_cast<uint16_t>(50000 + i));
    w.U16(135);
    w.U8(6);
  }
  w.PatchU16(2, static_cast<uint16_t>(w.size()));
  return w.Take();
}

struct Fed {
  NetflowDecoder decoder;
  CollectingSink sink;
  Diagnostics diagnostics;
  uint64_t packet = 0;

  void Feed(const std::vector<uint8_t>& bytes) {
    SourceRef where;
    where.file = "softflowd.pcap";
    where.packet = ++packet;
    decoder.Decode(Endpoint{IpAddress::V4(0x7f000001), Proto::kUdp, 40000}, bytes,
                   int64_t{kExportSecs} * 1'000'000, where, sink, diagnostics);
  }
  std::vector<std::string> Lines() const {
    std::vector<std::string> out;
    for (const Finding& f : diagnostics.findings()) out.push_back(f.id + ": " + f.ToString());
    return out;
  }
};

// softflowd writes records sent up to and including this message's flow
// records (options data left out): 2 after the first message of 2 flows.
// RFC 7011 (section 10.3.2, erratum 4396 to section 3.1) would have 0 there,
// then 3 (2 flows and the options record). Read the RFC way, every message
// whose count differs from the one before it looked like a loss.
TEST(NetflowPlanTest, IpfixExporterThatCountsItsOwnRecordsLosesNothing) {
  Fed r;
  r.Feed(SoftflowdLike(2, true, 2));
  r.Feed(SoftflowdLike(6, false, 4));   // the RFC reading expects 5
  r.Feed(SoftflowdLike(8, true, 2));    // 6 + 2
  r.Feed(SoftflowdLike(12, false, 4));  // 8 + 4
  EXPECT_EQ(r.sink.flows.size(), 12u);
  EXPECT_EQ(r.sink.lost, 0u);
  EXPECT_EQ(r.decoder.stats().sequence_gaps, 0u);
  ASSERT_EQ(r.diagnostics.findings().size(), 1u);
  EXPECT_EQ(r.diagnostics.findings()[0].id, "netflow.sequence_counts_own_records");
  EXPECT_EQ(r.diagnostics.findings()[0].ToString(),
            "softflowd.pcap:packet 2+8: note: sequence 6 is the previous one, 2, plus this "
            "message's 4 flow records: the exporter counts each message's own records (as "
            "softflowd does), where RFC 7011 counts the records before the message; read that "
            "way, nothing was lost (domain 1)")
      << r.Lines()[0];

  // A real loss is still found, and counted its way: 12 + 3 lost + 4.
  r.Feed(SoftflowdLike(19, false, 4));
  EXPECT_EQ(r.sink.lost, 3u);
  EXPECT_EQ(r.decoder.stats().sequence_gaps, 1u);
  ASSERT_EQ(r.diagnostics.findings().size(), 2u);
  EXPECT_EQ(r.diagnostics.findings()[1].reason,
            "sequence 19 where 16 was expected: 3 data records lost (exporter 127.0.0.1:40000, domain 1)");
}

// The same messages numbered as RFC 7011 says: no finding at all, and a
// loss counted the RFC way.
TEST(NetflowPlanTest, IpfixExporterThatFollowsTheRfcIsReadTheRfcWay) {
  Fed r;
  r.Feed(SoftflowdLike(0, true, 2));
  r.Feed(SoftflowdLike(3, false, 4));
  r.Feed(SoftflowdLike(7, true, 2));
  r.Feed(SoftflowdLike(10, false, 4));
  EXPECT_EQ(r.sink.lost, 0u);
  EXPECT_TRUE(r.diagnostics.findings().empty()) << r.Lines()[0];
  r.Feed(SoftflowdLike(16, false, 4));  // 10 + 4 + 2 lost
  EXPECT_EQ(r.sink.lost, 2u);
  ASSERT_EQ(r.diagnostics.findings().size(), 1u);
  EXPECT_EQ(r.diagnostics.findings()[0].reason,
            "sequence 16 where 14 was expected: 2 data records lost (exporter 127.0.0.1:40000, domain 1)");
}

}  // namespace
}  // namespace highport::ingest
