//! Timing of WebGPU ecrecover (prints; asserts only that the results match the CPU). Ignored by
//! default: `cargo test -p gloam-sig-gpu --test webgpu_timing -- --ignored --nocapture`.

use std::time::Instant;

#[test]
#[ignore]
fn webgpu_ecrecover_timing() {
    let t0 = Instant::now();
    let b = match gloam_sig_gpu::WebGpuSigBackend::new() {
        Ok(b) => b.with_min_device_batch(0),
        Err(why) => {
            gloam_engine_core::report_skip(&format!("no WebGPU adapter: {why}"));
            return;
        }
    };
    println!("open + compile: {:.2} s on {}", t0.elapsed().as_secs_f64(), b.device_info().name);
    let n: usize = std::env::var("GLOAM_SIG_N").ok().and_then(|v| v.parse().ok()).unwrap_or(256);
    let rate = gloam_sig_gpu::ecrecover_per_second(&b, n).expect("matches the CPU");
    println!("webgpu ecrecover, n = {n}: {rate:.1} /s");
    let cpu = gloam_sig_gpu::ecrecover_per_second(&gloam_sig::CpuSigBackend, n).unwrap();
    println!("cpu ecrecover (debug test build, gloam-sig at opt-level 1), n = {n}: {cpu:.1} /s");
    let t0 = Instant::now();
    let rate = gloam_sig_gpu::ed25519_verify_per_second(&b, n).expect("matches the CPU");
    println!(
        "webgpu ed25519 verify, n = {n}: {rate:.1} /s ({:.1} s including the first-use build)",
        t0.elapsed().as_secs_f64()
    );
    let cpu = gloam_sig_gpu::ed25519_verify_per_second(&gloam_sig::CpuSigBackend, n).unwrap();
    println!("cpu ed25519 verify_batch, n = {n}: {cpu:.1} /s");
}

/// Host-side cost per item of the device path (checks, scalars, batch inversion, keccak /
/// Ed25519 decode + hash + final check), with the device's answer faked: what bounds the
/// throughput of any device. `cargo test -p gloam-sig-gpu --test webgpu_timing host -- --ignored --nocapture`
#[test]
#[ignore]
fn host_share_of_the_device_path() {
    use gloam_sig::secp256k1::{EcdsaRule, RecoverItem};
    use gloam_sig_gpu::{prep, prep_ed25519};
    let n: usize = std::env::var("GLOAM_SIG_N").ok().and_then(|v| v.parse().ok()).unwrap_or(8192);
    let sigs = gloam_sig_gpu::sample_signatures(n, 1);
    let items: Vec<RecoverItem<'_>> =
        sigs.iter().map(|(h, s)| RecoverItem { prehash: *h, signature: &s[..] }).collect();
    let t0 = Instant::now();
    let p = prep::prepare_recover(&items, EcdsaRule::LowSRequired);
    let t1 = Instant::now();
    // A fake but well-formed answer: G for every item.
    let g = prep::g_table();
    let mut out = Vec::with_capacity(n * prep::OUT_WORDS);
    for _ in 0..p.device_items() {
        out.extend_from_slice(&g[..16]);
        out.push(prep::STATUS_OK);
    }
    let t2 = Instant::now();
    let r = prep::finish_recover(p, &out).unwrap();
    let t3 = Instant::now();
    assert_eq!(r.len(), n);
    println!(
        "secp256k1 host share, n = {n}: prepare {:.2} µs/item, finish (keccak) {:.2} µs/item (rayon, {} threads)",
        (t1 - t0).as_secs_f64() * 1e6 / n as f64,
        (t3 - t2).as_secs_f64() * 1e6 / n as f64,
        rayon::current_num_threads()
    );
    let eds = gloam_sig_gpu::sample_ed25519(n, 1);
    let items: Vec<gloam_sig::ed25519::Item<'_>> =
        eds.iter().map(|(pk, m, s)| gloam_sig::ed25519::Item::new(pk, m, s)).collect();
    let t0 = Instant::now();
    let p = prep_ed25519::prepare(&items);
    let t1 = Instant::now();
    let out = vec![prep_ed25519::STATUS_VALID; p.device_items()];
    let t2 = Instant::now();
    let r = prep_ed25519::finish(p, &out).unwrap();
    let t3 = Instant::now();
    assert_eq!(r.len(), n);
    println!(
        "ed25519 host share, n = {n}: prepare (checks + SHA-512) {:.2} µs/item, finish {:.2} µs/item",
        (t1 - t0).as_secs_f64() * 1e6 / n as f64,
        (t3 - t2).as_secs_f64() * 1e6 / n as f64
    );
}
