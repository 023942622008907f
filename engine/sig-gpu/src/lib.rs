//! Batch secp256k1 ECDSA recovery (`ecrecover`) and verification, and Ed25519 (ZIP-215)
//! verification, on GPUs — WebGPU ([`WebGpuSigBackend`]) and CUDA ([`CudaSigBackend`]) — as
//! [`gloam_sig::SigBackend`]s whose per-item results are identical to the CPU reference
//! ([`gloam_sig::CpuSigBackend`]).
//!
//! Design (README.md has the details and what is verified where):
//! * **Host does the checks, device does the curve.** Parsing, range checks, the recovery id and
//!   the malleability rule run on the host in the reference's order (so errors are the same
//!   variants), as do u1, u2 mod n and keccak256 → address ([`prep`]). The device runs
//!   the double scalar multiplication u1·G + u2·P, one thread per signature: lifting R from r
//!   (sqrt by the (p+1)/4 power), a 15-entry window table of P, Straus/Shamir with 4-bit windows
//!   and a resident table of G, and the final affine conversion.
//! * **Never a wrong answer.** A device error (or a status word the kernel cannot produce)
//!   recomputes the whole batch on the CPU, is counted in [`DeviceStats`] and logged.
//! * **Small batches stay on the CPU** below [`DEFAULT_MIN_DEVICE_BATCH`] items
//!   (`with_min_device_batch(0)` forces the device, as the tests do).
//! * **Ed25519** ([`prep_ed25519`]): the host checks lengths and S < ℓ and hashes k; the device
//!   decodes A and R (ZIP-215) and evaluates \[8\](\[S\]B − \[k\]A − R) = 0 (complete
//!   extended-coordinate addition). BLS keeps the CPU default.
//!
//! Timing: [`ecrecover_per_second`] and [`ed25519_verify_per_second`] (what `gloam bench sig`
//! can call).

mod cuda;
pub mod prep;
pub mod prep_ed25519;
mod webgpu;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

use gloam_engine_core::{DeviceError, DeviceResult};
use gloam_sig::ed25519;
use gloam_sig::secp256k1::{self, EcdsaRule, RecoverItem, Recovered, VerifyItem};
use gloam_sig::{EcdsaError, Ed25519Error, SigBackend};

pub use cuda::CudaSigBackend;
pub use webgpu::WebGpuSigBackend;

/// Batches below this many items run on the CPU: libsecp256k1 recovers one signature in ~43 µs
/// per core, and a device round trip (upload, 10 dispatches, readback) costs more than a few
/// hundred of those on small inputs. A starting point, not a measured crossover.
pub const DEFAULT_MIN_DEVICE_BATCH: usize = 256;

/// Counters of one backend.
#[derive(Debug, Default)]
pub struct DeviceStats {
    /// Batches the device answered.
    pub device_batches: AtomicU64,
    /// Items the device computed (host-rejected items excluded).
    pub device_items: AtomicU64,
    /// Batches recomputed on the CPU after a device error.
    pub fallbacks: AtomicU64,
    last_error: parking_lot::Mutex<Option<String>>,
}

impl DeviceStats {
    pub fn fallbacks(&self) -> u64 {
        self.fallbacks.load(Ordering::Relaxed)
    }
    pub fn device_batches(&self) -> u64 {
        self.device_batches.load(Ordering::Relaxed)
    }
    pub fn device_items(&self) -> u64 {
        self.device_items.load(Ordering::Relaxed)
    }
    /// The most recent device error, if any.
    pub fn last_error(&self) -> Option<String> {
        self.last_error.lock().clone()
    }
}

/// What a device provides: `n` items of [`prep::IN_WORDS`] words in, `n` × [`prep::OUT_WORDS`]
/// out.
pub(crate) trait Device {
    fn dsm(&self, mode: prep::Mode, words: &[u32], n: usize) -> DeviceResult<Vec<u32>>;
    /// Ed25519: `n` items of [`prep_ed25519::ED_IN_WORDS`] in, `n` × [`prep_ed25519::ED_OUT_WORDS`] out.
    fn ed_dsm(&self, words: &[u32], n: usize) -> DeviceResult<Vec<u32>>;
}

/// The policy shared by both backends: threshold, fault injection, fallback, counters.
#[derive(Debug)]
pub(crate) struct Dispatcher {
    pub(crate) min_batch: usize,
    pub(crate) stats: DeviceStats,
    fault: AtomicBool,
}

impl Dispatcher {
    pub(crate) fn new(min_batch: usize) -> Self {
        Dispatcher { min_batch, stats: DeviceStats::default(), fault: AtomicBool::new(false) }
    }

    pub(crate) fn inject_fault(&self, on: bool) {
        self.fault.store(on, Ordering::Relaxed);
    }

    fn run(&self, f: impl FnOnce() -> DeviceResult<Vec<u32>>) -> DeviceResult<Vec<u32>> {
        if self.fault.load(Ordering::Relaxed) {
            return Err(DeviceError::Injected("sig-gpu fault injection".into()));
        }
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
            Ok(r) => r,
            Err(p) => {
                let msg = p
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "unknown panic".into());
                Err(DeviceError::Panicked(msg))
            }
        }
    }

    fn failed(&self, what: &str, e: &DeviceError) {
        self.stats.fallbacks.fetch_add(1, Ordering::Relaxed);
        *self.stats.last_error.lock() = Some(e.to_string());
        tracing::warn!(error = %e, "{what}: device error, recomputing the batch on the CPU");
    }

    fn succeeded(&self, items: usize) {
        self.stats.device_batches.fetch_add(1, Ordering::Relaxed);
        self.stats.device_items.fetch_add(items as u64, Ordering::Relaxed);
    }

    pub(crate) fn recover(
        &self,
        dev: &dyn Device,
        items: &[RecoverItem<'_>],
        rule: EcdsaRule,
    ) -> Vec<Result<Recovered, EcdsaError>> {
        if items.is_empty() || items.len() < self.min_batch {
            return secp256k1::recover_batch(items, rule);
        }
        let p = prep::prepare_recover(items, rule);
        let n = p.device_items();
        if n == 0 {
            return prep::finish_recover(p, &[]).unwrap_or_else(|_| secp256k1::recover_batch(items, rule));
        }
        match self.run(|| dev.dsm(p.mode, &p.words, n)).and_then(|out| prep::finish_recover(p, &out)) {
            Ok(r) => {
                self.succeeded(n);
                r
            }
            Err(e) => {
                self.failed("ecrecover_batch", &e);
                secp256k1::recover_batch(items, rule)
            }
        }
    }

    pub(crate) fn verify(
        &self,
        dev: &dyn Device,
        items: &[VerifyItem<'_>],
        rule: EcdsaRule,
    ) -> Vec<Result<(), EcdsaError>> {
        if items.is_empty() || items.len() < self.min_batch {
            return secp256k1::verify_batch(items, rule);
        }
        let p = prep::prepare_verify(items, rule);
        let n = p.device_items();
        if n == 0 {
            return prep::finish_verify(p, &[]).unwrap_or_else(|_| secp256k1::verify_batch(items, rule));
        }
        match self.run(|| dev.dsm(p.mode, &p.words, n)).and_then(|out| prep::finish_verify(p, &out)) {
            Ok(r) => {
                self.succeeded(n);
                r
            }
            Err(e) => {
                self.failed("ecdsa_verify_batch", &e);
                secp256k1::verify_batch(items, rule)
            }
        }
    }

    pub(crate) fn ed25519(&self, dev: &dyn Device, items: &[ed25519::Item<'_>]) -> Vec<Result<(), Ed25519Error>> {
        if items.is_empty() || items.len() < self.min_batch {
            return ed25519::verify_batch(items);
        }
        let p = prep_ed25519::prepare(items);
        let n = p.device_items();
        if n == 0 {
            return prep_ed25519::finish(p, &[]).unwrap_or_else(|_| ed25519::verify_batch(items));
        }
        match self.run(|| dev.ed_dsm(&p.words, n)).and_then(|out| prep_ed25519::finish(p, &out)) {
            Ok(r) => {
                self.succeeded(n);
                r
            }
            Err(e) => {
                self.failed("ed25519_verify_batch", &e);
                ed25519::verify_batch(items)
            }
        }
    }
}

/// `n` valid Ethereum-style signatures (65-byte r‖s‖v, v ∈ {0, 1}, low-S) over distinct
/// prehashes, from 64 deterministic keys (seeded): inputs for timing and examples.
pub fn sample_signatures(n: usize, seed: u64) -> Vec<([u8; 32], [u8; 65])> {
    use k256::ecdsa::SigningKey;
    let mut state = seed ^ 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        // splitmix64 (Steele, Lea, Flood 2014).
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let mut bytes32 = move || {
        let mut b = [0u8; 32];
        for c in b.chunks_mut(8) {
            c.copy_from_slice(&next().to_le_bytes());
        }
        b
    };
    let keys: Vec<SigningKey> = (0..64)
        .map(|_| loop {
            if let Ok(k) = SigningKey::from_bytes(&bytes32().into()) {
                break k;
            }
        })
        .collect();
    (0..n)
        .map(|i| {
            let h = bytes32();
            let (sig, recid) = keys[i % keys.len()].sign_prehash_recoverable(&h).expect("signing a 32-byte prehash");
            let mut out = [0u8; 65];
            out[..64].copy_from_slice(&sig.to_bytes());
            out[64] = recid.to_byte();
            (h, out)
        })
        .collect()
}

/// Recoveries per second of `backend.ecrecover_batch` on `n` valid signatures (one untimed
/// call of 64 first, so kernel compilation is not counted; host preparation, transfers and
/// address hashing are). Results are checked against the CPU on a sample; `Err` if they differ.
pub fn ecrecover_per_second(backend: &dyn SigBackend, n: usize) -> Result<f64, String> {
    let sigs = sample_signatures(n.max(1), 0x5eed);
    let items: Vec<RecoverItem<'_>> =
        sigs.iter().map(|(h, s)| RecoverItem { prehash: *h, signature: &s[..] }).collect();
    let warm = &items[..items.len().min(64)];
    let _ = backend.ecrecover_batch(warm, EcdsaRule::LowSRequired);
    let t0 = Instant::now();
    let got = backend.ecrecover_batch(&items, EcdsaRule::LowSRequired);
    let secs = t0.elapsed().as_secs_f64();
    let check = items.len().min(256);
    if got[..check] != secp256k1::recover_batch(&items[..check], EcdsaRule::LowSRequired)[..] {
        return Err(format!("{}: recovered keys differ from the CPU reference", backend.name()));
    }
    Ok(items.len() as f64 / secs.max(1e-9))
}

/// `n` valid Ed25519 signatures (public key, message, signature) from 64 deterministic keys,
/// 32-byte messages: inputs for timing.
pub fn sample_ed25519(n: usize, seed: u64) -> Vec<([u8; 32], [u8; 32], [u8; 64])> {
    use curve25519_dalek::constants::ED25519_BASEPOINT_POINT as B;
    use curve25519_dalek::scalar::Scalar as S25;
    use sha2::{Digest, Sha512};
    let wide = |tag: u64, i: u64| {
        let mut h = Sha512::new();
        h.update(seed.to_le_bytes());
        h.update(tag.to_le_bytes());
        h.update(i.to_le_bytes());
        S25::from_bytes_mod_order_wide(&h.finalize().into())
    };
    let keys: Vec<(S25, [u8; 32])> = (0..64u64)
        .map(|i| {
            let a = wide(0, i);
            (a, (B * a).compress().to_bytes())
        })
        .collect();
    (0..n as u64)
        .map(|i| {
            let (a, pk) = &keys[(i % 64) as usize];
            let msg: [u8; 32] = wide(1, i).to_bytes();
            let nonce = wide(2, i);
            let r = (B * nonce).compress().to_bytes();
            let mut h = Sha512::new();
            h.update(r);
            h.update(pk);
            h.update(msg);
            let k = S25::from_bytes_mod_order_wide(&h.finalize().into());
            let mut sig = [0u8; 64];
            sig[..32].copy_from_slice(&r);
            sig[32..].copy_from_slice(&(nonce + k * a).to_bytes());
            (*pk, msg, sig)
        })
        .collect()
}

/// Verifications per second of `backend.ed25519_verify_batch` on `n` valid signatures (after an
/// untimed call of 64, which also builds the pipelines on first use; host checks, SHA-512 and
/// transfers included), checked against the CPU on a sample.
pub fn ed25519_verify_per_second(backend: &dyn SigBackend, n: usize) -> Result<f64, String> {
    let sigs = sample_ed25519(n.max(1), 0x5eed);
    let items: Vec<ed25519::Item<'_>> = sigs.iter().map(|(pk, m, s)| ed25519::Item::new(pk, m, s)).collect();
    let _ = backend.ed25519_verify_batch(&items[..items.len().min(64)]);
    let t0 = Instant::now();
    let got = backend.ed25519_verify_batch(&items);
    let secs = t0.elapsed().as_secs_f64();
    let check = items.len().min(256);
    if got[..check] != ed25519::verify_batch(&items[..check])[..] || got.iter().any(|r| r.is_err()) {
        return Err(format!("{}: Ed25519 verdicts differ from the CPU reference", backend.name()));
    }
    Ok(items.len() as f64 / secs.max(1e-9))
}
