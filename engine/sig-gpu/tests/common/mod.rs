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
    // EcdsaSignature built field by field, bypassing its range check (the fields are public).
    for (what, r, s) in [
        ("r = 0", zero, esig.s),
        ("s = 0", esig.r, zero),
        ("r = n", n, esig.s),
        ("s = n", esig.r, n),
        ("s = 2^256 − 1", esig.r, ff),
    ] {
        addv(&format!("unchecked {what}"), pk_u.clone(), h, EcdsaSignature { r, s });
    }
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

/// An Ed25519 input: bytes as received.
#[derive(Clone, Debug)]
pub struct EdCase {
    pub pk: Vec<u8>,
    pub msg: Vec<u8>,
    pub sig: Vec<u8>,
    pub what: String,
}

pub fn ed_items(v: &[EdCase]) -> Vec<gloam_sig::ed25519::Item<'_>> {
    v.iter().map(|c| gloam_sig::ed25519::Item::new(&c.pk, &c.msg, &c.sig)).collect()
}

/// Seeded valid Ed25519 signatures (RFC 8032 §5.1.6 with a random nonce), each also with a
/// flipped message bit and with S + ℓ (non-canonical S); adversarial encodings: every
/// small-order point (8 canonical, plus y + p and "negative zero" forms) as A and R with S = 0
/// (the 14 × 14 ZIP-215 matrix), keys with a torsion component, A/R with no x, wrong lengths.
pub fn ed_cases(rng: &mut ChaCha20Rng, valid: usize) -> Vec<EdCase> {
    use curve25519_dalek::constants::{ED25519_BASEPOINT_POINT as B, EIGHT_TORSION};
    use curve25519_dalek::scalar::Scalar as S25;
    use sha2::Sha512;
    let sign = |a: &S25, pk: &[u8], r_nonce: &S25, msg: &[u8]| {
        let r = (B * r_nonce).compress().to_bytes();
        let mut h = Sha512::new();
        h.update(r);
        h.update(pk);
        h.update(msg);
        let k = S25::from_bytes_mod_order_wide(&h.finalize().into());
        let s = r_nonce + k * a;
        let mut sig = r.to_vec();
        sig.extend_from_slice(&s.to_bytes());
        sig
    };
    let mut out = Vec::new();
    for i in 0..valid {
        let a = S25::from_bytes_mod_order(rng.gen());
        let mut pk = (B * a).compress().to_bytes();
        let torsion = i % 5 == 4;
        if torsion {
            // A with a small-order component: the cofactored equation still accepts.
            pk = (B * a + EIGHT_TORSION[i % 8]).compress().to_bytes();
        }
        let msg: Vec<u8> = (0..(i % 70)).map(|_| rng.gen()).collect();
        let nonce = S25::from_bytes_mod_order(rng.gen());
        let sig = sign(&a, &pk, &nonce, &msg);
        out.push(EdCase {
            pk: pk.to_vec(),
            msg: msg.clone(),
            sig: sig.clone(),
            what: format!("valid #{i} (torsion {torsion})"),
        });
        let mut bad_msg = msg.clone();
        bad_msg.push(1);
        out.push(EdCase { pk: pk.to_vec(), msg: bad_msg, sig: sig.clone(), what: format!("wrong message #{i}") });
        if i % 4 == 0 {
            // S + ℓ: NonCanonicalS.
            let mut s_big = [0u8; 32];
            let s = &sig[32..];
            // ℓ = 2^252 + 27742317777372353535851937790883648493 (little-endian bytes).
            let ell: [u8; 32] = hex::decode("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010")
                .unwrap()
                .try_into()
                .unwrap();
            let mut c = 0u16;
            for j in 0..32 {
                let v = s[j] as u16 + ell[j] as u16 + c;
                s_big[j] = v as u8;
                c = v >> 8;
            }
            let mut sig2 = sig[..32].to_vec();
            sig2.extend_from_slice(&s_big);
            out.push(EdCase { pk: pk.to_vec(), msg: msg.clone(), sig: sig2, what: format!("S + l #{i}") });
        }
    }
    // Small-order encodings: canonical torsion points, then y + p and negative-zero forms.
    let mut small: Vec<[u8; 32]> = EIGHT_TORSION.iter().map(|t| t.compress().to_bytes()).collect();
    for y in [0u8, 1] {
        // y + p < 2^255 for y < 19, both signs.
        let mut e = hex::decode("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f").unwrap();
        e[0] += y;
        let e: [u8; 32] = e.try_into().unwrap();
        small.push(e);
        let mut e2 = e;
        e2[31] |= 0x80;
        small.push(e2);
    }
    // y = 1, x = 0 with the sign bit: "negative zero".
    let mut e = [0u8; 32];
    e[0] = 1;
    e[31] = 0x80;
    small.push(e);
    let mut minus_one = hex::decode("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff").unwrap();
    minus_one[31] = 0xff;
    small.push(minus_one.try_into().unwrap());
    for (ia, a) in small.iter().enumerate() {
        for (ir, r) in small.iter().enumerate() {
            let mut sig = r.to_vec();
            sig.extend_from_slice(&[0u8; 32]);
            out.push(EdCase {
                pk: a.to_vec(),
                msg: b"Zcash".to_vec(),
                sig,
                what: format!("small order A#{ia} R#{ir}"),
            });
        }
    }
    // Random R and A bytes: about half decode (the reference decides which).
    for i in 0..12 {
        let junk: [u8; 32] = rng.gen();
        let a = S25::from_bytes_mod_order(rng.gen());
        let pk = (B * a).compress().to_bytes();
        let mut sig = junk.to_vec();
        sig.extend_from_slice(&S25::from_bytes_mod_order(rng.gen()).to_bytes());
        out.push(EdCase { pk: pk.to_vec(), msg: vec![i], sig: sig.clone(), what: format!("random R #{i}") });
        out.push(EdCase { pk: junk.to_vec(), msg: vec![i], sig, what: format!("random A #{i}") });
    }
    let pk = (B * S25::from(7u8)).compress().to_bytes();
    out.push(EdCase { pk: pk[..31].to_vec(), msg: vec![], sig: vec![0; 64], what: "short key".into() });
    out.push(EdCase { pk: pk.to_vec(), msg: vec![], sig: vec![0; 63], what: "short signature".into() });
    out.push(EdCase { pk: pk.to_vec(), msg: vec![], sig: vec![0; 65], what: "long signature".into() });
    out
}

/// Every test of Wycheproof's ed25519_test.json.
pub fn ed_wycheproof() -> Option<Vec<EdCase>> {
    let path =
        ["/work/shared/vectors/wycheproof", concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/vectors/wycheproof")]
            .iter()
            .map(std::path::PathBuf::from)
            .chain(std::env::var_os("GLOAM_VECTORS").map(|v| std::path::PathBuf::from(v).join("wycheproof")))
            .map(|d| d.join("ed25519_test.json"))
            .find(|p| p.exists())?;
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let mut out = Vec::new();
    for g in json["testGroups"].as_array().unwrap() {
        let pk = hex::decode(g["publicKey"]["pk"].as_str().unwrap()).unwrap();
        for t in g["tests"].as_array().unwrap() {
            out.push(EdCase {
                pk: pk.clone(),
                msg: hex::decode(t["msg"].as_str().unwrap()).unwrap(),
                sig: hex::decode(t["sig"].as_str().unwrap()).unwrap(),
                what: format!("ed25519_test.json tcId {}", t["tcId"]),
            });
        }
    }
    Some(out)
}

pub fn compare_ed(b: &dyn SigBackend, cases: &[EdCase], seed: u64) {
    let items = ed_items(cases);
    let got = b.ed25519_verify_batch(&items);
    let want = gloam_sig::ed25519::verify_batch(&items);
    assert_eq!(got.len(), want.len());
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert_eq!(g, w, "{}: ed25519 item {i} ({}), seed {seed}", b.name(), cases[i].what);
    }
    assert!(oks(&want) > 0 && oks(&want) < want.len(), "inputs exercise both outcomes");
}
