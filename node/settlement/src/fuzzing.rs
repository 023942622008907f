//! Fuzz bodies for everything the settlement node decodes from outside: blocks (network form),
//! pooled transactions (`eth_sendRawTransaction`, both sidecar forms), blob sidecars alone
//! (EIP-4844 and EIP-7594 RLP), stored blob records, and JSON-RPC requests. `tests/fuzz_bodies.rs`
//! runs them on seeded mutations of valid inputs. Each takes arbitrary bytes and must never
//! panic; where a round trip exists it is asserted, and a refused block must leave the chain
//! untouched.

use std::sync::{Arc, OnceLock};

use alloy_eips::eip2718::Encodable2718;

use crate::chain::{Genesis, Settlement, SettlementConfig};
use crate::types::{decode_net_tx, BlobRecord, Block, Sidecar};

struct Harness {
    settlement: Arc<Settlement>,
    rpc: jsonrpsee::RpcModule<crate::rpc::RpcContext>,
    rt: tokio::runtime::Runtime,
}

fn harness() -> &'static Harness {
    static H: OnceLock<Harness> = OnceLock::new();
    H.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("gloam-settlement-fuzz-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let settlement = Settlement::open(SettlementConfig::dev(dir), Genesis::dev()).expect("fuzz chain");
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("runtime");
        let rpc = {
            let _g = rt.enter();
            crate::rpc::module(settlement.clone()).expect("rpc module")
        };
        Harness { settlement, rpc, rt }
    })
}

/// The harness chain (tests use it to build valid inputs for the bodies).
pub fn harness_settlement() -> Arc<Settlement> {
    harness().settlement.clone()
}

/// Blocks in network form: decoding (round trip) and full verification. A refused block is
/// neither kept nor finalized.
pub fn block(data: &[u8]) {
    if let Ok(b) = Block::decode(data) {
        assert_eq!(b.encode(), data, "block round trip");
    }
    let s = &harness().settlement;
    let before = (s.last_finalized_height(), s.pending_blocks().len());
    if s.verify_block(data).is_err() {
        assert_eq!((s.last_finalized_height(), s.pending_blocks().len()), before, "a refused block changed the chain");
    }
}

/// Raw pooled transactions: decoding (round trip) and every admission check.
pub fn pooled_tx(data: &[u8]) {
    if let Ok(tx) = decode_net_tx(data) {
        assert_eq!(tx.encoded_2718(), data, "network-form round trip");
    }
    let _ = harness().settlement.submit_raw(data);
}

/// A blob sidecar as an RLP list (`[blobs, commitments, proofs]` or
/// `[1, blobs, commitments, cell_proofs]`): strict decoding (round trip), then the verification
/// items and their cache keys of whatever decoded.
pub fn sidecar(data: &[u8]) {
    let mut buf = data;
    if let Ok(sc) = <Sidecar as alloy_rlp::Decodable>::decode(&mut buf) {
        if buf.is_empty() {
            assert_eq!(alloy_rlp::encode(&sc), data, "sidecar round trip");
        }
        for r in crate::blobs::refs(&sc) {
            let _ = crate::blobs::triple_key(&r);
        }
    }
}

/// A stored blob record (either proof form): strict decoding with a round trip, and its JSON.
pub fn blob_record(data: &[u8]) {
    let mut buf = data;
    if let Ok(r) = <BlobRecord as alloy_rlp::Decodable>::decode(&mut buf) {
        if buf.is_empty() {
            assert_eq!(alloy_rlp::encode(&r), data, "blob record round trip");
        }
        let _ = crate::rpc::blob_json(&r);
    }
}

/// `registerValidator` calldata: the ABI decoder never panics, and whatever it accepts has the
/// documented sizes and re-encodes canonically to calldata that decodes to the same keys.
pub fn register_calldata(data: &[u8]) {
    let mut input = crate::params::selector(crate::params::SIG_REGISTER_VALIDATOR).to_vec();
    input.extend_from_slice(data);
    if let Ok(k) = crate::exec::decode_register(&input) {
        assert_eq!((k.bls_public.len(), k.bls_pop.len()), (48, 96));
        let ep = std::str::from_utf8(&k.endpoint).expect("accepted endpoint is UTF-8");
        let again = crate::testutil::register_input(k.identity, &k.bls_public, &k.bls_pop, ep);
        assert_eq!(crate::exec::decode_register(&again).as_ref(), Ok(&k), "canonical re-encoding");
    }
}

/// JSON-RPC requests (single or batch) through the real method table.
pub fn rpc_request(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = rpc_response(text);
}

/// The response the harness gives to one request.
pub fn rpc_response(text: &str) -> Option<String> {
    let h = harness();
    h.rt.block_on(h.rpc.raw_json_request(text, 1)).ok().map(|(resp, _)| resp.to_string())
}
