// The NetFlow/IPFIX decoder on arbitrary bytes: the input is a sequence of
// export packets, each a two-byte big-endian length and that many bytes
// (the last one takes what is left), from one of two exporters (the top bit
// of the length), fed to one decoder with small limits so that the caps are
// reached, then Finish. Invariants: every flow names a packet that was fed
// and a byte offset inside it, every finding has a netflow id and a reason,
// the counters agree with what the sink got; a crash, a sanitizer report or
// an abort is a bug.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "ingest/collecting_sink.h"
#include "ingest/netflow.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace highport;
  using namespace highport::ingest;
  NetflowLimits limits;
  limits.max_templates_per_exporter = 8;
  limits.max_pending_packets_per_exporter = 4;
  limits.pending_max_age_us = 1'000'000;
  limits.max_exporters = 2;
  NetflowDecoder decoder(limits);
  CollectingSink sink;
  Diagnostics diagnostics;
  std::vector<size_t> sizes;  // of each packet, by number - 1

  std::span<const uint8_t> rest(data, size);
  int64_t now = 1'600'000'000'000'000;
  while (rest.size() >= 2) {
    size_t length = (size_t{rest[0]} << 8 | rest[1]) & 0x7fff;
    uint16_t port = (rest[0] & 0x80) != 0 ? 2056 : 2055;
    rest = rest.subspan(2);
    if (length > rest.size()) length = rest.size();
    std::span<const uint8_t> payload = rest.first(length);
    rest = rest.subspan(length);
    sizes.push_back(payload.size());
    SourceRef where;
    where.file = "fuzz.pcap";
    where.packet = sizes.size();
    now += 400'000;
    (void)LooksLikeNetflow(payload);
    decoder.Decode(Endpoint{IpAddress::V4(0x0a000001), Proto::kUdp, port}, payload, now, where,
                   sink, diagnostics);
  }
  decoder.Finish(sink, diagnostics);

  const NetflowStats& s = decoder.stats();
  if (s.packets != sizes.size()) std::abort();
  if (s.flows != sink.flows.size()) std::abort();
  if (s.flows + s.options_records > s.records) std::abort();
  if (s.pending_dropped > s.unknown_template) std::abort();
  for (const FlowObservation& f : sink.flows) {
    if (f.source.packet == 0 || f.source.packet > sizes.size()) std::abort();
    if (f.source.offset >= sizes[f.source.packet - 1]) std::abort();
    if (f.connections != 1) std::abort();
  }
  for (const Finding& f : diagnostics.findings()) {
    if (f.id.rfind("netflow.", 0) != 0 || f.reason.empty()) std::abort();
    if (f.where.packet > sizes.size()) std::abort();
    if (f.where.packet != 0 && f.where.offset > sizes[f.where.packet - 1]) std::abort();
  }
  return 0;
}
