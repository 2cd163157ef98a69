// The capture reader's throughput, for bench/capture_bench.sh.
//
//   capture_read_bench generate OUT MEGABYTES SEED   writes a realistic pcap
//   capture_read_bench read FILE                     reads it into a counting sink
//   capture_read_bench flows FILE                    reads it into the flow table,
//                                                    as `highport flows` does
//
// The generated capture is what a tap in front of a few Windows servers
// sees: thousands of TCP connections open at once, interleaved, each with
// its handshake, a few request/response exchanges with their ACKs, and a
// FIN from both sides (one in twenty ends in a RST instead); DNS and NTP
// over UDP; and one connection in ten asks the endpoint mapper on 135 for
// DRSUAPI (a real bind and ept_map conversation, made by rpc/'s client and
// fake server) before it connects to the dynamic port it was given.
// Ethernet, classic pcap, microseconds; the same seed gives the same bytes.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "read_bench.h"
#include "fmt/format.h"
#include "ingest/capture.h"
#include "rpc/epm_responder.h"
#include "rpc/epm_session.h"
#include "rpc/ndr.h"

namespace {

using Bytes = std::vector<uint8_t>;

class Random {  // splitmix64: small, and the same everywhere
 public:
  explicit Random(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  unsigned Below(unsigned n) { return static_cast<unsigned>(Next() % n); }

 private:
  uint64_t state_;
};

// One TCP payload of the endpoint-mapper conversation, in order.
struct Message {
  bool from_client = true;
  Bytes bytes;
};

// A bind and an ept_map for DRSUAPI, answered with port 49667.
std::vector<Message> EpmTranscript() {
  using namespace highport::rpc;
  SyntaxId drsuapi{*Uuid::Parse("e3514235-4b06-11d1-ab04-00c04fc2dcd2"), 4, 0};
  EpmEntry entry{Uuid{}, drsuapi, kNdrTransferSyntax, "MS NT Directory DRS Interface",
                 {"ncacn_ip_tcp", "10.1.0.10", uint16_t{49667}, "", {}}};
  EpmQuery query;
  query.kind = EpmQuery::Kind::kMap;
  query.map_interface = drsuapi;
  EpmSession client(query);
  EpmResponder server({entry});
  std::vector<Message> out;
  for (int round = 0; round < 16 && !client.finished(); ++round) {
    Bytes request = client.TakeOutput();
    if (!request.empty()) out.push_back({true, request});
    server.Feed(request);
    Bytes answer = server.TakeOutput();
    if (request.empty() && answer.empty()) break;
    if (!answer.empty()) out.push_back({false, answer});
    client.Feed(answer);
  }
  return out;
}

class PcapWriter {
 public:
  explicit PcapWriter(std::FILE* out) : out_(out) {
    Put32(0xa1b2c3d4);
    Put16(2);
    Put16(4);
    Put32(0);
    Put32(0);
    Put32(65535);
    Put32(1);  // Ethernet
  }
  ~PcapWriter() { Flush(); }

  // An Ethernet/IPv4 frame with a TCP (protocol 6) or UDP (17) header.
  void Packet(int64_t ts_us, uint32_t src, uint32_t dst, uint8_t protocol, uint16_t sport,
              uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags, const uint8_t* payload,
              size_t size) {
    size_t transport = protocol == 6 ? 20 : 8;
    size_t frame = 14 + 20 + transport + size;
    Put32(static_cast<uint32_t>(ts_us / 1000000));
    Put32(static_cast<uint32_t>(ts_us % 1000000));
    Put32(static_cast<uint32_t>(frame));
    Put32(static_cast<uint32_t>(frame));
    static const uint8_t kMacs[] = {0x00, 0x15, 0x5d, 0x01, 0x02, 0x03,
                                    0x00, 0x15, 0x5d, 0x0a, 0x0b, 0x0c};
    buf_.insert(buf_.end(), kMacs, kMacs + sizeof kMacs);
    Put16Be(0x0800);
    buf_.push_back(0x45);
    buf_.push_back(0);
    Put16Be(static_cast<uint16_t>(20 + transport + size));
    Put16Be(static_cast<uint16_t>(id_++));
    Put16Be(0x4000);  // don't fragment
    buf_.push_back(128);
    buf_.push_back(protocol);
    Put16Be(0);
    Put32Be(src);
    Put32Be(dst);
    Put16Be(sport);
    Put16Be(dport);
    if (protocol == 6) {
      Put32Be(seq);
      Put32Be(ack);
      buf_.push_back(0x50);
      buf_.push_back(flags);
      Put16Be(64240);
      Put32Be(0);
    } else {
      Put16Be(static_cast<uint16_t>(8 + size));
      Put16Be(0);
    }
    buf_.insert(buf_.end(), payload, payload + size);
    written_ += 16 + frame;
    if (buf_.size() >= (1 << 20)) Flush();
  }
  uint64_t written() const { return written_; }
  bool Flush() {
    bool ok = std::fwrite(buf_.data(), 1, buf_.size(), out_) == buf_.size();
    buf_.clear();
    return ok;
  }

 private:
  void Put16(uint16_t v) { buf_.insert(buf_.end(), {uint8_t(v), uint8_t(v >> 8)}); }
  void Put32(uint32_t v) { Put16(uint16_t(v)), Put16(uint16_t(v >> 16)); }
  void Put16Be(uint16_t v) { buf_.insert(buf_.end(), {uint8_t(v >> 8), uint8_t(v)}); }
  void Put32Be(uint32_t v) { Put16Be(uint16_t(v >> 16)), Put16Be(uint16_t(v)); }

  std::FILE* out_;
  Bytes buf_;
  uint64_t written_ = 24;
  uint16_t id_ = 0;
};

// One conversation in progress: the packets it still has to send.
struct Conversation {
  uint32_t client = 0, server = 0;
  uint16_t client_port = 0, server_port = 0;
  uint32_t client_seq = 0, server_seq = 0;
  bool udp = false;
  bool epm = false;
  unsigned step = 0;       // packets sent
  unsigned exchanges = 0;  // request/response pairs left (TCP), datagram pairs (UDP)
  unsigned phase = 0;      // TCP: 0 handshake, 1 exchanges, 2 close
  bool rst = false;
  size_t message = 0;       // EPM transcript position
  bool then_dynamic = false;  // after EPM: connect to the port the answer gave
};

class Generator {
 public:
  Generator(std::FILE* out, uint64_t seed) : writer_(out), rng_(seed), epm_(EpmTranscript()) {
    filler_.resize(16384);  // the largest response below, and an offset
    for (size_t i = 0; i < filler_.size(); ++i) filler_[i] = static_cast<uint8_t>(rng_.Next());
  }

  bool Run(uint64_t limit) {
    const size_t kOpen = 4000;  // conversations open at once
    live_.resize(kOpen);
    for (Conversation& c : live_) c = New();
    while (writer_.written() < limit) {
      now_ += 1 + rng_.Below(40);
      Conversation& c = live_[rng_.Below(kOpen)];
      if (!Step(c)) c = c.then_dynamic ? Dynamic(c) : New();
    }
    return writer_.Flush();
  }

 private:
  static constexpr uint32_t kServers = 0x0A01000A;  // 10.1.0.10 .. 10.1.0.17

  Conversation New() {
    Conversation c;
    c.client = 0x0A020000 | (1 + rng_.Below(60)) << 8 | (1 + rng_.Below(250));
    c.server = kServers + rng_.Below(8);
    c.client_port = static_cast<uint16_t>(49152 + rng_.Below(16384));
    c.client_seq = static_cast<uint32_t>(rng_.Next());
    c.server_seq = static_cast<uint32_t>(rng_.Next());
    unsigned kind = rng_.Below(100);
    static const uint16_t kPorts[] = {445, 389, 88, 636, 3268, 443, 5985, 3389, 9389, 80};
    if (kind < 15) {
      c.udp = true;
      c.server_port = kind < 12 ? 53 : 123;
      c.exchanges = 1 + rng_.Below(2);
    } else if (kind < 25) {
      c.epm = true;
      c.server_port = 135;
      c.then_dynamic = true;
    } else {
      c.server_port = kPorts[rng_.Below(10)];
      c.exchanges = 1 + rng_.Below(12);
      c.rst = rng_.Below(20) == 0;
    }
    return c;
  }

  Conversation Dynamic(const Conversation& epm) {
    Conversation c = New();
    c.udp = c.epm = c.then_dynamic = false;
    c.client = epm.client;
    c.server = kServers;
    c.server_port = 49667;
    c.exchanges = 2 + rng_.Below(6);
    c.rst = false;
    return c;
  }

  void Send(Conversation& c, bool from_client, uint8_t flags, size_t size,
            const uint8_t* payload = nullptr) {
    if (!payload) payload = filler_.data() + rng_.Below(64);
    uint32_t& seq = from_client ? c.client_seq : c.server_seq;
    uint32_t ack = flags & 0x10 ? (from_client ? c.server_seq : c.client_seq) : 0;
    if (from_client) {
      writer_.Packet(now_, c.client, c.server, c.udp ? 17 : 6, c.client_port, c.server_port, seq,
                     ack, flags, payload, size);
    } else {
      writer_.Packet(now_, c.server, c.client, c.udp ? 17 : 6, c.server_port, c.client_port, seq,
                     ack, flags, payload, size);
    }
    seq += static_cast<uint32_t>(size) + ((flags & 0x03) ? 1 : 0);  // SYN and FIN count one
    ++c.step;
  }

  // A payload of any size as segments of at most 1460 bytes, then the ACK.
  void SendData(Conversation& c, bool from_client, const uint8_t* data, size_t size) {
    for (size_t at = 0; at < size; at += 1460) {
      Send(c, from_client, 0x18, std::min<size_t>(1460, size - at), data + at);
    }
    Send(c, !from_client, 0x10, 0);
  }

  // The next packet (or exchange) of `c`; false when it has ended.
  bool Step(Conversation& c) {
    if (c.udp) {
      if (c.exchanges == 0) return false;
      Send(c, true, 0, 40 + rng_.Below(30));
      Send(c, false, 0, 60 + rng_.Below(200));
      --c.exchanges;
      return true;
    }
    switch (c.phase) {
      case 0:
        Send(c, true, 0x02, 0);
        Send(c, false, 0x12, 0);
        Send(c, true, 0x10, 0);
        c.phase = 1;
        return true;
      case 1:
        if (c.epm) {
          if (c.message < epm_.size()) {
            const Message& m = epm_[c.message++];
            SendData(c, m.from_client, m.bytes.data(), m.bytes.size());
            return true;
          }
        } else if (c.exchanges > 0) {
          --c.exchanges;
          SendData(c, true, filler_.data(), 80 + rng_.Below(900));
          SendData(c, false, filler_.data(), 60 + rng_.Below(rng_.Below(4) == 0 ? 8000 : 1400));
          return true;
        }
        c.phase = 2;
        if (c.rst) {
          Send(c, false, 0x14, 0);
          return false;
        }
        Send(c, true, 0x11, 0);
        Send(c, false, 0x11, 0);
        Send(c, true, 0x10, 0);
        return false;
    }
    return false;
  }

  PcapWriter writer_;
  Random rng_;
  std::vector<Message> epm_;
  Bytes filler_;
  std::vector<Conversation> live_;
  int64_t now_ = int64_t{1709251200} * 1000000;  // 2024-03-01
};

int Generate(const char* path, uint64_t megabytes, uint64_t seed) {
  std::FILE* out = std::fopen(path, "wb");
  if (!out) {
    std::perror(path);
    return 2;
  }
  bool ok = Generator(out, seed).Run(megabytes << 20);
  return std::fclose(out) == 0 && ok ? 0 : 2;
}

int Read(const char* path, bool flow_table) {
  return highport::bench::TimedRead(
      flow_table,
      [&](highport::ingest::TrafficSink& sink, highport::Diagnostics& diagnostics) {
        return highport::ingest::ReadCaptureFile(path, sink, diagnostics);
      },
      [&](const highport::ingest::CaptureStats& stats, const highport::bench::TimedRun& run) {
        fmt::print("packets {} tcp {} handshakes {} udp {} rpc_pdus {} registrations {} "
                   "findings {} flows {} keys {} checksum {}\n",
                   stats.packets, stats.tcp_connections, stats.tcp_handshakes,
                   stats.udp_conversations, stats.rpc_pdus, stats.rpc_registrations,
                   run.diagnostics.findings().size(), run.counting.flows, run.keys,
                   run.counting.checksum);
        fmt::print("seconds {:.3f} packets/s {:.0f} MB/s {:.0f}\n", run.seconds,
                   static_cast<double>(stats.packets) / run.seconds,
                   static_cast<double>(stats.captured_bytes) / 1e6 / run.seconds);
      });
}

}  // namespace

int main(int argc, char** argv) {
  return highport::bench::ReadBenchMain(argc, argv, "capture_read_bench", Generate, Read);
}
