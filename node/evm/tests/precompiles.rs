//! The ECRECOVER (0x01) and KZG point-evaluation (0x0a) precompiles run through gloam's engine
//! via revm's `install_crypto` hook: results are right and the engine's counters move.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use alloy_primitives::{address, Address, Bytes, TxKind, U256};
use gloam_evm::chain::{CallError, Chain, ChainConfig};
use gloam_evm::genesis::{dev_genesis, dev_signer, DEV_CHAIN_ID, DEV_GAS_LIMIT};
use revm::context::TxEnv;
use sha2::Digest;

/// From the official KZG vectors: verify_kzg_proof_case_correct_proof_2_3 (output: true).
const COMMITMENT: &str =
    "a421e229565952cfff4ef3517100a97da1d4fe57956fa50a442f92af03b1bf37adacc8ad4ed209b31287ea5bb94d9d06";
const Z: &str = "5eb7004fe57383e6c88b99d839937fddf3f99279353aaf8d5c9a75f91ce33c62";
const Y: &str = "5ee1e9a4a06a02ca6ea14b0ca73415a8ba0fba888f18dde56df499b480d4b9e0";
const PROOF: &str = "a1fcd37a924af9ec04143b44853c26f6b0738f6e15a3e0755057e7d5460406c7e148adb0e2d608982140d0ae42fe0b3b";

fn point_eval_input(flip_proof: bool) -> Vec<u8> {
    let c = hex::decode(COMMITMENT).unwrap();
    let mut vh = sha2::Sha256::digest(&c).to_vec();
    vh[0] = 0x01;
    let mut input = vh;
    input.extend(hex::decode(Z).unwrap());
    input.extend(hex::decode(Y).unwrap());
    input.extend(&c);
    let mut proof = hex::decode(PROOF).unwrap();
    if flip_proof {
        proof[47] ^= 1;
    }
    input.extend(proof);
    input
}

fn call(chain: &Chain, to: Address, data: Vec<u8>) -> Result<Bytes, CallError> {
    let env = TxEnv {
        caller: dev_signer(0).address(),
        kind: TxKind::Call(to),
        data: data.into(),
        gas_limit: 1_000_000,
        chain_id: Some(DEV_CHAIN_ID),
        ..Default::default()
    };
    chain.call(env, None)
}

#[test]
fn precompiles_run_through_the_engine() {
    let stats = gloam_evm::crypto::install(Arc::new(gloam_engine::Engine::cpu_only())).expect("install the provider");
    let dir = tempfile::tempdir().unwrap();
    let cfg = ChainConfig { datadir: dir.path().to_path_buf(), pool: Default::default(), block_cache: 4 };
    let chain = Chain::open(cfg, dev_genesis(DEV_CHAIN_ID, 10, DEV_GAS_LIMIT)).unwrap();

    // 0x0a: valid proof → 4096 ‖ BLS modulus; a flipped proof fails the call.
    let before = stats.kzg_verifications.load(Ordering::Relaxed);
    let out = call(&chain, address!("0x000000000000000000000000000000000000000a"), point_eval_input(false)).unwrap();
    let mut want = U256::from(4096u64).to_be_bytes::<32>().to_vec();
    want.extend(hex::decode("73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001").unwrap());
    assert_eq!(out.to_vec(), want);
    assert!(call(&chain, address!("0x000000000000000000000000000000000000000a"), point_eval_input(true)).is_err());
    assert_eq!(stats.kzg_verifications.load(Ordering::Relaxed), before + 2, "both went through gloam-kzg");

    // 0x01: recover the signer of a hash signed with dev key 0.
    use alloy_signer::SignerSync;
    let msg = alloy_primitives::keccak256(b"gloam ecrecover");
    let sig = dev_signer(0).sign_hash_sync(&msg).unwrap();
    let mut input = msg.to_vec();
    input.extend(U256::from(27 + sig.v() as u64).to_be_bytes::<32>());
    input.extend(sig.r().to_be_bytes::<32>());
    input.extend(sig.s().to_be_bytes::<32>());
    let before = stats.ecrecovers.load(Ordering::Relaxed);
    let out = call(&chain, address!("0x0000000000000000000000000000000000000001"), input.clone()).unwrap();
    assert_eq!(&out[12..], dev_signer(0).address().as_slice());
    assert_eq!(stats.ecrecovers.load(Ordering::Relaxed), before + 1);
    // A bad recovery id yields empty output (the precompile's failure mode), not an error.
    input[63] = 29;
    let out = call(&chain, address!("0x0000000000000000000000000000000000000001"), input).unwrap();
    assert!(out.is_empty());
}
