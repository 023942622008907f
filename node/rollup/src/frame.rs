//! Frames: pieces of a compressed channel, as the OP Stack derivation spec defines them
//! (specs.optimism.io, "Frame Format" and "Batcher Transaction Format"):
//!
//! ```text
//! frame     = channel_id (16 bytes) ‖ frame_number (u16 BE) ‖ frame_data_length (u32 BE)
//!             ‖ frame_data ‖ is_last (u8, 0 or 1)
//! tx data   = DERIVATION_VERSION_0 (0x00) ‖ frame ‖ frame ‖ …
//! ```
//!
//! Each blob's payload (see [`crate::blob`]) is one "tx data" unit. As in the OP spec, if any
//! frame of a unit fails to parse, every frame of that unit is rejected.

use std::fmt;

pub const CHANNEL_ID_LEN: usize = 16;
/// Bytes a frame adds around its data: 16 + 2 + 4 + 1.
pub const FRAME_OVERHEAD: usize = 23;
/// Upper bound on one frame's data (the OP spec's `MAX_FRAME_LEN`, 1,000,000 bytes).
pub const MAX_FRAME_DATA: usize = 1_000_000;
/// First byte of every frame container (blob payload).
pub const DERIVATION_VERSION_0: u8 = 0;

/// A channel's identifier.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct ChannelId(pub [u8; CHANNEL_ID_LEN]);

impl fmt::Debug for ChannelId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", hex::encode(self.0))
    }
}
impl fmt::Display for ChannelId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", hex::encode(self.0))
    }
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Frame {
    pub channel_id: ChannelId,
    pub number: u16,
    pub data: Vec<u8>,
    pub is_last: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("empty frame container")]
    Empty,
    #[error("unknown derivation version {0}")]
    Version(u8),
    #[error("frame truncated at byte {offset}: {need} more bytes needed")]
    Truncated { offset: usize, need: usize },
    #[error("frame data length {len} exceeds {MAX_FRAME_DATA}")]
    DataTooLong { len: u64 },
    #[error("is_last byte is {0}, not 0 or 1")]
    IsLast(u8),
}

impl Frame {
    pub fn encoded_len(&self) -> usize {
        FRAME_OVERHEAD + self.data.len()
    }

    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.channel_id.0);
        out.extend_from_slice(&self.number.to_be_bytes());
        out.extend_from_slice(&(self.data.len() as u32).to_be_bytes());
        out.extend_from_slice(&self.data);
        out.push(self.is_last as u8);
    }

    /// Decodes one frame from the front of `buf` (`offset` is `buf`'s position in the container,
    /// for error messages) and advances `buf`.
    pub fn decode(buf: &mut &[u8], offset: usize) -> Result<Frame, FrameError> {
        let b = *buf;
        let need = |have: usize, want: usize| FrameError::Truncated { offset: offset + have, need: want - have };
        if b.len() < CHANNEL_ID_LEN + 6 {
            return Err(need(b.len(), CHANNEL_ID_LEN + 6));
        }
        let mut id = [0u8; CHANNEL_ID_LEN];
        id.copy_from_slice(&b[..CHANNEL_ID_LEN]);
        let number = u16::from_be_bytes([b[16], b[17]]);
        let len = u32::from_be_bytes([b[18], b[19], b[20], b[21]]) as usize;
        if len > MAX_FRAME_DATA {
            return Err(FrameError::DataTooLong { len: len as u64 });
        }
        let total = FRAME_OVERHEAD + len;
        if b.len() < total {
            return Err(need(b.len(), total));
        }
        let is_last = match b[22 + len] {
            0 => false,
            1 => true,
            x => return Err(FrameError::IsLast(x)),
        };
        let data = b[22..22 + len].to_vec();
        *buf = &b[total..];
        Ok(Frame { channel_id: ChannelId(id), number, data, is_last })
    }
}

/// `DERIVATION_VERSION_0 ‖ frames`.
pub fn encode_frames(frames: &[Frame]) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 + frames.iter().map(Frame::encoded_len).sum::<usize>());
    out.push(DERIVATION_VERSION_0);
    for f in frames {
        f.encode(&mut out);
    }
    out
}

/// Parses a frame container; all or nothing.
pub fn decode_frames(data: &[u8]) -> Result<Vec<Frame>, FrameError> {
    let (&version, mut rest) = data.split_first().ok_or(FrameError::Empty)?;
    if version != DERIVATION_VERSION_0 {
        return Err(FrameError::Version(version));
    }
    let mut frames = Vec::new();
    while !rest.is_empty() {
        let offset = data.len() - rest.len();
        frames.push(Frame::decode(&mut rest, offset)?);
    }
    if frames.is_empty() {
        return Err(FrameError::Empty);
    }
    Ok(frames)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_round_trip_and_errors() {
        let f = Frame { channel_id: ChannelId([0xab; 16]), number: 0x0102, data: vec![9, 8, 7], is_last: true };
        let enc = encode_frames(std::slice::from_ref(&f));
        let mut want = vec![0u8];
        want.extend([0xab; 16]);
        want.extend([1, 2, 0, 0, 0, 3, 9, 8, 7, 1]);
        assert_eq!(enc, want);
        assert_eq!(decode_frames(&enc).unwrap(), vec![f.clone()]);
        assert_eq!(decode_frames(&[]).unwrap_err(), FrameError::Empty);
        assert_eq!(decode_frames(&[0]).unwrap_err(), FrameError::Empty);
        assert_eq!(decode_frames(&[1]).unwrap_err(), FrameError::Version(1));
        let mut bad = enc.clone();
        *bad.last_mut().unwrap() = 2;
        assert_eq!(decode_frames(&bad).unwrap_err(), FrameError::IsLast(2));
        assert_eq!(decode_frames(&enc[..enc.len() - 1]).unwrap_err(), FrameError::Truncated { offset: 26, need: 1 });
        let mut big = enc.clone();
        big[19..23].copy_from_slice(&(MAX_FRAME_DATA as u32 + 1).to_be_bytes());
        assert_eq!(decode_frames(&big).unwrap_err(), FrameError::DataTooLong { len: MAX_FRAME_DATA as u64 + 1 });
        // A good frame followed by garbage rejects the whole container.
        let mut two = enc.clone();
        two.extend([1, 2, 3]);
        assert!(matches!(decode_frames(&two), Err(FrameError::Truncated { .. })));
    }
}
