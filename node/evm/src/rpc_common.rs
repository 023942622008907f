//! JSON-RPC pieces shared by gloam's two Ethereum-style servers (this crate's EVM RPC and the
//! settlement layer's): error objects with the codes clients match on, positional-parameter
//! parsing, quantities, and receipt/log shaping.

use alloy_primitives::B256;
use alloy_rpc_types_eth::Log as RpcLog;
use jsonrpsee::types::{ErrorObjectOwned, Params};
use serde_json::Value;

pub type RpcResult<T> = Result<T, ErrorObjectOwned>;

pub fn err(code: i32, msg: impl Into<String>) -> ErrorObjectOwned {
    ErrorObjectOwned::owned(code, msg.into(), None::<()>)
}

/// -32602, what clients expect for malformed parameters.
pub fn invalid_params(msg: impl std::fmt::Display) -> ErrorObjectOwned {
    err(-32602, format!("invalid params: {msg}"))
}

/// -32000, geth's code for refused transactions and server-side failures.
pub fn server_err(msg: impl std::fmt::Display) -> ErrorObjectOwned {
    err(-32000, msg.to_string())
}

/// Positional parameters (an absent list is empty; named parameters are refused).
pub fn list(params: &Params<'_>) -> RpcResult<Vec<Value>> {
    if params.is_object() {
        return Err(invalid_params("positional parameters expected"));
    }
    Ok(params.parse::<Option<Vec<Value>>>().map_err(invalid_params)?.unwrap_or_default())
}

/// Parameter `i`, decoded; `what` names it in the error.
pub fn nth<T: serde::de::DeserializeOwned>(v: &[Value], i: usize, what: &str) -> RpcResult<T> {
    let x = v.get(i).ok_or_else(|| invalid_params(format!("missing {what}")))?;
    serde_json::from_value(x.clone()).map_err(|e| invalid_params(format!("{what}: {e}")))
}

pub fn to_json<T: serde::Serialize>(x: T) -> RpcResult<Value> {
    serde_json::to_value(x).map_err(server_err)
}

/// A hex quantity (`0x1a`).
pub fn hex_u64(n: u64) -> Value {
    Value::String(format!("{n:#x}"))
}

/// Where a transaction sits, for the RPC form of its logs.
#[derive(Clone, Copy, Debug)]
pub struct LogPosition {
    pub block_hash: B256,
    pub block_number: u64,
    /// Seconds.
    pub block_timestamp: u64,
    pub tx_hash: B256,
    pub tx_index: u64,
    /// Block-wide index of the transaction's first log.
    pub first_log_index: u64,
}

/// The RPC form of one transaction's logs.
pub fn rpc_logs(logs: &[alloy_primitives::Log], at: LogPosition) -> Vec<RpcLog> {
    logs.iter()
        .enumerate()
        .map(|(k, l)| RpcLog {
            inner: l.clone(),
            block_hash: Some(at.block_hash),
            block_number: Some(at.block_number),
            block_timestamp: Some(at.block_timestamp),
            transaction_hash: Some(at.tx_hash),
            transaction_index: Some(at.tx_index),
            log_index: Some(at.first_log_index + k as u64),
            removed: false,
        })
        .collect()
}

/// A consensus receipt with its logs replaced by their RPC form.
pub fn map_receipt_logs(
    r: &alloy_consensus::ReceiptEnvelope,
    logs: Vec<RpcLog>,
) -> alloy_consensus::ReceiptEnvelope<RpcLog> {
    use alloy_consensus::{Receipt, ReceiptEnvelope as E, ReceiptWithBloom};
    let rb = |x: &ReceiptWithBloom<Receipt>| ReceiptWithBloom {
        receipt: Receipt { status: x.receipt.status, cumulative_gas_used: x.receipt.cumulative_gas_used, logs },
        logs_bloom: x.logs_bloom,
    };
    match r {
        E::Legacy(x) => E::Legacy(rb(x)),
        E::Eip2930(x) => E::Eip2930(rb(x)),
        E::Eip1559(x) => E::Eip1559(rb(x)),
        E::Eip4844(x) => E::Eip4844(rb(x)),
        E::Eip7702(x) => E::Eip7702(rb(x)),
    }
}
