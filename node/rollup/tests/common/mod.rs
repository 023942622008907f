//! Shared test helpers: the KZG setup (loaded once), dev EVM chains in temp dirs with a
//! workload of transfers and a contract deploy/call, and a decoder of everything a batcher has
//! posted (to check exactly-once posting independently of the follower).
#![allow(dead_code)]

use std::sync::{Arc, OnceLock};

use alloy_primitives::{Address, Bytes, TxKind, U256};
use alloy_signer_local::PrivateKeySigner;
use gloam_evm::genesis::{dev_genesis, dev_signer, DEV_CHAIN_ID, DEV_GAS_LIMIT};
use gloam_evm::testutil::*;
use gloam_evm::{Chain, ChainConfig};
use gloam_kzg::{KzgSettings, SetupOptions};
use gloam_rollup::abi::BATCH_INBOX;
use gloam_rollup::blob::decode_blob;
use gloam_rollup::channel::{decode_channel, ChannelBank, MAX_RLP_BYTES_PER_CHANNEL};
use gloam_rollup::fake::FakeSettlement;
use gloam_rollup::frame::decode_frames;

pub fn kzg() -> Arc<KzgSettings> {
    static K: OnceLock<Arc<KzgSettings>> = OnceLock::new();
    K.get_or_init(|| {
        let engine = Arc::new(gloam_engine::Engine::cpu_only());
        let opts = SetupOptions { commit_table: true, fk20_eager: false, verify: false };
        Arc::new(KzgSettings::mainnet_with(engine, opts).expect("embedded setup"))
    })
    .clone()
}

pub fn open_chain(dir: &std::path::Path) -> Arc<Chain> {
    let cfg = ChainConfig { datadir: dir.to_path_buf(), pool: Default::default(), block_cache: 16 };
    Chain::open(cfg, dev_genesis(DEV_CHAIN_ID, 10, DEV_GAS_LIMIT)).expect("open chain")
}

pub fn batcher_key() -> PrivateKeySigner {
    test_signer(100)
}

pub fn mine(chain: &Chain) -> u64 {
    chain.produce_block(false).expect("produce").expect("a block").0.block.header.number
}

/// The token contract deployed by dev account 0's nonce-0 transaction.
pub fn token_address() -> Address {
    dev_signer(0).address().create(0)
}

/// Produces `blocks` blocks: block 1 deploys the GloamToken contract, every later block has
/// ETH transfers from accounts 1..=3 and a token transfer (a contract call).
pub fn workload(chain: &Chain, blocks: u64) {
    let a0 = dev_signer(0);
    let mut n0 = chain.nonce(&a0.address(), true);
    for b in 0..blocks {
        if chain.head_number() == 0 && b == 0 {
            let deploy = eip1559(
                &a0,
                DEV_CHAIN_ID,
                n0,
                TxKind::Create,
                U256::ZERO,
                token_deploy_input("Gloam", "GLM", U256::from(1_000_000u64)),
                3_000_000,
            );
            chain.submit_raw(&encode(&deploy)).expect("deploy admitted");
            n0 += 1;
        } else {
            for i in 1..=3u32 {
                let s = dev_signer(i);
                let n = chain.nonce(&s.address(), true);
                let to = dev_signer(i + 3).address();
                chain.submit_raw(&encode(&transfer(&s, DEV_CHAIN_ID, n, to, U256::from(1_000 + b)))).unwrap();
            }
            let call = eip1559(
                &a0,
                DEV_CHAIN_ID,
                n0,
                TxKind::Call(token_address()),
                U256::ZERO,
                token_transfer_input(dev_signer(9).address(), U256::from(7 + b)),
                100_000,
            );
            chain.submit_raw(&encode(&call)).unwrap();
            n0 += 1;
        }
        mine(chain);
    }
}

/// Blocks whose transactions carry `bytes` of pseudo-random calldata each (incompressible
/// channels that need several blobs).
pub fn bulky_blocks(chain: &Chain, blocks: u64, txs: u32, bytes: usize, seed: u64) {
    let mut x = seed.max(1);
    for _ in 0..blocks {
        for i in 0..txs {
            let s = dev_signer(i);
            let n = chain.nonce(&s.address(), true);
            let data: Vec<u8> = (0..bytes)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    x as u8
                })
                .collect();
            // EIP-7623 floor: 10 gas per token, 4 tokens per non-zero byte.
            let gas = 21_000 + 40 * bytes as u64 + 10_000;
            let tx = eip1559(
                &s,
                DEV_CHAIN_ID,
                n,
                TxKind::Call(Address::repeat_byte(0x42)),
                U256::ZERO,
                Bytes::from(data),
                gas,
            );
            chain.submit_raw(&encode(&tx)).expect("bulky tx admitted");
        }
        mine(chain);
    }
}

/// Every L2 block number carried by the mined blob transactions from `batcher` to the inbox,
/// in posting order (decoded with the crate's decoders, untampered data).
pub fn posted_l2_blocks(fake: &FakeSettlement, batcher: Address) -> Vec<u64> {
    let mut bank = ChannelBank::new(u64::MAX / 2);
    let mut out = Vec::new();
    for rec in fake.mined_blobs(batcher, BATCH_INBOX) {
        let payload = decode_blob(&rec.blob).expect("batcher blobs decode");
        for f in decode_frames(&payload).expect("batcher frames decode") {
            let (ready, errs) = bank.ingest(f, rec.block_number);
            assert!(errs.is_empty(), "{errs:?}");
            if let Some(ch) = ready {
                for b in decode_channel(&ch.data, MAX_RLP_BYTES_PER_CHANNEL).expect("channel decodes") {
                    out.push(b.header.number);
                }
            }
        }
    }
    out
}

/// Asserts two chains hold identical blocks (hash and state root) up to the same head.
pub fn assert_same_chain(a: &Chain, b: &Chain) {
    assert_eq!(a.head_number(), b.head_number(), "heads");
    for n in 0..=a.head_number() {
        let x = a.block_by_number(n).unwrap().unwrap();
        let y = b.block_by_number(n).unwrap().unwrap();
        assert_eq!(x.hash, y.hash, "block {n} hash");
        assert_eq!(x.block.header.state_root, y.block.header.state_root, "block {n} state root");
    }
}
