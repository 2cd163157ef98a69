#!/usr/bin/env bash
# `highport inventory --live --format json` lists the same listening sockets
# as `ss -tulpn` on this machine, among them a TCP listener and a UDP socket
# that tools/listen_helper opens on 127.0.0.1 for the test.
#
# Usage: live_inventory_test.sh HIGHPORT LISTEN_HELPER   (see tests/CMakeLists.txt)
# Needs: Linux, root, ss (iproute2) and jq. Exit 77 (skipped) without them,
# except on CI (CI set), where a missing tool is a broken setup and fails.
#
# Both lists become lines "PROTO ADDRESS PORT PID", sorted and unique, with
# the address normalised alike on both sides:
#   - brackets dropped: ss writes "[::1]", highport "::1";
#   - the zone dropped: ss appends the device a socket is bound to
#     ("127.0.0.53%lo", "[fe80::1]%eth0"); /proc/net does not show it, so
#     highport cannot;
#   - "*" becomes "::": ss writes "*" for a dual-stack IPv6 socket on ::,
#     which /proc/net/tcp6, and so highport, shows as "::".
# PID is ss's first owner, which highport picks too (the highest pid), or "-"
# when neither can see one. Sockets come and go between the two runs, so a
# mismatch is tried again, three times in all, before the test fails.
set -euo pipefail

highport=${1:?usage: $0 HIGHPORT LISTEN_HELPER}
helper=${2:?usage: $0 HIGHPORT LISTEN_HELPER}

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }
require() {
  command -v "$1" >/dev/null 2>&1 && return 0
  [[ -n ${CI:-} ]] && fail "$1 is not installed (Debian package $2)"
  skip "$1 is not installed (Debian package $2)"
}

[[ $(uname -s) == Linux ]] || skip "--live reads /proc: Linux only"
require ss iproute2
require jq jq
[[ $(id -u) == 0 ]] || skip "needs root: only root sees the owners of other users' sockets"

work=$(mktemp -d)
helper_pid=
cleanup() {
  if [[ -n $helper_pid ]]; then
    kill "$helper_pid" 2>/dev/null || true
    wait "$helper_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# The helper's stdin is the coprocess pipe: it also ends when this script does.
coproc HELPER { exec "$helper"; }
helper_pid=$HELPER_PID
read -r -t 10 -u "${HELPER[0]}" tcp_word tcp_port || fail "listen_helper printed no TCP port"
read -r -t 10 -u "${HELPER[0]}" udp_word udp_port || fail "listen_helper printed no UDP port"
[[ $tcp_word == tcp && $udp_word == udp ]] || fail "listen_helper printed '$tcp_word $udp_word'"

# "[fe80::1]%eth0" -> "fe80::1", "127.0.0.53%lo" -> "127.0.0.53", "*" -> "::"
normalise='
  function address(a) {
    gsub(/[][]/, "", a)
    sub(/%.*/, "", a)
    return a == "*" ? "::" : a
  }'

ss_listeners() {
  ss -H -tulpn | awk "$normalise"'
    {
      port = $5; sub(/.*:/, "", port)
      host = substr($5, 1, length($5) - length(port) - 1)
      pid = "-"
      if (match($0, /pid=[0-9]+/)) pid = substr($0, RSTART + 4, RLENGTH - 4)
      print $1, address(host), port, pid
    }' | sort -u
}

highport_listeners() {
  local status=0
  "$highport" inventory --live --format json >"$work/highport.json" 2>"$work/highport.err" ||
    status=$?
  # 0: nothing to act on; 1: listeners to act on. Both are a good run.
  if ((status > 1)); then
    cat "$work/highport.err" >&2
    fail "highport inventory --live exited $status"
  fi
  jq -r '.listeners[] | "\(.proto) \(.address) \(.port) \(.pid // "-")"' "$work/highport.json" |
    awk "$normalise"'{ print $1, address($2), $3, $4 }' | sort -u
}

expected_tcp="tcp 127.0.0.1 $tcp_port $helper_pid"
expected_udp="udp 127.0.0.1 $udp_port $helper_pid"
for attempt in 1 2 3; do
  ss_listeners >"$work/ss.txt"
  highport_listeners >"$work/highport.txt"
  for line in "$expected_tcp" "$expected_udp"; do
    grep -qxF "$line" "$work/ss.txt" || fail "ss -tulpn does not show the helper's '$line'"
    if ! grep -qxF "$line" "$work/highport.txt"; then
      cat "$work/highport.txt" >&2
      fail "highport does not list the helper's '$line' (what it lists is above)"
    fi
  done
  if diff -u "$work/ss.txt" "$work/highport.txt" >"$work/diff.txt"; then
    process=$(jq -r --argjson port "$tcp_port" \
      '.listeners[] | select(.proto == "tcp" and .port == $port) | .process' "$work/highport.json")
    [[ $process == listen_helper ]] || fail "highport names the helper '$process'"
    echo "PASS: ss and highport agree on $(wc -l <"$work/ss.txt") listener(s)," \
      "the helper's tcp/$tcp_port and udp/$udp_port among them (attempt $attempt)"
    exit 0
  fi
  echo "attempt $attempt: ss (-) and highport (+) differ:" >&2
  cat "$work/diff.txt" >&2
  sleep 1
done
fail "ss -tulpn and highport inventory --live still differ after 3 attempts"
