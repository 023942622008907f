//! CUDA sources (filled in by the CUDA backend work).
pub const SOURCES: &[crate::Source] = &[];
