#include "emit/reg_file.h"

#include <array>

#include "fmt/format.h"
#include "text/encode.h"

namespace highport::emit {
namespace {

constexpr std::string_view kCrlf = "\r\n";
// regedit breaks hex data after the byte that takes a line past this column,
// ending the line with a backslash and going on two spaces in.
constexpr size_t kWrapColumn = 76;

std::string Quoted(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '\\' || c == '"') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string Utf16WithNul(std::string_view utf8) { return text::EncodeUtf16Le(utf8) + std::string(2, '\0'); }

// "name"=hex(7):35,00,... with regedit's line breaks.
std::string HexValue(const std::string& head, std::string_view kind, std::string_view bytes) {
  std::string out;
  std::string line = head + std::string(kind) + ":";
  for (size_t i = 0; i < bytes.size(); ++i) {
    line += fmt::format("{:02x}", static_cast<uint8_t>(bytes[i]));
    if (i + 1 == bytes.size()) break;
    line += ',';
    if (line.size() > kWrapColumn) {
      out += line + "\\" + std::string(kCrlf);
      line = "  ";
    }
  }
  return out + line + std::string(kCrlf);
}

std::string ValueLine(const RegValue& v) {
  std::string head = (v.name.empty() ? std::string("@") : Quoted(v.name)) + "=";
  switch (v.type) {
    case RegType::kString: return head + Quoted(v.text) + std::string(kCrlf);
    case RegType::kDelete: return head + "-" + std::string(kCrlf);
    case RegType::kDword:
      return head + fmt::format("dword:{:08x}", static_cast<uint32_t>(v.number)) + std::string(kCrlf);
    case RegType::kQword: {
      std::string bytes;
      for (int i = 0; i < 8; ++i) bytes += static_cast<char>((v.number >> (8 * i)) & 0xFF);
      return HexValue(head, "hex(b)", bytes);
    }
    case RegType::kExpandString: return HexValue(head, "hex(2)", Utf16WithNul(v.text));
    case RegType::kMultiString: {
      std::string bytes;
      for (const std::string& s : v.strings) bytes += Utf16WithNul(s);
      bytes += std::string(2, '\0');  // the empty string that ends the list
      return HexValue(head, "hex(7)", bytes);
    }
    case RegType::kBinary:
      return HexValue(head, "hex", std::string_view(reinterpret_cast<const char*>(v.bytes.data()),
                                                    v.bytes.size()));
  }
  return {};
}

}  // namespace

std::string FullKeyPath(std::string_view path) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 5> kHives = {{
      {"HKLM", "HKEY_LOCAL_MACHINE"},
      {"HKCU", "HKEY_CURRENT_USER"},
      {"HKCR", "HKEY_CLASSES_ROOT"},
      {"HKU", "HKEY_USERS"},
      {"HKCC", "HKEY_CURRENT_CONFIG"},
  }};
  for (const auto& [shortname, full] : kHives) {
    if (path.substr(0, path.find('\\')) == shortname) {
      return std::string(full) + std::string(path.substr(shortname.size()));
    }
  }
  return std::string(path);
}

std::string RegFileText(const std::vector<RegKey>& keys) {
  std::string out = "Windows Registry Editor Version 5.00" + std::string(kCrlf);
  for (const RegKey& key : keys) {
    out += std::string(kCrlf) + "[" + (key.remove ? "-" : "") + FullKeyPath(key.path) + "]" +
           std::string(kCrlf);
    if (key.remove) continue;
    for (const RegValue& v : key.values) out += ValueLine(v);
  }
  return out + std::string(kCrlf);
}

std::string RegFileBytes(const std::vector<RegKey>& keys) {
  return std::string("\xFF\xFE", 2) + text::EncodeUtf16Le(RegFileText(keys));
}

}  // namespace highport::emit
