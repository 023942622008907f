//! Wire types with c-kzg's names and sizes. Each checks its length on construction; contents
//! (canonical field elements, valid points) are checked where the spec checks them, so a value of
//! these types can always be hashed byte for byte into a Fiat–Shamir transcript.

use crate::error::KzgError;

pub const BYTES_PER_FIELD_ELEMENT: usize = 32;
pub const FIELD_ELEMENTS_PER_BLOB: usize = 4096;
pub const BYTES_PER_BLOB: usize = BYTES_PER_FIELD_ELEMENT * FIELD_ELEMENTS_PER_BLOB;
pub const BYTES_PER_COMMITMENT: usize = 48;
pub const BYTES_PER_PROOF: usize = 48;
pub const FIELD_ELEMENTS_PER_EXT_BLOB: usize = 2 * FIELD_ELEMENTS_PER_BLOB;
pub const FIELD_ELEMENTS_PER_CELL: usize = 64;
pub const CELLS_PER_EXT_BLOB: usize = FIELD_ELEMENTS_PER_EXT_BLOB / FIELD_ELEMENTS_PER_CELL;
pub const CELLS_PER_BLOB: usize = CELLS_PER_EXT_BLOB / 2;
pub const BYTES_PER_CELL: usize = FIELD_ELEMENTS_PER_CELL * BYTES_PER_FIELD_ELEMENT;

fn exact<const N: usize>(what: &'static str, bytes: &[u8]) -> Result<[u8; N], KzgError> {
    bytes.try_into().map_err(|_| KzgError::WrongLength { what, expected: N, got: bytes.len() })
}

macro_rules! fixed_bytes {
    ($(#[$m:meta])* $name:ident, $n:expr, $what:literal) => {
        $(#[$m])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub [u8; $n]);

        impl $name {
            pub const LEN: usize = $n;
            pub fn from_bytes(bytes: &[u8]) -> Result<Self, KzgError> {
                exact::<$n>($what, bytes).map($name)
            }
            pub fn from_hex(s: &str) -> Result<Self, KzgError> {
                Self::from_bytes(&decode_hex($what, s)?)
            }
            pub fn as_bytes(&self) -> &[u8; $n] {
                &self.0
            }
            pub fn into_inner(self) -> [u8; $n] {
                self.0
            }
            pub fn to_hex(&self) -> String {
                format!("0x{}", hex::encode(self.0))
            }
        }

        impl From<[u8; $n]> for $name {
            fn from(b: [u8; $n]) -> Self {
                $name(b)
            }
        }

        impl AsRef<[u8]> for $name {
            fn as_ref(&self) -> &[u8] {
                &self.0
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}({})", stringify!($name), self.to_hex())
            }
        }
    };
}

fixed_bytes!(
    /// 32 bytes: a big-endian field element on the wire (z, y, challenges).
    Bytes32, 32, "field element");
fixed_bytes!(
    /// 48 bytes: a compressed G1 point on the wire, not yet validated.
    Bytes48, 48, "G1 point");
fixed_bytes!(
    /// A commitment produced by this crate (always a valid encoding).
    KzgCommitment, 48, "commitment");
fixed_bytes!(
    /// A proof produced by this crate (always a valid encoding).
    KzgProof, 48, "proof");

impl KzgCommitment {
    pub fn to_bytes(&self) -> Bytes48 {
        Bytes48(self.0)
    }
}
impl KzgProof {
    pub fn to_bytes(&self) -> Bytes48 {
        Bytes48(self.0)
    }
}
impl From<KzgCommitment> for Bytes48 {
    fn from(c: KzgCommitment) -> Self {
        Bytes48(c.0)
    }
}
impl From<KzgProof> for Bytes48 {
    fn from(p: KzgProof) -> Self {
        Bytes48(p.0)
    }
}

/// A blob: 4096 big-endian field elements, evaluations of a polynomial at the 4096th roots of
/// unity in bit-reversed order. Boxed because 128 KiB on the stack is a crash waiting to happen
/// on small-stack threads (c-kzg issue #611).
#[derive(Clone, PartialEq, Eq)]
pub struct Blob(Box<[u8; BYTES_PER_BLOB]>);

impl Blob {
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, KzgError> {
        if bytes.len() != BYTES_PER_BLOB {
            return Err(KzgError::WrongLength { what: "blob", expected: BYTES_PER_BLOB, got: bytes.len() });
        }
        let mut b = Box::new([0u8; BYTES_PER_BLOB]);
        b.copy_from_slice(bytes);
        Ok(Blob(b))
    }
    pub fn from_hex(s: &str) -> Result<Self, KzgError> {
        Self::from_bytes(&decode_hex("blob", s)?)
    }
    pub fn zero() -> Self {
        Blob(Box::new([0u8; BYTES_PER_BLOB]))
    }
    pub fn as_bytes(&self) -> &[u8; BYTES_PER_BLOB] {
        &self.0
    }
    pub fn as_bytes_mut(&mut self) -> &mut [u8; BYTES_PER_BLOB] {
        &mut self.0
    }
}

impl AsRef<[u8]> for Blob {
    fn as_ref(&self) -> &[u8] {
        &self.0[..]
    }
}

impl std::fmt::Debug for Blob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Blob(0x{}…)", hex::encode(&self.0[..8]))
    }
}

/// A cell: 64 big-endian field elements of the extended blob (EIP-7594).
#[derive(Clone, PartialEq, Eq)]
pub struct Cell(Box<[u8; BYTES_PER_CELL]>);

impl Cell {
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, KzgError> {
        if bytes.len() != BYTES_PER_CELL {
            return Err(KzgError::WrongLength { what: "cell", expected: BYTES_PER_CELL, got: bytes.len() });
        }
        let mut b = Box::new([0u8; BYTES_PER_CELL]);
        b.copy_from_slice(bytes);
        Ok(Cell(b))
    }
    pub fn from_hex(s: &str) -> Result<Self, KzgError> {
        Self::from_bytes(&decode_hex("cell", s)?)
    }
    pub fn zero() -> Self {
        Cell(Box::new([0u8; BYTES_PER_CELL]))
    }
    pub fn as_bytes(&self) -> &[u8; BYTES_PER_CELL] {
        &self.0
    }
    pub(crate) fn as_bytes_mut(&mut self) -> &mut [u8; BYTES_PER_CELL] {
        &mut self.0
    }
    pub fn to_bytes(&self) -> [u8; BYTES_PER_CELL] {
        *self.0
    }
    pub fn to_hex(&self) -> String {
        format!("0x{}", hex::encode(&self.0[..]))
    }
}

impl AsRef<[u8]> for Cell {
    fn as_ref(&self) -> &[u8] {
        &self.0[..]
    }
}

impl std::fmt::Debug for Cell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Cell(0x{}…)", hex::encode(&self.0[..8]))
    }
}

/// `0x`-prefixed (or bare) hex; a bad digit is a typed error, never a panic.
pub(crate) fn decode_hex(what: &'static str, s: &str) -> Result<Vec<u8>, KzgError> {
    let s = s.strip_prefix("0x").unwrap_or(s);
    hex::decode(s).map_err(|_| KzgError::InvalidHex { what })
}
