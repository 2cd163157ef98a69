// FlowTable::ReviseGuesses: the finish's second look at flows whose side
// was guessed. A conversation with no direction of its own (no SYN
// captured, NetFlow v5/v9 without initiator fields, both ports in the
// dynamic range and neither known) is decided when read, by the lower
// port. Between a Windows client's ephemeral port and an RPC server's
// dynamic port, both 49152-65535, that is a coin toss, and a wrong one
// makes the client's port a phantom "problematic" server port and hides
// the real one. At the finish everything is known: every endpoint-mapper
// answer and listener (also those read after the flow), the server
// endpoints the stronger rules found, and how the guessed keys share their
// endpoints. A guessed key whose client port never changed is turned round
// when:
//   1. its client side is a listener or an endpoint-mapper port, and its
//      server side is not (ServerRule kListener / kEndpointMapper);
//   2. its client side is the server of a key a stronger rule decided, and
//      its server side is not (kKnownServer);
//   3. its client side appears in other guessed keys too (a server port
//      many clients, or one client from many ports, talk to) while its
//      server side appears in no other (an ephemeral port used once:
//      kFanIn).
// A key whose client port changed is left as it is: its server side met
// several ports of its client, as a server port does.
#include <unordered_map>
#include <unordered_set>

#include "analysis/flow_table.h"

namespace highport::analysis {
namespace {

// (address value, interned, protocol, port) in one integer.
uint64_t EndpointKey(uint32_t address, bool interned, Proto proto, uint16_t port) {
  return uint64_t{address} << 32 | uint64_t{interned} << 24 |
         uint64_t{static_cast<uint8_t>(proto)} << 16 | port;
}

}  // namespace

std::vector<std::pair<uint32_t, uint32_t>> FlowTable::ReviseGuesses() {
  std::vector<std::pair<uint32_t, uint32_t>> merged;
  if (guess_ports_.empty()) return merged;
  const size_t n = counters_.size();
  auto guessed = [&](size_t i) {
    return i < guess_ports_.size() && (guess_ports_[i].port & kGuessPortSet) != 0 &&
           counters_[i].rule == ServerRule::kGuess;
  };
  auto constant = [&](size_t i) { return (guess_ports_[i].port & kGuessPortVaries) == 0; };
  auto address_of = [&](uint32_t value, bool interned) {
    return interned ? addresses_.Get(value) : IpAddress::V4(value);
  };
  std::unordered_set<uint64_t> strong_servers;
  std::unordered_map<uint64_t, uint32_t> appearances;  // of an endpoint in guessed keys
  for (size_t i = 0; i < n; ++i) {
    const Counters& c = counters_[i];
    const CompactFlowKey& k = c.key;
    if (c.rule <= ServerRule::kFirewall) {
      strong_servers.insert(EndpointKey(k.server, k.server_interned, k.proto, k.port));
    }
    if (!guessed(i)) continue;
    // A server side that met several client ports counts as met twice.
    appearances[EndpointKey(k.server, k.server_interned, k.proto, k.port)] += constant(i) ? 1 : 2;
    if (constant(i)) {
      const auto client_port = static_cast<uint16_t>(guess_ports_[i].port & 0xffff);
      ++appearances[EndpointKey(k.client, k.client_interned, k.proto, client_port)];
    }
  }
  std::unordered_map<uint32_t, std::pair<uint32_t, uint16_t>> turned;
  for (size_t i = 0; i < n; ++i) {
    if (!guessed(i) || !constant(i)) continue;
    Counters& c = counters_[i];
    const CompactFlowKey k = c.key;
    const auto client_port = static_cast<uint16_t>(guess_ports_[i].port & 0xffff);
    const uint64_t client_side = EndpointKey(k.client, k.client_interned, k.proto, client_port);
    const uint64_t server_side = EndpointKey(k.server, k.server_interned, k.proto, k.port);
    ServerRule rule = ServerRule::kGuess;
    const IpAddress client = address_of(k.client, k.client_interned);
    const IpAddress server = address_of(k.server, k.server_interned);
    const bool client_listens = IsListener(client, k.proto, client_port);
    const bool server_listens = IsListener(server, k.proto, k.port);
    if (client_listens && !server_listens) {
      rule = k.proto == Proto::kTcp && rpc_ports_.count({client, client_port})
                 ? ServerRule::kEndpointMapper
                 : ServerRule::kListener;
    } else if (client_listens || server_listens) {
      continue;  // the guess agrees with a listener, or both listen
    } else if (strong_servers.count(client_side) && !strong_servers.count(server_side)) {
      rule = ServerRule::kKnownServer;
    } else if (strong_servers.count(server_side)) {
      continue;
    } else if (appearances[client_side] >= 2 && appearances[server_side] == 1) {
      rule = ServerRule::kFanIn;
    } else {
      continue;
    }
    // The key turned round: the guessed client is the server, on its port.
    const uint64_t head = CompactFlowKey::HeadOf(k.server, k.client);
    const uint32_t tail =
        CompactFlowKey::TailOf(client_port, k.proto, k.server_interned, k.client_interned);
    const CompactFlowKey reverse = CompactFlowKey::FromWords(head, tail);
    const auto [at, inserted] =
        index_.FindOrInsert(reverse, FlowIndex::Hash(head, tail), static_cast<uint32_t>(i),
                            [&](uint32_t pos) -> const CompactFlowKey& { return counters_[pos].key; });
    turned[static_cast<uint32_t>(i)] = {at, k.port};
    // Its NetFlow halves change sides: those that counted a connection are
    // the answers now, and the others the connections.
    const GuessedKey& halves = guess_ports_[i];
    if (halves.client_halves != halves.server_halves) {
      if (!c.wide) Widen(c);
      uint64_t& connections = wide_counts_[c.counts.connections].connections;
      connections = connections - std::min<uint64_t>(connections, halves.client_halves) + halves.server_halves;
    }
    if (inserted || at == i) {
      c.key = reverse;  // in place: the index finds it under its new key
      c.rule = rule;
      continue;
    }
    // Into the reverse key that exists: its counts, times and rule; the
    // turned key's evidence rows stay behind (the reverse key has its own).
    Counters& into = counters_[at];
    if (!into.wide) Widen(into);
    WideCounts& sum = wide_counts_[into.counts.connections];
    WideCounts add = CountsOf(c, wide_counts_);
    // A capture's connection whose SYN is in one file and the rest in the
    // next (or past an idle timeout): the piece without SYN was guessed, and
    // counted under the guess; turned round, it continues the connection
    // the SYN piece counted.
    if (add.connections > 0 && halves.client_halves == halves.server_halves &&
        JoinsSeenConnection(static_cast<uint32_t>(i), client_port, at, k.port)) {
      --add.connections;
    }
    sum.connections += add.connections;
    sum.attempts += add.attempts;
    sum.packets += add.packets;
    sum.bytes += add.bytes;
    sum.allowed += add.allowed;
    sum.dropped += add.dropped;
    sum.low_source += add.low_source;
    into.first_us = std::min(into.first_us, c.first_us);
    into.last_us = std::max(into.last_us, c.last_us);
    into.rule = std::min(into.rule, rule);
    c.merged = 1;
    merged.emplace_back(static_cast<uint32_t>(i), at);
  }
  shared_.Turn(turned);
  return merged;
}

}  // namespace highport::analysis
