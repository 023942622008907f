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
/// `CHUNK` (32) entries, so that a crowded bucket (a constant blob puts every point of a window in
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
pub struct Span {
    pub n: usize,
    pub scalar_start: usize,
    pub point_base: u32,
}

/// What the MSM pipeline asks of a device: buffers and the six kernels of `kernels/cuda/msm.cu`.
/// The CUDA backend implements it with cudarc; the host-emulation test implements it with the
/// same kernels' thread bodies compiled for the CPU, so [`pipeline`] itself — spans, offsets,
/// the bucket plan, the tree levels — runs unchanged in both. Digit buffers hold `int32_t`
/// values in `u32` words. Offsets and lengths are in elements of the buffer's word type.
pub trait MsmDevice {
    type Buf;
    fn upload_u64(&self, data: &[u64]) -> DeviceResult<Self::Buf>;
    fn upload_u32(&self, data: &[u32]) -> DeviceResult<Self::Buf>;
    fn zeros_u64(&self, len: usize) -> DeviceResult<Self::Buf>;
    fn zeros_u32(&self, len: usize) -> DeviceResult<Self::Buf>;
    fn download_u64(&self, b: &Self::Buf, len: usize) -> DeviceResult<Vec<u64>>;
    fn download_u32(&self, b: &Self::Buf, len: usize) -> DeviceResult<Vec<u32>>;
    /// `msm_digits` over `s.n` scalars from scalar `s.scalar_start`, writing
    /// `digits[digit_off..]` and `counts[count_off..]`.
    #[allow(clippy::too_many_arguments)]
    fn digits(
        &self,
        scalars: &Self::Buf,
        s: Span,
        c: u32,
        windows: u32,
        fixed: bool,
        digits: &mut Self::Buf,
        digit_off: usize,
        counts: &mut Self::Buf,
        count_off: usize,
    ) -> DeviceResult<()>;
    /// `msm_scatter` of one MSM's digits into `entries`, through `cursor[cursor_off..]`.
    #[allow(clippy::too_many_arguments)]
    fn scatter(
        &self,
        digits: &Self::Buf,
        digit_off: usize,
        s: Span,
        c: u32,
        windows: u32,
        fixed: bool,
        cursor: &mut Self::Buf,
        cursor_off: usize,
        entries: &mut Self::Buf,
    ) -> DeviceResult<()>;
    fn accumulate(
        &self,
        points: &Self::Buf,
        entries: &Self::Buf,
        chunks: &Self::Buf,
        num_chunks: u32,
        partial: &mut Self::Buf,
    ) -> DeviceResult<()>;
    fn reduce(&self, input: &Self::Buf, off: &Self::Buf, groups: u32, out: &mut Self::Buf) -> DeviceResult<()>;
    #[allow(clippy::too_many_arguments)]
    fn segments(
        &self,
        buckets: &Self::Buf,
        per_set: u32,
        sets: u32,
        seg_len: u32,
        segs: u32,
        out: &mut Self::Buf,
    ) -> DeviceResult<()>;
}

/// Runs the pipeline for a batch of MSMs sharing window width `c`, against `points` (each
/// MSM's points, or one fixed-base table of windows*n); returns the window sums, MSM after MSM
/// (`windows` per MSM, or one for a fixed base).
pub fn pipeline<D: MsmDevice>(
    dev: &D,
    points: &D::Buf,
    scalars: &[u64],
    spans: &[Span],
    c: u32,
    fixed: bool,
) -> DeviceResult<Vec<G1Projective>> {
    let windows = windows_for(c);
    let per_set = 1u32 << (c - 1);
    let sets_per_msm = if fixed { 1 } else { windows };
    let sets = sets_per_msm * spans.len() as u32;
    let nb_per_msm = (per_set * sets_per_msm) as usize;
    let nb = nb_per_msm * spans.len();
    let total_n: usize = spans.iter().map(|s| s.n).sum();

    let sc = dev.upload_u64(scalars)?;
    let mut digits = dev.zeros_u32(total_n * windows as usize)?;
    let mut counts = dev.zeros_u32(nb)?;
    let mut digit_off = 0usize;
    for (j, s) in spans.iter().enumerate() {
        dev.digits(&sc, *s, c, windows, fixed, &mut digits, digit_off, &mut counts, j * nb_per_msm)?;
        digit_off += s.n * windows as usize;
    }
    let host_counts = dev.download_u32(&counts, nb)?;
    let plan = plan_buckets(&host_counts);
    let total: usize = host_counts.iter().map(|&c| c as usize).sum();
    if total >= u32::MAX as usize {
        return Err(DeviceError::Unsupported(format!("{total} bucket entries exceed 32-bit offsets")));
    }

    let mut cursor = dev.upload_u32(&plan.offsets)?;
    let mut entries = dev.zeros_u32(total)?;
    let mut digit_off = 0usize;
    for (j, s) in spans.iter().enumerate() {
        dev.scatter(&digits, digit_off, *s, c, windows, fixed, &mut cursor, j * nb_per_msm, &mut entries)?;
        digit_off += s.n * windows as usize;
    }

    let num_chunks = (plan.chunks.len() / 2) as u32;
    let chunks = dev.upload_u32(&plan.chunks)?;
    let mut partial = dev.zeros_u64(num_chunks as usize * 24)?;
    if num_chunks > 0 {
        dev.accumulate(points, &entries, &chunks, num_chunks, &mut partial)?;
    }
    let buckets = reduce_segments(dev, partial, plan.chunks_per_bucket)?;

    let segs = per_set.div_ceil(SEG_LEN);
    let mut seg_out = dev.zeros_u64((segs * sets) as usize * 24)?;
    dev.segments(&buckets, per_set, sets, SEG_LEN, segs, &mut seg_out)?;
    let window_out = reduce_segments(dev, seg_out, vec![segs; sets as usize])?;
    let out = dev.download_u64(&window_out, sets as usize * 24)?;
    Ok(out.chunks_exact(24).map(xyzz_to_projective).collect())
}

/// Sums each segment of `input` (consecutive XYZZ points, segment lengths `lens`) to one point
/// per segment, GROUP points per thread and level, so no thread adds more than GROUP points
/// however unbalanced the segments are.
fn reduce_segments<D: MsmDevice>(dev: &D, input: D::Buf, mut lens: Vec<u32>) -> DeviceResult<D::Buf> {
    let mut cur = input;
    loop {
        let (off, next) = reduce_level(&lens);
        let groups = (off.len() - 1) as u32;
        let off_dev = dev.upload_u32(&off)?;
        let mut out = dev.zeros_u64(groups as usize * 24)?;
        dev.reduce(&cur, &off_dev, groups, &mut out)?;
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

/// `Σ scalars[i]·bases[i]` on `dev`.
pub fn msm_on<D: MsmDevice>(dev: &D, bases: &[G1Affine], scalars: &[Fr]) -> DeviceResult<G1Projective> {
    let n = bases.len().min(scalars.len());
    if n == 0 {
        return Ok(G1Projective::zero());
    }
    if n >= MAX_POINTS / 32 {
        return Err(DeviceError::Unsupported(format!("MSM of {n} points exceeds the 32-bit entry index")));
    }
    let c = window_bits(n);
    let points = dev.upload_u64(&affine_limbs(&bases[..n]))?;
    let spans = [Span { n, scalar_start: 0, point_base: 0 }];
    let sums = pipeline(dev, &points, &scalar_limbs(&scalars[..n], n), &spans, c, false)?;
    Ok(horner(&sums, c))
}

/// Many MSMs in one pipeline (one set of launches after the per-MSM digit passes), with the
/// window width of the largest.
pub fn msm_batch_on<D: MsmDevice>(dev: &D, jobs: &[MsmJob<'_>]) -> DeviceResult<Vec<G1Projective>> {
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
            return Err(DeviceError::Unsupported(format!(
                "MSM batch of {start} points exceeds the 32-bit entry index"
            )));
        }
    }
    let mut out = vec![G1Projective::zero(); jobs.len()];
    if spans.is_empty() {
        return Ok(out);
    }
    let c = window_bits(spans.iter().map(|s| s.n).max().unwrap_or(1));
    let windows = windows_for(c) as usize;
    let points = dev.upload_u64(&pts)?;
    let sums = pipeline(dev, &points, &scs, &spans, c, false)?;
    for (k, chunk) in index.iter().zip(sums.chunks(windows)) {
        out[*k] = horner(chunk, c);
    }
    Ok(out)
}

/// Window width of a fixed-base table over `n` bases.
pub fn fixed_window_bits(n: usize) -> u32 {
    window_bits(n.max(1) * 16)
}

/// The fixed-base table: `2^(c*w) * P_i` at index `w*n + i`, as affine Montgomery limbs.
pub fn fixed_base_table(bases: &[G1Affine], c: u32) -> DeviceResult<Vec<u64>> {
    let n = bases.len();
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
    Ok(table)
}

/// `Σ scalars[i]·P_i` against a resident table of `n` bases (`scalars.len() <= n`).
pub fn fixed_msm_on<D: MsmDevice>(
    dev: &D,
    table: &D::Buf,
    n: usize,
    c: u32,
    scalars: &[Fr],
) -> DeviceResult<G1Projective> {
    if scalars.len() > n {
        return Err(DeviceError::Unsupported(format!("{} scalars for {n} fixed bases", scalars.len())));
    }
    if scalars.is_empty() {
        return Ok(G1Projective::zero());
    }
    // Missing scalars are zero digits, which the scatter skips; the table stride stays n.
    let spans = [Span { n, scalar_start: 0, point_base: 0 }];
    let sums = pipeline(dev, table, &scalar_limbs(scalars, n), &spans, c, true)?;
    Ok(sums[0])
}

// ---------------------------------------------------------------- CUDA

/// A device buffer of either word width.
pub(crate) enum DevBuf {
    U32(CudaSlice<u32>),
    U64(CudaSlice<u64>),
}

impl DevBuf {
    fn u32(&self) -> DeviceResult<&CudaSlice<u32>> {
        match self {
            DevBuf::U32(s) => Ok(s),
            DevBuf::U64(_) => Err(DeviceError::Launch("internal: u64 buffer where u32 expected".into())),
        }
    }
    fn u32_mut(&mut self) -> DeviceResult<&mut CudaSlice<u32>> {
        match self {
            DevBuf::U32(s) => Ok(s),
            DevBuf::U64(_) => Err(DeviceError::Launch("internal: u64 buffer where u32 expected".into())),
        }
    }
    fn u64(&self) -> DeviceResult<&CudaSlice<u64>> {
        match self {
            DevBuf::U64(s) => Ok(s),
            DevBuf::U32(_) => Err(DeviceError::Launch("internal: u32 buffer where u64 expected".into())),
        }
    }
    fn u64_mut(&mut self) -> DeviceResult<&mut CudaSlice<u64>> {
        match self {
            DevBuf::U64(s) => Ok(s),
            DevBuf::U32(_) => Err(DeviceError::Launch("internal: u32 buffer where u64 expected".into())),
        }
    }
    fn len_bytes(&self) -> usize {
        match self {
            DevBuf::U32(s) => s.len() * 4,
            DevBuf::U64(s) => s.len() * 8,
        }
    }
}

pub(crate) struct CudaMsm<'a> {
    inner: &'a Inner,
    module: Arc<Module>,
}

impl<'a> CudaMsm<'a> {
    pub(crate) fn new(inner: &'a Inner) -> DeviceResult<Self> {
        Ok(CudaMsm { inner, module: inner.module("msm")? })
    }
}

impl MsmDevice for CudaMsm<'_> {
    type Buf = DevBuf;
    fn upload_u64(&self, data: &[u64]) -> DeviceResult<DevBuf> {
        Ok(DevBuf::U64(self.inner.upload(data)?))
    }
    fn upload_u32(&self, data: &[u32]) -> DeviceResult<DevBuf> {
        Ok(DevBuf::U32(self.inner.upload(data)?))
    }
    fn zeros_u64(&self, len: usize) -> DeviceResult<DevBuf> {
        Ok(DevBuf::U64(self.inner.zeros_u64(len)?))
    }
    fn zeros_u32(&self, len: usize) -> DeviceResult<DevBuf> {
        Ok(DevBuf::U32(self.inner.zeros_u32(len)?))
    }
    fn download_u64(&self, b: &DevBuf, len: usize) -> DeviceResult<Vec<u64>> {
        let v = self.inner.download(b.u64()?, len)?;
        self.inner.sync()?;
        Ok(v)
    }
    fn download_u32(&self, b: &DevBuf, len: usize) -> DeviceResult<Vec<u32>> {
        let v = self.inner.download(b.u32()?, len)?;
        self.inner.sync()?;
        Ok(v)
    }
    fn digits(
        &self,
        scalars: &DevBuf,
        s: Span,
        c: u32,
        windows: u32,
        fixed: bool,
        digits: &mut DevBuf,
        digit_off: usize,
        counts: &mut DevBuf,
        count_off: usize,
    ) -> DeviceResult<()> {
        let f = self.module.func("msm_digits")?;
        let (n32, fixed32) = (s.n as u32, fixed as u32);
        let nb = (1usize << (c - 1)) * if fixed { 1 } else { windows as usize };
        let sc_v = scalars.u64()?.slice(s.scalar_start * 4..(s.scalar_start + s.n) * 4);
        let mut dg_v = digits.u32_mut()?.slice_mut(digit_off..digit_off + s.n * windows as usize);
        let mut ct_v = counts.u32_mut()?.slice_mut(count_off..count_off + nb);
        unsafe {
            cu!(self
                .inner
                .stream
                .launch_builder(f)
                .arg(&sc_v)
                .arg(&n32)
                .arg(&c)
                .arg(&windows)
                .arg(&fixed32)
                .arg(&mut dg_v)
                .arg(&mut ct_v)
                .launch(grid(s.n as u64, BLOCK)?))?
        };
        Ok(())
    }
    fn scatter(
        &self,
        digits: &DevBuf,
        digit_off: usize,
        s: Span,
        c: u32,
        windows: u32,
        fixed: bool,
        cursor: &mut DevBuf,
        cursor_off: usize,
        entries: &mut DevBuf,
    ) -> DeviceResult<()> {
        let f = self.module.func("msm_scatter")?;
        let (n32, fixed32) = (s.n as u32, fixed as u32);
        let nb = (1usize << (c - 1)) * if fixed { 1 } else { windows as usize };
        let dg_v = digits.u32()?.slice(digit_off..digit_off + s.n * windows as usize);
        let mut cur_v = cursor.u32_mut()?.slice_mut(cursor_off..cursor_off + nb);
        let entries = entries.u32_mut()?;
        unsafe {
            cu!(self
                .inner
                .stream
                .launch_builder(f)
                .arg(&dg_v)
                .arg(&n32)
                .arg(&c)
                .arg(&windows)
                .arg(&fixed32)
                .arg(&s.point_base)
                .arg(&mut cur_v)
                .arg(entries)
                .launch(grid(s.n as u64, BLOCK)?))?
        };
        Ok(())
    }
    fn accumulate(
        &self,
        points: &DevBuf,
        entries: &DevBuf,
        chunks: &DevBuf,
        num_chunks: u32,
        partial: &mut DevBuf,
    ) -> DeviceResult<()> {
        let f = self.module.func("msm_accumulate_chunks")?;
        let (points, entries, chunks) = (points.u64()?, entries.u32()?, chunks.u32()?);
        let partial = partial.u64_mut()?;
        unsafe {
            cu!(self
                .inner
                .stream
                .launch_builder(f)
                .arg(points)
                .arg(entries)
                .arg(chunks)
                .arg(&num_chunks)
                .arg(partial)
                .launch(grid(num_chunks as u64, BLOCK)?))?
        };
        Ok(())
    }
    fn reduce(&self, input: &DevBuf, off: &DevBuf, groups: u32, out: &mut DevBuf) -> DeviceResult<()> {
        let f = self.module.func("msm_reduce_buckets")?;
        let (input, off) = (input.u64()?, off.u32()?);
        let out = out.u64_mut()?;
        unsafe {
            cu!(self
                .inner
                .stream
                .launch_builder(f)
                .arg(input)
                .arg(off)
                .arg(&groups)
                .arg(out)
                .launch(grid(groups as u64, BLOCK)?))?
        };
        Ok(())
    }
    fn segments(
        &self,
        buckets: &DevBuf,
        per_set: u32,
        sets: u32,
        seg_len: u32,
        segs: u32,
        out: &mut DevBuf,
    ) -> DeviceResult<()> {
        let f = self.module.func("msm_window_segments")?;
        let buckets = buckets.u64()?;
        let out = out.u64_mut()?;
        unsafe {
            cu!(self
                .inner
                .stream
                .launch_builder(f)
                .arg(buckets)
                .arg(&per_set)
                .arg(&sets)
                .arg(&seg_len)
                .arg(&segs)
                .arg(out)
                .launch(grid((segs * sets) as u64, BLOCK)?))?
        };
        Ok(())
    }
}

pub(crate) fn msm(inner: &Inner, bases: &[G1Affine], scalars: &[Fr]) -> DeviceResult<G1Projective> {
    let dev = CudaMsm::new(inner)?;
    let _guard = inner.work.lock();
    msm_on(&dev, bases, scalars)
}

pub(crate) fn msm_batch(inner: &Inner, jobs: &[MsmJob<'_>]) -> DeviceResult<Vec<G1Projective>> {
    let dev = CudaMsm::new(inner)?;
    let _guard = inner.work.lock();
    msm_batch_on(&dev, jobs)
}

/// Fixed bases with `2^(c*w) * P_i` for every window w resident on the device, so all windows
/// share one bucket set and the window combination disappears.
pub struct CudaFixedBase {
    inner: Arc<Inner>,
    table: DevBuf,
    n: usize,
    c: u32,
}

impl CudaFixedBase {
    pub(crate) fn new(inner: Arc<Inner>, bases: &[G1Affine]) -> DeviceResult<Self> {
        let c = fixed_window_bits(bases.len());
        let table = fixed_base_table(bases, c)?;
        let dev = {
            let _g = inner.work.lock();
            DevBuf::U64(inner.upload(&table)?)
        };
        Ok(CudaFixedBase { inner, table: dev, n: bases.len(), c })
    }
}

impl FixedBaseMsm for CudaFixedBase {
    fn len(&self) -> usize {
        self.n
    }
    fn table_bytes(&self) -> u64 {
        self.table.len_bytes() as u64
    }
    fn msm(&self, scalars: &[Fr]) -> DeviceResult<G1Projective> {
        let dev = CudaMsm::new(&self.inner)?;
        let _guard = self.inner.work.lock();
        fixed_msm_on(&dev, &self.table, self.n, self.c, scalars)
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
