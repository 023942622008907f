// The Curve25519 base field, p = 2^255 − 19 (RFC 7748 §4.1), as 8 little-endian u32 words in
// plain form; every function takes and returns fully reduced values (< p). A 512-bit product is
// folded with 2^256 ≡ 38 (mod p), twice, then bit 255 with 2^255 ≡ 19, then one conditional
// subtraction. Needs arith.wgsl and sig/limbs8.wgsl.

alias F25 = array<u32, 8>;

const F25_P = array<u32, 8>(0xffffffedu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0x7fffffffu);
// (p − 5)/8: the square-root exponent of RFC 8032 §5.1.3.
const F25_P58 = array<u32, 8>(0xfffffffdu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0x0fffffffu);
// d = −121665/121666, 2d, and √−1 = 2^((p−1)/4) (RFC 8032 §5.1).
const ED_D = array<u32, 8>(0x135978a3u, 0x75eb4dcau, 0x4141d8abu, 0x00700a4du, 0x7779e898u, 0x8cc74079u, 0x2b6ffe73u, 0x52036ceeu);
const ED_D2 = array<u32, 8>(0x26b2f159u, 0xebd69b94u, 0x8283b156u, 0x00e0149au, 0xeef3d130u, 0x198e80f2u, 0x56dffce7u, 0x2406d9dcu);
const ED_SQRTM1 = array<u32, 8>(0x4a0ea0b0u, 0xc4ee1b27u, 0xad2fe478u, 0x2f431806u, 0x3dfbd7a7u, 0x2b4d0099u, 0x4fc1df0bu, 0x2b832480u);

fn f25_zero() -> F25 {
    return F25(0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u);
}

fn f25_one() -> F25 {
    return F25(1u, 0u, 0u, 0u, 0u, 0u, 0u, 0u);
}

fn f25_is_zero(a: F25) -> bool {
    return l8_is_zero(a);
}

fn f25_eq(a: F25, b: F25) -> bool {
    return l8_eq(a, b);
}

// a − p if a ≥ p, else a (for a < 2p).
fn f25_reduce_once(a: F25) -> F25 {
    return l8_reduce_once(a, F25_P);
}

// Any a < 2^256 to its canonical residue: 2^255 ≡ 19 folds bit 255, then one subtraction.
fn f25_canon(a: F25) -> F25 {
    var x = a;
    let top = x[7] >> 31u;
    x[7] &= 0x7fffffffu;
    var s = add_carry(x[0], 19u * top, 0u);
    x[0] = s.x;
    var c = s.y;
    for (var i = 1u; i < 8u; i++) {
        s = add_carry(x[i], 0u, c);
        x[i] = s.x;
        c = s.y;
    }
    return f25_reduce_once(x);
}

fn f25_add(a: F25, b: F25) -> F25 {
    var x = a;
    var y = b;
    var r: F25;
    var c = 0u;
    // a + b < 2p < 2^256: no carry out.
    for (var i = 0u; i < 8u; i++) {
        let s = add_carry(x[i], y[i], c);
        r[i] = s.x;
        c = s.y;
    }
    return f25_reduce_once(r);
}

fn f25_sub(a: F25, b: F25) -> F25 {
    var x = a;
    var y = b;
    var p = F25_P;
    var d: F25;
    var br = 0u;
    for (var i = 0u; i < 8u; i++) {
        let s = sub_borrow(x[i], y[i], br);
        d[i] = s.x;
        br = s.y;
    }
    if (br == 0u) {
        return d;
    }
    var c = 0u;
    for (var i = 0u; i < 8u; i++) {
        let s = add_carry(d[i], p[i], c);
        d[i] = s.x;
        c = s.y;
    }
    return d;
}

fn f25_neg(a: F25) -> F25 {
    return f25_sub(f25_zero(), a);
}

fn f25_mul(a: F25, b: F25) -> F25 {
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
    // lo + 38·hi: the carry stays below 39.
    var r: F25;
    var carry = 0u;
    for (var i = 0u; i < 8u; i++) {
        let m = mac(t[i], t[i + 8u], 38u, carry);
        r[i] = m.x;
        carry = m.y;
    }
    // carry·2^256 ≡ 38·carry; a carry out of that leaves a tiny value, folded once more.
    var s = add_carry(r[0], 38u * carry, 0u);
    r[0] = s.x;
    var c2 = s.y;
    for (var i = 1u; i < 8u; i++) {
        s = add_carry(r[i], 0u, c2);
        r[i] = s.x;
        c2 = s.y;
    }
    if (c2 != 0u) {
        s = add_carry(r[0], 38u, 0u);
        r[0] = s.x;
        c2 = s.y;
        for (var i = 1u; i < 8u; i++) {
            s = add_carry(r[i], 0u, c2);
            r[i] = s.x;
            c2 = s.y;
        }
    }
    return f25_canon(r);
}

fn f25_sqr(a: F25) -> F25 {
    return f25_mul(a, a);
}

fn f25_pow(a: F25, e: F25) -> F25 {
    var ex = e;
    var r = f25_one();
    for (var i = 255i; i >= 0i; i--) {
        r = f25_sqr(r);
        let bit = (ex[u32(i) / 32u] >> (u32(i) % 32u)) & 1u;
        if (bit != 0u) {
            r = f25_mul(r, a);
        }
    }
    return r;
}
