// Arbitrary bytes as captured frames through CaptureReader (ingest/capture.h).
// Byte 0 picks the link type (and, with its high bit, reads the input as a
// whole capture file through libpcap instead); byte 1 picks small limits so
// that eviction and timeouts happen; then each frame is a 2-byte length, a
// 1-byte time step and that many bytes. Checks that the counts add up.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "ingest/capture.h"
#include "ingest/collecting_sink.h"
#include "ingest/packet.h"

namespace {

using namespace highport;
using namespace highport::ingest;

constexpr int kLinks[] = {kLinkEthernet, kLinkLinuxSll, kLinkLinuxSll2, kLinkRaw,
                          kLinkRawLinktype, kLinkNull, kLinkLoop, kLinkIpv4, kLinkIpv6, 147};

void Check(bool ok) {
  if (!ok) std::abort();
}

void CheckSink(const CollectingSink& sink, const CaptureStats& s) {
  Check(sink.flows.size() == s.tcp_connections + s.udp_conversations + s.other_flows +
                                 s.netflow.flows);
  Check(sink.registrations.size() == s.rpc_registrations);
  for (const FlowObservation& f : sink.flows) {
    if (f.source.packet != 0) Check(f.source.packet <= s.packets);
    // The conversation table's own flows (offset 0; exported NetFlow records
    // carry the exporter's times, which the NetFlow decoder vouches for).
    if (f.source.offset == 0) Check(f.first_us <= f.last_us && f.packets > 0);
  }
  for (const RpcRegistration& r : sink.registrations) Check(r.endpoint.has_value());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  CollectingSink sink;
  Diagnostics diagnostics;
  CaptureOptions options;
  if (data[1] & 1) {
    options.max_open = 3;
    options.max_epm_streams = 2;
    options.udp_idle_timeout_us = 1'000'000;
    options.tcp_idle_timeout_us = 2'000'000;
    options.tcp_close_linger_us = 500'000;
    options.max_findings = 4;
  }
  options.netflow_auto = (data[1] & 2) == 0;
  std::span<const uint8_t> in(data + 2, size - 2);
  if (data[0] & 0x80) {
    Result<CaptureStats> s = ReadCaptureBytes(in, "fuzz.pcap", sink, diagnostics, options);
    if (s) CheckSink(sink, *s);
    return 0;
  }
  int link = kLinks[data[0] % std::size(kLinks)];
  CaptureReader reader("fuzz.pcap", sink, diagnostics, options);
  uint64_t number = 0;
  int64_t ts = 1'000'000;
  while (in.size() >= 3) {
    size_t n = in[0] | size_t{in[1]} << 8;
    ts += int64_t{in[2]} * 50'000;
    in = in.subspan(3);
    n = std::min(n, in.size());
    reader.ReadPacket(link, ts, in.first(n), ++number);
    Check(reader.open_conversations() <= options.max_open);
    in = in.subspan(n);
  }
  reader.Finish();
  const CaptureStats& s = reader.stats();
  Check(s.packets == number);
  Check(reader.open_conversations() == 0);
  CheckSink(sink, s);
  return 0;
}
