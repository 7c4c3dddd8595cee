use std::path::{Path, PathBuf};

use roaring::RoaringBitmap;

use crate::mmap::Mapped;
use crate::model::{Column, FieldType, SeriesId, Timestamp};

#[derive(Clone, Debug)]
pub struct SegmentOptions {
    /// Rows per row group (zone maps and decode unit).
    pub row_group_rows: usize,
}

impl Default for SegmentOptions {
    fn default() -> Self {
        SegmentOptions { row_group_rows: 16 * 1024 }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SegmentError {
    #[error("segment i/o error on {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("segment {path} is corrupt: {reason}")]
    Corrupt { path: PathBuf, reason: String },
    #[error("segment {path} has unsupported format version {version}")]
    UnsupportedVersion { path: PathBuf, version: u32 },
    #[error("segment writer misuse: {0}")]
    Usage(String),
}

/// Summary of a sealed segment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SegmentMeta {
    pub rows: u64,
    pub series: u32,
    pub min_time: Timestamp,
    pub max_time: Timestamp,
    pub bytes: u64,
}

/// Rows of one series; `columns[i]` belongs to the i-th requested field.
#[derive(Clone, Debug, PartialEq)]
pub struct SeriesRows {
    pub series: SeriesId,
    pub timestamps: Vec<Timestamp>,
    pub columns: Vec<Column>,
}

/// Rows of a scan, several series; `series[i]` and `timestamps[i]` describe row i.
#[derive(Clone, Debug, PartialEq)]
pub struct RowBatch {
    pub series: Vec<SeriesId>,
    pub timestamps: Vec<Timestamp>,
    pub columns: Vec<Column>,
}

/// Builds a segment file from rows given in (series id, time) order.
pub struct SegmentWriter {
    _private: (),
}

impl SegmentWriter {
    /// Creates a new segment file at `path` (which must not exist) whose field columns are `fields`.
    pub fn create(_path: &Path, _fields: &[(String, FieldType)], _opts: SegmentOptions) -> Result<Self, SegmentError> {
        todo!("segment")
    }

    /// Appends the rows of one series. Series ids strictly increase across calls, `timestamps`
    /// strictly increase, `columns` has one column per field (in `fields` order) with
    /// `timestamps.len()` rows each.
    pub fn append_series(&mut self, _series: SeriesId, _timestamps: &[Timestamp], _columns: &[Column]) -> Result<(), SegmentError> {
        todo!("segment")
    }

    /// Writes the footer (magic, version, checksum), fsyncs the file and returns its summary.
    pub fn finish(self) -> Result<SegmentMeta, SegmentError> {
        todo!("segment")
    }
}

/// A sealed, memory-mapped segment.
#[derive(Clone)]
pub struct Segment {
    _private: (),
}

impl Segment {
    /// Maps and validates (length, magic, version, footer checksum) the segment at `path`.
    pub fn open(_path: &Path) -> Result<Segment, SegmentError> {
        todo!("segment")
    }

    /// Validates and wraps bytes already in memory; `path` is only used in error messages.
    pub fn from_bytes(_path: &Path, _bytes: Mapped) -> Result<Segment, SegmentError> {
        todo!("segment")
    }

    pub fn path(&self) -> &Path {
        todo!("segment")
    }

    /// The field columns, in file order.
    pub fn fields(&self) -> &[(String, FieldType)] {
        todo!("segment")
    }

    pub fn meta(&self) -> SegmentMeta {
        todo!("segment")
    }

    /// Every series id with rows in this segment, ascending.
    pub fn series_ids(&self) -> Vec<SeriesId> {
        todo!("segment")
    }

    /// Rows of `series` with `min_time <= t <= max_time`, decoding only the fields at indices
    /// `fields` (into [`Segment::fields`]); `None` when the series has no row in range.
    pub fn read_series(
        &self,
        _series: SeriesId,
        _min_time: Timestamp,
        _max_time: Timestamp,
        _fields: &[usize],
    ) -> Result<Option<SeriesRows>, SegmentError> {
        todo!("segment")
    }

    /// Scans the row groups overlapping `[min_time, max_time]` and holding any series of `series`
    /// (all series when `None`); calls `f` with each row group's matching rows, in file order.
    pub fn scan(
        &self,
        _series: Option<&RoaringBitmap>,
        _min_time: Timestamp,
        _max_time: Timestamp,
        _fields: &[usize],
        _f: &mut dyn FnMut(RowBatch) -> Result<(), SegmentError>,
    ) -> Result<(), SegmentError> {
        todo!("segment")
    }
}
