//! `chain.rlp` files: blocks as concatenated RLP, the format geth's `import`/`export` and the
//! execution-apis test corpus use.

use std::io::Write;

use alloy_consensus::{Block, TxEnvelope};
use alloy_rlp::Decodable;

use crate::chain::{Chain, ChainError};

/// Outcome of an import.
#[derive(Debug, Default, Clone)]
pub struct ImportReport {
    pub imported: u64,
    pub skipped_known: u64,
    pub transactions: u64,
    pub gas: u64,
    pub seconds: f64,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("malformed RLP at byte {offset}: {detail}")]
    Rlp { offset: usize, detail: String },
    #[error("block {index} in the file: {source}")]
    Block { index: usize, source: ChainError },
    #[error("block {number} in the file is already known with a different hash")]
    Conflict { number: u64 },
}

/// Splits a file into blocks (all decoded before anything is imported, so a malformed file
/// imports nothing).
pub fn decode_blocks(bytes: &[u8]) -> Result<Vec<Block<TxEnvelope>>, ImportError> {
    let mut rest = bytes;
    let mut out = Vec::new();
    while !rest.is_empty() {
        let offset = bytes.len() - rest.len();
        let block =
            Block::<TxEnvelope>::decode(&mut rest).map_err(|e| ImportError::Rlp { offset, detail: e.to_string() })?;
        out.push(block);
    }
    Ok(out)
}

/// Imports every block after the current head; blocks the chain already has must match.
/// `progress` is called after each block with (done, total).
pub fn import(chain: &Chain, bytes: &[u8], mut progress: impl FnMut(u64, u64)) -> Result<ImportReport, ImportError> {
    let t = std::time::Instant::now();
    let blocks = decode_blocks(bytes)?;
    let total = blocks.len() as u64;
    let mut report = ImportReport::default();
    for (index, block) in blocks.into_iter().enumerate() {
        let number = block.header.number;
        if number <= chain.head_number() {
            let known = chain.block_by_number(number).map_err(|source| ImportError::Block { index, source })?;
            match known {
                Some(k) if k.hash == block.header.hash_slow() => {
                    report.skipped_known += 1;
                    continue;
                }
                _ => return Err(ImportError::Conflict { number }),
            }
        }
        report.transactions += block.body.transactions.len() as u64;
        report.gas += block.header.gas_used;
        chain.import_block(block).map_err(|source| ImportError::Block { index, source })?;
        report.imported += 1;
        progress(index as u64 + 1, total);
    }
    report.seconds = t.elapsed().as_secs_f64();
    Ok(report)
}

/// Writes blocks `from..=to` (default: genesis to head) as concatenated RLP.
pub fn export(chain: &Chain, out: &mut impl Write, from: u64, to: Option<u64>) -> Result<u64, String> {
    let to = to.unwrap_or_else(|| chain.head_number()).min(chain.head_number());
    let mut n = 0;
    for number in from..=to {
        let raw = chain.block_rlp(number).map_err(|e| e.to_string())?.ok_or(format!("block {number} missing"))?;
        out.write_all(&raw).map_err(|e| e.to_string())?;
        n += 1;
    }
    Ok(n)
}
