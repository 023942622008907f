// NTT entry points (see ntt/ntt.cuh for the algorithm). Launch shapes are chosen by
// engine/backend-cuda/src/ntt.rs; __launch_bounds__ states them so the compiler keeps register
// use low enough for a full block (a block of 512 threads may use at most 128 registers each).
#include "ntt/ntt.cuh"

extern "C" __global__ void __launch_bounds__(256) ntt_dif_stage(Fr *data, const Fr *tw, uint32_t log_n, uint32_t log_half,
                                         uint64_t butterflies) {
    uint64_t t = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (t >= butterflies) return;
    ntt_dif_stage_thread(data, tw, log_n, log_half, t);
}

extern "C" __global__ void __launch_bounds__(256) ntt_dif_stage2(Fr *data, const Fr *tw, uint32_t log_n,
                                                                  uint32_t log_half, uint64_t quads) {
    uint64_t t = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (t >= quads) return;
    ntt_dif_stage2_thread(data, tw, log_n, log_half, t);
}

// The last log_tile stages of a size-2^log_n transform: one block per tile of 2^log_tile
// consecutive elements, 2^(log_tile-1) threads, the tile held in dynamic shared memory.
extern "C" __global__ void __launch_bounds__(512) ntt_dif_fused(Fr *data, const Fr *tw, uint32_t log_n, uint32_t log_tile) {
    extern __shared__ uint64_t smem_words[];
    Fr *tile = reinterpret_cast<Fr *>(smem_words);
    uint32_t tile_len = 1u << log_tile;
    Fr *base = data + (uint64_t)blockIdx.x * tile_len;
    uint32_t t = threadIdx.x;
    tile[t] = base[t];
    tile[t + (tile_len >> 1)] = base[t + (tile_len >> 1)];
    __syncthreads();
    for (int log_half = (int)log_tile - 1; log_half >= 0; log_half--) {
        uint32_t i0, i1, w;
        ntt_dif_indices(t, (uint32_t)log_half, log_n, i0, i1, w);
        Fr a = tile[i0], b = tile[i1];
        ntt_dif_butterfly(a, b, tw[w]);
        tile[i0] = a;
        tile[i1] = b;
        __syncthreads();
    }
    base[t] = tile[t];
    base[t + (tile_len >> 1)] = tile[t + (tile_len >> 1)];
}

extern "C" __global__ void __launch_bounds__(256) ntt_bitrev_scale(Fr *data, uint32_t log_n, const Fr *consts,
                                            uint32_t flags, uint64_t total) {
    uint64_t t = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (t >= total) return;
    ntt_bitrev_scale_thread(data, log_n, consts, flags, t);
}

extern "C" __global__ void __launch_bounds__(256) ntt_coset_scale(Fr *data, uint32_t log_n, const Fr *consts, uint64_t total) {
    uint64_t t = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (t >= total) return;
    ntt_coset_scale_thread(data, log_n, consts, t);
}
