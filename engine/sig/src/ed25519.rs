//! Ed25519 verification under ZIP-215 (zips.z.cash/zip-0215), the consensus-safe rule set:
//!
//! * A and R may be **any** encoding of a curve point: y ≥ p and "negative zero" (x = 0 with
//!   the sign bit set) are accepted, exactly like ed25519-zebra / ed25519-consensus;
//! * S must be canonical (S < ℓ);
//! * k = SHA-512(R ‖ A ‖ M) over the **received** bytes of R and A, reduced mod ℓ (RFC 8032
//!   §5.1.7);
//! * the **cofactored** equation \[8\]\[S\]B = \[8\]R + \[8\]\[k\]A.
//!
//! Because both the single and the batch check are cofactored, the verdict of an item never
//! depends on what else is in the batch (up to the 2⁻¹²⁸ soundness error of the RLC): the
//! property dalek's cofactorless `verify_batch` lacks.
//!
//! Batching (Bernstein, Duif, Lange, Schwabe, Yang 2011, §5): with independent random 128-bit
//! zᵢ, check \[8\](−(Σzᵢsᵢ)B + ΣzᵢRᵢ + Σ(zᵢkᵢ)Aᵢ) = 0 as one multiscalar multiplication. Items
//! with the same public key share one A term (its coefficients are summed), which about halves
//! the MSM when all keys are equal. Large batches are split into one chunk per core and checked
//! in parallel; a failing chunk is bisected (module `batch`) to find its bad items.

use std::collections::HashMap;

use curve25519_dalek::constants::ED25519_BASEPOINT_POINT;
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{IsIdentity, VartimeMultiscalarMul};
use rand::RngCore;
use rayon::prelude::*;
use sha2::{Digest, Sha512};

use crate::Ed25519Error;

pub const PUBLIC_KEY_LENGTH: usize = 32;
pub const SIGNATURE_LENGTH: usize = 64;

/// Below this many items per chunk, splitting a batch across threads costs more than it saves
/// (the MSM's per-point cost falls with size).
const MIN_CHUNK: usize = 32;

/// One signature to check: byte slices as received, lengths are checked per item.
#[derive(Clone, Copy, Debug)]
pub struct Item<'a> {
    pub public_key: &'a [u8],
    pub message: &'a [u8],
    pub signature: &'a [u8],
}

impl<'a> Item<'a> {
    pub fn new(public_key: &'a [u8], message: &'a [u8], signature: &'a [u8]) -> Self {
        Item { public_key, message, signature }
    }
}

/// Decodes a public key under ZIP-215 (any encoding of a curve point).
pub fn decode_public_key(bytes: &[u8]) -> Result<EdwardsPoint, Ed25519Error> {
    let a = fixed::<32>(bytes, "public key")?;
    CompressedEdwardsY(a).decompress().ok_or(Ed25519Error::InvalidPublicKey)
}

/// Decodes a signature into (R, S): R any curve point encoding, S < ℓ.
pub fn decode_signature(bytes: &[u8]) -> Result<(EdwardsPoint, Scalar), Ed25519Error> {
    let sig = fixed::<64>(bytes, "signature")?;
    let (r, s) = split_sig(&sig);
    let s = decode_s(s)?;
    let r = CompressedEdwardsY(r).decompress().ok_or(Ed25519Error::InvalidR)?;
    Ok((r, s))
}

fn fixed<const N: usize>(bytes: &[u8], what: &'static str) -> Result<[u8; N], Ed25519Error> {
    bytes.try_into().map_err(|_| Ed25519Error::WrongLength { what, expected: N, got: bytes.len() })
}

fn split_sig(sig: &[u8; 64]) -> ([u8; 32], [u8; 32]) {
    let mut r = [0u8; 32];
    let mut s = [0u8; 32];
    r.copy_from_slice(&sig[..32]);
    s.copy_from_slice(&sig[32..]);
    (r, s)
}

fn decode_s(s: [u8; 32]) -> Result<Scalar, Ed25519Error> {
    Option::from(Scalar::from_canonical_bytes(s)).ok_or(Ed25519Error::NonCanonicalS)
}

/// An item after decoding and hashing: everything the equation needs.
struct Prepared {
    key: u32,
    r: EdwardsPoint,
    s: Scalar,
    k: Scalar,
}

fn challenge(r: &[u8], a: &[u8], msg: &[u8]) -> Scalar {
    let mut h = Sha512::new();
    h.update(r);
    h.update(a);
    h.update(msg);
    Scalar::from_bytes_mod_order_wide(&h.finalize().into())
}

/// \[8\](\[S\]B − \[k\]A − R) = 0.
fn check_single(a: &EdwardsPoint, p: &Prepared) -> bool {
    let sb_minus_ka = EdwardsPoint::vartime_double_scalar_mul_basepoint(&p.k, &(-a), &p.s);
    (sb_minus_ka - p.r).mul_by_cofactor().is_identity()
}

/// The RLC check over a subset of prepared items.
fn check_batch(keys: &[EdwardsPoint], items: &[Prepared], subset: &[usize]) -> bool {
    let mut rng = rand::thread_rng();
    let mut b_coeff = Scalar::ZERO;
    let mut key_slot: HashMap<u32, usize> = HashMap::with_capacity(subset.len());
    let mut a_coeffs: Vec<Scalar> = Vec::with_capacity(subset.len());
    let mut a_points: Vec<EdwardsPoint> = Vec::with_capacity(subset.len());
    let mut r_coeffs: Vec<Scalar> = Vec::with_capacity(subset.len());
    let mut r_points: Vec<EdwardsPoint> = Vec::with_capacity(subset.len());
    for &i in subset {
        let p = &items[i];
        // 128-bit zᵢ: soundness 2⁻¹²⁸, and half-length R scalars skip half the MSM additions.
        let mut zb = [0u8; 16];
        rng.fill_bytes(&mut zb);
        let z = Scalar::from(u128::from_le_bytes(zb));
        b_coeff -= z * p.s;
        r_coeffs.push(z);
        r_points.push(p.r);
        let slot = *key_slot.entry(p.key).or_insert_with(|| {
            a_coeffs.push(Scalar::ZERO);
            a_points.push(keys[p.key as usize]);
            a_points.len() - 1
        });
        a_coeffs[slot] += z * p.k;
    }
    let check = EdwardsPoint::vartime_multiscalar_mul(
        std::iter::once(&b_coeff).chain(a_coeffs.iter()).chain(r_coeffs.iter()),
        std::iter::once(&ED25519_BASEPOINT_POINT).chain(a_points.iter()).chain(r_points.iter()),
    );
    check.mul_by_cofactor().is_identity()
}

/// Verifies one signature under ZIP-215.
pub fn verify(public_key: &[u8], message: &[u8], signature: &[u8]) -> Result<(), Ed25519Error> {
    let a = decode_public_key(public_key)?;
    let (r, s) = decode_signature(signature)?;
    let k = challenge(&signature[..32], public_key, message);
    if check_single(&a, &Prepared { key: 0, r, s, k }) {
        Ok(())
    } else {
        Err(Ed25519Error::Invalid)
    }
}

/// Decoded public keys by their 32 received bytes (so non-canonical encodings are distinct
/// entries, as they must be: k hashes the received bytes). Decompression is a field
/// exponentiation, about a fifth of a batch item's cost; a node verifying the same validator
/// keys block after block pays it once. Only keys that decode are cached, and the cache stops
/// growing at its capacity, so junk keys cannot grow memory.
#[derive(Debug)]
pub struct KeyCache {
    map: parking_lot::RwLock<HashMap<[u8; 32], EdwardsPoint>>,
    capacity: usize,
}

impl KeyCache {
    pub fn new(capacity: usize) -> Self {
        KeyCache { map: parking_lot::RwLock::new(HashMap::new()), capacity }
    }

    /// [`decode_public_key`], answered from the cache when the key was seen before.
    pub fn get(&self, bytes: &[u8]) -> Result<EdwardsPoint, Ed25519Error> {
        let b: [u8; 32] = fixed::<32>(bytes, "public key")?;
        if let Some(p) = self.map.read().get(&b) {
            return Ok(*p);
        }
        let p = decode_public_key(&b)?;
        let mut m = self.map.write();
        if m.len() < self.capacity {
            m.insert(b, p);
        }
        Ok(p)
    }

    pub fn len(&self) -> usize {
        self.map.read().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Verifies every item; `result[i]` is item i's verdict, identical to [`verify`] on it alone.
pub fn verify_batch(items: &[Item<'_>]) -> Vec<Result<(), Ed25519Error>> {
    verify_batch_inner(items, None)
}

/// [`verify_batch`] taking decoded keys from (and adding new ones to) `cache`.
pub fn verify_batch_cached(items: &[Item<'_>], cache: &KeyCache) -> Vec<Result<(), Ed25519Error>> {
    verify_batch_inner(items, Some(cache))
}

fn verify_batch_inner(items: &[Item<'_>], cache: Option<&KeyCache>) -> Vec<Result<(), Ed25519Error>> {
    let n = items.len();
    // Unique keys first, so a key shared by many items is decompressed once.
    let mut key_ids: HashMap<&[u8], u32> = HashMap::new();
    let mut key_bytes: Vec<&[u8]> = Vec::new();
    let ids: Vec<u32> = items
        .iter()
        .map(|it| {
            *key_ids.entry(it.public_key).or_insert_with(|| {
                key_bytes.push(it.public_key);
                (key_bytes.len() - 1) as u32
            })
        })
        .collect();
    let decoded_keys: Vec<Result<EdwardsPoint, Ed25519Error>> = key_bytes
        .par_iter()
        .map(|b| match cache {
            Some(c) => c.get(b),
            None => decode_public_key(b),
        })
        .collect();
    // Keys that failed to decode get a placeholder; their items never reach an equation.
    let keys: Vec<EdwardsPoint> = decoded_keys.iter().map(|k| k.unwrap_or_default()).collect();

    let prepared: Vec<Result<Prepared, Ed25519Error>> = items
        .par_iter()
        .zip(ids.par_iter())
        .map(|(it, &key)| {
            decoded_keys[key as usize]?;
            let (r, s) = decode_signature(it.signature)?;
            let k = challenge(&it.signature[..32], it.public_key, it.message);
            Ok(Prepared { key, r, s, k })
        })
        .collect();

    let mut results: Vec<Result<(), Ed25519Error>> = Vec::with_capacity(n);
    let mut live: Vec<usize> = Vec::with_capacity(n);
    let mut ok_items: Vec<Prepared> = Vec::with_capacity(n);
    for (i, p) in prepared.into_iter().enumerate() {
        match p {
            Ok(p) => {
                live.push(i);
                ok_items.push(p);
                results.push(Ok(()));
            }
            Err(e) => results.push(Err(e)),
        }
    }
    let verdicts = check_all(&keys, &ok_items);
    for (&i, ok) in live.iter().zip(verdicts) {
        if !ok {
            results[i] = Err(Ed25519Error::Invalid);
        }
    }
    results
}

/// Per-item equation verdicts for decoded items: chunked RLC in parallel, bisection on failure.
fn check_all(keys: &[EdwardsPoint], items: &[Prepared]) -> Vec<bool> {
    let m = items.len();
    if m == 0 {
        return Vec::new();
    }
    if m == 1 {
        return vec![check_single(&keys[items[0].key as usize], &items[0])];
    }
    let chunks = rayon::current_num_threads().min(m.div_ceil(MIN_CHUNK)).max(1);
    let per = m.div_ceil(chunks);
    let all: Vec<usize> = (0..m).collect();
    let partial: Vec<Vec<bool>> = all
        .par_chunks(per)
        .map(|idx| {
            let mut out = vec![false; m];
            if check_batch(keys, items, idx) {
                for &i in idx {
                    out[i] = true;
                }
            } else {
                crate::batch::locate(
                    idx,
                    &|s: &[usize]| check_batch(keys, items, s),
                    &|i| check_single(&keys[items[i].key as usize], &items[i]),
                    &mut out,
                );
            }
            out
        })
        .collect();
    let mut out = vec![false; m];
    for p in partial {
        for (o, v) in out.iter_mut().zip(p) {
            *o |= v;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc8032_test_1() {
        // RFC 8032 §7.1 TEST 1 (empty message).
        let pk = hex::decode("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a").unwrap();
        let sig = hex::decode(
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
        )
        .unwrap();
        assert_eq!(verify(&pk, b"", &sig), Ok(()));
        let mut bad = sig.clone();
        bad[0] ^= 1;
        assert!(verify(&pk, b"", &bad).is_err());
        assert_eq!(verify(&pk, b"x", &sig), Err(Ed25519Error::Invalid));
        assert!(matches!(verify(&pk[..31], b"", &sig), Err(Ed25519Error::WrongLength { .. })));
    }
}
