//! Late-write watches: "tell me which buckets of this grid, already computed, received writes".
//!
//! A watch belongs to a consumer (a continuous query) that computes windows of a bucket grid
//! `[offset + k*interval, +interval)` over the writes of one database (optionally one retention
//! policy, a measurement filter). Before computing a window the consumer raises the watch's
//! `marking_until` watermark ([`crate::Engine::begin_window`]); every later write with a time below
//! it is *late* and marks its bucket dirty, and the consumer recomputes exactly the dirty buckets.
//!
//! Invariants:
//! 1. No late point is lost to a race. A writer applies a point to its memtable and only THEN
//!    reads the watermark (`marking_until`, SeqCst); the consumer raises the watermark (SeqCst
//!    `fetch_max`) and only THEN scans. The memtable is guarded by the shard's lock, so either the
//!    scan takes that lock after the writer released it (the point is in the scan), or the scan took
//!    it first — then the raise happened-before the writer's apply and the writer sees the raised
//!    watermark and marks. Marking may be redundant (a point both read by the scan and marked),
//!    never missing.
//! 2. `marking_until` and `confirmed_until` only grow while a watch lives; a changed spec replaces
//!    the watch (fresh state), an equal spec keeps it.
//! 3. A mark is made inside the writer's flush-gate section, after its WAL record was appended.
//!    A flush freezes memtables and rotates the WAL under the exclusive gate, persists the watch
//!    state file after the segments are written and before the WAL is truncated: every mark of a
//!    point whose WAL record is about to be removed is in the persisted file.
//! 4. On open the state file is loaded before the WAL replay, with `marking_until =
//!    confirmed_until`; the replay marks points exactly as the write path does, so marks not yet in
//!    the file come back. The replay cannot tell late points from on-time ones nor know a write's
//!    origin, so after a crash it may mark more than the write path did (a redundant recompute of
//!    the windows whose points were still in the WAL), never less.
//! 5. Marks below the floor are dropped and never taken: a point marks only when `floor <= t`; a
//!    bucket is dropped once its end is `<= floor` (a bucket straddling the floor still holds
//!    repairable points).
//! 6. A bucket is in at most one of dirty / in-flight at a time per mark: `take_dirty_buckets` moves
//!    dirty to in-flight; a mark of an in-flight bucket puts it in dirty again (it must be computed
//!    once more after the running recompute, which may have missed the point).
//!
//! Write-path cost: a batch with no watch at all costs one atomic load and a branch; a batch of a
//! database with watches resolves them once per batch (per distinct measurement for the filters),
//! compares each point's time against the largest watermark in a tight loop, collects marks locally
//! and takes each marked watch's lock once per batch. No per-point allocation, lock or syscall.
//!
//! The state file `watches.tdb` is described in `docs/format/watches.md`.

mod file;
mod registry;
mod spec;
mod watch;

pub use file::{WATCHES_MAGIC, WATCHES_VERSION, WatchFileError, decode_watches, encode_watches};
pub use registry::{BatchMarker, WatchRegistry};
pub use spec::{MeasurementFilter, WatchSpec, WatchStatus, WriteOrigin, bucket_start};
pub use watch::{PersistedWatch, Watch};

#[cfg(test)]
mod tests;
