// Input formats and their detection. Each reader offers a probe that scores
// how much a document looks like its format (0 = not at all); the best score
// wins. Probes look at the first lines only and never at the display language
// alone, so a netstat from an unknown language is still recognised.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/socket_inventory.h"
#include "text/document.h"

namespace highport::ingest {

enum class InputFormat : uint8_t {
  kNetstat,          // netstat -ano / -anob / -ao / -b, any language
  kTasklist,         // tasklist /svc (table, /fo csv, /fo list), any language
  kGetNetTcpCsv,     // Get-NetTCPConnection / Get-NetUDPEndpoint | Export-Csv
  kSs,               // Linux ss -tulpn
  kNetshDynamicPort, // netsh int ipv4 show dynamicport tcp: the host's dynamic range
  kRpcdump,          // impacket rpcdump.py: the endpoint mapper's registrations
  kEpmJson,          // highport epm --format json: the same, from highport itself
};

struct FormatInfo {
  InputFormat format;
  std::string_view name;         // for --input-format and messages
  std::string_view description;
  int (*probe)(const text::TextDocument& doc);  // 0-100
  InventoryReader read;
};

const std::vector<FormatInfo>& InventoryFormats();
std::optional<InputFormat> ParseInputFormat(std::string_view name);
const FormatInfo& GetFormatInfo(InputFormat format);

// The format the document is in, or nothing when no probe claims it.
std::optional<InputFormat> DetectFormat(const text::TextDocument& doc);

// "netstat, tasklist, getnet-csv, ss": for the error that says what was tried.
std::string FormatNamesTried();

}  // namespace highport::ingest
