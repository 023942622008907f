//! Batched admission of incoming transactions: `eth_sendRawTransaction` calls from all
//! connections queue here, and one worker admits whatever has queued in a single batch call —
//! for the EVM chain [`Chain::submit_raw_batch`] (one batched secp256k1 recovery per batch instead
//! of one per request); the settlement layer uses the same worker for its sender recovery and
//! KZG batch. No artificial delay: a lone transaction is admitted at once, a burst forms batches
//! by itself while the previous batch is being admitted.

use std::sync::mpsc;
use std::sync::Arc;

use alloy_primitives::B256;
use tokio::sync::oneshot;

use crate::chain::{Chain, SubmitError};

/// Largest batch one recovery call takes (EVM chain).
pub const MAX_BATCH: usize = 2048;

type Job<E> = (Vec<u8>, oneshot::Sender<Result<B256, E>>);

#[derive(Debug)]
pub struct Admission<E = SubmitError> {
    queue: mpsc::Sender<Job<E>>,
    closed: fn() -> E,
}

impl<E: Send + 'static> Admission<E> {
    /// Starts a worker thread named `name` that admits up to `max_batch` queued transactions per
    /// `admit` call; it stops when the `Admission` is dropped. `closed` is the error a submission
    /// gets once the worker is gone.
    pub fn start_with(
        name: &str,
        max_batch: usize,
        closed: fn() -> E,
        admit: impl Fn(&[Vec<u8>]) -> Vec<Result<B256, E>> + Send + 'static,
    ) -> Admission<E> {
        let (queue, rx) = mpsc::channel::<Job<E>>();
        std::thread::Builder::new()
            .name(name.into())
            .spawn(move || {
                while let Ok(first) = rx.recv() {
                    let mut batch = vec![first];
                    while batch.len() < max_batch.max(1) {
                        match rx.try_recv() {
                            Ok(j) => batch.push(j),
                            Err(_) => break,
                        }
                    }
                    let (raws, replies): (Vec<Vec<u8>>, Vec<_>) = batch.into_iter().unzip();
                    for (reply, r) in replies.into_iter().zip(admit(&raws)) {
                        let _ = reply.send(r);
                    }
                }
            })
            .expect("spawn the admission thread");
        Admission { queue, closed }
    }

    /// Queues one raw transaction and waits for its admission result.
    pub async fn submit(&self, raw: Vec<u8>) -> Result<B256, E> {
        let (tx, rx) = oneshot::channel();
        if self.queue.send((raw, tx)).is_err() {
            return Err((self.closed)());
        }
        rx.await.unwrap_or_else(|_| Err((self.closed)()))
    }
}

impl Admission<SubmitError> {
    /// The EVM chain's admission worker.
    pub fn start(chain: Arc<Chain>) -> Admission<SubmitError> {
        Admission::start_with(
            "gloam-admission",
            MAX_BATCH,
            || SubmitError::ShuttingDown,
            move |raws| chain.submit_raw_batch(raws),
        )
    }
}
