//! Batched admission of incoming transactions: `eth_sendRawTransaction` calls from all
//! connections queue here, and one worker admits whatever has queued in a single
//! [`Chain::submit_raw_batch`] — one batched secp256k1 recovery (all cores) per batch instead of
//! one recovery per request. No artificial delay: a lone transaction is admitted at once, a burst
//! forms batches by itself while the previous batch is being recovered.

use std::sync::mpsc;
use std::sync::Arc;

use alloy_primitives::B256;
use tokio::sync::oneshot;

use crate::chain::{Chain, SubmitError};

/// Largest batch one recovery call takes.
pub const MAX_BATCH: usize = 2048;

type Job = (Vec<u8>, oneshot::Sender<Result<B256, SubmitError>>);

#[derive(Debug)]
pub struct Admission {
    queue: mpsc::Sender<Job>,
}

impl Admission {
    /// Starts the worker thread; it stops when the `Admission` is dropped.
    pub fn start(chain: Arc<Chain>) -> Admission {
        let (queue, rx) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("gloam-admission".into())
            .spawn(move || {
                while let Ok(first) = rx.recv() {
                    let mut batch = vec![first];
                    while batch.len() < MAX_BATCH {
                        match rx.try_recv() {
                            Ok(j) => batch.push(j),
                            Err(_) => break,
                        }
                    }
                    let (raws, replies): (Vec<Vec<u8>>, Vec<_>) = batch.into_iter().unzip();
                    let results = chain.submit_raw_batch(&raws);
                    for (reply, r) in replies.into_iter().zip(results) {
                        let _ = reply.send(r);
                    }
                }
            })
            .expect("spawn the admission thread");
        Admission { queue }
    }

    /// Queues one raw transaction and waits for its admission result.
    pub async fn submit(&self, raw: Vec<u8>) -> Result<B256, SubmitError> {
        let (tx, rx) = oneshot::channel();
        if self.queue.send((raw, tx)).is_err() {
            return Err(SubmitError::ShuttingDown);
        }
        rx.await.unwrap_or(Err(SubmitError::ShuttingDown))
    }
}
