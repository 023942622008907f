//! gloam-consensus: BFT finality for the settlement chain.
//!
//! The protocol is commonware's simplex (`commonware-consensus` 2026.10.0, pinned exactly) with
//! BLS12-381 multisig certificates (`bls12381_multisig`, `MinPk`: public keys in G1, signatures
//! in G2) and ed25519 peer identities. Blocks are gloam envelopes ([`Block`]) that consensus
//! disseminates itself through commonware `marshal` (standard variant: whole blocks over
//! `broadcast::buffered`, backfill over `resolver::p2p`, finalized blocks and certificates in
//! `storage::archive`s), so the [`Application`] only ever sees payloads.
//!
//! * [`run_validator`] runs one validator on the tokio runtime over `p2p::authenticated::lookup`
//!   (real sockets) with its storage under `data_dir`.
//! * [`init_testnet`] writes keys and configs for an n-validator network.
//! * [`sim`] runs whole networks in commonware's deterministic runtime over `p2p::simulated`
//!   (tests, and [`simulate`] for benchmark figures in simulated time).
//!
//! See README.md for the design and its limits.

mod block;
pub mod config;
pub mod engine;
pub mod fuzzing;
pub mod keys;
mod node;
pub mod sim;

pub use block::{block_digest, Block, BLOCK_DIGEST_DOMAIN};
pub use config::{init_testnet, KeyFile, ValidatorConfig, ValidatorEntry, ValidatorSet};
pub use node::{run_validator, ValidatorHandle, NOT_A_GENESIS_MEMBER};
pub use sim::{simulate, SimLink, SimReport};

/// A block digest: what consensus votes on ([`block_digest`]).
pub type Digest = [u8; 32];

/// Consensus context of a block, handed to the [`Application`] with its payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockContext {
    /// Height of the block (genesis = 0).
    pub height: u64,
    /// Simplex view in which the block was proposed (0 for genesis).
    pub view: u64,
    /// Digest of the parent block (all zero for genesis).
    pub parent: Digest,
    /// Proposer's wall-clock time in milliseconds since the Unix epoch (strictly increasing along
    /// the chain, not further than [`MAX_FUTURE_DRIFT_MS`] ahead of a verifier's clock).
    pub timestamp_ms: u64,
    /// Index of the proposer in the validator set **of the block's epoch** (`height / epoch_length`),
    /// sorted by identity key. The same validator can have different indices in different epochs.
    pub proposer: u32,
}

/// How far a block's timestamp may run ahead of a verifier's clock before the verifier waits
/// (it does not reject: the verdict must not depend on local clocks, see `Automaton::verify`).
pub const MAX_FUTURE_DRIFT_MS: u64 = 500;

/// The settlement application as consensus sees it. All calls are synchronous and are made on
/// blocking threads (never on the async executor).
pub trait Application: Send + Sync + 'static {
    /// Application payload of the genesis block (height 0).
    fn genesis(&self) -> Vec<u8>;
    /// Build the payload of a new block on top of `ctx.parent`. May take a while (runs off the
    /// async executor).
    fn propose(&self, ctx: &BlockContext) -> Result<Vec<u8>, String>;
    /// Check a payload proposed by someone else (may take 100s of ms: batched KZG). Deterministic.
    fn verify(&self, ctx: &BlockContext, payload: &[u8]) -> Result<(), String>;
    /// Called once per finalized block, in height order with no gaps, also when catching up after
    /// a restart (from last_finalized()+1). `finalization` is the encoded finalization certificate
    /// (see README: it may certify a descendant's view when this block was finalized implicitly).
    fn finalized(&self, ctx: &BlockContext, digest: Digest, payload: &[u8], finalization: &[u8]);
    /// Highest height the application has durably applied (0 = only genesis).
    fn last_finalized(&self) -> u64 {
        0
    }
    /// A consensus fault with evidence (equivocation / conflicting votes), for slashing.
    fn fault(&self, _fault: &Fault) {}
    /// The validator list for `epoch` (≥ 1), read from the application state after the last block of
    /// epoch `epoch − 1` has been passed to `finalized` (so every validator computes the same list).
    /// `None` keeps the previous epoch's list. Entries go through the same checks as the genesis
    /// list (`ValidatorSet::from_entries` with `min_stake`); an invalid or empty list keeps the
    /// previous set and logs an error (never halts the chain).
    ///
    /// Called once per epoch boundary, on a blocking thread, before any block of `epoch` is handed
    /// to `finalized`; the answer is stored in consensus storage, so it is not asked again for the
    /// same epoch after a restart (except when the node stopped between applying the boundary block
    /// and storing the answer: then it is asked again with the state still at the boundary).
    fn validators_for_epoch(&self, _epoch: u64) -> Option<Vec<ValidatorEntry>> {
        None
    }
}

/// Kind of a consensus fault (commonware simplex `Activity` fault variants).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FaultKind {
    /// Two notarize votes for different proposals in the same view.
    ConflictingNotarize,
    /// Two finalize votes for different proposals in the same view.
    ConflictingFinalize,
    /// A nullify vote and a finalize vote in the same view.
    NullifyFinalize,
}

/// A consensus fault with evidence, reported through [`Application::fault`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    pub kind: FaultKind,
    /// Index of the faulty validator in the sorted validator set of epoch `epoch`.
    pub validator: u32,
    /// Identity (ed25519 public key) of the faulty validator.
    pub identity: [u8; 32],
    /// Epoch and view of the conflicting votes.
    pub epoch: u64,
    pub view: u64,
    /// The evidence: the commonware-encoded simplex `Activity` (both signed votes), verifiable by
    /// anyone holding the validator set.
    pub evidence: Vec<u8>,
}

/// Errors of this crate (configuration, keys, storage, runtime).
#[derive(Debug, thiserror::Error)]
pub enum ConsensusError {
    #[error("config: {0}")]
    Config(String),
    #[error("keys: {0}")]
    Keys(String),
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
    #[error("runtime: {0}")]
    Runtime(String),
}
