//! The shared record format and the human table.

use std::collections::BTreeMap;

use crate::Sample;

/// One measurement, in the format every `gloam bench` area prints with `--json`.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Record {
    pub area: String,
    pub op: String,
    pub size: u64,
    #[serde(rename = "impl")]
    pub impl_: String,
    pub backend: String,
    pub device: String,
    pub median_ms: f64,
    pub min_ms: f64,
    pub max_ms: f64,
    pub samples: usize,
}

impl Record {
    pub fn new(area: &str, op: &str, size: u64, impl_: &str, backend: &str, device: &str, s: &Sample) -> Record {
        Record {
            area: area.into(),
            op: op.into(),
            size,
            impl_: impl_.into(),
            backend: backend.into(),
            device: device.into(),
            median_ms: s.median_ms,
            min_ms: s.min_ms,
            max_ms: s.max_ms,
            samples: s.samples,
        }
    }

    /// `impl/backend`, e.g. `gloam/cuda`, `blst/cpu`.
    pub fn label(&self) -> String {
        format!("{}/{}", self.impl_, self.backend)
    }
}

fn fmt_size(n: u64) -> String {
    if n.is_power_of_two() && n >= 16 {
        format!("2^{}", n.trailing_zeros())
    } else {
        n.to_string()
    }
}

/// Prints one table per (area, op): rows are sizes, columns implementations, and for every
/// non-reference column the ratio `time / reference time` (below 1.0 means faster than the
/// reference). `reference` names the impl label to divide by, e.g. `blst/cpu`.
pub fn print_table(records: &[Record], reference: &str) {
    let mut by_op: BTreeMap<(String, String), Vec<&Record>> = BTreeMap::new();
    for r in records {
        by_op.entry((r.area.clone(), r.op.clone())).or_default().push(r);
    }
    for ((area, op), rs) in by_op {
        let mut labels: Vec<String> = Vec::new();
        for r in &rs {
            let l = r.label();
            if !labels.contains(&l) {
                labels.push(l);
            }
        }
        let mut sizes: Vec<u64> = rs.iter().map(|r| r.size).collect();
        sizes.sort();
        sizes.dedup();
        let reference = if labels.iter().any(|l| l == reference) {
            Some(reference)
        } else {
            crate::areas::REFERENCES.iter().copied().find(|r| labels.iter().any(|l| l == r))
        };
        println!("\n{area} · {op}   (median ms; ×ref = time ÷ {} time, < 1 is faster)", reference.unwrap_or("—"));
        let mut header = format!("{:>8}", "size");
        for l in &labels {
            header += &format!(" {:>16}", l);
            if reference.is_some() && Some(l.as_str()) != reference {
                header += &format!(" {:>6}", "×ref");
            }
        }
        println!("{header}");
        for s in sizes {
            let mut line = format!("{:>8}", fmt_size(s));
            let refv = reference.and_then(|rl| rs.iter().find(|r| r.size == s && r.label() == rl).map(|r| r.median_ms));
            for l in &labels {
                match rs.iter().find(|r| r.size == s && &r.label() == l) {
                    Some(r) => line += &format!(" {:>16.3}", r.median_ms),
                    None => line += &format!(" {:>16}", "—"),
                }
                if reference.is_some() && Some(l.as_str()) != reference {
                    let v = rs.iter().find(|r| r.size == s && &r.label() == l).map(|r| r.median_ms);
                    match (v, refv) {
                        (Some(v), Some(rv)) if rv > 0.0 => line += &format!(" {:>6.2}", v / rv),
                        _ => line += &format!(" {:>6}", "—"),
                    }
                }
            }
            println!("{line}");
        }
    }
}
