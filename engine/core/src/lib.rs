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

/// Where a crate's CUDA host-emulation harness (`tests/host/harness.cpp`, including headers from
/// `kernels/cuda`) is and how to build it.
#[derive(Clone, Copy, Debug)]
pub struct HostHarness<'a> {
    /// The crate's `CARGO_MANIFEST_DIR` at build time.
    pub manifest_dir: &'a str,
    /// The crate's path from the repository root (for binaries run from a copied tree, e.g. on
    /// the GPU machine: `$GLOAM_REPO_ROOT/<repo_rel>`, then `./<repo_rel>`).
    pub repo_rel: &'a str,
    /// The test's `CARGO_TARGET_TMPDIR` (the system temp dir when it is gone).
    pub tmp_dir: &'a str,
    /// Distinguishes the executable's name.
    pub name: &'a str,
    /// Extra compiler flags (e.g. `-pthread`).
    pub flags: &'a [&'a str],
}

/// Compiles a host-emulation harness with the first working C++ compiler (`$CXX`, g++, c++,
/// clang++) at `-O2 -std=c++17 -Wall -Wextra -Werror`; `GLOAM_HOST_SANITIZE=1` adds ASan +
/// UBSan. `None` (after a loud skip line) when no compiler or source is found — a failure
/// under `CI=true`; a harness that does not compile panics with the compiler's output.
pub fn build_host_harness(h: &HostHarness<'_>) -> Option<std::path::PathBuf> {
    use std::path::PathBuf;
    use std::process::Command;
    let built = (|| -> Result<PathBuf, String> {
        let manifest = [
            Some(PathBuf::from(h.manifest_dir)),
            std::env::var_os("GLOAM_REPO_ROOT").map(|r| PathBuf::from(r).join(h.repo_rel)),
            Some(PathBuf::from(h.repo_rel)),
        ]
        .into_iter()
        .flatten()
        .find(|p| p.join("tests/host/harness.cpp").exists())
        .ok_or_else(|| "tests/host/harness.cpp not found (set GLOAM_REPO_ROOT)".to_string())?;
        let kernels = manifest.join("../../kernels/cuda");
        let src = manifest.join("tests/host/harness.cpp");
        let tmp = PathBuf::from(h.tmp_dir);
        let tmp = if tmp.is_dir() { tmp } else { std::env::temp_dir() };
        let out = tmp.join(format!("gloam_{}_host_harness_{}", h.name, std::process::id()));
        let candidates: Vec<String> =
            std::env::var("CXX").into_iter().chain(["g++", "c++", "clang++"].map(String::from)).collect();
        let cxx = candidates
            .iter()
            .find(|c| Command::new(c).arg("--version").output().is_ok_and(|o| o.status.success()))
            .cloned()
            .ok_or_else(|| format!("no C++ compiler found (tried {candidates:?})"))?;
        let sanitize: &[&str] = if std::env::var("GLOAM_HOST_SANITIZE").is_ok_and(|v| v == "1") {
            &["-g", "-fsanitize=address,undefined", "-fno-sanitize-recover=all"]
        } else {
            &[]
        };
        let o = Command::new(&cxx)
            .args(["-O2", "-std=c++17", "-Wall", "-Wextra", "-Werror"])
            .args(h.flags)
            .args(sanitize)
            .arg("-I")
            .arg(&kernels)
            .arg("-o")
            .arg(&out)
            .arg(&src)
            .output()
            .map_err(|e| format!("cannot run {cxx}: {e}"))?;
        if !o.status.success() {
            panic!("host harness failed to compile:\n{}", String::from_utf8_lossy(&o.stderr));
        }
        Ok(out)
    })();
    match built {
        Ok(p) => Some(p),
        Err(why) if std::env::var("CI").is_ok_and(|v| v == "true") => panic!("CI=true but {why}"),
        Err(why) => {
            report_skip(&format!("CUDA host emulation needs a C++ compiler and the sources: {why}"));
            None
        }
    }
}
