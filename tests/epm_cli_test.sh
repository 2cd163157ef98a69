#!/usr/bin/env bash
# `highport epm` as a user meets it, against fake endpoint mappers on
# loopback (tests/tools/fake_epm_server) and rpcdump files: help, usage
# errors, every output format, exit codes, refused / silent / closed hosts,
# many hosts at once, and --from. The real-server test is epm_samba_test.sh.
# usage: tests/epm_cli_test.sh PATH_TO_HIGHPORT PATH_TO_FAKE_EPM_SERVER
set -uo pipefail
highport=$1
fake=$2
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
source "$root/tests/lib/check.sh"

# start_fake NAME ARGS...: starts a fake server, waits for its "ready" line
# (bounded), and sets ${NAME} to the first ADDRESS:PORT it bound.
start_fake() {
  local name=$1
  shift
  "$fake" --lifetime 120 "$@" >"$work/$name.ready" 2>"$work/$name.err" &
  pids+=($!)
  for _ in $(seq 1 100); do
    grep -q '^ready' "$work/$name.ready" 2>/dev/null && break
    sleep 0.05
  done
  grep -q '^ready' "$work/$name.ready" || { fail "fake server $name did not start: $(cat "$work/$name.err")"; return 1; }
  printf -v "$name" '%s' "$(awk '{print $2}' "$work/$name.ready")"
}

# Help and usage errors.
expect 0 "$highport" help epm
contains "$work/out" "--from"
contains "$work/out" "--max-hosts"
expect 2 "$highport" epm
contains "$work/err" "name hosts to ask, -i FILE, or --from rpcdump.txt"
expect 2 "$highport" epm 10.0.0.0/8
contains "$work/err" "'10.0.0.0/8' holds 16777214 addresses, more than --max-hosts 256"
expect 2 "$highport" epm --timeout 0 127.0.0.1
expect 2 "$highport" epm --map not-a-uuid 127.0.0.1
contains "$work/err" "--map: 'not-a-uuid' is not UUID or UUID:vMAJOR.MINOR"
printf '127.0.0.1\nbad host\n' >"$work/hosts.txt"
expect 2 "$highport" epm -i "$work/hosts.txt"
contains "$work/err" "$work/hosts.txt:2: 'bad host' is not a host name or address"

# A Windows-style server: 60 entries over 7 dynamic ports; exit 1 (findings).
start_fake win --style windows --entries 60 127.0.0.1:0 || exit 1
expect 1 "$highport" epm --format json "$win"
jqe 'length == 1 and .[0].status == "ok" and .[0].entries == 60 and .[0].source == "epm"' "windows listing"
jqe '.[0].interfaces | map(.name) | index("drsuapi") != null and index("netlogon") != null' "interface names from the catalog"
jqe '[.[0].tcp_ports[] | select(.dynamic and .in_dynamic_range)] | length == 7' "7 dynamic ports"
jqe '[.[0].interfaces[].bindings[] | select(.protocol == "ncacn_ip_tcp") | .address] | unique == ["127.0.0.1"]' \
  "0.0.0.0 in towers reads as the asked host"
expect 1 "$highport" epm "$win"
contains "$work/out" "Host $win: ok: 60 entries"
contains "$work/out" "drsuapi v4.0  e3514235-4b06-11d1-ab04-00c04fc2dcd2  [MS-DRSR]"
contains "$work/out" "ncalrpc: "
contains "$work/out" "TCP PORT"
expect 1 "$highport" epm --format csv -o "$work/win.csv" "$win"
[ "$(head -n 1 "$work/win.csv" | tr -d '\r')" = "host,status,uuid,version,name,protocol_doc,process,annotation,protocol,address,port,pipe,dynamic,binding" ] ||
  fail "CSV header: $(head -n 1 "$work/win.csv")"
[ "$(($(wc -l <"$work/win.csv") - 1))" -gt 0 ] || fail "CSV has no rows"
# ept_map for one interface: only its TCP bindings; an unknown one is "not registered".
expect 1 "$highport" epm --map e3514235-4b06-11d1-ab04-00c04fc2dcd2:v4.0 --format json "$win"
jqe '.[0].status == "ok" and .[0].entries > 0 and ([.[0].interfaces[].name] | unique) == ["drsuapi"]' "--map drsuapi"
expect 0 "$highport" epm --map 00000000-1111-2222-3333-444444444444 --format json "$win"
jqe '.[0].status == "ok" and .[0].entries == 0 and (.[0].detail | test("not registered"))' "--map of an unknown interface"
# A range that holds every port: nothing in the dynamic range, exit 0.
expect 0 "$highport" epm --dynamic-range 60000-65535 "$win"

# Samba's two ways of ending a listing keep every entry.
start_fake dc --style samba-dc --entries 53 127.0.0.1:0 || exit 1
start_fake member --style samba-member --entries 41 127.0.0.1:0 || exit 1
expect 1 "$highport" epm --format json "$dc" "$member"
jqe '[.[] | .entries] == [53, 41] and all(.[]; .status == "ok")' "samba end-of-list forms"

# Refused, silent and closed hosts: each says what happened, quickly.
start_fake deny --deny 127.0.0.1:0 || exit 1
start_fake silent --silent 127.0.0.1:0 || exit 1
# A port that was bound and is closed again: nothing listens there.
start_fake gone 127.0.0.1:0 || exit 1
gone_port=${gone##*:}
kill "${pids[-1]}"
wait "${pids[-1]}" 2>/dev/null
unset 'pids[-1]'
expect 1 "$highport" epm --timeout 0.5 --format json "$deny" "$silent" "127.0.0.1:$gone_port"
jqe '.[0].status == "refused" and (.[0].detail | test("access denied"))' "denied lookup is refused"
jqe '.[1].status == "timeout" and .[1].detail == "no answer within 0.5 s"' "silent server times out"
jqe '.[2].status == "error" and .[2].detail == "connection refused: nothing listens there"' "closed port"

# Many hosts: 40 servers answering after 10 ms each, 8 at a time, all complete.
args=()
for _ in $(seq 1 40); do args+=(127.0.0.1:0); done
start_fake many --delay-ms 10 --entries 20 "${args[@]}" || exit 1
sed 's/^ready //; s/ /\n/g' "$work/many.ready" >"$work/many.txt"
expect 1 "$highport" epm --concurrency 8 --format json -i "$work/many.txt"
jqe 'length == 40 and all(.[]; .status == "ok" and .entries == 20)' "40 hosts"

# rpcdump output read with --from, and by inventory's format detection.
dump=$root/src/ingest/testdata/rpcdump/windows_dc_impacket0.11.txt
expect 1 "$highport" epm --from "$dump" --format json
jqe 'length == 1 and .[0].status == "ok" and .[0].port == 0 and .[0].entries > 0 and (.[0].source | endswith("windows_dc_impacket0.11.txt"))' "--from rpcdump"
expect 1 "$highport" epm --from "$root/src/ingest/testdata/rpcdump/two_hosts.txt" --format json
jqe '[.[] | .host] == ["10.0.0.10", "10.0.0.11"] and [.[] | .entries] == [1, 2]' "one rpcdump file, two hosts"
# A listing saved with --format json reads back with --from: the same entries.
cp "$work/out" "$work/saved.json"
expect 1 "$highport" epm --from "$work/saved.json" --format json
jq -e --slurpfile before "$work/saved.json" \
  '[.[] | .interfaces[] | .uuid] == [$before[0][] | .interfaces[] | .uuid] and (map(.entries) | add) > 0' \
  "$work/out" >/dev/null || fail "--from epm JSON gives other interfaces than the listing it saved"
expect 2 "$highport" epm --from "$root/examples/dc01/netstat-ano.txt"
contains "$work/err" "netstat-ano.txt: neither impacket rpcdump.py output nor highport epm JSON (it reads as netstat)"

if [ "$failures" -gt 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all epm CLI checks passed"
