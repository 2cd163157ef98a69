// The NetFlow v9 and IPFIX decoder on a realistic export stream: one packet
// of templates, then data packets of 30 records each (the usual export
// packet, ~1400 bytes), decoded into a sink that only counts. Reports
// records per second (items_per_second). Build: cmake -B build-bench
// -DHIGHPORT_BENCH=ON -DCMAKE_BUILD_TYPE=Release; run
// build-bench/bench/netflow_bench.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "ingest/netflow.h"
#include "model/byte_cursor.h"

namespace {

using highport::ByteOrder;
using highport::ByteWriter;
using namespace highport::ingest;

class CountingSink : public TrafficSink {
 public:
  void OnFlow(const highport::FlowObservation& flow) override {
    ++flows;
    bytes += flow.bytes;
  }
  void OnRpcRegistration(const highport::RpcRegistration&) override {}
  void OnLostEvents(uint64_t, const highport::SourceRef&) override {}
  uint64_t flows = 0, bytes = 0;
};

struct Field {
  uint16_t type, length;
};
// A Cisco-like template: addresses, ports, counters, times, interfaces, AS,
// masks, next hop, ToS, direction (17 fields, 49 bytes a record).
const std::vector<Field> kV9Fields = {{8, 4},  {12, 4}, {15, 4}, {10, 4}, {14, 4}, {2, 4},
                                      {1, 4},  {22, 4}, {21, 4}, {7, 2},  {11, 2}, {6, 1},
                                      {4, 1},  {5, 1},  {16, 4}, {17, 4}, {61, 1}};
// IPFIX: 64-bit counters, absolute milliseconds, biflowDirection (16 fields, 54 bytes).
const std::vector<Field> kIpfixFields = {{8, 4},   {12, 4},  {15, 4},  {10, 4}, {14, 4}, {2, 8},
                                         {1, 8},   {152, 8}, {153, 8}, {7, 2},  {11, 2}, {6, 1},
                                         {4, 1},   {5, 1},   {239, 1}, {61, 1}};
constexpr int kRecords = 30;
constexpr int kDataPackets = 1000;

void Record(ByteWriter& w, const std::vector<Field>& fields, uint32_t i) {
  for (const Field& f : fields) {
    uint64_t v = f.type == 8 ? 0x0a000000u + (i & 0xffff) : f.type == 12 ? 0x0a010000u + i % 97 : i;
    if (f.type == 152 || f.type == 153) v = 1'600'000'000'000ull + i;
    for (int b = f.length - 1; b >= 0; --b) w.U8(static_cast<uint8_t>(v >> (8 * b)));
  }
}

std::vector<std::vector<uint8_t>> Stream(bool ipfix) {
  const std::vector<Field>& fields = ipfix ? kIpfixFields : kV9Fields;
  std::vector<std::vector<uint8_t>> packets;
  auto header = [&](ByteWriter& w, uint32_t sequence) {
    w.U16(ipfix ? 10 : 9);
    w.U16(0);  // count or length, patched
    if (!ipfix) w.U32(3'600'000);
    w.U32(1'600'000'000);
    w.U32(sequence);
    w.U32(1);
  };
  auto finish = [&](ByteWriter& w, uint16_t count) {
    w.PatchU16(2, ipfix ? static_cast<uint16_t>(w.size()) : count);
    packets.push_back(w.Take());
  };
  ByteWriter t(ByteOrder::kBig);
  header(t, ipfix ? 0 : 0);
  t.U16(ipfix ? 2 : 0);
  t.U16(static_cast<uint16_t>(8 + 4 * fields.size()));
  t.U16(256);
  t.U16(static_cast<uint16_t>(fields.size()));
  for (const Field& f : fields) {
    t.U16(f.type);
    t.U16(f.length);
  }
  finish(t, 1);
  uint32_t record = 0;
  for (int p = 0; p < kDataPackets; ++p) {
    ByteWriter w(ByteOrder::kBig);
    header(w, ipfix ? record : static_cast<uint32_t>(p + 1));
    w.U16(256);
    size_t length_at = w.size();
    w.U16(0);
    for (int r = 0; r < kRecords; ++r) Record(w, fields, record++);
    w.Align(4);
    w.PatchU16(length_at, static_cast<uint16_t>(w.size() - length_at + 2));
    finish(w, kRecords);
  }
  return packets;
}

void Decode(benchmark::State& state, bool ipfix) {
  const std::vector<std::vector<uint8_t>> packets = Stream(ipfix);
  const highport::Endpoint exporter{highport::IpAddress::V4(0x0a0000fe), highport::Proto::kUdp,
                                    2055};
  highport::SourceRef where;
  where.file = "bench.pcap";
  uint64_t records = 0;
  for (auto _ : state) {
    NetflowDecoder decoder;
    CountingSink sink;
    highport::Diagnostics diagnostics;
    for (const std::vector<uint8_t>& p : packets) {
      ++where.packet;
      decoder.Decode(exporter, p, 0, where, sink, diagnostics);
    }
    if (sink.flows != uint64_t{kRecords} * kDataPackets || !diagnostics.empty()) {
      state.SkipWithError("the stream did not decode");
      return;
    }
    records += sink.flows;
    benchmark::DoNotOptimize(sink.bytes);
  }
  state.SetItemsProcessed(static_cast<int64_t>(records));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(packets.size() * packets[1].size()));
}

void BM_NetflowV9(benchmark::State& state) { Decode(state, false); }
void BM_Ipfix(benchmark::State& state) { Decode(state, true); }
BENCHMARK(BM_NetflowV9)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Ipfix)->Unit(benchmark::kMillisecond);

}  // namespace
