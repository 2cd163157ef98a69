#!/usr/bin/env bash
# Installs what highport needs to build and test, from Debian 12's packages.
# Safe to run again: it installs only what is missing.
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config           # the build
  libcli11-dev libfmt-dev nlohmann-json3-dev # command line, formatting, JSON
  libgtest-dev libgmock-dev                  # unit tests
  clang libclang-rt-14-dev                   # fuzz targets (libFuzzer) and sanitizers
  iproute2 jq                                # ss for the live-inventory test; jq to compare JSON
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
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
