//! Runs every fuzz body (`gloam_rollup::fuzzing`) over seeded mutations of valid inputs (a real
//! channel of real blocks, its frames and its blob) and random bytes. `GLOAM_TEST_SEED`
//! reproduces a run; the seed is printed.

mod common;

use gloam_rollup::batcher::plan_channel;
use gloam_rollup::frame::encode_frames;
use gloam_rollup::fuzzing;

fn seed() -> u64 {
    gloam_evm::fuzzing::test_seed(0x0a11_0b5e)
}

fn run(what: &str, seed: u64, corpus: &[Vec<u8>], cases: usize, body: fn(&[u8])) {
    gloam_evm::fuzzing::run_body(what, seed, corpus, cases, 400, body)
}

#[test]
fn decoders_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let chain = common::open_chain(dir.path());
    common::workload(&chain, 3);
    let plan = plan_channel(&chain, 1, 3, 0, 300).unwrap();
    assert!(plan.frames.len() >= 3);
    let container = encode_frames(&plan.frames);
    // The valid inputs really decode (the bodies are not stuck on an early error).
    assert_eq!(gloam_rollup::frame::decode_frames(&container).unwrap(), plan.frames);
    assert_eq!(gloam_rollup::channel::decode_channel(&plan.compressed, 1 << 20).unwrap().len(), 3);
    // Blob stream prefix (the encoded blob's first bytes, the rest is zero).
    let blob = plan.blobs[0].as_bytes();
    let used = blob.iter().rposition(|&b| b != 0).unwrap() + 1;
    let blob_prefix = blob[..used].to_vec();
    assert_eq!(gloam_rollup::blob::decode_blob(blob).unwrap(), container);

    let s = seed();
    run("blob", s, &[blob_prefix.clone(), vec![0, 0, 0, 0, 0, 1]], 4000, fuzzing::blob);
    run("frames", s, &[container.clone(), encode_frames(&plan.frames[..1])], 20_000, fuzzing::frames);
    run("channel", s, std::slice::from_ref(&plan.compressed), 10_000, fuzzing::channel);
    let mut bank_in = vec![3u8];
    for f in &plan.frames {
        bank_in.push(1);
        let mut e = Vec::new();
        f.encode(&mut e);
        bank_in.extend(e);
    }
    run("bank", s, &[bank_in], 20_000, fuzzing::bank);
    run("derive", s, &[blob_prefix], 3000, fuzzing::derive);

    let h = "0x1111111111111111111111111111111111111111111111111111111111111111";
    let a = "0x5e77000000000000000000000000000000000004";
    let block = format!(
        r#"{{"number":"0x2","hash":"{h}","parentHash":"{h}","transactions":[{{"hash":"{h}","type":"0x3","from":"{a}","to":"{a}","nonce":"0x0","input":"0x","blobVersionedHashes":["{h}"]}}]}}"#
    );
    let output = format!(r#"{{"outputRoot":"{h}","settlementBlock":"0x10","submitter":"{a}","txHash":"{h}"}}"#);
    let http = |b: &str| format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{b}", b.len()).into_bytes();
    let chunked =
        format!("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{output}\r\n0\r\n\r\n", output.len());
    // The corpus parses (the body is exercised past the framing).
    let v: serde_json::Value = serde_json::from_str(&block).unwrap();
    assert_eq!(gloam_rollup::rpc::parse_block(&v).unwrap().transactions[0].blob_versioned_hashes.len(), 1);
    run(
        "rpc_response",
        s,
        &[http(&block), http(&output), chunked.into_bytes(), block.into_bytes()],
        6000,
        fuzzing::rpc_response,
    );
}
