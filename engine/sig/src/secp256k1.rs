//! secp256k1 ECDSA: verification and public-key recovery (`ecrecover`) with an explicit
//! malleability rule, batched with per-item results.
//!
//! * The rule is a parameter, never implicit: [`EcdsaRule::LowSRequired`] is EIP-2 / BIP-62
//!   (transaction signatures), [`EcdsaRule::HighSAllowed`] is SEC 1 ECDSA and the ECRECOVER
//!   precompile. libsecp256k1 rejects high-S in `verify` but accepts it in `recover`, and k256
//!   rejects it in both; here both operations follow the rule passed in (the "unchecked" path
//!   for pre-Homestead history is `HighSAllowed`).
//! * Range checks are ours and come first: r, s ∈ [1, n−1] (SEC 1 §4.1.4 step 1), recovery id
//!   ∈ {0, 1}: the ids 2/3 (x = r + n) are not valid in Ethereum.
//! * The curve arithmetic is libsecp256k1 (the `secp256k1` crate): its verify and recovery are
//!   the fastest CPU implementations available. ECDSA has no efficient RLC batch (r is only an
//!   x-coordinate), so a batch is independent items spread over rayon in chunks (tiny rayon
//!   jobs spend their time stealing work).
//! * The hash is the caller's 32-byte prehash, taken mod n (libsecp256k1 does the reduction).
//! * Decoders are ours: strict DER (X.690 §10) and 64-byte compact r‖s.

use std::sync::OnceLock;

use ::secp256k1::ecdsa::{RecoverableSignature, RecoveryId, Signature};
use ::secp256k1::{Message, PublicKey, Secp256k1, VerifyOnly};
use rayon::prelude::*;
use sha3::{Digest, Keccak256};

use crate::EcdsaError;

/// The group order n, big-endian.
pub const N: [u8; 32] = hex32("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");
/// ⌊n/2⌋: the largest low-S value.
pub const HALF_N: [u8; 32] = hex32("7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0");

/// Items per rayon job in batch entry points (reth measured ~50% of time lost to work
/// stealing with one job per signature).
const CHUNK: usize = 64;

const fn hex32(s: &str) -> [u8; 32] {
    let b = s.as_bytes();
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        out[i] = (nib(b[2 * i]) << 4) | nib(b[2 * i + 1]);
        i += 1;
    }
    out
}

const fn nib(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        _ => panic!("not hex"),
    }
}

/// Malleability policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EcdsaRule {
    /// s ≤ n/2 (EIP-2 transaction signatures, Bitcoin's BIP-62 / Wycheproof `_bitcoin`).
    LowSRequired,
    /// Any s in [1, n−1] (SEC 1, the ECRECOVER precompile, pre-Homestead transactions).
    HighSAllowed,
}

/// An ECDSA signature as two 32-byte big-endian integers, range-checked: 1 ≤ r, s < n.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EcdsaSignature {
    pub r: [u8; 32],
    pub s: [u8; 32],
}

impl EcdsaSignature {
    /// From r and s, checking 1 ≤ r, s < n.
    pub fn new(r: [u8; 32], s: [u8; 32]) -> Result<Self, EcdsaError> {
        if is_zero(&r) || r >= N {
            return Err(EcdsaError::ROutOfRange);
        }
        if is_zero(&s) || s >= N {
            return Err(EcdsaError::SOutOfRange);
        }
        Ok(EcdsaSignature { r, s })
    }

    /// 64-byte compact r‖s (IEEE P1363).
    pub fn from_compact(bytes: &[u8]) -> Result<Self, EcdsaError> {
        if bytes.len() != 64 {
            return Err(EcdsaError::WrongLength { what: "compact signature", expected: 64, got: bytes.len() });
        }
        let mut r = [0u8; 32];
        let mut s = [0u8; 32];
        r.copy_from_slice(&bytes[..32]);
        s.copy_from_slice(&bytes[32..]);
        Self::new(r, s)
    }

    /// Strict DER: SEQUENCE { INTEGER r, INTEGER s }, definite short-form lengths, minimal
    /// positive integers, nothing after the sequence.
    pub fn from_der(bytes: &[u8]) -> Result<Self, EcdsaError> {
        let (tag, body, rest) = der_tlv(bytes)?;
        if tag != 0x30 {
            return Err(EcdsaError::InvalidDer("not a SEQUENCE"));
        }
        if !rest.is_empty() {
            return Err(EcdsaError::InvalidDer("trailing bytes after the SEQUENCE"));
        }
        let (r, body) = der_integer(body)?;
        let (s, body) = der_integer(body)?;
        if !body.is_empty() {
            return Err(EcdsaError::InvalidDer("trailing bytes inside the SEQUENCE"));
        }
        Self::new(r, s)
    }

    pub fn to_compact(&self) -> [u8; 64] {
        let mut out = [0u8; 64];
        out[..32].copy_from_slice(&self.r);
        out[32..].copy_from_slice(&self.s);
        out
    }

    pub fn is_high_s(&self) -> bool {
        self.s > HALF_N
    }

    fn check_rule(&self, rule: EcdsaRule) -> Result<(), EcdsaError> {
        if rule == EcdsaRule::LowSRequired && self.is_high_s() {
            return Err(EcdsaError::HighS);
        }
        Ok(())
    }

    /// The same signature with s replaced by n − s when s > n/2.
    pub fn normalized(&self) -> Self {
        if !self.is_high_s() {
            return *self;
        }
        EcdsaSignature { r: self.r, s: sub_be(&N, &self.s) }
    }
}

fn is_zero(x: &[u8; 32]) -> bool {
    x.iter().all(|&b| b == 0)
}

/// a − b for big-endian 256-bit integers with a ≥ b.
fn sub_be(a: &[u8; 32], b: &[u8; 32]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let d = a[i] as i16 - b[i] as i16 - borrow;
        borrow = (d < 0) as i16;
        out[i] = d.rem_euclid(256) as u8;
    }
    out
}

/// One DER TLV with a short-form length (every valid secp256k1 signature is under 128 bytes,
/// so a long form is always non-minimal and rejected).
fn der_tlv(bytes: &[u8]) -> Result<(u8, &[u8], &[u8]), EcdsaError> {
    let [tag, len, rest @ ..] = bytes else {
        return Err(EcdsaError::InvalidDer("truncated"));
    };
    if len & 0x80 != 0 {
        return Err(EcdsaError::InvalidDer("long-form or indefinite length"));
    }
    let len = *len as usize;
    if rest.len() < len {
        return Err(EcdsaError::InvalidDer("length exceeds the input"));
    }
    Ok((*tag, &rest[..len], &rest[len..]))
}

fn der_integer(bytes: &[u8]) -> Result<([u8; 32], &[u8]), EcdsaError> {
    let (tag, v, rest) = der_tlv(bytes)?;
    if tag != 0x02 {
        return Err(EcdsaError::InvalidDer("not an INTEGER"));
    }
    match v {
        [] => return Err(EcdsaError::InvalidDer("empty INTEGER")),
        [b, ..] if b & 0x80 != 0 => return Err(EcdsaError::InvalidDer("negative INTEGER")),
        [0, b, ..] if b & 0x80 == 0 => return Err(EcdsaError::InvalidDer("non-minimal INTEGER")),
        _ => {}
    }
    let v = if v[0] == 0 && v.len() > 1 { &v[1..] } else { v };
    if v.len() > 32 {
        // Too wide for a value below n: report it as out of range, as SEC 1 does.
        return Err(EcdsaError::InvalidDer("INTEGER wider than 256 bits"));
    }
    let mut out = [0u8; 32];
    out[32 - v.len()..].copy_from_slice(v);
    Ok((out, rest))
}

fn ctx() -> &'static Secp256k1<VerifyOnly> {
    static CTX: OnceLock<Secp256k1<VerifyOnly>> = OnceLock::new();
    // Context creation precomputes tables: once per process (reth PR #1171 measured 3×).
    CTX.get_or_init(Secp256k1::verification_only)
}

/// Parses a SEC1 public key: 33-byte compressed (02/03) or 65-byte uncompressed (04). Hybrid
/// encodings (06/07), which libsecp256k1 would accept, are refused.
pub fn parse_public_key(bytes: &[u8]) -> Result<PublicKey, EcdsaError> {
    match (bytes.len(), bytes.first()) {
        (33, Some(0x02 | 0x03)) | (65, Some(0x04)) => {
            PublicKey::from_slice(bytes).map_err(|_| EcdsaError::InvalidPublicKey)
        }
        _ => Err(EcdsaError::InvalidPublicKey),
    }
}

/// Verifies a signature over a 32-byte prehash.
pub fn verify_prehash(
    public_key: &[u8],
    prehash: &[u8; 32],
    sig: &EcdsaSignature,
    rule: EcdsaRule,
) -> Result<(), EcdsaError> {
    sig.check_rule(rule)?;
    let pk = parse_public_key(public_key)?;
    verify_parsed(&pk, prehash, sig)
}

fn verify_parsed(pk: &PublicKey, prehash: &[u8; 32], sig: &EcdsaSignature) -> Result<(), EcdsaError> {
    // libsecp256k1 verifies low-S only; (r, s) and (r, n − s) are equally valid ECDSA, and the
    // rule was applied above.
    let sig = Signature::from_compact(&sig.normalized().to_compact()).map_err(|_| EcdsaError::SOutOfRange)?;
    ctx().verify_ecdsa(Message::from_digest(*prehash), &sig, pk).map_err(|_| EcdsaError::Invalid)
}

/// One verification item.
#[derive(Clone, Copy, Debug)]
pub struct VerifyItem<'a> {
    /// SEC1 compressed or uncompressed.
    pub public_key: &'a [u8],
    pub prehash: [u8; 32],
    pub signature: EcdsaSignature,
}

/// Verifies every item in parallel; `result[i]` is item i's verdict.
pub fn verify_batch(items: &[VerifyItem<'_>], rule: EcdsaRule) -> Vec<Result<(), EcdsaError>> {
    par_map_chunked(items, |it| verify_prehash(it.public_key, &it.prehash, &it.signature, rule))
}

/// A recovered signer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Recovered {
    /// Uncompressed X‖Y (the 0x04 prefix dropped), as ECRECOVER hashes it.
    pub public_key: [u8; 64],
    /// keccak256(public_key)[12..].
    pub address: [u8; 20],
}

/// keccak256(X‖Y)[12..]: the Ethereum address of a public key.
pub fn address_of(public_key: &[u8; 64]) -> [u8; 20] {
    let h = Keccak256::digest(public_key);
    let mut a = [0u8; 20];
    a.copy_from_slice(&h[12..]);
    a
}

/// Recovers the signer of `prehash` from a 65-byte r‖s‖v signature with v ∈ {0, 1}.
pub fn recover(prehash: &[u8; 32], sig65: &[u8], rule: EcdsaRule) -> Result<Recovered, EcdsaError> {
    let (sig, v) = split_rsv(sig65)?;
    if v > 1 {
        return Err(EcdsaError::InvalidRecoveryId(v));
    }
    recover_parts(prehash, &sig, v, rule)
}

/// Ethereum-flavoured recovery: v may be 27/28 (legacy) as well as the y-parity 0/1.
/// EIP-155 `v = chain_id·2 + 35/36` is the caller's to map to a parity (it needs the chain id).
pub fn recover_eth(prehash: &[u8; 32], sig65: &[u8], rule: EcdsaRule) -> Result<Recovered, EcdsaError> {
    let (sig, v) = split_rsv(sig65)?;
    let parity = match v {
        0 | 1 => v,
        27 | 28 => v - 27,
        _ => return Err(EcdsaError::InvalidRecoveryId(v)),
    };
    recover_parts(prehash, &sig, parity, rule)
}

/// The y-parity of an Ethereum `v`: 0/1 (typed transactions), 27/28 (legacy), or EIP-155's
/// `chain_id·2 + 35/36`; with `chain_id` given, an EIP-155 `v` for another chain is refused.
pub fn parity_from_eth_v(v: u64, chain_id: Option<u64>) -> Result<u8, EcdsaError> {
    let bad = || EcdsaError::InvalidRecoveryId(v.min(u8::MAX as u64) as u8);
    match v {
        0 | 1 => Ok(v as u8),
        27 | 28 => Ok((v - 27) as u8),
        v if v >= 35 => {
            let parity = ((v - 35) % 2) as u8;
            let id = (v - 35) / 2;
            match chain_id {
                Some(c) if c != id => Err(bad()),
                _ => Ok(parity),
            }
        }
        _ => Err(bad()),
    }
}

fn split_rsv(sig65: &[u8]) -> Result<(EcdsaSignature, u8), EcdsaError> {
    if sig65.len() != 65 {
        return Err(EcdsaError::WrongLength { what: "r‖s‖v signature", expected: 65, got: sig65.len() });
    }
    Ok((EcdsaSignature::from_compact(&sig65[..64])?, sig65[64]))
}

/// Recovery from parts: Q = r⁻¹(s·R − z·G) with R lifted from r and the y-parity (SEC 1 §4.1.6).
pub fn recover_parts(
    prehash: &[u8; 32],
    sig: &EcdsaSignature,
    parity: u8,
    rule: EcdsaRule,
) -> Result<Recovered, EcdsaError> {
    sig.check_rule(rule)?;
    let recid = match parity {
        0 => RecoveryId::Zero,
        1 => RecoveryId::One,
        v => return Err(EcdsaError::InvalidRecoveryId(v)),
    };
    // libsecp256k1's recovery accepts high-S as is; the rule was applied above.
    let rs = RecoverableSignature::from_compact(&sig.to_compact(), recid).map_err(|_| EcdsaError::RecoveryFailed)?;
    let pk = ctx().recover_ecdsa(Message::from_digest(*prehash), &rs).map_err(|_| EcdsaError::RecoveryFailed)?;
    let full = pk.serialize_uncompressed();
    let mut public_key = [0u8; 64];
    public_key.copy_from_slice(&full[1..]);
    Ok(Recovered { public_key, address: address_of(&public_key) })
}

/// One recovery item: a prehash and a 65-byte r‖s‖v signature.
#[derive(Clone, Copy, Debug)]
pub struct RecoverItem<'a> {
    pub prehash: [u8; 32],
    pub signature: &'a [u8],
}

/// Recovers every item in parallel (v ∈ {0, 1}); `result[i]` is item i's signer or error.
pub fn recover_batch(items: &[RecoverItem<'_>], rule: EcdsaRule) -> Vec<Result<Recovered, EcdsaError>> {
    par_map_chunked(items, |it| recover(&it.prehash, it.signature, rule))
}

/// Like [`recover_batch`] with v ∈ {0, 1, 27, 28}.
pub fn recover_batch_eth(items: &[RecoverItem<'_>], rule: EcdsaRule) -> Vec<Result<Recovered, EcdsaError>> {
    par_map_chunked(items, |it| recover_eth(&it.prehash, it.signature, rule))
}

fn par_map_chunked<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    if items.len() <= CHUNK {
        return items.iter().map(f).collect();
    }
    let mut out = Vec::with_capacity(items.len());
    out.par_extend(items.par_chunks(CHUNK).flat_map_iter(|c| c.iter().map(&f)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_n_is_n_over_two() {
        // 2·HALF_N + 1 = N.
        let mut twice = [0u8; 32];
        let mut carry = 1u16;
        for i in (0..32).rev() {
            let v = 2 * HALF_N[i] as u16 + carry;
            twice[i] = v as u8;
            carry = v >> 8;
        }
        assert_eq!(twice, N);
        assert_eq!(sub_be(&N, &HALF_N), {
            let mut h = HALF_N;
            h[31] += 1;
            h
        });
    }

    #[test]
    fn eth_v_values() {
        assert_eq!(parity_from_eth_v(0, None), Ok(0));
        assert_eq!(parity_from_eth_v(28, None), Ok(1));
        assert_eq!(parity_from_eth_v(37, Some(1)), Ok(0));
        assert_eq!(parity_from_eth_v(38, Some(1)), Ok(1));
        assert!(parity_from_eth_v(38, Some(5)).is_err());
        assert!(parity_from_eth_v(2, None).is_err());
        assert!(parity_from_eth_v(34, None).is_err());
    }

    #[test]
    fn der_rejects_ber_forms() {
        let good = hex::decode("3006020101020101").unwrap();
        assert!(EcdsaSignature::from_der(&good).is_ok());
        for bad in [
            "3007020101020101",
            "308106020101020101",
            "30060201010201010000",
            "300602018102010100",
            "30070202000102010100",
            "3006020100020101",
            "3006020101020100",
            "3006030101020101",
        ] {
            let b = hex::decode(bad).unwrap();
            assert!(EcdsaSignature::from_der(&b).is_err(), "{bad}");
        }
    }
}
