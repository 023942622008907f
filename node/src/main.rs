//! `gloam`: the command-line entry point.
//!
//! Today it exposes the compute engine (`devices`, `bench`); the node (`gloam node --dev`) and
//! the area tools (`gloam kzg …`) join as they land. Exit codes: 0 success, 1 a failed check
//! (wrong result, failed vector), 2 bad usage or configuration.

mod devices;
mod kzg;
mod node_cmd;
mod settlement_node;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use gloam_engine::{EngineConfig, Selection};

#[derive(Parser, Debug)]
#[command(name = "gloam", version, about = "GPU-accelerated cryptography node: KZG, MSM/NTT, signatures, FHE")]
struct Cli {
    /// Backend selection: auto | cpu | cuda | webgpu, or per op (e.g. `auto,ntt=cpu`).
    #[arg(long, global = true, env = "GLOAM_BACKEND")]
    backend: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// List compute backends found on this machine, and why missing ones are missing.
    Devices {
        /// Also compile every kernel and report first-use compile times and device limits.
        #[arg(long, short)]
        verbose: bool,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Benchmark gloam against peer libraries in the same run (areas: msm, ntt, kzg).
    Bench(gloam_bench::cli::BenchArgs),
    /// KZG commitments and proofs (EIP-4844 / EIP-7594) with c-kzg's byte formats.
    Kzg(kzg::KzgArgs),
    /// The EVM node: `gloam node --dev` runs a single-node devnet with Ethereum JSON-RPC;
    /// `gloam node import|export` moves RLP chain files in and out of a datadir.
    Node(node_cmd::NodeArgs),
}

fn main() -> ExitCode {
    ensure_runtime_dir();
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("GLOAM_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// Mesa's Vulkan drivers print an error on every adapter enumeration when `XDG_RUNTIME_DIR` is
/// unset (common under sudo, cron, containers). Give them a private directory; runs before any
/// thread starts.
fn ensure_runtime_dir() {
    if std::env::var_os("XDG_RUNTIME_DIR").is_some() {
        return;
    }
    let dir = std::env::temp_dir().join(format!("gloam-runtime-{}", std::process::id()));
    if std::fs::create_dir_all(&dir).is_ok() {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700));
        }
        std::env::set_var("XDG_RUNTIME_DIR", &dir);
    }
}

fn engine_config(cli_backend: &Option<String>) -> Result<EngineConfig, String> {
    let mut cfg = EngineConfig::from_env()?;
    if let Some(b) = cli_backend {
        cfg.selection = Selection::parse(b).map_err(|e| format!("--backend: {e}"))?;
    }
    Ok(cfg)
}

fn run(cli: Cli) -> Result<ExitCode, String> {
    match cli.command {
        Command::Devices { verbose, json } => devices::run(engine_config(&cli.backend)?, verbose, json),
        Command::Bench(a) => bench(a),
        Command::Kzg(a) => kzg::run(engine_config(&cli.backend)?, a),
        Command::Node(a) => node_cmd::run(engine_config(&cli.backend)?, a),
    }
}

/// `gloam bench`: runs the harness in this process, unless the run needs blst's thread pool and
/// this binary's blst lost it to feature unification (commonware). Then the standalone
/// `gloam-bench` next to this binary runs it (built with `cargo build --release -p gloam-bench`,
/// it keeps the pool); without one, the harness refuses rather than report a weakened peer.
fn bench(a: gloam_bench::cli::BenchArgs) -> Result<ExitCode, String> {
    use gloam_bench::blst_threads::{blst_threading, BlstThreading};
    if a.needs_blst_pool() && blst_threading() == BlstThreading::Single {
        if let Some(sibling) = sibling_bench_binary() {
            let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
            let from = args.iter().position(|x| x == "bench").map(|i| i + 1).unwrap_or(args.len());
            eprintln!("gloam bench: running {} (this binary's blst has no thread pool)", sibling.display());
            let status = std::process::Command::new(&sibling)
                .args(&args[from..])
                .status()
                .map_err(|e| format!("{}: {e}", sibling.display()))?;
            return Ok(ExitCode::from(status.code().unwrap_or(1).clamp(0, 255) as u8));
        }
    }
    gloam_bench::cli::run_with(a, &consensus_simulation)
}

/// `gloam bench settlement` also reports consensus finality latency and throughput from
/// commonware's deterministic simulation (simulated time: 50 ms ± 10 ms links, 250 ms block-time
/// target, 64 KiB payloads) for 4 and 7 validators.
fn consensus_simulation(
    area: &str,
    opts: &gloam_bench::BenchOptions,
) -> Result<Vec<gloam_bench::Record>, gloam_bench::BenchError> {
    if area != "settlement" {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    let blocks = if opts.samples <= 1 { 10 } else { 40 };
    for n in [4usize, 7] {
        gloam_bench::progress(format!("consensus simulation: {n} validators, {blocks} blocks"));
        let link = gloam_consensus::SimLink { payload_bytes: 64 * 1024, ..Default::default() };
        let r = gloam_consensus::sim::simulate_with(n, blocks, 42, link, 250);
        if !r.consistent {
            return Err(gloam_bench::BenchError::Other(format!(
                "consensus simulation with {n} validators finalized different sequences (seed 42)"
            )));
        }
        let device = "deterministic runtime, simulated time";
        let one = |op: &str, ms: f64| gloam_bench::Record {
            area: "settlement".into(),
            op: op.into(),
            size: n as u64,
            impl_: "gloam-simplex".into(),
            backend: "sim".into(),
            device: device.into(),
            median_ms: ms,
            min_ms: ms,
            max_ms: ms,
            samples: r.blocks as usize,
        };
        out.push(one("finality_latency_p50_sim", r.finality_latency_ms_p50));
        out.push(one("finality_latency_p99_sim", r.finality_latency_ms_p99));
        out.push(one("block_interval_sim", 1e3 / r.blocks_per_s.max(1e-9)));
    }
    Ok(out)
}

fn sibling_bench_binary() -> Option<std::path::PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let p = exe.parent()?.join("gloam-bench");
    p.is_file().then_some(p)
}
