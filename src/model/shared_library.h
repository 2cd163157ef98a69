// A system library loaded when a command first needs it (dlopen), not when
// highport starts. libpcap and Graphviz bring 15 more libraries with them
// (dbus, systemd, gcrypt, ltdl, expat, ...): loading and relocating those
// cost every command 2-3 ms, a seventh of reading a 4 MB firewall log, though
// only captures and the report's map use them. Their headers still
// give the types; CMake finds each library's SONAME when it configures.
#pragma once
#include <string>

namespace highport {

class SharedLibrary {
 public:
  // Loads `soname` (once per process: dlopen counts references). The
  // library is never unloaded; functions bound from it stay valid.
  explicit SharedLibrary(const char* soname);

  // Points `function` at the symbol `name` of the library, or at nothing;
  // a missing symbol makes error() say which.
  template <class T>
  void Bind(T*& function, const char* name) {
    function = reinterpret_cast<T*>(Find(name));
  }

  // Empty while the library and every symbol asked for were found; else
  // the dynamic loader's words for the first failure.
  const std::string& error() const { return error_; }

 private:
  void* Find(const char* name);

  void* handle_ = nullptr;
  std::string error_;
};

}  // namespace highport
