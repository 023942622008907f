//! gloam's settlement and data-availability chain.
//!
//! A ledger (accounts, validator stakes, output roots, disputes) with Ethereum-typed
//! transactions: value transfers and EIP-4844 blob transactions whose sidecars (EIP-4844 blob
//! proofs or EIP-7594 cell proofs, kept in the form received) are checked cheaply first and then
//! with ONE batched KZG verification per proof form (with a cache, so a blob verified at pool
//! entry is not verified again in a block); system calls to STAKING / OUTPUT_ORACLE /
//! DISPUTES; blocks with their own RLP header; verification on unfinalized parents (forks);
//! finalization into redb in one atomic write with sidecars in their own tables and pruning
//! after a retention window; Ethereum JSON-RPC plus `gloam_*` methods.
//!
//! The crate does not depend on consensus: the consensus glue calls [`Settlement::build_block`],
//! [`Settlement::verify_block`] and [`Settlement::finalize`]; [`DevProducer`] drives the chain
//! alone.

pub mod blobs;
pub mod chain;
pub mod error;
pub mod exec;
pub mod fuzzing;
pub mod params;
pub mod producer;
pub mod rpc;
pub mod state;
pub mod store;
pub mod testutil;
pub mod types;

pub use chain::{Genesis, Heads, PendingBlock, Settlement, SettlementConfig, SyncPolicy, DEFAULT_RETENTION_BLOCKS};
pub use error::{BlobError, BlockError, DecodeError, SettlementError, SubmitError, TxInvalid};
pub use params::{BATCH_INBOX, DEV_CHAIN_ID, DISPUTES, EVM_ENV_ID, OUTPUT_ORACLE, STAKING};
pub use producer::DevProducer;
pub use types::{output_root, Block, Header, NetTx};
