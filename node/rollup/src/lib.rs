//! gloam-rollup: the batcher and the derivation pipeline between gloam's EVM execution
//! environment (`gloam-evm`) and its settlement layer.
//!
//! * [`blob`], [`frame`], [`channel`]: the data format (README.md has the byte layouts).
//! * [`batcher::Batcher`]: EVM blocks → channels → frames → blobs → EIP-4844 transactions to
//!   BATCH_INBOX, then `proposeOutput` to OUTPUT_ORACLE.
//! * [`follower::Follower`]: finalized settlement blocks → blobs → frames → channels → blocks
//!   imported with re-execution, output roots checked, `dispute` on a mismatch.
//! * [`settlement::Settlement`]: what both need from the settlement layer; implemented over
//!   JSON-RPC ([`rpc::RpcSettlement`]) and in memory ([`fake::FakeSettlement`]).

pub mod abi;
pub mod batcher;
pub mod blob;
pub mod channel;
pub mod fake;
pub mod follower;
pub mod frame;
pub mod fuzzing;
pub mod rpc;
pub mod settlement;
pub mod tx;

pub use batcher::{Batcher, BatcherConfig, BatcherError, BatcherStatus};
pub use fake::{FakeConfig, FakeSettlement};
pub use follower::{DerivationError, Follower, FollowerConfig, FollowerStatus};
pub use rpc::RpcSettlement;
pub use settlement::{BlockTag, Settlement, SettlementError};
