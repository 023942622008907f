//! The official KZG vectors pass on every backend, and really ran there: the engine's counters
//! must show work dispatched to the forced backend and zero CPU fallbacks.
//!
//! WebGPU runs on lavapipe in CI (a missing adapter fails under `CI=true`); CUDA runs where a device
//! exists, skips loudly elsewhere, and fails under `GLOAM_REQUIRE_CUDA=1`.

use std::path::PathBuf;
use std::sync::Arc;

use gloam_engine::{BackendKind, Engine, EngineConfig, Selection};
use gloam_kzg::{run_test_vectors, KzgSettings};

fn vectors_dir() -> PathBuf {
    std::env::var_os("GLOAM_KZG_VECTORS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/vectors/kzg"))
}

fn run_on(kind: BackendKind) {
    let cfg = EngineConfig { selection: Selection::forced(kind), kernel_cache_dir: None, ..EngineConfig::default() };
    let engine = Arc::new(Engine::new(cfg));
    if !engine.available().contains(&kind) {
        let why = format!("{:?}", engine.probes().iter().find(|p| p.kind == kind).map(|p| &p.result));
        let ci = std::env::var("CI").is_ok_and(|v| v == "true");
        let need_cuda = std::env::var("GLOAM_REQUIRE_CUDA").is_ok_and(|v| v == "1");
        match kind {
            BackendKind::WebGpu if ci => panic!("CI=true but no WebGPU adapter: {why}"),
            BackendKind::Cuda if need_cuda => panic!("GLOAM_REQUIRE_CUDA=1 but no CUDA device: {why}"),
            _ => return gloam_engine::report_skip(&format!("KZG vectors on {kind}: backend not available: {why}")),
        }
    }
    let settings = KzgSettings::mainnet(engine.clone()).expect("embedded setup loads");
    let report = run_test_vectors(&vectors_dir(), &settings);
    assert!(report.all_passed(), "{kind}:\n{report}");
    assert!(report.passed() >= 224, "{kind}: only {} cases found in {}", report.passed(), vectors_dir().display());
    let stats = engine.stats();
    let on_device: u64 = stats.ops.iter().filter(|s| s.backend == kind).map(|s| s.dispatched).sum();
    assert!(on_device > 0, "{kind}: no work reached the backend: {stats:?}");
    assert_eq!(stats.total_fallbacks(), 0, "{kind}: GPU work fell back to the CPU: {stats:?}");
}

#[test]
fn vectors_on_cpu() {
    run_on(BackendKind::Cpu)
}

#[test]
fn vectors_on_webgpu() {
    run_on(BackendKind::WebGpu)
}

#[test]
fn vectors_on_cuda() {
    run_on(BackendKind::Cuda)
}
