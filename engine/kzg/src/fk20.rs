//! All 128 cell proofs of a blob at once with FK20 (Feist–Khovratovich, eprint 2023/033).
//!
//! For a cell whose coset is h·⟨ω₆₄⟩ the proof is [q(τ)] with q = p / (X⁶⁴ − a), a = h⁶⁴. Writing
//! p = Σₜ Pₜ(X)·X⁶⁴ᵗ with deg Pₜ < 64, the quotient commits to
//!   [q(τ)] = Σₛ aˢ·hₛ,   hₛ = Σ_{m} c_{64(s+1)+m}·[τᵐ]   (s = 0…62),
//! so the 128 proofs are the polynomial H(Y) = Σ hₛYˢ evaluated at the 128 values a, which are the
//! 128th roots of unity (bit-reversed): one G1 FFT of size 128. Each hₛ is a Toeplitz
//! matrix–vector product; splitting m = 64u + k turns it into 64 cyclic convolutions of length 128
//! (one per offset k), which the FFT diagonalises. The setup side of each convolution is a
//! constant G1 vector, transformed once here; per blob we need 64 scalar NTTs of size 128
//! (engine), 128 fixed-base MSMs of 64 points (engine tables, one per frequency; a batch of
//! blobs shares each table), and two G1 FFTs of size 128.

use ark_bls12_381::{Fr, G1Affine, G1Projective};
use ark_ec::CurveGroup;
use ark_ff::{Field, One, Zero};
use std::sync::Arc;

use gloam_engine::{domain, Engine, FixedBase, NttOp};
use rayon::prelude::*;

use crate::codec::reverse_bits;
use crate::error::KzgError;
use crate::types::*;

const L: usize = FIELD_ELEMENTS_PER_CELL; // 64
const N2: usize = 2 * L; // 128, the convolution length
const BLOCKS: usize = FIELD_ELEMENTS_PER_BLOB / L; // 64

/// The transformed setup columns: `points[i*64 + k] = FFT₁₂₈(Bₖ)[i] / 128`, where
/// Bₖ[127 − u] = [τ^(64u+k)] for u = 0…62. Scaling by 1/128 here folds the inverse FFT's
/// normalisation into precomputation.
pub struct Fk20Table {
    /// Row i (frequency i) as a fixed-base table on the engine: every blob multiplies the same
    /// 64 points, so each product is a table lookup rather than a variable-base MSM.
    rows: Vec<FixedBase>,
    points: usize,
}

impl Fk20Table {
    pub fn new(engine: &Arc<Engine>, g1_monomial: &[G1Affine]) -> Result<Fk20Table, KzgError> {
        let inv_n = Fr::from(N2 as u64).inverse().expect("nonzero");
        let omega = domain::root_of_unity(7);
        let columns: Vec<Vec<G1Projective>> = (0..L)
            .into_par_iter()
            .map(|k| {
                let mut b = vec![G1Projective::zero(); N2];
                for u in 0..BLOCKS - 1 {
                    b[N2 - 1 - u] = g1_monomial[L * u + k].into();
                }
                g1_fft(&mut b, omega);
                b.iter().map(|p| *p * inv_n).collect()
            })
            .collect();
        let mut flat = vec![G1Projective::zero(); N2 * L];
        for (k, col) in columns.iter().enumerate() {
            for (i, p) in col.iter().enumerate() {
                flat[i * L + k] = *p;
            }
        }
        let points = G1Projective::normalize_batch(&flat);
        let rows = points.chunks(L).map(|row| engine.prepare_fixed_base(row)).collect::<Result<Vec<_>, _>>()?;
        Ok(Fk20Table { rows, points: points.len() })
    }

    /// Bytes of the per-row tables plus the transformed points themselves.
    pub fn table_bytes(&self) -> u64 {
        self.rows.iter().map(|r| r.table_bytes()).sum::<u64>() + (self.points * std::mem::size_of::<G1Affine>()) as u64
    }

    /// The 128 cell proofs (cell order) of the polynomial with these 4096 coefficients.
    pub fn cell_proofs(&self, engine: &Engine, coeffs: &[Fr]) -> Result<Vec<G1Projective>, KzgError> {
        Ok(self.cell_proofs_batch(engine, &[coeffs])?.pop().unwrap_or_default())
    }

    /// Many polynomials: one NTT batch and one MSM batch for all of them.
    pub fn cell_proofs_batch(&self, engine: &Engine, polys: &[&[Fr]]) -> Result<Vec<Vec<G1Projective>>, KzgError> {
        if polys.is_empty() {
            return Ok(Vec::new());
        }
        // Aₖ[v] = c_{64v+k} for v < 64, zero-padded to 128; one NTT per (poly, k).
        let mut a = vec![Fr::zero(); polys.len() * L * N2];
        for (p, coeffs) in polys.iter().enumerate() {
            for k in 0..L {
                let row = &mut a[(p * L + k) * N2..][..N2];
                for v in 0..BLOCKS {
                    row[v] = coeffs.get(L * v + k).copied().unwrap_or_default();
                }
            }
        }
        engine.ntt_batch(&mut a, N2, NttOp::FORWARD)?;
        // Frequency i of every convolution is one 64-point MSM against table row i.
        let mut scalars = vec![Fr::zero(); polys.len() * N2 * L];
        for p in 0..polys.len() {
            for k in 0..L {
                for i in 0..N2 {
                    scalars[(p * N2 + i) * L + k] = a[(p * L + k) * N2 + i];
                }
            }
        }
        let np = polys.len();
        let by_row: Vec<Vec<G1Projective>> = (0..N2)
            .into_par_iter()
            .map(|i| {
                let s: Vec<&[Fr]> = (0..np).map(|p| &scalars[(p * N2 + i) * L..][..L]).collect();
                self.rows[i].msm_batch(&s)
            })
            .collect::<Result<_, _>>()?;
        let mut m = vec![G1Projective::zero(); np * N2];
        for (i, row) in by_row.iter().enumerate() {
            for (p, v) in row.iter().enumerate() {
                m[p * N2 + i] = *v;
            }
        }
        let omega = domain::root_of_unity(7);
        let omega_inv = omega.inverse().expect("unit");
        let out = m
            .par_chunks(N2)
            .map(|freq| {
                let mut h = freq.to_vec();
                // Inverse transform (1/128 already folded into the table) gives the hₛ; beyond
                // s = 63 the cyclic product holds wrap-around terms, not part of the quotient.
                g1_fft(&mut h, omega_inv);
                for x in h[L..].iter_mut() {
                    *x = G1Projective::zero();
                }
                g1_fft(&mut h, omega);
                // H at a = ω₁₂₈^brp(j) is the proof of cell j.
                (0..CELLS_PER_EXT_BLOB).map(|j| h[reverse_bits(j, 7)]).collect::<Vec<_>>()
            })
            .collect();
        Ok(out)
    }
}

/// Radix-2 decimation-in-time FFT over G1 (natural order in and out), no normalisation.
/// Twiddle multiplications by 1 and multiplications of the identity are skipped: the inputs
/// here are half zeros.
pub fn g1_fft(a: &mut [G1Projective], omega: Fr) {
    let n = a.len();
    if n <= 1 {
        return;
    }
    crate::codec::bit_reverse_permute(a);
    let mut m = 1;
    while m < n {
        let w_m = omega.pow([(n / (2 * m)) as u64]);
        let tw = domain::powers(w_m, m);
        for k in (0..n).step_by(2 * m) {
            for j in 0..m {
                let hi = a[k + j + m];
                let t = if hi.is_zero() || tw[j].is_one() { hi } else { hi * tw[j] };
                let lo = a[k + j];
                a[k + j] = lo + t;
                a[k + j + m] = lo - t;
            }
        }
        m *= 2;
    }
}
