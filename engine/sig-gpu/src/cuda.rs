//! [`CudaSigBackend`]: the CUDA kernel (`kernels/cuda/sig/sig.cu`, `secp256k1_dsm`) on the
//! gloam CUDA backend's context and stream.

use std::panic::{catch_unwind, AssertUnwindSafe};

use cudarc::driver::{CudaSlice, LaunchConfig, PushKernelArg};
use gloam_cuda::error::driver_error;
use gloam_cuda::{CudaBackend, CudaConfig};
use gloam_engine_core::{DeviceError, DeviceInfo, DeviceResult};
use gloam_sig::secp256k1::{EcdsaRule, RecoverItem, Recovered, VerifyItem};
use gloam_sig::{EcdsaError, SigBackend};

use crate::prep::{Mode, IN_WORDS, OUT_WORDS};
use crate::{Device, DeviceStats, Dispatcher};

/// Threads per block (each keeps a 1.4 KB table of P in local memory).
const BLOCK: u32 = 128;
/// Most items per launch.
const MAX_CHUNK: usize = 1 << 20;

/// Batch secp256k1 recovery and verification on CUDA; everything else stays on the CPU defaults
/// of [`SigBackend`].
pub struct CudaSigBackend {
    cuda: CudaBackend,
    gtab: CudaSlice<u32>,
    disp: Dispatcher,
}

impl std::fmt::Debug for CudaSigBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CudaSigBackend").field("arch", &self.cuda.arch()).field("stats", &self.disp.stats).finish()
    }
}

impl CudaSigBackend {
    /// Opens CUDA device 0 and compiles (or loads from the cache) the `sig` module. `Err` says
    /// what is missing (no driver, no device, no NVRTC, a compile error).
    pub fn new(cfg: &CudaConfig) -> Result<CudaSigBackend, String> {
        let opened = catch_unwind(AssertUnwindSafe(|| -> Result<CudaSigBackend, String> {
            let cuda = CudaBackend::open(cfg)?;
            cuda.function("sig", "secp256k1_dsm").map_err(|e| e.to_string())?;
            let gtab = {
                let _g = cuda.work_lock();
                cuda.stream()
                    .clone_htod(&crate::prep::g_table())
                    .map_err(|e| driver_error(e, "secp256k1 G table upload").to_string())?
            };
            Ok(CudaSigBackend { cuda, gtab, disp: Dispatcher::new(crate::DEFAULT_MIN_DEVICE_BATCH) })
        }));
        opened.unwrap_or_else(|_| Err("CUDA initialisation panicked".into()))
    }

    /// Batches smaller than `n` items stay on the CPU (0: every batch goes to the device).
    pub fn with_min_device_batch(mut self, n: usize) -> Self {
        self.disp.min_batch = n;
        self
    }

    pub fn device_info(&self) -> DeviceInfo {
        self.cuda.device_info()
    }

    /// Device batches, items and CPU fallbacks so far.
    pub fn stats(&self) -> &DeviceStats {
        &self.disp.stats
    }

    #[doc(hidden)]
    pub fn inject_fault(&self, on: bool) {
        self.disp.inject_fault(on);
    }
}

impl Device for CudaSigBackend {
    fn dsm(&self, mode: Mode, words: &[u32], n: usize) -> DeviceResult<Vec<u32>> {
        let f = self.cuda.function("sig", "secp256k1_dsm")?;
        let _g = self.cuda.work_lock();
        let stream = self.cuda.stream();
        let mut out = Vec::with_capacity(n * OUT_WORDS);
        for start in (0..n).step_by(MAX_CHUNK) {
            let m = MAX_CHUNK.min(n - start);
            let d_in = stream
                .clone_htod(&words[start * IN_WORDS..(start + m) * IN_WORDS])
                .map_err(|e| driver_error(e, "secp256k1 items upload"))?;
            let mut d_out =
                stream.alloc_zeros::<u32>(m * OUT_WORDS).map_err(|e| driver_error(e, "secp256k1 results alloc"))?;
            let (mode32, m32) = (mode as u32, m as u32);
            let cfg = LaunchConfig {
                grid_dim: ((m as u32).div_ceil(BLOCK), 1, 1),
                block_dim: (BLOCK, 1, 1),
                shared_mem_bytes: 0,
            };
            // SAFETY: the kernel reads m·IN_WORDS words of `d_in`, 16·15 of `gtab` and writes
            // m·OUT_WORDS words of `d_out`, all allocated above with those sizes.
            unsafe {
                stream.launch_builder(&f).arg(&d_in).arg(&self.gtab).arg(&mode32).arg(&m32).arg(&mut d_out).launch(cfg)
            }
            .map_err(|e| driver_error(e, "secp256k1_dsm launch"))?;
            let part = stream.clone_dtoh(&d_out).map_err(|e| driver_error(e, "secp256k1 results download"))?;
            if part.len() != m * OUT_WORDS {
                return Err(DeviceError::Launch(format!("readback of {} words for {m} items", part.len())));
            }
            out.extend(part);
        }
        Ok(out)
    }
}

impl SigBackend for CudaSigBackend {
    fn name(&self) -> &str {
        "cuda"
    }

    fn ecdsa_verify_batch(&self, items: &[VerifyItem<'_>], rule: EcdsaRule) -> Vec<Result<(), EcdsaError>> {
        self.disp.verify(self, items, rule)
    }

    fn ecrecover_batch(&self, items: &[RecoverItem<'_>], rule: EcdsaRule) -> Vec<Result<Recovered, EcdsaError>> {
        self.disp.recover(self, items, rule)
    }
}
