//! Runs the fuzz bodies of `gloam_consensus::fuzzing` on seeded random bytes and on mutations of
//! valid inputs (set `GLOAM_FUZZ_SEED` to reproduce; the seed is printed on failure).

use commonware_codec::Encode;
use commonware_consensus::simplex::types::{Notarize, Proposal, Vote};
use commonware_consensus::types::{Epoch, Round, View};
use commonware_cryptography::{sha256, Hasher as _};
use gloam_consensus::{fuzzing, Block, BlockContext};

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        // splitmix64
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    let mut v = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        match rng.below(5) {
            0 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] ^= 1 << rng.below(8);
            }
            1 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] = rng.next() as u8;
            }
            2 => {
                let i = rng.below(v.len() + 1);
                v.insert(i, rng.next() as u8);
            }
            3 if !v.is_empty() => {
                let i = rng.below(v.len());
                v.remove(i);
            }
            _ => {
                let cut = rng.below(v.len() + 1);
                v.truncate(cut);
            }
        }
    }
    v
}

fn corpus(tag: &str) -> Vec<Vec<u8>> {
    let block = Block::new(
        BlockContext { height: 3, view: 5, parent: [9; 32], timestamp_ms: 12345, proposer: 1 },
        b"payload bytes".to_vec(),
    );
    let dir = std::env::temp_dir().join(format!("gloam-consensus-fuzz-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let paths = gloam_consensus::init_testnet(2, &dir, 43000, Some(3)).unwrap();
    // Fixed paths so the corpus (and so every mutation) depends on the seed only.
    let mut cfg = gloam_consensus::ValidatorConfig::load(&paths[0]).unwrap();
    cfg.data_dir = "/var/lib/gloam/data".into();
    cfg.key_file = "/var/lib/gloam/key.json".into();
    let config = serde_json::to_vec_pretty(&cfg).unwrap();
    // A real signed vote under gloam's scheme.
    let scheme = {
        let mut rng = commonware_utils::TestRng::new(1);
        let k = gloam_consensus::keys::Keys::generate(&mut rng);
        let committee = gloam_consensus::keys::committee(vec![(k.identity_public(), k.bls_public())]).unwrap();
        commonware_consensus::simplex::scheme::bls12381_multisig::Scheme::signer(b"ns", committee, k.bls).unwrap()
    };
    let proposal =
        Proposal::new(Round::new(Epoch::zero(), View::new(4)), View::new(3), sha256::Sha256::hash(&[b"x".as_slice()]));
    let vote: Vote<gloam_consensus::keys::Scheme, sha256::Digest> =
        Vote::Notarize(Notarize::sign(&scheme, proposal).unwrap());
    let _ = std::fs::remove_dir_all(&dir);
    vec![block.encode().to_vec(), config, vote.encode().to_vec()]
}

#[test]
fn fuzz_bodies_on_seeded_inputs() {
    let seed: u64 = std::env::var("GLOAM_FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x5eed);
    let result = std::panic::catch_unwind(|| {
        let corpus = corpus("run");
        // The valid inputs are accepted (so the mutations start from decodable data).
        fuzzing::block(&corpus[0]);
        let mut rng = Rng(seed);
        for i in 0..3000 {
            let input = if i % 4 == 0 {
                let len = rng.below(400);
                (0..len).map(|_| rng.next() as u8).collect()
            } else {
                let base = &corpus[rng.below(corpus.len())];
                mutate(&mut rng, base)
            };
            fuzzing::block(&input);
            fuzzing::config(&input);
            fuzzing::simplex_messages(&input);
        }
    });
    if let Err(e) = result {
        eprintln!("fuzz failure with GLOAM_FUZZ_SEED={seed}");
        std::panic::resume_unwind(e);
    }
}

#[test]
fn valid_corpus_round_trips() {
    let c = corpus("valid");
    let b = commonware_codec::Decode::decode_cfg(c[0].clone(), &4096usize);
    let b: Block = b.expect("block decodes");
    assert_eq!(b.encode().to_vec(), c[0]);
    let cfg = gloam_consensus::ValidatorConfig::from_json(std::str::from_utf8(&c[1]).unwrap()).expect("config parses");
    assert_eq!(cfg.validators.len(), 2);
    let v = commonware_codec::Decode::decode_cfg(c[2].clone(), &());
    let v: Vote<gloam_consensus::keys::Scheme, sha256::Digest> = v.expect("vote decodes");
    assert_eq!(v.encode().to_vec(), c[2]);
}
