#!/usr/bin/env bash
# Runs every comparison benchmark in bench/ and prints each ratio against its
# target in one table at the end.
#
#   bash bench/ratios.sh [--epm] [--quick] [--build DIR]
#
#   --build DIR  a Release build with -DHIGHPORT_BENCH=ON (default
#                build-e2e-bench): its highport, bench/pfirewall_read_bench,
#                bench/capture_read_bench, bench/netflow_compare_tool and
#                tests/fake_epm_server
#                  cmake -S . -B DIR -G Ninja -DCMAKE_BUILD_TYPE=Release -DHIGHPORT_BENCH=ON
#                  ninja -C DIR -j1 highport pfirewall_read_bench capture_read_bench \
#                    netflow_compare_tool fake_epm_server
#   --quick      smaller inputs (pfirewall 50 MB, capture 100 MB, NetFlow 500000
#                records; the defaults: 200 MB, 1024 MB, 2000000)
#   --epm        also bench/epm_bench.sh (root, Samba lab: about a minute more)
#
# What runs, each with its own output shown as it goes:
#   pfirewall_bench.sh [MB] 42 DIR/bench/pfirewall_read_bench   highport / mawk >= 10 (reader; reader + flow table), / wc -l >= 0.33
#                      (on the generated log, then on a real log of ../shared/corpus: "real log")
#                      (or build-bench's, if DIR has none)
#   capture_bench.sh [MB] 42 DIR/bench/capture_read_bench       highport / tcpdump >= 0.5
#                      (if present; or build-bench's binary)
#   netflow_compare.sh FLOWS 50000 9 DIR, and IPFIX (10)         highport / nfdump records/s >= 10
#   epm_many_hosts.sh DIR (if fake_epm_server is built)          100 hosts at 10 ms: < 1000 ms
#   epm_bench.sh DIR/highport (--epm)                            rpcdump / highport (no target stated)
# A benchmark that fails shows as FAILED with its exit status; the others run on.
#
# How results are read from a benchmark's output (a new benchmark needs
# one of these lines, nothing else):
#   RATIO <name> <value> target>=<number>               (preferred)
#   <label>: <value>[x] (target >= <number>)            (pfirewall_bench.sh's form)
# plus two special cases for scripts without such a line: epm_bench.sh's
# "ratio rpcdump / highport: <value>x" and epm_many_hosts.sh's "median <N> ms".
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=$root/build-e2e-bench
epm=0 quick=0
while (($#)); do
  case $1 in
    --epm) epm=1 ;;
    --quick) quick=1 ;;
    --build) build=${2:?--build needs a directory}; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "ratios: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
build=$(cd "$build" 2>/dev/null && pwd) || { echo "ratios: no build directory $build" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/ratios.XXXXXX")
trap 'rm -rf "$work"' EXIT
rows=$work/rows # name<TAB>value<TAB>op<TAB>target<TAB>unit
: >"$rows"

# run NAME COMMAND...: runs one benchmark, keeps its output, parses its ratios.
run() {
  local name=$1
  shift
  local log=$work/$name.log status=0
  echo
  echo "######## $name: $*"
  "$@" 2>&1 | tee "$log" || status=${PIPESTATUS[0]}
  if ((status != 0)); then
    printf '%s\tFAILED (exit %d)\t\t\t\n' "$name" "$status" >>"$rows"
    return 0
  fi
  local before
  before=$(wc -l <"$rows")
  # RATIO <name> <value> target>=<number>
  awk -v bench="$name" '$1 == "RATIO" && NF >= 4 {
      t = $4; sub(/^target>=/, "", t)
      printf "%s: %s\t%s\t>=\t%s\tx\n", bench, $2, $3, t }' "$log" >>"$rows"
  # <label>: <value>[x] (target >= <number>)
  sed -n 's/^ *\(.*[^ ]\): *\([0-9.][0-9.]*\)\(x\{0,1\}\) (target >= \([0-9.][0-9.]*\)).*$/\1\t\2\t\4\t\3/p' "$log" |
    awk -F'\t' -v bench="$name" '{ printf "%s: %s\t%s\t>=\t%s\t%s\n", bench, $1, $2, $3, $4 }' >>"$rows"
  case $name in
    epm_bench)
      sed -n 's/^ *ratio rpcdump \/ highport: \([0-9.]*\)x.*/\1/p' "$log" |
        awk -v bench="$name" '{ printf "%s: rpcdump / highport\t%s\t\t(none stated)\tx\n", bench, $1 }' >>"$rows"
      ;;
    epm_many_hosts)
      sed -n 's/.*median \([0-9][0-9]*\) ms wall.*/\1/p' "$log" |
        awk -v bench="$name" '{ printf "%s: 100 hosts, 10 ms each\t%s\t<\t1000\tms\n", bench, $1 }' >>"$rows"
      ;;
  esac
  if (($(wc -l <"$rows") == before)); then
    printf '%s\tno ratio line in its output\t\t\t\n' "$name" >>"$rows"
  fi
}

echo "ratios: build $build; $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"

# pfirewall_read_bench: this build's, else the one pfirewall_bench.sh defaults to.
fw_bench=$build/bench/pfirewall_read_bench
[[ -x $fw_bench ]] || fw_bench=$root/build-bench/bench/pfirewall_read_bench
if [[ -x $fw_bench ]]; then
  run pfirewall_bench bash "$here/pfirewall_bench.sh" "$( ((quick)) && echo 50 || echo 200)" 42 "$fw_bench"
else
  printf 'pfirewall_bench\tnot run: no %s\t\t\t\n' "$build/bench/pfirewall_read_bench" >>"$rows"
fi

# capture_read_bench: this build's, else the one capture_bench.sh defaults to.
if [[ -f $here/capture_bench.sh ]]; then
  cap_bench=$build/bench/capture_read_bench
  [[ -x $cap_bench ]] || cap_bench=$root/build-bench/bench/capture_read_bench
  if [[ -x $cap_bench ]]; then
    run capture_bench bash "$here/capture_bench.sh" "$( ((quick)) && echo 100 || echo 1024)" 42 "$cap_bench"
  else
    printf 'capture_bench\tnot run: no %s\t\t\t\n' "$build/bench/capture_read_bench" >>"$rows"
  fi
fi

nf_flows=$( ((quick)) && echo 500000 || echo 2000000)
run netflow_v9 bash "$here/netflow_compare.sh" "$nf_flows" 50000 9 "$build"
run netflow_ipfix bash "$here/netflow_compare.sh" "$nf_flows" 50000 10 "$build"

if [[ -x $build/tests/fake_epm_server ]]; then
  run epm_many_hosts bash "$here/epm_many_hosts.sh" "$build" 100 10
else
  printf 'epm_many_hosts\tnot run: no %s\t\t\t\n' "$build/tests/fake_epm_server" >>"$rows"
fi

if ((epm)); then
  run epm_bench bash "$here/epm_bench.sh" "$build/highport"
else
  printf 'epm_bench\tnot run (--epm: root and a Samba lab)\t\t\t\n' >>"$rows"
fi

echo
echo "======== ratios against targets ($(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg))"
awk -F'\t' '{
    name = $1; value = $2; op = $3; target = $4; unit = $5
    if (op == "" && target == "") { verdict = ""; shown = value }
    else if (op == "") { verdict = "-"; shown = value unit }
    else {
      ok = (op == ">=") ? (value + 0 >= target + 0) : (value + 0 < target + 0)
      verdict = ok ? "MET" : "MISSED"; shown = value unit
    }
    printf "%-44s %-36s %-14s %s\n", name, shown, (op == "" ? target : op " " target unit), verdict
  }' "$rows" | { printf '%-44s %-36s %-14s %s\n' benchmark value target verdict; cat; }
