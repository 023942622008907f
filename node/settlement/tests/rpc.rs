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
