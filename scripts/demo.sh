#!/usr/bin/env bash
# The README's first command: set up, build, and run highport's main job on
# the bundled example network (examples/, see examples/README.md): one
# `highport audit`, which reads every piece of evidence, classifies the
# flows, plans the hardening, writes every format that applies the plan and
# the HTML report, and prints where it all is.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh build >/dev/null
echo "== highport audit examples -o out"
# SOURCE_DATE_EPOCH (the morning after the examples were collected) keeps the
# example's plan and report the same from run to run.
SOURCE_DATE_EPOCH=1796108400 build/highport audit examples -o out
echo
echo "Open out/report.html in a browser; review out/plan.json; apply with out/apply/README.txt."
echo "Then check a host: build/highport verify out/plan.json HOST"
