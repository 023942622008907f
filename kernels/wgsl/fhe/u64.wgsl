// 64-bit words as vec2<u32> (x = low word, y = high word), Goldilocks arithmetic
// (p = 2^64 − 2^32 + 1), the p → 2^64 switch and tfhe's signed gadget decomposition.
//
// Each function mirrors the u64 code of gloam-fhe (engine/fhe/src/{ntt,pbs,decompose}.rs)
// operation by operation, so the results are the same bits. Needs arith.wgsl (mul_wide,
// add_carry).

const U64_ONE: vec2<u32> = vec2<u32>(1u, 0u);
// 2^64 mod p = 2^32 − 1.
const GL_EPS: vec2<u32> = vec2<u32>(0xffffffffu, 0u);
const GL_P: vec2<u32> = vec2<u32>(1u, 0xffffffffu);

fn add64(a: vec2<u32>, b: vec2<u32>) -> vec2<u32> {
    let lo = a.x + b.x;
    return vec2<u32>(lo, a.y + b.y + select(0u, 1u, lo < a.x));
}

// (sum, carry out).
fn add64_ovf(a: vec2<u32>, b: vec2<u32>) -> vec3<u32> {
    let l = add_carry(a.x, b.x, 0u);
    let h = add_carry(a.y, b.y, l.y);
    return vec3<u32>(l.x, h.x, h.y);
}

fn sub64(a: vec2<u32>, b: vec2<u32>) -> vec2<u32> {
    return vec2<u32>(a.x - b.x, a.y - b.y - select(0u, 1u, a.x < b.x));
}

// (difference, borrow out).
fn sub64_bor(a: vec2<u32>, b: vec2<u32>) -> vec3<u32> {
    let l = sub_borrow(a.x, b.x, 0u);
    let h = sub_borrow(a.y, b.y, l.y);
    return vec3<u32>(l.x, h.x, h.y);
}

fn neg64(a: vec2<u32>) -> vec2<u32> {
    return sub64(vec2<u32>(0u, 0u), a);
}

// Logical shift right by s in [0, 63].
fn shr64(a: vec2<u32>, s: u32) -> vec2<u32> {
    if (s == 0u) {
        return a;
    }
    if (s < 32u) {
        return vec2<u32>((a.x >> s) | (a.y << (32u - s)), a.y >> s);
    }
    return vec2<u32>(a.y >> (s - 32u), 0u);
}

// Shift left by s in [0, 63].
fn shl64(a: vec2<u32>, s: u32) -> vec2<u32> {
    if (s == 0u) {
        return a;
    }
    if (s < 32u) {
        return vec2<u32>(a.x << s, (a.y << s) | (a.x >> (32u - s)));
    }
    return vec2<u32>(0u, a.x << (s - 32u));
}

// Arithmetic shift right by s in [0, 63].
fn sar64(a: vec2<u32>, s: u32) -> vec2<u32> {
    let sgn = select(0u, 0xffffffffu, (a.y & 0x80000000u) != 0u);
    if (s == 0u) {
        return a;
    }
    if (s < 32u) {
        return vec2<u32>((a.x >> s) | (a.y << (32u - s)), bitcast<u32>(bitcast<i32>(a.y) >> s));
    }
    return vec2<u32>(bitcast<u32>(bitcast<i32>(a.y) >> (s - 32u)), sgn);
}

// u64::MAX >> (64 − bits), bits in [1, 64].
fn low_mask64(bits: u32) -> vec2<u32> {
    return shr64(vec2<u32>(0xffffffffu, 0xffffffffu), 64u - bits);
}

// ---- Goldilocks ----

fn gl_canonical(x: vec2<u32>) -> vec2<u32> {
    // x ≥ p ⇔ high word all ones and low word ≥ 1; then x − p = (low − 1, 0).
    if (x.y == 0xffffffffu && x.x >= 1u) {
        return vec2<u32>(x.x - 1u, 0u);
    }
    return x;
}

fn gl_add(a: vec2<u32>, b: vec2<u32>) -> vec2<u32> {
    let s = add64_ovf(a, b);
    var v = s.xy;
    if (s.z != 0u) {
        v = add64(v, GL_EPS);
    }
    return gl_canonical(v);
}

fn gl_sub(a: vec2<u32>, b: vec2<u32>) -> vec2<u32> {
    let d = sub64_bor(a, b);
    var v = d.xy;
    if (d.z != 0u) {
        v = sub64(v, GL_EPS);
    }
    return v;
}

// Full 64×64 → 128 product as four words, least significant first.
fn mul128(a: vec2<u32>, b: vec2<u32>) -> vec4<u32> {
    let p00 = mul_wide(a.x, b.x);
    let p01 = mul_wide(a.x, b.y);
    let p10 = mul_wide(a.y, b.x);
    let p11 = mul_wide(a.y, b.y);
    let s1 = add_carry(p00.y, p01.x, 0u);
    let s2 = add_carry(s1.x, p10.x, 0u);
    let c1 = s1.y + s2.y;
    let t1 = add_carry(p01.y, p10.y, 0u);
    let t2 = add_carry(t1.x, p11.x, 0u);
    let t3 = add_carry(t2.x, c1, 0u);
    let c2 = t1.y + t2.y + t3.y;
    return vec4<u32>(p00.x, s2.x, t3.x, p11.y + c2);
}

// lo + 2^64·(h0 + 2^32·h1) ≡ lo − h1 + h0·(2^32 − 1) (mod p), as gloam-fhe's reduce128.
fn gl_reduce(w: vec4<u32>) -> vec2<u32> {
    let h0 = w.z;
    let h1 = w.w;
    let t0 = sub64_bor(w.xy, vec2<u32>(h1, 0u));
    var v = t0.xy;
    if (t0.z != 0u) {
        v = sub64(v, GL_EPS);
    }
    // (h0 << 32) − h0
    let t1 = vec2<u32>(0u - h0, h0 - select(0u, 1u, h0 != 0u));
    let r = add64_ovf(v, t1);
    var rv = r.xy;
    if (r.z != 0u) {
        rv = add64(rv, GL_EPS);
    }
    return gl_canonical(rv);
}

fn gl_mul(a: vec2<u32>, b: vec2<u32>) -> vec2<u32> {
    return gl_reduce(mul128(a, b));
}

// ⌊(v·2^64 + ⌊p/2⌋)/p⌋ for v < p (gloam-fhe `mod_p_to_native`): with r = v·ε + ⌊p/2⌋ < 2^96,
// the quotient is v + ⌊r/p⌋, found from q = ⌊r/2^64⌋ and at most three corrections.
fn gl_to_native(v: vec2<u32>) -> vec2<u32> {
    // v·ε = (v << 32) − v as three words.
    let d0 = sub_borrow(0u, v.x, 0u);
    let d1 = sub_borrow(v.x, v.y, d0.y);
    let d2 = sub_borrow(v.y, 0u, d1.y);
    // + ⌊p/2⌋ = 0x7fffffff_80000000
    let e0 = add_carry(d0.x, 0x80000000u, 0u);
    let e1 = add_carry(d1.x, 0x7fffffffu, e0.y);
    let r2 = d2.x + e1.y;
    var q = vec2<u32>(r2, 0u);
    // rem = (r mod 2^64) + q·ε, q·ε = (q << 32) − q < 2^64
    let qe = vec2<u32>(0u - r2, r2 - select(0u, 1u, r2 != 0u));
    let s = add64_ovf(vec2<u32>(e0.x, e1.x), qe);
    var rem = s;
    for (var i = 0u; i < 3u; i = i + 1u) {
        let ge = rem.z != 0u || (rem.y == 0xffffffffu && rem.x >= 1u);
        if (ge) {
            q = add64(q, U64_ONE);
            let l = sub_borrow(rem.x, 1u, 0u);
            let h = sub_borrow(rem.y, 0xffffffffu, l.y);
            rem = vec3<u32>(l.x, h.x, rem.z - h.y);
        }
    }
    return add64(v, q);
}

// ---- tfhe signed decomposition (gloam-fhe decompose.rs) ----

fn decomp_init_state(x: vec2<u32>, base_log: u32, level: u32) -> vec2<u32> {
    let rep = base_log * level;
    var res = shr64(x, 63u - rep);
    let rounding_bit = res.x & 1u;
    res = add64(res, U64_ONE);
    res = shr64(res, 1u);
    res = vec2<u32>(res.x, res.y) & low_mask64(rep);
    let t = (sub64(res, U64_ONE) | shl64(vec2<u32>(rounding_bit, 0u), rep - 1u)) & res;
    let need_balance = shr64(t, rep - 1u);
    return sub64(res, shl64(need_balance, rep));
}

// One digit (two's complement) of `state`, least significant first; updates the state.
fn decomp_next_digit(state: ptr<function, vec2<u32>>, base_log: u32) -> vec2<u32> {
    let res = *state & low_mask64(base_log);
    var st = sar64(*state, base_log);
    let carry = shr64((sub64(res, U64_ONE) | st) & res, base_log - 1u);
    st = add64(st, carry);
    *state = st;
    return sub64(res, shl64(carry, base_log));
}

// The `level`-th digit (0 = first produced) of x.
fn decomp_digit(x: vec2<u32>, base_log: u32, level_count: u32, level: u32) -> vec2<u32> {
    var st = decomp_init_state(x, base_log, level_count);
    var d = vec2<u32>(0u, 0u);
    for (var l = 0u; l <= level; l = l + 1u) {
        d = decomp_next_digit(&st, base_log);
    }
    return d;
}

// A balanced digit in two's complement → Z_p.
fn digit_to_gl(d: vec2<u32>) -> vec2<u32> {
    if ((d.y & 0x80000000u) != 0u) {
        return add64(d, GL_P);
    }
    return d;
}

// Rounding switch of a u32 word to 2N = 2^log_2n (tfhe `modulus_switch`).
fn mod_switch_u32(x: u32, log_2n: u32) -> u32 {
    return (x + (1u << (31u - log_2n))) >> (32u - log_2n);
}
