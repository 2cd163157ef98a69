#!/usr/bin/env bash
# `highport report` as a user meets it, and the page in a real browser.
# The command: exit codes, --plan (a good one shown, a bad one refused), the
# file written. The page: a small network made here (a server whose folder
# name and process name carry markup, four problematic flows with known
# connection counts) and the bundled examples/, each opened in headless
# Debian Chromium by report_browser_check.cjs (playwright-core): no console
# or page error, no request but the file, the map's server nodes, the tables,
# sorting, filtering, dark theme, print. Screenshots (light and dark, full
# page) go to OUT_DIR and their paths are printed.
# Needs node, chromium and playwright-core (scripts/setup.sh): skipped (77)
# without them, except on CI (CI=true), where that is a failure.
# usage: tests/report_browser_test.sh PATH_TO_HIGHPORT OUT_DIR
set -uo pipefail
highport=$1
out_dir=${2:-.}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source "$root/tests/lib/check.sh"

node_modules=${HIGHPORT_NODE_MODULES:-/usr/local/lib/highport-node/node_modules}
chromium=${CHROMIUM:-/usr/bin/chromium}
missing=()
command -v node >/dev/null || missing+=(node)
[ -x "$chromium" ] || missing+=(chromium)
[ -f "$node_modules/playwright-core/package.json" ] || missing+=(playwright-core)
if ((${#missing[@]} > 0)); then
  echo "missing: ${missing[*]} (scripts/setup.sh installs them)"
  [ "${CI:-}" = true ] && exit 1
  exit 77
fi

# The small network: one server, 10.9.0.10, with a hostile folder name.
host='srv<img src=x onerror=alert(1)>'
mkdir -p "$work/net/$host"
cat >"$work/net/$host/netstat-ano.txt" <<'NETSTAT'

Active Connections

  Proto  Local Address          Foreign Address        State           PID
  TCP    0.0.0.0:135            0.0.0.0:0              LISTENING       960
  TCP    0.0.0.0:445            0.0.0.0:0              LISTENING       4
  TCP    10.9.0.10:49668        0.0.0.0:0              LISTENING       712
  TCP    10.9.0.10:49670        0.0.0.0:0              LISTENING       1420
NETSTAT
cat >"$work/net/$host/tasklist.csv" <<'TASKLIST'
"Image Name","PID","Services"
"System","4","N/A"
"<script>evil</script>.exe","712","NTDS"
"svchost.exe","960","RpcEptMapper, RpcSs"
"svchost.exe","1420","Schedule"
TASKLIST
# Firewall log: one ALLOW row per connection, the initiator first.
{
  printf '#Version: 1.5\n#Software: Microsoft Windows Firewall\n#Time Format: Local\n'
  printf '#Fields: date time action protocol src-ip dst-ip src-port dst-port size tcpflags tcpsyn tcpack tcpwin icmptype icmpcode info path\n\n'
  port=50000
  row() { # CLIENT SERVER_PORT COUNT
    for ((i = 0; i < $3; i++)); do
      port=$((port + 1))
      printf '2026-12-01 10:00:%02d ALLOW TCP %s 10.9.0.10 %d %d 0 - 0 0 0 - - - RECEIVE\n' $((port % 60)) "$1" $port "$2"
    done
  }
  row 10.9.1.9 49668 3
  row 10.9.1.22 49668 1
  row 10.9.2.7 49670 5
  row 10.9.2.8 49670 2
  row 10.9.1.9 135 4
  row 10.9.1.22 445 2
} >"$work/net/pfirewall.log"
net_files=("$work/net/$host/netstat-ano.txt" "$work/net/$host/tasklist.csv" "$work/net/pfirewall.log")

# The command.
expect 0 "$highport" help report
contains "$work/out" "--plan"
expect 2 "$highport" report -o "$work/none.html"
expect 2 "$highport" report "${net_files[@]}"   # -o is required
expect 0 "$highport" report "${net_files[@]}" -o "$work/fixture.html"
contains "$work/out" "report written to $work/fixture.html"
[ -s "$work/fixture.html" ] || fail "no report written"
contains "$work/fixture.html" "<h3>srv&lt;img src=x onerror=alert(1)&gt;</h3>"
# A plan made by `highport plan` is shown as it is; a broken one is refused,
# and nothing is written.
expect 0 "$highport" plan "${net_files[@]}" -o "$work/plan.json"
jq '.firewall.rules[0].name = "edited <by> hand"' "$work/plan.json" >"$work/edited.json"
expect 0 "$highport" report "${net_files[@]}" --plan "$work/edited.json" -o "$work/planned.html"
contains "$work/planned.html" "edited &lt;by&gt; hand"
jq '.ranges[0].range = "9-3"' "$work/plan.json" >"$work/bad.json"
expect 2 "$highport" report "${net_files[@]}" --plan "$work/bad.json" -o "$work/bad.html"
contains "$work/err" "bad.json"
[ ! -e "$work/bad.html" ] || fail "a report was written for a refused plan"
expect 2 "$highport" report "${net_files[@]}" --plan "$work/plan.json" --range 5000-5100 -o "$work/x.html"
expect 0 "$highport" report "${net_files[@]}" -o - 
contains "$work/out" "</html>"

# The browser: our network, exactly; then the bundled examples.
check_page() { # REPORT PREFIX [--fixture]
  local started=$SECONDS
  node "$root/tests/report_browser_check.cjs" "$@" >"$work/browser.log" 2>&1
  local rc=$?
  cat "$work/browser.log"
  echo "browser check of $(basename "$1"): $((SECONDS - started)) s"
  [ $rc -eq 0 ] || fail "browser check of $1 (see above)"
}
mkdir -p "$out_dir"
check_page "$work/fixture.html" "$out_dir/report-fixture" --fixture

mapfile -t examples < <(find "$root/examples" -mindepth 2 -type f ! -name '*.sh' ! -name '*.md' ! -name '*.py' | sort)
if ((${#examples[@]} == 0)); then
  fail "no files in examples/"
else
  expect 0 "$highport" report "${examples[@]}" -o "$out_dir/report-examples.html"
  check_page "$out_dir/report-examples.html" "$out_dir/report-examples"
fi

echo "$failures failure(s)"
exit $((failures > 0))
