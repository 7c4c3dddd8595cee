use std::path::{Path, PathBuf};
use std::time::Duration;

/// When appended records become durable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyncMode {
    /// Default. One fsync per group commit; a write is acknowledged only after the fsync covering it
    /// returned. Survives process crash and power loss.
    PerBatch,
    /// fsync every interval in the background; acknowledged writes survive a process crash (data is in
    /// the page cache) but up to one interval may be lost on power loss.
    Periodic(Duration),
    /// Never fsync (the OS writes back eventually). Survives a process crash, not a power loss.
    None,
}

#[derive(Clone, Debug)]
pub struct WalOptions {
    pub sync: SyncMode,
    /// A segment larger than this is sealed and a new one started at the next append.
    pub segment_max_bytes: u64,
}

impl Default for WalOptions {
    fn default() -> Self {
        WalOptions { sync: SyncMode::PerBatch, segment_max_bytes: 64 << 20 }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum WalError {
    #[error("wal i/o error on {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("wal segment {path} is corrupt at offset {offset}: {reason}")]
    Corrupt { path: PathBuf, offset: u64, reason: String },
    #[error("wal replay failed applying record {seq} of {path}: {reason}")]
    Apply { path: PathBuf, seq: u64, reason: String },
    #[error("wal is unusable after an earlier fsync failure; restart the server")]
    Poisoned,
    #[error("wal is closed")]
    Closed,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReplayStats {
    pub segments: usize,
    pub records: u64,
    pub bytes: u64,
    /// Set when the newest segment ended in a torn record that was cut off: (file, valid length).
    pub truncated_tail: Option<(PathBuf, u64)>,
}

/// The write-ahead log. All methods take `&self`; the log is shared by every writer thread.
pub struct Wal {
    _private: (),
}

impl Wal {
    /// Opens (creating if needed) the WAL in `dir`, replays every record of the existing segments in
    /// order through `apply`, cuts a torn tail of the newest segment, and starts a fresh segment.
    pub fn open(
        _dir: &Path,
        _opts: WalOptions,
        _apply: &mut dyn FnMut(&[u8]) -> Result<(), String>,
    ) -> Result<(Wal, ReplayStats), WalError> {
        todo!("wal")
    }

    /// Appends one record and returns its sequence number; does not wait for durability.
    pub fn append(&self, _payload: &[u8]) -> Result<u64, WalError> {
        todo!("wal")
    }

    /// Blocks until record `seq` is durable under the sync mode (group commit).
    pub fn wait_durable(&self, _seq: u64) -> Result<(), WalError> {
        todo!("wal")
    }

    /// Seals the current segment and starts a new one, returning the new segment's id; every record
    /// appended before the call lives in a segment with a smaller id.
    pub fn rotate(&self) -> Result<u64, WalError> {
        todo!("wal")
    }

    /// Deletes sealed segments whose id is below `segment_id`.
    pub fn remove_before(&self, _segment_id: u64) -> Result<(), WalError> {
        todo!("wal")
    }

    /// Writes and fsyncs everything appended so far.
    pub fn sync(&self) -> Result<(), WalError> {
        todo!("wal")
    }
}
