#!/usr/bin/env python3
"""Sync figures: `peregrine sync` beside a bcoin node syncing the same chain from the same peer.

Starts a bcoin regtest node (contrib/realpeer.sh, in memory) that mines to MINE_TO and fills NTX
signed transactions of every script type over NBLOCKS more blocks (the chain of
tests/integration/sync_filled_chain_test.py by default). Then, one after the other, from that one
peer over loopback:

- `peregrine sync --stop-at-tip --assumevalid=0` into a fresh datadir: wall time, and peak RSS
  (`/usr/bin/time -v` when installed, else the wrapper's getrusage(RUSAGE_CHILDREN) ru_maxrss);
- a second bcoin node, on disk by default like Peregrine (--bcoin-memory: in memory), started and
  told to `addnode` the peer: wall time from its start until its best block is the peer's, and the
  peak RSS of its node.js process (VmHWM from /proc/PID/status, read while it runs).

Prints both, the ratios bcoin / peregrine of time and RSS, and peregrine's `profile` (the
bottleneck split of its stage times) from its JSON. Every bcoin node is stopped at the end.

usage: contrib/sync_figures.py --peregrine PATH [--ntx 2000] [--nblocks 600] [--mine-to 2400]
       [--port 28480 (uses PORT..PORT+3)] [--work DIR] [--bcoin-memory] [--json]
       [--rss-method auto|time|rusage] [--timeout SECONDS]
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "tests", "integration"))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import bcoin  # noqa: E402  (tests/integration/bcoin.py)

# Runs argv[2:] and writes its peak RSS (KiB, from the rusage of this wrapper's only child) to the
# file descriptor argv[1].
RUSAGE_WRAPPER = r"""
import os, resource, subprocess, sys
rc = subprocess.call(sys.argv[2:])
os.write(int(sys.argv[1]), str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss).encode())
sys.exit(rc)
"""


def vm_hwm_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def run_peregrine(peregrine, datadir, peer_port, timeout, rss_method):
    """Returns (wall seconds, peak RSS KiB or None, how measured, exit code, JSON or None, stderr)."""
    args = [peregrine, "sync", "--network=regtest", f"--datadir={datadir}",
            f"--connect=127.0.0.1:{peer_port}", "--stop-at-tip", "--assumevalid=0"]
    if rss_method == "time" or rss_method == "auto" and os.access("/usr/bin/time", os.X_OK):
        how = "/usr/bin/time -v"
        t0 = time.monotonic()
        p = subprocess.run(["/usr/bin/time", "-v", *args], capture_output=True, text=True, timeout=timeout)
        wall = time.monotonic() - t0
        m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
        rss = int(m.group(1)) if m else None
        stderr = p.stderr
    else:
        how = "getrusage(RUSAGE_CHILDREN)"
        r, w = os.pipe()
        t0 = time.monotonic()
        proc = subprocess.Popen([sys.executable, "-c", RUSAGE_WRAPPER, str(w), *args], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, pass_fds=(w,), start_new_session=True)
        os.close(w)
        try:
            out, stderr = proc.communicate(timeout=timeout)
        except BaseException:
            os.killpg(proc.pid, signal.SIGKILL)  # the wrapper and peregrine
            raise
        wall = time.monotonic() - t0
        rss = int(os.read(r, 64) or 0) or None
        os.close(r)
        p = subprocess.CompletedProcess(args, proc.returncode, out, stderr)
    try:
        summary = json.loads(p.stdout)
    except ValueError:
        summary = None
    return wall, rss, how, p.returncode, summary, stderr


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--peregrine", required=True)
    ap.add_argument("--ntx", type=int, default=2000)
    ap.add_argument("--nblocks", type=int, default=600)
    ap.add_argument("--mine-to", type=int, default=2400)
    ap.add_argument("--port", type=int, default=28480, help="first of four ports (P2P, RPC of two bcoin nodes)")
    ap.add_argument("--work", default="/tmp/peregrine-sync-figures")
    ap.add_argument("--bcoin-memory", action="store_true", help="the syncing bcoin node keeps its chain in memory")
    ap.add_argument("--timeout", type=int, default=900, help="seconds allowed for each sync")
    ap.add_argument("--json", action="store_true", help="also print the figures as one JSON object")
    ap.add_argument("--rss-method", choices=("auto", "time", "rusage"), default="auto",
                    help="peregrine's peak RSS: /usr/bin/time -v, getrusage, or the first available (auto)")
    a = ap.parse_args()
    peregrine = os.path.abspath(a.peregrine)
    realpeer = os.path.join(REPO, "contrib", "realpeer.sh")
    work = os.path.abspath(a.work)
    bcoin.exit_on_signals()
    bcoin.stop_leftovers(work, realpeer)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    p = a.port
    peer = bcoin.Bcoin(realpeer, os.path.join(work, "peer"), p, p + 1, name="peer")
    syncer = bcoin.Bcoin(realpeer, os.path.join(work, "bcoin-sync"), p + 2, p + 3,
                         memory=a.bcoin_memory, name="bcoin-sync")
    try:
        peer.start()
        t_mine = peer.mine(a.mine_to)
        stats, t_fill, _ = peer.fill(a.ntx, a.nblocks, timeout=3600)
        height, tip = peer.height(), peer.best()
        print(f"chain: {height} blocks, {stats['txs']} filled txs ({stats['inputs']} inputs) over the last "
              f"{a.nblocks}; mined in {t_mine:.1f}s, filled in {t_fill:.1f}s", flush=True)

        # Peregrine.
        pwall, prss, how, code, summary, stderr = run_peregrine(
            peregrine, os.path.join(work, "peregrine"), peer.port, a.timeout, a.rss_method)
        if code != 0 or summary is None or summary.get("tip") != tip:
            sys.exit(f"peregrine sync failed: exit {code}, tip {summary and summary.get('tip')} "
                     f"(bcoin {tip}); stderr tail:\n{''.join(stderr.splitlines(True)[-20:])}")

        # bcoin syncing the same chain from the same peer.
        t0 = time.monotonic()
        syncer.start()
        pid = syncer.pid()
        syncer.connect(peer)
        hwm, deadline = None, t0 + a.timeout
        while True:
            hwm = vm_hwm_kib(pid) or hwm
            if syncer.best() == tip:
                break
            if time.monotonic() > deadline:
                sys.exit(f"bcoin did not sync in {a.timeout}s: height {syncer.height()} of {height}")
            time.sleep(0.2)
        bwall = time.monotonic() - t0
        hwm = vm_hwm_kib(pid) or hwm
    finally:
        for n in (syncer, peer):
            n.stop()

    def mib(kib):
        return f"{kib / 1024:.0f} MiB" if kib else "n/a"

    print(f"\nsync of {height} blocks ({stats['txs']} filled txs) from one bcoin peer over loopback:")
    print(f"  peregrine  {pwall:7.1f} s  peak RSS {mib(prss):>9}  ({how}; its own seconds: {summary.get('seconds')})")
    print(f"  bcoin      {bwall:7.1f} s  peak RSS {mib(hwm):>9}  (VmHWM; {'memory' if a.bcoin_memory else 'on-disk'} "
          f"chain; from start to the peer's tip)")
    rt = bwall / pwall if pwall else None
    rr = hwm / prss if hwm and prss else None
    print(f"  bcoin / peregrine: time {rt:.2f}x, RSS " + (f"{rr:.2f}x" if rr else "n/a"))
    punished = [line for line in stderr.splitlines() if "misbehaved" in line or "banned" in line]
    if punished:
        print("  WARNING: peregrine punished the (honest) bcoin peer, its time includes the reconnection:")
        for line in punished:
            print("    " + line)
    print("peregrine profile (its bottleneck report):")
    print(json.dumps(summary.get("profile"), indent=1, default=str))
    if a.json:
        print(json.dumps({"height": height, "txs": stats["txs"], "peregrine_seconds": pwall,
                          "peregrine_peak_rss_kib": prss, "bcoin_seconds": bwall, "bcoin_peak_rss_kib": hwm,
                          "time_ratio": rt, "rss_ratio": rr, "profile": summary.get("profile")}, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
