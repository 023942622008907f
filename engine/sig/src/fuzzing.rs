//! Fuzz target bodies, shared by the cargo-fuzz crate (`engine/sig/fuzz`) and by a normal test
//! that runs each over seeded random and mutated inputs, so stable CI exercises them without
//! libFuzzer. Each takes arbitrary bytes and must never panic except on a broken invariant (the
//! asserts below: round trips, and batch verdicts equal to single verdicts).

use crate::bls::{self, BlsVerifier};
use crate::ed25519;
use crate::secp256k1::{self, EcdsaRule, EcdsaSignature};

/// Ed25519 public key decoding (ZIP-215): whatever decodes must re-decode to the same point
/// from its canonical encoding.
pub fn ed25519_public_key(data: &[u8]) {
    if let Ok(p) = ed25519::decode_public_key(data) {
        let canon = p.compress();
        assert_eq!(ed25519::decode_public_key(canon.as_bytes()).expect("canonical encoding decodes"), p);
    }
}

/// Ed25519 signature decoding, then verification against a key and message taken from the
/// input: single and batch verdicts must agree.
pub fn ed25519_signature(data: &[u8]) {
    if let Ok((r, s)) = ed25519::decode_signature(data.get(..64).unwrap_or(data)) {
        assert_eq!(
            ed25519::decode_signature(&[r.compress().to_bytes(), s.to_bytes()].concat())
                .expect("re-encoding decodes")
                .1,
            s
        );
    }
    if data.len() >= 96 {
        let (sig, rest) = data.split_at(64);
        let (pk, msg) = rest.split_at(32);
        let single = ed25519::verify(pk, msg, sig);
        let batch = ed25519::verify_batch(&[ed25519::Item::new(pk, msg, sig), ed25519::Item::new(pk, msg, sig)]);
        assert_eq!(batch, vec![single, single]);
    }
}

/// ECDSA DER decoding: a decoded signature is in range and re-encodes (minimal DER) to the input.
pub fn ecdsa_der(data: &[u8]) {
    if let Ok(sig) = EcdsaSignature::from_der(data) {
        assert_eq!(EcdsaSignature::new(sig.r, sig.s), Ok(sig));
        assert_eq!(to_der(&sig), data, "strict DER has one encoding per value");
    }
}

fn der_int(x: &[u8; 32]) -> Vec<u8> {
    let first = x.iter().position(|&b| b != 0).unwrap_or(31);
    let mut v = x[first..].to_vec();
    if v[0] & 0x80 != 0 {
        v.insert(0, 0);
    }
    let mut out = vec![0x02, v.len() as u8];
    out.extend(v);
    out
}

fn to_der(sig: &EcdsaSignature) -> Vec<u8> {
    let mut body = der_int(&sig.r);
    body.extend(der_int(&sig.s));
    let mut out = vec![0x30, body.len() as u8];
    out.extend(body);
    out
}

/// ECDSA compact decoding: round trip and range.
pub fn ecdsa_compact(data: &[u8]) {
    if let Ok(sig) = EcdsaSignature::from_compact(data) {
        assert_eq!(&sig.to_compact()[..], data);
        assert!(sig.normalized().s <= secp256k1::HALF_N);
    }
}

/// Recovery input: 32-byte hash ‖ 65-byte r‖s‖v. A recovered key must verify the signature,
/// and the batch path must agree with the single one.
pub fn ecrecover_input(data: &[u8]) {
    if data.len() < 32 {
        return;
    }
    let (h, sig) = data.split_at(32);
    let h: [u8; 32] = h.try_into().expect("32 bytes");
    for rule in [EcdsaRule::HighSAllowed, EcdsaRule::LowSRequired] {
        let single = secp256k1::recover_eth(&h, sig, rule);
        let batch = secp256k1::recover_batch_eth(&[secp256k1::RecoverItem { prehash: h, signature: sig }], rule);
        assert_eq!(batch, vec![single]);
        if let Ok(rec) = single {
            let mut pk = vec![0x04];
            pk.extend_from_slice(&rec.public_key);
            let s = EcdsaSignature::from_compact(&sig[..64]).expect("recovered, so it decodes");
            assert_eq!(secp256k1::verify_prehash(&pk, &h, &s, rule), Ok(()));
        }
    }
}

/// BLS G1 (public key) decoding: KeyValidate'd keys re-encode to the input.
pub fn bls_g1(data: &[u8]) {
    if let Ok(pk) = bls::PublicKey::from_bytes(data) {
        assert_eq!(&pk.to_bytes()[..], data);
    }
}

/// BLS G2 (signature) decoding, then a verification with a key from the input when one decodes:
/// batch and single verdicts agree.
pub fn bls_g2(data: &[u8]) {
    let sig = data.get(..96).unwrap_or(data);
    if let Ok(s) = bls::Signature::from_bytes(sig) {
        assert_eq!(&s.to_bytes()[..], sig);
    }
    if data.len() >= 144 {
        let pk = &data[96..144];
        let msg = &data[144..];
        let v = BlsVerifier::pop();
        let single = v.verify(pk, msg, sig);
        let item = bls::Item { public_key: pk, message: msg, signature: sig };
        let batch = v.verify_batch(&[item, item]);
        // Key errors carry the item's index, so only the first matches the single call exactly.
        assert_eq!(batch[0], single);
        assert_eq!(batch[1].is_ok(), single.is_ok());
    }
}
