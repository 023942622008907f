//! Pairing checks through blst. Every verification equation (deneb `verify_kzg_proof_impl`,
//! `verify_kzg_proof_batch`, fulu `verify_cell_kzg_proof_batch_impl`) ends in
//! e(a₁, b₁)·e(a₂, b₂) = 1 with both G2 sides fixed setup points, so the G2 half of the Miller
//! loop (the line functions) is computed once at load; a check is then two line-evaluating
//! Miller loops, one Fp12 product and one final exponentiation. blst's tower arithmetic is
//! several times faster than arkworks' generic one, which dominated verification before.

use ark_bls12_381::{Fq, Fr, G1Affine, G1Projective, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInteger, PrimeField, Zero};
use ark_serialize::CanonicalSerialize;
use blst::{
    blst_final_exp, blst_fp, blst_fp12, blst_fp12_is_one, blst_fp12_mul, blst_fp6, blst_miller_loop_lines, blst_p1,
    blst_p1_add_or_double, blst_p1_affine, blst_p1_affine_is_inf, blst_p1_cneg, blst_p1_from_affine, blst_p1_generator,
    blst_p1_mult, blst_p1_to_affine, blst_p1s_mult_pippenger, blst_p1s_mult_pippenger_scratch_sizeof, blst_p2_affine,
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

/// blst Jacobian to arkworks: both use Jacobian coordinates (x/z², y/z³) in the same
/// Montgomery form, with z = 0 for infinity.
pub(crate) fn g1_proj_from_blst(p: &blst_p1) -> G1Projective {
    let f = |l: &blst_fp| Fq::new_unchecked(ark_ff::BigInt(l.l));
    if f(&p.z).is_zero() {
        return G1Projective::zero();
    }
    G1Projective::new_unchecked(f(&p.x), f(&p.y), f(&p.z))
}

/// Inverse of [`fq_to_blst`] for a finite affine point.
pub(crate) fn g1_from_blst(p: &blst_p1_affine) -> G1Affine {
    let f = |l: &blst_fp| Fq::new_unchecked(ark_ff::BigInt(l.l));
    G1Affine::new_unchecked(f(&p.x), f(&p.y))
}

/// Σ scalars[i]·bases[i] with blst's single-threaded Pippenger. Infinity bases are dropped
/// first (they add nothing, and blst's affine (0, 0) is then never fed to the bucket adds).
pub(crate) fn msm_blst(bases: &[G1Affine], scalars: &[Fr]) -> G1Projective {
    debug_assert_eq!(bases.len(), scalars.len());
    let mut pts: Vec<blst_p1_affine> = Vec::with_capacity(bases.len());
    let mut sc: Vec<u8> = Vec::with_capacity(32 * bases.len());
    for (b, s) in bases.iter().zip(scalars) {
        if b.is_zero() {
            continue;
        }
        pts.push(g1_to_blst(b));
        sc.extend_from_slice(&scalar_le(s));
    }
    if pts.is_empty() {
        return G1Projective::zero();
    }
    let n = pts.len();
    // blst reads one contiguous array when the second pointer of each list is null.
    let p: [*const blst_p1_affine; 2] = [pts.as_ptr(), std::ptr::null()];
    let s: [*const u8; 2] = [sc.as_ptr(), std::ptr::null()];
    let mut out = blst_p1::default();
    // SAFETY: `pts` and `sc` hold n points and n 32-byte scalars; the scratch has the size blst
    // asks for (in bytes, rounded up to whole limbs).
    unsafe {
        let words = blst_p1s_mult_pippenger_scratch_sizeof(n).div_ceil(8);
        let mut scratch: Vec<u64> = vec![0; words];
        blst_p1s_mult_pippenger(&mut out, p.as_ptr(), n, s.as_ptr(), 255, scratch.as_mut_ptr());
    }
    g1_proj_from_blst(&out)
}

impl crate::setup::KzgSettings {
    /// The small variable-base MSMs of verification (RLC sums over commitments and proofs).
    /// When the engine would keep them on the CPU anyway, blst's Pippenger is used directly:
    /// for a few hundred points it beats the engine's CPU path, whose setup is tuned for large
    /// MSMs. Work the engine would send to a GPU still goes there.
    pub(crate) fn verify_msm_batch(
        &self,
        jobs: &[gloam_engine::MsmJob<'_>],
    ) -> Result<Vec<G1Projective>, crate::KzgError> {
        let total: usize = jobs.iter().map(|j| j.bases.len()).sum();
        let on_cpu = matches!(self.engine.choose(gloam_engine::Op::Msm, total), Ok(gloam_engine::BackendKind::Cpu));
        if on_cpu && jobs.iter().all(|j| j.bases.len() == j.scalars.len()) {
            return Ok(jobs.iter().map(|j| msm_blst(j.bases, j.scalars)).collect());
        }
        Ok(self.engine.msm_batch(jobs)?)
    }
}

/// y·G with blst.
pub(crate) fn generator_mul(y: &Fr) -> G1Projective {
    let yb = scalar_le(y);
    let mut out = blst_p1::default();
    // SAFETY: 255-bit little-endian scalar, blst's own generator.
    unsafe { blst_p1_mult(&mut out, blst_p1_generator(), yb.as_ptr(), 255) };
    g1_proj_from_blst(&out)
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
    use ark_bls12_381::Bls12_381;
    use ark_ec::VariableBaseMSM;
    use ark_ec::{pairing::Pairing, CurveGroup, PrimeGroup};
    use ark_ff::UniformRand;
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
            let c =
                if i == 0 { G1Affine::zero() } else { (G1Projective::generator() * Fr::rand(&mut rng)).into_affine() };
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

    #[test]
    fn msm_and_generator_mul_match_arkworks() {
        let mut rng = ark_std_rng();
        for n in [0usize, 1, 2, 5, 31, 33, 130] {
            let mut bases: Vec<G1Affine> =
                (0..n).map(|_| (G1Projective::generator() * Fr::rand(&mut rng)).into_affine()).collect();
            if n > 2 {
                bases[1] = G1Affine::zero();
            }
            let mut scalars: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
            if n > 3 {
                scalars[2] = Fr::zero();
                scalars[3] = -Fr::from(1u64);
            }
            let want = G1Projective::msm(&bases, &scalars).unwrap();
            assert_eq!(msm_blst(&bases, &scalars), want, "n = {n}");
        }
        for y in [Fr::zero(), Fr::from(1u64), Fr::rand(&mut rng)] {
            assert_eq!(generator_mul(&y), G1Projective::generator() * y);
        }
        let p = (G1Projective::generator() * Fr::rand(&mut rng)).into_affine();
        assert_eq!(g1_from_blst(&g1_to_blst(&p)), p);
    }

    fn ark_std_rng() -> impl rand::Rng {
        use rand::SeedableRng;
        rand_chacha::ChaCha20Rng::seed_from_u64(7)
    }
}
