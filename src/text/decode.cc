#include "text/decode.h"

#include <iconv.h>

#include <cerrno>

namespace highport::text {

std::string_view EncodingName(Encoding encoding) {
  switch (encoding) {
    case Encoding::kAuto: return "auto";
    case Encoding::kUtf8: return "utf-8";
    case Encoding::kUtf16Le: return "utf-16le";
    case Encoding::kUtf16Be: return "utf-16be";
    case Encoding::kCp1252: return "cp1252";
    case Encoding::kCp850: return "cp850";
  }
  return "?";
}

std::optional<Encoding> ParseEncoding(std::string_view name) {
  std::string lower;
  for (char c : name) {
    if (c != '-' && c != '_') lower += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  }
  if (lower == "auto") return Encoding::kAuto;
  if (lower == "utf8") return Encoding::kUtf8;
  if (lower == "utf16le" || lower == "utf16" || lower == "unicode") return Encoding::kUtf16Le;
  if (lower == "utf16be") return Encoding::kUtf16Be;
  if (lower == "cp1252" || lower == "windows1252" || lower == "ansi") return Encoding::kCp1252;
  if (lower == "cp850" || lower == "ibm850" || lower == "oem" || lower == "oem850") {
    return Encoding::kCp850;
  }
  return std::nullopt;
}

namespace {

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t extra = 0;
    if (c >= 0xC2 && c <= 0xDF) extra = 1;
    else if (c >= 0xE0 && c <= 0xEF) extra = 2;
    else if (c >= 0xF0 && c <= 0xF4) extra = 3;
    else if (c >= 0x80) return false;
    if (s.size() - i - 1 < extra) return false;
    for (size_t k = 1; k <= extra; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += extra + 1;
  }
  return true;
}

// How letter-like a high byte reads in each code page: 2 for letters common in
// the languages Windows admins write (ä ö ü ß é è à ç ñ á ...), 1 for other
// letters, 0 for punctuation, box drawing and holes.
int Cp1252Letter(unsigned char b) {
  switch (b) {
    case 0xC4: case 0xD6: case 0xDC: case 0xDF: case 0xE4: case 0xF6: case 0xFC:  // ÄÖÜßäöü
    case 0xC9: case 0xE9: case 0xE8: case 0xE0: case 0xE7: case 0xEA: case 0xF1:  // Éé è à ç ê ñ
    case 0xE1: case 0xED: case 0xF3: case 0xFA: case 0xD1: case 0xE2: case 0xF4:  // á í ó ú Ñ â ô
      return 2;
    case 0xD7: case 0xF7: return 0;  // × ÷
    case 0x8A: case 0x8C: case 0x8E: case 0x9A: case 0x9C: case 0x9E: case 0x9F: case 0x83:
    case 0xAA: case 0xBA: case 0xB5:
      return 1;
    default: return b >= 0xC0 ? 1 : 0;
  }
}

int Cp850Letter(unsigned char b) {
  switch (b) {
    case 0x8E: case 0x99: case 0x9A: case 0xE1: case 0x84: case 0x94: case 0x81:  // ÄÖÜßäöü
    case 0x90: case 0x82: case 0x8A: case 0x85: case 0x87: case 0x88: case 0xA4:  // Éé è à ç ê ñ
    case 0xA0: case 0xA1: case 0xA2: case 0xA3: case 0xA5: case 0x83: case 0x93:  // á í ó ú Ñ â ô
      return 2;
    default:
      if (b <= 0x9B) return 1;                   // the rest of 0x80-0x9B are letters
      if (b == 0x9D || b == 0x9F || b == 0xA6 || b == 0xA7) return 1;  // Ø ƒ ª º
      if ((b >= 0xB5 && b <= 0xB7) || b == 0xC6 || b == 0xC7) return 1;
      if ((b >= 0xD0 && b <= 0xD8) || b == 0xDE || (b >= 0xE0 && b <= 0xED)) return 1;
      return 0;
  }
}

bool IsAsciiLetter(unsigned char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }

Encoding GuessSingleByte(std::string_view bytes) {
  long cp1252 = 0;
  long cp850 = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    unsigned char b = static_cast<unsigned char>(bytes[i]);
    if (b < 0x80) continue;
    bool beside_letter = (i > 0 && IsAsciiLetter(static_cast<unsigned char>(bytes[i - 1]))) ||
                         (i + 1 < bytes.size() && IsAsciiLetter(static_cast<unsigned char>(bytes[i + 1])));
    int weight = beside_letter ? 2 : 1;
    cp1252 += weight * Cp1252Letter(b);
    cp850 += weight * Cp850Letter(b);
  }
  return cp850 > cp1252 ? Encoding::kCp850 : Encoding::kCp1252;
}

const char* IconvName(Encoding encoding) {
  switch (encoding) {
    case Encoding::kUtf16Le: return "UTF-16LE";
    case Encoding::kUtf16Be: return "UTF-16BE";
    case Encoding::kCp1252: return "CP1252";
    case Encoding::kCp850: return "CP850";
    default: return "UTF-8";
  }
}

}  // namespace

Encoding DetectEncoding(std::string_view bytes) {
  if (bytes.starts_with("\xEF\xBB\xBF")) return Encoding::kUtf8;
  if (bytes.starts_with("\xFF\xFE")) return Encoding::kUtf16Le;
  if (bytes.starts_with("\xFE\xFF")) return Encoding::kUtf16Be;
  // UTF-16 without BOM: ASCII text has a NUL in every other byte.
  size_t sample = std::min<size_t>(bytes.size(), 4096) & ~size_t{1};
  size_t even_nuls = 0, odd_nuls = 0;
  for (size_t i = 0; i < sample; i += 2) {
    even_nuls += bytes[i] == '\0';
    odd_nuls += bytes[i + 1] == '\0';
  }
  if (sample >= 4) {
    if (odd_nuls * 10 > sample / 2 * 3 && odd_nuls > even_nuls * 4) return Encoding::kUtf16Le;
    if (even_nuls * 10 > sample / 2 * 3 && even_nuls > odd_nuls * 4) return Encoding::kUtf16Be;
  }
  if (IsValidUtf8(bytes)) return Encoding::kUtf8;
  return GuessSingleByte(bytes);
}

DecodedText Decode(std::string_view bytes, Encoding encoding) {
  DecodedText out;
  out.encoding = encoding == Encoding::kAuto ? DetectEncoding(bytes) : encoding;
  size_t unit = 1;
  switch (out.encoding) {
    case Encoding::kUtf8:
      if (bytes.starts_with("\xEF\xBB\xBF")) bytes.remove_prefix(3);
      break;
    case Encoding::kUtf16Le:
      if (bytes.starts_with("\xFF\xFE")) bytes.remove_prefix(2);
      unit = 2;
      break;
    case Encoding::kUtf16Be:
      if (bytes.starts_with("\xFE\xFF")) bytes.remove_prefix(2);
      unit = 2;
      break;
    default: break;
  }

  // Valid UTF-8 (and so ASCII) needs no conversion; iconv would only copy it.
  if (out.encoding == Encoding::kUtf8 && IsValidUtf8(bytes)) {
    out.utf8.assign(bytes);
    return out;
  }
  iconv_t cd = iconv_open("UTF-8", IconvName(out.encoding));
  if (cd == reinterpret_cast<iconv_t>(-1)) {  // cannot happen with glibc; keep the bytes
    out.utf8.assign(bytes);
    return out;
  }
  out.utf8.reserve(bytes.size() * (unit == 2 ? 1 : 2));
  char buffer[16384];
  char* in = const_cast<char*>(bytes.data());  // iconv's signature; it does not write
  size_t in_left = bytes.size();
  while (in_left > 0) {
    char* outp = buffer;
    size_t out_left = sizeof buffer;
    size_t rc = iconv(cd, &in, &in_left, &outp, &out_left);
    out.utf8.append(buffer, static_cast<size_t>(outp - buffer));
    if (rc != static_cast<size_t>(-1)) break;
    if (errno == E2BIG) continue;
    // EILSEQ or EINVAL (a cut sequence at the end): replace one unit, go on.
    out.utf8 += "\xEF\xBF\xBD";
    ++out.replaced;
    size_t skip = std::min(unit, in_left);
    in += skip;
    in_left -= skip;
    iconv(cd, nullptr, nullptr, nullptr, nullptr);
  }
  iconv_close(cd);
  return out;
}

std::vector<std::string> SplitLines(std::string_view text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string line;
    line.reserve(end - start);
    for (size_t i = start; i < end; ++i) {
      if (text[i] != '\0') line += text[i];
    }
    // CRLF, and the CR CR LF that a text-mode copy of a CRLF file gives.
    while (!line.empty() && line.back() == '\r') line.pop_back();
    if (end == text.size() && line.empty() && start == text.size()) break;
    lines.push_back(std::move(line));
    start = end + 1;
  }
  return lines;
}

}  // namespace highport::text
