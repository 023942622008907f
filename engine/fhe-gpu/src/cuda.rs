//! The CUDA engine: keys uploaded once, kernels from `kernels/cuda/fhe/fhe.cu` (NVRTC through
//! gloam-cuda's compile cache), one stream, the same pass sequence as the WebGPU engine.
//! Not executed on a GPU in this repository's CI (see README); the device bodies are
//! host-emulated by `tests/cuda.rs`.

use std::panic::{catch_unwind, AssertUnwindSafe};

use cudarc::driver::{CudaSlice, DeviceRepr, LaunchConfig, PushKernelArg};
use gloam_cuda::error::driver_error;
use gloam_cuda::{CudaBackend, CudaConfig};
use gloam_engine_core::{DeviceError, DeviceInfo};
use gloam_fhe::{BootstrapExecutor, BootstrapJob, FheParams, Lut, LweCiphertext, LweCiphertext32, ServerKey};

use crate::plan::{self, Plan};
use crate::FheGpuError;

/// Threads per block of every kernel.
const BLOCK: u32 = 256;
/// Dynamic shared memory a block may use without `cudaFuncSetAttribute` (sm_80, sm_90).
const SHARED_DEFAULT_LIMIT: usize = 48 * 1024;
/// `FHE_KS_TILE` in fhe.cuh.
const KS_TILE: usize = 64;
/// Key rows per blind-rotation launch.
const ROWS_PER_LAUNCH: usize = 128;
/// Default ciphertexts per launch sequence (bounds the per-call scratch: ≈ 100 KB each with the
/// HPU set).
const CHUNK: usize = 4096;

/// Launch parameters, laid out as `struct FheCfg` in `kernels/cuda/fhe/fhe.cuh`.
#[doc(hidden)]
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct FheCfg {
    pub batch: u32,
    pub n: u32,
    pub big_n: u32,
    pub poly: u32,
    pub log_poly: u32,
    pub gs: u32,
    pub pbs_base_log: u32,
    pub pbs_level: u32,
    pub ks_base_log: u32,
    pub ks_level: u32,
    pub ks_mod_log: u32,
    pub centered: u32,
    pub row_begin: u32,
    pub row_end: u32,
    pub count: u32,
    pub lut_words: u32,
    pub nacc_shared: u32,
}

// SAFETY: plain `repr(C)` struct of u32 fields, the same layout as the CUDA struct.
unsafe impl DeviceRepr for FheCfg {}

impl FheCfg {
    pub fn new(p: &FheParams, centered: bool, batch: usize) -> Self {
        FheCfg {
            batch: batch as u32,
            n: p.lwe_dimension as u32,
            big_n: p.big_lwe_dimension() as u32,
            poly: p.polynomial_size as u32,
            log_poly: p.polynomial_size.trailing_zeros(),
            gs: p.glwe_size() as u32,
            pbs_base_log: p.pbs_base_log as u32,
            pbs_level: p.pbs_level as u32,
            ks_base_log: p.ks_base_log as u32,
            ks_level: p.ks_level as u32,
            ks_mod_log: p.ks_output_modulus_log,
            centered: centered as u32,
            row_begin: 0,
            row_end: p.lwe_dimension as u32,
            count: 0,
            lut_words: (p.glwe_size() * p.polynomial_size) as u32,
            nacc_shared: 0,
        }
    }

    /// The words as the host harness reads them.
    #[doc(hidden)]
    pub fn words(&self) -> [u32; 17] {
        [
            self.batch,
            self.n,
            self.big_n,
            self.poly,
            self.log_poly,
            self.gs,
            self.pbs_base_log,
            self.pbs_level,
            self.ks_base_log,
            self.ks_level,
            self.ks_mod_log,
            self.centered,
            self.row_begin,
            self.row_end,
            self.count,
            self.lut_words,
            self.nacc_shared,
        ]
    }
}

/// TFHE keyswitch + NTT64 bootstrap on a CUDA device.
pub struct CudaFhe {
    backend: CudaBackend,
    params: FheParams,
    centered: bool,
    bsk: CudaSlice<u64>,
    ksk: CudaSlice<u32>,
    tw: CudaSlice<u64>,
    last_device_error: parking_lot::Mutex<Option<String>>,
    max_chunk: usize,
}

enum Input<'a> {
    Big(&'a [LweCiphertext]),
    Small(&'a [LweCiphertext32]),
}

fn launch_err(e: cudarc::driver::DriverError, site: &str) -> FheGpuError {
    FheGpuError::Device(driver_error(e, site))
}

fn items(n: u64) -> Result<LaunchConfig, FheGpuError> {
    let blocks = n.div_ceil(BLOCK as u64);
    if blocks > i32::MAX as u64 || n > u32::MAX as u64 {
        return Err(FheGpuError::Unsupported(format!("{n} threads exceed one launch")));
    }
    Ok(LaunchConfig { grid_dim: (blocks.max(1) as u32, 1, 1), block_dim: (BLOCK, 1, 1), shared_mem_bytes: 0 })
}

impl CudaFhe {
    /// Opens CUDA device 0 (no kernel cache) and uploads the keys of `sk`.
    pub fn new(sk: &ServerKey) -> Result<Self, FheGpuError> {
        Self::with_config(sk, &CudaConfig { cache_dir: None })
    }

    pub fn with_config(sk: &ServerKey, cfg: &CudaConfig) -> Result<Self, FheGpuError> {
        // cudarc panics when a library is missing: a second guard around the backend's own.
        let backend = catch_unwind(AssertUnwindSafe(|| CudaBackend::open(cfg)))
            .map_err(|_| FheGpuError::Unavailable("CUDA initialisation panicked".into()))?
            .map_err(FheGpuError::Unavailable)?;
        Self::with_backend(backend, sk)
    }

    pub fn with_backend(backend: CudaBackend, sk: &ServerKey) -> Result<Self, FheGpuError> {
        let params = *sk.params();
        crate::check_supported(&params)?;
        // Compile (or load) the module now, so a compile failure is reported here.
        backend.function("fhe", "fhe_blind_rotate")?;
        let (bsk, ksk, tw) = {
            let _g = backend.work_lock();
            let s = backend.stream();
            let bsk = s.clone_htod(sk.bootstrap_key().as_ntt_slice()).map_err(|e| launch_err(e, "fhe bsk upload"))?;
            let ksk = s.clone_htod(sk.keyswitch_key().as_slice()).map_err(|e| launch_err(e, "fhe ksk upload"))?;
            let tw = s.clone_htod(&plan::twiddles(params.polynomial_size)).map_err(|e| launch_err(e, "fhe tw"))?;
            s.synchronize().map_err(|e| launch_err(e, "fhe key upload"))?;
            (bsk, ksk, tw)
        };
        let centered = sk.modulus_switch() == gloam_fhe::ModulusSwitch::Centered;
        Ok(Self { backend, params, centered, bsk, ksk, tw, last_device_error: Default::default(), max_chunk: CHUNK })
    }

    /// Caps the ciphertexts per launch sequence (default 4096). Results do not depend on it.
    pub fn with_max_batch_per_submission(mut self, n: usize) -> Self {
        self.max_chunk = n.max(1);
        self
    }

    pub fn device_info(&self) -> DeviceInfo {
        self.backend.device_info()
    }

    pub fn params(&self) -> &FheParams {
        &self.params
    }

    pub fn last_device_error(&self) -> Option<String> {
        self.last_device_error.lock().clone()
    }

    pub fn keyswitch_bootstrap_batch(
        &self,
        inputs: &[LweCiphertext],
        luts: &[&Lut],
    ) -> Result<Vec<LweCiphertext>, FheGpuError> {
        let plan = plan::single_lut_plan(&self.params, inputs.len(), luts)?;
        plan::check_big_inputs(&self.params, inputs)?;
        self.run(Input::Big(inputs), &plan)
    }

    pub fn bootstrap_batch(
        &self,
        inputs: &[LweCiphertext32],
        luts: &[&Lut],
    ) -> Result<Vec<LweCiphertext>, FheGpuError> {
        let plan = plan::single_lut_plan(&self.params, inputs.len(), luts)?;
        plan::check_small_inputs(&self.params, inputs)?;
        self.run(Input::Small(inputs), &plan)
    }

    pub fn bootstrap_jobs(&self, jobs: &[BootstrapJob]) -> Result<Vec<Vec<LweCiphertext>>, FheGpuError> {
        let plan = plan::jobs_plan(&self.params, jobs)?;
        let inputs: Vec<LweCiphertext> = jobs.iter().map(|j| j.input().clone()).collect();
        let flat = self.run(Input::Big(&inputs), &plan)?;
        Ok(plan::group_outputs(&plan, flat))
    }

    /// Keyswitch only (the keyswitch pass of the same pipeline, read back after it).
    pub fn keyswitch_batch(&self, inputs: &[LweCiphertext]) -> Result<Vec<LweCiphertext32>, FheGpuError> {
        plan::check_big_inputs(&self.params, inputs)?;
        let n1 = self.params.lwe_dimension + 1;
        let mut out = Vec::with_capacity(inputs.len());
        for chunk in inputs.chunks(self.max_chunk) {
            let words = self.guard(|| self.keyswitch_chunk(chunk))?;
            out.extend(
                words
                    .chunks_exact(n1)
                    .map(|w| LweCiphertext32 { data: w.to_vec(), modulus_log: self.params.ks_output_modulus_log }),
            );
        }
        Ok(out)
    }

    /// One block per ciphertext, `KS_TILE` input words' digits in shared memory.
    fn keyswitch_launch(&self, count: usize) -> LaunchConfig {
        LaunchConfig {
            grid_dim: (count as u32, 1, 1),
            block_dim: (BLOCK, 1, 1),
            shared_mem_bytes: (4 * KS_TILE * self.params.ks_level) as u32,
        }
    }

    /// Device work under the backend's lock, with panics (cudarc) turned into errors.
    fn guard<T>(&self, f: impl FnOnce() -> Result<T, FheGpuError>) -> Result<T, FheGpuError> {
        let _g = self.backend.work_lock();
        match catch_unwind(AssertUnwindSafe(f)) {
            Ok(r) => r,
            Err(_) => Err(FheGpuError::Device(DeviceError::Panicked("CUDA call panicked".into()))),
        }
    }

    fn keyswitch_chunk(&self, chunk: &[LweCiphertext]) -> Result<Vec<u32>, FheGpuError> {
        let s = self.backend.stream();
        let n1 = self.params.lwe_dimension + 1;
        let big: Vec<u64> = chunk.iter().flat_map(|c| c.data.iter().copied()).collect();
        let big_d = s.clone_htod(&big).map_err(|e| launch_err(e, "fhe input upload"))?;
        let mut small = s.alloc_zeros::<u32>(chunk.len() * n1).map_err(|e| launch_err(e, "fhe alloc"))?;
        let mut cfg = FheCfg::new(&self.params, self.centered, chunk.len());
        cfg.count = (chunk.len() * n1) as u32;
        let f = self.backend.function("fhe", "fhe_keyswitch")?;
        // SAFETY: argument types and order match `fhe_keyswitch` in fhe.cu; buffers hold
        // batch · (n + 1) outputs and batch inputs; shared memory as the kernel documents.
        unsafe {
            s.launch_builder(&f)
                .arg(&cfg)
                .arg(&self.ksk)
                .arg(&big_d)
                .arg(&mut small)
                .launch(self.keyswitch_launch(chunk.len()))
                .map_err(|e| launch_err(e, "fhe_keyswitch"))?;
        }
        s.clone_dtoh(&small).map_err(|e| launch_err(e, "fhe keyswitch readback"))
    }

    fn run(&self, input: Input<'_>, plan: &Plan<'_>) -> Result<Vec<LweCiphertext>, FheGpuError> {
        let mut out = Vec::with_capacity(plan.slots.len());
        let mut slot_start = 0;
        let mut ct_start = 0;
        while ct_start < plan.count {
            let ct_end = (ct_start + self.max_chunk).min(plan.count);
            let slot_end = slot_start + plan.outputs_per_ct[ct_start..ct_end].iter().sum::<usize>();
            let slots: Vec<u32> =
                plan.slots[slot_start..slot_end].iter().flat_map(|s| [s[0] - ct_start as u32, s[1]]).collect();
            let part = match &input {
                Input::Big(v) => Input::Big(&v[ct_start..ct_end]),
                Input::Small(v) => Input::Small(&v[ct_start..ct_end]),
            };
            let words = self.guard(|| self.run_chunk(&part, plan, ct_start, ct_end, &slots))?;
            let wpo = self.params.big_lwe_dimension() + 1;
            out.extend(words.chunks_exact(wpo).map(|w| LweCiphertext { data: w.to_vec() }));
            ct_start = ct_end;
            slot_start = slot_end;
        }
        Ok(out)
    }

    fn run_chunk(
        &self,
        input: &Input<'_>,
        plan: &Plan<'_>,
        ct_start: usize,
        ct_end: usize,
        slots: &[u32],
    ) -> Result<Vec<u64>, FheGpuError> {
        let p = &self.params;
        let s = self.backend.stream();
        let count = ct_end - ct_start;
        let n1 = p.lwe_dimension + 1;
        let wpo = p.big_lwe_dimension() + 1;
        let lut_words = p.glwe_size() * p.polynomial_size;
        let mut used: Vec<u32> = Vec::new();
        let mut lut_idx = Vec::with_capacity(count);
        for &k in &plan.lut_idx[ct_start..ct_end] {
            let pos = used.iter().position(|&u| u == k).unwrap_or_else(|| {
                used.push(k);
                used.len() - 1
            });
            lut_idx.push(pos as u32);
        }
        let luts: Vec<u64> = used.iter().flat_map(|&k| plan.luts[k as usize].data.iter().copied()).collect();
        let up = |e| launch_err(e, "fhe upload");
        let mut small = match input {
            Input::Big(_) => s.alloc_zeros::<u32>(count * n1).map_err(up)?,
            Input::Small(v) => {
                s.clone_htod(&v.iter().flat_map(|c| c.data.iter().copied()).collect::<Vec<u32>>()).map_err(up)?
            }
        };
        let mut ms = s.alloc_zeros::<u32>(count * n1).map_err(up)?;
        let luts_d = s.clone_htod(&luts).map_err(up)?;
        let idx_d = s.clone_htod(&lut_idx).map_err(up)?;
        let mut acc = s.alloc_zeros::<u64>(count * lut_words).map_err(up)?;
        // NTT-domain sums in shared memory when they fit next to the NTT polynomial in the 48 KB
        // available without an opt-in (k = 1, N ≤ 2048); else in global memory.
        let shared_sums = 8 * (p.polynomial_size + lut_words) <= SHARED_DEFAULT_LIMIT;
        let mut nacc = s.alloc_zeros::<u64>(if shared_sums { 1 } else { count * lut_words }).map_err(up)?;
        let slots_d = s.clone_htod(slots).map_err(up)?;
        let outs = slots.len() / 2 * wpo;
        let mut out = s.alloc_zeros::<u64>(outs.max(1)).map_err(up)?;
        let base = FheCfg::new(p, self.centered, count);
        let f = |k: &str| self.backend.function("fhe", k);
        // SAFETY (every launch below): argument types and order match the kernels of fhe.cu; each
        // buffer holds what the kernel indexes (sizes computed above from the same cfg).
        if let Input::Big(v) = input {
            let big: Vec<u64> = v.iter().flat_map(|c| c.data.iter().copied()).collect();
            let big_d = s.clone_htod(&big).map_err(up)?;
            let cfg = FheCfg { count: (count * n1) as u32, ..base };
            unsafe {
                s.launch_builder(&f("fhe_keyswitch")?)
                    .arg(&cfg)
                    .arg(&self.ksk)
                    .arg(&big_d)
                    .arg(&mut small)
                    .launch(self.keyswitch_launch(count))
                    .map_err(|e| launch_err(e, "fhe_keyswitch"))?;
            }
            // big_d is freed (stream-ordered) when it goes out of scope.
        }
        let cfg = FheCfg { count: (count * n1) as u32, ..base };
        unsafe {
            s.launch_builder(&f("fhe_mod_switch")?)
                .arg(&cfg)
                .arg(&small)
                .arg(&mut ms)
                .launch(items(cfg.count as u64)?)
                .map_err(|e| launch_err(e, "fhe_mod_switch"))?;
        }
        let cfg = FheCfg { count: (count * lut_words) as u32, ..base };
        unsafe {
            s.launch_builder(&f("fhe_lut_init")?)
                .arg(&cfg)
                .arg(&luts_d)
                .arg(&idx_d)
                .arg(&mut acc)
                .launch(items(cfg.count as u64)?)
                .map_err(|e| launch_err(e, "fhe_lut_init"))?;
        }
        let br = f("fhe_blind_rotate")?;
        let mut row = 0;
        while row < p.lwe_dimension {
            let end = (row + ROWS_PER_LAUNCH).min(p.lwe_dimension);
            let cfg = FheCfg { row_begin: row as u32, row_end: end as u32, nacc_shared: shared_sums as u32, ..base };
            let shared_words = if shared_sums { p.polynomial_size + lut_words } else { p.polynomial_size };
            let lc = LaunchConfig {
                grid_dim: (count as u32, 1, 1),
                block_dim: (BLOCK, 1, 1),
                shared_mem_bytes: (8 * shared_words) as u32,
            };
            unsafe {
                s.launch_builder(&br)
                    .arg(&cfg)
                    .arg(&self.bsk)
                    .arg(&self.tw)
                    .arg(&ms)
                    .arg(&mut acc)
                    .arg(&mut nacc)
                    .launch(lc)
                    .map_err(|e| launch_err(e, "fhe_blind_rotate"))?;
            }
            row = end;
        }
        let cfg = FheCfg { count: outs as u32, ..base };
        unsafe {
            s.launch_builder(&f("fhe_extract")?)
                .arg(&cfg)
                .arg(&ms)
                .arg(&acc)
                .arg(&slots_d)
                .arg(&mut out)
                .launch(items(cfg.count as u64)?)
                .map_err(|e| launch_err(e, "fhe_extract"))?;
        }
        let mut words = s.clone_dtoh(&out).map_err(|e| launch_err(e, "fhe readback"))?;
        // Asynchronous kernel faults surface here at the latest.
        s.synchronize().map_err(|e| launch_err(e, "fhe synchronize"))?;
        words.truncate(outs);
        Ok(words)
    }
}

impl BootstrapExecutor for CudaFhe {
    /// As the WebGPU engine: device failures become `FheError::Scheduler`, kept in
    /// [`CudaFhe::last_device_error`].
    fn execute(&self, jobs: Vec<BootstrapJob>) -> Result<Vec<Vec<LweCiphertext>>, gloam_fhe::FheError> {
        self.bootstrap_jobs(&jobs).map_err(|e| crate::to_fhe_error(e, &self.last_device_error))
    }
}

impl crate::FheDevice for CudaFhe {
    fn name(&self) -> String {
        format!("cuda ({})", self.backend.device_info().name)
    }
    fn keyswitch_bootstrap_batch(
        &self,
        inputs: &[LweCiphertext],
        luts: &[&Lut],
    ) -> Result<Vec<LweCiphertext>, FheGpuError> {
        CudaFhe::keyswitch_bootstrap_batch(self, inputs, luts)
    }
    fn bootstrap_jobs(&self, jobs: &[BootstrapJob]) -> Result<Vec<Vec<LweCiphertext>>, FheGpuError> {
        CudaFhe::bootstrap_jobs(self, jobs)
    }
}
