// Text helpers shared by the registry-based writers (.reg, ADMX, sceregvl.inf):
// plan text made safe for comments and file names, restarts in words, and
// CRLF text, since every file these writers emit is read on Windows.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace highport::emit {

// Plan text made safe for a one-line comment: control characters (CR, LF,
// TAB, ...) become spaces, so no comment can start a line of its own.
std::string OneLine(std::string_view text);

// A host or group name made safe as a file name: letters, digits, '.', '-'
// and '_' stay, anything else (a '/', "..", a space, a non-ASCII byte)
// becomes '_'; never empty, never starting with '.', never a name Windows
// reserves (CON, NUL, COM1, ...).
std::string FileStem(std::string_view name);

// FileStem of each name, made unique (case-insensitively, as Windows compares
// file names) by "-2", "-3", ... in order.
std::vector<std::string> UniqueFileStems(const std::vector<std::string>& names);

// "reboot" -> "reboot the host", "service:Netlogon" -> "restart the service
// Netlogon"; anything else as the plan says it, on one line.
std::string RestartText(std::string_view restart);

// "the plan made by highport 0.1.0 at 2026-12-05T12:00:00Z", on one line.
std::string PlanOrigin(std::string_view generator, std::string_view created);

// The lines joined, each ended by CRLF.
std::string CrlfText(const std::vector<std::string>& lines);

}  // namespace highport::emit
