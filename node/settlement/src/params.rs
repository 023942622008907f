//! Chain parameters: fee rules, blob limits, system addresses and their ABI selectors.
//!
//! Fee rules (each from its EIP):
//! * base fee: EIP-1559 (elasticity 2, change denominator 8, initial 1 gwei);
//! * blob gas: EIP-4844 (131,072 blob gas per blob, `excess_blob_gas` carried in the header,
//!   blob base fee = `fake_exponential(1, excess, update_fraction)`) with the Prague schedule of
//!   EIP-7691: target 6 / max 9 blobs per block, update fraction 5,007,716;
//! * at most 6 blobs per transaction: the per-transaction limit EIP-7594 introduced.

use alloy_primitives::{address, keccak256, Address, U256};

/// Settlement dev chain id (the EVM environment's is 1337).
pub const DEV_CHAIN_ID: u64 = 1338;
/// Default block gas limit.
pub const DEFAULT_GAS_LIMIT: u64 = 30_000_000;
/// EIP-1559's initial base fee (1 gwei); the genesis block carries it.
pub const INITIAL_BASE_FEE: u64 = 1_000_000_000;
/// The base fee never drops below this (keeps fee caps of clients meaningful on an idle chain).
pub const MIN_BASE_FEE: u64 = 7;

/// EIP-4844: blob gas per blob (2^17).
pub const GAS_PER_BLOB: u64 = 131_072;
/// EIP-7691 (Prague) target blobs per block.
pub const TARGET_BLOBS_PER_BLOCK: u64 = 6;
/// EIP-7691 (Prague) maximum blobs per block.
pub const MAX_BLOBS_PER_BLOCK: u64 = 9;
/// EIP-7594's per-transaction limit.
pub const MAX_BLOBS_PER_TX: usize = 6;
/// EIP-7691 (Prague) `BLOB_BASE_FEE_UPDATE_FRACTION`.
pub const BLOB_BASE_FEE_UPDATE_FRACTION: u128 = 5_007_716;
/// EIP-4844 `MIN_BASE_FEE_PER_BLOB_GAS`.
pub const MIN_BLOB_BASE_FEE: u128 = 1;
/// EIP-4844 versioned-hash version byte for KZG commitments.
pub const VERSIONED_HASH_VERSION_KZG: u8 = 0x01;

/// Blob transactions are sent to BATCH_INBOX by the batcher; any address may receive them.
pub const STAKING: Address = address!("5e77000000000000000000000000000000000001");
pub const OUTPUT_ORACLE: Address = address!("5e77000000000000000000000000000000000002");
pub const DISPUTES: Address = address!("5e77000000000000000000000000000000000003");
pub const BATCH_INBOX: Address = address!("5e77000000000000000000000000000000000004");
/// envId of the EVM environment.
pub const EVM_ENV_ID: u64 = 1;

/// Execution gas charged on top of the intrinsic gas by each system call.
pub const STAKE_GAS: u64 = 20_000;
pub const UNSTAKE_GAS: u64 = 20_000;
pub const PROPOSE_OUTPUT_GAS: u64 = 40_000;
pub const DISPUTE_GAS: u64 = 40_000;
pub const REGISTER_VALIDATOR_GAS: u64 = 60_000;

/// Committees: epoch length in blocks (the consensus config's `epoch_length` must agree; the
/// node passes it through), the stake needed to be in a committee, and the committee size cap.
pub const DEFAULT_EPOCH_LENGTH: u64 = 1024;
pub const DEFAULT_MIN_VALIDATOR_STAKE_WEI: u128 = 1_000_000_000_000_000_000;
pub const MAX_COMMITTEE: usize = 100;
/// Longest accepted p2p endpoint string in `registerValidator`.
pub const MAX_ENDPOINT_BYTES: usize = 64;

/// First 4 bytes of keccak256 of a function signature (Solidity ABI).
pub fn selector(signature: &str) -> [u8; 4] {
    let h = keccak256(signature.as_bytes());
    [h[0], h[1], h[2], h[3]]
}

pub const SIG_STAKE: &str = "stake()";
pub const SIG_UNSTAKE: &str = "unstake(uint256)";
pub const SIG_PROPOSE_OUTPUT: &str = "proposeOutput(uint64,uint64,bytes32)";
pub const SIG_DISPUTE: &str = "dispute(uint64,uint64,bytes32,bytes32)";
/// ed25519 identity key, BLS12-381 public key (48 bytes), its proof of possession (96 bytes),
/// p2p endpoint "ip:port".
pub const SIG_REGISTER_VALIDATOR: &str = "registerValidator(bytes32,bytes,bytes,string)";
/// Views answered by `eth_call`.
pub const SIG_STAKE_OF: &str = "stakeOf(address)";
pub const SIG_OUTPUT_ROOT: &str = "outputRoot(uint64,uint64)";

/// Event signatures of the logs system calls emit.
pub const EV_STAKED: &str = "Staked(address,uint256,uint256)";
pub const EV_UNSTAKED: &str = "Unstaked(address,uint256,uint256)";
pub const EV_VALIDATOR_REGISTERED: &str = "ValidatorRegistered(address,bytes32)";
pub const EV_OUTPUT_PROPOSED: &str = "OutputProposed(uint64,uint64,bytes32,address)";
pub const EV_DISPUTE_RAISED: &str = "DisputeRaised(uint64,uint64,bytes32,bytes32,address)";

/// EIP-1559 next base fee from the parent's gas used and limit (elasticity 2, denominator 8).
pub fn next_base_fee(parent_base_fee: u64, parent_gas_used: u64, parent_gas_limit: u64) -> u64 {
    let target = parent_gas_limit / 2;
    let base = parent_base_fee as u128;
    let next = if target == 0 || parent_gas_used == target {
        base
    } else if parent_gas_used > target {
        let delta = (base * (parent_gas_used - target) as u128 / target as u128 / 8).max(1);
        base + delta
    } else {
        let delta = base * (target - parent_gas_used) as u128 / target as u128 / 8;
        base.saturating_sub(delta)
    };
    (next.min(u64::MAX as u128) as u64).max(MIN_BASE_FEE)
}

/// EIP-4844 `calc_excess_blob_gas` with the Prague target.
pub fn next_excess_blob_gas(parent_excess: u64, parent_blob_gas_used: u64) -> u64 {
    (parent_excess + parent_blob_gas_used).saturating_sub(TARGET_BLOBS_PER_BLOCK * GAS_PER_BLOB)
}

/// EIP-4844 `fake_exponential(factor, numerator, denominator)`: the Taylor series of
/// factor·e^(numerator/denominator) in integers, as specified. Saturates at `u128::MAX`.
pub fn fake_exponential(factor: u128, numerator: u128, denominator: u128) -> u128 {
    if denominator == 0 {
        return factor;
    }
    let (f, n, d) = (U256::from(factor), U256::from(numerator), U256::from(denominator));
    let mut i = U256::from(1u8);
    let mut output = U256::ZERO;
    let mut acc = f * d;
    while !acc.is_zero() {
        output = output.saturating_add(acc);
        acc = acc.saturating_mul(n) / (d * i);
        i += U256::from(1u8);
    }
    let out = output / d;
    if out > U256::from(u128::MAX) {
        u128::MAX
    } else {
        out.to::<u128>()
    }
}

/// Blob base fee for a block with this excess blob gas (EIP-4844 `get_base_fee_per_blob_gas`).
pub fn blob_base_fee(excess_blob_gas: u64) -> u128 {
    fake_exponential(MIN_BLOB_BASE_FEE, excess_blob_gas as u128, BLOB_BASE_FEE_UPDATE_FRACTION)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selector_matches_known_erc20() {
        assert_eq!(selector("transfer(address,uint256)"), [0xa9, 0x05, 0x9c, 0xbb]);
        assert_eq!(selector("balanceOf(address)"), [0x70, 0xa0, 0x82, 0x31]);
    }

    /// Our `fake_exponential` against alloy-eips' (a peer implementation), over a seeded sweep.
    #[test]
    fn fake_exponential_matches_alloy() {
        let seed = 0x5e77_u64;
        let mut m = gloam_evm::fuzzing::Mutator::new(seed);
        for i in 0..2000u64 {
            let excess = match i % 3 {
                0 => i * 131_072,
                1 => m.next_u64() % (400 * 131_072),
                _ => m.next_u64() % 100_000_000,
            };
            let ours = blob_base_fee(excess);
            let theirs = alloy_eips::eip4844::fake_exponential(1, excess as u128, BLOB_BASE_FEE_UPDATE_FRACTION);
            assert_eq!(ours, theirs, "excess {excess} (seed {seed})");
        }
        assert_eq!(blob_base_fee(0), 1);
        // Known spec values: factor 1, numerator = denominator → floor(e) = 2.
        assert_eq!(fake_exponential(1, 5_007_716, 5_007_716), 2);
    }

    #[test]
    fn base_fee_rule_against_alloy() {
        use alloy_eips::eip1559::{calc_next_block_base_fee, BaseFeeParams};
        for (used, limit, fee) in [
            (0u64, 30_000_000u64, 1_000_000_000u64),
            (15_000_000, 30_000_000, 1_000_000_000),
            (30_000_000, 30_000_000, 1_000_000_000),
            (21_000, 30_000_000, 875_000_000),
            (29_000_000, 30_000_000, 12_345_678_901),
        ] {
            assert_eq!(
                next_base_fee(fee, used, limit),
                calc_next_block_base_fee(used, limit, fee, BaseFeeParams::ethereum()).max(MIN_BASE_FEE),
                "used {used}"
            );
        }
    }

    #[test]
    fn excess_blob_gas_prague() {
        assert_eq!(next_excess_blob_gas(0, 9 * GAS_PER_BLOB), 3 * GAS_PER_BLOB);
        assert_eq!(next_excess_blob_gas(3 * GAS_PER_BLOB, 0), 0);
        assert_eq!(next_excess_blob_gas(10 * GAS_PER_BLOB, 6 * GAS_PER_BLOB), 10 * GAS_PER_BLOB);
        // Blob base fee rises after sustained full blocks.
        let mut excess = 0;
        for _ in 0..100 {
            excess = next_excess_blob_gas(excess, 9 * GAS_PER_BLOB);
        }
        assert!(blob_base_fee(excess) > 1);
    }
}
