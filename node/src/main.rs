//! `gloam`: the command-line entry point.
//!
//! Today it exposes the compute engine (`devices`, `bench`); the node (`gloam node --dev`) and
//! the area tools (`gloam kzg …`) join as they land. Exit codes: 0 success, 1 a failed check
//! (wrong result, failed vector), 2 bad usage or configuration.

mod devices;
mod kzg;
mod node_cmd;

use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use gloam_engine::{BackendKind, EngineConfig, Selection};

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
    Bench(BenchArgs),
    /// KZG commitments and proofs (EIP-4844 / EIP-7594) with c-kzg's byte formats.
    Kzg(kzg::KzgArgs),
    /// The EVM node: `gloam node --dev` runs a single-node devnet with Ethereum JSON-RPC;
    /// `gloam node import|export` moves RLP chain files in and out of a datadir.
    Node(node_cmd::NodeArgs),
}

#[derive(Args, Debug)]
struct BenchArgs {
    /// Area to measure: msm, ntt, kzg (for kzg, `--sizes 6` means batches of 2^6 = 64 blobs).
    area: String,
    /// Sizes as log2 values, comma separated (e.g. `12,14,16`); area defaults otherwise.
    #[arg(long, value_delimiter = ',')]
    sizes: Vec<u32>,
    /// Samples per measurement (median reported).
    #[arg(long, default_value_t = 5)]
    samples: usize,
    /// Threads for gloam's CPU backend and arkworks (default: all cores). With 1, blst runs its
    /// single-threaded C entry point.
    #[arg(long)]
    threads: Option<usize>,
    /// gloam backends to measure (default: every available hardware one; a software adapter
    /// such as lavapipe is measured only when named here).
    #[arg(long, value_delimiter = ',')]
    backends: Vec<String>,
    /// Skip peer libraries.
    #[arg(long)]
    no_peers: bool,
    /// One JSON record per line instead of a table.
    #[arg(long)]
    json: bool,
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

fn bench(a: BenchArgs) -> Result<ExitCode, String> {
    let backends = if a.backends.is_empty() {
        BackendKind::ALL.to_vec()
    } else {
        a.backends.iter().map(|b| b.parse::<BackendKind>()).collect::<Result<Vec<_>, _>>()?
    };
    let opts = gloam_bench::BenchOptions {
        log_sizes: a.sizes,
        samples: a.samples,
        threads: a.threads,
        include_software: !a.backends.is_empty(),
        backends,
        peers: !a.no_peers,
    };
    eprintln!("gloam bench {} — gloam and peers measured in this one run", a.area);
    let records = match gloam_bench::areas::run(&a.area, &opts) {
        Ok(r) => r,
        Err(e @ gloam_bench::BenchError::UnknownArea(..)) => return Err(e.to_string()),
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(1));
        }
    };
    if a.json {
        for r in &records {
            println!("{}", serde_json::to_string(r).expect("serialisable"));
        }
    } else {
        gloam_bench::print_table(&records, gloam_bench::areas::reference_for(&a.area));
    }
    Ok(ExitCode::SUCCESS)
}
