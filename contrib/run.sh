#!/usr/bin/env bash
# The main job, from nothing: install dependencies, build, run the client.
#   contrib/run.sh [PEREGRINE ARGUMENTS...]
# Without arguments it syncs mainnet from the DNS seeds into ~/.peregrine (`peregrine sync`).
# Works from any directory: arguments (file paths among them) mean what they mean where it is run.
# Installing and building talk on stderr, so stdout is the client's alone (decode | jq works).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
"$repo/contrib/install-deps.sh" >&2
"$repo/contrib/build.sh" release >&2
if [ $# -eq 0 ]; then set -- sync; fi
exec "$repo/build/peregrine" "$@"
