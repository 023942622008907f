// Entry points of the FHE module (launched by engine/fhe-gpu/src/cuda.rs). The bodies are in
// fhe.cuh, shared with the host-emulation harness.
#include "fhe.cuh"

struct FheBlockSync {
    __device__ __forceinline__ void operator()() const { __syncthreads(); }
};

__device__ __forceinline__ uint64_t fhe_item_id() { return (uint64_t)blockIdx.x * blockDim.x + threadIdx.x; }

// One block per ciphertext: u64 big LWE → u32 LWE mod 2^q. Dynamic shared memory:
// FHE_KS_TILE · ks_level words.
extern "C" __global__ void fhe_keyswitch(FheCfg cfg, const uint32_t *ksk, const uint64_t *big_in, uint32_t *small) {
    extern __shared__ uint32_t fhe_ks_digits[];
    uint32_t c = blockIdx.x;
    if (c >= cfg.batch) return;
    FheBlockSync sync;
    fhe_keyswitch_block(cfg, ksk, big_in, small, fhe_ks_digits, c, threadIdx.x, blockDim.x, sync);
}

// One thread per (ciphertext, word): switch to 2N.
extern "C" __global__ void fhe_mod_switch(FheCfg cfg, const uint32_t *small, uint32_t *ms) {
    uint64_t id = fhe_item_id();
    if (id >= cfg.count) return;
    uint32_t n1 = cfg.n + 1;
    uint32_t c = (uint32_t)(id / n1);
    ms[id] = fhe_mod_switch_word(cfg, small, c, (uint32_t)(id - (uint64_t)c * n1));
}

// One thread per accumulator word: acc ← the ciphertext's LUT.
extern "C" __global__ void fhe_lut_init(FheCfg cfg, const uint64_t *luts, const uint32_t *lut_idx, uint64_t *acc) {
    uint64_t id = fhe_item_id();
    if (id >= cfg.count) return;
    uint64_t c = id / cfg.lut_words;
    acc[id] = luts[(uint64_t)lut_idx[c] * cfg.lut_words + (id - c * cfg.lut_words)];
}

// One block per ciphertext; dynamic shared memory: N words for the NTT, plus (k + 1)·N words for
// the NTT-domain sums when cfg.nacc_shared (the host sets it when the total fits in 48 KB, e.g.
// k = 1, N = 2048); otherwise the sums live in `nacc` (global, (k + 1)·N words per ciphertext).
extern "C" __global__ void fhe_blind_rotate(FheCfg cfg, const uint64_t *bsk, const uint64_t *tw, const uint32_t *ms,
                                            uint64_t *acc, uint64_t *nacc) {
    extern __shared__ uint64_t fhe_sh[];
    uint32_t c = blockIdx.x;
    if (c >= cfg.batch) return;
    uint64_t *na = cfg.nacc_shared ? fhe_sh + cfg.poly : nacc + (uint64_t)c * cfg.gs * cfg.poly;
    FheBlockSync sync;
    fhe_blind_rotate_block(cfg, bsk, tw, ms, acc, na, fhe_sh, c, threadIdx.x, blockDim.x, sync);
}

// One thread per output word.
extern "C" __global__ void fhe_extract(FheCfg cfg, const uint32_t *ms, const uint64_t *acc, const uint32_t *slots,
                                       uint64_t *out) {
    uint64_t id = fhe_item_id();
    if (id >= cfg.count) return;
    out[id] = fhe_extract_word(cfg, ms, acc, slots, id);
}
