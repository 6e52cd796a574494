#!/usr/bin/env python3
"""Recovery through the CLI: a corrupt UTXO database is named with the command that rebuilds it;
`sync --reindex-chainstate` and `sync --reindex` rebuild the chain from the datadir's own block
files, also when killed in the middle and started again (with or without the flag); the free-space
floor refuses to start; and, when a tmpfs can be mounted (root), a full disk stops sync once, with
one clear message and no internal exception text, and a restart with room ends with the right set.

Every rebuilt datadir must end with the uninterrupted import's `utxo-stats`.

usage: recovery_test.py PEREGRINE SHARED_DATA_DIR
"""
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

NETWORK = "testnet3"
FILE = "testnet3_blocks_0_4000.blk"
FIELDS = ("height", "bestblock", "txouts", "total_amount", "hash_serialized_3", "muhash")
# Old timestamps: without this a served chain counts as initial download and is not served.
MAX_TIP_AGE = "--maxtipage=2000000000"
failures = []


def check(condition, what):
    print(("ok   " if condition else "FAIL ") + what)
    if not condition:
        failures.append(what)


def stats(peregrine, datadir, network=NETWORK):
    out = subprocess.run([peregrine, "utxo-stats", f"--network={network}", f"--datadir={datadir}"],
                         capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        return None, out
    doc = json.loads(out.stdout)
    return {f: str(doc[f]) for f in FIELDS}, out


def sync_args(peregrine, datadir, height, *extra):
    # No peer: the chain is rebuilt from the datadir alone, and the run ends at the known height.
    return [peregrine, "sync", f"--network={NETWORK}", f"--datadir={datadir}", "--connect=127.0.0.1:1",
            f"--stop-at-height={height}", "--progress=0", "--mindiskspace=0", *extra]


def run(args, timeout=300):
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout)


def corrupt_tables(chainstate):
    """Overwrites the end of each table's index block (just before the 48-byte footer): LevelDB's
    checksum of that block no longer matches, as after a bad sector."""
    tables = [f for f in os.listdir(chainstate) if f.endswith(".ldb")]
    for name in tables:
        path = os.path.join(chainstate, name)
        size = os.path.getsize(path)
        with open(path, "r+b") as f:
            f.seek(max(0, size - 48 - 24))
            f.write(b"\xa5" * 16)
    return tables


def kill_after(args, seconds):
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(seconds)
    killed = proc.poll() is None
    if killed:
        proc.send_signal(signal.SIGKILL)
    proc.wait()
    return killed


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def full_disk_test(peregrine, tmp):
    """A generated regtest chain (1 MiB of blocks) served from a local node to one syncing onto a
    tmpfs too small for it."""
    mount = os.path.join(tmp, "small-disk")
    os.makedirs(mount)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=800k", "tmpfs", mount], capture_output=True).returncode:
        print("skip full-disk test: cannot mount a tmpfs here (not root?)")
        return
    server = None
    try:
        chain = os.path.join(tmp, "generated")
        subprocess.run([peregrine, "generate", chain, "--blocks=150", "--block-weight=100000", "--seed=11"],
                       capture_output=True, timeout=300, check=True)
        source = os.path.join(tmp, "regtest-source")
        blk = sorted(os.path.join(chain, f) for f in os.listdir(chain) if f.startswith("blk"))
        subprocess.run([peregrine, "import", "--network=regtest", f"--datadir={source}", *blk],
                       capture_output=True, timeout=300, check=True)
        reference, _ = stats(peregrine, source, "regtest")
        port = free_port()
        server = subprocess.Popen([peregrine, "sync", "--network=regtest", f"--datadir={source}", "--listen",
                                   "--bind=127.0.0.1", f"--port={port}", "--progress=0", "--mindiskspace=0",
                                   MAX_TIP_AGE], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1.0)
        datadir = os.path.join(mount, "node")
        client = [peregrine, "sync", "--network=regtest", f"--datadir={datadir}", f"--connect=127.0.0.1:{port}",
                  f"--stop-at-height={reference['height']}", "--progress=0", MAX_TIP_AGE]
        out = run(client + ["--mindiskspace=0"], timeout=120)
        err = out.stderr
        check(out.returncode == 1, f"a full disk stops sync with exit 1 (got {out.returncode})")
        check("future_error" not in err and "No associated state" not in err, "no internal exception text")
        # The failing block write is reported, never retried (the address book's own save at exit
        # may fail on the full disk too: another file, one line).
        failed = err.count("cannot write: No space left on device")
        check(failed <= 2, f"the write failure is reported, not retried ({failed} lines)")
        check("is full" in err and mount in err, "the message names the full disk's path and what is needed")
        print("  " + "\n  ".join(line for line in err.splitlines() if "peregrine sync:" in line or "is full" in line))

        # The floor: with 1 GiB asked for, sync refuses to start on this disk.
        out = run(client + ["--mindiskspace=1024"], timeout=60)
        check(out.returncode == 1 and "disk space is too low" in out.stderr and mount in out.stderr,
              "below --mindiskspace sync refuses to start, naming the path")

        # Room again, but less than the floor by the end: the node stops itself, cleanly, once.
        subprocess.run(["mount", "-o", "remount,size=2200k", mount], check=True)
        out = run(client + ["--mindiskspace=1", "--maxdownloadrate=400"], timeout=120)
        check(out.returncode == 1 and out.stderr.count("disk space is too low") == 2 and "No space left" not in out.stderr,
              f"under --mindiskspace while syncing the node stops cleanly (exit {out.returncode})")

        # Room enough: the restart resumes from what was written and ends with the right set.
        subprocess.run(["mount", "-o", "remount,size=64m", mount], check=True)
        out = run(client + ["--mindiskspace=0"], timeout=300)
        check(out.returncode == 0, f"after the disk was enlarged sync resumes (exit {out.returncode})")
        got, _ = stats(peregrine, datadir, "regtest")
        check(got == reference, "the resumed sync ends with the source's UTXO set")
    finally:
        if server:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        subprocess.run(["umount", mount])


def main():
    peregrine, shared = sys.argv[1:3]
    path = os.path.join(shared, "chain", FILE)
    rng = random.Random(int(os.environ.get("PEREGRINE_CRASH_SEED", "20261207")))
    with tempfile.TemporaryDirectory(prefix="peregrine-recovery-") as tmp:
        source = os.path.join(tmp, "reference")
        subprocess.run([peregrine, "import", f"--network={NETWORK}", f"--datadir={source}", path],
                       capture_output=True, timeout=600, check=True)
        reference, _ = stats(peregrine, source)  # also moves LevelDB's log into a table file
        height = int(reference["height"])
        print(f"reference import: height {height}")

        # A corrupt UTXO table: the message names the database and the command that rebuilds it.
        damaged = os.path.join(tmp, "damaged")
        shutil.copytree(source, damaged)
        chainstate = os.path.join(damaged, "chainstate")
        check(len(corrupt_tables(chainstate)) > 0, "the UTXO database has table files to corrupt")
        _, out = stats(peregrine, damaged)
        check(out.returncode == 1 and chainstate in out.stderr and "--reindex-chainstate" in out.stderr,
              "utxo-stats on a corrupt UTXO table names the database and `sync --reindex-chainstate`")
        print("  " + out.stderr.strip())
        out = run(sync_args(peregrine, damaged, height))
        check(out.returncode == 1 and chainstate in out.stderr and "--reindex-chainstate" in out.stderr,
              "sync on a corrupt UTXO table stops (exit 1) naming the database and the command")
        t0 = time.monotonic()
        out = run(sync_args(peregrine, damaged, height, "--reindex-chainstate"))
        seconds = time.monotonic() - t0
        check(out.returncode == 0, f"sync --reindex-chainstate recovers (exit {out.returncode}) in {seconds:.2f} s")
        got, _ = stats(peregrine, damaged)
        check(got == reference, "--reindex-chainstate rebuilds the reference UTXO set")

        # Killed in the middle, then started again with or without the flag.
        for r, (flag, again) in enumerate([("--reindex-chainstate", False), ("--reindex-chainstate", True),
                                           ("--reindex", False), ("--reindex", True)]):
            datadir = os.path.join(tmp, f"killed{r}")
            shutil.copytree(source, datadir)
            after = rng.uniform(0.2, 1.5)
            killed = kill_after(sync_args(peregrine, datadir, height, flag, "--dbcache=0"), after)
            restart = sync_args(peregrine, datadir, height, *([flag] if again else []))
            out = run(restart)
            got, _ = stats(peregrine, datadir)
            check(out.returncode == 0 and got == reference,
                  f"{flag} {'killed' if killed else 'finished'} after {after:.2f} s, restarted "
                  f"{'with' if again else 'without'} the flag: reference UTXO set")
            check(not os.path.exists(os.path.join(datadir, "blocks.reindex")), "  and no blocks.reindex left")

        # --reindex from a datadir's own files, uninterrupted.
        datadir = os.path.join(tmp, "reindexed")
        shutil.copytree(source, datadir)
        out = run(sync_args(peregrine, datadir, height, "--reindex"))
        got, _ = stats(peregrine, datadir)
        check(out.returncode == 0 and got == reference, "sync --reindex rebuilds the reference UTXO set")

        # A pruned datadir (its first block file gone) is refused, as Core refuses.
        pruned = os.path.join(tmp, "pruned")
        shutil.copytree(source, pruned)
        os.rename(os.path.join(pruned, "blocks", "blk00000.dat"), os.path.join(pruned, "blocks", "blk00009.dat"))
        for flag in ("--reindex", "--reindex-chainstate"):
            out = run(sync_args(peregrine, pruned, height, flag))
            check(out.returncode == 1 and "pruned" in out.stderr, f"{flag} refuses a pruned datadir")

        full_disk_test(peregrine, tmp)

    if failures:
        print(f"{len(failures)} failed")
        return 1
    print("all passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
