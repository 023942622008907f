//! How field elements and points travel to a device.
//!
//! arkworks keeps `Fp` values in Montgomery form as little-endian `u64` limbs. GPUs get exactly
//! those limbs, split into little-endian `u32` words (WGSL has no 64-bit integers; CUDA reads the
//! same bytes as `u64` pairs), so uploading a vector is a reinterpretation, not a conversion.
//!
//! * `Fr`: 4 × u64 = 8 × u32 words, Montgomery form, R = 2^256.
//! * `Fq`: 6 × u64 = 12 × u32 words, Montgomery form, R = 2^384.
//! * `G1Affine` on a device: `x ‖ y` (24 words); the point at infinity is `x = y = 0`, which is
//!   safe because (0, 0) is not on y² = x³ + 4.
//! * Device results come back as XYZZ (`X, Y, ZZ, ZZZ`, 48 words; x = X/ZZ, y = Y/ZZZ, infinity
//!   when ZZ = 0) or Jacobian (`X, Y, Z`, 36 words; x = X/Z², y = Y/Z³, infinity when Z = 0).
//! * MSM scalars go as canonical (non-Montgomery) little-endian words, since bucket digits are
//!   read from the integer itself.

use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{BigInt, Field, PrimeField, Zero};

use crate::{Fq, Fr, G1Affine, G1Projective};

pub const FR_WORDS: usize = 8;
pub const FQ_WORDS: usize = 12;
pub const AFFINE_WORDS: usize = 2 * FQ_WORDS;
pub const XYZZ_WORDS: usize = 4 * FQ_WORDS;
pub const JACOBIAN_WORDS: usize = 3 * FQ_WORDS;

#[inline]
fn u64s_to_u32s<const N: usize, const M: usize>(limbs: &[u64; N]) -> [u32; M] {
    debug_assert_eq!(2 * N, M);
    let mut out = [0u32; M];
    for (i, l) in limbs.iter().enumerate() {
        out[2 * i] = *l as u32;
        out[2 * i + 1] = (*l >> 32) as u32;
    }
    out
}

#[inline]
fn u32s_to_u64s<const N: usize>(words: &[u32]) -> [u64; N] {
    let mut out = [0u64; N];
    for i in 0..N {
        out[i] = words[2 * i] as u64 | ((words[2 * i + 1] as u64) << 32);
    }
    out
}

/// Montgomery words of an `Fr` (what arkworks stores).
#[inline]
pub fn fr_to_mont_words(x: &Fr) -> [u32; FR_WORDS] {
    u64s_to_u32s::<4, 8>(&(x.0).0)
}

/// `Fr` from Montgomery words. The words must encode a value < r (devices keep results reduced).
#[inline]
pub fn fr_from_mont_words(w: &[u32]) -> Fr {
    Fr::new_unchecked(BigInt(u32s_to_u64s::<4>(w)))
}

/// Canonical (integer) words of an `Fr`, for reading MSM digits.
#[inline]
pub fn fr_to_canonical_words(x: &Fr) -> [u32; FR_WORDS] {
    u64s_to_u32s::<4, 8>(&x.into_bigint().0)
}

#[inline]
pub fn fq_to_mont_words(x: &Fq) -> [u32; FQ_WORDS] {
    u64s_to_u32s::<6, 12>(&(x.0).0)
}

#[inline]
pub fn fq_from_mont_words(w: &[u32]) -> Fq {
    Fq::new_unchecked(BigInt(u32s_to_u64s::<6>(w)))
}

/// Flattens field elements to Montgomery words.
pub fn frs_to_mont_words(xs: &[Fr]) -> Vec<u32> {
    let mut out = Vec::with_capacity(xs.len() * FR_WORDS);
    for x in xs {
        out.extend_from_slice(&fr_to_mont_words(x));
    }
    out
}

/// Writes Montgomery words back into field elements (`words.len() == out.len() * 8`).
pub fn frs_from_mont_words(words: &[u32], out: &mut [Fr]) {
    for (o, w) in out.iter_mut().zip(words.chunks_exact(FR_WORDS)) {
        *o = fr_from_mont_words(w);
    }
}

pub fn frs_to_canonical_words(xs: &[Fr]) -> Vec<u32> {
    let mut out = Vec::with_capacity(xs.len() * FR_WORDS);
    for x in xs {
        out.extend_from_slice(&fr_to_canonical_words(x));
    }
    out
}

/// A point as the device stores it: `x ‖ y` in Montgomery words, infinity = all zero.
pub fn g1_to_affine_words(p: &G1Affine) -> [u32; AFFINE_WORDS] {
    let mut out = [0u32; AFFINE_WORDS];
    if let Some((x, y)) = p.xy() {
        out[..FQ_WORDS].copy_from_slice(&fq_to_mont_words(&x));
        out[FQ_WORDS..].copy_from_slice(&fq_to_mont_words(&y));
    }
    out
}

pub fn g1s_to_affine_words(ps: &[G1Affine]) -> Vec<u32> {
    let mut out = Vec::with_capacity(ps.len() * AFFINE_WORDS);
    for p in ps {
        out.extend_from_slice(&g1_to_affine_words(p));
    }
    out
}

/// Reads a device affine point (all-zero = infinity).
pub fn g1_from_affine_words(w: &[u32]) -> G1Affine {
    if w[..AFFINE_WORDS].iter().all(|&v| v == 0) {
        return G1Affine::identity();
    }
    G1Affine::new_unchecked(fq_from_mont_words(&w[..FQ_WORDS]), fq_from_mont_words(&w[FQ_WORDS..AFFINE_WORDS]))
}

/// Reads an XYZZ point (x = X/ZZ, y = Y/ZZZ; ZZ = 0 is infinity).
pub fn g1_from_xyzz_words(w: &[u32]) -> G1Projective {
    let x = fq_from_mont_words(&w[0..FQ_WORDS]);
    let y = fq_from_mont_words(&w[FQ_WORDS..2 * FQ_WORDS]);
    let zz = fq_from_mont_words(&w[2 * FQ_WORDS..3 * FQ_WORDS]);
    let zzz = fq_from_mont_words(&w[3 * FQ_WORDS..4 * FQ_WORDS]);
    if zz.is_zero() || zzz.is_zero() {
        return G1Projective::zero();
    }
    let ax = x * zz.inverse().expect("nonzero");
    let ay = y * zzz.inverse().expect("nonzero");
    G1Affine::new_unchecked(ax, ay).into_group()
}

/// Reads a Jacobian point (x = X/Z², y = Y/Z³; Z = 0 is infinity). arkworks' `G1Projective` is
/// itself Jacobian, so this is a direct construction.
pub fn g1_from_jacobian_words(w: &[u32]) -> G1Projective {
    let x = fq_from_mont_words(&w[0..FQ_WORDS]);
    let y = fq_from_mont_words(&w[FQ_WORDS..2 * FQ_WORDS]);
    let z = fq_from_mont_words(&w[2 * FQ_WORDS..3 * FQ_WORDS]);
    if z.is_zero() {
        return G1Projective::zero();
    }
    G1Projective::new_unchecked(x, y, z)
}

/// Canonical affine bytes of a projective point, for bit-exact comparisons in tests and benches
/// (projective coordinates are not unique; the affine form is).
pub fn g1_canonical_bytes(p: &G1Projective) -> Vec<u8> {
    use ark_serialize::CanonicalSerialize;
    let mut out = Vec::with_capacity(96);
    p.into_affine().serialize_uncompressed(&mut out).expect("vec write");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::PrimeGroup;
    use ark_ff::UniformRand;
    use ark_std::test_rng;

    #[test]
    fn words_round_trip() {
        let mut rng = test_rng();
        for _ in 0..100 {
            let a = Fr::rand(&mut rng);
            assert_eq!(fr_from_mont_words(&fr_to_mont_words(&a)), a);
            let b = Fq::rand(&mut rng);
            assert_eq!(fq_from_mont_words(&fq_to_mont_words(&b)), b);
            let p = (G1Projective::generator() * Fr::rand(&mut rng)).into_affine();
            assert_eq!(g1_from_affine_words(&g1_to_affine_words(&p)), p);
        }
        assert_eq!(g1_from_affine_words(&g1_to_affine_words(&G1Affine::identity())), G1Affine::identity());
    }

    #[test]
    fn canonical_words_are_the_integer() {
        let x = Fr::from(0x1234_5678_9abc_def0u64);
        let w = fr_to_canonical_words(&x);
        assert_eq!(w[0], 0x9abc_def0);
        assert_eq!(w[1], 0x1234_5678);
        assert!(w[2..].iter().all(|&v| v == 0));
    }

    #[test]
    fn xyzz_and_jacobian_decode() {
        let mut rng = test_rng();
        let p = (G1Projective::generator() * Fr::rand(&mut rng)).into_affine();
        let (x, y) = p.xy().unwrap();
        let z = Fq::rand(&mut rng);
        let (zz, zzz) = (z.square(), z.square() * z);
        let mut w = Vec::new();
        for c in [x * zz, y * zzz, zz, zzz] {
            w.extend_from_slice(&fq_to_mont_words(&c));
        }
        assert_eq!(g1_from_xyzz_words(&w).into_affine(), p);
        let mut j = Vec::new();
        for c in [x * zz, y * zzz, z] {
            j.extend_from_slice(&fq_to_mont_words(&c));
        }
        assert_eq!(g1_from_jacobian_words(&j).into_affine(), p);
        assert!(g1_from_xyzz_words(&[0u32; XYZZ_WORDS]).is_zero());
    }
}
