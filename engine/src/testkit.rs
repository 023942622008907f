//! Seeded inputs for differential tests and benchmarks, shared by every crate that tests a
//! backend: random points and scalars, and the adversarial shapes that break MSM and NTT
//! implementations (zero scalars, r−1, one bucket for every point, identities, P and −P).
//!
//! Every generator takes a seed; tests print it on failure (`GLOAM_TEST_SEED` overrides it).

use ark_ec::{CurveGroup, PrimeGroup};
use ark_ff::{Field, PrimeField, UniformRand};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

use crate::{Fr, G1Affine, G1Projective};

/// The seed a test should use: `GLOAM_TEST_SEED` if set, else `default`.
pub fn seed(default: u64) -> u64 {
    std::env::var("GLOAM_TEST_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(default)
}

pub fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

/// `n` distinct pseudo-random points, fast: P_i = A + i·B for random A, B, then one batch
/// normalisation (a scalar multiplication per point would dominate test time at 2^16).
pub fn random_points(n: usize, seed: u64) -> Vec<G1Affine> {
    let mut r = rng(seed ^ 0x9e37_79b9_7f4a_7c15);
    let g = G1Projective::generator();
    let a = g * Fr::rand(&mut r);
    let b = g * Fr::rand(&mut r);
    let mut acc = a;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(acc);
        acc += b;
    }
    G1Projective::normalize_batch(&out)
}

pub fn random_scalars(n: usize, seed: u64) -> Vec<Fr> {
    let mut r = rng(seed);
    (0..n).map(|_| Fr::rand(&mut r)).collect()
}

/// r − 1, the largest scalar.
pub fn fr_minus_one() -> Fr {
    -Fr::from(1u64)
}

/// Named adversarial MSM inputs of size `n` (each a (bases, scalars) pair).
pub fn adversarial_msm_cases(n: usize, seed: u64) -> Vec<(&'static str, Vec<G1Affine>, Vec<Fr>)> {
    let pts = random_points(n, seed);
    let sc = random_scalars(n, seed + 1);
    let mut r = rng(seed + 2);
    let mut cases = vec![
        ("zero scalars", pts.clone(), vec![Fr::from(0u64); n]),
        ("scalars r-1", pts.clone(), vec![fr_minus_one(); n]),
        ("all-equal scalars (one bucket)", pts.clone(), vec![sc.first().copied().unwrap_or_default(); n]),
        ("scalar one", pts.clone(), vec![Fr::from(1u64); n]),
        ("small scalars", pts.clone(), (0..n).map(|i| Fr::from((i % 7) as u64)).collect()),
        ("identity points", vec![G1Affine::default(); n], sc.clone()),
    ];
    let mut mixed = pts.clone();
    for (i, p) in mixed.iter_mut().enumerate() {
        if i % 3 == 0 {
            *p = G1Affine::default();
        }
    }
    cases.push(("some identity points", mixed, sc.clone()));
    let rep = pts.first().copied().unwrap_or_default();
    cases.push(("repeated point", vec![rep; n], sc.clone()));
    cases.push(("repeated point, equal scalars (doubling in buckets)", vec![rep; n], vec![Fr::from(5u64); n]));
    let pm: Vec<G1Affine> = (0..n).map(|i| if i % 2 == 0 { pts[i / 2 * 2] } else { -pts[i / 2 * 2] }).collect();
    cases.push(("P and -P with equal scalars (cancellation)", pm.clone(), vec![Fr::from(3u64); n]));
    cases.push(("P and -P, random scalars", pm, sc.clone()));
    let sparse: Vec<Fr> = (0..n).map(|_| if r.gen_bool(0.1) { Fr::rand(&mut r) } else { Fr::from(0u64) }).collect();
    cases.push(("sparse scalars", pts.clone(), sparse));
    let top: Vec<Fr> = (0..n)
        .map(|_| {
            Fr::from_bigint(ark_ff::BigInt([r.gen(), r.gen(), r.gen(), 0x73ed_a753_299d_7d48]))
                .unwrap_or(fr_minus_one())
        })
        .collect();
    cases.push(("high-bit scalars near r", pts.clone(), top));
    cases
}

/// A random nonzero field element (coset offsets).
pub fn random_nonzero(seed: u64) -> Fr {
    let mut r = rng(seed);
    loop {
        let x = Fr::rand(&mut r);
        if x.inverse().is_some() {
            return x;
        }
    }
}

/// Canonical bytes of a point, for byte comparisons.
pub fn point_bytes(p: &G1Projective) -> Vec<u8> {
    crate::layout::g1_canonical_bytes(p)
}

/// Canonical bytes of field elements.
pub fn fr_bytes(xs: &[Fr]) -> Vec<u8> {
    let mut out = Vec::with_capacity(xs.len() * 32);
    for x in xs {
        for l in x.into_bigint().0 {
            out.extend_from_slice(&l.to_le_bytes());
        }
    }
    out
}
