#include "store/ingest_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <utility>
#include <string>

#include "fmt/format.h"

namespace highport::store {
namespace {

// The pid the holder wrote into the lock file, for the message; 0 if none.
long HolderPid(int fd) {
  char text[32] = {};
  const ssize_t n = ::pread(fd, text, sizeof text - 1, 0);
  if (n <= 0) return 0;
  char* end = nullptr;
  const long pid = std::strtol(text, &end, 10);
  return end != text && pid > 0 ? pid : 0;
}

}  // namespace

Result<IngestLock> IngestLock::Take(const std::string& db_path,
                                    const std::function<void(long holder_pid)>& waiting) {
  // One lock per database, whatever the path it is named by (a symlink,
  // a relative path): the real path of what exists of it.
  std::error_code ec;
  const std::filesystem::path real = std::filesystem::weakly_canonical(db_path, ec);
  const std::string path = PathFor(ec ? db_path : real.string());
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0664);
  // (Another user's lock file of a shared database: flock needs no write.)
  if (fd < 0 && errno == EACCES) fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Error{fmt::format("{}: cannot make its ingest lock {}: {}", db_path, path, std::strerror(errno))};
  }
  IngestLock lock(fd);
  int taken = 0;
  while ((taken = ::flock(fd, LOCK_EX | LOCK_NB)) != 0 && errno == EINTR) {
  }
  if (taken != 0) {
    if (errno != EWOULDBLOCK) return Error{fmt::format("{}: {}", path, std::strerror(errno))};
    if (waiting) waiting(HolderPid(fd));
    while ((taken = ::flock(fd, LOCK_EX)) != 0 && errno == EINTR) {
    }
    if (taken != 0) return Error{fmt::format("{}: {}", path, std::strerror(errno))};
  }
  // Who holds it now, for the next one's message (best effort).
  const std::string pid = fmt::format("{}\n", static_cast<long>(::getpid()));
  if (::ftruncate(fd, 0) == 0) {
    [[maybe_unused]] const ssize_t written = ::pwrite(fd, pid.data(), pid.size(), 0);
  }
  return std::move(lock);
}

IngestLock::~IngestLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the lock
}

}  // namespace highport::store
