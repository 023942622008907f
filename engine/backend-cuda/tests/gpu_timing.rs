//! Timings on a real device, printed as a table (ignored by default; `ci/gpu-check.sh` runs it
//! with `--ignored`). Targets on an H100: MSM 2^20 <= 10 ms, NTT 2^20 <= 0.3 ms resident.
//! Correctness at these sizes is the differential tests' job; this only measures.

use std::time::Instant;

use ark_bls12_381::{Fr, G1Affine, G1Projective};
use ark_ec::{CurveGroup, PrimeGroup};
use ark_ff::UniformRand;
use gloam_cuda::{CudaBackend, CudaConfig};
use gloam_engine_core::{Backend, MsmJob, NttOp};
use rand::SeedableRng;

fn points(n: usize, seed: u64) -> Vec<G1Affine> {
    let mut r = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
    let g = G1Projective::generator();
    let (a, b) = (g * Fr::rand(&mut r), g * Fr::rand(&mut r));
    let mut acc = a;
    let mut v = Vec::with_capacity(n);
    for _ in 0..n {
        v.push(acc);
        acc += b;
    }
    G1Projective::normalize_batch(&v)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

#[test]
#[ignore = "GPU timing; run by ci/gpu-check.sh with --ignored"]
fn print_timings() {
    let b = match CudaBackend::open(&CudaConfig::default()) {
        Ok(b) => b,
        Err(why) => {
            gloam_engine_core::report_skip(&format!("timings need a CUDA device: {why}"));
            if std::env::var("GLOAM_REQUIRE_CUDA").is_ok_and(|v| v == "1") {
                panic!("GLOAM_REQUIRE_CUDA=1 but {why}");
            }
            return;
        }
    };
    println!("device: {:?}", b.info());
    for r in b.warm_up().unwrap() {
        println!("module {:<4} {:>8.1} ms  cache={}", r.kernel, r.millis, r.from_cache);
    }
    let max_log: u32 = std::env::var("GLOAM_TEST_MAX_LOG").ok().and_then(|v| v.parse().ok()).unwrap_or(20);
    let seed = 0x7157;
    println!("\n{:<28} {:>12}", "op", "ms (median)");
    for log in [12u32, 16, 20].into_iter().filter(|&l| l <= max_log) {
        println!("{:<28} {:>12.4}", format!("ntt 2^{log} resident"), b.ntt_resident_ms(log, 1, 50).unwrap());
        let mut r = rand_chacha::ChaCha20Rng::seed_from_u64(seed + log as u64);
        let mut data: Vec<Fr> = (0..1usize << log).map(|_| Fr::rand(&mut r)).collect();
        let t: Vec<f64> = (0..5)
            .map(|_| {
                let t0 = Instant::now();
                b.ntt(&mut data, NttOp::FORWARD).unwrap();
                t0.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        println!("{:<28} {:>12.4}", format!("ntt 2^{log} with transfers"), median(t));
    }
    println!("{:<28} {:>12.4}", "ntt 2^12 x 64 resident", b.ntt_resident_ms(12, 64, 20).unwrap());
    for log in [12u32, 16, 18, 20].into_iter().filter(|&l| l <= max_log) {
        let n = 1usize << log;
        let bases = points(n, seed + 1);
        let mut r = rand_chacha::ChaCha20Rng::seed_from_u64(seed + 2);
        let scalars: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut r)).collect();
        let _ = b.msm(&bases, &scalars).unwrap();
        let t: Vec<f64> = (0..5)
            .map(|_| {
                let t0 = Instant::now();
                let _ = b.msm(&bases, &scalars).unwrap();
                t0.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        println!("{:<28} {:>12.3}", format!("msm 2^{log}"), median(t));
        let same = vec![scalars[0]; n];
        let t0 = Instant::now();
        let _ = b.msm(&bases, &same).unwrap();
        println!("{:<28} {:>12.3}", format!("msm 2^{log} one bucket"), t0.elapsed().as_secs_f64() * 1e3);
    }
    let blob_bases = points(4096, seed + 5);
    let mut r = rand_chacha::ChaCha20Rng::seed_from_u64(seed + 6);
    let blob_scalars: Vec<Vec<Fr>> = (0..64).map(|_| (0..4096).map(|_| Fr::rand(&mut r)).collect()).collect();
    let jobs: Vec<MsmJob> = blob_scalars.iter().map(|s| MsmJob { bases: &blob_bases, scalars: s }).collect();
    let _ = b.msm_batch(&jobs).unwrap();
    let t0 = Instant::now();
    let _ = b.msm_batch(&jobs).unwrap();
    println!("{:<28} {:>12.3}", "msm batch 64 x 4096", t0.elapsed().as_secs_f64() * 1e3);

    let bases = points(4096, seed + 3);
    let t0 = Instant::now();
    let fixed = b.prepare_fixed_base(&bases).unwrap();
    println!("{:<28} {:>12.3}", "fixed-base 4096 prepare", t0.elapsed().as_secs_f64() * 1e3);
    let mut r = rand_chacha::ChaCha20Rng::seed_from_u64(seed + 4);
    let scalars: Vec<Fr> = (0..4096).map(|_| Fr::rand(&mut r)).collect();
    let _ = fixed.msm(&scalars).unwrap();
    let t: Vec<f64> = (0..5)
        .map(|_| {
            let t0 = Instant::now();
            let _ = fixed.msm(&scalars).unwrap();
            t0.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    println!("{:<28} {:>12.3}", "fixed-base 4096 msm", median(t));
}
