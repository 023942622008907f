//! The host half of Ed25519 (ZIP-215) verification on a device: decoding with gloam-sig's own
//! decoders (so errors are the reference's, in its order: public key, then signature — length,
//! S < ℓ, R), k = SHA-512(R ‖ A ‖ M) mod ℓ over the received bytes, and the final cofactored
//! check \[8\](P − R) = identity on the device's P = \[S\]B + \[k\](−A) (curve25519-dalek).
//!
//! Under ZIP-215 a batch verdict equals each item's single verdict, so per-item device results
//! are exactly `gloam_sig::ed25519::verify_batch`'s (including its fall back to individual
//! checks when a random-linear-combination batch fails).
//!
//! Item layout: input [`ED_IN_WORDS`] = S ‖ k ‖ encoding of −A (canonical; each 32 bytes as 8
//! little-endian words); output [`ED_OUT_WORDS`] = encoding of P ‖ status (0 ok, 1 the
//! encoding of −A did not decode, which cannot happen for what the host sends).

use curve25519_dalek::constants::ED25519_BASEPOINT_POINT;
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::IsIdentity;
use gloam_engine_core::{DeviceError, DeviceResult};
use gloam_sig::ed25519::{self, Item};
use gloam_sig::Ed25519Error;
use rayon::prelude::*;
use sha2::{Digest, Sha512};

pub const ED_IN_WORDS: usize = 24;
pub const ED_OUT_WORDS: usize = 9;
/// Words of the resident table 1·B … 15·B (15 extended points of 32 words).
pub const ED_TABLE_WORDS: usize = 15 * 32;

/// 32 little-endian bytes as 8 little-endian words.
pub fn le_to_words(b: &[u8; 32]) -> [u32; 8] {
    let mut w = [0u32; 8];
    for (i, word) in w.iter_mut().enumerate() {
        *word = u32::from_le_bytes([b[4 * i], b[4 * i + 1], b[4 * i + 2], b[4 * i + 3]]);
    }
    w
}

pub fn words_to_le(w: &[u32]) -> [u8; 32] {
    let mut b = [0u8; 32];
    for i in 0..8 {
        b[4 * i..4 * i + 4].copy_from_slice(&w[i].to_le_bytes());
    }
    b
}

/// The encoding of the base point B, from which each device builds its B table.
pub fn basepoint_words() -> [u32; 8] {
    le_to_words(&ED25519_BASEPOINT_POINT.compress().to_bytes())
}

/// A batch after host decoding (see [`crate::prep::Prepared`]).
#[derive(Debug)]
pub struct EdPrepared {
    pub words: Vec<u32>,
    pub slots: Vec<usize>,
    pub results: Vec<Option<Result<(), Ed25519Error>>>,
    r: Vec<EdwardsPoint>,
}

impl EdPrepared {
    pub fn device_items(&self) -> usize {
        self.slots.len()
    }
}

/// Host decoding and hashing, parallel over chunks of items.
pub fn prepare(items: &[Item<'_>]) -> EdPrepared {
    let parts: Vec<EdPrepared> = items.par_chunks(1024).map(prepare_part).collect();
    let mut p = EdPrepared {
        words: Vec::with_capacity(parts.iter().map(|p| p.words.len()).sum()),
        slots: Vec::new(),
        results: Vec::with_capacity(items.len()),
        r: Vec::new(),
    };
    for part in parts {
        let base = p.results.len();
        p.words.extend(part.words);
        p.slots.extend(part.slots.into_iter().map(|k| base + k));
        p.results.extend(part.results);
        p.r.extend(part.r);
    }
    p
}

fn prepare_part(items: &[Item<'_>]) -> EdPrepared {
    let mut p = EdPrepared {
        words: Vec::with_capacity(items.len() * ED_IN_WORDS),
        slots: Vec::with_capacity(items.len()),
        results: Vec::with_capacity(items.len()),
        r: Vec::with_capacity(items.len()),
    };
    for (i, it) in items.iter().enumerate() {
        let decoded = ed25519::decode_public_key(it.public_key)
            .and_then(|a| ed25519::decode_signature(it.signature).map(|(r, s)| (a, r, s)));
        match decoded {
            Err(e) => p.results.push(Some(Err(e))),
            Ok((a, r, s)) => {
                // RFC 8032 §5.1.7 step 2 over the received bytes (ZIP-215).
                let mut h = Sha512::new();
                h.update(&it.signature[..32]);
                h.update(it.public_key);
                h.update(it.message);
                let k = Scalar::from_bytes_mod_order_wide(&h.finalize().into());
                p.words.extend(le_to_words(&s.to_bytes()));
                p.words.extend(le_to_words(&k.to_bytes()));
                p.words.extend(le_to_words(&(-a).compress().to_bytes()));
                p.slots.push(i);
                p.r.push(r);
                p.results.push(None);
            }
        }
    }
    p
}

/// Per-item verdicts from the device words: \[8\](P − R) = identity. An undecodable P or a bad
/// status is a device error (the caller recomputes on the CPU).
pub fn finish(p: EdPrepared, out: &[u32]) -> DeviceResult<Vec<Result<(), Ed25519Error>>> {
    if out.len() < p.slots.len() * ED_OUT_WORDS {
        return Err(DeviceError::Launch(format!("device returned {} words for {} items", out.len(), p.slots.len())));
    }
    let decided: Vec<Result<(), Ed25519Error>> = (0..p.slots.len())
        .into_par_iter()
        .with_min_len(128)
        .map(|k| {
            let o = &out[k * ED_OUT_WORDS..(k + 1) * ED_OUT_WORDS];
            if o[8] != 0 {
                return Err(DeviceError::Launch(format!("device returned status {} for Ed25519 item {k}", o[8])));
            }
            let pt = CompressedEdwardsY(words_to_le(&o[..8]))
                .decompress()
                .ok_or_else(|| DeviceError::Launch(format!("device returned an invalid point for Ed25519 item {k}")))?;
            Ok(if (pt - p.r[k]).mul_by_cofactor().is_identity() { Ok(()) } else { Err(Ed25519Error::Invalid) })
        })
        .collect::<DeviceResult<_>>()?;
    let mut results = p.results;
    for (&i, r) in p.slots.iter().zip(decided) {
        results[i] = Some(r);
    }
    Ok(results.into_iter().map(|r| r.expect("every item decided")).collect())
}
