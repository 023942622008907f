//! Runs every fuzz body (`gloam_evm::fuzzing`, the code the cargo-fuzz targets in
//! `node/evm/fuzz` call) over seeded mutations of valid inputs and random bytes, so CI
//! exercises them on stable. `GLOAM_TEST_SEED` reproduces a run; the seed is printed.

use alloy_primitives::{Address, TxKind, U256};
use gloam_evm::fuzzing;
use gloam_evm::genesis::{dev_signer, DEV_CHAIN_ID};
use gloam_evm::testutil::*;

fn seed() -> u64 {
    fuzzing::test_seed(0x0e7a_f022)
}

fn run(what: &str, seed: u64, corpus: &[Vec<u8>], cases: usize, body: fn(&[u8])) {
    gloam_evm::fuzzing::run_body(what, seed, corpus, cases, 300, body)
}

#[test]
fn raw_transactions() {
    let s0 = dev_signer(0);
    let to = Address::repeat_byte(3);
    let corpus = vec![
        encode(&transfer(&s0, DEV_CHAIN_ID, 0, to, U256::from(1u64))),
        encode(&legacy(&s0, Some(DEV_CHAIN_ID), 0, TxKind::Call(to), U256::from(1u64), 21_000, 2_000_000_000)),
        encode(&legacy(&s0, None, 0, TxKind::Create, U256::ZERO, 60_000, 2_000_000_000)),
        encode(&eip1559(
            &s0,
            DEV_CHAIN_ID,
            0,
            TxKind::Create,
            U256::ZERO,
            token_deploy_input("A", "B", U256::from(1u64)),
            2_000_000,
        )),
        vec![3, 0xc0],
        vec![4, 0xc0],
    ];
    run("raw_transaction", seed(), &corpus, 4000, fuzzing::raw_transaction);
}

#[test]
fn chain_files() {
    // A two-block chain file made by a chain in a temp dir.
    let dir = tempfile::tempdir().unwrap();
    let cfg = gloam_evm::ChainConfig { datadir: dir.path().to_path_buf(), pool: Default::default(), block_cache: 4 };
    let chain = gloam_evm::Chain::open(cfg, gloam_evm::dev_genesis(DEV_CHAIN_ID, 10, 30_000_000)).unwrap();
    for i in 0..2u64 {
        chain.submit_raw(&encode(&transfer(&dev_signer(1), DEV_CHAIN_ID, i, Address::ZERO, U256::from(1u64)))).unwrap();
        chain.produce_block(false).unwrap().unwrap();
    }
    let mut file = Vec::new();
    gloam_evm::rlp_file::export(&chain, &mut file, 1, None).unwrap();
    run("chain_file", seed(), &[file.clone()], 600, fuzzing::chain_file);
    // The unmutated file imports onto the harness chain (its genesis is the same dev genesis),
    // so the harness really validates and commits blocks.
    fuzzing::chain_file(&file);
    assert!(fuzzing::harness_head() >= 2);
}

#[test]
fn rpc_requests() {
    let a = format!("{:?}", dev_signer(0).address());
    let raw = encode_hex(&transfer(&dev_signer(2), DEV_CHAIN_ID, 0, Address::ZERO, U256::from(1u64)));
    let reqs = [
        r#"{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}"#.to_string(),
        format!(r#"{{"jsonrpc":"2.0","id":2,"method":"eth_getBalance","params":["{a}","latest"]}}"#),
        format!(r#"{{"jsonrpc":"2.0","id":3,"method":"eth_getTransactionCount","params":["{a}","pending"]}}"#),
        r#"{"jsonrpc":"2.0","id":4,"method":"eth_getBlockByNumber","params":["0x0",true]}"#.to_string(),
        format!(r#"{{"jsonrpc":"2.0","id":5,"method":"eth_call","params":[{{"from":"{a}","to":"{a}","data":"0x70a08231"}},"latest"]}}"#),
        format!(r#"{{"jsonrpc":"2.0","id":6,"method":"eth_estimateGas","params":[{{"from":"{a}","to":"{a}","value":"0x1"}}]}}"#),
        r#"{"jsonrpc":"2.0","id":7,"method":"eth_getLogs","params":[{"fromBlock":"0x0","toBlock":"latest","topics":[null,["0x0000000000000000000000000000000000000000000000000000000000000000"]]}]}"#.to_string(),
        r#"{"jsonrpc":"2.0","id":8,"method":"eth_feeHistory","params":["0x4","latest",[10,50,90]]}"#.to_string(),
        r#"{"jsonrpc":"2.0","id":9,"method":"eth_newFilter","params":[{"fromBlock":"earliest"}]}"#.to_string(),
        r#"{"jsonrpc":"2.0","id":10,"method":"eth_getFilterChanges","params":["0x01"]}"#.to_string(),
        format!(r#"{{"jsonrpc":"2.0","id":11,"method":"eth_sendRawTransaction","params":["{raw}"]}}"#),
        format!(r#"{{"jsonrpc":"2.0","id":12,"method":"eth_getStorageAt","params":["{a}","0x0",{{"blockNumber":"0x0"}}]}}"#),
        r#"[{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber"},{"jsonrpc":"2.0","id":2,"method":"net_version"}]"#.to_string(),
    ];
    let corpus: Vec<Vec<u8>> = reqs.iter().map(|r| r.as_bytes().to_vec()).collect();
    run("rpc_request", seed(), &corpus, 4000, fuzzing::rpc_request);
    // The harness answers for real (the fuzz loop is not hitting a dead end).
    let r = fuzzing::rpc_response(&reqs[0]).expect("a response");
    assert!(r.contains("\"result\":\"0x539\""), "{r}");
    let r = fuzzing::rpc_response(r#"{"jsonrpc":"2.0","id":1,"method":"eth_nope"}"#).unwrap();
    assert!(r.contains("-32601"), "{r}");
}
