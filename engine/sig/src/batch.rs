//! Locating the bad items after a random-linear-combination batch check failed.
//!
//! An RLC check only says "all valid" or "something is invalid". We bisect: check the left half;
//! if it passes, the right half must hold the culprit, so it is split without being checked
//! again (one bad item in n costs at most 2·log₂n sub-batches, k bad items about 2k·log₂(n/k)).
//! Small sub-batches go straight to individual checks. An attacker can make every batch fail,
//! so once more than about n/log₂n bad items have been found the rest is checked individually:
//! the worst case stays within a constant of individual verification.

use rayon::prelude::*;

/// Sub-batches this small are cheaper to check one by one than to split further.
const LEAF: usize = 4;

/// Fills `out[i]` for every index in `idx`, given that `idx` as a whole failed the batch check.
/// `batch_ok(subset)` is an RLC check of a subset; `single(i)` the individual verdict.
pub(crate) fn locate<B, S>(idx: &[usize], batch_ok: &B, single: &S, out: &mut [bool])
where
    B: Fn(&[usize]) -> bool + Sync,
    S: Fn(usize) -> bool + Sync,
{
    let n = idx.len();
    let log = (usize::BITS - n.max(2).leading_zeros()) as usize;
    let budget = (n / log).max(1);
    let mut bad = 0usize;
    let mut pending: Vec<&[usize]> = Vec::new();
    rec(idx, true, batch_ok, single, out, &mut bad, budget, &mut pending);
    // Leftover groups after the budget ran out: individual checks, in parallel.
    let rest: Vec<usize> = pending.into_iter().flatten().copied().collect();
    let verdicts: Vec<bool> = rest.par_iter().map(|&i| single(i)).collect();
    for (i, v) in rest.into_iter().zip(verdicts) {
        out[i] = v;
    }
}

#[allow(clippy::too_many_arguments)]
fn rec<'a, B, S>(
    idx: &'a [usize],
    known_bad: bool,
    batch_ok: &B,
    single: &S,
    out: &mut [bool],
    bad: &mut usize,
    budget: usize,
    pending: &mut Vec<&'a [usize]>,
) where
    B: Fn(&[usize]) -> bool + Sync,
    S: Fn(usize) -> bool + Sync,
{
    if idx.is_empty() {
        return;
    }
    if *bad > budget {
        pending.push(idx);
        return;
    }
    if !known_bad && batch_ok(idx) {
        for &i in idx {
            out[i] = true;
        }
        return;
    }
    if idx.len() <= LEAF {
        for &i in idx {
            let v = single(i);
            out[i] = v;
            if !v {
                *bad += 1;
            }
        }
        return;
    }
    let (l, r) = idx.split_at(idx.len() / 2);
    let left_ok = batch_ok(l);
    if left_ok {
        for &i in l {
            out[i] = true;
        }
        // The whole failed and the left passed: the right is bad, no need to check it.
        rec(r, true, batch_ok, single, out, bad, budget, pending);
    } else {
        rec(l, true, batch_ok, single, out, bad, budget, pending);
        rec(r, false, batch_ok, single, out, bad, budget, pending);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn run(valid: &[bool]) -> (Vec<bool>, usize, usize) {
        let batches = AtomicUsize::new(0);
        let singles = AtomicUsize::new(0);
        let idx: Vec<usize> = (0..valid.len()).collect();
        let mut out = vec![false; valid.len()];
        locate(
            &idx,
            &|s: &[usize]| {
                batches.fetch_add(1, Ordering::Relaxed);
                s.iter().all(|&i| valid[i])
            },
            &|i| {
                singles.fetch_add(1, Ordering::Relaxed);
                valid[i]
            },
            &mut out,
        );
        (out, batches.into_inner(), singles.into_inner())
    }

    #[test]
    fn finds_every_bad_item_in_every_pattern() {
        for n in [1usize, 2, 3, 5, 8, 17, 64, 100] {
            for pattern in 0..40u64 {
                let valid: Vec<bool> = (0..n)
                    .map(|i| (pattern.wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(i as u32 % 64) >> 3) % 5 != 0)
                    .collect();
                if valid.iter().all(|&v| v) {
                    continue;
                }
                let (out, _, _) = run(&valid);
                assert_eq!(out, valid, "n={n} pattern={pattern}");
            }
        }
    }

    #[test]
    fn one_bad_item_costs_at_most_2_log_n_batches() {
        let mut valid = vec![true; 1024];
        valid[777] = false;
        let (out, batches, singles) = run(&valid);
        assert_eq!(out, valid);
        assert!(batches <= 2 * 10, "{batches} sub-batches");
        assert!(singles <= LEAF, "{singles} singles");
    }

    #[test]
    fn all_bad_is_bounded_by_individual_cost() {
        let valid = vec![false; 1024];
        let (out, batches, singles) = run(&valid);
        assert_eq!(out, valid);
        assert_eq!(singles, 1024);
        assert!(batches < 1024 / 4, "{batches} sub-batches for 1024 bad items");
    }
}
