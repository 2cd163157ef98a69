// plan.json is edited by hand between `highport plan` and `highport emit`:
// any bytes must give a plan or a message, never a crash; an accepted plan
// must write back to a document that reads again to the same plan, and every
// writer must turn it into files without a crash.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "emit/formats.h"
#include "plan/plan_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto plan = highport::plan::PlanFromText(text, "fuzz.json");
  if (!plan) return 0;
  const std::string written = highport::plan::PlanToText(*plan);
  auto again = highport::plan::PlanFromText(written, "again.json");
  if (!again || highport::plan::PlanToText(*again) != written) std::abort();
  (void)highport::emit::WriteAll(*plan);
  return 0;
}
