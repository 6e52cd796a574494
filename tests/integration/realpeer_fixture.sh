#!/usr/bin/env bash
# ctest fixture: starts a bcoin regtest node on loopback with a short chain, or stops it.
#   realpeer_fixture.sh start|stop DATADIR P2P_PORT RPC_PORT BLOCKS
set -euo pipefail
action=$1 datadir=$2 port=$3 rpcport=$4 blocks=${5:-0}
realpeer="$(dirname "$0")/../../contrib/realpeer.sh"
export RP_DATADIR=$datadir RP_MEMORY=1
case "$action" in
  start)
    "$realpeer" stop >/dev/null 2>&1 || true
    rm -rf "$datadir"
    "$realpeer" start "$port" "$rpcport" "$datadir"
    if [ "$blocks" -gt 0 ]; then "$realpeer" mine "$blocks"; fi ;;
  stop)
    "$realpeer" stop ;;
  *)
    echo "usage: $0 start|stop DATADIR P2P_PORT RPC_PORT [BLOCKS]" >&2
    exit 2 ;;
esac
