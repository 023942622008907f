//! End-to-end tests of the `gloam` binary: what a user types, what they get back.

use std::path::PathBuf;
use std::process::Command;

fn gloam() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_gloam"));
    c.env("GLOAM_LOG", "error");
    c
}

fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/vectors/kzg")
}

#[test]
fn devices_reports_every_backend_with_a_reason() {
    let out = gloam().args(["devices", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let backends = v["backends"].as_array().unwrap();
    let names: Vec<&str> = backends.iter().map(|b| b["backend"].as_str().unwrap()).collect();
    assert_eq!(names, ["cpu", "cuda", "webgpu"]);
    assert_eq!(backends[0]["available"], true);
    for b in backends {
        if b["available"] == false {
            assert!(!b["reason"].as_str().unwrap().is_empty(), "a missing backend says why: {b}");
        }
    }
    // The human form names the same backends.
    let text = gloam().arg("devices").output().unwrap();
    let s = String::from_utf8_lossy(&text.stdout);
    assert!(s.contains("cpu") && s.contains("cuda") && s.contains("webgpu"), "{s}");
}

#[test]
fn bench_json_records_have_the_shared_format() {
    let out = gloam()
        // One thread: blst's single-threaded C entry point, a fair peer whatever this binary's
        // blst features are (see `bench_msm_refuses_a_blst_without_its_pool`).
        .args(["bench", "msm", "--sizes", "6", "--samples", "1", "--json", "--backends", "cpu", "--threads", "1"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let mut impls = Vec::new();
    for line in text.lines() {
        let r: serde_json::Value = serde_json::from_str(line).unwrap();
        for k in ["area", "op", "size", "impl", "backend", "device", "median_ms", "min_ms", "max_ms", "samples"] {
            assert!(!r[k].is_null(), "missing {k} in {line}");
        }
        assert_eq!(r["area"], "msm");
        assert!(r["median_ms"].as_f64().unwrap() >= r["min_ms"].as_f64().unwrap());
        impls.push(r["impl"].as_str().unwrap().to_string());
    }
    for want in ["gloam", "blst", "arkworks"] {
        assert!(impls.iter().any(|i| i == want), "peer {want} measured in the same run: {impls:?}");
    }
}

/// The `gloam` binary links commonware, so its blst has no thread pool (`no-threads` unified in).
/// A multi-threaded `msm` comparison must then not be reported against that weakened blst: it is
/// handed to a standalone `gloam-bench` next to the binary (which refuses the same way when it was
/// built in the same cargo invocation), or refused — exit 2 with instructions, no records.
#[test]
fn bench_msm_refuses_a_blst_without_its_pool() {
    let out = gloam()
        .args(["bench", "msm", "--sizes", "6", "--samples", "1", "--json", "--backends", "cpu"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("no-threads") && stderr.contains("gloam-bench"), "{stderr}");
    assert!(out.stdout.is_empty(), "no records from a weakened peer: {}", String::from_utf8_lossy(&out.stdout));
}

#[test]
fn bench_unknown_area_is_a_usage_error() {
    let out = gloam().args(["bench", "nope"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown bench area"));
}

#[test]
fn bad_backend_selection_is_a_usage_error() {
    let out = gloam().args(["--backend", "tpu", "devices"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn kzg_test_vectors_pass_and_failures_exit_nonzero() {
    let out = gloam().args(["kzg", "test-vectors"]).arg(vectors_dir()).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("verify_cell_kzg_proof_batch"), "{text}");

    // An unknown function folder, or an unparseable case, is a failure.
    let dir = std::env::temp_dir().join(format!("gloam-kzg-bad-{}", std::process::id()));
    let case = dir.join("no_such_function/case_0");
    std::fs::create_dir_all(&case).unwrap();
    std::fs::write(case.join("data.yaml"), "input: {}\noutput: null\n").unwrap();
    let bad_case = dir.join("blob_to_kzg_commitment/broken");
    std::fs::create_dir_all(&bad_case).unwrap();
    std::fs::write(bad_case.join("data.yaml"), "this is: [not valid\n").unwrap();
    let out = gloam().args(["kzg", "test-vectors"]).arg(&dir).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stdout));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn kzg_commit_prove_verify_round_trip() {
    // The all-2s blob from the spec vectors (valid_blob_1), written as a raw file.
    let dir = std::env::temp_dir().join(format!("gloam-kzg-rt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut blob = vec![0u8; 131072];
    for i in 0..4096 {
        blob[32 * i + 31] = 2;
    }
    let path = dir.join("blob.bin");
    std::fs::write(&path, &blob).unwrap();
    let out = gloam().args(["kzg", "prove"]).arg(&path).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let (c, p) = (v["commitment"].as_str().unwrap(), v["proof"].as_str().unwrap());
    let ok = gloam().args(["kzg", "verify", "--commitment", c, "--proof", p]).arg(&path).output().unwrap();
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stdout));
    // A proof for a different blob does not verify: exit 1, valid=false.
    blob[31] = 3;
    std::fs::write(&path, &blob).unwrap();
    let bad = gloam().args(["kzg", "verify", "--commitment", c, "--proof", p]).arg(&path).output().unwrap();
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stdout).contains("false"));
    // Malformed input is a typed usage error (exit 2), not a panic.
    let short = gloam().args(["kzg", "commit", "0x0102"]).output().unwrap();
    assert_eq!(short.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&short.stderr).contains("error"), "{}", String::from_utf8_lossy(&short.stderr));
    std::fs::remove_dir_all(&dir).ok();
}
