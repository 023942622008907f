//! Host driver of the NTT kernels (`kernels/cuda/ntt.cu`): uploads Montgomery limbs, runs the
//! global DIF stages, the shared-memory fused tail and the bit-reversal/scaling pass, downloads.

use std::sync::Arc;

use ark_ff::{Field, One};
use cudarc::driver::{LaunchConfig, PushKernelArg};
use gloam_engine_core::{domain, DeviceError, DeviceResult, Fr, NttDirection, NttOp};

use crate::backend::{grid, DeviceVec, Inner};
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
    let total = data.len() as u64;
    let stream = &inner.stream;

    if !inverse && op.coset.is_some() {
        let f = module.func("ntt_coset_scale")?;
        unsafe { cu!(stream.launch_builder(f).arg(&mut buf).arg(&log_n).arg(&consts).arg(&total).launch(grid(total, BLOCK)?))? };
    }
    let log_tile = log_n.min(LOG_TILE);
    let butterflies = total / 2;
    let stage = module.func("ntt_dif_stage")?;
    for log_half in (log_tile..log_n).rev() {
        unsafe {
            cu!(stream
                .launch_builder(stage)
                .arg(&mut buf)
                .arg(tw.as_ref())
                .arg(&log_n)
                .arg(&log_half)
                .arg(&butterflies)
                .launch(grid(butterflies, BLOCK)?))?
        };
    }
    let tiles = total >> log_tile;
    if tiles > i32::MAX as u64 {
        return Err(DeviceError::Unsupported("too many NTT tiles for one launch".into()));
    }
    let fused = LaunchConfig {
        grid_dim: (tiles as u32, 1, 1),
        block_dim: (1u32 << (log_tile - 1), 1, 1),
        shared_mem_bytes: (32u32) << log_tile,
    };
    let f = module.func("ntt_dif_fused")?;
    unsafe { cu!(stream.launch_builder(f).arg(&mut buf).arg(tw.as_ref()).arg(&log_n).arg(&log_tile).launch(fused))? };

    let flags: u32 = if inverse { 1 | if op.coset.is_some() { 2 } else { 0 } } else { 0 };
    let f = module.func("ntt_bitrev_scale")?;
    unsafe { cu!(stream.launch_builder(f).arg(&mut buf).arg(&log_n).arg(&consts).arg(&flags).arg(&total).launch(grid(total, BLOCK)?))? };

    let out = inner.download(&buf, data.len() * 4)?;
    inner.sync()?;
    for (x, l) in data.iter_mut().zip(out.chunks_exact(4)) {
        *x = Fr::new_unchecked(ark_ff::BigInt([l[0], l[1], l[2], l[3]]));
    }
    Ok(())
}
