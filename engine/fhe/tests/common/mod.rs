//! Shared oracle fixture: keys generated once per test binary by tfhe-rs 1.8.2 from a fixed seed,
//! converted for both tfhe's own BNF bootstrap (the oracle) and the engine.
#![allow(dead_code)]

use std::sync::OnceLock;

use gloam_fhe::{
    BootstrapKey, FheParams, KeyswitchKey, LweCiphertext as GCt, ServerKey, HPU_MESSAGE_2_CARRY_2_KS32_TUNIFORM_2M128,
};
use tfhe::core_crypto::commons::generators::DeterministicSeeder;
use tfhe::core_crypto::commons::math::random::Seed;
use tfhe::core_crypto::prelude::*;

pub const KEY_SEED: u128 = 0x676c_6f61_6d2d_6668_652d_6b65_7973_0001;

pub const P: u128 = (1 << 64) - (1 << 32) + 1;

pub struct Fixture {
    pub params: FheParams,
    pub small_sk: LweSecretKeyOwned<u32>,
    pub small_sk_u64: LweSecretKeyOwned<u64>,
    pub big_sk: LweSecretKeyOwned<u64>,
    pub ntt_bsk: NttLweBootstrapKeyOwned<u64>,
    pub std_bsk: LweBootstrapKeyOwned<u64>,
    pub ksk: LweKeyswitchKeyOwned<u32>,
    pub server: ServerKey,
}

/// tfhe's `DynamicDistribution` values of the HPU set (v1_8/hpu.rs). The constant itself is only
/// compiled with tfhe's `hpu` feature (v1_8/mod.rs: `#[cfg(feature = "hpu")] pub mod hpu;`), which
/// pulls the FPGA backend, so its values are restated here.
pub fn glwe_noise() -> DynamicDistribution<u64> {
    DynamicDistribution::new_t_uniform(17)
}
pub fn lwe_noise() -> DynamicDistribution<u32> {
    DynamicDistribution::new_t_uniform(3)
}

pub fn ks_modulus(params: &FheParams) -> CiphertextModulus<u32> {
    CiphertextModulus::try_new_power_of_2(params.ks_output_modulus_log as usize).unwrap()
}

pub fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| build(KEY_SEED))
}

pub fn generators(
    seed: u128,
) -> (SecretRandomGenerator<DefaultRandomGenerator>, EncryptionRandomGenerator<DefaultRandomGenerator>) {
    let mut seeder = DeterministicSeeder::<DefaultRandomGenerator>::new(Seed(seed));
    let secret = SecretRandomGenerator::<DefaultRandomGenerator>::new(seeder.seed());
    let enc = EncryptionRandomGenerator::<DefaultRandomGenerator>::new(seeder.seed(), &mut seeder);
    (secret, enc)
}

pub fn build(seed: u128) -> Fixture {
    let params = HPU_MESSAGE_2_CARRY_2_KS32_TUNIFORM_2M128;
    let (mut secret, mut enc) = generators(seed);
    let small_sk = LweSecretKey::<Vec<u32>>::generate_new_binary(LweDimension(params.lwe_dimension), &mut secret);
    let glwe_sk = GlweSecretKey::<Vec<u64>>::generate_new_binary(
        GlweDimension(params.glwe_dimension),
        PolynomialSize(params.polynomial_size),
        &mut secret,
    );
    let big_sk = glwe_sk.clone().into_lwe_secret_key();
    let small_sk_u64 = LweSecretKey::from_container(small_sk.as_ref().iter().map(|&x| x as u64).collect::<Vec<u64>>());
    let std_bsk = par_allocate_and_generate_new_lwe_bootstrap_key(
        &small_sk,
        &glwe_sk,
        DecompositionBaseLog(params.pbs_base_log),
        DecompositionLevelCount(params.pbs_level),
        glwe_noise(),
        CiphertextModulus::<u64>::new_native(),
        &mut enc,
    );
    let ksk = allocate_and_generate_new_lwe_keyswitch_key(
        &big_sk,
        &small_sk,
        DecompositionBaseLog(params.ks_base_log),
        DecompositionLevelCount(params.ks_level),
        lwe_noise(),
        ks_modulus(&params),
        &mut enc,
    );
    let mut ntt_bsk = NttLweBootstrapKey::new(
        0u64,
        std_bsk.input_lwe_dimension(),
        std_bsk.glwe_size(),
        std_bsk.polynomial_size(),
        std_bsk.decomposition_base_log(),
        std_bsk.decomposition_level_count(),
        CiphertextModulus::<u64>::try_new(P).unwrap(),
    );
    par_convert_standard_lwe_bootstrap_key_to_ntt64(&std_bsk, &mut ntt_bsk, NttLweBootstrapKeyOption::Raw);

    let bsk = BootstrapKey::par_from_standard(
        std_bsk.as_ref(),
        params.lwe_dimension,
        params.glwe_size(),
        params.polynomial_size,
        params.pbs_base_log,
        params.pbs_level,
    )
    .unwrap();
    let our_ksk = KeyswitchKey::from_container(
        ksk.as_ref().to_vec(),
        params.big_lwe_dimension(),
        params.lwe_dimension,
        params.ks_base_log,
        params.ks_level,
        params.ks_output_modulus_log,
    )
    .unwrap();
    let server = ServerKey::new(params, our_ksk, bsk).unwrap();
    Fixture { params, small_sk, small_sk_u64, big_sk, ntt_bsk, std_bsk, ksk, server }
}

impl Fixture {
    /// Encryption of m·Δ under the big key (the shape of a bootstrap output).
    pub fn encrypt_big(&self, m: u64, enc: &mut EncryptionRandomGenerator<DefaultRandomGenerator>) -> GCt {
        let ct = allocate_and_encrypt_new_lwe_ciphertext(
            &self.big_sk,
            Plaintext(m.wrapping_mul(self.params.delta())),
            glwe_noise(),
            CiphertextModulus::new_native(),
            enc,
        );
        GCt::from_container(ct.into_container())
    }

    /// Encryption of m·Δ under the small key, mod 2^64 (input of the core BNF bootstrap).
    pub fn encrypt_small_u64(&self, m: u64, enc: &mut EncryptionRandomGenerator<DefaultRandomGenerator>) -> GCt {
        let ct = allocate_and_encrypt_new_lwe_ciphertext(
            &self.small_sk_u64,
            Plaintext(m.wrapping_mul(self.params.delta())),
            DynamicDistribution::<u64>::new_t_uniform(40),
            CiphertextModulus::new_native(),
            enc,
        );
        GCt::from_container(ct.into_container())
    }

    /// Decrypt with tfhe and decode to the message space (rounding to the nearest multiple of Δ).
    pub fn decrypt_big(&self, ct: &GCt) -> u64 {
        let view = LweCiphertext::from_container(ct.data.as_slice(), CiphertextModulus::<u64>::new_native());
        let pt = decrypt_lwe_ciphertext(&self.big_sk, &view);
        let space = self.params.message_modulus * self.params.carry_modulus;
        divide_round(pt.0, self.params.delta()) % (2 * space)
    }

    pub fn tfhe_lut(&self, lut: &gloam_fhe::Lut) -> GlweCiphertextOwned<u64> {
        GlweCiphertext::from_container(
            lut.data.clone(),
            PolynomialSize(self.params.polynomial_size),
            CiphertextModulus::new_native(),
        )
    }

    /// Oracle: tfhe `programmable_bootstrap_ntt64_bnf_lwe_ciphertext`.
    pub fn oracle_pbs_u64(&self, input: &GCt, lut: &gloam_fhe::Lut) -> Vec<u64> {
        let input = LweCiphertext::from_container(input.data.as_slice(), CiphertextModulus::<u64>::new_native());
        let acc = self.tfhe_lut(lut);
        let mut out =
            LweCiphertext::new(0u64, LweSize(self.params.big_lwe_dimension() + 1), CiphertextModulus::new_native());
        programmable_bootstrap_ntt64_bnf_lwe_ciphertext(&input, &mut out, &acc, &self.ntt_bsk);
        out.into_container()
    }

    /// Oracle: tfhe `keyswitch_lwe_ciphertext_with_scalar_change` (u64 → u32 mod 2^21).
    pub fn oracle_ks(&self, input: &GCt) -> Vec<u32> {
        let input = LweCiphertext::from_container(input.data.as_slice(), CiphertextModulus::<u64>::new_native());
        let mut out = LweCiphertext::new(0u32, LweSize(self.params.lwe_dimension + 1), ks_modulus(&self.params));
        keyswitch_lwe_ciphertext_with_scalar_change(&self.ksk, &input, &mut out);
        out.into_container()
    }

    /// Oracle: the BNF bootstrap of a KS32 ciphertext: modulus switch, `blind_rotate_ntt64_bnf_assign`,
    /// `extract_lwe_sample_from_glwe_ciphertext` at degree 0.
    pub fn oracle_pbs_u32(&self, input: &[u32], lut: &gloam_fhe::Lut) -> Vec<u64> {
        self.oracle_pbs_u32_with(input, lut, false)
    }

    /// `centered`: tfhe `lwe_ciphertext_centered_binary_modulus_switch` instead of the plain switch.
    pub fn oracle_pbs_u32_with(&self, input: &[u32], lut: &gloam_fhe::Lut, centered: bool) -> Vec<u64> {
        let ct = LweCiphertext::from_container(input, ks_modulus(&self.params));
        let log_modulus = PolynomialSize(self.params.polynomial_size).to_blind_rotation_input_modulus_log();
        let mut acc = self.tfhe_lut(lut);
        if centered {
            let msed = lwe_ciphertext_centered_binary_modulus_switch::<u32, usize, _>(ct, log_modulus);
            blind_rotate_ntt64_bnf_assign(&msed, &mut acc, &self.ntt_bsk);
        } else {
            let msed = lwe_ciphertext_modulus_switch::<u32, usize, _>(ct, log_modulus);
            blind_rotate_ntt64_bnf_assign(&msed, &mut acc, &self.ntt_bsk);
        }
        let mut out =
            LweCiphertext::new(0u64, LweSize(self.params.big_lwe_dimension() + 1), CiphertextModulus::new_native());
        extract_lwe_sample_from_glwe_ciphertext(&acc, &mut out, MonomialDegree(0));
        out.into_container()
    }

    /// Oracle for many-LUT: one `blind_rotate_ntt64_bnf_assign`, then tfhe's extraction at each degree.
    pub fn oracle_many_u32(&self, input: &[u32], lut: &gloam_fhe::Lut, degrees: &[usize]) -> Vec<Vec<u64>> {
        let ct = LweCiphertext::from_container(input, ks_modulus(&self.params));
        let log_modulus = PolynomialSize(self.params.polynomial_size).to_blind_rotation_input_modulus_log();
        let msed = lwe_ciphertext_modulus_switch::<u32, usize, _>(ct, log_modulus);
        let mut acc = self.tfhe_lut(lut);
        blind_rotate_ntt64_bnf_assign(&msed, &mut acc, &self.ntt_bsk);
        degrees
            .iter()
            .map(|&d| {
                let mut out = LweCiphertext::new(
                    0u64,
                    LweSize(self.params.big_lwe_dimension() + 1),
                    CiphertextModulus::new_native(),
                );
                extract_lwe_sample_from_glwe_ciphertext(&acc, &mut out, MonomialDegree(d));
                out.into_container()
            })
            .collect()
    }

    /// The same key in tfhe's default f64 Fourier form (for timing comparisons only).
    pub fn fourier_bsk(&self) -> FourierLweBootstrapKeyOwned {
        let mut fft = FourierLweBootstrapKey::new(
            self.std_bsk.input_lwe_dimension(),
            self.std_bsk.glwe_size(),
            self.std_bsk.polynomial_size(),
            self.std_bsk.decomposition_base_log(),
            self.std_bsk.decomposition_level_count(),
        );
        convert_standard_lwe_bootstrap_key_to_fourier(&self.std_bsk, &mut fft);
        fft
    }

    /// tfhe's switched body (centered or plain) of a KS32 ciphertext.
    pub fn oracle_ms_body(&self, input: &[u32], centered: bool) -> usize {
        let ct = LweCiphertext::from_container(input, ks_modulus(&self.params));
        let log_modulus = PolynomialSize(self.params.polynomial_size).to_blind_rotation_input_modulus_log();
        if centered {
            lwe_ciphertext_centered_binary_modulus_switch::<u32, usize, _>(ct, log_modulus).body()
        } else {
            lwe_ciphertext_modulus_switch::<u32, usize, _>(ct, log_modulus).body()
        }
    }

    /// tfhe's own LUT builder, to check ours.
    pub fn tfhe_lut_from_fn(&self, f: impl Fn(u64) -> u64) -> Vec<u64> {
        let space = (self.params.message_modulus * self.params.carry_modulus) as usize;
        generate_programmable_bootstrap_glwe_lut(
            PolynomialSize(self.params.polynomial_size),
            GlweSize(self.params.glwe_size()),
            space,
            CiphertextModulus::new_native(),
            self.params.delta(),
            f,
        )
        .into_container()
    }
}
