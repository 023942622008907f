//! Persistence in redb 4.4: one write transaction per finalization (fsynced per block or
//! deferred, see [`crate::chain::SyncPolicy`])
//! holds the blocks (without sidecars), their senders and receipts, the transaction index, the
//! sidecars in their own tables (versioned hash → sidecar record, height → versioned hashes),
//! the certificate, the ledger changes, the new finalized head and the sidecar pruning. A
//! finalization is on disk entirely or not at all.

use std::path::Path;

use alloy_consensus::ReceiptEnvelope;
use alloy_eips::eip2718::{Decodable2718, Encodable2718};
use alloy_primitives::{Address, Bytes, B256, U256};
use alloy_rlp::Decodable;
use redb::{Database, Durability, ReadableDatabase, ReadableTable, TableDefinition};

use crate::error::SettlementError;
use crate::state::{output_key, Account, Changes, Ledger};
use crate::types::{encode_rlp, BlobRecord, CommitteeMember, DisputeRecord, OutputRecord, StoredBlock, ValidatorKeys};

const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
const BLOCKS: TableDefinition<u64, &[u8]> = TableDefinition::new("blocks");
const SENDERS: TableDefinition<u64, &[u8]> = TableDefinition::new("senders");
const RECEIPTS: TableDefinition<u64, &[u8]> = TableDefinition::new("receipts");
const CERTS: TableDefinition<u64, &[u8]> = TableDefinition::new("certificates");
const HASHES: TableDefinition<[u8; 32], u64> = TableDefinition::new("block_hashes");
const TXS: TableDefinition<[u8; 32], (u64, u32)> = TableDefinition::new("tx_index");
const SIDECARS: TableDefinition<[u8; 32], &[u8]> = TableDefinition::new("sidecars");
const SIDECAR_HEIGHTS: TableDefinition<u64, &[u8]> = TableDefinition::new("sidecar_heights");
const ACCOUNTS: TableDefinition<[u8; 20], &[u8]> = TableDefinition::new("accounts");
const VALIDATORS: TableDefinition<[u8; 20], &[u8]> = TableDefinition::new("validators");
const OUTPUTS: TableDefinition<[u8; 16], &[u8]> = TableDefinition::new("outputs");
const DISPUTES: TableDefinition<u64, &[u8]> = TableDefinition::new("disputes");
const REGISTRY: TableDefinition<[u8; 20], &[u8]> = TableDefinition::new("validator_keys");
const COMMITTEES: TableDefinition<u64, &[u8]> = TableDefinition::new("committees");

/// A finalized block as read back.
#[derive(Clone, Debug)]
pub struct FinalBlock {
    pub block: StoredBlock,
    pub hash: B256,
    pub senders: Vec<Address>,
    pub receipts: Vec<ReceiptEnvelope>,
    pub size: usize,
}

/// One block of a finalization write.
pub struct FinalizeItem<'a> {
    pub block: &'a StoredBlock,
    pub hash: B256,
    pub senders: &'a [Address],
    pub receipts: &'a [ReceiptEnvelope],
    pub blobs: Vec<BlobRecord>,
}

pub struct Store {
    db: Database,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Store")
    }
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> SettlementError {
    SettlementError::Storage(format!("corrupt {what}: {e}"))
}

fn decode<T: Decodable>(what: &str, mut b: &[u8]) -> Result<T, SettlementError> {
    T::decode(&mut b).map_err(|e| corrupt(what, e))
}

fn encode_receipts(rs: &[ReceiptEnvelope]) -> Vec<u8> {
    let list: Vec<Bytes> = rs.iter().map(|r| r.encoded_2718().into()).collect();
    encode_rlp(&list)
}

fn decode_receipts(b: &[u8]) -> Result<Vec<ReceiptEnvelope>, SettlementError> {
    let list: Vec<Bytes> = decode("receipts", b)?;
    list.iter().map(|r| ReceiptEnvelope::decode_2718_exact(r).map_err(|e| corrupt("receipt", e))).collect()
}

impl Store {
    /// Opens (or creates) `dir/settlement.redb`.
    pub fn open(dir: &Path) -> Result<Self, SettlementError> {
        std::fs::create_dir_all(dir).map_err(|e| SettlementError::Storage(format!("create {}: {e}", dir.display())))?;
        let db = Database::create(dir.join("settlement.redb"))?;
        let w = db.begin_write()?;
        {
            w.open_table(META)?;
            w.open_table(BLOCKS)?;
            w.open_table(SENDERS)?;
            w.open_table(RECEIPTS)?;
            w.open_table(CERTS)?;
            w.open_table(HASHES)?;
            w.open_table(TXS)?;
            w.open_table(SIDECARS)?;
            w.open_table(SIDECAR_HEIGHTS)?;
            w.open_table(ACCOUNTS)?;
            w.open_table(VALIDATORS)?;
            w.open_table(OUTPUTS)?;
            w.open_table(DISPUTES)?;
            w.open_table(REGISTRY)?;
            w.open_table(COMMITTEES)?;
        }
        w.commit()?;
        Ok(Self { db })
    }

    /// The finalized head `(number, hash)`, or `None` for an empty store.
    pub fn finalized(&self) -> Result<Option<(u64, B256)>, SettlementError> {
        let r = self.db.begin_read()?;
        let t = r.open_table(META)?;
        let Some(v) = t.get("finalized")? else { return Ok(None) };
        let v = v.value();
        if v.len() != 40 {
            return Err(corrupt("meta", "finalized"));
        }
        Ok(Some((u64::from_be_bytes(v[..8].try_into().expect("8")), B256::from_slice(&v[8..]))))
    }

    /// Writes genesis (block 0 and its ledger) into an empty store.
    pub fn write_genesis(&self, block: &StoredBlock, ledger: &Ledger) -> Result<(), SettlementError> {
        let all = Changes {
            accounts: ledger.accounts.keys().copied().collect(),
            validators: ledger.validators.keys().copied().collect(),
            outputs: ledger.outputs.keys().copied().collect(),
            disputes_from: (!ledger.disputes.is_empty()).then_some(0),
            registry: ledger.registry.keys().copied().collect(),
            committees: ledger.committees.keys().copied().collect(),
        };
        let item = FinalizeItem { block, hash: block.header.hash(), senders: &[], receipts: &[], blobs: vec![] };
        self.commit_finalized(&[item], ledger, &all, b"genesis", None, true)
    }

    /// Makes every earlier commit durable (an empty commit with `Durability::Immediate`).
    pub fn sync(&self) -> Result<(), SettlementError> {
        let mut w = self.db.begin_write()?;
        w.set_durability(Durability::Immediate)?;
        w.commit()?;
        Ok(())
    }

    /// The finalization write: every block of `items` (in order), the ledger keys in
    /// `changes` as they are in `ledger`, the certificate of the last block, the new head, and
    /// sidecar pruning (`retention`: keep the sidecars of the last `retention` heights; `None`
    /// keeps all). `durable`: fsynced before returning; otherwise committed (atomic, visible to
    /// readers) but on disk only after a later durable commit or [`Store::sync`] — a crash in
    /// between rolls the store back to the last durable commit, never to a torn state.
    pub fn commit_finalized(
        &self,
        items: &[FinalizeItem<'_>],
        ledger: &Ledger,
        changes: &Changes,
        certificate: &[u8],
        retention: Option<u64>,
        durable: bool,
    ) -> Result<(), SettlementError> {
        let Some(last) = items.last() else { return Ok(()) };
        let mut w = self.db.begin_write()?;
        w.set_durability(if durable { Durability::Immediate } else { Durability::None })?;
        {
            let mut blocks = w.open_table(BLOCKS)?;
            let mut senders = w.open_table(SENDERS)?;
            let mut receipts = w.open_table(RECEIPTS)?;
            let mut hashes = w.open_table(HASHES)?;
            let mut txs = w.open_table(TXS)?;
            let mut sidecars = w.open_table(SIDECARS)?;
            let mut heights = w.open_table(SIDECAR_HEIGHTS)?;
            for it in items {
                let n = it.block.header.number;
                blocks.insert(n, it.block.encode().as_slice())?;
                let s: Vec<u8> = it.senders.iter().flat_map(|a| a.0 .0).collect();
                senders.insert(n, s.as_slice())?;
                receipts.insert(n, encode_receipts(it.receipts).as_slice())?;
                hashes.insert(it.hash.0, n)?;
                for (i, tx) in it.block.txs.iter().enumerate() {
                    txs.insert(tx.tx_hash().0, (n, i as u32))?;
                }
                if !it.blobs.is_empty() {
                    let mut idx = Vec::with_capacity(32 * it.blobs.len());
                    for b in &it.blobs {
                        sidecars.insert(b.versioned_hash.0, encode_rlp(b).as_slice())?;
                        idx.extend_from_slice(b.versioned_hash.as_slice());
                    }
                    heights.insert(n, idx.as_slice())?;
                }
            }
            let head = last.block.header.number;
            if let Some(keep) = retention {
                let cutoff = (head + 1).saturating_sub(keep);
                let old: Vec<(u64, Vec<u8>)> = heights
                    .range(..cutoff)?
                    .map(|e| e.map(|(k, v)| (k.value(), v.value().to_vec())))
                    .collect::<Result<_, _>>()?;
                for (h, idx) in old {
                    for vh in idx.chunks_exact(32) {
                        let k: [u8; 32] = vh.try_into().expect("32");
                        // A blob re-posted later is kept under its newer height.
                        let same_height = match sidecars.get(k)? {
                            Some(v) => decode::<BlobRecord>("sidecar", v.value())?.block_number == h,
                            None => false,
                        };
                        if same_height {
                            sidecars.remove(k)?;
                        }
                    }
                    heights.remove(h)?;
                }
            }
            w.open_table(CERTS)?.insert(head, certificate)?;
            let mut accounts = w.open_table(ACCOUNTS)?;
            for a in &changes.accounts {
                let acc = ledger.account(a);
                if acc == Account::default() {
                    accounts.remove(a.0 .0)?;
                } else {
                    accounts.insert(a.0 .0, encode_rlp(&acc).as_slice())?;
                }
            }
            let mut validators = w.open_table(VALIDATORS)?;
            for a in &changes.validators {
                let s = ledger.stake(a);
                if s.is_zero() {
                    validators.remove(a.0 .0)?;
                } else {
                    validators.insert(a.0 .0, encode_rlp(&s).as_slice())?;
                }
            }
            let mut outputs = w.open_table(OUTPUTS)?;
            for (e, n) in &changes.outputs {
                if let Some(r) = ledger.outputs.get(&(*e, *n)) {
                    outputs.insert(output_key(*e, *n), encode_rlp(r).as_slice())?;
                }
            }
            if let Some(from) = changes.disputes_from {
                let mut disputes = w.open_table(DISPUTES)?;
                for (i, d) in ledger.disputes.iter().enumerate().skip(from as usize) {
                    disputes.insert(i as u64, encode_rlp(d).as_slice())?;
                }
            }
            let mut registry = w.open_table(REGISTRY)?;
            for a in &changes.registry {
                if let Some(k) = ledger.registry.get(a) {
                    registry.insert(a.0 .0, encode_rlp(k).as_slice())?;
                }
            }
            let mut committees = w.open_table(COMMITTEES)?;
            for e in &changes.committees {
                if let Some(m) = ledger.committees.get(e) {
                    committees.insert(*e, encode_rlp(m).as_slice())?;
                }
            }
            let mut meta = w.open_table(META)?;
            let mut v = head.to_be_bytes().to_vec();
            v.extend_from_slice(last.hash.as_slice());
            meta.insert("finalized", v.as_slice())?;
        }
        w.commit()?;
        Ok(())
    }

    /// The ledger as of the finalized head.
    pub fn load_ledger(&self) -> Result<Ledger, SettlementError> {
        let r = self.db.begin_read()?;
        let mut l = Ledger::default();
        for e in r.open_table(ACCOUNTS)?.iter()? {
            let (k, v) = e?;
            l.accounts.insert(Address::from(k.value()), decode("account", v.value())?);
        }
        for e in r.open_table(VALIDATORS)?.iter()? {
            let (k, v) = e?;
            l.validators.insert(Address::from(k.value()), decode::<U256>("stake", v.value())?);
        }
        for e in r.open_table(OUTPUTS)?.iter()? {
            let (k, v) = e?;
            let k = k.value();
            let env = u64::from_be_bytes(k[..8].try_into().expect("8"));
            let n = u64::from_be_bytes(k[8..].try_into().expect("8"));
            l.outputs.insert((env, n), decode::<OutputRecord>("output", v.value())?);
        }
        for (i, e) in r.open_table(DISPUTES)?.iter()?.enumerate() {
            let (k, v) = e?;
            if k.value() != i as u64 {
                return Err(corrupt("disputes", "gap in indexes"));
            }
            l.disputes.push(decode::<DisputeRecord>("dispute", v.value())?);
        }
        for e in r.open_table(REGISTRY)?.iter()? {
            let (k, v) = e?;
            l.registry.insert(Address::from(k.value()), decode::<ValidatorKeys>("validator keys", v.value())?);
        }
        for e in r.open_table(COMMITTEES)?.iter()? {
            let (k, v) = e?;
            l.committees.insert(k.value(), decode::<Vec<CommitteeMember>>("committee", v.value())?);
        }
        Ok(l)
    }

    pub fn number_of(&self, hash: &B256) -> Result<Option<u64>, SettlementError> {
        let r = self.db.begin_read()?;
        Ok(r.open_table(HASHES)?.get(hash.0)?.map(|v| v.value()))
    }

    pub fn block(&self, n: u64) -> Result<Option<FinalBlock>, SettlementError> {
        let r = self.db.begin_read()?;
        let Some(raw) = r.open_table(BLOCKS)?.get(n)? else { return Ok(None) };
        let raw = raw.value();
        let block = StoredBlock::decode(raw).map_err(|e| corrupt("block", e))?;
        let senders = match r.open_table(SENDERS)?.get(n)? {
            Some(s) => s.value().chunks_exact(20).map(Address::from_slice).collect(),
            None => vec![],
        };
        let receipts = match r.open_table(RECEIPTS)?.get(n)? {
            Some(v) => decode_receipts(v.value())?,
            None => vec![],
        };
        if senders.len() != block.txs.len() || receipts.len() != block.txs.len() {
            return Err(corrupt("block", format!("senders/receipts of block {n} do not match its transactions")));
        }
        Ok(Some(FinalBlock { hash: block.header.hash(), size: raw.len(), block, senders, receipts }))
    }

    pub fn tx_location(&self, hash: &B256) -> Result<Option<(u64, u32)>, SettlementError> {
        let r = self.db.begin_read()?;
        Ok(r.open_table(TXS)?.get(hash.0)?.map(|v| v.value()))
    }

    pub fn blob(&self, versioned_hash: &B256) -> Result<Option<BlobRecord>, SettlementError> {
        let r = self.db.begin_read()?;
        match r.open_table(SIDECARS)?.get(versioned_hash.0)? {
            Some(v) => Ok(Some(decode("sidecar", v.value())?)),
            None => Ok(None),
        }
    }

    /// The stored sidecars of a height in block order (empty if none or pruned).
    pub fn blobs_at(&self, n: u64) -> Result<Vec<BlobRecord>, SettlementError> {
        let r = self.db.begin_read()?;
        let Some(idx) = r.open_table(SIDECAR_HEIGHTS)?.get(n)? else { return Ok(vec![]) };
        let t = r.open_table(SIDECARS)?;
        let mut out = Vec::new();
        for vh in idx.value().chunks_exact(32) {
            let k: [u8; 32] = vh.try_into().expect("32");
            if let Some(v) = t.get(k)? {
                let rec: BlobRecord = decode("sidecar", v.value())?;
                if rec.block_number == n {
                    out.push(rec);
                }
            }
        }
        Ok(out)
    }

    /// Heights that still have sidecars stored.
    pub fn sidecar_heights(&self) -> Result<Vec<u64>, SettlementError> {
        let r = self.db.begin_read()?;
        let t = r.open_table(SIDECAR_HEIGHTS)?;
        let mut v = Vec::new();
        for e in t.iter()? {
            v.push(e?.0.value());
        }
        Ok(v)
    }

    pub fn certificate(&self, n: u64) -> Result<Option<Vec<u8>>, SettlementError> {
        let r = self.db.begin_read()?;
        Ok(r.open_table(CERTS)?.get(n)?.map(|v| v.value().to_vec()))
    }
}
