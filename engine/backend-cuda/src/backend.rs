//! The device: context, stream, lazily loaded modules, and the `Backend` impl.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use cudarc::driver::{CudaContext, CudaFunction, CudaSlice, CudaStream, LaunchConfig};
use cudarc::nvrtc::Ptx;
use gloam_engine_core::{
    Backend, BackendKind, DeviceError, DeviceInfo, DeviceResult, FixedBaseMsm, Fr, G1Affine, G1Projective,
    KernelCompileReport, MsmJob, NttOp,
};
use gloam_kernels::cuda as ksrc;
use parking_lot::Mutex;

use crate::compile;
use crate::cu;

/// A resident device buffer shared by calls (twiddle tables).
pub(crate) type DeviceVec = Arc<CudaSlice<u64>>;

/// A loaded NVRTC module: its kernels by name.
pub(crate) struct Module {
    funcs: HashMap<&'static str, CudaFunction>,
    report: KernelCompileReport,
}

impl Module {
    pub(crate) fn func(&self, name: &str) -> DeviceResult<&CudaFunction> {
        self.funcs
            .get(name)
            .ok_or_else(|| DeviceError::Launch(format!("kernel {name} not in module {}", self.report.kernel)))
    }
}

pub(crate) struct Inner {
    pub(crate) ctx: Arc<CudaContext>,
    pub(crate) stream: Arc<CudaStream>,
    pub(crate) arch: String,
    nvrtc: (i32, i32),
    cache_dir: Option<PathBuf>,
    modules: Mutex<HashMap<&'static str, Arc<Module>>>,
    info: DeviceInfo,
    /// Twiddles per (log_n, inverse), resident once computed.
    pub(crate) twiddles: Mutex<HashMap<(u32, bool), DeviceVec>>,
    /// One command stream: device work is serialised, which keeps buffer lifetimes simple.
    pub(crate) work: Mutex<()>,
}

/// The CUDA backend (cheap to clone: shared state behind an `Arc`).
#[derive(Clone)]
pub struct CudaBackend {
    pub(crate) inner: Arc<Inner>,
}

impl CudaBackend {
    /// Opens device 0. `Err` says exactly what is missing.
    pub fn open(cfg: &crate::CudaConfig) -> Result<CudaBackend, String> {
        if let Some(why) = crate::missing_library() {
            return Err(why);
        }
        use cudarc::driver::result as dr;
        if let Err(e) = dr::init() {
            return Err(match e.0 {
                cudarc::driver::sys::CUresult::CUDA_ERROR_NO_DEVICE => "driver found but no CUDA device".into(),
                _ => format!("cuInit failed: {}", crate::error::driver_error(e, "cuInit")),
            });
        }
        let count = dr::device::get_count().map_err(|e| format!("cuDeviceGetCount failed: {e:?}"))?;
        if count == 0 {
            return Err("driver found but no CUDA device".into());
        }
        let ctx = CudaContext::new(0).map_err(|e| format!("cannot create a context on device 0: {e:?}"))?;
        let (major, minor) = ctx.compute_capability().map_err(|e| format!("compute capability: {e:?}"))?;
        let arch = format!("sm_{major}{minor}");
        let nvrtc = compile::nvrtc_version()?;
        let archs = compile::supported_archs()?;
        if !archs.contains(&(major * 10 + minor)) {
            return Err(format!("NVRTC {}.{} cannot compile for {arch} (supports {archs:?})", nvrtc.0, nvrtc.1));
        }
        let mut driver = 0;
        let _ = unsafe { cudarc::driver::sys::cuDriverGetVersion(&mut driver) };
        let name = ctx.name().unwrap_or_else(|_| "unknown CUDA device".into());
        let mem = ctx.total_mem().ok().map(|m| m as u64);
        let sms = ctx
            .attribute(cudarc::driver::sys::CUdevice_attribute::CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT)
            .unwrap_or(0);
        let info = DeviceInfo {
            name,
            memory_bytes: mem,
            driver: format!("CUDA driver {}.{}, NVRTC {}.{}", driver / 1000, (driver % 1000) / 10, nvrtc.0, nvrtc.1),
            is_software: false,
            details: vec![
                ("compute_capability".into(), format!("{major}.{minor}")),
                ("arch".into(), arch.clone()),
                ("multiprocessors".into(), sms.to_string()),
                (
                    "kernel_cache".into(),
                    cfg.cache_dir.as_ref().map(|d| d.display().to_string()).unwrap_or_else(|| "off".into()),
                ),
            ],
        };
        let stream = ctx.default_stream();
        Ok(CudaBackend {
            inner: Arc::new(Inner {
                ctx,
                stream,
                arch,
                nvrtc,
                cache_dir: cfg.cache_dir.clone(),
                modules: Mutex::new(HashMap::new()),
                info,
                twiddles: Mutex::new(HashMap::new()),
                work: Mutex::new(()),
            }),
        })
    }
}

/// What kernel families launched from other crates (FHE, signatures) get from the backend: the
/// context and its one stream, modules compiled through the same NVRTC + disk cache path, and
/// the lock that serialises device work. Uploads, launches and downloads go through cudarc on
/// [`CudaBackend::stream`]; map its errors with [`crate::error::driver_error`].
impl CudaBackend {
    pub fn context(&self) -> &Arc<CudaContext> {
        &self.inner.ctx
    }

    pub fn stream(&self) -> &Arc<CudaStream> {
        &self.inner.stream
    }

    /// `sm_XX` of the device.
    pub fn arch(&self) -> &str {
        &self.inner.arch
    }

    pub fn device_info(&self) -> DeviceInfo {
        self.inner.info.clone()
    }

    /// A kernel of any module listed in `gloam_kernels::cuda::all_modules()` (compiled or loaded
    /// from the cache on first use).
    pub fn function(&self, module: &str, kernel: &str) -> DeviceResult<CudaFunction> {
        Ok(self.inner.module(module)?.func(kernel)?.clone())
    }

    /// Compile/cache report of a module (loading it if needed).
    pub fn module_report(&self, module: &str) -> DeviceResult<KernelCompileReport> {
        Ok(self.inner.module(module)?.report.clone())
    }

    /// Hold while enqueuing and synchronising work, so calls from several threads do not
    /// interleave on the one stream.
    pub fn work_lock(&self) -> parking_lot::MutexGuard<'_, ()> {
        self.inner.work.lock()
    }
}

impl CudaBackend {
    /// Milliseconds per forward NTT of `batch` x 2^log_n elements resident on the device
    /// (kernels only: no transfers), for benches and `ci/gpu-check.sh`.
    pub fn ntt_resident_ms(&self, log_n: u32, batch: usize, reps: usize) -> DeviceResult<f64> {
        crate::ntt::resident_ms(&self.inner, log_n, batch, reps)
    }
}

impl Inner {
    /// The module, compiled or loaded from the cache on first use.
    pub(crate) fn module(&self, name: &str) -> DeviceResult<Arc<Module>> {
        if let Some(m) = self.modules.lock().get(name) {
            return Ok(m.clone());
        }
        let spec = ksrc::module(name).ok_or_else(|| DeviceError::Unsupported(format!("no CUDA module {name}")))?;
        let m = Arc::new(self.load(spec)?);
        self.modules.lock().insert(spec.name, m.clone());
        Ok(m)
    }

    fn load(&self, spec: &'static ksrc::Module) -> DeviceResult<Module> {
        let t0 = Instant::now();
        let compile_err = |log: String| DeviceError::Compile { kernel: spec.name.into(), log };
        let src = ksrc::flatten(spec.entry).map_err(compile_err)?;
        let hash = gloam_kernels::content_hash(&[&src]);
        let path = self.cache_dir.as_ref().map(|d| compile::cache_path(d, spec.name, hash, &self.arch, self.nvrtc));
        let key = compile::cache_key(spec.name, hash, &self.arch, self.nvrtc);
        // Memory first (another Engine in this process built it), then disk; a corrupt or
        // foreign file only means compiling again.
        let mut from_cache = false;
        let mut loaded = None;
        if let Some(bin) = compile::memo_get(&key) {
            if let Ok(m) = self.ctx.load_module(Ptx::from_binary(bin)) {
                loaded = Some(m);
                from_cache = true;
            }
        }
        if let (None, Some(p)) = (&loaded, &path) {
            if let Ok(bytes) = std::fs::read(p) {
                if let Ok(m) = self.ctx.load_module(Ptx::from_binary(bytes.clone())) {
                    compile::memo_put(&key, &bytes);
                    loaded = Some(m);
                    from_cache = true;
                }
            }
        }
        let module = match loaded {
            Some(m) => m,
            None => {
                let bin =
                    compile::compile_cubin(&src, &format!("{}.cu", spec.name), &self.arch).map_err(compile_err)?;
                compile::memo_put(&key, &bin);
                if let Some(p) = &path {
                    if let Err(e) = compile::store(p, &bin) {
                        eprintln!("gloam-cuda: cannot write kernel cache {}: {e}", p.display());
                    }
                }
                cu!(self.ctx.load_module(Ptx::from_binary(bin)))?
            }
        };
        let mut funcs = HashMap::new();
        for k in spec.kernels {
            funcs.insert(*k, cu!(module.load_function(k))?);
        }
        Ok(Module {
            funcs,
            report: KernelCompileReport {
                kernel: spec.name.into(),
                millis: t0.elapsed().as_secs_f64() * 1e3,
                from_cache,
            },
        })
    }

    /// Uploads host data; an allocation failure reports how much was asked and is free.
    pub(crate) fn upload<T: cudarc::driver::DeviceRepr>(&self, data: &[T]) -> DeviceResult<CudaSlice<T>> {
        if data.is_empty() {
            return self.zeros_of::<T>(1);
        }
        self.stream.clone_htod(data).map_err(|e| self.alloc_error(e, std::mem::size_of_val(data)))
    }

    fn zeros_of<T: cudarc::driver::DeviceRepr>(&self, len: usize) -> DeviceResult<CudaSlice<T>> {
        // Zeroed bytes are valid for the plain integer types used here.
        let s = unsafe { self.stream.alloc::<T>(len.max(1)) }
            .map_err(|e| self.alloc_error(e, len * std::mem::size_of::<T>()))?;
        Ok(s)
    }

    pub(crate) fn zeros_u32(&self, len: usize) -> DeviceResult<CudaSlice<u32>> {
        self.stream.alloc_zeros::<u32>(len.max(1)).map_err(|e| self.alloc_error(e, len * 4))
    }
    pub(crate) fn zeros_u64(&self, len: usize) -> DeviceResult<CudaSlice<u64>> {
        self.stream.alloc_zeros::<u64>(len.max(1)).map_err(|e| self.alloc_error(e, len * 8))
    }

    fn alloc_error(&self, e: cudarc::driver::result::DriverError, needed: usize) -> DeviceError {
        match crate::error::driver_error(e, "allocation") {
            DeviceError::OutOfMemory { .. } => {
                let free = self.ctx.mem_get_info().map(|(f, _)| f as u64).unwrap_or(0);
                DeviceError::OutOfMemory { needed: needed as u64, available: free }
            }
            other => other,
        }
    }

    pub(crate) fn download<T: cudarc::driver::DeviceRepr + Default + Clone>(
        &self,
        s: &CudaSlice<T>,
        len: usize,
    ) -> DeviceResult<Vec<T>> {
        let mut v = vec![T::default(); len];
        if len > 0 {
            cu!(self.stream.memcpy_dtoh(&s.slice(..len), &mut v))?;
        }
        Ok(v)
    }

    pub(crate) fn sync(&self) -> DeviceResult<()> {
        cu!(self.stream.synchronize())
    }
}

/// 1-D launch shape for `n` threads.
pub(crate) fn grid(n: u64, block: u32) -> DeviceResult<LaunchConfig> {
    let blocks = n.div_ceil(block as u64);
    if blocks > i32::MAX as u64 {
        return Err(DeviceError::Unsupported(format!("{n} threads exceed one launch")));
    }
    Ok(LaunchConfig { grid_dim: (blocks.max(1) as u32, 1, 1), block_dim: (block, 1, 1), shared_mem_bytes: 0 })
}

impl Backend for CudaBackend {
    fn kind(&self) -> BackendKind {
        BackendKind::Cuda
    }

    fn info(&self) -> DeviceInfo {
        let mut info = self.inner.info.clone();
        for m in self.inner.modules.lock().values() {
            info.details.push((
                format!("module {}", m.report.kernel),
                format!("{:.1} ms{}", m.report.millis, if m.report.from_cache { " (cache)" } else { "" }),
            ));
        }
        info
    }

    fn msm(&self, bases: &[G1Affine], scalars: &[Fr]) -> DeviceResult<G1Projective> {
        crate::msm::msm(&self.inner, bases, scalars)
    }

    fn msm_batch(&self, jobs: &[MsmJob<'_>]) -> DeviceResult<Vec<G1Projective>> {
        crate::msm::msm_batch(&self.inner, jobs)
    }

    fn prepare_fixed_base(&self, bases: &[G1Affine]) -> DeviceResult<Arc<dyn FixedBaseMsm>> {
        Ok(Arc::new(crate::msm::CudaFixedBase::new(self.inner.clone(), bases)?))
    }

    fn ntt_batch(&self, data: &mut [Fr], size: usize, op: NttOp) -> DeviceResult<()> {
        crate::ntt::ntt_batch(&self.inner, data, size, op)
    }

    fn warm_up(&self) -> DeviceResult<Vec<KernelCompileReport>> {
        let mut out = Vec::new();
        for m in ksrc::MODULES {
            out.push(self.inner.module(m.name)?.report.clone());
        }
        Ok(out)
    }
}

#[allow(dead_code)]
fn _assert_send_sync() {
    fn f<T: Send + Sync>() {}
    f::<CudaBackend>();
}
