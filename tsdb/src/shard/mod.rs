//! A shard: the data of one retention policy's shard group, per measurement — the field schema,
//! the memtables and the sealed segments, listed by a manifest.
//!
//! Invariants:
//! 1. The manifest (`MANIFEST`, `docs/format/shard-manifest.md`) lists every live segment with its
//!    measurement, sequence and generation; it is replaced atomically. A segment file not listed is
//!    garbage (left by a crash between writing a segment and publishing it) and is deleted at open.
//! 2. For the same (series, time), data in a segment with a larger sequence is newer; memtables are
//!    newer than every segment; the active memtable is newer than frozen ones.
//! 3. A field's type is fixed per shard and measurement by the first write that reached the shard;
//!    the schema is rebuilt at open from segment columns and then from the WAL replay.
//! 4. Segment files are immutable; compaction writes a new file, publishes a manifest without its
//!    inputs, then deletes them (readers holding a mapped input keep their pages).
//! 5. Presence: per measurement, the bitmap of series with at least one visible row in the shard
//!    (segments minus tombstones, plus memtables) is kept exact — on write, flush, compaction, delete
//!    and open — so the index can answer "which series have data here" without reading data.
//! 6. A tombstone hides rows of segments older than it (sequence below `below_seq`); memtables are
//!    filtered at delete time instead. Compaction applies tombstones to its inputs; a tombstone is
//!    dropped once no segment of its measurement is older than it.

mod delete;
mod manifest;
mod scan;
mod shard;
mod tombstone;

pub use manifest::{Manifest, ManifestEntry, ManifestError, TombstoneEntry};
pub use scan::{ScanSnapshot, SnapshotSegment};
pub use shard::{Presence, Shard, ShardError};
pub use tombstone::Tombstone;
