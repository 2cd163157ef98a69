#include "store/store_sink.h"

#include <algorithm>

namespace highport::store {

StoreSink::StoreSink(EvidenceStore& store, SourceRow& source, size_t batch_size,
                     uint64_t skip_through_line, ingest::TrafficSink* also)
    : store_(store),
      source_(source),
      batch_size_(std::max<size_t>(batch_size, 1)),
      skip_through_line_(skip_through_line),
      also_(also) {}

bool StoreSink::Skip(const SourceRef& where) const {
  return where.line != 0 && where.line <= skip_through_line_;
}

void StoreSink::OnFlow(const FlowObservation& flow) {
  if (Skip(flow.source)) {
    ++already_stored_;
    return;
  }
  if (error_) return;
  batch_.flows.push_back(flow);
  reached_line_ = std::max(reached_line_, flow.source.line);
  MaybeFlush();
}

void StoreSink::OnRpcRegistration(const RpcRegistration& registration) {
  if (error_) return;
  batch_.registrations.push_back(registration);
  MaybeFlush();
}

void StoreSink::OnLostEvents(uint64_t count, const SourceRef& where) {
  if (Skip(where) || error_) return;
  batch_.lost.emplace_back(count, where);
  reached_line_ = std::max(reached_line_, where.line);
}

void StoreSink::MaybeFlush() {
  if (pending() >= batch_size_ && !retrying_) (void)Flush();
}

Result<bool> StoreSink::Flush() {
  if (error_) return *error_;
  uint64_t adding = batch_.flows.size() + batch_.registrations.size();
  // A text source's rows arrive in line order: every line up to the last one
  // in this batch is now stored.
  const uint64_t done_before = source_.done_line;
  source_.done_line = std::max(source_.done_line, reached_line_);
  source_.stored += adding;
  Result<bool> committed = store_.Commit(batch_, source_);
  if (!committed) {
    source_.stored -= adding;
    source_.done_line = done_before;
    if (pending() < keep_failed_up_to_) {
      retrying_ = true;
      return committed.error();
    }
    error_ = committed.error();
    return *error_;
  }
  retrying_ = false;
  stored_ += adding;
  // Only what was committed counts as what this run stored (a batch whose
  // commit failed is not in the database, nor in ingest's flow count).
  if (also_) {
    for (const RpcRegistration& r : batch_.registrations) also_->OnRpcRegistration(r);
    for (const FlowObservation& f : batch_.flows) also_->OnFlow(f);
    for (const auto& [count, where] : batch_.lost) also_->OnLostEvents(count, where);
  }
  batch_ = Batch{};
  return true;
}

}  // namespace highport::store
