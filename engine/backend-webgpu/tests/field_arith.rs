//! The WGSL field arithmetic against arkworks, through a test-only compute shader
//! (field_test.wgsl): random pairs plus the edge values 0, 1, 2, r−1 / p−1, (r−1)/2.
//! Runs on whatever adapter exists (lavapipe in CI); with `CI=true` a missing adapter fails.

use ark_ff::PrimeField;
use gloam_engine_core::{layout, Fq, Fr};
use rand::SeedableRng;

fn seed() -> u64 {
    std::env::var("GLOAM_TEST_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x0066_6965_6c64)
}

fn adapter_present() -> bool {
    match gloam_webgpu::probe(&gloam_webgpu::WebGpuConfig::default()) {
        Ok(_) => true,
        Err(why) if std::env::var("CI").is_ok_and(|v| v == "true") => panic!("CI=true but no WebGPU adapter: {why}"),
        Err(why) => {
            gloam_engine_core::report_skip(&format!("no WebGPU adapter: {why}"));
            false
        }
    }
}

fn edges<F: PrimeField>() -> Vec<F> {
    let one = F::one();
    let half = (F::zero() - one) * (one + one).inverse().unwrap();
    vec![F::zero(), one, one + one, -one, -(one + one), half, half + one]
}

fn check<F: PrimeField>(fp: bool, to_words: impl Fn(&F) -> Vec<u32>, from_words: impl Fn(&[u32]) -> F) {
    let s = seed();
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(s);
    let e = edges::<F>();
    let mut pairs: Vec<(F, F)> = Vec::new();
    for a in &e {
        for b in &e {
            pairs.push((*a, *b));
        }
    }
    for _ in 0..2000 {
        pairs.push((F::rand(&mut rng), F::rand(&mut rng)));
    }
    let lhs: Vec<u32> = pairs.iter().flat_map(|(a, _)| to_words(a)).collect();
    let rhs: Vec<u32> = pairs.iter().flat_map(|(_, b)| to_words(b)).collect();
    let out = gloam_webgpu::testing::field_ops(fp, &lhs, &rhs).expect("device run");
    let w = if fp { 12 } else { 8 };
    for (i, (a, b)) in pairs.iter().enumerate() {
        let r = &out[3 * w * i..3 * w * (i + 1)];
        assert_eq!(from_words(&r[..w]), *a + b, "add #{i} a={a} b={b} seed={s}");
        assert_eq!(from_words(&r[w..2 * w]), *a - b, "sub #{i} a={a} b={b} seed={s}");
        assert_eq!(from_words(&r[2 * w..]), *a * b, "mul #{i} a={a} b={b} seed={s}");
        // Bit-identical words, not just equal values: results must be fully reduced.
        assert_eq!(&r[2 * w..], to_words(&(*a * b)).as_slice(), "mul words #{i} seed={s}");
    }
    assert!(pairs.iter().any(|(a, _)| a.is_zero()));
}

#[test]
fn fr_add_sub_mul_match_arkworks() {
    if !adapter_present() {
        return;
    }
    check::<Fr>(false, |x| layout::fr_to_mont_words(x).to_vec(), layout::fr_from_mont_words);
}

#[test]
fn fp_add_sub_mul_match_arkworks() {
    if !adapter_present() {
        return;
    }
    check::<Fq>(true, |x| layout::fq_to_mont_words(x).to_vec(), layout::fq_from_mont_words);
}
