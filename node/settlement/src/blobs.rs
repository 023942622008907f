//! Blob sidecar validation: cheap structural checks first, then batched KZG verification over
//! every blob not verified before — ONE `verify_blob_kzg_proof_batch` for the EIP-4844 sidecars'
//! blobs and ONE `verify_cell_kzg_proof_batch` (after computing each blob's 128 cells) for the
//! EIP-7594 sidecars' blobs — with a cache of verified (blob, commitment, proof(s)) so a blob
//! checked at pool entry is not checked again at block validation.

use std::collections::{HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use alloy_consensus::{Transaction, TxEnvelope};
use alloy_primitives::{keccak256, FixedBytes, B256};
use gloam_kzg::{kzg_to_versioned_hash, Blob, Bytes48, KzgCommitment, KzgSettings, SetupOptions, CELLS_PER_EXT_BLOB};
use parking_lot::Mutex;

use crate::error::BlobError;
use crate::params::{MAX_BLOBS_PER_TX, VERSIONED_HASH_VERSION_KZG};
use crate::types::Sidecar;

/// Counters (tests assert on them; `gloam node` can show them).
#[derive(Debug, Default)]
pub struct KzgStats {
    /// Batched verification calls of either form (`verify_blob_kzg_proof_batch` and
    /// `verify_cell_kzg_proof_batch`).
    pub batch_calls: AtomicU64,
    /// Blobs passed to those calls.
    pub blobs_verified: AtomicU64,
    /// Of `batch_calls`, the `verify_cell_kzg_proof_batch` calls (EIP-7594 sidecars).
    pub cell_batch_calls: AtomicU64,
    /// Cells passed to those calls (128 per blob).
    pub cells_verified: AtomicU64,
    /// Blobs skipped because the cache had them.
    pub cache_hits: AtomicU64,
    /// Nanoseconds spent inside the batched KZG calls.
    pub kzg_nanos: AtomicU64,
}

impl KzgStats {
    pub fn snapshot(&self) -> (u64, u64, u64) {
        (
            self.batch_calls.load(Ordering::Relaxed),
            self.blobs_verified.load(Ordering::Relaxed),
            self.cache_hits.load(Ordering::Relaxed),
        )
    }
}

/// Bounded FIFO set of verified triples.
#[derive(Debug, Default)]
struct Cache {
    set: HashSet<B256>,
    order: VecDeque<B256>,
    cap: usize,
}

impl Cache {
    fn insert(&mut self, k: B256) {
        if self.cap == 0 || !self.set.insert(k) {
            return;
        }
        self.order.push_back(k);
        while self.order.len() > self.cap {
            if let Some(old) = self.order.pop_front() {
                self.set.remove(&old);
            }
        }
    }
}

/// The proof(s) of a blob to verify.
#[derive(Clone, Copy)]
pub enum ProofRef<'a> {
    /// EIP-4844: one blob proof.
    Blob(&'a [u8; 48]),
    /// EIP-7594: the blob's 128 cell proofs, in cell order.
    Cells(&'a [FixedBytes<48>]),
}

/// One blob to verify, borrowed from a sidecar.
#[derive(Clone, Copy)]
pub struct BlobRef<'a> {
    pub blob: &'a [u8],
    pub commitment: &'a [u8; 48],
    pub proof: ProofRef<'a>,
}

/// Domain tag hashed first into the cache key of EIP-7594 blobs, so the two proof forms never
/// share a key.
pub const CELL_KEY_DOMAIN: &[u8; 16] = b"gloam-7594-cells";

/// Cache key: sha256(blob ‖ commitment ‖ proof) for EIP-4844, sha256("gloam-7594-cells" ‖ blob
/// ‖ commitment ‖ 128 cell proofs) for EIP-7594. SHA-256 rather than keccak because the `sha2`
/// crate uses the CPU's SHA extensions: hashing 128 KiB costs a few tens of microseconds instead
/// of most of a millisecond, which matters next to a batched verification of about 0.6 ms/blob.
pub fn triple_key(b: &BlobRef<'_>) -> B256 {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    if let ProofRef::Cells(_) = b.proof {
        h.update(CELL_KEY_DOMAIN);
    }
    h.update(b.blob);
    h.update(b.commitment);
    match b.proof {
        ProofRef::Blob(p) => h.update(p),
        ProofRef::Cells(ps) => {
            for p in ps {
                h.update(p.0);
            }
        }
    }
    B256::from(<[u8; 32]>::from(h.finalize()))
}

pub struct BlobVerifier {
    engine: Arc<gloam_engine::Engine>,
    kzg: OnceLock<Result<KzgSettings, String>>,
    cache: Mutex<Cache>,
    pub stats: KzgStats,
}

impl std::fmt::Debug for BlobVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlobVerifier").field("stats", &self.stats).finish_non_exhaustive()
    }
}

impl BlobVerifier {
    pub fn new(engine: Arc<gloam_engine::Engine>, cache_entries: usize) -> Self {
        Self {
            engine,
            kzg: OnceLock::new(),
            cache: Mutex::new(Cache { cap: cache_entries, ..Default::default() }),
            stats: KzgStats::default(),
        }
    }

    /// The mainnet setup, loaded on first use (no commitment table: verification does not need
    /// it; commitments and proofs still work through the engine's MSM).
    pub fn kzg(&self) -> Result<&KzgSettings, BlobError> {
        self.kzg
            .get_or_init(|| {
                let opts = SetupOptions { commit_table: false, fk20_eager: false, verify: false };
                KzgSettings::mainnet_with(self.engine.clone(), opts).map_err(|e| e.to_string())
            })
            .as_ref()
            .map_err(|e| BlobError::Kzg(e.clone()))
    }

    pub fn is_cached(&self, b: &BlobRef<'_>) -> bool {
        self.cache.lock().set.contains(&triple_key(b))
    }

    /// Verifies every group's blobs: blobs already in the cache are skipped, the rest go to ONE
    /// batched call. If that call fails, each group is verified on its own to say which ones are
    /// bad. `result[g]` belongs to `groups[g]`; verified triples enter the cache.
    pub fn verify_groups(&self, groups: &[Vec<BlobRef<'_>>]) -> Vec<Result<(), BlobError>> {
        let keys: Vec<Vec<B256>> = {
            use rayon::prelude::*;
            groups.par_iter().map(|g| g.iter().map(triple_key).collect()).collect()
        };
        let mut todo: Vec<(usize, usize)> = Vec::new();
        {
            let cache = self.cache.lock();
            let mut seen = HashSet::new();
            for (gi, ks) in keys.iter().enumerate() {
                for (bi, k) in ks.iter().enumerate() {
                    if cache.set.contains(k) || !seen.insert(*k) {
                        self.stats.cache_hits.fetch_add(1, Ordering::Relaxed);
                    } else {
                        todo.push((gi, bi));
                    }
                }
            }
        }
        if todo.is_empty() {
            return groups.iter().map(|_| Ok(())).collect();
        }
        let ok = match self.batch(groups, &todo) {
            Ok(ok) => ok,
            Err(e) => return groups.iter().map(|_| Err(e.clone())).collect(),
        };
        let mut out: Vec<Result<(), BlobError>> = groups.iter().map(|_| Ok(())).collect();
        if ok {
            let mut cache = self.cache.lock();
            for (gi, bi) in &todo {
                cache.insert(keys[*gi][*bi]);
            }
            return out;
        }
        // Attribute the failure: one batch per group that had unverified blobs.
        let mut by_group: Vec<Vec<(usize, usize)>> = vec![Vec::new(); groups.len()];
        for (gi, bi) in &todo {
            by_group[*gi].push((*gi, *bi));
        }
        for (gi, items) in by_group.iter().enumerate() {
            if items.is_empty() {
                continue;
            }
            match self.batch(groups, items) {
                Ok(true) => {
                    let mut cache = self.cache.lock();
                    for (g, b) in items {
                        cache.insert(keys[*g][*b]);
                    }
                }
                Ok(false) => out[gi] = Err(BlobError::InvalidProof { tx: B256::ZERO }),
                Err(e) => out[gi] = Err(e),
            }
        }
        out
    }

    /// Verifies `items`: their EIP-4844 blobs in one `verify_blob_kzg_proof_batch`, their
    /// EIP-7594 blobs in one `verify_cell_kzg_proof_batch` over every (commitment, cell index,
    /// cell, proof) (cells computed in one batch). `Ok(false)` if any is invalid.
    fn batch(&self, groups: &[Vec<BlobRef<'_>>], items: &[(usize, usize)]) -> Result<bool, BlobError> {
        let kzg = self.kzg()?;
        let mut blobs = Vec::new();
        let mut commitments = Vec::new();
        let mut proofs = Vec::new();
        let mut cell_blobs = Vec::new();
        let mut cell_refs: Vec<&BlobRef<'_>> = Vec::new();
        for (g, b) in items {
            let r = &groups[*g][*b];
            // A blob of the wrong length cannot pass the cheap checks; treat it as invalid.
            let Ok(blob) = Blob::from_bytes(r.blob) else { return Ok(false) };
            match r.proof {
                ProofRef::Blob(p) => {
                    blobs.push(blob);
                    commitments.push(Bytes48(*r.commitment));
                    proofs.push(Bytes48(*p));
                }
                ProofRef::Cells(ps) => {
                    if ps.len() != CELLS_PER_EXT_BLOB {
                        return Ok(false);
                    }
                    cell_blobs.push(blob);
                    cell_refs.push(r);
                }
            }
        }
        let mut ok = true;
        if !blobs.is_empty() {
            self.stats.batch_calls.fetch_add(1, Ordering::Relaxed);
            self.stats.blobs_verified.fetch_add(blobs.len() as u64, Ordering::Relaxed);
            let t = std::time::Instant::now();
            let r = kzg.verify_blob_kzg_proof_batch(&blobs, &commitments, &proofs);
            self.stats.kzg_nanos.fetch_add(t.elapsed().as_nanos() as u64, Ordering::Relaxed);
            // Undecodable points or non-canonical field elements: the proof is simply invalid.
            ok &= r.unwrap_or(false);
        }
        if ok && !cell_blobs.is_empty() {
            self.stats.batch_calls.fetch_add(1, Ordering::Relaxed);
            self.stats.cell_batch_calls.fetch_add(1, Ordering::Relaxed);
            self.stats.blobs_verified.fetch_add(cell_blobs.len() as u64, Ordering::Relaxed);
            let n = cell_blobs.len() * CELLS_PER_EXT_BLOB;
            self.stats.cells_verified.fetch_add(n as u64, Ordering::Relaxed);
            let t = std::time::Instant::now();
            ok &= self.verify_cells(kzg, &cell_blobs, &cell_refs);
            self.stats.kzg_nanos.fetch_add(t.elapsed().as_nanos() as u64, Ordering::Relaxed);
        }
        Ok(ok)
    }

    /// The cells of every blob (one `compute_cells_batch`), then ONE `verify_cell_kzg_proof_batch`
    /// over all 128·n (commitment, cell index, cell, proof). A blob whose field elements are not
    /// canonical has no cells: invalid.
    fn verify_cells(&self, kzg: &KzgSettings, blobs: &[Blob], refs: &[&BlobRef<'_>]) -> bool {
        let n = blobs.len() * CELLS_PER_EXT_BLOB;
        let mut commitments = Vec::with_capacity(n);
        let mut indices = Vec::with_capacity(n);
        let mut cells = Vec::with_capacity(n);
        let mut proofs = Vec::with_capacity(n);
        for (r, c) in refs.iter().zip(kzg.compute_cells_batch(blobs)) {
            let (Ok(c), ProofRef::Cells(ps)) = (c, r.proof) else { return false };
            if c.len() != CELLS_PER_EXT_BLOB || ps.len() != CELLS_PER_EXT_BLOB {
                return false;
            }
            for (k, (cell, p)) in c.into_iter().zip(ps).enumerate() {
                commitments.push(Bytes48(*r.commitment));
                indices.push(k as u64);
                cells.push(cell);
                proofs.push(Bytes48(p.0));
            }
        }
        kzg.verify_cell_kzg_proof_batch(&commitments, &indices, &cells, &proofs).unwrap_or(false)
    }
}

/// The cheap checks on one blob transaction's sidecar (either form): counts (EIP-7594: exactly
/// 128 cell proofs per blob), version bytes, and that each signed versioned hash is
/// `kzg_to_versioned_hash` of its commitment.
pub fn check_sidecar(tx: &TxEnvelope, sidecar: &Sidecar) -> Result<(), BlobError> {
    let hashes = tx.blob_versioned_hashes().unwrap_or(&[]);
    if hashes.is_empty() {
        return Err(BlobError::NoBlobs);
    }
    if hashes.len() > MAX_BLOBS_PER_TX {
        return Err(BlobError::TooManyBlobsInTx { got: hashes.len(), limit: MAX_BLOBS_PER_TX });
    }
    let (blobs, commitments, proofs) = match sidecar {
        Sidecar::Eip4844(s) => (s.blobs.len(), &s.commitments, s.proofs.len()),
        Sidecar::Eip7594(s) => (s.blobs.len(), &s.commitments, s.cell_proofs.len()),
    };
    let proofs_ok = match sidecar {
        Sidecar::Eip4844(_) => proofs == hashes.len(),
        Sidecar::Eip7594(_) => true,
    };
    if blobs != hashes.len() || commitments.len() != hashes.len() || !proofs_ok {
        return Err(BlobError::CountMismatch { hashes: hashes.len(), blobs, commitments: commitments.len(), proofs });
    }
    if let Sidecar::Eip7594(_) = sidecar {
        let expected = hashes.len() * CELLS_PER_EXT_BLOB;
        if proofs != expected {
            return Err(BlobError::CellProofCount { blobs, got: proofs, expected });
        }
    }
    for (i, (h, c)) in hashes.iter().zip(commitments).enumerate() {
        if h[0] != VERSIONED_HASH_VERSION_KZG {
            return Err(BlobError::BadVersion { index: i, version: h[0] });
        }
        let computed = B256::from(kzg_to_versioned_hash(&KzgCommitment(c.0)).0);
        if computed != *h {
            return Err(BlobError::HashMismatch { index: i, signed: *h, computed });
        }
    }
    Ok(())
}

/// The blobs of a sidecar as verification items (EIP-7594: each blob with its 128 cell proofs;
/// a sidecar with too few cell proofs gives the blobs it can, which [`check_sidecar`] refuses
/// first anyway).
pub fn refs(sidecar: &Sidecar) -> Vec<BlobRef<'_>> {
    match sidecar {
        Sidecar::Eip4844(s) => s
            .blobs
            .iter()
            .zip(&s.commitments)
            .zip(&s.proofs)
            .map(|((b, c), p)| BlobRef { blob: b.as_slice(), commitment: &c.0, proof: ProofRef::Blob(&p.0) })
            .collect(),
        Sidecar::Eip7594(s) => s
            .blobs
            .iter()
            .zip(&s.commitments)
            .zip(s.cell_proofs.chunks_exact(CELLS_PER_EXT_BLOB))
            .map(|((b, c), ps)| BlobRef { blob: b.as_slice(), commitment: &c.0, proof: ProofRef::Cells(ps) })
            .collect(),
    }
}

/// Convenience: keccak of a blob (tests use it to compare blobs read back).
pub fn blob_digest(b: &[u8]) -> B256 {
    keccak256(b)
}
