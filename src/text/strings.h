// Small string helpers shared by the text readers. ASCII-only case folding:
// the words we match are ASCII or compared after decoding to UTF-8.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace highport::text {

std::string_view Trim(std::string_view s);
std::string ToLowerAscii(std::string_view s);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix);

// Splits at runs of spaces and tabs.
std::vector<std::string_view> SplitWhitespace(std::string_view s);
// Splits at every occurrence of the separator; keeps empty fields.
std::vector<std::string_view> Split(std::string_view s, char separator);

// The number of Unicode code points (not bytes) in UTF-8 text; for column widths.
size_t DisplayWidth(std::string_view utf8);

// Names in the order a person numbers files: runs of digits by their value
// ("trace.pcap2" before "trace.pcap10"), the rest byte by byte.
bool NaturalLess(std::string_view a, std::string_view b);

}  // namespace highport::text
