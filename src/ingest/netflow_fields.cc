// The information elements the decoder reads (RFC 3954 section 8 field
// types, which IPFIX kept as IANA elements 1-127; RFC 7012 and the IANA
// "IPFIX Information Elements" registry for the rest), and how a record's
// values become a FlowObservation.
#include <bit>
#include <cstring>

#include "ingest/netflow_internal.h"

namespace highport::ingest::netflow {
namespace {

constexpr int64_t kNtpToUnixSeconds = 2'208'988'800;  // 1900-01-01 to 1970-01-01

bool IsInteger(uint16_t length) { return length >= 1 && length <= 8; }

// IANA element numbers (enterprise 0).
Field ClassifyIana(uint16_t element, uint16_t length) {
  switch (element) {
    case 8: return length == 4 ? Field::kSrcV4 : Field::kSkip;    // sourceIPv4Address
    case 12: return length == 4 ? Field::kDstV4 : Field::kSkip;   // destinationIPv4Address
    case 27: return length == 16 ? Field::kSrcV6 : Field::kSkip;  // sourceIPv6Address
    case 28: return length == 16 ? Field::kDstV6 : Field::kSkip;  // destinationIPv6Address
    default: break;
  }
  // Everything else is an unsigned integer, which IPFIX may send in fewer
  // bytes than its type (reduced-size encoding, RFC 7011 section 6.2).
  if (!IsInteger(length)) return Field::kSkip;
  switch (element) {
    case 7: case 180: case 182: return Field::kSrcPort;  // sourceTransportPort, udp/tcpSourcePort
    case 11: case 181: case 183: return Field::kDstPort;
    case 4: return Field::kProtocol;                      // protocolIdentifier
    case 6: return Field::kTcpFlags;                      // tcpControlBits (16 bits since RFC 7125)
    case 2: return Field::kPacketDelta;                   // packetDeltaCount (v9 IN_PKTS)
    case 86: return Field::kPacketTotal;                  // packetTotalCount
    case 1: return Field::kOctetDelta;                    // octetDeltaCount (v9 IN_BYTES)
    case 85: return Field::kOctetTotal;                   // octetTotalCount
    // 23/24 (v9 OUT_BYTES/OUT_PKTS, IPFIX postOctet/PacketDeltaCount) count
    // the same packets after the observation point again: not added.
    case 231: return Field::kInitiatorOctets;
    case 232: return Field::kResponderOctets;
    case 298: return Field::kInitiatorPackets;
    case 299: return Field::kResponderPackets;
    case 22: return Field::kStartUptimeMs;                // flowStartSysUpTime / FIRST_SWITCHED
    case 21: return Field::kEndUptimeMs;                  // flowEndSysUpTime / LAST_SWITCHED
    case 150: return Field::kStartSec;
    case 151: return Field::kEndSec;
    case 152: return Field::kStartMs;
    case 153: return Field::kEndMs;
    case 154: case 156: return length == 8 ? Field::kStartNtp : Field::kSkip;
    case 155: case 157: return length == 8 ? Field::kEndNtp : Field::kSkip;
    case 158: return Field::kStartDeltaUs;
    case 159: return Field::kEndDeltaUs;
    case 160: return Field::kSystemInitMs;
    case 239: return Field::kBiflowDirection;
    // samplingInterval (v9 SAMPLING_INTERVAL), samplerRandomInterval (v9
    // FLOW_SAMPLER_RANDOM_INTERVAL), samplingPacketInterval: options data.
    case 34: case 50: case 305: return Field::kSamplingInterval;
    default: return Field::kSkip;
  }
}

}  // namespace

std::string_view FieldName(Field field) {
  static constexpr std::array<std::string_view, static_cast<size_t>(Field::kCount)> kNames = {
      "field", "sourceIPv4Address", "destinationIPv4Address", "sourceIPv6Address",
      "destinationIPv6Address", "sourceTransportPort", "destinationTransportPort",
      "protocolIdentifier", "tcpControlBits", "packetDeltaCount", "packetTotalCount",
      "octetDeltaCount", "octetTotalCount", "reversePacketCount", "reverseOctetCount",
      "reverseTcpControlBits",
      "initiatorOctets", "responderOctets", "initiatorPackets", "responderPackets",
      "flowStartSysUpTime", "flowEndSysUpTime", "flowStartSeconds", "flowEndSeconds",
      "flowStartMilliseconds", "flowEndMilliseconds", "flowStartMicro/Nanoseconds",
      "flowEndMicro/Nanoseconds", "flowStartDeltaMicroseconds", "flowEndDeltaMicroseconds",
      "systemInitTimeMilliseconds", "biflowDirection", "samplingInterval"};
  return kNames[static_cast<size_t>(field)];
}

Field ClassifyField(uint32_t enterprise, uint16_t element, uint16_t length) {
  if (length == 65535) return Field::kSkip;  // variable length: strings and octet arrays only
  if (enterprise == 0) return ClassifyIana(element, length);
  if (enterprise == kEnterpriseReverse && IsInteger(length)) {
    // RFC 5103: the reverse direction of IANA element N is (29305, N).
    switch (element) {
      case 1: case 85: return Field::kReverseOctets;
      case 2: case 86: return Field::kReversePackets;
      case 6: return Field::kReverseTcpFlags;
      default: return Field::kSkip;
    }
  }
  return Field::kSkip;
}

namespace {

// An unsigned integer in network byte order, any width 1-8. The usual widths
// are one load and a byte swap: the loop per byte was a third of decoding a record.
uint64_t BigEndian(std::span<const uint8_t> bytes) {
  if constexpr (std::endian::native == std::endian::little) {
    switch (bytes.size()) {
      case 2: {
        uint16_t v;
        std::memcpy(&v, bytes.data(), 2);
        return __builtin_bswap16(v);
      }
      case 4: {
        uint32_t v;
        std::memcpy(&v, bytes.data(), 4);
        return __builtin_bswap32(v);
      }
      case 8: {
        uint64_t v;
        std::memcpy(&v, bytes.data(), 8);
        return __builtin_bswap64(v);
      }
      default: break;
    }
  }
  uint64_t v = 0;
  for (uint8_t b : bytes) v = (v << 8) | b;
  return v;
}

}  // namespace

void ApplyField(Field field, std::span<const uint8_t> bytes, RawRecord& out) {
  out.present |= uint64_t{1} << static_cast<unsigned>(field);
  switch (field) {
    case Field::kSrcV6: std::memcpy(out.src6.data(), bytes.data(), 16); return;
    case Field::kDstV6: std::memcpy(out.dst6.data(), bytes.data(), 16); return;
    default: break;
  }
  const uint64_t v = BigEndian(bytes);
  switch (field) {
    case Field::kSrcV4: out.src4 = static_cast<uint32_t>(v); return;
    case Field::kDstV4: out.dst4 = static_cast<uint32_t>(v); return;
    default: out.value[static_cast<size_t>(field)] = v; return;
  }
}

namespace {

// dateTimeMicroseconds / dateTimeNanoseconds (RFC 7011 section 6.1.9-10):
// NTP format, seconds since 1900 and a binary fraction. Era 0 ends in
// February 2036; a seconds value below 1970 is read as era 1.
int64_t NtpToUnixUs(uint64_t ntp) {
  int64_t secs = static_cast<int64_t>(ntp >> 32);
  if (secs < kNtpToUnixSeconds) secs += int64_t{1} << 32;
  uint64_t frac_us = ((ntp & 0xffffffffu) * 1'000'000u) >> 32;
  return (secs - kNtpToUnixSeconds) * 1'000'000 + static_cast<int64_t>(frac_us);
}

struct TimeFields {
  Field ms, ntp, sec, delta, uptime;
};

bool OneTime(const RawRecord& r, const TimeFields& f, const PacketClock& clock,
             int64_t system_init_ms, int64_t& out, bool& needed_init) {
  const int64_t export_us =
      int64_t{clock.export_secs} * 1'000'000 + int64_t{clock.export_nsecs / 1000};
  if (r.has(f.ms)) {
    out = static_cast<int64_t>(r.get(f.ms) & kMaxExportedMs) * 1000;
  } else if (r.has(f.ntp)) {
    out = NtpToUnixUs(r.get(f.ntp));
  } else if (r.has(f.sec)) {
    out = static_cast<int64_t>(r.get(f.sec) & 0xffffffffffu) * 1'000'000;
  } else if (r.has(f.delta)) {
    out = export_us - static_cast<int64_t>(r.get(f.delta) & 0xffffffffu);
  } else if (r.has(f.uptime)) {
    auto at = static_cast<uint32_t>(r.get(f.uptime));
    if (clock.has_uptime) {
      // v5/v9: the header says the exporter's uptime at export time; the
      // difference is taken modulo 2^32 so that an uptime wrap still works.
      auto before = static_cast<int32_t>(clock.sys_uptime_ms - at);
      out = export_us - int64_t{before} * 1000;
    } else if (system_init_ms >= 0) {
      out = (system_init_ms + int64_t{at}) * 1000;
    } else {
      out = export_us;  // IPFIX without systemInitTimeMilliseconds: the best there is
      needed_init = true;
    }
  } else {
    return false;
  }
  return true;
}

}  // namespace

RecordTimes ComputeTimes(const RawRecord& r, const PacketClock& clock, int64_t system_init_ms) {
  if (r.has(Field::kSystemInitMs)) {
    system_init_ms = static_cast<int64_t>(r.get(Field::kSystemInitMs) & kMaxExportedMs);
  }
  RecordTimes t;
  bool has_first = OneTime(r,
                           {Field::kStartMs, Field::kStartNtp, Field::kStartSec,
                            Field::kStartDeltaUs, Field::kStartUptimeMs},
                           clock, system_init_ms, t.first_us, t.needed_init_time);
  bool has_last = OneTime(r,
                          {Field::kEndMs, Field::kEndNtp, Field::kEndSec, Field::kEndDeltaUs,
                           Field::kEndUptimeMs},
                          clock, system_init_ms, t.last_us, t.needed_init_time);
  if (!has_first && !has_last) {
    t.first_us = t.last_us =
        int64_t{clock.export_secs} * 1'000'000 + int64_t{clock.export_nsecs / 1000};
  } else if (!has_first) {
    t.first_us = t.last_us;
  } else if (!has_last) {
    t.last_us = t.first_us;
  }
  return t;
}

bool FillObservation(const RawRecord& r, const RecordTimes& times, FlowObservation& obs) {
  const bool v4 = r.has(Field::kSrcV4) && r.has(Field::kDstV4);
  const bool v6 = r.has(Field::kSrcV6) && r.has(Field::kDstV6);
  if (!v4 && !v6) return false;
  // Templates with both families (Cisco IOS XR sends one for all traffic)
  // leave the family the packet did not have at zero.
  if (v4 && (!v6 || r.src4 != 0 || r.dst4 != 0)) {
    obs.src.address = IpAddress::V4(r.src4);
    obs.dst.address = IpAddress::V4(r.dst4);
  } else {
    obs.src.address = IpAddress::V6(r.src6);
    obs.dst.address = IpAddress::V6(r.dst6);
  }
  const bool has_protocol = r.has(Field::kProtocol);
  obs.ip_protocol = has_protocol ? static_cast<uint8_t>(r.get(Field::kProtocol)) : 0;
  // Ports mean something for TCP and UDP only (v5 and many v9 exporters put
  // the ICMP type and code into the destination port).
  const bool ports = !has_protocol || obs.ip_protocol == 6 || obs.ip_protocol == 17;
  obs.src.proto = obs.dst.proto = obs.ip_protocol == 17 ? Proto::kUdp : Proto::kTcp;
  obs.src.port = ports ? static_cast<uint16_t>(r.get(Field::kSrcPort)) : 0;
  obs.dst.port = ports ? static_cast<uint16_t>(r.get(Field::kDstPort)) : 0;
  obs.tcp_flags = static_cast<uint8_t>(r.get(Field::kTcpFlags));  // FIN..CWR, the low byte
  if (!r.has(Field::kSrcPort)) obs.src.port = 0;
  if (!r.has(Field::kDstPort)) obs.dst.port = 0;
  if (!r.has(Field::kTcpFlags)) obs.tcp_flags = 0;
  // A biflow's flags are the conversation's, both ways (as a capture's are):
  // whether the client's SYN was ever answered shows only in both together,
  // and exporters such as softflowd -b order the ends by address, not by
  // who opened the conversation.
  if (r.has(Field::kReverseTcpFlags)) {
    obs.tcp_flags |= static_cast<uint8_t>(r.get(Field::kReverseTcpFlags));
  }

  auto pick = [&](Field delta, Field total) -> uint64_t {
    return r.has(delta) ? r.get(delta) : r.has(total) ? r.get(total) : 0;
  };
  auto sum = [](uint64_t a, uint64_t b) { return a + b < a ? UINT64_MAX : a + b; };
  uint64_t packets = pick(Field::kPacketDelta, Field::kPacketTotal);
  uint64_t octets = pick(Field::kOctetDelta, Field::kOctetTotal);
  const bool initiator_counts = r.has(Field::kInitiatorOctets) ||
                                r.has(Field::kResponderOctets) ||
                                r.has(Field::kInitiatorPackets) || r.has(Field::kResponderPackets);
  if (!r.has(Field::kPacketDelta) && !r.has(Field::kPacketTotal)) {
    packets = sum(r.has(Field::kInitiatorPackets) ? r.get(Field::kInitiatorPackets) : 0,
                  r.has(Field::kResponderPackets) ? r.get(Field::kResponderPackets) : 0);
  }
  if (!r.has(Field::kOctetDelta) && !r.has(Field::kOctetTotal)) {
    octets = sum(r.has(Field::kInitiatorOctets) ? r.get(Field::kInitiatorOctets) : 0,
                 r.has(Field::kResponderOctets) ? r.get(Field::kResponderOctets) : 0);
  }
  // RFC 5103 biflows: the reverse direction's counters belong to the same conversation.
  if (r.has(Field::kReversePackets)) packets = sum(packets, r.get(Field::kReversePackets));
  if (r.has(Field::kReverseOctets)) octets = sum(octets, r.get(Field::kReverseOctets));
  obs.packets = packets;
  obs.bytes = octets;
  obs.one_direction = !r.has(Field::kReversePackets) && !r.has(Field::kReverseOctets) &&
                      !initiator_counts;
  obs.first_us = times.first_us;
  obs.last_us = times.last_us;
  // One record, one conversation, whether a SYN was seen or not; of a
  // one-direction pair, analysis/flow_table counts the client's half.
  obs.connections = 1;
  obs.action = TrafficAction::kObserved;

  // Who opened the conversation:
  // - biflowDirection (IE 239, RFC 5103; IANA registry values): 0 arbitrary (source
  //   and destination say nothing), 1 initiator (the record's source is the
  //   initiator, as far as the metering process could tell), 2
  //   reverseInitiator (the record's destination is the initiator), 3
  //   perimeter (the source is the end outside a perimeter the meter was
  //   configured with; says nothing about who opened it).
  // - initiatorOctets/responderOctets/initiatorPackets/responderPackets
  //   (231/232/298/299) count the bytes and packets from "the device which
  //   triggered the session creation" and from the other end; the exporters
  //   they were registered for (Cisco ASA NSEL, also Palo Alto and Fortinet)
  //   write that initiator as the record's source, so their presence without
  //   biflowDirection means source = initiator.
  // - flowDirection (IE 61, v9 DIRECTION) is deliberately not used: 0 ingress
  //   / 1 egress says on which side of the observation interface the packets
  //   were metered, which says nothing about which end opened the connection.
  obs.initiator = Initiator::kUnknown;
  obs.initiator_evidence = InitiatorEvidence::kNone;
  if (r.has(Field::kBiflowDirection)) {
    uint64_t d = r.get(Field::kBiflowDirection);
    if (d == 1 || d == 2) {
      obs.initiator = d == 1 ? Initiator::kSource : Initiator::kDestination;
      obs.initiator_evidence = InitiatorEvidence::kBiflow;
    }
  } else if (initiator_counts) {
    obs.initiator = Initiator::kSource;
    obs.initiator_evidence = InitiatorEvidence::kBiflow;
  }
  return true;
}

}  // namespace highport::ingest::netflow
