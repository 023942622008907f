//! CPU NTT over BLS12-381 Fr with arkworks' conventions (see `gloam_engine_core::domain`).

use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use gloam_engine_core::{Fr, NttDirection, NttOp};
use rayon::prelude::*;

/// In-place NTTs over `data.len() / size` consecutive vectors.
pub fn ntt_batch(data: &mut [Fr], size: usize, op: NttOp) {
    if size == 0 || data.is_empty() {
        return;
    }
    let mut domain = Radix2EvaluationDomain::<Fr>::new(size).expect("validated size");
    if let Some(g) = op.coset {
        domain = domain.get_coset(g).expect("nonzero coset offset");
    }
    let run = |v: &mut [Fr]| {
        let mut tmp = v.to_vec();
        match op.direction {
            NttDirection::Forward => domain.fft_in_place(&mut tmp),
            NttDirection::Inverse => domain.ifft_in_place(&mut tmp),
        }
        v.copy_from_slice(&tmp);
    };
    if data.len() == size {
        run(data);
    } else {
        data.par_chunks_mut(size).for_each(run);
    }
}
