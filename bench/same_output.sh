#!/usr/bin/env bash
# Checks that a change to speed left `highport flows` byte for byte the same:
# runs two builds over the same inputs and compares stdout, stderr and the
# exit status of each run.
#
#   bash bench/same_output.sh OLD_HIGHPORT NEW_HIGHPORT [EXTRA_INPUT...]
#
# Inputs: examples/, every capture and firewall log fixture in the
# repository, ../shared/corpus's pfirewall, pcap_netflow and pcap_epm
# samples when ../shared is there (said when it is not), and EXTRA_INPUTs
# (large bench files, say). Each is read as json, csv and table, with and
# without --problematic; examples/ once more as a whole with --server.
# Exits 1 and names the runs that differ.
set -uo pipefail
if (($# < 2)); then
  sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
old=$1 new=$2
shift 2
root=$(cd "$(dirname "$0")/.." && pwd)
corpus=$root/../shared/corpus
work=$(mktemp -d "${TMPDIR:-/tmp}/same_output.XXXXXX")
trap 'rm -rf "$work"' EXIT

inputs=("$@")
for f in "$root"/examples/*/pfirewall.log "$root"/examples/network/*.pcap \
  "$root"/src/ingest/testdata/*/* "$root"/tests/testdata/*; do
  case $f in *.log | *.pcap | *.pcapng) inputs+=("$f") ;; esac
done
if [ -d "$corpus" ]; then
  inputs+=("$corpus"/pfirewall/* "$corpus"/pcap_netflow/* "$corpus"/pcap_epm/*)
else
  echo "same_output: no $corpus: the public samples were skipped"
fi

# run_both NAME ARGS...: both builds, outputs side by side; a difference is counted.
runs=0 differ=0
run_both() {
  local name=$1
  shift
  local b
  for b in old new; do
    local bin=$old
    [ $b = new ] && bin=$new
    "$bin" "$@" >"$work/$b.out" 2>"$work/$b.err"
    echo $? >"$work/$b.rc"
  done
  runs=$((runs + 1))
  local part
  for part in out err rc; do
    if ! cmp -s "$work/old.$part" "$work/new.$part"; then
      echo "DIFFERS ($part): $name"
      differ=$((differ + 1))
      return
    fi
  done
}

for f in "${inputs[@]}"; do
  [ -f "$f" ] || continue
  for format in json csv table; do
    run_both "flows $f --format $format" flows "$f" --format "$format"
    run_both "flows $f --format $format --problematic" flows "$f" --format "$format" --problematic
  done
done
# All of examples/ at once, filtered to the first server a CSV row names.
server=$("$new" flows "$root"/examples/dc01/pfirewall.log --format csv 2>/dev/null | sed -n 2p | cut -d, -f3)
for format in json csv table; do
  run_both "flows examples/ --server $server --format $format" \
    flows "$root"/examples/*/pfirewall.log "$root"/examples/network/*.pcap --server "$server" --format "$format"
done
echo "same_output: $runs runs, $differ differ"
((differ == 0))
