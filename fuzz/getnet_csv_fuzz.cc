#include "fuzz_reader.h"
#include "ingest/getnet_csv.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  highport::fuzz::RunReader(data, size, highport::ingest::ReadGetNetCsv);
  return 0;
}
