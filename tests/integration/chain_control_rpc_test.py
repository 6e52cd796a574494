#!/usr/bin/env python3
"""The chain-control RPC methods as a regtest suite drives them, through RPC only (no bcoin needed):

`peregrine generate` writes a regtest chain of BLOCKS blocks (a few spends per block), `peregrine
import --fastprune` loads it, and `peregrine sync` (no peers) serves RPC on it. Blocks and headers pushed are
built here: a coinbase-only block (BIP34 height, OP_TRUE output) mined at regtest's difficulty.

1. errors: pruneblockchain without --prune (-1), bad hex (-22), unknown parent (-25), unknown block (-5);
2. verifychain at levels 0, 3 and 4 over 6 blocks and over the whole chain;
3. submitheader a new block's header (known, not connected), then submitblock it: the tip moves;
   again: "duplicate"; a block with a wrong merkle root: "bad-txnmrklroot", tip unchanged;
4. invalidateblock 6 blocks below the tip: the tip goes back; submitblock a block on the new tip
   (a fork): the tip follows; reconsiderblock: the longer chain is back;
5. preciousblock between two submitted blocks of equal work: "inconclusive" for the second, then
   preciousblock switches the tip to it and back; a block with a wrong BIP34 height: "bad-cb-height"
   (found by the chain thread), then "duplicate-invalid";
6. invalidateblock, restart with --prune=550: the invalidation persisted; reconsiderblock;
   pruneblockchain's errors, then by height, by time and at the tip (files wholly below go, never
   the last 288 blocks; --fastprune's 64 KiB files give the small chain files to delete);
   verifychain after it all.

usage: chain_control_rpc_test.py PEREGRINE WORK_DIR RPC_PORT [BLOCKS]
"""
import hashlib
import http.client
import json
import os
import shutil
import struct
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import bcoin
from bcoin import check, expect, tail

REGTEST_BITS = 0x207FFFFF


def sha256d(data):
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()


def compact_size(n):
    if n < 0xFD:
        return bytes([n])
    if n <= 0xFFFF:
        return b"\xfd" + struct.pack("<H", n)
    return b"\xfe" + struct.pack("<I", n)


def script_number(n):
    """CScriptNum's minimal little-endian encoding (n > 16, as every height here)."""
    out = bytearray()
    while n:
        out.append(n & 0xFF)
        n >>= 8
    if out[-1] & 0x80:
        out.append(0)
    return bytes(out)


def coinbase(height, tag, data=0):
    """A coinbase paying nothing to OP_TRUE; data > 0 adds an OP_RETURN output of that many bytes."""
    height_push = script_number(height)
    script_sig = bytes([len(height_push)]) + height_push + bytes([1, tag & 0xFF])  # BIP34, then a tag
    outputs = struct.pack("<q", 0) + b"\x01\x51"
    if data:
        script = b"\x6a\x4e" + struct.pack("<I", data) + b"\x00" * data  # OP_RETURN OP_PUSHDATA4
        outputs += struct.pack("<q", 0) + compact_size(len(script)) + script
    return (struct.pack("<i", 1) + b"\x01" + b"\x00" * 32 + b"\xff\xff\xff\xff" + compact_size(len(script_sig)) +
            script_sig + b"\xff\xff\xff\xff" + compact_size(2 if data else 1) + outputs + struct.pack("<I", 0))


class Block:
    """A coinbase-only block on `prev_hex` at `height`, mined at regtest's target."""

    def __init__(self, prev_hex, height, block_time, tag=0, bad_merkle=False, data=0):
        self.tx = coinbase(height, tag, data)
        merkle = sha256d(self.tx)
        if bad_merkle:
            merkle = sha256d(merkle)
        target = (REGTEST_BITS & 0xFFFFFF) << (8 * ((REGTEST_BITS >> 24) - 3))
        nonce = 0
        while True:
            self.header = struct.pack("<i32s32sIII", 0x20000000, bytes.fromhex(prev_hex)[::-1], merkle, block_time,
                                      REGTEST_BITS, nonce)
            digest = sha256d(self.header)
            if int.from_bytes(digest[::-1], "big") <= target:
                break
            nonce += 1
        self.hash = digest[::-1].hex()
        self.hex = (self.header + compact_size(1) + self.tx).hex()


class Rpc:
    def __init__(self, port):
        self.port = port

    def call(self, method, *params, timeout=30):
        """(result, error) of one call; error is the JSON-RPC error object or None."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        conn.request("POST", "/", json.dumps({"jsonrpc": "1.0", "method": method, "params": list(params), "id": 1}),
                     {"Authorization": "Basic dTp3", "Content-Type": "application/json"})  # u:w
        reply = json.loads(conn.getresponse().read())
        conn.close()
        return reply.get("result"), reply.get("error")

    def __call__(self, method, *params):
        result, error = self.call(method, *params)
        if error:
            raise RuntimeError(f"{method}{params}: {error}")
        return result

    def error(self, method, *params):
        """The (code, message) of a call expected to fail."""
        result, error = self.call(method, *params)
        return (error["code"], error["message"]) if error else ("no error", result)


def start(peregrine, datadir, port, log, extra=()):
    err = open(log, "a")
    proc = subprocess.Popen([peregrine, "sync", "--network=regtest", f"--datadir={datadir}", f"--rpcport={port}",
                             "--rpcuser=u", "--rpcpassword=w", "--progress=0", "--fastprune", *extra],
                            stdout=subprocess.DEVNULL, stderr=err)
    rpc = Rpc(port)
    t0 = time.monotonic()
    while time.monotonic() - t0 < 30:
        if proc.poll() is not None:
            sys.exit(f"peregrine sync exited {proc.returncode} at start:\n{tail(log)}")
        try:
            rpc("getblockcount")
            return proc, rpc
        except (OSError, RuntimeError, http.client.HTTPException):
            time.sleep(0.1)
    proc.kill()
    sys.exit(f"peregrine sync's RPC did not come up:\n{tail(log)}")


def stop(proc, rpc):
    check("stop", rpc("stop"), "Peregrine stopping")
    check("sync: exit code after stop", proc.wait(timeout=60), 0)


def tip_time(rpc, block_hash):
    return rpc("getblockheader", block_hash)["time"]


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__.rsplit("usage: ", 1)[1])
    peregrine, work, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    height = int(sys.argv[4]) if len(sys.argv) == 5 else 1100
    t_all = time.monotonic()
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    blk_dir, datadir, log = (os.path.join(work, n) for n in ("chain", "datadir", "sync.log"))
    bcoin.run([peregrine, "generate", f"--blocks={height}", "--txs-per-block=2", "--threads=1", blk_dir])
    # --fastprune (64 KiB block files, as Core's): the small chain spans files pruneblockchain can delete.
    out, _ = bcoin.run([peregrine, "import", "--network=regtest", f"--datadir={datadir}", "--fastprune",
                        os.path.join(blk_dir, "blk00000.dat")])
    check("import: height", json.loads(out.stdout)["height"], height)

    proc, rpc = start(peregrine, datadir, port, log)
    try:
        H = height
        # 1. errors.
        check("pruneblockchain without --prune", rpc.error("pruneblockchain", 100),
              (-1, "Cannot prune blocks because node is not in prune mode."))
        check("submitheader: not hex", rpc.error("submitheader", "zz")[0], -22)
        check("submitblock: not a block", rpc.error("submitblock", "00"), (-22, "Block decode failed"))
        orphan = Block("11" * 32, 5, 1_300_000_000)
        check("submitheader: unknown parent", rpc.error("submitheader", orphan.header.hex()),
              (-25, f"Must submit previous header ({'11' * 32}) first"))
        check("submitblock: unknown parent", rpc("submitblock", orphan.hex), "prev-blk-not-found")
        check("invalidateblock: unknown block", rpc.error("invalidateblock", "00" * 32), (-5, "Block not found"))

        # 2. verifychain.
        check("verifychain()", rpc("verifychain"), True)
        check("verifychain(0, 6)", rpc("verifychain", 0, 6), True)
        check("verifychain(4, 0): every block", rpc("verifychain", 4, 0), True)

        # 3. submitheader, submitblock.
        tip = rpc("getbestblockhash")
        b1 = Block(tip, H + 1, tip_time(rpc, tip) + 1, tag=1)
        check("submitheader(b1)", rpc("submitheader", b1.header.hex()), None)
        header = rpc("getblockheader", b1.hash)
        check("b1's header: height", header["height"], H + 1)
        check("b1's header: not in the active chain yet", header["confirmations"], -1)
        check("getblockcount after submitheader", rpc("getblockcount"), H)
        check("submitblock(b1)", rpc("submitblock", b1.hex), None)
        check("getblockcount after submitblock", rpc("getblockcount"), H + 1)
        check("getbestblockhash after submitblock", rpc("getbestblockhash"), b1.hash)
        check("submitblock(b1) again", rpc("submitblock", b1.hex), "duplicate")
        bad = Block(b1.hash, H + 2, tip_time(rpc, b1.hash) + 1, tag=2, bad_merkle=True)
        check("submitblock: wrong merkle root", rpc("submitblock", bad.hex), "bad-txnmrklroot")
        check("getbestblockhash after a bad block", rpc("getbestblockhash"), b1.hash)

        # 4. invalidateblock a branch, a fork on the new tip, reconsiderblock.
        branch = rpc("getblockhash", H - 5)
        below = rpc("getblockhash", H - 6)
        check("invalidateblock", rpc("invalidateblock", branch), None)
        check("getblockcount after invalidateblock", rpc("getblockcount"), H - 6)
        check("getbestblockhash after invalidateblock", rpc("getbestblockhash"), below)
        check("submitblock: a block on an invalid parent", rpc("submitblock", Block(branch, H - 4, tip_time(rpc, branch) + 1, 3).hex),
              "bad-prevblk")
        fork = Block(below, H - 5, tip_time(rpc, below) + 1, tag=4)
        check("submitblock(fork on the new tip)", rpc("submitblock", fork.hex), None)
        check("getbestblockhash: the fork", rpc("getbestblockhash"), fork.hash)
        check("reconsiderblock", rpc("reconsiderblock", branch), None)
        check("getblockcount after reconsiderblock", rpc("getblockcount"), H + 1)
        check("getbestblockhash after reconsiderblock", rpc("getbestblockhash"), b1.hash)
        check("verifychain(3, 20) after the reorgs", rpc("verifychain", 3, 20), True)

        # 5. preciousblock.
        t = tip_time(rpc, b1.hash) + 1
        c1, c2 = Block(b1.hash, H + 2, t, tag=5), Block(b1.hash, H + 2, t, tag=6)
        check("submitblock(c1)", rpc("submitblock", c1.hex), None)
        check("submitblock(c2): equal work, not connected", rpc("submitblock", c2.hex), "inconclusive")
        check("getbestblockhash: the first seen", rpc("getbestblockhash"), c1.hash)
        check("preciousblock(c2)", rpc("preciousblock", c2.hash), None)
        check("getbestblockhash after preciousblock(c2)", rpc("getbestblockhash"), c2.hash)
        check("preciousblock(c1)", rpc("preciousblock", c1.hash), None)
        check("getbestblockhash after preciousblock(c1)", rpc("getbestblockhash"), c1.hash)

        # A block the chain thread finds invalid (its coinbase claims another height): its reason,
        # the tree marks it failed at once, and the tip stays.
        wrong_height = Block(c1.hash, H + 50, t + 1, tag=7)
        check("submitblock: wrong BIP34 height", rpc("submitblock", wrong_height.hex), "bad-cb-height")
        check("getbestblockhash after it", rpc("getbestblockhash"), c1.hash)
        check("submitblock: the invalid block again", rpc("submitblock", wrong_height.hex), "duplicate-invalid")
        # A block of 900 KB (1.8 MB of hex: the request body holds any valid block) on a branch
        # with less work: taken, not connected.
        big = Block(tip, H + 1, tip_time(rpc, tip) + 2, tag=8, data=900_000)
        check("submitblock: a 900 KB block off the best chain", rpc("submitblock", big.hex), "inconclusive")
        check("its header is known", rpc("getblockheader", big.hash)["height"], H + 1)

        # 6. an invalidation survives a restart.
        # The 900 KB block, the best valid branch left, becomes the tip.
        check("invalidateblock(b1)", rpc("invalidateblock", b1.hash), None)
        check("getbestblockhash after invalidateblock(b1): the 900 KB block", rpc("getbestblockhash"), big.hash)
        stop(proc, rpc)
        proc, rpc = start(peregrine, datadir, port, log, ["--prune=550"])
        check("getbestblockhash after restart: still invalidated", rpc("getbestblockhash"), big.hash)
        check("reconsiderblock(b1) after restart", rpc("reconsiderblock", b1.hash), None)
        # The bad block descends from b1: reconsidered too, it is found invalid again (as in Core).
        check("getblockcount after reconsiderblock(b1)", rpc("getblockcount"), H + 2)
        check("submitblock: the invalid block, after reconsider", rpc("submitblock", wrong_height.hex),
              "duplicate-invalid")

        check("pruneblockchain(-1)", rpc.error("pruneblockchain", -1), (-8, "Negative block height."))
        check("pruneblockchain above the tip", rpc.error("pruneblockchain", H + 100),
              (-8, "Blockchain is shorter than the attempted prune height."))
        check("pruneblockchain(a time after every block)", rpc.error("pruneblockchain", 2_000_000_000),
              (-8, "Could not find block with at least the specified timestamp."))
        check("getblockchaininfo: pruned", rpc("getblockchaininfo")["pruned"], True)
        first = rpc("pruneblockchain", 500)
        expect("pruneblockchain(500): the files wholly below 500 went", 300 < first <= 500, f"pruned up to {first}")
        at_700 = tip_time(rpc, rpc("getblockhash", 700))
        by_time = rpc("pruneblockchain", at_700 + 7200)  # a time: the first block at or after it less 2 h
        expect("pruneblockchain(time of block 700 + 2 h): up to 700", first <= by_time <= 700, f"pruned up to {by_time}")
        last = rpc("pruneblockchain", H + 2)
        expect("pruneblockchain(tip): never the last 288 blocks", by_time <= last <= H + 2 - 288, f"pruned up to {last}")
        check("pruneblockchain again: nothing more", rpc("pruneblockchain", H + 2), last)
        check("getblockcount after pruning", rpc("getblockcount"), H + 2)
        check("verifychain(4, 0) at the end", rpc("verifychain", 4, 0), True)
        stop(proc, rpc)
        proc = None
    finally:
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()
    print(f"TIMINGS: total {time.monotonic() - t_all:.1f}s ({height} blocks)")
    if bcoin.failures:
        print(f"sync log:\n{tail(log, 40)}")
    return bcoin.report(work)


if __name__ == "__main__":
    sys.exit(main())
