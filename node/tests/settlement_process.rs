//! The settlement layer as processes:
//! * four `gloam node --validator` processes on loopback (commonware simplex over authenticated
//!   p2p) finalize a block carrying a blob; every validator serves the blob by versioned hash; a
//!   validator killed with `kill -9` and restarted still has it and catches up while the other
//!   three keep finalizing;
//! * a validator set per epoch from stake: a staker registers a follower's consensus keys, the
//!   next epoch's committee (recorded in the ledger) includes it, and it votes and proposes;
//! * `gloam node --dev` (EVM environment + one-validator settlement layer + batcher) and a second
//!   `gloam node --follow-settlement` that rebuilds the EVM chain from the posted blobs alone and
//!   reaches the same block hash and state root.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use alloy_primitives::{Address, U256};
use gloam_evm::genesis::{dev_signer, DEV_CHAIN_ID};
use gloam_evm::testutil::{encode_hex, transfer};
use serde_json::{json, Value};

fn gloam() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_gloam"));
    c.env("GLOAM_LOG", "error").env("GLOAM_BACKEND", "cpu");
    c
}

struct Proc {
    child: Child,
    lines: mpsc::Receiver<String>,
    name: String,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Proc {
    fn spawn(name: &str, cmd: &mut Command) -> Proc {
        let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn().expect("spawn gloam");
        let out = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        let tag = name.to_string();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if std::env::var_os("GLOAM_TEST_ECHO").is_some() {
                    eprintln!("[{tag}] {line}");
                }
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Proc { child, lines: rx, name: name.to_string() }
    }

    /// Waits for a stdout line starting with `prefix`; returns the rest.
    fn wait_line(&mut self, prefix: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    if let Some(rest) = line.strip_prefix(prefix) {
                        return rest.trim().to_string();
                    }
                }
                Err(_) => panic!("{}: no line starting with {prefix:?} within {timeout:?}", self.name),
            }
        }
    }
}

fn rpc(addr: &str, method: &str, params: Value) -> Result<Value, String> {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).to_string();
    let mut s = TcpStream::connect(addr).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(30))).ok();
    write!(
        s,
        "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .map_err(|e| e.to_string())?;
    let mut resp = String::new();
    s.read_to_string(&mut resp).map_err(|e| e.to_string())?;
    let json_start = resp.find("\r\n\r\n").ok_or("no HTTP body")? + 4;
    let v: Value = serde_json::from_str(&resp[json_start..]).map_err(|e| format!("{e}: {resp}"))?;
    match v.get("error") {
        Some(e) => Err(e.to_string()),
        None => Ok(v["result"].clone()),
    }
}

fn quantity(v: &Value) -> u64 {
    u64::from_str_radix(v.as_str().unwrap_or("0x0").trim_start_matches("0x"), 16).unwrap_or(0)
}

fn wait_until<T>(what: &str, timeout: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out after {timeout:?} waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn finalized_number(addr: &str) -> u64 {
    rpc(addr, "eth_getBlockByNumber", json!(["finalized", false])).map(|b| quantity(&b["number"])).unwrap_or(0)
}

/// A free block of `n` consecutive ports (checked by binding each).
fn free_port_block(n: u16) -> u16 {
    for attempt in 0..200u32 {
        let base = 20_000 + ((std::process::id() * 7 + attempt * 97) % 30_000) as u16;
        let ok = (0..n).all(|i| std::net::TcpListener::bind(("127.0.0.1", base + i)).is_ok());
        if ok {
            return base;
        }
    }
    panic!("no free port block");
}

/// Starts validator `i` of the testnet in `dir`; returns it and its settlement RPC address.
fn validator(dir: &Path, i: usize) -> (Proc, String) {
    let cfg = dir.join(format!("validator-{i}")).join("config.json");
    let mut p = Proc::spawn(
        &format!("validator-{i}"),
        gloam().args(["node", "--validator"]).arg(&cfg).args(["--settlement-rpc-addr", "127.0.0.1:0"]),
    );
    let addr = p.wait_line("settlement rpc: http://", Duration::from_secs(120));
    (p, addr)
}

#[test]
fn four_validator_processes_finalize_a_blob_and_survive_kill_9() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("net");
    let base = free_port_block(4);
    let out = gloam()
        .args(["node", "init-testnet", "4", "--seed", "7", "--base-port", &base.to_string(), "--dir"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "init-testnet: {}", String::from_utf8_lossy(&out.stderr));

    let mut procs = Vec::new();
    let mut addrs = Vec::new();
    for i in 0..4 {
        let (p, a) = validator(&dir, i);
        procs.push(p);
        addrs.push(a);
    }
    // All four finalize blocks.
    wait_until("4 validators finalizing", Duration::from_secs(120), || {
        addrs.iter().all(|a| finalized_number(a) >= 2).then_some(())
    });

    // A blob transaction from dev account 5, in the network form, to validator 0.
    let engine = std::sync::Arc::new(gloam_engine::Engine::cpu_only());
    let kzg = gloam_kzg::KzgSettings::mainnet(engine).unwrap();
    let items = gloam_settlement::testutil::blob_items(&kzg, vec![gloam_settlement::testutil::test_blob(11)]);
    let signer = dev_signer(5);
    let tx = gloam_settlement::testutil::blob_tx(
        &signer,
        gloam_settlement::DEV_CHAIN_ID,
        0,
        gloam_settlement::BATCH_INBOX,
        &items,
    );
    let raw = gloam_settlement::testutil::encode_net(&tx);
    let versioned = format!("0x{}", hex::encode(items[0].versioned_hash));
    let blob_hex = format!("0x{}", hex::encode(items[0].blob.as_bytes()));
    let hash = rpc(&addrs[0], "eth_sendRawTransaction", json!([format!("0x{}", hex::encode(&raw))])).unwrap();
    let receipt = wait_until("blob tx receipt", Duration::from_secs(120), || {
        rpc(&addrs[0], "eth_getTransactionReceipt", json!([hash])).ok().filter(|r| !r.is_null())
    });
    assert_eq!(receipt["status"], "0x1", "{receipt}");
    let in_block = quantity(&receipt["blockNumber"]);
    // Every validator finalized it and serves the blob by versioned hash, byte for byte.
    for a in &addrs {
        wait_until("finality everywhere", Duration::from_secs(60), || (finalized_number(a) >= in_block).then_some(()));
        let b = rpc(a, "gloam_getBlobByVersionedHash", json!([versioned])).unwrap();
        assert_eq!(b["blob"].as_str(), Some(blob_hex.as_str()), "validator at {a}");
        assert_eq!(quantity(&b["blockNumber"]), in_block);
    }

    // kill -9 validator 3: the other three (quorum 3 of 4) keep finalizing.
    let _ = procs[3].child.kill();
    let _ = procs[3].child.wait();
    let before = finalized_number(&addrs[0]);
    wait_until("progress with one validator down", Duration::from_secs(120), || {
        (finalized_number(&addrs[0]) >= before + 3).then_some(())
    });
    // Restarted from its disk: it resumes at its last fsynced block (the node syncs finalized
    // blocks in groups; consensus re-delivers the unsynced tail from its archive), catches up,
    // and the finalized blob is there.
    let (p, a3) = validator(&dir, 3);
    let resumed = finalized_number(&a3);
    if resumed >= in_block {
        let b = rpc(&a3, "gloam_getBlobByVersionedHash", json!([versioned])).unwrap();
        assert_eq!(b["blob"].as_str(), Some(blob_hex.as_str()), "blob lost after kill -9");
    }
    let target = finalized_number(&addrs[0]);
    wait_until("restarted validator catches up", Duration::from_secs(120), || {
        (finalized_number(&a3) >= target).then_some(())
    });
    let b = rpc(&a3, "gloam_getBlobByVersionedHash", json!([versioned])).unwrap();
    assert_eq!(b["blob"].as_str(), Some(blob_hex.as_str()), "blob lost after kill -9 (resumed at {resumed})");
    eprintln!("validator 3 resumed at finalized {resumed} (blob in {in_block}), caught up to {target}");
    procs[3] = p;
}

#[test]
fn dev_node_batches_blocks_and_a_follower_rebuilds_them() {
    let tmp = tempfile::tempdir().unwrap();
    let mut dev = Proc::spawn(
        "dev",
        gloam()
            .args(["node", "--dev", "--rpc-addr", "127.0.0.1:0", "--settlement-rpc-addr", "127.0.0.1:0"])
            .args(["--settlement-block-time", "300ms", "--datadir"])
            .arg(tmp.path().join("dev")),
    );
    let settle = dev.wait_line("settlement rpc: http://", Duration::from_secs(120));
    let evm = dev.wait_line("rpc: http://", Duration::from_secs(60));

    // A few EVM blocks with transfers.
    let signer = dev_signer(1);
    let to = Address::repeat_byte(0x42);
    for nonce in 0..3u64 {
        let raw = encode_hex(&transfer(&signer, DEV_CHAIN_ID, nonce, to, U256::from(1000 + nonce)));
        let h = rpc(&evm, "eth_sendRawTransaction", json!([raw])).unwrap();
        wait_until("EVM receipt", Duration::from_secs(30), || {
            rpc(&evm, "eth_getTransactionReceipt", json!([h])).ok().filter(|r| !r.is_null())
        });
    }
    let head = quantity(&rpc(&evm, "eth_blockNumber", json!([])).unwrap());
    assert!(head >= 3);
    // The batcher posts them; the output root of the head appears on the settlement layer.
    wait_until("output root posted", Duration::from_secs(120), || {
        rpc(&settle, "gloam_getOutputRoot", json!([1, head])).ok().filter(|v| !v.is_null())
    });

    let mut follower = Proc::spawn(
        "follower",
        gloam()
            .args(["node", "--follow-settlement", &format!("http://{settle}"), "--rpc-addr", "127.0.0.1:0"])
            .args(["--datadir"])
            .arg(tmp.path().join("follower")),
    );
    let fevm = follower.wait_line("rpc: http://", Duration::from_secs(120));
    let want = rpc(&evm, "eth_getBlockByNumber", json!([format!("0x{head:x}"), false])).unwrap();
    let got = wait_until("follower reaches the head", Duration::from_secs(120), || {
        rpc(&fevm, "eth_getBlockByNumber", json!([format!("0x{head:x}"), false])).ok().filter(|b| !b.is_null())
    });
    assert_eq!(got["hash"], want["hash"]);
    assert_eq!(got["stateRoot"], want["stateRoot"]);
    assert_eq!(
        rpc(&fevm, "eth_getBalance", json!([format!("{to}"), "latest"])).unwrap(),
        rpc(&evm, "eth_getBalance", json!([format!("{to}"), "latest"])).unwrap()
    );
    // No disputes: every posted output root matched the re-execution.
    assert_eq!(rpc(&settle, "gloam_getDisputes", json!([])).unwrap(), json!([]));
}

/// Validator set per epoch from stake: a two-validator testnet whose genesis committee is
/// validator 0 alone (epochs of 8 blocks). Validator 1 starts as a follower; dev account 1
/// (staked at genesis) registers validator 1's consensus keys with `registerValidator`. The
/// next epoch boundary records a committee of two in the ledger; from then on a block needs
/// both validators' votes (quorum of 2 of 2), so finalizing blocks of that epoch shows the
/// joiner voting, and blocks it proposed pay dev account 1.
#[test]
fn a_registered_staker_joins_the_committee_at_the_next_epoch() {
    const L: u64 = 8;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("net");
    let base = free_port_block(2);
    let out = gloam()
        .args(["node", "init-testnet", "2", "--seed", "11", "--base-port", &base.to_string(), "--dir"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "init-testnet: {}", String::from_utf8_lossy(&out.stderr));
    let path = |i: usize| dir.join(format!("validator-{i}")).join("config.json");
    let mut cfgs: Vec<Value> =
        (0..2).map(|i| serde_json::from_str(&std::fs::read_to_string(path(i)).unwrap()).unwrap()).collect();
    let entry_of = |cfg: &Value| -> Value {
        cfg["validators"].as_array().unwrap().iter().find(|e| e["address"] == cfg["listen"]).unwrap().clone()
    };
    let (first, joiner) = (entry_of(&cfgs[0]), entry_of(&cfgs[1]));
    for (i, c) in cfgs.iter_mut().enumerate() {
        c["validators"] = json!([first.clone()]);
        c["epoch_length"] = json!(L);
        std::fs::write(path(i), serde_json::to_string_pretty(c).unwrap()).unwrap();
    }
    let (_v0, a0) = validator(&dir, 0);
    let (_v1, a1) = validator(&dir, 1);
    wait_until("validator 0 finalizing alone", Duration::from_secs(120), || (finalized_number(&a0) >= 2).then_some(()));

    // The joiner's registration, as its operator would make it.
    let out = gloam().args(["node", "register-calldata"]).arg(path(1)).output().unwrap();
    assert!(out.status.success(), "register-calldata: {}", String::from_utf8_lossy(&out.stderr));
    let reg: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(reg["endpoint"], joiner["address"]);
    assert_eq!(reg["identity"].as_str().unwrap().trim_start_matches("0x"), joiner["identity"].as_str().unwrap());
    assert_eq!(reg["blsPop"].as_str().unwrap().trim_start_matches("0x"), joiner["bls_pop"].as_str().unwrap());
    let input = hex::decode(reg["calldata"].as_str().unwrap().trim_start_matches("0x")).unwrap();
    let staker = dev_signer(1);
    let tx = gloam_settlement::testutil::call(
        &staker,
        gloam_settlement::DEV_CHAIN_ID,
        0,
        gloam_settlement::STAKING,
        U256::ZERO,
        input,
        200_000,
    );
    let raw = format!("0x{}", hex::encode(alloy_eips::eip2718::Encodable2718::encoded_2718(&tx)));
    let hash = rpc(&a0, "eth_sendRawTransaction", json!([raw])).unwrap();
    let receipt = wait_until("registration receipt", Duration::from_secs(60), || {
        rpc(&a0, "eth_getTransactionReceipt", json!([hash])).ok().filter(|r| !r.is_null())
    });
    assert_eq!(receipt["status"], "0x1", "{receipt}");
    let epoch = quantity(&receipt["blockNumber"]) / L + 1;

    // The boundary block records the two-member committee; blocks of that epoch finalize.
    let committee = wait_until("committee of the next epoch", Duration::from_secs(120), || {
        rpc(&a0, "gloam_committee", json!([format!("0x{epoch:x}")])).ok().filter(|c| !c.is_null())
    });
    let members: Vec<&str> =
        committee["members"].as_array().unwrap().iter().map(|m| m["endpoint"].as_str().unwrap()).collect();
    assert_eq!(members.len(), 2, "{committee}");
    assert!(members.contains(&joiner["address"].as_str().unwrap()), "{committee}");
    let target = epoch * L + 4;
    for a in [&a0, &a1] {
        wait_until("blocks of the two-validator epoch finalized", Duration::from_secs(180), || {
            (finalized_number(a) >= target).then_some(())
        });
    }
    let miners: Vec<String> = (epoch * L..=target)
        .map(|n| rpc(&a0, "eth_getBlockByNumber", json!([format!("0x{n:x}"), false])).unwrap()["miner"].to_string())
        .collect();
    let joiner_pays = format!("{:?}", staker.address()).to_lowercase();
    assert!(
        miners.iter().any(|m| m.to_lowercase().contains(&joiner_pays)),
        "no block of epoch {epoch} proposed by the joiner: {miners:?}"
    );
    // Both validators agree on the chain.
    for n in [epoch * L - 1, target] {
        let b0 = rpc(&a0, "eth_getBlockByNumber", json!([format!("0x{n:x}"), false])).unwrap();
        let b1 = rpc(&a1, "eth_getBlockByNumber", json!([format!("0x{n:x}"), false])).unwrap();
        assert_eq!(b0["hash"], b1["hash"], "block {n}");
    }
}
