//! Host driver of the NTT kernels (`kernels/cuda/ntt.cu`): uploads Montgomery limbs, runs the
//! global DIF stages, the shared-memory fused tail and the bit-reversal/scaling pass, downloads.

use std::sync::Arc;

use ark_ff::{Field, One};
use cudarc::driver::{CudaSlice, LaunchConfig, PushKernelArg};
use gloam_engine_core::{domain, DeviceError, DeviceResult, Fr, NttDirection, NttOp};

use crate::backend::{grid, DeviceVec, Inner, Module};
use crate::cu;

/// Largest tile of the fused kernel: 2^10 elements x 32 B = 32 KiB of shared memory, under the
/// 48 KiB every architecture grants without opting in.
const LOG_TILE: u32 = 10;
const BLOCK: u32 = 256;

fn limbs_of(xs: &[Fr]) -> Vec<u64> {
    let mut v = Vec::with_capacity(xs.len() * 4);
    for x in xs {
        v.extend_from_slice(&(x.0).0);
    }
    v
}

fn twiddles(inner: &Inner, log_n: u32, inverse: bool) -> DeviceResult<DeviceVec> {
    if let Some(t) = inner.twiddles.lock().get(&(log_n, inverse)) {
        return Ok(t.clone());
    }
    let tw = Arc::new(inner.upload(&limbs_of(&domain::twiddles(log_n, inverse)))?);
    inner.twiddles.lock().insert((log_n, inverse), tw.clone());
    Ok(tw)
}

/// The scaling constants the coset and bit-reversal passes read: `consts[0] = 1/n` (inverse)
/// or 1, `consts[1 + k] = base^(2^k)` with base = g (forward coset), 1/g (inverse coset) or 1.
/// `None` for a zero coset offset.
pub fn scale_consts(log_n: u32, op: NttOp) -> Option<Vec<Fr>> {
    let inverse = op.direction == NttDirection::Inverse;
    let mut consts = vec![if inverse { domain::size_inv(log_n) } else { Fr::one() }];
    let base = match op.coset {
        Some(g) if inverse => g.inverse()?,
        Some(g) => g,
        None => Fr::one(),
    };
    let mut b = base;
    for _ in 0..log_n.max(1) {
        consts.push(b);
        b.square_in_place();
    }
    Some(consts)
}

/// One kernel launch of a transform, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// `ntt_coset_scale`: coefficient i times g^i (forward coset only).
    CosetScale,
    /// `ntt_dif_stage2`: stages 2^log_half and 2^(log_half-1) in one pass.
    Stage2 { log_half: u32 },
    /// `ntt_dif_stage`: one global stage.
    Stage { log_half: u32 },
    /// `ntt_dif_fused`: the last log_tile stages in shared memory.
    Fused { log_tile: u32 },
    /// `ntt_bitrev_scale` with its flags (bit 0: times 1/n, bit 1: times base^i).
    BitrevScale { flags: u32 },
}

/// The launches of one transform of size 2^log_n (log_n >= 1) with tiles of at most
/// 2^max_log_tile elements. The host-emulation test runs exactly this list.
pub fn schedule(log_n: u32, max_log_tile: u32, inverse: bool, coset: bool) -> Vec<Step> {
    let mut v = Vec::new();
    if !inverse && coset {
        v.push(Step::CosetScale);
    }
    let log_tile = log_n.min(max_log_tile).max(1);
    // Global stages log_n-1 .. log_tile, two per pass; an odd one out runs alone.
    let mut log_half = log_n as i64 - 1;
    while log_half > log_tile as i64 {
        v.push(Step::Stage2 { log_half: log_half as u32 });
        log_half -= 2;
    }
    if log_half == log_tile as i64 && log_tile < log_n {
        v.push(Step::Stage { log_half: log_half as u32 });
    }
    v.push(Step::Fused { log_tile });
    let flags = if inverse { 1 | if coset { 2 } else { 0 } } else { 0 };
    v.push(Step::BitrevScale { flags });
    v
}

pub(crate) fn ntt_batch(inner: &Inner, data: &mut [Fr], size: usize, op: NttOp) -> DeviceResult<()> {
    if size <= 1 || data.is_empty() {
        // A size-1 transform is the identity in every direction and coset.
        return Ok(());
    }
    let log_n = size.trailing_zeros();
    if !size.is_power_of_two() || log_n > 31 || !data.len().is_multiple_of(size) {
        return Err(DeviceError::Unsupported(format!("NTT of size {size} over {} elements", data.len())));
    }
    let inverse = op.direction == NttDirection::Inverse;
    let module = inner.module("ntt")?;
    let _guard = inner.work.lock();
    let tw = twiddles(inner, log_n, inverse)?;

    let consts = scale_consts(log_n, op).ok_or_else(|| DeviceError::Unsupported("zero coset offset".into()))?;
    let consts = inner.upload(&limbs_of(&consts))?;
    let mut buf = inner.upload(&limbs_of(data))?;
    let plan = Plan { log_n, total: data.len() as u64, inverse, coset: op.coset.is_some() };
    launch(inner, &module, &mut buf, &tw, &consts, plan)?;
    let out = inner.download(&buf, data.len() * 4)?;
    inner.sync()?;
    for (x, l) in data.iter_mut().zip(out.chunks_exact(4)) {
        *x = Fr::new_unchecked(ark_ff::BigInt([l[0], l[1], l[2], l[3]]));
    }
    Ok(())
}

#[derive(Clone, Copy)]
struct Plan {
    log_n: u32,
    /// Elements in the whole batch.
    total: u64,
    inverse: bool,
    coset: bool,
}

/// Queues the transform of a resident buffer: the launches of [`schedule`].
fn launch(
    inner: &Inner,
    module: &Module,
    buf: &mut CudaSlice<u64>,
    tw: &CudaSlice<u64>,
    consts: &CudaSlice<u64>,
    p: Plan,
) -> DeviceResult<()> {
    let stream = &inner.stream;
    let (log_n, total) = (p.log_n, p.total);
    let (butterflies, quads) = (total / 2, total / 4);
    for step in schedule(log_n, LOG_TILE, p.inverse, p.coset) {
        match step {
            Step::CosetScale => {
                let f = module.func("ntt_coset_scale")?;
                unsafe {
                    cu!(stream
                        .launch_builder(f)
                        .arg(&mut *buf)
                        .arg(&log_n)
                        .arg(consts)
                        .arg(&total)
                        .launch(grid(total, BLOCK)?))?
                };
            }
            Step::Stage2 { log_half } => {
                let f = module.func("ntt_dif_stage2")?;
                unsafe {
                    cu!(stream
                        .launch_builder(f)
                        .arg(&mut *buf)
                        .arg(tw)
                        .arg(&log_n)
                        .arg(&log_half)
                        .arg(&quads)
                        .launch(grid(quads, BLOCK)?))?
                };
            }
            Step::Stage { log_half } => {
                let f = module.func("ntt_dif_stage")?;
                unsafe {
                    cu!(stream
                        .launch_builder(f)
                        .arg(&mut *buf)
                        .arg(tw)
                        .arg(&log_n)
                        .arg(&log_half)
                        .arg(&butterflies)
                        .launch(grid(butterflies, BLOCK)?))?
                };
            }
            Step::Fused { log_tile } => {
                let tiles = total >> log_tile;
                if tiles > i32::MAX as u64 {
                    return Err(DeviceError::Unsupported("too many NTT tiles for one launch".into()));
                }
                let cfg = LaunchConfig {
                    grid_dim: (tiles as u32, 1, 1),
                    block_dim: (1u32 << (log_tile - 1), 1, 1),
                    shared_mem_bytes: 32u32 << log_tile,
                };
                let f = module.func("ntt_dif_fused")?;
                unsafe { cu!(stream.launch_builder(f).arg(&mut *buf).arg(tw).arg(&log_n).arg(&log_tile).launch(cfg))? };
            }
            Step::BitrevScale { flags } => {
                let f = module.func("ntt_bitrev_scale")?;
                unsafe {
                    cu!(stream
                        .launch_builder(f)
                        .arg(&mut *buf)
                        .arg(&log_n)
                        .arg(consts)
                        .arg(&flags)
                        .arg(&total)
                        .launch(grid(total, BLOCK)?))?
                };
            }
        }
    }
    Ok(())
}

/// Milliseconds per forward NTT of `batch` vectors of 2^log_n elements already on the device
/// (the figure the design targets: 2^20 in <= 0.3 ms on an H100), averaged over `reps` after a
/// warm-up run.
pub(crate) fn resident_ms(inner: &Inner, log_n: u32, batch: usize, reps: usize) -> DeviceResult<f64> {
    if log_n == 0 || log_n > 28 {
        return Err(DeviceError::Unsupported(format!("timing NTT of 2^{log_n}")));
    }
    let module = inner.module("ntt")?;
    let _guard = inner.work.lock();
    let tw = twiddles(inner, log_n, false)?;
    let consts = inner.upload(&limbs_of(&vec![Fr::one(); log_n as usize + 1]))?;
    let total = (batch as u64) << log_n;
    // Any field elements do: 1, 2, 3, ... in Montgomery form.
    let data: Vec<Fr> = (0..total).map(Fr::from).collect();
    let mut buf = inner.upload(&limbs_of(&data))?;
    let plan = Plan { log_n, total, inverse: false, coset: false };
    launch(inner, &module, &mut buf, &tw, &consts, plan)?;
    inner.sync()?;
    let t0 = std::time::Instant::now();
    for _ in 0..reps.max(1) {
        launch(inner, &module, &mut buf, &tw, &consts, plan)?;
    }
    inner.sync()?;
    Ok(t0.elapsed().as_secs_f64() * 1e3 / reps.max(1) as f64)
}
