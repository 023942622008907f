//! gloam-fhe-gpu: TFHE KS32 keyswitch and NTT64 ("back and forth") programmable bootstrap on
//! WebGPU and CUDA, byte-identical to gloam-fhe on the CPU (itself byte-identical to tfhe-rs
//! 1.8.2). See README.md for the design and what is verified where.
//!
//! - [`WebGpuFhe`]: the process's wgpu device (`gloam_webgpu::shared_gpu`), kernels in
//!   `kernels/wgsl/fhe/`.
//! - [`CudaFhe`]: a CUDA device through `gloam_cuda`, kernels in `kernels/cuda/fhe/` (NVRTC).
//!
//! Both upload the server key once (`new(&ServerKey)`), take batches of ciphertexts with one
//! LUT each (or one for all), support many-LUT jobs, and implement
//! [`gloam_fhe::BootstrapExecutor`] so the integer layer (`Radix::new(sk, &engine)`) runs on the
//! device, and `gloam_fhe::BootstrapScheduler::with_executor(sk, &engine)` merges the rounds of
//! many operations into one device call per round. Inputs are validated before any device work: malformed inputs give the same typed
//! `FheError`s as the CPU engine; device failures give [`FheGpuError::Device`], never partial
//! results.

mod cuda;
mod plan;
mod webgpu;

pub use cuda::CudaFhe;
#[doc(hidden)]
pub use cuda::FheCfg;
#[doc(hidden)]
pub use plan::twiddles as ntt_twiddles;
pub use webgpu::{NttPair, WebGpuFhe};

use gloam_engine_core::DeviceError;
use gloam_fhe::{BootstrapExecutor, BootstrapJob, FheError, FheParams, Lut, LweCiphertext, ServerKey};

/// Largest polynomial size N the kernels support (one polynomial of workgroup/shared memory).
pub const MAX_POLYNOMIAL_SIZE: usize = 2048;

#[derive(Debug, Clone, thiserror::Error)]
pub enum FheGpuError {
    /// Malformed input (dimensions, modulus, LUT shape, batch shape): the CPU engine's errors.
    #[error(transparent)]
    Input(#[from] FheError),
    /// The device failed (compile, launch, out of memory, lost): retry on the CPU.
    #[error("device: {0}")]
    Device(#[from] DeviceError),
    /// No device of this kind.
    #[error("device unavailable: {0}")]
    Unavailable(String),
    /// Parameters or sizes the kernels do not handle.
    #[error("unsupported: {0}")]
    Unsupported(String),
}

impl FheGpuError {
    /// True when the CPU engine should be used instead (the input itself was fine).
    pub fn is_device_failure(&self) -> bool {
        !matches!(self, FheGpuError::Input(_))
    }
}

pub(crate) fn check_supported(p: &FheParams) -> Result<(), FheGpuError> {
    p.validate()?;
    if p.polynomial_size > MAX_POLYNOMIAL_SIZE {
        return Err(FheGpuError::Unsupported(format!("polynomial size {} > {MAX_POLYNOMIAL_SIZE}", p.polynomial_size)));
    }
    Ok(())
}

/// For `BootstrapExecutor::execute`, whose error type is `FheError`: input errors pass through,
/// device errors become `FheError::Device` (the message is also kept in `last`).
pub(crate) fn to_fhe_error(e: FheGpuError, last: &parking_lot::Mutex<Option<String>>) -> FheError {
    match e {
        FheGpuError::Input(e) => e,
        other => {
            let msg = other.to_string();
            *last.lock() = Some(msg.clone());
            FheError::Device(msg)
        }
    }
}

/// What both engines offer (the timing helper and [`CpuFallback`] drive it).
pub trait FheDevice {
    fn name(&self) -> String;
    fn keyswitch_bootstrap_batch(
        &self,
        inputs: &[LweCiphertext],
        luts: &[&Lut],
    ) -> Result<Vec<LweCiphertext>, FheGpuError>;
    fn bootstrap_jobs(&self, jobs: &[BootstrapJob]) -> Result<Vec<Vec<LweCiphertext>>, FheGpuError>;
}

/// A [`BootstrapExecutor`] that runs rounds on a device and recomputes a round on the CPU
/// (`ServerKey::bootstrap_jobs`, the same bytes) when the device fails; input errors are returned
/// as they are. Counts the fallbacks and keeps the last device error.
pub struct CpuFallback<'a, D: FheDevice + ?Sized> {
    device: &'a D,
    server: &'a ServerKey,
    fallbacks: std::sync::atomic::AtomicUsize,
    last_error: parking_lot::Mutex<Option<FheGpuError>>,
}

impl<'a, D: FheDevice + ?Sized> CpuFallback<'a, D> {
    pub fn new(device: &'a D, server: &'a ServerKey) -> Self {
        Self { device, server, fallbacks: Default::default(), last_error: Default::default() }
    }

    /// Rounds recomputed on the CPU so far.
    pub fn fallbacks(&self) -> usize {
        self.fallbacks.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn last_device_error(&self) -> Option<FheGpuError> {
        self.last_error.lock().clone()
    }
}

impl<D: FheDevice + ?Sized> BootstrapExecutor for CpuFallback<'_, D> {
    fn execute(&self, jobs: Vec<BootstrapJob>) -> Result<Vec<Vec<LweCiphertext>>, FheError> {
        match self.device.bootstrap_jobs(&jobs) {
            Ok(out) => Ok(out),
            Err(FheGpuError::Input(e)) => Err(e),
            Err(device) => {
                self.fallbacks.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                *self.last_error.lock() = Some(device);
                self.server.bootstrap_jobs(&jobs)
            }
        }
    }
}

/// Timing of one batch size.
#[derive(Clone, Debug)]
pub struct BootstrapTiming {
    pub device: String,
    pub batch: usize,
    /// Wall-clock seconds of each repetition (after one warm-up call).
    pub seconds: Vec<f64>,
    /// batch / median seconds.
    pub bootstraps_per_second: f64,
}

/// Times `keyswitch_bootstrap_batch(inputs, [lut])` (`reps` repetitions after a warm-up call that
/// also builds pipelines). For `gloam bench fhe`.
pub fn measure_bootstraps_per_second(
    engine: &dyn FheDevice,
    inputs: &[LweCiphertext],
    lut: &Lut,
    reps: usize,
) -> Result<BootstrapTiming, FheGpuError> {
    engine.keyswitch_bootstrap_batch(inputs, &[lut])?;
    let mut seconds = Vec::with_capacity(reps.max(1));
    for _ in 0..reps.max(1) {
        let t = std::time::Instant::now();
        engine.keyswitch_bootstrap_batch(inputs, &[lut])?;
        seconds.push(t.elapsed().as_secs_f64());
    }
    let mut sorted = seconds.clone();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2];
    Ok(BootstrapTiming {
        device: engine.name(),
        batch: inputs.len(),
        seconds,
        bootstraps_per_second: if median > 0.0 { inputs.len() as f64 / median } else { f64::INFINITY },
    })
}

#[cfg(test)]
mod tests {
    /// Engines are shared between threads (one per device, many callers).
    #[test]
    fn engines_are_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<crate::WebGpuFhe>();
        check::<crate::CudaFhe>();
    }
}
