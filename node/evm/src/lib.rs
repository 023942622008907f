//! gloam's EVM execution environment.
//!
//! A revm (Prague) chain with Ethereum's block format and Merkle-Patricia roots, so block hashes
//! are the ones other tools compute; redb storage with one atomic write per block; a transaction
//! pool; Ethereum JSON-RPC over HTTP and WebSocket; and crypto through the gloam engine (batched
//! secp256k1 sender recovery, and the ECRECOVER and KZG point-evaluation precompiles via revm's
//! `install_crypto` hook).
//!
//! The crate is a library so that `gloam node`, the benchmarks and the settlement layer's
//! derivation pipeline share one block-import path ([`chain::Chain::import_block`]).

pub mod admission;
pub mod chain;
pub mod crypto;
pub mod exec;
pub mod fuzzing;
pub mod genesis;
pub mod journal;
pub mod pool;
pub mod recover;
pub mod rlp_file;
pub mod rpc;
pub mod rpc_common;
pub mod rpc_logs;
pub mod state;
pub mod store;
pub mod testutil;

pub use chain::{Chain, ChainConfig, ChainError, SubmitError};
pub use genesis::{dev_genesis, dev_signer, genesis_from_json, GenesisState, DEV_MNEMONIC};

/// Configuration and start-up errors.
#[derive(Debug, thiserror::Error)]
pub enum EvmError {
    #[error("{0}")]
    Genesis(String),
    #[error(transparent)]
    Chain(#[from] chain::ChainError),
    #[error("{0}")]
    Io(String),
}
