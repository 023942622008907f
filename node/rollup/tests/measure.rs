//! Figures for the README (ignored by default; run with
//! `cargo test -p gloam-rollup --test measure -- --ignored --nocapture`): channel building,
//! KZG per blob, derivation + import, compression ratios.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use gloam_rollup::batcher::plan_channel;
use gloam_rollup::fake::{FakeConfig, FakeSettlement};
use gloam_rollup::tx::BlobBundle;
use gloam_rollup::{Batcher, BatcherConfig, Follower, FollowerConfig};

#[test]
#[ignore]
fn measure() {
    let t = Instant::now();
    let k = kzg();
    eprintln!("KZG setup load (commit table, no verify): {:?}", t.elapsed());
    for (name, bulky) in [("transfers+token calls, 40 blocks", false), ("random calldata, 3 × 100 kB in 1 block", true)]
    {
        let dir = tempfile::tempdir().unwrap();
        let a = open_chain(&dir.path().join("a"));
        if bulky {
            bulky_blocks(&a, 1, 3, 100_000, 7);
        } else {
            workload(&a, 40);
        }
        let head = a.head_number();
        let t = Instant::now();
        let plan = plan_channel(&a, 1, head, 0, gloam_rollup::batcher::MAX_FRAME_DATA_PER_BLOB).unwrap();
        let t_plan = t.elapsed();
        let t = Instant::now();
        let bundle = BlobBundle::new(&k, plan.blobs.clone()).unwrap();
        let t_kzg = t.elapsed();
        eprintln!(
            "{name}: {} B RLP -> {} B zlib (ratio {:.2}), {} frames, {} blobs; plan {:?}, KZG commit+proof {:?} ({:?}/blob)",
            plan.uncompressed,
            plan.compressed.len(),
            plan.uncompressed as f64 / plan.compressed.len() as f64,
            plan.frames.len(),
            plan.blobs.len(),
            t_plan,
            t_kzg,
            t_kzg / bundle.blobs.len() as u32
        );
        let fake = Arc::new(FakeSettlement::new(FakeConfig { kzg: Some(k.clone()), ..Default::default() }));
        let mut c = BatcherConfig::dev(dir.path().join("b.json"));
        c.max_latency = Duration::ZERO;
        let mut b = Batcher::new(a.clone(), fake.clone(), k.clone(), batcher_key(), c).unwrap();
        let t = Instant::now();
        while b.state().proposed < head {
            b.step(Instant::now()).unwrap();
        }
        eprintln!("  batcher end to end (fake settlement verifying proofs): {:?}", t.elapsed());
        let cc = open_chain(&dir.path().join("c"));
        let mut f = Follower::new(
            cc.clone(),
            fake.clone(),
            Some(k.clone()),
            None,
            FollowerConfig::dev(batcher_key().address()),
        )
        .unwrap();
        let t = Instant::now();
        f.step().unwrap();
        eprintln!("  follower (blob proof checks, decode, re-execution of {head} blocks): {:?}", t.elapsed());
        assert_same_chain(&a, &cc);
    }
}
