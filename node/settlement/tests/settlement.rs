//! Ledger, fees, nonces, blob transactions, the KZG verification cache, system calls, forks on
//! unfinalized parents, finalization, restart, pruning vs archive, and bad input.

use std::sync::atomic::Ordering::Relaxed;
use std::sync::{Arc, OnceLock};

use alloy_consensus::{Transaction, TxEnvelope};
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{Address, TxKind, B256, U256};
use gloam_evm::testutil as evmt;
use gloam_evm::{dev_signer, genesis::DEV_BALANCE_WEI};
use gloam_settlement::error::*;
use gloam_settlement::params::*;
use gloam_settlement::testutil::*;
use gloam_settlement::types::{Block, NetTx};
use gloam_settlement::{Genesis, Settlement, SettlementConfig, SyncPolicy};

const CID: u64 = DEV_CHAIN_ID;

fn open(dir: &std::path::Path) -> Arc<Settlement> {
    Settlement::open(SettlementConfig::dev(dir), Genesis::dev()).expect("open")
}

fn open_with(dir: &std::path::Path, f: impl FnOnce(&mut SettlementConfig)) -> Arc<Settlement> {
    let mut c = SettlementConfig::dev(dir);
    f(&mut c);
    Settlement::open(c, Genesis::dev()).expect("open")
}

/// 16 distinct test blobs with commitments and proofs, computed once per test binary.
fn items() -> &'static [BlobItem] {
    static I: OnceLock<Vec<BlobItem>> = OnceLock::new();
    I.get_or_init(|| {
        let engine = Arc::new(gloam_engine::Engine::cpu_only());
        let kzg = gloam_kzg::KzgSettings::mainnet_with(
            engine,
            gloam_kzg::SetupOptions { commit_table: false, fk20_eager: false, verify: false },
        )
        .unwrap();
        blob_items(&kzg, (0..16).map(test_blob).collect())
    })
}

fn raw(tx: &TxEnvelope) -> Vec<u8> {
    tx.encoded_2718()
}

fn receipt_of(s: &Settlement, h: &B256) -> (bool, u64, Vec<alloy_primitives::Log>) {
    let (b, i) = s.transaction(h).unwrap().expect("mined");
    let r = &b.receipts[i];
    let prev = if i == 0 { 0 } else { b.receipts[i - 1].cumulative_gas_used() };
    (r.status(), r.cumulative_gas_used() - prev, r.logs().to_vec())
}

#[test]
fn transfers_fees_and_receipts() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(dir.path());
    let (a, b) = (dev_signer(1), dev_signer(2));
    let to = Address::repeat_byte(0x42);
    let proposer = Address::repeat_byte(0xcc);
    let base = s.next_base_fee();
    // Block 1's base fee follows EIP-1559 from the empty genesis (1 gwei → 0.875 gwei).
    assert_eq!(base, next_base_fee(INITIAL_BASE_FEE, 0, DEFAULT_GAS_LIMIT));
    assert_eq!(base, 875_000_000);
    let t1 = evmt::transfer(&a, CID, 0, to, U256::from(1_000u64));
    let t2 = evmt::legacy(&b, Some(CID), 0, TxKind::Call(to), U256::from(7u64), 21_000, 3_000_000_000);
    let h1 = s.submit_raw(&raw(&t1)).unwrap();
    let h2 = s.submit_raw(&raw(&t2)).unwrap();
    let (n, _) = s.produce_block(proposer).unwrap();
    assert_eq!(n, 1);
    assert_eq!(s.last_finalized_height(), 1);
    let l = s.ledger();
    assert_eq!(l.account(&to).balance, U256::from(1_007u64));
    // a: EIP-1559, tip 1 gwei → effective = base + 1 gwei.
    let eff1 = U256::from(base as u128 + evmt::TEST_TIP);
    assert_eq!(
        l.account(&a.address()).balance,
        U256::from(DEV_BALANCE_WEI) - U256::from(1_000u64) - eff1 * U256::from(21_000u64)
    );
    // b: legacy at 3 gwei.
    assert_eq!(
        l.account(&b.address()).balance,
        U256::from(DEV_BALANCE_WEI) - U256::from(7u64) - U256::from(3_000_000_000u64 * 21_000)
    );
    // proposer: tips only (base fee burned).
    let tips = U256::from(evmt::TEST_TIP * 21_000) + U256::from((3_000_000_000u64 - base) as u128 * 21_000);
    assert_eq!(l.account(&proposer).balance, tips);
    assert_eq!(l.account(&a.address()).nonce, 1);
    let (ok, gas, _) = receipt_of(&s, &h1);
    assert!(ok);
    assert_eq!(gas, 21_000);
    assert!(receipt_of(&s, &h2).0);
    // Header: gas used and the next base fee follow EIP-1559.
    let (_, hdr) = s.finalized_header();
    assert_eq!(hdr.gas_used, 42_000);
    assert_eq!(s.next_base_fee(), next_base_fee(base, 42_000, DEFAULT_GAS_LIMIT));
    assert!(s.next_base_fee() < base);
    // Calldata costs intrinsic gas: a transfer with data needs more than 21,000.
    let t3 = call(&a, CID, 1, to, U256::ZERO, vec![1, 2, 3, 0], 21_000);
    assert!(matches!(s.submit_raw(&raw(&t3)), Err(SubmitError::Invalid(TxInvalid::IntrinsicGas { .. }))));
    let t3 = call(&a, CID, 1, to, U256::ZERO, vec![1, 2, 3, 0], 30_000);
    let h3 = s.submit_raw(&raw(&t3)).unwrap();
    s.produce_block(proposer).unwrap();
    // Prague (EIP-7623): max(21000 + 3·16 + 4, 21000 + 10·(1 + 3·4)) = 21,130.
    // The floor (21,130) is above the standard cost (21,052), so the floor is charged.
    assert_eq!(receipt_of(&s, &h3).1, 21_000 + 10 * 13);
}

#[test]
fn nonces_pool_and_pending() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(dir.path());
    let a = dev_signer(3);
    let to = Address::repeat_byte(1);
    // A gap: nonce 1 waits for nonce 0.
    s.submit_raw(&raw(&evmt::transfer(&a, CID, 1, to, U256::from(1u64)))).unwrap();
    assert_eq!(s.nonce(&a.address(), true), 0);
    s.produce_block(Address::ZERO).unwrap();
    assert_eq!(s.ledger().account(&a.address()).nonce, 0, "a gapped transaction must not be included");
    s.submit_raw(&raw(&evmt::transfer(&a, CID, 0, to, U256::from(1u64)))).unwrap();
    assert_eq!(s.nonce(&a.address(), true), 2);
    assert_eq!(s.nonce(&a.address(), false), 0);
    s.produce_block(Address::ZERO).unwrap();
    assert_eq!(s.ledger().account(&a.address()).nonce, 2);
    assert_eq!(s.pool_len(), 0);
    // Nonce too low, already known, wrong chain id, creation, fee cap below base fee.
    let old = evmt::transfer(&a, CID, 1, to, U256::from(1u64));
    assert!(matches!(s.submit_raw(&raw(&old)), Err(SubmitError::Pool(gloam_evm::pool::PoolError::NonceTooLow { .. }))));
    let t = evmt::transfer(&a, CID, 2, to, U256::from(1u64));
    s.submit_raw(&raw(&t)).unwrap();
    assert!(matches!(s.submit_raw(&raw(&t)), Err(SubmitError::Pool(gloam_evm::pool::PoolError::AlreadyKnown))));
    let wrong = evmt::transfer(&a, 1337, 3, to, U256::from(1u64));
    assert!(matches!(s.submit_raw(&raw(&wrong)), Err(SubmitError::Invalid(TxInvalid::ChainId { .. }))));
    let create = evmt::eip1559(&a, CID, 3, TxKind::Create, U256::ZERO, Default::default(), 100_000);
    assert!(matches!(s.submit_raw(&raw(&create)), Err(SubmitError::Invalid(TxInvalid::Create))));
    let cheap = evmt::legacy(&a, Some(CID), 3, TxKind::Call(to), U256::ZERO, 21_000, 1);
    assert!(matches!(s.submit_raw(&raw(&cheap)), Err(SubmitError::Invalid(TxInvalid::FeeCapTooLow { .. }))));
    // A value near 2^256 must not wrap the up-front cost into something affordable.
    let huge = evmt::transfer(&a, CID, 3, to, U256::MAX - U256::from(1_000u64));
    assert!(matches!(s.submit_raw(&raw(&huge)), Err(SubmitError::Invalid(TxInvalid::InsufficientFunds { .. }))));
    // Insufficient funds.
    let poor = gloam_evm::testutil::test_signer(77);
    let t = evmt::transfer(&poor, CID, 0, to, U256::from(1u64));
    assert!(matches!(s.submit_raw(&raw(&t)), Err(SubmitError::Invalid(TxInvalid::InsufficientFunds { .. }))));
}

#[test]
fn blob_transactions_fees_storage_and_cache() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(dir.path());
    let it = items();
    let (a, b, c) = (dev_signer(4), dev_signer(5), dev_signer(6));
    let txs = [
        blob_tx(&a, CID, 0, BATCH_INBOX, &it[0..1]),
        blob_tx(&b, CID, 0, BATCH_INBOX, &it[1..3]),
        blob_tx(&c, CID, 0, Address::repeat_byte(9), &it[3..6]),
    ];
    let raws: Vec<Vec<u8>> = txs.iter().map(encode_net).collect();
    let before = s.verifier().stats.snapshot();
    let res = s.submit_raw_batch(&raws);
    assert!(res.iter().all(|r| r.is_ok()), "{res:?}");
    let after_pool = s.verifier().stats.snapshot();
    assert_eq!(after_pool.0 - before.0, 1, "one batched KZG call for the whole submission");
    assert_eq!(after_pool.1 - before.1, 6, "six blobs verified");
    // Block building (the proposer keeps its executed block): no KZG call at all.
    let blob_fee = s.next_blob_base_fee();
    let base = s.next_base_fee() as u128;
    let (n, enc1) = produce(&s);
    let after_block = s.verifier().stats.snapshot();
    assert_eq!(after_block.0, after_pool.0, "block building re-verified pooled blobs");
    assert_eq!(after_block.1, after_pool.1);
    let (_, hdr) = s.finalized_header();
    assert_eq!(hdr.blob_gas_used, 6 * GAS_PER_BLOB);
    // Fees: gas at the effective price plus blob gas at the blob base fee.
    let want = U256::from(DEV_BALANCE_WEI)
        - U256::from((base + TEST_TIP) * 21_000)
        - U256::from(GAS_PER_BLOB as u128 * blob_fee);
    assert_eq!(s.ledger().account(&a.address()).balance, want);
    // Sidecars stored by versioned hash and by height, in block order.
    for (i, item) in it[..6].iter().enumerate() {
        let r = s.blob(&item.versioned_hash).unwrap().expect("stored");
        assert_eq!(&r.blob[..], &item.blob.as_bytes()[..], "blob {i}");
        assert_eq!(r.commitment.0, item.commitment);
        assert_eq!(r.block_number, n);
    }
    let at = s.blobs_at(n).unwrap();
    assert_eq!(
        at.iter().map(|r| r.versioned_hash).collect::<Vec<_>>(),
        it[..6].iter().map(|i| i.versioned_hash).collect::<Vec<_>>()
    );
    // Stored blocks carry no sidecars: the canonical tx is the type-3 body only.
    let fb = s.block_by_number(n).unwrap().unwrap();
    assert_eq!(fb.block.txs.len(), 3);
    assert!(fb.size < 10_000, "stored block holds sidecars: {} bytes", fb.size);

    // A block from another node: a fresh verifier checks ALL its blobs in ONE call; a second
    // verification of the same blobs by that node costs nothing.
    let d2 = tempfile::tempdir().unwrap();
    let s2 = open(d2.path());
    let d3 = tempfile::tempdir().unwrap();
    let s3 = open(d3.path());
    s3.submit_raw_batch(&raws);
    // A validator that pooled the same transactions validates the proposer's block from its
    // cache: six hits, no KZG call.
    let v0 = s3.verifier().stats.snapshot();
    s3.verify_block(&enc1).unwrap();
    let v1 = s3.verifier().stats.snapshot();
    assert_eq!(v1.0, v0.0, "block validation re-verified cached blobs");
    assert_eq!(v1.2 - v0.2, 6, "six cache hits");
    let (_, gh) = s3.finalized_header();
    let enc = s3.build_block(s3.genesis_hash(), gh.timestamp_ms + 1000, Address::ZERO).unwrap();
    let h = s2.verify_block(&enc).unwrap();
    assert_eq!(s2.verifier().stats.snapshot().0, 1);
    assert_eq!(s2.verifier().stats.snapshot().1, 6);
    s2.finalize(h, b"cert").unwrap();
    assert_eq!(s2.certificate(1).unwrap().unwrap(), b"cert");

    // The same for EIP-7594 (cell-proof) sidecars, as eth-account 0.14 / web3.py 8 send them,
    // mixed with an EIP-4844 one: at pool entry one batched call per proof form (the 7594 blobs
    // in ONE verify_cell_kzg_proof_batch), at block validation none.
    let cp: Vec<_> = it[6..9].iter().map(|i| c_kzg_cell_proofs(i.blob.as_bytes())).collect();
    let txs = [
        blob_tx_7594(&a, CID, 1, BATCH_INBOX, &it[6..7], &cp[0..1]),
        blob_tx_7594(&b, CID, 1, BATCH_INBOX, &it[7..9], &cp[1..3]),
        blob_tx(&c, CID, 1, BATCH_INBOX, &it[9..10]),
    ];
    let raws: Vec<Vec<u8>> = txs.iter().map(encode_net).collect();
    let cells = |s: &Settlement| {
        let st = &s.verifier().stats;
        (st.cell_batch_calls.load(Relaxed), st.cells_verified.load(Relaxed))
    };
    let before = s.verifier().stats.snapshot();
    let res = s.submit_raw_batch(&raws);
    assert!(res.iter().all(|r| r.is_ok()), "{res:?}");
    let after_pool = s.verifier().stats.snapshot();
    assert_eq!(
        after_pool.0 - before.0,
        2,
        "one call per form: verify_blob_kzg_proof_batch + verify_cell_kzg_proof_batch"
    );
    assert_eq!(after_pool.1 - before.1, 4, "four blobs verified");
    assert_eq!(cells(&s), (1, 3 * 128), "ONE cell batch over the three 7594 blobs' 384 cells");
    let (n, enc2) = produce(&s);
    let after_block = s.verifier().stats.snapshot();
    assert_eq!(after_block.0, after_pool.0, "block building re-verified pooled 7594 blobs");
    assert_eq!(cells(&s), (1, 3 * 128));
    assert_eq!(s.blobs_at(n).unwrap().len(), 4);
    // A fresh node verifies both blocks: block 1 (4844 only) in one call, the mixed block 2
    // in one call per form (one cell batch over 384 cells), and a known block costs nothing.
    let d4 = tempfile::tempdir().unwrap();
    let s4 = open(d4.path());
    let h1 = s4.verify_block(&enc1).unwrap();
    s4.finalize(h1, b"c").unwrap();
    let before4 = s4.verifier().stats.snapshot();
    assert_eq!(before4.0, 1);
    let h2 = s4.verify_block(&enc2).unwrap();
    let after4 = s4.verifier().stats.snapshot();
    assert_eq!(after4.0 - before4.0, 2, "mixed block: one call per proof form");
    assert_eq!(after4.1 - before4.1, 4);
    assert_eq!(cells(&s4), (1, 3 * 128));
    assert_eq!(s4.verify_block(&enc2).unwrap(), h2);
    assert_eq!(s4.verifier().stats.snapshot(), after4, "known block: no work");
    s4.finalize(h2, b"c").unwrap();
    assert_eq!(s4.blobs_at(2).unwrap().len(), 4);
}

/// Builds, verifies and finalizes one block on the head; returns its height and network form.
fn produce(s: &Settlement) -> (u64, Vec<u8>) {
    let (parent, ph) = s.finalized_header();
    let enc = s.build_block(parent, ph.timestamp_ms + 1000, Address::ZERO).unwrap();
    let h = s.verify_block(&enc).unwrap();
    s.finalize(h, b"dev").unwrap();
    (ph.number + 1, enc)
}

/// The 128 cell proofs of a blob from c-kzg (independent of gloam-kzg).
fn c_kzg_cell_proofs(blob: &[u8]) -> Vec<alloy_primitives::FixedBytes<48>> {
    let b = c_kzg::Blob::from_bytes(blob).unwrap();
    let (_, proofs) = c_kzg::ethereum_kzg_settings(0).compute_cells_and_kzg_proofs(&b).unwrap();
    proofs.iter().map(|p| alloy_primitives::FixedBytes::<48>::from(p.to_bytes().into_inner())).collect()
}

#[test]
fn bad_sidecars_and_blob_limits() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(dir.path());
    let it = items();
    let a = dev_signer(7);
    // Invalid proof: proofs swapped between two blobs.
    let mut sc = sidecar(&it[0..2]);
    sc.proofs.swap(0, 1);
    let bad = sign_blob_tx(&a, blob_tx_body(CID, 0, BATCH_INBOX, &it[0..2]), sc);
    match s.submit_raw(&encode_net(&bad)) {
        Err(SubmitError::Invalid(TxInvalid::Blob(BlobError::InvalidProof { tx }))) => assert_eq!(tx, *bad.tx_hash()),
        other => panic!("{other:?}"),
    }
    // Signed versioned hash does not match the commitment.
    let mut body = blob_tx_body(CID, 0, BATCH_INBOX, &it[0..1]);
    body.blob_versioned_hashes[0] = it[1].versioned_hash;
    let bad = sign_blob_tx(&a, body, sidecar(&it[0..1]));
    assert!(matches!(
        s.submit_raw(&encode_net(&bad)),
        Err(SubmitError::Invalid(TxInvalid::Blob(BlobError::HashMismatch { .. })))
    ));
    // Wrong version byte.
    let mut body = blob_tx_body(CID, 0, BATCH_INBOX, &it[0..1]);
    body.blob_versioned_hashes[0].0[0] = 2;
    let bad = sign_blob_tx(&a, body, sidecar(&it[0..1]));
    assert!(matches!(
        s.submit_raw(&encode_net(&bad)),
        Err(SubmitError::Invalid(TxInvalid::Blob(BlobError::BadVersion { .. })))
    ));
    // Count mismatch: 2 hashes, 1 blob.
    let bad = sign_blob_tx(&a, blob_tx_body(CID, 0, BATCH_INBOX, &it[0..2]), sidecar(&it[0..1]));
    assert!(matches!(
        s.submit_raw(&encode_net(&bad)),
        Err(SubmitError::Invalid(TxInvalid::Blob(BlobError::CountMismatch { .. })))
    ));
    // Too many blobs in one transaction (7 > 6).
    let bad = blob_tx(&a, CID, 0, BATCH_INBOX, &it[0..7]);
    assert!(matches!(
        s.submit_raw(&encode_net(&bad)),
        Err(SubmitError::Invalid(TxInvalid::Blob(BlobError::TooManyBlobsInTx { got: 7, .. })))
    ));
    // Type 3 without its sidecar (the canonical form).
    let good = blob_tx(&a, CID, 0, BATCH_INBOX, &it[0..1]);
    let canon = gloam_settlement::types::canonical(&good);
    assert!(matches!(s.submit_raw(&canon.encoded_2718()), Err(SubmitError::Decode(DecodeError::MissingSidecar))));
    // Malformed bytes.
    assert!(matches!(s.submit_raw(&[3, 0xc1, 0x80]), Err(SubmitError::Decode(DecodeError::Malformed(_)))));
    assert!(matches!(s.submit_raw(&[]), Err(SubmitError::Decode(_))));
    // Blob fee cap under the blob base fee is refused; nothing above entered the pool.
    let mut body = blob_tx_body(CID, 0, BATCH_INBOX, &it[0..1]);
    body.max_fee_per_blob_gas = 0;
    let bad = sign_blob_tx(&a, body, sidecar(&it[0..1]));
    assert!(matches!(s.submit_raw(&encode_net(&bad)), Err(SubmitError::Invalid(TxInvalid::BlobFeeCapTooLow { .. }))));
    assert_eq!(s.pool_len(), 0);

    // The pool's blob budget.
    let d2 = tempfile::tempdir().unwrap();
    let small = open_with(d2.path(), |c| c.max_pooled_blobs = 7);
    small.submit_raw(&encode_net(&blob_tx(&a, CID, 0, BATCH_INBOX, &it[0..6]))).unwrap();
    let over = blob_tx(&dev_signer(8), CID, 0, BATCH_INBOX, &it[6..8]);
    assert!(matches!(small.submit_raw(&encode_net(&over)), Err(SubmitError::BlobPoolFull { limit: 7 })));
    assert_eq!(small.pool_len(), 1);

    // Block limit: 12 blobs offered in two 6-blob transactions; a block takes one (≤ 9).
    let b = dev_signer(8);
    s.submit_raw(&encode_net(&blob_tx(&a, CID, 0, BATCH_INBOX, &it[0..6]))).unwrap();
    s.submit_raw(&encode_net(&blob_tx(&b, CID, 0, BATCH_INBOX, &it[6..12]))).unwrap();
    s.produce_block(Address::ZERO).unwrap();
    assert_eq!(s.finalized_header().1.blob_gas_used, 6 * GAS_PER_BLOB);
    s.produce_block(Address::ZERO).unwrap();
    assert_eq!(s.finalized_header().1.blob_gas_used, 6 * GAS_PER_BLOB);
    // Excess blob gas: 6 = target, so it stays 0.
    assert_eq!(s.finalized_header().1.excess_blob_gas, 0);
}

/// Hand-made blocks a proposer could send: too many blobs, a bad sidecar, a wrong state root.
#[test]
fn invalid_blocks_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(dir.path());
    let it = items();
    let (gh, g) = s.finalized_header();
    // A valid 2-tx block from another node, then tampered.
    let d2 = tempfile::tempdir().unwrap();
    let s2 = open(d2.path());
    s2.submit_raw(&encode_net(&blob_tx(&dev_signer(1), CID, 0, BATCH_INBOX, &it[0..6]))).unwrap();
    s2.submit_raw(&encode_net(&blob_tx(&dev_signer(2), CID, 0, BATCH_INBOX, &it[6..9]))).unwrap();
    let enc = s2.build_block(gh, g.timestamp_ms + 1, Address::ZERO).unwrap();
    let block = Block::decode(&enc).unwrap();
    assert_eq!(block.txs.len(), 2);
    let check_nothing = |s: &Settlement| {
        assert_eq!(s.last_finalized_height(), 0);
        assert!(s.pending_blocks().is_empty());
    };
    // Wrong state root.
    let mut b = block.clone();
    b.header.state_root = B256::repeat_byte(1);
    assert!(matches!(
        s.verify_block(&b.encode()),
        Err(SettlementError::Block(BlockError::Header { field: "state_root", .. }))
    ));
    check_nothing(&s);
    // A swapped proof in the second transaction's sidecar: the block's KZG batch fails.
    let mut b = block.clone();
    if let NetTx::Eip4844(t) = &mut b.txs[1] {
        let (tx, sig, hash) = t.clone().into_parts();
        let mut w = tx;
        match &mut w.sidecar {
            gloam_settlement::types::Sidecar::Eip4844(sc) => sc.proofs.swap(0, 1),
            other => panic!("built block holds the 4844 form it was given: {other:?}"),
        }
        *t = alloy_consensus::Signed::new_unchecked(w, sig, hash);
    }
    match s.verify_block(&b.encode()) {
        Err(SettlementError::Block(BlockError::Blob(BlobError::InvalidProof { tx }))) => {
            assert_eq!(tx, *b.txs[1].tx_hash())
        }
        other => panic!("{other:?}"),
    }
    check_nothing(&s);
    // Ten blobs (6 + 4): over the per-block limit of 9.
    let d3 = tempfile::tempdir().unwrap();
    let s3 = open_with(d3.path(), |c| c.max_blobs_per_block = 9);
    let mut b = block.clone();
    b.txs[1] = blob_tx(&dev_signer(2), CID, 0, BATCH_INBOX, &it[6..10]);
    assert!(matches!(
        s3.verify_block(&b.encode()),
        Err(SettlementError::Block(BlockError::Blob(BlobError::TooManyBlobsInBlock { got: 10, .. })))
    ));
    // Malformed and unknown-parent blocks.
    assert!(matches!(s.verify_block(&enc[..enc.len() - 1]), Err(SettlementError::Block(BlockError::Decode(_)))));
    let mut b = block.clone();
    b.header.parent_hash = B256::repeat_byte(7);
    assert!(matches!(s.verify_block(&b.encode()), Err(SettlementError::Block(BlockError::UnknownParent(_)))));
    // Wrong base fee.
    let mut b = block.clone();
    b.header.base_fee += 1;
    assert!(matches!(
        s.verify_block(&b.encode()),
        Err(SettlementError::Block(BlockError::Header { field: "base_fee", .. }))
    ));
    check_nothing(&s);
    // The untouched block verifies (so the refusals above were about the tampering).
    let h = s.verify_block(&enc).unwrap();
    s.finalize(h, b"c").unwrap();
    assert_eq!(s.last_finalized_height(), 1);
    // Finalizing again is a no-op; an unknown hash is an error.
    s.finalize(h, b"c").unwrap();
    assert!(matches!(s.finalize(B256::repeat_byte(3), b"c"), Err(SettlementError::UnknownBlock(_))));
}

#[test]
fn system_calls() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(dir.path());
    let v = dev_signer(0); // genesis validator
    let outsider = dev_signer(9);
    let root = output_root_of(1);
    let stake_amt = U256::from(5u64) * U256::from(10u64).pow(U256::from(18u64));
    let txs = [
        call(&outsider, CID, 0, STAKING, stake_amt, stake_input(), 100_000),
        call(&v, CID, 0, OUTPUT_ORACLE, U256::ZERO, propose_output_input(EVM_ENV_ID, 10, root), 100_000),
    ];
    let hs: Vec<B256> = txs.iter().map(|t| s.submit_raw(&raw(t)).unwrap()).collect();
    s.produce_block(Address::ZERO).unwrap();
    let (ok, gas, logs) = receipt_of(&s, &hs[0]);
    assert!(ok);
    assert_eq!(gas, gloam_settlement::exec::intrinsic_gas(&txs[0]) + STAKE_GAS);
    assert_eq!(logs.len(), 1);
    assert_eq!(logs[0].address, STAKING);
    assert_eq!(logs[0].topics()[0], alloy_primitives::keccak256(EV_STAKED));
    assert_eq!(s.ledger().stake(&outsider.address()), stake_amt);
    let out = s.output(EVM_ENV_ID, 10).expect("output recorded");
    assert_eq!(out.output_root, root);
    assert_eq!(out.submitter, v.address());
    assert_eq!(out.tx_hash, hs[1]);
    assert!(receipt_of(&s, &hs[1]).0);

    // Failures: duplicate output, non-validator proposer, unstake too much, bad args, value to a
    // non-payable call, dispute with the wrong posted root, dispute with no disagreement.
    let stranger = gloam_evm::testutil::test_signer(5);
    let fund = evmt::transfer(&dev_signer(8), CID, 0, stranger.address(), U256::from(10u64).pow(U256::from(18u64)));
    s.submit_raw(&raw(&fund)).unwrap();
    s.produce_block(Address::ZERO).unwrap();
    let bal_before = s.ledger().account(&outsider.address()).balance;
    let fails = [
        call(&v, CID, 1, OUTPUT_ORACLE, U256::ZERO, propose_output_input(EVM_ENV_ID, 10, root), 100_000),
        call(&stranger, CID, 0, OUTPUT_ORACLE, U256::ZERO, propose_output_input(EVM_ENV_ID, 11, root), 100_000),
        call(&outsider, CID, 1, STAKING, U256::ZERO, unstake_input(stake_amt + U256::from(1u8)), 100_000),
        call(&outsider, CID, 2, STAKING, U256::from(5u8), unstake_input(U256::from(1u8)), 100_000),
        call(
            &outsider,
            CID,
            3,
            DISPUTES,
            U256::ZERO,
            dispute_input(EVM_ENV_ID, 10, B256::repeat_byte(1), B256::repeat_byte(2)),
            100_000,
        ),
        call(&outsider, CID, 4, DISPUTES, U256::ZERO, dispute_input(EVM_ENV_ID, 10, root, root), 100_000),
        call(&outsider, CID, 5, OUTPUT_ORACLE, U256::ZERO, vec![1, 2, 3, 4, 5], 100_000),
        call(&outsider, CID, 6, STAKING, U256::ZERO, stake_input(), 21_200),
    ];
    let hs: Vec<B256> = fails.iter().map(|t| s.submit_raw(&raw(t)).unwrap()).collect();
    s.produce_block(Address::ZERO).unwrap();
    for (i, h) in hs.iter().enumerate() {
        let (ok, gas, logs) = receipt_of(&s, h);
        assert!(!ok, "failure case {i} succeeded");
        assert!(logs.is_empty());
        assert!(gas >= 21_000);
    }
    // Out of gas consumes the whole limit.
    assert_eq!(receipt_of(&s, &hs[7]).1, 21_200);
    assert_eq!(s.output(EVM_ENV_ID, 11), None);
    assert_eq!(s.ledger().stake(&outsider.address()), stake_amt);
    // The failed calls moved no value (the payable-refusal kept its 5 wei): only gas was paid.
    let gas_paid: u64 = hs[2..].iter().map(|h| receipt_of(&s, h).1).sum();
    let price = U256::from(s.block_by_number(3).unwrap().unwrap().block.header.base_fee as u128 + TEST_TIP);
    assert_eq!(s.ledger().account(&outsider.address()).balance, bal_before - price * U256::from(gas_paid));

    // Successful dispute and unstake.
    let computed = B256::repeat_byte(0xee);
    let ok_txs = [
        call(&outsider, CID, 7, DISPUTES, U256::ZERO, dispute_input(EVM_ENV_ID, 10, root, computed), 100_000),
        call(&outsider, CID, 8, STAKING, U256::ZERO, unstake_input(stake_amt), 100_000),
    ];
    let hs: Vec<B256> = ok_txs.iter().map(|t| s.submit_raw(&raw(t)).unwrap()).collect();
    s.produce_block(Address::ZERO).unwrap();
    assert!(receipt_of(&s, &hs[0]).0 && receipt_of(&s, &hs[1]).0);
    let d = s.disputes();
    assert_eq!(d.len(), 1);
    assert_eq!(
        (d[0].env_id, d[0].l2_block_number, d[0].posted_root, d[0].computed_root),
        (EVM_ENV_ID, 10, root, computed)
    );
    assert_eq!(d[0].submitter, outsider.address());
    assert_eq!(s.ledger().stake(&outsider.address()), U256::ZERO);
    assert_eq!(s.validators().len(), 4);
}

fn output_root_of(i: u8) -> B256 {
    gloam_settlement::output_root(B256::repeat_byte(i), B256::repeat_byte(i + 1))
}

#[test]
fn output_root_shape() {
    // keccak256(32 zero bytes ‖ stateRoot ‖ blockHash), computed independently with sha3.
    use sha3::{Digest, Keccak256};
    let (sr, bh) = (B256::repeat_byte(0x11), B256::repeat_byte(0x22));
    let mut h = Keccak256::new();
    h.update([0u8; 32]);
    h.update(sr);
    h.update(bh);
    assert_eq!(gloam_settlement::output_root(sr, bh).0, <[u8; 32]>::from(h.finalize()));
}

#[test]
fn forks_on_unfinalized_parents() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(dir.path());
    let (g, gh) = s.finalized_header();
    let a = dev_signer(1);
    s.submit_raw(&raw(&evmt::transfer(&a, CID, 0, Address::repeat_byte(1), U256::from(5u64)))).unwrap();
    // Two competing blocks at height 1 (different proposers / timestamps).
    let a1 = s.build_block(g, gh.timestamp_ms + 10, Address::repeat_byte(0xa1)).unwrap();
    let b1 = s.build_block(g, gh.timestamp_ms + 20, Address::repeat_byte(0xb1)).unwrap();
    let ha1 = s.verify_block(&a1).unwrap();
    let hb1 = s.verify_block(&b1).unwrap();
    assert_eq!(Settlement::block_hash_of(&a1).unwrap(), ha1);
    assert_eq!(s.encoded_pending_block(&hb1).unwrap(), b1);
    assert_ne!(ha1, hb1);
    // Building on an unfinalized parent: the nonce is already used there, so the pool's next
    // transaction (nonce 1) is valid on a1 but not on the finalized head.
    s.submit_raw(&raw(&evmt::transfer(&a, CID, 1, Address::repeat_byte(2), U256::from(6u64)))).unwrap();
    let a2 = s.build_block(ha1, gh.timestamp_ms + 30, Address::repeat_byte(0xa1)).unwrap();
    assert_eq!(Block::decode(&a2).unwrap().txs.len(), 1);
    let ha2 = s.verify_block(&a2).unwrap();
    let b2 = s.build_block(hb1, gh.timestamp_ms + 40, Address::repeat_byte(0xb1)).unwrap();
    let hb2 = s.verify_block(&b2).unwrap();
    assert_eq!(s.pending_blocks().len(), 4);
    assert_eq!(s.last_finalized_height(), 0);
    // Finalizing a2 finalizes a1 too and drops the b branch.
    s.finalize(ha2, b"cert-a2").unwrap();
    assert_eq!(s.last_finalized_height(), 2);
    assert_eq!(s.block_by_number(1).unwrap().unwrap().hash, ha1);
    assert!(s.pending_blocks().is_empty());
    assert!(s.block_by_hash(&hb1).unwrap().is_none());
    assert!(matches!(s.finalize(hb2, b"x"), Err(SettlementError::UnknownBlock(_))));
    // A block on the dead branch's parent (genesis, now below the head) is refused.
    assert!(matches!(s.verify_block(&b1), Err(SettlementError::Block(BlockError::BelowFinalized { .. }))));
    assert_eq!(s.ledger().account(&Address::repeat_byte(2)).balance, U256::from(6u64));
    assert_eq!(s.ledger().account(&a.address()).nonce, 2);
}

#[test]
fn restart_resumes_and_checks_state_root() {
    let dir = tempfile::tempdir().unwrap();
    let it = items();
    let (hash, root, vh) = {
        let s = open(dir.path());
        s.submit_raw(&raw(&evmt::transfer(&dev_signer(1), CID, 0, Address::repeat_byte(1), U256::from(5u64)))).unwrap();
        s.submit_raw(&encode_net(&blob_tx(&dev_signer(2), CID, 0, BATCH_INBOX, &it[0..1]))).unwrap();
        let stake = call(&dev_signer(3), CID, 0, STAKING, U256::from(99u64), stake_input(), 100_000);
        s.submit_raw(&raw(&stake)).unwrap();
        s.produce_block(Address::ZERO).unwrap();
        let prop = call(
            &dev_signer(0),
            CID,
            0,
            OUTPUT_ORACLE,
            U256::ZERO,
            propose_output_input(1, 1, B256::repeat_byte(4)),
            100_000,
        );
        s.submit_raw(&raw(&prop)).unwrap();
        s.produce_block(Address::ZERO).unwrap();
        let (h, hdr) = s.finalized_header();
        (h, hdr.state_root, it[0].versioned_hash)
    };
    {
        let s = open(dir.path());
        assert_eq!(s.last_finalized_height(), 2);
        assert_eq!(s.heads().finalized.1, hash);
        assert_eq!(s.ledger().root(), root);
        assert_eq!(s.ledger().account(&Address::repeat_byte(1)).balance, U256::from(5u64));
        assert!(s.output(1, 1).is_some());
        assert!(s.blob(&vh).unwrap().is_some());
        // The chain goes on.
        s.submit_raw(&raw(&evmt::transfer(&dev_signer(1), CID, 1, Address::repeat_byte(1), U256::from(5u64)))).unwrap();
        s.produce_block(Address::ZERO).unwrap();
        assert_eq!(s.ledger().account(&Address::repeat_byte(1)).balance, U256::from(10u64));
    }
    // A corrupted state table is caught against the header's state root.
    {
        let db = redb::Database::create(dir.path().join("settlement.redb")).unwrap();
        let w = db.begin_write().unwrap();
        {
            let mut t = w.open_table(redb::TableDefinition::<[u8; 20], &[u8]>::new("accounts")).unwrap();
            let acc = gloam_settlement::state::Account { nonce: 0, balance: U256::from(1u8) };
            t.insert(Address::repeat_byte(0x77).0 .0, alloy_rlp::encode(acc).as_slice()).unwrap();
        }
        w.commit().unwrap();
    }
    match Settlement::open(SettlementConfig::dev(dir.path()), Genesis::dev()) {
        Err(SettlementError::StateRootMismatch { height: 3, .. }) => {}
        other => panic!("{other:?}"),
    }
    // Another genesis on the same directory is refused.
    let mut g = Genesis::dev();
    g.timestamp_ms = 5;
    assert!(matches!(
        Settlement::open(SettlementConfig::dev(dir.path()), g),
        Err(SettlementError::GenesisMismatch { .. })
    ));
}

#[test]
fn sidecar_pruning_vs_archive() {
    let it = items();
    for archive in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let s = open_with(dir.path(), |c| {
            c.retention_blocks = 2;
            c.archive = archive;
        });
        let a = dev_signer(1);
        for i in 0..5u64 {
            s.submit_raw(&encode_net(&blob_tx(&a, CID, i, BATCH_INBOX, &it[i as usize..i as usize + 1]))).unwrap();
            s.produce_block(Address::ZERO).unwrap();
        }
        let heights = s.sidecar_heights().unwrap();
        if archive {
            assert_eq!(heights, vec![1, 2, 3, 4, 5]);
            assert!(s.blob(&it[0].versioned_hash).unwrap().is_some());
        } else {
            assert_eq!(heights, vec![4, 5], "retention 2 keeps the last two heights");
            assert!(s.blob(&it[0].versioned_hash).unwrap().is_none());
            assert!(s.blobs_at(1).unwrap().is_empty());
            assert_eq!(s.blobs_at(5).unwrap().len(), 1);
            // The block itself (with the signed versioned hash) stays.
            let b = s.block_by_number(1).unwrap().unwrap();
            assert_eq!(b.block.txs[0].blob_versioned_hashes().unwrap(), &[it[0].versioned_hash]);
        }
    }
}

#[test]
fn dev_producer_makes_blocks_on_arrival() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(dir.path());
    let p = gloam_settlement::DevProducer::start(s.clone(), std::time::Duration::from_secs(3600), Address::ZERO, false);
    let h =
        s.submit_raw(&raw(&evmt::transfer(&dev_signer(1), CID, 0, Address::repeat_byte(1), U256::from(5u64)))).unwrap();
    let t = std::time::Instant::now();
    while s.transaction(&h).unwrap().is_none() {
        assert!(t.elapsed().as_secs() < 20, "dev producer did not include the transaction");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert!(p.produced() >= 1);
    p.stop();
}

/// Pooled transactions (a transfer, a 4844 blob tx, a 7594 blob tx) survive a restart through
/// the pool journal and are re-verified in one KZG batch; once mined they are not restored; a
/// torn journal tail is ignored; compaction keeps the journal bounded.
#[test]
fn pool_survives_restart_through_the_journal() {
    let dir = tempfile::tempdir().unwrap();
    let it = items();
    let (t, b, c) = {
        let s = open(dir.path());
        let t = s.submit_raw(&raw(&evmt::transfer(&dev_signer(1), CID, 0, Address::repeat_byte(1), U256::from(5u64))));
        let b = s.submit_raw(&encode_net(&blob_tx(&dev_signer(2), CID, 0, BATCH_INBOX, &it[0..2])));
        let proofs = cell_proofs(s.verifier().kzg().unwrap(), &it[2..3]);
        let c = s.submit_raw(&encode_net(&blob_tx_7594(&dev_signer(3), CID, 0, BATCH_INBOX, &it[2..3], &proofs)));
        // Refused transactions are not journaled.
        assert!(s.submit_raw(&[0x03, 0xc0]).is_err());
        assert_eq!(s.pool_len(), 3);
        assert_eq!(s.journal_records(), 3);
        (t.unwrap(), b.unwrap(), c.unwrap())
    };
    // A crash mid-append leaves a torn record at the end.
    {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new().append(true).open(dir.path().join("pool.journal")).unwrap();
        f.write_all(&1000u32.to_le_bytes()).unwrap();
        f.write_all(&[0xab; 10]).unwrap();
    }
    {
        let s = open(dir.path());
        assert_eq!(s.pool_len(), 3, "restored from the journal");
        for h in [&t, &b, &c] {
            assert!(s.pooled(h).is_some(), "{h} restored");
        }
        let st = &s.verifier().stats;
        assert_eq!(st.batch_calls.load(Relaxed), 2, "one 4844 batch and one cell batch for the restore");
        assert_eq!(s.journal_records(), 3, "rewritten with the survivors only");
        s.produce_block(Address::ZERO).unwrap();
        assert_eq!(s.pool_len(), 0);
        assert!(s.transaction(&b).unwrap().is_some());
        assert!(s.blob(&it[2].versioned_hash).unwrap().is_some());
    }
    {
        let s = open(dir.path());
        assert_eq!(s.pool_len(), 0, "mined transactions are not restored");
        assert_eq!(s.journal_records(), 0);
        // Compaction: past the threshold, a finalization rewrites the journal with the pool.
        for n in 0..(gloam_settlement::chain::JOURNAL_COMPACT_MIN as u64 + 1) {
            s.submit_raw(&raw(&evmt::transfer(&dev_signer(4), CID, n, Address::repeat_byte(2), U256::from(1u64))))
                .unwrap();
        }
        assert_eq!(s.journal_records(), gloam_settlement::chain::JOURNAL_COMPACT_MIN + 1);
        while s.pool_len() > 0 {
            s.produce_block(Address::ZERO).unwrap();
        }
        assert!(s.journal_records() <= gloam_settlement::chain::JOURNAL_COMPACT_MIN, "compacted");
    }
}

/// While finality stalls, unfinalized blocks are bounded: past `max_pending_blocks`, building
/// and verifying fail with a typed error (known blocks still answer); a finalization makes room.
#[test]
fn unfinalized_blocks_are_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let s = open_with(dir.path(), |c| c.max_pending_blocks = 2);
    let (g, gh) = s.finalized_header();
    let a = s.build_block(g, gh.timestamp_ms + 10, Address::repeat_byte(0xa1)).unwrap();
    let b = s.build_block(g, gh.timestamp_ms + 20, Address::repeat_byte(0xb1)).unwrap();
    assert_eq!(s.pending_blocks().len(), 2);
    assert!(matches!(
        s.build_block(g, gh.timestamp_ms + 30, Address::repeat_byte(0xc1)),
        Err(SettlementError::TooManyPending { limit: 2 })
    ));
    // A block from another node, not known here, is refused too; known ones still verify.
    let d2 = tempfile::tempdir().unwrap();
    let other = open(d2.path());
    let c = other.build_block(g, gh.timestamp_ms + 40, Address::repeat_byte(0xd1)).unwrap();
    assert!(matches!(s.verify_block(&c), Err(SettlementError::TooManyPending { limit: 2 })));
    let ha = s.verify_block(&a).unwrap();
    assert_eq!(s.verify_block(&b).unwrap(), Settlement::block_hash_of(&b).unwrap());
    assert_eq!(s.pending_blocks().len(), 2, "refusals kept nothing");
    // Finalizing a drops the competing b: room again.
    s.finalize(ha, b"cert").unwrap();
    assert!(s.pending_blocks().is_empty());
    let (h1, hh) = s.finalized_header();
    s.build_block(h1, hh.timestamp_ms + 10, Address::ZERO).unwrap();
}

/// Committees per epoch from registered stake: registration rules, the snapshot at the last
/// block of each epoch (min stake, unstaking), a second node re-deriving the same state roots
/// through `verify_block`, and persistence across a restart.
#[test]
fn committees_from_registered_stake() {
    const L: u64 = 4;
    let eth = |x: u64| U256::from(x) * U256::from(10u64).pow(U256::from(18u64));
    let genesis = || {
        let mut g = Genesis::dev();
        g.registrations = vec![(dev_signer(0).address(), fake_keys(10)), (dev_signer(1).address(), fake_keys(11))];
        g
    };
    let cfg = |d: &std::path::Path| {
        let mut c = SettlementConfig::dev(d);
        c.epoch_length = L;
        c
    };
    let dir = tempfile::tempdir().unwrap();
    let peer_dir = tempfile::tempdir().unwrap();
    let s = Settlement::open(cfg(dir.path()), genesis()).unwrap();
    let peer = Settlement::open(cfg(peer_dir.path()), genesis()).unwrap();
    // Every block is also verified and finalized by an independent node.
    let step = |s: &Settlement| {
        let (parent, ph) = s.finalized_header();
        let enc = s.build_block(parent, ph.timestamp_ms + 1, Address::ZERO).unwrap();
        let h = s.verify_block(&enc).unwrap();
        s.finalize(h, b"c").unwrap();
        assert_eq!(peer.verify_block(&enc).unwrap(), h);
        peer.finalize(h, b"c").unwrap();
        assert_eq!(peer.ledger().root(), s.ledger().root());
        ph.number + 1
    };
    let (joiner, small, stranger, copycat) = (dev_signer(4), dev_signer(6), dev_signer(5), dev_signer(7));
    let reg = |k: &gloam_settlement::types::ValidatorKeys| {
        register_input(k.identity, &k.bls_public, &k.bls_pop, std::str::from_utf8(&k.endpoint).unwrap())
    };
    let mut bad_padding = reg(&fake_keys(20));
    let last = bad_padding.len() - 1;
    bad_padding[last] = 1;
    let txs = [
        call(&joiner, CID, 0, STAKING, eth(2), stake_input(), 100_000),
        call(&joiner, CID, 1, STAKING, U256::ZERO, reg(&fake_keys(4)), 200_000),
        call(&small, CID, 0, STAKING, eth(1) / U256::from(2u8), stake_input(), 100_000),
        call(&small, CID, 1, STAKING, U256::ZERO, reg(&fake_keys(6)), 200_000),
        // Failures: not staked; identity of another validator; registered twice; bad sizes,
        // endpoint and padding.
        call(&stranger, CID, 0, STAKING, U256::ZERO, reg(&fake_keys(5)), 200_000),
        call(&copycat, CID, 0, STAKING, eth(2), stake_input(), 100_000),
        call(&copycat, CID, 1, STAKING, U256::ZERO, reg(&fake_keys(10)), 200_000),
        call(&joiner, CID, 2, STAKING, U256::ZERO, reg(&fake_keys(40)), 200_000),
        call(
            &copycat,
            CID,
            2,
            STAKING,
            U256::ZERO,
            register_input(B256::ZERO, &[1; 47], &[1; 96], "1.2.3.4:5"),
            200_000,
        ),
        call(&copycat, CID, 3, STAKING, U256::ZERO, register_input(B256::ZERO, &[1; 48], &[1; 96], "nowhere"), 200_000),
        call(&copycat, CID, 4, STAKING, U256::ZERO, bad_padding, 200_000),
        call(&copycat, CID, 5, STAKING, U256::ZERO, reg(&fake_keys(7))[..100].to_vec(), 200_000),
    ];
    let hs: Vec<B256> = txs.iter().map(|t| s.submit_raw(&raw(t)).unwrap()).collect();
    assert_eq!(step(&s), 1);
    let ok: Vec<bool> = hs.iter().map(|h| receipt_of(&s, h).0).collect();
    assert_eq!(ok, [true, true, true, true, false, true, false, false, false, false, false, false]);
    let logs = receipt_of(&s, &hs[1]).2;
    assert_eq!(logs[0].topics()[0], alloy_primitives::keccak256(EV_VALIDATOR_REGISTERED));
    assert_eq!(s.ledger().registry.get(&joiner.address()), Some(&fake_keys(4)));
    assert!(s.committee(1).is_none(), "no committee before the epoch's last block");
    while step(&s) < L - 1 {}
    // Epoch 1: registered stakers ≥ 1 ETH (dev 0, 1 from genesis; dev 4). Dev 2 and 3 are
    // staked but never registered; dev 6 is below the minimum.
    let members = |e: u64| -> Vec<Address> { s.committee(e).unwrap().iter().map(|(m, _)| m.address).collect() };
    let mut want = vec![dev_signer(0).address(), dev_signer(1).address(), joiner.address()];
    want.sort();
    assert_eq!(members(1), want);
    assert_eq!(s.committee(1).unwrap().iter().find(|(m, _)| m.address == joiner.address()).unwrap().1, fake_keys(4));
    // Dev 1 leaves during epoch 1: gone from epoch 2's committee.
    let out = call(
        &dev_signer(1),
        CID,
        0,
        STAKING,
        U256::ZERO,
        unstake_input(U256::from(gloam_settlement::chain::DEV_STAKE_WEI)),
        100_000,
    );
    s.submit_raw(&raw(&out)).unwrap();
    while step(&s) < 2 * L - 1 {}
    want.retain(|a| *a != dev_signer(1).address());
    assert_eq!(members(2), want);
    assert_eq!(members(1).len(), 3, "earlier committees are kept");
    // Restart: registry and committees come back from disk (the state root is checked on open).
    let root = s.ledger().root();
    drop(s);
    let s = Settlement::open(cfg(dir.path()), genesis()).unwrap();
    assert_eq!(s.ledger().root(), root);
    assert_eq!(s.committee(2).unwrap().len(), 2);
    assert_eq!(s.ledger().registry.len(), 4);
}

/// Deferred sync (what `gloam node` runs): a burst of finalizations shares fsyncs; a process
/// that dies without flushing comes back at its last durable block, and the lost tail — which
/// consensus delivers again from its archive — re-applies to the same state. Runs the crashing
/// half in a child process (`std::process::exit` skips every destructor, like kill -9).
#[test]
fn deferred_sync_loses_only_the_unsynced_tail() {
    const CHILD: &str = "GLOAM_TEST_DEFERRED_SYNC_CHILD";
    let policy = SyncPolicy::Deferred { max_blocks: 4, max_delay: std::time::Duration::from_secs(3600) };
    let open_deferred = |d: &std::path::Path| {
        let mut c = SettlementConfig::dev(d);
        c.sync = policy;
        Settlement::open(c, Genesis::dev()).unwrap()
    };
    if let Some(dir) = std::env::var_os(CHILD) {
        let dir = std::path::PathBuf::from(dir);
        let s = open_deferred(&dir.join("chain"));
        let mut blocks = Vec::new();
        for i in 0..6u64 {
            let t = evmt::transfer(&dev_signer(1), CID, i, Address::repeat_byte(9), U256::from(1u8));
            s.submit_raw(&raw(&t)).unwrap();
            let (parent, ph) = s.finalized_header();
            let enc = s.build_block(parent, ph.timestamp_ms + 1, Address::ZERO).unwrap();
            let h = s.verify_block(&enc).unwrap();
            s.finalize(h, b"c").unwrap();
            blocks.push(alloy_primitives::hex::encode(&enc));
        }
        assert_eq!(s.durable_height(), 4, "synced at 4 blocks past genesis, not after");
        let out = serde_json::json!({ "blocks": blocks, "root": s.ledger().root() });
        std::fs::write(dir.join("out.json"), out.to_string()).unwrap();
        std::process::exit(0);
    }
    let dir = tempfile::tempdir().unwrap();
    let st = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "deferred_sync_loses_only_the_unsynced_tail", "--nocapture", "--test-threads", "1"])
        .env(CHILD, dir.path())
        .status()
        .unwrap();
    assert!(st.success());
    let out: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("out.json")).unwrap()).unwrap();
    let s = open_deferred(&dir.path().join("chain"));
    assert_eq!(s.last_finalized_height(), 4, "back at the last durable block");
    assert_eq!(s.durable_height(), 4);
    // Consensus re-delivers blocks 5 and 6 (the transfers are also back in the pool journal).
    for b in &out["blocks"].as_array().unwrap()[4..] {
        let enc = alloy_primitives::hex::decode(b.as_str().unwrap()).unwrap();
        let h = s.verify_block(&enc).unwrap();
        s.finalize(h, b"c").unwrap();
    }
    assert_eq!(s.last_finalized_height(), 6);
    assert_eq!(format!("{:?}", s.ledger().root()), out["root"].as_str().unwrap());
    assert_eq!(s.ledger().account(&Address::repeat_byte(9)).balance, U256::from(6u8));
    assert_eq!(s.durable_height(), 4, "below max_blocks: not synced yet");
    s.flush().unwrap();
    assert_eq!(s.durable_height(), 6);
}
