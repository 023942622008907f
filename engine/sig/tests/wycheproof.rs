//! The Wycheproof signature files (shared/vectors/wycheproof): every file must be present and
//! every test must pass, except the documented expected differences
//! (`gloam_sig::wycheproof::expected_differences`: tcId 151 of ed25519_test.json, which ZIP-215
//! accepts). Each file also runs as one batch whose verdicts must equal the single verdicts.

use std::path::PathBuf;

use gloam_sig::wycheproof;

fn vectors_dir() -> PathBuf {
    if let Ok(d) = std::env::var("GLOAM_WYCHEPROOF") {
        return PathBuf::from(d);
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors/wycheproof")
}

fn run(file: &str, expected_total: usize) {
    let path = vectors_dir().join(file);
    assert!(path.is_file(), "{} not found (set GLOAM_WYCHEPROOF)", path.display());
    let report = wycheproof::run_file(&path).unwrap();
    println!("{report}");
    assert_eq!(report.total, expected_total, "{file}: test count");
    assert!(report.ok(), "{report}");
}

#[test]
fn ed25519() {
    run("ed25519_test.json", 151);
    let report = wycheproof::run_file(&vectors_dir().join("ed25519_test.json")).unwrap();
    let ids: Vec<u64> = report.expected_differences.iter().map(|(id, _)| *id).collect();
    assert_eq!(ids, vec![151], "exactly the listed ZIP-215 difference occurs");
}

#[test]
fn ecdsa_secp256k1_der() {
    run("ecdsa_secp256k1_sha256_test.json", 476);
}

#[test]
fn ecdsa_secp256k1_p1363() {
    run("ecdsa_secp256k1_sha256_p1363_test.json", 252);
}

#[test]
fn ecdsa_secp256k1_bitcoin_low_s() {
    run("ecdsa_secp256k1_sha256_bitcoin_test.json", 463);
}

#[test]
fn bls_basic() {
    run("bls_sig_g2_basic_verify_test.json", 88);
}

#[test]
fn bls_pop() {
    run("bls_sig_g2_pop_verify_test.json", 26);
}

#[test]
fn bls_aggregate() {
    run("bls_sig_g2_aggregate_verify_test.json", 19);
}

#[test]
fn bls_hash_to_g2() {
    run("bls_hash_to_g2_test.json", 34);
}

#[test]
fn whole_directory() {
    let reports = wycheproof::run_dir(&vectors_dir()).unwrap();
    assert_eq!(reports.len(), wycheproof::KNOWN_FILES.len());
    assert!(reports.iter().all(|r| r.ok()));
}
