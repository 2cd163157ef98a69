#!/usr/bin/env bash
# highport reading NetFlow v9 / IPFIX from a capture of export packets,
# against nfdump reading the same flows from nfcapd's file. Target (issue):
# highport at least 10x nfdump's records per second, nfdump aggregating as
# `nfdump -r FILE -A srcip,dstip,dstport`.
#
#   bash bench/netflow_compare.sh [FLOWS [KEYS [VERSION [BUILD_DIR]]]]
#
# FLOWS: flow records, default 2000000 (1 to 1.5 minutes in all on 2 busy CPUs).
# KEYS: distinct (client, server, proto, server port) among them, default
# 50000 (40 connections a key, as RPC clients make); 0 makes every record a
# key of its own (the worst case for both aggregations). VERSION: 9
# (default) or 10 (IPFIX). BUILD_DIR: a Release build with benchmarks,
# default build-e2e-bench:
#
#   cmake -S . -B build-e2e-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DHIGHPORT_BENCH=ON
#   ninja -C build-e2e-bench -j1 highport netflow_compare_tool
#
# How the same flows reach both tools: bench/netflow_compare_tool writes a
# capture of FLOWS one-packet conversations (same arguments, same bytes);
# softflowd reads it (-r, -a: packet times as flow times) and exports one
# record per conversation over loopback to netflow_compare_tool's "tee",
# which appends every datagram to export.pcap (what highport reads) and
# sends it on unchanged to nfcapd (which writes the file nfdump reads). No
# tcpdump needed, and both see the very same datagrams; the script checks
# that softflowd's record count, nfcapd's and highport's agree (and the
# packet and byte totals), and says so if they do not (UDP loss at nfcapd).
# softflowd can send to one collector only (a second -n replaces the first;
# -l balances, it does not copy), hence the tee. nfpcapd was not used: it
# makes its own flows from raw packets, not from NetFlow.
#
# Timing: the files are read once into the page cache; then the two tools
# run in rounds, each once per round (a warm-up round, then BENCH_RUNS
# rounds, default 5); each tool's best wall time counts:
#   nfdump -r nfcapd.FILE -A srcip,dstip,dstport -q >/dev/null
#   highport flows export.pcap --format csv >/dev/null
# Records per second = the records that tool saw / its best time. The last
# line is machine-readable for bench/ratios.sh:
#   RATIO highport/nfdump_records_per_s <ratio> target>=10
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
flows=${1:-2000000}
keys=${2:-50000}
version=${3:-9}
build=${4:-$root/build-e2e-bench}
seed=42
highport=$build/highport
tool=$build/bench/netflow_compare_tool

die() {
  echo "netflow_compare: $*" >&2
  exit 1
}
if ! [[ $flows =~ ^[0-9]+$ ]] || ((flows < 1000 || flows > 100000000)); then die "FLOWS must be 1000..100000000"; fi
[[ $keys =~ ^[0-9]+$ ]] || die "KEYS must be a number (0: every record its own key)"
[[ $version == 9 || $version == 10 ]] || die "VERSION must be 9 or 10"
[[ -x $highport ]] || die "no $highport (build it, see the top of this script)"
[[ -x $tool ]] || die "no $tool (ninja -C $build netflow_compare_tool, with -DHIGHPORT_BENCH=ON)"
for t in softflowd nfcapd nfdump jq; do command -v "$t" >/dev/null || die "needs $t"; done

work=$(mktemp -d "${TMPDIR:-/tmp}/netflow_compare.XXXXXX")
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
  done
  # KEEP=1 keeps the capture and nfcapd's file for profiling.
  if [ -n "${KEEP:-}" ]; then echo "kept: $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_gone PID SECONDS: bounded wait for a child to exit.
wait_gone() {
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    kill -0 "$1" 2>/dev/null || { wait "$1" 2>/dev/null || true; return 0; }
    sleep 0.1
  done
  die "process $1 still running after $2 s"
}
now() { date +%s.%N; }

label=$( ((version == 9)) && echo "NetFlow v9" || echo "IPFIX")
echo "== $flows flow records, $keys keys (seed $seed), $label; $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
t0=$(now)
"$tool" traffic "$work/traffic.pcap" "$flows" "$keys" "$seed"
echo "   traffic capture for softflowd: $(stat -c %s "$work/traffic.pcap") bytes"

# nfcapd on a free port: try a few; it says "Startup nfcapd." once bound.
mkdir "$work/nf"
nf_pid="" nf_port=""
for _ in 1 2 3 4 5 6 7 8; do
  port=$((20000 + RANDOM % 20000))
  nfcapd -w "$work/nf" -p "$port" -b 127.0.0.1 -B 4194304 -t 3600 -P "$work/nfcapd.pid" >"$work/nfcapd.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 50); do
    grep -q 'Startup nfcapd' "$work/nfcapd.log" 2>/dev/null && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null && ! grep -qi 'error\|in use' "$work/nfcapd.log"; then
    nf_pid=$pid nf_port=$port
    pids+=("$pid")
    break
  fi
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
done
[[ -n $nf_pid ]] || die "nfcapd did not start: $(cat "$work/nfcapd.log")"

"$tool" tee "$work/export.pcap" "$nf_port" 2000 600 >"$work/tee.out" &
tee_pid=$!
pids+=("$tee_pid")
tee_port=""
for _ in $(seq 1 50); do
  tee_port=$(awk '$1 == "listening" { print $2 }' "$work/tee.out")
  [[ -n $tee_port ]] && break
  sleep 0.1
done
[[ -n $tee_port ]] || die "the tee did not start"

sf_status=0
(cd "$work" && timeout 600 softflowd -d -r traffic.pcap -n "127.0.0.1:$tee_port" -v "$version" -a -c sf.ctl) \
  >"$work/softflowd.out" 2>&1 || sf_status=$?
((sf_status == 0)) || die "softflowd exited $sf_status: $(tail -20 "$work/softflowd.out")"
read -r sf_records sf_datagrams < <(sed -n \
  's/^Flows exported: [0-9]* (\([0-9]*\) records) in \([0-9]*\) packets.*/\1 \2/p' "$work/softflowd.out")
[[ -n ${sf_records:-} ]] || die "no 'Flows exported' line from softflowd: $(tail -20 "$work/softflowd.out")"
wait_gone "$tee_pid" 30
tee_datagrams=$(awk '$1 == "datagrams" { print $2 }' "$work/tee.out")
kill -TERM "$nf_pid"
wait_gone "$nf_pid" 60
mapfile -t nf_files < <(find "$work/nf" -name 'nfcapd.[0-9]*' | sort)
((${#nf_files[@]} >= 1)) || die "nfcapd wrote no file: $(cat "$work/nfcapd.log")"
if ((${#nf_files[@]} == 1)); then nf_read=(-r "${nf_files[0]}"); else nf_read=(-R "$work/nf"); fi
echo "   softflowd: $sf_records records in $sf_datagrams datagrams; the tee: ${tee_datagrams:-?} datagrams" \
     "($(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }') s to here)"
echo "   export.pcap: $(stat -c %s "$work/export.pcap") bytes; nfcapd: ${#nf_files[@]} file(s)," \
     "$(du -cb "${nf_files[@]}" | tail -1 | cut -f1) bytes"

# What each tool saw.
nf_info=$(nfdump "${nf_read[@]}" -I)
nf_records=$(awk '$1 == "Flows:" { print $2 }' <<<"$nf_info")
nf_packets=$(awk '$1 == "Packets:" { print $2 }' <<<"$nf_info")
nf_bytes=$(awk '$1 == "Bytes:" { print $2 }' <<<"$nf_info")
nf_aggregates=$(nfdump "${nf_read[@]}" -A srcip,dstip,dstport -q | grep -c .)
hp_status=0
"$highport" flows "$work/export.pcap" --format json >"$work/highport.json" 2>"$work/highport.err" || hp_status=$?
((hp_status <= 1)) || die "highport flows exited $hp_status: $(head -5 "$work/highport.err")"
read -r hp_records hp_packets hp_bytes hp_aggregates < <(jq -r \
  '"\(.observations) \([.flows[].packets] | add) \([.flows[].bytes] | add) \(.flows | length)"' "$work/highport.json")
rm -f "$work/highport.json"
printf '   %-9s %10s %12s %14s %12s\n' "" records packets bytes aggregates
printf '   %-9s %10s %12s %14s %12s\n' softflowd "$sf_records" "" "" ""
printf '   %-9s %10s %12s %14s %12s   (srcip,dstip,dstport)\n' nfdump "$nf_records" "$nf_packets" "$nf_bytes" "$nf_aggregates"
printf '   %-9s %10s %12s %14s %12s   (client,server,proto,port)\n' highport "$hp_records" "$hp_packets" "$hp_bytes" "$hp_aggregates"
if [[ $nf_records == "$sf_records" && $hp_records == "$sf_records" && $nf_packets == "$hp_packets" && $nf_bytes == "$hp_bytes" ]]; then
  echo "   the same flows: equal record counts, packet and byte totals"
else
  echo "   WARNING: the tools did not see the same flows (counts above); the rates use each tool's own count"
fi

# Timing.
cat "$work/export.pcap" "${nf_files[@]}" >/dev/null
# In rounds (one warm-up round, then BENCH_RUNS, default 5), each tool once
# per round, so that the machine's changing load falls on both alike; each
# tool's fastest round counts.
runs=${BENCH_RUNS:-5}
[[ $runs =~ ^[0-9]+$ ]] && ((runs >= 1)) || die "BENCH_RUNS must be a positive number"
timed() { # COMMAND...: its wall time in seconds, in $took (exit 0 or 1 expected)
  local t1 t2 s=0
  t1=$(now)
  "$@" >/dev/null 2>&1 || s=$?
  t2=$(now)
  ((s <= 1)) || die "$* exited $s"
  took=$(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.4f", b - a }')
}
t_nf=1e9 t_hp=1e9
for ((round = 0; round <= runs; ++round)); do
  timed nfdump "${nf_read[@]}" -A srcip,dstip,dstport -q
  ((round == 0)) || t_nf=$(awk -v a="$took" -v b="$t_nf" 'BEGIN { print (a < b ? a : b) }')
  timed "$highport" flows "$work/export.pcap" --format csv
  ((round == 0)) || t_hp=$(awk -v a="$took" -v b="$t_hp" 'BEGIN { print (a < b ? a : b) }')
done
echo
echo "== $label, $sf_records records, $keys keys: best of $runs rounds after a warm-up ($(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg))"
awk -v tn="$t_nf" -v th="$t_hp" -v rn="$nf_records" -v rh="$hp_records" 'BEGIN {
  printf "   %-58s %8s %14s\n", "command", "seconds", "records/s"
  printf "   %-58s %8.3f %14.0f\n", "nfdump -r FILE -A srcip,dstip,dstport -q", tn, rn / tn
  printf "   %-58s %8.3f %14.0f\n", "highport flows export.pcap --format csv", th, rh / th
  ratio = (rh / th) / (rn / tn)
  printf "   highport / nfdump: %.2fx records/s (target >= 10)\n", ratio
  printf "RATIO highport/nfdump_records_per_s %.2f target>=10\n", ratio
}'
