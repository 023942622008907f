//! Fq multiplication: arkworks vs blst, latency (dependent chain) and throughput (4 chains).
//! `cargo run --release -p gloam-cpu --example fq_mul`

use std::time::Instant;

use ark_ff::{Field, UniformRand, Zero};
use gloam_engine_core::Fq;
use rand::SeedableRng;

fn main() {
    let mut r = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    let a = Fq::rand(&mut r);
    let b = Fq::rand(&mut r);
    let iters = 5_000_000u32;
    for _ in 0..3 {
        let t = Instant::now();
        let mut x = a;
        for _ in 0..iters {
            x *= b;
        }
        let ark_lat = t.elapsed().as_secs_f64() * 1e9 / iters as f64;
        let t = Instant::now();
        let (mut x0, mut x1, mut x2, mut x3) = (a, b, a + b, a - b);
        for _ in 0..iters / 4 {
            x0 *= b;
            x1 *= a;
            x2 *= b;
            x3 *= a;
        }
        let ark_thr = t.elapsed().as_secs_f64() * 1e9 / iters as f64;
        let t = Instant::now();
        let mut y = x.square();
        for _ in 0..iters {
            y.square_in_place();
        }
        let ark_sq = t.elapsed().as_secs_f64() * 1e9 / iters as f64;
        let t = Instant::now();
        let _ = y.inverse();
        let mut z = y;
        for _ in 0..1000 {
            z = z.inverse().unwrap_or(z) + a;
        }
        let ark_inv = t.elapsed().as_secs_f64() * 1e9 / 1000.0;

        let t = Instant::now();
        let ours = unsafe { chain_mulx(a, b, iters) };
        let our_lat = t.elapsed().as_secs_f64() * 1e9 / iters as f64;
        let t = Instant::now();
        let ours2 = chain(a, b, iters);
        let our_lat2 = t.elapsed().as_secs_f64() * 1e9 / iters as f64;
        assert_eq!(ours, ours2);
        print!("gloam fq::mul mulx {our_lat:.1} ns, portable {our_lat2:.1} ns | ");
        let mut bx = blst::blst_fp::default();
        let mut bb = blst::blst_fp::default();
        unsafe {
            blst::blst_fp_from_uint64(&mut bx, [1u64, 2, 3, 4, 5, 6].as_ptr());
            blst::blst_fp_from_uint64(&mut bb, [7u64, 8, 9, 10, 11, 12].as_ptr());
        }
        let t = Instant::now();
        for _ in 0..iters {
            unsafe { blst::blst_fp_mul(&mut bx, &bx, &bb) };
        }
        let blst_lat = t.elapsed().as_secs_f64() * 1e9 / iters as f64;
        let t = Instant::now();
        for _ in 0..1000 {
            unsafe { blst::blst_fp_inverse(&mut bx, &bx) };
        }
        let blst_inv = t.elapsed().as_secs_f64() * 1e9 / 1000.0;
        println!(
            "ark mul {ark_lat:.1} ns (thr {ark_thr:.1}), sqr {ark_sq:.1} ns, inv {ark_inv:.0} ns | blst mul {blst_lat:.1} ns, inv {blst_inv:.0} ns  [{}]",
            (x0 + x1 + x2 + x3 + x + y + z).is_zero() as u8 + bx.l[0] as u8
        );
    }
}

#[target_feature(enable = "bmi2,adx")]
unsafe fn chain_mulx(a: Fq, b: Fq, iters: u32) -> Fq {
    chain(a, b, iters)
}

#[inline(always)]
fn chain(a: Fq, b: Fq, iters: u32) -> Fq {
    let mut x = a;
    for _ in 0..iters {
        x = gloam_cpu::fq::mul(&x, &b);
    }
    x
}
