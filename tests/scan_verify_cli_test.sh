#!/usr/bin/env bash
# `highport scan` and `highport verify` against real listeners, in two
# network namespaces of the test's own (nothing else listens there, so
# "finds exactly them" holds on a busy machine):
#   server  lo, and veth 10.216.0.1/30; tools/tcp_peer listens on TCP 7001
#           7002 7003 7004 49700, tools/fake_epm_server on 127.0.0.1:13500;
#           nftables drops SYNs to 7003 and rejects 7004 with an ICMP
#           "administratively prohibited";
#   client  veth 10.216.0.2/30.
# Asserted: scan from the client finds 7001 7002 49700 open and 7003 7004
# filtered, with the client's address as source, and only 49700 with the
# default ports; the rate limit holds; usage errors name the bad item.
# verify (inside the server, with --epm-port 13500) exits 0 against a plan
# that matches and 1 against one that drifts, naming each port; from the
# client, --check ports,firewall names the ports the allow-list does not
# allow from 10.216.0.2.
# usage: scan_verify_cli_test.sh HIGHPORT TCP_PEER FAKE_EPM_SERVER
# Linux, as root, with ip, nft and jq; skipped (77) only where no namespace
# can be made, or, off CI, when a tool is missing. About 15 s.
set -uo pipefail

highport=${1:?usage: $0 HIGHPORT TCP_PEER FAKE_EPM_SERVER}
peer=${2:?usage: $0 HIGHPORT TCP_PEER FAKE_EPM_SERVER}
fake=${3:?usage: $0 HIGHPORT TCP_PEER FAKE_EPM_SERVER}

# shellcheck source=lib/netns.sh
source "$(dirname "$0")/lib/netns.sh"

[[ $(uname -s) == Linux ]] || skip "network namespaces are Linux only"
for f in "$highport" "$peer" "$fake"; do [[ -x $f ]] || die "$f is not an executable"; done
highport=$(realpath "$highport") peer=$(realpath "$peer") fake=$(realpath "$fake")
require_tools "ip iproute2" "nft nftables" "jq jq" "timeout coreutils"

srv=hpsc-srv-$$
cli=hpsc-cli-$$
server=10.216.0.1
client=10.216.0.2

work=$(mktemp -d)
source "$(dirname "$0")/lib/check.sh"
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do stop_pid "$pid"; done
  netns_cleanup
  if [[ -n ${KEEP:-} ]]; then echo "kept $work (KEEP)"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

new_ns "$srv" || skip "this machine gives us no network namespace (needs root and netns)"
if ! { new_ns "$cli" &&
  ip -n "$srv" link add eth0 type veth peer name eth0 netns "$cli" &&
  ip -n "$srv" addr add "$server/30" dev eth0 && ip -n "$srv" link set eth0 up &&
  ip -n "$cli" addr add "$client/30" dev eth0 && ip -n "$cli" link set eth0 up; }; then
  skip "this machine gives us no veth pairs in network namespaces"
fi
in_srv() { timeout 120 ip netns exec "$srv" "$@"; }
in_cli() { timeout 120 ip netns exec "$cli" "$@"; }

# --- Peers ------------------------------------------------------------------------
coproc SERVE { exec ip netns exec "$srv" "$peer" serve --seconds 240 7001 7002 7003 7004 49700 2>&1; }
pids+=("$SERVE_PID")
read -r -t 10 -u "${SERVE[0]}" word || die "tcp_peer serve did not start"
[[ $word == ready ]] || die "tcp_peer serve: $word"
ip netns exec "$srv" "$fake" --lifetime 240 --style windows --entries 21 127.0.0.1:13500 \
  >"$work/epm.ready" 2>"$work/epm.err" &
pids+=($!)
for _ in $(seq 1 100); do
  grep -q '^ready' "$work/epm.ready" 2>/dev/null && break
  sleep 0.05
done
grep -q '^ready' "$work/epm.ready" || die "fake_epm_server did not start: $(cat "$work/epm.err")"
in_srv nft -f - <<'EOF' || die "cannot load the nftables rules in $srv"
table inet hpscan {
  chain input {
    type filter hook input priority 0; policy accept;
    tcp dport 7003 drop
    tcp dport 7004 reject with icmpx type admin-prohibited
  }
}
EOF
for ((i = 0; i < 50; i++)); do
  in_cli "$peer" connect "$server" 7001 1000 && break
  sleep 0.1
done
((i < 50)) || die "the client cannot reach $server:7001"

# --- scan ---------------------------------------------------------------------------
expect 0 "$highport" help scan
contains "$work/out" "--rate"
expect 2 "$highport" scan
expect 2 "$highport" scan 127.0.0.1 -p 135,70000
contains "$work/err" "-p: item 2 '70000' is not a port (1-65535) or START-END range"
expect 2 "$highport" scan 127.0.0.1:135
contains "$work/err" "name ports with -p, not HOST:PORT"
expect 2 "$highport" scan 10.0.0.0/24 --max-probes 100000
contains "$work/err" "254 host(s) x"
contains "$work/err" "more than --max-probes 100000"
expect 2 "$highport" scan 10.0.0.0/8
contains "$work/err" "more than --max-hosts 256"

expect 0 in_cli "$highport" scan "$server" -p 7000-7010,49690-49710 --timeout 0.5 --format json
jqe 'length == 1 and .[0].address == "10.216.0.1" and .[0].source_address == "10.216.0.2"' "scan: addresses"
jqe '[.[0].open[].port] == [7001, 7002, 49700]' "scan: exactly the listeners open"
jqe '.[0].filtered_ports == ["7003-7004"] and .[0].filtered == 2' "scan: dropped and rejected ports filtered"
jqe '.[0].probed == 32 and .[0].closed == 27 and .[0].errors == 0' "scan: the rest closed"
jqe '.[0].open[2].class == "dynamic" and .[0].open[0].class == "registered"' "scan: port classes"

expect 0 in_cli "$highport" scan "$server" -p 7000-7010 --timeout 0.5 --format csv
contains "$work/out" "10.216.0.1,10.216.0.1,10.216.0.2,7003,filtered,timeout"
contains "$work/out" "10.216.0.1,10.216.0.1,10.216.0.2,7004,filtered,"
contains "$work/out" "10.216.0.1,10.216.0.1,10.216.0.2,7001,open,connected"

# The default ports: 135, 593, the catalog's Windows ports, 49152-65535.
start=$(date +%s%N)
expect 0 in_cli "$highport" scan "$server" --rate 20000 --timeout 0.5 --format json
jqe '[.[0].open[].port] == [49700] and .[0].filtered == 0' "default scan: 49700 only"
jqe '.[0].probed > 16384 and .[0].probed < 16500' "default scan: the dynamic range and the Windows ports"
echo "default scan of $(jq '.[0].probed' "$work/out") ports at --rate 20000: $((($(date +%s%N) - start) / 1000000)) ms"
expect 0 in_cli "$highport" scan "$server" -p 135,49700 --dynamic-range 49000-49999
contains "$work/out" "Host 10.216.0.1, scanned from 10.216.0.2: 2 port(s)"
contains "$work/out" "1 open, 1 closed, 0 filtered"
contains "$work/out" "tcp/49700"

# The rate limit: 200 ports at 200 a second take about a second.
start=$(date +%s%N)
expect 0 in_cli "$highport" scan "$server" -p 20000-20199 --rate 200 --format json
ms=$((($(date +%s%N) - start) / 1000000))
echo "200 probes at --rate 200: $ms ms"
((ms >= 950 && ms < 5000)) || fail "200 probes at --rate 200 took $ms ms, want about 1000"

# --- verify ----------------------------------------------------------------------
# plan HOST ADDRESSES_JSON LISTENERS_JSON RANGE PINS_JSON MINIMISE_JSON RULES_JSON
plan() {
  jq -n --arg host "$1" --argjson addresses "$2" --argjson listeners "$3" --arg range "$4" \
    --argjson pins "$5" --argjson minimise "$6" --argjson rules "$7" '{
      schema: "highport-plan", schema_version: 1,
      hosts: [{name: $host, addresses: $addresses, group: $host, role: "member", platform: "windows",
               listeners: $listeners}],
      ranges: [{id: "range:\($host)", group: $host, hosts: [$host], range: $range}],
      pins: $pins, minimise: $minimise,
      firewall: {rules: $rules}}'
}
plan lo '["127.0.0.1"]' '["tcp/7001","tcp/7002","tcp/13500"]' 49660-49710 \
  '[]' '[]' '[]' >"$work/match.json"
# The same host, and a static listener that is gone (7003: nothing listens there).
plan lo '["127.0.0.1"]' '["tcp/7001","tcp/7002","tcp/7003","tcp/13500"]' 49660-49710 \
  '[]' '[]' '[]' >"$work/gone.json"
# The fake endpoint mapper registers drsuapi on 49664, netlogon on 49666 and
# others on 49665-49670: outside 5001-5100, drsuapi not on its pin.
plan lo '["127.0.0.1"]' '["tcp/7001","tcp/13500"]' 5001-5100 \
  '[{"id":"pin:lo:drsuapi","host":"lo","service":"drsuapi","port":38901,"kind":"samba","interfaces":["drsuapi"]}]' \
  '[{"id":"minimise:lo:Agent","host":"lo","service":"Agent","action":"disable","listeners":["tcp/7001","udp/161"]}]' \
  '[]' >"$work/drift.json"

expect 0 "$highport" help verify
contains "$work/out" "--check"
expect 2 "$highport" verify "$work/match.json" 10.9.9.9
contains "$work/err" "'10.9.9.9' is not a host of $work/match.json; it has: lo (127.0.0.1)"
expect 2 "$highport" verify "$work/match.json" lo --check ports,fw
contains "$work/err" "--check: item 2 'fw' is not a check"
echo '{"schema": "highport-plan", "schema_version": 1, "hosts": [{"name": "x", "listeners": ["tcp/x"]}]}' >"$work/bad.json"
expect 2 "$highport" verify "$work/bad.json" x
contains "$work/err" "/hosts/0/listeners/0: 'tcp/x' is not PROTO/PORT"

expect 0 in_srv "$highport" verify "$work/match.json" 127.0.0.1 --epm-port 13500 --rate 20000 --timeout 0.5
contains "$work/out" "Host lo (127.0.0.1), scanned from 127.0.0.1: matches the plan"
contains "$work/out" "checks: ports, rpc, minimise, firewall"
contains "$work/out" "endpoint mapper: ok, 21 entries"
expect 0 in_srv "$highport" verify "$work/match.json" lo --epm-port 13500 --rate 20000 --timeout 0.5 --format json
jqe '.[0].matches and .[0].epm.status == "ok" and (.[0].notes | any(test("from the host itself")))' "verify: a matching host"

expect 1 in_srv "$highport" verify "$work/gone.json" lo --epm-port 13500 --check ports --rate 20000 --timeout 0.5
contains "$work/out" "DIFF ports [listener-closed]: tcp/7003 listened when the evidence was taken and is not open to the scanner now"

# -p adds 7000-7010: the plan does not know 7002, so only -p makes verify look there.
expect 1 in_srv "$highport" verify "$work/drift.json" lo --epm-port 13500 -p 7000-7010 --rate 20000 --timeout 0.5 --format json
jqe '.[0].matches == false' "verify: drift"
jqe '[.[0].differences[] | select(.kind == "unexpected-port") | .port] == [7002, 49700]' "drift: unexpected open ports 7002 and 49700"
jqe '[.[0].differences[] | select(.kind == "rpc-outside-range") | .port] == [49664, 49665, 49666, 49667, 49668, 49669, 49670]' \
  "drift: the endpoint mapper's seven ports outside 5001-5100"
jqe '.[0].differences[] | select(.kind == "rpc-outside-range" and .port == 49664) | .text | test("drsuapi registered with the endpoint mapper outside the planned range 5001-5100")' \
  "drift: drsuapi named"
jqe '[.[0].differences[] | select(.kind == "pin-elsewhere") | .text] == ["drsuapi (pin:lo:drsuapi) is registered on tcp/49664, not only on its pinned port tcp/38901"]' \
  "drift: the pin"
jqe '[.[0].differences[] | select(.kind == "minimised-listens") | .port] == [7001]' "drift: the minimised service"
jqe '.[0].notes | any(test("udp/161 not checked"))' "drift: UDP said, not guessed"
expect 1 in_srv "$highport" verify "$work/drift.json" lo --epm-port 13500 --check ports --rate 20000 --timeout 0.5
contains "$work/out" "checks: ports"
contains "$work/out" "DIFF ports [unexpected-port]: tcp/49700 is open but not expected"
grep -q "rpc-outside-range" "$work/out" && fail "--check ports ran the rpc check: $(cat "$work/out")"
# No endpoint mapper where the plan expects one: a difference, not a crash.
expect 1 in_srv "$highport" verify "$work/match.json" lo --epm-port 13599 --check rpc --timeout 0.5 --rate 20000
contains "$work/out" "DIFF rpc [epm-unavailable]: the endpoint mapper did not answer (error: tcp/13599 is closed (refused))"

# From the client: the allow-list lets 10.216.0.2 reach 7001 only.
rule='{"id":"rule:1","servers":["10.216.0.1"],"clients":["10.216.0.2/32"],"proto":"tcp","ports":["7001"]}'
plan srv '["10.216.0.1"]' '["tcp/7001","tcp/7002"]' 49660-49710 '[]' '[]' "[$rule]" >"$work/fw.json"
expect 1 in_cli "$highport" verify "$work/fw.json" "$server" --check ports,firewall --rate 20000 --timeout 0.5 --format json
jqe '.[0].source_address == "10.216.0.2"' "firewall: the scanner's address"
jqe '[.[0].differences[] | select(.kind == "firewall-reachable") | .port] == [7002, 49700]' "firewall: 7002 and 49700 reachable"
jqe '.[0].differences[0].text == "tcp/7002 is reachable from 10.216.0.2; the allow-list does not allow it from there"' "firewall: the text"
rule='{"id":"rule:1","servers":["10.216.0.1"],"clients":["10.216.0.0/30"],"proto":"tcp","ports":["7001-7002","49660-49710"]}'
plan srv '["10.216.0.1"]' '["tcp/7001","tcp/7002"]' 49660-49710 '[]' '[]' "[$rule]" >"$work/fw.json"
expect 0 in_cli "$highport" verify "$work/fw.json" srv --check ports,firewall --rate 20000 --timeout 0.5

if ((failures > 0)); then
  echo "FAIL: $failures check(s) failed" >&2
  exit 1
fi
echo "PASS: scan and verify"
