// The .reg writer: a golden file for the RPC port pool of KB 154596 and a
// static NTDS port, and every file decoded back (UTF-16LE, continuation
// lines, hex(7)/hex(2)/hex(b)/dword/strings) to the values that went in.
#include "emit/reg_file.h"

#include <map>

#include "gtest/gtest.h"
#include "text/decode.h"

namespace highport::emit {
namespace {

std::vector<RegKey> RpcPool() {
  RegValue ports{"Ports", RegType::kMultiString, "", {"5000-5100"}, 0, {}};
  RegValue available{"PortsInternetAvailable", RegType::kString, "Y", {}, 0, {}};
  RegValue use{"UseInternetPorts", RegType::kString, "Y", {}, 0, {}};
  RegValue ntds{"TCP/IP Port", RegType::kDword, "", {}, 38901, {}};
  return {{"HKLM\\Software\\Microsoft\\Rpc\\Internet", false, {ports, available, use}},
          {"HKLM\\SYSTEM\\CurrentControlSet\\Services\\NTDS\\Parameters", false, {ntds}}};
}

TEST(RegFile, RpcPortPoolAsRegeditWritesIt) {
  EXPECT_EQ(RegFileText(RpcPool()),
            "Windows Registry Editor Version 5.00\r\n"
            "\r\n"
            "[HKEY_LOCAL_MACHINE\\Software\\Microsoft\\Rpc\\Internet]\r\n"
            "\"Ports\"=hex(7):35,00,30,00,30,00,30,00,2d,00,35,00,31,00,30,00,30,00,00,00,00,\\\r\n"
            "  00\r\n"
            "\"PortsInternetAvailable\"=\"Y\"\r\n"
            "\"UseInternetPorts\"=\"Y\"\r\n"
            "\r\n"
            "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\NTDS\\Parameters]\r\n"
            "\"TCP/IP Port\"=dword:000097f5\r\n"
            "\r\n");
}

TEST(RegFile, BytesAreUtf16LeWithAByteOrderMark) {
  std::string bytes = RegFileBytes(RpcPool());
  ASSERT_GE(bytes.size(), 4u);
  EXPECT_EQ(bytes.substr(0, 4), std::string("\xFF\xFEW\0", 4));
  EXPECT_EQ(bytes.size() % 2, 0u);
  EXPECT_EQ(bytes.size(), 2 + 2 * RegFileText(RpcPool()).size());  // all ASCII here
}

TEST(RegFile, RollbackDeletesKeysAndValues) {
  std::vector<RegKey> undo = {
      {"HKLM\\Software\\Microsoft\\Rpc\\Internet", true, {}},
      {"HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\Netlogon\\Parameters", false,
       {{"DCTcpipPort", RegType::kDelete, "", {}, 0, {}}}}};
  EXPECT_EQ(RegFileText(undo),
            "Windows Registry Editor Version 5.00\r\n\r\n"
            "[-HKEY_LOCAL_MACHINE\\Software\\Microsoft\\Rpc\\Internet]\r\n\r\n"
            "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\Netlogon\\Parameters]\r\n"
            "\"DCTcpipPort\"=-\r\n\r\n");
}

// ---- decoding back: what regedit would import --------------------------------

struct Decoded {
  std::string type;  // "sz", "dword", "hex(7)", ...
  std::string text;
  std::vector<std::string> strings;
  uint64_t number = 0;
  std::string bytes;
};
using DecodedFile = std::map<std::string, std::map<std::string, Decoded>>;

std::string HexBytes(std::string_view list) {
  std::string out;
  for (size_t i = 0; i + 1 < list.size(); i += 3) {
    out += static_cast<char>(std::stoi(std::string(list.substr(i, 2)), nullptr, 16));
  }
  return out;
}

std::string Utf8(std::string_view utf16) {
  return text::Decode(utf16, text::Encoding::kUtf16Le).utf8;
}

DecodedFile DecodeBack(const std::string& file_bytes) {
  text::DecodedText decoded = text::Decode(file_bytes, text::Encoding::kUtf16Le);
  EXPECT_EQ(decoded.replaced, 0u);
  std::vector<std::string> lines = text::SplitLines(decoded.utf8);
  EXPECT_EQ(lines.at(0), "Windows Registry Editor Version 5.00");
  DecodedFile out;
  std::string key;
  for (size_t i = 1; i < lines.size(); ++i) {
    std::string line = lines[i];
    while (!line.empty() && line.back() == '\\' && i + 1 < lines.size()) {
      line.pop_back();
      line += lines[++i].substr(2);  // the continuation's two spaces
    }
    if (line.empty()) continue;
    if (line.front() == '[') {
      key = line.substr(1, line.size() - 2);
      out[key];
      continue;
    }
    // "name"=data, with \\ and \" inside the quotes; @=data for (Default).
    std::string name;
    size_t at = 1;
    if (line.front() == '@') {
      at = 0;
    } else {
      for (; line[at] != '"'; ++at) name += line[at] == '\\' ? line[++at] : line[at];
    }
    std::string data = line.substr(at + 2);
    Decoded d;
    if (data.front() == '"') {
      d.type = "sz";
      for (size_t j = 1; j + 1 < data.size(); ++j) d.text += data[j] == '\\' ? data[++j] : data[j];
    } else if (data.rfind("dword:", 0) == 0) {
      d.type = "dword";
      d.number = std::stoull(data.substr(6), nullptr, 16);
    } else {
      size_t colon = data.find(':');
      d.type = data.substr(0, colon);
      d.bytes = HexBytes(data.substr(colon + 1) + ",");
      if (d.type == "hex(7)") {
        // UTF-16LE strings, each ended by a NUL character, the list by another.
        EXPECT_EQ(d.bytes.substr(d.bytes.size() - 4), std::string(4, '\0'));
        std::string current;
        for (size_t j = 0; j + 1 < d.bytes.size() - 2; j += 2) {
          if (d.bytes[j] == 0 && d.bytes[j + 1] == 0) {
            d.strings.push_back(Utf8(current));
            current.clear();
          } else {
            current += d.bytes.substr(j, 2);
          }
        }
      }
      if (d.type == "hex(2)") d.text = Utf8(d.bytes.substr(0, d.bytes.size() - 2));
      if (d.type == "hex(b)") {
        for (int j = 7; j >= 0; --j) d.number = d.number << 8 | static_cast<uint8_t>(d.bytes[j]);
      }
    }
    out[key][name] = d;
  }
  return out;
}

TEST(RegFile, DecodedBackGivesTheValuesThatWentIn) {
  std::vector<RegKey> keys = RpcPool();
  keys[0].values[0].strings = {"5000-5100", "5984", "6000-6100", "49152-49160", "7000-7010",
                               "Zähler \"quoted\""};  // long enough to wrap several times
  keys.push_back({"HKLM\\Software\\Test", false,
                  {{"Path", RegType::kExpandString, "%SystemRoot%\\system32", {}, 0, {}},
                   {"Big", RegType::kQword, "", {}, 0x0102030405060708ULL, {}},
                   {"Back\\slash \"name\"", RegType::kString, "C:\\Program Files\\\"x\"", {}, 0, {}},
                   {"", RegType::kString, "default", {}, 0, {}}}});
  std::string bytes = RegFileBytes(keys);
  for (const std::string& line : text::SplitLines(text::Decode(bytes, text::Encoding::kUtf16Le).utf8)) {
    EXPECT_LE(line.size(), 80u) << line;
  }
  DecodedFile back = DecodeBack(bytes);
  const auto& rpc = back.at("HKEY_LOCAL_MACHINE\\Software\\Microsoft\\Rpc\\Internet");
  EXPECT_EQ(rpc.at("Ports").type, "hex(7)");
  EXPECT_EQ(rpc.at("Ports").strings, keys[0].values[0].strings);
  EXPECT_EQ(rpc.at("PortsInternetAvailable").text, "Y");
  EXPECT_EQ(rpc.at("UseInternetPorts").type, "sz");
  const auto& ntds = back.at("HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\NTDS\\Parameters");
  EXPECT_EQ(ntds.at("TCP/IP Port").type, "dword");
  EXPECT_EQ(ntds.at("TCP/IP Port").number, 38901u);
  const auto& test = back.at("HKEY_LOCAL_MACHINE\\Software\\Test");
  EXPECT_EQ(test.at("Path").type, "hex(2)");
  EXPECT_EQ(test.at("Path").text, "%SystemRoot%\\system32");
  EXPECT_EQ(test.at("Big").number, 0x0102030405060708ULL);
  EXPECT_EQ(test.at("Back\\slash \"name\"").text, "C:\\Program Files\\\"x\"");
  EXPECT_EQ(test.at("").text, "default");
}

}  // namespace
}  // namespace highport::emit
