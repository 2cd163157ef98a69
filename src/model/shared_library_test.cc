#include "model/shared_library.h"

#include <gtest/gtest.h>

#include <cstring>

namespace highport {
namespace {

// glibc's SONAME on every Linux that highport builds on.
constexpr const char* kLibc = "libc.so.6";

TEST(SharedLibrary, BindsAFunctionThatCanBeCalled) {
  SharedLibrary lib(kLibc);
  decltype(&std::strlen) length = nullptr;
  lib.Bind(length, "strlen");
  ASSERT_EQ(lib.error(), "");
  ASSERT_NE(length, nullptr);
  EXPECT_EQ(length("highport"), 8u);
}

TEST(SharedLibrary, AMissingLibraryIsNamedInTheError) {
  SharedLibrary lib("libhighport-no-such-library.so.7");
  decltype(&std::strlen) length = &std::strlen;
  lib.Bind(length, "strlen");
  EXPECT_EQ(length, nullptr);
  EXPECT_NE(lib.error().find("libhighport-no-such-library.so.7"), std::string::npos)
      << lib.error();
}

TEST(SharedLibrary, AMissingSymbolIsNamedAndTheFirstFailureKept) {
  SharedLibrary lib(kLibc);
  decltype(&std::strlen) length = nullptr, nothing = nullptr, neither = nullptr;
  lib.Bind(nothing, "highport_no_such_function");
  lib.Bind(length, "strlen");
  lib.Bind(neither, "highport_nor_this_one");
  EXPECT_EQ(nothing, nullptr);
  EXPECT_NE(length, nullptr);
  EXPECT_NE(lib.error().find("highport_no_such_function"), std::string::npos) << lib.error();
  EXPECT_EQ(lib.error().find("highport_nor_this_one"), std::string::npos) << lib.error();
}

}  // namespace
}  // namespace highport
