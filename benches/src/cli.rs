//! The `bench` command line, shared by `gloam bench` and the standalone `gloam-bench` binary.

use std::process::ExitCode;

use clap::Args;
use gloam_engine::BackendKind;

use crate::blst_threads::{area_uses_blst_pool, blst_threading, BlstThreading};

#[derive(Args, Debug, Clone)]
pub struct BenchArgs {
    /// Area to measure (see `AREAS`; for kzg, `--sizes 6` means batches of 2^6 = 64 blobs).
    pub area: String,
    /// Sizes as log2 values, comma separated (e.g. `12,14,16`); area defaults otherwise.
    #[arg(long, value_delimiter = ',')]
    pub sizes: Vec<u32>,
    /// Samples per measurement (median reported).
    #[arg(long, default_value_t = 5)]
    pub samples: usize,
    /// Threads for gloam's CPU backend and arkworks (default: all cores). With 1, blst runs its
    /// single-threaded C entry point.
    #[arg(long)]
    pub threads: Option<usize>,
    /// gloam backends to measure (default: every available hardware one; a software adapter
    /// such as lavapipe is measured only when named here).
    #[arg(long, value_delimiter = ',')]
    pub backends: Vec<String>,
    /// Skip peer libraries.
    #[arg(long)]
    pub no_peers: bool,
    /// One JSON record per line instead of a table.
    #[arg(long)]
    pub json: bool,
}

impl BenchArgs {
    /// Would this run compare against blst's threaded entry points?
    pub fn needs_blst_pool(&self) -> bool {
        !self.no_peers && self.threads != Some(1) && area_uses_blst_pool(&self.area)
    }
}

/// The message given when blst lost its pool to feature unification.
pub fn weak_blst_message(area: &str) -> String {
    format!(
        "this binary's blst was built with `no-threads` (commonware-cryptography, linked for consensus, \
         turns it on and cargo unifies features), so blst's threaded {area} path would be a weakened peer. \
         Build the harness on its own — `cargo build --release -p gloam-bench` — and run \
         `target/release/gloam-bench {area}` (`gloam bench` runs it for you when it sits next to the \
         `gloam` binary), or compare at one thread with `--threads 1`."
    )
}

/// Records an embedding binary adds to an area (the `gloam` binary adds consensus-simulation
/// figures to `settlement`: the consensus crate is not a dependency of this harness, see
/// [`crate::blst_threads`]).
pub type Extra<'a> = &'a dyn Fn(&str, &crate::BenchOptions) -> Result<Vec<crate::Record>, crate::BenchError>;

/// Runs a bench from parsed arguments. Exit codes: 0 measured, 1 a wrong result, 2 bad usage.
pub fn run(a: BenchArgs) -> Result<ExitCode, String> {
    run_with(a, &|_, _| Ok(Vec::new()))
}

/// [`run`] with records from the embedding binary appended to the area's own.
pub fn run_with(a: BenchArgs, extra: Extra<'_>) -> Result<ExitCode, String> {
    if a.needs_blst_pool() && blst_threading() == BlstThreading::Single {
        return Err(weak_blst_message(&a.area));
    }
    let backends = if a.backends.is_empty() {
        BackendKind::ALL.to_vec()
    } else {
        a.backends.iter().map(|b| b.parse::<BackendKind>()).collect::<Result<Vec<_>, _>>()?
    };
    let opts = crate::BenchOptions {
        log_sizes: a.sizes,
        samples: a.samples,
        threads: a.threads,
        include_software: !a.backends.is_empty(),
        backends,
        peers: !a.no_peers,
    };
    eprintln!("gloam bench {} — gloam and peers measured in this one run", a.area);
    if area_uses_blst_pool(&a.area) && !a.no_peers {
        eprintln!("  peer: {}", blst_threading());
    }
    let records = match crate::areas::run(&a.area, &opts).and_then(|mut r| {
        r.extend(extra(&a.area, &opts)?);
        Ok(r)
    }) {
        Ok(r) => r,
        Err(e @ crate::BenchError::UnknownArea(..)) => return Err(e.to_string()),
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(1));
        }
    };
    if a.json {
        for r in &records {
            println!("{}", serde_json::to_string(r).map_err(|e| e.to_string())?);
        }
    } else {
        crate::print_table(&records, crate::areas::reference_for(&a.area));
    }
    Ok(ExitCode::SUCCESS)
}
