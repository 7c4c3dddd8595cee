//! An in-memory [`Store`] for tests: a flat list of points, scanned on every read. Not for production
//! use (no indexes, one lock).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use tsdb::engine::{
    RetentionPolicyInfo, RetentionPolicySpec, RetentionPolicyUpdate, ShardGroupInfo,
    check_retention_policy, check_retention_update,
};
use tsdb::{
    Column, EngineError, FieldType, FieldValue, IndexScope, PointBatch, ReadRequest, SeriesData,
    TagPredicate, WriteOutcome,
};

use super::store::Store;

struct MemPoint {
    db: String,
    rp: String,
    measurement: String,
    /// Sorted by key.
    tags: Vec<(String, String)>,
    time: i64,
    fields: Vec<(String, FieldValue<'static>)>,
}

#[derive(Default)]
struct Inner {
    databases: Vec<(String, Vec<RetentionPolicyInfo>)>,
    points: Vec<MemPoint>,
    /// `(database, name, text)` in creation order.
    continuous_queries: Vec<(String, String, String)>,
    users: Vec<tsdb::meta::UserMeta>,
}

/// An in-memory store (see the module doc).
#[derive(Default)]
pub struct MemStore {
    inner: Mutex<Inner>,
}

const WEEK: i64 = 7 * 86_400 * 1_000_000_000;

impl MemStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Adds one point to the default retention policy (the database must exist).
    pub fn write(
        &self,
        db: &str,
        measurement: &str,
        tags: &[(&str, &str)],
        fields: Vec<(&str, FieldValue<'static>)>,
        time: i64,
    ) {
        let rp = {
            let inner = self.lock();
            inner
                .databases
                .iter()
                .find(|(n, _)| n == db)
                .and_then(|(_, rps)| rps.iter().find(|r| r.default))
                .map_or_else(|| "autogen".to_owned(), |r| r.name.clone())
        };
        self.write_rp(db, &rp, measurement, tags, fields, time);
    }

    /// Adds a non-default retention policy `rp` (infinite duration) to `db`.
    pub fn add_retention_policy(&self, db: &str, rp: &str) {
        let mut inner = self.lock();
        if let Some((_, rps)) = inner.databases.iter_mut().find(|(n, _)| n == db) {
            rps.push(RetentionPolicyInfo {
                name: rp.to_owned(),
                duration: 0,
                shard_group_duration: WEEK,
                replication: 1,
                default: false,
            });
        }
    }

    /// Adds one point to retention policy `rp` of `db`.
    pub fn write_rp(
        &self,
        db: &str,
        rp: &str,
        measurement: &str,
        tags: &[(&str, &str)],
        fields: Vec<(&str, FieldValue<'static>)>,
        time: i64,
    ) {
        let mut tags: Vec<(String, String)> = tags
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        tags.sort();
        let fields = fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        self.lock().points.push(MemPoint {
            db: db.to_owned(),
            rp: rp.to_owned(),
            measurement: measurement.to_owned(),
            tags,
            time,
            fields,
        });
    }

    fn check_db(inner: &Inner, db: &str) -> Result<(), EngineError> {
        if inner.databases.iter().any(|(n, _)| n == db) {
            Ok(())
        } else {
            Err(EngineError::DatabaseNotFound(db.to_owned()))
        }
    }
}

impl Store for MemStore {
    fn databases(&self) -> Vec<String> {
        self.lock()
            .databases
            .iter()
            .map(|(n, _)| n.clone())
            .collect()
    }

    fn database_exists(&self, name: &str) -> bool {
        self.lock().databases.iter().any(|(n, _)| n == name)
    }

    fn create_database(
        &self,
        name: &str,
        spec: Option<RetentionPolicySpec>,
    ) -> Result<(), EngineError> {
        let mut inner = self.lock();
        if inner.databases.iter().any(|(n, _)| n == name) {
            return Ok(());
        }
        let spec = spec.unwrap_or_default();
        let rp = RetentionPolicyInfo {
            name: spec.name.unwrap_or_else(|| "autogen".to_owned()),
            duration: spec.duration.unwrap_or(0),
            shard_group_duration: spec.shard_duration.unwrap_or(WEEK),
            replication: spec.replication.unwrap_or(1),
            default: true,
        };
        inner.databases.push((name.to_owned(), vec![rp]));
        Ok(())
    }

    fn drop_database(&self, name: &str) -> Result<(), EngineError> {
        let mut inner = self.lock();
        inner.databases.retain(|(n, _)| n != name);
        inner.points.retain(|p| p.db != name);
        inner.continuous_queries.retain(|(d, _, _)| d != name);
        Ok(())
    }

    fn retention_policies(&self, db: &str) -> Result<Vec<RetentionPolicyInfo>, EngineError> {
        let inner = self.lock();
        inner
            .databases
            .iter()
            .find(|(n, _)| n == db)
            .map(|(_, rps)| rps.clone())
            .ok_or_else(|| EngineError::DatabaseNotFound(db.to_owned()))
    }

    /// Validated as the engine validates; a policy of the same name must be identical.
    fn create_retention_policy(
        &self,
        db: &str,
        spec: &RetentionPolicySpec,
        make_default: bool,
    ) -> Result<(), EngineError> {
        let mut info = check_retention_policy(spec)?;
        let mut inner = self.lock();
        let rps = inner
            .databases
            .iter_mut()
            .find(|(n, _)| n == db)
            .map(|(_, rps)| rps)
            .ok_or_else(|| EngineError::DatabaseNotFound(db.to_owned()))?;
        if let Some(e) = rps.iter().find(|r| r.name == info.name) {
            let same = (e.duration, e.shard_group_duration, e.replication)
                == (info.duration, info.shard_group_duration, info.replication);
            return match (same, make_default && !e.default) {
                (false, _) => Err(EngineError::Invalid(
                    "retention policy already exists".into(),
                )),
                (true, true) => Err(EngineError::Invalid(
                    "retention policy conflicts with an existing policy".into(),
                )),
                (true, false) => Ok(()),
            };
        }
        if make_default {
            rps.iter_mut().for_each(|r| r.default = false);
        }
        info.default = make_default;
        rps.push(info);
        Ok(())
    }

    fn alter_retention_policy(
        &self,
        db: &str,
        name: &str,
        update: &RetentionPolicyUpdate,
    ) -> Result<(), EngineError> {
        let mut inner = self.lock();
        let rps = inner
            .databases
            .iter_mut()
            .find(|(n, _)| n == db)
            .map(|(_, rps)| rps)
            .ok_or_else(|| EngineError::DatabaseNotFound(db.to_owned()))?;
        let pos = rps
            .iter()
            .position(|r| r.name == name)
            .ok_or_else(|| EngineError::RetentionPolicyNotFound(name.to_owned()))?;
        let new = check_retention_update(&rps[pos], update)?;
        if update.make_default {
            rps.iter_mut().for_each(|r| r.default = false);
        }
        rps[pos] = new;
        Ok(())
    }

    /// Idempotent; drops the policy's points.
    fn drop_retention_policy(&self, db: &str, name: &str) -> Result<(), EngineError> {
        let mut inner = self.lock();
        if let Some((_, rps)) = inner.databases.iter_mut().find(|(n, _)| n == db) {
            rps.retain(|r| r.name != name);
        }
        inner.points.retain(|p| p.db != db || p.rp != name);
        Ok(())
    }

    /// The memory store has no shards.
    fn shard_groups(&self) -> Vec<ShardGroupInfo> {
        Vec::new()
    }

    fn drop_shard(&self, _id: u64) -> Result<(), EngineError> {
        Ok(())
    }

    fn measurements(&self, db: &str) -> Result<Vec<String>, EngineError> {
        let inner = self.lock();
        Self::check_db(&inner, db)?;
        let set: BTreeSet<&str> = inner
            .points
            .iter()
            .filter(|p| p.db == db)
            .map(|p| p.measurement.as_str())
            .collect();
        Ok(set.into_iter().map(str::to_owned).collect())
    }

    fn field_keys(
        &self,
        db: &str,
        rp: Option<&str>,
        measurement: &str,
    ) -> Result<Vec<(String, FieldType)>, EngineError> {
        let inner = self.lock();
        Self::check_db(&inner, db)?;
        let mut out: BTreeMap<String, FieldType> = BTreeMap::new();
        for p in inner.points.iter().filter(|p| {
            p.db == db && p.measurement == measurement && rp.is_none_or(|rp| rp == p.rp)
        }) {
            for (k, v) in &p.fields {
                out.entry(k.clone()).or_insert(v.field_type());
            }
        }
        Ok(out.into_iter().collect())
    }

    fn tag_keys(&self, db: &str, measurement: &str) -> Result<Vec<String>, EngineError> {
        let inner = self.lock();
        Self::check_db(&inner, db)?;
        let set: BTreeSet<&str> = inner
            .points
            .iter()
            .filter(|p| p.db == db && p.measurement == measurement)
            .flat_map(|p| p.tags.iter().map(|(k, _)| k.as_str()))
            .collect();
        Ok(set.into_iter().map(str::to_owned).collect())
    }

    /// One lock for the whole batch; points older than the policy's retention are dropped (as
    /// the engine does), type conflicts are not checked.
    fn write_points(
        &self,
        db: &str,
        rp: Option<&str>,
        batch: &PointBatch<'_>,
    ) -> Result<WriteOutcome, EngineError> {
        let mut inner = self.lock();
        let rps = inner
            .databases
            .iter()
            .find(|(n, _)| n == db)
            .map(|(_, rps)| rps)
            .ok_or_else(|| EngineError::DatabaseNotFound(db.to_owned()))?;
        let info = match rp {
            Some(name) => rps.iter().find(|r| r.name == name),
            None => rps.iter().find(|r| r.default),
        }
        .ok_or_else(|| EngineError::RetentionPolicyNotFound(rp.unwrap_or("").to_owned()))?;
        let rp_name = info.name.clone();
        let min_time = if info.duration > 0 {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX));
            now.saturating_sub(info.duration)
        } else {
            i64::MIN
        };
        let mut out = WriteOutcome::default();
        for p in &batch.points {
            if p.timestamp < min_time {
                out.dropped += 1;
                out.reason
                    .get_or_insert_with(|| "points beyond retention policy".to_owned());
                continue;
            }
            let mut tags: Vec<(String, String)> = batch
                .tags_of(p)
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            tags.sort();
            let fields = batch
                .fields_of(p)
                .iter()
                .map(|(k, v)| {
                    let v = match v {
                        FieldValue::String(s) => FieldValue::String(s.to_string().into()),
                        FieldValue::Float(f) => FieldValue::Float(*f),
                        FieldValue::Integer(i) => FieldValue::Integer(*i),
                        FieldValue::Unsigned(u) => FieldValue::Unsigned(*u),
                        FieldValue::Boolean(b) => FieldValue::Boolean(*b),
                        FieldValue::Sketch(s) => FieldValue::Sketch(s.clone()),
                    };
                    (k.to_string(), v)
                })
                .collect();
            inner.points.push(MemPoint {
                db: db.to_owned(),
                rp: rp_name.clone(),
                measurement: p.measurement.to_string(),
                tags,
                time: p.timestamp,
                fields,
            });
            out.written += 1;
        }
        Ok(out)
    }

    fn read(&self, req: &ReadRequest) -> Result<Vec<SeriesData>, EngineError> {
        let inner = self.lock();
        Self::check_db(&inner, &req.database)?;
        let mut by_series: BTreeMap<String, Vec<&MemPoint>> = BTreeMap::new();
        for p in inner.points.iter().filter(|p| {
            p.db == req.database
                && req.retention_policy.as_ref().is_none_or(|rp| *rp == p.rp)
                && p.measurement == req.measurement
                && p.time >= req.min_time
                && p.time <= req.max_time
                && req.predicate.matches(&p.tags)
        }) {
            let mut key = p.measurement.clone();
            for (k, v) in &p.tags {
                key.push_str(&format!(",{k}={v}"));
            }
            by_series.entry(key).or_default().push(p);
        }
        let mut out = Vec::new();
        for (key, mut pts) in by_series {
            pts.sort_by_key(|p| p.time);
            let names: Vec<String> = match &req.fields {
                Some(f) => f.clone(),
                None => {
                    let s: BTreeSet<&str> = pts
                        .iter()
                        .flat_map(|p| p.fields.iter().map(|(k, _)| k.as_str()))
                        .collect();
                    s.into_iter().map(str::to_owned).collect()
                }
            };
            let mut fields = Vec::new();
            for name in names {
                let ty = pts.iter().find_map(|p| {
                    p.fields
                        .iter()
                        .find(|(k, _)| *k == name)
                        .map(|(_, v)| v.field_type())
                });
                let Some(ty) = ty else { continue };
                let mut col = Column::new(ty);
                for p in &pts {
                    match p.fields.iter().find(|(k, _)| *k == name) {
                        Some((_, v)) if col.push(v) => {}
                        _ => col.push_absent(),
                    }
                }
                fields.push((name, col));
            }
            out.push(SeriesData {
                key,
                tags: pts.first().map(|p| p.tags.clone()).unwrap_or_default(),
                timestamps: pts.iter().map(|p| p.time).collect(),
                fields,
            });
        }
        Ok(out)
    }
    fn schema_measurements(
        &self,
        scope: &IndexScope,
        predicate: &TagPredicate,
    ) -> Result<Vec<String>, EngineError> {
        let inner = self.lock();
        Self::check_db(&inner, &scope.database)?;
        let set: BTreeSet<&str> = inner
            .points
            .iter()
            .filter(|p| in_scope(p, scope) && predicate.matches(&p.tags))
            .map(|p| p.measurement.as_str())
            .collect();
        Ok(set.into_iter().map(str::to_owned).collect())
    }

    fn schema_tag_keys(
        &self,
        scope: &IndexScope,
        measurement: &str,
        predicate: &TagPredicate,
    ) -> Result<Vec<String>, EngineError> {
        let inner = self.lock();
        Self::check_db(&inner, &scope.database)?;
        let set: BTreeSet<&str> = matching(&inner, scope, measurement, predicate)
            .flat_map(|p| p.tags.iter().map(|(k, _)| k.as_str()))
            .collect();
        Ok(set.into_iter().map(str::to_owned).collect())
    }

    fn schema_tag_values(
        &self,
        scope: &IndexScope,
        measurement: &str,
        key: &str,
        predicate: &TagPredicate,
    ) -> Result<Vec<String>, EngineError> {
        let inner = self.lock();
        Self::check_db(&inner, &scope.database)?;
        let set: BTreeSet<&str> = matching(&inner, scope, measurement, predicate)
            .filter_map(|p| {
                p.tags
                    .iter()
                    .find(|(k, _)| k == key)
                    .map(|(_, v)| v.as_str())
            })
            .collect();
        Ok(set.into_iter().map(str::to_owned).collect())
    }

    fn schema_tag_value_count(
        &self,
        scope: &IndexScope,
        measurement: &str,
        key: &str,
        predicate: &TagPredicate,
    ) -> Result<u64, EngineError> {
        Ok(self
            .schema_tag_values(scope, measurement, key, predicate)?
            .len() as u64)
    }

    fn schema_series(
        &self,
        scope: &IndexScope,
        measurement: &str,
        predicate: &TagPredicate,
    ) -> Result<Vec<String>, EngineError> {
        let inner = self.lock();
        Self::check_db(&inner, &scope.database)?;
        let set: BTreeSet<String> = matching(&inner, scope, measurement, predicate)
            .map(series_key)
            .collect();
        Ok(set.into_iter().collect())
    }

    fn schema_series_count(
        &self,
        scope: &IndexScope,
        measurement: &str,
        predicate: &TagPredicate,
    ) -> Result<u64, EngineError> {
        Ok(self.schema_series(scope, measurement, predicate)?.len() as u64)
    }

    fn drop_series(
        &self,
        db: &str,
        measurement: Option<&str>,
        predicate: &TagPredicate,
    ) -> Result<(), EngineError> {
        self.delete_points(db, measurement, predicate, i64::MIN, i64::MAX)
    }

    fn drop_measurement(&self, db: &str, measurement: &str) -> Result<(), EngineError> {
        let mut inner = self.lock();
        Self::check_db(&inner, db)?;
        inner
            .points
            .retain(|p| !(p.db == db && p.measurement == measurement));
        Ok(())
    }

    fn delete_points(
        &self,
        db: &str,
        measurement: Option<&str>,
        predicate: &TagPredicate,
        min_time: i64,
        max_time: i64,
    ) -> Result<(), EngineError> {
        let mut inner = self.lock();
        Self::check_db(&inner, db)?;
        inner.points.retain(|p| {
            !(p.db == db
                && measurement.is_none_or(|m| p.measurement == m)
                && p.time >= min_time
                && p.time <= max_time
                && predicate.matches(&p.tags))
        });
        Ok(())
    }

    fn create_continuous_query(
        &self,
        db: &str,
        name: &str,
        query: &str,
    ) -> Result<(), EngineError> {
        let mut inner = self.lock();
        Self::check_db(&inner, db)?;
        match inner
            .continuous_queries
            .iter()
            .find(|(d, n, _)| d == db && n == name)
        {
            Some((_, _, q)) if q == query => Ok(()),
            Some(_) => Err(EngineError::Invalid(
                "continuous query already exists".to_owned(),
            )),
            None => {
                inner
                    .continuous_queries
                    .push((db.to_owned(), name.to_owned(), query.to_owned()));
                Ok(())
            }
        }
    }

    fn drop_continuous_query(&self, db: &str, name: &str) -> Result<(), EngineError> {
        self.lock()
            .continuous_queries
            .retain(|(d, n, _)| !(d == db && n == name));
        Ok(())
    }

    fn continuous_queries(&self) -> Vec<(String, Vec<(String, String)>)> {
        let inner = self.lock();
        inner
            .databases
            .iter()
            .map(|(db, _)| {
                let cqs = inner
                    .continuous_queries
                    .iter()
                    .filter(|(d, _, _)| d == db)
                    .map(|(_, n, q)| (n.clone(), q.clone()))
                    .collect();
                (db.clone(), cqs)
            })
            .collect()
    }

    fn users(&self) -> Vec<tsdb::meta::UserMeta> {
        self.lock().users.clone()
    }

    fn update_users(
        &self,
        f: &mut dyn FnMut(&mut Vec<tsdb::meta::UserMeta>) -> Result<bool, EngineError>,
    ) -> Result<(), EngineError> {
        let mut inner = self.lock();
        let mut copy = inner.users.clone();
        if f(&mut copy)? {
            inner.users = copy;
        }
        Ok(())
    }
}

/// Whether `p` lies in `scope`. Exact in time (the engine works at shard granularity).
fn in_scope(p: &MemPoint, scope: &IndexScope) -> bool {
    p.db == scope.database
        && scope.retention_policy.as_ref().is_none_or(|rp| *rp == p.rp)
        && p.time >= scope.min_time
        && p.time <= scope.max_time
}

fn matching<'a>(
    inner: &'a Inner,
    scope: &'a IndexScope,
    measurement: &'a str,
    predicate: &'a TagPredicate,
) -> impl Iterator<Item = &'a MemPoint> + 'a {
    inner.points.iter().filter(move |p| {
        p.measurement == measurement && in_scope(p, scope) && predicate.matches(&p.tags)
    })
}

fn escape(out: &mut String, s: &str, special: &[char]) {
    for c in s.chars() {
        if special.contains(&c) {
            out.push('\\');
        }
        out.push(c);
    }
}

/// The series key in escaped line-protocol form (`m,k=v,…`, tags sorted).
fn series_key(p: &MemPoint) -> String {
    let mut key = String::new();
    escape(&mut key, &p.measurement, &[',', ' ']);
    for (k, v) in &p.tags {
        key.push(',');
        escape(&mut key, k, &[',', '=', ' ']);
        key.push('=');
        escape(&mut key, v, &[',', '=', ' ']);
    }
    key
}
