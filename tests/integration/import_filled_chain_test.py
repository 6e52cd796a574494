#!/usr/bin/env python3
"""`peregrine import` of a bcoin regtest chain filled with signed transactions, UTXO set checked twice.

Starts its own bcoin node (contrib/realpeer.sh, in memory, on its own ports), has it make NTX signed
transactions of every script type realpeer.sh fills (P2PK, P2PKH compressed and uncompressed,
P2WPKH, P2SH-P2WPKH, P2SH / P2WSH / P2SH-P2WSH 2-of-3 multisig, bare 1-of-2 multisig, taproot key
path and script path, OP_RETURN) mined over NBLOCKS blocks, dumps the chain to a blk file
(contrib/dump_blocks.py) and imports it with every script checked (--assumevalid=0). Then:

- the import: exit 0, no invalid block, none left waiting, no block with its scripts skipped,
  height and tip equal to bcoin's, more inputs than filled transactions;
- `peregrine utxo-stats` against contrib/utxo_replay.py on the same file (a naive replay sharing
  no code with Peregrine): height, bestblock, txouts, total_amount, hash_serialized_3, muhash,
  transactions, bogosize;
- the same against bcoin's own `gettxoutsetinfo`: height, bestblock, txouts, total_amount. bcoin
  counts as Core does (genesis never connected, OP_RETURN and >10,000-byte scripts never added), so
  these are exact. bcoin does not compute hash_serialized (it returns 0), and its `transactions` is a
  different figure (every transaction ever connected, genesis included, not the transactions with
  an unspent output): it is checked against the number of transactions in the dumped file instead;
- a second import of the file into a fresh datadir with --dbcache=0 --par=1 (flush after every
  block, one script thread) must give the same utxo-stats as the first (450 MiB cache, --par=2).

The bcoin node is stopped at the end whatever happens (and a node left by an earlier run that was
killed is stopped at the start). Timings go to stdout for the CI log.

usage: import_filled_chain_test.py PEREGRINE REPO_DIR WORK_DIR P2P_PORT RPC_PORT [NTX NBLOCKS]
"""
import decimal
import json
import os
import shutil
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from bcoin import (CREATED_CLASSES, FILL_KINDS, SPENT_CLASSES, Bcoin, chain_census, check, exit_on_signals,
                   fill_stats, load_replay, report, run, satoshis, utxo_stats)


def import_chain(peregrine, datadir, blk, *extra):
    out, wall = run([peregrine, "import", "--network=regtest", f"--datadir={datadir}", "--assumevalid=0",
                     *extra, blk], timeout=300, ok_codes=(0, 1))
    summary = json.loads(out.stdout)
    check(f"import {' '.join(extra)}: exit code", out.returncode, 0)
    return summary, wall


def main():
    if len(sys.argv) not in (6, 8):
        sys.exit(__doc__.rsplit("usage: ", 1)[1])
    peregrine, repo, work = sys.argv[1], sys.argv[2], os.path.abspath(sys.argv[3])
    port, rpcport = int(sys.argv[4]), int(sys.argv[5])
    ntx, nblocks = (int(sys.argv[6]), int(sys.argv[7])) if len(sys.argv) == 8 else (600, 60)
    realpeer = os.path.join(repo, "contrib", "realpeer.sh")
    replay_mod = load_replay(repo)

    # ctest's timeout and ^C: unwind through the finally below so the node is stopped.
    exit_on_signals()

    node_dir = os.path.join(work, "bcoin")
    node = Bcoin(realpeer, node_dir, port, rpcport)
    if os.path.exists(os.path.join(node_dir, "realpeer.env")):
        node.stop()  # a node left running by an earlier run that was killed
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    blk = os.path.join(work, "filled.blk")
    t_all = time.monotonic()
    try:
        node.sh("start", port, rpcport, node_dir, timeout=60)
        out, t_fill = node.sh("fill", ntx, nblocks, timeout=240)
        print(out.stdout.strip().splitlines()[-1], "| stderr:", out.stderr.strip() or "(empty)")
        stats = fill_stats(out.stdout)
        _, t_dump = run([sys.executable, os.path.join(repo, "contrib", "dump_blocks.py"), str(rpcport), blk])
        bcoin_height = node.rpc("getblockcount")
        bcoin_tip = node.rpc("getbestblockhash")
        bcoin_set = node.rpc("gettxoutsetinfo")
    finally:
        node.stop()
    print(f"bcoin gettxoutsetinfo: {json.dumps(bcoin_set, default=str)}")

    # The chain holds what it is meant to: every filled tx mined, every kind spent.
    check("fill: transactions made", stats["txs"], ntx)
    check("fill: left in mempool", stats["mempool"], 0)
    check("fill: kinds never spent", [k for k in FILL_KINDS if not stats["byInput"].get(k)], [])
    check("fill: taproot sighash types used", any(str(s).startswith("tr") for s in stats["sighash"]), True)
    created, spent, file_txs = chain_census(replay_mod, blk)
    print(f"chain census: created {json.dumps(created, sort_keys=True)}, spent {json.dumps(spent, sort_keys=True)}")
    check("chain: classes never created", [c for c in CREATED_CLASSES if not created.get(c)], [])
    check("chain: classes never spent", [c for c in SPENT_CLASSES if not spent.get(c)], [])
    check("chain: non-coinbase inputs", sum(spent.values()), stats["inputs"])

    # Import 1: big cache, two script threads.
    d1 = os.path.join(work, "datadir-cache")
    s1, t_imp1 = import_chain(peregrine, d1, blk, "--par=2")
    check("import: invalid blocks", s1["invalid"], [])
    check("import: blocks waiting for parent", s1["blocks_waiting_for_parent"], 0)
    check("import: interrupted", s1["interrupted"], False)
    check("import: blocks with scripts skipped", s1["script_checks_skipped_blocks"], 0)
    check("import: height = bcoin getblockcount", s1["height"], bcoin_height)
    check("import: tip = bcoin getbestblockhash", s1["tip"], bcoin_tip)
    check("import: inputs > filled txs", s1["inputs"] > ntx, True)
    check("import: inputs = non-coinbase inputs in the file", s1["inputs"], sum(spent.values()))
    u1 = utxo_stats(peregrine, d1)
    print(f"peregrine utxo-stats: {json.dumps(u1, default=str)}")

    # (a) the naive replay of the same file.
    out, t_replay = run([sys.executable, os.path.join(repo, "contrib", "utxo_replay.py"), "--network=regtest", blk])
    ref = json.loads(out.stdout, parse_float=decimal.Decimal)
    for f in ("height", "bestblock", "txouts", "total_amount", "hash_serialized_3", "muhash",
              "transactions", "bogosize"):
        check(f"utxo-stats {f} = utxo_replay", u1[f], ref[f])

    # (b) bcoin's own UTXO set.
    check("utxo-stats height = bcoin", u1["height"], bcoin_set["height"])
    check("utxo-stats bestblock = bcoin", u1["bestblock"], bcoin_set["bestblock"])
    check("utxo-stats txouts = bcoin", u1["txouts"], bcoin_set["txouts"])
    check("utxo-stats total_amount (sat) = bcoin", satoshis(u1["total_amount"]), satoshis(bcoin_set["total_amount"]))
    check("bcoin transactions (all ever connected) = txs in file", bcoin_set["transactions"], file_txs)

    # Import 2: flush after every block, one script thread: the same set.
    d2 = os.path.join(work, "datadir-nocache")
    s2, t_imp2 = import_chain(peregrine, d2, blk, "--dbcache=0", "--par=1")
    check("import --dbcache=0: invalid blocks", s2["invalid"], [])
    check("import --dbcache=0: tip", s2["tip"], bcoin_tip)
    check("import --dbcache=0: inputs", s2["inputs"], s1["inputs"])
    u2 = utxo_stats(peregrine, d2)
    for f in sorted(set(u1) | set(u2)):
        if f != "disk_size":
            check(f"utxo-stats {f}: --dbcache=0 --par=1 = default cache --par=2", u2.get(f), u1.get(f))

    print(f"TIMINGS: fill {ntx} txs / {nblocks} blocks {t_fill:.1f}s, dump {t_dump:.1f}s, replay {t_replay:.1f}s")
    for label, s, wall in (("--par=2", s1, t_imp1), ("--dbcache=0 --par=1", s2, t_imp2)):
        print(f"TIMINGS: import {label}: {s['blocks_connected']} blocks, {s['inputs']} inputs in "
              f"{s['seconds']:.2f}s ({wall:.2f}s wall), {s['inputs_per_second']:.0f} inputs/s, "
              f"{s['blocks_per_second']:.0f} blocks/s")
    print(f"TIMINGS: total {time.monotonic() - t_all:.1f}s")
    return report(work)


if __name__ == "__main__":
    sys.exit(main())
