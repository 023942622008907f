// Radix-2 NTT over Fr, decimation in frequency (Gentleman-Sande): natural-order input, the
// large-span stages run as global-memory passes of two stages each (one if the count is odd), the last log2(tile) stages (spans that
// fit one thread block) run fused in shared memory, and a final bit-reversal pass restores
// natural order while applying the 1/n and coset factors. Conventions are arkworks'
// Radix2EvaluationDomain (engine/core/src/domain.rs); twiddles w^0..w^(n/2-1) are computed on
// the host and uploaded once per size and direction.
//
// Every function here is the body of one GPU thread, written so the host emulation can call
// it in loops and check the exact same code against arkworks.
#pragma once
#include "../ff/fr.cuh"

// (a, b) -> (a + b, (a - b) * w)
GLOAM_HD void ntt_dif_butterfly(Fr &a, Fr &b, const Fr &w) {
    Fr t = a - b;
    a = a + b;
    b = t * w;
}

// Butterfly j (0 <= j < n/2) of the stage whose pairs are 2^log_half apart: element indices and
// the index into the twiddle table of the size-n transform.
GLOAM_HD void ntt_dif_indices(uint32_t j, uint32_t log_half, uint32_t log_n, uint32_t &i0,
                              uint32_t &i1, uint32_t &tw) {
    uint32_t half = 1u << log_half;
    uint32_t k = j & (half - 1);
    uint32_t group = j >> log_half;
    i0 = (group << (log_half + 1)) + k;
    i1 = i0 + half;
    tw = k << (log_n - 1 - log_half);
}

GLOAM_HD uint32_t ntt_bitrev(uint32_t x, uint32_t log_n) {
    if (log_n == 0) return 0;
#if defined(__CUDA_ARCH__)
    return __brev(x) >> (32 - log_n);
#else
    uint32_t r = 0;
    for (uint32_t i = 0; i < log_n; i++) r |= ((x >> i) & 1u) << (log_n - 1 - i);
    return r;
#endif
}

// base^i from pw[k] = base^(2^k): at most log_n multiplications, no n-sized power table.
GLOAM_HD Fr ntt_pow_from_table(const Fr *pw, uint32_t i) {
    Fr acc = Fr::one();
    for (uint32_t k = 0; i != 0; k++, i >>= 1)
        if (i & 1) acc = acc * pw[k];
    return acc;
}

// One butterfly of a global stage; thread t covers butterfly t of a batch of transforms.
GLOAM_HD void ntt_dif_stage_thread(Fr *data, const Fr *tw, uint32_t log_n, uint32_t log_half,
                                   uint64_t t) {
    uint64_t item = t >> (log_n - 1);
    uint32_t j = (uint32_t)(t & ((1ull << (log_n - 1)) - 1));
    uint32_t i0, i1, w;
    ntt_dif_indices(j, log_half, log_n, i0, i1, w);
    Fr *v = data + (item << log_n);
    Fr a = v[i0], b = v[i1];
    ntt_dif_butterfly(a, b, tw[w]);
    v[i0] = a;
    v[i1] = b;
}

// Two consecutive global stages in one pass (radix-4 shape), halving device-memory traffic:
// thread t loads the four elements that stages 2^log_half and 2^(log_half-1) combine, applies
// both, and stores them once. log_half >= 1; n/4 threads per transform.
GLOAM_HD void ntt_dif_stage2_thread(Fr *data, const Fr *tw, uint32_t log_n, uint32_t log_half,
                                    uint64_t t) {
    uint64_t item = t >> (log_n - 2);
    uint32_t j = (uint32_t)(t & ((1ull << (log_n - 2)) - 1));
    uint32_t q = 1u << (log_half - 1), h = q << 1;
    uint32_t k = j & (q - 1);
    uint32_t base = ((j >> (log_half - 1)) << (log_half + 1)) + k;
    Fr *v = data + (item << log_n);
    Fr a0 = v[base], a1 = v[base + q], a2 = v[base + h], a3 = v[base + h + q];
    uint32_t sa = log_n - 1 - log_half;
    ntt_dif_butterfly(a0, a2, tw[k << sa]);
    ntt_dif_butterfly(a1, a3, tw[(k + q) << sa]);
    Fr wb = tw[k << (sa + 1)];
    ntt_dif_butterfly(a0, a1, wb);
    ntt_dif_butterfly(a2, a3, wb);
    v[base] = a0;
    v[base + q] = a1;
    v[base + h] = a2;
    v[base + h + q] = a3;
}

// Factors for the final pass: flags bit 0 multiplies by consts[0] (1/n), bit 1 by base^i with
// consts[1 + k] = base^(2^k) (the inverse coset offset).
#define NTT_SCALE_CONST 1u
#define NTT_SCALE_POWERS 2u

GLOAM_HD Fr ntt_factor(const Fr *consts, uint32_t flags, uint32_t i) {
    Fr f = (flags & NTT_SCALE_CONST) ? consts[0] : Fr::one();
    if (flags & NTT_SCALE_POWERS) f = f * ntt_pow_from_table(consts + 1, i);
    return f;
}

// Bit-reversal in place plus scaling: thread i owns the pair (i, rev(i)) when i <= rev(i), so
// no two threads touch the same element.
GLOAM_HD void ntt_bitrev_scale_thread(Fr *data, uint32_t log_n, const Fr *consts, uint32_t flags,
                                      uint64_t t) {
    uint64_t item = t >> log_n;
    uint32_t i = (uint32_t)(t & ((1ull << log_n) - 1));
    uint32_t r = ntt_bitrev(i, log_n);
    if (i > r) return;
    Fr *v = data + (item << log_n);
    Fr a = v[i], b = v[r];
    if (flags) {
        b = b * ntt_factor(consts, flags, i);
        a = a * ntt_factor(consts, flags, r);
    }
    // For a fixed point (i == r) a and b are the same element, scaled identically.
    v[r] = a;
    v[i] = b;
}

// Coset pre-scaling for the forward transform: coefficient i times g^i (consts as above).
GLOAM_HD void ntt_coset_scale_thread(Fr *data, uint32_t log_n, const Fr *consts, uint64_t t) {
    uint32_t i = (uint32_t)(t & ((1ull << log_n) - 1));
    data[t] = data[t] * ntt_pow_from_table(consts + 1, i);
}
