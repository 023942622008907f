//! Arithmetic modulo the Goldilocks prime p = 2^64 − 2^32 + 1 and a negacyclic NTT of size N over it.
//!
//! The external product of the BNF bootstrap (tfhe 1.8.2
//! `core_crypto/algorithms/lwe_programmable_bootstrapping/ntt64_bnf_pbs.rs`) only needs the exact
//! negacyclic product of polynomials with coefficients in Z_p, so this NTT does not have to match
//! tfhe-ntt's twiddle order or root: any correct transform gives the same coefficients after the
//! inverse. We use the classic merged-twist layout (Longa–Naehrig, "Speeding up the Number
//! Theoretic Transform for Faster Ideal Lattice-Based Cryptography", CANS 2016, Alg. 1/2):
//! Cooley–Tukey forward with ψ powers in bit-reversed order (natural in, bit-reversed out) and
//! Gentleman–Sande inverse (bit-reversed in, natural out), no 1/N in the inverse (it is folded
//! into the bootstrap key, see `pbs.rs`). The AVX-512 path computes the same values in the same
//! order with a power-of-two decomposition (`Pow2Plan`); the portable path is the plain radix-2
//! transform, and unit tests pin both to the O(N²) definition.

/// p = 2^64 − 2^32 + 1.
pub const P: u64 = 0xffff_ffff_0000_0001;
/// 2^64 mod p = 2^32 − 1.
const EPS: u64 = 0xffff_ffff;
/// 7 generates the multiplicative group of Z_p (p − 1 = 2^32 · 3 · 5 · 17 · 257 · 65537; the
/// same generator is used by plonky2's `GoldilocksField::MULTIPLICATIVE_GROUP_GENERATOR`). It is
/// re-checked in the unit tests below.
const GENERATOR: u64 = 7;

/// x mod p for x < 2^64. All selects here use `select_unpredictable` (cmov): the outcomes are
/// data-dependent, and LLVM's branches mispredicted about half the time in the butterflies (3×
/// slower NTT).
#[inline(always)]
fn canonical(x: u64) -> u64 {
    let (r, borrow) = x.overflowing_sub(P);
    // borrow ⇔ x < p
    std::hint::select_unpredictable(borrow, x, r)
}

#[inline(always)]
pub fn add(a: u64, b: u64) -> u64 {
    let (s, over) = a.overflowing_add(b);
    // a + b − 2^64 ≡ a + b + EPS; cannot overflow again since s < 2^64 − 2^33 + 2 here.
    // (wrapping ops: the bounds are proven, and overflow checks would cost 3× in test builds)
    let s = s.wrapping_add(std::hint::select_unpredictable(over, EPS, 0));
    canonical(s)
}

#[inline(always)]
pub fn sub(a: u64, b: u64) -> u64 {
    let (d, borrow) = a.overflowing_sub(b);
    // d = a − b + 2^64 ≥ 2^32 when borrowing, and 2^64 ≡ EPS.
    d.wrapping_sub(std::hint::select_unpredictable(borrow, EPS, 0))
}

/// Reduce a 128-bit value modulo p: x = lo + 2^64·(h0 + 2^32·h1) ≡ lo − h1 + h0·(2^32 − 1).
#[inline(always)]
pub fn reduce128(x: u128) -> u64 {
    let lo = x as u64;
    let hi = (x >> 64) as u64;
    let h1 = hi >> 32;
    let h0 = hi & EPS;
    let (t0, borrow) = lo.overflowing_sub(h1);
    let t0 = t0.wrapping_sub(std::hint::select_unpredictable(borrow, EPS, 0));
    // h0·(2^32 − 1) = (h0 << 32) − h0, no multiplication needed
    let t1 = (h0 << 32).wrapping_sub(h0);
    let (r, carry) = t0.overflowing_add(t1);
    let r = r.wrapping_add(std::hint::select_unpredictable(carry, EPS, 0));
    canonical(r)
}

#[inline(always)]
pub fn mul(a: u64, b: u64) -> u64 {
    reduce128(a as u128 * b as u128)
}

pub fn pow(mut base: u64, mut exp: u64) -> u64 {
    let mut acc = 1u64;
    while exp > 0 {
        if exp & 1 == 1 {
            acc = mul(acc, base);
        }
        base = mul(base, base);
        exp >>= 1;
    }
    acc
}

pub fn inv(a: u64) -> u64 {
    pow(a, P - 2)
}

/// Lane-expanded twiddles of the stages with half-block t ∈ {1, 2, 4} (see `ntt_avx512`).
fn expand_tail_twiddles(n: usize, fwd: &[u64], inv: &[u64]) -> ([Vec<u64>; 3], [Vec<u64>; 3]) {
    let mut tf: [Vec<u64>; 3] = Default::default();
    let mut ti: [Vec<u64>; 3] = Default::default();
    if n < 16 {
        return (tf, ti);
    }
    for (slot, t) in [1usize, 2, 4].into_iter().enumerate() {
        let m = n / (2 * t);
        let xs = crate::ntt_avx512::x_positions(t);
        for c in 0..n / 16 {
            for &x in &xs {
                let j = (16 * c + x) / (2 * t);
                tf[slot].push(fwd[m + j]);
                ti[slot].push(inv[m + j]);
            }
        }
    }
    (tf, ti)
}

/// AVX-512F usable (cached run-time detection; `GLOAM_FHE_NO_AVX512` forces the portable paths).
pub fn has_avx512() -> bool {
    static AVX512: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *AVX512.get_or_init(detect_avx512)
}

fn detect_avx512() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::env::var_os("GLOAM_FHE_NO_AVX512").is_none() && std::arch::is_x86_feature_detected!("avx512f")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

fn bit_reverse(x: usize, bits: u32) -> usize {
    if bits == 0 {
        0
    } else {
        x.reverse_bits() >> (usize::BITS - bits)
    }
}

/// Precomputed twiddles for one power-of-two size N (2 ≤ N ≤ 2^31).
#[derive(Clone, Debug)]
pub struct NegacyclicNtt {
    n: usize,
    /// ψ^bitrev(i), ψ a primitive 2N-th root of unity.
    psi_rev: Vec<u64>,
    /// ψ^{−bitrev(i)}.
    psi_inv_rev: Vec<u64>,
    n_inv: u64,
    /// AVX-512F butterflies available (checked once at plan creation).
    avx512: bool,
    /// For N ≥ 16 and t = 4, 2, 1 (index 2, 1, 0): twiddles expanded per lane for the AVX-512
    /// tail stages (forward, inverse).
    tail_fwd: [Vec<u64>; 3],
    tail_inv: [Vec<u64>; 3],
    /// N ≥ 64: the power-of-two decomposition run by the AVX-512 path.
    pow2: Option<Pow2Plan>,
}

/// The same transform split as N = B·64 (Cooley–Tukey with the twiddle-factor split of the
/// "four-step" FFT, D. H. Bailey, "FFTs in external or hierarchical memory", J. Supercomputing 4,
/// 1990), chosen so that all twiddles but one diagonal are ± powers of two (2 has order 192
/// mod p; see the note in `ntt_avx512.rs`):
///
/// 1. the first log2(B) radix-2 stages of the merged-twist CT transform, unchanged (their
///    twiddles ψ^bitrev(m + j) have order 4m ≤ 64 when B ≤ 32, i.e. N ≤ 2048: powers of two up
///    to sign, multiplied by shifts); block b (64 words) then holds a mod (X^64 − ζ_b^64) with
///    ζ_b = ψ^(2·bitrev(b) + 1) (bitrev on log2(B) bits);
/// 2. substituting X = ζ_b·Y: coefficient i of block b times ζ_b^i (`diag`, the only general
///    multiplications left), then a *cyclic* 64-point transform in Y (natural in, bit-reversed out)
///    whose twiddles are 64th roots of unity, all ±2^e.
///
/// Output position 64b + k evaluates a at ζ_b·ω^bitrev6(k) = ψ^(2·bitrev(64b + k) + 1) with
/// ω = ψ^(2B): exactly the order and values of the radix-2 transform (unit tests pin this). The
/// inverse undoes each butterfly in reverse order with inverse twiddles (Gentleman–Sande).
#[derive(Clone, Debug)]
struct Pow2Plan {
    /// Exponents e (w = 2^e, e < 192) of psi_rev[i] / psi_inv_rev[i] for i < B, or
    /// `ntt_avx512::NOT_POW2` (general multiplication, N > 2048).
    outer_fwd: Vec<u8>,
    outer_inv: Vec<u8>,
    /// ζ_b^i and ζ_b^(−i) at 64b + i.
    diag: Vec<u64>,
    diag_inv: Vec<u64>,
    #[cfg(target_arch = "x86_64")]
    inner_fwd: crate::ntt_avx512::Inner64,
    #[cfg(target_arch = "x86_64")]
    inner_inv: crate::ntt_avx512::Inner64,
}

/// 2^e mod p for e < 192 → e (2 has order 192: 2^96 = 2^64·2^32 ≡ (2^32 − 1)·2^32 ≡ −1).
fn log2_pow(w: u64) -> Option<u8> {
    let mut x = 1u64;
    for e in 0..192u8 {
        if x == w {
            return Some(e);
        }
        x = add(x, x);
    }
    None
}

impl Pow2Plan {
    fn new(n: usize, psi: u64, psi_rev: &[u64], psi_inv_rev: &[u64]) -> Self {
        let b = n / 64;
        let not_pow2 = 255u8;
        let outer_fwd = psi_rev[..b].iter().map(|&w| log2_pow(w).unwrap_or(not_pow2)).collect();
        let outer_inv = psi_inv_rev[..b].iter().map(|&w| log2_pow(w).unwrap_or(not_pow2)).collect();
        let bbits = b.trailing_zeros();
        let (mut diag, mut diag_inv) = (vec![0u64; n], vec![0u64; n]);
        for blk in 0..b {
            let zeta = pow(psi, 2 * bit_reverse(blk, bbits) as u64 + 1);
            let zeta_inv = inv(zeta);
            let (mut x, mut y) = (1u64, 1u64);
            for i in 0..64 {
                diag[64 * blk + i] = x;
                diag_inv[64 * blk + i] = y;
                x = mul(x, zeta);
                y = mul(y, zeta_inv);
            }
        }
        // 64-point cyclic twiddles: index m + j (m = 1, 2, …, 32 blocks) is ω^(bitrev_log2(m)(j)·32/m).
        let omega = pow(psi, 2 * b as u64);
        let tw = |idx: usize, inverse: bool| -> u8 {
            let m = 1usize << (usize::BITS - 1 - idx.leading_zeros());
            let j = idx - m;
            let w = pow(omega, (bit_reverse(j, m.trailing_zeros()) * 32 / m) as u64);
            let w = if inverse { self::inv(w) } else { w };
            log2_pow(w).expect("64th roots of unity are ± powers of two")
        };
        #[cfg(target_arch = "x86_64")]
        let inner = |inverse: bool| crate::ntt_avx512::Inner64::new(|i| tw(i, inverse), !inverse);
        #[cfg(not(target_arch = "x86_64"))]
        let _ = tw;
        Self {
            outer_fwd,
            outer_inv,
            diag,
            diag_inv,
            #[cfg(target_arch = "x86_64")]
            inner_fwd: inner(false),
            #[cfg(target_arch = "x86_64")]
            inner_inv: inner(true),
        }
    }
}

impl NegacyclicNtt {
    /// `None` unless `n` is a power of two with 2N dividing p − 1.
    pub fn new(n: usize) -> Option<Self> {
        if n < 2 || !n.is_power_of_two() || n.trailing_zeros() >= 32 {
            return None;
        }
        let two_n = 2 * n as u64;
        let psi = pow(GENERATOR, (P - 1) / two_n);
        let psi_inv = inv(psi);
        let bits = n.trailing_zeros();
        let mut pw = vec![1u64; n];
        let mut pw_inv = vec![1u64; n];
        for i in 1..n {
            pw[i] = mul(pw[i - 1], psi);
            pw_inv[i] = mul(pw_inv[i - 1], psi_inv);
        }
        let psi_rev: Vec<u64> = (0..n).map(|i| pw[bit_reverse(i, bits)]).collect();
        let psi_inv_rev: Vec<u64> = (0..n).map(|i| pw_inv[bit_reverse(i, bits)]).collect();
        let (tail_fwd, tail_inv) = expand_tail_twiddles(n, &psi_rev, &psi_inv_rev);
        let pow2 = (n >= 64).then(|| Pow2Plan::new(n, psi, &psi_rev, &psi_inv_rev));
        Some(Self { n, psi_rev, psi_inv_rev, n_inv: inv(n as u64), avx512: has_avx512(), tail_fwd, tail_inv, pow2 })
    }

    pub fn size(&self) -> usize {
        self.n
    }

    /// N^{−1} mod p.
    pub fn n_inv(&self) -> u64 {
        self.n_inv
    }

    /// acc[i] += a[i]·b[i] mod p.
    pub fn mul_accumulate(&self, acc: &mut [u64], a: &[u64], b: &[u64]) {
        assert!(acc.len() == a.len() && a.len() == b.len());
        #[cfg(target_arch = "x86_64")]
        if self.avx512 && acc.len().is_multiple_of(8) {
            // SAFETY: AVX-512F detected; equal lengths, multiple of 8.
            unsafe { crate::ntt_avx512::mul_accumulate(acc, a, b) };
            return;
        }
        for ((x, &y), &z) in acc.iter_mut().zip(a).zip(b) {
            *x = add(*x, mul(y, z));
        }
    }

    /// Same plan with the AVX-512 path switched off (tests compare both).
    pub fn scalar_only(&self) -> Self {
        Self { avx512: false, ..self.clone() }
    }

    pub fn uses_avx512(&self) -> bool {
        self.avx512
    }

    /// In-place forward transform: coefficients in [0, p), natural order → evaluations at
    /// ψ^{2·bitrev(i)+1}, bit-reversed order.
    pub fn forward(&self, a: &mut [u64]) {
        self.forward_prefetching(a, &[]);
    }

    /// [`NegacyclicNtt::forward`], prefetching up to N words of `prefetch` into L2 along the way
    /// on the AVX-512 path (the external product streams the next key rows in this way).
    pub(crate) fn forward_prefetching(&self, a: &mut [u64], prefetch: &[u64]) {
        assert_eq!(a.len(), self.n);
        let n = self.n;
        let mut t = n;
        let mut m = 1;
        #[cfg(target_arch = "x86_64")]
        if let (true, Some(pp)) = (self.avx512, &self.pow2) {
            // outer stages two at a time (radix 4), a last single one if their number is odd
            let b = n / 64;
            while m < b {
                t >>= 1;
                // SAFETY: AVX-512F detected at run time; m blocks of 2t words, t ≥ 64; twiddle
                // indices < 4m ≤ 2B for the radix-4 pass (taken only when 2m < B).
                unsafe {
                    if 2 * m < b {
                        crate::ntt_avx512::forward_radix4_pow2(a, m, t, &pp.outer_fwd, &self.psi_rev);
                        t >>= 1;
                        m <<= 1;
                    } else {
                        crate::ntt_avx512::forward_stage_pow2(a, t, &pp.outer_fwd[m..2 * m], &self.psi_rev[m..2 * m]);
                    }
                }
                m <<= 1;
            }
            // SAFETY: N a multiple of 64, diag of length N.
            unsafe { crate::ntt_avx512::forward_blocks64(a, &pp.diag, &pp.inner_fwd, prefetch) };
            return;
        }
        #[cfg(target_arch = "x86_64")]
        if self.avx512 && n >= 16 {
            while m < n {
                t >>= 1;
                // SAFETY: AVX-512F was detected at run time; for t ≥ 8 the slice holds exactly m
                // blocks of 2t with t a multiple of 8; for t < 8, N/16 groups of 16 and N/2 lane
                // twiddles.
                unsafe {
                    if t >= 8 {
                        crate::ntt_avx512::forward_stage(a, t, &self.psi_rev[m..2 * m]);
                    } else {
                        crate::ntt_avx512::forward_tail(a, t, &self.tail_fwd[t.trailing_zeros() as usize]);
                    }
                }
                m <<= 1;
            }
            return;
        }
        while m < n {
            t >>= 1;
            for (chunk, &w) in a.chunks_exact_mut(2 * t).zip(&self.psi_rev[m..2 * m]) {
                let (lo, hi) = chunk.split_at_mut(t);
                for (x, y) in lo.iter_mut().zip(hi.iter_mut()) {
                    let u = *x;
                    let v = mul(*y, w);
                    *x = add(u, v);
                    *y = sub(u, v);
                }
            }
            m <<= 1;
        }
    }

    /// In-place inverse transform without the 1/N factor (bit-reversed in, natural out): returns
    /// N times the coefficients.
    pub fn inverse_unscaled(&self, a: &mut [u64]) {
        self.inverse_unscaled_prefetching(a, &[]);
    }

    /// [`NegacyclicNtt::inverse_unscaled`] with the prefetch of
    /// [`NegacyclicNtt::forward_prefetching`].
    pub(crate) fn inverse_unscaled_prefetching(&self, a: &mut [u64], prefetch: &[u64]) {
        assert_eq!(a.len(), self.n);
        let n = self.n;
        let mut t = 1;
        let mut m = n >> 1;
        #[cfg(target_arch = "x86_64")]
        if let (true, Some(pp)) = (self.avx512, &self.pow2) {
            // SAFETY: as in `forward`.
            unsafe { crate::ntt_avx512::inverse_blocks64(a, &pp.diag_inv, &pp.inner_inv, prefetch) };
            // outer stages from half 64 upwards: a single one first if their number is odd,
            // then two at a time (radix 4)
            let mut m = n / 128;
            if (n / 64).trailing_zeros() % 2 == 1 {
                // SAFETY: as in `forward`.
                unsafe {
                    crate::ntt_avx512::inverse_stage_pow2(
                        a,
                        n / (2 * m),
                        &pp.outer_inv[m..2 * m],
                        &self.psi_inv_rev[m..2 * m],
                    )
                };
                m >>= 1;
            }
            while m >= 2 {
                // SAFETY: as in `forward`; halves n/(2m) and n/m, m/2 top blocks.
                unsafe {
                    crate::ntt_avx512::inverse_radix4_pow2(a, m / 2, n / (2 * m), &pp.outer_inv, &self.psi_inv_rev)
                };
                m >>= 2;
            }
            return;
        }
        #[cfg(target_arch = "x86_64")]
        if self.avx512 && n >= 16 {
            while m >= 1 {
                // SAFETY: as in `forward`.
                unsafe {
                    if t >= 8 {
                        crate::ntt_avx512::inverse_stage(a, t, &self.psi_inv_rev[m..2 * m]);
                    } else {
                        crate::ntt_avx512::inverse_tail(a, t, &self.tail_inv[t.trailing_zeros() as usize]);
                    }
                }
                t <<= 1;
                m >>= 1;
            }
            return;
        }
        while m >= 1 {
            for (chunk, &w) in a.chunks_exact_mut(2 * t).zip(&self.psi_inv_rev[m..2 * m]) {
                let (lo, hi) = chunk.split_at_mut(t);
                for (x, y) in lo.iter_mut().zip(hi.iter_mut()) {
                    let u = *x;
                    let v = *y;
                    *x = add(u, v);
                    *y = mul(sub(u, v), w);
                }
            }
            t <<= 1;
            m >>= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[allow(clippy::needless_range_loop)]
    fn schoolbook_negacyclic(a: &[u64], b: &[u64]) -> Vec<u64> {
        let n = a.len();
        let mut out = vec![0u64; n];
        for i in 0..n {
            for j in 0..n {
                let prod = mul(a[i], b[j]);
                let k = i + j;
                if k < n {
                    out[k] = add(out[k], prod);
                } else {
                    out[k - n] = sub(out[k - n], prod);
                }
            }
        }
        out
    }

    #[test]
    fn field_ops_match_u128_reference() {
        let seed = 0x5eed_0001;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let p = P as u128;
        let edge = [0, 1, 2, EPS, EPS + 1, P - 2, P - 1, 1 << 63, (1 << 32) - 2];
        for i in 0..20_000 {
            let (a, b) = if i < edge.len() * edge.len() {
                (edge[i / edge.len()], edge[i % edge.len()])
            } else {
                (rng.gen_range(0..P), rng.gen_range(0..P))
            };
            assert_eq!(add(a, b) as u128, (a as u128 + b as u128) % p, "seed {seed} a={a} b={b}");
            assert_eq!(sub(a, b) as u128, (a as u128 + p - b as u128) % p, "seed {seed} a={a} b={b}");
            assert_eq!(mul(a, b) as u128, (a as u128 * b as u128) % p, "seed {seed} a={a} b={b}");
        }
        for _ in 0..10_000 {
            let x: u128 = rng.gen();
            assert_eq!(reduce128(x) as u128, x % p, "seed {seed} x={x}");
        }
        assert_eq!(reduce128(u128::MAX) as u128, u128::MAX % p);
    }

    #[test]
    fn generator_has_full_order() {
        // p − 1 = 2^32 · 3 · 5 · 17 · 257 · 65537.
        for q in [2u64, 3, 5, 17, 257, 65537] {
            assert_ne!(pow(GENERATOR, (P - 1) / q), 1, "7^((p-1)/{q}) = 1");
        }
    }

    #[test]
    fn ntt_product_matches_schoolbook() {
        let seed = 0x5eed_0002;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        for log_n in 1..=8 {
            let n = 1usize << log_n;
            let plan = NegacyclicNtt::new(n).unwrap();
            // psi_rev[1] = ψ^(N/2), whose square ψ^N must be −1 (ψ of order exactly 2N).
            assert_eq!(mul(plan.psi_rev[1], plan.psi_rev[1]), P - 1);
            let a: Vec<u64> = (0..n).map(|_| rng.gen_range(0..P)).collect();
            let b: Vec<u64> = (0..n).map(|_| rng.gen_range(0..P)).collect();
            let expect = schoolbook_negacyclic(&a, &b);
            let (mut fa, mut fb) = (a.clone(), b.clone());
            plan.forward(&mut fa);
            plan.forward(&mut fb);
            let mut prod: Vec<u64> = fa.iter().zip(&fb).map(|(x, y)| mul(*x, *y)).collect();
            plan.inverse_unscaled(&mut prod);
            let got: Vec<u64> = prod.iter().map(|x| mul(*x, plan.n_inv())).collect();
            assert_eq!(got, expect, "seed {seed} n={n}");
        }
    }

    #[test]
    fn ntt_2048_sparse_product() {
        // X^a · X^b = ±X^(a+b mod N) exercises every twiddle of the full-size plan.
        let n = 2048;
        let plan = NegacyclicNtt::new(n).unwrap();
        for (i, j) in [(0, 0), (1, 2047), (1000, 1500), (2047, 2047)] {
            let mut a = vec![0u64; n];
            let mut b = vec![0u64; n];
            a[i] = 3;
            b[j] = 5;
            plan.forward(&mut a);
            plan.forward(&mut b);
            let mut prod: Vec<u64> = a.iter().zip(&b).map(|(x, y)| mul(*x, *y)).collect();
            plan.inverse_unscaled(&mut prod);
            let got: Vec<u64> = prod.iter().map(|x| mul(*x, plan.n_inv())).collect();
            let mut expect = vec![0u64; n];
            if i + j < n {
                expect[i + j] = 15;
            } else {
                expect[i + j - n] = P - 15;
            }
            assert_eq!(got, expect, "i={i} j={j}");
        }
    }

    #[test]
    fn simd_and_scalar_paths_agree() {
        let seed = 0x5eed_0005;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        for log_n in [1u32, 3, 4, 5, 6, 8, 11] {
            let n = 1usize << log_n;
            let plan = NegacyclicNtt::new(n).unwrap();
            let scalar = plan.scalar_only();
            if !plan.uses_avx512() {
                eprintln!("no AVX-512F on this CPU: comparing scalar with itself");
            }
            for round in 0..20 {
                let mut a: Vec<u64> = (0..n).map(|_| rng.gen_range(0..P)).collect();
                if round == 0 {
                    a.fill(P - 1);
                }
                let mut b = a.clone();
                plan.forward(&mut a);
                scalar.forward(&mut b);
                assert_eq!(a, b, "seed {seed} n={n} forward");
                plan.inverse_unscaled(&mut a);
                scalar.inverse_unscaled(&mut b);
                assert_eq!(a, b, "seed {seed} n={n} inverse");
                let c: Vec<u64> = (0..n).map(|_| rng.gen_range(0..P)).collect();
                let mut acc1: Vec<u64> = (0..n).map(|_| rng.gen_range(0..P)).collect();
                let mut acc2 = acc1.clone();
                plan.mul_accumulate(&mut acc1, &a, &c);
                scalar.mul_accumulate(&mut acc2, &a, &c);
                assert_eq!(acc1, acc2, "seed {seed} n={n} mul_accumulate");
            }
        }
    }

    /// The transform by its definition, O(N²): output k = Σ_j a_j·ψ^((2·bitrev(k) + 1)·j) with
    /// ψ = 7^((p − 1)/2N). This is the layout the GPU engines and the serialized bootstrap key
    /// rely on.
    fn reference_forward(a: &[u64]) -> Vec<u64> {
        let n = a.len();
        let psi = pow(GENERATOR, (P - 1) / (2 * n as u64));
        let bits = n.trailing_zeros();
        (0..n)
            .map(|k| {
                let x = pow(psi, 2 * bit_reverse(k, bits) as u64 + 1);
                // Horner
                a.iter().rev().fold(0u64, |acc, &c| add(mul(acc, x), c))
            })
            .collect()
    }

    #[test]
    fn transforms_match_definition_on_every_path() {
        let seed: u64 = std::env::var("GLOAM_TEST_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x5eed_0007);
        eprintln!("seed {seed}");
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        for log_n in [1u32, 4, 5, 6, 7, 8, 9, 10, 11, 12] {
            let n = 1usize << log_n;
            let plan = NegacyclicNtt::new(n).unwrap();
            let mut paths = vec![("portable", plan.scalar_only())];
            if plan.uses_avx512() {
                paths.push(("avx512", plan.clone()));
            } else {
                eprintln!("*** no AVX-512F on this CPU: only the portable path is checked ***");
            }
            let rounds = if n >= 2048 { 3 } else { 6 };
            for round in 0..rounds {
                let a: Vec<u64> = match round {
                    0 => vec![P - 1; n],
                    1 => (0..n).map(|i| (i == n - 1) as u64).collect(),
                    _ => (0..n).map(|_| rng.gen_range(0..P)).collect(),
                };
                // the definition is O(N²): checked up to N = 2048, above that the paths agree
                let expect = (n <= 2048).then(|| reference_forward(&a));
                let mut outs = Vec::new();
                for (name, p) in &paths {
                    let mut f = a.clone();
                    p.forward(&mut f);
                    if let Some(e) = &expect {
                        assert_eq!(&f, e, "seed {seed} n={n} round {round} {name} forward vs definition");
                    }
                    let mut back = f.clone();
                    p.inverse_unscaled(&mut back);
                    let n_mod = n as u64 % P;
                    let scaled: Vec<u64> = a.iter().map(|&x| mul(x, n_mod)).collect();
                    assert_eq!(back, scaled, "seed {seed} n={n} round {round} {name} inverse(forward(a)) = N·a");
                    // the inverse on arbitrary canonical input, compared across paths below
                    let mut r: Vec<u64> = (0..n).map(|i| a[(i * 7 + 3) % n]).collect();
                    p.inverse_unscaled(&mut r);
                    outs.push((f, r));
                }
                for w in outs.windows(2) {
                    assert_eq!(w[0], w[1], "seed {seed} n={n} round {round}: paths differ");
                }
            }
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn fused_multiply_accumulate_matches_scalar() {
        if !has_avx512() {
            eprintln!("*** no AVX-512F on this CPU: fused MAC kernel not run ***");
            return;
        }
        let seed = 0x5eed_0009;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let n = 256;
        for round in 0..20 {
            let mut v: Vec<Vec<u64>> = (0..8).map(|_| (0..n).map(|_| rng.gen_range(0..P)).collect()).collect();
            if round == 0 {
                // largest products: both 128-bit sums overflow
                v.iter_mut().for_each(|x| x.fill(P - 1));
            }
            let (d0, d1, k00, k10) = (&v[0], &v[1], &v[2], &v[3]);
            let expect = |acc: &[u64], ka: &[u64], kb: &[u64], accumulate: bool| -> Vec<u64> {
                (0..n)
                    .map(|i| {
                        let s = add(mul(d0[i], ka[i]), mul(d1[i], kb[i]));
                        if accumulate {
                            add(acc[i], s)
                        } else {
                            s
                        }
                    })
                    .collect()
            };
            for accumulate in [false, true] {
                let mut o = v[6].clone();
                // SAFETY: AVX-512F checked above; all slices of length 256.
                unsafe { crate::ntt_avx512::mac2(&mut o, d0, k00, d1, k10, accumulate) };
                assert_eq!(o, expect(&v[6], k00, k10, accumulate), "seed {seed} round {round} accumulate {accumulate}");
            }
        }
    }

    #[test]
    fn power_of_two_tables() {
        // 2 has order 192 and 2^96 = −1.
        assert_eq!(log2_pow(P - 1), Some(96));
        assert_eq!(log2_pow(1), Some(0));
        assert_eq!(log2_pow(3), None);
        assert_eq!(pow(2, 192), 1);
        assert_ne!(pow(2, 64), 1);
        // N ≤ 2048: every outer twiddle is a power of two; N = 4096 needs one general stage.
        for log_n in 6..=12 {
            let plan = NegacyclicNtt::new(1 << log_n).unwrap();
            let pp = plan.pow2.as_ref().unwrap();
            let general = pp.outer_fwd.iter().skip(1).filter(|&&e| e == 255).count();
            assert_eq!(general, if log_n == 12 { 32 } else { 0 }, "n=2^{log_n}");
            assert_eq!(pp.outer_inv.iter().skip(1).filter(|&&e| e == 255).count(), general);
        }
    }

    #[test]
    fn rejects_bad_sizes() {
        assert!(NegacyclicNtt::new(0).is_none());
        assert!(NegacyclicNtt::new(3).is_none());
        assert!(NegacyclicNtt::new(1 << 32).is_none());
    }
}
