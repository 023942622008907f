// Helpers shared by the signature fields held as 8 little-endian u32 words in plain form
// (secp256k1's p and 2^255 − 19). Needs arith.wgsl (sub_borrow).

fn l8_is_zero(a: array<u32, 8>) -> bool {
    var x = a;
    var acc = 0u;
    for (var i = 0u; i < 8u; i++) {
        acc |= x[i];
    }
    return acc == 0u;
}

fn l8_eq(a: array<u32, 8>, b: array<u32, 8>) -> bool {
    var x = a;
    var y = b;
    var acc = 0u;
    for (var i = 0u; i < 8u; i++) {
        acc |= x[i] ^ y[i];
    }
    return acc == 0u;
}

// a − m if a ≥ m, else a (for a < 2m). Branch-free (select per word): data-dependent branches
// keep lavapipe from holding the words in registers, and diverge on GPUs.
fn l8_reduce_once(a: array<u32, 8>, m: array<u32, 8>) -> array<u32, 8> {
    var x = a;
    var p = m;
    var d: array<u32, 8>;
    var br = 0u;
    for (var i = 0u; i < 8u; i++) {
        let s = sub_borrow(x[i], p[i], br);
        d[i] = s.x;
        br = s.y;
    }
    for (var i = 0u; i < 8u; i++) {
        d[i] = select(d[i], x[i], br != 0u);
    }
    return d;
}
