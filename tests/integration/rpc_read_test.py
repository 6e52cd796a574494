#!/usr/bin/env python3
"""The read-only RPC methods a regtest suite calls, through RPC only (no bcoin needed):

`peregrine generate` writes a regtest chain of BLOCKS blocks whose transactions pay fees to P2WPKH,
P2TR and P2PKH outputs, `peregrine import` loads it, and `peregrine sync` (no peers) serves RPC and
--metricsport on it. Every figure is checked against another way to get it:

1. help (by category, one method), unknown method -32601, named parameters, Core's -1/-3/-8/-5;
2. getblockchaininfo's and getnetworkinfo's fields are Core's (names and JSON types);
3. getblock 0 hashes to the block's hash; 1 lists nTx txids; 2 has every transaction with fees that
   add up to the coinbase's claim less the subsidy; 3 has prevouts whose values are inputs = outputs
   + fee; getblockstats agrees with all of it (and returns only the stats asked for);
4. gettxout: an output of the tip's block as getblock shows it, an output spent later is null;
5. getchaintips, getdeploymentinfo, uptime, getrpcinfo, getmempoolinfo, getindexinfo, ping;
6. bitcoin-cli -getinfo's batch (getnetworkinfo, getblockchaininfo, getwalletinfo): HTTP 200, the
   first two answered, the wallet's -32601;
7. waitforblockheight answers at once when reached and after its timeout when not, while other
   calls are served meanwhile; `stop` during a wait ends the node promptly with exit 0;
8. GET /health without credentials (503: no peers), and /metrics on --metricsport without them;
9. a second node on a copy of the chain (P2P_PORT), added with addnode onetry: getpeerinfo shows
   it with Core's fields (synced_headers and synced_blocks at the tip, lastsend/lastrecv now).

usage: rpc_read_test.py PEREGRINE WORK_DIR RPC_PORT METRICS_PORT P2P_PORT [BLOCKS]
"""
import base64
import decimal
import hashlib
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import bcoin
from bcoin import check, tail


def expect(cond, what):
    return bcoin.expect(what, cond)


D = decimal.Decimal
AUTH = "Basic " + base64.b64encode(b"u:w").decode()


def post(port, body, auth=AUTH, timeout=30):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {"Content-Type": "application/json"}
    if auth:
        headers["Authorization"] = auth
    conn.request("POST", "/", json.dumps(body), headers)
    response = conn.getresponse()
    status, data = response.status, response.read()
    is_json = response.getheader("Content-Type", "").startswith("application/json")
    conn.close()
    return status, json.loads(data, parse_float=D) if data and is_json else data


def get(port, path, auth=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path, headers={"Authorization": auth} if auth else {})
    response = conn.getresponse()
    status, data = response.status, response.read().decode()
    conn.close()
    return status, data


class Rpc:
    def __init__(self, port):
        self.port = port

    def reply(self, method, *params, named=None, timeout=30):
        body = {"jsonrpc": "1.0", "id": 1, "method": method, "params": named if named is not None else list(params)}
        return post(self.port, body, timeout=timeout)[1]

    def __call__(self, method, *params, named=None, timeout=30):
        reply = self.reply(method, *params, named=named, timeout=timeout)
        if reply["error"]:
            raise RuntimeError(f"{method}{list(params)}: {reply['error']}")
        return reply["result"]

    def error(self, method, *params):
        return self.reply(method, *params)["error"]["code"]


def sats(btc):
    return int(D(btc) * 100_000_000)


# Core's getblockchaininfo and getnetworkinfo fields (v29+: "target", warnings as an array), with
# the JSON type of each; "pruneheight" and the like only when pruned.
BLOCKCHAININFO = {"chain": str, "blocks": int, "headers": int, "bestblockhash": str, "bits": str, "target": str,
                  "difficulty": D, "time": int, "mediantime": int, "verificationprogress": (D, int),
                  "initialblockdownload": bool, "chainwork": str, "size_on_disk": int, "pruned": bool,
                  "warnings": list}
NETWORKINFO = {"version": int, "subversion": str, "protocolversion": int, "localservices": str,
               "localservicesnames": list, "localrelay": bool, "timeoffset": int, "networkactive": bool,
               "connections": int, "connections_in": int, "connections_out": int, "networks": list,
               "relayfee": D, "incrementalfee": D, "localaddresses": list, "warnings": list}


def check_fields(name, got, expected):
    check(f"{name}: Core's field names", sorted(got), sorted(expected))
    for key, kind in expected.items():
        if key in got:
            expect(isinstance(got[key], kind) and not (kind is int and isinstance(got[key], bool)),
                   f"{name}.{key} is {type(got[key]).__name__}")


def main():
    if len(sys.argv) not in (6, 7):
        sys.exit(__doc__.rsplit("usage: ", 1)[1])
    peregrine, work = sys.argv[1], sys.argv[2]
    port, metrics_port, p2p_port = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    height = int(sys.argv[6]) if len(sys.argv) == 7 else 160
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    blk_dir, datadir = os.path.join(work, "blocks"), os.path.join(work, "node")
    bcoin.run([peregrine, "generate", f"--blocks={height}", "--txs-per-block=4", "--threads=1",
               "--scripts=p2wpkh,p2tr,p2pkh", blk_dir])
    out, _ = bcoin.run([peregrine, "import", "--network=regtest", f"--datadir={datadir}",
                        os.path.join(blk_dir, "blk00000.dat")])
    check("import: height", json.loads(out.stdout)["height"], height)
    shutil.copytree(datadir, datadir + "2")  # the second node's chain
    # The generated chain's times are old: --maxtipage keeps the second node out of initial block
    # download, or it would answer no getheaders.
    peer2 = subprocess.Popen([peregrine, "sync", "--network=regtest", f"--datadir={datadir}2", "--listen",
                              "--bind=127.0.0.1", f"--port={p2p_port}", "--connect=127.0.0.1:1", "--progress=0",
                              "--mindiskspace=0", "--maxtipage=2000000000"],
                             stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "peer2.log"), "w"))

    log = os.path.join(work, "sync.log")
    proc = subprocess.Popen([peregrine, "sync", "--network=regtest", f"--datadir={datadir}", f"--rpcport={port}",
                             "--rpcuser=u", "--rpcpassword=w", f"--metricsport={metrics_port}", "--progress=0",
                             "--connect=127.0.0.1:1", "--mindiskspace=0"],
                            stdout=subprocess.DEVNULL, stderr=open(log, "w"))
    rpc = Rpc(port)
    try:
        t0 = time.monotonic()
        while True:
            try:
                rpc("getblockcount")
                break
            except (OSError, RuntimeError) as e:
                # Not listening yet, or listening while the chain loads (-28, as Core's warmup).
                if isinstance(e, RuntimeError) and "-28" not in str(e):
                    raise
                if proc.poll() is not None or time.monotonic() - t0 > 60:
                    raise RuntimeError(f"sync's RPC did not come up:\n{tail(log)}") from e
                time.sleep(0.1)
        # RPC is up before the chain loads (it answers -28 meanwhile): its line comes first.
        with open(log) as f:
            lines = f.read().splitlines()
        rpc_line = next((i for i, l in enumerate(lines) if "JSON-RPC on 127.0.0.1" in l), None)
        chain_line = next((i for i, l in enumerate(lines) if "chain at height" in l), None)
        expect(rpc_line is not None and chain_line is not None and rpc_line < chain_line,
               f"RPC listens before the chain loads (log lines {rpc_line}, {chain_line})")
        run_checks(rpc, port, metrics_port, height)
        check_peer_info(rpc, p2p_port, height)
        check_dumptxoutset(rpc, peregrine, datadir, height)

        # 7. `stop` while a wait is under way: the node ends promptly, exit 0.
        def wait_forever():
            try:
                rpc.reply("waitforblockheight", height + 1, 0, timeout=60)
            except (OSError, http.client.HTTPException, ValueError):
                pass  # the node went away under the wait: what stop does

        waiter = threading.Thread(target=wait_forever, daemon=True)
        waiter.start()
        time.sleep(0.3)
        check("stop", rpc("stop"), "Peregrine stopping")
        t0 = time.monotonic()
        check("exit code after stop during a wait", proc.wait(timeout=60), 0)
        expect(time.monotonic() - t0 < 20, "stop took too long with a wait under way")
        print(f"ok   stop with a wait under way: exit in {time.monotonic() - t0:.1f} s")
    finally:
        for p in (proc, peer2):
            if p.poll() is None:
                p.kill()
                p.wait()
    if bcoin.failures:
        sys.exit(f"rpc_read_test: {len(bcoin.failures)} failed")
    print("rpc_read_test: all checks passed")


def run_checks(rpc, port, metrics_port, height):
    # 1. help, errors, named parameters.
    listing = rpc("help")
    for section in ("== Blockchain ==", "== Control ==", "== Mining ==", "== Network ==", "== Util =="):
        expect(section in listing, f"help lists {section}")
    for method in ("getblock \"blockhash\" ( verbosity )", "waitforblockheight height ( timeout )", "gettxout",
                   "submitblock", "invalidateblock", "getnetworkinfo", "uptime"):
        expect(method in listing, f"help lists {method}")
    expect(rpc("help", "getblock").startswith("getblock \"blockhash\" ( verbosity )\n\n"), "help getblock")
    expect(rpc("help", "invalidateblock").startswith("invalidateblock \"blockhash\"\n\n"), "help invalidateblock")
    check("help of an unknown method", rpc("help", "nosuch"), "help: unknown command: nosuch")
    check("unknown method", rpc.error("nosuch"), -32601)
    check("getblockhash out of range", rpc.error("getblockhash", height + 1), -8)
    check("getblockhash with a string", rpc.error("getblockhash", "1"), -3)
    check("getblock of an unknown block", rpc.error("getblock", "00" * 32), -5)
    check("getblock with a short hash", rpc.error("getblock", "abc"), -8)
    check("getblock without arguments", rpc.error("getblock"), -1)
    tip = rpc("getbestblockhash")
    check("getblock by name", rpc("getblock", named={"blockhash": tip, "verbosity": 0}), rpc("getblock", tip, 0))
    print("ok   help, errors and named parameters")

    # 2. Core's fields.
    info = rpc("getblockchaininfo")
    check_fields("getblockchaininfo", info, BLOCKCHAININFO)
    check("getblockchaininfo.blocks", info["blocks"], height)
    check("getblockchaininfo.chain", info["chain"], "regtest")
    network = rpc("getnetworkinfo")
    check_fields("getnetworkinfo", network, NETWORKINFO)
    check("getnetworkinfo.networks", [n["name"] for n in network["networks"]], ["ipv4", "ipv6", "onion", "i2p", "cjdns"])
    expect("WITNESS" in network["localservicesnames"], "localservicesnames has WITNESS")
    print("ok   getblockchaininfo and getnetworkinfo have Core's fields and types")

    # 3. One block four ways, and its statistics.
    subsidy = 50 * 100_000_000 >> (height // 150)
    block_hex = rpc("getblock", tip, 0)
    raw = bytes.fromhex(block_hex)
    check("getblock 0 hashes to the block's hash", hashlib.sha256(hashlib.sha256(raw[:80]).digest()).digest()[::-1].hex(), tip)
    b1 = rpc("getblock", tip, 1)
    check("getblock 1: nTx", b1["nTx"], len(b1["tx"]))
    check("getblock 1: nTx is the generated count", b1["nTx"], 5)
    check("getblock 1: size", b1["size"], len(raw))
    check("getblock 1 = getblockheader + block fields",
          {k: v for k, v in b1.items() if k not in ("strippedsize", "size", "weight", "tx")}, rpc("getblockheader", tip))
    b2 = rpc("getblock", tip, 2)
    check("getblock 2: txids", [t["txid"] for t in b2["tx"]], b1["tx"])
    fees = sum(sats(t["fee"]) for t in b2["tx"][1:])
    claimed = sum(sats(o["value"]) for o in b2["tx"][0]["vout"])
    check("getblock 2: coinbase claims subsidy + fees", claimed, subsidy + fees)
    expect(fees > 0, "the generated transactions pay fees")
    kinds = {o["scriptPubKey"]["type"] for t in b2["tx"][1:] for o in t["vout"]}
    expect({"witness_v0_keyhash", "witness_v1_taproot", "pubkeyhash"} <= kinds, f"output types {kinds}")
    expect(all(o["scriptPubKey"]["address"].startswith(("bcrt1", "m", "n")) for t in b2["tx"][1:] for o in t["vout"]),
           "every output has a regtest address")
    b3 = rpc("getblock", tip, 3)
    for t in b3["tx"][1:]:
        ins = sum(sats(i["prevout"]["value"]) for i in t["vin"])
        outs = sum(sats(o["value"]) for o in t["vout"])
        check(f"getblock 3: inputs = outputs + fee for {t['txid'][:16]}", ins, outs + sats(t["fee"]))
    stats = rpc("getblockstats", height)
    check("getblockstats.blockhash", stats["blockhash"], tip)
    check("getblockstats.txs", stats["txs"], b1["nTx"])
    check("getblockstats.totalfee", stats["totalfee"], fees)
    check("getblockstats.subsidy", stats["subsidy"], subsidy)
    check("getblockstats.ins", stats["ins"], sum(len(t["vin"]) for t in b2["tx"][1:]))
    check("getblockstats.outs", stats["outs"], sum(len(t["vout"]) for t in b2["tx"]))
    check("getblockstats.total_out", stats["total_out"], sum(sats(o["value"]) for t in b2["tx"][1:] for o in t["vout"]))
    check("getblockstats.total_weight", stats["total_weight"], sum(t["weight"] for t in b2["tx"][1:]))
    check("getblockstats by hash", rpc("getblockstats", tip), stats)
    check("getblockstats with chosen stats", rpc("getblockstats", height, ["txs", "totalfee"]),
          {"totalfee": fees, "txs": b1["nTx"]})
    check("getblockstats: an unknown stat", rpc.error("getblockstats", height, ["nosuch"]), -8)
    check("getblockstats above the tip", rpc.error("getblockstats", height + 1), -8)
    print(f"ok   getblock 0-3 and getblockstats agree (block {height}: {b1['nTx']} tx, fees {fees} sat)")

    # 4. gettxout: unspent as getblock shows it; spent is null.
    tx = b2["tx"][1]
    out = rpc("gettxout", tx["txid"], 0)
    check("gettxout.bestblock", out["bestblock"], tip)
    check("gettxout.confirmations", out["confirmations"], 1)
    check("gettxout.value", out["value"], tx["vout"][0]["value"])
    check("gettxout.scriptPubKey", out["scriptPubKey"], tx["vout"][0]["scriptPubKey"])
    check("gettxout.coinbase", out["coinbase"], False)
    spent = b3["tx"][1]["vin"][0]
    check("gettxout of a spent output", rpc("gettxout", spent["txid"], spent["vout"]), None)
    check("gettxout past the outputs", rpc("gettxout", tx["txid"], len(tx["vout"])), None)
    check("gettxout with include_mempool", rpc("gettxout", tx["txid"], 0, True), out)
    print("ok   gettxout")

    # 5. The rest of what scripts ask.
    check("getchaintips", rpc("getchaintips"), [{"height": height, "hash": tip, "branchlen": 0, "status": "active"}])
    deployments = rpc("getdeploymentinfo")["deployments"]
    check("getdeploymentinfo: segwit", deployments["segwit"], {"type": "buried", "height": 0, "active": True})
    check("getdeploymentinfo: taproot", (deployments["taproot"]["type"], deployments["taproot"]["active"],
                                         deployments["taproot"]["bip9"]["status"]), ("bip9", True, "active"))
    expect(isinstance(rpc("uptime"), int), "uptime is a number")
    check("getrpcinfo lists itself", [c["method"] for c in rpc("getrpcinfo")["active_commands"]], ["getrpcinfo"])
    check("getmempoolinfo: empty", (rpc("getmempoolinfo")["size"], rpc("getmempoolinfo")["loaded"]), (0, True))
    check("getindexinfo", rpc("getindexinfo"), {})
    check("ping", rpc("ping"), None)
    levels = rpc("logging", ["rpc"])
    check("logging: rpc's debug lines on", (levels["rpc"], levels["peer"]), (True, False))
    check("logging: all off", set(rpc("logging", [], ["all"]).values()), {False})
    check("logging: an unknown category", rpc.error("logging", ["nosuch"]), -8)
    print("ok   getchaintips, getdeploymentinfo, uptime, getrpcinfo, getmempoolinfo, getindexinfo, ping")

    # 6. bitcoin-cli -getinfo's batch.
    status, replies = post(port, [{"jsonrpc": "1.0", "id": i, "method": m, "params": []}
                                  for i, m in enumerate(("getnetworkinfo", "getblockchaininfo", "getwalletinfo"))])
    check("-getinfo batch: HTTP status", status, 200)
    check("-getinfo batch: networkinfo answered", replies[0]["error"], None)
    check("-getinfo batch: blockchaininfo answered", replies[1]["result"]["blocks"], height)
    check("-getinfo batch: no wallet", replies[2]["error"]["code"], -32601)
    print("ok   bitcoin-cli -getinfo's batch")

    # 7. Waits: answered at once when reached, after the timeout when not, others served meanwhile.
    t0 = time.monotonic()
    check("waitforblockheight reached", rpc("waitforblockheight", height, 5000), {"hash": tip, "height": height})
    expect(time.monotonic() - t0 < 2, "a reached height answers at once")
    result = {}
    waiter = threading.Thread(target=lambda: result.update(rpc("waitforblockheight", height + 1, 1500)))
    t0 = time.monotonic()
    waiter.start()
    time.sleep(0.2)
    check("getblockcount during a wait", rpc("getblockcount"), height)
    answered_during = time.monotonic() - t0
    waiter.join()
    waited = time.monotonic() - t0
    check("waitforblockheight on timeout returns the tip", result, {"hash": tip, "height": height})
    expect(answered_during < 1.2 and waited >= 1.4, f"served during the wait ({answered_during:.2f} s), waited {waited:.2f} s")
    check("waitforblock of the tip", rpc("waitforblock", tip, 100), {"hash": tip, "height": height})
    check("waitfornewblock times out with the tip", rpc("waitfornewblock", 100), {"hash": tip, "height": height})
    check("waitforblockheight with a negative timeout", rpc.error("waitforblockheight", 1, -1), -8)
    print(f"ok   waits (timeout after {waited:.2f} s, another call answered after {answered_during:.2f} s)")

    # 8. Health and metrics without credentials.
    status, body = get(port, "/health")
    health = json.loads(body)
    check("/health without peers: 503", status, 503)
    check("/health body", (health["ready"], health["blocks"], health["peers"]), (False, height, 0))
    check("/health/live", get(port, "/health/live")[0], 200)
    check("/metrics on the RPC port needs credentials", get(port, "/metrics")[0], 401)
    status, text = get(metrics_port, "/metrics")
    check("/metrics on --metricsport", status, 200)
    expect(f"peregrine_blocks {height}" in text, "metrics report the height")
    check("JSON-RPC refused on --metricsport", post(metrics_port, {"method": "getblockcount"}, auth=None)[0], 403)
    # Every metric the Grafana dashboard in contrib/ draws is one the node serves.
    dashboard = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "contrib", "grafana", "peregrine.json")
    with open(dashboard) as f:
        exprs = [t["expr"] for p in json.load(f)["panels"] for t in p["targets"]]
    served = {line.split()[2] for line in text.splitlines() if line.startswith("# TYPE ")}
    drawn = {w for e in exprs for w in re.findall(r"peregrine_[a-z_]+", e)}
    check("the dashboard's metrics are served", sorted(drawn - served), [])
    print("ok   /health and --metricsport")


def check_dumptxoutset(rpc, peregrine, datadir, height):
    """dumptxoutset writes the set at the tip in Core's format: its hash is gettxoutsetinfo's, the file
    reads back through snapshot-info with the same figures, and a second dump to the path is -8."""
    info = rpc("gettxoutsetinfo")
    dump = rpc("dumptxoutset", "utxo.dat")
    path = os.path.join(datadir, "utxo.dat")
    check("dumptxoutset path", dump["path"], os.path.abspath(path))
    check("dumptxoutset base_height", dump["base_height"], height)
    check("dumptxoutset base_hash", dump["base_hash"], info["bestblock"])
    check("dumptxoutset coins_written", dump["coins_written"], info["txouts"])
    check("dumptxoutset txoutset_hash", dump["txoutset_hash"], info["hash_serialized_3"])
    check("dumptxoutset bytes", dump["bytes"], os.path.getsize(path))
    out = subprocess.run([peregrine, "snapshot-info", "--network=regtest", path], capture_output=True, text=True,
                         timeout=60)
    check("snapshot-info exit", out.returncode, 0)
    read = json.loads(out.stdout)
    for key, want in (("hash_serialized_3", info["hash_serialized_3"]), ("muhash", info["muhash"]),
                      ("coins", info["txouts"]), ("chunk_root", dump["chunk_root"])):
        check(f"snapshot-info {key}", read[key], want)
    check("dumptxoutset over an existing file", rpc.error("dumptxoutset", "utxo.dat"), -8)
    check("dumptxoutset rollback", rpc.error("dumptxoutset", "other.dat", "rollback"), -8)
    print(f"ok   dumptxoutset: {dump['coins_written']} coins, {dump['bytes']} bytes")


def check_peer_info(rpc, p2p_port, height):
    check("addnode onetry", rpc("addnode", f"127.0.0.1:{p2p_port}", "onetry"), None)
    t0 = time.monotonic()
    peers = []
    while time.monotonic() - t0 < 20:
        peers = rpc("getpeerinfo")
        if peers and peers[0].get("synced_headers") == height:
            break
        time.sleep(0.2)
    check("getpeerinfo: the added peer", len(peers), 1)
    if not peers:
        return
    p = peers[0]
    check("getpeerinfo: addr", p["addr"], f"127.0.0.1:{p2p_port}")
    check("getpeerinfo: synced_headers", p["synced_headers"], height)
    check("getpeerinfo: synced_blocks", p["synced_blocks"], height)
    check("getpeerinfo: network", p["network"], "not_publicly_routable")
    check("getpeerinfo: inbound", p["inbound"], False)
    expect("WITNESS" in p["servicesnames"] and "NETWORK" in p["servicesnames"], f"servicesnames {p['servicesnames']}")
    now = time.time()
    expect(abs(p["lastsend"] - now) < 60 and abs(p["lastrecv"] - now) < 60, f"lastsend {p['lastsend']}, lastrecv {p['lastrecv']}")
    for key in ("id", "services", "relaytxes", "bytessent", "bytesrecv", "conntime", "version", "subver",
                "connection_type", "startingheight", "transport_protocol_type", "permissions"):
        expect(key in p, f"getpeerinfo has {key}")
    check("getconnectioncount", rpc("getconnectioncount"), 1)
    print("ok   getpeerinfo of a second node")


if __name__ == "__main__":
    main()
