// Capture files through libpcap, which reads pcap (both byte orders, micro-
// and nanosecond timestamps, asked for in microseconds) and pcapng (but for
// pcapng whose interfaces differ in link type: pcapng_blocks.h). Every
// frame goes to a CaptureReader (capture_reader.cc). A file whose link type
// highport cannot read is an error; a file that ends in the middle of a
// record is a finding, and what was read before stays.
#include <fcntl.h>
#include <pcap/pcap.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>

#include "fmt/format.h"
#include "ingest/capture.h"
#include "ingest/packet.h"
#include "ingest/pcap_library.h"
#include "ingest/pcapng_blocks.h"

namespace highport::ingest {
namespace {

constexpr uint32_t kPcapMicro = 0xa1b2c3d4;
constexpr uint32_t kPcapNano = 0xa1b23c4d;
constexpr uint32_t kPcapModified = 0xa1b2cd34;  // Alexey Kuznetzov's patched libpcap
constexpr uint32_t kPcapngSection = 0x0a0d0d0a;
constexpr uint32_t kPcapngByteOrder = 0x1a2b3c4d;

int64_t Microseconds(const timeval& ts) {
  // Seconds far outside any real capture would overflow: clamp them.
  constexpr int64_t kMaxSeconds = std::numeric_limits<int64_t>::max() / 1'000'000 - 1;
  int64_t seconds = std::clamp<int64_t>(ts.tv_sec, 0, kMaxSeconds);
  return seconds * 1'000'000 + std::clamp<int64_t>(ts.tv_usec, 0, 999'999);
}

Result<CaptureStats> ReadAll(const PcapLibrary& lib, pcap_t* pcap, const std::string& name,
                             TrafficSink& sink, Diagnostics& diagnostics,
                             const CaptureOptions& options) {
  int linktype = lib.datalink(pcap);
  if (!IsSupportedLinkType(linktype)) {
    const char* known = lib.datalink_val_to_name(linktype);
    lib.close(pcap);
    return Error{fmt::format("{}: link type {} ({}) is not one highport reads (Ethernet, Linux "
                             "SLL/SLL2, raw IP, BSD loopback)",
                             name, linktype, known ? known : "unknown")};
  }
  CaptureReader reader(name, sink, diagnostics, options);
  uint64_t number = 0;
  // Progress in bytes: where libpcap's FILE stands (none for memory input).
  FILE* file = lib.file(pcap);
  uint64_t total = 0;
  if (struct stat st {}; options.progress && file && ::fstat(::fileno(file), &st) == 0) {
    total = static_cast<uint64_t>(st.st_size);
  }
  for (;;) {
    if (options.progress && file && number % 8192 == 0) {
      long at = std::ftell(file);
      if (at >= 0) options.progress(static_cast<uint64_t>(at), total);
    }
    pcap_pkthdr* header = nullptr;
    const u_char* data = nullptr;
    int rc = lib.next_ex(pcap, &header, &data);
    if (rc == 1) {
      ++number;
      reader.ReadPacket(linktype, Microseconds(header->ts), std::span(data, header->caplen),
                        number, header->len);
      continue;
    }
    if (rc != PCAP_ERROR_BREAK) {  // a damaged or cut file: keep what was read
      // Where libpcap stood when it gave up (just past the bad record's
      // header, or the end of a cut file): a place to look with a hex editor.
      const long at = file ? std::ftell(file) : -1;
      const std::string where = at >= 0 ? fmt::format(" at byte {} of the file", at) : std::string();
      diagnostics.Report(Finding{Finding::Severity::kWarning, "capture.truncated_file",
                                 SourceRef{name, 0, number + 1, 0},
                                 fmt::format("reading stopped{}: {}; the {} packet(s) before it are read",
                                             where, lib.geterr(pcap), number)});
    }
    break;
  }
  reader.Finish();
  if (options.progress) options.progress(total, total);
  lib.close(pcap);
  return reader.stats();
}

// A pcapng file whose interfaces differ in link type, which libpcap
// cannot read (pcapng_blocks.h).
CaptureStats ReadMixedPcapng(std::span<const uint8_t> bytes, const std::string& name,
                             TrafficSink& sink, Diagnostics& diagnostics,
                             const CaptureOptions& options) {
  CaptureReader reader(name, sink, diagnostics, options);
  ReadPcapngBlocks(bytes, name, reader, diagnostics);
  reader.Finish();
  if (options.progress) options.progress(bytes.size(), bytes.size());
  return reader.stats();
}

// The file read that way if it is such a pcapng file (mapped, not read into
// memory: only its block headers are walked to find out); else nothing, and
// libpcap reads it.
std::optional<Result<CaptureStats>> ReadIfMixedPcapng(const std::string& path,
                                                      const std::string& name, TrafficSink& sink,
                                                      Diagnostics& diagnostics,
                                                      const CaptureOptions& options) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;  // libpcap's open says why
  struct stat st {};
  uint32_t magic = 0;
  if (::fstat(fd, &st) != 0 || st.st_size < 12 || ::pread(fd, &magic, 4, 0) != 4 ||
      magic != kPcapngSection) {
    ::close(fd);
    return std::nullopt;
  }
  const auto size = static_cast<size_t>(st.st_size);
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (map == MAP_FAILED) return std::nullopt;
  const std::span<const uint8_t> bytes(static_cast<const uint8_t*>(map), size);
  std::optional<Result<CaptureStats>> out;
  if (PcapngMixesLinkTypes(bytes)) out = ReadMixedPcapng(bytes, name, sink, diagnostics, options);
  ::munmap(map, size);
  return out;
}

uint32_t Le32(std::string_view b, size_t at) {
  return uint32_t{static_cast<uint8_t>(b[at])} | uint32_t{static_cast<uint8_t>(b[at + 1])} << 8 |
         uint32_t{static_cast<uint8_t>(b[at + 2])} << 16 |
         uint32_t{static_cast<uint8_t>(b[at + 3])} << 24;
}

}  // namespace

bool LooksLikeCapture(std::string_view head) {
  if (head.size() < 4) return false;
  uint32_t le = Le32(head, 0);
  uint32_t be = __builtin_bswap32(le);
  for (uint32_t magic : {kPcapMicro, kPcapNano, kPcapModified}) {
    if (le == magic || be == magic) return true;
  }
  if (le != kPcapngSection) return false;  // the same in both orders
  if (head.size() < 12) return true;
  uint32_t order = Le32(head, 8);
  return order == kPcapngByteOrder || __builtin_bswap32(order) == kPcapngByteOrder;
}

Result<CaptureStats> ReadCaptureFile(const std::string& path, TrafficSink& sink,
                                     Diagnostics& diagnostics, const CaptureOptions& options) {
  std::string name = path == "-" ? std::string("<stdin>") : path;
  const Result<PcapLibrary>& lib = LoadPcap();
  if (!lib) return Error{fmt::format("{}: {}", name, lib.error().message)};
  char error[PCAP_ERRBUF_SIZE] = {};
  if (path == "-") {  // libpcap reads "-" as standard input
    pcap_t* pcap = lib->open_offline(path.c_str(), PCAP_TSTAMP_PRECISION_MICRO, error);
    if (!pcap) return Error{fmt::format("{}: cannot read as pcap or pcapng: {}", name, error)};
    return ReadAll(*lib, pcap, name, sink, diagnostics, options);
  }
  if (std::optional<Result<CaptureStats>> mixed = ReadIfMixedPcapng(path, name, sink, diagnostics, options)) {
    return std::move(*mixed);
  }
  // libpcap reads a file through stdio, record header and packet apart:
  // with stdio's 4 KiB buffer that is a read() every ten packets, a fifth
  // of the time. The FILE is opened here to give it a buffer of 1 MiB,
  // which outlives pcap_close (in ReadAll).
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (!file) {
    // The words libpcap would have used.
    return Error{fmt::format("{}: cannot read as pcap or pcapng: {}: {}", name, path,
                             std::strerror(errno))};
  }
  constexpr size_t kBuffer = size_t{1} << 20;
  auto buffer = std::make_unique<char[]>(kBuffer);
  std::setvbuf(file, buffer.get(), _IOFBF, kBuffer);
  pcap_t* pcap = lib->fopen_offline(file, PCAP_TSTAMP_PRECISION_MICRO, error);
  if (!pcap) {
    std::fclose(file);
    return Error{fmt::format("{}: cannot read as pcap or pcapng: {}", name, error)};
  }
  return ReadAll(*lib, pcap, name, sink, diagnostics, options);  // pcap_close closes `file`
}

Result<CaptureStats> ReadCaptureBytes(std::span<const uint8_t> bytes, const std::string& name,
                                      TrafficSink& sink, Diagnostics& diagnostics,
                                      const CaptureOptions& options) {
  if (bytes.empty()) return Error{fmt::format("{}: empty, not a pcap or pcapng capture", name)};
  if (PcapngMixesLinkTypes(bytes)) return ReadMixedPcapng(bytes, name, sink, diagnostics, options);
  const Result<PcapLibrary>& lib = LoadPcap();
  if (!lib) return Error{fmt::format("{}: {}", name, lib.error().message)};
  // fmemopen only reads through the pointer ("rb"), whatever its constness.
  FILE* file = fmemopen(const_cast<uint8_t*>(bytes.data()), bytes.size(), "rb");
  if (!file) return Error{fmt::format("{}: cannot open the bytes as a stream", name)};
  char error[PCAP_ERRBUF_SIZE] = {};
  pcap_t* pcap = lib->fopen_offline(file, PCAP_TSTAMP_PRECISION_MICRO, error);
  if (!pcap) {
    fclose(file);
    return Error{fmt::format("{}: cannot read as pcap or pcapng: {}", name, error)};
  }
  return ReadAll(*lib, pcap, name, sink, diagnostics, options);  // pcap_close closes `file`
}

}  // namespace highport::ingest
