// PLACEHOLDER: being written; replaced before this lands.
#include "ingest/live_source.h"

namespace highport::ingest {

Result<std::unique_ptr<LiveSource>> MakeLiveSource() {
  return Error{"live source not written yet"};
}

}  // namespace highport::ingest
