#!/usr/bin/env python3
"""Crash safety of `sync` (CI's short version of the 100-kill run at scale): a generated regtest
chain is imported into a serving datadir, and `contrib/crash_scale.py` syncs a second datadir from
it over loopback, killing the syncing node with SIGKILL at random moments (half of them aimed
inside UTXO flushes, which a small --dbcache makes frequent), restarting each time; the final
UTXO statistics must equal an uninterrupted sync's on every figure.

usage: sync_crash_test.py PEREGRINE SOURCE_DIR WORK_DIR SERVE_PORT [BLOCKS] [KILLS]
"""
import os
import shutil
import subprocess
import sys


def main():
    peregrine, source, work, port = sys.argv[1:5]
    blocks = int(sys.argv[5]) if len(sys.argv) > 5 else 140
    kills = int(sys.argv[6]) if len(sys.argv) > 6 else 8
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    chain = os.path.join(work, "chain")
    # Coinbases mature after 100 blocks; then full blocks of trivial scripts, about 7,000 new coins each.
    subprocess.run([peregrine, "generate", chain, f"--blocks={blocks}", "--inputs=1:60,2:30,3:10",
                    "--outputs=2-5", "--seed=7"], check=True, stdout=subprocess.DEVNULL, timeout=300)
    files = sorted(os.path.join(chain, f) for f in os.listdir(chain) if f.startswith("blk"))
    serve = os.path.join(work, "serve")
    subprocess.run([peregrine, "import", "--network=regtest", f"--datadir={serve}", "--assumevalid=0", *files],
                   check=True, stdout=subprocess.DEVNULL, timeout=300)
    code = subprocess.run([sys.executable, os.path.join(source, "contrib", "crash_scale.py"),
                           "--peregrine", peregrine, "--kills", str(kills), "--dbcache", "2",
                           "--work", os.path.join(work, "runs"),
                           "sync", "--serve-datadir", serve, "--serve-port", port], timeout=1200).returncode
    if code == 0:
        shutil.rmtree(work, ignore_errors=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
