//! One error enum per scheme. Batch entry points return one of these per item, so a caller
//! always learns which signature failed and why; nothing here is ever a panic.

/// Why an Ed25519 signature was rejected under ZIP-215.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Ed25519Error {
    #[error("{what}: expected {expected} bytes, got {got}")]
    WrongLength { what: &'static str, expected: usize, got: usize },
    /// A is not the encoding of any curve point (ZIP-215 accepts non-canonical encodings, so
    /// this only means "no x for this y").
    #[error("public key is not a curve point")]
    InvalidPublicKey,
    /// R is not the encoding of any curve point.
    #[error("signature R is not a curve point")]
    InvalidR,
    /// S ≥ ℓ (every rule set rejects this; it is what makes signatures non-malleable).
    #[error("signature S is not below the group order")]
    NonCanonicalS,
    /// The cofactored equation \[8\]\[S\]B = \[8\]R + \[8\]\[k\]A does not hold.
    #[error("signature does not verify")]
    Invalid,
}

/// Why a secp256k1 ECDSA signature or recovery input was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EcdsaError {
    #[error("{what}: expected {expected} bytes, got {got}")]
    WrongLength { what: &'static str, expected: usize, got: usize },
    /// DER structure is not strict DER (BER forms, wrong tags or lengths, trailing bytes,
    /// negative or non-minimal integers, integers wider than 32 bytes).
    #[error("signature is not strict DER: {0}")]
    InvalidDer(&'static str),
    #[error("r is not in [1, n-1]")]
    ROutOfRange,
    #[error("s is not in [1, n-1]")]
    SOutOfRange,
    /// s > n/2 under [`crate::secp256k1::EcdsaRule::LowSRequired`] (EIP-2, BIP-62).
    #[error("s is above n/2 (high-S) and the rule requires low-S")]
    HighS,
    #[error("recovery id must be 0 or 1 (or 27/28 in the Ethereum form), got {0}")]
    InvalidRecoveryId(u8),
    #[error("public key is not a valid SEC1 point")]
    InvalidPublicKey,
    /// Recovery found no point: r is not an x-coordinate on the curve, or Q = ∞.
    #[error("no public key can be recovered from this signature")]
    RecoveryFailed,
    #[error("signature does not verify")]
    Invalid,
}

/// Why a BLS12-381 encoding was rejected (ZCash compressed format, KeyValidate / subgroup).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BlsPointError {
    #[error("bad encoding (compression/infinity/sort flags, or x not below p)")]
    BadEncoding,
    #[error("point is not on the curve")]
    NotOnCurve,
    #[error("point is not in the prime-order subgroup")]
    NotInSubgroup,
    #[error("point is the identity")]
    Identity,
}

/// Why a BLS verification failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BlsError {
    #[error("{what}: expected {expected} bytes, got {got}")]
    WrongLength { what: &'static str, expected: usize, got: usize },
    #[error("public key {index}: {reason}")]
    InvalidPublicKey { index: usize, reason: BlsPointError },
    #[error("signature: {0}")]
    InvalidSignature(BlsPointError),
    #[error("{pubkeys} public keys but {messages} messages")]
    MismatchedCount { pubkeys: usize, messages: usize },
    #[error("nothing to aggregate")]
    Empty,
    /// The basic (NUL) scheme's AggregateVerify requires distinct messages.
    #[error("messages are not distinct (required by the basic scheme)")]
    DuplicateMessages,
    #[error("pairing check failed")]
    Invalid,
}
