//! Batched radix-2 NTT: bit reversal, one dispatch per butterfly stage, and an element-wise
//! scale for cosets (gⁱ before the forward transform) and the inverse (n⁻¹·g⁻ⁱ after it).
//! Twiddles and scale factors are computed on the host with arkworks, so the device only ever
//! multiplies by the exact roots `Radix2EvaluationDomain` uses.

use ark_ff::{Field, One};
use gloam_engine_core::{domain, layout, DeviceError, DeviceResult, Fr, NttDirection, NttOp};

use crate::gpu::{Dispatch, Gpu};

pub fn ntt_batch(gpu: &Gpu, data: &mut [Fr], size: usize, op: NttOp) -> DeviceResult<()> {
    if data.is_empty() || size <= 1 {
        // A size-1 transform is the identity: g⁰ = 1 and 1/1 = 1.
        return Ok(());
    }
    if !domain::is_valid_size(size) || !data.len().is_multiple_of(size) {
        return Err(DeviceError::Unsupported(format!("NTT of {} elements in vectors of {size}", data.len())));
    }
    let log_n = size.trailing_zeros();
    let vec_bytes = 32 * size as u64;
    // u32 word indices in the kernels: keep each binding under 4 GiB.
    let cap = gpu.max_binding().min(u32::MAX as u64 - 3);
    if vec_bytes > cap {
        return Err(DeviceError::Unsupported(format!(
            "NTT size 2^{log_n} needs {vec_bytes} bytes in one binding; this adapter allows {cap}"
        )));
    }
    let vecs_per_chunk = ((cap / vec_bytes) as usize).max(1);
    let inverse = op.direction == NttDirection::Inverse;
    let twiddles = domain::twiddles(log_n, inverse);
    let pre: Option<Vec<Fr>> = match (op.direction, op.coset) {
        (NttDirection::Forward, Some(g)) => Some(domain::powers(g, size)),
        _ => None,
    };
    let post: Option<Vec<Fr>> = match (op.direction, op.coset) {
        (NttDirection::Inverse, Some(g)) => {
            let g_inv = g.inverse().ok_or_else(|| DeviceError::Unsupported("zero coset offset".into()))?;
            let mut v = domain::powers(g_inv, size);
            let s = domain::size_inv(log_n);
            for x in &mut v {
                *x *= s;
            }
            Some(v)
        }
        (NttDirection::Inverse, None) => Some(vec![domain::size_inv(log_n); size]),
        _ => None,
    };
    let pipelines = gpu.ntt_pipelines()?;
    let tw_words = layout::frs_to_mont_words(&twiddles);
    let pre_words = pre.map(|v| layout::frs_to_mont_words(&v));
    let post_words = post.map(|v| layout::frs_to_mont_words(&v));
    debug_assert!(pre_words.as_ref().is_none_or(|w| w[..8] == layout::fr_to_mont_words(&Fr::one())));

    for chunk in data.chunks_mut(vecs_per_chunk * size) {
        let total = chunk.len() as u32;
        gpu.note_bytes(32 * total as u64);
        let words = layout::frs_to_mont_words(chunk);
        let out = gpu.scoped("ntt upload", || {
            let buf = gpu.storage_init("ntt data", &words);
            let tw = gpu.storage_init("ntt twiddles", &tw_words);
            let pre_buf = pre_words.as_ref().map(|w| gpu.storage_init("ntt pre-scale", w));
            let post_buf = post_words.as_ref().map(|w| gpu.storage_init("ntt post-scale", w));
            Ok((buf, tw, pre_buf, post_buf))
        })?;
        let (buf, tw, pre_buf, post_buf) = out;
        let mut dispatches = Vec::new();
        let scale = pipelines.get("ntt_scale");
        let bitrev = pipelines.get("ntt_bit_reverse");
        let stage = pipelines.get("ntt_stage");
        if let Some(pb) = &pre_buf {
            let params = gpu.params([total, log_n, 0, 0]);
            dispatches.push(Dispatch {
                pipeline: scale,
                bind_group: gpu.bind_group(scale, &[(0, &buf), (1, pb), (2, &params)]),
                items: total,
            });
        }
        let params = gpu.params([total, log_n, 0, 0]);
        dispatches.push(Dispatch {
            pipeline: bitrev,
            bind_group: gpu.bind_group(bitrev, &[(0, &buf), (2, &params)]),
            items: total,
        });
        for log_m in 0..log_n {
            let params = gpu.params([total / 2, log_n, log_m, 0]);
            dispatches.push(Dispatch {
                pipeline: stage,
                bind_group: gpu.bind_group(stage, &[(0, &buf), (1, &tw), (2, &params)]),
                items: total / 2,
            });
        }
        if let Some(pb) = &post_buf {
            let params = gpu.params([total, log_n, 0, 0]);
            dispatches.push(Dispatch {
                pipeline: scale,
                bind_group: gpu.bind_group(scale, &[(0, &buf), (1, pb), (2, &params)]),
                items: total,
            });
        }
        let result = gpu.run("ntt", &dispatches, Some((&buf, 8 * total as u64)))?;
        layout::frs_from_mont_words(&result, chunk);
    }
    Ok(())
}
