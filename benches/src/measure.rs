//! Timing: medians over samples, with implementations interleaved so that drift in machine load
//! hits all of them alike.

use std::time::Instant;

/// Summary of one implementation's samples, in milliseconds.
#[derive(Clone, Debug)]
pub struct Sample {
    pub median_ms: f64,
    pub min_ms: f64,
    pub max_ms: f64,
    pub samples: usize,
}

impl Sample {
    pub fn from_times(mut t: Vec<f64>) -> Sample {
        t.sort_by(|a, b| a.partial_cmp(b).expect("finite"));
        let n = t.len();
        let median = if n % 2 == 1 { t[n / 2] } else { (t[n / 2 - 1] + t[n / 2]) / 2.0 };
        Sample { median_ms: median, min_ms: t[0], max_ms: t[n - 1], samples: n }
    }
}

/// Times `f` `samples` times (after one warm-up call).
pub fn measure(samples: usize, mut f: impl FnMut()) -> Sample {
    f();
    let times = (0..samples.max(1))
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    Sample::from_times(times)
}

/// Several implementations of the same operation, measured round-robin.
#[derive(Default)]
pub struct Interleaved<'a> {
    entries: Vec<(String, Box<dyn FnMut() + 'a>)>,
}

impl<'a> Interleaved<'a> {
    pub fn add(&mut self, key: impl Into<String>, f: impl FnMut() + 'a) {
        self.entries.push((key.into(), Box::new(f)));
    }

    /// One warm-up per entry, then `samples` rounds; returns (key, sample) in insertion order.
    pub fn run(mut self, samples: usize) -> Vec<(String, Sample)> {
        for (_, f) in self.entries.iter_mut() {
            f();
        }
        let mut times: Vec<Vec<f64>> = vec![Vec::new(); self.entries.len()];
        for _ in 0..samples.max(1) {
            for (i, (_, f)) in self.entries.iter_mut().enumerate() {
                let t = Instant::now();
                f();
                times[i].push(t.elapsed().as_secs_f64() * 1e3);
            }
        }
        self.entries.into_iter().zip(times).map(|((k, _), t)| (k, Sample::from_times(t))).collect()
    }
}
