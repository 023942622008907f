//! Rough split of `verify_cell_kzg_proof_batch` and single verification into their parts
//! (one thread), to see where verification time goes.

use std::sync::Arc;
use std::time::Instant;

use ark_bls12_381::Fr;
use ark_ff::UniformRand;
use gloam_engine::Engine;
use gloam_kzg::codec::*;
use gloam_kzg::*;
use rand::SeedableRng;

fn time<T>(name: &str, reps: usize, mut f: impl FnMut() -> T) {
    let t = Instant::now();
    for _ in 0..reps {
        std::hint::black_box(f());
    }
    println!("{name:<28} {:>9.3} ms", t.elapsed().as_secs_f64() * 1e3 / reps as f64);
}

fn main() {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
    pool.install(run);
}

fn run() {
    let s = KzgSettings::mainnet(Arc::new(Engine::cpu_only())).unwrap();
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    let mut blob = Blob::zero();
    for ch in blob.as_bytes_mut().chunks_mut(32) {
        ch.copy_from_slice(&fr_to_be(&Fr::rand(&mut rng)));
    }
    let com = s.blob_to_kzg_commitment(&blob).unwrap().to_bytes();
    let (cells, proofs) = s.compute_cells_and_kzg_proofs(&blob).unwrap();
    let proofs: Vec<Bytes48> = proofs.iter().map(|p| p.to_bytes()).collect();
    let idx: Vec<u64> = (0..128).collect();
    let coms = vec![com; 128];
    let ci = vec![0u64; 128];
    time("decode 128 proofs", 10, || proofs.iter().map(|p| g1_decompress(&p.0, true).unwrap()).collect::<Vec<_>>());
    time("cell_to_evals x128", 10, || cells.iter().map(|c| cell_to_evals(c).unwrap()).collect::<Vec<_>>());
    time("challenge", 10, || {
        compute_verify_cell_kzg_proof_batch_challenge(&[com], &ci, &idx, &cells, &proofs).unwrap()
    });
    time("verify_cell_kzg_proof_batch", 10, || s.verify_cell_kzg_proof_batch(&coms, &idx, &cells, &proofs).unwrap());
    let mut rows: Vec<Fr> = (0..8192).map(|_| Fr::rand(&mut rng)).collect();
    time("ntt_batch 128x64", 10, || s.engine().ntt_batch(&mut rows, 64, gloam_engine::NttOp::INVERSE).unwrap());
    let pts: Vec<_> = proofs.iter().map(|p| g1_decompress(&p.0, true).unwrap()).collect();
    let sc: Vec<Fr> = (0..128).map(|_| Fr::rand(&mut rng)).collect();
    time("engine msm 128", 10, || s.engine().msm(&pts, &sc).unwrap());
    time("inverse x128", 10, || sc.iter().map(|x| ark_ff::Field::inverse(x).unwrap()).collect::<Vec<_>>());
    let z = Bytes32(fr_to_be(&Fr::rand(&mut rng)));
    let (p, y) = s.compute_kzg_proof(&blob, &z).unwrap();
    time("verify_kzg_proof", 50, || s.verify_kzg_proof(&com, &z, &y, &p.to_bytes()).unwrap());
    time("decode 1", 200, || g1_decompress(&com.0, true).unwrap());
    let pb = s.compute_blob_kzg_proof(&blob, &com).unwrap().to_bytes();
    time("verify_blob_kzg_proof", 50, || s.verify_blob_kzg_proof(&blob, &com, &pb).unwrap());
    time("blob_to_polynomial", 50, || codec::blob_to_polynomial(&blob).unwrap());
    time("compute_challenge", 50, || compute_challenge(&blob, &com));
}
