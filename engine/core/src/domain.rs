//! NTT conventions, pinned to arkworks' `Radix2EvaluationDomain<Fr>` so every backend produces
//! the same bytes: ω for size n = 2^k is `Fr::get_root_of_unity(n)` (the two-adic generator of
//! BLS12-381 Fr raised to 2^(32−k)); forward maps coefficients to evaluations at ω⁰…ωⁿ⁻¹ in natural
//! order; inverse includes the factor 1/n; a coset g·H scales coefficient i by gⁱ before the
//! forward transform and by g⁻ⁱ after the inverse.

use ark_ff::{FftField, Field, One};

use crate::Fr;

/// Fr has two-adicity 32: the largest NTT is 2^32 (memory bounds it far earlier).
pub const MAX_LOG_SIZE: u32 = 32;

/// Primitive n-th root of unity for n = 2^log_n, as arkworks defines it.
pub fn root_of_unity(log_n: u32) -> Fr {
    assert!(log_n <= MAX_LOG_SIZE);
    Fr::get_root_of_unity(1u64 << log_n).expect("two-adic root exists up to 2^32")
}

/// ω^0 … ω^(count−1).
pub fn powers(base: Fr, count: usize) -> Vec<Fr> {
    let mut out = Vec::with_capacity(count);
    let mut acc = Fr::one();
    for _ in 0..count {
        out.push(acc);
        acc *= base;
    }
    out
}

/// The twiddle factors a radix-2 transform of size 2^log_n uses: ω^0 … ω^(n/2 − 1), with ω
/// inverted for the inverse direction.
pub fn twiddles(log_n: u32, inverse: bool) -> Vec<Fr> {
    let w = root_of_unity(log_n);
    let w = if inverse { w.inverse().expect("unit") } else { w };
    powers(w, (1usize << log_n) / 2)
}

/// 1/n in Fr.
pub fn size_inv(log_n: u32) -> Fr {
    Fr::from(1u64 << log_n).inverse().expect("n < r")
}

/// Whether `n` is a valid NTT size.
pub fn is_valid_size(n: usize) -> bool {
    n.is_power_of_two() && n.trailing_zeros() <= MAX_LOG_SIZE
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};

    #[test]
    fn root_matches_arkworks_domain() {
        for k in 1..=20 {
            let d = Radix2EvaluationDomain::<Fr>::new(1 << k).unwrap();
            assert_eq!(d.group_gen(), root_of_unity(k), "k={k}");
            assert_eq!(d.size_inv(), size_inv(k));
        }
    }
}
