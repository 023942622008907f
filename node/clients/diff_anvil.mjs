#!/usr/bin/env node
// Differential test: the same pre-signed transactions go to two nodes (e.g. gloam and anvil, both
// with --chain-id 1337 under Prague rules); receipts and the resulting state must match.
//
//   node diff_anvil.mjs --a http://127.0.0.1:8545 --b http://127.0.0.1:8546 [--name-a gloam --name-b anvil]
//
// Fairness: the nodes may have different histories (other tests ran on one of them), so
//  - every compared transaction is sent from "fresh" accounts derived from the test mnemonic at
//    m/44'/60'/0'/0/{base+k}, with base chosen so all of them are unused on both nodes (nonce 0,
//    balance 0); they are funded first by dev account 9 with identical amounts (those funding
//    transactions use each node's own nonce and are not compared);
//  - every compared transaction is signed locally with an explicit nonce, gas limit and fixed
//    price: legacy/EIP-2930 gasPrice, EIP-1559/7702 maxPriorityFeePerGas == maxFeePerGas, so the
//    price paid does not depend on either node's base fee (only the coinbase's share does, and the
//    coinbase is excluded from the state comparison);
//  - the compared receipt fields are those independent of block placement: status, gasUsed,
//    effectiveGasPrice, type, from, to, contractAddress, logsBloom and every log's address, topics
//    and data (not blockNumber/blockHash/cumulativeGasUsed/logIndex).
// Afterwards balance, nonce, code and the known storage slots of every touched account are compared.
import {
  AbiCoder,
  Interface,
  Wallet,
  HDNodeWallet,
  Mnemonic,
  Transaction,
  getCreateAddress,
  keccak256,
  parseEther,
  parseUnits,
  toBeHex,
  zeroPadValue,
  getBytes,
  hexlify,
  concat,
} from 'ethers';
import { compileAll } from './compile.mjs';
import { MNEMONIC, devWallets, parseArgs, rpc, rpcRaw, step, sleep, waitReady } from './lib.mjs';
import * as kzg from './kzg_vector.mjs';

const args = parseArgs({ a: null, b: null, 'name-a': 'a', 'name-b': 'b', 'chain-id': 1337, verbose: false });
const NODES = [
  { name: args['name-a'], url: args.a },
  { name: args['name-b'], url: args.b },
];
const CHAIN_ID = BigInt(args['chain-id']);
const GWEI = 10n ** 9n;
const PRICE = 3n * GWEI; // fixed price per gas for every compared transaction
const FRESH = 6; // number of fresh accounts
const abi = AbiCoder.defaultAbiCoder();

const mismatches = [];
function mismatch(where, field, a, b) {
  mismatches.push({ where, field, [NODES[0].name]: a, [NODES[1].name]: b });
}
/** A node's value differs from what the transaction must produce (independently of the other node). */
function unexpected(where, field, got, want) {
  mismatches.push({ where, field, got, want });
}
function compare(where, field, a, b) {
  const sa = JSON.stringify(a);
  const sb = JSON.stringify(b);
  if (sa !== sb) mismatch(where, field, a, b);
  return sa === sb;
}

async function both(method, params) {
  return Promise.all(NODES.map((n) => rpc(n.url, method, params)));
}

async function waitReceipt(url, hash, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await rpc(url, 'eth_getTransactionReceipt', [hash]);
    if (r) return r;
    if (Date.now() > deadline) throw new Error(`no receipt for ${hash} from ${url} after ${timeoutMs} ms`);
    await sleep(25);
  }
}

function freshWallets(base) {
  const root = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(MNEMONIC), "m/44'/60'/0'/0");
  return Array.from({ length: FRESH + 1 }, (_, k) => root.deriveChild(base + k));
}

/** Finds an account block unused on both nodes: nonce 0 and balance 0 everywhere. */
async function pickFreshBase() {
  for (let base = 1000; base < 100000; base += 100) {
    const ws = freshWallets(base);
    let used = false;
    for (const w of ws) {
      const [na, nb] = await both('eth_getTransactionCount', [w.address, 'latest']);
      const [ba, bb] = await both('eth_getBalance', [w.address, 'latest']);
      if (BigInt(na) || BigInt(nb) || BigInt(ba) || BigInt(bb)) {
        used = true;
        break;
      }
    }
    if (!used) return base;
  }
  throw new Error('no fresh account block found');
}

const mapSlot = (key, slot) => keccak256(abi.encode(['uint256', 'uint256'], [key, slot]));
const addrMapSlot = (addr, slot) => keccak256(abi.encode(['address', 'uint256'], [addr, slot]));
const nestedSlot = (a, b, slot) => keccak256(abi.encode(['address', 'bytes32'], [b, addrMapSlot(a, slot)]));
const arraySlot = (slot, i) => toBeHex(BigInt(keccak256(abi.encode(['uint256'], [slot]))) + BigInt(i), 32);
const slotHex = (n) => toBeHex(n, 32);

function intrinsicGas(data, isCreate, accessList = []) {
  const b = getBytes(data);
  const zeros = b.filter((x) => x === 0).length;
  const nonzero = b.length - zeros;
  let g = (isCreate ? 53000n : 21000n) + 4n * BigInt(zeros) + 16n * BigInt(nonzero);
  if (isCreate) g += 2n * BigInt(Math.ceil(b.length / 32));
  for (const e of accessList) g += 2400n + 1900n * BigInt(e.storageKeys.length);
  const floor = 21000n + 10n * (BigInt(zeros) + 4n * BigInt(nonzero)); // EIP-7623 (Prague)
  return { intrinsic: g, floor };
}

async function main() {
  const t0 = Date.now();
  step(`nodes: ${NODES.map((n) => `${n.name}=${n.url}`).join(', ')}`);
  for (const n of NODES) {
    const cid = await waitReady(n.url, 10000);
    if (cid !== CHAIN_ID) throw new Error(`${n.name}: chain id ${cid}, expected ${CHAIN_ID}`);
  }
  const art = compileAll();
  const storeI = new Interface(art.Store.abi);
  const tokenI = new Interface(art.GloamToken.abi);
  const peI = new Interface(art.PointEval.abi);

  for (const [i, b] of (await both('eth_getBlockByNumber', ['latest', false])).entries()) {
    if (BigInt(b.baseFeePerGas ?? 0) > PRICE) throw new Error(`${NODES[i].name}: base fee ${BigInt(b.baseFeePerGas)} above the fixed test price ${PRICE}`);
  }
  const base = await pickFreshBase();
  const [D0, D1, D2, D3, D4, E, X] = freshWallets(base);
  const D = [D0, D1, D2, D3, D4];
  step(`fresh accounts m/44'/60'/0'/0/${base}..${base + FRESH}; funding ${D.length} of them from dev account 9`);
  const funder = devWallets(10)[9];
  for (const n of NODES) {
    let nonce = BigInt(await rpc(n.url, 'eth_getTransactionCount', [funder.address, 'pending']));
    const hashes = [];
    for (const w of D) {
      const raw = await funder.signTransaction({
        type: 0, to: w.address, value: parseEther('100'), nonce: nonce++, gasLimit: 21000n, gasPrice: PRICE, chainId: CHAIN_ID,
      });
      hashes.push(await rpc(n.url, 'eth_sendRawTransaction', [raw]));
    }
    for (const h of hashes) {
      const r = await waitReceipt(n.url, h);
      if (r.status !== '0x1') throw new Error(`${n.name}: funding tx ${h} failed`);
    }
  }

  // ---- the compared transactions -------------------------------------------------------------
  const nonces = new Map(D.concat([E, X]).map((w) => [w.address, 0n]));
  const touched = new Set([...D, E, X].map((w) => w.address));
  const storageSlots = new Map(); // address -> Set(slot)
  const addSlots = (addr, slots) => {
    if (!storageSlots.has(addr)) storageSlots.set(addr, new Set());
    for (const s of slots) storageSlots.get(addr).add(s);
  };
  const plan = [];
  const nextNonce = (w) => {
    const n = nonces.get(w.address);
    nonces.set(w.address, n + 1n);
    return n;
  };
  const fee = (type) =>
    type === 0 || type === 1 ? { gasPrice: PRICE } : { maxFeePerGas: PRICE, maxPriorityFeePerGas: PRICE };
  const add = (label, from, tx, expect) => {
    const type = tx.type ?? 2;
    plan.push({ label, from, tx: { chainId: CHAIN_ID, value: 0n, data: '0x', ...fee(type), ...tx, type, nonce: nextNonce(from) }, expect });
  };

  const newAccount = getCreateAddress({ from: X.address, nonce: 999 }); // a never-used address (no key needed)
  touched.add(newAccount);

  add('legacy EIP-155 transfer', D0, { type: 0, to: D1.address, value: parseEther('1'), gasLimit: 21000n }, { status: 1, gasUsed: 21000n });
  add('legacy transfer creating an account', D0, { type: 0, to: newAccount, value: parseEther('0.5'), gasLimit: 21000n }, { status: 1, gasUsed: 21000n });
  {
    const accessList = [{ address: D3.address, storageKeys: [slotHex(0), slotHex(1)] }];
    add('EIP-2930 transfer with access list', D1, { type: 1, to: D2.address, value: 12345n, gasLimit: 40000n, accessList },
      { status: 1, gasUsed: 21000n + 2400n + 2n * 1900n });
  }
  add('EIP-1559 transfer (priority == max fee)', D2, { type: 2, to: D0.address, value: parseEther('2'), gasLimit: 21000n }, { status: 1, gasUsed: 21000n });
  {
    const data = hexlify(Uint8Array.from({ length: 1000 }, (_, i) => (i % 255) + 1));
    const { floor } = intrinsicGas(data, false);
    add('calldata-heavy transfer (EIP-7623 floor)', D3, { type: 2, to: D4.address, value: 1n, data, gasLimit: 100000n }, { status: 1, gasUsed: floor });
  }

  const storeAddr = getCreateAddress({ from: D0.address, nonce: nonces.get(D0.address) });
  add('deploy Store', D0, { type: 2, to: null, data: art.Store.bytecode, gasLimit: 1_000_000n }, { status: 1, contractAddress: storeAddr });
  const tokenAddr = getCreateAddress({ from: D1.address, nonce: nonces.get(D1.address) });
  const tokenInit = concat([art.GloamToken.bytecode, abi.encode(['string', 'string', 'uint256'], ['Diff Token', 'DIF', parseUnits('1000000', 18)])]);
  add('deploy GloamToken (legacy)', D1, { type: 0, to: null, data: tokenInit, gasLimit: 1_500_000n }, { status: 1, contractAddress: tokenAddr });
  const peAddr = getCreateAddress({ from: D2.address, nonce: nonces.get(D2.address) });
  add('deploy PointEval (EIP-2930)', D2, { type: 1, to: null, data: art.PointEval.bytecode, gasLimit: 1_500_000n, accessList: [] }, { status: 1, contractAddress: peAddr });
  touched.add(storeAddr).add(tokenAddr).add(peAddr);

  add('Store.set(1, 42)', D2, { to: storeAddr, data: storeI.encodeFunctionData('set', [1, 42]), gasLimit: 200000n }, { status: 1 });
  add('Store.set(2, 7) with access list', D3, {
    type: 1, to: storeAddr, data: storeI.encodeFunctionData('set', [2, 7]), gasLimit: 200000n,
    accessList: [{ address: storeAddr, storageKeys: [slotHex(0), slotHex(1), mapSlot(2, 2), slotHex(3)] }],
  }, { status: 1 });
  add('Store.set(1, 43) overwrite', D4, { to: storeAddr, data: storeI.encodeFunctionData('set', [1, 43]), gasLimit: 200000n }, { status: 1 });
  add('Store.clear(2) (refund)', D0, { to: storeAddr, data: storeI.encodeFunctionData('clear', [2]), gasLimit: 200000n }, { status: 1 });
  add('Store.mustBeBelow reverts (status 0)', D0, { to: storeAddr, data: storeI.encodeFunctionData('mustBeBelow', [10, 5]), gasLimit: 100000n }, { status: 0 });
  add('Store.burn out of gas (status 0)', D1, { to: storeAddr, data: storeI.encodeFunctionData('burn', [100]), gasLimit: 120000n }, { status: 0, gasUsed: 120000n });
  addSlots(storeAddr, [slotHex(0), slotHex(1), mapSlot(1, 2), mapSlot(2, 2), slotHex(3), arraySlot(3, 0), arraySlot(3, 1), arraySlot(3, 2), mapSlot(1_000_000, 2)]);

  add('ERC-20 transfer D1->D2', D1, { type: 0, to: tokenAddr, data: tokenI.encodeFunctionData('transfer', [D2.address, parseUnits('100', 18)]), gasLimit: 100000n }, { status: 1, logs: 1 });
  add('ERC-20 approve D2->D3', D2, { to: tokenAddr, data: tokenI.encodeFunctionData('approve', [D3.address, parseUnits('50', 18)]), gasLimit: 100000n }, { status: 1, logs: 1 });
  add('ERC-20 transferFrom D2->D4 by D3', D3, { to: tokenAddr, data: tokenI.encodeFunctionData('transferFrom', [D2.address, D4.address, parseUnits('20', 18)]), gasLimit: 100000n }, { status: 1, logs: 1 });
  add('ERC-20 transfer beyond balance reverts', D4, { to: tokenAddr, data: tokenI.encodeFunctionData('transfer', [D0.address, parseUnits('21', 18)]), gasLimit: 100000n }, { status: 0, logs: 0 });
  add('ERC-20 transferFrom beyond allowance reverts', D3, { type: 0, to: tokenAddr, data: tokenI.encodeFunctionData('transferFrom', [D2.address, D3.address, parseUnits('31', 18)]), gasLimit: 100000n }, { status: 0 });
  addSlots(tokenAddr, [slotHex(2), nestedSlot(D2.address, D3.address, 1), ...D.map((w) => addrMapSlot(w.address, 0))]);

  {
    const vh = kzg.versionedHash(kzg.COMMITMENT);
    add('PointEval.record(valid proof)', D0, { to: peAddr, data: peI.encodeFunctionData('record', [vh, kzg.Z, kzg.Y, kzg.COMMITMENT, kzg.PROOF]), gasLimit: 400000n }, { status: 1, logs: 1 });
    add('PointEval.record(flipped proof)', D1, { to: peAddr, data: peI.encodeFunctionData('record', [vh, kzg.Z, kzg.Y, kzg.COMMITMENT, kzg.flipByte(kzg.PROOF, 47)]), gasLimit: 400000n }, { status: 1, logs: 1 });
    add('PointEval.record(y + 1)', D2, { to: peAddr, data: peI.encodeFunctionData('record', [vh, kzg.Z, zeroPadValue(toBeHex(BigInt(kzg.Y) + 1n), 32), kzg.COMMITMENT, kzg.PROOF]), gasLimit: 400000n }, { status: 1, logs: 1 });
    add('direct call to 0x0a (valid)', D3, { to: kzg.POINT_EVALUATION_ADDRESS, data: kzg.precompileInput(), gasLimit: 100000n }, { status: 1 });
    add('direct call to 0x0a (invalid: all gas consumed)', D4, { to: kzg.POINT_EVALUATION_ADDRESS, data: kzg.precompileInput({ proof: kzg.flipByte(kzg.PROOF, 47) }), gasLimit: 100000n }, { status: 0, gasUsed: 100000n });
    addSlots(peAddr, [slotHex(0), slotHex(1), slotHex(2), arraySlot(2, 0), arraySlot(2, 1)]);
  }

  {
    // contract creation that runs out of gas in the constructor: gas limit just above intrinsic/floor
    const { intrinsic, floor } = intrinsicGas(tokenInit, true);
    const gasLimit = (intrinsic > floor ? intrinsic : floor) + 5000n;
    const failedAddr = getCreateAddress({ from: D2.address, nonce: nonces.get(D2.address) });
    add('contract creation out of gas (status 0)', D2, { to: null, data: tokenInit, gasLimit }, { status: 0, gasUsed: gasLimit });
    touched.add(failedAddr);
    addSlots(failedAddr, [slotHex(0), slotHex(2)]);
  }

  // EIP-7702: E delegates to Store; D0 sponsors the type-4 tx that calls into E.
  // E is funded first. EIP-7702 step 7 refunds PER_EMPTY_ACCOUNT_COST - PER_AUTH_BASE_COST only
  // when the authority "exists in the trie" (geth: StateDB.Exist); anvil's in-memory backend
  // reports every address as existing and refunds for a never-seen authority too, so a fresh E
  // would differ by 12,500 gas. gloam follows the EIP/geth; with E existing both agree.
  add('fund the EIP-7702 authority E', D0, { to: E.address, value: 1000n, gasLimit: 21000n }, { status: 1, gasUsed: 21000n });
  const auth = E.authorizeSync({ address: storeAddr, nonce: 0n, chainId: CHAIN_ID });
  add('EIP-7702 set-code + call (sponsored)', D0, {
    type: 4, to: E.address, data: storeI.encodeFunctionData('set', [9, 99]), gasLimit: 300000n, authorizationList: [auth],
  }, { status: 1, logs: 1 });
  add('call delegated EOA again', D1, { to: E.address, data: storeI.encodeFunctionData('set', [10, 100]), gasLimit: 200000n }, { status: 1, logs: 1 });
  add('plain value transfer to delegated EOA (no receive: reverts)', D2, { to: E.address, value: 1n, gasLimit: 100000n }, { status: 0 });
  addSlots(E.address, [slotHex(0), slotHex(1), mapSlot(9, 2), mapSlot(10, 2), slotHex(3), arraySlot(3, 0), arraySlot(3, 1)]);
  nonces.set(E.address, 1n); // the authorization bumped E's nonce

  // ---- send and compare receipts ---------------------------------------------------------------
  step(`sending ${plan.length} pre-signed transactions to both nodes`);
  const byAddr = new Map([...D, E, X].map((w) => [w.address, w]));
  for (const p of plan) {
    const raw = await byAddr.get(p.from.address).signTransaction(p.tx);
    const hash = Transaction.from(raw).hash;
    const receipts = [];
    const errors = [];
    await Promise.all(NODES.map(async (n, i) => {
      try {
        const h = await rpc(n.url, 'eth_sendRawTransaction', [raw]);
        if (h !== hash) unexpected(`${p.label} @${n.name}`, 'eth_sendRawTransaction result', h, hash);
        receipts[i] = await waitReceipt(n.url, hash);
      } catch (e) {
        errors[i] = e.message;
      }
    }));
    if (errors.length) {
      mismatch(p.label, 'send/receipt error', errors[0] ?? null, errors[1] ?? null);
      console.log(`    ${p.label}: ERROR ${JSON.stringify(errors)}`);
      continue;
    }
    const num = (x) => (x === undefined || x === null ? null : BigInt(x).toString());
    const pick = (r) => ({
      status: num(r.status),
      gasUsed: num(r.gasUsed),
      effectiveGasPrice: num(r.effectiveGasPrice),
      type: num(r.type),
      from: r.from?.toLowerCase(),
      to: r.to?.toLowerCase() ?? null,
      contractAddress: r.contractAddress?.toLowerCase() ?? null,
      logsBloom: r.logsBloom,
      logs: r.logs.map((l) => ({ address: l.address.toLowerCase(), topics: l.topics, data: l.data })),
    });
    const [ra, rb] = receipts.map(pick);
    for (const k of Object.keys(ra)) compare(p.label, `receipt.${k}`, ra[k], rb[k]);
    // sanity expectations (so that two identically broken nodes do not pass)
    for (const [i, r] of [ra, rb].entries()) {
      const who = `${p.label} @${NODES[i].name}`;
      if (p.expect.status !== undefined && Number(r.status) !== p.expect.status) unexpected(who, 'status', Number(r.status), p.expect.status);
      if (p.expect.gasUsed !== undefined && BigInt(r.gasUsed) !== p.expect.gasUsed) unexpected(who, 'gasUsed', BigInt(r.gasUsed).toString(), p.expect.gasUsed.toString());
      if (p.expect.logs !== undefined && r.logs.length !== p.expect.logs) unexpected(who, 'log count', r.logs.length, p.expect.logs);
      if (p.expect.contractAddress && r.contractAddress !== p.expect.contractAddress.toLowerCase()) unexpected(who, 'contractAddress', r.contractAddress, p.expect.contractAddress);
      if (r.effectiveGasPrice !== PRICE.toString()) unexpected(who, "effectiveGasPrice", r.effectiveGasPrice, PRICE.toString());
    }
    const [ta, tb] = await both('eth_getTransactionByHash', [hash]);
    for (const k of ['type', 'nonce', 'gas', 'value', 'r', 's']) compare(p.label, `tx.${k}`, num(ta?.[k]), num(tb?.[k]));
    for (const k of ['input', 'to', 'from']) compare(p.label, `tx.${k}`, ta?.[k]?.toLowerCase() ?? null, tb?.[k]?.toLowerCase() ?? null);
    const ok = [ra, rb].every((r) => JSON.stringify(r) === JSON.stringify(ra));
    console.log(`    ${ok ? 'same' : 'DIFF'}  ${p.label}: status ${ra.status}/${rb.status} gasUsed ${ra.gasUsed}/${rb.gasUsed} logs ${ra.logs.length}/${rb.logs.length}`);
  }

  // ---- JSON-RPC error shapes -------------------------------------------------------------------
  step('comparing JSON-RPC error shapes (reverting eth_call / eth_estimateGas, rejected transactions)');
  {
    const reasonData = (r) => concat(['0x08c379a0', abi.encode(['string'], [r])]);
    const cases = [
      // [label, calldata, expected {code, message?, data}] ; message is compared exactly only where given
      ['require(false, reason)', storeI.encodeFunctionData('mustBeBelow', [10, 5]),
        { code: 3, message: 'execution reverted: Store: value too large', data: reasonData('Store: value too large') }],
      ['revert() without data', storeI.encodeFunctionData('fail', []), { code: 3, message: 'execution reverted', data: '0x' }],
      ['custom error', storeI.encodeFunctionData('mustBeBelowCustom', [10, 5]),
        { code: 3, data: storeI.encodeErrorResult('TooLarge', [10, 5]) }],
      ['panic 0x11', storeI.encodeFunctionData('overflow', [1]),
        { code: 3, data: concat(['0x4e487b71', abi.encode(['uint256'], [0x11])]) }],
    ];
    for (const [label, data, want] of cases) {
      for (const method of ['eth_call', 'eth_estimateGas']) {
        const params = [{ from: D0.address, to: storeAddr, data }];
        if (method === 'eth_call') params.push('latest');
        const got = await Promise.all(NODES.map((n) => rpcRaw(n.url, method, params)));
        const errs = got.map((r) => r.error ?? { unexpectedResult: r.result });
        const where = `${method} ${label}`;
        compare(where, 'error.code', errs[0].code, errs[1].code);
        compare(where, 'error.data', errs[0].data?.toLowerCase(), errs[1].data?.toLowerCase());
        if (want.message) compare(where, 'error.message', errs[0].message, errs[1].message);
        errs.forEach((e, i) => {
          const who = `${where} @${NODES[i].name}`;
          if (e.code !== want.code) unexpected(who, 'error.code', e.code, want.code);
          if ((e.data ?? '').toLowerCase() !== want.data.toLowerCase()) unexpected(who, 'error.data', e.data, want.data);
          if (want.message && e.message !== want.message) unexpected(who, 'error.message', e.message, want.message);
        });
        if (args.verbose) console.log(`    ${where}: ${JSON.stringify(errs)}`);
      }
    }
    // transactions every node must reject at eth_sendRawTransaction (messages differ between nodes;
    // only "rejected with a JSON-RPC error" is required); none of them may change state
    const base = { type: 2, chainId: CHAIN_ID, to: D1.address, value: 1n, gasLimit: 21000n, maxFeePerGas: PRICE, maxPriorityFeePerGas: PRICE };
    const n4 = nonces.get(D4.address);
    const rejects = [
      ['nonce too low', { nonce: 0n }],
      ['intrinsic gas too low', { nonce: n4, gasLimit: 20999n }],
      ['max fee below base fee', { nonce: n4, maxFeePerGas: 1n, maxPriorityFeePerGas: 1n }],
      ['insufficient funds', { nonce: n4, value: parseEther('1000000') }],
      ['wrong chain id', { nonce: n4, chainId: CHAIN_ID + 1n }],
    ];
    const baseFees = (await both('eth_getBlockByNumber', ['latest', false])).map((b) => BigInt(b.baseFeePerGas ?? 0));
    for (const [label, over] of rejects) {
      if (label === 'max fee below base fee' && baseFees.some((b) => b <= 1n)) {
        console.log(`    skipped: ${label} (a node's base fee is ${baseFees.join('/')} wei)`);
        continue;
      }
      const raw = await D4.signTransaction({ ...base, ...over });
      const got = await Promise.all(NODES.map((n) => rpcRaw(n.url, 'eth_sendRawTransaction', [raw])));
      got.forEach((r, i) => {
        if (!r.error) unexpected(`eth_sendRawTransaction ${label} @${NODES[i].name}`, 'rejected', r.result, 'a JSON-RPC error');
      });
      console.log(`    rejected: ${label}: ${got.map((r, i) => `${NODES[i].name} ${JSON.stringify(r.error ?? r.result)}`).join(' | ')}`);
    }
  }

  // ---- compare state ---------------------------------------------------------------------------
  const coinbases = new Set((await both('eth_getBlockByNumber', ['latest', false])).map((b) => b.miner.toLowerCase()));
  const accounts = [...touched].filter((a) => !coinbases.has(a.toLowerCase()));
  step(`comparing state of ${accounts.length} touched accounts (excluding coinbase ${[...coinbases].join(', ')})`);
  let slotCount = 0;
  for (const addr of accounts) {
    const [balA, balB] = await both('eth_getBalance', [addr, 'latest']);
    compare(addr, 'balance', BigInt(balA).toString(), BigInt(balB).toString());
    const [nA, nB] = await both('eth_getTransactionCount', [addr, 'latest']);
    compare(addr, 'nonce', BigInt(nA).toString(), BigInt(nB).toString());
    const [cA, cB] = await both('eth_getCode', [addr, 'latest']);
    compare(addr, 'code', cA, cB);
    for (const slot of storageSlots.get(addr) ?? []) {
      const [sA, sB] = await both('eth_getStorageAt', [addr, slot, 'latest']);
      compare(addr, `storage[${slot}]`, BigInt(sA).toString(16), BigInt(sB).toString(16));
      slotCount++;
    }
  }
  // absolute expectations on the final state (both nodes equal is not enough)
  const expectState = async (what, method, params, want) => {
    const numeric = method !== 'eth_getCode'; // quantities / storage words compare by value
    for (const n of NODES) {
      const got = await rpc(n.url, method, params);
      const eq = numeric ? BigInt(got) === BigInt(want) : got.toLowerCase() === want.toLowerCase();
      if (!eq) unexpected(`${what} @${n.name}`, method, got, want);
    }
  };
  await expectState('Store code', 'eth_getCode', [storeAddr, 'latest'], art.Store.deployedBytecode);
  await expectState('E delegation designator', 'eth_getCode', [E.address, 'latest'], concat(['0xef0100', storeAddr]));
  await expectState('E values[9]', 'eth_getStorageAt', [E.address, mapSlot(9, 2), 'latest'], slotHex(99));
  await expectState('Store values[1]', 'eth_getStorageAt', [storeAddr, mapSlot(1, 2), 'latest'], slotHex(43));
  await expectState('Store values[2] cleared', 'eth_getStorageAt', [storeAddr, mapSlot(2, 2), 'latest'], slotHex(0));
  await expectState('Store counter', 'eth_getStorageAt', [storeAddr, slotHex(0), 'latest'], slotHex(4));
  await expectState('PointEval verifications', 'eth_getStorageAt', [peAddr, slotHex(1), 'latest'], slotHex(3));
  await expectState('token balance D4', 'eth_getStorageAt', [tokenAddr, addrMapSlot(D4.address, 0), 'latest'], slotHex(parseUnits('20', 18)));
  for (const [addr, n] of nonces) {
    await expectState(`nonce ${addr}`, 'eth_getTransactionCount', [addr, 'latest'], toBeHex(n));
  }

  console.log(`    compared ${plan.length} receipts, ${accounts.length} accounts, ${slotCount} storage slots in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  if (mismatches.length) {
    console.log(`DIFF: ${mismatches.length} mismatch(es):`);
    for (const m of mismatches) console.log('  ' + JSON.stringify(m));
    console.error(`FAIL diff_anvil: ${mismatches.length} mismatch(es) between ${NODES[0].name} and ${NODES[1].name}`);
    process.exit(1);
  }
  console.log(`OK diff_anvil: ${NODES[0].name} and ${NODES[1].name} agree`);
}

main().catch((e) => {
  console.error(`FAIL diff_anvil: ${e.stack || e}`);
  process.exit(1);
});
