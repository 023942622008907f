//! Start of encrypted integers: radix ciphertexts of 2-bit blocks (message 2 bits + carry 2 bits,
//! as tfhe's `integer` layer with the 2_2 parameters), with every non-linear step written as a
//! bootstrap batch so a scheduler can merge them across operations.
//!
//! Block i of an unsigned integer holds digit i in base 4, encoded as m·Δ (Δ = 2^63/16) in a
//! ciphertext under the big key. Arithmetic wraps modulo 4^blocks.
//!
//! Addition uses a parallel-prefix (Hillis–Steele) carry propagation over block states
//! {NONE = 0, PROPAGATE = 1, GENERATE = 2}; it is the engine's own schedule, not tfhe's, so the
//! ciphertext bytes differ from tfhe's `integer` add while every bootstrap inside is tfhe-exact.

use crate::ciphertext::LweCiphertext;
use crate::error::FheError;
use crate::server_key::ServerKey;

/// Unsigned radix integer, least significant block first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RadixCiphertext {
    pub blocks: Vec<LweCiphertext>,
}

/// 8-bit unsigned integer: 4 blocks.
pub const EUINT8_BLOCKS: usize = 4;

/// Encrypted boolean: one block holding 0 or 1.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EBool(pub LweCiphertext);

const NONE: u64 = 0;
const PROPAGATE: u64 = 1;
const GENERATE: u64 = 2;

fn lin(a: &LweCiphertext, ka: u64, b: &LweCiphertext, kb: u64) -> LweCiphertext {
    LweCiphertext {
        data: a.data.iter().zip(&b.data).map(|(x, y)| x.wrapping_mul(ka).wrapping_add(y.wrapping_mul(kb))).collect(),
    }
}

impl ServerKey {
    fn check_block(&self, ct: &LweCiphertext, what: &'static str) -> Result<(), FheError> {
        let expected = self.params().big_lwe_dimension() + 1;
        if ct.data.len() != expected {
            return Err(FheError::Length { what, expected, got: ct.data.len() });
        }
        Ok(())
    }

    /// Trivial (noiseless, keyless) encryption of a block value.
    pub fn trivial_block(&self, m: u64) -> LweCiphertext {
        let mut data = vec![0u64; self.params().big_lwe_dimension() + 1];
        *data.last_mut().expect("non-empty") = m.wrapping_mul(self.params().delta());
        LweCiphertext { data }
    }

    /// a + b mod 4^blocks. Four bootstrap batches whatever the width (for ≤ 4 blocks):
    /// split (many-LUT: digit and state in one bootstrap), two prefix rounds, final carry-in.
    pub fn add_radix(&self, a: &RadixCiphertext, b: &RadixCiphertext) -> Result<RadixCiphertext, FheError> {
        self.check_radix_pair(a, b)?;
        let sums: Vec<LweCiphertext> = a.blocks.iter().zip(&b.blocks).map(|(x, y)| lin(x, 1, y, 1)).collect();
        self.propagate_carries(sums)
    }

    /// a − b mod 4^blocks = a + (4^blocks − 1 − b) + 1: the complement is linear per block
    /// (3 − b_i) and the +1 enters block 0's sum, so it costs the same four batches as `add_radix`.
    pub fn sub_radix(&self, a: &RadixCiphertext, b: &RadixCiphertext) -> Result<RadixCiphertext, FheError> {
        self.check_radix_pair(a, b)?;
        let msg = self.params().message_modulus;
        let top = self.trivial_block(msg - 1);
        let one = self.trivial_block(1);
        let mut sums: Vec<LweCiphertext> = a
            .blocks
            .iter()
            .zip(&b.blocks)
            .map(|(x, y)| lin(&lin(x, 1, &top, 1), 1, y, u64::MAX)) // x + 3 − y
            .collect();
        sums[0] = lin(&sums[0], 1, &one, 1);
        self.propagate_carries(sums)
    }

    fn check_radix_pair(&self, a: &RadixCiphertext, b: &RadixCiphertext) -> Result<(), FheError> {
        let blocks = a.blocks.len();
        if blocks != b.blocks.len() || blocks == 0 {
            return Err(FheError::Length { what: "radix operand blocks", expected: blocks, got: b.blocks.len() });
        }
        for (x, y) in a.blocks.iter().zip(&b.blocks) {
            self.check_block(x, "radix block")?;
            self.check_block(y, "radix block")?;
        }
        if self.params().message_modulus != 4 || self.params().carry_modulus != 4 {
            return Err(FheError::Parameters("radix arithmetic is written for message 2 bits + carry 2 bits"));
        }
        Ok(())
    }

    /// Blocks holding values in [0, 2·4) → clean digits with carries propagated (wrapping).
    fn propagate_carries(&self, sums: Vec<LweCiphertext>) -> Result<RadixCiphertext, FheError> {
        let blocks = sums.len();
        let msg = self.params().message_modulus;
        // 1. One bootstrap per block giving the digit and the state (many-LUT, two functions).
        let digit = move |x: u64| x % msg;
        let state = move |x: u64| {
            if x >= msg {
                GENERATE
            } else if x == msg - 1 {
                PROPAGATE
            } else {
                NONE
            }
        };
        let split = self.many_lut(&[&digit, &state])?;
        let mut digits = Vec::with_capacity(blocks);
        let mut states = Vec::with_capacity(blocks);
        for mut pair in self.bootstrap_many_batch(&sums, &split)? {
            let st = pair.pop().expect("two outputs");
            digits.push(pair.pop().expect("two outputs"));
            states.push(st);
        }
        // 2. Prefix over states: combine(hi, lo) = lo if hi is PROPAGATE else hi, with x = 3·hi + lo.
        let combine = self.lut(|x| {
            let (hi, lo) = (x / 3, x % 3);
            if hi == PROPAGATE {
                lo
            } else {
                hi
            }
        });
        let mut dist = 1;
        while dist < blocks {
            let inputs: Vec<LweCiphertext> = (dist..blocks).map(|j| lin(&states[j], 3, &states[j - dist], 1)).collect();
            let outs = self.bootstrap_batch(&inputs, &[&combine])?;
            for (j, o) in (dist..blocks).zip(outs) {
                states[j] = o;
            }
            dist *= 2;
        }
        // 3. Block i gets a carry iff the prefix state of block i − 1 is GENERATE; x = digit + 4·state.
        let finish = self.lut(move |x| ((x % msg) + u64::from(x / msg == GENERATE)) % msg);
        let inputs: Vec<LweCiphertext> = (1..blocks).map(|i| lin(&digits[i], 1, &states[i - 1], msg)).collect();
        let outs = self.bootstrap_batch(&inputs, &[&finish])?;
        let mut result = Vec::with_capacity(blocks);
        result.push(digits[0].clone());
        result.extend(outs);
        Ok(RadixCiphertext { blocks: result })
    }

    fn bool_gate(&self, a: &EBool, b: &EBool, f: impl Fn(u64, u64) -> u64) -> Result<EBool, FheError> {
        self.check_block(&a.0, "ebool")?;
        self.check_block(&b.0, "ebool")?;
        let lut = self.lut(move |x| f(x / 2 % 2, x % 2));
        let out = self.bootstrap_batch(&[lin(&a.0, 2, &b.0, 1)], &[&lut])?;
        Ok(EBool(out.into_iter().next().expect("one output")))
    }

    pub fn ebool_and(&self, a: &EBool, b: &EBool) -> Result<EBool, FheError> {
        self.bool_gate(a, b, |x, y| x & y)
    }

    pub fn ebool_or(&self, a: &EBool, b: &EBool) -> Result<EBool, FheError> {
        self.bool_gate(a, b, |x, y| x | y)
    }

    pub fn ebool_xor(&self, a: &EBool, b: &EBool) -> Result<EBool, FheError> {
        self.bool_gate(a, b, |x, y| x ^ y)
    }

    /// 1 − a: linear, no bootstrap.
    pub fn ebool_not(&self, a: &EBool) -> Result<EBool, FheError> {
        self.check_block(&a.0, "ebool")?;
        let one = self.trivial_block(1);
        Ok(EBool(LweCiphertext { data: one.data.iter().zip(&a.0.data).map(|(o, x)| o.wrapping_sub(*x)).collect() }))
    }
}

/// Block comparison states for `lt_radix` (ordered so that "equal" is the neutral element).
const LESS: u64 = 0;
const EQUAL: u64 = 1;
const GREATER: u64 = 2;

impl ServerKey {
    /// One bootstrap per block on x = 4·a_i + b_i with `op(a_i, b_i)`.
    fn blockwise(
        &self,
        a: &RadixCiphertext,
        b: &RadixCiphertext,
        op: impl Fn(u64, u64) -> u64,
    ) -> Result<Vec<LweCiphertext>, FheError> {
        self.check_radix_pair(a, b)?;
        let msg = self.params().message_modulus;
        let lut = self.lut(move |x| op(x / msg, x % msg));
        let inputs: Vec<LweCiphertext> = a.blocks.iter().zip(&b.blocks).map(|(x, y)| lin(x, msg, y, 1)).collect();
        self.bootstrap_batch(&inputs, &[&lut])
    }

    /// Bitwise AND, one bootstrap batch.
    pub fn bitand_radix(&self, a: &RadixCiphertext, b: &RadixCiphertext) -> Result<RadixCiphertext, FheError> {
        Ok(RadixCiphertext { blocks: self.blockwise(a, b, |x, y| x & y)? })
    }

    /// Bitwise OR, one bootstrap batch.
    pub fn bitor_radix(&self, a: &RadixCiphertext, b: &RadixCiphertext) -> Result<RadixCiphertext, FheError> {
        Ok(RadixCiphertext { blocks: self.blockwise(a, b, |x, y| x | y)? })
    }

    /// Bitwise XOR, one bootstrap batch.
    pub fn bitxor_radix(&self, a: &RadixCiphertext, b: &RadixCiphertext) -> Result<RadixCiphertext, FheError> {
        Ok(RadixCiphertext { blocks: self.blockwise(a, b, |x, y| x ^ y)? })
    }

    /// a == b: per-block equality bits (one batch), summed linearly, then one bootstrap
    /// (sum == blocks). Needs blocks < message·carry.
    pub fn eq_radix(&self, a: &RadixCiphertext, b: &RadixCiphertext) -> Result<EBool, FheError> {
        let blocks = a.blocks.len();
        if blocks as u64 >= self.params().message_modulus * self.params().carry_modulus {
            return Err(FheError::Parameters("eq_radix: too many blocks for one summing bootstrap"));
        }
        let bits = self.blockwise(a, b, |x, y| u64::from(x == y))?;
        let sum = bits[1..].iter().fold(bits[0].clone(), |acc, x| lin(&acc, 1, x, 1));
        let all = self.lut(move |x| u64::from(x == blocks as u64));
        let out = self.bootstrap_batch(&[sum], &[&all])?;
        Ok(EBool(out.into_iter().next().expect("one output")))
    }

    /// Unsigned a < b: per-block {LESS, EQUAL, GREATER} (one batch), then a tree of
    /// "most significant non-equal block wins" combines, x = 3·hi + lo (⌈log2 blocks⌉ batches);
    /// the last combine maps straight to the boolean.
    pub fn lt_radix(&self, a: &RadixCiphertext, b: &RadixCiphertext) -> Result<EBool, FheError> {
        let mut states = self.blockwise(a, b, |x, y| match x.cmp(&y) {
            std::cmp::Ordering::Less => LESS,
            std::cmp::Ordering::Equal => EQUAL,
            std::cmp::Ordering::Greater => GREATER,
        })?;
        let combine = |hi: u64, lo: u64| if hi == EQUAL { lo } else { hi };
        let pair_lut = self.lut(move |x| combine(x / 3, x % 3));
        let final_lut = self.lut(move |x| u64::from(combine(x / 3, x % 3) == LESS));
        if states.len() == 1 {
            let lut = self.lut(|x| u64::from(x == LESS));
            let out = self.bootstrap_batch(&states, &[&lut])?;
            return Ok(EBool(out.into_iter().next().expect("one output")));
        }
        loop {
            // pair (lo = 2j, hi = 2j + 1); an odd top block passes through unchanged
            let pairs = states.len() / 2;
            let inputs: Vec<LweCiphertext> =
                (0..pairs).map(|j| lin(&states[2 * j + 1], 3, &states[2 * j], 1)).collect();
            let last = states.len() == 2;
            let outs = self.bootstrap_batch(&inputs, &[if last { &final_lut } else { &pair_lut }])?;
            if last {
                return Ok(EBool(outs.into_iter().next().expect("one output")));
            }
            let carry_over = if states.len() % 2 == 1 { states.pop() } else { None };
            states = outs;
            states.extend(carry_over);
        }
    }
}

impl ServerKey {
    /// a > b = b < a.
    pub fn gt_radix(&self, a: &RadixCiphertext, b: &RadixCiphertext) -> Result<EBool, FheError> {
        self.lt_radix(b, a)
    }

    /// a ≤ b = ¬(b < a) (the negation is linear).
    pub fn le_radix(&self, a: &RadixCiphertext, b: &RadixCiphertext) -> Result<EBool, FheError> {
        self.ebool_not(&self.lt_radix(b, a)?)
    }

    /// a ≥ b = ¬(a < b).
    pub fn ge_radix(&self, a: &RadixCiphertext, b: &RadixCiphertext) -> Result<EBool, FheError> {
        self.ebool_not(&self.lt_radix(a, b)?)
    }

    /// cond ? a : b, one batch of 2·blocks bootstraps: block i = keep(a_i, cond) + keep(b_i, ¬cond),
    /// keep(x, c) = c·x computed on x + 4·c, and the two kept blocks cannot both be non-zero.
    pub fn select_radix(
        &self,
        cond: &EBool,
        a: &RadixCiphertext,
        b: &RadixCiphertext,
    ) -> Result<RadixCiphertext, FheError> {
        self.check_radix_pair(a, b)?;
        self.check_block(&cond.0, "ebool")?;
        let msg = self.params().message_modulus;
        let not_cond = self.ebool_not(cond)?;
        let keep = self.lut(move |x| if x / msg == 1 { x % msg } else { 0 });
        let mut inputs: Vec<LweCiphertext> = a.blocks.iter().map(|x| lin(x, 1, &cond.0, msg)).collect();
        inputs.extend(b.blocks.iter().map(|y| lin(y, 1, &not_cond.0, msg)));
        let kept = self.bootstrap_batch(&inputs, &[&keep])?;
        let n = a.blocks.len();
        Ok(RadixCiphertext { blocks: (0..n).map(|i| lin(&kept[i], 1, &kept[n + i], 1)).collect() })
    }

    /// min(a, b) = (a < b) ? a : b.
    pub fn min_radix(&self, a: &RadixCiphertext, b: &RadixCiphertext) -> Result<RadixCiphertext, FheError> {
        self.select_radix(&self.lt_radix(a, b)?, a, b)
    }

    /// max(a, b) = (a < b) ? b : a.
    pub fn max_radix(&self, a: &RadixCiphertext, b: &RadixCiphertext) -> Result<RadixCiphertext, FheError> {
        self.select_radix(&self.lt_radix(a, b)?, b, a)
    }
}
