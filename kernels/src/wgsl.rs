//! WGSL sources (filled in by the WebGPU backend work).
pub const SOURCES: &[crate::Source] = &[];
