//! Typed errors. Every refusal of outside input (raw transactions, blocks, RPC params) is one
//! of these; nothing is written when one is returned.

use alloy_primitives::{B256, U256};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("malformed input: {0}")]
    Malformed(String),
    #[error("input too large: {got} bytes, limit {limit}")]
    TooLarge { limit: usize, got: usize },
    #[error("blob transaction without its sidecar (eth_sendRawTransaction and blocks take the network form)")]
    MissingSidecar,
}

/// Sidecar problems found before or by KZG verification.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BlobError {
    #[error("blob transaction without blobs")]
    NoBlobs,
    #[error("too many blobs in one transaction: {got}, limit {limit}")]
    TooManyBlobsInTx { got: usize, limit: usize },
    #[error("too many blobs in the block: {got}, limit {limit}")]
    TooManyBlobsInBlock { got: u64, limit: u64 },
    /// `proofs`: blob proofs (EIP-4844) or cell proofs (EIP-7594).
    #[error(
        "sidecar shape mismatch: {hashes} versioned hashes, {blobs} blobs, {commitments} commitments, {proofs} proofs"
    )]
    CountMismatch { hashes: usize, blobs: usize, commitments: usize, proofs: usize },
    #[error("EIP-7594 sidecar with {got} cell proofs for {blobs} blobs, expected {expected} (128 per blob)")]
    CellProofCount { blobs: usize, got: usize, expected: usize },
    #[error("versioned hash {index} has version byte {version:#04x}, expected 0x01")]
    BadVersion { index: usize, version: u8 },
    #[error("versioned hash {index} does not match its commitment: signed {signed}, computed {computed}")]
    HashMismatch { index: usize, signed: B256, computed: B256 },
    #[error("invalid KZG proof for blob(s) of transaction {tx}")]
    InvalidProof { tx: B256 },
    #[error("KZG error: {0}")]
    Kzg(String),
}

/// Why a transaction cannot be executed (a block containing one is invalid; the pool refuses it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TxInvalid {
    #[error("invalid chain id: have {got:?}, want {want}")]
    ChainId { got: Option<u64>, want: u64 },
    #[error("contract creation is not supported on the settlement chain")]
    Create,
    #[error("transaction type {0} is not supported on the settlement chain")]
    UnsupportedType(u8),
    #[error("nonce mismatch: account nonce {expected}, tx nonce {got}")]
    Nonce { expected: u64, got: u64 },
    #[error("intrinsic gas too low: gas limit {gas_limit}, need {intrinsic}")]
    IntrinsicGas { gas_limit: u64, intrinsic: u64 },
    #[error("gas limit {gas_limit} exceeds the block's remaining gas {remaining}")]
    BlockGas { gas_limit: u64, remaining: u64 },
    #[error("max fee per gas less than block base fee: maxFeePerGas {max_fee}, baseFee {base_fee}")]
    FeeCapTooLow { max_fee: u128, base_fee: u64 },
    #[error("max priority fee per gas higher than max fee per gas")]
    TipAboveFeeCap,
    #[error("max fee per blob gas less than blob base fee: maxFeePerBlobGas {max_fee}, blobBaseFee {blob_base_fee}")]
    BlobFeeCapTooLow { max_fee: u128, blob_base_fee: u128 },
    #[error("insufficient funds for gas * price + value + blob fees: have {have} want {want}")]
    InsufficientFunds { have: U256, want: U256 },
    #[error(transparent)]
    Blob(#[from] BlobError),
    #[error("invalid sender signature: {0}")]
    Signature(String),
}

/// `eth_sendRawTransaction` refusals.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubmitError {
    #[error(transparent)]
    Decode(#[from] DecodeError),
    #[error(transparent)]
    Invalid(#[from] TxInvalid),
    #[error(transparent)]
    Pool(#[from] gloam_evm::pool::PoolError),
    #[error("blob pool is full ({limit} blobs)")]
    BlobPoolFull { limit: usize },
    #[error("node is shutting down")]
    ShuttingDown,
}

impl From<BlobError> for SubmitError {
    fn from(e: BlobError) -> Self {
        SubmitError::Invalid(TxInvalid::Blob(e))
    }
}

/// Why a block was refused by `verify_block` (nothing is kept or written).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BlockError {
    #[error(transparent)]
    Decode(#[from] DecodeError),
    #[error("unknown parent {0}")]
    UnknownParent(B256),
    #[error("block {number} does not extend the finalized chain (finalized height {finalized})")]
    BelowFinalized { number: u64, finalized: u64 },
    #[error("header field {field}: expected {expected}, got {got}")]
    Header { field: &'static str, expected: String, got: String },
    #[error("transaction {index} invalid: {err}")]
    Tx { index: usize, err: TxInvalid },
    #[error(transparent)]
    Blob(#[from] BlobError),
}

/// Everything [`crate::Settlement`]'s API can return.
#[derive(Debug, thiserror::Error)]
pub enum SettlementError {
    #[error(transparent)]
    Block(#[from] BlockError),
    #[error("storage: {0}")]
    Storage(String),
    #[error("unknown block {0}")]
    UnknownBlock(B256),
    #[error("block {hash} does not descend from the finalized head")]
    NotOnFinalizedChain { hash: B256 },
    #[error("{limit} unfinalized blocks already kept (finality stalled?); refusing more until one is finalized")]
    TooManyPending { limit: usize },
    #[error("state root mismatch at height {height}: header {header}, stored state {computed}")]
    StateRootMismatch { height: u64, header: B256, computed: B256 },
    #[error("the data directory belongs to another chain: genesis {stored}, configured {configured}")]
    GenesisMismatch { stored: B256, configured: B256 },
    #[error("timestamp {timestamp_ms} ms not after the parent's {parent_ms} ms")]
    Timestamp { timestamp_ms: u64, parent_ms: u64 },
    #[error("KZG setup: {0}")]
    Kzg(String),
}

macro_rules! storage_from {
    ($($t:ty),*) => {$(
        impl From<$t> for SettlementError {
            fn from(e: $t) -> Self {
                SettlementError::Storage(e.to_string())
            }
        }
    )*};
}
storage_from!(
    redb::Error,
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError,
    redb::SetDurabilityError
);
