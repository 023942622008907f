// secp256k1 base field, p = 2^256 − 2^32 − 977 (SEC 2 §2.4.1), as 8 little-endian u32 words in
// plain (non-Montgomery) form. Every function takes and returns fully reduced values (< p).
//
// Reduction uses the special form of p: 2^256 ≡ 2^32 + 977 = 0x1000003D1 (mod p), so the high
// half of a 512-bit product is folded in twice (the second fold is at most 34 bits wide) and a
// final conditional subtraction leaves the canonical value. Needs arith.wgsl (mul_wide, mac,
// add_carry, sub_borrow) and sig/limbs8.wgsl.

alias Fe = array<u32, 8>;

const SECP_P = array<u32, 8>(0xfffffc2fu, 0xfffffffeu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu);
// p − 2 (Fermat inversion exponent).
const SECP_P_MINUS_2 = array<u32, 8>(0xfffffc2du, 0xfffffffeu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu);
// (p + 1) / 4: p ≡ 3 (mod 4), so a^((p+1)/4) is a square root of a when one exists.
const SECP_SQRT_EXP = array<u32, 8>(0xbfffff0cu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0x3fffffffu);

fn fe_zero() -> Fe {
    return Fe(0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u);
}

fn fe_one() -> Fe {
    return Fe(1u, 0u, 0u, 0u, 0u, 0u, 0u, 0u);
}

fn fe_is_zero(a: Fe) -> bool {
    return l8_is_zero(a);
}

fn fe_eq(a: Fe, b: Fe) -> bool {
    return l8_eq(a, b);
}

// a − p if a ≥ p, else a (for any a < 2^256 < 2p).
fn fe_reduce_once(a: Fe) -> Fe {
    return l8_reduce_once(a, SECP_P);
}

fn fe_add(a: Fe, b: Fe) -> Fe {
    var x = a;
    var y = b;
    var p = SECP_P;
    var r: Fe;
    var c = 0u;
    for (var i = 0u; i < 8u; i++) {
        let s = add_carry(x[i], y[i], c);
        r[i] = s.x;
        c = s.y;
    }
    // a + b − p (mod 2^256) is the answer when a + b carried out (then a + b − 2^256 < p) or
    // when it did not borrow; branch-free.
    var d: Fe;
    var br = 0u;
    for (var i = 0u; i < 8u; i++) {
        let s = sub_borrow(r[i], p[i], br);
        d[i] = s.x;
        br = s.y;
    }
    let use_d = c != 0u || br == 0u;
    for (var i = 0u; i < 8u; i++) {
        d[i] = select(r[i], d[i], use_d);
    }
    return d;
}

fn fe_sub(a: Fe, b: Fe) -> Fe {
    var x = a;
    var y = b;
    var p = SECP_P;
    var d: Fe;
    var br = 0u;
    for (var i = 0u; i < 8u; i++) {
        let s = sub_borrow(x[i], y[i], br);
        d[i] = s.x;
        br = s.y;
    }
    // + p when it borrowed (p masked by the borrow: branch-free).
    let m = 0u - br;
    var c = 0u;
    for (var i = 0u; i < 8u; i++) {
        let s = add_carry(d[i], p[i] & m, c);
        d[i] = s.x;
        c = s.y;
    }
    return d;
}

fn fe_neg(a: Fe) -> Fe {
    return fe_sub(fe_zero(), a);
}

// Folds a 512-bit value t = lo + 2^256·hi to its canonical residue: lo + hi·(2^32 + 977), whose
// top (at most 34 bits) is folded the same way once more.
fn fe_reduce_wide(t: array<u32, 16>) -> Fe {
    var w = t;
    var r: Fe;
    var carry = 0u;
    for (var i = 0u; i < 8u; i++) {
        // w[i] + 977·hi[i] + hi[i−1]·2^32-shifted + carry; carry stays below 2^11.
        let m = mac(w[i], w[i + 8u], 977u, carry);
        var s = m.x;
        var c = m.y;
        if (i > 0u) {
            let a = add_carry(s, w[i + 7u], 0u);
            s = a.x;
            c += a.y;
        }
        r[i] = s;
        carry = c;
    }
    // e = hi[7] + carry (33 bits: e.x low word, e.y the top bit), then k = e·0x1000003D1.
    let e = add_carry(w[15], carry, 0u);
    let m0 = mac(0u, e.x, 977u, 0u);
    let s1 = add_carry(m0.y + e.y * 977u, e.x, 0u);
    let k2 = e.y + s1.y;
    var a = add_carry(r[0], m0.x, 0u);
    r[0] = a.x;
    a = add_carry(r[1], s1.x, a.y);
    r[1] = a.x;
    a = add_carry(r[2], k2, a.y);
    r[2] = a.x;
    var c2 = a.y;
    for (var i = 3u; i < 8u; i++) {
        a = add_carry(r[i], 0u, c2);
        r[i] = a.x;
        c2 = a.y;
    }
    // Wrapped past 2^256 (c2 = 1): the value is now tiny; fold 2^256 ≡ 0x1000003D1 once more
    // (adding 977·c2 and c2·2^32 cannot carry out).
    var s = add_carry(r[0], 977u * c2, 0u);
    r[0] = s.x;
    s = add_carry(r[1], c2, s.y);
    r[1] = s.x;
    var c3 = s.y;
    for (var i = 2u; i < 8u; i++) {
        s = add_carry(r[i], 0u, c3);
        r[i] = s.x;
        c3 = s.y;
    }
    return fe_reduce_once(r);
}

fn fe_mul(a: Fe, b: Fe) -> Fe {
    var x = a;
    var y = b;
    var t: array<u32, 16>;
    for (var i = 0u; i < 8u; i++) {
        let xi = x[i];
        var c = 0u;
        for (var j = 0u; j < 8u; j++) {
            let m = mac(t[i + j], xi, y[j], c);
            t[i + j] = m.x;
            c = m.y;
        }
        t[i + 8u] = c;
    }
    return fe_reduce_wide(t);
}

fn fe_sqr(a: Fe) -> Fe {
    return fe_mul(a, a);
}

// a^e, square-and-multiply from the top bit (e is public: the exponents are constants).
fn fe_pow(a: Fe, e: Fe) -> Fe {
    var ex = e;
    var r = fe_one();
    for (var i = 255i; i >= 0i; i--) {
        r = fe_sqr(r);
        let bit = (ex[u32(i) / 32u] >> (u32(i) % 32u)) & 1u;
        if (bit != 0u) {
            r = fe_mul(r, a);
        }
    }
    return r;
}

// 1/a for a ≠ 0 (0 maps to 0).
fn fe_inv(a: Fe) -> Fe {
    return fe_pow(a, SECP_P_MINUS_2);
}
