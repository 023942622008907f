//! GPU kernel sources, organised by math (`field`, `curve`, `msm`, `ntt`, …) and embedded in the
//! binary so a deployed `gloam` needs no source tree: CUDA sources are compiled at run time by
//! NVRTC (cached on disk by the CUDA backend), WGSL sources by the WebGPU driver.
//!
//! Tests in this crate check that every WGSL module validates with naga and every CUDA source
//! compiles with NVRTC for sm_80 and sm_90 (CI installs NVRTC from PyPI; no GPU needed).

pub mod cuda;
pub mod wgsl;

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
