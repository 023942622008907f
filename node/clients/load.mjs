#!/usr/bin/env node
// Concurrent JSON-RPC load: many clients mixing eth_call, eth_getBalance, eth_blockNumber and
// eth_sendRawTransaction (pre-signed, one distinct sender per client) for a fixed duration.
//
//   node load.mjs --rpc http://127.0.0.1:8545 [--clients 64] [--duration 10] [--txs-per-client 5*duration]
//
// Every response is checked, not just counted: eth_call must return the known ERC-20 balance,
// eth_getBalance a quantity, eth_blockNumber must never go backwards for a client, and
// eth_sendRawTransaction must return the locally computed hash. After the run every sent
// transaction must be mined (sender nonces reach the expected values) with status 1.
// HTTP errors, JSON-RPC errors, timeouts, wrong answers and unmined transactions all count as
// failures; the script prints per-method p50/p99 latency as JSON on stdout and exits non-zero if
// anything failed. --nudge (anvil only) calls evm_mine every second while waiting for the last
// transactions to be mined, working around anvil's automine stalls.
import { ContractFactory, HDNodeWallet, Interface, Mnemonic, Transaction, parseEther, parseUnits } from 'ethers';
import { compileAll } from './compile.mjs';
import { MNEMONIC, devWallets, makeProvider, parseArgs, percentile, rpc, sleep, waitReady } from './lib.mjs';

const args = parseArgs({ rpc: null, clients: 64, duration: 10, 'txs-per-client': 0, 'timeout-ms': 10000, 'chain-id': 1337, nudge: false });
const URL_ = args.rpc;
const TXS_PER_CLIENT = args['txs-per-client'] || Math.max(10, 5 * args.duration);
const CHAIN_ID = BigInt(args['chain-id']);
const GWEI = 10n ** 9n;
const log = (m) => console.error(`[load] ${m}`);

async function post(body) {
  const res = await fetch(URL_, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    signal: AbortSignal.timeout(args['timeout-ms']),
  });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return res.json();
}

async function main() {
  const chainId = await waitReady(URL_, 10000);
  if (chainId !== CHAIN_ID) throw new Error(`chain id ${chainId}, expected ${CHAIN_ID}`);
  const provider = await makeProvider(URL_);
  const funder = devWallets(10, provider)[6];

  // setup: an ERC-20 to eth_call, and one funded sender per client
  const art = compileAll();
  const supply = parseUnits('123456789', 18);
  const token = await new ContractFactory(art.GloamToken.abi, art.GloamToken.bytecode, funder).deploy('Load', 'LD', supply);
  await token.waitForDeployment();
  const tokenAddr = await token.getAddress();
  const tokenI = new Interface(art.GloamToken.abi);
  const callData = tokenI.encodeFunctionData('balanceOf', [funder.address]);
  const expectedCall = '0x' + supply.toString(16).padStart(64, '0');

  const root = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(MNEMONIC), "m/44'/60'/0'/0");
  const senders = Array.from({ length: args.clients }, (_, i) => root.deriveChild(3000 + i));
  const need = parseEther('0.5');
  let fNonce = await provider.getTransactionCount(funder.address, 'pending');
  const balances = await Promise.all(senders.map((s) => provider.getBalance(s.address)));
  const funding = [];
  for (const [i, s] of senders.entries()) {
    if (balances[i] >= need) continue;
    const raw = await funder.signTransaction({
      type: 2, chainId: CHAIN_ID, to: s.address, value: parseEther('1'), nonce: fNonce++, gasLimit: 21000n,
      maxFeePerGas: 50n * GWEI, maxPriorityFeePerGas: GWEI,
    });
    funding.push(await rpc(URL_, 'eth_sendRawTransaction', [raw]));
  }
  await Promise.all(funding.map(async (h) => {
    const rc = await provider.waitForTransaction(h, 1, 60000);
    if (!rc || rc.status !== 1) throw new Error(`funding ${h} failed`);
  }));
  log(`setup: token ${tokenAddr}, funded ${funding.length}/${senders.length} senders`);

  // pre-sign the transactions (not timed)
  const sink = root.deriveChild(2999).address;
  const startNonces = await Promise.all(senders.map((s) => provider.getTransactionCount(s.address, 'latest')));
  const presigned = senders.map((s, i) =>
    Array.from({ length: TXS_PER_CLIENT }, (_, k) => {
      const tx = Transaction.from({
        type: 2, chainId: CHAIN_ID, to: sink, value: 1n, nonce: startNonces[i] + k, gasLimit: 21000n,
        maxFeePerGas: 50n * GWEI, maxPriorityFeePerGas: GWEI,
      });
      tx.signature = s.signingKey.sign(tx.unsignedHash);
      return { raw: tx.serialized, hash: tx.hash };
    })
  );
  log(`pre-signed ${args.clients * TXS_PER_CLIENT} transactions`);

  const methods = ['eth_call', 'eth_getBalance', 'eth_blockNumber', 'eth_sendRawTransaction'];
  const stats = Object.fromEntries(methods.map((m) => [m, { lat: [], errors: 0 }]));
  const errorSamples = [];
  const fail = (m, what) => {
    stats[m].errors++;
    if (errorSamples.length < 20) errorSamples.push(`${m}: ${what}`);
  };
  const sentCount = new Array(args.clients).fill(0);
  const deadline = Date.now() + args.duration * 1000;
  let reqId = 0;

  async function client(i) {
    let lastBlock = -1n;
    let k = 0;
    while (Date.now() < deadline) {
      k++;
      let m = methods[k % 3];
      if (k % 4 === 0 && sentCount[i] < presigned[i].length) m = 'eth_sendRawTransaction';
      let params;
      let tx;
      if (m === 'eth_call') params = [{ to: tokenAddr, data: callData }, 'latest'];
      else if (m === 'eth_getBalance') params = [senders[(i + k) % senders.length].address, 'latest'];
      else if (m === 'eth_blockNumber') params = [];
      else {
        tx = presigned[i][sentCount[i]++];
        params = [tx.raw];
      }
      const id = ++reqId;
      const t = performance.now();
      let r;
      try {
        r = await post(JSON.stringify({ jsonrpc: '2.0', id, method: m, params }));
      } catch (e) {
        fail(m, `request failed/dropped: ${e.name === 'TimeoutError' ? 'timeout' : e.message}`);
        continue;
      }
      stats[m].lat.push(performance.now() - t);
      if (r.id !== id) { fail(m, `response id ${r.id} != ${id}`); continue; }
      if (r.error) { fail(m, JSON.stringify(r.error)); continue; }
      const v = r.result;
      if (m === 'eth_call' && v !== expectedCall) fail(m, `wrong result ${v}`);
      else if (m === 'eth_getBalance' && !(typeof v === 'string' && /^0x[0-9a-f]+$/i.test(v) && BigInt(v) > 0n)) fail(m, `bad balance ${v}`);
      else if (m === 'eth_blockNumber') {
        const b = BigInt(v);
        if (b < lastBlock) fail(m, `block number went backwards ${lastBlock} -> ${b}`);
        lastBlock = b;
      } else if (m === 'eth_sendRawTransaction' && v !== tx.hash) fail(m, `returned ${v}, expected ${tx.hash}`);
    }
  }

  log(`running ${args.clients} clients for ${args.duration} s`);
  const t0 = performance.now();
  await Promise.all(senders.map((_, i) => client(i)));
  const elapsed = (performance.now() - t0) / 1000;

  // every accepted transaction must be mined
  const mineDeadline = Date.now() + 60000;
  let unmined = 0;
  let nudges = 0;
  let nudger = null;
  if (args.nudge) {
    // anvil quirk (see rpc_throughput.mjs): its automine can leave ready transactions pending
    nudger = setInterval(() => { nudges++; rpc(URL_, 'evm_mine', []).catch(() => {}); }, 1000);
  }
  await Promise.all(senders.map(async (s, i) => {
    const want = startNonces[i] + sentCount[i];
    for (;;) {
      const n = await provider.getTransactionCount(s.address, 'latest');
      if (n >= want) break;
      if (Date.now() > mineDeadline) { unmined += want - n; break; }
      await sleep(100);
    }
    if (sentCount[i] > 0) {
      const rc = await provider.getTransactionReceipt(presigned[i][sentCount[i] - 1].hash);
      if (!rc || rc.status !== 1) fail('eth_sendRawTransaction', `last tx of sender ${i} not mined with status 1`);
    }
  }));
  if (nudger) clearInterval(nudger);
  if (nudges) log(`${nudges} evm_mine nudge(s) while waiting for the last transactions`);
  if (unmined) fail('eth_sendRawTransaction', `${unmined} accepted transactions never mined`);

  const report = { area: 'node', op: 'rpc_load', clients: args.clients, seconds: +elapsed.toFixed(2), methods: {} };
  let total = 0;
  let errors = 0;
  for (const m of methods) {
    const lat = stats[m].lat.sort((a, b) => a - b);
    total += lat.length + stats[m].errors;
    errors += stats[m].errors;
    report.methods[m] = {
      requests: lat.length,
      errors: stats[m].errors,
      p50_ms: lat.length ? +percentile(lat, 50).toFixed(3) : null,
      p99_ms: lat.length ? +percentile(lat, 99).toFixed(3) : null,
    };
  }
  report.requests = total;
  report.errors = errors;
  report.req_per_s = +(total / elapsed).toFixed(1);
  report.txs_sent = sentCount.reduce((a, b) => a + b, 0);
  console.log(JSON.stringify(report));
  for (const m of methods) {
    if (stats[m].lat.length === 0) { errors++; errorSamples.push(`${m}: no successful request at all`); }
  }
  provider.destroy();
  if (errors) {
    console.error(`FAIL load: ${errors} failed request(s):\n  ${errorSamples.join('\n  ')}`);
    process.exit(1);
  }
  log(`OK: ${total} requests, 0 errors`);
}

main().catch((e) => {
  console.error(`FAIL load: ${e.stack || e}`);
  process.exit(1);
});
