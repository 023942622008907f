// TFHE KS32 keyswitch and NTT64 ("back and forth") programmable bootstrap over Goldilocks
// (p = 2^64 − 2^32 + 1), bit-exact with gloam-fhe (engine/fhe/src/{ntt,decompose,keyswitch,pbs}.rs),
// itself byte-identical to tfhe-rs 1.8.2.
//
// Everything here is GLOAM_HD so that the host-emulation test (engine/fhe-gpu/tests/host/
// harness.cpp) runs the very same code: per-item bodies in loops, and the blind-rotation block
// body (`fhe_blind_rotate_block`) on host threads with a host barrier in place of
// __syncthreads (the body is a template over its barrier).
#pragma once

#include "../common.cuh"

// Launch parameters shared by every kernel of the module (passed by value).
struct FheCfg {
    uint32_t batch;
    uint32_t n;       // small LWE dimension
    uint32_t big_n;   // k·N
    uint32_t poly;    // N
    uint32_t log_poly;
    uint32_t gs;      // k + 1
    uint32_t pbs_base_log;
    uint32_t pbs_level;
    uint32_t ks_base_log;
    uint32_t ks_level;
    uint32_t ks_mod_log;
    uint32_t centered;
    uint32_t row_begin;
    uint32_t row_end;
    uint32_t count;      // work items of a per-item kernel
    uint32_t lut_words;  // (k + 1)·N
    uint32_t nacc_shared;  // 1: the blind rotation keeps its NTT-domain sums in shared memory
};

#define FHE_P 0xffffffff00000001ULL
#define FHE_EPS 0xffffffffULL

// ---- Goldilocks (gloam-fhe ntt.rs) ----

GLOAM_HD uint64_t fhe_canonical(uint64_t x) { return x >= FHE_P ? x - FHE_P : x; }

GLOAM_HD uint64_t fhe_add(uint64_t a, uint64_t b) {
    uint64_t s = a + b;
    // a + b − 2^64 ≡ a + b + ε
    if (s < a) s += FHE_EPS;
    return fhe_canonical(s);
}

GLOAM_HD uint64_t fhe_sub(uint64_t a, uint64_t b) {
    uint64_t d = a - b;
    if (a < b) d -= FHE_EPS;
    return d;
}

// lo + 2^64·(h0 + 2^32·h1) ≡ lo − h1 + h0·(2^32 − 1)
GLOAM_HD uint64_t fhe_reduce128(uint64_t lo, uint64_t hi) {
    uint64_t h1 = hi >> 32;
    uint64_t h0 = hi & FHE_EPS;
    uint64_t t0 = lo - h1;
    if (lo < h1) t0 -= FHE_EPS;
    uint64_t t1 = (h0 << 32) - h0;
    uint64_t r = t0 + t1;
    if (r < t0) r += FHE_EPS;
    return fhe_canonical(r);
}

GLOAM_HD uint64_t fhe_mul(uint64_t a, uint64_t b) { return fhe_reduce128(a * b, gloam_mulhi(a, b)); }

// ⌊(v·2^64 + ⌊p/2⌋)/p⌋ for v < p (gloam-fhe pbs.rs `mod_p_to_native`): r = v·ε + ⌊p/2⌋ < 2^96,
// quotient v + ⌊r/p⌋ from q = ⌊r/2^64⌋ and at most three corrections.
GLOAM_HD uint64_t fhe_to_native(uint64_t v) {
    const uint64_t half_p = FHE_P >> 1;
    uint64_t lo = v * FHE_EPS;
    uint64_t hi = gloam_mulhi(v, FHE_EPS);
    uint64_t r_lo = lo + half_p;
    hi += (r_lo < lo);
    uint64_t q = hi;
    // rem = r_lo + q·ε as a 65-bit value (rem_hi ∈ {0, 1})
    uint64_t qe = q * FHE_EPS;
    uint64_t rem = r_lo + qe;
    uint64_t rem_hi = (rem < r_lo);
    for (int i = 0; i < 3; i++) {
        bool ge = rem_hi != 0 || rem >= FHE_P;
        if (ge) {
            q += 1;
            uint64_t nr = rem - FHE_P;
            rem_hi -= (rem < FHE_P);
            rem = nr;
        }
    }
    return v + q;
}

// ---- tfhe signed decomposition (gloam-fhe decompose.rs) ----

GLOAM_HD uint64_t fhe_decomp_init(uint64_t x, uint32_t base_log, uint32_t level) {
    uint32_t rep = base_log * level;
    uint64_t res = x >> (63 - rep);
    uint64_t rounding_bit = res & 1;
    res += 1;
    res >>= 1;
    res &= ~0ULL >> (64 - rep);
    uint64_t need_balance = (((res - 1) | (rounding_bit << (rep - 1))) & res) >> (rep - 1);
    return res - (need_balance << rep);
}

GLOAM_HD uint64_t fhe_next_digit(uint64_t &state, uint32_t base_log) {
    uint64_t res = state & ((1ULL << base_log) - 1);
    state = (uint64_t)((int64_t)state >> base_log);
    uint64_t carry = ((res - 1) | state) & res;
    carry >>= base_log - 1;
    state += carry;
    return res - (carry << base_log);
}

GLOAM_HD uint64_t fhe_digit_to_p(uint64_t d) { return (int64_t)d < 0 ? d + FHE_P : d; }

GLOAM_HD uint32_t fhe_mod_switch_u32(uint32_t x, uint32_t log_2n) {
    return (x + (1u << (31 - log_2n))) >> (32 - log_2n);
}

// ---- per-item bodies ----

// Inputs whose digits one keyswitch block computes at a time (shared memory: TILE · level u32).
#define FHE_KS_TILE 64

// The keyswitch of ciphertext c by one block (gloam-fhe keyswitch.rs): each thread owns output
// words o = o0 + tid; the block decomposes FHE_KS_TILE input words at a time into `digits`
// (shared), then every thread runs the multiply-subtract over the tile for its word (key reads
// coalesced across the block). Digits are recomputed once per ⌈(n + 1)/nthr⌉ output blocks, not
// once per output word.
template <typename Sync>
GLOAM_HD void fhe_keyswitch_block(const FheCfg &cfg, const uint32_t *ksk, const uint64_t *big_in, uint32_t *small,
                                  uint32_t *digits, uint32_t c, uint32_t tid, uint32_t nthr, Sync &sync) {
    uint32_t n1 = cfg.n + 1;
    uint32_t lv = cfg.ks_level;
    const uint64_t *in = big_in + (uint64_t)c * (cfg.big_n + 1);
    for (uint32_t o0 = 0; o0 < n1; o0 += nthr) {
        uint32_t o = o0 + tid;
        uint32_t acc = 0;
        if (o == cfg.n) {
            // closest_representable(b, q) >> 32
            uint32_t shift = 63 - cfg.ks_mod_log;
            acc = (uint32_t)((((in[cfg.big_n] >> shift) + 1) & ~1ULL) << shift >> 32);
        }
        for (uint32_t i0 = 0; i0 < cfg.big_n; i0 += FHE_KS_TILE) {
            uint32_t tile = cfg.big_n - i0 < FHE_KS_TILE ? cfg.big_n - i0 : FHE_KS_TILE;
            for (uint32_t t = tid; t < tile; t += nthr) {
                uint64_t st = fhe_decomp_init(in[i0 + t], cfg.ks_base_log, lv);
                for (uint32_t l = 0; l < lv; l++) digits[t * lv + l] = (uint32_t)fhe_next_digit(st, cfg.ks_base_log);
            }
            sync();
            if (o < n1) {
                const uint32_t *rows = ksk + (uint64_t)i0 * lv * n1 + o;
                for (uint32_t t = 0; t < tile * lv; t++) acc -= rows[(uint64_t)t * n1] * digits[t];
            }
            sync();
        }
        if (o < n1) small[(uint64_t)c * n1 + o] = acc;
    }
}

// Switched word i of ciphertext c (the body with the centered correction when asked).
GLOAM_HD uint32_t fhe_mod_switch_word(const FheCfg &cfg, const uint32_t *small, uint32_t c, uint32_t i) {
    uint32_t n1 = cfg.n + 1;
    uint32_t log_2n = cfg.log_poly + 1;
    const uint32_t *ct = small + (uint64_t)c * n1;
    if (i < cfg.n) return fhe_mod_switch_u32(ct[i], log_2n);
    uint32_t body = ct[cfg.n];
    if (cfg.centered) {
        // gloam-fhe `centered_body_correction_u32`
        uint32_t sum_half = 0;
        int64_t sum_halving_doubled = 0;
        for (uint32_t j = 0; j < cfg.n; j++) {
            uint32_t a = ct[j];
            uint32_t rounded = fhe_mod_switch_u32(a, log_2n) << (32 - log_2n);
            int32_t err = (int32_t)(rounded - a);
            int32_t half = err / 2;
            sum_half += (uint32_t)half;
            sum_halving_doubled += (int64_t)(2 * half) - err;
        }
        uint32_t sum_halving = (uint32_t)(int32_t)(sum_halving_doubled / 2);
        body += sum_half - sum_halving - (1u << (31 - log_2n));
    }
    return fhe_mod_switch_u32(body, log_2n);
}

// Coefficient x of (poly · X^a) mod X^N + 1, a in [0, 2N).
GLOAM_HD uint64_t fhe_rotated(const uint64_t *poly, uint32_t nn, uint32_t a, uint32_t x) {
    bool neg = false;
    uint32_t s = a;
    if (s >= nn) {
        s -= nn;
        neg = true;
    }
    uint64_t v;
    if (x >= s) {
        v = poly[x - s];
    } else {
        v = poly[x + nn - s];
        neg = !neg;
    }
    return neg ? (uint64_t)0 - v : v;
}

// Output word `id` of the extraction pass: slot = (ciphertext, degree); rotation by X^(−b) then
// sample extraction (gloam-fhe pbs.rs `extract_sample`).
GLOAM_HD uint64_t fhe_extract_word(const FheCfg &cfg, const uint32_t *ms, const uint64_t *acc, const uint32_t *slots,
                                   uint64_t id) {
    uint32_t nn = cfg.poly;
    uint64_t wpo = cfg.big_n + 1;
    uint64_t s = id / wpo;
    uint32_t w = (uint32_t)(id - s * wpo);
    uint32_t c = slots[2 * s];
    uint32_t d = slots[2 * s + 1];
    uint32_t b = ms[(uint64_t)c * (cfg.n + 1) + cfg.n];
    uint32_t kr = b == 0 ? 0 : 2 * nn - b;
    const uint64_t *base = acc + (uint64_t)c * cfg.gs * nn;
    if (w < cfg.big_n) {
        uint32_t p = w / nn;
        uint32_t i = w - p * nn;
        if (i <= d) return fhe_rotated(base + (uint64_t)p * nn, nn, kr, d - i);
        return (uint64_t)0 - fhe_rotated(base + (uint64_t)p * nn, nn, kr, nn + d - i);
    }
    return fhe_rotated(base + (uint64_t)(cfg.gs - 1) * nn, nn, kr, d);
}

// ---- NTT in shared memory (gloam-fhe ntt.rs: Cooley–Tukey forward with ψ^bitrev twiddles,
// natural in, bit-reversed out; Gentleman–Sande inverse without 1/N). tw = [ψ^bitrev(i)]_N ‖
// [ψ^−bitrev(i)]_N. ----

template <typename Sync>
GLOAM_HD void fhe_ntt_forward(uint64_t *sh, const uint64_t *tw, uint32_t nn, uint32_t log_n, uint32_t tid,
                              uint32_t nthr, Sync &sync) {
    uint32_t m = 1;
    for (uint32_t s = 0; s < log_n; s++) {
        uint32_t log_t = log_n - 1 - s;
        uint32_t t = 1u << log_t;
        for (uint32_t b = tid; b < nn / 2; b += nthr) {
            uint32_t blk = b >> log_t;
            uint32_t j = b & (t - 1);
            uint32_t i0 = (blk << (log_t + 1)) + j;
            uint32_t i1 = i0 + t;
            uint64_t u = sh[i0];
            uint64_t v = fhe_mul(sh[i1], tw[m + blk]);
            sh[i0] = fhe_add(u, v);
            sh[i1] = fhe_sub(u, v);
        }
        sync();
        m <<= 1;
    }
}

template <typename Sync>
GLOAM_HD void fhe_ntt_inverse(uint64_t *sh, const uint64_t *tw, uint32_t nn, uint32_t log_n, uint32_t tid,
                              uint32_t nthr, Sync &sync) {
    uint32_t m = nn >> 1;
    for (uint32_t s = 0; s < log_n; s++) {
        uint32_t log_t = s;
        uint32_t t = 1u << log_t;
        for (uint32_t b = tid; b < nn / 2; b += nthr) {
            uint32_t blk = b >> log_t;
            uint32_t j = b & (t - 1);
            uint32_t i0 = (blk << (log_t + 1)) + j;
            uint32_t i1 = i0 + t;
            uint64_t u = sh[i0];
            uint64_t v = sh[i1];
            sh[i0] = fhe_add(u, v);
            sh[i1] = fhe_mul(fhe_sub(u, v), tw[nn + m + blk]);
        }
        sync();
        m >>= 1;
    }
}

// ---- blind rotation: the body of one block (one ciphertext c), key rows [row_begin, row_end).
// acc (mod 2^64, all ciphertexts) and na (this ciphertext's NTT-domain sums mod p, (k+1)·N words:
// shared or global memory) ; sh holds one polynomial (N words). Every thread of the block calls
// this with its tid. ----

template <typename Sync>
GLOAM_HD void fhe_blind_rotate_block(const FheCfg &cfg, const uint64_t *bsk, const uint64_t *tw, const uint32_t *ms,
                                     uint64_t *acc, uint64_t *na, uint64_t *sh, uint32_t c, uint32_t tid,
                                     uint32_t nthr, Sync &sync) {
    uint32_t nn = cfg.poly;
    uint32_t gs = cfg.gs;
    uint32_t lv = cfg.pbs_level;
    uint32_t bl = cfg.pbs_base_log;
    uint64_t *ac = acc + (uint64_t)c * gs * nn;
    const uint32_t *msc = ms + (uint64_t)c * (cfg.n + 1);
    for (uint32_t i = cfg.row_begin; i < cfg.row_end; i++) {
        uint32_t a = msc[i];
        // tfhe skips rows whose switched mask element is 0 (the same value for the whole block).
        if (a == 0) continue;
        for (uint32_t j = 0; j < gs; j++) {
            const uint64_t *pj = ac + (uint64_t)j * nn;
            for (uint32_t l = 0; l < lv; l++) {
                // ct1 = acc_j·X^a − acc_j; digit l of its decomposition, into Z_p
                for (uint32_t x = tid; x < nn; x += nthr) {
                    uint64_t v = fhe_rotated(pj, nn, a, x) - pj[x];
                    uint64_t st = fhe_decomp_init(v, bl, lv);
                    uint64_t d = 0;
                    for (uint32_t q = 0; q <= l; q++) d = fhe_next_digit(st, bl);
                    sh[x] = fhe_digit_to_p(d);
                }
                sync();
                fhe_ntt_forward(sh, tw, nn, cfg.log_poly, tid, nthr, sync);
                const uint64_t *key = bsk + (((uint64_t)i * lv + l) * gs + j) * gs * nn;
                bool first = j == 0 && l == 0;
                for (uint32_t k = 0; k < gs; k++) {
                    for (uint32_t x = tid; x < nn; x += nthr) {
                        uint64_t prod = fhe_mul(sh[x], key[(uint64_t)k * nn + x]);
                        uint64_t *dst = na + (uint64_t)k * nn + x;
                        *dst = first ? prod : fhe_add(*dst, prod);
                    }
                }
                sync();
            }
        }
        for (uint32_t k = 0; k < gs; k++) {
            uint64_t *pk = ac + (uint64_t)k * nn;
            for (uint32_t x = tid; x < nn; x += nthr) sh[x] = na[(uint64_t)k * nn + x];
            sync();
            fhe_ntt_inverse(sh, tw, nn, cfg.log_poly, tid, nthr, sync);
            for (uint32_t x = tid; x < nn; x += nthr) pk[x] += fhe_to_native(sh[x]);
            sync();
        }
    }
}
