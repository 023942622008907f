//! Single-thread Ed25519 batch timing, gloam vs ed25519-zebra, min of many interleaved runs
//! (min is the least load-sensitive statistic on a shared machine).
//! `cargo run --release -p gloam-sig --example ed25519_vs_zebra -- 256`

use std::time::Instant;

use gloam_sig::ed25519;
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(256);
    let rounds: usize = std::env::args().nth(2).and_then(|s| s.parse().ok()).unwrap_or(30);
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let mut pks = Vec::new();
    let mut msgs = Vec::new();
    let mut sigs = Vec::new();
    for _ in 0..n {
        let sk = ed25519_zebra::SigningKey::new(&mut rng);
        let mut m = vec![0u8; 64];
        rng.fill_bytes(&mut m);
        sigs.push(sk.sign(&m).to_bytes());
        pks.push(<[u8; 32]>::from(ed25519_zebra::VerificationKeyBytes::from(&sk)));
        msgs.push(m);
    }
    let items: Vec<ed25519::Item> = (0..n).map(|i| ed25519::Item::new(&pks[i], &msgs[i], &sigs[i])).collect();
    let zsigs: Vec<ed25519_zebra::Signature> = sigs.iter().map(ed25519_zebra::Signature::from_bytes).collect();
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
    let cache = ed25519::KeyCache::new(1 << 16);
    let (mut g, mut z, mut gp, mut gc) = (f64::MAX, f64::MAX, f64::MAX, f64::MAX);
    pool.install(|| {
        for _ in 0..rounds {
            let t = Instant::now();
            assert!(ed25519::verify_batch(&items).iter().all(|r| r.is_ok()));
            g = g.min(t.elapsed().as_secs_f64());
            let t = Instant::now();
            assert!(ed25519::verify_batch_cached(&items, &cache).iter().all(|r| r.is_ok()));
            gc = gc.min(t.elapsed().as_secs_f64());
            let t = Instant::now();
            let mut v = ed25519_zebra::batch::Verifier::new();
            for i in 0..n {
                v.queue((ed25519_zebra::VerificationKeyBytes::from(pks[i]), zsigs[i], &msgs[i]));
            }
            assert!(v.verify(&mut rng).is_ok());
            z = z.min(t.elapsed().as_secs_f64());
        }
    });
    for _ in 0..rounds {
        let t = Instant::now();
        assert!(ed25519::verify_batch(&items).iter().all(|r| r.is_ok()));
        gp = gp.min(t.elapsed().as_secs_f64());
    }
    println!("n={n}: gloam-1t with a warm key cache {:.1} µs/sig, ×{:.2} vs zebra", gc * 1e6 / n as f64, z / gc);
    println!(
        "n={n}: gloam-1t {:.1} µs/sig, zebra {:.1} µs/sig, gloam all threads {:.1} µs/sig; 1t ratio ×{:.2}, all-thread ratio ×{:.2} (zebra time / gloam time)",
        g * 1e6 / n as f64,
        z * 1e6 / n as f64,
        gp * 1e6 / n as f64,
        z / g,
        z / gp
    );
}
