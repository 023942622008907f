//! One error type for the FHE engine: every malformed or mismatched input is reported, never a panic.

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FheError {
    /// A ciphertext, key or lookup table has the wrong number of elements for the parameters.
    #[error("{what}: expected {expected} elements, got {got}")]
    Length { what: &'static str, expected: usize, got: usize },
    /// A ciphertext's modulus does not match the key it is used with.
    #[error("{what}: expected modulus 2^{expected_log}, got 2^{got_log}")]
    Modulus { what: &'static str, expected_log: u32, got_log: u32 },
    /// A 32-bit ciphertext whose low (unused) bits are not zero for its power-of-two modulus.
    #[error("{what}: value not aligned on the top {modulus_log} bits of its word")]
    Unaligned { what: &'static str, modulus_log: u32 },
    /// One item of a batch is malformed; `index` says which (input index, or LUT index).
    #[error("batch item {index}: {source}")]
    BatchItem { index: usize, source: Box<FheError> },
    /// Batch inputs and lookup tables cannot be paired.
    #[error("batch: {inputs} inputs but {luts} lookup tables (need 1 or one per input)")]
    BatchShape { inputs: usize, luts: usize },
    /// Parameters outside what this implementation supports.
    #[error("unsupported parameters: {0}")]
    Parameters(&'static str),
    /// A many-LUT request that does not fit in one bootstrap.
    #[error("many-lut: {0}")]
    ManyLut(&'static str),
    /// Two radix operands with different block counts (e.g. an euint8 with an euint16).
    #[error("radix operands of different widths: {left} and {right} blocks")]
    WidthMismatch { left: usize, right: usize },
    /// A radix width (in blocks) outside 1..=max.
    #[error("{what}: {got} blocks, supported 1..={max}")]
    Width { what: &'static str, max: usize, got: usize },
    /// The scheduler lost an operation (its thread stopped without answering).
    #[error("scheduler: {0}")]
    Scheduler(&'static str),
    /// An accelerator failed (compile, launch, out of memory, device lost): nothing was
    /// returned; the caller may recompute on the CPU.
    #[error("device: {0}")]
    Device(String),
    /// Serialized object: the first 8 bytes are not the gloam-fhe magic.
    #[error("encoding: not a gloam-fhe object (bad magic)")]
    BadMagic,
    /// Serialized object written in a format version this build does not read.
    #[error("encoding: format version {got}, this build reads {supported}")]
    FormatVersion { got: u16, supported: u16 },
    /// Serialized object of another kind (e.g. a ciphertext given to the server-key decoder).
    #[error("encoding: object kind {got}, expected {expected}")]
    WrongKind { expected: u8, got: u8 },
    /// Object made for other parameters than the ones it is used with (ids: [`crate::FheParams::id`]).
    #[error("parameters mismatch: object for parameter set {got:#018x}, expected {expected:#018x}")]
    ParamsMismatch { expected: u64, got: u64 },
    /// Serialized object whose length does not match its header or its parameters.
    #[error("encoding: {what}: {got} bytes, expected {expected}")]
    EncodedLength { what: &'static str, expected: u64, got: u64 },
    /// Serialized object whose SHA-256 checksum does not match its content.
    #[error("encoding: checksum mismatch")]
    Checksum,
    /// Serialized object with a field outside its domain (non-binary key bit, word ≥ p, …).
    #[error("encoding: {0}")]
    InvalidEncoding(&'static str),
    /// A compact ciphertext list asked to hold more values than its slots.
    #[error("compact list: {got} slots needed, {max} available")]
    CompactListCapacity { max: usize, got: usize },
}
