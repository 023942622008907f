//! `gloam bench ntt`: Fr NTT, gloam (every backend) against arkworks' `Radix2EvaluationDomain`.

use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use gloam_engine::{testkit, Fr, NttOp};

use super::msm::device_for;
use super::{cpu_device, Engines};
use crate::{progress, BenchError, BenchOptions, Interleaved, Record};

pub fn run(opts: &BenchOptions, engines: &Engines) -> Result<Vec<Record>, BenchError> {
    let logs = if opts.log_sizes.is_empty() { vec![10, 12, 14, 16, 18, 20] } else { opts.log_sizes.clone() };
    let cpu_dev = cpu_device();
    let mut records = Vec::new();
    for &k in &logs {
        let n = 1usize << k;
        let input = testkit::random_scalars(n, 3000 + k as u64);
        let domain = Radix2EvaluationDomain::<Fr>::new(n).expect("size");
        for (op_name, op) in [("ntt", NttOp::FORWARD), ("intt", NttOp::INVERSE)] {
            let expected = if op == NttOp::FORWARD { domain.fft(&input) } else { domain.ifft(&input) };
            for (kind, e, _) in &engines.list {
                let mut got = input.clone();
                e.ntt(&mut got, op).expect("valid");
                if got != expected {
                    return Err(BenchError::WrongResult { op: op_name.into(), size: n, backend: *kind });
                }
            }
            progress(format!("{op_name} 2^{k}: timing"));
            let mut il = Interleaved::default();
            for (kind, e, _) in &engines.list {
                let inp = &input;
                let mut buf = input.clone();
                il.add(format!("gloam/{kind}"), move || {
                    buf.copy_from_slice(inp);
                    e.ntt(&mut buf, op).unwrap();
                    let _ = std::hint::black_box(&buf);
                });
            }
            if opts.peers {
                let inp = &input;
                let d = &domain;
                let mut buf = input.clone();
                il.add("arkworks/cpu", move || {
                    buf.copy_from_slice(inp);
                    if op == NttOp::FORWARD {
                        d.fft_in_place(&mut buf)
                    } else {
                        d.ifft_in_place(&mut buf)
                    }
                    let _ = std::hint::black_box(&buf);
                });
            }
            for (key, s) in il.run(opts.samples) {
                let (impl_, backend) = key.split_once('/').expect("impl/backend");
                let device = device_for(engines, backend, &cpu_dev);
                records.push(Record::new("ntt", op_name, n as u64, impl_, backend, &device, &s));
            }
        }
    }
    Ok(records)
}
