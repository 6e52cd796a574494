#!/usr/bin/env python3
"""Peregrine serves the blocks it has: a filled chain imported, then served over loopback.

bcoin node A (contrib/realpeer.sh, in memory, its own ports) makes a regtest chain filled with NTX
signed transactions of every script type over NBLOCKS blocks (realpeer.sh fill; it first mines to
height 540); the chain is dumped to a blk file (contrib/dump_blocks.py) and A is stopped. Then:

1. `peregrine import` loads it into datadir S (every script checked);
2. `peregrine sync --listen --port=P` on S, with no --connect: a serving-only node (regtest has no
   DNS seeds; it dials nobody);
3. a fresh bcoin node B is told to addnode Peregrine: it syncs the chain from Peregrine alone
   (getblocks on regtest without checkpoints: inv of 500 hashes, getdata, the tip's inv after the
   500th block) to A's tip; its gettxoutsetinfo equals A's (height, bestblock, txouts,
   total_amount);
4. a second `peregrine sync --connect=127.0.0.1:P --stop-at-tip` into a fresh datadir (getheaders,
   then witness-block getdata): exit 0, A's height and tip, and `utxo-stats` identical to S's in
   every field but disk_size;
5. the server's getnettotals counts the blocks it served (at least the chain twice), no log line of
   the server punishes either peer, and SIGINT stops it with exit 0.

Every node is stopped at the end whatever happens. Timings go to stdout for the CI log.

usage: serve_chain_test.py PEREGRINE REPO_DIR WORK_DIR BCOIN_A_P2P BCOIN_A_RPC SERVER_P2P SERVER_RPC
                           BCOIN_B_P2P BCOIN_B_RPC [NTX NBLOCKS]
"""
import http.client
import json
import os
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import bcoin
from bcoin import check, expect, peregrine_rpc, satoshis, tail, utxo_stats

SYNC_TIMEOUT = 120


def wait_rpc(port, proc, stderr_path, timeout=30):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if proc.poll() is not None:
            sys.exit(f"peregrine sync exited {proc.returncode} at start:\n{tail(stderr_path)}")
        try:
            return peregrine_rpc(port, "getblockcount")
        except (OSError, RuntimeError, http.client.HTTPException):
            time.sleep(0.1)
    sys.exit(f"peregrine sync's RPC did not come up in {timeout}s:\n{tail(stderr_path)}")


def punishing_lines(path):
    with open(path, errors="replace") as f:
        return [line.strip() for line in f if any(w in line for w in ("misbehaving", "discouraged", "[ban]", "banned", "invalid_block"))]


def main():
    if len(sys.argv) not in (10, 12):
        sys.exit(__doc__.rsplit("usage: ", 1)[1])
    peregrine, repo, work = os.path.abspath(sys.argv[1]), sys.argv[2], os.path.abspath(sys.argv[3])
    a_p2p, a_rpc, s_p2p, s_rpc, b_p2p, b_rpc = map(int, sys.argv[4:10])
    ntx, nblocks = (int(sys.argv[10]), int(sys.argv[11])) if len(sys.argv) == 12 else (300, 30)
    realpeer = os.path.join(repo, "contrib", "realpeer.sh")
    bcoin.exit_on_signals()
    bcoin.fresh_work_dir(work, realpeer)
    t_all = time.monotonic()
    times = {}
    server = None

    with bcoin.Nodes(realpeer, work, [(a_p2p, a_rpc), (b_p2p, b_rpc)], names=["bcoinA", "bcoinB"]) as nodes:
        a, b = nodes
        try:
            # The chain, made by A and dumped; A's figures are the reference.
            a.start()
            stats, times["fill"], out = a.fill(ntx, nblocks, timeout=240)
            print(out.stdout.strip().splitlines()[-1], "| stderr:", out.stderr.strip() or "(empty)")
            height, tip = a.height(), a.best()
            aset = a.rpc("gettxoutsetinfo")
            blk = os.path.join(work, "chain.blk")
            _, times["dump"] = bcoin.run([sys.executable, os.path.join(repo, "contrib", "dump_blocks.py"), str(a_rpc), blk])
            a.stop()
            print(f"bcoin A: height {height}, tip {tip}")

            # 1. import.
            s_dir = os.path.join(work, "server")
            out, times["import"] = bcoin.run([peregrine, "import", "--network=regtest", f"--datadir={s_dir}",
                                              "--assumevalid=0", blk])
            check("import: height", json.loads(out.stdout)["height"], height)
            s_utxo = utxo_stats(peregrine, s_dir)

            # 2. serve: no --connect, nothing to dial on regtest.
            s_err = os.path.join(work, "server.stderr")
            server = subprocess.Popen([peregrine, "sync", "--network=regtest", f"--datadir={s_dir}", "--listen",
                                       "--bind=127.0.0.1", f"--port={s_p2p}", f"--rpcport={s_rpc}", "--rpcuser=u",
                                       "--rpcpassword=w", "--progress=0"],
                                      stdout=subprocess.PIPE, stderr=open(s_err, "w"), text=True)
            check("server: height at start", wait_rpc(s_rpc, server, s_err), height)

            # 3. bcoin B syncs from Peregrine alone.
            b.start()
            t0 = time.monotonic()
            b.connect(f"127.0.0.1:{s_p2p}")
            try:
                b.wait_height(height, timeout=SYNC_TIMEOUT, poll=0.1)
            except TimeoutError as e:
                expect("bcoin B syncs the chain from Peregrine", False, f"{e}; server stderr:\n{tail(s_err)}")
            times["bcoin from peregrine"] = time.monotonic() - t0
            check("bcoin B: tip", b.best(), tip)
            bset = b.rpc("gettxoutsetinfo")
            for f in ("height", "bestblock", "txouts"):
                check(f"bcoin B: gettxoutsetinfo {f} = A's", bset[f], aset[f])
            check("bcoin B: total_amount (sat) = A's", satoshis(bset["total_amount"]), satoshis(aset["total_amount"]))
            b_peers = [p.get("addr") for p in b.peers()]
            check("bcoin B's only peer is Peregrine", b_peers, [f"127.0.0.1:{s_p2p}"])

            # 4. a second Peregrine syncs from the first.
            f_dir = os.path.join(work, "follower")
            f_err = os.path.join(work, "follower.stderr")
            t0 = time.monotonic()
            follower = subprocess.run([peregrine, "sync", "--network=regtest", f"--datadir={f_dir}",
                                       f"--connect=127.0.0.1:{s_p2p}", "--stop-at-tip", "--assumevalid=0",
                                       "--progress=0"], stdout=subprocess.PIPE, stderr=open(f_err, "w"), text=True,
                                      timeout=SYNC_TIMEOUT)
            times["peregrine from peregrine"] = time.monotonic() - t0
            check("follower: exit code", follower.returncode, 0)
            summary = json.loads(follower.stdout) if follower.stdout.strip() else {}
            check("follower: height", summary.get("height"), height)
            check("follower: tip", summary.get("tip"), tip)
            check("follower: invalid", summary.get("invalid"), [])
            check("follower: log lines punishing the server", punishing_lines(f_err), [])
            f_utxo = utxo_stats(peregrine, f_dir)
            for f in sorted(set(s_utxo) | set(f_utxo)):
                if f != "disk_size":
                    check(f"follower utxo-stats {f} = server's", f_utxo.get(f), s_utxo.get(f))

            # 5. the server's figures, its log, a clean stop.
            totals = peregrine_rpc(s_rpc, "getnettotals")
            print(f"server getnettotals: {json.dumps(totals)}")
            expect("server: blocks served >= 2 x height", totals["blocks_served"] >= 2 * height,
                   f"{totals['blocks_served']} served, height {height}")
            check("server: upload target off", totals["uploadtarget"]["target"], 0)
            peers = peregrine_rpc(s_rpc, "getpeerinfo")
            check("server: its peers (bcoin B, inbound)", [p["inbound"] for p in peers], [True])
            server.send_signal(signal.SIGINT)
            out, _ = server.communicate(timeout=30)
            check("server: exit code after SIGINT", server.returncode, 0)
            check("server: log lines punishing a peer", punishing_lines(s_err), [])
            server = None
        finally:
            if server is not None:
                server.kill()
                server.communicate()

    for what, t in times.items():
        print(f"TIMINGS: {what} {t:.1f}s")
    print(f"TIMINGS: total {time.monotonic() - t_all:.1f}s ({height} blocks, {ntx} filled txs)")
    return bcoin.report(work)


if __name__ == "__main__":
    sys.exit(main())
