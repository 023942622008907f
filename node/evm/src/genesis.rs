//! Genesis: the dev chain's embedded defaults (10 accounts from the standard test mnemonic) and
//! geth-style `genesis.json` files.

use alloy_consensus::{constants::EMPTY_WITHDRAWALS, Header, EMPTY_OMMER_ROOT_HASH};
use alloy_eips::eip7685::EMPTY_REQUESTS_HASH;
use alloy_primitives::{Address, B256, B64, U256};
use alloy_signer_local::{coins_bip39::English, MnemonicBuilder, PrivateKeySigner};
use alloy_trie::EMPTY_ROOT_HASH;

use crate::state::{AccountData, WorldState};
use crate::EvmError;

/// The mnemonic every Ethereum dev tool defaults to (Hardhat, Foundry, Ganache).
pub const DEV_MNEMONIC: &str = "test test test test test test test test test test test junk";
/// 10,000 ETH per dev account, as anvil and Hardhat fund them.
pub const DEV_BALANCE_WEI: u128 = 10_000 * 1_000_000_000_000_000_000;
/// EIP-1559's initial base fee (1 gwei).
pub const INITIAL_BASE_FEE: u64 = 1_000_000_000;
/// Default block gas limit of the dev chain (what anvil uses).
pub const DEV_GAS_LIMIT: u64 = 30_000_000;
pub const DEV_CHAIN_ID: u64 = 1337;

/// The `index`-th dev key, BIP-44 path m/44'/60'/0'/0/index.
pub fn dev_signer(index: u32) -> PrivateKeySigner {
    MnemonicBuilder::<English>::default()
        .phrase(DEV_MNEMONIC)
        .index(index)
        .and_then(|b| b.build())
        .expect("the embedded mnemonic and path are valid")
}

/// Chain parameters every block is built and checked against.
#[derive(Clone, Debug)]
pub struct ChainSpec {
    pub chain_id: u64,
    pub genesis: Header,
}

/// A genesis state plus header.
pub struct GenesisState {
    pub spec: ChainSpec,
    pub state: WorldState,
}

/// The dev chain: `accounts` funded dev accounts, chain id and gas limit.
pub fn dev_genesis(chain_id: u64, accounts: u32, gas_limit: u64) -> GenesisState {
    let mut state = WorldState::default();
    for i in 0..accounts {
        let address = dev_signer(i).address();
        state.insert_account(
            address,
            AccountData { nonce: 0, balance: U256::from(DEV_BALANCE_WEI), code_hash: alloy_trie::KECCAK_EMPTY },
        );
    }
    add_prague_predeploys(&mut state);
    finish(chain_id, state, 0, gas_limit, Address::ZERO, Default::default(), B256::ZERO, INITIAL_BASE_FEE)
}

/// The Prague system contracts every Prague chain carries, with the canonical code (the
/// constants of alloy-eips, from EIP-4788, EIP-2935, EIP-7002 and EIP-7251), nonce 1 as geth's
/// dev genesis deploys them: the beacon-roots and block-hash history contracts written by the
/// pre-block system calls, and the withdrawal/consolidation request queues read after each block.
pub fn add_prague_predeploys(state: &mut WorldState) {
    use alloy_eips::{eip2935, eip4788, eip7002, eip7251};
    for (address, code) in [
        (eip4788::BEACON_ROOTS_ADDRESS, &eip4788::BEACON_ROOTS_CODE),
        (eip2935::HISTORY_STORAGE_ADDRESS, &eip2935::HISTORY_STORAGE_CODE),
        (eip7002::WITHDRAWAL_REQUEST_PREDEPLOY_ADDRESS, &eip7002::WITHDRAWAL_REQUEST_PREDEPLOY_CODE),
        (eip7251::CONSOLIDATION_REQUEST_PREDEPLOY_ADDRESS, &eip7251::CONSOLIDATION_REQUEST_PREDEPLOY_CODE),
    ] {
        let code_hash = state.insert_code(code.to_vec());
        state.insert_account(address, AccountData { nonce: 1, balance: U256::ZERO, code_hash });
    }
}

/// A dev-style genesis funding the given accounts (benchmarks and tests with many senders),
/// with or without the Prague system contracts.
pub fn genesis_with_accounts(
    chain_id: u64,
    gas_limit: u64,
    accounts: impl IntoIterator<Item = (Address, U256)>,
    predeploys: bool,
) -> GenesisState {
    let mut state = WorldState::default();
    for (address, balance) in accounts {
        state.insert_account(address, AccountData { nonce: 0, balance, code_hash: alloy_trie::KECCAK_EMPTY });
    }
    if predeploys {
        add_prague_predeploys(&mut state);
    }
    finish(chain_id, state, 0, gas_limit, Address::ZERO, Default::default(), B256::ZERO, INITIAL_BASE_FEE)
}

/// A geth-style `genesis.json` (the `config.chainId` field gives the chain id).
pub fn genesis_from_json(json: &str) -> Result<GenesisState, EvmError> {
    let g: alloy_genesis::Genesis =
        serde_json::from_str(json).map_err(|e| EvmError::Genesis(format!("genesis.json: {e}")))?;
    let mut state = WorldState::default();
    for (address, acc) in &g.alloc {
        let code_hash = match &acc.code {
            Some(code) if !code.is_empty() => state.insert_code(code.to_vec()),
            _ => alloy_trie::KECCAK_EMPTY,
        };
        state.insert_account(*address, AccountData { nonce: acc.nonce.unwrap_or(0), balance: acc.balance, code_hash });
        for (slot, value) in acc.storage.iter().flatten() {
            state.insert_storage(*address, U256::from_be_bytes(slot.0), U256::from_be_bytes(value.0));
        }
    }
    let base_fee = g.base_fee_per_gas.map(|b| b as u64).unwrap_or(INITIAL_BASE_FEE);
    Ok(finish(
        g.config.chain_id,
        state,
        g.timestamp,
        g.gas_limit,
        g.coinbase,
        g.extra_data.clone(),
        g.mix_hash,
        base_fee,
    ))
}

#[allow(clippy::too_many_arguments)]
fn finish(
    chain_id: u64,
    mut state: WorldState,
    timestamp: u64,
    gas_limit: u64,
    coinbase: Address,
    extra_data: alloy_primitives::Bytes,
    mix_hash: B256,
    base_fee: u64,
) -> GenesisState {
    let header = Header {
        parent_hash: B256::ZERO,
        ommers_hash: EMPTY_OMMER_ROOT_HASH,
        beneficiary: coinbase,
        state_root: state.state_root(),
        transactions_root: EMPTY_ROOT_HASH,
        receipts_root: EMPTY_ROOT_HASH,
        logs_bloom: Default::default(),
        difficulty: U256::ZERO,
        number: 0,
        gas_limit,
        gas_used: 0,
        timestamp,
        extra_data,
        mix_hash,
        nonce: B64::ZERO,
        base_fee_per_gas: Some(base_fee),
        withdrawals_root: Some(EMPTY_WITHDRAWALS),
        blob_gas_used: Some(0),
        excess_blob_gas: Some(0),
        parent_beacon_block_root: Some(B256::ZERO),
        requests_hash: Some(EMPTY_REQUESTS_HASH),
        block_access_list_hash: None,
        slot_number: None,
    };
    GenesisState { spec: ChainSpec { chain_id, genesis: header }, state }
}
