//! The settlement layer inside `gloam node`: the settlement chain (gloam-settlement) driven by
//! BFT consensus (gloam-consensus, commonware simplex), and its JSON-RPC.
//!
//! Consensus votes on envelopes whose payload is an encoded settlement block; this module is the
//! [`gloam_consensus::Application`] that builds, verifies and finalizes those blocks. Consensus
//! identifies blocks by its own digest, the settlement chain by its header hash; the map between
//! them is kept for unfinalized blocks, and finalized parents are found by height (after a
//! restart the map is empty, and a parent is then either finalized — found by height — or
//! re-verified when consensus hands it over again).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use alloy_primitives::{Address, B256};
use gloam_consensus::{Application, BlockContext, Digest, Fault, ValidatorConfig, ValidatorEntry, ValidatorHandle};
use gloam_settlement::types::ValidatorKeys;
use gloam_settlement::{Block, Genesis, Settlement, SettlementConfig};
use parking_lot::Mutex;

/// The settlement chain as consensus's application.
pub struct SettlementApp {
    settlement: Arc<Settlement>,
    /// Fee recipient of each validator index in epoch 0 (the committee order of the consensus
    /// config's genesis list).
    fee_recipients: Vec<Address>,
    /// Committees of later epochs come from the ledger (see [`SettlementApp::committee_entries`]).
    epoch_length: u64,
    min_stake: u64,
    /// Fee recipients of epochs ≥ 1 in committee order, derived once per epoch.
    epoch_recipients: Mutex<HashMap<u64, Arc<Vec<Address>>>>,
    /// consensus digest → (height, settlement hash) of blocks built or verified in this run.
    index: Mutex<HashMap<Digest, (u64, B256)>>,
    faults: AtomicU64,
    fault_log: Option<PathBuf>,
    /// A finalization that could not be applied (disk full, corrupt store): the node stops.
    fatal: Mutex<Option<String>>,
}

impl SettlementApp {
    pub fn new(
        settlement: Arc<Settlement>,
        fee_recipients: Vec<Address>,
        epoch_length: u64,
        min_stake: u64,
        fault_log: Option<PathBuf>,
    ) -> Self {
        SettlementApp {
            settlement,
            fee_recipients,
            epoch_length: epoch_length.max(2),
            min_stake,
            epoch_recipients: Mutex::new(HashMap::new()),
            index: Mutex::new(HashMap::new()),
            faults: AtomicU64::new(0),
            fault_log,
            fatal: Mutex::new(None),
        }
    }

    /// Consensus faults reported so far in this run.
    pub fn faults(&self) -> u64 {
        self.faults.load(Ordering::Relaxed)
    }

    /// The error that stopped finalization, if any.
    pub fn fatal(&self) -> Option<String> {
        self.fatal.lock().clone()
    }

    /// Settlement hash of the block consensus calls `digest` at `height`.
    fn resolve(&self, digest: &Digest, height: u64) -> Result<B256, String> {
        if height == 0 {
            return Ok(self.settlement.genesis_hash());
        }
        if let Some((h, hash)) = self.index.lock().get(digest) {
            if *h == height {
                return Ok(*hash);
            }
        }
        if height <= self.settlement.last_finalized_height() {
            // Finalized blocks are unique per height (safety), so the parent is this one.
            if let Some(b) = self.settlement.block_by_number(height).map_err(|e| e.to_string())? {
                return Ok(b.hash);
            }
        }
        Err(format!("unknown parent {} at height {height}", hex::encode(digest)))
    }

    fn remember(&self, ctx: &BlockContext, payload: &[u8], hash: B256) {
        let digest = gloam_consensus::block_digest(ctx, payload);
        self.index.lock().insert(digest, (ctx.height, hash));
    }

    /// Decodes the payload and checks that its header agrees with the consensus context.
    fn check_header(&self, ctx: &BlockContext, payload: &[u8]) -> Result<(), String> {
        let block = Block::decode(payload).map_err(|e| format!("payload: {e}"))?;
        let parent = self.resolve(&ctx.parent, ctx.height.saturating_sub(1))?;
        let h = &block.header;
        if h.parent_hash != parent {
            return Err(format!("header parent {} but consensus parent is {parent}", h.parent_hash));
        }
        if h.number != ctx.height {
            return Err(format!("header number {} but consensus height is {}", h.number, ctx.height));
        }
        if h.timestamp_ms != ctx.timestamp_ms {
            return Err(format!("header timestamp {} but consensus timestamp is {}", h.timestamp_ms, ctx.timestamp_ms));
        }
        let expected = self.fee_recipient(ctx);
        if h.proposer != expected {
            return Err(format!("header proposer {} but validator {} pays {expected}", h.proposer, ctx.proposer));
        }
        Ok(())
    }

    /// The staker paid for a block: the address that registered the proposer's keys (epochs ≥ 1),
    /// or dev account `index` in epoch 0.
    fn fee_recipient(&self, ctx: &BlockContext) -> Address {
        let epoch = ctx.height / self.epoch_length;
        if epoch == 0 {
            return self.fee_recipients.get(ctx.proposer as usize).copied().unwrap_or(Address::ZERO);
        }
        self.recipients_of(epoch).get(ctx.proposer as usize).copied().unwrap_or(Address::ZERO)
    }

    /// Fee recipients of `epoch` in committee order. An epoch without a usable recorded
    /// committee keeps the previous epoch's, as consensus does.
    fn recipients_of(&self, epoch: u64) -> Arc<Vec<Address>> {
        if epoch == 0 {
            return Arc::new(self.fee_recipients.clone());
        }
        // Walk back to the nearest epoch with a known or usable committee (iteratively: a long
        // run of unusable lists must not deepen the stack), then remember the answer.
        let mut e = epoch;
        let l = loop {
            if e == 0 {
                break Arc::new(self.fee_recipients.clone());
            }
            if let Some(l) = self.epoch_recipients.lock().get(&e).cloned() {
                break l;
            }
            if let Some((_, l)) = self.committee_entries(e) {
                break Arc::new(l);
            }
            e -= 1;
        };
        self.epoch_recipients.lock().insert(epoch, l.clone());
        l
    }

    /// Epoch `epoch`'s committee from the ledger as consensus validator entries, and the fee
    /// recipient of each in consensus's committee order (sorted by identity key). Entries whose
    /// keys fail consensus's checks (bad point, wrong proof of possession) are left out one by one,
    /// so one bad registration cannot freeze the set. `None` before the epoch's committee was
    /// recorded, or when nothing valid is left (consensus then keeps the previous set).
    pub fn committee_entries(&self, epoch: u64) -> Option<(Vec<ValidatorEntry>, Vec<Address>)> {
        let members = self.settlement.committee(epoch)?;
        let mut rows: Vec<(gloam_consensus::keys::PublicKey, ValidatorEntry, Address)> = Vec::new();
        for (m, k) in members {
            let Some(entry) = entry_of(&k, m.stake) else { continue };
            if gloam_consensus::ValidatorSet::from_entries(std::slice::from_ref(&entry), self.min_stake).is_err() {
                tracing::warn!(validator = %m.address, epoch, "registered consensus keys rejected; left out of the committee");
                continue;
            }
            let Ok(id) = gloam_consensus::keys::parse_identity(&entry.identity) else { continue };
            rows.push((id, entry, m.address));
        }
        if rows.is_empty() {
            return None;
        }
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        let recipients = rows.iter().map(|r| r.2).collect();
        Some((rows.into_iter().map(|r| r.1).collect(), recipients))
    }
}

/// A registered key set as a consensus validator entry (stake in gwei, saturating).
fn entry_of(k: &ValidatorKeys, stake_wei: alloy_primitives::U256) -> Option<ValidatorEntry> {
    let address = std::str::from_utf8(&k.endpoint).ok()?.parse().ok()?;
    let gwei = stake_wei / alloy_primitives::U256::from(1_000_000_000u64);
    Some(ValidatorEntry {
        identity: hex::encode(k.identity),
        bls_public: hex::encode(&k.bls_public),
        bls_pop: hex::encode(&k.bls_pop),
        address,
        stake: u64::try_from(gwei).unwrap_or(u64::MAX),
    })
}

/// A consensus validator entry as registered keys (genesis registrations).
pub(crate) fn keys_of(e: &ValidatorEntry) -> Result<ValidatorKeys, String> {
    let bytes = |what: &str, h: &str, len: usize| -> Result<Vec<u8>, String> {
        let b = hex::decode(h.trim_start_matches("0x")).map_err(|e| format!("{what}: {e}"))?;
        if b.len() != len {
            return Err(format!("{what}: {} bytes, want {len}", b.len()));
        }
        Ok(b)
    };
    Ok(ValidatorKeys {
        identity: B256::from_slice(&bytes("identity", &e.identity, 32)?),
        bls_public: bytes("bls_public", &e.bls_public, 48)?.into(),
        bls_pop: bytes("bls_pop", &e.bls_pop, 96)?.into(),
        endpoint: e.address.to_string().into_bytes().into(),
    })
}

impl Application for SettlementApp {
    fn genesis(&self) -> Vec<u8> {
        self.settlement.genesis_hash().to_vec()
    }

    fn propose(&self, ctx: &BlockContext) -> Result<Vec<u8>, String> {
        let parent = self.resolve(&ctx.parent, ctx.height.saturating_sub(1))?;
        let payload = self
            .settlement
            .build_block(parent, ctx.timestamp_ms, self.fee_recipient(ctx))
            .map_err(|e| e.to_string())?;
        // Built blocks are kept as pending with their post-state: this only decodes and hashes.
        let hash = self.settlement.verify_block(&payload).map_err(|e| format!("own block: {e}"))?;
        self.remember(ctx, &payload, hash);
        Ok(payload)
    }

    fn verify(&self, ctx: &BlockContext, payload: &[u8]) -> Result<(), String> {
        self.check_header(ctx, payload)?;
        let hash = self.settlement.verify_block(payload).map_err(|e| e.to_string())?;
        self.remember(ctx, payload, hash);
        Ok(())
    }

    fn finalized(&self, ctx: &BlockContext, digest: Digest, payload: &[u8], finalization: &[u8]) {
        if self.fatal.lock().is_some() {
            return;
        }
        let known = self.index.lock().get(&digest).map(|(_, h)| *h);
        let result = match known {
            Some(h) => Ok(h),
            None => self.settlement.verify_block(payload).map_err(|e| e.to_string()),
        }
        .and_then(|hash| self.settlement.finalize(hash, finalization).map(|_| hash).map_err(|e| e.to_string()));
        match result {
            Ok(_) => {
                let mut idx = self.index.lock();
                idx.retain(|_, (h, _)| *h >= ctx.height);
            }
            Err(e) => {
                let msg = format!("settlement block {} could not be finalized: {e}", ctx.height);
                eprintln!("FATAL: {msg}");
                *self.fatal.lock() = Some(msg);
            }
        }
    }

    fn last_finalized(&self) -> u64 {
        self.settlement.last_finalized_height()
    }

    fn validators_for_epoch(&self, epoch: u64) -> Option<Vec<ValidatorEntry>> {
        let (entries, recipients) = self.committee_entries(epoch)?;
        tracing::info!(epoch, validators = entries.len(), "committee from the settlement ledger");
        self.epoch_recipients.lock().insert(epoch, Arc::new(recipients));
        Some(entries)
    }

    fn fault(&self, fault: &Fault) {
        self.faults.fetch_add(1, Ordering::Relaxed);
        let line = format!("{fault:?}");
        eprintln!("consensus fault: {line}");
        if let Some(p) = &self.fault_log {
            use std::io::Write;
            if let Ok(mut f) = std::fs::OpenOptions::new().create(true).append(true).open(p) {
                let _ = writeln!(f, "{line}");
            }
        }
    }
}

/// Resolves with the error once a finalization could not be applied (never, without an app).
pub async fn fatal_error(app: Option<Arc<SettlementApp>>) -> String {
    let Some(app) = app else { return std::future::pending().await };
    loop {
        tokio::time::sleep(Duration::from_millis(200)).await;
        if let Some(e) = app.fatal() {
            return e;
        }
    }
}

/// Everything the settlement layer of one node runs.
pub struct SettlementNode {
    pub settlement: Arc<Settlement>,
    pub app: Arc<SettlementApp>,
    pub validator: ValidatorHandle,
    pub rpc: jsonrpsee::server::ServerHandle,
    pub rpc_addr: SocketAddr,
}

/// Options of the settlement layer.
#[derive(Clone, Debug)]
pub struct SettlementOptions {
    pub datadir: PathBuf,
    pub rpc_addr: SocketAddr,
    pub retention_blocks: u64,
    pub archive: bool,
    pub engine: Arc<gloam_engine::Engine>,
}

/// Fee recipient of validator `i` in dev and `init-testnet` networks: dev account `i` of the
/// standard test mnemonic (also the genesis staker on the settlement ledger for i < 4).
pub fn dev_fee_recipients(n: usize) -> Vec<Address> {
    (0..n).map(|i| gloam_evm::dev_signer(i as u32).address()).collect()
}

/// The settlement genesis of dev and `init-testnet` networks: gloam-settlement's dev genesis
/// (10 funded accounts, accounts 0–3 staked) plus a stake for the dev batcher (account 9), since
/// `proposeOutput` is open to staked senders only (the proposer's bond); and the consensus
/// config's genesis validators registered — validator `i` of the committee order under dev
/// account `i` (staked if it is not already) — so they stay in the committee after epoch 0.
pub fn genesis(validators: &[ValidatorEntry], min_stake: u64) -> Result<Genesis, String> {
    let stake = alloy_primitives::U256::from(gloam_settlement::chain::DEV_STAKE_WEI);
    let mut g = Genesis::dev();
    let batcher = gloam_evm::dev_signer(crate::node_cmd::DEV_BATCHER_INDEX).address();
    g.validators.push((batcher, stake));
    let mut rows = Vec::new();
    for e in validators.iter().filter(|e| e.stake >= min_stake) {
        let id =
            gloam_consensus::keys::parse_identity(&e.identity).map_err(|err| format!("genesis validator: {err}"))?;
        rows.push((id, keys_of(e)?));
    }
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    for (i, (_, keys)) in rows.into_iter().enumerate() {
        let a = gloam_evm::dev_signer(i as u32).address();
        if !g.validators.iter().any(|(v, _)| *v == a) {
            g.validators.push((a, stake));
        }
        g.registrations.push((a, keys));
    }
    Ok(g)
}

/// Opens the settlement chain, starts its RPC and runs the validator described by `cfg`.
/// Must be called inside a tokio runtime (the RPC server is spawned on it).
pub async fn start(opts: &SettlementOptions, cfg: ValidatorConfig) -> Result<SettlementNode, String> {
    let mut scfg = SettlementConfig::dev(opts.datadir.join("chain"));
    scfg.retention_blocks = opts.retention_blocks;
    scfg.archive = opts.archive;
    scfg.engine = Some(opts.engine.clone());
    // Consensus archives every finalized block, so a crash's unsynced tail is delivered again.
    scfg.sync = gloam_settlement::SyncPolicy::NODE;
    scfg.epoch_length = cfg.epoch_length;
    let settlement =
        Settlement::open(scfg, genesis(&cfg.validators, cfg.min_stake)?).map_err(|e| format!("settlement: {e}"))?;
    tokio::spawn({
        let s = settlement.clone();
        async move {
            loop {
                tokio::time::sleep(Duration::from_millis(100)).await;
                let s = s.clone();
                match tokio::task::spawn_blocking(move || s.flush_if_due()).await {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => tracing::error!(error = %e, "settlement store sync failed"),
                    Err(_) => return,
                }
            }
        }
    });
    let app = Arc::new(SettlementApp::new(
        settlement.clone(),
        dev_fee_recipients(cfg.validators.len()),
        cfg.epoch_length,
        cfg.min_stake,
        Some(opts.datadir.join("faults.log")),
    ));
    let (rpc, rpc_addr) = gloam_settlement::rpc::start(settlement.clone(), opts.rpc_addr)
        .await
        .map_err(|e| format!("settlement rpc {}: {e}", opts.rpc_addr))?;
    let validator = gloam_consensus::run_validator(cfg, app.clone()).map_err(|e| format!("consensus: {e}"))?;
    Ok(SettlementNode { settlement, app, validator, rpc, rpc_addr })
}

/// The single-validator consensus config of `gloam node --dev`, created on first start under
/// `dir` (keys from the OS RNG), with the block time given.
pub fn dev_validator_config(dir: &Path, min_block_time: Duration) -> Result<ValidatorConfig, String> {
    let path = dir.join("validator-0").join("config.json");
    if !path.exists() {
        let port = free_port()?;
        gloam_consensus::init_testnet(1, dir, port, None).map_err(|e| format!("consensus init: {e}"))?;
    }
    let mut cfg = ValidatorConfig::load(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    // One validator: no peer dials it, so any free port will do on every start. The listed
    // address stays as written: it is part of the settlement genesis (the validator's registered
    // endpoint), which must not change between starts.
    let port = free_port()?;
    cfg.listen = SocketAddr::from(([127, 0, 0, 1], port));
    cfg.min_block_time_ms = min_block_time.as_millis() as u64;
    // A proposer waits out the block time inside the view, so the view timeouts must exceed it.
    cfg.leader_timeout_ms = cfg.leader_timeout_ms.max(cfg.min_block_time_ms + 1_000);
    cfg.notarization_timeout_ms = cfg.notarization_timeout_ms.max(cfg.leader_timeout_ms + 1_000);
    cfg.check().map_err(|e| format!("settlement block time {min_block_time:?}: {e}"))?;
    Ok(cfg)
}

fn free_port() -> Result<u16, String> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port: {e}"))?;
    l.local_addr().map(|a| a.port()).map_err(|e| e.to_string())
}
