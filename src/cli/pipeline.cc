#include "cli/pipeline.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <cstdlib>
#include <ctime>
#include <set>
#include <sstream>

#include "analysis/host_knowledge.h"
#include "analysis/moved_ports.h"
#include "catalog/catalog.h"
#include "cli/output.h"
#include "fmt/format.h"
#include "fmt/ranges.h"
#include "plan/host_facts.h"
#include "plan/plan_json.h"
#include "store/evidence_store.h"

namespace highport::cli {

void AddPlanFlags(CLI::App& app, PlanFlags& o) {
  // One value per flag, so that `--host dc01 evidence/*` leaves the files alone.
  app.add_option("--host", o.hosts, "plan only for this host (name or address; repeatable)")
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("--group", o.groups,
                 "NAME=H1,H2: these hosts share one RPC range and the same pinned ports "
                 "(repeatable)")
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("--role", o.role, "dc, member, workstation or isolated: what the hosts are for "
                                   "(default: detected per host from its listeners)")
      ->check(CLI::IsMember({"dc", "member", "workstation", "isolated"}));
  app.add_option("--range", o.range, "auto, or START-END: the RPC port range to propose")
      ->capture_default_str();
  app.add_option("--min-ports", o.min_ports,
                 "the smallest RPC range (Microsoft: 100; down to 10 with a warning)")
      ->check(CLI::Range(10, 65535))
      ->capture_default_str();
  app.add_option("--max-prefix", o.max_prefix,
                 "the widest client block of a firewall rule, V4[,V6] (default 24,64)");
  app.add_option("--internal", o.internal,
                 "CIDR[,CIDR...]: networks of your own besides the private ones (10/8, "
                 "172.16/12, 192.168/16, 100.64/10, fc00::/7); their servers are fenced by the "
                 "allow-list, servers elsewhere are egress and get no rule")
      ->delimiter(',')
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
}

Result<plan::PlannerOptions> PlannerOptionsFrom(const PlanFlags& o,
                                                std::vector<std::string> inputs) {
  plan::PlannerOptions p;
  p.hosts = o.hosts;
  for (const std::string& g : o.groups) {
    auto group = plan::ParseGroup(g);
    if (!group) return Error{fmt::format("--group: '{}' is not NAME=HOST1,HOST2", g)};
    p.groups.push_back(std::move(*group));
  }
  if (!o.role.empty()) p.role = plan::ParseRole(o.role);
  if (o.range != "auto") {
    auto range = ParsePortRange(o.range);
    if (!range || range->first < 1025 || range->size() < 10) {
      return Error{fmt::format("--range: '{}' is not START-END with START >= 1025 and at least "
                               "10 ports",
                               o.range)};
    }
    p.range = range;
  }
  p.min_ports = o.min_ports;
  if (!o.max_prefix.empty()) {
    int v4 = 0, v6 = 64;
    char comma = 0;
    std::istringstream in(o.max_prefix);
    in >> v4;
    if (in >> comma) in >> v6;
    if (in.fail() || !in.eof() || v4 < 8 || v4 > 32 || v6 < 16 || v6 > 128 ||
        (comma != 0 && comma != ',')) {
      return Error{fmt::format("--max-prefix: '{}' is not V4[,V6] (8-32, 16-128)", o.max_prefix)};
    }
    p.allow.max_prefix_v4 = v4;
    p.allow.max_prefix_v6 = v6;
  }
  for (const std::string& text : o.internal) {
    std::string why;
    std::optional<plan::CidrBlock> block = plan::ParseCidr(text, &why);
    if (!block) return Error{fmt::format("--internal: '{}': {}", text, why)};
    p.allow.internal.push_back(*block);
  }
  p.generator = fmt::format("highport {}", HIGHPORT_VERSION);
  p.created = PlanTimestamp();
  p.inputs = std::move(inputs);
  return p;
}

std::string PlanTimestamp() {
  if (const char* epoch = std::getenv("SOURCE_DATE_EPOCH")) {
    std::time_t t = std::strtoll(epoch, nullptr, 10);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return text;
  }
  return store::UtcTimestamp();
}

Result<AnalysedEvidence> AnalyseEvidence(std::string_view command,
                                         const EvidenceOptions& options) {
  Result<Evidence> gathered = GatherEvidence(command, options);
  if (!gathered) return Error{gathered.error()};
  AnalysedEvidence analysed{std::move(*gathered), {}};
  analysed.flows = analysed.evidence.table->Finish();
  PrintFindings(analysed.evidence.diagnostics);
  return analysed;
}

Result<plan::Plan> PlanFromEvidence(const AnalysedEvidence& analysed,
                                    const plan::PlannerOptions& options) {
  const analysis::FlowTable& table = *analysed.evidence.table;
  return plan::BuildPlan({&analysed.evidence.inventories, &analysed.flows,
                          &table.peak_rpc_concurrency(), &table.rpc_ports(),
                          &catalog::Catalog::Get(), &table.server_pids()},
                         options);
}

namespace {

// "svchost.exe (Winmgmt)": an image and the services it hosts, either may be missing.
std::string OwnerText(std::string_view process, const std::vector<std::string>& services) {
  std::string text(process);
  if (!services.empty()) {
    text += fmt::format("{}({})", text.empty() ? "" : " ", fmt::join(services, ", "));
  }
  return text;
}

// The owners a firewall log's pid column names. Several processes on one
// port over the log's time (a dynamic port that a service left and another
// took) are all listed: the inventory's listener first, then the one most
// rows named.
using OwnerTexts = std::map<std::tuple<IpAddress, Proto, uint16_t>, std::vector<std::string>>;

void AddLogPidOwners(const std::vector<analysis::ServerPid>& server_pids,
                     const analysis::FolderProcesses& folder_processes, OwnerTexts& named) {
  for (const analysis::ServerPid& p : server_pids) {
    const auto key = std::make_tuple(p.server, p.proto, p.port);
    auto at = named.try_emplace(key).first;
    const ProcessInfo* process = folder_processes.FindForLog(p.pid, p.file);
    std::string text = process ? OwnerText(process->image, process->services) : std::string();
    // Pid 4 is the kernel on every Windows since Vista (SMB, http.sys: WinRM,
    // IIS), listed or not.
    if (text.empty()) text = p.pid == 4 ? "System" : fmt::format("pid {}", p.pid);
    std::vector<std::string>& texts = at->second;
    if (std::find(texts.begin(), texts.end(), text) == texts.end()) texts.push_back(text);
  }
}

// "A or B": each owner once, and a process named without its services
// ("svchost.exe", a moment whose process list had none) left out beside the
// same process named with them ("svchost.exe (Winmgmt)").
std::string JoinOwners(const std::vector<std::string>& texts) {
  std::vector<std::string_view> kept;
  for (const std::string& t : texts) {
    const bool named_better = std::any_of(texts.begin(), texts.end(), [&](const std::string& u) {
      return u.size() > t.size() + 2 && u.starts_with(t) && u.compare(t.size(), 2, " (") == 0;
    });
    if (!named_better) kept.push_back(t);
  }
  return fmt::format("{}", fmt::join(kept, " or "));
}

}  // namespace

report::ListenerOwners ListenerOwnersOf(const std::vector<ingest::SocketInventory>& inventories,
                                        const std::vector<analysis::ServerPid>& server_pids) {
  // Only the inventories' hosts matter here: no traffic.
  const std::vector<analysis::FlowEntry> no_flows;
  const std::map<IpAddress, uint64_t> no_peaks;
  const std::map<std::pair<IpAddress, uint16_t>, std::vector<std::string>> no_ports;
  report::ListenerOwners owners;
  // Every owner a port had, whichever inventory named it first: two moments
  // of a host may show two processes on one port (the input order must not
  // pick one).
  std::map<std::tuple<IpAddress, Proto, uint16_t>, std::set<std::string>> listed;
  // A pid is the process a process list of the socket's own folder names
  // (the same moment of the host), else the host's (its folders together).
  const analysis::FolderProcesses folder_processes(inventories);
  // A wildcard listener stands for each of its host's own addresses, and for
  // those its own inventory shows: a second moment of a host (a folder of
  // its own) finds its addresses taken by the first.
  std::map<std::string, std::set<IpAddress>> own_by_file;
  for (const ingest::SocketInventory& inv : inventories) {
    if (inv.sockets.empty()) continue;
    std::set<IpAddress>& own = own_by_file[inv.sockets.front().source.file];
    own.merge(analysis::OwnAddresses(inv));
  }
  for (const plan::HostFacts& h : plan::GatherHostFacts(
           {&inventories, &no_flows, &no_peaks, &no_ports, &catalog::Catalog::Get()})) {
    for (const Socket& s : h.listeners) {
      std::string process = s.process;
      std::vector<std::string> services = s.services;
      if (const ProcessInfo* p = folder_processes.Find(s)) {
        if (process.empty()) process = p->image;
        if (services.empty()) services = p->services;
      }
      if (process.empty() && s.pid) {
        if (auto it = h.processes.find(*s.pid); it != h.processes.end()) process = it->second.image;
      }
      if (services.empty()) services = h.ServicesOf(s);
      const std::string text = OwnerText(process, services);
      if (text.empty()) continue;
      // A listener on every address stands for each of the host's own.
      if (!s.local.address.is_unspecified()) {
        listed[std::make_tuple(s.local.address, s.local.proto, s.local.port)].insert(text);
        continue;
      }
      std::set<IpAddress> mine = h.addresses;
      if (auto own = own_by_file.find(s.source.file); own != own_by_file.end()) {
        mine.insert(own->second.begin(), own->second.end());
      }
      for (const IpAddress& a : mine) {
        if (a.is_v4() == s.local.address.is_v4()) {
          listed[std::make_tuple(a, s.local.proto, s.local.port)].insert(text);
        }
      }
    }
  }
  OwnerTexts named;
  for (const auto& [key, texts] : listed) named[key].assign(texts.begin(), texts.end());
  AddLogPidOwners(server_pids, folder_processes, named);
  for (const auto& [key, texts] : named) owners[key] = JoinOwners(texts);
  return owners;
}

Result<plan::Plan> ReadPlan(const std::string& path) {
  std::ostringstream text;
  if (path == "-") {
    text << std::cin.rdbuf();
    return plan::PlanFromText(text.str(), "<stdin>");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{fmt::format("{}: {}", path, std::strerror(errno))};
  text << in.rdbuf();
  return plan::PlanFromText(text.str(), path);
}

report::HtmlReportInput ReportInputOf(const AnalysedEvidence& analysed, const plan::Plan& plan) {
  const Evidence& evidence = analysed.evidence;
  report::HtmlReportInput input;
  input.inventories = &evidence.inventories;
  input.flows = &analysed.flows;
  input.peaks = &evidence.table->peak_rpc_concurrency();
  input.rpc_ports = &evidence.table->rpc_ports();
  input.plan = &plan;
  input.diagnostics = &evidence.diagnostics;
  // Traffic readers count their skipped records; inventory readers only report them.
  input.counts = {evidence.inputs, evidence.rows, evidence.packets, evidence.stored,
                  std::max<uint64_t>(evidence.skipped, evidence.diagnostics.skipped()),
                  evidence.local_time};
  input.generated = PlanTimestamp();
  return input;
}

}  // namespace highport::cli
