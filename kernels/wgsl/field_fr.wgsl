// BLS12-381 scalar field Fr, r = 0x73eda753…00000001 (255 bits), in arkworks' Montgomery form
// (R = 2^256) as 8 little-endian u32 words. Every function takes and returns fully reduced
// values (< r): results are bit-identical to arkworks.

alias Fr = array<u32, 8>;

const FR_P = array<u32, 8>(0x00000001u, 0xffffffffu, 0xfffe5bfeu, 0x53bda402u, 0x09a1d805u, 0x3339d808u, 0x299d7d48u, 0x73eda753u);
// −r^{-1} mod 2^32.
const FR_INV: u32 = 0xffffffffu;
// R mod r: the Montgomery form of 1.
const FR_ONE = array<u32, 8>(0xfffffffeu, 0x00000001u, 0x00034802u, 0x5884b7fau, 0xecbc4ff5u, 0x998c4fefu, 0xacc5056fu, 0x1824b159u);

fn fr_zero() -> Fr {
    return Fr(0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u);
}

// a − r if a ≥ r, else a (for a < 2r).
fn fr_reduce_once(a: Fr) -> Fr {
    var x = a;
    var p = FR_P;
    var d: Fr;
    var br = 0u;
    for (var i = 0u; i < 8u; i++) {
        let s = sub_borrow(x[i], p[i], br);
        d[i] = s.x;
        br = s.y;
    }
    if (br == 0u) {
        return d;
    }
    return x;
}

fn fr_add(a: Fr, b: Fr) -> Fr {
    var x = a;
    var y = b;
    var r: Fr;
    var c = 0u;
    // r < 2^255, so a + b < 2^256 never carries out of the top word.
    for (var i = 0u; i < 8u; i++) {
        let s = add_carry(x[i], y[i], c);
        r[i] = s.x;
        c = s.y;
    }
    return fr_reduce_once(r);
}

fn fr_sub(a: Fr, b: Fr) -> Fr {
    var x = a;
    var y = b;
    var p = FR_P;
    var d: Fr;
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

// Montgomery product a·b·2^-256 mod r, word-wise CIOS (Koç, Acar, Kaliski 1996). With r < 2^255
// the running value stays below 2r, so one conditional subtraction finishes it.
fn fr_mul(a: Fr, b: Fr) -> Fr {
    var x = a;
    var y = b;
    var p = FR_P;
    var t: array<u32, 10>;
    for (var i = 0u; i < 8u; i++) {
        let yi = y[i];
        var c = 0u;
        for (var j = 0u; j < 8u; j++) {
            let v = mac(t[j], x[j], yi, c);
            t[j] = v.x;
            c = v.y;
        }
        let s = add_carry(t[8], c, 0u);
        t[8] = s.x;
        t[9] = s.y;
        let m = t[0] * FR_INV;
        var k = mac(t[0], m, p[0], 0u).y;
        for (var j = 1u; j < 8u; j++) {
            let v = mac(t[j], m, p[j], k);
            t[j - 1u] = v.x;
            k = v.y;
        }
        let s2 = add_carry(t[8], k, 0u);
        t[7] = s2.x;
        t[8] = t[9] + s2.y;
    }
    var r: Fr;
    for (var i = 0u; i < 8u; i++) {
        r[i] = t[i];
    }
    return fr_reduce_once(r);
}
