#!/usr/bin/env bash
# Installs every Debian package Peregrine needs to build, test, fuzz and run.
# Idempotent: packages already installed are left alone, so a second run does nothing.
set -euo pipefail

packages=(
  # toolchain
  g++ cmake ninja-build pkg-config git
  # libraries the client links
  libsecp256k1-dev libboost-dev libleveldb-dev libminiupnpc-dev libnatpmp-dev
  libfmt-dev libssl-dev libzstd-dev
  # tests (python3 runs the independent UTXO replay and the crash tests)
  doctest-dev python3
  # fuzzing and sanitizers: libFuzzer needs clang; clang 16 is the oldest Debian clang whose
  # C++23 mode compiles libstdc++'s <expected> (see doc/building.md)
  clang-16 libclang-rt-16-dev
  # the report's browser test renders `peregrine report`'s page headless (tests/integration)
  chromium
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

# Node.js and npm run the real Bitcoin node of the integration tests (bcoin). A machine may have
# them from elsewhere (nodesource); only install Debian's when they are missing.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then missing+=(nodejs npm); fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
else
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -q
  $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# bcoin (from the npm registry) for the integration tests, installed once into RP_HOME.
export RP_HOME=${RP_HOME:-/tmp/realpeer}
if [ ! -f "$RP_HOME/bcoin/node_modules/bcoin/package.json" ]; then
  "$(dirname "$0")/realpeer.sh" install
fi
