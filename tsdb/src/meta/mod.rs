//! Databases, retention policies, shard groups and users: the metadata catalog of a data directory.
//!
//! Invariants:
//! 1. The whole catalog lives in one framed file (`meta.tdb`, `docs/format/meta.md`) replaced
//!    atomically on every change; changes are rare (DDL, a new shard group every shard duration).
//! 2. Databases keep creation order (`SHOW DATABASES` lists them so).
//! 3. A shard group covers `[start, end)` with `start` aligned to its duration as Go's
//!    `Time.Truncate` aligns (from year 1: weekly groups start on Mondays, as InfluxDB's);
//!    groups of one retention policy never overlap (a new group is shrunk to fit between existing
//!    ones). On one node a group holds exactly one shard,
//!    whose id is the group id.
//! 4. Shard-group duration defaults follow InfluxDB: infinite or ≥ 180 d → 7 d; ≥ 2 d → 1 d; else 1 h;
//!    an explicit shard duration below 1 h is raised to 1 h.
//! 5. Users (name, password hash, admin flag, per-database privileges) live in the same file; tsdb
//!    stores them only — hashing, checking and the statements are the query crate's (`query::auth`).

mod model;
mod store;

pub use model::{
    ContinuousQueryMeta, DAY, DatabaseMeta, HOUR_NANOS, MAX_NAME_LEN, MetaData,
    RetentionPolicyMeta, ShardGroupMeta, UserMeta, default_shard_group_duration,
    new_shard_group_bounds, shard_group_start,
};
pub use store::{MetaError, MetaStore};
