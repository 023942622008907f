// Batch signature kernels: entry points only (the per-thread bodies are in sig/*.cuh).
#include "secp256k1.cuh"

// u1·G + u2·P for n items, one thread each (layout in secp256k1.cuh). `gtab` is the resident
// table of 1·G … 15·G.
extern "C" __global__ void secp256k1_dsm(const uint32_t *in, const uint32_t *gtab, uint32_t mode, uint32_t n,
                                         uint32_t *out) {
    uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    secp_dsm_item(in + (uint64_t)SECP_IN_WORDS * i, gtab, mode, out + (uint64_t)SECP_OUT_WORDS * i);
}
