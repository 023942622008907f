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

/// An affine point (x, y), never the identity.
#[derive(Clone, Copy, Debug, Default)]
struct Aff {
    x: Fq,
    y: Fq,
}

impl Jac {
    /// madd-2007-bl (Z₂ = 1, 7M + 4S), with the exceptional cases (identity, P + P, P + (−P))
    /// branched on.
    #[inline(always)]
    fn add_affine(&mut self, o: &Aff) {
        if self.is_zero() {
            *self = Jac { x: o.x, y: o.y, z: Fq::ONE };
            return;
        }
        let z1z1 = fq::sqr(&self.z);
        let u2 = fq::mul(&o.x, &z1z1);
        let s2 = fq::mul(&fq::mul(&o.y, &self.z), &z1z1);
        let h = fq::sub(&u2, &self.x);
        let r0 = fq::sub(&s2, &self.y);
        if fq::is_zero(&h) {
            if fq::is_zero(&r0) {
                self.double_in_place();
            } else {
                *self = Jac::ZERO;
            }
            return;
        }
        let hh = fq::sqr(&h);
        let i = fq::double(&fq::double(&hh));
        let j = fq::mul(&h, &i);
        let r = fq::double(&r0);
        let v = fq::mul(&self.x, &i);
        let x3 = fq::sub(&fq::sub(&fq::sqr(&r), &j), &fq::double(&v));
        let y3 = fq::sub(&fq::mul(&r, &fq::sub(&v, &x3)), &fq::double(&fq::mul(&self.y, &j)));
        let z3 = fq::sub(&fq::sub(&fq::sqr(&fq::add(&self.z, &h)), &z1z1), &hh);
        *self = Jac { x: x3, y: y3, z: z3 };
    }
}

/// Montgomery's trick: every element of `v` replaced by its inverse (all must be non-zero).
#[inline(always)]
fn batch_invert(v: &mut [Fq], scratch: &mut Vec<Fq>) {
    scratch.clear();
    let mut acc = Fq::ONE;
    for x in v.iter() {
        scratch.push(acc);
        acc = fq::mul(&acc, x);
    }
    // A product of non-zero elements: invertible.
    let mut inv = fq::inverse(&acc).unwrap_or(Fq::ZERO);
    for (x, pre) in v.iter_mut().zip(scratch.iter()).rev() {
        let xi = fq::mul(&inv, pre);
        inv = fq::mul(&inv, x);
        *x = xi;
    }
}

impl G1ScalarMul {
    /// `scalars[i]·points[i]` for every i (the common prefix of the two slices), the same points
    /// as [`G1ScalarMul::mul`] one by one, for less work: the points are normalised to affine
    /// with one shared inversion, their tables of odd multiples are built in affine coordinates
    /// with one shared inversion per multiple (Montgomery's trick across all the points), and the
    /// double-and-add ladders then use mixed Jacobian–affine additions (7M + 4S instead of
    /// 11M + 5S). A point whose table would hit an exceptional case (a zero denominator: only
    /// possible for points of small order, never in the prime-order subgroup) takes the
    /// one-by-one path.
    pub fn mul_many(scalars: &[&G1ScalarMul], points: &[G1Projective]) -> Vec<G1Projective> {
        crate::msm::select_arith();
        #[cfg(target_arch = "x86_64")]
        if crate::msm::has_mulx() {
            // SAFETY: the CPU supports BMI2 and ADX (checked at run time).
            return unsafe { Self::mul_many_mulx(scalars, points) };
        }
        Self::mul_many_inner(scalars, points)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "bmi2,adx")]
    unsafe fn mul_many_mulx(scalars: &[&G1ScalarMul], points: &[G1Projective]) -> Vec<G1Projective> {
        Self::mul_many_inner(scalars, points)
    }

    #[inline(always)]
    fn mul_many_inner(scalars: &[&G1ScalarMul], points: &[G1Projective]) -> Vec<G1Projective> {
        let n = scalars.len().min(points.len());
        let mut out: Vec<G1Projective> = points[..n].to_vec();
        // Lanes: the products that need work (k = 1 and the identity are returned as they are).
        let lanes: Vec<usize> = (0..n).filter(|&i| !scalars[i].one && !points[i].is_zero()).collect();
        if lanes.is_empty() {
            return out;
        }
        let mut scratch = Vec::with_capacity(lanes.len());
        // Affine inputs: x = X/Z², y = Y/Z³.
        let mut zinv: Vec<Fq> = lanes.iter().map(|&i| points[i].z).collect();
        batch_invert(&mut zinv, &mut scratch);
        let base: Vec<Aff> = lanes
            .iter()
            .zip(&zinv)
            .map(|(&i, zi)| {
                let zi2 = fq::sqr(zi);
                let p = &points[i];
                Aff { x: fq::mul(&p.x, &zi2), y: fq::mul(&fq::mul(&p.y, &zi2), zi) }
            })
            .collect();
        // Odd multiples P, 3P, …, 15P in affine coordinates, one batch inversion per step:
        // 2P (λ = 3x²/2y), then (2k+1)P = (2k−1)P + 2P (λ = Δy/Δx).
        let m = lanes.len();
        let mut tab = vec![Aff::default(); m * TABLE];
        let mut ok = vec![true; m];
        let mut den: Vec<Fq> = base.iter().map(|p| fq::double(&p.y)).collect();
        for (l, d) in den.iter_mut().enumerate() {
            if fq::is_zero(d) {
                ok[l] = false;
                *d = Fq::ONE;
            }
        }
        batch_invert(&mut den, &mut scratch);
        let two: Vec<Aff> = (0..m)
            .map(|l| {
                let p = &base[l];
                let xx = fq::sqr(&p.x);
                let lambda = fq::mul(&fq::add(&fq::double(&xx), &xx), &den[l]);
                let x3 = fq::sub(&fq::sub(&fq::sqr(&lambda), &p.x), &p.x);
                let y3 = fq::sub(&fq::mul(&lambda, &fq::sub(&p.x, &x3)), &p.y);
                Aff { x: x3, y: y3 }
            })
            .collect();
        for l in 0..m {
            tab[l * TABLE] = base[l];
        }
        for k in 1..TABLE {
            for l in 0..m {
                let d = fq::sub(&two[l].x, &tab[l * TABLE + k - 1].x);
                den[l] = if fq::is_zero(&d) {
                    ok[l] = false;
                    Fq::ONE
                } else {
                    d
                };
            }
            batch_invert(&mut den, &mut scratch);
            for l in 0..m {
                let p = tab[l * TABLE + k - 1];
                let q = &two[l];
                let lambda = fq::mul(&fq::sub(&q.y, &p.y), &den[l]);
                let x3 = fq::sub(&fq::sub(&fq::sqr(&lambda), &p.x), &q.x);
                let y3 = fq::sub(&fq::mul(&lambda, &fq::sub(&p.x, &x3)), &p.y);
                tab[l * TABLE + k] = Aff { x: x3, y: y3 };
            }
        }
        let beta = G1Config::ENDO_COEFFS[0];
        for (l, &i) in lanes.iter().enumerate() {
            let s = scalars[i];
            if !ok[l] {
                out[i] = s.mul_inner(&points[i]);
                continue;
            }
            let t1 = &tab[l * TABLE..(l + 1) * TABLE];
            let t2: [Aff; TABLE] = std::array::from_fn(|k| Aff { x: fq::mul(&t1[k].x, &beta), y: t1[k].y });
            let len = s.naf1.len().max(s.naf2.len());
            let mut acc = Jac::ZERO;
            for b in (0..len).rev() {
                acc.double_in_place();
                for (naf, t, neg) in [(&s.naf1, t1, s.neg1), (&s.naf2, &t2[..], s.neg2)] {
                    let d = naf.get(b).copied().unwrap_or(0);
                    if d != 0 {
                        let p = &t[(d.unsigned_abs() as usize - 1) / 2];
                        acc.add_affine(&Aff { x: p.x, y: fq::cond_neg(&p.y, (d < 0) != neg) });
                    }
                }
            }
            out[i] =
                if acc.is_zero() { G1Projective::zero() } else { G1Projective::new_unchecked(acc.x, acc.y, acc.z) };
        }
        out
    }
}

/// `(a + b, a − b)`, the same points as arkworks' `a + b` and `a - b` (the butterfly of a G1
/// FFT). Both sums share everything of add-2007-bl but the final `r`-dependent terms
/// (−b only negates S₂), so the pair costs 13M + 6S instead of 2 × (11M + 5S). The identity on
/// either side and a = ±b take arkworks' complete formulas.
pub fn add_sub(a: &G1Projective, b: &G1Projective) -> (G1Projective, G1Projective) {
    crate::msm::select_arith();
    #[cfg(target_arch = "x86_64")]
    if crate::msm::has_mulx() {
        // SAFETY: the CPU supports BMI2 and ADX (checked at run time).
        return unsafe { add_sub_mulx(a, b) };
    }
    add_sub_inner(a, b)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "bmi2,adx")]
unsafe fn add_sub_mulx(a: &G1Projective, b: &G1Projective) -> (G1Projective, G1Projective) {
    add_sub_inner(a, b)
}

#[inline(always)]
fn add_sub_inner(a: &G1Projective, b: &G1Projective) -> (G1Projective, G1Projective) {
    if a.is_zero() || b.is_zero() {
        return (*a + b, *a - b);
    }
    let z1z1 = fq::sqr(&a.z);
    let z2z2 = fq::sqr(&b.z);
    let u1 = fq::mul(&a.x, &z2z2);
    let u2 = fq::mul(&b.x, &z1z1);
    let s1 = fq::mul(&fq::mul(&a.y, &b.z), &z2z2);
    let s2 = fq::mul(&fq::mul(&b.y, &a.z), &z1z1);
    let h = fq::sub(&u2, &u1);
    if fq::is_zero(&h) {
        // a = ±b: one of the two is a doubling, the other the identity.
        return (*a + b, *a - b);
    }
    let i = fq::sqr(&fq::double(&h));
    let j = fq::mul(&h, &i);
    let v = fq::mul(&u1, &i);
    let s1j2 = fq::double(&fq::mul(&s1, &j));
    let zs = fq::sqr(&fq::add(&a.z, &b.z));
    let z3 = fq::mul(&fq::sub(&fq::sub(&zs, &z1z1), &z2z2), &h);
    let v2 = fq::double(&v);
    let finish = |r0: Fq| {
        let r = fq::double(&r0);
        let x3 = fq::sub(&fq::sub(&fq::sqr(&r), &j), &v2);
        let y3 = fq::sub(&fq::mul(&r, &fq::sub(&v, &x3)), &s1j2);
        G1Projective::new_unchecked(x3, y3, z3)
    };
    // a + b: r = 2(S₂ − S₁); a − b: r = 2(−S₂ − S₁).
    (finish(fq::sub(&s2, &s1)), finish(fq::sub(&fq::neg(&s2), &s1)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::{CurveGroup, PrimeGroup};
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

    #[test]
    fn mul_many_matches_one_by_one() {
        let seed = 0x62u64;
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
        let g = G1Projective::generator();
        let mut ks: Vec<Fr> = (0..30).map(|_| Fr::rand(&mut rng)).collect();
        ks.extend([Fr::zero(), Fr::one(), -Fr::one(), Fr::from(2u64), Fr::from(15u64), -Fr::from(16u64)]);
        ks.push(<G1Config as GLVConfig>::LAMBDA);
        let prepared: Vec<G1ScalarMul> = ks.iter().map(|k| G1ScalarMul::new(*k)).collect();
        // A point of order 3 (on the curve, outside the prime-order subgroup): its table of odd
        // multiples meets 3P = O, the exceptional case that must take the one-by-one path.
        let h = <G1Config as ark_ec::CurveConfig>::COFACTOR;
        let h = (h[1] as u128) << 64 | h[0] as u128;
        assert_eq!(h % 3, 0);
        let h3 = h / 3;
        let mut x = Fq::from(1u64);
        let order3 = loop {
            x += Fq::one();
            let Some(q) = ark_bls12_381::G1Affine::get_point_from_x_unchecked(x, false) else { continue };
            // (h / 3)·(r·Q) by double-and-add (arkworks' `*` assumes the subgroup).
            let t = times(times(q.into(), &Fr::MODULUS.0), &[h3 as u64, (h3 >> 64) as u64]);
            if !t.is_zero() {
                break t;
            }
        };
        assert!(!order3.is_zero() && (order3.double() + order3).is_zero(), "order-3 point");
        for adx in [true, false] {
            crate::msm::PORTABLE_ONLY.store(!adx, std::sync::atomic::Ordering::Relaxed);
            let mut scalars = Vec::new();
            let mut points = Vec::new();
            for (i, m) in prepared.iter().enumerate() {
                let p = g * Fr::rand(&mut rng);
                // Affine (Z = 1) and non-normalised inputs, the identity, the order-3 point.
                for q in [p, p.double() + g, G1Projective::zero(), order3] {
                    scalars.push(m);
                    points.push(q);
                }
                let _ = i;
            }
            let many = G1ScalarMul::mul_many(&scalars, &points);
            assert_eq!(many.len(), points.len());
            for (i, ((m, p), got)) in scalars.iter().zip(&points).zip(&many).enumerate() {
                assert_eq!(*got, m.mul(p), "product {i} adx={adx} seed={seed}");
            }
            for (i, (k, got)) in ks.iter().zip(many.chunks(4)).enumerate() {
                assert_eq!(got[0], points[4 * i] * k, "scalar {i} adx={adx} seed={seed}");
                assert!(got[2].is_zero());
            }
            assert!(G1ScalarMul::mul_many(&[], &points).is_empty());
        }
        crate::msm::PORTABLE_ONLY.store(false, std::sync::atomic::Ordering::Relaxed);
    }

    #[test]
    fn add_sub_matches_arkworks() {
        let seed = 0x63u64;
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
        let g = G1Projective::generator();
        for adx in [true, false] {
            crate::msm::PORTABLE_ONLY.store(!adx, std::sync::atomic::Ordering::Relaxed);
            for i in 0..40 {
                let p = g * Fr::rand(&mut rng);
                let q = g * Fr::rand(&mut rng);
                // Normalised and not, the identity on either side, a = b, a = −b.
                let (a, b) = match i % 8 {
                    0 => (p, q),
                    1 => (p.double() + g, q.double() + q),
                    2 => (G1Projective::zero(), q),
                    3 => (p, G1Projective::zero()),
                    4 => (G1Projective::zero(), G1Projective::zero()),
                    5 => (p, p.double() - p),
                    6 => (p, -p),
                    _ => (p.into_affine().into(), q),
                };
                let (s, d) = add_sub(&a, &b);
                assert_eq!(s, a + b, "sum {i} adx={adx} seed={seed}");
                assert_eq!(d, a - b, "difference {i} adx={adx} seed={seed}");
            }
        }
        crate::msm::PORTABLE_ONLY.store(false, std::sync::atomic::Ordering::Relaxed);
    }

    /// e·q by double-and-add with complete additions (e little-endian limbs).
    fn times(q: G1Projective, e: &[u64]) -> G1Projective {
        let mut acc = G1Projective::zero();
        for bit in (0..64 * e.len()).rev() {
            acc.double_in_place();
            if (e[bit / 64] >> (bit % 64)) & 1 == 1 {
                acc += q;
            }
        }
        acc
    }
}
