#!/usr/bin/env bash
# Installs what highport needs to build and test, from Debian 12's packages.
# Safe to run again: it installs only what is missing.
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config           # the build
  libcli11-dev libfmt-dev nlohmann-json3-dev # command line, formatting, JSON
  libgtest-dev libgmock-dev                  # unit tests
  clang libclang-rt-14-dev                   # fuzz targets (libFuzzer) and sanitizers
  libasio-dev                                # sockets: endpoint-mapper client, scanner, collector
  libpcap-dev                                # pcap and pcapng captures
  libsqlite3-dev libsqlitecpp-dev libxxhash-dev # the evidence database (SQLite, SQLiteCpp); file fingerprints
  softflowd nfdump                           # a real NetFlow/IPFIX exporter for the collector test; nfdump to compare with
  iproute2 jq sqlite3 mawk                   # ss for the live-inventory test; jq to compare JSON; sqlite3 and mawk in the database test
  samba samba-dsdb-modules samba-vfs-modules # a real AD DC for the epm test (tests/lib/samba_lab.sh),
  samba-ad-provision smbclient               # its provisioning data, and rpcclient to compare with
  libxml2-utils                              # xmllint: the ADMX/ADML writer test checks both files
  iptables samba-common-bin                  # iptables-restore --test and testparm check the emitted files (nft: below)
  tcpdump nftables                           # the capture and the loaded ruleset of the plan_nftables_netns test
  libgraphviz-dev fonts-dejavu-core          # the HTML report's map (libgvc lays it out; DejaVu for its text metrics)
  chromium                                   # the report_browser test opens the report in headless Chromium
  tzdata                                     # --log-timezone Europe/Berlin (and its tests) look zones up there
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} > 0)); then
  echo "setup: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  # Packages such as samba start their daemons on install; the tests start
  # their own, in network namespaces, and nothing may answer on the host's
  # network. A policy-rc.d that says "no" (exit 101) keeps every service of
  # this install from starting; it is removed afterwards unless it was there.
  policy=/usr/sbin/policy-rc.d
  own_policy=false
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
    $sudo chmod 755 "$policy"
    own_policy=true
  fi
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  if $own_policy; then $sudo rm -f "$policy"; fi
fi

# The PowerShell writer's test parses the emitted scripts with the real
# PowerShell grammar (tree-sitter-powershell, run by node; Debian has no
# PowerShell). node and npm come with the machine image; the two npm packages
# go to a prefix of their own, outside the repository.
node_modules=/usr/local/lib/highport-node
if command -v node >/dev/null && command -v npm >/dev/null &&
   [ ! -f "$node_modules/node_modules/tree-sitter-powershell/tree-sitter-powershell.wasm" ]; then
  echo "setup: npm install web-tree-sitter tree-sitter-powershell into $node_modules"
  npm install --silent --no-audit --no-fund --ignore-scripts --prefix "$node_modules" \
    web-tree-sitter@0.27.1 tree-sitter-powershell@0.26.4 >/dev/null
fi

# The report_browser test drives Debian's chromium with playwright-core
# (pinned; its own browser download is never used: --ignore-scripts, and the
# test launches /usr/bin/chromium).
if command -v node >/dev/null && command -v npm >/dev/null &&
   [ ! -f "$node_modules/node_modules/playwright-core/package.json" ]; then
  echo "setup: npm install playwright-core into $node_modules"
  npm install --silent --no-audit --no-fund --ignore-scripts --prefix "$node_modules" \
    playwright-core@1.65.2 >/dev/null
fi
