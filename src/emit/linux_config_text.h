// Text helpers shared by the writers of Linux configuration files (nftables,
// iptables-restore, smb.conf). Those formats have a line comment and little
// else in common; what they share is the danger that free text from a plan (a
// rule name, a display name typed by an administrator) breaks out of its
// comment: a newline there would start a statement the plan never asked for.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "plan/plan.h"

namespace highport::emit {

// Free text made safe to follow a line comment marker: one line (control
// characters become spaces), valid UTF-8 (invalid bytes become '?'), so that
// names with quotes, spaces and non-ASCII letters are shown as they are.
std::string ConfigOneLine(std::string_view text);

// Text for a quoted string of nftables or iptables (`comment "..."`): nft has
// no escape for '"' and both cap the length, so anything but printable ASCII
// other than '"' and '\' becomes '_', cut at `max_bytes`.
std::string QuotableAscii(std::string_view text, size_t max_bytes);

// "2025-12-05": a day in UTC, for "seen from ... to ..." comments.
std::string UtcDay(int64_t seconds_since_epoch);

// The lines every Linux file starts with (without comment markers): what made
// it, from which plan, and that it is generated.
std::vector<std::string> GeneratedByLines(const plan::Plan& plan);

// Each line prefixed with `marker` ("# "), an empty line written as the bare
// marker without trailing space; every line ends in '\n'.
std::string CommentBlock(const std::vector<std::string>& lines, std::string_view marker = "#");

}  // namespace highport::emit
