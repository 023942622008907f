//! Client side: key generation (checked structurally with tfhe-rs as the decryption oracle),
//! encryption/decryption, the compact public key, seeded server keys and the serialized format,
//! end to end through the engine's server path. Keys come from one fixed seed per binary; every
//! random input's seed is in the assertion messages.

use std::sync::OnceLock;

use gloam_fhe::fuzzing::TOY_PARAMS;
use gloam_fhe::{
    generate_keys, sizes, ClientKey, CompactCiphertextList, CompactPublicKey, CompressedServerKey, EBool, FheError,
    FheParams, KeySet, KeygenStage, RadixCiphertext, ServerKey, HPU_MESSAGE_2_CARRY_2_KS32_TUNIFORM_2M128,
};
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use tfhe::core_crypto::prelude::*;

const PARAMS: FheParams = HPU_MESSAGE_2_CARRY_2_KS32_TUNIFORM_2M128;
const KEY_SEED: [u8; 32] = *b"gloam-fhe client test keys seed1";

struct Keys {
    set: KeySet,
    stages: Vec<(KeygenStage, f32)>,
}

fn keys() -> &'static Keys {
    static K: OnceLock<Keys> = OnceLock::new();
    K.get_or_init(|| {
        let mut stages = Vec::new();
        let set = generate_keys(PARAMS, KEY_SEED, |s, f| stages.push((s, f))).expect("keygen");
        Keys { set, stages }
    })
}

fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

/// The small key as tfhe's u32 LWE key and the GLWE key as tfhe's big LWE key (decryption oracle).
fn tfhe_keys(ck: &ClientKey) -> (LweSecretKeyOwned<u32>, GlweSecretKeyOwned<u64>) {
    // The secret bits are only reachable through the serialized client key (by design): payload =
    // seed (32) ‖ small bits ‖ GLWE bits, after the 28-byte header.
    let bytes = ck.to_bytes();
    let payload = &bytes[28 + 32..bytes.len() - 32];
    let bit = |i: usize| ((payload[i / 8] >> (i % 8)) & 1) as u64;
    let n = PARAMS.lwe_dimension;
    let small: Vec<u32> = (0..n).map(|i| bit(i) as u32).collect();
    let off = n.div_ceil(8) * 8;
    let glwe: Vec<u64> = (0..PARAMS.big_lwe_dimension()).map(|i| bit(off + i)).collect();
    (LweSecretKey::from_container(small), GlweSecretKey::from_container(glwe, PolynomialSize(PARAMS.polynomial_size)))
}

fn signed(v: u64) -> i64 {
    v as i64
}

#[test]
fn keygen_progress_determinism_and_sizes() {
    let k = keys();
    // Every stage reports 0.0 … 1.0, fractions non-decreasing within a stage.
    for stage in
        [KeygenStage::SecretKeys, KeygenStage::KeyswitchKey, KeygenStage::BootstrapKey, KeygenStage::BootstrapKeyNtt]
    {
        let fr: Vec<f32> = k.stages.iter().filter(|(s, _)| *s == stage).map(|(_, f)| *f).collect();
        assert!(fr.len() >= 2, "{stage:?} reported {fr:?}");
        assert_eq!((fr[0], *fr.last().unwrap()), (0.0, 1.0), "{stage:?}");
        assert!(fr.windows(2).all(|w| w[0] <= w[1]), "{stage:?} {fr:?}");
    }
    assert!(
        k.stages.iter().filter(|(s, _)| *s == KeygenStage::BootstrapKey).count() > 10,
        "bootstrap key progress is granular"
    );

    // Same seed → same client key; another seed → another key.
    let again = ClientKey::generate(PARAMS, KEY_SEED, |_, _| {}).unwrap();
    assert_eq!(again, k.set.client);
    let mut other_seed = KEY_SEED;
    other_seed[0] ^= 1;
    let other = ClientKey::generate(PARAMS, other_seed, |_, _| {}).unwrap();
    assert_ne!(other.to_bytes(), k.set.client.to_bytes());
    assert_ne!(other.mask_seed(), k.set.client.mask_seed());

    // The size API matches real encodings.
    let s = sizes(&PARAMS);
    let mut r = rng(1);
    let ck = &k.set.client;
    assert_eq!(s.client_key, ck.to_bytes().len());
    assert_eq!(s.compact_public_key, k.set.public.to_bytes().len());
    assert_eq!(s.euint64, ck.encrypt_u64(5, &mut r).unwrap().to_bytes(&PARAMS).unwrap().len());
    assert_eq!(s.ebool, ck.encrypt_bool(true, &mut r).to_bytes(&PARAMS).unwrap().len());
    let full: Vec<u64> = (0..64).collect();
    assert_eq!(s.compact_list_full_euint64, k.set.public.encrypt_u64s(&full, &mut r).unwrap().to_bytes().len());
    eprintln!("sizes for the HPU parameter set: {s:?}");
}

#[test]
fn compressed_server_key_decompresses_byte_identical() {
    let k = keys();
    let direct = k.set.server.to_bytes();
    let compressed = k.set.client.compressed_server_key(|_, _| {}).unwrap();
    let bytes = compressed.to_bytes();
    let s = sizes(&PARAMS);
    assert_eq!(direct.len(), s.server_key);
    assert_eq!(bytes.len(), s.compressed_server_key);
    assert!(bytes.len() * 3 < direct.len(), "compressed {} vs {}", bytes.len(), direct.len());
    let decoded = CompressedServerKey::from_bytes(&bytes, &PARAMS).unwrap();
    assert_eq!(decoded, compressed);
    let mut stages = Vec::new();
    let expanded = decoded.decompress_with_progress(|s, f| stages.push((s, f))).unwrap();
    assert!(expanded.to_bytes() == direct, "decompressed server key differs from the directly generated one");
    assert_eq!(stages.last(), Some(&(KeygenStage::BootstrapKeyNtt, 1.0)));
    // The server key itself round-trips.
    let back = ServerKey::from_bytes(&direct, &PARAMS).unwrap();
    assert!(back.to_bytes() == direct);
    // A body changed in the compressed key changes the expanded key (the bodies are used).
    let mut tampered = compressed.clone();
    let mut b = tampered.to_bytes();
    let at = b.len() - 32 - 8; // last BSK body word
    b[at] ^= 1;
    tampered = CompressedServerKey::from_bytes(&gloam_fhe::fuzzing::reseal(&b), &PARAMS).unwrap();
    assert!(tampered.decompress().unwrap().to_bytes() != direct);
}

/// tfhe decrypts every keyswitch-key row and a sample of bootstrap-key GLWE rows with our secret
/// keys: phases equal the tfhe-layout plaintexts up to noise within the TUniform bounds.
#[test]
fn keys_decrypt_under_tfhe_to_tfhe_layout_plaintexts() {
    let k = keys();
    let (small, glwe) = tfhe_keys(&k.set.client);
    let big = glwe.as_lwe_secret_key();
    let p = PARAMS;
    let (n, l, b) = (p.lwe_dimension, p.ks_level, p.ks_base_log);
    let ksk = k.set.server.keyswitch_key().as_slice();
    let ks_mod = CiphertextModulus::<u32>::try_new_power_of_2(p.ks_output_modulus_log as usize).unwrap();
    let shift = 32 - p.ks_output_modulus_log;
    let (mut min_e, mut max_e) = (0i32, 0i32);
    for (row_index, row) in ksk.chunks_exact(n + 1).enumerate() {
        let (i, r) = (row_index / l, row_index % l);
        let level = l - r;
        let ct = LweCiphertext::from_container(row, ks_mod);
        let phase = decrypt_lwe_ciphertext(&small, &ct).0;
        let want = ((big.as_ref()[i] as u32) as u64) << (32 - b * level);
        // tfhe returns the phase on the 2^q modulus (divided by 2^(32 − q)).
        assert!(phase < 1 << p.ks_output_modulus_log, "row {row_index}: phase {phase:#x}");
        let e = (phase.wrapping_sub((want >> shift) as u32).wrapping_shl(shift) as i32) >> shift;
        assert!(e.abs() <= 1 << p.lwe_noise_log, "KSK row {row_index}: noise {e}");
        (min_e, max_e) = (min_e.min(e), max_e.max(e));
    }
    assert_eq!((min_e, max_e), (-8, 8), "KSK noise should span TUniform(2^3)");

    // Bootstrap key: regenerate its standard form through the seeded key (the server key holds
    // only the NTT form) and decrypt rows of the first 12 GGSWs.
    let compressed = k.set.client.compressed_server_key(|_, _| {}).unwrap();
    let std_bsk = standard_bsk(&compressed);
    assert!(compressed.expand_standard().1 == std_bsk, "expand_standard follows the documented mask streams");
    let (gs, big_n) = (p.glwe_size(), p.polynomial_size);
    let bound = 1i64 << p.glwe_noise_log;
    for i in 0..12 {
        let s_i = small.as_ref()[i] as u64;
        for r in 0..gs {
            let start = (i * gs + r) * gs * big_n; // l = 1
            let row = &std_bsk[start..start + gs * big_n];
            let ct = GlweCiphertext::from_container(row, PolynomialSize(big_n), CiphertextModulus::<u64>::new_native());
            let mut pt = PlaintextList::new(0u64, PlaintextCount(big_n));
            decrypt_glwe_ciphertext(&glwe, &ct, &mut pt);
            let factor = s_i.wrapping_neg().wrapping_mul(1u64 << (64 - p.pbs_base_log));
            for (j, v) in pt.as_ref().iter().enumerate() {
                let want = if r < gs - 1 {
                    glwe.as_ref()[r * big_n + j].wrapping_mul(factor)
                } else if j == 0 {
                    factor.wrapping_neg()
                } else {
                    0
                };
                let e = signed(v.wrapping_sub(want));
                assert!(e.abs() <= bound, "GGSW {i} row {r} coef {j}: noise {e}");
            }
        }
    }
}

/// Standard-domain bootstrap key from a seeded key (masks from the public seed), for the oracle.
fn standard_bsk(c: &CompressedServerKey) -> Vec<u64> {
    // Decompress gives the NTT form only; rebuild the standard form the same way the format
    // documents it: masks are ChaCha20 words of stream (2 << 32 | i) under the mask seed.
    use rand_chacha::rand_core::RngCore as _;
    let p = c.params();
    let (gs, big_n, k) = (p.glwe_size(), p.polynomial_size, p.glwe_dimension);
    let bytes = c.to_bytes();
    let ksk_bodies = p.big_lwe_dimension() * p.ks_level * 4;
    let bodies_at = 28 + 32 + ksk_bodies;
    let body_words: Vec<u64> =
        bytes[bodies_at..bytes.len() - 32].chunks_exact(8).map(|x| u64::from_le_bytes(x.try_into().unwrap())).collect();
    let mut out = Vec::with_capacity(body_words.len() * gs);
    for (i, ggsw_bodies) in body_words.chunks_exact(gs * big_n * p.pbs_level).enumerate() {
        let mut rng = ChaCha20Rng::from_seed(*c.mask_seed());
        rng.set_stream((2u64 << 32) | i as u64);
        for body in ggsw_bodies.chunks_exact(big_n) {
            out.extend((0..k * big_n).map(|_| rng.next_u64()));
            out.extend_from_slice(body);
        }
    }
    out
}

/// encrypt → serialize → deserialize → homomorphic ops on the engine → serialize → deserialize →
/// decrypt, against plain wrapping arithmetic.
#[test]
fn round_trip_through_server_ops() {
    let k = keys();
    let (ck, sk) = (&k.set.client, &k.set.server);
    let seed = 0x0072_6f75_6e64_u64;
    let mut r = rng(seed);
    let wire = |c: &RadixCiphertext| RadixCiphertext::from_bytes(&c.to_bytes(&PARAMS).unwrap(), &PARAMS).unwrap();
    let (a, b) = (r.next_u32() as u8, r.next_u32() as u8);
    let ea = wire(&ck.encrypt_u8(a, &mut r).unwrap());
    let eb = wire(&ck.encrypt_u8(b, &mut r).unwrap());
    assert_eq!(ck.decrypt_u8(&ea).unwrap(), a, "seed {seed}");
    let radix = sk.radix();
    let sum = wire(&radix.add(&ea, &eb).unwrap());
    assert_eq!(ck.decrypt_u8(&sum).unwrap(), a.wrapping_add(b), "add {a} {b} seed {seed}");
    let prod = wire(&radix.mul(&ea, &eb).unwrap());
    assert_eq!(ck.decrypt_u8(&prod).unwrap(), a.wrapping_mul(b), "mul {a} {b} seed {seed}");
    let lt = radix.lt(&ea, &eb).unwrap();
    let lt = EBool::from_bytes(&lt.to_bytes(&PARAMS).unwrap(), &PARAMS).unwrap();
    assert_eq!(ck.decrypt_bool(&lt).unwrap(), a < b, "lt {a} {b} seed {seed}");
    // Wider types encrypt/decrypt at their widths; euint64 through an equality.
    let (x16, x32, x64) = (r.next_u32() as u16, r.next_u32(), r.next_u64());
    assert_eq!(ck.decrypt_u16(&wire(&ck.encrypt_u16(x16, &mut r).unwrap())).unwrap(), x16);
    assert_eq!(ck.decrypt_u32(&wire(&ck.encrypt_u32(x32, &mut r).unwrap())).unwrap(), x32);
    let e64 = wire(&ck.encrypt_u64(x64, &mut r).unwrap());
    assert_eq!(ck.decrypt_u64(&e64).unwrap(), x64, "seed {seed}");
    let eq = radix.scalar_eq(&e64, x64).unwrap();
    assert!(ck.decrypt_bool(&eq).unwrap(), "scalar_eq on euint64 seed {seed}");
    let t = ck.encrypt_bool(true, &mut r);
    let f = EBool::from_bytes(&ck.encrypt_bool(false, &mut r).to_bytes(&PARAMS).unwrap(), &PARAMS).unwrap();
    assert!(ck.decrypt_bool(&sk.ebool_or(&t, &f).unwrap()).unwrap());
    assert!(!ck.decrypt_bool(&sk.ebool_and(&t, &f).unwrap()).unwrap());
}

/// Users encrypt with the compact public key; the server expands the list (checked against
/// tfhe's sample extraction) and computes on it; the client decrypts.
#[test]
fn compact_public_key_inputs() {
    let k = keys();
    let (ck, sk) = (&k.set.client, &k.set.server);
    let seed = 0x636f_6d70u64;
    let mut r = rng(seed);
    let cpk = CompactPublicKey::from_bytes(&k.set.public.to_bytes(), &PARAMS).unwrap();
    assert_eq!(cpk, k.set.public);
    let values: Vec<u64> = (0..64).map(|i| if i == 0 { u64::MAX } else { r.next_u64() }).collect();
    let list = cpk.encrypt_u64s(&values, &mut r).unwrap();
    let list = CompactCiphertextList::from_bytes(&list.to_bytes(), &PARAMS).unwrap();
    assert_eq!(ck.decrypt_compact_list(&list).unwrap(), values, "seed {seed}");
    let expanded = list.expand(sk).unwrap();
    assert_eq!(expanded.len(), 64);
    for (i, (c, v)) in expanded.iter().zip(&values).enumerate() {
        assert_eq!(ck.decrypt_u64(c).unwrap(), *v, "value {i} seed {seed}");
    }
    // Expansion = tfhe's sample extraction of the list's GLWE at each degree (bytes).
    let list_bytes = list.to_bytes();
    let words: Vec<u64> = list_bytes[28 + 2 + 64..list_bytes.len() - 32]
        .chunks_exact(8)
        .map(|x| u64::from_le_bytes(x.try_into().unwrap()))
        .collect();
    let glwe =
        GlweCiphertext::from_container(words, PolynomialSize(PARAMS.polynomial_size), CiphertextModulus::new_native());
    for (degree, (value, block)) in [(0usize, 0usize), (0, 31), (5, 7), (63, 31)].map(|(v, b)| (v * 32 + b, (v, b))) {
        let mut out =
            LweCiphertext::new(0u64, LweSize(PARAMS.big_lwe_dimension() + 1), CiphertextModulus::new_native());
        extract_lwe_sample_from_glwe_ciphertext(&glwe, &mut out, MonomialDegree(degree));
        assert_eq!(expanded[value].blocks[block].data, out.into_container(), "degree {degree}");
    }
    // Expanded inputs compose with the engine's operations (noise well within bounds).
    let (ck_noise_max, delta) = (1u64 << 30, PARAMS.delta());
    let (_, glwe_key) = tfhe_keys(ck);
    let big = glwe_key.as_lwe_secret_key();
    for c in &expanded[..4] {
        for b in &c.blocks {
            let ct = LweCiphertext::from_container(b.data.as_slice(), CiphertextModulus::new_native());
            let phase = decrypt_lwe_ciphertext(&big, &ct).0;
            let e = phase.wrapping_add(delta / 2) % delta;
            assert!(e.abs_diff(delta / 2) < ck_noise_max, "compact encryption noise {e:#x}");
        }
    }
    let mixed = cpk.encrypt_mixed(&[(200, 4), (0xbeef, 8), (1, 1)], &mut r).unwrap();
    let ex = mixed.expand(sk).unwrap();
    let sum = sk.radix().add(&ex[0], &ck.encrypt_u8(100, &mut r).unwrap()).unwrap();
    assert_eq!(ck.decrypt_u8(&sum).unwrap(), 44, "200 + 100 mod 256, seed {seed}");
    assert_eq!(ck.decrypt_u16(&ex[1]).unwrap(), 0xbeef);
    assert_eq!(ck.decrypt_radix(&ex[2]).unwrap(), 1);
    // Capacity: 65 euint64 do not fit in 2048 slots; an empty list is refused.
    let too_many = vec![0u64; 65];
    assert_eq!(cpk.encrypt_u64s(&too_many, &mut r), Err(FheError::CompactListCapacity { max: 2048, got: 2080 }));
    assert!(matches!(cpk.encrypt_u64s(&[], &mut r), Err(FheError::CompactListCapacity { .. })));
}

#[test]
fn mismatched_keys_params_and_kinds_are_typed_errors() {
    let k = keys();
    let (ck, sk) = (&k.set.client, &k.set.server);
    let mut r = rng(3);
    let toy = ClientKey::generate(TOY_PARAMS, [1; 32], |_, _| {}).unwrap();
    let toy_ct = toy.encrypt_u8(7, &mut r).unwrap();
    let real_ct = ck.encrypt_u8(7, &mut r).unwrap();
    // Ciphertexts of other parameters: refused by the server, the client and the encoder.
    assert!(matches!(sk.radix().add(&toy_ct, &real_ct), Err(FheError::BatchItem { .. } | FheError::Length { .. })));
    assert!(matches!(ck.decrypt_u8(&toy_ct), Err(FheError::Length { expected: 2049, got: 65, .. })));
    assert!(matches!(toy_ct.to_bytes(&PARAMS), Err(FheError::Length { .. })));
    // Objects of other parameters or kinds: refused by the decoders.
    let toy_bytes = toy_ct.to_bytes(&TOY_PARAMS).unwrap();
    assert_eq!(
        RadixCiphertext::from_bytes(&toy_bytes, &PARAMS),
        Err(FheError::ParamsMismatch { expected: PARAMS.id(), got: TOY_PARAMS.id() })
    );
    assert_eq!(EBool::from_bytes(&toy_bytes, &TOY_PARAMS), Err(FheError::WrongKind { expected: 6, got: 5 }));
    assert!(matches!(ServerKey::from_bytes(&ck.to_bytes(), &PARAMS), Err(FheError::WrongKind { expected: 2, got: 1 })));
    assert!(matches!(ClientKey::from_bytes(&toy.to_bytes(), &PARAMS), Err(FheError::ParamsMismatch { .. })));
    let toy_list = toy.compact_public_key().unwrap().encrypt(&[1, 2], 4, &mut r).unwrap();
    assert!(matches!(toy_list.expand(sk), Err(FheError::ParamsMismatch { .. })));
    assert!(matches!(ck.decrypt_compact_list(&toy_list), Err(FheError::ParamsMismatch { .. })));
    // Wrong widths.
    assert_eq!(ck.decrypt_u16(&real_ct), Err(FheError::WidthMismatch { left: 8, right: 4 }));
    assert!(matches!(ck.encrypt_radix(1, 33, &mut r), Err(FheError::Width { got: 33, .. })));
    // A ciphertext decrypted with another key of the same parameters decodes to garbage, which
    // the format cannot detect (no key id, see README); at least it does not panic.
    let other = ClientKey::generate(PARAMS, [9; 32], |_, _| {}).unwrap();
    let _ = other.decrypt_u8(&real_ct).unwrap();
}

/// Every envelope and payload check has its own error.
#[test]
fn envelope_and_payload_errors() {
    let p = TOY_PARAMS;
    let ck = ClientKey::generate(p, [2; 32], |_, _| {}).unwrap();
    let mut r = rng(4);
    let ct = ck.encrypt_u8(9, &mut r).unwrap().to_bytes(&p).unwrap();
    let reseal = gloam_fhe::fuzzing::reseal;
    let dec = |b: &[u8]| RadixCiphertext::from_bytes(b, &p);
    assert!(dec(&ct).is_ok());
    let mut b = ct.clone();
    b[0] ^= 1;
    assert_eq!(dec(&b), Err(FheError::BadMagic));
    let mut b = ct.clone();
    b[8] = 2;
    assert_eq!(dec(&b), Err(FheError::FormatVersion { got: 2, supported: 1 }));
    let mut b = ct.clone();
    b[11] = 1;
    assert!(matches!(dec(&b), Err(FheError::InvalidEncoding(_))));
    let mut b = ct.clone();
    b[40] ^= 0x10;
    assert_eq!(dec(&b), Err(FheError::Checksum));
    assert!(matches!(dec(&ct[..ct.len() - 1]), Err(FheError::EncodedLength { .. })));
    assert!(matches!(dec(&ct[..20]), Err(FheError::EncodedLength { .. })));
    let mut b = ct.clone();
    b.insert(ct.len() - 32, 0);
    assert!(matches!(dec(&reseal(&b)), Err(FheError::EncodedLength { .. })), "trailing byte");
    for count in [0u8, 33] {
        let mut b = ct.clone();
        b[28] = count;
        assert!(matches!(dec(&reseal(&b)), Err(FheError::Width { .. })), "{count} blocks");
    }
    // Client key: a padding bit set (n = 8 fills its byte; the GLWE key has 64 bits: no padding),
    // so use a key bit count that is not a multiple of 8 via the real parameters (n = 879).
    let real = ClientKey::generate(PARAMS, [3; 32], |_, _| {}).unwrap().to_bytes();
    let mut b = real.clone();
    b[28 + 32 + 879 / 8] |= 0x80;
    assert_eq!(
        ClientKey::from_bytes(&reseal(&b), &PARAMS),
        Err(FheError::InvalidEncoding("key padding bits are not 0"))
    );
    assert!(ClientKey::from_bytes(&real, &PARAMS).is_ok());
    // Server key: a bootstrap-key word ≥ p, a keyswitch word with low bits set, a bad switch code.
    let sk = ck.server_key(|_, _| {}).unwrap().to_bytes();
    let mut b = sk.clone();
    let last = b.len() - 32 - 8;
    b[last..last + 8].copy_from_slice(&u64::MAX.to_le_bytes());
    assert!(matches!(ServerKey::from_bytes(&reseal(&b), &p), Err(FheError::InvalidEncoding(_))));
    let mut b = sk.clone();
    b[28 + 1] |= 1;
    assert!(matches!(ServerKey::from_bytes(&reseal(&b), &p), Err(FheError::InvalidEncoding(_))));
    let mut b = sk.clone();
    b[28] = 7;
    assert!(matches!(ServerKey::from_bytes(&reseal(&b), &p), Err(FheError::InvalidEncoding(_))));
    assert!(ServerKey::from_bytes(&sk, &p).is_ok());
    // Compact list: a width of 33 blocks, widths summing past N, a count that does not match.
    let list = ck.compact_public_key().unwrap().encrypt(&[1, 2, 3], 16, &mut r).unwrap().to_bytes();
    let mut b = list.clone();
    b[28 + 3] = 33;
    assert!(matches!(CompactCiphertextList::from_bytes(&reseal(&b), &p), Err(FheError::Width { got: 33, .. })));
    let mut b = list.clone();
    b[28 + 2] = 32;
    b[28 + 3] = 32;
    assert_eq!(
        CompactCiphertextList::from_bytes(&reseal(&b), &p),
        Err(FheError::CompactListCapacity { max: 64, got: 80 })
    );
    let mut b = list.clone();
    b[28] = 4;
    assert!(matches!(CompactCiphertextList::from_bytes(&reseal(&b), &p), Err(FheError::EncodedLength { .. })));
    assert!(CompactCiphertextList::from_bytes(&list, &p).is_ok());
}
