//! CPU multi-scalar multiplication over BLS12-381 G1.
//!
//! Design (Pippenger, "bucket method", with the usual refinements):
//!
//! * **Signed digits.** Each scalar is first mapped to `s ≤ (r−1)/2` by replacing `s` with
//!   `r − s` and negating the point when `s` is large (Yrrid's trick: `(r−s)(−P) = sP`), so it
//!   has at most 254 bits. Adding the constant `K = Σ_j 2^(c−1)·2^(jc)` then lets every window
//!   digit be read independently as `window_j(s + K) − 2^(c−1)` ∈ [−2^(c−1), 2^(c−1)): half the
//!   buckets of the unsigned method, no carry chain, and `⌈256/c⌉` windows always suffice.
//! * **Batch-affine bucket accumulation.** Points of one window are counting-sorted by bucket,
//!   then every bucket is reduced by pairwise affine additions in rounds: all pairs of all
//!   buckets in a round share one field inversion (Montgomery's trick), so an addition costs
//!   about 5M + 1S instead of 8M + 2S (XYZZ mixed add). The tree shape handles the degenerate
//!   case where every point lands in one bucket in log₂ n rounds of large batches. The affine
//!   formula is incomplete, so doubling (P + P), cancellation (P + (−P)) and the point at
//!   infinity are handled explicitly (see design notes §4.4: a zero denominator inside a batch
//!   inversion silently corrupts every other sum of the batch).
//! * **Streaming into affine buckets** for windows of [`STREAM_MIN_WINDOW`] bits or more (the
//!   KZG fixed-base tables, large variable-base MSMs): instead of sorting, points are added one
//!   by one into affine buckets, the additions queued and run in batches of up to 512 that share
//!   one inversion; a point whose bucket is already in the open batch is deferred and the
//!   deferred points are reduced by the tree method at the end. The points are read once,
//!   sequentially, and only the buckets are accessed at random. On the 4096-point KZG table
//!   this took the one-thread commitment from 0.66× to ~0.5× c-kzg's time (see the crate
//!   README for figures).
//! * **Parallelism.** Work items are (window, chunk of points); each yields a partial window sum
//!   and windows are combined by Horner's rule. The window size and the chunk count come from a
//!   small cost model over `n` and the rayon thread count.
//! * Small inputs use Jacobian buckets (arkworks' mixed addition): a batch inversion costs about
//!   a hundred multiplications and does not pay for itself with a handful of points per round.
//!
//! Fixed bases ([`FixedBase`]) precompute `2^(c·j)·P` for every window `j`, which turns the MSM
//! into a single window over `n·⌈256/c⌉` points. [`FixedBaseSegments`] does the same for many
//! small MSMs at once (FK20's 128 MSMs of 64 points), all sharing one bucket pass.

use crate::fq;
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{AdditiveGroup, BigInt, BigInteger, Field, One, PrimeField, Zero};
use gloam_engine_core::{DeviceResult, FixedBaseMsm, Fq, Fr, G1Affine, G1Projective};
use rayon::prelude::*;

/// Largest supported window (bucket indices and counts are `u32`; tables stay reasonable).
pub const MAX_WINDOW: usize = 20;

/// An affine point known not to be the identity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Pt {
    x: Fq,
    y: Fq,
}

/// Scalars after the signed-digit recoding for one window size: `s' + K` in five limbs, and
/// whether the point must be negated (`s' = r − s`).
struct Recoded {
    c: usize,
    windows: usize,
    words: Vec<[u64; 5]>,
    neg: Vec<bool>,
}

/// (r − 1) / 2: scalars above it are replaced by r − s.
fn half_r() -> BigInt<4> {
    let mut m = Fr::MODULUS;
    m.div2();
    m
}

fn windows_for(c: usize) -> usize {
    256usize.div_ceil(c)
}

/// K = Σ_{j<W} 2^(c−1)·2^(jc) as a 5-limb integer.
fn offset_constant(c: usize) -> [u64; 5] {
    let mut k = [0u64; 5];
    for j in 0..windows_for(c) {
        let bit = j * c + c - 1;
        k[bit / 64] |= 1u64 << (bit % 64);
    }
    k
}

impl Recoded {
    fn new(scalars: &[Fr], c: usize) -> Self {
        let k = offset_constant(c);
        let half = half_r();
        let (words, neg): (Vec<[u64; 5]>, Vec<bool>) = scalars
            .par_iter()
            .with_min_len(1024)
            .map(|s| {
                let mut b = s.into_bigint();
                let neg = b > half;
                if neg {
                    let mut m = Fr::MODULUS;
                    m.sub_with_borrow(&b);
                    b = m;
                }
                let mut out = [0u64; 5];
                let mut carry = 0u128;
                for i in 0..5 {
                    let limb = if i < 4 { b.0[i] } else { 0 };
                    let t = limb as u128 + k[i] as u128 + carry;
                    out[i] = t as u64;
                    carry = t >> 64;
                }
                (out, neg)
            })
            .unzip();
        Recoded { c, windows: windows_for(c), words, neg }
    }

    /// Signed digit of scalar `i` in window `w`, in [−2^(c−1), 2^(c−1)).
    #[inline(always)]
    fn digit(&self, i: usize, w: usize) -> i32 {
        let c = self.c;
        let bit = w * c;
        let limb = bit / 64;
        let sh = bit % 64;
        let words = &self.words[i];
        let mut v = words[limb] >> sh;
        if sh + c > 64 && limb + 1 < 5 {
            v |= words[limb + 1] << (64 - sh);
        }
        let v = (v & ((1u64 << c) - 1)) as i32;
        v - (1i32 << (c - 1))
    }
}

// ---------------------------------------------------------------------------------------------
// Batch-affine bucket reduction.

/// Scratch reused across rounds (and across windows handled by one task).
#[derive(Default)]
struct Scratch {
    den: Vec<Fq>,
    pre: Vec<Fq>,
    kind: Vec<u8>,
}

const ADD: u8 = 0;
const DOUBLE: u8 = 1;
const CANCEL: u8 = 2;

/// Reduces every bucket `b` (points `pts[start[b] .. start[b] + len[b]]`) to at most one point,
/// updating `len`. Pairs (0,1), (2,3), … of every bucket are added in one batch per round.
#[inline(always)]
fn reduce_buckets(pts: &mut [Pt], start: &[u32], len: &mut [u32], scratch: &mut Scratch) {
    let mut active: Vec<u32> = (0..len.len() as u32).filter(|&b| len[b as usize] >= 2).collect();
    while !active.is_empty() {
        let Scratch { den, pre, kind } = scratch;
        den.clear();
        pre.clear();
        kind.clear();
        // Phase A: denominators and their prefix products.
        let mut acc = Fq::one();
        for &b in &active {
            let s = start[b as usize] as usize;
            let l = len[b as usize] as usize;
            for k in 0..l / 2 {
                let p = &pts[s + 2 * k];
                let q = &pts[s + 2 * k + 1];
                let (d, t) = if !fq::eq(&p.x, &q.x) {
                    (fq::sub(&q.x, &p.x), ADD)
                } else if fq::eq(&p.y, &q.y) && !fq::is_zero(&p.y) {
                    (fq::double(&p.y), DOUBLE)
                } else {
                    // P + (−P), or doubling a 2-torsion point: the identity. The denominator is
                    // kept out of the batch so it cannot zero the shared product.
                    (Fq::one(), CANCEL)
                };
                pre.push(acc);
                acc = fq::mul(&acc, &d);
                den.push(d);
                kind.push(t);
            }
        }
        // acc is a product of non-zero elements of a field, hence invertible.
        let mut inv = fq::inverse(&acc).unwrap_or_else(Fq::zero);
        // Phase B (reverse): each pair's inverse, then the affine sum into the first slot.
        let mut idx = den.len();
        for &b in active.iter().rev() {
            let s = start[b as usize] as usize;
            let l = len[b as usize] as usize;
            for k in (0..l / 2).rev() {
                idx -= 1;
                let inv_k = fq::mul(&inv, &pre[idx]);
                inv = fq::mul(&inv, &den[idx]);
                let t = kind[idx];
                if t == CANCEL {
                    continue;
                }
                let p = pts[s + 2 * k];
                let q = pts[s + 2 * k + 1];
                let lambda = if t == ADD {
                    fq::mul(&fq::sub(&q.y, &p.y), &inv_k)
                } else {
                    let xx = fq::sqr(&p.x);
                    fq::mul(&fq::add(&fq::double(&xx), &xx), &inv_k)
                };
                let x3 = fq::sub(&fq::sub(&fq::sqr(&lambda), &p.x), &q.x);
                let y3 = fq::sub(&fq::mul(&lambda, &fq::sub(&p.x, &x3)), &p.y);
                pts[s + 2 * k] = Pt { x: x3, y: y3 };
            }
        }
        // Compaction: sums (and an odd leftover) move to the front of their bucket.
        let mut idx = 0;
        for &b in &active {
            let s = start[b as usize] as usize;
            let l = len[b as usize] as usize;
            let mut j = 0;
            for k in 0..l / 2 {
                if kind[idx] != CANCEL {
                    pts[s + j] = pts[s + 2 * k];
                    j += 1;
                }
                idx += 1;
            }
            if l % 2 == 1 {
                pts[s + j] = pts[s + l - 1];
                j += 1;
            }
            len[b as usize] = j as u32;
        }
        active.retain(|&b| len[b as usize] >= 2);
    }
}

/// Σ_b b·B_b for buckets b = 1..=nb (bucket b at `pts[start[b]]` when `len[b] == 1`), by the
/// running-sum method in XYZZ coordinates.
#[inline(always)]
fn running_sum(pts: &[Pt], start: &[u32], len: &[u32]) -> G1Projective {
    let mut running = Xyzz::ZERO;
    let mut total = Xyzz::ZERO;
    for b in (1..len.len()).rev() {
        if len[b] == 1 {
            running.add_affine(&pts[start[b] as usize]);
        }
        total.add(&running);
    }
    total.to_projective()
}

/// Extended Jacobian ("XYZZ") coordinates: x = X/ZZ, y = Y/ZZZ, identity when ZZ = 0.
/// Formulas from the Explicit-Formulas Database (Bernstein–Lange), short Weierstrass a = 0:
/// madd-2008-s, add-2008-s, dbl-2008-s-1, mdbl-2008-s-1. Every exceptional case (identity,
/// P + P, P + (−P)) is branched on explicitly.
#[derive(Clone, Copy, Debug)]
struct Xyzz {
    x: Fq,
    y: Fq,
    zz: Fq,
    zzz: Fq,
}

impl Xyzz {
    const ZERO: Xyzz = Xyzz { x: Fq::ONE, y: Fq::ONE, zz: Fq::ZERO, zzz: Fq::ZERO };

    #[inline(always)]
    fn is_zero(&self) -> bool {
        fq::is_zero(&self.zz)
    }

    #[inline(always)]
    fn add_affine(&mut self, p: &Pt) {
        if self.is_zero() {
            *self = Xyzz { x: p.x, y: p.y, zz: Fq::ONE, zzz: Fq::ONE };
            return;
        }
        let u2 = fq::mul(&p.x, &self.zz);
        let s2 = fq::mul(&p.y, &self.zzz);
        let pd = fq::sub(&u2, &self.x);
        let r = fq::sub(&s2, &self.y);
        if fq::is_zero(&pd) {
            if fq::is_zero(&r) {
                self.double_affine(p);
            } else {
                *self = Xyzz::ZERO;
            }
            return;
        }
        let pp = fq::sqr(&pd);
        let ppp = fq::mul(&pd, &pp);
        let q = fq::mul(&self.x, &pp);
        let x3 = fq::sub(&fq::sub(&fq::sqr(&r), &ppp), &fq::double(&q));
        let y3 = fq::sub(&fq::mul(&r, &fq::sub(&q, &x3)), &fq::mul(&self.y, &ppp));
        self.zz = fq::mul(&self.zz, &pp);
        self.zzz = fq::mul(&self.zzz, &ppp);
        self.x = x3;
        self.y = y3;
    }

    /// 2·p for affine p (y = 0 gives ZZ = 0, the identity).
    #[inline(always)]
    fn double_affine(&mut self, p: &Pt) {
        let u = fq::double(&p.y);
        let v = fq::sqr(&u);
        let w = fq::mul(&u, &v);
        let s = fq::mul(&p.x, &v);
        let xx = fq::sqr(&p.x);
        let m = fq::add(&fq::double(&xx), &xx);
        let x3 = fq::sub(&fq::sqr(&m), &fq::double(&s));
        let y3 = fq::sub(&fq::mul(&m, &fq::sub(&s, &x3)), &fq::mul(&w, &p.y));
        *self = Xyzz { x: x3, y: y3, zz: v, zzz: w };
    }

    #[inline(always)]
    fn double_in_place(&mut self) {
        if self.is_zero() {
            return;
        }
        let u = fq::double(&self.y);
        let v = fq::sqr(&u);
        let w = fq::mul(&u, &v);
        let s = fq::mul(&self.x, &v);
        let xx = fq::sqr(&self.x);
        let m = fq::add(&fq::double(&xx), &xx);
        let x3 = fq::sub(&fq::sqr(&m), &fq::double(&s));
        let y3 = fq::sub(&fq::mul(&m, &fq::sub(&s, &x3)), &fq::mul(&w, &self.y));
        self.zz = fq::mul(&v, &self.zz);
        self.zzz = fq::mul(&w, &self.zzz);
        self.x = x3;
        self.y = y3;
    }

    #[inline(always)]
    fn add(&mut self, o: &Xyzz) {
        if o.is_zero() {
            return;
        }
        if self.is_zero() {
            *self = *o;
            return;
        }
        let u1 = fq::mul(&self.x, &o.zz);
        let u2 = fq::mul(&o.x, &self.zz);
        let s1 = fq::mul(&self.y, &o.zzz);
        let s2 = fq::mul(&o.y, &self.zzz);
        let pd = fq::sub(&u2, &u1);
        let r = fq::sub(&s2, &s1);
        if fq::is_zero(&pd) {
            if fq::is_zero(&r) {
                self.double_in_place();
            } else {
                *self = Xyzz::ZERO;
            }
            return;
        }
        let pp = fq::sqr(&pd);
        let ppp = fq::mul(&pd, &pp);
        let q = fq::mul(&u1, &pp);
        let x3 = fq::sub(&fq::sub(&fq::sqr(&r), &ppp), &fq::double(&q));
        let y3 = fq::sub(&fq::mul(&r, &fq::sub(&q, &x3)), &fq::mul(&s1, &ppp));
        self.zz = fq::mul(&fq::mul(&self.zz, &o.zz), &pp);
        self.zzz = fq::mul(&fq::mul(&self.zzz, &o.zzz), &ppp);
        self.x = x3;
        self.y = y3;
    }

    /// Jacobian with Z = ZZ·ZZZ: X = X·ZZ·ZZZ², Y = Y·ZZ³·ZZZ² (no inversion, and no
    /// assumption that ZZ³ = ZZZ²).
    fn to_projective(self) -> G1Projective {
        if self.is_zero() {
            return G1Projective::zero();
        }
        let zzz2 = fq::sqr(&self.zzz);
        let z = fq::mul(&self.zz, &self.zzz);
        let x = fq::mul(&fq::mul(&self.x, &self.zz), &zzz2);
        let zz3 = fq::mul(&fq::sqr(&self.zz), &self.zz);
        let y = fq::mul(&fq::mul(&self.y, &zz3), &zzz2);
        G1Projective::new_unchecked(x, y, z)
    }
}

// ---------------------------------------------------------------------------------------------
// Streaming batch-affine accumulation (fixed-base tables with many buckets).

const EMPTY: u8 = 0;
const FULL: u8 = 1;
const BUSY: u8 = 2;

/// Affine buckets that points are added into one at a time, the additions queued and executed
/// in batches that share one inversion (the "batch affine" accumulation of gnark's MSM, Botrel and
/// El Housni, "Faster Montgomery multiplication and Multi-Scalar-Multiplication for SNARKs",
/// TCHES 2023/3). A point whose bucket already has an addition in the open batch is deferred;
/// the deferred points are reduced at the end by the tree reduction of [`reduce_buckets`] (which
/// also takes the degenerate case of every point in one bucket) and added in one last batch.
///
/// Compared with sorting all points by bucket first, the table is read once, sequentially, and
/// the only random accesses are to the buckets (`(nb + 1)·96` bytes: 384 KiB at c = 13, in L2).
struct StreamBuckets {
    pts: Vec<Pt>,
    state: Vec<u8>,
    ops_b: Vec<u32>,
    ops_p: Vec<Pt>,
    ops_kind: Vec<u8>,
    pre: Vec<Fq>,
    def_b: Vec<u32>,
    def_p: Vec<Pt>,
    batch: usize,
}

impl StreamBuckets {
    /// `total` buckets, batches of `batch` additions.
    fn new(total: usize, batch: usize) -> Self {
        StreamBuckets {
            pts: vec![Pt::default(); total],
            state: vec![EMPTY; total],
            ops_b: Vec::with_capacity(batch),
            ops_p: Vec::with_capacity(batch),
            ops_kind: Vec::with_capacity(batch),
            pre: Vec::with_capacity(batch),
            def_b: Vec::new(),
            def_p: Vec::new(),
            batch,
        }
    }

    /// Bucket `b` += `p`.
    #[inline(always)]
    fn push(&mut self, b: usize, p: Pt) {
        match self.state[b] {
            EMPTY => {
                self.pts[b] = p;
                self.state[b] = FULL;
            }
            BUSY => {
                self.def_b.push(b as u32);
                self.def_p.push(p);
            }
            _ => {
                let q = &self.pts[b];
                let kind = if !fq::eq(&q.x, &p.x) {
                    ADD
                } else if fq::eq(&q.y, &p.y) && !fq::is_zero(&p.y) {
                    DOUBLE
                } else {
                    // Q + (−Q), or doubling a 2-torsion point: the bucket becomes empty. Kept out
                    // of the batch: a zero denominator would corrupt the shared inversion.
                    self.state[b] = EMPTY;
                    return;
                };
                self.state[b] = BUSY;
                self.ops_b.push(b as u32);
                self.ops_p.push(p);
                self.ops_kind.push(kind);
                if self.ops_b.len() >= self.batch {
                    self.flush();
                }
            }
        }
    }

    /// Executes the queued additions with one inversion (Montgomery's trick).
    #[inline(always)]
    fn flush(&mut self) {
        let n = self.ops_b.len();
        if n == 0 {
            return;
        }
        let den = |q: &Pt, p: &Pt, kind: u8| if kind == ADD { fq::sub(&p.x, &q.x) } else { fq::double(&q.y) };
        self.pre.clear();
        let mut acc = Fq::one();
        for k in 0..n {
            let q = &self.pts[self.ops_b[k] as usize];
            self.pre.push(acc);
            acc = fq::mul(&acc, &den(q, &self.ops_p[k], self.ops_kind[k]));
        }
        // A product of non-zero field elements: invertible.
        let mut inv = fq::inverse(&acc).unwrap_or_else(Fq::zero);
        for k in (0..n).rev() {
            let b = self.ops_b[k] as usize;
            let q = self.pts[b];
            let p = &self.ops_p[k];
            let kind = self.ops_kind[k];
            let inv_k = fq::mul(&inv, &self.pre[k]);
            inv = fq::mul(&inv, &den(&q, p, kind));
            let lambda = if kind == ADD {
                fq::mul(&fq::sub(&p.y, &q.y), &inv_k)
            } else {
                let xx = fq::sqr(&q.x);
                fq::mul(&fq::add(&fq::double(&xx), &xx), &inv_k)
            };
            let x3 = fq::sub(&fq::sub(&fq::sqr(&lambda), &q.x), &p.x);
            let y3 = fq::sub(&fq::mul(&lambda, &fq::sub(&q.x, &x3)), &q.y);
            self.pts[b] = Pt { x: x3, y: y3 };
            self.state[b] = FULL;
        }
        self.ops_b.clear();
        self.ops_p.clear();
        self.ops_kind.clear();
    }

    /// Adds the deferred points, then, for every block of `block` buckets (bucket 0 of each
    /// unused), Σ_b b·B_b.
    #[inline(always)]
    fn finish(&mut self, block: usize) -> Vec<G1Projective> {
        self.flush();
        let total = self.pts.len();
        if !self.def_b.is_empty() {
            let mut len = vec![0u32; total];
            for &b in &self.def_b {
                len[b as usize] += 1;
            }
            let mut start = vec![0u32; total];
            let mut acc = 0u32;
            for b in 0..total {
                start[b] = acc;
                acc += len[b];
            }
            let mut sorted = vec![Pt::default(); acc as usize];
            let mut fill = start.clone();
            for (&b, p) in self.def_b.iter().zip(&self.def_p) {
                sorted[fill[b as usize] as usize] = *p;
                fill[b as usize] += 1;
            }
            reduce_buckets(&mut sorted, &start, &mut len, &mut Scratch::default());
            // One point per bucket at most now, and no addition is open: no further deferral.
            self.def_b.clear();
            self.def_p.clear();
            for b in 0..total {
                if len[b] == 1 {
                    self.push(b, sorted[start[b] as usize]);
                }
            }
            self.flush();
            debug_assert!(self.def_b.is_empty());
        }
        bucket_sums(&self.pts, &self.state, block)
    }
}

/// For every block of `block` buckets (`block − 1` a power of two; bucket 0 of each unused,
/// bucket b holding `pts[b]` when `state[b] == FULL`), Σ_b b·B_b.
///
/// Instead of the running sum (two projective additions per bucket), b is split as b = L·h + l
/// with L ≈ √(block − 1): Σ b·B_b = L·Σ_h h·S_h + Σ_l l·T_l where S_h = Σ_l B_{Lh+l} and
/// T_l = Σ_h B_{Lh+l}. The 2·(block − 1) additions forming the S and T sums are independent
/// across groups and run as batch-affine trees ([`reduce_buckets`], which handles P + P and
/// P + (−P)); only the two short sums over h and l use projective running sums.
#[inline(always)]
fn bucket_sums(pts: &[Pt], state: &[u8], block: usize) -> Vec<G1Projective> {
    let nb = block - 1;
    debug_assert!(nb.is_power_of_two());
    let l = 1usize << nb.trailing_zeros().div_ceil(2);
    let h = nb / l + 1;
    let blocks = pts.len() / block;
    let groups = h + l;
    // Group g of block k: k·groups + (hi group h' < h, or h + lo group l').
    let mut len = vec![0u32; blocks * groups + 1];
    for k in 0..blocks {
        for b in 1..block {
            if state[k * block + b] == FULL {
                len[k * groups + b / l] += 1;
                len[k * groups + h + b % l] += 1;
            }
        }
    }
    let mut start = vec![0u32; len.len()];
    let mut acc = 0u32;
    for g in 0..len.len() {
        start[g] = acc;
        acc += len[g];
    }
    let mut sorted = vec![Pt::default(); acc as usize];
    let mut fill = start.clone();
    for k in 0..blocks {
        for b in 1..block {
            if state[k * block + b] == FULL {
                let p = pts[k * block + b];
                for g in [k * groups + b / l, k * groups + h + b % l] {
                    sorted[fill[g] as usize] = p;
                    fill[g] += 1;
                }
            }
        }
    }
    reduce_buckets(&mut sorted, &start, &mut len, &mut Scratch::default());
    let weighted = |base: usize, count: usize| {
        let mut running = Xyzz::ZERO;
        let mut sum = Xyzz::ZERO;
        for g in (base + 1..base + count).rev() {
            if len[g] == 1 {
                running.add_affine(&sorted[start[g] as usize]);
            }
            sum.add(&running);
        }
        sum
    };
    (0..blocks)
        .map(|k| {
            let mut hi = weighted(k * groups, h);
            for _ in 0..l.trailing_zeros() {
                hi.double_in_place();
            }
            hi.add(&weighted(k * groups + h, l));
            hi.to_projective()
        })
        .collect()
}

/// One bucket pass over entries `0..count`: sorts the points by bucket, reduces each bucket,
/// returns Σ digit·point. `digit(i)` is entry i's signed digit (0 skips it, which is also how
/// identity points are skipped); `point(i)` its point, read only for non-zero digits.
fn bucket_pass<D, P>(count: usize, c: usize, digit: D, point: P) -> G1Projective
where
    D: Fn(usize) -> i32,
    P: Fn(usize) -> Pt,
{
    #[cfg(target_arch = "x86_64")]
    if has_mulx() {
        // SAFETY: the CPU supports BMI2 and ADX (checked at run time).
        return unsafe { bucket_pass_mulx(count, c, digit, point) };
    }
    bucket_pass_generic(count, c, digit, point)
}

/// Benchmarks set this to compare against the portable build of the same code.
#[doc(hidden)]
pub static PORTABLE_ONLY: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Picks the field multiplier for the next MSM (assembly unless a benchmark forbids it).
pub(crate) fn select_arith() {
    fq::set_adx(!PORTABLE_ONLY.load(std::sync::atomic::Ordering::Relaxed));
}

/// Whether the CPU has MULX/ADX. arkworks only uses its assembly multiplier when the whole build
/// targets those features, which ours does not; compiling the hot loop for them lets LLVM pick
/// flag-free `mulx` for arkworks' portable multiplier.
#[cfg(target_arch = "x86_64")]
pub(crate) fn has_mulx() -> bool {
    if PORTABLE_ONLY.load(std::sync::atomic::Ordering::Relaxed) {
        return false;
    }
    static HAS: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *HAS.get_or_init(|| std::is_x86_feature_detected!("bmi2") && std::is_x86_feature_detected!("adx"))
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "bmi2,adx")]
unsafe fn bucket_pass_mulx<D, P>(count: usize, c: usize, digit: D, point: P) -> G1Projective
where
    D: Fn(usize) -> i32,
    P: Fn(usize) -> Pt,
{
    bucket_pass_generic(count, c, digit, point)
}

#[inline(always)]
fn bucket_pass_generic<D, P>(count: usize, c: usize, digit: D, point: P) -> G1Projective
where
    D: Fn(usize) -> i32,
    P: Fn(usize) -> Pt,
{
    let nb = 1usize << (c - 1);
    // |digit| ≤ 2^(c−1): buckets 1..=nb.
    let mut len = vec![0u32; nb + 1];
    let digits: Vec<i32> = (0..count).map(&digit).collect();
    for &d in &digits {
        len[d.unsigned_abs() as usize] += 1;
    }
    len[0] = 0;
    let mut start = vec![0u32; nb + 1];
    let mut acc = 0u32;
    for b in 0..=nb {
        start[b] = acc;
        acc += len[b];
    }
    let m = acc as usize;
    if m == 0 {
        return G1Projective::zero();
    }
    let mut pts = vec![Pt::default(); m];
    let mut fill = start.clone();
    for (i, &d) in digits.iter().enumerate() {
        if d == 0 {
            continue;
        }
        let p = point(i);
        let b = d.unsigned_abs() as usize;
        pts[fill[b] as usize] = Pt { x: p.x, y: fq::cond_neg(&p.y, d < 0) };
        fill[b] += 1;
    }
    let mut scratch = Scratch::default();
    reduce_buckets(&mut pts, &start, &mut len, &mut scratch);
    running_sum(&pts, &start, &len)
}

/// Partial sum of window `w` over the points `lo..hi`.
fn window_chunk_affine(bases: &[G1Affine], rec: &Recoded, w: usize, lo: usize, hi: usize) -> G1Projective {
    if rec.c >= STREAM_MIN_WINDOW {
        #[cfg(target_arch = "x86_64")]
        if has_mulx() {
            // SAFETY: the CPU supports BMI2 and ADX (checked at run time).
            return unsafe { window_chunk_stream_mulx(bases, rec, w, lo, hi) };
        }
        return window_chunk_stream(bases, rec, w, lo, hi);
    }
    bucket_pass(
        hi - lo,
        rec.c,
        |j| {
            let i = lo + j;
            if bases[i].is_zero() {
                return 0;
            }
            let d = rec.digit(i, w);
            if rec.neg[i] {
                -d
            } else {
                d
            }
        },
        |j| Pt { x: bases[lo + j].x, y: bases[lo + j].y },
    )
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "bmi2,adx")]
unsafe fn window_chunk_stream_mulx(bases: &[G1Affine], rec: &Recoded, w: usize, lo: usize, hi: usize) -> G1Projective {
    window_chunk_stream(bases, rec, w, lo, hi)
}

/// [`window_chunk_affine`] streaming the points into affine buckets ([`StreamBuckets`]).
#[inline(always)]
fn window_chunk_stream(bases: &[G1Affine], rec: &Recoded, w: usize, lo: usize, hi: usize) -> G1Projective {
    let nb = 1usize << (rec.c - 1);
    let mut acc = StreamBuckets::new(nb + 1, STREAM_BATCH.min(nb / 4));
    for (i, b) in bases.iter().enumerate().take(hi).skip(lo) {
        let d = rec.digit(i, w);
        if d == 0 || b.is_zero() {
            continue;
        }
        let negate = (d < 0) != rec.neg[i];
        let p = Pt { x: b.x, y: fq::cond_neg(&b.y, negate) };
        acc.push(d.unsigned_abs() as usize, p);
    }
    acc.finish(nb + 1).pop().unwrap_or_else(G1Projective::zero)
}

/// Partial sum of window `w` over `lo..hi` with Jacobian buckets (small inputs).
#[allow(clippy::needless_range_loop)]
fn window_chunk_jacobian(bases: &[G1Affine], rec: &Recoded, w: usize, lo: usize, hi: usize) -> G1Projective {
    let nb = 1usize << (rec.c - 1);
    let mut buckets = vec![G1Projective::zero(); nb + 1];
    for i in lo..hi {
        let d = rec.digit(i, w);
        if d == 0 || bases[i].is_zero() {
            continue;
        }
        let d = if rec.neg[i] { -d } else { d };
        if d > 0 {
            buckets[d as usize] += &bases[i];
        } else {
            buckets[d.unsigned_abs() as usize] -= &bases[i];
        }
    }
    let mut running = G1Projective::zero();
    let mut total = G1Projective::zero();
    for b in buckets[1..].iter().rev() {
        running += b;
        total += &running;
    }
    total
}

/// Horner: Σ_w 2^(wc)·S_w.
fn combine_windows(sums: &[G1Projective], c: usize) -> G1Projective {
    let mut acc = G1Projective::zero();
    for s in sums.iter().rev() {
        for _ in 0..c {
            acc.double_in_place();
        }
        acc += s;
    }
    acc
}

/// How a variable-base MSM is run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MsmPlan {
    /// Window size in bits (2..=MAX_WINDOW).
    pub c: usize,
    /// Point chunks per window (work items = windows × chunks).
    pub chunks: usize,
    /// Batch-affine buckets (true) or Jacobian buckets (false).
    pub affine: bool,
}

/// Field-multiplication equivalents, measured on this code: a batch-affine bucket addition
/// including sorting and inversion share, a Jacobian mixed addition, and the two additions per
/// bucket of the running sum.
const COST_AFFINE_ADD: f64 = 8.0;
const COST_JACOBIAN_ADD: f64 = 13.0;
const COST_BUCKET: f64 = 16.0;

impl MsmPlan {
    /// The plan the cost model picks for `n` points on `threads` threads.
    pub fn choose(n: usize, threads: usize) -> MsmPlan {
        let threads = threads.max(1);
        let mut best = (f64::INFINITY, MsmPlan { c: 2, chunks: 1, affine: false });
        for c in 2..=16usize {
            let w = windows_for(c);
            for chunks in 1..=threads.max(1) * 2 {
                let per = n.div_ceil(chunks);
                if chunks > 1 && per < 256 {
                    break;
                }
                for affine in [false, true] {
                    if affine && per < 64 {
                        continue;
                    }
                    let add = if affine { COST_AFFINE_ADD } else { COST_JACOBIAN_ADD };
                    // Expected occupied buckets bound the running-sum work from above.
                    let buckets = (1usize << (c - 1)) as f64;
                    let task = per as f64 * add + buckets * COST_BUCKET;
                    let items = w * chunks;
                    let rounds = items.div_ceil(threads) as f64;
                    let cost = rounds * task + (w * chunks) as f64 * 40.0;
                    if cost < best.0 {
                        best = (cost, MsmPlan { c, chunks, affine });
                    }
                }
            }
        }
        best.1
    }
}

/// Variable-base MSM `Σ scalars[i]·bases[i]` over the common prefix of the two slices.
pub fn msm(bases: &[G1Affine], scalars: &[Fr]) -> G1Projective {
    let n = bases.len().min(scalars.len());
    let plan = MsmPlan::choose(n, rayon::current_num_threads());
    msm_with_plan(&bases[..n], &scalars[..n], plan)
}

/// MSM with an explicit plan (tests sweep every window size with it). Out-of-range window sizes
/// are clamped.
pub fn msm_with_plan(bases: &[G1Affine], scalars: &[Fr], plan: MsmPlan) -> G1Projective {
    let n = bases.len().min(scalars.len());
    if n == 0 {
        return G1Projective::zero();
    }
    select_arith();
    let c = plan.c.clamp(2, MAX_WINDOW);
    let chunks = plan.chunks.clamp(1, n);
    let rec = Recoded::new(&scalars[..n], c);
    let per = n.div_ceil(chunks);
    let items: Vec<(usize, usize)> = (0..rec.windows).flat_map(|w| (0..chunks).map(move |k| (w, k))).collect();
    let partial: Vec<G1Projective> = items
        .par_iter()
        .with_max_len(1)
        .map(|&(w, k)| {
            let lo = (k * per).min(n);
            let hi = ((k + 1) * per).min(n);
            if plan.affine {
                window_chunk_affine(bases, &rec, w, lo, hi)
            } else {
                window_chunk_jacobian(bases, &rec, w, lo, hi)
            }
        })
        .collect();
    let sums: Vec<G1Projective> =
        partial.chunks(chunks).map(|ps| ps.iter().fold(G1Projective::zero(), |a, b| a + b)).collect();
    combine_windows(&sums, c)
}

/// Many independent MSMs: jobs run side by side when there are enough of them to occupy the
/// pool, and one after another (each parallel inside) otherwise.
pub fn msm_batch(jobs: &[(&[G1Affine], &[Fr])]) -> Vec<G1Projective> {
    let threads = rayon::current_num_threads();
    let total: usize = jobs.iter().map(|(b, s)| b.len().min(s.len())).sum();
    let largest = jobs.iter().map(|(b, s)| b.len().min(s.len())).max().unwrap_or(0);
    if jobs.len() >= threads && largest * threads <= total {
        // Enough similar-sized jobs: one job per thread, each sequential inside.
        jobs.par_iter()
            .with_max_len(1)
            .map(|(b, s)| {
                let n = b.len().min(s.len());
                msm_with_plan(&b[..n], &s[..n], MsmPlan::choose(n, 1))
            })
            .collect()
    } else {
        jobs.iter().map(|(b, s)| msm(b, s)).collect()
    }
}

// ---------------------------------------------------------------------------------------------
// Fixed bases.

/// Windows of at least this many bits stream into affine buckets ([`StreamBuckets`]); smaller
/// ones (few buckets, many points each, so small batches and many inversions) sort and reduce
/// by trees.
const STREAM_MIN_WINDOW: usize = 11;
/// Additions per shared inversion in [`StreamBuckets`] (at most a quarter of the buckets, which
/// keeps deferrals rare).
const STREAM_BATCH: usize = 512;

/// Table memory [`FixedBase::new`] allows itself (4096 bases need 7.5 MiB).
pub const DEFAULT_TABLE_BUDGET: u64 = 1 << 30;

/// Fixed bases with a precomputed table: for base `P_i` and window `j`, `2^(c·j)·P_i` (affine),
/// so each MSM is one bucket pass with `2^(c−1)` buckets over `n·⌈256/c⌉` points instead of
/// `⌈256/c⌉` passes. Table: `n·⌈256/c⌉·96` bytes (4096 bases, c = 13: 7.5 MiB).
pub struct FixedBase {
    n: usize,
    /// The bases themselves when no table fits the memory budget (plain variable-base MSM).
    plain: Option<Vec<G1Affine>>,
    c: usize,
    windows: usize,
    /// `table[i * windows + j] = 2^(c·j)·P_i` (unused where `P_i` is the identity).
    table: Vec<Pt>,
    /// Which bases are the identity (empty when none is).
    infinity: Vec<bool>,
}

impl FixedBase {
    /// Default window (13 bits for KZG-sized inputs, smaller for small ones) within
    /// [`DEFAULT_TABLE_BUDGET`] bytes of table.
    pub fn new(bases: &[G1Affine]) -> Self {
        Self::with_budget(bases, DEFAULT_TABLE_BUDGET)
    }

    /// The largest default-or-wider window whose table fits `budget` bytes; when even
    /// `MAX_WINDOW` does not fit, no table is built and MSMs run as variable-base ones.
    pub fn with_budget(bases: &[G1Affine], budget: u64) -> Self {
        let n = bases.len() as u64;
        let fits = |c: usize| n * windows_for(c) as u64 * std::mem::size_of::<Pt>() as u64 <= budget;
        match (Self::default_window(bases.len())..=MAX_WINDOW).find(|&c| fits(c)) {
            Some(c) => Self::with_window(bases, c),
            None => FixedBase {
                n: bases.len(),
                plain: Some(bases.to_vec()),
                c: 0,
                windows: 0,
                table: Vec::new(),
                infinity: Vec::new(),
            },
        }
    }

    fn default_window(n: usize) -> usize {
        match n {
            0..=64 => 6,
            65..=512 => 8,
            513..=2048 => 10,
            2049..=4095 => 12,
            // 4096 bases (KZG): 20 windows instead of 22 at c = 12, for 2048 more buckets.
            _ => 13,
        }
    }

    /// Table with an explicit window size `c` (clamped to 2..=MAX_WINDOW): memory grows as
    /// `1/c`, the per-MSM bucket reduction as `2^c`.
    pub fn with_window(bases: &[G1Affine], c: usize) -> Self {
        let c = c.clamp(2, MAX_WINDOW);
        let windows = windows_for(c);
        let n = bases.len();
        let (table, infinity) = build_table(bases, c);
        FixedBase { n, plain: None, c, windows, table, infinity }
    }

    /// Window size in bits (0 when no table was built).
    pub fn window(&self) -> usize {
        self.c
    }

    /// Σ over entries `lo..hi` of the flattened (base, window) list.
    fn pass(&self, rec: &Recoded, lo: usize, hi: usize) -> G1Projective {
        if self.c >= STREAM_MIN_WINDOW {
            #[cfg(target_arch = "x86_64")]
            if has_mulx() {
                // SAFETY: the CPU supports BMI2 and ADX (checked at run time).
                return unsafe { self.stream_pass_mulx(rec, lo, hi) };
            }
            return self.stream_pass(rec, lo, hi);
        }
        let w = self.windows;
        bucket_pass(
            hi - lo,
            self.c,
            |j| {
                let e = lo + j;
                let i = e / w;
                if self.infinity.get(i).copied().unwrap_or(false) {
                    return 0;
                }
                let d = rec.digit(i, e % w);
                if rec.neg[i] {
                    -d
                } else {
                    d
                }
            },
            |j| self.table[lo + j],
        )
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "bmi2,adx")]
    unsafe fn stream_pass_mulx(&self, rec: &Recoded, lo: usize, hi: usize) -> G1Projective {
        self.stream_pass(rec, lo, hi)
    }

    /// [`Self::pass`] by streaming the table into affine buckets ([`StreamBuckets`]).
    #[inline(always)]
    fn stream_pass(&self, rec: &Recoded, lo: usize, hi: usize) -> G1Projective {
        let w = self.windows;
        let nb = 1usize << (self.c - 1);
        let mut acc = StreamBuckets::new(nb + 1, STREAM_BATCH.min(nb / 4));
        let mut e = lo;
        while e < hi {
            let i = e / w;
            let end = ((i + 1) * w).min(hi);
            if self.infinity.get(i).copied().unwrap_or(false) {
                e = end;
                continue;
            }
            let neg = rec.neg[i];
            for (j, p) in (e - i * w..).zip(&self.table[e..end]) {
                let d = rec.digit(i, j);
                if d == 0 {
                    continue;
                }
                let negate = (d < 0) != neg;
                let p = Pt { x: p.x, y: fq::cond_neg(&p.y, negate) };
                acc.push(d.unsigned_abs() as usize, p);
            }
            e = end;
        }
        acc.finish(nb + 1).pop().unwrap_or_else(G1Projective::zero)
    }

    fn msm_inner(&self, scalars: &[Fr], chunks: usize) -> G1Projective {
        let n = scalars.len().min(self.n);
        if n == 0 {
            return G1Projective::zero();
        }
        if let Some(bases) = &self.plain {
            let plan = MsmPlan::choose(n, chunks);
            return msm_with_plan(&bases[..n], &scalars[..n], plan);
        }
        select_arith();
        let rec = Recoded::new(&scalars[..n], self.c);
        let total = n * self.windows;
        let chunks = chunks.clamp(1, total);
        let per = total.div_ceil(chunks);
        (0..chunks)
            .into_par_iter()
            .with_max_len(1)
            .map(|k| self.pass(&rec, (k * per).min(total), ((k + 1) * per).min(total)))
            .reduce(G1Projective::zero, |a, b| a + b)
    }
}

impl FixedBaseMsm for FixedBase {
    fn len(&self) -> usize {
        self.n
    }
    fn table_bytes(&self) -> u64 {
        (self.table.len() * std::mem::size_of::<Pt>()) as u64
            + self.plain.as_ref().map_or(0, |b| (b.len() * std::mem::size_of::<G1Affine>()) as u64)
    }
    fn msm(&self, scalars: &[Fr]) -> DeviceResult<G1Projective> {
        Ok(self.msm_inner(scalars, rayon::current_num_threads()))
    }
    fn msm_batch(&self, scalars: &[&[Fr]]) -> DeviceResult<Vec<G1Projective>> {
        let threads = rayon::current_num_threads();
        if scalars.len() >= threads {
            Ok(scalars.par_iter().with_max_len(1).map(|s| self.msm_inner(s, 1)).collect())
        } else {
            Ok(scalars.iter().map(|s| self.msm_inner(s, threads)).collect())
        }
    }
}

/// `table[i * W + j] = 2^(c·j)·P_i` (affine; W = ⌈256/c⌉) and which bases are the identity
/// (empty when none is).
fn build_table(bases: &[G1Affine], c: usize) -> (Vec<Pt>, Vec<bool>) {
    let windows = windows_for(c);
    // Chunks of bases keep the projective intermediate small (one batch inversion each).
    let table: Vec<Pt> = bases
        .par_chunks(256)
        .flat_map_iter(|chunk| {
            let mut proj = Vec::with_capacity(chunk.len() * windows);
            for b in chunk {
                let mut p = b.into_group();
                for _ in 0..windows {
                    proj.push(p);
                    for _ in 0..c {
                        p.double_in_place();
                    }
                }
            }
            G1Projective::normalize_batch(&proj).into_iter().map(|a| Pt { x: a.x, y: a.y })
        })
        .collect();
    let infinity =
        if bases.iter().any(|b| b.is_zero()) { bases.iter().map(|b| b.is_zero()).collect() } else { Vec::new() };
    (table, infinity)
}

/// Many small fixed-base MSMs computed together: the bases are `segments` consecutive groups of
/// `seg_len` points, and one call returns, for each group `s`,
/// `Σ_k scalars[s·seg_len + k]·bases[s·seg_len + k]`. FK20 needs 128 MSMs of 64 points per
/// blob; done one by one, each has a few dozen buckets and pays its own inversions, while here
/// [`SEGMENT_GROUP`] groups share one set of affine buckets and every batch of additions shares
/// one inversion. Table: `bases.len()·⌈256/c⌉·96` bytes.
pub struct FixedBaseSegments {
    seg_len: usize,
    segments: usize,
    c: usize,
    windows: usize,
    table: Vec<Pt>,
    infinity: Vec<bool>,
}

/// Segments sharing one bucket set (32 × 129 buckets = 396 KiB at c = 8: it stays in L2; 64
/// segments per set measured 60 % slower on the 2-vCPU EPYC, 16 no faster).
const SEGMENT_GROUP: usize = 32;

impl FixedBaseSegments {
    /// Tables for `bases.len() / seg_len` groups (a ragged tail is its own, shorter group) with
    /// windows of `c` bits (clamped to 4..=16).
    pub fn new(bases: &[G1Affine], seg_len: usize, c: usize) -> Self {
        let seg_len = seg_len.max(1);
        let c = c.clamp(4, 16);
        let (table, infinity) = build_table(bases, c);
        FixedBaseSegments {
            seg_len,
            segments: bases.len().div_ceil(seg_len),
            c,
            windows: windows_for(c),
            table,
            infinity,
        }
    }

    /// Number of groups (and of results per call).
    pub fn segments(&self) -> usize {
        self.segments
    }

    /// Window size in bits.
    pub fn window(&self) -> usize {
        self.c
    }

    /// Bytes of the precomputed table.
    pub fn table_bytes(&self) -> u64 {
        (self.table.len() * std::mem::size_of::<Pt>()) as u64
    }

    /// One MSM per group; `scalars` is laid out like the bases (missing trailing scalars count
    /// as zero, extra ones are ignored).
    pub fn msm(&self, scalars: &[Fr]) -> Vec<G1Projective> {
        let n = (self.table.len() / self.windows.max(1)).min(scalars.len());
        select_arith();
        let rec = Recoded::new(&scalars[..n], self.c);
        let groups: Vec<usize> = (0..self.segments).step_by(SEGMENT_GROUP).collect();
        let parts: Vec<Vec<G1Projective>> = groups
            .par_iter()
            .with_max_len(1)
            .map(|&s0| {
                let s1 = (s0 + SEGMENT_GROUP).min(self.segments);
                #[cfg(target_arch = "x86_64")]
                if has_mulx() {
                    // SAFETY: the CPU supports BMI2 and ADX (checked at run time).
                    return unsafe { self.group_mulx(&rec, n, s0, s1) };
                }
                self.group(&rec, n, s0, s1)
            })
            .collect();
        parts.into_iter().flatten().collect()
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "bmi2,adx")]
    unsafe fn group_mulx(&self, rec: &Recoded, n: usize, s0: usize, s1: usize) -> Vec<G1Projective> {
        self.group(rec, n, s0, s1)
    }

    /// Groups `s0..s1` through one bucket set.
    #[inline(always)]
    fn group(&self, rec: &Recoded, n: usize, s0: usize, s1: usize) -> Vec<G1Projective> {
        let w = self.windows;
        let nb = 1usize << (self.c - 1);
        let block = nb + 1;
        let mut acc = StreamBuckets::new(block * (s1 - s0), STREAM_BATCH);
        for s in s0..s1 {
            let base = (s - s0) * block;
            for i in s * self.seg_len..((s + 1) * self.seg_len).min(n) {
                if self.infinity.get(i).copied().unwrap_or(false) {
                    continue;
                }
                let neg = rec.neg[i];
                for (j, p) in self.table[i * w..(i + 1) * w].iter().enumerate() {
                    let d = rec.digit(i, j);
                    if d == 0 {
                        continue;
                    }
                    let negate = (d < 0) != neg;
                    let p = Pt { x: p.x, y: fq::cond_neg(&p.y, negate) };
                    acc.push(base + d.unsigned_abs() as usize, p);
                }
            }
        }
        acc.finish(block)
    }
}
