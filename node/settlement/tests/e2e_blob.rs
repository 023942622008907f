//! web3.py 8 + eth-account (ckzg) against the settlement RPC: `node/clients/e2e_blob.py` sends a
//! blob transaction to BATCH_INBOX exactly as eth-account 0.14 signs it (the EIP-7594 cell-proof
//! form, unmodified), waits for the receipt and reads the blob back; then a second one re-wrapped
//! into the EIP-4844 form (test-only) to cover that form too. Needs the venv
//! `node/clients/.venv` (`bash ci/clients.sh`); without it the test FAILS under `CI=true` and
//! prints a loud SKIP otherwise.

use std::path::PathBuf;
use std::time::Duration;

use alloy_primitives::Address;
use gloam_settlement::{DevProducer, Genesis, Settlement, SettlementConfig};

#[test]
fn web3py_sends_and_reads_back_a_blob() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../clients");
    let python = root.join(".venv/bin/python");
    let script = root.join("e2e_blob.py");
    if !python.exists() {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("CI=true but {} is missing: run `bash ci/clients.sh`", python.display());
        }
        eprintln!(
            "\n*** SKIP web3py_sends_and_reads_back_a_blob: {} missing (bash ci/clients.sh) ***\n",
            python.display()
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let s = Settlement::open(SettlementConfig::dev(dir.path()), Genesis::dev()).unwrap();
    let producer = DevProducer::start(s.clone(), Duration::from_millis(500), Address::repeat_byte(0xc0), true);
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let (handle, addr) = rt.block_on(gloam_settlement::rpc::start(s.clone(), "127.0.0.1:0".parse().unwrap())).unwrap();
    let out =
        std::process::Command::new(&python).arg(&script).arg(format!("http://{addr}")).output().expect("run python");
    let stdout = String::from_utf8_lossy(&out.stdout);
    eprintln!("{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "e2e_blob.py failed");
    assert!(stdout.contains("OK: blob transaction sent with web3.py exactly as eth-account signed it"));
    assert!(stdout.contains("OK: EIP-4844-form blob transaction"));
    // Both blobs are in the node's storage, each with its proof form.
    let recs: Vec<_> = s.sidecar_heights().unwrap().iter().flat_map(|h| s.blobs_at(*h).unwrap()).collect();
    assert_eq!(recs.len(), 2);
    assert!(matches!(&recs[0].proof, gloam_settlement::types::BlobProof::Cells(p) if p.len() == 128));
    assert!(matches!(recs[1].proof, gloam_settlement::types::BlobProof::Blob(_)));
    handle.stop().unwrap();
    producer.stop();
}
