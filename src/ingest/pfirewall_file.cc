// Firewall log files into the push parser. A regular file is mapped a
// window of 4 MiB at a time and its bytes given to the parser where they lie
// in the page cache: read() would copy each byte once more, and that copy
// alone costs as much as `wc -l`. Each window is unmapped once read, so
// memory stays bounded (the mapped pages count as the process's); a thread
// maps the next window while this one is read (mapped_windows.cc). What
// the file holds beyond the size it had when opened (a log still being
// written), standard input and pipes are read with read() into a buffer.
// A file cut shorter while it is mapped would end the process (SIGBUS), as
// with any reader that maps files; firewall logs are rotated by renaming.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

#include "fmt/format.h"
#include "ingest/mapped_windows.h"
#include "ingest/pfirewall_batch.h"
#include "ingest/pfirewall.h"

namespace highport::ingest {
namespace {

struct Fd {
  int fd;
  bool owned;
  ~Fd() {
    if (owned) ::close(fd);
  }
};

}  // namespace

Result<PfirewallStats> ReadPfirewallFile(const std::string& path, TrafficSink& sink,
                                         Diagnostics& diagnostics,
                                         const PfirewallFileOptions& options) {
  const bool stdin_input = path == "-";
  const std::string name = stdin_input ? "<stdin>" : path;
  Fd file{stdin_input ? STDIN_FILENO : ::open(path.c_str(), O_RDONLY | O_CLOEXEC), !stdin_input};
  if (file.fd < 0) return Error{fmt::format("{}: {}", path, std::strerror(errno))};
  ::posix_fadvise(file.fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  struct stat st {};
  const bool regular = ::fstat(file.fd, &st) == 0 && S_ISREG(st.st_mode);
  const uint64_t total = regular ? std::min<uint64_t>(uint64_t(st.st_size), options.byte_limit) : 0;
  const size_t chunk = std::max<size_t>(options.chunk_size, 1);

  PfirewallParser parser(name, sink, diagnostics);
  parser.set_parallel_min(options.parallel_min);
  parser.set_leave_out_unfinished_last_line(options.leave_out_unfinished_last_line);
  uint64_t done = 0;
  auto feed = [&](const char* bytes, size_t size) {
    for (size_t at = 0; at < size; at += chunk) {
      size_t piece = std::min(chunk, size - at);
      parser.Feed(std::string_view(bytes + at, piece));
      done += piece;
      if (options.progress) options.progress(done, total);
    }
  };

  // A file read from its start (standard input may have been read from).
  if (regular && !stdin_input && total > 0) {
    // A log of one window maps it on this thread: a thread costs more.
    MappedWindows windows(file.fd, total, options.window_size,
                          total > options.window_size && !pfirewall::OneCore());
    while (true) {
      const MappedWindows::Window window = windows.Next();
      if (window.data == nullptr) break;  // the end, or read() below takes over
      feed(window.data, window.size);
    }
  }
  if (done > 0 && ::lseek(file.fd, static_cast<off_t>(done), SEEK_SET) < 0) {
    return Error{fmt::format("{}: {}", name, std::strerror(errno))};
  }
  // Not zeroed: a mapped file needs it only for the read() that finds its end.
  auto buffer = std::make_unique_for_overwrite<char[]>(chunk);
  while (done < options.byte_limit) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(chunk, options.byte_limit - done));
    ssize_t got = ::read(file.fd, buffer.get(), want);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return Error{fmt::format("{}: {}", name, std::strerror(errno))};
    if (got == 0) break;
    feed(buffer.get(), static_cast<size_t>(got));
  }
  return parser.Finish();
}

Result<PfirewallStats> ReadPfirewallFileChunked(const std::string& path, size_t chunk_size,
                                                TrafficSink& sink, Diagnostics& diagnostics) {
  PfirewallFileOptions options;
  options.chunk_size = chunk_size;
  return ReadPfirewallFile(path, sink, diagnostics, options);
}

Result<PfirewallStats> ReadPfirewallFile(const std::string& path, TrafficSink& sink,
                                         Diagnostics& diagnostics) {
  return ReadPfirewallFile(path, sink, diagnostics, PfirewallFileOptions{});
}

}  // namespace highport::ingest
