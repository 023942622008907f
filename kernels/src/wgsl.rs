//! WGSL sources and the modules assembled from them.
//!
//! WGSL has no `#include`, so shared arithmetic lives in its own files and each pipeline's module
//! is the concatenation of what it needs, in dependency order:
//!
//! | module | files |
//! |---|---|
//! | [`ntt_module`] | dispatch, arith, field_fr, ntt |
//! | [`msm_accumulate_module`] | dispatch, arith, field_fp, curve_g1, msm_accumulate |
//! | [`msm_reduce_module`] | dispatch, arith, field_fp, curve_g1, msm_reduce |
//! | [`field_test_module`] | dispatch, arith, field_fr, field_fp, field_test |
//!
//! Bucket accumulation and reduction are separate modules on purpose: shaders containing point
//! addition compile slowly, and one big shader has failed to compile on some drivers (notes §7).

use crate::Source;

pub const DISPATCH: Source = wgsl_src!("dispatch.wgsl");
pub const ARITH: Source = wgsl_src!("arith.wgsl");
pub const FIELD_FR: Source = wgsl_src!("field_fr.wgsl");
pub const FIELD_FP: Source = wgsl_src!("field_fp.wgsl");
pub const CURVE_G1: Source = wgsl_src!("curve_g1.wgsl");
pub const NTT: Source = wgsl_src!("ntt.wgsl");
pub const MSM_ACCUMULATE: Source = wgsl_src!("msm_accumulate.wgsl");
pub const MSM_REDUCE: Source = wgsl_src!("msm_reduce.wgsl");
pub const FIELD_TEST: Source = wgsl_src!("field_test.wgsl");

/// Every WGSL file, library files first.
pub const SOURCES: &[Source] =
    &[DISPATCH, ARITH, FIELD_FR, FIELD_FP, CURVE_G1, NTT, MSM_ACCUMULATE, MSM_REDUCE, FIELD_TEST];

/// One compilable module: a name and the files it concatenates.
#[derive(Clone, Copy, Debug)]
pub struct Module {
    pub name: &'static str,
    pub parts: &'static [Source],
    /// Entry points the module defines.
    pub entry_points: &'static [&'static str],
}

impl Module {
    /// The full module text.
    pub fn text(&self) -> String {
        assemble(self.parts)
    }

    /// Stable hash of the module text (pipeline-cache keys).
    pub fn hash(&self) -> u64 {
        let texts: Vec<&str> = self.parts.iter().map(|s| s.text).collect();
        crate::content_hash(&texts)
    }
}

pub const NTT_MODULE: Module = Module {
    name: "ntt",
    parts: &[DISPATCH, ARITH, FIELD_FR, NTT],
    entry_points: &["ntt_bit_reverse", "ntt_stage", "ntt_scale"],
};
pub const MSM_ACCUMULATE_MODULE: Module = Module {
    name: "msm_accumulate",
    parts: &[DISPATCH, ARITH, FIELD_FP, CURVE_G1, MSM_ACCUMULATE],
    entry_points: &["msm_accumulate"],
};
pub const MSM_REDUCE_MODULE: Module = Module {
    name: "msm_reduce",
    parts: &[DISPATCH, ARITH, FIELD_FP, CURVE_G1, MSM_REDUCE],
    entry_points: &["msm_fold"],
};
pub const FIELD_TEST_MODULE: Module = Module {
    name: "field_test",
    parts: &[DISPATCH, ARITH, FIELD_FR, FIELD_FP, FIELD_TEST],
    entry_points: &["fr_ops", "fp_ops"],
};

/// Every module a backend builds (the test module included: it is small and validates the same
/// arithmetic the real kernels use).
pub const MODULES: &[Module] = &[NTT_MODULE, MSM_ACCUMULATE_MODULE, MSM_REDUCE_MODULE, FIELD_TEST_MODULE];

/// Every module: the engine's own ([`MODULES`]) and the FHE and signature families.
pub fn all_modules() -> impl Iterator<Item = &'static Module> {
    MODULES.iter().chain(crate::fhe::WGSL_MODULES).chain(crate::sig::WGSL_MODULES)
}

/// Every WGSL file of every family.
pub fn all_sources() -> impl Iterator<Item = &'static Source> {
    SOURCES.iter().chain(crate::fhe::WGSL_SOURCES).chain(crate::sig::WGSL_SOURCES)
}

/// Concatenates sources, each preceded by a line naming its file (so compile errors point at a
/// file).
pub fn assemble(parts: &[Source]) -> String {
    let mut out = String::new();
    for p in parts {
        out.push_str("// ---- ");
        out.push_str(p.path);
        out.push_str(" ----\n");
        out.push_str(p.text);
        if !p.text.ends_with('\n') {
            out.push('\n');
        }
    }
    out
}

pub fn ntt_module() -> String {
    NTT_MODULE.text()
}
pub fn msm_accumulate_module() -> String {
    MSM_ACCUMULATE_MODULE.text()
}
pub fn msm_reduce_module() -> String {
    MSM_REDUCE_MODULE.text()
}
pub fn field_test_module() -> String {
    FIELD_TEST_MODULE.text()
}
