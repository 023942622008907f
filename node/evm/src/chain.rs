//! The chain: state, store, pool and head, with block production, block import and the read
//! side RPC uses. One producer at a time (`produce_lock`); readers never wait on disk.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use alloy_consensus::{Block, BlockBody, Header, Transaction, TxEnvelope};
use alloy_eips::eip1559::BaseFeeParams;
use alloy_eips::eip2718::Decodable2718;
use alloy_primitives::{keccak256, Address, Bytes, B256, U256};
use parking_lot::{Mutex, RwLock};
use revm::context::TxEnv;
use revm::context_interface::result::ExecutionResult;
use tokio::sync::{broadcast, Notify};

use crate::exec::{self, BlockContext, Mode, RecoveredTx};
use crate::genesis::{ChainSpec, GenesisState};
use crate::journal::PoolJournal;
use crate::pool::{PoolConfig, PoolError, TxPool};
use crate::recover;
use crate::state::{AccountData, HistoricalView, StateDiff, WorldState};
use crate::store::{Store, StoreError, StoredBlock};

pub use crate::journal::JOURNAL_COMPACT_MIN;

/// How long on-demand block production lets a burst of submissions accumulate.
pub const ON_DEMAND_BATCH_WINDOW: Duration = Duration::from_millis(20);

/// geth's limit on one transaction's encoded size (4 × 32 KiB).
pub const MAX_TX_SIZE: usize = 128 * 1024;
/// EIP-3860 init-code limit.
pub const MAX_INITCODE_SIZE: usize = 2 * 24_576;

/// Why a raw transaction was refused. Messages follow geth's wording where clients match on it.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SubmitError {
    #[error("failed to decode signed transaction: {0}")]
    Decode(String),
    #[error("oversized data: transaction size {size}, limit {MAX_TX_SIZE}")]
    Oversized { size: usize },
    #[error(
        "blob transactions (type 3) are not accepted by the EVM environment; blobs go to the settlement layer (gloam settlement RPC)"
    )]
    BlobTx,
    #[error("only replay-protected (EIP-155) transactions allowed")]
    Unprotected,
    #[error("invalid chain id: have {have}, want {want}")]
    ChainId { have: u64, want: u64 },
    #[error("{0}")]
    Signature(String),
    #[error("intrinsic gas too low: gas {gas}, minimum needed {needed}")]
    IntrinsicGas { gas: u64, needed: u64 },
    #[error("exceeds block gas limit: gas {gas}, block gas limit {limit}")]
    GasLimit { gas: u64, limit: u64 },
    #[error("max priority fee per gas higher than max fee per gas")]
    TipAboveFeeCap,
    #[error("max initcode size exceeded: code size {size}, limit {MAX_INITCODE_SIZE}")]
    InitCode { size: usize },
    #[error("EIP-7702 transaction with an empty authorization list")]
    EmptyAuthorizations,
    #[error("{0}")]
    Pool(#[from] PoolError),
    #[error("the node is shutting down")]
    ShuttingDown,
}

/// A failed `eth_call` / `eth_estimateGas`.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CallError {
    #[error("execution reverted")]
    Revert(Bytes),
    #[error("{0}")]
    Halt(String),
    #[error("{0}")]
    Invalid(String),
    #[error("state at block {0} is no longer kept (this node keeps the state of the last {STATE_HISTORY} blocks)")]
    StateUnavailable(u64),
}

#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("block {number}: {reason}")]
    InvalidBlock { number: u64, reason: String },
    #[error("{0}")]
    Config(String),
}

/// Node settings.
#[derive(Clone, Debug)]
pub struct ChainConfig {
    pub datadir: PathBuf,
    pub pool: PoolConfig,
    /// Keep this many recent blocks decoded in memory for RPC.
    pub block_cache: usize,
}

/// A block the chain committed.
pub type BlockRef = Arc<StoredBlock>;

struct Head {
    state: WorldState,
    header: Header,
    hash: B256,
    /// Undo diffs of the most recent blocks (back = the head block's), for queries at recent
    /// block numbers.
    undos: VecDeque<StateDiff>,
}

/// How many recent blocks' states stay queryable (geth keeps 128 in memory as well).
pub const STATE_HISTORY: usize = 128;

/// Timing of one produced block (for logs and `gloam bench node`).
#[derive(Clone, Debug, Default)]
pub struct BlockTiming {
    pub txs: usize,
    pub gas: u64,
    pub execute: Duration,
    pub state_root: Duration,
    pub commit: Duration,
}

pub struct Chain {
    spec: ChainSpec,
    head: RwLock<Head>,
    store: Store,
    pool: Mutex<TxPool>,
    produce_lock: Mutex<()>,
    cache: Mutex<VecDeque<BlockRef>>,
    block_cache: usize,
    journal: PoolJournal,
    /// New blocks, for subscriptions and filters.
    pub blocks: broadcast::Sender<BlockRef>,
    /// Woken when the pool gains a transaction.
    pub tx_arrived: Notify,
}

impl std::fmt::Debug for Chain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Chain").field("chain_id", &self.spec.chain_id).finish_non_exhaustive()
    }
}

fn now_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

impl Chain {
    /// Opens the datadir, initialising it from `genesis` when empty. A datadir made for another
    /// chain (chain id or genesis hash) is refused.
    pub fn open(config: ChainConfig, genesis: GenesisState) -> Result<Arc<Chain>, ChainError> {
        let store = Store::open(&config.datadir)?;
        let expected_hash = genesis.spec.genesis.hash_slow();
        let (state, header) = match store.head()? {
            None => {
                store.init_genesis(genesis.spec.chain_id, &genesis.spec.genesis, &genesis.state)?;
                (genesis.state, genesis.spec.genesis.clone())
            }
            Some(n) => {
                let found = store.chain_id()?.unwrap_or_default();
                if found != genesis.spec.chain_id {
                    return Err(StoreError::ChainMismatch { found, expected: genesis.spec.chain_id }.into());
                }
                let g = store.genesis_hash()?.unwrap_or_default();
                if g != expected_hash {
                    return Err(StoreError::GenesisMismatch { found: g, expected: expected_hash }.into());
                }
                let header = store
                    .header(n)?
                    .ok_or(StoreError::Corrupt { what: "head", detail: format!("block {n} missing") })?;
                let mut state = store.load_state()?;
                let root = state.state_root();
                if root != header.state_root {
                    return Err(StoreError::Corrupt {
                        what: "state",
                        detail: format!("state root {root} does not match head block {n}'s {}", header.state_root),
                    }
                    .into());
                }
                (state, header)
            }
        };
        let mut state = state;
        let first = header.number.saturating_sub(255);
        for n in first..=header.number {
            if let Some(h) = store.header(n)? {
                state.set_block_hash(n, h.hash_slow());
            }
        }
        let hash = header.hash_slow();
        let (blocks, _) = broadcast::channel(1024);
        let journal_path = config.datadir.join("pool.journal");
        let chain = Arc::new(Chain {
            spec: genesis.spec,
            head: RwLock::new(Head { state, header, hash, undos: VecDeque::new() }),
            store,
            pool: Mutex::new(TxPool::new(config.pool.clone())),
            produce_lock: Mutex::new(()),
            cache: Mutex::new(VecDeque::new()),
            block_cache: config.block_cache.max(1),
            journal: PoolJournal::new(journal_path),
            blocks,
            tx_arrived: Notify::new(),
        });
        chain.recover_pool();
        Ok(chain)
    }

    pub fn chain_id(&self) -> u64 {
        self.spec.chain_id
    }

    pub fn genesis_hash(&self) -> B256 {
        self.spec.genesis.hash_slow()
    }

    /// Re-admits the transactions journaled before a restart (crash or clean), then starts a
    /// fresh journal holding the survivors.
    fn recover_pool(&self) {
        let mut restored = 0usize;
        for raw in self.journal.read() {
            if self.submit_raw_inner(&raw, false).is_ok() {
                restored += 1;
            }
        }
        self.journal_rewrite();
        if restored > 0 {
            tracing::info!(restored, "transaction pool restored from journal");
        }
    }

    /// Replaces the journal with exactly the pool's current transactions.
    fn journal_rewrite(&self) {
        self.journal.rewrite(|| {
            self.pool.lock().all().iter().map(|t| alloy_eips::eip2718::Encodable2718::encoded_2718(&t.tx)).collect()
        });
    }

    /// Records in the journal file (survivors of the last rewrite plus appends since).
    pub fn journal_records(&self) -> usize {
        self.journal.records()
    }

    pub fn head_header(&self) -> (Header, B256) {
        let h = self.head.read();
        (h.header.clone(), h.hash)
    }

    pub fn head_number(&self) -> u64 {
        self.head.read().header.number
    }

    /// Base fee of the next block.
    pub fn next_base_fee(&self) -> u64 {
        next_base_fee(&self.head.read().header)
    }

    pub fn pool_len(&self) -> usize {
        self.pool.lock().len()
    }

    /// Runs `f` on the latest state.
    pub fn with_state<R>(&self, f: impl FnOnce(&WorldState) -> R) -> R {
        f(&self.head.read().state)
    }

    /// The next nonce for `address`, counting pooled transactions (`pending`) or not (`latest`).
    pub fn nonce(&self, address: &Address, pending: bool) -> u64 {
        let n = self.head.read().state.nonce(address);
        if pending {
            self.pool.lock().pending_nonce(address, n)
        } else {
            n
        }
    }

    // ---------------------------------------------------------------- submission

    /// Validates and pools one raw (EIP-2718) transaction; returns its hash.
    pub fn submit_raw(&self, raw: &[u8]) -> Result<B256, SubmitError> {
        let r = self.submit_raw_inner(raw, true);
        if r.is_ok() {
            self.journal.flush();
        }
        r
    }

    fn decode_checked(&self, raw: &[u8]) -> Result<TxEnvelope, SubmitError> {
        if raw.len() > MAX_TX_SIZE {
            return Err(SubmitError::Oversized { size: raw.len() });
        }
        if raw.first() == Some(&3) {
            return Err(SubmitError::BlobTx);
        }
        let tx = TxEnvelope::decode_2718_exact(raw).map_err(|e| SubmitError::Decode(e.to_string()))?;
        self.stateless_checks(&tx)?;
        Ok(tx)
    }

    fn stateless_checks(&self, tx: &TxEnvelope) -> Result<(), SubmitError> {
        if tx.is_eip4844() {
            return Err(SubmitError::BlobTx);
        }
        match tx.chain_id() {
            None => return Err(SubmitError::Unprotected),
            Some(c) if c != self.spec.chain_id => {
                return Err(SubmitError::ChainId { have: c, want: self.spec.chain_id })
            }
            _ => {}
        }
        // Constant per chain (import enforces it), so no lock on the hot admission path.
        let gas_limit = self.spec.genesis.gas_limit;
        if tx.gas_limit() > gas_limit {
            return Err(SubmitError::GasLimit { gas: tx.gas_limit(), limit: gas_limit });
        }
        if let Some(tip) = tx.max_priority_fee_per_gas() {
            if tip > tx.max_fee_per_gas() {
                return Err(SubmitError::TipAboveFeeCap);
            }
        }
        if tx.is_create() && tx.input().len() > MAX_INITCODE_SIZE {
            return Err(SubmitError::InitCode { size: tx.input().len() });
        }
        if let TxEnvelope::Eip7702(s) = tx {
            if s.tx().authorization_list.is_empty() {
                return Err(SubmitError::EmptyAuthorizations);
            }
        }
        let needed = intrinsic_gas(tx);
        if tx.gas_limit() < needed {
            return Err(SubmitError::IntrinsicGas { gas: tx.gas_limit(), needed });
        }
        Ok(())
    }

    fn submit_raw_inner(&self, raw: &[u8], journal: bool) -> Result<B256, SubmitError> {
        let tx = self.decode_checked(raw)?;
        let sender = recover::recover_senders(&[&tx]).pop().expect("one result");
        let sender = sender.map_err(SubmitError::Signature)?;
        let hash = *tx.tx_hash();
        self.admit(RecoveredTx { tx, sender, hash }, journal.then_some(raw))
    }

    fn admit(&self, rtx: RecoveredTx, raw: Option<&[u8]>) -> Result<B256, SubmitError> {
        let hash = rtx.hash;
        let (nonce, balance, base_fee) = {
            let h = self.head.read();
            (h.state.nonce(&rtx.sender), h.state.balance(&rtx.sender), next_base_fee(&h.header))
        };
        self.pool.lock().insert(rtx, nonce, balance, base_fee)?;
        if let Some(raw) = raw {
            self.journal.append(raw);
        }
        self.tx_arrived.notify_one();
        Ok(hash)
    }

    /// Many raw transactions at once: one batched sender recovery, then admission in order.
    pub fn submit_raw_batch(&self, raws: &[Vec<u8>]) -> Vec<Result<B256, SubmitError>> {
        let decoded: Vec<Result<TxEnvelope, SubmitError>> = raws.iter().map(|r| self.decode_checked(r)).collect();
        let ok: Vec<&TxEnvelope> = decoded.iter().filter_map(|d| d.as_ref().ok()).collect();
        let mut senders = recover::recover_senders(&ok).into_iter();
        let out = decoded
            .into_iter()
            .zip(raws)
            .map(|(d, raw)| {
                let tx = d?;
                let sender = senders.next().expect("one per decoded tx").map_err(SubmitError::Signature)?;
                let hash = *tx.tx_hash();
                self.admit(RecoveredTx { tx, sender, hash }, Some(raw))
            })
            .collect();
        self.journal.flush();
        out
    }

    // ---------------------------------------------------------------- production

    fn next_context(&self, head: &Head, timestamp: Option<u64>) -> BlockContext {
        let parent = &head.header;
        let number = parent.number + 1;
        let mut seed = head.hash.to_vec();
        seed.extend_from_slice(&number.to_be_bytes());
        BlockContext {
            number,
            timestamp: timestamp.unwrap_or_else(|| now_secs().max(parent.timestamp + 1)),
            beneficiary: Address::ZERO,
            gas_limit: parent.gas_limit,
            base_fee: next_base_fee(parent),
            prev_randao: keccak256(&seed),
            parent_hash: head.hash,
            parent_beacon_block_root: B256::ZERO,
            chain_id: self.spec.chain_id,
        }
    }

    /// Lets a burst of submissions settle before building a block on demand: returns once the
    /// pool has not grown for `SETTLE_QUIET`, or after `window`. Bigger blocks amortise the
    /// per-block state root and the fsync of the commit; a lone transaction waits `SETTLE_QUIET`.
    pub fn settle(&self, window: Duration) {
        const SETTLE_QUIET: Duration = Duration::from_millis(4);
        let start = Instant::now();
        let mut last = self.pool_len();
        let mut last_change = Instant::now();
        while start.elapsed() < window && last_change.elapsed() < SETTLE_QUIET {
            std::thread::sleep(Duration::from_millis(1));
            let now = self.pool_len();
            if now != last {
                last = now;
                last_change = Instant::now();
            }
        }
    }

    /// Builds, executes and commits one block from the pool (possibly empty when `allow_empty`).
    /// Returns `None` if there was nothing to do.
    pub fn produce_block(&self, allow_empty: bool) -> Result<Option<(BlockRef, BlockTiming)>, ChainError> {
        let _guard = self.produce_lock.lock();
        let t0 = Instant::now();
        let (ctx, executed) = {
            let head = self.head.read();
            let ctx = self.next_context(&head, None);
            let ready = {
                let pool = self.pool.lock();
                pool.ready(|a| head.state.nonce(a), ctx.base_fee, ctx.gas_limit)
            };
            if ready.is_empty() && !allow_empty {
                return Ok(None);
            }
            let txs: Vec<RecoveredTx> = ready.iter().map(|t| (**t).clone()).collect();
            let executed = exec::execute(&head.state, &ctx, txs, Mode::Build)
                .map_err(|e| ChainError::InvalidBlock { number: ctx.number, reason: e.to_string() })?;
            (ctx, executed)
        };
        if !executed.skipped.is_empty() {
            let mut pool = self.pool.lock();
            for s in &executed.skipped {
                tracing::warn!(tx = %s.hash, sender = %s.sender, reason = %s.reason, "dropping transaction");
                pool.remove(&s.hash);
            }
        }
        if executed.txs.is_empty() && !allow_empty {
            return Ok(None);
        }
        let execute = t0.elapsed();
        let (block, timing) = self.seal_and_commit(&ctx, executed, execute, None)?;
        Ok(Some((block, timing)))
    }

    /// Applies an executed block: state root, header, store commit, head update, pool cleanup.
    /// `expected` (import) is the header the block must reproduce exactly.
    fn seal_and_commit(
        &self,
        ctx: &BlockContext,
        executed: exec::ExecutedBlock,
        execute: Duration,
        expected: Option<&Header>,
    ) -> Result<(BlockRef, BlockTiming), ChainError> {
        let exec::ExecutedBlock { mut header, txs, receipts, diff, .. } = executed;
        let mut head = self.head.write();
        if head.hash != ctx.parent_hash {
            return Err(ChainError::InvalidBlock { number: ctx.number, reason: "head moved during production".into() });
        }
        let t1 = Instant::now();
        let undo = head.state.apply_with_undo(&diff);
        header.state_root = head.state.state_root();
        let state_root = t1.elapsed();
        if let Some(exp) = expected {
            if let Err(reason) = compare_headers(exp, &header) {
                head.state.apply(&undo);
                let _ = head.state.state_root();
                return Err(ChainError::InvalidBlock { number: ctx.number, reason });
            }
            header = exp.clone();
        }
        let hash = header.hash_slow();
        let senders: Vec<Address> = txs.iter().map(|t| t.sender).collect();
        let block = Block {
            header: header.clone(),
            body: BlockBody {
                transactions: txs.iter().map(|t| t.tx.clone()).collect(),
                ommers: vec![],
                withdrawals: Some(Default::default()),
            },
        };
        let t2 = Instant::now();
        if let Err(e) = self.store.commit_block(&block, hash, &senders, &receipts, &diff) {
            head.state.apply(&undo);
            let _ = head.state.state_root();
            return Err(e.into());
        }
        let commit = t2.elapsed();
        head.header = header;
        head.hash = hash;
        head.undos.push_back(undo);
        while head.undos.len() > STATE_HISTORY {
            head.undos.pop_front();
        }
        head.state.set_block_hash(ctx.number, hash);
        let size = alloy_rlp::Encodable::length(&block);
        let stored = Arc::new(StoredBlock { block, hash, senders, receipts, size });
        drop(head);
        {
            let mut pool = self.pool.lock();
            for t in &txs {
                pool.remove(&t.hash);
            }
            let h = self.head.read();
            pool.prune(|a| h.state.nonce(a));
        }
        // Mined transactions stay in the append-only journal until it is compacted: rewrite it
        // once it holds mostly stale records, so it (and the replay on restart) stays bounded.
        if self.journal.should_compact(self.pool_len()) {
            self.journal_rewrite();
        }
        {
            let mut c = self.cache.lock();
            c.push_back(stored.clone());
            while c.len() > self.block_cache {
                c.pop_front();
            }
        }
        let _ = self.blocks.send(stored.clone());
        let timing = BlockTiming { txs: txs.len(), gas: stored.block.header.gas_used, execute, state_root, commit };
        Ok((stored, timing))
    }

    // ---------------------------------------------------------------- import

    /// Imports one block with full validation: parent, number, timestamp, gas limit, base fee,
    /// signatures (one batched recovery), execution, gas used, receipts root, bloom, state root,
    /// transactions root. The block must reproduce its header exactly.
    pub fn import_block(&self, mut block: Block<TxEnvelope>) -> Result<BlockRef, ChainError> {
        let _guard = self.produce_lock.lock();
        let number = block.header.number;
        let invalid = |reason: String| ChainError::InvalidBlock { number, reason };
        let t0 = Instant::now();
        let (ctx, executed) = {
            let head = self.head.read();
            let parent = &head.header;
            if block.header.parent_hash != head.hash {
                return Err(invalid(format!(
                    "parent hash {} is not the head {} (block {})",
                    block.header.parent_hash, head.hash, parent.number
                )));
            }
            if number != parent.number + 1 {
                return Err(invalid(format!("number follows {}", parent.number)));
            }
            if block.header.timestamp <= parent.timestamp {
                return Err(invalid("timestamp not after the parent's".into()));
            }
            if block.header.gas_limit != parent.gas_limit {
                // gloam's chains keep a constant gas limit.
                return Err(invalid(format!(
                    "gas limit {} differs from the parent's {}",
                    block.header.gas_limit, parent.gas_limit
                )));
            }
            let mut ctx = self.next_context(&head, Some(block.header.timestamp));
            ctx.beneficiary = block.header.beneficiary;
            ctx.prev_randao = block.header.mix_hash;
            ctx.parent_beacon_block_root = block.header.parent_beacon_block_root.unwrap_or_default();
            if block.header.base_fee_per_gas != Some(ctx.base_fee) {
                return Err(invalid(format!(
                    "base fee {:?} is not the expected {}",
                    block.header.base_fee_per_gas, ctx.base_fee
                )));
            }
            for tx in &block.body.transactions {
                self.stateless_checks(tx).map_err(|e| invalid(format!("transaction {}: {e}", tx.tx_hash())))?;
            }
            let txs = recover::recover_all(std::mem::take(&mut block.body.transactions))
                .map_err(|(i, e)| invalid(format!("transaction {i}: {e}")))?;
            let executed = exec::execute(&head.state, &ctx, txs, Mode::Import).map_err(|e| invalid(e.to_string()))?;
            (ctx, executed)
        };
        let (stored, _) = self.seal_and_commit(&ctx, executed, t0.elapsed(), Some(&block.header))?;
        Ok(stored)
    }

    // ---------------------------------------------------------------- reads

    pub fn block_by_number(&self, number: u64) -> Result<Option<BlockRef>, ChainError> {
        if let Some(b) = self.cache.lock().iter().rev().find(|b| b.block.header.number == number) {
            return Ok(Some(b.clone()));
        }
        if number > self.head_number() {
            return Ok(None);
        }
        Ok(self.store.block(number)?.map(Arc::new))
    }

    pub fn block_by_hash(&self, hash: &B256) -> Result<Option<BlockRef>, ChainError> {
        if let Some(b) = self.cache.lock().iter().rev().find(|b| b.hash == *hash) {
            return Ok(Some(b.clone()));
        }
        match self.store.block_number_by_hash(hash)? {
            Some(n) => self.block_by_number(n),
            None => Ok(None),
        }
    }

    /// A mined transaction: its block and index.
    pub fn transaction(&self, hash: &B256) -> Result<Option<(BlockRef, usize)>, ChainError> {
        // The index is written in the block's own commit, so it is never behind the head; the
        // block itself then usually comes from the cache.
        match self.store.tx_location(hash)? {
            Some((n, i)) => Ok(self.block_by_number(n)?.map(|b| (b, i as usize))),
            None => Ok(None),
        }
    }

    pub fn pooled(&self, hash: &B256) -> Option<Arc<RecoveredTx>> {
        self.pool.lock().get(hash)
    }

    /// The raw RLP of block `number` (export).
    pub fn block_rlp(&self, number: u64) -> Result<Option<Vec<u8>>, ChainError> {
        Ok(self.store.block_rlp(number)?)
    }

    /// Runs `f` on the state as of block `block` (`None`: latest). Recent blocks only.
    pub fn with_view<R>(&self, block: Option<u64>, f: impl FnOnce(&HistoricalView<'_>) -> R) -> Result<R, CallError> {
        let head = self.head.read();
        let head_n = head.header.number;
        let k = match block {
            None => 0,
            Some(n) if n > head_n => return Err(CallError::Invalid(format!("block {n} is not mined yet"))),
            Some(n) => (head_n - n) as usize,
        };
        if k > head.undos.len() {
            return Err(CallError::StateUnavailable(block.unwrap_or(head_n)));
        }
        let undos: Vec<&StateDiff> = head.undos.iter().skip(head.undos.len() - k).collect();
        Ok(f(&HistoricalView { latest: &head.state, undos }))
    }

    pub fn account_at(&self, address: &Address, block: Option<u64>) -> Result<Option<AccountData>, CallError> {
        self.with_view(block, |v| v.account(address))
    }

    pub fn storage_at(&self, address: &Address, slot: U256, block: Option<u64>) -> Result<U256, CallError> {
        self.with_view(block, |v| v.storage_at(address, slot))
    }

    pub fn code_at(&self, address: &Address, block: Option<u64>) -> Result<Bytes, CallError> {
        let acc = self.account_at(address, block)?;
        Ok(match acc {
            Some(a) => {
                self.with_state(|s| s.code_by_hash(&a.code_hash).map(|c| c.original_bytes()).unwrap_or_default())
            }
            None => Bytes::new(),
        })
    }

    /// The context a call at `block` runs in: that block's number, timestamp and base fee
    /// (as geth's eth_call does).
    fn call_context(&self, block: Option<u64>) -> Result<BlockContext, CallError> {
        let header = match block {
            None => self.head.read().header.clone(),
            Some(n) => self
                .block_by_number(n)
                .map_err(|e| CallError::Invalid(e.to_string()))?
                .ok_or_else(|| CallError::Invalid(format!("block {n} is not mined yet")))?
                .block
                .header
                .clone(),
        };
        let mut seed = header.parent_hash.to_vec();
        seed.extend_from_slice(&header.number.to_be_bytes());
        Ok(BlockContext {
            number: header.number,
            timestamp: header.timestamp,
            beneficiary: header.beneficiary,
            gas_limit: header.gas_limit,
            base_fee: header.base_fee_per_gas.unwrap_or(0),
            prev_randao: header.mix_hash,
            parent_hash: header.parent_hash,
            parent_beacon_block_root: header.parent_beacon_block_root.unwrap_or_default(),
            chain_id: self.spec.chain_id,
        })
    }

    /// `eth_call`: runs `env` on the state at `block` (latest when `None`) and returns the output.
    pub fn call(&self, mut env: TxEnv, block: Option<u64>) -> Result<Bytes, CallError> {
        let ctx = self.call_context(block)?;
        if env.gas_limit == 0 {
            // No gas given: the block gas limit (geth caps calls at its RPC gas cap the same way).
            env.gas_limit = ctx.gas_limit;
        }
        let r = self.with_view(block, |v| exec::simulate(v, &ctx, env, false))?;
        match r.map_err(CallError::Invalid)? {
            ExecutionResult::Success { output, .. } => Ok(output.into_data()),
            ExecutionResult::Revert { output, .. } => Err(CallError::Revert(output)),
            ExecutionResult::Halt { reason, .. } => Err(CallError::Halt(format!("{reason:?}"))),
        }
    }

    /// `eth_estimateGas`: the smallest gas limit with which `env` succeeds (binary search).
    pub fn estimate_gas(&self, mut env: TxEnv, block: Option<u64>) -> Result<u64, CallError> {
        let ctx = self.call_context(block)?;
        self.with_view(block, |view| {
            let mut hi = if env.gas_limit == 0 { ctx.gas_limit } else { env.gas_limit.min(ctx.gas_limit) };
            if env.gas_price > 0 {
                // Cap by what the caller can pay for.
                let balance = view.account(&env.caller).map(|a| a.balance).unwrap_or_default();
                let avail = balance.saturating_sub(env.value) / U256::from(env.gas_price);
                hi = hi.min(avail.try_into().unwrap_or(u64::MAX));
            }
            let run = |gas: u64, env: &mut TxEnv| {
                env.gas_limit = gas;
                exec::simulate(view, &ctx, env.clone(), false)
            };
            let first = run(hi, &mut env).map_err(CallError::Invalid)?;
            let used = match first {
                ExecutionResult::Success { ref gas, .. } => gas.tx_gas_used(),
                ExecutionResult::Revert { output, .. } => return Err(CallError::Revert(output)),
                ExecutionResult::Halt { reason, .. } => {
                    return Err(CallError::Halt(format!(
                        "gas required exceeds allowance ({hi}) or always failing: {reason:?}"
                    )))
                }
            };
            // Success at `used` is common (no refunds / 63/64 effects); try it first.
            if let Ok(ExecutionResult::Success { .. }) = run(used, &mut env) {
                return Ok(used);
            }
            let mut lo = used;
            while lo + 1 < hi {
                let mid = lo + (hi - lo) / 2;
                match run(mid, &mut env) {
                    Ok(ExecutionResult::Success { .. }) => hi = mid,
                    _ => lo = mid,
                }
            }
            Ok(hi)
        })?
    }

    /// Writes the pool to the journal on a clean shutdown.
    pub fn shutdown(&self) {
        self.journal.sync();
    }
}

/// EIP-1559 base fee of the block after `parent` (Ethereum's parameters).
pub fn next_base_fee(parent: &Header) -> u64 {
    parent.next_block_base_fee(BaseFeeParams::ethereum()).unwrap_or(0)
}

/// EIP-2028/2930/3860/7623/7702 intrinsic gas under Prague (the larger of the standard cost and
/// the calldata floor).
pub fn intrinsic_gas(tx: &TxEnvelope) -> u64 {
    let input = tx.input();
    let zeros = input.iter().filter(|b| **b == 0).count() as u64;
    let nonzeros = input.len() as u64 - zeros;
    let tokens = zeros + nonzeros * 4;
    let mut gas = 21_000 + tokens * 4;
    if tx.is_create() {
        gas += 32_000 + 2 * (input.len() as u64).div_ceil(32);
    }
    if let Some(al) = tx.access_list() {
        for item in al.iter() {
            gas += 2_400 + 1_900 * item.storage_keys.len() as u64;
        }
    }
    if let TxEnvelope::Eip7702(s) = tx {
        gas += 25_000 * s.tx().authorization_list.len() as u64;
    }
    let floor = 21_000 + tokens * 10;
    gas.max(floor)
}

fn compare_headers(expected: &Header, got: &Header) -> Result<(), String> {
    macro_rules! check {
        ($($f:ident),*) => {$(
            if expected.$f != got.$f {
                return Err(format!(concat!(stringify!($f), " mismatch: block says {:?}, execution gives {:?}"), expected.$f, got.$f));
            }
        )*};
    }
    check!(
        gas_used,
        receipts_root,
        logs_bloom,
        transactions_root,
        state_root,
        withdrawals_root,
        blob_gas_used,
        requests_hash
    );
    Ok(())
}
