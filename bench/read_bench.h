// What the two reader benchmarks (pfirewall_read_bench, capture_read_bench)
// share: a sink that only counts, the timed read (into that sink, or into
// the real flow table as `highport flows` does), and the command line
// `NAME generate OUT MEGABYTES SEED | NAME read|flows FILE`.
#pragma once

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "analysis/flow_table.h"
#include "catalog/catalog.h"
#include "ingest/traffic_sink.h"
#include "model/diagnostics.h"
#include "report/flows_report.h"

namespace highport::bench {

class CountingSink : public ingest::TrafficSink {
 public:
  void OnFlow(const FlowObservation& flow) override {
    ++flows;
    checksum += flow.dst.port + flow.packets + flow.bytes + static_cast<uint64_t>(flow.first_us);
  }
  void OnRpcRegistration(const RpcRegistration&) override { ++registrations; }
  void OnLostEvents(uint64_t count, const SourceRef&) override { lost += count; }

  uint64_t flows = 0;
  uint64_t registrations = 0;
  uint64_t lost = 0;
  uint64_t checksum = 0;
};

struct TimedRun {
  CountingSink counting;
  Diagnostics diagnostics;
  size_t keys = 0;  // flow-table keys, when read into the flow table
  double seconds = 0;
};

// read(sink, diagnostics) returns the reader's Result; on success, report(stats, run) prints.
template <typename ReadFn, typename ReportFn>
int TimedRead(bool flow_table, ReadFn read, ReportFn report) {
  TimedRun run;
  analysis::FlowTable table(catalog::Catalog::Get(), {});
  ingest::TrafficSink& sink =
      flow_table ? static_cast<ingest::TrafficSink&>(table) : run.counting;
  auto start = std::chrono::steady_clock::now();
  auto stats = read(sink, run.diagnostics);
  if (flow_table) {
    // As `highport flows` does: the compact finish, and each flow read as
    // the writers read it (its view and evidence), summed into the checksum.
    const analysis::FinishedFlows flows = table.FinishCompact();
    report::FlowsReport read;
    read.compact = &flows;
    report::ForEachFlowRef(read, [&](const report::FlowRef& f) {
      run.counting.checksum += f.v.connections + f.v.attempts + f.v.port + f.v.service.size();
      for (size_t k = 0; k < f.v.evidence; ++k) run.counting.checksum += f.Evidence(k).line;
    });
    run.keys = flows.size();
  }
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!stats) {
    std::fprintf(stderr, "%s\n", stats.error().message.c_str());
    return 2;
  }
  report(*stats, run);
  return 0;
}

// generate(path, megabytes, seed) and read(path, flow_table) return exit codes.
template <typename GenerateFn, typename ReadFn>
int ReadBenchMain(int argc, char** argv, const char* name, GenerateFn generate, ReadFn read) {
  std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "generate" && argc == 5) {
    return generate(argv[2], std::strtoull(argv[3], nullptr, 10), std::strtoull(argv[4], nullptr, 10));
  }
  if ((mode == "read" || mode == "flows") && argc == 3) return read(argv[2], mode == "flows");
  std::fprintf(stderr,
               "usage: %s generate OUT MEGABYTES SEED\n"
               "       %s read|flows FILE   (read: into a counting sink; flows: into the flow table)\n",
               name, name);
  return 2;
}

}  // namespace highport::bench
