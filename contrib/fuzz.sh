#!/usr/bin/env bash
# Builds every libFuzzer target and runs each for a bounded time.
#   contrib/fuzz.sh [--seconds N]   (default 60 per target)
# Each target starts from its committed seeds (tests/fuzz/seeds/<target>/, a minimised corpus) and
# its dictionary if any (tests/fuzz/<target>.dict); it fuzzes in build-fuzz/corpus/<target>/, and
# findings land in build-fuzz/findings/<target>/ and make the script fail.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=60
if [ "${1:-}" = "--seconds" ]; then seconds=$2; fi

contrib/install-deps.sh
contrib/build.sh fuzz

export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
status=0
for target in build-fuzz/tests/fuzz/fuzz_*; do
  [ -x "$target" ] || continue
  name=$(basename "$target")
  corpus=build-fuzz/corpus/$name
  findings=build-fuzz/findings/$name
  mkdir -p "$corpus" "$findings"
  if [ -d "tests/fuzz/seeds/$name" ]; then cp -n tests/fuzz/seeds/"$name"/* "$corpus"/ 2>/dev/null || true; fi
  dict=()
  if [ -f "tests/fuzz/$name.dict" ]; then dict=(-dict="tests/fuzz/$name.dict"); fi
  echo "== $name: $seconds s"
  if ! "$target" "${dict[@]}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=1048576 \
        -artifact_prefix="$findings/" -print_final_stats=1 "$corpus" 2>&1 | tail -n 12; then
    echo "!! $name found a problem: see $findings" >&2
    status=1
  fi
done
exit $status
