//! Programmable bootstrapping, "back and forth" (BNF) flavour with an NTT over Goldilocks.
//!
//! Reproduces tfhe 1.8.2 `programmable_bootstrap_ntt64_bnf_lwe_ciphertext` and
//! `blind_rotate_ntt64_bnf_assign` (`core_crypto/algorithms/lwe_programmable_bootstrapping/
//! ntt64_bnf_pbs.rs`) with a bootstrap key converted by `convert_standard_lwe_bootstrap_key_to_ntt64`
//! in `NttLweBootstrapKeyOption::Raw` form (`core_crypto/algorithms/lwe_bootstrap_key_conversion.rs`).
//! Ciphertexts and the LUT stay modulo 2^64; only the key and the external product live mod p:
//!
//! 1. modulus switch of the input to 2N: ms(x) = (x + 2^(w − log2N − 2)) >> (w − log2N − 1) for a
//!    w-bit word (tfhe `fft_impl/common.rs::modulus_switch`);
//! 2. for each mask element with ms(a_i) ≠ 0 (zeros skipped, as tfhe does on the *switched* value):
//!    ct1 = ct0·X^ms(a_i) − ct0 (wrapping u64), ct0 += ExternalProduct(BSK_i, ct1);
//! 3. ct0 ← ct0·X^(−ms(b)) (the body rotation comes last in BNF);
//! 4. sample extraction at degree 0.
//!
//! External product: each coefficient of ct1 is decomposed with the native signed decomposer
//! (`decompose.rs`), negative digits are mapped to p + d, transformed, multiplied and accumulated
//! against the key; the inverse transform gives coefficients v mod p which are switched back to
//! 2^64 as ⌊(v·2^64 + ⌊p/2⌋) / p⌋ (tfhe `Ntt64View::modswitch_from_ntt_prime_to_power_of_two`) and
//! wrapping-added to ct0.
//!
//! Key conversion: each standard-domain coefficient v (mod 2^64) becomes ⌊(v·p + 2^63) / 2^64⌋
//! (`modswitch_from_power_of_two_to_ntt_prime`), then goes through the forward NTT. tfhe normalises
//! the accumulator by N^{−1} before every inverse transform; the transform is linear mod p, so we
//! fold N^{−1} into the key once instead. Any exact negacyclic NTT gives the same coefficients
//! after the inverse, so the result is byte-identical to tfhe although our twiddle layout differs
//! from tfhe-ntt's.

use crate::ciphertext::{Lut, LweCiphertext, LweCiphertext32, ManyLut};
use crate::decompose::{init_state, next_digit};
use crate::error::FheError;
use crate::ntt::{self, NegacyclicNtt, P};

/// Bootstrap key in the NTT domain mod p, N^{−1} folded in. Layout as tfhe's
/// `LweBootstrapKey`: [input index i][level (least significant first)][row j][output poly k][N].
#[derive(Clone, Debug)]
pub struct BootstrapKey {
    data: Vec<u64>,
    input_dimension: usize,
    glwe_size: usize,
    polynomial_size: usize,
    base_log: usize,
    level: usize,
    ntt: NegacyclicNtt,
}

/// Switch a coefficient mod p back to 2^64: ⌊(v·2^64 + ⌊p/2⌋)/p⌋ for v < p, without a 128-bit
/// division. With 2^64 = p + ε (ε = 2^32 − 1): v·2^64 + h = v·p + r where r = v·ε + h < 2^97, so
/// the quotient is v + ⌊r/p⌋; ⌊r/p⌋ ≥ ⌊r/2^64⌋ and exceeds it by at most a few units.
#[inline(always)]
pub fn mod_p_to_native(v: u64) -> u64 {
    const EPS: u128 = 0xffff_ffff;
    const HALF_P: u128 = (P >> 1) as u128;
    let r = (v as u128).wrapping_mul(EPS).wrapping_add(HALF_P);
    let mut q = (r >> 64) as u64;
    // r − q·p = (r mod 2^64) + q·ε < 2^64 + 2^64 < 2p + 2^33: at most three corrections, done
    // unconditionally with cmov (a data-dependent loop mispredicts).
    let mut rem = (r as u64 as u128).wrapping_add((q as u128).wrapping_mul(EPS));
    for _ in 0..3 {
        let ge = rem >= P as u128;
        q = q.wrapping_add(ge as u64);
        rem = rem.wrapping_sub(std::hint::select_unpredictable(ge, P as u128, 0));
    }
    v.wrapping_add(q)
}

/// ⌊(v·p + 2^63) / 2^64⌋: a native coefficient mapped into [0, p).
#[inline(always)]
pub fn native_to_mod_p(v: u64) -> u64 {
    ((v as u128).wrapping_mul(P as u128).wrapping_add(1u128 << 63) >> 64) as u64
}

/// Rounding modulus switch of a w-bit word to 2N (tfhe `modulus_switch`).
#[inline(always)]
pub fn mod_switch_u64(x: u64, log_2n: u32) -> usize {
    (x.wrapping_add(1u64 << (63 - log_2n)) >> (64 - log_2n)) as usize
}

#[inline(always)]
pub fn mod_switch_u32(x: u32, log_2n: u32) -> usize {
    (x.wrapping_add(1u32 << (31 - log_2n)) >> (32 - log_2n)) as usize
}

/// How the (u32, KS32) bootstrap input is switched to 2N.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ModulusSwitch {
    /// Plain rounding (tfhe `lwe_ciphertext_modulus_switch`), as in
    /// `programmable_bootstrap_ntt64_bnf_lwe_ciphertext`.
    #[default]
    Standard,
    /// tfhe `lwe_ciphertext_centered_binary_modulus_switch` (`core_crypto/algorithms/modulus_switch.rs`),
    /// the `ModulusSwitchType::CenteredMeanNoiseReduction` that tfhe's shortint layer uses with the
    /// HPU parameter set: the body gets Σ(round(a_i) − a_i)/2 − 2^(w − log2(2N) − 1) before switching
    /// (binary key: removes the mean of the mask rounding error and centres the LUT boxes).
    Centered,
}

/// Body correction of the centered switch for a u32 ciphertext (tfhe
/// `centered_binary_ms_body_correction_to_add` with Scalar = u32): each half error is truncated
/// towards zero and the accumulated truncation error is added back once, divided by two
/// (truncated).
pub fn centered_body_correction_u32(mask: &[u32], log_2n: u32) -> u32 {
    let mut sum_half = 0u32;
    let mut sum_halving_doubled = 0i64;
    for &a in mask {
        let rounded = (mod_switch_u32(a, log_2n) as u32).wrapping_shl(32 - log_2n);
        let error = rounded.wrapping_sub(a) as i32;
        let half = error / 2;
        sum_half = sum_half.wrapping_add(half as u32);
        sum_halving_doubled += (2 * half as i64) - error as i64;
    }
    // tfhe sums in i32; |Σ| ≤ n, so the i64 sum and its truncated half are the same values.
    let sum_halving = (sum_halving_doubled / 2) as i32 as u32;
    sum_half.wrapping_sub(sum_halving).wrapping_sub(1u32 << (31 - log_2n))
}

/// out = poly · X^k mod (X^N + 1), wrapping negation, k in [0, 2N).
#[inline]
fn monomial_mul_into(out: &mut [u64], poly: &[u64], k: usize) {
    let n = poly.len();
    let (neg_all, shift) = if k >= n { (true, k - n) } else { (false, k) };
    // Coefficient i moves to i + shift; those that wrap past N change sign.
    let (wrapped, kept) = out.split_at_mut(shift);
    let (src_kept, src_wrapped) = poly.split_at(n - shift);
    if neg_all {
        kept.iter_mut().zip(src_kept).for_each(|(o, v)| *o = v.wrapping_neg());
        wrapped.copy_from_slice(src_wrapped);
    } else {
        kept.copy_from_slice(src_kept);
        wrapped.iter_mut().zip(src_wrapped).for_each(|(o, v)| *o = v.wrapping_neg());
    }
}

/// out = poly · X^k − poly mod (X^N + 1), wrapping, k in [0, 2N): [`monomial_mul_into`] and the
/// subtraction in one pass (the blind rotation's ct1).
#[inline]
fn monomial_mul_sub_into(out: &mut [u64], poly: &[u64], k: usize) {
    let n = poly.len();
    let (neg_all, shift) = if k >= n { (true, k - n) } else { (false, k) };
    let (wrapped, kept) = out.split_at_mut(shift);
    let (src_kept, src_wrapped) = poly.split_at(n - shift);
    let (old_wrapped, old_kept) = poly.split_at(shift);
    // kept: out[i + shift] = ±poly[i] − poly[i + shift]; wrapped: out[i] = ∓poly[n − shift + i] − poly[i]
    // (±v as (v ^ m) − m with m = 0 or all ones: vectorizes without a 64-bit multiply)
    let m_kept = if neg_all { u64::MAX } else { 0 };
    for ((o, &v), &old) in kept.iter_mut().zip(src_kept).zip(old_kept) {
        *o = (v ^ m_kept).wrapping_sub(m_kept).wrapping_sub(old);
    }
    let m_wrapped = !m_kept;
    for ((o, &v), &old) in wrapped.iter_mut().zip(src_wrapped).zip(old_wrapped) {
        *o = (v ^ m_wrapped).wrapping_sub(m_wrapped).wrapping_sub(old);
    }
}

/// One key polynomial: 2^64 → Z_p, forward NTT, × N^{−1}.
fn convert_poly(ntt: &NegacyclicNtt, out: &mut [u64], poly: &[u64]) {
    for (o, &v) in out.iter_mut().zip(poly) {
        *o = native_to_mod_p(v);
    }
    ntt.forward(out);
    let n_inv = ntt.n_inv();
    for v in out.iter_mut() {
        *v = ntt::mul(*v, n_inv);
    }
}

/// Per-thread buffers for one bootstrap.
pub(crate) struct Scratch {
    acc: Vec<u64>,
    ct1: Vec<u64>,
    states: Vec<u64>,
    digits: Vec<u64>,
    ntt_acc: Vec<u64>,
}

impl Scratch {
    pub(crate) fn new(glwe_size: usize, n: usize) -> Self {
        Self {
            acc: vec![0; glwe_size * n],
            ct1: vec![0; glwe_size * n],
            states: vec![0; glwe_size * n],
            digits: vec![0; glwe_size * n],
            ntt_acc: vec![0; glwe_size * n],
        }
    }
}

impl BootstrapKey {
    /// Convert a standard-domain bootstrap key (tfhe `LweBootstrapKey<Vec<u64>>` container, native
    /// modulus) into the engine's NTT form.
    pub fn from_standard(
        standard: &[u64],
        input_dimension: usize,
        glwe_size: usize,
        polynomial_size: usize,
        base_log: usize,
        level: usize,
    ) -> Result<Self, FheError> {
        let mut key = Self::checked_empty(standard, input_dimension, glwe_size, polynomial_size, base_log, level)?;
        for (out, poly) in key.data.chunks_exact_mut(polynomial_size).zip(standard.chunks_exact(polynomial_size)) {
            convert_poly(&key.ntt, out, poly);
        }
        Ok(key)
    }

    /// Parallel variant of [`BootstrapKey::from_standard`] (same bytes).
    pub fn par_from_standard(
        standard: &[u64],
        input_dimension: usize,
        glwe_size: usize,
        polynomial_size: usize,
        base_log: usize,
        level: usize,
    ) -> Result<Self, FheError> {
        use rayon::prelude::*;
        let mut key = Self::checked_empty(standard, input_dimension, glwe_size, polynomial_size, base_log, level)?;
        let ntt = &key.ntt;
        key.data
            .par_chunks_exact_mut(polynomial_size)
            .zip(standard.par_chunks_exact(polynomial_size))
            .for_each(|(out, poly)| convert_poly(ntt, out, poly));
        Ok(key)
    }

    /// A key already in the engine's NTT form (the words of [`BootstrapKey::as_ntt_slice`], e.g.
    /// read back from a serialized server key). Every word must be a canonical residue (< p).
    pub fn from_ntt(
        data: Vec<u64>,
        input_dimension: usize,
        glwe_size: usize,
        polynomial_size: usize,
        base_log: usize,
        level: usize,
    ) -> Result<Self, FheError> {
        let mut key = Self::checked_empty(&data, input_dimension, glwe_size, polynomial_size, base_log, level)?;
        if data.iter().any(|&v| v >= P) {
            return Err(FheError::InvalidEncoding("bootstrap key word not reduced mod p"));
        }
        key.data = data;
        Ok(key)
    }

    pub fn base_log(&self) -> usize {
        self.base_log
    }

    pub fn level(&self) -> usize {
        self.level
    }

    /// Validates the shape of a standard key and allocates the (zeroed) converted key.
    fn checked_empty(
        standard: &[u64],
        input_dimension: usize,
        glwe_size: usize,
        polynomial_size: usize,
        base_log: usize,
        level: usize,
    ) -> Result<Self, FheError> {
        let ntt = NegacyclicNtt::new(polynomial_size)
            .ok_or(FheError::Parameters("polynomial size must be a power of two in [2, 2^31]"))?;
        if base_log == 0 || level == 0 || base_log * level >= 64 || glwe_size < 2 || input_dimension == 0 {
            return Err(FheError::Parameters("bootstrap key shape"));
        }
        let expected = input_dimension
            .checked_mul(level)
            .and_then(|x| x.checked_mul(glwe_size * glwe_size))
            .and_then(|x| x.checked_mul(polynomial_size))
            .ok_or(FheError::Parameters("bootstrap key size overflows"))?;
        if standard.len() != expected {
            return Err(FheError::Length { what: "bootstrap key", expected, got: standard.len() });
        }
        Ok(Self { data: vec![0u64; expected], input_dimension, glwe_size, polynomial_size, base_log, level, ntt })
    }

    /// The converted key (NTT domain mod p, N^{−1} folded in), in the layout documented on the type;
    /// what a GPU backend uploads.
    pub fn as_ntt_slice(&self) -> &[u64] {
        &self.data
    }

    pub fn input_dimension(&self) -> usize {
        self.input_dimension
    }

    pub fn glwe_size(&self) -> usize {
        self.glwe_size
    }

    pub fn polynomial_size(&self) -> usize {
        self.polynomial_size
    }

    pub fn output_dimension(&self) -> usize {
        (self.glwe_size - 1) * self.polynomial_size
    }

    fn log_2n(&self) -> u32 {
        self.polynomial_size.trailing_zeros() + 1
    }

    pub(crate) fn new_scratch(&self) -> Scratch {
        Scratch::new(self.glwe_size, self.polynomial_size)
    }

    fn check_lut(&self, lut: &Lut) -> Result<(), FheError> {
        let expected = self.glwe_size * self.polynomial_size;
        if lut.data.len() != expected {
            return Err(FheError::Length { what: "lookup table", expected, got: lut.data.len() });
        }
        Ok(())
    }

    /// Bootstrap of an LWE ciphertext mod 2^64 of dimension n: byte-identical to tfhe
    /// `programmable_bootstrap_ntt64_bnf_lwe_ciphertext` with a `Raw`-converted key.
    pub fn bootstrap_u64(&self, input: &LweCiphertext, lut: &Lut) -> Result<LweCiphertext, FheError> {
        let expected = self.input_dimension + 1;
        if input.data.len() != expected {
            return Err(FheError::Length { what: "bootstrap input", expected, got: input.data.len() });
        }
        self.check_lut(lut)?;
        let log_2n = self.log_2n();
        let (body, mask) = input.data.split_last().expect("length checked");
        let mut scratch = self.new_scratch();
        let mut out = vec![0u64; self.output_dimension() + 1];
        self.bootstrap_switched(
            mask.iter().map(|&a| mod_switch_u64(a, log_2n)),
            mod_switch_u64(*body, log_2n),
            lut,
            &mut scratch,
            &mut out,
        );
        Ok(LweCiphertext { data: out })
    }

    /// Bootstrap of a KS32 ciphertext (u32 words mod 2^q, top-aligned): the blind rotation tfhe
    /// runs as `blind_rotate_ntt64_bnf_assign(lwe_ciphertext_modulus_switch(ct, log2(2N)), …)`
    /// followed by `extract_lwe_sample_from_glwe_ciphertext(…, MonomialDegree(0))`.
    pub fn bootstrap_u32(
        &self,
        input: &LweCiphertext32,
        lut: &Lut,
        ms: ModulusSwitch,
    ) -> Result<LweCiphertext, FheError> {
        let mut scratch = self.new_scratch();
        let mut out = vec![0u64; self.output_dimension() + 1];
        self.bootstrap_u32_into(input, lut, ms, &mut scratch, &mut out)?;
        Ok(LweCiphertext { data: out })
    }

    pub(crate) fn check_u32_input(&self, input: &LweCiphertext32) -> Result<(), FheError> {
        let expected = self.input_dimension + 1;
        if input.data.len() != expected {
            return Err(FheError::Length { what: "bootstrap input", expected, got: input.data.len() });
        }
        if input.modulus_log == 0 || input.modulus_log > 32 {
            return Err(FheError::Modulus { what: "bootstrap input", expected_log: 32, got_log: input.modulus_log });
        }
        if input.modulus_log < self.log_2n() {
            return Err(FheError::Modulus {
                what: "bootstrap input (smaller than 2N)",
                expected_log: self.log_2n(),
                got_log: input.modulus_log,
            });
        }
        if input.modulus_log < 32 {
            let low = (1u32 << (32 - input.modulus_log)) - 1;
            if input.data.iter().any(|v| v & low != 0) {
                return Err(FheError::Unaligned { what: "bootstrap input", modulus_log: input.modulus_log });
            }
        }
        Ok(())
    }

    pub(crate) fn bootstrap_u32_into(
        &self,
        input: &LweCiphertext32,
        lut: &Lut,
        ms: ModulusSwitch,
        scratch: &mut Scratch,
        out: &mut [u64],
    ) -> Result<(), FheError> {
        self.check_u32_input(input)?;
        self.check_lut(lut)?;
        let (mask, body) = self.switch_u32(input, ms);
        self.bootstrap_switched(mask, body, lut, scratch, out);
        Ok(())
    }

    fn switch_u32<'a>(
        &self,
        input: &'a LweCiphertext32,
        ms: ModulusSwitch,
    ) -> (impl Iterator<Item = usize> + 'a, usize) {
        let log_2n = self.log_2n();
        let (body, mask) = input.data.split_last().expect("length checked by the caller");
        let correction = match ms {
            ModulusSwitch::Standard => 0,
            ModulusSwitch::Centered => centered_body_correction_u32(mask, log_2n),
        };
        (mask.iter().map(move |&a| mod_switch_u32(a, log_2n)), mod_switch_u32(body.wrapping_add(correction), log_2n))
    }

    /// One blind rotation of a KS32 ciphertext, then one extraction per function of `many`.
    pub fn bootstrap_u32_many(
        &self,
        input: &LweCiphertext32,
        many: &ManyLut,
        ms: ModulusSwitch,
    ) -> Result<Vec<LweCiphertext>, FheError> {
        self.check_u32_input(input)?;
        self.check_lut(&many.lut)?;
        if many.function_count == 0 || (many.function_count - 1) * many.stride >= self.polynomial_size {
            return Err(FheError::ManyLut("extraction degrees exceed N"));
        }
        let mut scratch = self.new_scratch();
        let (mask, body) = self.switch_u32(input, ms);
        self.blind_rotate(mask, body, &many.lut, &mut scratch);
        Ok((0..many.function_count)
            .map(|j| {
                let mut out = vec![0u64; self.output_dimension() + 1];
                extract_sample(&scratch.acc, self.glwe_size, self.polynomial_size, j * many.stride, &mut out);
                LweCiphertext { data: out }
            })
            .collect())
    }

    /// Blind rotation (BNF order) and extraction on an already switched input.
    pub(crate) fn bootstrap_switched(
        &self,
        mask: impl Iterator<Item = usize>,
        body: usize,
        lut: &Lut,
        scratch: &mut Scratch,
        out: &mut [u64],
    ) {
        self.blind_rotate(mask, body, lut, scratch);
        extract_sample_0(&scratch.acc, self.glwe_size, self.polynomial_size, out);
    }

    /// Leaves LUT·X^(Σ ms(a_i)s_i − ms(b)) in `scratch.acc`.
    pub(crate) fn blind_rotate(&self, mask: impl Iterator<Item = usize>, body: usize, lut: &Lut, s: &mut Scratch) {
        let n = self.polynomial_size;
        s.acc.copy_from_slice(&lut.data);
        let ggsw_len = self.level * self.glwe_size * self.glwe_size * n;
        for (i, a) in mask.enumerate() {
            if a == 0 {
                continue;
            }
            let ggsw = &self.data[i * ggsw_len..(i + 1) * ggsw_len];
            // the key streams from memory (57.6 MB per bootstrap with the HPU parameters): the
            // transforms of this row prefetch the next row's GGSW
            let next = self.data.get((i + 1) * ggsw_len..(i + 2) * ggsw_len).unwrap_or(&[]);
            self.add_external_product(ggsw, a, next, s);
        }
        if body != 0 {
            // X^(−b) = X^(2N − b)
            for poly in s.acc.chunks_exact_mut(n) {
                s.ct1[..n].copy_from_slice(poly);
                monomial_mul_into(poly, &s.ct1[..n], 2 * n - body);
            }
        }
    }

    /// acc += GGSW ⊡ ct1 with ct1 = acc·X^a − acc (the AVX-512 path computes ct1 on the fly in its
    /// first decomposition pass); transform number t prefetches words [tN, (t + 1)N) of `next`.
    fn add_external_product(&self, ggsw: &[u64], a: usize, next: &[u64], s: &mut Scratch) {
        let n = self.polynomial_size;
        let gs = self.glwe_size;
        let simd = self.ntt.uses_avx512() && n.is_multiple_of(8);
        if !simd {
            for (c1, c0) in s.ct1.chunks_exact_mut(n).zip(s.acc.chunks_exact(n)) {
                monomial_mul_sub_into(c1, c0, a);
            }
            for (st, &v) in s.states.iter_mut().zip(&s.ct1) {
                *st = init_state(v, self.base_log, self.level);
            }
        }
        let level_len = gs * gs * n;
        for level in 0..self.level {
            let level_matrix = &ggsw[level * level_len..(level + 1) * level_len];
            for (j, ((states, digits), acc)) in
                s.states.chunks_exact_mut(n).zip(s.digits.chunks_exact_mut(n)).zip(s.acc.chunks_exact(n)).enumerate()
            {
                if simd {
                    #[cfg(target_arch = "x86_64")]
                    // SAFETY: AVX-512F detected by the plan; equal lengths, multiple of 8, a < 2N.
                    unsafe {
                        if level == 0 {
                            crate::ntt_avx512::first_digits_rotated_mod_p(
                                acc,
                                a,
                                states,
                                digits,
                                self.base_log,
                                self.level,
                            )
                        } else {
                            crate::ntt_avx512::next_digits_mod_p(states, digits, self.base_log)
                        }
                    };
                } else {
                    for (d, st) in digits.iter_mut().zip(states) {
                        let digit = next_digit(st, self.base_log);
                        // Balanced digit in two's complement → Z_p.
                        *d = if (digit as i64) < 0 { digit.wrapping_add(P) } else { digit };
                    }
                }
                let t = level * gs + j;
                self.ntt.forward_prefetching(digits, next.get(t * n..(t + 1) * n).unwrap_or(&[]));
            }
            // ntt_acc[k] (+)= Σ_j digits_j ⊙ key[level][j][k]
            #[cfg(target_arch = "x86_64")]
            if simd && gs == 2 {
                let (d0, d1) = s.digits.split_at(n);
                for (k, acc_poly) in s.ntt_acc.chunks_exact_mut(n).enumerate() {
                    let k0 = &level_matrix[k * n..(k + 1) * n];
                    let k1 = &level_matrix[(gs + k) * n..(gs + k + 1) * n];
                    // SAFETY: AVX-512F detected; all slices of length N, a multiple of 8.
                    unsafe { crate::ntt_avx512::mac2(acc_poly, d0, k0, d1, k1, level > 0) };
                }
                continue;
            }
            if level == 0 {
                s.ntt_acc.fill(0);
            }
            for (j, digits) in s.digits.chunks_exact(n).enumerate() {
                let row = &level_matrix[j * gs * n..(j + 1) * gs * n];
                for (acc_poly, key_poly) in s.ntt_acc.chunks_exact_mut(n).zip(row.chunks_exact(n)) {
                    self.ntt.mul_accumulate(acc_poly, digits, key_poly);
                }
            }
        }
        for (k, (acc_poly, ntt_poly)) in s.acc.chunks_exact_mut(n).zip(s.ntt_acc.chunks_exact_mut(n)).enumerate() {
            let t = self.level * gs + k;
            self.ntt.inverse_unscaled_prefetching(ntt_poly, next.get(t * n..(t + 1) * n).unwrap_or(&[]));
            if simd {
                #[cfg(target_arch = "x86_64")]
                // SAFETY: as above.
                unsafe {
                    crate::ntt_avx512::add_mod_p_to_native(acc_poly, ntt_poly)
                };
            } else {
                for (x, &v) in acc_poly.iter_mut().zip(ntt_poly.iter()) {
                    *x = x.wrapping_add(mod_p_to_native(v));
                }
            }
        }
    }
}

/// tfhe `extract_lwe_sample_from_glwe_ciphertext(…, MonomialDegree(0))`: body = b[0], each mask
/// polynomial becomes [a_0, −a_{N−1}, …, −a_1].
pub(crate) fn extract_sample_0(glwe: &[u64], glwe_size: usize, n: usize, out: &mut [u64]) {
    extract_sample(glwe, glwe_size, n, 0, out)
}

/// tfhe `extract_lwe_sample_from_glwe_ciphertext(…, MonomialDegree(d))`
/// (`core_crypto/algorithms/glwe_sample_extraction.rs`): body = b[d], each mask polynomial becomes
/// [a_d, a_{d−1}, …, a_0, −a_{N−1}, …, −a_{d+1}] (d < N).
pub(crate) fn extract_sample(glwe: &[u64], glwe_size: usize, n: usize, d: usize, out: &mut [u64]) {
    let k = glwe_size - 1;
    for (dst, src) in out[..k * n].chunks_exact_mut(n).zip(glwe[..k * n].chunks_exact(n)) {
        for i in 0..=d {
            dst[i] = src[d - i];
        }
        for i in d + 1..n {
            dst[i] = src[n + d - i].wrapping_neg();
        }
    }
    out[k * n] = glwe[k * n + d];
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn mod_p_to_native_matches_u128_division() {
        let seed = 0x5eed_0004;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let reference = |v: u64| ((((v as u128) << 64) | (P as u128 >> 1)) / P as u128) as u64;
        for v in [0, 1, 2, P / 2, P / 2 + 1, P - 2, P - 1, 0xffff_ffff, 1 << 32, 1 << 63] {
            assert_eq!(mod_p_to_native(v), reference(v), "v={v}");
        }
        for _ in 0..200_000 {
            let v = rng.gen_range(0..P);
            assert_eq!(mod_p_to_native(v), reference(v), "seed {seed} v={v}");
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn simd_decomposition_and_switch_match_scalar() {
        if !std::arch::is_x86_feature_detected!("avx512f") {
            eprintln!("no AVX-512F: nothing to compare");
            return;
        }
        let seed = 0x5eed_0006;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let len = 4096;
        let mut input: Vec<u64> = (0..len).map(|_| rng.gen()).collect();
        let edges = [0, 1, u64::MAX, 1 << 63, (1 << 63) - 1, (1 << 40) - 1, 1 << 40, 1 << 41, 3 << 40];
        input[..edges.len()].copy_from_slice(&edges);
        for (base_log, level) in [(23, 1), (2, 8), (4, 4), (10, 3)] {
            let mut st_v = vec![0u64; len];
            // SAFETY: AVX-512F checked above; equal lengths, multiple of 8.
            unsafe { crate::ntt_avx512::init_states(&mut st_v, &input, base_log, level) };
            let mut st_s: Vec<u64> = input.iter().map(|&x| init_state(x, base_log, level)).collect();
            assert_eq!(st_v, st_s, "seed {seed} B={base_log} l={level} states");
            // the fused first level with ct1 = acc·X^k − acc computed on the fly (acc = input):
            // same digits, and the same remaining states when l > 1, as rotate, init, one digit
            for k in [0, 1, 7, 8, 9, len / 2 - 3, len - 1, len, len + 5, 2 * len - 8, 2 * len - 1] {
                let mut ct1 = vec![0u64; len];
                monomial_mul_sub_into(&mut ct1, &input, k);
                let (mut st_r, mut d_r) = (vec![0u64; len], vec![0u64; len]);
                let mut st_e: Vec<u64> = ct1.iter().map(|&x| init_state(x, base_log, level)).collect();
                let mut d_e = vec![0u64; len];
                // SAFETY: as above; k < 2·len.
                unsafe {
                    crate::ntt_avx512::first_digits_rotated_mod_p(&input, k, &mut st_r, &mut d_r, base_log, level);
                    crate::ntt_avx512::next_digits_mod_p(&mut st_e, &mut d_e, base_log);
                }
                assert_eq!(d_r, d_e, "seed {seed} B={base_log} l={level} k={k} fused first digits");
                if level > 1 {
                    assert_eq!(st_r, st_e, "seed {seed} B={base_log} l={level} k={k} fused states");
                }
            }
            for lev in 0..level {
                let mut d_v = vec![0u64; len];
                // SAFETY: as above.
                unsafe { crate::ntt_avx512::next_digits_mod_p(&mut st_v, &mut d_v, base_log) };
                let d_s: Vec<u64> = st_s
                    .iter_mut()
                    .map(|st| {
                        let d = next_digit(st, base_log);
                        if (d as i64) < 0 {
                            d.wrapping_add(P)
                        } else {
                            d
                        }
                    })
                    .collect();
                assert_eq!(d_v, d_s, "seed {seed} B={base_log} l={level} level {lev}");
                assert_eq!(st_v, st_s);
            }
        }
        let mut v: Vec<u64> = (0..len).map(|_| rng.gen_range(0..P)).collect();
        let vedges = [0, 1, 2, P / 2, P / 2 + 1, P - 2, P - 1, 0xffff_ffff, 1 << 32, 1 << 63];
        v[..vedges.len()].copy_from_slice(&vedges);
        let acc0: Vec<u64> = (0..len).map(|_| rng.gen()).collect();
        let mut acc_v = acc0.clone();
        // SAFETY: as above.
        unsafe { crate::ntt_avx512::add_mod_p_to_native(&mut acc_v, &v) };
        let acc_s: Vec<u64> = acc0.iter().zip(&v).map(|(a, &x)| a.wrapping_add(mod_p_to_native(x))).collect();
        assert_eq!(acc_v, acc_s, "seed {seed} p→2^64 switch");
    }

    #[test]
    fn monomial_mul_matches_definition() {
        let n = 8;
        let poly: Vec<u64> = (1..=n as u64).collect();
        for k in 0..2 * n {
            let mut out = vec![0u64; n];
            monomial_mul_into(&mut out, &poly, k);
            let mut expect = vec![0u64; n];
            for (i, &c) in poly.iter().enumerate() {
                let e = (i + k) % (2 * n);
                if e < n {
                    expect[e] = expect[e].wrapping_add(c);
                } else {
                    expect[e - n] = expect[e - n].wrapping_sub(c);
                }
            }
            assert_eq!(out, expect, "k={k}");
        }
    }

    #[test]
    fn monomial_mul_sub_matches_two_steps() {
        let seed = 0x5eed_0008;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        for n in [8usize, 64, 2048] {
            let poly: Vec<u64> = (0..n).map(|_| rng.gen()).collect();
            for k in [0, 1, n / 2, n - 1, n, n + 1, 2 * n - 1] {
                let mut expect = vec![0u64; n];
                monomial_mul_into(&mut expect, &poly, k);
                expect.iter_mut().zip(&poly).for_each(|(e, v)| *e = e.wrapping_sub(*v));
                let mut got = vec![0u64; n];
                monomial_mul_sub_into(&mut got, &poly, k);
                assert_eq!(got, expect, "seed {seed} n={n} k={k}");
            }
        }
    }

    /// Bootstrap latency on a random NTT-form key of the HPU shape (n = 879, N = 2048, k = 1,
    /// l = 1, B = 2^23): the cost does not depend on the key's values, so no key generation.
    /// `cargo test -p gloam-fhe --lib pbs_latency -- --ignored --nocapture`
    #[test]
    #[ignore]
    fn pbs_latency() {
        let (n_in, n, gs) = (879, 2048, 2);
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let data: Vec<u64> = (0..n_in * gs * gs * n).map(|_| rng.gen_range(0..P)).collect();
        let key = BootstrapKey::from_ntt(data, n_in, gs, n, 23, 1).unwrap();
        let lut = Lut::from_container((0..gs * n).map(|_| rng.gen()).collect());
        let input = LweCiphertext { data: (0..=n_in).map(|_| rng.gen()).collect() };
        let reps: usize = std::env::var("GLOAM_FHE_REPS").ok().and_then(|s| s.parse().ok()).unwrap_or(20);
        // on-CPU time of this thread (Linux), less disturbed by other processes than wall time
        let cpu_ms = || -> f64 {
            std::fs::read_to_string("/proc/thread-self/schedstat")
                .ok()
                .and_then(|s| s.split_whitespace().next().and_then(|v| v.parse::<f64>().ok()))
                .map_or(0.0, |ns| ns / 1e6)
        };
        let (mut wall, mut cpu) = (Vec::new(), Vec::new());
        for _ in 0..reps {
            let (t, c) = (std::time::Instant::now(), cpu_ms());
            std::hint::black_box(key.bootstrap_u64(&input, &lut).unwrap());
            cpu.push(cpu_ms() - c);
            wall.push(t.elapsed().as_secs_f64() * 1e3);
        }
        wall.sort_by(|a, b| a.partial_cmp(b).unwrap());
        cpu.sort_by(|a, b| a.partial_cmp(b).unwrap());
        println!(
            "PBS (random key, HPU shape, avx512 {}): wall min {:.2} / median {:.2} ms, on-CPU min {:.2} / median {:.2} ms over {reps}",
            key.ntt.uses_avx512(),
            wall[0],
            wall[reps / 2],
            cpu[0],
            cpu[reps / 2]
        );
    }

    #[test]
    fn modulus_switch_rounds_and_wraps() {
        assert_eq!(mod_switch_u64(0, 12), 0);
        assert_eq!(mod_switch_u64(u64::MAX, 12), 0);
        assert_eq!(mod_switch_u64(1 << 52, 12), 1);
        assert_eq!(mod_switch_u64((1 << 51) - 1, 12), 0);
        assert_eq!(mod_switch_u64(1 << 51, 12), 1);
        assert_eq!(mod_switch_u32(1 << 20, 12), 1);
        assert_eq!(mod_switch_u32(u32::MAX, 12), 0);
        assert_eq!(mod_switch_u32(4095 << 20, 12), 4095);
    }
}
