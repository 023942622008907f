//! gloam's KZG: the full EIP-4844 and EIP-7594 API (c-kzg-4844's functions, names and byte
//! formats) on the gloam engine, so every MSM and NTT can run on a GPU backend.
//!
//! Design choices:
//! * **Spec semantics, c-kzg bytes.** Each function follows consensus-specs
//!   (deneb/polynomial-commitments.md, fulu/polynomial-commitments-sampling.md); where c-kzg
//!   defines behaviour the spec leaves open (recovery of inconsistent cells, ascending cell
//!   indices), c-kzg's choice is taken. The official vectors ([`run_test_vectors`]) and a
//!   randomized differential test against the `c-kzg` crate pin this.
//! * **Heavy work through the engine.** Commitments and blob proofs use a fixed-base table of the
//!   4096 Lagrange points built with [`gloam_engine::Engine::prepare_fixed_base`] (resident on
//!   the backend); FK20's column products and every NTT go through [`gloam_engine::Engine`].
//!   Verification's small RLC MSMs go to the engine when it would pick a GPU for them, and
//!   otherwise to blst's Pippenger (faster than the engine's CPU path at a few hundred points).
//! * **blst for the verification arithmetic** (`pairing.rs`): pairing checks (one final
//!   exponentiation over two Miller loops with precomputed G2 lines), G1 decompression and
//!   subgroup checks (the same ones c-kzg runs), single-opening scalar multiplications.
//!   Points cross between arkworks and blst by limb copy: both use Montgomery form with
//!   R = 2³⁸⁴.
//! * **FK20 for cell proofs** ([`fk20`]): 128 proofs from 64 size-128 NTTs, 128 fixed-base
//!   64-point MSMs and two size-128 G1 FFTs. When the engine runs 64-point fixed-base MSMs on
//!   the CPU, the 128 tables are one `gloam_cpu::msm::FixedBaseSegments` whose 128 MSMs share
//!   one bucket pass (and its batched inversions); on a GPU they are one engine table per
//!   frequency, shared by every blob of a batch. The G1 FFT twiddle products use
//!   `gloam_cpu::curve::G1ScalarMul` (GLV + wNAF on the CPU backend's inlined field arithmetic). The setup side is transformed once, lazily; for mainnet the transformed
//!   points are embedded (`data/fk20_mainnet.bin`, pinned by a test that recomputes them), which
//!   cuts the table build from 64 G1 FFTs to a parallel decompression.
//! * **Verification with fixed G2 sides**: every pairing equation is arranged so its G2 points
//!   are setup points, prepared once at load.
//! * **Typed errors, never a panic** on bad input ([`KzgError`]); every batch entry point returns
//!   per-item results.
//! * **Fast setup load**: points are decompressed in parallel without per-point subgroup checks;
//!   the setup's consistency is instead checked with pseudo-random linear combinations (a few
//!   MSMs and two pairing equations), as c-kzg does with one pairing.

pub mod codec;
mod eip4844;
mod eip7594;
pub mod error;
mod eval;
pub mod fk20;
#[doc(hidden)]
pub mod fuzzing;
mod pairing;
mod setup;
pub mod types;
pub mod vectors;

pub use eip4844::{compute_challenge, FIAT_SHAMIR_PROTOCOL_DOMAIN, RANDOM_CHALLENGE_KZG_BATCH_DOMAIN};
pub use eip7594::{
    compute_verify_cell_kzg_proof_batch_challenge, CellsAndProofs, RANDOM_CHALLENGE_KZG_CELL_BATCH_DOMAIN,
};
pub use error::{KzgError, PointError};
pub use setup::{KzgSettings, SetupOptions, SetupStats, MAINNET_TRUSTED_SETUP, MAINNET_TRUSTED_SETUP_SHA256};
pub use types::*;
pub use vectors::{run_test_vectors, FunctionReport, VectorReport};

/// The versioned hash of a commitment: 0x01 ‖ sha256(commitment)[1..].
pub fn kzg_to_versioned_hash(commitment: &KzgCommitment) -> Bytes32 {
    use sha2::{Digest, Sha256};
    let mut h: [u8; 32] = Sha256::digest(commitment.0).into();
    h[0] = 0x01;
    Bytes32(h)
}
