//! Blob-ingestion profile: 64 one-blob transactions admitted in one batch, then blocks until
//! the pool is empty, with the node's sync policy — repeated, for `perf record`, with the
//! admission / blocks / flush split printed per round.
//!
//!   cargo run --release -p gloam-settlement --example ingest_profile -- [ROUNDS] [BLOBS]
//! (The KZG batch alone against c-kzg: `gloam-bench kzg`, or gloam-kzg's `timing` test.)
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
