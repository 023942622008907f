//! Signed-transaction builders for tests and benchmarks (keys from the dev mnemonic or any
//! `PrivateKeySigner`).

use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope, TxLegacy};
use alloy_primitives::{Address, Bytes, TxKind, U256};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;

/// Creation bytecode of `GloamToken` (node/clients/contracts/GloamToken.sol, the ERC-20 the client
/// tests use), compiled by solc 0.8.30 (evm cancun, `node node/clients/compile.mjs`); constructor
/// `(string name, string symbol, uint256 supply)`.
pub const GLOAM_TOKEN_HEX: &str = include_str!("../testdata/gloam_token.hex");

/// Default fee cap / tip for test transactions: 100 gwei / 1 gwei.
pub const TEST_MAX_FEE: u128 = 100_000_000_000;
pub const TEST_TIP: u128 = 1_000_000_000;

fn sign<T: SignableTransaction<alloy_primitives::Signature>>(signer: &PrivateKeySigner, tx: T) -> TxEnvelope
where
    TxEnvelope: From<alloy_consensus::Signed<T>>,
{
    let sig = signer.sign_hash_sync(&tx.signature_hash()).expect("local signing cannot fail");
    TxEnvelope::from(tx.into_signed(sig))
}

/// An EIP-1559 transaction.
#[allow(clippy::too_many_arguments)]
pub fn eip1559(
    signer: &PrivateKeySigner,
    chain_id: u64,
    nonce: u64,
    to: TxKind,
    value: U256,
    input: Bytes,
    gas_limit: u64,
) -> TxEnvelope {
    sign(
        signer,
        TxEip1559 {
            chain_id,
            nonce,
            gas_limit,
            max_fee_per_gas: TEST_MAX_FEE,
            max_priority_fee_per_gas: TEST_TIP,
            to,
            value,
            access_list: Default::default(),
            input,
        },
    )
}

/// A plain value transfer (EIP-1559, 21,000 gas).
pub fn transfer(signer: &PrivateKeySigner, chain_id: u64, nonce: u64, to: Address, value: U256) -> TxEnvelope {
    eip1559(signer, chain_id, nonce, TxKind::Call(to), value, Bytes::new(), 21_000)
}

/// A legacy EIP-155 transaction with an explicit gas price.
pub fn legacy(
    signer: &PrivateKeySigner,
    chain_id: Option<u64>,
    nonce: u64,
    to: TxKind,
    value: U256,
    gas_limit: u64,
    gas_price: u128,
) -> TxEnvelope {
    sign(signer, TxLegacy { chain_id, nonce, gas_price, gas_limit, to, value, input: Bytes::new() })
}

fn word(x: U256) -> [u8; 32] {
    x.to_be_bytes::<32>()
}

/// ABI-encoded constructor call deploying `GloamToken(name, symbol, supply)`.
pub fn token_deploy_input(name: &str, symbol: &str, supply: U256) -> Bytes {
    let mut code = hex::decode(GLOAM_TOKEN_HEX.trim()).expect("embedded hex");
    let pad = |s: &str| {
        let mut v = word(U256::from(s.len())).to_vec();
        let mut d = s.as_bytes().to_vec();
        d.resize(s.len().div_ceil(32) * 32, 0);
        v.extend(d);
        v
    };
    let name_enc = pad(name);
    code.extend(word(U256::from(0x60)));
    code.extend(word(U256::from(0x60 + name_enc.len())));
    code.extend(word(supply));
    code.extend(name_enc);
    code.extend(pad(symbol));
    code.into()
}

/// `transfer(address,uint256)` calldata.
pub fn token_transfer_input(to: Address, amount: U256) -> Bytes {
    let mut v = vec![0xa9, 0x05, 0x9c, 0xbb];
    let mut a = [0u8; 32];
    a[12..].copy_from_slice(to.as_slice());
    v.extend(a);
    v.extend(word(amount));
    v.into()
}

/// `balanceOf(address)` calldata.
pub fn token_balance_input(who: Address) -> Bytes {
    let mut v = vec![0x70, 0xa0, 0x82, 0x31];
    let mut a = [0u8; 32];
    a[12..].copy_from_slice(who.as_slice());
    v.extend(a);
    v.into()
}

/// Deterministic extra accounts: key i = keccak("gloam-test-account" ‖ i).
pub fn test_signer(i: u64) -> PrivateKeySigner {
    let mut seed = b"gloam-test-account".to_vec();
    seed.extend_from_slice(&i.to_be_bytes());
    let k = alloy_primitives::keccak256(&seed);
    PrivateKeySigner::from_bytes(&k).expect("a keccak output is a valid key with overwhelming probability")
}

/// The EIP-2718 bytes of a transaction (what `eth_sendRawTransaction` takes).
pub fn encode(tx: &TxEnvelope) -> Vec<u8> {
    alloy_eips::eip2718::Encodable2718::encoded_2718(tx)
}

/// `0x`-prefixed hex of the EIP-2718 bytes.
pub fn encode_hex(tx: &TxEnvelope) -> String {
    format!("0x{}", hex::encode(encode(tx)))
}
