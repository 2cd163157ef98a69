#!/usr/bin/env bash
# The README's first command: set up, build, and run highport's main job on
# the bundled example data.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh build >/dev/null
mkdir -p out
for host in examples/*/; do
  name=$(basename "$host")
  [ -f "$host/netstat-ano.txt" ] || continue  # network/ holds traffic, no host's inventory
  # The socket inventories and process lists; the firewall log is traffic, read by flows and plan.
  inputs=()
  for f in "$host"/*; do
    case $f in *pfirewall.log*) ;; *) inputs+=("$f") ;; esac
  done
  echo "== highport inventory $host (host $name)"
  # Exit 1 means "listeners to act on": expected for these hosts, not a failure.
  build/highport inventory --host "$name" "${inputs[@]}" || [ $? -eq 1 ]
  build/highport inventory --host "$name" --format json -o "out/$name-inventory.json" "${inputs[@]}" 2>/dev/null || [ $? -eq 1 ]
  if [ -f "$host/rpcdump.txt" ]; then
    echo "== highport epm --from $host/rpcdump.txt (what the endpoint mapper said)"
    build/highport epm --from "$host/rpcdump.txt" --host "$name" || [ $? -eq 1 ]
  fi
  echo
done
echo "== highport flows examples/*/* --problematic (who needs a dynamic RPC port)"
# Exit 1 means "problematic flows": expected for this network.
build/highport flows examples/*/* --problematic || [ $? -eq 1 ]
echo
echo "== highport plan examples/*/* -o out/plan.json (the hardening plan for the servers)"
# SOURCE_DATE_EPOCH keeps the example plan the same from run to run.
SOURCE_DATE_EPOCH=1764892800 build/highport plan examples/*/* -o out/plan.json
echo
echo "== highport emit out/plan.json --format all -o out/apply (the files that apply it)"
rm -rf out/apply
build/highport emit out/plan.json --format all -o out/apply | tail -1
echo
echo "Inventories: $(ls out/*-inventory.json | tr '\n' ' ')"
echo "Plan:        out/plan.json"
echo "To apply:    out/apply/README.txt (then reg/, cmd/, powershell/, admx/, inf/ ...)"
