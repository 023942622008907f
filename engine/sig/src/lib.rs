//! gloam's batch signature verification: Ed25519 under ZIP-215, secp256k1 ECDSA verify and
//! public-key / address recovery, and BLS12-381 min-pk — the CPU reference path that future
//! GPU kernels must match bit for bit.
//!
//! Design choices:
//! * **Consensus rules first.** Each scheme's validity rule is fixed and documented in its
//!   module ([`ed25519`]: ZIP-215, cofactored; [`secp256k1`]: explicit [`secp256k1::EcdsaRule`];
//!   [`bls`]: KeyValidate once, signature subgroup checks always). A batch verdict for an item
//!   equals its single verdict whatever else is in the batch.
//! * **Per-item results everywhere.** Every batch entry point returns one `Result` per item;
//!   random-linear-combination batches that fail are bisected (module `batch`) to name the bad items,
//!   with the worst case bounded near individual verification.
//! * **Arithmetic from the well-kept crates** (curve25519-dalek, libsecp256k1 via `secp256k1`,
//!   blst); decoders, rules, batching and APIs are ours. Decoders never panic: typed errors
//!   ([`Ed25519Error`], [`EcdsaError`], [`BlsError`]); `fuzzing` holds the fuzz bodies.
//! * **A seam for GPU kernels**: [`SigBackend`] has a CPU default for every operation, so a
//!   CUDA/WebGPU implementation overrides only what it accelerates (none exist yet).
//! * **Fuzzing**: `cd engine/sig/fuzz && cargo +nightly fuzz run ed25519_signature` (targets:
//!   `ed25519_public_key`, `ed25519_signature`, `ecdsa_der`, `ecdsa_compact`, `ecrecover_input`,
//!   `bls_g1`, `bls_g2`); `cargo test -p gloam-sig --test fuzz_bodies` runs the same bodies on
//!   stable over seeded inputs.
//! * **External truth**: the Wycheproof files in `shared/vectors/wycheproof` run through
//!   [`wycheproof`], with the ZIP-215 expected differences listed there.

mod backend;
mod batch;
pub mod bls;
pub mod ed25519;
mod error;
#[doc(hidden)]
pub mod fuzzing;
pub mod secp256k1;
pub mod wycheproof;

pub use backend::{CpuSigBackend, SigBackend};
pub use error::{BlsError, BlsPointError, EcdsaError, Ed25519Error};
