//! The one error type of the KZG API. Every decoder and entry point returns it instead of
//! panicking, so a node can reject a bad blob or cell and keep running.

/// Why a 48-byte G1 encoding was rejected (ZCash/blst compressed format, KeyValidate).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PointError {
    #[error("compression flag not set")]
    NotCompressed,
    #[error("infinity flag set but other bits are nonzero")]
    NonCanonicalInfinity,
    #[error("x coordinate is not below the base-field modulus")]
    CoordinateNotCanonical,
    #[error("x coordinate is not on the curve")]
    NotOnCurve,
    #[error("point is not in the prime-order subgroup")]
    NotInSubgroup,
}

/// Errors of every KZG function.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KzgError {
    #[error("{what}: expected {expected} bytes, got {got}")]
    WrongLength { what: &'static str, expected: usize, got: usize },
    #[error("{what}: field element {index} is not canonical (>= r)")]
    NonCanonicalFieldElement { what: &'static str, index: usize },
    #[error("{what} {index}: invalid G1 point: {reason}")]
    InvalidPoint { what: &'static str, index: usize, reason: PointError },
    #[error("cell index {index} is out of range (must be < 128)")]
    CellIndexOutOfRange { index: u64 },
    #[error("cell indices must be strictly ascending: {prev} then {next}")]
    CellIndicesNotAscending { prev: u64, next: u64 },
    #[error("mismatched lengths: {what}")]
    MismatchedLengths { what: String },
    #[error("too few cells to recover: {got}, need at least {need}")]
    TooFewCells { got: usize, need: usize },
    #[error("too many cells: {got}, at most {max}")]
    TooManyCells { got: usize, max: usize },
    #[error("{what}: not valid hex")]
    InvalidHex { what: &'static str },
    #[error("invalid trusted setup: {0}")]
    InvalidTrustedSetup(String),
    #[error("i/o: {0}")]
    Io(String),
    #[error("engine: {0}")]
    Engine(String),
}

impl From<gloam_engine::MsmError> for KzgError {
    fn from(e: gloam_engine::MsmError) -> Self {
        KzgError::Engine(e.to_string())
    }
}

impl From<gloam_engine::NttError> for KzgError {
    fn from(e: gloam_engine::NttError) -> Self {
        KzgError::Engine(e.to_string())
    }
}
