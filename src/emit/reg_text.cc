#include "emit/reg_text.h"

#include <set>

#include "fmt/format.h"
#include "text/strings.h"

namespace highport::emit {

std::string OneLine(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  return out;
}

std::string FileStem(std::string_view name) {
  std::string out;
  for (char c : name) {
    bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '.' || c == '-' || c == '_';
    out += keep ? c : '_';
  }
  // Windows refuses these names for files, whatever the extension.
  static const std::set<std::string> kReserved = {
      "con",  "prn",  "aux",  "nul",  "com1", "com2", "com3", "com4", "com5", "com6", "com7",
      "com8", "com9", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9"};
  if (out.empty() || out.front() == '.' || kReserved.contains(text::ToLowerAscii(out))) {
    out.insert(out.begin(), '_');
  }
  return out;
}

std::vector<std::string> UniqueFileStems(const std::vector<std::string>& names) {
  std::vector<std::string> stems;
  std::set<std::string> taken;
  for (const std::string& name : names) {
    std::string stem = FileStem(name);
    for (int n = 2; taken.contains(text::ToLowerAscii(stem)); ++n) {
      stem = fmt::format("{}-{}", FileStem(name), n);
    }
    taken.insert(text::ToLowerAscii(stem));
    stems.push_back(stem);
  }
  return stems;
}

std::string RestartText(std::string_view restart) {
  if (restart == "reboot") return "reboot the host";
  if (restart.starts_with("service:")) {
    return OneLine(fmt::format("restart the service {}", restart.substr(8)));
  }
  return OneLine(restart);
}

std::string PlanOrigin(std::string_view generator, std::string_view created) {
  return OneLine(fmt::format("the plan made by {} at {}", generator.empty() ? "?" : generator,
                             created.empty() ? "?" : created));
}

std::string CrlfText(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& line : lines) {
    out += line;
    out += "\r\n";
  }
  return out;
}

}  // namespace highport::emit
