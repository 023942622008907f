//! End to end: real gloam-evm chains in temp dirs, the in-memory settlement layer, the batcher
//! and the follower.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use alloy_primitives::B256;
use common::*;
use gloam_evm::testutil::test_signer;
use gloam_rollup::abi;
use gloam_rollup::batcher::{plan_channel, Step, MAX_FRAME_DATA_PER_BLOB};
use gloam_rollup::channel::ChannelError;
use gloam_rollup::fake::{FakeConfig, FakeSettlement};
use gloam_rollup::frame::Frame;
use gloam_rollup::settlement::Settlement;
use gloam_rollup::tx::{blob_tx, call_tx, BlobBundle, Fees};
use gloam_rollup::{Batcher, BatcherConfig, DerivationError, Follower, FollowerConfig};

const FEES: Fees =
    Fees { max_fee_per_gas: 10_000_000_000, max_priority_fee_per_gas: 1_000_000_000, max_fee_per_blob_gas: 10 };

fn new_fake(lag: u64) -> Arc<FakeSettlement> {
    Arc::new(FakeSettlement::new(FakeConfig { finality_lag: lag, kzg: Some(kzg()), ..Default::default() }))
}

fn cfg(dir: &std::path::Path, max_channel_bytes: usize) -> BatcherConfig {
    let mut c = BatcherConfig::dev(dir.join("batcher.json"));
    c.max_channel_bytes = max_channel_bytes;
    c.max_latency = Duration::ZERO;
    c
}

fn batcher(chain: &Arc<gloam_evm::Chain>, fake: &Arc<FakeSettlement>, c: BatcherConfig) -> Batcher {
    Batcher::new(chain.clone(), fake.clone(), kzg(), batcher_key(), c).expect("batcher")
}

/// Steps until every block of the chain is posted and proposed; returns the errors seen.
fn drive(b: &mut Batcher, chain: &gloam_evm::Chain, now: Instant) -> Vec<String> {
    let mut errors = Vec::new();
    for _ in 0..200 {
        if b.state().proposed == chain.head_number() && b.state().inflight.is_none() {
            return errors;
        }
        if let Err(e) = b.step(now) {
            errors.push(e.to_string());
        }
    }
    panic!("batcher did not finish: {:?}, errors {errors:?}", b.state());
}

fn follower(chain: &Arc<gloam_evm::Chain>, fake: &Arc<FakeSettlement>, start: u64, disputer: bool) -> Follower {
    let mut c = FollowerConfig::dev(batcher_key().address());
    c.start_block = start;
    c.channel_timeout = 3;
    let d = disputer.then(|| test_signer(200));
    Follower::new(chain.clone(), fake.clone(), Some(kzg()), d, c).expect("follower")
}

#[test]
fn follower_reaches_identical_state_and_checks_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let a = open_chain(&dir.path().join("a"));
    workload(&a, 8);
    let fake = new_fake(2);
    let mut b = batcher(&a, &fake, cfg(dir.path(), 1500));
    let errors = drive(&mut b, &a, Instant::now());
    assert!(errors.is_empty(), "{errors:?}");
    let st = b.status();
    assert_eq!(st.blocks_posted, 8);
    assert!(st.batches_posted >= 3, "1500-byte channels hold a few blocks each: {st:?}");
    assert_eq!(st.outputs_proposed, st.batches_posted);
    assert!(st.compression_ratio() > 1.0, "{st:?}");
    assert_eq!(posted_l2_blocks(&fake, b.address()), (1..=8).collect::<Vec<_>>());

    let c = open_chain(&dir.path().join("c"));
    let mut f = follower(&c, &fake, 0, true);
    // Nothing beyond the finalized block is read.
    f.step().unwrap();
    let fin = fake.head() - 2;
    assert_eq!(f.status().settlement_followed, Some(fin));
    fake.mine_blocks(2);
    f.step().unwrap();
    assert_same_chain(&a, &c);
    // The contract exists on the follower too (re-executed, not copied).
    assert!(!c.code_at(&token_address(), None).unwrap().is_empty());
    let fs = f.status();
    assert_eq!(fs.blocks_imported, 8);
    assert_eq!(fs.outputs_checked, st.outputs_proposed);
    assert_eq!(fs.outputs_matched, fs.outputs_checked);
    assert_eq!(fs.disputes_sent, 0);
    assert!(f.errors().is_empty(), "{:?}", f.errors());
    assert!(fake.disputes().unwrap().is_empty());
}

/// Posts `frames` (packed into blobs) as one blob transaction from the batcher key.
fn post_frames(fake: &FakeSettlement, frames: &[Frame]) -> (u64, Vec<B256>) {
    let blobs = gloam_rollup::batcher::frames_to_blobs(frames);
    let bundle = BlobBundle::new(&kzg(), blobs).unwrap();
    let key = batcher_key();
    let nonce = fake.transaction_count(key.address(), gloam_rollup::BlockTag::Pending).unwrap();
    let (raw, _) = blob_tx(&key, abi::SETTLEMENT_DEV_CHAIN_ID, nonce, abi::BATCH_INBOX, &bundle, &FEES);
    fake.send_raw_transaction(&raw).unwrap();
    (fake.head(), bundle.versioned_hashes.clone())
}

#[test]
fn bad_frames_and_blobs_are_detected_never_imported() {
    let dir = tempfile::tempdir().unwrap();
    let a = open_chain(&dir.path().join("a"));
    workload(&a, 3);
    let plan = plan_channel(&a, 1, 3, 0, MAX_FRAME_DATA_PER_BLOB).unwrap();
    // Three frames of one channel.
    let n = plan.compressed.len().div_ceil(3);
    let fr = gloam_rollup::channel::to_frames(plan.frames[0].channel_id, &plan.compressed, n);
    assert_eq!(fr.len(), 3);
    let fake = new_fake(0);
    let mut k = 0;
    let mut run = |name: &str, frames: Vec<Frame>, extra_blocks: u64| {
        k += 1;
        let (at, _) = post_frames(&fake, &frames);
        fake.mine_blocks(extra_blocks);
        let c = open_chain(&dir.path().join(format!("f{k}")));
        let mut f = follower(&c, &fake, at, false);
        f.step().unwrap();
        eprintln!("{name}: head {} errors {:?}", c.head_number(), f.errors());
        (c, f)
    };

    let (c, f) = run("reordered", vec![fr[0].clone(), fr[2].clone(), fr[1].clone()], 0);
    assert_eq!(c.head_number(), 0);
    assert!(matches!(
        f.errors()[..],
        [DerivationError::Channel { error: ChannelError::Reordered { got: 1, ahead: 2, .. }, .. }]
    ));

    let (c, f) = run("missing", vec![fr[0].clone(), fr[2].clone()], 4);
    assert_eq!(c.head_number(), 0);
    assert!(matches!(
        f.errors()[..],
        [DerivationError::Channel { error: ChannelError::TimedOut { missing_from: 1, .. }, .. }]
    ));

    let mut bad = fr[1].clone();
    let mid = bad.data.len() / 2;
    bad.data[mid] ^= 0x10;
    let (c, f) = run("corrupted", vec![fr[0].clone(), bad, fr[2].clone()], 0);
    assert_eq!(c.head_number(), 0);
    assert!(
        matches!(
            f.errors()[..],
            [DerivationError::Channel { error: ChannelError::Zlib(_) | ChannelError::Rlp { .. }, .. }]
        ),
        "{:?}",
        f.errors()
    );

    // A duplicate is reported and ignored; the channel still imports, once.
    let (c, f) = run("duplicated", vec![fr[0].clone(), fr[1].clone(), fr[1].clone(), fr[2].clone()], 0);
    assert_eq!(c.head_number(), 3);
    assert!(matches!(
        f.errors()[..],
        [DerivationError::Channel { error: ChannelError::DuplicateFrame { number: 1, .. }, .. }]
    ));
    assert_same_chain(&a, &c);

    // A batcher posting a block that does not re-execute to its header: recorded, not imported.
    let mut blk: alloy_consensus::Block<alloy_consensus::TxEnvelope> =
        alloy_rlp::Decodable::decode(&mut &a.block_rlp(1).unwrap().unwrap()[..]).unwrap();
    blk.header.state_root = B256::repeat_byte(0x5a);
    let forged = gloam_rollup::channel::compress(&[alloy_rlp::encode(&blk)]);
    let id = gloam_rollup::frame::ChannelId([0x77; 16]);
    let (c, f) = run("forged block", gloam_rollup::channel::to_frames(id, &forged, MAX_FRAME_DATA_PER_BLOB), 0);
    assert_eq!(c.head_number(), 0);
    assert!(matches!(f.errors()[..], [DerivationError::Import { number: 1, .. }]), "{:?}", f.errors());
    // A channel that skips block 1: a gap, nothing imported.
    let p23 = plan_channel(&a, 2, 3, 0, MAX_FRAME_DATA_PER_BLOB).unwrap();
    let (c, f) = run("gap", p23.frames.clone(), 0);
    assert_eq!(c.head_number(), 0);
    assert!(matches!(f.errors()[..], [DerivationError::Gap { number: 2, head: 0, .. }]), "{:?}", f.errors());

    // A follower whose chain already holds a different block 1: a conflict, never a rewrite.
    let (at, _) = post_frames(&fake, &fr);
    let c = open_chain(&dir.path().join("conflict"));
    bulky_blocks(&c, 1, 1, 10, 3);
    let local = c.block_by_number(1).unwrap().unwrap().hash;
    let mut f = follower(&c, &fake, at, false);
    f.step().unwrap();
    assert_eq!((c.head_number(), c.block_by_number(1).unwrap().unwrap().hash), (1, local));
    assert!(matches!(f.errors()[..], [DerivationError::Conflict { number: 1, .. }]), "{:?}", f.errors());

    // A blob the node serves with altered bytes fails the KZG check.
    let (at, hashes) = post_frames(&fake, &fr);
    let rec = fake.blob_by_versioned_hash(hashes[0]).unwrap().unwrap();
    let mut t = rec.blob.to_vec();
    t[40] ^= 1;
    fake.tamper_blob(hashes[0], t);
    let c = open_chain(&dir.path().join("tampered"));
    let mut f = follower(&c, &fake, at, false);
    f.step().unwrap();
    assert_eq!(c.head_number(), 0);
    assert!(matches!(f.errors()[..], [DerivationError::BlobMismatch { .. }]), "{:?}", f.errors());
}

#[test]
fn wrong_output_root_is_disputed_once() {
    let dir = tempfile::tempdir().unwrap();
    let a = open_chain(&dir.path().join("a"));
    workload(&a, 2);
    let fake = new_fake(0);
    let mut b = batcher(&a, &fake, cfg(dir.path(), 1 << 20));
    drive(&mut b, &a, Instant::now());
    assert_eq!(b.status().batches_posted, 1, "one channel for both blocks");
    // A rogue proposer claims a wrong root for block 1.
    let rogue = test_signer(7);
    let wrong = B256::repeat_byte(0xee);
    let (raw, _) = call_tx(
        &rogue,
        abi::SETTLEMENT_DEV_CHAIN_ID,
        0,
        abi::OUTPUT_ORACLE,
        abi::propose_output_calldata(1, 1, wrong),
        200_000,
        &FEES,
    );
    fake.send_raw_transaction(&raw).unwrap();

    let c = open_chain(&dir.path().join("c"));
    let mut f = follower(&c, &fake, 0, true);
    f.step().unwrap();
    assert_same_chain(&a, &c);
    let blk = a.block_by_number(1).unwrap().unwrap();
    let right = abi::output_root(blk.block.header.state_root, blk.hash);
    let d = fake.disputes().unwrap();
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!((d[0].env_id, d[0].l2_block_number, d[0].posted_root, d[0].computed_root), (1, 1, wrong, right));
    assert_eq!(d[0].submitter, test_signer(200).address());
    let st = f.status();
    assert_eq!((st.outputs_checked, st.outputs_matched, st.disputes_sent), (2, 1, 1));
    // Following on does not dispute again.
    fake.mine_blocks(3);
    f.step().unwrap();
    assert_eq!(fake.disputes().unwrap().len(), 1);
}

#[test]
fn batcher_retries_through_failures_without_double_posting() {
    let dir = tempfile::tempdir().unwrap();
    let a = open_chain(&dir.path().join("a"));
    workload(&a, 6);
    let fake = new_fake(0);
    let mut c = cfg(dir.path(), 1500);
    c.inclusion_timeout = Duration::ZERO;
    fake.fail_next_calls(1);
    assert!(Batcher::new(a.clone(), fake.clone(), kzg(), batcher_key(), c.clone()).is_err(), "RPC down at start");
    let mut b = batcher(&a, &fake, c);
    let now = Instant::now();
    // RPC down mid-run, a rejected send, a send acknowledged but never mined.
    fake.fail_next_calls(3);
    assert!(b.step(now).is_err());
    let mut errors = 0;
    for round in 0..3 {
        match round {
            0 => fake.reject_next_sends(1),
            1 => fake.drop_next_sends(1),
            _ => fake.fail_next_calls(2),
        }
        for _ in 0..4 {
            if b.step(now).is_err() {
                errors += 1;
            }
        }
    }
    errors += drive(&mut b, &a, now).len();
    let st = b.status();
    assert!(errors >= 2 && st.errors >= 3, "{errors} {st:?}");
    assert!(st.replacements >= 1, "the dropped transaction was replaced: {st:?}");
    assert_eq!(posted_l2_blocks(&fake, b.address()), (1..=6).collect::<Vec<_>>(), "each block exactly once");
    assert_eq!(st.blocks_posted, 6);
}

#[test]
fn restart_resumes_without_double_post() {
    let dir = tempfile::tempdir().unwrap();
    let a = open_chain(&dir.path().join("a"));
    workload(&a, 3);
    let fake = new_fake(0);
    fake.set_auto_mine(false);
    let c = cfg(dir.path(), 1 << 20);
    let now = Instant::now();
    {
        // Crash after sending, before inclusion.
        let mut b1 = batcher(&a, &fake, c.clone());
        assert_eq!(b1.step(now).unwrap(), Step::Inflight);
        assert_eq!(fake.pool_len(), 1);
    }
    {
        // Restart: the same transaction (same nonce, same bytes) is re-sent, not a new batch.
        let mut b2 = batcher(&a, &fake, c.clone());
        assert_eq!(b2.state().inflight.as_ref().map(|i| (i.first, i.last)), Some((1, 3)));
        assert_eq!(b2.step(now).unwrap(), Step::Inflight);
        assert_eq!(fake.pool_len(), 1);
        fake.mine();
        // Crash again after inclusion, before the output proposal is mined.
        assert_eq!(b2.step(now).unwrap(), Step::Inflight);
        assert_eq!(b2.state().posted, 3);
    }
    fake.set_auto_mine(true);
    fake.mine(); // the settlement chain moves on: the pending proposal is mined
    let mut b3 = batcher(&a, &fake, c.clone());
    drive(&mut b3, &a, now);
    assert_eq!(b3.state().proposed, 3);
    assert_eq!(posted_l2_blocks(&fake, b3.address()), vec![1, 2, 3]);
    assert!(fake.output_root(1, 3).unwrap().is_some());
    let proposals = |l2: u64| {
        fake.mined_txs()
            .iter()
            .filter(|(_, t)| {
                t.to == Some(abi::OUTPUT_ORACLE) && abi::decode_propose_output(&t.input).map(|p| p.1) == Some(l2)
            })
            .count()
    };
    assert_eq!(proposals(3), 1, "the output root was proposed once");

    // A lost state file: the batcher finds its last output root on the settlement layer.
    std::fs::remove_file(&c.state_file).unwrap();
    workload(&a, 2);
    let mut b4 = batcher(&a, &fake, c.clone());
    assert_eq!((b4.state().posted, b4.state().proposed), (3, 3));
    drive(&mut b4, &a, now);
    assert_eq!(posted_l2_blocks(&fake, b4.address()), vec![1, 2, 3, 4, 5]);
    assert_eq!(b4.step(now).unwrap(), Step::Idle);
    assert_eq!((proposals(3), proposals(5)), (1, 1));
}

#[test]
fn follower_resumes_from_its_state_file_mid_channel() {
    let dir = tempfile::tempdir().unwrap();
    let a = open_chain(&dir.path().join("a"));
    workload(&a, 4);
    let fake = new_fake(0);
    // One channel, two frames, posted in two settlement blocks.
    let plan = plan_channel(&a, 1, 4, 0, MAX_FRAME_DATA_PER_BLOB).unwrap();
    let fr = gloam_rollup::channel::to_frames(
        plan.frames[0].channel_id,
        &plan.compressed,
        plan.compressed.len().div_ceil(2),
    );
    assert_eq!(fr.len(), 2);
    let (first_at, _) = post_frames(&fake, &fr[..1]);
    fake.set_finality_lag(1);
    let (_, _) = post_frames(&fake, &fr[1..]);
    let c = open_chain(&dir.path().join("c"));
    let mut fc = FollowerConfig::dev(batcher_key().address());
    fc.state_file = Some(dir.path().join("follower.json"));
    fc.start_block = first_at;
    {
        let mut f = Follower::new(c.clone(), fake.clone(), Some(kzg()), None, fc.clone()).unwrap();
        f.step().unwrap();
        assert_eq!(f.status().settlement_followed, Some(first_at));
        assert_eq!(c.head_number(), 0, "half a channel imports nothing");
    }
    // Restarted, it re-reads the first frame's block (the channel was incomplete).
    fake.set_finality_lag(0);
    let mut f = Follower::new(c.clone(), fake.clone(), Some(kzg()), None, fc.clone()).unwrap();
    f.step().unwrap();
    assert!(f.errors().is_empty(), "{:?}", f.errors());
    assert_same_chain(&a, &c);
    assert_eq!(f.status().blocks_imported, 4);
    // Restarted again with nothing new: nothing is read twice.
    drop(f);
    let mut f = Follower::new(c.clone(), fake.clone(), Some(kzg()), None, fc).unwrap();
    assert_eq!(f.step().unwrap(), 0);
    assert_eq!(f.status().blocks_imported, 0);
}

#[test]
fn batcher_and_follower_run_in_threads() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let dir = tempfile::tempdir().unwrap();
    let a = open_chain(&dir.path().join("a"));
    let c = open_chain(&dir.path().join("c"));
    let fake = new_fake(1);
    let mut bc = cfg(dir.path(), 1 << 20);
    bc.max_latency = Duration::from_millis(300);
    bc.poll_interval = Duration::from_millis(20);
    let mut b = batcher(&a, &fake, bc);
    let bstatus = b.status_handle();
    let mut fcfg = FollowerConfig::dev(batcher_key().address());
    fcfg.poll_interval = Duration::from_millis(20);
    let mut f = Follower::new(c.clone(), fake.clone(), Some(kzg()), None, fcfg).unwrap();
    let fstatus = f.status_handle();
    let stop = Arc::new(AtomicBool::new(false));
    let (s1, s2) = (stop.clone(), stop.clone());
    let tb = std::thread::spawn(move || b.run(&s1));
    let tf = std::thread::spawn(move || f.run(&s2));
    workload(&a, 4);
    let t0 = Instant::now();
    while c.head_number() < 4 {
        // The settlement chain keeps producing blocks (finality lag 1).
        fake.mine();
        std::thread::sleep(Duration::from_millis(50));
        assert!(t0.elapsed() < Duration::from_secs(60), "follower stuck: {:?} {:?}", bstatus.lock(), fstatus.lock());
    }
    stop.store(true, Ordering::Relaxed);
    tb.join().unwrap();
    tf.join().unwrap();
    assert_same_chain(&a, &c);
    let bs = bstatus.lock().clone();
    assert_eq!(bs.blocks_posted, 4);
    eprintln!("batcher status: {bs:?}, compression ratio {:.2}", bs.compression_ratio());
    eprintln!("follower status: {:?}", fstatus.lock());
}

#[test]
fn policy_latency_size_and_blobs_per_tx() {
    let dir = tempfile::tempdir().unwrap();
    let a = open_chain(&dir.path().join("a"));
    workload(&a, 2);
    let fake = new_fake(0);
    // Latency: nothing is posted before max_latency since the first unposted block was seen.
    let mut c = cfg(dir.path(), 1 << 20);
    c.max_latency = Duration::from_secs(600);
    let mut bad = c.clone();
    bad.max_blobs_per_tx = 7;
    assert!(matches!(
        Batcher::new(a.clone(), fake.clone(), kzg(), batcher_key(), bad),
        Err(gloam_rollup::BatcherError::Config(_))
    ));
    let mut b = batcher(&a, &fake, c);
    let t0 = Instant::now();
    assert_eq!(b.step(t0).unwrap(), Step::Waiting);
    assert_eq!(b.step(t0 + Duration::from_secs(599)).unwrap(), Step::Waiting);
    assert_eq!(fake.sends(), 0);
    assert_eq!(b.step(t0 + Duration::from_secs(600)).unwrap(), Step::Inflight);
    assert_eq!(fake.sends(), 1);
    drive(&mut b, &a, t0 + Duration::from_secs(600));
    drop(b);

    // Size: with latency out of the way, channels close only when full, and each is the longest
    // run of blocks within max_channel_bytes.
    let dir2 = tempfile::tempdir().unwrap();
    let a = open_chain(&dir2.path().join("a"));
    workload(&a, 14);
    let fake = new_fake(0);
    let max = 3000;
    let mut c = cfg(dir2.path(), max);
    c.max_latency = Duration::from_secs(3600);
    let mut b = batcher(&a, &fake, c);
    let now = Instant::now();
    let mut steps = 0;
    while b.step(now).unwrap() != Step::Waiting {
        steps += 1;
        assert!(steps < 100);
    }
    let st = b.status();
    assert!(st.channels.len() >= 2, "{st:?}");
    let rlp = |n: u64| a.block_rlp(n).unwrap().unwrap();
    let size = |f: u64, l: u64| gloam_rollup::channel::compress(&(f..=l).map(rlp).collect::<Vec<_>>()).len();
    for &(f, l, bytes) in &st.channels {
        assert_eq!(bytes, size(f, l));
        // (A single block larger than the limit would still be posted alone.)
        assert!(bytes <= max || f == l, "channel {f}..={l} is {bytes} bytes");
        assert!(size(f, l + 1) > max, "channel {f}..={l} could have taken block {}", l + 1);
    }
    assert!(size(st.posted + 1, a.head_number()) < max, "the rest is below the size trigger");

    // Blobs per transaction: an incompressible 3-blob channel with max 2 blobs per tx goes out
    // as two transactions (2 + 1 blobs).
    let dir3 = tempfile::tempdir().unwrap();
    let a = open_chain(&dir3.path().join("a"));
    bulky_blocks(&a, 1, 3, 100_000, 0x5eed);
    let fake = new_fake(0);
    let mut c = cfg(dir3.path(), 1 << 22);
    c.max_blobs_per_tx = 2;
    let mut b = batcher(&a, &fake, c);
    drive(&mut b, &a, Instant::now());
    let blob_txs: Vec<usize> = fake
        .mined_txs()
        .into_iter()
        .filter(|(_, t)| t.to == Some(abi::BATCH_INBOX))
        .map(|(_, t)| t.blob_versioned_hashes.len())
        .collect();
    assert_eq!(blob_txs, vec![2, 1]);
    assert_eq!(posted_l2_blocks(&fake, b.address()), vec![1]);
    let cc = open_chain(&dir3.path().join("c"));
    let mut f = follower(&cc, &fake, 0, false);
    f.step().unwrap();
    assert_same_chain(&a, &cc);
}

#[test]
fn channel_spread_past_the_timeout_is_reposted() {
    let dir = tempfile::tempdir().unwrap();
    let a = open_chain(&dir.path().join("a"));
    bulky_blocks(&a, 1, 2, 100_000, 0xfeed); // 2 blobs
    let fake = new_fake(0);
    fake.set_auto_mine(false);
    let mut c = cfg(dir.path(), 1 << 22);
    c.max_blobs_per_tx = 1;
    c.channel_timeout = 3;
    c.inclusion_timeout = Duration::from_secs(3600);
    let mut b = batcher(&a, &fake, c);
    let me = b.address();
    let now = Instant::now();
    fake.hold(me, 1); // the channel's second transaction is stuck
    assert_eq!(b.step(now).unwrap(), Step::Inflight);
    fake.mine();
    fake.mine_blocks(4);
    fake.release(me, 1);
    fake.mine();
    assert_eq!(b.step(now).unwrap(), Step::Inflight, "re-posting");
    assert_eq!(b.state().inflight.as_ref().unwrap().attempt, 1);
    fake.set_auto_mine(true);
    drive(&mut b, &a, now);
    assert_eq!(b.status().channels_reposted, 1);
    assert_eq!(b.status().blocks_posted, 1);
    // The follower drops the spread-out channel and imports the re-posted one.
    let cc = open_chain(&dir.path().join("c"));
    let mut fc = FollowerConfig::dev(me);
    fc.channel_timeout = 3;
    let mut f = Follower::new(cc.clone(), fake.clone(), Some(kzg()), None, fc).unwrap();
    f.step().unwrap();
    assert_same_chain(&a, &cc);
    assert!(
        f.errors().iter().any(|e| matches!(e, DerivationError::Channel { error: ChannelError::TimedOut { .. }, .. })),
        "{:?}",
        f.errors()
    );
}
