#!/usr/bin/env bash
# End to end: a real exporter (softflowd) -> `highport collect` -> SQLite ->
# `highport flows --db`, against `highport flows CAPTURE` on the same capture.
#
#   bash tests/collect_softflowd_test.sh HIGHPORT
#
# softflowd reads tests/testdata/softflowd_mix.pcap (10 conversations: TCP
# with handshakes, a second connection to the same port, RST, SYN only,
# a connection caught midway, IPv6, UDP; see make_softflowd_mix.py there)
# and exports its flows over loopback to `highport collect --listen
# 127.0.0.1:0`, three times:
#   v9      NetFlow v9 (-v 9)                      collect stops after --idle 2
#   ipfix   IPFIX (-v 10)                          collect stops on SIGTERM
#   biflow  IPFIX, bidirectional records (-v 10 -b) collect stops after --max-datagrams
# softflowd runs in the foreground (-d) on the file (-r), exits by itself at
# its end and then expires and sends every flow it still holds ("flushed");
# the test checks that it says so (no active flow left, no send failure).
# -a makes its flow times the packets' times (without it, v9/IPFIX times
# are derived from softflowd's own start and land days off); -6 tracks the
# IPv6 conversation; -c names a control socket in the temporary directory
# (a short relative path: the socket path is length-limited), so nothing
# is touched under /var/run.
#
# Compared, per (client, server, proto, port), between `flows --db DB
# --format json` and `flows CAPTURE --format json`:
#   equal: the set of keys; packets; bytes; first_seen and last_seen (whole
#          seconds); class; dynamic; and per server (.servers): clients,
#          dynamic and static ports.
#   connections: softflowd's -v 9 and -v 10 records are unidirectional, so
#          a conversation with packets both ways is two records; highport
#          counts the client's half as the connection (FlowObservation::
#          one_direction), so connections are equal to the capture's, as
#          with -b (biflow), where one record is one conversation.
#   peak_rpc_concurrency (per server): equal; the two halves of a pair
#          share the client port and overlap in time, and count once.
#   not compared: server_by (the capture decides by the TCP handshake;
#          softflowd's records carry TCP flags ORed over the flow but no
#          direction, so highport decides by port class: "guess" or
#          "port-class"; the fixture's ports make both name the same
#          server), evidence (file and packet vs. datagram), observations.
# Also: the collector prints "collect: listening on 127.0.0.1:PORT" (after
# "highport " or not, and with more after the port or not) with a real
# port, exits 0, and writes a summary after that line.
#
# Needs softflowd and jq; exits 77 (skip) without them unless $CI is set.
# Every process is started here and stopped by its PID; every wait is bounded.
set -euo pipefail

highport=${1:?usage: collect_softflowd_test.sh HIGHPORT}
highport=$(cd "$(dirname "$highport")" && pwd)/$(basename "$highport")
here=$(cd "$(dirname "$0")" && pwd)
capture=$here/testdata/softflowd_mix.pcap

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
for tool in softflowd jq; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    [ -n "${CI:-}" ] && fail "$tool is missing (scripts/setup.sh installs it)"
    echo "SKIP: $tool is missing"
    exit 77
  fi
done
[ -f "$capture" ] || fail "no $capture"
"$highport" collect --help >/dev/null 2>&1 || fail "$highport has no collect command"

work=$(mktemp -d "${TMPDIR:-/tmp}/collect_softflowd.XXXXXX")
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do
    if kill -0 "$p" 2>/dev/null; then
      kill -TERM "$p" 2>/dev/null || true
      sleep 0.2
      kill -KILL "$p" 2>/dev/null || true
    fi
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_exit PID SECONDS: waits for a child of this shell; sets $status to its
# exit status, or fails once SECONDS have passed.
status=0
wait_exit() {
  local pid=$1 tenths=$(($2 * 10)) i
  for ((i = 0; i < tenths; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$pid" 2>/dev/null && fail "process $pid still running after $2 s"
  status=0
  wait "$pid" || status=$?
}

# The capture read directly: the reference.
direct_status=0
"$highport" flows "$capture" --format json >"$work/direct.json" 2>"$work/direct.err" || direct_status=$?
((direct_status <= 1)) || fail "flows $capture exited $direct_status: $(cat "$work/direct.err")"

# norm JSON: one line per flow, "client server proto port<TAB>packets bytes first last class dynamic<TAB>connections"
norm() {
  jq -r '.flows[] | [([.client, .server, .proto, (.port | tostring)] | join(" ")),
                     ([.packets, .bytes, .first_seen, .last_seen, .class, .dynamic] | map(tostring) | join(" | ")),
                     (.connections | tostring)] | @tsv' "$1" | LC_ALL=C sort
}
norm "$work/direct.json" >"$work/direct.tsv"
direct_flows=$(wc -l <"$work/direct.tsv")
((direct_flows >= 9)) || fail "only $direct_flows flows read from $capture: $(cat "$work/direct.tsv")"
echo "reference: highport flows $(basename "$capture"): $direct_flows flows"

# run NAME STOP SOFTFLOWD_OPTION...: one export through the collector.
# STOP: idle (--idle 2), term (SIGTERM once softflowd is done), max (--max-datagrams 1).
run() {
  local name=$1 stop=$2
  shift 2
  local db=$work/$name.db err=$work/$name.collect.err extra=()
  case $stop in
    idle) extra=(--idle 2) ;;
    max) extra=(--max-datagrams 1) ;;
  esac
  # The file exists before the loop below reads it: the background shell opens
  # it only when it gets to run (a race that failed the test under load).
  : >"$err"
  "$highport" collect --listen 127.0.0.1:0 --db "$db" --duration 60 "${extra[@]}" 2>"$err" &
  local collect_pid=$!
  pids+=("$collect_pid")
  local port="" i
  for ((i = 0; i < 100; i++)); do
    port=$(sed -n 's/^\(highport \)\{0,1\}collect: listening on 127\.0\.0\.1:\([0-9][0-9]*\)\($\|[^0-9].*\)/\2/p' "$err" | head -1)
    [ -n "$port" ] && break
    kill -0 "$collect_pid" 2>/dev/null || break
    sleep 0.1
  done
  [ -n "$port" ] || fail "$name: no 'collect: listening on 127.0.0.1:PORT' within 10 s: $(cat "$err")"
  ((port > 0)) || fail "$name: collect reports port 0, not the port it bound"

  # softflowd, in the temporary directory so that its control socket path is short.
  local sf_status=0
  (cd "$work" && timeout 30 softflowd -d -r "$capture" -n "127.0.0.1:$port" -c "$name.ctl" -a -6 "$@") \
    >"$work/$name.softflowd.out" 2>&1 || sf_status=$?
  local sf=$work/$name.softflowd.out
  ((sf_status == 0)) || fail "$name: softflowd $* exited $sf_status: $(cat "$sf")"
  grep -q 'Shutting down after pcap EOF' "$sf" || fail "$name: softflowd did not finish the file: $(cat "$sf")"
  grep -q '^Number of active flows: 0$' "$sf" || fail "$name: softflowd kept flows unexported: $(cat "$sf")"
  local exported
  exported=$(sed -n 's/^Flows exported: \([0-9]*\) (\([0-9]*\) records) in \([0-9]*\) packets (\([0-9]*\) failures)$/\1 \2 \3 \4/p' "$sf")
  [ -n "$exported" ] || fail "$name: no 'Flows exported' line from softflowd: $(cat "$sf")"
  local sf_flows sf_records sf_datagrams sf_failures
  read -r sf_flows sf_records sf_datagrams sf_failures <<<"$exported"
  ((sf_failures == 0)) || fail "$name: softflowd failed to send $sf_failures packets"
  ((sf_flows == 10)) || fail "$name: softflowd made $sf_flows flows of the 10 conversations: $(cat "$sf")"

  case $stop in
    term)
      # The datagrams sit in the collector's socket buffer once softflowd has
      # sent them; a moment to read them, then the signal.
      sleep 1
      kill -TERM "$collect_pid"
      ;;
    max) ((sf_datagrams == 1)) || fail "$name: softflowd sent $sf_datagrams datagrams; this run expects 1" ;;
  esac
  wait_exit "$collect_pid" 20
  ((status == 0)) || fail "$name: collect exited $status: $(cat "$err")"
  local summary
  summary=$(awk 'seen; /collect: listening on/ { seen = 1 }' "$err")
  [ -n "$summary" ] || fail "$name: collect printed no summary after its listening line"

  local flows_status=0
  "$highport" flows --db "$db" --format json >"$work/$name.json" 2>"$work/$name.flows.err" || flows_status=$?
  ((flows_status <= 1)) || fail "$name: flows --db exited $flows_status: $(cat "$work/$name.flows.err")"
  norm "$work/$name.json" >"$work/$name.tsv"

  # Keys, packets, bytes, times, class: equal.
  if ! diff <(cut -f1,2 "$work/direct.tsv") <(cut -f1,2 "$work/$name.tsv") >"$work/$name.diff"; then
    echo "--- flows CAPTURE (<) against flows --db after softflowd $* (>)," \
         "as key<TAB>packets | bytes | first_seen | last_seen | class | dynamic:" >&2
    cat "$work/$name.diff" >&2
    fail "$name: the stored flows differ from the capture's"
  fi
  # Connections: the capture's, whichever way softflowd wrote its records.
  local sum
  sum=$(cut -f3 "$work/$name.tsv" | awk '{ s += $1 } END { print s + 0 }')
  join -t $'\t' -j1 <(cut -f1,3 "$work/direct.tsv") <(cut -f1,3 "$work/$name.tsv") >"$work/$name.conn"
  while IFS=$'\t' read -r key direct stored; do
    ((stored == direct)) || fail "$name: $key: $stored connections stored, $direct in the capture"
  done <"$work/$name.conn"

  # The per-server summary: clients, dynamic and static ports, and the
  # peak of concurrent RPC connections, equal.
  if ! diff <(jq -S ".servers | sort_by(.server)" "$work/direct.json") \
    <(jq -S ".servers | sort_by(.server)" "$work/$name.json") >"$work/$name.servers.diff"; then
    cat "$work/$name.servers.diff" >&2
    fail "$name: the servers differ from the capture's (< capture, > stored)"
  fi

  printf '  %-7s softflowd %-12s %2d flows, %2d records, %d datagram(s) -> collect (stop: %-4s) -> %d flows: equal; connections %s\n' \
    "$name" "$*" "$sf_flows" "$sf_records" "$sf_datagrams" "$stop" "$(wc -l <"$work/$name.tsv")" \
    "equal ($sum)"
}

echo "softflowd $(softflowd -h 2>&1 | sed -n 's/^This is softflowd version \([^.]*\.[^.]*\.[^. ]*\).*/\1/p') -> highport collect on 127.0.0.1, port 0;"
echo "compared per (client, server, proto, port): packets, bytes, first/last second, class, dynamic;"
echo "per server: clients, dynamic and static ports, peak concurrency"
run v9 idle -v 9
run ipfix term -v 10
run biflow max -v 10 -b

# `highport ingest CAPTURE --db` then `flows --db`: the same document as
# `flows CAPTURE`, except "findings": the reader's warnings about the
# capture itself (here: the made-up bytes on TCP 135 are no DCE/RPC) are
# printed by ingest when it reads the file and are not kept in the database.
if "$highport" ingest --help >/dev/null 2>&1; then
  ingest_status=0
  "$highport" ingest "$capture" --db "$work/ingest.db" >/dev/null 2>"$work/ingest.err" || ingest_status=$?
  ((ingest_status == 0)) || fail "ingest exited $ingest_status: $(cat "$work/ingest.err")"
  flows_status=0
  "$highport" flows --db "$work/ingest.db" --format json >"$work/ingest.json" 2>/dev/null || flows_status=$?
  ((flows_status == direct_status)) || fail "flows --db (ingest) exited $flows_status, flows CAPTURE $direct_status"
  if ! diff <(jq -S 'del(.findings)' "$work/direct.json") <(jq -S 'del(.findings)' "$work/ingest.json") \
    >"$work/ingest.diff"; then
    cat "$work/ingest.diff" >&2
    fail "flows --db after ingest differs from flows CAPTURE"
  fi
  echo "  ingest  $(basename "$capture") -> flows --db: the same JSON document as flows CAPTURE" \
       "(findings: $(jq '.findings | length' "$work/direct.json") from the file, $(jq '.findings | length' "$work/ingest.json") from the database)"
fi
echo "PASS"
