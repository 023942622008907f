//! Runs every decoder fuzz body (`gloam_fhe::fuzzing`) over seeded random bytes, mutations of
//! valid objects, and mutations re-sealed with a fresh length field and checksum (so they reach
//! the payload checks). `GLOAM_TEST_SEED` reproduces a run; the seed is printed.

use gloam_fhe::fuzzing::{self, Mutator};

fn seed() -> u64 {
    let s = std::env::var("GLOAM_TEST_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0xf4e_f022);
    eprintln!("fhe fuzz_bodies seed={s} (GLOAM_TEST_SEED to reproduce)");
    s
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn decoders_never_panic_and_round_trip() {
    let seed = seed();
    let corpus = fuzzing::corpus();
    let mut rng = Mutator::new(seed);
    let mut decoded = 0usize;
    for (name, valid) in &corpus {
        let body = fuzzing::body(name).expect("every corpus entry has a body");
        // The valid object decodes (the body asserts its round trip).
        body(valid);
        for (other, other_valid) in &corpus {
            // Every body also sees every other kind (wrong-kind path).
            if other != name {
                body(other_valid);
            }
        }
        for i in 0..2400 {
            let input = match i % 6 {
                0 => (0..rng.below(200)).map(|_| rng.next_u64() as u8).collect(),
                1 | 2 => rng.mutate(valid),
                _ => fuzzing::reseal(&rng.mutate(valid)),
            };
            let r = std::panic::catch_unwind(|| body(&input));
            assert!(r.is_ok(), "{name} panicked on 0x{} (seed {seed}, case {i})", hex(&input));
            if gloam_fhe::peek_header(&input).is_ok() {
                decoded += 1;
            }
        }
    }
    // The re-sealed mutations really get past the envelope (otherwise the payload checks would
    // not be exercised).
    assert!(decoded > 4000, "only {decoded} inputs passed the envelope checks");
}
