//! Scalar-field hot loops of blob verification on gloam-cpu's inlined Fr arithmetic
//! (`gloam_cpu::fr`: MULX/ADCX/ADOX where the CPU has BMI2 + ADX, portable otherwise; results
//! canonical, so identical to arkworks' — the tests below compare them).
//!
//! - [`fr_from_limbs`]: `bytes_to_bls_field`'s conversion (reject ≥ r, then to Montgomery form
//!   with one product by R² mod r).
//! - [`barycentric`]: `evaluate_polynomial_in_evaluation_form` (consensus-specs deneb
//!   polynomial-commitments.md) at a point z outside the domain:
//!   y = (zᴺ − 1)/N · Σᵢ fᵢ·ωᵢ/(z − ωᵢ). The N inverses share one field inversion (Montgomery's
//!   trick), fused with the sum: 5 products per element, no vector of inverses.

use std::sync::LazyLock;

use ark_bls12_381::Fr;
use ark_ff::{BigInt, Field, One, PrimeField, Zero};
use gloam_cpu::fr;

const R_LIMBS: [u64; 4] = <Fr as PrimeField>::MODULUS.0;

/// The element 2²⁵⁶ mod r, whose Montgomery representation is R² mod r (R = 2²⁵⁶).
static R2: LazyLock<Fr> = LazyLock::new(|| Fr::from(2u64).pow([256u64]));

/// Lexicographic comparison from the top limb: limbs < r.
#[inline]
fn below_r(limbs: &[u64; 4]) -> bool {
    for i in (0..4).rev() {
        if limbs[i] != R_LIMBS[i] {
            return limbs[i] < R_LIMBS[i];
        }
    }
    false
}

/// A little-endian 256-bit integer to Fr; `None` if it is not below r.
#[inline]
pub(crate) fn fr_from_limbs(limbs: [u64; 4]) -> Option<Fr> {
    if !below_r(&limbs) {
        return None;
    }
    // `limbs` read as a Montgomery representation is a·R⁻¹; times R² (its representation) is a.
    Some(fr::mul(&Fr::new_unchecked(BigInt(limbs)), &R2))
}

/// Independent product chains in the batch inversion: a Montgomery product has a latency of
/// many cycles, and one running product is a dependency chain; four interleaved ones keep the
/// multiplier busy.
const LANES: usize = 4;

/// (Σᵢ fᵢ/(z − ωᵢ), Σᵢ fᵢ) for fᵢ = `f(i)`.
#[inline(always)]
fn sums(n: usize, f: impl Fn(usize) -> Fr, roots: &[Fr], z: Fr) -> (Fr, Fr) {
    fr::set_adx(true);
    let den: Vec<Fr> = roots.iter().map(|w| fr::sub(&z, w)).collect();
    // prefix[i] = product of den[j] for j < i in i's lane (j ≡ i mod LANES).
    let mut prefix = Vec::with_capacity(n);
    let mut acc = [Fr::one(); LANES];
    for (i, d) in den.iter().enumerate() {
        let l = i % LANES;
        prefix.push(acc[l]);
        acc[l] = fr::mul(&acc[l], d);
    }
    // One inversion for all lanes: 1/accₗ = (product of the other lanes) / (product of all).
    let mut all = Fr::one();
    for a in &acc {
        all = fr::mul(&all, a);
    }
    let all_inv = all.inverse().expect("z is not a domain point, so no factor is zero");
    let mut inv = [Fr::zero(); LANES];
    for (l, slot) in inv.iter_mut().enumerate() {
        let mut others = all_inv;
        for (m, a) in acc.iter().enumerate() {
            if m != l {
                others = fr::mul(&others, a);
            }
        }
        *slot = others;
    }
    let mut s1 = [Fr::zero(); LANES];
    let mut s0 = [Fr::zero(); LANES];
    for i in (0..n).rev() {
        let l = i % LANES;
        let d_inv = fr::mul(&inv[l], &prefix[i]);
        inv[l] = fr::mul(&inv[l], &den[i]);
        let fi = f(i);
        s1[l] = fr::add(&s1[l], &fr::mul(&fi, &d_inv));
        s0[l] = fr::add(&s0[l], &fi);
    }
    let fold = |v: &[Fr; LANES]| v.iter().fold(Fr::zero(), |s, x| fr::add(&s, x));
    (fold(&s1), fold(&s0))
}

/// (zᴺ − 1)/N · Σ fᵢωᵢ/(z − ωᵢ), with Σ fᵢωᵢ/(z − ωᵢ) = z·Σ fᵢ/(z − ωᵢ) − Σ fᵢ
/// (ωᵢ/(z − ωᵢ) = z/(z − ωᵢ) − 1): one product per element fewer.
fn finish(n: usize, z: Fr, s1: Fr, s0: Fr) -> Fr {
    let n_inv = Fr::from(n as u64).inverse().expect("n < r");
    (z * s1 - s0) * (z.pow([n as u64]) - Fr::one()) * n_inv
}

/// p(z) for `poly` in evaluation form over `roots` (N of them, the domain in the same order).
/// The caller has checked that z is not a domain point.
pub(crate) fn barycentric(poly: &[Fr], roots: &[Fr], z: Fr) -> Fr {
    debug_assert_eq!(poly.len(), roots.len());
    let (s1, s0) = sums(poly.len(), |i| poly[i], roots, z);
    finish(poly.len(), z, s1, s0)
}

/// A blob's field elements as little-endian limbs (the big-endian integers, not converted),
/// or the index of the first one that is not below r.
pub(crate) fn blob_limbs(bytes: &[u8]) -> Result<Vec<[u64; 4]>, usize> {
    bytes
        .chunks_exact(32)
        .enumerate()
        .map(|(i, c)| {
            let mut l = [0u64; 4];
            for (k, x) in l.iter_mut().enumerate() {
                let off = 32 - 8 * (k + 1);
                *x = u64::from_be_bytes(c[off..off + 8].try_into().expect("8 bytes"));
            }
            if below_r(&l) {
                Ok(l)
            } else {
                Err(i)
            }
        })
        .collect()
}

/// [`barycentric`] straight from [`blob_limbs`], skipping the conversion to Montgomery form:
/// an integer a < r read as a Montgomery representation is the element a·R⁻¹, the sums are
/// linear in the fᵢ, so they come out multiplied by R⁻¹ and one product by R fixes both.
pub(crate) fn barycentric_limbs(limbs: &[[u64; 4]], roots: &[Fr], z: Fr) -> Fr {
    debug_assert_eq!(limbs.len(), roots.len());
    let (s1, s0) = sums(limbs.len(), |i| Fr::new_unchecked(BigInt(limbs[i])), roots, z);
    finish(limbs.len(), z, fr::mul(&s1, &R2), fr::mul(&s0, &R2))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::UniformRand;
    use rand::{Rng, SeedableRng};

    #[test]
    fn conversion_matches_arkworks_at_the_edges_and_at_random() {
        let seed = 0x6b7a_0001u64;
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
        let r = R_LIMBS;
        let mut cases = vec![[0u64; 4], [1, 0, 0, 0], r, [u64::MAX; 4], [r[0] + 1, r[1], r[2], r[3]]];
        cases.push([r[0] - 1, r[1], r[2], r[3]]);
        cases.push([u64::MAX, r[1] - 1, r[2], r[3]]);
        cases.push([0, 0, 0, r[3] + 1]);
        for _ in 0..2000 {
            let mut l: [u64; 4] = rng.gen();
            // Half near r's size (mostly canonical), half anywhere below 2^256 (mostly not).
            if rng.gen::<bool>() {
                l[3] &= 0x7fff_ffff_ffff_ffff;
            }
            cases.push(l);
        }
        for l in cases {
            assert_eq!(fr_from_limbs(l), Fr::from_bigint(BigInt(l)), "limbs {l:x?} (seed {seed:#x})");
        }
    }

    #[test]
    fn barycentric_matches_the_plain_formula() {
        let seed = 0x6b7a_0002u64;
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
        for log_n in [0u32, 1, 2, 3, 4, 12] {
            let n = 1usize << log_n;
            let w = <Fr as ark_ff::FftField>::get_root_of_unity(n as u64).expect("2-adic domain");
            let roots: Vec<Fr> = (0..n).map(|i| w.pow([i as u64])).collect();
            let poly: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
            let z = Fr::rand(&mut rng);
            let plain: Fr = poly.iter().zip(&roots).map(|(f, w)| *f * w * (z - w).inverse().unwrap()).sum::<Fr>()
                * (z.pow([n as u64]) - Fr::one())
                * Fr::from(n as u64).inverse().unwrap();
            assert_eq!(barycentric(&poly, &roots, z), plain, "n = {n} (seed {seed:#x})");
            let limbs: Vec<[u64; 4]> = poly.iter().map(|f| f.into_bigint().0).collect();
            assert_eq!(barycentric_limbs(&limbs, &roots, z), plain, "limbs, n = {n} (seed {seed:#x})");
        }
    }
}
