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
    let eps = _mm512_set1_epi64(EPS as i64);
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
    // reduce lo + 2^64·(h0 + 2^32·h1)
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

/// Decomposition states (`decompose::init_state`) for a slice, 8 lanes at a time.
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
        let mut rem = _mm512_add_epi64(lo2, qe);
        let mut c = _mm512_cmplt_epu64_mask(rem, lo2);
        for _ in 0..3 {
            let lt = _mm512_cmplt_epu64_mask(rem, p);
            let ge = c | !lt;
            q = _mm512_mask_add_epi64(q, ge, q, one);
            rem = _mm512_mask_sub_epi64(rem, ge, rem, p);
            c &= !(ge & lt);
        }
        // SAFETY: as above.
        let a = unsafe { _mm512_loadu_si512(acc.as_ptr().add(i) as *const _) };
        let out = _mm512_add_epi64(a, _mm512_add_epi64(x, q));
        // SAFETY: as above.
        unsafe { _mm512_storeu_si512(acc.as_mut_ptr().add(i) as *mut _, out) };
    }
}
