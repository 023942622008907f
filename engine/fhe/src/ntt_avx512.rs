//! AVX-512F butterflies for the Goldilocks NTT (8 lanes of u64). Same arithmetic as the scalar
//! path (every result fully reduced to [0, p)), so outputs are identical bit for bit; unit tests
//! compare the two. Selected at run time when the CPU has AVX-512F.
//!
//! 64×64→128 products are built from four 32×32→64 `vpmuludq`; the 128-bit value is reduced with
//! the Goldilocks identity used in `ntt.rs` (lo − h1 + h0·(2^32 − 1)).

#![cfg(target_arch = "x86_64")]

use std::arch::x86_64::*;

use crate::ntt::P;

const EPS: u64 = 0xffff_ffff;

#[inline]
#[target_feature(enable = "avx512f")]
fn canonical(x: __m512i) -> __m512i {
    let p = _mm512_set1_epi64(P as i64);
    let ge = _mm512_cmpge_epu64_mask(x, p);
    _mm512_mask_sub_epi64(x, ge, x, p)
}

#[inline]
#[target_feature(enable = "avx512f")]
fn add(a: __m512i, b: __m512i) -> __m512i {
    let eps = _mm512_set1_epi64(EPS as i64);
    let s = _mm512_add_epi64(a, b);
    let over = _mm512_cmplt_epu64_mask(s, a);
    canonical(_mm512_mask_add_epi64(s, over, s, eps))
}

#[inline]
#[target_feature(enable = "avx512f")]
fn sub(a: __m512i, b: __m512i) -> __m512i {
    let eps = _mm512_set1_epi64(EPS as i64);
    let d = _mm512_sub_epi64(a, b);
    let borrow = _mm512_cmplt_epu64_mask(a, b);
    _mm512_mask_sub_epi64(d, borrow, d, eps)
}

/// a·b mod p; `b_hi` = b >> 32 (precomputed for broadcast twiddles).
#[inline]
#[target_feature(enable = "avx512f")]
fn mul(a: __m512i, b: __m512i, b_hi: __m512i) -> __m512i {
    let (hi, lo) = mul_wide_split(a, b, b_hi);
    reduce_wide(hi, lo)
}

/// Pointwise acc = acc + a·b mod p (lengths multiple of 8).
#[target_feature(enable = "avx512f")]
pub(crate) unsafe fn mul_accumulate(acc: &mut [u64], a: &[u64], b: &[u64]) {
    // SAFETY: callers guarantee AVX-512F and in-bounds pointers (see each caller).
    unsafe {
        debug_assert!(acc.len() == a.len() && a.len() == b.len() && acc.len().is_multiple_of(8));
        for i in (0..acc.len()).step_by(8) {
            let x = _mm512_loadu_si512(a.as_ptr().add(i) as *const _);
            let y = _mm512_loadu_si512(b.as_ptr().add(i) as *const _);
            let z = _mm512_loadu_si512(acc.as_ptr().add(i) as *const _);
            let r = add(z, mul(x, y, _mm512_srli_epi64::<32>(y)));
            _mm512_storeu_si512(acc.as_mut_ptr().add(i) as *mut _, r);
        }
    }
}

/// One Cooley–Tukey stage with half-block t ≥ 8: for each block j, (x, y) → (x + w·y, x − w·y).
#[target_feature(enable = "avx512f")]
pub(crate) unsafe fn forward_stage(a: &mut [u64], t: usize, twiddles: &[u64]) {
    // SAFETY: callers guarantee AVX-512F and in-bounds pointers (see each caller).
    unsafe {
        debug_assert!(t.is_multiple_of(8) && a.len() == 2 * t * twiddles.len());
        for (j, &w) in twiddles.iter().enumerate() {
            let wv = _mm512_set1_epi64(w as i64);
            let wh = _mm512_set1_epi64((w >> 32) as i64);
            let base = a.as_mut_ptr().add(2 * j * t);
            for k in (0..t).step_by(8) {
                let px = base.add(k);
                let py = base.add(k + t);
                let x = _mm512_loadu_si512(px as *const _);
                let y = _mm512_loadu_si512(py as *const _);
                let v = mul(y, wv, wh);
                _mm512_storeu_si512(px as *mut _, add(x, v));
                _mm512_storeu_si512(py as *mut _, sub(x, v));
            }
        }
    }
}

/// One Gentleman–Sande stage with half-block t ≥ 8: (x, y) → (x + y, (x − y)·w).
#[target_feature(enable = "avx512f")]
pub(crate) unsafe fn inverse_stage(a: &mut [u64], t: usize, twiddles: &[u64]) {
    // SAFETY: callers guarantee AVX-512F and in-bounds pointers (see each caller).
    unsafe {
        debug_assert!(t.is_multiple_of(8) && a.len() == 2 * t * twiddles.len());
        for (j, &w) in twiddles.iter().enumerate() {
            let wv = _mm512_set1_epi64(w as i64);
            let wh = _mm512_set1_epi64((w >> 32) as i64);
            let base = a.as_mut_ptr().add(2 * j * t);
            for k in (0..t).step_by(8) {
                let px = base.add(k);
                let py = base.add(k + t);
                let x = _mm512_loadu_si512(px as *const _);
                let y = _mm512_loadu_si512(py as *const _);
                _mm512_storeu_si512(px as *mut _, add(x, y));
                _mm512_storeu_si512(py as *mut _, mul(sub(x, y), wv, wh));
            }
        }
    }
}

/// Lanes of a 16-element group that are the "x" side of a butterfly with half-block t < 8.
pub(crate) fn x_positions(t: usize) -> [usize; 8] {
    let mut out = [0usize; 8];
    let mut k = 0;
    for i in 0..16 {
        if i & t == 0 {
            out[k] = i;
            k += 1;
        }
    }
    out
}

/// Permutation indices: gather x and y lanes from two vectors, and scatter them back.
fn tail_indices(t: usize) -> ([i64; 8], [i64; 8], [i64; 8], [i64; 8]) {
    let xs = x_positions(t);
    let (mut xi, mut yi, mut o0, mut o1) = ([0i64; 8], [0i64; 8], [0i64; 8], [0i64; 8]);
    for k in 0..8 {
        xi[k] = xs[k] as i64;
        yi[k] = (xs[k] + t) as i64;
        for (pos, val) in [(xs[k], k as i64), (xs[k] + t, 8 + k as i64)] {
            if pos < 8 {
                o0[pos] = val;
            } else {
                o1[pos - 8] = val;
            }
        }
    }
    (xi, yi, o0, o1)
}

/// Cooley–Tukey stage with t ∈ {1, 2, 4} on groups of 16 elements; `tw[8c + k]` is the twiddle of
/// lane k of group c (expanded once per plan).
#[target_feature(enable = "avx512f")]
pub(crate) unsafe fn forward_tail(a: &mut [u64], t: usize, tw: &[u64]) {
    // SAFETY: callers guarantee AVX-512F and in-bounds pointers (see each caller).
    unsafe {
        debug_assert!(a.len().is_multiple_of(16) && tw.len() == a.len() / 2);
        let (xi, yi, o0, o1) = tail_indices(t);
        let (xi, yi) = (_mm512_loadu_si512(xi.as_ptr() as *const _), _mm512_loadu_si512(yi.as_ptr() as *const _));
        let (o0, o1) = (_mm512_loadu_si512(o0.as_ptr() as *const _), _mm512_loadu_si512(o1.as_ptr() as *const _));
        for c in 0..a.len() / 16 {
            let p = a.as_mut_ptr().add(16 * c);
            let v0 = _mm512_loadu_si512(p as *const _);
            let v1 = _mm512_loadu_si512(p.add(8) as *const _);
            let x = _mm512_permutex2var_epi64(v0, xi, v1);
            let y = _mm512_permutex2var_epi64(v0, yi, v1);
            let w = _mm512_loadu_si512(tw.as_ptr().add(8 * c) as *const _);
            let v = mul(y, w, _mm512_srli_epi64::<32>(w));
            let (nx, ny) = (add(x, v), sub(x, v));
            _mm512_storeu_si512(p as *mut _, _mm512_permutex2var_epi64(nx, o0, ny));
            _mm512_storeu_si512(p.add(8) as *mut _, _mm512_permutex2var_epi64(nx, o1, ny));
        }
    }
}

/// Gentleman–Sande stage with t ∈ {1, 2, 4}, layout as [`forward_tail`].
#[target_feature(enable = "avx512f")]
pub(crate) unsafe fn inverse_tail(a: &mut [u64], t: usize, tw: &[u64]) {
    // SAFETY: callers guarantee AVX-512F and in-bounds pointers (see each caller).
    unsafe {
        debug_assert!(a.len().is_multiple_of(16) && tw.len() == a.len() / 2);
        let (xi, yi, o0, o1) = tail_indices(t);
        let (xi, yi) = (_mm512_loadu_si512(xi.as_ptr() as *const _), _mm512_loadu_si512(yi.as_ptr() as *const _));
        let (o0, o1) = (_mm512_loadu_si512(o0.as_ptr() as *const _), _mm512_loadu_si512(o1.as_ptr() as *const _));
        for c in 0..a.len() / 16 {
            let p = a.as_mut_ptr().add(16 * c);
            let v0 = _mm512_loadu_si512(p as *const _);
            let v1 = _mm512_loadu_si512(p.add(8) as *const _);
            let x = _mm512_permutex2var_epi64(v0, xi, v1);
            let y = _mm512_permutex2var_epi64(v0, yi, v1);
            let w = _mm512_loadu_si512(tw.as_ptr().add(8 * c) as *const _);
            let nx = add(x, y);
            let ny = mul(sub(x, y), w, _mm512_srli_epi64::<32>(w));
            _mm512_storeu_si512(p as *mut _, _mm512_permutex2var_epi64(nx, o0, ny));
            _mm512_storeu_si512(p.add(8) as *mut _, _mm512_permutex2var_epi64(nx, o1, ny));
        }
    }
}

/// Decomposition states (`decompose::init_state`) for a slice, 8 lanes at a time (the engine uses
/// the fused [`first_digits_rotated_mod_p`]; kept as the tests' reference for it).
#[cfg(test)]
#[target_feature(enable = "avx512f")]
pub(crate) unsafe fn init_states(states: &mut [u64], input: &[u64], base_log: usize, level: usize) {
    debug_assert!(states.len() == input.len() && input.len().is_multiple_of(8));
    let rep = (base_log * level) as u64;
    let one = _mm512_set1_epi64(1);
    let sh_in = _mm512_set1_epi64((63 - rep) as i64);
    let sh_top = _mm512_set1_epi64((rep - 1) as i64);
    let sh_rep = _mm512_set1_epi64(rep as i64);
    let mask = _mm512_set1_epi64((u64::MAX >> (64 - rep)) as i64);
    for i in (0..input.len()).step_by(8) {
        // SAFETY: i + 8 ≤ len for both slices (asserted lengths, multiple of 8).
        let x = unsafe { _mm512_loadu_si512(input.as_ptr().add(i) as *const _) };
        let res = _mm512_srlv_epi64(x, sh_in);
        let rb = _mm512_and_si512(res, one);
        let res = _mm512_and_si512(_mm512_srli_epi64::<1>(_mm512_add_epi64(res, one)), mask);
        let t = _mm512_or_si512(_mm512_sub_epi64(res, one), _mm512_sllv_epi64(rb, sh_top));
        let need = _mm512_srlv_epi64(_mm512_and_si512(t, res), sh_top);
        let out = _mm512_sub_epi64(res, _mm512_sllv_epi64(need, sh_rep));
        // SAFETY: as above.
        unsafe { _mm512_storeu_si512(states.as_mut_ptr().add(i) as *mut _, out) };
    }
}

/// [`init_states`] then one [`next_digits_mod_p`] in a single pass (the first level of the
/// external product) on ct1 = acc·X^k − acc (mod X^N + 1, wrapping, k < 2N), which is computed on
/// the fly: digits of ct1, and the remaining states when `level` > 1 (`states` is left untouched
/// otherwise).
#[target_feature(enable = "avx512f")]
pub(crate) unsafe fn first_digits_rotated_mod_p(
    acc: &[u64],
    k: usize,
    states: &mut [u64],
    digits: &mut [u64],
    base_log: usize,
    level: usize,
) {
    let n = acc.len();
    debug_assert!(states.len() == n && digits.len() == n && n.is_multiple_of(8) && k < 2 * n);
    let (neg_all, shift) = if k >= n { (true, k - n) } else { (false, k) };
    let rep = (base_log * level) as u64;
    let zero = _mm512_setzero_si512();
    let one = _mm512_set1_epi64(1);
    let sh_in = _mm512_set1_epi64((63 - rep) as i64);
    let sh_top = _mm512_set1_epi64((rep - 1) as i64);
    let sh_rep = _mm512_set1_epi64(rep as i64);
    let mask = _mm512_set1_epi64((u64::MAX >> (64 - rep)) as i64);
    let b = _mm512_set1_epi64(base_log as i64);
    let b1 = _mm512_set1_epi64(base_log as i64 - 1);
    let bmask = _mm512_set1_epi64(((1u64 << base_log) - 1) as i64);
    let p = _mm512_set1_epi64(P as i64);
    let base = acc.as_ptr();
    for i in (0..n).step_by(8) {
        // Coefficient i + l of acc·X^k: ±acc[i + l − shift] where i + l ≥ shift ("kept"),
        // ∓acc[n − shift + i + l] otherwise ("wrapped", sign flipped by X^N = −1).
        let kept: __mmask8 = if i >= shift {
            0xff
        } else if i + 8 <= shift {
            0
        } else {
            0xffu8 << (shift - i)
        };
        // SAFETY: masked loads touch only the selected lanes, whose indices i + l − shift
        // (kept) and n − shift + i + l (wrapped) lie in [0, n); the pointers of the other lanes
        // are formed with wrapping arithmetic and never dereferenced. i + 8 ≤ n for the others.
        let (x, old) = unsafe {
            let v = _mm512_mask_loadu_epi64(zero, kept, base.wrapping_add(i).wrapping_sub(shift) as *const i64);
            let v = _mm512_mask_loadu_epi64(v, !kept, base.wrapping_add(n + i).wrapping_sub(shift) as *const i64);
            (v, _mm512_loadu_si512(base.add(i) as *const _))
        };
        let neg = if neg_all { kept } else { !kept };
        let x = _mm512_sub_epi64(_mm512_mask_sub_epi64(x, neg, zero, x), old);
        // init_states
        let res = _mm512_srlv_epi64(x, sh_in);
        let rb = _mm512_and_si512(res, one);
        let res = _mm512_and_si512(_mm512_srli_epi64::<1>(_mm512_add_epi64(res, one)), mask);
        let t = _mm512_or_si512(_mm512_sub_epi64(res, one), _mm512_sllv_epi64(rb, sh_top));
        let need = _mm512_srlv_epi64(_mm512_and_si512(t, res), sh_top);
        let st = _mm512_sub_epi64(res, _mm512_sllv_epi64(need, sh_rep));
        // next_digits_mod_p
        let res = _mm512_and_si512(st, bmask);
        let st = _mm512_srav_epi64(st, b);
        let carry = _mm512_srlv_epi64(_mm512_and_si512(_mm512_or_si512(_mm512_sub_epi64(res, one), st), res), b1);
        let st = _mm512_add_epi64(st, carry);
        let d = _mm512_sub_epi64(res, _mm512_sllv_epi64(carry, b));
        let d = _mm512_add_epi64(d, _mm512_and_si512(p, _mm512_srai_epi64::<63>(d)));
        // SAFETY: i + 8 ≤ n.
        unsafe {
            if level > 1 {
                _mm512_storeu_si512(states.as_mut_ptr().add(i) as *mut _, st);
            }
            _mm512_storeu_si512(digits.as_mut_ptr().add(i) as *mut _, d);
        }
    }
}

/// Next balanced digit of every state (`decompose::next_digit`), mapped into Z_p (d < 0 → p + d).
#[target_feature(enable = "avx512f")]
pub(crate) unsafe fn next_digits_mod_p(states: &mut [u64], digits: &mut [u64], base_log: usize) {
    debug_assert!(states.len() == digits.len() && digits.len().is_multiple_of(8));
    let one = _mm512_set1_epi64(1);
    let b = _mm512_set1_epi64(base_log as i64);
    let b1 = _mm512_set1_epi64(base_log as i64 - 1);
    let bmask = _mm512_set1_epi64(((1u64 << base_log) - 1) as i64);
    let p = _mm512_set1_epi64(P as i64);
    for i in (0..states.len()).step_by(8) {
        // SAFETY: i + 8 ≤ len for both slices.
        let st = unsafe { _mm512_loadu_si512(states.as_ptr().add(i) as *const _) };
        let res = _mm512_and_si512(st, bmask);
        let st = _mm512_srav_epi64(st, b);
        let carry = _mm512_srlv_epi64(_mm512_and_si512(_mm512_or_si512(_mm512_sub_epi64(res, one), st), res), b1);
        let st = _mm512_add_epi64(st, carry);
        let d = _mm512_sub_epi64(res, _mm512_sllv_epi64(carry, b));
        let d = _mm512_add_epi64(d, _mm512_and_si512(p, _mm512_srai_epi64::<63>(d)));
        // SAFETY: as above.
        unsafe {
            _mm512_storeu_si512(states.as_mut_ptr().add(i) as *mut _, st);
            _mm512_storeu_si512(digits.as_mut_ptr().add(i) as *mut _, d);
        }
    }
}

/// acc += ⌊(v·2^64 + ⌊p/2⌋)/p⌋ (wrapping), the p → 2^64 switch of `pbs::mod_p_to_native`.
#[target_feature(enable = "avx512f")]
pub(crate) unsafe fn add_mod_p_to_native(acc: &mut [u64], v: &[u64]) {
    debug_assert!(acc.len() == v.len() && v.len().is_multiple_of(8));
    let one = _mm512_set1_epi64(1);
    let half_p = _mm512_set1_epi64((P >> 1) as i64);
    let p = _mm512_set1_epi64(P as i64);
    for i in (0..v.len()).step_by(8) {
        // SAFETY: i + 8 ≤ len for both slices.
        let x = unsafe { _mm512_loadu_si512(v.as_ptr().add(i) as *const _) };
        // y = x·(2^32 − 1) + ⌊p/2⌋ as a 128-bit (hi, lo) pair
        let shl = _mm512_slli_epi64::<32>(x);
        let lo1 = _mm512_sub_epi64(shl, x);
        let hi1 = _mm512_mask_sub_epi64(
            _mm512_srli_epi64::<32>(x),
            _mm512_cmplt_epu64_mask(shl, x),
            _mm512_srli_epi64::<32>(x),
            one,
        );
        let lo2 = _mm512_add_epi64(lo1, half_p);
        let mut q = _mm512_mask_add_epi64(hi1, _mm512_cmplt_epu64_mask(lo2, lo1), hi1, one);
        // rem = y − q·p = lo + q·(2^32 − 1) (q < 2^32), as (carry bit, lo)
        let qe = _mm512_sub_epi64(_mm512_slli_epi64::<32>(q), q);
        let rem = _mm512_add_epi64(lo2, qe);
        let c = _mm512_cmplt_epu64_mask(rem, lo2);
        // s = c·2^64 + rem ≤ (2^64 − 1) + (2^32 − 1)^2 = 2^65 − 2^33 < 2p (q < 2^32 since
        // y < 2^96): with the carry p < s < 2p and the quotient gains exactly 1; without it
        // (s < 2^64 < 2p), 1 iff rem ≥ p.
        let ge = _mm512_mask_cmpge_epu64_mask(!c, rem, p);
        q = _mm512_mask_add_epi64(q, c | ge, q, one);
        // SAFETY: as above.
        let a = unsafe { _mm512_loadu_si512(acc.as_ptr().add(i) as *const _) };
        let out = _mm512_add_epi64(a, _mm512_add_epi64(x, q));
        // SAFETY: as above.
        unsafe { _mm512_storeu_si512(acc.as_mut_ptr().add(i) as *mut _, out) };
    }
}

// ---------------------------------------------------------------------------------------------
// Power-of-two twiddles (see `ntt::Pow2Plan`). In Z_p, 2 has order 192 (2^96 ≡ −1: with
// φ = 2^32, φ^2 ≡ φ − 1 and φ^3 ≡ −1, R. Bloemen, "The Goldilocks Prime", 2022,
// https://xn--2-umb.com/22/goldilocks/), so every 64th root of unity is ±2^e (e.g. 2^39, the
// 2^6-th root listed by the ZPrize 2022 Goldilocks NTT entries): multiplying by it is a shift and
// a Goldilocks reduction, no multiplier. The code below is our own.
// ---------------------------------------------------------------------------------------------

/// Shift counts of x·2^e for one e ∈ [0, 96) per lane (see [`shl_mod`]); counts are u64 and
/// "negative" ones wrap to huge values, which `vpsllvq`/`vpsrlvq` turn into 0.
#[derive(Clone, Copy)]
pub(crate) struct Shift {
    c0: __m512i,
    c96: __m512i,
    c64: __m512i,
    cm64: __m512i,
}

impl Shift {
    /// Same exponent in every lane.
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn uniform(e: u64) -> Self {
        Self {
            c0: _mm512_set1_epi64(e as i64),
            c96: _mm512_set1_epi64(96i64 - e as i64),
            c64: _mm512_set1_epi64(64i64 - e as i64),
            cm64: _mm512_set1_epi64(e as i64 - 64),
        }
    }
}

/// x·2^e mod p, canonical, for any x < 2^64 and e ∈ [0, 96) (counts in `s`).
///
/// Write x·2^e = P0 + 2^64·Q with P0 = x·2^e mod 2^64 (0 when e ≥ 64) and Q < 2^96, and
/// Q = q0 + 2^32·S with q0 < 2^32 (bits 64..96 of x·2^e) and S = ⌊x / 2^(96 − e)⌋ < 2^63. Since
/// 2^64 ≡ 2^32 − 1 and 2^96 ≡ −1: x·2^e ≡ P0 + q0·(2^32 − 1) − S. A shift count ≥ 64 gives 0 in
/// `vpsllvq`/`vpsrlvq`, which selects the right terms for e < 64 and e ≥ 64 without branches.
#[inline]
#[target_feature(enable = "avx512f")]
fn shl_mod(x: __m512i, s: &Shift) -> __m512i {
    let eps = _mm512_set1_epi64(EPS as i64);
    let p0 = _mm512_sllv_epi64(x, s.c0);
    let sh = _mm512_srlv_epi64(x, s.c96);
    let q0 = _mm512_and_si512(_mm512_or_si512(_mm512_srlv_epi64(x, s.c64), _mm512_sllv_epi64(x, s.cm64)), eps);
    let t1 = _mm512_sub_epi64(_mm512_slli_epi64::<32>(q0), q0);
    let t0 = _mm512_sub_epi64(p0, sh);
    let t0 = _mm512_mask_sub_epi64(t0, _mm512_cmplt_epu64_mask(p0, sh), t0, eps);
    let r = _mm512_add_epi64(t0, t1);
    let carry = _mm512_cmplt_epu64_mask(r, t0);
    canonical(_mm512_mask_add_epi64(r, carry, r, eps))
}

/// x·2^e mod p for one e ≤ 32 in every lane (no bits above 96): P0 + (x >> (64 − e))·(2^32 − 1).
#[inline]
#[target_feature(enable = "avx512f")]
fn shl_mod_small(x: __m512i, c0: __m128i, c64: __m128i) -> __m512i {
    let eps = _mm512_set1_epi64(EPS as i64);
    let p0 = _mm512_sll_epi64(x, c0);
    let q0 = _mm512_srl_epi64(x, c64);
    let t1 = _mm512_sub_epi64(_mm512_slli_epi64::<32>(q0), q0);
    let r = _mm512_add_epi64(p0, t1);
    let carry = _mm512_cmplt_epu64_mask(r, p0);
    canonical(_mm512_mask_add_epi64(r, carry, r, eps))
}

/// Lazy add: a any u64, b ≤ p; result ≡ a + b, any u64 (a + b − 2^64 + ε cannot overflow).
#[inline]
#[target_feature(enable = "avx512f")]
fn add_lazy(a: __m512i, b: __m512i) -> __m512i {
    let s = _mm512_add_epi64(a, b);
    let over = _mm512_cmplt_epu64_mask(s, a);
    _mm512_mask_add_epi64(s, over, s, _mm512_set1_epi64(EPS as i64))
}

/// Lazy sub: a any u64, b ≤ p; result ≡ a − b, any u64 (`sub` is already exact for this).
#[inline]
#[target_feature(enable = "avx512f")]
fn sub_lazy(a: __m512i, b: __m512i) -> __m512i {
    sub(a, b)
}

/// Twiddle of one butterfly: 255 = not a power of two (general multiplication by `w`), else
/// e ∈ [0, 192) with w = 2^e.
pub(crate) const NOT_POW2: u8 = 255;

/// v = y·w for a block twiddle, result ≤ p; `neg` tells the caller to swap x + v and x − v.
#[inline]
#[target_feature(enable = "avx512f")]
fn twiddle_mul(y: __m512i, e: u8, w: u64) -> (__m512i, bool) {
    if e == NOT_POW2 {
        let wv = _mm512_set1_epi64(w as i64);
        return (mul(y, wv, _mm512_set1_epi64((w >> 32) as i64)), false);
    }
    let neg = e >= 96;
    let e = (e % 96) as i64;
    if e <= 32 {
        let c0 = _mm_set_epi64x(0, e);
        let c64 = _mm_set_epi64x(0, 64 - e);
        (shl_mod_small(y, c0, c64), neg)
    } else {
        (shl_mod(y, &Shift::uniform(e as u64)), neg)
    }
}

/// Cooley–Tukey stage, half-block t ≥ 8, lazy values (inputs any u64, outputs any u64): block j
/// has twiddle 2^exps[j] (or ws[j] when exps[j] = [`NOT_POW2`]).
#[target_feature(enable = "avx512f")]
pub(crate) unsafe fn forward_stage_pow2(a: &mut [u64], t: usize, exps: &[u8], ws: &[u64]) {
    debug_assert!(t.is_multiple_of(8) && a.len() == 2 * t * exps.len() && exps.len() == ws.len());
    for (j, (&e, &w)) in exps.iter().zip(ws).enumerate() {
        // SAFETY: block j spans [2jt, 2jt + 2t) ⊂ a (length asserted by the caller).
        unsafe {
            let base = a.as_mut_ptr().add(2 * j * t);
            for k in (0..t).step_by(8) {
                let px = base.add(k);
                let py = base.add(k + t);
                let x = _mm512_loadu_si512(px as *const _);
                let y = _mm512_loadu_si512(py as *const _);
                let (v, neg) = twiddle_mul(y, e, w);
                let (s, d) = (add_lazy(x, v), sub_lazy(x, v));
                let (s, d) = if neg { (d, s) } else { (s, d) };
                _mm512_storeu_si512(px as *mut _, s);
                _mm512_storeu_si512(py as *mut _, d);
            }
        }
    }
}

/// Gentleman–Sande stage, half-block t ≥ 8: (x, y) → (x + y, (x − y)·w), inputs ≤ p, outputs
/// canonical.
#[target_feature(enable = "avx512f")]
pub(crate) unsafe fn inverse_stage_pow2(a: &mut [u64], t: usize, exps: &[u8], ws: &[u64]) {
    debug_assert!(t.is_multiple_of(8) && a.len() == 2 * t * exps.len() && exps.len() == ws.len());
    for (j, (&e, &w)) in exps.iter().zip(ws).enumerate() {
        // SAFETY: as in `forward_stage_pow2`.
        unsafe {
            let base = a.as_mut_ptr().add(2 * j * t);
            for k in (0..t).step_by(8) {
                let px = base.add(k);
                let py = base.add(k + t);
                let x = _mm512_loadu_si512(px as *const _);
                let y = _mm512_loadu_si512(py as *const _);
                let neg = e != NOT_POW2 && e >= 96;
                // (x − y)·(−2^e') = (y − x)·2^e'
                let d = if neg { sub(y, x) } else { sub(x, y) };
                let (v, _) = twiddle_mul(d, if neg { e - 96 } else { e }, w);
                _mm512_storeu_si512(px as *mut _, add(x, y));
                _mm512_storeu_si512(py as *mut _, v);
            }
        }
    }
}

/// Where the 16 elements of a pair of vectors sit: element index (0..16, within the pair) of
/// each lane of the first and second vector. Used at plan time to follow the lane shuffles of
/// the half-block 4, 2, 1 stages.
type Layout = ([u8; 8], [u8; 8]);

/// `_mm512_shuffle_i64x2(a, b, IMM)` on element indices.
fn sim_shuffle_i64x2(a: [u8; 8], b: [u8; 8], imm: u8) -> [u8; 8] {
    let mut r = [0u8; 8];
    for c in 0..4 {
        let src = if c < 2 { a } else { b };
        let sel = ((imm >> (2 * c)) & 3) as usize;
        r[2 * c] = src[2 * sel];
        r[2 * c + 1] = src[2 * sel + 1];
    }
    r
}

/// `_mm512_unpacklo_epi64` / `_mm512_unpackhi_epi64` on element indices.
fn sim_unpack(a: [u8; 8], b: [u8; 8], hi: bool) -> [u8; 8] {
    let o = hi as usize;
    [a[o], b[o], a[2 + o], b[2 + o], a[4 + o], b[4 + o], a[6 + o], b[6 + o]]
}

/// The butterfly partner of every lane of the first vector must be in the same lane of the
/// second, at distance `t`.
fn assert_pairs(l: &Layout, t: u8) {
    for k in 0..8 {
        assert_eq!(l.1[k], l.0[k] + t, "lane shuffles do not pair elements at distance {t}");
    }
}

/// vpermt2q indices taking layout `l` back to the natural one (0..8, 8..16).
fn perm_indices(l: &Layout) -> [[i64; 8]; 2] {
    let mut out = [[0i64; 8]; 2];
    for (v, o) in out.iter_mut().enumerate() {
        for (k, x) in o.iter_mut().enumerate() {
            let e = (8 * v + k) as u8;
            let q = l.0.iter().position(|&y| y == e).map(|q| q as i64);
            *x = q.unwrap_or_else(|| 8 + l.1.iter().position(|&y| y == e).expect("permutation") as i64);
        }
    }
    out
}

const NATURAL: Layout = ([0, 1, 2, 3, 4, 5, 6, 7], [8, 9, 10, 11, 12, 13, 14, 15]);
// Shuffle immediates: 256-bit halves (lane bit 2 ↔ vector), 128-bit chunks (lane bit 1 ↔ vector).
const HALVES_LO: i32 = 0x44;
const HALVES_HI: i32 = 0xEE;
const CHUNKS_LO: i32 = 0x88;
const CHUNKS_HI: i32 = 0xDD;

/// The lane layouts of the forward lane stages (half-block 4, 2, 1): 256-bit halves, 128-bit
/// chunks, unpack (one cheap shuffle per vector each), then one vpermt2q pair back to natural
/// order.
fn lane_layouts() -> [Layout; 3] {
    let sh =
        |l: Layout, lo: i32, hi: i32| (sim_shuffle_i64x2(l.0, l.1, lo as u8), sim_shuffle_i64x2(l.0, l.1, hi as u8));
    let l4 = sh(NATURAL, HALVES_LO, HALVES_HI);
    let l2 = sh(l4, CHUNKS_LO, CHUNKS_HI);
    let l1 = (sim_unpack(l2.0, l2.1, false), sim_unpack(l2.0, l2.1, true));
    [l4, l2, l1]
}

/// Exponent tables of the 64-point cyclic transform run on every block (see `ntt::Pow2Plan`):
/// `reg[1..8]` for the stages with half-block 32, 16, 8 (twiddle index m + j as in the radix-2
/// stages), `lane[s][g]` the per-lane exponents of lane stage s (in execution order) in
/// 16-element group g, for the lane layouts of [`lane_layouts`] (forward) or [`x_positions`]
/// (inverse); `post` the forward's vpermt2q indices back to natural order.
#[derive(Clone, Debug, Default)]
pub(crate) struct Inner64 {
    reg: [u8; 8],
    lane: [[[u8; 8]; 4]; 3],
    post: [[i64; 8]; 2],
    /// `lane` as the shift counts of [`Shift`] (e mod 96, 96 − e, 64 − e, e − 64 as u64) and
    /// the lanes with e ≥ 96, precomputed so that a transform loads them directly.
    counts: [[[[u64; 8]; 4]; 4]; 3],
    neg: [[u8; 4]; 3],
}

/// The register-stage exponents (`Inner64::reg`) of the forward and inverse 64-point cyclic
/// transform. They depend only on ω = 7^((p − 1)/64) (the same 64th root for every N), so the
/// kernels use them as constants (no branches on the twiddle kind); `Inner64::new` checks them
/// against the computed tables.
const REG_FWD: [u8; 8] = [0, 0, 0, 48, 0, 48, 120, 168];
const REG_INV: [u8; 8] = [0, 0, 0, 144, 0, 144, 72, 24];

impl Inner64 {
    /// `tw(i)`: exponent of the twiddle with index i = m + j (m blocks, block j) of the forward
    /// (or inverse) 64-point transform.
    pub(crate) fn new(tw: impl Fn(usize) -> u8, forward: bool) -> Self {
        let mut t = Self::default();
        for (i, r) in t.reg.iter_mut().enumerate().skip(1) {
            *r = tw(i);
        }
        assert_eq!(t.reg, if forward { REG_FWD } else { REG_INV }, "64-point twiddle constants");
        let halves: [u8; 3] = if forward { [4, 2, 1] } else { [1, 2, 4] };
        // forward: the shuffle layouts; inverse: x lanes as `x_positions` (vpermt2q per stage,
        // measured faster there)
        let layouts = if forward {
            lane_layouts()
        } else {
            halves.map(|h| {
                let xs = x_positions(h as usize).map(|x| x as u8);
                (xs, xs.map(|x| x + h))
            })
        };
        for (s, (l, &half)) in layouts.iter().zip(&halves).enumerate() {
            assert_pairs(l, half);
            let m = 32 / half as usize;
            for g in 0..4 {
                for k in 0..8 {
                    t.lane[s][g][k] = tw(m + (16 * g + l.0[k] as usize) / (2 * half as usize));
                }
            }
        }
        t.post = perm_indices(&layouts[2]);
        for s in 0..3 {
            for g in 0..4 {
                for k in 0..8 {
                    let e = t.lane[s][g][k];
                    let r = (e % 96) as u64;
                    t.counts[s][g][0][k] = r;
                    t.counts[s][g][1][k] = 96u64.wrapping_sub(r);
                    t.counts[s][g][2][k] = 64u64.wrapping_sub(r);
                    t.counts[s][g][3][k] = r.wrapping_sub(64);
                    t.neg[s][g] |= ((e >= 96) as u8) << k;
                }
            }
        }
        t
    }
}

/// Butterfly with a lane-varying power-of-two twiddle: `sh` holds e mod 96, `neg` the lanes
/// with e ≥ 96.
#[derive(Clone, Copy)]
struct LaneTw {
    sh: Shift,
    neg: __mmask8,
}

#[inline]
#[target_feature(enable = "avx512f")]
fn lane_tw(c: &[[u64; 8]; 4], neg: u8) -> LaneTw {
    // SAFETY: reading 8 u64 from arrays of 8.
    let ld = |x: &[u64; 8]| unsafe { _mm512_loadu_si512(x.as_ptr() as *const _) };
    LaneTw { sh: Shift { c0: ld(&c[0]), c96: ld(&c[1]), c64: ld(&c[2]), cm64: ld(&c[3]) }, neg }
}

/// Forward CT butterfly with a uniform power-of-two twiddle, lazy.
#[inline]
#[target_feature(enable = "avx512f")]
fn ct_reg(x: &mut __m512i, y: &mut __m512i, e: u8) {
    if e == 0 {
        let (s, d) = (add_lazy(*x, canonical(*y)), sub_lazy(*x, canonical(*y)));
        *x = s;
        *y = d;
        return;
    }
    let (v, neg) = twiddle_mul(*y, e, 0);
    let (s, d) = (add_lazy(*x, v), sub_lazy(*x, v));
    (*x, *y) = if neg { (d, s) } else { (s, d) };
}

/// Inverse GS butterfly with a uniform power-of-two twiddle; inputs ≤ p, outputs ≤ p.
#[inline]
#[target_feature(enable = "avx512f")]
fn gs_reg(x: &mut __m512i, y: &mut __m512i, e: u8) {
    let neg = e >= 96;
    let d = if neg { sub(*y, *x) } else { sub(*x, *y) };
    let s = add(*x, *y);
    *y = if e == 0 { d } else { twiddle_mul(d, e % 96, 0).0 };
    *x = s;
}

/// Lazy CT butterfly with lane twiddles (x any u64, result any u64).
#[inline]
#[target_feature(enable = "avx512f")]
fn ct_lane(x: __m512i, y: __m512i, tw: &LaneTw) -> (__m512i, __m512i) {
    let w = shl_mod(y, &tw.sh);
    let w = _mm512_mask_sub_epi64(w, tw.neg, _mm512_set1_epi64(P as i64), w);
    (add_lazy(x, w), sub_lazy(x, w))
}

/// GS butterfly with lane twiddles (inputs ≤ p, outputs ≤ p).
#[inline]
#[target_feature(enable = "avx512f")]
fn gs_lane(x: __m512i, y: __m512i, tw: &LaneTw) -> (__m512i, __m512i) {
    // (x − y)·(−2^e') = (p − (x − y))·2^e' in the negated lanes (x − y ≤ p, so p − it ≥ 0)
    let d = sub(x, y);
    let d = _mm512_mask_sub_epi64(d, tw.neg, _mm512_set1_epi64(P as i64), d);
    (add(x, y), shl_mod(d, &tw.sh))
}

/// 64-point cyclic CT on 8 registers (natural in, bit-reversed out), lazy in, canonical out.
#[inline]
#[target_feature(enable = "avx512f")]
fn forward64(v: &mut [__m512i; 8], lanes: &[[LaneTw; 4]; 3], post: &[__m512i; 2]) {
    // half-block 32 (vectors i, i + 4), 16, 8
    for i in 0..4 {
        let (lo, hi) = v.split_at_mut(4);
        ct_reg(&mut lo[i], &mut hi[i], REG_FWD[1]);
    }
    for blk in 0..2 {
        for i in 0..2 {
            let (a, b) = (4 * blk + i, 4 * blk + i + 2);
            let (lo, hi) = v.split_at_mut(b);
            ct_reg(&mut lo[a], &mut hi[0], REG_FWD[2 + blk]);
        }
    }
    for blk in 0..4 {
        let (lo, hi) = v.split_at_mut(2 * blk + 1);
        ct_reg(&mut lo[2 * blk], &mut hi[0], REG_FWD[4 + blk]);
    }
    // half-block 4, 2, 1 inside each pair of vectors, following `lane_layouts(true)`; stage by
    // stage over the four pairs (independent chains for the out-of-order core)
    let mut x = [_mm512_setzero_si512(); 4];
    let mut y = [_mm512_setzero_si512(); 4];
    for g in 0..4 {
        (x[g], y[g]) = ct_lane(
            _mm512_shuffle_i64x2::<HALVES_LO>(v[2 * g], v[2 * g + 1]),
            _mm512_shuffle_i64x2::<HALVES_HI>(v[2 * g], v[2 * g + 1]),
            &lanes[0][g],
        );
    }
    for g in 0..4 {
        (x[g], y[g]) = ct_lane(
            _mm512_shuffle_i64x2::<CHUNKS_LO>(x[g], y[g]),
            _mm512_shuffle_i64x2::<CHUNKS_HI>(x[g], y[g]),
            &lanes[1][g],
        );
    }
    for g in 0..4 {
        let (a, b) = ct_lane(_mm512_unpacklo_epi64(x[g], y[g]), _mm512_unpackhi_epi64(x[g], y[g]), &lanes[2][g]);
        let (a, b) = (canonical(a), canonical(b));
        v[2 * g] = _mm512_permutex2var_epi64(a, post[0], b);
        v[2 * g + 1] = _mm512_permutex2var_epi64(a, post[1], b);
    }
}

/// Inverse of [`forward64`] up to the factor 64: bit-reversed in (≤ p), natural out (≤ p).
#[inline]
#[target_feature(enable = "avx512f")]
fn inverse64(v: &mut [__m512i; 8], lanes: &[[LaneTw; 4]; 3], perm: &[[__m512i; 4]; 3]) {
    // half-block 1, 2, 4: x/y lanes gathered and scattered back with vpermt2q, stage by stage
    for (lt, pm) in lanes.iter().zip(perm) {
        for g in 0..4 {
            let (v0, v1) = (v[2 * g], v[2 * g + 1]);
            let x = _mm512_permutex2var_epi64(v0, pm[0], v1);
            let y = _mm512_permutex2var_epi64(v0, pm[1], v1);
            let (nx, ny) = gs_lane(x, y, &lt[g]);
            v[2 * g] = _mm512_permutex2var_epi64(nx, pm[2], ny);
            v[2 * g + 1] = _mm512_permutex2var_epi64(nx, pm[3], ny);
        }
    }
    for blk in 0..4 {
        let (lo, hi) = v.split_at_mut(2 * blk + 1);
        gs_reg(&mut lo[2 * blk], &mut hi[0], REG_INV[4 + blk]);
    }
    for blk in 0..2 {
        for i in 0..2 {
            let (a, b) = (4 * blk + i, 4 * blk + i + 2);
            let (lo, hi) = v.split_at_mut(b);
            gs_reg(&mut lo[a], &mut hi[0], REG_INV[2 + blk]);
        }
    }
    for i in 0..4 {
        let (lo, hi) = v.split_at_mut(4);
        gs_reg(&mut lo[i], &mut hi[i], REG_INV[1]);
    }
}

#[inline]
#[target_feature(enable = "avx512f")]
fn lane_tables(tw: &Inner64) -> ([[LaneTw; 4]; 3], [__m512i; 2], [[__m512i; 4]; 3]) {
    let lanes: [[LaneTw; 4]; 3] =
        std::array::from_fn(|s| std::array::from_fn(|g| lane_tw(&tw.counts[s][g], tw.neg[s][g])));
    // SAFETY: reading 8 i64 from arrays of 8.
    let load = |x: [i64; 8]| unsafe { _mm512_loadu_si512(x.as_ptr() as *const _) };
    let perm = [1usize, 2, 4].map(|t| {
        let (xi, yi, o0, o1) = tail_indices(t);
        [xi, yi, o0, o1].map(load)
    });
    (lanes, tw.post.map(load), perm)
}

/// Software prefetch (into L2) of words [64b, 64b + 64) of `words`, if present: the caller's
/// next bootstrap-key rows, streamed in while the transform computes (eight 64-byte lines per
/// block instead of one burst, which the hardware queues would drop).
#[inline]
#[target_feature(enable = "avx512f")]
fn prefetch_block(words: &[u64], b: usize) {
    if let Some(chunk) = words.get(64 * b..64 * b + 64) {
        for line in chunk.chunks_exact(8) {
            // a hint: never faults (the address is inside the slice anyway)
            _mm_prefetch::<_MM_HINT_T1>(line.as_ptr() as *const i8);
        }
    }
}

/// Blocks of 64: multiply by `diag` (lazy in), 64-point cyclic forward transform, canonical out.
#[target_feature(enable = "avx512f")]
pub(crate) unsafe fn forward_blocks64(a: &mut [u64], diag: &[u64], tw: &Inner64, prefetch: &[u64]) {
    debug_assert!(a.len().is_multiple_of(64) && diag.len() == a.len());
    let (lanes, post, _) = lane_tables(tw);
    for (b, (blk, d)) in a.chunks_exact_mut(64).zip(diag.chunks_exact(64)).enumerate() {
        prefetch_block(prefetch, b);
        // SAFETY: 64 words in each chunk.
        unsafe {
            let mut v = [_mm512_setzero_si512(); 8];
            for (i, r) in v.iter_mut().enumerate() {
                let x = _mm512_loadu_si512(blk.as_ptr().add(8 * i) as *const _);
                let w = _mm512_loadu_si512(d.as_ptr().add(8 * i) as *const _);
                *r = mul(x, w, _mm512_srli_epi64::<32>(w));
            }
            forward64(&mut v, &lanes, &post);
            for (i, r) in v.iter().enumerate() {
                _mm512_storeu_si512(blk.as_mut_ptr().add(8 * i) as *mut _, *r);
            }
        }
    }
}

/// Blocks of 64: inverse 64-point cyclic transform (×64), then multiply by `diag`; canonical out.
#[target_feature(enable = "avx512f")]
pub(crate) unsafe fn inverse_blocks64(a: &mut [u64], diag: &[u64], tw: &Inner64, prefetch: &[u64]) {
    debug_assert!(a.len().is_multiple_of(64) && diag.len() == a.len());
    let (lanes, _, perm) = lane_tables(tw);
    for (b, (blk, d)) in a.chunks_exact_mut(64).zip(diag.chunks_exact(64)).enumerate() {
        prefetch_block(prefetch, b);
        // SAFETY: 64 words in each chunk.
        unsafe {
            let mut v = [_mm512_setzero_si512(); 8];
            for (i, r) in v.iter_mut().enumerate() {
                *r = _mm512_loadu_si512(blk.as_ptr().add(8 * i) as *const _);
            }
            inverse64(&mut v, &lanes, &perm);
            for (i, r) in v.iter().enumerate() {
                let w = _mm512_loadu_si512(d.as_ptr().add(8 * i) as *const _);
                let out = mul(*r, w, _mm512_srli_epi64::<32>(w));
                _mm512_storeu_si512(blk.as_mut_ptr().add(8 * i) as *mut _, out);
            }
        }
    }
}

/// 64×64 → 128-bit products (hi, lo) of 8 lane pairs.
#[inline]
#[target_feature(enable = "avx512f")]
fn mul_wide(a: __m512i, b: __m512i) -> (__m512i, __m512i) {
    mul_wide_split(a, b, _mm512_srli_epi64::<32>(b))
}

/// The 128-bit products a·b as (hi, lo) from 32-bit partial products; `b_hi` = b >> 32.
#[inline]
#[target_feature(enable = "avx512f")]
fn mul_wide_split(a: __m512i, b: __m512i, b_hi: __m512i) -> (__m512i, __m512i) {
    let a_hi = _mm512_srli_epi64::<32>(a);
    let ll = _mm512_mul_epu32(a, b);
    let lh = _mm512_mul_epu32(a, b_hi);
    let hl = _mm512_mul_epu32(a_hi, b);
    let hh = _mm512_mul_epu32(a_hi, b_hi);
    let mid = _mm512_add_epi64(lh, hl);
    let mid_carry = _mm512_cmplt_epu64_mask(mid, lh);
    let lo = _mm512_add_epi64(ll, _mm512_slli_epi64::<32>(mid));
    let c1 = _mm512_cmplt_epu64_mask(lo, ll);
    let mut hi = _mm512_add_epi64(hh, _mm512_srli_epi64::<32>(mid));
    hi = _mm512_mask_add_epi64(hi, mid_carry, hi, _mm512_set1_epi64(1 << 32));
    hi = _mm512_mask_add_epi64(hi, c1, hi, _mm512_set1_epi64(1));
    (hi, lo)
}

/// lo + 2^64·hi mod p, canonical.
#[inline]
#[target_feature(enable = "avx512f")]
fn reduce_wide(hi: __m512i, lo: __m512i) -> __m512i {
    let eps = _mm512_set1_epi64(EPS as i64);
    let h1 = _mm512_srli_epi64::<32>(hi);
    let h0 = _mm512_and_si512(hi, eps);
    let t0 = _mm512_sub_epi64(lo, h1);
    let borrow = _mm512_cmplt_epu64_mask(lo, h1);
    let t0 = _mm512_mask_sub_epi64(t0, borrow, t0, eps);
    let t1 = _mm512_sub_epi64(_mm512_slli_epi64::<32>(h0), h0);
    let r = _mm512_add_epi64(t0, t1);
    let carry = _mm512_cmplt_epu64_mask(r, t0);
    canonical(_mm512_mask_add_epi64(r, carry, r, eps))
}

/// out = d0·k0 + d1·k1 mod p (or out += … when `accumulate`), all inputs canonical, lengths equal
/// and a multiple of 8. The two 128-bit products are summed before one reduction: with
/// hi_i < 2^64 − 2^33 the sum is lo + 2^64·hi + 2^128·c, and 2^128 ≡ −2^32.
#[target_feature(enable = "avx512f")]
pub(crate) unsafe fn mac2(out: &mut [u64], d0: &[u64], k0: &[u64], d1: &[u64], k1: &[u64], accumulate: bool) {
    debug_assert!([d0.len(), k0.len(), d1.len(), k1.len()].iter().all(|&l| l == out.len()));
    debug_assert!(out.len().is_multiple_of(8));
    let one = _mm512_set1_epi64(1);
    let two32 = _mm512_set1_epi64(1 << 32);
    for i in (0..out.len()).step_by(8) {
        // SAFETY: i + 8 ≤ len for every slice (asserted equal, multiple of 8).
        let (x0, y0, x1, y1) = unsafe {
            (
                _mm512_loadu_si512(d0.as_ptr().add(i) as *const _),
                _mm512_loadu_si512(k0.as_ptr().add(i) as *const _),
                _mm512_loadu_si512(d1.as_ptr().add(i) as *const _),
                _mm512_loadu_si512(k1.as_ptr().add(i) as *const _),
            )
        };
        let (h0, l0) = mul_wide(x0, y0);
        let (h1, l1) = mul_wide(x1, y1);
        let lo = _mm512_add_epi64(l0, l1);
        let h0 = _mm512_mask_add_epi64(h0, _mm512_cmplt_epu64_mask(lo, l0), h0, one);
        let hi = _mm512_add_epi64(h0, h1);
        let c = _mm512_cmplt_epu64_mask(hi, h1);
        let r = reduce_wide(hi, lo);
        let r = sub(r, _mm512_maskz_mov_epi64(c, two32));
        let r = if accumulate {
            // SAFETY: as above.
            add(r, unsafe { _mm512_loadu_si512(out.as_ptr().add(i) as *const _) })
        } else {
            r
        };
        // SAFETY: as above.
        unsafe { _mm512_storeu_si512(out.as_mut_ptr().add(i) as *mut _, r) };
    }
}

/// Two consecutive Cooley–Tukey stages in one pass over memory (radix 4), lazy values: the
/// first stage has `m0` blocks of half `t0` (≥ 16); twiddle i is 2^exps[i] (or ws[i] when not a
/// power of two), indexed m + j as in the radix-2 stages.
#[target_feature(enable = "avx512f")]
pub(crate) unsafe fn forward_radix4_pow2(a: &mut [u64], m0: usize, t0: usize, exps: &[u8], ws: &[u64]) {
    let u = t0 / 2;
    debug_assert!(u.is_multiple_of(8) && a.len() == 2 * m0 * t0 && exps.len() >= 4 * m0 && ws.len() >= 4 * m0);
    for j0 in 0..m0 {
        let i0 = m0 + j0;
        let i1 = 2 * (m0 + j0);
        let (e0, w0, e1, w1, e2, w2) = (exps[i0], ws[i0], exps[i1], ws[i1], exps[i1 + 1], ws[i1 + 1]);
        // SAFETY: the top block [2·t0·j0, 2·t0·(j0 + 1)) lies in a; k + 3u + 8 ≤ 2·t0.
        unsafe {
            let base = a.as_mut_ptr().add(2 * t0 * j0);
            for k in (0..u).step_by(8) {
                let p = [base.add(k), base.add(k + u), base.add(k + 2 * u), base.add(k + 3 * u)];
                let mut v = p.map(|q| _mm512_loadu_si512(q as *const _));
                let ct = |x: __m512i, y: __m512i, e: u8, w: u64| {
                    let (vn, neg) = twiddle_mul(y, e, w);
                    let (s, d) = (add_lazy(x, vn), sub_lazy(x, vn));
                    if neg {
                        (d, s)
                    } else {
                        (s, d)
                    }
                };
                (v[0], v[2]) = ct(v[0], v[2], e0, w0);
                (v[1], v[3]) = ct(v[1], v[3], e0, w0);
                (v[0], v[1]) = ct(v[0], v[1], e1, w1);
                (v[2], v[3]) = ct(v[2], v[3], e2, w2);
                for (q, r) in p.iter().zip(v) {
                    _mm512_storeu_si512(*q as *mut _, r);
                }
            }
        }
    }
}

/// Two consecutive Gentleman–Sande stages in one pass (inverse of [`forward_radix4_pow2`] with
/// inverse twiddles): halves `u` then 2u, `m_top` blocks at the second; inputs ≤ p, outputs
/// canonical.
#[target_feature(enable = "avx512f")]
pub(crate) unsafe fn inverse_radix4_pow2(a: &mut [u64], m_top: usize, u: usize, exps: &[u8], ws: &[u64]) {
    let t0 = 2 * u;
    debug_assert!(u.is_multiple_of(8) && a.len() == 2 * m_top * t0 && exps.len() >= 4 * m_top);
    for j0 in 0..m_top {
        let i0 = m_top + j0;
        let i1 = 2 * (m_top + j0);
        let (e0, w0, e1, w1, e2, w2) = (exps[i0], ws[i0], exps[i1], ws[i1], exps[i1 + 1], ws[i1 + 1]);
        // SAFETY: as in `forward_radix4_pow2`.
        unsafe {
            let base = a.as_mut_ptr().add(2 * t0 * j0);
            for k in (0..u).step_by(8) {
                let p = [base.add(k), base.add(k + u), base.add(k + 2 * u), base.add(k + 3 * u)];
                let mut v = p.map(|q| _mm512_loadu_si512(q as *const _));
                let gs = |x: __m512i, y: __m512i, e: u8, w: u64| {
                    let neg = e != NOT_POW2 && e >= 96;
                    let d = if neg { sub(y, x) } else { sub(x, y) };
                    (add(x, y), twiddle_mul(d, if neg { e - 96 } else { e }, w).0)
                };
                (v[0], v[1]) = gs(v[0], v[1], e1, w1);
                (v[2], v[3]) = gs(v[2], v[3], e2, w2);
                (v[0], v[2]) = gs(v[0], v[2], e0, w0);
                (v[1], v[3]) = gs(v[1], v[3], e0, w0);
                for (q, r) in p.iter().zip(v) {
                    _mm512_storeu_si512(*q as *mut _, r);
                }
            }
        }
    }
}
