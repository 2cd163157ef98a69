#include "text/encode.h"

#include <iconv.h>

#include <cerrno>

namespace highport::text {

std::string EncodeUtf16Le(std::string_view utf8) {
  std::string out;
  iconv_t cd = iconv_open("UTF-16LE", "UTF-8");
  if (cd == reinterpret_cast<iconv_t>(-1)) return out;  // glibc always has both
  out.resize(utf8.size() * 4 + 4);  // at most 4 bytes of UTF-16 per byte of UTF-8
  char* in = const_cast<char*>(utf8.data());  // iconv's signature; it does not write
  size_t in_left = utf8.size();
  char* put = out.data();
  size_t out_left = out.size();
  while (in_left > 0) {
    if (iconv(cd, &in, &in_left, &put, &out_left) != static_cast<size_t>(-1)) break;
    if (errno != EILSEQ && errno != EINVAL) break;
    // U+FFFD for the bad byte, then go on after it.
    *put++ = '\xFD';
    *put++ = '\xFF';
    out_left -= 2;
    ++in;
    --in_left;
  }
  iconv_close(cd);
  out.resize(out.size() - out_left);
  return out;
}

}  // namespace highport::text
