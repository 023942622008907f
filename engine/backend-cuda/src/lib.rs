//! placeholder: filled in by the cuda backend work.
use std::sync::Arc;
use gloam_engine_core::Backend;

/// Settings for the cuda backend.
#[derive(Clone, Debug, Default)]
pub struct CudaConfig {
    /// Where compiled kernels are cached (None = no disk cache).
    pub cache_dir: Option<std::path::PathBuf>,
}

/// Finds a usable device. `Err` carries the human-readable reason it is missing.
pub fn probe(_cfg: &CudaConfig) -> Result<Arc<dyn Backend>, String> {
    Err("cuda backend not built yet".into())
}
