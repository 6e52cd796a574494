#!/usr/bin/env python3
"""Chains from `peregrine generate` are valid: imported with every script checked, they give the
UTXO set that contrib/utxo_replay.py (an independent Python replay) computes from the same files.

Two small chains: trivial scripts split over several blk files, and a mix of every signed script
kind. Each is imported into a fresh datadir with --assumevalid=0; every field of `peregrine
utxo-stats` must equal the replay's, and the generator's own summary (tip, coins at the tip) must
agree with both. The same seed must give the same bytes again.

usage: generate_import_test.py PEREGRINE REPO_DIR
"""
import filecmp
import glob
import json
import os
import sys
import tempfile

from import_replay_test import parse_stats, run

CHAINS = {
    "trivial": ["--blocks=150", "--block-weight=100000", "--file-size=1", "--seed=11"],
    "signed": ["--blocks=125", "--block-weight=100000", "--seed=12",
               "--scripts=p2wpkh,p2tr,p2pkh,p2sh-p2wpkh,p2wsh-multisig,trivial"],
}
FIELDS = ("height", "bestblock", "txouts", "total_amount", "hash_serialized_3", "muhash", "transactions",
          "bogosize")


def main():
    peregrine, repo = sys.argv[1:3]
    replay = os.path.join(repo, "contrib", "utxo_replay.py")
    failures = 0
    with tempfile.TemporaryDirectory(prefix="peregrine-generate-") as tmp:
        for name, options in CHAINS.items():
            out = os.path.join(tmp, name)
            gen = json.loads(run(peregrine, "generate", out, *options))
            files = sorted(glob.glob(os.path.join(out, "blk*.dat")))
            datadir = os.path.join(tmp, f"{name}-datadir")
            summary = json.loads(run(peregrine, "import", "--network=regtest", f"--datadir={datadir}",
                                     "--assumevalid=0", *files))
            got = parse_stats(run(peregrine, "utxo-stats", "--network=regtest", f"--datadir={datadir}"))
            expected = parse_stats(run(sys.executable, replay, "--network=regtest", *files))
            checks = [("invalid blocks", summary["invalid"], []),
                      ("waiting blocks", summary["blocks_waiting_for_parent"], 0),
                      ("scripts skipped", summary["script_checks_skipped_blocks"], 0),
                      ("generator tip", got["bestblock"], gen["tip"]),
                      ("generator height", got["height"], gen["blocks"]),
                      ("generator coins", got["txouts"], gen["coins_at_tip"]),
                      ("generator inputs", summary["inputs"], gen["inputs"])]
            checks += [(f"replay {f}", got[f], expected[f]) for f in FIELDS]
            if name == "trivial":
                checks.append(("several blk files", len(files) > 1, True))
            else:
                checks.append(("signatures made", gen["signatures"] > 1000, True))
            for what, a, b in checks:
                if str(a) != str(b):
                    print(f"FAIL {name}: {what}: peregrine {a!r}, expected {b!r}")
                    failures += 1
            print(f"{name}: {len(files)} files, height {got['height']}, {gen['transactions']} transactions, "
                  f"{gen['signatures']} signatures, {got['txouts']} coins, imported in {summary['seconds']:.1f} s")

        again = os.path.join(tmp, "trivial-again")
        run(peregrine, "generate", again, *CHAINS["trivial"])
        first = sorted(os.listdir(os.path.join(tmp, "trivial")))
        same = first == sorted(os.listdir(again)) and all(
            filecmp.cmp(os.path.join(tmp, "trivial", f), os.path.join(again, f), shallow=False) for f in first)
        if not same:
            print("FAIL: the same seed and options wrote different files")
            failures += 1
    print("ok" if not failures else f"{failures} checks failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
