//! GPU kernel sources, organised by math (`field`, `curve`, `msm`, `ntt`, …) and embedded in the
//! binary so a deployed `gloam` needs no source tree: CUDA sources are compiled at run time by
//! NVRTC (cached on disk by the CUDA backend), WGSL sources by the WebGPU driver.
//!
//! Tests in this crate check that every WGSL module validates with naga and every CUDA source
//! compiles with NVRTC for sm_80 and sm_90 (CI installs NVRTC from PyPI; no GPU needed).

/// A CUDA file under `kernels/cuda/` as a [`Source`].
macro_rules! cuda_src {
    ($p:literal) => {
        $crate::Source { path: concat!("cuda/", $p), text: include_str!(concat!("../cuda/", $p)) }
    };
}

/// A WGSL file under `kernels/wgsl/` as a [`Source`].
macro_rules! wgsl_src {
    ($name:literal) => {
        $crate::Source { path: concat!("wgsl/", $name), text: include_str!(concat!("../wgsl/", $name)) }
    };
}

pub mod cuda;
pub mod wgsl;

// Kernel families kept in their own files, each owned by the crate that launches them; their
// modules join the lists above through `cuda::all_modules` / `wgsl::all_modules`.
pub mod fhe;
pub mod sig;

/// One embedded source file.
#[derive(Clone, Copy, Debug)]
pub struct Source {
    /// Path relative to `kernels/`, e.g. `cuda/msm.cu`.
    pub path: &'static str,
    pub text: &'static str,
}

/// FNV-1a 64 of a text: a stable content hash for cache keys (not for security).
pub fn content_hash(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain(std::iter::once(0xff)) {
            h ^= b as u64;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}
