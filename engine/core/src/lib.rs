//! The contract every gloam compute backend implements.
//!
//! gloam has three backends — CPU (the reference and the fallback), CUDA and WebGPU — and every
//! one of them must return **bit-identical** results for the same inputs, because nodes with and
//! without GPUs must agree on consensus-relevant bytes. This crate holds what they share:
//!
//! * [`Backend`]: the object-safe trait the engine dispatches through (chosen at run time);
//! * [`DeviceError`]: the small set of failures a caller cannot foresee (compile, launch, memory,
//!   device lost); the engine turns any of them into a CPU recomputation, never a wrong answer;
//! * [`layout`]: how field elements and points travel to a device (Montgomery limbs, exactly as
//!   arkworks stores them, so no conversion happens on the host);
//! * [`domain`]: the NTT conventions, pinned to arkworks' `Radix2EvaluationDomain`.
//!
//! Inputs reaching a backend have already been validated by the engine facade (lengths, sizes),
//! but backends still return errors rather than panic when handed something they cannot do.

pub mod domain;
pub mod layout;

use std::fmt;
use std::sync::Arc;

pub use ark_bls12_381::{Fq, Fr, G1Affine, G1Projective};

/// Which implementation runs an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BackendKind {
    Cpu,
    Cuda,
    WebGpu,
}

impl BackendKind {
    pub const ALL: [BackendKind; 3] = [BackendKind::Cpu, BackendKind::Cuda, BackendKind::WebGpu];

    pub fn as_str(self) -> &'static str {
        match self {
            BackendKind::Cpu => "cpu",
            BackendKind::Cuda => "cuda",
            BackendKind::WebGpu => "webgpu",
        }
    }
}

impl fmt::Display for BackendKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for BackendKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "cpu" => Ok(BackendKind::Cpu),
            "cuda" => Ok(BackendKind::Cuda),
            "webgpu" | "wgpu" => Ok(BackendKind::WebGpu),
            other => Err(format!("unknown backend `{other}` (expected cpu, cuda or webgpu)")),
        }
    }
}

/// What a backend knows about the device it drives, for `gloam devices` and bench records.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct DeviceInfo {
    /// Short device name, e.g. "NVIDIA H100 80GB HBM3" or "llvmpipe (LLVM 15.0.6, 256 bits)".
    pub name: String,
    /// Device memory in bytes where the API reports it.
    pub memory_bytes: Option<u64>,
    /// Driver / runtime description.
    pub driver: String,
    /// True when the "GPU" is a software rasteriser (lavapipe): the auto policy never picks it.
    pub is_software: bool,
    /// Free-form key/value facts (compute capability, adapter backend, limits, compile times…).
    pub details: Vec<(String, String)>,
}

/// Failures a caller cannot foresee. Any of them makes the engine recompute on the CPU.
#[derive(Clone, Debug, thiserror::Error)]
pub enum DeviceError {
    #[error("backend unavailable: {0}")]
    Unavailable(String),
    #[error("kernel compilation failed ({kernel}): {log}")]
    Compile { kernel: String, log: String },
    #[error("kernel launch failed: {0}")]
    Launch(String),
    #[error("out of device memory: needed {needed} bytes, {available} available")]
    OutOfMemory { needed: u64, available: u64 },
    #[error("device lost: {0}")]
    DeviceLost(String),
    #[error("operation not supported by this backend: {0}")]
    Unsupported(String),
    #[error("fault injected for testing: {0}")]
    Injected(String),
    #[error("backend panicked: {0}")]
    Panicked(String),
}

impl DeviceError {
    /// Errors after which the device should leave the rotation (it will not get better).
    pub fn is_fatal(&self) -> bool {
        matches!(self, DeviceError::DeviceLost(_) | DeviceError::Unavailable(_))
    }
}

pub type DeviceResult<T> = Result<T, DeviceError>;

/// Direction of a number-theoretic transform, with arkworks' meaning:
/// `Forward` = `EvaluationDomain::fft` (coefficients → evaluations, natural order in and out),
/// `Inverse` = `EvaluationDomain::ifft` (evaluations → coefficients, including the 1/n scale).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NttDirection {
    Forward,
    Inverse,
}

/// One NTT request. With `coset = Some(g)` the domain is `g·H` (arkworks'
/// `Radix2EvaluationDomain::get_coset(g)`): forward evaluates at `g·ωⁱ`, inverse interpolates
/// from those points.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NttOp {
    pub direction: NttDirection,
    pub coset: Option<Fr>,
}

impl NttOp {
    pub const FORWARD: NttOp = NttOp { direction: NttDirection::Forward, coset: None };
    pub const INVERSE: NttOp = NttOp { direction: NttDirection::Inverse, coset: None };
    pub fn coset_forward(g: Fr) -> Self {
        NttOp { direction: NttDirection::Forward, coset: Some(g) }
    }
    pub fn coset_inverse(g: Fr) -> Self {
        NttOp { direction: NttDirection::Inverse, coset: Some(g) }
    }
}

/// One variable-base MSM in a batch. `bases.len() == scalars.len()` (checked by the facade).
#[derive(Clone, Copy, Debug)]
pub struct MsmJob<'a> {
    pub bases: &'a [G1Affine],
    pub scalars: &'a [Fr],
}

/// A fixed set of bases with precomputed tables, resident where the backend computes
/// (host memory for the CPU, device memory for GPUs). Built once by
/// [`Backend::prepare_fixed_base`]; used for every KZG commitment / SRS MSM afterwards.
pub trait FixedBaseMsm: Send + Sync {
    /// Number of bases.
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Bytes held by the precomputed table (host or device).
    fn table_bytes(&self) -> u64;
    /// `Σ scalars[i]·bases[i]` over the first `scalars.len()` bases (`scalars.len() <= len()`).
    fn msm(&self, scalars: &[Fr]) -> DeviceResult<G1Projective>;
    /// Many MSMs over the same bases in one call (one scalar vector per result).
    fn msm_batch(&self, scalars: &[&[Fr]]) -> DeviceResult<Vec<G1Projective>> {
        scalars.iter().map(|s| self.msm(s)).collect()
    }
}

impl fmt::Debug for dyn FixedBaseMsm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FixedBaseMsm").field("len", &self.len()).finish()
    }
}

/// A compute backend. Object-safe: the engine picks one at run time.
///
/// Implementations may assume validated input (equal lengths, power-of-two NTT sizes within
/// [`domain::MAX_LOG_SIZE`]); they must still never panic on purpose — the engine catches
/// panics from GPU backends as a second line of defence and treats them as device errors.
pub trait Backend: Send + Sync {
    fn kind(&self) -> BackendKind;
    fn info(&self) -> DeviceInfo;

    /// Variable-base MSM `Σ scalars[i]·bases[i]`.
    fn msm(&self, bases: &[G1Affine], scalars: &[Fr]) -> DeviceResult<G1Projective>;

    /// Many independent MSMs in one call.
    fn msm_batch(&self, jobs: &[MsmJob<'_>]) -> DeviceResult<Vec<G1Projective>> {
        jobs.iter().map(|j| self.msm(j.bases, j.scalars)).collect()
    }

    /// Build a precomputed table for a fixed set of bases and keep it resident.
    fn prepare_fixed_base(&self, bases: &[G1Affine]) -> DeviceResult<Arc<dyn FixedBaseMsm>>;

    /// In-place NTT of `data` (length a power of two, ≥ 1).
    fn ntt(&self, data: &mut [Fr], op: NttOp) -> DeviceResult<()> {
        let n = data.len();
        self.ntt_batch(data, n, op)
    }

    /// In-place NTTs of `data.len() / size` consecutive vectors of `size` elements each.
    fn ntt_batch(&self, data: &mut [Fr], size: usize, op: NttOp) -> DeviceResult<()>;

    /// Compile (or load from cache) every kernel now and report how long each took. GPU backends
    /// otherwise compile lazily on first use; `gloam devices --verbose` calls this.
    fn warm_up(&self) -> DeviceResult<Vec<KernelCompileReport>> {
        Ok(Vec::new())
    }
}

/// How one kernel module became ready: compiled now or loaded from the on-disk cache.
#[derive(Clone, Debug, serde::Serialize)]
pub struct KernelCompileReport {
    pub kernel: String,
    pub millis: f64,
    pub from_cache: bool,
}

impl fmt::Debug for dyn Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Backend").field("kind", &self.kind()).finish()
    }
}

/// Tells whoever runs the tests that a test skipped, and why — visibly. libtest captures
/// `eprintln!` of passing tests, which would make a skip silent in CI logs; writing to the stderr
/// handle directly bypasses that capture.
pub fn report_skip(msg: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "\n*** SKIPPED: {msg} ***\n");
}
