// Montgomery arithmetic over N x 64-bit limbs with R = 2^(64N), the representation arkworks
// stores, so device buffers are the host's bytes unchanged (engine/core/src/layout.rs).
// Every result is fully reduced (< p): equal values then have equal bytes, which is what the
// differential tests compare. Multiplication is CIOS (Koc, Acar, Kaliski, "Analyzing and
// Comparing Montgomery Multiplication Algorithms", IEEE Micro 1996).
#pragma once
#include "../common.cuh"

template <class P> struct Mont;
template <class P> GLOAM_HD_CALL Mont<P> mont_mul(Mont<P> a, Mont<P> b);

// P supplies: N, INV (-p^-1 mod 2^64), p(i) and one(i) (R mod p), limb by limb.
template <class P>
struct Mont {
    uint64_t l[P::N];

    GLOAM_HD static Mont zero() {
        Mont r;
        GLOAM_UNROLL for (int i = 0; i < P::N; i++) r.l[i] = 0;
        return r;
    }
    GLOAM_HD static Mont one() {
        Mont r;
        GLOAM_UNROLL for (int i = 0; i < P::N; i++) r.l[i] = P::one(i);
        return r;
    }
    GLOAM_HD bool is_zero() const {
        uint64_t acc = 0;
        GLOAM_UNROLL for (int i = 0; i < P::N; i++) acc |= l[i];
        return acc == 0;
    }
    GLOAM_HD bool operator==(const Mont &o) const {
        uint64_t acc = 0;
        GLOAM_UNROLL for (int i = 0; i < P::N; i++) acc |= l[i] ^ o.l[i];
        return acc == 0;
    }
    GLOAM_HD bool operator!=(const Mont &o) const { return !(*this == o); }

    // t -= p when t >= p (t < 2p on entry, plus an optional carry-out word `hi`).
    GLOAM_HD static void reduce_once(uint64_t *t, uint64_t hi) {
        uint64_t s[P::N];
        uint64_t borrow = 0;
        GLOAM_UNROLL for (int i = 0; i < P::N; i++) s[i] = gloam_sbb(t[i], P::p(i), borrow);
        // t >= p exactly when the subtraction did not borrow past the carry word.
        bool keep_sub = hi != 0 || borrow == 0;
        GLOAM_UNROLL for (int i = 0; i < P::N; i++) t[i] = keep_sub ? s[i] : t[i];
    }

    GLOAM_HD Mont operator+(const Mont &b) const {
        Mont r;
        uint64_t carry = 0;
        GLOAM_UNROLL for (int i = 0; i < P::N; i++) r.l[i] = gloam_adc(l[i], b.l[i], carry);
        reduce_once(r.l, carry);
        return r;
    }
    GLOAM_HD Mont operator-(const Mont &b) const {
        Mont r;
        uint64_t borrow = 0;
        GLOAM_UNROLL for (int i = 0; i < P::N; i++) r.l[i] = gloam_sbb(l[i], b.l[i], borrow);
        // Went negative: add p back (mask instead of a branch keeps warps converged).
        uint64_t mask = 0 - borrow;
        uint64_t carry = 0;
        GLOAM_UNROLL for (int i = 0; i < P::N; i++) r.l[i] = gloam_adc(r.l[i], P::p(i) & mask, carry);
        return r;
    }
    GLOAM_HD Mont neg() const { return zero() - *this; }
    GLOAM_HD Mont dbl() const { return *this + *this; }

    GLOAM_HD Mont operator*(const Mont &b) const { return mont_mul<P>(*this, b); }
    GLOAM_HD Mont sqr() const { return *this * *this; }

    // x^e for a small public exponent held in 64 bits (square-and-multiply, MSB first).
    GLOAM_HD Mont pow_u64(uint64_t e) const {
        Mont acc = one();
        for (int i = 63; i >= 0; i--) {
            acc = acc.sqr();
            if ((e >> i) & 1) acc = acc * *this;
        }
        return acc;
    }
};

// CIOS product. Not inlined on the device: a 6x6-limb product is ~700 instructions, so a call
// costs little, while inlining it at every call site made the MSM cubin 7x larger and NVRTC 15x
// slower. Operands are passed by value so they can travel in registers, not through the stack.
template <class P>
GLOAM_HD_CALL Mont<P> mont_mul(Mont<P> a, Mont<P> b) {
    uint64_t t[P::N + 2];
    GLOAM_UNROLL for (int i = 0; i < P::N + 2; i++) t[i] = 0;
    GLOAM_UNROLL for (int i = 0; i < P::N; i++) {
        uint64_t c = 0;
        GLOAM_UNROLL for (int j = 0; j < P::N; j++) t[j] = gloam_mac(t[j], a.l[j], b.l[i], c);
        uint64_t c2 = 0;
        t[P::N] = gloam_adc(t[P::N], c, c2);
        t[P::N + 1] = c2;
        uint64_t m = t[0] * P::INV;
        c = 0;
        (void)gloam_mac(t[0], m, P::p(0), c);
        GLOAM_UNROLL for (int j = 1; j < P::N; j++) t[j - 1] = gloam_mac(t[j], m, P::p(j), c);
        c2 = 0;
        t[P::N - 1] = gloam_adc(t[P::N], c, c2);
        t[P::N] = t[P::N + 1] + c2;
    }
    Mont<P> r;
    GLOAM_UNROLL for (int i = 0; i < P::N; i++) r.l[i] = t[i];
    Mont<P>::reduce_once(r.l, t[P::N]);
    return r;
}
