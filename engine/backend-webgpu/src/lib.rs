//! gloam's WebGPU backend: BLS12-381 G1 MSM (variable-base, batched, fixed-base) and Fr NTT as
//! wgpu compute pipelines over the WGSL kernels in `kernels/wgsl`.
//!
//! Design choices:
//! * **Arkworks words on the device.** Fields use 32-bit-word Montgomery CIOS with R = 2^256
//!   (Fr) and 2^384 (Fp), exactly arkworks' representation, so uploads and readbacks are word
//!   copies and results are bit-identical by construction (see `kernels/wgsl/arith.wgsl`).
//! * **Any adapter, real limits.** The device is requested with the adapter's own limits;
//!   data larger than one storage binding is split (NTT batches by vectors, MSMs by points,
//!   fixed-base tables by base ranges). Lavapipe counts, which is how CI runs every kernel.
//! * **One device per process.** [`probe`] opens the device once and hands out the same
//!   backend afterwards, so pipelines compile once however many engines a process builds.
//! * **Never panic, never a wrong answer.** Work runs inside wgpu error scopes, an
//!   uncaptured-error handler and a device-lost callback are installed, and every failure maps
//!   to a [`DeviceError`] the engine answers by recomputing on the CPU.
//! * **Host does the bookkeeping, device does the curve arithmetic.** MSM digits and the bucket
//!   sort run on the host; bucket accumulation and the bucket reduction run on the device; the
//!   last few hundred additions (window combination) run on the host (see `msm.rs`).

mod fixed;
pub mod gpu;
mod msm;
mod ntt;

use std::sync::{Arc, OnceLock};

use gloam_engine_core::{
    Backend, BackendKind, DeviceError, DeviceInfo, DeviceResult, FixedBaseMsm, Fr, G1Affine, G1Projective,
    KernelCompileReport, MsmJob, NttOp,
};

/// Settings for the webgpu backend.
#[derive(Clone, Debug, Default)]
pub struct WebGpuConfig {
    /// Where compiled kernels are cached (None = no disk cache). Not used yet: wgpu's pipeline
    /// cache is Vulkan-only and driver-keyed; drivers keep their own shader caches.
    pub cache_dir: Option<std::path::PathBuf>,
}

/// The WebGPU backend over one wgpu device.
pub struct WebGpuBackend {
    gpu: Arc<gpu::Gpu>,
    info: DeviceInfo,
}

static SHARED: OnceLock<Result<Arc<WebGpuBackend>, String>> = OnceLock::new();

fn shared() -> Result<Arc<WebGpuBackend>, String> {
    SHARED
        .get_or_init(|| {
            let gpu = gpu::Gpu::open()?;
            let info = describe(&gpu);
            Ok(Arc::new(WebGpuBackend { gpu: Arc::new(gpu), info }))
        })
        .clone()
}

/// Finds a usable device. `Err` carries the human-readable reason it is missing.
pub fn probe(_cfg: &WebGpuConfig) -> Result<Arc<dyn Backend>, String> {
    shared().map(|b| b as Arc<dyn Backend>)
}

/// The process's one wgpu device (the same one [`probe`] opens), for kernel families launched
/// from other crates (FHE, signatures): they build their modules with
/// [`gpu::Gpu::family_pipelines`] and use the same upload/dispatch/readback primitives.
pub fn shared_gpu() -> Result<(Arc<gpu::Gpu>, DeviceInfo), String> {
    shared().map(|b| (b.gpu.clone(), b.info.clone()))
}

fn describe(gpu: &gpu::Gpu) -> DeviceInfo {
    let a = &gpu.adapter_info;
    let l = &gpu.limits;
    let driver = match (a.driver.is_empty(), a.driver_info.is_empty()) {
        (true, true) => format!("{:?}", a.backend),
        (false, true) => a.driver.clone(),
        (true, false) => a.driver_info.clone(),
        (false, false) => format!("{} {}", a.driver, a.driver_info),
    };
    DeviceInfo {
        name: a.name.clone(),
        memory_bytes: None,
        driver,
        is_software: a.device_type == wgpu::DeviceType::Cpu,
        details: vec![
            ("backend".into(), format!("{:?}", a.backend)),
            ("device_type".into(), format!("{:?}", a.device_type)),
            ("vendor_id".into(), format!("{:#06x}", a.vendor)),
            ("device_id".into(), format!("{:#06x}", a.device)),
            ("max_storage_buffer_binding_size".into(), l.max_storage_buffer_binding_size.to_string()),
            ("max_buffer_size".into(), l.max_buffer_size.to_string()),
            ("max_storage_buffers_per_shader_stage".into(), l.max_storage_buffers_per_shader_stage.to_string()),
            ("max_compute_workgroups_per_dimension".into(), l.max_compute_workgroups_per_dimension.to_string()),
            ("max_compute_invocations_per_workgroup".into(), l.max_compute_invocations_per_workgroup.to_string()),
            ("max_compute_workgroup_storage_size".into(), l.max_compute_workgroup_storage_size.to_string()),
            ("workgroup_size".into(), gpu::WORKGROUP.to_string()),
        ],
    }
}

impl Backend for WebGpuBackend {
    fn kind(&self) -> BackendKind {
        BackendKind::WebGpu
    }

    fn info(&self) -> DeviceInfo {
        self.info.clone()
    }

    fn msm(&self, bases: &[G1Affine], scalars: &[Fr]) -> DeviceResult<G1Projective> {
        if bases.len() != scalars.len() {
            return Err(DeviceError::Unsupported(format!("{} bases, {} scalars", bases.len(), scalars.len())));
        }
        Ok(msm::msm_batch(&self.gpu, &[(bases, scalars)])?.remove(0))
    }

    fn msm_batch(&self, jobs: &[MsmJob<'_>]) -> DeviceResult<Vec<G1Projective>> {
        if let Some(j) = jobs.iter().find(|j| j.bases.len() != j.scalars.len()) {
            return Err(DeviceError::Unsupported(format!("{} bases, {} scalars", j.bases.len(), j.scalars.len())));
        }
        let pairs: Vec<(&[G1Affine], &[Fr])> = jobs.iter().map(|j| (j.bases, j.scalars)).collect();
        msm::msm_batch(&self.gpu, &pairs)
    }

    fn prepare_fixed_base(&self, bases: &[G1Affine]) -> DeviceResult<Arc<dyn FixedBaseMsm>> {
        Ok(Arc::new(fixed::FixedTable::new(self.gpu.clone(), bases)?))
    }

    fn ntt_batch(&self, data: &mut [Fr], size: usize, op: NttOp) -> DeviceResult<()> {
        ntt::ntt_batch(&self.gpu, data, size, op)
    }

    fn warm_up(&self) -> DeviceResult<Vec<KernelCompileReport>> {
        self.gpu.warm_up()
    }
}

/// Hooks for this crate's own tests (field arithmetic on the device). Not a stable API.
#[doc(hidden)]
pub mod testing {
    use super::*;
    use crate::gpu::Dispatch;

    fn backend() -> Result<Arc<WebGpuBackend>, String> {
        probe(&WebGpuConfig::default())?;
        SHARED.get().expect("probed").clone()
    }

    /// Runs `fr_ops` or `fp_ops` (field_test.wgsl): per pair, a+b ‖ a−b ‖ a·b as Montgomery words.
    pub fn field_ops(fp: bool, lhs: &[u32], rhs: &[u32]) -> Result<Vec<u32>, String> {
        let b = backend()?;
        let gpu = &*b.gpu;
        let width = if fp { 12 } else { 8 };
        let count = (lhs.len() / width) as u32;
        let pipelines = gpu.field_test_pipelines().map_err(|e| e.to_string())?;
        let entry = pipelines.get(if fp { "fp_ops" } else { "fr_ops" });
        let (l, r, out) = gpu
            .scoped("field test", || {
                Ok((
                    gpu.storage_init("lhs", lhs),
                    gpu.storage_init("rhs", rhs),
                    gpu.storage("out", 3 * lhs.len() as u64),
                ))
            })
            .map_err(|e| e.to_string())?;
        let params = gpu.params([count, 0, 0, 0]);
        let d = Dispatch {
            pipeline: entry,
            bind_group: gpu.bind_group(entry, &[(0, &l), (1, &r), (2, &out), (3, &params)]),
            items: count,
        };
        gpu.run("field test", &[d], Some((&out, 3 * lhs.len() as u64))).map_err(|e| e.to_string())
    }
}
