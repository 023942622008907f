//! Differential tests, written once and instantiated per backend: every backend's MSM and NTT
//! must equal arkworks' (`VariableBaseMSM::msm`, `Radix2EvaluationDomain`) byte for byte.
//!
//! * CPU always runs.
//! * WebGPU runs on whatever adapter exists (lavapipe in CI). With `CI=true` a missing adapter
//!   is a failure, not a skip.
//! * CUDA runs where a device exists; elsewhere each test prints a loud SKIPPED line, and with
//!   `GLOAM_REQUIRE_CUDA=1` (set by `ci/gpu-check.sh`) a missing device is a failure.
//!
//! Sizes: 0, 1, 2, 3, 255, 256, 1000 and 2^k up to 2^16 (`GLOAM_TEST_MAX_LOG` raises it on a GPU).
//! Seeds print on failure; `GLOAM_TEST_SEED` replays one.

use std::sync::Arc;

use ark_ec::VariableBaseMSM;
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use gloam_engine::testkit::{self, point_bytes};
use gloam_engine::{BackendKind, Engine, EngineConfig, Fr, G1Projective, MsmJob, NttOp, Selection};

fn max_log() -> u32 {
    std::env::var("GLOAM_TEST_MAX_LOG").ok().and_then(|v| v.parse().ok()).unwrap_or(16)
}

fn msm_sizes() -> Vec<usize> {
    let mut v = vec![0, 1, 2, 3, 255, 256, 1000];
    v.extend((2..=max_log()).map(|k| 1usize << k));
    v.sort();
    v.dedup();
    v
}

/// The engine forced onto `kind`, or `None` (after saying why) where that backend is absent.
fn engine_for(kind: BackendKind) -> Option<Arc<Engine>> {
    let cfg = EngineConfig { selection: Selection::forced(kind), kernel_cache_dir: None, ..EngineConfig::default() };
    let e = Engine::new(cfg);
    if e.available().contains(&kind) {
        return Some(Arc::new(e));
    }
    let why = e.probes().iter().find(|p| p.kind == kind).and_then(|p| p.result.clone().err()).unwrap_or_default();
    match kind {
        BackendKind::WebGpu if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI=true but no WebGPU adapter was found ({why}); install mesa-vulkan-drivers")
        }
        BackendKind::Cuda if std::env::var("GLOAM_REQUIRE_CUDA").is_ok_and(|v| v == "1") => {
            panic!("GLOAM_REQUIRE_CUDA=1 but no CUDA device: {why}")
        }
        _ => {
            gloam_engine::report_skip(&format!("{kind} backend not available here: {why}"));
            None
        }
    }
}

fn reference_msm(bases: &[gloam_engine::G1Affine], scalars: &[Fr]) -> G1Projective {
    G1Projective::msm(bases, scalars).expect("equal lengths")
}

fn check_msm(kind: BackendKind) {
    let Some(e) = engine_for(kind) else { return };
    let seed = testkit::seed(0x6c6f_616d);
    for n in msm_sizes() {
        let bases = testkit::random_points(n, seed + n as u64);
        let scalars = testkit::random_scalars(n, seed + 7 * n as u64);
        let got = e.msm(&bases, &scalars).unwrap();
        assert_eq!(point_bytes(&got), point_bytes(&reference_msm(&bases, &scalars)), "{kind} msm n={n} seed={seed}");
    }
    assert_eq!(e.stats().total_fallbacks(), 0, "{kind}: the GPU path failed and fell back: {:?}", e.stats());
}

fn check_msm_adversarial(kind: BackendKind) {
    let Some(e) = engine_for(kind) else { return };
    let seed = testkit::seed(0xad7e_5a41);
    for n in [1usize, 2, 3, 64, 255, 1000, 4096] {
        for (name, bases, scalars) in testkit::adversarial_msm_cases(n, seed) {
            let got = e.msm(&bases, &scalars).unwrap();
            assert_eq!(
                point_bytes(&got),
                point_bytes(&reference_msm(&bases, &scalars)),
                "{kind} msm `{name}` n={n} seed={seed}"
            );
        }
    }
    assert_eq!(e.stats().total_fallbacks(), 0, "{kind}: fell back: {:?}", e.stats());
}

fn check_msm_batch(kind: BackendKind) {
    let Some(e) = engine_for(kind) else { return };
    let seed = testkit::seed(0xba7c);
    let sizes = [0usize, 1, 17, 256, 1000, 4096];
    let data: Vec<_> = sizes
        .iter()
        .map(|&n| (testkit::random_points(n, seed + n as u64), testkit::random_scalars(n, seed + 1 + n as u64)))
        .collect();
    let jobs: Vec<MsmJob> = data.iter().map(|(b, s)| MsmJob { bases: b, scalars: s }).collect();
    let got = e.msm_batch(&jobs).unwrap();
    assert_eq!(got.len(), sizes.len());
    for ((b, s), g) in data.iter().zip(&got) {
        assert_eq!(point_bytes(g), point_bytes(&reference_msm(b, s)), "{kind} batch n={} seed={seed}", b.len());
    }
    assert_eq!(e.stats().total_fallbacks(), 0, "{kind}: fell back: {:?}", e.stats());
}

fn check_fixed_base(kind: BackendKind) {
    let Some(e) = engine_for(kind) else { return };
    let seed = testkit::seed(0xf1_ed);
    let n = 4096;
    let bases = testkit::random_points(n, seed);
    let table = e.prepare_fixed_base(&bases).unwrap();
    assert_eq!(table.backend(), kind, "table should live on {kind}");
    let mut vecs: Vec<Vec<Fr>> = (0..5).map(|i| testkit::random_scalars(n, seed + 100 + i)).collect();
    vecs.push(vec![testkit::fr_minus_one(); n]);
    vecs.push(vec![Fr::from(0u64); n]);
    vecs.push(testkit::random_scalars(1000, seed + 3)); // fewer scalars than bases
    vecs.push(Vec::new());
    let refs: Vec<&[Fr]> = vecs.iter().map(|v| v.as_slice()).collect();
    let got = table.msm_batch(&refs).unwrap();
    for (s, g) in vecs.iter().zip(&got) {
        assert_eq!(
            point_bytes(g),
            point_bytes(&reference_msm(&bases[..s.len()], s)),
            "{kind} fixed-base len={} seed={seed}",
            s.len()
        );
    }
    assert_eq!(point_bytes(&table.msm(&vecs[0]).unwrap()), point_bytes(&got[0]));
    assert_eq!(e.stats().total_fallbacks(), 0, "{kind}: fell back: {:?}", e.stats());
}

fn reference_ntt(data: &[Fr], op: NttOp) -> Vec<Fr> {
    let mut d = Radix2EvaluationDomain::<Fr>::new(data.len()).unwrap();
    if let Some(g) = op.coset {
        d = d.get_coset(g).unwrap();
    }
    match op.direction {
        gloam_engine::NttDirection::Forward => d.fft(data),
        gloam_engine::NttDirection::Inverse => d.ifft(data),
    }
}

fn check_ntt(kind: BackendKind) {
    let Some(e) = engine_for(kind) else { return };
    let seed = testkit::seed(0x0e77);
    let g = testkit::random_nonzero(seed);
    for log_n in 0..=max_log() {
        let n = 1usize << log_n;
        let input = testkit::random_scalars(n, seed + log_n as u64);
        for op in [NttOp::FORWARD, NttOp::INVERSE, NttOp::coset_forward(g), NttOp::coset_inverse(g)] {
            let mut got = input.clone();
            e.ntt(&mut got, op).unwrap();
            assert!(got == reference_ntt(&input, op), "{kind} ntt n=2^{log_n} {op:?} seed={seed}");
        }
    }
    assert_eq!(e.stats().total_fallbacks(), 0, "{kind}: fell back: {:?}", e.stats());
}

fn check_ntt_batch(kind: BackendKind) {
    let Some(e) = engine_for(kind) else { return };
    let seed = testkit::seed(0xba7c_0e77);
    for (log_n, batch) in [(1u32, 3usize), (4, 16), (12, 8), (13, 4)] {
        let n = 1usize << log_n;
        let input = testkit::random_scalars(n * batch, seed + log_n as u64);
        for op in [NttOp::FORWARD, NttOp::INVERSE, NttOp::coset_forward(Fr::from(7u64))] {
            let mut got = input.clone();
            e.ntt_batch(&mut got, n, op).unwrap();
            for (i, (g, x)) in got.chunks(n).zip(input.chunks(n)).enumerate() {
                assert!(
                    g == reference_ntt(x, op).as_slice(),
                    "{kind} ntt batch n=2^{log_n} item {i} {op:?} seed={seed}"
                );
            }
        }
    }
    // Special inputs: all zero, all r-1, a single one (impulse).
    let n = 1 << 10;
    for (name, input) in [
        ("zeros", vec![Fr::from(0u64); n]),
        ("r-1", vec![testkit::fr_minus_one(); n]),
        ("impulse", (0..n).map(|i| Fr::from((i == 1) as u64)).collect::<Vec<_>>()),
    ] {
        let mut got = input.clone();
        e.ntt(&mut got, NttOp::FORWARD).unwrap();
        assert!(got == reference_ntt(&input, NttOp::FORWARD), "{kind} ntt `{name}`");
    }
    assert_eq!(e.stats().total_fallbacks(), 0, "{kind}: fell back: {:?}", e.stats());
}

/// Several threads share one device: every result must still be right and nothing may fall back
/// (a readback race once made a shared wgpu device report spurious failures under load).
fn check_concurrent(kind: BackendKind) {
    let Some(e) = engine_for(kind) else { return };
    let seed = testkit::seed(0xc0c0);
    let bases = testkit::random_points(512, seed);
    let table = e.prepare_fixed_base(&bases).unwrap();
    std::thread::scope(|sc| {
        for t in 0..4u64 {
            let (e, bases, table) = (&e, &bases, &table);
            sc.spawn(move || {
                for round in 0..10u64 {
                    let s = testkit::random_scalars(512, seed + 100 * t + round);
                    let want = point_bytes(&reference_msm(bases, &s));
                    assert_eq!(
                        point_bytes(&e.msm(bases, &s).unwrap()),
                        want,
                        "{kind} thread {t} round {round} seed={seed}"
                    );
                    assert_eq!(
                        point_bytes(&table.msm(&s).unwrap()),
                        want,
                        "{kind} fixed thread {t} round {round} seed={seed}"
                    );
                    let mut d = s.clone();
                    e.ntt(&mut d, NttOp::FORWARD).unwrap();
                    assert!(d == reference_ntt(&s, NttOp::FORWARD), "{kind} ntt thread {t} round {round} seed={seed}");
                }
            });
        }
    });
    assert_eq!(e.stats().total_fallbacks(), 0, "{kind}: fell back under concurrency: {:?}", e.stats());
}

macro_rules! per_backend {
    ($($modname:ident => $kind:expr),*) => {$(
        mod $modname {
            use super::*;
            #[test] fn msm_matches_arkworks() { check_msm($kind) }
            #[test] fn msm_adversarial_inputs() { check_msm_adversarial($kind) }
            #[test] fn msm_batch_matches_arkworks() { check_msm_batch($kind) }
            #[test] fn fixed_base_msm_matches_arkworks() { check_fixed_base($kind) }
            #[test] fn ntt_matches_arkworks() { check_ntt($kind) }
            #[test] fn ntt_batch_and_special_inputs() { check_ntt_batch($kind) }
            #[test] fn concurrent_callers_share_the_device() { check_concurrent($kind) }
        }
    )*};
}

per_backend!(cpu => BackendKind::Cpu, webgpu => BackendKind::WebGpu, cuda => BackendKind::Cuda);
