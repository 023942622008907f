//! Runs every fuzz body (`gloam_settlement::fuzzing`) over seeded mutations of valid inputs and
//! random bytes. `GLOAM_TEST_SEED` reproduces a run; the seed is printed.

use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{Address, U256};
use gloam_evm::dev_signer;
use gloam_settlement::fuzzing;
use gloam_settlement::params::*;
use gloam_settlement::testutil::*;

fn seed() -> u64 {
    gloam_evm::fuzzing::test_seed(0x5e77_f022)
}

fn run(what: &str, seed: u64, corpus: &[Vec<u8>], cases: usize, body: fn(&[u8])) {
    gloam_evm::fuzzing::run_body(what, seed, corpus, cases, 300, body)
}

/// One small blob item (computed with the harness's own KZG setup).
fn item() -> Vec<BlobItem> {
    let s = fuzzing::harness_settlement();
    blob_items(s.verifier().kzg().unwrap(), vec![test_blob(1)])
}

/// The item's 128 cell proofs (gloam-kzg FK20 on the harness's setup).
fn cells(it: &[BlobItem]) -> Vec<Vec<alloy_primitives::FixedBytes<48>>> {
    cell_proofs(fuzzing::harness_settlement().verifier().kzg().unwrap(), it)
}

#[test]
fn pooled_transactions() {
    let it = item();
    let cp = cells(&it);
    let s0 = dev_signer(0);
    let corpus = vec![
        encode_net(&blob_tx(&s0, DEV_CHAIN_ID, 0, BATCH_INBOX, &it)),
        // The EIP-7594 network form (what eth-account 0.14 emits).
        encode_net(&blob_tx_7594(&s0, DEV_CHAIN_ID, 0, BATCH_INBOX, &it, &cp)),
        gloam_evm::testutil::transfer(&s0, DEV_CHAIN_ID, 0, Address::repeat_byte(1), U256::from(1u64)).encoded_2718(),
        call(&s0, DEV_CHAIN_ID, 0, STAKING, U256::from(1u64), stake_input(), 100_000).encoded_2718(),
        vec![3, 0xc0],
    ];
    // Blob transactions are big: mutate them fewer times.
    run("pooled_tx", seed(), &corpus, 300, fuzzing::pooled_tx);
}

#[test]
fn sidecars_and_blob_records() {
    use gloam_settlement::types::{BlobProof, BlobRecord, Sidecar};
    let it = item();
    let cp = cells(&it);
    let s4844 = Sidecar::Eip4844(sidecar(&it));
    let s7594 = Sidecar::Eip7594(sidecar_7594(&it, &cp));
    // Small sidecars too (a truncated blob list keeps mutations cheap and reaches the proofs).
    let mut tiny = sidecar_7594(&it, &cp);
    tiny.blobs.clear();
    let corpus = vec![
        alloy_rlp::encode(&s4844),
        alloy_rlp::encode(&s7594),
        alloy_rlp::encode(Sidecar::Eip7594(tiny)),
        vec![0xc1, 0x01],
        vec![0xc3, 0x01, 0xc0, 0xc0],
    ];
    run("sidecar", seed() ^ 2, &corpus, 1500, fuzzing::sidecar);
    for c in &corpus[..3] {
        let back = <Sidecar as alloy_rlp::Decodable>::decode(&mut c.as_slice()).unwrap();
        assert_eq!(&alloy_rlp::encode(&back), c);
    }
    let rec = |proof| BlobRecord {
        versioned_hash: it[0].versioned_hash,
        blob: alloy_primitives::Bytes::from(vec![7u8; 64]),
        commitment: it[0].commitment.into(),
        proof,
        block_number: 3,
        tx_hash: alloy_primitives::B256::repeat_byte(4),
        index: 0,
    };
    let r4844 = rec(BlobProof::Blob(it[0].proof.into()));
    let r7594 = rec(BlobProof::Cells(cp[0].clone()));
    let corpus = vec![alloy_rlp::encode(&r4844), alloy_rlp::encode(&r7594)];
    run("blob_record", seed() ^ 3, &corpus, 3000, fuzzing::blob_record);
    assert_eq!(<BlobRecord as alloy_rlp::Decodable>::decode(&mut corpus[1].as_slice()).unwrap(), r7594);
    // A record with 127 cell proofs is refused, typed (no panic).
    let mut short = cp[0].clone();
    short.pop();
    let bad = alloy_rlp::encode(rec(BlobProof::Cells(short)));
    assert!(<BlobRecord as alloy_rlp::Decodable>::decode(&mut bad.as_slice()).is_err());
}

#[test]
fn blocks() {
    let it = item();
    let s = fuzzing::harness_settlement();
    // A valid block with a blob transaction and a transfer, built on the harness's genesis.
    let d = tempfile::tempdir().unwrap();
    let other = gloam_settlement::Settlement::open(
        gloam_settlement::SettlementConfig::dev(d.path()),
        gloam_settlement::Genesis::dev(),
    )
    .unwrap();
    other.submit_raw(&encode_net(&blob_tx(&dev_signer(5), DEV_CHAIN_ID, 0, BATCH_INBOX, &it))).unwrap();
    // The same blob in the EIP-7594 form from another sender: the block carries both forms.
    let cp = cells(&it);
    other.submit_raw(&encode_net(&blob_tx_7594(&dev_signer(7), DEV_CHAIN_ID, 0, BATCH_INBOX, &it, &cp))).unwrap();
    other
        .submit_raw(
            &gloam_evm::testutil::transfer(&dev_signer(6), DEV_CHAIN_ID, 0, Address::repeat_byte(1), U256::from(1u64))
                .encoded_2718(),
        )
        .unwrap();
    let (g, gh) = other.finalized_header();
    let enc = other.build_block(g, gh.timestamp_ms + 1, Address::ZERO).unwrap();
    // Mutations hitting the sidecar make a 128 KiB input; keep the count modest.
    run("block", seed(), std::slice::from_ref(&enc), 200, fuzzing::block);
    // The unmutated block verifies on the harness (the body validates for real).
    assert!(s.pending_blocks().iter().any(|(n, _)| *n == 1));
    // Header-only mutations: many cases on a small block.
    let empty = other.build_block(g, gh.timestamp_ms + 2, Address::ZERO).unwrap();
    let _ = empty;
    let d2 = tempfile::tempdir().unwrap();
    let bare = gloam_settlement::Settlement::open(
        gloam_settlement::SettlementConfig::dev(d2.path()),
        gloam_settlement::Genesis::dev(),
    )
    .unwrap();
    let (g2, gh2) = bare.finalized_header();
    let small = bare.build_block(g2, gh2.timestamp_ms + 3, Address::ZERO).unwrap();
    run("block(small)", seed() ^ 1, &[small], 3000, fuzzing::block);
}

#[test]
fn rpc_requests() {
    let a = format!("{:?}", dev_signer(0).address());
    let raw = format!(
        "0x{}",
        hex::encode(
            gloam_evm::testutil::transfer(&dev_signer(2), DEV_CHAIN_ID, 0, Address::ZERO, U256::from(1u64))
                .encoded_2718()
        )
    );
    let reqs = [
        r#"{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}"#.to_string(),
        format!(r#"{{"jsonrpc":"2.0","id":2,"method":"eth_getBalance","params":["{a}","latest"]}}"#),
        format!(r#"{{"jsonrpc":"2.0","id":3,"method":"eth_getTransactionCount","params":["{a}","pending"]}}"#),
        r#"{"jsonrpc":"2.0","id":4,"method":"eth_getBlockByNumber","params":["0x0",true]}"#.to_string(),
        r#"{"jsonrpc":"2.0","id":5,"method":"eth_call","params":[{"to":"0x5e77000000000000000000000000000000000002","data":"0x"},"latest"]}"#.to_string(),
        format!(r#"{{"jsonrpc":"2.0","id":6,"method":"eth_estimateGas","params":[{{"from":"{a}","to":"{a}","value":"0x1"}}]}}"#),
        r#"{"jsonrpc":"2.0","id":8,"method":"eth_feeHistory","params":["0x4","latest",[10,50,90]]}"#.to_string(),
        format!(r#"{{"jsonrpc":"2.0","id":11,"method":"eth_sendRawTransaction","params":["{raw}"]}}"#),
        r#"{"jsonrpc":"2.0","id":12,"method":"gloam_getBlobByVersionedHash","params":["0x0100000000000000000000000000000000000000000000000000000000000000"]}"#.to_string(),
        r#"{"jsonrpc":"2.0","id":13,"method":"gloam_getBlobSidecars","params":["finalized"]}"#.to_string(),
        r#"{"jsonrpc":"2.0","id":14,"method":"gloam_getOutputRoot","params":["0x1","0x5"]}"#.to_string(),
        r#"{"jsonrpc":"2.0","id":15,"method":"gloam_getDisputes","params":[]}"#.to_string(),
        r#"{"jsonrpc":"2.0","id":16,"method":"gloam_validators"}"#.to_string(),
        r#"{"jsonrpc":"2.0","id":17,"method":"gloam_committee","params":["0x1"]}"#.to_string(),
        r#"[{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber"},{"jsonrpc":"2.0","id":2,"method":"net_version"}]"#.to_string(),
    ];
    let corpus: Vec<Vec<u8>> = reqs.iter().map(|r| r.as_bytes().to_vec()).collect();
    run("rpc_request", seed(), &corpus, 3000, fuzzing::rpc_request);
    let r = fuzzing::rpc_response(&reqs[0]).expect("a response");
    assert!(r.contains("\"result\":\"0x53a\""), "{r}");
    let r = fuzzing::rpc_response(r#"{"jsonrpc":"2.0","id":1,"method":"eth_nope"}"#).unwrap();
    assert!(r.contains("-32601"), "{r}");
    let r = fuzzing::rpc_response(&reqs[12]).unwrap();
    assert!(
        r.contains("0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266")
            || r.contains("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"),
        "{r}"
    );
}

#[test]
fn register_calldata() {
    let k = gloam_settlement::testutil::fake_keys(3);
    let good = gloam_settlement::testutil::register_input(k.identity, &k.bls_public, &k.bls_pop, "10.0.0.1:7000");
    run("register_calldata", seed() ^ 4, &[good[4..].to_vec()], 5000, fuzzing::register_calldata);
}
