//! Host driver of the MSM kernels (`kernels/cuda/msm.cu`, pipeline described in
//! `kernels/cuda/msm/msm.cuh`): digits and bucket counts on the device, the bucket plan on the
//! host (a prefix sum and the chunking of crowded buckets), accumulation and reduction on the
//! device, and the final Horner step over window sums on the host.

use std::sync::Arc;

use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{AdditiveGroup, BigInt, Zero};
use cudarc::driver::{CudaSlice, PushKernelArg};
use gloam_engine_core::{DeviceError, DeviceResult, FixedBaseMsm, Fq, Fr, G1Affine, G1Projective, MsmJob};

use crate::backend::{grid, Inner, Module};
use crate::cu;

const BLOCK: u32 = 128;
/// Buckets per segment in the window reduction: each thread adds ~2 x this many points, then
/// one small multiple of the segment sum (at most 16 doublings).
const SEG_LEN: u32 = 16;
/// Entries summed by one thread in bucket accumulation. With uniform scalars a bucket holds
/// ~n*windows/buckets entries (32 at 2^20 points, c = 16): one chunk, no partial traffic.
const CHUNK: u32 = 32;
/// Points one thread adds per level of the tree reductions.
const GROUP: u32 = 16;
/// Point indices carry the sign in bit 31.
const MAX_POINTS: usize = 1 << 31;

/// Window width for `n` points: large enough that buckets are not mostly empty, bounded by
/// the bucket memory (2^(c-1) buckets per window).
pub fn window_bits(n: usize) -> u32 {
    let log = usize::BITS - n.max(1).leading_zeros();
    log.saturating_sub(3).clamp(4, 16)
}

pub fn windows_for(c: u32) -> u32 {
    256u32.div_ceil(c)
}

/// The host part of the bucket sort: where each bucket's entries start, and chunks of at most
/// [`CHUNK`] entries, so that a crowded bucket (a constant blob puts every point of a window in
/// one) is summed by many threads and then by a tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketPlan {
    /// Exclusive prefix sum of the counts (`counts.len()` entries): the scatter cursors.
    pub offsets: Vec<u32>,
    /// (start, len) pairs, flattened, bucket after bucket.
    pub chunks: Vec<u32>,
    /// Chunks per bucket.
    pub chunks_per_bucket: Vec<u32>,
}

pub fn plan_buckets(counts: &[u32]) -> BucketPlan {
    let mut offsets = Vec::with_capacity(counts.len());
    let mut chunks = Vec::new();
    let mut per = Vec::with_capacity(counts.len());
    let mut acc = 0u32;
    for &c in counts {
        offsets.push(acc);
        let mut s = 0;
        while s < c {
            let len = CHUNK.min(c - s);
            chunks.push(acc + s);
            chunks.push(len);
            s += len;
        }
        per.push(c.div_ceil(CHUNK));
        acc += c;
    }
    BucketPlan { offsets, chunks, chunks_per_bucket: per }
}

/// One level of a segmented tree reduction: segments of `lens` consecutive points are cut into
/// groups of at most `GROUP`; returns the group boundaries (`groups + 1` entries, the layout
/// `msm_reduce_buckets` reads) and the new segment lengths. An empty segment yields one empty
/// group (infinity), so every segment keeps at least one element.
pub fn reduce_level(lens: &[u32]) -> (Vec<u32>, Vec<u32>) {
    let mut off = vec![0u32];
    let mut next = Vec::with_capacity(lens.len());
    let mut pos = 0u32;
    for &l in lens {
        if l == 0 {
            off.push(pos);
            next.push(1);
            continue;
        }
        let groups = l.div_ceil(GROUP);
        for k in 0..groups {
            pos += GROUP.min(l - k * GROUP);
            off.push(pos);
        }
        next.push(groups);
    }
    (off, next)
}

fn affine_limbs(points: &[G1Affine]) -> Vec<u64> {
    let mut v = Vec::with_capacity(points.len() * 12);
    for p in points {
        match p.xy() {
            Some((x, y)) => {
                v.extend_from_slice(&(x.0).0);
                v.extend_from_slice(&(y.0).0);
            }
            None => v.extend_from_slice(&[0u64; 12]),
        }
    }
    v
}

/// Montgomery limbs as arkworks stores them (the digit kernel converts); zero-padded, since a
/// zero scalar contributes no digit.
fn scalar_limbs(scalars: &[Fr], pad_to: usize) -> Vec<u64> {
    let mut v = Vec::with_capacity(pad_to.max(scalars.len()) * 4);
    for s in scalars {
        v.extend_from_slice(&(s.0).0);
    }
    v.resize(pad_to.max(scalars.len()) * 4, 0);
    v
}

fn fq(l: &[u64]) -> Fq {
    Fq::new_unchecked(BigInt([l[0], l[1], l[2], l[3], l[4], l[5]]))
}

/// XYZZ -> Jacobian without an inversion: Z' = ZZ*ZZZ, X' = X*ZZ*ZZZ^2, Y' = Y*ZZ^3*ZZZ^2 give
/// X'/Z'^2 = X/ZZ and Y'/Z'^3 = Y/ZZZ.
pub fn xyzz_to_projective(l: &[u64]) -> G1Projective {
    let (x, y, zz, zzz) = (fq(&l[0..6]), fq(&l[6..12]), fq(&l[12..18]), fq(&l[18..24]));
    if zz.is_zero() || zzz.is_zero() {
        return G1Projective::zero();
    }
    let zzz2 = zzz * zzz;
    let z = zz * zzz;
    G1Projective::new_unchecked(x * zz * zzz2, y * zz * zz * zz * zzz2, z)
}

/// One MSM of a batch: `n` scalars starting at scalar `scalar_start` of the concatenated
/// scalar buffer, points starting at `point_base` of the concatenated point buffer.
#[derive(Clone, Copy, Debug)]
struct Span {
    n: usize,
    scalar_start: usize,
    point_base: u32,
}

/// Runs the pipeline for a batch of MSMs sharing window width `c`, against `points` (each
/// MSM's points, or one fixed-base table of windows*n); returns the window sums, MSM after MSM
/// (`windows` per MSM, or one for a fixed base).
fn pipeline(inner: &Inner, points: &CudaSlice<u64>, scalars: &[u64], spans: &[Span], c: u32, fixed: bool) -> DeviceResult<Vec<G1Projective>> {
    let module = inner.module("msm")?;
    let windows = windows_for(c);
    let per_set = 1u32 << (c - 1);
    let sets_per_msm = if fixed { 1 } else { windows };
    let sets = sets_per_msm * spans.len() as u32;
    let nb_per_msm = (per_set * sets_per_msm) as usize;
    let nb = nb_per_msm * spans.len();
    let stream = &inner.stream;
    let fixed32 = fixed as u32;
    let total_n: usize = spans.iter().map(|s| s.n).sum();

    let sc = inner.upload(scalars)?;
    let mut digits = inner.zeros_i32(total_n * windows as usize)?;
    let mut counts = inner.zeros_u32(nb)?;
    let f = module.func("msm_digits")?;
    let mut digit_off = 0usize;
    for (j, s) in spans.iter().enumerate() {
        let n32 = s.n as u32;
        let sc_v = sc.slice(s.scalar_start * 4..(s.scalar_start + s.n) * 4);
        let mut dg_v = digits.slice_mut(digit_off..digit_off + s.n * windows as usize);
        let mut ct_v = counts.slice_mut(j * nb_per_msm..(j + 1) * nb_per_msm);
        unsafe {
            cu!(stream.launch_builder(f).arg(&sc_v).arg(&n32).arg(&c).arg(&windows).arg(&fixed32).arg(&mut dg_v).arg(&mut ct_v).launch(grid(s.n as u64, BLOCK)?))?
        };
        digit_off += s.n * windows as usize;
    }
    let host_counts = inner.download(&counts, nb)?;
    let plan = plan_buckets(&host_counts);
    let total: usize = host_counts.iter().map(|&c| c as usize).sum();
    if total >= u32::MAX as usize {
        return Err(DeviceError::Unsupported(format!("{total} bucket entries exceed 32-bit offsets")));
    }

    let mut cursor = inner.upload(&plan.offsets)?;
    let mut entries = inner.zeros_u32(total)?;
    let f = module.func("msm_scatter")?;
    let mut digit_off = 0usize;
    for (j, s) in spans.iter().enumerate() {
        let n32 = s.n as u32;
        let dg_v = digits.slice(digit_off..digit_off + s.n * windows as usize);
        let mut cur_v = cursor.slice_mut(j * nb_per_msm..(j + 1) * nb_per_msm);
        unsafe {
            cu!(stream
                .launch_builder(f)
                .arg(&dg_v)
                .arg(&n32)
                .arg(&c)
                .arg(&windows)
                .arg(&fixed32)
                .arg(&s.point_base)
                .arg(&mut cur_v)
                .arg(&mut entries)
                .launch(grid(s.n as u64, BLOCK)?))?
        };
        digit_off += s.n * windows as usize;
    }

    let num_chunks = (plan.chunks.len() / 2) as u32;
    let chunks = inner.upload(&plan.chunks)?;
    let mut partial = inner.zeros_u64(num_chunks as usize * 24)?;
    if num_chunks > 0 {
        let f = module.func("msm_accumulate_chunks")?;
        unsafe {
            cu!(stream.launch_builder(f).arg(points).arg(&entries).arg(&chunks).arg(&num_chunks).arg(&mut partial).launch(grid(num_chunks as u64, BLOCK)?))?
        };
    }
    let buckets = reduce_segments(inner, &module, partial, plan.chunks_per_bucket)?;

    let segs = per_set.div_ceil(SEG_LEN);
    let mut seg_out = inner.zeros_u64((segs * sets) as usize * 24)?;
    let f = module.func("msm_window_segments")?;
    unsafe {
        cu!(stream
            .launch_builder(f)
            .arg(&buckets)
            .arg(&per_set)
            .arg(&sets)
            .arg(&SEG_LEN)
            .arg(&segs)
            .arg(&mut seg_out)
            .launch(grid((segs * sets) as u64, BLOCK)?))?
    };
    let window_out = reduce_segments(inner, &module, seg_out, vec![segs; sets as usize])?;
    let out = inner.download(&window_out, sets as usize * 24)?;
    inner.sync()?;
    Ok(out.chunks_exact(24).map(xyzz_to_projective).collect())
}

/// Sums each segment of `input` (consecutive XYZZ points, segment lengths `lens`) to one point
/// per segment, GROUP points per thread and level, so no thread adds more than GROUP points
/// however unbalanced the segments are.
fn reduce_segments(inner: &Inner, module: &Module, input: CudaSlice<u64>, mut lens: Vec<u32>) -> DeviceResult<CudaSlice<u64>> {
    let f = module.func("msm_reduce_buckets")?;
    let mut cur = input;
    loop {
        let (off, next) = reduce_level(&lens);
        let groups = (off.len() - 1) as u32;
        let off_dev = inner.upload(&off)?;
        let mut out = inner.zeros_u64(groups as usize * 24)?;
        unsafe { cu!(inner.stream.launch_builder(f).arg(&cur).arg(&off_dev).arg(&groups).arg(&mut out).launch(grid(groups as u64, BLOCK)?))? };
        cur = out;
        if next.iter().all(|&l| l == 1) {
            return Ok(cur);
        }
        lens = next;
    }
}

fn horner(window_sums: &[G1Projective], c: u32) -> G1Projective {
    let mut acc = G1Projective::zero();
    for w in window_sums.iter().rev() {
        for _ in 0..c {
            acc.double_in_place();
        }
        acc += w;
    }
    acc
}

pub(crate) fn msm(inner: &Inner, bases: &[G1Affine], scalars: &[Fr]) -> DeviceResult<G1Projective> {
    let n = bases.len().min(scalars.len());
    if n == 0 {
        return Ok(G1Projective::zero());
    }
    if n >= MAX_POINTS / 32 {
        return Err(DeviceError::Unsupported(format!("MSM of {n} points exceeds the 32-bit entry index")));
    }
    let c = window_bits(n);
    let _guard = inner.work.lock();
    let points = inner.upload(&affine_limbs(&bases[..n]))?;
    let spans = [Span { n, scalar_start: 0, point_base: 0 }];
    let sums = pipeline(inner, &points, &scalar_limbs(&scalars[..n], n), &spans, c, false)?;
    Ok(horner(&sums, c))
}

/// Many MSMs in one pipeline (one set of launches after the per-MSM digit passes), with the
/// window width of the largest.
pub(crate) fn msm_batch(inner: &Inner, jobs: &[MsmJob<'_>]) -> DeviceResult<Vec<G1Projective>> {
    let mut spans = Vec::new();
    let mut index = Vec::new();
    let (mut pts, mut scs) = (Vec::new(), Vec::new());
    let mut start = 0usize;
    for (k, j) in jobs.iter().enumerate() {
        let n = j.bases.len().min(j.scalars.len());
        if n == 0 {
            continue;
        }
        spans.push(Span { n, scalar_start: start, point_base: start as u32 });
        index.push(k);
        pts.extend(affine_limbs(&j.bases[..n]));
        scs.extend(scalar_limbs(&j.scalars[..n], n));
        start += n;
        if start >= MAX_POINTS / 32 {
            return Err(DeviceError::Unsupported(format!("MSM batch of {start} points exceeds the 32-bit entry index")));
        }
    }
    let mut out = vec![G1Projective::zero(); jobs.len()];
    if spans.is_empty() {
        return Ok(out);
    }
    let c = window_bits(spans.iter().map(|s| s.n).max().unwrap_or(1));
    let windows = windows_for(c) as usize;
    let _guard = inner.work.lock();
    let points = inner.upload(&pts)?;
    let sums = pipeline(inner, &points, &scs, &spans, c, false)?;
    for (k, chunk) in index.iter().zip(sums.chunks(windows)) {
        out[*k] = horner(chunk, c);
    }
    Ok(out)
}

/// Fixed bases with `2^(c*w) * P_i` for every window w resident on the device, so all windows
/// share one bucket set and the window combination disappears.
pub struct CudaFixedBase {
    inner: Arc<Inner>,
    table: CudaSlice<u64>,
    n: usize,
    c: u32,
}

impl CudaFixedBase {
    pub(crate) fn new(inner: Arc<Inner>, bases: &[G1Affine]) -> DeviceResult<Self> {
        let n = bases.len();
        let c = window_bits(n.max(1) * 16);
        let windows = windows_for(c) as usize;
        if n * windows >= MAX_POINTS / 2 {
            return Err(DeviceError::Unsupported(format!("fixed-base table of {n} x {windows} points is too large")));
        }
        let mut cur: Vec<G1Projective> = bases.iter().map(|p| p.into_group()).collect();
        let mut table = Vec::with_capacity(n * windows * 12);
        for w in 0..windows {
            table.extend(affine_limbs(&G1Projective::normalize_batch(&cur)));
            if w + 1 < windows {
                for p in cur.iter_mut() {
                    for _ in 0..c {
                        p.double_in_place();
                    }
                }
            }
        }
        let dev = {
            let _g = inner.work.lock();
            inner.upload(&table)?
        };
        Ok(CudaFixedBase { inner, table: dev, n, c })
    }
}

impl FixedBaseMsm for CudaFixedBase {
    fn len(&self) -> usize {
        self.n
    }
    fn table_bytes(&self) -> u64 {
        (self.table.len() * 8) as u64
    }
    fn msm(&self, scalars: &[Fr]) -> DeviceResult<G1Projective> {
        if scalars.len() > self.n {
            return Err(DeviceError::Unsupported(format!("{} scalars for {} fixed bases", scalars.len(), self.n)));
        }
        if scalars.is_empty() {
            return Ok(G1Projective::zero());
        }
        let _guard = self.inner.work.lock();
        // Missing scalars are zero digits, which the scatter skips; the table stride stays n.
        let spans = [Span { n: self.n, scalar_start: 0, point_base: 0 }];
        let sums = pipeline(&self.inner, &self.table, &scalar_limbs(scalars, self.n), &spans, self.c, true)?;
        Ok(sums[0])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::PrimeGroup;
    use ark_ff::{Field, UniformRand};
    use rand::SeedableRng;

    #[test]
    fn plan_covers_every_entry_once() {
        let counts = [0u32, 1, 7, 32, 33, 100, 0, 4096, 3];
        let p = plan_buckets(&counts);
        let mut pos = 0u32;
        let mut k = 0usize;
        for (b, &c) in counts.iter().enumerate() {
            assert_eq!(p.offsets[b], pos);
            let mut covered = 0;
            for _ in 0..p.chunks_per_bucket[b] {
                assert_eq!(p.chunks[2 * k], pos + covered);
                assert!(p.chunks[2 * k + 1] <= CHUNK);
                covered += p.chunks[2 * k + 1];
                k += 1;
            }
            assert_eq!(covered, c, "bucket {b}");
            pos += c;
        }
        assert_eq!(k * 2, p.chunks.len());
    }

    /// Simulates the tree on integers: every segment must reduce to exactly its own sum.
    #[test]
    fn tree_reduction_sums_each_segment() {
        let lens = vec![0u32, 1, 2, 15, 16, 17, 255, 256, 257, 4096, 0, 100_000];
        let mut vals: Vec<u64> = (0..lens.iter().sum::<u32>() as u64).map(|i| i * 7 + 1).collect();
        let mut want = Vec::new();
        let mut p = 0usize;
        for &l in &lens {
            want.push(vals[p..p + l as usize].iter().sum::<u64>());
            p += l as usize;
        }
        let mut cur = lens.clone();
        let mut levels = 0;
        loop {
            let (off, next) = reduce_level(&cur);
            assert_eq!(*off.last().unwrap() as usize, vals.len());
            vals = off.windows(2).map(|w| vals[w[0] as usize..w[1] as usize].iter().sum()).collect();
            for w in off.windows(2) {
                assert!(w[1] - w[0] <= GROUP);
            }
            levels += 1;
            if next.iter().all(|&l| l == 1) {
                break;
            }
            cur = next;
        }
        assert_eq!(vals, want);
        assert!(levels <= 5, "{levels} levels");
    }

    #[test]
    fn xyzz_conversion_matches_layout_decoder() {
        let seed = 0x5eed;
        let mut r = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
        for _ in 0..20 {
            let p = (G1Projective::generator() * Fr::rand(&mut r)).into_affine();
            let z = Fq::rand(&mut r);
            let (x, y) = p.xy().unwrap();
            let (zz, zzz) = (z.square(), z.square() * z);
            let mut l = Vec::new();
            for v in [x * zz, y * zzz, zz, zzz] {
                l.extend_from_slice(&(v.0).0);
            }
            assert_eq!(xyzz_to_projective(&l).into_affine(), p, "seed={seed}");
        }
        assert!(xyzz_to_projective(&[0u64; 24]).is_zero());
    }

    #[test]
    fn window_choice_is_bounded() {
        for n in [0usize, 1, 2, 100, 1 << 12, 1 << 20, 1 << 26] {
            let c = window_bits(n);
            assert!((4..=16).contains(&c));
            assert!(windows_for(c) * c >= 256);
        }
    }
}
