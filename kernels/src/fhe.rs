//! Kernel sources for TFHE keyswitch and NTT64 (Goldilocks) programmable bootstrapping, launched by `engine/fhe-gpu`.
//! CUDA files live under `kernels/cuda/fhe/`, WGSL files under `kernels/wgsl/fhe/`; list every
//! file and module here (the crate's tests validate each WGSL module with naga and compile each
//! CUDA module with NVRTC for sm_80 and sm_90).

use crate::{cuda, wgsl, Source};

/// Every CUDA file of this family (headers included).
pub const CUDA_SOURCES: &[Source] = &[cuda_src!("fhe/fhe.cuh"), cuda_src!("fhe/fhe.cu")];

/// NVRTC compilation units of this family.
pub const CUDA_MODULES: &[cuda::Module] = &[CUDA_FHE_MODULE];

/// Keyswitch, modulus switch, LUT copy, blind rotation and extraction (`engine/fhe-gpu/src/cuda.rs`).
pub const CUDA_FHE_MODULE: cuda::Module = cuda::Module {
    name: "fhe",
    entry: "cuda/fhe/fhe.cu",
    kernels: &["fhe_keyswitch", "fhe_mod_switch", "fhe_lut_init", "fhe_blind_rotate", "fhe_extract"],
};

pub const WGSL_U64: Source = wgsl_src!("fhe/u64.wgsl");
pub const WGSL_PBS: Source = wgsl_src!("fhe/pbs.wgsl");

/// Every WGSL file of this family.
pub const WGSL_SOURCES: &[Source] = &[WGSL_U64, WGSL_PBS];

/// WGSL modules of this family (files concatenated in dependency order; the engine's own
/// library files such as `wgsl::DISPATCH` may be reused as parts).
pub const WGSL_MODULES: &[wgsl::Module] = &[FHE_PBS_MODULE];

/// Keyswitch, modulus switch, blind rotation, extraction and the self-test entry points
/// (`engine/fhe-gpu/src/webgpu.rs`).
pub const FHE_PBS_MODULE: wgsl::Module = wgsl::Module {
    name: "fhe_pbs",
    parts: &[wgsl::DISPATCH, wgsl::ARITH, WGSL_U64, WGSL_PBS],
    entry_points: &[
        "fhe_keyswitch",
        "fhe_mod_switch",
        "fhe_lut_init",
        "fhe_blind_rotate",
        "fhe_extract",
        "fhe_selftest_ops",
        "fhe_selftest_ntt",
    ],
};
