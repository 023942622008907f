#!/usr/bin/env node
// End-to-end test of a JSON-RPC node with ethers v6 (HTTP + WebSocket on the same host:port).
//
//   node e2e_ethers.mjs --rpc http://127.0.0.1:8545
//
// Compiles contracts/*.sol with solc-js, uses the 10 dev accounts of the standard test mnemonic,
// deploys the ERC-20 and PointEval contracts and checks receipts, balances, logs, WebSocket log
// subscriptions, revert reasons (eth_call, eth_estimateGas, mined status-0 receipt) and the
// EIP-4844 point-evaluation precompile. Exits non-zero on the first failed check.
import assert from 'node:assert/strict';
import {
  AbiCoder,
  Contract,
  ContractFactory,
  JsonRpcProvider,
  WebSocketProvider,
  dataLength,
  getAddress,
  isError,
  parseEther,
  parseUnits,
  toBeHex,
  zeroPadValue,
  id as topicId,
} from 'ethers';
import { compileAll } from './compile.mjs';
import { devWallets, parseArgs, rpcRaw, step, wsUrlFor, sleep, CHAIN_ID } from './lib.mjs';
import * as kzg from './kzg_vector.mjs';

const args = parseArgs({ rpc: null, ws: '', 'chain-id': Number(CHAIN_ID) });
const RPC = args.rpc;
const WS = args.ws || wsUrlFor(RPC);
const ERROR_SELECTOR = '0x08c379a0'; // Error(string)
const TRANSFER_TOPIC = topicId('Transfer(address,address,uint256)');
const APPROVAL_TOPIC = topicId('Approval(address,address,uint256)');

/** Runs `fn`, expecting a CALL_EXCEPTION whose revert reason is `reason`. */
async function expectRevert(what, fn, reason) {
  let err;
  try {
    await fn();
  } catch (e) {
    err = e;
  }
  assert.ok(err, `${what}: expected a revert with "${reason}", but it succeeded`);
  assert.ok(isError(err, 'CALL_EXCEPTION'), `${what}: expected CALL_EXCEPTION, got ${err.code}: ${err.message}`);
  assert.equal(err.reason, reason, `${what}: revert reason`);
  assert.ok(err.data && err.data.startsWith(ERROR_SELECTOR), `${what}: revert data should be Error(string), got ${err.data}`);
  const decoded = AbiCoder.defaultAbiCoder().decode(['string'], '0x' + err.data.slice(10));
  assert.equal(decoded[0], reason, `${what}: decoded revert data`);
  return err;
}

async function main() {
  const t0 = Date.now();
  const provider = new JsonRpcProvider(RPC, undefined, { staticNetwork: true, cacheTimeout: -1 });
  provider.pollingInterval = 250;

  step(`connect ${RPC}`);
  const net = await provider.getNetwork();
  assert.equal(net.chainId, BigInt(args['chain-id']), 'eth_chainId');
  const startBlock = await provider.getBlockNumber();
  console.log(`    chainId ${net.chainId}, block ${startBlock}`);

  step('compile contracts with solc-js');
  const art = compileAll();
  console.log(`    solc ${art._compiler.solc}, evm ${art._compiler.evmVersion}`);

  step('dev accounts are prefunded');
  const wallets = devWallets(10, provider);
  assert.equal(wallets[0].address, '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266', 'account 0 of the test mnemonic');
  for (const w of wallets) {
    const bal = await provider.getBalance(w.address);
    assert.ok(bal >= parseEther('1000'), `${w.address} balance ${bal} < 1000 ETH`);
  }
  const [owner, alice, bob, carol, dave, , , eve] = wallets;
  const ownerNonce0 = await provider.getTransactionCount(owner.address, 'latest');
  const eveNonce0 = await provider.getTransactionCount(eve.address, 'latest');

  step('plain ETH transfer');
  {
    const before = await provider.getBalance(dave.address);
    const tx = await alice.sendTransaction({ to: dave.address, value: parseEther('1.5') });
    const rc = await tx.wait();
    assert.equal(rc.status, 1, 'ETH transfer status');
    assert.equal(rc.gasUsed, 21000n, 'ETH transfer gasUsed');
    assert.equal(rc.from, alice.address);
    assert.equal(rc.to, dave.address);
    assert.equal(rc.hash, tx.hash);
    assert.equal(await provider.getBalance(dave.address), before + parseEther('1.5'), 'recipient balance');
    const fetched = await provider.getTransaction(tx.hash);
    assert.equal(fetched.value, parseEther('1.5'), 'eth_getTransactionByHash value');
    assert.equal(fetched.blockNumber, rc.blockNumber, 'eth_getTransactionByHash blockNumber');
    const block = await provider.getBlock(rc.blockNumber);
    assert.ok(block.transactions.includes(tx.hash), 'block contains the tx');
    assert.ok(block.baseFeePerGas !== null, 'block has baseFeePerGas (London+)');
  }

  step('deploy GloamToken (ERC-20)');
  const supply = parseUnits('1000000', 18);
  const factory = new ContractFactory(art.GloamToken.abi, art.GloamToken.bytecode, owner);
  const token = await factory.deploy('Gloam Token', 'GLM', supply);
  const deployRc = await token.deploymentTransaction().wait();
  assert.equal(deployRc.status, 1, 'deploy status');
  const tokenAddr = await token.getAddress();
  assert.equal(deployRc.contractAddress, tokenAddr, 'receipt contractAddress');
  assert.equal(await provider.getCode(tokenAddr), art.GloamToken.deployedBytecode, 'eth_getCode = deployed bytecode');
  assert.equal(await token.name(), 'Gloam Token');
  assert.equal(await token.symbol(), 'GLM');
  assert.equal(await token.decimals(), 18n);
  assert.equal(await token.totalSupply(), supply);
  assert.equal(await token.balanceOf(owner.address), supply);
  assert.equal(deployRc.logs.length, 1, 'mint event in deploy receipt');
  assert.equal(deployRc.logs[0].topics[0], TRANSFER_TOPIC);
  console.log(`    token at ${tokenAddr}, block ${deployRc.blockNumber}, gasUsed ${deployRc.gasUsed}`);

  step('subscribe to Transfer events over WebSocket ' + WS);
  const wsProvider = new WebSocketProvider(WS, undefined, { staticNetwork: true });
  assert.equal((await wsProvider.getNetwork()).chainId, net.chainId, 'ws eth_chainId');
  const wsToken = new Contract(tokenAddr, art.GloamToken.abi, wsProvider);
  const wsEvents = [];
  await wsToken.on('Transfer', (from, to, value, ev) => {
    wsEvents.push({ from, to, value, txHash: ev.log.transactionHash, blockNumber: ev.log.blockNumber });
  });
  const heads = [];
  await wsProvider.on('block', (n) => heads.push(n));
  await sleep(300); // let the subscriptions be installed before the transfers below

  step('ERC-20 transfers');
  const sent = [];
  for (const [to, amount] of [
    [alice, parseUnits('100', 18)],
    [bob, parseUnits('250', 18)],
  ]) {
    const tx = await token.transfer(to.address, amount);
    const rc = await tx.wait();
    assert.equal(rc.status, 1, 'transfer status');
    assert.equal(rc.logs.length, 1, 'one log per transfer');
    const ev = token.interface.parseLog(rc.logs[0]);
    assert.equal(ev.name, 'Transfer');
    assert.equal(ev.args.from, owner.address);
    assert.equal(ev.args.to, to.address);
    assert.equal(ev.args.value, amount);
    assert.equal(rc.logs[0].address, tokenAddr, 'log address');
    assert.equal(rc.logs[0].transactionHash, tx.hash, 'log transactionHash');
    assert.equal(rc.logs[0].blockNumber, rc.blockNumber, 'log blockNumber');
    sent.push({ from: owner.address, to: to.address, value: amount, txHash: tx.hash });
  }
  assert.equal(await token.balanceOf(alice.address), parseUnits('100', 18));
  assert.equal(await token.balanceOf(bob.address), parseUnits('250', 18));
  assert.equal(await token.balanceOf(owner.address), supply - parseUnits('350', 18));

  step('approve + transferFrom');
  {
    const rc1 = await (await token.connect(alice).approve(carol.address, parseUnits('50', 18))).wait();
    assert.equal(rc1.status, 1);
    assert.equal(rc1.logs[0].topics[0], APPROVAL_TOPIC, 'Approval topic');
    assert.equal(await token.allowance(alice.address, carol.address), parseUnits('50', 18));
    const tx = await token.connect(carol).transferFrom(alice.address, dave.address, parseUnits('30', 18));
    const rc2 = await tx.wait();
    assert.equal(rc2.status, 1);
    assert.equal(await token.allowance(alice.address, carol.address), parseUnits('20', 18), 'allowance decreased');
    assert.equal(await token.balanceOf(alice.address), parseUnits('70', 18));
    assert.equal(await token.balanceOf(dave.address), parseUnits('30', 18));
    sent.push({ from: alice.address, to: dave.address, value: parseUnits('30', 18), txHash: tx.hash });
  }

  step('eth_getLogs / queryFilter');
  {
    const all = await token.queryFilter('Transfer', deployRc.blockNumber, 'latest');
    assert.equal(all.length, 1 + sent.length, `Transfer events since deploy: ${all.length}`);
    assert.equal(all[0].args.from, '0x0000000000000000000000000000000000000000', 'mint from zero');
    assert.equal(all[0].args.value, supply);
    for (let i = 0; i < sent.length; i++) {
      assert.equal(all[i + 1].transactionHash, sent[i].txHash, `event ${i + 1} tx hash (ordering)`);
      assert.equal(all[i + 1].args.to, sent[i].to);
      assert.equal(all[i + 1].args.value, sent[i].value);
    }
    const toBob = await token.queryFilter(token.filters.Transfer(null, bob.address), deployRc.blockNumber);
    assert.equal(toBob.length, 1, 'topic-filtered events to bob');
    assert.equal(toBob[0].args.value, parseUnits('250', 18));
    const fromAlice = await provider.getLogs({
      address: tokenAddr,
      topics: [TRANSFER_TOPIC, zeroPadValue(alice.address, 32)],
      fromBlock: deployRc.blockNumber,
      toBlock: 'latest',
    });
    assert.equal(fromAlice.length, 1, 'raw getLogs from alice');
    assert.equal(BigInt(fromAlice[0].data), parseUnits('30', 18), 'log data');
    const orTopics = await provider.getLogs({
      address: tokenAddr,
      topics: [[TRANSFER_TOPIC, APPROVAL_TOPIC]],
      fromBlock: deployRc.blockNumber,
    });
    assert.equal(orTopics.length, 1 + sent.length + 1, 'OR-topic filter (Transfer|Approval)');
    const none = await provider.getLogs({ address: eve.address, fromBlock: 0 });
    assert.equal(none.length, 0, 'no logs for an address without code');
    const blockHashLogs = await provider.getLogs({ blockHash: deployRc.blockHash });
    assert.equal(blockHashLogs.length, 1, 'getLogs by blockHash');
    assert.equal(blockHashLogs[0].transactionHash, deployRc.hash);
  }

  step('WebSocket Transfer subscription delivered every event');
  {
    const deadline = Date.now() + 15000;
    while (wsEvents.length < sent.length && Date.now() < deadline) await sleep(100);
    assert.equal(wsEvents.length, sent.length, `ws events received: ${JSON.stringify(wsEvents, (k, v) => (typeof v === 'bigint' ? v.toString() : v))}`);
    for (let i = 0; i < sent.length; i++) {
      assert.equal(wsEvents[i].txHash, sent[i].txHash, `ws event ${i} tx hash`);
      assert.equal(wsEvents[i].from, sent[i].from);
      assert.equal(wsEvents[i].to, sent[i].to);
      assert.equal(wsEvents[i].value, sent[i].value);
    }
    assert.ok(heads.length >= 1, 'newHeads subscription delivered blocks');
    console.log(`    ${wsEvents.length} Transfer events and ${heads.length} new heads over ws`);
  }
  await wsToken.removeAllListeners();
  await wsProvider.removeAllListeners();
  await sleep(500); // ethers sends eth_unsubscribe in the background; let it complete before closing
  await wsProvider.destroy();

  step('revert reasons: eth_call, eth_estimateGas, raw JSON-RPC error shape');
  {
    const poor = token.connect(eve); // eve holds no tokens
    await expectRevert('eth_call', () => poor.transfer.staticCall(owner.address, 1n), 'ERC20: insufficient balance');
    await expectRevert('estimateGas', () => poor.transfer.estimateGas(owner.address, 1n), 'ERC20: insufficient balance');
    await expectRevert(
      'eth_call transferFrom',
      () => token.connect(eve).transferFrom.staticCall(alice.address, eve.address, 1n),
      'ERC20: insufficient allowance'
    );
    const data = token.interface.encodeFunctionData('transfer', [owner.address, 1n]);
    for (const method of ['eth_call', 'eth_estimateGas']) {
      const params = [{ from: eve.address, to: tokenAddr, data }];
      if (method === 'eth_call') params.push('latest');
      const r = await rpcRaw(RPC, method, params);
      assert.ok(r.error, `${method} should return a JSON-RPC error, got ${JSON.stringify(r)}`);
      assert.equal(r.error.code, 3, `${method} error code`);
      assert.equal(r.error.message, 'execution reverted: ERC20: insufficient balance', `${method} error message`);
      assert.ok(typeof r.error.data === 'string' && r.error.data.startsWith(ERROR_SELECTOR), `${method} error data`);
      const [reason] = AbiCoder.defaultAbiCoder().decode(['string'], '0x' + r.error.data.slice(10));
      assert.equal(reason, 'ERC20: insufficient balance', `${method} error data decodes to the reason`);
    }
  }

  step('mined reverting transaction has status 0');
  {
    const tx = await token.connect(eve).transfer(owner.address, 1n, { gasLimit: 100000n });
    let err;
    try {
      await tx.wait();
    } catch (e) {
      err = e;
    }
    assert.ok(err && isError(err, 'CALL_EXCEPTION'), 'wait() on a reverted tx throws CALL_EXCEPTION');
    const rc = await provider.getTransactionReceipt(tx.hash);
    assert.equal(rc.status, 0, 'receipt status 0');
    assert.equal(rc.logs.length, 0, 'no logs from a reverted tx');
    assert.ok(rc.gasUsed > 21000n && rc.gasUsed < 100000n, `reverted gasUsed ${rc.gasUsed}`);
    assert.equal(await token.balanceOf(owner.address), supply - parseUnits('350', 18), 'no state change');
  }

  step('deploy PointEval');
  const peFactory = new ContractFactory(art.PointEval.abi, art.PointEval.bytecode, owner);
  const pe = await peFactory.deploy();
  await pe.waitForDeployment();
  const peAddr = await pe.getAddress();
  const vh = kzg.versionedHash(kzg.COMMITMENT);
  console.log(`    PointEval at ${peAddr}; vector ${kzg.KZG_VECTOR_FILE}; versioned hash ${vh}`);

  step('point evaluation (valid proof) via eth_call');
  {
    const input = await pe.input(vh, kzg.Z, kzg.Y, kzg.COMMITMENT, kzg.PROOF);
    assert.equal(input, kzg.precompileInput(), 'contract builds the same 192-byte input');
    assert.equal(dataLength(input), 192);
    const [ok, out] = await pe.check(vh, kzg.Z, kzg.Y, kzg.COMMITMENT, kzg.PROOF);
    assert.equal(ok, true, 'valid proof verifies');
    assert.equal(out, kzg.SUCCESS_OUTPUT, 'precompile output = 4096 || BLS modulus');
    const direct = await provider.call({ to: kzg.POINT_EVALUATION_ADDRESS, data: kzg.precompileInput() });
    assert.equal(direct, kzg.SUCCESS_OUTPUT, 'direct eth_call to 0x0a');
  }

  step('point evaluation (invalid inputs) via eth_call');
  const invalid = {
    'proof byte flipped': { proof: kzg.flipByte(kzg.PROOF, 47) },
    'y + 1': { y: zeroPadValue(toBeHex(BigInt(kzg.Y) + 1n), 32) },
    'versioned hash mismatch': { vh: kzg.flipByte(vh, 31) },
    'commitment byte flipped': { commitment: kzg.flipByte(kzg.COMMITMENT, 20), vh },
  };
  for (const [name, over] of Object.entries(invalid)) {
    const p = { commitment: kzg.COMMITMENT, z: kzg.Z, y: kzg.Y, proof: kzg.PROOF, vh, ...over };
    const [ok, out] = await pe.check(p.vh, p.z, p.y, p.commitment, p.proof);
    assert.equal(ok, false, `${name}: must fail`);
    assert.equal(out, '0x', `${name}: no output`);
    const r = await rpcRaw(RPC, 'eth_call', [{ to: kzg.POINT_EVALUATION_ADDRESS, data: kzg.precompileInput(p) }, 'latest']);
    assert.ok(r.error && !('result' in r), `${name}: direct eth_call to 0x0a must fail, got ${JSON.stringify(r)}`);
  }
  {
    const r = await rpcRaw(RPC, 'eth_call', [{ to: kzg.POINT_EVALUATION_ADDRESS, data: kzg.precompileInput().slice(0, -2) }, 'latest']);
    assert.ok(r.error, `191-byte input must fail, got ${JSON.stringify(r)}`);
  }

  step('point evaluation via mined transactions');
  {
    const rc = await (await pe.record(vh, kzg.Z, kzg.Y, kzg.COMMITMENT, kzg.PROOF)).wait();
    assert.equal(rc.status, 1);
    const ev = pe.interface.parseLog(rc.logs[0]);
    assert.equal(ev.name, 'Evaluated');
    assert.equal(ev.args.caller, owner.address);
    assert.equal(ev.args.versionedHash, vh);
    assert.equal(ev.args.ok, true, 'mined valid proof: ok');
    assert.equal(ev.args.output, kzg.SUCCESS_OUTPUT, 'mined valid proof: output');
    assert.equal(await pe.lastOk(), true);
    assert.equal(await pe.lastOutput(), kzg.SUCCESS_OUTPUT);
    assert.equal(await pe.verifications(), 1n);

    const bad = kzg.flipByte(kzg.PROOF, 47);
    const rc2 = await (await pe.record(vh, kzg.Z, kzg.Y, kzg.COMMITMENT, bad, { gasLimit: 400000n })).wait();
    assert.equal(rc2.status, 1, 'outer tx succeeds even though verification failed');
    const ev2 = pe.interface.parseLog(rc2.logs[0]);
    assert.equal(ev2.args.ok, false, 'mined invalid proof: not ok');
    assert.equal(ev2.args.output, '0x');
    // a failing precompile consumes the whole 100k stipend it was given
    assert.ok(rc2.gasUsed > 21000n + 100000n, `failed verification gasUsed ${rc2.gasUsed} should include the 100k stipend`);
    assert.equal(await pe.lastOk(), false);
    assert.equal(await pe.lastOutput(), '0x');
    assert.equal(await pe.verifications(), 2n);
    console.log(`    valid: gasUsed ${rc.gasUsed}; invalid: gasUsed ${rc2.gasUsed}`);
  }

  step('nonces and final balances');
  {
    const n = await provider.getTransactionCount(owner.address, 'latest');
    // owner: deploy token, 2 transfers, deploy PointEval, 2 records
    assert.equal(n, ownerNonce0 + 6, 'owner nonce');
    assert.equal(await provider.getTransactionCount(eve.address), eveNonce0 + 1, 'eve nonce (reverted tx still counts)');
    assert.equal(getAddress(deployRc.contractAddress), tokenAddr);
    const end = await provider.getBlockNumber();
    assert.ok(end > startBlock, 'chain advanced');
  }

  provider.destroy();
  console.log(`OK e2e_ethers: all checks passed in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

main().catch((e) => {
  console.error(`FAIL e2e_ethers: ${e.stack || e}`);
  process.exit(1);
});
