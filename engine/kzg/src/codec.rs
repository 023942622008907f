//! Decoding and encoding of field elements and G1 points in the exact formats of the spec
//! (`bytes_to_bls_field`, `bytes_to_kzg_commitment` = KeyValidate) and of blst/c-kzg.

use ark_bls12_381::{Fq, Fr, G1Affine, G1Projective};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{BigInteger, PrimeField};

use crate::error::{KzgError, PointError};
use crate::types::*;

/// Big-endian 32 bytes to Fr; `None` if the value is not below r (never reduced: the spec
/// rejects it).
pub fn fr_from_be(bytes: &[u8; 32]) -> Option<Fr> {
    let mut limbs = [0u64; 4];
    for (i, l) in limbs.iter_mut().enumerate() {
        let off = 32 - 8 * (i + 1);
        *l = u64::from_be_bytes(bytes[off..off + 8].try_into().expect("8 bytes"));
    }
    crate::eval::fr_from_limbs(limbs)
}

/// Fr to canonical big-endian bytes.
pub fn fr_to_be(x: &Fr) -> [u8; 32] {
    let limbs = x.into_bigint().0;
    let mut out = [0u8; 32];
    for (i, l) in limbs.iter().enumerate() {
        out[32 - 8 * (i + 1)..32 - 8 * i].copy_from_slice(&l.to_be_bytes());
    }
    out
}

/// A wire field element (z, y) to Fr.
pub fn bytes_to_fr(what: &'static str, b: &Bytes32) -> Result<Fr, KzgError> {
    fr_from_be(&b.0).ok_or(KzgError::NonCanonicalFieldElement { what, index: 0 })
}

/// Hash output to a field element: big-endian integer reduced mod r (spec `hash_to_bls_field`;
/// deliberately non-uniform).
pub fn fr_from_hash(h: &[u8; 32]) -> Fr {
    Fr::from_be_bytes_mod_order(h)
}

/// Decompresses a 48-byte G1 point. With `subgroup_check = false` the point is only known to be
/// on the curve: used for trusted-setup points whose consistency is checked in bulk instead.
pub fn g1_decompress(b: &[u8; 48], subgroup_check: bool) -> Result<G1Affine, PointError> {
    let compressed = b[0] & 0x80 != 0;
    let infinity = b[0] & 0x40 != 0;
    if !compressed {
        return Err(PointError::NotCompressed);
    }
    if infinity {
        // blst accepts only the one canonical infinity encoding: 0xc0 then zeros (the sort flag
        // must be clear too).
        if b[0] & 0x3f != 0 || b[1..].iter().any(|&x| x != 0) {
            return Err(PointError::NonCanonicalInfinity);
        }
        return Ok(G1Affine::zero());
    }
    let mut limbs = [0u64; 6];
    for (i, l) in limbs.iter_mut().enumerate() {
        let off = 48 - 8 * (i + 1);
        let mut chunk: [u8; 8] = b[off..off + 8].try_into().expect("8 bytes");
        if off == 0 {
            chunk[0] &= 0x1f;
        }
        *l = u64::from_be_bytes(chunk);
    }
    if Fq::from_bigint(ark_ff::BigInt(limbs)).is_none() {
        return Err(PointError::CoordinateNotCanonical);
    }
    // The flags and the range of x are settled above, so the one way left for blst to reject
    // is an x with no curve point. blst's square root and its endomorphism subgroup test
    // (the ones c-kzg runs) are much cheaper than arkworks' generic ones.
    let mut a = blst::blst_p1_affine::default();
    // SAFETY: `b` is the 48 bytes blst reads; `a` is a valid output location.
    if unsafe { blst::blst_p1_uncompress(&mut a, b.as_ptr()) } != blst::BLST_ERROR::BLST_SUCCESS {
        return Err(PointError::NotOnCurve);
    }
    // SAFETY: `a` was just produced by blst.
    if subgroup_check && !unsafe { blst::blst_p1_affine_in_g1(&a) } {
        return Err(PointError::NotInSubgroup);
    }
    Ok(crate::pairing::g1_from_blst(&a))
}

/// Spec `bytes_to_kzg_commitment` / `bytes_to_kzg_proof`: KeyValidate, infinity allowed.
pub fn bytes_to_g1(what: &'static str, index: usize, b: &Bytes48) -> Result<G1Affine, KzgError> {
    g1_decompress(&b.0, true).map_err(|reason| KzgError::InvalidPoint { what, index, reason })
}

/// Compressed ZCash encoding: x big-endian with the compression flag, the sort flag when y is
/// the larger root, 0xc0‖0… for infinity.
pub fn g1_compress(p: &G1Affine) -> [u8; 48] {
    let mut out = [0u8; 48];
    if p.is_zero() {
        out[0] = 0xc0;
        return out;
    }
    let xb = p.x.into_bigint().to_bytes_be();
    out.copy_from_slice(&xb);
    out[0] |= 0x80;
    if p.y > -p.y {
        out[0] |= 0x20;
    }
    out
}

pub fn g1_proj_compress(p: &G1Projective) -> [u8; 48] {
    g1_compress(&p.into_affine())
}

/// Spec `blob_to_polynomial`: 4096 canonical field elements, index of the first bad one.
pub fn blob_to_polynomial(blob: &Blob) -> Result<Vec<Fr>, KzgError> {
    bytes_to_frs("blob", blob.as_bytes())
}

/// `cell_to_coset_evals`.
pub fn cell_to_evals(cell: &Cell) -> Result<Vec<Fr>, KzgError> {
    bytes_to_frs("cell", cell.as_bytes())
}

pub(crate) fn bytes_to_frs(what: &'static str, bytes: &[u8]) -> Result<Vec<Fr>, KzgError> {
    bytes
        .chunks_exact(32)
        .enumerate()
        .map(|(i, c)| {
            fr_from_be(c.try_into().expect("32 bytes")).ok_or(KzgError::NonCanonicalFieldElement { what, index: i })
        })
        .collect()
}

/// Bit-reversal of the low `log_n` bits.
pub fn reverse_bits(i: usize, log_n: u32) -> usize {
    if log_n == 0 {
        return 0;
    }
    i.reverse_bits() >> (usize::BITS - log_n)
}

/// In-place bit-reversal permutation of a power-of-two-length slice.
pub fn bit_reverse_permute<T>(v: &mut [T]) {
    let n = v.len();
    debug_assert!(n.is_power_of_two());
    let log_n = n.trailing_zeros();
    for i in 0..n {
        let j = reverse_bits(i, log_n);
        if i < j {
            v.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bls12_381::Fr;
    use ark_ec::PrimeGroup;
    use ark_ff::UniformRand;
    use rand::{Rng, SeedableRng};

    /// The arkworks decoder this module used before switching to blst, as the reference.
    fn reference(b: &[u8; 48]) -> Result<G1Affine, PointError> {
        let mut limbs = [0u64; 6];
        for (i, l) in limbs.iter_mut().enumerate() {
            let off = 48 - 8 * (i + 1);
            let mut chunk: [u8; 8] = b[off..off + 8].try_into().unwrap();
            if off == 0 {
                chunk[0] &= 0x1f;
            }
            *l = u64::from_be_bytes(chunk);
        }
        let x = Fq::from_bigint(ark_ff::BigInt(limbs)).ok_or(PointError::CoordinateNotCanonical)?;
        let p = G1Affine::get_point_from_x_unchecked(x, b[0] & 0x20 != 0).ok_or(PointError::NotOnCurve)?;
        if !p.is_in_correct_subgroup_assuming_on_curve() {
            return Err(PointError::NotInSubgroup);
        }
        Ok(p)
    }

    #[test]
    fn blst_decoder_matches_arkworks() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(11);
        for i in 0..400 {
            let mut b = [0u8; 48];
            if i % 2 == 0 {
                // random x (on the curve about half the time, then almost never in G1)
                rng.fill(&mut b[..]);
                b[0] = (b[0] & 0x3f) | 0x80;
                b[0] &= if i % 4 == 0 { 0x9f } else { 0xbf };
            } else {
                let p = (G1Projective::generator() * Fr::rand(&mut rng)).into_affine();
                b = g1_compress(&p);
                if i % 3 == 0 {
                    b[0] ^= 0x20; // the other root: −p, still in G1
                }
            }
            assert_eq!(g1_decompress(&b, true), reference(&b), "case {i}: {}", hex::encode(b));
        }
    }
}
