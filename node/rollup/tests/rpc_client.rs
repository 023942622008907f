//! The JSON-RPC client against a jsonrpsee server that serves the in-memory settlement layer
//! with the shared conventions' method names and shapes; the batcher and follower run over it,
//! and the requests the client sent are checked.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use alloy_primitives::{Address, B256};
use common::*;
use gloam_rollup::fake::{FakeConfig, FakeSettlement};
use gloam_rollup::settlement::{BlockTag, Settlement, SettlementBlock, SettlementError};
use gloam_rollup::{Batcher, BatcherConfig, Follower, FollowerConfig, RpcSettlement};
use jsonrpsee::types::{ErrorObjectOwned, Params};
use jsonrpsee::RpcModule;
use parking_lot::Mutex;
use serde_json::{json, Value};

struct Mock {
    fake: Arc<FakeSettlement>,
    log: Mutex<Vec<(String, Value)>>,
}

fn err(e: SettlementError) -> ErrorObjectOwned {
    match e {
        SettlementError::Rpc { code, message } => ErrorObjectOwned::owned(code as i32, message, None::<()>),
        e => ErrorObjectOwned::owned(-32000, e.to_string(), None::<()>),
    }
}

fn tag(v: &Value) -> Result<BlockTag, ErrorObjectOwned> {
    v.as_str().and_then(BlockTag::parse).ok_or_else(|| ErrorObjectOwned::owned(-32602, "bad block tag", None::<()>))
}

fn hexq(n: u64) -> Value {
    json!(format!("0x{n:x}"))
}

fn block_json(b: &SettlementBlock) -> Value {
    json!({
        "number": hexq(b.number),
        "hash": b.hash,
        "parentHash": b.parent_hash,
        "transactions": b.transactions.iter().map(|t| json!({
            "hash": t.hash,
            "type": hexq(t.tx_type as u64),
            "from": t.from,
            "to": t.to,
            "nonce": hexq(t.nonce),
            "input": t.input,
            "blobVersionedHashes": if t.tx_type == 3 { json!(t.blob_versioned_hashes) } else { Value::Null },
        })).collect::<Vec<_>>(),
    })
}

fn module(mock: Arc<Mock>) -> RpcModule<Arc<Mock>> {
    let mut m = RpcModule::new(mock);
    macro_rules! method {
        ($name:literal, |$p:ident, $f:ident| $body:expr) => {
            m.register_method($name, |params: Params, ctx: &Arc<Mock>, _| -> Result<Value, ErrorObjectOwned> {
                let $p: Value = params.parse().unwrap_or(Value::Array(vec![]));
                ctx.log.lock().push(($name.to_string(), $p.clone()));
                let $f = &ctx.fake;
                $body
            })
            .unwrap();
        };
    }
    method!("eth_chainId", |_p, f| Ok(hexq(f.chain_id().map_err(err)?)));
    method!("eth_blockNumber", |_p, f| Ok(hexq(f.block_number(BlockTag::Latest).map_err(err)?.unwrap_or(0))));
    method!("eth_gasPrice", |_p, f| Ok(json!(format!("0x{:x}", f.gas_price().map_err(err)?))));
    method!("eth_blobBaseFee", |_p, f| Ok(json!(format!("0x{:x}", f.blob_base_fee().map_err(err)?))));
    method!("eth_getBlockByNumber", |p, f| {
        let full = p[1].as_bool().unwrap_or(false);
        Ok(match f.block(tag(&p[0])?).map_err(err)? {
            None => Value::Null,
            Some(b) if full => block_json(&b),
            Some(b) => json!({"number": hexq(b.number), "hash": b.hash, "parentHash": b.parent_hash,
                              "transactions": b.transactions.iter().map(|t| t.hash).collect::<Vec<_>>()}),
        })
    });
    method!("eth_getTransactionCount", |p, f| {
        let a: Address = serde_json::from_value(p[0].clone())
            .map_err(|e| ErrorObjectOwned::owned(-32602, e.to_string(), None::<()>))?;
        Ok(hexq(f.transaction_count(a, tag(&p[1])?).map_err(err)?))
    });
    method!("eth_sendRawTransaction", |p, f| {
        let raw = hex::decode(p[0].as_str().unwrap_or("").trim_start_matches("0x")).unwrap_or_default();
        Ok(json!(f.send_raw_transaction(&raw).map_err(err)?))
    });
    method!("eth_getTransactionReceipt", |p, f| {
        let h: B256 = serde_json::from_value(p[0].clone())
            .map_err(|e| ErrorObjectOwned::owned(-32602, e.to_string(), None::<()>))?;
        Ok(match f.receipt(h).map_err(err)? {
            None => Value::Null,
            Some(r) => {
                json!({"transactionHash": r.tx_hash, "blockNumber": hexq(r.block_number), "status": if r.success {"0x1"} else {"0x0"}})
            }
        })
    });
    method!("gloam_getBlobByVersionedHash", |p, f| {
        let h: B256 = serde_json::from_value(p[0].clone())
            .map_err(|e| ErrorObjectOwned::owned(-32602, e.to_string(), None::<()>))?;
        Ok(serde_json::to_value(f.blob_by_versioned_hash(h).map_err(err)?).unwrap())
    });
    method!("gloam_getBlobSidecars", |p, f| Ok(
        serde_json::to_value(f.blob_sidecars(tag(&p[0])?).map_err(err)?).unwrap()
    ));
    method!("gloam_getOutputRoot", |p, f| {
        // As a jsonrpsee server declaring (u64, u64) parameters parses them.
        let (env, l2): (u64, u64) =
            serde_json::from_value(p).map_err(|e| ErrorObjectOwned::owned(-32602, e.to_string(), None::<()>))?;
        Ok(serde_json::to_value(f.output_root(env, l2).map_err(err)?).unwrap())
    });
    method!("gloam_getDisputes", |_p, f| Ok(serde_json::to_value(f.disputes().map_err(err)?).unwrap()));
    method!("gloam_validators", |_p, f| Ok(serde_json::to_value(f.validators().map_err(err)?).unwrap()));
    m
}

#[test]
fn rpc_client_against_a_jsonrpsee_server() {
    let fake = Arc::new(FakeSettlement::new(FakeConfig { kzg: Some(kzg()), ..Default::default() }));
    let mock = Arc::new(Mock { fake: fake.clone(), log: Mutex::new(vec![]) });
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let (addr, handle) = rt.block_on(async {
        let server = jsonrpsee::server::Server::builder().build("127.0.0.1:0").await.unwrap();
        let addr = server.local_addr().unwrap();
        (addr, server.start(module(mock.clone())))
    });
    let client: Arc<RpcSettlement> =
        Arc::new(RpcSettlement::new(&format!("http://{addr}"), Duration::from_secs(10)).unwrap());
    assert_eq!(client.chain_id().unwrap(), 1338);
    assert_eq!(client.block_number(BlockTag::Latest).unwrap(), Some(0));
    assert_eq!(client.gas_price().unwrap(), 1_000_000_000);
    assert!(matches!(client.call("eth_nope", json!([])), Err(SettlementError::Rpc { code: -32601, .. })));
    assert_eq!(client.output_root(1, 1).unwrap(), None);
    assert_eq!(client.blob_by_versioned_hash(B256::ZERO).unwrap(), None);
    assert_eq!(client.block(BlockTag::Number(99)).unwrap(), None);

    // The whole pipeline over HTTP.
    let dir = tempfile::tempdir().unwrap();
    let a = open_chain(&dir.path().join("a"));
    workload(&a, 3);
    let mut c = BatcherConfig::dev(dir.path().join("b.json"));
    c.max_latency = Duration::ZERO;
    c.max_channel_bytes = 2500;
    let mut b = Batcher::new(a.clone(), client.clone(), kzg(), batcher_key(), c).unwrap();
    for _ in 0..50 {
        if b.state().proposed == 3 {
            break;
        }
        b.step(Instant::now()).unwrap();
    }
    assert_eq!(b.state().proposed, 3);
    let cc = open_chain(&dir.path().join("c"));
    let mut f =
        Follower::new(cc.clone(), client.clone(), Some(kzg()), None, FollowerConfig::dev(batcher_key().address()))
            .unwrap();
    f.step().unwrap();
    assert_same_chain(&a, &cc);
    assert!(f.status().outputs_checked >= 1 && f.errors().is_empty());

    // The client reads what the node holds.
    for n in 0..=fake.head() {
        assert_eq!(client.block(BlockTag::Number(n)).unwrap(), fake.block(BlockTag::Number(n)).unwrap());
        let sc = client.blob_sidecars(BlockTag::Number(n)).unwrap().unwrap();
        assert_eq!(Some(sc.clone()), fake.blob_sidecars(BlockTag::Number(n)).unwrap());
        for r in sc {
            assert_eq!(client.blob_by_versioned_hash(r.versioned_hash).unwrap(), Some(r.clone()));
            assert_eq!(client.receipt(r.tx_hash).unwrap(), fake.receipt(r.tx_hash).unwrap());
        }
    }
    assert_eq!(client.output_root(1, 3).unwrap(), fake.output_root(1, 3).unwrap());
    assert!(client.output_root(1, 3).unwrap().is_some());
    assert_eq!(client.validators().unwrap(), fake.validators().unwrap());
    assert_eq!(client.disputes().unwrap(), vec![]);
    assert_eq!(client.block_number(BlockTag::Finalized).unwrap(), Some(fake.head()));

    // Request shapes.
    let log = mock.log.lock().clone();
    let find = |m: &str| log.iter().filter(|(n, _)| n == m).map(|(_, p)| p.clone()).collect::<Vec<_>>();
    assert!(find("eth_getBlockByNumber").iter().any(|p| *p == json!(["0x1", true])));
    assert!(find("eth_getBlockByNumber").iter().any(|p| *p == json!(["finalized", false])));
    assert!(find("gloam_getOutputRoot").contains(&json!([1, 3])));
    assert!(find("gloam_getBlobSidecars").iter().all(|p| p[0].as_str().is_some_and(|s| s.starts_with("0x"))));
    let sends = find("eth_sendRawTransaction");
    assert!(sends.iter().any(|p| p[0].as_str().unwrap().starts_with("0x03")), "a blob transaction");
    assert!(sends.iter().any(|p| p[0].as_str().unwrap().starts_with("0x02")), "an EIP-1559 proposal");
    let counts = find("eth_getTransactionCount");
    let me = format!("{:?}", batcher_key().address()).to_lowercase();
    assert!(counts.iter().any(|p| *p == json!([me, "pending"])), "{counts:?}");
    // The blob record's JSON has exactly the convention's keys.
    let rec = fake.mined_blobs(batcher_key().address(), gloam_rollup::abi::BATCH_INBOX).remove(0);
    let v = serde_json::to_value(&rec).unwrap();
    let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, ["blob", "blockNumber", "commitment", "index", "proof", "txHash", "versionedHash"]);
    assert_eq!(v["blob"].as_str().unwrap().len(), 2 + 2 * 131072);

    // A stopped server is a transport error.
    handle.stop().unwrap();
    rt.block_on(handle.stopped());
    assert!(matches!(client.chain_id(), Err(SettlementError::Transport(_))));
}
