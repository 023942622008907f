//! Is blst's own thread pool compiled in?
//!
//! blst's Rust bindings run their Pippenger MSM and batch verification on an internal thread
//! pool unless the crate is built with its `no-threads` feature. Cargo unifies features across
//! everything built in one invocation, and `commonware-cryptography` (the consensus engine's
//! crypto, linked into the `gloam` node binary) turns `no-threads` on. A `blst/cpu` row measured
//! without its pool would be a weakened peer, so the harness checks which blst it has before it
//! reports a multi-threaded blst comparison.
//!
//! Detection is by observation, not by a build flag (none is visible to dependents): the first
//! threaded-API call creates blst's pool, whose worker threads (`ThreadPool::default()`, one per
//! CPU, spawned eagerly) show up in the process's thread count.

use std::sync::OnceLock;

/// What blst does in this binary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlstThreading {
    /// blst's pool exists: `n` worker threads appeared on first use.
    Pool(usize),
    /// Built with `no-threads` (or the pool could not be observed): blst runs on the caller's thread.
    Single,
}

impl std::fmt::Display for BlstThreading {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BlstThreading::Pool(n) => write!(f, "blst's own thread pool ({n} threads)"),
            BlstThreading::Single => write!(f, "blst without threads (built with `no-threads`)"),
        }
    }
}

fn thread_count() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find_map(|l| l.strip_prefix("Threads:")).and_then(|v| v.trim().parse().ok())
}

/// Observes blst's threading once per process (a 1024-point MSM through the threaded API).
pub fn blst_threading() -> BlstThreading {
    static CELL: OnceLock<BlstThreading> = OnceLock::new();
    *CELL.get_or_init(|| {
        let Some(before) = thread_count() else {
            return BlstThreading::Single;
        };
        let n = 1024;
        let g = unsafe { *blst::blst_p1_generator() };
        let points = vec![g; n];
        let affines = blst::p1_affines::from(&points);
        let scalars: Vec<u8> = (0..n * 32).map(|i| (i * 131 % 251) as u8).collect();
        let _ = std::hint::black_box(affines.mult(&scalars, 255));
        match thread_count() {
            Some(after) if after > before => BlstThreading::Pool(after - before),
            _ => BlstThreading::Single,
        }
    })
}

/// Areas whose tables include blst's threaded entry points as the reference.
pub fn area_uses_blst_pool(area: &str) -> bool {
    matches!(area, "msm" | "sig")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Which blst a test binary gets depends on the cargo invocation (`-p gloam-bench` alone: the
    /// pool; `--workspace`: features unify with commonware's `no-threads`). Either way a pool,
    /// when seen, must be blst's default one: one worker per CPU.
    #[test]
    fn observed_pool_is_blsts_default() {
        let t = blst_threading();
        assert_eq!(t, blst_threading(), "detection must be stable");
        if let BlstThreading::Pool(n) = t {
            let cpus = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
            assert_eq!(n, cpus, "blst's ThreadPool::default() spawns one thread per CPU");
        }
        eprintln!("blst threading in this test binary: {t}");
    }
}
