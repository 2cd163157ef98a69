#include "fuzz_reader.h"
#include "ingest/netstat.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  highport::fuzz::RunReader(data, size, highport::ingest::ReadNetstat);
  return 0;
}
