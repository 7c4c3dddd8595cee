//! The storage operations statements need, as a trait: [`tsdb::Engine`] implements it, and
//! [`super::MemStore`] is an in-memory stand-in for tests.

use tsdb::engine::{
    RetentionPolicyInfo, RetentionPolicySpec, RetentionPolicyUpdate, ShardGroupInfo,
};
use tsdb::{
    Engine, EngineError, FieldType, IndexScope, PointBatch, ReadRequest, ScanBatch, ScanRequest,
    ScanSink, SeriesData, SeriesGroups, TagPredicate, Timestamp, WriteError, WriteOrigin,
    WriteOutcome, engine::groups_from_tags,
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
    /// The name `db`'s default retention policy has, even when that policy was dropped.
    fn default_retention_policy(&self, db: &str) -> Result<String, EngineError> {
        Ok(self
            .retention_policies(db)?
            .into_iter()
            .find(|p| p.default)
            .map(|p| p.name)
            .unwrap_or_default())
    }
    // Retention policies and shards: semantics on the same-named `tsdb::Engine` methods
    // (`tsdb/src/engine/retention.rs`).
    fn create_retention_policy(
        &self,
        db: &str,
        spec: &RetentionPolicySpec,
        make_default: bool,
    ) -> Result<(), EngineError>;
    fn alter_retention_policy(
        &self,
        db: &str,
        name: &str,
        update: &RetentionPolicyUpdate,
    ) -> Result<(), EngineError>;
    fn drop_retention_policy(&self, db: &str, name: &str) -> Result<(), EngineError>;
    fn shard_groups(&self) -> Vec<ShardGroupInfo>;
    fn drop_shard(&self, id: u64) -> Result<(), EngineError>;
    fn measurements(&self, db: &str) -> Result<Vec<String>, EngineError>;
    fn field_keys(
        &self,
        db: &str,
        rp: Option<&str>,
        measurement: &str,
    ) -> Result<Vec<(String, FieldType)>, EngineError>;
    fn tag_keys(&self, db: &str, measurement: &str) -> Result<Vec<String>, EngineError>;
    fn read(&self, req: &ReadRequest) -> Result<Vec<SeriesData>, EngineError>;
    /// Writes `batch` to `db`/`rp` (the default retention policy when `None`), as
    /// [`tsdb::Engine::write`]: points outside the policy's retention or with a field type conflict
    /// are dropped and counted in the outcome (`dropped`, `reason`), the rest written.
    fn write_points(
        &self,
        db: &str,
        rp: Option<&str>,
        batch: &PointBatch<'_>,
    ) -> Result<WriteOutcome, EngineError>;
    /// [`Store::write_points`] on behalf of `origin`: a continuous query's INTO write carries its
    /// watch id so that it does not mark its own watch ([`tsdb::Engine::write_as`]). The default
    /// ignores the origin.
    fn write_points_as(
        &self,
        db: &str,
        rp: Option<&str>,
        batch: &PointBatch<'_>,
        origin: WriteOrigin<'_>,
    ) -> Result<WriteOutcome, EngineError> {
        let _ = origin;
        self.write_points(db, rp, batch)
    }
    /// [`tsdb::Engine::group_series`]. The default numbers series by their position among all
    /// series keys of the measurement (so [`Store::scan`]'s default agrees) and reads through
    /// [`Store::read`]: fine for test stores, far too slow for a real one.
    fn group_series(
        &self,
        scope: &IndexScope,
        measurement: &str,
        predicate: &TagPredicate,
        keys: &[String],
    ) -> Result<SeriesGroups, EngineError> {
        let ids = default_series_ids(self, &scope.database, measurement)?;
        let data = self.read(&ReadRequest {
            database: scope.database.clone(),
            retention_policy: scope.retention_policy.clone(),
            measurement: measurement.to_owned(),
            min_time: scope.min_time,
            max_time: scope.max_time,
            predicate: predicate.clone(),
            fields: None,
        })?;
        Ok(groups_from_tags(
            keys,
            data.into_iter()
                .filter(|sd| !sd.timestamps.is_empty())
                .filter_map(|sd| Some((*ids.get(&sd.key)?, sd.tags))),
        ))
    }
    /// [`tsdb::Engine::scan`]; the default reads through [`Store::read`] into the first sink.
    fn scan(&self, req: &ScanRequest, sinks: &mut [&mut dyn ScanSink]) -> Result<(), EngineError> {
        let ids = default_series_ids(self, &req.database, &req.measurement)?;
        let data = self.read(&ReadRequest {
            database: req.database.clone(),
            retention_policy: req.retention_policy.clone(),
            measurement: req.measurement.clone(),
            min_time: req.min_time,
            max_time: req.max_time,
            predicate: TagPredicate::All,
            fields: Some(req.fields.clone()),
        })?;
        let Some(sink) = sinks.first_mut() else {
            return Ok(());
        };
        for sd in data {
            let Some(&id) = ids.get(&sd.key) else {
                continue;
            };
            if !req.series.contains(id) {
                continue;
            }
            // `read` returns only the fields a series has: place each under its requested name.
            let mut fields = sd.fields;
            let columns: Vec<_> = req
                .fields
                .iter()
                .map(|f| {
                    let i = fields.iter().position(|(n, _)| n == f)?;
                    Some(fields.swap_remove(i).1)
                })
                .collect();
            let series = vec![id; sd.timestamps.len()];
            let batch = ScanBatch {
                series: &series,
                timestamps: &sd.timestamps,
                columns: &columns,
            };
            if sink.consume(&batch).is_break() {
                break;
            }
        }
        Ok(())
    }
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
    // Continuous-query definitions (the normalized `CREATE CONTINUOUS QUERY` text), kept by the
    // store's meta data. The defaults keep none (a store without CQ support).
    /// Stores CQ `name` of `db` with its normalized text; re-creating with the identical text is
    /// a no-op, a different text is InfluxDB's `continuous query already exists`.
    fn create_continuous_query(
        &self,
        db: &str,
        name: &str,
        query: &str,
    ) -> Result<(), EngineError> {
        let _ = (name, query);
        Err(EngineError::Invalid(format!(
            "continuous queries are not supported by this store (database {db})"
        )))
    }
    /// Removes CQ `name` of `db`; an unknown name (or database) is not an error.
    fn drop_continuous_query(&self, db: &str, name: &str) -> Result<(), EngineError> {
        let _ = (db, name);
        Ok(())
    }
    /// Every database (in the order of [`Store::databases`]) with its CQs `(name, text)` in
    /// creation order.
    fn continuous_queries(&self) -> Vec<(String, Vec<(String, String)>)> {
        self.databases()
            .into_iter()
            .map(|d| (d, Vec::new()))
            .collect()
    }
    // Users (`query::auth`), kept by the store's meta data. The defaults keep none.
    /// Every user in creation order.
    fn users(&self) -> Vec<tsdb::meta::UserMeta> {
        Vec::new()
    }
    /// Applies `f` to the users; `Ok(true)` persists the change before it becomes visible.
    fn update_users(
        &self,
        f: &mut dyn FnMut(&mut Vec<tsdb::meta::UserMeta>) -> Result<bool, EngineError>,
    ) -> Result<(), EngineError> {
        let _ = f;
        Err(EngineError::Invalid(
            "users are not supported by this store".to_owned(),
        ))
    }
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
    fn default_retention_policy(&self, db: &str) -> Result<String, EngineError> {
        Engine::default_retention_policy(self, db)
    }
    fn create_retention_policy(
        &self,
        db: &str,
        spec: &RetentionPolicySpec,
        make_default: bool,
    ) -> Result<(), EngineError> {
        Engine::create_retention_policy(self, db, spec, make_default)
    }
    fn alter_retention_policy(
        &self,
        db: &str,
        name: &str,
        update: &RetentionPolicyUpdate,
    ) -> Result<(), EngineError> {
        Engine::alter_retention_policy(self, db, name, update)
    }
    fn drop_retention_policy(&self, db: &str, name: &str) -> Result<(), EngineError> {
        Engine::drop_retention_policy(self, db, name)
    }
    fn shard_groups(&self) -> Vec<ShardGroupInfo> {
        Engine::shard_groups(self)
    }
    fn drop_shard(&self, id: u64) -> Result<(), EngineError> {
        Engine::drop_shard(self, id)
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
    fn write_points(
        &self,
        db: &str,
        rp: Option<&str>,
        batch: &PointBatch<'_>,
    ) -> Result<WriteOutcome, EngineError> {
        Engine::write(self, db, rp, batch).map_err(|e| match e {
            WriteError::DatabaseNotFound(d) => EngineError::DatabaseNotFound(d),
            WriteError::RetentionPolicyNotFound(r) => EngineError::RetentionPolicyNotFound(r),
            WriteError::Storage(m) => EngineError::Storage(m),
        })
    }
    fn write_points_as(
        &self,
        db: &str,
        rp: Option<&str>,
        batch: &PointBatch<'_>,
        origin: WriteOrigin<'_>,
    ) -> Result<WriteOutcome, EngineError> {
        Engine::write_as(self, db, rp, batch, origin).map_err(|e| match e {
            WriteError::DatabaseNotFound(d) => EngineError::DatabaseNotFound(d),
            WriteError::RetentionPolicyNotFound(r) => EngineError::RetentionPolicyNotFound(r),
            WriteError::Storage(m) => EngineError::Storage(m),
        })
    }
    fn group_series(
        &self,
        scope: &IndexScope,
        measurement: &str,
        predicate: &TagPredicate,
        keys: &[String],
    ) -> Result<SeriesGroups, EngineError> {
        Engine::group_series(self, scope, measurement, predicate, keys)
    }
    fn scan(&self, req: &ScanRequest, sinks: &mut [&mut dyn ScanSink]) -> Result<(), EngineError> {
        Engine::scan(self, req, sinks)
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
    fn create_continuous_query(
        &self,
        db: &str,
        name: &str,
        query: &str,
    ) -> Result<(), EngineError> {
        Engine::create_continuous_query(self, db, name, query)
    }
    fn drop_continuous_query(&self, db: &str, name: &str) -> Result<(), EngineError> {
        Engine::drop_continuous_query(self, db, name)
    }
    fn continuous_queries(&self) -> Vec<(String, Vec<(String, String)>)> {
        Engine::continuous_queries(self)
            .into_iter()
            .map(|(db, cqs)| (db, cqs.into_iter().map(|c| (c.name, c.query)).collect()))
            .collect()
    }
    fn users(&self) -> Vec<tsdb::meta::UserMeta> {
        Engine::users(self)
    }
    fn update_users(
        &self,
        f: &mut dyn FnMut(&mut Vec<tsdb::meta::UserMeta>) -> Result<bool, EngineError>,
    ) -> Result<(), EngineError> {
        Engine::update_users(self, f)
    }
}

/// Series key → position among all series keys of `measurement` (the default stores' ids).
fn default_series_ids<S: Store + ?Sized>(
    store: &S,
    db: &str,
    measurement: &str,
) -> Result<std::collections::HashMap<String, u32>, EngineError> {
    let keys = store.schema_series(&IndexScope::all_time(db), measurement, &TagPredicate::All)?;
    Ok(keys
        .into_iter()
        .enumerate()
        .map(|(i, k)| (k, i as u32))
        .collect())
}
