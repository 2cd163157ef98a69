#!/usr/bin/env bash
# `highport epm` against a real Samba AD DC (Debian 12: Samba 4.17) that
# tests/lib/samba_lab.sh provisions and runs in a network namespace of its
# own. highport and rpcclient run inside that namespace (samba_lab_exec);
# the only addresses used are 10.213.0.2 (the DC) and 10.213.0.99 (silent),
# both inside it.
#
# Usage: epm_samba_test.sh HIGHPORT   (see tests/CMakeLists.txt)
# Needs: root and a kernel that gives us a network namespace with a veth
# pair, else exit 77 (skipped). Needs samba, samba-dsdb-modules,
# samba-vfs-modules, samba-ad-provision, smbclient (rpcclient), iproute2 and
# jq (scripts/setup.sh): without them skipped, except on CI (CI set), where
# that is a broken setup and fails.
#
# What a Samba 4.17 AD DC's endpoint mapper says, and so what is checked:
#   - 53 entries, all returned by the first ept_lookup call; the second call
#     returns none with status 0x16c9a0d6 (no more entries). rpcclient
#     `epmlookup` prints them all; impacket 0.10's rpcdump prints "No
#     endpoints found". highport must report as many entries as rpcclient.
#   - Bindings: ncacn_ip_tcp, ncacn_np, ncalrpc and ncacn_http; the towers
#     carry 0.0.0.0, which highport reports as the address it asked.
#   - Let S be the TCP ports samba listens on (ss -tlnp in the namespace), R
#     the ones that are not the AD service ports 53 88 135 139 389 445 464
#     636 3268 3269 (samba_lab_rpc_ports: the RPC servers' ports), T the
#     ports of the ncacn_ip_tcp bindings highport reports. Then exactly
#         T = {135} + R,
#     and R lies in the dynamic range (49152-65535; 5000-5100 after the
#     restart with `rpc server dynamic port range = 5000-5100`).
#     Samba also advertises ncacn_http on 593 (epmapper and mgmt), where
#     nothing listens: 593 is a binding highport must list, but not in S and
#     not in T. The (interface, version, TCP port) triples must equal
#     rpcclient's, one by one.
#   - Observed: 49152 netlogon; 49153 lsarpc, drsuapi, dssetup, backupkey,
#     dnsserver, unixinfo, browser, eventlog6; 49154 samr, wkssvc; the mgmt
#     interface on each of these and on 135. With the range 5000-5100: 5000,
#     5001, 5002 in the same order.
#   - highport's own contract (docs/epm.md): tcp_ports holds T and 593
#     (http); 135 and 593 are not dynamic, every other port is, and
#     in_dynamic_range only in 49152-65535; exit 1 while an interface sits in
#     49152-65535, exit 0 once the range is 5000-5100 (all hosts ok).
#   - Port 136 on the DC refuses the connection at once (status "error" in
#     docs/epm.md; "refused" is accepted too); 10.213.0.99 drops every packet
#     (samba_lab_silent_addr), so `--timeout 2` must end in "timeout" in
#     about 2 s; all three in one call give three objects. Exit 1 for each.
# Each check prints PASS or FAIL; the test goes on after a FAIL and exits 1
# at the end if any failed.
set -uo pipefail

highport=${1:?usage: $0 HIGHPORT}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib/samba_lab.sh
source "$here/lib/samba_lab.sh"

addr=10.213.0.2
silent=10.213.0.99

skip() { echo "SKIP: $*"; exit 77; }
die() { echo "FAIL: $*" >&2; exit 1; }
failures=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

[[ $(uname -s) == Linux ]] || skip "network namespaces are Linux only"
[[ -x $highport ]] || die "$highport is not an executable"
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
cleanup() {
  samba_lab_stop || echo "FAIL: the Samba lab did not stop cleanly" >&2
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Interfaces that must be there, by UUID: the endpoint mapper on 135, and
# the ones an AD DC serves on its dynamic ports.
declare -A must=(
  [e1af8308-5d1f-11c9-91a4-08002b14a0fa]=epmapper
  [12345678-1234-abcd-ef00-01234567cffb]=netlogon
  [12345778-1234-abcd-ef00-0123456789ab]=lsarpc
  [12345778-1234-abcd-ef00-0123456789ac]=samr
  [e3514235-4b06-11d1-ab04-00c04fc2dcd2]=drsuapi
  [50abc2a4-574d-40b3-9d66-ee4fd5fba076]=dnsserver
)

# run_epm TAG ARGS...: highport epm ARGS --format json inside the namespace;
# sets epm_status, epm_ms; output in $work/TAG.json, errors in $work/TAG.err.
run_epm() {
  local tag=$1 t0
  shift
  t0=$(date +%s%N)
  epm_status=0
  samba_lab_exec timeout 60 "$highport" epm "$@" --format json \
    >"$work/$tag.json" 2>"$work/$tag.err" || epm_status=$?
  epm_ms=$((($(date +%s%N) - t0) / 1000000))
  echo "-- highport epm $* --format json: exit $epm_status in $epm_ms ms" \
    "$(jq -r 'if type == "array" then map("[\(.host):\(.port) \(.status) \(.detail) entries=\(.entries) calls=\(.calls)]") | join(" ") else empty end' \
      "$work/$tag.json" 2>/dev/null)"
  if ((epm_status == 124)); then
    fail "highport epm $* hung (killed after 60 s)"
    return 1
  fi
  if ! jq -e 'type == "array"' "$work/$tag.json" >/dev/null 2>&1; then
    fail "highport epm $* printed no JSON array (exit $epm_status); stderr:"
    head -n 20 "$work/$tag.err" >&2
    return 1
  fi
}

# "UUID vMAJOR.MINOR PORT" for each ncacn_ip_tcp entry rpcclient prints, and
# the number of entries. Lines look like
#   00000000-0000-0000-0000-000000000000 ncacn_ip_tcp:0.0.0.0[49153,abstract_syntax=50abc2a4-574d-40b3-9d66-ee4fd5fba076/0x00000005]: dnsserver
# with the version as one 32-bit number, major in the low 16 bits.
rpcclient_lookup() {
  local tag=$1 binding uuid version port
  if ! samba_lab_rpcclient "ncacn_ip_tcp:$addr" -c epmlookup \
    >"$work/$tag.rpcclient" 2>"$work/$tag.rpcclient.err"; then
    # rpcclient exits 0 after "epm_Lookup no more entries"; anything else is
    # the lab's fault, not highport's.
    cat "$work/$tag.rpcclient.err" >&2
    die "rpcclient epmlookup failed against the lab"
  fi
  grep -cE '^[0-9a-f-]{36} ' "$work/$tag.rpcclient" >"$work/$tag.rpcclient.count" || true
  : >"$work/$tag.rpcclient.tcp"
  while read -r _ binding _; do
    [[ $binding =~ ^ncacn_ip_tcp:[^[]*\[([0-9]+),abstract_syntax=([0-9a-f-]{36})/0x([0-9a-f]{8})\]:$ ]] ||
      continue
    port=${BASH_REMATCH[1]}
    uuid=${BASH_REMATCH[2]}
    version=$((16#${BASH_REMATCH[3]}))
    echo "$uuid v$((version & 0xffff)).$((version >> 16)) $port" >>"$work/$tag.rpcclient.tcp"
  done <"$work/$tag.rpcclient"
  sort -u -o "$work/$tag.rpcclient.tcp" "$work/$tag.rpcclient.tcp"
}

# check_lookup TAG LOW HIGH EXIT: the checks of one full lookup of the DC,
# whose RPC servers use the range LOW-HIGH; EXIT is the exit status
# docs/epm.md promises (1 when an interface sits in 49152-65535, else 0).
check_lookup() {
  local tag=$1 low=$2 high=$3 want_exit=$4 json rpc_ports listen entries got want uuid name in_range
  json=$work/$tag.json
  rpcclient_lookup "$tag"
  rpc_ports=$(samba_lab_rpc_ports | paste -sd' ')
  listen=$(samba_lab_listen_ports | paste -sd' ')
  entries=$(cat "$work/$tag.rpcclient.count")
  echo "   samba listens on (ss): $listen; RPC ports: $rpc_ports"
  echo "   rpcclient epmlookup: $entries entries; ncacn_ip_tcp ports" \
    "$(awk '{ print $3 }' "$work/$tag.rpcclient.tcp" | sort -nu | paste -sd' ')"

  # The lab itself, before blaming highport.
  [[ -n $rpc_ports ]] || die "samba listens on no RPC port"
  for p in $rpc_ports; do
    ((p >= low && p <= high)) || die "samba listens on $p, outside its range $low-$high"
  done
  ((entries >= 40)) || die "rpcclient lists only $entries entries"
  got=$(awk '$3 != 135 { print $3 }' "$work/$tag.rpcclient.tcp" | sort -nu | paste -sd' ')
  [[ $got == "$rpc_ports" ]] ||
    die "lab: rpcclient's TCP ports ($got) are not samba's RPC listeners ($rpc_ports)"
  ! grep -qx 593 <<<"${listen// /$'\n'}" || die "lab: something listens on 593 now; revise the checks"

  if [[ $epm_status == "$want_exit" ]]; then
    pass "exit status $epm_status"
  else
    fail "exit status $epm_status, want $want_exit; stderr: $(head -c 500 "$work/$tag.err")"
  fi
  if jq -e --arg a "$addr" 'length == 1 and .[0].host == $a and .[0].port == 135 and .[0].status == "ok"' \
    "$json" >/dev/null; then
    pass "one host, $addr port 135, status ok"
  else
    fail "want one object {host: $addr, port: 135, status: ok}, got" \
      "$(jq -c 'map({host, port, status, detail})' "$json")"
  fi

  got=$(jq -r '.[0].entries' "$json")
  if [[ $got == "$entries" ]]; then
    pass "entries: $got, as many as rpcclient lists"
  else
    fail "entries: highport says $got, rpcclient lists $entries"
  fi
  got=$(jq '[.[0].interfaces[].bindings[]] | length' "$json")
  if [[ $got == "$entries" ]]; then
    pass "every entry is a binding ($got)"
  else
    fail "highport lists $got bindings for $entries entries"
  fi

  for uuid in "${!must[@]}"; do
    name=${must[$uuid]}
    got=$(jq -r --arg u "$uuid" --arg n "$name" '
      [.[0].interfaces[] | select((.uuid | ascii_downcase) == $u)] |
      if length == 0 then "missing"
      elif any(.[]; (.name // "" | ascii_downcase) == $n or .annotation == $n) | not
      then "named \(map(.name)) / \(map(.annotation))"
      else [.[].bindings[] | select(.protocol == "ncacn_ip_tcp") | .port] | unique | map(tostring) | join(" ")
      end' "$json")
    want=$(awk -v u="$uuid" '$1 == u { print $3 }' "$work/$tag.rpcclient.tcp" | sort -nu | paste -sd' ')
    if [[ $got == "$want" && -n $want ]]; then
      pass "$name on TCP $got"
    else
      fail "$name: highport says '$got', rpcclient says TCP '$want'"
    fi
  done
  if jq -e '.[0].interfaces[] | select(.uuid == "e1af8308-5d1f-11c9-91a4-08002b14a0fa") |
            any(.bindings[]; .protocol == "ncacn_ip_tcp" and .port == 135)' "$json" >/dev/null; then
    pass "epmapper on ncacn_ip_tcp 135"
  else
    fail "no epmapper binding on ncacn_ip_tcp 135"
  fi

  # T = {135} + R
  got=$(jq -r '[.[0].interfaces[].bindings[] | select(.protocol == "ncacn_ip_tcp") | .port] |
               unique | map(tostring) | join(" ")' "$json")
  # shellcheck disable=SC2086 # a list of ports
  want=$(printf '%s\n' 135 $rpc_ports | sort -nu | paste -sd' ')
  if [[ $got == "$want" ]]; then
    pass "ncacn_ip_tcp ports $got = 135 + samba's RPC listeners (ss)"
  else
    fail "ncacn_ip_tcp ports: highport '$got', want 135 + ss's '$rpc_ports'"
  fi
  got=$(jq -r '[.[0].interfaces[].bindings[] | select(.protocol == "ncacn_ip_tcp" and .port != 135) | .port |
               select(. < '"$low"' or . > '"$high"')] | map(tostring) | join(" ")' "$json")
  if [[ -z $got ]]; then
    pass "every ncacn_ip_tcp port but 135 in $low-$high"
  else
    fail "ncacn_ip_tcp ports outside $low-$high: $got"
  fi
  got=$(jq -r --arg a "$addr" '[.[0].interfaces[].bindings[] | select(.protocol == "ncacn_ip_tcp" and .address != $a) |
               .address] | unique | join(" ")' "$json")
  if [[ -z $got ]]; then
    pass "ncacn_ip_tcp bindings carry $addr (the towers say 0.0.0.0)"
  else
    fail "ncacn_ip_tcp bindings carry $got, want $addr"
  fi

  # One by one: (interface, version, port) as rpcclient has them.
  jq -r '.[0].interfaces[] as $i | $i.bindings[] | select(.protocol == "ncacn_ip_tcp") |
         "\($i.uuid | ascii_downcase) v\($i.version) \(.port)"' "$json" | sort -u >"$work/$tag.highport.tcp"
  if diff -u "$work/$tag.rpcclient.tcp" "$work/$tag.highport.tcp" >"$work/$tag.diff"; then
    pass "$(wc -l <"$work/$tag.highport.tcp") (interface, version, TCP port) triples equal rpcclient's"
  else
    fail "(interface, version, TCP port): rpcclient (-) and highport (+) differ:"
    cat "$work/$tag.diff" >&2
  fi

  # ncacn_http 593: advertised, listed, not listening.
  if jq -e 'any(.[0].interfaces[].bindings[]; .protocol == "ncacn_http" and .port == 593)' "$json" >/dev/null; then
    pass "ncacn_http 593 listed (advertised by Samba; nothing listens there)"
  else
    fail "the ncacn_http 593 binding Samba advertises is missing"
  fi

  # tcp_ports (docs/epm.md): T, and 593 marked http; dynamic = neither 135
  # nor 593; in_dynamic_range = in 49152-65535.
  got=$(jq -r '[.[0].tcp_ports[] | select(.http | not) | .port] | unique | map(tostring) | join(" ")' "$json")
  if [[ $got == "$want" ]]; then
    pass "tcp_ports $got, and no other port but ncacn_http's"
  else
    fail "tcp_ports (not http) '$got', want '$want'"
  fi
  got=$(jq -r '[.[0].tcp_ports[] | select(.http) | "\(.port) dynamic \(.dynamic)"] | join(", ")' "$json")
  if [[ $got == "593 dynamic false" ]]; then
    pass "tcp_ports 593: http, not dynamic"
  else
    fail "tcp_ports http entries '$got', want '593 dynamic false'"
  fi
  in_range=false
  ((low >= 49152)) && in_range=true
  got=$(jq -r --argjson r "$in_range" '[.[0].tcp_ports[] | select(.http | not) |
               select((.port == 135 and (.dynamic or .in_dynamic_range)) or
                      (.port != 135 and ((.dynamic | not) or .in_dynamic_range != $r))) |
               "\(.port) dynamic \(.dynamic) in_dynamic_range \(.in_dynamic_range)"] | join(", ")' "$json")
  if [[ -z $got ]]; then
    pass "135 not dynamic; the others dynamic, in_dynamic_range $in_range"
  else
    fail "port classes: $got (want 135 not dynamic, the others dynamic with in_dynamic_range $in_range)"
  fi
  got=$(jq -r '.[0] as $h | $h.tcp_ports[] | . as $t |
               [$h.interfaces[] | select(any(.bindings[]; .port == $t.port)) | .name, .annotation] as $there |
               select((.interfaces | length) == 0 or any(.interfaces[]; . as $n | $there | index($n) | not)) |
               "\(.port): \(.interfaces)"' "$json")
  if [[ -z $got ]]; then
    pass "tcp_ports name only interfaces bound there"
  else
    fail "tcp_ports name interfaces without a binding there (or none): $got"
  fi
}

# --- 1 and 2: default range ---------------------------------------------------
t0=$(date +%s%N)
samba_lab_start epm "$addr" || die "the Samba lab did not start"
echo "Samba lab $SAMBA_LAB_NS at $addr: provision ${SAMBA_LAB_PROVISION_MS} ms," \
  "start ${SAMBA_LAB_START_MS} ms, $((($(date +%s%N) - t0) / 1000000)) ms in all"
samba_lab_ss
run_epm default "$addr" && check_lookup default 49152 65535 1

# --- 3: rpc server dynamic port range = 5000-5100 ----------------------------------
t0=$(date +%s%N)
samba_lab_restart "rpc server dynamic port range = 5000-5100" || die "the Samba lab did not restart"
echo "restarted with range 5000-5100: start ${SAMBA_LAB_START_MS} ms, $((($(date +%s%N) - t0) / 1000000)) ms in all"
run_epm range "$addr" && check_lookup range 5000 5100 0

# --- 4: refused, timeout, several hosts at once ----------------------------------
samba_lab_silent_addr "$silent" || die "cannot make $silent silent"
if run_epm refused "$addr:136"; then
  got=$(jq -r --arg a "$addr" '.[] | select(.host == $a and .port == 136) | .status' "$work/refused.json")
  if [[ $got == refused || $got == error ]] && ((epm_ms < 5000)); then
    pass "$addr:136: status $got in $epm_ms ms"
  else
    fail "$addr:136: status '$got' in $epm_ms ms, want refused or error within 5 s"
  fi
  if ((epm_status == 1)); then pass "exit 1 for a host that is not ok"; else fail "exit $epm_status for a refused host, want 1"; fi
fi
if run_epm timeout "$silent" --timeout 2; then
  got=$(jq -r --arg a "$silent" '.[] | select(.host == $a and .port == 135) | .status' "$work/timeout.json")
  if [[ $got == timeout ]] && ((epm_ms >= 1500 && epm_ms < 6000)); then
    pass "$silent (drops packets), --timeout 2: status timeout in $epm_ms ms"
  else
    fail "$silent (drops packets), --timeout 2: status '$got' in $epm_ms ms, want timeout in 2-6 s"
  fi
  if ((epm_status == 1)); then pass "exit 1 for a host that timed out"; else fail "exit $epm_status for a timeout, want 1"; fi
fi
if run_epm three "$addr" "$addr:136" "$silent" --timeout 2; then
  got=$(jq -r '[.[] | "\(.host):\(.port) \(.status)"] | sort | join(", ")' "$work/three.json")
  want=$(printf '%s\n' "$addr:135 ok" "$addr:136 refused" "$silent:135 timeout" | sort | paste -sd, | sed 's/,/, /g')
  if [[ $got == "$want" || $got == "${want/refused/error}" ]] && ((epm_ms < 8000)); then
    pass "three hosts in one call: $got in $epm_ms ms"
  else
    fail "three hosts in one call: '$got' in $epm_ms ms, want '$want' within 8 s"
  fi
fi

if ((failures > 0)); then
  echo "FAIL: $failures check(s) failed (SAMBA_LAB_KEEP=1 keeps the lab's logs and highport's output)" >&2
  [[ -z ${SAMBA_LAB_KEEP:-} ]] || cp -r "$work" "$SAMBA_LAB_DIR/test-output"
  exit 1
fi
echo "PASS: highport epm agrees with Samba $(samba -V | awk '{ print $2 }') (ss and rpcclient)"
