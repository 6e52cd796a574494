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
  # tests
  doctest-dev
  # fuzzing and sanitizers: libFuzzer needs clang; clang 16 is the oldest Debian clang whose
  # C++23 mode compiles libstdc++'s <expected> (see doc/building.md)
  clang-16 libclang-rt-16-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
