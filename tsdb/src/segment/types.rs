//! The public value types of the segment contract: options, errors, summaries and row batches.

use std::path::PathBuf;

use crate::model::{Column, SeriesId, Timestamp};

#[derive(Clone, Debug)]
pub struct SegmentOptions {
    /// Rows per row group (zone maps and decode unit).
    /// Must be in `1..=MAX_ROW_GROUP_ROWS` (16 Mi).
    pub row_group_rows: usize,
}

impl Default for SegmentOptions {
    fn default() -> Self {
        SegmentOptions {
            row_group_rows: 16 * 1024,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SegmentError {
    #[error("segment i/o error on {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
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
