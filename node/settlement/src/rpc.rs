//! JSON-RPC over HTTP and WebSocket on one port (jsonrpsee): the `eth_*` methods web3.py 8 and
//! ethers 6 use to send value and blob transactions and wait for receipts, plus `gloam_*`.
//!
//! Errors: -32601 unknown method, -32602 bad params, -32000 refused transactions and server
//! errors (geth's messages), 3 for a failing system call in `eth_call` / `eth_estimateGas`
//! (`data` = ABI `Error(string)`).

use std::net::SocketAddr;
use std::sync::Arc;

use alloy_consensus::{Transaction as _, TxEnvelope};
use alloy_eips::BlockNumberOrTag;
use alloy_primitives::{Address, Bytes, TxKind, B256, U256, U64};
use alloy_rpc_types_eth::{Log as RpcLog, Transaction as RpcTransaction, TransactionReceipt, TransactionRequest};
use jsonrpsee::server::{RpcModule, Server, ServerConfig, ServerHandle};
use jsonrpsee::types::ErrorObjectOwned;
use serde_json::{json, Value};

use gloam_evm::admission::Admission;
use gloam_evm::rpc_common::{
    hex_u64, invalid_params, list, map_receipt_logs, nth, rpc_logs, server_err, to_json, LogPosition, RpcResult,
};
use gloam_evm::rpc_logs::{Filters, HexIds, LogBlock, LogSource};

use crate::chain::Settlement;
use crate::error::{SettlementError, SubmitError};
use crate::exec::{intrinsic_gas, system_call, system_gas, CallCtx};
use crate::params::*;
use crate::state::Changes;
use crate::store::FinalBlock;
use crate::types::{BlobProof, BlobRecord};

/// The suggested priority fee (1 gwei).
pub const SUGGESTED_TIP: u128 = 1_000_000_000;
/// Most requests in one JSON-RPC batch.
pub const MAX_BATCH: u32 = 256;
/// Largest request body (6 blobs in hex plus framing).
pub const MAX_REQUEST_BYTES: u32 = 8 << 20;
/// Largest batch of raw transactions admitted together.
pub const MAX_ADMISSION_BATCH: usize = 256;

fn submit_err(e: SubmitError) -> ErrorObjectOwned {
    match e {
        SubmitError::Decode(_) => invalid_params(e),
        _ => server_err(e),
    }
}

fn storage(e: SettlementError) -> ErrorObjectOwned {
    server_err(e)
}

/// Shared RPC context.
pub struct RpcContext {
    pub settlement: Arc<Settlement>,
    admission: Admission<SubmitError>,
    filters: Filters,
}

/// Starts the server on `addr` (port 0 picks one); returns its handle and the bound address.
pub async fn start(settlement: Arc<Settlement>, addr: SocketAddr) -> std::io::Result<(ServerHandle, SocketAddr)> {
    let cfg = ServerConfig::builder()
        .max_request_body_size(MAX_REQUEST_BYTES)
        .max_response_body_size(MAX_REQUEST_BYTES * 2)
        .set_batch_request_config(jsonrpsee::server::BatchRequestConfig::Limit(MAX_BATCH))
        .set_id_provider(HexIds::default())
        .build();
    let server = Server::builder().set_config(cfg).build(addr).await?;
    let addr = server.local_addr()?;
    let module = module(settlement).map_err(|e| std::io::Error::other(e.to_string()))?;
    Ok((server.start(module), addr))
}

fn hex_u128(n: u128) -> Value {
    Value::String(format!("{n:#x}"))
}

fn quantity(v: &[Value], i: usize, what: &str) -> RpcResult<u64> {
    Ok(nth::<U64>(v, i, what)?.to::<u64>())
}

/// A block's header as JSON-RPC shows it (`newHeads`; blocks add size, transactions, …).
fn header_json(b: &FinalBlock) -> Value {
    let h = &b.block.header;
    json!({
        "number": hex_u64(h.number),
        "hash": b.hash,
        "parentHash": h.parent_hash,
        "nonce": "0x0000000000000000",
        "sha3Uncles": alloy_consensus::EMPTY_OMMER_ROOT_HASH,
        "logsBloom": h.logs_bloom,
        "transactionsRoot": h.transactions_root,
        "stateRoot": h.state_root,
        "receiptsRoot": h.receipts_root,
        "miner": h.proposer,
        "difficulty": "0x0",
        "extraData": "0x",
        "gasLimit": hex_u64(h.gas_limit),
        "gasUsed": hex_u64(h.gas_used),
        "timestamp": hex_u64(h.timestamp_ms / 1000),
        "timestampMs": hex_u64(h.timestamp_ms),
        "baseFeePerGas": hex_u64(h.base_fee),
        "blobGasUsed": hex_u64(h.blob_gas_used),
        "excessBlobGas": hex_u64(h.excess_blob_gas),
        "mixHash": B256::ZERO,
        "withdrawalsRoot": alloy_trie::EMPTY_ROOT_HASH,
    })
}

/// The logs of transaction `i` of `b`, numbered from `first_log_index`.
fn tx_logs(b: &FinalBlock, i: usize, first_log_index: u64) -> Vec<RpcLog> {
    let at = LogPosition {
        block_hash: b.hash,
        block_number: b.block.header.number,
        block_timestamp: b.block.header.timestamp_ms / 1000,
        tx_hash: *b.block.txs[i].tx_hash(),
        tx_index: i as u64,
        first_log_index,
    };
    rpc_logs(b.receipts[i].logs(), at)
}

/// Logs, filters and subscriptions over finalized blocks (the only ones served).
impl LogSource for Settlement {
    type Notice = (u64, B256);

    fn head_number(&self) -> u64 {
        self.last_finalized_height()
    }

    fn number_of_hash(&self, hash: &B256) -> RpcResult<Option<u64>> {
        Ok(self.block_by_hash(hash).map_err(storage)?.map(|b| b.block.header.number))
    }

    fn log_block(&self, number: u64) -> RpcResult<Option<LogBlock<'_>>> {
        Ok(self.block_by_number(number).map_err(storage)?.map(|b| LogBlock {
            hash: b.hash,
            bloom: b.block.header.logs_bloom,
            logs: Box::new(move || {
                let mut out = Vec::new();
                for i in 0..b.receipts.len() {
                    let first = out.len() as u64;
                    out.extend(tx_logs(&b, i, first));
                }
                out
            }),
        }))
    }

    fn header_json(&self, number: u64) -> RpcResult<Option<Value>> {
        Ok(self.block_by_number(number).map_err(storage)?.map(|b| header_json(&b)))
    }

    fn notices(&self) -> tokio::sync::broadcast::Receiver<(u64, B256)> {
        self.finalized_tx.subscribe()
    }

    fn notice_head(notice: &(u64, B256)) -> u64 {
        notice.0
    }
}

impl RpcContext {
    fn head(&self) -> u64 {
        self.settlement.last_finalized_height()
    }

    /// A block tag or number → number (`None`: not there).
    fn resolve(&self, tag: BlockNumberOrTag) -> Option<u64> {
        LogSource::resolve_tag(&*self.settlement, tag)
    }

    /// The state a query refers to: only the finalized head's state is kept (no archive of
    /// past states); `None`/tags/the head number/its hash are accepted. Returns `pending`.
    fn check_state_block(&self, v: Option<&Value>) -> RpcResult<bool> {
        let Some(v) = v else { return Ok(false) };
        if v.is_null() {
            return Ok(false);
        }
        let (tag, pending) = if let Some(obj) = v.as_object() {
            if let Some(h) = obj.get("blockHash") {
                let h: B256 = serde_json::from_value(h.clone()).map_err(invalid_params)?;
                if h != self.settlement.heads().finalized.1 {
                    return Err(server_err("historical state is not available (only the finalized head's)"));
                }
                return Ok(false);
            }
            let n = obj.get("blockNumber").ok_or_else(|| invalid_params("block id needs blockHash or blockNumber"))?;
            (serde_json::from_value::<BlockNumberOrTag>(n.clone()).map_err(invalid_params)?, false)
        } else {
            let t: BlockNumberOrTag = serde_json::from_value(v.clone()).map_err(invalid_params)?;
            (t, matches!(t, BlockNumberOrTag::Pending))
        };
        match self.resolve(tag) {
            Some(n) if n == self.head() => Ok(pending),
            Some(_) => Err(server_err("historical state is not available (only the finalized head's)")),
            None => Err(server_err("header not found")),
        }
    }

    fn rpc_tx(&self, b: &FinalBlock, i: usize) -> RpcTransaction {
        let tx = b.block.txs[i].clone();
        let effective = tx.effective_gas_price(Some(b.block.header.base_fee));
        RpcTransaction {
            inner: alloy_consensus::transaction::Recovered::new_unchecked(tx, b.senders[i]),
            block_hash: Some(b.hash),
            block_number: Some(b.block.header.number),
            transaction_index: Some(i as u64),
            effective_gas_price: Some(effective),
            block_timestamp: Some(b.block.header.timestamp_ms / 1000),
        }
    }

    fn rpc_block(&self, b: &FinalBlock, full: bool) -> RpcResult<Value> {
        let txs: Vec<Value> = if full {
            (0..b.block.txs.len()).map(|i| to_json(self.rpc_tx(b, i))).collect::<RpcResult<_>>()?
        } else {
            b.block.txs.iter().map(|t| json!(t.tx_hash())).collect()
        };
        let mut v = header_json(b);
        v["size"] = hex_u64(b.size as u64);
        v["totalDifficulty"] = json!("0x0");
        v["withdrawals"] = json!([]);
        v["transactions"] = json!(txs);
        v["uncles"] = json!([]);
        Ok(v)
    }

    fn receipt(&self, b: &FinalBlock, i: usize) -> TransactionReceipt {
        let tx = &b.block.txs[i];
        let r = &b.receipts[i];
        let h = &b.block.header;
        let prev = if i == 0 { 0 } else { b.receipts[i - 1].cumulative_gas_used() };
        let first_log: u64 = b.receipts[..i].iter().map(|r| r.logs().len() as u64).sum();
        let logs = tx_logs(b, i, first_log);
        let blobs = crate::exec::blob_count(tx) as u64;
        TransactionReceipt {
            inner: map_receipt_logs(r, logs),
            transaction_hash: *tx.tx_hash(),
            transaction_index: Some(i as u64),
            block_hash: Some(b.hash),
            block_number: Some(h.number),
            gas_used: r.cumulative_gas_used() - prev,
            effective_gas_price: tx.effective_gas_price(Some(h.base_fee)),
            blob_gas_used: (blobs > 0).then_some(blobs * GAS_PER_BLOB),
            blob_gas_price: (blobs > 0).then_some(blob_base_fee(h.excess_blob_gas)),
            from: b.senders[i],
            to: tx.to(),
            contract_address: None,
        }
    }

    fn block_by_tag(&self, v: &Value) -> RpcResult<Option<FinalBlock>> {
        let tag: BlockNumberOrTag =
            serde_json::from_value(v.clone()).map_err(|e| invalid_params(format!("block: {e}")))?;
        match self.resolve(tag) {
            Some(n) => self.settlement.block_by_number(n).map_err(storage),
            None => Ok(None),
        }
    }

    fn fee_history(&self, count: u64, newest: BlockNumberOrTag, pct: Option<Vec<f64>>) -> RpcResult<Value> {
        let count = count.clamp(1, 1024);
        let newest = self.resolve(newest).ok_or_else(|| server_err("header not found"))?;
        let oldest = newest.saturating_sub(count - 1);
        let (mut base, mut ratio, mut blob_base, mut blob_ratio, mut rewards) =
            (vec![], vec![], vec![], vec![], vec![]);
        let mut last = None;
        for n in oldest..=newest {
            let b =
                self.settlement.block_by_number(n).map_err(storage)?.ok_or_else(|| server_err("header not found"))?;
            let h = &b.block.header;
            base.push(hex_u64(h.base_fee));
            ratio.push(json!(h.gas_used as f64 / h.gas_limit.max(1) as f64));
            blob_base.push(hex_u128(blob_base_fee(h.excess_blob_gas)));
            blob_ratio.push(json!(h.blob_gas_used as f64 / (MAX_BLOBS_PER_BLOCK * GAS_PER_BLOB) as f64));
            if let Some(ps) = &pct {
                let mut tips: Vec<u128> =
                    b.block.txs.iter().map(|t| t.effective_tip_per_gas(h.base_fee).unwrap_or(0)).collect();
                tips.sort_unstable();
                let row: Vec<Value> = ps
                    .iter()
                    .map(|p| {
                        if tips.is_empty() {
                            return hex_u64(0);
                        }
                        let k = ((p / 100.0) * (tips.len() - 1) as f64).round() as usize;
                        hex_u128(tips[k.min(tips.len() - 1)])
                    })
                    .collect();
                rewards.push(Value::Array(row));
            }
            last = Some(h.clone());
        }
        if let Some(h) = last {
            let (b, _, bb) = Settlement::next_fees(&h);
            base.push(hex_u64(b));
            blob_base.push(hex_u128(bb));
        }
        let mut out = json!({
            "oldestBlock": hex_u64(oldest),
            "baseFeePerGas": base,
            "gasUsedRatio": ratio,
            "baseFeePerBlobGas": blob_base,
            "blobGasUsedRatio": blob_ratio,
        });
        if pct.is_some() {
            out["reward"] = Value::Array(rewards);
        }
        Ok(out)
    }

    /// `eth_call`: the views (`stakeOf(address)` on STAKING, `outputRoot(uint64,uint64)` on
    /// OUTPUT_ORACLE), system calls simulated on a scratch copy of the state (`0x` on success, an
    /// error with the reason otherwise), `0x` for any other destination.
    fn call(&self, req: &TransactionRequest) -> RpcResult<Bytes> {
        let Some(TxKind::Call(to)) = req.to else { return Err(server_err("contract creation is not supported")) };
        let input = req.input.input().cloned().unwrap_or_default();
        let ledger = self.settlement.ledger();
        if input.len() >= 4 {
            let sel = [input[0], input[1], input[2], input[3]];
            if to == STAKING && sel == selector(SIG_STAKE_OF) {
                if input.len() != 36 {
                    return Err(invalid_params("stakeOf(address): wrong calldata length"));
                }
                let who = Address::from_slice(&input[16..36]);
                return Ok(Bytes::from(ledger.stake(&who).to_be_bytes::<32>().to_vec()));
            }
            if to == OUTPUT_ORACLE && sel == selector(SIG_OUTPUT_ROOT) {
                if input.len() != 68 || input[4..28].iter().chain(&input[36..60]).any(|b| *b != 0) {
                    return Err(invalid_params("outputRoot(uint64,uint64): bad arguments"));
                }
                let env = u64::from_be_bytes(input[28..36].try_into().expect("8"));
                let l2 = u64::from_be_bytes(input[60..68].try_into().expect("8"));
                let root = ledger.outputs.get(&(env, l2)).map(|o| o.output_root).unwrap_or_default();
                return Ok(Bytes::from(root.to_vec()));
            }
        }
        if to == STAKING || to == OUTPUT_ORACLE || to == DISPUTES {
            let sender = req.from.unwrap_or_default();
            let value = req.value.unwrap_or_default();
            let mut scratch = (*ledger).clone();
            let ctx = CallCtx { sender, to, value, input: &input, block: self.head() + 1, tx_hash: B256::ZERO };
            return match system_call(&mut scratch, &ctx, &mut Changes::default()) {
                Ok(_) => Ok(Bytes::new()),
                Err(f) => Err(ErrorObjectOwned::owned(
                    3,
                    format!("execution reverted: {f}"),
                    Some(format!("0x{}", hex::encode(f.revert_data()))),
                )),
            };
        }
        Ok(Bytes::new())
    }

    fn estimate_gas(&self, req: &TransactionRequest) -> RpcResult<u64> {
        let Some(TxKind::Call(to)) = req.to else { return Err(server_err("contract creation is not supported")) };
        self.call(req)?;
        let input = req.input.input().cloned().unwrap_or_default();
        let tx = alloy_consensus::TxEip1559 {
            chain_id: self.settlement.chain_id(),
            to: TxKind::Call(to),
            access_list: req.access_list.clone().unwrap_or_default(),
            input: input.clone(),
            ..Default::default()
        };
        let sig = alloy_primitives::Signature::new(U256::from(1u8), U256::from(1u8), false);
        let env: TxEnvelope = alloy_consensus::Signed::new_unchecked(tx, sig, B256::ZERO).into();
        Ok(intrinsic_gas(&env) + system_gas(&to, &input))
    }
}

/// JSON of a stored blob (`gloam_getBlobByVersionedHash`, `gloam_getBlobSidecars`). EIP-4844
/// sidecars: `proof` is the blob proof. EIP-7594 sidecars: `proof` is null and `cellProofs` holds
/// the 128 cell proofs.
pub fn blob_json(r: &BlobRecord) -> Value {
    match &r.proof {
        BlobProof::Blob(proof) => json!({
            "versionedHash": r.versioned_hash,
            "blob": format!("0x{}", hex::encode(&r.blob)),
            "commitment": r.commitment,
            "proof": proof,
            "blockNumber": hex_u64(r.block_number),
            "txHash": r.tx_hash,
            "index": hex_u64(r.index),
        }),
        BlobProof::Cells(cell_proofs) => json!({
            "versionedHash": r.versioned_hash,
            "blob": format!("0x{}", hex::encode(&r.blob)),
            "commitment": r.commitment,
            "proof": Value::Null,
            "cellProofs": cell_proofs,
            "blockNumber": hex_u64(r.block_number),
            "txHash": r.tx_hash,
            "index": hex_u64(r.index),
        }),
    }
}

/// Builds the method table.
pub fn module(settlement: Arc<Settlement>) -> Result<RpcModule<RpcContext>, jsonrpsee::core::RegisterMethodError> {
    let s = settlement.clone();
    // One worker admits whatever has queued with one `submit_raw_batch`: one sender-recovery
    // batch and one KZG batch for all of them.
    let admission = Admission::start_with(
        "gloam-settlement-admission",
        MAX_ADMISSION_BATCH,
        || SubmitError::ShuttingDown,
        move |raws| s.submit_raw_batch(raws),
    );
    let mut m = RpcModule::new(RpcContext { settlement, admission, filters: Filters::default() });

    m.register_method("web3_clientVersion", |_, _, _| -> RpcResult<Value> {
        Ok(json!(format!("gloam-settlement/v{}", env!("CARGO_PKG_VERSION"))))
    })?;
    m.register_method("eth_chainId", |_, c, _| -> RpcResult<Value> { Ok(hex_u64(c.settlement.chain_id())) })?;
    m.register_method("net_version", |_, c, _| -> RpcResult<Value> { Ok(json!(c.settlement.chain_id().to_string())) })?;
    m.register_method("net_listening", |_, _, _| -> RpcResult<Value> { Ok(json!(true)) })?;
    m.register_method("eth_syncing", |_, _, _| -> RpcResult<Value> { Ok(json!(false)) })?;
    m.register_method("eth_accounts", |_, _, _| -> RpcResult<Value> { Ok(json!([])) })?;
    m.register_method("eth_blockNumber", |_, c, _| -> RpcResult<Value> { Ok(hex_u64(c.head())) })?;
    m.register_method("eth_gasPrice", |_, c, _| -> RpcResult<Value> {
        Ok(hex_u128(c.settlement.next_base_fee() as u128 + SUGGESTED_TIP))
    })?;
    m.register_method("eth_maxPriorityFeePerGas", |_, _, _| -> RpcResult<Value> { Ok(hex_u128(SUGGESTED_TIP)) })?;
    m.register_method("eth_blobBaseFee", |_, c, _| -> RpcResult<Value> {
        Ok(hex_u128(c.settlement.next_blob_base_fee()))
    })?;
    m.register_blocking_method("eth_feeHistory", |p, c, _| -> RpcResult<Value> {
        let v = list(&p)?;
        let count = quantity(&v, 0, "blockCount")?;
        let newest: BlockNumberOrTag = nth(&v, 1, "newestBlock")?;
        let pct: Option<Vec<f64>> = match v.get(2) {
            None | Some(Value::Null) => None,
            Some(x) => Some(serde_json::from_value(x.clone()).map_err(invalid_params)?),
        };
        if let Some(ps) = &pct {
            if ps.len() > 100 || ps.iter().any(|p| !(0.0..=100.0).contains(p)) || ps.windows(2).any(|w| w[0] > w[1]) {
                return Err(invalid_params("reward percentiles must be at most 100 increasing values in [0, 100]"));
            }
        }
        c.fee_history(count, newest, pct)
    })?;
    m.register_method("eth_getBalance", |p, c, _| -> RpcResult<Value> {
        let v = list(&p)?;
        let a: Address = nth(&v, 0, "address")?;
        c.check_state_block(v.get(1))?;
        Ok(json!(c.settlement.ledger().account(&a).balance))
    })?;
    m.register_method("eth_getTransactionCount", |p, c, _| -> RpcResult<Value> {
        let v = list(&p)?;
        let a: Address = nth(&v, 0, "address")?;
        let pending = c.check_state_block(v.get(1))?;
        Ok(hex_u64(c.settlement.nonce(&a, pending)))
    })?;
    m.register_method("eth_getCode", |p, c, _| -> RpcResult<Value> {
        let v = list(&p)?;
        let _: Address = nth(&v, 0, "address")?;
        c.check_state_block(v.get(1))?;
        Ok(json!("0x"))
    })?;
    m.register_blocking_method("eth_call", |p, c, _| -> RpcResult<Value> {
        let v = list(&p)?;
        let req: TransactionRequest = nth(&v, 0, "transaction")?;
        c.check_state_block(v.get(1))?;
        Ok(json!(c.call(&req)?))
    })?;
    m.register_blocking_method("eth_estimateGas", |p, c, _| -> RpcResult<Value> {
        let v = list(&p)?;
        let req: TransactionRequest = nth(&v, 0, "transaction")?;
        c.check_state_block(v.get(1))?;
        Ok(hex_u64(c.estimate_gas(&req)?))
    })?;
    m.register_async_method("eth_sendRawTransaction", |p, c, _| async move {
        let v = list(&p)?;
        let raw: Bytes = nth(&v, 0, "raw transaction")?;
        let h = c.admission.submit(raw.to_vec()).await.map_err(submit_err)?;
        Ok::<Value, ErrorObjectOwned>(json!(h))
    })?;
    m.register_blocking_method("eth_getTransactionByHash", |p, c, _| -> RpcResult<Value> {
        let v = list(&p)?;
        let h: B256 = nth(&v, 0, "transaction hash")?;
        if let Some((b, i)) = c.settlement.transaction(&h).map_err(storage)? {
            return to_json(c.rpc_tx(&b, i));
        }
        match c.settlement.pooled(&h) {
            Some((tx, sender)) => to_json(RpcTransaction {
                inner: alloy_consensus::transaction::Recovered::new_unchecked(tx, sender),
                block_hash: None,
                block_number: None,
                transaction_index: None,
                effective_gas_price: None,
                block_timestamp: None,
            }),
            None => Ok(Value::Null),
        }
    })?;
    m.register_blocking_method("eth_getTransactionReceipt", |p, c, _| -> RpcResult<Value> {
        let v = list(&p)?;
        let h: B256 = nth(&v, 0, "transaction hash")?;
        match c.settlement.transaction(&h).map_err(storage)? {
            Some((b, i)) => to_json(c.receipt(&b, i)),
            None => Ok(Value::Null),
        }
    })?;
    m.register_blocking_method("eth_getBlockByNumber", |p, c, _| -> RpcResult<Value> {
        let v = list(&p)?;
        let tag = v.first().ok_or_else(|| invalid_params("missing block"))?;
        let full = v.get(1).and_then(|x| x.as_bool()).unwrap_or(false);
        match c.block_by_tag(tag)? {
            Some(b) => c.rpc_block(&b, full),
            None => Ok(Value::Null),
        }
    })?;
    m.register_blocking_method("eth_getBlockByHash", |p, c, _| -> RpcResult<Value> {
        let v = list(&p)?;
        let h: B256 = nth(&v, 0, "block hash")?;
        let full = v.get(1).and_then(|x| x.as_bool()).unwrap_or(false);
        match c.settlement.block_by_hash(&h).map_err(storage)? {
            Some(b) => c.rpc_block(&b, full),
            None => Ok(Value::Null),
        }
    })?;
    m.register_blocking_method("eth_getBlockReceipts", |p, c, _| -> RpcResult<Value> {
        let v = list(&p)?;
        let tag = v.first().ok_or_else(|| invalid_params("missing block"))?;
        match c.block_by_tag(tag)? {
            Some(b) => to_json((0..b.block.txs.len()).map(|i| c.receipt(&b, i)).collect::<Vec<_>>()),
            None => Ok(Value::Null),
        }
    })?;

    // ---- gloam_* ----
    m.register_blocking_method("gloam_getBlobByVersionedHash", |p, c, _| -> RpcResult<Value> {
        let v = list(&p)?;
        let h: B256 = nth(&v, 0, "versioned hash")?;
        Ok(c.settlement.blob(&h).map_err(storage)?.map_or(Value::Null, |r| blob_json(&r)))
    })?;
    m.register_blocking_method("gloam_getBlobSidecars", |p, c, _| -> RpcResult<Value> {
        let v = list(&p)?;
        let tag = v.first().ok_or_else(|| invalid_params("missing block"))?;
        let Some(b) = c.block_by_tag(tag)? else { return Ok(Value::Null) };
        let recs = c.settlement.blobs_at(b.block.header.number).map_err(storage)?;
        Ok(Value::Array(recs.iter().map(blob_json).collect()))
    })?;
    m.register_method("gloam_getOutputRoot", |p, c, _| -> RpcResult<Value> {
        let v = list(&p)?;
        let env = quantity(&v, 0, "envId")?;
        let l2 = quantity(&v, 1, "l2BlockNumber")?;
        Ok(match c.settlement.output(env, l2) {
            Some(o) => json!({
                "outputRoot": o.output_root,
                "settlementBlock": hex_u64(o.settlement_block),
                "submitter": o.submitter,
                "txHash": o.tx_hash,
            }),
            None => Value::Null,
        })
    })?;
    m.register_method("gloam_getDisputes", |_, c, _| -> RpcResult<Value> {
        Ok(Value::Array(
            c.settlement
                .disputes()
                .iter()
                .map(|d| {
                    json!({
                        "envId": hex_u64(d.env_id),
                        "l2BlockNumber": hex_u64(d.l2_block_number),
                        "postedRoot": d.posted_root,
                        "computedRoot": d.computed_root,
                        "submitter": d.submitter,
                        "settlementBlock": hex_u64(d.settlement_block),
                        "txHash": d.tx_hash,
                    })
                })
                .collect(),
        ))
    })?;
    m.register_method("gloam_validators", |_, c, _| -> RpcResult<Value> {
        let l = c.settlement.ledger();
        Ok(Value::Array(
            c.settlement
                .validators()
                .iter()
                .map(|(a, s)| json!({ "address": a, "stake": s, "identity": l.registry.get(a).map(|k| k.identity) }))
                .collect(),
        ))
    })?;
    m.register_method("gloam_committee", |p, c, _| -> RpcResult<Value> {
        let v = list(&p)?;
        let epoch = quantity(&v, 0, "epoch")?;
        Ok(match c.settlement.committee(epoch) {
            Some(members) => json!({
                "epoch": hex_u64(epoch),
                "members": members.iter().map(|(m, k)| json!({
                    "address": m.address,
                    "stake": m.stake,
                    "identity": k.identity,
                    "blsPublic": alloy_primitives::Bytes::clone(&k.bls_public),
                    "endpoint": String::from_utf8_lossy(&k.endpoint),
                })).collect::<Vec<_>>(),
            }),
            None => Value::Null,
        })
    })?;
    gloam_evm::rpc_logs::register(&mut m, |c: &RpcContext| (&*c.settlement, &c.filters))?;
    Ok(m)
}
