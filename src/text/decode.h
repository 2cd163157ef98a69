// Decoding of text inputs into UTF-8 lines.
//
// Administrators hand us what their tools wrote: netstat redirected by cmd.exe
// in the console's OEM code page (CP850 on German Windows, where "Ö" is the
// byte 0x99), the same text saved by another tool as Windows-1252 (0xD6),
// PowerShell's `>` writing UTF-16LE with a BOM, UTF-8 from Linux, CRLF or LF.
// The guess goes: byte order mark; else the pattern of NUL bytes that ASCII
// text in UTF-16 shows; else valid UTF-8; else the single-byte code page whose
// reading of the high bytes gives the most letters next to letters. `--encoding`
// overrides the guess.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace highport::text {

enum class Encoding : uint8_t { kAuto, kUtf8, kUtf16Le, kUtf16Be, kCp1252, kCp850 };

std::string_view EncodingName(Encoding encoding);  // "utf-8", "utf-16le", "cp1252", ...
std::optional<Encoding> ParseEncoding(std::string_view name);

// Guesses the encoding of raw bytes (never returns kAuto).
Encoding DetectEncoding(std::string_view bytes);

struct DecodedText {
  std::string utf8;
  Encoding encoding = Encoding::kUtf8;
  size_t replaced = 0;  // byte sequences that could not be decoded, now U+FFFD
};

// Converts to UTF-8 with iconv, dropping any byte order mark. Undecodable
// sequences become U+FFFD and are counted; decoding never fails as a whole.
DecodedText Decode(std::string_view bytes, Encoding encoding = Encoding::kAuto);

// Splits at LF, dropping a CR before it and NUL bytes; line i is lines[i-1].
std::vector<std::string> SplitLines(std::string_view text);

}  // namespace highport::text
