//! `DevProducer`: builds, verifies and finalizes a block whenever transactions arrive (or at
//! least every `interval`), without consensus. Used by tests, `gloam` dev mode, and as a
//! fallback when no consensus engine runs.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use alloy_primitives::Address;

use crate::chain::Settlement;

pub struct DevProducer {
    stop: Arc<AtomicBool>,
    produced: Arc<AtomicU64>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for DevProducer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DevProducer").field("produced", &self.produced()).finish()
    }
}

impl DevProducer {
    /// Starts the producer thread. `interval`: longest time between blocks (empty blocks are made
    /// when it passes); a block follows arriving transactions at once. `empty_blocks: false`
    /// makes blocks only when the pool has transactions.
    pub fn start(
        settlement: Arc<Settlement>,
        interval: Duration,
        proposer: Address,
        empty_blocks: bool,
    ) -> DevProducer {
        let stop = Arc::new(AtomicBool::new(false));
        let produced = Arc::new(AtomicU64::new(0));
        let (s2, p2) = (stop.clone(), produced.clone());
        // Read before the thread starts, so a transaction submitted right after `start` counts as
        // an arrival; transactions already pooled make the first block at once.
        let mut seen = settlement.arrivals();
        let mut kick = settlement.pool_len() > 0;
        let thread = std::thread::Builder::new()
            .name("gloam-settlement-dev".into())
            .spawn(move || {
                let mut last = Instant::now();
                while !s2.load(Ordering::Relaxed) {
                    let wait = interval.saturating_sub(last.elapsed()).min(Duration::from_millis(50));
                    let before = seen;
                    seen = settlement.wait_arrivals(seen, wait);
                    let arrived = seen != before || std::mem::take(&mut kick);
                    let due = last.elapsed() >= interval;
                    // New transactions make a block at once; otherwise one per interval (pooled
                    // transactions that cannot be included yet, e.g. nonce gaps, wait for it).
                    if !arrived && !due {
                        continue;
                    }
                    if !empty_blocks && settlement.pool_len() == 0 {
                        last = Instant::now();
                        continue;
                    }
                    match settlement.produce_block(proposer) {
                        Ok(_) => {
                            p2.fetch_add(1, Ordering::Relaxed);
                        }
                        Err(e) => tracing::warn!(error = %e, "dev producer: block failed"),
                    }
                    last = Instant::now();
                    // Let a burst of submissions gather into the next block.
                    std::thread::sleep(Duration::from_millis(5));
                }
            })
            .expect("spawn the dev producer");
        DevProducer { stop, produced, thread: Some(thread) }
    }

    /// Blocks produced so far.
    pub fn produced(&self) -> u64 {
        self.produced.load(Ordering::Relaxed)
    }

    /// Stops the thread and waits for it.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for DevProducer {
    fn drop(&mut self) {
        self.shutdown();
    }
}
