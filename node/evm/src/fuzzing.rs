//! Fuzz target bodies for everything the node decodes from the network or from files, shared by
//! the cargo-fuzz crate (`node/evm/fuzz`) and by `tests/fuzz_bodies.rs`, which runs them on
//! stable over seeded mutations so CI exercises them. Each takes arbitrary bytes and must never
//! panic; where a round trip exists it is asserted.

use std::sync::{Arc, OnceLock};

use alloy_consensus::TxEnvelope;
use alloy_eips::eip2718::{Decodable2718, Encodable2718};

use crate::chain::{Chain, ChainConfig};
use crate::genesis::{dev_genesis, DEV_CHAIN_ID, DEV_GAS_LIMIT};
use crate::rpc::RpcContext;

struct Harness {
    chain: Arc<Chain>,
    rpc: jsonrpsee::RpcModule<RpcContext>,
    rt: tokio::runtime::Runtime,
}

fn harness() -> &'static Harness {
    static H: OnceLock<Harness> = OnceLock::new();
    H.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("gloam-evm-fuzz-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let cfg = ChainConfig { datadir: dir, pool: Default::default(), block_cache: 8 };
        let chain = Chain::open(cfg, dev_genesis(DEV_CHAIN_ID, 10, DEV_GAS_LIMIT)).expect("fuzz chain");
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("runtime");
        let rpc = {
            let _g = rt.enter();
            crate::rpc::module(chain.clone(), vec![crate::genesis::dev_signer(0)]).expect("rpc module")
        };
        Harness { chain, rpc, rt }
    })
}

/// Raw transactions (`eth_sendRawTransaction`): decoding and every admission check. A decoded
/// transaction re-encodes to the same bytes.
pub fn raw_transaction(data: &[u8]) {
    if let Ok(tx) = TxEnvelope::decode_2718_exact(data) {
        assert_eq!(tx.encoded_2718(), data, "EIP-2718 round trip");
    }
    let _ = harness().chain.submit_raw(data);
}

/// Chain files (`gloam node import`) and block import: decoding, then full validation.
pub fn chain_file(data: &[u8]) {
    let h = harness();
    if let Ok(blocks) = crate::rlp_file::decode_blocks(data) {
        for b in blocks {
            let _ = h.chain.import_block(b);
        }
    }
}

/// JSON-RPC requests (single or batch) through the real method table.
pub fn rpc_request(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = rpc_response(text);
}

/// The response the harness's method table gives to one request (tests check the fuzz harness
/// is live with it).
pub fn rpc_response(text: &str) -> Option<String> {
    let h = harness();
    h.rt.block_on(h.rpc.raw_json_request(text, 1)).ok().map(|(resp, _)| resp.to_string())
}

/// The harness chain's head (tests check that fuzzed imports never corrupt it).
pub fn harness_head() -> u64 {
    harness().chain.head_number()
}
