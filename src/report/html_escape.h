// Escaping for the HTML report. Everything the evidence names (host names,
// process and service names, annotations from an endpoint mapper, file
// names) is untrusted: a log line can hold "<script>". Every text that goes
// into the page goes through one of these.
#pragma once

#include <string>
#include <string_view>

namespace highport::report {

// Text content and attribute values (double or single quoted): & < > " '
// become character references. Control characters other than tab and
// newline become U+FFFD, and so do bytes that are not valid UTF-8, so that
// the page stays well-formed whatever a reader decoded.
std::string EscapeHtml(std::string_view text);

// A label for Graphviz (cgraph attribute values): Graphviz escapes XML
// itself when it writes SVG, but reads backslash sequences (\N, \G, \n) in
// labels: a backslash is doubled, a newline becomes Graphviz's line break
// (backslash n), other control characters are dropped and invalid UTF-8
// becomes U+FFFD.
std::string EscapeGraphvizLabel(std::string_view text);

}  // namespace highport::report
