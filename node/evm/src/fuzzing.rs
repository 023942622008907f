//! Fuzz target bodies for everything the node decodes from the network or from files, shared by
//! the cargo-fuzz crate (`node/evm/fuzz`) and by `tests/fuzz_bodies.rs`, which runs them on
//! stable over seeded mutations so CI exercises them. Each takes arbitrary bytes and must never
//! panic; where a round trip exists it is asserted.

use std::sync::{Arc, OnceLock};

use alloy_consensus::TxEnvelope;
use alloy_eips::eip2718::{Decodable2718, Encodable2718};

use crate::chain::{Chain, ChainConfig};
use crate::genesis::{dev_genesis, DEV_CHAIN_ID, DEV_GAS_LIMIT};
use crate::rpc::RpcContext;

struct Harness {
    chain: Arc<Chain>,
    rpc: jsonrpsee::RpcModule<RpcContext>,
    rt: tokio::runtime::Runtime,
}

fn harness() -> &'static Harness {
    static H: OnceLock<Harness> = OnceLock::new();
    H.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("gloam-evm-fuzz-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let cfg = ChainConfig { datadir: dir, pool: Default::default(), block_cache: 8 };
        let chain = Chain::open(cfg, dev_genesis(DEV_CHAIN_ID, 10, DEV_GAS_LIMIT)).expect("fuzz chain");
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("runtime");
        let rpc = {
            let _g = rt.enter();
            crate::rpc::module(chain.clone(), vec![crate::genesis::dev_signer(0)], None).expect("rpc module")
        };
        Harness { chain, rpc, rt }
    })
}

/// Raw transactions (`eth_sendRawTransaction`): decoding and every admission check. A decoded
/// transaction re-encodes to the same bytes.
pub fn raw_transaction(data: &[u8]) {
    if let Ok(tx) = TxEnvelope::decode_2718_exact(data) {
        assert_eq!(tx.encoded_2718(), data, "EIP-2718 round trip");
    }
    let _ = harness().chain.submit_raw(data);
}

/// Chain files (`gloam node import`) and block import: decoding, then full validation.
pub fn chain_file(data: &[u8]) {
    let h = harness();
    if let Ok(blocks) = crate::rlp_file::decode_blocks(data) {
        for b in blocks {
            let _ = h.chain.import_block(b);
        }
    }
}

/// JSON-RPC requests (single or batch) through the real method table.
pub fn rpc_request(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = rpc_response(text);
}

/// The response the harness's method table gives to one request (tests check the fuzz harness
/// is live with it).
pub fn rpc_response(text: &str) -> Option<String> {
    let h = harness();
    h.rt.block_on(h.rpc.raw_json_request(text, 1)).ok().map(|(resp, _)| resp.to_string())
}

/// The harness chain's head (tests check that fuzzed imports never corrupt it).
pub fn harness_head() -> u64 {
    harness().chain.head_number()
}

/// A seeded xorshift64 generator for the stable-toolchain fuzz runs (tests print the seed).
#[derive(Debug, Clone)]
pub struct Mutator(u64);

impl Mutator {
    pub fn new(seed: u64) -> Self {
        Mutator(seed.max(1))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// Uniform-ish in `0..n` (`0` when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// 1–4 random edits of `base`: bit flips, byte overwrites, truncations, insertions, appends.
    pub fn mutate(&mut self, base: &[u8]) -> Vec<u8> {
        let mut m = base.to_vec();
        for _ in 0..1 + self.below(4) {
            match self.below(5) {
                0 if !m.is_empty() => {
                    let p = self.below(m.len());
                    m[p] ^= 1 << self.below(8);
                }
                1 if !m.is_empty() => {
                    let p = self.below(m.len());
                    m.truncate(p);
                }
                2 if !m.is_empty() => {
                    let p = self.below(m.len());
                    m[p] = self.next_u64() as u8;
                }
                3 => {
                    let p = self.below(m.len() + 1);
                    m.insert(p, self.next_u64() as u8);
                }
                _ => m.push(self.next_u64() as u8),
            }
        }
        m
    }
}

/// The seed of a seeded fuzz test: `GLOAM_TEST_SEED` if set, else `default`; printed so a failure
/// can be reproduced.
pub fn test_seed(default: u64) -> u64 {
    let s = std::env::var("GLOAM_TEST_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(default);
    eprintln!("fuzz_bodies seed={s} (GLOAM_TEST_SEED to reproduce)");
    s
}

/// Runs a fuzz body on `cases` inputs — mutations of the corpus, and every tenth one random bytes
/// up to `max_random` long — then on the corpus itself. A panic fails the test with the seed, the
/// case number and (the first 512 bytes of) the input.
pub fn run_body(what: &str, seed: u64, corpus: &[Vec<u8>], cases: usize, max_random: usize, body: fn(&[u8])) {
    let mut rng = Mutator::new(seed);
    for i in 0..cases {
        let input = if i % 10 == 9 || corpus.is_empty() {
            (0..rng.below(max_random)).map(|_| rng.next_u64() as u8).collect()
        } else {
            rng.mutate(&corpus[i % corpus.len()])
        };
        let r = std::panic::catch_unwind(|| body(&input));
        assert!(
            r.is_ok(),
            "{what} panicked on 0x{} (seed {seed}, case {i})",
            hex::encode(&input[..input.len().min(512)])
        );
    }
    for c in corpus {
        body(c);
    }
}
