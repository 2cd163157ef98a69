#include "model/byte_cursor.h"

#include <cstring>

#include "fmt/format.h"

namespace highport {
namespace {

// Values are written byte by byte, so the host's own order never matters.
template <typename T>
void Disassemble(T v, ByteOrder order, uint8_t* out) {
  for (size_t i = 0; i < sizeof(T); ++i) {
    size_t shift = order == ByteOrder::kLittle ? 8 * i : 8 * (sizeof(T) - 1 - i);
    out[i] = static_cast<uint8_t>(v >> shift);
  }
}

std::string Plural(size_t n, std::string_view word) {
  return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

}  // namespace

std::string CursorError::ToString() const {
  if (field.empty()) return fmt::format("byte {}: {}", offset, reason);
  return fmt::format("byte {}: {}: {}", offset, field, reason);
}

ByteCursor::ByteCursor(std::span<const uint8_t> bytes, ByteOrder order, size_t base_offset)
    : data_(bytes), base_(base_offset), align_origin_(base_offset), order_(order) {}

bool ByteCursor::NeedFailed(size_t n, std::string_view field) {
  if (error_) return false;
  return Fail(field, fmt::format("needs {}, {} left", Plural(n, "byte"), remaining()));
}

bool ByteCursor::Align(size_t alignment, std::string_view field) {
  if (error_) return false;
  if (alignment <= 1) return true;
  size_t misalign = (offset() - align_origin_) % alignment;
  if (misalign == 0) return true;
  size_t pad = alignment - misalign;
  if (pad > remaining()) {
    return Fail(field, fmt::format("needs {} of padding to a {}-byte boundary, {} left",
                                   Plural(pad, "byte"), alignment, remaining()));
  }
  pos_ += pad;
  return true;
}

bool ByteCursor::Limit(size_t n, std::string_view field) {
  if (!Need(n, field)) return false;
  data_ = data_.first(pos_ + n);
  return true;
}

bool ByteCursor::FailAt(size_t absolute_offset, std::string_view field, std::string reason) {
  if (!error_) error_ = CursorError{absolute_offset, std::string(field), std::move(reason)};
  return false;
}

bool ByteCursor::Adopt(const ByteCursor& sub) {
  if (sub.error_ && !error_) error_ = sub.error_;
  return ok();
}

template <typename T>
void ByteWriter::Write(T v, ByteOrder order) {
  std::array<uint8_t, sizeof(T)> raw;
  Disassemble(v, order, raw.data());
  bytes_.insert(bytes_.end(), raw.begin(), raw.end());
}

template void ByteWriter::Write<uint16_t>(uint16_t, ByteOrder);
template void ByteWriter::Write<uint32_t>(uint32_t, ByteOrder);
template void ByteWriter::Write<uint64_t>(uint64_t, ByteOrder);

void ByteWriter::Align(size_t alignment) {
  if (alignment <= 1) return;
  size_t misalign = bytes_.size() % alignment;
  if (misalign != 0) Zeros(alignment - misalign);
}

template <typename T>
bool ByteWriter::Patch(size_t at, T v) {
  if (at > bytes_.size() || bytes_.size() - at < sizeof(T)) return false;
  Disassemble(v, order_, bytes_.data() + at);
  return true;
}

bool ByteWriter::PatchU16(size_t at, uint16_t v) {
  return Patch(at, v);
}
bool ByteWriter::PatchU32(size_t at, uint32_t v) {
  return Patch(at, v);
}

}  // namespace highport
