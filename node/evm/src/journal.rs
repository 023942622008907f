//! An append-only journal of pooled transactions, so a restarted node (crash or clean) re-admits
//! what it had pooled. Used by the EVM environment and the settlement layer.
//!
//! Format: records of `len: u32 LE` then `len` bytes (a raw transaction in the form its pool
//! admits: EIP-2718, or the blob network form with sidecar). A torn final record (crash during
//! an append) is ignored. Mined transactions stay until the journal is compacted: rewritten with
//! exactly the pool's survivors, through a temporary file renamed over it, so a crash leaves the
//! old or the new journal, never a mix.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use parking_lot::Mutex;

/// The journal is compacted when it holds more than this many records and at least four times
/// the pool's size.
pub const JOURNAL_COMPACT_MIN: usize = 4096;

/// Largest record read back (a 6-blob network transaction is ~800 KiB in either sidecar form).
pub const MAX_RECORD: usize = 16 << 20;

pub struct PoolJournal {
    path: PathBuf,
    writer: Mutex<Option<BufWriter<File>>>,
    records: AtomicUsize,
    compact_min: usize,
}

impl PoolJournal {
    /// A journal at `path` (not opened for appends until the first [`Self::rewrite`]).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self::with_compact_min(path, JOURNAL_COMPACT_MIN)
    }

    pub fn with_compact_min(path: impl Into<PathBuf>, compact_min: usize) -> Self {
        Self { path: path.into(), writer: Mutex::new(None), records: AtomicUsize::new(0), compact_min }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The records on disk (none if there is no journal); stops at a torn or oversized record.
    pub fn read(&self) -> Vec<Vec<u8>> {
        let Ok(raw) = std::fs::read(&self.path) else { return vec![] };
        let mut out = Vec::new();
        let mut rest = &raw[..];
        while rest.len() >= 4 {
            let n = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
            if n > MAX_RECORD || rest.len() < 4 + n {
                break;
            }
            out.push(rest[4..4 + n].to_vec());
            rest = &rest[4 + n..];
        }
        out
    }

    /// Replaces the journal with `survivors()` (evaluated under the journal's lock, so no append
    /// slips between the snapshot and the swap) and reopens it for appends.
    pub fn rewrite(&self, survivors: impl FnOnce() -> Vec<Vec<u8>>) {
        let mut guard = self.writer.lock();
        let survivors = survivors();
        let tmp = self.path.with_extension("journal.tmp");
        let written = (|| -> std::io::Result<()> {
            let mut w = BufWriter::new(File::create(&tmp)?);
            for raw in &survivors {
                w.write_all(&(raw.len() as u32).to_le_bytes())?;
                w.write_all(raw)?;
            }
            w.flush()?;
            std::fs::rename(&tmp, &self.path)
        })();
        if let Err(e) = written {
            tracing::warn!(error = %e, path = %self.path.display(), "could not rewrite the pool journal; pooled transactions will not survive a restart");
        }
        let file = OpenOptions::new().append(true).create(true).open(&self.path).ok();
        *guard = file.map(BufWriter::new);
        self.records.store(survivors.len(), Ordering::Relaxed);
    }

    /// Appends to the buffer; [`Self::flush`] hands it to the OS (one write per submission
    /// call, not per transaction).
    pub fn append(&self, raw: &[u8]) {
        if let Some(w) = self.writer.lock().as_mut() {
            let _ = w.write_all(&(raw.len() as u32).to_le_bytes());
            let _ = w.write_all(raw);
            self.records.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub fn flush(&self) {
        if let Some(w) = self.writer.lock().as_mut() {
            let _ = w.flush();
        }
    }

    /// Flush and fsync (clean shutdown).
    pub fn sync(&self) {
        if let Some(w) = self.writer.lock().as_mut() {
            let _ = w.flush();
            let _ = w.get_ref().sync_all();
        }
    }

    /// Records in the file: survivors of the last rewrite plus appends since.
    pub fn records(&self) -> usize {
        self.records.load(Ordering::Relaxed)
    }

    /// Whether the journal holds mostly stale records for a pool of `live` transactions.
    pub fn should_compact(&self, live: usize) -> bool {
        self.records() > self.compact_min.max(4 * live)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_torn_tail_and_compaction() {
        let dir = tempfile::tempdir().unwrap();
        let j = PoolJournal::with_compact_min(dir.path().join("pool.journal"), 2);
        assert!(j.read().is_empty());
        j.rewrite(|| vec![b"a".to_vec()]);
        j.append(b"bb");
        j.append(b"");
        j.flush();
        assert_eq!(j.read(), vec![b"a".to_vec(), b"bb".to_vec(), vec![]]);
        assert_eq!(j.records(), 3);
        assert!(j.should_compact(0));
        assert!(!j.should_compact(1));
        // A torn final record (length says 9, 2 bytes follow) is dropped, earlier ones kept.
        let mut f = OpenOptions::new().append(true).open(j.path()).unwrap();
        f.write_all(&9u32.to_le_bytes()).unwrap();
        f.write_all(b"xy").unwrap();
        drop(f);
        assert_eq!(j.read().len(), 3);
        j.rewrite(|| vec![b"c".to_vec()]);
        assert_eq!(j.read(), vec![b"c".to_vec()]);
        assert_eq!(j.records(), 1);
    }
}
