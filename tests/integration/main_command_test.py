#!/usr/bin/env python3
"""The README's main command, `contrib/run.sh`, run for real as a new user would (CI runs this after
the test command, on the same clean checkout; it takes seconds once the build is there).

Every case runs `contrib/run.sh` itself (install check, build check, then the client), never the
binary directly, and most from a directory other than the repository's, so a wrong binary path or a
script that only works from the repository root fails here:

1. `contrib/run.sh --version` and `--help` exit 0 and print the version and the usage.
2. The README's example `contrib/run.sh decode ../shared/data/blocks/mainnet_481829.raw`, from the
   repository root as written; and the same file given relative to another directory, from there.
   The block's hash must be the known one (so the JSON is the client's and only the client's).
3. `contrib/run.sh` with no arguments (mainnet sync from the DNS seeds, HOME pointed at the work
   dir): it must start syncing (its datadir lock appears under ~/.peregrine) and stop cleanly, exit 0,
   on SIGINT.
4. `contrib/run.sh sync --network=regtest --connect=BCOIN --stop-at-tip` against a bcoin node of its
   own that has mined BLOCKS blocks, with a datadir relative to the work dir: exit 0, and the JSON
   summary's height and tip equal bcoin's getblockcount and getbestblockhash.

usage: main_command_test.py REPO_DIR WORK_DIR P2P_PORT RPC_PORT [BLOCKS]
"""
import json
import os
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import bcoin
from bcoin import check, expect

BLOCK_481829 = "000000000000000000917cba69f69b758fe396c8e30ae97bbcf08c4eb975e726"


def run_main(repo, args, cwd, timeout=600, env=None):
    """contrib/run.sh ARGS from cwd; returns the completed process (never exits the test)."""
    t0 = time.monotonic()
    out = subprocess.run([os.path.join(repo, "contrib", "run.sh"), *args], cwd=cwd, capture_output=True,
                         text=True, timeout=timeout, env=env)
    print(f"contrib/run.sh {' '.join(args)} (cwd {cwd}): exit {out.returncode} in "
          f"{time.monotonic() - t0:.1f}s", flush=True)
    if out.returncode != 0:
        print(f"stdout:\n{out.stdout[-2000:]}\nstderr:\n{out.stderr[-4000:]}", flush=True)
    return out


def first_json_line(text):
    for line in text.splitlines():
        if line.startswith("{"):
            return json.loads(line)
    return None


def last_json_object(text):
    """The JSON summary sync prints on stdout at exit (one object, possibly over several lines)."""
    start = text.find("{")
    return json.loads(text[start:]) if start >= 0 else None


def check_version_and_help(repo, work):
    out = run_main(repo, ["--version"], work)
    check("--version: exit code", out.returncode, 0)
    expect("--version prints 'peregrine X.Y.Z'", out.stdout.startswith("peregrine "), repr(out.stdout[:80]))
    out = run_main(repo, ["--help"], work)
    check("--help: exit code", out.returncode, 0)
    expect("--help prints the usage", "Usage: peregrine" in out.stdout and "sync" in out.stdout,
           repr(out.stdout[:80]))


def check_decode(repo, work):
    # As the README writes it, from the repository root.
    readme_path = "../shared/data/blocks/mainnet_481829.raw"
    if not os.path.exists(os.path.join(repo, readme_path)):
        print(f"skip decode: {readme_path} is not there")
        return
    out = run_main(repo, ["decode", readme_path], repo)
    check("decode (README example): exit code", out.returncode, 0)
    block = first_json_line(out.stdout)
    check("decode (README example): block hash", block and block.get("hash"), BLOCK_481829)
    # The same file relative to another directory, from there: arguments mean what they say where run.
    relative = os.path.relpath(os.path.join(repo, readme_path), work)
    out = run_main(repo, ["decode", relative], work)
    check("decode (relative to another cwd): exit code", out.returncode, 0)
    block = first_json_line(out.stdout)
    check("decode (relative to another cwd): block hash", block and block.get("hash"), BLOCK_481829)


def check_no_arguments(repo, work):
    """No arguments: mainnet sync into ~/.peregrine. There is no internet here, so it cannot get
    far; it must start (take the datadir lock) and stop cleanly on ^C."""
    home = os.path.join(work, "home")
    os.makedirs(home)
    env = dict(os.environ, HOME=home)
    lock = os.path.join(home, ".peregrine", ".lock")
    log = open(os.path.join(work, "no-args.stderr"), "w")
    proc = subprocess.Popen([os.path.join(repo, "contrib", "run.sh")], cwd=work, env=env,
                            stdout=subprocess.PIPE, stderr=log, text=True)
    t0 = time.monotonic()
    while not os.path.exists(lock) and proc.poll() is None and time.monotonic() - t0 < 300:
        time.sleep(0.1)
    started = os.path.exists(lock) and proc.poll() is None
    expect("no arguments: `peregrine sync` started (datadir ~/.peregrine locked)", started,
           f"after {time.monotonic() - t0:.1f}s, exit {proc.poll()}")
    time.sleep(1)
    proc.send_signal(signal.SIGINT)  # run.sh execs the client: the signal is the client's
    try:
        stdout, _ = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        stdout, _ = proc.communicate()
    log.close()
    check("no arguments: exit code after SIGINT", proc.returncode, 0)
    summary = last_json_object(stdout) if started else None
    check("no arguments: interrupted", summary and summary.get("interrupted"), True)
    if proc.returncode != 0:
        with open(log.name, errors="replace") as f:
            print(f.read()[-4000:])


def check_regtest_sync(repo, work, ports, blocks):
    realpeer = os.path.join(repo, "contrib", "realpeer.sh")
    with bcoin.Nodes(realpeer, work, [ports]) as nodes:
        node = nodes[0]
        node.start()
        node.mine(blocks)
        height, tip = node.height(), node.best()
        out = run_main(repo, ["sync", "--network=regtest", "--datadir=regtest-datadir",
                              f"--connect=127.0.0.1:{node.port}", "--stop-at-tip"], work, timeout=300)
        check("regtest sync: exit code", out.returncode, 0)
        expect("regtest sync: datadir relative to the caller's cwd",
               os.path.isdir(os.path.join(work, "regtest-datadir")))
        summary = last_json_object(out.stdout) if out.returncode == 0 else None
        check("regtest sync: height = bcoin getblockcount", summary and summary.get("height"), height)
        check("regtest sync: tip = bcoin getbestblockhash", summary and summary.get("tip"), tip)


def main():
    if len(sys.argv) not in (5, 6):
        sys.exit(__doc__.rsplit("usage: ", 1)[1])
    repo, work = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    ports = (int(sys.argv[3]), int(sys.argv[4]))
    blocks = int(sys.argv[5]) if len(sys.argv) == 6 else 200
    bcoin.exit_on_signals()
    bcoin.fresh_work_dir(work, os.path.join(repo, "contrib", "realpeer.sh"))
    check_version_and_help(repo, work)
    check_decode(repo, work)
    check_no_arguments(repo, work)
    check_regtest_sync(repo, work, ports, blocks)
    return bcoin.report(work)


if __name__ == "__main__":
    sys.exit(main())
