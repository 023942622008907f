//! The CPU `SigBackend` is the reference every accelerated backend must match: its defaults
//! must be exactly the module entry points, item for item.

use gloam_sig::bls::{self, BlsVerifier, DST_POP};
use gloam_sig::secp256k1::{self as gsec, EcdsaRule, EcdsaSignature, RecoverItem, VerifyItem};
use gloam_sig::{ed25519, CpuSigBackend, SigBackend};
use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;

#[test]
fn cpu_backend_defaults_are_the_module_entry_points() {
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let b = CpuSigBackend;
    assert_eq!(b.name(), "cpu");

    let mut eds = Vec::new();
    for i in 0..20 {
        let sk = ed25519_zebra::SigningKey::new(&mut rng);
        let pk: [u8; 32] = ed25519_zebra::VerificationKeyBytes::from(&sk).into();
        let msg = vec![i as u8; i];
        let mut sig = sk.sign(&msg).to_bytes();
        if i % 5 == 0 {
            sig[3] ^= 1;
        }
        eds.push((pk, msg, sig));
    }
    let items: Vec<ed25519::Item> = eds.iter().map(|(p, m, s)| ed25519::Item::new(p, m, s)).collect();
    let r = b.ed25519_verify_batch(&items);
    assert_eq!(r, ed25519::verify_batch(&items));
    assert_eq!(r.iter().filter(|x| x.is_err()).count(), 4);

    let secp = secp256k1::Secp256k1::new();
    let mut recs = Vec::new();
    let mut pks = Vec::new();
    for i in 0..20 {
        let sk = secp256k1::SecretKey::from_byte_array(rng.gen()).expect("valid");
        let h: [u8; 32] = rng.gen();
        let (recid, compact) = secp.sign_ecdsa_recoverable(secp256k1::Message::from_digest(h), &sk).serialize_compact();
        let mut rsv = [0u8; 65];
        rsv[..64].copy_from_slice(&compact);
        rsv[64] = i32::from(recid) as u8;
        if i % 4 == 0 {
            rng.fill_bytes(&mut rsv[..8]);
        }
        recs.push((h, rsv));
        pks.push(sk.public_key(&secp).serialize());
    }
    let ritems: Vec<RecoverItem> = recs.iter().map(|(h, s)| RecoverItem { prehash: *h, signature: s }).collect();
    assert_eq!(
        b.ecrecover_batch(&ritems, EcdsaRule::HighSAllowed),
        gsec::recover_batch(&ritems, EcdsaRule::HighSAllowed)
    );
    let vitems: Vec<VerifyItem> = recs
        .iter()
        .zip(&pks)
        .map(|((h, s), pk)| VerifyItem {
            public_key: pk,
            prehash: *h,
            signature: EcdsaSignature::from_compact(&s[..64]).expect("in range"),
        })
        .collect();
    assert_eq!(
        b.ecdsa_verify_batch(&vitems, EcdsaRule::LowSRequired),
        gsec::verify_batch(&vitems, EcdsaRule::LowSRequired)
    );

    let v = BlsVerifier::pop();
    let mut triples = Vec::new();
    for i in 0..6 {
        let ikm: [u8; 32] = rng.gen();
        let sk = blst::min_pk::SecretKey::key_gen(&ikm, &[]).expect("32-byte ikm");
        let msg = vec![i as u8; 4];
        let sig = sk.sign(if i == 2 { b"other" } else { &msg }, DST_POP, &[]).to_bytes();
        triples.push((sk.sk_to_pk().to_bytes(), msg, sig));
    }
    let bitems: Vec<bls::Item> =
        triples.iter().map(|(p, m, s)| bls::Item { public_key: p, message: m, signature: s }).collect();
    let r = b.bls_verify_batch(&v, &bitems);
    assert_eq!(r, v.verify_batch(&bitems));
    assert_eq!(r.iter().map(|x| x.is_ok()).collect::<Vec<_>>(), vec![true, true, false, true, true, true]);
}
