//! Schema exploration and deletes over the series index: what `SHOW MEASUREMENTS`, `SHOW TAG KEYS`,
//! `SHOW TAG VALUES`, `SHOW SERIES`, the cardinality statements, `DROP SERIES`, `DROP MEASUREMENT`
//! and `DELETE` need. Every answer is the index's answer intersected with the series that have data
//! in the shards of the scope, so deletes and expired shards are reflected at once.

use super::engine::Engine;
use super::types::{EngineError, IndexScope};
use crate::index::TagPredicate;
use crate::model::Timestamp;

impl Engine {
    /// Measurements with at least one series in scope matching `predicate`, sorted.
    pub fn schema_measurements(
        &self,
        _scope: &IndexScope,
        _predicate: &TagPredicate,
    ) -> Result<Vec<String>, EngineError> {
        Err(EngineError::Invalid("not implemented yet".into()))
    }

    /// Tag keys of `measurement` carried by at least one series in scope matching `predicate`,
    /// sorted.
    pub fn schema_tag_keys(
        &self,
        _scope: &IndexScope,
        _measurement: &str,
        _predicate: &TagPredicate,
    ) -> Result<Vec<String>, EngineError> {
        Err(EngineError::Invalid("not implemented yet".into()))
    }

    /// Distinct values of tag `key` of `measurement` over the series in scope matching
    /// `predicate`, sorted (series lacking the key contribute nothing).
    pub fn schema_tag_values(
        &self,
        _scope: &IndexScope,
        _measurement: &str,
        _key: &str,
        _predicate: &TagPredicate,
    ) -> Result<Vec<String>, EngineError> {
        Err(EngineError::Invalid("not implemented yet".into()))
    }

    /// Number of distinct values [`Engine::schema_tag_values`] would return.
    pub fn schema_tag_value_count(
        &self,
        _scope: &IndexScope,
        _measurement: &str,
        _key: &str,
        _predicate: &TagPredicate,
    ) -> Result<u64, EngineError> {
        Err(EngineError::Invalid("not implemented yet".into()))
    }

    /// Series keys (`m,k=v,…`, the escaped line-protocol form) of `measurement` in scope matching
    /// `predicate`, sorted.
    pub fn schema_series(
        &self,
        _scope: &IndexScope,
        _measurement: &str,
        _predicate: &TagPredicate,
    ) -> Result<Vec<String>, EngineError> {
        Err(EngineError::Invalid("not implemented yet".into()))
    }

    /// Number of series [`Engine::schema_series`] would return.
    pub fn schema_series_count(
        &self,
        _scope: &IndexScope,
        _measurement: &str,
        _predicate: &TagPredicate,
    ) -> Result<u64, EngineError> {
        Err(EngineError::Invalid("not implemented yet".into()))
    }

    /// `DROP SERIES [FROM m] [WHERE tags]`: every point of the matching series (of `measurement`,
    /// or of every measurement when `None`), in every shard, all time.
    pub fn drop_series(
        &self,
        _db: &str,
        _measurement: Option<&str>,
        _predicate: &TagPredicate,
    ) -> Result<(), EngineError> {
        Err(EngineError::Invalid("not implemented yet".into()))
    }

    /// `DROP MEASUREMENT m`: all its data and schema (field types) in every shard; idempotent.
    pub fn drop_measurement(&self, _db: &str, _measurement: &str) -> Result<(), EngineError> {
        Err(EngineError::Invalid("not implemented yet".into()))
    }

    /// `DELETE [FROM m] [WHERE tags and time]`: the points of the matching series (of
    /// `measurement`, or of every measurement) with `min_time <= time <= max_time`.
    pub fn delete_points(
        &self,
        _db: &str,
        _measurement: Option<&str>,
        _predicate: &TagPredicate,
        _min_time: Timestamp,
        _max_time: Timestamp,
    ) -> Result<(), EngineError> {
        Err(EngineError::Invalid("not implemented yet".into()))
    }
}
