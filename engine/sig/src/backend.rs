//! The seam for accelerated signature kernels. Every method has the CPU reference as its
//! default body (revm's `Crypto` pattern), so a GPU backend overrides only what it implements
//! and must return the same per-item results; the engine can fall back to [`CpuSigBackend`] on
//! any device error.

use crate::bls::{self, BlsVerifier};
use crate::secp256k1::{self, EcdsaRule, Recovered};
use crate::{ed25519, BlsError, EcdsaError, Ed25519Error};

pub trait SigBackend: Send + Sync + std::fmt::Debug {
    fn name(&self) -> &str;

    fn ed25519_verify_batch(&self, items: &[ed25519::Item<'_>]) -> Vec<Result<(), Ed25519Error>> {
        ed25519::verify_batch(items)
    }

    fn ecdsa_verify_batch(&self, items: &[secp256k1::VerifyItem<'_>], rule: EcdsaRule) -> Vec<Result<(), EcdsaError>> {
        secp256k1::verify_batch(items, rule)
    }

    fn ecrecover_batch(
        &self,
        items: &[secp256k1::RecoverItem<'_>],
        rule: EcdsaRule,
    ) -> Vec<Result<Recovered, EcdsaError>> {
        secp256k1::recover_batch(items, rule)
    }

    fn bls_verify_batch(&self, verifier: &BlsVerifier, items: &[bls::Item<'_>]) -> Vec<Result<(), BlsError>> {
        verifier.verify_batch(items)
    }
}

/// The CPU reference: every default.
#[derive(Clone, Copy, Debug, Default)]
pub struct CpuSigBackend;

impl SigBackend for CpuSigBackend {
    fn name(&self) -> &str {
        "cpu"
    }
}
