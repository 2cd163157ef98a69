# Shared by the reader benchmarks (pfirewall_bench.sh, capture_bench.sh):
# argument checks, the peer tool, the generated input in $TMPDIR, and the
# best-of-three timer. Source it after setting $name (for messages).

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

# time_best COMMAND...: runs it three times; sets $best to the fastest wall time in seconds.
time_best() {
  best=""
  for _ in 1 2 3; do
    local t0 t1
    t0=$(date +%s.%N)
    "$@" >/dev/null 2>&1
    t1=$(date +%s.%N)
    best=$(awk -v a="$t0" -v b="$t1" -v c="${best:-1e9}" 'BEGIN {d = b - a; print (d < c ? d : c)}')
  done
}
