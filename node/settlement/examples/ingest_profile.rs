//! Blob-ingestion profile: 64 one-blob transactions admitted in one batch, then blocks until
//! the pool is empty, with the node's sync policy — repeated, for `perf record`, with the
//! admission / blocks / flush split printed per round.
//!
//!   cargo run --release -p gloam-settlement --example ingest_profile -- [ROUNDS] [BLOBS]
//!
//! `KZG_ONLY=1`: instead, gloam's `verify_blob_kzg_proof_batch` over the blobs (1 and 2 threads)
//! against c-kzg's `verify_blob_kzg_proof` one blob at a time, three times each, with the ratio;
//! `KZG_ONLY=1 KZG_LOOP=1`: only gloam's batch, ROUNDS times on one thread (for `perf record`).
use std::sync::Arc;
use std::time::Instant;

use alloy_primitives::{Address, U256};
use gloam_evm::testutil::test_signer;
use gloam_settlement::params::{BATCH_INBOX, DEV_CHAIN_ID};
use gloam_settlement::testutil::{blob_items, blob_tx, encode_net, test_blob};
use gloam_settlement::{Genesis, Settlement, SettlementConfig, SyncPolicy};

fn main() {
    let mut args = std::env::args().skip(1);
    let rounds: usize = args.next().map(|a| a.parse().expect("ROUNDS")).unwrap_or(10);
    let n: u64 = args.next().map(|a| a.parse().expect("BLOBS")).unwrap_or(64);
    let engine = Arc::new(gloam_engine::Engine::cpu_only());
    let kzg = gloam_kzg::KzgSettings::mainnet(engine.clone()).expect("setup");
    let items = blob_items(&kzg, (0..n).map(|i| test_blob(9000 + i)).collect());
    let txs: Vec<Vec<u8>> = items
        .chunks(1)
        .enumerate()
        .map(|(i, c)| encode_net(&blob_tx(&test_signer(i as u64), DEV_CHAIN_ID, 0, BATCH_INBOX, c)))
        .collect();
    if std::env::var("KZG_ONLY").is_ok() {
        let blobs: Vec<gloam_kzg::Blob> = items.iter().map(|i| i.blob.clone()).collect();
        let cs: Vec<gloam_kzg::Bytes48> = items.iter().map(|i| gloam_kzg::Bytes48(i.commitment)).collect();
        let ps: Vec<gloam_kzg::Bytes48> = items.iter().map(|i| gloam_kzg::Bytes48(i.proof)).collect();
        if std::env::var("KZG_LOOP").is_ok() {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
            for _ in 0..rounds {
                assert!(pool.install(|| kzg.verify_blob_kzg_proof_batch(&blobs, &cs, &ps)).unwrap());
            }
            return;
        }
        let ck = c_kzg::ethereum_kzg_settings(8);
        let cb: Vec<c_kzg::Blob> = blobs.iter().map(|b| c_kzg::Blob::from_bytes(b.as_bytes()).unwrap()).collect();
        for threads in [1, 2] {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            for _ in 0..3 {
                let t = Instant::now();
                assert!(pool.install(|| kzg.verify_blob_kzg_proof_batch(&blobs, &cs, &ps)).unwrap());
                let g = t.elapsed();
                let t = Instant::now();
                for i in 0..blobs.len() {
                    assert!(ck
                        .verify_blob_kzg_proof(&cb[i], &c_kzg::Bytes48::new(cs[i].0), &c_kzg::Bytes48::new(ps[i].0))
                        .unwrap());
                }
                let c = t.elapsed();
                println!(
                    "{threads} threads: gloam batch {:.1} ms, c-kzg serial {:.1} ms, ratio {:.2}",
                    g.as_secs_f64() * 1e3,
                    c.as_secs_f64() * 1e3,
                    c.as_secs_f64() / g.as_secs_f64()
                );
            }
        }
        return;
    }
    for round in 0..rounds {
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = SettlementConfig::dev(dir.path());
        cfg.engine = Some(engine.clone());
        cfg.max_pooled_blobs = usize::MAX;
        cfg.sync = SyncPolicy::NODE;
        let alloc = (0..n).map(|i| (test_signer(i).address(), U256::from(10u64).pow(U256::from(22u64)))).collect();
        let s = Settlement::open(cfg, Genesis { timestamp_ms: 0, alloc, validators: vec![], registrations: vec![] })
            .unwrap();
        s.verifier().kzg().unwrap();
        let t = Instant::now();
        for r in s.submit_raw_batch(&txs) {
            r.unwrap();
        }
        let admit = t.elapsed();
        let t1 = Instant::now();
        let mut blocks = 0;
        while s.pool_len() > 0 {
            s.produce_block(Address::ZERO).unwrap();
            blocks += 1;
        }
        let produce = t1.elapsed();
        let t2 = Instant::now();
        s.flush().unwrap();
        let flush = t2.elapsed();
        println!(
            "round {round}: admission {:.1} ms, {blocks} blocks {:.1} ms, flush {:.1} ms, total {:.1} ms",
            admit.as_secs_f64() * 1e3,
            produce.as_secs_f64() * 1e3,
            flush.as_secs_f64() * 1e3,
            t.elapsed().as_secs_f64() * 1e3
        );
    }
}
