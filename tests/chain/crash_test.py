#!/usr/bin/env python3
"""Crash safety: `peregrine import` killed with SIGKILL at random instants, then run again, ends with
the same UTXO set as an uninterrupted import.

The import flushes after every block (--dbcache=0) in most rounds, so kills land in the middle of
flushes (LevelDB batch, fsyncs of block and undo files, header records) as well as between them;
the other rounds use the default cache, so a kill loses a whole unflushed stretch that the restart
must replay from the block store. Each round kills once, restarts, and compares every utxo-stats
figure with the uninterrupted run's.

usage: crash_test.py PEREGRINE SHARED_DATA_DIR [ROUNDS]
"""
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time

NETWORK = "testnet3"
FILE = "testnet3_blocks_0_4000.blk"
FIELDS = ("height", "bestblock", "txouts", "total_amount", "hash_serialized_3", "muhash")


def import_args(peregrine, datadir, path, dbcache):
    return [peregrine, "import", f"--network={NETWORK}", f"--datadir={datadir}", "--assumevalid=0",
            f"--dbcache={dbcache}", path]


def stats(peregrine, datadir):
    out = subprocess.run([peregrine, "utxo-stats", f"--network={NETWORK}", f"--datadir={datadir}"],
                         capture_output=True, text=True, timeout=120, check=True)
    doc = json.loads(out.stdout)
    return {f: str(doc[f]) for f in FIELDS}


def main():
    peregrine, shared = sys.argv[1:3]
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    path = os.path.join(shared, "chain", FILE)
    rng = random.Random(int(os.environ.get("PEREGRINE_CRASH_SEED", "20261121")))
    failures = 0
    with tempfile.TemporaryDirectory(prefix="peregrine-crash-") as tmp:
        reference_dir = os.path.join(tmp, "reference")
        t0 = time.monotonic()
        subprocess.run(import_args(peregrine, reference_dir, path, 0), capture_output=True, timeout=600, check=True)
        full = time.monotonic() - t0
        reference = stats(peregrine, reference_dir)
        t0 = time.monotonic()
        subprocess.run(import_args(peregrine, os.path.join(tmp, "cached"), path, 450), capture_output=True,
                       timeout=600, check=True)
        cached = time.monotonic() - t0
        print(f"uninterrupted import: {full:.2f} s with a flush per block, {cached:.2f} s with the default cache; "
              f"height {reference['height']}")

        for r in range(rounds):
            datadir = os.path.join(tmp, f"round{r}")
            dbcache = 0 if r % 4 != 3 else 450
            delay = rng.uniform(0.0, full if dbcache == 0 else cached)
            child = subprocess.Popen(import_args(peregrine, datadir, path, dbcache),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(delay)
            killed = child.poll() is None
            if killed:
                child.send_signal(signal.SIGKILL)
            child.wait()
            # A second kill of the restart itself, in some rounds: recovery must survive being interrupted too.
            if r % 5 == 4:
                again = subprocess.Popen(import_args(peregrine, datadir, path, 0),
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                time.sleep(rng.uniform(0.0, full / 2))
                if again.poll() is None:
                    again.send_signal(signal.SIGKILL)
                again.wait()
            restart = subprocess.run(import_args(peregrine, datadir, path, dbcache), capture_output=True,
                                     text=True, timeout=600)
            if restart.returncode != 0:
                print(f"FAIL round {r}: restart exited {restart.returncode}: {restart.stderr.strip()}")
                failures += 1
                continue
            summary = json.loads(restart.stdout)
            got = stats(peregrine, datadir)
            diff = {f: (got[f], reference[f]) for f in FIELDS if got[f] != reference[f]}
            status = "ok" if not diff else f"FAIL {diff}"
            failures += bool(diff)
            print(f"round {r}: dbcache {dbcache}, kill at {delay:.3f} s ({'killed' if killed else 'had finished'}), "
                  f"restart from height {summary['start_height']}: {status}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
