//! Times gloam's CPU NTT against arkworks' `Radix2EvaluationDomain::fft_in_place` (same rayon
//! pool, interleaved) and prints median ratios; checks the outputs are equal.
//! `cargo run --release -p gloam-cpu --example ntt_vs_arkworks -- [log_min] [log_max] [reps]`

use std::time::Instant;

use ark_ff::UniformRand;
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use gloam_engine_core::{Fr, NttOp};
use rand::SeedableRng;

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn main() {
    let args: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let lo = args.first().copied().unwrap_or(10) as u32;
    let hi = args.get(1).copied().unwrap_or(20) as u32;
    let reps = args.get(2).copied().unwrap_or(5);
    let seed = 0x0e77_u64;
    let mut r = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
    println!("seed={seed} rayon threads={} (noisy shared VM: compare ratios only)", rayon::current_num_threads());
    println!("{:>14} {:>10} {:>10} {:>8}", "case", "gloam ms", "ark ms", "g/ark");
    let cases: Vec<(u32, usize, NttOp)> = (lo..=hi)
        .map(|k| (k, 1, NttOp::FORWARD))
        .chain([(12, 64, NttOp::FORWARD), (13, 32, NttOp::coset_forward(Fr::from(7u64))), (12, 64, NttOp::INVERSE)])
        .collect();
    for (log_n, items, op) in cases {
        let n = 1usize << log_n;
        let input: Vec<Fr> = (0..n * items).map(|_| Fr::rand(&mut r)).collect();
        let mut d = Radix2EvaluationDomain::<Fr>::new(n).unwrap();
        if let Some(g) = op.coset {
            d = d.get_coset(g).unwrap();
        }
        let (mut tg, mut ta) = (Vec::new(), Vec::new());
        for rep in 0..reps {
            let mut a = input.clone();
            let t = Instant::now();
            gloam_cpu::ntt::ntt_batch(&mut a, n, op);
            tg.push(t.elapsed().as_secs_f64() * 1e3);
            let mut b = input.clone();
            let t = Instant::now();
            // arkworks has no batch call: the same loop a caller would write.
            for v in b.chunks_mut(n) {
                match op.direction {
                    gloam_engine_core::NttDirection::Forward => d.fft_in_place(&mut v.to_vec()),
                    gloam_engine_core::NttDirection::Inverse => d.ifft_in_place(&mut v.to_vec()),
                }
            }
            ta.push(t.elapsed().as_secs_f64() * 1e3);
            if rep == 0 {
                for (x, v) in a.chunks(n).zip(input.chunks(n)) {
                    let mut w = v.to_vec();
                    match op.direction {
                        gloam_engine_core::NttDirection::Forward => d.fft_in_place(&mut w),
                        gloam_engine_core::NttDirection::Inverse => d.ifft_in_place(&mut w),
                    }
                    assert!(x == w.as_slice(), "mismatch n=2^{log_n}");
                }
            }
        }
        let (g, a) = (median(&mut tg), median(&mut ta));
        let name = format!("2^{log_n}x{items}{}", if op.coset.is_some() { " coset" } else { "" });
        println!("{:>14} {:>10.3} {:>10.3} {:>8.3}", name, g, a, g / a);
    }
}
