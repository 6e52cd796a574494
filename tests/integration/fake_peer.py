#!/usr/bin/env python3
"""A hand-written Bitcoin P2P peer (regtest, stdlib only) that serves a chain copied from a bcoin
node, honestly or with one kind of misbehaviour, for Peregrine's bad-peer integration test.

The protocol is written here from scratch: 24-byte message headers (magic fabfb5da, command,
length, first 4 bytes of sha256d(payload)), the version/verack handshake (protocol 70016, services
NODE_NETWORK | NODE_WITNESS = 0x9), ping -> pong, getheaders (from a block locator, up to 2,000
headers, up to hash_stop) -> headers, getdata MSG_WITNESS_BLOCK (0x40000002) / MSG_BLOCK (2) ->
block (with / without witness data; notfound for blocks it does not have). Everything else
(sendheaders, sendcmpct, feefilter, wtxidrelay, sendaddrv2, getaddr, inv, ...) is ignored. After
the handshake it announces its tip with an inv.

Modes (`FakePeer(chain, mode, ...)`, `chain` a list of raw blocks from genesis, as
`fetch_chain(rpcport)` returns them from bcoin's RPC `getblock HASH 0`, 0 meaning not verbose):

- honest: serves the chain as it is.
- mutate: blocks at the heights in `mutate_heights` are served with one byte of a transaction
  changed (an output value of the first non-coinbase transaction, else of the coinbase), so the
  merkle root no longer matches the header; the header is unchanged.
- badsig: serves a competing fork (`build_badsig_fork`) off the honest chain at height F: F+1' is
  the honest F+1 with one signature byte of a P2PKH or P2WPKH input corrupted (witness commitment
  and merkle root recomputed, header re-mined), then coinbase-only blocks until the fork has one
  block (so more work) more than the honest chain. Its headers are announced and served, its blocks
  served; the honest blocks above F are not known to it (notfound).
- withhold: announces and serves the honest headers, never answers getdata (silently).

`FakePeer.start()` serves on host:port from a background thread (asyncio); `stop()` ends it.
`stats()` says what it did: connections, handshakes, getheaders, blocks served (heights), mutated
blocks served, getdata ignored.

As a command (for trying it by hand against a bcoin node started with contrib/realpeer.sh; it
serves until SIGINT/SIGTERM, then prints what it did):
    fake_peer.py --mode=badsig --port=28492 --rpcport=28491 [--host=127.0.0.1] [--height=H]
"""
import argparse
import asyncio
import base64
import hashlib
import http.client
import json
import random
import signal
import struct
import sys
import threading
import time

MAGIC_REGTEST = bytes.fromhex("fabfb5da")
PROTOCOL_VERSION = 70016
SERVICES = 0x9  # NODE_NETWORK | NODE_WITNESS
MSG_TX, MSG_BLOCK = 1, 2
MSG_WITNESS_FLAG = 0x40000000
MSG_WITNESS_BLOCK = MSG_BLOCK | MSG_WITNESS_FLAG
MAX_HEADERS = 2000
MAX_PAYLOAD = 32 * 1024 * 1024
REGTEST_BITS = 0x207FFFFF
WITNESS_COMMITMENT_HEADER = bytes.fromhex("aa21a9ed")
MODES = ("honest", "mutate", "badsig", "withhold")


# ------------------------------------------------------------------------------ serialization

def sha256d(b):
    return hashlib.sha256(hashlib.sha256(b).digest()).digest()


def ser_compact(n):
    if n < 0xFD:
        return bytes([n])
    if n <= 0xFFFF:
        return b"\xfd" + struct.pack("<H", n)
    if n <= 0xFFFFFFFF:
        return b"\xfe" + struct.pack("<I", n)
    return b"\xff" + struct.pack("<Q", n)


def ser_bytes(b):
    return ser_compact(len(b)) + b


class Reader:
    def __init__(self, data, pos=0):
        self.data, self.pos = data, pos

    def take(self, n):
        if self.pos + n > len(self.data):
            raise ValueError(f"truncated: need {n} bytes at {self.pos} of {len(self.data)}")
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def u8(self):
        return self.take(1)[0]

    def u32(self):
        return struct.unpack("<I", self.take(4))[0]

    def i32(self):
        return struct.unpack("<i", self.take(4))[0]

    def u64(self):
        return struct.unpack("<Q", self.take(8))[0]

    def compact(self):
        n = self.u8()
        if n == 0xFD:
            return struct.unpack("<H", self.take(2))[0]
        if n == 0xFE:
            return self.u32()
        if n == 0xFF:
            return self.u64()
        return n

    def bytes(self):
        return self.take(self.compact())

    def done(self):
        return self.pos == len(self.data)


def hash_hex(h):
    """A hash as RPCs print it (byte-reversed)."""
    return h[::-1].hex()


class Tx:
    def __init__(self, version, inputs, outputs, witness, locktime):
        self.version = version
        self.inputs = inputs      # [[prevout (36 bytes), script_sig, sequence]]
        self.outputs = outputs    # [[value, script_pubkey]]
        self.witness = witness    # [[item, ...] per input]
        self.locktime = locktime

    @classmethod
    def parse(cls, r):
        version = r.i32()
        n_in = r.compact()
        segwit = False
        if n_in == 0:
            flag = r.u8()
            if flag != 1:
                raise ValueError(f"bad segwit flag {flag}")
            segwit = True
            n_in = r.compact()
        inputs = [[r.take(36), r.bytes(), r.u32()] for _ in range(n_in)]
        outputs = [[r.u64(), r.bytes()] for _ in range(r.compact())]
        witness = [[r.bytes() for _ in range(r.compact())] for _ in range(n_in)] if segwit else [[] for _ in range(n_in)]
        return cls(version, inputs, outputs, witness, r.u32())

    def has_witness(self):
        return any(self.witness)

    def serialize(self, with_witness=True):
        segwit = with_witness and self.has_witness()
        out = [struct.pack("<i", self.version)]
        if segwit:
            out.append(b"\x00\x01")
        out.append(ser_compact(len(self.inputs)))
        for prevout, script, seq in self.inputs:
            out += [prevout, ser_bytes(script), struct.pack("<I", seq)]
        out.append(ser_compact(len(self.outputs)))
        for value, script in self.outputs:
            out += [struct.pack("<Q", value), ser_bytes(script)]
        if segwit:
            for items in self.witness:
                out.append(ser_compact(len(items)))
                out += [ser_bytes(i) for i in items]
        out.append(struct.pack("<I", self.locktime))
        return b"".join(out)

    def txid(self):
        return sha256d(self.serialize(False))

    def wtxid(self):
        return sha256d(self.serialize(True))

    def is_coinbase(self):
        return len(self.inputs) == 1 and self.inputs[0][0] == b"\x00" * 32 + b"\xff\xff\xff\xff"


class Block:
    def __init__(self, header, txs):
        self.header = bytearray(header)  # 80 bytes
        self.txs = txs

    @classmethod
    def parse(cls, raw):
        r = Reader(raw)
        header = r.take(80)
        txs = [Tx.parse(r) for _ in range(r.compact())]
        if not r.done():
            raise ValueError(f"{len(raw) - r.pos} trailing bytes after the block")
        return cls(header, txs)

    def serialize(self, with_witness=True):
        return bytes(self.header) + ser_compact(len(self.txs)) + b"".join(t.serialize(with_witness) for t in self.txs)

    def hash(self):
        return sha256d(bytes(self.header))

    @property
    def prev(self):
        return bytes(self.header[4:36])

    @property
    def time(self):
        return struct.unpack_from("<I", self.header, 68)[0]

    def set_field(self, offset, fmt, value):
        struct.pack_into(fmt, self.header, offset, value)

    def update_witness_commitment(self):
        """BIP141: recomputes the commitment in the coinbase's last aa21a9ed output (if any):
        sha256d(witness merkle root || reserved value), the root over the wtxids with the
        coinbase's as zero, the reserved value the coinbase's witness item."""
        cb = self.txs[0]
        idx = [i for i, (_, s) in enumerate(cb.outputs)
               if len(s) >= 38 and s[0] == 0x6A and s[1] == 0x24 and s[2:6] == WITNESS_COMMITMENT_HEADER]
        if not idx:
            return False
        reserved = cb.witness[0][0] if cb.witness and cb.witness[0] else b"\x00" * 32
        root = merkle_root([b"\x00" * 32] + [t.wtxid() for t in self.txs[1:]])
        script = cb.outputs[idx[-1]][1]
        cb.outputs[idx[-1]][1] = script[:6] + sha256d(root + reserved) + script[38:]
        return True

    def update_merkle_root(self):
        self.header[36:68] = merkle_root([t.txid() for t in self.txs])

    def mine(self):
        """Finds a nonce meeting the header's bits (regtest: about every second nonce)."""
        target = bits_to_target(struct.unpack_from("<I", self.header, 72)[0])
        nonce = 0
        while True:
            self.set_field(76, "<I", nonce)
            if int.from_bytes(self.hash(), "little") <= target:
                return nonce
            nonce += 1


def merkle_root(hashes):
    level = list(hashes)
    while len(level) > 1:
        if len(level) % 2:
            level.append(level[-1])
        level = [sha256d(level[i] + level[i + 1]) for i in range(0, len(level), 2)]
    return level[0]


def bits_to_target(bits):
    return (bits & 0x007FFFFF) << (8 * ((bits >> 24) - 3))


def script_num(n):
    """A CScriptNum push of n > 16 (BIP34's height encoding)."""
    body = bytearray()
    while n:
        body.append(n & 0xFF)
        n >>= 8
    if body[-1] & 0x80:
        body.append(0)
    return bytes([len(body)]) + bytes(body)


def script_pushes(script):
    """The data pushes of a push-only script, or None if it is not push-only."""
    r, items = Reader(script), []
    while not r.done():
        op = r.u8()
        if 1 <= op <= 75:
            items.append(r.take(op))
        elif op == 76:
            items.append(r.take(r.u8()))
        elif op == 77:
            items.append(r.take(struct.unpack("<H", r.take(2))[0]))
        else:
            return None
    return items


def is_der_sig(sig):
    return len(sig) >= 8 and sig[0] == 0x30 and sig[1] == len(sig) - 2 and sig[2] == 0x02


def is_pubkey(b):
    return (len(b) == 33 and b[0] in (2, 3)) or (len(b) == 65 and b[0] == 4)


# ------------------------------------------------------------------------------ misbehaviour

def mutate_block(raw):
    """The block with one byte of a transaction changed (the lowest byte of the first output value
    of the first non-coinbase transaction, else of the coinbase): its merkle root no longer matches
    the unchanged header. Returns (raw, description)."""
    block = Block.parse(raw)
    i = 1 if len(block.txs) > 1 else 0
    tx = block.txs[i]
    tx.outputs[0][0] ^= 1
    new = block.serialize()
    assert new[:80] == raw[:80] and len(new) == len(raw) and new != raw
    return new, f"tx {i} ({hash_hex(Block.parse(raw).txs[i].txid())}) output 0 value xor 1"


def find_sig_input(block):
    """A (tx index, input index, kind) of a P2PKH or P2WPKH input to corrupt, or None. A P2PKH input
    is taken only in a transaction whose outputs no later transaction of the block spends (its txid
    changes with its scriptSig, which would make the block fail for a missing input first)."""
    spent_in_block = {inp[0][:32] for t in block.txs[1:] for inp in t.inputs}
    for ti, tx in enumerate(block.txs[1:], 1):
        for ii, (_, script_sig, _) in enumerate(tx.inputs):
            pushes = script_pushes(script_sig)
            if (pushes is not None and len(pushes) == 2 and is_der_sig(pushes[0][:-1]) and is_pubkey(pushes[1])
                    and not tx.witness[ii] and tx.txid() not in spent_in_block):
                return ti, ii, "p2pkh"
    for ti, tx in enumerate(block.txs[1:], 1):
        for ii, (_, script_sig, _) in enumerate(tx.inputs):
            w = tx.witness[ii]
            if not script_sig and len(w) == 2 and is_der_sig(w[0][:-1]) and len(w[1]) == 33 and w[1][0] in (2, 3):
                return ti, ii, "p2wpkh"
    return None


def corrupt_signature(block, ti, ii, kind):
    """Flips the lowest bit of the last byte of s (just before the sighash byte): still strict DER,
    no longer a valid signature."""
    tx = block.txs[ti]
    if kind == "p2pkh":
        script = bytearray(tx.inputs[ii][1])
        sig_len = script[0]
        pos = 1 + sig_len - 2  # push opcode, sig..., [last s byte], [sighash byte]
        script[pos] ^= 1
        tx.inputs[ii][1] = bytes(script)
    else:
        sig = bytearray(tx.witness[ii][0])
        sig[-2] ^= 1
        tx.witness[ii][0] = bytes(sig)


def coinbase_only_block(prev_hash, height, version, time_, coinbase_script_pubkey, value, tag=b"peregrine-fake-fork"):
    """A block holding only a coinbase in bcoin's post-segwit form: BIP34 height, a witness reserved
    value (32 zero bytes) and the witness commitment output."""
    script_sig = script_num(height) + ser_bytes(tag)
    cb = Tx(1, [[b"\x00" * 32 + b"\xff\xff\xff\xff", script_sig, 0xFFFFFFFF]],
            [[value, coinbase_script_pubkey], [0, b"\x6a\x24" + WITNESS_COMMITMENT_HEADER + b"\x00" * 32]],
            [[b"\x00" * 32]], 0)
    header = struct.pack("<i", version) + prev_hash + b"\x00" * 32 + struct.pack("<III", time_, REGTEST_BITS, 0)
    block = Block(header, [cb])
    block.update_witness_commitment()
    block.update_merkle_root()
    block.mine()
    return block


def subsidy(height, halving_interval=150):
    """Regtest block subsidy (halving every 150 blocks)."""
    halvings = height // halving_interval
    return 0 if halvings >= 64 else (50 * 100_000_000) >> halvings


def build_badsig_fork(chain, min_height=1, extra=None, corrupt=True):
    """A fork of `chain` (raw blocks from genesis): the first block at or above min_height with a
    P2PKH or P2WPKH input is copied with that input's signature corrupted (F+1'), then `extra`
    coinbase-only blocks follow (default: enough for the fork to be one block longer, so with more
    work, than the honest chain). corrupt=False builds the same fork with the signature left intact
    (F+1' then differs from F+1 only by its nonce): a valid chain, to check the construction.
    Returns (served chain as raw blocks, info dict)."""
    for h in range(max(1, min_height), len(chain)):
        block = Block.parse(chain[h])
        found = find_sig_input(block)
        if found:
            break
    else:
        raise ValueError(f"no block at or above {min_height} with a P2PKH or P2WPKH input")
    ti, ii, kind = found
    honest_hash = block.hash()
    old_txid = block.txs[ti].txid()
    if corrupt:
        corrupt_signature(block, ti, ii, kind)
    else:
        block.set_field(76, "<I", struct.unpack_from("<I", block.header, 76)[0] + 1)  # another header
    had_commitment = block.update_witness_commitment()
    block.update_merkle_root()
    block.mine()
    bad = block
    fork_height = h - 1  # F: the last block shared with the honest chain
    tip_height = len(chain) - 1
    if extra is None:
        extra = tip_height + 1 - h
    served = list(chain[:h]) + [bad.serialize()]
    cb_script = Block.parse(chain[h]).txs[0].outputs[0][1]
    recent = [Block.parse(chain[x]).time for x in range(max(0, h - 10), h)] + [bad.time]
    prev = bad
    for i in range(extra):
        height = h + 1 + i
        t = max(recent[-11:]) + 1
        nb = coinbase_only_block(prev.hash(), height, struct.unpack_from("<i", bad.header, 0)[0], t, cb_script,
                                 subsidy(height))
        served.append(nb.serialize())
        recent.append(t)
        prev = nb
    info = {
        "fork_height": fork_height,
        "bad_height": h,
        "bad_hash": hash_hex(bad.hash()),
        "honest_hash": hash_hex(honest_hash),
        "bad_tx": ti, "bad_input": ii, "kind": kind, "corrupted": corrupt,
        "bad_txid_before": hash_hex(old_txid), "bad_txid_after": hash_hex(bad.txs[ti].txid()),
        "witness_commitment_recomputed": had_commitment,
        "fork_tip_height": len(served) - 1,
        "fork_tip": hash_hex(sha256d(served[-1][:80])),
        "honest_tip_height": tip_height,
    }
    return served, info


# ------------------------------------------------------------------------------ bcoin RPC

def fetch_chain(rpcport, user="x", password="x", host="127.0.0.1"):
    """Every block of the node's best chain, as raw bytes, from genesis: getblockhash, then
    getblock HASH 0 (bcoin takes 0/1 or false/true for its verbose argument; 0 = raw hex)."""
    conn = http.client.HTTPConnection(host, rpcport, timeout=60)
    auth = base64.b64encode(f"{user}:{password}".encode()).decode()

    def rpc(method, *params):
        conn.request("POST", "/", json.dumps({"method": method, "params": list(params), "id": 1}),
                     {"Authorization": f"Basic {auth}", "Content-Type": "application/json"})
        reply = json.loads(conn.getresponse().read())
        if reply.get("error"):
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply["result"]

    try:
        tip = rpc("getblockcount")
        chain = []
        for height in range(tip + 1):
            h = rpc("getblockhash", height)
            raw = bytes.fromhex(rpc("getblock", h, 0))
            if hash_hex(sha256d(raw[:80])) != h:
                raise RuntimeError(f"block {height}: getblock returned a block whose hash is not {h}")
            chain.append(raw)
        return chain
    finally:
        conn.close()


# ------------------------------------------------------------------------------ the peer

def net_addr(services, host, port):
    ip = bytes(10) + b"\xff\xff" + bytes(int(x) for x in host.split("."))
    return struct.pack("<Q", services) + ip + struct.pack(">H", port)


class FakePeer:
    def __init__(self, chain, mode="honest", host="127.0.0.1", port=0, mutate_heights=(), name=None,
                 log=None, user_agent="/peregrine-fake-peer:0.1/"):
        if mode not in MODES:
            raise ValueError(f"mode {mode!r}: one of {MODES}")
        self.mode, self.host, self.port = mode, host, port
        self.name = name or f"fake-peer[{mode}]"
        self.user_agent = user_agent
        self.chain = list(chain)  # raw blocks served, height = index
        self.hashes = [sha256d(raw[:80]) for raw in self.chain]
        self.height_of = {h: i for i, h in enumerate(self.hashes)}
        self.mutate_heights = set(mutate_heights) if mode == "mutate" else set()
        self._mutated = {}
        self.log_lines = []
        self._log_to = log if log is not None else sys.stdout
        self._lock = threading.Lock()
        self.counters = {"connections": 0, "handshakes": 0, "getheaders": 0, "headers_sent": 0,
                         "getdata_blocks": 0, "getdata_ignored": 0, "notfound": 0, "pings": 0}
        self.served = []          # heights of blocks sent, in order
        self.mutated_served = []  # heights sent mutated
        self.disconnects = []     # (seconds since start, peer address, blocks sent on that connection)
        self._loop = None
        self._thread = None
        self._server = None
        self._ready = threading.Event()
        self._open_writers = set()
        self._stop_event = None
        self._error = None
        self._t0 = time.monotonic()

    # -- bookkeeping

    def log(self, msg):
        line = f"[{self.name} +{time.monotonic() - self._t0:7.2f}s] {msg}"
        with self._lock:
            self.log_lines.append(line)
        if self._log_to:
            print(line, file=self._log_to, flush=True)

    def stats(self):
        with self._lock:
            return dict(self.counters, blocks_served=len(self.served), served_heights=list(self.served),
                        mutated_served=list(self.mutated_served), disconnects=list(self.disconnects))

    # -- lifecycle

    def start(self, timeout=10):
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise RuntimeError(f"{self.name}: not listening after {timeout}s")
        if self._error:
            raise RuntimeError(f"{self.name}: {self._error}")
        self.log(f"listening on {self.host}:{self.port}, mode {self.mode}, chain height {len(self.chain) - 1}, "
                 f"tip {hash_hex(self.hashes[-1])}")
        return self

    def stop(self):
        loop = self._loop
        if loop and self._stop_event and self._thread and self._thread.is_alive():
            loop.call_soon_threadsafe(self._stop_event.set)
            self._thread.join(10)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    def _run(self):
        try:
            asyncio.run(self._main())
        except Exception as e:  # noqa: BLE001 - reported through start() or the log
            self._error = repr(e)
            self._ready.set()

    async def _main(self):
        self._loop = asyncio.get_running_loop()
        self._stop_event = asyncio.Event()
        self._server = await asyncio.start_server(self._serve, self.host, self.port, reuse_address=True)
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        await self._stop_event.wait()
        self._server.close()
        for w in list(self._open_writers):
            w.close()
        # The handlers see the end of their streams and finish; any left are cancelled quietly.
        for _ in range(100):
            if not self._open_writers:
                break
            await asyncio.sleep(0.01)

    # -- protocol

    def _message(self, command, payload=b""):
        return (MAGIC_REGTEST + command.encode().ljust(12, b"\x00") + struct.pack("<I", len(payload))
                + sha256d(payload)[:4] + payload)

    def _version_payload(self, peer_host, peer_port):
        return (struct.pack("<iQq", PROTOCOL_VERSION, SERVICES, int(time.time()))
                + net_addr(0, peer_host, peer_port) + net_addr(SERVICES, "0.0.0.0", 0)
                + struct.pack("<Q", random.getrandbits(64)) + ser_bytes(self.user_agent.encode())
                + struct.pack("<i", len(self.chain) - 1) + b"\x01")

    async def _serve(self, reader, writer):
        self._open_writers.add(writer)
        addr = writer.get_extra_info("peername")
        who = f"{addr[0]}:{addr[1]}" if addr else "?"
        with self._lock:
            self.counters["connections"] += 1
        self.log(f"connection from {who}")
        sent_version = False
        sent_blocks = 0
        why = "closed by the peer"
        try:
            while True:
                head = await reader.readexactly(24)
                if head[:4] != MAGIC_REGTEST:
                    why = f"bad magic {head[:4].hex()}"
                    break
                command = head[4:16].rstrip(b"\x00").decode(errors="replace")
                length, checksum = struct.unpack("<I4s", head[16:24])
                if length > MAX_PAYLOAD:
                    why = f"oversized {command} ({length} bytes)"
                    break
                payload = await reader.readexactly(length)
                if sha256d(payload)[:4] != checksum:
                    why = f"bad checksum on {command}"
                    break
                out = []
                if command == "version":
                    if not sent_version:
                        host = addr[0] if addr and "." in addr[0] else "127.0.0.1"
                        out.append(self._message("version", self._version_payload(host, addr[1] if addr else 0)))
                        sent_version = True
                    out.append(self._message("verack"))
                elif command == "verack":
                    with self._lock:
                        self.counters["handshakes"] += 1
                    # Announce the tip (a peer then asks for headers).
                    out.append(self._message("inv", ser_compact(1) + struct.pack("<I", MSG_BLOCK) + self.hashes[-1]))
                elif command == "ping":
                    with self._lock:
                        self.counters["pings"] += 1
                    out.append(self._message("pong", payload[:8]))
                elif command == "getheaders":
                    out.append(self._message("headers", self._headers_for(payload)))
                elif command == "getdata":
                    for msg, height in self._getdata(payload):
                        out.append(msg)
                        if height is not None:
                            sent_blocks += 1
                # Everything else (sendheaders, sendcmpct, feefilter, wtxidrelay, sendaddrv2,
                # getaddr, inv, pong, headers, addr, ...) is ignored.
                for m in out:
                    writer.write(m)
                if out:
                    await writer.drain()
        except (asyncio.IncompleteReadError, asyncio.CancelledError):
            if self._stop_event.is_set():
                why = "fake peer stopping"
        except (ConnectionError, OSError) as e:
            why = f"{type(e).__name__}: {e}"
        except Exception as e:  # noqa: BLE001 - a bug here must show in the log, not kill the server
            why = f"fake peer error {e!r}"
        finally:
            self._open_writers.discard(writer)
            with self._lock:
                self.disconnects.append((round(time.monotonic() - self._t0, 2), who, sent_blocks))
            self.log(f"connection from {who} ended ({why}) after {sent_blocks} blocks sent")
            try:
                writer.close()
            except Exception:  # noqa: BLE001
                pass

    def _headers_for(self, payload):
        r = Reader(payload)
        r.u32()  # version
        locator = [r.take(32) for _ in range(r.compact())]
        stop = r.take(32)
        with self._lock:
            self.counters["getheaders"] += 1
        if not locator:
            start = self.height_of.get(stop)
            heights = [start] if start is not None else []
        else:
            # The first locator entry we know; none known: from genesis (as Core does).
            fork = next((self.height_of[h] for h in locator if h in self.height_of), 0)
            heights = []
            for height in range(fork + 1, min(fork + 1 + MAX_HEADERS, len(self.chain))):
                heights.append(height)
                if self.hashes[height] == stop:
                    break
        with self._lock:
            self.counters["headers_sent"] += len(heights)
        return ser_compact(len(heights)) + b"".join(self.chain[h][:80] + b"\x00" for h in heights)

    def _getdata(self, payload):
        r = Reader(payload)
        items = [(r.u32(), r.take(32)) for _ in range(r.compact())]
        replies, missing = [], []
        for inv_type, h in items:
            if inv_type not in (MSG_BLOCK, MSG_WITNESS_BLOCK):
                missing.append((inv_type, h))
                continue
            height = self.height_of.get(h)
            if self.mode == "withhold":
                with self._lock:
                    self.counters["getdata_ignored"] += 1
                continue
            if height is None:
                missing.append((inv_type, h))
                continue
            raw = self.chain[height]
            mutated = height in self.mutate_heights
            if mutated:
                if height not in self._mutated:
                    self._mutated[height] = mutate_block(raw)
                raw, what = self._mutated[height]
                self.log(f"serving block {height} mutated: {what}")
            if inv_type == MSG_BLOCK:
                raw = Block.parse(raw).serialize(with_witness=False)
            with self._lock:
                self.counters["getdata_blocks"] += 1
                self.served.append(height)
                if mutated:
                    self.mutated_served.append(height)
            replies.append((self._message("block", raw), height))
        if self.mode == "withhold" and items:
            self.log(f"ignored getdata for {len(items)} items")
        if missing:
            with self._lock:
                self.counters["notfound"] += len(missing)
            replies.append((self._message("notfound", ser_compact(len(missing)) + b"".join(
                struct.pack("<I", t) + h for t, h in missing)), None))
        return replies


# ------------------------------------------------------------------------------ command line

def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--mode", choices=MODES, default="honest")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--rpcport", type=int, required=True, help="bcoin's JSON-RPC port (user x, password x)")
    p.add_argument("--height", type=int, default=None,
                   help="mutate: the block to mutate (default: the first with a non-coinbase tx); "
                        "badsig: the lowest height for F+1'")
    a = p.parse_args()
    chain = fetch_chain(a.rpcport)
    mutate = ()
    if a.mode == "mutate":
        h = a.height if a.height is not None else next(
            i for i, raw in enumerate(chain) if i and len(Block.parse(raw).txs) > 1)
        mutate = (h,)
    elif a.mode == "badsig":
        chain, info = build_badsig_fork(chain, a.height or 1)
        print(json.dumps(info, indent=1), flush=True)
    peer = FakePeer(chain, a.mode, a.host, a.port, mutate_heights=mutate).start()

    def on_term(_signum, _frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, on_term)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        peer.stop()
        print(json.dumps({k: v for k, v in peer.stats().items() if k != "served_heights"}), flush=True)


if __name__ == "__main__":
    main()
