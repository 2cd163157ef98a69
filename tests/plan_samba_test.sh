#!/usr/bin/env bash
# End to end on a real Samba AD DC (issue 5, "Done when"): plan from what
# `highport epm` and `ss -tulpn` say about the DC, emit the smb.conf lines,
# restart Samba with them, and ask the endpoint mapper again: every dynamic
# RPC port must now lie inside the planned range and every pinned interface
# must sit on its pinned port.
#
# Usage: plan_samba_test.sh HIGHPORT   (see tests/CMakeLists.txt)
# Needs: root and a kernel that gives us a network namespace with a veth
# pair, else exit 77 (skipped). Needs samba, samba-dsdb-modules,
# samba-vfs-modules, samba-ad-provision, smbclient, iproute2 and jq
# (scripts/setup.sh): without them skipped, except on CI (CI set), where that
# is a broken setup and fails.
#
# Set up: tests/lib/samba_lab.sh provisions and starts the DC (Debian 12:
# Samba 4.17) at 10.214.0.2 (no other test uses 10.214/16) in a namespace
# of its own; highport and ss run inside it (samba_lab_exec). The evidence
# is laid out as an administrator would collect it, one folder per host:
#     evidence/sdc/epm.json   highport epm 10.214.0.2 --format json
#     evidence/sdc/ss.txt     ss -tulpn inside the namespace
# then
#     highport plan evidence/sdc/epm.json evidence/sdc/ss.txt -o plan.json
#     highport emit plan.json --format smbconf -o out
# and Samba restarts with the lines of out/smbconf/HOST.conf that are not
# comments or section headers (samba_lab_restart appends them to [global]).
#
# Asserted:
#   - before: the DC's RPC servers sit in 49152-65535 (reference section 8:
#     49152 netlogon, 49153 lsarpc, drsuapi, ..., 49154 samr, wkssvc);
#   - plan.json: the host with 10.214.0.2 is a Samba host; it has an RPC
#     range (ranges[].range "START-END", clear of 135, 593 and the AD service
#     ports) and pins of kind "samba" for netlogon and drsuapi, on distinct
#     ports in 1024-49151;
#   - the emitted lines hold `rpc server dynamic port range = START-END` and
#     `rpc server port:netlogon` / `:drsuapi`, and never a bare `rpc server
#     port` (Samba 4.17 moves only netlogon with it; reference section 8);
#   - after the restart, from `highport epm` again: status ok; every TCP port
#     marked dynamic other than 135, 593 and the pinned ports lies in the
#     planned range; each pinned interface is registered on ncacn_ip_tcp at
#     its pinned port and on no other TCP port; and the same from the other
#     side, ss: each of samba's RPC listeners is a pinned port or in the range.
# A pinned interface that does not move is a finding about the plan or about
# Samba, not something to relax here. Each check prints PASS or FAIL; the
# test goes on after a FAIL and exits 1 at the end if any failed. One
# provision and two starts of Samba: about a minute.
set -uo pipefail

highport=${1:?usage: $0 HIGHPORT}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib/samba_lab.sh
source "$here/lib/samba_lab.sh"

addr=10.214.0.2

skip() { echo "SKIP: $*"; exit 77; }
die() { echo "FAIL: $*" >&2; exit 1; }

[[ $(uname -s) == Linux ]] || skip "network namespaces are Linux only"
[[ -x $highport ]] || die "$highport is not an executable"
highport=$(realpath "$highport") # the test runs in $work
samba_lab_can_netns ||
  skip "this machine gives us no network namespace with a veth pair (needs root, netns and veth)"
missing=$(samba_lab_missing)
command -v jq >/dev/null 2>&1 || missing+=${missing:+$'\n'}"jq (Debian package jq)"
command -v timeout >/dev/null 2>&1 || missing+=${missing:+$'\n'}"timeout (Debian package coreutils)"
if [[ -n $missing ]]; then
  [[ -n ${CI:-} ]] && die "missing on CI (scripts/setup.sh installs it): $(paste -sd, <<<"$missing")"
  skip "missing: $(paste -sd, <<<"$missing")"
fi

work=$(mktemp -d)
# shellcheck source=lib/check.sh
source "$here/lib/check.sh"
pass() { echo "PASS: $*"; }
cleanup() {
  samba_lab_stop || echo "FAIL: the Samba lab did not stop cleanly" >&2
  if [[ -n ${KEEP:-} ]]; then echo "kept $work (KEEP)"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# epm_json FILE: `highport epm ADDR --format json -o FILE` inside the lab;
# dies unless it printed the DC's object with status ok.
epm_json() {
  local file=$1 status=0
  samba_lab_exec timeout 60 "$highport" epm "$addr" --format json -o "$file" 2>"$work/epm.err" || status=$?
  echo "highport epm $addr --format json -o ${file#"$work"/}: exit $status"
  ((status != 124)) || die "highport epm hung (killed after 60 s)"
  jq -e --arg a "$addr" 'type == "array" and length == 1 and .[0].host == $a and .[0].status == "ok"' \
    "$file" >/dev/null 2>&1 || die "highport epm $addr: no ok answer (exit $status): $(head -c 600 "$file") $(head -c 400 "$work/epm.err")"
}
# tcp_ports_of FILE: "PORT dynamic=BOOL interfaces" for each TCP port of the answer.
tcp_ports_of() {
  jq -r '.[0].tcp_ports[] | "   \(.port) dynamic=\(.dynamic) http=\(.http) \(.interfaces | join(","))"' "$1"
}

# --- Before: the provisioned DC -------------------------------------------------
t0=$(date +%s%N)
samba_lab_start plan "$addr" || die "the Samba lab did not start"
echo "Samba lab $SAMBA_LAB_NS at $addr: provision ${SAMBA_LAB_PROVISION_MS} ms," \
  "start ${SAMBA_LAB_START_MS} ms, $((($(date +%s%N) - t0) / 1000000)) ms in all"
mkdir -p "$work/evidence/sdc"
cd "$work" || die "cannot cd to $work"
epm_json "$work/evidence/sdc/epm.json"
samba_lab_exec ss -tulpn >evidence/sdc/ss.txt || die "ss -tulpn failed in the lab"
echo "before: the endpoint mapper's TCP ports:"
tcp_ports_of evidence/sdc/epm.json
before=$(samba_lab_rpc_ports | paste -sd' ')
echo "before: samba's RPC listeners (ss): $before"
for p in $before; do
  ((p >= 49152)) || die "lab: samba listens on $p before any plan, outside 49152-65535"
done

# --- The plan ------------------------------------------------------------------
status=0
timeout 60 "$highport" plan evidence/sdc/epm.json evidence/sdc/ss.txt -o plan.json \
  >plan.out 2>plan.err || status=$?
echo "highport plan evidence/sdc/epm.json evidence/sdc/ss.txt -o plan.json: exit $status"
sed 's/^/   /' plan.err
[[ -s plan.json ]] || die "highport plan wrote no plan.json (exit $status): $(head -c 800 plan.err)"
jq -e '.schema == "highport-plan"' plan.json >/dev/null || die "plan.json is not a plan: $(head -c 400 plan.json)"

host=$(jq -r --arg a "$addr" '[.hosts[] | select(.addresses | index($a))][0].name // empty' plan.json)
[[ -n $host ]] || die "plan.json has no host with address $addr: $(jq -c '.hosts' plan.json)"
echo "plan.json: host '$(jq -c --arg h "$host" '.hosts[] | select(.name == $h)' plan.json)'"
echo "   ranges: $(jq -c --arg h "$host" '[.ranges[] | select(.hosts | index($h)) | {id, range, ports, avoided: [.avoided[].port]}]' plan.json)"
echo "   pins:   $(jq -c --arg h "$host" '[.pins[] | select(.host == $h) | {service, port, kind, interfaces}]' plan.json)"
if [[ $host == sdc ]]; then
  pass "plan: $addr is host 'sdc', the folder its inventory sits in"
else
  fail "plan: the host with $addr is named '$host', want 'sdc' (the folder of epm.json and ss.txt)"
fi
got=$(jq -r --arg h "$host" '.hosts[] | select(.name == $h) | .platform' plan.json)
if [[ $got == samba ]]; then pass "plan: $host is a Samba host"; else fail "plan: $host has platform '$got', want samba"; fi

range=$(jq -r --arg h "$host" '[.ranges[] | select(.hosts | index($h))] | if length == 1 then .[0].range else empty end' plan.json)
[[ $range =~ ^([0-9]+)-([0-9]+)$ ]] ||
  die "plan: want one RPC range for $host, got $(jq -c --arg h "$host" '[.ranges[] | select(.hosts | index($h)) | .range]' plan.json)"
low=${BASH_REMATCH[1]} high=${BASH_REMATCH[2]}
pass "plan: RPC range $low-$high for $host"
for p in 135 593 $SAMBA_LAB_SERVICE_PORTS; do
  ((p < low || p > high)) || fail "plan: the range $low-$high holds $p, a port the DC serves or advertises"
done

# pinned[interface] = port, from the pins of kind samba (service: the
# interface; interfaces: those that move with it).
declare -A pinned=()
while read -r iface port; do
  [[ -n $iface ]] && pinned[$iface]=$port
done < <(jq -r --arg h "$host" '.pins[] | select(.host == $h and .kind == "samba") | .port as $p |
           ([.service] + .interfaces | map(ascii_downcase) | unique)[] | "\(.) \($p)"' plan.json)
for iface in netlogon drsuapi; do
  port=${pinned[$iface]:-}
  if [[ -z $port ]]; then
    fail "plan: no pin of kind samba for $iface"
  elif ((port >= 1024 && port <= 49151)); then
    pass "plan: $iface pinned to $port"
  else
    fail "plan: $iface pinned to $port, outside 1024-49151"
  fi
done
if [[ -n ${pinned[netlogon]:-} && ${pinned[netlogon]:-} == "${pinned[drsuapi]:-}" ]]; then
  fail "plan: netlogon and drsuapi share port ${pinned[netlogon]} (Netlogon never on NTDS's port)"
fi

# --- The smb.conf lines ------------------------------------------------------------
status=0
timeout 60 "$highport" emit plan.json --format smbconf -o out >emit.out 2>emit.err || status=$?
echo "highport emit plan.json --format smbconf -o out: exit $status"
sed 's/^/   /' emit.err
conf=out/smbconf/$host.conf
[[ -s $conf ]] || die "emit wrote no $conf: $(find out -type f 2>&1 | head -20)"
((status == 0)) || fail "highport emit exited $status"
[[ -f out/smbconf/$host-rollback.conf ]] || fail "emit wrote no out/smbconf/$host-rollback.conf"
echo "$conf:"
sed 's/^/   /' "$conf"
# The parameters: not comments (# or ;), not blank, not [section] headers.
mapfile -t lines < <(sed -E 's/^[[:space:]]+//; s/[[:space:]]+$//' "$conf" | grep -Ev '^($|[#;]|\[)')
((${#lines[@]} > 0)) || die "$conf holds no smb.conf parameter"
# normalised: "name = value" with single spaces, lower-case name
norm=$(printf '%s\n' "${lines[@]}" | awk -F= '{ n = tolower($1); v = substr($0, index($0, "=") + 1);
  gsub(/[[:space:]]+/, " ", n); sub(/^ /, "", n); sub(/ $/, "", n); gsub(/^[[:space:]]+|[[:space:]]+$/, "", v);
  print n " = " v }')
want="rpc server dynamic port range = $low-$high"
if grep -qxF "$want" <<<"$norm"; then pass "smbconf: '$want'"; else fail "smbconf lacks '$want'"; fi
for iface in netlogon drsuapi; do
  [[ -n ${pinned[$iface]:-} ]] || continue
  want="rpc server port:$iface = ${pinned[$iface]}"
  if grep -qxF "$want" <<<"$norm"; then pass "smbconf: '$want'"; else fail "smbconf lacks '$want'"; fi
done
if grep -qE '^rpc server port = ' <<<"$norm"; then
  fail "smbconf has a bare 'rpc server port' (Samba 4.17 moves only netlogon with it)"
else
  pass "smbconf: no bare 'rpc server port'"
fi

# --- After: Samba restarted with the lines ------------------------------------------
t0=$(date +%s%N)
samba_lab_restart "${lines[@]}" || die "Samba did not restart with the lines of $conf (log: $SAMBA_LAB_LOG)"
echo "restarted with $conf's ${#lines[@]} line(s): start ${SAMBA_LAB_START_MS} ms, $((($(date +%s%N) - t0) / 1000000)) ms in all"
epm_json "$work/after.json"
echo "after: the endpoint mapper's TCP ports:"
tcp_ports_of after.json
pinned_ports=$(printf '%s\n' "${pinned[@]}" | sort -nu | paste -sd' ')

# Every dynamic port but the endpoint mapper's, ncacn_http's and the pinned ones: in the range.
got=$(jq -r --argjson lo "$low" --argjson hi "$high" --arg pins " $pinned_ports " '
  [.[0].tcp_ports[] | select(.dynamic and .port != 135 and .port != 593) | .port as $p |
   select(($pins | index(" \($p) ")) | not) | select($p < $lo or $p > $hi) |
   "\($p) (\(.interfaces | join(",")))"] | join(", ")' after.json) || got="(jq failed)"
n=$(jq -r '[.[0].tcp_ports[] | select(.dynamic and .port != 135 and .port != 593)] | length' after.json) || n=0
if [[ -z $got ]] && ((n > 0)); then
  pass "after: every dynamic TCP port ($n, pinned ones included) is pinned or in $low-$high"
else
  fail "after: dynamic TCP ports outside the planned range $low-$high and not pinned: ${got:-none of $n}"
fi

# Each pinned interface on its pinned port, and on no other TCP port.
for iface in "${!pinned[@]}"; do
  port=${pinned[$iface]}
  got=$(jq -r --arg n "$iface" '[.[0].interfaces[] | select((.name // "" | ascii_downcase) == $n or .annotation == $n) |
          .bindings[] | select(.protocol == "ncacn_ip_tcp") | .port] | unique | map(tostring) | join(" ")' after.json)
  if [[ $got == "$port" ]]; then
    pass "after: $iface registered on TCP $port, as pinned"
  else
    fail "after: $iface registered on TCP '${got:-nothing}', pinned to $port (plan pin $(jq -c --arg h "$host" --arg n "$iface" '.pins[] | select(.host == $h and ((.service | ascii_downcase) == $n or (.interfaces | index($n)))) | {id, port, interfaces}' plan.json))"
  fi
done

# From the other side: samba's own RPC listeners (ss) are pinned or in range.
after=$(samba_lab_rpc_ports | paste -sd' ')
echo "after: samba's RPC listeners (ss): $after"
bad=""
for p in $after; do
  ((p >= low && p <= high)) || [[ " $pinned_ports " == *" $p "* ]] || bad+=" $p"
done
if [[ -n $after && -z $bad ]]; then
  pass "after: samba listens for RPC only on pinned ports and in $low-$high ($after)"
else
  fail "after: samba's RPC listeners outside the range and not pinned:${bad:- none at all}"
fi
for port in $pinned_ports; do
  [[ " $after " == *" $port "* ]] || fail "after: nothing of samba's listens on pinned port $port"
done

if ((failures > 0)); then
  echo "FAIL: $failures check(s) failed (KEEP=1 keeps $work, SAMBA_LAB_KEEP=1 the lab's logs)" >&2
  exit 1
fi
echo "PASS: Samba's RPC servers moved where the plan put them"
