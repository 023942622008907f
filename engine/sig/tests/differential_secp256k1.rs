//! gloam's secp256k1 verify and recovery against libsecp256k1 (the `secp256k1` crate) and k256:
//! random valid signatures, their high-S twins, corrupted and random (r, s, v) inputs, both key
//! encodings, both rules, batch == single. Seeded; the seed is printed and `GLOAM_TEST_SEED`
//! overrides it.

use gloam_sig::secp256k1::{self as gsec, EcdsaRule, EcdsaSignature, RecoverItem, VerifyItem, HALF_N, N};
use gloam_sig::EcdsaError;
use k256::ecdsa::signature::hazmat::PrehashVerifier;
use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use secp256k1::{ecdsa, Message, Secp256k1, SecretKey};

fn seed(default: u64) -> u64 {
    let s = std::env::var("GLOAM_TEST_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(default);
    println!("seed {s} (GLOAM_TEST_SEED overrides)");
    s
}

fn sub_n(s: &[u8; 32]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let d = N[i] as i16 - s[i] as i16 - borrow;
        borrow = (d < 0) as i16;
        out[i] = d.rem_euclid(256) as u8;
    }
    out
}

struct Signed {
    sk: SecretKey,
    prehash: [u8; 32],
    /// r‖s‖v with v ∈ {0, 1}.
    rsv: [u8; 65],
}

fn sign(rng: &mut ChaCha20Rng) -> Signed {
    let secp = Secp256k1::new();
    let sk = loop {
        let mut b = [0u8; 32];
        rng.fill_bytes(&mut b);
        if let Ok(sk) = SecretKey::from_byte_array(b) {
            break sk;
        }
    };
    let mut prehash = [0u8; 32];
    rng.fill_bytes(&mut prehash);
    let sig = secp.sign_ecdsa_recoverable(Message::from_digest(prehash), &sk);
    let (recid, compact) = sig.serialize_compact();
    let mut rsv = [0u8; 65];
    rsv[..64].copy_from_slice(&compact);
    rsv[64] = i32::from(recid) as u8;
    Signed { sk, prehash, rsv }
}

/// The same signature with s → n − s and the parity flipped: equally valid ECDSA, high-S.
fn high_s_twin(rsv: &[u8; 65]) -> [u8; 65] {
    let mut out = *rsv;
    let s: [u8; 32] = rsv[32..64].try_into().unwrap();
    out[32..64].copy_from_slice(&sub_n(&s));
    out[64] ^= 1;
    out
}

fn libsecp_recover(prehash: &[u8; 32], rsv: &[u8; 65]) -> Option<[u8; 64]> {
    let recid = ecdsa::RecoveryId::try_from(rsv[64] as i32).ok()?;
    let sig = ecdsa::RecoverableSignature::from_compact(&rsv[..64], recid).ok()?;
    let pk = Secp256k1::verification_only().recover_ecdsa(Message::from_digest(*prehash), &sig).ok()?;
    Some(pk.serialize_uncompressed()[1..].try_into().unwrap())
}

fn k256_recover(prehash: &[u8; 32], rsv: &[u8; 65]) -> Option<[u8; 64]> {
    let sig = k256::ecdsa::Signature::from_slice(&rsv[..64]).ok()?;
    let mut v = rsv[64];
    if v > 1 {
        return None;
    }
    // k256 re-verifies and rejects high-S: normalise first and flip the parity (as revm does).
    let sig = match sig.normalize_s() {
        Some(n) => {
            v ^= 1;
            n
        }
        None => sig,
    };
    let recid = k256::ecdsa::RecoveryId::from_byte(v)?;
    let vk = k256::ecdsa::VerifyingKey::recover_from_prehash(prehash, &sig, recid).ok()?;
    Some(vk.to_encoded_point(false).as_bytes()[1..].try_into().unwrap())
}

fn random_rsv(rng: &mut ChaCha20Rng) -> [u8; 65] {
    let mut out = [0u8; 65];
    rng.fill_bytes(&mut out[..64]);
    match rng.gen_range(0..8) {
        0 => out[..32].fill(0),
        1 => out[32..64].fill(0),
        2 => out[..32].copy_from_slice(&N),
        3 => out[32..64].copy_from_slice(&N),
        4 => out[32..64].copy_from_slice(&HALF_N),
        5 => {
            out[..31].fill(0);
            out[31] = rng.gen_range(1..4);
        }
        _ => {}
    }
    out[64] = rng.gen_range(0..2);
    out
}

#[test]
fn recovery_matches_libsecp256k1_and_k256() {
    let seed = seed(0x5ec9);
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let secp = Secp256k1::new();
    for i in 0..300 {
        let s = sign(&mut rng);
        let expected: [u8; 64] = s.sk.public_key(&secp).serialize_uncompressed()[1..].try_into().unwrap();
        for (high, rsv) in [(false, s.rsv), (true, high_s_twin(&s.rsv))] {
            let ours = gsec::recover(&s.prehash, &rsv, EcdsaRule::HighSAllowed)
                .unwrap_or_else(|e| panic!("seed {seed} #{i}: {e}"));
            assert_eq!(ours.public_key, expected, "seed {seed} #{i} high={high}");
            assert_eq!(Some(ours.public_key), libsecp_recover(&s.prehash, &rsv), "seed {seed} #{i}");
            assert_eq!(Some(ours.public_key), k256_recover(&s.prehash, &rsv), "seed {seed} #{i}");
            let strict = gsec::recover(&s.prehash, &rsv, EcdsaRule::LowSRequired);
            if high {
                assert_eq!(strict, Err(EcdsaError::HighS));
            } else {
                assert_eq!(strict, Ok(ours));
            }
            let mut eth = rsv;
            eth[64] += 27;
            assert_eq!(gsec::recover_eth(&s.prehash, &eth, EcdsaRule::HighSAllowed), Ok(ours));
            assert_eq!(
                gsec::recover(&s.prehash, &eth, EcdsaRule::HighSAllowed),
                Err(EcdsaError::InvalidRecoveryId(eth[64]))
            );
        }
    }
}

#[test]
fn random_and_corrupted_inputs_agree_with_the_references() {
    let seed = seed(0xc0ffee);
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let mut accepted = 0;
    for i in 0..3000 {
        let (prehash, rsv) = if i % 2 == 0 {
            let s = sign(&mut rng);
            let mut rsv = s.rsv;
            let k = rng.gen_range(0..65);
            if k < 64 {
                rsv[k] ^= 1 << rng.gen_range(0..8);
            } else {
                rsv[64] ^= 1;
            }
            (s.prehash, rsv)
        } else {
            let mut h = [0u8; 32];
            rng.fill_bytes(&mut h);
            (h, random_rsv(&mut rng))
        };
        let ours = gsec::recover(&prehash, &rsv, EcdsaRule::HighSAllowed).ok().map(|r| r.public_key);
        assert_eq!(ours, libsecp_recover(&prehash, &rsv), "seed {seed} #{i}: {}", hex::encode(rsv));
        assert_eq!(ours, k256_recover(&prehash, &rsv), "seed {seed} #{i}: {}", hex::encode(rsv));
        accepted += ours.is_some() as usize;
    }
    // Flipped bits mostly still recover *some* key; make sure both outcomes were exercised.
    assert!(accepted > 100 && accepted < 2900, "{accepted}");
}

#[test]
fn verify_matches_libsecp256k1_and_k256() {
    let seed = seed(0x7e41f);
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let secp = Secp256k1::new();
    for i in 0..400 {
        let s = sign(&mut rng);
        let pk = s.sk.public_key(&secp);
        let pk_bytes: Vec<u8> = if i % 2 == 0 { pk.serialize().to_vec() } else { pk.serialize_uncompressed().to_vec() };
        let mut rsv = if i % 3 == 0 { high_s_twin(&s.rsv) } else { s.rsv };
        let mut prehash = s.prehash;
        match i % 5 {
            1 => rsv[rng.gen_range(0..64)] ^= 1 << rng.gen_range(0..8),
            2 => prehash[rng.gen_range(0..32)] ^= 1,
            _ => {}
        }
        let Ok(sig) = EcdsaSignature::from_compact(&rsv[..64]) else {
            assert!(k256::ecdsa::Signature::from_slice(&rsv[..64]).is_err(), "seed {seed} #{i}");
            continue;
        };
        // HighSAllowed == k256 on the normalised signature.
        let ours = gsec::verify_prehash(&pk_bytes, &prehash, &sig, EcdsaRule::HighSAllowed).is_ok();
        let ksig = k256::ecdsa::Signature::from_slice(&rsv[..64]).unwrap();
        let ksig = ksig.normalize_s().unwrap_or(ksig);
        let kvk = k256::ecdsa::VerifyingKey::from_sec1_bytes(&pk_bytes).unwrap();
        assert_eq!(ours, kvk.verify_prehash(&prehash, &ksig).is_ok(), "seed {seed} #{i}");
        // LowSRequired == libsecp256k1 as is (it rejects high-S).
        let strict = gsec::verify_prehash(&pk_bytes, &prehash, &sig, EcdsaRule::LowSRequired).is_ok();
        let lsig = ecdsa::Signature::from_compact(&rsv[..64]).unwrap();
        let lib = Secp256k1::verification_only().verify_ecdsa(Message::from_digest(prehash), &lsig, &pk).is_ok();
        assert_eq!(strict, lib, "seed {seed} #{i}");
    }
}

#[test]
fn batches_equal_singles() {
    let seed = seed(0xba7c4);
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let secp = Secp256k1::new();
    let signed: Vec<Signed> = (0..300).map(|_| sign(&mut rng)).collect();
    let sigs: Vec<[u8; 65]> = signed
        .iter()
        .map(|s| match rng.gen_range(0..6) {
            0 => high_s_twin(&s.rsv),
            1 => random_rsv(&mut rng),
            _ => s.rsv,
        })
        .collect();
    let pks: Vec<Vec<u8>> = signed.iter().map(|s| s.sk.public_key(&secp).serialize().to_vec()).collect();
    for rule in [EcdsaRule::HighSAllowed, EcdsaRule::LowSRequired] {
        let items: Vec<RecoverItem> =
            signed.iter().zip(&sigs).map(|(s, sig)| RecoverItem { prehash: s.prehash, signature: sig }).collect();
        let batch = gsec::recover_batch(&items, rule);
        for (it, b) in items.iter().zip(&batch) {
            assert_eq!(&gsec::recover(&it.prehash, it.signature, rule), b, "seed {seed}");
        }
        let vitems: Vec<VerifyItem> = signed
            .iter()
            .zip(&sigs)
            .zip(&pks)
            .filter_map(|((s, sig), pk)| {
                EcdsaSignature::from_compact(&sig[..64]).ok().map(|signature| VerifyItem {
                    public_key: pk,
                    prehash: s.prehash,
                    signature,
                })
            })
            .collect();
        let vb = gsec::verify_batch(&vitems, rule);
        for (it, b) in vitems.iter().zip(&vb) {
            assert_eq!(&gsec::verify_prehash(it.public_key, &it.prehash, &it.signature, rule), b, "seed {seed}");
        }
    }
}

#[test]
fn known_ethereum_address() {
    // Private key 1: its public key is G, whose address is well known.
    let secp = Secp256k1::new();
    let sk = SecretKey::from_byte_array({
        let mut b = [0u8; 32];
        b[31] = 1;
        b
    })
    .unwrap();
    let pk: [u8; 64] = sk.public_key(&secp).serialize_uncompressed()[1..].try_into().unwrap();
    assert_eq!(hex::encode(gsec::address_of(&pk)), "7e5f4552091a69125d5dfcb7b8c2659029395bdf");
}

#[test]
fn malformed_inputs_are_typed_errors() {
    let h = [7u8; 32];
    assert!(matches!(gsec::recover(&h, &[0u8; 64], EcdsaRule::HighSAllowed), Err(EcdsaError::WrongLength { .. })));
    let mut rsv = [1u8; 65];
    rsv[64] = 2;
    assert_eq!(gsec::recover(&h, &rsv, EcdsaRule::HighSAllowed), Err(EcdsaError::InvalidRecoveryId(2)));
    rsv[64] = 29;
    assert_eq!(gsec::recover_eth(&h, &rsv, EcdsaRule::HighSAllowed), Err(EcdsaError::InvalidRecoveryId(29)));
    let mut zero_r = [1u8; 65];
    zero_r[..32].fill(0);
    zero_r[64] = 0;
    assert_eq!(gsec::recover(&h, &zero_r, EcdsaRule::HighSAllowed), Err(EcdsaError::ROutOfRange));
    // Hybrid SEC1 encodings (0x06/0x07) are refused even though libsecp256k1 parses them.
    let secp = Secp256k1::new();
    let sk = SecretKey::from_byte_array([3u8; 32]).unwrap();
    let mut hybrid = sk.public_key(&secp).serialize_uncompressed();
    hybrid[0] = 0x06 | (hybrid[64] & 1);
    assert_eq!(gsec::parse_public_key(&hybrid).err(), Some(EcdsaError::InvalidPublicKey));
}
