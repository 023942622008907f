//! Where FK20's time goes (one blob, current thread pool): NTTs, the 128 column MSMs, G1 FFTs.
use std::sync::Arc;
use std::time::Instant;

use ark_bls12_381::{Fr, G1Affine, G1Projective};
use ark_ec::{CurveGroup, PrimeGroup};
use ark_ff::UniformRand;
use gloam_engine::{domain, Engine, MsmJob};
use rand::SeedableRng;

fn main() {
    let threads: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(1);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
    pool.install(|| {
        let engine = Engine::cpu_only();
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
        let pts: Vec<G1Affine> = gloam_engine::testkit::random_points(8192, 1);
        let sc: Vec<Fr> = (0..8192).map(|_| Fr::rand(&mut rng)).collect();
        let jobs: Vec<MsmJob<'_>> =
            (0..128).map(|i| MsmJob { bases: &pts[i * 64..][..64], scalars: &sc[i * 64..][..64] }).collect();
        let t = Instant::now();
        let _ = engine.msm_batch(&jobs).unwrap();
        println!("128 x 64-point MSMs (engine batch): {:.1} ms", t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        for i in 0..128 {
            use ark_ec::VariableBaseMSM;
            let _ = std::hint::black_box(G1Projective::msm_unchecked(&pts[i * 64..][..64], &sc[i * 64..][..64]));
        }
        println!("128 x 64-point MSMs (arkworks directly, for reference): {:.1} ms", t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        let fb = Arc::new(Engine::cpu_only());
        let tables: Vec<_> = (0..128).map(|i| fb.prepare_fixed_base(&pts[i * 64..][..64]).unwrap()).collect();
        println!(
            "128 fixed-base tables: {:.1} ms, {} KiB",
            t.elapsed().as_secs_f64() * 1e3,
            tables.iter().map(|t| t.table_bytes()).sum::<u64>() / 1024
        );
        let t = Instant::now();
        for (i, tb) in tables.iter().enumerate() {
            let _ = tb.msm(&sc[i * 64..][..64]).unwrap();
        }
        println!("128 x 64-point fixed-base MSMs: {:.1} ms", t.elapsed().as_secs_f64() * 1e3);
        let mut v: Vec<G1Projective> = pts[..128].iter().map(|p| (*p).into()).collect();
        let t = Instant::now();
        gloam_kzg::fk20::g1_fft(&mut v, domain::root_of_unity(7));
        println!("one G1 FFT 128: {:.1} ms", t.elapsed().as_secs_f64() * 1e3);
        let g = G1Projective::generator();
        let t = Instant::now();
        for s in &sc[..100] {
            let _ = std::hint::black_box(g * s);
        }
        println!("GLV scalar mul: {:.1} us", t.elapsed().as_secs_f64() * 1e4);
        let _ = v[0].into_affine();
    });
}
