#include "ingest/pcapng_blocks.h"

#include <algorithm>
#include <limits>
#include <vector>

#include "fmt/format.h"
#include "ingest/packet.h"
#include "model/byte_cursor.h"

namespace highport::ingest {
namespace {

constexpr uint32_t kSectionHeader = 0x0a0d0d0a;
constexpr uint32_t kInterface = 1;
constexpr uint32_t kObsoletePacket = 2;
constexpr uint32_t kSimplePacket = 3;
constexpr uint32_t kEnhancedPacket = 6;
constexpr uint32_t kByteOrderMagic = 0x1a2b3c4d;
constexpr uint16_t kOptionEnd = 0, kOptionTsResol = 9, kOptionTsOffset = 14;

struct Interface {
  int linktype = 0;
  uint32_t snaplen = 0;
  // Timestamps count units of 1 / units_per_second, from offset_seconds.
  uint64_t units_per_second = 1'000'000;
  int64_t offset_seconds = 0;
};

// One block: its type and body, `at` its absolute offset. The cursor walks
// the file block by block; a block whose length does not fit ends the walk.
struct Block {
  uint32_t type = 0;
  size_t at = 0;
  ByteCursor body;
};

class BlockWalker {
 public:
  explicit BlockWalker(std::span<const uint8_t> bytes) : file_(bytes, ByteOrder::kLittle) {}

  // The next block, or false at the end of the file or at a damaged block
  // (then error() says why, with the byte offset).
  bool Next(Block& out) {
    if (file_.empty() || !file_.ok()) return false;
    out.at = file_.offset();
    ByteCursor head = file_;  // the type and length, read before the order is known
    const uint32_t type = head.U32Le("block_type");
    if (type == kSectionHeader) {
      // The byte-order magic says how this section's numbers are written.
      head.Skip(4, "block_total_length");
      const uint32_t magic = head.U32Le("byte_order_magic");
      if (!head.ok()) return Fail(head);
      if (magic == kByteOrderMagic) {
        file_.set_order(ByteOrder::kLittle);
      } else if (__builtin_bswap32(magic) == kByteOrderMagic) {
        file_.set_order(ByteOrder::kBig);
      } else {
        file_.FailAt(out.at + 8, "byte_order_magic", fmt::format("{:#010x} is no pcapng byte-order magic", magic));
        return false;
      }
    }
    out.type = file_.U32("block_type");
    const uint32_t length = file_.U32("block_total_length");
    if (!file_.ok()) return false;
    if (length < 12 || length % 4 != 0) {
      file_.FailAt(out.at + 4, "block_total_length",
                   fmt::format("{} is no block length (12 or more, a multiple of 4)", length));
      return false;
    }
    out.body = file_.Sub(length - 12, "block_body");
    const uint32_t trailer = file_.U32("block_total_length (trailing)");
    if (!file_.ok()) return false;
    if (trailer != length) {
      file_.FailAt(out.at + length - 4, "block_total_length (trailing)",
                   fmt::format("{} where the block began with {}", trailer, length));
      return false;
    }
    return true;
  }
  const ByteCursor& cursor() const { return file_; }

 private:
  bool Fail(const ByteCursor& c) {
    file_.Adopt(c);
    return false;
  }
  ByteCursor file_;
};

Interface ReadInterface(ByteCursor& body) {
  Interface i;
  i.linktype = body.U16("linktype");
  body.Skip(2, "reserved");
  i.snaplen = body.U32("snaplen");
  if (!body.ok()) i.linktype = -1;  // cut short: its packets are left out, and said so
  // Options: code, length, value padded to 4 bytes. A damaged option list
  // keeps the defaults for what it did not say.
  while (body.ok() && body.remaining() >= 4) {
    const uint16_t code = body.U16("option_code");
    const uint16_t length = body.U16("option_length");
    ByteCursor value = body.Sub(length, "option_value");
    body.Skip((4 - length % 4) % 4, "option_padding");
    if (!body.ok() || code == kOptionEnd) break;
    if (code == kOptionTsResol && length >= 1) {
      const uint8_t r = value.U8("if_tsresol");
      // 10^-r or 2^-(r & 0x7f) seconds; beyond what 64 bits hold, microseconds.
      const unsigned exponent = r & 0x7f;
      if (r & 0x80) {
        if (exponent < 64) i.units_per_second = uint64_t{1} << exponent;
      } else if (exponent <= 19) {
        uint64_t units = 1;
        for (unsigned k = 0; k < exponent; ++k) units *= 10;
        i.units_per_second = units;
      }
    } else if (code == kOptionTsOffset && length >= 8) {
      i.offset_seconds = static_cast<int64_t>(value.U64("if_tsoffset"));
    }
  }
  return i;
}

// Microseconds since the epoch of a timestamp in the interface's units,
// clamped to what a capture can mean (as capture_file.cc clamps libpcap's).
int64_t Microseconds(const Interface& i, uint64_t units) {
  const uint64_t seconds = units / i.units_per_second;
  const uint64_t rest = units % i.units_per_second;
  const auto micros = static_cast<uint64_t>(
      static_cast<unsigned __int128>(rest) * 1'000'000 / i.units_per_second);
  constexpr int64_t kMaxSeconds = std::numeric_limits<int64_t>::max() / 1'000'000 - 1;
  const int64_t s = std::clamp<int64_t>(
      static_cast<int64_t>(std::min<uint64_t>(seconds, kMaxSeconds)) +
          std::clamp<int64_t>(i.offset_seconds, -kMaxSeconds, kMaxSeconds),
      0, kMaxSeconds);
  return s * 1'000'000 + static_cast<int64_t>(micros);
}

}  // namespace

bool PcapngMixesLinkTypes(std::span<const uint8_t> bytes) {
  BlockWalker walker(bytes);
  Block b;
  // Against the file's first interface, across sections, as libpcap compares
  // (`cat a.pcapng b.pcapng` makes two sections).
  int first = -1;
  while (walker.Next(b)) {
    if (b.type != kInterface) continue;
    const int linktype = b.body.U16("linktype");
    if (!b.body.ok()) continue;
    if (first < 0) first = linktype;
    if (linktype != first) return true;
  }
  return false;
}

uint64_t ReadPcapngBlocks(std::span<const uint8_t> bytes, const std::string& name,
                          CaptureReader& reader, Diagnostics& diagnostics) {
  BlockWalker walker(bytes);
  std::vector<Interface> interfaces;
  uint64_t number = 0;  // packet blocks so far, read or left out: Wireshark's numbers
  // The packet's number says which packet; the text says at which byte of the file.
  auto left_out = [&](std::string id, std::string text) {
    diagnostics.Report(Finding{Finding::Severity::kWarning, std::move(id),
                               SourceRef{name, 0, number, 0}, std::move(text)});
    reader.LeftOut();
  };
  Block b;
  // A Simple Packet Block has no time: it gets the packet's before it (said once).
  int64_t last_us = 0;
  bool told_no_time = false;
  while (walker.Next(b)) {
    uint32_t interface_id = 0;
    uint64_t units = 0;
    uint32_t captured = 0, wire = 0;
    bool timed = true;
    switch (b.type) {
      case kSectionHeader:
        interfaces.clear();
        continue;
      case kInterface:
        interfaces.push_back(ReadInterface(b.body));
        continue;
      case kEnhancedPacket: {
        interface_id = b.body.U32("interface_id");
        const uint64_t high = b.body.U32("timestamp_high");
        units = high << 32 | b.body.U32("timestamp_low");
        captured = b.body.U32("captured_length");
        wire = b.body.U32("original_length");
        break;
      }
      case kObsoletePacket: {
        interface_id = b.body.U16("interface_id");
        b.body.Skip(2, "drops_count");
        const uint64_t high = b.body.U32("timestamp_high");
        units = high << 32 | b.body.U32("timestamp_low");
        captured = b.body.U32("captured_length");
        wire = b.body.U32("original_length");
        break;
      }
      case kSimplePacket:
        // No interface id (the first) and no timestamp; the captured part
        // is what the block holds, at most the interface's snaplen.
        wire = b.body.U32("original_length");
        captured = wire;
        if (!interfaces.empty() && interfaces[0].snaplen > 0) {
          captured = std::min(captured, interfaces[0].snaplen);
        }
        captured = static_cast<uint32_t>(std::min<size_t>(captured, b.body.remaining()));
        timed = false;
        break;
      default:
        continue;  // statistics, name resolution, custom blocks: nothing highport reads
    }
    ++number;
    const std::span<const uint8_t> frame = b.body.Bytes(captured, "packet_data");
    if (!b.body.ok()) {
      left_out("capture.bad_block", fmt::format("packet left out: {}", b.body.ErrorText()));
    } else if (interface_id >= interfaces.size()) {
      left_out("capture.bad_block",
               fmt::format("packet left out (block at byte {}): it names interface {}, and its "
                           "section describes {}",
                           b.at, interface_id, interfaces.size()));
    } else if (const Interface& i = interfaces[interface_id]; i.linktype < 0) {
      left_out("capture.bad_block",
               fmt::format("packet left out (block at byte {}): the description of its interface "
                           "{} was cut short",
                           b.at, interface_id));
    } else if (!IsSupportedLinkType(i.linktype)) {
      left_out("capture.link_type",
               fmt::format("packet left out (block at byte {}): its interface {} has link type "
                           "{}, which highport does not read",
                           b.at, interface_id, i.linktype));
    } else {
      if (!timed && !told_no_time) {
        told_no_time = true;
        diagnostics.Report(Finding{Finding::Severity::kNote, "capture.no_time",
                                   SourceRef{name, 0, number, 0},
                                   "a simple packet block carries no time: it, and every one after "
                                   "it, is given the time of the packet before it"});
      }
      if (timed) last_us = Microseconds(i, units);
      reader.ReadPacket(i.linktype, last_us, frame, number, wire);
    }
  }
  if (!walker.cursor().ok()) {
    // (Said at the block where reading stopped, which is no packet read.)
    diagnostics.Report(Finding{Finding::Severity::kWarning, "capture.truncated_file",
                               SourceRef{name, 0, number + 1, 0},
                               fmt::format("reading stopped: {}", walker.cursor().ErrorText())});
  }
  return number;
}

}  // namespace highport::ingest
