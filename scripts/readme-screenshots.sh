#!/usr/bin/env bash
# Takes the report screenshots the README shows (docs/images/), from the
# example network's report that scripts/demo.sh writes to out/report.html:
# the top of the page and the map, in headless Debian Chromium through the
# playwright-core that scripts/setup.sh installs. Run after scripts/demo.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f out/report.html ] || { echo "run scripts/demo.sh first: out/report.html is missing" >&2; exit 2; }
mkdir -p docs/images
node scripts/screenshot.cjs "$PWD/out/report.html" 'body' docs/images/report-top.png 1280 1100
node scripts/screenshot.cjs "$PWD/out/report.html" '#map-section' docs/images/report-map.png 1280 1000
ls -l docs/images/report-top.png docs/images/report-map.png
