//! Blob encoding: arbitrary bytes ↔ one EIP-4844 blob (4096 field elements × 32 bytes).
//!
//! Every field element's first (most significant, big-endian) byte is 0, so each element is
//! below 2²⁴⁸ and hence below the BLS12-381 scalar modulus (≈ 0x73ed…); the other 31 bytes of
//! each element carry data. The 4096 × 31 = 126,976 data bytes form one stream:
//!
//! ```text
//! stream[0]      = BLOB_ENCODING_VERSION (0)
//! stream[1..5]   = payload length, u32 big-endian (≤ MAX_BLOB_PAYLOAD)
//! stream[5..5+n] = payload
//! stream[5+n..]  = zero
//! element i      = 0x00 ‖ stream[31·i .. 31·i + 31]
//! ```
//!
//! The shape (a version byte and a length prefix ahead of the data, zero padding) follows the
//! OP Stack's blob encoding (specs.optimism.io, "Blob Encoding" in the derivation spec), but the
//! packing is simpler: OP packs 4 × 6 spare bits of each element group to reach 127 bytes per 4
//! elements; gloam leaves the top byte zero (31 bytes per element, 2.4% less capacity). Decoding
//! is strict (every unused byte must be zero), so the encoding is a bijection between payloads
//! of at most [`MAX_BLOB_PAYLOAD`] bytes and valid blobs.

use gloam_kzg::{Blob, BYTES_PER_BLOB, FIELD_ELEMENTS_PER_BLOB};

pub const BLOB_ENCODING_VERSION: u8 = 0;
/// Data bytes per field element (the first of the 32 is always 0).
pub const PAYLOAD_BYTES_PER_ELEMENT: usize = 31;
/// Data bytes in one blob: 126,976.
pub const BLOB_STREAM_BYTES: usize = FIELD_ELEMENTS_PER_BLOB * PAYLOAD_BYTES_PER_ELEMENT;
/// Version byte + u32 length.
pub const BLOB_HEADER_BYTES: usize = 5;
/// The most payload one blob carries: 126,971 bytes.
pub const MAX_BLOB_PAYLOAD: usize = BLOB_STREAM_BYTES - BLOB_HEADER_BYTES;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BlobError {
    #[error("blob has {0} bytes, expected {BYTES_PER_BLOB}")]
    WrongLength(usize),
    #[error("field element {index} has a non-zero high byte 0x{byte:02x}")]
    HighByte { index: usize, byte: u8 },
    #[error("unknown blob encoding version {0}")]
    Version(u8),
    #[error("declared payload length {len} exceeds the blob capacity {MAX_BLOB_PAYLOAD}")]
    LengthOverflow { len: u64 },
    #[error("non-zero byte after the payload (stream offset {0})")]
    TrailingData(usize),
    #[error("payload of {0} bytes does not fit one blob ({MAX_BLOB_PAYLOAD} bytes at most)")]
    TooLarge(usize),
}

/// Encodes `payload` into one blob.
pub fn encode_blob(payload: &[u8]) -> Result<Blob, BlobError> {
    if payload.len() > MAX_BLOB_PAYLOAD {
        return Err(BlobError::TooLarge(payload.len()));
    }
    let mut stream = vec![0u8; BLOB_STREAM_BYTES];
    stream[0] = BLOB_ENCODING_VERSION;
    stream[1..5].copy_from_slice(&(payload.len() as u32).to_be_bytes());
    stream[BLOB_HEADER_BYTES..BLOB_HEADER_BYTES + payload.len()].copy_from_slice(payload);
    let mut blob = Blob::zero();
    let out = blob.as_bytes_mut();
    for (i, chunk) in stream.chunks_exact(PAYLOAD_BYTES_PER_ELEMENT).enumerate() {
        out[32 * i + 1..32 * i + 32].copy_from_slice(chunk);
    }
    Ok(blob)
}

/// Decodes a blob made by [`encode_blob`]; anything else is a typed error.
pub fn decode_blob(blob: &[u8]) -> Result<Vec<u8>, BlobError> {
    if blob.len() != BYTES_PER_BLOB {
        return Err(BlobError::WrongLength(blob.len()));
    }
    let mut stream = Vec::with_capacity(BLOB_STREAM_BYTES);
    for (index, fe) in blob.chunks_exact(32).enumerate() {
        if fe[0] != 0 {
            return Err(BlobError::HighByte { index, byte: fe[0] });
        }
        stream.extend_from_slice(&fe[1..]);
    }
    if stream[0] != BLOB_ENCODING_VERSION {
        return Err(BlobError::Version(stream[0]));
    }
    let len = u32::from_be_bytes([stream[1], stream[2], stream[3], stream[4]]) as usize;
    if len > MAX_BLOB_PAYLOAD {
        return Err(BlobError::LengthOverflow { len: len as u64 });
    }
    let end = BLOB_HEADER_BYTES + len;
    if let Some(p) = stream[end..].iter().position(|&b| b != 0) {
        return Err(BlobError::TrailingData(end + p));
    }
    stream.truncate(end);
    stream.drain(..BLOB_HEADER_BYTES);
    Ok(stream)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_layout() {
        for n in [0usize, 1, 26, 27, 31, 32, 1000, MAX_BLOB_PAYLOAD] {
            let payload: Vec<u8> = (0..n).map(|i| (i * 7 + 1) as u8).collect();
            let blob = encode_blob(&payload).unwrap();
            let b = blob.as_bytes();
            assert!(b.chunks_exact(32).all(|fe| fe[0] == 0), "high bytes zero");
            // Hand-checked layout: element 0 = 00 ‖ version ‖ len(4) ‖ first 26 payload bytes.
            assert_eq!(b[1], 0);
            assert_eq!(&b[2..6], &(n as u32).to_be_bytes());
            if n > 26 {
                assert_eq!(&b[6..32], &payload[..26]);
                assert_eq!(b[32], 0);
                assert_eq!(b[33], payload[26]);
            }
            assert_eq!(decode_blob(b).unwrap(), payload);
        }
        assert_eq!(encode_blob(&vec![0; MAX_BLOB_PAYLOAD + 1]).unwrap_err(), BlobError::TooLarge(MAX_BLOB_PAYLOAD + 1));
    }

    #[test]
    fn typed_errors() {
        let good = encode_blob(b"hello").unwrap();
        let mut b = good.as_bytes().to_vec();
        assert_eq!(decode_blob(&b[..100]).unwrap_err(), BlobError::WrongLength(100));
        b[32 * 7] = 0x73;
        assert_eq!(decode_blob(&b).unwrap_err(), BlobError::HighByte { index: 7, byte: 0x73 });
        let mut b = good.as_bytes().to_vec();
        b[1] = 1;
        assert_eq!(decode_blob(&b).unwrap_err(), BlobError::Version(1));
        let mut b = good.as_bytes().to_vec();
        b[2..6].copy_from_slice(&(MAX_BLOB_PAYLOAD as u32 + 1).to_be_bytes());
        assert_eq!(decode_blob(&b).unwrap_err(), BlobError::LengthOverflow { len: MAX_BLOB_PAYLOAD as u64 + 1 });
        let mut b = good.as_bytes().to_vec();
        b[32 * 100 + 5] = 1;
        assert_eq!(decode_blob(&b).unwrap_err(), BlobError::TrailingData(100 * 31 + 4));
    }
}
