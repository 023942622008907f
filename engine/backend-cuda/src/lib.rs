//! gloam's CUDA backend: BLS12-381 G1 MSM and Fr NTT on NVIDIA GPUs.
//!
//! Design choices:
//! * **Runs where CUDA does not exist.** cudarc loads `libcuda`/`libnvrtc` at run time and
//!   panics when they are absent, so [`probe`] checks for each library first and returns the
//!   exact reason it is unusable (no driver, no NVRTC, no device, unsupported arch); a panic
//!   that slips through is caught and reported the same way.
//! * **Kernels compiled at run time** by NVRTC to a cubin for the device's own `sm_XX`, cached on
//!   disk under [`CudaConfig::cache_dir`] keyed by source hash + arch + NVRTC version
//!   ([`compile`]). Modules load lazily; [`Backend::warm_up`] loads all of them and reports
//!   per-module times and cache hits.
//! * **Raw uploads.** Field elements travel as arkworks' Montgomery limbs (see
//!   `gloam_engine_core::layout`); the CUDA headers use the same R, so nothing is converted.
//! * **Every call checked** through [`cu!`], which puts the call site into the `DeviceError`;
//!   out-of-memory, sticky context errors (device lost) and launch failures are told apart so
//!   the engine can fall back to the CPU and, when the device is lost, drop it.
//! * The arithmetic in `kernels/cuda` also compiles on the host; `tests/host_emulation.rs`
//!   checks it against arkworks without a GPU.
//!
//! Operations: variable-base MSM (Pippenger, signed digits, counting sort into buckets, tree
//! reductions; the final Horner over windows on the host), batched MSM as one pipeline,
//! fixed-base MSM over a resident table of `2^(c*w) * P` (one bucket set for all windows; the
//! table is built on the host), and NTT / inverse / coset / batched NTT (radix-2 DIF: paired
//! global stages, a fused shared-memory tail, bit reversal with the 1/n and coset factors).
//!
//! Verification status: without a GPU, the device functions run on the host against arkworks
//! (fields, G1 edge cases, MSM digits), and so do the backend's own drivers: the NTT launch list
//! ([`ntt::schedule`], batched) and the whole MSM pipeline ([`msm::pipeline`] is generic over
//! [`msm::MsmDevice`]; the test implements it with the kernels' thread bodies). Every module
//! compiles to sm_80 and sm_90 cubins. What only a GPU can check: the cudarc calls themselves
//! (launch shapes against limits, views, transfers), concurrency inside kernels (atomics,
//! barriers) and speed. That is `ci/gpu-check.sh` (differential tests against arkworks up to
//! 2^20, plus a timing table).

mod backend;
pub mod compile;
pub mod error;
pub mod msm;
pub mod ntt;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use gloam_engine_core::Backend;

pub use backend::CudaBackend;

/// Settings for the CUDA backend.
#[derive(Clone, Debug, Default)]
pub struct CudaConfig {
    /// Where compiled kernels are cached (None = no disk cache).
    pub cache_dir: Option<std::path::PathBuf>,
}

/// Finds a usable device. `Err` carries the human-readable reason it is missing.
pub fn probe(cfg: &CudaConfig) -> Result<Arc<dyn Backend>, String> {
    match catch_unwind(AssertUnwindSafe(|| CudaBackend::open(cfg))) {
        Ok(Ok(b)) => Ok(Arc::new(b)),
        Ok(Err(why)) => Err(why),
        Err(p) => {
            let msg = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "unknown panic".into());
            Err(format!("CUDA probe panicked: {msg}"))
        }
    }
}

/// Why the libraries are missing, or `None` when both load. Cheap; calls nothing in CUDA.
pub fn missing_library() -> Option<String> {
    if !unsafe { cudarc::driver::sys::is_culib_present() } {
        return Some("libcuda.so not found: no NVIDIA driver".into());
    }
    if !unsafe { cudarc::nvrtc::sys::is_culib_present() } {
        return Some("libnvrtc.so.13 not found: install nvidia-cuda-nvrtc / put it on LD_LIBRARY_PATH".into());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_never_panics_and_explains_absence() {
        match probe(&CudaConfig::default()) {
            Ok(b) => eprintln!("CUDA device found: {:?}", b.info()),
            Err(why) => {
                gloam_engine_core::report_skip(&format!("no CUDA here: {why}"));
                assert!(!why.is_empty());
                if std::env::var("GLOAM_REQUIRE_CUDA").is_ok_and(|v| v == "1") {
                    panic!("GLOAM_REQUIRE_CUDA=1 but {why}");
                }
            }
        }
    }
}
