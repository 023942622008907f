//! The batcher: watches a [`Chain`], groups its new blocks into channels, posts them as blob
//! transactions to BATCH_INBOX and, once a batch is included, proposes the output root of its
//! last block to OUTPUT_ORACLE.
//!
//! **Policy.** A channel is closed and posted when the compressed size of the unposted blocks
//! reaches `max_channel_bytes`, or when `max_latency` has passed since the batcher first saw
//! the oldest unposted block. A channel holds the longest run of unposted blocks whose
//! compressed size is ≤ `max_channel_bytes` (at least one block: a single larger block is still
//! posted, in more frames). Its frames are packed into blobs, and the blobs into transactions of
//! ≤ `max_blobs_per_tx` (≤ 6) blobs with consecutive nonces.
//!
//! **Exactly once.** One batch is in flight at a time. Before anything is sent, the batch (its
//! block range and the nonce of each transaction) is written to the state file; each signed
//! transaction's hash is written before it is sent. A transaction not included within
//! `inclusion_timeout` is replaced with the same nonce and doubled fees, so at most one
//! transaction per nonce can be included: a block range is never posted twice, and blocks are
//! never skipped (ranges are contiguous from the last posted block). After a restart the state
//! file's in-flight batch is resumed (its blobs rebuilt byte-identically from the chain); the
//! settlement layer's output roots are also probed above the state file's last proposal, which
//! recovers a lost or stale state file.
//!
//! **Failures** (RPC down, transaction rejected, not included, proposal reverted) return an
//! error from [`Batcher::step`]; [`Batcher::run`] retries with exponential backoff.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use alloy_primitives::{Address, B256};
use alloy_signer_local::PrivateKeySigner;
use gloam_evm::Chain;
use gloam_kzg::{Blob, KzgSettings};
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};

use crate::abi;
use crate::blob::{encode_blob, MAX_BLOB_PAYLOAD};
use crate::channel;
use crate::fake::MAX_BLOBS_PER_TX;
use crate::frame::{Frame, DERIVATION_VERSION_0, FRAME_OVERHEAD};
use crate::settlement::{BlockTag, Settlement, SettlementError};
use crate::tx::{blob_tx, call_tx, BlobBundle, Fees};

/// How many recent channels [`BatcherStatus::channels`] lists.
pub const STATUS_CHANNELS: usize = 256;

/// The largest frame data that fits a blob with its container byte and frame header.
pub const MAX_FRAME_DATA_PER_BLOB: usize = MAX_BLOB_PAYLOAD - 1 - FRAME_OVERHEAD;

#[derive(Debug, Clone)]
pub struct BatcherConfig {
    /// Compressed bytes per channel (policy: post when reached).
    pub max_channel_bytes: usize,
    /// Post when the oldest unposted block has waited this long.
    pub max_latency: Duration,
    /// Blobs per transaction (1..=6).
    pub max_blobs_per_tx: usize,
    /// Frame data size (≤ [`MAX_FRAME_DATA_PER_BLOB`]).
    pub max_frame_data: usize,
    pub settlement_chain_id: u64,
    pub env_id: u64,
    pub inbox: Address,
    pub output_oracle: Address,
    /// Where progress survives restarts (JSON, replaced atomically).
    pub state_file: PathBuf,
    /// Fee floor: max(floor, 2 × the node's price) is offered.
    pub min_fees: Fees,
    /// Fee cap for replacements.
    pub max_fees: Fees,
    pub output_gas_limit: u64,
    /// A sent transaction not included after this long is replaced (same nonce, doubled fees).
    pub inclusion_timeout: Duration,
    pub backoff_initial: Duration,
    pub backoff_max: Duration,
    pub poll_interval: Duration,
    /// How many L2 heights below the chain head are probed for output roots when resuming.
    pub resume_scan_limit: u64,
    /// The followers' channel timeout (settlement blocks): a batch whose transactions were
    /// included further apart than this is posted again under a new channel id.
    pub channel_timeout: u64,
}

impl BatcherConfig {
    /// Dev defaults: 6 blobs' worth of channel, 2 s latency, settlement dev chain id.
    pub fn dev(state_file: impl Into<PathBuf>) -> Self {
        BatcherConfig {
            max_channel_bytes: 6 * MAX_FRAME_DATA_PER_BLOB,
            max_latency: Duration::from_secs(2),
            max_blobs_per_tx: 6,
            max_frame_data: MAX_FRAME_DATA_PER_BLOB,
            settlement_chain_id: abi::SETTLEMENT_DEV_CHAIN_ID,
            env_id: abi::ENV_ID_EVM,
            inbox: abi::BATCH_INBOX,
            output_oracle: abi::OUTPUT_ORACLE,
            state_file: state_file.into(),
            min_fees: Fees {
                max_fee_per_gas: 2_000_000_000,
                max_priority_fee_per_gas: 1_000_000_000,
                max_fee_per_blob_gas: 1_000,
            },
            max_fees: Fees {
                max_fee_per_gas: 1_000_000_000_000,
                max_priority_fee_per_gas: 100_000_000_000,
                max_fee_per_blob_gas: 1_000_000_000_000,
            },
            output_gas_limit: 200_000,
            inclusion_timeout: Duration::from_secs(30),
            backoff_initial: Duration::from_millis(250),
            backoff_max: Duration::from_secs(30),
            poll_interval: Duration::from_millis(500),
            resume_scan_limit: 100_000,
            channel_timeout: 50,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BatcherError {
    #[error("settlement: {0}")]
    Settlement(#[from] SettlementError),
    #[error("chain: {0}")]
    Chain(String),
    #[error("KZG: {0}")]
    Kzg(String),
    #[error("state file {path}: {reason}")]
    State { path: String, reason: String },
    #[error("config: {0}")]
    Config(String),
    #[error("nonce {nonce} was used by a transaction this batcher did not record; refusing to guess (no double post)")]
    NonceConsumed { nonce: u64 },
    #[error("output proposal for L2 block {l2} reverted (tx {tx})")]
    ProposalReverted { l2: u64, tx: B256 },
}

/// One settlement transaction of the in-flight batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentTx {
    pub nonce: u64,
    /// Every signed version (replacements), oldest first.
    pub hashes: Vec<B256>,
    pub fees: Option<Fees>,
    pub included: Option<B256>,
    /// Settlement block of the included version.
    #[serde(default)]
    pub included_at: Option<u64>,
}

impl SentTx {
    fn new(nonce: u64) -> Self {
        SentTx { nonce, hashes: vec![], fees: None, included: None, included_at: None }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inflight {
    pub first: u64,
    pub last: u64,
    /// Re-posts of this range after its channel timed out (part of the channel id).
    #[serde(default)]
    pub attempt: u32,
    pub blob_txs: Vec<SentTx>,
    pub blobs_per_tx: Vec<usize>,
    pub output: Option<SentTx>,
}

/// What the state file holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatcherState {
    /// Highest L2 block whose batch is included.
    pub posted: u64,
    /// Highest L2 block whose output root is included.
    pub proposed: u64,
    pub inflight: Option<Inflight>,
}

impl BatcherState {
    pub fn load(path: &Path) -> Result<Option<BatcherState>, BatcherError> {
        let err = |reason: String| BatcherError::State { path: path.display().to_string(), reason };
        match std::fs::read(path) {
            Ok(b) => serde_json::from_slice(&b).map(Some).map_err(|e| err(e.to_string())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(err(e.to_string())),
        }
    }

    /// Written to a temporary file, synced, then renamed over the old one.
    pub fn save(&self, path: &Path) -> Result<(), BatcherError> {
        let err = |e: std::io::Error| BatcherError::State { path: path.display().to_string(), reason: e.to_string() };
        let tmp = path.with_extension("tmp");
        {
            use std::io::Write;
            let mut f = std::fs::File::create(&tmp).map_err(err)?;
            f.write_all(&serde_json::to_vec_pretty(self).expect("serializable")).map_err(err)?;
            f.sync_all().map_err(err)?;
        }
        std::fs::rename(&tmp, path).map_err(err)
    }
}

/// Progress and metrics.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct BatcherStatus {
    pub l2_head: u64,
    pub posted: u64,
    pub proposed: u64,
    pub inflight: Option<(u64, u64)>,
    pub batches_posted: u64,
    pub blocks_posted: u64,
    pub blob_txs_sent: u64,
    pub blobs_posted: u64,
    pub replacements: u64,
    /// Ranges posted again because their channel spread past `channel_timeout`.
    pub channels_reposted: u64,
    pub outputs_proposed: u64,
    /// Block RLP bytes and compressed channel bytes of the batches built.
    pub uncompressed_bytes: u64,
    pub compressed_bytes: u64,
    /// (first, last, compressed bytes) of the last [`STATUS_CHANNELS`] batches built by this
    /// process.
    pub channels: Vec<(u64, u64, usize)>,
    pub errors: u64,
    pub last_error: Option<String>,
}

impl BatcherStatus {
    /// Uncompressed / compressed bytes (0 before the first batch).
    pub fn compression_ratio(&self) -> f64 {
        if self.compressed_bytes == 0 {
            0.0
        } else {
            self.uncompressed_bytes as f64 / self.compressed_bytes as f64
        }
    }
}

/// What one [`Batcher::step`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// No unposted blocks.
    Idle,
    /// Unposted blocks, but neither the size nor the latency trigger fired yet.
    Waiting,
    /// A batch is in flight (sent, waiting for inclusion).
    Inflight,
    /// A batch and its output root are included.
    Done { first: u64, last: u64 },
}

struct Built {
    first: u64,
    last: u64,
    attempt: u32,
    bundles: Vec<BlobBundle>,
}

/// A built batch, before KZG: the channel, its frames and the blob payloads.
#[derive(Debug, Clone)]
pub struct ChannelPlan {
    pub first: u64,
    pub last: u64,
    pub uncompressed: usize,
    pub compressed: Vec<u8>,
    pub frames: Vec<Frame>,
    pub blobs: Vec<Blob>,
}

/// Packs frames into blob payloads (`DERIVATION_VERSION_0 ‖ frames`), greedily, in order.
pub fn frames_to_blobs(frames: &[Frame]) -> Vec<Blob> {
    let mut out = Vec::new();
    let mut cur = vec![DERIVATION_VERSION_0];
    for f in frames {
        if cur.len() > 1 && cur.len() + f.encoded_len() > MAX_BLOB_PAYLOAD {
            out.push(encode_blob(&cur).expect("sized to fit"));
            cur = vec![DERIVATION_VERSION_0];
        }
        f.encode(&mut cur);
    }
    if cur.len() > 1 {
        out.push(encode_blob(&cur).expect("frames are sized to fit one blob"));
    }
    out
}

/// The channel for blocks `first..=last` of `chain` (`attempt`: see [`channel::channel_id`]), cut into frames of ≤ `max_frame_data`
/// bytes and packed into blobs (deterministic: the same bytes after a restart).
pub fn plan_channel(
    chain: &Chain,
    first: u64,
    last: u64,
    attempt: u32,
    max_frame_data: usize,
) -> Result<ChannelPlan, BatcherError> {
    let mut rlps = Vec::new();
    let (mut fh, mut lh) = (B256::ZERO, B256::ZERO);
    for n in first..=last {
        let missing = || chain_err(format!("block {n} missing"));
        let hash = chain.block_by_number(n).map_err(chain_err)?.ok_or_else(missing)?.hash;
        rlps.push(chain.block_rlp(n).map_err(chain_err)?.ok_or_else(missing)?);
        if n == first {
            fh = hash;
        }
        if n == last {
            lh = hash;
        }
    }
    let uncompressed = rlps.iter().map(Vec::len).sum();
    let compressed = channel::compress(&rlps);
    let frames = channel::to_frames(channel::channel_id(&fh, &lh, attempt), &compressed, max_frame_data);
    let blobs = frames_to_blobs(&frames);
    Ok(ChannelPlan { first, last, uncompressed, compressed, frames, blobs })
}

/// Signs one version of an in-flight transaction with the given fees: (raw bytes, hash).
type SignFn<'a> = dyn Fn(&Batcher, &Fees) -> (Vec<u8>, B256) + 'a;

pub struct Batcher {
    chain: Arc<Chain>,
    settlement: Arc<dyn Settlement>,
    kzg: Arc<KzgSettings>,
    signer: PrivateKeySigner,
    cfg: BatcherConfig,
    state: BatcherState,
    /// When each unposted block was first seen by this process.
    seen: std::collections::BTreeMap<u64, Instant>,
    /// Block RLPs read from the chain (number, rlp), from `state.posted + 1` on.
    cache: Vec<(u64, B256, Vec<u8>)>,
    built: Option<Built>,
    sent_at: std::collections::HashMap<B256, Instant>,
    status: Arc<Mutex<BatcherStatus>>,
}

impl std::fmt::Debug for Batcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Batcher").field("state", &self.state).finish_non_exhaustive()
    }
}

fn chain_err(e: impl std::fmt::Display) -> BatcherError {
    BatcherError::Chain(e.to_string())
}

impl Batcher {
    /// Opens the batcher: loads the state file and reconciles it with the settlement layer's
    /// output roots (see the module docs). Fails if the settlement layer is unreachable.
    pub fn new(
        chain: Arc<Chain>,
        settlement: Arc<dyn Settlement>,
        kzg: Arc<KzgSettings>,
        signer: PrivateKeySigner,
        cfg: BatcherConfig,
    ) -> Result<Batcher, BatcherError> {
        if cfg.max_blobs_per_tx == 0 || cfg.max_blobs_per_tx > MAX_BLOBS_PER_TX {
            return Err(BatcherError::Config(format!("max_blobs_per_tx {} not in 1..=6", cfg.max_blobs_per_tx)));
        }
        if cfg.max_frame_data == 0 || cfg.max_frame_data > MAX_FRAME_DATA_PER_BLOB {
            return Err(BatcherError::Config(format!("max_frame_data not in 1..={MAX_FRAME_DATA_PER_BLOB}")));
        }
        let chain_id = settlement.chain_id()?;
        if chain_id != cfg.settlement_chain_id {
            return Err(BatcherError::Config(format!(
                "settlement chain id is {chain_id}, configured {}",
                cfg.settlement_chain_id
            )));
        }
        let loaded = BatcherState::load(&cfg.state_file)?;
        let had_file = loaded.is_some();
        let mut state = loaded.unwrap_or_default();
        // Output roots above the state file's last proposal (a lost or stale state file).
        let me = signer.address();
        let head = chain.head_number();
        let floor = state.proposed.max(head.saturating_sub(cfg.resume_scan_limit));
        let mut k = head;
        while k > floor {
            if let Some(rec) = settlement.output_root(cfg.env_id, k)? {
                if rec.submitter == me {
                    tracing::info!(l2 = k, "batcher: found a later output root of ours on the settlement layer");
                    state.posted = state.posted.max(k);
                    state.proposed = k;
                    if state.inflight.as_ref().is_some_and(|i| i.last <= k) {
                        state.inflight = None;
                    }
                    break;
                }
            }
            k -= 1;
        }
        if state.posted > head {
            return Err(BatcherError::Config(format!(
                "the settlement layer / state file says L2 block {} is posted but the chain's head is {head}",
                state.posted
            )));
        }
        if state.proposed > 0 && had_file && settlement.output_root(cfg.env_id, state.proposed)?.is_none() {
            tracing::warn!(
                l2 = state.proposed,
                "batcher: the state file's last output root is not on the settlement layer"
            );
        }
        state.save(&cfg.state_file)?;
        tracing::info!(posted = state.posted, proposed = state.proposed, inflight = ?state.inflight.as_ref().map(|i| (i.first, i.last)), "batcher: resumed");
        let status =
            BatcherStatus { posted: state.posted, proposed: state.proposed, l2_head: head, ..Default::default() };
        Ok(Batcher {
            chain,
            settlement,
            kzg,
            signer,
            cfg,
            state,
            seen: Default::default(),
            cache: Vec::new(),
            built: None,
            sent_at: Default::default(),
            status: Arc::new(Mutex::new(status)),
        })
    }

    pub fn address(&self) -> Address {
        self.signer.address()
    }

    pub fn state(&self) -> &BatcherState {
        &self.state
    }

    /// A snapshot of progress and metrics.
    pub fn status(&self) -> BatcherStatus {
        self.status.lock().clone()
    }

    /// A handle that stays readable while [`Batcher::run`] owns the batcher.
    pub fn status_handle(&self) -> Arc<Mutex<BatcherStatus>> {
        self.status.clone()
    }

    /// Runs until `stop` is set: [`Batcher::step`] every `poll_interval`, exponential backoff
    /// after errors.
    pub fn run(&mut self, stop: &AtomicBool) {
        let mut backoff = self.cfg.backoff_initial;
        while !stop.load(Ordering::Relaxed) {
            match self.step(Instant::now()) {
                Ok(Step::Done { .. }) => {
                    backoff = self.cfg.backoff_initial;
                    continue;
                }
                Ok(_) => {
                    // Progress inside a batch (a send, a wait) keeps the backoff: a proposal that
                    // is sent, then reverts, then is sent again must slow down, not retry (and pay
                    // gas) every few hundred milliseconds. Only a finished batch resets it.
                    std::thread::sleep(self.cfg.poll_interval);
                }
                Err(e) => {
                    tracing::warn!(error = %e, retry_in = ?backoff, "batcher: step failed");
                    std::thread::sleep(backoff);
                    backoff = (backoff * 2).min(self.cfg.backoff_max);
                }
            }
        }
    }

    /// One round: poll or advance the in-flight batch, or start a new one if the policy says
    /// so. `now` is the clock the latency policy reads (tests pass their own).
    pub fn step(&mut self, now: Instant) -> Result<Step, BatcherError> {
        let r = self.step_inner(now);
        let mut st = self.status.lock();
        st.l2_head = self.chain.head_number();
        st.posted = self.state.posted;
        st.proposed = self.state.proposed;
        st.inflight = self.state.inflight.as_ref().map(|i| (i.first, i.last));
        if let Err(e) = &r {
            st.errors += 1;
            st.last_error = Some(e.to_string());
        }
        r
    }

    fn step_inner(&mut self, now: Instant) -> Result<Step, BatcherError> {
        if self.state.inflight.is_none() {
            match self.maybe_start(now)? {
                Some(()) => {}
                None => {
                    return Ok(if self.chain.head_number() > self.state.posted { Step::Waiting } else { Step::Idle })
                }
            }
        }
        self.advance(now)
    }

    /// Reads unposted blocks into the cache, at most as many as can matter for one channel:
    /// reading stops once their RLP exceeds `SCAN_FACTOR × max_channel_bytes` (a compression
    /// ratio above that is not expected for block data).
    fn load_blocks(&mut self) -> Result<(), BatcherError> {
        const SCAN_FACTOR: usize = 32;
        let next = self.state.posted + 1;
        self.cache.retain(|(n, _, _)| *n >= next);
        let head = self.chain.head_number();
        let mut n = self.cache.last().map(|(n, _, _)| n + 1).unwrap_or(next);
        let mut bytes: usize = self.cache.iter().map(|(_, _, r)| r.len()).sum();
        let cap = self.cfg.max_channel_bytes.saturating_mul(SCAN_FACTOR);
        while n <= head && bytes <= cap {
            let rlp =
                self.chain.block_rlp(n).map_err(chain_err)?.ok_or_else(|| chain_err(format!("block {n} missing")))?;
            let hash = self
                .chain
                .block_by_number(n)
                .map_err(chain_err)?
                .ok_or_else(|| chain_err(format!("block {n} missing")))?
                .hash;
            bytes += rlp.len();
            self.cache.push((n, hash, rlp));
            n += 1;
        }
        Ok(())
    }

    fn compressed_len(&self, k: usize) -> usize {
        let rlps: Vec<&[u8]> = self.cache[..k].iter().map(|(_, _, r)| r.as_slice()).collect();
        channel::compress(&rlps).len()
    }

    /// Starts a batch if the policy fires; `None` if not.
    fn maybe_start(&mut self, now: Instant) -> Result<Option<()>, BatcherError> {
        let head = self.chain.head_number();
        let next = self.state.posted + 1;
        self.seen.retain(|n, _| *n >= next);
        if head < next {
            return Ok(None);
        }
        let from = self.seen.keys().next_back().map_or(next, |n| n + 1);
        for n in from..=head {
            self.seen.insert(n, now);
        }
        let first_seen = self.seen[&next];
        self.load_blocks()?;
        let all = self.cache.len();
        let full = self.compressed_len(all) >= self.cfg.max_channel_bytes;
        let late = now.saturating_duration_since(first_seen) >= self.cfg.max_latency;
        if !full && !late {
            return Ok(None);
        }
        // Longest prefix within max_channel_bytes (compressed size grows with the prefix).
        let (mut lo, mut hi) = (1usize, all);
        while lo < hi {
            let mid = (lo + hi).div_ceil(2);
            if self.compressed_len(mid) <= self.cfg.max_channel_bytes {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        let first = self.state.posted + 1;
        let last = first + lo as u64 - 1;
        let plan = self.plan(first, last, 0)?;
        let groups: Vec<usize> = plan.blobs.chunks(self.cfg.max_blobs_per_tx).map(|c| c.len()).collect();
        let base = self.settlement.transaction_count(self.signer.address(), BlockTag::Pending)?;
        let inflight = Inflight {
            first,
            last,
            attempt: 0,
            blob_txs: (0..groups.len()).map(|i| SentTx::new(base + i as u64)).collect(),
            blobs_per_tx: groups,
            output: None,
        };
        self.build(&plan, 0)?;
        {
            let mut st = self.status.lock();
            st.uncompressed_bytes += plan.uncompressed as u64;
            st.compressed_bytes += plan.compressed.len() as u64;
            st.channels.push((first, last, plan.compressed.len()));
            if st.channels.len() > STATUS_CHANNELS {
                st.channels.remove(0);
            }
        }
        tracing::info!(
            first,
            last,
            blocks = lo,
            uncompressed = plan.uncompressed,
            compressed = plan.compressed.len(),
            frames = plan.frames.len(),
            blobs = plan.blobs.len(),
            txs = inflight.blob_txs.len(),
            trigger = if full { "size" } else { "latency" },
            "batcher: channel built"
        );
        self.state.inflight = Some(inflight);
        self.state.save(&self.cfg.state_file)?;
        Ok(Some(()))
    }

    /// The channel for blocks `first..=last` with this batcher's frame size.
    pub fn plan(&self, first: u64, last: u64, attempt: u32) -> Result<ChannelPlan, BatcherError> {
        plan_channel(&self.chain, first, last, attempt, self.cfg.max_frame_data)
    }

    fn build(&mut self, plan: &ChannelPlan, attempt: u32) -> Result<(), BatcherError> {
        let mut bundles = Vec::new();
        for chunk in plan.blobs.chunks(self.cfg.max_blobs_per_tx) {
            bundles.push(BlobBundle::new(&self.kzg, chunk.to_vec()).map_err(|e| BatcherError::Kzg(e.to_string()))?);
        }
        self.built = Some(Built { first: plan.first, last: plan.last, attempt, bundles });
        Ok(())
    }

    fn fees(&self) -> Fees {
        let min = self.cfg.min_fees;
        let gas = self.settlement.gas_price().map(|p| p * 2).unwrap_or(0);
        let blob = self.settlement.blob_base_fee().map(|p| p * 2).unwrap_or(0);
        Fees {
            max_fee_per_gas: min.max_fee_per_gas.max(gas + min.max_priority_fee_per_gas),
            max_priority_fee_per_gas: min.max_priority_fee_per_gas,
            max_fee_per_blob_gas: min.max_fee_per_blob_gas.max(blob),
        }
    }

    /// Whether one of the transaction's signed versions is included: (hash, success).
    fn poll(&self, t: &mut SentTx) -> Result<Option<(B256, bool)>, BatcherError> {
        if let Some(h) = t.included {
            return Ok(Some((h, true)));
        }
        for h in t.hashes.iter().rev() {
            if let Some(r) = self.settlement.receipt(*h)? {
                t.included = Some(*h);
                t.included_at = Some(r.block_number);
                return Ok(Some((*h, r.success)));
            }
        }
        Ok(None)
    }

    /// Whether a not-included transaction must be (re)sent now: never sent by this process,
    /// or past the inclusion timeout.
    fn due(&self, t: &SentTx, now: Instant) -> bool {
        match t.hashes.last().and_then(|h| self.sent_at.get(h)) {
            None => true,
            Some(at) => now.saturating_duration_since(*at) >= self.cfg.inclusion_timeout,
        }
    }

    /// (Re)sends a due transaction: the same fees when this process never sent it (a restart:
    /// the same bytes), doubled fees after a timeout.
    fn send(&mut self, t: &mut SentTx, now: Instant, sign: &SignFn<'_>) -> Result<Option<(B256, bool)>, BatcherError> {
        let last_sent = t.hashes.last().and_then(|h| self.sent_at.get(h)).copied();
        if !t.hashes.is_empty() {
            let latest = self.settlement.transaction_count(self.signer.address(), BlockTag::Latest)?;
            if latest > t.nonce {
                // Receipts might lag the nonce; look once more before declaring it foreign.
                if let Some(r) = self.poll(t)? {
                    return Ok(Some(r));
                }
                return Err(BatcherError::NonceConsumed { nonce: t.nonce });
            }
        }
        let fees = match (t.fees, last_sent) {
            (Some(f), Some(_)) => {
                self.status.lock().replacements += 1;
                f.bumped(&self.cfg.max_fees)
            }
            (Some(f), None) => f,
            (None, _) => self.fees(),
        };
        let (raw, hash) = sign(self, &fees);
        if !t.hashes.contains(&hash) {
            t.hashes.push(hash);
        }
        t.fees = Some(fees);
        // The hash is on disk before the transaction can be included.
        self.persist_tx(t)?;
        match self.settlement.send_raw_transaction(&raw) {
            Ok(_) => {}
            Err(SettlementError::Rpc { message, .. }) if message.contains("already known") => {}
            Err(e) => return Err(e.into()),
        }
        self.sent_at.insert(hash, now);
        tracing::debug!(nonce = t.nonce, %hash, "batcher: transaction sent");
        Ok(None)
    }

    fn persist_tx(&mut self, t: &SentTx) -> Result<(), BatcherError> {
        if let Some(inf) = self.state.inflight.as_mut() {
            for s in inf.blob_txs.iter_mut().chain(inf.output.iter_mut()) {
                if s.nonce == t.nonce {
                    *s = t.clone();
                }
            }
        }
        self.state.save(&self.cfg.state_file)
    }

    fn ensure_built(&mut self, first: u64, last: u64, attempt: u32) -> Result<(), BatcherError> {
        if self.built.as_ref().is_some_and(|b| b.first == first && b.last == last && b.attempt == attempt) {
            return Ok(());
        }
        let plan = self.plan(first, last, attempt)?;
        self.build(&plan, attempt)
    }

    fn advance(&mut self, now: Instant) -> Result<Step, BatcherError> {
        let inf = self.state.inflight.clone().expect("called with a batch in flight");
        let (first, last) = (inf.first, inf.last);
        // 1. The blob transactions.
        if self.state.posted < last {
            let mut all = true;
            for i in 0..inf.blob_txs.len() {
                let mut t = self.state.inflight.as_ref().expect("in flight").blob_txs[i].clone();
                let mut r = self.poll(&mut t)?;
                if r.is_none() && self.due(&t, now) {
                    self.ensure_built(first, last, inf.attempt)?;
                    let first_send = !t.hashes.iter().any(|h| self.sent_at.contains_key(h));
                    let (chain_id, inbox, nonce) = (self.cfg.settlement_chain_id, self.cfg.inbox, t.nonce);
                    r = self.send(&mut t, now, &|me: &Self, fees: &Fees| {
                        let bundle = &me.built.as_ref().expect("built above").bundles[i];
                        blob_tx(&me.signer, chain_id, nonce, inbox, bundle, fees)
                    })?;
                    if first_send {
                        self.status.lock().blob_txs_sent += 1;
                    }
                }
                self.persist_tx(&t)?;
                if r.is_none() {
                    all = false;
                }
            }
            if !all {
                return Ok(Step::Inflight);
            }
            // A channel spread over more settlement blocks than the derivation's channel
            // timeout is dropped by followers: post the range again under a new channel id.
            let at: Vec<u64> = self
                .state
                .inflight
                .as_ref()
                .map(|i| i.blob_txs.iter().filter_map(|t| t.included_at).collect())
                .unwrap_or_default();
            if let (Some(lo), Some(hi)) = (at.iter().min(), at.iter().max()) {
                if hi - lo > self.cfg.channel_timeout {
                    let attempt = inf.attempt + 1;
                    tracing::warn!(
                        first,
                        last,
                        from = lo,
                        to = hi,
                        attempt,
                        "batcher: channel spread past the channel timeout; re-posting the range"
                    );
                    let base = self.settlement.transaction_count(self.signer.address(), BlockTag::Pending)?;
                    let n = inf.blob_txs.len();
                    if let Some(i) = self.state.inflight.as_mut() {
                        i.attempt = attempt;
                        i.blob_txs = (0..n).map(|k| SentTx::new(base + k as u64)).collect();
                    }
                    self.state.save(&self.cfg.state_file)?;
                    self.status.lock().channels_reposted += 1;
                    return Ok(Step::Inflight);
                }
            }
            self.state.posted = last;
            self.state.save(&self.cfg.state_file)?;
            {
                let mut st = self.status.lock();
                st.batches_posted += 1;
                st.blocks_posted += last - first + 1;
                st.blobs_posted += inf.blobs_per_tx.iter().sum::<usize>() as u64;
            }
            tracing::info!(first, last, "batcher: batch included");
        }
        // 2. The output root of the last block.
        let mut out = match self.state.inflight.as_ref().and_then(|i| i.output.clone()) {
            Some(o) => o,
            None => {
                let nonce = self.settlement.transaction_count(self.signer.address(), BlockTag::Pending)?;
                let o = SentTx::new(nonce);
                if let Some(i) = self.state.inflight.as_mut() {
                    i.output = Some(o.clone());
                }
                self.state.save(&self.cfg.state_file)?;
                o
            }
        };
        let block = self.chain.block_by_number(last).map_err(chain_err)?.ok_or_else(|| chain_err("block missing"))?;
        let root = abi::output_root(block.block.header.state_root, block.hash);
        let input = abi::propose_output_calldata(self.cfg.env_id, last, root);
        let (chain_id, oracle, gas, nonce) =
            (self.cfg.settlement_chain_id, self.cfg.output_oracle, self.cfg.output_gas_limit, out.nonce);
        let mut r = self.poll(&mut out)?;
        if r.is_none() && self.due(&out, now) {
            r = self.send(&mut out, now, &|me: &Self, fees: &Fees| {
                call_tx(&me.signer, chain_id, nonce, oracle, input.clone(), gas, fees)
            })?;
        }
        self.persist_tx(&out)?;
        match r {
            None => Ok(Step::Inflight),
            Some((tx, false)) => {
                // A fresh proposal (new nonce) next round.
                if let Some(i) = self.state.inflight.as_mut() {
                    i.output = None;
                }
                self.state.save(&self.cfg.state_file)?;
                Err(BatcherError::ProposalReverted { l2: last, tx })
            }
            Some((_, true)) => {
                self.state.proposed = last;
                self.state.inflight = None;
                self.state.save(&self.cfg.state_file)?;
                self.built = None;
                self.status.lock().outputs_proposed += 1;
                tracing::info!(l2 = last, %root, "batcher: output root proposed");
                Ok(Step::Done { first, last })
            }
        }
    }
}
