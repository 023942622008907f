//! The production entry point on real sockets: commonware's tokio runtime and
//! `p2p::authenticated::lookup` on loopback, storage on disk. Wall-clock test (seconds).

use std::sync::Arc;
use std::time::Duration;

use gloam_consensus::sim::TestApp;
use gloam_consensus::{init_testnet, run_validator, ValidatorConfig};

fn tmp(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("gloam-consensus-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

// Fixed ports below Linux's ephemeral range (32768–60999): a listener port inside it can be
// taken as the source port of another test's outgoing connection (seen once in CI as
// `BindFailed` on a restart).
fn fast(mut c: ValidatorConfig) -> ValidatorConfig {
    c.min_block_time_ms = 50;
    c
}

#[test]
fn single_validator_finalizes_and_recovers_after_restart() {
    let dir = tmp("single");
    let paths = init_testnet(1, &dir, 27100, Some(11)).unwrap();
    let cfg = fast(ValidatorConfig::load(&paths[0]).unwrap());
    let app = TestApp::new(128);
    let h = run_validator(cfg.clone(), app.clone()).unwrap();
    let reached = h.wait_for_height(5, Duration::from_secs(60));
    h.stop().unwrap();
    assert!(reached >= 5, "single validator reached only {reached}");
    let before = app.height();
    assert!(app.state().errors.is_empty(), "{:?}", app.state().errors);
    // Restart on the same storage with the same application state: continues from where it was,
    // every height exactly once.
    let h = run_validator(cfg, app.clone()).unwrap();
    let reached = h.wait_for_height(before + 3, Duration::from_secs(60));
    h.stop().unwrap();
    assert!(reached >= before + 3, "after restart reached only {reached} (before {before})");
    let st = app.state();
    assert!(st.errors.is_empty(), "{:?}", st.errors);
    let heights: Vec<u64> = st.finalized.iter().map(|f| f.0).collect();
    assert_eq!(heights, (1..=heights.len() as u64).collect::<Vec<_>>());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn four_validators_on_loopback() {
    let dir = tmp("four");
    let paths = init_testnet(4, &dir, 27200, Some(12)).unwrap();
    let apps: Vec<Arc<TestApp>> = (0..4).map(|_| TestApp::new(128)).collect();
    let handles: Vec<_> = paths
        .iter()
        .zip(&apps)
        .map(|(p, a)| run_validator(fast(ValidatorConfig::load(p).unwrap()), a.clone()).unwrap())
        .collect();
    let reached: Vec<u64> = handles.iter().map(|h| h.wait_for_height(5, Duration::from_secs(90))).collect();
    for h in handles {
        h.stop().unwrap();
    }
    assert!(reached.iter().all(|r| *r >= 5), "heights {reached:?}");
    let reference: Vec<_> = apps[0].chain().into_iter().take(5).collect();
    for a in &apps {
        assert!(a.state().errors.is_empty());
        assert_eq!(a.chain().into_iter().take(5).collect::<Vec<_>>(), reference);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_key_outside_the_genesis_committee_starts_as_a_follower() {
    let dir = tmp("follower");
    let paths = init_testnet(2, &dir, 27300, Some(13)).unwrap();
    let mut cfg = fast(ValidatorConfig::load(&paths[1]).unwrap());
    // Genesis lists only validator 0; validator 1's key is in no committee yet.
    let own = cfg.validators[1].clone();
    cfg.validators.retain(|e| e.identity != own.identity);
    assert_eq!(cfg.validators.len(), 1);
    let h = run_validator(cfg.clone(), TestApp::new(128)).expect("a follower starts");
    assert_eq!(h.index, gloam_consensus::NOT_A_GENESIS_MEMBER);
    assert_eq!(h.validators, 1);
    std::thread::sleep(Duration::from_millis(300));
    assert!(!h.is_finished(), "follower exited");
    h.stop().unwrap();
    // Its own listed key with another BLS key is still rejected.
    let mut bad = fast(ValidatorConfig::load(&paths[1]).unwrap());
    let other_bls = bad.validators[0].bls_public.clone();
    let i = bad.validators.iter().position(|e| e.identity == own.identity).unwrap();
    bad.validators[i].bls_public = other_bls;
    assert!(run_validator(bad, TestApp::new(128)).is_err());
    let _ = std::fs::remove_dir_all(&dir);
}
