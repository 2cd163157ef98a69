#!/usr/bin/env bash
# End to end, from traffic to a loaded firewall (issue 5, "Done when"): two
# clients talk to a server on a few ports while the server captures the
# traffic; `highport plan` makes an allow-list from the capture and the
# server's `ss -tulpn`; `highport emit --format nftables` writes the ruleset;
# loaded in the server's namespace, it must let every observed flow through
# and block what no observed flow used; the rollback file must undo it.
#
# Usage: plan_nftables_netns_test.sh HIGHPORT TCP_PEER   (see tests/CMakeLists.txt)
# Needs: Linux, root, a kernel that gives us network namespaces with veth
# pairs and a bridge (else exit 77, skipped), ip and ss (iproute2), nft
# (nftables), tcpdump, jq and timeout; without them skipped, except on CI (CI
# set), where a missing tool is a broken setup and fails.
#
# Network: three namespaces made here, all of 10.215.0.0/24 (no other test
# uses 10.215/16), no default route, nothing in the root namespace:
#
#     hpnf-c1-PID  eth0 10.215.0.2 --veth-- hps1 \
#                                                 hpbr0 10.215.0.1  hpnf-srv-PID
#     hpnf-c2-PID  eth0 10.215.0.3 --veth-- hps2 /   (bridge)
#
# IPv6 is off in all three, so that the capture holds only the test's own
# traffic (no router solicitations or MLD reports). tools/tcp_peer serves,
# bound to 10.215.0.1 (so that the inventory names the address the traffic
# goes to), TCP ports A=7001, B=7002, C=7010 and UDP U=7005, and connects.
#
# Observed (captured with tcpdump on hpbr0): client1 -> A, B (3 connections
# each) and U (2 datagrams answered), client2 -> A (3). C listens, but no
# client uses it while the capture runs.
#
# Asserted:
#   - plan.json: TCP rules for A (both clients) and B (client1), a UDP rule
#     for U, all towards 10.215.0.1; no rule for C; coverage 1, nothing
#     uncovered. Whether client2 falls inside a client block of B's or U's rule
#     is read from the plan (client blocks are folded, plan/cidr.h): the
#     assertions on client2 -> B and -> U follow it (with 10.215.0.2 and .3,
#     A's two clients fold into 10.215.0.2/31 and B's one stays a /32, so
#     client2 -> B is expected blocked).
#   - Before the ruleset: C and B answer both clients (the listeners are
#     there, so a block afterwards is the firewall's doing).
#   - With nftables/highport.nft loaded in the server's namespace (its input
#     chain; the forward chain stays idle there): every observed (client,
#     proto, port) still connects, several times; client1 -> C does not
#     connect (dropped: timeout, or refused); client2 -> B and U do not
#     connect when the plan keeps the clients apart.
#   - With nftables/highport-rollback.nft loaded: the table is gone and
#     client1 -> C and client2 -> B connect again.
# Each check prints PASS or FAIL; the test goes on after a FAIL and exits 1
# at the end if any failed. About 10 s.
set -uo pipefail

highport=${1:?usage: $0 HIGHPORT TCP_PEER}
peer=${2:?usage: $0 HIGHPORT TCP_PEER}

# shellcheck source=lib/netns.sh
source "$(dirname "$0")/lib/netns.sh"

[[ $(uname -s) == Linux ]] || skip "network namespaces are Linux only"
[[ -x $highport ]] || die "$highport is not an executable"
[[ -x $peer ]] || die "$peer is not an executable"
highport=$(realpath "$highport") peer=$(realpath "$peer") # the test runs in $work
require_tools "ip iproute2" "ss iproute2" "nft nftables" "tcpdump tcpdump" "jq jq" "timeout coreutils"

srv=hpnf-srv-$$
c1=hpnf-c1-$$
c2=hpnf-c2-$$
server=10.215.0.1
client1=10.215.0.2
client2=10.215.0.3
port_a=7001 port_b=7002 port_c=7010 port_u=7005

work=$(mktemp -d)
# shellcheck source=lib/check.sh
source "$(dirname "$0")/lib/check.sh"
pass() { echo "PASS: $*"; }

serve_pid=
tcpdump_pid=
cleanup() {
  stop_pid "$tcpdump_pid"
  stop_pid "$serve_pid"
  netns_cleanup
  if [[ -n ${KEEP:-} ]]; then echo "kept $work (KEEP)"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- The network ---------------------------------------------------------------
new_ns "$srv" || skip "this machine gives us no network namespace (needs root and netns)"
if ! { new_ns "$c1" && new_ns "$c2" &&
  ip -n "$srv" link add hpbr0 type bridge forward_delay 0 &&
  ip -n "$srv" addr add "$server/24" dev hpbr0 &&
  ip -n "$srv" link set hpbr0 up &&
  ip -n "$srv" link add hps1 type veth peer name eth0 netns "$c1" &&
  ip -n "$srv" link add hps2 type veth peer name eth0 netns "$c2" &&
  ip -n "$srv" link set hps1 master hpbr0 && ip -n "$srv" link set hps1 up &&
  ip -n "$srv" link set hps2 master hpbr0 && ip -n "$srv" link set hps2 up &&
  ip -n "$c1" addr add "$client1/24" dev eth0 && ip -n "$c1" link set eth0 up &&
  ip -n "$c2" addr add "$client2/24" dev eth0 && ip -n "$c2" link set eth0 up; }; then
  skip "this machine gives us no veth pairs and bridges in network namespaces"
fi

# tcp CLIENT_NS PORT [TIMEOUT_MS], udp CLIENT_NS PORT [TIMEOUT_MS]: tcp_peer's
# exit status (0 connected or answered, 1 refused, 2 no answer, 3 error).
tcp() { timeout 20 ip netns exec "$1" "$peer" connect "$server" "$2" "${3:-3000}"; }
udp() { timeout 20 ip netns exec "$1" "$peer" udp "$server" "$2" "${3:-3000}"; }
name_of() { case $1 in "$c1") echo client1 ;; "$c2") echo client2 ;; *) echo "$1" ;; esac; }
# want_open CLIENT_NS PROTO PORT TIMES WHAT: connects TIMES times in a row.
want_open() {
  local ns=$1 proto=$2 port=$3 times=$4 what=$5 i status
  for ((i = 1; i <= times; i++)); do
    "$proto" "$ns" "$port"
    status=$?
    if ((status != 0)); then
      fail "$what: $(name_of "$ns") -> $proto/$port, try $i of $times: status $status, want 0 (connected)"
      return 1
    fi
  done
  pass "$what: $(name_of "$ns") -> $proto/$port connects ($times of $times)"
}
# want_blocked CLIENT_NS PROTO PORT WHAT: does not connect within 1.5 s.
want_blocked() {
  local ns=$1 proto=$2 port=$3 what=$4 status
  "$proto" "$ns" "$port" 1500
  status=$?
  case $status in
    1 | 2) pass "$what: $(name_of "$ns") -> $proto/$port blocked ($( ((status == 1)) && echo refused || echo no answer))" ;;
    *) fail "$what: $(name_of "$ns") -> $proto/$port: status $status, want blocked (1 refused or 2 no answer)" ;;
  esac
}

# --- The server, and the capture -----------------------------------------------
# The server's stdin is the coprocess pipe: it also ends when this script does.
coproc SERVE { exec ip netns exec "$srv" "$peer" serve --bind "$server" --seconds 240 \
  "$port_a" "$port_b" "$port_c" "udp:$port_u" 2>&1; }
# shellcheck disable=SC2153 # SERVE_PID is set by coproc
serve_pid=$SERVE_PID
read -r -t 10 -u "${SERVE[0]}" word || die "tcp_peer serve did not start"
[[ $word == ready ]] || die "tcp_peer serve: $word"
# The first connection from each client, before the capture: the bridge
# ports and ARP are ready when it connects (bounded: 50 tries).
for ns in "$c1" "$c2"; do
  for ((i = 0; i < 50; i++)); do
    tcp "$ns" "$port_a" 1000 && break
    sleep 0.1
  done
  ((i < 50)) || die "$(name_of "$ns") cannot reach $server:$port_a"
done

# -Z root: Debian's tcpdump would drop to user tcpdump, who cannot write in $work.
ip netns exec "$srv" tcpdump -i hpbr0 -n -U -Z root -w "$work/capture.pcap" \
  "net 10.215.0.0/24" </dev/null >/dev/null 2>"$work/tcpdump.err" &
tcpdump_pid=$!
for ((i = 0; i < 100; i++)); do
  grep -q "listening on" "$work/tcpdump.err" && break
  kill -0 "$tcpdump_pid" 2>/dev/null || die "tcpdump ended: $(cat "$work/tcpdump.err")"
  sleep 0.1
done
grep -q "listening on" "$work/tcpdump.err" || die "tcpdump is not capturing after 10 s"

# --- The observed traffic --------------------------------------------------------
want_open "$c1" tcp "$port_a" 3 "observed"
want_open "$c1" tcp "$port_b" 3 "observed"
want_open "$c1" udp "$port_u" 2 "observed"
want_open "$c2" tcp "$port_a" 3 "observed"
# tcpdump may lag behind on a busy machine: stop it only once the file holds
# the 9 SYNs and 4 datagrams and has not grown for half a second (at most 20 s).
syn='tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn'
last=-1 stable=0
for ((i = 0; i < 200; i++)); do
  sleep 0.1
  total=$(tcpdump -nn -r "$work/capture.pcap" 2>/dev/null | wc -l)
  if ((total == last)); then stable=$((stable + 1)); else stable=0 last=$total; fi
  ((stable >= 5)) || continue
  (($(tcpdump -nn -r "$work/capture.pcap" "$syn" 2>/dev/null | wc -l) >= 9)) &&
    (($(tcpdump -nn -r "$work/capture.pcap" udp 2>/dev/null | wc -l) >= 4)) && break
done
stop_pid "$tcpdump_pid"
tcpdump_pid=
echo "capture: $(grep -E 'packets (captured|received)' "$work/tcpdump.err" | paste -sd, -)"
got="$(tcpdump -nn -r "$work/capture.pcap" "$syn" 2>/dev/null | wc -l) SYNs, $(tcpdump -nn -r "$work/capture.pcap" udp 2>/dev/null | wc -l) datagrams"
[[ $got == "9 SYNs, 4 datagrams" ]] || die "the capture holds $got, want 9 SYNs, 4 datagrams"

mkdir -p "$work/evidence/srv"
cp "$work/capture.pcap" "$work/evidence/capture.pcap"
ip netns exec "$srv" ss -tulpn >"$work/evidence/srv/ss.txt"
echo "server inventory (evidence/srv/ss.txt):"
sed 's/^/   /' "$work/evidence/srv/ss.txt"

# Without a firewall every listener answers everyone: C and B for both clients.
want_open "$c1" tcp "$port_c" 1 "no firewall yet"
want_open "$c2" tcp "$port_b" 1 "no firewall yet"
want_open "$c2" udp "$port_u" 1 "no firewall yet"

# --- The plan -----------------------------------------------------------------
cd "$work" || die "cannot cd to $work"
status=0
timeout 60 "$highport" plan evidence/capture.pcap evidence/srv/ss.txt -o plan.json \
  >plan.out 2>plan.err || status=$?
echo "highport plan evidence/capture.pcap evidence/srv/ss.txt -o plan.json: exit $status"
sed 's/^/   /' plan.err
[[ -s plan.json ]] || die "highport plan wrote no plan.json (exit $status): $(head -c 800 plan.err)"
jq -e '.schema == "highport-plan"' plan.json >/dev/null || die "plan.json is not a plan: $(head -c 400 plan.json)"
# The shapes the checks below read (plan/plan.h, docs/plan.md): a jq error
# must not pass for "no rule allows it".
jq -e '.firewall.rules | type == "array" and all(.[]; (.servers | type) == "array" and
         (.clients | type) == "array" and all(.ports[]; type == "string" and test("^[0-9]+(-[0-9]+)?$")))' \
  plan.json >/dev/null || die "plan.json's firewall.rules are not as plan.h says: $(jq -c '.firewall.rules' plan.json | head -c 600)"
got=$(jq -r --arg s "$server" '[.hosts[] | select(.addresses | index($s)) | .name] | join(" ")' plan.json)
if [[ $got == srv ]]; then
  pass "plan: $server is host 'srv', the folder of its ss.txt"
else
  fail "plan: the host with $server is named '$got', want 'srv' (the folder of ss.txt)"
fi
echo "plan.json's rules:"
jq -r '.firewall.rules[] | "   \(.id) \(.proto) \(.ports | join(",")) \(.servers | join(",")) <- \(.clients | join(",")) (\(.flows) flows, \(.connections) connections)"' plan.json
jq -r '.firewall | "   coverage \(.coverage), \(.allowed_flows) flows, \(.uncovered | length) uncovered"' plan.json

# rule_clients PROTO PORT: the client blocks of the rules that let PROTO/PORT
# to the server through, one a line.
rule_clients() {
  jq -r --arg proto "$1" --argjson port "$2" --arg server "$server" '
    .firewall.rules[] | select(.proto == $proto and (.servers | index($server))) |
    select(any(.ports[]; (split("-") | map(tonumber)) as $r | $port >= $r[0] and $port <= ($r[-1]))) |
    .clients[]' plan.json
}
ip_number() {
  local IFS=. a b c d
  read -r a b c d <<<"$1"
  echo $(((a << 24) | (b << 16) | (c << 8) | d))
}
# in_blocks IP BLOCK...: IP lies inside one of the CIDR blocks.
in_blocks() {
  local ip block net prefix mask n
  ip=$(ip_number "$1")
  shift
  for block in "$@"; do
    net=${block%/*}
    prefix=${block#*/}
    [[ $block == */* ]] || prefix=32
    [[ $net =~ ^[0-9.]+$ ]] || continue
    mask=$(((0xffffffff << (32 - prefix)) & 0xffffffff))
    n=$(ip_number "$net")
    (((ip & mask) == (n & mask))) && return 0
  done
  return 1
}
# covered PROTO PORT CLIENT: the plan lets CLIENT reach PROTO/PORT.
covered() {
  local blocks
  mapfile -t blocks < <(rule_clients "$1" "$2")
  ((${#blocks[@]} > 0)) && in_blocks "$3" "${blocks[@]}"
}

for want in "tcp $port_a $client1" "tcp $port_a $client2" "tcp $port_b $client1" "udp $port_u $client1"; do
  # shellcheck disable=SC2086 # three words
  if covered $want; then pass "plan: a rule allows ${want##* } -> ${want% *}"; else fail "plan: no rule allows ${want##* } -> ${want% *}"; fi
done
for c in "$client1" "$client2"; do
  if covered tcp "$port_c" "$c"; then fail "plan: a rule allows $c -> tcp $port_c, which no flow used"; else pass "plan: no rule allows $c -> tcp $port_c"; fi
done
if jq -e '.firewall.coverage == 1 and (.firewall.uncovered | length) == 0' plan.json >/dev/null; then
  pass "plan: coverage 1, nothing uncovered"
else
  fail "plan: coverage $(jq -c '.firewall.coverage' plan.json), uncovered $(jq -c '.firewall.uncovered' plan.json)"
fi
if jq -e 'all(.firewall.rules[]; (.clients | length) > 0 and all(.clients[]; test("/(2[4-9]|3[0-2])$")))' plan.json >/dev/null; then
  pass "plan: every rule names its clients, in blocks no wider than /24"
else
  fail "plan: a rule without clients or wider than /24: $(jq -c '[.firewall.rules[] | .clients]' plan.json)"
fi
# Does the plan keep client2 away from what only client1 used?
apart_b=true apart_u=true
covered tcp "$port_b" "$client2" && apart_b=false
covered udp "$port_u" "$client2" && apart_u=false
echo "plan keeps client2 from tcp/$port_b: $apart_b; from udp/$port_u: $apart_u"
# With one client a port's block is that client's /32 (plan/cidr.h: a block
# needs more than half of its addresses seen), so both are expected.
[[ $apart_b == true ]] || fail "plan: B's rule lets client2 in, though only client1 used B: $(rule_clients tcp "$port_b" | paste -sd' ')"
[[ $apart_u == true ]] || fail "plan: U's rule lets client2 in, though only client1 used U: $(rule_clients udp "$port_u" | paste -sd' ')"

# --- The ruleset ----------------------------------------------------------------
status=0
timeout 60 "$highport" emit plan.json --format nftables -o out >emit.out 2>emit.err || status=$?
echo "highport emit plan.json --format nftables -o out: exit $status"
sed 's/^/   /' emit.err
nft_file=out/nftables/highport.nft
rollback_file=out/nftables/highport-rollback.nft
[[ -s $nft_file && -s $rollback_file ]] || die "emit wrote no $nft_file and $rollback_file: $(find out 2>&1 | head -20)"
((status == 0)) || fail "highport emit exited $status"

if ip netns exec "$srv" nft -f "$nft_file" 2>nft.err; then
  pass "nft -f $nft_file in the server's namespace"
else
  cat "$nft_file"
  die "nft -f $nft_file failed: $(cat nft.err)"
fi
ip netns exec "$srv" nft list ruleset >ruleset.txt
grep -q 'table inet highport' ruleset.txt || fail "no table inet highport after loading: $(head -c 600 ruleset.txt)"

# Every observed flow still goes through.
want_open "$c1" tcp "$port_a" 3 "with the ruleset"
want_open "$c1" tcp "$port_b" 3 "with the ruleset"
want_open "$c1" udp "$port_u" 2 "with the ruleset"
want_open "$c2" tcp "$port_a" 3 "with the ruleset"
# What no flow used is blocked.
want_blocked "$c1" tcp "$port_c" "with the ruleset"
want_blocked "$c2" tcp "$port_c" "with the ruleset"
if [[ $apart_b == true ]]; then
  want_blocked "$c2" tcp "$port_b" "with the ruleset"
else
  want_open "$c2" tcp "$port_b" 1 "with the ruleset (the plan lets client2 reach B)"
fi
if [[ $apart_u == true ]]; then
  want_blocked "$c2" udp "$port_u" "with the ruleset"
else
  want_open "$c2" udp "$port_u" 1 "with the ruleset (the plan lets client2 reach U)"
fi
ip netns exec "$srv" nft list table inet highport >counters.txt 2>&1 || true

# --- The rollback -----------------------------------------------------------------
if ip netns exec "$srv" nft -f "$rollback_file" 2>nft.err; then
  pass "nft -f $rollback_file in the server's namespace"
else
  fail "nft -f $rollback_file failed: $(cat nft.err)"
fi
if ip netns exec "$srv" nft list ruleset | grep -q 'table inet highport'; then
  fail "table inet highport still there after the rollback"
else
  pass "rollback: table inet highport gone"
fi
want_open "$c1" tcp "$port_c" 1 "after the rollback"
want_open "$c2" tcp "$port_b" 1 "after the rollback"
want_open "$c2" udp "$port_u" 1 "after the rollback"

if ((failures > 0)); then
  echo "the ruleset (out/nftables/highport.nft):"
  sed 's/^/   /' "$nft_file"
  echo "its counters after the checks:"
  sed 's/^/   /' counters.txt
  echo "FAIL: $failures check(s) failed (KEEP=1 keeps $work)" >&2
  exit 1
fi
echo "PASS: the planned nftables ruleset lets the observed flows through and blocks the rest"
