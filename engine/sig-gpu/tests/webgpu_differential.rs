//! WebGPU secp256k1 recovery and verification against the CPU reference (gloam-sig, i.e.
//! libsecp256k1), item by item: seeded valid signatures, adversarial inputs, the Wycheproof
//! secp256k1 files, and the CPU fallback on a device error. Runs on whatever adapter exists
//! (lavapipe in CI); with `CI=true` a missing adapter fails. `GLOAM_TEST_SEED` replays a seed.

mod common;

use common::*;
use gloam_sig::secp256k1::EcdsaRule;
use gloam_sig::SigBackend;
use gloam_sig_gpu::WebGpuSigBackend;

fn backend() -> Option<WebGpuSigBackend> {
    match WebGpuSigBackend::new() {
        Ok(b) => Some(b.with_min_device_batch(0)),
        Err(why) if std::env::var("CI").is_ok_and(|v| v == "true") => panic!("CI=true but no WebGPU adapter: {why}"),
        Err(why) => {
            gloam_engine_core::report_skip(&format!("no WebGPU adapter: {why}"));
            None
        }
    }
}

#[test]
fn valid_and_adversarial_match_cpu() {
    let Some(b) = backend() else { return };
    let seed = seed(0x5ec9_256b);
    let mut rng = rng(seed);
    let (mut recs, mut vers) = valid_signatures(&mut rng, 48);
    let (ar, av) = adversarial(&mut rng);
    recs.extend(ar);
    vers.extend(av);
    let before = b.stats().device_items();
    compare_recover(&b, &recs, BOTH, seed);
    compare_verify(&b, &vers, BOTH, seed);
    assert!(b.stats().device_items() > before, "the device path ran");
    assert_eq!(b.stats().fallbacks(), 0, "no device errors: {:?}", b.stats().last_error());
    // The inputs exercise both outcomes.
    let items = recover_items(&recs);
    let r = b.ecrecover_batch(&items, EcdsaRule::HighSAllowed);
    assert!(oks(&r) > 48 && oks(&r) < r.len());
}

#[test]
fn wycheproof_matches_cpu() {
    let Some(b) = backend() else { return };
    let Some(groups) = wycheproof() else {
        gloam_engine_core::report_skip("Wycheproof vectors not found (shared/vectors/wycheproof)");
        return;
    };
    let mut recs = Vec::new();
    let mut vers_by_rule: Vec<(EcdsaRule, Vec<Ver>)> = Vec::new();
    for (rule, r, v) in groups {
        recs.extend(r);
        vers_by_rule.push((rule, v));
    }
    compare_recover(&b, &recs, BOTH, 0);
    let mut total = 0;
    for (rule, v) in &vers_by_rule {
        compare_verify(&b, v, &[*rule], 0);
        total += v.len();
    }
    assert!(total > 500, "{total} Wycheproof verification items");
    assert_eq!(b.stats().fallbacks(), 0, "no device errors: {:?}", b.stats().last_error());
}

#[test]
fn device_error_falls_back_to_cpu() {
    let Some(b) = backend() else { return };
    let seed = seed(0xfa11);
    let mut rng = rng(seed);
    let (recs, vers) = valid_signatures(&mut rng, 4);
    b.inject_fault(true);
    compare_recover(&b, &recs, &[EcdsaRule::HighSAllowed], seed);
    compare_verify(&b, &vers, &[EcdsaRule::HighSAllowed], seed);
    b.inject_fault(false);
    assert_eq!(b.stats().fallbacks(), 2);
    assert!(b.stats().last_error().unwrap().contains("fault injection"));
}

#[test]
fn small_batches_stay_on_the_cpu_by_default() {
    let Some(b) = backend() else { return };
    let b = b.with_min_device_batch(gloam_sig_gpu::DEFAULT_MIN_DEVICE_BATCH);
    let mut rng = rng(seed(7));
    let (recs, _) = valid_signatures(&mut rng, 3);
    compare_recover(&b, &recs, &[EcdsaRule::HighSAllowed], 7);
    assert_eq!(b.stats().device_items(), 0);
}

#[test]
fn ed25519_matches_cpu() {
    let Some(b) = backend() else { return };
    let seed = seed(0xed25519);
    let mut rng = rng(seed);
    let mut cases = ed_cases(&mut rng, 24);
    match ed_wycheproof() {
        Some(w) => cases.extend(w),
        None => gloam_engine_core::report_skip("Wycheproof ed25519 vectors not found"),
    }
    compare_ed(&b, &cases, seed);
    assert_eq!(b.stats().fallbacks(), 0, "no device errors: {:?}", b.stats().last_error());
}

#[test]
fn batches_split_into_chunks_keep_their_order() {
    let Some(b) = backend() else { return };
    let b = b.with_max_chunk(7);
    let seed = seed(0xc4c4);
    let mut rng = rng(seed);
    let (recs, vers) = valid_signatures(&mut rng, 10);
    compare_recover(&b, &recs, &[EcdsaRule::HighSAllowed], seed);
    compare_verify(&b, &vers, &[EcdsaRule::HighSAllowed], seed);
    compare_ed(&b, &ed_cases(&mut rng, 8)[..24], seed);
    assert!(b.stats().device_items() >= 20 + 20);
    assert_eq!(b.stats().fallbacks(), 0, "no device errors: {:?}", b.stats().last_error());
}

#[test]
fn software_adapters_stay_on_the_cpu_unless_forced() {
    if backend().is_none() {
        return;
    }
    let b = WebGpuSigBackend::new().expect("adapter present");
    let mut rng = rng(seed(11));
    let (recs, _) = valid_signatures(&mut rng, 300);
    compare_recover(&b, &recs, &[EcdsaRule::HighSAllowed], 11);
    if b.device_info().is_software {
        assert_eq!(b.stats().device_items(), 0, "a software adapter is not used by default");
    } else {
        assert_eq!(b.stats().device_items(), 300, "300 ≥ DEFAULT_MIN_DEVICE_BATCH goes to the device");
    }
}
