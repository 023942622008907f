//! placeholder: filled in by the webgpu backend work.
use std::sync::Arc;
use gloam_engine_core::Backend;

/// Settings for the webgpu backend.
#[derive(Clone, Debug, Default)]
pub struct WebGpuConfig {
    /// Where compiled kernels are cached (None = no disk cache).
    pub cache_dir: Option<std::path::PathBuf>,
}

/// Finds a usable device. `Err` carries the human-readable reason it is missing.
pub fn probe(_cfg: &WebGpuConfig) -> Result<Arc<dyn Backend>, String> {
    Err("webgpu backend not built yet".into())
}
