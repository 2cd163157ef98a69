// Text from plan.json made safe for the Windows scripts highport writes
// (cmd.exe batch files and PowerShell), shared by the cmd, advfirewall and
// PowerShell writers.
//
// plan.json may have been edited by hand, so every string in it is untrusted:
// a newline in a risk note would end a REM or # comment and start a line that
// runs; a '%' in a batch file is expanded (and "%~" in a REM even aborts the
// script); a '"' in a cmd.exe argument toggles cmd's quote state, after which
// '&' and '|' start new commands. PowerShell takes the typographic quotes
// U+2018..U+201B as single quotes too, so each of them is doubled like '.
// What cannot be written exactly is refused with a reason; the writers leave
// that item out and name it in a comment (SkippedProposal).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/result.h"

namespace highport::emit {

// A proposal (or a part of one) that a writer left out, and why. The writers
// put one comment line per item into the file that would have held it.
struct SkippedProposal {
  std::string proposal_id;  // "rule:7", "minimise:fs01:Spooler"
  std::string reason;       // "the command has '&' outside quotes: ..."
};

// Lines ending in CRLF, as cmd.exe and Windows PowerShell expect.
class ScriptText {
 public:
  void Line(std::string_view line);
  void Blank() { Line(""); }
  const std::string& str() const { return text_; }
  std::string&& Take() { return std::move(text_); }

 private:
  std::string text_;
};

// Control characters (CR, LF, TAB, ...) and the Unicode line separators
// (U+0085, U+2028, U+2029) become spaces: the text stays on one line.
std::string OneLineText(std::string_view text);
bool HasNonAscii(std::string_view text);

// ---- cmd.exe batch files -----------------------------------------------------

// "REM text" with % doubled and no caret at the end of the line (a caret
// there would join the next line to the remark).
std::string CmdRemark(std::string_view text);
// "echo text" with % doubled and ^ & | < > ( ) escaped with a caret.
std::string CmdEcho(std::string_view text);
// One argument in double quotes, % doubled, backslashes before the closing
// quote doubled (the C runtime's argument rule). Refuses a '"' (cmd.exe
// cannot quote it safely), control characters and an empty text.
Result<std::string> CmdQuote(std::string_view text);

// The frame every batch file of highport shares: "@echo off", the remarks,
// setlocal, the administrator check, `checks` (more lines that exit on a
// mismatch), and for a rollback file the failure counter that
// kCmdCountFailure adds to.
inline constexpr std::string_view kCmdStopOnError = " || goto :error";
inline constexpr std::string_view kCmdCountFailure = " || set /a HIGHPORT_FAILED+=1";
void CmdStart(ScriptText& text, const std::vector<std::string>& remarks,
              const std::vector<std::string>& checks, bool rollback);
// The end: the summary echoes, then for an apply file the :error label that
// kCmdStopOnError jumps to (naming `undo_file`), for a rollback file the exit
// code from the failure counter.
void CmdFinish(ScriptText& text, const std::vector<std::string>& summary, bool rollback,
               std::string_view undo_file);
// cmd.exe reads a batch file in the console's code page: a file with text
// that is not ASCII gets `chcp 65001` (UTF-8) right after its first line.
std::string CmdUtf8IfNeeded(std::string text);

// ---- PowerShell --------------------------------------------------------------

// 'text' with ' and U+2018..U+201B doubled: PowerShell expands nothing inside.
std::string PsQuote(std::string_view text);
// @('a', 'b')
std::string PsArray(const std::vector<std::string>& items);
// "# text", one line.
std::string PsComment(std::string_view text);

}  // namespace highport::emit
