//! WebGPU engine vs gloam-fhe on the CPU, byte for byte (lavapipe in CI). With `CI=true` a
//! missing adapter fails; otherwise the tests print SKIPPED. Seeds print on failure;
//! `GLOAM_TEST_SEED` replays one.

mod common;

use std::sync::{Arc, OnceLock};

use common::{hpu, inputs, luts, seed, toy, wide, Keys};
use gloam_fhe::decompose::{init_state, next_digit};
use gloam_fhe::ntt::{self, NegacyclicNtt, P};
use gloam_fhe::pbs::mod_p_to_native;
use gloam_fhe::{BootstrapJob, FheError, Lut, LweCiphertext, LweCiphertext32, ModulusSwitch, Radix};
use gloam_fhe_gpu::{FheGpuError, WebGpuFhe};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

fn adapter_present() -> bool {
    match gloam_webgpu::shared_gpu() {
        Ok(_) => true,
        Err(why) if std::env::var("CI").is_ok_and(|v| v == "true") => panic!("CI=true but no WebGPU adapter: {why}"),
        Err(why) => {
            gloam_engine_core::report_skip(&format!("no WebGPU adapter: {why}"));
            false
        }
    }
}

fn toy_engine() -> &'static WebGpuFhe {
    static E: OnceLock<WebGpuFhe> = OnceLock::new();
    E.get_or_init(|| WebGpuFhe::new(&toy().server).expect("WebGPU engine for the toy key"))
}

fn lut_refs(luts: &[Lut], count: usize) -> Vec<&Lut> {
    (0..count).map(|i| &luts[(i * 7 + i / 3) % luts.len()]).collect()
}

#[test]
fn arithmetic_and_decomposition_match_cpu() {
    if !adapter_present() {
        return;
    }
    let s = seed(0x5eed_f001);
    let mut rng = ChaCha20Rng::seed_from_u64(s);
    let edges = [0, 1, 2, 0xffff_ffff, 1 << 32, P / 2, P / 2 + 1, P - 2, P - 1, 1 << 63, (1 << 63) - 1];
    let mut pairs = Vec::new();
    for &a in &edges {
        for &b in &edges {
            pairs.push((a, b));
        }
    }
    for _ in 0..4000 {
        pairs.push((rng.gen_range(0..P), rng.gen_range(0..P)));
    }
    let e = toy_engine();
    let out = e.selftest_ops(&pairs).expect("device run");
    let (bl, lv) = (e.params().pbs_base_log, e.params().pbs_level);
    for (i, (&(a, b), o)) in pairs.iter().zip(&out).enumerate() {
        assert_eq!(o[0], ntt::add(a, b), "add #{i} a={a} b={b} seed={s}");
        assert_eq!(o[1], ntt::sub(a, b), "sub #{i} a={a} b={b} seed={s}");
        assert_eq!(o[2], ntt::mul(a, b), "mul #{i} a={a} b={b} seed={s}");
        assert_eq!(o[3], mod_p_to_native(a), "p→2^64 #{i} a={a} seed={s}");
        let mut st = init_state(a, bl, lv);
        assert_eq!(o[4], st, "decomposition state #{i} a={a} seed={s}");
        for l in 0..3 {
            let d = next_digit(&mut st, bl);
            let d = if (d as i64) < 0 { d.wrapping_add(P) } else { d };
            assert_eq!(o[5 + l], d, "digit {l} #{i} a={a} seed={s}");
        }
    }
}

#[test]
fn ntt_matches_cpu() {
    if !adapter_present() {
        return;
    }
    let s = seed(0x5eed_f002);
    let mut rng = ChaCha20Rng::seed_from_u64(s);
    let e = toy_engine();
    let n = e.params().polynomial_size;
    let plan = NegacyclicNtt::new(n).expect("plan");
    let mut polys: Vec<Vec<u64>> = (0..8).map(|_| (0..n).map(|_| rng.gen_range(0..P)).collect()).collect();
    polys.push(vec![P - 1; n]);
    let out = e.selftest_ntt(&polys).expect("device run");
    for (i, (poly, (fwd, inv))) in polys.iter().zip(&out).enumerate() {
        let mut want = poly.clone();
        plan.forward(&mut want);
        assert_eq!(fwd, &want, "forward NTT #{i} seed={s}");
        let scaled: Vec<u64> = poly.iter().map(|&v| ntt::mul(v, n as u64)).collect();
        assert_eq!(inv, &scaled, "inverse NTT #{i} (N·input) seed={s}");
    }
}

#[test]
fn keyswitch_matches_cpu() {
    if !adapter_present() {
        return;
    }
    let s = seed(0x5eed_f003);
    let k = toy();
    let (cts, _) = inputs(k, 600, s);
    let got = toy_engine().keyswitch_batch(&cts).expect("device run");
    assert_eq!(got.len(), cts.len());
    for (i, (ct, g)) in cts.iter().zip(&got).enumerate() {
        assert_eq!(g, &k.server.keyswitch(ct).unwrap(), "keyswitch #{i} seed={s}");
    }
}

/// The bulk golden test: 2,000 toy ciphertexts, per-input LUTs, against `bootstrap_batch`.
#[test]
fn keyswitch_bootstrap_bulk_matches_cpu_and_decrypts() {
    if !adapter_present() {
        return;
    }
    let s = seed(0x5eed_f004);
    let k = toy();
    let (cts, msgs) = inputs(k, 2000, s);
    let (tables, fns) = luts(k, s);
    let refs = lut_refs(&tables, cts.len());
    let got = toy_engine().keyswitch_bootstrap_batch(&cts, &refs).expect("device run");
    let want = k.server.bootstrap_batch(&cts, &refs).expect("cpu run");
    assert_eq!(got.len(), want.len());
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert_eq!(g, w, "KS+PBS #{i} seed={s}");
    }
    // Toy parameters (n = 8, N = 64) are noisy: a fraction of bootstraps fails to decrypt, on
    // the CPU exactly as here (the bytes are equal). A broken pipeline would be right ~1/16 of
    // the time; require most to decrypt.
    let (mut checked, mut right) = (0, 0);
    for (i, (m, g)) in msgs.iter().zip(&got).enumerate() {
        let li = (i * 7 + i / 3) % tables.len();
        if let (Some(m), Some(f)) = (m, &fns[li]) {
            checked += 1;
            right += (k.client.decrypt_block(g).unwrap() == f(*m) % 16) as usize;
        }
    }
    eprintln!("toy decryptions: {right}/{checked} correct");
    assert!(checked > 400 && right * 10 >= checked * 8, "{right}/{checked} decrypt correctly, seed={s}");
    // One LUT for every input (broadcast) as well.
    let got = toy_engine().keyswitch_bootstrap_batch(&cts[..100], &[&tables[1]]).expect("device run");
    assert_eq!(got, k.server.bootstrap_batch(&cts[..100], &[&tables[1]]).unwrap(), "broadcast LUT seed={s}");
}

#[test]
fn run_twice_is_deterministic() {
    if !adapter_present() {
        return;
    }
    let s = seed(0x5eed_f005);
    let k = toy();
    let (cts, _) = inputs(k, 300, s);
    let (tables, _) = luts(k, s);
    let refs = lut_refs(&tables, cts.len());
    let a = toy_engine().keyswitch_bootstrap_batch(&cts, &refs).expect("first run");
    let b = toy_engine().keyswitch_bootstrap_batch(&cts, &refs).expect("second run");
    assert_eq!(a, b, "seed={s}");
    // Order independence: the reversed batch gives the reversed outputs.
    let rev_cts: Vec<_> = cts.iter().rev().cloned().collect();
    let rev_refs: Vec<_> = refs.iter().rev().copied().collect();
    let mut c = toy_engine().keyswitch_bootstrap_batch(&rev_cts, &rev_refs).expect("reversed run");
    c.reverse();
    assert_eq!(a, c, "seed={s}");
}

#[test]
fn bootstrap_only_and_centered_switch_match_cpu() {
    if !adapter_present() {
        return;
    }
    let s = seed(0x5eed_f006);
    let k = toy();
    let (cts, _) = inputs(k, 200, s);
    let (tables, _) = luts(k, s);
    let refs = lut_refs(&tables, cts.len());
    let small: Vec<LweCiphertext32> = cts.iter().map(|c| k.server.keyswitch(c).unwrap()).collect();
    let got = toy_engine().bootstrap_batch(&small, &refs).expect("device run");
    for (i, ((sm, l), g)) in small.iter().zip(&refs).zip(&got).enumerate() {
        assert_eq!(g, &k.server.bootstrap(sm, l).unwrap(), "PBS only #{i} seed={s}");
    }
    let centered = k.server.clone().with_modulus_switch(ModulusSwitch::Centered);
    let e = WebGpuFhe::new(&centered).expect("engine");
    let got = e.keyswitch_bootstrap_batch(&cts, &refs).expect("device run");
    let want = centered.bootstrap_batch(&cts, &refs).unwrap();
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert_eq!(g, w, "centered KS+PBS #{i} seed={s}");
    }
}

#[test]
fn many_lut_jobs_match_cpu() {
    if !adapter_present() {
        return;
    }
    let s = seed(0x5eed_f007);
    let k = toy();
    let (cts, _) = inputs(k, 120, s);
    let f0 = |x: u64| x % 4;
    let f1 = |x: u64| (x + 1) % 4;
    let f2 = |x: u64| x / 2;
    let f3 = |x: u64| 3 - x % 4;
    let two = Arc::new(k.server.many_lut(&[&f0, &f1]).unwrap());
    let four = Arc::new(k.server.many_lut(&[&f0, &f1, &f2, &f3]).unwrap());
    let single = Arc::new(k.server.lut(|x| x ^ 5));
    let jobs: Vec<BootstrapJob> = cts
        .iter()
        .enumerate()
        .map(|(i, ct)| match i % 3 {
            0 => BootstrapJob::Many { input: ct.clone(), lut: two.clone() },
            1 => BootstrapJob::Many { input: ct.clone(), lut: four.clone() },
            _ => BootstrapJob::Single { input: ct.clone(), lut: single.clone() },
        })
        .collect();
    let got = toy_engine().bootstrap_jobs(&jobs).expect("device run");
    let want = k.server.bootstrap_jobs(&jobs).unwrap();
    assert_eq!(got.len(), want.len());
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert_eq!(g.len(), [2, 4, 1][i % 3], "outputs of job #{i}");
        assert_eq!(g, w, "job #{i} seed={s}");
    }
    // Split into submissions of 7 ciphertexts (slot offsets per chunk, LUT re-indexing).
    let small = WebGpuFhe::new(&k.server).expect("engine").with_max_batch_per_submission(7);
    assert_eq!(small.bootstrap_jobs(&jobs).expect("device run"), want, "chunked jobs seed={s}");
    let (tables, _) = luts(k, s);
    let refs = lut_refs(&tables, cts.len());
    let chunked = small.keyswitch_bootstrap_batch(&cts, &refs).expect("device run");
    assert_eq!(chunked, k.server.bootstrap_batch(&cts, &refs).unwrap(), "chunked batch seed={s}");
    let ks = small.keyswitch_batch(&cts[..20]).expect("device run");
    assert_eq!(ks, cts[..20].iter().map(|c| k.server.keyswitch(c).unwrap()).collect::<Vec<_>>(), "seed={s}");
}

#[test]
fn euint8_add_through_the_gpu_executor() {
    if !adapter_present() {
        return;
    }
    let s = seed(0x5eed_f008);
    let k = toy();
    let mut rng = ChaCha20Rng::seed_from_u64(s);
    let e = toy_engine();
    for (x, y) in [(255u8, 1u8), (200, 100), (rng.gen(), rng.gen())] {
        let a = k.client.encrypt_u8(x, &mut rng).unwrap();
        let b = k.client.encrypt_u8(y, &mut rng).unwrap();
        let gpu_sum = Radix::new(&k.server, e).add(&a, &b).expect("gpu add");
        let cpu_sum = k.server.radix().add(&a, &b).expect("cpu add");
        assert_eq!(gpu_sum.blocks, cpu_sum.blocks, "{x}+{y} seed={s}");
        assert_eq!(k.client.decrypt_u8(&gpu_sum).unwrap(), x.wrapping_add(y), "{x}+{y} seed={s}");
    }
}

/// Operations merged by the device scheduler: byte-equal to gloam-fhe's scheduler on the CPU,
/// same number of rounds, results decrypt.
#[test]
fn scheduler_rounds_on_the_gpu_match_cpu_scheduler() {
    if !adapter_present() {
        return;
    }
    use gloam_fhe::scheduler::ScheduledOp;
    use gloam_fhe::{BootstrapScheduler, RadixCiphertext};
    let s = seed(0x5eed_f00a);
    let k = toy();
    let mut rng = ChaCha20Rng::seed_from_u64(s);
    let vals: Vec<u8> = (0..4).map(|_| rng.gen()).collect();
    let cts: Vec<RadixCiphertext> = vals.iter().map(|&v| k.client.encrypt_u8(v, &mut rng).unwrap()).collect();
    let ops = || -> Vec<ScheduledOp<'_, Vec<LweCiphertext>>> {
        vec![
            Box::new(|r: &Radix<'_>| r.add(&cts[0], &cts[1]).map(|c| c.blocks)),
            Box::new(|r: &Radix<'_>| r.lt(&cts[2], &cts[3]).map(|b| vec![b.0])),
            Box::new(|r: &Radix<'_>| r.scalar_add(&cts[2], 77).map(|c| c.blocks)),
            Box::new(|r: &Radix<'_>| r.max(&cts[1], &cts[3]).map(|c| c.blocks)),
        ]
    };
    let (gpu, gpu_stats) = BootstrapScheduler::with_executor(&k.server, toy_engine()).run(ops());
    let (cpu, cpu_stats) = BootstrapScheduler::new(&k.server).run(ops());
    assert_eq!(gpu_stats, cpu_stats, "seed={s}");
    let gpu: Vec<Vec<LweCiphertext>> = gpu.into_iter().map(|r| r.expect("gpu op")).collect();
    let cpu: Vec<Vec<LweCiphertext>> = cpu.into_iter().map(|r| r.expect("cpu op")).collect();
    assert_eq!(gpu, cpu, "seed={s}");
    let dec = |blocks: &[LweCiphertext]| k.client.decrypt_u8(&RadixCiphertext { blocks: blocks.to_vec() }).unwrap();
    assert_eq!(dec(&gpu[0]), vals[0].wrapping_add(vals[1]), "seed={s}");
    assert_eq!(k.client.decrypt_block(&gpu[1][0]).unwrap(), (vals[2] < vals[3]) as u64, "seed={s}");
    assert_eq!(dec(&gpu[2]), vals[2].wrapping_add(77), "seed={s}");
    assert_eq!(dec(&gpu[3]), vals[1].max(vals[3]), "seed={s}");
    eprintln!("scheduler: {} rounds, {} bootstraps", gpu_stats.rounds, gpu_stats.bootstraps);
}

#[test]
fn malformed_inputs_are_typed_errors() {
    if !adapter_present() {
        return;
    }
    let k = toy();
    let e = toy_engine();
    let (cts, _) = inputs(k, 3, 1);
    let lut = k.server.lut(|x| x);
    let short = LweCiphertext { data: vec![0; 5] };
    let bad = [cts[0].clone(), short.clone()];
    match e.keyswitch_bootstrap_batch(&bad, &[&lut]) {
        Err(FheGpuError::Input(FheError::BatchItem { index: 1, source })) => {
            assert!(matches!(*source, FheError::Length { .. }), "{source:?}")
        }
        other => panic!("expected a length error for item 1, got {other:?}"),
    }
    assert!(matches!(
        e.keyswitch_bootstrap_batch(&cts, &[&lut, &lut]),
        Err(FheGpuError::Input(FheError::BatchShape { inputs: 3, luts: 2 }))
    ));
    let short_lut = Lut { data: vec![0; 7] };
    assert!(matches!(
        e.keyswitch_bootstrap_batch(&cts, &[&short_lut]),
        Err(FheGpuError::Input(FheError::BatchItem { index: 0, .. }))
    ));
    assert!(matches!(e.keyswitch_batch(&[short]), Err(FheGpuError::Input(FheError::BatchItem { index: 0, .. }))));
    let mut small = k.server.keyswitch(&cts[0]).unwrap();
    small.modulus_log = 32;
    assert!(matches!(e.bootstrap_batch(&[small.clone()], &[&lut]), Err(FheGpuError::Input(_))));
    small.modulus_log = k.server.params().ks_output_modulus_log;
    small.data[0] |= 1; // below the 2^21 modulus' top bits
    assert!(matches!(e.bootstrap_batch(&[small], &[&lut]), Err(FheGpuError::Input(_))));
    let bad_many = Arc::new(gloam_fhe::ManyLut {
        lut: lut.clone(),
        stride: k.server.params().polynomial_size,
        function_count: 2,
        max_input: 1,
    });
    let jobs = vec![BootstrapJob::Many { input: cts[0].clone(), lut: bad_many }];
    assert!(matches!(e.bootstrap_jobs(&jobs), Err(FheGpuError::Input(FheError::BatchItem { index: 0, .. }))));
    // Parameters the kernels do not support: a typed error at construction.
    let big_n = gloam_fhe::FheParams { polynomial_size: 4096, ..gloam_fhe::fuzzing::TOY_PARAMS };
    let client = gloam_fhe::ClientKey::generate(big_n, [5; 32], |_, _| {}).unwrap();
    let server = client.server_key(|_, _| {}).unwrap();
    assert!(matches!(WebGpuFhe::new(&server), Err(FheGpuError::Unsupported(_))));
    // Empty batches are fine and make no device call.
    assert!(e.keyswitch_bootstrap_batch(&[], &[]).unwrap().is_empty());
    // The executor keeps input errors as they are.
    let jobs = vec![BootstrapJob::Single { input: LweCiphertext { data: vec![1] }, lut: Arc::new(lut) }];
    assert!(matches!(gloam_fhe::BootstrapExecutor::execute(e, jobs), Err(FheError::BatchItem { index: 0, .. })));
}

/// k = 2 and three PBS levels (several GLWE rows and digits per external product).
#[test]
fn glwe_dimension_2_and_three_levels_match_cpu() {
    if !adapter_present() {
        return;
    }
    let s = seed(0x5eed_f00b);
    let k = wide();
    let e = WebGpuFhe::new(&k.server).expect("engine");
    let (cts, msgs) = inputs(k, 100, s);
    let (tables, fns) = luts(k, s);
    let refs = lut_refs(&tables, cts.len());
    let got = e.keyswitch_bootstrap_batch(&cts, &refs).expect("device run");
    let want = k.server.bootstrap_batch(&cts, &refs).unwrap();
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert_eq!(g, w, "k=2 l=3 KS+PBS #{i} seed={s}");
    }
    let (mut checked, mut right) = (0, 0);
    for (i, g) in got.iter().enumerate() {
        if let (Some(m), Some(f)) = (msgs[i], &fns[(i * 7 + i / 3) % tables.len()]) {
            checked += 1;
            right += (k.client.decrypt_block(g).unwrap() == f(m) % 16) as usize;
        }
    }
    assert!(right * 10 >= checked * 8, "{right}/{checked} decrypt correctly, seed={s}");
}

/// A few ciphertexts with the real (HPU) parameters: n = 879, N = 2048.
#[test]
fn hpu_params_match_cpu() {
    if !adapter_present() {
        return;
    }
    let s = seed(0x5eed_f009);
    let k: &Keys = hpu();
    let e = WebGpuFhe::new(&k.server).expect("engine");
    let (cts, msgs) = inputs(k, 3, s);
    let (tables, _) = luts(k, s);
    let refs = [&tables[0], &tables[2], &tables[5]];
    let ks = e.keyswitch_batch(&cts).expect("device run");
    for (i, (ct, g)) in cts.iter().zip(&ks).enumerate() {
        assert_eq!(g, &k.server.keyswitch(ct).unwrap(), "HPU keyswitch #{i} seed={s}");
    }
    let pbs = e.bootstrap_batch(&ks, &refs).expect("device run");
    for (i, ((sm, l), g)) in ks.iter().zip(&refs).zip(&pbs).enumerate() {
        assert_eq!(g, &k.server.bootstrap(sm, l).unwrap(), "HPU PBS only #{i} seed={s}");
    }
    let t = std::time::Instant::now();
    let got = e.keyswitch_bootstrap_batch(&cts, &refs).expect("device run");
    eprintln!("HPU: {} KS+PBS on {} in {:.2?}", cts.len(), e.device_info().name, t.elapsed());
    let want = k.server.bootstrap_batch(&cts, &refs).unwrap();
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert_eq!(g, w, "HPU KS+PBS #{i} seed={s}");
    }
    assert_eq!(k.client.decrypt_block(&got[0]).unwrap(), msgs[0].unwrap(), "identity LUT seed={s}");
}

/// A device that always fails: `CpuFallback` recomputes on the CPU (same bytes), counts it, and
/// still returns input errors as such.
#[test]
fn cpu_fallback_on_device_failure() {
    use gloam_engine_core::DeviceError;
    use gloam_fhe_gpu::{CpuFallback, FheDevice};
    struct Broken;
    impl FheDevice for Broken {
        fn name(&self) -> String {
            "broken".into()
        }
        fn keyswitch_bootstrap_batch(
            &self,
            _: &[LweCiphertext],
            _: &[&Lut],
        ) -> Result<Vec<LweCiphertext>, FheGpuError> {
            Err(FheGpuError::Device(DeviceError::DeviceLost("test".into())))
        }
        fn bootstrap_jobs(&self, jobs: &[BootstrapJob]) -> Result<Vec<Vec<LweCiphertext>>, FheGpuError> {
            if jobs.iter().any(|j| j.input().data.len() == 1) {
                return Err(FheGpuError::Input(FheError::BatchShape { inputs: 0, luts: 0 }));
            }
            Err(FheGpuError::Device(DeviceError::DeviceLost("test".into())))
        }
    }
    let s = seed(0x5eed_f00c);
    let k = toy();
    let mut rng = ChaCha20Rng::seed_from_u64(s);
    let (x, y): (u8, u8) = (rng.gen(), rng.gen());
    let a = k.client.encrypt_u8(x, &mut rng).unwrap();
    let b = k.client.encrypt_u8(y, &mut rng).unwrap();
    let exec = CpuFallback::new(&Broken, &k.server);
    let sum = Radix::new(&k.server, &exec).add(&a, &b).expect("fallback add");
    assert_eq!(sum.blocks, k.server.radix().add(&a, &b).unwrap().blocks, "seed={s}");
    assert_eq!(exec.fallbacks(), 4, "euint8 add has 4 rounds");
    assert!(matches!(exec.last_device_error(), Some(FheGpuError::Device(DeviceError::DeviceLost(_)))));
    let lut = Arc::new(k.server.lut(|x| x));
    let jobs = vec![BootstrapJob::Single { input: LweCiphertext { data: vec![1] }, lut }];
    assert!(matches!(gloam_fhe::BootstrapExecutor::execute(&exec, jobs), Err(FheError::BatchShape { .. })));
    assert_eq!(exec.fallbacks(), 4, "input errors are not retried");
    // The real engine behind the fallback: no fallback needed.
    let real = CpuFallback::new(toy_engine(), &k.server);
    let sum2 = Radix::new(&k.server, &real).add(&a, &b).unwrap();
    assert_eq!(sum2.blocks, sum.blocks);
    assert_eq!(real.fallbacks(), 0);
}
