//! The comparison harness behind `gloam bench <area>`.
//!
//! Principles (see the project README): gloam and its peers are measured **in the same process
//! run**, interleaved sample by sample, so ratios stay meaningful on a noisy machine; peers run in
//! their best documented configuration (blst with its own thread pool, c-kzg with precompute 8);
//! every gloam result is checked against the reference before its time is reported, so a fast
//! wrong answer can never appear in a table.
//!
//! Output: a table (size × implementation × backend, with the ratio to the named peer) or, with
//! `--json`, one record per measurement in the shared format
//! `{"area","op","size","impl","backend","device","median_ms","min_ms","max_ms","samples"}`.

pub mod areas;
pub mod blst_threads;
pub mod cli;
mod measure;
mod report;

pub use measure::{measure, Interleaved, Sample};
pub use report::{print_table, Record};

use gloam_engine::BackendKind;

/// Options shared by every area.
#[derive(Clone, Debug)]
pub struct BenchOptions {
    /// log2 sizes to measure (area-specific defaults when empty).
    pub log_sizes: Vec<u32>,
    /// Samples per (size, implementation); the median is reported.
    pub samples: usize,
    /// Thread count for gloam's CPU backend and arkworks (rayon pool). `None` = all cores.
    /// blst always uses its own pool ("blst") plus a single-thread row ("blst-1t") from its C API.
    pub threads: Option<usize>,
    /// Which gloam backends to measure (those available are used; CPU always).
    pub backends: Vec<BackendKind>,
    /// Also measure software adapters (lavapipe). Off unless the backend was named explicitly:
    /// their timings say nothing about GPUs and take minutes at larger sizes.
    pub include_software: bool,
    /// Measure peers too (default true).
    pub peers: bool,
}

impl Default for BenchOptions {
    fn default() -> Self {
        BenchOptions {
            log_sizes: Vec::new(),
            samples: 5,
            threads: None,
            backends: BackendKind::ALL.to_vec(),
            include_software: false,
            peers: true,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error("unknown bench area `{0}` (available: {1})")]
    UnknownArea(String, String),
    #[error("gloam {backend} produced a wrong result for {op} at size {size}: refusing to report its time")]
    WrongResult { op: String, size: usize, backend: BackendKind },
    #[error("{0}")]
    Other(String),
}

/// Progress lines go to stderr so `--json` output stays clean.
pub fn progress(msg: impl AsRef<str>) {
    eprintln!("  … {}", msg.as_ref());
}
