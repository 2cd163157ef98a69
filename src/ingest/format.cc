#include "ingest/format.h"

#include "ingest/epm_json.h"
#include "ingest/getnet_csv.h"
#include "ingest/netsh_dynamicport.h"
#include "ingest/netstat.h"
#include "ingest/rpcdump.h"
#include "ingest/ss.h"
#include "ingest/tasklist.h"

namespace highport::ingest {

const std::vector<FormatInfo>& InventoryFormats() {
  static const std::vector<FormatInfo> kFormats = {
      {InputFormat::kNetstat, "netstat", "Windows netstat -ano / -anob (any language)",
       ProbeNetstat, ReadNetstat},
      {InputFormat::kTasklist, "tasklist", "Windows tasklist /svc (table, csv or list)",
       ProbeTasklist, ReadTasklist},
      {InputFormat::kGetNetTcpCsv, "getnet-csv",
       "Get-NetTCPConnection / Get-NetUDPEndpoint exported with Export-Csv", ProbeGetNetCsv,
       ReadGetNetCsv},
      {InputFormat::kSs, "ss", "Linux ss -tulpn", ProbeSs, ReadSs},
      {InputFormat::kNetshDynamicPort, "netsh-dynamicport",
       "netsh int ipv4 show dynamicport tcp (the host's dynamic port range)",
       ProbeNetshDynamicPort, ReadNetshDynamicPort},
      {InputFormat::kRpcdump, "rpcdump",
       "impacket rpcdump.py output (the endpoint mapper's registrations)", ProbeRpcdump,
       ReadRpcdump},
      {InputFormat::kEpmJson, "epm-json",
       "highport epm --format json output (the endpoint mapper's registrations)", ProbeEpmJson,
       ReadEpmJson},
  };
  return kFormats;
}

std::optional<InputFormat> ParseInputFormat(std::string_view name) {
  for (const FormatInfo& info : InventoryFormats()) {
    if (info.name == name) return info.format;
  }
  return std::nullopt;
}

const FormatInfo& GetFormatInfo(InputFormat format) {
  for (const FormatInfo& info : InventoryFormats()) {
    if (info.format == format) return info;
  }
  return InventoryFormats().front();
}

std::optional<InputFormat> DetectFormat(const text::TextDocument& doc) {
  int best_score = 0;
  std::optional<InputFormat> best;
  for (const FormatInfo& info : InventoryFormats()) {
    int score = info.probe(doc);
    if (score > best_score) {
      best_score = score;
      best = info.format;
    }
  }
  return best;
}

std::string FormatNamesTried() {
  std::string names;
  for (const FormatInfo& info : InventoryFormats()) {
    if (!names.empty()) names += ", ";
    names += info.name;
  }
  return names;
}

}  // namespace highport::ingest
