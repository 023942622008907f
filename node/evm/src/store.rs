//! Persistence in redb: one write transaction per block holds the block, its senders and
//! receipts, the indexes, the state changes and the new head, so a block is either entirely on
//! disk or not at all (a `kill -9` at any point leaves the last committed block as the head).

use std::path::Path;

use alloy_consensus::{Block, BlockBody, Header, ReceiptEnvelope, TxEnvelope};
use alloy_eips::eip2718::{Decodable2718, Encodable2718};
use alloy_primitives::{Address, Bytes, B256, U256};
use alloy_rlp::{Decodable, Encodable};
use redb::{Database, Durability, ReadableDatabase, ReadableTable, TableDefinition};

use crate::state::{AccountData, StateDiff, WorldState};

const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
const BLOCKS: TableDefinition<u64, &[u8]> = TableDefinition::new("blocks");
const SENDERS: TableDefinition<u64, &[u8]> = TableDefinition::new("senders");
const RECEIPTS: TableDefinition<u64, &[u8]> = TableDefinition::new("receipts");
const HASHES: TableDefinition<[u8; 32], u64> = TableDefinition::new("block_hashes");
const TXS: TableDefinition<[u8; 32], (u64, u32)> = TableDefinition::new("tx_index");
const ACCOUNTS: TableDefinition<[u8; 20], &[u8]> = TableDefinition::new("accounts");
const STORAGE: TableDefinition<[u8; 52], [u8; 32]> = TableDefinition::new("storage");
const CODE: TableDefinition<[u8; 32], &[u8]> = TableDefinition::new("code");

/// Storage errors. Every one names what was being done.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database {0}")]
    Db(String),
    #[error("corrupt {what}: {detail}")]
    Corrupt { what: &'static str, detail: String },
    #[error("datadir belongs to chain id {found}, not {expected}")]
    ChainMismatch { found: u64, expected: u64 },
    #[error("datadir genesis {found} differs from the configured genesis {expected}")]
    GenesisMismatch { found: B256, expected: B256 },
}

macro_rules! db_err {
    ($($t:ty),*) => {$(impl From<$t> for StoreError {
        fn from(e: $t) -> Self { StoreError::Db(e.to_string()) }
    })*};
}
db_err!(
    redb::Error,
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError,
    redb::SetDurabilityError
);

/// A stored block with what RPC needs alongside it.
#[derive(Clone, Debug)]
pub struct StoredBlock {
    pub block: Block<TxEnvelope>,
    pub hash: B256,
    pub senders: Vec<Address>,
    pub receipts: Vec<ReceiptEnvelope>,
    pub size: usize,
}

pub struct Store {
    db: Database,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Store")
    }
}

fn encode_account(a: &AccountData) -> [u8; 72] {
    let mut out = [0u8; 72];
    out[..8].copy_from_slice(&a.nonce.to_be_bytes());
    out[8..40].copy_from_slice(&a.balance.to_be_bytes::<32>());
    out[40..].copy_from_slice(a.code_hash.as_slice());
    out
}

fn decode_account(b: &[u8]) -> Result<AccountData, StoreError> {
    if b.len() != 72 {
        return Err(StoreError::Corrupt { what: "account", detail: format!("{} bytes", b.len()) });
    }
    Ok(AccountData {
        nonce: u64::from_be_bytes(b[..8].try_into().unwrap()),
        balance: U256::from_be_slice(&b[8..40]),
        code_hash: B256::from_slice(&b[40..]),
    })
}

fn storage_key(address: &Address, slot: &U256) -> [u8; 52] {
    let mut k = [0u8; 52];
    k[..20].copy_from_slice(address.as_slice());
    k[20..].copy_from_slice(&slot.to_be_bytes::<32>());
    k
}

impl Store {
    /// Opens (or creates) `dir/chain.redb`.
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::Db(format!("create {}: {e}", dir.display())))?;
        let db = Database::create(dir.join("chain.redb"))?;
        let w = db.begin_write()?;
        {
            w.open_table(META)?;
            w.open_table(BLOCKS)?;
            w.open_table(SENDERS)?;
            w.open_table(RECEIPTS)?;
            w.open_table(HASHES)?;
            w.open_table(TXS)?;
            w.open_table(ACCOUNTS)?;
            w.open_table(STORAGE)?;
            w.open_table(CODE)?;
        }
        w.commit()?;
        Ok(Self { db })
    }

    fn meta_u64(&self, key: &str) -> Result<Option<u64>, StoreError> {
        let r = self.db.begin_read()?;
        let t = r.open_table(META)?;
        match t.get(key)? {
            None => Ok(None),
            Some(v) => Ok(Some(u64::from_be_bytes(
                v.value().try_into().map_err(|_| StoreError::Corrupt { what: "meta", detail: key.into() })?,
            ))),
        }
    }

    /// The committed head, or `None` for an empty datadir.
    pub fn head(&self) -> Result<Option<u64>, StoreError> {
        self.meta_u64("head")
    }

    pub fn chain_id(&self) -> Result<Option<u64>, StoreError> {
        self.meta_u64("chain_id")
    }

    /// Writes the genesis block and state into an empty store.
    pub fn init_genesis(&self, chain_id: u64, header: &Header, state: &WorldState) -> Result<B256, StoreError> {
        let hash = header.hash_slow();
        let mut w = self.db.begin_write()?;
        w.set_durability(Durability::Immediate)?;
        {
            let mut accounts = w.open_table(ACCOUNTS)?;
            let mut storage = w.open_table(STORAGE)?;
            for (address, acc) in state.accounts() {
                accounts.insert(address.0 .0, encode_account(acc).as_slice())?;
                for (slot, value) in state.storage_of(address) {
                    storage.insert(storage_key(address, slot), value.to_be_bytes::<32>())?;
                }
            }
            let mut code = w.open_table(CODE)?;
            for (h, c) in state.codes() {
                code.insert(h.0, c.original_byte_slice())?;
            }
            let block = Block::<TxEnvelope> {
                header: header.clone(),
                body: BlockBody { transactions: vec![], ommers: vec![], withdrawals: Some(Default::default()) },
            };
            let mut buf = Vec::new();
            block.encode(&mut buf);
            w.open_table(BLOCKS)?.insert(0u64, buf.as_slice())?;
            w.open_table(SENDERS)?.insert(0u64, &[][..])?;
            w.open_table(RECEIPTS)?.insert(0u64, encode_receipts(&[]).as_slice())?;
            w.open_table(HASHES)?.insert(hash.0, 0u64)?;
            let mut meta = w.open_table(META)?;
            meta.insert("chain_id", chain_id.to_be_bytes().as_slice())?;
            meta.insert("genesis_hash", hash.as_slice())?;
            meta.insert("head", 0u64.to_be_bytes().as_slice())?;
        }
        w.commit()?;
        Ok(hash)
    }

    pub fn genesis_hash(&self) -> Result<Option<B256>, StoreError> {
        let r = self.db.begin_read()?;
        let t = r.open_table(META)?;
        Ok(t.get("genesis_hash")?.map(|v| B256::from_slice(v.value())))
    }

    /// Commits one block atomically: block, senders, receipts, indexes, state diff, head.
    pub fn commit_block(
        &self,
        block: &Block<TxEnvelope>,
        hash: B256,
        senders: &[Address],
        receipts: &[ReceiptEnvelope],
        diff: &StateDiff,
    ) -> Result<(), StoreError> {
        let number = block.header.number;
        let mut w = self.db.begin_write()?;
        w.set_durability(Durability::Immediate)?;
        {
            let mut buf = Vec::with_capacity(block.length());
            block.encode(&mut buf);
            w.open_table(BLOCKS)?.insert(number, buf.as_slice())?;
            let s: Vec<u8> = senders.iter().flat_map(|a| a.0 .0).collect();
            w.open_table(SENDERS)?.insert(number, s.as_slice())?;
            w.open_table(RECEIPTS)?.insert(number, encode_receipts(receipts).as_slice())?;
            w.open_table(HASHES)?.insert(hash.0, number)?;
            let mut txs = w.open_table(TXS)?;
            for (i, tx) in block.body.transactions.iter().enumerate() {
                txs.insert(tx.tx_hash().0, (number, i as u32))?;
            }
            drop(txs);
            let mut code = w.open_table(CODE)?;
            for (h, c) in &diff.code {
                code.insert(h.0, c.as_slice())?;
            }
            drop(code);
            let mut storage = w.open_table(STORAGE)?;
            for address in &diff.wiped {
                let lo = storage_key(address, &U256::ZERO);
                let hi = storage_key(address, &U256::MAX);
                storage.retain_in(lo..=hi, |_, _| false)?;
            }
            for ((address, slot), value) in &diff.storage {
                let k = storage_key(address, slot);
                if value.is_zero() {
                    storage.remove(k)?;
                } else {
                    storage.insert(k, value.to_be_bytes::<32>())?;
                }
            }
            drop(storage);
            let mut accounts = w.open_table(ACCOUNTS)?;
            for (address, acc) in &diff.accounts {
                match acc {
                    Some(a) => {
                        accounts.insert(address.0 .0, encode_account(a).as_slice())?;
                    }
                    None => {
                        accounts.remove(address.0 .0)?;
                    }
                }
            }
            drop(accounts);
            w.open_table(META)?.insert("head", number.to_be_bytes().as_slice())?;
        }
        w.commit()?;
        Ok(())
    }

    /// Loads the whole state (accounts, storage, code) into memory.
    pub fn load_state(&self) -> Result<WorldState, StoreError> {
        let mut state = WorldState::default();
        let r = self.db.begin_read()?;
        for item in r.open_table(CODE)?.iter()? {
            let (_, v) = item?;
            state.insert_code(v.value().to_vec());
        }
        for item in r.open_table(ACCOUNTS)?.iter()? {
            let (k, v) = item?;
            state.insert_account(Address::from(k.value()), decode_account(v.value())?);
        }
        for item in r.open_table(STORAGE)?.iter()? {
            let (k, v) = item?;
            let k = k.value();
            state.insert_storage(
                Address::from_slice(&k[..20]),
                U256::from_be_slice(&k[20..]),
                U256::from_be_bytes(v.value()),
            );
        }
        Ok(state)
    }

    pub fn block_number_by_hash(&self, hash: &B256) -> Result<Option<u64>, StoreError> {
        let r = self.db.begin_read()?;
        Ok(r.open_table(HASHES)?.get(hash.0)?.map(|v| v.value()))
    }

    pub fn tx_location(&self, hash: &B256) -> Result<Option<(u64, u32)>, StoreError> {
        let r = self.db.begin_read()?;
        Ok(r.open_table(TXS)?.get(hash.0)?.map(|v| v.value()))
    }

    /// The raw RLP of block `number`.
    pub fn block_rlp(&self, number: u64) -> Result<Option<Vec<u8>>, StoreError> {
        let r = self.db.begin_read()?;
        Ok(r.open_table(BLOCKS)?.get(number)?.map(|v| v.value().to_vec()))
    }

    pub fn header(&self, number: u64) -> Result<Option<Header>, StoreError> {
        Ok(self.block(number)?.map(|b| b.block.header))
    }

    pub fn block(&self, number: u64) -> Result<Option<StoredBlock>, StoreError> {
        let r = self.db.begin_read()?;
        let Some(raw) = r.open_table(BLOCKS)?.get(number)? else { return Ok(None) };
        let raw = raw.value();
        let size = raw.len();
        let block = Block::<TxEnvelope>::decode(&mut &raw[..])
            .map_err(|e| StoreError::Corrupt { what: "block", detail: format!("{number}: {e}") })?;
        let senders = match r.open_table(SENDERS)?.get(number)? {
            Some(v) => v.value().chunks_exact(20).map(Address::from_slice).collect(),
            None => vec![],
        };
        let receipts = match r.open_table(RECEIPTS)?.get(number)? {
            Some(v) => decode_receipts(v.value())?,
            None => vec![],
        };
        let hash = block.header.hash_slow();
        Ok(Some(StoredBlock { block, hash, senders, receipts, size }))
    }
}

fn encode_receipts(receipts: &[ReceiptEnvelope]) -> Vec<u8> {
    let items: Vec<Bytes> = receipts.iter().map(|r| Bytes::from(r.encoded_2718())).collect();
    let mut out = Vec::new();
    items.encode(&mut out);
    out
}

fn decode_receipts(raw: &[u8]) -> Result<Vec<ReceiptEnvelope>, StoreError> {
    let items = Vec::<Bytes>::decode(&mut &raw[..])
        .map_err(|e| StoreError::Corrupt { what: "receipts", detail: e.to_string() })?;
    items
        .iter()
        .map(|b| {
            ReceiptEnvelope::decode_2718(&mut &b[..])
                .map_err(|e| StoreError::Corrupt { what: "receipt", detail: e.to_string() })
        })
        .collect()
}
