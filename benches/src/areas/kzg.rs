//! `gloam bench kzg`: the EIP-4844 / EIP-7594 API, gloam (every backend) against c-kzg with the
//! precompute tables reth uses (`ethereum_kzg_settings(8)`). c-kzg is single-threaded by design;
//! run once with `--threads 1` for the like-for-like row and once without for all cores.
//! `size` is the number of blobs in the call.

use gloam_engine::testkit;
use gloam_kzg::{codec, Blob, Bytes48, KzgSettings};

use super::msm::device_for;
use super::{cpu_device, Engines};
use crate::{progress, BenchError, BenchOptions, Interleaved, Record};

fn random_blob(seed: u64) -> Blob {
    let mut bytes = Vec::with_capacity(gloam_kzg::BYTES_PER_BLOB);
    for x in testkit::random_scalars(gloam_kzg::FIELD_ELEMENTS_PER_BLOB, seed) {
        bytes.extend_from_slice(&codec::fr_to_be(&x));
    }
    Blob::from_bytes(&bytes).expect("exact length")
}

pub fn run(opts: &BenchOptions, engines: &Engines) -> Result<Vec<Record>, BenchError> {
    let cpu_dev = cpu_device();
    let batch = opts.log_sizes.first().map(|k| 1usize << k).unwrap_or(64);
    progress(format!("kzg: {batch} random blobs, loading setups"));
    let blobs: Vec<Blob> = (0..batch).map(|i| random_blob(7000 + i as u64)).collect();
    let ck = c_kzg::ethereum_kzg_settings(8);
    let ck_blobs: Vec<c_kzg::Blob> =
        blobs.iter().map(|b| c_kzg::Blob::from_bytes(b.as_bytes()).expect("len")).collect();

    let mut settings = Vec::new();
    for (kind, e, _) in &engines.list {
        let t = std::time::Instant::now();
        let s = KzgSettings::mainnet(e.clone()).map_err(|e| BenchError::Other(format!("setup: {e}")))?;
        progress(format!("kzg setup on {kind}: {:.0} ms total ({})", t.elapsed().as_secs_f64() * 1e3, s.stats()));
        settings.push((*kind, s));
    }

    // Reference outputs from c-kzg, and the correctness gate for gloam.
    let ck_commits: Vec<c_kzg::Bytes48> =
        ck_blobs.iter().map(|b| ck.blob_to_kzg_commitment(b).expect("valid").to_bytes()).collect();
    let ck_proofs: Vec<c_kzg::Bytes48> = ck_blobs
        .iter()
        .zip(&ck_commits)
        .map(|(b, c)| ck.compute_blob_kzg_proof(b, c).expect("valid").to_bytes())
        .collect();
    let commits: Vec<Bytes48> = ck_commits.iter().map(|c| Bytes48::from_bytes(c.as_slice()).expect("48")).collect();
    let proofs: Vec<Bytes48> = ck_proofs.iter().map(|c| Bytes48::from_bytes(c.as_slice()).expect("48")).collect();
    for (kind, s) in &settings {
        let c = s.blob_to_kzg_commitment(&blobs[0]).map_err(|e| BenchError::Other(e.to_string()))?;
        let p = s.compute_blob_kzg_proof(&blobs[0], &commits[0]).map_err(|e| BenchError::Other(e.to_string()))?;
        if c.as_bytes()[..] != ck_commits[0].as_slice()[..] || p.as_bytes()[..] != ck_proofs[0].as_slice()[..] {
            return Err(BenchError::WrongResult { op: "kzg".into(), size: 1, backend: *kind });
        }
        if !s.verify_blob_kzg_proof_batch(&blobs, &commits, &proofs).map_err(|e| BenchError::Other(e.to_string()))? {
            return Err(BenchError::WrongResult {
                op: "verify_blob_kzg_proof_batch".into(),
                size: batch,
                backend: *kind,
            });
        }
    }

    let mut records = Vec::new();
    let mut push = |op: &str, size: usize, results: Vec<(String, crate::Sample)>| {
        for (key, s) in results {
            let (impl_, backend) = key.split_once('/').expect("impl/backend");
            let device = device_for(engines, backend, &cpu_dev);
            records.push(Record::new("kzg", op, size as u64, impl_, backend, &device, &s));
        }
    };

    progress("blob_to_kzg_commitment");
    let mut il = Interleaved::default();
    for (kind, s) in &settings {
        let b = &blobs[0];
        il.add(format!("gloam/{kind}"), move || {
            let _ = std::hint::black_box(s.blob_to_kzg_commitment(b).unwrap());
        });
    }
    let cb = &ck_blobs[0];
    il.add("c-kzg/cpu", move || {
        let _ = std::hint::black_box(ck.blob_to_kzg_commitment(cb).unwrap());
    });
    push("blob_to_kzg_commitment", 1, il.run(opts.samples));

    progress(format!("blob_to_kzg_commitment × {batch} (batch entry point)"));
    let mut il = Interleaved::default();
    for (kind, s) in &settings {
        let bs = &blobs;
        il.add(format!("gloam/{kind}"), move || {
            let _ = std::hint::black_box(s.blob_to_kzg_commitment_batch(bs));
        });
    }
    let cbs = &ck_blobs;
    il.add("c-kzg/cpu", move || {
        for b in cbs {
            let _ = std::hint::black_box(ck.blob_to_kzg_commitment(b).unwrap());
        }
    });
    push("blob_to_kzg_commitment_batch", batch, il.run(opts.samples.min(3)));

    progress("compute_blob_kzg_proof");
    let mut il = Interleaved::default();
    for (kind, s) in &settings {
        let (b, c) = (&blobs[0], &commits[0]);
        il.add(format!("gloam/{kind}"), move || {
            let _ = std::hint::black_box(s.compute_blob_kzg_proof(b, c).unwrap());
        });
    }
    let (cb, cc) = (&ck_blobs[0], &ck_commits[0]);
    il.add("c-kzg/cpu", move || {
        let _ = std::hint::black_box(ck.compute_blob_kzg_proof(cb, cc).unwrap());
    });
    push("compute_blob_kzg_proof", 1, il.run(opts.samples));

    progress("verify_blob_kzg_proof");
    let mut il = Interleaved::default();
    for (kind, s) in &settings {
        let (b, c, p) = (&blobs[0], &commits[0], &proofs[0]);
        il.add(format!("gloam/{kind}"), move || {
            assert!(s.verify_blob_kzg_proof(b, c, p).unwrap());
        });
    }
    let (cp,) = (&ck_proofs[0],);
    il.add("c-kzg/cpu", move || {
        assert!(ck.verify_blob_kzg_proof(cb, cc, cp).unwrap());
    });
    push("verify_blob_kzg_proof", 1, il.run(opts.samples));

    progress(format!("verify_blob_kzg_proof_batch × {batch}"));
    let mut il = Interleaved::default();
    for (kind, s) in &settings {
        let (b, c, p) = (&blobs, &commits, &proofs);
        il.add(format!("gloam/{kind}"), move || {
            assert!(s.verify_blob_kzg_proof_batch(b, c, p).unwrap());
        });
    }
    let (cbs, ccs, cps) = (&ck_blobs, &ck_commits, &ck_proofs);
    il.add("c-kzg/cpu", move || {
        assert!(ck.verify_blob_kzg_proof_batch(cbs, ccs, cps).unwrap());
    });
    push("verify_blob_kzg_proof_batch", batch, il.run(opts.samples.min(3)));

    progress("compute_cells_and_kzg_proofs");
    for (kind, s) in &settings {
        let (_, gp) = s.compute_cells_and_kzg_proofs(&blobs[0]).map_err(|e| BenchError::Other(e.to_string()))?;
        let (_, cp) = ck.compute_cells_and_kzg_proofs(&ck_blobs[0]).expect("valid");
        if gp.iter().zip(cp.iter()).any(|(a, b)| a.as_bytes()[..] != b.to_bytes().as_slice()[..]) {
            return Err(BenchError::WrongResult { op: "compute_cells_and_kzg_proofs".into(), size: 1, backend: *kind });
        }
    }
    let mut il = Interleaved::default();
    for (kind, s) in &settings {
        let b = &blobs[0];
        il.add(format!("gloam/{kind}"), move || {
            let _ = std::hint::black_box(s.compute_cells_and_kzg_proofs(b).unwrap());
        });
    }
    il.add("c-kzg/cpu", move || {
        let _ = std::hint::black_box(ck.compute_cells_and_kzg_proofs(cb).unwrap());
    });
    push("compute_cells_and_kzg_proofs", 1, il.run(opts.samples.min(3)));
    Ok(records)
}
