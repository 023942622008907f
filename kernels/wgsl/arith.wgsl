// Multi-word integer primitives over u32.
//
// WGSL has neither a 64-bit type (portably) nor a mul-hi, so a 32×32→64 product is assembled
// from four 16×16 partial products. Every field in gloam keeps arkworks' Montgomery words
// (32-bit words of the u64 limbs), which makes uploads and readbacks plain copies; the cost is
// this emulated wide multiply (design notes kzg-msm-ntt.md §7: 13-bit limbs measured faster on some GPUs but
// would need a conversion at every load and store).

// a·b as (lo, hi).
fn mul_wide(a: u32, b: u32) -> vec2<u32> {
    let a0 = a & 0xffffu;
    let a1 = a >> 16u;
    let b0 = b & 0xffffu;
    let b1 = b >> 16u;
    let p00 = a0 * b0;
    let p01 = a0 * b1;
    let p10 = a1 * b0;
    let p11 = a1 * b1;
    // (2^16−1)^2 + 2·(2^16−1) = 2^32 − 1: `mid` cannot overflow.
    let mid = p01 + (p00 >> 16u) + (p10 & 0xffffu);
    let lo = (mid << 16u) | (p00 & 0xffffu);
    let hi = p11 + (mid >> 16u) + (p10 >> 16u);
    return vec2<u32>(lo, hi);
}

// t + a·b + c as (lo, hi); the maximum (2^32−1)^2 + 2·(2^32−1) = 2^64 − 1 fits.
fn mac(t: u32, a: u32, b: u32, c: u32) -> vec2<u32> {
    let p = mul_wide(a, b);
    let s1 = p.x + t;
    let c1 = select(0u, 1u, s1 < t);
    let s2 = s1 + c;
    let c2 = select(0u, 1u, s2 < c);
    return vec2<u32>(s2, p.y + c1 + c2);
}

// a + b + c (c ≤ 1) as (sum, carry).
fn add_carry(a: u32, b: u32, c: u32) -> vec2<u32> {
    let s = a + b;
    let c1 = select(0u, 1u, s < a);
    let s2 = s + c;
    let c2 = select(0u, 1u, s2 < s);
    return vec2<u32>(s2, c1 + c2);
}

// a − b − borrow (borrow ≤ 1) as (difference, borrow out).
fn sub_borrow(a: u32, b: u32, borrow: u32) -> vec2<u32> {
    let d = a - b;
    let b1 = select(0u, 1u, a < b);
    let d2 = d - borrow;
    let b2 = select(0u, 1u, d < borrow);
    return vec2<u32>(d2, b1 + b2);
}
