//! Settlement transactions the rollup signs: EIP-4844 blob transactions in the network form
//! (`type 3 ‖ rlp([tx_payload_body, blobs, commitments, proofs])`, EIP-4844 "Networking") and
//! EIP-1559 calls to the system contracts.

use alloy_consensus::{EthereumTxEnvelope, SignableTransaction, TxEip1559, TxEip4844, TxEip4844WithSidecar};
use alloy_eips::eip2718::Encodable2718;
use alloy_eips::eip4844::BlobTransactionSidecar;
use alloy_eips::eip7594::BlobTransactionSidecarVariant;
use alloy_primitives::{Address, Bytes, FixedBytes, TxKind, B256, U256};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use gloam_kzg::{kzg_to_versioned_hash, Blob, Bytes48, KzgError, KzgSettings};

/// A transaction in the form `eth_sendRawTransaction` takes on the settlement layer (blob
/// transactions with their sidecar).
pub type NetworkTx = EthereumTxEnvelope<TxEip4844WithSidecar<BlobTransactionSidecarVariant>>;

/// Gas of a blob transaction without calldata (the intrinsic 21,000).
pub const BLOB_TX_GAS: u64 = 21_000;

/// Fee fields of a settlement transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Fees {
    pub max_fee_per_gas: u128,
    pub max_priority_fee_per_gas: u128,
    pub max_fee_per_blob_gas: u128,
}

impl Fees {
    /// Every field doubled (a replacement a pool accepts: geth wants +10%, +100% for blob fees).
    pub fn bumped(self, cap: &Fees) -> Fees {
        Fees {
            max_fee_per_gas: (self.max_fee_per_gas * 2).min(cap.max_fee_per_gas.max(self.max_fee_per_gas)),
            max_priority_fee_per_gas: (self.max_priority_fee_per_gas * 2)
                .min(cap.max_priority_fee_per_gas.max(self.max_priority_fee_per_gas)),
            max_fee_per_blob_gas: (self.max_fee_per_blob_gas * 2)
                .min(cap.max_fee_per_blob_gas.max(self.max_fee_per_blob_gas)),
        }
    }
}

/// Blobs with their KZG commitments, proofs and versioned hashes.
#[derive(Debug, Clone)]
pub struct BlobBundle {
    pub blobs: Vec<Blob>,
    pub commitments: Vec<Bytes48>,
    pub proofs: Vec<Bytes48>,
    pub versioned_hashes: Vec<B256>,
}

impl BlobBundle {
    /// Commits to each blob and computes its blob proof (EIP-4844 `blob_to_kzg_commitment`,
    /// `compute_blob_kzg_proof`) with gloam-kzg, batched over the engine.
    pub fn new(kzg: &KzgSettings, blobs: Vec<Blob>) -> Result<BlobBundle, KzgError> {
        let commitments: Vec<Bytes48> = kzg
            .blob_to_kzg_commitment_batch(&blobs)
            .into_iter()
            .map(|c| c.map(|c| c.to_bytes()))
            .collect::<Result<_, _>>()?;
        let proofs: Vec<Bytes48> = kzg
            .compute_blob_kzg_proof_batch(&blobs, &commitments)?
            .into_iter()
            .map(|p| p.map(|p| p.to_bytes()))
            .collect::<Result<_, _>>()?;
        let versioned_hashes =
            commitments.iter().map(|c| B256::from(kzg_to_versioned_hash(&gloam_kzg::KzgCommitment(c.0)).0)).collect();
        Ok(BlobBundle { blobs, commitments, proofs, versioned_hashes })
    }

    pub fn sidecar(&self) -> BlobTransactionSidecar {
        BlobTransactionSidecar {
            blobs: self.blobs.iter().map(|b| FixedBytes::from_slice(b.as_bytes())).collect(),
            commitments: self.commitments.iter().map(|c| FixedBytes(c.0)).collect(),
            proofs: self.proofs.iter().map(|p| FixedBytes(p.0)).collect(),
        }
    }
}

fn sign<T: SignableTransaction<alloy_primitives::Signature>>(
    signer: &PrivateKeySigner,
    tx: T,
) -> alloy_consensus::Signed<T> {
    let sig = signer.sign_hash_sync(&tx.signature_hash()).expect("local signing cannot fail");
    tx.into_signed(sig)
}

/// A signed blob transaction to `to` carrying `bundle`: (network-form bytes, transaction hash).
pub fn blob_tx(
    signer: &PrivateKeySigner,
    chain_id: u64,
    nonce: u64,
    to: Address,
    bundle: &BlobBundle,
    fees: &Fees,
) -> (Vec<u8>, B256) {
    let tx = TxEip4844 {
        chain_id,
        nonce,
        gas_limit: BLOB_TX_GAS,
        max_fee_per_gas: fees.max_fee_per_gas,
        max_priority_fee_per_gas: fees.max_priority_fee_per_gas,
        to,
        value: U256::ZERO,
        access_list: Default::default(),
        blob_versioned_hashes: bundle.versioned_hashes.clone(),
        max_fee_per_blob_gas: fees.max_fee_per_blob_gas,
        input: Bytes::new(),
    };
    let with = TxEip4844WithSidecar { tx, sidecar: BlobTransactionSidecarVariant::Eip4844(bundle.sidecar()) };
    let signed = sign(signer, with);
    let hash = *signed.hash();
    let env: NetworkTx = EthereumTxEnvelope::Eip4844(signed);
    (env.encoded_2718(), hash)
}

/// A signed EIP-1559 call: (bytes, hash).
pub fn call_tx(
    signer: &PrivateKeySigner,
    chain_id: u64,
    nonce: u64,
    to: Address,
    input: Bytes,
    gas_limit: u64,
    fees: &Fees,
) -> (Vec<u8>, B256) {
    let tx = TxEip1559 {
        chain_id,
        nonce,
        gas_limit,
        max_fee_per_gas: fees.max_fee_per_gas,
        max_priority_fee_per_gas: fees.max_priority_fee_per_gas,
        to: TxKind::Call(to),
        value: U256::ZERO,
        access_list: Default::default(),
        input,
    };
    let signed = sign(signer, tx);
    let hash = *signed.hash();
    let env: NetworkTx = EthereumTxEnvelope::Eip1559(signed);
    (env.encoded_2718(), hash)
}
