//! Device-independent batch preparation: validation (typed errors before any device work), LUT
//! de-duplication, the output slots (ciphertext, extraction degree) that make many-LUT free, and
//! the word layouts both devices use (u64 as two little-endian u32 words).

use std::sync::Arc;

use gloam_fhe::{BootstrapJob, FheError, FheParams, Lut, LweCiphertext, LweCiphertext32, ManyLut};

/// What one device call computes, already validated.
pub(crate) struct Plan<'a> {
    /// Ciphertexts (one blind rotation each).
    pub count: usize,
    /// Distinct lookup tables.
    pub luts: Vec<&'a Lut>,
    /// LUT index per ciphertext.
    pub lut_idx: Vec<u32>,
    /// Outputs: (ciphertext, extraction degree), in output order.
    pub slots: Vec<[u32; 2]>,
    /// Outputs per ciphertext (1, or the function count of a many-LUT).
    pub outputs_per_ct: Vec<usize>,
}

pub(crate) fn item_err(index: usize, e: FheError) -> FheError {
    FheError::BatchItem { index, source: Box::new(e) }
}

pub(crate) fn check_big_inputs(p: &FheParams, inputs: &[LweCiphertext]) -> Result<(), FheError> {
    let big = p.big_lwe_dimension() + 1;
    for (index, ct) in inputs.iter().enumerate() {
        if ct.data.len() != big {
            return Err(item_err(index, FheError::Length { what: "batch input", expected: big, got: ct.data.len() }));
        }
    }
    Ok(())
}

/// KS32 bootstrap inputs: length n + 1, the parameters' modulus, values on its top bits.
pub(crate) fn check_small_inputs(p: &FheParams, inputs: &[LweCiphertext32]) -> Result<(), FheError> {
    let len = p.lwe_dimension + 1;
    let q = p.ks_output_modulus_log;
    for (index, ct) in inputs.iter().enumerate() {
        if ct.data.len() != len {
            return Err(item_err(
                index,
                FheError::Length { what: "bootstrap input", expected: len, got: ct.data.len() },
            ));
        }
        if ct.modulus_log != q {
            let e = FheError::Modulus { what: "bootstrap input", expected_log: q, got_log: ct.modulus_log };
            return Err(item_err(index, e));
        }
        if q < 32 {
            let low = (1u32 << (32 - q)) - 1;
            if ct.data.iter().any(|v| v & low != 0) {
                return Err(item_err(index, FheError::Unaligned { what: "bootstrap input", modulus_log: q }));
            }
        }
    }
    Ok(())
}

fn check_lut(p: &FheParams, lut: &Lut) -> Result<(), FheError> {
    let expected = p.glwe_size() * p.polynomial_size;
    if lut.data.len() != expected {
        return Err(FheError::Length { what: "lookup table", expected, got: lut.data.len() });
    }
    Ok(())
}

fn check_many(p: &FheParams, many: &ManyLut) -> Result<(), FheError> {
    check_lut(p, &many.lut)?;
    if many.function_count == 0 || (many.function_count - 1).saturating_mul(many.stride) >= p.polynomial_size {
        return Err(FheError::ManyLut("extraction degrees exceed N"));
    }
    Ok(())
}

/// One table for all inputs or one per input (gloam-fhe `bootstrap_batch` rules).
pub(crate) fn single_lut_plan<'a>(p: &FheParams, inputs: usize, luts: &[&'a Lut]) -> Result<Plan<'a>, FheError> {
    if !(luts.len() == 1 || luts.len() == inputs) || (luts.is_empty() && inputs != 0) {
        return Err(FheError::BatchShape { inputs, luts: luts.len() });
    }
    for (index, lut) in luts.iter().enumerate() {
        check_lut(p, lut).map_err(|e| item_err(index, e))?;
    }
    let mut plan = Plan {
        count: inputs,
        luts: Vec::new(),
        lut_idx: Vec::with_capacity(inputs),
        slots: Vec::with_capacity(inputs),
        outputs_per_ct: vec![1; inputs],
    };
    let mut seen: Vec<*const Lut> = Vec::new();
    for i in 0..inputs {
        let lut = if luts.len() == 1 { luts[0] } else { luts[i] };
        let idx = match seen.iter().position(|&q| std::ptr::eq(q, lut)) {
            Some(k) => k,
            None => {
                seen.push(lut);
                plan.luts.push(lut);
                plan.luts.len() - 1
            }
        };
        plan.lut_idx.push(idx as u32);
        plan.slots.push([i as u32, 0]);
    }
    Ok(plan)
}

/// Mixed single and many-LUT jobs (the integer layer's rounds).
pub(crate) fn jobs_plan<'a>(p: &FheParams, jobs: &'a [BootstrapJob]) -> Result<Plan<'a>, FheError> {
    let mut plan = Plan {
        count: jobs.len(),
        luts: Vec::new(),
        lut_idx: Vec::with_capacity(jobs.len()),
        slots: Vec::new(),
        outputs_per_ct: Vec::with_capacity(jobs.len()),
    };
    let mut seen: Vec<*const Lut> = Vec::new();
    let big = p.big_lwe_dimension() + 1;
    for (i, job) in jobs.iter().enumerate() {
        if job.input().data.len() != big {
            let e = FheError::Length { what: "batch input", expected: big, got: job.input().data.len() };
            return Err(item_err(i, e));
        }
        let (lut, degrees): (&Lut, Vec<u32>) = match job {
            BootstrapJob::Single { lut, .. } => {
                check_lut(p, lut).map_err(|e| item_err(i, e))?;
                (Arc::as_ref(lut), vec![0])
            }
            BootstrapJob::Many { lut, .. } => {
                check_many(p, lut).map_err(|e| item_err(i, e))?;
                (&lut.lut, (0..lut.function_count).map(|j| (j * lut.stride) as u32).collect())
            }
        };
        let idx = match seen.iter().position(|&q| std::ptr::eq(q, lut)) {
            Some(k) => k,
            None => {
                seen.push(lut);
                plan.luts.push(lut);
                plan.luts.len() - 1
            }
        };
        plan.lut_idx.push(idx as u32);
        plan.outputs_per_ct.push(degrees.len());
        plan.slots.extend(degrees.into_iter().map(|d| [i as u32, d]));
    }
    Ok(plan)
}

/// u64 words → little-endian u32 pairs.
pub(crate) fn push_u64s(out: &mut Vec<u32>, words: &[u64]) {
    out.reserve(2 * words.len());
    for &w in words {
        out.push(w as u32);
        out.push((w >> 32) as u32);
    }
}

pub(crate) fn u64s_from_pairs(words: &[u32]) -> Vec<u64> {
    words.chunks_exact(2).map(|c| c[0] as u64 | (c[1] as u64) << 32).collect()
}

/// ψ^bitrev(i) then ψ^−bitrev(i), i < N: the twiddles of gloam-fhe's `NegacyclicNtt` (ψ = 7^((p−1)/2N),
/// 7 generating Z_p^*), which the NTT-domain bootstrap key was computed with.
pub fn twiddles(n: usize) -> Vec<u64> {
    use gloam_fhe::ntt::{inv, mul, pow, P};
    let psi = pow(7, (P - 1) / (2 * n as u64));
    let psi_inv = inv(psi);
    let bits = n.trailing_zeros();
    let rev = |i: usize| if bits == 0 { 0 } else { i.reverse_bits() >> (usize::BITS - bits) };
    let mut pw = vec![1u64; n];
    let mut pw_inv = vec![1u64; n];
    for i in 1..n {
        pw[i] = mul(pw[i - 1], psi);
        pw_inv[i] = mul(pw_inv[i - 1], psi_inv);
    }
    let mut out: Vec<u64> = (0..n).map(|i| pw[rev(i)]).collect();
    out.extend((0..n).map(|i| pw_inv[rev(i)]));
    out
}

/// Groups the flat outputs per ciphertext.
pub(crate) fn group_outputs(plan: &Plan<'_>, flat: Vec<LweCiphertext>) -> Vec<Vec<LweCiphertext>> {
    let mut it = flat.into_iter();
    plan.outputs_per_ct.iter().map(|&k| it.by_ref().take(k).collect()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use gloam_fhe::fuzzing::TOY_PARAMS;

    fn lut(v: u64) -> Lut {
        Lut { data: vec![v; TOY_PARAMS.glwe_size() * TOY_PARAMS.polynomial_size] }
    }

    #[test]
    fn luts_are_deduplicated_and_slots_follow_inputs() {
        let (a, b) = (lut(1), lut(2));
        let plan = single_lut_plan(&TOY_PARAMS, 4, &[&a, &b, &a, &b]).unwrap();
        assert_eq!(plan.luts.len(), 2);
        assert_eq!(plan.lut_idx, vec![0, 1, 0, 1]);
        assert_eq!(plan.slots, vec![[0, 0], [1, 0], [2, 0], [3, 0]]);
        let plan = single_lut_plan(&TOY_PARAMS, 3, &[&b]).unwrap();
        assert_eq!((plan.luts.len(), plan.lut_idx.clone()), (1, vec![0, 0, 0]));
        assert!(matches!(single_lut_plan(&TOY_PARAMS, 3, &[&a, &b]), Err(FheError::BatchShape { .. })));
        assert!(matches!(single_lut_plan(&TOY_PARAMS, 2, &[]), Err(FheError::BatchShape { .. })));
        assert_eq!(single_lut_plan(&TOY_PARAMS, 0, &[]).unwrap().count, 0);
    }

    #[test]
    fn many_lut_jobs_get_one_slot_per_function() {
        let f0 = |x: u64| x;
        let f1 = |x: u64| x + 1;
        let many =
            Arc::new(ManyLut::from_fns(TOY_PARAMS.polynomial_size, 2, 16, TOY_PARAMS.delta(), &[&f0, &f1]).unwrap());
        let single = Arc::new(lut(3));
        let ct = LweCiphertext { data: vec![0; TOY_PARAMS.big_lwe_dimension() + 1] };
        let jobs = vec![
            BootstrapJob::Single { input: ct.clone(), lut: single.clone() },
            BootstrapJob::Many { input: ct.clone(), lut: many.clone() },
            BootstrapJob::Single { input: ct, lut: single },
        ];
        let plan = jobs_plan(&TOY_PARAMS, &jobs).unwrap();
        let stride = many.stride as u32;
        assert_eq!(plan.slots, vec![[0, 0], [1, 0], [1, stride], [2, 0]]);
        assert_eq!(plan.outputs_per_ct, vec![1, 2, 1]);
        assert_eq!(plan.lut_idx, vec![0, 1, 0]);
        let flat: Vec<LweCiphertext> = (0..4).map(|i| LweCiphertext { data: vec![i] }).collect();
        let grouped = group_outputs(&plan, flat);
        assert_eq!(grouped.iter().map(Vec::len).collect::<Vec<_>>(), vec![1, 2, 1]);
        assert_eq!(grouped[2][0].data, vec![3]);
    }

    #[test]
    fn word_layout_round_trips() {
        let v = vec![0, 1, u64::MAX, 0x0123_4567_89ab_cdef];
        let mut w = Vec::new();
        push_u64s(&mut w, &v);
        assert_eq!(&w[6..], &[0x89ab_cdef, 0x0123_4567]);
        assert_eq!(u64s_from_pairs(&w), v);
    }
}
