//! One validator's consensus stack, generic over the commonware runtime (tokio in production,
//! deterministic in simulation) and the p2p implementation (authenticated or simulated):
//!
//! ```text
//!  simplex::Engine ──automaton/relay/reporter──▶ Inline (marshal standard wrapper)
//!        │                                         │ propose/verify
//!        │ faults                                  ▼
//!        ▼                                     AppAdapter ──blocking thread──▶ dyn Application
//!  fault task ──▶ Application::fault          marshal::Actor ──Update::Block──▶ delivery task
//!                                               │        │                     ──▶ Application::finalized
//!                                 buffered::Engine   resolver::p2p (backfill)
//! ```
//!
//! p2p channels: 0 votes, 1 certificates, 2 simplex resolver (missing certificates), 3 marshal
//! backfill (missing blocks), 4 block broadcast.

use std::collections::HashSet;
use std::num::NonZeroUsize;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use commonware_actor::Feedback;
use commonware_broadcast::buffered;
use commonware_codec::Encode;
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
        types::{Activity, Attributable as _, Context},
    },
    types::{Epoch, FixedEpocher, Height, ViewDelta},
    Epochable as _, Heightable as _, Reporter, Viewable as _,
};
use commonware_cryptography::{
    certificate::{ConstantProvider, Verifier as _},
    sha256, Digested, Digestible as _,
};
use commonware_p2p::{Blocker, Provider, Receiver, Sender};
use commonware_parallel::Sequential;
use commonware_runtime::{buffer::paged::CacheRef, Clock, Handle, Metrics, Spawner, Storage};
use commonware_storage::archive::immutable;
use commonware_utils::{Acknowledgement as _, NZDuration, NZUsize, NZU16, NZU64};
use futures::{channel::mpsc, StreamExt as _};
use tracing::{debug, warn};

use crate::block::Block;
use crate::config::Timeouts;
use crate::keys::{PublicKey, Scheme};
use crate::{Application, BlockContext, Fault, FaultKind, MAX_FUTURE_DRIFT_MS};

/// p2p channel numbers.
pub const CH_VOTES: u64 = 0;
pub const CH_CERTS: u64 = 1;
pub const CH_RESOLVER: u64 = 2;
pub const CH_BACKFILL: u64 = 3;
pub const CH_BLOCKS: u64 = 4;

/// Blocks per epoch: the committee is fixed (no reconfiguration yet), so one epoch covers the
/// whole chain. (marshal re-proposes the last block of an epoch; with this length it never does.)
const EPOCH_LENGTH: u64 = u64::MAX / 2;

/// What the stack reports to its owner (handle, simulation harness).
#[derive(Clone, Debug)]
pub enum Event {
    /// The application applied finalized block `height` (`timestamp_ms` is its proposal time).
    Finalized { height: u64, digest: [u8; 32], timestamp_ms: u64, at_ms: u64 },
    /// A fault was reported to the application.
    Fault(Fault),
}

pub type Observer = Arc<dyn Fn(&Event) + Send + Sync>;

/// The runtime capabilities the stack needs.
pub trait Runtime: Spawner + Clock + Metrics + Storage + rand_core::CryptoRng + Send + Sync + 'static {}
impl<T> Runtime for T where T: Spawner + Clock + Metrics + Storage + rand_core::CryptoRng + Send + Sync + 'static {}

/// Parameters of one validator's stack.
#[derive(Clone)]
pub struct StackParams {
    pub signer: Scheme,
    pub me: PublicKey,
    /// Sorted committee (index = validator index).
    pub participants: Arc<Vec<PublicKey>>,
    /// Storage partition prefix (unique per validator within one storage backend).
    pub partition: String,
    pub timeouts: Timeouts,
    pub max_payload: usize,
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
    participants: Arc<Vec<PublicKey>>,
    min_block_time_ms: u64,
}

impl AppAdapter {
    fn index_of(&self, pk: &PublicKey) -> Option<u32> {
        self.participants.binary_search(pk).ok().map(|i| i as u32)
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
        let proposer = self.index_of(&ctx.leader)?;
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
        if b.ctx.view != ctx.round.view().get() || Some(b.ctx.proposer) != self.index_of(&ctx.leader) {
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
    participants: Arc<Vec<PublicKey>>,
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
            if let Some(pk) = self.participants.get(idx) {
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

/// Builds and starts one validator's stack.
pub async fn start<E, S, R, B, P>(
    rt: E,
    params: StackParams,
    app: Arc<dyn Application>,
    channels: Channels<S, R>,
    blocker: B,
    peers: P,
    observer: Option<Observer>,
) -> Stack
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

    // Genesis.
    let genesis_app = app.clone();
    let genesis_payload = blocking(&rt, move || genesis_app.genesis()).await.unwrap_or_default();
    let genesis = Block::genesis(genesis_payload);
    let genesis_digest = genesis.digest();
    let epocher = FixedEpocher::new(NZU64!(EPOCH_LENGTH));
    let provider = ConstantProvider::new(params.signer.clone());

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
    .expect("finalizations archive");
    let blocks = immutable::Archive::init(rt.child("finalized_blocks"), archive_cfg("blocks", params.max_payload))
        .await
        .expect("blocks archive");

    let marshal_cfg = marshal::Config {
        provider,
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
    let (delivery_tx, delivery_rx) = mpsc::unbounded();
    let marshal_handle = actor.start(Delivery { tx: delivery_tx }, buffer, resolver);
    let delivery_handle = rt.child("delivery").spawn({
        let app = app.clone();
        let mailbox = marshal_mailbox.clone();
        let observer = observer.clone();
        move |rt| deliver(rt, app, mailbox, delivery_rx, observer)
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
                warn!(kind = ?f.kind, validator = f.validator, view = f.view, "consensus fault");
                if let Some(o) = &observer {
                    o(&Event::Fault(f.clone()));
                }
                let app = app.clone();
                let _ = blocking(&rt, move || app.fault(&f)).await;
            }
        }
    });

    // Simplex.
    let adapter = AppAdapter {
        app: app.clone(),
        participants: params.participants.clone(),
        min_block_time_ms: t.min_block_time.as_millis() as u64,
    };
    let inline = Inline::new(rt.child("inline"), adapter, marshal_mailbox.clone(), epocher);
    let reporter = Reporting { inner: inline.clone(), faults: fault_tx, participants: params.participants.clone() };
    let engine = simplex::Engine::new(
        rt.child("simplex"),
        simplex::config::Config {
            scheme: params.signer.clone(),
            elector: RoundRobin::<sha256::Sha256>::default(),
            blocker,
            automaton: inline.clone(),
            relay: inline,
            reporter,
            strategy: Sequential,
            partition: format!("{prefix}-simplex"),
            mailbox_size: mailbox,
            epoch: Epoch::zero(),
            floor: Floor::Genesis(genesis_digest),
            replay_buffer: NZUsize!(64 * 1024),
            write_buffer: NZUsize!(64 * 1024),
            page_cache,
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
    let simplex_handle = engine.start(channels.votes, channels.certs, channels.resolver);
    Stack { handles: vec![simplex_handle, marshal_handle, broadcast_handle, delivery_handle, fault_handle] }
}

/// Delivers finalized blocks to the application exactly once, in height order, from
/// `last_finalized() + 1`. marshal delivers at least once from its own processed floor; blocks
/// at or below what the application already applied are acknowledged and skipped, and a gap
/// (application behind marshal's floor, e.g. it lost unsynced state) is filled from marshal's
/// archive.
async fn deliver<E: Runtime>(
    rt: E,
    app: Arc<dyn Application>,
    mailbox: MarshalMailbox<Scheme, Standard<Block>>,
    mut rx: mpsc::UnboundedReceiver<Update<Block>>,
    observer: Option<Observer>,
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
                    apply(&rt, &app, &mailbox, missing.inner().clone(), observer.as_ref()).await;
                    next += 1;
                }
                None => {
                    warn!(height = next, "finalized block not yet in the archive; retrying");
                    rt.sleep(Duration::from_millis(200)).await;
                }
            }
        }
        apply(&rt, &app, &mailbox, block.inner().clone(), observer.as_ref()).await;
        next = height + 1;
        ack.acknowledge();
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
