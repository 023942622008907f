//! Chain-level tests: production, export/import round trips, tampered blocks, restarts, the
//! pool's rejection reasons, and a state root cross-checked against anvil.

use std::sync::Arc;

use alloy_consensus::{Transaction, TxEnvelope};
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{b256, Address, Bytes, TxKind, U256};
use gloam_evm::chain::{Chain, ChainConfig, SubmitError};
use gloam_evm::genesis::{dev_genesis, dev_signer, DEV_CHAIN_ID, DEV_GAS_LIMIT};
use gloam_evm::pool::{PoolConfig, PoolError};
use gloam_evm::testutil::*;

fn open(dir: &std::path::Path) -> Arc<Chain> {
    open_with(dir, PoolConfig::default())
}

fn open_with(dir: &std::path::Path, pool: PoolConfig) -> Arc<Chain> {
    let cfg = ChainConfig { datadir: dir.to_path_buf(), pool, block_cache: 8 };
    Chain::open(cfg, dev_genesis(DEV_CHAIN_ID, 10, DEV_GAS_LIMIT)).expect("open chain")
}

fn raw(tx: &TxEnvelope) -> Vec<u8> {
    tx.encoded_2718()
}

fn mine(chain: &Chain) -> u64 {
    let (b, _) = chain.produce_block(false).expect("produce").expect("a block");
    b.block.header.number
}

/// Independent checks of the roots. The genesis (with and without the Prague system contracts)
/// and block-1 state roots were computed with py-trie (ethereum/py-trie, `HexaryTrie`) from the
/// account list by hand (block 1: 1 ETH from
/// account 0 to account 1 at base fee 0.875 gwei + 1 gwei tip, tip to coinbase 0x0); the
/// transactions and receipts roots are what anvil 1.7.1 reports for the same signed
/// transaction in its block 1.
#[test]
fn roots_match_independent_implementations() {
    // The dev genesis: 10 accounts plus the four Prague system contracts (nonce 1, canonical code).
    let dir = tempfile::tempdir().unwrap();
    let chain = open(dir.path());
    assert_eq!(
        chain.head_header().0.state_root,
        b256!("0x56d50ff606528cb871dafbf60be8fa87efd2208581ee8483aaf6150a68e25772")
    );
    drop(chain);
    // Without them (no system-call storage writes, so block 1's root is timestamp-independent).
    let dir = tempfile::tempdir().unwrap();
    let accounts = (0..10).map(|i| (dev_signer(i).address(), U256::from(gloam_evm::genesis::DEV_BALANCE_WEI)));
    let cfg = ChainConfig { datadir: dir.path().to_path_buf(), pool: PoolConfig::default(), block_cache: 8 };
    let genesis = gloam_evm::genesis::genesis_with_accounts(DEV_CHAIN_ID, DEV_GAS_LIMIT, accounts, false);
    let chain = Chain::open(cfg, genesis).unwrap();
    let (g, _) = chain.head_header();
    assert_eq!(g.state_root, b256!("0xe914d7e6a70676d0aecddd6b3e1110d78639f4e45a167334b8ba589316f48632"));
    let tx = transfer(&dev_signer(0), DEV_CHAIN_ID, 0, dev_signer(1).address(), U256::from(10u64).pow(U256::from(18)));
    assert_eq!(
        hex::encode(raw(&tx)),
        "02f87582053980843b9aca0085174876e8008252089470997970c51812dc3a010c7d01b50e0d17dc79c8880de0b6b3a764000080c001a076a3592707a4290223df673850227f1162c47fa840497914d31bc69937dc4e5da06d9e3bdd5c3bb65e0d97b967fe7a6b0db8ff23974637920a10cfd168d5f4d35d",
        "RFC 6979 signing is deterministic"
    );
    chain.submit_raw(&raw(&tx)).unwrap();
    mine(&chain);
    let (h, _) = chain.head_header();
    assert_eq!(h.base_fee_per_gas, Some(875_000_000));
    assert_eq!(h.state_root, b256!("0xf3a8cf354a89967ac5de9a9e148963dcb87d80475b2870094bf4cd027e9b8463"));
    assert_eq!(h.transactions_root, b256!("0x3a154cefaf1c2857d91bf91b937e0e5fe753a918d67ab46b30e0e1fc2d835521"));
    assert_eq!(h.receipts_root, b256!("0xf78dfb743fbd92ade140711c8bbc542b5e307f0ab7984eff35d751969fe57efa"));
}

/// A chain with a bit of everything: transfers, a contract deployment, token transfers, a
/// reverting call, a legacy transaction, several blocks.
fn build_busy_chain(chain: &Chain) -> Vec<alloy_primitives::B256> {
    let id = DEV_CHAIN_ID;
    let s0 = dev_signer(0);
    let s1 = dev_signer(1);
    let s2 = dev_signer(2);
    let token = s0.address().create(0);
    let mut hashes = vec![];
    let deploy = eip1559(
        &s0,
        id,
        0,
        TxKind::Create,
        U256::ZERO,
        token_deploy_input("Gloam", "GLM", U256::from(1_000_000u64)),
        2_000_000,
    );
    chain.submit_raw(&raw(&deploy)).unwrap();
    mine(chain);
    for i in 0..5u64 {
        let to = test_signer(i).address();
        chain
            .submit_raw(&raw(&eip1559(
                &s0,
                id,
                1 + i,
                TxKind::Call(token),
                U256::ZERO,
                token_transfer_input(to, U256::from(100 + i)),
                100_000,
            )))
            .unwrap();
        chain.submit_raw(&raw(&transfer(&s1, id, i, to, U256::from(1_000_000_000u64)))).unwrap();
    }
    // Reverts: s2 holds no tokens.
    chain
        .submit_raw(&raw(&eip1559(
            &s2,
            id,
            0,
            TxKind::Call(token),
            U256::ZERO,
            token_transfer_input(s1.address(), U256::from(1u64)),
            100_000,
        )))
        .unwrap();
    chain
        .submit_raw(&raw(&legacy(
            &s2,
            Some(id),
            1,
            TxKind::Call(s1.address()),
            U256::from(5u64),
            21_000,
            2_000_000_000,
        )))
        .unwrap();
    mine(chain);
    chain.submit_raw(&raw(&transfer(&s2, id, 2, s0.address(), U256::from(7u64)))).unwrap();
    mine(chain);
    for n in 0..=chain.head_number() {
        hashes.push(chain.block_by_number(n).unwrap().unwrap().hash);
    }
    hashes
}

#[test]
fn export_import_round_trip_reproduces_every_block() {
    let a = tempfile::tempdir().unwrap();
    let chain = open(a.path());
    let hashes = build_busy_chain(&chain);
    assert_eq!(chain.head_number(), 3);
    let b1 = chain.block_by_number(2).unwrap().unwrap();
    assert_eq!(b1.block.body.transactions.len(), 12);
    assert!(!b1.receipts[10].status(), "the token transfer without balance reverts");
    let mut file = Vec::new();
    let n = gloam_evm::rlp_file::export(&chain, &mut file, 0, None).unwrap();
    assert_eq!(n, 4);

    let b = tempfile::tempdir().unwrap();
    let fresh = open(b.path());
    let report = gloam_evm::rlp_file::import(&fresh, &file, |_, _| {}).unwrap();
    assert_eq!((report.imported, report.skipped_known), (3, 1));
    for (n, h) in hashes.iter().enumerate() {
        let got = fresh.block_by_number(n as u64).unwrap().unwrap();
        assert_eq!(got.hash, *h, "block {n}");
        assert_eq!(got.senders, chain.block_by_number(n as u64).unwrap().unwrap().senders);
    }
    // Re-importing the same file is a no-op.
    let again = gloam_evm::rlp_file::import(&fresh, &file, |_, _| {}).unwrap();
    assert_eq!((again.imported, again.skipped_known), (0, 4));
    // And the imported chain survives a restart.
    drop(fresh);
    let reopened = open(b.path());
    assert_eq!(reopened.head_header().1, *hashes.last().unwrap());
}

#[test]
fn tampered_blocks_are_rejected_and_nothing_is_written() {
    let a = tempfile::tempdir().unwrap();
    let chain = open(a.path());
    build_busy_chain(&chain);
    let good: Vec<_> = (1..=3).map(|n| chain.block_by_number(n).unwrap().unwrap().block.clone()).collect();

    type Tamper = fn(&mut alloy_consensus::Block<TxEnvelope>);
    let cases: Vec<(&str, Tamper, &str)> = vec![
        ("state root", |b| b.header.state_root.0[0] ^= 1, "state_root mismatch"),
        ("receipts root", |b| b.header.receipts_root.0[0] ^= 1, "receipts_root mismatch"),
        ("gas used", |b| b.header.gas_used += 1, "gas_used mismatch"),
        ("parent hash", |b| b.header.parent_hash.0[0] ^= 1, "parent hash"),
        ("base fee", |b| b.header.base_fee_per_gas = Some(7), "base fee"),
        ("gas limit", |b| b.header.gas_limit += 1, "gas limit"),
        (
            "transaction dropped",
            |b| {
                b.body.transactions.pop();
            },
            "mismatch",
        ),
    ];
    for (what, tamper, expect) in cases {
        let dir = tempfile::tempdir().unwrap();
        let fresh = open(dir.path());
        let mut blocks = good.clone();
        tamper(&mut blocks[1]);
        fresh.import_block(blocks[0].clone()).unwrap();
        let err = fresh.import_block(blocks[1].clone()).expect_err(what).to_string();
        assert!(err.contains(expect), "{what}: {err}");
        assert_eq!(fresh.head_number(), 1, "{what}: head must not move");
        // The untampered block still imports: the failed attempt left no partial state.
        fresh.import_block(good[1].clone()).unwrap_or_else(|e| panic!("{what}: {e}"));
        fresh.import_block(good[2].clone()).unwrap();
        assert_eq!(fresh.head_header().1, chain.head_header().1);
        drop(fresh);
        // After a restart too (state root recomputed from disk on open).
        let again = open(dir.path());
        assert_eq!(again.head_number(), 3);
    }
    // Malformed RLP: nothing imported.
    let dir = tempfile::tempdir().unwrap();
    let fresh = open(dir.path());
    let mut file = Vec::new();
    gloam_evm::rlp_file::export(&chain, &mut file, 0, None).unwrap();
    file.truncate(file.len() - 3);
    let err = gloam_evm::rlp_file::import(&fresh, &file, |_, _| {}).unwrap_err();
    assert!(matches!(err, gloam_evm::rlp_file::ImportError::Rlp { .. }), "{err}");
    assert_eq!(fresh.head_number(), 0);
}

#[test]
fn restart_keeps_chain_state_and_pool() {
    let dir = tempfile::tempdir().unwrap();
    let chain = open(dir.path());
    build_busy_chain(&chain);
    let head = chain.head_header();
    let s3 = dev_signer(3);
    // Nonce 1 with nonce 0 missing: queued in the pool, not minable.
    let queued = transfer(&s3, DEV_CHAIN_ID, 1, Address::ZERO, U256::from(1u64));
    chain.submit_raw(&raw(&queued)).unwrap();
    assert!(chain.produce_block(false).unwrap().is_none());
    let balance = chain.with_state(|s| s.balance(&dev_signer(1).address()));
    drop(chain);
    let chain = open(dir.path());
    assert_eq!(chain.head_header().1, head.1);
    assert_eq!(chain.with_state(|s| s.balance(&dev_signer(1).address())), balance);
    assert_eq!(chain.pool_len(), 1, "the queued transaction is restored from the journal");
    assert_eq!(chain.nonce(&s3.address(), true), 0, "a gapped nonce does not advance the pending nonce");
    chain.submit_raw(&raw(&transfer(&s3, DEV_CHAIN_ID, 0, Address::ZERO, U256::from(1u64)))).unwrap();
    assert_eq!(chain.nonce(&s3.address(), true), 2);
    mine(&chain);
    assert_eq!(chain.nonce(&s3.address(), false), 2, "both mined in nonce order");
    // A datadir for another chain is refused.
    drop(chain);
    let cfg = ChainConfig { datadir: dir.path().to_path_buf(), pool: PoolConfig::default(), block_cache: 8 };
    let err = Chain::open(cfg, dev_genesis(DEV_CHAIN_ID + 1, 10, DEV_GAS_LIMIT)).unwrap_err().to_string();
    assert!(err.contains("chain id"), "{err}");
}

#[test]
fn historical_state_queries_see_each_block() {
    let dir = tempfile::tempdir().unwrap();
    let chain = open(dir.path());
    let s0 = dev_signer(0);
    let to = test_signer(99).address();
    for i in 0..3u64 {
        chain.submit_raw(&raw(&transfer(&s0, DEV_CHAIN_ID, i, to, U256::from(1000u64)))).unwrap();
        mine(&chain);
    }
    for n in 0..=3u64 {
        let acc = chain.account_at(&to, Some(n)).unwrap();
        assert_eq!(acc.map(|a| a.balance).unwrap_or_default(), U256::from(1000 * n), "balance at block {n}");
        assert_eq!(chain.account_at(&s0.address(), Some(n)).unwrap().unwrap().nonce, n);
    }
    assert!(chain.account_at(&to, Some(9)).is_err(), "future block");
}

fn submit_err(chain: &Chain, raw: &[u8]) -> SubmitError {
    chain.submit_raw(raw).expect_err("must be refused")
}

#[test]
fn submission_errors_are_precise() {
    let dir = tempfile::tempdir().unwrap();
    let pool = PoolConfig { max_per_sender: 4, max_total: 6, price_bump_percent: 10 };
    let chain = open_with(dir.path(), pool);
    let s0 = dev_signer(0);
    let id = DEV_CHAIN_ID;
    let to = Address::repeat_byte(7);
    let one = U256::from(1u64);

    assert!(matches!(submit_err(&chain, &[0xde, 0xad]), SubmitError::Decode(_)));
    assert!(matches!(submit_err(&chain, &[]), SubmitError::Decode(_)));
    assert!(matches!(submit_err(&chain, &[3, 0xc0]), SubmitError::BlobTx));
    assert!(matches!(submit_err(&chain, &vec![2u8; 200_000]), SubmitError::Oversized { .. }));
    let wrong_chain = transfer(&s0, id + 1, 0, to, one);
    assert!(
        matches!(submit_err(&chain, &raw(&wrong_chain)), SubmitError::ChainId { have, want } if have == id + 1 && want == id)
    );
    let unprotected = legacy(&s0, None, 0, TxKind::Call(to), one, 21_000, 2_000_000_000);
    assert!(matches!(submit_err(&chain, &raw(&unprotected)), SubmitError::Unprotected));
    let low_gas = eip1559(&s0, id, 0, TxKind::Call(to), one, Bytes::from(vec![1u8; 10]), 21_000);
    assert!(
        matches!(submit_err(&chain, &raw(&low_gas)), SubmitError::IntrinsicGas { gas: 21_000, needed } if needed > 21_000)
    );
    let too_much_gas = eip1559(&s0, id, 0, TxKind::Call(to), one, Bytes::new(), DEV_GAS_LIMIT + 1);
    assert!(matches!(submit_err(&chain, &raw(&too_much_gas)), SubmitError::GasLimit { .. }));
    // A corrupted signature recovers to some other address (which has no funds) or fails.
    let mut bad_sig = raw(&transfer(&s0, id, 0, to, one));
    let n = bad_sig.len();
    bad_sig[n - 40] ^= 0xff;
    let e = submit_err(&chain, &bad_sig);
    assert!(matches!(e, SubmitError::Signature(_) | SubmitError::Pool(PoolError::InsufficientFunds { .. })), "{e}");
    // Funds.
    let rich = transfer(&s0, id, 0, to, U256::from(10u64).pow(U256::from(23)));
    assert!(matches!(submit_err(&chain, &raw(&rich)), SubmitError::Pool(PoolError::InsufficientFunds { .. })));
    // Pool rules: replacement needs a 10% bump on both fee cap and tip.
    let t0 = transfer(&s0, id, 0, to, one);
    chain.submit_raw(&raw(&t0)).unwrap();
    assert!(matches!(submit_err(&chain, &raw(&t0)), SubmitError::Pool(PoolError::AlreadyKnown)));
    let same_price = transfer(&s0, id, 0, to, U256::from(2u64));
    assert!(matches!(
        submit_err(&chain, &raw(&same_price)),
        SubmitError::Pool(PoolError::ReplacementUnderpriced { .. })
    ));
    let bumped = {
        use alloy_consensus::{SignableTransaction, TxEip1559};
        use alloy_signer::SignerSync;
        let tx = TxEip1559 {
            chain_id: id,
            nonce: 0,
            gas_limit: 21_000,
            max_fee_per_gas: TEST_MAX_FEE * 11 / 10,
            max_priority_fee_per_gas: TEST_TIP * 11 / 10,
            to: TxKind::Call(to),
            value: U256::from(3u64),
            access_list: Default::default(),
            input: Bytes::new(),
        };
        let sig = s0.sign_hash_sync(&tx.signature_hash()).unwrap();
        TxEnvelope::from(tx.into_signed(sig))
    };
    chain.submit_raw(&raw(&bumped)).unwrap();
    assert_eq!(chain.pool_len(), 1, "the replacement took the original's place");
    // Per-sender limit (4) and nonce gaps.
    for nonce in 1..4 {
        chain.submit_raw(&raw(&transfer(&s0, id, nonce, to, one))).unwrap();
    }
    let e = submit_err(&chain, &raw(&transfer(&s0, id, 4, to, one)));
    assert!(
        matches!(e, SubmitError::Pool(PoolError::NonceGap { .. }) | SubmitError::Pool(PoolError::SenderLimit { .. })),
        "{e}"
    );
    // Total limit (6).
    let s1 = dev_signer(1);
    chain.submit_raw(&raw(&transfer(&s1, id, 0, to, one))).unwrap();
    chain.submit_raw(&raw(&transfer(&s1, id, 1, to, one))).unwrap();
    assert!(matches!(
        submit_err(&chain, &raw(&transfer(&s1, id, 2, to, one))),
        SubmitError::Pool(PoolError::PoolFull { limit: 6 })
    ));
    // Mining empties the pool in nonce order; the replacement is what got mined.
    mine(&chain);
    assert_eq!(chain.pool_len(), 0);
    assert_eq!(chain.nonce(&s0.address(), false), 4);
    let b = chain.block_by_number(1).unwrap().unwrap();
    assert!(b.block.body.transactions.iter().any(|t| t.tx_hash() == bumped.tx_hash()));
    assert!(matches!(submit_err(&chain, &raw(&t0)), SubmitError::Pool(PoolError::NonceTooLow { next: 4, got: 0 })));
    // Fee cap below the base fee.
    let cheap = legacy(&s1, Some(id), 2, TxKind::Call(to), one, 21_000, 1);
    assert!(matches!(submit_err(&chain, &raw(&cheap)), SubmitError::Pool(PoolError::FeeCapTooLow { .. })));
    let _ = cheap.gas_limit();
}

/// Seeded mutation fuzzing of the decoders reachable from the network: raw transactions and
/// RLP chain files. Any outcome but a panic is fine; a failure prints the seed.
#[test]
fn mutated_inputs_never_panic() {
    let seed: u64 = std::env::var("GLOAM_TEST_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x5eed_0e7a);
    eprintln!("mutated_inputs_never_panic seed={seed} (GLOAM_TEST_SEED to reproduce)");
    let mut rng = gloam_evm::fuzzing::Mutator::new(seed);
    let dir = tempfile::tempdir().unwrap();
    let chain = open(dir.path());
    build_busy_chain(&chain);
    let mut file = Vec::new();
    gloam_evm::rlp_file::export(&chain, &mut file, 0, None).unwrap();
    let seeds: Vec<Vec<u8>> =
        chain.block_by_number(2).unwrap().unwrap().block.body.transactions.iter().map(raw).collect();
    let fresh_dir = tempfile::tempdir().unwrap();
    let fresh = open(fresh_dir.path());
    for i in 0..3000 {
        let m = rng.mutate(&seeds[i % seeds.len()]);
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _ = fresh.submit_raw(&m);
        }));
        assert!(r.is_ok(), "submit_raw panicked on 0x{} (seed {seed}, case {i})", hex::encode(&m));
    }
    for i in 0..300 {
        let mut m = file.clone();
        let p = rng.below(m.len());
        m[p] ^= 1 << rng.below(8);
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let dir = tempfile::tempdir().unwrap();
            let c = open(dir.path());
            let _ = gloam_evm::rlp_file::import(&c, &m, |_, _| {});
        }));
        assert!(r.is_ok(), "import panicked (seed {seed}, case {i}, byte {p})");
    }
}

/// EIP-2935 / EIP-4788 pre-block system calls and EIP-7002 withdrawal requests (EIP-7685
/// requests hash) on the dev chain, which carries the Prague system contracts.
#[test]
fn prague_system_contracts_work() {
    use alloy_eips::{
        eip2935::HISTORY_STORAGE_ADDRESS, eip4788::BEACON_ROOTS_ADDRESS, eip7002::WITHDRAWAL_REQUEST_PREDEPLOY_ADDRESS,
    };
    use revm::context::TxEnv;
    use sha2::Digest;
    let dir = tempfile::tempdir().unwrap();
    let chain = open(dir.path());
    let s0 = dev_signer(0);
    for i in 0..3u64 {
        chain.submit_raw(&raw(&transfer(&s0, DEV_CHAIN_ID, i, Address::repeat_byte(5), U256::from(1u64)))).unwrap();
        mine(&chain);
    }
    let call = |to: Address, data: Vec<u8>| {
        let env = TxEnv {
            caller: s0.address(),
            kind: TxKind::Call(to),
            data: data.into(),
            gas_limit: 1_000_000,
            chain_id: Some(DEV_CHAIN_ID),
            ..Default::default()
        };
        chain.call(env, None)
    };
    // EIP-2935: the history contract serves the hashes of blocks 0..=2 (written by the calls at
    // the start of blocks 1..=3).
    for n in 0..3u64 {
        let out = call(HISTORY_STORAGE_ADDRESS, U256::from(n).to_be_bytes::<32>().to_vec()).unwrap();
        assert_eq!(out.as_ref(), chain.block_by_number(n).unwrap().unwrap().hash.as_slice(), "history of block {n}");
    }
    // EIP-4788: the beacon-roots contract knows block 2's timestamp (root zero: no beacon chain)
    // and reverts for a timestamp it never saw.
    let ts = chain.block_by_number(2).unwrap().unwrap().block.header.timestamp;
    let out = call(BEACON_ROOTS_ADDRESS, U256::from(ts).to_be_bytes::<32>().to_vec()).unwrap();
    assert_eq!(out.as_ref(), [0u8; 32]);
    assert!(call(BEACON_ROOTS_ADDRESS, U256::from(ts + 1_000_000).to_be_bytes::<32>().to_vec()).is_err());
    assert_eq!(chain.head_header().0.requests_hash, Some(alloy_eips::eip7685::EMPTY_REQUESTS_HASH));

    // EIP-7002: a withdrawal request (48-byte pubkey ‖ 8-byte amount, fee from the contract).
    let fee = U256::from_be_slice(&call(WITHDRAWAL_REQUEST_PREDEPLOY_ADDRESS, vec![]).unwrap());
    let mut input = vec![0xab; 48];
    input.extend(7_000_000_000u64.to_be_bytes());
    let tx = {
        use alloy_consensus::{SignableTransaction, TxEip1559};
        use alloy_signer::SignerSync;
        let tx = TxEip1559 {
            chain_id: DEV_CHAIN_ID,
            nonce: 3,
            gas_limit: 300_000,
            max_fee_per_gas: TEST_MAX_FEE,
            max_priority_fee_per_gas: TEST_TIP,
            to: TxKind::Call(WITHDRAWAL_REQUEST_PREDEPLOY_ADDRESS),
            value: fee,
            access_list: Default::default(),
            input: input.clone().into(),
        };
        let sig = s0.sign_hash_sync(&tx.signature_hash()).unwrap();
        TxEnvelope::from(tx.into_signed(sig))
    };
    chain.submit_raw(&raw(&tx)).unwrap();
    mine(&chain);
    let b = chain.block_by_number(4).unwrap().unwrap();
    assert!(alloy_consensus::TxReceipt::status(&b.receipts[0]), "the request transaction succeeds");
    // requests = [0x01 ‖ source ‖ pubkey ‖ amount]; the queue contract returns the amount
    // little-endian (EIP-7002, "dequeue"); hash = sha256(sha256(request)) (EIP-7685).
    let mut request = vec![0x01];
    request.extend(s0.address().as_slice());
    request.extend(&input[..48]);
    request.extend(7_000_000_000u64.to_le_bytes());
    let inner = sha2::Sha256::digest(&request);
    let want = alloy_primitives::B256::from_slice(&sha2::Sha256::digest(inner));
    assert_eq!(b.block.header.requests_hash, Some(want));
    // And the block re-imports (the system calls are deterministic given the header).
    let mut file = Vec::new();
    gloam_evm::rlp_file::export(&chain, &mut file, 0, None).unwrap();
    let d2 = tempfile::tempdir().unwrap();
    let fresh = open(d2.path());
    gloam_evm::rlp_file::import(&fresh, &file, |_, _| {}).unwrap();
    assert_eq!(fresh.head_header().1, chain.head_header().1);
}

/// The append-only pool journal is compacted once mined transactions dominate it, so it (and
/// the replay on restart) stays bounded on a long-running node.
#[test]
fn pool_journal_is_compacted() {
    let dir = tempfile::tempdir().unwrap();
    let senders: Vec<_> = (0..500u64).map(test_signer).collect();
    let accounts = senders.iter().map(|s| (s.address(), U256::from(10u64).pow(U256::from(21))));
    let cfg = ChainConfig { datadir: dir.path().to_path_buf(), pool: PoolConfig::default(), block_cache: 4 };
    let chain =
        Chain::open(cfg, gloam_evm::genesis::genesis_with_accounts(DEV_CHAIN_ID, DEV_GAS_LIMIT, accounts, true))
            .unwrap();
    let raws: Vec<Vec<u8>> = (0..5000u64)
        .map(|i| {
            raw(&transfer(
                &senders[(i % 500) as usize],
                DEV_CHAIN_ID,
                i / 500,
                Address::repeat_byte(8),
                U256::from(1u64),
            ))
        })
        .collect();
    assert!(chain.submit_raw_batch(&raws).iter().all(|r| r.is_ok()));
    assert_eq!(chain.journal_records(), 5000);
    while chain.pool_len() > 0 {
        mine(&chain);
    }
    assert!(
        chain.journal_records() < 5000,
        "compacted after the mined transactions dominated: {}",
        chain.journal_records()
    );
    // One more queued transaction survives a restart through the compacted journal.
    chain.submit_raw(&raw(&transfer(&senders[0], DEV_CHAIN_ID, 12, Address::ZERO, U256::from(1u64)))).unwrap();
    let head = chain.head_header().1;
    drop(chain);
    let size = std::fs::metadata(dir.path().join("pool.journal")).unwrap().len();
    assert!(size < 200_000, "journal is {size} bytes");
    let cfg = ChainConfig { datadir: dir.path().to_path_buf(), pool: PoolConfig::default(), block_cache: 4 };
    let senders_again = (0..500u64).map(|i| (test_signer(i).address(), U256::from(10u64).pow(U256::from(21))));
    let chain =
        Chain::open(cfg, gloam_evm::genesis::genesis_with_accounts(DEV_CHAIN_ID, DEV_GAS_LIMIT, senders_again, true))
            .unwrap();
    assert_eq!(chain.head_header().1, head);
    assert_eq!(chain.pool_len(), 1);
}
