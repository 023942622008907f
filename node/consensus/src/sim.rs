//! Deterministic simulation: whole validator networks in commonware's deterministic runtime
//! (one seed drives scheduling, time and randomness) over `p2p::simulated` (per-link latency,
//! jitter and loss). The same [`crate::engine`] stack as production runs here; only the runtime
//! and the network differ.
//!
//! All times measured here are **simulated time** (the deterministic runtime's clock), not wall
//! clock: they reflect protocol round trips over the configured links, not CPU cost (signature
//! checks take zero simulated time).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use commonware_consensus::simplex::scheme::bls12381_multisig;
use commonware_p2p::simulated::{self, Link, Network, Oracle};
use commonware_runtime::{deterministic, Clock, Quota, Runner as _, Supervisor as _};
use commonware_utils::{NZUsize, NZU32};

use commonware_cryptography::bls12381::primitives::group;

use crate::config::{Timeouts, ValidatorEntry, DEFAULT_EPOCH_LENGTH};
use crate::engine::{self, Channels, Event, Observer, Stack, StackParams};
use crate::keys::{self, Keys, PublicKey, Scheme};
use crate::{Application, BlockContext, Digest, Fault};

/// Namespace of simulated chains.
pub const SIM_CHAIN: &str = "gloam-sim";

/// Link model of the simulated network (applied to every ordered pair of validators).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SimLink {
    /// Mean one-way latency.
    pub latency_ms: u64,
    /// Standard deviation of the latency.
    pub jitter_ms: u64,
    /// Probability that a message is dropped (0.0..1.0).
    pub loss: f64,
    /// Payload bytes per block produced by the simulation application.
    pub payload_bytes: usize,
}

impl Default for SimLink {
    /// 50 ms ± 10 ms one way, no loss, 1 KiB payloads.
    fn default() -> Self {
        Self { latency_ms: 50, jitter_ms: 10, loss: 0.0, payload_bytes: 1024 }
    }
}

impl SimLink {
    fn link(&self) -> Link {
        let loss = self.loss.clamp(0.0, 1.0);
        Link {
            latency: Duration::from_millis(self.latency_ms),
            jitter: Duration::from_millis(self.jitter_ms),
            // Parts per million: `Probability::new` takes an exact fraction.
            success_rate: commonware_utils::Probability::new(1_000_000 - (loss * 1e6).round() as u64, 1_000_000)
                .expect("numerator <= denominator"),
        }
    }
}

/// Figures of one simulation run (simulated time).
#[derive(Clone, Debug, PartialEq)]
pub struct SimReport {
    pub validators: usize,
    pub seed: u64,
    /// Blocks finalized by every validator.
    pub blocks: u64,
    /// Simulated seconds from start until every validator applied `blocks` blocks.
    pub sim_seconds: f64,
    /// Steady-state throughput: `(blocks - 1)` over the simulated time between every validator
    /// having applied block 1 and every validator having applied block `blocks`.
    pub blocks_per_s: f64,
    /// Proposal timestamp → application `finalized` call, over all (validator, block) pairs.
    pub finality_latency_ms_p50: f64,
    pub finality_latency_ms_p99: f64,
    pub finality_latency_ms_mean: f64,
    /// Whether every validator applied the same digests in the same order.
    pub consistent: bool,
    /// View of block `blocks` divided by `blocks`: 1.0 when no view was skipped (every leader's
    /// proposal finalized); each skipped (nullified) view adds `1/blocks` and costs a timeout.
    pub views_per_block: f64,
    /// Wall-clock milliseconds the simulation took on this machine.
    pub wall_ms: u128,
}

/// Timeouts used by simulations (the production defaults).
pub fn sim_timeouts(min_block_time_ms: u64) -> Timeouts {
    Timeouts {
        leader: Duration::from_millis(1_000),
        notarization: Duration::from_millis(2_000),
        nullify_retry: Duration::from_millis(5_000),
        min_block_time: Duration::from_millis(min_block_time_ms),
        fetch: Duration::from_millis(1_000),
    }
}

/// Test application: the payload names its height and proposer plus filler bytes; `verify`
/// recomputes it (so a payload is valid only for its own context); `finalized` records every call
/// and notes any out-of-order or duplicate delivery as an error instead of panicking.
///
/// Per-epoch validator lists can be scripted ([`TestApp::script_epoch`]): `validators_for_epoch`
/// returns the script (or `None`) and records when it was asked.
pub struct TestApp {
    pub payload_bytes: usize,
    state: Mutex<TestState>,
    script: Mutex<BTreeMap<u64, Vec<ValidatorEntry>>>,
}

#[derive(Default, Clone, Debug)]
pub struct TestState {
    /// Every `finalized` call: (height, digest, payload, finalization certificate length).
    pub finalized: Vec<(u64, Digest, Vec<u8>, usize)>,
    pub faults: Vec<Fault>,
    /// Contract violations seen (out of order, duplicates).
    pub errors: Vec<String>,
    pub rejected: u64,
    /// Every `validators_for_epoch` call: (epoch, height applied when asked).
    pub epoch_queries: Vec<(u64, u64)>,
}

impl TestApp {
    pub fn new(payload_bytes: usize) -> Arc<Self> {
        Arc::new(Self { payload_bytes, state: Mutex::new(TestState::default()), script: Mutex::default() })
    }

    /// The list `validators_for_epoch(epoch)` returns (every node's application must get the same
    /// script, as a deterministic application state would give).
    pub fn script_epoch(&self, epoch: u64, entries: Vec<ValidatorEntry>) {
        self.script.lock().unwrap_or_else(|e| e.into_inner()).insert(epoch, entries);
    }

    pub fn expected_payload(ctx: &BlockContext, len: usize) -> Vec<u8> {
        let mut p = format!("gloam-test:{}:{}:{}", ctx.height, ctx.proposer, ctx.view).into_bytes();
        let mut x = ctx.height.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ ctx.view;
        while p.len() < len {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            p.push(x as u8);
        }
        p
    }

    pub fn state(&self) -> TestState {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn height(&self) -> u64 {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).finalized.last().map_or(0, |f| f.0)
    }

    /// Forgets the finalized blocks above `height`, as an application that lost its unsynced tail
    /// in a crash would (consensus must replay them from its archive).
    pub fn rollback(&self, height: u64) {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).finalized.retain(|f| f.0 <= height);
    }

    /// (height, digest) sequence.
    pub fn chain(&self) -> Vec<(u64, Digest)> {
        self.state().finalized.iter().map(|f| (f.0, f.1)).collect()
    }
}

impl Application for TestApp {
    fn genesis(&self) -> Vec<u8> {
        b"gloam-test-genesis".to_vec()
    }
    fn propose(&self, ctx: &BlockContext) -> Result<Vec<u8>, String> {
        Ok(Self::expected_payload(ctx, self.payload_bytes))
    }
    fn verify(&self, ctx: &BlockContext, payload: &[u8]) -> Result<(), String> {
        if payload == Self::expected_payload(ctx, payload.len()).as_slice() && payload.len() >= 10 {
            Ok(())
        } else {
            self.state.lock().unwrap_or_else(|e| e.into_inner()).rejected += 1;
            Err("payload does not match its context".into())
        }
    }
    fn finalized(&self, ctx: &BlockContext, digest: Digest, payload: &[u8], finalization: &[u8]) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let last = s.finalized.last().map_or(0, |f| f.0);
        if ctx.height != last + 1 {
            let msg = format!("finalized height {} after {}", ctx.height, last);
            s.errors.push(msg);
        }
        if crate::block_digest(ctx, payload) != digest {
            s.errors.push(format!("digest mismatch at {}", ctx.height));
        }
        s.finalized.push((ctx.height, digest, payload.to_vec(), finalization.len()));
    }
    fn last_finalized(&self) -> u64 {
        self.height()
    }
    fn fault(&self, fault: &Fault) {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).faults.push(fault.clone());
    }
    fn validators_for_epoch(&self, epoch: u64) -> Option<Vec<ValidatorEntry>> {
        let at = self.height();
        self.state.lock().unwrap_or_else(|e| e.into_inner()).epoch_queries.push((epoch, at));
        self.script.lock().unwrap_or_else(|e| e.into_inner()).get(&epoch).cloned()
    }
}

/// A simulated network of `n` nodes (keys derived from `seed`, sorted by identity; a node's index
/// here is its position in `participants`). The nodes in `genesis` form the committee of epoch 0;
/// the others start as followers. All nodes share one simulated peer set.
pub struct SimNet {
    pub oracle: Oracle<PublicKey, deterministic::Context>,
    /// Sorted identities of all nodes (index = node index; with the default all-genesis network
    /// also the committee index).
    pub participants: Vec<PublicKey>,
    /// Genesis-committee signing schemes by node index (a verify-only scheme for non-members).
    pub schemes: Vec<Scheme>,
    /// A verifier for certificates and evidence of the genesis committee.
    pub verifier: Scheme,
    /// Every node's validator entry (stake 1, a made-up loopback address), by node index.
    pub entries: Vec<ValidatorEntry>,
    /// Node indices of the genesis committee.
    pub genesis: Vec<usize>,
    pub bls: Vec<group::Private>,
    pub timeouts: Timeouts,
    pub max_payload: usize,
    pub epoch_length: u64,
}

impl SimNet {
    /// `n` nodes, all in the genesis committee, default epoch length.
    pub async fn new(
        ctx: &deterministic::Context,
        n: usize,
        seed: u64,
        timeouts: Timeouts,
        max_payload: usize,
    ) -> Self {
        let all: Vec<usize> = (0..n).collect();
        Self::with_epochs(ctx, n, &all, seed, timeouts, max_payload, DEFAULT_EPOCH_LENGTH).await
    }

    /// `n` nodes, of which `genesis` form the committee of epoch 0, with `epoch_length`.
    pub async fn with_epochs(
        ctx: &deterministic::Context,
        n: usize,
        genesis: &[usize],
        seed: u64,
        timeouts: Timeouts,
        max_payload: usize,
        epoch_length: u64,
    ) -> Self {
        let mut rng = commonware_utils::TestRng::new(seed ^ 0x676c_6f61_6d00);
        let mut keys: Vec<Keys> = (0..n).map(|_| Keys::generate(&mut rng)).collect();
        keys.sort_by_key(|k| k.identity_public());
        let participants: Vec<PublicKey> = keys.iter().map(|k| k.identity_public()).collect();
        let entries: Vec<ValidatorEntry> = keys
            .iter()
            .enumerate()
            .map(|(i, k)| ValidatorEntry::of(k, std::net::SocketAddr::from(([127, 0, 0, 1], 10_000 + i as u16)), 1))
            .collect();
        let ns = keys::namespace(SIM_CHAIN);
        let committee =
            keys::committee(genesis.iter().map(|&i| (keys[i].identity_public(), keys[i].bls_public())).collect())
                .expect("distinct keys");
        let verifier = bls12381_multisig::Scheme::verifier(&ns, committee.clone());
        let schemes: Vec<Scheme> = keys
            .iter()
            .map(|k| {
                bls12381_multisig::Scheme::signer(&ns, committee.clone(), k.bls.clone())
                    .unwrap_or_else(|| verifier.clone())
            })
            .collect();
        let (network, oracle) = Network::new_with_peers(
            ctx.child("network"),
            simulated::Config {
                max_size: engine::max_message_size(n, max_payload),
                max_peers_per_set: NZUsize!(n + 1),
                disconnect_on_block: true,
                tracked_peer_sets: NZUsize!(1),
            },
            participants.clone(),
        )
        .await;
        network.start();
        Self {
            oracle,
            participants,
            schemes,
            verifier,
            entries,
            genesis: genesis.to_vec(),
            bls: keys.iter().map(|k| k.bls.clone()).collect(),
            timeouts,
            max_payload,
            epoch_length,
        }
    }

    /// The validator entries of the given nodes.
    pub fn entries_of(&self, nodes: &[usize]) -> Vec<ValidatorEntry> {
        nodes.iter().map(|&i| self.entries[i].clone()).collect()
    }

    /// Links every ordered pair among `group` (both directions).
    pub async fn link(&self, group: &[usize], link: &SimLink) {
        for &a in group {
            for &b in group {
                if a != b {
                    let _ = self
                        .oracle
                        .add_link(self.participants[a].clone(), self.participants[b].clone(), link.link())
                        .await;
                }
            }
        }
    }

    /// Removes the links between the two groups (both directions).
    pub async fn cut(&self, left: &[usize], right: &[usize]) {
        for &a in left {
            for &b in right {
                let _ = self.oracle.remove_link(self.participants[a].clone(), self.participants[b].clone()).await;
                let _ = self.oracle.remove_link(self.participants[b].clone(), self.participants[a].clone()).await;
            }
        }
    }

    /// Adds links between the two groups (both directions).
    pub async fn join(&self, left: &[usize], right: &[usize], link: &SimLink) {
        for &a in left {
            for &b in right {
                let _ =
                    self.oracle.add_link(self.participants[a].clone(), self.participants[b].clone(), link.link()).await;
                let _ =
                    self.oracle.add_link(self.participants[b].clone(), self.participants[a].clone(), link.link()).await;
            }
        }
    }

    /// Registers validator `i`'s channels.
    pub async fn channels(
        &self,
        i: usize,
    ) -> Channels<simulated::Sender<PublicKey, deterministic::Context>, simulated::Receiver<PublicKey>> {
        let control = self.oracle.control(self.participants[i].clone());
        let quota = Quota::per_second(NZU32!(100_000));
        let reg = |ch| {
            let control = control.clone();
            async move { control.register(ch, quota).await.expect("register") }
        };
        Channels {
            votes: reg(engine::CH_VOTES).await,
            certs: reg(engine::CH_CERTS).await,
            resolver: reg(engine::CH_RESOLVER).await,
            backfill: reg(engine::CH_BACKFILL).await,
            blocks: reg(engine::CH_BLOCKS).await,
        }
    }

    /// Starts (or restarts, reusing its storage partitions) validator `i`.
    pub async fn start(
        &self,
        ctx: &deterministic::Context,
        i: usize,
        app: Arc<dyn Application>,
        observer: Option<Observer>,
    ) -> Stack {
        self.try_start(ctx, i, app, observer).await.expect("stack starts")
    }

    /// [`Self::start`] returning the start error instead of panicking.
    pub async fn try_start(
        &self,
        ctx: &deterministic::Context,
        i: usize,
        app: Arc<dyn Application>,
        observer: Option<Observer>,
    ) -> Result<Stack, crate::ConsensusError> {
        let params = StackParams {
            me: self.participants[i].clone(),
            bls: self.bls[i].clone(),
            namespace: keys::namespace(SIM_CHAIN),
            genesis: self.entries_of(&self.genesis),
            min_stake: 1,
            epoch_length: self.epoch_length,
            partition: format!("validator-{i}"),
            timeouts: self.timeouts,
            max_payload: self.max_payload,
            tracker: None,
        };
        let channels = self.channels(i).await;
        let control = self.oracle.control(self.participants[i].clone());
        engine::start(ctx.child("validator"), params, app, channels, control, self.oracle.manager(), observer).await
    }
}

/// The simulation seed: `GLOAM_SIM_SEED` when set (to replay a failure), else `default`.
pub fn seed(default: u64) -> u64 {
    std::env::var("GLOAM_SIM_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(default)
}

/// Runs `f` in a deterministic runtime seeded with `seed`; on panic prints the seed (and how to
/// replay it) and re-raises.
pub fn run_seeded<F, Fut>(name: &str, seed: u64, f: F)
where
    F: FnOnce(deterministic::Context) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let cfg = deterministic::Config::new().with_seed(seed).with_timeout(Some(Duration::from_secs(3_000)));
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| deterministic::Runner::new(cfg).start(f)));
    if let Err(e) = r {
        eprintln!("{name} failed with seed {seed} (rerun with GLOAM_SIM_SEED={seed})");
        std::panic::resume_unwind(e);
    }
}

/// Waits (in simulated time) until `cond` holds, polling every 100 ms; false after `limit`.
pub async fn wait_until(ctx: &deterministic::Context, limit: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let start = ctx.current();
    loop {
        if cond() {
            return true;
        }
        if ctx.current().duration_since(start).unwrap_or_default() > limit {
            return false;
        }
        ctx.sleep(Duration::from_millis(100)).await;
    }
}

/// (validator, height) → (finality latency ms, applied at ms).
type Samples = BTreeMap<(usize, u64), (u64, u64)>;

/// Simulates `validators` honest validators until each has finalized `blocks` blocks, over links
/// `link`, with `min_block_time` = 0 (as fast as the links allow). Figures are in simulated time.
pub fn simulate(validators: usize, blocks: u64, seed: u64, link: SimLink) -> SimReport {
    simulate_with(validators, blocks, seed, link, 0)
}

/// [`simulate`] with a block time target.
pub fn simulate_with(validators: usize, blocks: u64, seed: u64, link: SimLink, min_block_time_ms: u64) -> SimReport {
    let wall = std::time::Instant::now();
    // The deterministic runtime advances its clock by one `cycle` per executor iteration in which
    // work was done (default 1 ms); 100 µs keeps that bookkeeping cost small next to link latency.
    let cfg = deterministic::Config::new()
        .with_seed(seed)
        .with_cycle(Duration::from_micros(100))
        .with_timeout(Some(Duration::from_secs(3600)));
    let runner = deterministic::Runner::new(cfg);
    let validators = validators.max(1);
    let (sim_seconds, samples, consistent, done, steady, last_view) = runner.start(|ctx| async move {
        let net =
            SimNet::new(&ctx, validators, seed, sim_timeouts(min_block_time_ms), link.payload_bytes.max(64)).await;
        let all: Vec<usize> = (0..validators).collect();
        net.link(&all, &link).await;
        let samples: Arc<Mutex<Samples>> = Arc::default();
        let mut apps = Vec::new();
        let mut stacks = Vec::new();
        let start = ctx.current();
        for i in 0..validators {
            let app = TestApp::new(link.payload_bytes.max(64));
            let s = samples.clone();
            let observer: Observer = Arc::new(move |ev: &Event| {
                if let Event::Finalized { height, timestamp_ms, at_ms, .. } = ev {
                    s.lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .insert((i, *height), (at_ms.saturating_sub(*timestamp_ms), *at_ms));
                }
            });
            stacks.push(net.start(&ctx, i, app.clone(), Some(observer)).await);
            apps.push(app);
        }
        let done =
            wait_until(&ctx, Duration::from_secs(600 + blocks * 10), || apps.iter().all(|a| a.height() >= blocks))
                .await;
        let secs = ctx.current().duration_since(start).unwrap_or_default().as_secs_f64();
        let reference: Vec<(u64, Digest)> = apps[0].chain().into_iter().take(blocks as usize).collect();
        let last_view = apps[0].state().finalized.get(blocks.saturating_sub(1) as usize).map_or(0, |f| {
            // Payload "gloam-test:<height>:<proposer>:<view>" + filler: take the view's digits.
            let text = String::from_utf8_lossy(&f.2).into_owned();
            let digits: String =
                text.split(':').nth(3).unwrap_or("").chars().take_while(|c| c.is_ascii_digit()).collect();
            digits.parse::<u64>().unwrap_or(0)
        });
        let consistent = apps.iter().all(|a| {
            let st = a.state();
            st.errors.is_empty() && a.chain().into_iter().take(blocks as usize).collect::<Vec<_>>() == reference
        });
        let map = samples.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let samples: Vec<u64> = map.iter().filter(|((_, h), _)| *h <= blocks).map(|(_, v)| v.0).collect();
        // Steady-state rate: blocks 1..=N between the moments every validator had applied block 1
        // and block N (excludes start-up: connection set-up and the first view).
        let all_at = |h: u64| (0..validators).filter_map(|i| map.get(&(i, h)).map(|v| v.1)).max();
        let steady = match (all_at(1), all_at(blocks)) {
            (Some(a), Some(b)) if b > a && blocks > 1 => (blocks - 1) as f64 / ((b - a) as f64 / 1000.0),
            _ => 0.0,
        };
        for s in stacks {
            s.abort();
        }
        (secs, samples, consistent, done, steady, last_view)
    });
    let mut sorted = samples.clone();
    sorted.sort_unstable();
    let pct = |p: f64| -> f64 {
        if sorted.is_empty() {
            return f64::NAN;
        }
        let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
        sorted[idx] as f64
    };
    let mean = if sorted.is_empty() { f64::NAN } else { sorted.iter().sum::<u64>() as f64 / sorted.len() as f64 };
    let blocks_done = if done { blocks } else { 0 };
    SimReport {
        validators,
        seed,
        blocks: blocks_done,
        sim_seconds,
        blocks_per_s: if done { steady } else { 0.0 },
        finality_latency_ms_p50: pct(0.5),
        finality_latency_ms_p99: pct(0.99),
        finality_latency_ms_mean: mean,
        consistent,
        views_per_block: if blocks_done > 0 { last_view as f64 / blocks_done as f64 } else { f64::NAN },
        wall_ms: wall.elapsed().as_millis(),
    }
}
