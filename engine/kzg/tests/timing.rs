//! One-thread timings against c-kzg in one process (issue #3 targets), not a correctness test:
//!
//!   CARGO_TARGET_DIR=… cargo test --release -p gloam-kzg --test timing -- --ignored --nocapture
//!
//! c-kzg is loaded exactly as `gloam bench kzg` loads it: `ethereum_kzg_settings(8)`, the
//! precompute setting reth uses. gloam runs in a one-thread rayon pool on the CPU engine; both
//! get the same random blobs. Samples alternate between the two implementations so that load
//! from other processes on a shared machine hits both alike; the medians and their ratio are
//! printed. `GLOAM_TIMING_SAMPLES` sets the sample count (default 9), `GLOAM_TIMING_ONLY` a
//! substring of the row names to run. The results are checked
//! against c-kzg byte for byte before anything is timed.

use std::sync::Arc;
use std::time::Instant;

use ark_bls12_381::Fr;
use ark_ff::UniformRand;
use gloam_engine::Engine;
use gloam_kzg::codec::fr_to_be;
use gloam_kzg::*;
use rand::SeedableRng;

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// Nanoseconds this thread has run on a CPU (`CLOCK_THREAD_CPUTIME_ID`), which, unlike wall
/// time, does not count the time slices other processes take on a loaded machine.
#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
fn cpu_ns() -> Option<u64> {
    #[repr(C)]
    struct Timespec {
        sec: i64,
        nsec: i64,
    }
    unsafe extern "C" {
        fn clock_gettime(clock: i32, ts: *mut Timespec) -> i32;
    }
    const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
    let mut ts = Timespec { sec: 0, nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec (64-bit Linux layout).
    let rc = unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    (rc == 0).then(|| ts.sec as u64 * 1_000_000_000 + ts.nsec as u64)
}

#[cfg(not(all(target_os = "linux", target_pointer_width = "64")))]
fn cpu_ns() -> Option<u64> {
    None
}

/// Alternating samples of `ours` and `theirs`; returns (median ours, median theirs) in ms, of
/// this thread's CPU time where the kernel reports it (one-thread runs happen entirely on the
/// calling thread), else of wall time.
fn pair(samples: usize, ours: &mut dyn FnMut(), theirs: &mut dyn FnMut()) -> (f64, f64) {
    pair_with(true, samples, ours, theirs)
}

/// [`pair`], on wall time only when `cpu` is false (multi-threaded runs).
fn pair_with(cpu: bool, samples: usize, ours: &mut dyn FnMut(), theirs: &mut dyn FnMut()) -> (f64, f64) {
    ours();
    theirs();
    let (mut a, mut b, mut wa, mut wb) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let time = |f: &mut dyn FnMut(), cpu: &mut Vec<f64>, wall: &mut Vec<f64>| {
        let (c, t) = (cpu_ns(), Instant::now());
        f();
        wall.push(t.elapsed().as_secs_f64() * 1e3);
        if let (Some(c0), Some(c1)) = (c, cpu_ns()) {
            cpu.push((c1 - c0) as f64 / 1e6);
        }
    };
    for _ in 0..samples {
        time(ours, &mut a, &mut wa);
        time(theirs, &mut b, &mut wb);
    }
    let (mwa, mwb) = (median(&mut wa), median(&mut wb));
    if cpu && a.len() == samples && b.len() == samples {
        let (ma, mb) = (median(&mut a), median(&mut b));
        println!("    (wall: {mwa:.2} vs {mwb:.2} ms, ratio {:.2}; CPU time below)", mwa / mwb);
        (ma, mb)
    } else {
        (mwa, mwb)
    }
}

#[test]
#[ignore = "timing: run with --release -- --ignored --nocapture"]
fn kzg_one_thread_vs_ckzg() {
    let samples: usize = std::env::var("GLOAM_TIMING_SAMPLES").ok().and_then(|s| s.parse().ok()).unwrap_or(9);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("pool");
    pool.install(|| run(samples));
}

fn run(samples: usize) {
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let t = Instant::now();
    let s = KzgSettings::mainnet_with(
        Arc::new(Engine::cpu_only()),
        SetupOptions { fk20_eager: true, ..Default::default() },
    )
    .expect("setup");
    let ours_load = t.elapsed().as_secs_f64() * 1e3;
    let c = c_kzg::ethereum_kzg_settings(8);
    println!("load average at start: {}", load.trim());
    println!("gloam setup {ours_load:.0} ms ({}); one rayon thread, {samples} samples", s.stats());

    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(0x71e);
    let blobs: Vec<Blob> = (0..64)
        .map(|_| {
            let mut b = Blob::zero();
            for ch in b.as_bytes_mut().chunks_mut(32) {
                ch.copy_from_slice(&fr_to_be(&Fr::rand(&mut rng)));
            }
            b
        })
        .collect();
    let cblobs: Vec<c_kzg::Blob> = blobs.iter().map(|b| c_kzg::Blob::from_bytes(b.as_bytes()).unwrap()).collect();
    let coms: Vec<Bytes48> = blobs.iter().map(|b| s.blob_to_kzg_commitment(b).unwrap().to_bytes()).collect();
    let ccoms: Vec<c_kzg::Bytes48> = coms.iter().map(|x| c_kzg::Bytes48::from_bytes(&x.0).unwrap()).collect();
    let proofs: Vec<Bytes48> =
        blobs.iter().zip(&coms).map(|(b, c)| s.compute_blob_kzg_proof(b, c).unwrap().to_bytes()).collect();
    let cproofs: Vec<c_kzg::Bytes48> = proofs.iter().map(|x| c_kzg::Bytes48::from_bytes(&x.0).unwrap()).collect();

    // Same bytes as c-kzg before timing anything.
    assert_eq!(c.blob_to_kzg_commitment(&cblobs[0]).unwrap().to_bytes().as_slice(), &coms[0].0[..]);
    assert_eq!(c.compute_blob_kzg_proof(&cblobs[0], &ccoms[0]).unwrap().to_bytes().as_slice(), &proofs[0].0[..]);
    let (cells, cell_proofs) = s.compute_cells_and_kzg_proofs(&blobs[0]).unwrap();
    let (ccells, ccell_proofs) = c.compute_cells_and_kzg_proofs(&cblobs[0]).unwrap();
    for i in 0..cells.len() {
        assert_eq!(cells[i].as_bytes(), &ccells[i].to_bytes()[..], "cell {i}");
        assert_eq!(&cell_proofs[i].to_bytes().0[..], ccell_proofs[i].to_bytes().as_slice(), "cell proof {i}");
    }

    let keep = |x| {
        std::hint::black_box(x);
    };
    let mut rows = Vec::new();
    // `GLOAM_TIMING_ONLY=cells` times only the rows whose name contains it (for profiling).
    let only = std::env::var("GLOAM_TIMING_ONLY").unwrap_or_default();
    let want = |name: &str| name.contains(only.as_str());
    let mut row = |name: &'static str, target: f64, (a, b): (f64, f64)| {
        println!("{name:<34} gloam {a:>8.2} ms   c-kzg {b:>8.2} ms   ratio {:.2} (target ≤ {target})", a / b);
        rows.push((name, a / b));
    };
    if want("blob_to_kzg_commitment") {
        row(
            "blob_to_kzg_commitment",
            0.5,
            pair(samples, &mut || keep(s.blob_to_kzg_commitment(&blobs[1]).unwrap().to_bytes().0[0]), &mut || {
                keep(c.blob_to_kzg_commitment(&cblobs[1]).unwrap().to_bytes()[0])
            }),
        );
    }
    if want("compute_blob_kzg_proof") {
        row(
            "compute_blob_kzg_proof",
            0.7,
            pair(
                samples,
                &mut || keep(s.compute_blob_kzg_proof(&blobs[1], &coms[1]).unwrap().to_bytes().0[0]),
                &mut || keep(c.compute_blob_kzg_proof(&cblobs[1], &ccoms[1]).unwrap().to_bytes()[0]),
            ),
        );
    }
    if want("compute_cells_and_kzg_proofs") {
        row(
            "compute_cells_and_kzg_proofs",
            0.7,
            pair(
                samples.div_ceil(3),
                &mut || keep(s.compute_cells_and_kzg_proofs(&blobs[1]).unwrap().1.len() as u8),
                &mut || keep(c.compute_cells_and_kzg_proofs(&cblobs[1]).unwrap().1.len() as u8),
            ),
        );
    }
    if want("verify_blob_kzg_proof_batch n=64") {
        row(
            "verify_blob_kzg_proof_batch n=64",
            0.8,
            pair(
                samples.div_ceil(3),
                &mut || assert!(s.verify_blob_kzg_proof_batch(&blobs, &coms, &proofs).unwrap()),
                &mut || assert!(c.verify_blob_kzg_proof_batch(&cblobs, &ccoms, &cproofs).unwrap()),
            ),
        );
    }
    println!("load average at end: {}", std::fs::read_to_string("/proc/loadavg").unwrap_or_default().trim());
}

/// Where `compute_cells_and_kzg_proofs` spends its time (one thread, CPU time, median and
/// minimum of `GLOAM_TIMING_SAMPLES` runs, default 9): the whole call, the cells alone, and the
/// FK20 stages rebuilt from public parts on random inputs of the same shapes — the 64 Fr NTTs
/// of size 128, the 128 FK20 MSMs of 64 points (one `FixedBaseSegments` call on a c = 8 table),
/// the two G1 FFTs of size 128, and the 128 proofs to bytes (one batch normalisation, 128
/// compressions). The minimum is the figure to compare between builds on a loaded machine.
#[test]
#[ignore = "timing: run with --release -- --ignored --nocapture"]
fn cells_parts() {
    let samples: usize = std::env::var("GLOAM_TIMING_SAMPLES").ok().and_then(|s| s.parse().ok()).unwrap_or(9);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("pool");
    pool.install(|| {
        let s = KzgSettings::mainnet_with(
            Arc::new(Engine::cpu_only()),
            SetupOptions { fk20_eager: true, ..Default::default() },
        )
        .expect("setup");
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(0x71f);
        let mut blob = Blob::zero();
        for ch in blob.as_bytes_mut().chunks_mut(32) {
            ch.copy_from_slice(&fr_to_be(&Fr::rand(&mut rng)));
        }
        let pts = gloam_engine::testkit::random_points(8192, 3);
        let sc = gloam_engine::testkit::random_scalars(8192, 4);
        let t = Instant::now();
        let segs = gloam_cpu::msm::FixedBaseSegments::new(&pts, 64, 8);
        println!("segments table (c=8): {:.0} ms", t.elapsed().as_secs_f64() * 1e3);
        let g1: Vec<ark_bls12_381::G1Projective> = segs.msm(&sc);
        let omega = gloam_engine::domain::root_of_unity(7);
        let engine = Engine::cpu_only();
        let time = |name: &str, f: &mut dyn FnMut()| {
            f();
            let mut v: Vec<f64> = (0..samples)
                .map(|_| {
                    let c = cpu_ns().unwrap_or(0);
                    f();
                    (cpu_ns().unwrap_or(0) - c) as f64 / 1e6
                })
                .collect();
            let min = v.iter().copied().fold(f64::INFINITY, f64::min);
            println!("{name:<44} {:>8.2} ms CPU (min {min:>7.2})", median(&mut v));
        };
        time("compute_cells_and_kzg_proofs", &mut || {
            std::hint::black_box(s.compute_cells_and_kzg_proofs(&blob).unwrap());
        });
        time("  compute_cells (blob → 128 cells)", &mut || {
            std::hint::black_box(s.compute_cells(&blob).unwrap());
        });
        time("  64 Fr NTTs of 128", &mut || {
            let mut a = sc[..64 * 128].to_vec();
            engine.ntt_batch(&mut a, 128, gloam_engine::NttOp::FORWARD).unwrap();
            std::hint::black_box(a);
        });
        time("  128 MSMs of 64 points (segments, c=8)", &mut || {
            std::hint::black_box(segs.msm(&sc));
        });
        time("  2 G1 FFTs of 128 (second half zero)", &mut || {
            let mut v = g1.clone();
            gloam_kzg::fk20::g1_fft(&mut v, omega);
            for x in v[64..].iter_mut() {
                *x = Default::default();
            }
            gloam_kzg::fk20::g1_fft(&mut v, omega);
            std::hint::black_box(v);
        });
        let tw: Vec<gloam_cpu::curve::G1ScalarMul> =
            gloam_engine::domain::powers(omega, 64).into_iter().map(gloam_cpu::curve::G1ScalarMul::new).collect();
        time("    64 twiddle products, one by one", &mut || {
            std::hint::black_box(tw.iter().zip(&g1).map(|(t, p)| t.mul(p)).collect::<Vec<_>>());
        });
        time("    64 twiddle products, mul_many", &mut || {
            let refs: Vec<&gloam_cpu::curve::G1ScalarMul> = tw.iter().collect();
            std::hint::black_box(gloam_cpu::curve::G1ScalarMul::mul_many(&refs, &g1[..64]));
        });
        time("  128 proofs to bytes", &mut || {
            use ark_ec::CurveGroup;
            let a = ark_bls12_381::G1Projective::normalize_batch(&g1);
            std::hint::black_box(a.iter().map(gloam_kzg::codec::g1_compress).collect::<Vec<_>>());
        });
    });
}
