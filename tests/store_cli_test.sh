#!/usr/bin/env bash
# The evidence database through the CLI, with real processes:
#   - an ingest of a firewall log killed with SIGKILL midway leaves the
#     database consistent (PRAGMA integrity_check, a partial source marked
#     incomplete), and the next ingest completes it without counting a row twice;
#   - `flows --db` then prints exactly the flows that `flows FILE` prints;
#   - the same log again is "unchanged"; a log that has grown adds only its
#     new rows, and a half-written last line waits for the next ingest;
#   - a progress bar is drawn on a terminal only;
#   - `collect` stores a NetFlow v5 datagram sent to it on loopback, and
#     reports a datagram that is not NetFlow.
# Usage: store_cli_test.sh HIGHPORT
set -euo pipefail

highport=$1
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
for tool in jq sqlite3 mawk; do
  command -v "$tool" >/dev/null || { [ -n "${CI:-}" ] && fail "$tool is missing"; echo "skip: no $tool"; exit 77; }
done

header() {
  printf '#Version: 1.5\n#Software: Microsoft Windows Firewall\n#Time Format: Local\n'
  printf '#Fields: date time action protocol src-ip dst-ip src-port dst-port size tcpflags tcpsyn tcpack tcpwin icmptype icmpcode info path\n\n'
}
# rows FROM TO: connections from 2,500 clients to nine dynamic ports of one DC,
# and every 97th row a dropped SMB packet from outside.
rows() {
  mawk -v from="$1" -v to="$2" 'BEGIN {
    for (i = from; i < to; i++) {
      t = sprintf("2024-05-%02d %02d:%02d:%02d", 1 + int(i / 86400) % 28, int(i / 3600) % 24, int(i / 60) % 60, i % 60)
      if (i % 97 == 0)
        printf "%s DROP TCP 198.51.100.%d 10.0.1.5 %d 445 52 S 1 0 64240 - - - RECEIVE\n", t, i % 200 + 1, 40000 + i % 20000
      else
        printf "%s ALLOW TCP 10.0.%d.%d 10.0.1.5 %d %d 0 - 0 0 0 - - - SEND\n", t, int(i / 250) % 10, i % 250 + 1, 50000 + i % 15000, 49670 + i % 9
    }
  }'
}
stored() { sqlite3 "$1" "SELECT coalesce(sum(stored), 0) FROM source" 2>/dev/null || echo 0; }
flows_json() { "$highport" flows "$@" --format json 2>/dev/null | jq -S '{flows, servers, observations}' || true; }

total=300000
{ header; rows 0 $total; } >"$work/pfirewall.log"
db=$work/evidence.db

echo "== an ingest killed with SIGKILL midway"
"$highport" ingest --db "$db" --batch 2000 "$work/pfirewall.log" >"$work/ingest1.out" 2>&1 &
pid=$!
pids+=("$pid")
for _ in $(seq 1 300); do  # at most 30 s
  n=$(stored "$db")
  [ "$n" -gt 0 ] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
kill -0 "$pid" 2>/dev/null || fail "the ingest ended before it could be killed (it stored $(stored "$db") rows); make the log bigger"
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
partial=$(stored "$db")
echo "killed after $partial of $total rows were committed"
[ "$partial" -gt 0 ] && [ "$partial" -lt "$total" ] || fail "expected a partial ingest, got $partial rows"
[ "$(sqlite3 "$db" 'PRAGMA integrity_check')" = ok ] || fail "integrity_check after SIGKILL"
[ "$(sqlite3 "$db" 'SELECT count(*) FROM observation')" -eq "$partial" ] ||
  fail "the source row and the observations disagree after the kill"
[ "$(sqlite3 "$db" 'SELECT complete FROM source')" -eq 0 ] || fail "a killed ingest is marked complete"
"$highport" flows --db "$db" --format csv >/dev/null 2>"$work/partial.err" || true
grep -q "did not finish" "$work/partial.err" || fail "flows --db does not say that an ingest did not finish: $(cat "$work/partial.err")"

echo "== the next ingest completes it"
"$highport" ingest --db "$db" "$work/pfirewall.log" >"$work/ingest2.out" 2>&1 || fail "second ingest: $(cat "$work/ingest2.out")"
grep -q "resumed" "$work/ingest2.out" || fail "not resumed: $(cat "$work/ingest2.out")"
grep -q "$partial stored before" "$work/ingest2.out" || fail "the rows stored before are not counted as such: $(cat "$work/ingest2.out")"
[ "$(stored "$db")" -eq "$total" ] || fail "after resuming, $(stored "$db") rows stored, expected $total"
[ "$(sqlite3 "$db" 'SELECT count(*) FROM observation')" -eq "$total" ] || fail "observation rows are not $total"

echo "== two ingests of one log at once: the second waits, and nothing is stored twice"
# ingest_together DB1 DB2 NAME: two ingests of the log at once, into DB1 and
# DB2 (two names of one database); their output in NAME1.out and NAME2.out.
ingest_together() {
  "$highport" ingest --db "$1" "$work/pfirewall.log" >"$work/${3}1.out" 2>&1 &
  local a=$!
  pids+=("$a")
  "$highport" ingest --db "$2" "$work/pfirewall.log" >"$work/${3}2.out" 2>&1 &
  local b=$!
  pids+=("$b")
  wait "$a" || fail "the first of two ingests at once ($1) failed: $(cat "$work/${3}1.out")"
  wait "$b" || fail "the second of two ingests at once ($2) failed: $(cat "$work/${3}2.out")"
}
twice=$work/twice.db
ingest_together "$twice" "$twice" twice
[ "$(sqlite3 "$twice" 'SELECT count(*) FROM source')" -eq 1 ] ||
  fail "two ingests at once stored the log as $(sqlite3 "$twice" 'SELECT count(*) FROM source') sources"
[ "$(stored "$twice")" -eq "$total" ] || fail "two ingests at once stored $(stored "$twice") rows, expected $total"
grep -hq "unchanged" "$work/twice1.out" "$work/twice2.out" || fail "neither ingest found the log stored by the other"
grep -hq "waiting for it to finish" "$work/twice1.out" "$work/twice2.out" || fail "the ingest that waited did not say so"
# The same through a symlink to the database: one database, one lock.
linked=$work/linked.db
{ header; rows 500000 500010; } >"$work/small.log"
"$highport" ingest --db "$linked" "$work/small.log" >/dev/null 2>&1 || fail "ingest into linked.db"
ln -s "$linked" "$work/link-to.db"
ingest_together "$linked" "$work/link-to.db" linked
[ "$(sqlite3 "$linked" "SELECT coalesce(sum(stored), 0) FROM source WHERE path LIKE '%/pfirewall.log'")" -eq "$total" ] ||
  fail "two ingests through a symlink and the path stored $(sqlite3 "$linked" "SELECT sum(stored) FROM source WHERE path LIKE '%/pfirewall.log'") rows, expected $total"

echo "== flows --db equals flows FILE"
flows_json --db "$db" >"$work/db.json"
flows_json "$work/pfirewall.log" >"$work/file.json"
[ "$(jq '.flows | length' "$work/file.json")" -gt 1000 ] || fail "the direct read found too few flows"
cmp -s "$work/db.json" "$work/file.json" || fail "flows --db differs from flows FILE: $(diff "$work/db.json" "$work/file.json" | head -20)"
echo "== flows --db DB FILE, the file in the database too: counted once"
flows_json --db "$db" "$work/pfirewall.log" >"$work/both.json"
cmp -s "$work/both.json" "$work/file.json" || fail "flows --db DB FILE counts the stored file twice: $(diff "$work/both.json" "$work/file.json" | head -10)"
"$highport" flows --db "$db" "$work/pfirewall.log" --format csv >/dev/null 2>"$work/both.err" || true
grep -q "pfirewall.log: note: .* holds it too" "$work/both.err" || fail "the file held by the database is not noted: $(head -3 "$work/both.err")"
# A copy that has grown since: read from the file, the stored rows left out.
{ cat "$work/pfirewall.log"; rows $total $((total + 700)); } >"$work/grown-copy.log"
flows_json --db "$db" "$work/grown-copy.log" >"$work/both.json"
flows_json "$work/grown-copy.log" >"$work/file.json"
cmp -s "$work/both.json" "$work/file.json" || fail "flows --db DB GROWN-COPY differs from flows GROWN-COPY: $(diff "$work/both.json" "$work/file.json" | head -10)"
# The stored log keeps its local times; --log-timezone converts them on the
# way out of the database exactly as it does for the file.
flows_json --db "$db" --log-timezone Europe/Berlin >"$work/db-utc.json"
flows_json "$work/pfirewall.log" --log-timezone Europe/Berlin >"$work/file-utc.json"
cmp -s "$work/db-utc.json" "$work/file-utc.json" || fail "flows --db --log-timezone differs from the file's: $(diff "$work/db-utc.json" "$work/file-utc.json" | head -20)"
cmp -s "$work/db-utc.json" "$work/db.json" && fail "--log-timezone changed nothing in flows --db"
# (flows exits 1 when it finds problematic flows: the output goes to a file first)
"$highport" flows --db "$db" --log-timezone UTC --format json -o "$work/db-zone.json" 2>/dev/null || true
jq -e '.local_time == false' "$work/db-zone.json" >/dev/null || fail "flows --db --log-timezone still says the times are local"
"$highport" flows --db "$db" --format json -o "$work/db-local.json" 2>/dev/null || true
jq -e '.local_time == true' "$work/db-local.json" >/dev/null || fail "flows --db does not say that the stored log's times are local"
# A log without its header (what `findstr ALLOW pfirewall.log` leaves) is
# local time all the same: converted alike from the file and the database.
rows 0 500 | grep ALLOW >"$work/allow-only.log"
headerless=$work/headerless.db
"$highport" ingest --db "$headerless" "$work/allow-only.log" >/dev/null 2>&1 || fail "ingest of a log without header"
flows_json --db "$headerless" --log-timezone +01:00 >"$work/headerless-db.json"
flows_json "$work/allow-only.log" --log-timezone +01:00 >"$work/headerless-file.json"
[ "$(jq '.flows | length' "$work/headerless-file.json")" -gt 0 ] || fail "no flows from the log without header"
cmp -s "$work/headerless-db.json" "$work/headerless-file.json" ||
  fail "a log without header: flows --db --log-timezone differs from the file's: $(diff "$work/headerless-db.json" "$work/headerless-file.json" | head -6)"
# The stored rows are a log's: its peaks count instants, and the table says so.
"$highport" flows --db "$db" -o "$work/db-table.txt" 2>/dev/null || true
grep -q "rows carry no duration" "$work/db-table.txt" || fail "flows --db does not say that a log's peaks are a lower bound"

echo "== a progress bar on a terminal, silence otherwise"
if command -v script >/dev/null; then
  # script(1) gives the command a pseudo-terminal; its output is the terminal's.
  script -qec "$highport ingest --db $work/tty.db $work/pfirewall.log" /dev/null >"$work/tty.out" 2>&1 || true
  grep -q '%' "$work/tty.out" && grep -q '\[#' "$work/tty.out" || fail "no progress bar on a terminal: $(head -c 300 "$work/tty.out")"
  grep -q 'firewall-log, new: 300000 record' "$work/tty.out" || fail "the terminal run did not finish: $(tail -c 300 "$work/tty.out")"
  # Reading the database back shows one too, in rows.
  script -qec "$highport flows --db $work/tty.db --format csv -o $work/tty.csv" /dev/null >"$work/tty-flows.out" 2>&1 || true
  grep -q 'M rows/s' "$work/tty-flows.out" && grep -q '\[#' "$work/tty-flows.out" || fail "no progress bar while flows --db reads: $(head -c 300 "$work/tty-flows.out")"
  grep -q 'flow(s)' "$work/tty-flows.out" || fail "the terminal flows --db run did not finish: $(tail -c 300 "$work/tty-flows.out")"
fi
grep -q '\[#' "$work/ingest2.out" && fail "a progress bar was drawn where stderr is no terminal"

echo "== the same file again, and under its rotated name"
cp "$work/pfirewall.log" "$work/pfirewall.log.old"
"$highport" ingest --db "$db" "$work/pfirewall.log" "$work/pfirewall.log.old" >"$work/ingest3.out" 2>&1
[ "$(grep -c unchanged "$work/ingest3.out")" -eq 2 ] || fail "not unchanged: $(cat "$work/ingest3.out")"
[ "$(stored "$db")" -eq "$total" ] || fail "a repeated ingest stored rows"

echo "== a grown log with a half-written last line"
rows $total $((total + 1000)) >>"$work/pfirewall.log"
printf '2024-06-01 10:00:00 ALLOW TCP 10.0.9.9 10.0.1.5 5' >>"$work/pfirewall.log"
"$highport" ingest --db "$db" "$work/pfirewall.log" >"$work/ingest4.out" 2>&1
grep -q "grown: .* 1000 stored" "$work/ingest4.out" || fail "grown log: $(cat "$work/ingest4.out")"
grep -q "unfinished last line" "$work/ingest4.out" || fail "the half line is not mentioned: $(cat "$work/ingest4.out")"
printf '5555 49999 0 - 0 0 0 - - - SEND\n' >>"$work/pfirewall.log"
"$highport" ingest --db "$db" "$work/pfirewall.log" >"$work/ingest5.out" 2>&1
grep -q "grown: .* 1 stored" "$work/ingest5.out" || fail "completed line: $(cat "$work/ingest5.out")"
[ "$(stored "$db")" -eq $((total + 1001)) ] || fail "after growing, $(stored "$db") rows stored"
flows_json --db "$db" >"$work/db.json"
flows_json "$work/pfirewall.log" >"$work/file.json"
cmp -s "$work/db.json" "$work/file.json" || fail "flows --db differs from flows FILE after growth"

echo "== a folder: inventories first, what is no evidence left out, flows and servers counted"
mkdir -p "$work/site/dc01"
{ header; rows 0 3000; } >"$work/site/dc01/pfirewall.log"
printf 'Active Connections\r\n\r\n  Proto  Local Address          Foreign Address        State           PID\r\n  TCP    0.0.0.0:135            0.0.0.0:0              LISTENING       900\r\n  TCP    10.0.1.5:49670         0.0.0.0:0              LISTENING       700\r\n' \
  >"$work/site/dc01/netstat-ano.txt"
printf 'collected on Monday\n' >"$work/site/README.txt"
status=0
"$highport" ingest --db "$work/site.db" "$work/site" >"$work/site.out" 2>"$work/site.err" || status=$?
[ "$status" -eq 0 ] || fail "ingest of a folder: exit $status, $(cat "$work/site.err")"
grep -q "left out: $work/site/README.txt" "$work/site.err" || fail "the README is not named as left out: $(cat "$work/site.err")"
[ "$(grep -c ', new: ' "$work/site.out")" -eq 2 ] || fail "not two new sources: $(cat "$work/site.out")"
head -1 "$work/site.out" | grep -q 'netstat-ano.txt: inventory, new' || fail "the inventory is not stored first: $(cat "$work/site.out")"
# The summary's flows and servers are those flows --db finds in the same database.
"$highport" flows --db "$work/site.db" --format json -o "$work/site.json" 2>/dev/null || true
want="$(jq '.flows | length' "$work/site.json") flow(s), $(jq '.servers | length' "$work/site.json") server(s) in the traffic this run stored"
[ "$(jq '.flows | length' "$work/site.json")" -gt 100 ] || fail "too few flows in the folder's database"
grep -q "; $want" "$work/site.err" || fail "summary: want '$want', got: $(tail -2 "$work/site.err")"
grep -q '"server_by": "listener"' "$work/site.json" || fail "the stored inventory did not decide a flow"
# Standard input is "<stdin>" in what ingest says, findings included.
{ header; echo "2024-05-01 10:00:00 ALLOW TCP 10.0.0.1"; rows 0 10; } >"$work/damaged.log"
"$highport" ingest --db "$work/site.db" - <"$work/damaged.log" >"$work/stdin.out" 2>"$work/stdin.err" || true
grep -q "^<stdin>: firewall-log, new: 11 record(s) read, 10 stored, 1 skipped" "$work/stdin.out" || fail "ingest -: $(cat "$work/stdin.out")"
grep -q "^<stdin>:6: row has" "$work/stdin.err" || fail "ingest -: the finding does not name <stdin>: $(cat "$work/stdin.err")"
grep -q "highport-stdin" "$work/stdin.out" "$work/stdin.err" && fail "ingest -: the spooled copy is named"
# A pipe that ended is whole: its last line, without a line end, is a row
# (a file's would wait for the next ingest; a pipe has none).
{ header; rows 0 5; } | head -c -1 | "$highport" ingest --db "$work/pipe.db" - >"$work/pipe.out" 2>/dev/null
grep -q "^<stdin>: firewall-log, new: 5 record(s) read, 5 stored" "$work/pipe.out" || fail "ingest - kept the pipe's last line back: $(cat "$work/pipe.out")"
status=0
"$highport" ingest --db "$work/site.db" "$work/site/README.txt" >/dev/null 2>"$work/readme.err" || status=$?
[ "$status" -eq 2 ] || fail "a file named on its own that is no evidence: exit $status, $(cat "$work/readme.err")"
[ "$(sqlite3 "$work/site.db" "SELECT count(*) FROM source WHERE path LIKE '%README.txt'")" -eq 0 ] ||
  fail "a file refused as no evidence is left in the database as an unfinished source"

echo "== two sites' dc01, each ingested as dc01 from its own directory, stay two hosts"
for site in a b; do
  mkdir -p "$work/sites/$site/dc01"
  printf 'Active Connections\r\n\r\n  Proto  Local Address          Foreign Address        State           PID\r\n  TCP    10.0.%s.10:49670        0.0.0.0:0              LISTENING       700\r\n' \
    "$([ $site = a ] && echo 1 || echo 2)" >"$work/sites/$site/dc01/netstat-ano.txt"
  { printf '\r\nImage Name                     PID Services\r\n========================= ======== ============================================\r\n'
    printf '%-25s %8s %s\r\n' "$([ $site = a ] && echo lsass.exe || echo dfsrs.exe)" 700 "$([ $site = a ] && echo Netlogon || echo DFSR)"
  } >"$work/sites/$site/dc01/tasklist-svc.txt"
  (cd "$work/sites/$site" && "$highport" ingest --db "$work/sites.db" dc01 >"$work/sites.out" 2>&1) ||
    fail "ingest of site $site: $(cat "$work/sites.out")"
done
"$highport" plan --db "$work/sites.db" -o "$work/sites.json" >/dev/null 2>&1 || true
hosts=$(jq -c '[.hosts[] | [.name, .addresses]] | sort' "$work/sites.json" 2>/dev/null)
[ "$hosts" = '[["a/dc01",["10.0.1.10"]],["b/dc01",["10.0.2.10"]]]' ] || fail "the two dc01 folders were joined: $hosts"
sqlite3 "$work/sites.db" 'SELECT path FROM source' | grep -q "^$work/sites/b/dc01/tasklist-svc.txt\$" ||
  fail "paths are not stored whole: $(sqlite3 "$work/sites.db" 'SELECT path FROM source')"

echo "== a database of nothing, or files beside --db that hold nothing: exit 2"
{ header; printf '2024-05-01 10:00:00 ALLOW TCP 10.0.0.1 10.0.1.5 50000 99999 0 - 0 0 0 - - - SEND\n'; } >"$work/all-bad.log"
"$highport" ingest --db "$work/nothing.db" "$work/all-bad.log" >/dev/null 2>&1 || true
status=0
"$highport" flows --db "$work/nothing.db" >/dev/null 2>"$work/nothing.err" || status=$?
[ "$status" -eq 2 ] && grep -q "no traffic and no inventory" "$work/nothing.err" ||
  fail "flows --db on a database of skipped rows: exit $status, $(cat "$work/nothing.err")"
mkdir -p "$work/empty-dir"
status=0
"$highport" flows --db "$db" "$work/empty-dir" >/dev/null 2>"$work/empty-dir.err" || status=$?
[ "$status" -eq 2 ] && grep -q "no evidence: nothing in $work/empty-dir" "$work/empty-dir.err" ||
  fail "flows --db DB EMPTY-DIR: exit $status, $(cat "$work/empty-dir.err")"

echo "== a database that is not there is an error, and is not made"
status=0
"$highport" flows --db "$work/missing.db" >/dev/null 2>"$work/missing.err" || status=$?
[ "$status" -eq 2 ] && grep -q "no such database" "$work/missing.err" || fail "flows --db missing.db: exit $status, $(cat "$work/missing.err")"
[ ! -e "$work/missing.db" ] || fail "flows --db made a database"
status=0
"$highport" collect --listen 127.0.0.1:99999 --db "$work/never.db" 2>/dev/null || status=$?
[ "$status" -eq 2 ] && [ ! -e "$work/never.db" ] || fail "collect with a bad --listen: exit $status, or it made a database"

echo "== collect: a NetFlow v5 datagram on loopback"
cdb=$work/collect.db
# start_collect ERR [DB LIMITS...]: `collect` on a free loopback port into
# DB ($cdb), stopping after a second without datagrams (or LIMITS), its
# stderr in ERR; sets cpid and port.
start_collect() {
  local err=$1 into=${2:-$cdb}
  shift $(($# > 1 ? 2 : 1))
  (($# > 0)) || set -- --idle 1 --duration 30
  : >"$err"  # read below before the background shell may have opened it
  "$highport" collect --listen 127.0.0.1:0 --db "$into" "$@" 2>"$err" &
  cpid=$!
  pids+=("$cpid")
  port=""
  for _ in $(seq 1 100); do  # at most 10 s
    port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$err")
    [ -n "$port" ] && break
    sleep 0.1
  done
  [ -n "$port" ] || fail "collect did not say where it listens: $(cat "$err")"
}
# wait_collect ERR: until it has stopped (at most 15 s), and its exit status 0.
wait_collect() {
  for _ in $(seq 1 150); do kill -0 "$cpid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$cpid" 2>/dev/null && fail "collect did not stop after --idle 1"
  wait "$cpid" || fail "collect exited $?: $(cat "$1")"
}
start_collect "$work/collect.err"
# Header: version 5, 1 record, uptime 100000 ms, export time 1714557600
# (2024-05-01 10:00:00 UTC), sequence 1. Record: 10.0.0.7:51000 -> 10.0.1.5:49671
# TCP, SYN|ACK|PSH|FIN, 12 packets, 3400 bytes, uptime 90000..95000 ms.
v5=''
v5+='\x00\x05\x00\x01\x00\x01\x86\xa0\x66\x32\x12\xa0\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00'
v5+='\x0a\x00\x00\x07\x0a\x00\x01\x05\x00\x00\x00\x00\x00\x01\x00\x02\x00\x00\x00\x0c\x00\x00\x0d\x48'
v5+='\x00\x01\x5f\x90\x00\x01\x73\x18\xc7\x38\xc2\x07\x00\x1b\x06\x00\x00\x00\x00\x00\x18\x18\x00\x00'
# One write, one datagram: bash's printf may write in pieces, cat does not.
printf "$v5" >"$work/v5.bin"
[ "$(stat -c %s "$work/v5.bin")" -eq 72 ] || fail "the v5 datagram is not 72 bytes"
cat "$work/v5.bin" >"/dev/udp/127.0.0.1/$port"
printf 'hello, not netflow' >"$work/junk.bin"
cat "$work/junk.bin" >"/dev/udp/127.0.0.1/$port"
wait_collect "$work/collect.err"
grep -q "stopped (idle): 2 datagram(s)" "$work/collect.err" || fail "collect summary: $(cat "$work/collect.err")"
grep -q "not NetFlow" "$work/collect.err" || fail "the garbage datagram is not reported: $(cat "$work/collect.err")"
flows_json --db "$cdb" >"$work/collect.json"
jq -e '.flows | length == 1' "$work/collect.json" >/dev/null || fail "collect stored: $(cat "$work/collect.json")"
jq -e '.flows[0] | .client == "10.0.0.7" and .server == "10.0.1.5" and .port == 49671 and .packets == 12 and .bytes == 3400' \
  "$work/collect.json" >/dev/null || fail "the collected flow: $(jq -c '.flows[0]' "$work/collect.json")"

echo "== collect: two runs on one address in one second are two sources"
for _ in 1 2; do
  "$highport" collect --listen "127.0.0.1:$port" --db "$work/runs.db" --duration 0.1 2>/dev/null ||
    fail "a short collect run on $port failed"
done
[ "$(sqlite3 "$work/runs.db" 'SELECT count(DISTINCT path) FROM source')" -eq 2 ] ||
  fail "two collect runs share a source name: $(sqlite3 "$work/runs.db" 'SELECT path FROM source')"

echo "== collect: a commit refused while another program holds the database is tried again"
# sqlite3 holds the write lock for 4 s, longer than the collector's busy
# timeout (it receives nothing while it waits): the record that came
# meanwhile is kept, and stored once it can be.
ldb=$work/locked.db
start_collect "$work/locked.err" "$ldb" --duration 9
exec 3>"/dev/udp/127.0.0.1/$port"
cat "$work/v5.bin" >&3
sleep 1.5  # its first commit, before the lock
sqlite3 "$ldb" ".timeout 5000" "BEGIN IMMEDIATE;" ".shell sleep 4" "COMMIT;" &
lpid=$!
pids+=("$lpid")
sleep 0.5
v5b='\x00\x05\x00\x01\x00\x01\x86\xa0\x66\x32\x12\xa0\x00\x00\x00\x00\x00\x00\x00\x02\x00\x00\x00\x00'
v5b+='\x0a\x00\x00\x09\x0a\x00\x01\x05\x00\x00\x00\x00\x00\x01\x00\x02\x00\x00\x00\x0c\x00\x00\x0d\x48'
v5b+='\x00\x01\x5f\x90\x00\x01\x73\x18\xc7\x38\xc2\x07\x00\x1b\x06\x00\x00\x00\x00\x00\x18\x18\x00\x00'
printf "$v5b" >"$work/v5-second.bin"  # sequence 2, from another client: 10.0.0.9
cat "$work/v5-second.bin" >&3
exec 3>&-
wait "$lpid" || true
for _ in $(seq 1 250); do kill -0 "$cpid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$cpid" 2>/dev/null && fail "collect did not stop after --duration 9"
wait "$cpid" || fail "collect exited $? after the database was locked: $(cat "$work/locked.err")"
grep -q "tried again" "$work/locked.err" || fail "the refused commit is not reported: $(cat "$work/locked.err")"
grep -q "storing again" "$work/locked.err" || fail "storing again is not reported: $(cat "$work/locked.err")"
flows_json --db "$ldb" >"$work/locked.json"
jq -e '[.flows[].client] | sort == ["10.0.0.7", "10.0.0.9"]' "$work/locked.json" >/dev/null ||
  fail "the records of a locked moment are not all stored: $(jq -c '[.flows[].client]' "$work/locked.json")"

# NetFlow v9 data that comes before its template is held, and decoded when
# the template comes: stored, and not reported as dropped. Header: version
# 9, one flowset, uptime 100000 ms, 2024-05-01 10:00:00 UTC, sequence 1 and
# then 2, source id 0. Template 256: IPv4 source and destination, ports,
# protocol, packets, bytes. Record: 10.0.0.8:51002 -> 10.0.1.5:49672 TCP,
# 5 packets, 500 bytes (21 bytes, padded to 24).
start_collect "$work/collect9.err"
data='\x00\x09\x00\x01\x00\x01\x86\xa0\x66\x32\x12\xa0\x00\x00\x00\x01\x00\x00\x00\x00'
data+='\x01\x00\x00\x1c\x0a\x00\x00\x08\x0a\x00\x01\x05\xc7\x3a\xc2\x08\x06\x00\x00\x00\x05'
data+='\x00\x00\x01\xf4\x00\x00\x00'
template='\x00\x09\x00\x01\x00\x01\x86\xa0\x66\x32\x12\xa0\x00\x00\x00\x02\x00\x00\x00\x00'
template+='\x00\x00\x00\x24\x01\x00\x00\x07\x00\x08\x00\x04\x00\x0c\x00\x04\x00\x07\x00\x02'
template+='\x00\x0b\x00\x02\x00\x04\x00\x01\x00\x02\x00\x04\x00\x01\x00\x04'
printf "$data" >"$work/v9-data.bin"
printf "$template" >"$work/v9-template.bin"
[ "$(stat -c %s "$work/v9-data.bin")" -eq 48 ] || fail "the v9 data datagram is not 48 bytes"
[ "$(stat -c %s "$work/v9-template.bin")" -eq 56 ] || fail "the v9 template datagram is not 56 bytes"
# Both from one source port (one exporter): one shell, one socket.
exec 3>"/dev/udp/127.0.0.1/$port"
cat "$work/v9-data.bin" >&3
cat "$work/v9-template.bin" >&3
wait_collect "$work/collect9.err"
grep -q "1 flow record(s) stored" "$work/collect9.err" || fail "the held record was not stored: $(cat "$work/collect9.err")"
grep -q "1 data set(s) held until their template came; dropped: 0 malformed, 0 data set(s) whose template never came" \
  "$work/collect9.err" || fail "held data reported as dropped: $(cat "$work/collect9.err")"
# The collector restarted on the same port: the exporter (the same socket,
# fd 3) sends data only, its template stored by the run before.
: >"$work/collect9b.err"
"$highport" collect --listen "127.0.0.1:$port" --db "$cdb" --idle 1 --duration 30 2>"$work/collect9b.err" &
cpid=$!
pids+=("$cpid")
for _ in $(seq 1 100); do grep -q "listening on" "$work/collect9b.err" && break; sleep 0.1; done
grep -q "listening on 127.0.0.1:$port" "$work/collect9b.err" || fail "collect did not listen again on $port: $(cat "$work/collect9b.err")"
data3='\x00\x09\x00\x01\x00\x01\x86\xa0\x66\x32\x12\xa0\x00\x00\x00\x03\x00\x00\x00\x00'
data3+='\x01\x00\x00\x1c\x0a\x00\x00\x0b\x0a\x00\x01\x05\xc7\x3a\xc2\x08\x06\x00\x00\x00\x05'
data3+='\x00\x00\x01\xf4\x00\x00\x00'
printf "$data3" >"$work/v9-data3.bin"  # sequence 3, from 10.0.0.11
cat "$work/v9-data3.bin" >&3
exec 3>&-
wait_collect "$work/collect9b.err"
grep -q "1 flow record(s) stored" "$work/collect9b.err" ||
  fail "a restarted collector dropped data whose template the run before stored: $(cat "$work/collect9b.err")"
grep -q "came in collect@127.0.0.1:$port " "$work/collect9b.err" ||
  fail "the template's earlier run is not named: $(cat "$work/collect9b.err")"
flows_json --db "$cdb" >"$work/collect9.json"
jq -e 'any(.flows[]; .client == "10.0.0.8" and .server == "10.0.1.5" and .port == 49672 and .packets == 5 and .bytes == 500)' \
  "$work/collect9.json" >/dev/null || fail "the held v9 flow: $(jq -c '.flows' "$work/collect9.json")"

echo "== a rotated NetFlow capture, ingested an hour after the file before it"
root=$(cd "$(dirname "$0")/.." && pwd)
cp "$root/src/ingest/testdata/capture/netflow_v9_rotated_1.pcap" "$work/hour1.pcap"
cp "$root/src/ingest/testdata/capture/netflow_v9_rotated_2.pcap" "$work/hour2.pcap"
rdb=$work/rotated.db
"$highport" ingest --db "$rdb" "$work/hour1.pcap" 2>/dev/null
"$highport" ingest --db "$rdb" "$work/hour2.pcap" 2>"$work/rotated.err"
grep -q "template 256 of exporter 192.0.2.1:40000 came in $work/hour1.pcap" "$work/rotated.err" ||
  fail "hour 2's data without hour 1's template: $(cat "$work/rotated.err")"
n=$(flows_json --db "$rdb" | jq '.flows | length')
[ "$n" = 4 ] || fail "the two hours' four records: $n flows"
# The same two files read together, without a database.
n=$(flows_json "$work/hour1.pcap" "$work/hour2.pcap" | jq '.flows | length')
[ "$n" = 4 ] || fail "the two hours read together: $n flows"

echo "PASS store_cli"
