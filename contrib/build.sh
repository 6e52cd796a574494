#!/usr/bin/env bash
# Configures and builds one flavour of Peregrine into its own directory.
#   contrib/build.sh release|sanitize|fuzz
# release: optimised client and unit tests (warnings are errors) in build/
# sanitize: the unit tests under AddressSanitizer + UndefinedBehaviorSanitizer in build-sanitize/
# tsan: the tests where threads meet (address book, peers, script checks, RPC) under ThreadSanitizer in build-tsan/
# fuzz: the libFuzzer targets, built with clang 16, in build-fuzz/
set -euo pipefail
cd "$(dirname "$0")/.."

flavour=${1:-release}
jobs=$(nproc)
targets=()
case "$flavour" in
  release)
    dir=build
    args=(-DCMAKE_BUILD_TYPE=Release -DPEREGRINE_WERROR=ON) ;;
  sanitize)
    dir=build-sanitize
    args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DPEREGRINE_SANITIZE=ON -DPEREGRINE_WERROR=ON) ;;
  tsan)
    dir=build-tsan
    args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DPEREGRINE_TSAN=ON -DPEREGRINE_WERROR=ON)
    targets=(--target test_addrbook test_peer test_sync test_node) ;;
  fuzz)
    dir=build-fuzz
    args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DPEREGRINE_FUZZ=ON -DPEREGRINE_TESTS=OFF
          -DCMAKE_CXX_COMPILER=clang++-16) ;;
  *)
    echo "usage: $0 release|sanitize|tsan|fuzz" >&2
    exit 2 ;;
esac

cmake -S . -B "$dir" -G Ninja "${args[@]}"
cmake --build "$dir" -j "$jobs" "${targets[@]}"
