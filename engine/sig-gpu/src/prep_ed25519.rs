//! The host half of Ed25519 (ZIP-215) verification on a device: the cheap checks and the hash.
//! The device decodes A and R as received and evaluates the cofactored equation; the host keeps
//! only what is byte-oriented:
//!
//! * lengths (32-byte key, 64-byte signature) and S < ℓ (`Scalar::from_canonical_bytes`, as the
//!   reference does). An item failing any of them is answered by the reference itself
//!   (`gloam_sig::ed25519::verify`), because its error depends on an order the host cannot see
//!   without decoding (an undecodable key is reported before a bad signature length);
//! * k = SHA-512(R ‖ A ‖ M) mod ℓ over the received bytes (RFC 8032 §5.1.7, ZIP-215).
//!
//! The device's status maps to the reference's errors in its order: A does not decode →
//! `InvalidPublicKey`, else R does not decode → `InvalidR`, else \[8\](\[S\]B − \[k\]A − R) ≠ 0
//! → `Invalid`. Under ZIP-215 an item's batch verdict equals its single verdict, so these
//! per-item results are exactly `ed25519::verify_batch`'s.
//!
//! Item layout: input [`ED_IN_WORDS`] = S ‖ k ‖ A bytes ‖ R bytes (each 32 bytes as 8
//! little-endian words); output [`ED_OUT_WORDS`] = status (0 valid, 1 bad A, 2 bad R, 3 invalid).

use curve25519_dalek::constants::ED25519_BASEPOINT_POINT;
use curve25519_dalek::scalar::Scalar;
use gloam_engine_core::{DeviceError, DeviceResult};
use gloam_sig::ed25519::{self, Item};
use gloam_sig::Ed25519Error;
use rayon::prelude::*;
use sha2::{Digest, Sha512};

pub const ED_IN_WORDS: usize = 32;
pub const ED_OUT_WORDS: usize = 1;
/// Words of the resident table 1·B … 15·B (15 extended points of 32 words).
pub const ED_TABLE_WORDS: usize = 15 * 32;
/// Words of a per-item table on WebGPU: 1·(−A) … 15·(−A), then −R.
pub const ED_ITEM_TABLE_WORDS: usize = 16 * 32;

pub const STATUS_VALID: u32 = 0;
pub const STATUS_BAD_A: u32 = 1;
pub const STATUS_BAD_R: u32 = 2;
pub const STATUS_INVALID: u32 = 3;

/// 32 little-endian bytes as 8 little-endian words.
pub fn le_to_words(b: &[u8]) -> [u32; 8] {
    let mut w = [0u32; 8];
    for (i, word) in w.iter_mut().enumerate() {
        *word = u32::from_le_bytes([b[4 * i], b[4 * i + 1], b[4 * i + 2], b[4 * i + 3]]);
    }
    w
}

/// The encoding of the base point B (CUDA builds its B table from it).
pub fn basepoint_words() -> [u32; 8] {
    le_to_words(&ED25519_BASEPOINT_POINT.compress().to_bytes())
}

/// An item whose per-item table is 1·B … 15·B: A = −B (the device negates A), R = identity.
/// WebGPU builds its B table by running `ed_prepare` on it.
pub fn basepoint_table_item() -> [u32; ED_IN_WORDS] {
    let mut item = [0u32; ED_IN_WORDS];
    item[16..24].copy_from_slice(&le_to_words(&(-ED25519_BASEPOINT_POINT).compress().to_bytes()));
    item[24] = 1; // y = 1, x = 0: the identity
    item
}

/// A batch after the host checks (see [`crate::prep::Prepared`]).
#[derive(Debug)]
pub struct EdPrepared {
    pub words: Vec<u32>,
    pub slots: Vec<usize>,
    pub results: Vec<Option<Result<(), Ed25519Error>>>,
}

impl EdPrepared {
    pub fn device_items(&self) -> usize {
        self.slots.len()
    }
}

/// Host checks and hashing, parallel over chunks of items.
pub fn prepare(items: &[Item<'_>]) -> EdPrepared {
    let parts: Vec<EdPrepared> = items.par_chunks(1024).map(prepare_part).collect();
    let mut p = EdPrepared {
        words: Vec::with_capacity(parts.iter().map(|p| p.words.len()).sum()),
        slots: Vec::new(),
        results: Vec::with_capacity(items.len()),
    };
    for part in parts {
        let base = p.results.len();
        p.words.extend(part.words);
        p.slots.extend(part.slots.into_iter().map(|k| base + k));
        p.results.extend(part.results);
    }
    p
}

fn prepare_part(items: &[Item<'_>]) -> EdPrepared {
    let mut p = EdPrepared {
        words: Vec::with_capacity(items.len() * ED_IN_WORDS),
        slots: Vec::with_capacity(items.len()),
        results: Vec::with_capacity(items.len()),
    };
    for (i, it) in items.iter().enumerate() {
        let s_ok = it.signature.len() == 64 && {
            let s: [u8; 32] = it.signature[32..].try_into().expect("32 bytes");
            bool::from(Scalar::from_canonical_bytes(s).is_some())
        };
        if it.public_key.len() != 32 || !s_ok {
            p.results.push(Some(ed25519::verify(it.public_key, it.message, it.signature)));
            continue;
        }
        let mut h = Sha512::new();
        h.update(&it.signature[..32]);
        h.update(it.public_key);
        h.update(it.message);
        let k = Scalar::from_bytes_mod_order_wide(&h.finalize().into());
        p.words.extend(le_to_words(&it.signature[32..]));
        p.words.extend(le_to_words(&k.to_bytes()));
        p.words.extend(le_to_words(it.public_key));
        p.words.extend(le_to_words(&it.signature[..32]));
        p.slots.push(i);
        p.results.push(None);
    }
    p
}

/// Per-item verdicts from the device's status words. An unknown status is a device error (the
/// caller recomputes on the CPU).
pub fn finish(p: EdPrepared, out: &[u32]) -> DeviceResult<Vec<Result<(), Ed25519Error>>> {
    if out.len() < p.slots.len() * ED_OUT_WORDS {
        return Err(DeviceError::Launch(format!("device returned {} words for {} items", out.len(), p.slots.len())));
    }
    let mut results = p.results;
    for (k, &i) in p.slots.iter().enumerate() {
        results[i] = Some(match out[k * ED_OUT_WORDS] {
            STATUS_VALID => Ok(()),
            STATUS_BAD_A => Err(Ed25519Error::InvalidPublicKey),
            STATUS_BAD_R => Err(Ed25519Error::InvalidR),
            STATUS_INVALID => Err(Ed25519Error::Invalid),
            s => return Err(DeviceError::Launch(format!("device returned status {s} for Ed25519 item {k}"))),
        });
    }
    Ok(results.into_iter().map(|r| r.expect("every item decided")).collect())
}
