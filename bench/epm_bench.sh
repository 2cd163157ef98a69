#!/usr/bin/env bash
# Times one full endpoint-mapper lookup of a local Samba 4.17 AD DC: highport
# (`highport epm ADDR`) against impacket's rpcdump.py (Debian python3-impacket
# 0.10), and prints the median of each in milliseconds and their ratio.
#
# How to run (Linux, as root; not run by CI):
#
#   bash bench/epm_bench.sh [HIGHPORT [RUNS]]     # default build/highport, 30 runs
#
# It starts the Samba lab of tests/lib/samba_lab.sh (a provisioned AD DC in
# a network namespace of its own at 10.213.0.2; about 15 s to provision and
# start), runs both tools inside that namespace, and stops the lab again.
# Missing hyperfine or python3-impacket are installed with apt-get (only
# those two); without hyperfine (if that install fails) it times a bounded
# loop with `date +%s%N` instead (EPM_BENCH_LOOP=1 forces the loop).
# hyperfine runs with -N (no shell between), after 3 warm-up runs of each
# command. SAMBA_LAB_CACHE=DIR keeps the provision for the next run (see
# tests/lib/samba_lab.sh).
#
# What is compared: both open TCP 135, bind the endpoint mapper and page
# through ept_lookup until the end. impacket 0.10 treats Samba's end-of-list
# status 0x16c9a0d6 as an error and prints "No endpoints found", throwing
# away the 53 entries it already received; it has done the same network
# work by then, so the times are still comparable. The script prints what
# each tool found next to its time.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
highport=${1:-$here/../build/highport}
runs=${2:-30}
rpcdump=/usr/share/doc/python3-impacket/examples/rpcdump.py
python=/usr/bin/python3 # Debian's: impacket is installed for it, not for a pyenv python
addr=10.213.0.2

die() { echo "epm_bench: $*" >&2; exit 1; }
[[ $(id -u) == 0 ]] || die "needs root (network namespace)"
[[ -x $highport ]] || die "no highport at $highport (build it, or name it: $0 HIGHPORT [RUNS])"
if ! [[ $runs =~ ^[0-9]+$ ]] || ((runs < 3 || runs > 1000)); then die "RUNS must be 3..1000"; fi
"$highport" help epm >/dev/null 2>&1 || die "$highport has no epm command"

apt_install() {
  echo "epm_bench: installing $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
installed python3-impacket || apt_install python3-impacket || die "cannot install python3-impacket"
[[ -f $rpcdump ]] || die "no $rpcdump"
command -v hyperfine >/dev/null 2>&1 || apt_install hyperfine ||
  echo "epm_bench: no hyperfine; timing a loop instead"

# shellcheck source=../tests/lib/samba_lab.sh
source "$here/../tests/lib/samba_lab.sh"
work=$(mktemp -d)
cleanup() {
  samba_lab_stop || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== starting the Samba lab (provision + start)"
samba_lab_start bench "$addr" || die "the Samba lab did not start"
echo "   $SAMBA_LAB_NS, $addr: provision ${SAMBA_LAB_PROVISION_MS} ms, start ${SAMBA_LAB_START_MS} ms"
sleep 2 # let the DC's own start-up work (kcc, drepl) settle

# What each finds, once.
hp_status=0
samba_lab_exec timeout 60 "$highport" epm "$addr" --format json >"$work/highport.json" 2>"$work/highport.err" ||
  hp_status=$?
((hp_status <= 1)) || { cat "$work/highport.err" >&2; die "highport epm exited $hp_status"; }
hp_found=$(jq -r '.[0] | "\(.entries) entries, status \(.status)"' "$work/highport.json" 2>/dev/null || echo "?")
samba_lab_exec timeout 60 "$python" "$rpcdump" "$addr" >"$work/rpcdump.txt" 2>&1 || true
if grep -q "No endpoints found" "$work/rpcdump.txt"; then
  rd_found="\"No endpoints found\" (0 entries; it drops them at Samba's end-of-list status 0x16c9a0d6)"
else
  rd_found="$(grep -c '^Protocol:' "$work/rpcdump.txt" || true) entries"
fi
echo "   highport epm:    $hp_found"
echo "   impacket rpcdump: $rd_found"

hp_cmd=("$highport" epm "$addr")
rd_cmd=("$python" "$rpcdump" "$addr")

median_ms_loop() { # COMMAND...: median wall time of $runs runs, in ms (3 decimals)
  local i t0
  for ((i = 0; i < 3; i++)); do samba_lab_exec "$@" >/dev/null 2>&1 || true; done
  for ((i = 0; i < runs; i++)); do
    t0=$(date +%s%N)
    samba_lab_exec "$@" >/dev/null 2>&1 || true
    echo $(($(date +%s%N) - t0))
  done | sort -n | awk '{ t[NR] = $1 } END {
      m = NR % 2 ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2
      printf "%.3f\n", m / 1e6 }'
}

echo "== timing $runs runs of each"
if command -v hyperfine >/dev/null 2>&1 && [[ -z ${EPM_BENCH_LOOP:-} ]]; then
  # hyperfine runs inside the namespace, so `ip netns exec` is not timed.
  # -i: highport exits 1 when it has findings (interfaces on dynamic ports).
  samba_lab_exec hyperfine -N -i --warmup 3 --runs "$runs" --style basic \
    --export-json "$work/hyperfine.json" \
    -n "highport epm" "${hp_cmd[*]}" -n "impacket rpcdump.py" "${rd_cmd[*]}"
  hp_ms=$(jq -r '.results[0].median * 1000 | . * 1000 | round / 1000' "$work/hyperfine.json")
  rd_ms=$(jq -r '.results[1].median * 1000 | . * 1000 | round / 1000' "$work/hyperfine.json")
  how="hyperfine, $runs runs after 3 warm-ups, inside the namespace"
else
  hp_ms=$(median_ms_loop "${hp_cmd[@]}")
  rd_ms=$(median_ms_loop "${rd_cmd[@]}")
  how="date +%s%N loop, $runs runs after 3 warm-ups, each through ip netns exec (a few ms more for both)"
fi

echo
echo "== one full endpoint-mapper lookup of Samba $(samba -V | awk '{ print $2 }') AD DC ($how)"
echo "   $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine inflates both times)"
printf '   %-20s median %10.3f ms   found: %s\n' "highport epm" "$hp_ms" "$hp_found"
printf '   %-20s median %10.3f ms   found: %s\n' "impacket rpcdump.py" "$rd_ms" "$rd_found"
awk -v h="$hp_ms" -v r="$rd_ms" 'BEGIN {
  if (h > 0) printf "   ratio rpcdump / highport: %.1fx\n", r / h }'
echo "   (rpcdump's time includes starting Python and importing impacket; it has received"
echo "    every entry before it gives up, so both times cover the same network exchange)"
