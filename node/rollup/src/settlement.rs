//! What the rollup needs from the settlement layer, as a trait: [`crate::rpc::RpcSettlement`]
//! implements it over the settlement JSON-RPC, [`crate::fake::FakeSettlement`] in memory.
//!
//! Calls are blocking (the batcher and follower run on their own threads; from async code, use
//! `spawn_blocking`). The record types serialize to the JSON shapes of the `gloam_*` methods.

use alloy_primitives::{Address, Bytes, B256, U256};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A block selector: a number or one of the standard tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockTag {
    Number(u64),
    Latest,
    Safe,
    Finalized,
    Earliest,
    Pending,
}

impl BlockTag {
    /// The JSON-RPC form: `"0x1a"` or the tag name.
    pub fn to_json(self) -> serde_json::Value {
        serde_json::Value::String(match self {
            BlockTag::Number(n) => format!("0x{n:x}"),
            BlockTag::Latest => "latest".into(),
            BlockTag::Safe => "safe".into(),
            BlockTag::Finalized => "finalized".into(),
            BlockTag::Earliest => "earliest".into(),
            BlockTag::Pending => "pending".into(),
        })
    }

    pub fn parse(s: &str) -> Option<BlockTag> {
        Some(match s {
            "latest" => BlockTag::Latest,
            "safe" => BlockTag::Safe,
            "finalized" => BlockTag::Finalized,
            "earliest" => BlockTag::Earliest,
            "pending" => BlockTag::Pending,
            n => BlockTag::Number(parse_quantity(n)?),
        })
    }
}

/// A transaction of a settlement block, as far as derivation reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettlementTx {
    pub hash: B256,
    pub tx_type: u8,
    pub from: Address,
    pub to: Option<Address>,
    pub nonce: u64,
    pub input: Bytes,
    pub blob_versioned_hashes: Vec<B256>,
}

/// A settlement block with its transactions (`eth_getBlockByNumber(n, true)`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettlementBlock {
    pub number: u64,
    pub hash: B256,
    pub parent_hash: B256,
    pub transactions: Vec<SettlementTx>,
}

/// `eth_getTransactionReceipt`, the fields the batcher reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReceiptInfo {
    pub tx_hash: B256,
    pub block_number: u64,
    pub success: bool,
}

/// One blob as `gloam_getBlobByVersionedHash` / `gloam_getBlobSidecars` return it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BlobRecord {
    pub versioned_hash: B256,
    pub blob: Bytes,
    pub commitment: Bytes,
    pub proof: Bytes,
    #[serde(with = "quantity")]
    pub block_number: u64,
    pub tx_hash: B256,
    #[serde(with = "quantity")]
    pub index: u64,
}

/// `gloam_getOutputRoot(envId, l2BlockNumber)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutputRecord {
    pub output_root: B256,
    #[serde(with = "quantity")]
    pub settlement_block: u64,
    pub submitter: Address,
    pub tx_hash: B256,
}

/// One entry of `gloam_getDisputes()`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DisputeRecord {
    #[serde(with = "quantity")]
    pub env_id: u64,
    #[serde(with = "quantity")]
    pub l2_block_number: u64,
    pub posted_root: B256,
    pub computed_root: B256,
    pub submitter: Address,
    #[serde(with = "quantity")]
    pub settlement_block: u64,
    pub tx_hash: B256,
}

/// One entry of `gloam_validators()`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidatorRecord {
    pub address: Address,
    #[serde(with = "quantity_u256")]
    pub stake: U256,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettlementError {
    /// The node could not be reached or the HTTP exchange failed (retryable).
    #[error("transport: {0}")]
    Transport(String),
    /// A JSON-RPC error object (e.g. a rejected transaction).
    #[error("rpc error {code}: {message}")]
    Rpc { code: i64, message: String },
    /// The answer did not have the expected shape.
    #[error("unexpected response: {0}")]
    Decode(String),
}

pub type SettlementResult<T> = Result<T, SettlementError>;

/// The settlement layer as the batcher and the follower use it.
pub trait Settlement: Send + Sync {
    /// `eth_chainId`.
    fn chain_id(&self) -> SettlementResult<u64>;
    /// The number of the block a tag resolves to (`None`: no such block yet).
    fn block_number(&self, tag: BlockTag) -> SettlementResult<Option<u64>>;
    /// `eth_getBlockByNumber(tag, true)`.
    fn block(&self, tag: BlockTag) -> SettlementResult<Option<SettlementBlock>>;
    /// `eth_getTransactionCount(address, tag)`.
    fn transaction_count(&self, address: Address, tag: BlockTag) -> SettlementResult<u64>;
    /// `eth_gasPrice`.
    fn gas_price(&self) -> SettlementResult<u128>;
    /// `eth_blobBaseFee`.
    fn blob_base_fee(&self) -> SettlementResult<u128>;
    /// `eth_sendRawTransaction` (blob transactions in the EIP-4844 network form).
    fn send_raw_transaction(&self, raw: &[u8]) -> SettlementResult<B256>;
    /// `eth_getTransactionReceipt`.
    fn receipt(&self, hash: B256) -> SettlementResult<Option<ReceiptInfo>>;
    /// `gloam_getBlobByVersionedHash`.
    fn blob_by_versioned_hash(&self, versioned_hash: B256) -> SettlementResult<Option<BlobRecord>>;
    /// `gloam_getBlobSidecars` (`None`: unknown block).
    fn blob_sidecars(&self, block: BlockTag) -> SettlementResult<Option<Vec<BlobRecord>>>;
    /// `gloam_getOutputRoot`.
    fn output_root(&self, env_id: u64, l2_block: u64) -> SettlementResult<Option<OutputRecord>>;
    /// `gloam_getDisputes`.
    fn disputes(&self) -> SettlementResult<Vec<DisputeRecord>>;
    /// `gloam_validators`.
    fn validators(&self) -> SettlementResult<Vec<ValidatorRecord>>;
}

/// `0x`-hex quantity (also accepts decimal strings and JSON numbers).
pub fn parse_quantity(s: &str) -> Option<u64> {
    match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(h) if !h.is_empty() && h.len() <= 16 => u64::from_str_radix(h, 16).ok(),
        Some(_) => None,
        None => s.parse().ok(),
    }
}

pub(crate) mod quantity {
    use super::*;

    pub fn serialize<S: Serializer>(x: &u64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("0x{x:x}"))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::Number(n) => n.as_u64().ok_or_else(|| serde::de::Error::custom("not a u64")),
            serde_json::Value::String(s) => {
                parse_quantity(&s).ok_or_else(|| serde::de::Error::custom(format!("bad quantity {s:?}")))
            }
            v => Err(serde::de::Error::custom(format!("expected a quantity, got {v}"))),
        }
    }
}

pub(crate) mod quantity_u256 {
    use super::*;

    pub fn serialize<S: Serializer>(x: &U256, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("0x{x:x}"))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<U256, D::Error> {
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::Number(n) => {
                n.as_u64().map(U256::from).ok_or_else(|| serde::de::Error::custom("not an integer"))
            }
            serde_json::Value::String(s) => {
                let r = match s.strip_prefix("0x") {
                    Some(h) => U256::from_str_radix(h, 16),
                    None => U256::from_str_radix(&s, 10),
                };
                r.map_err(|_| serde::de::Error::custom(format!("bad quantity {s:?}")))
            }
            v => Err(serde::de::Error::custom(format!("expected a quantity, got {v}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shapes of the shared conventions, written out by hand.
    #[test]
    fn records_parse_the_convention_shapes() {
        let blob = format!("0x{}", "00".repeat(131072));
        let v = serde_json::json!({
            "versionedHash": format!("0x01{}", "22".repeat(31)),
            "blob": blob,
            "commitment": format!("0x{}", "c0".repeat(48)),
            "proof": format!("0x{}", "c0".repeat(48)),
            "blockNumber": "0x1a",
            "txHash": format!("0x{}", "33".repeat(32)),
            "index": 0
        });
        let r: BlobRecord = serde_json::from_value(v).unwrap();
        assert_eq!((r.block_number, r.index, r.blob.len(), r.commitment.len()), (26, 0, 131072, 48));
        let back = serde_json::to_value(&r).unwrap();
        assert_eq!(back["blockNumber"], "0x1a");
        let o: OutputRecord = serde_json::from_value(serde_json::json!({
            "outputRoot": format!("0x{}", "44".repeat(32)),
            "settlementBlock": "0x10",
            "submitter": "0x5e77000000000000000000000000000000000001",
            "txHash": format!("0x{}", "55".repeat(32)),
        }))
        .unwrap();
        assert_eq!(o.settlement_block, 16);
        let d: Vec<DisputeRecord> = serde_json::from_value(serde_json::json!([{
            "envId": 1, "l2BlockNumber": "0x7",
            "postedRoot": format!("0x{}", "44".repeat(32)), "computedRoot": format!("0x{}", "45".repeat(32)),
            "submitter": "0x5e77000000000000000000000000000000000003", "settlementBlock": "0x9",
            "txHash": format!("0x{}", "55".repeat(32)),
        }]))
        .unwrap();
        assert_eq!((d[0].env_id, d[0].l2_block_number, d[0].settlement_block), (1, 7, 9));
        let v: Vec<ValidatorRecord> =
            serde_json::from_value(serde_json::json!([{"address": "0x5e77000000000000000000000000000000000001", "stake": "0xde0b6b3a7640000"}]))
                .unwrap();
        assert_eq!(v[0].stake, U256::from(10u64).pow(U256::from(18)));
        assert!(serde_json::from_value::<OutputRecord>(serde_json::json!({"outputRoot": "0x12"})).is_err());
        assert_eq!(BlockTag::parse("0x10"), Some(BlockTag::Number(16)));
        assert_eq!(BlockTag::parse("finalized"), Some(BlockTag::Finalized));
        assert_eq!(BlockTag::parse("0x"), None);
        assert_eq!(BlockTag::Number(255).to_json(), "0xff");
    }
}
