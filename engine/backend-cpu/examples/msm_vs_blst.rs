//! Times gloam's CPU MSM against blst (`p1_affines::mult`, blst's own thread pool) and arkworks
//! (`VariableBaseMSM::msm`, rayon) in one process, interleaved, and prints median ratios.
//!
//! `cargo run --release -p gloam-cpu --example msm_vs_blst -- [log_min] [log_max] [reps]`
//! (`RAYON_NUM_THREADS` sets our thread count; blst uses every core it sees.)

use std::time::Instant;

use ark_ec::{CurveGroup, PrimeGroup, VariableBaseMSM};
use ark_ff::{PrimeField, UniformRand};
use ark_serialize::CanonicalSerialize;
use gloam_engine_core::{Fr, G1Affine, G1Projective};
use rand::SeedableRng;

fn points(n: usize, seed: u64) -> Vec<G1Affine> {
    let mut r = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
    let g = G1Projective::generator();
    let a = g * Fr::rand(&mut r);
    let b = g * Fr::rand(&mut r);
    let mut acc = a;
    let v: Vec<G1Projective> = (0..n)
        .map(|_| {
            acc += b;
            acc
        })
        .collect();
    G1Projective::normalize_batch(&v)
}

pub fn to_blst(p: &G1Affine) -> blst::blst_p1_affine {
    let mut bytes = Vec::new();
    p.serialize_uncompressed(&mut bytes).unwrap();
    let mut out = blst::blst_p1_affine::default();
    let rc = unsafe { blst::blst_p1_deserialize(&mut out, bytes.as_ptr()) };
    assert_eq!(rc, blst::BLST_ERROR::BLST_SUCCESS);
    out
}

fn blst_bytes(p: &blst::blst_p1) -> Vec<u8> {
    let mut out = [0u8; 48];
    unsafe { blst::blst_p1_compress(out.as_mut_ptr(), p) };
    out.to_vec()
}

fn ark_bytes(p: &G1Projective) -> Vec<u8> {
    let mut bytes = Vec::new();
    p.into_affine().serialize_compressed(&mut bytes).unwrap();
    bytes
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn main() {
    let args: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let lo = args.first().copied().unwrap_or(12);
    let hi = args.get(1).copied().unwrap_or(18);
    let reps = args.get(2).copied().unwrap_or(5);
    let seed = 0x5eed_u64;
    println!("seed={seed} rayon threads={} (noisy shared VM: compare ratios only)", rayon::current_num_threads());
    println!(
        "{:>6} {:>10} {:>10} {:>10} {:>9} {:>9} {:>13}",
        "log n", "gloam ms", "blst ms", "ark ms", "g/blst", "g/ark", "g/portable"
    );
    for log_n in lo..=hi {
        let n = 1usize << log_n;
        let bases = points(n, seed + log_n as u64);
        let mut r = rand_chacha::ChaCha20Rng::seed_from_u64(seed ^ log_n as u64);
        let scalars: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut r)).collect();
        let bb: Vec<blst::blst_p1_affine> = bases.iter().map(to_blst).collect();
        let sb: Vec<u8> = scalars
            .iter()
            .flat_map(|s| {
                let limbs = s.into_bigint().0;
                limbs.iter().flat_map(|l| l.to_le_bytes()).collect::<Vec<u8>>()
            })
            .collect();
        if std::env::var("SWEEP").is_ok() {
            let plan = gloam_cpu::msm::MsmPlan::choose(n, rayon::current_num_threads());
            print!("2^{log_n} chosen {plan:?}; ms per c:");
            let cs: Vec<usize> = std::env::var("SWEEP")
                .ok()
                .and_then(|v| {
                    let r: Vec<usize> = v.split('-').filter_map(|x| x.parse().ok()).collect();
                    (r.len() == 2).then(|| (r[0]..=r[1]).collect())
                })
                .unwrap_or((6..=17).collect());
            for c in cs {
                for (chunks, affine) in [(1, true), (2, true), (1, false)] {
                    let plan = gloam_cpu::msm::MsmPlan { c, chunks, affine };
                    let mut ts = Vec::new();
                    for _ in 0..reps {
                        let t = Instant::now();
                        let _ = std::hint::black_box(gloam_cpu::msm::msm_with_plan(&bases, &scalars, plan));
                        ts.push(t.elapsed().as_secs_f64() * 1e3);
                    }
                    print!(" c{c}/{chunks}{}={:.1}", if affine { "" } else { "J" }, median(&mut ts));
                }
            }
            println!();
            continue;
        }
        let (mut tg, mut tb, mut ta, mut tp) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for rep in 0..reps {
            let t = Instant::now();
            let g = gloam_cpu::msm::msm(&bases, &scalars);
            tg.push(t.elapsed().as_secs_f64() * 1e3);
            let t = Instant::now();
            let b = blst::MultiPoint::mult(bb.as_slice(), &sb, 255);
            tb.push(t.elapsed().as_secs_f64() * 1e3);
            gloam_cpu::msm::PORTABLE_ONLY.store(true, std::sync::atomic::Ordering::Relaxed);
            let t = Instant::now();
            let p = gloam_cpu::msm::msm(&bases, &scalars);
            tp.push(t.elapsed().as_secs_f64() * 1e3);
            gloam_cpu::msm::PORTABLE_ONLY.store(false, std::sync::atomic::Ordering::Relaxed);
            assert_eq!(ark_bytes(&p), ark_bytes(&g));
            let t = Instant::now();
            let a = G1Projective::msm_unchecked(&bases, &scalars);
            ta.push(t.elapsed().as_secs_f64() * 1e3);
            if rep == 0 {
                assert_eq!(ark_bytes(&g), ark_bytes(&a), "gloam != arkworks at n=2^{log_n}");
                assert_eq!(ark_bytes(&g), blst_bytes(&b), "gloam != blst at n=2^{log_n}");
            }
        }
        let (g, b, a, p) = (median(&mut tg), median(&mut tb), median(&mut ta), median(&mut tp));
        println!("{:>6} {:>10.2} {:>10.2} {:>10.2} {:>9.3} {:>9.3} {:>13.3}", log_n, g, b, a, g / b, g / a, g / p);
    }
}
