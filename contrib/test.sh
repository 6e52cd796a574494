#!/usr/bin/env bash
# Every test, from nothing: install dependencies, build (warnings are errors), run the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
contrib/install-deps.sh
contrib/build.sh release
ctest --test-dir build --output-on-failure -j "$(nproc)"
