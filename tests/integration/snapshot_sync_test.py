#!/usr/bin/env python3
"""A node started from a UTXO snapshot reaches the same UTXO set as one that validated every block.

Usage: snapshot_sync_test.py PEREGRINE WORKDIR P2P_PORT RPC_PORT

1. Two generated regtest chains of one seed: 200 blocks (B) and 300 (A); the first is the second's
   prefix. B imports its chain and dumps the set at 200 (`peregrine dumptxoutset`); A imports all
   300 and serves them.
2. Refusals leave the new datadir's chainstate as it was: the hash not given (regtest has no
   assumeutxo entry for this block), a wrong hash, a tampered coin, --snapshot-hash on mainnet. A
   kill -9 while the set is written leaves the chainstate empty (the next load goes through); one
   right after the rename leaves the loaded set.
3. D: `sync --load-snapshot=FILE --snapshot-hash=H --connect=A --stop-at-height=300`: headers first,
   the set loaded, blocks 201-300 only downloaded; its `utxo-stats` equal A's on every figure but
   disk_size, and its block file holds 100 blocks, not 300.
4. D restarted with the same options: the snapshot is found loaded and the run ends at once; with
   RPC, getnetworkinfo shows NETWORK_LIMITED (blocks below the base are not held), not NETWORK.
5. E, running with the headers (from a refused run) and no peer: RPC loadtxoutset makes the snapshot its set (a
   second call is refused), then `addnode` A: it reaches A's set at 300.
No bcoin needed.
"""
import json
import os
import shutil
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import bcoin
from bcoin import check, tail
from rpc_read_test import Rpc

R = "--network=regtest"


def stats(peregrine, datadir):
    out, _ = bcoin.run([peregrine, "utxo-stats", R, f"--datadir={datadir}"])
    doc = json.loads(out.stdout)
    doc.pop("disk_size")
    return doc


def sync(peregrine, datadir, port, *extra, timeout=120):
    return subprocess.run([peregrine, "sync", R, f"--datadir={datadir}", f"--connect=127.0.0.1:{port}", "--progress=0",
                           "--mindiskspace=0", *extra], capture_output=True, text=True, timeout=timeout)


def rpc_of(proc, port, log):
    """The node's RPC once it answers (60 s at most; exits the test with the log if it never does)."""
    rpc = Rpc(port)
    deadline = time.monotonic() + 60
    while True:
        try:
            rpc("getblockcount")
            return rpc
        except (OSError, RuntimeError):
            if proc.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"{log}: the node's RPC did not come up:\n{tail(log)}")
            time.sleep(0.1)


def main():
    peregrine, work, port, rpc_port = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    j = lambda *p: os.path.join(work, *p)

    # 1. The chains, the snapshot, the server.
    for blocks in (200, 300):
        bcoin.run([peregrine, "generate", f"--blocks={blocks}", "--txs-per-block=4", "--threads=1", j(f"g{blocks}")])
    bcoin.run([peregrine, "import", R, f"--datadir={j('B')}", j("g200", "blk00000.dat")])
    bcoin.run([peregrine, "import", R, f"--datadir={j('A')}", j("g300", "blk00000.dat")])
    out, _ = bcoin.run([peregrine, "dumptxoutset", R, f"--datadir={j('B')}", j("snap.dat")])
    dump = json.loads(out.stdout)
    want_200 = stats(peregrine, j("B"))
    check("dumptxoutset height", dump["base_height"], 200)
    check("dumptxoutset hash", dump["txoutset_hash"], want_200["hash_serialized_3"])
    want = stats(peregrine, j("A"))
    server = subprocess.Popen([peregrine, "sync", R, f"--datadir={j('A')}", "--listen", f"--port={port}",
                               "--connect=127.0.0.1:1", "--progress=0", "--maxtipage=2000000000", "--mindiskspace=0"],
                              stdout=subprocess.DEVNULL, stderr=open(j("a.log"), "w"))
    try:
        time.sleep(1.5)
        H = dump["txoutset_hash"]

        # 2. Refusals: nothing loaded, the headers synced by the first are kept.
        r = sync(peregrine, j("D"), port, f"--load-snapshot={j('snap.dat')}", "--stop-at-height=300")
        check("no hash: exit", r.returncode, 1)
        bcoin.expect("no hash: says to give --snapshot-hash", "--snapshot-hash=HEX" in r.stderr, r.stderr[-300:])
        r = sync(peregrine, j("D"), port, f"--load-snapshot={j('snap.dat')}", "--snapshot-hash=" + "ab" * 32)
        check("wrong hash: exit", r.returncode, 1)
        bcoin.expect("wrong hash: refused", "refused" in r.stderr and H in r.stderr, r.stderr[-300:])
        tampered = bytearray(open(j("snap.dat"), "rb").read())
        tampered[len(tampered) // 2] ^= 0x01
        open(j("tampered.dat"), "wb").write(tampered)
        r = sync(peregrine, j("D"), port, f"--load-snapshot={j('tampered.dat')}", f"--snapshot-hash={H}")
        check("tampered: exit", r.returncode, 1)
        check("after refusals: the chainstate holds no block", stats(peregrine, j("D"))["height"], 0)
        bcoin.expect("no chainstate.snapshot left behind", not os.path.exists(j("D", "chainstate.snapshot")), "")
        r = subprocess.run([peregrine, "sync", "--network=main", f"--datadir={j('M')}", f"--load-snapshot={j('snap.dat')}",
                            "--snapshot-hash=" + H], capture_output=True, text=True, timeout=60)
        check("--snapshot-hash on mainnet: usage error", r.returncode, 2)

        # A crash while the set is written, and one right after it took the chainstate's name: the
        # first leaves the chainstate empty (and the next load goes through), the second a loaded set.
        shutil.copytree(j("D"), j("K"))
        shutil.copytree(j("D"), j("E"))  # headers to 300 (the refused runs synced them), no block: for 5.
        for plan, loaded in (("chainstate.snapshot:write:crash:2", False), ("chainstate:rename:crash:1", True)):
            shutil.rmtree(j("K", "chainstate"), ignore_errors=True)
            shutil.rmtree(j("K", "chainstate.snapshot"), ignore_errors=True)
            r = subprocess.run([peregrine, "loadtxoutset", R, f"--datadir={j('K')}", f"--snapshot-hash={H}", j("snap.dat")],
                               capture_output=True, text=True, timeout=60, env=dict(os.environ, PEREGRINE_FAULT=plan))
            check(f"{plan}: killed", r.returncode, -9)
            check(f"{plan}: the chainstate's height after the crash",
                  stats(peregrine, j("K"))["height"] if os.path.exists(j("K", "chainstate")) else 0, 200 if loaded else 0)
            if not loaded:
                bcoin.run([peregrine, "loadtxoutset", R, f"--datadir={j('K')}", f"--snapshot-hash={H}", j("snap.dat")])
                check(f"{plan}: loaded on the next try", stats(peregrine, j("K")), want_200)

        # 3. From the snapshot to the tip.
        t0 = time.monotonic()
        r = sync(peregrine, j("D"), port, f"--load-snapshot={j('snap.dat')}", f"--snapshot-hash={H}",
                 "--stop-at-height=300")
        check("load and sync: exit", r.returncode, 0)
        bcoin.expect("load and sync: the snapshot was loaded", "snapshot loaded" in r.stderr, r.stderr[-500:])
        got = stats(peregrine, j("D"))
        check("from the snapshot: utxo-stats equal the full import's", got, want)
        a_bytes = os.path.getsize(j("A", "blocks", "blk00000.dat"))
        d_bytes = os.path.getsize(j("D", "blocks", "blk00000.dat"))
        g_bytes = os.path.getsize(j("g300", "blk00000.dat")) - os.path.getsize(j("g200", "blk00000.dat"))
        check("only blocks 201-300 downloaded (their bytes)", d_bytes, g_bytes)
        print(f"ok   snapshot start: {time.monotonic() - t0:.1f} s; block files {d_bytes} bytes against {a_bytes}")

        # 4. Restarted with the same options: loaded already; NETWORK_LIMITED.
        proc = subprocess.Popen([peregrine, "sync", R, f"--datadir={j('D')}", f"--connect=127.0.0.1:{port}",
                                 f"--load-snapshot={j('snap.dat')}", f"--snapshot-hash={H}", f"--rpcport={rpc_port}",
                                 "--rpcuser=u", "--rpcpassword=w", "--progress=0", "--mindiskspace=0"],
                                stdout=subprocess.DEVNULL, stderr=open(j("d.log"), "w"))
        try:
            rpc = rpc_of(proc, rpc_port, j("d.log"))
            info = rpc("getnetworkinfo")
            names = info["localservicesnames"]
            bcoin.expect("from a snapshot: NETWORK_LIMITED, not NETWORK",
                         "NETWORK_LIMITED" in names and "NETWORK" not in names, str(names))
            check("restart: height", rpc("getblockcount"), 300)
            states = rpc("getchainstates")
            check("getchainstates: one chainstate", len(states["chainstates"]), 1)
            check("getchainstates: its snapshot base", states["chainstates"][0].get("snapshot_blockhash"),
                  dump["base_hash"])
            check("getchainstates: not validated from genesis", states["chainstates"][0]["validated"], False)
            rpc("stop")
            check("restart: exit", proc.wait(timeout=60), 0)
        finally:
            if proc.poll() is None:
                proc.kill()
        bcoin.expect("restart: the snapshot was not loaded again", "snapshot loaded" not in open(j("d.log")).read(), "")

        # 5. RPC loadtxoutset on a running node with the headers and no block, then the rest from A.
        proc = subprocess.Popen([peregrine, "sync", R, f"--datadir={j('E')}", "--connect=127.0.0.1:1",
                                 f"--snapshot-hash={H}", f"--rpcport={rpc_port}", "--rpcuser=u", "--rpcpassword=w",
                                 "--progress=0", "--mindiskspace=0"],
                                stdout=subprocess.DEVNULL, stderr=open(j("e.log"), "w"))
        try:
            rpc = rpc_of(proc, rpc_port, j("e.log"))
            check("loadtxoutset: a missing file", rpc.error("loadtxoutset", "nothing.dat"), -8)
            res = rpc("loadtxoutset", j("snap.dat"))
            check("loadtxoutset: coins_loaded", res["coins_loaded"], dump["coins_written"])
            check("loadtxoutset: base_height", res["base_height"], 200)
            check("loadtxoutset: the tip is the base", rpc("getblockcount"), 200)
            check("loadtxoutset again: refused (blocks connected)", rpc.error("loadtxoutset", j("snap.dat")), -1)
            rpc("addnode", f"127.0.0.1:{port}", "onetry")
            got = rpc.reply("waitforblockheight", 300, 60000, timeout=90)["result"]
            check("after addnode: height", got["height"], 300)
            info = rpc("gettxoutsetinfo")
            check("RPC-loaded node: hash_serialized_3 as the full import's", info["hash_serialized_3"],
                  want["hash_serialized_3"])
            check("RPC-loaded node: muhash as the full import's", info["muhash"], want["muhash"])
            rpc("stop")
            check("E: exit", proc.wait(timeout=60), 0)
        finally:
            if proc.poll() is None:
                proc.kill()
    finally:
        server.kill()
        server.wait()
    if bcoin.failures:
        sys.exit(f"snapshot_sync_test: {len(bcoin.failures)} failed")
    print("snapshot_sync_test: all checks passed")


if __name__ == "__main__":
    main()
