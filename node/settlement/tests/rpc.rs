//! JSON-RPC through the real method table: tags, receipts with blob fields, gloam_* shapes,
//! system views and failures in eth_call / eth_estimateGas, error codes.

use std::sync::Arc;

use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{Address, B256, U256};
use gloam_evm::dev_signer;
use gloam_settlement::params::*;
use gloam_settlement::testutil::*;
use gloam_settlement::{Genesis, Settlement, SettlementConfig};
use serde_json::{json, Value};

struct Rpc {
    m: jsonrpsee::RpcModule<gloam_settlement::rpc::RpcContext>,
    rt: tokio::runtime::Runtime,
}

impl Rpc {
    fn new(s: Arc<Settlement>) -> Rpc {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        let m = {
            let _g = rt.enter();
            gloam_settlement::rpc::module(s).unwrap()
        };
        Rpc { m, rt }
    }

    fn call(&self, method: &str, params: Value) -> Value {
        let req = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).to_string();
        let (resp, _) = self.rt.block_on(self.m.raw_json_request(&req, 1)).unwrap();
        serde_json::from_str(&resp.to_string()).unwrap()
    }

    fn ok(&self, method: &str, params: Value) -> Value {
        let r = self.call(method, params);
        assert!(r.get("error").is_none(), "{method}: {r}");
        r["result"].clone()
    }

    fn err_code(&self, method: &str, params: Value) -> i64 {
        let r = self.call(method, params);
        r["error"]["code"].as_i64().unwrap_or_else(|| panic!("{method}: expected an error, got {r}"))
    }
}

#[test]
fn rpc_surface() {
    let dir = tempfile::tempdir().unwrap();
    let s = Settlement::open(SettlementConfig::dev(dir.path()), Genesis::dev()).unwrap();
    let rpc = Rpc::new(s.clone());
    let it = blob_items(s.verifier().kzg().unwrap(), vec![test_blob(42)]);
    let a = dev_signer(1);
    let v = dev_signer(0);

    assert_eq!(rpc.ok("eth_chainId", json!([])), json!("0x53a"));
    assert_eq!(rpc.ok("net_version", json!([])), json!("1338"));
    assert_eq!(rpc.ok("eth_blockNumber", json!([])), json!("0x0"));
    assert_eq!(rpc.ok("eth_blobBaseFee", json!([])), json!("0x1"));
    assert_eq!(rpc.err_code("eth_nope", json!([])), -32601);
    assert_eq!(rpc.err_code("eth_getBalance", json!(["0x12"])), -32602);
    assert_eq!(rpc.err_code("eth_sendRawTransaction", json!(["0x03c0"])), -32602);

    // A blob transaction through eth_sendRawTransaction, and an output proposal.
    let btx = blob_tx(&a, DEV_CHAIN_ID, 0, BATCH_INBOX, &it);
    let bh = rpc.ok("eth_sendRawTransaction", json!([format!("0x{}", hex::encode(encode_net(&btx)))]));
    let root = B256::repeat_byte(0xab);
    let ptx = call(&v, DEV_CHAIN_ID, 0, OUTPUT_ORACLE, U256::ZERO, propose_output_input(EVM_ENV_ID, 7, root), 100_000);
    let ph = rpc.ok("eth_sendRawTransaction", json!([format!("0x{}", hex::encode(ptx.encoded_2718()))]));
    assert_eq!(rpc.ok("eth_getTransactionCount", json!([format!("{:?}", a.address()), "pending"])), json!("0x1"));
    assert_eq!(rpc.ok("eth_getTransactionCount", json!([format!("{:?}", a.address()), "latest"])), json!("0x0"));
    assert_eq!(rpc.ok("eth_getTransactionReceipt", json!([bh])), Value::Null);
    assert_eq!(rpc.ok("eth_getTransactionByHash", json!([bh]))["blockNumber"], Value::Null);
    s.produce_block(Address::repeat_byte(0xcc)).unwrap();

    let r = rpc.ok("eth_getTransactionReceipt", json!([bh]));
    assert_eq!(r["status"], json!("0x1"));
    assert_eq!(r["type"], json!("0x3"));
    assert_eq!(r["blobGasUsed"], json!("0x20000"));
    assert_eq!(r["blobGasPrice"], json!("0x1"));
    assert_eq!(r["gasUsed"], json!("0x5208"));
    assert_eq!(r["blockNumber"], json!("0x1"));
    let r = rpc.ok("eth_getTransactionReceipt", json!([ph]));
    assert_eq!(r["logs"].as_array().unwrap().len(), 1);
    assert_eq!(r["logs"][0]["address"], json!("0x5e77000000000000000000000000000000000002"));

    for tag in ["latest", "safe", "finalized", "pending", "0x1"] {
        let b = rpc.ok("eth_getBlockByNumber", json!([tag, false]));
        assert_eq!(b["number"], json!("0x1"), "{tag}");
        assert_eq!(b["transactions"].as_array().unwrap().len(), 2);
        assert_eq!(b["blobGasUsed"], json!("0x20000"));
        assert!(b["baseFeePerGas"].is_string());
    }
    assert_eq!(rpc.ok("eth_getBlockByNumber", json!(["earliest", false]))["number"], json!("0x0"));
    assert_eq!(rpc.ok("eth_getBlockByNumber", json!(["0x9", false])), Value::Null);
    let b = rpc.ok("eth_getBlockByNumber", json!(["latest", true]));
    let by_hash = rpc.ok("eth_getBlockByHash", json!([b["hash"], true]));
    assert_eq!(b, by_hash);
    assert_eq!(b["transactions"][0]["blobVersionedHashes"][0], json!(it[0].versioned_hash));

    // gloam_*.
    let blob = rpc.ok("gloam_getBlobByVersionedHash", json!([it[0].versioned_hash]));
    assert_eq!(blob["blob"], json!(format!("0x{}", hex::encode(it[0].blob.as_bytes()))));
    assert_eq!(blob["blockNumber"], json!("0x1"));
    assert_eq!(blob["txHash"], bh);
    assert_eq!(blob["index"], json!("0x0"));
    assert_eq!(rpc.ok("gloam_getBlobByVersionedHash", json!([B256::repeat_byte(1)])), Value::Null);
    assert_eq!(rpc.ok("gloam_getBlobSidecars", json!(["latest"])).as_array().unwrap().len(), 1);
    assert_eq!(rpc.ok("gloam_getBlobSidecars", json!(["0x0"])), json!([]));
    assert_eq!(rpc.ok("gloam_getBlobSidecars", json!(["0x5"])), Value::Null);
    let o = rpc.ok("gloam_getOutputRoot", json!(["0x1", "0x7"]));
    assert_eq!(o["outputRoot"], json!(root));
    assert_eq!(o["settlementBlock"], json!("0x1"));
    assert_eq!(o["submitter"], json!(v.address()));
    assert_eq!(o["txHash"], ph);
    assert_eq!(rpc.ok("gloam_getOutputRoot", json!(["0x1", "0x8"])), Value::Null);
    assert_eq!(rpc.ok("gloam_getDisputes", json!([])), json!([]));
    assert_eq!(rpc.ok("gloam_validators", json!([])).as_array().unwrap().len(), 4);
    assert_eq!(rpc.ok("gloam_validators", json!([]))[0]["identity"], Value::Null, "dev genesis registers no keys");
    assert_eq!(rpc.ok("gloam_committee", json!(["0x1"])), Value::Null, "epoch 1 not reached");
    assert!(rpc.call("gloam_committee", json!([])).get("error").is_some());

    // Views and simulated system calls.
    let mut stake_of = selector(SIG_STAKE_OF).to_vec();
    stake_of.extend([0u8; 12]);
    stake_of.extend(v.address().0);
    let out = rpc.ok("eth_call", json!([{"to": STAKING, "data": format!("0x{}", hex::encode(&stake_of))}, "latest"]));
    assert_eq!(
        out,
        json!(format!("0x{}", hex::encode(U256::from(gloam_settlement::chain::DEV_STAKE_WEI).to_be_bytes::<32>())))
    );
    let dup = propose_output_input(EVM_ENV_ID, 7, root);
    let r = rpc.call(
        "eth_call",
        json!([{"from": v.address(), "to": OUTPUT_ORACLE, "data": format!("0x{}", hex::encode(&dup))}]),
    );
    assert_eq!(r["error"]["code"], json!(3), "{r}");
    assert!(r["error"]["message"].as_str().unwrap().contains("already proposed"));
    assert_eq!(
        rpc.err_code(
            "eth_estimateGas",
            json!([{"from": v.address(), "to": OUTPUT_ORACLE, "data": format!("0x{}", hex::encode(&dup))}])
        ),
        3
    );
    let fresh = propose_output_input(EVM_ENV_ID, 8, root);
    let g = rpc.ok(
        "eth_estimateGas",
        json!([{"from": v.address(), "to": OUTPUT_ORACLE, "data": format!("0x{}", hex::encode(&fresh))}]),
    );
    let want = gloam_settlement::exec::intrinsic_gas(&call(
        &v,
        DEV_CHAIN_ID,
        1,
        OUTPUT_ORACLE,
        U256::ZERO,
        fresh.clone(),
        100_000,
    )) + PROPOSE_OUTPUT_GAS;
    assert_eq!(g, json!(format!("{want:#x}")));
    assert_eq!(rpc.ok("eth_estimateGas", json!([{"to": BATCH_INBOX}])), json!("0x5208"));
    assert_eq!(rpc.ok("eth_call", json!([{"to": BATCH_INBOX, "data": "0x1234"}])), json!("0x"));

    // Fee history with blob fields; historical state is refused with a typed error.
    let fh = rpc.ok("eth_feeHistory", json!(["0x2", "latest", [50]]));
    assert_eq!(fh["baseFeePerGas"].as_array().unwrap().len(), 3);
    assert_eq!(fh["baseFeePerBlobGas"].as_array().unwrap().len(), 3);
    assert_eq!(fh["reward"].as_array().unwrap().len(), 2);
    assert_eq!(rpc.err_code("eth_getBalance", json!([a.address(), "0x0"])), -32000);
}

/// eth_getLogs / filters / eth_subscribe over the settlement chain's system-call events, through
/// the shared `gloam_evm::rpc_logs` machinery; subscribers get every block's logs and headers
/// in order.
#[test]
fn logs_filters_and_subscriptions() {
    let dir = tempfile::tempdir().unwrap();
    let s = Settlement::open(SettlementConfig::dev(dir.path()), Genesis::dev()).unwrap();
    let rpc = Rpc::new(s.clone());
    let v = dev_signer(0);
    let proposed = B256::from(alloy_primitives::keccak256(EV_OUTPUT_PROPOSED.as_bytes()));
    let send = |nonce: u64, l2: u64| {
        let tx = call(
            &v,
            DEV_CHAIN_ID,
            nonce,
            OUTPUT_ORACLE,
            U256::ZERO,
            propose_output_input(EVM_ENV_ID, l2, B256::repeat_byte(l2 as u8)),
            100_000,
        );
        rpc.ok("eth_sendRawTransaction", json!([format!("0x{}", hex::encode(tx.encoded_2718()))]))
    };

    let log_filter = rpc.ok("eth_newFilter", json!([{"address": OUTPUT_ORACLE}]));
    let block_filter = rpc.ok("eth_newBlockFilter", json!([]));
    assert!(log_filter.as_str().unwrap().starts_with("0x"));
    let mut sub = rpc
        .rt
        .block_on(rpc.m.subscribe_unbounded("eth_subscribe", vec![json!("logs"), json!({"topics": [proposed]})]))
        .unwrap();
    let mut heads = rpc.rt.block_on(rpc.m.subscribe_unbounded("eth_subscribe", vec!["newHeads"])).unwrap();

    let h1 = send(0, 1);
    s.produce_block(Address::ZERO).unwrap();
    let h2 = send(1, 2);
    s.produce_block(Address::ZERO).unwrap();
    s.produce_block(Address::ZERO).unwrap(); // empty

    let all = rpc.ok("eth_getLogs", json!([{"fromBlock": "0x0", "toBlock": "latest", "address": OUTPUT_ORACLE}]));
    let all = all.as_array().unwrap();
    assert_eq!(all.len(), 2, "{all:?}");
    assert_eq!(all[0]["transactionHash"], h1);
    assert_eq!(all[1]["transactionHash"], h2);
    assert_eq!(all[0]["blockNumber"], json!("0x1"));
    assert_eq!(all[1]["blockNumber"], json!("0x2"));
    assert_eq!(all[0]["topics"][0], json!(proposed));
    assert_eq!(all[0]["logIndex"], json!("0x0"));
    // Topic and address mismatches, a single block by hash, a range beyond the head.
    let other = B256::repeat_byte(7);
    assert_eq!(rpc.ok("eth_getLogs", json!([{"fromBlock": "0x0", "topics": [other]}])), json!([]));
    assert_eq!(rpc.ok("eth_getLogs", json!([{"fromBlock": "0x0", "address": STAKING}])), json!([]));
    let b2 = rpc.ok("eth_getBlockByNumber", json!(["0x2", false]));
    let at = rpc.ok("eth_getLogs", json!([{"blockHash": b2["hash"]}]));
    assert_eq!(at.as_array().unwrap().len(), 1);
    assert_eq!(at[0]["transactionHash"], h2);
    assert_eq!(rpc.ok("eth_getLogs", json!([{"fromBlock": "0x9", "toBlock": "0x10"}])), json!([]));
    assert_eq!(rpc.err_code("eth_getLogs", json!([{"blockHash": B256::repeat_byte(9)}])), -32000);
    // A `toBlock` past the head is clamped to it.
    assert_eq!(rpc.ok("eth_getLogs", json!([{"fromBlock": "0x0", "toBlock": "0x2710"}])).as_array().unwrap().len(), 2);
    assert_eq!(rpc.err_code("eth_getLogs", json!(["nope"])), -32602);

    // Polling filters: everything since installation, then nothing new.
    let changes = rpc.ok("eth_getFilterChanges", json!([log_filter]));
    assert_eq!(changes.as_array().unwrap().len(), 2, "{changes}");
    assert_eq!(rpc.ok("eth_getFilterChanges", json!([log_filter])), json!([]));
    // eth_getFilterLogs re-runs the filter's own range: "latest" by default (block 3: empty).
    assert_eq!(rpc.ok("eth_getFilterLogs", json!([log_filter])), json!([]));
    let from1 = rpc.ok("eth_newFilter", json!([{"fromBlock": "0x1", "address": OUTPUT_ORACLE}]));
    assert_eq!(rpc.ok("eth_getFilterLogs", json!([from1])).as_array().unwrap().len(), 2);
    assert_eq!(rpc.ok("eth_getFilterChanges", json!([from1])).as_array().unwrap().len(), 2);
    let hashes = rpc.ok("eth_getFilterChanges", json!([block_filter]));
    assert_eq!(hashes.as_array().unwrap().len(), 3);
    assert_eq!(hashes[1], b2["hash"]);
    assert_eq!(rpc.err_code("eth_getFilterLogs", json!([block_filter])), -32000);
    assert_eq!(rpc.ok("eth_uninstallFilter", json!([log_filter])), json!(true));
    assert_eq!(rpc.ok("eth_uninstallFilter", json!([log_filter])), json!(false));
    assert_eq!(rpc.err_code("eth_getFilterChanges", json!([log_filter])), -32000);

    // Subscriptions: two logs in order, three heads in order.
    let timeout = std::time::Duration::from_secs(20);
    for want in [&h1, &h2] {
        let (log, _) = rpc
            .rt
            .block_on(async { tokio::time::timeout(timeout, sub.next::<Value>()).await })
            .unwrap()
            .unwrap()
            .unwrap();
        assert_eq!(&log["transactionHash"], want);
    }
    for n in 1..=3u64 {
        let (h, _) = rpc
            .rt
            .block_on(async { tokio::time::timeout(timeout, heads.next::<Value>()).await })
            .unwrap()
            .unwrap()
            .unwrap();
        assert_eq!(h["number"], json!(format!("{n:#x}")));
        assert!(h.get("transactions").is_none());
    }
    let r = rpc.call("eth_subscribe", json!(["pendingTransactions"]));
    assert_eq!(r["error"]["code"], json!(-32602), "{r}");
}
