//! The storage operations statements need, as a trait: [`tsdb::Engine`] implements it, and
//! [`super::MemStore`] is an in-memory stand-in for tests.

use tsdb::engine::{RetentionPolicyInfo, RetentionPolicySpec};
use tsdb::{
    Engine, EngineError, FieldType, IndexScope, ReadRequest, SeriesData, TagPredicate, Timestamp,
};

/// What the executor asks of storage (the subset of [`tsdb::Engine`]'s API it uses).
pub trait Store: Send + Sync {
    fn databases(&self) -> Vec<String>;
    fn database_exists(&self, name: &str) -> bool;
    fn create_database(
        &self,
        name: &str,
        spec: Option<RetentionPolicySpec>,
    ) -> Result<(), EngineError>;
    fn drop_database(&self, name: &str) -> Result<(), EngineError>;
    fn retention_policies(&self, db: &str) -> Result<Vec<RetentionPolicyInfo>, EngineError>;
    fn measurements(&self, db: &str) -> Result<Vec<String>, EngineError>;
    fn field_keys(
        &self,
        db: &str,
        rp: Option<&str>,
        measurement: &str,
    ) -> Result<Vec<(String, FieldType)>, EngineError>;
    fn tag_keys(&self, db: &str, measurement: &str) -> Result<Vec<String>, EngineError>;
    fn read(&self, req: &ReadRequest) -> Result<Vec<SeriesData>, EngineError>;
    // Schema exploration and deletes: semantics on the same-named `tsdb::Engine` methods
    // (`tsdb/src/engine/schema.rs`).
    fn schema_measurements(
        &self,
        scope: &IndexScope,
        predicate: &TagPredicate,
    ) -> Result<Vec<String>, EngineError>;
    fn schema_tag_keys(
        &self,
        scope: &IndexScope,
        measurement: &str,
        predicate: &TagPredicate,
    ) -> Result<Vec<String>, EngineError>;
    fn schema_tag_values(
        &self,
        scope: &IndexScope,
        measurement: &str,
        key: &str,
        predicate: &TagPredicate,
    ) -> Result<Vec<String>, EngineError>;
    fn schema_tag_value_count(
        &self,
        scope: &IndexScope,
        measurement: &str,
        key: &str,
        predicate: &TagPredicate,
    ) -> Result<u64, EngineError>;
    fn schema_series(
        &self,
        scope: &IndexScope,
        measurement: &str,
        predicate: &TagPredicate,
    ) -> Result<Vec<String>, EngineError>;
    fn schema_series_count(
        &self,
        scope: &IndexScope,
        measurement: &str,
        predicate: &TagPredicate,
    ) -> Result<u64, EngineError>;
    fn drop_series(
        &self,
        db: &str,
        measurement: Option<&str>,
        predicate: &TagPredicate,
    ) -> Result<(), EngineError>;
    fn drop_measurement(&self, db: &str, measurement: &str) -> Result<(), EngineError>;
    fn delete_points(
        &self,
        db: &str,
        measurement: Option<&str>,
        predicate: &TagPredicate,
        min_time: Timestamp,
        max_time: Timestamp,
    ) -> Result<(), EngineError>;
}

impl Store for Engine {
    fn databases(&self) -> Vec<String> {
        Engine::databases(self)
    }
    fn database_exists(&self, name: &str) -> bool {
        Engine::database_exists(self, name)
    }
    fn create_database(
        &self,
        name: &str,
        spec: Option<RetentionPolicySpec>,
    ) -> Result<(), EngineError> {
        Engine::create_database(self, name, spec)
    }
    fn drop_database(&self, name: &str) -> Result<(), EngineError> {
        Engine::drop_database(self, name)
    }
    fn retention_policies(&self, db: &str) -> Result<Vec<RetentionPolicyInfo>, EngineError> {
        Engine::retention_policies(self, db)
    }
    fn measurements(&self, db: &str) -> Result<Vec<String>, EngineError> {
        Engine::measurements(self, db)
    }
    fn field_keys(
        &self,
        db: &str,
        rp: Option<&str>,
        measurement: &str,
    ) -> Result<Vec<(String, FieldType)>, EngineError> {
        Engine::field_keys(self, db, rp, measurement)
    }
    fn tag_keys(&self, db: &str, measurement: &str) -> Result<Vec<String>, EngineError> {
        Engine::tag_keys(self, db, measurement)
    }
    fn read(&self, req: &ReadRequest) -> Result<Vec<SeriesData>, EngineError> {
        Engine::read(self, req)
    }
    fn schema_measurements(
        &self,
        scope: &IndexScope,
        predicate: &TagPredicate,
    ) -> Result<Vec<String>, EngineError> {
        Engine::schema_measurements(self, scope, predicate)
    }
    fn schema_tag_keys(
        &self,
        scope: &IndexScope,
        measurement: &str,
        predicate: &TagPredicate,
    ) -> Result<Vec<String>, EngineError> {
        Engine::schema_tag_keys(self, scope, measurement, predicate)
    }
    fn schema_tag_values(
        &self,
        scope: &IndexScope,
        measurement: &str,
        key: &str,
        predicate: &TagPredicate,
    ) -> Result<Vec<String>, EngineError> {
        Engine::schema_tag_values(self, scope, measurement, key, predicate)
    }
    fn schema_tag_value_count(
        &self,
        scope: &IndexScope,
        measurement: &str,
        key: &str,
        predicate: &TagPredicate,
    ) -> Result<u64, EngineError> {
        Engine::schema_tag_value_count(self, scope, measurement, key, predicate)
    }
    fn schema_series(
        &self,
        scope: &IndexScope,
        measurement: &str,
        predicate: &TagPredicate,
    ) -> Result<Vec<String>, EngineError> {
        Engine::schema_series(self, scope, measurement, predicate)
    }
    fn schema_series_count(
        &self,
        scope: &IndexScope,
        measurement: &str,
        predicate: &TagPredicate,
    ) -> Result<u64, EngineError> {
        Engine::schema_series_count(self, scope, measurement, predicate)
    }
    fn drop_series(
        &self,
        db: &str,
        measurement: Option<&str>,
        predicate: &TagPredicate,
    ) -> Result<(), EngineError> {
        Engine::drop_series(self, db, measurement, predicate)
    }
    fn drop_measurement(&self, db: &str, measurement: &str) -> Result<(), EngineError> {
        Engine::drop_measurement(self, db, measurement)
    }
    fn delete_points(
        &self,
        db: &str,
        measurement: Option<&str>,
        predicate: &TagPredicate,
        min_time: Timestamp,
        max_time: Timestamp,
    ) -> Result<(), EngineError> {
        Engine::delete_points(self, db, measurement, predicate, min_time, max_time)
    }
}
