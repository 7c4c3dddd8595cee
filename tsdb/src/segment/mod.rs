//! Immutable column segments: one file per shard, measurement and flush, rows sorted by
//! (series id, time). Byte layout: `docs/format/segment.md`.
//!
//! Invariants:
//! 1. Rows are sorted by (series id, time); within a series times strictly increase. The writer
//!    refuses input that breaks this, so readers may binary-search times inside a series run.
//! 2. Every row group but the last holds exactly `row_group_rows` rows; a series may span row
//!    groups. The series directory stores row counts only, and a series' first row group and
//!    offset follow from the running row count.
//! 3. A file is written once as `<path>.tmp`, fsynced, renamed and never modified (the mmap rule
//!    of [`crate::mmap`]). A segment holds at least one row.
//! 4. Nothing read from the file is trusted before it is checked: length, magic and version first,
//!    then the CRC32 of the index, then every offset and count in the index; each column chunk's
//!    CRC32 is checked when the chunk is decoded. Corrupt input gives [`SegmentError`], never a panic.
//! 5. A reader opens every format version from 1 to [`VERSION`] and answers a newer one with
//!    [`SegmentError::UnsupportedVersion`].
//!
//! Decisions: each row group stores a series chunk (run-length ids, pco), a time chunk (pco over
//! per-run deltas) and one chunk per field (presence bitmap, then present values in the type's
//! codec from [`crate::encoding`]). Readers decode whole chunks (pco has no random access), so the
//! row group is the unit of I/O and skipping: zone maps skip by time and series range, the series
//! directory jumps to a series' row groups. Scans keep decoded chunks in a bounded
//! [`ChunkCache`] shared by the engine, so repeated queries over hot data copy rows instead of
//! decoding them again.

mod cache;
mod chunk;
mod format;
mod reader;
mod scan;
mod types;
mod writer;

#[cfg(test)]
mod tests;

pub use cache::{ChunkCache, ChunkCacheStats, ChunkKey, DecodedChunk};
pub use format::{MAGIC, MAX_ROW_GROUP_ROWS, VERSION};
pub use reader::Segment;
pub use scan::{DenseIds, GroupFilter, ScanBuf};
pub use types::{RowBatch, SegmentError, SegmentMeta, SegmentOptions, SeriesRows};
pub use writer::SegmentWriter;
