// Edwards25519 (−x² + y² = 1 + d·x²·y²) in extended coordinates (X : Y : Z : T), x = X/Z,
// y = Y/Z, x·y = T/Z (Hisil, Wong, Carter, Dawson 2008). One formula only: add-2008-hwcd-3 for
// a = −1 is complete on this curve (d is not a square), so it also doubles and handles the
// identity (0 : 1 : 1 : 0) — one copy per shader, no special cases.

struct Ext {
    x: F25,
    y: F25,
    z: F25,
    t: F25,
}

fn ext_identity() -> Ext {
    return Ext(f25_zero(), f25_one(), f25_one(), f25_zero());
}

fn ext_add(p: Ext, q: Ext) -> Ext {
    let a = f25_mul(f25_sub(p.y, p.x), f25_sub(q.y, q.x));
    let b = f25_mul(f25_add(p.y, p.x), f25_add(q.y, q.x));
    let c = f25_mul(f25_mul(p.t, ED_D2), q.t);
    let zz = f25_mul(p.z, q.z);
    let d = f25_add(zz, zz);
    let e = f25_sub(b, a);
    let f = f25_sub(d, c);
    let g = f25_add(d, c);
    let h = f25_add(b, a);
    return Ext(f25_mul(e, f), f25_mul(g, h), f25_mul(f, g), f25_mul(e, h));
}

fn ext_neg(p: Ext) -> Ext {
    return Ext(f25_neg(p.x), p.y, p.z, f25_neg(p.t));
}

// (0 : Y : Y : 0) with Y ≠ 0: Z never vanishes under the complete formula.
fn ext_is_identity(p: Ext) -> bool {
    return f25_is_zero(p.x) && f25_eq(p.y, p.z);
}

struct Decoded {
    p: Ext,
    ok: bool,
}

// ZIP-215 decoding, matching curve25519-dalek's `decompress` (RFC 8032 §5.1.3 without its
// canonicity checks): y is the low 255 bits taken mod p (y ≥ p is accepted), x from
// u/v = (y² − 1)/(d·y² + 1) by the (p−5)/8 power and √−1, then negated when its parity differs
// from the sign bit — so x = 0 with the sign bit set ("negative zero") is accepted as x = 0.
fn ed_decompress(enc: F25) -> Decoded {
    var y = enc;
    let sign = y[7] >> 31u;
    y[7] &= 0x7fffffffu;
    y = f25_reduce_once(y);
    var ok = true;
    let yy = f25_sqr(y);
    let u = f25_sub(yy, f25_one());
    let v = f25_add(f25_mul(ED_D, yy), f25_one());
    let v3 = f25_mul(f25_sqr(v), v);
    let v7 = f25_mul(f25_sqr(v3), v);
    var x = f25_mul(f25_mul(u, v3), f25_pow(f25_mul(u, v7), F25_P58));
    let vxx = f25_mul(v, f25_sqr(x));
    if (!f25_eq(vxx, u)) {
        if (f25_eq(vxx, f25_neg(u))) {
            x = f25_mul(x, ED_SQRTM1);
        } else {
            ok = false;
        }
    }
    if ((x[0] & 1u) != sign) {
        x = f25_neg(x);
    }
    return Decoded(Ext(x, y, f25_one(), f25_mul(x, y)), ok);
}
