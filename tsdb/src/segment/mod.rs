//! Immutable column segments: one file per shard, measurement and flush, rows sorted by
//! (series id, time).
//!
//! (Skeleton: the contract below is fixed; the implementation lands with the segment work.)

mod api;

pub use api::{RowBatch, Segment, SegmentError, SegmentMeta, SegmentOptions, SegmentWriter, SeriesRows};
