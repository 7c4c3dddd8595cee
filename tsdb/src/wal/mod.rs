//! Write-ahead log: CRC-framed records in numbered segment files, group commit.
//!
//! (Skeleton: the contract below is fixed; the implementation lands with the WAL work.)

mod api;

pub use api::{ReplayStats, SyncMode, Wal, WalError, WalOptions};
