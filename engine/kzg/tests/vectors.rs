//! The official consensus-spec-tests `kzg-mainnet` vectors (shared/vectors/kzg): every function
//! folder must be present and every case must pass.

use std::path::PathBuf;
use std::sync::Arc;

use gloam_engine::Engine;
use gloam_kzg::{run_test_vectors, vectors::KNOWN_FUNCTIONS, KzgSettings};

fn vectors_dir() -> PathBuf {
    if let Ok(d) = std::env::var("GLOAM_KZG_VECTORS") {
        return PathBuf::from(d);
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors/kzg")
}

#[test]
fn official_vectors_all_pass() {
    let dir = vectors_dir();
    assert!(dir.is_dir(), "vector directory {} not found (set GLOAM_KZG_VECTORS)", dir.display());
    // The engine from GLOAM_* (GLOAM_BACKEND=cuda|webgpu runs the vectors on a GPU backend).
    let engine = Engine::from_env().expect("engine from GLOAM_* environment");
    let settings = KzgSettings::mainnet(Arc::new(engine)).expect("mainnet setup");
    let report = run_test_vectors(&dir, &settings);
    println!("{report}");
    for f in KNOWN_FUNCTIONS {
        let r = report.functions.get(f).unwrap_or_else(|| panic!("function folder {f} missing"));
        assert!(r.passed > 0, "{f}: no cases ran");
    }
    assert!(report.all_passed(), "{report}");
}

#[test]
fn runner_counts_unknown_and_broken_cases_as_failures() {
    let tmp = std::env::temp_dir().join(format!("gloam-kzg-vectors-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let mk = |rel: &str, body: &str| {
        let p = tmp.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, body).unwrap();
    };
    mk("no_such_function/case_a/data.yaml", "input: {}\noutput: true\n");
    mk("verify_kzg_proof/broken_yaml/data.yaml", "input: [unclosed\n");
    mk("verify_kzg_proof/missing_field/data.yaml", "input:\n  z: '0x00'\noutput: null\n");
    // Wrong-length z: the call fails, which is right because the output is null.
    mk(
        "verify_kzg_proof/short_z/data.yaml",
        "input:\n  commitment: '0xc00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000'\n  z: '0x00'\n  y: '0x0000000000000000000000000000000000000000000000000000000000000000'\n  proof: '0xc00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000'\noutput: null\n",
    );
    // Same input claiming success: must fail.
    mk(
        "verify_kzg_proof/short_z_claims_true/data.yaml",
        "input:\n  commitment: '0xc00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000'\n  z: '0x00'\n  y: '0x0000000000000000000000000000000000000000000000000000000000000000'\n  proof: '0xc00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000'\noutput: true\n",
    );
    let settings = KzgSettings::mainnet_with(
        Arc::new(Engine::cpu_only()),
        gloam_kzg::SetupOptions { verify: false, commit_table: false, fk20_eager: false },
    )
    .unwrap();
    let report = run_test_vectors(&tmp, &settings);
    println!("{report}");
    assert_eq!(report.functions["no_such_function"].failures.len(), 1);
    let v = &report.functions["verify_kzg_proof"];
    assert_eq!(v.passed, 1, "{report}");
    assert_eq!(v.failures.len(), 3, "{report}");
    assert!(!report.all_passed());
    let _ = std::fs::remove_dir_all(&tmp);
}
