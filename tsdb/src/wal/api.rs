//! The WAL's public value types (the contract other modules code against).

use std::path::PathBuf;
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
        WalOptions {
            sync: SyncMode::PerBatch,
            segment_max_bytes: 64 << 20,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum WalError {
    #[error("wal i/o error on {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("wal segment {path} is corrupt at offset {offset}: {reason}")]
    Corrupt {
        path: PathBuf,
        offset: u64,
        reason: String,
    },
    #[error("wal replay failed applying record {seq} of {path}: {reason}")]
    Apply {
        path: PathBuf,
        seq: u64,
        reason: String,
    },
    #[error("wal is unusable after an earlier fsync failure; restart the server")]
    Poisoned,
    /// Reserved: no current operation closes a `Wal` while it is shared.
    #[error("wal is closed")]
    Closed,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReplayStats {
    /// Segment files read.
    pub segments: usize,
    /// Records handed to `apply`.
    pub records: u64,
    /// Payload bytes handed to `apply` (frame headers not counted).
    pub bytes: u64,
    /// Set when the newest segment ended in a torn record that was cut off: (file, valid length).
    pub truncated_tail: Option<(PathBuf, u64)>,
}
