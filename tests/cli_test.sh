#!/usr/bin/env bash
# The highport command line as a user meets it: help, version, typos, exit
# codes, every output format, standard input, and bad input on the example hosts.
# usage: tests/cli_test.sh PATH_TO_HIGHPORT
set -uo pipefail
highport=$1
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source "$root/tests/lib/check.sh"
# The example hosts' socket inventories and process lists (their firewall
# logs are traffic, which inventory does not read).
dc01=("$root"/examples/dc01/{netsh-dynamicport-tcp,netstat-ano,rpcdump,tasklist-svc}.txt)
fs01=("$root"/examples/fs01/{netstat-ano,rpcdump,tasklist-svc}.txt)

expect 0 "$highport" --help
contains "$work/out" "inventory"
contains "$work/out" "Exit codes: 0 fine, 1 findings"
expect 0 "$highport" --version
grep -qE '^highport [0-9]+\.[0-9]+\.[0-9]+$' "$work/out" || fail "--version printed '$(cat "$work/out")'"
expect 2 "$highport"
expect 2 "$highport" inventroy x
contains "$work/err" "'inventroy' is not a command. Did you mean 'inventory'?"
expect 2 "$highport" frobnicate
grep -q "Did you mean" "$work/err" && fail "a far-off word got a suggestion: $(cat "$work/err")"
expect 0 "$highport" help inventory
contains "$work/out" "--input-format"
contains "$work/out" "getnet-csv"
expect 2 "$highport" inventory --format xml "$root/examples/dc01/netstat-ano.txt"
expect 2 "$highport" inventory
contains "$work/err" "give input files or --live"

# The example DC: netstat joined with tasklist, dynamic lsass ports to act on,
# and Winmgmt's own svchost on 49712 (WMI, polled by mon01).
expect 1 "$highport" inventory --host dc01 "$root"/examples/dc01/netstat-ano.txt "$root"/examples/dc01/tasklist-svc.txt
contains "$work/out" "Host dc01: 52 listeners (38 TCP, 14 UDP)"
contains "$work/out" "LSA RPC on a dynamic port (pin or fence)"
contains "$work/out" "Kdc,KeyIso,Netlogon,NTDS,SamSs"
contains "$work/out" "pin it: dfsrdiag StaticRPC"
[ -s "$work/err" ] && fail "clean input wrote to stderr: $(cat "$work/err")"

# JSON: the documented shape, PIDs joined with services.
expect 1 "$highport" inventory --format json --host dc01 "${dc01[@]}"
jq -e '.host == "dc01" and (.listeners | length) == 52 and (.skipped | length) == 0 and .dynamic_range.known' "$work/out" >/dev/null ||
  fail "dc01 JSON summary: $(jq -c '{host, n: (.listeners|length), skipped}' "$work/out")"
jq -e '.listeners[] | select(.proto == "tcp" and .port == 135 and .address == "0.0.0.0")
       | .pid == 960 and .process == "svchost.exe" and .services == ["RpcEptMapper","RpcSs"]
         and .port_class == "well-known" and .state == "LISTEN" and .verdict.id == "epmap"' \
  "$work/out" >/dev/null || fail "dc01 135 in JSON"
# The example's rpcdump names the RPC interfaces behind lsass's dynamic ports.
jq -e '[.listeners[] | select(.proto == "tcp" and .port == 49668 and .address == "0.0.0.0")][0]
       | (.rpc_interfaces | index("drsuapi") != null and index("netlogon") != null) and .verdict.id == "lsa-rpc-dynamic"' \
  "$work/out" >/dev/null || fail "dc01 49668 should carry drsuapi and netlogon from rpcdump"
jq -e '[.listeners[] | select(.allocation == "dynamic" and .proto == "tcp")] | length == 14' "$work/out" >/dev/null ||
  fail "dc01 should have 14 dynamic TCP listeners"
jq -e '.listeners[] | select(.port == 49712) | .process == "svchost.exe" and .services == ["Winmgmt"] and .verdict.severity == "act"' \
  "$work/out" >/dev/null || fail "dc01 49712 should be Winmgmt's svchost, to act on"

# The German file server: CP850 netstat, German tasklist, FileMaker on 5003.
expect 1 "$highport" inventory --format json --host fs01 "${fs01[@]}"
jq -e '(.listeners | length) == 22 and (.skipped | length) == 0' "$work/out" >/dev/null ||
  fail "fs01: $(jq -c '{n: (.listeners|length), skipped}' "$work/out")"
jq -e '.listeners[] | select(.port == 5003) | .process == "fmserver.exe" and .verdict.id != "dynamic-unknown"' \
  "$work/out" >/dev/null || fail "fs01 FileMaker on 5003"
jq -e '.listeners[] | select(.port == 49156) | .process == "lsass.exe" and .verdict.id == "lsa-rpc-dynamic"' \
  "$work/out" >/dev/null || fail "fs01 lsass on 49156"

# CSV, -o, standard input.
expect 1 "$highport" inventory --format csv -o "$work/dc01.csv" "${dc01[@]}"
[ "$(head -n 1 "$work/dc01.csv" | tr -d '\r')" = "host,proto,address,port,pid,process,services,port_class,allocation,state,verdict,severity,summary,action,source" ] ||
  fail "CSV header: $(head -n 1 "$work/dc01.csv")"
[ "$(wc -l <"$work/dc01.csv")" -eq 53 ] || fail "CSV rows: $(wc -l <"$work/dc01.csv")"
expect 1 "$highport" inventory - <"$root/examples/dc01/netstat-ano.txt"
contains "$work/out" "52 listeners"

# Bad input: each bad line said with file:line, the rest still read.
{
  printf '  Proto  Local Address  Foreign Address  State  PID\n'
  printf '  TCP    0.0.0.0:445    0.0.0.0:0        LISTENING  4\n'
  printf 'this line is junk\n'
  printf '  TCP    0.0.0.0:70000  0.0.0.0:0        LISTENING  4\n'
  printf '  UDP    0.0.0.0:123    *:*                         1580\n'
} >"$work/bad.txt"
expect 0 "$highport" inventory "$work/bad.txt"
contains "$work/err" "$work/bad.txt:3: not a netstat row: 'this line is junk'"
contains "$work/err" "$work/bad.txt:4: local address '0.0.0.0:70000' is not a numeric address:port"
contains "$work/out" "2 listeners"
contains "$work/out" "2 input line(s) could not be read and were skipped"

# A file of no known format, and a missing file: exit 2, saying what was tried.
printf 'hello\nworld\n' >"$work/hello.txt"
expect 2 "$highport" inventory "$work/hello.txt" "$root/examples/dc01/netstat-ano.txt"
contains "$work/err" "hello.txt: not a supported inventory format (tried netstat, tasklist, getnet-csv, ss"
contains "$work/out" "52 listeners"
expect 2 "$highport" inventory "$work/does-not-exist.txt"
contains "$work/err" "does-not-exist.txt: No such file or directory"

# --legacy moves the dynamic range to 1025-5000.
expect 0 "$highport" inventory --legacy --format json "${fs01[@]}"
jq -e '.dynamic_range.tcp == "1025-5000" and ([.listeners[] | select(.port == 49156)][0].allocation == "static")' \
  "$work/out" >/dev/null || fail "--legacy range"

if [ "$failures" -gt 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all CLI checks passed"
