//! The CPU backend: the reference every GPU backend is compared against, and the fallback the
//! engine recomputes on when a GPU fails. Parallel over rayon; arkworks field types.
//!
//! MSM and NTT results are bit-identical to arkworks (`VariableBaseMSM::msm`,
//! `Radix2EvaluationDomain`), which the tests pin. arkworks supplies the types and the reference;
//! the hot loops use our own inlined field arithmetic (`fq`, `fr`: MULX/ADX Montgomery products
//! where the CPU has them, chosen at run time) because arkworks' multiplier is neither inlined
//! nor assembly-backed in a build that does not target those features.
//!
//! * [`msm`]: signed-digit Pippenger with batch-affine buckets, fixed-base tables;
//! * [`ntt`]: radix-2 NTT with cached twiddles and fused coset scaling;
//! * [`curve`]: G1 multiplication by a prepared (GLV, wNAF) scalar, for G1 FFT twiddles.
//!
//! Timing examples (print ratios against peers in the same process): `msm_vs_blst`,
//! `fixed_base_vs_ckzg`, `ntt_vs_arkworks`, `fq_mul`.

pub mod curve;
#[doc(hidden)]
pub mod fq;
#[doc(hidden)]
pub mod fr;
pub mod msm;
pub mod ntt;

use std::sync::Arc;

use gloam_engine_core::{
    Backend, BackendKind, DeviceInfo, DeviceResult, FixedBaseMsm, Fr, G1Affine, G1Projective, MsmJob, NttOp,
};

/// The CPU backend. Uses the global rayon pool unless built with a dedicated one.
#[derive(Debug, Default)]
pub struct CpuBackend {
    _priv: (),
}

impl CpuBackend {
    pub fn new() -> Self {
        CpuBackend { _priv: () }
    }
}

impl Backend for CpuBackend {
    fn kind(&self) -> BackendKind {
        BackendKind::Cpu
    }

    fn info(&self) -> DeviceInfo {
        DeviceInfo {
            name: cpu_name(),
            memory_bytes: None,
            driver: format!("rayon, {} threads", rayon::current_num_threads()),
            is_software: false,
            details: vec![("threads".into(), rayon::current_num_threads().to_string())],
        }
    }

    fn msm(&self, bases: &[G1Affine], scalars: &[Fr]) -> DeviceResult<G1Projective> {
        Ok(msm::msm(bases, scalars))
    }

    fn msm_batch(&self, jobs: &[MsmJob<'_>]) -> DeviceResult<Vec<G1Projective>> {
        let jobs: Vec<(&[G1Affine], &[Fr])> = jobs.iter().map(|j| (j.bases, j.scalars)).collect();
        Ok(msm::msm_batch(&jobs))
    }

    fn prepare_fixed_base(&self, bases: &[G1Affine]) -> DeviceResult<Arc<dyn FixedBaseMsm>> {
        Ok(Arc::new(msm::FixedBase::new(bases)))
    }

    fn ntt_batch(&self, data: &mut [Fr], size: usize, op: NttOp) -> DeviceResult<()> {
        ntt::ntt_batch(data, size, op);
        Ok(())
    }
}

/// The CPU model name from /proc/cpuinfo where available.
pub fn cpu_name() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|v| v.trim().to_string())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_string())
}
