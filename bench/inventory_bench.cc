// How fast the inventory path reads what administrators hand it: decoding
// (UTF-16LE, CP850), the netstat reader, and the join with verdicts. The input
// is a synthetic netstat -ano of a busy server: N rows, one in eight listening.
#include <benchmark/benchmark.h>

#include <string>

#include "analysis/inventory.h"
#include "fmt/format.h"
#include "ingest/netstat.h"
#include "text/document.h"

namespace {

std::string BusyServerNetstat(int rows) {
  std::string out = "\r\nActive Connections\r\n\r\n  Proto  Local Address          Foreign Address        State           PID\r\n";
  for (int i = 0; i < rows; ++i) {
    if (i % 8 == 0) {
      out += fmt::format("  TCP    0.0.0.0:{:<17} 0.0.0.0:0              LISTENING       {}\r\n",
                         49152 + i % 16000, 600 + i % 50);
    } else {
      out += fmt::format("  TCP    10.0.{}.{}:{:<12} 10.1.{}.{}:{:<12} ESTABLISHED     {}\r\n",
                         i % 250, i % 200, 49152 + i % 16000, i % 7, i % 250, 1024 + i % 4000,
                         600 + i % 50);
    }
  }
  return out;
}

std::string ToUtf16Le(const std::string& ascii) {
  std::string out = "\xFF\xFE";
  for (char c : ascii) {
    out += c;
    out += '\0';
  }
  return out;
}

void BM_DecodeAndReadNetstat(benchmark::State& state, bool utf16) {
  std::string bytes = BusyServerNetstat(static_cast<int>(state.range(0)));
  if (utf16) bytes = ToUtf16Le(bytes);
  for (auto _ : state) {
    highport::text::TextDocument doc = highport::text::MakeDocument("bench.txt", bytes);
    highport::ingest::SocketInventory out;
    highport::Diagnostics diagnostics;
    highport::ingest::ReadNetstat(doc, out, diagnostics);
    benchmark::DoNotOptimize(out.sockets.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes.size()));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK_CAPTURE(BM_DecodeAndReadNetstat, ascii, false)->Arg(10'000)->Arg(100'000);
BENCHMARK_CAPTURE(BM_DecodeAndReadNetstat, utf16le, true)->Arg(10'000)->Arg(100'000);

void BM_BuildInventory(benchmark::State& state) {
  std::string bytes = BusyServerNetstat(static_cast<int>(state.range(0)));
  highport::text::TextDocument doc = highport::text::MakeDocument("bench.txt", bytes);
  highport::ingest::SocketInventory netstat;
  highport::Diagnostics diagnostics;
  highport::ingest::ReadNetstat(doc, netstat, diagnostics);
  const highport::catalog::Catalog& catalog = highport::catalog::Catalog::Get();
  for (auto _ : state) {
    highport::analysis::HostInventory inv =
        highport::analysis::BuildInventory({netstat}, highport::Host{}, catalog);
    benchmark::DoNotOptimize(inv.entries.data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_BuildInventory)->Arg(10'000)->Arg(100'000);

}  // namespace
