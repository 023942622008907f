//! An in-memory settlement layer for tests (this crate's and the lead's): a chain of blocks
//! mined on demand, a pool keyed by (sender, nonce), the system contracts' effects
//! (`proposeOutput`, `dispute`, blob storage for every blob transaction), a finality lag, and
//! fault injection (failing calls, rejected or silently dropped transactions, tampered blobs).
//!
//! Transactions are decoded, signature-checked and (blob transactions) checked against their
//! versioned hashes exactly as a node would; blob proofs are verified when a [`KzgSettings`] is
//! given.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use alloy_consensus::{EthereumTxEnvelope, Transaction};
use alloy_eips::eip2718::Decodable2718;
use alloy_eips::eip7594::BlobTransactionSidecarVariant;
use alloy_primitives::{keccak256, Address, Bytes, B256, U256};
use gloam_kzg::{kzg_to_versioned_hash, Blob, Bytes48, KzgCommitment, KzgSettings};
use parking_lot::Mutex;

use crate::abi;
use crate::settlement::*;
use crate::tx::NetworkTx;

/// At most this many blobs per transaction (Cancun's per-block target of 6).
pub const MAX_BLOBS_PER_TX: usize = 6;

#[derive(Clone)]
pub struct FakeConfig {
    pub chain_id: u64,
    /// `finalized` (and `safe`) = latest − lag.
    pub finality_lag: u64,
    /// Mine a block after every accepted transaction.
    pub auto_mine: bool,
    /// Verify blob KZG proofs on submission.
    pub kzg: Option<Arc<KzgSettings>>,
    pub gas_price: u128,
    pub blob_base_fee: u128,
}

impl std::fmt::Debug for FakeConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeConfig").field("chain_id", &self.chain_id).field("lag", &self.finality_lag).finish()
    }
}

impl Default for FakeConfig {
    fn default() -> Self {
        FakeConfig {
            chain_id: abi::SETTLEMENT_DEV_CHAIN_ID,
            finality_lag: 0,
            auto_mine: true,
            kzg: None,
            gas_price: 1_000_000_000,
            blob_base_fee: 1,
        }
    }
}

#[derive(Clone)]
struct PoolTx {
    tx: SettlementTx,
    max_fee: u128,
    blobs: Vec<(Blob, Bytes48, Bytes48)>,
}

#[derive(Clone, Debug)]
struct FakeBlock {
    number: u64,
    hash: B256,
    parent_hash: B256,
    txs: Vec<SettlementTx>,
    blobs: Vec<BlobRecord>,
}

#[derive(Default)]
struct Faults {
    fail_calls: u32,
    reject_sends: u32,
    drop_sends: u32,
}

struct State {
    cfg: FakeConfig,
    blocks: Vec<FakeBlock>,
    pool: BTreeMap<(Address, u64), PoolTx>,
    nonces: HashMap<Address, u64>,
    receipts: HashMap<B256, ReceiptInfo>,
    blobs: HashMap<B256, BlobRecord>,
    outputs: HashMap<(u64, u64), OutputRecord>,
    disputes: Vec<DisputeRecord>,
    faults: Faults,
    tampered: HashMap<B256, Vec<u8>>,
    held: std::collections::HashSet<(Address, u64)>,
    sends: u64,
}

/// See the module docs.
pub struct FakeSettlement {
    s: Mutex<State>,
}

impl std::fmt::Debug for FakeSettlement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeSettlement").field("head", &self.head()).finish()
    }
}

fn rpc_err(message: impl Into<String>) -> SettlementError {
    SettlementError::Rpc { code: -32000, message: message.into() }
}

impl FakeSettlement {
    pub fn new(cfg: FakeConfig) -> Self {
        let genesis = FakeBlock {
            number: 0,
            hash: keccak256(b"gloam-fake-settlement-genesis"),
            parent_hash: B256::ZERO,
            txs: vec![],
            blobs: vec![],
        };
        FakeSettlement {
            s: Mutex::new(State {
                cfg,
                blocks: vec![genesis],
                pool: BTreeMap::new(),
                nonces: HashMap::new(),
                receipts: HashMap::new(),
                blobs: HashMap::new(),
                outputs: HashMap::new(),
                disputes: Vec::new(),
                faults: Faults::default(),
                tampered: HashMap::new(),
                held: Default::default(),
                sends: 0,
            }),
        }
    }

    pub fn head(&self) -> u64 {
        self.s.lock().blocks.len() as u64 - 1
    }

    pub fn set_auto_mine(&self, on: bool) {
        self.s.lock().cfg.auto_mine = on;
    }

    pub fn set_finality_lag(&self, lag: u64) {
        self.s.lock().cfg.finality_lag = lag;
    }

    /// The next `n` calls (any method) fail with a transport error.
    pub fn fail_next_calls(&self, n: u32) {
        self.s.lock().faults.fail_calls = n;
    }

    /// The next `n` `eth_sendRawTransaction` calls are refused with an RPC error.
    pub fn reject_next_sends(&self, n: u32) {
        self.s.lock().faults.reject_sends = n;
    }

    /// The next `n` accepted transactions are acknowledged but never mined.
    pub fn drop_next_sends(&self, n: u32) {
        self.s.lock().faults.drop_sends = n;
    }

    /// Serves `bytes` in place of the blob with this versioned hash (a corrupt or lying node).
    pub fn tamper_blob(&self, versioned_hash: B256, bytes: Vec<u8>) {
        self.s.lock().tampered.insert(versioned_hash, bytes);
    }

    /// Keeps the transaction with this (sender, nonce), and the sender's later ones, out of
    /// blocks until [`FakeSettlement::release`] (a transaction stuck in the pool).
    pub fn hold(&self, sender: Address, nonce: u64) {
        self.s.lock().held.insert((sender, nonce));
    }

    pub fn release(&self, sender: Address, nonce: u64) {
        self.s.lock().held.remove(&(sender, nonce));
    }

    /// Raw transactions accepted so far (including dropped ones).
    pub fn sends(&self) -> u64 {
        self.s.lock().sends
    }

    pub fn pool_len(&self) -> usize {
        self.s.lock().pool.len()
    }

    /// Every mined transaction, in order.
    pub fn mined_txs(&self) -> Vec<(u64, SettlementTx)> {
        let s = self.s.lock();
        s.blocks.iter().flat_map(|b| b.txs.iter().map(move |t| (b.number, t.clone()))).collect()
    }

    /// Every blob of mined transactions from `from` to `to`, in chain order, untampered.
    pub fn mined_blobs(&self, from: Address, to: Address) -> Vec<BlobRecord> {
        let s = self.s.lock();
        let mut out = Vec::new();
        for b in &s.blocks {
            for t in &b.txs {
                if t.from == from && t.to == Some(to) {
                    out.extend(b.blobs.iter().filter(|r| r.tx_hash == t.hash).cloned());
                }
            }
        }
        out
    }

    /// Mines one block with every executable pooled transaction; returns its number.
    pub fn mine(&self) -> u64 {
        let mut s = self.s.lock();
        mine(&mut s)
    }

    /// Mines `n` blocks.
    pub fn mine_blocks(&self, n: u64) -> u64 {
        let mut s = self.s.lock();
        for _ in 0..n {
            mine(&mut s);
        }
        s.blocks.len() as u64 - 1
    }

    fn gate(&self) -> SettlementResult<parking_lot::MutexGuard<'_, State>> {
        let mut s = self.s.lock();
        if s.faults.fail_calls > 0 {
            s.faults.fail_calls -= 1;
            return Err(SettlementError::Transport("injected failure: connection refused".into()));
        }
        Ok(s)
    }
}

fn resolve(s: &State, tag: BlockTag) -> Option<u64> {
    let head = s.blocks.len() as u64 - 1;
    match tag {
        BlockTag::Number(n) => (n <= head).then_some(n),
        BlockTag::Latest | BlockTag::Pending => Some(head),
        BlockTag::Safe | BlockTag::Finalized => Some(head.saturating_sub(s.cfg.finality_lag)),
        BlockTag::Earliest => Some(0),
    }
}

fn mine(s: &mut State) -> u64 {
    let number = s.blocks.len() as u64;
    let parent_hash = s.blocks.last().map(|b| b.hash).unwrap_or_default();
    let mut included: Vec<PoolTx> = Vec::new();
    let senders: Vec<Address> = {
        let mut v: Vec<Address> = s.pool.keys().map(|(a, _)| *a).collect();
        v.dedup();
        v
    };
    for sender in senders {
        loop {
            let n = *s.nonces.get(&sender).unwrap_or(&0);
            if s.held.contains(&(sender, n)) {
                break;
            }
            match s.pool.remove(&(sender, n)) {
                Some(t) => {
                    s.nonces.insert(sender, n + 1);
                    included.push(t);
                }
                None => break,
            }
        }
    }
    // Stale entries (nonce below the account's) can no longer be mined.
    let nonces = s.nonces.clone();
    s.pool.retain(|(a, n), _| *n >= *nonces.get(a).unwrap_or(&0));
    let mut pre = number.to_be_bytes().to_vec();
    pre.extend_from_slice(parent_hash.as_slice());
    for t in &included {
        pre.extend_from_slice(t.tx.hash.as_slice());
    }
    let hash = keccak256(&pre);
    let mut blobs = Vec::new();
    let mut txs = Vec::new();
    for t in included {
        let tx = t.tx;
        let mut success = true;
        if tx.to == Some(abi::OUTPUT_ORACLE) {
            match abi::decode_propose_output(&tx.input) {
                Some((env, l2, root)) => {
                    s.outputs.insert(
                        (env, l2),
                        OutputRecord {
                            output_root: root,
                            settlement_block: number,
                            submitter: tx.from,
                            tx_hash: tx.hash,
                        },
                    );
                }
                None => success = false,
            }
        } else if tx.to == Some(abi::DISPUTES) {
            match abi::decode_dispute(&tx.input) {
                Some((env_id, l2, posted, computed)) => s.disputes.push(DisputeRecord {
                    env_id,
                    l2_block_number: l2,
                    posted_root: posted,
                    computed_root: computed,
                    submitter: tx.from,
                    settlement_block: number,
                    tx_hash: tx.hash,
                }),
                None => success = false,
            }
        }
        for (i, (blob, c, p)) in t.blobs.into_iter().enumerate() {
            let rec = BlobRecord {
                versioned_hash: tx.blob_versioned_hashes[i],
                blob: Bytes::copy_from_slice(blob.as_bytes()),
                commitment: Bytes::copy_from_slice(&c.0),
                proof: Bytes::copy_from_slice(&p.0),
                block_number: number,
                tx_hash: tx.hash,
                index: blobs.len() as u64,
            };
            s.blobs.insert(rec.versioned_hash, rec.clone());
            blobs.push(rec);
        }
        s.receipts.insert(tx.hash, ReceiptInfo { tx_hash: tx.hash, block_number: number, success });
        txs.push(tx);
    }
    s.blocks.push(FakeBlock { number, hash, parent_hash, txs, blobs });
    number
}

fn serve_blob(s: &State, mut r: BlobRecord) -> BlobRecord {
    if let Some(t) = s.tampered.get(&r.versioned_hash) {
        r.blob = Bytes::from(t.clone());
    }
    r
}

impl Settlement for FakeSettlement {
    fn chain_id(&self) -> SettlementResult<u64> {
        Ok(self.gate()?.cfg.chain_id)
    }

    fn block_number(&self, tag: BlockTag) -> SettlementResult<Option<u64>> {
        let s = self.gate()?;
        Ok(resolve(&s, tag))
    }

    fn block(&self, tag: BlockTag) -> SettlementResult<Option<SettlementBlock>> {
        let s = self.gate()?;
        Ok(resolve(&s, tag).map(|n| {
            let b = &s.blocks[n as usize];
            SettlementBlock { number: b.number, hash: b.hash, parent_hash: b.parent_hash, transactions: b.txs.clone() }
        }))
    }

    fn transaction_count(&self, address: Address, tag: BlockTag) -> SettlementResult<u64> {
        let s = self.gate()?;
        let mined = *s.nonces.get(&address).unwrap_or(&0);
        if tag != BlockTag::Pending {
            return Ok(mined);
        }
        let mut n = mined;
        while s.pool.contains_key(&(address, n)) {
            n += 1;
        }
        Ok(n)
    }

    fn gas_price(&self) -> SettlementResult<u128> {
        Ok(self.gate()?.cfg.gas_price)
    }

    fn blob_base_fee(&self) -> SettlementResult<u128> {
        Ok(self.gate()?.cfg.blob_base_fee)
    }

    fn send_raw_transaction(&self, raw: &[u8]) -> SettlementResult<B256> {
        let mut s = self.gate()?;
        if s.faults.reject_sends > 0 {
            s.faults.reject_sends -= 1;
            return Err(rpc_err("injected rejection: txpool is full"));
        }
        let env =
            NetworkTx::decode_2718_exact(raw).map_err(|e| rpc_err(format!("failed to decode transaction: {e}")))?;
        let chain_id = env.chain_id();
        if chain_id != Some(s.cfg.chain_id) {
            return Err(rpc_err(format!("invalid chain id {chain_id:?}")));
        }
        let (hash, from, blobs) = match &env {
            EthereumTxEnvelope::Eip1559(t) => {
                let from = t
                    .signature()
                    .recover_address_from_prehash(&t.signature_hash())
                    .map_err(|e| rpc_err(format!("invalid signature: {e}")))?;
                (*t.hash(), from, vec![])
            }
            EthereumTxEnvelope::Eip4844(t) => {
                let from = t
                    .signature()
                    .recover_address_from_prehash(&t.signature_hash())
                    .map_err(|e| rpc_err(format!("invalid signature: {e}")))?;
                let BlobTransactionSidecarVariant::Eip4844(sc) = &t.tx().sidecar else {
                    return Err(rpc_err("EIP-7594 sidecars are not accepted by the fake"));
                };
                let hashes = &t.tx().tx.blob_versioned_hashes;
                if hashes.is_empty() || hashes.len() > MAX_BLOBS_PER_TX {
                    return Err(rpc_err(format!("{} blobs (1..={MAX_BLOBS_PER_TX})", hashes.len())));
                }
                if sc.blobs.len() != hashes.len()
                    || sc.commitments.len() != hashes.len()
                    || sc.proofs.len() != hashes.len()
                {
                    return Err(rpc_err("sidecar length mismatch"));
                }
                let mut blobs = Vec::new();
                for (i, vh) in hashes.iter().enumerate() {
                    let c = Bytes48(sc.commitments[i].0);
                    if B256::from(kzg_to_versioned_hash(&KzgCommitment(c.0)).0) != *vh {
                        return Err(rpc_err(format!("blob {i}: versioned hash does not match the commitment")));
                    }
                    let blob = Blob::from_bytes(sc.blobs[i].as_slice()).map_err(|e| rpc_err(e.to_string()))?;
                    blobs.push((blob, c, Bytes48(sc.proofs[i].0)));
                }
                if let Some(kzg) = &s.cfg.kzg {
                    let (b, c, p): (Vec<_>, Vec<_>, Vec<_>) =
                        blobs.iter().cloned().fold((vec![], vec![], vec![]), |(mut b, mut c, mut p), (x, y, z)| {
                            b.push(x);
                            c.push(y);
                            p.push(z);
                            (b, c, p)
                        });
                    if !kzg.verify_blob_kzg_proof_batch(&b, &c, &p).map_err(|e| rpc_err(e.to_string()))? {
                        return Err(rpc_err("blob KZG proofs do not verify"));
                    }
                }
                (*t.hash(), from, blobs)
            }
            _ => return Err(rpc_err("the fake takes EIP-1559 and EIP-4844 transactions only")),
        };
        let nonce = env.nonce();
        let account = *s.nonces.get(&from).unwrap_or(&0);
        if nonce < account {
            return Err(rpc_err(format!("nonce too low: next nonce {account}, tx nonce {nonce}")));
        }
        let max_fee = env.max_fee_per_gas();
        if let Some(old) = s.pool.get(&(from, nonce)) {
            if old.tx.hash == hash {
                return Err(rpc_err("already known"));
            }
            if max_fee <= old.max_fee {
                return Err(rpc_err("replacement transaction underpriced"));
            }
        }
        s.sends += 1;
        if s.faults.drop_sends > 0 {
            s.faults.drop_sends -= 1;
            return Ok(hash);
        }
        let tx = SettlementTx {
            hash,
            tx_type: alloy_eips::Typed2718::ty(&env),
            from,
            to: env.to(),
            nonce,
            input: env.input().clone(),
            blob_versioned_hashes: env.blob_versioned_hashes().map(|h| h.to_vec()).unwrap_or_default(),
        };
        s.pool.insert((from, nonce), PoolTx { tx, max_fee, blobs });
        if s.cfg.auto_mine {
            mine(&mut s);
        }
        Ok(hash)
    }

    fn receipt(&self, hash: B256) -> SettlementResult<Option<ReceiptInfo>> {
        Ok(self.gate()?.receipts.get(&hash).copied())
    }

    fn blob_by_versioned_hash(&self, versioned_hash: B256) -> SettlementResult<Option<BlobRecord>> {
        let s = self.gate()?;
        Ok(s.blobs.get(&versioned_hash).cloned().map(|r| serve_blob(&s, r)))
    }

    fn blob_sidecars(&self, block: BlockTag) -> SettlementResult<Option<Vec<BlobRecord>>> {
        let s = self.gate()?;
        Ok(resolve(&s, block).map(|n| s.blocks[n as usize].blobs.iter().map(|r| serve_blob(&s, r.clone())).collect()))
    }

    fn output_root(&self, env_id: u64, l2_block: u64) -> SettlementResult<Option<OutputRecord>> {
        Ok(self.gate()?.outputs.get(&(env_id, l2_block)).cloned())
    }

    fn disputes(&self) -> SettlementResult<Vec<DisputeRecord>> {
        Ok(self.gate()?.disputes.clone())
    }

    fn validators(&self) -> SettlementResult<Vec<ValidatorRecord>> {
        let _s = self.gate()?;
        Ok(vec![ValidatorRecord { address: Address::repeat_byte(0x5e), stake: U256::from(32u64) }])
    }
}
