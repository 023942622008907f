//! The transaction pool: per-sender nonce queues, replacement by fee bump, per-sender and total
//! limits. Stateless checks (decoding, signature, chain id, intrinsic gas, size) happen before a
//! transaction reaches the pool; [`TxPool::insert`] does the state-dependent ones.

use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::sync::Arc;

use alloy_consensus::Transaction;
use alloy_primitives::{Address, B256, U256};

use crate::exec::RecoveredTx;

/// Pool limits.
#[derive(Clone, Debug)]
pub struct PoolConfig {
    /// Most transactions one sender may have in the pool (pending plus queued).
    pub max_per_sender: usize,
    /// Most transactions in the pool.
    pub max_total: usize,
    /// A replacement must raise both the fee cap and the tip by at least this percentage.
    pub price_bump_percent: u128,
}

impl Default for PoolConfig {
    fn default() -> Self {
        Self { max_per_sender: 4096, max_total: 65_536, price_bump_percent: 10 }
    }
}

/// Why a transaction was refused; the message is what JSON-RPC clients see.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PoolError {
    #[error("already known")]
    AlreadyKnown,
    #[error("nonce too low: next nonce {next}, tx nonce {got}")]
    NonceTooLow { next: u64, got: u64 },
    #[error("nonce too high: next nonce {next}, tx nonce {got} leaves a gap larger than the pool holds ({limit})")]
    NonceGap { next: u64, got: u64, limit: usize },
    #[error("replacement transaction underpriced: fee cap and tip must rise by at least {percent}%")]
    ReplacementUnderpriced { percent: u128 },
    #[error("insufficient funds for gas * price + value: have {have} want {want}")]
    InsufficientFunds { have: U256, want: U256 },
    #[error("max fee per gas less than block base fee: maxFeePerGas {max_fee}, baseFee {base_fee}")]
    FeeCapTooLow { max_fee: u128, base_fee: u64 },
    #[error("sender {sender} already has {limit} transactions in the pool")]
    SenderLimit { sender: Address, limit: usize },
    #[error("txpool is full ({limit} transactions)")]
    PoolFull { limit: usize },
}

#[derive(Clone, Debug)]
pub struct PoolTx {
    pub tx: Arc<RecoveredTx>,
    pub seq: u64,
}

impl PoolTx {
    fn max_fee(&self) -> u128 {
        self.tx.tx.max_fee_per_gas()
    }
    fn tip(&self) -> u128 {
        self.tx.tx.max_priority_fee_per_gas().unwrap_or_else(|| self.tx.tx.max_fee_per_gas())
    }
    /// Upfront cost: gas limit × fee cap + value.
    pub fn cost(&self) -> U256 {
        U256::from(self.tx.tx.gas_limit()) * U256::from(self.max_fee()) + self.tx.tx.value()
    }
}

#[derive(Debug, Default)]
pub struct TxPool {
    config: PoolConfig,
    by_sender: HashMap<Address, BTreeMap<u64, PoolTx>>,
    by_hash: HashMap<B256, (Address, u64)>,
    seq: u64,
}

impl TxPool {
    pub fn new(config: PoolConfig) -> Self {
        Self { config, ..Default::default() }
    }

    pub fn len(&self) -> usize {
        self.by_hash.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_hash.is_empty()
    }

    pub fn get(&self, hash: &B256) -> Option<Arc<RecoveredTx>> {
        let (s, n) = self.by_hash.get(hash)?;
        self.by_sender.get(s)?.get(n).map(|p| p.tx.clone())
    }

    /// The nonce the sender's next transaction should carry, counting contiguous pool entries.
    pub fn pending_nonce(&self, sender: &Address, state_nonce: u64) -> u64 {
        let mut next = state_nonce;
        if let Some(q) = self.by_sender.get(sender) {
            for n in q.range(state_nonce..).map(|(n, _)| *n) {
                if n != next {
                    break;
                }
                next += 1;
            }
        }
        next
    }

    /// Admits a transaction after the stateless checks. `state_nonce` and `balance` are the
    /// sender's in the latest state.
    pub fn insert(
        &mut self,
        tx: RecoveredTx,
        state_nonce: u64,
        balance: U256,
        base_fee: u64,
    ) -> Result<Option<B256>, PoolError> {
        if self.by_hash.contains_key(&tx.hash) {
            return Err(PoolError::AlreadyKnown);
        }
        let nonce = tx.tx.nonce();
        if nonce < state_nonce {
            return Err(PoolError::NonceTooLow { next: state_nonce, got: nonce });
        }
        let limit = self.config.max_per_sender;
        if nonce - state_nonce >= limit as u64 {
            return Err(PoolError::NonceGap { next: self.pending_nonce(&tx.sender, state_nonce), got: nonce, limit });
        }
        if tx.tx.max_fee_per_gas() < base_fee as u128 {
            return Err(PoolError::FeeCapTooLow { max_fee: tx.tx.max_fee_per_gas(), base_fee });
        }
        self.seq += 1;
        let entry = PoolTx { tx: Arc::new(tx), seq: self.seq };
        let cost = entry.cost();
        if cost > balance {
            return Err(PoolError::InsufficientFunds { have: balance, want: cost });
        }
        let sender = entry.tx.sender;
        let queue = self.by_sender.entry(sender).or_default();
        let mut replaced = None;
        if let Some(old) = queue.get(&nonce) {
            let bump = |x: u128| x + x * self.config.price_bump_percent / 100;
            if entry.max_fee() < bump(old.max_fee()) || entry.tip() < bump(old.tip()) {
                return Err(PoolError::ReplacementUnderpriced { percent: self.config.price_bump_percent });
            }
            replaced = Some(old.tx.hash);
        } else {
            if queue.len() >= limit {
                return Err(PoolError::SenderLimit { sender, limit });
            }
            if self.by_hash.len() >= self.config.max_total {
                return Err(PoolError::PoolFull { limit: self.config.max_total });
            }
        }
        if let Some(h) = replaced {
            self.by_hash.remove(&h);
        }
        self.by_hash.insert(entry.tx.hash, (sender, nonce));
        queue.insert(nonce, entry);
        Ok(replaced)
    }

    /// Ready transactions in inclusion order: per sender contiguous from the state nonce,
    /// across senders by tip (highest first, then arrival), up to `gas_limit` of declared gas.
    pub fn ready(&self, nonce_of: impl Fn(&Address) -> u64, base_fee: u64, gas_limit: u64) -> Vec<Arc<RecoveredTx>> {
        #[derive(PartialEq, Eq)]
        struct Head {
            tip: u128,
            seq: std::cmp::Reverse<u64>,
            sender: Address,
            nonce: u64,
        }
        impl Ord for Head {
            fn cmp(&self, o: &Self) -> std::cmp::Ordering {
                (self.tip, &self.seq).cmp(&(o.tip, &o.seq))
            }
        }
        impl PartialOrd for Head {
            fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
                Some(self.cmp(o))
            }
        }
        let eff_tip = |p: &PoolTx| p.tx.tx.effective_tip_per_gas(base_fee).unwrap_or(0);
        let mut heap = BinaryHeap::new();
        for (sender, q) in &self.by_sender {
            let n = nonce_of(sender);
            if let Some(p) = q.get(&n) {
                if p.max_fee() >= base_fee as u128 {
                    heap.push(Head { tip: eff_tip(p), seq: std::cmp::Reverse(p.seq), sender: *sender, nonce: n });
                }
            }
        }
        let mut out = Vec::new();
        let mut gas = 0u64;
        while let Some(h) = heap.pop() {
            let q = &self.by_sender[&h.sender];
            let p = &q[&h.nonce];
            if gas + p.tx.tx.gas_limit() > gas_limit {
                continue; // this sender's chain stops here for this block
            }
            gas += p.tx.tx.gas_limit();
            out.push(p.tx.clone());
            if let Some(next) = q.get(&(h.nonce + 1)) {
                if next.max_fee() >= base_fee as u128 {
                    heap.push(Head {
                        tip: eff_tip(next),
                        seq: std::cmp::Reverse(next.seq),
                        sender: h.sender,
                        nonce: h.nonce + 1,
                    });
                }
            }
        }
        out
    }

    /// Removes one transaction (e.g. found invalid while building), and every later nonce of the
    /// same sender if `cascade`.
    pub fn remove(&mut self, hash: &B256) -> Option<Arc<RecoveredTx>> {
        let (sender, nonce) = self.by_hash.remove(hash)?;
        let q = self.by_sender.get_mut(&sender)?;
        let out = q.remove(&nonce).map(|p| p.tx);
        if q.is_empty() {
            self.by_sender.remove(&sender);
        }
        out
    }

    /// Drops every transaction whose nonce is now below its sender's state nonce.
    pub fn prune(&mut self, nonce_of: impl Fn(&Address) -> u64) {
        let mut gone = Vec::new();
        self.by_sender.retain(|sender, q| {
            let n = nonce_of(sender);
            while let Some((&k, _)) = q.first_key_value() {
                if k >= n {
                    break;
                }
                let p = q.remove(&k).expect("key exists");
                gone.push(p.tx.hash);
            }
            !q.is_empty()
        });
        for h in gone {
            self.by_hash.remove(&h);
        }
    }

    /// Every transaction (for `txpool`-style inspection and persistence on shutdown).
    pub fn all(&self) -> Vec<Arc<RecoveredTx>> {
        let mut v: Vec<&PoolTx> = self.by_sender.values().flat_map(|q| q.values()).collect();
        v.sort_by_key(|p| p.seq);
        v.into_iter().map(|p| p.tx.clone()).collect()
    }
}
