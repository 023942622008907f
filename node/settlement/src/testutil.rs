//! Builders for tests and benchmarks: blobs with their commitments and proofs, signed blob
//! transactions in network form, system-call calldata. Keys: the dev mnemonic
//! (`gloam_evm::dev_signer`) or any `PrivateKeySigner`.

use alloy_consensus::{SignableTransaction, TxEip1559, TxEip4844, TxEip4844WithSidecar, TxEnvelope};
use alloy_eips::eip2718::Encodable2718;
use alloy_eips::eip4844::{Blob as AlloyBlob, BlobTransactionSidecar};
use alloy_eips::eip7594::BlobTransactionSidecarEip7594;
use alloy_primitives::{Address, Bytes, FixedBytes, Signature, TxKind, B256, U256};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use gloam_kzg::{kzg_to_versioned_hash, Blob, KzgSettings};

use crate::params::*;
use crate::types::{NetTx, Sidecar};

/// Default fee caps of test transactions: 100 gwei fee cap, 1 gwei tip, 1 gwei per blob gas.
pub const TEST_MAX_FEE: u128 = 100_000_000_000;
pub const TEST_TIP: u128 = 1_000_000_000;
pub const TEST_BLOB_FEE: u128 = 1_000_000_000;

/// A deterministic valid blob: every field element's top byte is zero (so it is canonical).
pub fn test_blob(seed: u64) -> Blob {
    let mut b = Blob::zero();
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    for (i, chunk) in b.as_bytes_mut().chunks_exact_mut(32).enumerate() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        chunk[0] = 0;
        chunk[1..9].copy_from_slice(&x.to_be_bytes());
        chunk[9..17].copy_from_slice(&(x ^ i as u64).to_be_bytes());
    }
    b
}

/// One blob with its commitment, proof and versioned hash.
#[derive(Clone)]
pub struct BlobItem {
    pub blob: Blob,
    pub commitment: [u8; 48],
    pub proof: [u8; 48],
    pub versioned_hash: B256,
}

/// Commitments and proofs for blobs (through the given settings, batched).
pub fn blob_items(kzg: &KzgSettings, blobs: Vec<Blob>) -> Vec<BlobItem> {
    let commitments = kzg.blob_to_kzg_commitment_batch(&blobs);
    let commitments: Vec<gloam_kzg::KzgCommitment> =
        commitments.into_iter().map(|c| c.expect("valid test blob")).collect();
    let c48: Vec<gloam_kzg::Bytes48> = commitments.iter().map(|c| c.to_bytes()).collect();
    let proofs = kzg.compute_blob_kzg_proof_batch(&blobs, &c48).expect("lengths match");
    blobs
        .into_iter()
        .zip(commitments)
        .zip(proofs)
        .map(|((blob, c), p)| {
            let p = p.expect("valid test blob");
            BlobItem { blob, commitment: c.0, proof: p.0, versioned_hash: B256::from(kzg_to_versioned_hash(&c).0) }
        })
        .collect()
}

pub fn sidecar(items: &[BlobItem]) -> BlobTransactionSidecar {
    BlobTransactionSidecar {
        blobs: items.iter().map(|i| AlloyBlob::from_slice(i.blob.as_bytes())).collect(),
        commitments: items.iter().map(|i| FixedBytes::<48>::from(i.commitment)).collect(),
        proofs: items.iter().map(|i| FixedBytes::<48>::from(i.proof)).collect(),
    }
}

/// The 128 cell proofs of each item's blob (gloam-kzg's FK20, batched).
pub fn cell_proofs(kzg: &KzgSettings, items: &[BlobItem]) -> Vec<Vec<FixedBytes<48>>> {
    let blobs: Vec<Blob> = items.iter().map(|i| i.blob.clone()).collect();
    kzg.compute_cells_and_kzg_proofs_batch(&blobs)
        .into_iter()
        .map(|r| r.expect("valid test blob").1.iter().map(|p| FixedBytes::<48>::from(p.0)).collect())
        .collect()
}

/// The EIP-7594 sidecar of `items`, with `cell_proofs[i]` (128 each, flattened in blob order).
pub fn sidecar_7594(items: &[BlobItem], cell_proofs: &[Vec<FixedBytes<48>>]) -> BlobTransactionSidecarEip7594 {
    BlobTransactionSidecarEip7594 {
        blobs: items.iter().map(|i| AlloyBlob::from_slice(i.blob.as_bytes())).collect(),
        commitments: items.iter().map(|i| FixedBytes::<48>::from(i.commitment)).collect(),
        cell_proofs: cell_proofs.iter().flatten().copied().collect(),
    }
}

/// A valid blob transaction carrying `items` in the EIP-7594 network form.
pub fn blob_tx_7594(
    signer: &PrivateKeySigner,
    chain_id: u64,
    nonce: u64,
    to: Address,
    items: &[BlobItem],
    cell_proofs: &[Vec<FixedBytes<48>>],
) -> NetTx {
    sign_blob_tx(signer, blob_tx_body(chain_id, nonce, to, items), sidecar_7594(items, cell_proofs))
}

/// The unsigned blob transaction for `items`.
pub fn blob_tx_body(chain_id: u64, nonce: u64, to: Address, items: &[BlobItem]) -> TxEip4844 {
    TxEip4844 {
        chain_id,
        nonce,
        gas_limit: 21_000,
        max_fee_per_gas: TEST_MAX_FEE,
        max_priority_fee_per_gas: TEST_TIP,
        to,
        value: U256::ZERO,
        access_list: Default::default(),
        blob_versioned_hashes: items.iter().map(|i| i.versioned_hash).collect(),
        max_fee_per_blob_gas: TEST_BLOB_FEE,
        input: Bytes::new(),
    }
}

/// Signs a blob transaction body and attaches a sidecar of either form (which may deliberately
/// not match).
pub fn sign_blob_tx(signer: &PrivateKeySigner, tx: TxEip4844, sidecar: impl Into<Sidecar>) -> NetTx {
    let sig: Signature = signer.sign_hash_sync(&tx.signature_hash()).expect("local signing");
    let signed = tx.into_signed(sig);
    let (tx, sig, hash) = signed.into_parts();
    NetTx::Eip4844(alloy_consensus::Signed::new_unchecked(
        TxEip4844WithSidecar::from_tx_and_sidecar(tx, sidecar.into()),
        sig,
        hash,
    ))
}

/// A valid blob transaction to `to` carrying `items`, in network form.
pub fn blob_tx(signer: &PrivateKeySigner, chain_id: u64, nonce: u64, to: Address, items: &[BlobItem]) -> NetTx {
    sign_blob_tx(signer, blob_tx_body(chain_id, nonce, to, items), sidecar(items))
}

/// Network-form bytes (what `eth_sendRawTransaction` takes).
pub fn encode_net(tx: &NetTx) -> Vec<u8> {
    tx.encoded_2718()
}

/// An EIP-1559 call (system calls, transfers with data).
pub fn call(
    signer: &PrivateKeySigner,
    chain_id: u64,
    nonce: u64,
    to: Address,
    value: U256,
    input: Vec<u8>,
    gas_limit: u64,
) -> TxEnvelope {
    let tx = TxEip1559 {
        chain_id,
        nonce,
        gas_limit,
        max_fee_per_gas: TEST_MAX_FEE,
        max_priority_fee_per_gas: TEST_TIP,
        to: TxKind::Call(to),
        value,
        access_list: Default::default(),
        input: input.into(),
    };
    let sig = signer.sign_hash_sync(&tx.signature_hash()).expect("local signing");
    tx.into_signed(sig).into()
}

fn word_u64(x: u64) -> [u8; 32] {
    U256::from(x).to_be_bytes::<32>()
}

pub fn stake_input() -> Vec<u8> {
    selector(SIG_STAKE).to_vec()
}

pub fn unstake_input(amount: U256) -> Vec<u8> {
    let mut v = selector(SIG_UNSTAKE).to_vec();
    v.extend(amount.to_be_bytes::<32>());
    v
}

pub fn propose_output_input(env_id: u64, l2: u64, root: B256) -> Vec<u8> {
    let mut v = selector(SIG_PROPOSE_OUTPUT).to_vec();
    v.extend(word_u64(env_id));
    v.extend(word_u64(l2));
    v.extend(root.0);
    v
}

pub fn dispute_input(env_id: u64, l2: u64, posted: B256, computed: B256) -> Vec<u8> {
    let mut v = selector(SIG_DISPUTE).to_vec();
    v.extend(word_u64(env_id));
    v.extend(word_u64(l2));
    v.extend(posted.0);
    v.extend(computed.0);
    v
}

/// ABI calldata of `registerValidator(bytes32,bytes,bytes,string)` (see
/// [`crate::exec::register_calldata`]).
pub fn register_input(identity: B256, bls_public: &[u8], bls_pop: &[u8], endpoint: &str) -> Vec<u8> {
    crate::exec::register_calldata(identity, bls_public, bls_pop, endpoint)
}

/// Placeholder consensus keys for ledger tests (sizes right, not valid curve points: the
/// settlement chain checks only sizes and the endpoint; the node checks the keys).
pub fn fake_keys(i: u8) -> crate::types::ValidatorKeys {
    crate::types::ValidatorKeys {
        identity: B256::repeat_byte(i),
        bls_public: vec![i; 48].into(),
        bls_pop: vec![i; 96].into(),
        endpoint: format!("127.0.0.1:{}", 9000 + i as u16).into_bytes().into(),
    }
}
