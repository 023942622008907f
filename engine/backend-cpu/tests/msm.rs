//! MSM internals against arkworks: every window size, both bucket kinds, chunking, the
//! batch-affine edge cases (doubling and cancellation inside a batch, identities), fixed-base
//! tables of every window with fewer scalars than bases. Seeds are printed on failure.

use ark_ec::{CurveGroup, PrimeGroup, VariableBaseMSM};
use ark_ff::{PrimeField, UniformRand};
use gloam_cpu::msm::{self, FixedBase, FixedBaseSegments, MsmPlan};
use gloam_engine_core::{FixedBaseMsm, Fr, G1Affine, G1Projective};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

fn seed(default: u64) -> u64 {
    std::env::var("GLOAM_TEST_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(default)
}

fn points(n: usize, rng: &mut ChaCha20Rng) -> Vec<G1Affine> {
    let g = G1Projective::generator();
    let a = g * Fr::rand(rng);
    let b = g * Fr::rand(rng);
    let v: Vec<G1Projective> = (0..n).map(|i| a + b * Fr::from(i as u64)).collect();
    G1Projective::normalize_batch(&v)
}

fn scalars(n: usize, rng: &mut ChaCha20Rng) -> Vec<Fr> {
    (0..n).map(|_| Fr::rand(rng)).collect()
}

fn reference(b: &[G1Affine], s: &[Fr]) -> G1Affine {
    G1Projective::msm_unchecked(b, s).into_affine()
}

/// Inputs that make buckets hit P + P, P + (−P) and the identity inside one batch.
fn nasty_cases(n: usize, rng: &mut ChaCha20Rng) -> Vec<(&'static str, Vec<G1Affine>, Vec<Fr>)> {
    let pts = points(n, rng);
    let sc = scalars(n, rng);
    let p0 = pts[0];
    let mut out = vec![
        ("random", pts.clone(), sc.clone()),
        ("same point, same scalar", vec![p0; n], vec![Fr::from(3u64); n]),
        ("same point, random scalars", vec![p0; n], sc.clone()),
        (
            "P,-P alternating, same scalar",
            (0..n).map(|i| if i % 2 == 0 { p0 } else { -p0 }).collect(),
            vec![Fr::from(9u64); n],
        ),
        ("P,P,-P,-P, same scalar", (0..n).map(|i| if i % 4 < 2 { p0 } else { -p0 }).collect(), vec![Fr::from(9u64); n]),
        ("P,P,P,-P, same scalar", (0..n).map(|i| if i % 4 < 3 { p0 } else { -p0 }).collect(), vec![Fr::from(9u64); n]),
        ("s and -s on one point", vec![p0; n], (0..n).map(|i| if i % 2 == 0 { sc[i] } else { -sc[i - 1] }).collect()),
        ("identities", vec![G1Affine::default(); n], sc.clone()),
        (
            "half identities",
            pts.iter().enumerate().map(|(i, p)| if i % 2 == 1 { G1Affine::default() } else { *p }).collect(),
            sc.clone(),
        ),
        ("zero scalars", pts.clone(), vec![Fr::from(0u64); n]),
        ("r-1", pts.clone(), vec![-Fr::from(1u64); n]),
        (
            "(r-1)/2 and (r+1)/2",
            pts.clone(),
            (0..n)
                .map(|i| {
                    let h = Fr::from_bigint({
                        let mut m = Fr::MODULUS;
                        m.div2();
                        m
                    })
                    .unwrap();
                    if i % 2 == 0 {
                        h
                    } else {
                        h + Fr::from(1u64)
                    }
                })
                .collect(),
        ),
        ("small", pts.clone(), (0..n).map(|i| Fr::from((i % 5) as u64)).collect()),
        ("powers of two", pts.clone(), (0..n).map(|i| Fr::from(2u64).pow([(i % 255) as u64])).collect()),
    ];
    // Doubling pairs: every point twice with the same scalar, interleaved with randoms.
    let dbl: Vec<G1Affine> = (0..n).map(|i| pts[i / 2]).collect();
    let ds: Vec<Fr> = (0..n).map(|i| sc[i / 2]).collect();
    out.push(("pairs of equal terms", dbl, ds));
    let _ = rng.gen::<u8>();
    out
}

use ark_ff::BigInteger;
use ark_ff::Field;

#[test]
fn every_window_and_bucket_kind_small_n() {
    let seed = seed(0x3141);
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    for n in [1usize, 2, 3, 5, 17, 64, 100] {
        for (name, b, s) in nasty_cases(n, &mut rng) {
            let want = reference(&b, &s);
            // Large windows cost 2^c per window in the running sum whatever n is: sweep them on
            // the smallest inputs only.
            let max_c = if n == 1 && name == "random" { msm::MAX_WINDOW } else { 9 };
            for c in 2..=max_c {
                for affine in [false, true] {
                    for chunks in [1, 3] {
                        let plan = MsmPlan { c, chunks, affine };
                        let got = msm::msm_with_plan(&b, &s, plan).into_affine();
                        assert_eq!(got, want, "`{name}` n={n} {plan:?} seed={seed}");
                    }
                }
            }
        }
    }
}

#[test]
fn chosen_plans_medium_n() {
    let seed = seed(0x2718);
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    for n in [255usize, 1000, 3000] {
        for (name, b, s) in nasty_cases(n, &mut rng) {
            let want = reference(&b, &s);
            assert_eq!(msm::msm(&b, &s).into_affine(), want, "`{name}` n={n} seed={seed}");
            for c in [7usize, 11, 13] {
                let plan = MsmPlan { c, chunks: 2, affine: true };
                assert_eq!(msm::msm_with_plan(&b, &s, plan).into_affine(), want, "`{name}` n={n} {plan:?} seed={seed}");
            }
        }
    }
}

#[test]
fn plan_choices_are_sane() {
    for log_n in 0..=22 {
        for threads in [1usize, 2, 4, 8, 16, 64] {
            let p = MsmPlan::choose(1 << log_n, threads);
            assert!((2..=msm::MAX_WINDOW).contains(&p.c), "{p:?}");
            assert!(p.chunks >= 1);
        }
    }
}

#[test]
fn mismatched_lengths_use_common_prefix() {
    let seed = seed(0x77);
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let b = points(50, &mut rng);
    let s = scalars(40, &mut rng);
    assert_eq!(msm::msm(&b, &s).into_affine(), reference(&b[..40], &s), "seed={seed}");
    assert_eq!(msm::msm(&b[..30], &s).into_affine(), reference(&b[..30], &s[..30]), "seed={seed}");
    assert_eq!(msm::msm(&[], &[]).into_affine(), G1Affine::default());
}

#[test]
fn batch_matches_single() {
    let seed = seed(0xba7);
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let data: Vec<(Vec<G1Affine>, Vec<Fr>)> =
        [0usize, 1, 7, 300, 2000, 5, 5, 5].iter().map(|&n| (points(n, &mut rng), scalars(n, &mut rng))).collect();
    let jobs: Vec<(&[G1Affine], &[Fr])> = data.iter().map(|(b, s)| (b.as_slice(), s.as_slice())).collect();
    let got = msm::msm_batch(&jobs);
    for ((b, s), g) in data.iter().zip(&got) {
        assert_eq!(g.into_affine(), reference(b, s), "n={} seed={seed}", b.len());
    }
    // Many equal-sized jobs take the job-parallel path.
    let small: Vec<(&[G1Affine], &[Fr])> = (0..16).map(|_| (data[3].0.as_slice(), data[3].1.as_slice())).collect();
    for g in msm::msm_batch(&small) {
        assert_eq!(g.into_affine(), reference(&data[3].0, &data[3].1), "seed={seed}");
    }
}

#[test]
fn fixed_base_every_window() {
    let seed = seed(0xf1ed);
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let n = 200;
    let mut b = points(n, &mut rng);
    b[7] = G1Affine::default(); // an identity base
    b[9] = -b[8];
    for c in [2usize, 3, 5, 8, 11, 12] {
        let t = FixedBase::with_window(&b, c);
        assert_eq!(t.len(), n);
        assert_eq!(t.window(), c);
        assert!(t.table_bytes() >= (n * 96) as u64);
        for (name, _, s) in nasty_cases(n, &mut rng) {
            for len in [0usize, 1, 10, n] {
                let want = reference(&b[..len], &s[..len]);
                assert_eq!(t.msm(&s[..len]).unwrap().into_affine(), want, "`{name}` c={c} len={len} seed={seed}");
            }
        }
        let vecs: Vec<Vec<Fr>> = (0..5).map(|i| scalars(n - i * 30, &mut rng)).collect();
        let refs: Vec<&[Fr]> = vecs.iter().map(|v| v.as_slice()).collect();
        for (s, g) in refs.iter().zip(t.msm_batch(&refs).unwrap()) {
            assert_eq!(g.into_affine(), reference(&b[..s.len()], s), "batch c={c} seed={seed}");
        }
    }
    // A budget too small for any table: plain variable-base MSMs, same results.
    let t = FixedBase::with_budget(&b, 1000);
    assert_eq!(t.window(), 0);
    let s = scalars(n, &mut rng);
    assert_eq!(t.msm(&s).unwrap().into_affine(), reference(&b, &s), "seed={seed}");
    assert_eq!(t.msm(&s[..5]).unwrap().into_affine(), reference(&b[..5], &s[..5]), "seed={seed}");
    let t = FixedBase::with_budget(&b, 200 * 96 * 16);
    assert!(t.window() >= 16 && t.table_bytes() <= 200 * 96 * 16, "window {}", t.window());
    assert_eq!(t.msm(&s).unwrap().into_affine(), reference(&b, &s), "seed={seed}");
    // More scalars than bases: the extra scalars are ignored rather than panicking.
    let t = FixedBase::new(&b[..10]);
    let s = scalars(20, &mut rng);
    assert_eq!(t.msm(&s).unwrap().into_affine(), reference(&b[..10], &s[..10]));
}

#[test]
fn fixed_base_segments_match_separate_msms() {
    let seed = seed(0x5e6);
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let seg = 24;
    for (name, b, s) in nasty_cases(5 * seg + 7, &mut rng) {
        for c in [4usize, 8] {
            let t = FixedBaseSegments::new(&b, seg, c);
            assert_eq!(t.segments(), 6);
            assert_eq!(t.window(), c);
            for len in [s.len(), 3 * seg + 1, 0] {
                let got = t.msm(&s[..len]);
                assert_eq!(got.len(), 6);
                for (k, g) in got.iter().enumerate() {
                    let lo = (k * seg).min(len);
                    let hi = ((k + 1) * seg).min(len);
                    let want = reference(&b[lo..hi], &s[lo..hi]);
                    assert_eq!(g.into_affine(), want, "`{name}` c={c} len={len} segment {k} seed={seed}");
                }
            }
        }
    }
    // More groups than one bucket set holds (several groups run side by side).
    let b = points(40 * 3, &mut rng);
    let s = scalars(40 * 3, &mut rng);
    let t = FixedBaseSegments::new(&b, 3, 8);
    for (k, g) in t.msm(&s).iter().enumerate() {
        assert_eq!(g.into_affine(), reference(&b[3 * k..3 * k + 3], &s[3 * k..3 * k + 3]), "segment {k} seed={seed}");
    }
}

#[test]
fn portable_arithmetic_gives_the_same_points() {
    // The portable multiplier (CPUs without ADX) on the streaming and tree paths. Other tests
    // may run meanwhile on the portable path too: results are identical by construction.
    let seed = seed(0x9047);
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let b = points(300, &mut rng);
    let s = scalars(300, &mut rng);
    let want = reference(&b, &s);
    msm::PORTABLE_ONLY.store(true, std::sync::atomic::Ordering::Relaxed);
    let fixed = FixedBase::with_window(&b, 12).msm(&s).unwrap().into_affine();
    let var = msm::msm_with_plan(&b, &s, MsmPlan { c: 8, chunks: 1, affine: true }).into_affine();
    let segs = FixedBaseSegments::new(&b, 100, 8).msm(&s);
    msm::PORTABLE_ONLY.store(false, std::sync::atomic::Ordering::Relaxed);
    assert_eq!(fixed, want, "seed={seed}");
    assert_eq!(var, want, "seed={seed}");
    assert_eq!(segs.iter().sum::<G1Projective>().into_affine(), want, "seed={seed}");
}
