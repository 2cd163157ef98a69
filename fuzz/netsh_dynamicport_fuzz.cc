#include "fuzz_reader.h"
#include "ingest/netsh_dynamicport.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  highport::fuzz::RunReader(data, size, highport::ingest::ReadNetshDynamicPort);
  return 0;
}
