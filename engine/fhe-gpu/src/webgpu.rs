//! The WebGPU engine: keys uploaded once, one command submission per chunk of ciphertexts
//! (keyswitch → modulus switch → LUT copy → blind rotation in row chunks → extraction → readback).

use std::sync::Arc;

use gloam_engine_core::{DeviceError, DeviceInfo};
use gloam_fhe::{BootstrapExecutor, BootstrapJob, FheParams, Lut, LweCiphertext, LweCiphertext32, ServerKey};
use gloam_kernels::fhe::FHE_PBS_MODULE;
use gloam_webgpu::gpu::{Dispatch, Gpu, ModulePipelines, WORKGROUP};
use wgpu::util::DeviceExt;

use crate::plan::{self, Plan};
use crate::{FheGpuError, MAX_POLYNOMIAL_SIZE};

/// Key rows per blind-rotation dispatch: 16 at N = 2048, proportionally more for smaller N (at
/// most 256); `GLOAM_FHE_GPU_ROWS` overrides it. Short dispatches suit GPUs with a watchdog, and
/// lavapipe needs them: measured there (2026-11-21), a workgroup running 64 rows at N = 2048
/// (also 128 at N = 1024, 256 at N = 512, 879 at N = 64) in one dispatch returned wrong words,
/// while 48 rows at N = 2048, 16 at N = 1024, 128 at N = 512 and 128 at N = 64 were byte-exact —
/// the limit is somewhere around 2^15–2^16 inner loop iterations per invocation (a loop of
/// forward + inverse NTTs alone, no global memory, also breaks past 128 repetitions at
/// N = 2048); the cause (shader compiler or lavapipe) was not found. The default stays ≈ 3×
/// below it.
fn rows_per_dispatch(poly: usize) -> usize {
    let default = (16 * 2048 / poly.max(1)).clamp(1, 256);
    std::env::var("GLOAM_FHE_GPU_ROWS").ok().and_then(|v| v.parse().ok()).filter(|&r| r > 0).unwrap_or(default)
}

/// (forward transform, unscaled inverse of it) of one polynomial.
pub type NttPair = (Vec<u64>, Vec<u64>);

/// TFHE keyswitch + NTT64 bootstrap on the process's WebGPU device.
pub struct WebGpuFhe {
    gpu: Arc<Gpu>,
    info: DeviceInfo,
    pipes: Arc<ModulePipelines>,
    params: FheParams,
    centered: bool,
    bsk: wgpu::Buffer,
    ksk: wgpu::Buffer,
    tw: wgpu::Buffer,
    last_device_error: parking_lot::Mutex<Option<String>>,
    max_chunk: usize,
}

/// Where the bootstrap input comes from.
enum Input<'a> {
    Big(&'a [LweCiphertext]),
    Small(&'a [LweCiphertext32]),
}

impl WebGpuFhe {
    /// Opens the shared WebGPU device, builds the module and uploads both keys of `sk`.
    pub fn new(sk: &ServerKey) -> Result<Self, FheGpuError> {
        let (gpu, info) = gloam_webgpu::shared_gpu().map_err(FheGpuError::Unavailable)?;
        Self::with_gpu(gpu, info, sk)
    }

    pub fn with_gpu(gpu: Arc<Gpu>, info: DeviceInfo, sk: &ServerKey) -> Result<Self, FheGpuError> {
        let params = *sk.params();
        crate::check_supported(&params)?;
        let pipes = gpu.family_pipelines(&FHE_PBS_MODULE)?;
        let bsk_words = sk.bootstrap_key().as_ntt_slice();
        let ksk_words = sk.keyswitch_key().as_slice();
        let cap = gpu.max_binding().min(u32::MAX as u64);
        for (what, bytes) in
            [("bootstrap key", 8 * bsk_words.len() as u64), ("keyswitch key", 4 * ksk_words.len() as u64)]
        {
            if bytes > cap {
                return Err(FheGpuError::Unsupported(format!(
                    "{what} needs {bytes} bytes in one binding; this adapter allows {cap}"
                )));
            }
        }
        let mut bsk_u32 = Vec::new();
        plan::push_u64s(&mut bsk_u32, bsk_words);
        let mut tw_u32 = Vec::new();
        plan::push_u64s(&mut tw_u32, &plan::twiddles(params.polynomial_size));
        gpu.note_bytes(4 * (bsk_u32.len() + ksk_words.len()) as u64);
        let (bsk, ksk, tw) = gpu.scoped("fhe key upload", || {
            Ok((
                gpu.storage_init("fhe bsk", &bsk_u32),
                gpu.storage_init("fhe ksk", ksk_words),
                gpu.storage_init("fhe twiddles", &tw_u32),
            ))
        })?;
        let centered = sk.modulus_switch() == gloam_fhe::ModulusSwitch::Centered;
        Ok(Self {
            gpu,
            info,
            pipes,
            params,
            centered,
            bsk,
            ksk,
            tw,
            last_device_error: Default::default(),
            max_chunk: 4096,
        })
    }

    /// Caps the ciphertexts per command submission (default 4096; also bounded by the binding
    /// size and ≈ 64 MiB of scratch per buffer). Results do not depend on it.
    pub fn with_max_batch_per_submission(mut self, n: usize) -> Self {
        self.max_chunk = n.max(1);
        self
    }

    pub fn device_info(&self) -> &DeviceInfo {
        &self.info
    }

    pub fn params(&self) -> &FheParams {
        &self.params
    }

    /// The message of the last device failure seen by the [`BootstrapExecutor`] impl (which can
    /// only return a `FheError`).
    pub fn last_device_error(&self) -> Option<String> {
        self.last_device_error.lock().clone()
    }

    /// Keyswitch + bootstrap of every input; `luts` holds one table for all or one per input.
    pub fn keyswitch_bootstrap_batch(
        &self,
        inputs: &[LweCiphertext],
        luts: &[&Lut],
    ) -> Result<Vec<LweCiphertext>, FheGpuError> {
        let plan = plan::single_lut_plan(&self.params, inputs.len(), luts)?;
        plan::check_big_inputs(&self.params, inputs)?;
        self.run(Input::Big(inputs), &plan)
    }

    /// Bootstrap only, of KS32 ciphertexts (what `ServerKey::bootstrap` takes).
    pub fn bootstrap_batch(
        &self,
        inputs: &[LweCiphertext32],
        luts: &[&Lut],
    ) -> Result<Vec<LweCiphertext>, FheGpuError> {
        let plan = plan::single_lut_plan(&self.params, inputs.len(), luts)?;
        plan::check_small_inputs(&self.params, inputs)?;
        self.run(Input::Small(inputs), &plan)
    }

    /// Mixed single and many-LUT jobs; output i holds one ciphertext per function of job i.
    pub fn bootstrap_jobs(&self, jobs: &[BootstrapJob]) -> Result<Vec<Vec<LweCiphertext>>, FheGpuError> {
        let plan = plan::jobs_plan(&self.params, jobs)?;
        let inputs: Vec<LweCiphertext> = jobs.iter().map(|j| j.input().clone()).collect();
        let flat = self.run(Input::Big(&inputs), &plan)?;
        Ok(plan::group_outputs(&plan, flat))
    }

    /// Keyswitch only (KS32 outputs, modulus 2^q).
    pub fn keyswitch_batch(&self, inputs: &[LweCiphertext]) -> Result<Vec<LweCiphertext32>, FheGpuError> {
        plan::check_big_inputs(&self.params, inputs)?;
        let p = &self.params;
        let n1 = p.lwe_dimension + 1;
        let mut out = Vec::with_capacity(inputs.len());
        for chunk in inputs.chunks(self.chunk_size(0)) {
            let count = chunk.len();
            let mut big = Vec::with_capacity(count * 2 * (p.big_lwe_dimension() + 1));
            for ct in chunk {
                plan::push_u64s(&mut big, &ct.data);
            }
            let g = &self.gpu;
            let (big_buf, small_buf) = g.scoped("fhe keyswitch upload", || {
                Ok((g.storage_init("fhe big in", &big), g.storage("fhe small", (count * n1) as u64)))
            })?;
            let ks = self.pipes.get("fhe_keyswitch");
            let cfg = self.cfg(count, 0, 0, 0);
            let d = Dispatch {
                pipeline: ks,
                bind_group: g.bind_group(ks, &[(0, &cfg), (2, &self.ksk), (4, &big_buf), (5, &small_buf)]),
                items: self.keyswitch_items(count),
            };
            let words = g.run("fhe keyswitch", &[d], Some((&small_buf, (count * n1) as u64)))?;
            out.extend(
                words
                    .chunks_exact(n1)
                    .map(|w| LweCiphertext32 { data: w.to_vec(), modulus_log: p.ks_output_modulus_log }),
            );
        }
        Ok(out)
    }

    /// `fhe_keyswitch` runs one workgroup per (ciphertext, block of 64 output words).
    fn keyswitch_items(&self, count: usize) -> u32 {
        (count * (self.params.lwe_dimension + 1).div_ceil(WORKGROUP as usize)) as u32 * WORKGROUP
    }

    /// Ciphertexts per submission: buffers stay under the binding limit and u32 indexing.
    fn chunk_size(&self, extra_outputs_per_ct: usize) -> usize {
        let p = &self.params;
        let per_ct_words = [
            2 * (p.big_lwe_dimension() + 1),
            2 * p.glwe_size() * p.polynomial_size,
            2 * (1 + extra_outputs_per_ct) * (p.big_lwe_dimension() + 1),
        ];
        let max_words = per_ct_words.iter().copied().max().unwrap_or(1) as u64;
        let cap = self.gpu.max_binding().min(u32::MAX as u64) / 4;
        // Also bound the scratch of one submission (≈ 64 MiB of u32 words per buffer).
        let by_binding = (cap / max_words).max(1) as usize;
        by_binding.min(((16u64 << 20) / max_words).max(1) as usize).min(self.max_chunk)
    }

    fn cfg(&self, batch: usize, count: u32, row_begin: usize, row_end: usize) -> wgpu::Buffer {
        let p = &self.params;
        let words: [u32; 16] = [
            batch as u32,
            p.lwe_dimension as u32,
            p.big_lwe_dimension() as u32,
            p.polynomial_size as u32,
            p.polynomial_size.trailing_zeros(),
            p.glwe_size() as u32,
            p.pbs_base_log as u32,
            p.pbs_level as u32,
            p.ks_base_log as u32,
            p.ks_level as u32,
            p.ks_output_modulus_log,
            self.centered as u32,
            row_begin as u32,
            row_end as u32,
            count,
            (p.glwe_size() * p.polynomial_size) as u32,
        ];
        self.gpu.device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("fhe cfg"),
            contents: bytemuck::cast_slice(&words),
            usage: wgpu::BufferUsages::UNIFORM,
        })
    }

    fn run(&self, input: Input<'_>, plan: &Plan<'_>) -> Result<Vec<LweCiphertext>, FheGpuError> {
        let max_outputs = plan.outputs_per_ct.iter().copied().max().unwrap_or(1);
        let chunk = self.chunk_size(max_outputs.saturating_sub(1));
        let mut out = Vec::with_capacity(plan.slots.len());
        let mut slot_start = 0;
        let mut ct_start = 0;
        while ct_start < plan.count {
            let ct_end = (ct_start + chunk).min(plan.count);
            let slot_end = slot_start + plan.outputs_per_ct[ct_start..ct_end].iter().sum::<usize>();
            let slots: Vec<[u32; 2]> =
                plan.slots[slot_start..slot_end].iter().map(|s| [s[0] - ct_start as u32, s[1]]).collect();
            let part = match &input {
                Input::Big(v) => Input::Big(&v[ct_start..ct_end]),
                Input::Small(v) => Input::Small(&v[ct_start..ct_end]),
            };
            out.extend(self.run_chunk(part, plan, ct_start, ct_end, &slots)?);
            ct_start = ct_end;
            slot_start = slot_end;
        }
        Ok(out)
    }

    fn run_chunk(
        &self,
        input: Input<'_>,
        plan: &Plan<'_>,
        ct_start: usize,
        ct_end: usize,
        slots: &[[u32; 2]],
    ) -> Result<Vec<LweCiphertext>, FheGpuError> {
        let p = &self.params;
        let g = &self.gpu;
        let count = ct_end - ct_start;
        let n1 = p.lwe_dimension + 1;
        let wpo = p.big_lwe_dimension() + 1;
        let acc_words = (count * p.glwe_size() * p.polynomial_size) as u64;
        // Only the LUTs this chunk uses, re-indexed.
        let mut used: Vec<u32> = Vec::new();
        let mut lut_idx = Vec::with_capacity(count);
        for &k in &plan.lut_idx[ct_start..ct_end] {
            let pos = used.iter().position(|&u| u == k).unwrap_or_else(|| {
                used.push(k);
                used.len() - 1
            });
            lut_idx.push(pos as u32);
        }
        let mut lut_words = Vec::new();
        for &k in &used {
            plan::push_u64s(&mut lut_words, &plan.luts[k as usize].data);
        }
        let slot_words: Vec<u32> = slots.iter().flat_map(|s| [s[0], s[1]]).collect();
        let out_words = (slots.len() * wpo * 2) as u64;
        let (big_words, small_words): (Vec<u32>, Vec<u32>) = match &input {
            Input::Big(v) => {
                let mut w = Vec::with_capacity(count * 2 * wpo);
                for ct in v.iter() {
                    plan::push_u64s(&mut w, &ct.data);
                }
                (w, Vec::new())
            }
            Input::Small(v) => (Vec::new(), v.iter().flat_map(|ct| ct.data.iter().copied()).collect()),
        };
        g.note_bytes(4 * (big_words.len() as u64 + 4 * acc_words + out_words));
        let bufs = g.scoped("fhe upload", || {
            let big = g.storage_init("fhe big in", &big_words);
            let small = if small_words.is_empty() {
                g.storage("fhe small", (count * n1) as u64)
            } else {
                g.storage_init("fhe small", &small_words)
            };
            let ms = g.storage("fhe ms", (count * n1) as u64);
            let luts = g.storage_init("fhe luts", &lut_words);
            let idx = g.storage_init("fhe lut idx", &lut_idx);
            let acc = g.storage("fhe acc", 2 * acc_words);
            let nacc = g.storage("fhe nacc", 2 * acc_words);
            let slots = g.storage_init("fhe slots", &slot_words);
            let out = g.storage("fhe out", out_words);
            Ok((big, small, ms, luts, idx, acc, nacc, slots, out))
        })?;
        let (big, small, ms, luts, idx, acc, nacc, slots_buf, out) = bufs;
        let mut dispatches = Vec::new();
        let mut push = |name: &str, binds: &[(u32, &wgpu::Buffer)], items: u32| {
            let pl = self.pipes.get(name);
            dispatches.push(Dispatch { pipeline: pl, bind_group: g.bind_group(pl, binds), items });
        };
        let small_items = (count * n1) as u32;
        if matches!(input, Input::Big(_)) {
            let cfg = self.cfg(count, 0, 0, 0);
            push("fhe_keyswitch", &[(0, &cfg), (2, &self.ksk), (4, &big), (5, &small)], self.keyswitch_items(count));
        }
        let cfg = self.cfg(count, small_items, 0, 0);
        push("fhe_mod_switch", &[(0, &cfg), (5, &small), (6, &ms)], small_items);
        let lut_items = acc_words as u32;
        let cfg = self.cfg(count, lut_items, 0, 0);
        push("fhe_lut_init", &[(0, &cfg), (7, &luts), (8, &idx), (9, &acc)], lut_items);
        let mut row = 0;
        while row < p.lwe_dimension {
            let end = (row + rows_per_dispatch(p.polynomial_size)).min(p.lwe_dimension);
            let cfg = self.cfg(count, 0, row, end);
            push(
                "fhe_blind_rotate",
                &[(0, &cfg), (1, &self.bsk), (3, &self.tw), (6, &ms), (9, &acc), (10, &nacc)],
                count as u32 * WORKGROUP,
            );
            row = end;
        }
        let out_items = (slots.len() * wpo) as u32;
        let cfg = self.cfg(count, out_items, 0, 0);
        push("fhe_extract", &[(0, &cfg), (6, &ms), (9, &acc), (11, &slots_buf), (12, &out)], out_items);
        let words = g.run("fhe bootstrap", &dispatches, Some((&out, out_words)))?;
        if words.len() as u64 != out_words {
            return Err(FheGpuError::Device(DeviceError::Launch(format!(
                "fhe bootstrap: read back {} words, expected {out_words}",
                words.len()
            ))));
        }
        Ok(words.chunks_exact(2 * wpo).map(|w| LweCiphertext { data: plan::u64s_from_pairs(w) }).collect())
    }

    /// Runs the self-test entry points (arithmetic and decomposition per pair, NTT per
    /// polynomial); for the crate's tests.
    #[doc(hidden)]
    pub fn selftest_ops(&self, pairs: &[(u64, u64)]) -> Result<Vec<[u64; 8]>, FheGpuError> {
        let g = &self.gpu;
        let mut inw = Vec::new();
        for &(a, b) in pairs {
            plan::push_u64s(&mut inw, &[a, b]);
        }
        let out_words = (pairs.len() * 16) as u64;
        let (inb, outb) = g.scoped("fhe selftest", || Ok((g.storage_init("in", &inw), g.storage("out", out_words))))?;
        let pl = self.pipes.get("fhe_selftest_ops");
        let cfg = self.cfg(0, pairs.len() as u32, 0, 0);
        let d = Dispatch {
            pipeline: pl,
            bind_group: g.bind_group(pl, &[(0, &cfg), (4, &inb), (12, &outb)]),
            items: pairs.len() as u32,
        };
        let w = g.run("fhe selftest", &[d], Some((&outb, out_words)))?;
        Ok(plan::u64s_from_pairs(&w).chunks_exact(8).map(|c| c.try_into().expect("8 words")).collect())
    }

    /// Forward NTT of each polynomial and the unscaled inverse of that, as (forward, inverse).
    #[doc(hidden)]
    pub fn selftest_ntt(&self, polys: &[Vec<u64>]) -> Result<Vec<NttPair>, FheGpuError> {
        let g = &self.gpu;
        let n = self.params.polynomial_size;
        let mut inw = Vec::new();
        for poly in polys {
            if poly.len() != n {
                return Err(FheGpuError::Input(gloam_fhe::FheError::Length {
                    what: "NTT input",
                    expected: n,
                    got: poly.len(),
                }));
            }
            plan::push_u64s(&mut inw, poly);
        }
        let out_words = (polys.len() * 4 * n) as u64;
        let (inb, outb) = g.scoped("fhe selftest", || Ok((g.storage_init("in", &inw), g.storage("out", out_words))))?;
        let pl = self.pipes.get("fhe_selftest_ntt");
        let cfg = self.cfg(polys.len(), 0, 0, 0);
        let d = Dispatch {
            pipeline: pl,
            bind_group: g.bind_group(pl, &[(0, &cfg), (3, &self.tw), (4, &inb), (12, &outb)]),
            items: polys.len() as u32 * WORKGROUP,
        };
        let w = plan::u64s_from_pairs(&g.run("fhe selftest ntt", &[d], Some((&outb, out_words)))?);
        Ok(w.chunks_exact(2 * n).map(|c| (c[..n].to_vec(), c[n..].to_vec())).collect())
    }
}

impl BootstrapExecutor for WebGpuFhe {
    /// Device failures become `FheError::Scheduler` (gloam-fhe's error has no device variant);
    /// the message is kept in [`WebGpuFhe::last_device_error`].
    fn execute(&self, jobs: Vec<BootstrapJob>) -> Result<Vec<Vec<LweCiphertext>>, gloam_fhe::FheError> {
        self.bootstrap_jobs(&jobs).map_err(|e| crate::to_fhe_error(e, &self.last_device_error))
    }
}

impl crate::FheDevice for WebGpuFhe {
    fn name(&self) -> String {
        format!("webgpu ({})", self.info.name)
    }
    fn keyswitch_bootstrap_batch(
        &self,
        inputs: &[LweCiphertext],
        luts: &[&Lut],
    ) -> Result<Vec<LweCiphertext>, FheGpuError> {
        WebGpuFhe::keyswitch_bootstrap_batch(self, inputs, luts)
    }
    fn bootstrap_jobs(&self, jobs: &[BootstrapJob]) -> Result<Vec<Vec<LweCiphertext>>, FheGpuError> {
        WebGpuFhe::bootstrap_jobs(self, jobs)
    }
}

// Compile-time check of the limit the shader's workgroup array is sized for.
const _: () = assert!(MAX_POLYNOMIAL_SIZE == 2048);
