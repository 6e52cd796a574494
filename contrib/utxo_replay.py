#!/usr/bin/env python3
"""Naive UTXO replay: the independent cross-check for `peregrine import` and `utxo-stats`.

Reads blk*.dat-framed files (magic, LE uint32 length, block), parses every block and transaction
itself, replays them into a dict UTXO set and prints what Bitcoin Core's gettxoutsetinfo would:
height, bestblock, txouts, bogosize, hash_serialized_3, muhash, total_amount, transactions.

It shares no code with Peregrine and validates nothing (no scripts, proof of work, amounts or
merkle roots): it is only as right as the blocks it is given. It does stop on what would make its
own bookkeeping meaningless: an input spending a coin the set does not hold, or an output
overwriting an unspent one.

What Core does, and so this does:
- The genesis block's outputs never enter the set (Core does not connect the genesis block).
- Unspendable outputs are not added: a script starting with OP_RETURN (0x6a) or longer than
  10,000 bytes (Core's AddCoins / CScript::IsUnspendable).
- BIP30: a transaction may not create an output that is still unspent, except in mainnet's two
  historical blocks 91,842 and 91,880, whose coinbases repeat the txids of the coinbases of 91,812
  and 91,722. Core connects those without the check and its AddCoins overwrites the older coin, so
  the older coinbase's 50 BTC leaves the set and the coin's height becomes the newer block's. Here
  the dict assignment does the same, allowed only for a coinbase of those two block hashes;
  anywhere else an overwrite stops the replay with an error.
- Blocks may come in any order: the chain replayed is the one from genesis to the tip with the
  most proof of work (the first seen on a tie), as Core's -loadblock would end up with.
- hash_serialized_3 is SHA-256d over every coin in Core's order (txid bytes as stored, then the
  output index numerically), each as Core's TxOutSer: txid, LE uint32 index, LE uint32
  height*2+coinbase, LE int64 value, CompactSize script length, script. Nothing is prepended (the
  older hash_serialized_2 began with the best-block hash). muhash is MuHash3072 over the same
  per-coin bytes. Both are printed as Core prints a uint256: bytes reversed.

Usage: contrib/utxo_replay.py [--network=NAME] [--no-muhash] FILE...
       contrib/utxo_replay.py --self-test
"""

import argparse
import hashlib
import json
import struct
import sys

MAGICS = {
    bytes.fromhex("f9beb4d9"): "main",
    bytes.fromhex("0b110907"): "testnet3",
    bytes.fromhex("1c163f28"): "testnet4",
    bytes.fromhex("0a03cf40"): "signet",
    bytes.fromhex("fabfb5da"): "regtest",
}

# Display-order hashes of mainnet blocks 91,842 and 91,880 (BIP30's two exceptions).
BIP30_EXCEPTIONS = {
    "00000000000a4d0a398161ffc163c503763b1f4360639393e0e4c8e300e0caec",
    "00000000000743f190a18c5577a3c2d2a1f610ae9601ac046a38084ccb7cd721",
}

MAX_SCRIPT_SIZE = 10_000
OP_RETURN = 0x6A


class ReplayError(Exception):
    pass


def sha256d(data):
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()


def display(hash_bytes):
    return hash_bytes[::-1].hex()


def compact_size(n):
    if n < 0xFD:
        return bytes([n])
    if n <= 0xFFFF:
        return b"\xfd" + struct.pack("<H", n)
    if n <= 0xFFFFFFFF:
        return b"\xfe" + struct.pack("<I", n)
    return b"\xff" + struct.pack("<Q", n)


# ---------------------------------------------------------------- parsing


class Cursor:
    def __init__(self, data, pos=0):
        self.data = data
        self.pos = pos

    def take(self, n):
        if self.pos + n > len(self.data):
            raise ReplayError(f"truncated at byte {self.pos} (wanted {n} more)")
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def u8(self):
        return self.take(1)[0]

    def u32(self):
        return struct.unpack("<I", self.take(4))[0]

    def i64(self):
        return struct.unpack("<q", self.take(8))[0]

    def compact(self):
        first = self.u8()
        if first < 0xFD:
            return first
        fmt, size = {0xFD: ("<H", 2), 0xFE: ("<I", 4), 0xFF: ("<Q", 8)}[first]
        return struct.unpack(fmt, self.take(size))[0]


def parse_tx(cur):
    """One transaction in either serialization: (txid, inputs, outputs, is_coinbase)."""
    start = cur.pos
    cur.take(4)  # version
    count = cur.compact()
    segwit = False
    if count == 0:
        # An empty input list followed by a non-zero flag byte is the segwit marker (BIP144).
        flag = cur.u8()
        if flag != 1:
            raise ReplayError(f"transaction with no inputs and segwit flag {flag} (only 1 is defined)")
        segwit = True
        body_start = cur.pos
        count = cur.compact()
    else:
        body_start = start + 4
        cur.pos = body_start
        count = cur.compact()
    inputs = []
    for _ in range(count):
        txid = cur.take(32)
        index = cur.u32()
        cur.take(cur.compact())  # scriptSig
        cur.take(4)  # sequence
        inputs.append((txid, index))
    outputs = []
    for _ in range(cur.compact()):
        value = cur.i64()
        script = cur.take(cur.compact())
        outputs.append((value, script))
    body_end = cur.pos
    if segwit:
        for _ in range(len(inputs)):
            for _ in range(cur.compact()):
                cur.take(cur.compact())
    locktime = cur.take(4)
    # The txid hashes the legacy serialization: version, inputs, outputs, lock time.
    legacy = cur.data[start:start + 4] + cur.data[body_start:body_end] + locktime
    is_coinbase = len(inputs) == 1 and inputs[0] == (b"\x00" * 32, 0xFFFFFFFF)
    return sha256d(legacy), inputs, outputs, is_coinbase


def parse_block(raw):
    if len(raw) < 80:
        raise ReplayError("block shorter than its header")
    header = raw[:80]
    cur = Cursor(raw, 80)
    txs = [parse_tx(cur) for _ in range(cur.compact())]
    if cur.pos != len(raw):
        raise ReplayError(f"{len(raw) - cur.pos} bytes after the last transaction")
    return sha256d(header), header[4:36], struct.unpack("<I", header[72:76])[0], txs


def read_frames(path, network):
    """(magic's network, raw block) for each record; zero padding after the last one is allowed."""
    with open(path, "rb") as f:
        data = f.read()
    pos = 0
    while pos < len(data):
        magic = data[pos:pos + 4]
        if magic == b"\x00\x00\x00\x00" and not any(data[pos:]):
            break
        name = MAGICS.get(magic)
        if name is None or (network is not None and name != network):
            raise ReplayError(f"{path}: unexpected magic {magic.hex()} at byte {pos}")
        if pos + 8 > len(data):
            raise ReplayError(f"{path}: truncated record header at byte {pos}")
        length = struct.unpack("<I", data[pos + 4:pos + 8])[0]
        if pos + 8 + length > len(data):
            raise ReplayError(f"{path}: record at byte {pos} claims {length} bytes past the end")
        yield name, data[pos + 8:pos + 8 + length]
        pos += 8 + length


def block_work(bits):
    """Core's GetBlockProof: 2^256 / (target + 1), zero for a target that does not decode."""
    exponent, mantissa = bits >> 24, bits & 0x007FFFFF
    if bits & 0x00800000 or mantissa == 0:
        return 0
    target = mantissa >> (8 * (3 - exponent)) if exponent <= 3 else mantissa << (8 * (exponent - 3))
    if target == 0 or target >= 1 << 256:
        return 0
    return (1 << 256) // (target + 1)


# ---------------------------------------------------------------- MuHash3072

MUHASH_PRIME = (1 << 3072) - 1103717


def _rotl(v, n):
    return ((v << n) & 0xFFFFFFFF) | (v >> (32 - n))


def chacha20_block(key_words, counter):
    """One 64-byte ChaCha20 block, nonce zero (Core's ChaCha20Aligned with Nonce96{0, 0})."""
    state = [0x61707865, 0x3320646E, 0x79622D32, 0x6B206574, *key_words, counter, 0, 0, 0]
    x = list(state)

    def quarter(a, b, c, d):
        x[a] = (x[a] + x[b]) & 0xFFFFFFFF
        x[d] = _rotl(x[d] ^ x[a], 16)
        x[c] = (x[c] + x[d]) & 0xFFFFFFFF
        x[b] = _rotl(x[b] ^ x[c], 12)
        x[a] = (x[a] + x[b]) & 0xFFFFFFFF
        x[d] = _rotl(x[d] ^ x[a], 8)
        x[c] = (x[c] + x[d]) & 0xFFFFFFFF
        x[b] = _rotl(x[b] ^ x[c], 7)

    for _ in range(10):
        quarter(0, 4, 8, 12)
        quarter(1, 5, 9, 13)
        quarter(2, 6, 10, 14)
        quarter(3, 7, 11, 15)
        quarter(0, 5, 10, 15)
        quarter(1, 6, 11, 12)
        quarter(2, 7, 8, 13)
        quarter(3, 4, 9, 14)
    return struct.pack("<16I", *((x[i] + state[i]) & 0xFFFFFFFF for i in range(16)))


def muhash_element(data):
    """The number an element stands for: SHA-256 keys ChaCha20, 384 keystream bytes, LE."""
    key_words = struct.unpack("<8I", hashlib.sha256(data).digest())
    stream = b"".join(chacha20_block(key_words, counter) for counter in range(6))
    return int.from_bytes(stream, "little")


def muhash_finalize(numerator, denominator=1):
    value = numerator * pow(denominator, MUHASH_PRIME - 2, MUHASH_PRIME) % MUHASH_PRIME
    return hashlib.sha256(value.to_bytes(384, "little")).digest()


def self_test():
    def from_int(i):
        return muhash_element(bytes([i]) + b"\x00" * 31)

    empty = display(muhash_finalize(1))
    assert empty == "dd5ad2a105c2d29495f577245c357409002329b9f4d6182c0af3dc2f462555c8", empty
    # Core's crypto_tests muhash_tests: FromInt(0) * FromInt(1) / FromInt(2).
    digest = display(muhash_finalize(from_int(0) * from_int(1) % MUHASH_PRIME, from_int(2)))
    assert digest == "10d312b100cbd32ada024a6646e40d3482fcff103668d2625f10002a607d5863", digest
    assert display(sha256d(b"")) == "56944c5d3f98413ef45cf54545538103cc9f298e0575820ad3591376e2e0f65d"
    print("self-test passed")


# ---------------------------------------------------------------- replay


def best_chain(blocks):
    """Hashes from genesis to the most-work tip; `blocks` maps hash -> (prev, bits, txs, order)."""
    children = {}
    genesis = None
    for h, (prev, _, _, order) in blocks.items():
        if prev == b"\x00" * 32:
            if genesis is not None:
                raise ReplayError("more than one genesis block")
            genesis = h
        else:
            children.setdefault(prev, []).append(h)
    if genesis is None:
        raise ReplayError("no genesis block (a block whose parent is zero)")
    work = {genesis: block_work(blocks[genesis][1])}
    parent = {genesis: None}
    best = genesis
    stack = [genesis]
    while stack:
        h = stack.pop()
        for c in children.get(h, []):
            work[c] = work[h] + block_work(blocks[c][1])
            parent[c] = h
            stack.append(c)
            if work[c] > work[best] or (work[c] == work[best] and blocks[c][3] < blocks[best][3]):
                best = c
    unconnected = len(blocks) - len(work)
    if unconnected:
        print(f"warning: {unconnected} blocks do not connect to genesis and are ignored", file=sys.stderr)
    chain = []
    while best is not None:
        chain.append(best)
        best = parent[best]
    return chain[::-1]


def replay(paths, network):
    blocks = {}
    seen_network = network
    order = 0
    for path in paths:
        for name, raw in read_frames(path, seen_network):
            seen_network = name
            try:
                h, prev, bits, txs = parse_block(raw)
            except ReplayError as e:
                raise ReplayError(f"{path}: record {order}: {e}") from None
            if h not in blocks:
                blocks[h] = (prev, bits, txs, order)
            order += 1

    chain = best_chain(blocks)
    utxo = {}
    for height, h in enumerate(chain):
        if height == 0:
            continue  # Core never connects the genesis block: its coinbase is unspendable
        exception = seen_network == "main" and display(h) in BIP30_EXCEPTIONS
        for txid, inputs, outputs, is_coinbase in blocks[h][2]:
            if not is_coinbase:
                for prevout in inputs:
                    if utxo.pop(prevout, None) is None:
                        raise ReplayError(f"block {display(h)} (height {height}) spends "
                                          f"{display(prevout[0])}:{prevout[1]}, which is not unspent")
            for index, (value, script) in enumerate(outputs):
                if (script and script[0] == OP_RETURN) or len(script) > MAX_SCRIPT_SIZE:
                    continue
                key = (txid, index)
                if key in utxo and not (is_coinbase and exception):
                    raise ReplayError(f"block {display(h)} (height {height}) overwrites the unspent "
                                      f"{display(txid)}:{index} (BIP30)")
                utxo[key] = (height, is_coinbase, value, script)
    return seen_network, chain, utxo


def stats(chain, utxo, with_muhash):
    hasher = hashlib.sha256()
    numerator = 1
    total = 0
    bogosize = 0
    for (txid, index) in sorted(utxo):
        height, is_coinbase, value, script = utxo[(txid, index)]
        ser = (txid + struct.pack("<IIq", index, height * 2 + int(is_coinbase), value)
               + compact_size(len(script)) + script)
        hasher.update(ser)
        if with_muhash:
            numerator = numerator * muhash_element(ser) % MUHASH_PRIME
        total += value
        bogosize += 32 + 4 + 4 + 8 + 2 + len(script)
    out = [
        ("height", str(len(chain) - 1)),
        ("bestblock", json.dumps(display(chain[-1]))),
        ("txouts", str(len(utxo))),
        ("bogosize", str(bogosize)),
        ("hash_serialized_3", json.dumps(display(hashlib.sha256(hasher.digest()).digest()))),
    ]
    if with_muhash:
        out.append(("muhash", json.dumps(display(muhash_finalize(numerator)))))
    sign = "-" if total < 0 else ""
    out.append(("total_amount", f"{sign}{abs(total) // 100_000_000}.{abs(total) % 100_000_000:08d}"))
    out.append(("transactions", str(len({txid for txid, _ in utxo}))))
    return "{\n" + ",\n".join(f'  "{k}": {v}' for k, v in out) + "\n}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", help="blk*.dat-framed files, read in the order given")
    parser.add_argument("--network", choices=sorted(set(MAGICS.values())),
                        help="refuse records of any other network (default: the first record's magic)")
    parser.add_argument("--no-muhash", action="store_true", help="skip the (slow) MuHash3072 digest")
    parser.add_argument("--self-test", action="store_true", help="check MuHash3072 against Core's vectors")
    args = parser.parse_args()
    if args.self_test:
        self_test()
        return 0
    if not args.files:
        parser.error("no input files")
    try:
        _, chain, utxo = replay(args.files, args.network)
    except (ReplayError, OSError) as e:
        print(f"utxo_replay: {e}", file=sys.stderr)
        return 1
    print(stats(chain, utxo, not args.no_muhash))
    return 0


if __name__ == "__main__":
    sys.exit(main())
