//! Rough timings of the WebGPU backend on whatever adapter is present:
//! `cargo run --release -p gloam-webgpu --example webgpu_timing [max_log]`.
//! Each figure is the median of 3 runs after a warm-up, end to end (host bucketing, upload,
//! kernels, readback). For real comparisons use `gloam bench`.

use std::time::Instant;

#[allow(unused_imports)]
use ark_ec::AffineRepr;
use ark_ec::{CurveGroup, PrimeGroup};
use ark_ff::UniformRand;
use gloam_engine_core::{Fr, G1Projective, NttOp};
use rand::SeedableRng;

fn median(mut f: impl FnMut()) -> f64 {
    f();
    let mut v: Vec<f64> = (0..3)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[1]
}

fn main() {
    let max_log: u32 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(16);
    let backend = gloam_webgpu::probe(&Default::default()).expect("adapter");
    let info = backend.info();
    println!("device: {} ({})", info.name, info.driver);
    for r in backend.warm_up().expect("kernels") {
        println!("compile {:<16} {:>9.1} ms", r.kernel, r.millis);
    }
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    let g = G1Projective::generator();
    for log in (10..=max_log).step_by(2) {
        let n = 1usize << log;
        let b = g * Fr::rand(&mut rng);
        let pts: Vec<G1Projective> = (0..n)
            .scan(g, |acc, _| {
                *acc += b;
                Some(*acc)
            })
            .collect();
        let pts = G1Projective::normalize_batch(&pts);
        let sc: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        let ms = median(|| {
            let _ = backend.msm(&pts, &sc).unwrap();
        });
        println!("msm 2^{log:<2}            {ms:>9.1} ms");
        let mut data: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        let ms = median(|| backend.ntt(&mut data, NttOp::FORWARD).unwrap());
        println!("ntt 2^{log:<2}            {ms:>9.1} ms");
    }
    let n = 4096;
    let pts = G1Projective::normalize_batch(&(0..n).map(|i| g * Fr::from(i as u64 + 1)).collect::<Vec<_>>());
    let t = Instant::now();
    let table = backend.prepare_fixed_base(&pts).unwrap();
    println!(
        "fixed-base prepare 4096  {:>9.1} ms ({} table bytes)",
        t.elapsed().as_secs_f64() * 1e3,
        table.table_bytes()
    );
    let sc: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
    let ms = median(|| {
        let _ = table.msm(&sc).unwrap();
    });
    println!("fixed-base msm 4096      {ms:>9.1} ms");
    let vecs: Vec<Vec<Fr>> = (0..8).map(|_| (0..n).map(|_| Fr::rand(&mut rng)).collect()).collect();
    let refs: Vec<&[Fr]> = vecs.iter().map(|v| v.as_slice()).collect();
    let ms = median(|| {
        table.msm_batch(&refs).unwrap();
    });
    println!("fixed-base msm 8×4096    {ms:>9.1} ms");
}
