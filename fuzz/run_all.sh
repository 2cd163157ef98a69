#!/usr/bin/env bash
# Runs every fuzz target for a bounded time on its seeds: the unit-test
# fixtures of its reader and, when ../shared is here, the public samples.
# usage: fuzz/run_all.sh BUILD_FUZZ_DIR SECONDS
set -euo pipefail
bin=$1
seconds=$2
root=$(cd "$(dirname "$0")/.." && pwd)
corpus=$root/../shared/corpus

seeds_for() {  # prints the seed directories of a target
  case $1 in
    netstat_fuzz) echo "$root/fuzz/seeds/netstat $corpus/netstat_en $corpus/netstat_de" ;;
    tasklist_fuzz) echo "$root/src/ingest/testdata/tasklist $corpus/tasklist" ;;
    getnet_csv_fuzz) echo "$root/src/ingest/testdata/getnet_csv" ;;
    ss_fuzz) echo "$root/src/ingest/testdata/ss $corpus/ss" ;;
    proc_net_fuzz) echo "$root/src/ingest/testdata/proc/net" ;;
    rpcdump_fuzz) echo "$root/src/ingest/testdata/rpcdump $corpus/rpcdump" ;;
    pfirewall_fuzz) echo "$root/src/ingest/testdata/pfirewall $corpus/pfirewall" ;;
    epm_response_fuzz) echo "$root/fuzz/seeds/epm_response" ;;
    netflow_fuzz) echo "$root/fuzz/seeds/netflow" ;;
    capture_fuzz) echo "$root/fuzz/seeds/capture" ;;
    *) echo "$root/fuzz/seeds/${1%_fuzz}" ;;
  esac
}

status=0
for target in "$bin"/*_fuzz; do
  name=$(basename "$target")
  work=$(mktemp -d)
  dirs=()
  for d in $(seeds_for "$name"); do [ -d "$d" ] && dirs+=("$d"); done
  echo "fuzz: $name for ${seconds}s on ${#dirs[@]} seed dir(s)"
  # New inputs go to a scratch dir first, so the seed dirs stay untouched.
  if ! "$target" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
      -artifact_prefix="$work/" "$work" "${dirs[@]}" >"$work/log" 2>&1; then
    echo "fuzz: $name FAILED; last lines of its log:"
    tail -n 30 "$work/log"
    ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* 2>/dev/null || true
    status=1
  fi
  rm -rf "$work"
done
exit $status
