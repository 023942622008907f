//! Blob-ingestion figures without the whole bench harness (which also builds tfhe): the same
//! measurement as `gloam bench settlement` — N blobs in 1-blob and 6-blob transactions submitted
//! in one batch, blocks built, verified and finalized into redb — against c-kzg
//! `verify_blob_kzg_proof` of the same blobs one by one (serially and on all cores). The EIP-7594
//! run (6-blob transactions with 128 cell proofs per blob) compares with c-kzg's per-blob
//! `compute_cells` + `verify_cell_kzg_proof_batch` over that blob's 128 cells.
//!
//!     cargo run --release -p gloam-settlement --example ingest -- [blobs=64] [samples=3]

use std::time::Instant;

use alloy_primitives::{Address, U256};
use gloam_evm::testutil::test_signer;
use gloam_settlement::params::{BATCH_INBOX, DEV_CHAIN_ID};
use gloam_settlement::testutil::{blob_tx, blob_tx_7594, encode_net, test_blob, BlobItem};
use gloam_settlement::{Genesis, Settlement, SettlementConfig};
use rayon::prelude::*;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    let args: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let n = args.first().copied().unwrap_or(64);
    let samples = args.get(1).copied().unwrap_or(3).max(1);
    let ck = c_kzg::ethereum_kzg_settings(8);
    let blobs: Vec<gloam_kzg::Blob> = (0..n as u64).map(|i| test_blob(9000 + i)).collect();
    let ck_blobs: Vec<c_kzg::Blob> = blobs.iter().map(|b| c_kzg::Blob::from_bytes(b.as_bytes()).unwrap()).collect();
    let ck_commits: Vec<c_kzg::Bytes48> =
        ck_blobs.par_iter().map(|b| ck.blob_to_kzg_commitment(b).unwrap().to_bytes()).collect();
    let ck_proofs: Vec<c_kzg::Bytes48> = ck_blobs
        .par_iter()
        .zip(&ck_commits)
        .map(|(b, c)| ck.compute_blob_kzg_proof(b, c).unwrap().to_bytes())
        .collect();
    let items: Vec<BlobItem> = blobs
        .iter()
        .zip(&ck_commits)
        .zip(&ck_proofs)
        .map(|((b, c), p)| {
            let commitment: [u8; 48] = c.as_slice().try_into().unwrap();
            let proof: [u8; 48] = p.as_slice().try_into().unwrap();
            let vh = gloam_kzg::kzg_to_versioned_hash(&gloam_kzg::KzgCommitment(commitment));
            BlobItem { blob: b.clone(), commitment, proof, versioned_hash: vh.0.into() }
        })
        .collect();
    let one = |i: usize| ck.verify_blob_kzg_proof(&ck_blobs[i], &ck_commits[i], &ck_proofs[i]).unwrap();
    let (mut ser, mut par) = (vec![], vec![]);
    for _ in 0..samples {
        let t = Instant::now();
        assert!((0..n).all(one));
        ser.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        assert!((0..n).into_par_iter().all(one));
        par.push(t.elapsed().as_secs_f64());
    }
    let (ser, par) = (median(ser), median(par));
    println!(
        "c-kzg verify_blob_kzg_proof per blob (precompute 8): serial {:.0} blobs/s, {} threads {:.0} blobs/s",
        n as f64 / ser,
        rayon::current_num_threads(),
        n as f64 / par
    );
    // EIP-7594: cell proofs from c-kzg, and c-kzg's own per-blob cell verification.
    let cell_proofs: Vec<Vec<alloy_primitives::FixedBytes<48>>> = ck_blobs
        .par_iter()
        .map(|b| {
            let (_, p) = ck.compute_cells_and_kzg_proofs(b).unwrap();
            p.iter().map(|x| alloy_primitives::FixedBytes::<48>::from(x.to_bytes().into_inner())).collect()
        })
        .collect();
    let one_cells = |i: usize| {
        let cells = ck.compute_cells(&ck_blobs[i]).unwrap();
        let idx: Vec<u64> = (0..128).collect();
        let com = vec![ck_commits[i]; 128];
        let pr: Vec<c_kzg::Bytes48> = cell_proofs[i].iter().map(|p| c_kzg::Bytes48::new(p.0)).collect();
        ck.verify_cell_kzg_proof_batch(&com, &idx, &cells[..], &pr).unwrap()
    };
    let (mut ser_cells, mut par_cells) = (vec![], vec![]);
    for _ in 0..samples {
        let t = Instant::now();
        assert!((0..n).all(one_cells));
        ser_cells.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        assert!((0..n).into_par_iter().all(one_cells));
        par_cells.push(t.elapsed().as_secs_f64());
    }
    let (ser_cells, par_cells) = (median(ser_cells), median(par_cells));
    println!(
        "c-kzg compute_cells + verify_cell_kzg_proof_batch per blob (128 cells): serial {:.0} blobs/s, {} threads {:.0} blobs/s",
        n as f64 / ser_cells,
        rayon::current_num_threads(),
        n as f64 / par_cells
    );
    for (per_tx, cells) in [(1usize, false), (6, false), (6, true)] {
        let (ser, par) = if cells { (ser_cells, par_cells) } else { (ser, par) };
        let raws: Vec<Vec<u8>> = items
            .chunks(per_tx)
            .zip(cell_proofs.chunks(per_tx))
            .enumerate()
            .map(|(i, (c, p))| {
                let signer = test_signer(i as u64);
                encode_net(&if cells {
                    blob_tx_7594(&signer, DEV_CHAIN_ID, 0, BATCH_INBOX, c, p)
                } else {
                    blob_tx(&signer, DEV_CHAIN_ID, 0, BATCH_INBOX, c)
                })
            })
            .collect();
        let mut times = vec![];
        let mut detail = String::new();
        for round in 0..=samples {
            let dir = tempfile::tempdir().unwrap();
            let alloc = (0..raws.len() as u64)
                .map(|i| (test_signer(i).address(), U256::from(10u64).pow(U256::from(22u64))))
                .collect();
            let mut cfg = SettlementConfig::dev(dir.path());
            cfg.max_pooled_blobs = usize::MAX; // the whole workload sits in the pool at once
            let s = Settlement::open(cfg, Genesis { timestamp_ms: 0, alloc, validators: vec![] }).unwrap();
            s.verifier().kzg().unwrap();
            let t = Instant::now();
            let t_admit;
            {
                for r in s.submit_raw_batch(&raws) {
                    r.unwrap();
                }
                t_admit = t.elapsed().as_secs_f64();
                let mut blocks = 0;
                while s.pool_len() > 0 {
                    s.produce_block(Address::ZERO).unwrap();
                    blocks += 1;
                }
                let secs = t.elapsed().as_secs_f64();
                let st = s.verifier().stats.snapshot();
                detail = format!(
                    "{} txs, {blocks} blocks, admission {:.0} ms of which KZG batch {:.0} ms, blocks+storage {:.0} ms, KZG batch calls {}, blobs verified {}",
                    raws.len(),
                    t_admit * 1e3,
                    s.verifier().stats.kzg_nanos.load(std::sync::atomic::Ordering::Relaxed) as f64 / 1e6,
                    (secs - t_admit) * 1e3,
                    st.0,
                    st.1
                );
                if round > 0 {
                    times.push(secs);
                }
            }
        }
        let t = median(times);
        let form = if cells { "EIP-7594" } else { "EIP-4844" };
        println!(
            "gloam ingest {per_tx}-blob {form} txs: {n} blobs in {:.0} ms = {:.0} blobs/s ({detail}); vs c-kzg serial {:.2}x, vs c-kzg all threads {:.2}x",
            t * 1e3,
            n as f64 / t,
            ser / t,
            par / t
        );
    }
}
