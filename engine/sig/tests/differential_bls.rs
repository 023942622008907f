//! gloam's BLS12-381 min-pk (PoP ciphersuite) against blst's own API: single verify, batches of
//! distinct triples with bad items at random places (per-item verdicts == gloam single == blst
//! single; blst's `verify_multiple_aggregate_signatures` verdict == "all valid"), aggregate and
//! fast-aggregate verification, proofs of possession, and the key cache. Seeded; the seed is
//! printed and `GLOAM_TEST_SEED` overrides it.

use blst::min_pk::{AggregateSignature, PublicKey, SecretKey, Signature};
use blst::BLST_ERROR;
use gloam_sig::bls::{self, BlsVerifier, DST_POP, DST_POP_PROOF};
use gloam_sig::{BlsError, BlsPointError};
use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;

fn seed(default: u64) -> u64 {
    let s = std::env::var("GLOAM_TEST_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(default);
    println!("seed {s} (GLOAM_TEST_SEED overrides)");
    s
}

struct Triple {
    pk: Vec<u8>,
    msg: Vec<u8>,
    sig: Vec<u8>,
}

fn keys(rng: &mut ChaCha20Rng, n: usize) -> Vec<SecretKey> {
    (0..n)
        .map(|_| {
            let mut ikm = [0u8; 32];
            rng.fill_bytes(&mut ikm);
            SecretKey::key_gen(&ikm, &[]).unwrap()
        })
        .collect()
}

fn blst_single(t: &Triple) -> bool {
    let (Ok(pk), Ok(sig)) = (PublicKey::from_bytes(&t.pk), Signature::from_bytes(&t.sig)) else { return false };
    sig.verify(true, &t.msg, DST_POP, &[], &pk, true) == BLST_ERROR::BLST_SUCCESS
}

fn corrupt(t: &Triple, other: &Triple, rng: &mut ChaCha20Rng) -> Triple {
    let mut x = Triple { pk: t.pk.clone(), msg: t.msg.clone(), sig: t.sig.clone() };
    match rng.gen_range(0..6) {
        0 => x.msg.push(1),
        1 => x.sig = other.sig.clone(),
        2 => x.pk = other.pk.clone(),
        3 => x.sig[0] ^= 0x20, // the negated signature (sign flag)
        4 => {
            let i = rng.gen_range(1..96);
            x.sig[i] ^= 1 << rng.gen_range(0..8);
        }
        _ => {
            x.sig = vec![0u8; 96];
            x.sig[0] = 0xc0; // the identity
        }
    }
    x
}

#[test]
fn batches_with_bad_items_match_blst() {
    let seed = seed(0xb15);
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let sks = keys(&mut rng, 24);
    let valid: Vec<Triple> = (0..48)
        .map(|i| {
            let sk = &sks[i % sks.len()];
            let mut msg = vec![0u8; 32];
            rng.fill_bytes(&mut msg);
            Triple { pk: sk.sk_to_pk().to_bytes().to_vec(), sig: sk.sign(&msg, DST_POP, &[]).to_bytes().to_vec(), msg }
        })
        .collect();
    let v = BlsVerifier::pop();
    for round in 0..8 {
        let n = [1usize, 2, 5, 17, 40][round % 5];
        let bad_rate = [0.0, 0.1, 0.5, 1.0][round % 4];
        let batch: Vec<Triple> = (0..n)
            .map(|_| {
                let t = &valid[rng.gen_range(0..valid.len())];
                if rng.gen_bool(bad_rate) {
                    corrupt(t, &valid[rng.gen_range(0..valid.len())], &mut rng)
                } else {
                    Triple { pk: t.pk.clone(), msg: t.msg.clone(), sig: t.sig.clone() }
                }
            })
            .collect();
        let items: Vec<bls::Item> =
            batch.iter().map(|t| bls::Item { public_key: &t.pk, message: &t.msg, signature: &t.sig }).collect();
        let res = v.verify_batch(&items);
        for (i, (t, r)) in batch.iter().zip(&res).enumerate() {
            let single = v.verify(&t.pk, &t.msg, &t.sig);
            assert_eq!(r, &single, "seed {seed} round {round} item {i}");
            assert_eq!(single.is_ok(), blst_single(t), "seed {seed} round {round} item {i}: {single:?}");
        }
        // blst's batch on the decodable items: one verdict for all.
        let decoded: Option<Vec<(PublicKey, Signature)>> = batch
            .iter()
            .map(|t| Some((PublicKey::from_bytes(&t.pk).ok()?, Signature::from_bytes(&t.sig).ok()?)))
            .collect();
        if let Some(d) = decoded {
            let msgs: Vec<&[u8]> = batch.iter().map(|t| &t.msg[..]).collect();
            let pks: Vec<&PublicKey> = d.iter().map(|(p, _)| p).collect();
            let sigs: Vec<&Signature> = d.iter().map(|(_, s)| s).collect();
            let rands: Vec<blst::blst_scalar> = (0..n)
                .map(|_| {
                    let mut s = blst::blst_scalar::default();
                    s.b[..8].copy_from_slice(&(rng.next_u64() | 1).to_le_bytes());
                    s
                })
                .collect();
            let blst_ok =
                Signature::verify_multiple_aggregate_signatures(&msgs, DST_POP, &pks, true, &sigs, true, &rands, 64)
                    == BLST_ERROR::BLST_SUCCESS;
            assert_eq!(blst_ok, res.iter().all(|r| r.is_ok()), "seed {seed} round {round}");
        }
    }
}

#[test]
fn aggregate_and_fast_aggregate_match_blst() {
    let seed = seed(0xa66);
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let sks = keys(&mut rng, 8);
    let pks: Vec<Vec<u8>> = sks.iter().map(|s| s.sk_to_pk().to_bytes().to_vec()).collect();
    let v = BlsVerifier::pop();
    for round in 0..6 {
        let n = rng.gen_range(1..=sks.len());
        // Distinct messages.
        let msgs: Vec<Vec<u8>> = (0..n).map(|i| format!("msg {round} {i}").into_bytes()).collect();
        let sigs: Vec<Signature> = (0..n).map(|i| sks[i].sign(&msgs[i], DST_POP, &[])).collect();
        let sig_refs: Vec<&Signature> = sigs.iter().collect();
        let mut agg = AggregateSignature::aggregate(&sig_refs, true).unwrap().to_signature().to_bytes().to_vec();
        let wrong = round % 2 == 1;
        if wrong {
            agg = sks[0].sign(b"other", DST_POP, &[]).to_bytes().to_vec();
        }
        let pk_refs: Vec<&[u8]> = pks[..n].iter().map(|p| &p[..]).collect();
        let msg_refs: Vec<&[u8]> = msgs.iter().map(|m| &m[..]).collect();
        let ours = v.aggregate_verify(&pk_refs, &msg_refs, &agg);
        let bpks: Vec<PublicKey> = pks[..n].iter().map(|p| PublicKey::from_bytes(p).unwrap()).collect();
        let bpk_refs: Vec<&PublicKey> = bpks.iter().collect();
        let theirs = Signature::from_bytes(&agg).unwrap().aggregate_verify(true, &msg_refs, DST_POP, &bpk_refs, true)
            == BLST_ERROR::BLST_SUCCESS;
        assert_eq!(ours.is_ok(), theirs, "seed {seed} round {round}");
        assert_eq!(ours.is_ok(), !wrong);

        // Same message, many signers.
        let m = format!("vote {round}").into_bytes();
        let sigs: Vec<Signature> = (0..n).map(|i| sks[i].sign(&m, DST_POP, &[])).collect();
        let sig_refs: Vec<&Signature> = sigs.iter().collect();
        let agg = AggregateSignature::aggregate(&sig_refs, true).unwrap().to_signature();
        let signers = if wrong { &pks[1..=n.min(pks.len() - 1)] } else { &pks[..n] };
        let signer_refs: Vec<&[u8]> = signers.iter().map(|p| &p[..]).collect();
        let ours = v.fast_aggregate_verify(&signer_refs, &m, &agg.to_bytes());
        let bs: Vec<PublicKey> = signers.iter().map(|p| PublicKey::from_bytes(p).unwrap()).collect();
        let bs_refs: Vec<&PublicKey> = bs.iter().collect();
        let theirs = agg.fast_aggregate_verify(true, &m, DST_POP, &bs_refs) == BLST_ERROR::BLST_SUCCESS;
        assert_eq!(ours.is_ok(), theirs, "seed {seed} round {round}");
        assert_eq!(ours.is_ok(), !wrong);
    }
    assert_eq!(v.aggregate_verify(&[], &[], &[0u8; 96]), Err(BlsError::Empty));
    assert!(matches!(v.aggregate_verify(&[&pks[0][..]], &[], &[0u8; 96]), Err(BlsError::MismatchedCount { .. })));
}

#[test]
fn proof_of_possession_and_key_cache() {
    let seed = seed(0x909);
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let sks = keys(&mut rng, 3);
    let v = BlsVerifier::pop();
    for sk in &sks {
        let pk = sk.sk_to_pk().to_bytes();
        let proof = sk.sign(&pk, DST_POP_PROOF, &[]).to_bytes();
        assert_eq!(v.verify_possession(&pk, &proof), Ok(()));
        // A signature under the message DST is not a proof of possession.
        let not_proof = sk.sign(&pk, DST_POP, &[]).to_bytes();
        assert_eq!(v.verify_possession(&pk, &not_proof), Err(BlsError::Invalid));
    }
    assert_eq!(v.key_cache().len(), 3);
    // Invalid keys are never cached.
    let mut identity = [0u8; 48];
    identity[0] = 0xc0;
    let sig = sks[0].sign(b"m", DST_POP, &[]).to_bytes();
    assert_eq!(
        v.verify(&identity, b"m", &sig),
        Err(BlsError::InvalidPublicKey { index: 0, reason: BlsPointError::Identity })
    );
    assert!(matches!(v.verify(&[1u8; 47], b"m", &sig), Err(BlsError::WrongLength { .. })));
    assert_eq!(v.key_cache().len(), 3);
}

#[test]
fn same_message_batches_group_and_still_find_bad_items() {
    let seed = seed(0x5a3e);
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let sks = keys(&mut rng, 40);
    let v = BlsVerifier::pop();
    for round in 0..4 {
        // Committee votes: a few messages, many signers each, shuffled.
        let msgs: Vec<Vec<u8>> = (0..3).map(|m| format!("block {round} {m}").into_bytes()).collect();
        let mut batch: Vec<Triple> = sks
            .iter()
            .map(|sk| {
                let msg = msgs[rng.gen_range(0..msgs.len())].clone();
                Triple {
                    pk: sk.sk_to_pk().to_bytes().to_vec(),
                    sig: sk.sign(&msg, DST_POP, &[]).to_bytes().to_vec(),
                    msg,
                }
            })
            .collect();
        for _ in 0..round {
            let i = rng.gen_range(0..batch.len());
            let j = rng.gen_range(0..batch.len());
            batch[i] = corrupt(&batch[i], &batch[j], &mut rng);
        }
        let items: Vec<bls::Item> =
            batch.iter().map(|t| bls::Item { public_key: &t.pk, message: &t.msg, signature: &t.sig }).collect();
        let res = v.verify_batch(&items);
        for (i, (t, r)) in batch.iter().zip(&res).enumerate() {
            assert_eq!(r.is_ok(), blst_single(t), "seed {seed} round {round} item {i}: {r:?}");
        }
    }
}
