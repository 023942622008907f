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

#include "ed25519.cuh"

// [s]B + [k]·(−A) for n Ed25519 items, one thread each (layout in ed25519.cuh).
extern "C" __global__ void ed25519_dsm(const uint32_t *in, const uint32_t *btab, uint32_t n, uint32_t *out) {
    uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    ed_dsm_item(in + (uint64_t)ED_IN_WORDS * i, btab, out + (uint64_t)ED_OUT_WORDS * i);
}

// The resident B table: 1·B … 15·B from the encoding of B (one thread); status[0] = 1 if it
// did not decode.
extern "C" __global__ void ed25519_table(const uint32_t *enc, uint32_t *table, uint32_t *status) {
    if (blockIdx.x != 0 || threadIdx.x != 0) return;
    status[0] = ed_table(enc, table) ? 0u : 1u;
}
