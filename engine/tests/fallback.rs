//! The fallback contract: a failing GPU never reaches the caller as a wrong answer or an error.
//! Any device error or panic makes the engine recompute on the CPU, warn once, and count it; a
//! device that reports itself lost leaves the rotation.
//!
//! Faults come from (a) a stand-in backend that fails in each way a GPU can, and (b) the fault
//! plan (`GLOAM_FAULT_INJECT` / `EngineConfig::faults`) applied to the real WebGPU backend.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use ark_ec::VariableBaseMSM;
use gloam_engine::testkit::{self, point_bytes};
use gloam_engine::{
    Backend, BackendKind, DeviceError, DeviceInfo, Engine, EngineConfig, FaultPlan, FixedBaseMsm, Fr, G1Affine,
    G1Projective, NttOp, Op, Selection,
};

#[derive(Clone, Copy, Debug)]
enum Failure {
    Launch,
    OutOfMemory,
    Lost,
    Panic,
    /// Writes garbage into the NTT buffer, then fails (a half-finished transform).
    PartialWrite,
}

struct Faulty {
    failure: Failure,
    calls: AtomicUsize,
}

impl Faulty {
    fn new(failure: Failure) -> Arc<Faulty> {
        Arc::new(Faulty { failure, calls: AtomicUsize::new(0) })
    }
    fn fail<T>(&self) -> Result<T, DeviceError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        match self.failure {
            Failure::Launch | Failure::PartialWrite => Err(DeviceError::Launch("simulated launch failure".into())),
            Failure::OutOfMemory => Err(DeviceError::OutOfMemory { needed: 1 << 40, available: 1 << 30 }),
            Failure::Lost => Err(DeviceError::DeviceLost("simulated Xid 79".into())),
            Failure::Panic => panic!("simulated driver panic"),
        }
    }
}

impl Backend for Faulty {
    fn kind(&self) -> BackendKind {
        BackendKind::Cuda
    }
    fn info(&self) -> DeviceInfo {
        DeviceInfo { name: format!("faulty ({:?})", self.failure), ..Default::default() }
    }
    fn msm(&self, _: &[G1Affine], _: &[Fr]) -> Result<G1Projective, DeviceError> {
        self.fail()
    }
    fn prepare_fixed_base(&self, _: &[G1Affine]) -> Result<Arc<dyn FixedBaseMsm>, DeviceError> {
        self.fail()
    }
    fn ntt_batch(&self, data: &mut [Fr], _: usize, _: NttOp) -> Result<(), DeviceError> {
        if let Failure::PartialWrite = self.failure {
            for x in data.iter_mut().take(5) {
                *x = Fr::from(12345u64);
            }
        }
        self.fail()
    }
}

fn engine_over(b: Arc<Faulty>) -> Engine {
    let cfg = EngineConfig {
        selection: Selection::forced(BackendKind::Cuda),
        kernel_cache_dir: None,
        ..EngineConfig::default()
    };
    Engine::with_backends(cfg, vec![b as Arc<dyn Backend>])
}

#[test]
fn every_failure_mode_still_returns_the_right_answer() {
    let seed = testkit::seed(0xfa11);
    let bases = testkit::random_points(300, seed);
    let scalars = testkit::random_scalars(300, seed + 1);
    let want = point_bytes(&G1Projective::msm(&bases, &scalars).unwrap());
    let ntt_in = testkit::random_scalars(256, seed + 2);
    let mut ntt_want = ntt_in.clone();
    Engine::cpu_only().ntt(&mut ntt_want, NttOp::FORWARD).unwrap();

    for failure in [Failure::Launch, Failure::OutOfMemory, Failure::Lost, Failure::Panic, Failure::PartialWrite] {
        let fake = Faulty::new(failure);
        let e = Arc::new(engine_over(fake.clone()));
        assert_eq!(point_bytes(&e.msm(&bases, &scalars).unwrap()), want, "{failure:?} seed={seed}");
        let mut d = ntt_in.clone();
        e.ntt(&mut d, NttOp::FORWARD).unwrap();
        assert!(d == ntt_want, "{failure:?}: NTT after a failed (possibly half-written) GPU transform");
        let fb = e.prepare_fixed_base(&bases).unwrap();
        assert_eq!(fb.backend(), BackendKind::Cpu, "{failure:?}: table falls back to the CPU");
        assert_eq!(point_bytes(&fb.msm(&scalars).unwrap()), want);

        let s = e.stats();
        assert!(fake.calls.load(Ordering::SeqCst) >= 1, "{failure:?}: the GPU was tried");
        assert!(s.fallbacks(BackendKind::Cuda, Op::Msm) >= 1, "{failure:?}: fallback counted: {s:?}");
        if matches!(failure, Failure::Lost) {
            // A lost device leaves the rotation: later calls go straight to the CPU…
            assert!(!e.available().contains(&BackendKind::Cuda));
            // …even for a caller who forced that device (the node keeps running), counted as
            // fallbacks, with no second attempt on the lost device.
            let before = e.stats().fallbacks(BackendKind::Cuda, Op::Msm);
            assert_eq!(point_bytes(&e.msm(&bases, &scalars).unwrap()), want);
            assert_eq!(e.stats().fallbacks(BackendKind::Cuda, Op::Msm), before + 1);
            assert_eq!(fake.calls.load(Ordering::SeqCst), 1, "no second attempt on a lost device");
        } else {
            assert!(s.fallbacks(BackendKind::Cuda, Op::Ntt) >= 1, "{failure:?}: {s:?}");
            // Transient failures keep the device in rotation; every later failure is counted.
            let _ = e.msm(&bases, &scalars).unwrap();
            assert_eq!(e.stats().fallbacks(BackendKind::Cuda, Op::Msm), s.fallbacks(BackendKind::Cuda, Op::Msm) + 1);
        }
    }
}

#[test]
fn auto_keeps_small_inputs_on_the_cpu() {
    let fake = Faulty::new(Failure::Launch);
    let cfg = EngineConfig { kernel_cache_dir: None, ..EngineConfig::default() };
    let mut e = Engine::with_backends(cfg.clone(), vec![fake.clone() as Arc<dyn Backend>]);
    assert_eq!(e.choose(Op::Msm, 16).unwrap(), BackendKind::Cpu, "a 16-point MSM must not go to a GPU");
    assert_eq!(e.choose(Op::Msm, 1 << 20).unwrap(), BackendKind::Cuda);
    assert_eq!(e.choose(Op::Ntt, 64).unwrap(), BackendKind::Cpu);
    let bases = testkit::random_points(16, 1);
    let scalars = testkit::random_scalars(16, 2);
    let _ = e.msm(&bases, &scalars).unwrap();
    assert_eq!(fake.calls.load(Ordering::SeqCst), 0, "small MSM never touched the GPU");
    // Software adapters are never chosen by auto, whatever the size.
    struct Soft;
    impl Backend for Soft {
        fn kind(&self) -> BackendKind {
            BackendKind::WebGpu
        }
        fn info(&self) -> DeviceInfo {
            DeviceInfo { name: "llvmpipe".into(), is_software: true, ..Default::default() }
        }
        fn msm(&self, _: &[G1Affine], _: &[Fr]) -> Result<G1Projective, DeviceError> {
            unreachable!()
        }
        fn prepare_fixed_base(&self, _: &[G1Affine]) -> Result<Arc<dyn FixedBaseMsm>, DeviceError> {
            unreachable!()
        }
        fn ntt_batch(&self, _: &mut [Fr], _: usize, _: NttOp) -> Result<(), DeviceError> {
            unreachable!()
        }
    }
    e = Engine::with_backends(cfg, vec![Arc::new(Soft) as Arc<dyn Backend>]);
    assert_eq!(e.choose(Op::Msm, 1 << 24).unwrap(), BackendKind::Cpu);
}

#[test]
fn input_errors_are_typed() {
    let e = Engine::cpu_only();
    let b = testkit::random_points(3, 1);
    let s = testkit::random_scalars(2, 1);
    assert_eq!(e.msm(&b, &s), Err(gloam_engine::MsmError::LengthMismatch { bases: 3, scalars: 2 }));
    let mut d = vec![Fr::from(1u64); 3];
    assert_eq!(e.ntt(&mut d, NttOp::FORWARD), Err(gloam_engine::NttError::InvalidSize(3)));
    let mut d = vec![Fr::from(1u64); 12];
    assert_eq!(e.ntt_batch(&mut d, 8, NttOp::FORWARD), Err(gloam_engine::NttError::RaggedBatch { len: 12, size: 8 }));
    let mut d = vec![Fr::from(1u64); 8];
    assert_eq!(e.ntt(&mut d, NttOp::coset_forward(Fr::from(0u64))), Err(gloam_engine::NttError::ZeroCoset));
    // A forced backend that is absent is an error, not a silent CPU run.
    let forced = Engine::with_backends(
        EngineConfig {
            selection: Selection::forced(BackendKind::Cuda),
            kernel_cache_dir: None,
            ..EngineConfig::default()
        },
        vec![],
    );
    assert!(matches!(
        forced.msm(&b, &testkit::random_scalars(3, 1)),
        Err(gloam_engine::MsmError::BackendUnavailable(BackendKind::Cuda, _))
    ));
}

/// The fault plan on the real WebGPU backend (lavapipe in CI): injected failures fall back to the
/// CPU and are counted. Skips (loudly) only where no adapter exists outside CI.
#[test]
fn injected_fault_on_real_webgpu_backend() {
    let cfg = EngineConfig {
        selection: Selection::forced(BackendKind::WebGpu),
        faults: FaultPlan::parse("webgpu:msm,webgpu:ntt").unwrap(),
        kernel_cache_dir: None,
        ..EngineConfig::default()
    };
    let e = Engine::new(cfg);
    if !e.available().contains(&BackendKind::WebGpu) {
        let why = format!("{:?}", e.probes());
        assert!(std::env::var("CI").map(|v| v != "true").unwrap_or(true), "CI=true but no WebGPU adapter: {why}");
        gloam_engine::report_skip(&format!("no WebGPU adapter here: {why}"));
        return;
    }
    let bases = testkit::random_points(64, 9);
    let scalars = testkit::random_scalars(64, 10);
    let got = e.msm(&bases, &scalars).unwrap();
    assert_eq!(point_bytes(&got), point_bytes(&G1Projective::msm(&bases, &scalars).unwrap()));
    let mut d = testkit::random_scalars(32, 11);
    let mut want = d.clone();
    Engine::cpu_only().ntt(&mut want, NttOp::INVERSE).unwrap();
    e.ntt(&mut d, NttOp::INVERSE).unwrap();
    assert!(d == want);
    let s = e.stats();
    assert_eq!(s.fallbacks(BackendKind::WebGpu, Op::Msm), 1, "{s:?}");
    assert_eq!(s.fallbacks(BackendKind::WebGpu, Op::Ntt), 1, "{s:?}");
}
