//! `gloam bench sig`: batch signature verification, gloam against the references in the same
//! run. `size` is the number of signatures in one call; every row is the time of one call.
//!
//! Each Ed25519 and secp256k1 op is measured twice: `<op>` with gloam on all rayon threads, and
//! `<op>_1t` with every row (gloam and peers) on one pool thread — the per-core comparison.
//!
//! * `ed25519_zip215_batch`: gloam's ZIP-215 batch (`gloam-keycache` with the keys already
//!   decoded in an [`ed25519::KeyCache`], as for a validator set seen before — the cache is
//!   warmed by the warm-up call) vs ed25519-zebra's `batch::Verifier` (single-threaded by design, hashing
//!   included) and ed25519-dalek's `verify` in a loop.
//! * `secp256k1_recover`: ecrecover of 65-byte r‖s‖v plus the Keccak address, gloam's
//!   `recover_batch` vs libsecp256k1 (`secp256k1` crate, one context) and k256, both in a loop
//!   on one core.
//! * `bls_batch_verify`: distinct (pk, msg, sig) triples (512 by default), gloam's RLC batch vs
//!   blst's `verify_multiple_aggregate_signatures` (64-bit randomness, its own thread pool,
//!   signatures group-checked; keys pre-validated on both sides: gloam's key cache is warm);
//!   `bls_batch_verify_4_msgs`: the same with individually signed votes over 4 messages, where
//!   gloam hashes each message once and pairs it once per job.
//!
//! GPU rows (`gloam/cuda`, `gloam/webgpu`: gloam-sig-gpu's backends, device path forced at every
//! size) join the all-threads Ed25519 and secp256k1 ops when a device is present (software
//! adapters only when named with `--backends`); their per-item results must equal the CPU's.
//!
//! Every gloam result is checked against the peer's before any time is reported. Progress lines
//! (stderr) give throughput and the ratio to each target peer.

use ed25519_dalek::Verifier as _;
use gloam_engine::BackendKind;
use gloam_sig::bls::{self, BlsVerifier, DST_POP};
use gloam_sig::ed25519;
use gloam_sig::secp256k1::{self as gsec, EcdsaRule, RecoverItem};
use gloam_sig::SigBackend;
use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use sha3::Digest;
use std::sync::Arc;

use super::cpu_device;
use super::Engines;
use crate::{progress, BenchError, BenchOptions, Interleaved, Record, Sample};

fn wrong(op: &str, size: usize) -> BenchError {
    BenchError::WrongResult { op: op.into(), size, backend: BackendKind::Cpu }
}

fn one_thread_pool() -> Result<rayon::ThreadPool, BenchError> {
    rayon::ThreadPoolBuilder::new().num_threads(1).build().map_err(|e| BenchError::Other(format!("thread pool: {e}")))
}

/// A GPU signature backend to measure, with its device name.
pub(crate) type GpuSig = (BackendKind, Arc<dyn SigBackend>, String);

/// gloam-sig-gpu's backends for the GPU kinds in `opts.backends` (software adapters only when
/// `opts.include_software`); `force` sends every batch to the device (`with_min_device_batch(0)`),
/// otherwise small batches stay on the CPU as in the node.
pub(crate) fn gpu_sig_backends(opts: &BenchOptions, force: bool) -> Vec<GpuSig> {
    let min = if force { 0 } else { gloam_sig_gpu::DEFAULT_MIN_DEVICE_BATCH };
    let mut out = Vec::new();
    for &k in &opts.backends {
        let made: Result<(Arc<dyn SigBackend>, gloam_engine_core::DeviceInfo), String> = match k {
            // A software adapter keeps batches on the CPU unless forced: a row named after it
            // must measure it.
            BackendKind::Cuda => gloam_sig_gpu::CudaSigBackend::new(&Default::default()).map(|b| {
                let info = b.device_info();
                let min = if info.is_software { 0 } else { min };
                (Arc::new(b.with_min_device_batch(min)) as Arc<dyn SigBackend>, info)
            }),
            BackendKind::WebGpu => gloam_sig_gpu::WebGpuSigBackend::new().map(|b| {
                let info = b.device_info().clone();
                let min = if info.is_software { 0 } else { min };
                (Arc::new(b.with_min_device_batch(min)) as Arc<dyn SigBackend>, info)
            }),
            _ => continue,
        };
        match made {
            Ok((_, info)) if info.is_software && !opts.include_software => progress(format!(
                "sig: {k}: {} is a software adapter; not measured (name it with --backends {k} to include it)",
                info.name
            )),
            Ok((b, info)) => out.push((k, b, info.name)),
            Err(why) => progress(format!("sig: {k}: not measured ({why})")),
        }
    }
    out
}

pub fn run(opts: &BenchOptions, _engines: &Engines) -> Result<Vec<Record>, BenchError> {
    let dev = cpu_device();
    let one = one_thread_pool()?;
    let gpus = gpu_sig_backends(opts, true);
    let mut records = Vec::new();
    let mut push = |op: &str, size: usize, results: Vec<(String, Sample)>| -> Vec<(String, Sample)> {
        for (key, s) in &results {
            let (impl_, backend) = key.split_once('/').expect("impl/backend");
            let device = gpus.iter().find(|g| g.0.to_string() == backend).map_or(dev.as_str(), |g| g.2.as_str());
            records.push(Record::new("sig", op, size as u64, impl_, backend, device, s));
        }
        results
    };
    let sizes: Vec<usize> = if opts.log_sizes.is_empty() {
        vec![64, 256, 1024]
    } else {
        opts.log_sizes.iter().map(|k| 1usize << k).collect()
    };
    let mut rng = ChaCha20Rng::seed_from_u64(0x5167);

    // ---------------------------------------------------------------- Ed25519
    for &n in &sizes {
        progress(format!("ed25519: signing {n} messages (distinct keys)"));
        let mut pks = Vec::with_capacity(n);
        let mut msgs = Vec::with_capacity(n);
        let mut sigs = Vec::with_capacity(n);
        for _ in 0..n {
            let sk = ed25519_zebra::SigningKey::new(&mut rng);
            let mut m = vec![0u8; 64];
            rng.fill_bytes(&mut m);
            sigs.push(sk.sign(&m).to_bytes());
            pks.push(<[u8; 32]>::from(ed25519_zebra::VerificationKeyBytes::from(&sk)));
            msgs.push(m);
        }
        let items: Vec<ed25519::Item> = (0..n).map(|i| ed25519::Item::new(&pks[i], &msgs[i], &sigs[i])).collect();
        let want = ed25519::verify_batch(&items);
        if !want.iter().all(|r| r.is_ok()) {
            return Err(wrong("ed25519_zip215_batch", n));
        }
        for (k, b, _) in &gpus {
            if b.ed25519_verify_batch(&items) != want {
                return Err(BenchError::WrongResult { op: "ed25519_zip215_batch".into(), size: n, backend: *k });
            }
        }
        let zsigs: Vec<ed25519_zebra::Signature> = sigs.iter().map(ed25519_zebra::Signature::from_bytes).collect();
        let dkeys: Vec<ed25519_dalek::VerifyingKey> = pks
            .iter()
            .map(|p| ed25519_dalek::VerifyingKey::from_bytes(p).map_err(|e| BenchError::Other(e.to_string())))
            .collect::<Result<_, _>>()?;
        let dsigs: Vec<ed25519_dalek::Signature> = sigs.iter().map(ed25519_dalek::Signature::from_bytes).collect();
        // Keys seen before (a validator set verified block after block): decompression skipped.
        let cache = ed25519::KeyCache::new(1 << 20);
        let ed = EdInputs {
            items: &items,
            cache: &cache,
            pks: &pks,
            zsigs: &zsigs,
            msgs: &msgs,
            dkeys: &dkeys,
            dsigs: &dsigs,
            peers: opts.peers,
            gpus: &gpus,
        };
        progress(format!("ed25519_zip215_batch × {n} (all threads)"));
        let res = push("ed25519_zip215_batch", n, ed.run(opts.samples));
        summarize("ed25519_zip215_batch", n, &res, "ed25519-zebra/cpu");
        // Per core: every row (peers too) on the same single pool thread, so no row pays for
        // waking a sleeping worker (milliseconds on a loaded machine).
        progress(format!("ed25519_zip215_batch_1t × {n} (one thread)"));
        let ed1 = EdInputs { gpus: &[], ..ed };
        let res = push("ed25519_zip215_batch_1t", n, one.install(|| ed1.run(opts.samples)));
        summarize("ed25519_zip215_batch_1t", n, &res, "ed25519-zebra/cpu");
    }

    // ---------------------------------------------------------------- secp256k1 recovery
    let secp = secp256k1::Secp256k1::new();
    for &n in &sizes {
        progress(format!("secp256k1: signing {n} prehashes"));
        let mut hashes = Vec::with_capacity(n);
        let mut rsvs: Vec<[u8; 65]> = Vec::with_capacity(n);
        let mut addrs = Vec::with_capacity(n);
        for _ in 0..n {
            let sk = loop {
                if let Ok(sk) = secp256k1::SecretKey::from_byte_array(rng.gen()) {
                    break sk;
                }
            };
            let h: [u8; 32] = rng.gen();
            let (recid, compact) =
                secp.sign_ecdsa_recoverable(secp256k1::Message::from_digest(h), &sk).serialize_compact();
            let mut rsv = [0u8; 65];
            rsv[..64].copy_from_slice(&compact);
            rsv[64] = i32::from(recid) as u8;
            let pk = sk.public_key(&secp).serialize_uncompressed();
            addrs.push(keccak_address(&pk[1..]));
            hashes.push(h);
            rsvs.push(rsv);
        }
        let items: Vec<RecoverItem> = (0..n).map(|i| RecoverItem { prehash: hashes[i], signature: &rsvs[i] }).collect();
        let got = gsec::recover_batch(&items, EcdsaRule::HighSAllowed);
        if got.iter().zip(&addrs).any(|(g, a)| g.as_ref().map(|r| r.address) != Ok(*a)) {
            return Err(wrong("secp256k1_recover", n));
        }
        for (k, b, _) in &gpus {
            if b.ecrecover_batch(&items, EcdsaRule::HighSAllowed) != got {
                return Err(BenchError::WrongResult { op: "secp256k1_recover".into(), size: n, backend: *k });
            }
        }
        let ec = EcInputs { items: &items, hashes: &hashes, rsvs: &rsvs, peers: opts.peers, gpus: &gpus };
        progress(format!("secp256k1_recover × {n} (all threads)"));
        let res = push("secp256k1_recover", n, ec.run(opts.samples));
        summarize("secp256k1_recover", n, &res, "libsecp256k1/cpu");
        progress(format!("secp256k1_recover_1t × {n} (one thread)"));
        let ec1 = EcInputs { gpus: &[], ..ec };
        let res = push("secp256k1_recover_1t", n, one.install(|| ec1.run(opts.samples)));
        summarize("secp256k1_recover_1t", n, &res, "libsecp256k1/cpu");
    }

    // ---------------------------------------------------------------- BLS
    let n = if opts.log_sizes.is_empty() { 512 } else { sizes[sizes.len() - 1].min(1024) };
    progress(format!("bls: {n} keys and signatures over distinct messages"));
    let distinct: Vec<Vec<u8>> = (0..n).map(|i| format!("bls bench message {i}").into_bytes()).collect();
    let res = push("bls_batch_verify", n, bls_batch(&distinct, &mut rng, 2, opts)?);
    summarize("bls_batch_verify", n, &res, "blst/cpu");

    // Committee votes: the same n signers over 4 block hashes, individually signed.
    progress(format!("bls: {n} votes over 4 messages"));
    let votes: Vec<Vec<u8>> = (0..n).map(|i| format!("block {}", i % 4).into_bytes()).collect();
    let res = push("bls_batch_verify_4_msgs", n, bls_batch(&votes, &mut rng, 3, opts)?);
    summarize("bls_batch_verify_4_msgs", n, &res, "blst/cpu");
    Ok(records)
}

/// One BLS batch measurement: a fresh key per message, gloam's batch verifier against blst's
/// `verify_multiple_aggregate_signatures` with 64-bit random scalars (its documented batch path).
fn bls_batch(
    msgs: &[Vec<u8>],
    rng: &mut ChaCha20Rng,
    peer_seed: u64,
    opts: &BenchOptions,
) -> Result<Vec<(String, crate::Sample)>, BenchError> {
    let n = msgs.len();
    let mut pks = Vec::with_capacity(n);
    let mut sigs = Vec::with_capacity(n);
    for m in msgs {
        let ikm: [u8; 32] = rng.gen();
        let sk = blst::min_pk::SecretKey::key_gen(&ikm, &[]).map_err(|e| BenchError::Other(format!("{e:?}")))?;
        sigs.push(sk.sign(m, DST_POP, &[]));
        pks.push(sk.sk_to_pk());
    }
    let pk_bytes: Vec<[u8; 48]> = pks.iter().map(|p| p.to_bytes()).collect();
    let sig_bytes: Vec<[u8; 96]> = sigs.iter().map(|s| s.to_bytes()).collect();
    let verifier = BlsVerifier::pop();
    let items: Vec<bls::Item> =
        (0..n).map(|i| bls::Item { public_key: &pk_bytes[i], message: &msgs[i], signature: &sig_bytes[i] }).collect();
    if !verifier.verify_batch(&items).iter().all(|r| r.is_ok()) {
        return Err(wrong("bls_batch_verify", n));
    }
    let mut il = Interleaved::default();
    il.add("gloam/cpu", || {
        assert!(verifier.verify_batch(&items).iter().all(|r| r.is_ok()));
    });
    if opts.peers {
        let msg_refs: Vec<&[u8]> = msgs.iter().map(|m| &m[..]).collect();
        let pk_refs: Vec<&blst::min_pk::PublicKey> = pks.iter().collect();
        let sig_refs: Vec<&blst::min_pk::Signature> = sigs.iter().collect();
        let mut br = ChaCha20Rng::seed_from_u64(peer_seed);
        il.add("blst/cpu", move || {
            let rands: Vec<blst::blst_scalar> = (0..n)
                .map(|_| {
                    let mut s = blst::blst_scalar::default();
                    s.b[..8].copy_from_slice(&(br.next_u64() | 1).to_le_bytes());
                    s
                })
                .collect();
            let e = blst::min_pk::Signature::verify_multiple_aggregate_signatures(
                &msg_refs, DST_POP, &pk_refs, false, &sig_refs, true, &rands, 64,
            );
            assert_eq!(e, blst::BLST_ERROR::BLST_SUCCESS);
        });
    }
    Ok(il.run(opts.samples.min(5)))
}

#[derive(Clone, Copy)]
struct EdInputs<'a> {
    items: &'a [ed25519::Item<'a>],
    cache: &'a ed25519::KeyCache,
    pks: &'a [[u8; 32]],
    zsigs: &'a [ed25519_zebra::Signature],
    msgs: &'a [Vec<u8>],
    dkeys: &'a [ed25519_dalek::VerifyingKey],
    dsigs: &'a [ed25519_dalek::Signature],
    peers: bool,
    gpus: &'a [GpuSig],
}

impl EdInputs<'_> {
    fn run(&self, samples: usize) -> Vec<(String, Sample)> {
        let n = self.items.len();
        let items = self.items;
        let cache = self.cache;
        let mut il = Interleaved::default();
        il.add("gloam/cpu", move || {
            assert!(ed25519::verify_batch(items).iter().all(|r| r.is_ok()));
        });
        il.add("gloam-keycache/cpu", move || {
            assert!(ed25519::verify_batch_cached(items, cache).iter().all(|r| r.is_ok()));
        });
        for (k, b, _) in self.gpus {
            let b = b.clone();
            il.add(format!("gloam/{k}"), move || {
                assert!(b.ed25519_verify_batch(items).iter().all(|r| r.is_ok()));
            });
        }
        if self.peers {
            let mut zr = ChaCha20Rng::seed_from_u64(1);
            let (zp, zs, zm) = (self.pks, self.zsigs, self.msgs);
            il.add("ed25519-zebra/cpu", move || {
                let mut v = ed25519_zebra::batch::Verifier::new();
                for i in 0..n {
                    v.queue((ed25519_zebra::VerificationKeyBytes::from(zp[i]), zs[i], &zm[i]));
                }
                assert!(v.verify(&mut zr).is_ok());
            });
            let (dk, ds, dm) = (self.dkeys, self.dsigs, self.msgs);
            il.add("ed25519-dalek/cpu", move || {
                for i in 0..n {
                    assert!(dk[i].verify(&dm[i], &ds[i]).is_ok());
                }
            });
        }
        il.run(samples)
    }
}

#[derive(Clone, Copy)]
struct EcInputs<'a> {
    items: &'a [RecoverItem<'a>],
    hashes: &'a [[u8; 32]],
    rsvs: &'a [[u8; 65]],
    peers: bool,
    gpus: &'a [GpuSig],
}

impl EcInputs<'_> {
    fn run(&self, samples: usize) -> Vec<(String, Sample)> {
        let n = self.items.len();
        let items = self.items;
        let mut il = Interleaved::default();
        il.add("gloam/cpu", move || {
            std::hint::black_box(gsec::recover_batch(items, EcdsaRule::HighSAllowed));
        });
        for (k, b, _) in self.gpus {
            let b = b.clone();
            il.add(format!("gloam/{k}"), move || {
                std::hint::black_box(b.ecrecover_batch(items, EcdsaRule::HighSAllowed));
            });
        }
        if self.peers {
            let vctx = secp256k1::Secp256k1::verification_only();
            let (hs, rs) = (self.hashes, self.rsvs);
            il.add("libsecp256k1/cpu", move || {
                for i in 0..n {
                    let recid = secp256k1::ecdsa::RecoveryId::try_from(rs[i][64] as i32).expect("0/1");
                    let sig = secp256k1::ecdsa::RecoverableSignature::from_compact(&rs[i][..64], recid).expect("valid");
                    let pk = vctx.recover_ecdsa(secp256k1::Message::from_digest(hs[i]), &sig).expect("recovers");
                    std::hint::black_box(keccak_address(&pk.serialize_uncompressed()[1..]));
                }
            });
            il.add("k256/cpu", move || {
                for i in 0..n {
                    let sig = k256::ecdsa::Signature::from_slice(&rs[i][..64]).expect("valid");
                    let recid = k256::ecdsa::RecoveryId::from_byte(rs[i][64]).expect("0/1");
                    let vk = k256::ecdsa::VerifyingKey::recover_from_prehash(&hs[i], &sig, recid).expect("recovers");
                    std::hint::black_box(keccak_address(&vk.to_encoded_point(false).as_bytes()[1..]));
                }
            });
        }
        il.run(samples)
    }
}

fn keccak_address(xy: &[u8]) -> [u8; 20] {
    let h = sha3::Keccak256::digest(xy);
    let mut a = [0u8; 20];
    a.copy_from_slice(&h[12..]);
    a
}

/// Throughput of every row and its ratio to `peer` (> 1 means gloam is faster).
fn summarize(op: &str, n: usize, res: &[(String, Sample)], peer: &str) {
    let Some(p) = res.iter().find(|(k, _)| k == peer).map(|(_, s)| s.median_ms) else { return };
    for (k, s) in res {
        let per_s = n as f64 / (s.median_ms / 1e3);
        progress(format!(
            "{op} n={n}: {k:<20} {:>10.3} ms  {:>10.0} sig/s  throughput ×{:.2} vs {peer}",
            s.median_ms,
            per_s,
            p / s.median_ms
        ));
    }
}
