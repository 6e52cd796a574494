#!/usr/bin/env python3
"""Write faults on every durable write path of `peregrine sync`, each followed by a clean restart.

A regtest chain from `peregrine generate` (BLOCKS blocks with spends) is imported into a serving
datadir and served by `peregrine sync --listen` on 127.0.0.1. An undisturbed sync of it from that
server gives the reference `peregrine utxo-stats`. Then, for each row of the matrix (site:op:kind:nth,
see doc/durability.md), a fresh datadir syncs from the server with PEREGRINE_FAULT set (--fastprune:
64 KiB block files, so files rotate; --dbcache=0 where the fault should stop the sync: a flush, with
the fsyncs of every store, after every block, so N lands mid-sync):

- an error kind (enospc, eio, short) on the block, undo, UTXO or header files must stop the node
  cleanly: exit 1 within the bound, stderr saying `peregrine sync: ...` with the file and the
  system's reason, and no "terminate called", "exception", "Aborted" or sanitizer report;
- crash must end in SIGKILL, right after the operation;
- partial (a short write followed by the rest) must not be an error: exit 0 at the tip;
- peers.dat and banlist.json are not the chain's: a failed save is logged (naming the file) and the
  node goes on, as Core's does: exit 0. banlist.json is written by the RPC setban.

Each row must show that the fault was reached (the seam's "PEREGRINE_FAULT: ..." line). Then the
same datadir syncs again without the fault, and its utxo-stats must equal the reference in every
figure but disk_size. The table goes to stdout; exit 1 if any row failed.

usage: fault_matrix_test.py PEREGRINE WORK_DIR FIRST_PORT [BLOCKS]   (uses FIRST_PORT and FIRST_PORT+1)
"""
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
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from bcoin import peregrine_rpc as rpc  # noqa: E402

FIELDS_SKIPPED = ("disk_size",)
RUN_TIMEOUT = 90     # seconds for one sync of the whole chain, faulted or not
FORBIDDEN = re.compile(r"terminate called|exception|Aborted|AddressSanitizer|UndefinedBehaviorSanitizer|"
                       r"runtime error:|core dumped|Assertion", re.IGNORECASE)

# site:op:kind:nth, and what must happen: "error" (exit 1, message), "crash" (SIGKILL), "ok" (exit 0),
# "logged" (exit 0, the failure logged). The expected text names the file and the reason.
MATRIX = [
    ("blocks:write:enospc:20", "error", [r"blocks/blk00000\.dat at \d+: cannot write: No space left on device"]),
    ("blocks:write:enospc:150", "error", [r"blocks/blk\d{5}\.dat at \d+: cannot write: No space left on device"]),
    ("blocks:write:short:220", "error", [r"blocks/blk\d{5}\.dat at \d+: cannot write: No space left on device"]),
    ("blocks:write:partial:100", "ok", []),
    ("blocks:write:crash:180", "crash", []),
    ("blocks:open:eio:4", "error", [r"blocks/blk\d{5}\.dat: cannot open: Input/output error"]),
    ("blocks:sync:eio:120", "error", [r"blocks/blk\d{5}\.dat: fsync failed: Input/output error"]),
    ("blocks:sync:eio:380", "error", [r"blocks/blk\d{5}\.dat: fsync failed: Input/output error"]),
    ("blocks:sync:crash:200", "crash", []),
    ("undo:write:eio:90", "error", [r"blocks/rev\d{5}\.dat at \d+: cannot write: Input/output error"]),
    ("undo:write:short:160", "error", [r"blocks/rev\d{5}\.dat at \d+: cannot write: No space left on device"]),
    ("undo:sync:enospc:140", "error", [r"blocks/rev\d{5}\.dat: fsync failed: No space left on device"]),
    ("undo:write:eio:280", "error", [r"blocks/rev\d{5}\.dat at \d+: cannot write: Input/output error"]),
    ("undo:write:crash:120", "crash", []),
    ("chainstate:write:enospc:300", "error", [r"UTXO database .*chainstate", r"chainstate/\d+\.(log|ldb): No space left on device"]),
    ("chainstate:write:short:450", "error", [r"UTXO database .*chainstate", r"chainstate/\d+\.(log|ldb): No space left on device"]),
    ("chainstate:sync:eio:200", "error", [r"UTXO database .*chainstate", r"chainstate/\S+: Input/output error"]),
    ("chainstate:write:eio:40", "error", [r"UTXO database .*chainstate", r"chainstate/\d+\.(log|ldb): Input/output error"]),
    ("chainstate:sync:enospc:600", "error", [r"UTXO database .*chainstate", r"chainstate/\S+: No space left on device"]),
    ("chainstate:sync:crash:250", "crash", []),
    ("chainstate:open:enospc:3", "error", [r"UTXO database .*chainstate", r"chainstate/\S+: No space left on device"]),
    ("chainstate:rename:eio:1", "error", [r"cannot open the UTXO database .*chainstate", r"Input/output error"]),
    ("headers:write:eio:200", "error", [r"header store .*headers", r"headers/\d+\.(log|ldb): Input/output error"]),
    ("headers:sync:enospc:150", "error", [r"header store .*headers", r"headers/\S+: No space left on device"]),
    ("headers:write:eio:1", "error", [r"header store .*headers", r"headers/MANIFEST-\d+: Input/output error"]),
    ("headers:sync:eio:350", "error", [r"header store .*headers", r"headers/\S+: Input/output error"]),
    ("headers:write:crash:120", "crash", []),
    ("peers.dat:write:enospc:1", "logged", [r"peers\.dat\.tmp: write: No space left on device"]),
    ("peers.dat:rename:eio:1", "logged", [r"peers\.dat: rename: Input/output error"]),
    ("peers.dat:rename:crash:1", "crash", []),
    ("banlist.json:write:enospc:1", "logged", [r"banlist\.json\.tmp: write: No space left on device"]),
    ("banlist.json:sync:eio:1", "logged", [r"banlist\.json\.tmp: fsync: Input/output error"]),
]


def run(args, timeout=300, env=None):
    out = subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=env)
    if out.returncode != 0:
        sys.exit(f"{' '.join(args)} exited {out.returncode}:\n{out.stderr[-3000:]}")
    return out


def utxo_stats(peregrine, datadir):
    doc = json.loads(run([peregrine, "utxo-stats", "--network=regtest", f"--datadir={datadir}"]).stdout)
    return {k: v for k, v in doc.items() if k not in FIELDS_SKIPPED}


class Peregrine:
    def __init__(self, peregrine, datadir, server_port):
        self.peregrine = peregrine
        self.datadir = datadir
        self.server_port = server_port

    def sync_args(self, *extra, dbcache=450):
        return [self.peregrine, "sync", "--network=regtest", f"--datadir={self.datadir}", f"--dbcache={dbcache}",
                "--fastprune", f"--connect=127.0.0.1:{self.server_port}", "--progress=0", "--par=1",
                "--mindiskspace=0", *extra]

    def sync(self, fault=None, dbcache=450, timeout=RUN_TIMEOUT):
        """(exit code or -signal, stderr, seconds) of one sync to the tip. Faults on the chain's
        files sync with --dbcache=0 (a flush, so fsyncs of every store, after every block); the
        rest with the default, one flush at the end (the UTXO set is the same either way)."""
        env = dict(os.environ)
        env.pop("PEREGRINE_FAULT", None)
        if fault:
            env["PEREGRINE_FAULT"] = fault
        t0 = time.monotonic()
        proc = subprocess.Popen(self.sync_args("--stop-at-tip", dbcache=dbcache), stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True, env=env)
        try:
            _, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
            return "hung", err, time.monotonic() - t0
        return proc.returncode, err, time.monotonic() - t0


def ban_with_fault(node, fault, rpc_port):
    """A synced node started with the fault, told to ban an address over RPC, then stopped: the ban
    list save is what fails. (exit code, stderr, seconds)."""
    env = dict(os.environ, PEREGRINE_FAULT=fault)
    t0 = time.monotonic()
    proc = subprocess.Popen(node.sync_args(f"--rpcport={rpc_port}", "--rpcuser=u", "--rpcpassword=w"),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                rpc(rpc_port, "getblockcount")
                break
            except (OSError, RuntimeError, http.client.HTTPException, ValueError):
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.1)
        rpc(rpc_port, "setban", "198.51.100.7", "add", 3600)
        rpc(rpc_port, "stop")
        _, err = proc.communicate(timeout=RUN_TIMEOUT)
    except Exception as e:  # noqa: BLE001 - any failure is this row's, reported with stderr
        proc.kill()
        _, err = proc.communicate()
        return f"failed: {e}", err, time.monotonic() - t0
    return proc.returncode, err, time.monotonic() - t0


def judge(row, code, err, seconds):
    """The problems with one faulted run (empty: as expected), and its outcome for the table."""
    fault, want, patterns = row
    problems = []
    if code == "hung":
        return [f"still running after {RUN_TIMEOUT} s"], "hung"
    if isinstance(code, str):
        return [code], "failed"
    outcome = {0: "exit 0", 1: "exit 1"}.get(code, f"signal {-code}" if code < 0 else f"exit {code}")
    if "PEREGRINE_FAULT: " not in err:
        problems.append("the fault was never reached (no PEREGRINE_FAULT line): choose a smaller nth")
    if want == "crash":
        if code != -signal.SIGKILL:
            problems.append(f"{outcome}, expected SIGKILL")
    elif want == "error":
        if code != 1:
            problems.append(f"{outcome}, expected exit 1")
        last = [line for line in err.splitlines() if line.startswith("peregrine sync: ")]
        if not last:
            problems.append("no 'peregrine sync: ...' error line")
    elif code != 0:
        problems.append(f"{outcome}, expected exit 0")
    for p in patterns:
        if not re.search(p, err):
            problems.append(f"stderr lacks /{p}/")
    bad = FORBIDDEN.search(err)
    if bad and want != "crash":
        problems.append(f"stderr has {bad.group(0)!r}")
    if want == "ok":
        outcome += " (completed)"
    elif want == "logged":
        outcome += " (logged)"
    return problems, outcome


def main():
    peregrine, work, first_port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    blocks = int(sys.argv[4]) if len(sys.argv) > 4 else 400
    server_port, rpc_port = first_port, first_port + 1
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    t_start = time.monotonic()

    chain = os.path.join(work, "chain")
    run([peregrine, "generate", f"--blocks={blocks}", "--txs-per-block=8", "--threads=1", "--seed=7", chain])
    serve_dir = os.path.join(work, "serve")
    files = sorted(os.path.join(chain, f) for f in os.listdir(chain) if f.startswith("blk"))
    run([peregrine, "import", "--network=regtest", f"--datadir={serve_dir}", "--assumevalid=0", *files])
    server = subprocess.Popen([peregrine, "sync", "--network=regtest", f"--datadir={serve_dir}", "--listen",
                               "--bind=127.0.0.1", f"--port={server_port}", "--progress=0", "--mindiskspace=0",
                               "--maxtipage=2000000000"],  # a generated chain's tip is old: serve it anyway
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    failures = 0
    rows = []
    # A malformed plan is refused before anything runs.
    bad = subprocess.run([peregrine, "sync", "--network=regtest", f"--datadir={os.path.join(work, 'bad')}"],
                         capture_output=True, text=True, timeout=30,
                         env=dict(os.environ, PEREGRINE_FAULT="blocks:sync:boom:1"))
    if bad.returncode != 2 or "PEREGRINE_FAULT" not in bad.stderr or "boom" not in bad.stderr:
        print(f"FAIL a malformed PEREGRINE_FAULT: exit {bad.returncode}, stderr {bad.stderr.strip()!r}")
        failures += 1
    if os.path.exists(os.path.join(work, "bad")):
        print("FAIL a malformed PEREGRINE_FAULT: the datadir was created anyway")
        failures += 1
    try:
        time.sleep(1.0)
        reference_node = Peregrine(peregrine, os.path.join(work, "reference"), server_port)
        code, err, seconds = reference_node.sync()
        if code != 0:
            sys.exit(f"the undisturbed sync exited {code}:\n{err[-3000:]}")
        reference = utxo_stats(peregrine, reference_node.datadir)
        if reference["height"] != blocks:
            sys.exit(f"the undisturbed sync reached height {reference['height']}, not {blocks}")
        print(f"undisturbed sync: {seconds:.1f} s to height {blocks}; generate and import took "
              f"{time.monotonic() - t_start - seconds:.1f} s", flush=True)

        for i, row in enumerate(MATRIX):
            fault = row[0]
            node = Peregrine(peregrine, os.path.join(work, f"case{i}"), server_port)
            if fault.startswith("banlist.json"):
                code0, err0, _ = node.sync()  # synced first: the ban comes at the tip
                if code0 != 0:
                    sys.exit(f"{fault}: the sync before the ban exited {code0}:\n{err0[-3000:]}")
                code, err, seconds = ban_with_fault(node, fault, rpc_port)
            else:
                # Flushes after every block, so the chain's fsyncs come hundreds of times, where a fault
                # stops the sync; a partial write or a peers.dat save lets it finish: at full speed.
                site, kind = fault.split(":")[0], fault.split(":")[2]
                stops = site in ("blocks", "undo", "chainstate", "headers") and kind != "partial"
                code, err, seconds = node.sync(fault, dbcache=0 if stops else 450)
            problems, outcome = judge(row, code, err, seconds)
            if code == "hung":
                resumed = "-"
            else:
                rcode, rerr, _ = node.sync()
                got = utxo_stats(peregrine, node.datadir) if rcode == 0 else None
                if rcode != 0:
                    problems.append(f"the restart without the fault exited {rcode}: {rerr.strip()[-600:]}")
                    resumed = f"restart exit {rcode}"
                elif got != reference:
                    diff = {k: (got.get(k), reference.get(k)) for k in set(got) | set(reference) if got.get(k) != reference.get(k)}
                    problems.append(f"utxo-stats differ from the reference: {diff}")
                    resumed = "DIFFERENT"
                else:
                    resumed = "equal"
            site, op, kind, nth = fault.split(":")
            rows.append((site, op, kind, nth, outcome, f"{seconds:.1f}", resumed, "ok" if not problems else "FAIL"))
            if problems:
                failures += 1
                print(f"FAIL {fault}: " + "; ".join(problems), flush=True)
                print("  stderr tail:\n    " + "\n    ".join(err.strip().splitlines()[-8:]), flush=True)
            else:
                # What names the file: the error line, the logged failure, or the seam's note of the crash.
                wanted = [p for p in row[2]] + [r"^peregrine sync: ", r"^PEREGRINE_FAULT: "]
                lines = err.splitlines()
                message = next((line for p in wanted for line in lines if re.search(p, line)), "")
                print(f"ok   {fault}: {outcome} in {seconds:.1f} s; {message[:260]}", flush=True)
            shutil.rmtree(node.datadir, ignore_errors=True)
    finally:
        server.kill()
        server.wait()

    header = ("site", "op", "kind", "nth", "outcome", "seconds", "resumed", "verdict")
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    print()
    for r in [header] + rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths)))
    passed = sum(1 for r in rows if r[-1] == "ok")
    print(f"\n{passed} passed, {failures} failed ({time.monotonic() - t_start:.0f} s)")
    if failures == 0:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
