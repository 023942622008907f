//! `gloam bench msm`: variable-base and fixed-base G1 MSM, gloam (every backend) against
//! arkworks and blst.

use ark_ec::VariableBaseMSM;
use gloam_engine::{testkit, BackendKind, G1Projective};

use super::peers::{ark_compressed, blst_compressed, BlstFixed, BlstMsm};
use super::{cpu_device, Engines};
use crate::{progress, BenchError, BenchOptions, Interleaved, Record};

pub fn run(opts: &BenchOptions, engines: &Engines) -> Result<Vec<Record>, BenchError> {
    let logs = if opts.log_sizes.is_empty() { vec![10, 12, 14, 16] } else { opts.log_sizes.clone() };
    let single = opts.threads == Some(1);
    let mut records = Vec::new();
    let cpu_dev = cpu_device();
    for &k in &logs {
        let n = 1usize << k;
        progress(format!("msm 2^{k}: generating {n} points"));
        let bases = testkit::random_points(n, 1000 + k as u64);
        let scalars = testkit::random_scalars(n, 2000 + k as u64);
        let expected = ark_compressed(&G1Projective::msm(&bases, &scalars).expect("lengths"));

        // Correctness gate for every implementation before any timing.
        for (kind, e, _) in &engines.list {
            let got = ark_compressed(&e.msm(&bases, &scalars).expect("valid input"));
            if got != expected {
                return Err(BenchError::WrongResult { op: "msm".into(), size: n, backend: *kind });
            }
        }
        let blst = opts.peers.then(|| BlstMsm::new(&bases, &scalars));
        if let Some(b) = &blst {
            let got = if single { b.mult_single() } else { b.mult_threaded() };
            assert_eq!(blst_compressed(&got), expected, "blst disagrees with arkworks");
        }

        progress(format!("msm 2^{k}: timing"));
        let mut il = Interleaved::default();
        for (kind, e, _) in &engines.list {
            let (b, s) = (&bases, &scalars);
            il.add(format!("gloam/{kind}"), move || {
                let _ = std::hint::black_box(e.msm(b, s).unwrap());
            });
        }
        if let Some(b) = &blst {
            il.add("blst/cpu", move || {
                let _ = std::hint::black_box(if single { b.mult_single() } else { b.mult_threaded() });
            });
            let (bs, ss) = (&bases, &scalars);
            il.add("arkworks/cpu", move || {
                let _ = std::hint::black_box(G1Projective::msm(bs, ss).unwrap());
            });
        }
        for (key, s) in il.run(opts.samples) {
            let (impl_, backend) = key.split_once('/').expect("impl/backend");
            let device = device_for(engines, backend, &cpu_dev);
            records.push(Record::new("msm", "msm", n as u64, impl_, backend, &device, &s));
        }

        // Fixed base: gloam's resident tables against blst's wbits tables (c-kzg's method).
        if k <= 16 {
            let mut tables = Vec::new();
            for (kind, e, _) in &engines.list {
                let t = e.prepare_fixed_base(&bases).expect("valid");
                let got = ark_compressed(&t.msm(&scalars).expect("valid"));
                if got != expected {
                    return Err(BenchError::WrongResult { op: "fixed-msm".into(), size: n, backend: *kind });
                }
                tables.push((*kind, t));
            }
            let fixed = opts.peers.then(|| BlstFixed::new(&bases, &scalars, 8));
            let mut il = Interleaved::default();
            for (kind, t) in &tables {
                let s = &scalars;
                il.add(format!("gloam/{kind}"), move || {
                    let _ = std::hint::black_box(t.msm(s).unwrap());
                });
            }
            if let Some(f) = &fixed {
                progress(format!("fixed-msm 2^{k}: blst wbits=8 table {} KiB", f.table_bytes() / 1024));
                assert_eq!(blst_compressed(&f.mult()), expected, "blst wbits disagrees");
                il.add("blst/cpu", move || {
                    let _ = std::hint::black_box(f.mult());
                });
            }
            for (key, s) in il.run(opts.samples) {
                let (impl_, backend) = key.split_once('/').expect("impl/backend");
                let device = device_for(engines, backend, &cpu_dev);
                records.push(Record::new("msm", "fixed-msm", n as u64, impl_, backend, &device, &s));
            }
        }
    }
    Ok(records)
}

pub(crate) fn device_for(engines: &Engines, backend: &str, cpu_dev: &str) -> String {
    match backend.parse::<BackendKind>() {
        Ok(BackendKind::Cpu) | Err(_) => cpu_dev.to_string(),
        Ok(k) => engines.list.iter().find(|(b, _, _)| *b == k).map(|(_, _, d)| d.clone()).unwrap_or_default(),
    }
}
