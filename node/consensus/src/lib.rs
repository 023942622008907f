//! gloam-consensus (being built).
