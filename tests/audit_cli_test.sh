#!/usr/bin/env bash
# `highport audit` as a user meets it: an evidence directory in, OUT_DIR out.
# It must write what the single commands write (report.html equal to
# `highport report`, plan.json equal to `highport plan` over the same files, apply/ equal to `highport emit --format all`,
# flows.json equal to `highport flows --format json`), name the files it left
# out, replace its own apply/ (no stale file survives) and refuse to delete an
# apply/ it did not write.
# usage: tests/audit_cli_test.sh PATH_TO_HIGHPORT
set -uo pipefail
highport=$1
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source "$root/tests/lib/check.sh"
export SOURCE_DATE_EPOCH=1764892800

expect 0 "$highport" help audit
contains "$work/out" "report.html"
expect 2 "$highport" audit -o "$work/none"
expect 2 "$highport" audit "$root/examples"
expect 2 "$highport" audit "$work/missing.log" -o "$work/none"

# An evidence folder as an administrator hands it over: host folders, and a
# note that is no evidence.
mkdir -p "$work/evidence"
cp -r "$root/examples/dc01" "$root/examples/fs01" "$work/evidence/"
printf 'collected on Monday by J.\n' >"$work/evidence/NOTES.txt"
mkdir -p "$work/evidence/.cache" && printf 'junk\n' >"$work/evidence/.cache/x"

expect 0 "$highport" audit "$work/evidence" -o "$work/a"
contains "$work/out" "RPC range:"
contains "$work/out" "apply/README.txt"
contains "$work/err" "left out: $work/evidence/NOTES.txt"
grep -q ".cache" "$work/err" && fail "a hidden directory was read: $(cat "$work/err")"
for f in report.html plan.json flows.json flows.csv apply/README.txt; do
  [ -s "$work/a/$f" ] || fail "audit did not write $f"
done

# The same as the single commands over the same files (in the same order:
# a directory is read in name order).
mapfile -t files < <(find "$work/evidence" -path '*/.*' -prune -o -type f ! -name NOTES.txt -print | LC_ALL=C sort)
"$highport" plan "${files[@]}" -o "$work/plan.json" >/dev/null 2>&1
jq -S 'del(.inputs)' "$work/plan.json" >"$work/p1"
jq -S 'del(.inputs)' "$work/a/plan.json" >"$work/p2"
cmp -s "$work/p1" "$work/p2" || fail "audit's plan.json differs from highport plan's: $(diff "$work/p1" "$work/p2" | head -20)"
jq -e --arg d "$work/evidence" '.inputs == [$d]' "$work/a/plan.json" >/dev/null || fail "plan.json's inputs: $(jq -c .inputs "$work/a/plan.json")"
"$highport" emit "$work/a/plan.json" --format all -o "$work/emitted" >/dev/null
diff -r "$work/emitted" "$work/a/apply" >/dev/null || fail "apply/ differs from emit --format all: $(diff -r "$work/emitted" "$work/a/apply" | head -5)"
"$highport" flows "${files[@]}" --format json -o "$work/flows.json" 2>/dev/null
cmp -s "$work/flows.json" "$work/a/flows.json" || fail "flows.json differs from highport flows --format json"

"$highport" report "$work/evidence" -o "$work/report.html" >/dev/null 2>&1
cmp -s "$work/report.html" "$work/a/report.html" || fail "report.html differs from highport report's"
grep -q "<svg" "$work/a/report.html" || fail "report.html has no map"
# WMI's port is in no endpoint-mapper listing: the report names the listener (dc01's netstat + tasklist).
grep -q 'tcp/49712</td><td>svchost.exe (Winmgmt)' "$work/a/report.html" ||
  fail "the problematic flow to WMI's port 49712 does not name svchost.exe (Winmgmt)"

# Run again: a stale file in apply/ is gone, the rest is the same.
touch "$work/a/apply/stale.reg"
expect 0 "$highport" audit "$work/evidence" -o "$work/a"
[ -e "$work/a/apply/stale.reg" ] && fail "a file of an older apply/ survived the next audit"
diff -r "$work/emitted" "$work/a/apply" >/dev/null || fail "apply/ differs after the second audit"

# An apply/ that highport did not write is left alone, and the run fails.
mkdir -p "$work/b/apply" && printf 'mine\n' >"$work/b/apply/mine.txt"
expect 2 "$highport" audit "$work/evidence" -o "$work/b"
contains "$work/err" "was not written by highport"
[ -f "$work/b/apply/mine.txt" ] || fail "audit deleted a directory it did not write"

# Graphviz is loaded when the map is drawn. Where it cannot be loaded (here a
# broken file of libgvc's name found first), only the map is lost: audit says
# so, and writes the report without it, the plan, apply/ and the flows as
# before, and exits as it would have.
soname=$(broken_library "$highport" libgvc "$work/nolib")
if [ -z "$soname" ]; then
  fail "no libgvc SONAME in $highport"
else
  LD_LIBRARY_PATH=$work/nolib expect 0 "$highport" audit "$work/evidence" -o "$work/c"
  contains "$work/err" "highport audit: report.html has no map: the map needs Graphviz (libgvc, libcgraph), which could not be loaded: $work/nolib/$soname"
  contains "$work/out" "RPC range:"
  grep -q "The map of servers, ports and client groups could not be drawn: the map needs Graphviz" \
    "$work/c/report.html" || fail "report.html does not say why it has no map"
  grep -q '<figure id="map"' "$work/c/report.html" && fail "report.html has a map without Graphviz"
  grep -q 'tcp/49712</td><td>svchost.exe (Winmgmt)' "$work/c/report.html" ||
    fail "report.html without its map lost the problematic flows"
  jq -S 'del(.inputs)' "$work/c/plan.json" >"$work/p3"
  cmp -s "$work/p1" "$work/p3" || fail "plan.json without Graphviz differs: $(diff "$work/p1" "$work/p3" | head -5)"
  diff -r "$work/emitted" "$work/c/apply" >/dev/null || fail "apply/ without Graphviz differs"
  cmp -s "$work/a/flows.json" "$work/c/flows.json" || fail "flows.json without Graphviz differs"
  cmp -s "$work/a/flows.csv" "$work/c/flows.csv" || fail "flows.csv without Graphviz differs"
  LD_LIBRARY_PATH=$work/nolib expect 0 "$highport" report "$work/evidence" -o "$work/nomap.html"
  contains "$work/err" "highport report: the report has no map: the map needs Graphviz"
  cmp -s "$work/nomap.html" "$work/c/report.html" || fail "report's page without Graphviz differs from audit's"
fi

echo "audit_cli: $failures failure(s)"
exit $((failures > 0))
