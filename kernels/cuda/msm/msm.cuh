// Pippenger MSM over BLS12-381 G1 with signed window digits, bucketed by counting sort.
//
// Pipeline (one GPU pass per step; engine/backend-cuda/src/msm.rs drives it):
//  1. digits:     each scalar (Montgomery limbs, converted in the thread) -> `windows` signed c-bit digits in
//                 [-2^(c-1), 2^(c-1)]; a count per bucket (bucket = window, |digit|-1).
//  2. host:       prefix sum of the counts; buckets are cut into chunks of at most 32
//                 entries so one crowded bucket (a constant blob puts every point in one)
//                 is spread over many threads instead of one.
//  3. scatter:    entry = point index | sign << 31, placed at the bucket's cursor.
//  4. chunks:     one thread sums one chunk with mixed XYZZ + affine additions.
//  5. buckets:    chunk partials are summed per bucket by a tree: each level, one thread adds
//                 at most 16 consecutive points of one bucket (ranges computed on the host).
//  6. segments:   per window, buckets are split into segments and each thread runs the
//                 running-sum trick over its segment, then adds lo * (segment sum), so that the
//                 window total sum_b (b+1) S_b is a plain sum of segment results.
//  7. windows:    the same tree sums each window's segments; the host does the final Horner
//                 combination over windows (a few hundred doublings).
// Point order inside a bucket depends on atomics, but group addition is commutative and the
// host returns a normalised point, so results are bit-identical run to run.
//
// A batch of MSMs runs as one pipeline: steps 1 and 3 are launched per MSM on its slice of the
// digit, count and cursor buffers; from step 4 on, every MSM's windows are just more sets.
//
// Fixed-base MSMs reuse the pipeline with one window set: the table holds 2^(c*w) * P_i at
// index w*n + i (the precomputation of the ZPrize MSM entries, see the KZG notes), so every
// window's digit lands in the same buckets.
#pragma once
#include "../curve/g1.cuh"
#include "../ff/fr.cuh"

#define MSM_NEG_BIT 0x80000000u

// c bits of a 256-bit little-endian scalar starting at `bit` (bits past 255 read as zero).
GLOAM_HD uint32_t msm_window_bits(const uint32_t *s, uint32_t bit, uint32_t c) {
    if (bit >= 256) return 0;
    uint32_t word = bit >> 5, shift = bit & 31;
    uint64_t v = s[word];
    if (word + 1 < 8) v |= (uint64_t)s[word + 1] << 32;
    return (uint32_t)(v >> shift) & ((1u << c) - 1);
}

// Signed digits with sum_w d_w 2^(c w) = s. A digit at or above 2^(c-1) becomes d - 2^c with a
// carry into the next window, except in the last window, which keeps it (the caller picks
// windows with windows*c >= 256 > 255 bits of any scalar < r, so the last raw value is at most
// 2^(c-1) and no carry is lost). Every |d_w| is then in [0, 2^(c-1)].
GLOAM_HD void msm_signed_digits(const uint32_t *s, uint32_t c, uint32_t windows, int32_t *out) {
    uint32_t carry = 0;
    uint32_t half = 1u << (c - 1);
    for (uint32_t w = 0; w < windows; w++) {
        uint32_t raw = msm_window_bits(s, w * c, c) + carry;
        if (raw >= half && w + 1 < windows) {
            out[w] = (int32_t)raw - (int32_t)(1u << c);
            carry = 1;
        } else {
            out[w] = (int32_t)raw;
            carry = 0;
        }
    }
}

// Bucket of a nonzero digit: window w's buckets are [w*B, (w+1)*B) with B = 2^(c-1); a fixed
// base table has a single set.
GLOAM_HD uint32_t msm_bucket(uint32_t w, int32_t d, uint32_t c, uint32_t fixed_base) {
    uint32_t mag = (uint32_t)(d < 0 ? -d : d);
    uint32_t set = fixed_base ? 0 : w;
    return (set << (c - 1)) + mag - 1;
}

// Montgomery form (what arkworks stores and the host uploads unchanged) to the integer the
// digits are read from: a Montgomery product with a plain 1 multiplies by R^-1.
GLOAM_HD void msm_scalar_words(const Fr &mont, uint32_t *s) {
    Fr raw_one = Fr::zero();
    raw_one.l[0] = 1;
    Fr v = mont * raw_one;
    for (int k = 0; k < 4; k++) {
        s[2 * k] = (uint32_t)v.l[k];
        s[2 * k + 1] = (uint32_t)(v.l[k] >> 32);
    }
}

// Step 1 for point i (scalars in Montgomery form). digits is [windows][n].
GLOAM_HD void msm_digits_thread(const Fr *scalars, uint32_t n, uint32_t c, uint32_t windows,
                                uint32_t fixed_base, int32_t *digits, uint32_t *counts, uint32_t i) {
    int32_t d[64];
    uint32_t s[8];
    msm_scalar_words(scalars[i], s);
    msm_signed_digits(s, c, windows, d);
    for (uint32_t w = 0; w < windows; w++) {
        digits[(uint64_t)w * n + i] = d[w];
        if (d[w] != 0) gloam_atomic_add(&counts[msm_bucket(w, d[w], c, fixed_base)], 1);
    }
}

// Step 3 for point i: cursor starts as the exclusive prefix sum of counts. point_base places
// this MSM's points inside a batch's concatenated point buffer.
GLOAM_HD void msm_scatter_thread(const int32_t *digits, uint32_t n, uint32_t c, uint32_t windows,
                                 uint32_t fixed_base, uint32_t point_base, uint32_t *cursor,
                                 uint32_t *entries, uint32_t i) {
    for (uint32_t w = 0; w < windows; w++) {
        int32_t d = digits[(uint64_t)w * n + i];
        if (d == 0) continue;
        uint32_t point = point_base + (fixed_base ? w * n + i : i);
        uint32_t pos = gloam_atomic_add(&cursor[msm_bucket(w, d, c, fixed_base)], 1);
        entries[pos] = point | (d < 0 ? MSM_NEG_BIT : 0u);
    }
}

// Step 4: sum of the `len` signed points starting at entries[start].
GLOAM_HD G1Xyzz msm_chunk_sum(const G1Affine *points, const uint32_t *entries, uint32_t start,
                              uint32_t len) {
    G1Xyzz acc = G1Xyzz::inf();
    for (uint32_t k = 0; k < len; k++) {
        uint32_t e = entries[start + k];
        G1Affine p = points[e & ~MSM_NEG_BIT];
        acc = acc.add_affine((e & MSM_NEG_BIT) ? p.neg() : p);
    }
    return acc;
}

// Step 5: sum of partial[from..to).
GLOAM_HD G1Xyzz msm_sum_range(const G1Xyzz *partial, uint32_t from, uint32_t to) {
    G1Xyzz acc = G1Xyzz::inf();
    for (uint32_t k = from; k < to; k++) acc = acc.add(partial[k]);
    return acc;
}

// Step 6: with buckets S_lo..S_(hi-1) of one window (bucket b holds digit b+1), returns
// sum_{b in [lo,hi)} (b+1) S_b = sum (b-lo+1) S_b + lo * sum S_b.
GLOAM_HD G1Xyzz msm_segment_thread(const G1Xyzz *buckets, uint32_t lo, uint32_t hi) {
    G1Xyzz running = G1Xyzz::inf();
    G1Xyzz acc = G1Xyzz::inf();
    for (uint32_t b = hi; b > lo; b--) {
        running = running.add(buckets[b - 1]);
        acc = acc.add(running);
    }
    return acc.add(running.mul_u32(lo));
}

// Step 6 for thread k of the msm_window_segments launch: segment k % segs of set k / segs.
GLOAM_HD G1Xyzz msm_window_segment_thread(const G1Xyzz *buckets, uint32_t per_set, uint32_t seg_len,
                                          uint32_t segs, uint32_t k) {
    uint32_t s = k / segs, t = k % segs;
    uint32_t lo = t * seg_len;
    uint32_t hi = lo + seg_len < per_set ? lo + seg_len : per_set;
    if (lo >= hi) return G1Xyzz::inf();
    return msm_segment_thread(buckets + (uint64_t)s * per_set, lo, hi);
}
