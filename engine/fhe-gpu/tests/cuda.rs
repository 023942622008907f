//! CUDA engine tests.
//!
//! 1. Host emulation (runs everywhere with a C++ compiler): `kernels/cuda/fhe/fhe.cuh` compiled by
//!    the host compiler into `tests/host/harness.cpp`, which runs the kernels' bodies (per-item
//!    loops; the blind-rotation block body on host threads with a barrier for __syncthreads).
//!    Compared with gloam-fhe on the CPU: Goldilocks arithmetic, p → 2^64 switch, decomposition,
//!    the NTT, and whole keyswitch + bootstrap pipelines (toy and HPU parameters, many-LUT degrees,
//!    centered switch). Without a compiler: SKIPPED, and a failure when `CI=true`.
//! 2. Device tests (run wherever a CUDA device exists, print a loud SKIPPED line otherwise): the
//!    same differential tests as the WebGPU engine.
//!
//! Seeds print on failure; `GLOAM_TEST_SEED` replays one.

mod common;

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{Arc, OnceLock};

use common::{hpu, inputs, luts, seed, toy, wide, Keys};
use gloam_fhe::decompose::{init_state, next_digit};
use gloam_fhe::ntt::{self, NegacyclicNtt, P};
use gloam_fhe::pbs::mod_p_to_native;
use gloam_fhe::{BootstrapJob, Lut, LweCiphertext, ModulusSwitch, Radix, ServerKey};
use gloam_fhe_gpu::{CudaFhe, FheCfg, FheGpuError};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

// ---------------------------------------------------------------- host emulation

fn harness() -> Option<&'static PathBuf> {
    static BIN: OnceLock<Option<PathBuf>> = OnceLock::new();
    BIN.get_or_init(|| {
        gloam_engine_core::build_host_harness(&gloam_engine_core::HostHarness {
            manifest_dir: env!("CARGO_MANIFEST_DIR"),
            repo_rel: "engine/fhe-gpu",
            tmp_dir: env!("CARGO_TARGET_TMPDIR"),
            name: "fhe",
            flags: &["-pthread"],
        })
    })
    .as_ref()
}

struct Msg(Vec<u8>);

impl Msg {
    fn new(mode: u32) -> Self {
        Msg(mode.to_le_bytes().to_vec())
    }
    fn u32(&mut self, v: u32) -> &mut Self {
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
    fn v32(&mut self, v: &[u32]) -> &mut Self {
        self.0.extend_from_slice(&(v.len() as u64).to_le_bytes());
        v.iter().for_each(|x| self.0.extend_from_slice(&x.to_le_bytes()));
        self
    }
    fn v64(&mut self, v: &[u64]) -> &mut Self {
        self.0.extend_from_slice(&(v.len() as u64).to_le_bytes());
        v.iter().for_each(|x| self.0.extend_from_slice(&x.to_le_bytes()));
        self
    }
    fn run(&self, bin: &PathBuf) -> Reply {
        let mut child =
            Command::new(bin).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().expect("start the harness");
        child.stdin.take().expect("stdin").write_all(&self.0).expect("write to the harness");
        let out = child.wait_with_output().expect("harness output");
        assert!(out.status.success(), "harness failed: {:?}", out.status);
        Reply(out.stdout, 0)
    }
}

struct Reply(Vec<u8>, usize);

impl Reply {
    fn len(&mut self) -> usize {
        let n = u64::from_le_bytes(self.0[self.1..self.1 + 8].try_into().unwrap()) as usize;
        self.1 += 8;
        n
    }
    fn v32(&mut self) -> Vec<u32> {
        let n = self.len();
        let v = self.0[self.1..self.1 + 4 * n].chunks_exact(4).map(|c| u32::from_le_bytes(c.try_into().unwrap()));
        let v = v.collect();
        self.1 += 4 * n;
        v
    }
    fn v64(&mut self) -> Vec<u64> {
        let n = self.len();
        let v = self.0[self.1..self.1 + 8 * n].chunks_exact(8).map(|c| u64::from_le_bytes(c.try_into().unwrap()));
        let v = v.collect();
        self.1 += 8 * n;
        v
    }
}

#[test]
fn host_arithmetic_and_decomposition_match_cpu() {
    let Some(bin) = harness() else { return };
    let s = seed(0x5eed_c001);
    let mut rng = ChaCha20Rng::seed_from_u64(s);
    let edges = [0, 1, 2, 0xffff_ffff, 1 << 32, P / 2, P / 2 + 1, P - 2, P - 1, 1 << 63, (1 << 63) - 1];
    let mut pairs = Vec::new();
    for &a in &edges {
        for &b in &edges {
            pairs.extend([a, b]);
        }
    }
    for _ in 0..20_000 {
        pairs.extend([rng.gen_range(0..P), rng.gen_range(0..P)]);
    }
    for (bl, lv) in [(23u32, 1u32), (2, 8), (10, 3)] {
        let out = Msg::new(2).u32(bl).u32(lv).v64(&pairs).run(bin).v64();
        for (i, (ab, o)) in pairs.chunks_exact(2).zip(out.chunks_exact(8)).enumerate() {
            let (a, b) = (ab[0], ab[1]);
            assert_eq!(o[0], ntt::add(a, b), "add #{i} a={a} b={b} seed={s}");
            assert_eq!(o[1], ntt::sub(a, b), "sub #{i} a={a} b={b} seed={s}");
            assert_eq!(o[2], ntt::mul(a, b), "mul #{i} a={a} b={b} seed={s}");
            assert_eq!(o[3], mod_p_to_native(a), "p→2^64 #{i} a={a} seed={s}");
            let mut st = init_state(a, bl as usize, lv as usize);
            assert_eq!(o[4], st, "state B={bl} l={lv} #{i} a={a} seed={s}");
            for l in 0..3 {
                let d = next_digit(&mut st, bl as usize);
                assert_eq!(o[5 + l], if (d as i64) < 0 { d.wrapping_add(P) } else { d }, "digit {l} #{i} seed={s}");
            }
        }
    }
}

#[test]
fn host_ntt_matches_cpu() {
    let Some(bin) = harness() else { return };
    let s = seed(0x5eed_c002);
    let mut rng = ChaCha20Rng::seed_from_u64(s);
    for n in [64usize, 2048] {
        let plan = NegacyclicNtt::new(n).unwrap();
        let polys: Vec<Vec<u64>> = (0..3).map(|_| (0..n).map(|_| rng.gen_range(0..P)).collect()).collect();
        let flat: Vec<u64> = polys.concat();
        let out = Msg::new(3)
            .u32(n as u32)
            .u32(n.trailing_zeros())
            .v64(&gloam_fhe_gpu::ntt_twiddles(n))
            .v64(&flat)
            .run(bin)
            .v64();
        for (i, (poly, o)) in polys.iter().zip(out.chunks_exact(2 * n)).enumerate() {
            let mut want = poly.clone();
            plan.forward(&mut want);
            assert_eq!(&o[..n], &want[..], "forward N={n} #{i} seed={s}");
            let scaled: Vec<u64> = poly.iter().map(|&v| ntt::mul(v, n as u64)).collect();
            assert_eq!(&o[n..], &scaled[..], "inverse N={n} #{i} seed={s}");
        }
    }
}

/// One harness pipeline run: keyswitch (when `big`), switch, LUT copy, blind rotation,
/// extraction at `slots`. Returns (keyswitch output words, output ciphertexts).
fn host_pipeline(
    bin: &PathBuf,
    sk: &ServerKey,
    big: &[LweCiphertext],
    luts: &[&Lut],
    slots: &[[u32; 2]],
    threads: u32,
) -> (Vec<u32>, Vec<LweCiphertext>) {
    let p = sk.params();
    let centered = sk.modulus_switch() == ModulusSwitch::Centered;
    let cfg = FheCfg::new(p, centered, big.len());
    assert_eq!(std::mem::size_of::<FheCfg>(), 4 * cfg.words().len(), "FheCfg layout");
    let mut m = Msg::new(1);
    for w in cfg.words() {
        m.u32(w);
    }
    let lut_words: Vec<u64> = luts.iter().flat_map(|l| l.data.iter().copied()).collect();
    let idx: Vec<u32> = (0..big.len() as u32).collect();
    let slot_words: Vec<u32> = slots.iter().flat_map(|s| [s[0], s[1]]).collect();
    let mut r = m
        .u32(1)
        .u32(threads)
        .v64(sk.bootstrap_key().as_ntt_slice())
        .v32(sk.keyswitch_key().as_slice())
        .v64(&gloam_fhe_gpu::ntt_twiddles(p.polynomial_size))
        .v64(&big.iter().flat_map(|c| c.data.iter().copied()).collect::<Vec<_>>())
        .v64(&lut_words)
        .v32(&idx)
        .v32(&slot_words)
        .run(bin);
    let small = r.v32();
    let out = r.v64();
    let wpo = p.big_lwe_dimension() + 1;
    (small, out.chunks_exact(wpo).map(|w| LweCiphertext { data: w.to_vec() }).collect())
}

#[test]
fn host_pipeline_toy_matches_cpu() {
    let Some(bin) = harness() else { return };
    let s = seed(0x5eed_c003);
    let k = toy();
    let (cts, _) = inputs(k, 60, s);
    let (tables, _) = luts(k, s);
    let refs: Vec<&Lut> = (0..cts.len()).map(|i| &tables[i % tables.len()]).collect();
    let slots: Vec<[u32; 2]> = (0..cts.len() as u32).map(|i| [i, 0]).collect();
    let (small, got) = host_pipeline(bin, &k.server, &cts, &refs, &slots, 8);
    let n1 = k.server.params().lwe_dimension + 1;
    for (i, ct) in cts.iter().enumerate() {
        assert_eq!(&small[i * n1..(i + 1) * n1], &k.server.keyswitch(ct).unwrap().data[..], "keyswitch #{i} seed={s}");
        assert_eq!(got[i], k.server.keyswitch_bootstrap(ct, refs[i]).unwrap(), "KS+PBS #{i} seed={s}");
    }
    // Many-LUT: four functions, extraction at 0, stride, 2·stride, 3·stride.
    let fs: [&dyn Fn(u64) -> u64; 4] = [&|x| x % 4, &|x| (x + 1) % 4, &|x| x / 2, &|x| 3 - x % 4];
    let many = k.server.many_lut(&fs).unwrap();
    let mslots: Vec<[u32; 2]> = (0..10u32).flat_map(|i| (0..4u32).map(move |j| [i, j * many.stride as u32])).collect();
    let mrefs = vec![&many.lut; 10];
    let (_, got) = host_pipeline(bin, &k.server, &cts[..10], &mrefs, &mslots, 3);
    for i in 0..10 {
        let want = k.server.keyswitch_bootstrap_many(&cts[i], &many).unwrap();
        assert_eq!(&got[4 * i..4 * i + 4], &want[..], "many-LUT #{i} seed={s}");
    }
    // Centered switch.
    let centered = k.server.clone().with_modulus_switch(ModulusSwitch::Centered);
    let (_, got) = host_pipeline(bin, &centered, &cts[..20], &refs[..20], &slots[..20], 5);
    for i in 0..20 {
        assert_eq!(got[i], centered.keyswitch_bootstrap(&cts[i], refs[i]).unwrap(), "centered #{i} seed={s}");
    }
}

#[test]
fn host_pipeline_glwe_dimension_2_three_levels_matches_cpu() {
    let Some(bin) = harness() else { return };
    let s = seed(0x5eed_c007);
    let k = wide();
    let (cts, _) = inputs(k, 30, s);
    let (tables, _) = luts(k, s);
    let refs: Vec<&Lut> = (0..cts.len()).map(|i| &tables[i % tables.len()]).collect();
    let slots: Vec<[u32; 2]> = (0..cts.len() as u32).map(|i| [i, 0]).collect();
    let (_, got) = host_pipeline(bin, &k.server, &cts, &refs, &slots, 6);
    for (i, ct) in cts.iter().enumerate() {
        assert_eq!(got[i], k.server.keyswitch_bootstrap(ct, refs[i]).unwrap(), "k=2 l=3 #{i} seed={s}");
    }
}

#[test]
fn host_pipeline_hpu_matches_cpu() {
    let Some(bin) = harness() else { return };
    let s = seed(0x5eed_c004);
    let k: &Keys = hpu();
    let (cts, msgs) = inputs(k, 2, s);
    let (tables, _) = luts(k, s);
    let refs = [&tables[0], &tables[5]];
    let (small, got) = host_pipeline(bin, &k.server, &cts, &refs, &[[0, 0], [1, 0]], 8);
    let n1 = k.server.params().lwe_dimension + 1;
    for i in 0..2 {
        assert_eq!(&small[i * n1..(i + 1) * n1], &k.server.keyswitch(&cts[i]).unwrap().data[..], "HPU KS #{i}");
        assert_eq!(got[i], k.server.keyswitch_bootstrap(&cts[i], refs[i]).unwrap(), "HPU KS+PBS #{i} seed={s}");
    }
    assert_eq!(k.client.decrypt_block(&got[0]).unwrap(), msgs[0].unwrap());
}

// ---------------------------------------------------------------- device

fn device(sk: &ServerKey) -> Option<CudaFhe> {
    match CudaFhe::new(sk) {
        Ok(e) => Some(e),
        Err(FheGpuError::Unavailable(why)) => {
            gloam_engine_core::report_skip(&format!("CUDA FHE device tests: no CUDA device ({why})"));
            None
        }
        Err(e) => panic!("CUDA device present but the FHE engine failed: {e}"),
    }
}

#[test]
fn device_toy_bulk_keyswitch_determinism_and_errors() {
    let k = toy();
    let Some(e) = device(&k.server) else { return };
    let s = seed(0x5eed_c005);
    let (cts, msgs) = inputs(k, 2000, s);
    let (tables, fns) = luts(k, s);
    let refs: Vec<&Lut> = (0..cts.len()).map(|i| &tables[(i * 7 + i / 3) % tables.len()]).collect();
    let got = e.keyswitch_bootstrap_batch(&cts, &refs).expect("device run");
    let want = k.server.bootstrap_batch(&cts, &refs).unwrap();
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert_eq!(g, w, "KS+PBS #{i} seed={s}");
    }
    // Toy parameters are noisy (see tests/webgpu.rs): most, not all, decrypt.
    let (mut checked, mut right) = (0, 0);
    for (i, g) in got.iter().enumerate() {
        if let (Some(m), Some(f)) = (msgs[i], &fns[(i * 7 + i / 3) % tables.len()]) {
            checked += 1;
            right += (k.client.decrypt_block(g).unwrap() == f(m) % 16) as usize;
        }
    }
    assert!(right * 10 >= checked * 8, "{right}/{checked} decrypt correctly, seed={s}");
    assert_eq!(got, e.keyswitch_bootstrap_batch(&cts, &refs).unwrap(), "run twice seed={s}");
    let ks = e.keyswitch_batch(&cts[..300]).unwrap();
    for (i, (ct, g)) in cts.iter().zip(&ks).enumerate() {
        assert_eq!(g, &k.server.keyswitch(ct).unwrap(), "keyswitch #{i} seed={s}");
    }
    let small: Vec<_> = cts[..100].iter().map(|c| k.server.keyswitch(c).unwrap()).collect();
    let pbs = e.bootstrap_batch(&small, &refs[..100]).unwrap();
    for i in 0..100 {
        assert_eq!(pbs[i], k.server.bootstrap(&small[i], refs[i]).unwrap(), "PBS only #{i} seed={s}");
    }
    let bad = [cts[0].clone(), LweCiphertext { data: vec![0; 3] }];
    assert!(matches!(e.keyswitch_bootstrap_batch(&bad, &[refs[0]]), Err(FheGpuError::Input(_))));
    assert!(matches!(e.keyswitch_bootstrap_batch(&cts[..3], &refs[..2]), Err(FheGpuError::Input(_))));
}

#[test]
fn device_many_lut_integer_and_hpu() {
    let k = toy();
    let Some(e) = device(&k.server) else { return };
    let s = seed(0x5eed_c006);
    let (cts, _) = inputs(k, 90, s);
    let f0 = |x: u64| x % 4;
    let f1 = |x: u64| x / 4;
    let many = Arc::new(k.server.many_lut(&[&f0, &f1]).unwrap());
    let single = Arc::new(k.server.lut(|x| x ^ 3));
    let jobs: Vec<BootstrapJob> = cts
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if i % 2 == 0 {
                BootstrapJob::Many { input: c.clone(), lut: many.clone() }
            } else {
                BootstrapJob::Single { input: c.clone(), lut: single.clone() }
            }
        })
        .collect();
    let want = k.server.bootstrap_jobs(&jobs).unwrap();
    assert_eq!(e.bootstrap_jobs(&jobs).unwrap(), want, "jobs seed={s}");
    let chunked = CudaFhe::new(&k.server).expect("engine").with_max_batch_per_submission(7);
    assert_eq!(chunked.bootstrap_jobs(&jobs).unwrap(), want, "chunked jobs seed={s}");
    let mut rng = ChaCha20Rng::seed_from_u64(s);
    let (x, y): (u8, u8) = (rng.gen(), rng.gen());
    let a = k.client.encrypt_u8(x, &mut rng).unwrap();
    let b = k.client.encrypt_u8(y, &mut rng).unwrap();
    let sum = Radix::new(&k.server, &e).add(&a, &b).unwrap();
    assert_eq!(sum.blocks, k.server.radix().add(&a, &b).unwrap().blocks, "euint8 add seed={s}");
    assert_eq!(k.client.decrypt_u8(&sum).unwrap(), x.wrapping_add(y));
    let ops = || -> Vec<gloam_fhe::scheduler::ScheduledOp<'_, Vec<LweCiphertext>>> {
        vec![
            Box::new(|r: &Radix<'_>| r.add(&a, &b).map(|c| c.blocks)),
            Box::new(|r: &Radix<'_>| r.lt(&a, &b).map(|c| vec![c.0])),
        ]
    };
    let (gpu, gs) = gloam_fhe::BootstrapScheduler::with_executor(&k.server, &e).run(ops());
    let (cpu, cs) = gloam_fhe::BootstrapScheduler::new(&k.server).run(ops());
    assert_eq!(gs, cs);
    let unwrap = |v: Vec<Result<Vec<LweCiphertext>, _>>| v.into_iter().map(|r| r.unwrap()).collect::<Vec<_>>();
    assert_eq!(unwrap(gpu), unwrap(cpu), "scheduler seed={s}");
    let h = hpu();
    let eh = CudaFhe::new(&h.server).expect("HPU engine");
    let (cts, _) = inputs(h, 64, s);
    let lut = h.server.lut(|x| x);
    let got = eh.keyswitch_bootstrap_batch(&cts, &[&lut]).unwrap();
    assert_eq!(got, h.server.bootstrap_batch(&cts, &[&lut]).unwrap(), "HPU seed={s}");
    let t = gloam_fhe_gpu::measure_bootstraps_per_second(&eh, &cts, &lut, 3).unwrap();
    eprintln!("CUDA HPU KS+PBS: {:.1}/s over batches of {} ({:?})", t.bootstraps_per_second, t.batch, t.seconds);
}
