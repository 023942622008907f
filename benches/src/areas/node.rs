//! `gloam bench node`: signed raw transactions through the EVM node's whole pipeline — batched
//! sender recovery, pool admission, block building with revm, state root, commit to redb —
//! against the two costs it cannot avoid, measured on the same transactions in the same run:
//!
//! * `recover_*` / `libsecp256k1`: signature hash + libsecp256k1 ecrecover of every transaction,
//!   rayon over all cores (the "recovery alone");
//! * `execute_*` / `revm`: raw in-memory revm execution of the same transactions (senders known,
//!   no roots, no disk).
//!
//! Workloads: `transfers` (plain ETH transfers) and `erc20` (`GloamToken.transfer`). `size` is
//! the number of transactions; senders are 1,000 funded accounts. Progress lines give tx/s,
//! Mgas/s and where the pipeline's time went (execution, state root, commit).
//!
//! With a GPU (`--backends`; software adapters only when named), the pipeline runs again with
//! sender recovery on gloam-sig-gpu's backend for it — as `gloam node` installs it — giving
//! `gloam/<gpu>` rows and the ratio to the CPU pipeline (issue #5: ≥ 3× with a GPU).

use std::sync::Arc;
use std::time::Instant;

use alloy_consensus::TxEnvelope;
use alloy_primitives::{Address, TxKind, U256};
use gloam_evm::chain::{Chain, ChainConfig};
use gloam_evm::exec::{self, BlockContext, Mode, RecoveredTx};
use gloam_evm::genesis::{genesis_with_accounts, DEV_GAS_LIMIT};
use gloam_evm::pool::PoolConfig;
use gloam_evm::testutil::*;
use rayon::prelude::*;

use super::cpu_device;
use crate::{progress, BenchError, BenchOptions, Record, Sample};

const CHAIN_ID: u64 = 1337;
const SENDERS: u64 = 1000;

struct Workload {
    name: &'static str,
    /// Setup transactions (token deployment and distribution), mined before timing.
    setup: Vec<TxEnvelope>,
    txs: Vec<TxEnvelope>,
    raws: Vec<Vec<u8>>,
}

fn funded() -> Vec<(Address, U256)> {
    let mut v: Vec<(Address, U256)> =
        (0..SENDERS).map(|i| (test_signer(i).address(), U256::from(10u64).pow(U256::from(22)))).collect();
    v.push((test_signer(SENDERS).address(), U256::from(10u64).pow(U256::from(24))));
    v
}

fn workload(name: &'static str, n: usize) -> Workload {
    let signers: Vec<_> = (0..SENDERS).map(test_signer).collect();
    let deployer = test_signer(SENDERS);
    let token = deployer.address().create(0);
    let mut setup = Vec::new();
    if name == "erc20" {
        setup.push(eip1559(
            &deployer,
            CHAIN_ID,
            0,
            TxKind::Create,
            U256::ZERO,
            token_deploy_input("Bench", "BNC", U256::from(10u64).pow(U256::from(30))),
            3_000_000,
        ));
        for (i, s) in signers.iter().enumerate() {
            setup.push(eip1559(
                &deployer,
                CHAIN_ID,
                1 + i as u64,
                TxKind::Call(token),
                U256::ZERO,
                token_transfer_input(s.address(), U256::from(10u64).pow(U256::from(24))),
                100_000,
            ));
        }
    }
    let txs: Vec<TxEnvelope> = (0..n)
        .into_par_iter()
        .map(|i| {
            let k = i % SENDERS as usize;
            let nonce = (i / SENDERS as usize) as u64;
            let to = test_signer(SENDERS + 1 + (i as u64 % 97)).address();
            match name {
                "transfers" => transfer(&signers[k], CHAIN_ID, nonce, to, U256::from(1_000u64)),
                _ => eip1559(
                    &signers[k],
                    CHAIN_ID,
                    nonce,
                    TxKind::Call(token),
                    U256::ZERO,
                    token_transfer_input(to, U256::from(1u64)),
                    60_000,
                ),
            }
        })
        .collect();
    let raws = txs.iter().map(encode).collect();
    Workload { name, setup, txs, raws }
}

/// A fresh chain in a temp dir with the workload's setup mined.
fn fresh_chain(w: &Workload) -> Result<(tempfile::TempDir, Arc<Chain>), BenchError> {
    let dir = tempfile::tempdir().map_err(|e| BenchError::Other(e.to_string()))?;
    let pool = PoolConfig { max_per_sender: 1 << 16, max_total: 1 << 20, price_bump_percent: 10 };
    let cfg = ChainConfig { datadir: dir.path().to_path_buf(), pool, block_cache: 16 };
    let chain = Chain::open(cfg, genesis_with_accounts(CHAIN_ID, DEV_GAS_LIMIT, funded(), true))
        .map_err(|e| BenchError::Other(format!("open chain: {e}")))?;
    if !w.setup.is_empty() {
        let raws: Vec<Vec<u8>> = w.setup.iter().map(encode).collect();
        for r in chain.submit_raw_batch(&raws) {
            r.map_err(|e| BenchError::Other(format!("setup tx refused: {e}")))?;
        }
        while chain.pool_len() > 0 {
            chain.produce_block(false).map_err(|e| BenchError::Other(e.to_string()))?;
        }
    }
    Ok((dir, chain))
}

#[derive(Default)]
struct PipelineStats {
    blocks: usize,
    gas: u64,
    admit_ms: f64,
    execute_ms: f64,
    root_ms: f64,
    commit_ms: f64,
}

/// The node's pipeline as it runs live: admission (batched recovery + pool) on this thread in
/// chunks while a producer thread builds, roots and commits blocks concurrently.
fn run_pipeline(w: &Workload, chain: &Arc<Chain>) -> Result<PipelineStats, BenchError> {
    const CHUNK: usize = 1024;
    let done = std::sync::atomic::AtomicBool::new(false);
    let n = w.raws.len();
    std::thread::scope(|scope| {
        let producer = scope.spawn(|| -> Result<PipelineStats, BenchError> {
            let mut st = PipelineStats::default();
            let mut mined = 0usize;
            while mined < n {
                let admitted_all = done.load(std::sync::atomic::Ordering::Acquire);
                // As `gloam node` does in on-demand mode.
                chain.settle(gloam_evm::chain::ON_DEMAND_BATCH_WINDOW);
                match chain.produce_block(false).map_err(|e| BenchError::Other(e.to_string()))? {
                    Some((b, timing)) => {
                        st.blocks += 1;
                        mined += b.block.body.transactions.len();
                        st.gas += b.block.header.gas_used;
                        st.execute_ms += timing.execute.as_secs_f64() * 1e3;
                        st.root_ms += timing.state_root.as_secs_f64() * 1e3;
                        st.commit_ms += timing.commit.as_secs_f64() * 1e3;
                        if b.receipts.iter().any(|r| !alloy_consensus::TxReceipt::status(r)) {
                            return Err(BenchError::Other(format!(
                                "a {} transaction failed in block {}",
                                w.name, b.block.header.number
                            )));
                        }
                    }
                    None if admitted_all && chain.pool_len() == 0 => {
                        return Err(BenchError::Other(format!("{} of {n} transactions never mined", n - mined)));
                    }
                    None => {}
                }
            }
            Ok(st)
        });
        let t = Instant::now();
        for (c, chunk) in w.raws.chunks(CHUNK).enumerate() {
            for (i, r) in chain.submit_raw_batch(chunk).into_iter().enumerate() {
                if let Err(e) = r {
                    done.store(true, std::sync::atomic::Ordering::Release);
                    return Err(BenchError::Other(format!("{} tx {} refused: {e}", w.name, c * CHUNK + i)));
                }
            }
        }
        let admit_ms = t.elapsed().as_secs_f64() * 1e3;
        done.store(true, std::sync::atomic::Ordering::Release);
        let mut st = producer.join().map_err(|_| BenchError::Other("producer panicked".into()))??;
        st.admit_ms = admit_ms;
        Ok(st)
    })
}

fn recover_alone(txs: &[TxEnvelope]) -> Vec<Address> {
    let secp = secp256k1::Secp256k1::verification_only();
    txs.par_iter()
        .map_init(
            || secp.clone(),
            |secp, tx| {
                let h = tx.signature_hash();
                let sig = tx.signature();
                let mut rs = [0u8; 64];
                rs[..32].copy_from_slice(&sig.r().to_be_bytes::<32>());
                rs[32..].copy_from_slice(&sig.s().to_be_bytes::<32>());
                let id = secp256k1::ecdsa::RecoveryId::try_from(sig.v() as i32).expect("0 or 1");
                let rsig = secp256k1::ecdsa::RecoverableSignature::from_compact(&rs, id).expect("valid");
                let pk = secp.recover_ecdsa(secp256k1::Message::from_digest(h.0), &rsig).expect("recovers");
                let k = alloy_primitives::keccak256(&pk.serialize_uncompressed()[1..]);
                Address::from_slice(&k[12..])
            },
        )
        .collect()
}

pub fn run(opts: &BenchOptions) -> Result<Vec<Record>, BenchError> {
    let dev = cpu_device();
    let sizes: Vec<usize> =
        if opts.log_sizes.is_empty() { vec![10_000] } else { opts.log_sizes.iter().map(|k| 1usize << k).collect() };
    let samples = opts.samples.clamp(1, 5);
    let mut records = Vec::new();
    for &n in &sizes {
        for name in ["transfers", "erc20"] {
            progress(format!("node/{name}: signing {n} transactions from {SENDERS} senders"));
            let w = workload(name, n);
            // Correctness gate: recovery agrees with the signers, execution succeeds.
            let senders = recover_alone(&w.txs);
            for (i, s) in senders.iter().enumerate() {
                if *s != test_signer((i % SENDERS as usize) as u64).address() {
                    return Err(BenchError::Other(format!("libsecp256k1 recovered the wrong sender for tx {i}")));
                }
            }
            let (_d, base_chain) = fresh_chain(&w)?;
            let recovered: Vec<RecoveredTx> = w
                .txs
                .iter()
                .zip(&senders)
                .map(|(tx, s)| RecoveredTx { tx: tx.clone(), sender: *s, hash: *tx.tx_hash() })
                .collect();
            let (head, hash) = base_chain.head_header();
            let ctx = BlockContext {
                number: head.number + 1,
                timestamp: head.timestamp + 1,
                beneficiary: Address::ZERO,
                gas_limit: u64::MAX / 2,
                base_fee: gloam_evm::chain::next_base_fee(&head),
                prev_randao: hash,
                parent_hash: hash,
                parent_beacon_block_root: Default::default(),
                chain_id: CHAIN_ID,
            };
            let execute_once = || -> Result<u64, BenchError> {
                let r = base_chain
                    .with_state(|s| exec::execute(s, &ctx, recovered.clone(), Mode::Import))
                    .map_err(|e| BenchError::Other(format!("revm: {e}")))?;
                if r.results.iter().any(|x| !x.success) {
                    return Err(BenchError::Other(format!("{name}: a transaction failed in raw revm")));
                }
                Ok(r.header.gas_used)
            };
            let gas = execute_once()?;

            let mut t_pipe = Vec::new();
            let mut t_rec = Vec::new();
            let mut t_exec = Vec::new();
            let mut last = PipelineStats::default();
            for round in 0..=samples {
                let (_dir, chain) = fresh_chain(&w)?;
                let t = Instant::now();
                let st = run_pipeline(&w, &chain)?;
                let ms = t.elapsed().as_secs_f64() * 1e3;
                if st.gas != gas {
                    return Err(BenchError::Other(format!("{name}: pipeline used {} gas, raw revm {gas}", st.gas)));
                }
                let t = Instant::now();
                std::hint::black_box(recover_alone(&w.txs));
                let rec = t.elapsed().as_secs_f64() * 1e3;
                let t = Instant::now();
                std::hint::black_box(execute_once()?);
                let ex = t.elapsed().as_secs_f64() * 1e3;
                if round > 0 {
                    // round 0 warms caches and the allocator
                    t_pipe.push(ms);
                    t_rec.push(rec);
                    t_exec.push(ex);
                    last = st;
                }
            }
            let (p, r, e) = (Sample::from_times(t_pipe), Sample::from_times(t_rec), Sample::from_times(t_exec));
            let tps = |s: &Sample| n as f64 / (s.median_ms / 1e3);
            let mgas = |s: &Sample| gas as f64 / 1e6 / (s.median_ms / 1e3);
            progress(format!(
                "node/{name} n={n}: pipeline {:.0} tx/s {:.0} Mgas/s ({} blocks; admission+recovery {:.0} ms (concurrent with blocks), execution {:.0} ms, state root {:.0} ms, commit {:.0} ms) | recovery alone {:.0} tx/s | raw revm {:.0} tx/s {:.0} Mgas/s | pipeline / recovery = {:.2} (target <= 1.5)",
                tps(&p), mgas(&p), last.blocks, last.admit_ms, last.execute_ms, last.root_ms, last.commit_ms,
                tps(&r), tps(&e), mgas(&e), p.median_ms / r.median_ms
            ));
            records.push(Record::new("node", &format!("pipeline_{name}"), n as u64, "gloam", "cpu", &dev, &p));
            records.push(Record::new("node", &format!("pipeline_{name}"), n as u64, "libsecp256k1", "cpu", &dev, &r));
            records.push(Record::new("node", &format!("pipeline_{name}"), n as u64, "revm", "cpu", &dev, &e));

            // The same pipeline with sender recovery on each GPU (what `gloam node` installs when
            // the engine has a hardware GPU); same gas, same senders.
            for (kind, backend, device) in super::sig::gpu_sig_backends(opts, false) {
                let previous = gloam_evm::recover::set_backend(backend);
                let mut times = Vec::new();
                let mut outcome = Ok(());
                for round in 0..=samples {
                    let (_dir, chain) = fresh_chain(&w)?;
                    let t = Instant::now();
                    match run_pipeline(&w, &chain) {
                        Ok(st) if st.gas == gas => {}
                        Ok(st) => {
                            outcome = Err(format!("{name} on {kind}: pipeline used {} gas, raw revm {gas}", st.gas))
                        }
                        Err(e) => outcome = Err(e.to_string()),
                    }
                    if round > 0 {
                        times.push(t.elapsed().as_secs_f64() * 1e3);
                    }
                }
                gloam_evm::recover::set_backend(previous);
                outcome.map_err(BenchError::Other)?;
                let g = Sample::from_times(times);
                progress(format!(
                    "node/{name} n={n}: pipeline with recovery on {kind} ({device}) {:.0} tx/s — {:.2}× the CPU pipeline (target ≥ 3× with a GPU)",
                    tps(&g),
                    p.median_ms / g.median_ms
                ));
                records.push(Record::new(
                    "node",
                    &format!("pipeline_{name}"),
                    n as u64,
                    "gloam",
                    &kind.to_string(),
                    &device,
                    &g,
                ));
            }
        }
    }
    Ok(records)
}
