//! Sender recovery through the engine's secp256k1 batch (`gloam_sig`), one call per block or
//! per batch of incoming transactions, on the installed [`SigBackend`] (the CPU reference unless
//! the node installed a GPU backend with [`set_backend`]; every backend returns the same
//! per-item results).

use std::sync::{Arc, OnceLock};

use parking_lot::RwLock;

use alloy_consensus::TxEnvelope;
use alloy_primitives::{Address, B256};
use gloam_sig::secp256k1::{EcdsaRule, RecoverItem};
use gloam_sig::{CpuSigBackend, SigBackend};

use crate::exec::RecoveredTx;

/// Below this many transactions the batch runs on the calling thread.
const SERIAL_BELOW: usize = 8;

fn sig65(tx: &TxEnvelope) -> [u8; 65] {
    let sig = tx.signature();
    let mut out = [0u8; 65];
    out[..32].copy_from_slice(&sig.r().to_be_bytes::<32>());
    out[32..64].copy_from_slice(&sig.s().to_be_bytes::<32>());
    out[64] = sig.v() as u8;
    out
}

static BACKEND: OnceLock<RwLock<Arc<dyn SigBackend>>> = OnceLock::new();

fn slot() -> &'static RwLock<Arc<dyn SigBackend>> {
    BACKEND.get_or_init(|| RwLock::new(Arc::new(CpuSigBackend)))
}

/// Sets the backend sender recovery runs on (process-wide; batches already running finish on
/// the previous one). Returns the previous backend.
pub fn set_backend(backend: Arc<dyn SigBackend>) -> Arc<dyn SigBackend> {
    std::mem::replace(&mut *slot().write(), backend)
}

/// The backend in use (the CPU reference by default).
pub fn backend() -> Arc<dyn SigBackend> {
    slot().read().clone()
}

/// Recovers every sender (EIP-2: high-s signatures are invalid). `result[i]` belongs to `txs[i]`.
pub fn recover_senders(txs: &[&TxEnvelope]) -> Vec<Result<Address, String>> {
    let sigs: Vec<[u8; 65]> = txs.iter().map(|t| sig65(t)).collect();
    let hashes: Vec<B256> = if txs.len() < SERIAL_BELOW {
        txs.iter().map(|t| t.signature_hash()).collect()
    } else {
        use rayon::prelude::*;
        txs.par_iter().map(|t| t.signature_hash()).collect()
    };
    let items: Vec<RecoverItem<'_>> =
        hashes.iter().zip(&sigs).map(|(h, s)| RecoverItem { prehash: h.0, signature: s }).collect();
    backend()
        .ecrecover_batch(&items, EcdsaRule::LowSRequired)
        .into_iter()
        .map(|r| r.map(|r| Address::from(r.address)).map_err(|e| format!("invalid sender signature: {e}")))
        .collect()
}

/// Recovers and wraps a list of transactions; the first failure is reported with its index.
pub fn recover_all(txs: Vec<TxEnvelope>) -> Result<Vec<RecoveredTx>, (usize, String)> {
    let senders = recover_senders(&txs.iter().collect::<Vec<_>>());
    txs.into_iter()
        .zip(senders)
        .enumerate()
        .map(|(i, (tx, s))| {
            let sender = s.map_err(|e| (i, e))?;
            let hash = *tx.tx_hash();
            Ok(RecoveredTx { tx, sender, hash })
        })
        .collect()
}
