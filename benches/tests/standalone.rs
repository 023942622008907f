//! The standalone `gloam-bench` binary measures blst with its own thread pool when it has one, and
//! refuses a multi-threaded blst comparison when feature unification took the pool away (e.g.
//! built in the same cargo invocation as the commonware-linked node). The test process and the
//! binary are built in the same invocation, so the detector here tells which case applies.

use gloam_bench::blst_threads::{blst_threading, BlstThreading};

#[test]
fn standalone_msm_uses_blsts_pool_or_refuses() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gloam-bench"))
        .args(["msm", "--sizes", "6", "--samples", "1", "--json", "--backends", "cpu"])
        .env("GLOAM_BACKEND", "cpu")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    match blst_threading() {
        BlstThreading::Pool(n) => {
            assert!(out.status.success(), "{stderr}");
            assert!(stderr.contains(&format!("blst's own thread pool ({n} threads)")), "{stderr}");
            let text = String::from_utf8(out.stdout).unwrap();
            assert!(text.lines().any(|l| l.contains(r#""impl":"blst""#)), "blst measured: {text}");
        }
        BlstThreading::Single => {
            assert_eq!(out.status.code(), Some(2), "{stderr}");
            assert!(stderr.contains("no-threads"), "{stderr}");
        }
    }
}
