//! Settlement-layer conventions (re-exported from gloam-settlement: system addresses, the envId of
//! the EVM environment, the output-root formula) and the ABI calldata of the system calls.

use alloy_primitives::{Bytes, B256};

// One definition of the conventions: the settlement crate's (system addresses, ids, signatures,
// the output-root formula and the selector).
pub use gloam_settlement::output_root;
pub use gloam_settlement::params::{
    selector, BATCH_INBOX, DEV_CHAIN_ID as SETTLEMENT_DEV_CHAIN_ID, DISPUTES, EVM_ENV_ID as ENV_ID_EVM, OUTPUT_ORACLE,
    SIG_DISPUTE as DISPUTE_SIG, SIG_PROPOSE_OUTPUT as PROPOSE_OUTPUT_SIG, STAKING,
};

fn word_u64(x: u64) -> [u8; 32] {
    let mut w = [0u8; 32];
    w[24..].copy_from_slice(&x.to_be_bytes());
    w
}

fn read_u64(w: &[u8]) -> Option<u64> {
    if w[..24].iter().any(|&b| b != 0) {
        return None;
    }
    Some(u64::from_be_bytes(w[24..32].try_into().ok()?))
}

/// `proposeOutput(uint64 envId, uint64 l2BlockNumber, bytes32 outputRoot)` calldata.
pub fn propose_output_calldata(env_id: u64, l2_block: u64, root: B256) -> Bytes {
    let mut v = selector(PROPOSE_OUTPUT_SIG).to_vec();
    v.extend(word_u64(env_id));
    v.extend(word_u64(l2_block));
    v.extend(root.0);
    v.into()
}

/// `dispute(uint64 envId, uint64 l2BlockNumber, bytes32 postedRoot, bytes32 computedRoot)`.
pub fn dispute_calldata(env_id: u64, l2_block: u64, posted: B256, computed: B256) -> Bytes {
    let mut v = selector(DISPUTE_SIG).to_vec();
    v.extend(word_u64(env_id));
    v.extend(word_u64(l2_block));
    v.extend(posted.0);
    v.extend(computed.0);
    v.into()
}

/// Parses `proposeOutput` calldata strictly (exact length, uint64 words with zero high bytes).
pub fn decode_propose_output(input: &[u8]) -> Option<(u64, u64, B256)> {
    if input.len() != 4 + 96 || input[..4] != selector(PROPOSE_OUTPUT_SIG) {
        return None;
    }
    let a = &input[4..];
    Some((read_u64(&a[..32])?, read_u64(&a[32..64])?, B256::from_slice(&a[64..96])))
}

/// Parses `dispute` calldata strictly.
pub fn decode_dispute(input: &[u8]) -> Option<(u64, u64, B256, B256)> {
    if input.len() != 4 + 128 || input[..4] != selector(DISPUTE_SIG) {
        return None;
    }
    let a = &input[4..];
    Some((read_u64(&a[..32])?, read_u64(&a[32..64])?, B256::from_slice(&a[64..96]), B256::from_slice(&a[96..128])))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_match_known_values() {
        // Well-known selectors (ERC-20), as solc and every ABI tool compute them.
        assert_eq!(selector("transfer(address,uint256)"), [0xa9, 0x05, 0x9c, 0xbb]);
        assert_eq!(selector("balanceOf(address)"), [0x70, 0xa0, 0x82, 0x31]);
        let c = propose_output_calldata(1, 0x1234, B256::repeat_byte(7));
        assert_eq!(c.len(), 100);
        assert_eq!(c[4 + 31], 1);
        assert_eq!(&c[4 + 62..4 + 64], &[0x12, 0x34]);
        assert_eq!(decode_propose_output(&c), Some((1, 0x1234, B256::repeat_byte(7))));
        let mut bad = c.to_vec();
        bad[4] = 1; // envId above u64
        assert_eq!(decode_propose_output(&bad), None);
        let d = dispute_calldata(1, 9, B256::repeat_byte(1), B256::repeat_byte(2));
        assert_eq!(decode_dispute(&d), Some((1, 9, B256::repeat_byte(1), B256::repeat_byte(2))));
        assert_eq!(decode_dispute(&d[..100]), None);
    }

    #[test]
    fn output_root_formula() {
        let s = B256::repeat_byte(0x11);
        let h = B256::repeat_byte(0x22);
        let mut pre = vec![0u8; 32];
        pre.extend([0x11; 32]);
        pre.extend([0x22; 32]);
        assert_eq!(output_root(s, h), alloy_primitives::keccak256(pre));
        assert_ne!(output_root(s, h), output_root(h, s));
    }
}
