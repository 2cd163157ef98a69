// Quoting for cmd.exe and PowerShell: each rule pinned with the text that
// would break it.
#include "emit/windows_script.h"

#include <gtest/gtest.h>

namespace highport::emit {
namespace {

TEST(WindowsScript, RemarksStayOnOneLineAndDoNotExpand) {
  EXPECT_EQ(CmdRemark("risk\r\ndel x"), "REM risk  del x");
  EXPECT_EQ(CmdRemark("100% %~ sure"), "REM 100%% %%~ sure");
  EXPECT_EQ(CmdRemark("joins the next line ^"), "REM joins the next line");
  EXPECT_EQ(CmdRemark("sep\xE2\x80\xA8here"), "REM sep here");
  EXPECT_EQ(CmdRemark(""), "REM");
}

TEST(WindowsScript, EchoEscapesOperators) {
  EXPECT_EQ(CmdEcho("a & b | c < d > e ^ (f) 5%"), "echo(a ^& b ^| c ^< d ^> e ^^ ^(f^) 5%%");
}

TEST(WindowsScript, CmdQuoteRefusesWhatCmdCannotQuote) {
  EXPECT_EQ(*CmdQuote("TCP/IP Port"), "\"TCP/IP Port\"");
  EXPECT_EQ(*CmdQuote("%SystemRoot%\\x.exe"), "\"%%SystemRoot%%\\x.exe\"");
  EXPECT_EQ(*CmdQuote("C:\\dir\\"), "\"C:\\dir\\\\\"");  // \" would escape the quote
  EXPECT_FALSE(CmdQuote("say \"hi\"").ok());
  EXPECT_FALSE(CmdQuote("two\nlines").ok());
  EXPECT_FALSE(CmdQuote("").ok());
}

TEST(WindowsScript, PowerShellSingleQuotesDoubleEveryKindOfQuote) {
  EXPECT_EQ(PsQuote("it's $env:X `n"), "'it''s $env:X `n'");
  // U+2019 is a single quote to PowerShell: undoubled it would end the string.
  EXPECT_EQ(PsQuote("Bob\xE2\x80\x99s"), "'Bob\xE2\x80\x99\xE2\x80\x99s'");
  EXPECT_EQ(PsArray({"a", "b'c"}), "@('a', 'b''c')");
  EXPECT_EQ(PsComment("x\ny"), "# x y");
}

TEST(WindowsScript, FrameAndCodePage) {
  ScriptText t;
  CmdStart(t, {"remark"}, {}, true);
  CmdFinish(t, {"done"}, true, "");
  EXPECT_EQ(t.str(),
            "@echo off\r\nREM remark\r\nsetlocal DisableDelayedExpansion\r\n"
            "net session >nul 2>&1 || (echo Run this file as administrator. & exit /b 1)\r\n"
            "set HIGHPORT_FAILED=0\r\n\r\n"
            "if %HIGHPORT_FAILED% neq 0 (echo highport: %HIGHPORT_FAILED% commands failed. & exit /b 1)\r\n"
            "echo(done\r\nexit /b 0\r\n");
  EXPECT_EQ(CmdUtf8IfNeeded("@echo off\r\nREM B\xC3\xBCro\r\n"),
            "@echo off\r\nchcp 65001 >nul\r\nREM B\xC3\xBCro\r\n");
  EXPECT_EQ(CmdUtf8IfNeeded("@echo off\r\n"), "@echo off\r\n");
}

}  // namespace
}  // namespace highport::emit
