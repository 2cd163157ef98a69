#include "model/shared_library.h"

#include <dlfcn.h>

namespace highport {

SharedLibrary::SharedLibrary(const char* soname) {
  // RTLD_NOW: a symbol the library lacks shows here, not mid-command.
  handle_ = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
  if (handle_ == nullptr) {
    const char* why = dlerror();
    error_ = why != nullptr ? why : std::string(soname) + ": cannot be loaded";
  }
}

void* SharedLibrary::Find(const char* name) {
  if (handle_ == nullptr) return nullptr;
  dlerror();  // so that the message below is this lookup's
  void* symbol = dlsym(handle_, name);
  if (symbol == nullptr && error_.empty()) {
    const char* why = dlerror();
    error_ = why != nullptr ? why : std::string(name) + ": not found";
  }
  return symbol;
}

}  // namespace highport
