//! Plain-data ciphertexts, keys and lookup tables, laid out exactly as tfhe-rs 1.8.2 stores its
//! `core_crypto` entities so that containers can be exchanged without reordering.

/// LWE ciphertext modulo 2^64: mask a_0..a_{n−1}, then the body b (tfhe `LweCiphertext<Vec<u64>>`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LweCiphertext {
    pub data: Vec<u64>,
}

impl LweCiphertext {
    pub fn from_container(data: Vec<u64>) -> Self {
        Self { data }
    }

    /// Dimension n (the container holds n + 1 words). `None` for an empty container.
    pub fn lwe_dimension(&self) -> Option<usize> {
        self.data.len().checked_sub(1)
    }

    pub fn body(&self) -> Option<u64> {
        self.data.last().copied()
    }

    /// b − ⟨a, s⟩ for a binary/integer key given as u64 (test and client helper).
    pub fn decrypt_raw(&self, key: &[u64]) -> Option<u64> {
        let (body, mask) = self.data.split_last()?;
        if mask.len() != key.len() {
            return None;
        }
        let dot = mask.iter().zip(key).fold(0u64, |acc, (a, s)| acc.wrapping_add(a.wrapping_mul(*s)));
        Some(body.wrapping_sub(dot))
    }
}

/// LWE ciphertext in u32 words modulo 2^`modulus_log` (values in the top bits), the "KS32"
/// keyswitch output (tfhe `LweCiphertext<Vec<u32>>` with a power-of-two `CiphertextModulus<u32>`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LweCiphertext32 {
    pub data: Vec<u32>,
    pub modulus_log: u32,
}

impl LweCiphertext32 {
    pub fn lwe_dimension(&self) -> Option<usize> {
        self.data.len().checked_sub(1)
    }
}

/// GLWE lookup table ("accumulator"): k + 1 polynomials of N coefficients mod 2^64, masks first
/// (tfhe `GlweCiphertext<Vec<u64>>`). Usually a trivial encryption (zero masks).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lut {
    pub data: Vec<u64>,
}

impl Lut {
    pub fn from_container(data: Vec<u64>) -> Self {
        Self { data }
    }

    /// tfhe 1.8.2 `generate_programmable_bootstrap_glwe_lut`
    /// (`core_crypto/algorithms/lwe_programmable_bootstrapping/mod.rs`): `modulus` boxes of N/modulus
    /// coefficients holding f(i)·Δ, the first half box negated and rotated to the end so that each
    /// box is centred on its message (negacyclic wrap-around).
    pub fn from_fn(
        polynomial_size: usize,
        glwe_size: usize,
        modulus: usize,
        delta: u64,
        f: impl Fn(u64) -> u64,
    ) -> Option<Self> {
        if modulus == 0 || !polynomial_size.is_multiple_of(modulus) || glwe_size == 0 {
            return None;
        }
        let box_size = polynomial_size / modulus;
        let mut body = vec![0u64; polynomial_size];
        for i in 0..modulus {
            let v = f(i as u64).wrapping_mul(delta);
            body[i * box_size..(i + 1) * box_size].fill(v);
        }
        let half = box_size / 2;
        for v in &mut body[..half] {
            *v = v.wrapping_neg();
        }
        body.rotate_left(half);
        let mut data = vec![0u64; (glwe_size - 1) * polynomial_size];
        data.extend_from_slice(&body);
        Some(Self { data })
    }
}

/// Several functions packed in one lookup table, evaluated by one blind rotation and several
/// sample extractions (tfhe 1.8.2 shortint `fill_many_lut_accumulator`, `shortint/engine/mod.rs`,
/// and `keyswitch_programmable_bootstrap_many_lut`, `shortint/atomic_pattern/ks32.rs`).
///
/// With M = message·carry boxes and F functions, inputs must be below M/F; function j occupies
/// boxes [j·M/F, (j+1)·M/F) and its result is extracted at degree j·(M/F)·(N/M).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManyLut {
    pub lut: Lut,
    /// Distance, in coefficients, between the extraction degrees of consecutive functions.
    pub stride: usize,
    pub function_count: usize,
    /// Largest input value the table is valid for (M/F − 1).
    pub max_input: u64,
}

impl ManyLut {
    pub fn from_fns(
        polynomial_size: usize,
        glwe_size: usize,
        modulus: usize,
        delta: u64,
        functions: &[&dyn Fn(u64) -> u64],
    ) -> Result<Self, crate::FheError> {
        use crate::FheError;
        let count = functions.len();
        if count == 0 {
            return Err(FheError::ManyLut("no function"));
        }
        if modulus < 2 || !polynomial_size.is_multiple_of(modulus) || glwe_size == 0 {
            return Err(FheError::ManyLut("modulus must divide N"));
        }
        if count > modulus / 2 {
            return Err(FheError::ManyLut("at most message·carry/2 functions fit in one table"));
        }
        let box_size = polynomial_size / modulus;
        let per_fn_inputs = modulus / count;
        let stride = per_fn_inputs * box_size;
        let mut body = vec![0u64; polynomial_size];
        for (j, f) in functions.iter().enumerate() {
            for x in 0..per_fn_inputs {
                let start = j * stride + x * box_size;
                body[start..start + box_size].fill(f(x as u64).wrapping_mul(delta));
            }
        }
        let half = box_size / 2;
        for v in &mut body[..half] {
            *v = v.wrapping_neg();
        }
        body.rotate_left(half);
        let mut data = vec![0u64; (glwe_size - 1) * polynomial_size];
        data.extend_from_slice(&body);
        Ok(Self { lut: Lut { data }, stride, function_count: count, max_input: per_fn_inputs as u64 - 1 })
    }
}
