//! Fixed-base MSM: tables of 2^(c·j)·P_i (every window j of every base i) resident in device
//! buffers, so all windows of a scalar fall into one set of 2^(c−1) buckets and an MSM is one
//! accumulate + reduce submission with no doubling chain (the ZPrize precomputation idea).
//! The table is built once on the host with arkworks (doublings, then one batch
//! normalisation) and uploaded; tables larger than a storage binding are split by base ranges.

use std::sync::Arc;

use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::Zero;
use gloam_engine_core::{layout, DeviceError, DeviceResult, FixedBaseMsm, Fr, G1Affine, G1Projective};

use crate::gpu::Gpu;
use crate::msm::{windows_for, Plan, PlanJob};

/// Window for a fixed-base table over `n` bases: minimises n·W(c) accumulate work plus the
/// 2^c reduction of the single bucket set.
pub fn fixed_window(n: usize) -> u32 {
    (8..=15u32).min_by_key(|&c| n as u64 * windows_for(c) as u64 + (1u64 << c)).unwrap_or(12)
}

struct Chunk {
    /// Bases [start, end) of the full set.
    start: usize,
    end: usize,
    table: wgpu::Buffer,
}

pub struct FixedTable {
    gpu: Arc<Gpu>,
    len: usize,
    c: u32,
    identity: Vec<bool>,
    chunks: Vec<Chunk>,
    bytes: u64,
}

impl FixedTable {
    pub fn new(gpu: Arc<Gpu>, bases: &[G1Affine]) -> DeviceResult<FixedTable> {
        let n = bases.len();
        let c = fixed_window(n);
        let w = windows_for(c) as usize;
        let per_base = 4 * layout::AFFINE_WORDS as u64 * w as u64;
        let cap = gpu.max_binding().min(u32::MAX as u64 - 3);
        let bases_per_chunk = ((cap / per_base) as usize).max(1);
        let mut chunks = Vec::new();
        let mut s = 0;
        while s < n {
            let e = (s + bases_per_chunk).min(n);
            let words = table_words(&bases[s..e], c, w);
            gpu.note_bytes(4 * words.len() as u64);
            let table = gpu.scoped("fixed-base table", || Ok(gpu.storage_init("fixed-base table", &words)))?;
            chunks.push(Chunk { start: s, end: e, table });
            s = e;
        }
        Ok(FixedTable {
            gpu,
            len: n,
            c,
            identity: bases.iter().map(|p| p.is_zero()).collect(),
            chunks,
            bytes: per_base * n as u64,
        })
    }
}

/// 2^(c·j)·P_i for j < W, base-major (point index i·W + j), affine Montgomery words.
fn table_words(bases: &[G1Affine], c: u32, w: usize) -> Vec<u32> {
    let mut proj = Vec::with_capacity(bases.len() * w);
    for p in bases {
        let mut q = p.into_group();
        for j in 0..w {
            if j > 0 {
                for _ in 0..c {
                    q.double_in_place();
                }
            }
            proj.push(q);
        }
    }
    let affine = G1Projective::normalize_batch(&proj);
    layout::g1s_to_affine_words(&affine)
}

use ark_ec::AdditiveGroup;

impl FixedBaseMsm for FixedTable {
    fn len(&self) -> usize {
        self.len
    }

    fn table_bytes(&self) -> u64 {
        self.bytes
    }

    fn msm(&self, scalars: &[Fr]) -> DeviceResult<G1Projective> {
        Ok(self.msm_batch(&[scalars])?.remove(0))
    }

    fn msm_batch(&self, scalars: &[&[Fr]]) -> DeviceResult<Vec<G1Projective>> {
        if scalars.iter().any(|s| s.len() > self.len) {
            return Err(DeviceError::Unsupported("more scalars than fixed bases".into()));
        }
        let gpu = &*self.gpu;
        let w = windows_for(self.c);
        let mut results = vec![G1Projective::zero(); scalars.len()];
        for chunk in &self.chunks {
            // Per vector: the scalars that fall in this chunk.
            let parts: Vec<(usize, Vec<u32>)> = scalars
                .iter()
                .enumerate()
                .filter(|(_, s)| s.len() > chunk.start)
                .map(|(k, s)| (k, layout::frs_to_canonical_words(&s[chunk.start..s.len().min(chunk.end)])))
                .collect();
            if parts.is_empty() {
                continue;
            }
            let start = chunk.start;
            let skip = |i: usize| self.identity[start + i];
            let index = |i: usize, j: u32| (i as u32) * w + j;
            let jobs: Vec<PlanJob> = parts
                .iter()
                .map(|(_, words)| PlanJob {
                    scalars: words,
                    skip: &skip,
                    point_index: &index,
                    c: self.c,
                    collapsed: true,
                })
                .collect();
            let plan = Plan::build(&jobs);
            let sums = plan.execute(gpu, &chunk.table)?;
            for ((k, _), r) in parts.iter().zip(sums) {
                results[*k] += r;
            }
        }
        Ok(results)
    }
}
