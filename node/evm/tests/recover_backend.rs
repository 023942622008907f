//! Sender recovery runs on the installed signature backend (how the node puts it on a GPU), and
//! gives the CPU's answers. Its own test binary: the backend is a process-wide setting.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use alloy_primitives::{Address, U256};
use gloam_evm::recover;
use gloam_evm::testutil::{test_signer, transfer};
use gloam_sig::secp256k1::{EcdsaRule, RecoverItem, Recovered};
use gloam_sig::{CpuSigBackend, EcdsaError, SigBackend};

#[derive(Debug, Default)]
struct Counting(AtomicUsize);

impl SigBackend for Counting {
    fn name(&self) -> &str {
        "counting"
    }
    fn ecrecover_batch(&self, items: &[RecoverItem<'_>], rule: EcdsaRule) -> Vec<Result<Recovered, EcdsaError>> {
        self.0.fetch_add(items.len(), Ordering::Relaxed);
        CpuSigBackend.ecrecover_batch(items, rule)
    }
}

#[test]
fn recovery_goes_through_the_installed_backend() {
    assert_eq!(recover::backend().name(), "cpu", "the CPU reference by default");
    let counting = Arc::new(Counting::default());
    assert_eq!(recover::set_backend(counting.clone()).name(), "cpu");
    assert_eq!(recover::backend().name(), "counting");
    let txs: Vec<_> =
        (0..20).map(|i| transfer(&test_signer(i), 1337, 0, Address::repeat_byte(1), U256::from(1u8))).collect();
    let mut bad = txs[3].clone();
    if let alloy_consensus::TxEnvelope::Eip1559(s) = &mut bad {
        // Same signature over other contents: recovers some other address (or fails), never the signer.
        let mut tx = s.tx().clone();
        tx.nonce += 1;
        *s = alloy_consensus::Signed::new_unchecked(tx, *s.signature(), Default::default());
    }
    let mut all: Vec<_> = txs.iter().collect();
    all.push(&bad);
    let got = recover::recover_senders(&all);
    assert_eq!(counting.0.load(Ordering::Relaxed), 21);
    for (i, r) in got.iter().take(20).enumerate() {
        assert_eq!(r.as_ref().unwrap(), &test_signer(i as u64).address(), "tx {i}");
    }
    assert_ne!(got[20].as_ref().ok(), Some(&test_signer(3).address()));
    // Swapped back: the counter stays.
    assert_eq!(recover::set_backend(Arc::new(CpuSigBackend)).name(), "counting");
    recover::recover_senders(&all);
    assert_eq!(counting.0.load(Ordering::Relaxed), 21);
}
