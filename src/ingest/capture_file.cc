// Capture files through libpcap, which reads pcap (both byte orders, micro-
// and nanosecond timestamps, asked for in microseconds) and pcapng. Every
// frame goes to a CaptureReader (capture_reader.cc). A file whose link type
// highport cannot read is an error; a file that ends in the middle of a
// record is a finding, and what was read before stays.
#include <pcap/pcap.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <vector>

#include "fmt/format.h"
#include "ingest/capture.h"
#include "ingest/packet.h"

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

// Every record libpcap gives from `pcap` into `reader`, after the first
// `skip` (read already, by ReadPlain); closes `pcap`.
void ReadWithLibpcap(pcap_t* pcap, int linktype, const std::string& name, CaptureReader& reader,
                     uint64_t skip, Diagnostics& diagnostics, const CaptureOptions& options,
                     uint64_t total) {
  uint64_t number = 0;
  // Progress in bytes: where libpcap's FILE stands (none for memory input).
  FILE* file = pcap_file(pcap);
  for (;;) {
    if (options.progress && file && number % 8192 == 0) {
      long at = std::ftell(file);
      if (at >= 0) options.progress(static_cast<uint64_t>(at), total);
    }
    pcap_pkthdr* header = nullptr;
    const u_char* data = nullptr;
    int rc = pcap_next_ex(pcap, &header, &data);
    if (rc == 1) {
      ++number;
      if (number <= skip) continue;
      reader.ReadPacket(linktype, Microseconds(header->ts), std::span(data, header->caplen),
                        number, header->len);
      continue;
    }
    if (rc != PCAP_ERROR_BREAK) {  // a damaged or cut file: keep what was read
      diagnostics.Report(Finding{Finding::Severity::kWarning, "capture.truncated_file",
                                 SourceRef{name, 0, number + 1, 0},
                                 fmt::format("reading stopped: {}", pcap_geterr(pcap))});
    }
    break;
  }
  pcap_close(pcap);
}

uint64_t FileSize(FILE* file, const CaptureOptions& options) {
  if (struct stat st {}; options.progress && file && ::fstat(::fileno(file), &st) == 0) {
    return static_cast<uint64_t>(st.st_size);
  }
  return 0;
}

Result<CaptureStats> ReadAll(pcap_t* pcap, const std::string& name, TrafficSink& sink,
                             Diagnostics& diagnostics, const CaptureOptions& options) {
  int linktype = pcap_datalink(pcap);
  if (!IsSupportedLinkType(linktype)) {
    const char* known = pcap_datalink_val_to_name(linktype);
    pcap_close(pcap);
    return Error{fmt::format("{}: link type {} ({}) is not one highport reads (Ethernet, Linux "
                             "SLL/SLL2, raw IP, BSD loopback)",
                             name, linktype, known ? known : "unknown")};
  }
  CaptureReader reader(name, sink, diagnostics, options);
  const uint64_t total = FileSize(pcap_file(pcap), options);
  ReadWithLibpcap(pcap, linktype, name, reader, 0, diagnostics, options, total);
  reader.Finish();
  if (options.progress) options.progress(total, total);
  return reader.stats();
}

// A classic pcap file that libpcap would read as it is: version 2.4, a
// snapshot length it keeps, a link type it reports unchanged.
struct PlainPcap {
  bool swapped = false;  // written in the other byte order
  bool nano = false;     // nanosecond timestamps
  uint32_t snaplen = 0;
  int linktype = 0;
};

constexpr size_t kPcapFileHeader = 24, kPcapRecordHeader = 16;
constexpr uint32_t kMaxSnaplen = 262144;  // libpcap's MAXIMUM_SNAPLEN

uint32_t Load32(const uint8_t* p, bool swapped) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return swapped ? __builtin_bswap32(v) : v;
}

uint16_t Load16(const uint8_t* p, bool swapped) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return swapped ? __builtin_bswap16(v) : v;
}

std::optional<PlainPcap> PlainHeader(std::span<const uint8_t, kPcapFileHeader> h) {
  PlainPcap out;
  const uint32_t magic = Load32(h.data(), false);
  out.swapped = __builtin_bswap32(magic) == kPcapMicro || __builtin_bswap32(magic) == kPcapNano;
  const uint32_t native = out.swapped ? __builtin_bswap32(magic) : magic;
  if (native != kPcapMicro && native != kPcapNano) return std::nullopt;  // pcapng, modified...
  out.nano = native == kPcapNano;
  // Version 2.4: older ones may have caplen and len the other way round.
  if (Load16(h.data() + 4, out.swapped) != 2 || Load16(h.data() + 6, out.swapped) != 4) {
    return std::nullopt;
  }
  out.snaplen = Load32(h.data() + 16, out.swapped);
  if (out.snaplen == 0 || out.snaplen > kMaxSnaplen) return std::nullopt;
  const uint32_t linktype = Load32(h.data() + 20, out.swapped);
  // pcap_datalink's answer: LINKTYPE_RAW is DLT_RAW (12 on Linux), the
  // others here have the same number as link type and DLT.
  if (linktype == kLinkRawLinktype) {
    out.linktype = DLT_RAW;
    return out;
  }
  switch (linktype) {
    case kLinkNull:
    case kLinkEthernet:
    case kLinkLinuxSll:
    case kLinkLinuxSll2:
    case kLinkIpv4:
    case kLinkIpv6: out.linktype = static_cast<int>(linktype); return out;
    default: return std::nullopt;
  }
}

// The records of a plain classic pcap file, read here from a 1 MiB buffer
// instead of through pcap_next_ex (two freads and a copy per packet: a fifth
// of the capture path's instructions on NetFlow exports). Returns the
// number of records read; stops at the end of the file (`*done` true) or
// at the first record that is not plain (cut short, longer than the
// snapshot length, a timestamp libpcap would read differently, a read
// error): libpcap reads from there, with its own words for the damage.
uint64_t ReadPlain(FILE* file, const PlainPcap& h, CaptureReader& reader,
                   const CaptureOptions& options, uint64_t total, bool* done) {
  constexpr size_t kBuffer = size_t{1} << 20;  // > a record of kMaxSnaplen
  std::vector<uint8_t> buffer(kBuffer);
  size_t begin = 0, end = 0;
  uint64_t consumed = kPcapFileHeader, number = 0;
  // At least `need` bytes from `begin` in the buffer, or false.
  // A file is read with pread on its descriptor: through fread, stdio's
  // buffer would copy every byte once more. Memory (fmemopen) has none.
  const int fd = ::fileno(file);
  uint64_t file_offset = kPcapFileHeader;
  bool failed = false;
  auto fill = [&](size_t need) {
    if (end - begin >= need) return true;
    std::memmove(buffer.data(), buffer.data() + begin, end - begin);
    end -= begin;
    begin = 0;
    while (end < need) {
      size_t got = 0;
      if (fd >= 0) {
        const ssize_t n = ::pread(fd, buffer.data() + end, buffer.size() - end,
                                  static_cast<off_t>(file_offset));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) failed = true;
        got = n > 0 ? static_cast<size_t>(n) : 0;
      } else {
        got = std::fread(buffer.data() + end, 1, buffer.size() - end, file);
        failed = failed || std::ferror(file) != 0;
      }
      if (got == 0) break;
      end += got;
      file_offset += got;
    }
    return end >= need;
  };
  const uint32_t max_fraction = h.nano ? 1'000'000'000 : 1'000'000;
  *done = false;
  for (;;) {
    if (options.progress && number % 8192 == 0) options.progress(consumed, total);
    if (!fill(kPcapRecordHeader)) {
      *done = end == begin && !failed;  // the end, between two records
      return number;
    }
    const uint8_t* record = buffer.data() + begin;
    const uint32_t seconds = Load32(record, h.swapped);
    const uint32_t fraction = Load32(record + 4, h.swapped);
    const uint32_t caplen = Load32(record + 8, h.swapped);
    const uint32_t len = Load32(record + 12, h.swapped);
    if (caplen > h.snaplen || seconds > 0x7fffffffu || fraction >= max_fraction) return number;
    if (!fill(kPcapRecordHeader + caplen)) return number;
    record = buffer.data() + begin;
    const int64_t micros = h.nano ? fraction / 1000 : fraction;
    ++number;
    reader.ReadPacket(h.linktype, int64_t{seconds} * 1'000'000 + micros,
                      std::span(record + kPcapRecordHeader, caplen), number, len);
    begin += kPcapRecordHeader + caplen;
    consumed += kPcapRecordHeader + caplen;
  }
}

// A capture from `file` (which this closes): plain classic pcap by
// ReadPlain, then (pcapng, other formats, or what ReadPlain left) libpcap.
Result<CaptureStats> ReadFile(FILE* file, const std::string& name, TrafficSink& sink,
                              Diagnostics& diagnostics, const CaptureOptions& options) {
  std::array<uint8_t, kPcapFileHeader> head{};
  std::optional<PlainPcap> plain;
  // A regular file or memory: a pipe could not be read again from its start.
  struct stat st {};
  const int fd = ::fileno(file);
  if (fd < 0 || (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode))) {
    if (std::fread(head.data(), 1, head.size(), file) == head.size()) plain = PlainHeader(head);
    std::rewind(file);
  }
  char error[PCAP_ERRBUF_SIZE] = {};
  if (!plain) {
    pcap_t* pcap = pcap_fopen_offline_with_tstamp_precision(file, PCAP_TSTAMP_PRECISION_MICRO, error);
    if (!pcap) {
      std::fclose(file);
      return Error{fmt::format("{}: cannot read as pcap or pcapng: {}", name, error)};
    }
    return ReadAll(pcap, name, sink, diagnostics, options);  // pcap_close closes `file`
  }
  CaptureReader reader(name, sink, diagnostics, options);
  const uint64_t total = FileSize(file, options);
  std::fseek(file, kPcapFileHeader, SEEK_SET);  // for fread; pread has its own offset
  bool done = false;
  const uint64_t read = ReadPlain(file, *plain, reader, options, total, &done);
  if (done) {
    std::fclose(file);
  } else {
    std::rewind(file);
    pcap_t* pcap = pcap_fopen_offline_with_tstamp_precision(file, PCAP_TSTAMP_PRECISION_MICRO, error);
    if (!pcap) {  // it read the header a moment ago
      std::fclose(file);
      diagnostics.Report(Finding{Finding::Severity::kWarning, "capture.truncated_file",
                                 SourceRef{name, 0, read + 1, 0},
                                 fmt::format("reading stopped: {}", error)});
    } else {
      ReadWithLibpcap(pcap, plain->linktype, name, reader, read, diagnostics, options, total);
    }
  }
  reader.Finish();
  if (options.progress) options.progress(total, total);
  return reader.stats();
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
  char error[PCAP_ERRBUF_SIZE] = {};
  std::string name = path == "-" ? std::string("<stdin>") : path;
  if (path == "-") {  // libpcap reads "-" as standard input
    pcap_t* pcap =
        pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_MICRO, error);
    if (!pcap) return Error{fmt::format("{}: cannot read as pcap or pcapng: {}", name, error)};
    return ReadAll(pcap, name, sink, diagnostics, options);
  }
  // libpcap reads a file through stdio, record header and packet apart:
  // with stdio's 4 KiB buffer that is a read() every ten packets, a fifth
  // of the time. The FILE is opened here to give it a buffer of 1 MiB,
  // which outlives pcap_close (in ReadAll or ReadFile).
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (!file) {
    // The words libpcap would have used.
    return Error{fmt::format("{}: cannot read as pcap or pcapng: {}: {}", name, path,
                             std::strerror(errno))};
  }
  constexpr size_t kBuffer = size_t{1} << 20;
  auto buffer = std::make_unique<char[]>(kBuffer);
  std::setvbuf(file, buffer.get(), _IOFBF, kBuffer);
  return ReadFile(file, name, sink, diagnostics, options);  // closes `file`
}

Result<CaptureStats> ReadCaptureBytes(std::span<const uint8_t> bytes, const std::string& name,
                                      TrafficSink& sink, Diagnostics& diagnostics,
                                      const CaptureOptions& options) {
  if (bytes.empty()) return Error{fmt::format("{}: empty, not a pcap or pcapng capture", name)};
  // fmemopen only reads through the pointer ("rb"), whatever its constness.
  FILE* file = fmemopen(const_cast<uint8_t*>(bytes.data()), bytes.size(), "rb");
  if (!file) return Error{fmt::format("{}: cannot open the bytes as a stream", name)};
  return ReadFile(file, name, sink, diagnostics, options);  // closes `file`
}

}  // namespace highport::ingest
