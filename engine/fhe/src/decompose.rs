//! Signed gadget decomposition with tfhe's exact rounding.
//!
//! Reproduces tfhe 1.8.2 `SignedDecomposer::<u64>` (`core_crypto/commons/math/decomposition/
//! decomposer.rs`, `init_decomposer_state` and `native_closest_representable`) and the per-level
//! step `decompose_one_level` (`iter.rs`), itself from Joye–Paillier, "Blind rotation in fully
//! homomorphic encryption with extended keys" (ePrint 2021/1161): round to the top B·l bits with
//! ties balanced so that the digits stay in [−B/2, B/2], then peel base-2^B digits, least
//! significant level first.

/// Rounded, balanced decomposition state of `x` on its top `base_log·level` bits.
#[inline(always)]
pub fn init_state(x: u64, base_log: usize, level: usize) -> u64 {
    let rep = base_log * level;
    let mut res = x >> (63 - rep);
    let rounding_bit = res & 1;
    // res < 2^(rep+1) ≤ 2^64 − 1: no overflow (wrapping only to drop the check in test builds)
    res = res.wrapping_add(1);
    res >>= 1;
    res &= u64::MAX >> (64 - rep);
    // Balance: the top value B^l/2 becomes −B^l/2 when the rounding went up, so that ties alternate.
    let need_balance = ((res.wrapping_sub(1) | (rounding_bit << (rep - 1))) & res) >> (rep - 1);
    res.wrapping_sub(need_balance << rep)
}

/// One digit (two's complement in a u64) of the state, least significant first.
#[inline(always)]
pub fn next_digit(state: &mut u64, base_log: usize) -> u64 {
    let res = *state & ((1u64 << base_log).wrapping_sub(1));
    *state = ((*state as i64) >> base_log) as u64;
    let carry = ((res.wrapping_sub(1) | *state) & res) >> (base_log - 1);
    *state = state.wrapping_add(carry);
    res.wrapping_sub(carry << base_log)
}

/// `x` rounded to the nearest multiple of 2^(64 − bits) (ties up), as tfhe's
/// `native_closest_representable`.
#[inline(always)]
pub fn closest_representable(x: u64, bits: usize) -> u64 {
    let shift = 63 - bits;
    ((x >> shift).wrapping_add(1) & !1u64) << shift
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// Digits recompose to the rounded value and stay balanced.
    #[test]
    fn digits_recompose_and_are_balanced() {
        let seed = 0x5eed_0003;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        for (base_log, level) in [(23, 1), (2, 8), (4, 4), (3, 5), (10, 3)] {
            let rep = base_log * level;
            for _ in 0..5000 {
                let x: u64 = rng.gen();
                let mut st = init_state(x, base_log, level);
                let mut recomposed = 0u64;
                for lev in 0..level {
                    let d = next_digit(&mut st, base_log) as i64;
                    assert!(d.unsigned_abs() <= 1 << (base_log - 1), "seed {seed} x={x} digit {d}");
                    // level index lev (from least significant) has weight 2^(64 − rep + lev·B).
                    recomposed = recomposed.wrapping_add((d as u64).wrapping_shl((64 - rep + lev * base_log) as u32));
                }
                assert_eq!(recomposed, closest_representable(x, rep), "seed {seed} x={x} B={base_log} l={level}");
            }
        }
    }
}
