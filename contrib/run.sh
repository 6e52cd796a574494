#!/usr/bin/env bash
# The main job, from nothing: install dependencies, build, run the client.
#   contrib/run.sh [PEREGRINE ARGUMENTS...]
# Without arguments it shows the commands (`sync` becomes the default once it lands).
set -euo pipefail
cd "$(dirname "$0")/.."
contrib/install-deps.sh
contrib/build.sh release
if [ $# -eq 0 ]; then set -- --help; fi
exec build/peregrine "$@"
