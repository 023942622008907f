//! Timing of one bootstrap, engine vs tfhe-rs, same keys, same process, one thread each.
//! Run: `cargo test -p gloam-fhe --test timing -- --ignored --nocapture`.

mod common;

use std::time::Instant;

use common::{fixture, generators};
use tfhe::core_crypto::prelude::*;

struct Timing {
    wall: f64,
    cpu: f64,
}

impl std::fmt::Display for Timing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:.2} / {:.2}", self.wall, self.cpu)
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
        Timing { wall: median(wall), cpu: median(cpu) }
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
    println!("reps={reps}, medians, one thread each, same process; wall ms / on-CPU ms");
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
}
