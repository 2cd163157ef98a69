#!/usr/bin/env bash
# `highport flows` as a user meets it: captures (direction from the
# handshake), firewall logs (ALLOW connections, DROP attempts, lost events),
# socket inventories that decide the server side, every output format,
# filters, standard input, exit codes and bad input.
# usage: tests/flows_cli_test.sh PATH_TO_HIGHPORT
set -uo pipefail
highport=$1
root=$(cd "$(dirname "$0")/.." && pwd)
data=$root/src/ingest/testdata
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source "$root/tests/lib/check.sh"

expect 0 "$highport" help flows
contains "$work/out" "--problematic"
expect 2 "$highport" flows
expect 2 "$highport" flows --server not-an-address "$data/capture/netns_lo_ethernet.pcap"

# A capture made on a namespace's loopback: two TCP connections to dynamic
# ports, the direction from the SYN. A host's connections to itself are
# local, not problematic (no firewall sees them): exit 0. Their dynamic
# ports still count in the peak.
expect 0 "$highport" flows --format json "$data/capture/netns_any_sll2.pcapng"
jqe '[.flows[] | select(.proto == "tcp")] | length == 2' "two TCP flows"
jqe 'all(.flows[] | select(.proto == "tcp"); .class == "local" and .server_by == "handshake" and .dynamic)' \
  "handshake decides, connections to itself are local"
jqe '[.flows[] | select(.proto == "tcp") | .port] | sort == [49667, 49668]' "ports 49667 and 49668"
jqe '.servers | map(.peak_rpc_concurrency) | max == 1' "peak concurrency"
# The same capture from standard input.
expect 0 "$highport" flows --format json - <"$data/capture/netns_any_sll2.pcapng"
jqe '[.flows[] | select(.proto == "tcp")] | length == 2' "capture from stdin"
# Evidence and findings name standard input "<stdin>", never the temporary
# copy it was read from (gone by the time anyone looks).
jqe 'all(.flows[].evidence[]; startswith("<stdin>:packet "))' "a capture's evidence from stdin is <stdin>"
expect 1 "$highport" flows --format csv - <"$data/pfirewall/standard17.log"
contains "$work/out" ",<stdin>:"
contains "$work/err" "<stdin>:"
grep -q "highport-stdin" "$work/out" "$work/err" && fail "the spooled copy of stdin is named: $(grep -h highport-stdin "$work/out" "$work/err" | head -3)"
# More findings than the terminal lists one by one: each kind is counted,
# with its first location, also a kind that first came after the 50 shown.
{
  head -5 "$data/pfirewall/standard17.log"
  for i in $(seq 1 60); do echo "2023-03-14 10:00:00 ALLOW TCP 10.20.30.40"; done
  echo "2023-03-14 10:00:01 ALLOW TCP 10.20.30.40 10.20.1.5 x 445 0 - - - - - - - SEND"
} >"$work/damaged.log"
# Not one row of it could be read: no "nothing problematic" (exit 0) then.
expect 2 "$highport" flows "$work/damaged.log"
contains "$work/err" "nothing could be read: every record was skipped"
contains "$work/err" "62 finding(s) in all, 50 shown above"
contains "$work/err" "60  pfirewall.field_count (skipped)  first: $work/damaged.log:6: row has 5 fields"
contains "$work/err" "1  pfirewall.bad_port (skipped)  first: $work/damaged.log:66: source port 'x'"
# A folder without evidence is no clean network either.
mkdir -p "$work/nothing"
printf 'collected on Monday\n' >"$work/nothing/README.txt"
expect 2 "$highport" flows "$work/nothing"
contains "$work/err" "no evidence: nothing in $work/nothing is a file highport reads"
# Nor is an empty file, a capture of no packet, a log of headers only.
: >"$work/empty.pcap"
expect 2 "$highport" flows "$work/empty.pcap"
contains "$work/err" "highport flows: $work/empty.pcap: the file is empty"
head -c 24 "$data/capture/netns_lo_ethernet.pcap" >"$work/no-packets.pcap"
head -4 "$data/pfirewall/standard17.log" >"$work/headers-only.log"
expect 2 "$highport" flows "$work/no-packets.pcap" "$work/headers-only.log"
contains "$work/err" "no traffic and no inventory in $work/no-packets.pcap, $work/headers-only.log: nothing to analyse"
printf 'neither a capture nor a log\n' >"$work/junk.txt"
expect 2 "$highport" flows - <"$work/junk.txt"
contains "$work/err" "highport flows: <stdin>: not a supported inventory format"

# A firewall log: ALLOW rows are connections, the initiator first.
expect 1 "$highport" flows --format json "$data/pfirewall/standard17.log"
jqe '.lost_events == 12 and .local_time' "lost events and local time"
jqe '[.flows[] | select(.port == 49671)][0] | .class == "problematic" and .client == "10.20.30.40" and .server == "10.20.1.5" and .server_by == "firewall" and .allowed == 1' \
  "ALLOW to 49671"
jqe '[.flows[] | select(.port == 135)][0] | .class == "fine" and .service != null' "135 is fine"
jqe '[.flows[] | select(.port == 3389)][0] | .dropped == 1 and .attempts == 1 and .connections == 0 and .server == "10.20.30.40"' \
  "a dropped SYN is an attempt"
expect 1 "$highport" flows "$data/pfirewall/standard17.log"
contains "$work/out" "12 events, flow records or NetFlow v9 export packets were lost at the source (firewall INFO-EVENTS-LOST rows"
contains "$work/out" "dynamic tcp/49671: used by 10.20.30.40"

# --problematic and --server filter; CSV has one row per flow.
expect 1 "$highport" flows --problematic --format json "$data/pfirewall/standard17.log"
jqe '(.flows | length) > 0 and all(.flows[]; .class == "problematic")' "--problematic"
expect 0 "$highport" flows --server 10.20.30.40 --format json "$data/pfirewall/standard17.log"
jqe '(.flows | length) > 0 and all(.flows[]; .server == "10.20.30.40")' "--server"
# The address as netstat may write it: IPv4-mapped, or with a zone.
expect 0 "$highport" flows --server ::ffff:10.20.30.40 --format json "$data/pfirewall/standard17.log"
jqe '(.flows | length) > 0 and all(.flows[]; .server == "10.20.30.40")' "--server ::ffff:10.20.30.40"
expect 0 "$highport" flows --server 10.99.99.99 "$data/pfirewall/standard17.log"
contains "$work/err" "no flow has server 10.99.99.99 in this evidence"
expect 1 "$highport" flows --format csv "$data/pfirewall/standard17.log"
[ "$(head -n 1 "$work/out" | tr -d '\r')" = "class,client,server,proto,port,dynamic,server_by,what,first_seen,last_seen,connections,allowed,dropped,attempts,packets,bytes,evidence" ] ||
  fail "CSV header: $(head -n 1 "$work/out")"

# A netstat of the server decides the server side before anything else: the
# reply direction of a connection to its listener on 52000 is seen first.
cat >"$work/netstat.txt" <<'EOF'
Active Connections

  Proto  Local Address          Foreign Address        State           PID
  TCP    0.0.0.0:52000          0.0.0.0:0              LISTENING       4242
  TCP    10.20.1.5:52000        10.20.30.40:50123      ESTABLISHED     4242
EOF
cat >"$work/fw.log" <<'EOF'
#Version: 1.5
#Software: Microsoft Windows Firewall
#Time Format: Local
#Fields: date time action protocol src-ip dst-ip src-port dst-port size tcpflags tcpsyn tcpack tcpwin icmptype icmpcode info path
2023-03-14 10:00:00 DROP TCP 10.20.1.5 10.20.30.40 52000 50123 60 SA 1 2 512 - - - SEND
EOF
expect 1 "$highport" flows --format json "$work/netstat.txt" "$work/fw.log"
jqe '.flows[0] | .server == "10.20.1.5" and .port == 52000 and .server_by == "listener"' "listener decides"

# A service seen on different ports over time makes them dynamic, even
# outside the dynamic range: app01's agent (a folder per day, pids joined
# with that day's tasklist) listened on 5011, and on 5013 after a restart
# (5003, the catalog's FileMaker, would stay a known static service).
for day in day1 day2; do
  mkdir -p "$work/app01/$day"
  case $day in day1) port=5011 pid=2200 ;; day2) port=5013 pid=2316 ;; esac
  cat >"$work/app01/$day/netstat-ano.txt" <<EOF

Active Connections

  Proto  Local Address          Foreign Address        State           PID
  TCP    0.0.0.0:135            0.0.0.0:0              LISTENING       908
  TCP    0.0.0.0:$port           0.0.0.0:0              LISTENING       $pid
  TCP    10.20.1.7:$port         10.20.30.40:50200      ESTABLISHED     $pid
EOF
  cat >"$work/app01/$day/tasklist-svc.txt" <<EOF

Image Name                     PID Services
========================= ======== ============================================
svchost.exe                    908 RpcEptMapper, RpcSs
agent.exe                     $pid AgentSvc
EOF
done
cat >"$work/app01.log" <<'EOF'
#Version: 1.5
#Software: Microsoft Windows Firewall
#Time Format: Local
#Fields: date time action protocol src-ip dst-ip src-port dst-port size tcpflags tcpsyn tcpack tcpwin icmptype icmpcode info path
2023-03-14 10:00:00 ALLOW TCP 10.20.30.40 10.20.1.7 50200 5011 0 - - - - - - - RECEIVE
2023-03-15 10:00:00 ALLOW TCP 10.20.30.40 10.20.1.7 50201 5013 0 - - - - - - - RECEIVE
EOF
expect 1 "$highport" flows --format json "$work/app01" "$work/app01.log"
jqe '[.flows[] | select(.server == "10.20.1.7") | [.port, .class, .dynamic]] == [[5011, "problematic", true], [5013, "problematic", true]]' \
  "the agent's ports, 5011 and then 5013, are dynamic"
jqe 'any(.flows[]; .port == 5013 and .owner == "agent.exe (AgentSvc)")' "the moved port's owner is named"
# One day alone shows no move: 5013 is a fixed high port then (restricted).
expect 0 "$highport" flows --format json "$work/app01/day2" "$work/app01.log"
jqe '[.flows[] | select(.port == 5013)][0] | .class == "restricted" and .dynamic == false' "one inventory: no move"

# A newer firewall log's pid column names the process that accepted each
# connection: dc02's netstat (taken later) no longer shows 49712 or 49670,
# but its log's RECEIVE rows do, with pids that the tasklist of the same
# folder names. A pid that list does not name stays a pid; 49670 had two
# owners over the log's time; a SEND row's pid is dc02's own client program,
# not the remote server's; the same pid in another host's folder is another
# process (no join across folders).
mkdir -p "$work/dc02" "$work/ws07"
cat >"$work/dc02/netstat-ano.txt" <<'EOF'

Active Connections

  Proto  Local Address          Foreign Address        State           PID
  TCP    0.0.0.0:135            0.0.0.0:0              LISTENING       960
  TCP    0.0.0.0:49668          0.0.0.0:0              LISTENING       712
  TCP    0.0.0.0:49671          0.0.0.0:0              LISTENING       960
  TCP    10.0.0.11:49668        10.0.1.23:50007        ESTABLISHED     712
EOF
cat >"$work/dc02/tasklist-svc.txt" <<'EOF'

Image Name                     PID Services
========================= ======== ============================================
System                           4 N/A
lsass.exe                      712 Kdc, KeyIso, Netlogon, NTDS, SamSs
svchost.exe                    960 RpcEptMapper, RpcSs
svchost.exe                   1720 Winmgmt
EOF
fields='#Fields: date time action protocol src-ip dst-ip src-port dst-port size tcpflags tcpsyn tcpack tcpwin icmptype icmpcode info path pid'
cat >"$work/dc02/pfirewall.log" <<EOF
#Version: 1.5
#Software: Microsoft Windows Firewall
#Time Format: Local
$fields
2026-12-01 08:00:00 ALLOW TCP 10.0.0.30 10.0.0.11 50001 49712 0 - 0 0 0 - - - RECEIVE 1720
2026-12-01 08:00:05 ALLOW TCP 10.0.0.30 10.0.0.11 50002 49712 0 - 0 0 0 - - - RECEIVE 1720
2026-12-01 08:01:00 ALLOW TCP 10.0.1.21 10.0.0.11 50003 49670 0 - 0 0 0 - - - RECEIVE 712
2026-12-01 09:30:00 ALLOW TCP 10.0.1.22 10.0.0.11 50004 49670 0 - 0 0 0 - - - RECEIVE 5120
2026-12-01 08:02:00 ALLOW TCP 10.0.0.11 10.0.0.12 50005 49690 0 - 0 0 0 - - - SEND 960
2026-12-01 08:03:00 ALLOW TCP 10.0.0.30 10.0.0.11 50006 445 0 - 0 0 0 - - - RECEIVE 4
2026-12-01 08:04:00 ALLOW TCP 10.0.1.23 10.0.0.11 50007 49668 0 - 0 0 0 - - - RECEIVE 712
2026-12-01 08:05:00 ALLOW TCP 10.0.1.24 10.0.0.11 50008 49669 0 - 0 0 0 - - - RECEIVE 0
2026-12-01 08:06:00 ALLOW TCP 10.0.1.24 10.0.0.11 50009 49671 0 - 0 0 0 - - - RECEIVE 1720
EOF
cat >"$work/ws07/tasklist-svc.txt" <<'EOF'

Image Name                     PID Services
========================= ======== ============================================
chrome.exe                    1720 N/A
EOF
cat >"$work/ws07/pfirewall.log" <<EOF
#Version: 1.5
#Software: Microsoft Windows Firewall
#Time Format: Local
$fields
2026-12-01 08:00:00 ALLOW TCP 10.0.0.40 10.0.0.17 50001 49800 0 - 0 0 0 - - - RECEIVE 1720
2026-12-01 08:00:00 ALLOW TCP 10.0.0.40 10.0.0.17 50002 49801 0 - 0 0 0 - - - RECEIVE 1720
2026-12-01 08:00:01 ALLOW TCP 10.0.0.40 10.0.0.17 50003 5985 0 - 0 0 0 - - - RECEIVE 4
EOF
expect 1 "$highport" flows --format json "$work/dc02" "$work/ws07"
owner() { jq -r --argjson p "$1" '[.flows[] | select(.port == $p)][0].owner' "$work/out"; }
[[ $(owner 49712) == "svchost.exe (Winmgmt)" ]] || fail "49712's owner from the log's pid: $(owner 49712)"
[[ $(owner 49670) == "lsass.exe (Kdc, KeyIso, Netlogon, NTDS, SamSs) or pid 5120" ]] ||
  fail "49670's two owners: $(owner 49670)"
[[ $(owner 49668) == "lsass.exe (Kdc, KeyIso, Netlogon, NTDS, SamSs)" ]] ||
  fail "the netstat's listener, the same process as the log's: $(owner 49668)"
[[ $(owner 49671) == "svchost.exe (RpcEptMapper, RpcSs) or svchost.exe (Winmgmt)" ]] ||
  fail "the netstat's listener first, then the log's other process: $(owner 49671)"
[[ $(owner 49669) == null ]] || fail "pid 0 is no process: $(owner 49669)"
[[ $(owner 49690) == null ]] || fail "a SEND row's pid named the remote server's port: $(owner 49690)"
[[ $(owner 445) == "System" ]] || fail "pid 4 is System: $(owner 445)"
[[ $(owner 49800) == "chrome.exe" ]] || fail "ws07's pid 1720 is its own process, not dc02's svchost: $(owner 49800)"
[[ $(owner 5985) == "System" ]] || fail "pid 4 is System without a process list too: $(owner 5985)"
expect 1 "$highport" flows "$work/dc02"
contains "$work/out" "svchost.exe (Winmgmt)"
# The same from a database: the pids and the process lists are stored.
expect 0 "$highport" ingest --db "$work/pids.db" "$work/dc02" "$work/ws07"
expect 1 "$highport" flows --format json --db "$work/pids.db"
[[ $(owner 49670) == "lsass.exe (Kdc, KeyIso, Netlogon, NTDS, SamSs) or pid 5120" ]] ||
  fail "49670's two owners, from the database: $(owner 49670)"
[[ $(owner 49800) == "chrome.exe" ]] || fail "ws07's pid from the database: $(owner 49800)"
# A file named by a relative path beside the database's stored (absolute) process list.
rm -f "$work/inv.db"
expect 0 "$highport" ingest --db "$work/inv.db" "$work/dc02/tasklist-svc.txt"
(cd "$work" && "$highport" flows --format json --db inv.db dc02/pfirewall.log >"$work/out" 2>"$work/err")
[[ $(owner 49712) == "svchost.exe (Winmgmt)" ]] || fail "a relative log and the stored list: $(owner 49712)"

# The log copied off dc02 each day: day2's copy is day1's grown. Its rows up
# to day1's last line count once, from day1, whose pids join day1's process
# list (day2's was taken after a reboot: pid 1720 is another process then).
# The same process list in two folders is each folder's own.
mkdir -p "$work/daily/dc02/day1" "$work/daily/dc02/day2"
cp "$work/dc02/pfirewall.log" "$work/daily/dc02/day1/"
{ cat "$work/dc02/pfirewall.log"; echo "2026-12-02 08:00:00 ALLOW TCP 10.0.0.31 10.0.0.11 50100 49712 0 - 0 0 0 - - - RECEIVE 1720"; } \
  >"$work/daily/dc02/day2/pfirewall.log"
cp "$work/dc02/tasklist-svc.txt" "$work/daily/dc02/day1/"
sed 's/svchost.exe                   1720 Winmgmt/dfsrs.exe                     1720 DFSR/' "$work/dc02/tasklist-svc.txt" \
  >"$work/daily/dc02/day2/tasklist-svc.txt"
expect 1 "$highport" flows --format json "$work/daily"
jqe '[.flows[] | select(.port == 49712)] | map(.connections) | add == 3' "a grown copy's old rows count once"
jqe '[.flows[] | select(.port == 49712 and .client == "10.0.0.30")][0].evidence | all(contains("/day1/"))' \
  "the old rows are day1's"
[[ $(owner 49712) == "svchost.exe (Winmgmt) or dfsrs.exe (DFSR)" ]] ||
  fail "day1's rows join day1's list, day2's new row day2's: $(owner 49712)"
contains "$work/err" "its first 13 line(s) are $work/daily/dc02/day1/pfirewall.log"
cp "$work/daily/dc02/day1/tasklist-svc.txt" "$work/daily/dc02/day2/tasklist-svc.txt"
expect 1 "$highport" flows --format json "$work/daily"
[[ $(owner 49712) == "svchost.exe (Winmgmt)" ]] || fail "a process list identical to the other folder's is read: $(owner 49712)"

# A log the firewall is still writing ends in half a row ("RECEIVE 21" of
# pid 2172): it is left out with a note, as ingest leaves it for next time.
mkdir -p "$work/live"
{ cat "$work/dc02/pfirewall.log"; printf '2026-12-01 09:00:00 ALLOW TCP 10.0.0.30 10.0.0.11 50200 49999 0 - 0 0 0 - - - RECEIVE 21'; } \
  >"$work/live/pfirewall.log"
expect 1 "$highport" flows --format json "$work/live/pfirewall.log"
jqe 'all(.flows[]; .port != 49999)' "the half-written last row is left out"
contains "$work/err" "$work/live/pfirewall.log:14: note: the last line has no line end"
# A pipe that ended is whole: its last line, without a line end, is a row.
printf '%s' "$(cat "$work/dc02/pfirewall.log")" >"$work/no-final-newline.log"
expect 1 "$highport" flows --format json - <"$work/no-final-newline.log"
jqe 'any(.flows[]; .port == 49671)' "the last row of a pipe is read"

# A host's dynamic range from `netsh int ipv4 show dynamicport tcp` in its
# folder (a file with no address in it) is that host's: 12345 is in it, so a
# connection there is problematic; plan keeps its RPC range clear of it.
mkdir -p "$work/rng/dc03"
cp "$work/dc02/netstat-ano.txt" "$work/dc02/tasklist-svc.txt" "$work/rng/dc03/"
printf '\r\nProtocol tcp Dynamic Port Range\r\n---------------------------------\r\nStart Port      : 10000\r\nNumber of Ports : 10000\r\n\r\n' \
  >"$work/rng/dc03/netsh-dynamicport-tcp.txt"
cat >"$work/rng/dc03/pfirewall.log" <<EOF
#Version: 1.5
#Software: Microsoft Windows Firewall
#Time Format: Local
$fields
2026-12-01 08:00:00 ALLOW TCP 10.0.0.30 10.0.0.11 50001 12345 0 - 0 0 0 - - - RECEIVE 1720
2026-12-01 08:00:01 ALLOW TCP 10.0.0.30 10.0.0.11 50002 135 0 - 0 0 0 - - - RECEIVE 960
EOF
expect 1 "$highport" flows --format json "$work/rng/dc03"
jqe '[.flows[] | select(.port == 12345)][0] | .class == "problematic" and .dynamic' "the folder's netsh range makes 12345 dynamic"
expect 0 "$highport" plan "$work/rng/dc03" -o "$work/rng/plan.json"
jq -e '.hosts[0].tcp_ephemeral_range == "10000-19999" and (.ranges[0].range | split("-") | map(tonumber) | .[0] > 19999 or .[1] < 10000)' \
  "$work/rng/plan.json" >/dev/null || fail "plan: the host's range and an RPC range clear of it: $(jq -c '[.hosts[0].tcp_ephemeral_range, .ranges[0].range]' "$work/rng/plan.json")"

# Bad input: a file of no known kind is an error that names what was tried; the rest is read.
printf 'hello\n' >"$work/hello.txt"
expect 2 "$highport" flows "$work/hello.txt" "$data/pfirewall/standard17.log"
contains "$work/err" "hello.txt: not a supported inventory format"
contains "$work/out" "problematic"
expect 2 "$highport" flows "$work/missing.pcap"
contains "$work/err" "missing.pcap: No such file or directory"
# Bad rows in a firewall log are reported with file:line and skipped.
expect 0 "$highport" flows "$data/pfirewall/bad_rows.log"
grep -q "bad_rows.log:[0-9]*:" "$work/err" || fail "bad rows are reported as file:line: $(head -c 300 "$work/err")"

# The example network (examples/README.md): firewall logs of dc01 and fs01,
# the core switch's NetFlow, the servers' inventories and rpcdumps. Every row
# and packet reads; mon01's WMI polls and the clients' Netlogon and LSA calls
# are problematic, named by the endpoint mapper where it knows the port.
expect 1 "$highport" flows --format json "$root"/examples/*/*
jqe '.observations > 5000 and .lost_events == 0 and ([.findings[] | select(.id != "pfirewall.local_time")] | length) == 0' \
  "the example network reads without a skipped row or packet"
[ -s "$work/err" ] && grep -q -i 'skipped' "$work/err" && fail "skipped records: $(cat "$work/err")"
jqe 'any(.flows[]; .class == "problematic" and .client == "10.0.0.30" and .server == "10.0.0.10" and .port == 49712 and .server_by == "listener" and .connections == 288)' \
  "mon01 -> dc01 WMI (Winmgmt's DCOM port) every 5 minutes, problematic"
jqe 'any(.flows[]; .port == 49712 and .interfaces == [] and .owner == "svchost.exe (Winmgmt)")' \
  "WMI's port, which no endpoint mapper lists, is named by the listener in dc01's netstat and tasklist"
jqe 'all(.flows[] | select(.server == "10.0.0.99"); .owner == null)' "no owner where no inventory says"
jqe 'any(.flows[]; .class == "problematic" and .client == "10.0.0.30" and .port == 49666 and .interfaces == ["even6"])' \
  "mon01 reads dc01's event log over MS-EVEN6, named by rpcdump"
jqe '[.flows[] | select(.server == "10.0.0.10" and .port == 49668 and .class == "problematic") | .client] == ["10.0.0.20", "10.0.1.21", "10.0.1.22", "10.0.1.23", "10.0.1.24"]' \
  "fs01 and the workstations use Netlogon on dc01's dynamic port"
jqe 'all(.flows[] | select(.port == 49668); .interfaces == ["drsuapi", "netlogon"])' "49668 named drsuapi, netlogon"
# fs01 -> dc01 LDAP: each connection is in both ends' logs (fs01's SEND,
# dc01's RECEIVE row) and counts once: as many as fs01's log has rows.
ldap=$(grep -c "ALLOW TCP 10.0.0.20 10.0.0.10 [0-9]* 389 .* SEND" "$root/examples/fs01/pfirewall.log")
[ "$ldap" -gt 0 ] || fail "fs01's log has no LDAP rows to dc01"
jqe "[.flows[] | select(.client == \"10.0.0.20\" and .server == \"10.0.0.10\" and .port == 389)][0] | .connections == $ldap and .allowed == $ldap" \
  "a connection both ends logged counts once"
jqe '.shared_connections > 0' "the JSON says how many connections two inputs both reported"
contains "$work/err" "connection(s) two inputs both reported, counted once"
# fs01's log drops nine SYNs (three attempts); the core switch saw the same
# attempts unanswered. Without --log-timezone the log's local time is an
# hour off NetFlow's UTC: the attempts are not the same minute's, and count
# apart.
jqe 'any(.flows[]; .client == "10.0.1.57" and .port == 1433 and .attempts >= 3 and .dropped == 9 and .connections == 0)' "nb07's dropped SQL attempts"
# The guest network's port sweep reaches the servers only as unanswered SYNs in
# the core switch's NetFlow: attempts, never connections.
jqe '[.flows[] | select(.client == "172.16.50.23")] | length > 0 and all(.connections == 0 and .attempts > 0)' \
  "the guest scanner's SYNs are attempts, not connections"

# fs01's log is in local time (UTC+1 in November); NetFlow is UTC. With
# --log-timezone the log's times become UTC and agree with the core switch's.
expect 1 "$highport" flows "$root/examples/fs01/pfirewall.log" --format json -o "$work/local.json"
expect 1 "$highport" flows "$root/examples/fs01/pfirewall.log" --log-timezone Europe/Berlin --format json -o "$work/utc.json"
first() { jq -r '.flows[] | select(.client == "10.0.1.57" and .port == 1433) | .first_seen' "$1"; }
[ "$(first "$work/local.json")" = "2026-11-30 09:41:10" ] || fail "nb07's first try in fs01's local time: $(first "$work/local.json")"
[ "$(first "$work/utc.json")" = "2026-11-30 08:41:10" ] || fail "nb07's first try in UTC: $(first "$work/utc.json")"
"$highport" flows "$root/examples/network/netflow-core.pcap" --format json -o "$work/netflow.json" 2>/dev/null
[ "$(first "$work/netflow.json")" = "$(first "$work/utc.json")" ] || fail "NetFlow and the converted log disagree: $(first "$work/netflow.json")"
jq -e '.local_time == false' "$work/utc.json" >/dev/null || fail "converted times still said to be local"
# The table says which times are which when the log's and NetFlow's meet.
expect 1 "$highport" flows "$root/examples/fs01/pfirewall.log" "$root/examples/network/netflow-core.pcap"
contains "$work/out" "Times are the firewall logs' local time, the captures' and NetFlow's UTC"
expect 1 "$highport" flows "$root/examples/fs01/pfirewall.log"
contains "$work/out" "Times are the firewall log's local time."
expect 2 "$highport" flows "$root/examples/fs01/pfirewall.log" --log-timezone Mars/Olympus
contains "$work/err" "--log-timezone: 'Mars/Olympus' is neither an offset"

# Two hosts' process lists copied flat into one folder, disagreeing on a
# pid: pids there are named from one of them, and the user is told.
mkdir -p "$work/flat"
cp "$root/examples/dc01/tasklist-svc.txt" "$work/flat/dc01-tasklist.txt"
cp "$root/examples/dc01/netstat-ano.txt" "$work/flat/dc01-netstat.txt"
lsass=$(awk 'tolower($1) == "lsass.exe" { print $2; exit }' "$work/flat/dc01-tasklist.txt")
printf '\r\nImage Name                     PID Services\r\n========================= ======== ============================================\r\nsqlservr.exe                %5s MSSQLSERVER\r\n' "$lsass" >"$work/flat/sql01-tasklist.txt"
expect 1 "$highport" flows "$work/flat" "$root/examples/dc01/pfirewall.log"
contains "$work/err" "$work/flat/sql01-tasklist.txt: it says pid $lsass is sqlservr.exe (MSSQLSERVER), $work/flat/dc01-tasklist.txt in the same folder says lsass.exe"

# The same log given twice (or a copy under another name) is read once.
cp "$root/examples/dc01/pfirewall.log" "$work/copy-of-pfirewall.log"
"$highport" flows "$root/examples/dc01/pfirewall.log" --format json -o "$work/once.json" 2>/dev/null
expect 1 "$highport" flows "$root/examples/dc01/pfirewall.log" "$work/copy-of-pfirewall.log" --format json -o "$work/twice.json"
contains "$work/err" "the same content as $root/examples/dc01/pfirewall.log: read once"
jq -S '.flows' "$work/once.json" > "$work/a"; jq -S '.flows' "$work/twice.json" > "$work/b"
cmp -s "$work/a" "$work/b" || fail "a log given twice changed the flows: $(diff "$work/a" "$work/b" | head -5)"
# So is a small capture (below the 64 KiB first compared), given twice.
cp "$data/capture/netns_lo_ethernet.pcap" "$work/copy.pcap"
expect 0 "$highport" flows "$data/capture/netns_lo_ethernet.pcap" "$work/copy.pcap"
contains "$work/err" "$work/copy.pcap: note: the same content as $data/capture/netns_lo_ethernet.pcap: read once"
contains "$work/err" "highport flows: 1 input(s)"

# An archive beside the files it holds (a tar keeps them as plain text a
# probe would take for a log): left out, said so, and nothing counted twice.
mkdir -p "$work/packed/dc01"
cp "$root/examples/dc01/pfirewall.log" "$work/packed/dc01/"
tar cf "$work/packed/dc01-logs.tar" -C "$work/packed" dc01
gzip -c "$root/examples/dc01/pfirewall.log" >"$work/packed/pfirewall.log.gz"
expect 1 "$highport" flows --format json "$work/packed/dc01/pfirewall.log"
jq -S '.flows' "$work/out" >"$work/alone.json"
expect 1 "$highport" flows --format json "$work/packed"
jq -S '.flows' "$work/out" >"$work/packed.json"
cmp -s "$work/alone.json" "$work/packed.json" || fail "an archive beside the log changed the flows: $(diff "$work/alone.json" "$work/packed.json" | head -4)"
contains "$work/err" "not evidence highport reads, left out: $work/packed/dc01-logs.tar (a tar archive: unpack it first), $work/packed/pfirewall.log.gz (a gzip-compressed file: unpack it first)"
expect 2 "$highport" flows "$work/packed/dc01-logs.tar"
contains "$work/err" "dc01-logs.tar: a tar archive: unpack it first"

# Two moments of one host that show two owners of one port: both named, in
# whichever order the folders are given.
mkdir -p "$work/owners/app01/day1" "$work/owners/app01/day2" "$work/owners/logs"
for day in 1 2; do
  pid=$((day * 1000)); other=$((3000 - pid))
  printf '\r\nActive Connections\r\n\r\n  Proto  Local Address          Foreign Address        State           PID\r\n  TCP    0.0.0.0:49700          0.0.0.0:0              LISTENING       %s\r\n  TCP    10.0.0.40:49700        10.0.1.21:50001        ESTABLISHED     %s\r\n' \
    "$pid" "$pid" >"$work/owners/app01/day$day/netstat-ano.txt"
  printf '\r\nImage Name                     PID Services\r\n========================= ======== ============================================\r\nsvchost.exe                   1000 Winmgmt\r\nsvchost.exe                   2000 Schedule\r\n' \
    >"$work/owners/app01/day$day/tasklist-svc.txt"
done
{
  printf '#Version: 1.5\r\n#Software: Microsoft Windows Firewall\r\n#Time Format: Local\r\n'
  printf '#Fields: date time action protocol src-ip dst-ip src-port dst-port size tcpflags tcpsyn tcpack tcpwin icmptype icmpcode info path\r\n'
  printf '2026-12-03 10:00:00 ALLOW TCP 10.0.1.21 10.0.0.40 50001 49700 0 - 0 0 0 - - - RECEIVE\r\n'
} >"$work/owners/logs/pfirewall.log"
for order in "day1 day2" "day2 day1"; do
  set -- $order
  expect 1 "$highport" flows "$work/owners/app01/$1" "$work/owners/app01/$2" "$work/owners/logs"
  contains "$work/out" "svchost.exe (Schedule) or svchost.exe (Winmgmt)"
done

# Standard output on a full disk: the report is not whole, and the exit
# status says so (a script must not take a cut report for a clean one).
if [ -w /dev/full ]; then
  status=0
  "$highport" flows --format json "$root/examples/dc01/pfirewall.log" >/dev/full 2>"$work/err" || status=$?
  [ "$status" -eq 2 ] || fail "flows > /dev/full exited $status, expected 2"
  contains "$work/err" "standard output: write failed"
fi

# libpcap is loaded when the first capture is read, not at startup (the
# binary does not need it, nor Graphviz). Where it cannot be loaded (here a
# broken file of its name found first), a capture fails with the reason and
# the other inputs are still read.
needed=$(objdump -p "$highport" | awk '$1 == "NEEDED" { print $2 }')
case $needed in *libpcap* | *libgvc* | *libcgraph*) fail "loaded at startup: $(echo $needed)" ;; esac
soname=$(broken_library "$highport" libpcap "$work/nolib")
if [ -z "$soname" ]; then
  fail "no libpcap SONAME in $highport"
else
  LD_LIBRARY_PATH=$work/nolib expect 2 "$highport" flows --format json \
    "$root/examples/network/netflow-core.pcap" "$data/pfirewall/standard17.log"
  contains "$work/err" "netflow-core.pcap: reading captures needs libpcap, which could not be loaded: $work/nolib/$soname"
  jqe '[.flows[] | select(.port == 49671)] | length == 1' "the log read without libpcap"
fi

if [ "$failures" -gt 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all flows CLI checks passed"
