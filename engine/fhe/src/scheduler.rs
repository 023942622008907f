//! Merges the bootstrap rounds of many independent integer operations into one engine call per
//! round (a block of private transactions: N additions, comparisons, selects … on different
//! ciphertexts).
//!
//! Design: every operation is an ordinary closure over a [`Radix`] whose executor is a handle to
//! the scheduler. Each operation runs on its own thread; when it reaches a bootstrap round it
//! submits the round and blocks. The scheduler waits until every still-running operation has
//! either submitted its next round or finished, concatenates the submitted rounds (in operation
//! order) into **one** executor call ([`ServerKey::bootstrap_jobs`] on the CPU, or a GPU engine via
//! [`BootstrapScheduler::with_executor`]), and hands each operation its slice of
//! the outputs. So the number of engine calls is the maximum round depth over the operations,
//! not the sum, and since every bootstrap is a deterministic function of its own input and table,
//! the ciphertexts are byte-identical to running the operations one by one.

use std::sync::mpsc;
use std::sync::Mutex;

use crate::ciphertext::LweCiphertext;
use crate::error::FheError;
use crate::integer::{BootstrapExecutor, BootstrapJob, Radix};
use crate::server_key::ServerKey;

type RoundResult = Result<Vec<Vec<LweCiphertext>>, FheError>;

enum Msg {
    Submit { op: usize, jobs: Vec<BootstrapJob>, reply: mpsc::Sender<RoundResult> },
    Done,
}

/// The executor an operation sees inside the scheduler.
struct Handle {
    op: usize,
    tx: Mutex<mpsc::Sender<Msg>>,
}

impl BootstrapExecutor for Handle {
    fn execute(&self, jobs: Vec<BootstrapJob>) -> RoundResult {
        let (reply, rx) = mpsc::channel();
        let sent = self.tx.lock().map_err(|_| FheError::Scheduler("poisoned sender"))?.send(Msg::Submit {
            op: self.op,
            jobs,
            reply,
        });
        sent.map_err(|_| FheError::Scheduler("scheduler stopped"))?;
        rx.recv().map_err(|_| FheError::Scheduler("scheduler dropped a round"))?
    }
}

impl Drop for Handle {
    /// Sent on return, error and unwinding alike, so the scheduler never waits for a dead op.
    fn drop(&mut self) {
        if let Ok(tx) = self.tx.lock() {
            let _ = tx.send(Msg::Done);
        }
    }
}

/// Rounds (engine calls) and bootstraps of one scheduled run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ScheduleStats {
    pub rounds: usize,
    pub bootstraps: usize,
}

/// An integer operation to schedule.
pub type ScheduledOp<'s, T> = Box<dyn FnOnce(&Radix<'_>) -> Result<T, FheError> + Send + 's>;

pub struct BootstrapScheduler<'a> {
    server: &'a ServerKey,
    exec: &'a dyn BootstrapExecutor,
}

impl<'a> BootstrapScheduler<'a> {
    /// Rounds run on the CPU engine ([`ServerKey::bootstrap_jobs`]).
    pub fn new(server: &'a ServerKey) -> Self {
        Self { server, exec: server }
    }

    /// Rounds run on `exec` (e.g. a GPU engine holding the same keys); `server` supplies the
    /// parameters and lookup tables the operations build.
    pub fn with_executor(server: &'a ServerKey, exec: &'a dyn BootstrapExecutor) -> Self {
        Self { server, exec }
    }

    /// Runs `ops` with their rounds merged; results are in `ops` order. An error in one round is
    /// returned to every operation that took part in it.
    pub fn run<'s, T: Send>(&self, ops: Vec<ScheduledOp<'s, T>>) -> (Vec<Result<T, FheError>>, ScheduleStats) {
        let server = self.server;
        let mut stats = ScheduleStats::default();
        let n = ops.len();
        let results = std::thread::scope(|scope| {
            let (tx, rx) = mpsc::channel::<Msg>();
            let threads: Vec<_> = ops
                .into_iter()
                .enumerate()
                .map(|(op, f)| {
                    let handle = Handle { op, tx: Mutex::new(tx.clone()) };
                    scope.spawn(move || {
                        let r = f(&Radix::new(server, &handle));
                        drop(handle); // sends Done
                        r
                    })
                })
                .collect();
            drop(tx);
            let mut live = n;
            let mut pending: Vec<(usize, Vec<BootstrapJob>, mpsc::Sender<RoundResult>)> = Vec::new();
            while live > 0 {
                while pending.len() < live {
                    match rx.recv() {
                        Ok(Msg::Submit { op, jobs, reply }) => pending.push((op, jobs, reply)),
                        Ok(Msg::Done) => live -= 1,
                        Err(_) => {
                            live = 0;
                            break;
                        }
                    }
                }
                if pending.is_empty() {
                    continue;
                }
                pending.sort_by_key(|p| p.0);
                let mut counts = Vec::with_capacity(pending.len());
                let mut all = Vec::new();
                let mut replies = Vec::with_capacity(pending.len());
                for (_, jobs, reply) in pending.drain(..) {
                    counts.push(jobs.len());
                    all.extend(jobs);
                    replies.push(reply);
                }
                stats.rounds += 1;
                stats.bootstraps += all.len();
                match self.exec.execute(all) {
                    Ok(outs) => {
                        let mut outs = outs.into_iter();
                        for (count, reply) in counts.into_iter().zip(replies) {
                            let _ = reply.send(Ok(outs.by_ref().take(count).collect()));
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
