//! The server key (keyswitch key + bootstrap key, held once) and the batch API.

use rayon::prelude::*;

use crate::ciphertext::{Lut, LweCiphertext, LweCiphertext32, ManyLut};
use crate::error::FheError;
use crate::keyswitch::KeyswitchKey;
use crate::params::FheParams;
use crate::pbs::{BootstrapKey, ModulusSwitch};

/// Keys for keyswitch-then-bootstrap (tfhe's KS32 atomic pattern: big LWE mod 2^64 → KS → small
/// LWE mod 2^q in u32 → BNF bootstrap → big LWE mod 2^64).
#[derive(Clone, Debug)]
pub struct ServerKey {
    params: FheParams,
    ksk: KeyswitchKey,
    bsk: BootstrapKey,
    modulus_switch: ModulusSwitch,
}

impl ServerKey {
    /// Checks that the keys match the parameters and each other.
    pub fn new(params: FheParams, ksk: KeyswitchKey, bsk: BootstrapKey) -> Result<Self, FheError> {
        params.validate()?;
        let big = params.big_lwe_dimension();
        let mismatch = |what, expected, got| Err(FheError::Length { what, expected, got });
        if ksk.input_dimension() != big {
            return mismatch("keyswitch key input dimension", big, ksk.input_dimension());
        }
        if ksk.output_dimension() != params.lwe_dimension {
            return mismatch("keyswitch key output dimension", params.lwe_dimension, ksk.output_dimension());
        }
        if ksk.modulus_log() != params.ks_output_modulus_log {
            return Err(FheError::Modulus {
                what: "keyswitch key",
                expected_log: params.ks_output_modulus_log,
                got_log: ksk.modulus_log(),
            });
        }
        if bsk.input_dimension() != params.lwe_dimension {
            return mismatch("bootstrap key input dimension", params.lwe_dimension, bsk.input_dimension());
        }
        if bsk.glwe_size() != params.glwe_size() {
            return mismatch("bootstrap key GLWE size", params.glwe_size(), bsk.glwe_size());
        }
        if bsk.polynomial_size() != params.polynomial_size {
            return mismatch("bootstrap key polynomial size", params.polynomial_size, bsk.polynomial_size());
        }
        Ok(Self { params, ksk, bsk, modulus_switch: ModulusSwitch::Standard })
    }

    /// Select the modulus switch applied to keyswitched ciphertexts before the blind rotation
    /// (default `Standard`, the core_crypto BNF bootstrap; `Centered` is tfhe shortint's choice
    /// for this parameter set).
    pub fn with_modulus_switch(mut self, ms: ModulusSwitch) -> Self {
        self.modulus_switch = ms;
        self
    }

    pub fn modulus_switch(&self) -> ModulusSwitch {
        self.modulus_switch
    }

    pub fn params(&self) -> &FheParams {
        &self.params
    }

    pub fn keyswitch_key(&self) -> &KeyswitchKey {
        &self.ksk
    }

    pub fn bootstrap_key(&self) -> &BootstrapKey {
        &self.bsk
    }

    /// LUT for f over the full message·carry space with the parameters' Δ.
    pub fn lut(&self, f: impl Fn(u64) -> u64) -> Lut {
        let p = &self.params;
        Lut::from_fn(p.polynomial_size, p.glwe_size(), (p.message_modulus * p.carry_modulus) as usize, p.delta(), f)
            .expect("validated parameters give a valid LUT shape")
    }

    /// Many-LUT table for `functions` (at most message·carry/2 of them) with the parameters' Δ.
    pub fn many_lut(&self, functions: &[&dyn Fn(u64) -> u64]) -> Result<ManyLut, FheError> {
        let p = &self.params;
        ManyLut::from_fns(
            p.polynomial_size,
            p.glwe_size(),
            (p.message_modulus * p.carry_modulus) as usize,
            p.delta(),
            functions,
        )
    }

    /// Keyswitch, one bootstrap, and one output per function of `many` (inputs must not exceed
    /// `many.max_input`, which is the caller's encoding invariant and cannot be checked here).
    pub fn keyswitch_bootstrap_many(
        &self,
        input: &LweCiphertext,
        many: &ManyLut,
    ) -> Result<Vec<LweCiphertext>, FheError> {
        let small = self.keyswitch(input)?;
        self.bsk.bootstrap_u32_many(&small, many, self.modulus_switch)
    }

    /// Keyswitch + one bootstrap per input with a many-LUT, in parallel; output i holds the
    /// `many.function_count` results of input i.
    pub fn bootstrap_many_batch(
        &self,
        inputs: &[LweCiphertext],
        many: &ManyLut,
    ) -> Result<Vec<Vec<LweCiphertext>>, FheError> {
        self.check_batch_inputs(inputs)?;
        inputs
            .par_iter()
            .enumerate()
            .map(|(i, ct)| {
                self.keyswitch_bootstrap_many(ct, many)
                    .map_err(|e| FheError::BatchItem { index: i, source: Box::new(e) })
            })
            .collect()
    }

    /// Every input has the big-LWE size; the error names the first bad index.
    fn check_batch_inputs(&self, inputs: &[LweCiphertext]) -> Result<(), FheError> {
        let big = self.params.big_lwe_dimension() + 1;
        for (index, ct) in inputs.iter().enumerate() {
            if ct.data.len() != big {
                let source = FheError::Length { what: "batch input", expected: big, got: ct.data.len() };
                return Err(FheError::BatchItem { index, source: Box::new(source) });
            }
        }
        Ok(())
    }

    pub fn keyswitch(&self, input: &LweCiphertext) -> Result<LweCiphertext32, FheError> {
        self.ksk.keyswitch(input)
    }

    pub fn bootstrap(&self, input: &LweCiphertext32, lut: &Lut) -> Result<LweCiphertext, FheError> {
        if input.modulus_log != self.params.ks_output_modulus_log {
            return Err(FheError::Modulus {
                what: "bootstrap input",
                expected_log: self.params.ks_output_modulus_log,
                got_log: input.modulus_log,
            });
        }
        self.bsk.bootstrap_u32(input, lut, self.modulus_switch)
    }

    pub fn keyswitch_bootstrap(&self, input: &LweCiphertext, lut: &Lut) -> Result<LweCiphertext, FheError> {
        let small = self.keyswitch(input)?;
        self.bootstrap(&small, lut)
    }

    /// Keyswitch + bootstrap of every input, in parallel (rayon). `luts` holds either one table
    /// for all inputs or one per input. Everything is validated before any work starts; the
    /// output order follows the input order and is independent of scheduling.
    pub fn bootstrap_batch(&self, inputs: &[LweCiphertext], luts: &[&Lut]) -> Result<Vec<LweCiphertext>, FheError> {
        if !(luts.len() == 1 || luts.len() == inputs.len()) || (luts.is_empty() && !inputs.is_empty()) {
            return Err(FheError::BatchShape { inputs: inputs.len(), luts: luts.len() });
        }
        self.check_batch_inputs(inputs)?;
        let lut_len = self.params.glwe_size() * self.params.polynomial_size;
        for (index, lut) in luts.iter().enumerate() {
            if lut.data.len() != lut_len {
                let source = FheError::Length { what: "lookup table", expected: lut_len, got: lut.data.len() };
                return Err(FheError::BatchItem { index, source: Box::new(source) });
            }
        }
        let big = self.params.big_lwe_dimension() + 1;
        inputs
            .par_iter()
            .enumerate()
            .map_init(
                || self.bsk.new_scratch(),
                |scratch, (i, ct)| {
                    let lut = if luts.len() == 1 { luts[0] } else { luts[i] };
                    let run = |scratch: &mut _| {
                        let small = self.ksk.keyswitch(ct)?;
                        let mut out = vec![0u64; big];
                        self.bsk.bootstrap_u32_into(&small, lut, self.modulus_switch, scratch, &mut out)?;
                        Ok(LweCiphertext { data: out })
                    };
                    run(scratch).map_err(|e| FheError::BatchItem { index: i, source: Box::new(e) })
                },
            )
            .collect()
    }

    /// One round of independent bootstrap jobs (single LUT or many-LUT, mixed), keyswitch then
    /// bootstrap each, in parallel; output i holds one ciphertext per function of job i. This is
    /// the primitive every integer operation and the [`crate::scheduler::BootstrapScheduler`]
    /// call, so a merged round gives exactly the bytes of the separate rounds.
    pub fn bootstrap_jobs(&self, jobs: &[crate::integer::BootstrapJob]) -> Result<Vec<Vec<LweCiphertext>>, FheError> {
        use crate::integer::BootstrapJob;
        let inputs: Vec<&LweCiphertext> = jobs.iter().map(|j| j.input()).collect();
        let big = self.params.big_lwe_dimension() + 1;
        for (index, ct) in inputs.iter().enumerate() {
            if ct.data.len() != big {
                let source = FheError::Length { what: "batch input", expected: big, got: ct.data.len() };
                return Err(FheError::BatchItem { index, source: Box::new(source) });
            }
        }
        jobs.par_iter()
            .enumerate()
            .map(|(i, job)| {
                match job {
                    BootstrapJob::Single { input, lut } => self.keyswitch_bootstrap(input, lut).map(|c| vec![c]),
                    BootstrapJob::Many { input, lut } => self.keyswitch_bootstrap_many(input, lut),
                }
                .map_err(|e| FheError::BatchItem { index: i, source: Box::new(e) })
            })
            .collect()
    }
}
