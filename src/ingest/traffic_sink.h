// Where traffic readers put what they read. Traffic inputs are large (a
// firewall log of a gigabyte, a capture of millions of packets), so readers
// stream: each observation goes to the sink at once and the reader keeps
// only what it needs to finish a conversation (open TCP connections, NetFlow
// templates). analysis/flow_table is the real sink; tests collect into
// vectors (CollectingSink).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/observation.h"
#include "model/records.h"

namespace highport::ingest {

class TrafficSink {
 public:
  virtual ~TrafficSink() = default;
  virtual void OnFlow(const FlowObservation& flow) = 0;
  // An endpoint-mapper answer seen in a capture: interface U on port P of host S.
  virtual void OnRpcRegistration(const RpcRegistration& registration) = 0;
  // Events the source says it lost (Windows Firewall INFO-EVENTS-LOST,
  // NetFlow sequence gaps): not flows, but the user must know.
  virtual void OnLostEvents(uint64_t count, const SourceRef& where) = 0;
};

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
