//! Host emulation of the CUDA kernel: `kernels/cuda/sig/secp256k1.cuh` compiled by the host C++
//! compiler into `tests/host/harness.cpp`, which runs the very device functions — field
//! arithmetic against k256's field, and the whole per-signature body (`secp_dsm_item`) through
//! the crate's host preparation against the CPU reference (libsecp256k1), item by item. This is
//! the evidence for the CUDA arithmetic on a machine without a GPU.
//!
//! Needs a C++17 compiler (`$CXX`, else g++, c++ or clang++); without one the tests print
//! SKIPPED, and fail when `CI=true`. `GLOAM_TEST_SEED` replays a seed.

mod common;

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use common::*;
use gloam_sig::secp256k1::{self as gsec, EcdsaRule};
use gloam_sig_gpu::prep::{self, Mode, OUT_WORDS};
use k256::FieldElement;
use rand::Rng;

fn harness() -> Option<&'static PathBuf> {
    static BIN: OnceLock<Option<PathBuf>> = OnceLock::new();
    BIN.get_or_init(|| {
        gloam_engine_core::build_host_harness(&gloam_engine_core::HostHarness {
            manifest_dir: env!("CARGO_MANIFEST_DIR"),
            repo_rel: "engine/sig-gpu",
            tmp_dir: env!("CARGO_TARGET_TMPDIR"),
            name: "sig",
            flags: &[],
        })
    })
    .as_ref()
}

fn run(bin: &PathBuf, words: &[u32], out_words: usize) -> Vec<u32> {
    let mut child = Command::new(bin).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().expect("harness starts");
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(&bytes));
    let o = child.wait_with_output().expect("harness runs");
    writer.join().unwrap().expect("harness reads its input");
    assert!(o.status.success(), "harness exited with {:?}", o.status);
    let out: Vec<u32> = o.stdout.chunks_exact(4).map(|c| u32::from_le_bytes(c.try_into().unwrap())).collect();
    assert_eq!(out.len(), out_words, "harness output length");
    out
}

/// The CUDA per-thread body over a prepared batch, as the device would run it.
fn emulate(bin: &PathBuf, mode: Mode, words: &[u32], n: usize) -> Vec<u32> {
    let mut input = vec![mode as u32, n as u32];
    input.extend(prep::g_table());
    input.extend_from_slice(words);
    run(bin, &input, n * OUT_WORDS)
}

fn fe(words: &[u32]) -> FieldElement {
    Option::from(FieldElement::from_bytes(&prep::words_to_be(words).into())).expect("canonical")
}

fn words(f: &FieldElement) -> [u32; 8] {
    prep::be_to_words(&f.normalize().to_bytes())
}

#[test]
fn field_ops_match_k256() {
    let Some(bin) = harness() else { return };
    let seed = seed(0xf1e1d);
    let mut rng = rng(seed);
    // p − k, small values, single-word and word-boundary values, (p ± 1)/2.
    let p =
        prep::be_to_words(&hex::decode("fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f").unwrap());
    let minus = |k: u32| {
        let mut w = p;
        w[0] -= k;
        w
    };
    let mut edges: Vec<[u32; 8]> =
        vec![[0; 8], [1, 0, 0, 0, 0, 0, 0, 0], [2, 0, 0, 0, 0, 0, 0, 0], [7, 0, 0, 0, 0, 0, 0, 0]];
    edges.extend([minus(1), minus(2), minus(977), minus(0x3d1)]);
    edges.push([0, 1, 0, 0, 0, 0, 0, 0]);
    edges.push([0xffff_ffff, 0, 0, 0, 0, 0, 0, 0]);
    edges.push([0, 0, 0, 0, 0, 0, 0, 0x8000_0000]);
    edges.push([
        0xffff_ffff,
        0xffff_ffff,
        0xffff_ffff,
        0xffff_ffff,
        0xffff_ffff,
        0xffff_ffff,
        0xffff_ffff,
        0x7fff_ffff,
    ]);
    edges.push([
        0x7fff_fe17,
        0xffff_ffff,
        0xffff_ffff,
        0xffff_ffff,
        0xffff_ffff,
        0xffff_ffff,
        0xffff_ffff,
        0x7fff_ffff,
    ]);
    edges.push([0x0000_03d1, 0x0000_0001, 0, 0, 0, 0, 0, 0]);
    let mut pairs: Vec<([u32; 8], [u32; 8])> = Vec::new();
    for a in &edges {
        for b in &edges {
            pairs.push((*a, *b));
        }
    }
    for _ in 0..3000 {
        let a = FieldElement::from_bytes(&rng.gen::<[u8; 32]>().into());
        let b = FieldElement::from_bytes(&rng.gen::<[u8; 32]>().into());
        if let (Some(a), Some(b)) = (Option::<FieldElement>::from(a), Option::<FieldElement>::from(b)) {
            pairs.push((words(&a), words(&b)));
        }
    }
    let mut input = vec![2u32, pairs.len() as u32];
    for (a, b) in &pairs {
        input.extend(a);
        input.extend(b);
    }
    let out = run(bin, &input, pairs.len() * 48);
    let mut roots = 0;
    for (i, (aw, bw)) in pairs.iter().enumerate() {
        let (a, b) = (fe(aw), fe(bw));
        let o = &out[48 * i..48 * (i + 1)];
        let ctx = format!("pair {i}: a={aw:08x?} b={bw:08x?} seed={seed}");
        assert_eq!(o[..8], words(&(a + b)), "add {ctx}");
        assert_eq!(o[8..16], words(&(a - b)), "sub {ctx}");
        assert_eq!(o[16..24], words(&(a * b)), "mul {ctx}");
        assert_eq!(o[24..32], words(&a.square()), "sqr {ctx}");
        let inv = Option::<FieldElement>::from(a.invert()).unwrap_or(FieldElement::ZERO);
        assert_eq!(o[32..40], words(&inv), "inv {ctx}");
        // k256's sqrt is the same (p+1)/4 power when a root exists; otherwise the candidate
        // squares to −a (Euler), which is what the kernel then rejects.
        let cand = fe(&o[40..48]);
        match Option::<FieldElement>::from(a.sqrt()) {
            Some(r) => {
                roots += 1;
                assert_eq!(words(&cand.square()), words(&a), "sqrt {ctx}");
                assert_eq!(words(&cand), words(&r), "sqrt root choice {ctx}");
            }
            None => assert_eq!(words(&cand.square()), words(&-a), "non-residue {ctx}"),
        }
    }
    assert!(roots > 1000 && roots < pairs.len() - 1000, "{roots} of {} have roots", pairs.len());
}

#[test]
fn recovery_and_verification_match_cpu() {
    let Some(bin) = harness() else { return };
    let seed = seed(0xc0da);
    let mut rng = rng(seed);
    let (mut recs, mut vers) = valid_signatures(&mut rng, 400);
    let (ar, av) = adversarial(&mut rng);
    recs.extend(ar);
    vers.extend(av);
    check(bin, &recs, &vers, BOTH, seed);
}

#[test]
fn wycheproof_matches_cpu() {
    let Some(bin) = harness() else { return };
    let Some(groups) = wycheproof() else {
        gloam_engine_core::report_skip("Wycheproof vectors not found (shared/vectors/wycheproof)");
        return;
    };
    let mut n = 0;
    for (rule, recs, vers) in groups {
        n += vers.len();
        check(bin, &recs, &vers, &[rule], 0);
    }
    assert!(n > 500, "{n} items");
}

fn check(bin: &PathBuf, recs: &[Rec], vers: &[Ver], rules: &[EcdsaRule], seed: u64) {
    let ritems = recover_items(recs);
    let vitems = verify_items(vers);
    for &rule in rules {
        let p = prep::prepare_recover(&ritems, rule);
        let out = emulate(bin, p.mode, &p.words, p.device_items());
        let got = prep::finish_recover(p, &out).expect("valid statuses");
        let want = gsec::recover_batch(&ritems, rule);
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            assert_eq!(g, w, "recover item {i} ({}) {rule:?} seed {seed}", recs[i].what);
        }
        let p = prep::prepare_verify(&vitems, rule);
        let out = emulate(bin, p.mode, &p.words, p.device_items());
        let got = prep::finish_verify(p, &out).expect("valid statuses");
        let want = gsec::verify_batch(&vitems, rule);
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            assert_eq!(g, w, "verify item {i} ({}) {rule:?} seed {seed}", vers[i].what);
        }
    }
}

#[test]
fn ed25519_matches_cpu() {
    let Some(bin) = harness() else { return };
    let seed = seed(0xed25519);
    let mut rng = rng(seed);
    let mut cases = ed_cases(&mut rng, 200);
    let wy = ed_wycheproof();
    if wy.is_none() {
        gloam_engine_core::report_skip("Wycheproof ed25519 vectors not found");
    }
    cases.extend(wy.unwrap_or_default());
    let items = ed_items(&cases);
    let p = gloam_sig_gpu::prep_ed25519::prepare(&items);
    let n = p.device_items();
    let mut input = vec![3u32, n as u32];
    input.extend(gloam_sig_gpu::prep_ed25519::basepoint_words());
    input.extend_from_slice(&p.words);
    let out = run(bin, &input, n * gloam_sig_gpu::prep_ed25519::ED_OUT_WORDS);
    let got = gloam_sig_gpu::prep_ed25519::finish(p, &out).expect("valid statuses");
    let want = gloam_sig::ed25519::verify_batch(&items);
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert_eq!(g, w, "ed25519 item {i} ({}) seed {seed}", cases[i].what);
    }
    assert!(oks(&want) > 200 && oks(&want) < want.len());
}

/// An independent reference for 2^255 − 19: 4 × 64-bit limbs, u128 products, reduction by
/// repeated folding of everything above bit 255 (·19) and a final comparison with p.
mod f25_ref {
    pub type W = [u64; 4];
    pub const P: W = [0xffff_ffff_ffff_ffed, u64::MAX, u64::MAX, 0x7fff_ffff_ffff_ffff];

    fn geq(a: &W, b: &W) -> bool {
        for i in (0..4).rev() {
            if a[i] != b[i] {
                return a[i] > b[i];
            }
        }
        true
    }

    fn sub_raw(a: &W, b: &W) -> W {
        let mut r = [0u64; 4];
        let mut borrow = 0u128;
        for i in 0..4 {
            let d = (a[i] as u128).wrapping_sub(b[i] as u128 + borrow);
            r[i] = d as u64;
            borrow = (d >> 127) & 1;
        }
        r
    }

    /// Reduces a little-endian number of any length (u64 limbs) mod p.
    pub fn reduce(mut x: Vec<u64>) -> W {
        loop {
            // x = lo (255 bits) + 2^255·hi ≡ lo + 19·hi.
            let hi: Vec<u64> =
                (0..x.len()).map(|i| (x[i] >> 63) | x.get(i + 1).map_or(0, |n| n << 1)).skip(3).collect();
            if hi.iter().all(|&h| h == 0) {
                break;
            }
            let mut lo = vec![x[0], x[1], x[2], x[3] & 0x7fff_ffff_ffff_ffff];
            let mut carry = 0u128;
            for i in 0..lo.len().max(hi.len()) {
                if i >= lo.len() {
                    lo.push(0);
                }
                let v = lo[i] as u128 + 19 * hi.get(i).copied().unwrap_or(0) as u128 + carry;
                lo[i] = v as u64;
                carry = v >> 64;
            }
            if carry != 0 {
                lo.push(carry as u64);
            }
            x = lo;
        }
        let mut r = [x[0], x[1], x[2], x[3]];
        while geq(&r, &P) {
            r = sub_raw(&r, &P);
        }
        r
    }

    pub fn add(a: &W, b: &W) -> W {
        let mut v = vec![0u64; 5];
        let mut c = 0u128;
        for i in 0..4 {
            let s = a[i] as u128 + b[i] as u128 + c;
            v[i] = s as u64;
            c = s >> 64;
        }
        v[4] = c as u64;
        reduce(v)
    }

    pub fn sub(a: &W, b: &W) -> W {
        // a + (p − b); p − b ≥ 0 for b < p.
        add(a, &sub_raw(&P, b))
    }

    pub fn mul(a: &W, b: &W) -> W {
        let mut t = vec![0u64; 8];
        for i in 0..4 {
            let mut c = 0u128;
            for j in 0..4 {
                let v = a[i] as u128 * b[j] as u128 + t[i + j] as u128 + c;
                t[i + j] = v as u64;
                c = v >> 64;
            }
            t[i + 4] = c as u64;
        }
        reduce(t)
    }

    pub fn from_words(w: &[u32]) -> W {
        [0, 1, 2, 3].map(|i| w[2 * i] as u64 | (w[2 * i + 1] as u64) << 32)
    }

    pub fn to_words(x: &W) -> [u32; 8] {
        let mut w = [0u32; 8];
        for i in 0..4 {
            w[2 * i] = x[i] as u32;
            w[2 * i + 1] = (x[i] >> 32) as u32;
        }
        w
    }
}

#[test]
fn curve25519_field_ops_match_an_independent_reference() {
    let Some(bin) = harness() else { return };
    let seed = seed(0xf25);
    let mut rng = rng(seed);
    let p = f25_ref::P;
    let minus = |k: u64| {
        let mut w = p;
        w[0] -= k;
        w
    };
    let mut edges: Vec<f25_ref::W> = vec![[0; 4], [1, 0, 0, 0], [2, 0, 0, 0], [19, 0, 0, 0], [38, 0, 0, 0]];
    edges.extend([minus(1), minus(2), minus(19), minus(38)]);
    edges.push([0, 0, 0, 1 << 62]);
    edges.push([u64::MAX, u64::MAX, u64::MAX, 0x3fff_ffff_ffff_ffff]);
    edges.push([0, 1, 0, 0]);
    edges.push([u64::MAX, 0, 0, 0]);
    let mut pairs: Vec<(f25_ref::W, f25_ref::W)> = Vec::new();
    for a in &edges {
        for b in &edges {
            pairs.push((*a, *b));
        }
    }
    for _ in 0..3000 {
        let a = f25_ref::reduce(rng.gen::<[u64; 4]>().to_vec());
        let b = f25_ref::reduce(rng.gen::<[u64; 4]>().to_vec());
        pairs.push((a, b));
    }
    let mut input = vec![4u32, pairs.len() as u32];
    for (a, b) in &pairs {
        input.extend(f25_ref::to_words(a));
        input.extend(f25_ref::to_words(b));
    }
    let out = run(bin, &input, pairs.len() * 40);
    for (i, (a, b)) in pairs.iter().enumerate() {
        let o = &out[40 * i..40 * (i + 1)];
        let ctx = format!("pair {i}: a={a:016x?} b={b:016x?} seed={seed}");
        assert_eq!(f25_ref::from_words(&o[..8]), f25_ref::add(a, b), "add {ctx}");
        assert_eq!(f25_ref::from_words(&o[8..16]), f25_ref::sub(a, b), "sub {ctx}");
        assert_eq!(f25_ref::from_words(&o[16..24]), f25_ref::mul(a, b), "mul {ctx}");
        assert_eq!(f25_ref::from_words(&o[24..32]), f25_ref::mul(a, a), "sqr {ctx}");
        assert_eq!(f25_ref::from_words(&o[32..40]), f25_ref::sub(&[0; 4], a), "neg {ctx}");
    }
    // The reference itself: (p − 1)² = 1, 2^255 ≡ 19.
    assert_eq!(f25_ref::mul(&minus(1), &minus(1)), [1, 0, 0, 0]);
    assert_eq!(f25_ref::reduce(vec![0, 0, 0, 1 << 63]), [19, 0, 0, 0]);
}
