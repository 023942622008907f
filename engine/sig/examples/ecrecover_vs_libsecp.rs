//! Single-thread ecrecover timing, gloam vs libsecp256k1 (recovery + Keccak address on both
//! sides), min of many interleaved runs (the least load-sensitive statistic on a shared machine).
//! `cargo run --release -p gloam-sig --example ecrecover_vs_libsecp -- 256 30`

use std::time::Instant;

use gloam_sig::secp256k1::{self as gsec, EcdsaRule, RecoverItem};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use secp256k1::{ecdsa, Message, Secp256k1, SecretKey};

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(256);
    let rounds: usize = std::env::args().nth(2).and_then(|s| s.parse().ok()).unwrap_or(30);
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let secp = Secp256k1::new();
    let mut hashes = Vec::new();
    let mut rsvs = Vec::new();
    for _ in 0..n {
        let sk = SecretKey::from_byte_array(rng.gen()).expect("random key is valid");
        let h: [u8; 32] = rng.gen();
        let (recid, compact) = secp.sign_ecdsa_recoverable(Message::from_digest(h), &sk).serialize_compact();
        let mut rsv = [0u8; 65];
        rsv[..64].copy_from_slice(&compact);
        rsv[64] = i32::from(recid) as u8;
        hashes.push(h);
        rsvs.push(rsv);
    }
    let items: Vec<RecoverItem> = (0..n).map(|i| RecoverItem { prehash: hashes[i], signature: &rsvs[i] }).collect();
    let vctx = Secp256k1::verification_only();
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
    let (mut g, mut l) = (f64::MAX, f64::MAX);
    pool.install(|| {
        for _ in 0..rounds {
            let t = Instant::now();
            std::hint::black_box(gsec::recover_batch(&items, EcdsaRule::HighSAllowed));
            g = g.min(t.elapsed().as_secs_f64());
            let t = Instant::now();
            for i in 0..n {
                let recid = ecdsa::RecoveryId::try_from(rsvs[i][64] as i32).unwrap();
                let sig = ecdsa::RecoverableSignature::from_compact(&rsvs[i][..64], recid).unwrap();
                let pk = vctx.recover_ecdsa(Message::from_digest(hashes[i]), &sig).unwrap();
                std::hint::black_box(gsec::address_of(&pk.serialize_uncompressed()[1..].try_into().unwrap()));
            }
            l = l.min(t.elapsed().as_secs_f64());
        }
    });
    println!(
        "n={n}: gloam-1t {:.1} µs/recovery, libsecp256k1 {:.1} µs/recovery, ×{:.2} (libsecp time / gloam time)",
        g * 1e6 / n as f64,
        l * 1e6 / n as f64,
        l / g
    );
}
