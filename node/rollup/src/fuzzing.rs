//! Fuzz bodies for every decoder of posted data (blob, frame container, channel, channel bank,
//! the whole derivation decode path). Each takes arbitrary bytes and must never panic; where a
//! round trip exists it is asserted. `tests/fuzz_bodies.rs` runs them on seeded random and
//! mutated inputs (the pattern of `gloam_evm::fuzzing`).

use gloam_kzg::BYTES_PER_BLOB;

use crate::blob::{decode_blob, encode_blob};
use crate::channel::{decode_channel, ChannelBank};
use crate::frame::{decode_frames, encode_frames, Frame};

/// Decompression cap used by the bodies (small, so zlib bombs stay cheap).
pub const FUZZ_RLP_LIMIT: usize = 1 << 20;

/// `data` as given, and `data` laid into a zero blob: decoding never panics, and a decoded blob
/// re-encodes to the same bytes (the encoding is a bijection).
pub fn blob(data: &[u8]) {
    let _ = decode_blob(data);
    let mut b = vec![0u8; BYTES_PER_BLOB];
    let n = data.len().min(BYTES_PER_BLOB);
    b[..n].copy_from_slice(&data[..n]);
    if let Ok(p) = decode_blob(&b) {
        assert_eq!(encode_blob(&p).expect("decoded payloads fit").as_bytes()[..], b[..], "blob round trip");
    }
}

/// Frame containers: a decoded container re-encodes to the same bytes.
pub fn frames(data: &[u8]) {
    if let Ok(f) = decode_frames(data) {
        assert_eq!(encode_frames(&f), data, "frame container round trip");
    }
}

/// Compressed channels: zlib, the size cap, block RLP.
pub fn channel(data: &[u8]) {
    let _ = decode_channel(data, FUZZ_RLP_LIMIT);
}

/// The channel bank over a stream of `(settlement-block step, frame)` records; frames that do
/// not parse are skipped a byte at a time. A completed channel holds exactly the data of the
/// frames that completed it, which is never more than the input.
pub fn bank(data: &[u8]) {
    let Some((&timeout, mut rest)) = data.split_first() else { return };
    let mut bank = ChannelBank::new(timeout as u64 % 8);
    let mut at = 0u64;
    while let Some((&step, r)) = rest.split_first() {
        at += (step % 4) as u64;
        rest = r;
        match Frame::decode(&mut rest, 0) {
            Ok(f) => {
                let (ready, _) = bank.ingest(f, at);
                if let Some(ch) = ready {
                    assert!(ch.data.len() <= data.len());
                    assert!(ch.opened_at <= at);
                }
            }
            Err(_) => {
                if rest.is_empty() {
                    break;
                }
                rest = &rest[1..];
            }
        }
        let _ = bank.expire(at);
    }
}

/// The derivation decode path: blob (data laid into a zero blob) → frames → bank → channel →
/// blocks.
pub fn derive(data: &[u8]) {
    let mut b = vec![0u8; BYTES_PER_BLOB];
    let n = data.len().min(BYTES_PER_BLOB);
    b[..n].copy_from_slice(&data[..n]);
    let Ok(payload) = decode_blob(&b) else { return };
    let Ok(frames) = decode_frames(&payload) else { return };
    let mut bank = ChannelBank::new(4);
    for f in frames {
        if let (Some(ch), _) = bank.ingest(f, 0) {
            let _ = decode_channel(&ch.data, FUZZ_RLP_LIMIT);
        }
    }
}

/// Settlement RPC responses: the HTTP framing (status, headers, `Content-Length`, chunked
/// bodies) and, when the body is JSON, the block and record shapes.
pub fn rpc_response(data: &[u8]) {
    let body = crate::rpc::parse_http_response(data).unwrap_or_else(|_| data.to_vec());
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(&body) else { return };
    let _ = crate::rpc::parse_block(&v);
    let _ = serde_json::from_value::<crate::settlement::BlobRecord>(v.clone());
    let _ = serde_json::from_value::<crate::settlement::OutputRecord>(v.clone());
    let _ = serde_json::from_value::<Vec<crate::settlement::DisputeRecord>>(v.clone());
    let _ = serde_json::from_value::<Vec<crate::settlement::ValidatorRecord>>(v);
}
