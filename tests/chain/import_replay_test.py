#!/usr/bin/env python3
"""`peregrine import` of the shared chain files, checked against an independent computation.

For each file: import it into a fresh datadir with every script checked (--assumevalid=0), read
`peregrine utxo-stats`, and compare every figure with contrib/utxo_replay.py, a naive Python replay
that shares no code with Peregrine. The figures are also recorded here, so a change in either
shows up as a diff against known values.

usage: import_replay_test.py PEREGRINE SHARED_DATA_DIR REPO_DIR
"""
import json
import os
import random
import struct
import subprocess
import sys
import tempfile

RECORDED = {
    # network, file: height, txouts, total_amount, hash_serialized_3 (recorded 2026-11-21)
    ("regtest", "regtest_blocks_0_206.blk"): (206, 230, "8875.00000000",
        "6f596a9fb79023e72ac6c2423e9dff4991f49994c0a55d1a2124ce03a98e9d74"),
    ("main", "mainnet_blocks_0_599.blk"): (599, 601, "29950.00000000",
        "6b1d7ce40dba4aac9c4d4342c1482f516885b50a6c60c814d82eefc73c9ad8a6"),
    ("testnet3", "testnet3_blocks_0_4000.blk"): (4000, 4197, "200000.00000000",
        "d47a6ca2d786f0db1f8ce4bb8d56d5b26778c8dff317f62036e56b9d7ea0e82c"),
}
FIELDS = ("height", "bestblock", "txouts", "total_amount", "hash_serialized_3", "muhash")


def run(*args):
    out = subprocess.run(args, capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        sys.exit(f"{' '.join(args)} failed ({out.returncode}):\n{out.stdout}\n{out.stderr}")
    return out.stdout


def parse_stats(text):
    """The JSON, with total_amount kept as printed (a number with 8 decimals, as Core's RPC)."""
    doc = json.loads(text)
    doc["total_amount"] = text.split('"total_amount":')[1].split(",")[0].split("\n")[0].strip()
    return doc


def shuffled_copy(path, dest):
    """The same blocks in another order: import must hold children until their parents come."""
    data = open(path, "rb").read()
    records, pos = [], 0
    while pos + 8 <= len(data):
        length = struct.unpack_from("<I", data, pos + 4)[0]
        if length == 0:
            break
        records.append(data[pos:pos + 8 + length])
        pos += 8 + length
    random.Random(7).shuffle(records)
    with open(dest, "wb") as f:
        for r in records:
            f.write(r)


def main():
    peregrine, shared, repo = sys.argv[1:4]
    replay = os.path.join(repo, "contrib", "utxo_replay.py")
    failures = 0
    with tempfile.TemporaryDirectory(prefix="peregrine-import-") as tmp:
        for (network, name), (height, txouts, total, hs3) in RECORDED.items():
            path = os.path.join(shared, "chain", name)
            sources = [("in order", path)]
            if network == "regtest":
                shuffled = os.path.join(tmp, "shuffled.blk")
                shuffled_copy(path, shuffled)
                sources.append(("shuffled", shuffled))
            expected = parse_stats(run(sys.executable, replay, f"--network={network}", path))
            for label, source in sources:
                datadir = os.path.join(tmp, f"{network}-{label.replace(' ', '-')}")
                summary = json.loads(run(peregrine, "import", f"--network={network}", f"--datadir={datadir}",
                                         "--assumevalid=0", source))
                got = parse_stats(run(peregrine, "utxo-stats", f"--network={network}", f"--datadir={datadir}"))
                checks = [("invalid blocks", summary["invalid"], []),
                          ("waiting blocks", summary["blocks_waiting_for_parent"], 0),
                          ("recorded height", got["height"], height),
                          ("recorded txouts", got["txouts"], txouts),
                          ("recorded total", got["total_amount"], total),
                          ("recorded hash_serialized_3", got["hash_serialized_3"], hs3)]
                checks += [(f"replay {f}", got[f], expected[f]) for f in FIELDS]
                for what, a, b in checks:
                    if str(a) != str(b):
                        print(f"FAIL {network} {label}: {what}: peregrine {a!r}, expected {b!r}")
                        failures += 1
                print(f"{network} {name} ({label}): height {got['height']}, {got['txouts']} txouts, "
                      f"{summary['inputs']} inputs, {summary['blocks_per_second']:.0f} blocks/s")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
