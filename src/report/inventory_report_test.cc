// The report's output is compared with checked-in expected files. After an
// intended change, regenerate them with HIGHPORT_UPDATE_GOLDEN=1 and review the diff.
#include "report/inventory_report.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "analysis/testing.h"
#include "report/table.h"
#include "text/document.h"

namespace highport::report {
namespace {

std::string Golden(const std::string& name) {
  return std::string(HIGHPORT_SOURCE_DIR) + "/src/report/testdata/" + name;
}

void ExpectGolden(const std::string& name, const std::string& actual) {
  if (std::getenv("HIGHPORT_UPDATE_GOLDEN")) {
    std::ofstream(Golden(name), std::ios::binary) << actual;
    return;
  }
  Result<std::string> expected = text::ReadFileBytes(Golden(name));
  ASSERT_TRUE(expected) << expected.error().message;
  EXPECT_EQ(actual, *expected) << "output differs from " << Golden(name);
}

analysis::HostInventory Example(Diagnostics& diagnostics) {
  using analysis::testing::ListenSocket;
  ingest::SocketInventory netstat;
  netstat.sockets = {ListenSocket(Proto::kTcp, "0.0.0.0", 135, 960, 5),
                     ListenSocket(Proto::kTcp, "[::]", 135, 960, 6),
                     ListenSocket(Proto::kTcp, "0.0.0.0", 49668, 712, 7),
                     ListenSocket(Proto::kTcp, "127.0.0.1", 5432, 880, 8),
                     ListenSocket(Proto::kTcp, "0.0.0.0", 49700, 5555, 9),
                     ListenSocket(Proto::kUdp, "fe80::1%12", 137, 4, 10)};
  netstat.sockets[4].owner_unavailable = true;
  netstat.sockets[4].pid.reset();
  ingest::SocketInventory tasklist;
  tasklist.processes = {{712, "lsass.exe", {"Kdc", "Netlogon", "NTDS"}, {}},
                        {960, "svchost.exe", {"RpcEptMapper", "RpcSs"}, {}},
                        {880, "postgres.exe", {}, {}}};
  diagnostics.SkipLine("netstat.txt", 11, "netstat.not_a_row", "not a netstat row: 'junk, \"quoted\"'");
  Host host;
  host.name = "dc01";
  return analysis::BuildInventory({netstat, tasklist}, host, analysis::testing::TestCatalog());
}

TEST(InventoryReport, Table) {
  Diagnostics diagnostics;
  ExpectGolden("inventory.txt", InventoryTable(Example(diagnostics), diagnostics));
}

TEST(InventoryReport, Json) {
  Diagnostics diagnostics;
  ExpectGolden("inventory.json", InventoryJson(Example(diagnostics), diagnostics).dump(2) + "\n");
}

TEST(InventoryReport, Csv) {
  Diagnostics diagnostics;
  ExpectGolden("inventory.csv", InventoryCsv(Example(diagnostics)));
}

TEST(TextTable, AlignsByCodePointsAndCutsLongCells) {
  TextTable table({"A", "B", "C"}, 5);
  table.AddRow({"ABHÖREN", "x", "the last column runs on"});
  table.AddRow({"ok", "yy", "z"});
  EXPECT_EQ(table.Render(),
            "A      B   C\n"
            "ABHÖ…  x   the last column runs on\n"
            "ok     yy  z\n");
}

TEST(Csv, QuotesWhereNeeded) {
  EXPECT_EQ(CsvRow({"a", "b,c", "say \"hi\"", "line\nbreak"}),
            "a,\"b,c\",\"say \"\"hi\"\"\",\"line\nbreak\"\r\n");
}

}  // namespace
}  // namespace highport::report
