#!/usr/bin/env node
// Transaction throughput through JSON-RPC: pre-signs N plain transfers, sends them all with
// eth_sendRawTransaction (one request per transaction, no JSON-RPC batching) with a bounded number
// in flight, and waits until every one is mined.
//
//   node rpc_throughput.mjs --rpc http://127.0.0.1:8545 --count 10000 --impl gloam
//       [--senders 10] [--concurrency 64] [--window 1024] [--stall-s 30] [--nudge]
//
// --concurrency bounds the HTTP requests in flight; --window bounds the backlog of sent but not yet
// mined transactions (so the node's pool never holds more than that). Fails if nothing is mined
// for --stall-s seconds. --nudge (for anvil only): call evm_mine whenever nothing was mined for 1 s
// although transactions are outstanding; anvil's automine otherwise stalls under concurrent load.
//
// Senders: the 10 dev accounts of the test mnemonic; with --senders > 10, extra accounts derived
// from the mnemonic (m/44'/60'/0'/0/4000+i) are funded first (not timed). Transactions go
// round-robin over the senders in nonce order. The clock starts at the first send and stops when
// every sender's mined nonce reaches its target; then the last receipt of every sender must have
// status 1 and a fresh sink address must hold exactly N * value (so no transfer was lost).
// Prints one JSON line on stdout:
//   {"area":"node","op":"rpc_transfers","size":N,"impl":"<name>","tx_per_s":...,"seconds":...}
import os from 'node:os';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { HDNodeWallet, Mnemonic, SigningKey, Transaction, Wallet, parseEther } from 'ethers';

const GWEI = 10n ** 9n;
const VALUE = 1000n; // wei per transfer
const FEE = { maxFeePerGas: 100n * GWEI, maxPriorityFeePerGas: GWEI };

function signRange({ key, chainId, to, start, count }) {
  const sk = new SigningKey(key);
  const out = [];
  for (let k = 0; k < count; k++) {
    const tx = Transaction.from({
      type: 2, chainId: BigInt(chainId), to, value: VALUE, nonce: start + k, gasLimit: 21000n, ...FEE,
    });
    tx.signature = sk.sign(tx.unsignedHash);
    out.push(tx.serialized);
  }
  return out;
}

if (!isMainThread) {
  parentPort.postMessage(workerData.jobs.map(signRange));
} else {
  const { MNEMONIC, devWallets, parseArgs, rpc, sleep, waitReady } = await import('./lib.mjs');
  const args = parseArgs({ rpc: null, count: 10000, impl: 'unknown', senders: 10, concurrency: 64, window: 1024, 'chain-id': 1337, 'stall-s': 30, nudge: false });
  const URL_ = args.rpc;
  const N = args.count;
  const log = (m) => console.error(`[rpc_throughput ${args.impl}] ${m}`);

  /** Signs in worker threads (signing 10k transactions takes seconds on one core). */
  async function presign(jobs) {
    const nw = Math.max(1, Math.min(os.availableParallelism?.() ?? os.cpus().length, 8, jobs.length));
    const buckets = Array.from({ length: nw }, () => []);
    jobs.forEach((j, i) => buckets[i % nw].push(j));
    const results = await Promise.all(
      buckets.map(
        (b) =>
          new Promise((resolve, reject) => {
            const w = new Worker(fileURLToPath(import.meta.url), { workerData: { jobs: b } });
            w.once('message', resolve);
            w.once('error', reject);
          })
      )
    );
    const byJob = new Map();
    buckets.forEach((b, wi) => b.forEach((j, k) => byJob.set(j, results[wi][k])));
    return jobs.map((j) => byJob.get(j));
  }

  async function main() {
    const chainId = await waitReady(URL_, 10000);
    if (chainId !== BigInt(args['chain-id'])) throw new Error(`chain id ${chainId}, expected ${args['chain-id']}`);
    if (!(N > 0)) throw new Error('--count must be > 0');

    // senders
    const dev = devWallets(10);
    let senders = dev.slice(0, Math.min(10, args.senders));
    if (args.senders > 10) {
      const root = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(MNEMONIC), "m/44'/60'/0'/0");
      senders = Array.from({ length: args.senders }, (_, i) => root.deriveChild(4000 + i));
      const perSender = BigInt(Math.ceil(N / args.senders)) * (21000n * FEE.maxFeePerGas + VALUE) + parseEther('0.01');
      const fNonce = new Map();
      const hashes = [];
      for (const [i, s] of senders.entries()) {
        const bal = BigInt(await rpc(URL_, 'eth_getBalance', [s.address, 'latest']));
        if (bal >= perSender) continue;
        const f = dev[i % 10];
        if (!fNonce.has(f.address)) fNonce.set(f.address, BigInt(await rpc(URL_, 'eth_getTransactionCount', [f.address, 'pending'])));
        const n = fNonce.get(f.address);
        fNonce.set(f.address, n + 1n);
        const raw = await f.signTransaction({ type: 2, chainId, to: s.address, value: perSender - bal, nonce: n, gasLimit: 21000n, ...FEE });
        hashes.push(await rpc(URL_, 'eth_sendRawTransaction', [raw]));
      }
      for (const h of hashes) {
        for (let r; !(r = await rpc(URL_, 'eth_getTransactionReceipt', [h])); ) await sleep(50);
      }
      log(`funded ${hashes.length} extra senders`);
    }
    const S = senders.length;
    const sink = Wallet.createRandom().address;
    const startNonce = await Promise.all(senders.map(async (s) => Number(BigInt(await rpc(URL_, 'eth_getTransactionCount', [s.address, 'latest'])))));
    const pending = await Promise.all(senders.map(async (s) => Number(BigInt(await rpc(URL_, 'eth_getTransactionCount', [s.address, 'pending'])))));
    pending.forEach((p, i) => {
      if (p !== startNonce[i]) throw new Error(`sender ${senders[i].address} has ${p - startNonce[i]} pending transactions already`);
    });
    const counts = senders.map((_, i) => Math.floor(N / S) + (i < N % S ? 1 : 0));

    const ts = performance.now();
    const signed = await presign(senders.map((s, i) => ({ key: s.privateKey, chainId: Number(chainId), to: sink, start: startNonce[i], count: counts[i] })));
    // round-robin, nonce-major order
    const order = [];
    for (let k = 0; order.length < N; k++) for (let i = 0; i < S; i++) if (k < counts[i]) order.push(signed[i][k]);
    const hashes = order.map((raw) => Transaction.from(raw).hash);
    log(`pre-signed ${N} transfers from ${S} senders in ${((performance.now() - ts) / 1000).toFixed(1)} s`);

    // Send with bounded concurrency (HTTP requests in flight) and a bounded backlog (sent but not yet
    // mined, --window): flooding a node's pool with all N transactions at once measures its pool
    // data structure rather than its execution (anvil slows down quadratically with a deep pool).
    const target = startNonce.map((n, i) => n + counts[i]);
    const minedNonce = startNonce.slice();
    let mined = 0;
    let accepted = 0;
    let next = 0;
    let failure = null;
    let lastProgress = Date.now();
    let polling = true;
    let lastNudge = 0;
    let nudges = 0;
    const poller = (async () => {
      while (polling && !failure) {
        try {
          await Promise.all(senders.map(async (s, i) => {
            if (minedNonce[i] >= target[i]) return;
            const n = Number(BigInt(await rpc(URL_, 'eth_getTransactionCount', [s.address, 'latest'])));
            if (n > minedNonce[i]) { minedNonce[i] = n; lastProgress = Date.now(); }
          }));
        } catch (e) {
          failure ??= `eth_getTransactionCount: ${e.message}`;
        }
        mined = minedNonce.reduce((a, n, i) => a + n - startNonce[i], 0);
        if (mined >= N) break;
        if (args.nudge && accepted > mined && Date.now() - Math.max(lastProgress, lastNudge) > 1000) {
          // anvil quirk: under concurrent submission its automine loses wake-ups and leaves ready
          // transactions pending until the next arrival; evm_mine (anvil/hardhat only) unsticks it
          lastNudge = Date.now();
          nudges++;
          await rpc(URL_, 'evm_mine', []).catch((e) => { failure ??= `evm_mine: ${e.message}`; });
        }
        if (Date.now() - lastProgress > args['stall-s'] * 1000) {
          const stuck = [];
          for (const [i, s] of senders.entries()) {
            if (minedNonce[i] >= target[i]) continue;
            // is the next transaction still known to the node, or was it dropped after being accepted?
            const h = Transaction.from(signed[i][minedNonce[i] - startNonce[i]]).hash;
            const known = await rpc(URL_, 'eth_getTransactionByHash', [h]).catch(() => null);
            stuck.push(`${s.address}: mined nonce ${minedNonce[i]}, target ${target[i]}; next tx ${h} ${known ? 'is known to the node' : 'is UNKNOWN to the node (dropped after eth_sendRawTransaction accepted it)'}`);
          }
          failure ??= `no transaction mined for ${args['stall-s']} s (${mined}/${N} mined, ${accepted} sent):\n  ${stuck.join('\n  ')}`;
          break;
        }
        await sleep(20);
      }
    })();
    const t0 = performance.now();
    async function sender() {
      while (next < N && !failure) {
        if (accepted - mined >= args.window) { await sleep(5); continue; }
        const i = next++;
        try {
          const h = await rpc(URL_, 'eth_sendRawTransaction', [order[i]], { timeoutMs: 60000 });
          if (h !== hashes[i]) throw new Error(`returned hash ${h}, expected ${hashes[i]}`);
          accepted++;
        } catch (e) {
          failure ??= `eth_sendRawTransaction #${i} (${hashes[i]}): ${e.message}`;
        }
      }
    }
    await Promise.all(Array.from({ length: Math.min(args.concurrency, N) }, sender));
    const tSent = performance.now();
    await poller;
    polling = false;
    if (failure) throw new Error(failure);
    const t1 = performance.now();
    const seconds = (t1 - t0) / 1000;

    // verification (not timed)
    for (let i = 0; i < S; i++) {
      const last = Transaction.from(signed[i][counts[i] - 1]).hash;
      const rc = await rpc(URL_, 'eth_getTransactionReceipt', [last]);
      if (!rc || rc.status !== '0x1') throw new Error(`last transfer of sender ${i} (${last}) not mined with status 1: ${JSON.stringify(rc)}`);
    }
    const sinkBal = BigInt(await rpc(URL_, 'eth_getBalance', [sink, 'latest']));
    if (sinkBal !== BigInt(N) * VALUE) throw new Error(`sink balance ${sinkBal}, expected ${BigInt(N) * VALUE}: transfers lost`);
    log(`sent in ${((tSent - t0) / 1000).toFixed(2)} s, all mined after ${seconds.toFixed(2)} s; sink balance verified` +
      (args.nudge ? `; ${nudges} evm_mine nudge(s)` : ''));
    console.log(JSON.stringify({ area: 'node', op: 'rpc_transfers', size: N, impl: args.impl, tx_per_s: +(N / seconds).toFixed(1), seconds: +seconds.toFixed(3) }));
  }

  main().catch((e) => {
    console.error(`FAIL rpc_throughput (${args.impl}): ${e.stack || e}`);
    process.exit(1);
  });
}
