//! gloam-settlement (being built).
