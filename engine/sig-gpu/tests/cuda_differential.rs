//! CUDA secp256k1 recovery and verification against the CPU reference, item by item (the same
//! inputs as the WebGPU tests: seeded valid signatures, adversarial inputs, Wycheproof, the
//! fallback on an injected device error) plus a throughput line. Runs wherever a CUDA device
//! exists; elsewhere it prints a loud `*** SKIPPED ***` line (it is not a failure: CI has no GPU;
//! the arithmetic is covered there by tests/cuda_host_emulation.rs).

mod common;

use common::*;
use gloam_sig::secp256k1::EcdsaRule;
use gloam_sig_gpu::CudaSigBackend;

fn backend() -> Option<CudaSigBackend> {
    match CudaSigBackend::new(&gloam_cuda::CudaConfig::default()) {
        Ok(b) => Some(b.with_min_device_batch(0)),
        Err(why) => {
            gloam_engine_core::report_skip(&format!("CUDA sig tests: no usable CUDA device: {why}"));
            None
        }
    }
}

#[test]
fn cuda_valid_and_adversarial_match_cpu() {
    let Some(b) = backend() else { return };
    let seed = seed(0x5ec9_c0da);
    let mut rng = rng(seed);
    let (mut recs, mut vers) = valid_signatures(&mut rng, 2000);
    let (ar, av) = adversarial(&mut rng);
    recs.extend(ar);
    vers.extend(av);
    compare_recover(&b, &recs, BOTH, seed);
    compare_verify(&b, &vers, BOTH, seed);
    assert!(b.stats().device_items() > 0, "the device path ran");
    assert_eq!(b.stats().fallbacks(), 0, "no device errors: {:?}", b.stats().last_error());
}

#[test]
fn cuda_wycheproof_matches_cpu() {
    let Some(b) = backend() else { return };
    let Some(groups) = wycheproof() else {
        gloam_engine_core::report_skip("Wycheproof vectors not found (shared/vectors/wycheproof)");
        return;
    };
    for (rule, recs, vers) in groups {
        compare_recover(&b, &recs, BOTH, 0);
        compare_verify(&b, &vers, &[rule], 0);
    }
    assert_eq!(b.stats().fallbacks(), 0, "no device errors: {:?}", b.stats().last_error());
}

#[test]
fn cuda_device_error_falls_back_to_cpu() {
    let Some(b) = backend() else { return };
    let mut rng = rng(seed(0xfa11));
    let (recs, vers) = valid_signatures(&mut rng, 4);
    b.inject_fault(true);
    compare_recover(&b, &recs, &[EcdsaRule::HighSAllowed], 0);
    compare_verify(&b, &vers, &[EcdsaRule::HighSAllowed], 0);
    b.inject_fault(false);
    assert_eq!(b.stats().fallbacks(), 2);
}

#[test]
fn cuda_throughput() {
    let Some(b) = backend() else { return };
    let n: usize = std::env::var("GLOAM_SIG_N").ok().and_then(|v| v.parse().ok()).unwrap_or(1 << 16);
    let rate = gloam_sig_gpu::ecrecover_per_second(&b, n).expect("matches the CPU");
    println!(
        "cuda ecrecover on {}: n = {n}: {rate:.0} /s (end to end: host prep + transfers + keccak)",
        b.device_info().name
    );
    assert!(rate > 0.0);
    let ed = gloam_sig_gpu::ed25519_verify_per_second(&b, n).expect("matches the CPU");
    println!("cuda ed25519 verify: n = {n}: {ed:.0} /s (end to end: host decode + SHA-512 + transfers + check)");
}

#[test]
fn cuda_ed25519_matches_cpu() {
    let Some(b) = backend() else { return };
    let seed = seed(0xed25519);
    let mut rng = rng(seed);
    let mut cases = ed_cases(&mut rng, 2000);
    cases.extend(ed_wycheproof().unwrap_or_default());
    compare_ed(&b, &cases, seed);
    assert_eq!(b.stats().fallbacks(), 0, "no device errors: {:?}", b.stats().last_error());
}
