//! Versioned binary format for keys and ciphertexts.
//!
//! Every object is one envelope (integers little endian):
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 8 | magic `GLOAMFHE` |
//! | 8 | 2 | format version (u16), currently [`FORMAT_VERSION`] = 1 |
//! | 10 | 1 | kind ([`Kind`]) |
//! | 11 | 1 | reserved, 0 |
//! | 12 | 8 | parameter-set id ([`FheParams::id`]) |
//! | 20 | 8 | payload length L (u64) |
//! | 28 | L | payload |
//! | 28 + L | 32 | SHA-256 of bytes [0, 28 + L) |
//!
//! Payloads (n = small LWE dimension, k·N = big dimension, gs = k + 1):
//!
//! | kind | payload |
//! |---|---|
//! | 1 client key | key-generation seed (32) ‖ small key bits, packed LSB first (⌈n/8⌉) ‖ GLWE key bits (⌈kN/8⌉); padding bits 0 |
//! | 2 server key | modulus switch (u8: 0 standard, 1 centered) ‖ keyswitch key, kN·l_ks·(n+1) u32 ‖ bootstrap key in NTT form, n·l·gs²·N u64 (each < p) |
//! | 3 compressed server key | mask seed (32) ‖ keyswitch-key bodies, kN·l_ks u32 ‖ bootstrap-key row bodies, n·l·gs·N u64 (standard domain) |
//! | 4 compact public key | mask seed (32) ‖ body, N u64 |
//! | 5 radix ciphertext | block count (u8, 1..=32) ‖ blocks, each kN + 1 u64 |
//! | 6 ebool | one block, kN + 1 u64 |
//! | 7 compact ciphertext list | value count (u16, ≥ 1) ‖ widths in blocks (u8 each, 1..=32, Σ ≤ N) ‖ mask, N u64 ‖ body, N u64 |
//!
//! u32 keyswitch-key words must have their low 32 − q bits clear (values live on the 2^q modulus).
//! Decoding is strict: the caller names the parameters it expects; magic, version, kind,
//! reserved byte, parameter id, lengths (header and payload, no trailing bytes), checksum and every
//! field's domain are checked, each failure with its own [`FheError`], and no input panics
//! (`fuzzing.rs` runs every decoder on random and mutated input).

use sha2::{Digest, Sha256};

use crate::ciphertext::LweCiphertext;
use crate::client::{ClientKey, CompactCiphertextList, CompactPublicKey, CompressedServerKey, Seed};
use crate::error::FheError;
use crate::integer::{EBool, RadixCiphertext, EUINT64_BLOCKS, MAX_BLOCKS};
use crate::keyswitch::KeyswitchKey;
use crate::params::FheParams;
use crate::pbs::{BootstrapKey, ModulusSwitch};
use crate::server_key::ServerKey;

pub const MAGIC: [u8; 8] = *b"GLOAMFHE";
pub const FORMAT_VERSION: u16 = 1;
pub const HEADER_LEN: usize = 28;
pub const CHECKSUM_LEN: usize = 32;

/// Object kinds (byte 10 of the envelope).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Kind {
    ClientKey = 1,
    ServerKey = 2,
    CompressedServerKey = 3,
    CompactPublicKey = 4,
    RadixCiphertext = 5,
    EBool = 6,
    CompactCiphertextList = 7,
}

/// The envelope fields of an object (checked except for its kind and parameters).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    pub version: u16,
    pub kind: u8,
    pub params_id: u64,
    pub payload_len: u64,
}

/// Reads and checks an envelope without knowing what it holds: magic, version, reserved byte,
/// length and checksum.
pub fn peek_header(bytes: &[u8]) -> Result<Header, FheError> {
    let min = (HEADER_LEN + CHECKSUM_LEN) as u64;
    if bytes.len() < HEADER_LEN + CHECKSUM_LEN {
        return Err(FheError::EncodedLength { what: "object", expected: min, got: bytes.len() as u64 });
    }
    if bytes[..8] != MAGIC {
        return Err(FheError::BadMagic);
    }
    let version = u16::from_le_bytes([bytes[8], bytes[9]]);
    if version != FORMAT_VERSION {
        return Err(FheError::FormatVersion { got: version, supported: FORMAT_VERSION });
    }
    let kind = bytes[10];
    if bytes[11] != 0 {
        return Err(FheError::InvalidEncoding("reserved header byte is not 0"));
    }
    let params_id = u64::from_le_bytes(bytes[12..20].try_into().expect("8 bytes"));
    let payload_len = u64::from_le_bytes(bytes[20..28].try_into().expect("8 bytes"));
    let actual = (bytes.len() - HEADER_LEN - CHECKSUM_LEN) as u64;
    if payload_len != actual {
        return Err(FheError::EncodedLength {
            what: "payload (header length field)",
            expected: payload_len,
            got: actual,
        });
    }
    let (content, sum) = bytes.split_at(bytes.len() - CHECKSUM_LEN);
    if Sha256::digest(content).as_slice() != sum {
        return Err(FheError::Checksum);
    }
    Ok(Header { version, kind, params_id, payload_len })
}

/// Checks the envelope for `kind` and `params` and returns the payload.
fn open<'a>(bytes: &'a [u8], kind: Kind, params: &FheParams) -> Result<&'a [u8], FheError> {
    params.validate()?;
    let h = peek_header(bytes)?;
    if h.kind != kind as u8 {
        return Err(FheError::WrongKind { expected: kind as u8, got: h.kind });
    }
    if h.params_id != params.id() {
        return Err(FheError::ParamsMismatch { expected: params.id(), got: h.params_id });
    }
    Ok(&bytes[HEADER_LEN..bytes.len() - CHECKSUM_LEN])
}

/// Writes an envelope around a payload of `len` bytes produced by `write`.
fn seal(kind: Kind, params: &FheParams, len: usize, write: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN + len + CHECKSUM_LEN);
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.push(kind as u8);
    out.push(0);
    out.extend_from_slice(&params.id().to_le_bytes());
    out.extend_from_slice(&(len as u64).to_le_bytes());
    write(&mut out);
    debug_assert_eq!(out.len(), HEADER_LEN + len, "payload length formula");
    let sum = Sha256::digest(&out);
    out.extend_from_slice(&sum);
    out
}

fn put_u32s(out: &mut Vec<u8>, v: &[u32]) {
    out.extend(v.iter().flat_map(|x| x.to_le_bytes()));
}

fn put_u64s(out: &mut Vec<u8>, v: &[u64]) {
    out.extend(v.iter().flat_map(|x| x.to_le_bytes()));
}

fn put_bits(out: &mut Vec<u8>, bits: impl ExactSizeIterator<Item = bool>) {
    let mut byte = 0u8;
    let len = bits.len();
    for (i, b) in bits.enumerate() {
        byte |= (b as u8) << (i % 8);
        if i % 8 == 7 || i + 1 == len {
            out.push(byte);
            byte = 0;
        }
    }
}

/// Payload cursor; every read is bounds-checked.
struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], FheError> {
        if self.buf.len() < n {
            return Err(FheError::EncodedLength { what, expected: n as u64, got: self.buf.len() as u64 });
        }
        let (head, rest) = self.buf.split_at(n);
        self.buf = rest;
        Ok(head)
    }

    fn u8(&mut self, what: &'static str) -> Result<u8, FheError> {
        Ok(self.take(1, what)?[0])
    }

    fn u16(&mut self, what: &'static str) -> Result<u16, FheError> {
        let b = self.take(2, what)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    fn seed(&mut self, what: &'static str) -> Result<Seed, FheError> {
        Ok(self.take(32, what)?.try_into().expect("32 bytes"))
    }

    fn u32s(&mut self, count: usize, what: &'static str) -> Result<Vec<u32>, FheError> {
        let n = count.checked_mul(4).ok_or(FheError::InvalidEncoding("length overflows"))?;
        let b = self.take(n, what)?;
        Ok(b.chunks_exact(4).map(|c| u32::from_le_bytes(c.try_into().expect("4 bytes"))).collect())
    }

    fn u64s(&mut self, count: usize, what: &'static str) -> Result<Vec<u64>, FheError> {
        let n = count.checked_mul(8).ok_or(FheError::InvalidEncoding("length overflows"))?;
        let b = self.take(n, what)?;
        Ok(b.chunks_exact(8).map(|c| u64::from_le_bytes(c.try_into().expect("8 bytes"))).collect())
    }

    fn bits(&mut self, count: usize, what: &'static str) -> Result<Vec<u8>, FheError> {
        let b = self.take(count.div_ceil(8), what)?;
        let bits: Vec<u8> = (0..count).map(|i| (b[i / 8] >> (i % 8)) & 1).collect();
        if !count.is_multiple_of(8) && b[count / 8] >> (count % 8) != 0 {
            return Err(FheError::InvalidEncoding("key padding bits are not 0"));
        }
        Ok(bits)
    }

    fn finish(self) -> Result<(), FheError> {
        if !self.buf.is_empty() {
            return Err(FheError::EncodedLength {
                what: "trailing payload bytes",
                expected: 0,
                got: self.buf.len() as u64,
            });
        }
        Ok(())
    }
}

/// Payload size of each kind for `params` (bytes), and the full object sizes.
fn ksk_words(p: &FheParams) -> usize {
    p.big_lwe_dimension() * p.ks_level * (p.lwe_dimension + 1)
}
fn bsk_words(p: &FheParams) -> usize {
    p.lwe_dimension * p.pbs_level * p.glwe_size() * p.glwe_size() * p.polynomial_size
}
fn block_words(p: &FheParams) -> usize {
    p.big_lwe_dimension() + 1
}

/// Serialized sizes in bytes (envelope included) for a parameter set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ObjectSizes {
    pub client_key: usize,
    pub server_key: usize,
    pub compressed_server_key: usize,
    pub compact_public_key: usize,
    /// One euint64 (32 blocks) encrypted with the client key.
    pub euint64: usize,
    pub ebool: usize,
    /// A compact list filled with N/32 euint64 values (64 for N = 2048).
    pub compact_list_full_euint64: usize,
}

impl ObjectSizes {
    /// Bytes per euint64 inside a full compact list.
    pub fn compact_euint64(&self, params: &FheParams) -> usize {
        self.compact_list_full_euint64 / (params.polynomial_size / EUINT64_BLOCKS).max(1)
    }
}

/// Sizes of every serialized object for `params` (formulas of the format above; the tests check
/// them against real encodings).
pub fn sizes(p: &FheParams) -> ObjectSizes {
    let env = HEADER_LEN + CHECKSUM_LEN;
    let full_list_values = (p.polynomial_size / EUINT64_BLOCKS).max(1);
    ObjectSizes {
        client_key: env + 32 + p.lwe_dimension.div_ceil(8) + p.big_lwe_dimension().div_ceil(8),
        server_key: env + 1 + 4 * ksk_words(p) + 8 * bsk_words(p),
        compressed_server_key: env
            + 32
            + 4 * p.big_lwe_dimension() * p.ks_level
            + 8 * p.lwe_dimension * p.pbs_level * p.glwe_size() * p.polynomial_size,
        compact_public_key: env + 32 + 8 * p.polynomial_size,
        euint64: env + 1 + EUINT64_BLOCKS * 8 * block_words(p),
        ebool: env + 8 * block_words(p),
        compact_list_full_euint64: env + 2 + full_list_values + 16 * p.polynomial_size,
    }
}

impl ClientKey {
    pub fn to_bytes(&self) -> Vec<u8> {
        let p = &self.params;
        let len = 32 + p.lwe_dimension.div_ceil(8) + p.big_lwe_dimension().div_ceil(8);
        seal(Kind::ClientKey, p, len, |out| {
            out.extend_from_slice(&self.seed);
            put_bits(out, self.small.iter().map(|&b| b == 1));
            put_bits(out, self.glwe.iter().map(|&b| b == 1));
        })
    }

    pub fn from_bytes(bytes: &[u8], params: &FheParams) -> Result<Self, FheError> {
        let mut r = Reader { buf: open(bytes, Kind::ClientKey, params)? };
        let seed = r.seed("client key seed")?;
        let small = r.bits(params.lwe_dimension, "small key")?.into_iter().map(u32::from).collect();
        let glwe = r.bits(params.big_lwe_dimension(), "GLWE key")?.into_iter().map(u64::from).collect();
        r.finish()?;
        Ok(ClientKey { params: *params, seed, small, glwe })
    }
}

impl ServerKey {
    pub fn to_bytes(&self) -> Vec<u8> {
        let p = self.params();
        let ksk = self.keyswitch_key().as_slice();
        let bsk = self.bootstrap_key().as_ntt_slice();
        seal(Kind::ServerKey, p, 1 + 4 * ksk.len() + 8 * bsk.len(), |out| {
            out.push(match self.modulus_switch() {
                ModulusSwitch::Standard => 0,
                ModulusSwitch::Centered => 1,
            });
            put_u32s(out, ksk);
            put_u64s(out, bsk);
        })
    }

    pub fn from_bytes(bytes: &[u8], params: &FheParams) -> Result<Self, FheError> {
        let p = params;
        let payload = open(bytes, Kind::ServerKey, p)?;
        let expected = 1 + 4 * ksk_words(p) + 8 * bsk_words(p);
        if payload.len() != expected {
            return Err(FheError::EncodedLength {
                what: "server key payload",
                expected: expected as u64,
                got: payload.len() as u64,
            });
        }
        let mut r = Reader { buf: payload };
        let ms = match r.u8("modulus switch")? {
            0 => ModulusSwitch::Standard,
            1 => ModulusSwitch::Centered,
            _ => return Err(FheError::InvalidEncoding("unknown modulus switch")),
        };
        let ksk = r.u32s(ksk_words(p), "keyswitch key")?;
        let low = (1u32 << (32 - p.ks_output_modulus_log)) - 1;
        if ksk.iter().any(|&v| v & low != 0) {
            return Err(FheError::InvalidEncoding("keyswitch key word not aligned on its modulus"));
        }
        let bsk = r.u64s(bsk_words(p), "bootstrap key")?;
        r.finish()?;
        let ksk = KeyswitchKey::for_params(ksk, p)?;
        let bsk = BootstrapKey::from_ntt(
            bsk,
            p.lwe_dimension,
            p.glwe_size(),
            p.polynomial_size,
            p.pbs_base_log,
            p.pbs_level,
        )?;
        Ok(ServerKey::new(*p, ksk, bsk)?.with_modulus_switch(ms))
    }
}

impl CompressedServerKey {
    pub fn to_bytes(&self) -> Vec<u8> {
        let len = 32 + 4 * self.ksk_bodies.len() + 8 * self.bsk_bodies.len();
        seal(Kind::CompressedServerKey, &self.params, len, |out| {
            out.extend_from_slice(&self.mask_seed);
            put_u32s(out, &self.ksk_bodies);
            put_u64s(out, &self.bsk_bodies);
        })
    }

    pub fn from_bytes(bytes: &[u8], params: &FheParams) -> Result<Self, FheError> {
        let p = params;
        let payload = open(bytes, Kind::CompressedServerKey, p)?;
        let ksk_n = p.big_lwe_dimension() * p.ks_level;
        let bsk_n = p.lwe_dimension * p.pbs_level * p.glwe_size() * p.polynomial_size;
        let expected = 32 + 4 * ksk_n + 8 * bsk_n;
        if payload.len() != expected {
            return Err(FheError::EncodedLength {
                what: "compressed server key payload",
                expected: expected as u64,
                got: payload.len() as u64,
            });
        }
        let mut r = Reader { buf: payload };
        let seed = r.seed("mask seed")?;
        let ksk = r.u32s(ksk_n, "keyswitch key bodies")?;
        let bsk = r.u64s(bsk_n, "bootstrap key bodies")?;
        r.finish()?;
        CompressedServerKey::new(*p, seed, ksk, bsk)
    }
}

impl CompactPublicKey {
    pub fn to_bytes(&self) -> Vec<u8> {
        seal(Kind::CompactPublicKey, &self.params, 32 + 8 * self.body.len(), |out| {
            out.extend_from_slice(&self.mask_seed);
            put_u64s(out, &self.body);
        })
    }

    pub fn from_bytes(bytes: &[u8], params: &FheParams) -> Result<Self, FheError> {
        let mut r = Reader { buf: open(bytes, Kind::CompactPublicKey, params)? };
        if params.glwe_dimension != 1 {
            return Err(FheError::Parameters("the compact public key needs k = 1"));
        }
        let seed = r.seed("mask seed")?;
        let body = r.u64s(params.polynomial_size, "compact public key body")?;
        r.finish()?;
        CompactPublicKey::new(*params, seed, body)
    }
}

fn check_block(p: &FheParams, b: &LweCiphertext) -> Result<(), FheError> {
    let expected = block_words(p);
    if b.data.len() != expected {
        return Err(FheError::Length { what: "ciphertext block", expected, got: b.data.len() });
    }
    Ok(())
}

impl RadixCiphertext {
    /// Fails (`Width`, `Length`) for a radix that does not fit `params`.
    pub fn to_bytes(&self, params: &FheParams) -> Result<Vec<u8>, FheError> {
        let n = self.blocks.len();
        if n == 0 || n > MAX_BLOCKS {
            return Err(FheError::Width { what: "radix width (blocks)", max: MAX_BLOCKS, got: n });
        }
        for b in &self.blocks {
            check_block(params, b)?;
        }
        Ok(seal(Kind::RadixCiphertext, params, 1 + 8 * n * block_words(params), |out| {
            out.push(n as u8);
            for b in &self.blocks {
                put_u64s(out, &b.data);
            }
        }))
    }

    pub fn from_bytes(bytes: &[u8], params: &FheParams) -> Result<Self, FheError> {
        let mut r = Reader { buf: open(bytes, Kind::RadixCiphertext, params)? };
        let n = r.u8("block count")? as usize;
        if n == 0 || n > MAX_BLOCKS {
            return Err(FheError::Width { what: "radix width (blocks)", max: MAX_BLOCKS, got: n });
        }
        let w = block_words(params);
        let expected = 8 * n * w;
        if r.buf.len() != expected {
            return Err(FheError::EncodedLength {
                what: "radix ciphertext blocks",
                expected: expected as u64,
                got: r.buf.len() as u64,
            });
        }
        let blocks = (0..n).map(|_| r.u64s(w, "block").map(LweCiphertext::from_container)).collect::<Result<_, _>>()?;
        r.finish()?;
        Ok(RadixCiphertext { blocks })
    }
}

impl EBool {
    pub fn to_bytes(&self, params: &FheParams) -> Result<Vec<u8>, FheError> {
        check_block(params, &self.0)?;
        Ok(seal(Kind::EBool, params, 8 * block_words(params), |out| put_u64s(out, &self.0.data)))
    }

    pub fn from_bytes(bytes: &[u8], params: &FheParams) -> Result<Self, FheError> {
        let mut r = Reader { buf: open(bytes, Kind::EBool, params)? };
        let w = block_words(params);
        if r.buf.len() != 8 * w {
            return Err(FheError::EncodedLength { what: "ebool", expected: 8 * w as u64, got: r.buf.len() as u64 });
        }
        let data = r.u64s(w, "ebool")?;
        r.finish()?;
        Ok(EBool(LweCiphertext::from_container(data)))
    }
}

impl CompactCiphertextList {
    pub fn to_bytes(&self) -> Vec<u8> {
        let p = &self.params;
        seal(Kind::CompactCiphertextList, p, 2 + self.blocks.len() + 16 * p.polynomial_size, |out| {
            out.extend_from_slice(&(self.blocks.len() as u16).to_le_bytes());
            out.extend_from_slice(&self.blocks);
            put_u64s(out, &self.mask);
            put_u64s(out, &self.body);
        })
    }

    pub fn from_bytes(bytes: &[u8], params: &FheParams) -> Result<Self, FheError> {
        let mut r = Reader { buf: open(bytes, Kind::CompactCiphertextList, params)? };
        let count = r.u16("value count")? as usize;
        let widths = r.take(count, "value widths")?.to_vec();
        let n = params.polynomial_size;
        let mask = r.u64s(n, "list mask")?;
        let body = r.u64s(n, "list body")?;
        r.finish()?;
        CompactCiphertextList::from_parts(*params, widths, mask, body)
    }
}
