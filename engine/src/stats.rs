//! Dispatch and fallback counters (exported as metrics by the node).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::{BackendKind, Op};

#[derive(Default)]
pub(crate) struct Counters {
    // (backend, op) -> (dispatched, fell back). Small fixed key space: a mutex-free map of
    // atomics created on first use under a lock.
    cells: parking_lot::RwLock<BTreeMap<(BackendKind, Op), (AtomicU64, AtomicU64)>>,
}

impl Counters {
    fn with(&self, k: BackendKind, op: Op, f: impl Fn(&(AtomicU64, AtomicU64))) {
        if let Some(c) = self.cells.read().get(&(k, op)) {
            f(c);
            return;
        }
        let mut w = self.cells.write();
        f(w.entry((k, op)).or_default());
    }
    pub fn dispatched(&self, k: BackendKind, op: Op) {
        self.with(k, op, |c| {
            c.0.fetch_add(1, Ordering::Relaxed);
        });
    }
    pub fn fell_back(&self, k: BackendKind, op: Op) {
        self.with(k, op, |c| {
            c.1.fetch_add(1, Ordering::Relaxed);
        });
    }
    pub fn snapshot(&self) -> EngineStats {
        let r = self.cells.read();
        EngineStats {
            ops: r
                .iter()
                .map(|(&(backend, op), c)| OpStats {
                    backend,
                    op,
                    dispatched: c.0.load(Ordering::Relaxed),
                    fallbacks: c.1.load(Ordering::Relaxed),
                })
                .collect(),
        }
    }
}

/// Counters for one backend × operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpStats {
    pub backend: BackendKind,
    pub op: Op,
    /// Calls sent to this backend.
    pub dispatched: u64,
    /// Of those, calls that failed and were recomputed on the CPU.
    pub fallbacks: u64,
}

/// A snapshot of all counters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EngineStats {
    pub ops: Vec<OpStats>,
}

impl EngineStats {
    pub fn fallbacks(&self, k: BackendKind, op: Op) -> u64 {
        self.ops.iter().filter(|s| s.backend == k && s.op == op).map(|s| s.fallbacks).sum()
    }
    pub fn dispatched(&self, k: BackendKind, op: Op) -> u64 {
        self.ops.iter().filter(|s| s.backend == k && s.op == op).map(|s| s.dispatched).sum()
    }
    pub fn total_fallbacks(&self) -> u64 {
        self.ops.iter().map(|s| s.fallbacks).sum()
    }
}
