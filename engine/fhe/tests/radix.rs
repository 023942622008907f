//! Wider encrypted integers (euint8/16/32/64), every operation checked by decryption against plain
//! u8/u16/u32/u64 wrapping arithmetic on seeded random values (the seed is in every message), and
//! the bootstrap scheduler (merged rounds = one-by-one bytes, calls = max depth).

mod common;

use common::{fixture, generators, Fixture};
use gloam_fhe::{
    BootstrapScheduler, CountingExecutor, EBool, FheError, Radix, RadixCiphertext, EUINT16_BLOCKS, EUINT32_BLOCKS,
    EUINT64_BLOCKS, EUINT8_BLOCKS,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tfhe::core_crypto::prelude::{DefaultRandomGenerator, EncryptionRandomGenerator};

type Enc = EncryptionRandomGenerator<DefaultRandomGenerator>;

fn mask(blocks: usize) -> u64 {
    if blocks >= 32 {
        u64::MAX
    } else {
        (1 << (2 * blocks)) - 1
    }
}

fn encrypt(f: &Fixture, v: u64, blocks: usize, enc: &mut Enc) -> RadixCiphertext {
    RadixCiphertext { blocks: (0..blocks).map(|i| f.encrypt_big((v >> (2 * i)) & 3, enc)).collect() }
}

/// Decrypts and checks that every block is clean (one digit, carry empty).
fn decrypt(f: &Fixture, ct: &RadixCiphertext) -> u64 {
    ct.blocks
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let d = f.decrypt_big(b);
            assert!(d < 4, "block {i} not clean: {d}");
            d << (2 * i)
        })
        .sum()
}

fn bit(f: &Fixture, b: &EBool) -> u64 {
    f.decrypt_big(&b.0)
}

/// Random values of the given width plus edge values.
fn values(rng: &mut ChaCha8Rng, blocks: usize, random: usize) -> Vec<(u64, u64)> {
    let m = mask(blocks);
    // all three edges on euint8; the longest carry chain only on wider types (test time)
    let mut v = if blocks == EUINT8_BLOCKS { vec![(m, 1), (0, m), (m, m)] } else { vec![(m, 1)] };
    v.extend((0..random).map(|_| (rng.gen::<u64>() & m, rng.gen::<u64>() & m)));
    v
}

#[test]
fn add_sub_neg_scalar_euint8_16_and_wide() {
    let f = fixture();
    let seed = 0x0061_6464_3136_u64;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (_, mut enc) = generators(seed as u128);
    let r = f.server.radix();
    for blocks in [EUINT8_BLOCKS, EUINT16_BLOCKS] {
        let m = mask(blocks);
        for (x, y) in values(&mut rng, blocks, if blocks == EUINT8_BLOCKS { 2 } else { 1 }) {
            let a = encrypt(f, x, blocks, &mut enc);
            let b = encrypt(f, y, blocks, &mut enc);
            let c = rng.gen::<u64>();
            let ctx = format!("seed {seed:#x} blocks {blocks}: x={x} y={y} c={c}");
            assert_eq!(decrypt(f, &r.add(&a, &b).unwrap()), x.wrapping_add(y) & m, "{ctx} add");
            assert_eq!(decrypt(f, &r.sub(&a, &b).unwrap()), x.wrapping_sub(y) & m, "{ctx} sub");
            assert_eq!(decrypt(f, &r.neg(&a).unwrap()), x.wrapping_neg() & m, "{ctx} neg");
            assert_eq!(decrypt(f, &r.scalar_add(&a, c).unwrap()), x.wrapping_add(c) & m, "{ctx} scalar_add");
            assert_eq!(decrypt(f, &r.scalar_sub(&a, c).unwrap()), x.wrapping_sub(c) & m, "{ctx} scalar_sub");
            assert_eq!(decrypt(f, &r.scalar_rsub(c, &a).unwrap()), c.wrapping_sub(x) & m, "{ctx} scalar_rsub");
        }
    }
    // a few wide cases: u32 and u64 carries across every block
    for (blocks, x, y) in [
        (EUINT32_BLOCKS, u32::MAX as u64, 1u64),
        (EUINT32_BLOCKS, rng.gen::<u32>() as u64, rng.gen::<u32>() as u64),
        (EUINT64_BLOCKS, u64::MAX, 1),
        (EUINT64_BLOCKS, rng.gen::<u64>(), rng.gen::<u64>()),
    ] {
        let m = mask(blocks);
        let a = encrypt(f, x, blocks, &mut enc);
        let b = encrypt(f, y, blocks, &mut enc);
        let ctx = format!("seed {seed:#x} blocks {blocks}: x={x} y={y}");
        assert_eq!(decrypt(f, &r.add(&a, &b).unwrap()), x.wrapping_add(y) & m, "{ctx} add");
        if blocks == EUINT32_BLOCKS {
            assert_eq!(decrypt(f, &r.sub(&a, &b).unwrap()), x.wrapping_sub(y) & m, "{ctx} sub");
        }
    }
}

#[test]
fn mul_and_scalar_mul_wrap() {
    let f = fixture();
    let seed = 0x006d_756c_u64;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (_, mut enc) = generators(seed as u128);
    let r = f.server.radix();
    let mut cases: Vec<(usize, u64, u64)> = vec![(EUINT8_BLOCKS, 255, 255), (EUINT8_BLOCKS, 0, 77)];
    cases.extend((0..2).map(|_| (EUINT8_BLOCKS, rng.gen::<u8>() as u64, rng.gen::<u8>() as u64)));
    cases.push((EUINT16_BLOCKS, 0xffff, 0xfffe));
    cases.push((EUINT16_BLOCKS, rng.gen::<u16>() as u64, rng.gen::<u16>() as u64));
    for (blocks, x, y) in cases {
        let m = mask(blocks);
        let a = encrypt(f, x, blocks, &mut enc);
        let b = encrypt(f, y, blocks, &mut enc);
        let ctx = format!("seed {seed:#x} blocks {blocks}: {x} * {y}");
        assert_eq!(decrypt(f, &r.mul(&a, &b).unwrap()), x.wrapping_mul(y) & m, "{ctx}");
    }
    // scalar: digits 0, 1, 2, 3 all occur in 0b11_10_01_00 = 0xe4; plus random scalars and u32
    let mut scalar_cases: Vec<(usize, u64, u64)> =
        vec![(EUINT8_BLOCKS, 0xb7, 0xe4), (EUINT8_BLOCKS, 200, 0), (EUINT8_BLOCKS, rng.gen::<u8>() as u64, rng.gen())];
    scalar_cases.push((EUINT16_BLOCKS, rng.gen::<u16>() as u64, rng.gen()));
    scalar_cases.push((EUINT32_BLOCKS, rng.gen::<u32>() as u64, 1_000_003));
    for (blocks, x, c) in scalar_cases {
        let m = mask(blocks);
        let a = encrypt(f, x, blocks, &mut enc);
        let ctx = format!("seed {seed:#x} blocks {blocks}: {x} * clear {c}");
        assert_eq!(decrypt(f, &r.scalar_mul(&a, c).unwrap()), x.wrapping_mul(c) & m, "{ctx}");
    }
}

#[test]
fn comparisons_ne_and_scalar_variants() {
    let f = fixture();
    let seed = 0x0063_6d70_u64;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (_, mut enc) = generators(seed as u128);
    let r = f.server.radix();
    let mut cases = vec![(EUINT8_BLOCKS, 77u64, 77u64), (EUINT8_BLOCKS, 0x40, 0x80)];
    cases.push((EUINT8_BLOCKS, rng.gen::<u8>() as u64, rng.gen::<u8>() as u64));
    cases.push((EUINT16_BLOCKS, rng.gen::<u16>() as u64, rng.gen::<u16>() as u64));
    for (blocks, x, y) in cases {
        let a = encrypt(f, x, blocks, &mut enc);
        let b = encrypt(f, y, blocks, &mut enc);
        let ctx = format!("seed {seed:#x} blocks {blocks}: x={x} y={y}");
        assert_eq!(bit(f, &r.ne(&a, &b).unwrap()), u64::from(x != y), "{ctx} ne");
        assert_eq!(bit(f, &r.eq(&a, &b).unwrap()), u64::from(x == y), "{ctx} eq");
        assert_eq!(bit(f, &r.scalar_eq(&a, y).unwrap()), u64::from(x == y), "{ctx} scalar_eq");
        assert_eq!(bit(f, &r.scalar_ne(&a, y).unwrap()), u64::from(x != y), "{ctx} scalar_ne");
        assert_eq!(bit(f, &r.scalar_lt(&a, y).unwrap()), u64::from(x < y), "{ctx} scalar_lt");
        assert_eq!(bit(f, &r.scalar_le(&a, y).unwrap()), u64::from(x <= y), "{ctx} scalar_le");
        assert_eq!(bit(f, &r.scalar_gt(&a, y).unwrap()), u64::from(x > y), "{ctx} scalar_gt");
        assert_eq!(bit(f, &r.scalar_ge(&a, y).unwrap()), u64::from(x >= y), "{ctx} scalar_ge");
        assert_eq!(decrypt(f, &r.scalar_bitand(&a, y).unwrap()), x & y, "{ctx} scalar_and");
        assert_eq!(decrypt(f, &r.scalar_bitor(&a, y).unwrap()), x | y, "{ctx} scalar_or");
        assert_eq!(decrypt(f, &r.scalar_bitxor(&a, y).unwrap()), x ^ y, "{ctx} scalar_xor");
    }
    // wide: eq over 16 and 32 blocks needs two levels of the all-ones tree
    for (blocks, x, y) in [
        (EUINT32_BLOCKS, 0xdead_beef, 0xdead_beef),
        (EUINT32_BLOCKS, 0xdead_beef, 0x5ead_beef),
        (EUINT64_BLOCKS, u64::MAX, u64::MAX),
        (EUINT64_BLOCKS, rng.gen::<u64>(), rng.gen::<u64>()),
    ] {
        let a = encrypt(f, x, blocks, &mut enc);
        let b = encrypt(f, y, blocks, &mut enc);
        let ctx = format!("seed {seed:#x} blocks {blocks}: x={x} y={y}");
        assert_eq!(bit(f, &r.eq(&a, &b).unwrap()), u64::from(x == y), "{ctx} eq");
        assert_eq!(bit(f, &r.lt(&a, &b).unwrap()), u64::from(x < y), "{ctx} lt");
    }
}

#[test]
fn shifts_rotates_not_casts() {
    let f = fixture();
    let seed = 0x7368_6966u64;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (_, mut enc) = generators(seed as u128);
    let r = f.server.radix();
    let x8 = rng.gen::<u8>();
    let a8 = encrypt(f, x8 as u64, EUINT8_BLOCKS, &mut enc);
    for k in [0u32, 1, 2, 3, 5, 7, 8, 9] {
        let ctx = format!("seed {seed:#x}: x={x8} k={k}");
        assert_eq!(decrypt(f, &r.shl(&a8, k).unwrap()), x8.checked_shl(k).unwrap_or(0) as u64, "{ctx} shl");
        assert_eq!(decrypt(f, &r.shr(&a8, k).unwrap()), x8.checked_shr(k).unwrap_or(0) as u64, "{ctx} shr");
        assert_eq!(decrypt(f, &r.rotl(&a8, k).unwrap()), x8.rotate_left(k) as u64, "{ctx} rotl");
        assert_eq!(decrypt(f, &r.rotr(&a8, k).unwrap()), x8.rotate_right(k) as u64, "{ctx} rotr");
    }
    let x16 = rng.gen::<u16>();
    let a16 = encrypt(f, x16 as u64, EUINT16_BLOCKS, &mut enc);
    for k in [3u32, 10] {
        let ctx = format!("seed {seed:#x}: x={x16} k={k}");
        assert_eq!(decrypt(f, &r.shl(&a16, k).unwrap()), (x16 << k) as u64, "{ctx} shl16");
        assert_eq!(decrypt(f, &r.shr(&a16, k).unwrap()), (x16 >> k) as u64, "{ctx} shr16");
        assert_eq!(decrypt(f, &r.rotr(&a16, k).unwrap()), x16.rotate_right(k) as u64, "{ctx} rotr16");
    }
    // not and casts: linear / free
    assert_eq!(decrypt(f, &r.bitnot(&a8).unwrap()), (!x8) as u64, "seed {seed:#x}: !{x8}");
    assert_eq!(decrypt(f, &r.bitnot(&a16).unwrap()), (!x16) as u64, "seed {seed:#x}: !{x16}");
    let up = r.cast(&a8, EUINT64_BLOCKS).unwrap();
    assert_eq!(up.blocks.len(), EUINT64_BLOCKS);
    assert_eq!(decrypt(f, &up), x8 as u64, "seed {seed:#x}: zero-extend {x8}");
    let down = r.cast(&a16, EUINT8_BLOCKS).unwrap();
    assert_eq!(decrypt(f, &down), (x16 as u8) as u64, "seed {seed:#x}: truncate {x16}");
    // a cast result is a normal operand
    let b16 = r.cast(&a8, EUINT16_BLOCKS).unwrap();
    assert_eq!(decrypt(f, &r.add(&b16, &a16).unwrap()), x16.wrapping_add(x8 as u16) as u64, "seed {seed:#x}: cast+add");
}

#[test]
fn width_and_shape_errors_are_typed() {
    let f = fixture();
    let (_, mut enc) = generators(11);
    let r = f.server.radix();
    let a8 = encrypt(f, 1, EUINT8_BLOCKS, &mut enc);
    let a16 = encrypt(f, 1, EUINT16_BLOCKS, &mut enc);
    let wm = FheError::WidthMismatch { left: 4, right: 8 };
    assert_eq!(r.add(&a8, &a16).unwrap_err(), wm);
    assert_eq!(r.mul(&a8, &a16).unwrap_err(), wm);
    assert_eq!(r.lt(&a8, &a16).unwrap_err(), wm);
    assert_eq!(r.eq(&a8, &a16).unwrap_err(), wm);
    let cond = EBool(f.encrypt_big(1, &mut enc));
    assert_eq!(r.select(&cond, &a8, &a16).unwrap_err(), wm);
    let empty = RadixCiphertext { blocks: vec![] };
    assert!(matches!(r.neg(&empty), Err(FheError::Width { got: 0, .. })));
    let too_wide = RadixCiphertext { blocks: vec![a8.blocks[0].clone(); 33] };
    assert!(matches!(r.scalar_add(&too_wide, 1), Err(FheError::Width { got: 33, .. })));
    assert!(matches!(r.cast(&a8, 0), Err(FheError::Width { got: 0, .. })));
    assert!(matches!(f.server.trivial_radix(0, 40), Err(FheError::Width { got: 40, .. })));
    // a block from a key of another dimension
    let mut bad = a8.clone();
    bad.blocks[2].data.truncate(100);
    assert!(matches!(r.shl(&bad, 1), Err(FheError::Length { .. })));
    assert!(matches!(r.bitnot(&bad), Err(FheError::Length { .. })));
    assert!(matches!(r.scalar_mul(&bad, 3), Err(FheError::Length { .. })));
    let bad_bool = EBool(bad.blocks[2].clone());
    assert!(matches!(r.select(&bad_bool, &a8, &a8), Err(FheError::Length { .. })));
}

/// Nine different operations (two widths) of a "block of transactions": scheduled together they give the
/// same bytes as one by one, in max-depth engine calls.
#[test]
fn scheduler_merges_rounds_byte_identical() {
    let f = fixture();
    let seed = 0x7363_6865u64;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (_, mut enc) = generators(seed as u128);
    let xs: Vec<u8> = (0..6).map(|_| rng.gen()).collect();
    let cts: Vec<RadixCiphertext> = xs.iter().map(|&x| encrypt(f, x as u64, EUINT8_BLOCKS, &mut enc)).collect();
    let cond = EBool(f.encrypt_big(1, &mut enc));
    let (w1, w2) = (rng.gen::<u16>(), rng.gen::<u16>());
    let wide1 = encrypt(f, w1 as u64, EUINT16_BLOCKS, &mut enc);
    let wide2 = encrypt(f, w2 as u64, EUINT16_BLOCKS, &mut enc);

    #[derive(Debug, PartialEq)]
    enum Out {
        Int(RadixCiphertext),
        Bool(EBool),
    }
    type Op<'s> = Box<dyn Fn(&Radix<'_>) -> Result<Out, FheError> + Send + Sync + 's>;
    let ops: Vec<Op> = vec![
        Box::new(|r| r.add(&cts[0], &cts[1]).map(Out::Int)),
        Box::new(|r| r.lt(&cts[2], &cts[3]).map(Out::Bool)),
        Box::new(|r| r.scalar_sub(&cts[4], 17).map(Out::Int)),
        Box::new(|r| r.eq(&cts[5], &cts[0]).map(Out::Bool)),
        Box::new(|r| r.max(&cts[1], &cts[3]).map(Out::Int)),
        Box::new(|r| r.select(&cond, &cts[2], &cts[4]).map(Out::Int)),
        Box::new(|r| r.shl(&cts[5], 3).map(Out::Int)),
        Box::new(|r| r.mul(&cts[0], &cts[3]).map(Out::Int)),
        Box::new(|r| r.add(&wide1, &wide2).map(Out::Int)),
    ];
    // one by one, each on a counting executor
    let mut depths = Vec::new();
    let mut single = Vec::new();
    for op in &ops {
        let counter = CountingExecutor::new(&f.server);
        single.push(op(&Radix::new(&f.server, &counter)).unwrap());
        depths.push(counter.calls());
    }
    let sched = BootstrapScheduler::new(&f.server);
    let scheduled_ops = ops.iter().map(|op| Box::new(move |r: &Radix<'_>| op(r)) as _).collect();
    let (merged, stats) = sched.run(scheduled_ops);
    let merged: Vec<Out> = merged.into_iter().map(Result::unwrap).collect();
    assert_eq!(merged, single, "seed {seed:#x}: scheduled bytes differ from one-by-one");
    let max = *depths.iter().max().unwrap();
    let sum: usize = depths.iter().sum();
    eprintln!(
        "depths {depths:?}: scheduled rounds {} (max {max}, sum {sum}), {} bootstraps",
        stats.rounds, stats.bootstraps
    );
    assert_eq!(stats.rounds, max, "seed {seed:#x}: depths {depths:?}");
    assert!(sum > max);
    // and the decrypted results are right
    let Out::Int(s) = &merged[0] else { panic!() };
    assert_eq!(decrypt(f, s), xs[0].wrapping_add(xs[1]) as u64, "seed {seed:#x}");
    let Out::Bool(b) = &merged[1] else { panic!() };
    assert_eq!(bit(f, b), u64::from(xs[2] < xs[3]), "seed {seed:#x}");
    let Out::Int(m) = &merged[4] else { panic!() };
    assert_eq!(decrypt(f, m), xs[1].max(xs[3]) as u64, "seed {seed:#x}");
    let Out::Int(p) = &merged[7] else { panic!() };
    assert_eq!(decrypt(f, p), xs[0].wrapping_mul(xs[3]) as u64, "seed {seed:#x}");
    let Out::Int(w) = &merged[8] else { panic!() };
    assert_eq!(decrypt(f, w), w1.wrapping_add(w2) as u64, "seed {seed:#x}");
}

#[test]
fn scheduler_reports_errors_per_operation() {
    let f = fixture();
    let (_, mut enc) = generators(12);
    let a8 = encrypt(f, 5, EUINT8_BLOCKS, &mut enc);
    let a16 = encrypt(f, 5, EUINT16_BLOCKS, &mut enc);
    let sched = BootstrapScheduler::new(&f.server);
    let ops: Vec<gloam_fhe::scheduler::ScheduledOp<RadixCiphertext>> = vec![
        Box::new(|r| r.add(&a8, &a16)),
        Box::new(|r| r.scalar_add(&a8, 250)),
        Box::new(|_| Err(FheError::Parameters("caller's own error"))),
    ];
    let (res, stats) = sched.run(ops);
    assert_eq!(res[0].as_ref().unwrap_err(), &FheError::WidthMismatch { left: 4, right: 8 });
    assert_eq!(decrypt(f, res[1].as_ref().unwrap()), 255);
    assert!(res[2].is_err());
    assert!(stats.rounds >= 1);
    let empty: (Vec<Result<(), FheError>>, _) = sched.run(vec![]);
    assert!(empty.0.is_empty());
    assert_eq!(empty.1.rounds, 0);

    // Rounds on another executor: a counting one gives the CPU's bytes with one call per round;
    // a failing device's error reaches every operation that took part in the round.
    let counting = CountingExecutor::new(&f.server);
    let via = BootstrapScheduler::with_executor(&f.server, &counting);
    let ops: Vec<gloam_fhe::scheduler::ScheduledOp<RadixCiphertext>> =
        vec![Box::new(|r| r.scalar_add(&a8, 250)), Box::new(|r| r.scalar_add(&a8, 1))];
    let (res2, stats2) = via.run(ops);
    assert_eq!(res2[0].as_ref().unwrap(), res[1].as_ref().unwrap(), "same bytes through another executor");
    assert_eq!(decrypt(f, res2[1].as_ref().unwrap()), 6);
    assert_eq!(counting.calls(), stats2.rounds);
    struct Broken;
    impl gloam_fhe::BootstrapExecutor for Broken {
        fn execute(&self, _: Vec<gloam_fhe::BootstrapJob>) -> Result<Vec<Vec<gloam_fhe::LweCiphertext>>, FheError> {
            Err(FheError::Device("device lost".into()))
        }
    }
    let ops: Vec<gloam_fhe::scheduler::ScheduledOp<RadixCiphertext>> =
        vec![Box::new(|r| r.scalar_add(&a8, 250)), Box::new(|_| Err(FheError::Parameters("own")))];
    let (res3, _) = BootstrapScheduler::with_executor(&f.server, &Broken).run(ops);
    assert_eq!(res3[0].as_ref().unwrap_err(), &FheError::Device("device lost".into()));
    assert_eq!(res3[1].as_ref().unwrap_err(), &FheError::Parameters("own"));
}

/// Outputs of every kind of operation (select, min, mul, shift, not, cast) fed into bivariate
/// tables again (4·x + y sits on the noise bound): chained results still decrypt.
#[test]
fn composed_operations_decrypt() {
    let f = fixture();
    let seed = 0x636f_6d70u64;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (_, mut enc) = generators(seed as u128);
    let r = f.server.radix();
    let (x, y) = (rng.gen::<u8>(), rng.gen::<u8>());
    let a = encrypt(f, x as u64, EUINT8_BLOCKS, &mut enc);
    let b = encrypt(f, y as u64, EUINT8_BLOCKS, &mut enc);
    let ctx = format!("seed {seed:#x}: x={x} y={y}");
    let mn = r.min(&a, &b).unwrap();
    let prod = r.mul(&mn, &r.bitnot(&b).unwrap()).unwrap();
    let expect_prod = x.min(y).wrapping_mul(!y);
    assert_eq!(decrypt(f, &prod), expect_prod as u64, "{ctx} min*!y");
    let sh = r.shl(&prod, 1).unwrap();
    assert_eq!(bit(f, &r.lt(&sh, &mn).unwrap()), u64::from((expect_prod << 1) < x.min(y)), "{ctx} lt");
    let wide = r.cast(&sh, EUINT16_BLOCKS).unwrap();
    let sum = r.scalar_add(&wide, 0xff00).unwrap();
    assert_eq!(decrypt(f, &sum), ((expect_prod << 1) as u64) + 0xff00, "{ctx} cast+scalar_add");
}

/// The carry schedule's cost, counted by a dry executor (the schedule does not depend on the
/// values, so each output is a copy of its input): split n + Sklansky prefix over n − 1 states
/// (Σ over levels d of #{j < n − 1 : bit d of j set}) + n − 1 carry-ins, in 2 + ⌈log2(n − 1)⌉
/// rounds. euint64: 32 + 75 + 31 = 138 bootstraps (Hillis–Steele needed 187).
#[test]
fn add_schedule_bootstrap_counts() {
    use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
    struct Dry {
        calls: AtomicUsize,
        bootstraps: AtomicUsize,
    }
    impl gloam_fhe::BootstrapExecutor for Dry {
        fn execute(&self, jobs: Vec<gloam_fhe::BootstrapJob>) -> Result<Vec<Vec<gloam_fhe::LweCiphertext>>, FheError> {
            self.calls.fetch_add(1, Relaxed);
            self.bootstraps.fetch_add(jobs.len(), Relaxed);
            Ok(jobs
                .iter()
                .map(|j| match j {
                    gloam_fhe::BootstrapJob::Single { input, .. } => vec![input.clone()],
                    gloam_fhe::BootstrapJob::Many { input, lut } => vec![input.clone(); lut.function_count],
                })
                .collect())
        }
    }
    let f = fixture();
    let (_, mut enc) = generators(21);
    for (blocks, want_boots, want_rounds) in [(4usize, 9usize, 4usize), (8, 24, 5), (32, 138, 7)] {
        let a = encrypt(f, 1, blocks, &mut enc);
        let dry = Dry { calls: AtomicUsize::new(0), bootstraps: AtomicUsize::new(0) };
        Radix::new(&f.server, &dry).add(&a, &a).unwrap();
        let prefix: usize = (0..usize::BITS)
            .take_while(|d| (1usize << d) < blocks - 1)
            .map(|d| (0..blocks - 1).filter(|j| (j >> d) & 1 == 1).count())
            .sum();
        assert_eq!(dry.bootstraps.load(Relaxed), blocks + prefix + blocks - 1, "{blocks} blocks");
        assert_eq!(dry.bootstraps.load(Relaxed), want_boots, "{blocks} blocks");
        assert_eq!(dry.calls.load(Relaxed), want_rounds, "{blocks} blocks");
    }
}
