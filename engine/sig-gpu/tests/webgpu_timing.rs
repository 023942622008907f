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
