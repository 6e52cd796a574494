#!/usr/bin/env python3
"""A scripted hostile Bitcoin P2P peer (regtest, stdlib only) for tests/integration/hostile_peer_test.py.

Unlike fake_peer.FakePeer (a server that serves a chain honestly or with one fault), a HostilePeer is
one connection driven step by step by a test: it completes (or withholds) the handshake, sends any
message or any raw bytes (bad magic, bad checksum, forged lengths), and a background thread reads
what the node sends, answers its pings, counts pongs and notices when the node closes the socket.
The framing and serialization helpers come from fake_peer.py.

    p = HostilePeer.connect(port)        # inbound to the node under test
    p = HostilePeer(sock)                # outbound: a socket our listener accepted
    p.handshake(); p.send("headers", payload); p.alive(); p.wait_closed(5)
"""
import os
import queue
import random
import socket
import struct
import threading
import time

from fake_peer import (MAGIC_REGTEST, PROTOCOL_VERSION, SERVICES, Reader, net_addr, ser_bytes, ser_compact,
                       sha256d)

MAGIC_MAINNET = bytes.fromhex("f9beb4d9")
REGTEST_BITS = 0x207FFFFF


def frame(command, payload=b"", magic=MAGIC_REGTEST, length=None, checksum=None, raw_command=None):
    """One P2P message; every field can be forged."""
    cmd = raw_command if raw_command is not None else command.encode().ljust(12, b"\x00")
    return (magic + cmd + struct.pack("<I", len(payload) if length is None else length)
            + (sha256d(payload)[:4] if checksum is None else checksum) + payload)


def version_payload(start_height=0, nonce=None):
    return (struct.pack("<iQq", PROTOCOL_VERSION, SERVICES, int(time.time()))
            + net_addr(0, "127.0.0.1", 0) + net_addr(SERVICES, "0.0.0.0", 0)
            + struct.pack("<Q", nonce if nonce is not None else random.getrandbits(64))
            + ser_bytes(b"/peregrine-hostile-peer:0.1/") + struct.pack("<i", start_height) + b"\x01")


def bits_to_target(bits):
    return (bits & 0x007FFFFF) << (8 * ((bits >> 24) - 3))


def script_number(n):
    out = bytearray()
    while n:
        out.append(n & 0xFF)
        n >>= 8
    if out[-1] & 0x80:
        out.append(0)
    return bytes(out)


def coinbase(height, tag):
    """A coinbase paying nothing to OP_TRUE, with BIP34's height and a tag."""
    h = script_number(height)
    script_sig = bytes([len(h)]) + h + bytes([4]) + struct.pack("<I", tag & 0xFFFFFFFF)
    return (struct.pack("<i", 1) + b"\x01" + b"\x00" * 32 + b"\xff\xff\xff\xff" + ser_bytes(script_sig)
            + b"\xff\xff\xff\xff" + b"\x01" + struct.pack("<q", 0) + b"\x01\x51" + struct.pack("<I", 0))


def mine_header(prev, merkle, block_time, bits=REGTEST_BITS, version=0x20000000, want_valid=True):
    """An 80-byte header whose hash meets (want_valid) or fails (not want_valid) the target of bits."""
    target = bits_to_target(bits)
    nonce = 0
    while True:
        header = struct.pack("<i32s32sIII", version, prev, merkle, block_time, bits, nonce)
        if (int.from_bytes(sha256d(header), "little") <= target) == want_valid:
            return header
        nonce += 1


class Block:
    """A coinbase-only block on prev (internal byte order) at height; bad_merkle breaks its merkle root,
    bad_height its BIP34 height (consensus-invalid with a matching merkle root). raw_mutated is the
    same header with another coinbase (a valid block's header, a body that does not match it)."""

    def __init__(self, prev, height, block_time, tag=0, bad_merkle=False, bad_height=False):
        self.tx = coinbase(height + (7 if bad_height else 0), tag)
        merkle = sha256d(self.tx)
        if bad_merkle:
            merkle = sha256d(merkle)
        self.header = mine_header(prev, merkle, block_time)
        self.hash = sha256d(self.header)
        self.raw = self.header + b"\x01" + self.tx
        self.raw_mutated = self.header + b"\x01" + coinbase(height, tag ^ 0x5A5A5A5A)

    @property
    def hash_hex(self):
        return self.hash[::-1].hex()


def headers_payload(headers, count=None):
    return ser_compact(len(headers) if count is None else count) + b"".join(h + b"\x00" for h in headers)


def inv_payload(items):
    return ser_compact(len(items)) + b"".join(struct.pack("<I", t) + h for t, h in items)


def addr_payload(n, first_octet=11):
    """n routable IPv4 addresses (11.x.y.z, port 18444), timestamped now."""
    now = int(time.time())
    entries = []
    for i in range(n):
        host = f"{first_octet}.{(i >> 16) & 255}.{(i >> 8) & 255}.{(i & 255) or 1}"
        entries.append(struct.pack("<I", now) + net_addr(SERVICES, host, 18444))
    return ser_compact(n) + b"".join(entries)


class HostilePeer:
    """One connection to (or from) the node under test."""

    def __init__(self, sock, name="hostile"):
        self.sock = sock
        self.name = name
        self.sock.settimeout(None)
        self.closed = threading.Event()
        self.closed_at = None  # time.monotonic() when the node's end was seen closed
        self.got_version = threading.Event()
        self.got_verack = threading.Event()
        self.sent_verack = threading.Event()  # our half of the handshake is out: the node will read what follows
        self.received = queue.Queue()  # (command, payload) of everything but ping
        self.commands = []
        self._pongs = set()
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read_loop, name=name, daemon=True)
        self._reader.start()

    @classmethod
    def connect(cls, port, name="hostile", timeout=5):
        return cls(socket.create_connection(("127.0.0.1", port), timeout=timeout), name)

    # -- sending

    def send_raw(self, data):
        try:
            self.sock.sendall(data)
            return True
        except OSError:
            self.closed.set()
            return False

    def send(self, command, payload=b""):
        return self.send_raw(frame(command, payload))

    def handshake(self, timeout=5, send_verack=True):
        """Sends version, waits for the node's version, sends verack; True once the node's verack came."""
        self.send("version", version_payload())
        if not self.got_version.wait(timeout):
            return False
        if send_verack:
            self.send("verack")
            self.sent_verack.set()
        return self.got_verack.wait(timeout)

    # -- observing

    def ping(self):
        nonce = random.getrandbits(64)
        self.send("ping", struct.pack("<Q", nonce))
        return nonce

    def pongs_for(self, nonces):
        with self._lock:
            return len(self._pongs & set(nonces))

    def alive(self, timeout=5):
        """True if a ping is answered within timeout (the node still reads and serves us)."""
        if self.closed.is_set():
            return False
        nonce = self.ping()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not self.closed.is_set():
            if self.pongs_for([nonce]):
                return True
            time.sleep(0.02)
        return False

    def wait_closed(self, timeout=5):
        return self.closed.wait(timeout)

    def wait_for(self, command, timeout=5):
        """The payload of the next `command` the node sends, or None."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            try:
                cmd, payload = self.received.get(timeout=left)
            except queue.Empty:
                return None
            if cmd == command:
                return payload

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        self._reader.join(2)

    def _read_loop(self):
        buf = b""
        try:
            while True:
                while len(buf) >= 24:
                    length = struct.unpack_from("<I", buf, 16)[0]
                    if len(buf) < 24 + length:
                        break
                    command = buf[4:16].rstrip(b"\x00").decode(errors="replace")
                    payload = buf[24:24 + length]
                    buf = buf[24 + length:]
                    self._on_message(command, payload)
                data = self.sock.recv(1 << 16)
                if not data:
                    break
                buf += data
        except OSError:
            pass
        self.closed_at = time.monotonic()
        self.closed.set()

    def _on_message(self, command, payload):
        self.commands.append(command)
        if command == "version":
            self.got_version.set()
        elif command == "verack":
            self.got_verack.set()
        elif command == "ping":
            self.send("pong", payload[:8])
            return
        elif command == "pong" and len(payload) >= 8:
            with self._lock:
                self._pongs.add(struct.unpack("<Q", payload[:8])[0])
            return
        self.received.put((command, payload))


class Listener:
    """Accepts the node's outbound connections on a loopback port, completes each handshake at once (so
    a connection waiting for its case is not dropped by the node's handshake timeout) and hands out the
    live ones in order."""

    def __init__(self, port):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(8)
        self.accepted = queue.Queue()
        self._thread = threading.Thread(target=self._accept_loop, name="listener", daemon=True)
        self._thread.start()

    def _accept_loop(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            peer = HostilePeer(conn, "outbound")
            threading.Thread(target=lambda p=peer: p.handshake(10), daemon=True).start()
            self.accepted.put(peer)

    def next_peer(self, timeout=10, name="outbound"):
        """The next live connection the node made to us, handshake done, or None."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                peer = self.accepted.get(timeout=max(deadline - time.monotonic(), 0.01))
            except queue.Empty:
                return None
            # Both halves: messages sent before our verack would be dropped by the node as early.
            done = lambda: peer.got_verack.is_set() and peer.sent_verack.is_set()
            while not done() and not peer.closed.is_set() and time.monotonic() < deadline:
                time.sleep(0.02)
            if done() and not peer.closed.is_set():
                peer.name = name
                return peer
            peer.close()

    def close(self):
        self.sock.close()


def random_hash():
    return os.urandom(32)


__all__ = ["HostilePeer", "Listener", "Block", "frame", "mine_header", "headers_payload", "inv_payload",
           "addr_payload", "version_payload", "random_hash", "MAGIC_MAINNET", "REGTEST_BITS", "Reader"]
