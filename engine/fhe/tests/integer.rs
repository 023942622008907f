//! Encrypted integers: decryption-correctness of the radix add and ebool gates (keys from tfhe).

mod common;

use common::{fixture, generators, Fixture};
use gloam_fhe::{EBool, RadixCiphertext, EUINT8_BLOCKS};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tfhe::core_crypto::prelude::{DefaultRandomGenerator, EncryptionRandomGenerator};

fn encrypt_u8(f: &Fixture, v: u8, enc: &mut EncryptionRandomGenerator<DefaultRandomGenerator>) -> RadixCiphertext {
    RadixCiphertext { blocks: (0..EUINT8_BLOCKS).map(|i| f.encrypt_big(((v >> (2 * i)) & 3) as u64, enc)).collect() }
}

fn decrypt_u8(f: &Fixture, ct: &RadixCiphertext) -> u8 {
    ct.blocks.iter().enumerate().map(|(i, b)| ((f.decrypt_big(b) % 4) as u8) << (2 * i)).sum()
}

#[test]
fn euint8_add_wraps_and_decrypts() {
    let f = fixture();
    let seed = 0x6575_696e_7438u64;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (_, mut enc) = generators(seed as u128);
    // Fixed cases that force long carry chains, then random ones.
    let mut cases = vec![(255u8, 1u8), (0x3f, 0x01), (0x55, 0xab), (200, 100)];
    cases.extend((0..2).map(|_| (rng.gen::<u8>(), rng.gen::<u8>())));
    for (x, y) in cases {
        let a = encrypt_u8(f, x, &mut enc);
        let b = encrypt_u8(f, y, &mut enc);
        assert_eq!(decrypt_u8(f, &a), x);
        let sum = f.server.add_radix(&a, &b).unwrap();
        assert_eq!(decrypt_u8(f, &sum), x.wrapping_add(y), "seed {seed:#x}: {x} + {y}");
        // every output block is clean (a single digit)
        for blk in &sum.blocks {
            assert!(f.decrypt_big(blk) < 4, "seed {seed:#x}: {x} + {y} block not clean");
        }
    }
}

#[test]
fn ebool_gates_truth_tables() {
    let f = fixture();
    let seed = 0x6562_6f6fu64;
    let (_, mut enc) = generators(seed as u128);
    for a in 0..2u64 {
        for b in 0..2u64 {
            let ea = EBool(f.encrypt_big(a, &mut enc));
            let eb = EBool(f.encrypt_big(b, &mut enc));
            assert_eq!(f.decrypt_big(&f.server.ebool_and(&ea, &eb).unwrap().0), a & b, "and {a} {b}");
            assert_eq!(f.decrypt_big(&f.server.ebool_or(&ea, &eb).unwrap().0), a | b, "or {a} {b}");
            assert_eq!(f.decrypt_big(&f.server.ebool_xor(&ea, &eb).unwrap().0), a ^ b, "xor {a} {b}");
            assert_eq!(f.decrypt_big(&f.server.ebool_not(&ea).unwrap().0), 1 - a, "not {a}");
        }
    }
}

#[test]
fn radix_shape_errors() {
    let f = fixture();
    let (_, mut enc) = generators(7);
    let a = encrypt_u8(f, 1, &mut enc);
    let mut b = a.clone();
    b.blocks.pop();
    assert!(f.server.add_radix(&a, &b).is_err());
    let mut c = a.clone();
    c.blocks[1].data.pop();
    assert!(f.server.add_radix(&a, &c).is_err());
}

#[test]
fn euint8_sub_wraps_and_decrypts() {
    let f = fixture();
    let seed = 0x7375_6238u64;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (_, mut enc) = generators(seed as u128);
    let mut cases = vec![(0u8, 1u8), (5, 200), (128, 128)];
    cases.push((rng.gen::<u8>(), rng.gen::<u8>()));
    for (x, y) in cases {
        let a = encrypt_u8(f, x, &mut enc);
        let b = encrypt_u8(f, y, &mut enc);
        let diff = f.server.sub_radix(&a, &b).unwrap();
        assert_eq!(decrypt_u8(f, &diff), x.wrapping_sub(y), "seed {seed:#x}: {x} - {y}");
    }
}

#[test]
fn euint8_bitwise_eq_lt_decrypt() {
    let f = fixture();
    let seed = 0x6269_7477u64;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (_, mut enc) = generators(seed as u128);
    // equal values, values differing only in the top block, only in the bottom block, random
    let mut cases = vec![(77u8, 77u8), (0x40, 0x80), (0x81, 0x80), (0x12, 0x13)];
    cases.push((rng.gen::<u8>(), rng.gen::<u8>()));
    for (x, y) in cases {
        let a = encrypt_u8(f, x, &mut enc);
        let b = encrypt_u8(f, y, &mut enc);
        assert_eq!(decrypt_u8(f, &f.server.bitand_radix(&a, &b).unwrap()), x & y, "seed {seed:#x}: {x} & {y}");
        assert_eq!(decrypt_u8(f, &f.server.bitor_radix(&a, &b).unwrap()), x | y, "seed {seed:#x}: {x} | {y}");
        assert_eq!(decrypt_u8(f, &f.server.bitxor_radix(&a, &b).unwrap()), x ^ y, "seed {seed:#x}: {x} ^ {y}");
        assert_eq!(
            f.decrypt_big(&f.server.eq_radix(&a, &b).unwrap().0),
            u64::from(x == y),
            "seed {seed:#x}: {x} == {y}"
        );
        assert_eq!(f.decrypt_big(&f.server.lt_radix(&a, &b).unwrap().0), u64::from(x < y), "seed {seed:#x}: {x} < {y}");
        assert_eq!(f.decrypt_big(&f.server.lt_radix(&b, &a).unwrap().0), u64::from(y < x), "seed {seed:#x}: {y} < {x}");
    }
}

#[test]
fn euint8_select_min_max_order_decrypt() {
    let f = fixture();
    let seed = 0x7365_6c65u64;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (_, mut enc) = generators(seed as u128);
    let mut cases = vec![(9u8, 9u8), (3, 250)];
    cases.push((rng.gen::<u8>(), rng.gen::<u8>()));
    for (x, y) in cases {
        let a = encrypt_u8(f, x, &mut enc);
        let b = encrypt_u8(f, y, &mut enc);
        for c in 0..2u64 {
            let cond = EBool(f.encrypt_big(c, &mut enc));
            let sel = f.server.select_radix(&cond, &a, &b).unwrap();
            assert_eq!(decrypt_u8(f, &sel), if c == 1 { x } else { y }, "seed {seed:#x}: {c} ? {x} : {y}");
        }
        assert_eq!(decrypt_u8(f, &f.server.min_radix(&a, &b).unwrap()), x.min(y), "seed {seed:#x}: min {x} {y}");
        assert_eq!(decrypt_u8(f, &f.server.max_radix(&a, &b).unwrap()), x.max(y), "seed {seed:#x}: max {x} {y}");
        let bit = |e: EBool| f.decrypt_big(&e.0);
        assert_eq!(bit(f.server.gt_radix(&a, &b).unwrap()), u64::from(x > y), "seed {seed:#x}: {x} > {y}");
        assert_eq!(bit(f.server.le_radix(&a, &b).unwrap()), u64::from(x <= y), "seed {seed:#x}: {x} <= {y}");
        assert_eq!(bit(f.server.ge_radix(&a, &b).unwrap()), u64::from(x >= y), "seed {seed:#x}: {x} >= {y}");
    }
}
