// Portability layer: the same arithmetic headers compile under NVRTC (device code) and under a
// host C++ compiler (the host-emulation tests in engine/backend-cuda), so every field, curve, NTT
// and MSM routine that runs on the GPU is also checked against arkworks on a machine without one.
#pragma once

#if defined(__CUDACC__)
#define GLOAM_HD __host__ __device__ __forceinline__
// Curve-level routines are called from many places; inlining every call multiplies code size
// (and NVRTC time) by the number of call sites, for no gain once the field ops are inlined.
#define GLOAM_HD_CALL __host__ __device__ __noinline__
#else
#define GLOAM_HD inline
#define GLOAM_HD_CALL inline
#endif

#if defined(__CUDACC_RTC__)
// NVRTC ships no libc headers; these are the only fixed-width types the kernels use.
typedef unsigned long long uint64_t;
typedef unsigned int uint32_t;
typedef int int32_t;
typedef long long int64_t;
#else
#include <stdint.h>
#endif

#if defined(__CUDA_ARCH__)
#define GLOAM_UNROLL _Pragma("unroll")
#else
#define GLOAM_UNROLL
#endif

// High 64 bits of a 64x64 product: one instruction pair on the GPU, __int128 on the host.
GLOAM_HD uint64_t gloam_mulhi(uint64_t a, uint64_t b) {
#if defined(__CUDA_ARCH__)
    return __umul64hi(a, b);
#else
    return (uint64_t)(((unsigned __int128)a * b) >> 64);
#endif
}

// (hi, lo) = a + b*c + carry. Cannot overflow: (2^64-1)^2 + 2(2^64-1) = 2^128 - 1.
GLOAM_HD uint64_t gloam_mac(uint64_t a, uint64_t b, uint64_t c, uint64_t &carry) {
    uint64_t lo = b * c;
    uint64_t hi = gloam_mulhi(b, c);
    lo += a;
    hi += (lo < a);
    lo += carry;
    hi += (lo < carry);
    carry = hi;
    return lo;
}

// a + b + carry, carry in {0,1} updated.
GLOAM_HD uint64_t gloam_adc(uint64_t a, uint64_t b, uint64_t &carry) {
    uint64_t s = a + b;
    uint64_t c1 = s < a;
    uint64_t t = s + carry;
    uint64_t c2 = t < s;
    carry = c1 | c2;
    return t;
}

// a - b - borrow, borrow in {0,1} updated.
GLOAM_HD uint64_t gloam_sbb(uint64_t a, uint64_t b, uint64_t &borrow) {
    uint64_t d = a - b;
    uint64_t b1 = a < b;
    uint64_t t = d - borrow;
    uint64_t b2 = d < borrow;
    borrow = b1 | b2;
    return t;
}

// Returns the old value. The host emulation runs threads one after another, so a plain
// increment has the same meaning there.
GLOAM_HD uint32_t gloam_atomic_add(uint32_t *p, uint32_t v) {
#if defined(__CUDA_ARCH__)
    return atomicAdd(p, v);
#else
    uint32_t old = *p;
    *p = old + v;
    return old;
#endif
}
