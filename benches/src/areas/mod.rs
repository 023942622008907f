//! One module per bench area. Each returns records; the CLI prints them.

pub mod fhe;
pub mod kzg;
pub mod msm;
pub mod node;
pub mod ntt;
pub(crate) mod peers;
pub mod settlement;
pub mod sig;

use std::sync::Arc;

use gloam_engine::{BackendKind, Engine, EngineConfig, Selection};

use crate::{BenchError, BenchOptions, Record};

/// Areas `gloam bench` knows, with the peer each table divides by.
pub const AREAS: &[(&str, &str)] = &[
    ("msm", "blst/cpu"),
    ("ntt", "arkworks/cpu"),
    ("kzg", "c-kzg/cpu"),
    ("sig", "ed25519-zebra/cpu"),
    ("node", "libsecp256k1/cpu"),
    ("settlement", "c-kzg/cpu"),
    ("fhe", "tfhe/cpu"),
];

/// Peers each table may divide by, in order of preference: a table uses the first one it
/// contains (so the secp256k1 table divides by libsecp256k1 and the BLS one by blst).
pub const REFERENCES: &[&str] = &["blst/cpu", "c-kzg/cpu", "ed25519-zebra/cpu", "libsecp256k1/cpu", "arkworks/cpu"];

/// The preferred reference label for an area's ratio column.
pub fn reference_for(area: &str) -> &'static str {
    AREAS.iter().find(|(a, _)| *a == area).map(|(_, r)| *r).unwrap_or("arkworks/cpu")
}

/// Runs one area.
pub fn run(area: &str, opts: &BenchOptions) -> Result<Vec<Record>, BenchError> {
    let engines = Engines::new(opts);
    let pool = thread_pool(opts)?;
    pool.install(|| match area {
        "msm" => msm::run(opts, &engines),
        "ntt" => ntt::run(opts, &engines),
        "kzg" => kzg::run(opts, &engines),
        "sig" => sig::run(opts, &engines),
        "node" => node::run(opts),
        "settlement" => settlement::run(opts, &engines),
        "fhe" => fhe::run(opts),
        other => Err(BenchError::UnknownArea(
            other.to_string(),
            AREAS.iter().map(|(a, _)| *a).collect::<Vec<_>>().join(", "),
        )),
    })
}

/// The rayon pool gloam's CPU backend and arkworks run in.
pub fn thread_pool(opts: &BenchOptions) -> Result<rayon::ThreadPool, BenchError> {
    let mut b = rayon::ThreadPoolBuilder::new();
    if let Some(t) = opts.threads {
        b = b.num_threads(t);
    }
    b.build().map_err(|e| BenchError::Other(format!("thread pool: {e}")))
}

/// One engine per available backend, each forced onto it, so every row names its backend.
pub struct Engines {
    pub list: Vec<(BackendKind, Arc<Engine>, String)>,
}

impl Engines {
    pub fn new(opts: &BenchOptions) -> Engines {
        let mut list = Vec::new();
        for &k in &opts.backends {
            let e = Engine::new(EngineConfig {
                selection: Selection::forced(k),
                ..EngineConfig::from_env().unwrap_or_default()
            });
            if e.available().contains(&k) {
                let info = e.backend(k).map(|b| b.info()).unwrap_or_default();
                if info.is_software && !opts.include_software {
                    crate::progress(format!(
                        "{k}: {} is a software adapter; not measured (name it with --backends {k} to include it)",
                        info.name
                    ));
                    continue;
                }
                list.push((k, Arc::new(e), info.name));
            } else {
                let why =
                    e.probes().iter().find(|p| p.kind == k).and_then(|p| p.result.clone().err()).unwrap_or_default();
                crate::progress(format!("{k}: not measured ({why})"));
            }
        }
        Engines { list }
    }
}

pub(crate) fn cpu_device() -> String {
    let threads = rayon::current_num_threads();
    format!("{} ({} threads)", cpu_model(), threads)
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|v| v.trim().to_string())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.into())
}
