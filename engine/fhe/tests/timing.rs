//! Timing of one bootstrap, engine vs tfhe-rs, same keys, same process, one thread each.
//! Run: `cargo test -p gloam-fhe --test timing -- --ignored --nocapture`.

mod common;

use std::time::Instant;

use common::{fixture, generators};
use tfhe::core_crypto::prelude::*;

struct Timing {
    wall: f64,
    cpu: f64,
    /// Fastest wall time: the least disturbed by other processes on a shared machine.
    min: f64,
}

impl std::fmt::Display for Timing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:.2} / {:.2} (min {:.2})", self.wall, self.cpu, self.min)
    }
}

/// On-CPU time of the calling thread in ms (Linux); 0 elsewhere.
fn thread_cpu_ms() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|v| v.parse::<f64>().ok()))
        .map_or(0.0, |ns| ns / 1e6)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

#[test]
#[ignore]
fn pbs_timing() {
    let f = fixture();
    let reps: usize = std::env::var("GLOAM_FHE_REPS").ok().and_then(|s| s.parse().ok()).unwrap_or(5);
    let (_, mut enc) = generators(99);
    let lut = f.server.lut(|x| x);
    let ct = f.encrypt_big(3, &mut enc);
    let small = f.server.keyswitch(&ct).unwrap();
    let small_u64 = f.encrypt_small_u64(3, &mut enc);

    // Median wall time and median on-CPU time of this thread (/proc/thread-self/schedstat), the
    // latter robust to other processes sharing the cores.
    let time = |g: &mut dyn FnMut()| {
        g();
        let (mut wall, mut cpu) = (Vec::new(), Vec::new());
        for _ in 0..reps {
            let (t, c) = (Instant::now(), thread_cpu_ms());
            g();
            cpu.push(thread_cpu_ms() - c);
            wall.push(t.elapsed().as_secs_f64() * 1e3);
        }
        let min = wall.iter().copied().fold(f64::INFINITY, f64::min);
        Timing { wall: median(wall), cpu: median(cpu), min }
    };
    let ours_ks = time(&mut || {
        std::hint::black_box(f.server.keyswitch(&ct).unwrap());
    });
    let tfhe_ks = time(&mut || {
        std::hint::black_box(f.oracle_ks(&ct));
    });
    let ours_pbs = time(&mut || {
        std::hint::black_box(f.server.bootstrap(&small, &lut).unwrap());
    });
    let tfhe_bnf = time(&mut || {
        std::hint::black_box(f.oracle_pbs_u32(&small.data, &lut));
    });
    let ours_pbs64 = time(&mut || {
        std::hint::black_box(f.server.bootstrap_key().bootstrap_u64(&small_u64, &lut).unwrap());
    });
    let tfhe_bnf64 = time(&mut || {
        std::hint::black_box(f.oracle_pbs_u64(&small_u64, &lut));
    });

    // tfhe's default f64-FFT bootstrap on the same standard-domain key (u64 small LWE input).
    let fft = f.fourier_bsk();
    let acc = f.tfhe_lut(&lut);
    let input = tfhe::core_crypto::prelude::LweCiphertext::from_container(
        small_u64.data.clone(),
        CiphertextModulus::<u64>::new_native(),
    );
    let mut out = tfhe::core_crypto::prelude::LweCiphertext::new(
        0u64,
        LweSize(f.params.big_lwe_dimension() + 1),
        CiphertextModulus::new_native(),
    );
    let tfhe_fft = time(&mut || {
        programmable_bootstrap_lwe_ciphertext(&input, &mut out, &acc, &fft);
    });
    println!("reps={reps}, medians, one thread each, same process; wall ms / on-CPU ms (min wall ms)");
    println!("keyswitch 2048->879 KS32: ours {ours_ks}, tfhe {tfhe_ks}");
    println!("PBS BNF (KS32 input):     ours {ours_pbs}, tfhe ntt64-bnf {tfhe_bnf}");
    println!("PBS BNF (u64 input):      ours {ours_pbs64}, tfhe ntt64-bnf {tfhe_bnf64}");
    println!("tfhe default FFT PBS (same key, n=879): {tfhe_fft}");
    println!(
        "on-CPU ratios: ours/tfhe-bnf = {:.2}, ours/tfhe-fft = {:.2}, ks ours/tfhe = {:.2}",
        ours_pbs.cpu / tfhe_bnf.cpu,
        ours_pbs.cpu / tfhe_fft.cpu,
        ours_ks.cpu / tfhe_ks.cpu
    );
    println!(
        "min-wall ratios: ours/tfhe-bnf = {:.2}, ours/tfhe-fft = {:.2} (u64 input: {:.2})",
        ours_pbs.min / tfhe_bnf.min,
        ours_pbs.min / tfhe_fft.min,
        ours_pbs64.min / tfhe_fft.min
    );
}

/// euint8 add latency, then a block of `GLOAM_FHE_ADDS` (default 64) independent euint8 adds:
/// merged by the scheduler vs one by one, against the same number of tfhe-rs single bootstraps
/// (default FFT PBS, same key; one thread, and a rayon `par_iter` over the machine's threads).
/// Run: `cargo test -p gloam-fhe --test timing integer_timing -- --ignored --nocapture`.
#[test]
#[ignore]
fn integer_timing() {
    use gloam_fhe::{BootstrapScheduler, RadixCiphertext, EUINT8_BLOCKS};
    use rayon::prelude::*;
    let f = fixture();
    let adds: usize = std::env::var("GLOAM_FHE_ADDS").ok().and_then(|s| s.parse().ok()).unwrap_or(64);
    let reps: usize = std::env::var("GLOAM_FHE_REPS").ok().and_then(|s| s.parse().ok()).unwrap_or(5);
    let (_, mut enc) = generators(98);
    let mut enc8 = |v: u8| RadixCiphertext {
        blocks: (0..EUINT8_BLOCKS).map(|i| f.encrypt_big(((v >> (2 * i)) & 3) as u64, &mut enc)).collect(),
    };
    let pairs: Vec<(RadixCiphertext, RadixCiphertext)> =
        (0..adds).map(|i| (enc8(i as u8), enc8((3 * i + 101) as u8))).collect();
    let r = f.server.radix();
    let threads = rayon::current_num_threads();

    let mut lat = Vec::new();
    for _ in 0..reps {
        let t = Instant::now();
        std::hint::black_box(r.add(&pairs[0].0, &pairs[0].1).unwrap());
        lat.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let add_ms = median(lat);

    let sched = BootstrapScheduler::new(&f.server);
    let ops: Vec<gloam_fhe::scheduler::ScheduledOp<RadixCiphertext>> =
        pairs.iter().map(|(a, b)| Box::new(move |r: &gloam_fhe::Radix<'_>| r.add(a, b)) as _).collect();
    let t = Instant::now();
    let (outs, stats) = sched.run(ops);
    let sched_s = t.elapsed().as_secs_f64();
    assert!(outs.iter().all(Result::is_ok));

    let t = Instant::now();
    for (a, b) in &pairs {
        std::hint::black_box(r.add(a, b).unwrap());
    }
    let serial_s = t.elapsed().as_secs_f64();

    // tfhe-rs: the same number of single bootstraps (FFT PBS, small u64 input, no keyswitch)
    let fft = f.fourier_bsk();
    let acc = f.tfhe_lut(&f.server.lut(|x| x % 4));
    let small_u64 = f.encrypt_small_u64(3, &mut enc);
    let input = tfhe::core_crypto::prelude::LweCiphertext::from_container(
        small_u64.data.clone(),
        CiphertextModulus::<u64>::new_native(),
    );
    let lwe_size = LweSize(f.params.big_lwe_dimension() + 1);
    let new_out = || tfhe::core_crypto::prelude::LweCiphertext::new(0u64, lwe_size, CiphertextModulus::new_native());
    let mut out = new_out();
    let t = Instant::now();
    for _ in 0..stats.bootstraps {
        programmable_bootstrap_lwe_ciphertext(&input, &mut out, &acc, &fft);
    }
    let tfhe_seq_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    (0..stats.bootstraps).into_par_iter().for_each_init(new_out, |out, _| {
        programmable_bootstrap_lwe_ciphertext(&input, out, &acc, &fft);
    });
    let tfhe_par_s = t.elapsed().as_secs_f64();

    println!("rayon threads {threads}; wall clock");
    println!("euint8 add, one op (10 KS+PBS in 4 rounds): median {add_ms:.1} ms over {reps}");
    println!(
        "{adds} euint8 adds, scheduler: {:.2} s ({} rounds = engine calls, {} KS+PBS, {:.1} ms/KS+PBS, {:.1} adds/s)",
        sched_s,
        stats.rounds,
        stats.bootstraps,
        sched_s * 1e3 / stats.bootstraps as f64,
        adds as f64 / sched_s
    );
    println!("{adds} euint8 adds, one by one: {serial_s:.2} s ({:.1} adds/s)", adds as f64 / serial_s);
    println!(
        "tfhe 1.8.2 FFT PBS x {}: one thread {tfhe_seq_s:.2} s ({:.1} ms each), par_iter {tfhe_par_s:.2} s",
        stats.bootstraps,
        tfhe_seq_s * 1e3 / stats.bootstraps as f64
    );
}

/// One negacyclic transform of size 2048 (the HPU parameters' N), forward and inverse, on the
/// AVX-512 path (when the CPU has it) and on the portable path: on-CPU µs per transform, median
/// and min over 5 batches of `GLOAM_FHE_NTT_BATCH` (default 20,000) transforms — large batches
/// because this VM's thread CPU clock advances in 4 ms ticks.
/// Run: `cargo test -p gloam-fhe --test timing ntt_timing -- --ignored --nocapture`.
#[test]
#[ignore]
fn ntt_timing() {
    use gloam_fhe::ntt::{NegacyclicNtt, P};
    let n = 2048;
    let batch: usize = std::env::var("GLOAM_FHE_NTT_BATCH").ok().and_then(|s| s.parse().ok()).unwrap_or(20_000);
    let plan = NegacyclicNtt::new(n).unwrap();
    let mut paths = vec![("portable", plan.scalar_only())];
    if plan.uses_avx512() {
        paths.push(("avx512", plan.clone()));
    }
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let mut a: Vec<u64> = (0..n)
        .map(|_| {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            x % P
        })
        .collect();
    for (name, p) in &paths {
        let (mut fwd, mut inv) = (Vec::new(), Vec::new());
        for _ in 0..5 {
            let c = thread_cpu_ms();
            for _ in 0..batch {
                p.forward(std::hint::black_box(&mut a));
            }
            fwd.push((thread_cpu_ms() - c) * 1e3 / batch as f64);
            let c = thread_cpu_ms();
            for _ in 0..batch {
                p.inverse_unscaled(std::hint::black_box(&mut a));
            }
            inv.push((thread_cpu_ms() - c) * 1e3 / batch as f64);
        }
        let min = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min);
        let (fmin, imin) = (min(&fwd), min(&inv));
        println!(
            "NTT N={n} {name}: forward {:.2} µs (min {fmin:.2}), inverse {:.2} µs (min {imin:.2}), on-CPU per transform",
            median(fwd),
            median(inv)
        );
    }
}
