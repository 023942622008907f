//! Client side: key generation, encryption, decryption, seeded ("compressed") server keys and
//! compact public-key encryption of user inputs.
//!
//! Keys follow tfhe-rs 1.8.2 `core_crypto` conventions and layouts, so that the engine's keyswitch
//! and bootstrap (and tfhe's, used as the oracle in tests) run on them unchanged:
//! - binary secret keys: the small LWE key s (n bits) and the GLWE key S (k polynomials of N bits),
//!   S flattened being the "big" LWE key of dimension k·N;
//! - LWE encryption b = ⟨a, s⟩ + e + m, GLWE encryption B = Σ A_j·S_j + E + M (negacyclic
//!   products mod X^N + 1);
//! - keyswitch key: block i (big-key element S_i), row r encrypts S_i·2^(32 − B_ks·(l − r)) under s
//!   with u32 words on the 2^q modulus (values in the top q bits, noise scaled by 2^(32 − q)),
//!   as tfhe `generate_lwe_keyswitch_key_native_mod_compatible` (`lwe_keyswitch_key_generation.rs`);
//! - bootstrap key: GGSW of s_i; level index li ↔ decomposition level l − li, factor
//!   f = −s_i·2^(64 − B·level); row j < k has plaintext S_j·f, the last row −f at degree 0, as tfhe
//!   `encrypt_constant_ggsw_ciphertext` / `encrypt_constant_ggsw_level_matrix_row`
//!   (`ggsw_encryption.rs`).
//!
//! Randomness (our own, not tfhe's generator): ChaCha20 (RFC 8439 core, `rand_chacha`) streams.
//! A 32-byte key-generation seed gives the secret keys, the noise of every key and a public
//! *mask seed*; every mask of the keyswitch key, bootstrap key and compact public key comes from
//! the mask seed, one ChaCha20 stream per key row block. So a key can be stored "seeded" — mask
//! seed plus bodies only — and expanded by anyone ([`CompressedServerKey::decompress`]): tfhe's
//! seeded-entity approach (`SeededLweBootstrapKey`, `SeededLweKeyswitchKey`) with our own PRNG.
//!
//! Compact public key (Joye, "TFHE Public-Key Encryption Revisited", CT-RSA 2024; tfhe's
//! `LweCompactPublicKey`): an RLWE sample (A, B = A·S + E) under the GLWE key (k = 1). A user
//! encrypts up to N digits at once: with a fresh binary r and noise e1, e2,
//! (A·r + e1, B·r + e2 + Δ·M) is a GLWE encryption of M under S, so the server expands it into
//! LWE blocks under the big key by sample extraction — the form of a bootstrap output, ready for
//! the integer operations. Security is that of the GLWE problem the bootstrap key already rests on
//! (same N, q, noise and binary secret); the encryption noise (‖E·r‖, ‖e1·S‖ ≈ 2^22 for these
//! parameters) is far below a bootstrap output's (≈ 2^48), so expanded blocks compose like any
//! other block.

use rand::{CryptoRng, RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use rayon::prelude::*;

use crate::ciphertext::LweCiphertext;
use crate::error::FheError;
use crate::integer::{
    EBool, RadixCiphertext, EUINT16_BLOCKS, EUINT32_BLOCKS, EUINT64_BLOCKS, EUINT8_BLOCKS, MAX_BLOCKS,
};
use crate::keyswitch::KeyswitchKey;
use crate::ntt::{self, NegacyclicNtt};
use crate::params::FheParams;
use crate::pbs::BootstrapKey;
use crate::server_key::ServerKey;

/// 32-byte ChaCha20 seed.
pub type Seed = [u8; 32];

/// Key-generation steps reported to the progress callback with the fraction done (0.0..=1.0).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeygenStage {
    SecretKeys,
    KeyswitchKey,
    BootstrapKey,
    /// Conversion of the bootstrap key to the NTT domain (server key only).
    BootstrapKeyNtt,
    /// Regeneration of the masks of a seeded key.
    Decompress,
    CompactPublicKey,
}

// ChaCha20 stream numbers: domain in the high 32 bits, row-block index in the low 32 bits.
// Under the secret key-generation seed:
const STREAM_SECRET_KEYS: u64 = 0;
const STREAM_MASK_SEED: u64 = 1 << 32;
const STREAM_KSK_NOISE: u64 = 2 << 32;
const STREAM_BSK_NOISE: u64 = 3 << 32;
const STREAM_CPK_NOISE: u64 = 4 << 32;
// Under the public mask seed:
const MASK_KSK: u64 = 1 << 32;
const MASK_BSK: u64 = 2 << 32;
const MASK_CPK: u64 = 3 << 32;

/// Rows per progress report.
const PROGRESS_CHUNK: usize = 64;

fn stream(seed: &Seed, id: u64) -> ChaCha20Rng {
    let mut r = ChaCha20Rng::from_seed(*seed);
    r.set_stream(id);
    r
}

/// TUniform(2^b): uniform on [−2^b, 2^b], the two end points with half weight (tfhe
/// `TUniform`: b + 2 random bits x, then (x >> 1) + (x & 1) − 2^b). Two's complement u64.
#[inline]
fn t_uniform(rng: &mut impl RngCore, bound_log: u32) -> u64 {
    let x = rng.next_u64() & ((1u64 << (bound_log + 2)) - 1);
    ((x >> 1) + (x & 1)).wrapping_sub(1u64 << bound_log)
}

/// Negacyclic products mod (X^N + 1, 2^64) of arbitrary polynomials with one fixed binary
/// polynomial, through the Goldilocks NTT: a = a_lo + 2^32·a_hi, and a_lo·b, a_hi·b have integer
/// coefficients of absolute value < N·2^32 ≤ 2^63 < p/2 (N ≤ 2^31), so they are recovered
/// exactly from their residues mod p (centred lift) and recombined mod 2^64.
struct BinaryPolyMul {
    ntt: NegacyclicNtt,
    /// NTT(b)·N^{−1}.
    b_hat: Vec<u64>,
}

impl BinaryPolyMul {
    fn new(ntt: &NegacyclicNtt, b: &[u64]) -> Self {
        let mut b_hat: Vec<u64> = b.to_vec();
        ntt.forward(&mut b_hat);
        let n_inv = ntt.n_inv();
        for v in &mut b_hat {
            *v = ntt::mul(*v, n_inv);
        }
        Self { ntt: ntt.clone(), b_hat }
    }

    /// out += a·b.
    fn mul_add(&self, out: &mut [u64], a: &[u64]) {
        let mut lo: Vec<u64> = a.iter().map(|&x| x & 0xffff_ffff).collect();
        let mut hi: Vec<u64> = a.iter().map(|&x| x >> 32).collect();
        for buf in [&mut lo, &mut hi] {
            self.ntt.forward(buf);
            for (x, y) in buf.iter_mut().zip(&self.b_hat) {
                *x = ntt::mul(*x, *y);
            }
            self.ntt.inverse_unscaled(buf);
        }
        let lift = |v: u64| if v > ntt::P / 2 { v.wrapping_sub(ntt::P) } else { v };
        for ((o, l), h) in out.iter_mut().zip(&lo).zip(&hi) {
            *o = o.wrapping_add(lift(*l)).wrapping_add(lift(*h) << 32);
        }
    }
}

/// The client's secret keys. Holds the key-generation seed, from which the server key, its
/// seeded form and the compact public key are derived deterministically.
#[derive(Clone)]
pub struct ClientKey {
    pub(crate) params: FheParams,
    pub(crate) seed: Seed,
    /// Small LWE key s (n bits).
    pub(crate) small: Vec<u32>,
    /// GLWE key S: k polynomials of N bits, concatenated (= the big LWE key).
    pub(crate) glwe: Vec<u64>,
}

impl std::fmt::Debug for ClientKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientKey").field("params", &self.params).finish_non_exhaustive()
    }
}

impl PartialEq for ClientKey {
    fn eq(&self, other: &Self) -> bool {
        self.params == other.params && self.seed == other.seed && self.small == other.small && self.glwe == other.glwe
    }
}
impl Eq for ClientKey {}

/// Everything a client generates: its secret key, the server key (expanded, ready to run) and
/// the compact public key users encrypt inputs with.
pub struct KeySet {
    pub client: ClientKey,
    pub server: ServerKey,
    pub public: CompactPublicKey,
}

/// Generates a client key, the server key and the compact public key from one seed.
pub fn generate_keys(
    params: FheParams,
    seed: Seed,
    mut progress: impl FnMut(KeygenStage, f32),
) -> Result<KeySet, FheError> {
    let client = ClientKey::generate(params, seed, &mut progress)?;
    let server = client.server_key(&mut progress)?;
    let public = client.compact_public_key()?;
    progress(KeygenStage::CompactPublicKey, 1.0);
    Ok(KeySet { client, server, public })
}

impl ClientKey {
    /// Secret keys from a 32-byte seed (deterministic; the seed is as secret as the key).
    pub fn generate(
        params: FheParams,
        seed: Seed,
        mut progress: impl FnMut(KeygenStage, f32),
    ) -> Result<Self, FheError> {
        params.validate()?;
        progress(KeygenStage::SecretKeys, 0.0);
        let mut rng = stream(&seed, STREAM_SECRET_KEYS);
        let small = (0..params.lwe_dimension).map(|_| rng.next_u32() & 1).collect();
        let glwe = (0..params.big_lwe_dimension()).map(|_| (rng.next_u32() & 1) as u64).collect();
        progress(KeygenStage::SecretKeys, 1.0);
        Ok(Self { params, seed, small, glwe })
    }

    /// Secret keys from a fresh seed drawn from the operating system's CSPRNG.
    pub fn generate_random(params: FheParams, progress: impl FnMut(KeygenStage, f32)) -> Result<Self, FheError> {
        let mut seed = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut seed);
        Self::generate(params, seed, progress)
    }

    pub fn params(&self) -> &FheParams {
        &self.params
    }

    /// The small LWE secret key s (n values in {0, 1}). Secret material: for interoperability
    /// (e.g. handing the key to tfhe-rs as an `LweSecretKey`) and tests.
    pub fn small_key(&self) -> &[u32] {
        &self.small
    }

    /// The GLWE secret key S (k·N values in {0, 1}), which is also the big LWE key. Secret.
    pub fn glwe_key(&self) -> &[u64] {
        &self.glwe
    }

    /// The public seed every key mask is expanded from (derived from the secret seed; it reveals
    /// nothing about it).
    pub fn mask_seed(&self) -> Seed {
        let mut s = [0u8; 32];
        stream(&self.seed, STREAM_MASK_SEED).fill_bytes(&mut s);
        s
    }

    fn ntt(&self) -> Result<NegacyclicNtt, FheError> {
        NegacyclicNtt::new(self.params.polynomial_size)
            .ok_or(FheError::Parameters("polynomial size must be a power of two in [2, 2^31]"))
    }

    /// The server key (keyswitch key + bootstrap key in NTT form), generated directly.
    pub fn server_key(&self, mut progress: impl FnMut(KeygenStage, f32)) -> Result<ServerKey, FheError> {
        let p = self.params;
        let mask_seed = self.mask_seed();
        let ksk = self.keyswitch_key_rows(&mask_seed, &mut progress);
        let std_bsk = self.bootstrap_key_rows(&mask_seed, &mut progress)?;
        progress(KeygenStage::BootstrapKeyNtt, 0.0);
        let server = assemble_server_key(p, ksk, &std_bsk)?;
        progress(KeygenStage::BootstrapKeyNtt, 1.0);
        Ok(server)
    }

    /// The seeded server key: mask seed + bodies only (about a quarter of the server key).
    pub fn compressed_server_key(
        &self,
        mut progress: impl FnMut(KeygenStage, f32),
    ) -> Result<CompressedServerKey, FheError> {
        let p = self.params;
        let mask_seed = self.mask_seed();
        let ksk = self.keyswitch_key_rows(&mask_seed, &mut progress);
        let std_bsk = self.bootstrap_key_rows(&mask_seed, &mut progress)?;
        let n1 = p.lwe_dimension + 1;
        let ksk_bodies = ksk.chunks_exact(n1).map(|row| row[p.lwe_dimension]).collect();
        let (gs, n) = (p.glwe_size(), p.polynomial_size);
        let bsk_bodies = std_bsk.chunks_exact(gs * n).flat_map(|row| row[(gs - 1) * n..].iter().copied()).collect();
        Ok(CompressedServerKey { params: p, mask_seed, ksk_bodies, bsk_bodies })
    }

    /// Keyswitch key in tfhe's layout (see the module doc), one ChaCha20 mask stream and one
    /// noise stream per big-key element.
    fn keyswitch_key_rows(&self, mask_seed: &Seed, progress: &mut impl FnMut(KeygenStage, f32)) -> Vec<u32> {
        let p = &self.params;
        let (n, l, b) = (p.lwe_dimension, p.ks_level, p.ks_base_log);
        let shift = 32 - p.ks_output_modulus_log;
        let block = l * (n + 1);
        let big = p.big_lwe_dimension();
        let mut data = vec![0u32; big * block];
        progress(KeygenStage::KeyswitchKey, 0.0);
        for (c, chunk) in data.chunks_mut(block * PROGRESS_CHUNK * 4).enumerate() {
            chunk.par_chunks_mut(block).enumerate().for_each(|(j, rows)| {
                let i = c * PROGRESS_CHUNK * 4 + j;
                let mut mask_rng = stream(mask_seed, MASK_KSK | i as u64);
                let mut noise_rng = stream(&self.seed, STREAM_KSK_NOISE | i as u64);
                let s_i = self.glwe[i] as u32;
                for (r, row) in rows.chunks_exact_mut(n + 1).enumerate() {
                    let level = l - r;
                    let msg = ((s_i as u64) << (32 - b * level)) as u32;
                    let (body, mask) = row.split_last_mut().expect("n + 1 > 0");
                    fill_mask_u32(&mut mask_rng, mask, shift);
                    let dot =
                        mask.iter().zip(&self.small).fold(0u32, |acc, (a, s)| acc.wrapping_add(a.wrapping_mul(*s)));
                    let e = (t_uniform(&mut noise_rng, p.lwe_noise_log) as u32).wrapping_shl(shift);
                    *body = dot.wrapping_add(e).wrapping_add(msg);
                }
            });
            progress(KeygenStage::KeyswitchKey, ((c + 1) * PROGRESS_CHUNK * 4).min(big) as f32 / big as f32);
        }
        data
    }

    /// Standard-domain bootstrap key in tfhe's `LweBootstrapKey` layout, one mask stream and one
    /// noise stream per GGSW.
    fn bootstrap_key_rows(
        &self,
        mask_seed: &Seed,
        progress: &mut impl FnMut(KeygenStage, f32),
    ) -> Result<Vec<u64>, FheError> {
        let p = &self.params;
        let (k, gs, n, l, b) = (p.glwe_dimension, p.glwe_size(), p.polynomial_size, p.pbs_level, p.pbs_base_log);
        let ntt = self.ntt()?;
        let key_mul: Vec<BinaryPolyMul> = self.glwe.chunks_exact(n).map(|s| BinaryPolyMul::new(&ntt, s)).collect();
        let ggsw_len = l * gs * gs * n;
        let count = p.lwe_dimension;
        let mut data = vec![0u64; count * ggsw_len];
        progress(KeygenStage::BootstrapKey, 0.0);
        for (c, chunk) in data.chunks_mut(ggsw_len * PROGRESS_CHUNK).enumerate() {
            chunk.par_chunks_mut(ggsw_len).enumerate().for_each(|(j, ggsw)| {
                let i = c * PROGRESS_CHUNK + j;
                let mut mask_rng = stream(mask_seed, MASK_BSK | i as u64);
                let mut noise_rng = stream(&self.seed, STREAM_BSK_NOISE | i as u64);
                let s_i = self.small[i] as u64;
                for (li, level_rows) in ggsw.chunks_exact_mut(gs * gs * n).enumerate() {
                    let level = l - li;
                    let factor = s_i.wrapping_neg().wrapping_mul(1u64 << (64 - b * level));
                    for (r, row) in level_rows.chunks_exact_mut(gs * n).enumerate() {
                        let (masks, body) = row.split_at_mut(k * n);
                        masks.iter_mut().for_each(|v| *v = mask_rng.next_u64());
                        if r < k {
                            let key = &self.glwe[r * n..(r + 1) * n];
                            body.iter_mut().zip(key).for_each(|(o, s)| *o = s.wrapping_mul(factor));
                        } else {
                            body.fill(0);
                            body[0] = factor.wrapping_neg();
                        }
                        for (a, m) in masks.chunks_exact(n).zip(&key_mul) {
                            m.mul_add(body, a);
                        }
                        body.iter_mut().for_each(|v| *v = v.wrapping_add(t_uniform(&mut noise_rng, p.glwe_noise_log)));
                    }
                }
            });
            progress(KeygenStage::BootstrapKey, ((c + 1) * PROGRESS_CHUNK).min(count) as f32 / count as f32);
        }
        Ok(data)
    }

    /// The compact public key (k = 1 only): A from the mask seed, B = A·S + E.
    pub fn compact_public_key(&self) -> Result<CompactPublicKey, FheError> {
        let p = self.params;
        if p.glwe_dimension != 1 {
            return Err(FheError::Parameters("the compact public key needs k = 1"));
        }
        let mask_seed = self.mask_seed();
        let ntt = self.ntt()?;
        let mask = cpk_mask(&mask_seed, p.polynomial_size);
        let mut noise_rng = stream(&self.seed, STREAM_CPK_NOISE);
        let mut body: Vec<u64> = (0..p.polynomial_size).map(|_| t_uniform(&mut noise_rng, p.glwe_noise_log)).collect();
        BinaryPolyMul::new(&ntt, &self.glwe).mul_add(&mut body, &mask);
        CompactPublicKey::new(p, mask_seed, body)
    }

    /// LWE encryption of m·Δ under the big key, TUniform(2^glwe_noise_log) noise (the shape of a
    /// bootstrap output). `m` is reduced modulo message·carry.
    pub fn encrypt_block<R: RngCore + CryptoRng>(&self, m: u64, rng: &mut R) -> LweCiphertext {
        let p = &self.params;
        let space = p.message_modulus * p.carry_modulus;
        let mut data: Vec<u64> = (0..p.big_lwe_dimension()).map(|_| rng.next_u64()).collect();
        let dot = data.iter().zip(&self.glwe).fold(0u64, |acc, (a, s)| acc.wrapping_add(a.wrapping_mul(*s)));
        let e = t_uniform(rng, p.glwe_noise_log);
        data.push(dot.wrapping_add(e).wrapping_add((m % space).wrapping_mul(p.delta())));
        LweCiphertext { data }
    }

    /// Block value (message and carry, padding bit dropped) of a big-key ciphertext.
    pub fn decrypt_block(&self, ct: &LweCiphertext) -> Result<u64, FheError> {
        let p = &self.params;
        let expected = p.big_lwe_dimension() + 1;
        if ct.data.len() != expected {
            return Err(FheError::Length { what: "ciphertext block", expected, got: ct.data.len() });
        }
        let phase = ct.decrypt_raw(&self.glwe).expect("length checked");
        let delta = p.delta();
        Ok(phase.wrapping_add(delta / 2) / delta % (p.message_modulus * p.carry_modulus))
    }

    /// `value mod 2^(2·blocks)` as a radix integer of `blocks` 2-bit digits.
    pub fn encrypt_radix<R: RngCore + CryptoRng>(
        &self,
        value: u64,
        blocks: usize,
        rng: &mut R,
    ) -> Result<RadixCiphertext, FheError> {
        check_blocks(blocks)?;
        self.check_radix_params()?;
        Ok(RadixCiphertext { blocks: (0..blocks).map(|i| self.encrypt_block((value >> (2 * i)) & 3, rng)).collect() })
    }

    /// Σ block_i·4^i (wrapping), each block decoded with its carry, so a radix with pending carries
    /// still decrypts to its value.
    pub fn decrypt_radix(&self, ct: &RadixCiphertext) -> Result<u64, FheError> {
        check_blocks(ct.blocks.len())?;
        self.check_radix_params()?;
        let mut v = 0u64;
        for (i, b) in ct.blocks.iter().enumerate() {
            v = v.wrapping_add(self.decrypt_block(b)?.wrapping_shl(2 * i as u32));
        }
        Ok(v)
    }

    fn check_radix_params(&self) -> Result<(), FheError> {
        if self.params.message_modulus != 4 || self.params.carry_modulus != 4 {
            return Err(FheError::Parameters("radix integers need message 2 + carry 2"));
        }
        Ok(())
    }

    fn decrypt_width(&self, ct: &RadixCiphertext, blocks: usize) -> Result<u64, FheError> {
        if ct.blocks.len() != blocks {
            return Err(FheError::WidthMismatch { left: blocks, right: ct.blocks.len() });
        }
        self.decrypt_radix(ct)
    }

    pub fn encrypt_u8<R: RngCore + CryptoRng>(&self, v: u8, rng: &mut R) -> Result<RadixCiphertext, FheError> {
        self.encrypt_radix(v as u64, EUINT8_BLOCKS, rng)
    }
    pub fn encrypt_u16<R: RngCore + CryptoRng>(&self, v: u16, rng: &mut R) -> Result<RadixCiphertext, FheError> {
        self.encrypt_radix(v as u64, EUINT16_BLOCKS, rng)
    }
    pub fn encrypt_u32<R: RngCore + CryptoRng>(&self, v: u32, rng: &mut R) -> Result<RadixCiphertext, FheError> {
        self.encrypt_radix(v as u64, EUINT32_BLOCKS, rng)
    }
    pub fn encrypt_u64<R: RngCore + CryptoRng>(&self, v: u64, rng: &mut R) -> Result<RadixCiphertext, FheError> {
        self.encrypt_radix(v, EUINT64_BLOCKS, rng)
    }
    /// Errors with `WidthMismatch` unless `ct` has the euint8 width (4 blocks); likewise below.
    pub fn decrypt_u8(&self, ct: &RadixCiphertext) -> Result<u8, FheError> {
        self.decrypt_width(ct, EUINT8_BLOCKS).map(|v| v as u8)
    }
    pub fn decrypt_u16(&self, ct: &RadixCiphertext) -> Result<u16, FheError> {
        self.decrypt_width(ct, EUINT16_BLOCKS).map(|v| v as u16)
    }
    pub fn decrypt_u32(&self, ct: &RadixCiphertext) -> Result<u32, FheError> {
        self.decrypt_width(ct, EUINT32_BLOCKS).map(|v| v as u32)
    }
    pub fn decrypt_u64(&self, ct: &RadixCiphertext) -> Result<u64, FheError> {
        self.decrypt_width(ct, EUINT64_BLOCKS)
    }

    pub fn encrypt_bool<R: RngCore + CryptoRng>(&self, b: bool, rng: &mut R) -> EBool {
        EBool(self.encrypt_block(b as u64, rng))
    }

    /// `true` for a non-zero block (ebool outputs of the integer layer hold 0 or 1).
    pub fn decrypt_bool(&self, ct: &EBool) -> Result<bool, FheError> {
        Ok(self.decrypt_block(&ct.0)? != 0)
    }

    /// Decrypts a compact list without expanding it (client-side check): the values in order.
    pub fn decrypt_compact_list(&self, list: &CompactCiphertextList) -> Result<Vec<u64>, FheError> {
        let p = &self.params;
        if list.params != *p {
            return Err(FheError::ParamsMismatch { expected: p.id(), got: list.params.id() });
        }
        let ntt = self.ntt()?;
        let mut phase = list.body.clone();
        let mut ms = vec![0u64; p.polynomial_size];
        BinaryPolyMul::new(&ntt, &self.glwe).mul_add(&mut ms, &list.mask);
        phase.iter_mut().zip(&ms).for_each(|(b, m)| *b = b.wrapping_sub(*m));
        let delta = p.delta();
        let space = p.message_modulus * p.carry_modulus;
        let mut slot = 0;
        let mut out = Vec::with_capacity(list.blocks.len());
        for &nb in &list.blocks {
            let mut v = 0u64;
            for i in 0..nb as usize {
                let d = phase[slot].wrapping_add(delta / 2) / delta % space;
                v = v.wrapping_add(d.wrapping_shl(2 * i as u32));
                slot += 1;
            }
            out.push(v);
        }
        Ok(out)
    }
}

fn check_blocks(blocks: usize) -> Result<(), FheError> {
    if blocks == 0 || blocks > MAX_BLOCKS {
        return Err(FheError::Width { what: "radix width (blocks)", max: MAX_BLOCKS, got: blocks });
    }
    Ok(())
}

/// Uniform u32 words on the 2^(32 − shift) modulus, top-aligned.
#[inline]
fn fill_mask_u32(rng: &mut ChaCha20Rng, mask: &mut [u32], shift: u32) {
    let keep = !((1u32 << shift) - 1);
    mask.iter_mut().for_each(|v| *v = rng.next_u32() & keep);
}

fn cpk_mask(mask_seed: &Seed, n: usize) -> Vec<u64> {
    let mut rng = stream(mask_seed, MASK_CPK);
    (0..n).map(|_| rng.next_u64()).collect()
}

/// Builds the server key from a keyswitch key and a standard-domain bootstrap key.
fn assemble_server_key(p: FheParams, ksk: Vec<u32>, std_bsk: &[u64]) -> Result<ServerKey, FheError> {
    let bsk = BootstrapKey::par_from_standard(
        std_bsk,
        p.lwe_dimension,
        p.glwe_size(),
        p.polynomial_size,
        p.pbs_base_log,
        p.pbs_level,
    )?;
    let ksk = KeyswitchKey::for_params(ksk, &p)?;
    ServerKey::new(p, ksk, bsk)
}

/// Seeded server key: the mask seed and the body of every keyswitch-key LWE and bootstrap-key
/// GLWE row; [`CompressedServerKey::decompress`] regenerates the masks and gives exactly the
/// server key [`ClientKey::server_key`] generates.
#[derive(Clone, PartialEq, Eq)]
pub struct CompressedServerKey {
    pub(crate) params: FheParams,
    pub(crate) mask_seed: Seed,
    /// One u32 body per keyswitch-key row ([big-key element][level]).
    pub(crate) ksk_bodies: Vec<u32>,
    /// One body polynomial per GGSW row ([small-key element][level][row][N]), standard domain.
    pub(crate) bsk_bodies: Vec<u64>,
}

impl std::fmt::Debug for CompressedServerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompressedServerKey").field("params", &self.params).finish_non_exhaustive()
    }
}

impl CompressedServerKey {
    pub fn params(&self) -> &FheParams {
        &self.params
    }

    pub fn mask_seed(&self) -> &Seed {
        &self.mask_seed
    }

    /// Checks body counts and word alignment (used by the decoder).
    pub(crate) fn new(
        params: FheParams,
        mask_seed: Seed,
        ksk_bodies: Vec<u32>,
        bsk_bodies: Vec<u64>,
    ) -> Result<Self, FheError> {
        params.validate()?;
        let ksk_len = params.big_lwe_dimension() * params.ks_level;
        if ksk_bodies.len() != ksk_len {
            return Err(FheError::Length {
                what: "seeded keyswitch key bodies",
                expected: ksk_len,
                got: ksk_bodies.len(),
            });
        }
        let bsk_len = params.lwe_dimension * params.pbs_level * params.glwe_size() * params.polynomial_size;
        if bsk_bodies.len() != bsk_len {
            return Err(FheError::Length {
                what: "seeded bootstrap key bodies",
                expected: bsk_len,
                got: bsk_bodies.len(),
            });
        }
        let low = (1u32 << (32 - params.ks_output_modulus_log)) - 1;
        if ksk_bodies.iter().any(|&v| v & low != 0) {
            return Err(FheError::InvalidEncoding("keyswitch key word not aligned on its modulus"));
        }
        Ok(Self { params, mask_seed, ksk_bodies, bsk_bodies })
    }

    /// The expanded keys in tfhe's standard containers: the KS32 keyswitch key (u32 words) and
    /// the standard-domain bootstrap key (`LweBootstrapKey` layout), e.g. to run tfhe-rs's own
    /// FFT or NTT bootstraps on the same key.
    pub fn expand_standard(&self) -> (Vec<u32>, Vec<u64>) {
        (self.expand_ksk(), self.expand_bsk())
    }

    fn expand_ksk(&self) -> Vec<u32> {
        let p = self.params;
        let (n, l) = (p.lwe_dimension, p.ks_level);
        let shift = 32 - p.ks_output_modulus_log;
        let mut ksk = vec![0u32; p.big_lwe_dimension() * l * (n + 1)];
        ksk.par_chunks_mut(l * (n + 1)).zip(self.ksk_bodies.par_chunks(l)).enumerate().for_each(
            |(i, (rows, bodies))| {
                let mut mask_rng = stream(&self.mask_seed, MASK_KSK | i as u64);
                for (row, body) in rows.chunks_exact_mut(n + 1).zip(bodies) {
                    let (b, mask) = row.split_last_mut().expect("n + 1 > 0");
                    fill_mask_u32(&mut mask_rng, mask, shift);
                    *b = *body;
                }
            },
        );
        ksk
    }

    fn expand_bsk(&self) -> Vec<u64> {
        let p = self.params;
        let (k, gs, big_n) = (p.glwe_dimension, p.glwe_size(), p.polynomial_size);
        let ggsw_len = p.pbs_level * gs * gs * big_n;
        let mut bsk = vec![0u64; p.lwe_dimension * ggsw_len];
        bsk.par_chunks_mut(ggsw_len).zip(self.bsk_bodies.par_chunks(ggsw_len / gs)).enumerate().for_each(
            |(i, (ggsw, bodies))| {
                let mut mask_rng = stream(&self.mask_seed, MASK_BSK | i as u64);
                for (row, body) in ggsw.chunks_exact_mut(gs * big_n).zip(bodies.chunks_exact(big_n)) {
                    let (masks, b) = row.split_at_mut(k * big_n);
                    masks.iter_mut().for_each(|v| *v = mask_rng.next_u64());
                    b.copy_from_slice(body);
                }
            },
        );
        bsk
    }

    /// Regenerates every mask from the seed and converts the bootstrap key (rayon).
    pub fn decompress(&self) -> Result<ServerKey, FheError> {
        self.decompress_with_progress(|_, _| {})
    }

    pub fn decompress_with_progress(&self, mut progress: impl FnMut(KeygenStage, f32)) -> Result<ServerKey, FheError> {
        progress(KeygenStage::Decompress, 0.0);
        let ksk = self.expand_ksk();
        progress(KeygenStage::Decompress, 0.5);
        let bsk = self.expand_bsk();
        progress(KeygenStage::Decompress, 1.0);
        progress(KeygenStage::BootstrapKeyNtt, 0.0);
        let server = assemble_server_key(self.params, ksk, &bsk)?;
        progress(KeygenStage::BootstrapKeyNtt, 1.0);
        Ok(server)
    }
}

/// Compact public key (k = 1): mask A (expanded from `mask_seed`) and body B = A·S + E.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompactPublicKey {
    pub(crate) params: FheParams,
    pub(crate) mask_seed: Seed,
    pub(crate) mask: Vec<u64>,
    pub(crate) body: Vec<u64>,
}

impl CompactPublicKey {
    pub(crate) fn new(params: FheParams, mask_seed: Seed, body: Vec<u64>) -> Result<Self, FheError> {
        params.validate()?;
        if params.glwe_dimension != 1 {
            return Err(FheError::Parameters("the compact public key needs k = 1"));
        }
        if body.len() != params.polynomial_size {
            return Err(FheError::Length {
                what: "compact public key body",
                expected: params.polynomial_size,
                got: body.len(),
            });
        }
        let mask = cpk_mask(&mask_seed, params.polynomial_size);
        Ok(Self { params, mask_seed, mask, body })
    }

    pub fn params(&self) -> &FheParams {
        &self.params
    }

    /// Number of 2-bit digits one list holds (N): 64 euint64, 256 euint16, …
    pub fn slots(&self) -> usize {
        self.params.polynomial_size
    }

    /// Encrypts values of one width (`blocks` digits each) into one list.
    pub fn encrypt<R: RngCore + CryptoRng>(
        &self,
        values: &[u64],
        blocks: usize,
        rng: &mut R,
    ) -> Result<CompactCiphertextList, FheError> {
        let items: Vec<(u64, usize)> = values.iter().map(|&v| (v, blocks)).collect();
        self.encrypt_mixed(&items, rng)
    }

    pub fn encrypt_u64s<R: RngCore + CryptoRng>(
        &self,
        values: &[u64],
        rng: &mut R,
    ) -> Result<CompactCiphertextList, FheError> {
        self.encrypt(values, EUINT64_BLOCKS, rng)
    }

    /// Encrypts (value, blocks) pairs: value mod 2^(2·blocks) in consecutive slots.
    pub fn encrypt_mixed<R: RngCore + CryptoRng>(
        &self,
        items: &[(u64, usize)],
        rng: &mut R,
    ) -> Result<CompactCiphertextList, FheError> {
        let p = &self.params;
        if p.message_modulus != 4 || p.carry_modulus != 4 {
            return Err(FheError::Parameters("radix integers need message 2 + carry 2"));
        }
        if items.is_empty() || items.len() > u16::MAX as usize {
            return Err(FheError::CompactListCapacity { max: self.slots().min(u16::MAX as usize), got: items.len() });
        }
        let mut total = 0usize;
        for &(_, b) in items {
            check_blocks(b)?;
            total += b;
        }
        if total > self.slots() {
            return Err(FheError::CompactListCapacity { max: self.slots(), got: total });
        }
        let n = p.polynomial_size;
        let ntt = NegacyclicNtt::new(n).ok_or(FheError::Parameters("polynomial size"))?;
        let r: Vec<u64> = (0..n).map(|_| (rng.next_u32() & 1) as u64).collect();
        let mul_r = BinaryPolyMul::new(&ntt, &r);
        let mut mask: Vec<u64> = (0..n).map(|_| t_uniform(rng, p.glwe_noise_log)).collect();
        mul_r.mul_add(&mut mask, &self.mask);
        let mut body: Vec<u64> = (0..n).map(|_| t_uniform(rng, p.glwe_noise_log)).collect();
        mul_r.mul_add(&mut body, &self.body);
        let mut slot = 0;
        for &(v, b) in items {
            for i in 0..b {
                body[slot] = body[slot].wrapping_add(((v >> (2 * i)) & 3).wrapping_mul(p.delta()));
                slot += 1;
            }
        }
        Ok(CompactCiphertextList { params: *p, blocks: items.iter().map(|&(_, b)| b as u8).collect(), mask, body })
    }
}

/// Values encrypted under a [`CompactPublicKey`]: one GLWE ciphertext (mask, body) whose slot j
/// holds one 2-bit digit; `blocks[v]` digits per value, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompactCiphertextList {
    pub(crate) params: FheParams,
    pub(crate) blocks: Vec<u8>,
    pub(crate) mask: Vec<u64>,
    pub(crate) body: Vec<u64>,
}

impl CompactCiphertextList {
    pub(crate) fn from_parts(
        params: FheParams,
        blocks: Vec<u8>,
        mask: Vec<u64>,
        body: Vec<u64>,
    ) -> Result<Self, FheError> {
        params.validate()?;
        let n = params.polynomial_size;
        if params.glwe_dimension != 1 {
            return Err(FheError::Parameters("compact lists need k = 1"));
        }
        if blocks.is_empty() {
            return Err(FheError::CompactListCapacity { max: n, got: 0 });
        }
        let mut total = 0usize;
        for &b in &blocks {
            check_blocks(b as usize)?;
            total += b as usize;
        }
        if total > n {
            return Err(FheError::CompactListCapacity { max: n, got: total });
        }
        if mask.len() != n || body.len() != n {
            return Err(FheError::Length {
                what: "compact list polynomial",
                expected: n,
                got: mask.len().min(body.len()),
            });
        }
        Ok(Self { params, blocks, mask, body })
    }

    pub fn params(&self) -> &FheParams {
        &self.params
    }

    /// Number of values in the list and their widths in blocks.
    pub fn widths(&self) -> Vec<usize> {
        self.blocks.iter().map(|&b| b as usize).collect()
    }

    /// Server side: sample extraction of every slot (tfhe `extract_lwe_sample_from_glwe_ciphertext`:
    /// at degree d the mask is A[d], …, A[0], −A[N−1], …, −A[d+1], the body B[d]) into radix
    /// ciphertexts under the big key. `server` only fixes the parameters (no key material is used).
    pub fn expand(&self, server: &ServerKey) -> Result<Vec<RadixCiphertext>, FheError> {
        if *server.params() != self.params {
            return Err(FheError::ParamsMismatch { expected: server.params().id(), got: self.params.id() });
        }
        let n = self.params.polynomial_size;
        let mut slot = 0usize;
        let mut out = Vec::with_capacity(self.blocks.len());
        for &nb in &self.blocks {
            let mut blocks = Vec::with_capacity(nb as usize);
            for _ in 0..nb {
                let d = slot;
                let mut data = Vec::with_capacity(n + 1);
                data.extend((0..=d).map(|i| self.mask[d - i]));
                data.extend((d + 1..n).map(|i| self.mask[n + d - i].wrapping_neg()));
                data.push(self.body[d]);
                blocks.push(LweCiphertext { data });
                slot += 1;
            }
            out.push(RadixCiphertext { blocks });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The NTT-based product with a binary polynomial equals the schoolbook negacyclic product
    /// mod 2^64.
    #[test]
    fn binary_poly_mul_matches_schoolbook() {
        let mut rng = ChaCha20Rng::seed_from_u64(0x706f_6c79);
        for n in [2usize, 16, 256, 2048] {
            let ntt = NegacyclicNtt::new(n).unwrap();
            let a: Vec<u64> = (0..n).map(|_| rng.next_u64()).collect();
            let b: Vec<u64> = (0..n).map(|_| (rng.next_u32() & 1) as u64).collect();
            let mut want = vec![0u64; n];
            for i in 0..n {
                for j in 0..n {
                    let t = a[i].wrapping_mul(b[j]);
                    if i + j < n {
                        want[i + j] = want[i + j].wrapping_add(t);
                    } else {
                        want[i + j - n] = want[i + j - n].wrapping_sub(t);
                    }
                }
            }
            let mut got = vec![0u64; n];
            BinaryPolyMul::new(&ntt, &b).mul_add(&mut got, &a);
            assert_eq!(got, want, "n = {n}");
        }
    }

    /// TUniform(2^b) stays in [−2^b, 2^b], reaches both ends, and is centred.
    #[test]
    fn t_uniform_range() {
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        let (mut lo, mut hi, mut sum) = (0i64, 0i64, 0i64);
        for _ in 0..20_000 {
            let v = t_uniform(&mut rng, 3) as i64;
            assert!((-8..=8).contains(&v), "{v}");
            lo = lo.min(v);
            hi = hi.max(v);
            sum += v;
        }
        assert_eq!((lo, hi), (-8, 8));
        assert!(sum.abs() < 2_000, "mean too far from 0: {sum}");
    }
}
