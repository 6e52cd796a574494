"""bcoin harness for Peregrine's Python integration tests (import with `import bcoin` from a script
in tests/integration/, whose directory is then on sys.path).

Drives contrib/realpeer.sh: each `Bcoin` is one bcoin 1.0.2 regtest node with its own datadir and
ports (P2P and JSON-RPC on 127.0.0.1), in memory by default (RP_MEMORY=1). What is here:

- `check(what, got, want)` / `expect(what, cond, detail)`: record a failure in `failures` and print
  `ok`/`FAIL` lines; `report(work)` prints the failures at the end and returns the exit code.
- `run(args, ...)`: a command with a timeout; exits the test with its output if its exit code is not
  in ok_codes.
- `satoshis(amount)`: a BTC amount parsed with Decimal -> exact integer satoshis.
- `script_class`, `chain_census`: classify output scripts of a blk file (with utxo_replay.py's
  parser, loaded by `load_replay(repo)`).
- `fill_stats(stdout)`: the JSON realpeer.sh fill prints; `utxo_stats(peregrine, datadir)`;
  `peregrine_rpc(port, method, ...)`: a call to `peregrine sync --rpcuser=u --rpcpassword=w`;
  `tail(path)`: a log's last lines, for failure messages.
- `Bcoin`: start, stop, rpc, mine, fill, height/best, connect(other) (RPC `addnode HOST:PORT add`:
  the launcher takes no --nodes/--only, it is started with `seeds: []` and dials nothing itself),
  wait_height, wait_synced(other), peers.
- `Nodes`: a context manager for N nodes under one work dir (ports given as (p2p, rpc) pairs); its
  exit stops them all, whatever happened. `stop_leftovers(work)` stops nodes that an earlier run,
  killed before it could clean up, left running on datadirs under `work` (call it before deleting
  the work dir).
- `exit_on_signals()`: SIGTERM/SIGINT (ctest's timeout, ^C) raise SystemExit, so `finally:` blocks
  and `with Nodes(...)` stop the nodes.
"""
import base64
import decimal
import glob
import http.client
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import time

COIN = 100_000_000
# Every kind realpeer.sh's fill spends (its stats' "byInput" keys): each must be spent at least once.
FILL_KINDS = ("p2pk", "p2pkh", "p2pkh_uncompressed", "p2wpkh", "p2sh_p2wpkh", "p2sh_multisig_2of3",
              "p2wsh_multisig_2of3", "p2sh_p2wsh_multisig_2of3", "bare_multisig_1of2",
              "p2tr_keypath", "p2tr_scriptpath")
# Output script templates that must occur in the chain, as created and as spent (classified here
# from the blocks themselves, not from what fill says it did). OP_RETURN is never spent.
CREATED_CLASSES = ("p2pk", "p2pkh", "p2sh", "p2wpkh", "p2wsh", "p2tr", "multisig", "op_return")
SPENT_CLASSES = ("p2pk", "p2pkh", "p2sh", "p2wpkh", "p2wsh", "p2tr", "multisig")

failures = []


def check(what, got, want):
    if got != want:
        failures.append(f"{what}: got {got!r}, expected {want!r}")
        print(f"FAIL {what}: got {got!r}, expected {want!r}", flush=True)
    else:
        print(f"ok   {what}: {got!r}", flush=True)


def expect(what, cond, detail=""):
    """A boolean check; detail (e.g. the values compared) goes into the message either way."""
    msg = f"{what}" + (f" ({detail})" if detail else "")
    if not cond:
        failures.append(msg)
        print(f"FAIL {msg}", flush=True)
    else:
        print(f"ok   {msg}", flush=True)
    return bool(cond)


def report(work):
    """Prints the failures (or PASS); returns the exit code."""
    if failures:
        print(f"{len(failures)} FAILURES (work dir kept: {work}):")
        for f in failures:
            print("  " + f)
        return 1
    print("PASS")
    return 0


def run(args, timeout=300, env=None, ok_codes=(0,)):
    t0 = time.monotonic()
    out = subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=env)
    dt = time.monotonic() - t0
    if out.returncode not in ok_codes:
        sys.exit(f"{' '.join(map(str, args))} failed ({out.returncode}) after {dt:.1f}s:\n"
                 f"{out.stdout}\n{out.stderr}")
    return out, dt


def satoshis(amount):
    """A BTC amount as parsed with parse_float=Decimal (or an int) -> exact integer satoshis."""
    sat = decimal.Decimal(amount) * COIN
    if sat != sat.to_integral_value():
        raise ValueError(f"amount {amount} is not a whole number of satoshis")
    return int(sat)


def exit_on_signals():
    """ctest's timeout and ^C: unwind through `finally:` so the nodes are stopped."""
    def on_signal(signum, _frame):
        raise SystemExit(f"interrupted by signal {signum}")
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)


def load_replay(repo):
    """contrib/utxo_replay.py as a module."""
    spec = importlib.util.spec_from_file_location("utxo_replay", os.path.join(repo, "contrib", "utxo_replay.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def script_class(script):
    n = len(script)
    if n and script[0] == 0x6A:
        return "op_return"
    if n == 25 and script[:3] == b"\x76\xa9\x14" and script[23:] == b"\x88\xac":
        return "p2pkh"
    if n == 23 and script[:2] == b"\xa9\x14" and script[22] == 0x87:
        return "p2sh"
    if n == 22 and script[:2] == b"\x00\x14":
        return "p2wpkh"
    if n == 34 and script[:2] == b"\x00\x20":
        return "p2wsh"
    if n == 34 and script[:2] == b"\x51\x20":
        return "p2tr"
    if (n == 35 and script[0] == 33 or n == 67 and script[0] == 65) and script[-1] == 0xAC:
        return "p2pk"
    if n >= 37 and 0x51 <= script[0] <= 0x60 and 0x51 <= script[-2] <= 0x60 and script[-1] == 0xAE:
        return "multisig"
    return "other"


def chain_census(replay_mod, path):
    """Per script class, outputs created and outputs spent in the file; and its transaction count."""
    created, spent, scripts, ntx = {}, {}, {}, 0
    for _, raw in replay_mod.read_frames(path, "regtest"):
        _, _, _, txs = replay_mod.parse_block(raw)
        for txid, inputs, outputs, is_coinbase in txs:
            ntx += 1
            if not is_coinbase:
                for prevout in inputs:
                    c = script_class(scripts.pop(prevout))
                    spent[c] = spent.get(c, 0) + 1
            for index, (_, script) in enumerate(outputs):
                c = script_class(script)
                created[c] = created.get(c, 0) + 1
                scripts[(txid, index)] = script
    return created, spent, ntx


def fill_stats(stdout):
    """The JSON object realpeer.sh fill prints between its progress lines."""
    lines = stdout.splitlines()
    start = lines.index("{")
    end = start + lines[start:].index("}")
    return json.loads("\n".join(lines[start:end + 1]))


def tail(path, n=15):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError as e:
        return f"({e})"


def peregrine_rpc(port, method, *params, timeout=5):
    """JSON-RPC to a `peregrine sync --rpcport=PORT --rpcuser=u --rpcpassword=w`."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    conn.request("POST", "/", json.dumps({"jsonrpc": "1.0", "method": method, "params": list(params), "id": 1}),
                 {"Authorization": "Basic dTp3", "Content-Type": "application/json"})  # u:w
    reply = json.loads(conn.getresponse().read())
    conn.close()
    if reply.get("error"):
        raise RuntimeError(f"{method}: {reply['error']}")
    return reply["result"]


def utxo_stats(peregrine, datadir):
    out, _ = run([peregrine, "utxo-stats", "--network=regtest", f"--datadir={datadir}"])
    return json.loads(out.stdout, parse_float=decimal.Decimal)


class Bcoin:
    def __init__(self, realpeer, datadir, port, rpcport, memory=True, name=None):
        self.realpeer, self.port, self.rpcport = realpeer, port, rpcport
        self.datadir = os.path.abspath(datadir)
        self.name = name or os.path.basename(self.datadir)
        self.env = dict(os.environ, RP_DATADIR=self.datadir)
        if memory:
            self.env["RP_MEMORY"] = "1"

    def __repr__(self):
        return f"bcoin {self.name} (p2p {self.port}, rpc {self.rpcport})"

    def sh(self, *args, timeout=300):
        return run([self.realpeer, *map(str, args)], timeout=timeout, env=self.env)

    def start(self, timeout=60):
        out, dt = self.sh("start", self.port, self.rpcport, self.datadir, timeout=timeout)
        return dt

    def stop(self):
        if os.path.exists(os.path.join(self.datadir, "realpeer.env")):
            subprocess.run([self.realpeer, "stop"], env=self.env, capture_output=True, timeout=60)

    def pid(self):
        """The node's pid (from realpeer.sh's state file), or None."""
        try:
            with open(os.path.join(self.datadir, "realpeer.env")) as f:
                for line in f:
                    if line.startswith("PID="):
                        return int(line[4:])
        except (OSError, ValueError):
            pass
        return None

    def rpc(self, method, *params, timeout=60):
        conn = http.client.HTTPConnection("127.0.0.1", self.rpcport, timeout=timeout)
        auth = base64.b64encode(b"x:x").decode()
        conn.request("POST", "/", json.dumps({"method": method, "params": list(params), "id": 1}),
                     {"Authorization": f"Basic {auth}", "Content-Type": "application/json"})
        reply = json.loads(conn.getresponse().read(), parse_float=decimal.Decimal)
        conn.close()
        if reply.get("error"):
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply["result"]

    def height(self):
        return self.rpc("getblockcount")

    def best(self):
        return self.rpc("getbestblockhash")

    def mine(self, n, timeout=300):
        """Mines n blocks to realpeer's key 0; returns the seconds it took."""
        _, dt = self.sh("mine", n, timeout=timeout)
        return dt

    def fill(self, ntx, nblocks, timeout=600):
        """realpeer.sh fill: returns (stats, seconds, completed process)."""
        out, dt = self.sh("fill", ntx, nblocks, timeout=timeout)
        return fill_stats(out.stdout), dt, out

    def connect(self, other):
        """Makes this node dial `other` (a Bcoin, or "host:port") and keep it as a peer."""
        addr = other if isinstance(other, str) else f"127.0.0.1:{other.port}"
        self.rpc("addnode", addr, "add")

    def peers(self):
        return self.rpc("getpeerinfo")

    def wait_height(self, height, timeout=120, poll=0.25):
        """Waits until this node's height is `height`; returns the seconds waited. Raises
        TimeoutError naming the heights on timeout."""
        t0 = time.monotonic()
        while True:
            h = self.height()
            if h == height:
                return time.monotonic() - t0
            if time.monotonic() - t0 > timeout:
                raise TimeoutError(f"{self}: height {h} after {timeout}s, waiting for {height}")
            time.sleep(poll)

    def wait_synced(self, other, timeout=120, poll=0.25):
        """Waits until this node's best block is `other`'s; returns the seconds waited."""
        t0 = time.monotonic()
        want, want_h = other.best(), other.height()
        while True:
            if self.best() == want:
                return time.monotonic() - t0
            if time.monotonic() - t0 > timeout:
                raise TimeoutError(f"{self}: height {self.height()} after {timeout}s, waiting for "
                                   f"{other}'s tip {want} at height {want_h}")
            time.sleep(poll)


def fresh_work_dir(work, realpeer):
    """Stops nodes an earlier killed run left under `work`, then empties it."""
    stop_leftovers(work, realpeer)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)


def stop_leftovers(work, realpeer=None):
    """Stops bcoin nodes whose datadirs are `work` or directly under it, left running by an earlier
    run that was killed. Uses realpeer.sh stop where its state file exists, else the pid in the
    node's `ready` file (written by the node itself), if that pid is still a realpeer launcher."""
    for d in [work, *glob.glob(os.path.join(work, "*"))]:
        if os.path.exists(os.path.join(d, "realpeer.env")) and realpeer:
            env = dict(os.environ, RP_DATADIR=os.path.abspath(d))
            subprocess.run([realpeer, "stop"], env=env, capture_output=True, timeout=60)
            continue
        try:
            with open(os.path.join(d, "ready")) as f:
                pid = int(f.readline())
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if b"launcher.js" not in f.read():
                    continue
            os.kill(pid, signal.SIGKILL)
        except (OSError, ValueError):
            pass


class Nodes:
    """N bcoin nodes: work/NAME for each, ports [(p2p, rpc), ...].

        with bcoin.Nodes(realpeer, work, [(28460, 28461), (28462, 28463)]) as nodes:
            nodes.start()              # all of them (or nodes[i].start())
            nodes[1].connect(nodes[0]); nodes[1].wait_synced(nodes[0])

    Leaving the block stops every node, whatever happened (the stops run in parallel)."""

    def __init__(self, realpeer, work, ports, names=None, memory=True):
        names = names or [f"bcoin{i + 1}" for i in range(len(ports))]
        self.realpeer = realpeer
        self.nodes = [Bcoin(realpeer, os.path.join(work, n), p, r, memory=memory, name=n)
                      for n, (p, r) in zip(names, ports)]

    def __getitem__(self, i):
        return self.nodes[i]

    def __iter__(self):
        return iter(self.nodes)

    def __len__(self):
        return len(self.nodes)

    def start(self):
        for n in self.nodes:
            n.start()

    def stop(self):
        procs = [subprocess.Popen([self.realpeer, "stop"], env=n.env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
                 for n in self.nodes if os.path.exists(os.path.join(n.datadir, "realpeer.env"))]
        for p in procs:
            try:
                p.wait(timeout=60)
            except subprocess.TimeoutExpired:
                p.kill()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False
