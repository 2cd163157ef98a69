// Encoding UTF-8 text for the files Windows tools read: regedit wants
// UTF-16LE with a byte order mark.
#pragma once

#include <string>
#include <string_view>

namespace highport::text {

// UTF-8 to UTF-16LE, without a byte order mark, through iconv. A byte that
// is not valid UTF-8 becomes U+FFFD.
std::string EncodeUtf16Le(std::string_view utf8);

}  // namespace highport::text
