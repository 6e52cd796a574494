#!/usr/bin/env python3
"""`peregrine sync` from bcoin peers over P2P, of a regtest chain filled with signed transactions.

Starts its own bcoin nodes (contrib/realpeer.sh, in memory, on their own ports; see bcoin.py).
Node 1 mines to MINE_TO (2,400) and then has realpeer.sh fill make NTX signed transactions of every
script type it knows (P2PK, P2PKH compressed and uncompressed, P2WPKH, P2SH-P2WPKH, P2SH / P2WSH /
P2SH-P2WSH 2-of-3 multisig, bare 1-of-2 multisig, taproot key path and script path, OP_RETURN)
mined over NBLOCKS blocks (600): a chain of MINE_TO + NBLOCKS blocks. Then, every script checked
(--assumevalid=0), each into a fresh datadir:

a. `peregrine sync --stop-at-tip --connect=node1`: exit 0, not interrupted, no invalid block, height
   and tip equal to bcoin's, every block connected; `peregrine utxo-stats` height, bestblock, txouts
   and total_amount (exact satoshis) equal to bcoin's gettxoutsetinfo (bcoin counts as Core does:
   see import_filled_chain_test.py), and all of them, hash_serialized_3 and muhash included, equal
   to contrib/utxo_replay.py's on the chain dumped from node 1 (contrib/dump_blocks.py).
b. Nodes 2 and 3 (started with node 1 and told to addnode it) have synced the chain from node 1
   with bcoin's own P2P; peregrine syncs from all three at once: the same checks, its utxo-stats
   equal to (a)'s, and more than one peer delivered blocks (the JSON's per-peer figures, "peers":
   [{"address", "blocks", "bytes"}...], show blocks from at least two of the three ports).
c. Twice, with --dbcache=4 (the kill loses all that was not flushed) and with --dbcache=0 (a flush
   after every block), one script thread: a sync killed with SIGKILL once it has connected part of
   the filled blocks (its height, read over its JSON-RPC getblockcount or else from its stderr
   progress lines, must be between 1 and tip-1 at the kill); while the slower --dbcache=0 one
   runs, a second instance on the same datadir must exit 1 saying the datadir is locked / in use.
   Then `sync --stop-at-tip` on the same datadir: the same checks as (a)'s summary, and utxo-stats
   identical to (a)'s in every field but disk_size (height, bestblock, txouts, total_amount,
   hash_serialized_3, muhash, transactions, bogosize).

In (a), (b) and the resumed syncs no log line may punish an honest bcoin peer (`misbehaving`, `discouraged`,
`banned`, `invalid_block`).

Every bcoin node is stopped at the end whatever happens (and nodes left by an earlier run that was
killed are stopped at the start). Timings go to stdout for the CI log.

usage: sync_filled_chain_test.py PEREGRINE REPO_DIR WORK_DIR P2P1 RPC1 P2P2 RPC2 P2P3 RPC3 PEREGRINE_RPC
                                 [NTX NBLOCKS MINE_TO]
"""
import decimal
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import bcoin
from bcoin import FILL_KINDS, check, expect, peregrine_rpc, satoshis, tail, utxo_stats

SYNC_TIMEOUT = 180   # seconds for one `peregrine sync --stop-at-tip` of the whole chain


RPC_AUTH = ("--rpcuser=u", "--rpcpassword=w")


def sync_height(rpcport, stderr_path):
    """A running sync's validated height: RPC getblockcount, else the last height its stderr
    progress lines name. Returns (height or None, where it came from)."""
    try:
        return peregrine_rpc(rpcport, "getblockcount"), "RPC getblockcount"
    except (OSError, RuntimeError, ValueError, http.client.HTTPException) as e:
        error = e
    with open(stderr_path, errors="replace") as f:
        m = re.findall(r"\bheight (\d+)/\d+", f.read())
    if m:
        return int(m[-1]), f"stderr progress line (RPC: {error})"
    return None, f"RPC: {error}; no height in stderr"


LIVE = []   # Sync processes not waited for yet: killed on the way out, whatever happens.


class Sync:
    """One `peregrine sync` process; stderr to WORK/NAME.stderr."""

    def __init__(self, peregrine, work, name, datadir, peers, *extra):
        self.name = name
        self.stderr_path = os.path.join(work, re.sub(r"[^A-Za-z0-9=]+", "-", name).strip("-") + ".stderr")
        self.args = [peregrine, "sync", "--network=regtest", f"--datadir={datadir}",
                     *[f"--connect=127.0.0.1:{p.port}" for p in peers], *extra]
        print(f"run  {name}: {' '.join(self.args)}", flush=True)
        self.t0 = time.monotonic()
        self.stderr = open(self.stderr_path, "w")
        self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE, stderr=self.stderr, text=True)
        self.wall = None
        LIVE.append(self)

    def finish(self, timeout=SYNC_TIMEOUT):
        """Waits for the exit; returns (exit code, JSON summary or None). A process still running
        after `timeout` gets SIGINT, then SIGKILL 15 s later, and is a failure."""
        try:
            out, _ = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.send_signal(signal.SIGINT)
            try:
                out, _ = self.proc.communicate(timeout=15)
                how = "stopped by SIGINT"
            except subprocess.TimeoutExpired:
                self.proc.kill()
                out, _ = self.proc.communicate()
                how = "SIGINT ignored for 15 s, killed"
            expect(f"{self.name}: exits within {timeout}s", False,
                   f"{how}, exit {self.proc.returncode}; stderr tail:\n{tail(self.stderr_path)}")
        self.wall = time.monotonic() - self.t0
        self.stderr.close()
        LIVE.remove(self)
        code = self.proc.returncode
        summary = None
        try:
            summary = json.loads(out)
        except ValueError:
            expect(f"{self.name}: stdout is one JSON object", False,
                   f"exit {code}, stdout {out[:2000]!r}; stderr tail:\n{tail(self.stderr_path)}")
        if code != 0:
            print(f"     {self.name} stderr tail:\n{tail(self.stderr_path)}")
        check(f"{self.name}: exit code", code, 0)
        return code, summary

    def kill9(self):
        self.proc.kill()
        self.proc.communicate()
        self.stderr.close()
        LIVE.remove(self)
        self.wall = time.monotonic() - self.t0


def check_summary(name, s, height, tip, fresh=True):
    """The checks every complete sync's JSON must pass."""
    if s is None:
        return
    missing = [k for k in ("height", "tip", "headers", "blocks_connected", "seconds", "invalid",
                           "interrupted", "profile") if k not in s]
    check(f"{name}: JSON fields missing", missing, [])
    check(f"{name}: height = bcoin getblockcount", s.get("height"), height)
    check(f"{name}: tip = bcoin getbestblockhash", s.get("tip"), tip)
    check(f"{name}: headers", s.get("headers"), height)
    check(f"{name}: invalid blocks", s.get("invalid"), [])
    check(f"{name}: interrupted", s.get("interrupted"), False)
    if fresh:
        check(f"{name}: blocks_connected (fresh datadir)", s.get("blocks_connected"), height)
    expect(f"{name}: profile is an object", isinstance(s.get("profile"), dict), f"{s.get('profile')!r:.200}")


def check_utxo_vs_bcoin(name, u, bset):
    check(f"{name}: utxo-stats height = bcoin", u.get("height"), bset["height"])
    check(f"{name}: utxo-stats bestblock = bcoin", u.get("bestblock"), bset["bestblock"])
    check(f"{name}: utxo-stats txouts = bcoin", u.get("txouts"), bset["txouts"])
    check(f"{name}: utxo-stats total_amount (sat) = bcoin", satoshis(u.get("total_amount", 0)),
          satoshis(bset["total_amount"]))


def check_utxo_same(name, u, ref, ref_name):
    for f in sorted(set(u) | set(ref)):
        if f != "disk_size":
            check(f"{name}: utxo-stats {f} = {ref_name}", u.get(f), ref.get(f))


def multi_peer_evidence(summary, ports):
    """How many distinct peers (of `ports`) delivered blocks, from the sync JSON's per-peer figures:
    a list of peer objects anywhere in it (e.g. "peers": [{"address": "127.0.0.1:P", "blocks": N,
    "bytes": B}, ...]) or an object keyed by peer address, with a block or byte count above 0.
    Returns (count or None when the JSON has no per-peer figures, description)."""
    found = []

    def port_of(text):
        return next((p for p in ports if str(text).endswith(f":{p}")), None)

    def walk(obj, path):
        if isinstance(obj, dict):
            keyed = {k: v for k, v in obj.items() if port_of(k)}
            if keyed:
                found.append((path, [(port_of(k), v) for k, v in keyed.items()]))
            for k, v in obj.items():
                walk(v, f"{path}.{k}")
        elif isinstance(obj, list):
            peers = [(port_of(e.get(a)), e) for e in obj if isinstance(e, dict)
                     for a in ("address", "addr", "peer") if port_of(e.get(a, ""))]
            if peers:
                found.append((path, peers))
            for i, v in enumerate(obj):
                walk(v, f"{path}[{i}]")
    walk(summary or {}, "json")

    def delivered(v):
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return v > 0
        if isinstance(v, dict):
            return any(delivered(x) for k, x in v.items() if "block" in str(k) or "bytes" in str(k))
        return False

    if not found:
        return None, "no per-peer figures in the JSON"
    path, peers = found[0]
    ports_delivered = sorted({p for p, v in peers if delivered(v)})
    return len(ports_delivered), f"{path}: ports that delivered {ports_delivered}; {json.dumps(peers, default=str)[:600]}"


def kill_and_resume(peregrine, work, label, cache, peers, prpc, kill_at, height, tip, ua, times, lock_check):
    """Starts a sync (one script thread, `cache`, RPC on prpc) into WORK/datadir-LABEL, checks (if
    lock_check) that a second instance on the datadir is refused, SIGKILLs the first once its height
    reaches kill_at (the height seen last must be between 1 and tip-1), then resumes with
    --stop-at-tip: the summary's checks, and utxo-stats equal to (a)'s (ua) in every field but
    disk_size. Should the sync outrun the polling and reach the tip before the kill (a test-timing
    miss, not a fault), it is tried again into a fresh datadir aiming at half the height, at most
    twice more."""
    d = os.path.join(work, f"datadir-{label}")
    for attempt in range(3):
        shutil.rmtree(d, ignore_errors=True)
        sc = Sync(peregrine, work, f"{label}: sync {cache} to be killed", d, peers, "--assumevalid=0",
                  "--par=1", cache, "--progress=1", f"--rpcport={prpc}", *RPC_AUTH)
        h_kill, source, deadline = None, None, time.monotonic() + SYNC_TIMEOUT
        while time.monotonic() < deadline and sc.proc.poll() is None:
            h, source = sync_height(prpc, sc.stderr_path)
            h_kill = h if h is not None else h_kill
            if h_kill is not None and lock_check and h_kill >= 1:
                # A second instance on the same datadir: refused (exit 1), saying why.
                try:
                    second = subprocess.run([peregrine, "sync", "--network=regtest", f"--datadir={d}",
                                             f"--connect=127.0.0.1:{peers[0].port}", "--stop-at-tip"],
                                            capture_output=True, text=True, timeout=30)
                    msg = second.stderr.strip()
                    check(f"{label}: second instance on the same datadir: exit code", second.returncode, 1)
                    expect(f"{label}: second instance says the datadir is locked / in use",
                           "lock" in msg.lower() or "in use" in msg.lower(), f"stderr {msg[:300]!r}")
                except subprocess.TimeoutExpired:
                    expect(f"{label}: second instance on the same datadir exits", False,
                           "still running after 30 s, killed")
                lock_check = False
                continue
            if h_kill is not None and h_kill >= kill_at:
                break
            time.sleep(0.01)
        running = sc.proc.poll() is None
        sc.kill9()
        times[f"{label} killed after"] = sc.wall
        print(f"{label}: SIGKILL at height {h_kill} ({source}; aimed at >= {kill_at}, tip {height}) "
              f"after {sc.wall:.1f}s")
        if running and h_kill is not None and h_kill >= height and attempt < 2:
            kill_at //= 2
            print(f"{label}: the sync reached the tip before the kill: again, aiming at {kill_at}")
            continue
        break
    if not running:
        expect(f"{label}: still running when killed", False,
               f"exited {sc.proc.returncode} by itself; stderr tail:\n{tail(sc.stderr_path)}")
    expect(f"{label}: height at kill between 1 and tip-1", h_kill is not None and 1 <= h_kill <= height - 1,
           f"height {h_kill}, tip {height}")
    sr = Sync(peregrine, work, f"{label}: resume after SIGKILL", d, peers, "--stop-at-tip", "--assumevalid=0")
    _, jr = sr.finish()
    times[f"{label} resume"] = sr.wall
    check_summary(f"{label} resume", jr, height, tip, fresh=False)
    check_no_punishment(f"{label} resume", sr.stderr_path)
    if jr:
        print(f"{label} resume: connected {jr.get('blocks_connected')} blocks (killed at height {h_kill}), "
              f"downloaded {sum(p.get('blocks', 0) for p in jr.get('peers', []) if isinstance(p, dict))}")
    check_utxo_same(label, utxo_stats(peregrine, d), ua, "a's")
    return jr


def check_no_punishment(name, stderr_path):
    """Honest bcoin peers: no log line may punish or ban one, or call a block invalid."""
    with open(stderr_path, errors="replace") as f:
        bad = [line.strip() for line in f if any(w in line for w in ("misbehaving", "discouraged", "[ban]", "banned", "invalid_block"))]
    check(f"{name}: log lines punishing an honest peer", bad, [])


def main():
    if len(sys.argv) not in (11, 14):
        sys.exit(__doc__.rsplit("usage: ", 1)[1])
    peregrine, repo, work = os.path.abspath(sys.argv[1]), sys.argv[2], os.path.abspath(sys.argv[3])
    ports = [(int(sys.argv[4]), int(sys.argv[5])), (int(sys.argv[6]), int(sys.argv[7])),
             (int(sys.argv[8]), int(sys.argv[9]))]
    prpc = int(sys.argv[10])
    ntx, nblocks, mine_to = (map(int, sys.argv[11:14])) if len(sys.argv) == 14 else (2000, 600, 2400)
    realpeer = os.path.join(repo, "contrib", "realpeer.sh")
    bcoin.exit_on_signals()
    bcoin.fresh_work_dir(work, realpeer)
    t_all = time.monotonic()
    times = {}

    with bcoin.Nodes(realpeer, work, ports) as nodes:
        n1, n2, n3 = nodes
        # The chain. Nodes 2 and 3 follow node 1 from the start (bcoin's own P2P, one core of its
        # own while fill keeps node 1 and its client busy), so their sync costs no extra wall time.
        nodes.start()
        n2.connect(n1)
        n3.connect(n1)
        times["mine"] = n1.mine(mine_to)
        stats, times["fill"], out = n1.fill(ntx, nblocks, timeout=400)
        print(out.stdout.strip().splitlines()[-1], "| stderr:", out.stderr.strip() or "(empty)")
        height, tip = n1.height(), n1.best()
        bset = n1.rpc("gettxoutsetinfo")
        print(f"bcoin: height {height}, tip {tip}, gettxoutsetinfo {json.dumps(bset, default=str)}")
        check("chain height", height, mine_to + nblocks)
        expect("fill: transactions made >= 95% of NTX", stats["txs"] >= ntx * 0.95, f"{stats['txs']} of {ntx}")
        check("fill: left in mempool", stats["mempool"], 0)
        check("fill: kinds never spent", [k for k in FILL_KINDS if not stats["byInput"].get(k)], [])
        # The chain as a blk file, replayed by contrib/utxo_replay.py (shares no code with Peregrine):
        # the reference for the figures bcoin does not compute (hash_serialized_3, muhash...).
        blk = os.path.join(work, "chain.blk")
        _, times["dump + replay"] = bcoin.run([sys.executable, os.path.join(repo, "contrib", "dump_blocks.py"),
                                               str(n1.rpcport), blk])
        out, t_replay = bcoin.run([sys.executable, os.path.join(repo, "contrib", "utxo_replay.py"),
                                   "--network=regtest", blk])
        times["dump + replay"] += t_replay
        ref = json.loads(out.stdout, parse_float=decimal.Decimal)

        # (a) one peer.
        d_a = os.path.join(work, "datadir-a")
        sa = Sync(peregrine, work, "a: sync from node1", d_a, [n1], "--stop-at-tip", "--assumevalid=0")
        _, ja = sa.finish()
        times["a"] = sa.wall
        check_summary("a", ja, height, tip)
        check_no_punishment("a", sa.stderr_path)
        ua = utxo_stats(peregrine, d_a)
        print(f"a: utxo-stats {json.dumps(ua, default=str)}")
        check_utxo_vs_bcoin("a", ua, bset)
        for f in ("height", "bestblock", "txouts", "total_amount", "hash_serialized_3", "muhash",
                  "transactions", "bogosize"):
            check(f"a: utxo-stats {f} = utxo_replay", ua.get(f), ref[f])
        if ja:
            print(f"a: profile {json.dumps(ja.get('profile'), default=str)}")

        # (b) three peers: nodes 2 and 3 have the whole chain from node 1 (bcoin's own P2P).
        t0 = time.monotonic()
        try:
            n2.wait_synced(n1, timeout=180)
            n3.wait_synced(n1, timeout=180)
        except TimeoutError as e:
            sys.exit(f"FAIL bcoin nodes 2/3 did not sync from node 1: {e}")
        times["bcoin nodes 2, 3: wait for node 1's tip after (a)"] = time.monotonic() - t0
        check("bcoin node2 tip", n2.best(), tip)
        check("bcoin node3 tip", n3.best(), tip)
        d_b = os.path.join(work, "datadir-b")
        sb = Sync(peregrine, work, "b: sync from nodes 1,2,3", d_b, [n1, n2, n3], "--stop-at-tip",
                  "--assumevalid=0")
        _, jb = sb.finish()
        times["b"] = sb.wall
        check_summary("b", jb, height, tip)
        check_no_punishment("b", sb.stderr_path)
        ub = utxo_stats(peregrine, d_b)
        check_utxo_vs_bcoin("b", ub, bset)
        check_utxo_same("b", ub, ua, "a's")
        count, where = multi_peer_evidence(jb, [n.port for n in nodes])
        expect("b: more than one peer delivered blocks", count is not None and count > 1, where)
        if jb:
            print(f"b: profile {json.dumps(jb.get('profile'), default=str)}")

        # (c) SIGKILL mid-sync, then resume: once with a small cache (the kill loses what was not
        # flushed), once flushing after every block (the kill lands between or inside flushes).
        resumed = []
        for label, cache in (("c1", "--dbcache=4"), ("c2", "--dbcache=0")):
            resumed.append(kill_and_resume(peregrine, work, label, cache, [n1, n2, n3], prpc,
                                           mine_to + nblocks // 10, height, tip, ua, times,
                                           lock_check=cache == "--dbcache=0"))

    for what, t in times.items():
        print(f"TIMINGS: {what} {t:.1f}s")
    for label, s in (("a (1 peer)", ja), ("b (3 peers)", jb), ("c1 resume", resumed[0]), ("c2 resume", resumed[1])):
        if s:
            print(f"TIMINGS: sync {label}: {s.get('blocks_connected')} blocks in {s.get('seconds')}s")
    print(f"TIMINGS: total {time.monotonic() - t_all:.1f}s (fill {ntx} txs over {nblocks} blocks after {mine_to})")
    return bcoin.report(work)


if __name__ == "__main__":
    try:
        code = main()
    finally:
        for sync in LIVE:
            sync.proc.kill()
    sys.exit(code)
