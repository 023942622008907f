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
//! CPU, spawned eagerly) are created by — and named after — a probe thread.

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

/// Name given to the probing thread. Linux threads inherit their creator's name, so the workers
/// blst's pool spawns from the probe carry it too, which tells them apart from threads other parts
/// of the process (tests running in parallel, rayon) create at the same moment.
const PROBE_NAME: &str = "gloam-blstprobe";

fn threads_named(name: &str) -> Option<usize> {
    let mut n = 0;
    for t in std::fs::read_dir("/proc/self/task").ok()? {
        let comm = std::fs::read_to_string(t.ok()?.path().join("comm")).unwrap_or_default();
        if comm.trim_end() == name {
            n += 1;
        }
    }
    Some(n)
}

/// Observes blst's threading once per process: a 1024-point MSM through the threaded API, run on
/// a named probe thread; blst's pool (created on first use, workers spawned eagerly) shows up as
/// threads with the probe's name that outlive it. If blst's pool was already created before the
/// first call, it is not seen and blst counts as single-threaded (the conservative answer:
/// `gloam bench` then refuses or delegates instead of reporting against a weakened peer).
pub fn blst_threading() -> BlstThreading {
    static CELL: OnceLock<BlstThreading> = OnceLock::new();
    *CELL.get_or_init(|| {
        let probe = std::thread::Builder::new().name(PROBE_NAME.into()).spawn(|| {
            let n = 1024;
            let g = unsafe { *blst::blst_p1_generator() };
            let points = vec![g; n];
            let affines = blst::p1_affines::from(&points);
            let scalars: Vec<u8> = (0..n * 32).map(|i| (i * 131 % 251) as u8).collect();
            let _ = std::hint::black_box(affines.mult(&scalars, 255));
        });
        if probe.map(|h| h.join().is_ok()).unwrap_or(false) {
            match threads_named(PROBE_NAME) {
                Some(n) if n > 0 => BlstThreading::Pool(n),
                _ => BlstThreading::Single,
            }
        } else {
            BlstThreading::Single
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
