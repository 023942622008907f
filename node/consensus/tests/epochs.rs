//! Validator sets per epoch (deterministic simulation, seeded: `GLOAM_SIM_SEED` overrides; the
//! seed is printed on failure). Epochs are `EPOCH` blocks long; the test applications script the
//! lists `validators_for_epoch` returns, identically on every node (as a deterministic
//! application state would).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use commonware_codec::Decode;
use commonware_consensus::simplex::types::Finalization;
use commonware_consensus::Epochable as _;
use commonware_cryptography::{certificate::Verifier as _, sha256};
use commonware_parallel::Sequential;
use commonware_runtime::{deterministic, Clock as _};
use gloam_consensus::engine::{Committee, Event, Observer, Stack};
use gloam_consensus::keys::{self, Scheme};
use gloam_consensus::sim::{run_seeded as run, seed, sim_timeouts, wait_until, SimLink, SimNet, TestApp, SIM_CHAIN};
use gloam_consensus::{Application, BlockContext, Digest, ValidatorEntry};

const EPOCH: u64 = 6;
const LINK: SimLink = SimLink { latency_ms: 40, jitter_ms: 10, loss: 0.0, payload_bytes: 256 };

/// Records every application call of node `i` with its certificate, and the epoch events.
struct Recording {
    app: Arc<TestApp>,
    certs: Arc<Mutex<BTreeMap<u64, Vec<u8>>>>,
}

impl Application for Recording {
    fn genesis(&self) -> Vec<u8> {
        self.app.genesis()
    }
    fn propose(&self, c: &BlockContext) -> Result<Vec<u8>, String> {
        self.app.propose(c)
    }
    fn verify(&self, c: &BlockContext, p: &[u8]) -> Result<(), String> {
        self.app.verify(c, p)
    }
    fn finalized(&self, c: &BlockContext, d: Digest, p: &[u8], f: &[u8]) {
        self.certs.lock().unwrap().insert(c.height, f.to_vec());
        self.app.finalized(c, d, p, f)
    }
    fn last_finalized(&self) -> u64 {
        self.app.last_finalized()
    }
    fn validators_for_epoch(&self, epoch: u64) -> Option<Vec<ValidatorEntry>> {
        self.app.validators_for_epoch(epoch)
    }
}

type Events = Arc<Mutex<Vec<(usize, Event)>>>;

struct Node {
    app: Arc<TestApp>,
    certs: Arc<Mutex<BTreeMap<u64, Vec<u8>>>>,
    stack: Option<Stack>,
}

async fn start_node(ctx: &deterministic::Context, net: &SimNet, i: usize, app: Arc<TestApp>, events: &Events) -> Node {
    let certs: Arc<Mutex<BTreeMap<u64, Vec<u8>>>> = Arc::default();
    let ev = events.clone();
    let observer: Observer = Arc::new(move |e: &Event| {
        if matches!(e, Event::Epoch { .. }) {
            ev.lock().unwrap().push((i, e.clone()));
        }
    });
    let wrapped = Arc::new(Recording { app: app.clone(), certs: certs.clone() });
    let stack = net.start(ctx, i, wrapped, Some(observer)).await;
    Node { app, certs, stack: Some(stack) }
}

fn min_height(nodes: &[&Node]) -> u64 {
    nodes.iter().map(|n| n.app.height()).min().unwrap_or(0)
}

/// Identical (height, digest) sequences 1..=upto on every node, each height exactly once.
fn assert_consistent(nodes: &[&Node], upto: u64) {
    let reference: Vec<(u64, Digest)> = nodes[0].app.chain().into_iter().take(upto as usize).collect();
    assert_eq!(reference.len() as u64, upto, "reference chain too short");
    for (i, (h, _)) in reference.iter().enumerate() {
        assert_eq!(*h, i as u64 + 1);
    }
    for n in nodes {
        let st = n.app.state();
        assert!(st.errors.is_empty(), "contract violations: {:?}", st.errors);
        assert_eq!(n.app.chain().into_iter().take(upto as usize).collect::<Vec<_>>(), reference, "chains differ");
        let mut hs: Vec<u64> = st.finalized.iter().map(|f| f.0).collect();
        let len = hs.len();
        hs.dedup();
        assert_eq!(hs.len(), len, "a height was delivered twice");
    }
}

/// (height, proposer index) of the finalized blocks of `node`, from the payloads
/// ("gloam-test:<height>:<proposer>:<view>").
fn proposers(node: &Node) -> Vec<(u64, u32)> {
    node.app
        .state()
        .finalized
        .iter()
        .map(|(h, _, payload, _)| {
            let text = String::from_utf8_lossy(&payload[..payload.len().min(40)]).to_string();
            let p = text.split(':').nth(2).and_then(|s| s.parse().ok()).expect("payload names its proposer");
            (*h, p)
        })
        .collect()
}

/// A verify-only scheme for the committee of `nodes`.
fn verifier(net: &SimNet, nodes: &[usize]) -> Scheme {
    let c = Committee::build(&net.entries_of(nodes), 1, &keys::namespace(SIM_CHAIN), &net.participants[0], &net.bls[0])
        .expect("valid committee");
    (*c.scheme).clone()
}

fn decode_cert(bytes: &[u8]) -> Finalization<Scheme, sha256::Digest> {
    Finalization::<Scheme, sha256::Digest>::decode_cfg(bytes.to_vec(), &Scheme::certificate_codec_config_unbounded())
        .expect("certificate decodes")
}

/// Epoch 1 replaces genesis member 0 by node 4 (which started as a follower); epochs 2.. keep it.
/// After the switch, members 0 (removed) and 1 (kept) crash: {2, 3, 4} are 3 of the 4 members of
/// the new committee — a quorum — while of the genesis committee only {2, 3} would be left (no
/// quorum), so progress shows that the new committee is the one voting and that node 4's votes
/// count. Crashing node 2 as well (beyond f) stops the chain.
#[test]
fn committee_changes_at_epoch_boundaries() {
    let s = seed(21);
    run("epochs", s, move |ctx| async move {
        let net = SimNet::with_epochs(&ctx, 5, &[0, 1, 2, 3], s, sim_timeouts(0), 4096, EPOCH).await;
        let all: Vec<usize> = (0..5).collect();
        net.link(&all, &LINK).await;
        let epoch1 = net.entries_of(&[1, 2, 3, 4]);
        let events: Events = Arc::default();
        let mut nodes = Vec::new();
        for i in 0..5 {
            let app = TestApp::new(LINK.payload_bytes);
            app.script_epoch(1, epoch1.clone());
            nodes.push(start_node(&ctx, &net, i, app, &events).await);
        }
        // Into epoch 1 with everyone up.
        let refs: Vec<&Node> = nodes.iter().collect();
        let target = EPOCH + 3;
        assert!(
            wait_until(&ctx, Duration::from_secs(120), || min_height(&refs) >= target).await,
            "no progress into epoch 1: {:?}",
            refs.iter().map(|n| n.app.height()).collect::<Vec<_>>()
        );
        assert_consistent(&refs, target);
        // Crash the removed member and one kept member.
        for i in [0, 1] {
            nodes[i].stack.take().expect("running").abort();
        }
        let live = [2usize, 3, 4];
        let lrefs: Vec<&Node> = live.iter().map(|&i| &nodes[i]).collect();
        let target = 3 * EPOCH + 2;
        assert!(
            wait_until(&ctx, Duration::from_secs(300), || min_height(&lrefs) >= target).await,
            "{{2,3,4}} (a quorum of the epoch-1 committee) stalled at {:?}",
            lrefs.iter().map(|n| n.app.height()).collect::<Vec<_>>()
        );
        assert_consistent(&lrefs, target);
        // Node 0 and 1 agree on the prefix they finalized.
        let prefix = nodes[0].app.height().min(nodes[1].app.height());
        assert!(prefix >= EPOCH + 3);
        assert_consistent(&[&nodes[2], &nodes[0], &nodes[1]], prefix);

        // Every application was asked for each epoch right after the epoch's previous block.
        for n in &lrefs {
            let q = n.app.state().epoch_queries;
            for e in 1..=3u64 {
                assert!(q.contains(&(e, e * EPOCH - 1)), "epoch {e} not asked at height {}: {q:?}", e * EPOCH - 1);
            }
            assert!(q.iter().all(|(e, h)| *h == e * EPOCH - 1), "asked at the wrong height: {q:?}");
        }
        // Node 4 followed epoch 0 without voting, then became a member.
        let ev = events.lock().unwrap().clone();
        let of4: Vec<&Event> = ev.iter().filter(|(i, _)| *i == 4).map(|(_, e)| e).collect();
        assert!(
            of4.iter().any(|e| matches!(e, Event::Epoch { epoch: 1, size: 4, member: true, changed: true })),
            "{of4:?}"
        );
        assert!(of4.iter().any(|e| matches!(e, Event::Epoch { epoch: 2, member: true, changed: false, .. })));

        // Proposers: in epoch 0 the genesis indices (node i = index i); from epoch 1 on indices in
        // the sorted set {1,2,3,4}: node 4 is index 3, node 0 no longer exists.
        let props = proposers(&nodes[2]);
        assert!(props.iter().any(|(h, p)| *h >= EPOCH && *p == 3), "node 4 never proposed: {props:?}");
        assert!(props.iter().all(|(_, p)| *p < 4));
        // After the crash of nodes 0 and 1 (indices 0 in epoch >= 1) only 1, 2, 3 propose.
        assert!(props.iter().filter(|(h, _)| *h > 2 * EPOCH).all(|(_, p)| *p != 0), "a crashed node proposed");

        // Certificates: epoch >= 1 certificates verify against the new committee, not the
        // genesis one; node 4 (index 3) signed; after the crash all three live members signed.
        let genesis_v = verifier(&net, &[0, 1, 2, 3]);
        let new_v = verifier(&net, &[1, 2, 3, 4]);
        let mut rng = commonware_utils::TestRng::new(s);
        let certs = nodes[2].certs.lock().unwrap().clone();
        let mut checked = 0;
        let mut signed_by_4 = 0;
        for (h, bytes) in &certs {
            if bytes.is_empty() {
                continue;
            }
            let f = decode_cert(bytes);
            let epoch = f.epoch().get();
            if epoch == 0 {
                assert!(f.verify(&mut rng, &genesis_v, &Sequential), "height {h}: epoch-0 certificate");
                continue;
            }
            assert!(f.verify(&mut rng, &new_v, &Sequential), "height {h}: epoch-{epoch} certificate");
            assert!(!f.verify(&mut rng, &genesis_v, &Sequential), "height {h}: verified with the old committee");
            let signers: Vec<u32> = f.certificate.signers.iter().map(|p| p.get()).collect();
            if signers.contains(&3) {
                signed_by_4 += 1;
            }
            if *h > 2 * EPOCH {
                assert!(!signers.contains(&0), "height {h}: crashed node 1 signed: {signers:?}");
                assert_eq!(signers, vec![1, 2, 3], "height {h}");
            }
            checked += 1;
        }
        assert!(checked >= 2 * EPOCH as usize - 2, "only {checked} later-epoch certificates");
        assert!(signed_by_4 >= EPOCH as usize, "node 4 signed only {signed_by_4}");

        // Beyond f: with node 2 down as well, 2 of 4 members remain and nothing is finalized.
        nodes[2].stack.take().expect("running").abort();
        ctx.sleep(Duration::from_secs(3)).await;
        let frozen: Vec<u64> = [3usize, 4].iter().map(|&i| nodes[i].app.height()).collect();
        ctx.sleep(Duration::from_secs(15)).await;
        let after: Vec<u64> = [3usize, 4].iter().map(|&i| nodes[i].app.height()).collect();
        assert_eq!(frozen, after, "progress without a quorum of the current committee");
    });
}

/// A member crashes in epoch 0 and is restarted from its storage (same durable application)
/// while the others are in epoch 2: it replays epoch 0, decides epoch 1 from its application,
/// fetches the later boundary blocks from peers whose votes name a later epoch, and catches up,
/// every height exactly once.
#[test]
fn restart_across_epoch_boundaries_catches_up() {
    let s = seed(22);
    run("epochs-restart", s, move |ctx| async move {
        let net = SimNet::with_epochs(&ctx, 5, &[0, 1, 2, 3], s, sim_timeouts(0), 4096, EPOCH).await;
        let all: Vec<usize> = (0..5).collect();
        net.link(&all, &LINK).await;
        // Epoch 1 adds node 4: 5 members, quorum 4, so {0, 1, 3, 4} carry on without node 2.
        let epoch1 = net.entries_of(&[0, 1, 2, 3, 4]);
        let events: Events = Arc::default();
        let mut nodes = Vec::new();
        for i in 0..5 {
            let app = TestApp::new(LINK.payload_bytes);
            app.script_epoch(1, epoch1.clone());
            nodes.push(start_node(&ctx, &net, i, app, &events).await);
        }
        let victim = 2;
        let refs: Vec<&Node> = nodes.iter().collect();
        assert!(wait_until(&ctx, Duration::from_secs(60), || min_height(&refs) >= 2).await);
        nodes[victim].stack.take().expect("running").abort();
        let at_crash = nodes[victim].app.height();
        assert!(at_crash < EPOCH - 1, "crash must happen in epoch 0 (at {at_crash})");
        let others: Vec<&Node> = [0usize, 1, 3, 4].iter().map(|&i| &nodes[i]).collect();
        let target = 2 * EPOCH + 2;
        assert!(
            wait_until(&ctx, Duration::from_secs(300), || min_height(&others) >= target).await,
            "4 of 5 stalled at {:?}",
            others.iter().map(|n| n.app.height()).collect::<Vec<_>>()
        );
        assert_eq!(nodes[victim].app.height(), at_crash);
        let app = nodes[victim].app.clone();
        let restarted = start_node(&ctx, &net, victim, app, &events).await;
        nodes[victim] = restarted;
        let goal = min_height(&[&nodes[0], &nodes[1], &nodes[3], &nodes[4]]) + 2;
        assert!(
            wait_until(&ctx, Duration::from_secs(300), || nodes[victim].app.height() >= goal).await,
            "restarted node stuck at {} (goal {goal})",
            nodes[victim].app.height()
        );
        let all_refs: Vec<&Node> = nodes.iter().collect();
        assert_consistent(&all_refs, goal);
        // It decided epochs 1 and 2 itself, at the right heights.
        let q = nodes[victim].app.state().epoch_queries;
        assert!(q.contains(&(1, EPOCH - 1)) && q.contains(&(2, 2 * EPOCH - 1)), "{q:?}");
        // And it takes part again: it proposes later blocks (index 2 in both committees; leaders
        // rotate over the 5 members).
        let more = goal + 2 * EPOCH;
        assert!(wait_until(&ctx, Duration::from_secs(120), || min_height(&all_refs) >= more).await);
        let props = proposers(&nodes[0]);
        assert!(
            props.iter().any(|(h, p)| *h > goal && *h <= more && *p == 2),
            "restarted node proposed nothing after catching up: {props:?}"
        );

        // Second crash, now past two boundaries: the restart reads the committees of epochs 1..
        // from its storage instead of asking the application again.
        nodes[victim].stack.take().expect("running").abort();
        let asked_before = nodes[victim].app.state().epoch_queries.len();
        let decided = nodes[victim].app.height() / EPOCH;
        assert!(decided >= 2);
        let others: Vec<&Node> = [0usize, 1, 3, 4].iter().map(|&i| &nodes[i]).collect();
        let far = min_height(&others) + EPOCH + 1;
        assert!(wait_until(&ctx, Duration::from_secs(120), || min_height(&others) >= far).await);
        let app = nodes[victim].app.clone();
        nodes[victim] = start_node(&ctx, &net, victim, app, &events).await;
        let goal = far + 2;
        assert!(
            wait_until(&ctx, Duration::from_secs(300), || nodes[victim].app.height() >= goal).await,
            "second restart stuck at {}",
            nodes[victim].app.height()
        );
        let all_refs: Vec<&Node> = nodes.iter().collect();
        assert_consistent(&all_refs, goal);
        let q = nodes[victim].app.state().epoch_queries;
        assert!(q[asked_before..].iter().all(|(e, _)| *e > decided), "asked again for a stored epoch: {q:?}");
        let mut epochs: Vec<u64> = q.iter().map(|(e, _)| *e).collect();
        epochs.dedup();
        assert_eq!(epochs.len(), q.len(), "an epoch was decided twice: {q:?}");
    });
}

/// An invalid list from the application (a corrupted key) keeps the previous committee: node 4
/// stays a follower, the chain goes on with the genesis committee whose certificates verify; a
/// valid list in the next epoch then takes effect.
#[test]
fn invalid_validator_list_keeps_the_previous_committee() {
    let s = seed(23);
    run("epochs-invalid", s, move |ctx| async move {
        let net = SimNet::with_epochs(&ctx, 5, &[0, 1, 2, 3], s, sim_timeouts(0), 4096, EPOCH).await;
        let all: Vec<usize> = (0..5).collect();
        net.link(&all, &LINK).await;
        let mut bad = net.entries_of(&[1, 2, 3, 4]);
        bad[3].bls_pop = bad[2].bls_pop.clone(); // node 4's proof of possession is someone else's
        let good = net.entries_of(&[0, 1, 2, 3, 4]);
        let events: Events = Arc::default();
        let mut nodes = Vec::new();
        for i in 0..5 {
            let app = TestApp::new(LINK.payload_bytes);
            app.script_epoch(1, bad.clone());
            app.script_epoch(2, good.clone());
            nodes.push(start_node(&ctx, &net, i, app, &events).await);
        }
        let refs: Vec<&Node> = nodes.iter().collect();
        let target = 3 * EPOCH;
        assert!(
            wait_until(&ctx, Duration::from_secs(300), || min_height(&refs) >= target).await,
            "stalled at {:?}",
            refs.iter().map(|n| n.app.height()).collect::<Vec<_>>()
        );
        assert_consistent(&refs, target);
        let ev = events.lock().unwrap().clone();
        for i in 0..5 {
            let mine: Vec<&Event> = ev.iter().filter(|(j, _)| *j == i).map(|(_, e)| e).collect();
            assert!(
                mine.iter().any(|e| matches!(e, Event::Epoch { epoch: 1, size: 4, changed: false, .. })),
                "node {i}: {mine:?}"
            );
            assert!(mine.iter().any(|e| matches!(e, Event::Epoch { epoch: 2, size: 5, changed: true, .. })));
        }
        // Epoch 1 ran with the genesis committee: node 4 (follower) proposed nothing there, and
        // the certificates verify with the genesis committee; epoch 2 has node 4 as index 4.
        let genesis_v = verifier(&net, &[0, 1, 2, 3]);
        let five_v = verifier(&net, &[0, 1, 2, 3, 4]);
        let mut rng = commonware_utils::TestRng::new(s);
        let props = proposers(&nodes[0]);
        assert!(props.iter().any(|(h, p)| *h >= 2 * EPOCH && *p == 4), "node 4 never proposed in epoch 2: {props:?}");
        let certs = nodes[0].certs.lock().unwrap().clone();
        let mut by_epoch = [0usize; 3];
        for (h, b) in certs.range(1..target) {
            if b.is_empty() {
                continue;
            }
            let f = decode_cert(b);
            let e = f.epoch().get() as usize;
            let v = if e < 2 { &genesis_v } else { &five_v };
            assert!(f.verify(&mut rng, v, &Sequential), "height {h} (epoch {e})");
            by_epoch[e.min(2)] += 1;
        }
        assert!(by_epoch.iter().all(|c| *c > 0), "certificates per epoch {by_epoch:?}");
    });
}
