//! The blob transaction's network form and hashes, checked against independent computations
//! (alloy-eips' own versioned-hash code, the canonical EIP-2718 form, known KZG values).

mod common;

use alloy_consensus::{Signed, Transaction, TxEip4844Variant, TxEnvelope};
use alloy_eips::eip2718::{Decodable2718, Encodable2718};
use alloy_primitives::{keccak256, B256};
use gloam_kzg::Blob;
use gloam_rollup::abi;
use gloam_rollup::tx::{blob_tx, call_tx, BlobBundle, Fees, NetworkTx};

const FEES: Fees =
    Fees { max_fee_per_gas: 3_000_000_000, max_priority_fee_per_gas: 1_000_000_000, max_fee_per_blob_gas: 7 };

#[test]
fn blob_transaction_network_form() {
    let k = common::kzg();
    let mut b = Blob::zero();
    b.as_bytes_mut()[1] = 5; // a non-zero blob next to the zero one
    let bundle = BlobBundle::new(&k, vec![Blob::zero(), b]).unwrap();
    // The zero polynomial commits to the point at infinity (0xc0 ‖ 47 zero bytes), and so does
    // its proof (consensus-specs test vectors).
    let mut inf = [0u8; 48];
    inf[0] = 0xc0;
    assert_eq!(bundle.commitments[0].0, inf);
    assert_eq!(bundle.proofs[0].0, inf);
    assert_ne!(bundle.commitments[1].0, inf);
    assert!(k.verify_blob_kzg_proof(&bundle.blobs[1], &bundle.commitments[1], &bundle.proofs[1]).unwrap());
    // alloy-eips computes the versioned hashes from the sidecar on its own.
    let sc = bundle.sidecar();
    let alloy_hashes: Vec<B256> = sc.versioned_hashes().collect();
    assert_eq!(alloy_hashes, bundle.versioned_hashes);
    assert!(bundle.versioned_hashes.iter().all(|h| h[0] == 0x01));

    let key = common::batcher_key();
    let (raw, hash) = blob_tx(&key, abi::SETTLEMENT_DEV_CHAIN_ID, 4, abi::BATCH_INBOX, &bundle, &FEES);
    let (raw2, hash2) = blob_tx(&key, abi::SETTLEMENT_DEV_CHAIN_ID, 4, abi::BATCH_INBOX, &bundle, &FEES);
    assert_eq!((raw.clone(), hash), (raw2, hash2), "signing is deterministic (restarts re-send the same bytes)");
    // type 3 ‖ rlp([tx_payload_body, blobs, commitments, proofs]) (EIP-4844, Networking).
    assert_eq!(raw[0], 3);
    let mut body = &raw[1..];
    let outer = alloy_rlp::Header::decode(&mut body).unwrap();
    assert!(outer.list && outer.payload_length == body.len());
    let mut items = 0;
    while !body.is_empty() {
        let h = alloy_rlp::Header::decode(&mut body).unwrap();
        assert!(h.list);
        body = &body[h.payload_length..];
        items += 1;
    }
    assert_eq!(items, 4);

    let env = NetworkTx::decode_2718_exact(&raw).unwrap();
    let alloy_consensus::EthereumTxEnvelope::Eip4844(signed) = env else { panic!("type 3") };
    assert_eq!(signed.recover_signer_from_prehash(), key.address());
    let tx = signed.tx().tx.clone();
    assert_eq!((tx.nonce, tx.to, tx.chain_id, tx.max_fee_per_blob_gas), (4, abi::BATCH_INBOX, 1338, 7));
    assert_eq!(tx.blob_versioned_hashes, bundle.versioned_hashes);
    assert!(tx.input.is_empty());
    // The hash is that of the canonical form (without the sidecar), which gloam-evm's decoder
    // (plain `TxEnvelope`) reads.
    let canonical = TxEnvelope::Eip4844(Signed::new_unhashed(TxEip4844Variant::TxEip4844(tx), *signed.signature()));
    let bytes = canonical.encoded_2718();
    assert_eq!(keccak256(&bytes), hash);
    assert_eq!(
        TxEnvelope::decode_2718_exact(&bytes).unwrap().blob_versioned_hashes().unwrap(),
        &bundle.versioned_hashes[..]
    );

    // The output proposal: a plain EIP-1559 call.
    let (raw, hash) = call_tx(
        &key,
        1338,
        5,
        abi::OUTPUT_ORACLE,
        abi::propose_output_calldata(1, 9, B256::repeat_byte(1)),
        200_000,
        &FEES,
    );
    let t = TxEnvelope::decode_2718_exact(&raw).unwrap();
    assert_eq!(*t.tx_hash(), hash);
    assert_eq!(abi::decode_propose_output(t.input()), Some((1, 9, B256::repeat_byte(1))));
}

trait Recover {
    fn recover_signer_from_prehash(&self) -> alloy_primitives::Address;
}

impl<T: alloy_consensus::SignableTransaction<alloy_primitives::Signature>> Recover for Signed<T> {
    fn recover_signer_from_prehash(&self) -> alloy_primitives::Address {
        self.signature().recover_address_from_prehash(&self.signature_hash()).unwrap()
    }
}
