#!/usr/bin/env bash
# Configures and builds one flavour of Peregrine into its own directory.
#   contrib/build.sh release|sanitize|fuzz
# release: optimised client and unit tests (warnings are errors) in build/
# sanitize: the unit tests under AddressSanitizer + UndefinedBehaviorSanitizer in build-sanitize/
# fuzz: the libFuzzer targets, built with clang 16, in build-fuzz/
set -euo pipefail
cd "$(dirname "$0")/.."

flavour=${1:-release}
jobs=$(nproc)
case "$flavour" in
  release)
    dir=build
    args=(-DCMAKE_BUILD_TYPE=Release -DPEREGRINE_WERROR=ON) ;;
  sanitize)
    dir=build-sanitize
    args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DPEREGRINE_SANITIZE=ON -DPEREGRINE_WERROR=ON) ;;
  fuzz)
    dir=build-fuzz
    args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DPEREGRINE_FUZZ=ON -DPEREGRINE_TESTS=OFF
          -DCMAKE_CXX_COMPILER=clang++-16) ;;
  *)
    echo "usage: $0 release|sanitize|fuzz" >&2
    exit 2 ;;
esac

cmake -S . -B "$dir" -G Ninja "${args[@]}"
cmake --build "$dir" -j "$jobs"
