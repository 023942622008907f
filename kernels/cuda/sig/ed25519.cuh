// Ed25519 verification under ZIP-215, one thread per signature: the field p = 2^255 − 19 as 8
// little-endian 32-bit limbs (plain form, fully reduced), extended Edwards coordinates with the
// complete add-2008-hwcd-3 formula (a = −1; also used for doubling), ZIP-215 decoding of A and R
// as received, and [8]·([S]B + [k]·(−A) − R) = identity (4-bit windows, 15-entry tables). The
// host checks lengths and S < ℓ and hashes k. The same algorithm and item layout as
// kernels/wgsl/sig/ed25519_*.wgsl; host-emulated by engine/sig-gpu's tests.
#pragma once
#include "../common.cuh"
#include "limbs.cuh"

#define ED_IN_WORDS 32
#define ED_OUT_WORDS 1
#define ED_EXT_WORDS 32
#define ED_TABLE_POINTS 15

struct f25 {
    uint32_t v[8];
    GLOAM_HD static uint32_t p_limb(int i) { return i == 0 ? 0xFFFFFFEDu : (i == 7 ? 0x7FFFFFFFu : 0xFFFFFFFFu); }
};

struct ed_ext {
    f25 x, y, z, t;
};

GLOAM_HD f25 f25_zero() { return l8_zero<f25>(); }
GLOAM_HD f25 f25_one() { return l8_one<f25>(); }

GLOAM_HD f25 f25_const(uint32_t a0, uint32_t a1, uint32_t a2, uint32_t a3, uint32_t a4, uint32_t a5, uint32_t a6,
                       uint32_t a7) {
    f25 r;
    r.v[0] = a0, r.v[1] = a1, r.v[2] = a2, r.v[3] = a3, r.v[4] = a4, r.v[5] = a5, r.v[6] = a6, r.v[7] = a7;
    return r;
}

GLOAM_HD bool f25_is_zero(const f25 &a) { return l8_is_zero(a); }
GLOAM_HD bool f25_eq(const f25 &a, const f25 &b) { return l8_eq(a, b); }
GLOAM_HD uint32_t f25_p_limb(int i) { return f25::p_limb(i); }
// a − p if a ≥ p, else a (a < 2p).
GLOAM_HD f25 f25_reduce_once(const f25 &a) { return l8_reduce_once(a); }

// Any a < 2^256 to its canonical residue (2^255 ≡ 19, then one subtraction).
GLOAM_HD f25 f25_canon(const f25 &a) {
    f25 r = a;
    uint32_t top = r.v[7] >> 31;
    r.v[7] &= 0x7FFFFFFFu;
    uint64_t c = (uint64_t)r.v[0] + 19u * top;
    r.v[0] = (uint32_t)c;
    GLOAM_UNROLL
    for (int i = 1; i < 8; i++) {
        c = (uint64_t)r.v[i] + (c >> 32);
        r.v[i] = (uint32_t)c;
    }
    return f25_reduce_once(r);
}

GLOAM_HD f25 f25_add(const f25 &a, const f25 &b) {
    f25 r;
    uint64_t c = 0;
    GLOAM_UNROLL
    for (int i = 0; i < 8; i++) {
        c = (uint64_t)a.v[i] + b.v[i] + (c >> 32);
        r.v[i] = (uint32_t)c;
    }
    return f25_reduce_once(r);  // a + b < 2p < 2^256
}

GLOAM_HD f25 f25_sub(const f25 &a, const f25 &b) {
    f25 d;
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
        c = (uint64_t)d.v[i] + f25_p_limb(i) + (c >> 32);
        d.v[i] = (uint32_t)c;
    }
    return d;
}

GLOAM_HD f25 f25_neg(const f25 &a) {
    return f25_sub(f25_zero(), a);
}

GLOAM_HD f25 f25_mul(const f25 &a, const f25 &b) {
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
    // lo + 38·hi (2^256 ≡ 38), the top carry folded the same way (twice at most).
    f25 r;
    uint64_t c = 0;
    GLOAM_UNROLL
    for (int i = 0; i < 8; i++) {
        c += (uint64_t)t[i] + (uint64_t)t[i + 8] * 38u;
        r.v[i] = (uint32_t)c;
        c >>= 32;
    }
    uint64_t fold = c * 38u;
    for (int pass = 0; pass < 2 && fold; pass++) {
        uint64_t s = fold;
        GLOAM_UNROLL
        for (int i = 0; i < 8; i++) {
            s += r.v[i];
            r.v[i] = (uint32_t)s;
            s >>= 32;
        }
        fold = s * 38u;
    }
    return f25_canon(r);
}

GLOAM_HD f25 f25_sqr(const f25 &a) {
    return f25_mul(a, a);
}

GLOAM_HD_CALL f25 f25_pow(const f25 &a, const uint32_t e[8]) {
    f25 r = f25_one();
    for (int i = 255; i >= 0; i--) {
        r = f25_sqr(r);
        if ((e[i >> 5] >> (i & 31)) & 1) r = f25_mul(r, a);
    }
    return r;
}

GLOAM_HD ed_ext ed_identity() {
    ed_ext r;
    r.x = f25_zero();
    r.y = f25_one();
    r.z = f25_one();
    r.t = f25_zero();
    return r;
}

// add-2008-hwcd-3 (EFD twisted extended, a = −1): complete on edwards25519.
GLOAM_HD_CALL ed_ext ed_add(const ed_ext &p, const ed_ext &q) {
    const f25 d2 = f25_const(0x26b2f159u, 0xebd69b94u, 0x8283b156u, 0x00e0149au, 0xeef3d130u, 0x198e80f2u,
                             0x56dffce7u, 0x2406d9dcu);
    f25 a = f25_mul(f25_sub(p.y, p.x), f25_sub(q.y, q.x));
    f25 b = f25_mul(f25_add(p.y, p.x), f25_add(q.y, q.x));
    f25 c = f25_mul(f25_mul(p.t, d2), q.t);
    f25 zz = f25_mul(p.z, q.z);
    f25 d = f25_add(zz, zz);
    f25 e = f25_sub(b, a), f = f25_sub(d, c), g = f25_add(d, c), h = f25_add(b, a);
    ed_ext r;
    r.x = f25_mul(e, f);
    r.y = f25_mul(g, h);
    r.z = f25_mul(f, g);
    r.t = f25_mul(e, h);
    return r;
}

// ZIP-215 decoding, matching curve25519-dalek's `decompress`: y = the low 255 bits mod p (y ≥ p
// accepted), x from (y² − 1)/(d·y² + 1) by the (p−5)/8 power (RFC 8032 §5.1.3) and √−1, negated
// when its parity differs from the sign bit (so "negative zero" decodes to x = 0). Returns false
// when no point has this y.
GLOAM_HD_CALL bool ed_decompress(const uint32_t *enc, ed_ext &out) {
    const f25 d = f25_const(0x135978a3u, 0x75eb4dcau, 0x4141d8abu, 0x00700a4du, 0x7779e898u, 0x8cc74079u,
                            0x2b6ffe73u, 0x52036ceeu);
    const f25 sqrtm1 = f25_const(0x4a0ea0b0u, 0xc4ee1b27u, 0xad2fe478u, 0x2f431806u, 0x3dfbd7a7u, 0x2b4d0099u,
                                 0x4fc1df0bu, 0x2b832480u);
    const uint32_t p58[8] = {0xFFFFFFFDu, 0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu,
                             0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu, 0x0FFFFFFFu};
    f25 y;
    GLOAM_UNROLL
    for (int i = 0; i < 8; i++) y.v[i] = enc[i];
    uint32_t sign = y.v[7] >> 31;
    y.v[7] &= 0x7FFFFFFFu;
    y = f25_reduce_once(y);
    bool ok = true;
    f25 yy = f25_sqr(y);
    f25 u = f25_sub(yy, f25_one());
    f25 v = f25_add(f25_mul(d, yy), f25_one());
    f25 v3 = f25_mul(f25_sqr(v), v);
    f25 v7 = f25_mul(f25_sqr(v3), v);
    f25 x = f25_mul(f25_mul(u, v3), f25_pow(f25_mul(u, v7), p58));
    f25 vxx = f25_mul(v, f25_sqr(x));
    if (!f25_eq(vxx, u)) {
        if (f25_eq(vxx, f25_neg(u)))
            x = f25_mul(x, sqrtm1);
        else
            ok = false;
    }
    if ((x.v[0] & 1) != sign) x = f25_neg(x);
    out.x = x;
    out.y = y;
    out.z = f25_one();
    out.t = f25_mul(x, y);
    return ok;
}

GLOAM_HD ed_ext ed_neg(const ed_ext &p) {
    ed_ext r = p;
    r.x = f25_neg(p.x);
    r.t = f25_neg(p.t);
    return r;
}

// (0 : Y : Y : 0): Z never vanishes under the complete formula.
GLOAM_HD bool ed_is_identity(const ed_ext &p) {
    return f25_is_zero(p.x) && f25_eq(p.y, p.z);
}

GLOAM_HD void ed_store(uint32_t *w, const ed_ext &p) {
    for (int i = 0; i < 8; i++) {
        w[i] = p.x.v[i];
        w[8 + i] = p.y.v[i];
        w[16 + i] = p.z.v[i];
        w[24 + i] = p.t.v[i];
    }
}

GLOAM_HD ed_ext ed_load(const uint32_t *w) {
    ed_ext p;
    for (int i = 0; i < 8; i++) {
        p.x.v[i] = w[i];
        p.y.v[i] = w[8 + i];
        p.z.v[i] = w[16 + i];
        p.t.v[i] = w[24 + i];
    }
    return p;
}

// 1·P … 15·P into `table` (15 × 32 words).
GLOAM_HD_CALL void ed_multiples(const ed_ext &p, uint32_t *table) {
    ed_ext q = p;
    ed_store(table, q);
    for (int k = 1; k < ED_TABLE_POINTS; k++) {
        q = ed_add(q, p);
        ed_store(table + ED_EXT_WORDS * k, q);
    }
}

// The resident B table from the encoding of B; false if it does not decode.
GLOAM_HD_CALL bool ed_table(const uint32_t *enc, uint32_t *table) {
    ed_ext p;
    if (!ed_decompress(enc, p)) return false;
    ed_multiples(p, table);
    return true;
}

GLOAM_HD uint32_t ed_digit(const uint32_t *scalar, int w) {
    return (scalar[w >> 3] >> (4 * (w & 7))) & 15u;
}

// One signature: `in` = S ‖ k ‖ A bytes ‖ R bytes (32 words), `btab` = 1·B … 15·B (15 × 32
// words), `out[0]` = status: 0 valid, 1 A does not decode, 2 R does not decode (A does), 3 the
// cofactored equation [8]([S]B − [k]A − R) = 0 fails.
GLOAM_HD_CALL void ed_dsm_item(const uint32_t *in, const uint32_t *btab, uint32_t *out) {
    ed_ext a, r;
    bool a_ok = ed_decompress(in + 16, a);
    bool r_ok = ed_decompress(in + 24, r);
    if (!a_ok || !r_ok) {
        out[0] = a_ok ? 2u : 1u;
        return;
    }
    uint32_t table[ED_TABLE_POINTS * ED_EXT_WORDS];
    ed_multiples(ed_neg(a), table);
    ed_ext acc = ed_identity();
    for (int w = 63; w >= 0; w--) {
        for (int k = 0; k < 4; k++) acc = ed_add(acc, acc);
        uint32_t dk = ed_digit(in + 8, w);
        if (dk) acc = ed_add(acc, ed_load(table + ED_EXT_WORDS * (dk - 1)));
        uint32_t ds = ed_digit(in, w);
        if (ds) acc = ed_add(acc, ed_load(btab + ED_EXT_WORDS * (ds - 1)));
    }
    acc = ed_add(acc, ed_neg(r));
    for (int k = 0; k < 3; k++) acc = ed_add(acc, acc);
    out[0] = ed_is_identity(acc) ? 0u : 3u;
}
