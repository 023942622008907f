//! Times gloam-kzg against c-kzg in one process, same inputs, and prints the ratio.
//!
//!   cargo run --release -p gloam-kzg --example kzg_vs_ckzg -- [threads=1] [samples=5] [filter]
//!
//! With `filter`, only the rows whose name contains it run (e.g. `verify`).
//!
//! c-kzg is single-threaded; by default gloam runs in a one-thread rayon pool so the ratio
//! compares algorithms, not core counts. The engine comes from `GLOAM_*` (`Engine::from_env`).

use std::sync::Arc;
use std::time::Instant;

use ark_bls12_381::Fr;
use ark_ff::UniformRand;
use gloam_engine::Engine;
use gloam_kzg::codec::fr_to_be;
use gloam_kzg::*;
use rand::SeedableRng;

fn median_ms(samples: usize, mut f: impl FnMut()) -> f64 {
    let mut v: Vec<f64> = (0..samples)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let threads: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(1);
    let samples: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(5);
    let filter = args.get(3).cloned().unwrap_or_default();
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
    pool.install(|| run(threads, samples, &filter));
}

fn run(threads: usize, samples: usize, filter: &str) {
    let engine = Arc::new(Engine::from_env().unwrap_or_else(|_| Engine::cpu_only()));
    let t = Instant::now();
    let s = KzgSettings::mainnet_with(engine, SetupOptions { fk20_eager: true, ..Default::default() }).unwrap();
    let ours_load = t.elapsed().as_secs_f64() * 1e3;
    let t = Instant::now();
    let c = c_kzg::ethereum_kzg_settings(8);
    let theirs_load = t.elapsed().as_secs_f64() * 1e3;
    println!("gloam threads={threads}, samples={samples}; load: gloam {ours_load:.0} ms ({}), c-kzg(precompute 8) {theirs_load:.0} ms", s.stats());

    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
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
    let coms: Vec<Bytes48> =
        s.blob_to_kzg_commitment_batch(&blobs).into_iter().map(|c| c.unwrap().to_bytes()).collect();
    let proofs: Vec<Bytes48> =
        s.compute_blob_kzg_proof_batch(&blobs, &coms).unwrap().into_iter().map(|p| p.unwrap().to_bytes()).collect();
    let ccoms: Vec<c_kzg::Bytes48> = coms.iter().map(|x| c_kzg::Bytes48::from_bytes(&x.0).unwrap()).collect();
    let cproofs: Vec<c_kzg::Bytes48> = proofs.iter().map(|x| c_kzg::Bytes48::from_bytes(&x.0).unwrap()).collect();
    let z = Bytes32(fr_to_be(&Fr::rand(&mut rng)));
    let cz = c_kzg::Bytes32::from_bytes(&z.0).unwrap();
    let (p0, y0) = s.compute_kzg_proof(&blobs[0], &z).unwrap();
    let cy = c_kzg::Bytes32::from_bytes(&y0.0).unwrap();
    let cp0 = c_kzg::Bytes48::from_bytes(&p0.0).unwrap();
    let (cells, cell_proofs) = s.compute_cells_and_kzg_proofs(&blobs[0]).unwrap();
    let ccells: Vec<c_kzg::Cell> = cells.iter().map(|x| c_kzg::Cell::from_bytes(x.as_bytes()).unwrap()).collect();
    let half: Vec<u64> = (64..128).collect();
    let idx_all: Vec<u64> = (0..128).collect();
    let cp_bytes: Vec<Bytes48> = cell_proofs.iter().map(|p| p.to_bytes()).collect();
    let ccp: Vec<c_kzg::Bytes48> = cp_bytes.iter().map(|x| c_kzg::Bytes48::from_bytes(&x.0).unwrap()).collect();
    let com0 = vec![coms[0]; 128];
    let ccom0 = vec![ccoms[0]; 128];

    let mut rows: Vec<(&str, f64, f64)> = Vec::new();
    let mut bench = |name: &'static str, ours: &mut dyn FnMut(), theirs: &mut dyn FnMut()| {
        if !name.contains(filter) {
            return;
        }
        ours();
        theirs();
        let a = median_ms(samples, &mut *ours);
        let b = median_ms(samples, &mut *theirs);
        println!("{name:<34} gloam {a:>9.2} ms   c-kzg {b:>9.2} ms   ratio {:.2}", a / b);
        rows.push((name, a, b));
    };
    bench("blob_to_kzg_commitment", &mut || keep(s.blob_to_kzg_commitment(&blobs[0]).unwrap()), &mut || {
        keep(c.blob_to_kzg_commitment(&cblobs[0]).unwrap())
    });
    bench("compute_kzg_proof", &mut || keep(s.compute_kzg_proof(&blobs[0], &z).unwrap()), &mut || {
        keep(c.compute_kzg_proof(&cblobs[0], &cz).unwrap())
    });
    bench("compute_blob_kzg_proof", &mut || keep(s.compute_blob_kzg_proof(&blobs[0], &coms[0]).unwrap()), &mut || {
        keep(c.compute_blob_kzg_proof(&cblobs[0], &ccoms[0]).unwrap())
    });
    bench(
        "verify_kzg_proof",
        &mut || assert!(s.verify_kzg_proof(&coms[0], &z, &y0, &p0.to_bytes()).unwrap()),
        &mut || assert!(c.verify_kzg_proof(&ccoms[0], &cz, &cy, &cp0).unwrap()),
    );
    bench(
        "verify_blob_kzg_proof",
        &mut || assert!(s.verify_blob_kzg_proof(&blobs[0], &coms[0], &proofs[0]).unwrap()),
        &mut || assert!(c.verify_blob_kzg_proof(&cblobs[0], &ccoms[0], &cproofs[0]).unwrap()),
    );
    bench(
        "verify_blob_kzg_proof_batch n=16",
        &mut || assert!(s.verify_blob_kzg_proof_batch(&blobs[..16], &coms[..16], &proofs[..16]).unwrap()),
        &mut || assert!(c.verify_blob_kzg_proof_batch(&cblobs[..16], &ccoms[..16], &cproofs[..16]).unwrap()),
    );
    bench(
        "verify_blob_kzg_proof_batch n=64",
        &mut || assert!(s.verify_blob_kzg_proof_batch(&blobs, &coms, &proofs).unwrap()),
        &mut || assert!(c.verify_blob_kzg_proof_batch(&cblobs, &ccoms, &cproofs).unwrap()),
    );
    bench("compute_cells", &mut || keep(s.compute_cells(&blobs[0]).unwrap()), &mut || {
        keep(c.compute_cells(&cblobs[0]).unwrap())
    });
    bench(
        "compute_cells_and_kzg_proofs",
        &mut || keep(s.compute_cells_and_kzg_proofs(&blobs[0]).unwrap()),
        &mut || keep(c.compute_cells_and_kzg_proofs(&cblobs[0]).unwrap()),
    );
    bench(
        "recover_cells_and_kzg_proofs (half)",
        &mut || keep(s.recover_cells_and_kzg_proofs(&half, &cells[64..]).unwrap()),
        &mut || keep(c.recover_cells_and_kzg_proofs(&half, &ccells[64..]).unwrap()),
    );
    bench(
        "verify_cell_kzg_proof_batch 128",
        &mut || assert!(s.verify_cell_kzg_proof_batch(&com0, &idx_all, &cells, &cp_bytes).unwrap()),
        &mut || assert!(c.verify_cell_kzg_proof_batch(&ccom0, &idx_all, &ccells, &ccp).unwrap()),
    );
    bench("16 commitments: batch vs 16 calls", &mut || keep(s.blob_to_kzg_commitment_batch(&blobs[..16])), &mut || {
        for b in &cblobs[..16] {
            keep(c.blob_to_kzg_commitment(b).unwrap())
        }
    });
}

fn keep<T>(t: T) {
    std::hint::black_box(t);
}
