// Where traffic readers put what they read. Traffic inputs are large (a
// firewall log of a gigabyte, a capture of millions of packets), so readers
// stream: each observation goes to the sink at once and the reader keeps
// only what it needs to finish a conversation (open TCP connections, NetFlow
// templates). analysis/flow_table is the real sink; tests collect into
// vectors (collecting_sink.h, kept out of this header so that no reader's
// code sees a sink with a body and has the compiler guess the call's target).
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

}  // namespace highport::ingest
