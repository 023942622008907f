//! One validator's consensus stack, generic over the commonware runtime (tokio in production,
//! deterministic in simulation) and the p2p implementation (authenticated or simulated):
//!
//! ```text
//!  orchestrator ── one simplex::Engine per epoch (votes/certs/resolver muxed by epoch)
//!        │ automaton/relay/reporter
//!        ▼
//!  Inline (marshal standard wrapper) ──propose/verify──▶ AppAdapter ──blocking thread──▶ dyn Application
//!        │                                                 (proposer index from the epoch's set)
//!  marshal::Actor (provider = Epochs: one scheme per epoch) ──Update::Block──▶ delivery task
//!        │        │                             ──▶ Application::finalized
//!  buffered::Engine   resolver::p2p (backfill)   at an epoch's last block: validators_for_epoch,
//!                                                 store the set, tell the orchestrator to enter
//! ```
//!
//! p2p channels: 0 votes, 1 certificates, 2 simplex resolver (missing certificates) — each carries
//! a varint epoch prefix (commonware `p2p::utils::mux`) so that the engines of two epochs can run
//! side by side — 3 marshal backfill (missing blocks), 4 block broadcast.
//!
//! # Epochs
//!
//! Height `h` is in epoch `h / epoch_length` (commonware `FixedEpocher`). The committee of epoch 0
//! is the genesis list; the committee of epoch `e >= 1` is decided by the delivery task right after
//! the application applied the last block of epoch `e - 1` (`Application::validators_for_epoch`),
//! stored (metadata partition `<prefix>-epochs`, only the epochs whose list changed plus the
//! highest decided epoch), and then the orchestrator starts epoch `e`'s simplex engine whose floor
//! (genesis) is that boundary block. A validator outside an epoch's committee runs the engine with
//! a verify-only scheme: it never votes but still receives certificates and follows through
//! marshal. Epoch `e - 1`'s engine is stopped when the first block of epoch `e` is applied.
//! A node that sees votes of an epoch it has not entered asks marshal to fetch the finalized
//! boundary block of its own epoch from that peer (`hint_finalized`).

use std::collections::{BTreeMap, HashSet};
use std::net::SocketAddr;
use std::num::NonZeroUsize;
use std::sync::{Arc, RwLock};
use std::time::{Duration, UNIX_EPOCH};

use commonware_actor::Feedback;
use commonware_broadcast::buffered;
use commonware_codec::{Encode, RangeCfg};
use commonware_consensus::{
    marshal::{
        self,
        core::{Actor as MarshalActor, Mailbox as MarshalMailbox},
        resolver::p2p as marshal_resolver,
        standard::{Inline, Standard},
        Update,
    },
    simplex::{
        self,
        config::{Floor, ForwardPolicy, SkipBudget, SkipPolicy},
        elector::RoundRobin,
        scheme::bls12381_multisig,
        types::{Activity, Attributable as _, Context},
    },
    types::{Epoch, FixedEpocher, Height, ViewDelta},
    Epochable as _, Heightable as _, Reporter, Viewable as _,
};
use commonware_cryptography::{
    bls12381::primitives::group,
    certificate::{Scoped, Verifier as _},
    sha256, Digested, Digestible as _,
};
use commonware_p2p::{
    utils::mux::{Builder as _, Muxer},
    Blocker, Provider, Receiver, Sender,
};
use commonware_parallel::Sequential;
use commonware_runtime::{buffer::paged::CacheRef, Clock, Handle, Metrics, Spawner, Storage};
use commonware_storage::{archive::immutable, metadata};
use commonware_utils::{vec::NonEmptyVec, Acknowledgement as _, NZDuration, NZUsize, NZU16, NZU64};
use futures::{channel::mpsc, StreamExt as _};
use tracing::{debug, error, info, warn};

use crate::block::Block;
use crate::config::{Timeouts, ValidatorEntry, ValidatorSet};
use crate::keys::{self, PublicKey, Scheme};
use crate::{Application, BlockContext, ConsensusError, Fault, FaultKind, MAX_FUTURE_DRIFT_MS};

/// p2p channel numbers.
pub const CH_VOTES: u64 = 0;
pub const CH_CERTS: u64 = 1;
pub const CH_RESOLVER: u64 = 2;
pub const CH_BACKFILL: u64 = 3;
pub const CH_BLOCKS: u64 = 4;

/// Metadata key of the highest epoch whose committee has been decided (epoch keys are `>= 1`).
const HIGHEST_DECIDED: u64 = u64::MAX;

/// What the stack reports to its owner (handle, simulation harness).
#[derive(Clone, Debug)]
pub enum Event {
    /// The application applied finalized block `height` (`timestamp_ms` is its proposal time).
    Finalized { height: u64, digest: [u8; 32], timestamp_ms: u64, at_ms: u64 },
    /// A fault was reported to the application.
    Fault(Fault),
    /// The committee of `epoch` was decided (`changed`: the application returned a valid new
    /// list; otherwise the previous committee continues) and this node entered the epoch
    /// (`member`: it votes in it).
    Epoch { epoch: u64, size: usize, member: bool, changed: bool },
}

pub type Observer = Arc<dyn Fn(&Event) + Send + Sync>;

/// Called when this node enters epoch `e` with the peers to admit: `primary` = the committee of
/// `e`, `secondary` = members of `e - 1`'s committee that left (so they can still follow and
/// finish the previous epoch). Production passes the lookup oracle's `track(e, ..)`.
pub type PeerTracker = Arc<dyn Fn(u64, Vec<(PublicKey, SocketAddr)>, Vec<(PublicKey, SocketAddr)>) + Send + Sync>;

/// The runtime capabilities the stack needs.
pub trait Runtime: Spawner + Clock + Metrics + Storage + rand_core::CryptoRng + Send + Sync + 'static {}
impl<T> Runtime for T where T: Spawner + Clock + Metrics + Storage + rand_core::CryptoRng + Send + Sync + 'static {}

/// Parameters of one validator's stack.
#[derive(Clone)]
pub struct StackParams {
    /// This node's identity (ed25519 public key).
    pub me: PublicKey,
    /// This node's BLS signing key: used in every epoch whose committee lists `me` with its
    /// public key.
    pub bls: group::Private,
    /// Signing namespace (`keys::namespace(chain)`).
    pub namespace: Vec<u8>,
    /// Genesis validator list (committee of epoch 0) and the stake filter for every epoch.
    pub genesis: Vec<ValidatorEntry>,
    pub min_stake: u64,
    /// Blocks per epoch (`>= 2`).
    pub epoch_length: u64,
    /// Storage partition prefix (unique per validator within one storage backend).
    pub partition: String,
    pub timeouts: Timeouts,
    pub max_payload: usize,
    /// Peer admission on entering an epoch (None in simulation: one global peer set).
    pub tracker: Option<PeerTracker>,
}

/// The committee of one epoch.
pub struct Committee {
    pub set: ValidatorSet,
    /// A signing scheme when this node is a member, else a verify-only one.
    pub scheme: Arc<Scheme>,
    /// This node's index in `set` when it votes in this epoch.
    pub index: Option<u32>,
}

impl Committee {
    /// Checks `entries` exactly as the genesis list (`ValidatorSet::from_entries`) and builds the
    /// multisig scheme (signing when `me` is listed with the public key of `bls`).
    pub fn build(
        entries: &[ValidatorEntry],
        min_stake: u64,
        namespace: &[u8],
        me: &PublicKey,
        bls: &group::Private,
    ) -> Result<Self, ConsensusError> {
        let set = ValidatorSet::from_entries(entries, min_stake)?;
        let map = keys::committee(set.identities.iter().cloned().zip(set.bls.iter().copied()).collect())?;
        let (scheme, index) = match set.index_of(me) {
            Some(i) => match bls12381_multisig::Scheme::signer(namespace, map.clone(), bls.clone()) {
                Some(s) if set.bls[i as usize] == keys::public_of(bls) => (s, Some(i)),
                _ => {
                    error!(index = i, "own identity is listed with another BLS key: following without voting");
                    (bls12381_multisig::Scheme::verifier(namespace, map), None)
                }
            },
            None => (bls12381_multisig::Scheme::verifier(namespace, map), None),
        };
        Ok(Self { set, scheme: Arc::new(scheme), index })
    }

    fn peers(&self) -> impl Iterator<Item = (PublicKey, SocketAddr)> + '_ {
        self.set.identities.iter().cloned().zip(self.set.addresses.iter().copied())
    }
}

/// Committees by epoch, shared by marshal (as its certificate `Provider`), the application
/// adapter (proposer index), the fault reporter and the orchestrator.
#[derive(Clone, Default)]
pub struct Epochs(Arc<RwLock<BTreeMap<u64, Arc<Committee>>>>);

impl Epochs {
    pub fn get(&self, epoch: u64) -> Option<Arc<Committee>> {
        self.0.read().unwrap_or_else(|e| e.into_inner()).get(&epoch).cloned()
    }
    fn insert(&self, epoch: u64, c: Arc<Committee>) {
        self.0.write().unwrap_or_else(|e| e.into_inner()).insert(epoch, c);
    }
    /// Highest epoch whose committee is known.
    pub fn highest(&self) -> u64 {
        self.0.read().unwrap_or_else(|e| e.into_inner()).keys().next_back().copied().unwrap_or(0)
    }
}

impl commonware_cryptography::certificate::Provider for Epochs {
    type Scope = Epoch;
    type Scheme = Scheme;

    fn scoped(&self, scope: Epoch) -> Option<Scoped<Scheme>> {
        // The full scheme (participants) also when this node only verifies: marshal needs the
        // participant set to check notarized deliveries.
        self.get(scope.get()).map(|c| Scoped::scheme(c.scheme.clone()))
    }
}

/// Maximum p2p message size for a committee of `n` and payloads of `max_payload` bytes.
pub fn max_message_size(n: usize, max_payload: usize) -> u32 {
    let m = marshal::max_payload_size::<Standard<Block>, Scheme>(n as u32, &max_payload);
    // Votes and certificates are far smaller than a block; add slack for framing.
    (m + 64 * 1024).min(u32::MAX as usize) as u32
}

pub fn now_ms<E: Clock>(rt: &E) -> u64 {
    rt.current().duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO).as_millis() as u64
}

/// Runs a synchronous closure on a blocking thread of the runtime.
async fn blocking<E: Runtime, T: Send + 'static>(rt: &E, f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    rt.child("app").shared(true).spawn(move |_| async move { f() }).await.ok()
}

/// Adapter from gloam's [`Application`] to commonware's marshal `Application`.
#[derive(Clone)]
pub struct AppAdapter {
    app: Arc<dyn Application>,
    epochs: Epochs,
    min_block_time_ms: u64,
}

impl AppAdapter {
    /// Index of `pk` in the committee of `epoch`.
    fn index_of(&self, epoch: Epoch, pk: &PublicKey) -> Option<u32> {
        self.epochs.get(epoch.get()).and_then(|c| c.set.index_of(pk))
    }
}

impl<E: Runtime> commonware_consensus::Application<E> for AppAdapter {
    type SigningScheme = Scheme;
    type Context = Context<sha256::Digest, PublicKey>;
    type Block = Block;
    type Input = ();

    async fn propose(
        &mut self,
        (rt, ctx): (E, Self::Context),
        mut ancestry: impl marshal::ancestry::Ancestry<Block>,
        _input: (),
    ) -> Option<Digested<Block>> {
        let parent = ancestry.next().await?;
        let parent = parent.inner().clone();
        let proposer = self.index_of(ctx.round.epoch(), &ctx.leader)?;
        // Block time target: no earlier than parent + min_block_time.
        let target = parent.ctx.timestamp_ms.saturating_add(self.min_block_time_ms);
        let now = now_ms(&rt);
        if now < target {
            rt.sleep(Duration::from_millis(target - now)).await;
        }
        let timestamp_ms = now_ms(&rt).max(parent.ctx.timestamp_ms + 1);
        let bctx = BlockContext {
            height: parent.ctx.height + 1,
            view: ctx.round.view().get(),
            parent: parent.id(),
            timestamp_ms,
            proposer,
        };
        let app = self.app.clone();
        let c = bctx.clone();
        let payload = match blocking(&rt, move || app.propose(&c)).await? {
            Ok(p) => p,
            Err(e) => {
                warn!(height = bctx.height, error = %e, "application declined to propose");
                return None;
            }
        };
        let block = Block::new(bctx, payload);
        let digest = block.digest();
        Some(Digested::precomputed(block, digest))
    }

    async fn verify(
        &mut self,
        (rt, ctx): (E, Self::Context),
        mut ancestry: impl marshal::ancestry::Ancestry<Block>,
    ) -> bool {
        let Some(block) = ancestry.next().await else { return false };
        let Some(parent) = ancestry.next().await else { return false };
        let (b, p) = (block.inner().clone(), parent.inner());
        // Envelope checks (marshal already checked parent digest and height linkage).
        if b.ctx.parent != p.id() || b.ctx.height != p.ctx.height + 1 {
            return false;
        }
        if b.ctx.view != ctx.round.view().get() || Some(b.ctx.proposer) != self.index_of(ctx.round.epoch(), &ctx.leader)
        {
            return false;
        }
        if b.ctx.timestamp_ms <= p.ctx.timestamp_ms {
            return false;
        }
        // A timestamp ahead of our clock: wait instead of rejecting (the verdict must not depend
        // on local clocks); consensus cancels the wait if the view moves on.
        let now = now_ms(&rt);
        if b.ctx.timestamp_ms > now + MAX_FUTURE_DRIFT_MS {
            rt.sleep(Duration::from_millis(b.ctx.timestamp_ms - now - MAX_FUTURE_DRIFT_MS)).await;
        }
        let app = self.app.clone();
        match blocking(&rt, move || app.verify(&b.ctx, &b.payload)).await {
            Some(Ok(())) => true,
            Some(Err(e)) => {
                debug!(error = %e, "application rejected payload");
                false
            }
            None => false,
        }
    }
}

/// Simplex reporter: forwards everything to the marshal wrapper, and faults to the fault task.
#[derive(Clone)]
struct Reporting<R> {
    inner: R,
    faults: mpsc::UnboundedSender<Fault>,
    epochs: Epochs,
}

impl<R: Reporter<Activity = Activity<Scheme, sha256::Digest>>> Reporter for Reporting<R> {
    type Activity = Activity<Scheme, sha256::Digest>;

    fn report(&mut self, activity: Self::Activity) -> Feedback {
        let fault = match &activity {
            Activity::ConflictingNotarize(c) => Some((FaultKind::ConflictingNotarize, c.signer(), c.epoch(), c.view())),
            Activity::ConflictingFinalize(c) => Some((FaultKind::ConflictingFinalize, c.signer(), c.epoch(), c.view())),
            Activity::NullifyFinalize(c) => Some((FaultKind::NullifyFinalize, c.signer(), c.epoch(), c.view())),
            _ => None,
        };
        if let Some((kind, signer, epoch, view)) = fault {
            let idx = signer.get() as usize;
            let mut identity = [0u8; 32];
            if let Some(pk) = self.epochs.get(epoch.get()).and_then(|c| c.set.identities.get(idx).cloned()) {
                identity.copy_from_slice(pk.encode().as_ref());
            }
            let _ = self.faults.unbounded_send(Fault {
                kind,
                validator: idx as u32,
                identity,
                epoch: epoch.get(),
                view: view.get(),
                evidence: activity.encode().to_vec(),
            });
        }
        self.inner.report(activity)
    }
}

/// Marshal's application reporter: hands finalized blocks to the delivery task.
#[derive(Clone)]
struct Delivery {
    tx: mpsc::UnboundedSender<Update<Block>>,
}

impl Reporter for Delivery {
    type Activity = Update<Block>;
    fn report(&mut self, activity: Update<Block>) -> Feedback {
        match self.tx.unbounded_send(activity) {
            Ok(()) => Feedback::Ok,
            Err(_) => Feedback::Closed,
        }
    }
}

/// p2p endpoints of one validator.
pub struct Channels<S, R> {
    pub votes: (S, R),
    pub certs: (S, R),
    pub resolver: (S, R),
    pub backfill: (S, R),
    pub blocks: (S, R),
}

/// Handles of the started stack.
pub struct Stack {
    pub handles: Vec<Handle<()>>,
}

impl Stack {
    pub fn abort(self) {
        for h in self.handles {
            h.abort();
        }
    }
}

/// Orchestrator commands (from the delivery task).
enum Cmd {
    /// Start the engine of `epoch` on the boundary block `floor` (the last block of `epoch - 1`,
    /// or genesis for epoch 0). Ignored for epochs at or below the highest entered one.
    Enter { epoch: u64, floor: sha256::Digest },
    /// Stop the engines of epochs below `below`.
    Retire { below: u64 },
}

/// Builds and starts one validator's stack.
pub async fn start<E, S, R, B, P>(
    rt: E,
    params: StackParams,
    app: Arc<dyn Application>,
    channels: Channels<S, R>,
    blocker: B,
    peers: P,
    observer: Option<Observer>,
) -> Result<Stack, ConsensusError>
where
    E: Runtime,
    S: Sender<PublicKey = PublicKey>,
    R: Receiver<PublicKey = PublicKey>,
    B: Blocker<PublicKey = PublicKey> + Clone,
    P: Provider<PublicKey = PublicKey> + Clone,
{
    let mailbox: NonZeroUsize = NZUsize!(1024);
    let page_cache = CacheRef::new(NZU16!(4096), NZUsize!(256));
    let prefix = params.partition.clone();
    let t = params.timeouts;
    crate::config::check_epoch_length(params.epoch_length)?;
    let epoch_length = params.epoch_length;

    // Genesis.
    let genesis_app = app.clone();
    let genesis_payload = blocking(&rt, move || genesis_app.genesis()).await.unwrap_or_default();
    let genesis = Block::genesis(genesis_payload);
    let genesis_digest = genesis.digest();
    let epocher = FixedEpocher::new(NZU64!(epoch_length));

    // Committees: epoch 0 from the genesis list, later ones from storage.
    let epochs = Epochs::default();
    let genesis_committee =
        Arc::new(Committee::build(&params.genesis, params.min_stake, &params.namespace, &params.me, &params.bls)?);
    epochs.insert(0, genesis_committee.clone());
    let store: metadata::Metadata<E, u64, Vec<u8>> = metadata::Metadata::init(
        rt.child("epochs"),
        metadata::Config { partition: format!("{prefix}-epochs"), codec_config: (RangeCfg::from(..=(1 << 24)), ()) },
    )
    .await
    .map_err(|e| ConsensusError::Runtime(format!("epoch storage: {e}")))?;
    let highest = store
        .get(&HIGHEST_DECIDED)
        .and_then(|v| <[u8; 8]>::try_from(v.as_slice()).ok())
        .map(u64::from_be_bytes)
        .unwrap_or(0);
    let mut current = genesis_committee;
    for e in 1..=highest {
        if let Some(bytes) = store.get(&e) {
            match serde_json::from_slice::<Vec<ValidatorEntry>>(bytes).map_err(ConsensusError::from).and_then(
                |entries| Committee::build(&entries, params.min_stake, &params.namespace, &params.me, &params.bls),
            ) {
                Ok(c) => current = Arc::new(c),
                Err(err) => error!(epoch = e, error = %err, "stored committee unreadable; keeping the previous one"),
            }
        }
        epochs.insert(e, current.clone());
    }
    let mut reconfig = Reconfig {
        epochs: epochs.clone(),
        store: Some(store),
        app: app.clone(),
        min_stake: params.min_stake,
        namespace: params.namespace.clone(),
        me: params.me.clone(),
        bls: params.bls.clone(),
        observer: observer.clone(),
    };
    // The application may have applied an epoch's last block without the next committee having
    // been stored (stopped in between): decide it now, from the same state.
    let a = app.clone();
    let applied = blocking(&rt, move || a.last_finalized()).await.unwrap_or(0);
    while applied >= last_of(epochs.highest(), epoch_length) {
        let next = epochs.highest() + 1;
        if applied > last_of(next - 1, epoch_length) {
            warn!(epoch = next, applied, "committee decided from a state past the epoch boundary");
        }
        reconfig.decide(&rt, next).await;
    }

    // Block broadcast.
    let (broadcast_engine, buffer) = buffered::Engine::new(
        rt.child("broadcast"),
        buffered::Config {
            public_key: params.me.clone(),
            mailbox_size: mailbox,
            deque_size: 16,
            priority: false,
            codec_config: params.max_payload,
            peer_provider: peers.clone(),
            strategy: Sequential,
        },
    );
    let broadcast_handle = broadcast_engine.start(channels.blocks);

    // Backfill resolver.
    let resolver = marshal_resolver::init(
        rt.child("backfill"),
        marshal_resolver::Config {
            public_key: params.me.clone(),
            peer_provider: peers.clone(),
            blocker: blocker.clone(),
            mailbox_size: mailbox,
            fetch_timeout: NZDuration!(t.fetch),
            fetch_retry_delay: Duration::from_millis(100),
            priority_requests: false,
            priority_responses: false,
        },
        channels.backfill,
    );

    // Archives of finalized blocks and certificates.
    let archive_cfg = |name: &str, codec_config| immutable::Config {
        metadata_partition: format!("{prefix}-{name}-metadata"),
        freezer_table_partition: format!("{prefix}-{name}-freezer-table"),
        freezer_table_initial_size: 1024,
        freezer_table_resize_frequency: 4,
        freezer_table_resize_chunk_size: 1024,
        freezer_key_partition: format!("{prefix}-{name}-freezer-key"),
        freezer_key_page_cache: page_cache.clone(),
        freezer_value_partition: format!("{prefix}-{name}-freezer-value"),
        freezer_value_target_size: 64 * 1024 * 1024,
        freezer_value_compression: None,
        ordinal_partition: format!("{prefix}-{name}-ordinal"),
        items_per_section: NZU64!(1024),
        codec_config,
        replay_buffer: NZUsize!(64 * 1024),
        freezer_key_write_buffer: NZUsize!(64 * 1024),
        freezer_value_write_buffer: NZUsize!(64 * 1024),
        ordinal_write_buffer: NZUsize!(64 * 1024),
    };
    let finalizations = immutable::Archive::init(
        rt.child("finalizations_by_height"),
        archive_cfg("finalizations", Scheme::certificate_codec_config_unbounded()),
    )
    .await
    .map_err(|e| ConsensusError::Runtime(format!("finalizations archive: {e}")))?;
    let blocks = immutable::Archive::init(rt.child("finalized_blocks"), archive_cfg("blocks", params.max_payload))
        .await
        .map_err(|e| ConsensusError::Runtime(format!("blocks archive: {e}")))?;

    let marshal_cfg = marshal::Config {
        provider: epochs.clone(),
        epocher: epocher.clone(),
        start: marshal::Start::Genesis(Digested::precomputed(genesis.clone(), genesis_digest)),
        partition_prefix: format!("{prefix}-marshal"),
        mailbox_size: mailbox,
        view_retention: ViewDelta::new(16),
        prunable_items_per_section: NZU64!(64),
        page_cache: page_cache.clone(),
        replay_buffer: NZUsize!(64 * 1024),
        key_write_buffer: NZUsize!(64 * 1024),
        value_write_buffer: NZUsize!(64 * 1024),
        block_codec_config: params.max_payload,
        max_repair: NZUsize!(16),
        max_pending_acks: NZUsize!(1),
        strategy: Sequential,
    };
    let (actor, marshal_mailbox, _floor): (_, MarshalMailbox<Scheme, Standard<Block>>, _) =
        MarshalActor::init(rt.child("marshal"), finalizations, blocks, marshal_cfg).await;

    // Delivery and fault tasks.
    let (cmd_tx, cmd_rx) = mpsc::unbounded::<Cmd>();
    let (delivery_tx, delivery_rx) = mpsc::unbounded();
    let marshal_handle = actor.start(Delivery { tx: delivery_tx }, buffer, resolver);
    let delivery_handle = rt.child("delivery").spawn({
        let app = app.clone();
        let mailbox = marshal_mailbox.clone();
        let observer = observer.clone();
        let cmd_tx = cmd_tx.clone();
        move |rt| deliver(rt, app, mailbox, delivery_rx, observer, reconfig, cmd_tx, epoch_length)
    });
    let (fault_tx, mut fault_rx) = mpsc::unbounded::<Fault>();
    let fault_handle = rt.child("faults").spawn({
        let app = app.clone();
        let observer = observer.clone();
        move |rt| async move {
            let mut seen = HashSet::new();
            while let Some(f) = fault_rx.next().await {
                if !seen.insert((f.kind, f.validator, f.epoch, f.view)) {
                    continue;
                }
                warn!(kind = ?f.kind, validator = f.validator, epoch = f.epoch, view = f.view, "consensus fault");
                if let Some(o) = &observer {
                    o(&Event::Fault(f.clone()));
                }
                let app = app.clone();
                let _ = blocking(&rt, move || app.fault(&f)).await;
            }
        }
    });

    // Enter the highest decided epoch: its floor is genesis or the last block of the epoch before,
    // which marshal's archive holds once it was finalized (retried until it is there).
    let start_epoch = epochs.highest();
    let start_handle = rt.child("enter").spawn({
        let mailbox = marshal_mailbox.clone();
        let cmd_tx = cmd_tx.clone();
        move |rt| async move {
            let floor = loop {
                if start_epoch == 0 {
                    break genesis_digest;
                }
                match mailbox.get_block(Height::new(last_of(start_epoch - 1, epoch_length))).await {
                    Some(b) => break b.digest(),
                    None => {
                        warn!(epoch = start_epoch, "boundary block not in the archive yet; retrying");
                        rt.sleep(Duration::from_millis(500)).await;
                    }
                }
            };
            let _ = cmd_tx.unbounded_send(Cmd::Enter { epoch: start_epoch, floor });
        }
    });

    // One simplex engine per epoch.
    let adapter =
        AppAdapter { app: app.clone(), epochs: epochs.clone(), min_block_time_ms: t.min_block_time.as_millis() as u64 };
    let inline = Inline::new(rt.child("inline"), adapter, marshal_mailbox.clone(), epocher);
    let reporter = Reporting { inner: inline.clone(), faults: fault_tx, epochs: epochs.clone() };
    let orchestrator_handle = rt.child("orchestrator").spawn(move |ctx| async move {
        let (mux, mut votes, mut backup) =
            Muxer::builder(ctx.child("vote_mux"), channels.votes.0, channels.votes.1).with_backup().build();
        let _vote_mux = mux.start();
        let (mux, mut certs) = Muxer::new(ctx.child("cert_mux"), channels.certs.0, channels.certs.1);
        let _cert_mux = mux.start();
        let (mux, mut resolvers) = Muxer::new(ctx.child("resolver_mux"), channels.resolver.0, channels.resolver.1);
        let _resolver_mux = mux.start();
        let mut cmd_rx = cmd_rx;
        let mut engines: BTreeMap<u64, Handle<()>> = BTreeMap::new();
        let mut entered: Option<u64> = None;
        let mut last_hint: Option<(u64, std::time::SystemTime)> = None;
        loop {
            commonware_macros::select! {
                cmd = cmd_rx.next() => {
                    let Some(cmd) = cmd else { break };
                    match cmd {
                        Cmd::Enter { epoch, floor } => {
                            // Replays of old boundaries (restart) and repeats are ignored.
                            if entered.is_some_and(|e| epoch <= e) || epoch < epochs.highest() {
                                continue;
                            }
                            let Some(committee) = epochs.get(epoch) else {
                                error!(epoch, "entering an epoch without a committee");
                                continue;
                            };
                            if let Some(track) = &params.tracker {
                                let primary: Vec<(PublicKey, SocketAddr)> = committee.peers().collect();
                                let secondary: Vec<(PublicKey, SocketAddr)> = epoch
                                    .checked_sub(1)
                                    .and_then(|p| epochs.get(p))
                                    .map(|prev| prev.peers().filter(|(k, _)| committee.set.index_of(k).is_none()).collect())
                                    .unwrap_or_default();
                                track(epoch, primary, secondary);
                            }
                            let (Ok(v), Ok(c), Ok(r)) =
                                (votes.register(epoch).await, certs.register(epoch).await, resolvers.register(epoch).await)
                            else {
                                error!(epoch, "could not open the epoch's p2p subchannels");
                                continue;
                            };
                            let partition = if epoch == 0 { format!("{prefix}-simplex") } else { format!("{prefix}-simplex-e{epoch}") };
                            let engine = simplex::Engine::new(
                                ctx.child("simplex").with_attribute("epoch", epoch),
                                simplex::config::Config {
                                    scheme: (*committee.scheme).clone(),
                                    elector: RoundRobin::<sha256::Sha256>::default(),
                                    blocker: blocker.clone(),
                                    automaton: inline.clone(),
                                    relay: inline.clone(),
                                    reporter: reporter.clone(),
                                    strategy: Sequential,
                                    partition,
                                    mailbox_size: mailbox,
                                    epoch: Epoch::new(epoch),
                                    floor: Floor::Genesis(floor),
                                    replay_buffer: NZUsize!(64 * 1024),
                                    write_buffer: NZUsize!(64 * 1024),
                                    page_cache: page_cache.clone(),
                                    leader_timeout: t.leader,
                                    certification_timeout: t.notarization,
                                    timeout_retry: t.nullify_retry,
                                    view_retention: ViewDelta::new(16),
                                    skip: SkipPolicy::Enabled {
                                        timeout: t.notarization.max(t.nullify_retry) + t.leader,
                                        budget: SkipBudget::Participants,
                                    },
                                    fetch_timeout: NZDuration!(t.fetch),
                                    fetch_retry_delay: Duration::from_millis(100),
                                    forward: ForwardPolicy::Disabled,
                                    track_historical_votes: false,
                                },
                            );
                            engines.insert(epoch, engine.start(v, c, r));
                            entered = Some(epoch);
                            info!(epoch, size = committee.set.len(), member = committee.index.is_some(), "entered epoch");
                        }
                        Cmd::Retire { below } => {
                            let keep = engines.split_off(&below);
                            for (epoch, h) in std::mem::replace(&mut engines, keep) {
                                h.abort();
                                debug!(epoch, "retired epoch engine");
                            }
                        }
                    }
                },
                msg = backup.recv() => {
                    let Some((their, (from, _))) = msg else { break };
                    // Votes of an epoch we have not entered: our epoch's boundary block is
                    // finalized somewhere; ask that peer for it (at most once a second).
                    let Some(ours) = entered else { continue };
                    if their <= ours {
                        continue;
                    }
                    let now = ctx.current();
                    if last_hint.is_some_and(|(e, at)| e == ours && now.duration_since(at).unwrap_or_default() < Duration::from_secs(1)) {
                        continue;
                    }
                    last_hint = Some((ours, now));
                    debug!(ours, their, "votes from a later epoch: fetching our epoch's last block");
                    marshal_mailbox.hint_finalized(Height::new(last_of(ours, epoch_length)), NonEmptyVec::new(from));
                },
            }
        }
    });
    Ok(Stack {
        handles: vec![
            orchestrator_handle,
            marshal_handle,
            broadcast_handle,
            delivery_handle,
            fault_handle,
            start_handle,
        ],
    })
}

/// Last height of `epoch`.
pub fn last_of(epoch: u64, epoch_length: u64) -> u64 {
    epoch.saturating_add(1).saturating_mul(epoch_length).saturating_sub(1)
}

/// Decides committees at epoch boundaries (owned by the delivery task).
struct Reconfig<E: Runtime> {
    epochs: Epochs,
    store: Option<metadata::Metadata<E, u64, Vec<u8>>>,
    app: Arc<dyn Application>,
    min_stake: u64,
    namespace: Vec<u8>,
    me: PublicKey,
    bls: group::Private,
    observer: Option<Observer>,
}

impl<E: Runtime> Reconfig<E> {
    /// Decides the committee of `epoch` (if not yet known): asks the application, checks the list,
    /// keeps the previous committee on `None` or an invalid list, stores the outcome.
    async fn decide(&mut self, rt: &E, epoch: u64) {
        if epoch == 0 || self.epochs.get(epoch).is_some() {
            return;
        }
        let Some(prev) = self.epochs.get(epoch - 1) else {
            error!(epoch, "no committee for the previous epoch");
            return;
        };
        let app = self.app.clone();
        let answer = match blocking(rt, move || app.validators_for_epoch(epoch)).await {
            Some(a) => a,
            None => {
                error!(epoch, "validators_for_epoch did not return (panicked); keeping the previous committee");
                None
            }
        };
        let (committee, changed) = match answer {
            None => (prev, None),
            Some(entries) => match Committee::build(&entries, self.min_stake, &self.namespace, &self.me, &self.bls) {
                Ok(c) => (Arc::new(c), Some(entries)),
                Err(e) => {
                    error!(epoch, error = %e, "invalid validator list from the application; keeping the previous committee");
                    (prev, None)
                }
            },
        };
        // Store before anyone can use the committee (marshal, the engine): a restart must find the
        // same committee for this epoch.
        if let Some(mut store) = self.store.take() {
            if let Some(entries) = &changed {
                match serde_json::to_vec(entries) {
                    Ok(bytes) => {
                        store.put(epoch, bytes);
                    }
                    Err(e) => error!(epoch, error = %e, "cannot encode the committee"),
                }
            }
            store.put(HIGHEST_DECIDED, epoch.to_be_bytes().to_vec());
            match store.sync().await {
                Ok(s) => self.store = Some(s),
                Err(e) => error!(epoch, error = %e, "cannot store the committee; later epochs are not persisted"),
            }
        }
        info!(
            epoch,
            size = committee.set.len(),
            member = committee.index.is_some(),
            changed = changed.is_some(),
            "committee decided"
        );
        if let Some(o) = &self.observer {
            o(&Event::Epoch {
                epoch,
                size: committee.set.len(),
                member: committee.index.is_some(),
                changed: changed.is_some(),
            });
        }
        self.epochs.insert(epoch, committee);
    }
}

/// Delivers finalized blocks to the application exactly once, in height order, from
/// `last_finalized() + 1`. marshal delivers at least once from its own processed floor; blocks
/// at or below what the application already applied are acknowledged and skipped, and a gap
/// (application behind marshal's floor, e.g. it lost unsynced state) is filled from marshal's
/// archive. After an epoch's last block it decides the next committee and enters that epoch;
/// after the first block of an epoch it retires the engines of earlier epochs.
#[allow(clippy::too_many_arguments)]
async fn deliver<E: Runtime>(
    rt: E,
    app: Arc<dyn Application>,
    mailbox: MarshalMailbox<Scheme, Standard<Block>>,
    mut rx: mpsc::UnboundedReceiver<Update<Block>>,
    observer: Option<Observer>,
    mut reconfig: Reconfig<E>,
    cmds: mpsc::UnboundedSender<Cmd>,
    epoch_length: u64,
) {
    let a = app.clone();
    let Some(last) = blocking(&rt, move || a.last_finalized()).await else { return };
    let mut next = last + 1;
    while let Some(update) = rx.next().await {
        let Update::Block(block, ack) = update else { continue };
        let height = block.height().get();
        if height < next {
            ack.acknowledge();
            continue;
        }
        // Heights between the application's and marshal's floor were delivered (and archived)
        // before; replay them from the archive. Retry rather than drop the acknowledgement
        // (dropping it would stop marshal).
        while next < height {
            match mailbox.get_block(Height::new(next)).await {
                Some(missing) => {
                    let b = missing.inner().clone();
                    apply(&rt, &app, &mailbox, b.clone(), observer.as_ref()).await;
                    boundary(&rt, &mut reconfig, &cmds, &b, epoch_length).await;
                    next += 1;
                }
                None => {
                    warn!(height = next, "finalized block not yet in the archive; retrying");
                    rt.sleep(Duration::from_millis(200)).await;
                }
            }
        }
        let b = block.inner().clone();
        apply(&rt, &app, &mailbox, b.clone(), observer.as_ref()).await;
        boundary(&rt, &mut reconfig, &cmds, &b, epoch_length).await;
        next = height + 1;
        ack.acknowledge();
    }
}

/// Epoch bookkeeping after `block` was applied.
async fn boundary<E: Runtime>(
    rt: &E,
    reconfig: &mut Reconfig<E>,
    cmds: &mpsc::UnboundedSender<Cmd>,
    block: &Block,
    epoch_length: u64,
) {
    let h = block.ctx.height;
    let epoch = h / epoch_length;
    if h == last_of(epoch, epoch_length) {
        reconfig.decide(rt, epoch + 1).await;
        let _ = cmds.unbounded_send(Cmd::Enter { epoch: epoch + 1, floor: sha256::Digest::from(block.id()) });
    } else if h.is_multiple_of(epoch_length) && epoch > 0 {
        let _ = cmds.unbounded_send(Cmd::Retire { below: epoch });
    }
}

async fn apply<E: Runtime>(
    rt: &E,
    app: &Arc<dyn Application>,
    mailbox: &MarshalMailbox<Scheme, Standard<Block>>,
    block: Block,
    observer: Option<&Observer>,
) {
    let height = block.ctx.height;
    let finalization =
        mailbox.get_finalization(Height::new(height)).await.map(|f| f.encode().to_vec()).unwrap_or_default();
    let app = app.clone();
    let (digest, ts) = (block.id(), block.ctx.timestamp_ms);
    let _ = blocking(rt, move || app.finalized(&block.ctx, block.id(), &block.payload, &finalization)).await;
    if let Some(o) = observer {
        o(&Event::Finalized { height, digest, timestamp_ms: ts, at_ms: now_ms(rt) });
    }
}
