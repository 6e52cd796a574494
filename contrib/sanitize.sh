#!/usr/bin/env bash
# The tests under AddressSanitizer and UndefinedBehaviorSanitizer: every unit and integration test
# but the kill -9 one (a killed process leaves nothing for a sanitizer to see, and the release run
# covers its recovery).
set -euo pipefail
cd "$(dirname "$0")/.."
contrib/install-deps.sh
contrib/build.sh sanitize
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
ctest --test-dir build-sanitize --output-on-failure -j "$(nproc)" -E '^import_crash_safety$'
