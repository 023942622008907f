// secp256k1 for batch ECDSA recovery / verification: the base field p = 2^256 − 2^32 − 977
// (SEC 2 §2.4.1) as 8 little-endian 32-bit limbs in plain form, Jacobian points (a = 0), and the
// per-signature double scalar multiplication u1·G + u2·P (Straus/Shamir, 4-bit windows, a
// 15-entry table of P per thread and a host-computed table of G). The same algorithm and item
// layout as kernels/wgsl/sig/secp256k1_dsm.wgsl.
//
// Written for NVRTC and for a host C++ compiler (common.cuh): engine/sig-gpu's host-emulation
// test runs `secp_dsm_item` on the CPU against libsecp256k1.
#pragma once
#include "../common.cuh"
#include "limbs.cuh"

#define SECP_IN_WORDS 32
#define SECP_OUT_WORDS 17
#define SECP_G_POINTS 15

struct secp_fe {
    uint32_t v[8];
    // p's limbs: 0xFFFFFC2F, 0xFFFFFFFE, then six 0xFFFFFFFF.
    GLOAM_HD static uint32_t p_limb(int i) { return i == 0 ? 0xFFFFFC2Fu : (i == 1 ? 0xFFFFFFFEu : 0xFFFFFFFFu); }
};

struct secp_jac {
    secp_fe x, y, z;
};

GLOAM_HD secp_fe secp_fe_zero() { return l8_zero<secp_fe>(); }
GLOAM_HD secp_fe secp_fe_one() { return l8_one<secp_fe>(); }
GLOAM_HD bool secp_fe_is_zero(const secp_fe &a) { return l8_is_zero(a); }
GLOAM_HD bool secp_fe_eq(const secp_fe &a, const secp_fe &b) { return l8_eq(a, b); }
GLOAM_HD uint32_t secp_p_limb(int i) { return secp_fe::p_limb(i); }
// a − p if a ≥ p, else a (any a < 2^256 < 2p).
GLOAM_HD secp_fe secp_fe_reduce_once(const secp_fe &a) { return l8_reduce_once(a); }

// a + 0x1000003D1 mod 2^256 (= a − p + 2^256), after a carry out of the top limb.
GLOAM_HD secp_fe secp_fe_add_c(const secp_fe &a) {
    secp_fe r;
    uint64_t c = (uint64_t)a.v[0] + 977u;
    r.v[0] = (uint32_t)c;
    c = (uint64_t)a.v[1] + 1u + (c >> 32);
    r.v[1] = (uint32_t)c;
    GLOAM_UNROLL
    for (int i = 2; i < 8; i++) {
        c = (uint64_t)a.v[i] + (c >> 32);
        r.v[i] = (uint32_t)c;
    }
    return r;
}

GLOAM_HD secp_fe secp_fe_add(const secp_fe &a, const secp_fe &b) {
    secp_fe r;
    uint64_t c = 0;
    GLOAM_UNROLL
    for (int i = 0; i < 8; i++) {
        c = (uint64_t)a.v[i] + b.v[i] + (c >> 32);
        r.v[i] = (uint32_t)c;
    }
    if (c >> 32) return secp_fe_add_c(r);
    return secp_fe_reduce_once(r);
}

GLOAM_HD secp_fe secp_fe_sub(const secp_fe &a, const secp_fe &b) {
    secp_fe d;
    uint64_t borrow = 0;
    GLOAM_UNROLL
    for (int i = 0; i < 8; i++) {
        uint64_t t = (uint64_t)a.v[i] - b.v[i] - borrow;
        d.v[i] = (uint32_t)t;
        borrow = (t >> 32) & 1;
    }
    if (!borrow) return d;
    uint64_t c = 0;
    GLOAM_UNROLL
    for (int i = 0; i < 8; i++) {
        c = (uint64_t)d.v[i] + secp_p_limb(i) + (c >> 32);
        d.v[i] = (uint32_t)c;
    }
    return d;
}

GLOAM_HD secp_fe secp_fe_neg(const secp_fe &a) {
    return secp_fe_sub(secp_fe_zero(), a);
}

// lo + 2^256·hi ≡ lo + hi·(2^32 + 977); the ≤ 34-bit top of that is folded once more.
GLOAM_HD secp_fe secp_fe_reduce_wide(const uint32_t t[16]) {
    secp_fe r;
    uint64_t acc = 0;
    GLOAM_UNROLL
    for (int i = 0; i < 8; i++) {
        acc += (uint64_t)t[i] + (uint64_t)t[i + 8] * 977u;
        if (i > 0) acc += t[i + 7];
        r.v[i] = (uint32_t)acc;
        acc >>= 32;
    }
    uint64_t e = acc + t[15];  // < 2^34
    uint64_t k0 = (e & 0xFFFFFFFFu) * 977u;                       // < 2^42
    uint64_t k1 = (e >> 32) * 977u + (k0 >> 32) + (e & 0xFFFFFFFFu);  // < 2^34
    uint64_t k2 = (e >> 32) + (k1 >> 32);
    uint64_t c = (uint64_t)r.v[0] + (k0 & 0xFFFFFFFFu);
    r.v[0] = (uint32_t)c;
    c = (uint64_t)r.v[1] + (k1 & 0xFFFFFFFFu) + (c >> 32);
    r.v[1] = (uint32_t)c;
    c = (uint64_t)r.v[2] + k2 + (c >> 32);
    r.v[2] = (uint32_t)c;
    GLOAM_UNROLL
    for (int i = 3; i < 8; i++) {
        c = (uint64_t)r.v[i] + (c >> 32);
        r.v[i] = (uint32_t)c;
    }
    if (c >> 32) r = secp_fe_add_c(r);  // wrapped: now tiny, cannot carry again
    return secp_fe_reduce_once(r);
}

GLOAM_HD secp_fe secp_fe_mul(const secp_fe &a, const secp_fe &b) {
    uint32_t t[16];
    GLOAM_UNROLL
    for (int i = 0; i < 16; i++) t[i] = 0;
    GLOAM_UNROLL
    for (int i = 0; i < 8; i++) {
        uint64_t c = 0;
        GLOAM_UNROLL
        for (int j = 0; j < 8; j++) {
            c += (uint64_t)a.v[i] * b.v[j] + t[i + j];
            t[i + j] = (uint32_t)c;
            c >>= 32;
        }
        t[i + 8] = (uint32_t)c;
    }
    return secp_fe_reduce_wide(t);
}

GLOAM_HD secp_fe secp_fe_sqr(const secp_fe &a) {
    return secp_fe_mul(a, a);
}

// a^e for a public exponent given as 8 little-endian limbs.
GLOAM_HD_CALL secp_fe secp_fe_pow(const secp_fe &a, const uint32_t e[8]) {
    secp_fe r = secp_fe_one();
    for (int i = 255; i >= 0; i--) {
        r = secp_fe_sqr(r);
        if ((e[i >> 5] >> (i & 31)) & 1) r = secp_fe_mul(r, a);
    }
    return r;
}

GLOAM_HD_CALL secp_fe secp_fe_inv(const secp_fe &a) {
    const uint32_t e[8] = {0xFFFFFC2Du, 0xFFFFFFFEu, 0xFFFFFFFFu, 0xFFFFFFFFu,
                           0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu};
    return secp_fe_pow(a, e);
}

// a^((p+1)/4): a square root of a when one exists (p ≡ 3 mod 4); the caller checks it.
GLOAM_HD_CALL secp_fe secp_fe_sqrt_candidate(const secp_fe &a) {
    const uint32_t e[8] = {0xBFFFFF0Cu, 0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu,
                           0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu, 0x3FFFFFFFu};
    return secp_fe_pow(a, e);
}

GLOAM_HD secp_jac secp_jac_inf() {
    secp_jac r;
    r.x = secp_fe_one();
    r.y = secp_fe_one();
    r.z = secp_fe_zero();
    return r;
}

// dbl-2009-l (EFD jacobian-0). Z = 0 stays infinity; no finite point has Y = 0 (prime order).
GLOAM_HD_CALL secp_jac secp_jac_dbl(const secp_jac &p) {
    if (secp_fe_is_zero(p.z)) return p;
    secp_fe a = secp_fe_sqr(p.x);
    secp_fe b = secp_fe_sqr(p.y);
    secp_fe c = secp_fe_sqr(b);
    secp_fe d = secp_fe_sub(secp_fe_sub(secp_fe_sqr(secp_fe_add(p.x, b)), a), c);
    d = secp_fe_add(d, d);
    secp_fe e = secp_fe_add(secp_fe_add(a, a), a);
    secp_fe f = secp_fe_sqr(e);
    secp_jac r;
    r.x = secp_fe_sub(f, secp_fe_add(d, d));
    secp_fe c2 = secp_fe_add(c, c);
    secp_fe c4 = secp_fe_add(c2, c2);
    secp_fe c8 = secp_fe_add(c4, c4);
    r.y = secp_fe_sub(secp_fe_mul(e, secp_fe_sub(d, r.x)), c8);
    secp_fe yz = secp_fe_mul(p.y, p.z);
    r.z = secp_fe_add(yz, yz);
    return r;
}

// General Jacobian addition (EFD add-2007-bl order, unscaled); P = Q doubles, P = −Q gives ∞.
GLOAM_HD_CALL secp_jac secp_jac_add(const secp_jac &p, const secp_jac &q) {
    if (secp_fe_is_zero(p.z)) return q;
    if (secp_fe_is_zero(q.z)) return p;
    secp_fe z1z1 = secp_fe_sqr(p.z);
    secp_fe z2z2 = secp_fe_sqr(q.z);
    secp_fe u1 = secp_fe_mul(p.x, z2z2);
    secp_fe u2 = secp_fe_mul(q.x, z1z1);
    secp_fe s1 = secp_fe_mul(secp_fe_mul(p.y, q.z), z2z2);
    secp_fe s2 = secp_fe_mul(secp_fe_mul(q.y, p.z), z1z1);
    secp_fe h = secp_fe_sub(u2, u1);
    secp_fe r = secp_fe_sub(s2, s1);
    if (secp_fe_is_zero(h)) {
        if (secp_fe_is_zero(r)) return secp_jac_dbl(p);
        return secp_jac_inf();
    }
    secp_fe hh = secp_fe_sqr(h);
    secp_fe hhh = secp_fe_mul(h, hh);
    secp_fe v = secp_fe_mul(u1, hh);
    secp_jac o;
    o.x = secp_fe_sub(secp_fe_sub(secp_fe_sqr(r), hhh), secp_fe_add(v, v));
    o.y = secp_fe_sub(secp_fe_mul(r, secp_fe_sub(v, o.x)), secp_fe_mul(s1, hhh));
    o.z = secp_fe_mul(secp_fe_mul(p.z, q.z), h);
    return o;
}

// Mixed addition P + (x2, y2) with an affine, finite second operand (the G table).
GLOAM_HD_CALL secp_jac secp_jac_add_affine(const secp_jac &p, const secp_fe &x2, const secp_fe &y2) {
    secp_jac q;
    q.x = x2;
    q.y = y2;
    q.z = secp_fe_one();
    if (secp_fe_is_zero(p.z)) return q;
    secp_fe z1z1 = secp_fe_sqr(p.z);
    secp_fe u2 = secp_fe_mul(x2, z1z1);
    secp_fe s2 = secp_fe_mul(secp_fe_mul(y2, p.z), z1z1);
    secp_fe h = secp_fe_sub(u2, p.x);
    secp_fe r = secp_fe_sub(s2, p.y);
    if (secp_fe_is_zero(h)) {
        if (secp_fe_is_zero(r)) return secp_jac_dbl(p);
        return secp_jac_inf();
    }
    secp_fe hh = secp_fe_sqr(h);
    secp_fe hhh = secp_fe_mul(h, hh);
    secp_fe v = secp_fe_mul(p.x, hh);
    secp_jac o;
    o.x = secp_fe_sub(secp_fe_sub(secp_fe_sqr(r), hhh), secp_fe_add(v, v));
    o.y = secp_fe_sub(secp_fe_mul(r, secp_fe_sub(v, o.x)), secp_fe_mul(p.y, hhh));
    o.z = secp_fe_mul(p.z, h);
    return o;
}

GLOAM_HD secp_fe secp_load(const uint32_t *w) {
    secp_fe r;
    GLOAM_UNROLL
    for (int i = 0; i < 8; i++) r.v[i] = w[i];
    return r;
}

GLOAM_HD uint32_t secp_digit(const uint32_t *scalar, int w) {
    return (scalar[w >> 3] >> (4 * (w & 7))) & 15u;
}

// One signature: `in` is 32 words (u1 ‖ u2 ‖ x ‖ y-or-parity), `gtab` 15 affine points
// k·G (k = 1..15, x ‖ y), `out` 17 words (x ‖ y ‖ status: 0 affine point, 1 x not on the curve,
// 2 infinity). mode 0 lifts x with the parity in in[24] (recovery); mode 1 takes y as given.
GLOAM_HD_CALL void secp_dsm_item(const uint32_t *in, const uint32_t *gtab, uint32_t mode, uint32_t *out) {
    secp_fe x = secp_load(in + 16);
    secp_fe y;
    uint32_t status = 0;
    if (mode == 0) {
        secp_fe seven = secp_fe_zero();
        seven.v[0] = 7;
        secp_fe rhs = secp_fe_add(secp_fe_mul(secp_fe_sqr(x), x), seven);
        y = secp_fe_sqrt_candidate(rhs);
        if (!secp_fe_eq(secp_fe_sqr(y), rhs)) {
            status = 1;
        } else if ((y.v[0] & 1) != (in[24] & 1)) {
            y = secp_fe_neg(y);
        }
    } else {
        y = secp_load(in + 24);
    }
    secp_jac acc = secp_jac_inf();
    if (status == 0) {
        secp_jac table[15];
        table[0].x = x;
        table[0].y = y;
        table[0].z = secp_fe_one();
        for (int k = 1; k < 15; k++) {
            table[k] = (k & 1) ? secp_jac_dbl(table[k / 2]) : secp_jac_add(table[k - 1], table[0]);
        }
        for (int w = 63; w >= 0; w--) {
            for (int k = 0; k < 4; k++) acc = secp_jac_dbl(acc);
            uint32_t d2 = secp_digit(in + 8, w);
            if (d2) acc = secp_jac_add(acc, table[d2 - 1]);
            uint32_t d1 = secp_digit(in, w);
            if (d1) acc = secp_jac_add_affine(acc, secp_load(gtab + 16 * (d1 - 1)), secp_load(gtab + 16 * (d1 - 1) + 8));
        }
        if (secp_fe_is_zero(acc.z)) status = 2;
    }
    secp_fe ox = secp_fe_zero(), oy = secp_fe_zero();
    if (status == 0) {
        secp_fe zi = secp_fe_inv(acc.z);
        secp_fe zi2 = secp_fe_sqr(zi);
        ox = secp_fe_mul(acc.x, zi2);
        oy = secp_fe_mul(secp_fe_mul(acc.y, zi2), zi);
    }
    for (int i = 0; i < 8; i++) {
        out[i] = ox.v[i];
        out[8 + i] = oy.v[i];
    }
    out[16] = status;
}
