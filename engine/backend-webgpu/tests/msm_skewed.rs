//! Skewed scalar distributions through the device MSM directly (no engine, no fallback): a
//! constant vector puts every point in one bucket per window and `i mod 7` puts them in six,
//! which is what forced the bounded per-thread chains in msm.rs. Sizes straddle the window-size
//! changes. With `CI=true` a missing adapter fails.

use ark_ec::{CurveGroup, PrimeGroup, VariableBaseMSM};
use ark_ff::UniformRand;
use gloam_engine_core::{Fr, G1Affine, G1Projective};
use rand::SeedableRng;

fn seed() -> u64 {
    std::env::var("GLOAM_TEST_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x5ce3)
}

fn points(n: usize, seed: u64) -> Vec<G1Affine> {
    let mut r = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
    let g = G1Projective::generator();
    let (a, b) = (g * Fr::rand(&mut r), g * Fr::rand(&mut r));
    let mut acc = a;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(acc);
        acc += b;
    }
    G1Projective::normalize_batch(&out)
}

#[test]
fn skewed_scalars_match_arkworks() {
    let backend = match gloam_webgpu::probe(&Default::default()) {
        Ok(b) => b,
        Err(why) if std::env::var("CI").is_ok_and(|v| v == "true") => panic!("CI=true but no WebGPU adapter: {why}"),
        Err(why) => return gloam_engine_core::report_skip(&format!("no WebGPU adapter: {why}")),
    };
    let s = seed();
    let mut r = rand_chacha::ChaCha20Rng::seed_from_u64(s);
    for n in [1500usize, 8192] {
        let p = points(n, s + n as u64);
        let cases: Vec<(&str, Vec<Fr>)> = vec![
            ("r-1", vec![-Fr::from(1u64); n]),
            ("constant 3", vec![Fr::from(3u64); n]),
            ("i mod 7", (0..n).map(|i| Fr::from((i % 7) as u64)).collect()),
            ("random", (0..n).map(|_| Fr::rand(&mut r)).collect()),
        ];
        for (name, sc) in cases {
            let got = backend.msm(&p, &sc).expect("device msm").into_affine();
            let want = G1Projective::msm(&p, &sc).unwrap().into_affine();
            assert_eq!(got, want, "`{name}` n={n} seed={s}");
        }
    }
}
