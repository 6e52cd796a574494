#!/usr/bin/env bash
# realpeer.sh - run an independent Bitcoin full node (bcoin 1.0.2, JavaScript)
# in regtest on loopback, as a peer for sync-client integration tests.
# Peregrine's own copy, started from ../shared/tools/realpeer.sh; ctest drives it through
# tests/integration/realpeer_fixture.sh.
#   realpeer.sh install                  npm-install bcoin + helpers into $RP_HOME
#   realpeer.sh start PORT RPCPORT DATADIR   start node (P2P 127.0.0.1:PORT, JSON-RPC
#                                        http://127.0.0.1:RPCPORT, chain in DATADIR;
#                                        RP_MEMORY=1 keeps the chain in memory)
#   realpeer.sh mine N [ADDR]            mine N blocks (default: to realpeer key 0)
#   realpeer.sh fill [NTX] [NBLOCKS] [SEED]  make NTX signed txs (P2PK, P2PKH, P2WPKH,
#                                        P2SH-P2WPKH, P2SH/P2WSH/P2SH-P2WSH multisig,
#                                        bare multisig, taproot key/script path,
#                                        OP_RETURN) mined over NBLOCKS blocks
#                                        (defaults 600 300); first mines to height
#                                        540 if lower (segwit activates at 432)
#   realpeer.sh check [--sync]           hand-written Python P2P probe of the node
#                                        (--sync: fetch + check every block over P2P)
#   realpeer.sh rpc METHOD [ARGS...]     JSON-RPC call (ARGS parsed as JSON if possible)
#   realpeer.sh addr                     miner address (bcoin regtest encoding, 'R...')
#   realpeer.sh stop                     stop the node (SIGTERM, then SIGKILL)
#
# mine/fill/check/rpc/stop act on the node last started, or on the one whose
# DATADIR is in $RP_DATADIR. Other env: RP_HOME (install dir, default
# /tmp/realpeer), RP_LOGLEVEL (info), RP_BANTIME (seconds a misbehaving
# 127.0.0.1 stays banned, default 0), RP_EMPTY_HEADERS=1 (answer getheaders
# with an empty headers message like Core; bcoin by default sends nothing). Needs: node >= 18 (>= 20.19 for the taproot part),
# npm, python3 (check only); install uses only the npm registry (and apt for
# nodejs/npm when they are missing). No compiler needed (--ignore-scripts).
set -euo pipefail

RP_HOME=${RP_HOME:-/tmp/realpeer}
APP=$RP_HOME/bcoin

die() { echo "realpeer: $*" >&2; exit 1; }

state_file() {
  if [ -n "${RP_DATADIR:-}" ]; then echo "$RP_DATADIR/realpeer.env";
  else echo "$RP_HOME/current.env"; fi
}

load_state() {
  local f; f=$(state_file)
  [ -f "$f" ] || die "no node state at $f (run: $0 start PORT RPCPORT DATADIR)"
  # shellcheck disable=SC1090
  . "$f"
}

alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }

cmd_install() {
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "installing nodejs/npm from apt"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm
  fi
  mkdir -p "$APP"
  write_files
  cd "$APP"
  # --ignore-scripts: no native builds. leveldown 4.0.1 (bdb's pin) does not
  # compile against node >= 12, so it is overridden with leveldown 5.6.0, whose
  # npm tarball ships N-API prebuilds (loaded at runtime by node-gyp-build).
  # bcrypto/bstring/bsip/mrmr fall back to their pure-JS code.
  if ! npm install --ignore-scripts --no-audit --no-fund --loglevel=error \
       >"$APP/npm-install.log" 2>&1; then
    cat "$APP/npm-install.log" >&2; die "npm install failed"
  fi
  node -e "require('bcoin'); require('leveldown'); console.log('bcoin', require('bcoin/package.json').version, '+ leveldown', require('leveldown/package.json').version, 'OK')"
  node -e "import('@scure/btc-signer').then(() => import('bitcoinjs-lib')).then(() => console.log('taproot helpers OK: @scure/btc-signer', require('./node_modules/@scure/btc-signer/package.json').version, '+ bitcoinjs-lib', require('./node_modules/bitcoinjs-lib/package.json').version))" \
    || echo "WARNING: @scure/btc-signer does not load on this node ($(node --version)); fill will skip taproot"
}

cmd_start() {
  [ $# -eq 3 ] || die "usage: $0 start PORT RPCPORT DATADIR"
  local port=$1 rpcport=$2 datadir
  [ -f "$APP/launcher.js" ] || die "not installed (run: $0 install)"
  mkdir -p "$3"; datadir=$(cd "$3" && pwd)
  if [ -f "$datadir/realpeer.env" ]; then
    local PID=; . "$datadir/realpeer.env"
    alive "$PID" && die "a node (pid $PID) is already running on $datadir"
  fi
  rm -f "$datadir/ready"
  local t0; t0=$(date +%s%N)
  ( cd "$APP" && exec nohup node launcher.js "$port" "$rpcport" "$datadir" \
      >>"$datadir/node.log" 2>&1 </dev/null ) &
  local pid=$!
  for _ in $(seq 1 600); do
    [ -s "$datadir/ready" ] && break
    alive "$pid" || { tail -20 "$datadir/node.log" >&2; die "node exited during start"; }
    sleep 0.05
  done
  [ -s "$datadir/ready" ] || die "node not ready after 30 s (see $datadir/node.log)"
  pid=$(head -1 "$datadir/ready")   # written by the node itself: authoritative
  printf 'PORT=%s\nRPCPORT=%s\nDATADIR=%s\nPID=%s\n' "$port" "$rpcport" "$datadir" "$pid" \
    > "$datadir/realpeer.env"
  cp "$datadir/realpeer.env" "$RP_HOME/current.env"
  local ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  echo "started bcoin pid=$pid p2p=127.0.0.1:$port rpc=http://127.0.0.1:$rpcport" \
       "height=$(cd "$APP" && node rp.js "$rpcport" rpc getblockcount) in ${ms} ms" \
       "(log: $datadir/node.log)"
}

cmd_stop() {
  load_state
  if alive "$PID"; then
    kill -TERM "$PID"
    for _ in $(seq 1 200); do alive "$PID" || break; sleep 0.1; done
    alive "$PID" && kill -KILL "$PID"
    echo "stopped pid $PID"
  else
    echo "not running (pid $PID)"
  fi
  rm -f "$DATADIR/ready"
}

write_files() {
cat > "$APP/package.json" <<'RP_EOF_FILE'
{
  "name": "realpeer-bcoin",
  "private": true,
  "version": "0.0.0",
  "description": "bcoin regtest peer for sync-client integration tests",
  "dependencies": {
    "bcoin": "1.0.2",
    "@scure/btc-signer": "2.4.1",
    "bitcoinjs-lib": "7.0.5"
  },
  "overrides": {
    "leveldown": "5.6.0"
  }
}
RP_EOF_FILE
cat > "$APP/launcher.js" <<'RP_EOF_FILE'
'use strict';
// realpeer launcher: bcoin 1.0.2 full node, regtest, P2P + JSON-RPC on loopback.
// usage: node launcher.js PORT RPCPORT DATADIR   (env RP_MEMORY=1 for in-memory chain)
// Installed with --ignore-scripts (no native builds). mrmr (murmur3 for BIP37
// bloom filters) has no automatic pure-JS fallback: load its JS version once,
// without switching the rest of bcoin (hashing via node's crypto) to pure JS.
{
  const saved = process.env.NODE_BACKEND;
  process.env.NODE_BACKEND = 'js';
  require('mrmr');
  if (saved === undefined) delete process.env.NODE_BACKEND;
  else process.env.NODE_BACKEND = saved;
}
const fs = require('fs');
const path = require('path');
const FullNode = require('bcoin/lib/node/fullnode');
const {flags} = require('bcoin/lib/script/common');

const [port, rpcPort] = [Number(process.argv[2]), Number(process.argv[3])];
const datadir = path.resolve(process.argv[4]);
const memory = process.env.RP_MEMORY === '1';

// Policy-only tweak: bcoin 1.0.2 predates taproot and treats witness v1 as
// "upgradable" (anyone-can-spend in blocks, rejected by mempool policy).
// Let such spends into the mempool so the fill tool can mine real taproot
// spends. Consensus is unchanged.
flags.STANDARD_VERIFY_FLAGS &= ~flags.VERIFY_DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM;

const node = new FullNode({
  network: 'regtest',
  prefix: datadir,
  memory,
  config: false, argv: false, env: false,
  logFile: false, logConsole: true,   // stdout goes to DATADIR/node.log
  logLevel: process.env.RP_LOGLEVEL || 'info',
  workers: false,
  listen: true,
  host: '127.0.0.1',
  port,
  seeds: [],            // do not dial anything
  maxInbound: 64,
  httpHost: '127.0.0.1',
  httpPort: rpcPort,
  noAuth: true,         // loopback only
  indexTX: true,        // getrawtransaction works
  checkpoints: false
});

// Misbehaving test peers still get disconnected (ban score 100), but the
// ban on 127.0.0.1 expires immediately so later test connections work.
node.pool.hosts.options.banTime = Number(process.env.RP_BANTIME || 0);
// No internet: skip the external-IP DNS probe (costs 2x2s timeouts at start).
node.pool.discoverExternal = async () => {};

// Optional Core-like behaviour: answer getheaders with an empty `headers`
// message when there is nothing after the locator (bcoin sends nothing).
if (process.env.RP_EMPTY_HEADERS === '1') {
  const Pool = require('bcoin/lib/net/pool');
  const Peer = require('bcoin/lib/net/peer');
  const packets = require('bcoin/lib/net/packets');
  const origHandle = Pool.prototype.handleGetHeaders;
  Pool.prototype.handleGetHeaders = async function(peer, packet) {
    peer.rpAnsweringGetHeaders = true;
    try {
      return await origHandle.call(this, peer, packet);
    } finally {
      peer.rpAnsweringGetHeaders = false;
    }
  };
  const origSend = Peer.prototype.sendHeaders;
  Peer.prototype.sendHeaders = function(items) {
    if (this.rpAnsweringGetHeaders && Array.isArray(items) && items.length === 0
        && this.handshake && !this.destroyed) {
      this.send(new packets.HeadersPacket([]));
      return;
    }
    return origSend.call(this, items);
  };
}

process.on('unhandledRejection', (err) => { throw err; });

let closing = false;
async function shutdown(sig) {
  if (closing) return;
  closing = true;
  node.logger.info('Got %s, closing.', sig);
  try { await node.close(); } catch (e) { console.error(e); }
  process.exit(0);
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));

(async () => {
  await node.ensure();
  await node.open();
  await node.connect();
  node.startSync();
  fs.writeFileSync(path.join(datadir, 'ready'), `${process.pid}\n`);
})().catch((err) => {
  console.error(err.stack);
  process.exit(1);
});
RP_EOF_FILE
cat > "$APP/rp.js" <<'RP_EOF_FILE'
'use strict';
// realpeer tool: talks JSON-RPC to the bcoin node started by launcher.js.
//   node rp.js RPCPORT rpc METHOD [JSONARGS...]
//   node rp.js RPCPORT addr                 miner address (bcoin regtest encoding)
//   node rp.js RPCPORT mine N [ADDR]
//   node rp.js RPCPORT fill [NTX] [NBLOCKS] [SEED]
// Installed with --ignore-scripts (no native builds). mrmr (murmur3 for BIP37
// bloom filters) has no automatic pure-JS fallback: load its JS version once,
// without switching the rest of bcoin (hashing via node's crypto) to pure JS.
{
  const saved = process.env.NODE_BACKEND;
  process.env.NODE_BACKEND = 'js';
  require('mrmr');
  if (saved === undefined) delete process.env.NODE_BACKEND;
  else process.env.NODE_BACKEND = saved;
}
const http = require('http');
const crypto = require('crypto');
const assert = require('assert');
const bcoin = require('bcoin');
const {MTX, TX, Block, KeyRing, Script, Coin, Output} = bcoin;

bcoin.set('regtest');
const NET = 'regtest';
const rpcPort = Number(process.argv[2]);
const cmd = process.argv[3];
const args = process.argv.slice(4);

function rpc(method, params = [], path = '/') {
  const body = JSON.stringify(path === '/' ? {method, params, id: 1} : params);
  return new Promise((resolve, reject) => {
    const req = http.request({host: '127.0.0.1', port: rpcPort, method: 'POST',
      path, auth: 'x:x', headers: {'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(body)}}, (res) => {
      let data = '';
      res.on('data', d => data += d);
      res.on('end', () => {
        let j;
        try { j = JSON.parse(data); } catch (e) {
          return reject(new Error(`bad RPC reply (${res.statusCode}): ${data}`));
        }
        if (j.error) return reject(new Error(`${method}: ${JSON.stringify(j.error)}`));
        resolve(path === '/' ? j.result : j);
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

// ---------------------------------------------------------------- keys
const sha256 = b => crypto.createHash('sha256').update(b).digest();
const priv = i => sha256(Buffer.from(`realpeer-key-${i}`));
const ring = (i, opts = {}) => {
  const r = KeyRing.fromPrivate(priv(i), opts.compressed !== false);
  if (opts.witness) r.witness = true;
  if (opts.nested) r.nested = true;
  if (opts.script) r.script = opts.script;
  return r;
};
const MINER = ring(0);
const MINER_ADDR = MINER.getAddress('string', NET);

// Spendable output kinds signed by bcoin itself. Each: output script + the
// key rings needed to produce a complete scriptSig/witness.
function bcoinKinds() {
  const k = {};
  const pub = i => ring(i).publicKey;
  const ms = (m, ids) => Script.fromMultisig(m, ids.length, ids.map(pub));
  {
    const r = ring(0);
    k.p2pkh = {script: Script.fromPubkeyhash(r.getKeyHash()), rings: [r]};
  }
  {
    const r = ring(1, {compressed: false});
    k.p2pkh_uncompressed = {script: Script.fromPubkeyhash(r.getKeyHash()), rings: [r]};
  }
  {
    const r = ring(2);
    k.p2pk = {script: Script.fromPubkey(r.publicKey), rings: [r]};
  }
  {
    const r = ring(3, {witness: true});
    k.p2wpkh = {script: r.getProgram(), rings: [r]};
  }
  {
    const r = ring(4, {witness: true, nested: true});
    k.p2sh_p2wpkh = {script: Script.fromScripthash(r.getNestedHash()), rings: [r]};
  }
  {
    const red = ms(2, [5, 6, 7]);
    const rs = [ring(5, {script: red}), ring(7, {script: red})];
    k.p2sh_multisig_2of3 = {script: Script.fromScripthash(red.hash160()), rings: rs};
  }
  {
    const red = ms(2, [8, 9, 10]);
    const rs = [ring(8, {script: red, witness: true}), ring(9, {script: red, witness: true})];
    k.p2wsh_multisig_2of3 = {script: Script.fromProgram(0, red.sha256()), rings: rs};
  }
  {
    const red = ms(2, [11, 12, 13]);
    const rs = [ring(12, {script: red, witness: true, nested: true}),
                ring(13, {script: red, witness: true, nested: true})];
    k.p2sh_p2wsh_multisig_2of3 = {script: Script.fromScripthash(rs[0].getNestedHash()), rings: rs};
  }
  {
    const s = ms(1, [14, 15]);
    k.bare_multisig_1of2 = {script: s, rings: [ring(15)]};
  }
  for (const [name, v] of Object.entries(k)) {
    v.name = name;
    v.hex = v.script.toRaw().toString('hex');
    v.signer = 'bcoin';
  }
  return k;
}

// -------------------------------------------------------- deterministic rng
function makeRng(seed) {
  let s = sha256(Buffer.from(String(seed)));
  let pool = Buffer.alloc(0);
  return {
    u32() {
      if (pool.length < 4) { s = sha256(s); pool = Buffer.concat([pool, s]); }
      const v = pool.readUInt32LE(0);
      pool = pool.slice(4);
      return v;
    },
    int(n) { return this.u32() % n; },
    chance(p) { return this.u32() / 0x100000000 < p; },
    pick(a) { return a[this.int(a.length)]; }
  };
}

// ------------------------------------------------------------ chain scan
// Rebuild the set of unspent outputs paying to our kinds from the chain.
async function scanUtxos(byHex) {
  const tip = await rpc('getblockcount');
  const utxos = new Map(); // "txidhex:index" -> {hash(LE hex), index, value, script, kind, height, coinbase, rawtx}
  for (let h = 1; h <= tip; h++) {
    const hash = await rpc('getblockhash', [h]);
    const raw = await rpc('getblock', [hash, false]);
    const block = Block.fromRaw(Buffer.from(raw, 'hex'));
    block.txs.forEach((tx, ti) => {
      if (ti > 0)
        for (const inp of tx.inputs)
          utxos.delete(`${inp.prevout.txid()}:${inp.prevout.index}`);
      tx.outputs.forEach((out, oi) => {
        const kind = byHex.get(out.script.toRaw().toString('hex'));
        if (kind)
          utxos.set(`${tx.txid()}:${oi}`, {tx, index: oi, value: out.value,
            kind, height: h, coinbase: ti === 0});
      });
    });
  }
  return {tip, utxos};
}

// -------------------------------------------------------------- fill
const SIGHASH = bcoin.Script.hashType;

async function fill(ntx, nblocks, seed) {
  const rng = makeRng(seed);
  const kinds = bcoinKinds();
  let tr = null;
  try { tr = await require('./taproot.js').load(rng); } catch (e) {
    console.error(`taproot kinds disabled: ${e.message}`);
  }
  const all = Object.assign({}, kinds, tr ? tr.kinds : {});
  const byHex = new Map(Object.values(all).map(k => [k.hex, k]));
  const names = Object.keys(all);

  // Segwit (BIP9 bit 1) activates at height 432 on bcoin's regtest;
  // mine past it (plus coinbase maturity) before making transactions.
  let tip = await rpc('getblockcount');
  const MIN = 540;
  if (tip < MIN) {
    await rpc('generatetoaddress', [MIN - tip, MINER_ADDR]);
    console.log(`mined ${MIN - tip} blocks to reach height ${MIN} (segwit active at 432)`);
  }
  let scan = await scanUtxos(byHex);
  tip = scan.tip;
  const utxos = scan.utxos;
  const stats = {txs: 0, inputs: 0, outputs: 0, byInput: {}, byOutput: {}, sighash: {}};

  // spread ntx over nblocks, uneven on purpose (some blocks empty)
  const per = new Array(nblocks).fill(0);
  for (let i = 0; i < ntx; i++) per[rng.int(nblocks)]++;

  for (let b = 0; b < nblocks; b++) {
    const height = tip + 1;
    const spendable = () => [...utxos.values()].filter(u =>
      !u.pending && (!u.coinbase || height - u.height >= 100));
    const made = [];
    for (let t = 0; t < per[b]; t++) {
      let pool = spendable();
      // taproot-capable txs are built by @scure/btc-signer, the rest by bcoin
      const useTr = tr && rng.chance(0.3);
      pool = pool.filter(u => useTr ? tr.canSpend(u.kind) : u.kind.signer === 'bcoin');
      if (pool.length === 0) continue;
      // prefer variety: pick kinds first, then a coin of that kind
      const kindsAvail = [...new Set(pool.map(u => u.kind.name))];
      const nin = 1 + rng.int(3);
      const ins = [];
      for (let i = 0; i < nin; i++) {
        const kn = rng.pick(kindsAvail);
        const cands = pool.filter(u => u.kind.name === kn && !ins.includes(u));
        if (cands.length) ins.push(rng.pick(cands));
      }
      const total = ins.reduce((a, u) => a + u.value, 0);
      const fee = 2000 + 600 * ins.length;
      let nout = 1 + rng.int(4);
      while (nout > 1 && (total - fee) / nout < 20000) nout--;
      if (total - fee < 20000) continue;
      const outs = [];
      let left = total - fee;
      for (let o = 0; o < nout; o++) {
        const v = o === nout - 1 ? left : Math.floor(left * (0.1 + 0.5 * rng.u32() / 0x100000000));
        left -= v;
        outs.push({kind: all[rng.pick(names)], value: v});
      }
      const opret = rng.chance(0.15) ? Buffer.from(`realpeer ${height}/${t}`) : null;

      let raw, txid, sighashes;
      if (useTr) {
        ({raw, txid, sighashes} = await tr.build(ins, outs, opret));
      } else {
        const mtx = new MTX();
        mtx.version = rng.chance(0.5) ? 2 : 1;
        for (const u of ins) {
          mtx.addCoin(Coin.fromTX(u.tx, u.index, u.height));
          if (rng.chance(0.2)) mtx.inputs[mtx.inputs.length - 1].sequence = 0xfffffffd;
        }
        for (const o of outs) mtx.addOutput(o.kind.script, o.value);
        if (opret) mtx.addOutput(Script.fromNulldata(opret), 0);
        if (rng.chance(0.2)) mtx.locktime = height - 1;
        sighashes = [];
        ins.forEach((u, i) => {
          let type = SIGHASH.ALL;
          const r = rng.int(10);
          if (r === 0) type = SIGHASH.ALL | SIGHASH.ANYONECANPAY;
          else if (r === 1 && i < mtx.outputs.length) type = SIGHASH.SINGLE;
          else if (r === 2 && i < mtx.outputs.length) type = SIGHASH.SINGLE | SIGHASH.ANYONECANPAY;
          else if (r === 3) type = SIGHASH.NONE;
          sighashes.push(type);
          const coin = mtx.view.getOutput(mtx.inputs[i].prevout);
          for (const rg of u.kind.rings) {
            assert(mtx.scriptInput(i, coin, rg), `scriptInput ${u.kind.name}`);
            assert(mtx.signInput(i, coin, rg, type), `signInput ${u.kind.name}`);
          }
        });
        assert(mtx.verify(), 'bcoin could not verify its own tx');
        const tx = mtx.toTX();
        raw = tx.toRaw().toString('hex');
        txid = tx.txid();
      }
      // REST /broadcast waits for mempool admission (sendrawtransaction does
      // not); bcoin still swallows some rejections, so check explicitly.
      await rpc('broadcast', {tx: raw}, '/broadcast');
      const entry = await rpc('getmempoolentry', [txid]).catch(() => null);
      if (!entry) throw new Error(`tx ${txid} not accepted (see node log): ${raw}`);
      const tx = TX.fromRaw(Buffer.from(raw, 'hex'));
      for (const u of ins) { utxos.delete(`${u.tx.txid()}:${u.index}`); }
      tx.outputs.forEach((out, oi) => {
        const kind = byHex.get(out.script.toRaw().toString('hex'));
        // outputs of this tx become spendable in the same block only
        // sometimes (chains inside a block), otherwise after it is mined
        if (kind) utxos.set(`${txid}:${oi}`, {tx, index: oi, value: out.value,
          kind, height, coinbase: false, pending: !rng.chance(0.3)});
      });
      made.push(txid);
      stats.txs++;
      stats.inputs += ins.length;
      stats.outputs += tx.outputs.length;
      for (const u of ins) stats.byInput[u.kind.name] = (stats.byInput[u.kind.name] || 0) + 1;
      for (const o of outs) stats.byOutput[o.kind.name] = (stats.byOutput[o.kind.name] || 0) + 1;
      for (const s of sighashes) stats.sighash[s] = (stats.sighash[s] || 0) + 1;
    }
    const [bh] = await rpc('generatetoaddress', [1, MINER_ADDR]);
    const blk = await rpc('getblock', [bh, true]);
    const got = new Set(blk.tx.map(x => typeof x === 'string' ? x : x.txid));
    for (const id of made)
      if (!got.has(id)) throw new Error(`tx ${id} missing from block ${bh}`);
    // mined: pending outputs become spendable, coinbase added
    for (const u of utxos.values()) u.pending = false;
    const cbraw = await rpc('getblock', [bh, false]);
    const cb = Block.fromRaw(Buffer.from(cbraw, 'hex')).txs[0];
    cb.outputs.forEach((out, oi) => {
      const kind = byHex.get(out.script.toRaw().toString('hex'));
      if (kind) utxos.set(`${cb.txid()}:${oi}`, {tx: cb, index: oi, value: out.value,
        kind, height, coinbase: true});
    });
    tip = height;
  }
  if (stats.txs < ntx)
    console.error(`warning: made only ${stats.txs} of ${ntx} txs (not enough mature coins of realpeer's keys; mine more with 'mine')`);
  const mp = await rpc('getmempoolinfo');
  stats.tip = tip;
  stats.mempool = mp.size;
  console.log(JSON.stringify(stats, null, 1));
}

// ------------------------------------------------------------------ main
(async () => {
  switch (cmd) {
    case 'rpc': {
      const params = args.slice(1).map(a => { try { return JSON.parse(a); } catch (e) { return a; } });
      const r = await rpc(args[0], params);
      console.log(typeof r === 'string' ? r : JSON.stringify(r, null, 1));
      break;
    }
    case 'addr':
      console.log(MINER_ADDR);
      break;
    case 'mine': {
      const n = Number(args[0] || 1);
      const t0 = Date.now();
      const hashes = await rpc('generatetoaddress', [n, args[1] || MINER_ADDR]);
      const tip = await rpc('getblockcount');
      console.log(`mined ${hashes.length} blocks in ${Date.now() - t0} ms, height=${tip}, tip=${hashes[hashes.length - 1]}`);
      break;
    }
    case 'fill': {
      const t0 = Date.now();
      await fill(Number(args[0] || 600), Number(args[1] || 300), args[2] || 'realpeer');
      console.log(`fill took ${Date.now() - t0} ms`);
      break;
    }
    default:
      throw new Error(`unknown command ${cmd}`);
  }
})().catch((e) => { console.error(e.stack || e); process.exit(1); });
RP_EOF_FILE
cat > "$APP/taproot.js" <<'RP_EOF_FILE'
'use strict';
// Taproot (BIP340/341/342) spends for realpeer's fill, built and signed with
// @scure/btc-signer, then independently checked: sighash recomputed with
// bitcoinjs-lib, Schnorr signatures verified with @noble/curves, and the
// script-path control block commitment recomputed here. bcoin 1.0.2 does not
// validate witness v1 at all (anyone-can-spend), so this check is the only
// thing standing between a bug and a block a taproot-aware client rejects.
const crypto = require('crypto');
const assert = require('assert');

const sha256 = b => crypto.createHash('sha256').update(b).digest();
const priv = i => sha256(Buffer.from(`realpeer-key-${i}`));
const tagged = (tag, ...m) => {
  const t = sha256(Buffer.from(tag));
  return sha256(Buffer.concat([t, t, ...m.map(x => Buffer.from(x))]));
};
const compact = n => n < 0xfd ? Buffer.from([n]) : Buffer.from([0xfd, n & 0xff, n >> 8]);

exports.load = async function load(rng) {
  const btc = await import('@scure/btc-signer');
  const {schnorr, secp256k1} = await import('@noble/curves/secp256k1.js');
  const bjs = await import('bitcoinjs-lib');
  const bcoin = require('bcoin');
  const REGTEST = {bech32: 'bcrt', pubKeyHash: 0x6f, scriptHash: 0xc4, wif: 0xef};
  const xonly = i => schnorr.getPublicKey(priv(i));
  const cpub = i => secp256k1.getPublicKey(priv(i), true);

  const kinds = {};
  const add = (name, pay, info) => {
    kinds[name] = Object.assign({name, signer: 'scure', pay,
      script: bcoin.Script.fromRaw(Buffer.from(pay.script)),
      hex: Buffer.from(pay.script).toString('hex')}, info);
  };
  add('p2tr_keypath', btc.p2tr(xonly(20), undefined, REGTEST), {signKeys: () => [20]});
  {
    const tree = [btc.p2tr_pk(xonly(22)),
                  [btc.p2tr_pk(xonly(23)), btc.p2tr_ms(2, [xonly(24), xonly(25), xonly(26)])]];
    // internal key 21 is never used to sign -> always a script-path spend
    add('p2tr_scriptpath', btc.p2tr(xonly(21), tree, REGTEST, true),
      {signKeys: () => rng.pick([[22], [23], [24, 26], [25, 26]])});
  }
  // non-taproot kinds that scure can co-spend in the same tx (shared scripts
  // with the bcoin kinds of the same name in rp.js)
  const scureLegacy = {
    p2pkh: {pay: btc.p2pkh(cpub(0), REGTEST), key: 0},
    p2wpkh: {pay: btc.p2wpkh(cpub(3), REGTEST), key: 3},
    p2sh_p2wpkh: {pay: btc.p2sh(btc.p2wpkh(cpub(4), REGTEST), REGTEST), key: 4}
  };

  function canSpend(kind) {
    return kind.signer === 'scure' || kind.name in scureLegacy;
  }

  async function build(ins, outs, opret) {
    const tx = new btc.Transaction({allowUnknownOutputs: true, disableScriptCheck: true,
      version: rng.chance(0.5) ? 2 : 1, allowUnknownVersion: true});
    const sighashes = [];
    ins.forEach((u, i) => {
      const prev = {script: Buffer.from(u.kind.script.toRaw()), amount: BigInt(u.value)};
      const inp = {txid: u.tx.txid(), index: u.index, witnessUtxo: prev,
        sequence: rng.chance(0.2) ? 0xfffffffd : 0xffffffff};
      if (u.kind.signer === 'scure') {
        for (const f of ['tapInternalKey', 'tapLeafScript', 'tapMerkleRoot'])
          if (u.kind.pay[f]) inp[f] = u.kind.pay[f];
        const r = rng.int(6);
        const sh = [btc.SigHash.DEFAULT, btc.SigHash.DEFAULT, btc.SigHash.DEFAULT,
          btc.SigHash.ALL, btc.SigHash.ALL_ANYONECANPAY, btc.SigHash.NONE][r];
        if (sh !== btc.SigHash.DEFAULT) inp.sighashType = sh;
        sighashes.push(`tr${sh}`);
      } else {
        const L = scureLegacy[u.kind.name];
        if (u.kind.name === 'p2pkh') {
          delete inp.witnessUtxo;
          inp.nonWitnessUtxo = u.tx.toRaw();
        }
        if (L.pay.redeemScript) inp.redeemScript = L.pay.redeemScript;
        sighashes.push(1);
      }
      tx.addInput(inp);
    });
    for (const o of outs)
      tx.addOutput({script: Buffer.from(o.kind.script.toRaw()), amount: BigInt(o.value)});
    if (opret)
      tx.addOutput({script: Buffer.concat([Buffer.from([0x6a, opret.length]), opret]), amount: 0n});
    ins.forEach((u, i) => {
      const keys = u.kind.signer === 'scure' ? u.kind.signKeys() : [scureLegacy[u.kind.name].key];
      const sh = tx.getInput(i).sighashType;
      for (const k of keys)
        assert(tx.signIdx(priv(k), i, sh !== undefined ? [sh] : undefined),
          `scure could not sign ${u.kind.name}`);
    });
    tx.finalize();
    const hex = tx.hex;
    verify(hex, ins);
    return {raw: hex, txid: tx.id, sighashes};
  }

  // ---------------------------------------------- independent verification
  function verify(hex, ins) {
    const tx = bjs.Transaction.fromHex(hex);
    const scripts = ins.map(u => new Uint8Array(u.kind.script.toRaw()));
    const values = ins.map(u => BigInt(u.value));
    ins.forEach((u, i) => {
      if (u.kind.signer !== 'scure') return;
      const outKey = Buffer.from(scripts[i].slice(2));
      assert(scripts[i][0] === 0x51 && scripts[i][1] === 0x20);
      const w = tx.ins[i].witness.map(x => Buffer.from(x));
      const sigOk = (sig, pub, leafHash) => {
        const ht = sig.length === 65 ? sig[64] : 0;
        assert(sig.length === 64 || (sig.length === 65 && ht !== 0), 'bad sig length');
        const h = tx.hashForWitnessV1(i, scripts, values, ht, leafHash);
        return schnorr.verify(sig.slice(0, 64), h, pub);
      };
      if (w.length === 1) {
        assert(sigOk(w[0], outKey), `keypath sig invalid input ${i}`);
        return;
      }
      const control = w[w.length - 1];
      const script = w[w.length - 2];
      const stack = w.slice(0, -2);
      assert((control.length - 33) % 32 === 0);
      const leafVer = control[0] & 0xfe;
      assert(leafVer === 0xc0);
      const leafHash = tagged('TapLeaf', Buffer.from([leafVer]), compact(script.length), script);
      let k = leafHash;
      for (let o = 33; o < control.length; o += 32) {
        const e = control.slice(o, o + 32);
        k = Buffer.compare(k, e) < 0 ? tagged('TapBranch', k, e) : tagged('TapBranch', e, k);
      }
      const P = control.slice(1, 33);
      const t = tagged('TapTweak', P, k);
      const Q = schnorr.utils.lift_x(BigInt('0x' + P.toString('hex')))
        .add(secp256k1.Point.BASE.multiply(BigInt('0x' + t.toString('hex')))).toAffine();
      assert(Q.x.toString(16).padStart(64, '0') === outKey.toString('hex'), 'taproot commitment mismatch');
      assert(Number(Q.y & 1n) === (control[0] & 1), 'taproot parity mismatch');
      // leaf scripts used here: <P> CHECKSIG, or <P1> CHECKSIG <P2> CHECKSIGADD <P3> CHECKSIGADD 2 NUMEQUAL
      const pubs = [];
      for (let o = 0; o < script.length;) {
        if (script[o] === 0x20) { pubs.push(script.slice(o + 1, o + 33)); o += 33; } else o++;
      }
      assert(stack.length === pubs.length, 'stack/pubkey count mismatch');
      let good = 0;
      pubs.forEach((pub, j) => {
        const sig = stack[stack.length - 1 - j];
        if (sig.length === 0) return;
        assert(sigOk(sig, pub, leafHash), `scriptpath sig invalid input ${i}`);
        good++;
      });
      assert(good === (pubs.length === 1 ? 1 : 2), 'wrong number of leaf signatures');
    });
  }

  return {kinds, canSpend, build, verify};
};
RP_EOF_FILE
cat > "$APP/p2pcheck.py" <<'RP_EOF_FILE'
#!/usr/bin/env python3
"""Tiny hand-written Bitcoin P2P probe for a regtest node (magic fabfb5da).

usage: p2pcheck.py PORT [RPCPORT]
  - version/verack handshake (prints raw bytes of each message)
  - getheaders from genesis -> headers (checks hashes chain up)
  - getdata MSG_WITNESS_BLOCK for the last header -> block (checks hash)
  - with RPCPORT: asks the node to mine one block while we are connected
    after sendheaders + sendcmpct(hb=1,v2) and reports how it is announced;
    probes BIP157 getcfheaders and a BIP324 (v2) style opening.
Exit status 0 when the handshake, headers and block checks pass.
"""
import hashlib, json, os, socket, struct, sys, time, urllib.request

MAGIC = bytes.fromhex("fabfb5da")
GENESIS = bytes.fromhex(
    "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206")[::-1]


def dsha(b):
    return hashlib.sha256(hashlib.sha256(b).digest()).digest()


def varint(n):
    if n < 0xfd:
        return bytes([n])
    if n <= 0xffff:
        return b"\xfd" + struct.pack("<H", n)
    if n <= 0xffffffff:
        return b"\xfe" + struct.pack("<I", n)
    return b"\xff" + struct.pack("<Q", n)


def read_varint(b, o):
    n = b[o]
    if n < 0xfd:
        return n, o + 1
    if n == 0xfd:
        return struct.unpack_from("<H", b, o + 1)[0], o + 3
    if n == 0xfe:
        return struct.unpack_from("<I", b, o + 1)[0], o + 5
    return struct.unpack_from("<Q", b, o + 1)[0], o + 9


def frame(cmd, payload=b""):
    return (MAGIC + cmd.encode().ljust(12, b"\0") +
            struct.pack("<I", len(payload)) + dsha(payload)[:4] + payload)


def netaddr(ip="127.0.0.1", port=0):
    return (struct.pack("<Q", 0) + b"\0" * 10 + b"\xff\xff" +
            socket.inet_aton(ip) + struct.pack(">H", port))


def show(raw):
    return raw[:24 + 88].hex() + ("..." if len(raw) > 112 else "")


class Conn:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""
        self.seen = []
        self.quiet = False

    def send(self, cmd, payload=b"", quiet=False):
        raw = frame(cmd, payload)
        self.s.sendall(raw)
        if not (quiet or self.quiet):
            print(f">> {cmd:12s} len={len(payload):<6d} {show(raw)}")

    def recv(self):
        while True:
            if len(self.buf) >= 24:
                magic, cmd, ln, ck = struct.unpack_from("<4s12sI4s", self.buf)
                if magic != MAGIC:
                    raise ValueError(f"bad magic {magic.hex()}")
                if len(self.buf) >= 24 + ln:
                    raw, self.buf = self.buf[:24 + ln], self.buf[24 + ln:]
                    payload = raw[24:]
                    if dsha(payload)[:4] != ck:
                        raise ValueError("bad checksum")
                    cmd = cmd.rstrip(b"\0").decode()
                    if not self.quiet:
                        print(f"<< {cmd:12s} len={ln:<6d} {show(raw)}")
                    self.seen.append(cmd)
                    if cmd == "ping":
                        self.send("pong", payload)
                    return cmd, payload
            d = self.s.recv(1 << 16)
            if not d:
                raise EOFError("peer closed the connection")
            self.buf += d

    def wait_for(self, want, timeout=10, quiet=False):
        end = time.time() + timeout
        self.s.settimeout(timeout)
        while time.time() < end:
            cmd, p = self.recv()
            if cmd in want:
                return cmd, p
        raise TimeoutError(want)

    def drain(self, secs):
        self.s.settimeout(secs)
        got = []
        try:
            while True:
                got.append(self.recv())
        except (socket.timeout, TimeoutError):
            pass
        return got


def rpc(port, method, params=()):
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/",
        data=json.dumps({"method": method, "params": list(params)}).encode(),
        headers={"Authorization": "Basic eDp4"})
    return json.load(urllib.request.urlopen(req, timeout=30))["result"]


def handshake(port, quiet=False):
    c = Conn(port)
    c.quiet = quiet
    ua = b"/p2pcheck:0.1/"
    ver = (struct.pack("<iQq", 70016, 0x409, int(time.time())) +
           netaddr("127.0.0.1", port) + netaddr() + os.urandom(8) +
           varint(len(ua)) + ua + struct.pack("<i", 0) + b"\x01")
    c.send("version", ver)
    _, p = c.wait_for({"version"})
    v, services, _ = struct.unpack_from("<iQq", p)
    o = 80
    n, o = read_varint(p, o)
    agent = p[o:o + n].decode()
    o += n
    height = struct.unpack_from("<i", p, o)[0]
    relay = p[o + 4] if len(p) > o + 4 else None
    if not quiet:
        print(f"   peer: version={v} services=0x{services:x} agent={agent} "
              f"start_height={height} relay={relay}")
    c.send("wtxidrelay")   # BIP339, must precede verack
    c.send("sendaddrv2")   # BIP155, must precede verack
    c.send("verack")
    c.wait_for({"verack"})
    return c, services, height


def parse_tx(b, o):
    """returns (txid, wtxid, has_witness, end offset)"""
    start = o
    o += 4
    seg = b[o] == 0 and b[o + 1] == 1
    if seg:
        o += 2
    io_start = o
    nin, o = read_varint(b, o)
    for _ in range(nin):
        o += 36
        ln, o = read_varint(b, o)
        o += ln + 4
    nout, o = read_varint(b, o)
    for _ in range(nout):
        o += 8
        ln, o = read_varint(b, o)
        o += ln
    io_end = o
    wit = []
    if seg:
        for _ in range(nin):
            n, o = read_varint(b, o)
            items = []
            for _ in range(n):
                ln, o = read_varint(b, o)
                items.append(b[o:o + ln])
                o += ln
            wit.append(items)
    o += 4
    legacy = b[start:start + 4] + b[io_start:io_end] + b[o - 4:o]
    return dsha(legacy), dsha(b[start:o]), wit, o


def merkle(hashes):
    while len(hashes) > 1:
        if len(hashes) % 2:
            hashes.append(hashes[-1])
        hashes = [dsha(hashes[i] + hashes[i + 1])
                  for i in range(0, len(hashes), 2)]
    return hashes[0]


def check_block(b, want_hash):
    """independent structural check of one witness-serialized block"""
    assert dsha(b[:80]) == want_hash, "block hash mismatch"
    ntx, o = read_varint(b, 80)
    txids, wtxids, cbwit, cbraw = [], [], None, None
    for i in range(ntx):
        txid, wtxid, wit, end = parse_tx(b, o)
        if i == 0:
            cbwit, cbraw = wit, b[o:end]
        txids.append(txid)
        wtxids.append(wtxid)
        o = end
    assert o == len(b), "trailing bytes"
    assert merkle(list(txids)) == b[36:68], "merkle root mismatch"
    # BIP141 witness commitment (last matching coinbase output)
    commit = None
    pos = 0
    while True:
        pos = cbraw.find(bytes.fromhex("6a24aa21a9ed"), pos)
        if pos < 0:
            break
        commit = cbraw[pos + 6:pos + 38]
        pos += 1
    has_wit = any(w != t for w, t in zip(wtxids[1:], txids[1:]))
    if commit is not None:
        reserved = cbwit[0][0]
        root = merkle([b"\0" * 32] + wtxids[1:])
        assert dsha(root + reserved) == commit, "witness commitment mismatch"
    else:
        assert not has_wit, "witness data without commitment"
    return ntx, commit is not None


def sync(port):
    """download every header and block over P2P and check them"""
    t0 = time.time()
    c, _, tip = handshake(port, quiet=True)
    hashes, prev = [], GENESIS
    while True:
        c.send("getheaders", struct.pack("<I", 70016) + varint(1) + prev +
               b"\0" * 32, quiet=True)
        try:
            _, p = c.wait_for({"headers"}, timeout=3, quiet=True)
        except TimeoutError:
            break
        n, o = read_varint(p, 0)
        if n == 0:
            break
        for _ in range(n):
            h = p[o:o + 80]
            assert h[4:36] == prev, "headers do not chain"
            prev = dsha(h)
            hashes.append(prev)
            o += 81
        if n < 2000:
            break
    t1 = time.time()
    ntx = nwc = 0
    for i in range(0, len(hashes), 64):
        batch = hashes[i:i + 64]
        c.send("getdata", varint(len(batch)) + b"".join(
            struct.pack("<I", 0x40000002) + h for h in batch), quiet=True)
        for h in batch:
            _, b = c.wait_for({"block"}, quiet=True)
            n, wc = check_block(b, h)
            ntx += n
            nwc += wc
    t2 = time.time()
    print(f"SYNC OK: {len(hashes)} headers in {t1 - t0:.2f}s, "
          f"{len(hashes)} blocks / {ntx} txs in {t2 - t1:.2f}s "
          f"(merkle roots, {nwc} witness commitments checked)")


def main():
    if "--sync" in sys.argv:
        sys.argv.remove("--sync")
        return sync(int(sys.argv[1]))
    port = int(sys.argv[1])
    rpcport = int(sys.argv[2]) if len(sys.argv) > 2 else None
    c, services, height = handshake(port)
    c.send("getheaders", struct.pack("<I", 70016) + varint(1) + GENESIS +
           b"\0" * 32)
    try:
        _, p = c.wait_for({"headers"}, timeout=3)
    except TimeoutError:
        print("   no headers reply in 3 s: nothing after the locator (bcoin "
              "sends no empty headers message; Core would)")
        p = b"\0"
    n, o = read_varint(p, 0)
    prev, last = GENESIS, None
    for _ in range(n):
        h = p[o:o + 80]
        assert h[4:36] == prev, "headers do not chain"
        assert p[o + 80] == 0, "tx count in headers must be 0"
        prev = last = dsha(h)
        o += 81
    print(f"   headers: count={n} (max 2000), chain OK, "
          f"last={last[::-1].hex() if last else None}")
    if last:
        c.send("getdata", varint(1) + struct.pack("<I", 0x40000002) + last)
        _, b = c.wait_for({"block"})
        assert dsha(b[:80]) == last, "block hash mismatch"
        ntx, o = read_varint(b, 80)
        print(f"   block: {len(b)} bytes, {ntx} txs, witness-serialized="
              f"{b[o + 4:o + 6] == bytes([0, 1])}")
    if rpcport:
        c.send("sendheaders")
        c.send("sendcmpct", b"\x01" + struct.pack("<Q", 2))
        # BIP157 probe. (Not getcfheaders: bcoin 1.0.2 cannot parse any
        # 12-character command name and then loses stream sync.)
        c.send("getcfilters", b"\x00" + struct.pack("<I", 0) + GENESIS)
        c.drain(1.0)
        # key-0 P2PKH address of realpeer's tools, bcoin regtest encoding
        mined = rpc(rpcport, "generatetoaddress",
                    [1, "RYHFbAKzbuaLe5FrQx1h2MdHKda8qpruuf"])[0]
        print(f"   mined {mined} via RPC; announcement:")
        got = [cmd for cmd, _ in c.drain(2.0)]
        print(f"   announced with: {got}")
        print(f"   NODE_COMPACT_FILTERS(1<<6) advertised: {bool(services & 64)}"
              f"; getcfilters answered: {'cfilter' in c.seen}")
        # second peer: sendheaders only -> how is a new block announced?
        c2, _, _ = handshake(port)
        c2.send("sendheaders")
        c2.drain(1.0)
        rpc(rpcport, "generatetoaddress", [1, "RYHFbAKzbuaLe5FrQx1h2MdHKda8qpruuf"])
        got2 = [cmd for cmd, _ in c2.drain(2.0)]
        print(f"   block announced to a sendheaders-only peer with: {got2}")
        c2.s.close()
        # BIP324: a v2 initiator opens with 64 bytes of ElligatorSwift key
        v2 = socket.create_connection(("127.0.0.1", port), timeout=5)
        v2.sendall(os.urandom(64))
        try:
            r = v2.recv(100)
            print(f"   v2-style opening: peer replied {len(r)} bytes "
                  f"{r[:16].hex()} (a v1-only node closes or sends nothing)")
        except socket.timeout:
            print("   v2-style opening: no reply within 5s (v1 only)")
        v2.close()
    print("   messages received:", " ".join(c.seen))
    print("P2P CHECK OK")


if __name__ == "__main__":
    main()
RP_EOF_FILE
}

case "${1:-}" in
  install) shift; cmd_install "$@" ;;
  start)   shift; cmd_start "$@" ;;
  stop)    shift; cmd_stop ;;
  mine)    shift; load_state; cd "$APP"; exec node rp.js "$RPCPORT" mine "$@" ;;
  fill)    shift; load_state; cd "$APP"; exec node rp.js "$RPCPORT" fill "$@" ;;
  rpc)     shift; load_state; cd "$APP"; exec node rp.js "$RPCPORT" rpc "$@" ;;
  addr)    shift; cd "$APP"; exec node rp.js 0 addr ;;
  check)   shift; load_state; exec python3 "$APP/p2pcheck.py" "$PORT" "$RPCPORT" "$@" ;;
  *) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 2 ;;
esac
