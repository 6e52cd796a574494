#!/usr/bin/env python3
"""Crash safety at scale: one datadir importing (or syncing) a large chain is killed with SIGKILL
at random moments, many times, and restarted each time; at the end its UTXO statistics must equal
an uninterrupted run's on every figure.

Kills land anywhere: about half of them are aimed inside UTXO flushes (the chain logs "flushing
the coins cache" and "flushed" around every flush of 10,000 entries or more; the script waits for
a start line and kills after a random fraction of the previous flush's duration), the rest at
uniformly random instants. Each kill is reported with where it fell (inside a flush or not).

  contrib/crash_scale.py --peregrine build/peregrine --kills 20 import FILE...
  contrib/crash_scale.py --peregrine build/peregrine --kills 20 sync --serve-datadir D

import: `peregrine import --network=regtest` of the files (e.g. a generated chain's blk*.dat).
sync:   `peregrine sync --stop-at-tip` from a Peregrine serving the imported chain in datadir D
        (started here on --serve-port with --listen).
The reference run is made in the same mode (or taken with --reference DATADIR).
"""
import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

FIELDS = ("height", "bestblock", "txouts", "total_amount", "hash_serialized_3", "muhash", "transactions")


def utxo_stats(peregrine, datadir):
    out = subprocess.run([peregrine, "utxo-stats", "--network=regtest", f"--datadir={datadir}"],
                         capture_output=True, text=True, timeout=3600, check=True)
    doc = json.loads(out.stdout)
    return {f: str(doc.get(f)) for f in FIELDS}


class Run:
    """One process of the command, its stderr watched for flush lines."""

    def __init__(self, args):
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.flushing_since = None
        self.flush_durations = []
        self.lines = []
        self.reader = threading.Thread(target=self.read, daemon=True)
        self.reader.start()

    def read(self):
        for line in self.proc.stderr:
            self.lines.append(line)
            if "flushing the coins cache" in line:
                self.flushing_since = time.monotonic()
            elif "flushed at height" in line and self.flushing_since is not None:
                self.flush_durations.append(time.monotonic() - self.flushing_since)
                self.flushing_since = None

    def kill(self):
        inside = self.flushing_since is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.reader.join(timeout=10)
        return inside

    def wait(self, timeout=None):
        code = self.proc.wait(timeout=timeout)
        self.reader.join(timeout=10)
        return code


def command(opts, datadir):
    base = [opts.peregrine]
    if opts.mode == "import":
        return base + ["import", "--network=regtest", f"--datadir={datadir}", f"--dbcache={opts.dbcache}",
                       *opts.assumevalid, *opts.files]
    return base + ["sync", "--network=regtest", f"--datadir={datadir}", f"--dbcache={opts.dbcache}",
                   f"--connect=127.0.0.1:{opts.serve_port}", "--stop-at-tip", "--progress=0", *opts.assumevalid]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--peregrine", required=True)
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--dbcache", type=int, default=100, help="MiB: small, so that flushes are many")
    ap.add_argument("--assumevalid", default="0", help="0 (check every script) or a block hash")
    ap.add_argument("--seed", type=int, default=20261207)
    ap.add_argument("--reference", help="a datadir holding an uninterrupted run's result")
    ap.add_argument("--work", help="where the datadirs go (default: a temporary directory, removed)")
    sub = ap.add_subparsers(dest="mode", required=True)
    imp = sub.add_parser("import")
    imp.add_argument("files", nargs="+")
    syn = sub.add_parser("sync")
    syn.add_argument("--serve-datadir", required=True, help="a datadir holding the imported chain")
    syn.add_argument("--serve-port", type=int, default=28580)
    opts = ap.parse_args()
    opts.assumevalid = [f"--assumevalid={opts.assumevalid}"]
    rng = random.Random(opts.seed)
    work = opts.work or tempfile.mkdtemp(prefix="peregrine-crash-scale-")
    server = None
    try:
        if opts.mode == "sync":
            server = subprocess.Popen([opts.peregrine, "sync", "--network=regtest", f"--datadir={opts.serve_datadir}",
                                       "--listen", f"--port={opts.serve_port}", "--progress=0",
                                       # a generated chain's tip is old: without this the server
                                       # counts itself in IBD and, as Core, answers no getheaders
                                       "--maxtipage=2000000000"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(2)
        if opts.reference:
            reference_dir, full = opts.reference, None
        else:
            reference_dir = os.path.join(work, "reference")
            t0 = time.monotonic()
            ref = Run(command(opts, reference_dir))
            if ref.wait() != 0:
                sys.exit("the uninterrupted run failed:\n" + "".join(ref.lines[-20:]))
            full = time.monotonic() - t0
            print(f"uninterrupted {opts.mode}: {full:.1f} s, {len(ref.flush_durations)} logged flushes", flush=True)
        reference = utxo_stats(opts.peregrine, reference_dir)
        expected = full or 60.0

        victim = os.path.join(work, "victim")
        inside_flush = 0
        kills = finished_first = 0
        while kills < opts.kills:
            run = Run(command(opts, victim))
            aim_flush = rng.random() < 0.5
            t0 = time.monotonic()
            deadline = t0 + rng.uniform(0.5, max(1.0, expected * 0.9))
            while run.proc.poll() is None:
                now = time.monotonic()
                if aim_flush and run.flushing_since is not None:
                    typical = run.flush_durations[-1] if run.flush_durations else 0.5
                    time.sleep(rng.uniform(0, typical) * 0.8)
                    break
                if not aim_flush and now >= deadline:
                    break
                time.sleep(0.01)
            if run.proc.poll() is not None:
                # Not a kill: the datadir reached the tip before the aim. Start from nothing again.
                finished_first += 1
                print(f"(the run finished first, exit {run.proc.returncode}; starting over)", flush=True)
                run.wait()
                shutil.rmtree(victim, ignore_errors=True)
                if finished_first > 2 * opts.kills + 10:
                    sys.exit("the runs keep finishing before the kill: is the chain too small?")
                continue
            inside = run.kill()
            inside_flush += inside
            kills += 1
            print(f"kill {kills}: after {time.monotonic() - t0:.1f} s, {'inside a flush' if inside else 'outside flushes'}",
                  flush=True)
        final = Run(command(opts, victim))
        code = final.wait()
        got = utxo_stats(opts.peregrine, victim)
        print(f"{kills} kills, {inside_flush} inside flushes ({finished_first} runs reached the tip before their kill); "
              f"the final run exited {code}")
        bad = [f for f in FIELDS if got[f] != reference[f]]
        for f in FIELDS:
            print(f"  {f}: {got[f]} {'==' if f not in bad else '!='} {reference[f]}")
        if code != 0 or bad:
            print("FAIL")
            return 1
        print("PASS: the same UTXO set as the uninterrupted run")
        return 0
    finally:
        if server:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=120)
        if not opts.work:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
