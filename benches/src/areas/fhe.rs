//! `gloam bench fhe`: gloam-fhe (NTT64-BNF bootstrap over Goldilocks, HPU parameter set, own
//! integer schedules and bootstrap scheduler) against tfhe-rs 1.8.2 in the same run:
//!
//! * `keygen`: gloam `generate_keys` (client + server + compact public key) vs tfhe's high-level
//!   `generate_keys(ConfigBuilder::default())` (its default CPU parameters), one sample each;
//! * `pbs_1thread` (size 1): one bootstrap of a u64 small-key ciphertext on one thread, **same
//!   standard-domain key** for all three: gloam, tfhe's default f64-FFT PBS (`tfhe`, the
//!   reference: the target is gloam ≤ 1.0× it) and tfhe's `ntt64_bnf` PBS
//!   (`tfhe-ntt-bnf`, the algorithm gloam reproduces; its output must equal gloam's bytes);
//! * `pbs_batch` (size = ciphertexts per call, `--log-sizes`, default 64): the same bootstraps
//!   over all threads (gloam: rayon over `bootstrap_u64`; tfhe: rayon over its PBS), and
//!   `ks_pbs_batch`: gloam's `bootstrap_batch` (keyswitch + bootstrap, what integer rounds run);
//!   progress lines give bootstraps/s;
//! * `add`, `mul`, `lt`, `transfer` (size = bits, 64): euint64 on all threads — gloam
//!   (`Radix` ops; the transfer through the `BootstrapScheduler`: ge + sub + add merged, then the
//!   two selects merged) vs tfhe's high-level `FheUint64` API (`tfhe` feature `integer`, default
//!   parameters). The transfer is the ERC-7984 step: ok = from ≥ amount; from' = ok ? from −
//!   amount : from; to' = ok ? to + amount : to.
//!
//! GPU rows (gloam-fhe-gpu, for each GPU in `--backends`; software adapters only when named):
//! `ks_pbs_batch` at 4,096 ciphertexts per call after a byte comparison with the CPU, and
//! `transfer_block` — 256 independent confidential transfers with their rounds merged on the
//! device (hardware only), each decrypted and checked.
//!
//! Every result is decrypted and checked before its time is reported. Heavy ops are timed without
//! a warm-up (implementations interleaved per sample); `mul` takes one sample (gloam's euint64
//! mul is ≈ 2,500 bootstraps). `GLOAM_BENCH_FHE_QUICK=1` runs a smoke profile (euint8, batch 4,
//! one sample) in well under a minute.

use std::time::Instant;

use gloam_fhe::scheduler::ScheduledOp;
use gloam_fhe::{
    generate_keys, BootstrapScheduler, ClientKey, EBool, KeySet, Lut, LweCiphertext as GCt, Radix, RadixCiphertext,
    HPU_MESSAGE_2_CARRY_2_KS32_TUNIFORM_2M128,
};
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use rayon::prelude::*;
use tfhe::core_crypto::prelude as core;
use tfhe::prelude::*;

use super::cpu_device;
use crate::{progress, BenchError, BenchOptions, Record, Sample};

const P: u128 = (1 << 64) - (1 << 32) + 1;

/// What to run: the full bench or the quick smoke profile.
#[derive(Clone, Debug)]
pub struct Profile {
    /// Radix width of the integer ops: 32 blocks (euint64) or 4 (euint8, quick).
    pub blocks: usize,
    /// Ciphertexts per batch call.
    pub batch: usize,
    /// Samples of the one-thread PBS and the batch.
    pub pbs_samples: usize,
    /// Samples of add / lt / transfer (mul always takes one).
    pub int_samples: usize,
    /// GPU backends to measure `ks_pbs_batch` on (gloam-fhe-gpu), besides the CPU.
    pub gpus: Vec<gloam_engine::BackendKind>,
    /// Measure software adapters (lavapipe) too.
    pub include_software: bool,
}

impl Profile {
    pub fn full(opts: &BenchOptions) -> Profile {
        Profile {
            blocks: 32,
            batch: opts.log_sizes.first().map(|k| 1usize << k).unwrap_or(64),
            pbs_samples: opts.samples.max(1),
            int_samples: opts.samples.clamp(1, 3),
            gpus: Vec::new(),
            include_software: false,
        }
    }

    pub fn quick() -> Profile {
        Profile { blocks: 4, batch: 4, pbs_samples: 1, int_samples: 1, gpus: Vec::new(), include_software: false }
    }
}

pub fn run(opts: &BenchOptions) -> Result<Vec<Record>, BenchError> {
    let quick = std::env::var("GLOAM_BENCH_FHE_QUICK").is_ok_and(|v| v == "1");
    let mut profile = if quick { Profile::quick() } else { Profile::full(opts) };
    profile.gpus = opts.backends.iter().copied().filter(|k| *k != gloam_engine::BackendKind::Cpu).collect();
    profile.include_software = opts.include_software;
    run_with(profile, opts.peers)
}

/// Ciphertexts per device call in the GPU rows (a GPU needs thousands in flight).
pub const GPU_BATCH: usize = 4096;

/// `ks_pbs_batch` on each GPU engine (gloam-fhe-gpu): the outputs of the first `inputs` are
/// compared with the CPU's bytes (`expected`), then `GPU_BATCH` ciphertexts per call are timed.
fn gpu_rows(
    profile: &Profile,
    ck: &ClientKey,
    sk: &gloam_fhe::ServerKey,
    inputs: &[GCt],
    lut: &Lut,
    expected: &[GCt],
    records: &mut Vec<Record>,
) -> Result<(), BenchError> {
    use gloam_engine::BackendKind;
    use gloam_fhe_gpu::{CudaFhe, FheDevice, WebGpuFhe};
    /// Both traits of an engine behind one object.
    trait Engine: FheDevice + gloam_fhe::BootstrapExecutor {
        fn device(&self) -> &dyn FheDevice;
        fn executor(&self) -> &dyn gloam_fhe::BootstrapExecutor;
    }
    impl<T: FheDevice + gloam_fhe::BootstrapExecutor> Engine for T {
        fn device(&self) -> &dyn FheDevice {
            self
        }
        fn executor(&self) -> &dyn gloam_fhe::BootstrapExecutor {
            self
        }
    }
    for &kind in &profile.gpus {
        let opened: Result<(Box<dyn Engine>, String, bool), String> = match kind {
            BackendKind::Cuda => CudaFhe::new(sk).map(|e| {
                let info = e.device_info();
                (Box::new(e) as Box<dyn Engine>, info.name, info.is_software)
            }),
            BackendKind::WebGpu => WebGpuFhe::new(sk).map(|e| {
                let (name, software) = (e.device_info().name.clone(), e.device_info().is_software);
                (Box::new(e) as Box<dyn Engine>, name, software)
            }),
            _ => continue,
        }
        .map_err(|e| e.to_string());
        let (engine, name, software) = match opened {
            Ok(x) => x,
            Err(why) => {
                progress(format!("fhe: {kind}: not measured ({why})"));
                continue;
            }
        };
        if software && !profile.include_software {
            progress(format!(
                "fhe: {kind}: {name} is a software adapter; not measured (name it with --backends {kind} to include it)"
            ));
            continue;
        }
        let got = engine.keyswitch_bootstrap_batch(inputs, &[lut]).map_err(err)?;
        if got != expected {
            return Err(BenchError::WrongResult { op: "ks_pbs_batch".into(), size: inputs.len(), backend: kind });
        }
        // Software adapters get the CPU row's batch (lavapipe runs ~1 HPU bootstrap/s).
        let batch = if software { inputs.len() } else { GPU_BATCH };
        let timed_inputs: Vec<GCt> = inputs.iter().cycle().take(batch).cloned().collect();
        let t = gloam_fhe_gpu::measure_bootstraps_per_second(engine.device(), &timed_inputs, lut, profile.pbs_samples)
            .map_err(err)?;
        progress(format!(
            "fhe: {kind} ({name}): {:.0} keyswitch+bootstraps/s (batch {batch}; CPU bytes matched on {})",
            t.bootstraps_per_second,
            inputs.len()
        ));
        let s = Sample::from_times(t.seconds.iter().map(|x| x * 1e3).collect());
        records.push(Record::new("fhe", "ks_pbs_batch", batch as u64, "gloam", &kind.to_string(), &name, &s));

        // A block of confidential transfers (ge + sub + add, then two selects, rounds of the
        // whole block merged) on the device; every result decrypted and checked. Issue #7's H100
        // target is ≥ 500 transfers/s at euint64.
        if software {
            progress(format!("fhe: {kind}: transfer block not measured on a software adapter (minutes per transfer)"));
            continue;
        }
        let count = 256;
        let blocks = profile.blocks;
        let mask = if blocks >= 32 { u64::MAX } else { (1u64 << (2 * blocks)) - 1 };
        let mut rng = ChaCha20Rng::seed_from_u64(0x7472_616e);
        let clear: Vec<(u64, u64, u64)> = (0..count)
            .map(|i| {
                let (f, a, t) = (rng.next_u64() & mask, rng.next_u64() & mask, rng.next_u64() & mask);
                if i % 2 == 0 {
                    (f.max(a), f.min(a), t) // funded
                } else {
                    (f.min(a), f.max(a).max(1), t)
                }
            })
            .collect();
        let enc: Vec<(RadixCiphertext, RadixCiphertext, RadixCiphertext)> = clear
            .iter()
            .map(|&(f, a, t)| {
                Ok((
                    ck.encrypt_radix(f, blocks, &mut rng)?,
                    ck.encrypt_radix(t, blocks, &mut rng)?,
                    ck.encrypt_radix(a, blocks, &mut rng)?,
                ))
            })
            .collect::<Result<_, gloam_fhe::FheError>>()
            .map_err(err)?;
        let refs: Vec<_> = enc.iter().map(|(f, t, a)| (f, t, a)).collect();
        let t = Instant::now();
        let out = gloam_transfers(sk, engine.executor(), &refs).map_err(err)?;
        let ms = t.elapsed().as_secs_f64() * 1e3;
        for (&(f, a, to), (nf, nt)) in clear.iter().zip(&out) {
            let want = if f >= a { (f - a, to.wrapping_add(a) & mask) } else { (f, to) };
            if (ck.decrypt_radix(nf).map_err(err)?, ck.decrypt_radix(nt).map_err(err)?) != want {
                return Err(BenchError::WrongResult { op: "transfer_block".into(), size: count, backend: kind });
            }
        }
        progress(format!(
            "fhe: {kind} ({name}): {count} confidential euint{} transfers in {ms:.0} ms: {:.1} transfers/s",
            2 * blocks,
            count as f64 / (ms / 1e3)
        ));
        let s = Sample::from_times(vec![ms]);
        records.push(Record::new("fhe", "transfer_block", count as u64, "gloam", &kind.to_string(), &name, &s));
    }
    Ok(())
}

fn err(what: impl std::fmt::Display) -> BenchError {
    BenchError::Other(format!("fhe: {what}"))
}

/// Interleaved timing without warm-up: each sample runs every entry once, in order.
fn timed(samples: usize, entries: &mut [(&str, &mut dyn FnMut())]) -> Vec<Sample> {
    let mut times = vec![Vec::new(); entries.len()];
    for _ in 0..samples.max(1) {
        for (i, (_, f)) in entries.iter_mut().enumerate() {
            let t = Instant::now();
            f();
            times[i].push(t.elapsed().as_secs_f64() * 1e3);
        }
    }
    times.into_iter().map(Sample::from_times).collect()
}

/// The integer section for one width (tfhe type `$T`, clear type `$u`).
macro_rules! integer_ops {
    ($records:ident, $profile:ident, $peers:ident, $ck:ident, $sk:ident, $rng:ident, $device:ident, $T:ty, $u:ty, $bits:expr) => {{
        let blocks = $profile.blocks;
        progress(format!("fhe: tfhe-rs integer key generation (default parameters)"));
        let t = Instant::now();
        let (tck, tsk) = tfhe::generate_keys(tfhe::ConfigBuilder::default().build());
        $records.push(Record::new(
            "fhe",
            "keygen",
            1,
            "tfhe",
            "cpu",
            &$device,
            &Sample::from_times(vec![t.elapsed().as_secs_f64() * 1e3]),
        ));
        tfhe::set_server_key(tsk);
        let (a, b) = ($rng.next_u64() as $u, $rng.next_u64() as $u);
        let (from, amount, to) = (<$u>::MAX - 3, ($rng.next_u64() as $u) >> 1, ($rng.next_u64() as $u) >> 1);
        let enc = |v: $u, r: &mut ChaCha20Rng| $ck.encrypt_radix(v as u64, blocks, r).map_err(err);
        let (ga, gb) = (enc(a, &mut $rng)?, enc(b, &mut $rng)?);
        let (gfrom, gamount, gto) = (enc(from, &mut $rng)?, enc(amount, &mut $rng)?, enc(to, &mut $rng)?);
        let tenc = |v: $u| <$T>::encrypt(v, &tck);
        let (ta, tb, tfrom, tamount, tto) = (tenc(a), tenc(b), tenc(from), tenc(amount), tenc(to));
        let dec = |c: &RadixCiphertext| $ck.decrypt_radix(c).map(|v| v as $u).map_err(err);
        let radix = $sk.radix();
        let wrong =
            |op: &str| BenchError::WrongResult { op: op.into(), size: $bits, backend: gloam_engine::BackendKind::Cpu };
        let tfhe_wrong = |op: &str| err(format!("tfhe {op} gave a wrong result"));

        // add
        if dec(&radix.add(&ga, &gb).map_err(err)?)? != a.wrapping_add(b) {
            return Err(wrong("add"));
        }
        let t_add: $u = (&ta + &tb).decrypt(&tck);
        if t_add != a.wrapping_add(b) {
            return Err(tfhe_wrong("add"));
        }
        // lt
        if $ck.decrypt_bool(&radix.lt(&ga, &gb).map_err(err)?).map_err(err)? != (a < b) {
            return Err(wrong("lt"));
        }
        let t_lt: bool = ta.lt(&tb).decrypt(&tck);
        if t_lt != (a < b) {
            return Err(tfhe_wrong("lt"));
        }
        // transfer
        let (nf, nt) = gloam_transfer($sk, &gfrom, &gto, &gamount).map_err(err)?;
        let ok = from >= amount;
        let want = if ok { (from - amount, to.wrapping_add(amount)) } else { (from, to) };
        if (dec(&nf)?, dec(&nt)?) != want {
            return Err(wrong("transfer"));
        }
        let tfhe_transfer = || {
            let ok = tfrom.ge(&tamount);
            let nf = &tfrom - &tamount;
            let nt = &tto + &tamount;
            (ok.if_then_else(&nf, &tfrom), ok.if_then_else(&nt, &tto))
        };
        let (tnf, tnt) = tfhe_transfer();
        let (tnf, tnt): ($u, $u) = (tnf.decrypt(&tck), tnt.decrypt(&tck));
        if (tnf, tnt) != want {
            return Err(tfhe_wrong("transfer"));
        }

        for op in ["add", "lt", "transfer", "mul"] {
            progress(format!("fhe: euint{} {op}, {} threads", $bits, rayon::current_num_threads()));
            let samples = if op == "mul" { 1 } else { $profile.int_samples };
            let mut g: Box<dyn FnMut()> = match op {
                "add" => Box::new(|| drop(radix.add(&ga, &gb).expect("checked"))),
                "lt" => Box::new(|| drop(radix.lt(&ga, &gb).expect("checked"))),
                "transfer" => Box::new(|| drop(gloam_transfer($sk, &gfrom, &gto, &gamount).expect("checked"))),
                _ => Box::new(|| {
                    let m = radix.mul(&ga, &gb).expect("valid shapes");
                    assert_eq!(dec(&m).expect("decrypts"), a.wrapping_mul(b), "gloam mul");
                }),
            };
            let mut t: Box<dyn FnMut()> = match op {
                "add" => Box::new(|| drop(&ta + &tb)),
                "lt" => Box::new(|| drop(ta.lt(&tb))),
                "transfer" => Box::new(|| drop(tfhe_transfer())),
                _ => Box::new(|| {
                    let m: $u = (&ta * &tb).decrypt(&tck);
                    assert_eq!(m, a.wrapping_mul(b), "tfhe mul");
                }),
            };
            let mut e: Vec<(&str, &mut dyn FnMut())> = vec![("gloam", &mut *g)];
            if $peers {
                e.push(("tfhe", &mut *t));
            }
            let names: Vec<&str> = e.iter().map(|(n, _)| *n).collect();
            let res = timed(samples, &mut e);
            if let [gs, ts] = res.as_slice() {
                progress(format!(
                    "fhe: {op}: gloam {:.0} ms, tfhe {:.0} ms ({:.2}×)",
                    gs.median_ms,
                    ts.median_ms,
                    gs.median_ms / ts.median_ms
                ));
            }
            for (s, name) in res.into_iter().zip(names) {
                $records.push(Record::new("fhe", op, $bits, name, "cpu", &$device, &s));
            }
        }
    }};
}

/// u64 LWE encryption of m·Δ under the small key (the input form of tfhe's PBS functions).
fn encrypt_small_u64(ck: &ClientKey, m: u64, rng: &mut ChaCha20Rng) -> GCt {
    let p = ck.params();
    let mut data: Vec<u64> = (0..p.lwe_dimension).map(|_| rng.next_u64()).collect();
    let dot = data.iter().zip(ck.small_key()).fold(0u64, |a, (x, s)| a.wrapping_add(x.wrapping_mul(*s as u64)));
    let noise = (rng.next_u64() >> 24).wrapping_sub(1 << 39); // |e| ≤ 2^39 ≪ Δ = 2^59
    data.push(dot.wrapping_add(noise).wrapping_add(m.wrapping_mul(p.delta())));
    GCt::from_container(data)
}

pub fn run_with(profile: Profile, peers: bool) -> Result<Vec<Record>, BenchError> {
    let params = HPU_MESSAGE_2_CARRY_2_KS32_TUNIFORM_2M128;
    let device = cpu_device();
    let mut records = Vec::new();
    let mut rng = ChaCha20Rng::seed_from_u64(0x6768_655f_6265_6e63);
    let mut seed = [0u8; 32];
    rng.fill_bytes(&mut seed);

    // --- key generation -------------------------------------------------------------------
    progress(format!("fhe: gloam key generation (HPU parameters, {} threads)", rayon::current_num_threads()));
    let t = Instant::now();
    let mut last = None;
    let keys: KeySet = generate_keys(params, seed, |stage, _| {
        if last != Some(stage) {
            progress(format!("fhe: keygen {stage:?} ({:.1} s)", t.elapsed().as_secs_f64()));
            last = Some(stage);
        }
    })
    .map_err(err)?;
    let gloam_keygen = t.elapsed().as_secs_f64() * 1e3;
    records.push(Record::new("fhe", "keygen", 1, "gloam", "cpu", &device, &Sample::from_times(vec![gloam_keygen])));
    let (ck, sk) = (&keys.client, &keys.server);

    // Same standard-domain key for tfhe's FFT and NTT64-BNF bootstraps.
    let (_, std_bsk) = ck.compressed_server_key(|_, _| {}).map_err(err)?.expand_standard();
    let (n, gs, big_n) = (params.lwe_dimension, params.glwe_size(), params.polynomial_size);
    let std = core::LweBootstrapKey::from_container(
        std_bsk,
        core::GlweSize(gs),
        core::PolynomialSize(big_n),
        core::DecompositionBaseLog(params.pbs_base_log),
        core::DecompositionLevelCount(params.pbs_level),
        core::CiphertextModulus::<u64>::new_native(),
    );
    let mut fft = core::FourierLweBootstrapKey::new(
        core::LweDimension(n),
        core::GlweSize(gs),
        core::PolynomialSize(big_n),
        core::DecompositionBaseLog(params.pbs_base_log),
        core::DecompositionLevelCount(params.pbs_level),
    );
    core::par_convert_standard_lwe_bootstrap_key_to_fourier(&std, &mut fft);
    let mut ntt = core::NttLweBootstrapKey::new(
        0u64,
        core::LweDimension(n),
        core::GlweSize(gs),
        core::PolynomialSize(big_n),
        core::DecompositionBaseLog(params.pbs_base_log),
        core::DecompositionLevelCount(params.pbs_level),
        core::CiphertextModulus::<u64>::try_new(P).map_err(|e| err(format!("{e:?}")))?,
    );
    core::par_convert_standard_lwe_bootstrap_key_to_ntt64(&std, &mut ntt, core::NttLweBootstrapKeyOption::Raw);
    drop(std);

    let f = |x: u64| (x + 1) % 4;
    let lut: Lut = sk.lut(f);
    let acc = core::GlweCiphertext::from_container(
        lut.data.clone(),
        core::PolynomialSize(big_n),
        core::CiphertextModulus::new_native(),
    );
    let out_size = core::LweSize(params.big_lwe_dimension() + 1);
    let tfhe_fft_pbs = |c: &GCt| {
        let input =
            core::LweCiphertext::from_container(c.data.as_slice(), core::CiphertextModulus::<u64>::new_native());
        let mut out = core::LweCiphertext::new(0u64, out_size, core::CiphertextModulus::new_native());
        core::programmable_bootstrap_lwe_ciphertext(&input, &mut out, &acc, &fft);
        GCt::from_container(out.into_container())
    };
    let tfhe_bnf_pbs = |c: &GCt| {
        let input =
            core::LweCiphertext::from_container(c.data.as_slice(), core::CiphertextModulus::<u64>::new_native());
        let mut out = core::LweCiphertext::new(0u64, out_size, core::CiphertextModulus::new_native());
        core::programmable_bootstrap_ntt64_bnf_lwe_ciphertext(&input, &mut out, &acc, &ntt);
        GCt::from_container(out.into_container())
    };
    let gloam_pbs = |c: &GCt| sk.bootstrap_key().bootstrap_u64(c, &lut).expect("valid shapes");

    // Check before timing: gloam = tfhe-ntt-bnf bytes; both decrypt to f(m); tfhe-fft decrypts too.
    let inputs: Vec<GCt> = (0..profile.batch.max(1)).map(|i| encrypt_small_u64(ck, i as u64 % 4, &mut rng)).collect();
    for (i, c) in inputs.iter().take(4).enumerate() {
        let want = f(i as u64 % 4);
        let g = gloam_pbs(c);
        let wrong =
            |op: &str| BenchError::WrongResult { op: op.into(), size: 1, backend: gloam_engine::BackendKind::Cpu };
        if g != tfhe_bnf_pbs(c) || ck.decrypt_block(&g).map_err(err)? != want {
            return Err(wrong("pbs"));
        }
        if ck.decrypt_block(&tfhe_fft_pbs(c)).map_err(err)? != want {
            return Err(err("tfhe FFT bootstrap did not decrypt to the table value"));
        }
    }

    // --- one-thread bootstrap latency -------------------------------------------------------
    progress("fhe: one-thread PBS (same key): gloam ntt64-bnf, tfhe fft, tfhe ntt64-bnf");
    let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().map_err(err)?;
    let dev1 = one.install(cpu_device);
    let c0 = &inputs[0];
    let samples = one.install(|| {
        let (mut a, mut b, mut c) = (|| drop(gloam_pbs(c0)), || drop(tfhe_fft_pbs(c0)), || drop(tfhe_bnf_pbs(c0)));
        a(); // warm-up (allocations, twiddles, FFT plan)
        b();
        c();
        let mut e: Vec<(&str, &mut dyn FnMut())> = vec![("gloam", &mut a)];
        if peers {
            e.push(("tfhe", &mut b));
            e.push(("tfhe-ntt-bnf", &mut c));
        }
        timed(profile.pbs_samples.max(3), &mut e).into_iter().zip(["gloam", "tfhe", "tfhe-ntt-bnf"]).collect::<Vec<_>>()
    });
    for (s, name) in &samples {
        records.push(Record::new("fhe", "pbs_1thread", 1, name, "cpu", &dev1, s));
    }
    if let [(g, _), (fft_s, _), (bnf, _)] = samples.as_slice() {
        progress(format!(
            "fhe: PBS one thread: gloam {:.1} ms, tfhe fft {:.1} ms ({:.2}×), tfhe ntt64-bnf {:.1} ms ({:.2}×)",
            g.median_ms,
            fft_s.median_ms,
            g.median_ms / fft_s.median_ms,
            bnf.median_ms,
            g.median_ms / bnf.median_ms
        ));
    }

    // --- batch bootstraps ---------------------------------------------------------------------
    let batch = inputs.len();
    progress(format!("fhe: batch of {batch} bootstraps, {} threads", rayon::current_num_threads()));
    let big_inputs: Vec<GCt> = (0..batch).map(|i| ck.encrypt_block(i as u64 % 4, &mut rng)).collect();
    let ks_out = sk.bootstrap_batch(&big_inputs, &[&lut]).map_err(err)?;
    for (i, c) in ks_out.iter().enumerate() {
        if ck.decrypt_block(c).map_err(err)? != f(i as u64 % 4) {
            return Err(BenchError::WrongResult {
                op: "ks_pbs_batch".into(),
                size: batch,
                backend: gloam_engine::BackendKind::Cpu,
            });
        }
    }
    {
        let mut a = || drop(inputs.par_iter().map(gloam_pbs).collect::<Vec<_>>());
        let mut b = || drop(inputs.par_iter().map(tfhe_fft_pbs).collect::<Vec<_>>());
        let mut c = || drop(inputs.par_iter().map(tfhe_bnf_pbs).collect::<Vec<_>>());
        let mut d = || drop(sk.bootstrap_batch(&big_inputs, &[&lut]).expect("checked above"));
        let mut e: Vec<(&str, &mut dyn FnMut())> = vec![("gloam", &mut a)];
        if peers {
            e.push(("tfhe", &mut b));
            e.push(("tfhe-ntt-bnf", &mut c));
        }
        e.push(("gloam-ks", &mut d));
        let names: Vec<&str> = e.iter().map(|(n, _)| *n).collect();
        for (s, name) in timed(profile.pbs_samples, &mut e).into_iter().zip(names) {
            progress(format!("fhe: {name}: {:.0} bootstraps/s", batch as f64 / s.median_ms * 1e3));
            let (op, impl_) = if name == "gloam-ks" { ("ks_pbs_batch", "gloam") } else { ("pbs_batch", name) };
            records.push(Record::new("fhe", op, batch as u64, impl_, "cpu", &device, &s));
        }
    }
    gpu_rows(&profile, ck, sk, &big_inputs, &lut, &ks_out, &mut records)?;

    // --- integers on all threads ------------------------------------------------------------------
    if profile.blocks == 32 {
        integer_ops!(records, profile, peers, ck, sk, rng, device, tfhe::FheUint64, u64, 64);
    } else {
        integer_ops!(records, profile, peers, ck, sk, rng, device, tfhe::FheUint8, u8, 8);
    }
    Ok(records)
}

/// Outputs of the transfer's first scheduled stage.
enum Stage1 {
    Ok(EBool),
    Value(RadixCiphertext),
}

/// gloam's confidential transfer: ge + sub + add in one scheduler run (their rounds merged), then
/// both selects in a second.
fn gloam_transfer(
    sk: &gloam_fhe::ServerKey,
    from: &RadixCiphertext,
    to: &RadixCiphertext,
    amount: &RadixCiphertext,
) -> Result<(RadixCiphertext, RadixCiphertext), gloam_fhe::FheError> {
    let mut out = gloam_transfers(sk, sk, &[(from, to, amount)])?;
    Ok(out.pop().expect("one transfer"))
}

/// A block of independent confidential transfers on `exec`: every ge/sub/add of every transfer
/// in one scheduler run (rounds merged), then every select in a second.
fn gloam_transfers(
    sk: &gloam_fhe::ServerKey,
    exec: &dyn gloam_fhe::BootstrapExecutor,
    transfers: &[(&RadixCiphertext, &RadixCiphertext, &RadixCiphertext)],
) -> Result<Vec<(RadixCiphertext, RadixCiphertext)>, gloam_fhe::FheError> {
    let sched = BootstrapScheduler::with_executor(sk, exec);
    let mut stage1: Vec<ScheduledOp<Stage1>> = Vec::with_capacity(3 * transfers.len());
    for &(from, to, amount) in transfers {
        stage1.push(Box::new(move |r: &Radix<'_>| r.ge(from, amount).map(Stage1::Ok)));
        stage1.push(Box::new(move |r: &Radix<'_>| r.sub(from, amount).map(Stage1::Value)));
        stage1.push(Box::new(move |r: &Radix<'_>| r.add(to, amount).map(Stage1::Value)));
    }
    let mut out = sched.run(stage1).0.into_iter();
    let mut mid = Vec::with_capacity(transfers.len());
    for _ in transfers {
        let (Some(Ok(Stage1::Ok(ok))), Some(Ok(Stage1::Value(new_from))), Some(Ok(Stage1::Value(new_to)))) =
            (out.next(), out.next(), out.next())
        else {
            return Err(gloam_fhe::FheError::Scheduler("transfer stage 1"));
        };
        mid.push((ok, new_from, new_to));
    }
    let mut stage2: Vec<ScheduledOp<RadixCiphertext>> = Vec::with_capacity(2 * transfers.len());
    for (&(from, to, _), (ok, new_from, new_to)) in transfers.iter().zip(&mid) {
        stage2.push(Box::new(move |r: &Radix<'_>| r.select(ok, new_from, from)));
        stage2.push(Box::new(move |r: &Radix<'_>| r.select(ok, new_to, to)));
    }
    let mut out = sched.run(stage2).0.into_iter();
    let mut result = Vec::with_capacity(transfers.len());
    for _ in transfers {
        match (out.next(), out.next()) {
            (Some(a), Some(b)) => result.push((a?, b?)),
            _ => return Err(gloam_fhe::FheError::Scheduler("transfer stage 2")),
        }
    }
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The quick profile runs every measurement end to end (results checked inside) and reports
    /// every (op, implementation) pair with a positive time.
    #[test]
    fn quick_profile_reports_every_measurement() {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        // The WebGPU row runs on whatever adapter exists (lavapipe in CI, where a missing
        // adapter fails the test): 4 HPU ciphertexts, byte-compared with the CPU first.
        let webgpu = gloam_webgpu::shared_gpu();
        if let Err(why) = &webgpu {
            assert!(std::env::var("CI").map_or(true, |v| v != "true"), "CI=true but no WebGPU adapter: {why}");
            eprintln!("\n*** SKIPPED: the fhe bench's WebGPU row: {why} ***\n");
        }
        let mut profile = Profile::quick();
        profile.gpus = vec![gloam_engine::BackendKind::WebGpu];
        profile.include_software = true;
        let records = pool.install(|| run_with(profile, true)).expect("fhe bench");
        if webgpu.is_ok() {
            let r = records.iter().find(|r| r.op == "ks_pbs_batch" && r.backend == "webgpu").expect("webgpu row");
            assert!(r.median_ms > 0.0 && r.size == 4, "{r:?}");
        }
        for (op, impl_) in [
            ("keygen", "gloam"),
            ("keygen", "tfhe"),
            ("pbs_1thread", "gloam"),
            ("pbs_1thread", "tfhe"),
            ("pbs_1thread", "tfhe-ntt-bnf"),
            ("pbs_batch", "gloam"),
            ("pbs_batch", "tfhe"),
            ("ks_pbs_batch", "gloam"),
            ("add", "gloam"),
            ("add", "tfhe"),
            ("lt", "tfhe"),
            ("transfer", "gloam"),
            ("transfer", "tfhe"),
            ("mul", "gloam"),
            ("mul", "tfhe"),
        ] {
            let r = records.iter().find(|r| r.op == op && r.impl_ == impl_);
            let r = r.unwrap_or_else(|| panic!("no record for {op}/{impl_}"));
            assert!(r.median_ms > 0.0 && r.samples >= 1, "{op}/{impl_}: {r:?}");
            assert_eq!(r.area, "fhe");
        }
    }
}
