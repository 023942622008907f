//! EIP-7594 (cell-proof) sidecars: accepted at `eth_sendRawTransaction` and in blocks, cheap
//! checks (128 cell proofs per blob), ONE `verify_cell_kzg_proof_batch` per batch with the shared
//! cache, mixed-form blocks, storage and RPC shapes, and agreement of the verifier with c-kzg's
//! `compute_cells` + `verify_cell_kzg_proof_batch` on seeded random (in)valid sidecars.
//!
//! Cell proofs of the fixtures come from c-kzg (an implementation independent of gloam-kzg).

use std::sync::atomic::Ordering;
use std::sync::{Arc, OnceLock};

use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{Address, FixedBytes};
use gloam_evm::dev_signer;
use gloam_evm::fuzzing::Mutator;
use gloam_settlement::blobs::{refs, BlobVerifier};
use gloam_settlement::error::*;
use gloam_settlement::params::*;
use gloam_settlement::testutil::*;
use gloam_settlement::types::{BlobProof, Block, NetTx, Sidecar};
use gloam_settlement::{Genesis, Settlement, SettlementConfig};

const CID: u64 = DEV_CHAIN_ID;
const CELLS: usize = 128;

fn open(dir: &std::path::Path) -> Arc<Settlement> {
    Settlement::open(SettlementConfig::dev(dir), Genesis::dev()).expect("open")
}

fn kzg() -> &'static gloam_kzg::KzgSettings {
    static K: OnceLock<gloam_kzg::KzgSettings> = OnceLock::new();
    K.get_or_init(|| {
        let engine = Arc::new(gloam_engine::Engine::cpu_only());
        let opts = gloam_kzg::SetupOptions { commit_table: false, fk20_eager: false, verify: false };
        gloam_kzg::KzgSettings::mainnet_with(engine, opts).unwrap()
    })
}

/// The 128 cell proofs of a blob, from c-kzg.
fn ckzg_cell_proofs(blob: &[u8]) -> Vec<FixedBytes<48>> {
    let b = c_kzg::Blob::from_bytes(blob).unwrap();
    let (_, proofs) = c_kzg::ethereum_kzg_settings(0).compute_cells_and_kzg_proofs(&b).unwrap();
    proofs.iter().map(|p| FixedBytes::<48>::from(p.to_bytes().into_inner())).collect()
}

/// 8 blobs (seeds 100..108) with commitments, blob proofs and c-kzg cell proofs.
fn fixtures() -> &'static (Vec<BlobItem>, Vec<Vec<FixedBytes<48>>>) {
    static F: OnceLock<(Vec<BlobItem>, Vec<Vec<FixedBytes<48>>>)> = OnceLock::new();
    F.get_or_init(|| {
        let items = blob_items(kzg(), (100..108).map(test_blob).collect());
        let proofs = items.iter().map(|i| ckzg_cell_proofs(i.blob.as_bytes())).collect();
        (items, proofs)
    })
}

fn cells_of(s: &Settlement) -> (u64, u64) {
    let st = &s.verifier().stats;
    (st.cell_batch_calls.load(Ordering::Relaxed), st.cells_verified.load(Ordering::Relaxed))
}

#[test]
fn gloam_cell_proofs_match_c_kzg() {
    // The testutil helper (gloam-kzg FK20) and c-kzg give the same 128 proofs.
    let (it, cp) = fixtures();
    assert_eq!(&cell_proofs(kzg(), &it[0..2]), &cp[0..2]);
}

#[test]
fn cell_proof_sidecar_accepted_verified_once_and_stored() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(dir.path());
    let (it, cp) = fixtures();
    let a = dev_signer(4);
    let b = dev_signer(5);
    let txs = [
        blob_tx_7594(&a, CID, 0, BATCH_INBOX, &it[0..1], &cp[0..1]),
        blob_tx_7594(&b, CID, 0, BATCH_INBOX, &it[1..4], &cp[1..4]),
    ];
    let raws: Vec<Vec<u8>> = txs.iter().map(encode_net).collect();
    // The wire form: 0x03 ‖ rlp([body, 0x01, blobs, commitments, cell_proofs]).
    assert_eq!(raws[0][0], 3);
    let before = s.verifier().stats.snapshot();
    let res = s.submit_raw_batch(&raws);
    assert!(res.iter().all(|r| r.is_ok()), "{res:?}");
    let after_pool = s.verifier().stats.snapshot();
    assert_eq!(after_pool.0 - before.0, 1, "one batched call for both transactions");
    assert_eq!(after_pool.1 - before.1, 4);
    assert_eq!(cells_of(&s), (1, 4 * CELLS as u64), "one verify_cell_kzg_proof_batch over 4·128 cells");
    // A second validator that pooled the same transactions validates the proposer's block from
    // its cache: four hits, no KZG call. (The proposer does not re-validate its own block.)
    let dir2 = tempfile::tempdir().unwrap();
    let s2 = open(dir2.path());
    assert!(s2.submit_raw_batch(&raws).iter().all(|r| r.is_ok()));
    let v0 = s2.verifier().stats.snapshot();
    let (parent, ph) = s.finalized_header();
    let enc = s.build_block(parent, ph.timestamp_ms + 1000, Address::ZERO).unwrap();
    let hash = s2.verify_block(&enc).unwrap();
    let v1 = s2.verifier().stats.snapshot();
    assert_eq!(v1.0, v0.0, "block validation re-verified cached cell-proof blobs");
    assert_eq!(v1.2 - v0.2, 4, "four cache hits");
    s2.finalize(hash, b"dev").unwrap();
    assert_eq!(s.verify_block(&enc).unwrap(), hash);
    s.finalize(hash, b"dev").unwrap();
    let n = ph.number + 1;
    let after_block = s.verifier().stats.snapshot();
    assert_eq!(after_block.0, after_pool.0, "the proposer verified its blobs once, at pool entry");
    assert_eq!(cells_of(&s), (1, 4 * CELLS as u64));
    assert_eq!(s2.finalized_header(), s.finalized_header());
    assert_eq!(s.finalized_header().1.blob_gas_used, 4 * GAS_PER_BLOB);
    // Stored as received: the 128 cell proofs, no blob proof.
    for (i, item) in it[0..4].iter().enumerate() {
        let r = s.blob(&item.versioned_hash).unwrap().expect("stored");
        assert_eq!(&r.blob[..], &item.blob.as_bytes()[..], "blob {i}");
        assert_eq!(r.commitment.0, item.commitment);
        assert_eq!(r.proof, BlobProof::Cells(cp[i].clone()), "blob {i}");
        assert_eq!(r.block_number, n);
        let j = gloam_settlement::rpc::blob_json(&r);
        assert!(j["proof"].is_null());
        let got: Vec<String> = j["cellProofs"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().into()).collect();
        let want: Vec<String> = cp[i].iter().map(|p| format!("{p}")).collect();
        assert_eq!(got, want);
    }
    // After a restart the records decode the same (the storage codec of the 7594 form).
    drop(s);
    let s = open(dir.path());
    let r = s.blob(&it[2].versioned_hash).unwrap().unwrap();
    assert_eq!(r.proof, BlobProof::Cells(cp[2].clone()));
    assert_eq!(s.blobs_at(n).unwrap().len(), 4);
}

#[test]
fn wrong_cell_proofs_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(dir.path());
    let (it, cp) = fixtures();
    let a = dev_signer(7);
    let body = || blob_tx_body(CID, 0, BATCH_INBOX, &it[0..2]);
    // Two cell proofs of one blob swapped.
    let mut sc = sidecar_7594(&it[0..2], &cp[0..2]);
    sc.cell_proofs.swap(3, 4);
    let bad = sign_blob_tx(&a, body(), sc);
    match s.submit_raw(&encode_net(&bad)) {
        Err(SubmitError::Invalid(TxInvalid::Blob(BlobError::InvalidProof { tx }))) => assert_eq!(tx, *bad.tx_hash()),
        other => panic!("{other:?}"),
    }
    // One cell proof taken from the other blob (same cell index): a valid point, wrong proof.
    let mut sc = sidecar_7594(&it[0..2], &cp[0..2]);
    sc.cell_proofs[CELLS + 9] = cp[0][9];
    let bad = sign_blob_tx(&a, body(), sc);
    assert!(matches!(
        s.submit_raw(&encode_net(&bad)),
        Err(SubmitError::Invalid(TxInvalid::Blob(BlobError::InvalidProof { .. })))
    ));
    // A cell proof that is not a curve point.
    let mut sc = sidecar_7594(&it[0..2], &cp[0..2]);
    sc.cell_proofs[0] = FixedBytes::repeat_byte(0x11);
    let bad = sign_blob_tx(&a, body(), sc);
    assert!(matches!(
        s.submit_raw(&encode_net(&bad)),
        Err(SubmitError::Invalid(TxInvalid::Blob(BlobError::InvalidProof { .. })))
    ));
    // Blob proofs of the 4844 form are not cell proofs: 2 proofs for 2 blobs is a count error.
    let mut sc = sidecar_7594(&it[0..2], &cp[0..2]);
    sc.cell_proofs = vec![FixedBytes::from(it[0].proof), FixedBytes::from(it[1].proof)];
    let bad = sign_blob_tx(&a, body(), sc);
    assert!(matches!(
        s.submit_raw(&encode_net(&bad)),
        Err(SubmitError::Invalid(TxInvalid::Blob(BlobError::CellProofCount { blobs: 2, got: 2, expected: 256 })))
    ));
    // Signed hash ≠ commitment, version byte, 7 blobs: the cheap checks run for 7594 too.
    let mut b = blob_tx_body(CID, 0, BATCH_INBOX, &it[0..1]);
    b.blob_versioned_hashes[0] = it[1].versioned_hash;
    let bad = sign_blob_tx(&a, b, sidecar_7594(&it[0..1], &cp[0..1]));
    assert!(matches!(
        s.submit_raw(&encode_net(&bad)),
        Err(SubmitError::Invalid(TxInvalid::Blob(BlobError::HashMismatch { .. })))
    ));
    let mut b = blob_tx_body(CID, 0, BATCH_INBOX, &it[0..1]);
    b.blob_versioned_hashes[0].0[0] = 2;
    let bad = sign_blob_tx(&a, b, sidecar_7594(&it[0..1], &cp[0..1]));
    assert!(matches!(
        s.submit_raw(&encode_net(&bad)),
        Err(SubmitError::Invalid(TxInvalid::Blob(BlobError::BadVersion { .. })))
    ));
    let seven: Vec<BlobItem> = it[0..7].to_vec();
    let bad = blob_tx_7594(&a, CID, 0, BATCH_INBOX, &seven, &cp[0..7]);
    assert!(matches!(
        s.submit_raw(&encode_net(&bad)),
        Err(SubmitError::Invalid(TxInvalid::Blob(BlobError::TooManyBlobsInTx { got: 7, .. })))
    ));
    assert_eq!(s.pool_len(), 0);
    // A block carrying a tampered 7594 sidecar is refused and leaves nothing behind.
    let d2 = tempfile::tempdir().unwrap();
    let s2 = open(d2.path());
    s2.submit_raw(&encode_net(&blob_tx_7594(&a, CID, 0, BATCH_INBOX, &it[0..2], &cp[0..2]))).unwrap();
    let (g, gh) = s2.finalized_header();
    let mut block = Block::decode(&s2.build_block(g, gh.timestamp_ms + 1, Address::ZERO).unwrap()).unwrap();
    if let NetTx::Eip4844(t) = &mut block.txs[0] {
        let (mut w, sig, hash) = t.clone().into_parts();
        match &mut w.sidecar {
            Sidecar::Eip7594(sc) => sc.cell_proofs.swap(200, 201),
            other => panic!("the block keeps the 7594 form: {other:?}"),
        }
        *t = alloy_consensus::Signed::new_unchecked(w, sig, hash);
    }
    match s.verify_block(&block.encode()) {
        Err(SettlementError::Block(BlockError::Blob(BlobError::InvalidProof { tx }))) => {
            assert_eq!(tx, *block.txs[0].tx_hash())
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(s.last_finalized_height(), 0);
    assert!(s.pending_blocks().is_empty());
}

#[test]
fn cell_proof_counts_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(dir.path());
    let (it, cp) = fixtures();
    let a = dev_signer(7);
    for (blobs, keep) in [(1usize, 127usize), (1, 129), (1, 0), (2, 255), (2, 128)] {
        let mut sc = sidecar_7594(&it[0..blobs], &cp[0..blobs]);
        sc.cell_proofs.resize(keep, cp[0][0]);
        let bad = sign_blob_tx(&a, blob_tx_body(CID, 0, BATCH_INBOX, &it[0..blobs]), sc);
        let before = s.verifier().stats.snapshot();
        match s.submit_raw(&encode_net(&bad)) {
            Err(SubmitError::Invalid(TxInvalid::Blob(BlobError::CellProofCount { blobs: b, got, expected }))) => {
                assert_eq!((b, got, expected), (blobs, keep, blobs * CELLS))
            }
            other => panic!("{blobs} blobs, {keep} proofs: {other:?}"),
        }
        assert_eq!(s.verifier().stats.snapshot(), before, "no KZG work before the cheap checks pass");
    }
    // Blob and commitment counts: 2 signed hashes, 1 blob.
    let bad = sign_blob_tx(&a, blob_tx_body(CID, 0, BATCH_INBOX, &it[0..2]), sidecar_7594(&it[0..1], &cp[0..1]));
    assert!(matches!(
        s.submit_raw(&encode_net(&bad)),
        Err(SubmitError::Invalid(TxInvalid::Blob(BlobError::CountMismatch { hashes: 2, blobs: 1, .. })))
    ));
    assert_eq!(s.pool_len(), 0);
}

#[test]
fn mixed_form_block() {
    let (it, cp) = fixtures();
    // A proposer holding one 4844-form and one 7594-form blob transaction.
    let d1 = tempfile::tempdir().unwrap();
    let p = open(d1.path());
    let t4844 = blob_tx(&dev_signer(1), CID, 0, BATCH_INBOX, &it[4..6]);
    let t7594 = blob_tx_7594(&dev_signer(2), CID, 0, BATCH_INBOX, &it[6..8], &cp[6..8]);
    let res = p.submit_raw_batch(&[encode_net(&t4844), encode_net(&t7594)]);
    assert!(res.iter().all(|r| r.is_ok()), "{res:?}");
    assert_eq!(p.verifier().stats.snapshot().0, 2, "one batched call per proof form");
    assert_eq!(cells_of(&p).0, 1);
    let (g, gh) = p.finalized_header();
    let enc = p.build_block(g, gh.timestamp_ms + 1, Address::ZERO).unwrap();
    // The transport encoding carries each transaction in the form it was submitted in.
    let block = Block::decode(&enc).unwrap();
    assert_eq!(block.encode(), enc);
    let forms: Vec<bool> = block
        .txs
        .iter()
        .map(|t| match t {
            NetTx::Eip4844(s) => s.tx().sidecar.is_eip7594(),
            _ => panic!("only blob transactions"),
        })
        .collect();
    let mut sorted = forms.clone();
    sorted.sort();
    assert_eq!(sorted, vec![false, true]);
    for t in &block.txs {
        let want = if t.tx_hash() == t4844.tx_hash() { t4844.encoded_2718() } else { t7594.encoded_2718() };
        assert_eq!(t.encoded_2718(), want, "transaction bytes unchanged inside the block");
    }
    // Another node verifies it: two KZG calls (one per form), none on a second look.
    let d2 = tempfile::tempdir().unwrap();
    let v = open(d2.path());
    let h = v.verify_block(&enc).unwrap();
    assert_eq!(v.verifier().stats.snapshot().0, 2);
    assert_eq!(v.verifier().stats.snapshot().1, 4);
    assert_eq!(cells_of(&v), (1, 2 * CELLS as u64));
    v.finalize(h, b"c").unwrap();
    // Pending-block lookups and storage give each blob in its own form; RPC shapes differ.
    for (i, item) in it[4..8].iter().enumerate() {
        let r = v.blob(&item.versioned_hash).unwrap().unwrap();
        assert_eq!(&r.blob[..], &item.blob.as_bytes()[..]);
        let j = gloam_settlement::rpc::blob_json(&r);
        if i < 2 {
            assert_eq!(r.proof, BlobProof::Blob(FixedBytes::from(item.proof)));
            assert_eq!(j["proof"], format!("{}", FixedBytes::<48>::from(item.proof)));
            assert!(j.get("cellProofs").is_none(), "4844 shape unchanged: {j}");
        } else {
            assert_eq!(r.proof, BlobProof::Cells(cp[4 + i].clone()));
            assert!(j["proof"].is_null());
            assert_eq!(j["cellProofs"].as_array().unwrap().len(), CELLS);
        }
    }
    assert_eq!(v.blobs_at(1).unwrap().len(), 4);
}

/// c-kzg's answer for one 7594 blob: its cells (c-kzg) and ONE `verify_cell_kzg_proof_batch`.
fn ckzg_verdict(blobs: &[Vec<u8>], commitments: &[[u8; 48]], proofs: &[Vec<FixedBytes<48>>]) -> bool {
    let c = c_kzg::ethereum_kzg_settings(0);
    let (mut com, mut idx, mut cells, mut prf) = (vec![], vec![], vec![], vec![]);
    for ((b, cm), ps) in blobs.iter().zip(commitments).zip(proofs) {
        let Ok(blob) = c_kzg::Blob::from_bytes(b) else { return false };
        let Ok(cs) = c.compute_cells(&blob) else { return false };
        if ps.len() != CELLS {
            return false;
        }
        for (k, (cell, p)) in cs.iter().zip(ps).enumerate() {
            com.push(c_kzg::Bytes48::new(*cm));
            idx.push(k as u64);
            cells.push(*cell);
            prf.push(c_kzg::Bytes48::new(p.0));
        }
    }
    c.verify_cell_kzg_proof_batch(&com, &idx, &cells, &prf).unwrap_or(false)
}

#[test]
fn cell_verification_agrees_with_c_kzg() {
    let seed = std::env::var("GLOAM_TEST_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x7594_c0de_u64);
    eprintln!("cell_verification_agrees_with_c_kzg seed={seed} (GLOAM_TEST_SEED to reproduce)");
    let (it, cp) = fixtures();
    let mut rng = Mutator::new(seed);
    let engine = Arc::new(gloam_engine::Engine::cpu_only());
    let mut seen = [0usize; 2];
    for case in 0..14 {
        let nb = 1 + rng.below(2) as usize;
        let start = rng.below(it.len() - nb + 1) as usize;
        let mut blobs: Vec<Vec<u8>> = it[start..start + nb].iter().map(|i| i.blob.as_bytes().to_vec()).collect();
        let mut commitments: Vec<[u8; 48]> = it[start..start + nb].iter().map(|i| i.commitment).collect();
        let mut proofs: Vec<Vec<FixedBytes<48>>> = cp[start..start + nb].to_vec();
        let victim = rng.below(nb) as usize;
        let kind = case % 7;
        match kind {
            0 => {}
            1 => {
                let (x, y) = (rng.below(128) as usize, rng.below(128) as usize);
                proofs[victim].swap(x, y);
            }
            2 => {
                // A byte of the blob changed (kept canonical): cells no longer match the proofs.
                let k = rng.below(4096) as usize * 32 + 1 + rng.below(31) as usize;
                blobs[victim][k] ^= 1 + rng.below(255) as u8;
            }
            3 => commitments[victim] = it[(start + nb) % it.len()].commitment,
            4 => {
                // A non-canonical field element: no cells exist.
                let k = rng.below(4096) as usize * 32;
                blobs[victim][k..k + 32].fill(0xff);
            }
            5 => {
                let k = rng.below(128) as usize;
                proofs[victim][k].0[47] ^= 1 + rng.below(255) as u8;
            }
            _ => {
                // Another blob's proof at the same cell index.
                let k = rng.below(128) as usize;
                proofs[victim][k] = cp[(start + nb) % cp.len()][k];
            }
        }
        let want = ckzg_verdict(&blobs, &commitments, &proofs);
        let sidecar = Sidecar::Eip7594(alloy_eips::eip7594::BlobTransactionSidecarEip7594 {
            blobs: blobs.iter().map(|b| alloy_eips::eip4844::Blob::from_slice(b)).collect(),
            commitments: commitments.iter().map(|c| FixedBytes::from(*c)).collect(),
            cell_proofs: proofs.iter().flatten().copied().collect(),
        });
        // A fresh verifier with no cache: the batched path, then (if it fails) per group.
        let v = BlobVerifier::new(engine.clone(), 0);
        let got = v.verify_groups(&[refs(&sidecar)]).remove(0);
        assert_eq!(
            got.is_ok(),
            want,
            "seed {seed} case {case} kind {kind}: gloam {got:?}, c-kzg {want} (GLOAM_TEST_SEED={seed})"
        );
        if kind == 0 {
            assert!(want, "seed {seed} case {case}: an untouched sidecar is valid");
        }
        seen[want as usize] += 1;
    }
    assert!(seen[0] >= 8 && seen[1] >= 2, "both outcomes exercised: {seen:?} (seed {seed})");
}

#[test]
fn same_blob_in_both_forms_has_distinct_cache_entries() {
    let (it, cp) = fixtures();
    let engine = Arc::new(gloam_engine::Engine::cpu_only());
    let v = BlobVerifier::new(engine, 64);
    let s4844 = Sidecar::Eip4844(sidecar(&it[0..1]));
    let s7594 = Sidecar::Eip7594(sidecar_7594(&it[0..1], &cp[0..1]));
    assert!(v.verify_groups(&[refs(&s4844)])[0].is_ok());
    assert!(!v.is_cached(&refs(&s7594)[0]), "a 4844-verified blob does not stand for its cell proofs");
    assert!(v.verify_groups(&[refs(&s7594)])[0].is_ok());
    assert!(v.is_cached(&refs(&s7594)[0]) && v.is_cached(&refs(&s4844)[0]));
    assert_eq!(v.stats.snapshot().0, 2);
    // Cached 7594 blob with other cell proofs: a different key, verified (and refused).
    let mut bad = sidecar_7594(&it[0..1], &cp[0..1]);
    bad.cell_proofs.swap(0, 1);
    let bad = Sidecar::Eip7594(bad);
    assert!(!v.is_cached(&refs(&bad)[0]));
    assert!(v.verify_groups(&[refs(&bad)])[0].is_err());
}

/// The EIP-4844 record's storage bytes and JSON shape are what they were before EIP-7594
/// support: the old record layout (a derived RLP struct with a 48-byte `proof`) encodes to the
/// same bytes and decodes back; the JSON has exactly the old keys.
#[test]
fn eip4844_record_bytes_and_json_unchanged() {
    #[derive(alloy_rlp::RlpEncodable, alloy_rlp::RlpDecodable)]
    struct OldRecord {
        versioned_hash: alloy_primitives::B256,
        blob: alloy_primitives::Bytes,
        commitment: FixedBytes<48>,
        proof: FixedBytes<48>,
        block_number: u64,
        tx_hash: alloy_primitives::B256,
        index: u64,
    }
    let (it, _) = fixtures();
    let old = OldRecord {
        versioned_hash: it[0].versioned_hash,
        blob: it[0].blob.as_bytes().to_vec().into(),
        commitment: it[0].commitment.into(),
        proof: it[0].proof.into(),
        block_number: 7,
        tx_hash: alloy_primitives::B256::repeat_byte(9),
        index: 2,
    };
    let new = gloam_settlement::types::BlobRecord {
        versioned_hash: old.versioned_hash,
        blob: old.blob.clone(),
        commitment: old.commitment,
        proof: BlobProof::Blob(old.proof),
        block_number: 7,
        tx_hash: old.tx_hash,
        index: 2,
    };
    let old_bytes = alloy_rlp::encode(&old);
    assert_eq!(alloy_rlp::encode(&new), old_bytes);
    let back: gloam_settlement::types::BlobRecord = alloy_rlp::Decodable::decode(&mut old_bytes.as_slice()).unwrap();
    assert_eq!(back, new);
    let j = gloam_settlement::rpc::blob_json(&new);
    let mut keys: Vec<&str> = j.as_object().unwrap().keys().map(|k| k.as_str()).collect();
    keys.sort();
    assert_eq!(keys, ["blob", "blockNumber", "commitment", "index", "proof", "txHash", "versionedHash"]);
    assert_eq!(j["proof"], format!("{}", old.proof));
    assert_eq!(j["index"], "0x2");
}

/// Strict decoding of the 7594 network form: another wrapper version, a non-canonical version
/// byte, trailing bytes, or a truncated cell-proof list are typed decode errors.
#[test]
fn cell_proof_form_decoding_is_strict() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(dir.path());
    let (it, cp) = fixtures();
    let raw = encode_net(&blob_tx_7594(&dev_signer(3), CID, 0, BATCH_INBOX, &it[0..1], &cp[0..1]));
    // Offsets: 0x03 ‖ list header ‖ body list ‖ version ‖ blobs ‖ commitments ‖ cell proofs.
    let mut p = &raw[1..];
    let outer = alloy_rlp::Header::decode(&mut p).unwrap();
    let outer_hdr = raw.len() - 1 - p.len();
    let mut q = p;
    let body = alloy_rlp::Header::decode(&mut q).unwrap();
    let body_len = (p.len() - q.len()) + body.payload_length;
    let ver = 1 + outer_hdr + body_len;
    assert_eq!(raw[ver], 1, "wrapper version byte");
    let rewrap = |inner: &[u8]| {
        let mut v = vec![3u8];
        alloy_rlp::Header { list: true, payload_length: inner.len() }.encode(&mut v);
        v.extend_from_slice(inner);
        v
    };
    let payload = &raw[1 + outer_hdr..];
    assert_eq!(payload.len(), outer.payload_length);
    let malformed = |bytes: &[u8], what: &str| match s.submit_raw(bytes) {
        Err(SubmitError::Decode(DecodeError::Malformed(_))) => {}
        other => panic!("{what}: {other:?}"),
    };
    for v in [0u8, 2, 0x7f] {
        let mut bad = raw.clone();
        bad[ver] = if v == 0 { 0x80 } else { v };
        malformed(&bad, &format!("wrapper version {v}"));
    }
    // 0x81 0x01: the version 1 as a non-canonical one-byte string.
    let mut inner = payload[..body_len].to_vec();
    inner.extend_from_slice(&[0x81, 0x01]);
    inner.extend_from_slice(&payload[body_len + 1..]);
    malformed(&rewrap(&inner), "non-canonical version byte");
    // A trailing byte inside the list, and after it.
    let mut inner = payload.to_vec();
    inner.push(0x80);
    malformed(&rewrap(&inner), "extra list element");
    let mut bad = raw.clone();
    bad.push(0);
    malformed(&bad, "trailing byte");
    // The cell-proof list cut short inside the list encoding.
    malformed(&raw[..raw.len() - 10], "truncated");
    // The untouched bytes are accepted (so the refusals were about the edits).
    s.submit_raw(&raw).unwrap();
}
