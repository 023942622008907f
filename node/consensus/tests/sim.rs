//! Deterministic simulation tests: whole networks in commonware's deterministic runtime over
//! `p2p::simulated`. Every test is seeded (override with `GLOAM_SIM_SEED`) and prints its seed
//! when it fails. Times are simulated.

use std::sync::Arc;
use std::time::Duration;

use commonware_codec::{Decode, DecodeExt, Encode};
use commonware_consensus::simplex::types::{Activity, Finalization, Finalize, Notarize, Nullify, Proposal, Vote};
use commonware_cryptography::{certificate::Verifier as _, sha256, Hasher as _};
use commonware_p2p::{Receiver as _, Recipients, Sender as _};
use commonware_parallel::Sequential;
use commonware_runtime::{deterministic, Clock, Spawner as _, Supervisor as _};
use gloam_consensus::engine::{self, Stack};
use gloam_consensus::keys::Scheme;
use gloam_consensus::sim::{run_seeded as run, seed, sim_timeouts, wait_until, SimLink, SimNet, TestApp};
use gloam_consensus::{Application, Digest, FaultKind};

const LINK: SimLink = SimLink { latency_ms: 40, jitter_ms: 10, loss: 0.0, payload_bytes: 256 };

async fn start_all(
    ctx: &deterministic::Context,
    net: &SimNet,
    which: &[usize],
) -> (Vec<Arc<TestApp>>, Vec<Option<Stack>>) {
    let n = net.participants.len();
    let mut apps = Vec::new();
    let mut stacks = Vec::new();
    for i in 0..n {
        let app = TestApp::new(LINK.payload_bytes);
        let stack = if which.contains(&i) { Some(net.start(ctx, i, app.clone(), None).await) } else { None };
        apps.push(app);
        stacks.push(stack);
    }
    (apps, stacks)
}

/// Asserts that the given apps finalized identical (height, digest) sequences up to `upto`, with
/// heights 1..=upto each exactly once and no contract violations.
fn assert_consistent(apps: &[&Arc<TestApp>], upto: u64) -> Vec<(u64, Digest)> {
    let reference: Vec<(u64, Digest)> = apps[0].chain().into_iter().take(upto as usize).collect();
    assert_eq!(reference.len() as u64, upto, "reference chain too short");
    for (i, (h, _)) in reference.iter().enumerate() {
        assert_eq!(*h, i as u64 + 1, "heights are contiguous from 1");
    }
    for a in apps {
        let st = a.state();
        assert!(st.errors.is_empty(), "contract violations: {:?}", st.errors);
        let chain: Vec<(u64, Digest)> = a.chain().into_iter().take(upto as usize).collect();
        assert_eq!(chain, reference, "finalized sequences differ");
        // No height delivered twice anywhere in the run.
        let mut hs: Vec<u64> = st.finalized.iter().map(|f| f.0).collect();
        let len = hs.len();
        hs.dedup();
        assert_eq!(hs.len(), len, "a height was delivered twice");
    }
    reference
}

fn min_height(apps: &[&Arc<TestApp>]) -> u64 {
    apps.iter().map(|a| a.height()).min().unwrap_or(0)
}

fn honest(n: usize, apps: &[Arc<TestApp>], skip: &[usize]) -> Vec<Arc<TestApp>> {
    (0..n).filter(|i| !skip.contains(i)).map(|i| apps[i].clone()).collect()
}

#[test]
fn honest_networks_finalize_identical_sequences() {
    for (n, blocks, s) in [(4usize, 20u64, seed(1)), (7, 12, seed(2))] {
        run("honest", s, move |ctx| async move {
            let net = SimNet::new(&ctx, n, s, sim_timeouts(0), 4096).await;
            let all: Vec<usize> = (0..n).collect();
            net.link(&all, &LINK).await;
            let (apps, _stacks) = start_all(&ctx, &net, &all).await;
            let refs: Vec<&Arc<TestApp>> = apps.iter().collect();
            assert!(
                wait_until(&ctx, Duration::from_secs(120), || min_height(&refs) >= blocks).await,
                "n={n}: no progress to {blocks}"
            );
            assert_consistent(&refs, blocks);
            for a in &apps {
                assert!(a.state().faults.is_empty(), "fault reported in an honest network");
                assert!(a.state().finalized.iter().all(|f| f.3 > 0), "every block came with a certificate");
            }
        });
    }
}

#[test]
fn finalization_certificates_verify() {
    let s = seed(3);
    run("certificates", s, move |ctx| async move {
        let n = 4;
        let net = SimNet::new(&ctx, n, s, sim_timeouts(0), 4096).await;
        let all: Vec<usize> = (0..n).collect();
        net.link(&all, &LINK).await;
        type Certs = Arc<std::sync::Mutex<Vec<(u64, Digest, Vec<u8>)>>>;
        let certs: Certs = Arc::default();
        struct Recording(Arc<TestApp>, Certs);
        impl Application for Recording {
            fn genesis(&self) -> Vec<u8> {
                self.0.genesis()
            }
            fn propose(&self, c: &gloam_consensus::BlockContext) -> Result<Vec<u8>, String> {
                self.0.propose(c)
            }
            fn verify(&self, c: &gloam_consensus::BlockContext, p: &[u8]) -> Result<(), String> {
                self.0.verify(c, p)
            }
            fn finalized(&self, c: &gloam_consensus::BlockContext, d: Digest, p: &[u8], f: &[u8]) {
                self.1.lock().unwrap().push((c.height, d, f.to_vec()));
                self.0.finalized(c, d, p, f)
            }
            fn last_finalized(&self) -> u64 {
                self.0.last_finalized()
            }
        }
        let mut apps = Vec::new();
        let mut stacks = Vec::new();
        for i in 0..n {
            let app = TestApp::new(LINK.payload_bytes);
            let wrapped: Arc<dyn Application> =
                if i == 0 { Arc::new(Recording(app.clone(), certs.clone())) } else { app.clone() };
            stacks.push(net.start(&ctx, i, wrapped, None).await);
            apps.push(app);
        }
        let refs: Vec<&Arc<TestApp>> = apps.iter().collect();
        assert!(wait_until(&ctx, Duration::from_secs(60), || min_height(&refs) >= 8).await);
        let mut rng = commonware_utils::TestRng::new(s);
        let cfg = Scheme::certificate_codec_config_unbounded();
        let recorded = certs.lock().unwrap().clone();
        assert!(recorded.len() >= 8);
        let mut verified = 0;
        for (h, digest, cert) in recorded {
            assert!(!cert.is_empty(), "height {h}: no certificate");
            let f = Finalization::<Scheme, sha256::Digest>::decode_cfg(cert.clone(), &cfg).expect("decodes");
            assert_eq!(f.proposal.payload.as_ref(), &digest[..], "certificate names the block");
            assert!(f.verify(&mut rng, &net.verifier, &Sequential), "height {h}: certificate verifies");
            // A certificate under a different committee does not verify (the check is real).
            let other = SimNet::new(&ctx.child("other"), n, s + 1000, sim_timeouts(0), 4096).await;
            assert!(!f.verify(&mut rng, &other.verifier, &Sequential));
            verified += 1;
            if verified >= 3 {
                break;
            }
        }
    });
}

#[test]
fn liveness_with_f_crashed() {
    for (n, crashed, blocks, s) in [(4usize, vec![3usize], 8u64, seed(4)), (7, vec![2, 5], 8, seed(5))] {
        run("crashed", s, move |ctx| async move {
            let net = SimNet::new(&ctx, n, s, sim_timeouts(0), 4096).await;
            let all: Vec<usize> = (0..n).collect();
            net.link(&all, &LINK).await;
            let live: Vec<usize> = all.iter().copied().filter(|i| !crashed.contains(i)).collect();
            let (apps, _stacks) = start_all(&ctx, &net, &live).await;
            let hon = honest(n, &apps, &crashed);
            let refs: Vec<&Arc<TestApp>> = hon.iter().collect();
            assert!(
                wait_until(&ctx, Duration::from_secs(300), || min_height(&refs) >= blocks).await,
                "n={n} crashed={crashed:?}: stuck at {}",
                min_height(&refs)
            );
            let chain = assert_consistent(&refs, blocks);
            // Crashed validators never propose: no finalized block names them.
            for a in &hon {
                for (h, _, payload, _) in a.state().finalized.iter().take(blocks as usize) {
                    let text = String::from_utf8_lossy(&payload[..payload.len().min(40)]).to_string();
                    for c in &crashed {
                        assert!(
                            !text.starts_with(&format!("gloam-test:{h}:{c}:")),
                            "crashed validator {c} proposed {h}"
                        );
                    }
                }
            }
            assert_eq!(chain.len() as u64, blocks);
        });
    }
}

/// A Byzantine validator that equivocates: whenever it sees the first notarize vote of view `v`,
/// it signs two notarize votes for *different* made-up proposals in view `v + 1` (before that
/// view's leader has proposed, so honest batchers keep the first and catch the second) and sends
/// both to everyone.
/// With `kind == NullifyFinalize` it instead signs a nullify and a finalize for view `v + 1`.
async fn equivocate(ctx: deterministic::Context, net: &SimNet, me: usize, kind: FaultKind) {
    let mut chans = net.channels(me).await;
    let scheme = net.schemes[me].clone();
    let mut seen = std::collections::HashSet::new();
    let (mut sender, mut receiver) = (chans.votes.0.clone(), chans.votes.1);
    ctx.spawn(move |_| async move {
        loop {
            // Drain certificates so the channel does not fill.
            if chans.certs.1.recv().await.is_err() {
                break;
            }
        }
    });
    loop {
        let Ok((_, msg)) = receiver.recv().await else { break };
        // Consensus channels carry a varint epoch prefix (p2p mux); everything here is epoch 0.
        let Ok((0, msg)) = commonware_p2p::utils::mux::parse(msg) else { continue };
        let Ok(Vote::Notarize(n)) = Vote::<Scheme, sha256::Digest>::decode(msg) else { continue };
        let view = n.proposal.round.view();
        if !seen.insert(view) {
            continue;
        }
        let next = commonware_consensus::types::Round::new(n.proposal.round.epoch(), view.next());
        let votes: Vec<Vote<Scheme, sha256::Digest>> = match kind {
            FaultKind::NullifyFinalize => {
                let digest = sha256::Sha256::hash(&[b"equivocation".as_slice(), n.proposal.encode().as_ref()]);
                vec![
                    Vote::Nullify(Nullify::sign::<sha256::Digest>(&scheme, next).expect("signer")),
                    Vote::Finalize(Finalize::sign(&scheme, Proposal::new(next, view, digest)).expect("signer")),
                ]
            }
            _ => [b"equivocation-a".as_slice(), b"equivocation-b".as_slice()]
                .into_iter()
                .map(|tag| {
                    let digest = sha256::Sha256::hash(&[tag, n.proposal.encode().as_ref()]);
                    Vote::Notarize(Notarize::sign(&scheme, Proposal::new(next, view, digest)).expect("signer"))
                })
                .collect(),
        };
        for vote in votes {
            let mut framed = vec![0u8]; // epoch 0 as a varint
            framed.extend_from_slice(&vote.encode());
            let _ = sender.send(Recipients::All, framed, true);
        }
    }
}

#[test]
fn equivocation_is_safe_and_reported() {
    for (kind, s) in [(FaultKind::ConflictingNotarize, seed(6)), (FaultKind::NullifyFinalize, seed(12))] {
        run("equivocation", s, move |ctx| async move {
            let n = 4;
            let byz = 3;
            let net = Arc::new(SimNet::new(&ctx, n, s, sim_timeouts(0), 4096).await);
            let all: Vec<usize> = (0..n).collect();
            net.link(&all, &LINK).await;
            let live: Vec<usize> = (0..n).filter(|i| *i != byz).collect();
            let (apps, _stacks) = start_all(&ctx, &net, &live).await;
            let n2 = net.clone();
            ctx.child("byzantine").spawn(move |c| async move { equivocate(c, &n2, byz, kind).await });
            let hon = honest(n, &apps, &[byz]);
            let refs: Vec<&Arc<TestApp>> = hon.iter().collect();
            assert!(wait_until(&ctx, Duration::from_secs(120), || min_height(&refs) >= 10).await, "no progress");
            assert_consistent(&refs, 10);
            // Every honest validator reported the equivocator, with evidence that decodes to a
            // conflicting-notarize activity and verifies against the committee.
            assert!(
                wait_until(&ctx, Duration::from_secs(30), || hon.iter().all(|a| !a.state().faults.is_empty())).await,
                "fault not reported"
            );
            let mut rng = commonware_utils::TestRng::new(s);
            let cfg = Scheme::certificate_codec_config_unbounded();
            for a in &hon {
                for f in a.state().faults {
                    assert_eq!(f.validator as usize, byz, "only the equivocator is reported");
                    assert_eq!(f.kind, kind);
                    assert_eq!(&f.identity[..], net.participants[byz].encode().as_ref());
                    let act = Activity::<Scheme, sha256::Digest>::decode_cfg(f.evidence.clone(), &cfg)
                        .expect("evidence decodes");
                    match kind {
                        FaultKind::NullifyFinalize => assert!(matches!(act, Activity::NullifyFinalize(_))),
                        _ => assert!(matches!(act, Activity::ConflictingNotarize(_))),
                    }
                    assert!(act.verify(&mut rng, &net.verifier, &Sequential), "evidence verifies");
                }
            }
            // commonware blocked the equivocator at every honest validator.
            let blocked = net.oracle.blocked().await.expect("blocked list");
            for i in &live {
                assert!(
                    blocked.contains(&(net.participants[*i].clone(), net.participants[byz].clone())),
                    "validator {i} did not block the equivocator: {blocked:?}"
                );
            }
        });
    }
}

#[test]
fn partition_without_quorum_stalls_then_heals() {
    let s = seed(7);
    run("partition", s, move |ctx| async move {
        let n = 4;
        let net = SimNet::new(&ctx, n, s, sim_timeouts(0), 4096).await;
        let all: Vec<usize> = (0..n).collect();
        net.link(&all, &LINK).await;
        let (apps, _stacks) = start_all(&ctx, &net, &all).await;
        let refs: Vec<&Arc<TestApp>> = apps.iter().collect();
        assert!(wait_until(&ctx, Duration::from_secs(60), || min_height(&refs) >= 3).await);
        // Split 2 | 2: neither side has a quorum (3 of 4).
        net.cut(&[0, 1], &[2, 3]).await;
        ctx.sleep(Duration::from_secs(3)).await;
        let frozen: Vec<u64> = apps.iter().map(|a| a.height()).collect();
        ctx.sleep(Duration::from_secs(20)).await;
        let after: Vec<u64> = apps.iter().map(|a| a.height()).collect();
        assert_eq!(frozen, after, "progress without quorum");
        // Heal.
        net.join(&[0, 1], &[2, 3], &LINK).await;
        let target = after.iter().max().copied().unwrap_or(0) + 5;
        assert!(
            wait_until(&ctx, Duration::from_secs(180), || min_height(&refs) >= target).await,
            "no progress after healing: {:?}",
            apps.iter().map(|a| a.height()).collect::<Vec<_>>()
        );
        assert_consistent(&refs, target);
    });
}

#[test]
fn restarted_validator_catches_up_exactly_once() {
    let s = seed(8);
    run("restart", s, move |ctx| async move {
        let n = 4;
        let victim = 2;
        let net = SimNet::new(&ctx, n, s, sim_timeouts(0), 4096).await;
        let all: Vec<usize> = (0..n).collect();
        net.link(&all, &LINK).await;
        let (apps, mut stacks) = start_all(&ctx, &net, &all).await;
        let refs: Vec<&Arc<TestApp>> = apps.iter().collect();
        assert!(wait_until(&ctx, Duration::from_secs(60), || min_height(&refs) >= 5).await);
        // Crash the victim (all its tasks stop; storage is what it durably wrote).
        stacks[victim].take().expect("running").abort();
        let at_crash = apps[victim].height();
        let others: Vec<&Arc<TestApp>> = (0..n).filter(|i| *i != victim).map(|i| &apps[i]).collect();
        let target = at_crash + 12;
        assert!(wait_until(&ctx, Duration::from_secs(120), || min_height(&others) >= target).await, "3 of 4 stalled");
        assert!(apps[victim].height() == at_crash, "crashed validator kept finalizing");
        // Restart from storage with the same (durable) application state.
        stacks[victim] = Some(net.start(&ctx, victim, apps[victim].clone(), None).await);
        let goal = min_height(&others) + 3;
        assert!(
            wait_until(&ctx, Duration::from_secs(180), || apps[victim].height() >= goal).await,
            "victim stuck at {} (goal {goal})",
            apps[victim].height()
        );
        assert_consistent(&refs, goal);
    });
}

#[test]
fn application_behind_consensus_storage_is_replayed_from_the_archive() {
    let s = seed(11);
    run("replay", s, move |ctx| async move {
        let n = 4;
        let victim = 0;
        let net = SimNet::new(&ctx, n, s, sim_timeouts(0), 4096).await;
        let all: Vec<usize> = (0..n).collect();
        net.link(&all, &LINK).await;
        let (apps, mut stacks) = start_all(&ctx, &net, &all).await;
        let refs: Vec<&Arc<TestApp>> = apps.iter().collect();
        assert!(wait_until(&ctx, Duration::from_secs(60), || min_height(&refs) >= 10).await);
        stacks[victim].take().expect("running").abort();
        let at_crash = apps[victim].height();
        // The application lost its last 6 blocks; consensus storage still has them.
        apps[victim].rollback(at_crash - 6);
        assert_eq!(apps[victim].height(), at_crash - 6);
        stacks[victim] = Some(net.start(&ctx, victim, apps[victim].clone(), None).await);
        let goal = at_crash + 5;
        assert!(
            wait_until(&ctx, Duration::from_secs(120), || apps[victim].height() >= goal).await,
            "victim stuck at {}",
            apps[victim].height()
        );
        assert_consistent(&refs, goal);
    });
}

#[test]
fn garbage_from_a_peer_is_rejected_and_blocked() {
    let s = seed(9);
    run("garbage", s, move |ctx| async move {
        let n = 4;
        let bad = 1;
        let net = SimNet::new(&ctx, n, s, sim_timeouts(0), 4096).await;
        let all: Vec<usize> = (0..n).collect();
        net.link(&all, &LINK).await;
        let live: Vec<usize> = (0..n).filter(|i| *i != bad).collect();
        let (apps, _stacks) = start_all(&ctx, &net, &live).await;
        // The bad peer sends random bytes on every consensus channel, and on an unknown channel.
        let chans = net.channels(bad).await;
        let unknown = net.oracle.control(net.participants[bad].clone());
        let (mut unknown_tx, _unknown_rx) =
            unknown.register(99, commonware_runtime::Quota::per_second(commonware_utils::NZU32!(1000))).await.unwrap();
        let mut senders = [chans.votes.0, chans.certs.0, chans.resolver.0, chans.backfill.0, chans.blocks.0];
        ctx.child("garbage").spawn(move |c| async move {
            let mut rng = commonware_utils::TestRng::new(s);
            for round in 0..200u32 {
                for tx in senders.iter_mut() {
                    let len = 1 + (rand_core::Rng::next_u32(&mut rng) % 300) as usize;
                    let mut junk = vec![0u8; len];
                    rand_core::Rng::fill_bytes(&mut rng, &mut junk);
                    // Some messages start like a real vote / certificate tag.
                    junk[0] = (round % 4) as u8;
                    let _ = tx.send(Recipients::All, junk.clone(), false);
                }
                let _ = unknown_tx.send(Recipients::All, vec![1, 2, 3], false);
                c.sleep(Duration::from_millis(50)).await;
            }
        });
        let hon = honest(n, &apps, &[bad]);
        let refs: Vec<&Arc<TestApp>> = hon.iter().collect();
        assert!(wait_until(&ctx, Duration::from_secs(120), || min_height(&refs) >= 10).await, "no progress");
        assert_consistent(&refs, 10);
        let blocked = net.oracle.blocked().await.expect("blocked list");
        for i in &live {
            assert!(
                blocked.contains(&(net.participants[*i].clone(), net.participants[bad].clone())),
                "validator {i} did not block the garbage peer: {blocked:?}"
            );
        }
        for a in &hon {
            assert!(a.state().faults.is_empty(), "garbage is not attributable evidence");
        }
    });
}

#[test]
fn simulate_reports_figures() {
    let r = gloam_consensus::simulate(4, 10, seed(10), LINK);
    assert_eq!(r.blocks, 10);
    assert!(r.consistent);
    assert!(r.blocks_per_s > 0.0);
    // Finality needs at least the 3 one-way hops of simplex (proposal, notarize, finalize) at
    // >= 40 ms each minus jitter, and far less than the 1 s leader timeout in a healthy network.
    assert!(r.finality_latency_ms_p50 >= 60.0 && r.finality_latency_ms_p50 < 1000.0, "{r:?}");
    assert!(r.finality_latency_ms_p99 >= r.finality_latency_ms_p50);
    // Views are counted from the payloads: at least one view per block.
    assert!(r.views_per_block >= 1.0 && r.views_per_block < 3.0, "{r:?}");
    // Deterministic: same seed, same figures.
    let r2 = gloam_consensus::simulate(4, 10, seed(10), LINK);
    assert_eq!((r.sim_seconds, r.finality_latency_ms_p50), (r2.sim_seconds, r2.finality_latency_ms_p50));
    let _ = engine::CH_VOTES;
}
