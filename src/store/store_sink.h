// A TrafficSink that writes to the database in batches: each batch is one
// transaction together with the source's progress, so that a killed process
// leaves the source row saying exactly how far its evidence is stored.
#pragma once

#include <cstdint>
#include <optional>

#include "ingest/traffic_sink.h"
#include "model/result.h"
#include "store/evidence_store.h"

namespace highport::store {

class StoreSink : public ingest::TrafficSink {
 public:
  // Observations from lines up to `skip_through_line` are stored already (a
  // firewall log read again from its start): they are counted, not stored.
  // What is stored also goes to `also` when given (ingest counts the flows
  // it added), each batch once it is committed; what was stored before, or
  // in a batch whose commit failed, does not.
  StoreSink(EvidenceStore& store, SourceRow& source, size_t batch_size,
            uint64_t skip_through_line = 0, ingest::TrafficSink* also = nullptr);

  void OnFlow(const FlowObservation& flow) override;
  void OnRpcRegistration(const RpcRegistration& registration) override;
  void OnLostEvents(uint64_t count, const SourceRef& where) override;

  // Commits what is pending with the source row as it is now. After a
  // failure nothing more is stored and every later call returns the error,
  // unless failed batches are kept (below).
  Result<bool> Flush();

  // A collector runs for weeks, and a commit may fail for a while (another
  // program held the database longer than the busy timeout): then the batch
  // is kept, more is added to it, and the next Flush() (the collector's
  // tick, not every added record: each try waits out the busy timeout)
  // tries again. Only when `max_pending` records wait does a failure stay.
  void KeepFailedBatches(size_t max_pending) { keep_failed_up_to_ = max_pending; }
  bool retrying() const { return retrying_; }

  uint64_t stored() const { return stored_; }
  uint64_t already_stored() const { return already_stored_; }
  size_t pending() const { return batch_.flows.size() + batch_.registrations.size(); }

 private:
  bool Skip(const SourceRef& where) const;
  void MaybeFlush();

  EvidenceStore& store_;
  SourceRow& source_;
  size_t batch_size_;
  uint64_t skip_through_line_;
  ingest::TrafficSink* also_;
  Batch batch_;
  uint64_t reached_line_ = 0;
  uint64_t stored_ = 0;
  uint64_t already_stored_ = 0;
  std::optional<Error> error_;
  size_t keep_failed_up_to_ = 0;  // 0: a failure stays
  bool retrying_ = false;         // the last commit failed; its batch is kept
};

}  // namespace highport::store
