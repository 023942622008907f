//! EIP-4844 (consensus-specs deneb/polynomial-commitments.md): commitments, opening proofs at a
//! point and at the Fiat–Shamir challenge, single and batched verification.

use ark_bls12_381::{Fr, G1Affine, G1Projective};
use ark_ec::CurveGroup;
use ark_ff::{batch_inversion, Field, One, Zero};
use gloam_engine::MsmJob;
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::codec::*;
use crate::error::KzgError;
use crate::setup::KzgSettings;
use crate::types::*;

pub const FIAT_SHAMIR_PROTOCOL_DOMAIN: &[u8; 16] = b"FSBLOBVERIFY_V1_";
pub const RANDOM_CHALLENGE_KZG_BATCH_DOMAIN: &[u8; 16] = b"RCKZGBATCH___V1_";

/// Spec `compute_challenge`: SHA-256 of the domain, the degree as 16 bytes, the blob and the
/// commitment, reduced mod r. Hashes the raw bytes; the blob is not decoded.
pub fn compute_challenge(blob: &Blob, commitment: &Bytes48) -> Bytes32 {
    Bytes32(fr_to_be(&challenge_fr(blob, commitment)))
}

pub(crate) fn challenge_fr(blob: &Blob, commitment: &Bytes48) -> Fr {
    let mut h = Sha256::new();
    h.update(FIAT_SHAMIR_PROTOCOL_DOMAIN);
    h.update((FIELD_ELEMENTS_PER_BLOB as u128).to_be_bytes());
    h.update(blob.as_bytes());
    h.update(commitment.0);
    fr_from_hash(&h.finalize().into())
}

pub(crate) use crate::pairing::pairing_check;

impl KzgSettings {
    /// Spec `evaluate_polynomial_in_evaluation_form` (barycentric formula, with the in-domain
    /// shortcut the formula needs to avoid dividing by zero).
    pub(crate) fn evaluate_polynomial(&self, poly: &[Fr], z: Fr) -> Fr {
        if let Some(i) = self.roots_brp.iter().position(|w| *w == z) {
            return poly[i];
        }
        crate::eval::barycentric(poly, &self.roots_brp, z)
    }

    /// p(z) of a blob checked by [`crate::eval::blob_limbs`] (verification: the polynomial itself
    /// is not needed, so its elements are never converted to Montgomery form).
    fn evaluate_blob(&self, limbs: &[[u64; 4]], z: Fr) -> Fr {
        if let Some(i) = self.roots_brp.iter().position(|w| *w == z) {
            return crate::eval::fr_from_limbs(limbs[i]).expect("checked canonical");
        }
        crate::eval::barycentric_limbs(limbs, &self.roots_brp, z)
    }

    /// The quotient (p(X) − y)/(X − z) in evaluation form, and y = p(z). When z is a domain
    /// point ωₘ, entry m is the spec's `compute_quotient_eval_within_domain`.
    fn quotient(&self, poly: &[Fr], z: Fr) -> (Vec<Fr>, Fr) {
        let y = self.evaluate_polynomial(poly, z);
        let m = self.roots_brp.iter().position(|w| *w == z);
        let mut den: Vec<Fr> = self.roots_brp.iter().map(|w| if *w == z { Fr::one() } else { *w - z }).collect();
        batch_inversion(&mut den);
        let mut q: Vec<Fr> = poly.iter().zip(&den).map(|(p, d)| (*p - y) * d).collect();
        if let Some(m) = m {
            // q_m = Σ_{i≠m} (pᵢ − y)·ωᵢ / (z·(z − ωᵢ)) = −(1/z)·Σ_{i≠m} qᵢ·ωᵢ
            q[m] = Fr::zero();
            let s: Fr = q.iter().zip(&self.roots_brp).map(|(qi, w)| *qi * w).sum();
            q[m] = -s * z.inverse().expect("roots of unity are nonzero");
        }
        (q, y)
    }

    /// `blob_to_kzg_commitment`.
    pub fn blob_to_kzg_commitment(&self, blob: &Blob) -> Result<KzgCommitment, KzgError> {
        let poly = blob_to_polynomial(blob)?;
        Ok(KzgCommitment(g1_proj_compress(&self.lagrange_msm(&poly)?)))
    }

    /// `compute_kzg_proof`: the proof and y = p(z).
    pub fn compute_kzg_proof(&self, blob: &Blob, z: &Bytes32) -> Result<(KzgProof, Bytes32), KzgError> {
        let poly = blob_to_polynomial(blob)?;
        let z = bytes_to_fr("z", z)?;
        let (q, y) = self.quotient(&poly, z);
        let proof = self.lagrange_msm(&q)?;
        Ok((KzgProof(g1_proj_compress(&proof)), Bytes32(fr_to_be(&y))))
    }

    /// `compute_blob_kzg_proof`: the proof at the Fiat–Shamir challenge. The commitment is
    /// validated but, as in the spec, not recomputed.
    pub fn compute_blob_kzg_proof(&self, blob: &Blob, commitment: &Bytes48) -> Result<KzgProof, KzgError> {
        let poly = blob_to_polynomial(blob)?;
        let _ = bytes_to_g1("commitment", 0, commitment)?;
        let z = challenge_fr(blob, commitment);
        let (q, _) = self.quotient(&poly, z);
        Ok(KzgProof(g1_proj_compress(&self.lagrange_msm(&q)?)))
    }

    /// `verify_kzg_proof`.
    pub fn verify_kzg_proof(
        &self,
        commitment: &Bytes48,
        z: &Bytes32,
        y: &Bytes32,
        proof: &Bytes48,
    ) -> Result<bool, KzgError> {
        let c = bytes_to_g1("commitment", 0, commitment)?;
        let z = bytes_to_fr("z", z)?;
        let y = bytes_to_fr("y", y)?;
        let pi = bytes_to_g1("proof", 0, proof)?;
        Ok(self.verify_kzg_proof_impl(c, z, y, pi))
    }

    /// The spec's e(C − [y], −[1]) · e(π, [τ] − [z]) = 1, rearranged as
    /// e(C − [y] + z·π, −[1]) · e(π, [τ]) = 1 so both G2 sides are fixed (prepared once) and
    /// the scalar multiplications happen in G1.
    pub(crate) fn verify_kzg_proof_impl(&self, c: G1Affine, z: Fr, y: Fr, pi: G1Affine) -> bool {
        let lhs = crate::pairing::opening_lhs(&c, &y, &z, &pi);
        crate::pairing::pairing_check_blst(
            &lhs,
            &self.g2_prepared.neg_one,
            &crate::pairing::g1_to_blst(&pi),
            &self.g2_prepared.tau,
        )
    }

    /// `verify_blob_kzg_proof`.
    pub fn verify_blob_kzg_proof(&self, blob: &Blob, commitment: &Bytes48, proof: &Bytes48) -> Result<bool, KzgError> {
        let limbs = crate::eval::blob_limbs(blob.as_bytes())
            .map_err(|index| KzgError::NonCanonicalFieldElement { what: "blob", index })?;
        let c = bytes_to_g1("commitment", 0, commitment)?;
        let pi = bytes_to_g1("proof", 0, proof)?;
        let z = challenge_fr(blob, commitment);
        let y = self.evaluate_blob(&limbs, z);
        Ok(self.verify_kzg_proof_impl(c, z, y, pi))
    }

    /// `verify_blob_kzg_proof_batch`: one random linear combination (spec
    /// `verify_kzg_proof_batch`), two pairings, and the MSMs in one engine batch.
    pub fn verify_blob_kzg_proof_batch(
        &self,
        blobs: &[Blob],
        commitments: &[Bytes48],
        proofs: &[Bytes48],
    ) -> Result<bool, KzgError> {
        if blobs.len() != commitments.len() || blobs.len() != proofs.len() {
            return Err(KzgError::MismatchedLengths {
                what: format!("{} blobs, {} commitments, {} proofs", blobs.len(), commitments.len(), proofs.len()),
            });
        }
        let n = blobs.len();
        if n == 0 {
            return Ok(true);
        }
        let items: Vec<(G1Affine, Fr, Fr, G1Affine)> = (0..n)
            .into_par_iter()
            .map(|i| {
                let limbs = crate::eval::blob_limbs(blobs[i].as_bytes())
                    .map_err(|index| KzgError::NonCanonicalFieldElement { what: "blob in batch", index })?;
                let c = bytes_to_g1("commitment", i, &commitments[i])?;
                let pi = bytes_to_g1("proof", i, &proofs[i])?;
                let z = challenge_fr(&blobs[i], &commitments[i]);
                let y = self.evaluate_blob(&limbs, z);
                Ok((c, z, y, pi))
            })
            .collect::<Result<_, KzgError>>()?;
        if n == 1 {
            let (c, z, y, pi) = items[0];
            return Ok(self.verify_kzg_proof_impl(c, z, y, pi));
        }
        let mut h = Sha256::new();
        h.update(RANDOM_CHALLENGE_KZG_BATCH_DOMAIN);
        h.update((FIELD_ELEMENTS_PER_BLOB as u64).to_be_bytes());
        h.update((n as u64).to_be_bytes());
        for (i, (_, z, y, _)) in items.iter().enumerate() {
            h.update(commitments[i].0);
            h.update(fr_to_be(z));
            h.update(fr_to_be(y));
            h.update(proofs[i].0);
        }
        let r = fr_from_hash(&h.finalize().into());
        let r_pows = gloam_engine::domain::powers(r, n);
        // Σrⁱ(Cᵢ − [yᵢ]) + Σrⁱzᵢπᵢ = Σrⁱ Cᵢ + Σ rⁱzᵢπᵢ − [Σrⁱyᵢ]: one MSM over commitments and
        // proofs together, plus one generator multiplication.
        let mut bases = Vec::with_capacity(2 * n);
        let mut scalars = Vec::with_capacity(2 * n);
        let mut proof_bases = Vec::with_capacity(n);
        let mut y_sum = Fr::zero();
        for ((c, z, y, pi), rp) in items.iter().zip(&r_pows) {
            bases.push(*c);
            scalars.push(*rp);
            bases.push(*pi);
            scalars.push(*rp * z);
            proof_bases.push(*pi);
            y_sum += *rp * y;
        }
        let out = self.verify_msm_batch(&[
            MsmJob { bases: &proof_bases, scalars: &r_pows },
            MsmJob { bases: &bases, scalars: &scalars },
        ])?;
        let proof_lincomb = out[0].into_affine();
        let rhs = (out[1] - crate::pairing::generator_mul(&y_sum)).into_affine();
        Ok(pairing_check(proof_lincomb, &self.g2_prepared.neg_tau, rhs, &self.g2_prepared.one))
    }

    /// Verifies a batch and says which items fail: the batch check first, and only if it fails
    /// each item alone. Decoding errors are per item too.
    pub fn verify_blob_kzg_proof_batch_per_item(
        &self,
        blobs: &[Blob],
        commitments: &[Bytes48],
        proofs: &[Bytes48],
    ) -> Result<Vec<Result<bool, KzgError>>, KzgError> {
        if blobs.len() != commitments.len() || blobs.len() != proofs.len() {
            return Err(KzgError::MismatchedLengths {
                what: format!("{} blobs, {} commitments, {} proofs", blobs.len(), commitments.len(), proofs.len()),
            });
        }
        if let Ok(true) = self.verify_blob_kzg_proof_batch(blobs, commitments, proofs) {
            return Ok(vec![Ok(true); blobs.len()]);
        }
        Ok((0..blobs.len())
            .into_par_iter()
            .map(|i| self.verify_blob_kzg_proof(&blobs[i], &commitments[i], &proofs[i]))
            .collect())
    }

    /// Commitments to many blobs with one fixed-base MSM batch; a bad blob fails alone.
    pub fn blob_to_kzg_commitment_batch(&self, blobs: &[Blob]) -> Vec<Result<KzgCommitment, KzgError>> {
        let polys: Vec<Result<Vec<Fr>, KzgError>> = blobs.par_iter().map(blob_to_polynomial).collect();
        let ok: Vec<&[Fr]> = polys.iter().filter_map(|p| p.as_ref().ok().map(|v| v.as_slice())).collect();
        let points = match self.lagrange_msm_batch(&ok) {
            Ok(p) => p,
            Err(e) => return blobs.iter().map(|_| Err(e.clone())).collect(),
        };
        let affine = G1Projective::normalize_batch(&points);
        let mut it = affine.iter();
        polys
            .into_iter()
            .map(|p| p.map(|_| KzgCommitment(g1_compress(it.next().expect("one result per valid blob")))))
            .collect()
    }

    /// `compute_blob_kzg_proof` for many blobs, one fixed-base MSM batch.
    pub fn compute_blob_kzg_proof_batch(
        &self,
        blobs: &[Blob],
        commitments: &[Bytes48],
    ) -> Result<Vec<Result<KzgProof, KzgError>>, KzgError> {
        if blobs.len() != commitments.len() {
            return Err(KzgError::MismatchedLengths {
                what: format!("{} blobs, {} commitments", blobs.len(), commitments.len()),
            });
        }
        let quotients: Vec<Result<Vec<Fr>, KzgError>> = (0..blobs.len())
            .into_par_iter()
            .map(|i| {
                let poly = blob_to_polynomial(&blobs[i])?;
                let _ = bytes_to_g1("commitment", i, &commitments[i])?;
                let z = challenge_fr(&blobs[i], &commitments[i]);
                Ok(self.quotient(&poly, z).0)
            })
            .collect();
        let ok: Vec<&[Fr]> = quotients.iter().filter_map(|p| p.as_ref().ok().map(|v| v.as_slice())).collect();
        let points = self.lagrange_msm_batch(&ok)?;
        let affine = G1Projective::normalize_batch(&points);
        let mut it = affine.iter();
        Ok(quotients.into_iter().map(|q| q.map(|_| KzgProof(g1_compress(it.next().expect("one per valid"))))).collect())
    }
}
