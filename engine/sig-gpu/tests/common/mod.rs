//! Inputs shared by the differential tests: seeded valid signatures and adversarial ones, the
//! Wycheproof secp256k1 files, and the item-by-item comparison against the CPU reference.
#![allow(dead_code)]

use gloam_sig::secp256k1::{self as gsec, EcdsaRule, EcdsaSignature, RecoverItem, VerifyItem, N};
use gloam_sig::SigBackend;
use k256::ecdsa::SigningKey;
use k256::elliptic_curve::ops::Reduce;
use k256::elliptic_curve::sec1::ToEncodedPoint;
use k256::elliptic_curve::PrimeField;
use k256::{FieldBytes, ProjectivePoint, Scalar, U256};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use sha2::{Digest, Sha256};

pub fn seed(default: u64) -> u64 {
    std::env::var("GLOAM_TEST_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(default)
}

pub fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

/// A recovery input: prehash and 65 (or, adversarially, other) signature bytes.
#[derive(Clone, Debug)]
pub struct Rec {
    pub prehash: [u8; 32],
    pub sig: Vec<u8>,
    pub what: String,
}

/// A verification input.
#[derive(Clone, Debug)]
pub struct Ver {
    pub pk: Vec<u8>,
    pub prehash: [u8; 32],
    pub sig: EcdsaSignature,
    pub what: String,
}

pub fn recover_items(v: &[Rec]) -> Vec<RecoverItem<'_>> {
    v.iter().map(|r| RecoverItem { prehash: r.prehash, signature: &r.sig }).collect()
}

pub fn verify_items(v: &[Ver]) -> Vec<VerifyItem<'_>> {
    v.iter().map(|r| VerifyItem { public_key: &r.pk, prehash: r.prehash, signature: r.sig }).collect()
}

fn scalar(b: &[u8; 32]) -> Scalar {
    Option::<Scalar>::from(Scalar::from_repr(FieldBytes::from(*b))).expect("below n")
}

fn bytes(s: &Scalar) -> [u8; 32] {
    s.to_bytes().into()
}

fn rsv(r: &[u8; 32], s: &[u8; 32], v: u8) -> Vec<u8> {
    let mut out = r.to_vec();
    out.extend_from_slice(s);
    out.push(v);
    out
}

fn affine(p: &ProjectivePoint) -> ([u8; 32], [u8; 32]) {
    let e = p.to_affine().to_encoded_point(false);
    (e.x().unwrap().as_slice().try_into().unwrap(), e.y().unwrap().as_slice().try_into().unwrap())
}

/// `n` valid signatures from random keys; a third get s → n − s with the parity flipped (still
/// the same signer: valid under HighSAllowed, HighS under LowSRequired).
pub fn valid_signatures(rng: &mut ChaCha20Rng, n: usize) -> (Vec<Rec>, Vec<Ver>) {
    let mut recs = Vec::new();
    let mut vers = Vec::new();
    for i in 0..n {
        let sk = SigningKey::from_bytes(&rng.gen::<[u8; 32]>().into()).expect("random key");
        let h: [u8; 32] = rng.gen();
        let (sig, recid) = sk.sign_prehash_recoverable(&h).unwrap();
        let r: [u8; 32] = sig.r().to_bytes().into();
        let mut s: [u8; 32] = sig.s().to_bytes().into();
        let mut v = recid.to_byte() & 1;
        if i % 3 == 2 {
            s = bytes(&-scalar(&s));
            v ^= 1;
        }
        recs.push(Rec { prehash: h, sig: rsv(&r, &s, v), what: format!("valid #{i}") });
        let vk = sk.verifying_key().to_encoded_point(i % 2 == 0);
        let esig = EcdsaSignature::new(r, s).unwrap();
        vers.push(Ver { pk: vk.as_bytes().to_vec(), prehash: h, sig: esig, what: format!("valid #{i}") });
        // The same signature over a different hash: Invalid.
        let mut h2 = h;
        h2[0] ^= 1;
        vers.push(Ver { pk: vk.as_bytes().to_vec(), prehash: h2, sig: esig, what: format!("wrong hash #{i}") });
    }
    (recs, vers)
}

fn be(hex32: &str) -> [u8; 32] {
    hex::decode(hex32).unwrap().try_into().unwrap()
}

/// Adversarial recovery and verification inputs: every host-side rejection, high-S under both
/// rules, bad v, x with no square root, u1 = 0 (z ≡ 0), R = ±G with Q = ∞ / G / −G / 2G, z ≥ n,
/// point-doubling and cancellation inside the ladder, bad public keys.
pub fn adversarial(rng: &mut ChaCha20Rng) -> (Vec<Rec>, Vec<Ver>) {
    let mut recs = Vec::new();
    let mut vers = Vec::new();
    let n = N;
    let mut n_minus_1 = n;
    n_minus_1[31] -= 1;
    let mut n_plus_1 = n;
    n_plus_1[31] += 1;
    let one = {
        let mut o = [0u8; 32];
        o[31] = 1;
        o
    };
    let zero = [0u8; 32];
    let ff = [0xffu8; 32];
    let rs: [u8; 32] = rng.gen::<[u8; 32]>().map(|b| b & 0x7f);
    let (gx, gy) = affine(&ProjectivePoint::GENERATOR);
    let g_parity = gy[31] & 1;
    let mut add = |what: &str, prehash: [u8; 32], sig: Vec<u8>| recs.push(Rec { prehash, sig, what: what.into() });
    let h: [u8; 32] = rng.gen();
    // Host-side rejections, in every order the reference checks them.
    add("short", h, vec![1; 64]);
    add("long", h, vec![1; 66]);
    add("empty", h, vec![]);
    add("r = 0", h, rsv(&zero, &rs, 0));
    add("r = n", h, rsv(&n, &rs, 0));
    add("r = n + 1", h, rsv(&n_plus_1, &rs, 0));
    add("r = 2^256 − 1", h, rsv(&ff, &rs, 0));
    add("s = 0", h, rsv(&rs, &zero, 0));
    add("s = n", h, rsv(&rs, &n, 1));
    add("r = 0, v = 9", h, rsv(&zero, &rs, 9));
    for v in [2u8, 3, 4, 27, 28, 35, 255] {
        add(&format!("v = {v}"), h, rsv(&gx, &rs, v));
    }
    add("s = n − 1 (high)", h, rsv(&gx, &n_minus_1, 0));
    add("s = n/2 (low)", h, rsv(&gx, &gsec::HALF_N, 1));
    let mut half_plus = gsec::HALF_N;
    half_plus[31] += 1;
    add("s = n/2 + 1 (high)", h, rsv(&gx, &half_plus, 0));
    add("r = 1, s = 1", h, rsv(&one, &one, 0));
    add("r = 1, s = 1, v = 1", h, rsv(&one, &one, 1));
    add("r = n − 1", h, rsv(&n_minus_1, &rs, 1));
    // Random x: about half have no square root (RecoveryFailed on the device).
    for i in 0..24 {
        let r: [u8; 32] = rng.gen::<[u8; 32]>().map(|b| b & 0x7f);
        let s: [u8; 32] = rng.gen::<[u8; 32]>().map(|b| b & 0x7f);
        add(&format!("random r #{i}"), rng.gen(), rsv(&r, &s, (i & 1) as u8));
    }
    // z ≡ 0 (mod n): u1 = 0.
    add("z = 0", zero, rsv(&gx, &rs, g_parity));
    add("z = n", n, rsv(&gx, &rs, g_parity ^ 1));
    add("z = 2^256 − 1", ff, rsv(&gx, &rs, g_parity));
    // R = G (r = Gx, parity of Gy): Q = r⁻¹(s − z)·G. z = s gives ∞; z = s − k·r gives k·G.
    let r_s = scalar(&gx);
    let s_s = scalar(&rs);
    for k in [0u64, 1, 2, 3, 15, 16, 17] {
        let z = s_s - r_s * Scalar::from(k);
        add(&format!("R = G, Q = {k}·G"), bytes(&z), rsv(&gx, &rs, g_parity));
        let z = s_s + r_s * Scalar::from(k);
        add(&format!("R = G, Q = −{k}·G"), bytes(&z), rsv(&gx, &rs, g_parity));
        // R = −G: Q = r⁻¹(−s − z)·G; z = −s − k·r gives k·G.
        let z = -s_s - r_s * Scalar::from(k);
        add(&format!("R = −G, Q = {k}·G"), bytes(&z), rsv(&gx, &rs, g_parity ^ 1));
    }
    // u1 = ±u2 with R = G (both halves of the ladder add the same table entries).
    add("R = G, u1 = −u2", rs, rsv(&gx, &rs, g_parity));
    add("R = G, u1 = u2", bytes(&-s_s), rsv(&gx, &rs, g_parity));
    // R = 2G and R = 15G (table entries of G): cancellation against the G table.
    for k in [2u64, 15] {
        let (x, y) = affine(&(ProjectivePoint::GENERATOR * Scalar::from(k)));
        // Q = r⁻¹(s·kG − zG) = ∞ when z = s·k.
        add(&format!("R = {k}G, Q = ∞"), bytes(&(s_s * Scalar::from(k))), rsv(&x, &rs, y[31] & 1));
    }
    // Small s and large s, small r.
    add("s = 1", h, rsv(&gx, &one, g_parity));
    add("s = n − 1, HighSAllowed only", h, rsv(&gx, &n_minus_1, g_parity));

    // Verification.
    let sk = SigningKey::from_bytes(&rng.gen::<[u8; 32]>().into()).unwrap();
    let (sig, _) = sk.sign_prehash_recoverable(&h).unwrap();
    let esig = EcdsaSignature::new(sig.r().to_bytes().into(), sig.s().to_bytes().into()).unwrap();
    let pk_u = sk.verifying_key().to_encoded_point(false).as_bytes().to_vec();
    let pk_c = sk.verifying_key().to_encoded_point(true).as_bytes().to_vec();
    let mut addv = |what: &str, pk: Vec<u8>, prehash: [u8; 32], sig: EcdsaSignature| {
        vers.push(Ver { pk, prehash, sig, what: what.into() })
    };
    addv("valid uncompressed", pk_u.clone(), h, esig);
    addv("valid compressed", pk_c.clone(), h, esig);
    addv("high-S twin", pk_u.clone(), h, EcdsaSignature::new(esig.r, bytes(&-scalar(&esig.s))).unwrap());
    let mut hybrid = pk_u.clone();
    hybrid[0] = 0x06 | (pk_u[64] & 1);
    addv("hybrid key", hybrid, h, esig);
    let mut bad = pk_u.clone();
    bad[64] ^= 1;
    addv("key not on curve", bad, h, esig);
    addv("key: empty", vec![], h, esig);
    addv("key: infinity byte", vec![0], h, esig);
    let mut bad_c = pk_c.clone();
    bad_c[0] = 0x05;
    addv("key: bad prefix", bad_c, h, esig);
    // Key = G, chosen so that R' = u1·G + u2·G hits doubling (u1 = u2) or ∞ (u1 = −u2).
    let g_u = ProjectivePoint::GENERATOR.to_affine().to_encoded_point(false).as_bytes().to_vec();
    // u1 = z/s, u2 = r/s: z = r gives u1 = u2 (R' = 2u·G); z = −r gives ∞.
    let sig_g = EcdsaSignature::new(gx, rs).unwrap();
    addv("key = G, z = r", g_u.clone(), gx, sig_g);
    addv("key = G, z = −r", g_u.clone(), bytes(&-r_s), sig_g);
    addv("key = G, z = 0", g_u.clone(), zero, sig_g);
    // Key = G with a signature that does verify: k = 1 ⇒ r = Gx, s = z + r·1 (d = 1).
    let z = scalar(&h.map(|b| b & 0x7f));
    let s_valid = z + r_s;
    addv("key = G, valid (d = k = 1)", g_u.clone(), bytes(&z), EcdsaSignature::new(gx, bytes(&s_valid)).unwrap());
    for i in 0..8 {
        let r: [u8; 32] = rng.gen::<[u8; 32]>().map(|b| b & 0x7f);
        let s: [u8; 32] = rng.gen::<[u8; 32]>().map(|b| b & 0x7f);
        addv(&format!("random r, s #{i}"), pk_c.clone(), rng.gen(), EcdsaSignature::new(r, s).unwrap());
    }
    (recs, vers)
}

/// One Wycheproof test group: its rule, recovery items, verification items.
pub type WycheproofGroup = (EcdsaRule, Vec<Rec>, Vec<Ver>);

/// Every secp256k1 test of the three Wycheproof files whose signature decodes, as verification
/// items (with the file's rule) and as recovery items with v = 0 and 1.
pub fn wycheproof() -> Option<Vec<WycheproofGroup>> {
    let dir =
        ["/work/shared/vectors/wycheproof", concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/vectors/wycheproof")]
            .iter()
            .map(std::path::PathBuf::from)
            .chain(std::env::var_os("GLOAM_VECTORS").map(|v| std::path::PathBuf::from(v).join("wycheproof")))
            .find(|d| d.join("ecdsa_secp256k1_sha256_test.json").exists())?;
    let mut out = Vec::new();
    for file in [
        "ecdsa_secp256k1_sha256_test.json",
        "ecdsa_secp256k1_sha256_p1363_test.json",
        "ecdsa_secp256k1_sha256_bitcoin_test.json",
    ] {
        let json: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join(file)).unwrap()).unwrap();
        for g in json["testGroups"].as_array().unwrap() {
            let ty = g["type"].as_str().unwrap();
            let rule = if ty == "EcdsaBitcoinVerify" { EcdsaRule::LowSRequired } else { EcdsaRule::HighSAllowed };
            let pk = hex::decode(g["publicKey"]["uncompressed"].as_str().unwrap()).unwrap();
            let mut recs = Vec::new();
            let mut vers = Vec::new();
            for t in g["tests"].as_array().unwrap() {
                let id = t["tcId"].as_u64().unwrap();
                let msg = hex::decode(t["msg"].as_str().unwrap()).unwrap();
                let sig = hex::decode(t["sig"].as_str().unwrap()).unwrap();
                let prehash: [u8; 32] = Sha256::digest(&msg).into();
                let parsed = if ty == "EcdsaP1363Verify" {
                    EcdsaSignature::from_compact(&sig)
                } else {
                    EcdsaSignature::from_der(&sig)
                };
                let Ok(s) = parsed else { continue };
                let what = format!("{file} tcId {id}");
                vers.push(Ver { pk: pk.clone(), prehash, sig: s, what: what.clone() });
                for v in 0..2u8 {
                    recs.push(Rec { prehash, sig: rsv(&s.r, &s.s, v), what: format!("{what} v={v}") });
                }
            }
            out.push((rule, recs, vers));
        }
    }
    Some(out)
}

/// Item-by-item comparison of a backend with the CPU reference under both rules.
pub fn compare_recover(b: &dyn SigBackend, recs: &[Rec], rules: &[EcdsaRule], seed: u64) {
    let items = recover_items(recs);
    for &rule in rules {
        let got = b.ecrecover_batch(&items, rule);
        let want = gsec::recover_batch(&items, rule);
        assert_eq!(got.len(), want.len());
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            assert_eq!(g, w, "{}: ecrecover item {i} ({}) {rule:?}, seed {seed}", b.name(), recs[i].what);
        }
    }
}

pub fn compare_verify(b: &dyn SigBackend, vers: &[Ver], rules: &[EcdsaRule], seed: u64) {
    let items = verify_items(vers);
    for &rule in rules {
        let got = b.ecdsa_verify_batch(&items, rule);
        let want = gsec::verify_batch(&items, rule);
        assert_eq!(got.len(), want.len());
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            assert_eq!(g, w, "{}: verify item {i} ({}) {rule:?}, seed {seed}", b.name(), vers[i].what);
        }
    }
}

pub const BOTH: &[EcdsaRule] = &[EcdsaRule::LowSRequired, EcdsaRule::HighSAllowed];

/// How many of `results` are Ok (tests assert the inputs exercise both outcomes).
pub fn oks<T, E>(results: &[Result<T, E>]) -> usize {
    results.iter().filter(|r| r.is_ok()).count()
}

#[allow(unused)]
pub fn z_of(h: &[u8; 32]) -> Scalar {
    <Scalar as Reduce<U256>>::reduce_bytes(&FieldBytes::from(*h))
}
