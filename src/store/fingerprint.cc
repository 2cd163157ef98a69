#include "store/fingerprint.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

#include "fmt/format.h"

namespace highport::store {
namespace {

constexpr size_t kChunk = 1 << 20;

struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

std::string Hex(XXH64_hash_t hash) { return fmt::format("{:016x}", hash); }

// pread that retries on EINTR and short reads; returns the bytes read.
Result<size_t> ReadAt(int fd, char* buffer, size_t size, uint64_t offset, const std::string& path) {
  size_t done = 0;
  while (done < size) {
    ssize_t got = ::pread(fd, buffer + done, size - done, static_cast<off_t>(offset + done));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return Error{fmt::format("{}: {}", path, std::strerror(errno))};
    if (got == 0) break;
    done += static_cast<size_t>(got);
  }
  return done;
}

}  // namespace

Result<std::map<uint64_t, std::string>> HashPrefixes(const std::string& path, uint64_t length,
                                                     const std::vector<uint64_t>& boundaries) {
  Fd file{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (file.fd < 0) return Error{fmt::format("{}: {}", path, std::strerror(errno))};
  std::vector<uint64_t> stops;
  for (uint64_t b : boundaries) {
    if (b <= length) stops.push_back(b);
  }
  stops.push_back(length);
  std::sort(stops.begin(), stops.end());
  stops.erase(std::unique(stops.begin(), stops.end()), stops.end());

  std::unique_ptr<XXH3_state_t, XXH_errorcode (*)(XXH3_state_t*)> state(XXH3_createState(),
                                                                        XXH3_freeState);
  if (!state || XXH3_64bits_reset(state.get()) != XXH_OK) return Error{"cannot start a hash"};
  std::map<uint64_t, std::string> hashes;
  auto buffer = std::make_unique<char[]>(kChunk);
  uint64_t position = 0;
  for (uint64_t stop : stops) {
    while (position < stop) {
      size_t want = static_cast<size_t>(std::min<uint64_t>(kChunk, stop - position));
      Result<size_t> got = ReadAt(file.fd, buffer.get(), want, position, path);
      if (!got) return got.error();
      if (*got < want) return Error{fmt::format("{}: shrank while being read", path)};
      XXH3_64bits_update(state.get(), buffer.get(), want);
      position += want;
    }
    hashes[stop] = Hex(XXH3_64bits_digest(state.get()));
  }
  return hashes;
}

Result<uint64_t> CompleteLinesLength(const std::string& path, uint64_t size) {
  Fd file{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (file.fd < 0) return Error{fmt::format("{}: {}", path, std::strerror(errno))};
  char bom[2] = {0, 0};
  Result<size_t> head = ReadAt(file.fd, bom, 2, 0, path);
  if (!head) return head.error();
  // UTF-16LE as the log reader tells it (pfirewall.cc): its byte order
  // mark, or none and an ASCII character with a NUL after it.
  const auto b0 = static_cast<unsigned char>(bom[0]), b1 = static_cast<unsigned char>(bom[1]);
  const bool utf16le = *head == 2 && ((b0 == 0xFF && b1 == 0xFE) || (b0 != 0 && b0 < 0x80 && b1 == 0));
  auto buffer = std::make_unique<char[]>(kChunk);
  uint64_t end = size;
  while (end > 0) {
    uint64_t start = end > kChunk ? end - kChunk : 0;
    size_t want = static_cast<size_t>(end - start);
    Result<size_t> got = ReadAt(file.fd, buffer.get(), want, start, path);
    if (!got) return got.error();
    for (size_t i = std::min(want, *got); i-- > 0;) {
      if (buffer[i] != '\n') continue;
      uint64_t at = start + i;
      // UTF-16LE: the line feed is 0A 00 at an even offset; keep its NUL.
      if (utf16le) {
        if (at % 2 != 0) continue;
        return std::min(size, at + 2);
      }
      return at + 1;
    }
    end = start;
  }
  return uint64_t{0};
}

namespace {

// Line feeds in the first `length` bytes (the lines a log's reader numbers
// there), and whether a line among them begins with a digit: a row, not
// only the header that every log of the firewall begins with.
struct LineCount {
  uint64_t lines = 0;
  bool has_row = false;
};
Result<LineCount> CountLines(const std::string& path, uint64_t length) {
  Fd file{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (file.fd < 0) return Error{fmt::format("{}: {}", path, std::strerror(errno))};
  auto buffer = std::make_unique<char[]>(kChunk);
  LineCount count;
  bool line_start = true;  // no byte of the line but NULs (UTF-16) and a BOM's yet
  for (uint64_t position = 0; position < length;) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(kChunk, length - position));
    Result<size_t> got = ReadAt(file.fd, buffer.get(), want, position, path);
    if (!got) return got.error();
    if (*got < want) return Error{fmt::format("{}: shrank while being read", path)};
    for (size_t i = 0; i < want; ++i) {
      const unsigned char c = static_cast<unsigned char>(buffer[i]);
      if (c == '\n') {
        ++count.lines;
        line_start = true;
      } else if (line_start && c != 0 && c != 0xEF && c != 0xBB && c != 0xBF && c != 0xFF &&
                 c != 0xFE) {
        count.has_row = count.has_row || (c >= '0' && c <= '9');
        line_start = false;
      }
    }
    position += want;
  }
  return count;
}

}  // namespace

std::vector<std::optional<EarlierCopy>> FindEarlierCopies(const std::vector<std::string>& paths) {
  const size_t n = paths.size();
  std::vector<std::optional<EarlierCopy>> out(n);
  if (n < 2) return out;
  // Each file's whole lines, and (when another may begin with them) their hash.
  std::vector<uint64_t> whole(n, 0);
  for (size_t i = 0; i < n; ++i) {
    struct stat st {};
    if (::stat(paths[i].c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    Result<uint64_t> complete = CompleteLinesLength(paths[i], static_cast<uint64_t>(st.st_size));
    if (complete) whole[i] = *complete;
  }
  std::vector<std::optional<std::string>> whole_hash(n);
  auto hash_of = [&](size_t j) -> const std::optional<std::string>& {
    if (!whole_hash[j]) {
      Result<std::map<uint64_t, std::string>> h = HashPrefixes(paths[j], whole[j], {});
      whole_hash[j] = h ? h->at(whole[j]) : std::string("-");
    }
    return whole_hash[j];
  };
  for (size_t i = 0; i < n; ++i) {
    if (whole[i] == 0) continue;
    // Shorter copies; of two with the same lines, the one given first is the earlier.
    std::vector<uint64_t> boundaries;
    for (size_t j = 0; j < n; ++j) {
      if (j != i && whole[j] > 0 && (whole[j] < whole[i] || (whole[j] == whole[i] && j < i))) {
        boundaries.push_back(whole[j]);
      }
    }
    if (boundaries.empty()) continue;
    const uint64_t longest = *std::max_element(boundaries.begin(), boundaries.end());
    Result<std::map<uint64_t, std::string>> mine = HashPrefixes(paths[i], longest, boundaries);
    if (!mine) continue;
    for (size_t j = 0; j < n; ++j) {
      if (j == i || whole[j] == 0 || !(whole[j] < whole[i] || (whole[j] == whole[i] && j < i))) continue;
      if (out[i] && whole[out[i]->index] >= whole[j]) continue;
      if (mine->at(whole[j]) == *hash_of(j)) out[i] = EarlierCopy{j, 0};
    }
    if (out[i]) {
      // A copy of nothing but the header (a log just rotated) is the start
      // of every log of the firewall, not an earlier copy of this one.
      Result<LineCount> lines = CountLines(paths[out[i]->index], whole[out[i]->index]);
      if (lines && lines->has_row) {
        out[i]->lines = lines->lines;
      } else {
        out[i].reset();
      }
    }
  }
  return out;
}

}  // namespace highport::store
