//! G1 multiplication by a scalar that is used many times (the twiddles of a G1 FFT), on the
//! inlined field arithmetic of [`crate::fq`] (MULX/ADX where the CPU has it, chosen at run time).
//!
//! The scalar is split once with the GLV endomorphism, k ≡ k₁ + k₂·λ (mod r) with |kᵢ| ≈ 2¹²⁸
//! (Gallant–Lambert–Vanstone, CRYPTO 2001; arkworks' decomposition), and both halves are put in
//! width-5 NAF; each product then costs ~128 doublings and ~2·128/6 additions against tables
//! of the odd multiples P, 3P, …, 15P and their images φ(·) = (β·x, y). Points are Jacobian
//! (x = X/Z², y = Y/Z³, the representation of arkworks' `Projective`): doubling dbl-2009-l
//! (2M + 5S), addition add-2007-bl (11M + 5S), both from the Explicit-Formulas Database
//! (Bernstein–Lange), with every exceptional case (identity, P + P, P + (−P)) branched on.
//! Results are the same points as arkworks' `p * k` (the tests compare them).

use crate::fq;
use ark_ec::scalar_mul::glv::GLVConfig;
use ark_ff::{AdditiveGroup, BigInteger, Field, One, PrimeField, Zero};
use gloam_engine_core::{Fq, Fr, G1Projective};

type G1Config = ark_bls12_381::g1::Config;

const WNAF_W: usize = 5;
const TABLE: usize = 1 << (WNAF_W - 2);

#[derive(Clone, Copy, Debug)]
struct Jac {
    x: Fq,
    y: Fq,
    z: Fq,
}

impl Jac {
    const ZERO: Jac = Jac { x: Fq::ONE, y: Fq::ONE, z: Fq::ZERO };

    #[inline(always)]
    fn is_zero(&self) -> bool {
        fq::is_zero(&self.z)
    }

    #[inline(always)]
    fn neg(&self) -> Jac {
        Jac { x: self.x, y: fq::neg(&self.y), z: self.z }
    }

    /// dbl-2009-l (a = 0).
    #[inline(always)]
    fn double_in_place(&mut self) {
        if self.is_zero() {
            return;
        }
        let a = fq::sqr(&self.x);
        let b = fq::sqr(&self.y);
        let c = fq::sqr(&b);
        let xb = fq::add(&self.x, &b);
        let d = fq::double(&fq::sub(&fq::sub(&fq::sqr(&xb), &a), &c));
        let e = fq::add(&fq::double(&a), &a);
        let f = fq::sqr(&e);
        let x3 = fq::sub(&f, &fq::double(&d));
        let c8 = fq::double(&fq::double(&fq::double(&c)));
        let y3 = fq::sub(&fq::mul(&e, &fq::sub(&d, &x3)), &c8);
        // Y = 0 (a 2-torsion point) gives Z3 = 0: the identity, as it should.
        let z3 = fq::double(&fq::mul(&self.y, &self.z));
        *self = Jac { x: x3, y: y3, z: z3 };
    }

    /// add-2007-bl.
    #[inline(always)]
    fn add_assign(&mut self, o: &Jac) {
        if o.is_zero() {
            return;
        }
        if self.is_zero() {
            *self = *o;
            return;
        }
        let z1z1 = fq::sqr(&self.z);
        let z2z2 = fq::sqr(&o.z);
        let u1 = fq::mul(&self.x, &z2z2);
        let u2 = fq::mul(&o.x, &z1z1);
        let s1 = fq::mul(&fq::mul(&self.y, &o.z), &z2z2);
        let s2 = fq::mul(&fq::mul(&o.y, &self.z), &z1z1);
        let h = fq::sub(&u2, &u1);
        let r0 = fq::sub(&s2, &s1);
        if fq::is_zero(&h) {
            if fq::is_zero(&r0) {
                self.double_in_place();
            } else {
                *self = Jac::ZERO;
            }
            return;
        }
        let i = fq::sqr(&fq::double(&h));
        let j = fq::mul(&h, &i);
        let r = fq::double(&r0);
        let v = fq::mul(&u1, &i);
        let x3 = fq::sub(&fq::sub(&fq::sqr(&r), &j), &fq::double(&v));
        let y3 = fq::sub(&fq::mul(&r, &fq::sub(&v, &x3)), &fq::double(&fq::mul(&s1, &j)));
        let zs = fq::sqr(&fq::add(&self.z, &o.z));
        let z3 = fq::mul(&fq::sub(&fq::sub(&zs, &z1z1), &z2z2), &h);
        *self = Jac { x: x3, y: y3, z: z3 };
    }
}

/// A scalar prepared for repeated G1 multiplications (see the module documentation).
#[derive(Clone, Debug)]
pub struct G1ScalarMul {
    neg1: bool,
    neg2: bool,
    naf1: Vec<i64>,
    naf2: Vec<i64>,
    one: bool,
}

impl G1ScalarMul {
    pub fn new(k: Fr) -> Self {
        let ((s1, k1), (s2, k2)) = G1Config::scalar_decomposition(k);
        G1ScalarMul {
            neg1: !s1,
            neg2: !s2,
            naf1: k1.into_bigint().find_wnaf(WNAF_W).expect("valid window"),
            naf2: k2.into_bigint().find_wnaf(WNAF_W).expect("valid window"),
            one: k.is_one(),
        }
    }

    /// `k·p`, the same point as arkworks' `p * k`.
    pub fn mul(&self, p: &G1Projective) -> G1Projective {
        if self.one || p.is_zero() {
            return *p;
        }
        crate::msm::select_arith();
        #[cfg(target_arch = "x86_64")]
        if crate::msm::has_mulx() {
            // SAFETY: the CPU supports BMI2 and ADX (checked at run time).
            return unsafe { self.mul_mulx(p) };
        }
        self.mul_inner(p)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "bmi2,adx")]
    unsafe fn mul_mulx(&self, p: &G1Projective) -> G1Projective {
        self.mul_inner(p)
    }

    #[inline(always)]
    fn mul_inner(&self, p: &G1Projective) -> G1Projective {
        let p = Jac { x: p.x, y: p.y, z: p.z };
        // Odd multiples p, 3p, …, 15p; the φ side is β·X of them.
        let mut t1 = [p; TABLE];
        let mut p2 = p;
        p2.double_in_place();
        for i in 1..TABLE {
            t1[i] = t1[i - 1];
            t1[i].add_assign(&p2);
        }
        let beta = G1Config::ENDO_COEFFS[0];
        let mut t2 = t1.map(|q| Jac { x: fq::mul(&q.x, &beta), y: q.y, z: q.z });
        if self.neg1 {
            t1 = t1.map(|q| q.neg());
        }
        if self.neg2 {
            t2 = t2.map(|q| q.neg());
        }
        let len = self.naf1.len().max(self.naf2.len());
        let mut acc = Jac::ZERO;
        for i in (0..len).rev() {
            acc.double_in_place();
            for (naf, t) in [(&self.naf1, &t1), (&self.naf2, &t2)] {
                let d = naf.get(i).copied().unwrap_or(0);
                if d > 0 {
                    acc.add_assign(&t[(d as usize - 1) / 2]);
                } else if d < 0 {
                    acc.add_assign(&t[((-d) as usize - 1) / 2].neg());
                }
            }
        }
        if acc.is_zero() {
            return G1Projective::zero();
        }
        G1Projective::new_unchecked(acc.x, acc.y, acc.z)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::PrimeGroup;
    use ark_ff::UniformRand;
    use rand::SeedableRng;

    #[test]
    fn matches_arkworks() {
        let seed = 0x61u64;
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
        let g = G1Projective::generator();
        let mut ks: Vec<Fr> = (0..40).map(|_| Fr::rand(&mut rng)).collect();
        ks.extend([Fr::zero(), Fr::one(), -Fr::one(), Fr::from(2u64), Fr::from(15u64), -Fr::from(16u64)]);
        ks.push(<G1Config as GLVConfig>::LAMBDA);
        for adx in [true, false] {
            crate::msm::PORTABLE_ONLY.store(!adx, std::sync::atomic::Ordering::Relaxed);
            for (i, k) in ks.iter().enumerate() {
                let p = g * Fr::rand(&mut rng);
                let m = G1ScalarMul::new(*k);
                assert_eq!(m.mul(&p), p * k, "scalar {i} adx={adx} seed={seed}");
                assert!(m.mul(&G1Projective::zero()).is_zero());
                // A non-normalised input (Z ≠ 1).
                let q = p.double() + g;
                assert_eq!(m.mul(&q), q * k, "scalar {i} adx={adx} seed={seed}");
            }
            // The exceptional additions: P + P, P + (−P), identities on either side.
            let p = g * Fr::rand(&mut rng);
            let j = Jac { x: p.x, y: p.y, z: p.z };
            let back = |a: Jac| {
                if a.is_zero() {
                    G1Projective::zero()
                } else {
                    G1Projective::new_unchecked(a.x, a.y, a.z)
                }
            };
            let mut a = j;
            a.add_assign(&j);
            assert_eq!(back(a), p.double(), "P + P adx={adx}");
            let mut a = j;
            a.add_assign(&j.neg());
            assert!(a.is_zero(), "P - P adx={adx}");
            let mut a = Jac::ZERO;
            a.add_assign(&j);
            assert_eq!(back(a), p);
            a.add_assign(&Jac::ZERO);
            assert_eq!(back(a), p);
            let mut z = Jac::ZERO;
            z.double_in_place();
            assert!(z.is_zero());
        }
        crate::msm::PORTABLE_ONLY.store(false, std::sync::atomic::Ordering::Relaxed);
    }
}
