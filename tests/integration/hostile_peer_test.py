#!/usr/bin/env python3
"""Each offence Bitcoin Core punishes (and each it tolerates), sent over loopback by a scripted hostile
peer (tests/integration/hostile_peer.py), with Core's (v28+) outcome asserted and the node's heap
growth measured (getmemoryinfo's peregrine_heap.in_use) around every case.

Setup: `peregrine generate` a small regtest chain, `peregrine import` it, `peregrine sync --listen
--bind=127.0.0.1 --port=P2P_PORT --connect=127.0.0.1:OUT_PORT` (no other peer: --connect also keeps
the node from dialing the addresses the addr cases gossip). The test listens on OUT_PORT, so every
outbound connection the node makes is to us and is *manual* (--connect; Core treats addnode onetry
the same): Core never punishes those, so misbehaviour there must leave the connection up, while
framing errors and an oversized locator still disconnect.

Outcomes: "disconnect" (the node closes the socket within 5 s), "stays" (not closed within 1.5 s and a
ping is answered within 5 s), "discouraged" added when 127.0.0.1 lands in listbanned or a new inbound
connection cannot complete its handshake (Core never discourages local addresses). Bans are removed
after each case (setban remove) so one case's outcome does not decide the next's. The two stalling
handshakes are opened first and checked after the rest (Core's 60 s handshake timeout, Peregrine's
too). Last, the node is restarted with --whitelist=127.0.0.1 (Core's noban): misbehaviour must leave
the connection up, a wrong magic still ends it ("inbnd-wl" rows).

Each case prints: case, direction, Core's outcome, ours, PASS/FAIL, heap growth. Exit 1 if any differ.

usage: hostile_peer_test.py PEREGRINE WORK_DIR P2P_PORT RPC_PORT OUT_PORT [BLOCKS]
"""
import json
import os
import random
import shutil
import socket
import struct
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import bcoin
from chain_control_rpc_test import Rpc, start as start_sync
from hostile_peer import (MAGIC_MAINNET, Block, HostilePeer, Listener, addr_payload, frame, headers_payload,
                          inv_payload, mine_header, random_hash, version_payload)

MiB = 1 << 20
HEAP_BOUND = 64 * MiB  # growth allowed in any one case (the floods included)
HANDSHAKE_TIMEOUT = 60  # Core's and Peregrine's (peer/peer_manager.hpp Timeouts::handshake), no option


class Node:
    def __init__(self, rpc, log_path, p2p_port, pid):
        self.rpc, self.log_path, self.p2p_port, self.pid = rpc, log_path, p2p_port, pid
        self.tag = 0

    def status_kib(self, field):
        """VmRSS (resident now) or VmHWM (resident at its peak) of the node, in KiB."""
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        return 0

    def heap(self):
        return self.rpc("getmemoryinfo")["peregrine_heap"]["in_use"]

    def tip(self):
        h = self.rpc("getbestblockhash")
        header = self.rpc("getblockheader", h)
        return bytes.fromhex(h)[::-1], header["height"], header["time"]

    def next_tag(self):
        self.tag += 1
        return self.tag

    def log_size(self):
        try:
            return os.path.getsize(self.log_path)
        except OSError:
            return 0

    def log_since(self, offset, words=("misbehav", "discourag", "ban", "disconnect", "drop", "ignor", "closed")):
        try:
            with open(self.log_path, errors="replace") as f:
                f.seek(offset)
                lines = f.read().splitlines()
        except OSError:
            return []
        return [ln for ln in lines if any(w in ln.lower() for w in words)]

    def extend_tip(self):
        """Two valid blocks on the tip through submitblock: a header a block case left above the tip
        (its block refused or ignored) is outworked, so the next case starts at best header = tip."""
        tip, height, t = self.tip()
        for i in range(2):
            b = Block(tip, height + 1 + i, t + 1 + i, tag=self.next_tag())
            self.rpc("submitblock", b.raw.hex())
            tip = b.hash
        got = self.rpc("getbestblockhash")
        if got != tip[::-1].hex():
            print(f"note: the tip did not move to the 2 blocks submitted ({got})", flush=True)

    def bans(self):
        return self.rpc("listbanned")

    def clear_bans(self):
        for b in self.bans():
            self.rpc.call("setban", b["address"], "remove")


# ------------------------------------------------------------------------------ the cases
# Each takes (node, peer) after a completed handshake (unless it says otherwise) and returns
# (ok, note): ok False when something beyond connected/closed is wrong (pongs missing, block stored).

def c_invalid_pow(node, p):
    header = mine_header(random_hash(), random_hash(), int(time.time()), bits=0x1D00FFFF, want_valid=False)
    p.send("headers", headers_payload([header]))
    return True, ""


def c_invalid_pow_on_tip(node, p):
    tip, _, t = node.tip()
    header = mine_header(tip, random_hash(), t + 1, want_valid=False)  # regtest bits, hash above the target
    p.send("headers", headers_payload([header]))
    return True, ""


def c_noncontinuous(node, p):
    # The tip's own header (known: nothing new is stored), then one that does not follow it.
    tip_header = bytes.fromhex(node.rpc("getblockheader", node.rpc("getbestblockhash"), False))
    second = mine_header(random_hash(), random_hash(), int(time.time()))
    p.send("headers", headers_payload([tip_header, second]))
    return True, ""


def c_headers_2001(node, p):
    tip_header = bytes.fromhex(node.rpc("getblockheader", node.rpc("getbestblockhash"), False))
    p.send("headers", headers_payload([tip_header] * 2001))
    return True, ""


def c_headers_undecodable(node, p):
    p.send("headers", b"\xfe\xff\xff\xff\xff")  # 2^32-1 headers, none there
    return True, ""


def announce_then_send(node, p, block, raw):
    """Announces the block's header, waits briefly for the node's getdata, then sends raw as the block.
    Returns whether the node asked for it."""
    p.send("headers", headers_payload([block.header]))
    asked = p.wait_for("getdata", timeout=2) is not None
    p.send("block", raw)
    return asked


def submitted(node, raw, verdicts):
    """(ok, note): what submitblock says of the same bytes, which proves the test's block is what the
    case claims (verdicts: the reasons accepted)."""
    verdict = node.rpc.call("submitblock", raw.hex())[0]
    return verdict in verdicts, f"submitblock says {verdict}"


def wait_until_invalid(node, block_hash, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if any(t["hash"] == block_hash and t["status"] == "invalid" for t in node.rpc("getchaintips")):
            return True
        time.sleep(0.05)
    return False


def c_mutated_block(node, p):
    tip, height, t = node.tip()
    b = Block(tip, height + 1, t + 1, tag=node.next_tag())
    asked = announce_then_send(node, p, b, b.raw_mutated)
    ok, note = submitted(node, b.raw_mutated, ("bad-txnmrklroot",))
    return ok, f"{'asked for' if asked else 'not asked for'}; {note}"


def c_invalid_block(node, p):
    tip, height, t = node.tip()
    b = Block(tip, height + 1, t + 1, tag=node.next_tag(), bad_height=True)
    asked = announce_then_send(node, p, b, b.raw)
    # The chain thread checks a stored block after the network thread took it: until it has, the
    # block is known and not yet invalid, and submitblock says "duplicate" (as Core does for a block
    # it holds). Wait, bounded, for the verdict to reach the block tree.
    wait_until_invalid(node, b.hash_hex, timeout=15)
    ok, note = submitted(node, b.raw, ("bad-cb-height", "duplicate-invalid"))
    return ok, f"{'asked for' if asked else 'not asked for'}; {note}"


def c_unconnecting_block(node, p):
    _, height, t = node.tip()
    b = Block(random_hash(), height + 1, t + 1, tag=node.next_tag())
    p.send("block", b.raw)
    return submitted(node, b.raw, ("prev-blk-not-found",))


def c_inv_50001(node, p):
    p.send("inv", inv_payload([(1, random_hash()) for _ in range(50_001)]))
    return True, ""


def c_getdata_50001(node, p):
    p.send("getdata", inv_payload([(2, random_hash()) for _ in range(50_001)]))
    return True, ""


def c_addr_1001(node, p):
    p.send("addr", addr_payload(1001))
    return True, ""


def c_locator_102(node, p):
    p.send("getheaders", struct.pack("<I", 70016) + bytes([102]) + b"".join(random_hash() for _ in range(102))
           + b"\x00" * 32)
    return True, ""


def c_oversized_payload(node, p):
    p.send_raw(frame("block", b"\x00" * 1000, length=4_000_001))
    return True, ""


def c_wrong_magic(node, p):
    p.send_raw(frame("ping", struct.pack("<Q", 1), magic=MAGIC_MAINNET))
    return True, ""


def c_bad_checksum(node, p):
    p.send_raw(frame("ping", struct.pack("<Q", 7), checksum=b"\x00\x00\x00\x00"))
    return True, ""


def c_invalid_command(node, p):
    p.send_raw(frame("", struct.pack("<Q", 7), raw_command=b"pi\x01ng\x00\x00\x00\x00\x00\x00\x00"))
    return True, ""


def c_unknown_command(node, p):
    p.send("hostilecmd", b"\x01\x02\x03")
    return True, ""


def c_duplicate_version(node, p):
    p.send("version", version_payload())
    return True, ""


def c_duplicate_verack(node, p):
    p.send("verack")
    return True, ""


def c_addr_flood(node, p):
    for i in range(50):
        p.send("addr", addr_payload(1000, first_octet=12 + i))
    return True, "50 x 1,000 addresses"


def c_ping_flood(node, p):
    nonces = [random.getrandbits(64) for _ in range(5000)]
    p.send_raw(b"".join(frame("ping", struct.pack("<Q", n)) for n in nonces))
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not p.closed.is_set() and p.pongs_for(nonces) < len(nonces):
        time.sleep(0.05)
    got = p.pongs_for(nonces)
    return got == len(nonces), f"{got}/{len(nonces)} pongs"


def c_unrequested_blocks(node, p):
    # Siblings of the tip's parent: valid, but less work than the tip, so Core stores none of them.
    _, height, t = node.tip()
    base_hash = node.rpc("getblockhash", height - 2)
    base = bytes.fromhex(base_hash)[::-1]
    blocks = [Block(base, height - 1, t + 1, tag=node.next_tag()) for _ in range(200)]
    p.send_raw(b"".join(frame("block", b.raw) for b in blocks))
    p.alive(10)  # all read
    stored = sum(1 for b in blocks if node.rpc.call("getblock", b.hash_hex, 0)[1] is None)
    return stored == 0, f"{stored}/200 stored"


# (name, function, Core's inbound outcome, Core's outbound (manual) outcome or None for inbound only)
CASES = [
    ("invalid-pow-header", c_invalid_pow, "disconnect", "stays"),
    ("invalid-pow-header-on-tip", c_invalid_pow_on_tip, "disconnect", "stays"),
    ("non-continuous-headers", c_noncontinuous, "disconnect", "stays"),
    ("headers-over-2000", c_headers_2001, "disconnect", "stays"),
    ("headers-count-2^32-1", c_headers_undecodable, "stays", "stays"),
    ("mutated-block", c_mutated_block, "disconnect", "stays"),
    ("invalid-block", c_invalid_block, "disconnect", "stays"),
    ("unconnecting-block", c_unconnecting_block, "disconnect", "stays"),
    ("inv-over-50000", c_inv_50001, "disconnect", "stays"),
    ("getdata-over-50000", c_getdata_50001, "disconnect", "stays"),
    ("addr-over-1000", c_addr_1001, "disconnect", "stays"),
    ("getheaders-locator-over-101", c_locator_102, "disconnect", "disconnect"),
    ("payload-over-4000000", c_oversized_payload, "disconnect", "disconnect"),
    ("wrong-magic", c_wrong_magic, "disconnect", "disconnect"),
    ("bad-checksum", c_bad_checksum, "stays", "stays"),
    ("invalid-command-string", c_invalid_command, "stays", None),
    ("unknown-command", c_unknown_command, "stays", "stays"),
    ("duplicate-version", c_duplicate_version, "stays", None),
    ("duplicate-verack", c_duplicate_verack, "stays", None),
    ("addr-flood", c_addr_flood, "stays", None),
    ("ping-flood", c_ping_flood, "stays", "stays"),
    ("unrequested-blocks-flood", c_unrequested_blocks, "stays", None),
]


class Runner:
    def __init__(self, node, listener):
        self.node, self.listener = node, listener
        self.rows = []
        self.max_growth = 0

    def record(self, case, direction, core, ours, ok_extra, note, growth):
        passed = core == ours and ok_extra
        line = (f"{case:28} {direction:8} core={core:11} ours={ours:24} {'PASS' if passed else 'FAIL'}"
                f"  heap {growth / MiB:+7.2f} MiB" + (f"  ({note})" if note else ""))
        print(line, flush=True)
        self.rows.append((case, direction, passed))
        self.max_growth = max(self.max_growth, growth)

    def observe(self, p, core):
        if core == "disconnect":
            return "disconnect" if p.wait_closed(5) else ("stays" if p.alive(5) else "unresponsive")
        if p.wait_closed(1.5):
            return "disconnect"
        return "stays" if p.alive(5) else ("disconnect" if p.closed.is_set() else "unresponsive")

    def discouraged(self):
        """True if 127.0.0.1 is banned or cannot complete a new inbound handshake; clears bans."""
        banned = bool(self.node.bans())
        self.node.clear_bans()
        if banned:
            return True
        try:
            q = HostilePeer.connect(self.node.p2p_port, "probe")
        except OSError:
            return True
        ok = q.handshake(5)
        q.close()
        return not ok

    def finish(self, case, direction, core, p, fn, heap0, log0):
        ok, note = fn(self.node, p)
        ours = self.observe(p, core)
        growth = self.node.heap() - heap0  # with the peer still connected when it stays
        p.close()
        if fn in (c_mutated_block, c_invalid_block):
            self.node.extend_tip()
        if direction != "outbound" and self.discouraged():
            ours += "+discouraged"
        elif direction == "outbound":
            self.node.clear_bans()
        if growth > HEAP_BOUND:
            ok, note = False, f"{note} heap growth over {HEAP_BOUND // MiB} MiB".strip()
        if core != ours.split("+")[0] or not ok:
            for ln in self.node.log_since(log0)[-3:]:
                note += f"\n      log: {ln[:200]}"
        self.record(case, direction, core, ours, ok, note, growth)

    def inbound(self, case, fn, core, handshake=True, direction="inbound"):
        heap0, log0 = self.node.heap(), self.node.log_size()
        p = HostilePeer.connect(self.node.p2p_port, case)
        if handshake and not p.handshake(5):
            self.record(case, direction, core, "no-handshake", False, "the node did not complete the handshake", 0)
            p.close()
            self.node.clear_bans()
            return
        self.finish(case, direction, core, p, fn, heap0, log0)

    def outbound(self, case, fn, core):
        heap0, log0 = self.node.heap(), self.node.log_size()
        p = self.listener.next_peer(timeout=15, name=case)
        if p is None:
            self.record(case, "outbound", core, "no-connection", False, "the node did not connect to us in 15 s", 0)
            if p:
                p.close()
            return
        self.finish(case, "outbound", core, p, fn, heap0, log0)

    # Handshake-order cases: each its own connection, checked after a late handshake.
    def before_handshake(self):
        for case, early in (("message-before-version", lambda p: p.send("ping", struct.pack("<Q", 3))),
                            ("message-before-verack", None)):
            heap0, log0 = self.node.heap(), self.node.log_size()
            p = HostilePeer.connect(self.node.p2p_port, case)
            if early:
                early(p)
                ok = p.handshake(5)
            else:
                p.send("version", version_payload())
                p.got_version.wait(5)
                p.send("getheaders", struct.pack("<I", 70016) + b"\x00" + b"\x00" * 32)
                p.send("ping", struct.pack("<Q", 4))
                p.send("verack")
                ok = p.got_verack.wait(5)
            if not ok:
                ours = "disconnect" if p.wait_closed(1) else "no-handshake"
                growth = self.node.heap() - heap0
                p.close()
                note = "".join(f"\n      log: {ln[:200]}" for ln in self.node.log_since(log0)[-3:])
                self.record(case, "inbound", "stays", ours + ("+discouraged" if self.discouraged() else ""),
                            True, note, growth)
                continue
            self.finish(case, "inbound", "stays", p, lambda n, q: (True, ""), heap0, log0)


def stalling_start(port):
    """Two stalling handshakes: one sends nothing, one sends version and never verack."""
    silent = HostilePeer.connect(port, "stall-silent")
    half = HostilePeer.connect(port, "stall-version-only")
    half.send("version", version_payload())
    return time.monotonic(), silent, half


def stalling_check(runner, t0, silent, half):
    for case, p in (("stalling-handshake-silent", silent), ("stalling-handshake-no-verack", half)):
        left = t0 + HANDSHAKE_TIMEOUT + 10 - time.monotonic()
        closed = p.wait_closed(max(left, 0))
        took = (p.closed_at or time.monotonic()) - t0
        runner.record(case, "inbound", "disconnect", "disconnect" if closed else "stays", True,
                      f"closed after {took:.0f} s" if closed else f"open after {took:.0f} s", 0)
        p.close()


def manual_invalid_pow(runner):
    """Core's "manual peer not punished": the --connect peer (us) sends an invalid-PoW header."""
    runner.outbound("manual-peer-invalid-pow", c_invalid_pow, "stays")


def main():
    if len(sys.argv) not in (6, 7):
        sys.exit(__doc__.rsplit("usage: ", 1)[1])
    peregrine, work = sys.argv[1], sys.argv[2]
    p2p_port, rpc_port, out_port = (int(x) for x in sys.argv[3:6])
    height = int(sys.argv[6]) if len(sys.argv) == 7 else 200
    t_all = time.monotonic()
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    blk_dir, datadir, log = (os.path.join(work, n) for n in ("chain", "datadir", "sync.log"))
    bcoin.run([peregrine, "generate", f"--blocks={height}", "--txs-per-block=1", "--threads=1", blk_dir])
    out, _ = bcoin.run([peregrine, "import", "--network=regtest", f"--datadir={datadir}",
                        os.path.join(blk_dir, "blk00000.dat")])
    bcoin.check("import: height", json.loads(out.stdout)["height"], height)

    listener = Listener(out_port)
    args = ["--listen", "--bind=127.0.0.1", f"--port={p2p_port}", f"--connect=127.0.0.1:{out_port}"]
    proc, rpc = start_sync(peregrine, datadir, rpc_port, log, args)
    failed = True
    try:
        rpc("logging", ["peer", "ban", "headers", "blocksync"])  # what the node did with each offence
        node = Node(rpc, rpc("getrpcinfo")["logpath"], p2p_port, proc.pid)
        runner = Runner(node, listener)
        print(f"heap in use at start: {node.heap() / MiB:.1f} MiB, resident {node.status_kib('VmRSS') / 1024:.1f} MiB",
              flush=True)
        stall = stalling_start(p2p_port)

        # The node's first connection to us is the manual peer of the first outbound case.
        manual_invalid_pow(runner)
        for case, fn, core_in, _ in CASES:
            runner.inbound(case, fn, core_in)
        runner.before_handshake()
        for case, fn, _, core_out in CASES:
            if core_out:
                runner.outbound(case, fn, core_out)
        # Later local connections are still accepted (after the undecodable headers and the rest).
        runner.inbound("later-local-connection", lambda n, p: (True, ""), "stays")
        stalling_check(runner, *stall)
        print(f"heap in use at the end: {node.heap() / MiB:.1f} MiB, resident {node.status_kib('VmRSS') / 1024:.1f} MiB, "
              f"peak resident {node.status_kib('VmHWM') / 1024:.1f} MiB; largest heap growth in a case "
              f"{runner.max_growth / MiB:.2f} MiB", flush=True)

        # --whitelist=127.0.0.1 (Core: noban): misbehaviour is not punished, a broken stream still ends.
        rpc("stop")
        proc.wait(timeout=60)
        proc, rpc = start_sync(peregrine, datadir, rpc_port, log, args + ["--whitelist=127.0.0.1"])
        rpc("logging", ["peer", "ban", "headers", "blocksync"])
        runner.node = node = Node(rpc, node.log_path, p2p_port, proc.pid)
        for case, fn, core in (("invalid-pow-header-on-tip", c_invalid_pow_on_tip, "stays"),
                               ("non-continuous-headers", c_noncontinuous, "stays"),
                               ("headers-count-2^32-1", c_headers_undecodable, "stays"),
                               ("wrong-magic", c_wrong_magic, "disconnect")):
            runner.inbound(case, fn, core, direction="inbnd-wl")
        failed = [r for r in runner.rows if not r[2]]
        print(f"{len(runner.rows) - len(failed)} of {len(runner.rows)} cases as Core; "
              f"total {time.monotonic() - t_all:.0f} s", flush=True)
        if rpc.call("stop")[1] is None:
            proc.wait(timeout=60)
    finally:
        listener.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if failed:
        print(f"sync log tail:\n{bcoin.tail(log, 20)}")
    return 1 if failed or bcoin.failures else 0


if __name__ == "__main__":
    sys.exit(main())
