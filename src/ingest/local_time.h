// Windows Firewall logs write the logging host's local time with no zone
// (#Time Format: Local); readers keep it as if it were UTC. NetFlow and
// captures are UTC. Mixed in one flow table, the two clocks disagree by the
// host's offset: first/last seen and the overlaps behind the concurrency
// peak go wrong. --log-timezone names the logs' zone, and LocalTimeSink
// converts their times to UTC on the way into the table.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "ingest/traffic_sink.h"
#include "model/result.h"

namespace highport::ingest {

class LogTimeZone {
 public:
  // "+01:00", "-05:30", "UTC", or an IANA zone with daylight saving time
  // ("Europe/Berlin", looked up in the system's tzdata).
  static Result<LogTimeZone> Parse(std::string_view spec);

  // Microseconds of local wall-clock time (as the readers store it) to UTC.
  // In the hour a DST change skips or repeats, the offset is the one the C
  // library's mktime picks: a log cannot say which of two 02:30s it meant.
  int64_t ToUtc(int64_t local_us);

  const std::string& name() const { return name_; }

 private:
  std::string name_;
  std::optional<int64_t> fixed_offset_us_;  // absent: a named zone
  std::map<int64_t, int64_t> offset_by_hour_;  // local hour -> offset, for named zones
};

// Passes everything on to `next`, with the flows' times converted to UTC.
class LocalTimeSink : public TrafficSink {
 public:
  LocalTimeSink(TrafficSink& next, LogTimeZone& zone) : next_(next), zone_(zone) {}
  void OnFlow(const FlowObservation& flow) override;
  void OnRpcRegistration(const RpcRegistration& r) override { next_.OnRpcRegistration(r); }
  void OnLostEvents(uint64_t count, const SourceRef& where) override {
    next_.OnLostEvents(count, where);
  }

 private:
  TrafficSink& next_;
  LogTimeZone& zone_;
};

}  // namespace highport::ingest
