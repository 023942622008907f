//! Round merging for any [`BootstrapExecutor`] (the device engines).
//!
//! gloam-fhe's `BootstrapScheduler` sends every merged round to `ServerKey::bootstrap_jobs` (the
//! CPU); it has no way to take another executor. Until it does (see README "Missing"), this is the
//! same scheduling contract over an executor of the caller's choice: every operation runs on its
//! own thread with a handle as its executor; once every still-running operation has submitted a
//! round or finished, the submitted rounds are concatenated in operation order into **one**
//! `execute` call and each operation gets its slice back. Every bootstrap is a function of its own
//! input and table only, so results are byte-identical to running the operations one by one (and
//! to gloam-fhe's scheduler on the CPU; tested).

use std::sync::mpsc;
use std::sync::Mutex;

use gloam_fhe::scheduler::ScheduledOp;
use gloam_fhe::{BootstrapExecutor, BootstrapJob, FheError, LweCiphertext, Radix, ScheduleStats, ServerKey};

type RoundResult = Result<Vec<Vec<LweCiphertext>>, FheError>;

enum Msg {
    Submit { op: usize, jobs: Vec<BootstrapJob>, reply: mpsc::Sender<RoundResult> },
    Finished,
}

struct Handle {
    op: usize,
    tx: Mutex<mpsc::Sender<Msg>>,
}

impl BootstrapExecutor for Handle {
    fn execute(&self, jobs: Vec<BootstrapJob>) -> RoundResult {
        let (reply, rx) = mpsc::channel();
        let tx = self.tx.lock().map_err(|_| FheError::Scheduler("poisoned sender"))?;
        tx.send(Msg::Submit { op: self.op, jobs, reply }).map_err(|_| FheError::Scheduler("scheduler stopped"))?;
        drop(tx);
        rx.recv().map_err(|_| FheError::Scheduler("scheduler dropped a round"))?
    }
}

impl Drop for Handle {
    /// Sent on return, error and unwinding alike, so the scheduler never waits for a dead op.
    fn drop(&mut self) {
        if let Ok(tx) = self.tx.lock() {
            let _ = tx.send(Msg::Finished);
        }
    }
}

/// Merges the bootstrap rounds of many integer operations into one call per round of `exec`
/// (e.g. a [`crate::WebGpuFhe`] or [`crate::CudaFhe`]).
pub struct DeviceScheduler<'a, E: BootstrapExecutor> {
    server: &'a ServerKey,
    exec: &'a E,
}

impl<'a, E: BootstrapExecutor> DeviceScheduler<'a, E> {
    pub fn new(server: &'a ServerKey, exec: &'a E) -> Self {
        Self { server, exec }
    }

    /// Runs `ops` with their rounds merged; results in `ops` order. An error of a merged round is
    /// returned to every operation that took part in it.
    pub fn run<'s, T: Send>(&self, ops: Vec<ScheduledOp<'s, T>>) -> (Vec<Result<T, FheError>>, ScheduleStats) {
        let server = self.server;
        let mut stats = ScheduleStats::default();
        let results = std::thread::scope(|scope| {
            let (tx, rx) = mpsc::channel::<Msg>();
            let threads: Vec<_> = ops
                .into_iter()
                .enumerate()
                .map(|(op, f)| {
                    let handle = Handle { op, tx: Mutex::new(tx.clone()) };
                    scope.spawn(move || {
                        let r = f(&Radix::new(server, &handle));
                        drop(handle);
                        r
                    })
                })
                .collect();
            drop(tx);
            let mut running = threads.len();
            let mut waiting: Vec<(usize, Vec<BootstrapJob>, mpsc::Sender<RoundResult>)> = Vec::new();
            while running > 0 {
                while waiting.len() < running {
                    match rx.recv() {
                        Ok(Msg::Submit { op, jobs, reply }) => waiting.push((op, jobs, reply)),
                        Ok(Msg::Finished) => running -= 1,
                        Err(_) => {
                            running = 0;
                            break;
                        }
                    }
                }
                if waiting.is_empty() {
                    continue;
                }
                waiting.sort_by_key(|w| w.0);
                let mut sizes = Vec::with_capacity(waiting.len());
                let mut replies = Vec::with_capacity(waiting.len());
                let mut merged = Vec::new();
                for (_, jobs, reply) in waiting.drain(..) {
                    sizes.push(jobs.len());
                    merged.extend(jobs);
                    replies.push(reply);
                }
                stats.rounds += 1;
                stats.bootstraps += merged.len();
                match self.exec.execute(merged) {
                    Ok(outs) => {
                        let mut outs = outs.into_iter();
                        for (size, reply) in sizes.into_iter().zip(replies) {
                            let _ = reply.send(Ok(outs.by_ref().take(size).collect()));
                        }
                    }
                    Err(e) => {
                        for reply in replies {
                            let _ = reply.send(Err(e.clone()));
                        }
                    }
                }
            }
            threads
                .into_iter()
                .map(|t| t.join().unwrap_or(Err(FheError::Scheduler("operation panicked"))))
                .collect::<Vec<_>>()
        });
        (results, stats)
    }
}
