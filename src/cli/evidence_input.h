// The evidence an analysis command reads: files given on the command line
// (detected per file; "-" is standard input) and/or the evidence database
// (--db). Socket inventories come first, because their listeners decide which
// side of each conversation is the server; then every traffic observation is
// folded into one flow table. flows today; plan and report will share it.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "CLI/CLI.hpp"
#include "analysis/flow_table.h"
#include "ingest/socket_inventory.h"
#include "model/diagnostics.h"
#include "model/result.h"

namespace highport::cli {

struct EvidenceOptions {
  // Files, "-", and directories: a directory is walked (recursively, in name
  // order, hidden entries skipped), and files in it that are no evidence
  // highport reads are listed in Evidence::unrecognised instead of failing
  // the run; a file named on its own must be readable evidence.
  std::vector<std::string> files;
  std::string db;             // empty: no database
  std::string dynamic_range;  // START-END for hosts no input states one for
  std::string log_timezone;   // the firewall logs' zone (ingest/local_time.h); empty: as written
  bool peaks = true;          // false: the flow table finds no peaks (FlowTable::set_peaks)
};

// --log-timezone, for every command that reads firewall logs with other traffic.
void AddLogTimezoneFlag(CLI::App& app, std::string& zone);

struct Evidence {
  std::vector<ingest::SocketInventory> inventories;
  std::unique_ptr<analysis::FlowTable> table;
  Diagnostics diagnostics;
  uint64_t inputs = 0;    // files and database sources read
  uint64_t packets = 0;   // of captures
  uint64_t rows = 0;      // of firewall logs
  uint64_t stored = 0;    // observations and registrations read from the database
  uint64_t stored_rows = 0;  // of those, firewall log rows
  uint64_t skipped = 0;   // packets or rows a reader could not read
  bool local_time = false;
  bool input_error = false;  // some input could not be read at all (printed already)
  std::vector<std::string> unrecognised;  // files found in directories that are no evidence
};

// Fails on a usage error (a bad --dynamic-range, a database that cannot be
// opened); an unreadable file is printed as "highport COMMAND: ..." and
// marked in input_error, and the other inputs are still read.
Result<Evidence> GatherEvidence(std::string_view command, const EvidenceOptions& options);

// One input: a path to read, and whether it was named by the user (an
// unreadable one is an error) or found in a directory (skipped if it is no
// evidence: a README beside the logs must not stop an audit).
struct InputFile {
  std::string path;
  bool found_in_directory = false;
};

// Expands directories into their regular files (recursively, in name order,
// so that runs are reproducible; hidden files and directories such as
// ".git" are left out). Files and "-" stay as given.
Result<std::vector<InputFile>> ExpandInputs(const std::vector<std::string>& given);

// "highport COMMAND: 2 file(s) in the given directories are not evidence
// highport reads, left out: ..." on stderr; nothing when there are none.
void PrintLeftOut(std::string_view command, const std::vector<std::string>& unrecognised);
// How a file left out of a directory is named there: `shown`, and why where
// the reason is one the user can act on ("logs.zip (a zip archive: unpack it
// first)").
std::string LeftOutName(const std::string& shown, const std::string& path);

// Standard input, copied to a temporary file (it is read twice: detection,
// then the reader). The caller removes it.
Result<std::string> SpoolStdin();

// "3 input(s): 120000 row(s), 5000 packet(s) (2 skipped); 45 flow(s), 6 server(s)" on stderr.
void PrintEvidenceSummary(std::string_view command, const Evidence& evidence, size_t flows,
                          size_t servers);

}  // namespace highport::cli
