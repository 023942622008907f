//! Batch signature verification kernels (secp256k1, Ed25519) on CUDA and WebGPU, per-item results identical to gloam-sig. Work in progress.
