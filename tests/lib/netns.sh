# The set-up that tests in network namespaces of their own share
# (plan_nftables_netns_test.sh, scan_verify_cli_test.sh): skipping or failing
# for a missing tool, namespaces made and removed, processes stopped by PID.
# Source it, then call netns_cleanup from the test's EXIT trap after the
# test has stopped its own processes.

skip() { echo "SKIP: $*"; exit 77; }
die() { echo "FAIL: $*" >&2; exit 1; }

# require_tools "COMMAND PACKAGE"...: skips (77) when one is missing, except
# on CI (CI set), where a missing tool is a broken setup and fails.
require_tools() {
  local tool missing=()
  for tool in "$@"; do
    command -v "${tool%% *}" >/dev/null 2>&1 || missing+=("${tool%% *} (Debian package ${tool#* })")
  done
  ((${#missing[@]} == 0)) && return 0
  [[ -n ${CI:-} ]] && die "missing on CI (scripts/setup.sh installs it): ${missing[*]}"
  skip "missing: ${missing[*]}"
}

# stop_pid PID: SIGTERM, then SIGKILL after 5 s; waits for it when it is ours.
stop_pid() {
  local pid=$1 i
  [[ -n $pid ]] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

netns_made=()

# new_ns NAME: a namespace with lo up and IPv6 off (so that a capture holds
# only the test's own traffic: no router solicitations or MLD reports).
new_ns() {
  ip netns add "$1" 2>/dev/null || return 1
  netns_made+=("$1")
  ip -n "$1" link set lo up &&
    ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
}

# netns_cleanup: stops what is still inside the namespaces new_ns made (the
# test started it; stopped by PID, never by name) and deletes them.
netns_cleanup() {
  local ns pid
  for ns in "${netns_made[@]}"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do stop_pid "$pid"; done
    ip netns del "$ns" 2>/dev/null || echo "cannot delete namespace $ns" >&2
  done
}
