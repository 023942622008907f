//! The host half of batch recovery and verification, shared by every device: parsing, range
//! checks and the malleability rule (in exactly the order `gloam_sig::secp256k1` applies them, so
//! errors match), the scalars u1, u2 mod n (k256's constant-time `Scalar`), the item words the
//! kernels read, and the interpretation of what they return.
//!
//! Item layout (u32 words, little-endian limbs), the same for WGSL, CUDA and the host emulation:
//! input [`IN_WORDS`] = u1 ‖ u2 ‖ x ‖ (y, or the y-parity in word 24); output [`OUT_WORDS`] =
//! x ‖ y ‖ status ([`STATUS_OK`], [`STATUS_NOT_ON_CURVE`], [`STATUS_INFINITY`]).
//!
//! * Recovery (SEC 1 §4.1.6): Q = r⁻¹(s·R − z·G) = (−z·r⁻¹)·G + (s·r⁻¹)·R, R lifted on the device
//!   from x = r and the parity (recovery ids 2/3, x = r + n, are not valid in Ethereum).
//! * Verification (SEC 1 §4.1.4): R' = (z·s⁻¹)·G + (r·s⁻¹)·Q, valid iff R' ≠ ∞ and x(R') mod n = r.

use gloam_engine_core::{DeviceError, DeviceResult};
use gloam_sig::secp256k1::{self, EcdsaRule, EcdsaSignature, RecoverItem, Recovered, VerifyItem};
use gloam_sig::EcdsaError;
use k256::elliptic_curve::ops::Reduce;
use k256::elliptic_curve::sec1::ToEncodedPoint;
use k256::elliptic_curve::PrimeField;
use k256::{FieldBytes, ProjectivePoint, Scalar, U256};
use rayon::prelude::*;

pub const IN_WORDS: usize = 32;
pub const OUT_WORDS: usize = 17;
pub const STATUS_OK: u32 = 0;
pub const STATUS_NOT_ON_CURVE: u32 = 1;
pub const STATUS_INFINITY: u32 = 2;
/// Points in the fixed G table (k·G for k = 1..15), 16 words each.
pub const G_POINTS: usize = 15;

/// What the kernel does with word 24..32 of an item.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Lift R from x and the parity (ecrecover).
    Recover = 0,
    /// P = (x, y) as given (verification against a public key).
    Verify = 1,
}

/// 32 big-endian bytes as 8 little-endian u32 words.
pub fn be_to_words(b: &[u8]) -> [u32; 8] {
    let mut w = [0u32; 8];
    for (i, word) in w.iter_mut().enumerate() {
        let o = 28 - 4 * i;
        *word = u32::from_be_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]]);
    }
    w
}

/// 8 little-endian u32 words as 32 big-endian bytes.
pub fn words_to_be(w: &[u32]) -> [u8; 32] {
    let mut b = [0u8; 32];
    for i in 0..8 {
        b[28 - 4 * i..32 - 4 * i].copy_from_slice(&w[i].to_be_bytes());
    }
    b
}

/// x ‖ y words of k·G for k = 1..=15: the resident table every device keeps.
pub fn g_table() -> Vec<u32> {
    let mut out = Vec::with_capacity(16 * G_POINTS);
    let mut p = ProjectivePoint::IDENTITY;
    for _ in 0..G_POINTS {
        p += ProjectivePoint::GENERATOR;
        let e = p.to_affine().to_encoded_point(false);
        out.extend(be_to_words(e.x().expect("finite")));
        out.extend(be_to_words(e.y().expect("finite")));
    }
    out
}

fn scalar_of(b: &[u8; 32]) -> Scalar {
    // Callers pass r or s after EcdsaSignature's range check (1 ≤ v < n).
    Option::<Scalar>::from(Scalar::from_repr(FieldBytes::from(*b))).unwrap_or(Scalar::ZERO)
}

/// The prehash as an integer mod n (what libsecp256k1 does with a 32-byte message).
fn z_of(prehash: &[u8; 32]) -> Scalar {
    <Scalar as Reduce<U256>>::reduce_bytes(&FieldBytes::from(*prehash))
}

fn push_scalars(words: &mut Vec<u32>, u1: &Scalar, u2: &Scalar) {
    words.extend(be_to_words(&u1.to_bytes()));
    words.extend(be_to_words(&u2.to_bytes()));
}

/// A batch after the host checks: `results[i]` is `Some` for items decided on the host; the
/// others are device slots in order (`slots[k]` = item index of slot k).
#[derive(Debug)]
pub struct Prepared<T> {
    pub mode: Mode,
    pub words: Vec<u32>,
    pub slots: Vec<usize>,
    pub results: Vec<Option<Result<T, EcdsaError>>>,
    /// r of each slot (verification compares x(R') mod n with it).
    r: Vec<[u8; 32]>,
}

impl<T> Prepared<T> {
    pub fn device_items(&self) -> usize {
        self.slots.len()
    }
}

/// Items per parallel chunk of host work (each chunk shares one modular inversion).
const PREP_CHUNK: usize = 1024;

/// Montgomery's trick: every element replaced by its inverse with one inversion and three
/// multiplications each. Callers pass nonzero values only.
fn batch_invert(xs: &mut [Scalar]) {
    let mut prefix = Vec::with_capacity(xs.len());
    let mut acc = Scalar::ONE;
    for x in xs.iter() {
        prefix.push(acc);
        acc *= x;
    }
    let mut inv = Option::<Scalar>::from(acc.invert()).unwrap_or(Scalar::ZERO);
    for i in (0..xs.len()).rev() {
        let x = xs[i];
        xs[i] = inv * prefix[i];
        inv *= x;
    }
}

/// One chunk's share of a [`Prepared`] batch (slot indices local to the chunk).
struct Part<T> {
    words: Vec<u32>,
    slots: Vec<usize>,
    results: Vec<Option<Result<T, EcdsaError>>>,
    r: Vec<[u8; 32]>,
}

fn merge<T: Send>(mode: Mode, parts: Vec<Part<T>>) -> Prepared<T> {
    let n: usize = parts.iter().map(|p| p.results.len()).sum();
    let mut p = Prepared {
        mode,
        words: Vec::with_capacity(parts.iter().map(|p| p.words.len()).sum()),
        slots: Vec::with_capacity(n),
        results: Vec::with_capacity(n),
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

/// Host half of `ecrecover_batch` (v ∈ {0, 1}), mirroring `secp256k1::recover`: length, r range,
/// s range, recovery id, then the low-S rule. Parallel over chunks, one inversion per chunk.
pub fn prepare_recover(items: &[RecoverItem<'_>], rule: EcdsaRule) -> Prepared<Recovered> {
    let parts: Vec<Part<Recovered>> = items.par_chunks(PREP_CHUNK).map(|c| recover_part(c, rule)).collect();
    merge(Mode::Recover, parts)
}

fn recover_part(items: &[RecoverItem<'_>], rule: EcdsaRule) -> Part<Recovered> {
    let mut part =
        Part { words: Vec::new(), slots: Vec::new(), results: Vec::with_capacity(items.len()), r: Vec::new() };
    let mut live = Vec::with_capacity(items.len());
    for (i, it) in items.iter().enumerate() {
        let checked = (|| {
            let sig65 = it.signature;
            if sig65.len() != 65 {
                return Err(EcdsaError::WrongLength { what: "r‖s‖v signature", expected: 65, got: sig65.len() });
            }
            let sig = EcdsaSignature::from_compact(&sig65[..64])?;
            let v = sig65[64];
            if v > 1 {
                return Err(EcdsaError::InvalidRecoveryId(v));
            }
            if rule == EcdsaRule::LowSRequired && sig.is_high_s() {
                return Err(EcdsaError::HighS);
            }
            Ok((sig, v))
        })();
        match checked {
            Err(e) => part.results.push(Some(Err(e))),
            Ok((sig, v)) => {
                live.push((i, sig, v));
                part.results.push(None);
            }
        }
    }
    // r ∈ [1, n) after the range check: every inverse exists.
    let mut rinv: Vec<Scalar> = live.iter().map(|(_, sig, _)| scalar_of(&sig.r)).collect();
    batch_invert(&mut rinv);
    part.words.reserve(live.len() * IN_WORDS);
    for ((i, sig, v), rinv) in live.into_iter().zip(rinv) {
        let z = z_of(&items[i].prehash);
        push_scalars(&mut part.words, &-(z * rinv), &(scalar_of(&sig.s) * rinv));
        part.words.extend(be_to_words(&sig.r));
        part.words.push(v as u32);
        part.words.extend([0u32; 7]);
        part.slots.push(i);
    }
    part
}

/// Host half of `ecdsa_verify_batch`, mirroring `secp256k1::verify_prehash`: the low-S rule,
/// then the public key encoding (SEC1 compressed/uncompressed, on the curve). Parallel over
/// chunks, one inversion per chunk.
pub fn prepare_verify(items: &[VerifyItem<'_>], rule: EcdsaRule) -> Prepared<()> {
    let parts: Vec<Part<()>> = items.par_chunks(PREP_CHUNK).map(|c| verify_part(c, rule)).collect();
    merge(Mode::Verify, parts)
}

fn in_range(x: &[u8; 32]) -> bool {
    x.iter().any(|&b| b != 0) && *x < secp256k1::N
}

fn verify_part(items: &[VerifyItem<'_>], rule: EcdsaRule) -> Part<()> {
    let mut part =
        Part { words: Vec::new(), slots: Vec::new(), results: Vec::with_capacity(items.len()), r: Vec::new() };
    let mut live = Vec::with_capacity(items.len());
    for (i, it) in items.iter().enumerate() {
        let sig = &it.signature;
        if !in_range(&sig.r) || !in_range(&sig.s) {
            // Only an `EcdsaSignature` built field by field can get here (its constructors check
            // the range); the reference's own answer for such an item is used as is.
            part.results.push(Some(secp256k1::verify_prehash(it.public_key, &it.prehash, sig, rule)));
            continue;
        }
        let checked = (|| {
            if rule == EcdsaRule::LowSRequired && sig.is_high_s() {
                return Err(EcdsaError::HighS);
            }
            let pk = secp256k1::parse_public_key(it.public_key)?;
            Ok(pk.serialize_uncompressed())
        })();
        match checked {
            Err(e) => part.results.push(Some(Err(e))),
            Ok(pk) => {
                live.push((i, pk));
                part.results.push(None);
            }
        }
    }
    let mut sinv: Vec<Scalar> = live.iter().map(|(i, _)| scalar_of(&items[*i].signature.s)).collect();
    batch_invert(&mut sinv);
    part.words.reserve(live.len() * IN_WORDS);
    for ((i, pk), sinv) in live.into_iter().zip(sinv) {
        let it = &items[i];
        let z = z_of(&it.prehash);
        push_scalars(&mut part.words, &(z * sinv), &(scalar_of(&it.signature.r) * sinv));
        part.words.extend(be_to_words(&pk[1..33]));
        part.words.extend(be_to_words(&pk[33..65]));
        part.slots.push(i);
        part.r.push(it.signature.r);
    }
    part
}

fn check_len(out: &[u32], slots: usize) -> DeviceResult<()> {
    if out.len() < slots * OUT_WORDS {
        return Err(DeviceError::Launch(format!("device returned {} words for {slots} items", out.len())));
    }
    Ok(())
}

fn bad_status(status: u32, k: usize) -> DeviceError {
    DeviceError::Launch(format!("device returned status {status} for item {k}"))
}

/// Results of a recovery batch from the device words. A status the kernel cannot produce is a
/// device error (the caller recomputes on the CPU), never an answer.
pub fn finish_recover(p: Prepared<Recovered>, out: &[u32]) -> DeviceResult<Vec<Result<Recovered, EcdsaError>>> {
    check_len(out, p.slots.len())?;
    let decided: Vec<Result<Recovered, EcdsaError>> = (0..p.slots.len())
        .into_par_iter()
        .with_min_len(256)
        .map(|k| {
            let o = &out[k * OUT_WORDS..(k + 1) * OUT_WORDS];
            match o[16] {
                STATUS_OK => {
                    let mut public_key = [0u8; 64];
                    public_key[..32].copy_from_slice(&words_to_be(&o[..8]));
                    public_key[32..].copy_from_slice(&words_to_be(&o[8..16]));
                    Ok(Ok(Recovered { public_key, address: secp256k1::address_of(&public_key) }))
                }
                STATUS_NOT_ON_CURVE | STATUS_INFINITY => Ok(Err(EcdsaError::RecoveryFailed)),
                s => Err(bad_status(s, k)),
            }
        })
        .collect::<DeviceResult<_>>()?;
    let mut results = p.results;
    for (&i, r) in p.slots.iter().zip(decided) {
        results[i] = Some(r);
    }
    Ok(results.into_iter().map(|r| r.expect("every item decided")).collect())
}

/// Results of a verification batch from the device words.
pub fn finish_verify(p: Prepared<()>, out: &[u32]) -> DeviceResult<Vec<Result<(), EcdsaError>>> {
    check_len(out, p.slots.len())?;
    let mut results = p.results;
    for (k, &i) in p.slots.iter().enumerate() {
        let o = &out[k * OUT_WORDS..(k + 1) * OUT_WORDS];
        results[i] = Some(match o[16] {
            STATUS_OK => {
                let mut x = words_to_be(&o[..8]);
                if x >= secp256k1::N {
                    x = sub_be(&x, &secp256k1::N);
                }
                if x == p.r[k] {
                    Ok(())
                } else {
                    Err(EcdsaError::Invalid)
                }
            }
            STATUS_INFINITY => Err(EcdsaError::Invalid),
            s => return Err(bad_status(s, k)),
        });
    }
    Ok(results.into_iter().map(|r| r.expect("every item decided")).collect())
}

/// a − b for big-endian 256-bit integers with a ≥ b.
fn sub_be(a: &[u8; 32], b: &[u8; 32]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut borrow = 0u16;
    for i in (0..32).rev() {
        let d = (a[i] as u16).wrapping_sub(b[i] as u16).wrapping_sub(borrow);
        out[i] = d as u8;
        borrow = (d >> 8) & 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_conversion_round_trips() {
        let mut b = [0u8; 32];
        for (i, x) in b.iter_mut().enumerate() {
            *x = i as u8 + 1;
        }
        let w = be_to_words(&b);
        assert_eq!(w[0], 0x1d1e1f20);
        assert_eq!(w[7], 0x01020304);
        assert_eq!(words_to_be(&w), b);
    }

    #[test]
    fn g_table_starts_with_g() {
        let t = g_table();
        assert_eq!(t.len(), 16 * G_POINTS);
        // SEC 2 §2.4.1: Gx = 79BE667E…16F81798.
        assert_eq!(t[0], 0x16f81798);
        assert_eq!(t[7], 0x79be667e);
    }

    #[test]
    fn batch_inversion_matches_single() {
        let mut xs: Vec<Scalar> = (1..20u64).map(|i| Scalar::from(i * 7919 + 3)).collect();
        let want: Vec<Scalar> = xs.iter().map(|x| Option::<Scalar>::from(x.invert()).unwrap()).collect();
        batch_invert(&mut xs);
        assert_eq!(xs, want);
    }

    #[test]
    fn sub_be_borrows() {
        let mut a = [0u8; 32];
        a[30] = 1;
        let mut b = [0u8; 32];
        b[31] = 1;
        let d = sub_be(&a, &b);
        assert_eq!(d[31], 0xff);
        assert_eq!(d[30], 0);
    }
}
