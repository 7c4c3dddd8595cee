use std::collections::BTreeMap;
use std::sync::Arc;

use super::engine::{Database, Engine, storage};
use super::types::{EngineError, IndexScope, ReadRequest, SeriesData};
use crate::index::TagPredicate;
use crate::memtable::RowSet;
use crate::model::{FieldType, SeriesId, parse_series_key};
use crate::shard::Shard;

impl Engine {
    pub(super) fn db_or_err(&self, db: &str) -> Result<Arc<Database>, EngineError> {
        self.database(db)
            .ok_or_else(|| EngineError::DatabaseNotFound(db.to_string()))
    }

    /// Shards of `db` (all policies when `rp` is `None`) overlapping `[min, max]`, by start time.
    pub(super) fn shards_in(
        &self,
        db: &Database,
        rp: Option<&str>,
        min: i64,
        max: i64,
    ) -> Vec<Arc<Shard>> {
        let mut v: Vec<Arc<Shard>> = db
            .shards
            .read()
            .values()
            .filter(|s| rp.is_none_or(|r| s.retention_policy == r) && s.start <= max && s.end > min)
            .cloned()
            .collect();
        v.sort_by_key(|s| (s.start, s.id));
        v
    }

    /// Measurement names of `db` with data (sorted): [`Engine::schema_measurements`] over all time.
    pub fn measurements(&self, db: &str) -> Result<Vec<String>, EngineError> {
        self.schema_measurements(&IndexScope::all_time(db), &TagPredicate::All)
    }

    /// Field keys and types of a measurement across the shards of `rp` (sorted by name).
    pub fn field_keys(
        &self,
        db: &str,
        rp: Option<&str>,
        measurement: &str,
    ) -> Result<Vec<(String, FieldType)>, EngineError> {
        let dbh = self.db_or_err(db)?;
        let rp_name = self.resolve_rp(db, rp)?.name;
        let mut out: BTreeMap<String, FieldType> = BTreeMap::new();
        for s in self.shards_in(&dbh, Some(&rp_name), i64::MIN, i64::MAX) {
            for (name, ty) in s.fields(measurement) {
                out.entry(name).or_insert(ty);
            }
        }
        Ok(out.into_iter().collect())
    }

    /// Tag keys of a measurement (sorted): [`Engine::schema_tag_keys`] over all time.
    pub fn tag_keys(&self, db: &str, measurement: &str) -> Result<Vec<String>, EngineError> {
        self.schema_tag_keys(&IndexScope::all_time(db), measurement, &TagPredicate::All)
    }

    /// Reads matching series (sorted by series key) with their rows in the time range.
    pub fn read(&self, req: &ReadRequest) -> Result<Vec<SeriesData>, EngineError> {
        Ok(self
            .read_with_ids(req, None)?
            .into_iter()
            .map(|(_, sd)| sd)
            .collect())
    }

    /// The rows of the series of a scan request, with their ids (the baseline tests compare
    /// [`Engine::scan`] with).
    #[cfg(test)]
    pub(super) fn read_ids(
        &self,
        req: &super::scan::ScanRequest,
    ) -> Result<Vec<(u32, SeriesData)>, EngineError> {
        let read = ReadRequest {
            database: req.database.clone(),
            retention_policy: req.retention_policy.clone(),
            measurement: req.measurement.clone(),
            min_time: req.min_time,
            max_time: req.max_time,
            predicate: TagPredicate::All,
            fields: Some(req.fields.clone()),
        };
        self.read_with_ids(&read, Some(&req.series))
    }

    /// Ids and parsed tags of the series `read` selects (series with data in its time range): the
    /// baseline tests compare [`Engine::group_series`] with.
    #[cfg(test)]
    pub(super) fn selected_series_tags(
        &self,
        req: &ReadRequest,
    ) -> Result<Vec<(u32, Vec<(String, String)>)>, EngineError> {
        let dbh = self.db_or_err(&req.database)?;
        let rp_name = self
            .resolve_rp(&req.database, req.retention_policy.as_deref())?
            .name;
        let shards = self.shards_in(&dbh, Some(&rp_name), req.min_time, req.max_time);
        if shards.is_empty() {
            return Ok(Vec::new());
        }
        let selected = Self::scoped_series(&dbh, &shards, &req.measurement, &req.predicate)?;
        let mut out = Vec::with_capacity(selected.len() as usize);
        for id in &selected {
            let Some(key) = dbh.catalog.key(SeriesId(id)).map_err(storage)? else {
                continue;
            };
            if let Some((_, tags)) = parse_series_key(&key) {
                out.push((id, tags));
            }
        }
        Ok(out)
    }

    fn read_with_ids(
        &self,
        req: &ReadRequest,
        only: Option<&roaring::RoaringBitmap>,
    ) -> Result<Vec<(u32, SeriesData)>, EngineError> {
        let dbh = self.db_or_err(&req.database)?;
        let rp_name = self
            .resolve_rp(&req.database, req.retention_policy.as_deref())?
            .name;
        let shards = self.shards_in(&dbh, Some(&rp_name), req.min_time, req.max_time);
        if shards.is_empty() {
            return Ok(Vec::new());
        }
        // Output columns: requested fields with their types, or all fields sorted.
        let all = self.field_keys(&req.database, Some(&rp_name), &req.measurement)?;
        let fields: Vec<(String, FieldType)> = match &req.fields {
            None => all,
            Some(names) => names
                .iter()
                .map(|n| {
                    (
                        n.clone(),
                        all.iter()
                            .find(|(a, _)| a == n)
                            .map(|(_, t)| *t)
                            .unwrap_or(FieldType::Float),
                    )
                })
                .collect(),
        };
        // Series with data in the touched shards, filtered by the index.
        let mut selected = Self::scoped_series(&dbh, &shards, &req.measurement, &req.predicate)?;
        if let Some(only) = only {
            selected &= only;
        }
        let mut meta: BTreeMap<u32, (String, Vec<(String, String)>)> = BTreeMap::new();
        for id in &selected {
            let Some(key) = dbh.catalog.key(SeriesId(id)).map_err(storage)? else {
                continue;
            };
            let Some((_, tags)) = parse_series_key(&key) else {
                continue;
            };
            meta.insert(id, (key, tags));
        }
        if selected.is_empty() {
            return Ok(Vec::new());
        }
        let mut rows = RowSet::with_fields(&fields);
        for s in &shards {
            s.read_into(
                &req.measurement,
                &selected,
                req.min_time,
                req.max_time,
                &mut rows,
            )
            .map_err(storage)?;
        }
        let mut out: Vec<(u32, SeriesData)> = rows
            .sorted_series()
            .into_iter()
            .filter_map(|sr| {
                let id = sr.series.0;
                let (key, tags) = meta.remove(&id)?;
                Some((
                    id,
                    SeriesData {
                        key,
                        tags,
                        timestamps: sr.timestamps,
                        fields: fields
                            .iter()
                            .map(|(n, _)| n.clone())
                            .zip(sr.columns)
                            .collect(),
                    },
                ))
            })
            .collect();
        out.sort_by(|a, b| a.1.key.cmp(&b.1.key));
        Ok(out)
    }
}
