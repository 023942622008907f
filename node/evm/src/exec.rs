//! Block execution with revm under Prague rules, receipts and header assembly.

use alloy_consensus::{
    proofs, Eip658Value, Header, Receipt, ReceiptEnvelope, ReceiptWithBloom, Transaction, TxEnvelope, TxReceipt,
    EMPTY_OMMER_ROOT_HASH,
};
use alloy_eips::eip7685::Requests;
use alloy_primitives::{Address, Bloom, Bytes, Log, TxKind, B256, B64, U256};
use revm::context::{BlockEnv, CfgEnv, Context, TxEnv};
use revm::context_interface::result::{EVMError, ExecutionResult, InvalidTransaction};
use revm::database::CacheDB;
use revm::handler::system_call::{SystemCallEvm, SYSTEM_ADDRESS};
use revm::primitives::hardfork::SpecId;
use revm::{ExecuteCommitEvm, ExecuteEvm, MainBuilder, MainContext};

use crate::state::{StateDiff, StateError, WorldState};

/// The fork every block executes under.
pub const SPEC: SpecId = SpecId::PRAGUE;

/// A transaction with its recovered sender and hash.
#[derive(Clone, Debug)]
pub struct RecoveredTx {
    pub tx: TxEnvelope,
    pub sender: Address,
    pub hash: B256,
}

/// The per-block environment (everything of the header known before execution).
#[derive(Clone, Debug)]
pub struct BlockContext {
    pub number: u64,
    pub timestamp: u64,
    pub beneficiary: Address,
    pub gas_limit: u64,
    pub base_fee: u64,
    pub prev_randao: B256,
    pub parent_hash: B256,
    /// EIP-4788 input (gloam has no beacon chain: zero for blocks it builds).
    pub parent_beacon_block_root: B256,
    pub chain_id: u64,
}

impl BlockContext {
    fn block_env(&self) -> BlockEnv {
        BlockEnv {
            number: U256::from(self.number),
            beneficiary: self.beneficiary,
            timestamp: U256::from(self.timestamp),
            gas_limit: self.gas_limit,
            basefee: self.base_fee,
            difficulty: U256::ZERO,
            prevrandao: Some(self.prev_randao),
            blob_excess_gas_and_price: Some(revm::context_interface::block::BlobExcessGasAndPrice::new(
                0,
                revm::primitives::eip4844::BLOB_BASE_FEE_UPDATE_FRACTION_PRAGUE,
            )),
            ..Default::default()
        }
    }

    pub fn cfg(&self) -> CfgEnv {
        let mut cfg = CfgEnv::new_with_spec(SPEC);
        cfg.chain_id = self.chain_id;
        cfg
    }
}

/// What executing one transaction produced.
#[derive(Clone, Debug)]
pub struct TxResult {
    pub success: bool,
    pub gas_used: u64,
    pub logs: Vec<Log>,
    pub output: Bytes,
    pub contract_address: Option<Address>,
}

/// A transaction the block builder skipped, with the reason.
#[derive(Clone, Debug)]
pub struct Skipped {
    pub hash: B256,
    pub sender: Address,
    pub reason: String,
}

/// An executed block, ready to be sealed and committed.
#[derive(Debug)]
pub struct ExecutedBlock {
    pub header: Header,
    pub txs: Vec<RecoveredTx>,
    pub receipts: Vec<ReceiptEnvelope>,
    pub results: Vec<TxResult>,
    pub diff: StateDiff,
    pub skipped: Vec<Skipped>,
}

#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    #[error("transaction {index} ({hash}) is invalid: {reason}")]
    InvalidTx { index: usize, hash: B256, reason: String },
    #[error("state database: {0}")]
    State(#[from] StateError),
    #[error("evm: {0}")]
    Evm(String),
}

/// Translates a signed transaction into revm's transaction environment.
pub fn tx_env(tx: &TxEnvelope, sender: Address) -> TxEnv {
    let mut env = TxEnv {
        tx_type: tx.tx_type() as u8,
        caller: sender,
        gas_limit: tx.gas_limit(),
        gas_price: tx.max_fee_per_gas(),
        kind: tx.kind(),
        value: tx.value(),
        data: tx.input().clone(),
        nonce: tx.nonce(),
        chain_id: tx.chain_id(),
        access_list: tx.access_list().cloned().unwrap_or_default(),
        gas_priority_fee: tx.max_priority_fee_per_gas(),
        ..Default::default()
    };
    if let TxEnvelope::Legacy(_) | TxEnvelope::Eip2930(_) = tx {
        env.gas_priority_fee = None;
        env.gas_price = tx.gas_price().unwrap_or_default();
    }
    if let TxEnvelope::Eip7702(signed) = tx {
        env.authorization_list =
            signed.tx().authorization_list.iter().cloned().map(revm::context::either::Either::Left).collect();
    }
    env
}

fn describe<E: std::fmt::Display>(e: &EVMError<E, InvalidTransaction>) -> String {
    match e {
        EVMError::Transaction(t) => t.to_string(),
        other => other.to_string(),
    }
}

/// How invalid transactions are handled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Building a block from the pool: invalid transactions are skipped and reported.
    Build,
    /// Importing/validating a block: any invalid transaction fails the block.
    Import,
}

/// Executes `txs` on top of `state` (not modified) and assembles the header of the resulting
/// block except for the state root, which the caller computes after applying the diff.
pub fn execute(
    state: &WorldState,
    ctx: &BlockContext,
    txs: Vec<RecoveredTx>,
    mode: Mode,
) -> Result<ExecutedBlock, ExecError> {
    let mut db = CacheDB::new(state);
    let mut included = Vec::with_capacity(txs.len());
    let mut receipts = Vec::with_capacity(txs.len());
    let mut results = Vec::with_capacity(txs.len());
    let mut skipped = Vec::new();
    let mut cumulative = 0u64;
    let mut requests = Requests::default();
    {
        let mut evm =
            Context::mainnet().with_db(&mut db).with_block(ctx.block_env()).with_cfg(ctx.cfg()).build_mainnet();
        // Prague pre-block system calls (EIP-4788, EIP-2935), made when the contracts exist.
        if ctx.number > 0 {
            if has_code(state, BEACON_ROOTS_ADDRESS) {
                system_call(&mut evm, ctx, BEACON_ROOTS_ADDRESS, ctx.parent_beacon_block_root.0.to_vec().into())?;
            }
            if has_code(state, HISTORY_STORAGE_ADDRESS) {
                system_call(&mut evm, ctx, HISTORY_STORAGE_ADDRESS, ctx.parent_hash.0.to_vec().into())?;
            }
        }
        for (index, rtx) in txs.into_iter().enumerate() {
            if cumulative + rtx.tx.gas_limit() > ctx.gas_limit {
                let reason = format!(
                    "gas limit {} exceeds the block's remaining gas {}",
                    rtx.tx.gas_limit(),
                    ctx.gas_limit - cumulative
                );
                match mode {
                    Mode::Build => {
                        skipped.push(Skipped { hash: rtx.hash, sender: rtx.sender, reason });
                        continue;
                    }
                    Mode::Import => return Err(ExecError::InvalidTx { index, hash: rtx.hash, reason }),
                }
            }
            let env = tx_env(&rtx.tx, rtx.sender);
            let outcome = match evm.transact_commit(env) {
                Ok(r) => r,
                Err(EVMError::Database(e)) => return Err(ExecError::State(e)),
                Err(e) => {
                    let reason = describe(&e);
                    match mode {
                        Mode::Build => {
                            skipped.push(Skipped { hash: rtx.hash, sender: rtx.sender, reason });
                            continue;
                        }
                        Mode::Import => return Err(ExecError::InvalidTx { index, hash: rtx.hash, reason }),
                    }
                }
            };
            let gas_used = outcome.tx_gas_used();
            cumulative += gas_used;
            let contract_address = match rtx.tx.kind() {
                TxKind::Create => Some(rtx.sender.create(rtx.tx.nonce())),
                TxKind::Call(_) => None,
            };
            let (success, logs, output) = match outcome {
                ExecutionResult::Success { logs, output, .. } => (true, logs, output.into_data()),
                ExecutionResult::Revert { output, logs, .. } => (false, logs, output),
                ExecutionResult::Halt { logs, .. } => (false, logs, Bytes::new()),
            };
            let receipt =
                Receipt { status: Eip658Value::Eip658(success), cumulative_gas_used: cumulative, logs: logs.clone() };
            receipts.push(wrap_receipt(&rtx.tx, receipt.with_bloom()));
            results.push(TxResult { success, gas_used, logs, output, contract_address });
            included.push(rtx);
        }
        // Prague post-block requests (EIP-7685): withdrawal (EIP-7002) and consolidation
        // (EIP-7251) queues are dequeued by system calls when the contracts exist. gloam chains
        // have no EIP-6110 deposit contract, so there are no deposit requests.
        if has_code(state, WITHDRAWAL_REQUEST_PREDEPLOY_ADDRESS) {
            let out = system_call(&mut evm, ctx, WITHDRAWAL_REQUEST_PREDEPLOY_ADDRESS, Bytes::new())?;
            requests.push_request_with_type(WITHDRAWAL_REQUEST_TYPE, out);
        }
        if has_code(state, CONSOLIDATION_REQUEST_PREDEPLOY_ADDRESS) {
            let out = system_call(&mut evm, ctx, CONSOLIDATION_REQUEST_PREDEPLOY_ADDRESS, Bytes::new())?;
            requests.push_request_with_type(CONSOLIDATION_REQUEST_TYPE, out);
        }
        // The evm borrows `db` mutably; drop it before reading the overlay.
        let _ = evm.finalize();
    }
    let requests_hash = requests.requests_hash();
    let diff = WorldState::diff_from_cache(&db);
    let mut bloom = Bloom::default();
    for r in &receipts {
        bloom.accrue_bloom(&r.bloom());
    }
    let envelopes: Vec<&TxEnvelope> = included.iter().map(|t| &t.tx).collect();
    let header = Header {
        parent_hash: ctx.parent_hash,
        ommers_hash: EMPTY_OMMER_ROOT_HASH,
        beneficiary: ctx.beneficiary,
        state_root: B256::ZERO,
        transactions_root: proofs::calculate_transaction_root(&envelopes),
        receipts_root: proofs::calculate_receipt_root(&receipts),
        logs_bloom: bloom,
        difficulty: U256::ZERO,
        number: ctx.number,
        gas_limit: ctx.gas_limit,
        gas_used: cumulative,
        timestamp: ctx.timestamp,
        extra_data: Bytes::new(),
        mix_hash: ctx.prev_randao,
        nonce: B64::ZERO,
        base_fee_per_gas: Some(ctx.base_fee),
        withdrawals_root: Some(alloy_consensus::constants::EMPTY_WITHDRAWALS),
        blob_gas_used: Some(0),
        excess_blob_gas: Some(0),
        parent_beacon_block_root: Some(ctx.parent_beacon_block_root),
        requests_hash: Some(requests_hash),
        block_access_list_hash: None,
        slot_number: None,
    };
    Ok(ExecutedBlock { header, txs: included, receipts, results, diff, skipped })
}

use alloy_eips::eip2935::HISTORY_STORAGE_ADDRESS;
use alloy_eips::eip4788::BEACON_ROOTS_ADDRESS;
use alloy_eips::eip7002::{WITHDRAWAL_REQUEST_PREDEPLOY_ADDRESS, WITHDRAWAL_REQUEST_TYPE};
use alloy_eips::eip7251::{CONSOLIDATION_REQUEST_PREDEPLOY_ADDRESS, CONSOLIDATION_REQUEST_TYPE};

fn has_code(state: &WorldState, address: Address) -> bool {
    state.code_of(&address).is_some_and(|c| !c.is_empty())
}

/// One system call (caller `SYSTEM_ADDRESS`, no gas charged), committed to the block's overlay.
/// As reth and geth do, the system address and the coinbase are left out of the state changes so
/// the call cannot touch (and so create or clear) them. A failing system call makes the block
/// invalid (EIP-7002/7251 say so; for EIP-2935/4788 it cannot happen with the canonical code).
fn system_call<E>(evm: &mut E, ctx: &BlockContext, address: Address, data: Bytes) -> Result<Bytes, ExecError>
where
    E: SystemCallEvm<ExecutionResult = ExecutionResult, State = revm::state::EvmState> + ExecuteCommitEvm,
    E::Error: std::fmt::Display,
{
    let r = evm
        .system_call_with_caller(SYSTEM_ADDRESS, address, data)
        .map_err(|e| ExecError::Evm(format!("system call to {address}: {e}")))?;
    let mut st = r.state;
    st.remove(&SYSTEM_ADDRESS);
    st.remove(&ctx.beneficiary);
    evm.commit(st);
    match r.result {
        ExecutionResult::Success { output, .. } => Ok(output.into_data()),
        other => Err(ExecError::Evm(format!("system call to {address} failed: {other:?}"))),
    }
}

fn wrap_receipt(tx: &TxEnvelope, r: ReceiptWithBloom<Receipt<Log>>) -> ReceiptEnvelope {
    match tx {
        TxEnvelope::Legacy(_) => ReceiptEnvelope::Legacy(r),
        TxEnvelope::Eip2930(_) => ReceiptEnvelope::Eip2930(r),
        TxEnvelope::Eip1559(_) => ReceiptEnvelope::Eip1559(r),
        TxEnvelope::Eip4844(_) => ReceiptEnvelope::Eip4844(r),
        TxEnvelope::Eip7702(_) => ReceiptEnvelope::Eip7702(r),
    }
}

/// A read-only call or gas estimate against `state` (nonce and balance checks relaxed the way
/// `eth_call` expects: the caller need not hold funds when no gas price is given).
pub fn simulate<DB: revm::database_interface::DatabaseRef<Error = StateError>>(
    state: DB,
    ctx: &BlockContext,
    env: TxEnv,
    check_nonce: bool,
) -> Result<ExecutionResult, String> {
    let db = CacheDB::new(state);
    let mut cfg = ctx.cfg();
    cfg.disable_nonce_check = !check_nonce;
    cfg.disable_base_fee = env.gas_price == 0;
    // eth_call may run as any address, contracts included (geth skips EIP-3607 for calls).
    cfg.disable_eip3607 = true;
    let mut evm = Context::mainnet().with_db(db).with_block(ctx.block_env()).with_cfg(cfg).build_mainnet();
    let r = evm.transact(env).map_err(|e| describe(&e));
    r.map(|r| r.result)
}
