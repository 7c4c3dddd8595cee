//! In-memory rows: the memtable of a shard and the row set that flush, compaction and reads share.
//!
//! Invariants:
//! 1. A [`RowSet`] holds rows of one measurement in *arrival order*; a later row wins over an earlier
//!    one for every field it sets when both have the same (series, time) — InfluxDB's "newest write
//!    wins per field" merge. Order is resolved only when the set is sorted ([`RowSet::sorted_series`]).
//! 2. Columns are dense: every column has one slot per row, with a presence bit; a field first seen at
//!    row N is back-filled as absent for rows `0..N`.
//! 3. Strings are dictionary coded per column, so appending a repeated string value allocates nothing.
//! 4. A [`Memtable`] maps measurement → [`RowSet`]; it is frozen (made immutable) before it is
//!    flushed, and readers see active and frozen memtables until the flush published its segments.

mod memtable;
mod rowset;

pub use memtable::Memtable;
pub use rowset::{MemColumn, MemValues, MergeWalk, RowSet};
