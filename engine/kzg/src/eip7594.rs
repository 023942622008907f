//! EIP-7594 (consensus-specs fulu/polynomial-commitments-sampling.md): the blob extended to 8192
//! evaluations, cut into 128 cells of 64, with one proof per cell (FK20), erasure recovery from
//! any 64 cells, and batched cell verification.
//!
//! Cell c holds p at h_c·ω₆₄^brp₆(k), k = 0…63, with h_c = ω₈₁₉₂^brp₇(c): the bit-reversed
//! extended domain cut into consecutive runs is exactly these cosets.

use ark_bls12_381::{Fr, G1Affine, G1Projective};
use ark_ec::CurveGroup;
use ark_ff::{batch_inversion, Field, One, Zero};
use gloam_engine::{domain, MsmJob, NttOp};
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::codec::*;
use crate::eip4844::pairing_check;
use crate::error::KzgError;
use crate::setup::KzgSettings;
use crate::types::*;

pub const RANDOM_CHALLENGE_KZG_CELL_BATCH_DOMAIN: &[u8; 16] = b"RCKZGCBATCH__V1_";

/// c-kzg's and the spec's coset shift for recovery; any non-root would do mathematically, but
/// for inconsistent inputs the output depends on it, and byte compatibility needs the same one.
const RECOVERY_SHIFT: u64 = 7;

/// The 128 cells and their proofs.
pub type CellsAndProofs = (Vec<Cell>, Vec<KzgProof>);

/// Cells of every valid blob of a batch, and their proofs when asked for.
type BatchOutput = (Vec<Vec<Cell>>, Vec<Vec<KzgProof>>);

fn coset_shift(cell_index: usize) -> Fr {
    domain::root_of_unity(13).pow([reverse_bits(cell_index, 7) as u64])
}

/// Spec `compute_verify_cell_kzg_proof_batch_challenge`, over deduplicated commitments and
/// cells given as bytes (which must already hold canonical field elements, as the spec's typed
/// inputs do).
pub fn compute_verify_cell_kzg_proof_batch_challenge(
    commitments: &[Bytes48],
    commitment_indices: &[u64],
    cell_indices: &[u64],
    cells: &[Cell],
    proofs: &[Bytes48],
) -> Result<Bytes32, KzgError> {
    let n = cell_indices.len();
    if commitment_indices.len() != n || cells.len() != n || proofs.len() != n {
        return Err(KzgError::MismatchedLengths {
            what: format!(
                "{} commitment indices, {n} cell indices, {} cells, {} proofs",
                commitment_indices.len(),
                cells.len(),
                proofs.len()
            ),
        });
    }
    Ok(Bytes32(fr_to_be(&cell_challenge(commitments, commitment_indices, cell_indices, cells, proofs))))
}

fn cell_challenge(
    commitments: &[Bytes48],
    commitment_indices: &[u64],
    cell_indices: &[u64],
    cells: &[Cell],
    proofs: &[Bytes48],
) -> Fr {
    let mut h = Sha256::new();
    h.update(RANDOM_CHALLENGE_KZG_CELL_BATCH_DOMAIN);
    h.update((FIELD_ELEMENTS_PER_BLOB as u64).to_be_bytes());
    h.update((FIELD_ELEMENTS_PER_CELL as u64).to_be_bytes());
    h.update((commitments.len() as u64).to_be_bytes());
    h.update((cell_indices.len() as u64).to_be_bytes());
    for c in commitments {
        h.update(c.0);
    }
    for k in 0..cell_indices.len() {
        h.update(commitment_indices[k].to_be_bytes());
        h.update(cell_indices[k].to_be_bytes());
        h.update(cells[k].as_bytes());
        h.update(proofs[k].0);
    }
    fr_from_hash(&h.finalize().into())
}

fn evals_to_cells(ext_brp: &[Fr]) -> Vec<Cell> {
    ext_brp
        .chunks_exact(FIELD_ELEMENTS_PER_CELL)
        .map(|chunk| {
            let mut c = Cell::zero();
            let b = c.as_bytes_mut();
            for (j, x) in chunk.iter().enumerate() {
                b[j * 32..(j + 1) * 32].copy_from_slice(&fr_to_be(x));
            }
            c
        })
        .collect()
}

fn proofs_to_bytes(p: &[G1Projective]) -> Vec<KzgProof> {
    G1Projective::normalize_batch(p).iter().map(|a| KzgProof(g1_compress(a))).collect()
}

impl KzgSettings {
    /// Blob (bit-reversed evaluations) to the 4096 monomial coefficients, many at once.
    fn blobs_to_coeffs(&self, polys: &mut [Fr]) -> Result<(), KzgError> {
        for p in polys.chunks_exact_mut(FIELD_ELEMENTS_PER_BLOB) {
            bit_reverse_permute(p);
        }
        self.engine.ntt_batch(polys, FIELD_ELEMENTS_PER_BLOB, NttOp::INVERSE)?;
        Ok(())
    }

    /// The bit-reversed extension of blobs whose coefficients are known. The first half of
    /// the bit-reversed 8192-point domain is the 4096-point domain in bit-reversed order, so the
    /// first 64 cells are the blob itself; the rest are the evaluations on the odd powers of
    /// ω₈₁₉₂, one coset NTT of size 4096 (half the work of a size-8192 NTT).
    fn extend_blobs(&self, polys_brp: &[Fr], coeffs: &[Fr]) -> Result<Vec<Fr>, KzgError> {
        let mut odd = coeffs.to_vec();
        self.engine.ntt_batch(&mut odd, FIELD_ELEMENTS_PER_BLOB, NttOp::coset_forward(domain::root_of_unity(13)))?;
        let mut ext = Vec::with_capacity(2 * coeffs.len());
        for (p, o) in polys_brp.chunks_exact(FIELD_ELEMENTS_PER_BLOB).zip(odd.chunks_exact_mut(FIELD_ELEMENTS_PER_BLOB))
        {
            bit_reverse_permute(o);
            ext.extend_from_slice(p);
            ext.extend_from_slice(o);
        }
        Ok(ext)
    }

    /// `compute_cells`.
    pub fn compute_cells(&self, blob: &Blob) -> Result<Vec<Cell>, KzgError> {
        let poly = blob_to_polynomial(blob)?;
        let mut coeffs = poly.clone();
        self.blobs_to_coeffs(&mut coeffs)?;
        Ok(evals_to_cells(&self.extend_blobs(&poly, &coeffs)?))
    }

    /// `compute_cells_and_kzg_proofs`.
    pub fn compute_cells_and_kzg_proofs(&self, blob: &Blob) -> Result<CellsAndProofs, KzgError> {
        let blob_poly = blob_to_polynomial(blob)?;
        let mut poly = blob_poly.clone();
        self.blobs_to_coeffs(&mut poly)?;
        let cells = evals_to_cells(&self.extend_blobs(&blob_poly, &poly)?);
        let proofs = self.fk20_table()?.cell_proofs(&self.engine, &poly)?;
        Ok((cells, proofs_to_bytes(&proofs)))
    }

    /// `compute_cells` for many blobs: one NTT batch per size.
    pub fn compute_cells_batch(&self, blobs: &[Blob]) -> Vec<Result<Vec<Cell>, KzgError>> {
        self.cells_batch_impl(blobs, false).into_iter().map(|r| r.map(|(c, _)| c)).collect()
    }

    /// `compute_cells_and_kzg_proofs` for many blobs: one NTT batch per size and one MSM batch
    /// for every FK20 column product of every blob.
    pub fn compute_cells_and_kzg_proofs_batch(&self, blobs: &[Blob]) -> Vec<Result<CellsAndProofs, KzgError>> {
        self.cells_batch_impl(blobs, true)
    }

    fn cells_batch_impl(&self, blobs: &[Blob], with_proofs: bool) -> Vec<Result<CellsAndProofs, KzgError>> {
        let polys: Vec<Result<Vec<Fr>, KzgError>> = blobs.par_iter().map(blob_to_polynomial).collect();
        let mut flat = Vec::new();
        for p in polys.iter().flatten() {
            flat.extend_from_slice(p);
        }
        let evals = flat.clone();
        let mut run = || -> Result<BatchOutput, KzgError> {
            self.blobs_to_coeffs(&mut flat)?;
            let ext = self.extend_blobs(&evals, &flat)?;
            let cells: Vec<Vec<Cell>> = ext.par_chunks(FIELD_ELEMENTS_PER_EXT_BLOB).map(evals_to_cells).collect();
            let proofs = if with_proofs {
                let refs: Vec<&[Fr]> = flat.chunks(FIELD_ELEMENTS_PER_BLOB).collect();
                self.fk20_table()?.cell_proofs_batch(&self.engine, &refs)?.iter().map(|p| proofs_to_bytes(p)).collect()
            } else {
                Vec::new()
            };
            Ok((cells, proofs))
        };
        match run() {
            Err(e) => blobs.iter().map(|_| Err(e.clone())).collect(),
            Ok((cells, proofs)) => {
                let mut cells = cells.into_iter();
                let mut proofs = proofs.into_iter();
                polys
                    .into_iter()
                    .map(|p| p.map(|_| (cells.next().unwrap_or_default(), proofs.next().unwrap_or_default())))
                    .collect()
            }
        }
    }

    /// `recover_cells_and_kzg_proofs`: any 64 of the 128 cells (strictly ascending indices)
    /// give back all cells and proofs. Follows c-kzg for inputs that are not one polynomial: a
    /// full set of cells is returned as given, and recovered cells are the evaluations of the
    /// whole reconstructed polynomial.
    pub fn recover_cells_and_kzg_proofs(
        &self,
        cell_indices: &[u64],
        cells: &[Cell],
    ) -> Result<CellsAndProofs, KzgError> {
        if cell_indices.len() != cells.len() {
            return Err(KzgError::MismatchedLengths {
                what: format!("{} cell indices, {} cells", cell_indices.len(), cells.len()),
            });
        }
        let n = cells.len();
        if n > CELLS_PER_EXT_BLOB {
            return Err(KzgError::TooManyCells { got: n, max: CELLS_PER_EXT_BLOB });
        }
        if n < CELLS_PER_BLOB {
            return Err(KzgError::TooFewCells { got: n, need: CELLS_PER_BLOB });
        }
        for (i, &c) in cell_indices.iter().enumerate() {
            if c >= CELLS_PER_EXT_BLOB as u64 {
                return Err(KzgError::CellIndexOutOfRange { index: c });
            }
            if i > 0 && c <= cell_indices[i - 1] {
                return Err(KzgError::CellIndicesNotAscending { prev: cell_indices[i - 1], next: c });
            }
        }
        let mut ext_brp = vec![Fr::zero(); FIELD_ELEMENTS_PER_EXT_BLOB];
        for (&ci, cell) in cell_indices.iter().zip(cells) {
            let evals = cell_to_evals(cell)?;
            ext_brp[ci as usize * FIELD_ELEMENTS_PER_CELL..][..FIELD_ELEMENTS_PER_CELL].copy_from_slice(&evals);
        }
        let (out_cells, coeffs) = if n == CELLS_PER_EXT_BLOB {
            let mut nat = ext_brp;
            bit_reverse_permute(&mut nat);
            self.engine.ntt(&mut nat, NttOp::INVERSE)?;
            (cells.to_vec(), nat)
        } else {
            let coeffs = self.recover_polynomial(cell_indices, ext_brp)?;
            let mut evals = coeffs.clone();
            self.engine.ntt(&mut evals, NttOp::FORWARD)?;
            bit_reverse_permute(&mut evals);
            (evals_to_cells(&evals), coeffs)
        };
        let proofs = self.fk20_table()?.cell_proofs(&self.engine, &coeffs[..FIELD_ELEMENTS_PER_BLOB])?;
        Ok((out_cells, proofs_to_bytes(&proofs)))
    }

    /// The 8192 coefficients of E·Z / Z, where Z vanishes on the missing cells' cosets
    /// (Z(X) = Π (X⁶⁴ − h⁶⁴)) and E is the received data with zeros elsewhere. The division is
    /// done pointwise on the coset 7·⟨ω₈₁₉₂⟩, where Z has no roots.
    fn recover_polynomial(&self, cell_indices: &[u64], ext_brp: Vec<Fr>) -> Result<Vec<Fr>, KzgError> {
        let n = FIELD_ELEMENTS_PER_EXT_BLOB;
        let mut present = [false; CELLS_PER_EXT_BLOB];
        for &c in cell_indices {
            present[c as usize] = true;
        }
        let w128 = domain::root_of_unity(7);
        let mut short = vec![Fr::one()];
        for c in (0..CELLS_PER_EXT_BLOB).filter(|c| !present[*c]) {
            let root = w128.pow([reverse_bits(c, 7) as u64]);
            // short ← short·(X − root)
            short.push(Fr::zero());
            for i in (0..short.len()).rev() {
                let lower = if i > 0 { short[i - 1] } else { Fr::zero() };
                short[i] = lower - root * short[i];
            }
        }
        let mut z = vec![Fr::zero(); n];
        for (i, c) in short.iter().enumerate() {
            z[i * FIELD_ELEMENTS_PER_CELL] = *c;
        }
        let mut e = ext_brp;
        bit_reverse_permute(&mut e);
        let mut z_eval = z.clone();
        self.engine.ntt(&mut z_eval, NttOp::FORWARD)?;
        for (a, b) in e.iter_mut().zip(&z_eval) {
            *a *= b;
        }
        let shift = Fr::from(RECOVERY_SHIFT);
        // (E·Z) to coefficients, then onto the coset; Z onto the coset; both in one batch.
        self.engine.ntt(&mut e, NttOp::INVERSE)?;
        let mut both = e;
        both.extend_from_slice(&z);
        self.engine.ntt_batch(&mut both, n, NttOp::coset_forward(shift))?;
        let (ez, zc) = both.split_at_mut(n);
        if zc.iter().any(|x| x.is_zero()) {
            return Err(KzgError::Engine("vanishing polynomial has a root on the recovery coset".into()));
        }
        batch_inversion(zc);
        for (a, b) in ez.iter_mut().zip(zc.iter()) {
            *a *= b;
        }
        let mut q = ez.to_vec();
        self.engine.ntt(&mut q, NttOp::coset_inverse(shift))?;
        Ok(q)
    }

    /// Verifies a cell batch and says which cells fail: the batch check first, and only if it
    /// fails (or errors) each cell alone, with its own decoding errors.
    pub fn verify_cell_kzg_proof_batch_per_item(
        &self,
        commitments: &[Bytes48],
        cell_indices: &[u64],
        cells: &[Cell],
        proofs: &[Bytes48],
    ) -> Result<Vec<Result<bool, KzgError>>, KzgError> {
        let n = cells.len();
        if commitments.len() != n || cell_indices.len() != n || proofs.len() != n {
            return Err(KzgError::MismatchedLengths {
                what: format!(
                    "{} commitments, {} cell indices, {n} cells, {} proofs",
                    commitments.len(),
                    cell_indices.len(),
                    proofs.len()
                ),
            });
        }
        if let Ok(true) = self.verify_cell_kzg_proof_batch(commitments, cell_indices, cells, proofs) {
            return Ok(vec![Ok(true); n]);
        }
        Ok((0..n)
            .into_par_iter()
            .map(|k| {
                self.verify_cell_kzg_proof_batch(
                    std::slice::from_ref(&commitments[k]),
                    std::slice::from_ref(&cell_indices[k]),
                    std::slice::from_ref(&cells[k]),
                    std::slice::from_ref(&proofs[k]),
                )
            })
            .collect())
    }

    /// `verify_cell_kzg_proof_batch`: one random linear combination over every cell, commitments
    /// deduplicated by their bytes, two pairings, and the MSMs in one engine batch.
    pub fn verify_cell_kzg_proof_batch(
        &self,
        commitments: &[Bytes48],
        cell_indices: &[u64],
        cells: &[Cell],
        proofs: &[Bytes48],
    ) -> Result<bool, KzgError> {
        let n = cells.len();
        if commitments.len() != n || cell_indices.len() != n || proofs.len() != n {
            return Err(KzgError::MismatchedLengths {
                what: format!(
                    "{} commitments, {} cell indices, {n} cells, {} proofs",
                    commitments.len(),
                    cell_indices.len(),
                    proofs.len()
                ),
            });
        }
        for &c in cell_indices {
            if c >= CELLS_PER_EXT_BLOB as u64 {
                return Err(KzgError::CellIndexOutOfRange { index: c });
            }
        }
        if n == 0 {
            return Ok(true);
        }
        let mut unique: Vec<Bytes48> = Vec::new();
        let mut index_of = std::collections::HashMap::new();
        let commitment_indices: Vec<u64> = commitments
            .iter()
            .map(|c| {
                *index_of.entry(*c).or_insert_with(|| {
                    unique.push(*c);
                    (unique.len() - 1) as u64
                })
            })
            .collect();
        let unique_points =
            unique.iter().enumerate().map(|(i, c)| bytes_to_g1("commitment", i, c)).collect::<Result<Vec<_>, _>>()?;
        let evals = cells.par_iter().map(cell_to_evals).collect::<Result<Vec<_>, _>>()?;
        let proof_points =
            proofs.iter().enumerate().map(|(i, p)| bytes_to_g1("proof", i, p)).collect::<Result<Vec<_>, _>>()?;

        let r = cell_challenge(&unique, &commitment_indices, cell_indices, cells, proofs);
        let r_pows = domain::powers(r, n);

        // RLC weights: Σ of rᵏ over the cells of each commitment.
        let mut weights = vec![Fr::zero(); unique.len()];
        for (k, ci) in commitment_indices.iter().enumerate() {
            weights[*ci as usize] += r_pows[k];
        }
        // RLI: Σ rᵏ·Iₖ(X). Cells sharing an index share a coset, so sum their evaluations first
        // and interpolate once per distinct coset: inverse NTT of size 64 in natural order, then
        // undo the shift h (coefficient m scaled by h⁻ᵐ).
        let mut agg = vec![Fr::zero(); CELLS_PER_EXT_BLOB * FIELD_ELEMENTS_PER_CELL];
        let mut used = [false; CELLS_PER_EXT_BLOB];
        for k in 0..n {
            let c = cell_indices[k] as usize;
            used[c] = true;
            let row = &mut agg[c * FIELD_ELEMENTS_PER_CELL..][..FIELD_ELEMENTS_PER_CELL];
            for (j, v) in evals[k].iter().enumerate() {
                // cell position j is coset point brp₆(j): store in natural order
                row[reverse_bits(j, 6)] += r_pows[k] * v;
            }
        }
        let used_idx: Vec<usize> = (0..CELLS_PER_EXT_BLOB).filter(|c| used[*c]).collect();
        let mut rows: Vec<Fr> = Vec::with_capacity(used_idx.len() * FIELD_ELEMENTS_PER_CELL);
        for &c in &used_idx {
            rows.extend_from_slice(&agg[c * FIELD_ELEMENTS_PER_CELL..][..FIELD_ELEMENTS_PER_CELL]);
        }
        self.engine.ntt_batch(&mut rows, FIELD_ELEMENTS_PER_CELL, NttOp::INVERSE)?;
        let mut interp = vec![Fr::zero(); FIELD_ELEMENTS_PER_CELL];
        for (row, &c) in rows.chunks_exact(FIELD_ELEMENTS_PER_CELL).zip(&used_idx) {
            // h⁻¹ = ω₈₁₉₂^(8192 − brp₇(c)): a short power instead of a field inversion.
            let h_inv = domain::root_of_unity(13)
                .pow([((FIELD_ELEMENTS_PER_EXT_BLOB - reverse_bits(c, 7)) % FIELD_ELEMENTS_PER_EXT_BLOB) as u64]);
            let mut s = Fr::one();
            for (acc, d) in interp.iter_mut().zip(row) {
                *acc += *d * s;
                s *= h_inv;
            }
        }
        // RL = RLC − RLI + RLP, as one MSM over commitments, proofs and the first 64 setup points.
        let mut bases: Vec<G1Affine> = Vec::with_capacity(unique.len() + n + FIELD_ELEMENTS_PER_CELL);
        let mut scalars: Vec<Fr> = Vec::with_capacity(bases.capacity());
        bases.extend_from_slice(&unique_points);
        scalars.extend_from_slice(&weights);
        let (ll, rl) = if n >= 2 * used_idx.len() {
            // Many cells per coset (many blobs): LL and RLP differ only by the factor h⁶⁴ of
            // each coset, so sum the rᵏπₖ per coset once (one MSM over all proofs, split into
            // per-coset jobs) and weight the ≤128 partial sums, instead of two MSMs over all
            // proofs.
            let mut order: Vec<usize> = (0..n).collect();
            order.sort_by_key(|&k| cell_indices[k]);
            let grouped_points: Vec<G1Affine> = order.iter().map(|&k| proof_points[k]).collect();
            let grouped_r: Vec<Fr> = order.iter().map(|&k| r_pows[k]).collect();
            let mut counts = [0usize; CELLS_PER_EXT_BLOB];
            for &i in cell_indices {
                counts[i as usize] += 1;
            }
            let mut jobs = Vec::with_capacity(used_idx.len());
            let mut start = 0;
            for &c in &used_idx {
                let len = counts[c];
                jobs.push(MsmJob {
                    bases: &grouped_points[start..start + len],
                    scalars: &grouped_r[start..start + len],
                });
                start += len;
            }
            let partial = self.verify_msm_batch(&jobs)?;
            let ll: G1Projective = partial.iter().sum();
            bases.extend(G1Projective::normalize_batch(&partial));
            scalars.extend(used_idx.iter().map(|&c| coset_shift(c).pow([FIELD_ELEMENTS_PER_CELL as u64])));
            bases.extend_from_slice(&self.g1_monomial[..FIELD_ELEMENTS_PER_CELL]);
            scalars.extend(interp.iter().map(|x| -*x));
            (ll.into_affine(), self.verify_msm_batch(&[MsmJob { bases: &bases, scalars: &scalars }])?[0].into_affine())
        } else {
            for k in 0..n {
                let h = coset_shift(cell_indices[k] as usize);
                bases.push(proof_points[k]);
                scalars.push(r_pows[k] * h.pow([FIELD_ELEMENTS_PER_CELL as u64]));
            }
            bases.extend_from_slice(&self.g1_monomial[..FIELD_ELEMENTS_PER_CELL]);
            scalars.extend(interp.iter().map(|x| -*x));
            let out = self.verify_msm_batch(&[
                MsmJob { bases: &proof_points, scalars: &r_pows },
                MsmJob { bases: &bases, scalars: &scalars },
            ])?;
            (out[0].into_affine(), out[1].into_affine())
        };
        Ok(pairing_check(ll, &self.g2_prepared.tau_cell, rl, &self.g2_prepared.neg_one))
    }
}
