//! BLS12-381 signatures, min-pk variant (public keys in G1, 48 bytes; signatures in G2,
//! 96 bytes), following draft-irtf-cfrg-bls-signature-05 and the Ethereum consensus specs.
//!
//! * Ciphersuite: proof-of-possession by default (DST `BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_`,
//!   what Ethereum uses); the basic scheme (`…_NUL_`) exists for conformance vectors.
//! * Public keys pass KeyValidate (on curve, in G1, not the identity) **once** and are cached
//!   ([`BlsVerifier`] holds the cache); every signature is subgroup-checked on every use, since
//!   RLC batch soundness depends on it (Aumasson, Nguyen, Sanso 2021). The identity is refused
//!   as a key and as a signature.
//! * Batch verification of distinct (pk, msg, sig) triples: with random non-zero 64-bit rᵢ,
//!   check e(ΣrᵢSᵢ, −G1)·Πe(H(mᵢ), rᵢPᵢ) = 1 — n+1 Miller loops and one final exponentiation.
//!   The scalars go on the G1 side (cheaper than G2), ΣrᵢSᵢ is one Pippenger MSM, and the
//!   Miller loops run in parallel chunks whose products are multiplied before the single final
//!   exponentiation. Items are grouped by message first (committee votes share one): each
//!   distinct message is hashed once and gets one Miller loop per job, e(H(m), ΣrᵢPᵢ). The
//!   hashes are reused while bisecting a failing batch (module `batch`), so locating bad items
//!   never re-hashes.
//! * Arithmetic is blst's (`blst_*` C functions); the checks, batching and results are ours.

use std::collections::HashMap;
use std::sync::OnceLock;

use blst::*;
use parking_lot::RwLock;
use rand::RngCore;
use rayon::prelude::*;

use crate::{BlsError, BlsPointError};

pub const PUBLIC_KEY_LENGTH: usize = 48;
pub const SIGNATURE_LENGTH: usize = 96;
/// Ethereum's ciphersuite: proof of possession.
pub const DST_POP: &[u8] = b"BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";
/// The basic scheme.
pub const DST_BASIC: &[u8] = b"BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_NUL_";
/// The ciphersuite used to sign proofs of possession.
pub const DST_POP_PROOF: &[u8] = b"BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";

/// Miller loops per parallel job in a batch.
const PAIRS_PER_JOB: usize = 16;

/// Which scheme of the draft: it fixes the DST and whether AggregateVerify needs distinct
/// messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ciphersuite {
    /// `…_POP_`: rogue keys are excluded by a proof of possession at registration, so
    /// aggregation over a shared message (FastAggregateVerify) is safe.
    Pop,
    /// `…_NUL_`: AggregateVerify requires distinct messages.
    Basic,
}

impl Ciphersuite {
    pub fn dst(self) -> &'static [u8] {
        match self {
            Ciphersuite::Pop => DST_POP,
            Ciphersuite::Basic => DST_BASIC,
        }
    }
}

/// A validated public key (on curve, in G1, not the identity).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PublicKey(blst_p1_affine);

/// A decoded, subgroup-checked, non-identity signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Signature(blst_p2_affine);

fn point_error(e: BLST_ERROR) -> BlsPointError {
    match e {
        BLST_ERROR::BLST_POINT_NOT_ON_CURVE => BlsPointError::NotOnCurve,
        BLST_ERROR::BLST_POINT_NOT_IN_GROUP => BlsPointError::NotInSubgroup,
        BLST_ERROR::BLST_PK_IS_INFINITY => BlsPointError::Identity,
        _ => BlsPointError::BadEncoding,
    }
}

impl PublicKey {
    /// KeyValidate on a 48-byte compressed encoding.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, BlsPointError> {
        let b: &[u8; 48] = bytes.try_into().map_err(|_| BlsPointError::BadEncoding)?;
        let mut p = blst_p1_affine::default();
        // SAFETY: `b` is 48 readable bytes, `p` a valid out-pointer.
        let e = unsafe { blst_p1_uncompress(&mut p, b.as_ptr()) };
        if e != BLST_ERROR::BLST_SUCCESS {
            return Err(point_error(e));
        }
        // SAFETY: `p` is an initialised affine point.
        unsafe {
            if blst_p1_affine_is_inf(&p) {
                return Err(BlsPointError::Identity);
            }
            if !blst_p1_affine_in_g1(&p) {
                return Err(BlsPointError::NotInSubgroup);
            }
        }
        Ok(PublicKey(p))
    }

    pub fn to_bytes(&self) -> [u8; 48] {
        let mut out = [0u8; 48];
        // SAFETY: 48-byte output buffer for a G1 compression.
        unsafe { blst_p1_affine_compress(out.as_mut_ptr(), &self.0) };
        out
    }
}

impl Signature {
    /// Decodes a 96-byte compressed G2 point, subgroup-checked, identity refused.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, BlsPointError> {
        let b: &[u8; 96] = bytes.try_into().map_err(|_| BlsPointError::BadEncoding)?;
        let mut p = blst_p2_affine::default();
        // SAFETY: `b` is 96 readable bytes, `p` a valid out-pointer.
        let e = unsafe { blst_p2_uncompress(&mut p, b.as_ptr()) };
        if e != BLST_ERROR::BLST_SUCCESS {
            return Err(point_error(e));
        }
        // SAFETY: `p` is an initialised affine point.
        unsafe {
            if blst_p2_affine_is_inf(&p) {
                return Err(BlsPointError::Identity);
            }
            if !blst_p2_affine_in_g2(&p) {
                return Err(BlsPointError::NotInSubgroup);
            }
        }
        Ok(Signature(p))
    }

    pub fn to_bytes(&self) -> [u8; 96] {
        let mut out = [0u8; 96];
        // SAFETY: 96-byte output buffer for a G2 compression.
        unsafe { blst_p2_affine_compress(out.as_mut_ptr(), &self.0) };
        out
    }
}

/// hash_to_curve onto G2 (BLS12381G2_XMD:SHA-256_SSWU_RO_, RFC 9380), compressed.
pub fn hash_to_g2(msg: &[u8], dst: &[u8]) -> [u8; 96] {
    let h = hash_affine(msg, dst);
    let mut out = [0u8; 96];
    // SAFETY: 96-byte output buffer.
    unsafe { blst_p2_affine_compress(out.as_mut_ptr(), &h) };
    out
}

fn hash_affine(msg: &[u8], dst: &[u8]) -> blst_p2_affine {
    let mut p = blst_p2::default();
    let mut a = blst_p2_affine::default();
    // SAFETY: pointer/length pairs describe live slices; no augmentation string.
    unsafe {
        blst_hash_to_g2(&mut p, msg.as_ptr(), msg.len(), dst.as_ptr(), dst.len(), std::ptr::null(), 0);
        blst_p2_to_affine(&mut a, &p);
    }
    a
}

fn neg_g1() -> &'static blst_p1_affine {
    static NEG: OnceLock<blst_p1_affine> = OnceLock::new();
    NEG.get_or_init(|| {
        // SAFETY: the generator pointer is a static inside blst; outputs are locals.
        unsafe {
            let mut g = *blst_p1_generator();
            blst_p1_cneg(&mut g, true);
            let mut a = blst_p1_affine::default();
            blst_p1_to_affine(&mut a, &g);
            a
        }
    })
}

/// Π e(Qᵢ, Pᵢ) before the final exponentiation.
fn miller_product(qs: &[&blst_p2_affine], ps: &[&blst_p1_affine]) -> blst_fp12 {
    debug_assert_eq!(qs.len(), ps.len());
    // SAFETY: blst_fp12_one points at a static constant.
    let mut acc = unsafe { *blst_fp12_one() };
    for (qc, pc) in qs.chunks(PAIRS_PER_JOB).zip(ps.chunks(PAIRS_PER_JOB)) {
        let qp: Vec<*const blst_p2_affine> = qc.iter().map(|q| *q as *const _).collect();
        let pp: Vec<*const blst_p1_affine> = pc.iter().map(|p| *p as *const _).collect();
        let mut f = acc;
        // SAFETY: qp/pp hold `len` pointers to live, non-identity affine points.
        unsafe {
            blst_miller_loop_n(&mut f, qp.as_ptr(), pp.as_ptr(), qp.len());
            blst_fp12_mul(&mut acc, &acc, &f);
        }
    }
    acc
}

fn fp12_mul(a: &blst_fp12, b: &blst_fp12) -> blst_fp12 {
    let mut out = *a;
    // SAFETY: valid fp12 references; blst allows aliasing of output and input.
    unsafe { blst_fp12_mul(&mut out, a, b) };
    out
}

fn final_is_one(f: &blst_fp12) -> bool {
    let mut out = *f;
    // SAFETY: valid fp12 in and out.
    unsafe {
        blst_final_exp(&mut out, f);
        blst_fp12_is_one(&out)
    }
}

/// e(H, P) · e(S, −G1) == 1.
fn core_verify(pk: &blst_p1_affine, h: &blst_p2_affine, sig: &blst_p2_affine) -> bool {
    final_is_one(&miller_product(&[h, sig], &[pk, neg_g1()]))
}

/// Validated public keys by their encoding. Only valid keys are cached, and the cache stops
/// growing at its capacity, so a flood of junk keys cannot grow memory.
#[derive(Debug)]
pub struct PublicKeyCache {
    map: RwLock<HashMap<[u8; 48], PublicKey>>,
    capacity: usize,
}

impl PublicKeyCache {
    pub fn new(capacity: usize) -> Self {
        PublicKeyCache { map: RwLock::new(HashMap::new()), capacity }
    }

    /// KeyValidate, answered from the cache when the key was seen before.
    pub fn get(&self, bytes: &[u8]) -> Result<PublicKey, BlsPointError> {
        let b: [u8; 48] = bytes.try_into().map_err(|_| BlsPointError::BadEncoding)?;
        if let Some(pk) = self.map.read().get(&b) {
            return Ok(*pk);
        }
        let pk = PublicKey::from_bytes(&b)?;
        let mut m = self.map.write();
        if m.len() < self.capacity {
            m.insert(b, pk);
        }
        Ok(pk)
    }

    pub fn len(&self) -> usize {
        self.map.read().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One (public key, message, signature) triple of a batch.
#[derive(Clone, Copy, Debug)]
pub struct Item<'a> {
    pub public_key: &'a [u8],
    pub message: &'a [u8],
    pub signature: &'a [u8],
}

/// A verifier for one ciphersuite, holding the cache of validated public keys.
#[derive(Debug)]
pub struct BlsVerifier {
    suite: Ciphersuite,
    keys: PublicKeyCache,
}

struct Prepared {
    pk: blst_p1_affine,
    sig: blst_p2_affine,
    /// Index of H(msg) in the batch's distinct-message hashes.
    msg: u32,
}

impl BlsVerifier {
    pub fn new(suite: Ciphersuite) -> Self {
        BlsVerifier { suite, keys: PublicKeyCache::new(1 << 20) }
    }

    /// Ethereum's proof-of-possession ciphersuite.
    pub fn pop() -> Self {
        Self::new(Ciphersuite::Pop)
    }

    pub fn ciphersuite(&self) -> Ciphersuite {
        self.suite
    }

    pub fn key_cache(&self) -> &PublicKeyCache {
        &self.keys
    }

    fn key(&self, bytes: &[u8], index: usize) -> Result<PublicKey, BlsError> {
        if bytes.len() != PUBLIC_KEY_LENGTH {
            return Err(BlsError::WrongLength { what: "public key", expected: PUBLIC_KEY_LENGTH, got: bytes.len() });
        }
        self.keys.get(bytes).map_err(|reason| BlsError::InvalidPublicKey { index, reason })
    }

    fn sig(bytes: &[u8]) -> Result<Signature, BlsError> {
        if bytes.len() != SIGNATURE_LENGTH {
            return Err(BlsError::WrongLength { what: "signature", expected: SIGNATURE_LENGTH, got: bytes.len() });
        }
        Signature::from_bytes(bytes).map_err(BlsError::InvalidSignature)
    }

    /// Verify (CoreVerify with this suite's DST).
    pub fn verify(&self, public_key: &[u8], message: &[u8], signature: &[u8]) -> Result<(), BlsError> {
        let pk = self.key(public_key, 0)?;
        let sig = Self::sig(signature)?;
        let h = hash_affine(message, self.suite.dst());
        if core_verify(&pk.0, &h, &sig.0) {
            Ok(())
        } else {
            Err(BlsError::Invalid)
        }
    }

    /// PopVerify: `proof` is the key holder's signature over the key's own 48-byte encoding
    /// under the `BLS_POP_…` DST. Check it once at registration; afterwards
    /// [`BlsVerifier::fast_aggregate_verify`] over registered keys is safe from rogue keys.
    pub fn verify_possession(&self, public_key: &[u8], proof: &[u8]) -> Result<(), BlsError> {
        let pk = self.key(public_key, 0)?;
        let sig = Self::sig(proof)?;
        let h = hash_affine(&pk.to_bytes(), DST_POP_PROOF);
        if core_verify(&pk.0, &h, &sig.0) {
            Ok(())
        } else {
            Err(BlsError::Invalid)
        }
    }

    /// AggregateVerify: one aggregate signature over (pkᵢ, msgᵢ) pairs.
    pub fn aggregate_verify(
        &self,
        public_keys: &[&[u8]],
        messages: &[&[u8]],
        signature: &[u8],
    ) -> Result<(), BlsError> {
        if public_keys.len() != messages.len() {
            return Err(BlsError::MismatchedCount { pubkeys: public_keys.len(), messages: messages.len() });
        }
        if public_keys.is_empty() {
            return Err(BlsError::Empty);
        }
        if self.suite == Ciphersuite::Basic {
            let mut seen = std::collections::HashSet::with_capacity(messages.len());
            if !messages.iter().all(|m| seen.insert(*m)) {
                return Err(BlsError::DuplicateMessages);
            }
        }
        let pks: Vec<PublicKey> =
            public_keys.iter().enumerate().map(|(i, b)| self.key(b, i)).collect::<Result<_, _>>()?;
        let sig = Self::sig(signature)?;
        let dst = self.suite.dst();
        let hs: Vec<blst_p2_affine> = messages.par_iter().map(|m| hash_affine(m, dst)).collect();
        let f = hs
            .par_chunks(PAIRS_PER_JOB)
            .zip(pks.par_chunks(PAIRS_PER_JOB))
            .map(|(h, p)| {
                let qs: Vec<&blst_p2_affine> = h.iter().collect();
                let ps: Vec<&blst_p1_affine> = p.iter().map(|k| &k.0).collect();
                miller_product(&qs, &ps)
            })
            .reduce_with(|a, b| fp12_mul(&a, &b))
            .expect("non-empty");
        let f = fp12_mul(&f, &miller_product(&[&sig.0], &[neg_g1()]));
        if final_is_one(&f) {
            Ok(())
        } else {
            Err(BlsError::Invalid)
        }
    }

    /// FastAggregateVerify: many keys, one message (PoP suite only makes this safe).
    pub fn fast_aggregate_verify(
        &self,
        public_keys: &[&[u8]],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), BlsError> {
        if public_keys.is_empty() {
            return Err(BlsError::Empty);
        }
        let pks: Vec<PublicKey> =
            public_keys.iter().enumerate().map(|(i, b)| self.key(b, i)).collect::<Result<_, _>>()?;
        let sig = Self::sig(signature)?;
        let mut agg = blst_p1::default();
        let mut out = blst_p1_affine::default();
        // SAFETY: all points are initialised; blst's add handles the identity start value.
        unsafe {
            for pk in &pks {
                blst_p1_add_or_double_affine(&mut agg, &agg, &pk.0);
            }
            blst_p1_to_affine(&mut out, &agg);
            if blst_p1_affine_is_inf(&out) {
                return Err(BlsError::Invalid);
            }
        }
        let h = hash_affine(message, self.suite.dst());
        if core_verify(&out, &h, &sig.0) {
            Ok(())
        } else {
            Err(BlsError::Invalid)
        }
    }

    /// Verifies many independent (pk, msg, sig) triples; `result[i]` is triple i's verdict,
    /// the same as [`BlsVerifier::verify`] on it alone (up to the RLC's 2⁻⁶³ soundness error).
    pub fn verify_batch(&self, items: &[Item<'_>]) -> Vec<Result<(), BlsError>> {
        let dst = self.suite.dst();
        // Each distinct message is hashed once (committee votes share one), and shares one
        // Miller loop per batch job: Π e(H(m), rᵢPᵢ) = e(H(m), ΣrᵢPᵢ).
        let mut msg_ids: HashMap<&[u8], u32> = HashMap::new();
        let mut distinct: Vec<&[u8]> = Vec::new();
        let ids: Vec<u32> = items
            .iter()
            .map(|it| {
                *msg_ids.entry(it.message).or_insert_with(|| {
                    distinct.push(it.message);
                    (distinct.len() - 1) as u32
                })
            })
            .collect();
        let prepared: Vec<Result<Prepared, BlsError>> = items
            .par_iter()
            .zip(ids.par_iter())
            .enumerate()
            .map(|(i, (it, &msg))| {
                let pk = self.key(it.public_key, i)?;
                let sig = Self::sig(it.signature)?;
                Ok(Prepared { pk: pk.0, sig: sig.0, msg })
            })
            .collect();
        let mut results = Vec::with_capacity(items.len());
        let mut live = Vec::new();
        let mut ok = Vec::new();
        let mut needed = vec![false; distinct.len()];
        for (i, p) in prepared.into_iter().enumerate() {
            match p {
                Ok(p) => {
                    needed[p.msg as usize] = true;
                    live.push(i);
                    ok.push(p);
                    results.push(Ok(()));
                }
                Err(e) => results.push(Err(e)),
            }
        }
        let hashes: Vec<blst_p2_affine> = distinct
            .par_iter()
            .zip(needed.par_iter())
            .map(|(m, &need)| if need { hash_affine(m, dst) } else { blst_p2_affine::default() })
            .collect();
        let single = |i: usize| core_verify(&ok[i].pk, &hashes[ok[i].msg as usize], &ok[i].sig);
        let all: Vec<usize> = (0..ok.len()).collect();
        let verdicts = if ok.is_empty() {
            Vec::new()
        } else if ok.len() == 1 {
            vec![single(0)]
        } else if check_batch(&ok, &hashes, &all) {
            vec![true; ok.len()]
        } else {
            let mut out = vec![false; ok.len()];
            crate::batch::locate(&all, &|s: &[usize]| check_batch(&ok, &hashes, s), &single, &mut out);
            out
        };
        for (&i, v) in live.iter().zip(verdicts) {
            if !v {
                results[i] = Err(BlsError::Invalid);
            }
        }
        results
    }
}

fn random_nonzero_u64(rng: &mut impl RngCore) -> u64 {
    loop {
        let r = rng.next_u64();
        if r != 0 {
            return r;
        }
    }
}

/// Below this many points a G2 Pippenger costs more than one 64-bit multiplication per point.
const PIPPENGER_MIN: usize = 8;

/// Σ rᵢSᵢ over `idx`: one Pippenger MSM with 64-bit scalars (about 3× fewer G2 operations than
/// a multiplication per signature, which is what blst's own batch does).
fn sum_scaled_g2(items: &[Prepared], idx: &[usize], rands: &[[u8; 8]]) -> blst_p2 {
    let mut acc = blst_p2::default();
    if idx.len() < PIPPENGER_MIN {
        // SAFETY: live points and 8-byte scalars with nbits = 64.
        unsafe {
            for (k, &i) in idx.iter().enumerate() {
                let mut sp = blst_p2::default();
                blst_p2_from_affine(&mut sp, &items[i].sig);
                let mut t = blst_p2::default();
                blst_p2_mult(&mut t, &sp, rands[k].as_ptr(), 64);
                blst_p2_add_or_double(&mut acc, &acc, &t);
            }
        }
        return acc;
    }
    let points: Vec<*const blst_p2_affine> = idx.iter().map(|&i| &items[i].sig as *const _).collect();
    let scalars: Vec<*const u8> = rands.iter().map(|r| r.as_ptr()).collect();
    // SAFETY: the scratch size comes from blst for this many points; `points` and `scalars`
    // hold one valid pointer per point (8 scalar bytes each for nbits = 64).
    unsafe {
        let bytes = blst_p2s_mult_pippenger_scratch_sizeof(points.len());
        let mut scratch: Vec<limb_t> = vec![0; bytes.div_ceil(std::mem::size_of::<limb_t>())];
        blst_p2s_mult_pippenger(&mut acc, points.as_ptr(), points.len(), scalars.as_ptr(), 64, scratch.as_mut_ptr());
    }
    acc
}

/// e(ΣrᵢSᵢ, −G1) · Π e(H(mᵢ), rᵢPᵢ) == 1 over a subset, with the rᵢPᵢ of equal messages
/// summed first (one Miller loop per distinct message per job).
fn check_batch(items: &[Prepared], hashes: &[blst_p2_affine], subset: &[usize]) -> bool {
    // Equal messages next to each other, so they land in the same job.
    let mut sorted = subset.to_vec();
    sorted.sort_unstable_by_key(|&i| items[i].msg);
    let jobs: Vec<&[usize]> =
        sorted.chunks(PAIRS_PER_JOB.max(sorted.len().div_ceil(rayon::current_num_threads() * 4))).collect();
    let parts: Vec<(blst_p2, blst_fp12)> = jobs
        .par_iter()
        .map(|idx| {
            let mut rng = rand::thread_rng();
            let rands: Vec<[u8; 8]> = idx.iter().map(|_| random_nonzero_u64(&mut rng).to_le_bytes()).collect();
            let s_acc = sum_scaled_g2(items, idx, &rands);
            // Σ rᵢPᵢ per message (idx is sorted by message), then one batch conversion to affine.
            let mut sums: Vec<blst_p1> = Vec::with_capacity(idx.len());
            let mut msgs: Vec<u32> = Vec::with_capacity(idx.len());
            // SAFETY: every pointer refers to a live local or to `items`; scalars are 8 bytes
            // and nbits is 64; blst allows the output to alias an input.
            unsafe {
                for (k, &i) in idx.iter().enumerate() {
                    let mut pp = blst_p1::default();
                    blst_p1_from_affine(&mut pp, &items[i].pk);
                    let mut tp = blst_p1::default();
                    blst_p1_mult(&mut tp, &pp, rands[k].as_ptr(), 64);
                    match msgs.last() {
                        Some(&m) if m == items[i].msg => {
                            let last = sums.last_mut().expect("same length as msgs");
                            blst_p1_add_or_double(last, last, &tp);
                        }
                        _ => {
                            msgs.push(items[i].msg);
                            sums.push(tp);
                        }
                    }
                }
            }
            let mut aff = vec![blst_p1_affine::default(); sums.len()];
            let ptrs: Vec<*const blst_p1> = sums.iter().map(|p| p as *const _).collect();
            // SAFETY: `aff` has room for `ptrs.len()` points.
            unsafe { blst_p1s_to_affine(aff.as_mut_ptr(), ptrs.as_ptr(), ptrs.len()) };
            // e(H, ∞) = 1: a sum that cancelled contributes nothing (and would trip the loop).
            let (qs, ps): (Vec<&blst_p2_affine>, Vec<&blst_p1_affine>) = msgs
                .iter()
                .zip(&aff)
                // SAFETY: initialised affine point.
                .filter(|(_, p)| !unsafe { blst_p1_affine_is_inf(*p) })
                .map(|(&m, p)| (&hashes[m as usize], p))
                .unzip();
            (s_acc, miller_product(&qs, &ps))
        })
        .collect();
    let mut s = blst_p2::default();
    // SAFETY: blst_fp12_one is a static constant.
    let mut f = unsafe { *blst_fp12_one() };
    for (sp, fp) in &parts {
        // SAFETY: initialised points and field elements.
        unsafe { blst_p2_add_or_double(&mut s, &s, sp) };
        f = fp12_mul(&f, fp);
    }
    let mut sa = blst_p2_affine::default();
    // SAFETY: initialised point.
    let s_is_inf = unsafe {
        blst_p2_to_affine(&mut sa, &s);
        blst_p2_affine_is_inf(&sa)
    };
    // e(∞, ·) = 1: only pair ΣrᵢSᵢ when it is a proper point.
    if !s_is_inf {
        f = fp12_mul(&f, &miller_product(&[&sa], &[neg_g1()]));
    }
    final_is_one(&f)
}
