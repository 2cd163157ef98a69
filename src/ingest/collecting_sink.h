// A TrafficSink that keeps everything, for tests, fuzz targets and small
// inputs. In a header of its own: a reader that saw its body would have GCC
// guess that every OnFlow call goes here (speculative devirtualization), a
// compare and spilled registers on each record of a real run.
#pragma once

#include <cstdint>
#include <vector>

#include "ingest/traffic_sink.h"

namespace highport::ingest {

// Keeps everything, for tests and small inputs.
class CollectingSink : public TrafficSink {
 public:
  void OnFlow(const FlowObservation& flow) override { flows.push_back(flow); }
  void OnRpcRegistration(const RpcRegistration& r) override { registrations.push_back(r); }
  void OnLostEvents(uint64_t count, const SourceRef& where) override {
    lost += count;
    lost_where.push_back(where);
  }

  std::vector<FlowObservation> flows;
  std::vector<RpcRegistration> registrations;
  uint64_t lost = 0;
  std::vector<SourceRef> lost_where;
};

}  // namespace highport::ingest
