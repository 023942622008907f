//! CPU NTT over BLS12-381 Fr with arkworks' conventions (see `gloam_engine_core::domain`).
//!
//! Iterative radix-2 Cooley–Tukey (decimation in time) after a bit-reversal permutation, with
//! exact field arithmetic, so results equal `Radix2EvaluationDomain` bit for bit whatever the
//! order of operations. What makes it faster than calling arkworks:
//!
//! * twiddles cached per (size, direction) in stage-major layout: the stage with half-size `m`
//!   reads `ω_{2m}^0 … ω_{2m}^{m−1}` contiguously instead of striding through one table;
//! * the wide stages go two at a time (radix-4 sweeps), halving their memory traffic;
//! * the first stages run block by block (`BLOCK` elements, cache-resident) before the wide
//!   stages sweep the whole vector;
//! * inlined Montgomery products (MULX/ADX assembly where available, see `fr`);
//! * coset scaling and the 1/n factor fused into one pass;
//! * rayon over batch items when there are enough of them, inside the transform otherwise.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use ark_ff::{Field, One};
use gloam_engine_core::{domain, Fr, NttDirection, NttOp};
use rayon::prelude::*;

use crate::fr;

/// Elements per cache block for the early stages (128 KiB of Fr).
const BLOCK: usize = 1 << 12;
/// Below this size a single transform is not split across threads.
const PAR_MIN: usize = 1 << 12;
/// Sizes up to this are cached; larger tables are rebuilt per call.
const CACHE_MAX_LOG: u32 = 22;

/// `tw[m + j] = ω_{2m}^j` for every stage half-size `m` (a power of two below n) and `j < m`.
struct Twiddles {
    tw: Vec<Fr>,
}

fn twiddles(log_n: u32, inverse: bool) -> Arc<Twiddles> {
    type Cache = Mutex<HashMap<(u32, bool), Arc<Twiddles>>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    if log_n <= CACHE_MAX_LOG {
        let cache = CACHE.get_or_init(Default::default);
        if let Some(t) = cache.lock().ok().and_then(|c| c.get(&(log_n, inverse)).cloned()) {
            return t;
        }
        let t = Arc::new(build_twiddles(log_n, inverse));
        if let Ok(mut c) = cache.lock() {
            c.insert((log_n, inverse), t.clone());
        }
        t
    } else {
        Arc::new(build_twiddles(log_n, inverse))
    }
}

fn build_twiddles(log_n: u32, inverse: bool) -> Twiddles {
    let n = 1usize << log_n;
    let mut tw = vec![Fr::one(); n.max(2)];
    if n < 2 {
        return Twiddles { tw };
    }
    let w = domain::root_of_unity(log_n);
    let w = if inverse { w.inverse().unwrap_or(w) } else { w };
    let half = n / 2;
    // Top stage: ω^0 … ω^(n/2−1), computed in parallel chunks from ω^start.
    tw[half..].par_chunks_mut(1 << 10).enumerate().for_each(|(k, chunk)| {
        let mut acc = w.pow([(k << 10) as u64]);
        for x in chunk {
            *x = acc;
            acc = fr::mul(&acc, &w);
        }
    });
    // Lower stages: ω_{2m}^j = ω_{4m}^{2j}.
    let mut m = half / 2;
    while m >= 1 {
        for j in 0..m {
            tw[m + j] = tw[2 * m + 2 * j];
        }
        m /= 2;
    }
    Twiddles { tw }
}

#[inline(always)]
fn butterflies(lo: &mut [Fr], hi: &mut [Fr], tw: &[Fr], skip_first: bool) {
    let start = if skip_first {
        let (u, v) = (lo[0], hi[0]);
        lo[0] = fr::add(&u, &v);
        hi[0] = fr::sub(&u, &v);
        1
    } else {
        0
    };
    for j in start..lo.len() {
        let u = lo[j];
        let v = fr::mul(&hi[j], &tw[j]);
        lo[j] = fr::add(&u, &v);
        hi[j] = fr::sub(&u, &v);
    }
}

/// Every stage of a block that fits in it (bit-reversed input): the first stage (all twiddles
/// are 1) without products, then pairs of stages as radix-4 sweeps.
#[inline(always)]
fn stages_local(data: &mut [Fr], tw: &[Fr]) {
    let n = data.len();
    if n < 2 {
        return;
    }
    for block in data.chunks_exact_mut(2) {
        let (u, v) = (block[0], block[1]);
        block[0] = fr::add(&u, &v);
        block[1] = fr::sub(&u, &v);
    }
    let mut m = 2;
    while m < n {
        if 4 * m <= n {
            let t2 = &tw[m..2 * m];
            let t4 = &tw[2 * m..4 * m];
            data.chunks_exact_mut(4 * m).for_each(|blk| radix4_block(blk, m, t2, t4));
            m *= 4;
        } else {
            for block in data.chunks_exact_mut(2 * m) {
                let (lo, hi) = block.split_at_mut(m);
                butterflies(lo, hi, &tw[m..2 * m], true);
            }
            m *= 2;
        }
    }
}

fn bit_reverse(data: &mut [Fr], parallel: bool) {
    let n = data.len();
    if n <= 2 {
        return;
    }
    let shift = usize::BITS - n.trailing_zeros();
    if parallel {
        // Out of place: a gather parallelises where in-place swaps do not.
        const CH: usize = 1 << 10;
        let src = data.to_vec();
        data.par_chunks_mut(CH).enumerate().for_each(|(k, ch)| {
            for (i, x) in ch.iter_mut().enumerate() {
                *x = src[(k * CH + i).reverse_bits() >> shift];
            }
        });
        return;
    }
    for i in 0..n {
        let r = i.reverse_bits() >> shift;
        if i < r {
            data.swap(i, r);
        }
    }
}

/// Multiplies `data[i]` by `c·g^i` (`g = None`: by `c`).
fn scale(data: &mut [Fr], c: Fr, g: Option<Fr>, parallel: bool) {
    const CH: usize = 1 << 10;
    let f = |(k, chunk): (usize, &mut [Fr])| match g {
        Some(g) => {
            let mut acc = fr::mul(&c, &g.pow([(k * CH) as u64]));
            for x in chunk {
                *x = fr::mul(x, &acc);
                acc = fr::mul(&acc, &g);
            }
        }
        None => {
            for x in chunk {
                *x = fr::mul(x, &c);
            }
        }
    };
    if parallel {
        data.par_chunks_mut(CH).enumerate().for_each(f);
    } else {
        data.chunks_mut(CH).enumerate().for_each(f);
    }
}

/// One transform of `data` (length n = 2^log_n) with the plain domain (no coset, no 1/n).
fn transform(data: &mut [Fr], tw: &Twiddles, parallel: bool) {
    let n = data.len();
    bit_reverse(data, parallel);
    let b = BLOCK.min(n);
    if parallel {
        data.par_chunks_mut(b).for_each(|blk| stages_local(blk, &tw.tw));
    } else {
        data.chunks_mut(b).for_each(|blk| stages_local(blk, &tw.tw));
    }
    let mut m = b;
    let threads = rayon::current_num_threads();
    while m < n {
        if 4 * m <= n {
            // Two stages (m and 2m) fused: one sweep over memory instead of two.
            let t2 = &tw.tw[m..2 * m];
            let t4 = &tw.tw[2 * m..4 * m];
            if !parallel {
                data.chunks_exact_mut(4 * m).for_each(|blk| radix4_block(blk, m, t2, t4));
            } else if n / (4 * m) >= threads * 4 {
                data.par_chunks_exact_mut(4 * m).for_each(|blk| radix4_block(blk, m, t2, t4));
            } else {
                const J: usize = 1 << 9;
                for blk in data.chunks_exact_mut(4 * m) {
                    let (a, rest) = blk.split_at_mut(m);
                    let (b, rest) = rest.split_at_mut(m);
                    let (c, d) = rest.split_at_mut(m);
                    let (t4a, t4b) = t4.split_at(m);
                    a.par_chunks_mut(J)
                        .zip(b.par_chunks_mut(J))
                        .zip(c.par_chunks_mut(J))
                        .zip(d.par_chunks_mut(J))
                        .zip(t2.par_chunks(J))
                        .zip(t4a.par_chunks(J))
                        .zip(t4b.par_chunks(J))
                        .for_each(|((((((a, b), c), d), w2), w4a), w4b)| radix4(a, b, c, d, w2, w4a, w4b));
                }
            }
            m *= 4;
            continue;
        }
        let t = &tw.tw[m..2 * m];
        if !parallel {
            for block in data.chunks_exact_mut(2 * m) {
                let (lo, hi) = block.split_at_mut(m);
                butterflies(lo, hi, t, true);
            }
        } else if n / (2 * m) >= threads * 4 {
            data.par_chunks_exact_mut(2 * m).for_each(|block| {
                let (lo, hi) = block.split_at_mut(m);
                butterflies(lo, hi, t, true);
            });
        } else {
            const J: usize = 1 << 10;
            for block in data.chunks_exact_mut(2 * m) {
                let (lo, hi) = block.split_at_mut(m);
                lo.par_chunks_mut(J)
                    .zip(hi.par_chunks_mut(J))
                    .zip(t.par_chunks(J))
                    .for_each(|((l, h), tt)| butterflies(l, h, tt, false));
            }
        }
        m *= 2;
    }
}

#[inline(always)]
fn radix4_block(blk: &mut [Fr], m: usize, t2: &[Fr], t4: &[Fr]) {
    let (a, rest) = blk.split_at_mut(m);
    let (b, rest) = rest.split_at_mut(m);
    let (c, d) = rest.split_at_mut(m);
    let (t4a, t4b) = t4.split_at(m);
    radix4(a, b, c, d, t2, t4a, t4b);
}

/// Stages m and 2m of a decimation-in-time transform on the quarters a, b, c, d of a 4m block:
/// first (a, b) and (c, d) with ω_{2m}^j, then (a, c) with ω_{4m}^j and (b, d) with
/// ω_{4m}^{j+m}. The same products as two radix-2 stages, so the same exact result.
#[inline(always)]
fn radix4(a: &mut [Fr], b: &mut [Fr], c: &mut [Fr], d: &mut [Fr], w2: &[Fr], w4a: &[Fr], w4b: &[Fr]) {
    for j in 0..a.len() {
        let vb = fr::mul(&b[j], &w2[j]);
        let vd = fr::mul(&d[j], &w2[j]);
        let a1 = fr::add(&a[j], &vb);
        let b1 = fr::sub(&a[j], &vb);
        let c1 = fr::add(&c[j], &vd);
        let d1 = fr::sub(&c[j], &vd);
        let vc = fr::mul(&c1, &w4a[j]);
        let vd2 = fr::mul(&d1, &w4b[j]);
        a[j] = fr::add(&a1, &vc);
        c[j] = fr::sub(&a1, &vc);
        b[j] = fr::add(&b1, &vd2);
        d[j] = fr::sub(&b1, &vd2);
    }
}

fn run_one(data: &mut [Fr], op: NttOp, tw: &Twiddles, log_n: u32, parallel: bool) {
    match op.direction {
        NttDirection::Forward => {
            if let Some(g) = op.coset {
                scale(data, Fr::one(), Some(g), parallel);
            }
            transform(data, tw, parallel);
        }
        NttDirection::Inverse => {
            transform(data, tw, parallel);
            let ginv = op.coset.map(|g| g.inverse().unwrap_or(g));
            scale(data, domain::size_inv(log_n), ginv, parallel);
        }
    }
}

/// In-place NTTs over `data.len() / size` consecutive vectors (a trailing partial vector is
/// left untouched; sizes that are not powers of two are ignored — the facade rejects both).
pub fn ntt_batch(data: &mut [Fr], size: usize, op: NttOp) {
    if size == 0 || data.is_empty() || !domain::is_valid_size(size) {
        return;
    }
    if op.coset.is_some_and(|g| g.inverse().is_none()) {
        // A zero coset offset has no domain; arkworks refuses it too.
        return;
    }
    fr::set_adx(true);
    let log_n = size.trailing_zeros();
    let tw = twiddles(log_n, op.direction == NttDirection::Inverse);
    let items = data.len() / size;
    let data = &mut data[..items * size];
    let threads = rayon::current_num_threads();
    if items == 1 {
        run_one(data, op, &tw, log_n, size >= PAR_MIN && threads > 1);
    } else if items >= threads || size < PAR_MIN {
        data.par_chunks_mut(size).for_each(|v| run_one(v, op, &tw, log_n, false));
    } else {
        for v in data.chunks_mut(size) {
            run_one(v, op, &tw, log_n, true);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::UniformRand;
    use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
    use rand::SeedableRng;

    fn reference(data: &[Fr], op: NttOp) -> Vec<Fr> {
        let mut d = Radix2EvaluationDomain::<Fr>::new(data.len()).unwrap();
        if let Some(g) = op.coset {
            d = d.get_coset(g).unwrap();
        }
        match op.direction {
            NttDirection::Forward => d.fft(data),
            NttDirection::Inverse => d.ifft(data),
        }
    }

    #[test]
    fn all_sizes_and_cosets_match_arkworks() {
        let seed = 0x0e77_u64;
        let mut r = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
        let g = Fr::rand(&mut r);
        for log_n in 0..=14u32 {
            let n = 1usize << log_n;
            let input: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut r)).collect();
            for op in [NttOp::FORWARD, NttOp::INVERSE, NttOp::coset_forward(g), NttOp::coset_inverse(g)] {
                let mut got = input.clone();
                ntt_batch(&mut got, n, op);
                assert!(got == reference(&input, op), "n=2^{log_n} {op:?} seed={seed}");
            }
            // Round trip.
            let mut x = input.clone();
            ntt_batch(&mut x, n, NttOp::coset_forward(g));
            ntt_batch(&mut x, n, NttOp::coset_inverse(g));
            assert!(x == input, "round trip n=2^{log_n} seed={seed}");
        }
    }

    #[test]
    fn batches_and_parallel_paths_match_arkworks() {
        let seed = 0xba7c_u64;
        let mut r = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
        for (log_n, items) in [(3u32, 5usize), (12, 1), (13, 2), (14, 1), (15, 1), (16, 1), (17, 1), (10, 7), (15, 3)] {
            let n = 1usize << log_n;
            let input: Vec<Fr> = (0..n * items).map(|_| Fr::rand(&mut r)).collect();
            for op in [NttOp::FORWARD, NttOp::coset_inverse(Fr::from(7u64))] {
                let mut got = input.clone();
                ntt_batch(&mut got, n, op);
                for (k, (g, x)) in got.chunks(n).zip(input.chunks(n)).enumerate() {
                    assert!(g == reference(x, op).as_slice(), "n=2^{log_n} item {k} {op:?} seed={seed}");
                }
            }
        }
    }

    #[test]
    fn bad_arguments_do_not_panic() {
        let mut v = vec![Fr::one(); 12];
        ntt_batch(&mut v, 3, NttOp::FORWARD);
        ntt_batch(&mut v, 0, NttOp::FORWARD);
        ntt_batch(&mut v, 8, NttOp::coset_forward(Fr::from(0u64)));
        assert!(v.iter().all(|x| *x == Fr::one()));
        ntt_batch(&mut v, 8, NttOp::FORWARD); // the trailing 4 elements stay as they are
        assert!(v[8..].iter().all(|x| *x == Fr::one()));
    }
}
