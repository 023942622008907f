//! Channels: an ordered run of EVM-environment blocks, compressed, cut into frames; and the
//! channel bank that reassembles frames on the derivation side.
//!
//! ```text
//! channel (uncompressed) = block_rlp ‖ block_rlp ‖ …     (each `Chain::block_rlp(n)`, ascending)
//! channel (compressed)   = zlib(level 6, RFC 1950) of the above
//! frames                 = compressed channel cut into pieces of ≤ max_frame_data bytes,
//!                          numbered 0, 1, …; the final piece has is_last = 1
//! channel id             = keccak256("gloam-channel" ‖ first block hash ‖ last block hash
//!                          ‖ attempt (u32 BE, 0 unless re-posted))[..16]
//! ```
//!
//! This is the OP Stack's channel shape (specs.optimism.io, "Channel Format": zlib-compressed
//! RLP, a 10,000,000-byte cap on the decompressed size, frames reassembled in order, a channel
//! timeout counted in settlement blocks), with whole blocks in place of OP's batches (gloam
//! re-executes them, so the state root and hash in each header are checked on import). The id
//! is derived from the content rather than random, so the batcher rebuilds byte-identical
//! frames after a restart.

use std::collections::{BTreeMap, HashSet, VecDeque};
use std::io::{Read, Write};

use alloy_consensus::{Block, TxEnvelope};
use alloy_primitives::{keccak256, B256};
use alloy_rlp::Decodable;
use flate2::Compression;

use crate::frame::{ChannelId, Frame, CHANNEL_ID_LEN};

/// The fixed zlib level (deterministic output for a given flate2/miniz_oxide version).
pub const ZLIB_LEVEL: u32 = 6;
/// The OP spec's `MAX_RLP_BYTES_PER_CHANNEL` (Bedrock value).
pub const MAX_RLP_BYTES_PER_CHANNEL: usize = 10_000_000;
/// How much compressed data one channel may buffer in the bank.
pub const MAX_COMPRESSED_CHANNEL: usize = 8 * 1024 * 1024;
/// Channels the bank remembers after they completed or were dropped (late frames of them are
/// reported, not reopened).
const CLOSED_MEMORY: usize = 4096;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChannelError {
    #[error("zlib: {0}")]
    Zlib(String),
    #[error("decompressed channel exceeds {0} bytes")]
    TooLarge(usize),
    #[error("bytes after the end of the zlib stream")]
    TrailingData,
    #[error("malformed block RLP at byte {offset}: {detail}")]
    Rlp { offset: usize, detail: String },
    #[error("channel holds no blocks")]
    Empty,
    #[error("channel {channel}: duplicate frame {number}")]
    DuplicateFrame { channel: ChannelId, number: u16 },
    #[error("channel {channel}: frame {got} arrived after frame {ahead} (frames must be in order); channel dropped")]
    Reordered { channel: ChannelId, got: u16, ahead: u16 },
    #[error("channel {channel}: frame {number} after the last frame {last}")]
    AfterLast { channel: ChannelId, number: u16, last: u16 },
    #[error("channel {channel}: frame {number} for a channel already completed or dropped")]
    Closed { channel: ChannelId, number: u16 },
    #[error("channel {channel} opened at settlement block {opened_at} timed out; missing frames from {missing_from}")]
    TimedOut { channel: ChannelId, opened_at: u64, missing_from: u16 },
    #[error("channel {channel} buffers more than {MAX_COMPRESSED_CHANNEL} bytes; dropped")]
    ChannelTooLarge { channel: ChannelId },
}

/// The content-derived channel id; `attempt` counts re-posts of the same blocks (a channel
/// that timed out on the settlement layer is re-posted under a new id).
pub fn channel_id(first_hash: &B256, last_hash: &B256, attempt: u32) -> ChannelId {
    let mut pre = b"gloam-channel".to_vec();
    pre.extend_from_slice(first_hash.as_slice());
    pre.extend_from_slice(last_hash.as_slice());
    pre.extend_from_slice(&attempt.to_be_bytes());
    let h = keccak256(&pre);
    let mut id = [0u8; CHANNEL_ID_LEN];
    id.copy_from_slice(&h[..CHANNEL_ID_LEN]);
    ChannelId(id)
}

/// zlib of the concatenated block RLPs.
pub fn compress<B: AsRef<[u8]>>(blocks_rlp: &[B]) -> Vec<u8> {
    let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), Compression::new(ZLIB_LEVEL));
    for b in blocks_rlp {
        enc.write_all(b.as_ref()).expect("writing to a Vec cannot fail");
    }
    enc.finish().expect("writing to a Vec cannot fail")
}

/// Inflates a channel, refusing more than `limit` bytes of output and any bytes after the zlib
/// stream (adler-32 is checked by the decoder).
pub fn decompress(data: &[u8], limit: usize) -> Result<Vec<u8>, ChannelError> {
    let mut dec = flate2::bufread::ZlibDecoder::new(data);
    let mut out = Vec::new();
    (&mut dec).take(limit as u64 + 1).read_to_end(&mut out).map_err(|e| ChannelError::Zlib(e.to_string()))?;
    if out.len() > limit {
        return Err(ChannelError::TooLarge(limit));
    }
    if !dec.get_ref().is_empty() {
        return Err(ChannelError::TrailingData);
    }
    Ok(out)
}

/// Splits concatenated block RLP into blocks (all or nothing).
pub fn decode_blocks(rlp: &[u8]) -> Result<Vec<Block<TxEnvelope>>, ChannelError> {
    let mut rest = rlp;
    let mut out = Vec::new();
    while !rest.is_empty() {
        let offset = rlp.len() - rest.len();
        let block =
            Block::<TxEnvelope>::decode(&mut rest).map_err(|e| ChannelError::Rlp { offset, detail: e.to_string() })?;
        out.push(block);
    }
    if out.is_empty() {
        return Err(ChannelError::Empty);
    }
    Ok(out)
}

/// Decompresses and decodes a whole channel.
pub fn decode_channel(compressed: &[u8], limit: usize) -> Result<Vec<Block<TxEnvelope>>, ChannelError> {
    decode_blocks(&decompress(compressed, limit)?)
}

/// Cuts a compressed channel into frames of at most `max_frame_data` bytes (at least one frame).
pub fn to_frames(id: ChannelId, compressed: &[u8], max_frame_data: usize) -> Vec<Frame> {
    let size = max_frame_data.max(1);
    let chunks: Vec<&[u8]> = if compressed.is_empty() { vec![&[][..]] } else { compressed.chunks(size).collect() };
    let n = chunks.len();
    chunks
        .into_iter()
        .enumerate()
        .map(|(i, c)| Frame { channel_id: id, number: i as u16, data: c.to_vec(), is_last: i + 1 == n })
        .collect()
}

/// A channel whose frames all arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadyChannel {
    pub id: ChannelId,
    pub opened_at: u64,
    pub data: Vec<u8>,
}

struct Pending {
    opened_at: u64,
    next: u16,
    data: Vec<u8>,
    /// Frames with numbers above `next` (a gap: reordered or missing).
    ahead: BTreeMap<u16, Frame>,
    last: Option<u16>,
}

/// Reassembles channels from frames in arrival order. Frames of a channel must arrive in order
/// (0, 1, 2, …; the batcher never posts otherwise): a frame filling a gap after later frames
/// arrived drops the channel as reordered; a gap that never fills times the channel out.
/// Duplicates are reported and ignored (the first copy wins; a corrupt copy is caught later by
/// zlib's checksum, the RLP decoder or block re-execution).
pub struct ChannelBank {
    timeout: u64,
    open: BTreeMap<ChannelId, Pending>,
    closed: HashSet<ChannelId>,
    closed_order: VecDeque<ChannelId>,
}

impl std::fmt::Debug for ChannelBank {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChannelBank").field("open", &self.open.len()).field("timeout", &self.timeout).finish()
    }
}

impl ChannelBank {
    /// `timeout`: settlement blocks a channel may stay incomplete after its first frame.
    pub fn new(timeout: u64) -> Self {
        ChannelBank { timeout, open: BTreeMap::new(), closed: HashSet::new(), closed_order: VecDeque::new() }
    }

    pub fn open_channels(&self) -> usize {
        self.open.len()
    }

    /// The settlement block where the oldest incomplete channel started.
    pub fn oldest_open(&self) -> Option<u64> {
        self.open.values().map(|p| p.opened_at).min()
    }

    fn close(&mut self, id: ChannelId) {
        self.open.remove(&id);
        if self.closed.insert(id) {
            self.closed_order.push_back(id);
            while self.closed_order.len() > CLOSED_MEMORY {
                if let Some(old) = self.closed_order.pop_front() {
                    self.closed.remove(&old);
                }
            }
        }
    }

    /// Adds one frame seen in settlement block `at`. Returns a completed channel, if this frame
    /// completed one, and the problems found (recorded by the caller).
    pub fn ingest(&mut self, frame: Frame, at: u64) -> (Option<ReadyChannel>, Vec<ChannelError>) {
        let id = frame.channel_id;
        let number = frame.number;
        if self.closed.contains(&id) {
            return (None, vec![ChannelError::Closed { channel: id, number }]);
        }
        enum Outcome {
            Keep(Vec<ChannelError>),
            Close(Vec<ChannelError>),
            Done(ReadyChannel),
        }
        let outcome = {
            let p = self.open.entry(id).or_insert_with(|| Pending {
                opened_at: at,
                next: 0,
                data: Vec::new(),
                ahead: BTreeMap::new(),
                last: None,
            });
            match p.last {
                Some(last) if number > last => {
                    Outcome::Keep(vec![ChannelError::AfterLast { channel: id, number, last }])
                }
                _ if number < p.next || p.ahead.contains_key(&number) => {
                    Outcome::Keep(vec![ChannelError::DuplicateFrame { channel: id, number }])
                }
                _ => {
                    let beyond = frame.is_last && p.ahead.keys().next_back().is_some_and(|&hi| hi > number);
                    if beyond {
                        let hi = *p.ahead.keys().next_back().expect("checked");
                        Outcome::Close(vec![ChannelError::AfterLast { channel: id, number: hi, last: number }])
                    } else {
                        if frame.is_last {
                            p.last = Some(number);
                        }
                        if number > p.next {
                            p.ahead.insert(number, frame);
                            Outcome::Keep(vec![])
                        } else if let Some(&ahead) = p.ahead.keys().next() {
                            // number == next, but later frames came first.
                            Outcome::Close(vec![ChannelError::Reordered { channel: id, got: number, ahead }])
                        } else {
                            p.data.extend_from_slice(&frame.data);
                            if p.data.len() > MAX_COMPRESSED_CHANNEL {
                                Outcome::Close(vec![ChannelError::ChannelTooLarge { channel: id }])
                            } else if frame.is_last {
                                Outcome::Done(ReadyChannel {
                                    id,
                                    opened_at: p.opened_at,
                                    data: std::mem::take(&mut p.data),
                                })
                            } else if number == u16::MAX {
                                // 65,536 frames without is_last: cannot complete.
                                Outcome::Close(vec![ChannelError::ChannelTooLarge { channel: id }])
                            } else {
                                p.next = number + 1;
                                Outcome::Keep(vec![])
                            }
                        }
                    }
                }
            }
        };
        match outcome {
            Outcome::Keep(e) => (None, e),
            Outcome::Close(e) => {
                self.close(id);
                (None, e)
            }
            Outcome::Done(r) => {
                self.close(id);
                (Some(r), vec![])
            }
        }
    }

    /// Drops channels opened more than `timeout` blocks before `at`.
    pub fn expire(&mut self, at: u64) -> Vec<ChannelError> {
        let expired: Vec<(ChannelId, u64, u16)> = self
            .open
            .iter()
            .filter(|(_, p)| at > p.opened_at.saturating_add(self.timeout))
            .map(|(id, p)| (*id, p.opened_at, p.next))
            .collect();
        expired
            .into_iter()
            .map(|(id, opened_at, next)| {
                self.close(id);
                ChannelError::TimedOut { channel: id, opened_at, missing_from: next }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(n: usize) -> (Vec<Frame>, Vec<u8>) {
        let data: Vec<u8> = (0..n * 10).map(|i| i as u8).collect();
        (to_frames(ChannelId([1; 16]), &data, 10), data)
    }

    #[test]
    fn bank_in_order_completes() {
        let (fs, data) = frames(4);
        let mut bank = ChannelBank::new(5);
        for (i, f) in fs.iter().enumerate() {
            let (ready, errs) = bank.ingest(f.clone(), 100);
            assert!(errs.is_empty());
            assert_eq!(ready.is_some(), i == 3);
            if let Some(r) = ready {
                assert_eq!(r.data, data);
            }
        }
        assert_eq!(bank.open_channels(), 0);
        // A late copy of a frame is reported, not reopened.
        assert!(matches!(bank.ingest(fs[1].clone(), 101).1[..], [ChannelError::Closed { number: 1, .. }]));
    }

    #[test]
    fn bank_detects_duplicates_reorders_gaps_and_timeouts() {
        let (fs, data) = frames(4);
        let mut bank = ChannelBank::new(5);
        assert!(bank.ingest(fs[0].clone(), 1).1.is_empty());
        assert!(matches!(bank.ingest(fs[0].clone(), 1).1[..], [ChannelError::DuplicateFrame { number: 0, .. }]));
        assert!(bank.ingest(fs[2].clone(), 1).1.is_empty()); // gap: 1 missing so far
        let (r, e) = bank.ingest(fs[1].clone(), 2);
        assert!(r.is_none());
        assert!(matches!(e[..], [ChannelError::Reordered { got: 1, ahead: 2, .. }]), "{e:?}");
        assert_eq!(bank.open_channels(), 0);

        // Missing frame: the channel times out.
        let mut bank = ChannelBank::new(5);
        for i in [0, 1, 3] {
            assert!(bank.ingest(fs[i].clone(), 10).0.is_none());
        }
        assert!(bank.expire(15).is_empty());
        assert!(matches!(bank.expire(16)[..], [ChannelError::TimedOut { opened_at: 10, missing_from: 2, .. }]));

        // Frames beyond the last one.
        let mut bank = ChannelBank::new(5);
        let mut last = fs[1].clone();
        last.is_last = true;
        bank.ingest(fs[0].clone(), 1);
        let (r, _) = bank.ingest(last, 1);
        assert_eq!(r.unwrap().data, data[..20]);
        let mut bank = ChannelBank::new(5);
        let mut l1 = fs[1].clone();
        l1.is_last = true;
        bank.ingest(fs[2].clone(), 1);
        assert!(matches!(bank.ingest(l1, 1).1[..], [ChannelError::AfterLast { number: 2, last: 1, .. }]));
    }

    #[test]
    fn zlib_limits_and_trailing_bytes() {
        let blocks = vec![vec![0u8; 5000], vec![1u8; 5000]];
        let c = compress(&blocks);
        assert_eq!(c, compress(&blocks), "deterministic");
        assert_eq!(decompress(&c, 10_000).unwrap().len(), 10_000);
        assert_eq!(decompress(&c, 9_999).unwrap_err(), ChannelError::TooLarge(9_999));
        let mut t = c.clone();
        t.push(0);
        assert_eq!(decompress(&t, 10_000).unwrap_err(), ChannelError::TrailingData);
        let mut bad = c.clone();
        let n = bad.len();
        bad[n - 1] ^= 1; // adler-32
        assert!(matches!(decompress(&bad, 10_000), Err(ChannelError::Zlib(_))));
        assert!(matches!(decode_blocks(&[0xc0]), Err(ChannelError::Rlp { offset: 0, .. })));
        assert_eq!(decode_blocks(&[]).unwrap_err(), ChannelError::Empty);
    }
}
