//! Schema exploration and deletes over the series index: what `SHOW MEASUREMENTS`, `SHOW TAG KEYS`,
//! `SHOW TAG VALUES`, `SHOW SERIES`, the cardinality statements, `DROP SERIES`, `DROP MEASUREMENT`
//! and `DELETE` need. Every answer is the index's answer intersected with the series that have data
//! in the shards of the scope (their presence bitmaps), so deletes and expired shards are reflected
//! at once and a time bound only considers the shards it touches.
//!
//! Deletes: under the flush lock (no flush or compaction of the database's shards meanwhile) the
//! catalog is synced, a delete record goes to the WAL (so a replay applies it in order), then each
//! shard filters its memtables, records a tombstone for older segments and updates its presence;
//! finally the live-series sets are rebuilt and the index drops the dead series.

use std::collections::BTreeSet;
use std::sync::Arc;

use roaring::RoaringBitmap;

use super::engine::{Database, Engine, LiveSeries, storage};
use super::types::{EngineError, IndexScope};
use super::wal_record::{self, DeleteEntry};
use crate::index::TagPredicate;
use crate::model::{SeriesId, Timestamp};
use crate::shard::Shard;

impl Engine {
    /// The database and the shards of a scope.
    fn scope_shards(
        &self,
        scope: &IndexScope,
    ) -> Result<(Arc<Database>, Vec<Arc<Shard>>), EngineError> {
        let dbh = self.db_or_err(&scope.database)?;
        if let Some(rp) = &scope.retention_policy {
            self.resolve_rp(&scope.database, Some(rp))?;
        }
        let shards = self.shards_in(
            &dbh,
            scope.retention_policy.as_deref(),
            scope.min_time,
            scope.max_time,
        );
        Ok((dbh, shards))
    }

    /// Series of `measurement` with data in `shards` that match `predicate`.
    pub(super) fn scoped_series(
        dbh: &Database,
        shards: &[Arc<Shard>],
        measurement: &str,
        predicate: &TagPredicate,
    ) -> Result<RoaringBitmap, EngineError> {
        let mut present = RoaringBitmap::new();
        for s in shards {
            s.series_ids_into(measurement, &mut present);
        }
        if present.is_empty() || matches!(predicate, TagPredicate::All) {
            return Ok(present);
        }
        let matched = dbh.index.series(measurement, predicate).map_err(storage)?;
        Ok(present & matched)
    }

    /// Measurements with at least one series in scope matching `predicate`, sorted.
    pub fn schema_measurements(
        &self,
        scope: &IndexScope,
        predicate: &TagPredicate,
    ) -> Result<Vec<String>, EngineError> {
        let (dbh, shards) = self.scope_shards(scope)?;
        let mut names = BTreeSet::new();
        for s in &shards {
            names.extend(s.measurements());
        }
        let mut out = Vec::with_capacity(names.len());
        for m in names {
            if matches!(predicate, TagPredicate::All)
                || !Self::scoped_series(&dbh, &shards, &m, predicate)?.is_empty()
            {
                out.push(m);
            }
        }
        Ok(out)
    }

    /// Tag keys of `measurement` carried by at least one series in scope matching `predicate`,
    /// sorted.
    pub fn schema_tag_keys(
        &self,
        scope: &IndexScope,
        measurement: &str,
        predicate: &TagPredicate,
    ) -> Result<Vec<String>, EngineError> {
        let (dbh, shards) = self.scope_shards(scope)?;
        let series = Self::scoped_series(&dbh, &shards, measurement, predicate)?;
        if series.is_empty() {
            return Ok(Vec::new());
        }
        if matches!(predicate, TagPredicate::All)
            && dbh.index.measurement_series(measurement).is_subset(&series)
        {
            // Every indexed series of the measurement is in scope: every key term qualifies.
            return Ok(dbh.index.tag_key_names(measurement));
        }
        Ok(dbh
            .index
            .tag_keys(measurement)
            .into_iter()
            .filter(|(_, ids)| !ids.is_disjoint(&series))
            .map(|(k, _)| k)
            .collect())
    }

    /// Calls `f` for each distinct value of `key` over the series in scope matching `predicate`.
    fn for_each_tag_value(
        &self,
        scope: &IndexScope,
        measurement: &str,
        key: &str,
        predicate: &TagPredicate,
        f: &mut dyn FnMut(&str),
    ) -> Result<(), EngineError> {
        let (dbh, shards) = self.scope_shards(scope)?;
        let series = Self::scoped_series(&dbh, &shards, measurement, predicate)?;
        if series.is_empty() {
            return Ok(());
        }
        if matches!(predicate, TagPredicate::All)
            && dbh.index.measurement_series(measurement).is_subset(&series)
        {
            // Every series the index holds for the measurement is in scope, so every value term
            // (whose postings are a non-empty subset of them) qualifies: no bitmap to decode.
            return dbh
                .index
                .tag_value_names(measurement, key, None, &mut |v| {
                    if !v.is_empty() {
                        f(v);
                    }
                    true
                })
                .map_err(storage);
        }
        dbh.index
            .tag_values(measurement, key, None, &mut |v, ids| {
                if !v.is_empty() && !ids.is_disjoint(&series) {
                    f(v);
                }
                true
            })
            .map_err(storage)
    }

    /// Distinct values of tag `key` of `measurement` over the series in scope matching
    /// `predicate`, sorted (series lacking the key contribute nothing).
    pub fn schema_tag_values(
        &self,
        scope: &IndexScope,
        measurement: &str,
        key: &str,
        predicate: &TagPredicate,
    ) -> Result<Vec<String>, EngineError> {
        let mut out = Vec::new();
        self.for_each_tag_value(scope, measurement, key, predicate, &mut |v| {
            out.push(v.to_string())
        })?;
        Ok(out)
    }

    /// Number of distinct values [`Engine::schema_tag_values`] would return.
    pub fn schema_tag_value_count(
        &self,
        scope: &IndexScope,
        measurement: &str,
        key: &str,
        predicate: &TagPredicate,
    ) -> Result<u64, EngineError> {
        let mut n = 0u64;
        self.for_each_tag_value(scope, measurement, key, predicate, &mut |_| n += 1)?;
        Ok(n)
    }

    /// Series keys (`m,k=v,…`, the escaped line-protocol form) of `measurement` in scope matching
    /// `predicate`, sorted.
    pub fn schema_series(
        &self,
        scope: &IndexScope,
        measurement: &str,
        predicate: &TagPredicate,
    ) -> Result<Vec<String>, EngineError> {
        let (dbh, shards) = self.scope_shards(scope)?;
        let series = Self::scoped_series(&dbh, &shards, measurement, predicate)?;
        let mut out = Vec::with_capacity(series.len() as usize);
        for id in &series {
            if let Some(k) = dbh.catalog.key(SeriesId(id)).map_err(storage)? {
                out.push(k);
            }
        }
        out.sort_unstable();
        Ok(out)
    }

    /// Number of series [`Engine::schema_series`] would return.
    pub fn schema_series_count(
        &self,
        scope: &IndexScope,
        measurement: &str,
        predicate: &TagPredicate,
    ) -> Result<u64, EngineError> {
        let (dbh, shards) = self.scope_shards(scope)?;
        Ok(Self::scoped_series(&dbh, &shards, measurement, predicate)?.len())
    }

    /// `DROP SERIES [FROM m] [WHERE tags]`: every point of the matching series (of `measurement`,
    /// or of every measurement when `None`), in every shard, all time.
    pub fn drop_series(
        &self,
        db: &str,
        measurement: Option<&str>,
        predicate: &TagPredicate,
    ) -> Result<(), EngineError> {
        self.delete_where(db, measurement, predicate, Timestamp::MIN, Timestamp::MAX)
    }

    /// `DROP MEASUREMENT m`: all its data and schema (field types) in every shard; idempotent.
    pub fn drop_measurement(&self, db: &str, measurement: &str) -> Result<(), EngineError> {
        self.delete_where(
            db,
            Some(measurement),
            &TagPredicate::All,
            Timestamp::MIN,
            Timestamp::MAX,
        )
    }

    /// `DELETE [FROM m] [WHERE tags and time]`: the points of the matching series (of
    /// `measurement`, or of every measurement) with `min_time <= time <= max_time`.
    pub fn delete_points(
        &self,
        db: &str,
        measurement: Option<&str>,
        predicate: &TagPredicate,
        min_time: Timestamp,
        max_time: Timestamp,
    ) -> Result<(), EngineError> {
        self.delete_where(db, measurement, predicate, min_time, max_time)
    }

    fn delete_where(
        &self,
        db: &str,
        measurement: Option<&str>,
        predicate: &TagPredicate,
        min: Timestamp,
        max: Timestamp,
    ) -> Result<(), EngineError> {
        let dbh = self.db_or_err(db)?;
        if min > max {
            return Ok(());
        }
        // Lock order as everywhere: flush lock, flush gate, database write lock.
        let _flush = self.flush_lock.lock();
        dbh.catalog.sync().map_err(storage)?;
        let _gate = self.flush_gate.read();
        let mut live = dbh.write_lock.lock();
        let shards = self.shards_in(&dbh, None, min, max);
        let mut entries = Vec::new();
        for s in &shards {
            let names = match measurement {
                Some(m) => vec![m.to_string()],
                None => s.measurements(),
            };
            for m in names {
                let present = s.series_ids(&m);
                // A dropped measurement loses its field types even when no series is left.
                let whole = matches!(predicate, TagPredicate::All) && measurement.is_some();
                let has_fields = whole && !s.fields(&m).is_empty();
                if present.is_empty() && !has_fields {
                    continue;
                }
                let series = if matches!(predicate, TagPredicate::All) {
                    None
                } else {
                    let hit = present & dbh.index.series(&m, predicate).map_err(storage)?;
                    if hit.is_empty() {
                        continue;
                    }
                    Some(hit)
                };
                entries.push(DeleteEntry {
                    shard: s.id,
                    measurement: m,
                    series,
                    min,
                    max,
                });
            }
        }
        if entries.is_empty() {
            return Ok(());
        }
        let record = wal_record::encode_delete(db, &entries);
        let seq = self.wal.append(&record).map_err(storage)?;
        self.wal.wait_durable(seq).map_err(storage)?;
        for e in &entries {
            if let Some(s) = shards.iter().find(|s| s.id == e.shard) {
                s.delete(&e.measurement, e.series.as_ref(), e.min, e.max)
                    .map_err(storage)?;
            }
        }
        let before = live.total;
        *live = LiveSeries::rebuild(&dbh.shards.read());
        let changed = live.total != before;
        drop(live);
        if changed {
            // Drop the dead series from the index now, so value counts (limits) are exact again.
            // (Without the write lock: the index asks for the live set itself, after its freeze.)
            dbh.maintain_index(true, true)?;
        }
        Ok(())
    }
}
