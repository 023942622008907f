//! `gloam node`: the EVM execution environment as a single-node devnet, plus `import`/`export`
//! of RLP chain files.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Subcommand};
use gloam_engine::{Engine, EngineConfig};
use gloam_evm::chain::{Chain, ChainConfig};
use gloam_evm::genesis::{self, GenesisState};
use gloam_evm::pool::PoolConfig;

#[derive(Args, Debug)]
pub struct NodeArgs {
    #[command(subcommand)]
    action: Option<NodeAction>,
    #[command(flatten)]
    chain: ChainOpts,
    /// Run the single-node devnet (10 prefunded accounts from the standard test mnemonic).
    #[arg(long)]
    dev: bool,
    /// JSON-RPC address (HTTP and WebSocket on one port). Port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:8545")]
    rpc_addr: SocketAddr,
    /// Block time: `0` mines as soon as transactions are pending, and a send answers once its
    /// block is committed (at most 5 s); otherwise a duration such as `2s` or `500ms` (a block
    /// every interval, empty or not).
    #[arg(long, default_value = "0", value_parser = parse_duration)]
    block_time: Duration,
    /// Most transactions one sender may have in the pool.
    #[arg(long, default_value_t = PoolConfig::default().max_per_sender)]
    pool_per_sender: usize,
    /// Most transactions in the pool.
    #[arg(long, default_value_t = PoolConfig::default().max_total)]
    pool_total: usize,
    /// Maximum simultaneous RPC connections.
    #[arg(long, default_value_t = 1000)]
    rpc_max_connections: u32,
    /// Settlement-layer JSON-RPC address (blob transactions, `gloam_getBlobByVersionedHash`, …).
    #[arg(long, default_value = "127.0.0.1:8546")]
    settlement_rpc_addr: SocketAddr,
    /// Settlement block time under `--dev` (one validator): consensus proposes no faster.
    #[arg(long, default_value = "1s", value_parser = parse_duration)]
    settlement_block_time: Duration,
    /// Blob sidecars are kept for this many settlement blocks, then pruned.
    #[arg(long, default_value_t = gloam_settlement::DEFAULT_RETENTION_BLOCKS)]
    retention_blocks: u64,
    /// Keep every blob sidecar (no pruning).
    #[arg(long)]
    archive: bool,
    /// `--dev` without the settlement layer and batcher: the EVM environment alone.
    #[arg(long)]
    no_settlement: bool,
    /// Run a settlement-layer validator from a config written by `gloam node init-testnet`.
    #[arg(long, value_name = "CONFIG")]
    validator: Option<PathBuf>,
    /// Rebuild the EVM chain from the settlement layer at this JSON-RPC URL (blobs alone),
    /// re-executing every block and checking every posted output root.
    #[arg(long, value_name = "URL")]
    follow_settlement: Option<String>,
    /// Batcher whose blob transactions `--follow-settlement` reads (default: the dev batcher).
    #[arg(long)]
    batcher: Option<alloy_primitives::Address>,
}

/// Options that pick the chain (shared by run, import and export).
#[derive(Args, Debug, Clone)]
pub struct ChainOpts {
    /// Data directory (redb database and transaction-pool journal).
    #[arg(long, default_value = "./gloam-data", global = true)]
    datadir: PathBuf,
    /// Chain id of the dev chain (ignored with --genesis, which carries its own).
    #[arg(long, default_value_t = genesis::DEV_CHAIN_ID, global = true)]
    chain_id: u64,
    /// Block gas limit of the dev chain.
    #[arg(long, default_value_t = genesis::DEV_GAS_LIMIT, global = true)]
    gas_limit: u64,
    /// A geth-style genesis.json instead of the dev genesis.
    #[arg(long, global = true)]
    genesis: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
enum NodeAction {
    /// Write keys and configs for an N-validator settlement network on loopback.
    InitTestnet {
        /// Number of validators.
        n: usize,
        /// Output directory (`validator-<i>/{key.json,config.json}`).
        #[arg(long, default_value = "./gloam-testnet")]
        dir: PathBuf,
        /// p2p port of validator 0 (validator i listens on base + i).
        #[arg(long, default_value_t = 30400)]
        base_port: u16,
        /// Deterministic keys from this seed (tests); default: OS randomness.
        #[arg(long)]
        seed: Option<u64>,
    },
    /// Print this validator's `registerValidator` call (STAKING system contract): its identity,
    /// BLS key, proof of possession and p2p endpoint from the config's key file and listen
    /// address, and the calldata to send from a staked account (e.g. with `cast send` or
    /// web3). The validator joins the committee of the epoch after the registration is final.
    RegisterCalldata {
        /// The validator's config (written by `init-testnet` or by hand).
        config: PathBuf,
    },
    /// Import RLP-encoded blocks (geth's chain.rlp format) with full validation.
    Import {
        /// The chain file (concatenated RLP blocks).
        file: PathBuf,
    },
    /// Export the chain as concatenated RLP blocks.
    Export {
        /// Output file.
        file: PathBuf,
        /// First block (default 0, the genesis).
        #[arg(long, default_value_t = 0)]
        from: u64,
        /// Last block (default: head).
        #[arg(long)]
        to: Option<u64>,
    },
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    if s == "0" {
        return Ok(Duration::ZERO);
    }
    let (num, unit) = s.find(|c: char| !c.is_ascii_digit() && c != '.').map(|i| s.split_at(i)).unwrap_or((s, "s"));
    let v: f64 = num.parse().map_err(|_| format!("bad duration {s:?} (examples: 0, 500ms, 2s)"))?;
    let secs = match unit {
        "ms" => v / 1e3,
        "s" | "" => v,
        "m" => v * 60.0,
        _ => return Err(format!("bad duration unit in {s:?} (ms, s, m)")),
    };
    Ok(Duration::from_secs_f64(secs))
}

fn load_genesis(opts: &ChainOpts) -> Result<GenesisState, String> {
    match &opts.genesis {
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
            genesis::genesis_from_json(&text).map_err(|e| e.to_string())
        }
        None => Ok(genesis::dev_genesis(opts.chain_id, 10, opts.gas_limit)),
    }
}

fn open_chain(opts: &ChainOpts, pool: PoolConfig) -> Result<Arc<Chain>, String> {
    let g = load_genesis(opts)?;
    let config = ChainConfig { datadir: opts.datadir.clone(), pool, block_cache: 256 };
    Chain::open(config, g).map_err(|e| format!("{}: {e}", opts.datadir.display()))
}

pub fn run(engine_cfg: EngineConfig, a: NodeArgs) -> Result<ExitCode, String> {
    let engine = Arc::new(Engine::new(engine_cfg));
    gloam_evm::crypto::install(engine.clone())?;
    install_sig_backend(&engine);
    let pool = PoolConfig { max_per_sender: a.pool_per_sender, max_total: a.pool_total, ..PoolConfig::default() };
    match a.action {
        Some(NodeAction::Import { file }) => {
            let chain = open_chain(&a.chain, pool)?;
            let bytes = std::fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            let mut last = std::time::Instant::now();
            let report = gloam_evm::rlp_file::import(&chain, &bytes, |done, total| {
                if last.elapsed() > Duration::from_secs(2) || done == total {
                    eprintln!("import: {done}/{total} blocks");
                    last = std::time::Instant::now();
                }
            });
            chain.shutdown();
            match report {
                Ok(r) => {
                    println!(
                        "imported {} blocks ({} already known), {} transactions, {} gas in {:.2}s; head #{}",
                        r.imported,
                        r.skipped_known,
                        r.transactions,
                        r.gas,
                        r.seconds,
                        chain.head_number()
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("import failed: {e} (head stays #{})", chain.head_number());
                    Ok(ExitCode::from(1))
                }
            }
        }
        Some(NodeAction::Export { file, from, to }) => {
            let chain = open_chain(&a.chain, pool)?;
            let mut out =
                std::io::BufWriter::new(std::fs::File::create(&file).map_err(|e| format!("{}: {e}", file.display()))?);
            let n = gloam_evm::rlp_file::export(&chain, &mut out, from, to)?;
            std::io::Write::flush(&mut out).map_err(|e| e.to_string())?;
            println!("exported {n} blocks to {}", file.display());
            Ok(ExitCode::SUCCESS)
        }
        Some(NodeAction::RegisterCalldata { config }) => {
            let cfg =
                gloam_consensus::ValidatorConfig::load(&config).map_err(|e| format!("{}: {e}", config.display()))?;
            let keys = cfg.load_keys().map_err(|e| format!("{}: {e}", cfg.key_file.display()))?;
            let entry = gloam_consensus::ValidatorEntry::of(&keys, cfg.listen, 0);
            let k = crate::settlement_node::keys_of(&entry)?;
            let endpoint = cfg.listen.to_string();
            let calldata = gloam_settlement::exec::register_calldata(k.identity, &k.bls_public, &k.bls_pop, &endpoint);
            let out = serde_json::json!({
                "to": gloam_settlement::STAKING,
                "function": gloam_settlement::params::SIG_REGISTER_VALIDATOR,
                "identity": k.identity,
                "blsPublic": k.bls_public,
                "blsPop": k.bls_pop,
                "endpoint": endpoint,
                "calldata": format!("0x{}", hex::encode(&calldata)),
            });
            println!("{}", serde_json::to_string_pretty(&out).map_err(|e| e.to_string())?);
            Ok(ExitCode::SUCCESS)
        }
        Some(NodeAction::InitTestnet { n, dir, base_port, seed }) => {
            let files = gloam_consensus::init_testnet(n, &dir, base_port, seed).map_err(|e| e.to_string())?;
            for (i, f) in files.iter().enumerate() {
                println!(
                    "validator {i}: {}  (fee recipient {})",
                    f.display(),
                    gloam_evm::dev_signer(i as u32).address()
                );
            }
            println!(
                "start each with: gloam node --validator {}/validator-<i>/config.json --settlement-rpc-addr 127.0.0.1:<port>",
                dir.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        None => {
            if let Some(cfg) = a.validator.clone() {
                return run_validator(engine, a, cfg);
            }
            if !a.dev && a.chain.genesis.is_none() && a.follow_settlement.is_none() {
                return Err(
                    "`gloam node` needs --dev (single-node devnet), --genesis FILE, --validator CONFIG or --follow-settlement URL"
                        .into(),
                );
            }
            run_node(engine, a, pool)
        }
    }
}

/// Sender recovery on the engine's GPU when it has a hardware one (CUDA first, then a
/// non-software WebGPU adapter), else on the CPU. The GPU backends return the CPU's per-item
/// results, keep batches below their threshold on the CPU, and recompute a batch on the CPU
/// after a device error.
pub fn install_sig_backend(engine: &Engine) {
    use gloam_engine::BackendKind;
    let available = engine.available();
    let hardware = |k: BackendKind| available.contains(&k) && engine.backend(k).is_some_and(|b| !b.info().is_software);
    let gpu: Option<Arc<dyn gloam_sig::SigBackend>> = if hardware(BackendKind::Cuda) {
        let cfg = gloam_cuda::CudaConfig { cache_dir: engine.config().kernel_cache_dir.clone() };
        gloam_sig_gpu::CudaSigBackend::new(&cfg)
            .map(|b| Arc::new(b) as Arc<dyn gloam_sig::SigBackend>)
            .map_err(|e| eprintln!("sender recovery stays on the CPU: CUDA signature backend: {e}"))
            .ok()
    } else if hardware(BackendKind::WebGpu) {
        gloam_sig_gpu::WebGpuSigBackend::new()
            .map(|b| Arc::new(b) as Arc<dyn gloam_sig::SigBackend>)
            .map_err(|e| eprintln!("sender recovery stays on the CPU: WebGPU signature backend: {e}"))
            .ok()
    } else {
        None
    };
    if let Some(b) = gpu {
        gloam_evm::recover::set_backend(b);
    }
}

/// What sender recovery runs on, for the startup banner.
fn describe_recovery() -> String {
    let b = gloam_evm::recover::backend();
    if b.name() == "cpu" {
        format!("gloam-sig secp256k1 batch (CPU, {} threads)", rayon::current_num_threads())
    } else {
        format!(
            "gloam-sig-gpu secp256k1 batch on {} (batches ≥ {} items; CPU below and on device errors)",
            b.name(),
            gloam_sig_gpu::DEFAULT_MIN_DEVICE_BATCH
        )
    }
}

fn describe_engine(engine: &Engine) -> String {
    engine
        .probes()
        .iter()
        .map(|p| match &p.result {
            Ok(info) => format!("{:?}: {}{}", p.kind, info.name, if info.is_software { " (software)" } else { "" }),
            Err(e) => format!("{:?}: unavailable ({e})", p.kind),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The dev batcher's key on the settlement layer: dev account 9 of the test mnemonic (accounts
/// 0–3 are the dev validators' fee recipients).
pub const DEV_BATCHER_INDEX: u32 = 9;
/// The key that signs disputes in follow mode: dev account 8.
pub const DEV_DISPUTER_INDEX: u32 = 8;

fn run_node(engine: Arc<Engine>, a: NodeArgs, pool: PoolConfig) -> Result<ExitCode, String> {
    let chain = open_chain(&a.chain, pool)?;
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| e.to_string())?;
    let (head, hash) = chain.head_header();
    let follow = a.follow_settlement.clone();
    let with_settlement = a.dev && !a.no_settlement && follow.is_none();
    println!(
        "gloam node{} — chain id {}, block time {}, gas limit {}",
        if a.dev { " --dev" } else { "" },
        chain.chain_id(),
        if follow.is_some() {
            "derived from the settlement layer".to_string()
        } else if a.block_time.is_zero() {
            "on demand".to_string()
        } else {
            format!("{:?}", a.block_time)
        },
        head.gas_limit
    );
    println!("engine: {}", describe_engine(&engine));
    println!(
        "crypto: sender recovery = {}; precompiles 0x01 ECRECOVER and 0x0a KZG point evaluation = gloam engine",
        describe_recovery()
    );
    println!("datadir: {} (head #{} {})", a.chain.datadir.display(), head.number, hash);
    if a.dev && a.chain.genesis.is_none() {
        println!("accounts (mnemonic \"{}\", m/44'/60'/0'/0/i, 10000 ETH each):", genesis::DEV_MNEMONIC);
        for i in 0..10 {
            let s = genesis::dev_signer(i);
            println!("  ({i}) {}  key 0x{}", s.address(), hex::encode(s.to_bytes()));
        }
    }
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let result: Result<(), String> = rt.block_on(async {
        // Settlement layer first: the batcher needs its RPC.
        let settlement = if with_settlement {
            let dir = a.chain.datadir.join("settlement");
            let cfg = crate::settlement_node::dev_validator_config(&dir.join("consensus"), a.settlement_block_time)?;
            let opts = crate::settlement_node::SettlementOptions {
                datadir: dir,
                rpc_addr: a.settlement_rpc_addr,
                retention_blocks: a.retention_blocks,
                archive: a.archive,
                engine: engine.clone(),
            };
            let node = crate::settlement_node::start(&opts, cfg).await?;
            println!(
                "settlement: chain id {}, 1 validator (commonware simplex, BLS12-381 multisig), block time {:?}, head #{}",
                node.settlement.chain_id(),
                a.settlement_block_time,
                node.settlement.last_finalized_height()
            );
            println!("settlement rpc: http://{}", node.rpc_addr);
            Some(node)
        } else {
            None
        };
        let dev_signers =
            if a.dev && a.chain.genesis.is_none() { (0..10).map(genesis::dev_signer).collect() } else { Vec::new() };
        let cfg = gloam_evm::rpc::RpcConfig {
            addr: a.rpc_addr,
            max_connections: a.rpc_max_connections,
            dev_signers,
            await_inclusion: a.block_time.is_zero().then_some(AWAIT_INCLUSION),
        };
        let (handle, addr) =
            gloam_evm::rpc::start(chain.clone(), &cfg).await.map_err(|e| format!("rpc {}: {e}", a.rpc_addr))?;
        println!("rpc: http://{addr}");
        println!("ws: ws://{addr}");
        let mut workers = Vec::new();
        if let Some(node) = &settlement {
            let url = format!("http://{}", node.rpc_addr);
            workers.push(start_batcher(chain.clone(), engine.clone(), &url, &a.chain.datadir, stop.clone())?);
        }
        if let Some(url) = &follow {
            workers.push(start_follower(chain.clone(), engine.clone(), url, &a, stop.clone())?);
        }
        let producer = if follow.is_none() {
            tokio::spawn(produce(chain.clone(), a.block_time))
        } else {
            tokio::spawn(async { std::future::pending::<Result<(), String>>().await })
        };
        let fatal = crate::settlement_node::fatal_error(settlement.as_ref().map(|n| n.app.clone()));
        let outcome: Result<(), String> = tokio::select! {
            r = tokio::signal::ctrl_c() => r.map_err(|e| e.to_string()),
            r = producer => r.map_err(|e| e.to_string()).and_then(|r| r),
            e = fatal => Err(e),
        };
        eprintln!("shutting down: stopping RPC, workers and consensus, flushing the pool journal");
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
        for w in workers {
            let _ = tokio::task::spawn_blocking(move || w.join()).await;
        }
        let _ = handle.stop();
        handle.stopped().await;
        if let Some(node) = settlement {
            let _ = node.rpc.stop();
            node.rpc.stopped().await;
            let settlement = node.settlement.clone();
            let stopped = tokio::task::spawn_blocking(move || node.validator.stop()).await;
            if let Ok(Err(e)) = stopped {
                eprintln!("consensus stopped with: {e}");
            }
            settlement.shutdown();
        }
        outcome
    });
    chain.shutdown();
    result?;
    println!("stopped cleanly at head #{}", chain.head_number());
    Ok(ExitCode::SUCCESS)
}

fn kzg_settings(engine: &Arc<Engine>) -> Result<Arc<gloam_kzg::KzgSettings>, String> {
    gloam_kzg::KzgSettings::mainnet(engine.clone()).map(Arc::new).map_err(|e| format!("KZG setup: {e}"))
}

/// The batcher thread: EVM blocks → blobs on the settlement layer (retrying until it is up).
fn start_batcher(
    chain: Arc<Chain>,
    engine: Arc<Engine>,
    url: &str,
    datadir: &std::path::Path,
    stop: Arc<std::sync::atomic::AtomicBool>,
) -> Result<std::thread::JoinHandle<()>, String> {
    let kzg = kzg_settings(&engine)?;
    let settlement: Arc<dyn gloam_rollup::Settlement> =
        Arc::new(gloam_rollup::RpcSettlement::new(url, Duration::from_secs(10)).map_err(|e| e.to_string())?);
    let signer = genesis::dev_signer(DEV_BATCHER_INDEX);
    println!(
        "batcher: EVM blocks → compressed frames → blobs, from {} to {} (output roots to {})",
        signer.address(),
        gloam_settlement::BATCH_INBOX,
        gloam_settlement::OUTPUT_ORACLE
    );
    let cfg = gloam_rollup::BatcherConfig::dev(datadir.join("batcher.json"));
    std::thread::Builder::new()
        .name("batcher".into())
        .spawn(move || {
            let mut delay = Duration::from_millis(200);
            let mut batcher = loop {
                if stop.load(std::sync::atomic::Ordering::SeqCst) {
                    return;
                }
                match gloam_rollup::Batcher::new(
                    chain.clone(),
                    settlement.clone(),
                    kzg.clone(),
                    signer.clone(),
                    cfg.clone(),
                ) {
                    Ok(b) => break b,
                    Err(e) => {
                        eprintln!("batcher: {e}; retrying in {delay:?}");
                        std::thread::sleep(delay);
                        delay = (delay * 2).min(Duration::from_secs(10));
                    }
                }
            };
            batcher.run(&stop);
        })
        .map_err(|e| e.to_string())
}

/// The follower thread: settlement blobs → EVM blocks, re-executed, output roots checked.
fn start_follower(
    chain: Arc<Chain>,
    engine: Arc<Engine>,
    url: &str,
    a: &NodeArgs,
    stop: Arc<std::sync::atomic::AtomicBool>,
) -> Result<std::thread::JoinHandle<()>, String> {
    let kzg = kzg_settings(&engine)?;
    let settlement: Arc<dyn gloam_rollup::Settlement> =
        Arc::new(gloam_rollup::RpcSettlement::new(url, Duration::from_secs(10)).map_err(|e| e.to_string())?);
    let batcher = a.batcher.unwrap_or_else(|| genesis::dev_signer(DEV_BATCHER_INDEX).address());
    let mut cfg = gloam_rollup::FollowerConfig::dev(batcher);
    cfg.state_file = Some(a.chain.datadir.join("follower.json"));
    let disputer = genesis::dev_signer(DEV_DISPUTER_INDEX);
    println!("follow: deriving from {url}, batcher {batcher}; disputes signed by {}", disputer.address());
    let mut follower = gloam_rollup::Follower::new(chain, settlement, Some(kzg), Some(disputer), cfg)
        .map_err(|e| format!("follower: {e}"))?;
    std::thread::Builder::new().name("follower".into()).spawn(move || follower.run(&stop)).map_err(|e| e.to_string())
}

/// `gloam node --validator CONFIG`: one settlement validator of a multi-validator network.
fn run_validator(engine: Arc<Engine>, a: NodeArgs, config: PathBuf) -> Result<ExitCode, String> {
    let cfg = gloam_consensus::ValidatorConfig::load(&config).map_err(|e| format!("{}: {e}", config.display()))?;
    let datadir = config.parent().map(|p| p.join("settlement")).unwrap_or_else(|| PathBuf::from("settlement"));
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| e.to_string())?;
    println!("engine: {}", describe_engine(&engine));
    rt.block_on(async {
        let opts = crate::settlement_node::SettlementOptions {
            datadir,
            rpc_addr: a.settlement_rpc_addr,
            retention_blocks: a.retention_blocks,
            archive: a.archive,
            engine: engine.clone(),
        };
        let n = cfg.validators.len();
        let listen = cfg.listen;
        let node = crate::settlement_node::start(&opts, cfg).await?;
        println!(
            "validator {} of {n}: p2p {listen}, settlement head #{}",
            node.validator.index,
            node.settlement.last_finalized_height()
        );
        println!("settlement rpc: http://{}", node.rpc_addr);
        let outcome: Result<(), String> = tokio::select! {
            r = tokio::signal::ctrl_c() => r.map_err(|e| e.to_string()),
            e = crate::settlement_node::fatal_error(Some(node.app.clone())) => Err(e),
        };
        eprintln!("shutting down: stopping RPC and consensus, flushing the pool journal");
        let _ = node.rpc.stop();
        node.rpc.stopped().await;
        let head = node.settlement.last_finalized_height();
        let faults = node.app.faults();
        let settlement = node.settlement.clone();
        let _ = tokio::task::spawn_blocking(move || node.validator.stop()).await;
        settlement.shutdown();
        outcome?;
        println!("stopped cleanly at settlement head #{head} ({faults} consensus faults reported)");
        Ok(ExitCode::SUCCESS)
    })
}

/// How long a send waits for its block under on-demand mining (see `RpcConfig::await_inclusion`).
const AWAIT_INCLUSION: Duration = Duration::from_secs(5);

async fn produce(chain: Arc<Chain>, block_time: Duration) -> Result<(), String> {
    loop {
        if block_time.is_zero() {
            // Mine whenever transactions are pending; check at least every second.
            let notified = chain.tx_arrived.notified();
            if chain.pool_len() == 0 {
                let _ = tokio::time::timeout(Duration::from_secs(1), notified).await;
            }
        } else {
            tokio::time::sleep(block_time).await;
        }
        let c = chain.clone();
        let allow_empty = !block_time.is_zero();
        let r = tokio::task::spawn_blocking(move || {
            if !allow_empty {
                c.settle(gloam_evm::chain::ON_DEMAND_BATCH_WINDOW);
            }
            c.produce_block(allow_empty)
        })
        .await
        .map_err(|e| e.to_string())?;
        match r {
            Ok(Some((b, t))) => println!(
                "block #{} {} txs={} gas={} exec={:.1}ms root={:.1}ms commit={:.1}ms",
                b.block.header.number,
                b.hash,
                t.txs,
                t.gas,
                t.execute.as_secs_f64() * 1e3,
                t.state_root.as_secs_f64() * 1e3,
                t.commit.as_secs_f64() * 1e3
            ),
            Ok(None) => {}
            Err(e) => return Err(format!("block production failed: {e}")),
        }
    }
}
