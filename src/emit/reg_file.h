// Windows registry files as regedit exports them ("Windows Registry Editor
// Version 5.00"): the format administrators double-click, review and deploy.
// UTF-16LE with a byte order mark and CRLF; REG_SZ as "text" with \ and "
// escaped; REG_DWORD as dword:00001f90; REG_MULTI_SZ, REG_EXPAND_SZ, REG_QWORD
// and REG_BINARY as hex(7), hex(2), hex(b) and hex bytes, wrapped at 80
// columns with a trailing backslash as regedit wraps them. A key written as
// [-KEY] is deleted, a value written as "name"=- is deleted: that is how the
// rollback files undo what a plan created.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace highport::emit {

enum class RegType : uint8_t {
  kString,        // REG_SZ
  kExpandString,  // REG_EXPAND_SZ
  kMultiString,   // REG_MULTI_SZ
  kDword,         // REG_DWORD
  kQword,         // REG_QWORD
  kBinary,        // REG_BINARY
  kDelete,        // the value is removed
};

struct RegValue {
  std::string name;  // empty: the key's (Default) value, written @
  RegType type = RegType::kString;
  std::string text;                  // kString, kExpandString
  std::vector<std::string> strings;  // kMultiString
  uint64_t number = 0;               // kDword, kQword
  std::vector<uint8_t> bytes;        // kBinary
};

struct RegKey {
  // A full path; HKLM, HKCU, HKCR, HKU and HKCC are written out
  // (HKEY_LOCAL_MACHINE, ...), as regedit requires.
  std::string path;
  bool remove = false;  // [-path]: the key and everything below it
  std::vector<RegValue> values;
};

// The file's text in UTF-8 with CRLF, for display and tests.
std::string RegFileText(const std::vector<RegKey>& keys);
// The file as regedit writes it: UTF-16LE with a byte order mark.
std::string RegFileBytes(const std::vector<RegKey>& keys);

// "HKLM\Software\..." -> "HKEY_LOCAL_MACHINE\Software\...".
std::string FullKeyPath(std::string_view path);

}  // namespace highport::emit
