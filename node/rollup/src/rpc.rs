//! [`Settlement`] over the settlement layer's JSON-RPC (HTTP POST, JSON-RPC 2.0, one call per
//! request). A small blocking HTTP/1.1 client on `std::net` (no async runtime, so the batcher and
//! follower threads can call it from anywhere): `Connection: close`, `Content-Length` or
//! chunked responses, connect/read timeouts, a response size cap. Plain `http://` only.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use alloy_primitives::{Address, Bytes, B256};
use serde_json::{json, Value};

use crate::settlement::*;

/// Largest response accepted (a block of blob sidecars: 6 × 256 KiB of hex plus framing).
pub const MAX_RESPONSE_BYTES: usize = 64 * 1024 * 1024;

#[derive(Debug)]
pub struct RpcSettlement {
    host: String,
    port: u16,
    path: String,
    timeout: Duration,
    next_id: AtomicU64,
}

impl RpcSettlement {
    /// `url`: `http://host:port[/path]`.
    pub fn new(url: &str, timeout: Duration) -> Result<Self, SettlementError> {
        let bad = || SettlementError::Transport(format!("unsupported URL {url:?} (http://host:port[/path] only)"));
        let rest = url.strip_prefix("http://").ok_or_else(bad)?;
        let (hostport, path) = match rest.find('/') {
            Some(i) => (&rest[..i], rest[i..].to_string()),
            None => (rest, "/".to_string()),
        };
        let (host, port) = match hostport.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), p.parse().map_err(|_| bad())?),
            None => (hostport.to_string(), 80),
        };
        if host.is_empty() {
            return Err(bad());
        }
        Ok(RpcSettlement { host, port, path, timeout, next_id: AtomicU64::new(1) })
    }

    fn post(&self, body: &[u8]) -> Result<Vec<u8>, SettlementError> {
        let t = |e: std::io::Error| SettlementError::Transport(e.to_string());
        let addr = (self.host.as_str(), self.port)
            .to_socket_addrs()
            .map_err(t)?
            .next()
            .ok_or_else(|| SettlementError::Transport(format!("{} does not resolve", self.host)))?;
        let mut s = TcpStream::connect_timeout(&addr, self.timeout).map_err(t)?;
        s.set_read_timeout(Some(self.timeout)).map_err(t)?;
        s.set_write_timeout(Some(self.timeout)).map_err(t)?;
        let head = format!(
            "POST {} HTTP/1.1\r\nHost: {}:{}\r\nContent-Type: application/json\r\nAccept: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            self.path, self.host, self.port, body.len()
        );
        s.write_all(head.as_bytes()).map_err(t)?;
        s.write_all(body).map_err(t)?;
        let mut raw = Vec::new();
        s.take(MAX_RESPONSE_BYTES as u64 + 1).read_to_end(&mut raw).map_err(t)?;
        if raw.len() > MAX_RESPONSE_BYTES {
            return Err(SettlementError::Transport("response too large".into()));
        }
        parse_http_response(&raw)
    }

    /// One JSON-RPC call; returns `result` (possibly `null`).
    pub fn call(&self, method: &str, params: Value) -> Result<Value, SettlementError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let req = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        let body = self.post(req.to_string().as_bytes())?;
        let v: Value = serde_json::from_slice(&body)
            .map_err(|e| SettlementError::Decode(format!("{method}: response is not JSON: {e}")))?;
        if let Some(err) = v.get("error").filter(|e| !e.is_null()) {
            return Err(SettlementError::Rpc {
                code: err.get("code").and_then(Value::as_i64).unwrap_or(0),
                message: err.get("message").and_then(Value::as_str).unwrap_or("").to_string(),
            });
        }
        v.get("result").cloned().ok_or_else(|| SettlementError::Decode(format!("{method}: no result")))
    }

    fn typed<T: serde::de::DeserializeOwned>(&self, method: &str, params: Value) -> Result<T, SettlementError> {
        let v = self.call(method, params)?;
        serde_json::from_value(v).map_err(|e| SettlementError::Decode(format!("{method}: {e}")))
    }
}

/// Status line, headers, body (`Content-Length`, chunked, or until close).
pub(crate) fn parse_http_response(raw: &[u8]) -> Result<Vec<u8>, SettlementError> {
    let bad = |m: &str| SettlementError::Transport(format!("HTTP: {m}"));
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n").ok_or_else(|| bad("no header end"))?;
    let head = std::str::from_utf8(&raw[..end]).map_err(|_| bad("non-UTF-8 headers"))?;
    let body = &raw[end + 4..];
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap_or("");
    let code: u16 = status.split_whitespace().nth(1).and_then(|c| c.parse().ok()).ok_or_else(|| bad("status line"))?;
    let mut chunked = false;
    let mut length = None;
    for l in lines {
        if let Some((k, v)) = l.split_once(':') {
            let (k, v) = (k.trim().to_ascii_lowercase(), v.trim());
            if k == "transfer-encoding" && v.to_ascii_lowercase().contains("chunked") {
                chunked = true;
            } else if k == "content-length" {
                length = Some(v.parse::<usize>().map_err(|_| bad("content-length"))?);
            }
        }
    }
    let body = if chunked {
        dechunk(body).ok_or_else(|| bad("malformed chunked body"))?
    } else if let Some(n) = length {
        body.get(..n).ok_or_else(|| bad("body shorter than content-length"))?.to_vec()
    } else {
        body.to_vec()
    };
    if code != 200 {
        return Err(SettlementError::Transport(format!(
            "HTTP {code}: {}",
            String::from_utf8_lossy(&body[..body.len().min(200)])
        )));
    }
    Ok(body)
}

fn dechunk(mut b: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let eol = b.windows(2).position(|w| w == b"\r\n")?;
        let size_s = std::str::from_utf8(&b[..eol]).ok()?;
        let size = usize::from_str_radix(size_s.split(';').next()?.trim(), 16).ok()?;
        b = &b[eol + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(b.get(..size)?);
        b = b.get(size + 2..)?;
    }
}

fn hex_bytes(v: &Value, what: &str) -> Result<Vec<u8>, SettlementError> {
    let s = v.as_str().ok_or_else(|| SettlementError::Decode(format!("{what}: not a string")))?;
    hex::decode(s.strip_prefix("0x").unwrap_or(s)).map_err(|_| SettlementError::Decode(format!("{what}: bad hex")))
}

fn quantity(v: &Value, what: &str) -> Result<u64, SettlementError> {
    match v {
        Value::String(s) => parse_quantity(s),
        Value::Number(n) => n.as_u64(),
        _ => None,
    }
    .ok_or_else(|| SettlementError::Decode(format!("{what}: not a quantity: {v}")))
}

fn quantity_u128(v: &Value, what: &str) -> Result<u128, SettlementError> {
    let s = v.as_str().ok_or_else(|| SettlementError::Decode(format!("{what}: not a string")))?;
    let h = s.strip_prefix("0x").ok_or_else(|| SettlementError::Decode(format!("{what}: not hex")))?;
    u128::from_str_radix(h, 16).map_err(|_| SettlementError::Decode(format!("{what}: bad quantity")))
}

fn b256(v: &Value, what: &str) -> Result<B256, SettlementError> {
    let b = hex_bytes(v, what)?;
    if b.len() != 32 {
        return Err(SettlementError::Decode(format!("{what}: not 32 bytes")));
    }
    Ok(B256::from_slice(&b))
}

fn address(v: &Value, what: &str) -> Result<Address, SettlementError> {
    let b = hex_bytes(v, what)?;
    if b.len() != 20 {
        return Err(SettlementError::Decode(format!("{what}: not 20 bytes")));
    }
    Ok(Address::from_slice(&b))
}

/// Parses an `eth_getBlockByNumber(_, true)` result.
pub fn parse_block(v: &Value) -> Result<SettlementBlock, SettlementError> {
    let txs = v.get("transactions").and_then(Value::as_array).cloned().unwrap_or_default();
    let transactions = txs
        .iter()
        .map(|t| {
            if t.is_string() {
                return Err(SettlementError::Decode("block transactions are hashes; full objects expected".into()));
            }
            let to = match t.get("to") {
                None | Some(Value::Null) => None,
                Some(a) => Some(address(a, "to")?),
            };
            let hashes = match t.get("blobVersionedHashes") {
                None | Some(Value::Null) => vec![],
                Some(Value::Array(a)) => a.iter().map(|h| b256(h, "blobVersionedHashes")).collect::<Result<_, _>>()?,
                Some(_) => return Err(SettlementError::Decode("blobVersionedHashes: not an array".into())),
            };
            Ok(SettlementTx {
                hash: b256(&t["hash"], "hash")?,
                tx_type: quantity(t.get("type").unwrap_or(&Value::Null), "type").unwrap_or(0) as u8,
                from: address(&t["from"], "from")?,
                to,
                nonce: quantity(&t["nonce"], "nonce")?,
                input: Bytes::from(hex_bytes(t.get("input").unwrap_or(&json!("0x")), "input")?),
                blob_versioned_hashes: hashes,
            })
        })
        .collect::<Result<_, _>>()?;
    Ok(SettlementBlock {
        number: quantity(&v["number"], "number")?,
        hash: b256(&v["hash"], "hash")?,
        parent_hash: b256(&v["parentHash"], "parentHash")?,
        transactions,
    })
}

impl Settlement for RpcSettlement {
    fn chain_id(&self) -> SettlementResult<u64> {
        quantity(&self.call("eth_chainId", json!([]))?, "eth_chainId")
    }

    fn block_number(&self, tag: BlockTag) -> SettlementResult<Option<u64>> {
        if tag == BlockTag::Latest {
            return quantity(&self.call("eth_blockNumber", json!([]))?, "eth_blockNumber").map(Some);
        }
        let v = self.call("eth_getBlockByNumber", json!([tag.to_json(), false]))?;
        if v.is_null() {
            return Ok(None);
        }
        quantity(&v["number"], "number").map(Some)
    }

    fn block(&self, tag: BlockTag) -> SettlementResult<Option<SettlementBlock>> {
        let v = self.call("eth_getBlockByNumber", json!([tag.to_json(), true]))?;
        if v.is_null() {
            return Ok(None);
        }
        parse_block(&v).map(Some)
    }

    fn transaction_count(&self, address: Address, tag: BlockTag) -> SettlementResult<u64> {
        quantity(&self.call("eth_getTransactionCount", json!([address, tag.to_json()]))?, "eth_getTransactionCount")
    }

    fn gas_price(&self) -> SettlementResult<u128> {
        quantity_u128(&self.call("eth_gasPrice", json!([]))?, "eth_gasPrice")
    }

    fn blob_base_fee(&self) -> SettlementResult<u128> {
        quantity_u128(&self.call("eth_blobBaseFee", json!([]))?, "eth_blobBaseFee")
    }

    fn send_raw_transaction(&self, raw: &[u8]) -> SettlementResult<B256> {
        b256(&self.call("eth_sendRawTransaction", json!([format!("0x{}", hex::encode(raw))]))?, "tx hash")
    }

    fn receipt(&self, hash: B256) -> SettlementResult<Option<ReceiptInfo>> {
        let v = self.call("eth_getTransactionReceipt", json!([hash]))?;
        if v.is_null() {
            return Ok(None);
        }
        Ok(Some(ReceiptInfo {
            tx_hash: hash,
            block_number: quantity(&v["blockNumber"], "blockNumber")?,
            success: quantity(&v["status"], "status")? == 1,
        }))
    }

    fn blob_by_versioned_hash(&self, versioned_hash: B256) -> SettlementResult<Option<BlobRecord>> {
        self.typed("gloam_getBlobByVersionedHash", json!([versioned_hash]))
    }

    fn blob_sidecars(&self, block: BlockTag) -> SettlementResult<Option<Vec<BlobRecord>>> {
        self.typed("gloam_getBlobSidecars", json!([block.to_json()]))
    }

    fn output_root(&self, env_id: u64, l2_block: u64) -> SettlementResult<Option<OutputRecord>> {
        // JSON numbers (what a jsonrpsee `u64` parameter takes); a server declaring hex
        // quantities answers -32602 (invalid params), and gets those instead.
        match self.typed("gloam_getOutputRoot", json!([env_id, l2_block])) {
            Err(SettlementError::Rpc { code: -32602, .. }) => {
                self.typed("gloam_getOutputRoot", json!([format!("0x{env_id:x}"), format!("0x{l2_block:x}")]))
            }
            r => r,
        }
    }

    fn disputes(&self) -> SettlementResult<Vec<DisputeRecord>> {
        self.typed("gloam_getDisputes", json!([]))
    }

    fn validators(&self) -> SettlementResult<Vec<ValidatorRecord>> {
        self.typed("gloam_validators", json!([]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_parsing() {
        let r = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}xx";
        assert_eq!(parse_http_response(r).unwrap(), b"{}");
        let r = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
        assert_eq!(parse_http_response(r).unwrap(), b"abcde");
        assert!(matches!(parse_http_response(b"HTTP/1.1 500 Err\r\n\r\nno"), Err(SettlementError::Transport(_))));
        assert!(parse_http_response(b"garbage").is_err());
        assert!(RpcSettlement::new("https://x", Duration::from_secs(1)).is_err());
        let c = RpcSettlement::new("http://127.0.0.1:8545/rpc", Duration::from_secs(1)).unwrap();
        assert_eq!((c.host.as_str(), c.port, c.path.as_str()), ("127.0.0.1", 8545, "/rpc"));
    }
}
