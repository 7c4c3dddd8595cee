//! The storage operations statements need, as a trait: [`tsdb::Engine`] implements it, and
//! [`super::MemStore`] is an in-memory stand-in for tests.

use tsdb::engine::{RetentionPolicyInfo, RetentionPolicySpec};
use tsdb::{Engine, EngineError, FieldType, ReadRequest, SeriesData};

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
}
