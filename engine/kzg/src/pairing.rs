//! Pairing checks through blst. Every verification equation (deneb `verify_kzg_proof_impl`,
//! `verify_kzg_proof_batch`, fulu `verify_cell_kzg_proof_batch_impl`) ends in
//! e(a₁, b₁)·e(a₂, b₂) = 1 with both G2 sides fixed setup points, so the G2 half of the Miller
//! loop (the line functions) is computed once at load; a check is then two line-evaluating
//! Miller loops, one Fp12 product and one final exponentiation. blst's tower arithmetic is
//! several times faster than arkworks' generic one, which dominated verification before.

use ark_bls12_381::{Fq, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInteger, PrimeField};
use ark_serialize::CanonicalSerialize;
use blst::{
    blst_final_exp, blst_fp, blst_fp12, blst_fp12_is_one, blst_fp12_mul, blst_fp6, blst_miller_loop_lines, blst_p1, blst_p1_add_or_double,
    blst_p1_affine, blst_p1_affine_is_inf, blst_p1_cneg, blst_p1_from_affine, blst_p1_generator, blst_p1_mult, blst_p1_to_affine, blst_p2_affine,
    blst_p2_uncompress, blst_precompute_lines, BLST_ERROR,
};

/// Number of line coefficients blst's optimal-ate loop uses for BLS12-381 (`Qlines[68]`).
const LINES: usize = 68;

/// A fixed G2 point as its Miller-loop line coefficients.
pub(crate) struct G2Lines(Box<[blst_fp6]>);

impl G2Lines {
    pub(crate) fn new(q: &G2Affine) -> G2Lines {
        // The ZCash compressed form is common to both libraries, so it bridges them without
        // relying on either one's internal representation; done once per setup point.
        let mut bytes = [0u8; 96];
        q.serialize_compressed(&mut bytes[..]).expect("96-byte buffer");
        let mut qa = blst_p2_affine::default();
        // SAFETY: `bytes` is the 96 bytes blst reads; `qa` is a valid output location.
        let rc = unsafe { blst_p2_uncompress(&mut qa, bytes.as_ptr()) };
        assert_eq!(rc, BLST_ERROR::BLST_SUCCESS, "arkworks G2 encoding rejected by blst");
        let mut lines = vec![blst_fp6::default(); LINES].into_boxed_slice();
        // SAFETY: `lines` holds the 68 entries blst writes.
        unsafe { blst_precompute_lines(lines.as_mut_ptr(), &qa) };
        G2Lines(lines)
    }
}

/// Both libraries keep Fq in Montgomery form with R = 2³⁸⁴ over little-endian 64-bit limbs, so
/// the limbs carry over unchanged (pinned by a test against blst's own deserializer).
fn fq_to_blst(x: &Fq) -> blst_fp {
    blst_fp { l: x.0 .0 }
}

/// arkworks affine G1 to blst affine; infinity becomes blst's (0, 0) encoding of it.
pub(crate) fn g1_to_blst(p: &G1Affine) -> blst_p1_affine {
    if p.is_zero() {
        return blst_p1_affine::default();
    }
    blst_p1_affine { x: fq_to_blst(&p.x), y: fq_to_blst(&p.y) }
}

/// e(a₁, b₁)·e(a₂, b₂) = 1. A point at infinity contributes the factor 1 and is skipped (blst's
/// line evaluation assumes a finite point).
pub(crate) fn pairing_check_blst(a1: &blst_p1_affine, b1: &G2Lines, a2: &blst_p1_affine, b2: &G2Lines) -> bool {
    let mut acc: Option<blst_fp12> = None;
    for (p, lines) in [(a1, b1), (a2, b2)] {
        // SAFETY: `p` is a valid affine point; `lines` has the 68 entries blst reads.
        unsafe {
            if blst_p1_affine_is_inf(p) {
                continue;
            }
            let mut ml = blst_fp12::default();
            blst_miller_loop_lines(&mut ml, lines.0.as_ptr(), p);
            acc = Some(match acc {
                None => ml,
                Some(prev) => {
                    let mut prod = blst_fp12::default();
                    blst_fp12_mul(&mut prod, &prev, &ml);
                    prod
                }
            });
        }
    }
    let Some(f) = acc else { return true };
    let mut out = blst_fp12::default();
    // SAFETY: plain value arguments.
    unsafe {
        blst_final_exp(&mut out, &f);
        blst_fp12_is_one(&out)
    }
}

/// [`pairing_check_blst`] on arkworks points.
pub(crate) fn pairing_check(a1: G1Affine, b1: &G2Lines, a2: G1Affine, b2: &G2Lines) -> bool {
    pairing_check_blst(&g1_to_blst(&a1), b1, &g1_to_blst(&a2), b2)
}

fn scalar_le(s: &ark_bls12_381::Fr) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(&s.into_bigint().to_bytes_le());
    out
}

/// C − y·G + z·π in blst (the G1 side of the rearranged single-opening check), affine.
pub(crate) fn opening_lhs(c: &G1Affine, y: &ark_bls12_381::Fr, z: &ark_bls12_381::Fr, pi: &G1Affine) -> blst_p1_affine {
    let (yb, zb) = (scalar_le(y), scalar_le(z));
    let (ca, pa) = (g1_to_blst(c), g1_to_blst(pi));
    // SAFETY: every pointer is to a live local of the type blst expects; scalars are 255-bit
    // little-endian byte strings.
    unsafe {
        let mut acc = blst_p1::default();
        blst_p1_from_affine(&mut acc, &ca);
        let mut gy = blst_p1::default();
        blst_p1_mult(&mut gy, blst_p1_generator(), yb.as_ptr(), 255);
        blst_p1_cneg(&mut gy, true);
        let mut pp = blst_p1::default();
        blst_p1_from_affine(&mut pp, &pa);
        let mut pz = blst_p1::default();
        blst_p1_mult(&mut pz, &pp, zb.as_ptr(), 255);
        let mut t = blst_p1::default();
        blst_p1_add_or_double(&mut t, &acc, &gy);
        blst_p1_add_or_double(&mut acc, &t, &pz);
        let mut out = blst_p1_affine::default();
        blst_p1_to_affine(&mut out, &acc);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bls12_381::{Bls12_381, Fr};
    use ark_bls12_381::G1Projective;
    use ark_ec::{pairing::Pairing, CurveGroup, PrimeGroup};
    use ark_ff::{UniformRand, Zero};
    use blst::{blst_p1_deserialize, blst_p1_is_equal};

    #[test]
    fn limb_conversion_matches_blst_deserializer() {
        let mut rng = ark_std_rng();
        for _ in 0..20 {
            let p = (G1Projective::generator() * Fr::rand(&mut rng)).into_affine();
            let mut bytes = [0u8; 96];
            p.serialize_uncompressed(&mut bytes[..]).unwrap();
            let mut want = blst_p1_affine::default();
            assert_eq!(unsafe { blst_p1_deserialize(&mut want, bytes.as_ptr()) }, BLST_ERROR::BLST_SUCCESS);
            let got = g1_to_blst(&p);
            let (mut a, mut b) = (blst_p1::default(), blst_p1::default());
            unsafe {
                blst_p1_from_affine(&mut a, &got);
                blst_p1_from_affine(&mut b, &want);
                assert!(blst_p1_is_equal(&a, &b));
            }
        }
    }

    #[test]
    fn agrees_with_arkworks_pairing() {
        let mut rng = ark_std_rng();
        let g2 = G2Affine::generator();
        let s = Fr::rand(&mut rng);
        let q = (g2 * s).into_affine();
        let (lg, lq) = (G2Lines::new(&g2), G2Lines::new(&q));
        let a = (G1Projective::generator() * Fr::rand(&mut rng)).into_affine();
        // e(a·s, g) · e(−a, s·g) = 1
        let good = (a * s).into_affine();
        assert!(pairing_check(good, &lg, -a, &lq));
        assert!(Bls12_381::multi_pairing([good, -a], [g2, q]).is_zero());
        let bad = (a * (s + Fr::from(1u64))).into_affine();
        assert!(!pairing_check(bad, &lg, -a, &lq));
        assert!(pairing_check(G1Affine::zero(), &lg, G1Affine::zero(), &lq));
        assert!(!pairing_check(G1Affine::zero(), &lg, a, &lq));
    }

    #[test]
    fn opening_lhs_matches_arkworks() {
        let mut rng = ark_std_rng();
        for i in 0..5 {
            let c = if i == 0 { G1Affine::zero() } else { (G1Projective::generator() * Fr::rand(&mut rng)).into_affine() };
            let pi = (G1Projective::generator() * Fr::rand(&mut rng)).into_affine();
            let (y, z) = (Fr::rand(&mut rng), Fr::rand(&mut rng));
            let want = (c.into_group() - G1Projective::generator() * y + pi * z).into_affine();
            let got = opening_lhs(&c, &y, &z, &pi);
            let w = g1_to_blst(&want);
            let (mut a, mut b) = (blst_p1::default(), blst_p1::default());
            unsafe {
                blst_p1_from_affine(&mut a, &got);
                blst_p1_from_affine(&mut b, &w);
                assert!(blst_p1_is_equal(&a, &b));
            }
        }
    }

    fn ark_std_rng() -> impl rand::Rng {
        use rand::SeedableRng;
        rand_chacha::ChaCha20Rng::seed_from_u64(7)
    }
}
