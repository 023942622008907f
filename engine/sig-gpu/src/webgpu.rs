//! [`WebGpuSigBackend`]: the WGSL kernels (`kernels/wgsl/sig/secp256k1_dsm.wgsl`) on the process's
//! shared wgpu device.

use std::sync::{Arc, OnceLock};

use gloam_engine_core::{DeviceError, DeviceInfo, DeviceResult};
use gloam_kernels::sig::{
    WGSL_ED25519_FINISH_MODULE, WGSL_ED25519_LADDER_MODULE, WGSL_ED25519_PREPARE_MODULE, WGSL_SECP256K1_FINISH_MODULE,
    WGSL_SECP256K1_LADDER_MODULE, WGSL_SECP256K1_PREPARE_MODULE,
};
use gloam_kernels::wgsl;
use gloam_sig::ed25519;
use gloam_sig::secp256k1::{EcdsaRule, RecoverItem, Recovered, VerifyItem};
use gloam_sig::{EcdsaError, Ed25519Error, SigBackend};
use gloam_webgpu::gpu::{Dispatch, Gpu};

use crate::prep::{Mode, IN_WORDS, OUT_WORDS};
use crate::prep_ed25519::{ED_IN_WORDS, ED_ITEM_TABLE_WORDS, ED_OUT_WORDS};
use crate::{Device, DeviceStats, Dispatcher};

/// Words per item of the per-item table (15 Jacobian points) and accumulator (+ status).
const TABLE_WORDS: u64 = 15 * 24;
const ACC_WORDS: u64 = 25;
/// 4-bit windows each ladder dispatch processes (64 in all): short per-thread chains.
const WINDOWS_PER_PASS: u32 = 8;
static MODULES: [&wgsl::Module; 3] =
    [&WGSL_SECP256K1_LADDER_MODULE, &WGSL_SECP256K1_PREPARE_MODULE, &WGSL_SECP256K1_FINISH_MODULE];
static ED_MODULES: [&wgsl::Module; 3] =
    [&WGSL_ED25519_LADDER_MODULE, &WGSL_ED25519_PREPARE_MODULE, &WGSL_ED25519_FINISH_MODULE];
const ED_ACC_WORDS: u64 = 33;
/// Most items per submission (buffers: ~1.7 KB per item).
const MAX_CHUNK: u64 = 1 << 16;

/// Batch secp256k1 recovery and verification and Ed25519 (ZIP-215) verification on WebGPU; BLS
/// stays on the CPU default of [`SigBackend`].
pub struct WebGpuSigBackend {
    gpu: Arc<Gpu>,
    info: DeviceInfo,
    gtab: wgpu::Buffer,
    /// The Ed25519 pipelines and B table, built on first Ed25519 use.
    ed: OnceLock<Result<wgpu::Buffer, DeviceError>>,
    /// Most items per submission (tests lower it to exercise the chunking).
    max_chunk: u64,
    disp: Dispatcher,
}

impl std::fmt::Debug for WebGpuSigBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebGpuSigBackend").field("device", &self.info.name).field("stats", &self.disp.stats).finish()
    }
}

impl WebGpuSigBackend {
    /// Opens (or reuses) the process's wgpu device and builds the kernels. `Err` when there is
    /// no adapter or the module does not compile on it. On a software adapter every batch stays
    /// on the CPU until [`Self::with_min_device_batch`] says otherwise.
    pub fn new() -> Result<WebGpuSigBackend, String> {
        let (gpu, info) = gloam_webgpu::shared_gpu()?;
        // The three pipelines compile concurrently (lavapipe spends tens of seconds on them).
        std::thread::scope(|sc| {
            let builds: Vec<_> = MODULES
                .iter()
                .map(|m| sc.spawn(|| gpu.family_pipelines(m).map(|_| ()).map_err(|e| e.to_string())))
                .collect();
            builds.into_iter().try_for_each(|h| h.join().unwrap_or_else(|_| Err("pipeline build panicked".into())))
        })?;
        let gtab = gpu
            .scoped("secp256k1 G table", || Ok(gpu.storage_init("secp256k1 G table", &crate::prep::g_table())))
            .map_err(|e| e.to_string())?;
        let software = info.is_software;
        Ok(WebGpuSigBackend {
            gpu,
            info,
            gtab,
            ed: OnceLock::new(),
            max_chunk: MAX_CHUNK,
            // A software adapter (lavapipe) is ~40× slower than the CPU path: never used unless
            // the caller forces it with `with_min_device_batch`.
            disp: Dispatcher::new(if software { usize::MAX } else { crate::DEFAULT_MIN_DEVICE_BATCH }),
        })
    }

    /// Batches smaller than `n` items stay on the CPU (0: every batch goes to the device).
    pub fn with_min_device_batch(mut self, n: usize) -> Self {
        self.disp.min_batch = n;
        self
    }

    pub fn device_info(&self) -> &DeviceInfo {
        &self.info
    }

    /// Device batches, items and CPU fallbacks so far.
    pub fn stats(&self) -> &DeviceStats {
        &self.disp.stats
    }

    /// At most `n` items per device submission (default 65,536; memory ~2 KB per item).
    pub fn with_max_chunk(mut self, n: usize) -> Self {
        self.max_chunk = (n as u64).clamp(1, MAX_CHUNK);
        self
    }

    #[doc(hidden)]
    pub fn inject_fault(&self, on: bool) {
        self.disp.inject_fault(on);
    }

    fn chunk(&self, mode: Mode, words: &[u32], n: u32) -> DeviceResult<Vec<u32>> {
        let gpu = &self.gpu;
        let (pp, lp, fp) = (
            gpu.family_pipelines(&WGSL_SECP256K1_PREPARE_MODULE)?,
            gpu.family_pipelines(&WGSL_SECP256K1_LADDER_MODULE)?,
            gpu.family_pipelines(&WGSL_SECP256K1_FINISH_MODULE)?,
        );
        let (prepare, ladder, finish) = (pp.get("secp_prepare"), lp.get("secp_ladder"), fp.get("secp_finish"));
        let n64 = n as u64;
        gpu.note_bytes(4 * n64 * (IN_WORDS as u64 + TABLE_WORDS + ACC_WORDS + OUT_WORDS as u64));
        let (input, table, acc, out) = gpu.scoped("secp256k1 buffers", || {
            Ok((
                gpu.storage_init("secp256k1 items", words),
                gpu.storage("secp256k1 tables", n64 * TABLE_WORDS),
                gpu.storage("secp256k1 accumulators", n64 * ACC_WORDS),
                gpu.storage("secp256k1 results", n64 * OUT_WORDS as u64),
            ))
        })?;
        let mut params = vec![gpu.params([n, mode as u32, 0, 0])];
        let passes = 64 / WINDOWS_PER_PASS;
        for p in 0..passes {
            params.push(gpu.params([n, 63 - p * WINDOWS_PER_PASS, WINDOWS_PER_PASS, 0]));
        }
        params.push(gpu.params([n, 0, 0, 0]));
        let mut dispatches = vec![Dispatch {
            pipeline: prepare,
            bind_group: gpu.bind_group(prepare, &[(0, &params[0]), (1, &input), (3, &table), (4, &acc)]),
            items: n,
        }];
        for p in 0..passes as usize {
            dispatches.push(Dispatch {
                pipeline: ladder,
                bind_group: gpu
                    .bind_group(ladder, &[(0, &params[1 + p]), (1, &input), (2, &self.gtab), (3, &table), (4, &acc)]),
                items: n,
            });
        }
        dispatches.push(Dispatch {
            pipeline: finish,
            bind_group: gpu.bind_group(finish, &[(0, &params[1 + passes as usize]), (4, &acc), (5, &out)]),
            items: n,
        });
        gpu.run("secp256k1_dsm", &dispatches, Some((&out, n64 * OUT_WORDS as u64)))
    }
}

/// Builds modules on one thread each (lavapipe spends tens of seconds on a ladder pipeline).
/// One build at a time per process: backends created concurrently wait for the first build and
/// then find the pipelines in the device's cache instead of compiling them again.
fn build_concurrently(gpu: &Gpu, modules: &[&'static wgsl::Module]) -> DeviceResult<()> {
    static BUILDING: parking_lot::Mutex<()> = parking_lot::Mutex::new(());
    let _one_at_a_time = BUILDING.lock();
    std::thread::scope(|sc| {
        let builds: Vec<_> = modules.iter().map(|m| sc.spawn(|| gpu.family_pipelines(m).map(|_| ()))).collect();
        builds
            .into_iter()
            .try_for_each(|h| h.join().unwrap_or_else(|_| Err(DeviceError::Panicked("pipeline build".into()))))
    })
}

impl WebGpuSigBackend {
    /// The B table: `ed_prepare` run on the single item (A = −B, R = identity) leaves 1·B … 15·B
    /// in its table's first 15 slots.
    fn ed_table(&self) -> DeviceResult<wgpu::Buffer> {
        let gpu = &self.gpu;
        self.ed
            .get_or_init(|| {
                build_concurrently(gpu, &ED_MODULES)?;
                let prepare = gpu.family_pipelines(&WGSL_ED25519_PREPARE_MODULE)?;
                let prepare = prepare.get("ed_prepare");
                let item = crate::prep_ed25519::basepoint_table_item();
                let (input, table, acc, params) = gpu.scoped("ed25519 B table buffers", || {
                    Ok((
                        gpu.storage_init("ed25519 B item", &item),
                        gpu.storage("ed25519 B table", ED_ITEM_TABLE_WORDS as u64),
                        gpu.storage("ed25519 B accumulator", ED_ACC_WORDS),
                        gpu.params([1, 0, 0, 0]),
                    ))
                })?;
                let d = Dispatch {
                    pipeline: prepare,
                    bind_group: gpu.bind_group(prepare, &[(0, &params), (1, &input), (3, &table), (4, &acc)]),
                    items: 1,
                };
                let st = gpu.run("ed25519 B table", &[d], Some((&acc, ED_ACC_WORDS)))?;
                if st.get(32) != Some(&0) {
                    return Err(DeviceError::Launch("the base point did not decode on the device".into()));
                }
                Ok(table)
            })
            .clone()
    }

    fn ed_chunk(&self, btab: &wgpu::Buffer, words: &[u32], n: u32) -> DeviceResult<Vec<u32>> {
        let gpu = &self.gpu;
        let (pp, lp, fp) = (
            gpu.family_pipelines(&WGSL_ED25519_PREPARE_MODULE)?,
            gpu.family_pipelines(&WGSL_ED25519_LADDER_MODULE)?,
            gpu.family_pipelines(&WGSL_ED25519_FINISH_MODULE)?,
        );
        let (prepare, ladder, finish) = (pp.get("ed_prepare"), lp.get("ed_ladder"), fp.get("ed_finish"));
        let n64 = n as u64;
        gpu.note_bytes(4 * n64 * (ED_IN_WORDS + ED_ITEM_TABLE_WORDS + ED_OUT_WORDS) as u64 + 4 * n64 * ED_ACC_WORDS);
        let (input, table, acc, out) = gpu.scoped("ed25519 buffers", || {
            Ok((
                gpu.storage_init("ed25519 items", words),
                gpu.storage("ed25519 tables", n64 * ED_ITEM_TABLE_WORDS as u64),
                gpu.storage("ed25519 accumulators", n64 * ED_ACC_WORDS),
                gpu.storage("ed25519 results", n64 * ED_OUT_WORDS as u64),
            ))
        })?;
        let passes = 64 / WINDOWS_PER_PASS;
        let mut params = vec![gpu.params([n, 0, 0, 0])];
        for p in 0..passes {
            params.push(gpu.params([n, 63 - p * WINDOWS_PER_PASS, WINDOWS_PER_PASS, 0]));
        }
        let mut dispatches = vec![Dispatch {
            pipeline: prepare,
            bind_group: gpu.bind_group(prepare, &[(0, &params[0]), (1, &input), (3, &table), (4, &acc)]),
            items: n,
        }];
        for p in 0..passes as usize {
            dispatches.push(Dispatch {
                pipeline: ladder,
                bind_group: gpu
                    .bind_group(ladder, &[(0, &params[1 + p]), (1, &input), (2, btab), (3, &table), (4, &acc)]),
                items: n,
            });
        }
        dispatches.push(Dispatch {
            pipeline: finish,
            bind_group: gpu.bind_group(finish, &[(0, &params[0]), (3, &table), (4, &acc), (5, &out)]),
            items: n,
        });
        gpu.run("ed25519_dsm", &dispatches, Some((&out, n64 * ED_OUT_WORDS as u64)))
    }
}

impl Device for WebGpuSigBackend {
    fn ed_dsm(&self, words: &[u32], n: usize) -> DeviceResult<Vec<u32>> {
        let btab = self.ed_table()?;
        let chunk = (self.gpu.max_binding() / (4 * ED_ITEM_TABLE_WORDS as u64)).clamp(1, self.max_chunk) as usize;
        let mut out = Vec::with_capacity(n * ED_OUT_WORDS);
        for start in (0..n).step_by(chunk) {
            let m = chunk.min(n - start);
            let part = self.ed_chunk(&btab, &words[start * ED_IN_WORDS..(start + m) * ED_IN_WORDS], m as u32)?;
            if part.len() != m * ED_OUT_WORDS {
                return Err(DeviceError::Launch(format!("readback of {} words for {m} items", part.len())));
            }
            out.extend(part);
        }
        Ok(out)
    }

    fn dsm(&self, mode: Mode, words: &[u32], n: usize) -> DeviceResult<Vec<u32>> {
        let per_item = 4 * TABLE_WORDS;
        let chunk = (self.gpu.max_binding() / per_item).clamp(1, self.max_chunk) as usize;
        let mut out = Vec::with_capacity(n * OUT_WORDS);
        for start in (0..n).step_by(chunk) {
            let m = chunk.min(n - start);
            let w = &words[start * IN_WORDS..(start + m) * IN_WORDS];
            let part = self.chunk(mode, w, m as u32)?;
            if part.len() != m * OUT_WORDS {
                return Err(DeviceError::Launch(format!("readback of {} words for {m} items", part.len())));
            }
            out.extend(part);
        }
        Ok(out)
    }
}

impl SigBackend for WebGpuSigBackend {
    fn name(&self) -> &str {
        "webgpu"
    }

    fn ecdsa_verify_batch(&self, items: &[VerifyItem<'_>], rule: EcdsaRule) -> Vec<Result<(), EcdsaError>> {
        self.disp.verify(self, items, rule)
    }

    fn ecrecover_batch(&self, items: &[RecoverItem<'_>], rule: EcdsaRule) -> Vec<Result<Recovered, EcdsaError>> {
        self.disp.recover(self, items, rule)
    }

    fn ed25519_verify_batch(&self, items: &[ed25519::Item<'_>]) -> Vec<Result<(), Ed25519Error>> {
        self.disp.ed25519(self, items)
    }
}
