//! Runs every fuzz body (`gloam_sig::fuzzing`, the same code the cargo-fuzz targets in
//! `engine/sig/fuzz` call) over seeded random and mutated inputs, so stable CI exercises them
//! without libFuzzer. Seeded; the seed is printed and `GLOAM_TEST_SEED` overrides it.

use gloam_sig::fuzzing;
use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;

fn seed(default: u64) -> u64 {
    let s = std::env::var("GLOAM_TEST_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(default);
    println!("seed {s} (GLOAM_TEST_SEED overrides)");
    s
}

/// Random bytes of a length near `len`, or `seed` with a few bit flips, a replaced first byte,
/// a truncation or an extension.
fn input(rng: &mut impl RngCore, seed: &[u8], len: usize) -> Vec<u8> {
    match rng.gen_range(0..6) {
        0 => {
            let n = if rng.gen_bool(0.8) { len } else { rng.gen_range(0..len + 2) };
            let mut v = vec![0u8; n];
            rng.fill_bytes(&mut v);
            v
        }
        1 => {
            let mut v = seed.to_vec();
            if !v.is_empty() {
                for _ in 0..rng.gen_range(1..4) {
                    let i = rng.gen_range(0..v.len());
                    v[i] ^= 1 << rng.gen_range(0..8);
                }
            }
            v
        }
        2 => {
            let mut v = seed.to_vec();
            if !v.is_empty() {
                v[0] = rng.gen();
            }
            v
        }
        3 => seed[..rng.gen_range(0..=seed.len())].to_vec(),
        4 => {
            let mut v = seed.to_vec();
            v.push(rng.gen());
            v
        }
        _ => seed.to_vec(),
    }
}

fn ed25519_seed(rng: &mut ChaCha20Rng) -> (Vec<u8>, Vec<u8>) {
    let sk = ed25519_zebra::SigningKey::new(&mut *rng);
    let pk: [u8; 32] = ed25519_zebra::VerificationKeyBytes::from(&sk).into();
    let msg: [u8; 16] = rng.gen();
    let sig = sk.sign(&msg).to_bytes();
    let mut all = sig.to_vec();
    all.extend_from_slice(&pk);
    all.extend_from_slice(&msg);
    (pk.to_vec(), all)
}

fn ecdsa_seed(rng: &mut ChaCha20Rng) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let secp = secp256k1::Secp256k1::new();
    let sk = secp256k1::SecretKey::from_byte_array(rng.gen())
        .unwrap_or_else(|_| secp256k1::SecretKey::from_byte_array([1; 32]).unwrap());
    let h: [u8; 32] = rng.gen();
    let (recid, compact) = secp.sign_ecdsa_recoverable(secp256k1::Message::from_digest(h), &sk).serialize_compact();
    let der = secp256k1::ecdsa::Signature::from_compact(&compact).unwrap().serialize_der().to_vec();
    let mut rec = h.to_vec();
    rec.extend_from_slice(&compact);
    rec.push(27 + i32::from(recid) as u8);
    (der, compact.to_vec(), rec)
}

fn bls_seed(rng: &mut ChaCha20Rng) -> (Vec<u8>, Vec<u8>) {
    let ikm: [u8; 32] = rng.gen();
    let sk = blst::min_pk::SecretKey::key_gen(&ikm, &[]).unwrap();
    let pk = sk.sk_to_pk().to_bytes();
    let msg: [u8; 8] = rng.gen();
    let sig = sk.sign(&msg, gloam_sig::bls::DST_POP, &[]).to_bytes();
    let mut all = sig.to_vec();
    all.extend_from_slice(&pk);
    all.extend_from_slice(&msg);
    (pk.to_vec(), all)
}

#[test]
fn ed25519_bodies() {
    let seed = seed(0xf0e1);
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    for _ in 0..3000 {
        let (pk, all) = ed25519_seed(&mut rng);
        fuzzing::ed25519_public_key(&input(&mut rng, &pk, 32));
        fuzzing::ed25519_signature(&input(&mut rng, &all, 112));
    }
}

#[test]
fn ecdsa_bodies() {
    let seed = seed(0xf0e2);
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    for _ in 0..3000 {
        let (der, compact, rec) = ecdsa_seed(&mut rng);
        fuzzing::ecdsa_der(&input(&mut rng, &der, 72));
        fuzzing::ecdsa_compact(&input(&mut rng, &compact, 64));
        fuzzing::ecrecover_input(&input(&mut rng, &rec, 97));
    }
}

#[test]
fn bls_bodies() {
    let seed = seed(0xf0e3);
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    for i in 0..2000 {
        let (pk, all) = bls_seed(&mut rng);
        fuzzing::bls_g1(&input(&mut rng, &pk, 48));
        // The G2 body runs pairings when a key decodes: fewer rounds.
        if i % 4 == 0 {
            fuzzing::bls_g2(&input(&mut rng, &all, 152));
        } else {
            fuzzing::bls_g2(&input(&mut rng, &all[..96], 96));
        }
    }
}
