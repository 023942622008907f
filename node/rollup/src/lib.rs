//! gloam-rollup (being built).
