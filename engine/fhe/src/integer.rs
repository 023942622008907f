//! Encrypted integers: radix ciphertexts of 2-bit blocks (message 2 bits + carry 2 bits, as
//! tfhe's `integer` layer with the 2_2 parameters), generic over the block count (`euint8` = 4
//! blocks … `euint64` = 32 blocks). Every non-linear step is one round of independent bootstraps
//! handed to a [`BootstrapExecutor`], so the [`crate::scheduler::BootstrapScheduler`] can merge
//! the rounds of many operations into one engine call.
//!
//! Block i of an unsigned integer holds digit i in base 4, encoded as m·Δ (Δ = 2^63/16) in a
//! ciphertext under the big key. **All arithmetic wraps modulo 2^(2·blocks)** (like Rust's
//! `wrapping_*`); clear scalars are reduced modulo 2^(2·blocks) first; shifts by an amount ≥ the
//! width give 0, rotations take the amount modulo the width.
//!
//! Addition uses a parallel-prefix (Sklansky) carry propagation over block states
//! {NONE, PROPAGATE, GENERATE} (the carry-lookahead formulation of parallel-prefix adders:
//! Sklansky 1960, Kogge–Stone 1973; tfhe-rs's `integer` layer uses the same three-state idea in its parallel carry
//! propagation, `radix_parallel/add.rs`, with its own schedule). The schedules here are the
//! engine's own, so ciphertext bytes differ from tfhe's `integer` layer while every bootstrap
//! inside is tfhe-exact.

use std::sync::Arc;

use crate::ciphertext::{Lut, LweCiphertext, ManyLut};
use crate::error::FheError;
use crate::server_key::ServerKey;

/// Unsigned radix integer, least significant block first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RadixCiphertext {
    pub blocks: Vec<LweCiphertext>,
}

/// 8-bit unsigned integer: 4 blocks.
pub const EUINT8_BLOCKS: usize = 4;
/// 16-bit unsigned integer: 8 blocks.
pub const EUINT16_BLOCKS: usize = 8;
/// 32-bit unsigned integer: 16 blocks.
pub const EUINT32_BLOCKS: usize = 16;
/// 64-bit unsigned integer: 32 blocks.
pub const EUINT64_BLOCKS: usize = 32;
/// Widest supported integer, in blocks (clear scalars are u64).
pub const MAX_BLOCKS: usize = 32;

/// Encrypted boolean: one block holding 0 or 1.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EBool(pub LweCiphertext);

/// One bootstrap of a round: a big-key ciphertext and its table (one function, or several
/// functions extracted from one blind rotation).
#[derive(Clone, Debug)]
pub enum BootstrapJob {
    Single { input: LweCiphertext, lut: Arc<Lut> },
    Many { input: LweCiphertext, lut: Arc<ManyLut> },
}

impl BootstrapJob {
    pub fn input(&self) -> &LweCiphertext {
        match self {
            BootstrapJob::Single { input, .. } | BootstrapJob::Many { input, .. } => input,
        }
    }

    /// Number of output ciphertexts.
    pub fn outputs(&self) -> usize {
        match self {
            BootstrapJob::Single { .. } => 1,
            BootstrapJob::Many { lut, .. } => lut.function_count,
        }
    }
}

/// Runs one round of independent bootstraps. The server key runs it at once; the scheduler's
/// per-operation handle parks it until every operation has submitted its round.
pub trait BootstrapExecutor {
    fn execute(&self, jobs: Vec<BootstrapJob>) -> Result<Vec<Vec<LweCiphertext>>, FheError>;
}

impl BootstrapExecutor for ServerKey {
    fn execute(&self, jobs: Vec<BootstrapJob>) -> Result<Vec<Vec<LweCiphertext>>, FheError> {
        self.bootstrap_jobs(&jobs)
    }
}

/// Wraps the server key and counts rounds (calls) and bootstraps, to measure an operation's depth.
pub struct CountingExecutor<'a> {
    pub server: &'a ServerKey,
    pub calls: std::sync::atomic::AtomicUsize,
    pub bootstraps: std::sync::atomic::AtomicUsize,
}

impl<'a> CountingExecutor<'a> {
    pub fn new(server: &'a ServerKey) -> Self {
        Self { server, calls: Default::default(), bootstraps: Default::default() }
    }
    pub fn calls(&self) -> usize {
        self.calls.load(std::sync::atomic::Ordering::Relaxed)
    }
    pub fn bootstraps(&self) -> usize {
        self.bootstraps.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl BootstrapExecutor for CountingExecutor<'_> {
    fn execute(&self, jobs: Vec<BootstrapJob>) -> Result<Vec<Vec<LweCiphertext>>, FheError> {
        use std::sync::atomic::Ordering::Relaxed;
        self.calls.fetch_add(1, Relaxed);
        self.bootstraps.fetch_add(jobs.len(), Relaxed);
        self.server.bootstrap_jobs(&jobs)
    }
}

/// Noise bound: every bootstrap input is a linear combination Σ k_i·c_i of ciphertexts that are
/// fresh, bootstrapped or trivial, with Σ |k_i| ≤ 5 (tfhe's `max_noise_level` for the 2_2
/// parameter sets, the bound under which the parameters' failure probability is computed: tfhe
/// `shortint/parameters` `MaxNoiseLevel`, checked by its `NoiseLevel` bookkeeping). Bivariate
/// tables 4·x + y sit exactly on it; every output of a public operation is a single bootstrap
/// output, a trivial block or 3 − x / 1 − x of one, so operations compose freely.
const MAX_NOISE_LEVEL: u64 = 5;

const NONE: u64 = 0;
const PROPAGATE: u64 = 1;
const GENERATE: u64 = 2;

/// Block comparison states for `lt` (ordered so that "equal" is the neutral element).
const LESS: u64 = 0;
const EQUAL: u64 = 1;
const GREATER: u64 = 2;

fn lin(a: &LweCiphertext, ka: u64, b: &LweCiphertext, kb: u64) -> LweCiphertext {
    LweCiphertext {
        data: a.data.iter().zip(&b.data).map(|(x, y)| x.wrapping_mul(ka).wrapping_add(y.wrapping_mul(kb))).collect(),
    }
}

fn sum_all(cts: &[LweCiphertext]) -> LweCiphertext {
    cts[1..].iter().fold(cts[0].clone(), |acc, x| lin(&acc, 1, x, 1))
}

/// 2^(2·blocks) − 1 as a u64 mask (blocks ≤ 32).
fn width_mask(blocks: usize) -> u64 {
    if blocks >= 32 {
        u64::MAX
    } else {
        (1u64 << (2 * blocks)) - 1
    }
}

/// Integer operations over a server key, with the bootstraps of each round sent to `exec`.
pub struct Radix<'a> {
    sk: &'a ServerKey,
    exec: &'a dyn BootstrapExecutor,
}

impl ServerKey {
    /// Integer operations that run their bootstrap rounds directly on this key.
    pub fn radix(&self) -> Radix<'_> {
        Radix { sk: self, exec: self }
    }

    /// Trivial (noiseless, keyless) encryption of a block value.
    pub fn trivial_block(&self, m: u64) -> LweCiphertext {
        let mut data = vec![0u64; self.params().big_lwe_dimension() + 1];
        *data.last_mut().expect("non-empty") = m.wrapping_mul(self.params().delta());
        LweCiphertext { data }
    }

    /// Trivial encryption of `value mod 2^(2·blocks)` as a radix integer.
    pub fn trivial_radix(&self, value: u64, blocks: usize) -> Result<RadixCiphertext, FheError> {
        if blocks == 0 || blocks > MAX_BLOCKS {
            return Err(FheError::Width { what: "radix width (blocks)", max: MAX_BLOCKS, got: blocks });
        }
        Ok(RadixCiphertext { blocks: (0..blocks).map(|i| self.trivial_block((value >> (2 * i)) & 3)).collect() })
    }
}

impl<'a> Radix<'a> {
    pub fn new(sk: &'a ServerKey, exec: &'a dyn BootstrapExecutor) -> Self {
        Self { sk, exec }
    }

    pub fn server_key(&self) -> &'a ServerKey {
        self.sk
    }

    fn msg(&self) -> u64 {
        self.sk.params().message_modulus
    }

    fn lut(&self, f: impl Fn(u64) -> u64) -> Arc<Lut> {
        Arc::new(self.sk.lut(f))
    }

    fn check_block(&self, ct: &LweCiphertext, what: &'static str) -> Result<(), FheError> {
        let expected = self.sk.params().big_lwe_dimension() + 1;
        if ct.data.len() != expected {
            return Err(FheError::Length { what, expected, got: ct.data.len() });
        }
        Ok(())
    }

    fn check_radix(&self, a: &RadixCiphertext) -> Result<(), FheError> {
        if self.sk.params().message_modulus != 4 || self.sk.params().carry_modulus != 4 {
            return Err(FheError::Parameters("radix arithmetic is written for message 2 bits + carry 2 bits"));
        }
        if a.blocks.is_empty() || a.blocks.len() > MAX_BLOCKS {
            return Err(FheError::Width { what: "radix width (blocks)", max: MAX_BLOCKS, got: a.blocks.len() });
        }
        for x in &a.blocks {
            self.check_block(x, "radix block")?;
        }
        Ok(())
    }

    fn check_pair(&self, a: &RadixCiphertext, b: &RadixCiphertext) -> Result<(), FheError> {
        self.check_radix(a)?;
        self.check_radix(b)?;
        if a.blocks.len() != b.blocks.len() {
            return Err(FheError::WidthMismatch { left: a.blocks.len(), right: b.blocks.len() });
        }
        Ok(())
    }

    /// One round: one output per input (empty rounds are not sent).
    fn round(&self, jobs: Vec<BootstrapJob>) -> Result<Vec<Vec<LweCiphertext>>, FheError> {
        if jobs.is_empty() {
            return Ok(Vec::new());
        }
        let expected: Vec<usize> = jobs.iter().map(BootstrapJob::outputs).collect();
        let outs = self.exec.execute(jobs)?;
        if outs.len() != expected.len() || outs.iter().zip(&expected).any(|(o, &e)| o.len() != e) {
            return Err(FheError::Parameters("executor returned a round of the wrong shape"));
        }
        Ok(outs)
    }

    fn batch(&self, inputs: Vec<LweCiphertext>, lut: &Arc<Lut>) -> Result<Vec<LweCiphertext>, FheError> {
        let jobs = inputs.into_iter().map(|input| BootstrapJob::Single { input, lut: lut.clone() }).collect();
        Ok(self.round(jobs)?.into_iter().map(|mut v| v.pop().expect("shape checked")).collect())
    }

    fn batch_each(&self, items: Vec<(LweCiphertext, Arc<Lut>)>) -> Result<Vec<LweCiphertext>, FheError> {
        let jobs = items.into_iter().map(|(input, lut)| BootstrapJob::Single { input, lut }).collect();
        Ok(self.round(jobs)?.into_iter().map(|mut v| v.pop().expect("shape checked")).collect())
    }

    fn one(&self, input: LweCiphertext, lut: &Arc<Lut>) -> Result<LweCiphertext, FheError> {
        Ok(self.batch(vec![input], lut)?.pop().expect("one output"))
    }

    // ---------------------------------------------------------------- addition family

    /// a + b (wrapping). Rounds: 1 split + ⌈log2 blocks⌉ prefix + 1 carry-in.
    pub fn add(&self, a: &RadixCiphertext, b: &RadixCiphertext) -> Result<RadixCiphertext, FheError> {
        self.check_pair(a, b)?;
        let sums = a.blocks.iter().zip(&b.blocks).map(|(x, y)| lin(x, 1, y, 1)).collect();
        self.propagate_carries(sums)
    }

    /// a − b (wrapping) = a + (4^blocks − 1 − b) + 1: the complement is linear per block (3 − b_i)
    /// and the +1 enters block 0's sum, so it costs the same rounds as `add`.
    pub fn sub(&self, a: &RadixCiphertext, b: &RadixCiphertext) -> Result<RadixCiphertext, FheError> {
        self.check_pair(a, b)?;
        let top = self.sk.trivial_block(self.msg() - 1);
        let one = self.sk.trivial_block(1);
        let mut sums: Vec<LweCiphertext> =
            a.blocks.iter().zip(&b.blocks).map(|(x, y)| lin(&lin(x, 1, &top, 1), 1, y, u64::MAX)).collect();
        sums[0] = lin(&sums[0], 1, &one, 1);
        self.propagate_carries(sums)
    }

    /// −a (wrapping) = 0 − a.
    pub fn neg(&self, a: &RadixCiphertext) -> Result<RadixCiphertext, FheError> {
        self.check_radix(a)?;
        let zero = self.sk.trivial_radix(0, a.blocks.len())?;
        self.sub(&zero, a)
    }

    /// a + c (wrapping, c reduced mod 2^(2·blocks)): the clear digits are added linearly, then
    /// one carry propagation.
    pub fn scalar_add(&self, a: &RadixCiphertext, c: u64) -> Result<RadixCiphertext, FheError> {
        self.check_radix(a)?;
        let sums = a
            .blocks
            .iter()
            .enumerate()
            .map(|(i, x)| lin(x, 1, &self.sk.trivial_block((c >> (2 * i)) & 3), 1))
            .collect();
        self.propagate_carries(sums)
    }

    /// a − c (wrapping) = a + (−c mod 2^(2·blocks)).
    pub fn scalar_sub(&self, a: &RadixCiphertext, c: u64) -> Result<RadixCiphertext, FheError> {
        self.check_radix(a)?;
        self.scalar_add(a, c.wrapping_neg() & width_mask(a.blocks.len()))
    }

    /// c − a (wrapping).
    pub fn scalar_rsub(&self, c: u64, a: &RadixCiphertext) -> Result<RadixCiphertext, FheError> {
        self.check_radix(a)?;
        let c = self.sk.trivial_radix(c, a.blocks.len())?;
        self.sub(&c, a)
    }

    /// Blocks holding values in [0, 2·4) → clean digits with carries propagated (wrapping).
    fn propagate_carries(&self, sums: Vec<LweCiphertext>) -> Result<RadixCiphertext, FheError> {
        let blocks = sums.len();
        let msg = self.msg();
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
        let split = Arc::new(self.sk.many_lut(&[&digit, &state])?);
        let jobs = sums.into_iter().map(|input| BootstrapJob::Many { input, lut: split.clone() }).collect();
        let mut digits = Vec::with_capacity(blocks);
        let mut states = Vec::with_capacity(blocks);
        for mut pair in self.round(jobs)? {
            let st = pair.pop().expect("two outputs");
            digits.push(pair.pop().expect("two outputs"));
            states.push(st);
        }
        // 2. Prefix over states: combine(hi, lo) = lo if hi is PROPAGATE else hi, with x = 3·hi + lo.
        // Only states 0..blocks−2 are needed (the top carry-out is dropped: wrapping).
        let combine = self.lut(|x| {
            let (hi, lo) = (x / 3, x % 3);
            if hi == PROPAGATE {
                lo
            } else {
                hi
            }
        });
        // Sklansky's prefix (Sklansky 1960, "Conditional-sum addition logic"): at level d every
        // state j with bit d set absorbs the state just below its aligned 2^d-block, which
        // already covers that whole block. Same depth as Hillis–Steele (⌈log2⌉ rounds) with
        // about n/2 bootstraps per round instead of n − 2^d.
        let needed = blocks.saturating_sub(1);
        let mut d = 0;
        while (1usize << d) < needed {
            let targets: Vec<usize> = (0..needed).filter(|j| (j >> d) & 1 == 1).collect();
            let inputs: Vec<LweCiphertext> =
                targets.iter().map(|&j| lin(&states[j], 3, &states[((j >> d) << d) - 1], 1)).collect();
            let outs = self.batch(inputs, &combine)?;
            for (j, o) in targets.into_iter().zip(outs) {
                states[j] = o;
            }
            d += 1;
        }
        // 3. Block i gets a carry iff the prefix state of block i − 1 is GENERATE; x = digit + 4·state.
        let finish = self.lut(move |x| ((x % msg) + u64::from(x / msg == GENERATE)) % msg);
        let inputs: Vec<LweCiphertext> = (1..blocks).map(|i| lin(&digits[i], 1, &states[i - 1], msg)).collect();
        let outs = self.batch(inputs, &finish)?;
        let mut result = Vec::with_capacity(blocks);
        result.push(digits.swap_remove(0));
        result.extend(outs);
        Ok(RadixCiphertext { blocks: result })
    }

    // ---------------------------------------------------------------- multiplication

    /// a · b (wrapping). Schoolbook: one round computes, for every block pair (i, j) with
    /// i + j < blocks, the low digit of a_i·b_j (column i + j) and, below the top column, its high
    /// digit (column i + j + 1), as bivariate tables on 4·a_i + b_j. Then columns are reduced in
    /// rounds (groups of ≤ 5 digits, sum ≤ 15, split into low/high digit) until each column holds
    /// ≤ 2 digits (a carry-save / Wallace-style reduction, Wallace 1964), and one carry
    /// propagation adds the two rows.
    pub fn mul(&self, a: &RadixCiphertext, b: &RadixCiphertext) -> Result<RadixCiphertext, FheError> {
        self.check_pair(a, b)?;
        let n = a.blocks.len();
        let msg = self.msg();
        let lo = self.lut(move |x| ((x / msg) * (x % msg)) % msg);
        let hi = self.lut(move |x| ((x / msg) * (x % msg)) / msg);
        let mut items = Vec::new();
        let mut cols = Vec::new();
        for i in 0..n {
            for j in 0..n - i {
                let x = lin(&a.blocks[i], msg, &b.blocks[j], 1);
                if i + j + 1 < n {
                    items.push((x.clone(), hi.clone()));
                    cols.push(i + j + 1);
                }
                items.push((x, lo.clone()));
                cols.push(i + j);
            }
        }
        let mut columns = vec![Vec::new(); n];
        for (c, o) in cols.into_iter().zip(self.batch_each(items)?) {
            columns[c].push(o);
        }
        self.reduce_columns(columns)
    }

    /// a · c (wrapping): partial products a_i·c_j with a clear digit are univariate tables on a_i
    /// (digit 0 is skipped, digit 1 is the block itself), then the same column reduction as `mul`.
    pub fn scalar_mul(&self, a: &RadixCiphertext, c: u64) -> Result<RadixCiphertext, FheError> {
        self.check_radix(a)?;
        let n = a.blocks.len();
        let msg = self.msg();
        let mut columns = vec![Vec::new(); n];
        let mut items = Vec::new();
        let mut cols = Vec::new();
        for j in 0..n {
            let d = (c >> (2 * j)) & 3;
            if d == 0 {
                continue;
            }
            for i in 0..n - j {
                if d == 1 {
                    columns[i + j].push(a.blocks[i].clone());
                    continue;
                }
                items.push((a.blocks[i].clone(), self.lut(move |x| (x * d) % msg)));
                cols.push(i + j);
                if i + j + 1 < n {
                    items.push((a.blocks[i].clone(), self.lut(move |x| (x * d) / msg)));
                    cols.push(i + j + 1);
                }
            }
        }
        for (c, o) in cols.into_iter().zip(self.batch_each(items)?) {
            columns[c].push(o);
        }
        self.reduce_columns(columns)
    }

    /// Columns of clean digits (weight 4^column) → the radix sum, wrapping.
    fn reduce_columns(&self, mut columns: Vec<Vec<LweCiphertext>>) -> Result<RadixCiphertext, FheError> {
        let n = columns.len();
        let msg = self.msg();
        let lo = self.lut(move |x| x % msg);
        let hi = self.lut(move |x| x / msg);
        // group size: 5 digits ≤ 3 sum to ≤ 15 < message·carry, and 5 = the noise bound
        let group = MAX_NOISE_LEVEL as usize;
        while columns.iter().any(|c| c.len() > 2) {
            let mut next = vec![Vec::new(); n];
            let mut items = Vec::new();
            let mut cols = Vec::new();
            for (k, col) in columns.iter_mut().enumerate() {
                if col.len() <= 2 {
                    next[k].append(col);
                    continue;
                }
                for chunk in col.chunks(group) {
                    if chunk.len() == 1 {
                        next[k].push(chunk[0].clone());
                        continue;
                    }
                    let s = sum_all(chunk);
                    if k + 1 < n {
                        items.push((s.clone(), hi.clone()));
                        cols.push(k + 1);
                    }
                    items.push((s, lo.clone()));
                    cols.push(k);
                }
            }
            for (c, o) in cols.into_iter().zip(self.batch_each(items)?) {
                next[c].push(o);
            }
            columns = next;
        }
        let sums =
            columns.into_iter().map(|c| if c.is_empty() { self.sk.trivial_block(0) } else { sum_all(&c) }).collect();
        self.propagate_carries(sums)
    }

    // ---------------------------------------------------------------- bitwise

    /// One bootstrap per block on x = 4·a_i + b_i with `op(a_i, b_i)`.
    fn blockwise(
        &self,
        a: &RadixCiphertext,
        b: &RadixCiphertext,
        op: impl Fn(u64, u64) -> u64,
    ) -> Result<Vec<LweCiphertext>, FheError> {
        self.check_pair(a, b)?;
        let msg = self.msg();
        let lut = self.lut(move |x| op(x / msg, x % msg));
        let inputs = a.blocks.iter().zip(&b.blocks).map(|(x, y)| lin(x, msg, y, 1)).collect();
        self.batch(inputs, &lut)
    }

    pub fn bitand(&self, a: &RadixCiphertext, b: &RadixCiphertext) -> Result<RadixCiphertext, FheError> {
        Ok(RadixCiphertext { blocks: self.blockwise(a, b, |x, y| x & y)? })
    }

    pub fn bitor(&self, a: &RadixCiphertext, b: &RadixCiphertext) -> Result<RadixCiphertext, FheError> {
        Ok(RadixCiphertext { blocks: self.blockwise(a, b, |x, y| x | y)? })
    }

    pub fn bitxor(&self, a: &RadixCiphertext, b: &RadixCiphertext) -> Result<RadixCiphertext, FheError> {
        Ok(RadixCiphertext { blocks: self.blockwise(a, b, |x, y| x ^ y)? })
    }

    /// !a: 3 − a_i per block, linear (no bootstrap; clean blocks stay clean).
    pub fn bitnot(&self, a: &RadixCiphertext) -> Result<RadixCiphertext, FheError> {
        self.check_radix(a)?;
        let top = self.sk.trivial_block(self.msg() - 1);
        Ok(RadixCiphertext { blocks: a.blocks.iter().map(|x| lin(&top, 1, x, u64::MAX)).collect() })
    }

    // ---------------------------------------------------------------- comparisons

    /// a == b: per-block equality bits (one round), then groups of ≤ 5 bits (the noise bound)
    /// summed linearly and tested (sum == group size) per round until one bit is left.
    pub fn eq(&self, a: &RadixCiphertext, b: &RadixCiphertext) -> Result<EBool, FheError> {
        let bits = self.blockwise(a, b, |x, y| u64::from(x == y))?;
        self.all_ones(bits)
    }

    fn all_ones(&self, mut bits: Vec<LweCiphertext>) -> Result<EBool, FheError> {
        let group = MAX_NOISE_LEVEL as usize;
        loop {
            let mut items = Vec::new();
            for chunk in bits.chunks(group) {
                let k = chunk.len() as u64;
                items.push((sum_all(chunk), self.lut(move |x| u64::from(x == k))));
            }
            bits = self.batch_each(items)?;
            if bits.len() == 1 {
                return Ok(EBool(bits.pop().expect("one")));
            }
        }
    }

    /// a != b.
    pub fn ne(&self, a: &RadixCiphertext, b: &RadixCiphertext) -> Result<EBool, FheError> {
        self.ebool_not(&self.eq(a, b)?)
    }

    /// Unsigned a < b: per-block {LESS, EQUAL, GREATER} (one round), then a tree of
    /// "most significant non-equal block wins" combines, x = 3·hi + lo (⌈log2 blocks⌉ rounds);
    /// the last combine maps straight to the boolean.
    pub fn lt(&self, a: &RadixCiphertext, b: &RadixCiphertext) -> Result<EBool, FheError> {
        let mut states = self.blockwise(a, b, |x, y| match x.cmp(&y) {
            std::cmp::Ordering::Less => LESS,
            std::cmp::Ordering::Equal => EQUAL,
            std::cmp::Ordering::Greater => GREATER,
        })?;
        let combine = |hi: u64, lo: u64| if hi == EQUAL { lo } else { hi };
        let pair_lut = self.lut(move |x| combine(x / 3, x % 3));
        let final_lut = self.lut(move |x| u64::from(combine(x / 3, x % 3) == LESS));
        if states.len() == 1 {
            return Ok(EBool(self.one(states.pop().expect("one"), &self.lut(|x| u64::from(x == LESS)))?));
        }
        loop {
            // pair (lo = 2j, hi = 2j + 1); an odd top block passes through unchanged
            let pairs = states.len() / 2;
            let inputs: Vec<LweCiphertext> =
                (0..pairs).map(|j| lin(&states[2 * j + 1], 3, &states[2 * j], 1)).collect();
            let last = states.len() == 2;
            let outs = self.batch(inputs, if last { &final_lut } else { &pair_lut })?;
            if last {
                return Ok(EBool(outs.into_iter().next().expect("one output")));
            }
            let carry_over = if states.len() % 2 == 1 { states.pop() } else { None };
            states = outs;
            states.extend(carry_over);
        }
    }

    pub fn gt(&self, a: &RadixCiphertext, b: &RadixCiphertext) -> Result<EBool, FheError> {
        self.lt(b, a)
    }

    pub fn le(&self, a: &RadixCiphertext, b: &RadixCiphertext) -> Result<EBool, FheError> {
        self.ebool_not(&self.lt(b, a)?)
    }

    pub fn ge(&self, a: &RadixCiphertext, b: &RadixCiphertext) -> Result<EBool, FheError> {
        self.ebool_not(&self.lt(a, b)?)
    }

    fn scalar(&self, a: &RadixCiphertext, c: u64) -> Result<RadixCiphertext, FheError> {
        self.check_radix(a)?;
        self.sk.trivial_radix(c, a.blocks.len())
    }

    /// a == c (c reduced mod 2^(2·blocks), like every scalar).
    pub fn scalar_eq(&self, a: &RadixCiphertext, c: u64) -> Result<EBool, FheError> {
        self.eq(a, &self.scalar(a, c)?)
    }
    pub fn scalar_ne(&self, a: &RadixCiphertext, c: u64) -> Result<EBool, FheError> {
        self.ne(a, &self.scalar(a, c)?)
    }
    pub fn scalar_lt(&self, a: &RadixCiphertext, c: u64) -> Result<EBool, FheError> {
        self.lt(a, &self.scalar(a, c)?)
    }
    pub fn scalar_le(&self, a: &RadixCiphertext, c: u64) -> Result<EBool, FheError> {
        self.le(a, &self.scalar(a, c)?)
    }
    pub fn scalar_gt(&self, a: &RadixCiphertext, c: u64) -> Result<EBool, FheError> {
        self.gt(a, &self.scalar(a, c)?)
    }
    pub fn scalar_ge(&self, a: &RadixCiphertext, c: u64) -> Result<EBool, FheError> {
        self.ge(a, &self.scalar(a, c)?)
    }
    pub fn scalar_bitand(&self, a: &RadixCiphertext, c: u64) -> Result<RadixCiphertext, FheError> {
        self.bitand(a, &self.scalar(a, c)?)
    }
    pub fn scalar_bitor(&self, a: &RadixCiphertext, c: u64) -> Result<RadixCiphertext, FheError> {
        self.bitor(a, &self.scalar(a, c)?)
    }
    pub fn scalar_bitxor(&self, a: &RadixCiphertext, c: u64) -> Result<RadixCiphertext, FheError> {
        self.bitxor(a, &self.scalar(a, c)?)
    }

    // ---------------------------------------------------------------- select

    /// cond ? a : b: one round of 2·blocks bootstraps, block i = keep(a_i, cond) + keep(b_i, ¬cond),
    /// keep(x, c) = c·x computed on x + 4·c (the two kept blocks cannot both be non-zero), then one
    /// cleaning round of blocks bootstraps (noise level back to 1).
    pub fn select(&self, cond: &EBool, a: &RadixCiphertext, b: &RadixCiphertext) -> Result<RadixCiphertext, FheError> {
        self.check_pair(a, b)?;
        self.check_block(&cond.0, "ebool")?;
        let msg = self.msg();
        let not_cond = self.ebool_not(cond)?;
        let keep = self.lut(move |x| if x / msg == 1 { x % msg } else { 0 });
        let mut inputs: Vec<LweCiphertext> = a.blocks.iter().map(|x| lin(x, 1, &cond.0, msg)).collect();
        inputs.extend(b.blocks.iter().map(|y| lin(y, 1, &not_cond.0, msg)));
        let kept = self.batch(inputs, &keep)?;
        let n = a.blocks.len();
        // the sum of two bootstrap outputs has noise level 2; one identity round brings every
        // block back to level 1 so the result can enter a bivariate table (4·x + y) again
        let sums = (0..n).map(|i| lin(&kept[i], 1, &kept[n + i], 1)).collect();
        let clean = self.lut(move |x| x % msg);
        Ok(RadixCiphertext { blocks: self.batch(sums, &clean)? })
    }

    pub fn min(&self, a: &RadixCiphertext, b: &RadixCiphertext) -> Result<RadixCiphertext, FheError> {
        self.select(&self.lt(a, b)?, a, b)
    }

    pub fn max(&self, a: &RadixCiphertext, b: &RadixCiphertext) -> Result<RadixCiphertext, FheError> {
        self.select(&self.lt(a, b)?, b, a)
    }

    // ---------------------------------------------------------------- shifts, rotations, casts

    /// Bit-level shift/rotate core: blocks move by whole digits (free), then an odd bit amount
    /// costs one round of bivariate tables on 4·hi + lo of neighbouring blocks.
    fn move_bits(
        &self,
        a: &RadixCiphertext,
        amount: u32,
        left: bool,
        rotate: bool,
    ) -> Result<RadixCiphertext, FheError> {
        self.check_radix(a)?;
        let n = a.blocks.len();
        let bits = 2 * n as u32;
        let zero = self.sk.trivial_block(0);
        if !rotate && amount >= bits {
            return Ok(RadixCiphertext { blocks: vec![zero; n] });
        }
        let amount = if rotate { amount % bits } else { amount };
        // rotate right by k == rotate left by bits − k
        let (amount, left) = if rotate && !left { ((bits - amount) % bits, true) } else { (amount, left) };
        let q = (amount / 2) as usize;
        let r = amount % 2;
        // whole-block move; `None` marks a known zero block
        let moved: Vec<Option<&LweCiphertext>> = (0..n)
            .map(|i| {
                if rotate {
                    Some(&a.blocks[(i + n - q) % n])
                } else if left {
                    (i >= q).then(|| &a.blocks[i - q])
                } else {
                    (i + q < n).then(|| &a.blocks[i + q])
                }
            })
            .collect();
        if r == 0 {
            return Ok(RadixCiphertext { blocks: moved.into_iter().map(|b| b.unwrap_or(&zero).clone()).collect() });
        }
        let msg = self.msg();
        // left by one bit: out_i = ((m_i << 1) & 3) | (m_{i−1} >> 1), on x = 4·m_i + m_{i−1};
        // right by one bit: out_i = (m_i >> 1) | ((m_{i+1} & 1) << 1), on x = 4·m_{i+1} + m_i.
        let lut = if left {
            self.lut(move |x| (((x / msg) << 1) % msg) | ((x % msg) >> 1))
        } else {
            self.lut(move |x| ((x % msg) >> 1) | (((x / msg) & 1) << 1))
        };
        let mut outs = vec![None; n];
        let mut items = Vec::new();
        let mut idx = Vec::new();
        for i in 0..n {
            let (hi, lo) = if left {
                let prev = if rotate {
                    moved[(i + n - 1) % n]
                } else if i == 0 {
                    None
                } else {
                    moved[i - 1]
                };
                (moved[i], prev)
            } else {
                let next = if i + 1 < n { moved[i + 1] } else { None };
                (next, moved[i])
            };
            if hi.is_none() && lo.is_none() {
                outs[i] = Some(zero.clone());
                continue;
            }
            items.push(lin(hi.unwrap_or(&zero), msg, lo.unwrap_or(&zero), 1));
            idx.push(i);
        }
        for (i, o) in idx.into_iter().zip(self.batch(items, &lut)?) {
            outs[i] = Some(o);
        }
        Ok(RadixCiphertext { blocks: outs.into_iter().map(|o| o.expect("every block set")).collect() })
    }

    /// a << k (bits); k ≥ width gives 0.
    pub fn shl(&self, a: &RadixCiphertext, k: u32) -> Result<RadixCiphertext, FheError> {
        self.move_bits(a, k, true, false)
    }
    /// a >> k (logical, bits); k ≥ width gives 0.
    pub fn shr(&self, a: &RadixCiphertext, k: u32) -> Result<RadixCiphertext, FheError> {
        self.move_bits(a, k, false, false)
    }
    /// a.rotate_left(k mod width).
    pub fn rotl(&self, a: &RadixCiphertext, k: u32) -> Result<RadixCiphertext, FheError> {
        self.move_bits(a, k, true, true)
    }
    /// a.rotate_right(k mod width).
    pub fn rotr(&self, a: &RadixCiphertext, k: u32) -> Result<RadixCiphertext, FheError> {
        self.move_bits(a, k, false, true)
    }

    /// Cast to `blocks` blocks: truncation keeps the low blocks, extension adds trivial zero
    /// blocks (zero-extension, unsigned). No bootstrap.
    pub fn cast(&self, a: &RadixCiphertext, blocks: usize) -> Result<RadixCiphertext, FheError> {
        self.check_radix(a)?;
        if blocks == 0 || blocks > MAX_BLOCKS {
            return Err(FheError::Width { what: "cast target width (blocks)", max: MAX_BLOCKS, got: blocks });
        }
        let mut out: Vec<LweCiphertext> = a.blocks.iter().take(blocks).cloned().collect();
        out.resize(blocks, self.sk.trivial_block(0));
        Ok(RadixCiphertext { blocks: out })
    }

    // ---------------------------------------------------------------- ebool

    fn bool_gate(&self, a: &EBool, b: &EBool, f: impl Fn(u64, u64) -> u64) -> Result<EBool, FheError> {
        self.check_block(&a.0, "ebool")?;
        self.check_block(&b.0, "ebool")?;
        let lut = self.lut(move |x| f(x / 2 % 2, x % 2));
        Ok(EBool(self.one(lin(&a.0, 2, &b.0, 1), &lut)?))
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
        let one = self.sk.trivial_block(1);
        Ok(EBool(lin(&one, 1, &a.0, u64::MAX)))
    }
}

/// The euint8-era entry points on the server key (direct execution), kept for compatibility.
impl ServerKey {
    pub fn add_radix(&self, a: &RadixCiphertext, b: &RadixCiphertext) -> Result<RadixCiphertext, FheError> {
        self.radix().add(a, b)
    }
    pub fn sub_radix(&self, a: &RadixCiphertext, b: &RadixCiphertext) -> Result<RadixCiphertext, FheError> {
        self.radix().sub(a, b)
    }
    pub fn bitand_radix(&self, a: &RadixCiphertext, b: &RadixCiphertext) -> Result<RadixCiphertext, FheError> {
        self.radix().bitand(a, b)
    }
    pub fn bitor_radix(&self, a: &RadixCiphertext, b: &RadixCiphertext) -> Result<RadixCiphertext, FheError> {
        self.radix().bitor(a, b)
    }
    pub fn bitxor_radix(&self, a: &RadixCiphertext, b: &RadixCiphertext) -> Result<RadixCiphertext, FheError> {
        self.radix().bitxor(a, b)
    }
    pub fn eq_radix(&self, a: &RadixCiphertext, b: &RadixCiphertext) -> Result<EBool, FheError> {
        self.radix().eq(a, b)
    }
    pub fn lt_radix(&self, a: &RadixCiphertext, b: &RadixCiphertext) -> Result<EBool, FheError> {
        self.radix().lt(a, b)
    }
    pub fn gt_radix(&self, a: &RadixCiphertext, b: &RadixCiphertext) -> Result<EBool, FheError> {
        self.radix().gt(a, b)
    }
    pub fn le_radix(&self, a: &RadixCiphertext, b: &RadixCiphertext) -> Result<EBool, FheError> {
        self.radix().le(a, b)
    }
    pub fn ge_radix(&self, a: &RadixCiphertext, b: &RadixCiphertext) -> Result<EBool, FheError> {
        self.radix().ge(a, b)
    }
    pub fn select_radix(
        &self,
        cond: &EBool,
        a: &RadixCiphertext,
        b: &RadixCiphertext,
    ) -> Result<RadixCiphertext, FheError> {
        self.radix().select(cond, a, b)
    }
    pub fn min_radix(&self, a: &RadixCiphertext, b: &RadixCiphertext) -> Result<RadixCiphertext, FheError> {
        self.radix().min(a, b)
    }
    pub fn max_radix(&self, a: &RadixCiphertext, b: &RadixCiphertext) -> Result<RadixCiphertext, FheError> {
        self.radix().max(a, b)
    }
    pub fn ebool_and(&self, a: &EBool, b: &EBool) -> Result<EBool, FheError> {
        self.radix().ebool_and(a, b)
    }
    pub fn ebool_or(&self, a: &EBool, b: &EBool) -> Result<EBool, FheError> {
        self.radix().ebool_or(a, b)
    }
    pub fn ebool_xor(&self, a: &EBool, b: &EBool) -> Result<EBool, FheError> {
        self.radix().ebool_xor(a, b)
    }
    pub fn ebool_not(&self, a: &EBool) -> Result<EBool, FheError> {
        self.radix().ebool_not(a)
    }
}
