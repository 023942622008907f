//! The world state: accounts, storage and code, held in memory and persisted per block by
//! [`crate::store`]. Roots follow the Yellow Paper (Appendix D): the account trie is keyed by
//! `keccak(address)` with RLP `[nonce, balance, storage_root, code_hash]` leaves, each storage trie
//! by `keccak(slot)` with RLP-encoded non-zero values.

use std::collections::{BTreeMap, HashMap};

use alloy_primitives::{keccak256, Address, B256, U256};
use alloy_trie::{HashBuilder, Nibbles, EMPTY_ROOT_HASH, KECCAK_EMPTY};
use revm::bytecode::Bytecode;
use revm::database::{AccountState, CacheDB};
use revm::database_interface::DatabaseRef;
use revm::state::AccountInfo;

/// One account's header fields.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccountData {
    pub nonce: u64,
    pub balance: U256,
    pub code_hash: B256,
}

impl AccountData {
    /// EIP-161 emptiness: no nonce, no balance, no code.
    pub fn is_empty(&self) -> bool {
        self.nonce == 0 && self.balance.is_zero() && (self.code_hash == KECCAK_EMPTY || self.code_hash == B256::ZERO)
    }
}

/// The set of changes one block makes, in the form the store persists.
#[derive(Debug, Default, Clone)]
pub struct StateDiff {
    /// New account headers; `None` deletes the account (and its storage).
    pub accounts: BTreeMap<Address, Option<AccountData>>,
    /// Accounts whose whole storage is wiped before `storage` is applied (created/destroyed).
    pub wiped: Vec<Address>,
    /// Storage writes; a zero value deletes the slot.
    pub storage: BTreeMap<(Address, U256), U256>,
    /// New contract code by hash.
    pub code: BTreeMap<B256, Vec<u8>>,
}

/// Errors from the state database (it is in memory: only consistency errors exist).
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("code {0} is referenced by an account but missing from the database")]
    MissingCode(B256),
}

impl revm::database_interface::DBErrorMarker for StateError {}

/// In-memory world state with cached storage roots.
#[derive(Debug, Default, Clone)]
pub struct WorldState {
    accounts: HashMap<Address, AccountData>,
    storage: HashMap<Address, HashMap<U256, U256>>,
    code: HashMap<B256, Bytecode>,
    storage_roots: HashMap<Address, B256>,
    /// The account trie's key order, kept up to date so roots need no hashing of keys or sorting.
    hashed_accounts: BTreeMap<B256, Address>,
    /// Storage by hashed slot, in trie order (mirrors `storage`).
    hashed_storage: HashMap<Address, BTreeMap<B256, U256>>,
    /// Recent block hashes for BLOCKHASH (the last 256).
    block_hashes: BTreeMap<u64, B256>,
}

impl WorldState {
    pub fn account(&self, address: &Address) -> Option<&AccountData> {
        self.accounts.get(address)
    }

    pub fn nonce(&self, address: &Address) -> u64 {
        self.accounts.get(address).map_or(0, |a| a.nonce)
    }

    pub fn balance(&self, address: &Address) -> U256 {
        self.accounts.get(address).map_or(U256::ZERO, |a| a.balance)
    }

    pub fn storage_at(&self, address: &Address, slot: U256) -> U256 {
        self.storage.get(address).and_then(|s| s.get(&slot)).copied().unwrap_or_default()
    }

    pub fn code_of(&self, address: &Address) -> Option<&Bytecode> {
        let hash = self.accounts.get(address)?.code_hash;
        self.code.get(&hash)
    }

    pub fn code_by_hash(&self, hash: &B256) -> Option<&Bytecode> {
        self.code.get(hash)
    }

    pub fn set_block_hash(&mut self, number: u64, hash: B256) {
        self.block_hashes.insert(number, hash);
        while self.block_hashes.len() > 256 {
            self.block_hashes.pop_first();
        }
    }

    /// Loads raw entries (from genesis or the store) without computing anything.
    pub fn insert_account(&mut self, address: Address, account: AccountData) {
        self.storage_roots.remove(&address);
        if self.accounts.insert(address, account).is_none() {
            self.hashed_accounts.insert(keccak256(address), address);
        }
    }

    fn remove_account(&mut self, address: &Address) {
        if self.accounts.remove(address).is_some() {
            self.hashed_accounts.remove(&keccak256(address));
        }
        self.wipe_storage(address);
    }

    fn wipe_storage(&mut self, address: &Address) {
        self.storage.remove(address);
        self.hashed_storage.remove(address);
        self.storage_roots.remove(address);
    }

    pub fn insert_storage(&mut self, address: Address, slot: U256, value: U256) {
        self.storage_roots.remove(&address);
        let hashed = keccak256(slot.to_be_bytes::<32>());
        if value.is_zero() {
            if let Some(s) = self.storage.get_mut(&address) {
                s.remove(&slot);
            }
            if let Some(s) = self.hashed_storage.get_mut(&address) {
                s.remove(&hashed);
            }
        } else {
            self.storage.entry(address).or_default().insert(slot, value);
            self.hashed_storage.entry(address).or_default().insert(hashed, value);
        }
    }

    pub fn insert_code(&mut self, code: Vec<u8>) -> B256 {
        let hash = keccak256(&code);
        self.code.entry(hash).or_insert_with(|| Bytecode::new_raw(code.into()));
        hash
    }

    /// Collects what a block's execution changed, as recorded in revm's `CacheDB` overlay.
    pub fn diff_from_cache(cache: &CacheDB<&WorldState>) -> StateDiff {
        let mut diff = StateDiff::default();
        for (hash, code) in &cache.cache.contracts {
            if *hash != KECCAK_EMPTY && !cache.db.code.contains_key(hash) {
                diff.code.insert(*hash, code.original_bytes().to_vec());
            }
        }
        for (address, acc) in &cache.cache.accounts {
            match acc.account_state {
                AccountState::None => continue,
                AccountState::NotExisting => {
                    if cache.db.accounts.contains_key(address) {
                        diff.accounts.insert(*address, None);
                        diff.wiped.push(*address);
                    }
                }
                AccountState::Touched | AccountState::StorageCleared => {
                    let data =
                        AccountData { nonce: acc.info.nonce, balance: acc.info.balance, code_hash: acc.info.code_hash };
                    if data.is_empty() && acc.storage.values().all(|v| v.is_zero()) {
                        // EIP-161: touched empty accounts are removed.
                        if cache.db.accounts.contains_key(address) {
                            diff.accounts.insert(*address, None);
                            diff.wiped.push(*address);
                        }
                        continue;
                    }
                    if matches!(acc.account_state, AccountState::StorageCleared) {
                        diff.wiped.push(*address);
                    }
                    diff.accounts.insert(*address, Some(data));
                    for (slot, value) in &acc.storage {
                        if cache.db.storage_at(address, *slot) != *value
                            || matches!(acc.account_state, AccountState::StorageCleared)
                        {
                            diff.storage.insert((*address, *slot), *value);
                        }
                    }
                }
            }
        }
        diff
    }

    /// Applies a diff (the same one the store persists).
    pub fn apply(&mut self, diff: &StateDiff) {
        for (hash, code) in &diff.code {
            self.code.entry(*hash).or_insert_with(|| Bytecode::new_raw(code.clone().into()));
        }
        for address in &diff.wiped {
            self.wipe_storage(address);
        }
        for (address, acc) in &diff.accounts {
            match acc {
                Some(a) => self.insert_account(*address, a.clone()),
                None => self.remove_account(address),
            }
        }
        for ((address, slot), value) in &diff.storage {
            self.insert_storage(*address, *slot, *value);
        }
    }

    /// Applies `diff` and returns the diff that restores the previous state.
    pub fn apply_with_undo(&mut self, diff: &StateDiff) -> StateDiff {
        let mut undo = StateDiff::default();
        for address in diff.accounts.keys().chain(diff.wiped.iter()) {
            undo.accounts.insert(*address, self.accounts.get(address).cloned());
        }
        let mut wiped: Vec<Address> = diff.wiped.clone();
        wiped.extend(diff.accounts.iter().filter(|(_, a)| a.is_none()).map(|(k, _)| *k));
        for address in wiped {
            if !undo.wiped.contains(&address) {
                undo.wiped.push(address);
                for (slot, value) in self.storage_of(&address) {
                    undo.storage.insert((address, *slot), *value);
                }
            }
        }
        for (address, slot) in diff.storage.keys() {
            let old = self.storage_at(address, *slot);
            undo.storage.entry((*address, *slot)).or_insert(old);
        }
        self.apply(diff);
        undo
    }

    /// Storage root of one account (cached until its storage changes).
    pub fn storage_root(&mut self, address: &Address) -> B256 {
        if let Some(r) = self.storage_roots.get(address) {
            return *r;
        }
        let root = match self.hashed_storage.get(address) {
            None => EMPTY_ROOT_HASH,
            Some(slots) => sorted_trie_root(slots.iter().map(|(k, v)| (*k, alloy_rlp::encode(v)))),
        };
        self.storage_roots.insert(*address, root);
        root
    }

    /// The state root over every account.
    pub fn state_root(&mut self) -> B256 {
        let dirty: Vec<Address> =
            self.accounts.keys().filter(|a| !self.storage_roots.contains_key(*a)).copied().collect();
        for a in dirty {
            self.storage_root(&a);
        }
        let leaves = self.hashed_accounts.iter().map(|(hashed, address)| {
            let a = &self.accounts[address];
            let code_hash = if a.code_hash == B256::ZERO { KECCAK_EMPTY } else { a.code_hash };
            let storage_root = self.storage_roots[address];
            let account = alloy_trie::TrieAccount { nonce: a.nonce, balance: a.balance, storage_root, code_hash };
            (*hashed, alloy_rlp::encode(account))
        });
        sorted_trie_root(leaves)
    }

    /// Every account (for persistence of a genesis state).
    pub fn accounts(&self) -> impl Iterator<Item = (&Address, &AccountData)> {
        self.accounts.iter()
    }

    pub fn storage_of(&self, address: &Address) -> impl Iterator<Item = (&U256, &U256)> {
        self.storage.get(address).into_iter().flat_map(|s| s.iter())
    }

    pub fn codes(&self) -> impl Iterator<Item = (&B256, &Bytecode)> {
        self.code.iter()
    }
}

/// Root of a trie from leaves already in key order.
pub fn sorted_trie_root(leaves: impl Iterator<Item = (B256, Vec<u8>)>) -> B256 {
    let mut hb = HashBuilder::default();
    let mut any = false;
    for (k, v) in leaves {
        hb.add_leaf(Nibbles::unpack(k), &v);
        any = true;
    }
    if any {
        hb.root()
    } else {
        EMPTY_ROOT_HASH
    }
}

impl DatabaseRef for WorldState {
    type Error = StateError;

    fn basic_ref(&self, address: Address) -> Result<Option<AccountInfo>, Self::Error> {
        Ok(self.accounts.get(&address).map(|a| {
            let code_hash = if a.code_hash == B256::ZERO { KECCAK_EMPTY } else { a.code_hash };
            AccountInfo {
                balance: a.balance,
                nonce: a.nonce,
                code_hash,
                account_id: None,
                code: self.code.get(&code_hash).cloned(),
            }
        }))
    }

    fn code_by_hash_ref(&self, code_hash: B256) -> Result<Bytecode, Self::Error> {
        if code_hash == KECCAK_EMPTY || code_hash == B256::ZERO {
            return Ok(Bytecode::default());
        }
        self.code.get(&code_hash).cloned().ok_or(StateError::MissingCode(code_hash))
    }

    fn storage_ref(&self, address: Address, index: U256) -> Result<U256, Self::Error> {
        Ok(self.storage_at(&address, index))
    }

    fn block_hash_ref(&self, number: u64) -> Result<B256, Self::Error> {
        Ok(self.block_hashes.get(&number).copied().unwrap_or_default())
    }
}

/// The state as of an earlier block: the latest state seen through the undo diffs of the blocks
/// after it (oldest first). The first undo that mentions a key holds its value at that block.
#[derive(Debug)]
pub struct HistoricalView<'a> {
    pub latest: &'a WorldState,
    /// Undo diffs of blocks `n+1..=head`, oldest first.
    pub undos: Vec<&'a StateDiff>,
}

impl HistoricalView<'_> {
    pub fn account(&self, address: &Address) -> Option<AccountData> {
        for u in &self.undos {
            if let Some(a) = u.accounts.get(address) {
                return a.clone();
            }
        }
        self.latest.account(address).cloned()
    }

    pub fn storage_at(&self, address: &Address, slot: U256) -> U256 {
        for u in &self.undos {
            if let Some(v) = u.storage.get(&(*address, slot)) {
                return *v;
            }
            if u.wiped.contains(address) {
                return U256::ZERO;
            }
        }
        self.latest.storage_at(address, slot)
    }
}

impl DatabaseRef for HistoricalView<'_> {
    type Error = StateError;

    fn basic_ref(&self, address: Address) -> Result<Option<AccountInfo>, Self::Error> {
        Ok(self.account(&address).map(|a| {
            let code_hash = if a.code_hash == B256::ZERO { KECCAK_EMPTY } else { a.code_hash };
            AccountInfo {
                balance: a.balance,
                nonce: a.nonce,
                code_hash,
                account_id: None,
                code: self.latest.code.get(&code_hash).cloned(),
            }
        }))
    }

    fn code_by_hash_ref(&self, code_hash: B256) -> Result<Bytecode, Self::Error> {
        self.latest.code_by_hash_ref(code_hash)
    }

    fn storage_ref(&self, address: Address, index: U256) -> Result<U256, Self::Error> {
        Ok(self.storage_at(&address, index))
    }

    fn block_hash_ref(&self, number: u64) -> Result<B256, Self::Error> {
        self.latest.block_hash_ref(number)
    }
}
