// Helpers shared by the signature fields held as 8 little-endian 32-bit limbs in plain form
// (secp256k1's p = 2^256 − 2^32 − 977 and Ed25519's p = 2^255 − 19): a field type F has
// `uint32_t v[8]` and a static `p_limb(i)` giving its modulus limb by limb.
#pragma once
#include "../common.cuh"

template <class F>
GLOAM_HD F l8_zero() {
    F r;
    GLOAM_UNROLL
    for (int i = 0; i < 8; i++) r.v[i] = 0;
    return r;
}

template <class F>
GLOAM_HD F l8_one() {
    F r = l8_zero<F>();
    r.v[0] = 1;
    return r;
}

// Constant time over the limbs (no early exit).
template <class F>
GLOAM_HD bool l8_is_zero(const F &a) {
    uint32_t acc = 0;
    GLOAM_UNROLL
    for (int i = 0; i < 8; i++) acc |= a.v[i];
    return acc == 0;
}

template <class F>
GLOAM_HD bool l8_eq(const F &a, const F &b) {
    uint32_t acc = 0;
    GLOAM_UNROLL
    for (int i = 0; i < 8; i++) acc |= a.v[i] ^ b.v[i];
    return acc == 0;
}

// a − p if a ≥ p, else a (for a < 2p).
template <class F>
GLOAM_HD F l8_reduce_once(const F &a) {
    F d;
    uint64_t borrow = 0;
    GLOAM_UNROLL
    for (int i = 0; i < 8; i++) {
        uint64_t t = (uint64_t)a.v[i] - F::p_limb(i) - borrow;
        d.v[i] = (uint32_t)t;
        borrow = (t >> 32) & 1;
    }
    return borrow ? a : d;
}
