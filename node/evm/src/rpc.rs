//! Ethereum JSON-RPC over HTTP and WebSocket (one port, jsonrpsee), batch requests included.
//!
//! Error codes follow what clients match on: -32601 unknown method (viem falls back on it),
//! -32602 bad params, -32000 refused transactions and server errors (geth's messages), 3 for a
//! revert with `data` = the revert bytes and the decoded reason in the message.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use alloy_consensus::{Transaction as _, TxEnvelope};
use alloy_eips::BlockNumberOrTag;
use alloy_primitives::{Address, Bytes, TxKind, B256, U256, U64};
use alloy_rpc_types_eth::{
    Block as RpcBlock, BlockTransactions, Header as RpcHeader, Log as RpcLog, Transaction as RpcTransaction,
    TransactionReceipt, TransactionRequest,
};
use jsonrpsee::server::{RpcModule, Server, ServerConfig, ServerHandle};
use jsonrpsee::types::{ErrorObjectOwned, Params};
use revm::context::TxEnv;
use serde_json::{json, Value};

use crate::chain::{BlockRef, CallError, Chain, SubmitError};
use crate::rpc_common::{
    hex_u64, invalid_params, list, map_receipt_logs, nth, rpc_logs, server_err, to_json, LogPosition, RpcResult,
};
use crate::rpc_logs::{Filters, HexIds, LogBlock, LogSource};

/// The suggested priority fee (1 gwei).
pub const SUGGESTED_TIP: u128 = 1_000_000_000;
/// Most requests in one JSON-RPC batch.
pub const MAX_BATCH: u32 = 1024;
pub use crate::rpc_logs::{FILTER_TIMEOUT, MAX_LOGS, MAX_LOG_RANGE};

/// Decodes `Error(string)` and `Panic(uint256)` revert payloads (Solidity ABI).
pub fn revert_reason(data: &[u8]) -> Option<String> {
    if data.len() >= 4 + 32 + 32 && data[..4] == [0x08, 0xc3, 0x79, 0xa0] {
        let len = U256::from_be_slice(&data[36..68]);
        let len: usize = len.try_into().ok()?;
        let s = data.get(68..68usize.checked_add(len)?)?;
        return Some(String::from_utf8_lossy(s).into_owned());
    }
    if data.len() == 36 && data[..4] == [0x4e, 0x48, 0x7b, 0x71] {
        return Some(format!("panic: 0x{:02x}", U256::from_be_slice(&data[4..36])));
    }
    None
}

fn call_err(e: CallError) -> ErrorObjectOwned {
    match e {
        CallError::Revert(data) => {
            let msg = match revert_reason(&data) {
                Some(r) => format!("execution reverted: {r}"),
                None => "execution reverted".to_string(),
            };
            ErrorObjectOwned::owned(3, msg, Some(format!("0x{}", hex::encode(&data))))
        }
        CallError::StateUnavailable(_) => server_err(e),
        CallError::Halt(m) | CallError::Invalid(m) => server_err(m),
    }
}

fn submit_err(e: SubmitError) -> ErrorObjectOwned {
    match e {
        SubmitError::Decode(_) => invalid_params(e),
        _ => server_err(e),
    }
}

/// Above this many pending transactions a send under on-demand mining answers at once (see
/// [`RpcConfig::await_inclusion`]).
pub const AWAIT_INCLUSION_MAX_POOL: usize = 16;

/// Shared RPC context.
pub struct RpcContext {
    pub chain: Arc<Chain>,
    dev_signers: Vec<alloy_signer_local::PrivateKeySigner>,
    admission: crate::admission::Admission,
    filters: Filters,
    /// On-demand mining only: how long a send waits for its transaction's block (see
    /// [`RpcConfig::await_inclusion`]).
    await_inclusion: Option<Duration>,
}

/// What to start.
#[derive(Clone, Debug)]
pub struct RpcConfig {
    pub addr: SocketAddr,
    pub max_connections: u32,
    /// Keys the node signs `eth_sendTransaction` with (the dev accounts under `--dev`; empty
    /// otherwise, and then `eth_accounts` is empty and `eth_sendTransaction` refuses).
    pub dev_signers: Vec<alloy_signer_local::PrivateKeySigner>,
    /// With on-demand mining (`--block-time 0`), `eth_sendRawTransaction` and
    /// `eth_sendTransaction` answer once the transaction's block is committed, for at most this
    /// long (then with the hash anyway; the transaction stays pending). A transaction queued behind
    /// a nonce gap answers at once, and so does any send while more than
    /// [`AWAIT_INCLUSION_MAX_POOL`] transactions are pending (under load the next blocks come
    /// anyway, and waiting would limit throughput to the requests in flight per block). Clients that submit and then wait for a receipt by polling the
    /// block number (ethers' `tx.wait()`) otherwise race the miner: a receipt lookup that misses
    /// the block, followed by a block-number poll that already sees it, leaves them waiting for a
    /// block that never comes on an idle chain. Hardhat's automine answers after mining for the
    /// same reason. `None` with a fixed block time.
    pub await_inclusion: Option<Duration>,
}

/// Starts the server; returns its handle and the bound address (port 0 picks a free one).
pub async fn start(chain: Arc<Chain>, config: &RpcConfig) -> std::io::Result<(ServerHandle, SocketAddr)> {
    let cfg = ServerConfig::builder()
        .max_connections(config.max_connections)
        .set_batch_request_config(jsonrpsee::server::BatchRequestConfig::Limit(MAX_BATCH))
        .set_id_provider(HexIds::default())
        .build();
    let server = Server::builder().set_config(cfg).build(config.addr).await?;
    let addr = server.local_addr()?;
    let module = module(chain, config.dev_signers.clone(), config.await_inclusion)
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    Ok((server.start(module), addr))
}

fn parse_quantity(v: &Value, what: &str) -> RpcResult<u64> {
    serde_json::from_value::<U64>(v.clone()).map(|q| q.to::<u64>()).map_err(|e| invalid_params(format!("{what}: {e}")))
}

impl RpcContext {
    /// Admits a raw transaction; under on-demand mining, waits (bounded) for its block.
    async fn submit(&self, raw: Vec<u8>) -> RpcResult<B256> {
        let Some(limit) = self.await_inclusion else {
            return self.admission.submit(raw).await.map_err(submit_err);
        };
        // Subscribe first, so a block committed between admission and the first lookup is seen.
        let mut blocks = self.chain.blocks.subscribe();
        let h = self.admission.submit(raw).await.map_err(submit_err)?;
        // A busy pool means more blocks follow this one's, and clients polling for the next
        // block number see them; waiting would only cap throughput at (clients in flight) per
        // block.
        if self.chain.pool_len() > AWAIT_INCLUSION_MAX_POOL {
            return Ok(h);
        }
        let ready = match self.chain.pooled(&h) {
            // Executable now iff the pending nonce already counts it (no gap before it).
            Some(t) => t.tx.nonce() < self.chain.nonce(&t.sender, true),
            None => true, // already mined (or replaced): the lookup below decides
        };
        if !ready {
            return Ok(h);
        }
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            if self.chain.transaction(&h).map_err(server_err)?.is_some() || self.chain.pooled(&h).is_none() {
                return Ok(h);
            }
            match tokio::time::timeout_at(deadline, blocks.recv()).await {
                Err(_) | Ok(Err(tokio::sync::broadcast::error::RecvError::Closed)) => return Ok(h),
                Ok(_) => {} // a block (or a lag notice): look again
            }
        }
    }

    /// A block tag or number → number (`None`: does not exist yet).
    fn resolve_tag(&self, tag: BlockNumberOrTag) -> Option<u64> {
        LogSource::resolve_tag(&*self.chain, tag)
    }

    /// The block a state query refers to: `None` = latest; anything else must be the head.
    fn state_block(&self, v: Option<Value>) -> RpcResult<(Option<u64>, bool)> {
        let Some(v) = v else { return Ok((None, false)) };
        if v.is_null() {
            return Ok((None, false));
        }
        // EIP-1898 object or a tag/number.
        if let Some(obj) = v.as_object() {
            if let Some(h) = obj.get("blockHash") {
                let h: B256 = serde_json::from_value(h.clone()).map_err(invalid_params)?;
                let b =
                    self.chain.block_by_hash(&h).map_err(server_err)?.ok_or_else(|| server_err("header not found"))?;
                return Ok((Some(b.block.header.number), false));
            }
            if let Some(n) = obj.get("blockNumber") {
                let tag: BlockNumberOrTag = serde_json::from_value(n.clone()).map_err(invalid_params)?;
                let n = self.resolve_tag(tag).ok_or_else(|| server_err("header not found"))?;
                return Ok((Some(n), false));
            }
            return Err(invalid_params("block id object needs blockHash or blockNumber"));
        }
        let tag: BlockNumberOrTag = serde_json::from_value(v).map_err(invalid_params)?;
        let pending = matches!(tag, BlockNumberOrTag::Pending);
        let n = self.resolve_tag(tag).ok_or_else(|| server_err("header not found"))?;
        let head = self.chain.head_number();
        Ok(((n != head).then_some(n), pending))
    }

    fn rpc_tx(&self, b: &BlockRef, i: usize) -> RpcTransaction {
        let tx = b.block.body.transactions[i].clone();
        let base_fee = b.block.header.base_fee_per_gas;
        let effective = tx.effective_gas_price(base_fee);
        RpcTransaction {
            inner: alloy_consensus::transaction::Recovered::new_unchecked(tx, b.senders[i]),
            block_hash: Some(b.hash),
            block_number: Some(b.block.header.number),
            transaction_index: Some(i as u64),
            effective_gas_price: Some(effective),
            block_timestamp: Some(b.block.header.timestamp),
        }
    }

    fn rpc_block(&self, b: &BlockRef, full: bool) -> RpcBlock {
        let header = rpc_header(b);
        let transactions = if full {
            BlockTransactions::Full((0..b.block.body.transactions.len()).map(|i| self.rpc_tx(b, i)).collect())
        } else {
            BlockTransactions::Hashes(b.block.body.transactions.iter().map(|t| *t.tx_hash()).collect())
        };
        RpcBlock { header, uncles: vec![], transactions, withdrawals: Some(Default::default()) }
    }

    fn receipt(&self, b: &BlockRef, i: usize) -> TransactionReceipt {
        let tx = &b.block.body.transactions[i];
        let r = &b.receipts[i];
        let prev = if i == 0 { 0 } else { b.receipts[i - 1].cumulative_gas_used() };
        let first_log = b.receipts[..i].iter().map(|r| r.logs().len() as u64).sum::<u64>();
        let logs = tx_logs(b, i, first_log);
        let with_logs = map_receipt_logs(r, logs);
        let sender = b.senders[i];
        TransactionReceipt {
            inner: with_logs,
            transaction_hash: *tx.tx_hash(),
            transaction_index: Some(i as u64),
            block_hash: Some(b.hash),
            block_number: Some(b.block.header.number),
            gas_used: r.cumulative_gas_used() - prev,
            effective_gas_price: tx.effective_gas_price(b.block.header.base_fee_per_gas),
            blob_gas_used: None,
            blob_gas_price: None,
            from: sender,
            to: tx.to(),
            contract_address: match tx.kind() {
                TxKind::Create => Some(sender.create(tx.nonce())),
                TxKind::Call(_) => None,
            },
        }
    }

    fn tx_env(&self, req: TransactionRequest) -> RpcResult<TxEnv> {
        let caller = req.from.unwrap_or_default();
        let gas_price = req.max_fee_per_gas.or(req.gas_price).unwrap_or(0);
        let tip = req.max_priority_fee_per_gas;
        let input = req.input.input().cloned().unwrap_or_default();
        let kind = req.to.unwrap_or(TxKind::Create);
        let tx_type = if req.authorization_list.is_some() {
            4
        } else if req.max_fee_per_gas.is_some() || tip.is_some() {
            2
        } else if req.access_list.is_some() {
            1
        } else {
            0
        };
        let mut env = TxEnv {
            tx_type,
            caller,
            gas_limit: req.gas.unwrap_or(0),
            gas_price,
            kind,
            value: req.value.unwrap_or_default(),
            data: input,
            nonce: req.nonce.unwrap_or_else(|| self.chain.nonce(&caller, false)),
            chain_id: Some(self.chain.chain_id()),
            access_list: req.access_list.unwrap_or_default(),
            gas_priority_fee: if tx_type >= 2 { Some(tip.unwrap_or(0).min(gas_price)) } else { None },
            ..Default::default()
        };
        if let Some(auths) = req.authorization_list {
            env.authorization_list = auths.into_iter().map(revm::context::either::Either::Left).collect();
        }
        Ok(env)
    }

    /// `eth_sendTransaction` for the node's dev accounts: fills nonce (pending), gas (estimate),
    /// fees (EIP-1559: tip 1 gwei, fee cap 2 × next base fee + tip, unless given; a `gasPrice`
    /// alone makes a legacy or EIP-2930 transaction), signs and returns the raw bytes.
    fn sign_dev_transaction(&self, req: TransactionRequest) -> RpcResult<Vec<u8>> {
        use alloy_consensus::{SignableTransaction, TxEip1559, TxEip2930, TxLegacy};
        use alloy_signer::SignerSync;
        let from = req.from.ok_or_else(|| invalid_params("eth_sendTransaction needs `from`"))?;
        let signer = self
            .dev_signers
            .iter()
            .find(|s| s.address() == from)
            .ok_or_else(|| {
                server_err(format!("unknown account {from}: the node signs only for its dev accounts (eth_accounts)"))
            })?
            .clone();
        let chain_id = self.chain.chain_id();
        if req.chain_id.is_some_and(|c| c != chain_id) {
            return Err(server_err(format!(
                "invalid chain id: have {}, want {chain_id}",
                req.chain_id.unwrap_or_default()
            )));
        }
        let nonce = req.nonce.unwrap_or_else(|| self.chain.nonce(&from, true));
        let gas = match req.gas {
            Some(g) => g,
            None => {
                let mut probe = req.clone();
                probe.nonce = Some(nonce);
                let env = self.tx_env(probe)?;
                self.chain.estimate_gas(env, None).map_err(call_err)?
            }
        };
        let to = req.to.unwrap_or(TxKind::Create);
        let value = req.value.unwrap_or_default();
        let input = req.input.input().cloned().unwrap_or_default();
        let sign = |hash: B256| signer.sign_hash_sync(&hash).map_err(server_err);
        let tx: TxEnvelope = if let (Some(gas_price), None) = (req.gas_price, req.max_fee_per_gas) {
            match req.access_list {
                None => {
                    let tx = TxLegacy { chain_id: Some(chain_id), nonce, gas_price, gas_limit: gas, to, value, input };
                    let sig = sign(tx.signature_hash())?;
                    tx.into_signed(sig).into()
                }
                Some(access_list) => {
                    let tx = TxEip2930 { chain_id, nonce, gas_price, gas_limit: gas, to, value, access_list, input };
                    let sig = sign(tx.signature_hash())?;
                    tx.into_signed(sig).into()
                }
            }
        } else {
            let tip = req.max_priority_fee_per_gas.unwrap_or(SUGGESTED_TIP);
            let max_fee = req.max_fee_per_gas.unwrap_or(2 * self.chain.next_base_fee() as u128 + tip);
            let tx = TxEip1559 {
                chain_id,
                nonce,
                gas_limit: gas,
                max_fee_per_gas: max_fee,
                max_priority_fee_per_gas: tip,
                to,
                value,
                access_list: req.access_list.unwrap_or_default(),
                input,
            };
            let sig = sign(tx.signature_hash())?;
            tx.into_signed(sig).into()
        };
        Ok(alloy_eips::eip2718::Encodable2718::encoded_2718(&tx))
    }

    fn fee_history(&self, count: u64, newest: BlockNumberOrTag, percentiles: Option<Vec<f64>>) -> RpcResult<Value> {
        let count = count.clamp(1, 1024);
        let newest = self.resolve_tag(newest).ok_or_else(|| server_err("header not found"))?;
        let oldest = newest.saturating_sub(count - 1);
        let mut base_fees = Vec::new();
        let mut ratios = Vec::new();
        let mut rewards = Vec::new();
        let mut last = None;
        for n in oldest..=newest {
            let b = self.chain.block_by_number(n).map_err(server_err)?.ok_or_else(|| server_err("header not found"))?;
            let h = &b.block.header;
            base_fees.push(format!("{:#x}", h.base_fee_per_gas.unwrap_or(0)));
            ratios.push(h.gas_used as f64 / h.gas_limit.max(1) as f64);
            if let Some(ps) = &percentiles {
                let base = h.base_fee_per_gas.unwrap_or(0);
                let mut tips: Vec<(u128, u64)> = b
                    .block
                    .body
                    .transactions
                    .iter()
                    .enumerate()
                    .map(|(i, t)| {
                        let prev = if i == 0 { 0 } else { b.receipts[i - 1].cumulative_gas_used() };
                        (t.effective_tip_per_gas(base).unwrap_or(0), b.receipts[i].cumulative_gas_used() - prev)
                    })
                    .collect();
                tips.sort_unstable();
                let total: u64 = tips.iter().map(|t| t.1).sum();
                let row: Vec<String> = ps
                    .iter()
                    .map(|p| {
                        if tips.is_empty() {
                            return "0x0".to_string();
                        }
                        let target = (p / 100.0 * total as f64) as u64;
                        let mut acc = 0;
                        for (tip, gas) in &tips {
                            acc += gas;
                            if acc >= target {
                                return format!("{tip:#x}");
                            }
                        }
                        format!("{:#x}", tips.last().unwrap().0)
                    })
                    .collect();
                rewards.push(row);
            }
            last = Some(h.clone());
        }
        let next = last.map(|h| crate::chain::next_base_fee(&h)).unwrap_or(0);
        base_fees.push(format!("{next:#x}"));
        let mut out = json!({
            "oldestBlock": format!("{oldest:#x}"),
            "baseFeePerGas": base_fees,
            "gasUsedRatio": ratios,
            "baseFeePerBlobGas": vec!["0x1"; (newest - oldest + 2) as usize],
            "blobGasUsedRatio": vec![0.0; (newest - oldest + 1) as usize],
        });
        if percentiles.is_some() {
            out["reward"] = json!(rewards);
        }
        Ok(out)
    }
}

/// The logs of transaction `i` in block `b`, numbered from `first_log_index`.
fn tx_logs(b: &BlockRef, i: usize, first_log_index: u64) -> Vec<RpcLog> {
    let at = LogPosition {
        block_hash: b.hash,
        block_number: b.block.header.number,
        block_timestamp: b.block.header.timestamp,
        tx_hash: *b.block.body.transactions[i].tx_hash(),
        tx_index: i as u64,
        first_log_index,
    };
    rpc_logs(b.receipts[i].logs(), at)
}

/// Every log of a block with its indexes.
fn block_logs(b: &BlockRef) -> Vec<RpcLog> {
    let mut out = Vec::new();
    for i in 0..b.receipts.len() {
        let first = out.len() as u64;
        out.extend(tx_logs(b, i, first));
    }
    out
}

impl LogSource for Chain {
    type Notice = BlockRef;

    fn head_number(&self) -> u64 {
        Chain::head_number(self)
    }

    fn number_of_hash(&self, hash: &B256) -> RpcResult<Option<u64>> {
        Ok(self.block_by_hash(hash).map_err(server_err)?.map(|b| b.block.header.number))
    }

    fn log_block(&self, number: u64) -> RpcResult<Option<LogBlock<'_>>> {
        Ok(self.block_by_number(number).map_err(server_err)?.map(|b| LogBlock {
            hash: b.hash,
            bloom: b.block.header.logs_bloom,
            logs: Box::new(move || block_logs(&b)),
        }))
    }

    fn header_json(&self, number: u64) -> RpcResult<Option<Value>> {
        self.block_by_number(number).map_err(server_err)?.map(|b| to_json(rpc_header(&b))).transpose()
    }

    fn notices(&self) -> tokio::sync::broadcast::Receiver<BlockRef> {
        self.blocks.subscribe()
    }

    fn notice_head(notice: &BlockRef) -> u64 {
        notice.block.header.number
    }
}

/// A block's header as JSON-RPC shows it (hash, size, total difficulty 0 after the merge).
fn rpc_header(b: &BlockRef) -> RpcHeader {
    RpcHeader {
        hash: b.hash,
        inner: b.block.header.clone(),
        total_difficulty: Some(U256::ZERO),
        size: Some(U256::from(b.size)),
    }
}

fn one<T: serde::de::DeserializeOwned>(params: &Params<'_>, what: &str) -> RpcResult<T> {
    let v: Vec<Value> = params.parse().map_err(|e| invalid_params(format!("{what}: {e}")))?;
    let first = v.into_iter().next().ok_or_else(|| invalid_params(format!("missing {what}")))?;
    serde_json::from_value(first).map_err(|e| invalid_params(format!("{what}: {e}")))
}

/// Builds the method table.
pub fn module(
    chain: Arc<Chain>,
    dev_signers: Vec<alloy_signer_local::PrivateKeySigner>,
    await_inclusion: Option<Duration>,
) -> Result<RpcModule<RpcContext>, jsonrpsee::core::RegisterMethodError> {
    let admission = crate::admission::Admission::start(chain.clone());
    let ctx = RpcContext { chain, admission, filters: Filters::default(), dev_signers, await_inclusion };
    let mut m = RpcModule::new(ctx);

    m.register_method("web3_clientVersion", |_, _, _| -> RpcResult<Value> {
        Ok(json!(format!("gloam/v{}/{}-{}", env!("CARGO_PKG_VERSION"), std::env::consts::OS, std::env::consts::ARCH)))
    })?;
    m.register_method("web3_sha3", |p, _, _| -> RpcResult<Value> {
        let data: Bytes = one(&p, "data")?;
        Ok(json!(alloy_primitives::keccak256(&data)))
    })?;
    m.register_method("net_version", |_, c, _| -> RpcResult<Value> { Ok(json!(c.chain.chain_id().to_string())) })?;
    m.register_method("net_listening", |_, _, _| -> RpcResult<Value> { Ok(json!(true)) })?;
    m.register_method("net_peerCount", |_, _, _| -> RpcResult<Value> { Ok(hex_u64(0)) })?;
    m.register_method("eth_chainId", |_, c, _| -> RpcResult<Value> { Ok(hex_u64(c.chain.chain_id())) })?;
    m.register_method("eth_blockNumber", |_, c, _| -> RpcResult<Value> { Ok(hex_u64(c.chain.head_number())) })?;
    m.register_method("eth_syncing", |_, _, _| -> RpcResult<Value> { Ok(json!(false)) })?;
    m.register_method("eth_mining", |_, _, _| -> RpcResult<Value> { Ok(json!(true)) })?;
    m.register_method("eth_hashrate", |_, _, _| -> RpcResult<Value> { Ok(hex_u64(0)) })?;
    m.register_method("eth_accounts", |_, c, _| -> RpcResult<Value> {
        Ok(json!(c.dev_signers.iter().map(|s| s.address()).collect::<Vec<_>>()))
    })?;
    m.register_method("eth_coinbase", |_, _, _| -> RpcResult<Value> { Ok(json!(Address::ZERO)) })?;
    m.register_method("eth_gasPrice", |_, c, _| -> RpcResult<Value> {
        Ok(json!(format!("{:#x}", c.chain.next_base_fee() as u128 + SUGGESTED_TIP)))
    })?;
    m.register_method("eth_maxPriorityFeePerGas", |_, _, _| -> RpcResult<Value> {
        Ok(json!(format!("{SUGGESTED_TIP:#x}")))
    })?;
    m.register_method("eth_blobBaseFee", |_, _, _| -> RpcResult<Value> { Ok(hex_u64(1)) })?;
    m.register_blocking_method("eth_feeHistory", |p, c, _| -> RpcResult<Value> {
        let v = list(&p)?;
        let count = parse_quantity(v.first().ok_or_else(|| invalid_params("missing blockCount"))?, "blockCount")?;
        let newest: BlockNumberOrTag = nth(&v, 1, "newestBlock")?;
        let pct: Option<Vec<f64>> =
            v.get(2).cloned().map(serde_json::from_value).transpose().map_err(invalid_params)?;
        if let Some(ps) = &pct {
            if ps.iter().any(|p| !(0.0..=100.0).contains(p)) || ps.windows(2).any(|w| w[0] > w[1]) {
                return Err(invalid_params("reward percentiles must be increasing values in [0, 100]"));
            }
        }
        c.fee_history(count, newest, pct)
    })?;

    m.register_blocking_method("eth_getBlockByNumber", |p, c, _| -> RpcResult<Value> {
        let v = list(&p)?;
        let tag: BlockNumberOrTag = nth(&v, 0, "block")?;
        let full: bool = v.get(1).map(|x| x.as_bool().unwrap_or(false)).unwrap_or(false);
        let Some(n) = c.resolve_tag(tag) else { return Ok(Value::Null) };
        match c.chain.block_by_number(n).map_err(server_err)? {
            Some(b) => to_json(c.rpc_block(&b, full)),
            None => Ok(Value::Null),
        }
    })?;
    m.register_blocking_method("eth_getBlockByHash", |p, c, _| -> RpcResult<Value> {
        let v = list(&p)?;
        let h: B256 = nth(&v, 0, "block hash")?;
        let full: bool = v.get(1).map(|x| x.as_bool().unwrap_or(false)).unwrap_or(false);
        match c.chain.block_by_hash(&h).map_err(server_err)? {
            Some(b) => to_json(c.rpc_block(&b, full)),
            None => Ok(Value::Null),
        }
    })?;
    m.register_blocking_method("eth_getBlockTransactionCountByNumber", |p, c, _| -> RpcResult<Value> {
        let tag: BlockNumberOrTag = one(&p, "block")?;
        let Some(n) = c.resolve_tag(tag) else { return Ok(Value::Null) };
        Ok(c.chain
            .block_by_number(n)
            .map_err(server_err)?
            .map_or(Value::Null, |b| hex_u64(b.block.body.transactions.len() as u64)))
    })?;
    m.register_blocking_method("eth_getBlockTransactionCountByHash", |p, c, _| -> RpcResult<Value> {
        let h: B256 = one(&p, "block hash")?;
        Ok(c.chain
            .block_by_hash(&h)
            .map_err(server_err)?
            .map_or(Value::Null, |b| hex_u64(b.block.body.transactions.len() as u64)))
    })?;
    m.register_blocking_method("eth_getTransactionByBlockNumberAndIndex", |p, c, _| -> RpcResult<Value> {
        let v = list(&p)?;
        let tag: BlockNumberOrTag = nth(&v, 0, "block")?;
        let i = parse_quantity(v.get(1).ok_or_else(|| invalid_params("missing index"))?, "index")? as usize;
        let Some(n) = c.resolve_tag(tag) else { return Ok(Value::Null) };
        match c.chain.block_by_number(n).map_err(server_err)? {
            Some(b) if i < b.block.body.transactions.len() => to_json(c.rpc_tx(&b, i)),
            _ => Ok(Value::Null),
        }
    })?;
    m.register_blocking_method("eth_getTransactionByBlockHashAndIndex", |p, c, _| -> RpcResult<Value> {
        let v = list(&p)?;
        let h: B256 = nth(&v, 0, "block hash")?;
        let i = parse_quantity(v.get(1).ok_or_else(|| invalid_params("missing index"))?, "index")? as usize;
        match c.chain.block_by_hash(&h).map_err(server_err)? {
            Some(b) if i < b.block.body.transactions.len() => to_json(c.rpc_tx(&b, i)),
            _ => Ok(Value::Null),
        }
    })?;
    m.register_blocking_method("eth_getUncleCountByBlockNumber", |_, _, _| -> RpcResult<Value> { Ok(hex_u64(0)) })?;
    m.register_blocking_method("eth_getUncleCountByBlockHash", |_, _, _| -> RpcResult<Value> { Ok(hex_u64(0)) })?;

    m.register_blocking_method("eth_getTransactionByHash", |p, c, _| -> RpcResult<Value> {
        let h: B256 = one(&p, "transaction hash")?;
        if let Some((b, i)) = c.chain.transaction(&h).map_err(server_err)? {
            return to_json(c.rpc_tx(&b, i));
        }
        match c.chain.pooled(&h) {
            Some(t) => to_json(RpcTransaction {
                inner: alloy_consensus::transaction::Recovered::new_unchecked(t.tx.clone(), t.sender),
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
        let h: B256 = one(&p, "transaction hash")?;
        match c.chain.transaction(&h).map_err(server_err)? {
            Some((b, i)) => to_json(c.receipt(&b, i)),
            None => Ok(Value::Null),
        }
    })?;
    m.register_blocking_method("eth_getBlockReceipts", |p, c, _| -> RpcResult<Value> {
        let v = list(&p)?;
        let x = v.first().cloned().ok_or_else(|| invalid_params("missing block"))?;
        let b = if let Ok(h) = serde_json::from_value::<B256>(x.clone()) {
            c.chain.block_by_hash(&h).map_err(server_err)?
        } else {
            let tag: BlockNumberOrTag = serde_json::from_value(x).map_err(invalid_params)?;
            match c.resolve_tag(tag) {
                Some(n) => c.chain.block_by_number(n).map_err(server_err)?,
                None => None,
            }
        };
        match b {
            Some(b) => to_json((0..b.block.body.transactions.len()).map(|i| c.receipt(&b, i)).collect::<Vec<_>>()),
            None => Ok(Value::Null),
        }
    })?;

    m.register_method("eth_getTransactionCount", |p, c, _| -> RpcResult<Value> {
        let v = list(&p)?;
        let a: Address = nth(&v, 0, "address")?;
        let (block, pending) = c.state_block(v.get(1).cloned())?;
        if block.is_none() {
            return Ok(hex_u64(c.chain.nonce(&a, pending)));
        }
        let acc = c.chain.account_at(&a, block).map_err(call_err)?;
        Ok(hex_u64(acc.map_or(0, |a| a.nonce)))
    })?;
    m.register_method("eth_getBalance", |p, c, _| -> RpcResult<Value> {
        let v = list(&p)?;
        let a: Address = nth(&v, 0, "address")?;
        let (block, _) = c.state_block(v.get(1).cloned())?;
        let acc = c.chain.account_at(&a, block).map_err(call_err)?;
        Ok(json!(acc.map(|a| a.balance).unwrap_or_default()))
    })?;
    m.register_method("eth_getCode", |p, c, _| -> RpcResult<Value> {
        let v = list(&p)?;
        let a: Address = nth(&v, 0, "address")?;
        let (block, _) = c.state_block(v.get(1).cloned())?;
        Ok(json!(c.chain.code_at(&a, block).map_err(call_err)?))
    })?;
    m.register_method("eth_getStorageAt", |p, c, _| -> RpcResult<Value> {
        let v = list(&p)?;
        let a: Address = nth(&v, 0, "address")?;
        let slot: U256 = nth(&v, 1, "slot")?;
        let (block, _) = c.state_block(v.get(2).cloned())?;
        let value = c.chain.storage_at(&a, slot, block).map_err(call_err)?;
        Ok(json!(B256::from(value.to_be_bytes::<32>())))
    })?;

    m.register_blocking_method("eth_call", |p, c, _| -> RpcResult<Value> {
        let v = list(&p)?;
        let req: TransactionRequest = nth(&v, 0, "transaction")?;
        let (block, _) = c.state_block(v.get(1).cloned())?;
        if v.get(2).is_some_and(|x| !x.is_null()) {
            return Err(invalid_params("state overrides are not supported"));
        }
        let env = c.tx_env(req)?;
        let out = c.chain.call(env, block).map_err(call_err)?;
        Ok(json!(out))
    })?;
    m.register_blocking_method("eth_estimateGas", |p, c, _| -> RpcResult<Value> {
        let v = list(&p)?;
        let req: TransactionRequest = nth(&v, 0, "transaction")?;
        let (block, _) = c.state_block(v.get(1).cloned())?;
        let env = c.tx_env(req)?;
        let gas = c.chain.estimate_gas(env, block).map_err(call_err)?;
        Ok(hex_u64(gas))
    })?;
    m.register_async_method("eth_sendRawTransaction", |p, c, _| async move {
        let raw: Bytes = one(&p, "raw transaction")?;
        let h = c.submit(raw.to_vec()).await?;
        Ok::<Value, ErrorObjectOwned>(json!(h))
    })?;
    m.register_async_method("eth_sendTransaction", |p, c, _| async move {
        let req: TransactionRequest = one(&p, "transaction")?;
        let raw = c.sign_dev_transaction(req)?;
        let h = c.submit(raw).await?;
        Ok::<Value, ErrorObjectOwned>(json!(h))
    })?;

    crate::rpc_logs::register(&mut m, |c: &RpcContext| (&*c.chain, &c.filters))?;
    Ok(m)
}
