// BLS12-381 base field Fp (381 bits), in arkworks' Montgomery form (R = 2^384) as 12
// little-endian u32 words. Every function takes and returns fully reduced values (< p), so
// results are bit-identical to arkworks. Same algorithms as field_fr.wgsl, 12 words.

alias Fp = array<u32, 12>;

const FP_P = array<u32, 12>(0xffffaaabu, 0xb9feffffu, 0xb153ffffu, 0x1eabfffeu, 0xf6b0f624u, 0x6730d2a0u, 0xf38512bfu, 0x64774b84u, 0x434bacd7u, 0x4b1ba7b6u, 0x397fe69au, 0x1a0111eau);
// −p^{-1} mod 2^32.
const FP_INV: u32 = 0xfffcfffdu;
// R mod p: the Montgomery form of 1.
const FP_ONE = array<u32, 12>(0x0002fffdu, 0x76090000u, 0xc40c0002u, 0xebf4000bu, 0x53c758bau, 0x5f489857u, 0x70525745u, 0x77ce5853u, 0xa256ec6du, 0x5c071a97u, 0xfa80e493u, 0x15f65ec3u);

fn fp_zero() -> Fp {
    return Fp(0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u);
}

fn fp_is_zero(a: Fp) -> bool {
    var x = a;
    var acc = 0u;
    for (var i = 0u; i < 12u; i++) {
        acc |= x[i];
    }
    return acc == 0u;
}

// a − p if a ≥ p, else a (for a < 2p).
fn fp_reduce_once(a: Fp) -> Fp {
    var x = a;
    var p = FP_P;
    var d: Fp;
    var br = 0u;
    for (var i = 0u; i < 12u; i++) {
        let s = sub_borrow(x[i], p[i], br);
        d[i] = s.x;
        br = s.y;
    }
    if (br == 0u) {
        return d;
    }
    return x;
}

fn fp_add(a: Fp, b: Fp) -> Fp {
    var x = a;
    var y = b;
    var r: Fp;
    var c = 0u;
    // p < 2^381, so a + b < 2^382 never carries out of the top word.
    for (var i = 0u; i < 12u; i++) {
        let s = add_carry(x[i], y[i], c);
        r[i] = s.x;
        c = s.y;
    }
    return fp_reduce_once(r);
}

fn fp_double(a: Fp) -> Fp {
    return fp_add(a, a);
}

fn fp_sub(a: Fp, b: Fp) -> Fp {
    var x = a;
    var y = b;
    var p = FP_P;
    var d: Fp;
    var br = 0u;
    for (var i = 0u; i < 12u; i++) {
        let s = sub_borrow(x[i], y[i], br);
        d[i] = s.x;
        br = s.y;
    }
    if (br == 0u) {
        return d;
    }
    var c = 0u;
    for (var i = 0u; i < 12u; i++) {
        let s = add_carry(d[i], p[i], c);
        d[i] = s.x;
        c = s.y;
    }
    return d;
}

// −a (0 stays 0, so the result is reduced).
fn fp_neg(a: Fp) -> Fp {
    if (fp_is_zero(a)) {
        return a;
    }
    var p = FP_P;
    return fp_sub(p, a);
}

// Montgomery product a·b·2^-384 mod p, word-wise CIOS (Koç, Acar, Kaliski 1996). With p < 2^381
// the running value stays below 2p, so one conditional subtraction finishes it.
fn fp_mul(a: Fp, b: Fp) -> Fp {
    var x = a;
    var y = b;
    var p = FP_P;
    var t: array<u32, 14>;
    for (var i = 0u; i < 12u; i++) {
        let yi = y[i];
        var c = 0u;
        for (var j = 0u; j < 12u; j++) {
            let v = mac(t[j], x[j], yi, c);
            t[j] = v.x;
            c = v.y;
        }
        let s = add_carry(t[12], c, 0u);
        t[12] = s.x;
        t[13] = s.y;
        let m = t[0] * FP_INV;
        var k = mac(t[0], m, p[0], 0u).y;
        for (var j = 1u; j < 12u; j++) {
            let v = mac(t[j], m, p[j], k);
            t[j - 1u] = v.x;
            k = v.y;
        }
        let s2 = add_carry(t[12], k, 0u);
        t[11] = s2.x;
        t[12] = t[13] + s2.y;
    }
    var r: Fp;
    for (var i = 0u; i < 12u; i++) {
        r[i] = t[i];
    }
    return fp_reduce_once(r);
}

fn fp_sqr(a: Fp) -> Fp {
    return fp_mul(a, a);
}
