#!/usr/bin/env bash
# The tests where threads meet (address book, peer manager with its io thread, the chain state
# with its script-checker thread and pool, block sync on top of it, the RPC server) under
# ThreadSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
contrib/install-deps.sh
contrib/build.sh tsan
export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
build-tsan/tests/addrbook/test_addrbook
build-tsan/tests/peer/test_peer
build-tsan/tests/sync/test_sync -tc="chain state*,block sync*,block server*"
# The JSON-RPC server runs on an io thread the tests talk to from theirs.
build-tsan/tests/node/test_node -tc="rpc server*"
