#!/usr/bin/env python3
"""End-to-end blob test of the gloam settlement chain with web3.py 8 and eth-account (ckzg).

    python e2e_blob.py http://127.0.0.1:PORT

Dev account 1 of the standard test mnemonic signs an EIP-4844 transaction carrying one blob to
BATCH_INBOX with eth-account (commitment via ckzg); the EIP-7594 wrapper eth-account 0.14 emits
is rewrapped into the EIP-4844 network form (blob proofs from ckzg) and sent with web3.py's
eth_sendRawTransaction. The script waits for the receipt, checks its blob fields, then
reads the blob back with gloam_getBlobByVersionedHash and gloam_getBlobSidecars and compares the
bytes. Exits non-zero on the first failure.
"""

import hashlib
import sys
import traceback

import ckzg
import rlp
from eth_account import Account
from eth_account.typed_transactions.base import TRUSTED_SETUP
from web3 import Web3

MNEMONIC = "test test test test test test test test test test test junk"
BATCH_INBOX = Web3.to_checksum_address("0x5e77000000000000000000000000000000000004")
BYTES_PER_BLOB = 131072


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def check_eq(got, want, what):
    if got != want:
        raise AssertionError(f"{what}: got {got!r}, want {want!r}")


def make_blob():
    # 4096 field elements; the top byte of each is zero so each is canonical.
    out = bytearray()
    for i in range(4096):
        word = hashlib.sha256(b"gloam-e2e-blob" + i.to_bytes(4, "big")).digest()
        out += b"\x00" + word[1:]
    check_eq(len(out), BYTES_PER_BLOB, "blob size")
    return bytes(out)


def to_eip4844_network_form(raw):
    """eth-account 0.14 emits the EIP-7594 pooled form
    rlp([tx_payload_body, wrapper_version, blobs, commitments, cell_proofs]); the settlement chain
    takes the EIP-4844 form rlp([tx_payload_body, blobs, commitments, proofs]) (blob proofs, one
    per blob). The signature covers only tx_payload_body, so the wrapper can be rebuilt: the blob
    proofs are computed with ckzg (the library eth-account uses) and checked before sending."""
    check_eq(raw[0], 3, "blob transaction type")
    body, version, blobs, commitments, _cell_proofs = rlp.decode(raw[1:])
    check_eq(version, b"\x01", "EIP-7594 wrapper version")
    ts = ckzg.load_trusted_setup(TRUSTED_SETUP, 0)
    proofs = [ckzg.compute_blob_kzg_proof(b, c, ts) for b, c in zip(blobs, commitments)]
    for b, c, p in zip(blobs, commitments, proofs):
        check(ckzg.verify_blob_kzg_proof(b, c, p, ts), "ckzg verifies its own blob proof")
    return b"\x03" + rlp.encode([body, blobs, commitments, proofs])


def main(rpc):
    Account.enable_unaudited_hdwallet_features()
    acct = Account.from_mnemonic(MNEMONIC, account_path="m/44'/60'/0'/0/1")
    w3 = Web3(Web3.HTTPProvider(rpc, request_kwargs={"timeout": 60}))
    check(w3.is_connected(), f"connect to {rpc}")
    chain_id = w3.eth.chain_id
    check_eq(chain_id, 1338, "settlement dev chain id")
    print(f"--> connected: chain {chain_id}, block {w3.eth.block_number}, client {w3.client_version}", flush=True)

    blob = make_blob()
    latest = w3.eth.get_block("latest")
    base_fee = latest["baseFeePerGas"]
    tip = w3.eth.max_priority_fee
    blob_fee = int(w3.provider.make_request("eth_blobBaseFee", [])["result"], 16)
    nonce = w3.eth.get_transaction_count(acct.address, "pending")
    tx = {
        "type": 3,
        "chainId": chain_id,
        "nonce": nonce,
        "to": BATCH_INBOX,
        "value": 0,
        "gas": 21000,
        "maxFeePerGas": 2 * base_fee + tip,
        "maxPriorityFeePerGas": tip,
        "maxFeePerBlobGas": max(2 * blob_fee, 10**9),
    }
    signed = acct.sign_transaction(tx, blobs=[blob])
    raw = to_eip4844_network_form(bytes(signed.raw_transaction))
    print(f"--> sending a 1-blob transaction ({len(raw)} bytes in network form)", flush=True)
    tx_hash = w3.eth.send_raw_transaction(raw)
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=60, poll_latency=0.2)
    check_eq(receipt["status"], 1, "receipt status")
    check_eq(receipt["type"], 3, "receipt type")
    check_eq(receipt["blobGasUsed"], 131072, "blobGasUsed")
    check(receipt["blobGasPrice"] >= 1, "blobGasPrice")
    mined = w3.eth.get_transaction(tx_hash)
    hashes = [bytes(h) for h in mined["blobVersionedHashes"]]
    check_eq(len(hashes), 1, "one versioned hash")
    vh = "0x" + hashes[0].hex()
    print(f"--> mined in block {receipt['blockNumber']}, versioned hash {vh}", flush=True)

    got = w3.provider.make_request("gloam_getBlobByVersionedHash", [vh])
    check("result" in got and got["result"] is not None, f"gloam_getBlobByVersionedHash: {got.get('error')}")
    r = got["result"]
    check_eq(bytes.fromhex(r["blob"][2:]), blob, "blob bytes read back")
    commitment = bytes.fromhex(r["commitment"][2:])
    check_eq(b"\x01" + hashlib.sha256(commitment).digest()[1:], hashes[0], "versioned hash of the commitment")
    check_eq(int(r["blockNumber"], 16), receipt["blockNumber"], "blob blockNumber")
    check_eq(r["txHash"].lower(), "0x" + bytes(tx_hash).hex(), "blob txHash")

    side = w3.provider.make_request("gloam_getBlobSidecars", [hex(receipt["blockNumber"])])["result"]
    check_eq([s["versionedHash"] for s in side], [vh], "gloam_getBlobSidecars")
    check_eq(bytes.fromhex(side[0]["blob"][2:]), blob, "sidecar blob bytes")
    print("OK: blob transaction sent with web3.py, mined, and read back byte for byte", flush=True)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__)
        sys.exit(2)
    try:
        main(sys.argv[1])
    except Exception:
        traceback.print_exc()
        sys.exit(1)
