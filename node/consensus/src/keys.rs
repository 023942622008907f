//! Key material: ed25519 identities (p2p authentication, validator identity) and BLS12-381
//! signing keys (simplex votes, aggregated into multisig certificates), with proofs of possession
//! so that rogue-key attacks on the aggregate are excluded (commonware's multisig scheme requires
//! every BLS key to have a verified PoP before the scheme is built).

use commonware_codec::{DecodeExt, Encode};
use commonware_consensus::simplex::scheme::bls12381_multisig;
use commonware_cryptography::{
    bls12381::primitives::{
        group, ops,
        variant::{MinPk, Variant},
    },
    ed25519, Signer as _,
};
use commonware_math::algebra::Random as _;
use commonware_utils::ordered::BiMap;
use commonware_utils::TryCollect as _;

use crate::ConsensusError;

/// BLS variant: public keys in G1 (48 bytes), signatures in G2 (96 bytes), as in Ethereum.
pub type V = MinPk;
/// Peer and validator identity key.
pub type PublicKey = ed25519::PublicKey;
/// The simplex certificate scheme.
pub type Scheme = bls12381_multisig::Scheme<PublicKey, V>;
pub type BlsPublic = <V as Variant>::Public;
pub type BlsSignature = <V as Variant>::Signature;

/// Namespace of BLS proofs of possession.
pub const POP_NAMESPACE: &[u8] = b"gloam/consensus/bls-pop/v1";

/// One validator's private keys.
pub struct Keys {
    pub identity: ed25519::PrivateKey,
    pub bls: group::Private,
}

impl Keys {
    pub fn generate(rng: &mut impl rand_core::CryptoRng) -> Self {
        let identity = ed25519::PrivateKey::random(&mut *rng);
        let bls = group::Private::random(&mut *rng);
        Self { identity, bls }
    }
    pub fn identity_public(&self) -> PublicKey {
        self.identity.public_key()
    }
    pub fn bls_public(&self) -> BlsPublic {
        ops::compute_public::<V>(&self.bls)
    }
    pub fn pop(&self) -> BlsSignature {
        ops::sign_proof_of_possession::<V>(&self.bls, POP_NAMESPACE)
    }
    pub fn identity_hex(&self) -> String {
        hex::encode(self.identity.encode())
    }
    pub fn bls_hex(&self) -> String {
        hex::encode(self.bls.encode())
    }
    pub fn from_hex(identity: &str, bls: &str) -> Result<Self, ConsensusError> {
        let id = decode_hex(identity, "identity private key")?;
        let bls_bytes = decode_hex(bls, "bls private key")?;
        let identity =
            ed25519::PrivateKey::decode(id).map_err(|e| ConsensusError::Keys(format!("identity private key: {e}")))?;
        let bls =
            group::Private::decode(bls_bytes).map_err(|e| ConsensusError::Keys(format!("bls private key: {e}")))?;
        Ok(Self { identity, bls })
    }
}

pub fn decode_hex(s: &str, what: &str) -> Result<Vec<u8>, ConsensusError> {
    hex::decode(s.trim().trim_start_matches("0x")).map_err(|e| ConsensusError::Keys(format!("{what}: {e}")))
}

pub fn parse_identity(s: &str) -> Result<PublicKey, ConsensusError> {
    let b = decode_hex(s, "identity public key")?;
    PublicKey::decode(b).map_err(|e| ConsensusError::Keys(format!("identity public key: {e}")))
}

pub fn parse_bls_public(s: &str) -> Result<BlsPublic, ConsensusError> {
    let b = decode_hex(s, "bls public key")?;
    BlsPublic::decode(b).map_err(|e| ConsensusError::Keys(format!("bls public key: {e}")))
}

pub fn parse_pop(s: &str) -> Result<BlsSignature, ConsensusError> {
    let b = decode_hex(s, "bls proof of possession")?;
    BlsSignature::decode(b).map_err(|e| ConsensusError::Keys(format!("bls proof of possession: {e}")))
}

pub fn verify_pop(public: &BlsPublic, pop: &BlsSignature) -> bool {
    ops::verify_proof_of_possession::<V>(public, POP_NAMESPACE, pop).is_ok()
}

/// Builds the (identity → BLS key) map of the committee; fails on duplicate identities or keys.
pub fn committee(entries: Vec<(PublicKey, BlsPublic)>) -> Result<BiMap<PublicKey, BlsPublic>, ConsensusError> {
    entries
        .into_iter()
        .try_collect()
        .map_err(|_| ConsensusError::Config("duplicate validator identity or BLS key".into()))
}

/// Namespace of consensus messages for a chain.
pub fn namespace(chain: &str) -> Vec<u8> {
    format!("gloam/consensus/{chain}").into_bytes()
}

/// The BLS public key of a private key.
pub fn public_of(private: &group::Private) -> BlsPublic {
    ops::compute_public::<V>(private)
}
