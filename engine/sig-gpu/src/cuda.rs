//! [`CudaSigBackend`]: the CUDA kernel (`kernels/cuda/sig/sig.cu`, `secp256k1_dsm`) on the
//! gloam CUDA backend's context and stream.

use std::panic::{catch_unwind, AssertUnwindSafe};

use cudarc::driver::{CudaSlice, LaunchConfig, PushKernelArg};
use gloam_cuda::error::driver_error;
use gloam_cuda::{CudaBackend, CudaConfig};
use gloam_engine_core::{DeviceError, DeviceInfo, DeviceResult};
use gloam_sig::ed25519;
use gloam_sig::secp256k1::{EcdsaRule, RecoverItem, Recovered, VerifyItem};
use gloam_sig::{EcdsaError, Ed25519Error, SigBackend};

use crate::prep::{Mode, IN_WORDS, OUT_WORDS};
use crate::prep_ed25519::{ED_IN_WORDS, ED_OUT_WORDS, ED_TABLE_WORDS};
use crate::{Device, DeviceStats, Dispatcher};

/// Threads per block (each keeps a 1.4 KB table of P in local memory).
const BLOCK: u32 = 128;
/// Most items per launch.
const MAX_CHUNK: usize = 1 << 20;

/// Batch secp256k1 recovery and verification and Ed25519 (ZIP-215) verification on CUDA; BLS
/// stays on the CPU default of [`SigBackend`].
pub struct CudaSigBackend {
    cuda: CudaBackend,
    gtab: CudaSlice<u32>,
    /// 1·B … 15·B (extended coordinates), built on the device by `ed25519_table`.
    btab: CudaSlice<u32>,
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
            let table_fn = cuda.function("sig", "ed25519_table").map_err(|e| e.to_string())?;
            let _g = cuda.work_lock();
            let stream = cuda.stream();
            let gtab = stream
                .clone_htod(&crate::prep::g_table())
                .map_err(|e| driver_error(e, "secp256k1 G table upload").to_string())?;
            let enc = stream
                .clone_htod(&crate::prep_ed25519::basepoint_words())
                .map_err(|e| driver_error(e, "ed25519 B upload").to_string())?;
            let mut btab = stream
                .alloc_zeros::<u32>(ED_TABLE_WORDS)
                .map_err(|e| driver_error(e, "ed25519 B table").to_string())?;
            let mut status = stream.alloc_zeros::<u32>(1).map_err(|e| driver_error(e, "ed25519 status").to_string())?;
            let one = LaunchConfig { grid_dim: (1, 1, 1), block_dim: (1, 1, 1), shared_mem_bytes: 0 };
            // SAFETY: the kernel reads 8 words of `enc` and writes ED_TABLE_WORDS of `btab` and
            // one word of `status`, as allocated.
            unsafe { stream.launch_builder(&table_fn).arg(&enc).arg(&mut btab).arg(&mut status).launch(one) }
                .map_err(|e| driver_error(e, "ed25519_table launch").to_string())?;
            let st = stream.clone_dtoh(&status).map_err(|e| driver_error(e, "ed25519 status").to_string())?;
            stream.synchronize().map_err(|e| driver_error(e, "ed25519_table synchronize").to_string())?;
            if st.first() != Some(&0) {
                return Err("the Ed25519 base point did not decode on the device".into());
            }
            drop(_g);
            Ok(CudaSigBackend { cuda, gtab, btab, disp: Dispatcher::new(crate::DEFAULT_MIN_DEVICE_BATCH) })
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
    fn ed_dsm(&self, words: &[u32], n: usize) -> DeviceResult<Vec<u32>> {
        self.ed_launch(words, n)
    }

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
            // Kernel faults surface here at the latest (the copy to pageable memory already waited).
            stream.synchronize().map_err(|e| driver_error(e, "secp256k1_dsm synchronize"))?;
            if part.len() != m * OUT_WORDS {
                return Err(DeviceError::Launch(format!("readback of {} words for {m} items", part.len())));
            }
            out.extend(part);
        }
        Ok(out)
    }
}

impl CudaSigBackend {
    fn ed_launch(&self, words: &[u32], n: usize) -> DeviceResult<Vec<u32>> {
        let f = self.cuda.function("sig", "ed25519_dsm")?;
        let _g = self.cuda.work_lock();
        let stream = self.cuda.stream();
        let mut out = Vec::with_capacity(n * ED_OUT_WORDS);
        for start in (0..n).step_by(MAX_CHUNK) {
            let m = MAX_CHUNK.min(n - start);
            let d_in = stream
                .clone_htod(&words[start * ED_IN_WORDS..(start + m) * ED_IN_WORDS])
                .map_err(|e| driver_error(e, "ed25519 items upload"))?;
            let mut d_out =
                stream.alloc_zeros::<u32>(m * ED_OUT_WORDS).map_err(|e| driver_error(e, "ed25519 results alloc"))?;
            let m32 = m as u32;
            let cfg = LaunchConfig {
                grid_dim: ((m as u32).div_ceil(BLOCK), 1, 1),
                block_dim: (BLOCK, 1, 1),
                shared_mem_bytes: 0,
            };
            // SAFETY: the kernel reads m·ED_IN_WORDS words of `d_in`, ED_TABLE_WORDS of `btab`
            // and writes m·ED_OUT_WORDS words of `d_out`, as allocated.
            unsafe { stream.launch_builder(&f).arg(&d_in).arg(&self.btab).arg(&m32).arg(&mut d_out).launch(cfg) }
                .map_err(|e| driver_error(e, "ed25519_dsm launch"))?;
            let part = stream.clone_dtoh(&d_out).map_err(|e| driver_error(e, "ed25519 results download"))?;
            stream.synchronize().map_err(|e| driver_error(e, "ed25519_dsm synchronize"))?;
            if part.len() != m * ED_OUT_WORDS {
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

    fn ed25519_verify_batch(&self, items: &[ed25519::Item<'_>]) -> Vec<Result<(), Ed25519Error>> {
        self.disp.ed25519(self, items)
    }
}
