//! Compaction policy: which segments of a shard's measurement to merge. A pure function of the
//! segment list; the shard executes the plan (policy apart from execution).
//!
//! Invariants:
//! 1. A plan's inputs are a contiguous run of the measurement's segments in sequence order, so the
//!    output can take the run's place: it gets the largest input sequence, and every segment flushed
//!    later (a larger sequence) still counts as newer when duplicates are merged.
//! 2. The output's generation is one more than the largest input generation; (sequence, generation)
//!    names are therefore never reused.

mod plan;

pub use plan::{CompactionPlan, SegmentSummary, plan};
