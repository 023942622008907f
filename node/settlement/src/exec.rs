//! Transaction execution: value transfers, blob transactions and the system calls.
//!
//! Per transaction (Ethereum's order of checks): chain id, type, nonce, intrinsic gas, block gas,
//! fee caps against the base fee and blob base fee, then the up-front balance check
//! `gas_limit·max_fee + value + blob_gas·max_fee_per_blob_gas`. A failure here makes the block
//! invalid (the pool refuses such transactions). Execution then charges
//! `gas_used·effective_gas_price + blob_gas·blob_base_fee`, burns the base fee and the blob fee and
//! pays the tip to the proposer. A system call that fails (bad arguments, not staked, duplicate
//! output, …) yields a receipt with status 0: gas is charged, value is not moved.

use alloy_consensus::{Transaction, TxEnvelope};
use alloy_primitives::{Address, Bytes, Log, LogData, TxKind, B256, U256};

use crate::error::TxInvalid;
use crate::params::*;
use crate::state::{Changes, Ledger};
use crate::types::{DisputeRecord, OutputRecord};

/// Everything of the header known before execution.
#[derive(Clone, Copy, Debug)]
pub struct BlockEnv {
    pub chain_id: u64,
    pub number: u64,
    pub proposer: Address,
    pub base_fee: u64,
    pub blob_base_fee: u128,
}

/// Why a system call failed (the receipt has status 0; `eth_call` shows the message).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SystemFailure {
    #[error("out of gas: system call needs {need} gas, limit {limit}")]
    OutOfGas { need: u64, limit: u64 },
    #[error("unknown selector or missing calldata for {0}")]
    UnknownSelector(Address),
    #[error("bad ABI arguments: {0}")]
    BadArguments(&'static str),
    #[error("function is not payable")]
    NotPayable,
    #[error("stake amount must be positive")]
    ZeroStake,
    #[error("unstake {want} exceeds stake {have}")]
    InsufficientStake { have: U256, want: U256 },
    #[error("sender {0} has no stake (only staked validators may propose outputs or register keys)")]
    NotValidator(Address),
    #[error("output for env {env_id} block {l2} already proposed")]
    DuplicateOutput { env_id: u64, l2: u64 },
    #[error("validator {0} is already registered (keys are immutable)")]
    AlreadyRegistered(Address),
    #[error("key already registered by another validator: {0}")]
    KeyInUse(&'static str),
    #[error("no output proposed for env {env_id} block {l2}")]
    NoSuchOutput { env_id: u64, l2: u64 },
    #[error("posted root does not match the recorded output root")]
    PostedRootMismatch,
    #[error("computed root equals the posted root: nothing to dispute")]
    NoDisagreement,
}

impl SystemFailure {
    /// ABI `Error(string)` revert payload (what `eth_call` returns as error data).
    pub fn revert_data(&self) -> Bytes {
        let msg = self.to_string();
        let mut v = vec![0x08, 0xc3, 0x79, 0xa0];
        v.extend(U256::from(32u8).to_be_bytes::<32>());
        v.extend(U256::from(msg.len()).to_be_bytes::<32>());
        let mut m = msg.into_bytes();
        m.resize(m.len().div_ceil(32) * 32, 0);
        v.extend(m);
        v.into()
    }
}

/// Result of one executed transaction.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub success: bool,
    pub gas_used: u64,
    pub blob_gas_used: u64,
    pub logs: Vec<Log>,
    pub failure: Option<SystemFailure>,
}

/// Intrinsic gas: 21,000 + calldata (EIP-2028 and the EIP-7623 floor) + access list (EIP-2930),
/// the EVM environment's rule.
pub fn intrinsic_gas(tx: &TxEnvelope) -> u64 {
    gloam_evm::chain::intrinsic_gas(tx)
}

fn is_system(a: &Address) -> bool {
    *a == STAKING || *a == OUTPUT_ORACLE || *a == DISPUTES
}

/// Execution gas a system call needs beyond the intrinsic gas (0 for other destinations).
pub fn system_gas(to: &Address, input: &[u8]) -> u64 {
    if !is_system(to) || input.len() < 4 {
        return 0;
    }
    let sel = [input[0], input[1], input[2], input[3]];
    if sel == selector(SIG_STAKE) {
        STAKE_GAS
    } else if sel == selector(SIG_UNSTAKE) {
        UNSTAKE_GAS
    } else if sel == selector(SIG_PROPOSE_OUTPUT) {
        PROPOSE_OUTPUT_GAS
    } else if sel == selector(SIG_DISPUTE) {
        DISPUTE_GAS
    } else if sel == selector(SIG_REGISTER_VALIDATOR) {
        REGISTER_VALIDATOR_GAS
    } else {
        0
    }
}

/// The fixed-size ABI words after the selector (exactly `n` of them).
fn words(input: &[u8], n: usize) -> Result<Vec<[u8; 32]>, SystemFailure> {
    if input.len() != 4 + 32 * n {
        return Err(SystemFailure::BadArguments("wrong calldata length"));
    }
    Ok(input[4..].chunks_exact(32).map(|c| c.try_into().expect("32-byte chunk")).collect())
}

/// A dynamic `bytes`/`string` argument: `args` are the ABI words after the selector and
/// `offset_word` the head word holding its offset (Solidity ABI: length word, then the data
/// right-padded to 32 bytes). Every offset and length is bounds-checked.
fn dyn_bytes(args: &[u8], offset_word: usize) -> Result<&[u8], SystemFailure> {
    let head =
        args.get(32 * offset_word..32 * offset_word + 32).ok_or(SystemFailure::BadArguments("missing head word"))?;
    let off = word_u64(head.try_into().expect("32"))?;
    let off = usize::try_from(off).map_err(|_| SystemFailure::BadArguments("offset out of range"))?;
    if off % 32 != 0 {
        return Err(SystemFailure::BadArguments("unaligned offset"));
    }
    let len_word = args.get(off..off.saturating_add(32)).ok_or(SystemFailure::BadArguments("offset out of range"))?;
    let len = word_u64(len_word.try_into().expect("32"))?;
    let len = usize::try_from(len).map_err(|_| SystemFailure::BadArguments("length out of range"))?;
    let start = off + 32;
    let end = start.checked_add(len).ok_or(SystemFailure::BadArguments("length out of range"))?;
    let padded = start.checked_add(len.div_ceil(32) * 32).ok_or(SystemFailure::BadArguments("length out of range"))?;
    if padded > args.len() {
        return Err(SystemFailure::BadArguments("data out of range"));
    }
    if args[end..padded].iter().any(|b| *b != 0) {
        return Err(SystemFailure::BadArguments("non-zero padding"));
    }
    Ok(&args[start..end])
}

/// ABI calldata of `registerValidator(bytes32,bytes,bytes,string)` (canonical head/tail layout:
/// three offsets after the identity, each tail a length word and zero-padded data).
pub fn register_calldata(identity: B256, bls_public: &[u8], bls_pop: &[u8], endpoint: &str) -> Vec<u8> {
    let word = |x: usize| U256::from(x).to_be_bytes::<32>();
    let mut head = identity.0.to_vec();
    let mut tail = Vec::new();
    for t in [bls_public, bls_pop, endpoint.as_bytes()] {
        head.extend(word(4 * 32 + tail.len()));
        tail.extend(word(t.len()));
        tail.extend_from_slice(t);
        tail.resize(tail.len().div_ceil(32) * 32, 0);
    }
    let mut v = selector(SIG_REGISTER_VALIDATOR).to_vec();
    v.extend(head);
    v.extend(tail);
    v
}

/// Decodes `registerValidator(bytes32,bytes,bytes,string)` arguments into checked keys.
pub fn decode_register(input: &[u8]) -> Result<crate::types::ValidatorKeys, SystemFailure> {
    let args = input.get(4..).ok_or(SystemFailure::BadArguments("missing selector"))?;
    if args.len() < 4 * 32 {
        return Err(SystemFailure::BadArguments("wrong calldata length"));
    }
    let identity = B256::from_slice(&args[..32]);
    let bls_public = dyn_bytes(args, 1)?;
    let bls_pop = dyn_bytes(args, 2)?;
    let endpoint = dyn_bytes(args, 3)?;
    if bls_public.len() != 48 {
        return Err(SystemFailure::BadArguments("BLS public key must be 48 bytes"));
    }
    if bls_pop.len() != 96 {
        return Err(SystemFailure::BadArguments("BLS proof of possession must be 96 bytes"));
    }
    if endpoint.is_empty() || endpoint.len() > MAX_ENDPOINT_BYTES {
        return Err(SystemFailure::BadArguments("endpoint length"));
    }
    let ok = std::str::from_utf8(endpoint).ok().and_then(|e| e.parse::<std::net::SocketAddr>().ok()).is_some();
    if !ok {
        return Err(SystemFailure::BadArguments("endpoint is not ip:port"));
    }
    Ok(crate::types::ValidatorKeys {
        identity,
        bls_public: Bytes::copy_from_slice(bls_public),
        bls_pop: Bytes::copy_from_slice(bls_pop),
        endpoint: Bytes::copy_from_slice(endpoint),
    })
}

fn word_u64(w: &[u8; 32]) -> Result<u64, SystemFailure> {
    if w[..24].iter().any(|b| *b != 0) {
        return Err(SystemFailure::BadArguments("uint64 out of range"));
    }
    Ok(u64::from_be_bytes(w[24..].try_into().expect("8 bytes")))
}

fn topic_u64(x: u64) -> B256 {
    B256::from(U256::from(x).to_be_bytes::<32>())
}

fn topic_addr(a: &Address) -> B256 {
    let mut t = [0u8; 32];
    t[12..].copy_from_slice(a.as_slice());
    B256::from(t)
}

fn event(address: Address, sig: &str, mut topics: Vec<B256>, data: Vec<u8>) -> Log {
    topics.insert(0, alloy_primitives::keccak256(sig.as_bytes()));
    Log { address, data: LogData::new_unchecked(topics, data.into()) }
}

/// Context of the transaction a system call runs in.
pub struct CallCtx<'a> {
    pub sender: Address,
    pub to: Address,
    pub value: U256,
    pub input: &'a [u8],
    pub block: u64,
    pub tx_hash: B256,
}

/// Runs a system call against the ledger (also used by `eth_call` on a scratch copy).
pub fn system_call(ledger: &mut Ledger, c: &CallCtx<'_>, changes: &mut Changes) -> Result<Vec<Log>, SystemFailure> {
    if c.input.len() < 4 {
        return Err(SystemFailure::UnknownSelector(c.to));
    }
    let sel = [c.input[0], c.input[1], c.input[2], c.input[3]];
    if c.to == STAKING && sel == selector(SIG_STAKE) {
        words(c.input, 0)?;
        if c.value.is_zero() {
            return Err(SystemFailure::ZeroStake);
        }
        let total = ledger.stake(&c.sender) + c.value;
        ledger.validators.insert(c.sender, total);
        changes.validators.insert(c.sender);
        let mut data = c.value.to_be_bytes::<32>().to_vec();
        data.extend(total.to_be_bytes::<32>());
        return Ok(vec![event(STAKING, EV_STAKED, vec![topic_addr(&c.sender)], data)]);
    }
    if c.to == STAKING && sel == selector(SIG_UNSTAKE) {
        let w = words(c.input, 1)?;
        if !c.value.is_zero() {
            return Err(SystemFailure::NotPayable);
        }
        let amount = U256::from_be_bytes(w[0]);
        let have = ledger.stake(&c.sender);
        if amount.is_zero() {
            return Err(SystemFailure::ZeroStake);
        }
        if amount > have {
            return Err(SystemFailure::InsufficientStake { have, want: amount });
        }
        let total = have - amount;
        if total.is_zero() {
            ledger.validators.remove(&c.sender);
        } else {
            ledger.validators.insert(c.sender, total);
        }
        changes.validators.insert(c.sender);
        let acc = ledger.accounts.entry(c.sender).or_default();
        acc.balance += amount;
        changes.accounts.insert(c.sender);
        let mut data = amount.to_be_bytes::<32>().to_vec();
        data.extend(total.to_be_bytes::<32>());
        return Ok(vec![event(STAKING, EV_UNSTAKED, vec![topic_addr(&c.sender)], data)]);
    }
    if c.to == STAKING && sel == selector(SIG_REGISTER_VALIDATOR) {
        if !c.value.is_zero() {
            return Err(SystemFailure::NotPayable);
        }
        let keys = decode_register(c.input)?;
        if ledger.stake(&c.sender).is_zero() {
            return Err(SystemFailure::NotValidator(c.sender));
        }
        if ledger.registry.contains_key(&c.sender) {
            return Err(SystemFailure::AlreadyRegistered(c.sender));
        }
        for k in ledger.registry.values() {
            if k.identity == keys.identity {
                return Err(SystemFailure::KeyInUse("identity"));
            }
            if k.bls_public == keys.bls_public {
                return Err(SystemFailure::KeyInUse("BLS public key"));
            }
        }
        let identity = keys.identity;
        ledger.registry.insert(c.sender, keys);
        changes.registry.insert(c.sender);
        return Ok(vec![event(STAKING, EV_VALIDATOR_REGISTERED, vec![topic_addr(&c.sender)], identity.to_vec())]);
    }
    if c.to == OUTPUT_ORACLE && sel == selector(SIG_PROPOSE_OUTPUT) {
        let w = words(c.input, 3)?;
        if !c.value.is_zero() {
            return Err(SystemFailure::NotPayable);
        }
        let (env_id, l2) = (word_u64(&w[0])?, word_u64(&w[1])?);
        let root = B256::from(w[2]);
        if ledger.stake(&c.sender).is_zero() {
            return Err(SystemFailure::NotValidator(c.sender));
        }
        if ledger.outputs.contains_key(&(env_id, l2)) {
            return Err(SystemFailure::DuplicateOutput { env_id, l2 });
        }
        ledger.outputs.insert(
            (env_id, l2),
            OutputRecord { output_root: root, settlement_block: c.block, submitter: c.sender, tx_hash: c.tx_hash },
        );
        changes.outputs.insert((env_id, l2));
        let mut data = root.to_vec();
        data.extend(topic_addr(&c.sender));
        return Ok(vec![event(OUTPUT_ORACLE, EV_OUTPUT_PROPOSED, vec![topic_u64(env_id), topic_u64(l2)], data)]);
    }
    if c.to == DISPUTES && sel == selector(SIG_DISPUTE) {
        let w = words(c.input, 4)?;
        if !c.value.is_zero() {
            return Err(SystemFailure::NotPayable);
        }
        let (env_id, l2) = (word_u64(&w[0])?, word_u64(&w[1])?);
        let (posted, computed) = (B256::from(w[2]), B256::from(w[3]));
        let Some(rec) = ledger.outputs.get(&(env_id, l2)) else {
            return Err(SystemFailure::NoSuchOutput { env_id, l2 });
        };
        if rec.output_root != posted {
            return Err(SystemFailure::PostedRootMismatch);
        }
        if computed == posted {
            return Err(SystemFailure::NoDisagreement);
        }
        let index = ledger.disputes.len() as u64;
        ledger.disputes.push(DisputeRecord {
            env_id,
            l2_block_number: l2,
            posted_root: posted,
            computed_root: computed,
            submitter: c.sender,
            settlement_block: c.block,
            tx_hash: c.tx_hash,
        });
        if changes.disputes_from.is_none() {
            changes.disputes_from = Some(index);
        }
        let mut data = posted.to_vec();
        data.extend(computed);
        data.extend(topic_addr(&c.sender));
        return Ok(vec![event(DISPUTES, EV_DISPUTE_RAISED, vec![topic_u64(env_id), topic_u64(l2)], data)]);
    }
    Err(SystemFailure::UnknownSelector(c.to))
}

/// Blob count of a transaction (0 for non-blob ones).
pub fn blob_count(tx: &TxEnvelope) -> usize {
    tx.blob_versioned_hashes().map_or(0, |h| h.len())
}

/// The checks that do not need the state: chain id, type, blob count, fee-cap ordering,
/// intrinsic gas. The pool runs them before signature recovery.
pub fn stateless_checks(tx: &TxEnvelope, chain_id: u64) -> Result<(), TxInvalid> {
    match tx {
        TxEnvelope::Eip7702(_) => return Err(TxInvalid::UnsupportedType(4)),
        TxEnvelope::Legacy(t) => {
            if let Some(c) = t.tx().chain_id {
                if c != chain_id {
                    return Err(TxInvalid::ChainId { got: Some(c), want: chain_id });
                }
            }
        }
        _ => {
            if tx.chain_id() != Some(chain_id) {
                return Err(TxInvalid::ChainId { got: tx.chain_id(), want: chain_id });
            }
        }
    }
    if tx.kind() == TxKind::Create {
        return Err(TxInvalid::Create);
    }
    if let Some(tip) = tx.max_priority_fee_per_gas() {
        if tip > tx.max_fee_per_gas() {
            return Err(TxInvalid::TipAboveFeeCap);
        }
    }
    if let TxEnvelope::Eip4844(_) = tx {
        let n = blob_count(tx);
        if n == 0 {
            return Err(crate::error::BlobError::NoBlobs.into());
        }
        if n > MAX_BLOBS_PER_TX {
            return Err(crate::error::BlobError::TooManyBlobsInTx { got: n, limit: MAX_BLOBS_PER_TX }.into());
        }
    }
    let intrinsic = intrinsic_gas(tx);
    if tx.gas_limit() < intrinsic {
        return Err(TxInvalid::IntrinsicGas { gas_limit: tx.gas_limit(), intrinsic });
    }
    Ok(())
}

/// Largest amount the sender must hold up front.
/// Saturating: a value near 2^256 must not wrap into a small cost (U256 `+` wraps).
pub fn upfront_cost(tx: &TxEnvelope) -> U256 {
    let blob = U256::from(blob_count(tx) as u64 * GAS_PER_BLOB) * U256::from(tx.max_fee_per_blob_gas().unwrap_or(0));
    (U256::from(tx.gas_limit()) * U256::from(tx.max_fee_per_gas())).saturating_add(tx.value()).saturating_add(blob)
}

/// Executes one transaction. `Err` means the transaction is invalid in this block (nothing
/// changed); `Ok` carries the receipt data (possibly a failed system call).
pub fn apply_tx(
    ledger: &mut Ledger,
    env: &BlockEnv,
    tx: &TxEnvelope,
    sender: Address,
    tx_hash: B256,
    gas_remaining: u64,
    changes: &mut Changes,
) -> Result<Outcome, TxInvalid> {
    stateless_checks(tx, env.chain_id)?;
    let acc = ledger.account(&sender);
    if tx.nonce() != acc.nonce {
        return Err(TxInvalid::Nonce { expected: acc.nonce, got: tx.nonce() });
    }
    if tx.gas_limit() > gas_remaining {
        return Err(TxInvalid::BlockGas { gas_limit: tx.gas_limit(), remaining: gas_remaining });
    }
    if tx.max_fee_per_gas() < env.base_fee as u128 {
        return Err(TxInvalid::FeeCapTooLow { max_fee: tx.max_fee_per_gas(), base_fee: env.base_fee });
    }
    let blob_gas = blob_count(tx) as u64 * GAS_PER_BLOB;
    if blob_gas > 0 {
        let cap = tx.max_fee_per_blob_gas().unwrap_or(0);
        if cap < env.blob_base_fee {
            return Err(TxInvalid::BlobFeeCapTooLow { max_fee: cap, blob_base_fee: env.blob_base_fee });
        }
    }
    let want = upfront_cost(tx);
    if acc.balance < want {
        return Err(TxInvalid::InsufficientFunds { have: acc.balance, want });
    }
    let price = tx.effective_gas_price(Some(env.base_fee));
    let to = tx.to().expect("creation refused by stateless_checks");
    let intrinsic = intrinsic_gas(tx);
    let need = intrinsic + system_gas(&to, tx.input());
    let blob_fee = U256::from(blob_gas) * U256::from(env.blob_base_fee);

    // Nonce and fees first; the call's effects after.
    {
        let a = ledger.accounts.entry(sender).or_default();
        a.nonce += 1;
    }
    changes.accounts.insert(sender);
    let (success, gas_used, logs, failure) = if need > tx.gas_limit() {
        (false, tx.gas_limit(), vec![], Some(SystemFailure::OutOfGas { need, limit: tx.gas_limit() }))
    } else if is_system(&to) {
        // Value leaves the sender before the call (stake() locks it); restored on failure.
        // Every failure of `system_call` happens before it changes anything.
        let before = ledger.account(&sender);
        ledger.accounts.entry(sender).or_default().balance -= tx.value();
        let ctx = CallCtx { sender, to, value: tx.value(), input: tx.input(), block: env.number, tx_hash };
        let mut sc = Changes::default();
        match system_call(ledger, &ctx, &mut sc) {
            Ok(logs) => {
                changes.merge(&sc);
                (true, need, logs, None)
            }
            Err(f) => {
                ledger.accounts.insert(sender, before);
                (false, need, vec![], Some(f))
            }
        }
    } else {
        let v = tx.value();
        ledger.accounts.entry(sender).or_default().balance -= v;
        ledger.accounts.entry(to).or_default().balance += v;
        changes.accounts.insert(to);
        (true, need, vec![], None)
    };
    // Fees: gas_used at the effective price and the blob fee; the tip goes to the proposer.
    let fee = U256::from(gas_used) * U256::from(price) + blob_fee;
    ledger.accounts.entry(sender).or_default().balance -= fee;
    let tip = U256::from(gas_used) * U256::from(price.saturating_sub(env.base_fee as u128));
    if !tip.is_zero() {
        ledger.accounts.entry(env.proposer).or_default().balance += tip;
        changes.accounts.insert(env.proposer);
    }
    Ok(Outcome { success, gas_used, blob_gas_used: blob_gas, logs, failure })
}
