#!/usr/bin/env python3
"""End-to-end test of a JSON-RPC node with web3.py 8.

    python e2e_web3.py --rpc http://127.0.0.1:8545

Contracts are compiled by the solc-js side (`node compile.mjs --out FILE`; no py-solc-x). The flow:
deploy the ERC-20 from dev account 0 of the standard test mnemonic, transfer, check receipts,
balances, Transfer logs (receipt processing and eth_getLogs with topic filters), revert reasons
(ContractLogicError from eth_call and eth_estimateGas, status-0 receipt for a mined revert), and
the EIP-4844 point-evaluation precompile through PointEval. Exits non-zero on the first failure.
"""

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
import traceback

from eth_account import Account
from web3 import Web3

from checks import check, check_eq
from web3.exceptions import ContractLogicError

HERE = os.path.dirname(os.path.abspath(__file__))
MNEMONIC = "test test test test test test test test test test test junk"

# One valid point-evaluation input from the official KZG vectors:
#   /work/shared/vectors/kzg/verify_kzg_proof/verify_kzg_proof_case_correct_proof_2_3/data.yaml
COMMITMENT = bytes.fromhex(
    "a421e229565952cfff4ef3517100a97da1d4fe57956fa50a442f92af03b1bf37adacc8ad4ed209b31287ea5bb94d9d06"
)
Z = bytes.fromhex("5eb7004fe57383e6c88b99d839937fddf3f99279353aaf8d5c9a75f91ce33c62")
Y = bytes.fromhex("5ee1e9a4a06a02ca6ea14b0ca73415a8ba0fba888f18dde56df499b480d4b9e0")
PROOF = bytes.fromhex(
    "a1fcd37a924af9ec04143b44853c26f6b0738f6e15a3e0755057e7d5460406c7e148adb0e2d608982140d0ae42fe0b3b"
)
BLS_MODULUS = 0x73EDA753299D7D483339D80809A1D80553BDA402FFFE5BFEFFFFFFFF00000001
SUCCESS_OUTPUT = (4096).to_bytes(32, "big") + BLS_MODULUS.to_bytes(32, "big")


def step(msg):
    print(f"--> {msg}", flush=True)


def versioned_hash(commitment):
    return b"\x01" + hashlib.sha256(commitment).digest()[1:]


def compile_contracts():
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "contracts.json")
        subprocess.run(["node", os.path.join(HERE, "compile.mjs"), "--out", out], check=True, cwd=HERE)
        with open(out) as f:
            return json.load(f)


class Chain:
    def __init__(self, w3, chain_id):
        self.w3 = w3
        self.chain_id = chain_id

    def send(self, acct, tx):
        """Fills nonce/fees/gas, signs locally, sends raw, waits for the receipt."""
        w3 = self.w3
        tx = dict(tx)
        tx.setdefault("from", acct.address)
        tx.setdefault("chainId", self.chain_id)
        tx.setdefault("nonce", w3.eth.get_transaction_count(acct.address, "pending"))
        if "gasPrice" not in tx and "maxFeePerGas" not in tx:
            base = w3.eth.get_block("latest")["baseFeePerGas"]
            tx["maxPriorityFeePerGas"] = Web3.to_wei(1, "gwei")
            tx["maxFeePerGas"] = 2 * base + tx["maxPriorityFeePerGas"]
        if "gas" not in tx:
            tx["gas"] = w3.eth.estimate_gas(tx)
        signed = acct.sign_transaction(tx)
        h = w3.eth.send_raw_transaction(signed.raw_transaction)
        check_eq(h, signed.hash, "eth_sendRawTransaction returns the tx hash")
        return w3.eth.wait_for_transaction_receipt(h, timeout=30, poll_latency=0.1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rpc", required=True, help="http://host:port")
    ap.add_argument("--chain-id", type=int, default=1337)
    args = ap.parse_args()
    t0 = time.time()

    step(f"connect {args.rpc}")
    w3 = Web3(Web3.HTTPProvider(args.rpc, request_kwargs={"timeout": 30}))
    check(w3.is_connected(), f"cannot connect to {args.rpc}")
    check_eq(w3.eth.chain_id, args.chain_id, "eth_chainId")
    start_block = w3.eth.block_number
    print(f"    web3.py {__import__('web3').__version__}, chainId {w3.eth.chain_id}, block {start_block}")
    chain = Chain(w3, args.chain_id)

    step("compile contracts (node compile.mjs)")
    art = compile_contracts()
    print(f"    solc {art['_compiler']['solc']}")

    step("dev accounts from the test mnemonic")
    Account.enable_unaudited_hdwallet_features()
    accts = [Account.from_mnemonic(MNEMONIC, account_path=f"m/44'/60'/0'/0/{i}") for i in range(10)]
    check_eq(accts[0].address, "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", "account 0")
    for a in accts:
        check(w3.eth.get_balance(a.address) >= Web3.to_wei(1000, "ether"), f"{a.address} not prefunded")
    owner, alice, bob, eve = accts[0], accts[1], accts[2], accts[8]

    step("plain ETH transfer (legacy gasPrice)")
    before = w3.eth.get_balance(bob.address)
    rc = chain.send(alice, {"to": bob.address, "value": 12345, "gas": 21000, "gasPrice": w3.eth.gas_price})
    check_eq(rc["status"], 1, "status")
    check_eq(rc["gasUsed"], 21000, "gasUsed")
    check_eq(w3.eth.get_balance(bob.address), before + 12345, "recipient balance")
    tx = w3.eth.get_transaction(rc["transactionHash"])
    check_eq(tx["value"], 12345, "eth_getTransactionByHash value")
    check_eq(tx["type"], 0, "legacy tx type")

    step("deploy GloamToken")
    supply = 10**6 * 10**18
    Token = w3.eth.contract(abi=art["GloamToken"]["abi"], bytecode=art["GloamToken"]["bytecode"])
    rc = chain.send(owner, Token.constructor("Gloam Token", "GLM", supply).build_transaction({"from": owner.address}))
    check_eq(rc["status"], 1, "deploy status")
    token_addr = rc["contractAddress"]
    check(token_addr is not None, "receipt has contractAddress")
    check_eq(
        "0x" + w3.eth.get_code(token_addr).hex().removeprefix("0x"),
        art["GloamToken"]["deployedBytecode"],
        "eth_getCode",
    )
    token = w3.eth.contract(address=token_addr, abi=art["GloamToken"]["abi"])
    check_eq(token.functions.totalSupply().call(), supply, "totalSupply")
    check_eq(token.functions.symbol().call(), "GLM", "symbol")
    deploy_block = rc["blockNumber"]
    print(f"    token at {token_addr}, gasUsed {rc['gasUsed']}")

    step("ERC-20 transfer, receipt, Transfer event")
    amount = 777 * 10**18
    rc = chain.send(owner, token.functions.transfer(alice.address, amount).build_transaction({"from": owner.address}))
    check_eq(rc["status"], 1, "transfer status")
    events = token.events.Transfer().process_receipt(rc)
    check_eq(len(events), 1, "Transfer events in receipt")
    check_eq(events[0]["args"]["from"], owner.address, "event from")
    check_eq(events[0]["args"]["to"], alice.address, "event to")
    check_eq(events[0]["args"]["value"], amount, "event value")
    check_eq(events[0]["address"], token_addr, "event address")
    check_eq(token.functions.balanceOf(alice.address).call(), amount, "alice balance")
    check_eq(token.functions.balanceOf(owner.address).call(), supply - amount, "owner balance")
    rc2 = chain.send(alice, token.functions.transfer(bob.address, 7).build_transaction({"from": alice.address}))
    check_eq(rc2["status"], 1, "second transfer status")
    check_eq(token.functions.balanceOf(bob.address).call(), 7, "bob balance")

    step("eth_getLogs")
    logs = token.events.Transfer().get_logs(from_block=deploy_block)
    check_eq(len(logs), 3, "Transfer logs since deploy (mint + 2 transfers)")
    check_eq(logs[0]["args"]["from"], "0x0000000000000000000000000000000000000000", "mint")
    check_eq(logs[1]["transactionHash"], rc["transactionHash"], "log order / tx hash")
    check_eq(logs[2]["args"]["value"], 7, "third log value")
    only_bob = token.events.Transfer().get_logs(from_block=deploy_block, argument_filters={"to": bob.address})
    check_eq(len(only_bob), 1, "argument-filtered logs")
    raw = w3.eth.get_logs({"address": token_addr, "fromBlock": deploy_block, "toBlock": "latest"})
    check_eq(len(raw), 3, "raw eth_getLogs")
    check_eq(int.from_bytes(raw[1]["data"], "big"), amount, "raw log data")

    step("revert reasons (ContractLogicError)")
    for what, fn in [
        ("eth_call", lambda: token.functions.transfer(owner.address, 1).call({"from": eve.address})),
        ("eth_estimateGas", lambda: token.functions.transfer(owner.address, 1).estimate_gas({"from": eve.address})),
        ("eth_call transferFrom", lambda: token.functions.transferFrom(owner.address, eve.address, 1).call({"from": eve.address})),
    ]:
        want = "ERC20: insufficient allowance" if "transferFrom" in what else "ERC20: insufficient balance"
        try:
            fn()
        except ContractLogicError as e:
            check(want in str(e.message), f"{what}: message {e.message!r} lacks {want!r}")
            check_eq(e.message, f"execution reverted: {want}", f"{what}: message")
            data = e.data if isinstance(e.data, str) else None
            check(data is not None and data.startswith("0x08c379a0"), f"{what}: revert data {e.data!r}")
        else:
            raise AssertionError(f"{what}: expected ContractLogicError")

    step("mined revert has status 0")
    nonce = w3.eth.get_transaction_count(eve.address)
    rc = chain.send(eve, token.functions.transfer(owner.address, 1).build_transaction({"from": eve.address, "gas": 100_000}))
    check_eq(rc["status"], 0, "reverted tx status")
    check_eq(len(rc["logs"]), 0, "reverted tx logs")
    check_eq(w3.eth.get_transaction_count(eve.address), nonce + 1, "nonce bumped by a reverted tx")
    check_eq(token.functions.balanceOf(owner.address).call(), supply - amount, "no state change")

    step("point evaluation precompile through PointEval")
    PE = w3.eth.contract(abi=art["PointEval"]["abi"], bytecode=art["PointEval"]["bytecode"])
    rc = chain.send(owner, PE.constructor().build_transaction({"from": owner.address}))
    check_eq(rc["status"], 1, "PointEval deploy")
    pe = w3.eth.contract(address=rc["contractAddress"], abi=art["PointEval"]["abi"])
    vh = versioned_hash(COMMITMENT)
    ok, out = pe.functions.check(vh, Z, Y, COMMITMENT, PROOF).call()
    check_eq(ok, True, "valid proof")
    check_eq(bytes(out), SUCCESS_OUTPUT, "precompile output")
    bad = bytearray(PROOF)
    bad[47] ^= 1
    ok, out = pe.functions.check(vh, Z, Y, COMMITMENT, bytes(bad)).call()
    check_eq((ok, bytes(out)), (False, b""), "flipped proof byte")
    rc = chain.send(owner, pe.functions.record(vh, Z, Y, COMMITMENT, PROOF).build_transaction({"from": owner.address}))
    check_eq(rc["status"], 1, "record tx")
    ev = pe.events.Evaluated().process_receipt(rc)
    check_eq((ev[0]["args"]["ok"], bytes(ev[0]["args"]["output"])), (True, SUCCESS_OUTPUT), "Evaluated event")
    check_eq(pe.functions.lastOk().call(), True, "lastOk")

    print(f"OK e2e_web3: all checks passed in {time.time() - t0:.1f} s")


if __name__ == "__main__":
    try:
        main()
    except Exception:
        traceback.print_exc()
        print("FAIL e2e_web3", file=sys.stderr)
        sys.exit(1)
