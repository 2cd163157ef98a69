#include "ingest/live_source.h"

#ifdef __linux__
#include "ingest/proc_net_source.h"
#endif

namespace highport::ingest {

Result<std::unique_ptr<LiveSource>> MakeLiveSource() {
#ifdef __linux__
  return std::unique_ptr<LiveSource>(std::make_unique<ProcNetSource>());
#else
  // The Windows source (IP Helper API, service control manager) is not written yet.
  return Error{"--live reads /proc and works on Linux only; on Windows, save `netstat -anob` "
               "and `tasklist /svc` output and give the files"};
#endif
}

}  // namespace highport::ingest
