// Reading and writing binary formats with explicit byte order.
//
// A ByteCursor is the only way highport reads untrusted binary input
// (../../../shared/STYLE.md items 8-9). It is a view over bytes that it does
// not own; every read checks what is left and copies with memcpy, never
// through a cast pointer. A read that does not fit fails the cursor: the
// cursor records where (the absolute offset, so "byte 24" means the same
// byte in a PDU, a packet or a file), which field was being read and why,
// and from then on every read returns zero and moves nothing. Callers read a
// run of fields and check ok() once, the way a parser reads a record; the
// error text is built only on failure.
//
// A length field opens a sub-cursor with Sub(): a view of exactly that many
// bytes, checked against its parent, which the parent skips. A sub-cursor can
// only shrink (Limit), never grow, so a lying inner length cannot read past
// its outer one. Alignment (NDR pads to 2, 4 or 8) is counted from an origin
// that sub-cursors inherit, by default the first byte of the outermost view.
//
// ByteWriter is the encoding side: a growing buffer with the same byte
// orders, zero padding to an alignment, and patching of a length written
// before its value was known.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace highport {

enum class ByteOrder : uint8_t { kLittle, kBig };

struct CursorError {
  size_t offset = 0;  // absolute, from the start of the outermost input
  std::string field;  // what was being read, e.g. "frag_length"
  std::string reason;

  // "byte 24: frag_length: needs 2 bytes, 1 left"
  std::string ToString() const;
};

class ByteCursor {
 public:
  ByteCursor() = default;
  // `base_offset` is the absolute offset of bytes[0], for error messages.
  explicit ByteCursor(std::span<const uint8_t> bytes, ByteOrder order = ByteOrder::kLittle,
                      size_t base_offset = 0);

  ByteOrder order() const { return order_; }
  void set_order(ByteOrder order) { order_ = order; }
  // The absolute offset that alignment counts from (by default base_offset).
  void set_align_origin(size_t absolute_offset) { align_origin_ = absolute_offset; }

  size_t offset() const { return base_ + pos_; }  // absolute offset of the next byte
  size_t position() const { return pos_; }        // relative to this view
  size_t size() const { return data_.size(); }
  size_t remaining() const { return data_.size() - pos_; }
  bool empty() const { return pos_ == data_.size(); }
  std::span<const uint8_t> rest() const { return data_.subspan(pos_); }

  bool ok() const { return !error_.has_value(); }
  const std::optional<CursorError>& error() const { return error_; }
  std::string ErrorText() const { return error_ ? error_->ToString() : std::string(); }

  // In the cursor's byte order.
  uint8_t U8(std::string_view field) { return Need(1, field) ? data_[pos_++] : 0; }
  uint16_t U16(std::string_view field) { return Read<uint16_t>(order_, field); }
  uint32_t U32(std::string_view field) { return Read<uint32_t>(order_, field); }
  uint64_t U64(std::string_view field) { return Read<uint64_t>(order_, field); }
  // In a fixed byte order, whatever the cursor's.
  uint16_t U16Le(std::string_view field) { return Read<uint16_t>(ByteOrder::kLittle, field); }
  uint16_t U16Be(std::string_view field) { return Read<uint16_t>(ByteOrder::kBig, field); }
  uint32_t U32Le(std::string_view field) { return Read<uint32_t>(ByteOrder::kLittle, field); }
  uint32_t U32Be(std::string_view field) { return Read<uint32_t>(ByteOrder::kBig, field); }

  // The next n bytes (a view into the input), or an empty span on failure.
  std::span<const uint8_t> Bytes(size_t n, std::string_view field) {
    if (!Need(n, field)) return {};
    std::span<const uint8_t> out = data_.subspan(pos_, n);
    pos_ += n;
    return out;
  }
  template <size_t N>
  std::array<uint8_t, N> Array(std::string_view field) {
    std::array<uint8_t, N> out{};
    std::span<const uint8_t> b = Bytes(N, field);
    for (size_t i = 0; i < b.size(); ++i) out[i] = b[i];
    return out;
  }
  bool Skip(size_t n, std::string_view field) {
    if (!Need(n, field)) return false;
    pos_ += n;
    return true;
  }
  // Skips to the next multiple of `alignment` counted from the align origin.
  bool Align(size_t alignment, std::string_view field);

  // A view of the next n bytes, which this cursor skips. On failure both
  // this cursor and the returned one are failed.
  ByteCursor Sub(size_t n, std::string_view field) {
    ByteCursor sub;
    sub.base_ = offset();
    sub.align_origin_ = align_origin_;
    sub.order_ = order_;
    if (!Need(n, field)) {
      sub.error_ = error_;
      return sub;
    }
    sub.data_ = data_.subspan(pos_, n);
    pos_ += n;
    return sub;
  }
  // Shrinks this view to the next n bytes; never grows it.
  bool Limit(size_t n, std::string_view field);

  // Records a failure found by the caller (a bad value, not a short read)
  // at the current offset or at an absolute one. Keeps the first failure.
  // Returns false, so that `return c.Fail(...)` reads naturally.
  bool Fail(std::string_view field, std::string reason) {
    return FailAt(offset(), field, std::move(reason));
  }
  bool FailAt(size_t absolute_offset, std::string_view field, std::string reason);
  // Takes over the failure of a sub-cursor, if this cursor has none yet.
  bool Adopt(const ByteCursor& sub);

 private:
  // The reads are inline: a capture or an export packet is read a few bytes
  // at a time, and a call per field cost a third of the capture reader's
  // instructions. Only the failure (NeedFailed) is out of line.
  template <typename T>
  T Read(ByteOrder order, std::string_view field) {
    if (!Need(sizeof(T), field)) return 0;
    T v;
    std::memcpy(&v, data_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    const ByteOrder host =
        std::endian::native == std::endian::little ? ByteOrder::kLittle : ByteOrder::kBig;
    return order == host ? v : Swap(v);
  }
  template <typename T>
  static T Swap(T v) {
    if constexpr (sizeof(T) == 2) return static_cast<T>(__builtin_bswap16(v));
    if constexpr (sizeof(T) == 4) return static_cast<T>(__builtin_bswap32(v));
    if constexpr (sizeof(T) == 8) return static_cast<T>(__builtin_bswap64(v));
  }
  bool Need(size_t n, std::string_view field) {
    if (!error_ && n <= remaining()) [[likely]] return true;
    return NeedFailed(n, field);
  }
  bool NeedFailed(size_t n, std::string_view field);

  std::span<const uint8_t> data_;
  size_t pos_ = 0;
  size_t base_ = 0;
  size_t align_origin_ = 0;  // absolute
  ByteOrder order_ = ByteOrder::kLittle;
  std::optional<CursorError> error_;
};

class ByteWriter {
 public:
  explicit ByteWriter(ByteOrder order = ByteOrder::kLittle) : order_(order) {}
  // Starts with `head` written (a fixed header in one piece).
  ByteWriter(ByteOrder order, std::span<const uint8_t> head)
      : order_(order), bytes_(head.begin(), head.end()) {}

  ByteOrder order() const { return order_; }
  void set_order(ByteOrder order) { order_ = order; }

  void U8(uint8_t v) { bytes_.push_back(v); }
  void U16(uint16_t v) { Write(v, order_); }
  void U32(uint32_t v) { Write(v, order_); }
  void U64(uint64_t v) { Write(v, order_); }
  void U16Le(uint16_t v) { Write(v, ByteOrder::kLittle); }
  void U16Be(uint16_t v) { Write(v, ByteOrder::kBig); }
  void U32Le(uint32_t v) { Write(v, ByteOrder::kLittle); }
  void U32Be(uint32_t v) { Write(v, ByteOrder::kBig); }
  void Bytes(std::span<const uint8_t> b) { bytes_.insert(bytes_.end(), b.begin(), b.end()); }
  void Text(std::string_view s) { bytes_.insert(bytes_.end(), s.begin(), s.end()); }
  void Zeros(size_t n) { bytes_.insert(bytes_.end(), n, 0); }
  // Zero padding to the next multiple of `alignment` counted from byte 0.
  void Align(size_t alignment);

  // Overwrites a value written earlier (a length known only later). False,
  // and nothing written, if it would not fit inside what was written.
  bool PatchU16(size_t at, uint16_t v);
  bool PatchU32(size_t at, uint32_t v);

  size_t size() const { return bytes_.size(); }
  const std::vector<uint8_t>& bytes() const { return bytes_; }
  std::vector<uint8_t> Take() { return std::move(bytes_); }

 private:
  template <typename T>
  void Write(T v, ByteOrder order);
  template <typename T>
  bool Patch(size_t at, T v);

  ByteOrder order_;
  std::vector<uint8_t> bytes_;
};

}  // namespace highport
