//! Derivation ("follow mode"): reads finalized settlement blocks in order, takes the blob
//! transactions to BATCH_INBOX from the configured batcher, fetches and checks their blobs,
//! decodes frames, reassembles channels, decompresses them and imports their blocks into a
//! [`Chain`] with full re-execution ([`Chain::import_block`]). Every output root proposed for
//! the EVM environment is compared with the root the follower computes for that height once it
//! has the block; a mismatch is sent as `dispute(...)` to DISPUTES.
//!
//! Bad data never reaches the chain: a blob that does not match its versioned hash (KZG proof
//! checked when a [`KzgSettings`] is given), a malformed blob, frame container or channel, a
//! reordered or missing frame, a timed-out channel, or a block that does not re-execute to its
//! header is recorded as a [`DerivationError`] and skipped. Blocks the chain already has are
//! skipped when their hash matches (a re-post) and recorded as a conflict otherwise.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use alloy_primitives::{Address, B256};
use alloy_signer_local::PrivateKeySigner;
use gloam_evm::{Chain, ChainError};
use gloam_kzg::{kzg_to_versioned_hash, Blob, Bytes48, KzgCommitment, KzgSettings};
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};

use crate::abi;
use crate::blob::{decode_blob, BlobError};
use crate::channel::{decode_channel, ChannelBank, ChannelError, MAX_RLP_BYTES_PER_CHANNEL};
use crate::frame::{decode_frames, ChannelId, FrameError};
use crate::settlement::{BlobRecord, BlockTag, Settlement, SettlementBlock, SettlementError};
use crate::tx::{call_tx, Fees};

#[derive(Debug, Clone)]
pub struct FollowerConfig {
    /// Only blob transactions from this address are read.
    pub batcher: Address,
    pub inbox: Address,
    pub output_oracle: Address,
    pub disputes: Address,
    pub env_id: u64,
    pub settlement_chain_id: u64,
    /// Settlement blocks a channel may stay incomplete.
    pub channel_timeout: u64,
    /// First settlement block to read (when there is no state file).
    pub start_block: u64,
    pub max_channel_rlp: usize,
    /// Progress file (JSON); `None`: start from `start_block` every time.
    pub state_file: Option<PathBuf>,
    pub dispute_gas_limit: u64,
    pub fees: Fees,
    pub poll_interval: Duration,
    /// How many recent [`DerivationError`]s are kept.
    pub error_memory: usize,
}

impl FollowerConfig {
    pub fn dev(batcher: Address) -> Self {
        FollowerConfig {
            batcher,
            inbox: abi::BATCH_INBOX,
            output_oracle: abi::OUTPUT_ORACLE,
            disputes: abi::DISPUTES,
            env_id: abi::ENV_ID_EVM,
            settlement_chain_id: abi::SETTLEMENT_DEV_CHAIN_ID,
            channel_timeout: 50,
            start_block: 0,
            max_channel_rlp: MAX_RLP_BYTES_PER_CHANNEL,
            state_file: None,
            dispute_gas_limit: 200_000,
            fees: Fees {
                max_fee_per_gas: 10_000_000_000,
                max_priority_fee_per_gas: 1_000_000_000,
                max_fee_per_blob_gas: 0,
            },
            poll_interval: Duration::from_millis(500),
            error_memory: 256,
        }
    }
}

/// A problem in the posted data (recorded, never imported).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DerivationError {
    #[error("settlement block {block}: blob {versioned_hash} is not available")]
    BlobMissing { block: u64, versioned_hash: B256 },
    #[error("settlement block {block}: blob {versioned_hash} does not match its commitment: {reason}")]
    BlobMismatch { block: u64, versioned_hash: B256, reason: String },
    #[error("settlement block {block}: blob {versioned_hash}: {error}")]
    Blob { block: u64, versioned_hash: B256, error: BlobError },
    #[error("settlement block {block}: blob {versioned_hash}: frames: {error}")]
    Frame { block: u64, versioned_hash: B256, error: FrameError },
    #[error("settlement block {block}: {error}")]
    Channel { block: u64, error: ChannelError },
    #[error("channel {channel}: L2 block {number}: {reason}")]
    Import { channel: ChannelId, number: u64, reason: String },
    #[error("channel {channel}: L2 block {number} conflicts with the local block (local {local}, posted {posted})")]
    Conflict { channel: ChannelId, number: u64, local: B256, posted: B256 },
    #[error("channel {channel}: L2 block {number} does not follow the head {head}")]
    Gap { channel: ChannelId, number: u64, head: u64 },
}

#[derive(Debug, thiserror::Error)]
pub enum FollowError {
    #[error("settlement: {0}")]
    Settlement(#[from] SettlementError),
    #[error("chain: {0}")]
    Chain(#[from] ChainError),
    #[error("state file: {0}")]
    State(String),
    #[error("finalized settlement block {0} is not available")]
    MissingBlock(u64),
}

/// A posted output root waiting for (or checked against) the local block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputCheck {
    pub l2_block: u64,
    pub posted_root: B256,
    pub submitter: Address,
    pub tx_hash: B256,
}

/// A dispute this follower sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisputeSent {
    pub l2_block: u64,
    pub posted_root: B256,
    pub computed_root: B256,
    pub tx_hash: B256,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FollowerStatus {
    /// Last settlement block fully processed.
    pub settlement_followed: Option<u64>,
    pub settlement_finalized: u64,
    pub l2_head: u64,
    pub blocks_imported: u64,
    pub blocks_skipped_known: u64,
    pub blobs_read: u64,
    pub frames_read: u64,
    pub channels_completed: u64,
    pub outputs_checked: u64,
    pub outputs_matched: u64,
    pub disputes_sent: u64,
    pub derivation_errors: u64,
    pub last_error: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct FollowerState {
    /// Next settlement block to read.
    next_block: u64,
    pending_checks: Vec<OutputCheck>,
    disputes: Vec<DisputeSent>,
}

pub struct Follower {
    chain: Arc<Chain>,
    settlement: Arc<dyn Settlement>,
    kzg: Option<Arc<KzgSettings>>,
    disputer: Option<PrivateKeySigner>,
    cfg: FollowerConfig,
    bank: ChannelBank,
    next_block: u64,
    pending_checks: BTreeMap<u64, Vec<OutputCheck>>,
    /// Disputes found but not yet accepted by the settlement node (retried).
    unsent: Vec<(OutputCheck, B256)>,
    disputes: Vec<DisputeSent>,
    errors: VecDeque<DerivationError>,
    status: Arc<Mutex<FollowerStatus>>,
}

impl std::fmt::Debug for Follower {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Follower").field("next_block", &self.next_block).finish_non_exhaustive()
    }
}

fn load_state(path: &Path) -> Result<Option<FollowerState>, FollowError> {
    match std::fs::read(path) {
        Ok(b) => {
            serde_json::from_slice(&b).map(Some).map_err(|e| FollowError::State(format!("{}: {e}", path.display())))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(FollowError::State(format!("{}: {e}", path.display()))),
    }
}

/// A blob fetched for one batcher transaction.
struct Fetched {
    versioned_hash: B256,
    record: Option<BlobRecord>,
}

impl Follower {
    /// `kzg`: verify every blob's KZG proof against its versioned hash (recommended; without
    /// it only the commitment ↔ versioned-hash link is checked and corrupt blob bytes are
    /// caught by the decoders and by re-execution). `disputer`: the key that signs disputes
    /// (`None`: mismatches are recorded and logged only).
    pub fn new(
        chain: Arc<Chain>,
        settlement: Arc<dyn Settlement>,
        kzg: Option<Arc<KzgSettings>>,
        disputer: Option<PrivateKeySigner>,
        cfg: FollowerConfig,
    ) -> Result<Follower, FollowError> {
        let state = match &cfg.state_file {
            Some(p) => load_state(p)?,
            None => None,
        }
        .unwrap_or(FollowerState { next_block: cfg.start_block, ..Default::default() });
        let mut pending_checks: BTreeMap<u64, Vec<OutputCheck>> = BTreeMap::new();
        for c in state.pending_checks {
            pending_checks.entry(c.l2_block).or_default().push(c);
        }
        let status = FollowerStatus {
            settlement_followed: state.next_block.checked_sub(1),
            l2_head: chain.head_number(),
            disputes_sent: state.disputes.len() as u64,
            ..Default::default()
        };
        Ok(Follower {
            bank: ChannelBank::new(cfg.channel_timeout),
            chain,
            settlement,
            kzg,
            disputer,
            next_block: state.next_block,
            pending_checks,
            unsent: Vec::new(),
            disputes: state.disputes,
            errors: VecDeque::new(),
            status: Arc::new(Mutex::new(status)),
            cfg,
        })
    }

    pub fn status(&self) -> FollowerStatus {
        self.status.lock().clone()
    }

    pub fn status_handle(&self) -> Arc<Mutex<FollowerStatus>> {
        self.status.clone()
    }

    /// The most recent derivation errors, oldest first.
    pub fn errors(&self) -> Vec<DerivationError> {
        self.errors.iter().cloned().collect()
    }

    pub fn disputes_sent(&self) -> &[DisputeSent] {
        &self.disputes
    }

    /// Runs until `stop` is set, with backoff after errors.
    pub fn run(&mut self, stop: &AtomicBool) {
        let mut backoff = Duration::from_millis(250);
        while !stop.load(Ordering::Relaxed) {
            match self.step() {
                Ok(_) => {
                    backoff = Duration::from_millis(250);
                    std::thread::sleep(self.cfg.poll_interval);
                }
                Err(e) => {
                    tracing::warn!(error = %e, retry_in = ?backoff, "follower: step failed");
                    std::thread::sleep(backoff);
                    backoff = (backoff * 2).min(Duration::from_secs(30));
                }
            }
        }
    }

    fn record(&mut self, e: DerivationError) {
        tracing::warn!(error = %e, "follower: derivation error");
        let mut st = self.status.lock();
        st.derivation_errors += 1;
        st.last_error = Some(e.to_string());
        drop(st);
        self.errors.push_back(e);
        while self.errors.len() > self.cfg.error_memory.max(1) {
            self.errors.pop_front();
        }
    }

    fn save(&self) -> Result<(), FollowError> {
        let Some(path) = &self.cfg.state_file else { return Ok(()) };
        // Restart from the oldest block still holding an incomplete channel: its frames are
        // read again (blocks already imported are then skipped as known).
        let next_block = self.bank.oldest_open().map_or(self.next_block, |o| o.min(self.next_block));
        let st = FollowerState {
            next_block,
            pending_checks: self.pending_checks.values().flatten().cloned().collect(),
            disputes: self.disputes.clone(),
        };
        let tmp = path.with_extension("tmp");
        let w = || -> std::io::Result<()> {
            std::fs::write(&tmp, serde_json::to_vec_pretty(&st).expect("serializable"))?;
            std::fs::rename(&tmp, path)
        };
        w().map_err(|e| FollowError::State(format!("{}: {e}", path.display())))
    }

    /// Processes every finalized settlement block not yet read; returns how many.
    pub fn step(&mut self) -> Result<u64, FollowError> {
        self.retry_disputes()?;
        let finalized = self.settlement.block_number(BlockTag::Finalized)?;
        let Some(finalized) = finalized else { return Ok(0) };
        self.status.lock().settlement_finalized = finalized;
        let mut n = 0;
        while self.next_block <= finalized {
            let number = self.next_block;
            let block = self.settlement.block(BlockTag::Number(number))?.ok_or(FollowError::MissingBlock(number))?;
            let fetched = self.fetch(&block)?;
            let proposals = self.proposals(&block)?;
            // Channels past their timeout are dropped before this block's frames are read (a
            // frame arriving after the timeout cannot complete one).
            for e in self.bank.expire(number) {
                self.record(DerivationError::Channel { block: number, error: e });
            }
            self.apply(&block, fetched)?;
            for p in proposals {
                self.pending_checks.entry(p.l2_block).or_default().push(p);
            }
            self.check_outputs()?;
            self.next_block = number + 1;
            self.save()?;
            let mut st = self.status.lock();
            st.settlement_followed = Some(number);
            st.l2_head = self.chain.head_number();
            n += 1;
        }
        Ok(n)
    }

    /// Batcher transactions' blobs (all fetched before anything is applied, so a failed fetch
    /// retries the block cleanly).
    fn fetch(&self, block: &SettlementBlock) -> Result<Vec<Vec<Fetched>>, FollowError> {
        let txs: Vec<_> = block
            .transactions
            .iter()
            .filter(|t| t.tx_type == 3 && t.to == Some(self.cfg.inbox) && t.from == self.cfg.batcher)
            .collect();
        if txs.is_empty() {
            return Ok(vec![]);
        }
        let sidecars: HashMap<B256, BlobRecord> = self
            .settlement
            .blob_sidecars(BlockTag::Number(block.number))?
            .unwrap_or_default()
            .into_iter()
            .map(|r| (r.versioned_hash, r))
            .collect();
        let mut out = Vec::new();
        for t in txs {
            let mut v = Vec::new();
            for vh in &t.blob_versioned_hashes {
                let record = match sidecars.get(vh) {
                    Some(r) => Some(r.clone()),
                    None => self.settlement.blob_by_versioned_hash(*vh)?,
                };
                v.push(Fetched { versioned_hash: *vh, record });
            }
            out.push(v);
        }
        Ok(out)
    }

    /// `proposeOutput` calls for this environment that took effect in this block.
    fn proposals(&self, block: &SettlementBlock) -> Result<Vec<OutputCheck>, FollowError> {
        let mut out = Vec::new();
        for t in &block.transactions {
            if t.to != Some(self.cfg.output_oracle) {
                continue;
            }
            let Some((env, l2, root)) = abi::decode_propose_output(&t.input) else { continue };
            if env != self.cfg.env_id {
                continue;
            }
            // Only proposals the settlement layer accepted (its record points at this tx).
            match self.settlement.output_root(env, l2)? {
                Some(rec) if rec.tx_hash == t.hash => {
                    out.push(OutputCheck { l2_block: l2, posted_root: root, submitter: t.from, tx_hash: t.hash })
                }
                _ => tracing::debug!(l2, tx = %t.hash, "follower: proposal not (or no longer) recorded; skipped"),
            }
        }
        Ok(out)
    }

    fn check_blob(&self, block: u64, f: &Fetched) -> Result<Vec<u8>, DerivationError> {
        let vh = f.versioned_hash;
        let rec = f.record.as_ref().ok_or(DerivationError::BlobMissing { block, versioned_hash: vh })?;
        let mismatch = |reason: String| DerivationError::BlobMismatch { block, versioned_hash: vh, reason };
        let commitment: [u8; 48] =
            rec.commitment.as_ref().try_into().map_err(|_| mismatch("commitment is not 48 bytes".into()))?;
        if B256::from(kzg_to_versioned_hash(&KzgCommitment(commitment)).0) != vh || rec.versioned_hash != vh {
            return Err(mismatch("versioned hash of the commitment differs".into()));
        }
        if let Some(kzg) = &self.kzg {
            let blob = Blob::from_bytes(&rec.blob).map_err(|e| mismatch(e.to_string()))?;
            let proof: [u8; 48] =
                rec.proof.as_ref().try_into().map_err(|_| mismatch("proof is not 48 bytes".into()))?;
            match kzg.verify_blob_kzg_proof(&blob, &Bytes48(commitment), &Bytes48(proof)) {
                Ok(true) => {}
                Ok(false) => return Err(mismatch("KZG proof does not verify".into())),
                Err(e) => return Err(mismatch(e.to_string())),
            }
        }
        decode_blob(&rec.blob).map_err(|error| DerivationError::Blob { block, versioned_hash: vh, error })
    }

    fn apply(&mut self, block: &SettlementBlock, fetched: Vec<Vec<Fetched>>) -> Result<(), FollowError> {
        let number = block.number;
        for tx_blobs in fetched {
            for f in tx_blobs {
                self.status.lock().blobs_read += 1;
                let payload = match self.check_blob(number, &f) {
                    Ok(p) => p,
                    Err(e) => {
                        self.record(e);
                        continue;
                    }
                };
                let frames = match decode_frames(&payload) {
                    Ok(fr) => fr,
                    Err(error) => {
                        self.record(DerivationError::Frame { block: number, versioned_hash: f.versioned_hash, error });
                        continue;
                    }
                };
                for frame in frames {
                    self.status.lock().frames_read += 1;
                    let (ready, errs) = self.bank.ingest(frame, number);
                    for error in errs {
                        self.record(DerivationError::Channel { block: number, error });
                    }
                    if let Some(ch) = ready {
                        self.status.lock().channels_completed += 1;
                        self.import_channel(number, ch.id, &ch.data)?;
                    }
                }
            }
        }
        Ok(())
    }

    fn import_channel(&mut self, at: u64, id: ChannelId, data: &[u8]) -> Result<(), FollowError> {
        let blocks = match decode_channel(data, self.cfg.max_channel_rlp) {
            Ok(b) => b,
            Err(error) => {
                self.record(DerivationError::Channel { block: at, error });
                return Ok(());
            }
        };
        for b in blocks {
            let number = b.header.number;
            let head = self.chain.head_number();
            if number <= head {
                let posted = b.header.hash_slow();
                let local = self.chain.block_by_number(number)?.map(|l| l.hash).unwrap_or_default();
                if local == posted {
                    self.status.lock().blocks_skipped_known += 1;
                    continue;
                }
                self.record(DerivationError::Conflict { channel: id, number, local, posted });
                return Ok(());
            }
            if number != head + 1 {
                self.record(DerivationError::Gap { channel: id, number, head });
                return Ok(());
            }
            match self.chain.import_block(b) {
                Ok(_) => {
                    tracing::debug!(number, channel = %id, "follower: block imported");
                    let mut st = self.status.lock();
                    st.blocks_imported += 1;
                    st.l2_head = number;
                }
                Err(ChainError::InvalidBlock { number, reason }) => {
                    self.record(DerivationError::Import { channel: id, number, reason });
                    return Ok(());
                }
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    /// Compares posted roots with local ones for every height the chain has.
    fn check_outputs(&mut self) -> Result<(), FollowError> {
        let head = self.chain.head_number();
        let ready: Vec<u64> = self.pending_checks.range(..=head).map(|(k, _)| *k).collect();
        for l2 in ready {
            let checks = self.pending_checks.remove(&l2).unwrap_or_default();
            let Some(local) = self.chain.block_by_number(l2)? else { continue };
            let computed = abi::output_root(local.block.header.state_root, local.hash);
            for c in checks {
                let mut st = self.status.lock();
                st.outputs_checked += 1;
                if c.posted_root == computed {
                    st.outputs_matched += 1;
                    continue;
                }
                drop(st);
                tracing::error!(
                    l2,
                    posted = %c.posted_root,
                    computed = %computed,
                    submitter = %c.submitter,
                    tx = %c.tx_hash,
                    "follower: posted output root differs from the re-executed block; disputing"
                );
                self.unsent.push((c, computed));
            }
        }
        self.retry_disputes()
    }

    fn retry_disputes(&mut self) -> Result<(), FollowError> {
        if self.unsent.is_empty() {
            return Ok(());
        }
        let Some(signer) = self.disputer.clone() else {
            self.unsent.clear();
            return Ok(());
        };
        let me = signer.address();
        let known = self.settlement.disputes()?;
        while let Some((c, computed)) = self.unsent.first().cloned() {
            let dup = known.iter().any(|d| {
                d.env_id == self.cfg.env_id
                    && d.l2_block_number == c.l2_block
                    && d.posted_root == c.posted_root
                    && d.submitter == me
            }) || self.disputes.iter().any(|d| d.l2_block == c.l2_block && d.posted_root == c.posted_root);
            if !dup {
                let nonce = self.settlement.transaction_count(me, BlockTag::Pending)?;
                let input = abi::dispute_calldata(self.cfg.env_id, c.l2_block, c.posted_root, computed);
                let (raw, hash) = call_tx(
                    &signer,
                    self.cfg.settlement_chain_id,
                    nonce,
                    self.cfg.disputes,
                    input,
                    self.cfg.dispute_gas_limit,
                    &self.cfg.fees,
                );
                self.settlement.send_raw_transaction(&raw)?;
                tracing::warn!(l2 = c.l2_block, posted = %c.posted_root, %computed, tx = %hash, "follower: dispute sent");
                self.disputes.push(DisputeSent {
                    l2_block: c.l2_block,
                    posted_root: c.posted_root,
                    computed_root: computed,
                    tx_hash: hash,
                });
                self.status.lock().disputes_sent += 1;
            }
            self.unsent.remove(0);
        }
        self.save()
    }
}
