//! Kernel sources for batch signature verification (secp256k1, Ed25519), launched by `engine/sig-gpu`.
//! CUDA files live under `kernels/cuda/sig/`, WGSL files under `kernels/wgsl/sig/`; list every
//! file and module here (the crate's tests validate each WGSL module with naga and compile each
//! CUDA module with NVRTC for sm_80 and sm_90).
//!
//! | module | files | entry points |
//! |---|---|---|
//! | CUDA `sig` | cuda/sig/sig.cu (+ sig/limbs.cuh, sig/secp256k1.cuh, sig/ed25519.cuh, common.cuh) | `secp256k1_dsm`, `ed25519_dsm`, `ed25519_table` |
//! | WGSL `secp256k1_prepare`, `secp256k1_ladder`, `secp256k1_finish` | dispatch, arith, sig/limbs8, sig/secp256k1_field, sig/secp256k1_point, sig/secp256k1_dsm, + sig/secp256k1_{prepare,ladder,finish} | `secp_prepare`, `secp_ladder`, `secp_finish` (one each) |
//! | WGSL `ed25519_prepare`, `ed25519_ladder`, `ed25519_finish` | dispatch, arith, sig/limbs8, sig/ed25519_field, sig/ed25519_point, sig/ed25519_dsm, + sig/ed25519_{prepare,ladder,finish} | `ed_prepare`, `ed_ladder`, `ed_finish` (one each) |

use crate::{cuda, wgsl, Source};

pub const CUDA_LIMBS: Source = cuda_src!("sig/limbs.cuh");
pub const CUDA_SECP256K1: Source = cuda_src!("sig/secp256k1.cuh");
pub const CUDA_ED25519: Source = cuda_src!("sig/ed25519.cuh");
pub const CUDA_SIG: Source = cuda_src!("sig/sig.cu");

/// Every CUDA file of this family (headers included).
pub const CUDA_SOURCES: &[Source] = &[CUDA_LIMBS, CUDA_SECP256K1, CUDA_ED25519, CUDA_SIG];

/// The CUDA module of this family.
pub const CUDA_SIG_MODULE: cuda::Module =
    cuda::Module { name: "sig", entry: "cuda/sig/sig.cu", kernels: &["secp256k1_dsm", "ed25519_dsm", "ed25519_table"] };

/// NVRTC compilation units of this family.
pub const CUDA_MODULES: &[cuda::Module] = &[CUDA_SIG_MODULE];

pub const WGSL_LIMBS8: Source = wgsl_src!("sig/limbs8.wgsl");
pub const WGSL_SECP256K1_FIELD: Source = wgsl_src!("sig/secp256k1_field.wgsl");
pub const WGSL_SECP256K1_POINT: Source = wgsl_src!("sig/secp256k1_point.wgsl");
pub const WGSL_SECP256K1_DSM: Source = wgsl_src!("sig/secp256k1_dsm.wgsl");
pub const WGSL_SECP256K1_PREPARE: Source = wgsl_src!("sig/secp256k1_prepare.wgsl");
pub const WGSL_SECP256K1_LADDER: Source = wgsl_src!("sig/secp256k1_ladder.wgsl");
pub const WGSL_SECP256K1_FINISH: Source = wgsl_src!("sig/secp256k1_finish.wgsl");
pub const WGSL_ED25519_FIELD: Source = wgsl_src!("sig/ed25519_field.wgsl");
pub const WGSL_ED25519_POINT: Source = wgsl_src!("sig/ed25519_point.wgsl");
pub const WGSL_ED25519_DSM: Source = wgsl_src!("sig/ed25519_dsm.wgsl");
pub const WGSL_ED25519_PREPARE: Source = wgsl_src!("sig/ed25519_prepare.wgsl");
pub const WGSL_ED25519_LADDER: Source = wgsl_src!("sig/ed25519_ladder.wgsl");
pub const WGSL_ED25519_FINISH: Source = wgsl_src!("sig/ed25519_finish.wgsl");

/// Every WGSL file of this family.
pub const WGSL_SOURCES: &[Source] = &[
    WGSL_LIMBS8,
    WGSL_SECP256K1_FIELD,
    WGSL_SECP256K1_POINT,
    WGSL_SECP256K1_DSM,
    WGSL_SECP256K1_PREPARE,
    WGSL_SECP256K1_LADDER,
    WGSL_SECP256K1_FINISH,
    WGSL_ED25519_FIELD,
    WGSL_ED25519_POINT,
    WGSL_ED25519_DSM,
    WGSL_ED25519_PREPARE,
    WGSL_ED25519_LADDER,
    WGSL_ED25519_FINISH,
];

/// secp256k1 double scalar multiplication (recovery and verification): one module per entry
/// point (the shared files plus the entry's own), so a backend can build the three pipelines
/// concurrently (lavapipe takes tens of seconds for the ladder).
pub const WGSL_SECP256K1_PREPARE_MODULE: wgsl::Module = wgsl::Module {
    name: "secp256k1_prepare",
    parts: &[
        wgsl::DISPATCH,
        wgsl::ARITH,
        WGSL_LIMBS8,
        WGSL_SECP256K1_FIELD,
        WGSL_SECP256K1_POINT,
        WGSL_SECP256K1_DSM,
        WGSL_SECP256K1_PREPARE,
    ],
    entry_points: &["secp_prepare"],
};
pub const WGSL_SECP256K1_LADDER_MODULE: wgsl::Module = wgsl::Module {
    name: "secp256k1_ladder",
    parts: &[
        wgsl::DISPATCH,
        wgsl::ARITH,
        WGSL_LIMBS8,
        WGSL_SECP256K1_FIELD,
        WGSL_SECP256K1_POINT,
        WGSL_SECP256K1_DSM,
        WGSL_SECP256K1_LADDER,
    ],
    entry_points: &["secp_ladder"],
};
pub const WGSL_SECP256K1_FINISH_MODULE: wgsl::Module = wgsl::Module {
    name: "secp256k1_finish",
    parts: &[
        wgsl::DISPATCH,
        wgsl::ARITH,
        WGSL_LIMBS8,
        WGSL_SECP256K1_FIELD,
        WGSL_SECP256K1_POINT,
        WGSL_SECP256K1_DSM,
        WGSL_SECP256K1_FINISH,
    ],
    entry_points: &["secp_finish"],
};

/// Ed25519 [s]B + [k]·(−A) (ZIP-215 verification), one module per entry point.
pub const WGSL_ED25519_PREPARE_MODULE: wgsl::Module = wgsl::Module {
    name: "ed25519_prepare",
    parts: &[
        wgsl::DISPATCH,
        wgsl::ARITH,
        WGSL_LIMBS8,
        WGSL_ED25519_FIELD,
        WGSL_ED25519_POINT,
        WGSL_ED25519_DSM,
        WGSL_ED25519_PREPARE,
    ],
    entry_points: &["ed_prepare"],
};
pub const WGSL_ED25519_LADDER_MODULE: wgsl::Module = wgsl::Module {
    name: "ed25519_ladder",
    parts: &[
        wgsl::DISPATCH,
        wgsl::ARITH,
        WGSL_LIMBS8,
        WGSL_ED25519_FIELD,
        WGSL_ED25519_POINT,
        WGSL_ED25519_DSM,
        WGSL_ED25519_LADDER,
    ],
    entry_points: &["ed_ladder"],
};
pub const WGSL_ED25519_FINISH_MODULE: wgsl::Module = wgsl::Module {
    name: "ed25519_finish",
    parts: &[
        wgsl::DISPATCH,
        wgsl::ARITH,
        WGSL_LIMBS8,
        WGSL_ED25519_FIELD,
        WGSL_ED25519_POINT,
        WGSL_ED25519_DSM,
        WGSL_ED25519_FINISH,
    ],
    entry_points: &["ed_finish"],
};

/// WGSL modules of this family (files concatenated in dependency order; the engine's own
/// library files such as `wgsl::DISPATCH` may be reused as parts).
pub const WGSL_MODULES: &[wgsl::Module] = &[
    WGSL_SECP256K1_PREPARE_MODULE,
    WGSL_SECP256K1_LADDER_MODULE,
    WGSL_SECP256K1_FINISH_MODULE,
    WGSL_ED25519_PREPARE_MODULE,
    WGSL_ED25519_LADDER_MODULE,
    WGSL_ED25519_FINISH_MODULE,
];
