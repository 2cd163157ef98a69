// `netsh int ipv4 show dynamicport tcp` prints a title naming the protocol,
// a ruler of dashes, and two "label : number" lines: the start port, then
// the number of ports. The labels are localised ("Start Port", "Startport",
// "Port de début"); their order is not, so the numbers are read by position.
//
//   Protocol tcp Dynamic Port Range
//   ---------------------------------
//   Start Port      : 49152
//   Number of Ports : 16384
#include "ingest/netsh_dynamicport.h"

#include <charconv>

#include "fmt/format.h"
#include "text/strings.h"

namespace highport::ingest {
namespace {

struct Listing {
  std::string proto;      // "tcp", "udp" or "" when the title names neither
  uint64_t title_line = 0;
  std::vector<std::pair<uint64_t, std::string_view>> values;  // line, text after ':'
};

bool IsRuler(std::string_view line) {
  line = text::Trim(line);
  return line.size() >= 10 && line.find_first_not_of('-') == std::string_view::npos;
}

Listing Scan(const text::TextDocument& doc) {
  Listing listing;
  bool after_ruler = false;
  for (size_t i = 0; i < doc.lines.size(); ++i) {
    std::string_view line = doc.lines[i];
    if (IsRuler(line)) {
      after_ruler = true;
      if (i > 0) {
        listing.title_line = i;
        for (std::string_view word : text::SplitWhitespace(doc.lines[i - 1])) {
          std::string lower = text::ToLowerAscii(word);
          if (lower == "tcp" || lower == "udp") listing.proto = lower;
        }
      }
      continue;
    }
    size_t colon = line.rfind(':');
    if (after_ruler && colon != std::string_view::npos && !text::Trim(line).empty()) {
      listing.values.emplace_back(i + 1, text::Trim(line.substr(colon + 1)));
    }
  }
  return listing;
}

bool ParseNumber(std::string_view text, uint32_t& value) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

int ProbeNetshDynamicPort(const text::TextDocument& doc) {
  if (doc.lines.size() > 40) return 0;
  Listing listing = Scan(doc);
  if (listing.values.size() != 2 || listing.title_line == 0) return 0;
  uint32_t a = 0, b = 0;
  if (!ParseNumber(listing.values[0].second, a) || !ParseNumber(listing.values[1].second, b)) {
    return 0;
  }
  return 80;
}

void ReadNetshDynamicPort(const text::TextDocument& doc, SocketInventory& out,
                          Diagnostics& diagnostics) {
  Listing listing = Scan(doc);
  if (listing.values.size() < 2) {
    diagnostics.SkipLine(doc.name, listing.title_line, "netsh.incomplete",
                         "expected a start port and a number of ports after the ruler");
    return;
  }
  uint32_t start = 0, count = 0;
  auto [start_line, start_text] = listing.values[0];
  auto [count_line, count_text] = listing.values[1];
  if (!ParseNumber(start_text, start) || start < 1 || start > 65535) {
    diagnostics.SkipLine(doc.name, start_line, "netsh.bad_start",
                         fmt::format("start port '{}' is not 1-65535", start_text));
    return;
  }
  if (!ParseNumber(count_text, count) || count < 1 || start + count - 1 > 65535) {
    diagnostics.SkipLine(doc.name, count_line, "netsh.bad_count",
                         fmt::format("number of ports '{}' does not fit after start port {}",
                                     count_text, start));
    return;
  }
  if (listing.proto == "udp") {
    diagnostics.Note(doc.name, listing.title_line, "netsh.udp_range",
                     "this is the UDP dynamic range; the TCP range decides RPC ports");
    return;
  }
  out.tcp_dynamic_range =
      PortRange{static_cast<uint16_t>(start), static_cast<uint16_t>(start + count - 1)};
  ++out.lines_read;
}

}  // namespace highport::ingest
