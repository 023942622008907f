//! LWE keyswitch from the big key (dimension k·N, mod 2^64) to the small key (dimension n) with a
//! u32 output modulo 2^q ("KS32").
//!
//! Same arithmetic as tfhe 1.8.2 `keyswitch_lwe_ciphertext_with_scalar_change`
//! (`core_crypto/algorithms/lwe_keyswitch.rs`):
//! - body: rounded to the top q bits of the u64 (`closest_representable`, base_log = q, one
//!   level), then shifted down by 32;
//! - each mask element a_i: signed decomposition on the u64 with (B_ks, l_ks), least significant
//!   level first; out −= digit · KSK[i][level] in wrapping u32 arithmetic (the modulus 2^q sits in
//!   the top bits, so wrapping u32 is arithmetic mod 2^q).

use crate::ciphertext::{LweCiphertext, LweCiphertext32};
use crate::decompose::{closest_representable, init_state, next_digit};
use crate::error::FheError;

/// Keyswitch key in tfhe's layout: for each input key element i, `level` ciphertexts of n + 1
/// words, level index 0 being the least significant (tfhe `LweKeyswitchKey<Vec<u32>>`).
#[derive(Clone, Debug)]
pub struct KeyswitchKey {
    data: Vec<u32>,
    input_dimension: usize,
    output_dimension: usize,
    base_log: usize,
    level: usize,
    modulus_log: u32,
}

impl KeyswitchKey {
    /// [`Self::from_container`] with the shapes of a parameter set (big LWE → small LWE).
    pub fn for_params(data: Vec<u32>, p: &crate::params::FheParams) -> Result<Self, FheError> {
        Self::from_container(
            data,
            p.big_lwe_dimension(),
            p.lwe_dimension,
            p.ks_base_log,
            p.ks_level,
            p.ks_output_modulus_log,
        )
    }

    pub fn from_container(
        data: Vec<u32>,
        input_dimension: usize,
        output_dimension: usize,
        base_log: usize,
        level: usize,
        modulus_log: u32,
    ) -> Result<Self, FheError> {
        if base_log == 0 || level == 0 || base_log * level > 32 {
            return Err(FheError::Parameters("KS decomposition must satisfy 0 < B·l ≤ 32"));
        }
        if modulus_log == 0 || modulus_log > 32 {
            return Err(FheError::Parameters("keyswitch modulus must be 2^1..=2^32"));
        }
        let expected = input_dimension
            .checked_mul(level)
            .and_then(|x| x.checked_mul(output_dimension + 1))
            .ok_or(FheError::Parameters("keyswitch key size overflows"))?;
        if data.len() != expected {
            return Err(FheError::Length { what: "keyswitch key", expected, got: data.len() });
        }
        Ok(Self { data, input_dimension, output_dimension, base_log, level, modulus_log })
    }

    pub fn input_dimension(&self) -> usize {
        self.input_dimension
    }

    pub fn output_dimension(&self) -> usize {
        self.output_dimension
    }

    pub fn modulus_log(&self) -> u32 {
        self.modulus_log
    }

    /// The key words in tfhe's layout (see the type).
    pub fn as_slice(&self) -> &[u32] {
        &self.data
    }

    pub fn base_log(&self) -> usize {
        self.base_log
    }

    pub fn level(&self) -> usize {
        self.level
    }

    pub fn keyswitch(&self, input: &LweCiphertext) -> Result<LweCiphertext32, FheError> {
        let expected = self.input_dimension + 1;
        if input.data.len() != expected {
            return Err(FheError::Length { what: "keyswitch input", expected, got: input.data.len() });
        }
        let out_size = self.output_dimension + 1;
        let mut out = vec![0u32; out_size];
        let (body, mask) = input.data.split_last().expect("length checked");
        out[self.output_dimension] = (closest_representable(*body, self.modulus_log as usize) >> 32) as u32;
        #[cfg(target_arch = "x86_64")]
        if crate::ntt::has_avx512() {
            // SAFETY: AVX-512F is present (run-time check); the function only adds the feature to
            // the same safe code.
            unsafe { self.accumulate_mask_avx512(mask, &mut out) };
            return Ok(LweCiphertext32 { data: out, modulus_log: self.modulus_log });
        }
        self.accumulate_mask(mask, &mut out);
        Ok(LweCiphertext32 { data: out, modulus_log: self.modulus_log })
    }

    /// The same loop compiled with AVX-512F, so that the u32 multiply-subtract over each key row
    /// is auto-vectorised 16 lanes wide.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    fn accumulate_mask_avx512(&self, mask: &[u64], out: &mut [u32]) {
        self.accumulate_mask(mask, out)
    }

    /// out −= Σ_i Σ_level digit_{i,level} · KSK[i][level] (wrapping u32).
    #[inline(always)]
    fn accumulate_mask(&self, mask: &[u64], out: &mut [u32]) {
        let out_size = self.output_dimension + 1;
        for (i, &a) in mask.iter().enumerate() {
            let mut state = init_state(a, self.base_log, self.level);
            let block = &self.data[i * self.level * out_size..(i + 1) * self.level * out_size];
            for row in block.chunks_exact(out_size) {
                let digit = next_digit(&mut state, self.base_log) as u32;
                if digit == 0 {
                    continue;
                }
                for (o, k) in out.iter_mut().zip(row) {
                    *o = o.wrapping_sub(k.wrapping_mul(digit));
                }
            }
        }
    }
}
