//! gloam's compute engine: the one entry point callers use for MSM and NTT (and, through the
//! area crates, KZG, signatures and FHE).
//!
//! Design:
//! * **Probe once, pick per call.** [`Engine::new`] probes CUDA and WebGPU (recording why a
//!   missing one is missing) and always has the CPU. Each call picks a backend from the
//!   configured [`Selection`] and the input size: `auto` sends work to a GPU only above a
//!   per-operation threshold, and never to a software adapter (lavapipe), because a GPU loses on
//!   small inputs and an emulated one loses everywhere.
//! * **Checked entry, unchecked core.** The public functions validate lengths and sizes and return
//!   one error enum per operation ([`MsmError`], [`NttError`]); backends receive valid input.
//! * **Never a wrong answer from a failing GPU.** Any [`DeviceError`] — or a panic inside a GPU
//!   backend — makes the engine recompute on the CPU, log a warning once per backend and
//!   operation, and count it ([`Engine::stats`]). A device that reports itself lost leaves the
//!   rotation. Fault injection ([`FaultPlan`], `GLOAM_FAULT_INJECT`) exercises this path in tests.

mod config;
mod stats;
pub mod testkit;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

pub use config::{EngineConfig, FaultPlan, Op, Selection, Thresholds};
pub use gloam_engine_core::{
    domain, layout, report_skip, Backend, BackendKind, DeviceError, DeviceInfo, FixedBaseMsm, Fq, Fr, G1Affine,
    G1Projective, KernelCompileReport, MsmJob, NttDirection, NttOp,
};
pub use stats::{EngineStats, OpStats};

use parking_lot::Mutex;

/// Errors of the MSM entry points.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum MsmError {
    #[error("{bases} bases but {scalars} scalars")]
    LengthMismatch { bases: usize, scalars: usize },
    #[error("fixed-base table holds {table} bases, {scalars} scalars given")]
    TooManyScalars { table: usize, scalars: usize },
    #[error("backend {0} was requested but is not available: {1}")]
    BackendUnavailable(BackendKind, String),
}

/// Errors of the NTT entry points.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum NttError {
    #[error("NTT size {0} is not a power of two between 1 and 2^32")]
    InvalidSize(usize),
    #[error("batch of {len} elements is not a multiple of the NTT size {size}")]
    RaggedBatch { len: usize, size: usize },
    #[error("coset offset must be nonzero")]
    ZeroCoset,
    #[error("backend {0} was requested but is not available: {1}")]
    BackendUnavailable(BackendKind, String),
}

/// A backend the engine found, or why it did not.
#[derive(Clone, Debug)]
pub struct ProbeReport {
    pub kind: BackendKind,
    pub result: Result<DeviceInfo, String>,
}

struct Slot {
    backend: Arc<dyn Backend>,
    info: DeviceInfo,
    /// Cleared when the device reports itself lost: it leaves the rotation.
    healthy: AtomicBool,
}

/// The engine: backends, policy, fallback and counters.
pub struct Engine {
    config: EngineConfig,
    cpu: Arc<dyn Backend>,
    gpus: Vec<Slot>,
    probes: Vec<ProbeReport>,
    stats: stats::Counters,
    warned: Mutex<std::collections::HashSet<(BackendKind, Op)>>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("selection", &self.config.selection)
            .field("gpus", &self.gpus.iter().map(|s| s.backend.kind()).collect::<Vec<_>>())
            .finish()
    }
}

impl Engine {
    /// Probes every backend with `config`.
    pub fn new(config: EngineConfig) -> Engine {
        let cpu: Arc<dyn Backend> = Arc::new(gloam_cpu::CpuBackend::new());
        let mut probes = vec![ProbeReport { kind: BackendKind::Cpu, result: Ok(cpu.info()) }];
        let mut gpus = Vec::new();
        let wants = |k: BackendKind| config.selection.may_use(k);
        if wants(BackendKind::Cuda) {
            let cfg = gloam_cuda::CudaConfig { cache_dir: config.kernel_cache_dir.clone() };
            let r = guarded_probe(|| gloam_cuda::probe(&cfg));
            Self::record(&mut probes, &mut gpus, BackendKind::Cuda, r);
        } else {
            probes.push(ProbeReport {
                kind: BackendKind::Cuda,
                result: Err("not probed: excluded by the backend selection".into()),
            });
        }
        if wants(BackendKind::WebGpu) {
            let cfg = gloam_webgpu::WebGpuConfig { cache_dir: config.kernel_cache_dir.clone() };
            let r = guarded_probe(|| gloam_webgpu::probe(&cfg));
            Self::record(&mut probes, &mut gpus, BackendKind::WebGpu, r);
        } else {
            probes.push(ProbeReport {
                kind: BackendKind::WebGpu,
                result: Err("not probed: excluded by the backend selection".into()),
            });
        }
        Engine::assemble(config, cpu, gpus, probes)
    }

    /// The engine from `GLOAM_*` environment variables (see [`EngineConfig::from_env`]).
    pub fn from_env() -> Result<Engine, String> {
        Ok(Engine::new(EngineConfig::from_env()?))
    }

    /// A CPU-only engine (no probing): what tests and tools use when they need the reference.
    pub fn cpu_only() -> Engine {
        let cpu: Arc<dyn Backend> = Arc::new(gloam_cpu::CpuBackend::new());
        let probes = vec![ProbeReport { kind: BackendKind::Cpu, result: Ok(cpu.info()) }];
        Engine::assemble(
            EngineConfig { selection: Selection::cpu(), ..EngineConfig::default() },
            cpu,
            Vec::new(),
            probes,
        )
    }

    /// An engine over explicitly supplied GPU backends (tests: fault injection with a backend
    /// that always fails; embedding a custom device).
    pub fn with_backends(config: EngineConfig, gpus: Vec<Arc<dyn Backend>>) -> Engine {
        let cpu: Arc<dyn Backend> = Arc::new(gloam_cpu::CpuBackend::new());
        let mut probes = vec![ProbeReport { kind: BackendKind::Cpu, result: Ok(cpu.info()) }];
        let mut slots = Vec::new();
        for g in gpus {
            let kind = g.kind();
            Self::record(&mut probes, &mut slots, kind, Ok(g));
        }
        Engine::assemble(config, cpu, slots, probes)
    }

    fn assemble(config: EngineConfig, cpu: Arc<dyn Backend>, gpus: Vec<Slot>, probes: Vec<ProbeReport>) -> Engine {
        Engine { config, cpu, gpus, probes, stats: stats::Counters::default(), warned: Mutex::new(Default::default()) }
    }

    fn record(
        probes: &mut Vec<ProbeReport>,
        gpus: &mut Vec<Slot>,
        kind: BackendKind,
        r: Result<Arc<dyn Backend>, String>,
    ) {
        match r {
            Ok(b) => {
                let info = b.info();
                probes.push(ProbeReport { kind, result: Ok(info.clone()) });
                gpus.push(Slot { backend: b, info, healthy: AtomicBool::new(true) });
            }
            Err(why) => probes.push(ProbeReport { kind, result: Err(why) }),
        }
    }

    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// What was found, and why the rest was not.
    pub fn probes(&self) -> &[ProbeReport] {
        &self.probes
    }

    /// The backend object for `kind`, if present.
    pub fn backend(&self, kind: BackendKind) -> Option<Arc<dyn Backend>> {
        if kind == BackendKind::Cpu {
            return Some(self.cpu.clone());
        }
        self.gpus.iter().find(|s| s.backend.kind() == kind).map(|s| s.backend.clone())
    }

    /// Backends usable now, CPU first.
    pub fn available(&self) -> Vec<BackendKind> {
        let mut v = vec![BackendKind::Cpu];
        v.extend(self.gpus.iter().filter(|s| s.healthy.load(Ordering::Relaxed)).map(|s| s.backend.kind()));
        v
    }

    /// Fallback and dispatch counters.
    pub fn stats(&self) -> EngineStats {
        self.stats.snapshot()
    }

    /// Which backend `op` over `size` elements would run on now.
    pub fn choose(&self, op: Op, size: usize) -> Result<BackendKind, (BackendKind, String)> {
        match self.config.selection.for_op(op) {
            Some(BackendKind::Cpu) => Ok(BackendKind::Cpu),
            Some(k) => match self.slot(k) {
                Some(s) if s.healthy.load(Ordering::Relaxed) => Ok(k),
                Some(_) => Err((k, "device left the rotation after a fatal error".into())),
                None => Err((k, self.missing_reason(k))),
            },
            None => {
                // auto: CUDA, then WebGPU, then CPU — each only above its threshold, and never a
                // software adapter.
                for k in [BackendKind::Cuda, BackendKind::WebGpu] {
                    if let Some(s) = self.slot(k) {
                        if s.healthy.load(Ordering::Relaxed)
                            && (!s.info.is_software || self.config.allow_software_gpu)
                            && size >= self.config.thresholds.get(k, op)
                        {
                            return Ok(k);
                        }
                    }
                }
                Ok(BackendKind::Cpu)
            }
        }
    }

    fn slot(&self, k: BackendKind) -> Option<&Slot> {
        self.gpus.iter().find(|s| s.backend.kind() == k)
    }

    fn missing_reason(&self, k: BackendKind) -> String {
        self.probes
            .iter()
            .find(|p| p.kind == k)
            .and_then(|p| p.result.as_ref().err().cloned())
            .unwrap_or_else(|| "not probed".into())
    }

    /// Runs `f` on the chosen backend; on any device error or panic recomputes on the CPU.
    /// Runs `f` on GPU `kind` for `op`: counts the call, applies the fault plan, turns a panic into
    /// a device error, and on any error records the fallback (warning once per backend and op,
    /// dropping a lost device). `None` means the caller must compute on the CPU.
    fn try_gpu<T>(&self, kind: BackendKind, op: Op, f: impl FnOnce() -> Result<T, DeviceError>) -> Option<T> {
        self.stats.dispatched(kind, op);
        let result = if self.config.faults.hits(kind, op) {
            Err(DeviceError::Injected(format!("{kind} {op}")))
        } else {
            catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|p| Err(DeviceError::Panicked(panic_message(&p))))
        };
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.note_failure(kind, op, &e);
                None
            }
        }
    }

    /// Runs `f` on the chosen backend; on any device error or panic recomputes on the CPU.
    fn dispatch<T>(&self, op: Op, kind: BackendKind, f: impl Fn(&dyn Backend) -> Result<T, DeviceError>) -> T {
        if kind != BackendKind::Cpu {
            let slot = self.slot(kind).expect("chosen backend exists");
            if let Some(v) = self.try_gpu(kind, op, || f(slot.backend.as_ref())) {
                return v;
            }
        }
        self.stats.dispatched(BackendKind::Cpu, op);
        f(self.cpu.as_ref()).expect("the CPU backend does not fail on validated input")
    }

    /// `choose`, except that a forced device which left the rotation (lost mid-run) degrades to
    /// the CPU — counted as a fallback — instead of failing the call: a node must not stall
    /// because its GPU died. A forced backend that never existed is still an error.
    fn pick(&self, op: Op, size: usize) -> Result<BackendKind, (BackendKind, String)> {
        match self.choose(op, size) {
            Err((k, _)) if self.slot(k).is_some() => {
                self.stats.fell_back(k, op);
                Ok(BackendKind::Cpu)
            }
            other => other,
        }
    }

    // ---------------------------------------------------------------- MSM

    /// `Σ scalars[i]·bases[i]`, bit-identical to arkworks' `VariableBaseMSM::msm`.
    pub fn msm(&self, bases: &[G1Affine], scalars: &[Fr]) -> Result<G1Projective, MsmError> {
        if bases.len() != scalars.len() {
            return Err(MsmError::LengthMismatch { bases: bases.len(), scalars: scalars.len() });
        }
        if bases.is_empty() {
            return Ok(G1Projective::default());
        }
        let k = self.pick(Op::Msm, bases.len()).map_err(|(k, w)| MsmError::BackendUnavailable(k, w))?;
        Ok(self.dispatch(Op::Msm, k, |b| b.msm(bases, scalars)))
    }

    /// Many independent MSMs in one call (one GPU launch where the backend supports it).
    pub fn msm_batch(&self, jobs: &[MsmJob<'_>]) -> Result<Vec<G1Projective>, MsmError> {
        for j in jobs {
            if j.bases.len() != j.scalars.len() {
                return Err(MsmError::LengthMismatch { bases: j.bases.len(), scalars: j.scalars.len() });
            }
        }
        let total: usize = jobs.iter().map(|j| j.bases.len()).sum();
        if total == 0 {
            return Ok(vec![G1Projective::default(); jobs.len()]);
        }
        let k = self.pick(Op::Msm, total).map_err(|(k, w)| MsmError::BackendUnavailable(k, w))?;
        Ok(self.dispatch(Op::Msm, k, |b| b.msm_batch(jobs)))
    }

    /// Precomputes tables for a fixed set of bases on the backend `auto` would use for MSMs of
    /// this size (and lazily on the CPU, should that device fail later).
    pub fn prepare_fixed_base(self: &Arc<Self>, bases: &[G1Affine]) -> Result<FixedBase, MsmError> {
        let k = self.pick(Op::FixedBaseMsm, bases.len()).map_err(|(k, w)| MsmError::BackendUnavailable(k, w))?;
        let bases_arc: Arc<[G1Affine]> = bases.into();
        let device_table = if k == BackendKind::Cpu {
            None
        } else {
            let slot = self.slot(k).expect("chosen");
            self.try_gpu(k, Op::FixedBaseMsm, || slot.backend.prepare_fixed_base(bases)).map(|t| (k, t))
        };
        let cpu_table =
            if device_table.is_none() { Some(self.cpu.prepare_fixed_base(bases).expect("cpu tables")) } else { None };
        Ok(FixedBase {
            engine: self.clone(),
            bases: bases_arc,
            device: device_table,
            cpu: parking_lot::RwLock::new(cpu_table),
        })
    }

    fn note_failure(&self, kind: BackendKind, op: Op, e: &DeviceError) {
        self.stats.fell_back(kind, op);
        if e.is_fatal() {
            if let Some(s) = self.slot(kind) {
                s.healthy.store(false, Ordering::Relaxed);
            }
        }
        if self.warned.lock().insert((kind, op)) {
            tracing::warn!(backend = %kind, op = %op, error = %e,
                "GPU operation failed; recomputing on the CPU (further failures of this op are counted, not logged)");
        }
    }

    // ---------------------------------------------------------------- NTT

    /// In-place NTT with arkworks' `Radix2EvaluationDomain` semantics.
    pub fn ntt(&self, data: &mut [Fr], op: NttOp) -> Result<(), NttError> {
        let n = data.len();
        self.ntt_batch(data, n, op)
    }

    /// In-place NTTs of consecutive vectors of `size` elements.
    pub fn ntt_batch(&self, data: &mut [Fr], size: usize, op: NttOp) -> Result<(), NttError> {
        if !domain::is_valid_size(size) {
            return Err(NttError::InvalidSize(size));
        }
        if !data.len().is_multiple_of(size) {
            return Err(NttError::RaggedBatch { len: data.len(), size });
        }
        if let Some(g) = op.coset {
            if ark_ff::Zero::is_zero(&g) {
                return Err(NttError::ZeroCoset);
            }
        }
        if data.is_empty() {
            return Ok(());
        }
        let k = self.pick(Op::Ntt, data.len()).map_err(|(k, w)| NttError::BackendUnavailable(k, w))?;
        if k == BackendKind::Cpu {
            self.stats.dispatched(k, Op::Ntt);
            self.cpu.ntt_batch(data, size, op).expect("cpu ntt");
            return Ok(());
        }
        // A failed GPU transform may have half-written `data`: keep the input to recompute from.
        let input = data.to_vec();
        let out = self.dispatch(Op::Ntt, k, |b| {
            let mut buf = input.clone();
            b.ntt_batch(&mut buf, size, op).map(|_| buf)
        });
        data.copy_from_slice(&out);
        Ok(())
    }
}

/// A fixed set of bases with tables resident on the backend that will use them.
pub struct FixedBase {
    engine: Arc<Engine>,
    bases: Arc<[G1Affine]>,
    device: Option<(BackendKind, Arc<dyn FixedBaseMsm>)>,
    cpu: parking_lot::RwLock<Option<Arc<dyn FixedBaseMsm>>>,
}

impl std::fmt::Debug for FixedBase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FixedBase").field("len", &self.bases.len()).field("backend", &self.backend()).finish()
    }
}

impl FixedBase {
    pub fn len(&self) -> usize {
        self.bases.len()
    }
    pub fn is_empty(&self) -> bool {
        self.bases.is_empty()
    }
    /// Where the table lives.
    pub fn backend(&self) -> BackendKind {
        self.device.as_ref().map(|d| d.0).unwrap_or(BackendKind::Cpu)
    }
    /// Bytes held by the tables (device and host).
    pub fn table_bytes(&self) -> u64 {
        self.device.as_ref().map(|d| d.1.table_bytes()).unwrap_or(0)
            + self.cpu.read().as_ref().map(|t| t.table_bytes()).unwrap_or(0)
    }

    fn cpu_table(&self) -> Arc<dyn FixedBaseMsm> {
        if let Some(t) = self.cpu.read().as_ref() {
            return t.clone();
        }
        let mut w = self.cpu.write();
        w.get_or_insert_with(|| self.engine.cpu.prepare_fixed_base(&self.bases).expect("cpu tables")).clone()
    }

    /// `Σ scalars[i]·bases[i]` over the first `scalars.len()` bases.
    pub fn msm(&self, scalars: &[Fr]) -> Result<G1Projective, MsmError> {
        Ok(self.msm_batch(&[scalars])?.pop().expect("one result"))
    }

    /// One MSM per scalar vector, all over these bases, in one call.
    pub fn msm_batch(&self, scalars: &[&[Fr]]) -> Result<Vec<G1Projective>, MsmError> {
        for s in scalars {
            if s.len() > self.bases.len() {
                return Err(MsmError::TooManyScalars { table: self.bases.len(), scalars: s.len() });
            }
        }
        let e = &self.engine;
        if let Some((k, t)) = &self.device {
            let slot = e.slot(*k).expect("device table backend exists");
            if slot.healthy.load(Ordering::Relaxed) {
                if let Some(v) = e.try_gpu(*k, Op::FixedBaseMsm, || t.msm_batch(scalars)) {
                    return Ok(v);
                }
            }
        }
        e.stats.dispatched(BackendKind::Cpu, Op::FixedBaseMsm);
        Ok(self.cpu_table().msm_batch(scalars).expect("cpu fixed-base msm"))
    }
}

fn guarded_probe(f: impl FnOnce() -> Result<Arc<dyn Backend>, String>) -> Result<Arc<dyn Backend>, String> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(p) => Err(format!("probe panicked: {}", panic_message(&p))),
    }
}

fn panic_message(p: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".into()
    }
}
