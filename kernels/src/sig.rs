//! Kernel sources for batch signature verification (secp256k1, Ed25519), launched by `engine/sig-gpu`.
//! CUDA files live under `kernels/cuda/sig/`, WGSL files under `kernels/wgsl/sig/`; list every
//! file and module here (the crate's tests validate each WGSL module with naga and compile each
//! CUDA module with NVRTC for sm_80 and sm_90).

use crate::{cuda, wgsl, Source};

/// Every CUDA file of this family (headers included).
pub const CUDA_SOURCES: &[Source] = &[];

/// NVRTC compilation units of this family.
pub const CUDA_MODULES: &[cuda::Module] = &[];

/// Every WGSL file of this family.
pub const WGSL_SOURCES: &[Source] = &[];

/// WGSL modules of this family (files concatenated in dependency order; the engine's own
/// library files such as `wgsl::DISPATCH` may be reused as parts).
pub const WGSL_MODULES: &[wgsl::Module] = &[];
