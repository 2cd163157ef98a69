#!/usr/bin/env bash
# How long `highport epm` takes for many hosts that each answer within a
# given delay: N fake endpoint mappers on loopback (tests/tools/fake_epm_server,
# a Windows-DC-shaped listing of 60 entries), each answer delayed by D ms.
# Target (issue 3): 100 hosts in well under a second of wall time at 10 ms.
#
# usage: bench/epm_many_hosts.sh [BUILD_DIR] [HOSTS] [DELAY_MS]
#   BUILD_DIR defaults to build/ (a normal build: `bash scripts/build.sh build`).
# Prints the median wall time of 10 runs and the time per host.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
hosts=${2:-100}
delay=${3:-10}
highport=$build/highport
fake=$build/tests/fake_epm_server
[ -x "$highport" ] && [ -x "$fake" ] || { echo "build first: bash scripts/build.sh build" >&2; exit 2; }

work=$(mktemp -d)
fake_pid=
cleanup() {
  [ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null && wait "$fake_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

args=()
for _ in $(seq 1 "$hosts"); do args+=(127.0.0.1:0); done
"$fake" --lifetime 300 --delay-ms "$delay" --entries 60 "${args[@]}" >"$work/ready" &
fake_pid=$!
for _ in $(seq 1 100); do grep -q '^ready' "$work/ready" 2>/dev/null && break; sleep 0.05; done
sed 's/^ready //; s/ /\n/g' "$work/ready" >"$work/hosts.txt"
[ "$(wc -l <"$work/hosts.txt")" -eq "$hosts" ] || { echo "fake server did not start" >&2; exit 1; }

# One check that the run is real: every host answered with every entry.
"$highport" epm --concurrency "$hosts" --max-hosts "$hosts" --format json -i "$work/hosts.txt" >"$work/out.json" || true
ok=$(grep -c '"status": "ok"' "$work/out.json" || true)
[ "$ok" -eq "$hosts" ] || { echo "only $ok of $hosts hosts answered" >&2; exit 1; }

times=()
for _ in $(seq 1 10); do
  start=$(date +%s%N)
  "$highport" epm --concurrency "$hosts" --max-hosts "$hosts" --format json -i "$work/hosts.txt" >/dev/null || true
  end=$(date +%s%N)
  times+=($(((end - start) / 1000)))
done
median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 5p)
echo "highport epm: $hosts hosts, each answer delayed ${delay} ms, 60 entries each:" \
     "median $((median / 1000)) ms wall of 10 runs ($((median / hosts)) us per host)"
