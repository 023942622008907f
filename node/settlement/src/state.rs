//! The ledger: accounts, validator stakes, output roots and disputes, with its state root.
//!
//! State root = keccak256(rlp([accounts_root, validators_root, outputs_root, disputes_root,
//! registry_root, committees_root])), each part a Merkle-Patricia trie root (alloy-trie's
//! `HashBuilder`):
//! * accounts: key keccak256(address), value rlp([nonce, balance]);
//! * validators: key keccak256(address), value rlp(stake);
//! * outputs: key keccak256(envId_be8 ‖ l2BlockNumber_be8), value rlp(OutputRecord);
//! * disputes: key keccak256(index_be8), value rlp(DisputeRecord);
//! * registry: key keccak256(address), value rlp(ValidatorKeys);
//! * committees: key keccak256(epoch_be8), value rlp([CommitteeMember]) — the committee of each
//!   epoch ≥ 1, snapshotted by the last block of the epoch before ([`Ledger::snapshot_committee`]).

use std::collections::{BTreeMap, BTreeSet};

use alloy_primitives::{keccak256, Address, B256, U256};
use alloy_rlp::{RlpDecodable, RlpEncodable};
use alloy_trie::{HashBuilder, Nibbles, EMPTY_ROOT_HASH};

use crate::types::{encode_rlp, CommitteeMember, DisputeRecord, OutputRecord, ValidatorKeys};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, RlpEncodable, RlpDecodable)]
pub struct Account {
    pub nonce: u64,
    pub balance: U256,
}

/// What one block changed (finalization writes exactly these keys).
#[derive(Clone, Debug, Default)]
pub struct Changes {
    pub accounts: BTreeSet<Address>,
    pub validators: BTreeSet<Address>,
    pub outputs: BTreeSet<(u64, u64)>,
    /// Disputes appended: indexes from this one on are new.
    pub disputes_from: Option<u64>,
    pub registry: BTreeSet<Address>,
    pub committees: BTreeSet<u64>,
}

impl Changes {
    pub fn merge(&mut self, o: &Changes) {
        self.accounts.extend(o.accounts.iter().copied());
        self.validators.extend(o.validators.iter().copied());
        self.outputs.extend(o.outputs.iter().copied());
        self.registry.extend(o.registry.iter().copied());
        self.committees.extend(o.committees.iter().copied());
        self.disputes_from = match (self.disputes_from, o.disputes_from) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ledger {
    pub accounts: BTreeMap<Address, Account>,
    pub validators: BTreeMap<Address, U256>,
    pub outputs: BTreeMap<(u64, u64), OutputRecord>,
    pub disputes: Vec<DisputeRecord>,
    /// Consensus keys registered by stakers (`registerValidator`).
    pub registry: BTreeMap<Address, ValidatorKeys>,
    /// Committee of each epoch ≥ 1 (epoch 0 is the genesis validator list of the consensus config).
    pub committees: BTreeMap<u64, Vec<CommitteeMember>>,
}

pub fn output_key(env_id: u64, l2: u64) -> [u8; 16] {
    let mut k = [0u8; 16];
    k[..8].copy_from_slice(&env_id.to_be_bytes());
    k[8..].copy_from_slice(&l2.to_be_bytes());
    k
}

fn trie_root(mut leaves: Vec<(B256, Vec<u8>)>) -> B256 {
    if leaves.is_empty() {
        return EMPTY_ROOT_HASH;
    }
    leaves.sort_unstable_by_key(|l| l.0);
    let mut hb = HashBuilder::default();
    for (k, v) in &leaves {
        hb.add_leaf(Nibbles::unpack(k), v);
    }
    hb.root()
}

impl Ledger {
    pub fn account(&self, a: &Address) -> Account {
        self.accounts.get(a).copied().unwrap_or_default()
    }

    pub fn stake(&self, a: &Address) -> U256 {
        self.validators.get(a).copied().unwrap_or_default()
    }

    /// Records the committee of `epoch`: every registered staker with `stake >= min_stake`, the
    /// `max_members` largest stakes (ties: lower address first), listed by address. Called by
    /// the last block of epoch `epoch − 1`, so the list is part of that block's state root and
    /// every validator derives the same one.
    pub fn snapshot_committee(&mut self, epoch: u64, min_stake: U256, max_members: usize, changes: &mut Changes) {
        let mut members: Vec<CommitteeMember> = self
            .registry
            .keys()
            .filter_map(|a| {
                let stake = self.stake(a);
                (!stake.is_zero() && stake >= min_stake).then_some(CommitteeMember { address: *a, stake })
            })
            .collect();
        members.sort_by(|x, y| y.stake.cmp(&x.stake).then(x.address.cmp(&y.address)));
        members.truncate(max_members);
        members.sort_by_key(|m| m.address);
        self.committees.insert(epoch, members);
        changes.committees.insert(epoch);
    }

    pub fn root(&self) -> B256 {
        use rayon::prelude::*;
        let accounts: Vec<(B256, Vec<u8>)> = self
            .accounts
            .par_iter()
            .filter(|(_, a)| **a != Account::default())
            .map(|(k, a)| (keccak256(k), encode_rlp(a)))
            .collect();
        let validators: Vec<(B256, Vec<u8>)> =
            self.validators.iter().filter(|(_, s)| !s.is_zero()).map(|(k, s)| (keccak256(k), encode_rlp(s))).collect();
        let outputs: Vec<(B256, Vec<u8>)> =
            self.outputs.iter().map(|((e, n), r)| (keccak256(output_key(*e, *n)), encode_rlp(r))).collect();
        let disputes: Vec<(B256, Vec<u8>)> = self
            .disputes
            .iter()
            .enumerate()
            .map(|(i, d)| (keccak256((i as u64).to_be_bytes()), encode_rlp(d)))
            .collect();
        let registry: Vec<(B256, Vec<u8>)> = self.registry.iter().map(|(k, v)| (keccak256(k), encode_rlp(v))).collect();
        let committees: Vec<(B256, Vec<u8>)> =
            self.committees.iter().map(|(e, m)| (keccak256(e.to_be_bytes()), encode_rlp(m))).collect();
        let parts = vec![
            trie_root(accounts),
            trie_root(validators),
            trie_root(outputs),
            trie_root(disputes),
            trie_root(registry),
            trie_root(committees),
        ];
        keccak256(encode_rlp(&parts))
    }
}
