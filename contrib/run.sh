#!/usr/bin/env bash
# The main job, from nothing: install dependencies, build, run the client.
#   contrib/run.sh [PEREGRINE ARGUMENTS...]
# Without arguments it syncs mainnet from the DNS seeds into ~/.peregrine (`peregrine sync`).
set -euo pipefail
cd "$(dirname "$0")/.."
contrib/install-deps.sh
contrib/build.sh release
if [ $# -eq 0 ]; then set -- sync; fi
exec build/peregrine "$@"
