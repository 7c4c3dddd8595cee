//! Databases, retention policies and shard groups: the metadata catalog of a data directory.
//!
//! Invariants:
//! 1. The whole catalog lives in one framed file (`meta.tdb`, `docs/format/meta.md`) replaced
//!    atomically on every change; changes are rare (DDL, a new shard group every shard duration).
//! 2. Databases keep creation order (`SHOW DATABASES` lists them so).
//! 3. A shard group covers `[start, end)` with `start` aligned to its duration from the Unix epoch;
//!    groups of one retention policy never overlap. On one node a group holds exactly one shard,
//!    whose id is the group id.
//! 4. Shard-group duration defaults follow InfluxDB: infinite or ≥ 180 d → 7 d; ≥ 2 d → 1 d; else 1 h;
//!    an explicit shard duration below 1 h is raised to 1 h.

mod model;
mod store;

pub use model::{
    ContinuousQueryMeta, DAY, DatabaseMeta, HOUR_NANOS, MAX_NAME_LEN, MetaData,
    RetentionPolicyMeta, ShardGroupMeta, default_shard_group_duration, shard_group_start,
};
pub use store::{MetaError, MetaStore};
