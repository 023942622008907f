//! The wgpu device, its pipelines, and the few primitives every operation is built from:
//! buffer upload, a pass of dispatches, readback — each wrapped so that wgpu's errors
//! (validation, out of memory, device lost) come back as [`DeviceError`] values instead of the
//! default panic.

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use gloam_engine_core::{DeviceError, DeviceResult, KernelCompileReport};
use gloam_kernels::wgsl;
use parking_lot::Mutex;
use wgpu::util::DeviceExt;

/// Threads per workgroup in every kernel (`WORKGROUP` in dispatch.wgsl).
pub const WORKGROUP: u32 = 64;

/// A compiled module and its pipelines, one per entry point.
pub struct ModulePipelines {
    pub pipelines: Vec<(&'static str, wgpu::ComputePipeline)>,
    pub millis: f64,
}

impl ModulePipelines {
    pub fn get(&self, entry: &str) -> &wgpu::ComputePipeline {
        &self.pipelines.iter().find(|(n, _)| *n == entry).expect("entry point listed in its module").1
    }
}

pub struct Gpu {
    pub device: wgpu::Device,
    pub queue: wgpu::Queue,
    pub limits: wgpu::Limits,
    pub adapter_info: wgpu::AdapterInfo,
    #[allow(dead_code)]
    pub features: wgpu::Features,
    /// Set by the device-lost callback; every later call fails fast with it.
    lost: Arc<Mutex<Option<String>>>,
    /// Errors no scope caught (should not happen: every call runs inside scopes).
    uncaptured: Arc<Mutex<Option<String>>>,
    modules: [OnceLock<Result<Arc<ModulePipelines>, DeviceError>>; 4],
    /// Modules of other kernel families (`gloam_kernels::{fhe, sig}`), built on first use.
    family: Mutex<std::collections::HashMap<&'static str, Arc<ModulePipelines>>>,
    in_flight: std::sync::atomic::AtomicU64,
}

/// A dispatch: pipeline, bind group, work items.
pub struct Dispatch<'a> {
    pub pipeline: &'a wgpu::ComputePipeline,
    pub bind_group: wgpu::BindGroup,
    pub items: u32,
}

impl Gpu {
    pub fn open() -> Result<Gpu, String> {
        let mut desc = wgpu::InstanceDescriptor::new_without_display_handle_from_env();
        // No validation layers: they are a debugging aid and slow every call.
        desc.flags = wgpu::InstanceFlags::empty();
        if std::env::var_os("WGPU_BACKEND").is_none() {
            // GL compute is too limited (and lavapipe also appears there as llvmpipe).
            desc.backends = wgpu::Backends::PRIMARY;
        }
        let instance = wgpu::Instance::new(desc);
        let adapter = pollster::block_on(instance.request_adapter(&wgpu::RequestAdapterOptions {
            power_preference: wgpu::PowerPreference::HighPerformance,
            force_fallback_adapter: false,
            compatible_surface: None,
            ..Default::default()
        }))
        .map_err(|e| format!("no WebGPU adapter: {e}"))?;
        let adapter_info = adapter.get_info();
        // The adapter's real limits: the defaults cap storage bindings at 128 MiB and buffers at
        // 256 MiB, which would force needless splitting on real GPUs.
        let limits = adapter.limits();
        let features = adapter.features() & wgpu::Features::PIPELINE_CACHE;
        let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
            label: Some("gloam"),
            required_features: features,
            required_limits: limits.clone(),
            memory_hints: wgpu::MemoryHints::Performance,
            ..Default::default()
        }))
        .map_err(|e| {
            format!("device request failed on adapter `{}` ({:?}): {e}", adapter_info.name, adapter_info.backend)
        })?;
        let lost = Arc::new(Mutex::new(None));
        let uncaptured = Arc::new(Mutex::new(None));
        {
            let lost = lost.clone();
            device.set_device_lost_callback(move |reason, msg| {
                *lost.lock() = Some(format!("{reason:?}: {msg}"));
            });
        }
        {
            let uncaptured = uncaptured.clone();
            device.on_uncaptured_error(Arc::new(move |e: wgpu::Error| {
                tracing::warn!(error = %e, "uncaptured wgpu error");
                *uncaptured.lock() = Some(e.to_string());
            }));
        }
        Ok(Gpu {
            device,
            queue,
            limits,
            adapter_info,
            features,
            lost,
            uncaptured,
            modules: Default::default(),
            family: Mutex::new(std::collections::HashMap::new()),
            in_flight: Default::default(),
        })
    }

    pub fn check_alive(&self) -> DeviceResult<()> {
        if let Some(why) = self.lost.lock().clone() {
            return Err(DeviceError::DeviceLost(why));
        }
        if let Some(e) = self.uncaptured.lock().take() {
            return Err(DeviceError::Launch(format!("earlier uncaptured error: {e}")));
        }
        Ok(())
    }

    /// Largest storage binding in bytes (and so the largest buffer one kernel may see).
    pub fn max_binding(&self) -> u64 {
        self.limits.max_storage_buffer_binding_size.min(self.limits.max_buffer_size)
    }

    /// Runs `f` inside out-of-memory and validation error scopes and maps what they catch.
    pub fn scoped<T>(&self, what: &str, f: impl FnOnce() -> DeviceResult<T>) -> DeviceResult<T> {
        self.check_alive()?;
        let oom = self.device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
        let internal = self.device.push_error_scope(wgpu::ErrorFilter::Internal);
        let validation = self.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let r = f();
        let v = pollster::block_on(validation.pop());
        let i = pollster::block_on(internal.pop());
        let o = pollster::block_on(oom.pop());
        if let Some(e) = o {
            tracing::debug!(what, error = %e, "wgpu out-of-memory");
            // wgpu does not say how much was free; report what this call asked for.
            return Err(DeviceError::OutOfMemory { needed: self.bytes_in_flight(), available: 0 });
        }
        if let Some(e) = v {
            return Err(DeviceError::Launch(format!("{what}: validation error: {e}")));
        }
        if let Some(e) = i {
            return Err(DeviceError::Launch(format!("{what}: internal error: {e}")));
        }
        self.check_alive()?;
        r
    }

    fn module(&self, index: usize) -> DeviceResult<Arc<ModulePipelines>> {
        self.modules[index].get_or_init(|| self.build(&wgsl::MODULES[index])).clone()
    }

    /// Pipelines of a module from another kernel family (FHE, signatures), compiled on first use
    /// and kept for the life of the device. A failed build is not cached (the next call retries).
    pub fn family_pipelines(&self, m: &'static wgsl::Module) -> DeviceResult<Arc<ModulePipelines>> {
        if let Some(p) = self.family.lock().get(m.name) {
            return Ok(p.clone());
        }
        let built = self.build(m)?;
        Ok(self.family.lock().entry(m.name).or_insert(built).clone())
    }

    fn build(&self, m: &wgsl::Module) -> DeviceResult<Arc<ModulePipelines>> {
        let t0 = Instant::now();
        let text = m.text();
        let built = self.scoped(m.name, || {
            let module = self.device.create_shader_module(wgpu::ShaderModuleDescriptor {
                label: Some(m.name),
                source: wgpu::ShaderSource::Wgsl(text.into()),
            });
            let pipelines = m
                .entry_points
                .iter()
                .map(|ep| {
                    let p = self.device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                        label: Some(ep),
                        layout: None,
                        module: &module,
                        entry_point: Some(ep),
                        compilation_options: Default::default(),
                        cache: None,
                    });
                    (*ep, p)
                })
                .collect::<Vec<_>>();
            Ok(pipelines)
        });
        match built {
            Ok(pipelines) => Ok(Arc::new(ModulePipelines { pipelines, millis: t0.elapsed().as_secs_f64() * 1e3 })),
            Err(e) => Err(DeviceError::Compile { kernel: m.name.to_string(), log: e.to_string() }),
        }
    }

    pub fn ntt_pipelines(&self) -> DeviceResult<Arc<ModulePipelines>> {
        self.module(0)
    }
    pub fn msm_accumulate_pipelines(&self) -> DeviceResult<Arc<ModulePipelines>> {
        self.module(1)
    }
    pub fn msm_reduce_pipelines(&self) -> DeviceResult<Arc<ModulePipelines>> {
        self.module(2)
    }
    pub fn field_test_pipelines(&self) -> DeviceResult<Arc<ModulePipelines>> {
        self.module(3)
    }

    /// Builds every module now (or reports that it already was).
    pub fn warm_up(&self) -> DeviceResult<Vec<KernelCompileReport>> {
        let mut out = Vec::new();
        for (i, m) in wgsl::MODULES.iter().enumerate() {
            let already = self.modules[i].get().is_some();
            let p = self.module(i)?;
            out.push(KernelCompileReport {
                kernel: m.name.to_string(),
                millis: if already { 0.0 } else { p.millis },
                from_cache: already,
            });
        }
        Ok(out)
    }

    /// A storage buffer initialised with `words` (at least 4 bytes: zero-size bindings are invalid).
    pub fn storage_init(&self, label: &str, words: &[u32]) -> wgpu::Buffer {
        let pad = [0u32];
        let contents: &[u32] = if words.is_empty() { &pad } else { words };
        self.device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some(label),
            contents: bytemuck::cast_slice(contents),
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC | wgpu::BufferUsages::COPY_DST,
        })
    }

    /// An uninitialised (zeroed by wgpu) storage buffer of `words` u32 words.
    pub fn storage(&self, label: &str, words: u64) -> wgpu::Buffer {
        self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(label),
            size: 4 * words.max(1),
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        })
    }

    /// The `Params` uniform of dispatch.wgsl.
    pub fn params(&self, p: [u32; 4]) -> wgpu::Buffer {
        self.device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("params"),
            contents: bytemuck::cast_slice(&p),
            usage: wgpu::BufferUsages::UNIFORM,
        })
    }

    /// A bind group for group 0 of `pipeline`. Layouts are derived from the shader, so only
    /// the bindings an entry point uses may be listed: hence explicit binding numbers.
    pub fn bind_group(&self, pipeline: &wgpu::ComputePipeline, buffers: &[(u32, &wgpu::Buffer)]) -> wgpu::BindGroup {
        let layout = pipeline.get_bind_group_layout(0);
        let entries: Vec<wgpu::BindGroupEntry> = buffers
            .iter()
            .map(|(i, b)| wgpu::BindGroupEntry { binding: *i, resource: b.as_entire_binding() })
            .collect();
        self.device.create_bind_group(&wgpu::BindGroupDescriptor { label: None, layout: &layout, entries: &entries })
    }

    /// Workgroup grid for `items` threads: 2-D once one dimension would pass the limit.
    pub fn grid(&self, items: u32) -> (u32, u32) {
        let groups = items.div_ceil(WORKGROUP).max(1);
        let max = self.limits.max_compute_workgroups_per_dimension.max(1);
        let x = groups.min(max);
        (x, groups.div_ceil(x))
    }

    /// Records the dispatches (in order, each seeing the previous one's writes), then copies
    /// `readback` (if any) to a mappable buffer, submits, waits, and returns its words.
    pub fn run(
        &self,
        what: &str,
        dispatches: &[Dispatch<'_>],
        readback: Option<(&wgpu::Buffer, u64)>,
    ) -> DeviceResult<Vec<u32>> {
        let staging = self.scoped(what, || {
            let mut enc = self.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some(what) });
            for d in dispatches {
                if d.items == 0 {
                    continue;
                }
                let (x, y) = self.grid(d.items);
                if y > self.limits.max_compute_workgroups_per_dimension {
                    return Err(DeviceError::Unsupported(format!(
                        "{what}: {} work items exceed the dispatch limits",
                        d.items
                    )));
                }
                let mut pass =
                    enc.begin_compute_pass(&wgpu::ComputePassDescriptor { label: Some(what), timestamp_writes: None });
                pass.set_pipeline(d.pipeline);
                pass.set_bind_group(0, &d.bind_group, &[]);
                pass.dispatch_workgroups(x, y, 1);
            }
            let staging = readback.map(|(buf, words)| {
                let staging = self.device.create_buffer(&wgpu::BufferDescriptor {
                    label: Some("readback"),
                    size: 4 * words.max(1),
                    usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                    mapped_at_creation: false,
                });
                enc.copy_buffer_to_buffer(buf, 0, &staging, 0, 4 * words);
                (staging, words)
            });
            self.queue.submit(Some(enc.finish()));
            Ok(staging)
        })?;
        let Some((staging, words)) = staging else {
            self.wait(what)?;
            return Ok(Vec::new());
        };
        let slice = staging.slice(..);
        let (tx, rx) = std::sync::mpsc::channel();
        slice.map_async(wgpu::MapMode::Read, move |r| {
            let _ = tx.send(r);
        });
        // The map callback runs inside whichever thread's `poll` processes the completion. When
        // several threads share the device, our `poll` can return while another thread is still
        // delivering our callback, so keep polling until it arrives (bounded: a device that never
        // completes is reported, not waited on forever).
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(600);
        loop {
            self.wait(what)?;
            match rx.recv_timeout(std::time::Duration::from_millis(5)) {
                Ok(Ok(())) => break,
                Ok(Err(e)) => return Err(self.lost_or(DeviceError::Launch(format!("{what}: readback failed: {e}")))),
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) if std::time::Instant::now() < deadline => continue,
                Err(_) => return Err(self.lost_or(DeviceError::Launch(format!("{what}: readback never completed")))),
            }
        }
        let out = {
            let view =
                slice.get_mapped_range().map_err(|e| DeviceError::Launch(format!("{what}: mapping failed: {e}")))?;
            let bytes: &[u8] = &view;
            bytemuck::pod_collect_to_vec::<u8, u32>(&bytes[..(4 * words) as usize])
        };
        staging.unmap();
        self.check_alive()?;
        Ok(out)
    }

    fn wait(&self, what: &str) -> DeviceResult<()> {
        self.device
            .poll(wgpu::PollType::wait_indefinitely())
            .map(|_| ())
            .map_err(|e| self.lost_or(DeviceError::Launch(format!("{what}: waiting for the device failed: {e}"))))
    }

    /// Bytes the current call allocates (approximate; for error reports only).
    fn bytes_in_flight(&self) -> u64 {
        self.in_flight.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn note_bytes(&self, bytes: u64) {
        self.in_flight.store(bytes, std::sync::atomic::Ordering::Relaxed);
    }

    fn lost_or(&self, e: DeviceError) -> DeviceError {
        match self.lost.lock().clone() {
            Some(why) => DeviceError::DeviceLost(why),
            None => e,
        }
    }
}
