//! Parameter sets.
//!
//! The default is tfhe-rs 1.8.2 `V1_8_HPU_PARAM_MESSAGE_2_CARRY_2_KS32_PBS_TUNIFORM_2M128`
//! (tfhe 1.8.2, `src/shortint/parameters/v1_8/hpu.rs`): the set Zama built for its FPGA "HPU",
//! whose bootstrap is the Goldilocks-NTT "back and forth" (BNF) algorithm reproduced here. It was
//! noise-checked by Zama for p_fail ≤ 2^-128 at 128-bit security. Values:
//!
//! | field | value |
//! |---|---|
//! | small LWE dimension n | 879 |
//! | GLWE dimension k, polynomial size N | 1, 2048 (big LWE dimension k·N = 2048) |
//! | LWE noise (after keyswitch) | TUniform(2^3) on the 2^21 modulus |
//! | GLWE noise | TUniform(2^17) on 2^64 |
//! | PBS decomposition B, l | 2^23, 1 |
//! | KS decomposition B, l | 2^2, 8 |
//! | message, carry modulus | 4, 4 |
//! | keyswitch output ("KS32") | u32 words, modulus 2^21 (values in the top 21 bits) |
//! | ciphertext modulus | 2^64 (native) |
//! | log2 p_fail | −128 |
//!
//! tfhe's shortint layer uses `ModulusSwitchType::CenteredMeanNoiseReduction` with this set; the
//! engine implements the core_crypto BNF bootstrap, which uses the plain rounding modulus switch
//! (see README "What is missing").

use crate::error::FheError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FheParams {
    /// n, the small LWE dimension (keyswitch output, bootstrap input).
    pub lwe_dimension: usize,
    /// k.
    pub glwe_dimension: usize,
    /// N.
    pub polynomial_size: usize,
    pub pbs_base_log: usize,
    pub pbs_level: usize,
    pub ks_base_log: usize,
    pub ks_level: usize,
    pub message_modulus: u64,
    pub carry_modulus: u64,
    /// log2 of the keyswitch output modulus; values sit in the top bits of a u32.
    pub ks_output_modulus_log: u32,
    /// Noise of the keyswitch key (small LWE): TUniform(2^b), b given here, on the 2^q modulus.
    pub lwe_noise_log: u32,
    /// Noise of the bootstrap key, of fresh encryptions under the big key and of the compact
    /// public key: TUniform(2^b) on 2^64.
    pub glwe_noise_log: u32,
}

/// tfhe 1.8.2 `V1_8_HPU_PARAM_MESSAGE_2_CARRY_2_KS32_PBS_TUNIFORM_2M128`.
pub const HPU_MESSAGE_2_CARRY_2_KS32_TUNIFORM_2M128: FheParams = FheParams {
    lwe_dimension: 879,
    glwe_dimension: 1,
    polynomial_size: 2048,
    pbs_base_log: 23,
    pbs_level: 1,
    ks_base_log: 2,
    ks_level: 8,
    message_modulus: 4,
    carry_modulus: 4,
    ks_output_modulus_log: 21,
    lwe_noise_log: 3,
    glwe_noise_log: 17,
};

impl FheParams {
    pub fn glwe_size(&self) -> usize {
        self.glwe_dimension + 1
    }

    /// k·N, the dimension of ciphertexts produced by the bootstrap.
    pub fn big_lwe_dimension(&self) -> usize {
        self.glwe_dimension * self.polynomial_size
    }

    /// log2(2N): the modulus the bootstrap input is switched to.
    pub fn log_2n(&self) -> u32 {
        self.polynomial_size.trailing_zeros() + 1
    }

    /// Δ = 2^63 / (message · carry): one bit of padding, as in tfhe shortint.
    pub fn delta(&self) -> u64 {
        (1u64 << 63) / (self.message_modulus * self.carry_modulus)
    }

    /// Parameter-set id written into every serialized object: the first 8 bytes (little endian)
    /// of SHA-256("gloam-fhe params v1" ‖ the twelve fields as u64 LE, in declaration order).
    pub fn id(&self) -> u64 {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(b"gloam-fhe params v1");
        for v in [
            self.lwe_dimension as u64,
            self.glwe_dimension as u64,
            self.polynomial_size as u64,
            self.pbs_base_log as u64,
            self.pbs_level as u64,
            self.ks_base_log as u64,
            self.ks_level as u64,
            self.message_modulus,
            self.carry_modulus,
            self.ks_output_modulus_log as u64,
            self.lwe_noise_log as u64,
            self.glwe_noise_log as u64,
        ] {
            h.update(v.to_le_bytes());
        }
        let d = h.finalize();
        u64::from_le_bytes(d[..8].try_into().expect("8 bytes"))
    }

    pub fn validate(&self) -> Result<(), FheError> {
        if self.lwe_dimension == 0 || self.glwe_dimension == 0 {
            return Err(FheError::Parameters("zero dimension"));
        }
        if !self.polynomial_size.is_power_of_two() || self.polynomial_size < 2 || self.polynomial_size > 1 << 31 {
            return Err(FheError::Parameters("polynomial size must be a power of two in [2, 2^31]"));
        }
        if self.pbs_base_log == 0 || self.pbs_level == 0 || self.pbs_base_log * self.pbs_level >= 64 {
            return Err(FheError::Parameters("PBS decomposition must satisfy 0 < B·l < 64"));
        }
        if self.ks_base_log == 0 || self.ks_level == 0 || self.ks_base_log * self.ks_level > 32 {
            return Err(FheError::Parameters("KS decomposition must satisfy 0 < B·l ≤ 32"));
        }
        if self.ks_output_modulus_log == 0 || self.ks_output_modulus_log > 32 {
            return Err(FheError::Parameters("keyswitch output modulus must be 2^1..=2^32"));
        }
        if self.log_2n() > self.ks_output_modulus_log {
            return Err(FheError::Parameters("2N must not exceed the keyswitch output modulus"));
        }
        if self.lwe_noise_log + 2 > self.ks_output_modulus_log || self.glwe_noise_log > 61 {
            return Err(FheError::Parameters("noise bound does not fit its modulus"));
        }
        let space = self.message_modulus.checked_mul(self.carry_modulus).unwrap_or(0);
        if space < 2 || !space.is_power_of_two() || space as usize > self.polynomial_size {
            return Err(FheError::Parameters("message·carry must be a power of two in [2, N]"));
        }
        Ok(())
    }
}
