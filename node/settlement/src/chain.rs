//! The settlement chain: pool admission, block building, block verification on any known parent
//! (finalized head or an unfinalized block kept in memory), and finalization into redb.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use alloy_consensus::{Eip658Value, Receipt, ReceiptEnvelope, Transaction, TxEnvelope, TxType};
use alloy_primitives::{Address, Bloom, B256, U256};
use gloam_evm::exec::RecoveredTx;
use gloam_evm::journal::PoolJournal;
use gloam_evm::pool::{PoolConfig, TxPool};

/// The pool journal is compacted past this many records (and four times the pool): blob
/// transactions are large, so the bound is lower than the EVM pool's.
pub const JOURNAL_COMPACT_MIN: usize = 256;
use parking_lot::{Condvar, Mutex, RwLock};

use crate::blobs::{check_sidecar, refs, BlobVerifier};
use crate::error::{BlobError, BlockError, SettlementError, SubmitError, TxInvalid};
use crate::exec::{apply_tx, blob_count, stateless_checks, upfront_cost, BlockEnv};
use crate::params::*;
use crate::state::{Changes, Ledger};
use crate::store::{FinalBlock, FinalizeItem, Store};
use crate::types::{
    blob_records, decode_net_tx, join_tx, split_tx, BlobRecord, Block, DisputeRecord, Header, NetTx, OutputRecord,
    Sidecar, StoredBlock,
};

/// Node configuration.
#[derive(Clone)]
pub struct SettlementConfig {
    pub datadir: PathBuf,
    pub chain_id: u64,
    pub gas_limit: u64,
    /// Sidecars of the last `retention_blocks` heights are kept (unless `archive`).
    pub retention_blocks: u64,
    /// Keep every sidecar forever.
    pub archive: bool,
    /// Blob limit per block (≤ [`MAX_BLOBS_PER_BLOCK`]; the fee target stays 6).
    pub max_blobs_per_block: u64,
    pub pool: PoolConfig,
    /// Verified (blob, commitment, proof) triples remembered.
    pub kzg_cache_entries: usize,
    /// Most blobs held by pooled transactions (memory bound: 128 KiB each).
    pub max_pooled_blobs: usize,
    /// Most unfinalized blocks kept with their post-states (memory bound while finality
    /// stalls); past it, building and verifying new blocks fail with
    /// [`SettlementError::TooManyPending`] until a finalization prunes them.
    pub max_pending_blocks: usize,
    /// Blocks per consensus epoch (chain rule: must equal the consensus config's `epoch_length`).
    /// The last block of each epoch records the next epoch's committee in the ledger.
    pub epoch_length: u64,
    /// Stake a registered validator needs to enter a committee (chain rule).
    pub min_validator_stake: U256,
    /// Largest committee (chain rule; the largest stakes win).
    pub max_committee: usize,
    /// When finalizations are fsynced.
    pub sync: SyncPolicy,
    /// Engine for KZG (default: CPU only).
    pub engine: Option<Arc<gloam_engine::Engine>>,
}

/// When finalized blocks reach the disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyncPolicy {
    /// Every finalization is fsynced before [`Settlement::finalize`] returns. For a chain with
    /// no other copy of its finalized blocks (the standalone [`crate::DevProducer`], tests).
    EveryBlock,
    /// Every finalization is committed at once (atomic and visible to readers) but fsynced
    /// only when `max_blocks` blocks or `max_delay` have passed since the last fsync (and by
    /// [`Settlement::flush`] / [`Settlement::shutdown`]); the blocks of one burst then share a
    /// disk sync (group commit). A crash loses at most that unsynced tail, which consensus
    /// delivers again from its own archive at restart (the node resumes from
    /// [`Settlement::last_finalized_height`], i.e. the last durable block). This is what
    /// `gloam node` runs.
    Deferred { max_blocks: u64, max_delay: Duration },
}

impl SyncPolicy {
    /// `gloam node`'s policy: fsync at least every 16 blocks or 500 ms.
    pub const NODE: SyncPolicy = SyncPolicy::Deferred { max_blocks: 16, max_delay: Duration::from_millis(500) };
}

impl std::fmt::Debug for SettlementConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SettlementConfig")
            .field("datadir", &self.datadir)
            .field("chain_id", &self.chain_id)
            .field("retention_blocks", &self.retention_blocks)
            .field("archive", &self.archive)
            .field("epoch_length", &self.epoch_length)
            .finish_non_exhaustive()
    }
}

/// Unfinalized blocks kept by default (simplex finalizes within a few views; a thousand blocks
/// pending means finality has stalled).
pub const DEFAULT_MAX_PENDING_BLOCKS: usize = 1024;

/// Dusk's blob retention is 86,400 blocks (about 10 days at 10 s); the same default here.
pub const DEFAULT_RETENTION_BLOCKS: u64 = 86_400;

impl SettlementConfig {
    /// The dev chain (id 1338) in `datadir`.
    pub fn dev(datadir: impl Into<PathBuf>) -> Self {
        SettlementConfig {
            datadir: datadir.into(),
            chain_id: DEV_CHAIN_ID,
            gas_limit: DEFAULT_GAS_LIMIT,
            retention_blocks: DEFAULT_RETENTION_BLOCKS,
            archive: false,
            max_blobs_per_block: MAX_BLOBS_PER_BLOCK,
            pool: PoolConfig::default(),
            kzg_cache_entries: 4096,
            max_pooled_blobs: 2048,
            max_pending_blocks: DEFAULT_MAX_PENDING_BLOCKS,
            epoch_length: DEFAULT_EPOCH_LENGTH,
            min_validator_stake: U256::from(DEFAULT_MIN_VALIDATOR_STAKE_WEI),
            max_committee: MAX_COMMITTEE,
            sync: SyncPolicy::EveryBlock,
            engine: None,
        }
    }
}

/// Genesis allocation.
#[derive(Clone, Debug, Default)]
pub struct Genesis {
    pub timestamp_ms: u64,
    pub alloc: Vec<(Address, U256)>,
    /// Validators and their stakes (the stake is not taken from `alloc`).
    pub validators: Vec<(Address, U256)>,
    /// Consensus keys of genesis validators (the consensus config's genesis list), so they stay
    /// in the committee after epoch 0.
    pub registrations: Vec<(Address, crate::types::ValidatorKeys)>,
}

/// Stake of each dev validator: 1,000 ETH.
pub const DEV_STAKE_WEI: u128 = 1_000 * 1_000_000_000_000_000_000;

impl Genesis {
    /// The 10 dev accounts of the standard test mnemonic (gloam-evm's dev genesis), 10,000 ETH
    /// each; dev accounts 0–3 are the genesis validators with 1,000 ETH staked each.
    pub fn dev() -> Genesis {
        let alloc = (0..10)
            .map(|i| (gloam_evm::dev_signer(i).address(), U256::from(gloam_evm::genesis::DEV_BALANCE_WEI)))
            .collect();
        let validators = (0..4).map(|i| (gloam_evm::dev_signer(i).address(), U256::from(DEV_STAKE_WEI))).collect();
        Genesis { timestamp_ms: 0, alloc, validators, registrations: vec![] }
    }

    pub fn ledger(&self) -> Ledger {
        let mut l = Ledger::default();
        for (a, b) in &self.alloc {
            l.accounts.entry(*a).or_default().balance += *b;
        }
        for (a, s) in &self.validators {
            if !s.is_zero() {
                *l.validators.entry(*a).or_default() += *s;
            }
        }
        for (a, k) in &self.registrations {
            l.registry.insert(*a, k.clone());
        }
        l
    }

    pub fn block(&self, gas_limit: u64) -> StoredBlock {
        let ledger = self.ledger();
        StoredBlock {
            header: Header {
                parent_hash: B256::ZERO,
                number: 0,
                timestamp_ms: self.timestamp_ms,
                proposer: Address::ZERO,
                transactions_root: alloy_trie::EMPTY_ROOT_HASH,
                state_root: ledger.root(),
                receipts_root: alloy_trie::EMPTY_ROOT_HASH,
                logs_bloom: Bloom::ZERO,
                gas_limit,
                gas_used: 0,
                base_fee: INITIAL_BASE_FEE,
                blob_gas_used: 0,
                excess_blob_gas: 0,
            },
            txs: vec![],
        }
    }
}

/// A verified, not yet finalized block with its post-state.
#[derive(Debug)]
pub struct PendingBlock {
    pub block: Block,
    pub stored: StoredBlock,
    pub hash: B256,
    pub senders: Vec<Address>,
    pub receipts: Vec<ReceiptEnvelope>,
    pub ledger: Arc<Ledger>,
    pub changes: Changes,
}

#[derive(Clone, Debug)]
struct Head {
    hash: B256,
    header: Header,
    ledger: Arc<Ledger>,
}

#[derive(Debug, Default)]
struct Pool {
    txs: TxPool,
    /// Sidecars of pooled blob transactions (shared: block building clones only what it includes).
    sidecars: HashMap<B256, Arc<Sidecar>>,
}

/// Heads as JSON-RPC names them. Simplex finality is immediate (no notarized-but-unfinal state
/// is served), so `latest`, `safe` and `finalized` are the same block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Heads {
    pub latest: (u64, B256),
    pub safe: (u64, B256),
    pub finalized: (u64, B256),
}

pub struct Settlement {
    config: SettlementConfig,
    store: Store,
    verifier: BlobVerifier,
    genesis_hash: B256,
    head: RwLock<Head>,
    pending: RwLock<HashMap<B256, Arc<PendingBlock>>>,
    pool: Mutex<Pool>,
    finalize_lock: Mutex<()>,
    /// Bumped on every admitted transaction (the dev producer waits on it).
    arrivals: (Mutex<u64>, Condvar),
    /// New finalized heads (for subscribers).
    pub finalized_tx: tokio::sync::broadcast::Sender<(u64, B256)>,
    /// Pooled transactions in network form, re-admitted after a restart.
    journal: PoolJournal,
    /// Height of the last fsynced finalization and when it was synced.
    durable: Mutex<(u64, std::time::Instant)>,
}

impl std::fmt::Debug for Settlement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settlement").field("config", &self.config).finish_non_exhaustive()
    }
}

fn receipt_envelope(ty: TxType, success: bool, cumulative: u64, logs: Vec<alloy_primitives::Log>) -> ReceiptEnvelope {
    let r = Receipt { status: Eip658Value::Eip658(success), cumulative_gas_used: cumulative, logs }.with_bloom();
    match ty {
        TxType::Legacy => ReceiptEnvelope::Legacy(r),
        TxType::Eip2930 => ReceiptEnvelope::Eip2930(r),
        TxType::Eip1559 => ReceiptEnvelope::Eip1559(r),
        TxType::Eip4844 => ReceiptEnvelope::Eip4844(r),
        TxType::Eip7702 => ReceiptEnvelope::Eip7702(r),
    }
}

/// Output of executing a list of transactions on a parent.
struct Executed {
    txs: Vec<TxEnvelope>,
    senders: Vec<Address>,
    receipts: Vec<ReceiptEnvelope>,
    ledger: Ledger,
    changes: Changes,
    gas_used: u64,
    blob_gas_used: u64,
    bloom: Bloom,
}

impl Executed {
    fn new(ledger: Ledger) -> Self {
        Executed {
            txs: vec![],
            senders: vec![],
            receipts: vec![],
            ledger,
            changes: Changes::default(),
            gas_used: 0,
            blob_gas_used: 0,
            bloom: Bloom::ZERO,
        }
    }

    fn push(&mut self, env: &BlockEnv, gas_limit: u64, tx: &TxEnvelope, sender: Address) -> Result<(), TxInvalid> {
        let out =
            apply_tx(&mut self.ledger, env, tx, sender, *tx.tx_hash(), gas_limit - self.gas_used, &mut self.changes)?;
        self.gas_used += out.gas_used;
        self.blob_gas_used += out.blob_gas_used;
        let r = receipt_envelope(tx.tx_type(), out.success, self.gas_used, out.logs);
        self.bloom |= r.logs_bloom();
        self.receipts.push(r);
        self.txs.push(tx.clone());
        self.senders.push(sender);
        Ok(())
    }
}

fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

fn header_err(field: &'static str, expected: impl std::fmt::Display, got: impl std::fmt::Display) -> BlockError {
    BlockError::Header { field, expected: expected.to_string(), got: got.to_string() }
}

impl Settlement {
    /// Opens (or creates) the chain in `config.datadir`. On an existing directory it resumes at
    /// the last finalized block after checking the stored state against its state root.
    pub fn open(config: SettlementConfig, genesis: Genesis) -> Result<Arc<Settlement>, SettlementError> {
        let store = Store::open(&config.datadir)?;
        let gblock = genesis.block(config.gas_limit);
        let genesis_hash = gblock.header.hash();
        let (head_hash, header, ledger) = match store.finalized()? {
            None => {
                let ledger = genesis.ledger();
                store.write_genesis(&gblock, &ledger)?;
                (genesis_hash, gblock.header.clone(), ledger)
            }
            Some((n, hash)) => {
                let stored_genesis = store.block(0)?.map(|b| b.hash).unwrap_or_default();
                if stored_genesis != genesis_hash {
                    return Err(SettlementError::GenesisMismatch { stored: stored_genesis, configured: genesis_hash });
                }
                let b =
                    store.block(n)?.ok_or_else(|| SettlementError::Storage(format!("finalized block {n} missing")))?;
                if b.hash != hash {
                    return Err(SettlementError::Storage(format!("finalized block {n} hash mismatch")));
                }
                let ledger = store.load_ledger()?;
                let computed = ledger.root();
                if computed != b.block.header.state_root {
                    return Err(SettlementError::StateRootMismatch {
                        height: n,
                        header: b.block.header.state_root,
                        computed,
                    });
                }
                (hash, b.block.header, ledger)
            }
        };
        let head_number = header.number;
        let engine = config.engine.clone().unwrap_or_else(|| Arc::new(gloam_engine::Engine::cpu_only()));
        let verifier = BlobVerifier::new(engine, config.kzg_cache_entries);
        let pool = Pool { txs: TxPool::new(config.pool.clone()), sidecars: HashMap::new() };
        let (finalized_tx, _) = tokio::sync::broadcast::channel(256);
        let journal = PoolJournal::with_compact_min(config.datadir.join("pool.journal"), JOURNAL_COMPACT_MIN);
        let s = Arc::new(Settlement {
            config,
            store,
            verifier,
            genesis_hash,
            head: RwLock::new(Head { hash: head_hash, header, ledger: Arc::new(ledger) }),
            pending: RwLock::new(HashMap::new()),
            pool: Mutex::new(pool),
            finalize_lock: Mutex::new(()),
            arrivals: (Mutex::new(0), Condvar::new()),
            finalized_tx,
            journal,
            durable: Mutex::new((head_number, std::time::Instant::now())),
        });
        s.recover_pool();
        Ok(s)
    }

    /// Re-admits the transactions journaled before a restart (crash or clean) in one batch
    /// (one sender recovery, one KZG batch), then rewrites the journal with the survivors.
    fn recover_pool(&self) {
        let records = self.journal.read();
        let restored = self.admit_batch(&records, false).iter().filter(|r| r.is_ok()).count();
        self.journal_rewrite();
        if restored > 0 {
            tracing::info!(restored, of = records.len(), "settlement pool restored from journal");
        }
    }

    /// Replaces the journal with exactly the pool's transactions, in network form.
    fn journal_rewrite(&self) {
        self.journal.rewrite(|| {
            let pool = self.pool.lock();
            pool.txs
                .all()
                .iter()
                .filter_map(|t| {
                    let sc = pool.sidecars.get(&t.hash).map(|s| (**s).clone());
                    join_tx(t.tx.clone(), sc).ok().map(|n| alloy_eips::eip2718::Encodable2718::encoded_2718(&n))
                })
                .collect()
        });
    }

    /// Records in the pool journal (survivors of the last rewrite plus appends since).
    pub fn journal_records(&self) -> usize {
        self.journal.records()
    }

    /// Flushes and syncs the pool journal and the store (clean shutdown).
    pub fn shutdown(&self) {
        self.journal.sync();
        if let Err(e) = self.flush() {
            tracing::error!(error = %e, "settlement store sync at shutdown failed");
        }
    }

    /// Makes every finalization so far durable (fsync), if any is not yet.
    pub fn flush(&self) -> Result<(), SettlementError> {
        let _g = self.finalize_lock.lock();
        let head = self.head.read().header.number;
        let mut d = self.durable.lock();
        if d.0 < head {
            self.store.sync()?;
            *d = (head, std::time::Instant::now());
        }
        Ok(())
    }

    /// [`Settlement::flush`] once the deferred policy's delay has passed since the last sync
    /// (a node calls this periodically so a quiet chain does not keep an unsynced tail).
    pub fn flush_if_due(&self) -> Result<(), SettlementError> {
        if let SyncPolicy::Deferred { max_delay, .. } = self.config.sync {
            if self.durable.lock().1.elapsed() >= max_delay {
                return self.flush();
            }
        }
        Ok(())
    }

    /// Height of the last finalization known to be on disk.
    pub fn durable_height(&self) -> u64 {
        self.durable.lock().0
    }

    pub fn config(&self) -> &SettlementConfig {
        &self.config
    }

    pub fn chain_id(&self) -> u64 {
        self.config.chain_id
    }

    pub fn genesis_hash(&self) -> B256 {
        self.genesis_hash
    }

    /// The blob verifier (its KZG setup and counters).
    pub fn verifier(&self) -> &BlobVerifier {
        &self.verifier
    }

    pub fn heads(&self) -> Heads {
        let h = self.head.read();
        let x = (h.header.number, h.hash);
        Heads { latest: x, safe: x, finalized: x }
    }

    pub fn last_finalized_height(&self) -> u64 {
        self.head.read().header.number
    }

    pub fn finalized_header(&self) -> (B256, Header) {
        let h = self.head.read();
        (h.hash, h.header.clone())
    }

    /// The finalized ledger.
    pub fn ledger(&self) -> Arc<Ledger> {
        self.head.read().ledger.clone()
    }

    /// Base fee, excess blob gas and blob base fee of the block after `parent`.
    pub fn next_fees(parent: &Header) -> (u64, u64, u128) {
        let base = next_base_fee(parent.base_fee, parent.gas_used, parent.gas_limit);
        let excess = next_excess_blob_gas(parent.excess_blob_gas, parent.blob_gas_used);
        (base, excess, blob_base_fee(excess))
    }

    /// Base fee of the next block on the finalized head.
    pub fn next_base_fee(&self) -> u64 {
        Self::next_fees(&self.head.read().header).0
    }

    /// Blob base fee of the next block on the finalized head.
    pub fn next_blob_base_fee(&self) -> u128 {
        Self::next_fees(&self.head.read().header).2
    }

    // ---- pool ----

    /// Admits one raw transaction (network form).
    pub fn submit_raw(&self, raw: &[u8]) -> Result<B256, SubmitError> {
        self.submit_raw_batch(&[raw.to_vec()]).pop().unwrap_or(Err(SubmitError::ShuttingDown))
    }

    /// Admits a batch: decoding and cheap checks, one batched sender recovery, the state checks,
    /// then ONE batched KZG verification over all sidecar blobs of the batch not verified
    /// before. `result[i]` belongs to `raws[i]`.
    pub fn submit_raw_batch(&self, raws: &[Vec<u8>]) -> Vec<Result<B256, SubmitError>> {
        self.admit_batch(raws, true)
    }

    fn admit_batch(&self, raws: &[Vec<u8>], journal: bool) -> Vec<Result<B256, SubmitError>> {
        let mut out: Vec<Option<Result<B256, SubmitError>>> = vec![None; raws.len()];
        let mut cands: Vec<(usize, TxEnvelope, Option<Sidecar>)> = Vec::new();
        for (i, raw) in raws.iter().enumerate() {
            let r = (|| -> Result<(TxEnvelope, Option<Sidecar>), SubmitError> {
                let (tx, sc) = split_tx(decode_net_tx(raw)?);
                stateless_checks(&tx, self.config.chain_id)?;
                if let Some(sc) = &sc {
                    check_sidecar(&tx, sc)?;
                }
                Ok((tx, sc))
            })();
            match r {
                Ok((tx, sc)) => cands.push((i, tx, sc)),
                Err(e) => out[i] = Some(Err(e)),
            }
        }
        let senders = gloam_evm::recover::recover_senders(&cands.iter().map(|c| &c.1).collect::<Vec<_>>());
        let (base_fee, blob_fee) = {
            let h = self.head.read();
            let f = Self::next_fees(&h.header);
            (f.0, f.2)
        };
        let ledger = self.ledger();
        let mut checked: Vec<(usize, TxEnvelope, Option<Sidecar>, Address)> = Vec::new();
        {
            let pool = self.pool.lock();
            for ((i, tx, sc), s) in cands.into_iter().zip(senders) {
                let r = (|| -> Result<Address, SubmitError> {
                    let sender = s.map_err(TxInvalid::Signature)?;
                    if pool.txs.get(tx.tx_hash()).is_some() {
                        return Err(gloam_evm::pool::PoolError::AlreadyKnown.into());
                    }
                    let acc = ledger.account(&sender);
                    if tx.nonce() < acc.nonce {
                        return Err(gloam_evm::pool::PoolError::NonceTooLow { next: acc.nonce, got: tx.nonce() }.into());
                    }
                    if tx.max_fee_per_gas() < base_fee as u128 {
                        return Err(TxInvalid::FeeCapTooLow { max_fee: tx.max_fee_per_gas(), base_fee }.into());
                    }
                    if blob_count(&tx) > 0 && tx.max_fee_per_blob_gas().unwrap_or(0) < blob_fee {
                        return Err(TxInvalid::BlobFeeCapTooLow {
                            max_fee: tx.max_fee_per_blob_gas().unwrap_or(0),
                            blob_base_fee: blob_fee,
                        }
                        .into());
                    }
                    let want = upfront_cost(&tx);
                    if acc.balance < want {
                        return Err(TxInvalid::InsufficientFunds { have: acc.balance, want }.into());
                    }
                    Ok(sender)
                })();
                match r {
                    Ok(sender) => checked.push((i, tx, sc, sender)),
                    Err(e) => out[i] = Some(Err(e)),
                }
            }
        }
        // KZG last, one batch for the whole submission.
        let blob_idx: Vec<usize> = (0..checked.len()).filter(|k| checked[*k].2.is_some()).collect();
        let groups: Vec<Vec<crate::blobs::BlobRef<'_>>> =
            blob_idx.iter().map(|k| refs(checked[*k].2.as_ref().expect("blob tx"))).collect();
        let results = self.verifier.verify_groups(&groups);
        drop(groups);
        let mut bad: HashMap<usize, BlobError> = HashMap::new();
        for (k, r) in blob_idx.into_iter().zip(results) {
            if let Err(e) = r {
                let e = match e {
                    BlobError::InvalidProof { .. } => BlobError::InvalidProof { tx: *checked[k].1.tx_hash() },
                    e => e,
                };
                bad.insert(k, e);
            }
        }
        let mut admitted = 0;
        {
            let mut pool = self.pool.lock();
            for (k, (i, tx, sc, sender)) in checked.into_iter().enumerate() {
                if let Some(e) = bad.remove(&k) {
                    out[i] = Some(Err(e.into()));
                    continue;
                }
                let hash = *tx.tx_hash();
                if let Some(sc) = &sc {
                    let held: usize = pool.sidecars.values().map(|s| s.blobs().len()).sum();
                    if held + sc.blobs().len() > self.config.max_pooled_blobs {
                        out[i] = Some(Err(SubmitError::BlobPoolFull { limit: self.config.max_pooled_blobs }));
                        continue;
                    }
                }
                let acc = ledger.account(&sender);
                match pool.txs.insert(RecoveredTx { tx, sender, hash }, acc.nonce, acc.balance, base_fee) {
                    Ok(replaced) => {
                        if let Some(old) = replaced {
                            pool.sidecars.remove(&old);
                        }
                        if let Some(sc) = sc {
                            pool.sidecars.insert(hash, Arc::new(sc));
                        }
                        admitted += 1;
                        out[i] = Some(Ok(hash));
                    }
                    Err(e) => out[i] = Some(Err(e.into())),
                }
            }
        }
        if admitted > 0 && journal {
            for (raw, r) in raws.iter().zip(&out) {
                if matches!(r, Some(Ok(_))) {
                    self.journal.append(raw);
                }
            }
            self.journal.flush();
        }
        if admitted > 0 {
            let mut n = self.arrivals.0.lock();
            *n += admitted;
            self.arrivals.1.notify_all();
        }
        out.into_iter().map(|r| r.unwrap_or(Err(SubmitError::ShuttingDown))).collect()
    }

    pub fn pool_len(&self) -> usize {
        self.pool.lock().txs.len()
    }

    /// A pooled transaction and its sender.
    pub fn pooled(&self, hash: &B256) -> Option<(TxEnvelope, Address)> {
        self.pool.lock().txs.get(hash).map(|t| (t.tx.clone(), t.sender))
    }

    /// Next nonce of `a`: the finalized state's, or counting contiguous pool entries.
    pub fn nonce(&self, a: &Address, pending: bool) -> u64 {
        let n = self.ledger().account(a).nonce;
        if pending {
            self.pool.lock().txs.pending_nonce(a, n)
        } else {
            n
        }
    }

    /// Waits until a transaction arrives after `seen` (returns the new count) or `timeout`.
    pub fn wait_arrivals(&self, seen: u64, timeout: Duration) -> u64 {
        let mut n = self.arrivals.0.lock();
        if *n == seen {
            self.arrivals.1.wait_for(&mut n, timeout);
        }
        *n
    }

    pub fn arrivals(&self) -> u64 {
        *self.arrivals.0.lock()
    }

    // ---- blocks ----

    /// Header and post-state of a block blocks may be built or verified on.
    fn parent_state(&self, parent: &B256, number_hint: Option<u64>) -> Result<(Header, Arc<Ledger>), BlockError> {
        {
            let h = self.head.read();
            if h.hash == *parent {
                return Ok((h.header.clone(), h.ledger.clone()));
            }
        }
        if let Some(p) = self.pending.read().get(parent) {
            return Ok((p.stored.header.clone(), p.ledger.clone()));
        }
        if let Ok(Some(_)) = self.store.number_of(parent) {
            return Err(BlockError::BelowFinalized {
                number: number_hint.unwrap_or_default(),
                finalized: self.last_finalized_height(),
            });
        }
        Err(BlockError::UnknownParent(*parent))
    }

    /// Builds a block on `parent` (the finalized head or a verified unfinalized block) from the
    /// pool's transactions valid there; returns it encoded in network form. It is kept as a
    /// pending block with its post-state, so [`Settlement::verify_block`] on it returns its hash
    /// without executing it again, and blocks can be built on it.
    pub fn build_block(&self, parent: B256, timestamp_ms: u64, proposer: Address) -> Result<Vec<u8>, SettlementError> {
        self.check_pending_room()?;
        let (ph, pledger) = self.parent_state(&parent, None)?;
        if timestamp_ms <= ph.timestamp_ms {
            return Err(SettlementError::Timestamp { timestamp_ms, parent_ms: ph.timestamp_ms });
        }
        let (base_fee, excess, blob_fee) = Self::next_fees(&ph);
        let env = BlockEnv {
            chain_id: self.config.chain_id,
            number: ph.number + 1,
            proposer,
            base_fee,
            blob_base_fee: blob_fee,
        };
        let (ready, sidecars) = {
            let pool = self.pool.lock();
            let ready = pool.txs.ready(|a| pledger.account(a).nonce, base_fee, self.config.gas_limit);
            let sidecars: HashMap<B256, Arc<Sidecar>> =
                ready.iter().filter_map(|t| pool.sidecars.get(&t.hash).map(|s| (t.hash, s.clone()))).collect();
            (ready, sidecars)
        };
        let max_blobs = self.config.max_blobs_per_block.min(MAX_BLOBS_PER_BLOCK);
        let mut ex = Executed::new((*pledger).clone());
        let mut skipped: HashSet<Address> = HashSet::new();
        let mut net: Vec<NetTx> = Vec::new();
        for t in ready {
            if skipped.contains(&t.sender) {
                continue;
            }
            let n = blob_count(&t.tx) as u64;
            let sc = sidecars.get(&t.hash);
            if (n > 0 && sc.is_none()) || ex.blob_gas_used / GAS_PER_BLOB + n > max_blobs {
                skipped.insert(t.sender);
                continue;
            }
            match ex.push(&env, self.config.gas_limit, &t.tx, t.sender) {
                Ok(()) => {
                    let sc = sc.map(|s| Sidecar::clone(s));
                    net.push(crate::types::join_tx(t.tx.clone(), sc).map_err(BlockError::Decode)?)
                }
                Err(_) => {
                    skipped.insert(t.sender);
                }
            }
        }
        self.end_block(&mut ex, ph.number + 1);
        let header = Header {
            parent_hash: parent,
            number: ph.number + 1,
            timestamp_ms,
            proposer,
            transactions_root: alloy_consensus::proofs::calculate_transaction_root(&ex.txs),
            state_root: ex.ledger.root(),
            receipts_root: alloy_consensus::proofs::calculate_receipt_root(&ex.receipts),
            logs_bloom: ex.bloom,
            gas_limit: self.config.gas_limit,
            gas_used: ex.gas_used,
            base_fee,
            blob_gas_used: ex.blob_gas_used,
            excess_blob_gas: excess,
        };
        // The block's post-state is already here: keep it as a pending block, so the proposer's
        // own `verify_block` (and its children's `build_block`) find it instead of re-executing.
        let block = Block { header, txs: net };
        let encoded = block.encode();
        let hash = block.hash();
        let stored = StoredBlock { header: block.header.clone(), txs: ex.txs };
        let pb = PendingBlock {
            block,
            stored,
            hash,
            senders: ex.senders,
            receipts: ex.receipts,
            ledger: Arc::new(ex.ledger),
            changes: ex.changes,
        };
        self.pending.write().insert(hash, Arc::new(pb));
        Ok(encoded)
    }

    /// State changes at the end of block `number` after its transactions: the last block of
    /// an epoch records the next epoch's committee.
    fn end_block(&self, ex: &mut Executed, number: u64) {
        let len = self.config.epoch_length.max(2);
        if (number + 1).is_multiple_of(len) {
            let epoch = (number + 1) / len;
            ex.ledger.snapshot_committee(
                epoch,
                self.config.min_validator_stake,
                self.config.max_committee,
                &mut ex.changes,
            );
        }
    }

    /// Committee of `epoch` (≥ 1) with the members' registered keys, as recorded in the finalized
    /// ledger; `None` until the last block of epoch `epoch − 1` is finalized (epoch 0 is the
    /// consensus config's genesis list).
    pub fn committee(&self, epoch: u64) -> Option<Vec<(crate::types::CommitteeMember, crate::types::ValidatorKeys)>> {
        let l = self.ledger();
        let members = l.committees.get(&epoch)?;
        Some(members.iter().filter_map(|m| l.registry.get(&m.address).map(|k| (m.clone(), k.clone()))).collect())
    }

    fn check_pending_room(&self) -> Result<(), SettlementError> {
        let limit = self.config.max_pending_blocks;
        if self.pending.read().len() >= limit {
            return Err(SettlementError::TooManyPending { limit });
        }
        Ok(())
    }

    /// Verifies a block in network form on its parent's state and keeps it (with its post-state)
    /// for finalization. Already-known blocks return their hash. Checks: decoding, parent known,
    /// number, timestamp, gas limit, base fee, excess blob gas, sidecars (cheap checks, then ONE
    /// batched KZG call over every blob the cache does not have), senders, execution, gas used,
    /// blob gas used, transactions / receipts / state roots and bloom.
    pub fn verify_block(&self, encoded: &[u8]) -> Result<B256, SettlementError> {
        let block = Block::decode(encoded).map_err(BlockError::Decode)?;
        let hash = block.hash();
        if self.pending.read().contains_key(&hash) || self.store.number_of(&hash)?.is_some() {
            return Ok(hash);
        }
        self.check_pending_room()?;
        let h = &block.header;
        let (ph, pledger) = self.parent_state(&h.parent_hash, Some(h.number))?;
        if h.number != ph.number + 1 {
            return Err(header_err("number", ph.number + 1, h.number).into());
        }
        if h.timestamp_ms <= ph.timestamp_ms {
            return Err(header_err("timestamp", format!("> {}", ph.timestamp_ms), h.timestamp_ms).into());
        }
        if h.gas_limit != self.config.gas_limit {
            return Err(header_err("gas_limit", self.config.gas_limit, h.gas_limit).into());
        }
        let (base_fee, excess, blob_fee) = Self::next_fees(&ph);
        if h.base_fee != base_fee {
            return Err(header_err("base_fee", base_fee, h.base_fee).into());
        }
        if h.excess_blob_gas != excess {
            return Err(header_err("excess_blob_gas", excess, h.excess_blob_gas).into());
        }
        // Cheap sidecar checks.
        let mut total_blobs = 0u64;
        let mut canon: Vec<TxEnvelope> = Vec::with_capacity(block.txs.len());
        let mut groups = Vec::new();
        let mut group_tx = Vec::new();
        for (i, t) in block.txs.iter().enumerate() {
            let tx = crate::types::canonical(t);
            if let alloy_consensus::EthereumTxEnvelope::Eip4844(s) = t {
                check_sidecar(&tx, &s.tx().sidecar).map_err(|e| BlockError::Tx { index: i, err: e.into() })?;
                total_blobs += s.tx().sidecar.blobs().len() as u64;
                groups.push(refs(&s.tx().sidecar));
                group_tx.push(*tx.tx_hash());
            }
            canon.push(tx);
        }
        let max_blobs = self.config.max_blobs_per_block.min(MAX_BLOBS_PER_BLOCK);
        if total_blobs > max_blobs {
            return Err(BlockError::Blob(BlobError::TooManyBlobsInBlock { got: total_blobs, limit: max_blobs }).into());
        }
        // Senders (one batch), execution, roots.
        let senders = gloam_evm::recover::recover_senders(&canon.iter().collect::<Vec<_>>());
        let env = BlockEnv {
            chain_id: self.config.chain_id,
            number: h.number,
            proposer: h.proposer,
            base_fee,
            blob_base_fee: blob_fee,
        };
        let mut ex = Executed::new((*pledger).clone());
        for (i, (tx, s)) in canon.iter().zip(senders).enumerate() {
            let sender = s.map_err(|e| BlockError::Tx { index: i, err: TxInvalid::Signature(e) })?;
            ex.push(&env, h.gas_limit, tx, sender).map_err(|err| BlockError::Tx { index: i, err })?;
        }
        self.end_block(&mut ex, h.number);
        if ex.gas_used != h.gas_used {
            return Err(header_err("gas_used", ex.gas_used, h.gas_used).into());
        }
        if ex.blob_gas_used != h.blob_gas_used {
            return Err(header_err("blob_gas_used", ex.blob_gas_used, h.blob_gas_used).into());
        }
        let tx_root = alloy_consensus::proofs::calculate_transaction_root(&ex.txs);
        if tx_root != h.transactions_root {
            return Err(header_err("transactions_root", tx_root, h.transactions_root).into());
        }
        let receipts_root = alloy_consensus::proofs::calculate_receipt_root(&ex.receipts);
        if receipts_root != h.receipts_root {
            return Err(header_err("receipts_root", receipts_root, h.receipts_root).into());
        }
        if ex.bloom != h.logs_bloom {
            return Err(header_err("logs_bloom", ex.bloom, h.logs_bloom).into());
        }
        let state_root = ex.ledger.root();
        if state_root != h.state_root {
            return Err(header_err("state_root", state_root, h.state_root).into());
        }
        // KZG last: one batch over the block's blobs the cache has not seen.
        for (r, txh) in self.verifier.verify_groups(&groups).into_iter().zip(&group_tx) {
            r.map_err(|e| match e {
                BlobError::InvalidProof { .. } => BlockError::Blob(BlobError::InvalidProof { tx: *txh }),
                e => BlockError::Blob(e),
            })?;
        }
        drop(groups);
        let stored = StoredBlock { header: block.header.clone(), txs: ex.txs };
        let pb = PendingBlock {
            block,
            stored,
            hash,
            senders: ex.senders,
            receipts: ex.receipts,
            ledger: Arc::new(ex.ledger),
            changes: ex.changes,
        };
        self.pending.write().insert(hash, Arc::new(pb));
        Ok(hash)
    }

    /// The hash of an encoded block without verifying it (the digest consensus orders). Fails on
    /// undecodable input.
    pub fn block_hash_of(encoded: &[u8]) -> Result<B256, BlockError> {
        Ok(Block::decode(encoded)?.hash())
    }

    /// A verified unfinalized block in network form (sidecars attached), for relaying it to
    /// other validators; `None` if unknown or already finalized.
    pub fn encoded_pending_block(&self, hash: &B256) -> Option<Vec<u8>> {
        self.pending.read().get(hash).map(|p| p.block.encode())
    }

    /// Unfinalized verified blocks.
    pub fn pending_blocks(&self) -> Vec<(u64, B256)> {
        let mut v: Vec<(u64, B256)> = self.pending.read().values().map(|p| (p.stored.header.number, p.hash)).collect();
        v.sort();
        v
    }

    /// Finalizes `hash` (and any unfinalized ancestors) in one atomic redb write, prunes
    /// siblings and sidecars past the retention window. A finalized block is a no-op.
    pub fn finalize(&self, hash: B256, certificate: &[u8]) -> Result<(), SettlementError> {
        let _g = self.finalize_lock.lock();
        if self.store.number_of(&hash)?.is_some() {
            return Ok(());
        }
        let head_hash = self.head.read().hash;
        let mut chain: Vec<Arc<PendingBlock>> = Vec::new();
        {
            let pending = self.pending.read();
            let mut cur = hash;
            while cur != head_hash {
                match pending.get(&cur) {
                    Some(p) => {
                        cur = p.stored.header.parent_hash;
                        chain.push(p.clone());
                    }
                    None if chain.is_empty() => return Err(SettlementError::UnknownBlock(hash)),
                    None => return Err(SettlementError::NotOnFinalizedChain { hash }),
                }
            }
        }
        chain.reverse();
        let mut changes = Changes::default();
        let mut items = Vec::with_capacity(chain.len());
        for p in &chain {
            changes.merge(&p.changes);
            let mut blobs = Vec::new();
            for t in &p.block.txs {
                if let alloy_consensus::EthereumTxEnvelope::Eip4844(s) = t {
                    blobs.extend(blob_records(s, p.stored.header.number, None));
                }
            }
            items.push(FinalizeItem {
                block: &p.stored,
                hash: p.hash,
                senders: &p.senders,
                receipts: &p.receipts,
                blobs,
            });
        }
        let last = chain.last().expect("non-empty chain").clone();
        let retention = (!self.config.archive).then_some(self.config.retention_blocks);
        let new_n = last.stored.header.number;
        let mut durable = self.durable.lock();
        let sync = match self.config.sync {
            SyncPolicy::EveryBlock => true,
            SyncPolicy::Deferred { max_blocks, max_delay } => {
                new_n.saturating_sub(durable.0) >= max_blocks || durable.1.elapsed() >= max_delay
            }
        };
        self.store.commit_finalized(&items, &last.ledger, &changes, certificate, retention, sync)?;
        if sync {
            *durable = (new_n, std::time::Instant::now());
        }
        drop(durable);
        drop(items);
        *self.head.write() = Head { hash: last.hash, header: last.stored.header.clone(), ledger: last.ledger.clone() };
        // Keep only descendants of the new head.
        {
            let mut pending = self.pending.write();
            let mut all: Vec<Arc<PendingBlock>> = pending.values().cloned().collect();
            all.sort_by_key(|p| p.stored.header.number);
            let mut keep: HashSet<B256> = HashSet::from([last.hash]);
            for p in &all {
                if p.stored.header.number > new_n && keep.contains(&p.stored.header.parent_hash) {
                    keep.insert(p.hash);
                }
            }
            pending.retain(|h, p| p.stored.header.number > new_n && keep.contains(h));
        }
        // Pool: drop what the finalized state made stale.
        {
            let ledger = last.ledger.clone();
            let mut pool = self.pool.lock();
            pool.txs.prune(|a| ledger.account(a).nonce);
            let Pool { txs, sidecars } = &mut *pool;
            sidecars.retain(|h, _| txs.get(h).is_some());
        }
        // Included and stale transactions stay in the append-only journal until it holds mostly
        // stale records; then it is rewritten with the pool (bounded file and restart replay).
        if self.journal.should_compact(self.pool_len()) {
            self.journal_rewrite();
        }
        let _ = self.finalized_tx.send((new_n, last.hash));
        Ok(())
    }

    // ---- queries ----

    pub fn block_by_number(&self, n: u64) -> Result<Option<FinalBlock>, SettlementError> {
        self.store.block(n)
    }

    pub fn block_by_hash(&self, hash: &B256) -> Result<Option<FinalBlock>, SettlementError> {
        match self.store.number_of(hash)? {
            Some(n) => self.store.block(n),
            None => Ok(None),
        }
    }

    /// A finalized transaction: its block and index.
    pub fn transaction(&self, hash: &B256) -> Result<Option<(FinalBlock, usize)>, SettlementError> {
        let Some((n, i)) = self.store.tx_location(hash)? else { return Ok(None) };
        Ok(self.store.block(n)?.map(|b| (b, i as usize)))
    }

    /// A blob by versioned hash: finalized storage first, then unfinalized blocks.
    pub fn blob(&self, versioned_hash: &B256) -> Result<Option<BlobRecord>, SettlementError> {
        if let Some(r) = self.store.blob(versioned_hash)? {
            return Ok(Some(r));
        }
        for p in self.pending.read().values() {
            for t in &p.block.txs {
                if let alloy_consensus::EthereumTxEnvelope::Eip4844(s) = t {
                    if let Some(r) = blob_records(s, p.stored.header.number, Some(versioned_hash)).into_iter().next() {
                        return Ok(Some(r));
                    }
                }
            }
        }
        Ok(None)
    }

    /// Stored sidecars of a finalized height, in block order.
    pub fn blobs_at(&self, n: u64) -> Result<Vec<BlobRecord>, SettlementError> {
        self.store.blobs_at(n)
    }

    /// Heights that still have sidecars in storage.
    pub fn sidecar_heights(&self) -> Result<Vec<u64>, SettlementError> {
        self.store.sidecar_heights()
    }

    pub fn certificate(&self, n: u64) -> Result<Option<Vec<u8>>, SettlementError> {
        self.store.certificate(n)
    }

    pub fn output(&self, env_id: u64, l2: u64) -> Option<OutputRecord> {
        self.ledger().outputs.get(&(env_id, l2)).cloned()
    }

    pub fn disputes(&self) -> Vec<DisputeRecord> {
        self.ledger().disputes.clone()
    }

    pub fn validators(&self) -> Vec<(Address, U256)> {
        self.ledger().validators.iter().map(|(a, s)| (*a, *s)).collect()
    }

    /// Builds, verifies and finalizes one block on the finalized head (the dev producer's step
    /// and the tests' driver). Returns the new height and hash.
    pub fn produce_block(&self, proposer: Address) -> Result<(u64, B256), SettlementError> {
        let (parent, ph) = self.finalized_header();
        let ts = now_ms().max(ph.timestamp_ms + 1);
        let enc = self.build_block(parent, ts, proposer)?;
        let hash = self.verify_block(&enc)?;
        self.finalize(hash, b"dev")?;
        Ok((ph.number + 1, hash))
    }
}
