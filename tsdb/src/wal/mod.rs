//! Write-ahead log: CRC-framed records in numbered segment files, group commit.
//!
//! Byte layout, CRC coverage, versioning and the recovery rule: `docs/format/wal.md`.
//!
//! # Invariants
//! 1. Records carry explicit, consecutive sequence numbers; a segment's header names the sequence
//!    number of its first record, and segment `n + 1` starts exactly where segment `n` ended. File
//!    order is sequence order, so replay applies records in the order `append` numbered them.
//! 2. A segment file appears under its final name only after its header is fsynced (written as
//!    `*.wal.tmp`, renamed, directory fsynced). A segment with a successor was fsynced completely
//!    before the successor was created (`rotate`, automatic rotation and `open` all seal this way,
//!    in every sync mode).
//! 3. Only the newest segment may end in a damaged record, and only if no valid-looking record
//!    follows the damage; recovery cuts it off. Every other damage is [`WalError::Corrupt`].
//! 4. `wait_durable(seq)` returning `Ok` means record `seq` is at least in the OS page cache, and in
//!    [`SyncMode::PerBatch`] that an fsync covering it returned.
//! 5. After a write or fsync error the WAL is poisoned: every later `append`, `wait_durable`,
//!    `sync` and `rotate` returns [`WalError::Poisoned`].
//!
//! # Decisions
//! - Group commit is leader/follower on one mutex (see `writer.rs`): the waiter that gets the
//!   commit token writes everything appended so far with one `write` and one `sync_data`; no
//!   dedicated thread in `PerBatch` mode. `Periodic` adds one background thread.
//! - `append` only copies the framed record into a shared buffer (the payload CRC is computed
//!   before taking the lock and combined with the header CRC under it); syscalls happen at commit.
//! - Replay reads one whole segment into memory at a time (segments are bounded by
//!   `segment_max_bytes` plus one record); it does not memory-map, because the newest segment may
//!   be truncated.

mod api;
mod format;
mod replay;
mod writer;

#[cfg(test)]
mod tests;

pub use api::{ReplayStats, SyncMode, WalError, WalOptions};
pub use writer::Wal;
