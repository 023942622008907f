#!/usr/bin/env python3
"""End-to-end blob test of the gloam settlement chain with web3.py 8 and eth-account (ckzg).

    python e2e_blob.py http://127.0.0.1:PORT

1. Dev account 1 of the standard test mnemonic signs a blob transaction carrying one blob to
   BATCH_INBOX with eth-account and sends `signed.raw_transaction` UNMODIFIED with web3.py's
   eth_sendRawTransaction. eth-account 0.14 emits the EIP-7594 network form (wrapper version 1,
   128 cell proofs per blob, from ckzg). The script waits for the receipt, checks its blob
   fields, then reads the blob back with gloam_getBlobByVersionedHash and gloam_getBlobSidecars
   and compares the blob bytes, the commitment and the 128 cell proofs with what was sent
   (`proof` is null for this form).
2. A second transaction, labelled "EIP-4844 FORM (re-wrapped)": the same signing, then the
   wrapper rebuilt into the EIP-4844 network form (one blob proof per blob, from ckzg) — only
   to test that the older form is still accepted and served with its `proof`; tooling does not
   need this step.
Exits non-zero on the first failure.
"""

import hashlib
import sys
import traceback

import ckzg
import rlp
from eth_account import Account
from eth_account.typed_transactions.base import TRUSTED_SETUP
from web3 import Web3

from checks import check, check_eq

MNEMONIC = "test test test test test test test test test test test junk"
BATCH_INBOX = Web3.to_checksum_address("0x5e77000000000000000000000000000000000004")
BYTES_PER_BLOB = 131072


def make_blob(tag):
    # 4096 field elements; the top byte of each is zero so each is canonical.
    out = bytearray()
    for i in range(4096):
        word = hashlib.sha256(tag + i.to_bytes(4, "big")).digest()
        out += b"\x00" + word[1:]
    check_eq(len(out), BYTES_PER_BLOB, "blob size")
    return bytes(out)


def to_eip4844_network_form(raw):
    """Test-only re-wrap for the second transaction (the EIP-4844 form): eth-account 0.14 emits
    rlp([tx_payload_body, wrapper_version, blobs, commitments, cell_proofs]); the EIP-4844 form is
    rlp([tx_payload_body, blobs, commitments, proofs]). The signature covers only
    tx_payload_body, so the wrapper can be rebuilt with blob proofs computed by ckzg."""
    check_eq(raw[0], 3, "blob transaction type")
    body, version, blobs, commitments, _cell_proofs = rlp.decode(raw[1:])
    check_eq(version, b"\x01", "EIP-7594 wrapper version")
    ts = ckzg.load_trusted_setup(TRUSTED_SETUP, 0)
    proofs = [ckzg.compute_blob_kzg_proof(b, c, ts) for b, c in zip(blobs, commitments)]
    for b, c, p in zip(blobs, commitments, proofs):
        check(ckzg.verify_blob_kzg_proof(b, c, p, ts), "ckzg verifies its own blob proof")
    return b"\x03" + rlp.encode([body, blobs, commitments, proofs]), proofs


def send_and_read_back(w3, acct, blob, raw, label):
    """Sends raw bytes, waits for the receipt, reads the blob back; returns (record, sidecars)."""
    print(f"--> [{label}] sending a 1-blob transaction ({len(raw)} bytes)", flush=True)
    tx_hash = w3.eth.send_raw_transaction(raw)
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=60, poll_latency=0.2)
    check_eq(receipt["status"], 1, f"[{label}] receipt status")
    check_eq(receipt["type"], 3, f"[{label}] receipt type")
    check_eq(receipt["blobGasUsed"], 131072, f"[{label}] blobGasUsed")
    check(receipt["blobGasPrice"] >= 1, f"[{label}] blobGasPrice")
    mined = w3.eth.get_transaction(tx_hash)
    check_eq(mined["from"], acct.address, f"[{label}] sender")
    hashes = [bytes(h) for h in mined["blobVersionedHashes"]]
    check_eq(len(hashes), 1, f"[{label}] one versioned hash")
    vh = "0x" + hashes[0].hex()
    print(f"--> [{label}] mined in block {receipt['blockNumber']}, versioned hash {vh}", flush=True)

    got = w3.provider.make_request("gloam_getBlobByVersionedHash", [vh])
    check("result" in got and got["result"] is not None, f"gloam_getBlobByVersionedHash: {got.get('error')}")
    r = got["result"]
    check_eq(bytes.fromhex(r["blob"][2:]), blob, f"[{label}] blob bytes read back")
    commitment = bytes.fromhex(r["commitment"][2:])
    check_eq(b"\x01" + hashlib.sha256(commitment).digest()[1:], hashes[0], f"[{label}] versioned hash of the commitment")
    check_eq(int(r["blockNumber"], 16), receipt["blockNumber"], f"[{label}] blob blockNumber")
    check_eq(r["txHash"].lower(), "0x" + bytes(tx_hash).hex(), f"[{label}] blob txHash")

    side = w3.provider.make_request("gloam_getBlobSidecars", [hex(receipt["blockNumber"])])["result"]
    mine = [s for s in side if s["versionedHash"] == vh]
    check_eq(len(mine), 1, f"[{label}] gloam_getBlobSidecars lists the blob")
    check_eq(bytes.fromhex(mine[0]["blob"][2:]), blob, f"[{label}] sidecar blob bytes")
    return r, mine[0]


def main(rpc):
    Account.enable_unaudited_hdwallet_features()
    acct = Account.from_mnemonic(MNEMONIC, account_path="m/44'/60'/0'/0/1")
    w3 = Web3(Web3.HTTPProvider(rpc, request_kwargs={"timeout": 60}))
    check(w3.is_connected(), f"connect to {rpc}")
    chain_id = w3.eth.chain_id
    check_eq(chain_id, 1338, "settlement dev chain id")
    print(f"--> connected: chain {chain_id}, block {w3.eth.block_number}, client {w3.client_version}", flush=True)

    def sign(blob):
        latest = w3.eth.get_block("latest")
        base_fee = latest["baseFeePerGas"]
        tip = w3.eth.max_priority_fee
        blob_fee = int(w3.provider.make_request("eth_blobBaseFee", [])["result"], 16)
        tx = {
            "type": 3,
            "chainId": chain_id,
            "nonce": w3.eth.get_transaction_count(acct.address, "pending"),
            "to": BATCH_INBOX,
            "value": 0,
            "gas": 21000,
            "maxFeePerGas": 2 * base_fee + tip,
            "maxPriorityFeePerGas": tip,
            "maxFeePerBlobGas": max(2 * blob_fee, 10**9),
        }
        return bytes(acct.sign_transaction(tx, blobs=[blob]).raw_transaction)

    # 1. Exactly what eth-account signs (the EIP-7594 form), sent as is.
    blob = make_blob(b"gloam-e2e-blob")
    raw = sign(blob)
    _body, version, _blobs, commitments, cell_proofs = rlp.decode(raw[1:])
    check_eq(version, b"\x01", "eth-account emits the EIP-7594 wrapper (version 1)")
    check_eq(len(cell_proofs), 128, "128 cell proofs for one blob")
    r, side = send_and_read_back(w3, acct, blob, raw, "EIP-7594 form, unmodified")
    check_eq(bytes.fromhex(r["commitment"][2:]), bytes(commitments[0]), "commitment read back")
    check(r["proof"] is None, f"proof is null for the cell-proof form: {r['proof']!r}")
    check_eq([bytes.fromhex(p[2:]) for p in r["cellProofs"]], [bytes(p) for p in cell_proofs], "cell proofs read back")
    check_eq(side["cellProofs"], r["cellProofs"], "gloam_getBlobSidecars cellProofs")
    print("OK: blob transaction sent with web3.py exactly as eth-account signed it (EIP-7594), mined, "
          "and read back byte for byte", flush=True)

    # 2. EIP-4844 FORM (re-wrapped): test-only, to check the older form still works.
    blob2 = make_blob(b"gloam-e2e-blob-4844")
    raw2, proofs = to_eip4844_network_form(sign(blob2))
    r2, _ = send_and_read_back(w3, acct, blob2, raw2, "EIP-4844 form, re-wrapped for this test")
    check_eq(bytes.fromhex(r2["proof"][2:]), bytes(proofs[0]), "blob proof read back")
    check("cellProofs" not in r2, "no cellProofs for the EIP-4844 form")
    print("OK: EIP-4844-form blob transaction (re-wrapped for this test) mined and read back", flush=True)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__)
        sys.exit(2)
    try:
        main(sys.argv[1])
    except Exception:
        traceback.print_exc()
        sys.exit(1)
