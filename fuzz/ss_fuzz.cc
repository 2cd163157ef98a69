#include "fuzz_reader.h"
#include "ingest/ss.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  highport::ingest::ProbeSs(highport::text::MakeDocument("fuzz.txt", bytes));
  highport::fuzz::RunReader(data, size, highport::ingest::ReadSs);
  return 0;
}
