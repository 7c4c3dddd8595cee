//! The engine: databases, retention policies, shards, and the write and read paths that tie the
//! WAL, memtables, series catalogs and segments together.
//!
//! (Skeleton: the contract below is fixed; the implementation lands with the engine work.)

mod api;

pub use api::{
    Engine, EngineConfig, EngineError, ReadRequest, RetentionPolicyInfo, RetentionPolicySpec, SeriesData, WriteError,
    WriteOutcome,
};
