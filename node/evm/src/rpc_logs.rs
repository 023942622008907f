//! Logs, filters and subscriptions for gloam's Ethereum-style JSON-RPC servers (the EVM
//! environment's and the settlement layer's): `eth_getLogs`, `eth_newFilter`,
//! `eth_newBlockFilter`, `eth_getFilterChanges`, `eth_getFilterLogs`, `eth_uninstallFilter` and
//! `eth_subscribe` (`newHeads`, `logs`), written once over a [`LogSource`].
//!
//! Semantics follow geth where clients depend on them: filter ids and subscription ids are
//! `0x`-prefixed hex strings, a filter not polled for [`FILTER_TIMEOUT`] is dropped, one query
//! scans at most [`MAX_LOG_RANGE`] blocks and returns at most [`MAX_LOGS`] logs (an error past
//! either, so a client narrows the range rather than silently missing logs). Subscriptions
//! follow the head by block number, so a burst of blocks (several finalized at once) is
//! delivered block by block and in order.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use alloy_eips::BlockNumberOrTag;
use alloy_primitives::{Bloom, B256};
use alloy_rpc_types_eth::{Filter, FilterBlockOption, Log as RpcLog};
use jsonrpsee::core::server::SubscriptionMessage;
use jsonrpsee::core::SubscriptionError;
use jsonrpsee::server::{IdProvider, PendingSubscriptionSink, RpcModule};
use jsonrpsee::types::{ErrorObjectOwned, Params};
use parking_lot::Mutex;
use serde_json::{json, Value};
use tokio::sync::broadcast;

use crate::rpc_common::{invalid_params, server_err, to_json, RpcResult};

/// Widest block range one `eth_getLogs` may scan.
pub const MAX_LOG_RANGE: u64 = 10_000;
/// Most logs one `eth_getLogs` may return.
pub const MAX_LOGS: usize = 20_000;
/// Filters not polled for this long are removed (geth uses 5 minutes).
pub const FILTER_TIMEOUT: Duration = Duration::from_secs(300);
/// Most filters installed at once (the oldest-polled one is dropped past it).
pub const MAX_FILTERS: usize = 4096;

/// A block as the log machinery sees it: its hash and bloom, and its logs on demand (so a
/// bloom miss costs no log decoding).
pub struct LogBlock<'a> {
    pub hash: B256,
    pub bloom: Bloom,
    pub logs: Box<dyn FnOnce() -> Vec<RpcLog> + 'a>,
}

/// What a chain offers to logs, filters and subscriptions.
pub trait LogSource: Send + Sync + 'static {
    /// What the chain broadcasts when its head moves.
    type Notice: Clone + Send + 'static;

    fn head_number(&self) -> u64;
    fn number_of_hash(&self, hash: &B256) -> RpcResult<Option<u64>>;
    fn log_block(&self, number: u64) -> RpcResult<Option<LogBlock<'_>>>;
    /// The block's header in RPC form (`newHeads`).
    fn header_json(&self, number: u64) -> RpcResult<Option<Value>>;
    fn notices(&self) -> broadcast::Receiver<Self::Notice>;
    /// The head number a notice announces.
    fn notice_head(notice: &Self::Notice) -> u64;

    /// A tag or number → number (`None`: beyond the head). Every tag names the head on chains
    /// that serve only final blocks.
    fn resolve_tag(&self, tag: BlockNumberOrTag) -> Option<u64> {
        let head = self.head_number();
        match tag {
            BlockNumberOrTag::Latest
            | BlockNumberOrTag::Pending
            | BlockNumberOrTag::Safe
            | BlockNumberOrTag::Finalized => Some(head),
            BlockNumberOrTag::Earliest => Some(0),
            BlockNumberOrTag::Number(n) => (n <= head).then_some(n),
        }
    }
}

/// Subscription and filter ids as Ethereum clients expect them: `0x`-prefixed hex strings.
#[derive(Debug, Default)]
pub struct HexIds(AtomicU64);

impl HexIds {
    pub fn next_hex(&self) -> String {
        let n = self.0.fetch_add(1, Ordering::Relaxed) + 1;
        let salt = std::process::id() as u64;
        format!("0x{:016x}", n ^ (salt << 40))
    }
}

impl IdProvider for HexIds {
    fn next_id(&self) -> jsonrpsee::types::SubscriptionId<'static> {
        jsonrpsee::types::SubscriptionId::Str(self.next_hex().into())
    }
}

enum FilterKind {
    Logs(Box<Filter>),
    Blocks,
}

struct FilterState {
    kind: FilterKind,
    /// Next block number to report from.
    next: u64,
    last_poll: Instant,
}

/// Installed filters of one server.
#[derive(Default)]
pub struct Filters {
    map: Mutex<HashMap<String, FilterState>>,
    ids: HexIds,
}

impl Filters {
    fn install(&self, kind: FilterKind, next: u64) -> String {
        let id = self.ids.next_hex();
        let mut map = self.map.lock();
        map.retain(|_, f| f.last_poll.elapsed() < FILTER_TIMEOUT);
        if map.len() >= MAX_FILTERS {
            if let Some(oldest) = map.iter().min_by_key(|(_, f)| f.last_poll).map(|(k, _)| k.clone()) {
                map.remove(&oldest);
            }
        }
        map.insert(id.clone(), FilterState { kind, next, last_poll: Instant::now() });
        id
    }

    pub fn len(&self) -> usize {
        self.map.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The inclusive block range a filter covers now (`None`: empty).
pub fn filter_range<S: LogSource>(src: &S, filter: &Filter) -> RpcResult<Option<(u64, u64)>> {
    match &filter.block_option {
        FilterBlockOption::AtBlockHash(h) => {
            let n = src.number_of_hash(h)?.ok_or_else(|| server_err("unknown block"))?;
            Ok(Some((n, n)))
        }
        FilterBlockOption::Range { from_block, to_block } => {
            let head = src.head_number();
            let from = from_block.map(|t| src.resolve_tag(t).unwrap_or(head + 1)).unwrap_or(head);
            let to = to_block.map(|t| src.resolve_tag(t).unwrap_or(head)).unwrap_or(head);
            Ok((from <= to).then_some((from, to)))
        }
    }
}

/// Logs matching `filter` in blocks `from..=to` (bloom first, then each log).
pub fn logs_in_range<S: LogSource>(src: &S, filter: &Filter, from: u64, to: u64) -> RpcResult<Vec<RpcLog>> {
    if to >= from && to - from >= MAX_LOG_RANGE {
        return Err(server_err(format!("query exceeds max block range {MAX_LOG_RANGE}")));
    }
    let mut out = Vec::new();
    for n in from..=to {
        let Some(b) = src.log_block(n)? else { break };
        if !filter.matches_bloom(b.bloom) {
            continue;
        }
        out.extend((b.logs)().into_iter().filter(|l| filter.matches(&l.inner)));
        if out.len() > MAX_LOGS {
            return Err(server_err(format!("query returned more than {MAX_LOGS} results")));
        }
    }
    Ok(out)
}

/// `eth_getLogs`.
pub fn get_logs<S: LogSource>(src: &S, filter: &Filter) -> RpcResult<Vec<RpcLog>> {
    match filter_range(src, filter)? {
        None => Ok(vec![]),
        Some((from, to)) => logs_in_range(src, filter, from, to),
    }
}

fn one<T: serde::de::DeserializeOwned>(params: &Params<'_>, what: &str) -> RpcResult<T> {
    let v: Vec<Value> = params.parse().map_err(|e| invalid_params(format!("{what}: {e}")))?;
    let first = v.into_iter().next().ok_or_else(|| invalid_params(format!("missing {what}")))?;
    serde_json::from_value(first).map_err(|e| invalid_params(format!("{what}: {e}")))
}

fn filter_changes<S: LogSource>(src: &S, filters: &Filters, id: &str) -> RpcResult<Value> {
    let head = src.head_number();
    let (logs, next) = {
        let mut fs = filters.map.lock();
        let f = fs.get_mut(id).ok_or_else(|| server_err("filter not found"))?;
        f.last_poll = Instant::now();
        let next = f.next;
        f.next = f.next.max(head + 1);
        let logs = match &f.kind {
            FilterKind::Logs(x) => Some((**x).clone()),
            FilterKind::Blocks => None,
        };
        (logs, next)
    };
    if next > head {
        return Ok(json!([]));
    }
    let from = next.max(head.saturating_sub(MAX_LOG_RANGE - 1));
    match logs {
        Some(mut f) => {
            let to = f.get_to_block().map_or(head, |t| t.min(head));
            f.block_option = FilterBlockOption::Range { from_block: None, to_block: None };
            if from > to {
                return Ok(json!([]));
            }
            to_json(logs_in_range(src, &f, from, to)?)
        }
        None => {
            let mut hashes = Vec::new();
            for n in from..=head {
                if let Some(b) = src.log_block(n)? {
                    hashes.push(b.hash);
                }
            }
            to_json(hashes)
        }
    }
}

/// Registers the log, filter and subscription methods on `m`; `parts` finds the source and the
/// filter table in the server's context.
pub fn register<C, S>(
    m: &mut RpcModule<C>,
    parts: fn(&C) -> (&S, &Filters),
) -> Result<(), jsonrpsee::core::RegisterMethodError>
where
    C: Send + Sync + 'static,
    S: LogSource,
{
    m.register_blocking_method("eth_getLogs", move |p, c, _| -> RpcResult<Value> {
        let f: Filter = one(&p, "filter")?;
        to_json(get_logs(parts(&c).0, &f)?)
    })?;
    m.register_method("eth_newFilter", move |p, c, _| -> RpcResult<Value> {
        let f: Filter = one(&p, "filter")?;
        let (src, filters) = parts(c);
        let head = src.head_number();
        let next = match f.block_option {
            FilterBlockOption::Range { from_block: Some(t), .. } => src.resolve_tag(t).unwrap_or(head + 1),
            FilterBlockOption::AtBlockHash(_) => return Err(invalid_params("a filter cannot be at a block hash")),
            _ => head + 1,
        };
        Ok(json!(filters.install(FilterKind::Logs(Box::new(f)), next)))
    })?;
    m.register_method("eth_newBlockFilter", move |_, c, _| -> RpcResult<Value> {
        let (src, filters) = parts(c);
        Ok(json!(filters.install(FilterKind::Blocks, src.head_number() + 1)))
    })?;
    m.register_blocking_method("eth_getFilterChanges", move |p, c, _| -> RpcResult<Value> {
        let id: String = one(&p, "filter id")?;
        let (src, filters) = parts(&c);
        filter_changes(src, filters, &id)
    })?;
    m.register_blocking_method("eth_getFilterLogs", move |p, c, _| -> RpcResult<Value> {
        let id: String = one(&p, "filter id")?;
        let (src, filters) = parts(&c);
        let f = {
            let mut fs = filters.map.lock();
            let f = fs.get_mut(&id).ok_or_else(|| server_err("filter not found"))?;
            f.last_poll = Instant::now();
            match &f.kind {
                FilterKind::Logs(x) => (**x).clone(),
                FilterKind::Blocks => return Err(server_err("filter is not a log filter")),
            }
        };
        to_json(get_logs(src, &f)?)
    })?;
    m.register_method("eth_uninstallFilter", move |p, c, _| -> RpcResult<Value> {
        let id: String = one(&p, "filter id")?;
        Ok(json!(parts(c).1.map.lock().remove(&id).is_some()))
    })?;
    m.register_subscription(
        "eth_subscribe",
        "eth_subscription",
        "eth_unsubscribe",
        move |p, pending, c, _| async move {
            subscribe(p, pending, c, parts).await;
            Ok::<(), SubscriptionError>(())
        },
    )?;
    Ok(())
}

fn reject_reason(v: &[Value]) -> Result<Option<Filter>, ErrorObjectOwned> {
    match v.first().and_then(|x| x.as_str()).unwrap_or("") {
        "newHeads" => Ok(None),
        "logs" => match v.get(1).cloned().map(serde_json::from_value::<Filter>).transpose() {
            Ok(f) => Ok(Some(f.unwrap_or_default())),
            Err(e) => Err(invalid_params(e)),
        },
        other => Err(invalid_params(format!("unsupported subscription type {other:?} (newHeads, logs)"))),
    }
}

async fn subscribe<C, S: LogSource>(
    p: Params<'static>,
    pending: PendingSubscriptionSink,
    c: Arc<C>,
    parts: fn(&C) -> (&S, &Filters),
) {
    let filter = match p.parse::<Vec<Value>>().map_err(invalid_params).and_then(|v| reject_reason(&v)) {
        Ok(f) => f,
        Err(e) => {
            pending.reject(e).await;
            return;
        }
    };
    let (mut rx, mut next) = {
        let src = parts(&c).0;
        (src.notices(), src.head_number() + 1)
    };
    let Ok(sink) = pending.accept().await else { return };
    loop {
        let notice = tokio::select! {
            _ = sink.closed() => return,
            n = rx.recv() => n,
        };
        let head = match notice {
            Ok(n) => S::notice_head(&n),
            // Numbers, not payloads, are what we follow: a lagging receiver loses nothing.
            Err(broadcast::error::RecvError::Lagged(_)) => parts(&c).0.head_number(),
            Err(broadcast::error::RecvError::Closed) => return,
        };
        if head < next {
            continue;
        }
        // A subscriber far behind gets the last MAX_LOG_RANGE blocks, not an unbounded replay.
        let from = next.max(head.saturating_sub(MAX_LOG_RANGE - 1));
        next = head + 1;
        let msgs = match messages(parts(&c).0, filter.as_ref(), from, head) {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(error = %e.message(), "subscription: cannot read blocks");
                continue;
            }
        };
        for m in msgs {
            let Ok(raw) = serde_json::value::to_raw_value(&m) else { continue };
            if sink.send(SubscriptionMessage::from(raw)).await.is_err() {
                return;
            }
        }
    }
}

/// What a subscription sends for blocks `from..=to`: headers, or matching logs.
fn messages<S: LogSource>(src: &S, filter: Option<&Filter>, from: u64, to: u64) -> RpcResult<Vec<Value>> {
    let mut out = Vec::new();
    for n in from..=to {
        match filter {
            None => out.extend(src.header_json(n)?),
            Some(f) => {
                let Some(b) = src.log_block(n)? else { continue };
                if f.matches_bloom(b.bloom) {
                    out.extend((b.logs)().into_iter().filter(|l| f.matches(&l.inner)).map(|l| json!(l)));
                }
            }
        }
    }
    Ok(out)
}
