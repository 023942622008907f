//! Pippenger MSM on the device, with the bucketing done on the host.
//!
//! * Digits: signed windows of c bits (digits in [−2^(c−1), 2^(c−1)], a negative digit adds −P),
//!   so each window has 2^(c−1) buckets. The host reads the canonical scalar words, computes the
//!   digits and counting-sorts (point, sign) entries by bucket: a CSR layout the device reads.
//! * Accumulation (msm_accumulate.wgsl): one thread per *task*, a run of at most `L` entries of
//!   one bucket (L ≈ twice the mean occupancy, at most [`MAX_CHAIN`]). Splitting long buckets
//!   keeps a constant scalar vector (every point in one bucket) parallel instead of serialising
//!   the whole MSM in one thread.
//! * Combination (msm_fold, mode 0): levels of ranges of at most [`MAX_CHAIN`] partial sums of one
//!   bucket, until the last level writes exactly one point per bucket (dense).
//! * Reduction (msm_fold, mode 1): one thread per segment of `S` consecutive buckets of a window,
//!   producing a weighted running sum and a plain sum.
//! * Host: per window, Σ acc_k + S·Σ k·run_k (itself a running sum over segments), then Horner
//!   over windows. This final step touches a few hundred points, which is what the ZPrize'23
//!   WebGPU entries also left to the CPU.
//!
//! Fixed bases use the same device path with "collapsed" windows: the table holds
//! 2^(c·j)·P_i for every window j, so every window's digit of scalar i lands in one shared set
//! of buckets with point index i·W + j, and there is no Horner step.
//!
//! Several MSMs (a batch, or the vectors of a fixed-base batch) share one plan and one
//! submission: each MSM window is a *group* of buckets with its own global bucket range.

use ark_ec::{AdditiveGroup, AffineRepr};
use ark_ff::{Field, Zero};
use rayon::prelude::*;

use gloam_engine_core::{layout, DeviceError, DeviceResult, Fq, Fr, G1Affine, G1Projective};

use crate::gpu::{Dispatch, Gpu};

/// Words per affine point / XYZZ point on the device.
const AFFINE_WORDS: u64 = layout::AFFINE_WORDS as u64;
const XYZZ_WORDS: u64 = layout::XYZZ_WORDS as u64;

/// Number of c-bit signed windows covering a 255-bit scalar plus the final carry.
pub fn windows_for(c: u32) -> u32 {
    256u32.div_ceil(c)
}

/// Window size for a variable-base MSM of `n` points. Cost model: n·W additions to accumulate
/// plus ~2·W·2^(c−1) to reduce; c ≈ log2(n) − 3 balances them, capped so per-plan buffers stay
/// small.
pub fn variable_window(n: usize) -> u32 {
    let log = usize::BITS - n.max(1).leading_zeros();
    (log.saturating_sub(3)).clamp(4, 15)
}

/// One MSM as the planner sees it: scalar canonical words and how entry i, window j maps to a
/// point index in the bound point buffer.
pub struct PlanJob<'a> {
    /// Canonical scalar words (`layout::frs_to_canonical_words`).
    pub scalars: &'a [u32],
    /// Points that are the identity contribute nothing and are skipped.
    pub skip: &'a (dyn Fn(usize) -> bool + Sync),
    /// Index of point i's (window j) entry in the point buffer.
    pub point_index: &'a (dyn Fn(usize, u32) -> u32 + Sync),
    pub c: u32,
    /// Fixed base: all windows share one bucket group (the table already holds 2^(c·j)·P).
    pub collapsed: bool,
}

struct Group {
    job: usize,
    window: u32,
    first_bucket: u32,
    first_segment: u32,
    segments: u32,
}

pub struct Plan {
    entries: Vec<u32>,
    tasks: Vec<u32>,
    /// Combine levels (ranges into the previous level's points); the last is one per bucket.
    levels: Vec<Vec<u32>>,
    segments: Vec<u32>,
    groups: Vec<Group>,
    /// Segment size per job (buckets per reduction thread; a power of two).
    seg_size: Vec<u32>,
    jobs: usize,
    job_c: Vec<u32>,
    job_collapsed: Vec<bool>,
}

/// `entries`' base pointer, shared by the scatter threads (each writes its own slots).
struct SharedOut(*mut u32);
unsafe impl Send for SharedOut {}
unsafe impl Sync for SharedOut {}
impl SharedOut {
    fn get(&self) -> *mut u32 {
        self.0
    }
}

/// Most additions one thread performs in one dispatch (entries per accumulate task, partials
/// per combine range). Bounded work per thread keeps skewed inputs parallel; it also keeps
/// every loop short, which lavapipe needs: its reduction threads returned wrong sums once one
/// thread chained more than ~300 point additions (measured; root cause not found).
const MAX_CHAIN: u32 = 64;

#[inline]
fn window_value(w: &[u32], off: u32, c: u32) -> u32 {
    let word = (off / 32) as usize;
    if word >= w.len() {
        return 0;
    }
    let lo = w[word] as u64 | ((w.get(word + 1).copied().unwrap_or(0) as u64) << 32);
    ((lo >> (off % 32)) & ((1u64 << c) - 1)) as u32
}

/// Calls `f(window, digit)` for each nonzero signed digit of a scalar.
#[inline]
fn for_each_digit(w: &[u32], c: u32, mut f: impl FnMut(u32, i32)) {
    let windows = windows_for(c);
    let half = 1u32 << (c - 1);
    let mut carry = 0u32;
    for j in 0..windows {
        let v = window_value(w, j * c, c) + carry;
        let d = if v > half {
            carry = 1;
            v as i32 - (1i32 << c)
        } else {
            carry = 0;
            v as i32
        };
        if d != 0 {
            f(j, d);
        }
    }
    debug_assert_eq!(carry, 0, "256 ≥ 255 + 1 bits: the top window absorbs the carry");
}

impl Plan {
    pub fn build(jobs: &[PlanJob<'_>]) -> Plan {
        // Bucket groups.
        let mut groups = Vec::new();
        let mut job_group0 = Vec::with_capacity(jobs.len());
        let mut bucket_count: u32 = 0;
        let mut seg_size = Vec::new();
        let mut seg_count: u32 = 0;
        for (k, job) in jobs.iter().enumerate() {
            let half = 1u32 << (job.c - 1);
            let s = half.min(32);
            seg_size.push(s);
            job_group0.push(groups.len());
            let nwin = if job.collapsed { 1 } else { windows_for(job.c) };
            for window in 0..nwin {
                let segs = half / s;
                groups.push(Group {
                    job: k,
                    window,
                    first_bucket: bucket_count,
                    first_segment: seg_count,
                    segments: segs,
                });
                bucket_count += half;
                seg_count += segs;
            }
        }
        // Counting sort of (bucket, entry) pairs, in parallel: every chunk of points counts
        // per bucket, chunk-major offsets inside each bucket make the chunks' writes disjoint,
        // then every chunk scatters its own entries (same order as a sequential pass).
        let mut job_start = vec![0usize];
        for job in jobs {
            job_start.push(job_start.last().unwrap() + job.scalars.len() / 8);
        }
        let items = *job_start.last().unwrap();
        let buckets = bucket_count as usize;
        let by_memory = ((64usize << 20) / (4 * (buckets + 1))).max(1);
        let threads = rayon::current_num_threads().min(by_memory).min(items / 4096 + 1).max(1);
        let chunks: Vec<(usize, usize)> =
            (0..threads).map(|t| (items * t / threads, items * (t + 1) / threads)).collect();
        let visit = |lo: usize, hi: usize, f: &mut dyn FnMut(u32, u32)| {
            for (k, job) in jobs.iter().enumerate() {
                let (s, e) = (job_start[k].max(lo), job_start[k + 1].min(hi));
                let g0 = job_group0[k];
                for i in s.saturating_sub(job_start[k])..e.saturating_sub(job_start[k]) {
                    if (job.skip)(i) {
                        continue;
                    }
                    let w = &job.scalars[8 * i..8 * i + 8];
                    for_each_digit(w, job.c, |j, d| {
                        let g = &groups[g0 + if job.collapsed { 0 } else { j as usize }];
                        let bucket = g.first_bucket + d.unsigned_abs() - 1;
                        let entry = ((job.point_index)(i, j) << 1) | (d < 0) as u32;
                        f(bucket, entry);
                    });
                }
            }
        };
        let mut counts: Vec<Vec<u32>> = chunks
            .par_iter()
            .map(|&(lo, hi)| {
                let mut c = vec![0u32; buckets];
                visit(lo, hi, &mut |b, _| c[b as usize] += 1);
                c
            })
            .collect();
        let mut starts = vec![0u32; buckets + 1];
        let mut acc = 0u32;
        for b in 0..buckets {
            starts[b] = acc;
            for c in counts.iter_mut() {
                let n = c[b];
                c[b] = acc;
                acc += n;
            }
        }
        starts[buckets] = acc;
        let total = acc;
        let mut entries = vec![0u32; total as usize];
        let out = SharedOut(entries.as_mut_ptr());
        counts.into_par_iter().zip(chunks.par_iter()).for_each(|(mut next, &(lo, hi))| {
            visit(lo, hi, &mut |b, e| {
                let at = next[b as usize] as usize;
                // SAFETY: chunk t owns [offset(t, b), offset(t, b) + count(t, b)) of bucket b,
                // disjoint from every other (chunk, bucket) and inside `entries` (the counts
                // were taken by the same traversal).
                unsafe { out.get().add(at).write(e) };
                next[b as usize] += 1;
            });
        });
        // Tasks: at most L entries each, L about twice the mean bucket occupancy.
        let mean = total / bucket_count.max(1);
        let l = (2 * mean).clamp(4, MAX_CHAIN);
        let mut tasks = Vec::new();
        // Per bucket: (first item, item count) in the current level's output.
        let mut items = Vec::with_capacity(bucket_count as usize);
        for b in 0..bucket_count as usize {
            let first = (tasks.len() / 2) as u32;
            let (mut s, e) = (starts[b], starts[b + 1]);
            while s < e {
                let len = (e - s).min(l);
                tasks.push(s);
                tasks.push(len);
                s += len;
            }
            items.push((first, (tasks.len() / 2) as u32 - first));
        }
        // Combine levels: ranges of ≤ MAX_CHAIN items of one bucket, until the last level
        // writes exactly one point per bucket.
        let mut levels = Vec::new();
        loop {
            let last = items.iter().all(|&(_, c)| c <= MAX_CHAIN);
            let mut ranges = Vec::new();
            let mut next = Vec::with_capacity(items.len());
            for &(first, count) in &items {
                let out_first = (ranges.len() / 2) as u32;
                if last {
                    ranges.push(first);
                    ranges.push(count);
                } else {
                    let mut k = 0;
                    while k < count {
                        let len = (count - k).min(MAX_CHAIN);
                        ranges.push(first + k);
                        ranges.push(len);
                        k += len;
                    }
                }
                next.push((out_first, (ranges.len() / 2) as u32 - out_first));
            }
            levels.push(ranges);
            if last {
                break;
            }
            items = next;
        }
        let mut segments = Vec::with_capacity(2 * seg_count as usize);
        for g in &groups {
            let s = seg_size[g.job];
            for k in 0..g.segments {
                segments.push(g.first_bucket + k * s);
                segments.push(s);
            }
        }
        Plan {
            entries,
            tasks,
            levels,
            segments,
            groups,
            seg_size,
            jobs: jobs.len(),
            job_c: jobs.iter().map(|j| j.c).collect(),
            job_collapsed: jobs.iter().map(|j| j.collapsed).collect(),
        }
    }

    fn task_count(&self) -> u64 {
        self.tasks.len() as u64 / 2
    }
    fn segment_count(&self) -> u64 {
        self.segments.len() as u64 / 2
    }

    /// Largest buffer (bytes) this plan binds, besides the points.
    pub fn max_binding_bytes(&self) -> u64 {
        let entries = 4 * self.entries.len() as u64;
        let partials = 4 * XYZZ_WORDS * self.task_count();
        let sums = 4 * XYZZ_WORDS * 2 * self.segment_count();
        let levels = self.levels.iter().map(|l| 4 * (XYZZ_WORDS / 2 + 1) * l.len() as u64).max().unwrap_or(0);
        entries.max(partials).max(sums).max(levels)
    }

    /// Runs the plan against `points` (affine words) and returns one result per job.
    pub fn execute(&self, gpu: &Gpu, points: &wgpu::Buffer) -> DeviceResult<Vec<G1Projective>> {
        if self.entries.is_empty() {
            return Ok(vec![G1Projective::zero(); self.jobs]);
        }
        let cap = gpu.max_binding().min(u32::MAX as u64 - 3);
        if self.max_binding_bytes() > cap {
            return Err(DeviceError::Unsupported(format!(
                "MSM plan needs a {}-byte binding; this adapter allows {cap}",
                self.max_binding_bytes()
            )));
        }
        let acc_p = gpu.msm_accumulate_pipelines()?;
        let red_p = gpu.msm_reduce_pipelines()?;
        let accumulate = acc_p.get("msm_accumulate");
        let fold = red_p.get("msm_fold");
        let n_tasks = self.task_count() as u32;
        let n_segs = self.segment_count() as u32;
        let sum_words = XYZZ_WORDS * 2 * n_segs as u64;
        let level_points: u64 = self.levels.iter().map(|l| l.len() as u64 / 2).sum();
        gpu.note_bytes(
            4 * (self.entries.len() as u64 + XYZZ_WORDS * (n_tasks as u64 + level_points + 2 * n_segs as u64)),
        );
        let (entries, tasks, segments, partials, sums, levels) = gpu.scoped("msm upload", || {
            let levels: Vec<(wgpu::Buffer, wgpu::Buffer, u32)> = self
                .levels
                .iter()
                .map(|r| {
                    let n = (r.len() / 2) as u32;
                    (gpu.storage_init("msm ranges", r), gpu.storage("msm level", XYZZ_WORDS * n as u64), n)
                })
                .collect();
            Ok((
                gpu.storage_init("msm entries", &self.entries),
                gpu.storage_init("msm tasks", &self.tasks),
                gpu.storage_init("msm segments", &self.segments),
                gpu.storage("msm partials", XYZZ_WORDS * n_tasks as u64),
                gpu.storage("msm sums", sum_words),
                levels,
            ))
        })?;
        let p_acc = gpu.params([n_tasks, 0, 0, 0]);
        let mut dispatches = vec![Dispatch {
            pipeline: accumulate,
            bind_group: gpu
                .bind_group(accumulate, &[(0, points), (1, &entries), (2, &tasks), (3, &partials), (4, &p_acc)]),
            items: n_tasks,
        }];
        let mut src = &partials;
        for (ranges, out, n) in &levels {
            let p = gpu.params([*n, 0, 0, 0]);
            dispatches.push(Dispatch {
                pipeline: fold,
                bind_group: gpu.bind_group(fold, &[(0, src), (1, ranges), (2, out), (3, &p)]),
                items: *n,
            });
            src = out;
        }
        let p_red = gpu.params([n_segs, 1, 0, 0]);
        dispatches.push(Dispatch {
            pipeline: fold,
            bind_group: gpu.bind_group(fold, &[(0, src), (1, &segments), (2, &sums), (3, &p_red)]),
            items: n_segs,
        });
        let words = gpu.run("msm", &dispatches, Some((&sums, sum_words)))?;
        Ok(self.finish(&words))
    }

    /// Host side of the reduction: segments → windows → results.
    fn finish(&self, words: &[u32]) -> Vec<G1Projective> {
        let point =
            |slot: u64| xyzz_to_projective(&words[(slot * XYZZ_WORDS) as usize..((slot + 1) * XYZZ_WORDS) as usize]);
        let mut window_sums: Vec<Vec<(u32, G1Projective)>> = vec![Vec::new(); self.jobs];
        for g in &self.groups {
            let mut plain = G1Projective::zero();
            let mut run = G1Projective::zero();
            let mut weighted = G1Projective::zero();
            for k in (0..g.segments).rev() {
                let s = (g.first_segment + k) as u64;
                plain += point(2 * s);
                if k > 0 {
                    run += point(2 * s + 1);
                    weighted += run;
                }
            }
            // × S (a power of two).
            let mut shift = self.seg_size[g.job];
            while shift > 1 {
                weighted.double_in_place();
                shift >>= 1;
            }
            window_sums[g.job].push((g.window, plain + weighted));
        }
        window_sums
            .into_iter()
            .enumerate()
            .map(|(k, mut ws)| {
                if self.job_collapsed[k] {
                    return ws.into_iter().map(|(_, p)| p).sum();
                }
                ws.sort_by_key(|(w, _)| std::cmp::Reverse(*w));
                let mut acc = G1Projective::zero();
                for (_, p) in ws {
                    for _ in 0..self.job_c[k] {
                        acc.double_in_place();
                    }
                    acc += p;
                }
                acc
            })
            .collect()
    }
}

/// An XYZZ device point as an arkworks (Jacobian) point without an inversion:
/// Z = ZZ·ZZZ, X = X·ZZ·ZZZ², Y = Y·ZZ³·ZZZ² gives X/Z² = X/ZZ and Y/Z³ = Y/ZZZ.
pub fn xyzz_to_projective(w: &[u32]) -> G1Projective {
    let f = |i: usize| -> Fq { layout::fq_from_mont_words(&w[i * 12..(i + 1) * 12]) };
    let (x, y, zz, zzz) = (f(0), f(1), f(2), f(3));
    if zz.is_zero() || zzz.is_zero() {
        return G1Projective::zero();
    }
    let zzz2 = zzz.square();
    let z = zz * zzz;
    let jx = x * zz * zzz2;
    let jy = y * zz.square() * zz * zzz2;
    G1Projective::new_unchecked(jx, jy, z)
}

/// Variable-base MSMs, several per submission where buffers allow.
pub fn msm_batch(gpu: &Gpu, jobs: &[(&[G1Affine], &[Fr])]) -> DeviceResult<Vec<G1Projective>> {
    let cap = gpu.max_binding().min(u32::MAX as u64 - 3);
    // Points per submission: the point buffer and the entry list (n·W words) must fit a binding.
    let max_points = ((cap / (4 * AFFINE_WORDS)).min(cap / (4 * windows_for(4) as u64)) as usize).max(1);
    let mut results = vec![G1Projective::zero(); jobs.len()];
    // Pieces: (job, range) with each piece ≤ max_points; packed greedily into submissions.
    let mut pieces = Vec::new();
    for (k, (bases, _)) in jobs.iter().enumerate() {
        let mut s = 0;
        while s < bases.len() {
            let e = (s + max_points).min(bases.len());
            pieces.push((k, s, e));
            s = e;
        }
    }
    let mut i = 0;
    while i < pieces.len() {
        let mut j = i;
        let mut points = 0;
        while j < pieces.len() && points + (pieces[j].2 - pieces[j].1) <= max_points {
            points += pieces[j].2 - pieces[j].1;
            j += 1;
        }
        let batch = &pieces[i..j];
        let mut point_words = Vec::with_capacity(points * AFFINE_WORDS as usize);
        let mut offsets = Vec::new();
        let mut scalar_words = Vec::new();
        let mut skips = Vec::new();
        for &(k, s, e) in batch {
            offsets.push((point_words.len() / AFFINE_WORDS as usize) as u32);
            point_words.extend_from_slice(&layout::g1s_to_affine_words(&jobs[k].0[s..e]));
            scalar_words.push(layout::frs_to_canonical_words(&jobs[k].1[s..e]));
            skips.push(jobs[k].0[s..e].iter().map(|p| p.is_zero()).collect::<Vec<bool>>());
        }
        type Skip<'s> = Box<dyn Fn(usize) -> bool + Sync + 's>;
        type Index = Box<dyn Fn(usize, u32) -> u32 + Sync>;
        let skip_fns: Vec<Skip<'_>> = skips.iter().map(|v| Box::new(move |i: usize| v[i]) as Skip<'_>).collect();
        let index_fns: Vec<Index> =
            offsets.iter().map(|&o| Box::new(move |i: usize, _j: u32| o + i as u32) as Index).collect();
        let plan_jobs: Vec<PlanJob> = batch
            .iter()
            .enumerate()
            .map(|(b, &(_, s, e))| PlanJob {
                scalars: &scalar_words[b],
                skip: &*skip_fns[b],
                point_index: &*index_fns[b],
                c: variable_window(e - s),
                collapsed: false,
            })
            .collect();
        let plan = Plan::build(&plan_jobs);
        gpu.note_bytes(4 * point_words.len() as u64);
        let points_buf = gpu.scoped("msm points", || Ok(gpu.storage_init("msm points", &point_words)))?;
        let sums = plan.execute(gpu, &points_buf)?;
        for (&(k, _, _), r) in batch.iter().zip(sums) {
            results[k] += r;
        }
        i = j;
    }
    Ok(results)
}
