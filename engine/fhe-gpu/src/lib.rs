//! TFHE keyswitch and NTT64 bootstrap on CUDA and WebGPU, byte-identical to gloam-fhe on the CPU. Work in progress.
