//! Fuzz bodies for every decoder of the serialized format (`serialize.rs`), run on stable over
//! seeded random and mutated input by `tests/fuzz_bodies.rs` (the pattern of
//! `node/evm/src/fuzzing.rs`). Each body takes arbitrary bytes and must never panic; where a
//! decode succeeds, re-encoding must give the same bytes (the format has one encoding per object).
//!
//! The bodies decode with [`TOY_PARAMS`] (tiny, insecure, for fuzzing only) so that valid objects
//! are a few kilobytes and mutations reach every field.

use std::sync::OnceLock;

use crate::client::{ClientKey, CompactCiphertextList, CompactPublicKey, CompressedServerKey};
use crate::integer::{EBool, RadixCiphertext};
use crate::params::FheParams;
use crate::serialize::{CHECKSUM_LEN, HEADER_LEN};
use crate::server_key::ServerKey;

/// Insecure toy parameters (n = 8, N = 64) for fuzzing and format tests only.
pub const TOY_PARAMS: FheParams =
    FheParams { lwe_dimension: 8, polynomial_size: 64, ..crate::params::HPU_MESSAGE_2_CARRY_2_KS32_TUNIFORM_2M128 };

struct Toy {
    client: ClientKey,
    server: ServerKey,
}

fn toy() -> &'static Toy {
    static T: OnceLock<Toy> = OnceLock::new();
    T.get_or_init(|| {
        let client = ClientKey::generate(TOY_PARAMS, [7u8; 32], |_, _| {}).expect("toy client key");
        let server = client.server_key(|_, _| {}).expect("toy server key");
        Toy { client, server }
    })
}

/// Valid encodings of every kind under [`TOY_PARAMS`] (the seeds of the mutation corpus).
pub fn corpus() -> Vec<(&'static str, Vec<u8>)> {
    use rand::SeedableRng;
    let t = toy();
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(0x0074_6f79);
    let cpk = t.client.compact_public_key().expect("toy cpk");
    vec![
        ("client_key", t.client.to_bytes()),
        ("server_key", t.server.to_bytes()),
        ("compressed_server_key", t.client.compressed_server_key(|_, _| {}).expect("toy csk").to_bytes()),
        ("compact_public_key", cpk.to_bytes()),
        ("radix", t.client.encrypt_u8(0xa5, &mut rng).expect("toy radix").to_bytes(&TOY_PARAMS).expect("encode")),
        ("ebool", t.client.encrypt_bool(true, &mut rng).to_bytes(&TOY_PARAMS).expect("encode")),
        ("compact_list", cpk.encrypt_mixed(&[(3, 2), (0xbeef, 8)], &mut rng).expect("toy list").to_bytes()),
    ]
}

/// Rewrites the length field and checksum of a (mutated) envelope so that the mutation reaches
/// the payload checks. Inputs shorter than an empty envelope are returned unchanged.
pub fn reseal(bytes: &[u8]) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    let mut out = bytes.to_vec();
    if out.len() < HEADER_LEN + CHECKSUM_LEN {
        return out;
    }
    let len = (out.len() - HEADER_LEN - CHECKSUM_LEN) as u64;
    out[20..28].copy_from_slice(&len.to_le_bytes());
    let end = out.len() - CHECKSUM_LEN;
    let sum = Sha256::digest(&out[..end]);
    out[end..].copy_from_slice(&sum);
    out
}

pub fn client_key(data: &[u8]) {
    if let Ok(k) = ClientKey::from_bytes(data, &TOY_PARAMS) {
        assert_eq!(k.to_bytes(), data, "client key round trip");
    }
}

pub fn server_key(data: &[u8]) {
    if let Ok(k) = ServerKey::from_bytes(data, &TOY_PARAMS) {
        assert_eq!(k.to_bytes(), data, "server key round trip");
    }
}

/// Also decompresses what decodes (mask regeneration and key conversion on arbitrary bodies).
pub fn compressed_server_key(data: &[u8]) {
    if let Ok(k) = CompressedServerKey::from_bytes(data, &TOY_PARAMS) {
        assert_eq!(k.to_bytes(), data, "compressed server key round trip");
        let _ = k.decompress().expect("a decoded compressed key decompresses");
    }
}

pub fn compact_public_key(data: &[u8]) {
    if let Ok(k) = CompactPublicKey::from_bytes(data, &TOY_PARAMS) {
        assert_eq!(k.to_bytes(), data, "compact public key round trip");
    }
}

/// Also decrypts what decodes (any block count and content).
pub fn radix_ciphertext(data: &[u8]) {
    if let Ok(c) = RadixCiphertext::from_bytes(data, &TOY_PARAMS) {
        assert_eq!(c.to_bytes(&TOY_PARAMS).expect("encode"), data, "radix round trip");
        let _ = toy().client.decrypt_radix(&c).expect("a decoded radix decrypts");
    }
}

pub fn ebool(data: &[u8]) {
    if let Ok(c) = EBool::from_bytes(data, &TOY_PARAMS) {
        assert_eq!(c.to_bytes(&TOY_PARAMS).expect("encode"), data, "ebool round trip");
        let _ = toy().client.decrypt_bool(&c).expect("a decoded ebool decrypts");
    }
}

/// Also expands (server side) and decrypts (client side) what decodes.
pub fn compact_list(data: &[u8]) {
    if let Ok(l) = CompactCiphertextList::from_bytes(data, &TOY_PARAMS) {
        assert_eq!(l.to_bytes(), data, "compact list round trip");
        let values = l.expand(&toy().server).expect("a decoded list expands");
        assert_eq!(values.len(), l.widths().len());
        let _ = toy().client.decrypt_compact_list(&l).expect("a decoded list decrypts");
    }
}

/// Every body, by corpus name.
pub fn body(name: &str) -> Option<fn(&[u8])> {
    Some(match name {
        "client_key" => client_key,
        "server_key" => server_key,
        "compressed_server_key" => compressed_server_key,
        "compact_public_key" => compact_public_key,
        "radix" => radix_ciphertext,
        "ebool" => ebool,
        "compact_list" => compact_list,
        _ => return None,
    })
}

/// Seeded mutator (xorshift64*): byte flips, overwrites, inserts, deletes, truncation,
/// duplication of a slice, and little-endian length-like values (0, 1, max, 32, 33).
pub struct Mutator(u64);

impl Mutator {
    pub fn new(seed: u64) -> Self {
        Self(seed | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }

    /// 1 to 4 mutations of `input`.
    pub fn mutate(&mut self, input: &[u8]) -> Vec<u8> {
        let mut v = input.to_vec();
        for _ in 0..1 + self.below(4) {
            let len = v.len();
            match self.below(7) {
                0 if len > 0 => {
                    let i = self.below(len);
                    v[i] ^= 1 << self.below(8);
                }
                1 if len > 0 => {
                    let i = self.below(len);
                    v[i] = self.next_u64() as u8;
                }
                2 => {
                    let i = self.below(len + 1);
                    v.insert(i, self.next_u64() as u8);
                }
                3 if len > 0 => {
                    let i = self.below(len);
                    v.remove(i);
                }
                4 => v.truncate(self.below(len + 1)),
                5 if len > 0 => {
                    let a = self.below(len);
                    let b = (a + 1 + self.below(16)).min(len);
                    let slice = v[a..b].to_vec();
                    let at = self.below(len + 1);
                    v.splice(at..at, slice);
                }
                _ if len > 0 => {
                    let vals = [0u8, 1, 0xff, 32, 33];
                    let i = self.below(len);
                    v[i] = vals[self.below(vals.len())];
                }
                _ => v.push(self.next_u64() as u8),
            }
        }
        v
    }
}
