#!/usr/bin/env bash
# Compares two builds of one command by wall time, run alternately so that
# the machine's changing load falls on both alike (on a shared VM the same
# binary takes 145 ms one minute and 250 ms the next).
#
#   bash bench/ab.sh N BINARY_A BINARY_B ARGS...
#
# Runs "BINARY_A ARGS..." and "BINARY_B ARGS..." N times each, A then B,
# output discarded, and prints the minimum and the median of each in ms.
set -euo pipefail
if (($# < 3)); then
  sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
n=$1 a=$2 b=$3
shift 3
times=$(mktemp "${TMPDIR:-/tmp}/ab.XXXXXX")
trap 'rm -f "$times"' EXIT
for ((i = 0; i < n; i++)); do
  for side in A B; do
    bin=$a
    [[ $side == B ]] && bin=$b
    start=$(date +%s%N)
    "$bin" "$@" >/dev/null 2>&1 || true
    end=$(date +%s%N)
    echo "$side $(((end - start) / 1000))" >>"$times"
  done
done
for side in A B; do
  grep "^$side " "$times" | cut -d' ' -f2 | sort -n |
    awk -v side="$side" '{ t[NR] = $1 } END {
      printf "%s min %.1f ms, median %.1f ms (%d runs)\n", side, t[1] / 1000, t[int((NR + 1) / 2)] / 1000, NR }'
done
