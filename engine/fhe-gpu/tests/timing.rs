//! Throughput figures (`--ignored`): `cargo test -p gloam-fhe-gpu --test timing -- --ignored --nocapture`.
//! Each batch is also compared with the CPU engine once, so a figure is never reported for
//! wrong bytes. `GLOAM_FHE_GPU_TIMING_HPU` sets the HPU batch size (default 8).

mod common;

use common::{hpu, inputs, toy, Keys};
use gloam_fhe_gpu::{measure_bootstraps_per_second, CudaFhe, FheDevice, WebGpuFhe};

fn run(name: &str, k: &Keys, engine: &dyn FheDevice, batch: usize) {
    let (cts, _) = inputs(k, batch, 0x7131);
    let lut = k.server.lut(|x| (x + 1) % 4);
    let got = engine.keyswitch_bootstrap_batch(&cts, &[&lut]).expect("device run");
    assert_eq!(got, k.server.bootstrap_batch(&cts, &[&lut]).unwrap(), "{name}: bytes differ from the CPU");
    let t = measure_bootstraps_per_second(engine, &cts, &lut, 3).expect("timing");
    let cpu0 = std::time::Instant::now();
    k.server.bootstrap_batch(&cts, &[&lut]).unwrap();
    let cpu = batch as f64 / cpu0.elapsed().as_secs_f64();
    eprintln!(
        "{name}: {} batch {batch}: {:.1} KS+PBS/s (runs {:?} s); CPU engine (rayon) {cpu:.1} KS+PBS/s",
        t.device, t.bootstraps_per_second, t.seconds
    );
}

#[test]
#[ignore]
fn keyswitch_bootstrap_throughput() {
    let hpu_batch = std::env::var("GLOAM_FHE_GPU_TIMING_HPU").ok().and_then(|v| v.parse().ok()).unwrap_or(8);
    match WebGpuFhe::new(&toy().server) {
        Ok(e) => {
            run("toy (n=8, N=64)", toy(), &e, 1024);
            let e = WebGpuFhe::new(&hpu().server).expect("HPU engine");
            run("HPU (n=879, N=2048)", hpu(), &e, hpu_batch);
        }
        Err(e) => gloam_engine_core::report_skip(&format!("WebGPU timing: {e}")),
    }
    match CudaFhe::new(&hpu().server) {
        Ok(e) => {
            for batch in [64, 512, 2048] {
                run("HPU (n=879, N=2048)", hpu(), &e, batch);
            }
        }
        Err(e) => gloam_engine_core::report_skip(&format!("CUDA timing: {e}")),
    }
}
