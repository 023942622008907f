//! The node as a process: JSON-RPC error shapes on bad input (the node keeps serving), a
//! `kill -9` during block production followed by a restart, and the real-client suite
//! (ethers, web3.py, anvil differential) in `node/clients`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use alloy_primitives::{Address, TxKind, U256};
use gloam_evm::genesis::{dev_signer, DEV_CHAIN_ID};
use gloam_evm::testutil::*;
use serde_json::{json, Value};

/// The `gloam` binary with quiet logs on the CPU backend.
fn gloam() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_gloam"));
    c.env("GLOAM_LOG", "error").env("GLOAM_BACKEND", "cpu");
    c
}

struct Node {
    child: Child,
    addr: String,
    lines: mpsc::Receiver<String>,
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(datadir: &Path) -> Node {
    let mut child = gloam()
        .args(["node", "--dev", "--rpc-addr", "127.0.0.1:0", "--settlement-rpc-addr", "127.0.0.1:0", "--datadir"])
        .arg(datadir)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn gloam node");
    let out = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    // Owned by a Node from here on, so a failed assertion still kills the process (Drop).
    let mut node = Node { child, addr: String::new(), lines: rx };
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut engine = String::new();
    let mut recovery = String::new();
    loop {
        let line = node
            .lines
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .expect("node printed its rpc address");
        if let Some(e) = line.strip_prefix("engine: ") {
            engine = e.to_string();
        }
        if let Some(r) = line.strip_prefix("crypto: sender recovery = ") {
            recovery = r.to_string();
        }
        if let Some(a) = line.strip_prefix("rpc: http://") {
            // Sender recovery goes to a GPU only when the engine has a hardware one.
            let hardware_gpu = engine
                .split("; ")
                .any(|p| !p.starts_with("Cpu") && !p.contains("unavailable") && !p.contains("(software)"));
            assert!(!recovery.is_empty(), "no sender-recovery banner");
            assert_eq!(recovery.starts_with("gloam-sig-gpu"), hardware_gpu, "engine: {engine}; recovery: {recovery}");
            node.addr = a.to_string();
            return node;
        }
    }
}

/// One HTTP POST with a raw body; returns the parsed JSON reply.
fn post(addr: &str, body: &str) -> Value {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(
        s,
        "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    let (_, json_body) = resp.split_once("\r\n\r\n").expect("http response");
    serde_json::from_str(json_body).unwrap_or_else(|e| panic!("bad JSON reply {json_body:?}: {e}"))
}

fn rpc(addr: &str, method: &str, params: Value) -> Value {
    post(addr, &json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).to_string())
}

fn result(v: &Value) -> &Value {
    assert!(v.get("error").is_none(), "unexpected error {v}");
    &v["result"]
}

fn error_of(v: &Value) -> (i64, String) {
    let e = v.get("error").unwrap_or_else(|| panic!("expected an error, got {v}"));
    (e["code"].as_i64().unwrap(), e["message"].as_str().unwrap().to_string())
}

fn send(addr: &str, tx: &alloy_consensus::TxEnvelope) -> Value {
    rpc(addr, "eth_sendRawTransaction", json!([encode_hex(tx)]))
}

fn wait_receipt(addr: &str, hash: &Value) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let r = rpc(addr, "eth_getTransactionReceipt", json!([hash]));
        if !result(&r).is_null() {
            return result(&r).clone();
        }
        assert!(Instant::now() < deadline, "no receipt for {hash}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn bad_input_gets_the_right_json_rpc_error_and_the_node_keeps_serving() {
    let dir = tempfile::tempdir().unwrap();
    let node = start(dir.path());
    let a = node.addr.as_str();
    let s0 = dev_signer(0);
    let id = DEV_CHAIN_ID;
    let to = Address::repeat_byte(9);
    let one = U256::from(1u64);

    // Malformed JSON and unknown methods.
    assert_eq!(error_of(&post(a, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":")).0, -32700);
    assert_eq!(error_of(&rpc(a, "eth_fillTransaction", json!([{}]))).0, -32601);
    assert_eq!(error_of(&rpc(a, "eth_getBalance", json!(["0x12"]))).0, -32602);
    // Batches answer every member.
    let batch =
        post(a, r#"[{"jsonrpc":"2.0","id":1,"method":"eth_chainId"},{"jsonrpc":"2.0","id":2,"method":"nope"}]"#);
    assert_eq!(batch.as_array().map(|b| b.len()), Some(2), "{batch}");
    // Oversized batches are refused as a whole (limit 1024).
    let big = format!("[{}]", vec![r#"{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}"#; 1025].join(","));
    let r = post(a, &big);
    assert!(
        r.get("error").is_some(),
        "a 1025-call batch must be refused: {}",
        &r.to_string()[..200.min(r.to_string().len())]
    );

    let cases: Vec<(&str, String, i64, &str)> = vec![
        ("malformed RLP", "0xdeadbeef".into(), -32602, "failed to decode"),
        ("blob transaction", "0x03c0".into(), -32000, "blob transactions (type 3)"),
        ("wrong chain id", encode_hex(&transfer(&s0, id + 5, 0, to, one)), -32000, "invalid chain id"),
        (
            "unprotected",
            encode_hex(&legacy(&s0, None, 0, TxKind::Call(to), one, 21_000, 2_000_000_000)),
            -32000,
            "replay-protected",
        ),
        (
            "intrinsic gas",
            encode_hex(&eip1559(&s0, id, 0, TxKind::Call(to), one, vec![1u8; 64].into(), 21_000)),
            -32000,
            "intrinsic gas too low",
        ),
        (
            "above block gas limit",
            encode_hex(&eip1559(&s0, id, 0, TxKind::Call(to), one, Default::default(), 40_000_000)),
            -32000,
            "exceeds block gas limit",
        ),
        ("oversized", format!("0x02{}", "00".repeat(140_000)), -32000, "oversized data"),
        (
            "insufficient funds",
            encode_hex(&transfer(&s0, id, 0, to, U256::from(10u64).pow(U256::from(24)))),
            -32000,
            "insufficient funds",
        ),
    ];
    for (what, raw, code, msg) in cases {
        let r = rpc(a, "eth_sendRawTransaction", json!([raw]));
        let (c, m) = error_of(&r);
        assert_eq!(c, code, "{what}: {m}");
        assert!(m.contains(msg), "{what}: {m}");
    }
    // Nonce too low, after a real transfer.
    let h = result(&send(a, &transfer(&s0, id, 0, to, one))).clone();
    assert_eq!(wait_receipt(a, &h)["status"], "0x1");
    let (_, m) = error_of(&send(a, &transfer(&s0, id, 0, to, U256::from(2u64))));
    assert!(m.contains("nonce too low"), "{m}");

    // Revert data and reason from eth_call and eth_estimateGas.
    let token = s0.address().create(1);
    let deploy =
        eip1559(&s0, id, 1, TxKind::Create, U256::ZERO, token_deploy_input("T", "T", U256::from(5u64)), 2_000_000);
    let h = result(&send(a, &deploy)).clone();
    let receipt = wait_receipt(a, &h);
    assert_eq!(receipt["contractAddress"], json!(token));
    let call =
        json!({"from": dev_signer(1).address(), "to": token, "data": token_transfer_input(to, U256::from(1u64))});
    for method in ["eth_call", "eth_estimateGas"] {
        let r = rpc(a, method, json!([call, "latest"]));
        let e = &r["error"];
        assert_eq!(e["code"], 3, "{method}: {r}");
        assert_eq!(e["message"], "execution reverted: ERC20: insufficient balance", "{method}");
        assert!(e["data"].as_str().unwrap().starts_with("0x08c379a0"), "{method}: {r}");
    }
    let bal = rpc(a, "eth_call", json!([{"to": token, "data": token_balance_input(s0.address())}, "latest"]));
    assert_eq!(
        U256::from_str_radix(result(&bal).as_str().unwrap().trim_start_matches("0x"), 16).unwrap(),
        U256::from(5u64)
    );
    // Still serving.
    assert!(result(&rpc(a, "eth_blockNumber", json!([]))).as_str().unwrap().starts_with("0x"));
}

/// Submits transfers from many senders while the node mines, kills it with SIGKILL, restarts
/// it on the same datadir and checks that every block it reported is intact, the state opens
/// (the state root is re-verified on open), the journaled pool comes back, and everything
/// accepted is eventually mined.
#[test]
fn kill_9_during_block_production_then_restart() {
    let dir = tempfile::tempdir().unwrap();
    let node = start(dir.path());
    let addr = node.addr.clone();
    let senders: Vec<_> = (0..10).map(dev_signer).collect();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stop2 = stop.clone();
    let accepted = std::sync::Arc::new(std::sync::Mutex::new(vec![0u64; senders.len()]));
    let acc2 = accepted.clone();
    let submitter = std::thread::spawn(move || {
        let mut nonce = [0u64; 10];
        let mut i = 0usize;
        while !stop2.load(std::sync::atomic::Ordering::Relaxed) {
            let k = i % senders.len();
            let tx = transfer(&senders[k], DEV_CHAIN_ID, nonce[k], Address::repeat_byte(0x42), U256::from(1u64));
            let ok = std::panic::catch_unwind(|| send(&addr, &tx)).ok();
            match ok {
                Some(r) if r.get("result").is_some() => {
                    nonce[k] += 1;
                    acc2.lock().unwrap()[k] = nonce[k];
                }
                _ => break, // the node is gone
            }
            i += 1;
        }
    });
    // Collect reported blocks until at least 5 with transactions.
    let mut reported: Vec<(u64, String)> = vec![];
    let deadline = Instant::now() + Duration::from_secs(120);
    while reported.len() < 5 {
        let line =
            node.lines.recv_timeout(deadline.saturating_duration_since(Instant::now())).expect("blocks are produced");
        if let Some(rest) = line.strip_prefix("block #") {
            let mut it = rest.split_whitespace();
            let n: u64 = it.next().unwrap().parse().unwrap();
            reported.push((n, it.next().unwrap().to_string()));
        }
    }
    let mut node = node;
    node.child.kill().unwrap(); // SIGKILL
    node.child.wait().unwrap();
    // Drain what the node printed before dying.
    while let Ok(line) = node.lines.recv_timeout(Duration::from_millis(200)) {
        if let Some(rest) = line.strip_prefix("block #") {
            let mut it = rest.split_whitespace();
            reported.push((it.next().unwrap().parse().unwrap(), it.next().unwrap().to_string()));
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    submitter.join().unwrap();
    let accepted = accepted.lock().unwrap().clone();

    let node = start(dir.path());
    let a = node.addr.as_str();
    let head = u64::from_str_radix(
        result(&rpc(a, "eth_blockNumber", json!([]))).as_str().unwrap().trim_start_matches("0x"),
        16,
    )
    .unwrap();
    let last = reported.last().unwrap().0;
    assert!(head >= last, "head {head} is behind the last reported block {last}");
    for (n, hash) in &reported {
        let b = rpc(a, "eth_getBlockByNumber", json!([format!("{n:#x}"), false]));
        assert_eq!(result(&b)["hash"].as_str().unwrap(), hash, "block {n} changed across the crash");
    }
    // Every accepted transaction is either mined already or restored from the journal and
    // mined now (transactions accepted after the last journal flush may be lost, like any
    // crashed node's mempool; senders' nonces must still be gap-free).
    let deadline = Instant::now() + Duration::from_secs(60);
    for (k, want) in accepted.iter().enumerate() {
        let who = dev_signer(k as u32).address();
        loop {
            let latest = rpc(a, "eth_getTransactionCount", json!([who, "latest"]));
            let n = u64::from_str_radix(result(&latest).as_str().unwrap().trim_start_matches("0x"), 16).unwrap();
            let pending = rpc(a, "eth_getTransactionCount", json!([who, "pending"]));
            let p = u64::from_str_radix(result(&pending).as_str().unwrap().trim_start_matches("0x"), 16).unwrap();
            if n == p && n + 1 >= *want {
                break;
            }
            assert!(Instant::now() < deadline, "sender {k}: mined {n}, pending {p}, accepted {want}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

fn clients_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("clients")
}

/// ethers v6 + solc-js, web3.py, the anvil differential, concurrent load and RPC throughput,
/// against a real `gloam node --dev` (node/clients/run-all.sh). `ci/clients.sh` installs the
/// packages; in CI a missing installation fails the test.
#[test]
fn real_clients_end_to_end() {
    let dir = clients_dir();
    let ready = dir.join("node_modules/.bin/anvil").exists() && dir.join("node_modules/ethers").exists();
    if !ready {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("node/clients is not installed: run `bash ci/clients.sh` (CI must run the client suite)");
        }
        eprintln!("SKIPPED real_clients_end_to_end: node/clients not installed (bash ci/clients.sh)");
        return;
    }
    // Bounded: every step has STEP_TIMEOUT seconds, and the whole suite 15 minutes. The output
    // goes to a file (not a pipe a stray child could hold open), so a kill always returns.
    let log = tempfile::NamedTempFile::new().unwrap();
    let status = Command::new("timeout")
        .args(["--kill-after=10", "900", "bash"])
        .arg(dir.join("run-all.sh"))
        .args(["--quick", "--gloam", env!("CARGO_BIN_EXE_gloam")])
        .env("STEP_TIMEOUT", "180")
        .current_dir(&dir)
        .stdout(log.reopen().unwrap())
        .stderr(log.reopen().unwrap())
        .status()
        .expect("run run-all.sh");
    eprintln!("{}", String::from_utf8_lossy(&std::fs::read(log.path()).unwrap()));
    assert!(status.success(), "client suite failed ({status}; see output above)");
}

/// `gloam node export` then `gloam node import` into a fresh datadir reproduces the chain; a
/// truncated file imports nothing and exits 1.
#[test]
fn cli_export_then_import() {
    use gloam_evm::chain::{Chain, ChainConfig};
    let a = tempfile::tempdir().unwrap();
    {
        let cfg = ChainConfig { datadir: a.path().to_path_buf(), pool: Default::default(), block_cache: 8 };
        let chain = Chain::open(cfg, gloam_evm::dev_genesis(DEV_CHAIN_ID, 10, 30_000_000)).unwrap();
        for i in 0..3u64 {
            chain
                .submit_raw(&encode(&transfer(
                    &dev_signer(0),
                    DEV_CHAIN_ID,
                    i,
                    Address::repeat_byte(1),
                    U256::from(5u64),
                )))
                .unwrap();
            chain.produce_block(false).unwrap().unwrap();
        }
    }
    let file = a.path().join("chain.rlp");
    let out = gloam().args(["node", "export", "--datadir"]).arg(a.path()).arg(&file).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("exported 4 blocks"));
    let b = tempfile::tempdir().unwrap();
    let out = gloam().args(["node", "import", "--datadir"]).arg(b.path()).arg(&file).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && text.contains("imported 3 blocks") && text.contains("head #3"), "{text}");
    let bytes = std::fs::read(&file).unwrap();
    std::fs::write(&file, &bytes[..bytes.len() - 5]).unwrap();
    let c = tempfile::tempdir().unwrap();
    let out = gloam().args(["node", "import", "--datadir"]).arg(c.path()).arg(&file).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("malformed RLP"), "{}", String::from_utf8_lossy(&out.stderr));
}

/// Ctrl-C (SIGINT) stops the node cleanly: exit status 0, the pool journal flushed, and the
/// datadir reopens at the same head.
#[test]
fn sigint_shuts_down_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let mut node = start(dir.path());
    let a = node.addr.clone();
    let h = result(&send(&a, &transfer(&dev_signer(4), DEV_CHAIN_ID, 0, Address::repeat_byte(2), U256::from(3u64))))
        .clone();
    wait_receipt(&a, &h);
    // Queued (nonce gap): stays in the pool, must survive the restart via the journal.
    let queued =
        result(&send(&a, &transfer(&dev_signer(4), DEV_CHAIN_ID, 2, Address::repeat_byte(2), U256::from(3u64))))
            .clone();
    let status = Command::new("kill").args(["-INT", &node.child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let exit = node.child.wait().unwrap();
    assert!(exit.success(), "exit status {exit:?}");
    let mut saw = false;
    while let Ok(line) = node.lines.recv_timeout(Duration::from_secs(5)) {
        saw |= line.starts_with("stopped cleanly at head #1");
    }
    assert!(saw, "the node reports a clean stop");
    let node = start(dir.path());
    let pending = rpc(&node.addr, "eth_getTransactionCount", json!([dev_signer(4).address(), "pending"]));
    assert_eq!(result(&pending), "0x1", "the gapped transaction does not advance the pending nonce");
    let t = rpc(&node.addr, "eth_getTransactionByHash", json!([queued]));
    assert!(
        result(&t).is_object() && result(&t)["blockNumber"].is_null(),
        "the queued transaction is back in the pool: {t}"
    );
    let n = rpc(&node.addr, "eth_blockNumber", json!([]));
    assert_eq!(result(&n), "0x1");
}

/// `--dev` signs `eth_sendTransaction` for its 10 accounts (as anvil does, for
/// `provider.getSigner()` / `cast send --unlocked` workflows) and refuses any other sender.
#[test]
fn dev_accounts_sign_eth_send_transaction() {
    let dir = tempfile::tempdir().unwrap();
    let node = start(dir.path());
    let a = node.addr.as_str();
    let accounts = rpc(a, "eth_accounts", json!([]));
    let accounts = result(&accounts).as_array().unwrap().clone();
    assert_eq!(accounts.len(), 10);
    assert_eq!(accounts[0], json!(dev_signer(0).address()));
    let to = Address::repeat_byte(0x77);
    // EIP-1559 with everything filled by the node.
    let h = rpc(a, "eth_sendTransaction", json!([{"from": dev_signer(3).address(), "to": to, "value": "0x10"}]));
    let r = wait_receipt(a, result(&h));
    assert_eq!((r["status"].as_str(), r["type"].as_str()), (Some("0x1"), Some("0x2")));
    // Legacy via gasPrice; a contract deployment with the gas estimated by the node.
    let h = rpc(
        a,
        "eth_sendTransaction",
        json!([{"from": dev_signer(3).address(), "to": to, "value": "0x1", "gasPrice": "0x77359400"}]),
    );
    assert_eq!(wait_receipt(a, result(&h))["type"], "0x0");
    let data = format!("0x{}", hex::encode(token_deploy_input("T", "T", U256::from(9u64))));
    let h = rpc(a, "eth_sendTransaction", json!([{"from": dev_signer(3).address(), "data": data}]));
    let r = wait_receipt(a, result(&h));
    assert_eq!(r["status"], "0x1");
    assert_eq!(r["contractAddress"], json!(dev_signer(3).address().create(2)));
    let bal = rpc(a, "eth_getBalance", json!([to, "latest"]));
    assert_eq!(result(&bal), "0x11");
    // Not a dev account.
    let (code, msg) = error_of(&rpc(a, "eth_sendTransaction", json!([{"from": Address::repeat_byte(1), "to": to}])));
    assert_eq!(code, -32000);
    assert!(msg.contains("unknown account"), "{msg}");
}

/// `gloam node import --genesis genesis.json chain.rlp`: a geth-style genesis (alloc with a
/// contract and storage, its own chain id) → blocks exported from it import into a fresh datadir
/// with `--genesis`; importing them on top of another genesis fails with the reason.
#[test]
fn cli_import_with_a_geth_genesis_file() {
    use gloam_evm::chain::{Chain, ChainConfig};
    let tmp = tempfile::tempdir().unwrap();
    let s0 = dev_signer(0);
    let genesis_json = format!(
        r#"{{
  "config": {{"chainId": 4242, "homesteadBlock": 0, "londonBlock": 0, "shanghaiTime": 0, "cancunTime": 0, "pragueTime": 0}},
  "nonce": "0x0", "timestamp": "0x6553f100", "extraData": "0x", "gasLimit": "0x1c9c380", "difficulty": "0x0",
  "mixHash": "0x0000000000000000000000000000000000000000000000000000000000000000",
  "coinbase": "0x0000000000000000000000000000000000000000", "baseFeePerGas": "0x3b9aca00",
  "alloc": {{
    "{a}": {{"balance": "0x3635c9adc5dea00000"}},
    "0x1000000000000000000000000000000000000001": {{"balance": "0x0", "code": "0x602a60005500", "storage": {{"0x01": "0x07"}}}}
  }}
}}"#,
        a = s0.address()
    );
    let gpath = tmp.path().join("genesis.json");
    std::fs::write(&gpath, &genesis_json).unwrap();
    let src = tmp.path().join("src");
    {
        let g = gloam_evm::genesis_from_json(&genesis_json).unwrap();
        assert_eq!(g.spec.chain_id, 4242);
        let cfg = ChainConfig { datadir: src.clone(), pool: Default::default(), block_cache: 8 };
        let chain = Chain::open(cfg, g).unwrap();
        // Call the contract (it stores 42 at slot 0) and transfer.
        let call =
            eip1559(&s0, 4242, 0, TxKind::Call(Address::repeat_byte(0x10)), U256::ZERO, Default::default(), 100_000);
        chain.submit_raw(&encode(&call)).unwrap();
        let c2 = eip1559(
            &s0,
            4242,
            1,
            TxKind::Call("0x1000000000000000000000000000000000000001".parse().unwrap()),
            U256::ZERO,
            Default::default(),
            100_000,
        );
        chain.submit_raw(&encode(&c2)).unwrap();
        chain.produce_block(false).unwrap().unwrap();
        assert_eq!(
            chain.storage_at(&"0x1000000000000000000000000000000000000001".parse().unwrap(), U256::ZERO, None).unwrap(),
            U256::from(42u64)
        );
        assert_eq!(
            chain
                .storage_at(&"0x1000000000000000000000000000000000000001".parse().unwrap(), U256::from(1u64), None)
                .unwrap(),
            U256::from(7u64)
        );
    }
    let file = tmp.path().join("chain.rlp");
    let out = gloam()
        .args(["node", "export", "--genesis"])
        .arg(&gpath)
        .arg("--datadir")
        .arg(&src)
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let dst = tmp.path().join("dst");
    let out = gloam()
        .args(["node", "import", "--genesis"])
        .arg(&gpath)
        .arg("--datadir")
        .arg(&dst)
        .arg(&file)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.contains("imported 1 blocks"),
        "{text} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The same file on the dev genesis: the known genesis block conflicts.
    let other = tmp.path().join("other");
    let out = gloam().args(["node", "import", "--datadir"]).arg(&other).arg(&file).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("already known with a different hash"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A datadir made for the genesis file refuses to open with the dev genesis.
    let out = gloam().args(["node", "export", "--datadir"]).arg(&dst).arg(tmp.path().join("x.rlp")).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("chain id"), "{}", String::from_utf8_lossy(&out.stderr));
}

/// Under on-demand mining a send answers only once its block is committed, so a receipt lookup
/// right after the answer finds it (ethers' `tx.wait()` relies on this; see
/// `RpcConfig::await_inclusion`). A transaction behind a nonce gap answers at once and stays
/// pending until the gap is filled.
#[test]
fn on_demand_sends_answer_after_their_block() {
    let dir = tempfile::tempdir().unwrap();
    let node = start(dir.path());
    let a = node.addr.as_str();
    let to = Address::repeat_byte(0x42);
    for nonce in 0..5u64 {
        let h = send(a, &transfer(&dev_signer(6), DEV_CHAIN_ID, nonce, to, U256::from(1u64)));
        let r = rpc(a, "eth_getTransactionReceipt", json!([result(&h)]));
        assert_eq!(result(&r)["status"], "0x1", "nonce {nonce}: no receipt right after the send: {r}");
    }
    // Nonce 6 leaves a gap at 5: answered without waiting for a block that cannot come.
    let t0 = Instant::now();
    let gap = send(a, &transfer(&dev_signer(6), DEV_CHAIN_ID, 6, to, U256::from(1u64)));
    assert!(t0.elapsed() < Duration::from_secs(2), "a gapped send waited {:?}", t0.elapsed());
    assert!(result(&rpc(a, "eth_getTransactionReceipt", json!([result(&gap)]))).is_null());
    let fill = send(a, &transfer(&dev_signer(6), DEV_CHAIN_ID, 5, to, U256::from(1u64)));
    assert_eq!(result(&rpc(a, "eth_getTransactionReceipt", json!([result(&fill)])))["status"], "0x1");
    assert_eq!(wait_receipt(a, result(&gap))["status"], "0x1");
    assert_eq!(result(&rpc(a, "eth_getBalance", json!([to, "latest"]))), "0x7");
}
