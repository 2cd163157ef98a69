#include "cli/commands.h"

#include <algorithm>

namespace highport::cli {
namespace {

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

const std::vector<Command>& Commands() {
  static const std::vector<Command> kCommands = {
      {"inventory", "who listens on a host, owned by which process and service, and what to do",
       RunInventory},
      {"epm", "which RPC interface listens on which port: ask endpoint mappers (TCP 135)",
       RunEpm},
      {"ingest", "add captures, firewall logs and inventories to the evidence database",
       RunIngest},
      {"collect", "receive NetFlow v5/v9 and IPFIX from routers and exporters into the database",
       RunCollect},
      {"flows", "who talks to which server port: classified flows from captures and firewall logs",
       RunFlows},
      {"plan", "the hardening plan: RPC range, pinned ports, services to stop, firewall allow-list",
       RunPlan},
      {"emit", "the files that apply a plan: .reg, ADMX, cmd, PowerShell, firewall rules, smb.conf",
       RunEmit},
      {"report", "one self-contained HTML report: servers, map, problematic flows, plan, coverage",
       RunReport},
      {"audit", "the whole pipeline in one step: evidence in, plan, apply files and report out",
       RunAudit},
      {"scan", "TCP connect scan: open, closed, filtered ports of the hosts named", RunScan},
      {"verify", "scan a host and ask its endpoint mapper again: does it match the plan?", RunVerify},
  };
  return kCommands;
}

const Command* FindCommand(std::string_view name) {
  for (const Command& c : Commands()) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

const Command* NearestCommand(std::string_view typed) {
  const Command* best = nullptr;
  size_t best_distance = 0;
  for (const Command& c : Commands()) {
    size_t d = EditDistance(typed, c.name);
    // A prefix ("inv") is as good as a near miss.
    if (c.name.starts_with(typed) && !typed.empty()) d = std::min<size_t>(d, 1);
    if (!best || d < best_distance) {
      best = &c;
      best_distance = d;
    }
  }
  size_t limit = std::max<size_t>(2, typed.size() / 3);
  return best && best_distance <= limit ? best : nullptr;
}

}  // namespace highport::cli
