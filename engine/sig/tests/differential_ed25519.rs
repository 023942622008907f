//! gloam's ZIP-215 Ed25519 against ed25519-zebra (the ZIP-215 reference): random valid and
//! corrupted signatures mixed into batches of random composition, the small-order matrix (all
//! 14 low-order encodings as A and as R), non-canonical encodings, S ≥ ℓ, and mixed-order keys
//! (a torsion component in A or R, where cofactorless batch verifiers give composition-dependent
//! verdicts). For every item: gloam single == gloam batch == zebra single; and zebra's batch
//! verdict equals "all of gloam's verdicts are valid".
//!
//! Seeded; the seed is printed and `GLOAM_TEST_SEED` overrides it.

use curve25519_dalek::constants::{ED25519_BASEPOINT_POINT, EIGHT_TORSION};
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use gloam_sig::ed25519;
use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use sha2::{Digest, Sha512};

fn seed(default: u64) -> u64 {
    let s = std::env::var("GLOAM_TEST_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(default);
    println!("seed {s} (GLOAM_TEST_SEED overrides)");
    s
}

#[derive(Clone, Debug)]
struct Case {
    name: String,
    pk: Vec<u8>,
    msg: Vec<u8>,
    sig: Vec<u8>,
}

fn zebra_single(c: &Case) -> bool {
    let Ok(vk) = ed25519_zebra::VerificationKey::try_from(&c.pk[..]) else { return false };
    let Ok(sig) = ed25519_zebra::Signature::try_from(&c.sig[..]) else { return false };
    vk.verify(&sig, &c.msg).is_ok()
}

fn zebra_batch(cases: &[Case], rng: &mut ChaCha20Rng) -> bool {
    let mut v = ed25519_zebra::batch::Verifier::new();
    for c in cases {
        let (Ok(pk), Ok(sig)) = (<[u8; 32]>::try_from(&c.pk[..]), ed25519_zebra::Signature::try_from(&c.sig[..]))
        else {
            return false;
        };
        v.queue((ed25519_zebra::VerificationKeyBytes::from(pk), sig, &c.msg));
    }
    v.verify(rng).is_ok()
}

/// Signs with explicit points, so keys and nonces may carry torsion: S = r + k·a where
/// A = [a]B + T_A and R = [r]B + T_R. Valid under the cofactored equation only.
fn sign_raw(a: Scalar, t_a: EdwardsPoint, r: Scalar, t_r: EdwardsPoint, msg: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let a_pt = ED25519_BASEPOINT_POINT * a + t_a;
    let r_pt = ED25519_BASEPOINT_POINT * r + t_r;
    let (a_enc, r_enc) = (a_pt.compress().to_bytes(), r_pt.compress().to_bytes());
    let k = challenge(&r_enc, &a_enc, msg);
    let s = r + k * a;
    let mut sig = r_enc.to_vec();
    sig.extend_from_slice(s.as_bytes());
    (a_enc.to_vec(), sig)
}

fn challenge(r: &[u8], a: &[u8], msg: &[u8]) -> Scalar {
    let mut h = Sha512::new();
    h.update(r);
    h.update(a);
    h.update(msg);
    Scalar::from_bytes_mod_order_wide(&h.finalize().into())
}

fn random_scalar(rng: &mut ChaCha20Rng) -> Scalar {
    let mut b = [0u8; 64];
    rng.fill_bytes(&mut b);
    Scalar::from_bytes_mod_order_wide(&b)
}

fn valid_case(rng: &mut ChaCha20Rng, i: usize) -> Case {
    let sk = ed25519_zebra::SigningKey::new(&mut *rng);
    let vk = ed25519_zebra::VerificationKeyBytes::from(&sk);
    let mut msg = vec![0u8; rng.gen_range(0..200)];
    rng.fill_bytes(&mut msg);
    let sig = sk.sign(&msg);
    Case { name: format!("valid {i}"), pk: <[u8; 32]>::from(vk).to_vec(), msg, sig: sig.to_bytes().to_vec() }
}

/// All encodings of points of small order: the 8 canonical ones and the 6 non-canonical ones
/// (y + p for y < 19, and x = 0 with the sign bit set).
fn small_order_encodings() -> Vec<[u8; 32]> {
    let mut cands: Vec<[u8; 32]> = Vec::new();
    for t in EIGHT_TORSION.iter() {
        let c = t.compress().to_bytes();
        cands.push(c);
        let mut flipped = c;
        flipped[31] ^= 0x80;
        cands.push(flipped);
    }
    // p = 2^255 - 19: y + p for y in 0..19 fits in 255 bits.
    for y in 0u8..19 {
        let mut e = [0xffu8; 32];
        e[31] = 0x7f;
        e[0] = 0xed + y; // p's low byte is 0xed; no carry for y < 19
        cands.push(e);
        let mut neg = e;
        neg[31] |= 0x80;
        cands.push(neg);
    }
    let mut out: Vec<[u8; 32]> = Vec::new();
    for c in cands {
        if let Some(p) = CompressedEdwardsY(c).decompress() {
            if p.is_small_order() && !out.contains(&c) {
                out.push(c);
            }
        }
    }
    out
}

fn edge_cases(rng: &mut ChaCha20Rng) -> Vec<Case> {
    let mut out = Vec::new();
    let small = small_order_encodings();
    // The ZIP-215 small-order matrix: S = 0, A and R of small order, any encoding.
    for (i, a) in small.iter().enumerate() {
        for (j, r) in small.iter().enumerate() {
            let mut sig = r.to_vec();
            sig.extend_from_slice(&[0u8; 32]);
            out.push(Case { name: format!("small-order A{i} R{j}"), pk: a.to_vec(), msg: b"Zcash".to_vec(), sig });
        }
    }
    // Mixed-order keys and nonces, each torsion component.
    for (ti, t) in EIGHT_TORSION.iter().enumerate() {
        let msg = format!("mixed {ti}").into_bytes();
        let (pk, sig) = sign_raw(random_scalar(rng), *t, random_scalar(rng), EdwardsPoint::default(), &msg);
        out.push(Case { name: format!("A has torsion {ti}"), pk, msg: msg.clone(), sig });
        let (pk, sig) = sign_raw(random_scalar(rng), EdwardsPoint::default(), random_scalar(rng), *t, &msg);
        out.push(Case { name: format!("R has torsion {ti}"), pk, msg: msg.clone(), sig });
        let (pk, sig) = sign_raw(random_scalar(rng), *t, random_scalar(rng), EIGHT_TORSION[(ti + 3) % 8], &msg);
        out.push(Case { name: format!("A and R have torsion {ti}"), pk, msg, sig });
    }
    // S ≥ ℓ: S + ℓ is the same scalar mod ℓ; every rule rejects it.
    let l = Scalar::ZERO - Scalar::ONE; // ℓ − 1
    for i in 0..4 {
        let c = valid_case(rng, 1000 + i);
        let mut s = [0u8; 32];
        s.copy_from_slice(&c.sig[32..]);
        // s + ℓ = s + (ℓ − 1) + 1, as 256-bit integers.
        let mut carry = 1u16;
        let lb = l.to_bytes();
        for k in 0..32 {
            let v = s[k] as u16 + lb[k] as u16 + carry;
            s[k] = v as u8;
            carry = v >> 8;
        }
        let mut sig = c.sig.clone();
        sig[32..].copy_from_slice(&s);
        out.push(Case { name: format!("S + l {i}"), sig, ..c });
    }
    // Non-canonical encodings of a valid signature's A (only possible for y < 19, so use the
    // small-order ones with a real message and S = 0 as above) and of R: covered by the matrix;
    // here a non-canonical R paired with a regular key.
    let c = valid_case(rng, 2000);
    for r in &small {
        let mut sig = r.to_vec();
        sig.extend_from_slice(&[0u8; 32]);
        out.push(Case { name: "small R, regular A, S = 0".into(), pk: c.pk.clone(), msg: c.msg.clone(), sig });
    }
    out
}

fn corrupt(c: &Case, rng: &mut ChaCha20Rng) -> Case {
    let mut c = c.clone();
    match rng.gen_range(0..6) {
        0 => {
            let i = rng.gen_range(0..32);
            c.sig[i] ^= 1 << rng.gen_range(0..8);
        }
        1 => {
            let i = rng.gen_range(32..64);
            c.sig[i] ^= 1 << rng.gen_range(0..8);
        }
        2 => {
            let i = rng.gen_range(0..32);
            c.pk[i] ^= 1 << rng.gen_range(0..8);
        }
        3 => c.msg.push(rng.gen()),
        4 => c.sig[63] |= 0xf0, // S far above ℓ
        _ => {
            c.sig.truncate(rng.gen_range(0..64));
        }
    }
    c.name = format!("corrupted {}", c.name);
    c
}

fn check_batch(cases: &[Case], rng: &mut ChaCha20Rng, seed: u64) {
    let items: Vec<ed25519::Item> = cases.iter().map(|c| ed25519::Item::new(&c.pk, &c.msg, &c.sig)).collect();
    let batch = ed25519::verify_batch(&items);
    assert_eq!(batch.len(), cases.len());
    for (c, b) in cases.iter().zip(&batch) {
        let single = ed25519::verify(&c.pk, &c.msg, &c.sig);
        assert_eq!(&single, b, "seed {seed}: {}: batch verdict differs from single", c.name);
        assert_eq!(single.is_ok(), zebra_single(c), "seed {seed}: {}: gloam {single:?} vs zebra", c.name);
    }
    let all_ok = batch.iter().all(|b| b.is_ok());
    assert_eq!(zebra_batch(cases, rng), all_ok, "seed {seed}: zebra batch verdict");
}

#[test]
fn small_order_matrix_is_all_valid() {
    let small = small_order_encodings();
    assert_eq!(small.len(), 14, "8 canonical + 6 non-canonical low-order encodings");
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let cases: Vec<Case> = edge_cases(&mut rng).into_iter().filter(|c| c.name.starts_with("small-order")).collect();
    assert_eq!(cases.len(), 196);
    for c in &cases {
        assert_eq!(ed25519::verify(&c.pk, &c.msg, &c.sig), Ok(()), "{}", c.name);
    }
    let items: Vec<ed25519::Item> = cases.iter().map(|c| ed25519::Item::new(&c.pk, &c.msg, &c.sig)).collect();
    assert!(ed25519::verify_batch(&items).iter().all(|r| r.is_ok()));
}

#[test]
fn edge_cases_single_and_batched_match_zebra() {
    let seed = seed(0xed25519);
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let edges = edge_cases(&mut rng);
    // Alone, and each one co-batched with many different sets of valid signatures: the verdict
    // must never depend on the composition.
    check_batch(&edges, &mut rng, seed);
    let valid: Vec<Case> = (0..64).map(|i| valid_case(&mut rng, i)).collect();
    for (k, e) in edges.iter().enumerate() {
        if k % 3 != 0 && !e.name.contains("torsion") && !e.name.contains("S + l") {
            continue; // every torsion and S ≥ ℓ case, a third of the matrix
        }
        for round in 0..4 {
            let mut batch: Vec<Case> =
                (0..rng.gen_range(1..40)).map(|_| valid[rng.gen_range(0..valid.len())].clone()).collect();
            let at = rng.gen_range(0..=batch.len());
            batch.insert(at, e.clone());
            if round % 2 == 1 {
                batch.push(corrupt(&valid[rng.gen_range(0..valid.len())], &mut rng));
            }
            check_batch(&batch, &mut rng, seed);
        }
    }
}

#[test]
fn random_batches_with_corruptions_match_zebra() {
    let seed = seed(0x5eeded);
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let valid: Vec<Case> = (0..200).map(|i| valid_case(&mut rng, i)).collect();
    for round in 0..30 {
        let n = [1usize, 2, 7, 33, 64, 150][round % 6];
        let bad_rate = [0.0, 0.02, 0.2, 1.0][round % 4];
        let batch: Vec<Case> = (0..n)
            .map(|_| {
                let c = &valid[rng.gen_range(0..valid.len())];
                if rng.gen_bool(bad_rate) {
                    corrupt(c, &mut rng)
                } else {
                    c.clone()
                }
            })
            .collect();
        check_batch(&batch, &mut rng, seed);
    }
}

#[test]
fn a_single_bad_item_is_found_in_a_large_batch() {
    let seed = seed(0xbad1);
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let valid: Vec<Case> = (0..40).map(|i| valid_case(&mut rng, i)).collect();
    let mut batch: Vec<Case> = (0..512).map(|i| valid[i % 40].clone()).collect();
    let bad = rng.gen_range(0..512);
    batch[bad] = corrupt(&batch[bad], &mut rng);
    let items: Vec<ed25519::Item> = batch.iter().map(|c| ed25519::Item::new(&c.pk, &c.msg, &c.sig)).collect();
    let res = ed25519::verify_batch(&items);
    for (i, r) in res.iter().enumerate() {
        assert_eq!(r.is_ok(), i != bad || zebra_single(&batch[i]), "seed {seed}: item {i}");
    }
}

#[test]
fn key_cache_gives_the_same_verdicts() {
    let seed = seed(0xcac4e);
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let valid: Vec<Case> = (0..50).map(|i| valid_case(&mut rng, i)).collect();
    let mut cases: Vec<Case> =
        valid.iter().map(|c| if rng.gen_bool(0.3) { corrupt(c, &mut rng) } else { c.clone() }).collect();
    cases.extend(edge_cases(&mut rng).into_iter().step_by(7));
    let cache = ed25519::KeyCache::new(1000);
    let items: Vec<ed25519::Item> = cases.iter().map(|c| ed25519::Item::new(&c.pk, &c.msg, &c.sig)).collect();
    let plain = ed25519::verify_batch(&items);
    for _ in 0..2 {
        // Cold, then warm.
        assert_eq!(ed25519::verify_batch_cached(&items, &cache), plain, "seed {seed}");
    }
    assert!(cache.len() > 40 && cache.len() <= cases.len());
    let tiny = ed25519::KeyCache::new(3);
    assert_eq!(ed25519::verify_batch_cached(&items, &tiny), plain);
    assert_eq!(tiny.len(), 3);
}
