#!/usr/bin/env bash
# Issue 6, "Done when", on a real Samba AD DC: evidence -> plan -> emit
# smbconf -> verify fails (exit 1, naming Samba's dynamic ports outside the
# planned range) -> Samba restarted with the emitted lines -> verify passes
# (exit 0).
#
# Usage: verify_samba_test.sh HIGHPORT   (see tests/CMakeLists.txt)
# Needs root and a network namespace with a veth pair, else exit 77; samba,
# samba-dsdb-modules, samba-vfs-modules, samba-ad-provision, smbclient,
# iproute2, tcpdump and jq (scripts/setup.sh): without them skipped, except
# on CI, where that fails.
#
# The DC of tests/lib/samba_lab.sh runs at 10.218.0.2 in a namespace of its
# own; every client (highport, ss, smbclient, rpcclient, tcpdump) runs
# inside it (samba_lab_exec). The evidence, one folder per host:
#     evidence/sdc/epm.json      highport epm 10.218.0.2 --format json
#     evidence/sdc/ss.txt        ss -tulpn inside the namespace
#     evidence/sdc/traffic.pcap  tcpdump of smbclient -L and rpcclient queries
# then `highport audit evidence -o audit` (plan, every format, the report;
# plan.json and out/ are the audit's), and
#     highport verify plan.json 10.218.0.2 --check ports,rpc
# before and after Samba restarts with the lines. (The firewall check does not
# apply: the scan runs on the DC itself; minimise is Windows-only on a DC.)
set -uo pipefail

highport=${1:?usage: $0 HIGHPORT}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib/samba_lab.sh
source "$here/lib/samba_lab.sh"

addr=10.218.0.2

skip() { echo "SKIP: $*"; exit 77; }
die() { echo "FAIL: $*" >&2; exit 1; }

[[ $(uname -s) == Linux ]] || skip "network namespaces are Linux only"
[[ -x $highport ]] || die "$highport is not an executable"
highport=$(realpath "$highport")
samba_lab_can_netns ||
  skip "this machine gives us no network namespace with a veth pair (needs root, netns and veth)"
missing=$(samba_lab_missing)
for tool in "jq jq" "tcpdump tcpdump" "timeout coreutils" "smbclient smbclient"; do
  command -v "${tool%% *}" >/dev/null 2>&1 || missing+=${missing:+$'\n'}"${tool%% *} (Debian package ${tool#* })"
done
if [[ -n $missing ]]; then
  [[ -n ${CI:-} ]] && die "missing on CI (scripts/setup.sh installs it): $(paste -sd, <<<"$missing")"
  skip "missing: $(paste -sd, <<<"$missing")"
fi

work=$(mktemp -d)
# shellcheck source=lib/check.sh
source "$here/lib/check.sh"
pass() { echo "PASS: $*"; }
tcpdump_pid=
cleanup() {
  if [[ -n $tcpdump_pid ]]; then kill -TERM "$tcpdump_pid" 2>/dev/null; wait "$tcpdump_pid" 2>/dev/null; fi
  samba_lab_stop || echo "FAIL: the Samba lab did not stop cleanly" >&2
  if [[ -n ${KEEP:-} ]]; then echo "kept $work (KEEP)"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# plan_and_emit: the audit of evidence/; plan.json and out/smbconf/ are its.
plan_and_emit() {
  timeout 120 "$highport" audit evidence -o audit >audit.out 2>audit.err &&
    [[ -s audit/report.html ]] && ln -sf audit/plan.json plan.json && ln -sfn audit/apply out
}

# verify RC WHAT: highport verify inside the lab, JSON in verify-WHAT.json; fails unless it exits RC.
verify() {
  local want=$1 what=$2 status=0
  samba_lab_exec timeout 120 "$highport" verify plan.json "$addr" --check ports,rpc --rate 5000 \
    --timeout 1 --format json -o "verify-$what.json" 2>"verify-$what.err" || status=$?
  samba_lab_exec timeout 120 "$highport" verify plan.json "$addr" --check ports,rpc --rate 5000 \
    --timeout 1 >"verify-$what.txt" 2>&1
  echo "highport verify plan.json $addr --check ports,rpc ($what): exit $status"
  sed 's/^/   /' "verify-$what.txt"
  ((status == want)) || fail "verify ($what) exited $status, want $want: $(head -c 400 "verify-$what.err")"
}

# --- Evidence --------------------------------------------------------------------
samba_lab_start verify "$addr" || die "the Samba lab did not start"
echo "Samba lab $SAMBA_LAB_NS at $addr: provision ${SAMBA_LAB_PROVISION_MS} ms, start ${SAMBA_LAB_START_MS} ms"
mkdir -p "$work/evidence/sdc"
cd "$work" || die "cannot cd to $work"
samba_lab_exec timeout 60 "$highport" epm "$addr" --format json -o evidence/sdc/epm.json 2>epm.err
jq -e '.[0].status == "ok"' evidence/sdc/epm.json >/dev/null 2>&1 ||
  die "highport epm $addr: no ok answer: $(head -c 400 evidence/sdc/epm.json) $(head -c 400 epm.err)"
samba_lab_exec ss -tulpn >evidence/sdc/ss.txt || die "ss -tulpn failed in the lab"
# The clients talk to the DC's own address, so the packets cross lo.
# -Z root: Debian's tcpdump would drop to user tcpdump, who cannot write in $work.
# --immediate-mode: without it packets wait in the kernel ring for a second,
# and a tcpdump stopped sooner writes none of them.
# Not through samba_lab_exec: a function in the background is a subshell, and
# its PID is not tcpdump's; `ip netns exec` execs, so $! is tcpdump itself.
ip netns exec "$SAMBA_LAB_NS" tcpdump -i lo -n -U --immediate-mode -Z root -w "$work/evidence/sdc/traffic.pcap" "host $addr" \
  </dev/null >/dev/null 2>tcpdump.err &
tcpdump_pid=$!
for _ in $(seq 1 50); do
  [[ -s evidence/sdc/traffic.pcap ]] && grep -q "listening on" tcpdump.err 2>/dev/null && break
  sleep 0.1
done
samba_lab_exec timeout 60 smbclient -N -L "//$addr" >smbclient.out 2>&1 || true
for command in "lsaquery" "enumdomusers" "dsroledominfo"; do
  samba_lab_rpcclient "ncacn_ip_tcp:$addr" -c "$command" >>rpcclient.out 2>&1 || true
done
sleep 0.5
kill -TERM "$tcpdump_pid" 2>/dev/null
wait "$tcpdump_pid" 2>/dev/null
tcpdump_pid=
# More than the 24-byte file header: packets.
(($(stat -c %s evidence/sdc/traffic.pcap) > 24)) || die "tcpdump captured nothing: $(cat tcpdump.err)"
echo "evidence: $(jq '.[0].entries' evidence/sdc/epm.json) endpoint-mapper entries," \
  "$(grep -c LISTEN evidence/sdc/ss.txt) TCP listeners, $(stat -c %s evidence/sdc/traffic.pcap) bytes captured"
before=$(samba_lab_rpc_ports | paste -sd' ')
echo "before: samba's RPC listeners (ss): $before"
[[ -n $before ]] || die "samba listens on no RPC port before the change"

# --- Plan and emit -------------------------------------------------------------------
plan_and_emit || die "audit failed: $(head -c 600 audit.err)"
host=$(jq -r --arg a "$addr" '[.hosts[] | select(.addresses | index($a))][0].name // empty' plan.json)
[[ -n $host ]] || die "plan.json has no host with $addr: $(jq -c '.hosts' plan.json)"
range=$(jq -r --arg h "$host" '.ranges[] | select(.hosts | index($h)) | .range' plan.json)
[[ $range =~ ^([0-9]+)-([0-9]+)$ ]] || die "plan.json has no RPC range for $host"
low=${BASH_REMATCH[1]} high=${BASH_REMATCH[2]}
echo "plan: $host, range $range, listeners $(jq -c --arg h "$host" '.hosts[] | select(.name == $h) | .listeners' plan.json)," \
  "pins $(jq -c --arg h "$host" '[.pins[] | select(.host == $h) | "\(.service)=\(.port)"]' plan.json)"
if jq -e --arg h "$host" '.hosts[] | select(.name == $h) | .listeners | index("tcp/389") and index("tcp/445")' plan.json >/dev/null; then
  pass "plan: the DC's static listeners are recorded (ldap, smb among them)"
else
  fail "plan: the host's listeners lack tcp/389 or tcp/445"
fi
conf=out/smbconf/$host.conf
[[ -s $conf ]] || die "emit wrote no $conf"
mapfile -t lines < <(sed -E 's/^[[:space:]]+//; s/[[:space:]]+$//' "$conf" | grep -Ev '^($|[#;]|\[)')
((${#lines[@]} > 0)) || die "$conf holds no smb.conf parameter"

# --- Before the change: drift ---------------------------------------------------------
verify 1 before
for p in $before; do
  ((p >= low && p <= high)) && continue
  if jq -e --argjson p "$p" '.[0].differences | any(.port == $p and (.kind == "rpc-outside-range" or .kind == "unexpected-port"))' \
    verify-before.json >/dev/null; then
    pass "before: Samba's dynamic port $p is named as a difference"
  else
    fail "before: Samba's dynamic port $p (outside $range) is not named: $(jq -c '[.[0].differences[].port]' verify-before.json)"
  fi
done
jqe_file() { jq -e "$1" "$2" >/dev/null || fail "$3: $(head -c 600 "$2")"; }
jqe_file '.[0].checks == ["ports", "rpc"] and .[0].epm.status == "ok"' verify-before.json "before: checks and endpoint mapper"
jqe_file "[.[0].differences[] | select(.kind == \"rpc-outside-range\") | .text] | any(test(\"outside the planned range $range\"))" \
  verify-before.json "before: the text names the planned range"
grep -q "DIFF rpc \[rpc-outside-range\]" verify-before.txt || fail "before: the table shows no rpc-outside-range line"

# --- After the change: match ------------------------------------------------------------
samba_lab_restart "${lines[@]}" || die "Samba did not restart with the lines of $conf (log: $SAMBA_LAB_LOG)"
echo "restarted with ${#lines[@]} line(s) of $conf; samba's RPC listeners (ss): $(samba_lab_rpc_ports | paste -sd' ')"
verify 0 after
jqe_file '.[0].matches and (.[0].differences | length) == 0 and .[0].epm.status == "ok"' verify-after.json "after: matches"
grep -q "matches the plan" verify-after.txt || fail "after: the table does not say 'matches the plan'"

if ((failures > 0)); then
  echo "FAIL: $failures check(s) failed (KEEP=1 keeps $work)" >&2
  exit 1
fi
echo "PASS: verify exits 1 before the change and 0 after it"
