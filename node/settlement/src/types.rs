//! Wire and storage formats: the settlement header (own RLP), blocks in network form (blob
//! sidecars attached) and stored form (sidecars stripped), and the pooled-transaction type.

use alloy_consensus::{EthereumTxEnvelope, Signed, TxEip4844Variant, TxEip4844WithSidecar, TxEnvelope};
use alloy_eips::eip2718::{Decodable2718, Encodable2718};
use alloy_eips::eip7594::BlobTransactionSidecarVariant;
use alloy_primitives::{keccak256, Address, Bloom, Bytes, FixedBytes, B256, U256};
use alloy_rlp::{Decodable, Encodable, RlpDecodable, RlpEncodable};

use crate::error::DecodeError;

/// A blob sidecar in either network form: EIP-4844 (one blob proof per blob) or EIP-7594
/// (wrapper version 1, 128 cell proofs per blob).
pub type Sidecar = BlobTransactionSidecarVariant;

/// A transaction in network form: EIP-4844 transactions carry their sidecar, either
/// `0x03 ‖ rlp([tx_payload_body, blobs, commitments, proofs])` (EIP-4844) or
/// `0x03 ‖ rlp([tx_payload_body, 1, blobs, commitments, cell_proofs])` (EIP-7594); the form is
/// kept as received. Others are plain EIP-2718.
pub type NetTx = EthereumTxEnvelope<TxEip4844WithSidecar<Sidecar>>;

/// Largest encoded block accepted (9 blobs of 128 KiB plus transactions fit many times).
pub const MAX_BLOCK_BYTES: usize = 8 << 20;
/// Largest raw transaction accepted (6 blobs plus calldata; 6·128 EIP-7594 cell proofs are 37 KiB
/// of the slack).
pub const MAX_TX_BYTES: usize = 6 * 131_072 + (256 << 10);

/// The settlement header. `hash = keccak256(rlp(header))`.
#[derive(Clone, Debug, PartialEq, Eq, RlpEncodable, RlpDecodable)]
pub struct Header {
    pub parent_hash: B256,
    pub number: u64,
    /// Milliseconds since the Unix epoch (JSON-RPC shows seconds).
    pub timestamp_ms: u64,
    pub proposer: Address,
    /// Ordered trie root of the transactions' EIP-2718 bytes without sidecars (Ethereum's rule).
    pub transactions_root: B256,
    /// See [`crate::state::Ledger::root`].
    pub state_root: B256,
    /// Ordered trie root of the EIP-2718 receipts (Ethereum's rule).
    pub receipts_root: B256,
    pub logs_bloom: Bloom,
    pub gas_limit: u64,
    pub gas_used: u64,
    pub base_fee: u64,
    pub blob_gas_used: u64,
    pub excess_blob_gas: u64,
}

impl Header {
    pub fn hash(&self) -> B256 {
        keccak256(alloy_rlp::encode(self))
    }
}

#[derive(RlpEncodable, RlpDecodable)]
struct RawBlock {
    header: Header,
    txs: Vec<Bytes>,
}

/// A block with its transactions in network form (what proposers broadcast and validators check).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    pub header: Header,
    pub txs: Vec<NetTx>,
}

/// Splits a network-form transaction into its canonical envelope and sidecar.
pub fn split_tx(tx: NetTx) -> (TxEnvelope, Option<Sidecar>) {
    match tx {
        EthereumTxEnvelope::Legacy(t) => (TxEnvelope::Legacy(t), None),
        EthereumTxEnvelope::Eip2930(t) => (TxEnvelope::Eip2930(t), None),
        EthereumTxEnvelope::Eip1559(t) => (TxEnvelope::Eip1559(t), None),
        EthereumTxEnvelope::Eip7702(t) => (TxEnvelope::Eip7702(t), None),
        EthereumTxEnvelope::Eip4844(t) => {
            let (tx, sig, hash) = t.into_parts();
            let (tx, sidecar) = tx.into_parts();
            (TxEnvelope::Eip4844(Signed::new_unchecked(TxEip4844Variant::TxEip4844(tx), sig, hash)), Some(sidecar))
        }
    }
}

/// The canonical envelope of a network-form transaction (sidecar dropped, no blob copied).
pub fn canonical(tx: &NetTx) -> TxEnvelope {
    match tx {
        EthereumTxEnvelope::Legacy(t) => TxEnvelope::Legacy(t.clone()),
        EthereumTxEnvelope::Eip2930(t) => TxEnvelope::Eip2930(t.clone()),
        EthereumTxEnvelope::Eip1559(t) => TxEnvelope::Eip1559(t.clone()),
        EthereumTxEnvelope::Eip7702(t) => TxEnvelope::Eip7702(t.clone()),
        EthereumTxEnvelope::Eip4844(t) => TxEnvelope::Eip4844(Signed::new_unchecked(
            TxEip4844Variant::TxEip4844(t.tx().tx.clone()),
            *t.signature(),
            *t.hash(),
        )),
    }
}

/// Joins a canonical envelope with its sidecar into network form.
pub fn join_tx(tx: TxEnvelope, sidecar: Option<Sidecar>) -> Result<NetTx, DecodeError> {
    Ok(match (tx, sidecar) {
        (TxEnvelope::Legacy(t), None) => EthereumTxEnvelope::Legacy(t),
        (TxEnvelope::Eip2930(t), None) => EthereumTxEnvelope::Eip2930(t),
        (TxEnvelope::Eip1559(t), None) => EthereumTxEnvelope::Eip1559(t),
        (TxEnvelope::Eip7702(t), None) => EthereumTxEnvelope::Eip7702(t),
        (TxEnvelope::Eip4844(t), Some(s)) => {
            let (tx, sig, hash) = t.into_parts();
            let tx = match tx {
                TxEip4844Variant::TxEip4844(tx) => tx,
                TxEip4844Variant::TxEip4844WithSidecar(w) => w.tx,
            };
            EthereumTxEnvelope::Eip4844(Signed::new_unchecked(
                TxEip4844WithSidecar::from_tx_and_sidecar(tx, s),
                sig,
                hash,
            ))
        }
        (TxEnvelope::Eip4844(_), None) => return Err(DecodeError::MissingSidecar),
        (_, Some(_)) => return Err(DecodeError::Malformed("sidecar on a non-blob transaction".into())),
    })
}

/// Decodes one raw transaction in network form (either sidecar form; decoding is strict: the
/// encoding must be canonical and consumed exactly). A type-3 transaction without its sidecar
/// gets [`DecodeError::MissingSidecar`].
pub fn decode_net_tx(raw: &[u8]) -> Result<NetTx, DecodeError> {
    if raw.len() > MAX_TX_BYTES {
        return Err(DecodeError::TooLarge { limit: MAX_TX_BYTES, got: raw.len() });
    }
    match NetTx::decode_2718_exact(raw) {
        Ok(t) => Ok(t),
        Err(e) => {
            if raw.first() == Some(&3)
                && matches!(TxEnvelope::decode_2718_exact(raw), Ok(TxEnvelope::Eip4844(ref t)) if matches!(t.tx(), TxEip4844Variant::TxEip4844(_)))
            {
                return Err(DecodeError::MissingSidecar);
            }
            Err(DecodeError::Malformed(format!("transaction: {e}")))
        }
    }
}

impl Block {
    pub fn hash(&self) -> B256 {
        self.header.hash()
    }

    /// Network form: `rlp([header, [tx_network_bytes, …]])`.
    pub fn encode(&self) -> Vec<u8> {
        let raw =
            RawBlock { header: self.header.clone(), txs: self.txs.iter().map(|t| t.encoded_2718().into()).collect() };
        alloy_rlp::encode(&raw)
    }

    /// Decodes the network form; every byte must be consumed.
    pub fn decode(mut data: &[u8]) -> Result<Block, DecodeError> {
        if data.len() > MAX_BLOCK_BYTES {
            return Err(DecodeError::TooLarge { limit: MAX_BLOCK_BYTES, got: data.len() });
        }
        let raw = RawBlock::decode(&mut data).map_err(|e| DecodeError::Malformed(format!("block: {e}")))?;
        if !data.is_empty() {
            return Err(DecodeError::Malformed(format!("block: {} trailing bytes", data.len())));
        }
        let txs = raw.txs.iter().map(|t| decode_net_tx(t)).collect::<Result<Vec<_>, _>>()?;
        Ok(Block { header: raw.header, txs })
    }
}

/// A block as stored: canonical transactions, no sidecars.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredBlock {
    pub header: Header,
    pub txs: Vec<TxEnvelope>,
}

impl StoredBlock {
    pub fn encode(&self) -> Vec<u8> {
        let raw =
            RawBlock { header: self.header.clone(), txs: self.txs.iter().map(|t| t.encoded_2718().into()).collect() };
        alloy_rlp::encode(&raw)
    }

    pub fn decode(mut data: &[u8]) -> Result<StoredBlock, DecodeError> {
        let raw = RawBlock::decode(&mut data).map_err(|e| DecodeError::Malformed(format!("stored block: {e}")))?;
        let txs = raw
            .txs
            .iter()
            .map(|t| TxEnvelope::decode_2718_exact(t).map_err(|e| DecodeError::Malformed(format!("stored tx: {e}"))))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(StoredBlock { header: raw.header, txs })
    }
}

/// The proof(s) of a stored blob, in the form the sidecar was received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BlobProof {
    /// EIP-4844: one KZG proof for the whole blob.
    Blob(FixedBytes<48>),
    /// EIP-7594: one KZG proof per cell of the extended blob (128).
    Cells(Vec<FixedBytes<48>>),
}

/// RLP: a 48-byte string (EIP-4844; the record's encoding from before EIP-7594 support, byte
/// for byte) or a list of exactly 128 48-byte strings (EIP-7594).
impl Encodable for BlobProof {
    fn encode(&self, out: &mut dyn alloy_rlp::BufMut) {
        match self {
            BlobProof::Blob(p) => p.encode(out),
            BlobProof::Cells(v) => v.encode(out),
        }
    }

    fn length(&self) -> usize {
        match self {
            BlobProof::Blob(p) => p.length(),
            BlobProof::Cells(v) => v.length(),
        }
    }
}

impl Decodable for BlobProof {
    fn decode(buf: &mut &[u8]) -> alloy_rlp::Result<Self> {
        match buf.first() {
            Some(b) if *b >= alloy_rlp::EMPTY_LIST_CODE => {
                let v = Vec::<FixedBytes<48>>::decode(buf)?;
                if v.len() != gloam_kzg::CELLS_PER_EXT_BLOB {
                    return Err(alloy_rlp::Error::Custom("stored blob: cell proof count is not 128"));
                }
                Ok(BlobProof::Cells(v))
            }
            _ => Ok(BlobProof::Blob(FixedBytes::<48>::decode(buf)?)),
        }
    }
}

/// One stored blob with where it came from.
#[derive(Clone, Debug, PartialEq, Eq, RlpEncodable, RlpDecodable)]
pub struct BlobRecord {
    pub versioned_hash: B256,
    pub blob: Bytes,
    pub commitment: FixedBytes<48>,
    pub proof: BlobProof,
    pub block_number: u64,
    pub tx_hash: B256,
    /// Index of the blob within its transaction.
    pub index: u64,
}

/// The blobs of a network-form blob transaction as records (in sidecar order), each with its
/// proof(s) in the form received. `only` restricts to one versioned hash.
pub fn blob_records(
    tx: &Signed<TxEip4844WithSidecar<Sidecar>>,
    block_number: u64,
    only: Option<&B256>,
) -> Vec<BlobRecord> {
    let sc = &tx.tx().sidecar;
    let hashes = &tx.tx().tx.blob_versioned_hashes;
    let n = gloam_kzg::CELLS_PER_EXT_BLOB;
    let mut out = Vec::new();
    for (i, vh) in hashes.iter().enumerate() {
        if only.is_some_and(|h| h != vh) {
            continue;
        }
        let (blob, commitment, proof) = match sc {
            Sidecar::Eip4844(s) => match (s.blobs.get(i), s.commitments.get(i), s.proofs.get(i)) {
                (Some(b), Some(c), Some(p)) => (b, *c, BlobProof::Blob(*p)),
                _ => continue,
            },
            Sidecar::Eip7594(s) => {
                match (s.blobs.get(i), s.commitments.get(i), s.cell_proofs.get(i * n..(i + 1) * n)) {
                    (Some(b), Some(c), Some(p)) => (b, *c, BlobProof::Cells(p.to_vec())),
                    _ => continue,
                }
            }
        };
        out.push(BlobRecord {
            versioned_hash: *vh,
            blob: Bytes::copy_from_slice(blob.as_slice()),
            commitment,
            proof,
            block_number,
            tx_hash: *tx.hash(),
            index: i as u64,
        });
    }
    out
}

/// A state-commitment post recorded by OUTPUT_ORACLE.
#[derive(Clone, Debug, PartialEq, Eq, RlpEncodable, RlpDecodable)]
pub struct OutputRecord {
    pub output_root: B256,
    pub settlement_block: u64,
    pub submitter: Address,
    pub tx_hash: B256,
}

/// A dispute recorded by DISPUTES.
#[derive(Clone, Debug, PartialEq, Eq, RlpEncodable, RlpDecodable)]
pub struct DisputeRecord {
    pub env_id: u64,
    pub l2_block_number: u64,
    pub posted_root: B256,
    pub computed_root: B256,
    pub submitter: Address,
    pub settlement_block: u64,
    pub tx_hash: B256,
}

/// Consensus keys a staker registered with `registerValidator` (STAKING). Immutable once
/// registered; only sizes and the endpoint's syntax are checked on chain — the node checks the
/// keys themselves (point decoding, BLS proof of possession) when it turns a committee into a
/// consensus validator list, and leaves out an entry that fails.
#[derive(Clone, Debug, PartialEq, Eq, RlpEncodable, RlpDecodable)]
pub struct ValidatorKeys {
    /// ed25519 identity public key (p2p and consensus identity).
    pub identity: B256,
    /// BLS12-381 public key (MinPk, G1 compressed, 48 bytes).
    pub bls_public: Bytes,
    /// Proof of possession of the BLS key (G2 compressed, 96 bytes).
    pub bls_pop: Bytes,
    /// p2p endpoint "ip:port" (UTF-8, a socket address).
    pub endpoint: Bytes,
}

/// One member of an epoch's committee as the ledger recorded it at the epoch boundary.
#[derive(Clone, Debug, PartialEq, Eq, RlpEncodable, RlpDecodable)]
pub struct CommitteeMember {
    pub address: Address,
    /// Stake at the snapshot (wei).
    pub stake: U256,
}

/// Output root of an EVM-environment block: keccak256(version 0 (32 zero bytes) ‖ stateRoot ‖
/// blockHash). The OP-stack shape without the withdrawal storage root (gloam has no L2→L1
/// withdrawals yet).
pub fn output_root(state_root: B256, block_hash: B256) -> B256 {
    let mut buf = [0u8; 96];
    buf[32..64].copy_from_slice(state_root.as_slice());
    buf[64..].copy_from_slice(block_hash.as_slice());
    keccak256(buf)
}

pub(crate) fn encode_rlp<T: Encodable>(x: &T) -> Vec<u8> {
    alloy_rlp::encode(x)
}
