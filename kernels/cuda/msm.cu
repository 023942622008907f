// MSM entry points (see msm/msm.cuh for the pipeline). Launch shapes are chosen by
// engine/backend-cuda/src/msm.rs (128 threads per block, stated in __launch_bounds__).
#include "msm/msm.cuh"

#define MSM_TID() ((uint32_t)(blockIdx.x * blockDim.x + threadIdx.x))

extern "C" __global__ void __launch_bounds__(128) msm_digits(const Fr *scalars, uint32_t n, uint32_t c, uint32_t windows,
                                      uint32_t fixed_base, int32_t *digits, uint32_t *counts) {
    uint32_t i = MSM_TID();
    if (i >= n) return;
    msm_digits_thread(scalars, n, c, windows, fixed_base, digits, counts, i);
}

extern "C" __global__ void __launch_bounds__(128) msm_scatter(const int32_t *digits, uint32_t n, uint32_t c, uint32_t windows,
                                       uint32_t fixed_base, uint32_t point_base, uint32_t *cursor,
                                       uint32_t *entries) {
    uint32_t i = MSM_TID();
    if (i >= n) return;
    msm_scatter_thread(digits, n, c, windows, fixed_base, point_base, cursor, entries, i);
}

// chunks[2k] = start, chunks[2k+1] = length.
extern "C" __global__ void __launch_bounds__(128) msm_accumulate_chunks(const G1Affine *points, const uint32_t *entries,
                                                 const uint32_t *chunks, uint32_t num_chunks,
                                                 G1Xyzz *partial) {
    uint32_t k = MSM_TID();
    if (k >= num_chunks) return;
    partial[k] = msm_chunk_sum(points, entries, chunks[2 * k], chunks[2 * k + 1]);
}

// Sums ranges [off[b], off[b+1]): bucket partials, and every level of the host-driven tree
// reductions (bucket chunks, window segments). off has num_buckets + 1 entries.
extern "C" __global__ void __launch_bounds__(128) msm_reduce_buckets(const G1Xyzz *partial, const uint32_t *chunk_off,
                                              uint32_t num_buckets, G1Xyzz *buckets) {
    uint32_t b = MSM_TID();
    if (b >= num_buckets) return;
    buckets[b] = msm_sum_range(partial, chunk_off[b], chunk_off[b + 1]);
}

// sets x segs threads; set s owns buckets [s*per_set, (s+1)*per_set).
extern "C" __global__ void __launch_bounds__(128) msm_window_segments(const G1Xyzz *buckets, uint32_t per_set, uint32_t sets,
                                               uint32_t seg_len, uint32_t segs, G1Xyzz *seg_out) {
    uint32_t k = MSM_TID();
    if (k >= sets * segs) return;
    seg_out[k] = msm_window_segment_thread(buckets, per_set, seg_len, segs, k);
}
