//! `gloam bench settlement`: blob ingestion through the settlement chain — N signed blob
//! transactions submitted in one batch (decoding, cheap sidecar checks, batched sender recovery,
//! ONE batched KZG verification over all their blobs), then blocks built, verified (the blobs are
//! in the verification cache, so no second KZG pass) and finalized into redb with the sidecars —
//! against c-kzg `verify_blob_kzg_proof` of the same blobs one by one (what Dusk does at mempool
//! admission; node.md §1), serially and on all cores, in the same run.
//!
//! Workloads: `1blob` (N one-blob transactions), `6blob` (six-blob transactions, the last one
//! smaller) and `6blob_7594` (six-blob transactions in the EIP-7594 form — 128 cell proofs per
//! blob, what eth-account 0.14 sends — against c-kzg's per-blob `compute_cells` +
//! `verify_cell_kzg_proof_batch` over that blob's 128 cells). Ops: `ingest_*` end to end
//! (admission, blocks, redb with the node's sync policy — `SyncPolicy::NODE`: finalizations of
//! a burst share an fsync, at least every 16 blocks or 500 ms — and a final fsync of everything
//! inside the timed span; consensus's own archive writes are not part of this path), `admit_*`
//! the pool admission alone
//! (where the KZG batch runs). `size` is the number of blobs (default 64; `--sizes k` gives 2^k).
//! The progress line prints blobs/s and the ratio to each c-kzg row (target ≥ 2× on CPU through
//! batching).

use std::sync::Arc;
use std::time::Instant;

use alloy_primitives::{Address, U256};
use gloam_evm::testutil::test_signer;
use gloam_settlement::params::{BATCH_INBOX, DEV_CHAIN_ID};
use gloam_settlement::testutil::{blob_tx, blob_tx_7594, encode_net, BlobItem};
use gloam_settlement::{Genesis, Settlement, SettlementConfig};
use rayon::prelude::*;

use super::msm::device_for;
use super::{cpu_device, Engines};
use crate::{progress, BenchError, BenchOptions, Record, Sample};

fn blob(seed: u64) -> gloam_kzg::Blob {
    gloam_settlement::testutil::test_blob(seed)
}

fn other(e: impl std::fmt::Display) -> BenchError {
    BenchError::Other(e.to_string())
}

/// One fresh chain per round (a temp datadir), the senders funded, the KZG setup loaded.
fn fresh(engine: Arc<gloam_engine::Engine>, senders: u64) -> Result<(tempfile::TempDir, Arc<Settlement>), BenchError> {
    let dir = tempfile::tempdir().map_err(other)?;
    let mut cfg = SettlementConfig::dev(dir.path());
    cfg.engine = Some(engine);
    cfg.max_pooled_blobs = usize::MAX; // the whole workload sits in the pool at once
    cfg.sync = gloam_settlement::SyncPolicy::NODE; // as `gloam node` runs it; `ingest` ends with a flush
    let alloc = (0..senders).map(|i| (test_signer(i).address(), U256::from(10u64).pow(U256::from(22u64)))).collect();
    let s = Settlement::open(cfg, Genesis { timestamp_ms: 0, alloc, validators: vec![], registrations: vec![] })
        .map_err(other)?;
    s.verifier().kzg().map_err(other)?;
    Ok((dir, s))
}

/// Submit everything in one batch, then produce blocks until the pool is empty. Returns the
/// number of blocks and the admission time (ms).
fn ingest(s: &Settlement, raws: &[Vec<u8>], blobs: usize) -> Result<(u64, f64), BenchError> {
    let t = Instant::now();
    for (i, r) in s.submit_raw_batch(raws).into_iter().enumerate() {
        r.map_err(|e| BenchError::Other(format!("blob tx {i} refused: {e}")))?;
    }
    let admit_ms = t.elapsed().as_secs_f64() * 1e3;
    let mut blocks = 0;
    while s.pool_len() > 0 {
        s.produce_block(Address::ZERO).map_err(other)?;
        blocks += 1;
        if blocks > 4 * raws.len() as u64 + 4 {
            return Err(BenchError::Other("blob transactions never mined".into()));
        }
    }
    // Everything on disk (fsynced) before the clock stops.
    s.flush().map_err(other)?;
    let stored: usize =
        s.sidecar_heights().map_err(other)?.iter().map(|h| s.blobs_at(*h).map(|v| v.len()).unwrap_or(0)).sum();
    if stored != blobs {
        return Err(BenchError::Other(format!("{stored} of {blobs} blobs stored")));
    }
    Ok((blocks, admit_ms))
}

pub fn run(opts: &BenchOptions, engines: &Engines) -> Result<Vec<Record>, BenchError> {
    let cpu_dev = cpu_device();
    let n = opts.log_sizes.first().map(|k| 1usize << k).unwrap_or(64);
    let samples = opts.samples.clamp(1, 5);
    progress(format!("settlement: {n} blobs, commitments and proofs by c-kzg (precompute 8)"));
    let ck = c_kzg::ethereum_kzg_settings(8);
    let blobs: Vec<gloam_kzg::Blob> = (0..n as u64).map(|i| blob(9000 + i)).collect();
    let ck_blobs: Vec<c_kzg::Blob> =
        blobs.iter().map(|b| c_kzg::Blob::from_bytes(b.as_bytes()).expect("len")).collect();
    let ck_commits: Vec<c_kzg::Bytes48> =
        ck_blobs.par_iter().map(|b| ck.blob_to_kzg_commitment(b).expect("valid").to_bytes()).collect();
    let ck_proofs: Vec<c_kzg::Bytes48> = ck_blobs
        .par_iter()
        .zip(&ck_commits)
        .map(|(b, c)| ck.compute_blob_kzg_proof(b, c).expect("valid").to_bytes())
        .collect();
    let items: Vec<BlobItem> = blobs
        .iter()
        .zip(&ck_commits)
        .zip(&ck_proofs)
        .map(|((b, c), p)| {
            let mut commitment = [0u8; 48];
            commitment.copy_from_slice(c.as_slice());
            let mut proof = [0u8; 48];
            proof.copy_from_slice(p.as_slice());
            let vh = gloam_kzg::kzg_to_versioned_hash(&gloam_kzg::KzgCommitment(commitment));
            BlobItem { blob: b.clone(), commitment, proof, versioned_hash: vh.0.into() }
        })
        .collect();

    // EIP-7594 cell proofs, by c-kzg.
    let cell_proofs: Vec<Vec<alloy_primitives::FixedBytes<48>>> = ck_blobs
        .par_iter()
        .map(|b| {
            let (_, p) = ck.compute_cells_and_kzg_proofs(b).expect("valid");
            p.iter().map(|x| alloy_primitives::FixedBytes::<48>::from(x.to_bytes().into_inner())).collect()
        })
        .collect();

    // c-kzg, one blob at a time: serially (Dusk's mempool loop) and over all cores.
    let ck_one = |i: usize| ck.verify_blob_kzg_proof(&ck_blobs[i], &ck_commits[i], &ck_proofs[i]).expect("valid");
    let ck_one_cells = |i: usize| {
        let cells = ck.compute_cells(&ck_blobs[i]).expect("valid");
        let idx: Vec<u64> = (0..128).collect();
        let com = vec![ck_commits[i]; 128];
        let pr: Vec<c_kzg::Bytes48> = cell_proofs[i].iter().map(|p| c_kzg::Bytes48::new(p.0)).collect();
        ck.verify_cell_kzg_proof_batch(&com, &idx, &cells[..], &pr).expect("valid")
    };
    let peer = |one: &(dyn Fn(usize) -> bool + Sync)| {
        let mut t_serial = Vec::new();
        let mut t_par = Vec::new();
        for round in 0..=samples {
            let t = Instant::now();
            assert!((0..n).all(one));
            let serial = t.elapsed().as_secs_f64() * 1e3;
            let t = Instant::now();
            assert!((0..n).into_par_iter().all(one));
            let par = t.elapsed().as_secs_f64() * 1e3;
            if round > 0 {
                t_serial.push(serial);
                t_par.push(par);
            }
        }
        (Sample::from_times(t_serial), Sample::from_times(t_par))
    };
    let blob_peer = peer(&ck_one);
    let cell_peer = peer(&ck_one_cells);
    let rate = |s: &Sample| n as f64 / (s.median_ms / 1e3);

    let mut records = Vec::new();
    for (shape, per_tx, cells) in [("1blob", 1usize, false), ("6blob", 6, false), ("6blob_7594", 6, true)] {
        let (ser, par) = if cells { &cell_peer } else { &blob_peer };
        let op = format!("ingest_{shape}_tx");
        let txs: Vec<Vec<u8>> = items
            .chunks(per_tx)
            .zip(cell_proofs.chunks(per_tx))
            .enumerate()
            .map(|(i, (chunk, proofs))| {
                let signer = test_signer(i as u64);
                encode_net(&if cells {
                    blob_tx_7594(&signer, DEV_CHAIN_ID, 0, BATCH_INBOX, chunk, proofs)
                } else {
                    blob_tx(&signer, DEV_CHAIN_ID, 0, BATCH_INBOX, chunk)
                })
            })
            .collect();
        for (kind, engine, _) in &engines.list {
            let mut times = Vec::new();
            let mut admit_times = Vec::new();
            let mut blocks = 0;
            let mut kzg_calls = (0, 0);
            for round in 0..=samples {
                let (_dir, s) = fresh(engine.clone(), txs.len() as u64)?;
                let t = Instant::now();
                let (b, admit_ms) = ingest(&s, &txs, n)?;
                blocks = b;
                let ms = t.elapsed().as_secs_f64() * 1e3;
                let st = s.verifier().stats.snapshot();
                kzg_calls = (st.0, st.1);
                if round > 0 {
                    times.push(ms);
                    admit_times.push(admit_ms);
                }
            }
            let p = Sample::from_times(times);
            let a = Sample::from_times(admit_times);
            progress(format!(
                "settlement/{shape} on {kind}: {n} blobs in {} txs → {blocks} blocks: {:.0} blobs/s end to end, pool admission alone {:.0} blobs/s ({} KZG batch call(s), {} blobs verified once) | c-kzg per-blob verify: serial {:.0} blobs/s (ratio {:.2}), all cores {:.0} blobs/s (ratio {:.2}) — target ≥ 2×",
                txs.len(),
                rate(&p),
                rate(&a),
                kzg_calls.0,
                kzg_calls.1,
                rate(ser),
                ser.median_ms / p.median_ms,
                rate(par),
                par.median_ms / p.median_ms,
            ));
            let device = device_for(engines, &kind.to_string(), &cpu_dev);
            records.push(Record::new("settlement", &op, n as u64, "gloam", &kind.to_string(), &device, &p));
            let admit_op = format!("admit_{shape}_tx");
            records.push(Record::new("settlement", &admit_op, n as u64, "gloam", &kind.to_string(), &device, &a));
        }
        for o in [op.clone(), format!("admit_{shape}_tx")] {
            records.push(Record::new("settlement", &o, n as u64, "c-kzg", "cpu", &cpu_dev, ser));
            records.push(Record::new("settlement", &o, n as u64, "c-kzg-par", "cpu", &cpu_dev, par));
        }
    }
    Ok(records)
}
