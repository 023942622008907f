//! A 4096-point fixed-base MSM (gloam's precomputed tables) against c-kzg's
//! `blob_to_kzg_commitment` (blst Pippenger over the Lagrange setup, single-threaded by design,
//! `ethereum_kzg_settings(8)`), plus gloam's variable-base MSM and batched commitments.
//! Random bases stand in for the setup: the MSM cost does not depend on which points they are.
//! `cargo run --release -p gloam-cpu --example fixed_base_vs_ckzg -- [reps] [window]`

use std::time::Instant;

use ark_ec::{CurveGroup, PrimeGroup};
use ark_ff::{BigInteger, PrimeField, UniformRand};
use gloam_cpu::msm::FixedBase;
use gloam_engine_core::{FixedBaseMsm, Fr, G1Affine, G1Projective};
use rand::SeedableRng;

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn main() {
    let args: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let reps = args.first().copied().unwrap_or(7);
    let n = 4096;
    let seed = 0xb10b_u64;
    let mut r = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
    let g = G1Projective::generator();
    let bases: Vec<G1Affine> = G1Projective::normalize_batch(&(0..n).map(|_| g * Fr::rand(&mut r)).collect::<Vec<_>>());
    let blobs: Vec<Vec<Fr>> = (0..16).map(|_| (0..n).map(|_| Fr::rand(&mut r)).collect()).collect();
    let blob_bytes: Vec<c_kzg::Blob> = blobs
        .iter()
        .map(|v| {
            let bytes: Vec<u8> = v.iter().flat_map(|x| x.into_bigint().to_bytes_be()).collect();
            c_kzg::Blob::from_bytes(&bytes).unwrap()
        })
        .collect();

    let t = Instant::now();
    let settings = c_kzg::ethereum_kzg_settings(8);
    println!("c-kzg settings(8) load: {:.0} ms", t.elapsed().as_secs_f64() * 1e3);
    let t = Instant::now();
    let table = match args.get(1) {
        Some(&c) => FixedBase::with_window(&bases, c),
        None => FixedBase::new(&bases),
    };
    println!(
        "gloam table: window {} bits, {:.1} MiB, built in {:.0} ms; rayon threads {} (noisy shared VM: ratios only)",
        table.window(),
        table.table_bytes() as f64 / (1 << 20) as f64,
        t.elapsed().as_secs_f64() * 1e3,
        rayon::current_num_threads()
    );
    let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
    let refs: Vec<&[Fr]> = blobs.iter().map(|v| v.as_slice()).collect();
    let (mut tc, mut tf, mut tf1, mut tv, mut tb) = (vec![], vec![], vec![], vec![], vec![]);
    for rep in 0..reps {
        let b = &blob_bytes[rep % blobs.len()];
        let s = &blobs[rep % blobs.len()];
        let t = Instant::now();
        std::hint::black_box(settings.blob_to_kzg_commitment(b).unwrap());
        tc.push(t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        let fixed = table.msm(s).unwrap();
        tf.push(t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        let fixed1 = one.install(|| table.msm(s).unwrap());
        tf1.push(t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        let var = gloam_cpu::msm::msm(&bases, s);
        tv.push(t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        let batch = table.msm_batch(&refs).unwrap();
        tb.push(t.elapsed().as_secs_f64() * 1e3 / refs.len() as f64);
        if rep == 0 {
            assert_eq!(fixed.into_affine(), var.into_affine());
            assert_eq!(fixed1.into_affine(), var.into_affine());
            assert_eq!(batch[0].into_affine(), gloam_cpu::msm::msm(&bases, &blobs[0]).into_affine());
        }
    }
    let c = median(&mut tc);
    for (name, v) in [
        ("c-kzg blob_to_kzg_commitment (1 thread)", &mut tc),
        ("gloam fixed-base msm (rayon threads)", &mut tf),
        ("gloam fixed-base msm (1 thread)", &mut tf1),
        ("gloam variable-base msm (rayon threads)", &mut tv),
        ("gloam fixed-base msm_batch x16, per blob", &mut tb),
    ] {
        let m = median(v);
        println!("{name:<44} {m:>8.2} ms  ratio to c-kzg {:.3}", m / c);
    }
}
