#!/usr/bin/env bash
# `highport plan` and `highport emit` as a user meets them, on the example
# network (examples/: the evidence an administrator collects from dc01, fs01,
# mon01 and the core switch)
# and on edited plans: help and usage errors, what the plan proposes for the
# examples, --host and --group, --diff, emit per format and --format all, and
# a hand-edited plan that emit refuses whole without writing a file.
# usage: tests/plan_cli_test.sh PATH_TO_HIGHPORT
set -uo pipefail
highport=$1
root=$(cd "$(dirname "$0")/.." && pwd)
examples=$root/examples
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source "$root/tests/lib/check.sh"
export SOURCE_DATE_EPOCH=1764892800

expect 0 "$highport" help plan
contains "$work/out" "--group"
expect 0 "$highport" help emit
contains "$work/out" "smbconf"
expect 2 "$highport" plan
expect 2 "$highport" plan --range 10-20 "$examples"/dc01/*
expect 2 "$highport" plan --group nonsense "$examples"/dc01/*
expect 2 "$highport" plan --host dc9 "$examples"/dc01/*
contains "$work/err" "no evidence of host(s) dc9; the evidence knows: dc01"
expect 2 "$highport" emit "$work/none.json" --format reg -o "$work/x"
expect 2 "$highport" emit "$work/none.json" --format word -o "$work/x"

# The example network: a Windows DC with rpcdump, netsh output and firewall
# log, a German file server with its firewall log, the monitoring server that
# polls both over WMI, and the core switch's NetFlow of the workstations.
expect 0 "$highport" plan "$examples"/*/* -o "$work/plan.json"
contains "$work/out" "plan written to"
cp "$work/plan.json" "$work/out"
jqe '.schema == "highport-plan" and .schema_version == 1 and .created == "2025-12-05T00:00:00Z"' "schema, version, SOURCE_DATE_EPOCH"
jqe '[.hosts[] | "\(.name) \(.role) \(.platform)"] == ["dc01 dc windows", "fs01 member windows", "mon01 member windows"]' "hosts by folder, role and platform"
# Each host serves dynamic RPC: dc01 and fs01 to mon01's WMI and the clients, mon01 (unsecapp) to their WMI callbacks.
jqe '[.ranges[] | .hosts[]] == ["dc01", "fs01", "mon01"]' "a range for each host that serves RPC"
# FileMaker listens on 5003 on fs01 (the first seed's example): the range keeps clear of it.
jqe 'all(.ranges[]; (.range | split("-") | map(tonumber)) as [$a, $b] | $a > 5003 and ($b - $a + 1) >= 100)' "ranges above 5003, at least 100 ports"
jqe 'all(.ranges[]; .avoided | any(.port == 5003 and (.what | test("FileMaker"))))' "FileMaker named as avoided"
jqe '.ranges[] | select(.hosts == ["dc01"]) | .observed_peak >= 2' "dc01's peak of concurrent RPC connections, from the NetFlow lifetimes"
jqe '[.pins[] | select(.host == "dc01") | .service] == ["NTDS", "Netlogon", "DFSR", "Winmgmt"]' "NTDS, Netlogon, DFSR and WMI pinned on dc01"
jqe 'any(.pins[]; .id == "pin:fs01:Winmgmt" and .port == 24158 and .kind == "wmi")' "WMI of fs01's shared svchost pinned to 24158"
jqe '.pins[0].port != .pins[1].port and all(.pins[]; .port >= 1024 and .port <= 49151)' "pinned ports distinct, 1024-49151"
jqe '.pins[] | select(.service == "Netlogon") | .key == "HKLM\\SYSTEM\\CurrentControlSet\\Services\\Netlogon\\Parameters" and .value_name == "DCTcpipPort"' "Netlogon's registry value"
jqe 'any(.minimise[]; .id == "minimise:fs01:Spooler" and .action == "disable")' "the spooler of a file server"
jqe 'all(.minimise[]; .service != "LanmanServer" and .service != "NTDS")' "nothing a role needs"

# The plan reads back; emit per format and all.
expect 0 "$highport" emit "$work/plan.json" --format reg -o "$work/reg"
[ -f "$work/reg/reg/dc01.reg" ] || fail "reg/dc01.reg not written"
head -c 2 "$work/reg/reg/dc01.reg" | od -An -tx1 | grep -q 'ff fe' || fail "dc01.reg has no UTF-16LE byte order mark"
expect 0 "$highport" emit "$work/plan.json" --format all -o "$work/all"
for f in README.txt reg/dc01.reg reg/dc01-rollback.reg admx/highport.admx admx/en-US/highport.adml \
         inf/sceregvl-lines.txt cmd/dc01.cmd cmd/fs01.cmd powershell/highport-apply.ps1; do
  [ -f "$work/all/$f" ] || fail "--format all did not write $f"
done
contains "$work/all/README.txt" "Restarts needed"
contains "$work/out" "file(s) written to"
# The traffic gives firewall rules: the RPC range and the endpoint mapper for
# the clients that used RPC, FileMaker for its two users, every flow covered.
cp "$work/plan.json" "$work/out"
jqe '.firewall.coverage == 1 and (.firewall.rules | length) > 10' "rules cover every observed flow"
jqe '.firewall.rules[] | select(.servers == ["10.0.0.10"] and .keyword == "RPC")
     | .ports == [.ports[0]] and (.clients | index("10.0.0.30/32") != null and index("10.0.0.20/32") != null)' "dc01's RPC rule: the range, for mon01 and fs01 among others"
jqe 'any(.firewall.rules[]; .servers == ["10.0.0.10"] and .keyword == "RPCEPMap" and .ports == ["135"])' "dc01's endpoint-mapper rule"
jqe 'any(.firewall.rules[]; .servers == ["10.0.0.20"] and .ports == ["5003"] and .clients == ["10.0.1.23/32", "10.0.1.24/32"])' "FileMaker for ws03 and ws04"
for f in advfirewall/highport-rules.cmd nftables/highport.nft; do
  [ -s "$work/all/$f" ] || fail "--format all did not write the firewall rules' $f"
done
# Nothing for the Samba format without Samba hosts.
expect 0 "$highport" emit "$work/plan.json" --format smbconf -o "$work/smb"
contains "$work/out" "nothing to write"

# --diff: the same plan, then a plan for dc01 alone and with another range.
expect 0 "$highport" plan --diff "$work/plan.json" "$work/plan.json"
contains "$work/out" "propose the same changes"
expect 0 "$highport" plan --host dc01 --range 6000-6199 "$examples"/*/* -o "$work/dc01.json"
expect 1 "$highport" plan --diff "$work/plan.json" "$work/dc01.json"
contains "$work/out" "- host fs01"
contains "$work/out" "- host mon01"
contains "$work/out" "~ range range:dc01"
contains "$work/out" "range: 5004-5103 -> 6000-6199"

# A hand-edited plan with mistakes: refused whole, every problem named, nothing written.
jq '.pins[0].port = 80 | .ranges[0].range = "7000-6000" | .hosts[0].role = "king"' \
  "$work/plan.json" >"$work/bad.json"
expect 2 "$highport" emit "$work/bad.json" --format all -o "$work/bad"
contains "$work/err" "/pins/0/port: 80 is outside 1024-65535"
contains "$work/err" "/ranges/0/range: '7000-6000' is not a port range"
contains "$work/err" "/hosts/0/role: 'king' is not one of"
[ ! -e "$work/bad" ] || fail "emit wrote files for a plan it refused"
printf '{"schema": "highport-plan",\n "schema_version": 1,\n oops}\n' >"$work/broken.json"
expect 2 "$highport" emit "$work/broken.json" --format reg -o "$work/broken"
contains "$work/err" "not JSON"
contains "$work/err" "line 3"
# Run inside a host's folder with bare file names: the host is the folder
# (mon01), its process list joins its netstat, as when the folder is given.
(cd "$examples/mon01" && "$highport" plan netstat-ano.txt tasklist-svc.txt -o "$work/inside.json" >/dev/null 2>&1)
"$highport" plan "$examples/mon01" -o "$work/outside.json" >/dev/null 2>&1
inside=$(jq -c '[.hosts[] | [.name, .platform]], [.minimise[].service]' "$work/inside.json" 2>/dev/null)
[ "$inside" = "$(jq -c '[.hosts[] | [.name, .platform]], [.minimise[].service]' "$work/outside.json")" ] &&
  [[ $inside == '[["mon01","windows"]]'* ]] || fail "plan inside mon01/ differs from plan mon01: $inside"

# From standard input.
expect 0 "$highport" emit - --format cmd -o "$work/stdin" <"$work/plan.json"
[ -f "$work/stdin/cmd/dc01.cmd" ] || fail "emit - did not read the plan from standard input"

echo "plan_cli: $failures failure(s)"
exit $((failures > 0))
