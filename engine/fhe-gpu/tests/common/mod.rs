//! Shared test fixtures: fixed-seed keys, inputs (encryptions and raw random words) and LUTs.
#![allow(dead_code)]

use std::sync::OnceLock;

use gloam_fhe::fuzzing::TOY_PARAMS;
use gloam_fhe::{ClientKey, FheParams, Lut, LweCiphertext, ServerKey, HPU_MESSAGE_2_CARRY_2_KS32_TUNIFORM_2M128};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

pub fn seed(default: u64) -> u64 {
    std::env::var("GLOAM_TEST_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(default)
}

pub struct Keys {
    pub client: ClientKey,
    pub server: ServerKey,
}

fn make(params: FheParams, seed: u8) -> Keys {
    let client = ClientKey::generate(params, [seed; 32], |_, _| {}).expect("client key");
    let server = client.server_key(|_, _| {}).expect("server key");
    Keys { client, server }
}

pub fn toy() -> &'static Keys {
    static K: OnceLock<Keys> = OnceLock::new();
    K.get_or_init(|| make(TOY_PARAMS, 0x31))
}

/// k = 2, N = 128, PBS decomposition 2^10 × 3 levels, KS 2^3 × 5 levels: exercises several GLWE
/// rows and several levels in the external product (toy and HPU both have k = 1, l = 1).
pub const WIDE_PARAMS: FheParams = FheParams {
    lwe_dimension: 12,
    glwe_dimension: 2,
    polynomial_size: 128,
    pbs_base_log: 10,
    pbs_level: 3,
    ks_base_log: 3,
    ks_level: 5,
    ..TOY_PARAMS
};

pub fn wide() -> &'static Keys {
    static K: OnceLock<Keys> = OnceLock::new();
    K.get_or_init(|| make(WIDE_PARAMS, 0x33))
}

pub fn hpu() -> &'static Keys {
    static K: OnceLock<Keys> = OnceLock::new();
    K.get_or_init(|| make(HPU_MESSAGE_2_CARRY_2_KS32_TUNIFORM_2M128, 0x32))
}

/// `count` inputs: encryptions of m = i mod 16 (padding bit clear: message·carry space) for even i,
/// uniformly random words (any bytes must match) for odd i. Returns the messages (None = random).
pub fn inputs(k: &Keys, count: usize, seed: u64) -> (Vec<LweCiphertext>, Vec<Option<u64>>) {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let len = k.server.params().big_lwe_dimension() + 1;
    let mut cts = Vec::with_capacity(count);
    let mut msgs = Vec::with_capacity(count);
    for i in 0..count {
        if i % 2 == 0 {
            let m = (i as u64 / 2) % 16;
            cts.push(k.client.encrypt_block(m, &mut rng));
            msgs.push(Some(m));
        } else {
            cts.push(LweCiphertext { data: (0..len).map(|_| rng.gen()).collect() });
            msgs.push(None);
        }
    }
    (cts, msgs)
}

/// Identity, x+1 mod 4, carry (x/4), message (x mod 4), a random table, and a random non-trivial
/// GLWE (bytes only).
pub type Table = Option<Box<dyn Fn(u64) -> u64>>;

pub fn luts(k: &Keys, seed: u64) -> (Vec<Lut>, Vec<Table>) {
    let mut rng = ChaCha20Rng::seed_from_u64(seed ^ 0x17);
    let table: Vec<u64> = (0..16).map(|_| rng.gen_range(0..16)).collect();
    let fns: Vec<Box<dyn Fn(u64) -> u64>> = vec![
        Box::new(|x| x),
        Box::new(|x| (x + 1) % 4),
        Box::new(|x| x / 4),
        Box::new(|x| x % 4),
        Box::new(move |x| table[x as usize % 16]),
    ];
    let mut luts: Vec<Lut> = fns.iter().map(|f| k.server.lut(f)).collect();
    let mut out: Vec<Table> = fns.into_iter().map(Some).collect();
    let len = k.server.params().glwe_size() * k.server.params().polynomial_size;
    luts.push(Lut { data: (0..len).map(|_| rng.gen()).collect() });
    out.push(None);
    (luts, out)
}
