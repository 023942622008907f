//! Host emulation of the CUDA kernels: the headers in `kernels/cuda` are compiled with the host
//! C++ compiler into `tests/host/harness.cpp`, which runs each device function (field ops,
//! G1 formulas, NTT butterflies and stages, the MSM pipeline's per-thread bodies) in loops; every
//! answer is compared with arkworks. This is the evidence for the kernels' arithmetic on a
//! machine without a GPU (the GPU run itself is `ci/gpu-check.sh`).
//!
//! Needs a C++17 compiler (`$CXX`, else g++, c++ or clang++). Without one the tests print
//! SKIPPED, and fail when `CI=true`.
//! Seeds print on failure; `GLOAM_TEST_SEED` replays one.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use ark_bls12_381::{Fq, Fr, G1Affine, G1Projective};
use ark_ec::{AffineRepr, CurveGroup, PrimeGroup, VariableBaseMSM};
use ark_ff::{AdditiveGroup, BigInteger, Field, One, PrimeField, UniformRand, Zero};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use gloam_engine_core::{domain, layout, NttDirection, NttOp};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

fn seed(default: u64) -> u64 {
    std::env::var("GLOAM_TEST_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(default)
}

fn harness() -> Option<&'static PathBuf> {
    static BIN: OnceLock<Option<PathBuf>> = OnceLock::new();
    BIN.get_or_init(|| {
        gloam_engine_core::build_host_harness(&gloam_engine_core::HostHarness {
            manifest_dir: env!("CARGO_MANIFEST_DIR"),
            repo_rel: "engine/backend-cuda",
            tmp_dir: env!("CARGO_TARGET_TMPDIR"),
            name: "cuda",
            flags: &["-Wno-unused-result"],
        })
    })
    .as_ref()
}

/// Runs one batch of commands; one output line per command.
fn run(input: &str) -> Vec<Vec<String>> {
    let bin = harness().expect("checked by caller");
    let mut child =
        Command::new(bin).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let text = input.to_string();
    let writer = std::thread::spawn(move || stdin.write_all(text.as_bytes()));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(out.status.success(), "harness failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().lines().map(|l| l.split_whitespace().map(str::to_string).collect()).collect()
}

// ---- encoding (Montgomery limbs, as the device stores them)

fn hex_limbs(limbs: &[u64]) -> String {
    limbs.iter().map(|l| format!("{l:x} ")).collect()
}
fn fr_hex(x: &Fr) -> String {
    hex_limbs(&(x.0).0)
}
fn fq_hex(x: &Fq) -> String {
    hex_limbs(&(x.0).0)
}
fn limbs(tokens: &[String]) -> Vec<u64> {
    tokens.iter().map(|t| u64::from_str_radix(t, 16).unwrap()).collect()
}
fn words(l: &[u64]) -> Vec<u32> {
    l.iter().flat_map(|&v| [v as u32, (v >> 32) as u32]).collect()
}
fn fr_from(tokens: &[String]) -> Fr {
    layout::fr_from_mont_words(&words(&limbs(tokens)))
}
fn fq_from(tokens: &[String]) -> Fq {
    layout::fq_from_mont_words(&words(&limbs(tokens)))
}
fn affine_hex(p: &G1Affine) -> String {
    match p.xy() {
        Some((x, y)) => format!("{}{}", fq_hex(&x), fq_hex(&y)),
        None => "0 ".repeat(12),
    }
}
/// XYZZ encoding of a point with a chosen Z (so tests do not only see Z = 1).
fn xyzz_hex(p: &G1Projective, z: Fq) -> String {
    let a = p.into_affine();
    match a.xy() {
        Some((x, y)) => {
            let zz = z.square();
            let zzz = zz * z;
            format!("{}{}{}{}", fq_hex(&(x * zz)), fq_hex(&(y * zzz)), fq_hex(&zz), fq_hex(&zzz))
        }
        None => "0 ".repeat(24),
    }
}
fn xyzz_from(tokens: &[String]) -> G1Projective {
    layout::g1_from_xyzz_words(&words(&limbs(tokens)))
}
/// Checks the XYZZ invariant ZZ^3 = ZZZ^2 as well as the value: a wrong ZZZ would pass the
/// affine comparison only by accident.
fn check_xyzz_invariant(tokens: &[String], what: &str) {
    let zz = fq_from(&tokens[12..18]);
    let zzz = fq_from(&tokens[18..24]);
    assert_eq!(zz.square() * zz, zzz.square(), "{what}: ZZ^3 != ZZZ^2");
}

// ---- tests

#[test]
fn constants_match_arkworks() {
    if harness().is_none() {
        return;
    }
    let out = &run("consts\n")[0];
    assert_eq!(limbs(&out[0..4]), Fr::MODULUS.0.to_vec(), "Fr modulus");
    assert_eq!(limbs(&out[4..8]), (Fr::one().0).0.to_vec(), "Fr R mod r");
    assert_eq!(limbs(&out[8..14]), Fq::MODULUS.0.to_vec(), "Fp modulus");
    assert_eq!(limbs(&out[14..20]), (Fq::one().0).0.to_vec(), "Fp R mod p");
    // INV = -p^-1 mod 2^64.
    let inv_fr = u64::from_str_radix(&out[20], 16).unwrap();
    let inv_fq = u64::from_str_radix(&out[21], 16).unwrap();
    assert_eq!(Fr::MODULUS.0[0].wrapping_mul(inv_fr), u64::MAX, "Fr INV");
    assert_eq!(Fq::MODULUS.0[0].wrapping_mul(inv_fq), u64::MAX, "Fp INV");
}

fn edge_fr() -> Vec<Fr> {
    vec![
        Fr::zero(),
        Fr::one(),
        -Fr::one(),
        Fr::from(2u64),
        -Fr::from(2u64),
        Fr::from(u64::MAX),
        Fr::from(1u64 << 63).inverse().unwrap(),
    ]
}
fn edge_fq() -> Vec<Fq> {
    vec![
        Fq::zero(),
        Fq::one(),
        -Fq::one(),
        Fq::from(2u64),
        -Fq::from(2u64),
        Fq::from(u64::MAX),
        Fq::from(1u64 << 63).inverse().unwrap(),
    ]
}

#[test]
fn fr_ops_match_arkworks() {
    if harness().is_none() {
        return;
    }
    let seed = seed(0xf7_0001);
    let mut r = ChaCha20Rng::seed_from_u64(seed);
    let mut vals = edge_fr();
    vals.extend((0..300).map(|_| Fr::rand(&mut r)));
    let mut pairs = Vec::new();
    for a in &vals {
        let b = if r.gen_bool(0.2) { vals[r.gen_range(0..7)] } else { vals[r.gen_range(0..vals.len())] };
        pairs.push((*a, b));
    }
    for a in edge_fr() {
        for b in edge_fr() {
            pairs.push((a, b));
        }
    }
    let ops = ["mul", "add", "sub", "neg", "sqr", "eq", "pow"];
    let mut input = String::new();
    for (a, b) in &pairs {
        for op in ops {
            let b = if op == "pow" {
                Fr::from_bigint(ark_ff::BigInt([b.into_bigint().0[0] & 0xffff, 0, 0, 0])).unwrap()
            } else {
                *b
            };
            // pow takes its exponent from the first raw limb of b.
            let b_hex = if op == "pow" { hex_limbs(&[b.into_bigint().0[0], 0, 0, 0]) } else { fr_hex(&b) };
            input += &format!("fr {op} {}{}\n", fr_hex(a), b_hex);
        }
    }
    let out = run(&input);
    let mut k = 0;
    for (a, b) in &pairs {
        for op in ops {
            let e = b.into_bigint().0[0] & 0xffff;
            let want = match op {
                "mul" => *a * b,
                "add" => *a + b,
                "sub" => *a - b,
                "neg" => -*a,
                "sqr" => a.square(),
                "eq" => {
                    if a == b {
                        Fr::one()
                    } else {
                        Fr::zero()
                    }
                }
                _ => a.pow([e]),
            };
            let got_l = limbs(&out[k]);
            // Results must be fully reduced: the raw limbs equal arkworks', not just the value.
            assert_eq!(got_l, (want.0).0.to_vec(), "fr {op} a={a} b={b} seed={seed}");
            k += 1;
        }
    }
}

#[test]
fn fp_ops_match_arkworks() {
    if harness().is_none() {
        return;
    }
    let seed = seed(0xf9_0002);
    let mut r = ChaCha20Rng::seed_from_u64(seed);
    let mut vals = edge_fq();
    vals.extend((0..300).map(|_| Fq::rand(&mut r)));
    let mut pairs = Vec::new();
    for a in &vals {
        pairs.push((*a, vals[r.gen_range(0..vals.len())]));
    }
    for a in edge_fq() {
        for b in edge_fq() {
            pairs.push((a, b));
        }
    }
    let ops = ["mul", "add", "sub", "neg", "sqr", "eq"];
    let mut input = String::new();
    for (a, b) in &pairs {
        for op in ops {
            input += &format!("fp {op} {}{}\n", fq_hex(a), fq_hex(b));
        }
    }
    let out = run(&input);
    let mut k = 0;
    for (a, b) in &pairs {
        for op in ops {
            let want = match op {
                "mul" => *a * b,
                "add" => *a + b,
                "sub" => *a - b,
                "neg" => -*a,
                "sqr" => a.square(),
                _ => {
                    if a == b {
                        Fq::one()
                    } else {
                        Fq::zero()
                    }
                }
            };
            assert_eq!(limbs(&out[k]), (want.0).0.to_vec(), "fp {op} a={a} b={b} seed={seed}");
            k += 1;
        }
    }
}

#[test]
fn g1_formulas_and_edge_cases_match_arkworks() {
    if harness().is_none() {
        return;
    }
    let seed = seed(0x61_0003);
    let mut r = ChaCha20Rng::seed_from_u64(seed);
    let g = G1Projective::generator();
    let inf = G1Projective::zero();
    let mut cases: Vec<(String, G1Projective)> = Vec::new();
    let mut input = String::new();
    let rz = |r: &mut ChaCha20Rng| loop {
        let z = Fq::rand(r);
        if !z.is_zero() {
            return z;
        }
    };
    for i in 0..40 {
        let p = g * Fr::rand(&mut r);
        let q = g * Fr::rand(&mut r);
        let (pa, qa) = (p.into_affine(), q.into_affine());
        let (z1, z2) = (rz(&mut r), rz(&mut r));
        let mut add = |name: &str, cmd: String, want: G1Projective| {
            input += &cmd;
            input += "\n";
            cases.push((format!("{name} #{i}"), want));
        };
        add("madd P+Q", format!("g1_madd {}{}", xyzz_hex(&p, z1), affine_hex(&qa)), p + q);
        add("madd P+P (doubling)", format!("g1_madd {}{}", xyzz_hex(&p, z1), affine_hex(&pa)), p.double());
        add("madd P+(-P) (cancel)", format!("g1_madd {}{}", xyzz_hex(&p, z1), affine_hex(&(-pa))), inf);
        add("madd inf+Q", format!("g1_madd {}{}", xyzz_hex(&inf, z1), affine_hex(&qa)), q);
        add("madd P+inf", format!("g1_madd {}{}", xyzz_hex(&p, z1), affine_hex(&G1Affine::identity())), p);
        add("madd inf+inf", format!("g1_madd {}{}", xyzz_hex(&inf, z1), affine_hex(&G1Affine::identity())), inf);
        add("neg madd P-Q", format!("g1_neg_madd {}{}", xyzz_hex(&p, z1), affine_hex(&qa)), p - q);
        add("neg madd P-P", format!("g1_neg_madd {}{}", xyzz_hex(&p, z1), affine_hex(&pa)), inf);
        add("neg madd P-inf", format!("g1_neg_madd {}{}", xyzz_hex(&p, z1), affine_hex(&G1Affine::identity())), p);
        add("add P+Q", format!("g1_add {}{}", xyzz_hex(&p, z1), xyzz_hex(&q, z2)), p + q);
        add("add P+P (other Z)", format!("g1_add {}{}", xyzz_hex(&p, z1), xyzz_hex(&p, z2)), p.double());
        add("add P+(-P)", format!("g1_add {}{}", xyzz_hex(&p, z1), xyzz_hex(&-p, z2)), inf);
        add("add inf+Q", format!("g1_add {}{}", xyzz_hex(&inf, z1), xyzz_hex(&q, z2)), q);
        add("add P+inf", format!("g1_add {}{}", xyzz_hex(&p, z1), xyzz_hex(&inf, z2)), p);
        add("dbl P", format!("g1_dbl {}", xyzz_hex(&p, z1)), p.double());
        add("dbl inf", format!("g1_dbl {}", xyzz_hex(&inf, z1)), inf);
        add("dbl affine P", format!("g1_dbl_affine {}", affine_hex(&pa)), p.double());
        add("dbl affine inf", format!("g1_dbl_affine {}", affine_hex(&G1Affine::identity())), inf);
        let k: u32 = match i {
            0 => 0,
            1 => 1,
            2 => 2,
            3 => u32::MAX,
            _ => r.gen(),
        };
        add("mul_u32", format!("g1_mul {}{k:x}", xyzz_hex(&p, z1)), p * Fr::from(k as u64));
    }
    let out = run(&input);
    assert_eq!(out.len(), cases.len());
    for ((name, want), got) in cases.iter().zip(&out) {
        let got_p = xyzz_from(got);
        assert_eq!(got_p.into_affine(), want.into_affine(), "{name} seed={seed}");
        if !want.is_zero() {
            check_xyzz_invariant(got, name);
            assert!(got_p.into_affine().is_on_curve(), "{name}: off curve");
        }
    }
}

fn ntt_cmd(input: &[Fr], log_n: u32, log_tile: u32, inverse: bool, coset: Option<Fr>) -> String {
    let tw = if log_n > 0 { domain::twiddles(log_n, inverse) } else { Vec::new() };
    // consts[0] = 1/n, consts[1+k] = base^(2^k) with base = g (forward) or g^-1 (inverse).
    let mut consts = vec![if inverse { domain::size_inv(log_n) } else { Fr::one() }];
    let base = coset.map(|g| if inverse { g.inverse().unwrap() } else { g }).unwrap_or(Fr::one());
    let mut b = base;
    for _ in 0..log_n.max(1) {
        consts.push(b);
        b.square_in_place();
    }
    let pre = (!inverse && coset.is_some()) as u32;
    let post = if inverse { 1 | if coset.is_some() { 2 } else { 0 } } else { 0 };
    let mut s = format!("ntt {log_n:x} {log_tile:x} {pre:x} {post:x} {:x} ", consts.len());
    for c in &consts {
        s += &fr_hex(c);
    }
    for t in &tw {
        s += &fr_hex(t);
    }
    for x in input {
        s += &fr_hex(x);
    }
    s + "\n"
}

#[test]
fn ntt_stages_match_arkworks() {
    if harness().is_none() {
        return;
    }
    let seed = seed(0x4e_0004);
    let mut r = ChaCha20Rng::seed_from_u64(seed);
    let g = Fr::rand(&mut r);
    let mut input = String::new();
    let mut cases = Vec::new();
    for log_n in 0..=11u32 {
        let n = 1usize << log_n;
        let data: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut r)).collect();
        for log_tile in [1u32, 3, 10] {
            for (inverse, coset) in [(false, None), (true, None), (false, Some(g)), (true, Some(g))] {
                input += &ntt_cmd(&data, log_n, log_tile, inverse, coset);
                cases.push((log_n, log_tile, inverse, coset, data.clone()));
            }
        }
    }
    // Special vectors: zeros, all r-1, an impulse.
    let n = 256;
    for data in [vec![Fr::zero(); n], vec![-Fr::one(); n], (0..n).map(|i| Fr::from((i == 1) as u64)).collect()] {
        input += &ntt_cmd(&data, 8, 4, false, None);
        cases.push((8, 4, false, None, data));
    }
    let out = run(&input);
    for ((log_n, log_tile, inverse, coset, data), got) in cases.iter().zip(&out) {
        let mut d = Radix2EvaluationDomain::<Fr>::new(data.len()).unwrap();
        if let Some(g) = coset {
            d = d.get_coset(*g).unwrap();
        }
        let want = if *inverse { d.ifft(data) } else { d.fft(data) };
        let got: Vec<Fr> = got.chunks(4).map(fr_from).collect();
        assert!(got == want, "ntt n=2^{log_n} tile=2^{log_tile} inverse={inverse} coset={coset:?} seed={seed}");
    }
}

/// The backend's own schedule and constants (gloam_cuda::ntt), run step by step on the host.
#[test]
fn ntt_backend_schedule_matches_arkworks() {
    use gloam_cuda::ntt::{scale_consts, schedule, Step};
    if harness().is_none() {
        return;
    }
    let seed = seed(0x4e_0007);
    let mut r = ChaCha20Rng::seed_from_u64(seed);
    let g = Fr::rand(&mut r);
    let mut input = String::new();
    let mut cases = Vec::new();
    for log_n in 1..=11u32 {
        let n = 1usize << log_n;
        let batch = if log_n % 3 == 1 { 3 } else { 1 };
        let data: Vec<Fr> = (0..n * batch).map(|_| Fr::rand(&mut r)).collect();
        for max_tile in [1u32, 2, 3, 10] {
            for op in [NttOp::FORWARD, NttOp::INVERSE, NttOp::coset_forward(g), NttOp::coset_inverse(g)] {
                let inverse = op.direction == NttDirection::Inverse;
                let steps = schedule(log_n, max_tile, inverse, op.coset.is_some());
                let consts = scale_consts(log_n, op).unwrap();
                let mut cmd = format!("ntt_steps {log_n:x} {batch:x} {:x} ", steps.len());
                for st in &steps {
                    let (k, a) = match *st {
                        Step::CosetScale => (0, 0),
                        Step::Stage2 { log_half } => (1, log_half),
                        Step::Stage { log_half } => (2, log_half),
                        Step::Fused { log_tile } => (3, log_tile),
                        Step::BitrevScale { flags } => (4, flags),
                    };
                    cmd += &format!("{k:x} {a:x} ");
                }
                cmd += &format!("{:x} ", consts.len());
                for c in consts.iter().chain(domain::twiddles(log_n, inverse).iter()).chain(data.iter()) {
                    cmd += &fr_hex(c);
                }
                input += &cmd;
                input += "\n";
                cases.push((log_n, max_tile, op, data.clone(), steps));
            }
        }
    }
    let out = run(&input);
    for ((log_n, max_tile, op, data, steps), got) in cases.iter().zip(&out) {
        let n = 1usize << log_n;
        let mut d = Radix2EvaluationDomain::<Fr>::new(n).unwrap();
        if let Some(g) = op.coset {
            d = d.get_coset(g).unwrap();
        }
        let got: Vec<Fr> = got.chunks(4).map(fr_from).collect();
        assert_eq!(got.len(), data.len());
        for (item, (x, y)) in data.chunks(n).zip(got.chunks(n)).enumerate() {
            let want = if op.direction == NttDirection::Inverse { d.ifft(x) } else { d.fft(x) };
            assert!(
                y == want.as_slice(),
                "ntt n=2^{log_n} item {item} max_tile=2^{max_tile} {op:?} steps={steps:?} seed={seed}"
            );
        }
    }
}

fn canonical_words(s: &Fr) -> [u32; 8] {
    layout::fr_to_canonical_words(s)
}

#[test]
fn msm_signed_digits_reconstruct_the_scalar() {
    if harness().is_none() {
        return;
    }
    let seed = seed(0xd1_0005);
    let mut r = ChaCha20Rng::seed_from_u64(seed);
    let mut scalars = vec![Fr::zero(), Fr::one(), -Fr::one(), -Fr::from(2u64), Fr::from(2u64).pow([254u64])];
    scalars.extend((0..60).map(|_| Fr::rand(&mut r)));
    let mut input = String::new();
    let mut cases = Vec::new();
    for c in 4..=16u32 {
        let windows = 256u32.div_ceil(c);
        for s in &scalars {
            input += &format!("digits {c:x} {windows:x} ");
            for w in canonical_words(s) {
                input += &format!("{w:x} ");
            }
            input += "\n";
            cases.push((c, *s));
        }
    }
    let out = run(&input);
    for ((c, s), got) in cases.iter().zip(&out) {
        let digits: Vec<i64> = got.iter().map(|d| d.parse().unwrap()).collect();
        let half = 1i64 << (c - 1);
        let mut acc = Fr::zero();
        let base = Fr::from(2u64).pow([*c as u64]);
        for d in digits.iter().rev() {
            assert!(d.abs() <= half, "digit {d} out of range for c={c}");
            acc = acc * base + if *d < 0 { -Fr::from(d.unsigned_abs()) } else { Fr::from(*d as u64) };
        }
        assert_eq!(acc, *s, "digits of {s} with c={c} seed={seed}");
    }
}

fn msm_cmd(points: &[G1Affine], scalars: &[Fr], c: u32, windows: u32, fixed: bool) -> String {
    let mut s = format!("msm {c:x} {windows:x} {:x} {:x} ", fixed as u32, scalars.len());
    if fixed {
        for w in 0..windows {
            let shift = Fr::from(2u64).pow([(c * w) as u64]);
            let table: Vec<G1Projective> = points.iter().map(|p| *p * shift).collect();
            for p in G1Projective::normalize_batch(&table) {
                s += &affine_hex(&p);
            }
        }
    } else {
        for p in points {
            s += &affine_hex(p);
        }
    }
    for x in scalars {
        s += &fr_hex(x);
    }
    s + "\n"
}

fn horner(window_sums: &[G1Projective], c: u32) -> G1Projective {
    let mut acc = G1Projective::zero();
    for w in window_sums.iter().rev() {
        for _ in 0..c {
            acc.double_in_place();
        }
        acc += w;
    }
    acc
}

#[test]
fn msm_pipeline_matches_arkworks() {
    if harness().is_none() {
        return;
    }
    let seed = seed(0x35_0006);
    let mut r = ChaCha20Rng::seed_from_u64(seed);
    let g = G1Projective::generator();
    let mut cases: Vec<(String, Vec<G1Affine>, Vec<Fr>)> = Vec::new();
    for n in [1usize, 2, 5, 64, 300] {
        let pts: Vec<G1Affine> =
            G1Projective::normalize_batch(&(0..n).map(|_| g * Fr::rand(&mut r)).collect::<Vec<_>>());
        let sc: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut r)).collect();
        let one = sc[0];
        cases.push((format!("random n={n}"), pts.clone(), sc.clone()));
        cases.push((format!("equal scalars n={n}"), pts.clone(), vec![one; n]));
        cases.push((format!("r-1 n={n}"), pts.clone(), vec![-Fr::one(); n]));
        cases.push((format!("zero scalars n={n}"), pts.clone(), vec![Fr::zero(); n]));
        cases.push((format!("identity points n={n}"), vec![G1Affine::identity(); n], sc.clone()));
        cases.push((format!("repeated point n={n}"), vec![pts[0]; n], vec![Fr::from(5u64); n]));
        let pm: Vec<G1Affine> = (0..n).map(|i| if i % 2 == 0 { pts[i] } else { -pts[i - 1] }).collect();
        cases.push((format!("P,-P equal scalars n={n}"), pm.clone(), vec![Fr::from(3u64); n]));
        cases.push((format!("P,-P random n={n}"), pm, sc.clone()));
    }
    let mut input = String::new();
    let mut meta = Vec::new();
    for (name, pts, sc) in &cases {
        for (c, fixed) in [(4u32, false), (7, false), (13, false), (5, true)] {
            if fixed && pts.len() > 64 {
                continue; // host table building is slow; the shape is the same
            }
            let windows = 256u32.div_ceil(c);
            input += &msm_cmd(pts, sc, c, windows, fixed);
            meta.push((name.clone(), pts.clone(), sc.clone(), c, fixed, windows));
        }
    }
    let out = run(&input);
    for ((name, pts, sc, c, fixed, windows), got) in meta.iter().zip(&out) {
        let sets = if *fixed { 1 } else { *windows as usize };
        assert_eq!(got.len(), sets * 24);
        let sums: Vec<G1Projective> = got.chunks(24).map(xyzz_from).collect();
        let result = if *fixed { sums[0] } else { horner(&sums, *c) };
        let want = G1Projective::msm(pts, sc).unwrap();
        assert_eq!(result.into_affine(), want.into_affine(), "msm `{name}` c={c} fixed={fixed} seed={seed}");
    }
}

#[test]
fn bigint_helpers_sane() {
    // Guards the encoders above: canonical words are the integer, not Montgomery limbs.
    let x = Fr::from(5u64);
    assert_eq!(canonical_words(&x)[0], 5);
    assert!(x.into_bigint().is_odd());
}

// ---- the backend's own MSM driver (gloam_cuda::msm::pipeline) on an emulated device

/// `MsmDevice` backed by the harness: buffers live in the harness process, each kernel runs its
/// thread body for every index. The Rust side is the backend's code, unchanged.
struct HostDev {
    io: std::cell::RefCell<(std::process::ChildStdin, std::io::BufReader<std::process::ChildStdout>)>,
    child: std::cell::RefCell<std::process::Child>,
    next: std::cell::Cell<u32>,
}

impl HostDev {
    fn new() -> HostDev {
        let bin = harness().expect("checked by caller");
        let mut child = Command::new(bin).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        HostDev {
            io: std::cell::RefCell::new((stdin, stdout)),
            child: std::cell::RefCell::new(child),
            next: std::cell::Cell::new(1),
        }
    }
    fn cmd(&self, line: &str) -> Vec<String> {
        use std::io::BufRead;
        let mut io = self.io.borrow_mut();
        io.0.write_all(line.as_bytes()).unwrap();
        io.0.write_all(b"\n").unwrap();
        io.0.flush().unwrap();
        let mut out = String::new();
        io.1.read_line(&mut out).unwrap();
        assert!(out.ends_with('\n'), "harness died on `{}`", &line[..line.len().min(80)]);
        out.split_whitespace().map(str::to_string).collect()
    }
    fn alloc(&self, bytes: usize) -> u32 {
        let id = self.next.get();
        self.next.set(id + 1);
        self.cmd(&format!("alloc {id:x} {bytes:x}"));
        id
    }
    fn put(&self, id: u32, words: &[u32]) {
        let mut s = format!("put {id:x} {:x}", words.len());
        for w in words {
            s += &format!(" {w:x}");
        }
        self.cmd(&s);
    }
    fn get(&self, id: u32, n: usize) -> Vec<u32> {
        self.cmd(&format!("get {id:x} {n:x}")).iter().map(|t| u32::from_str_radix(t, 16).unwrap()).collect()
    }
}

impl Drop for HostDev {
    fn drop(&mut self) {
        let _ = self.child.borrow_mut().kill();
        let _ = self.child.borrow_mut().wait();
    }
}

type DR<T> = gloam_engine_core::DeviceResult<T>;

impl gloam_cuda::msm::MsmDevice for HostDev {
    type Buf = u32;
    fn upload_u64(&self, data: &[u64]) -> DR<u32> {
        let id = self.alloc(data.len() * 8);
        self.put(id, &words(data));
        Ok(id)
    }
    fn upload_u32(&self, data: &[u32]) -> DR<u32> {
        let id = self.alloc(data.len() * 4);
        self.put(id, data);
        Ok(id)
    }
    fn zeros_u64(&self, len: usize) -> DR<u32> {
        Ok(self.alloc(len * 8))
    }
    fn zeros_u32(&self, len: usize) -> DR<u32> {
        Ok(self.alloc(len * 4))
    }
    fn download_u64(&self, b: &u32, len: usize) -> DR<Vec<u64>> {
        Ok(self.get(*b, 2 * len).chunks(2).map(|w| w[0] as u64 | (w[1] as u64) << 32).collect())
    }
    fn download_u32(&self, b: &u32, len: usize) -> DR<Vec<u32>> {
        Ok(self.get(*b, len))
    }
    fn digits(
        &self,
        sc: &u32,
        s: gloam_cuda::msm::Span,
        c: u32,
        windows: u32,
        fixed: bool,
        dg: &mut u32,
        doff: usize,
        ct: &mut u32,
        coff: usize,
    ) -> DR<()> {
        self.cmd(&format!(
            "k_digits {sc:x} {:x} {:x} {c:x} {windows:x} {:x} {dg:x} {doff:x} {ct:x} {coff:x}",
            s.scalar_start, s.n, fixed as u32
        ));
        Ok(())
    }
    fn scatter(
        &self,
        dg: &u32,
        doff: usize,
        s: gloam_cuda::msm::Span,
        c: u32,
        windows: u32,
        fixed: bool,
        cur: &mut u32,
        coff: usize,
        en: &mut u32,
    ) -> DR<()> {
        self.cmd(&format!(
            "k_scatter {dg:x} {doff:x} {:x} {c:x} {windows:x} {:x} {:x} {cur:x} {coff:x} {en:x}",
            s.n, fixed as u32, s.point_base
        ));
        Ok(())
    }
    fn accumulate(&self, pts: &u32, en: &u32, ch: &u32, num: u32, out: &mut u32) -> DR<()> {
        self.cmd(&format!("k_acc {pts:x} {en:x} {ch:x} {num:x} {out:x}"));
        Ok(())
    }
    fn reduce(&self, input: &u32, off: &u32, groups: u32, out: &mut u32) -> DR<()> {
        self.cmd(&format!("k_reduce {input:x} {off:x} {groups:x} {out:x}"));
        Ok(())
    }
    fn segments(&self, b: &u32, per_set: u32, sets: u32, seg_len: u32, segs: u32, out: &mut u32) -> DR<()> {
        self.cmd(&format!("k_seg {b:x} {per_set:x} {sets:x} {seg_len:x} {segs:x} {out:x}"));
        Ok(())
    }
}

#[test]
fn backend_msm_driver_matches_arkworks() {
    use gloam_cuda::msm::{fixed_base_table, fixed_msm_on, fixed_window_bits, msm_batch_on, msm_on, MsmDevice};
    use gloam_engine_core::MsmJob;
    if harness().is_none() {
        return;
    }
    let seed = seed(0x35_0008);
    let mut r = ChaCha20Rng::seed_from_u64(seed);
    let dev = HostDev::new();
    let g = G1Projective::generator();
    let pts_of = |n: usize, r: &mut ChaCha20Rng| {
        G1Projective::normalize_batch(&(0..n).map(|_| g * Fr::rand(r)).collect::<Vec<_>>())
    };

    // Single MSMs: random and the shapes that break bucket methods.
    for n in [1usize, 3, 100, 700] {
        let pts = pts_of(n, &mut r);
        let sc: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut r)).collect();
        let pm: Vec<G1Affine> = (0..n).map(|i| if i % 2 == 0 { pts[i] } else { -pts[i - 1] }).collect();
        let cases: Vec<(&str, Vec<G1Affine>, Vec<Fr>)> = vec![
            ("random", pts.clone(), sc.clone()),
            ("one bucket", pts.clone(), vec![sc[0]; n]),
            ("r-1", pts.clone(), vec![-Fr::one(); n]),
            ("zeros", pts.clone(), vec![Fr::zero(); n]),
            ("identity points", vec![G1Affine::identity(); n], sc.clone()),
            ("repeated point", vec![pts[0]; n], vec![Fr::from(5u64); n]),
            ("P,-P", pm, vec![Fr::from(3u64); n]),
        ];
        for (name, b, s) in cases {
            let got = msm_on(&dev, &b, &s).unwrap();
            assert_eq!(
                got.into_affine(),
                G1Projective::msm(&b, &s).unwrap().into_affine(),
                "driver msm `{name}` n={n} seed={seed}"
            );
        }
    }

    // One batch: mixed sizes, an empty job, one job whose scalars all hit one bucket.
    let sizes = [0usize, 1, 17, 200, 64];
    let data: Vec<(Vec<G1Affine>, Vec<Fr>)> = sizes
        .iter()
        .enumerate()
        .map(|(k, &n)| {
            let p = pts_of(n, &mut r);
            let s: Vec<Fr> = if k == 4 { vec![Fr::from(7u64); n] } else { (0..n).map(|_| Fr::rand(&mut r)).collect() };
            (p, s)
        })
        .collect();
    let jobs: Vec<MsmJob> = data.iter().map(|(b, s)| MsmJob { bases: b, scalars: s }).collect();
    let got = msm_batch_on(&dev, &jobs).unwrap();
    for ((b, s), gp) in data.iter().zip(&got) {
        assert_eq!(
            gp.into_affine(),
            G1Projective::msm(b, s).unwrap().into_affine(),
            "driver batch n={} seed={seed}",
            b.len()
        );
    }

    // Fixed base: full, partial and degenerate scalar vectors over one resident table.
    let n = 48;
    let bases = pts_of(n, &mut r);
    let c = fixed_window_bits(n);
    let table = dev.upload_u64(&fixed_base_table(&bases, c).unwrap()).unwrap();
    let full: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut r)).collect();
    for s in [full.clone(), full[..10].to_vec(), vec![-Fr::one(); n], vec![Fr::zero(); n], Vec::new()] {
        let got = fixed_msm_on(&dev, &table, n, c, &s).unwrap();
        assert_eq!(
            got.into_affine(),
            G1Projective::msm(&bases[..s.len()], &s).unwrap().into_affine(),
            "driver fixed-base len={} seed={seed}",
            s.len()
        );
    }
}
