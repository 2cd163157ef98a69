#include "emit/windows_script.h"

#include "fmt/format.h"

namespace highport::emit {
namespace {

// The UTF-8 byte length of a sequence starting at `text[i]` that is one of
// the line separators U+0085, U+2028, U+2029; 0 when it is none.
size_t LineSeparatorAt(std::string_view text, size_t i) {
  if (text.substr(i, 2) == "\xC2\x85") return 2;
  if (text.substr(i, 3) == "\xE2\x80\xA8" || text.substr(i, 3) == "\xE2\x80\xA9") return 3;
  return 0;
}

// U+2018..U+201B in UTF-8: E2 80 98..9B. PowerShell reads each as a single quote.
size_t TypographicQuoteAt(std::string_view text, size_t i) {
  if (i + 2 < text.size() && text[i] == '\xE2' && text[i + 1] == '\x80' &&
      static_cast<unsigned char>(text[i + 2]) >= 0x98 &&
      static_cast<unsigned char>(text[i + 2]) <= 0x9B) {
    return 3;
  }
  return 0;
}

bool IsControl(char c) { return static_cast<unsigned char>(c) < 0x20 || c == '\x7F'; }

}  // namespace

void ScriptText::Line(std::string_view line) {
  text_.append(line);
  text_.append("\r\n");
}

std::string OneLineText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    if (size_t n = LineSeparatorAt(text, i)) {
      out.push_back(' ');
      i += n;
      continue;
    }
    out.push_back(IsControl(text[i]) ? ' ' : text[i]);
    ++i;
  }
  return out;
}

bool HasNonAscii(std::string_view text) {
  for (char c : text) {
    if (static_cast<unsigned char>(c) >= 0x80) return true;
  }
  return false;
}

std::string CmdRemark(std::string_view text) {
  std::string out = "REM";
  std::string line = OneLineText(text);
  while (!line.empty() && (line.back() == '^' || line.back() == ' ')) line.pop_back();
  if (line.empty()) return out;
  out.push_back(' ');
  for (char c : line) {
    if (c == '%') out.push_back('%');
    out.push_back(c);
  }
  return out;
}

std::string CmdEcho(std::string_view text) {
  // "echo(" never prints "ECHO is off." and never reads the text as an option.
  std::string out = "echo(";
  for (char c : OneLineText(text)) {
    if (c == '%') {
      out.push_back('%');
    } else if (c == '^' || c == '&' || c == '|' || c == '<' || c == '>' || c == '(' ||
               c == ')') {
      out.push_back('^');
    }
    out.push_back(c);
  }
  return out;
}

Result<std::string> CmdQuote(std::string_view text) {
  if (text.empty()) return Error{"an empty argument"};
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '"') return Error{"a double quote, which cmd.exe cannot quote safely"};
    if (IsControl(text[i]) || LineSeparatorAt(text, i) != 0) {
      return Error{"a control character or line break"};
    }
  }
  std::string out = "\"";
  for (char c : text) {
    if (c == '%') out.push_back('%');
    out.push_back(c);
  }
  size_t trailing = 0;
  while (trailing < text.size() && text[text.size() - 1 - trailing] == '\\') ++trailing;
  out.append(trailing, '\\');
  out.push_back('"');
  return out;
}

void CmdStart(ScriptText& text, const std::vector<std::string>& remarks,
              const std::vector<std::string>& checks, bool rollback) {
  text.Line("@echo off");
  for (const std::string& remark : remarks) text.Line(CmdRemark(remark));
  text.Line("setlocal DisableDelayedExpansion");
  text.Line("net session >nul 2>&1 || (echo Run this file as administrator. & exit /b 1)");
  for (const std::string& check : checks) text.Line(check);
  if (rollback) text.Line("set HIGHPORT_FAILED=0");
  text.Blank();
}

void CmdFinish(ScriptText& text, const std::vector<std::string>& summary, bool rollback,
               std::string_view undo_file) {
  if (rollback) {
    text.Line("if %HIGHPORT_FAILED% neq 0 (echo highport: %HIGHPORT_FAILED% commands failed. & "
              "exit /b 1)");
  }
  for (const std::string& line : summary) text.Line(CmdEcho(line));
  text.Line("exit /b 0");
  if (rollback) return;
  text.Blank();
  text.Line(":error");
  text.Line(CmdEcho(fmt::format("highport: the command above failed; nothing after it was run. "
                                "Undo what ran: {}", undo_file)));
  text.Line("exit /b 1");
}

std::string CmdUtf8IfNeeded(std::string text) {
  if (!HasNonAscii(text)) return text;
  size_t first = text.find("\r\n");
  text.insert(first == std::string::npos ? 0 : first + 2, "chcp 65001 >nul\r\n");
  return text;
}

std::string PsQuote(std::string_view text) {
  std::string out = "'";
  for (size_t i = 0; i < text.size();) {
    if (size_t n = TypographicQuoteAt(text, i)) {
      out.append(text.substr(i, n));
      out.append(text.substr(i, n));
      i += n;
      continue;
    }
    if (text[i] == '\'') out.push_back('\'');
    out.push_back(text[i]);
    ++i;
  }
  out.push_back('\'');
  return out;
}

std::string PsArray(const std::vector<std::string>& items) {
  std::string out = "@(";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out.append(", ");
    out.append(PsQuote(items[i]));
  }
  out.push_back(')');
  return out;
}

std::string PsComment(std::string_view text) {
  std::string line = OneLineText(text);
  return line.empty() ? "#" : "# " + line;
}

}  // namespace highport::emit
