#!/usr/bin/env python3
"""Dumps a node's best chain to a blk*.dat-framed file over JSON-RPC (Bitcoin Core's dialect, which
bcoin speaks): for each height getblockhash, then getblock HASH false for the raw block. Used to
turn a regtest chain made by contrib/realpeer.sh (fill) into an input for `peregrine import`.

usage: dump_blocks.py RPCPORT OUT.blk [--network=regtest] [--user=x --password=x]
"""
import argparse
import base64
import http.client
import json
import struct

MAGICS = {"main": "f9beb4d9", "testnet3": "0b110907", "testnet4": "1c163f28", "signet": "0a03cf40",
          "regtest": "fabfb5da"}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("rpcport", type=int)
    p.add_argument("out")
    p.add_argument("--network", default="regtest", choices=sorted(MAGICS))
    p.add_argument("--user", default="x")
    p.add_argument("--password", default="x")
    a = p.parse_args()
    auth = base64.b64encode(f"{a.user}:{a.password}".encode()).decode()
    conn = http.client.HTTPConnection("127.0.0.1", a.rpcport, timeout=60)

    def rpc(method, *params):
        conn.request("POST", "/", json.dumps({"method": method, "params": list(params), "id": 1}),
                     {"Authorization": f"Basic {auth}", "Content-Type": "application/json"})
        reply = json.loads(conn.getresponse().read())
        if reply.get("error"):
            raise SystemExit(f"{method}: {reply['error']}")
        return reply["result"]

    magic = bytes.fromhex(MAGICS[a.network])
    tip = rpc("getblockcount")
    with open(a.out, "wb") as f:
        for height in range(tip + 1):
            raw = bytes.fromhex(rpc("getblock", rpc("getblockhash", height), False))
            f.write(magic + struct.pack("<I", len(raw)) + raw)
    print(f"wrote blocks 0..{tip} to {a.out}")


if __name__ == "__main__":
    main()
