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

    // consts[0] = 1/n; consts[1 + k] = base^(2^k), base = g (forward) or 1/g (inverse).
    let mut consts = vec![if inverse { domain::size_inv(log_n) } else { Fr::one() }];
    let base = match op.coset {
        Some(g) if inverse => g.inverse().ok_or_else(|| DeviceError::Unsupported("zero coset offset".into()))?,
        Some(g) => g,
        None => Fr::one(),
    };
    let mut b = base;
    for _ in 0..log_n {
        consts.push(b);
        b.square_in_place();
    }
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

/// Queues the transform of a resident buffer: coset pre-scaling (forward), the global DIF
/// stages, the fused shared-memory tail, then bit-reversal with the 1/n and coset factors.
fn launch(inner: &Inner, module: &Module, buf: &mut CudaSlice<u64>, tw: &CudaSlice<u64>, consts: &CudaSlice<u64>, p: Plan) -> DeviceResult<()> {
    let stream = &inner.stream;
    let (log_n, total) = (p.log_n, p.total);
    if !p.inverse && p.coset {
        let f = module.func("ntt_coset_scale")?;
        unsafe { cu!(stream.launch_builder(f).arg(&mut *buf).arg(&log_n).arg(consts).arg(&total).launch(grid(total, BLOCK)?))? };
    }
    let log_tile = log_n.min(LOG_TILE);
    // Global stages log_n-1 .. log_tile, two per pass; an odd one out runs alone.
    let (stage, stage2) = (module.func("ntt_dif_stage")?, module.func("ntt_dif_stage2")?);
    let (butterflies, quads) = (total / 2, total / 4);
    let mut log_half = log_n as i64 - 1;
    while log_half > log_tile as i64 {
        let lh = log_half as u32;
        unsafe { cu!(stream.launch_builder(stage2).arg(&mut *buf).arg(tw).arg(&log_n).arg(&lh).arg(&quads).launch(grid(quads, BLOCK)?))? };
        log_half -= 2;
    }
    if log_half == log_tile as i64 && log_tile < log_n {
        let lh = log_half as u32;
        unsafe { cu!(stream.launch_builder(stage).arg(&mut *buf).arg(tw).arg(&log_n).arg(&lh).arg(&butterflies).launch(grid(butterflies, BLOCK)?))? };
    }
    let tiles = total >> log_tile;
    if tiles > i32::MAX as u64 {
        return Err(DeviceError::Unsupported("too many NTT tiles for one launch".into()));
    }
    let fused = LaunchConfig {
        grid_dim: (tiles as u32, 1, 1),
        block_dim: (1u32 << (log_tile - 1), 1, 1),
        shared_mem_bytes: 32u32 << log_tile,
    };
    let f = module.func("ntt_dif_fused")?;
    unsafe { cu!(stream.launch_builder(f).arg(&mut *buf).arg(tw).arg(&log_n).arg(&log_tile).launch(fused))? };

    let flags: u32 = if p.inverse { 1 | if p.coset { 2 } else { 0 } } else { 0 };
    let f = module.func("ntt_bitrev_scale")?;
    unsafe { cu!(stream.launch_builder(f).arg(&mut *buf).arg(&log_n).arg(consts).arg(&flags).arg(&total).launch(grid(total, BLOCK)?))? };
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
