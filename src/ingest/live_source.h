// The live machine as a socket inventory (`highport inventory --live`).
// One small interface so that a Windows source (the IP Helper API for
// sockets, the service control manager for services) can sit beside the
// Linux one; MakeLiveSource picks the one for the platform.
#pragma once

#include <memory>
#include <string>

#include "ingest/socket_inventory.h"
#include "model/result.h"

namespace highport::ingest {

class LiveSource {
 public:
  virtual ~LiveSource() = default;
  virtual std::string_view name() const = 0;  // "/proc"
  // Lists the sockets of this machine with their owners. Entries it cannot
  // read are reported to `diagnostics`; a source that cannot run at all fails.
  virtual Result<SocketInventory> Read(Diagnostics& diagnostics) = 0;
};

// The source for this platform, or an error saying why there is none.
Result<std::unique_ptr<LiveSource>> MakeLiveSource();

}  // namespace highport::ingest
