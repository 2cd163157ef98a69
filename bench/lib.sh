# Shared by the reader benchmarks (pfirewall_bench.sh, capture_bench.sh):
# argument checks, the peer tool, the generated input in $TMPDIR, and the
# timer that runs the tools in rounds. Source it after setting $name (for messages).

bench_die() { echo "$name: $*" >&2; exit 1; }

# bench_check MEGABYTES SEED BINARY
bench_check() {
  [[ $1 =~ ^[0-9]+$ ]] && (($1 >= 1 && $1 <= 65536)) || bench_die "MEGABYTES must be 1..65536"
  [[ $2 =~ ^[0-9]+$ ]] || bench_die "SEED must be a number"
  [[ -x $3 ]] || bench_die "no $3 (build it with -DHIGHPORT_BENCH=ON, see the top of this script)"
  [[ -x /usr/bin/time ]] || bench_die "needs /usr/bin/time (Debian package time)"
}

# bench_need TOOL: the peer tool, installed from Debian when missing.
bench_need() {
  command -v "$1" >/dev/null && return
  echo "$name: installing $1" >&2
  apt-get install -y "$1" >/dev/null || bench_die "$1 is missing and could not be installed"
}

# bench_generate BINARY MEGABYTES SEED SUFFIX: sets $input (removed at exit)
# and $bytes, and reads the file once into the page cache.
bench_generate() {
  input=$(mktemp "${TMPDIR:-/tmp}/$name.XXXXXX.$4")
  trap 'rm -f "$input"' EXIT
  "$1" generate "$input" "$2" "$3"
  bytes=$(stat -c %s "$input")
  cat "$input" >/dev/null
}

# time_rounds FUNCTION...: times each function (a shell function that runs one
# tool, output discarded by the caller's redirections) in rounds: one warm-up
# round, then BENCH_RUNS rounds (default 5), each function once per round in
# the order given. Sets best[FUNCTION] to its fastest wall time in seconds.
# In rounds, not each tool's runs one after the other: on a shared VM the
# same binary takes 0.07 s one minute and 0.11 s the next, and a ratio of two
# tools timed minutes apart measured the machine's load as much as the tools.
declare -A best
time_rounds() {
  local runs=${BENCH_RUNS:-5} round f t0 t1
  [[ $runs =~ ^[0-9]+$ ]] && ((runs >= 1)) || bench_die "BENCH_RUNS must be a positive number"
  for f in "$@"; do best[$f]=1e9; done
  for ((round = 0; round <= runs; ++round)); do
    for f in "$@"; do
      t0=$(date +%s.%N)
      "$f" >/dev/null 2>&1 || bench_die "$f failed (exit $?)"
      t1=$(date +%s.%N)
      ((round > 0)) || continue  # the warm-up
      best[$f]=$(awk -v a="$t0" -v b="$t1" -v c="${best[$f]}" 'BEGIN {d = b - a; print (d < c ? d : c)}')
    done
  done
}
