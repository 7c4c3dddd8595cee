use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{SystemTime, UNIX_EPOCH};

use super::engine::{Database, Engine};
use super::types::{EngineError, WriteError, WriteOutcome};
use super::wal_record::{self, Reader};
use crate::memtable::Memtable;
use crate::meta::{MetaStore, RetentionPolicyMeta};
use crate::model::{FieldType, FieldValue, PointBatch, SeriesId, Timestamp, series_key_into};
use crate::shard::{Presence, Shard};
use crate::watch::{BatchMarker, WatchRegistry, WriteOrigin};
use roaring::RoaringBitmap;

pub(super) fn now_nanos() -> Timestamp {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as i64)
        .unwrap_or(0)
}

type Schema = HashMap<String, HashMap<String, FieldType>>;

/// Checks a point's fields against the shard schema; on success registers new fields.
/// Returns InfluxDB's conflict text on failure (nothing registered then).
fn validate_point<'a>(
    schema: &mut Schema,
    measurement: &str,
    fields: &[(std::borrow::Cow<'a, str>, FieldValue<'a>)],
) -> Result<(), String> {
    if let Some(ms) = schema.get(measurement) {
        for (name, v) in fields {
            if name == "time" {
                continue;
            }
            if let Some(t) = ms.get(name.as_ref()) {
                if *t != v.field_type() {
                    return Err(format!(
                        "field type conflict: input field \"{name}\" on measurement \"{measurement}\" is type {}, already exists as type {}",
                        v.field_type(),
                        t
                    ));
                }
            }
        }
    }
    if !schema.contains_key(measurement) {
        schema.insert(measurement.to_string(), HashMap::new());
    }
    if let Some(ms) = schema.get_mut(measurement) {
        for (name, v) in fields {
            if name != "time" && !ms.contains_key(name.as_ref()) {
                ms.insert(name.to_string(), v.field_type());
            }
        }
    }
    Ok(())
}

/// Appends one point to a memtable and marks its series present; returns the growth in estimated
/// bytes.
fn apply_point<'a>(
    mem: &mut Memtable,
    presence: &mut Presence,
    measurement: &str,
    id: SeriesId,
    t: Timestamp,
    fields: impl Iterator<Item = (&'a str, &'a FieldValue<'a>)>,
) -> usize {
    match presence.get_mut(measurement) {
        Some(b) => {
            b.insert(id.0);
        }
        None => {
            presence.insert(measurement.to_string(), RoaringBitmap::from_iter([id.0]));
        }
    }
    let rows = mem.rows_mut(measurement);
    let before = rows.estimated_bytes();
    let row = rows.push_row(id, t);
    for (name, v) in fields {
        if name != "time" {
            rows.set(row, name, v);
        }
    }
    rows.estimated_bytes().saturating_sub(before)
}

impl Engine {
    /// Writes a parsed batch to `db`/`rp` (default RP when `None`); returns once durable under the
    /// configured sync mode. Points with type conflicts are dropped whole, the rest written.
    pub fn write(
        &self,
        db: &str,
        rp: Option<&str>,
        batch: &PointBatch<'_>,
    ) -> Result<WriteOutcome, WriteError> {
        self.write_inner(db, rp, batch, WriteOrigin::Client)
    }

    /// The write path behind [`Engine::write`] and [`Engine::write_as`].
    pub(super) fn write_inner(
        &self,
        db: &str,
        rp: Option<&str>,
        batch: &PointBatch<'_>,
        origin: WriteOrigin<'_>,
    ) -> Result<WriteOutcome, WriteError> {
        if self.is_closed() {
            return Err(WriteError::Storage("engine is closed".into()));
        }
        let dbh = self
            .database(db)
            .ok_or_else(|| WriteError::DatabaseNotFound(db.to_string()))?;
        let rpm = self.resolve_rp(db, rp).map_err(|e| match e {
            EngineError::DatabaseNotFound(d) => WriteError::DatabaseNotFound(d),
            EngineError::RetentionPolicyNotFound(r) => WriteError::RetentionPolicyNotFound(r),
            other => WriteError::Storage(other.to_string()),
        })?;
        let now = now_nanos();
        let min_time = if rpm.duration > 0 {
            now.saturating_sub(rpm.duration)
        } else {
            i64::MIN
        };

        // Pass 1, no locks: point-level checks and series keys.
        let mut retention_dropped = 0usize;
        let mut dropped = 0usize;
        let mut reason: Option<String> = None;
        let mut keys = String::with_capacity(batch.len() * 64);
        let mut key_ends: Vec<usize> = Vec::with_capacity(batch.len());
        let mut accepted: Vec<u32> = Vec::with_capacity(batch.len());
        let mut kb = String::new();
        for (i, p) in batch.points.iter().enumerate() {
            if p.timestamp < min_time {
                retention_dropped += 1;
                continue;
            }
            let tags = batch.tags_of(p);
            if tags.iter().any(|(k, _)| k == "time") {
                dropped += 1;
                reason.get_or_insert_with(|| {
                    format!(
                        "invalid tag key: input tag \"time\" on measurement \"{}\" is invalid",
                        p.measurement
                    )
                });
                continue;
            }
            if batch.fields_of(p).iter().all(|(k, _)| k == "time") {
                dropped += 1;
                reason.get_or_insert_with(|| {
                    format!(
                        "invalid field name: input field \"time\" on measurement \"{}\" is invalid",
                        p.measurement
                    )
                });
                continue;
            }
            series_key_into(&p.measurement, tags, &mut kb);
            keys.push_str(&kb);
            key_ends.push(keys.len());
            accepted.push(i as u32);
        }
        let mut key_refs: Vec<&str> = Vec::with_capacity(key_ends.len());
        let mut start = 0;
        for &end in &key_ends {
            key_refs.push(&keys[start..end]);
            start = end;
        }
        let mut ids = Vec::with_capacity(key_refs.len());
        dbh.catalog
            .resolve(&key_refs, &mut ids)
            .map_err(|e| WriteError::Storage(e.to_string()))?;

        // Pass 2, under the flush gate and the database write lock (module invariant 1).
        let seq;
        let mut written = 0usize;
        {
            let _gate = self.flush_gate.read();
            let mut live = dbh.write_lock.lock();
            if self.is_closed() {
                return Err(WriteError::Storage("engine is closed".into()));
            }
            // New series (no data in the database yet) and cardinality limits.
            let mut refused = vec![false; accepted.len()];
            let new_series = self.check_new_series(
                &dbh,
                &live,
                batch,
                &accepted,
                &ids,
                &mut refused,
                &mut dropped,
                &mut reason,
            );
            // Group accepted points by shard (most batches touch one shard).
            let mut groups: Vec<(Arc<Shard>, Vec<u32>)> = Vec::new();
            for (j, &i) in accepted.iter().enumerate() {
                if refused[j] {
                    continue;
                }
                let t = batch.points[i as usize].timestamp;
                let gi = match groups.iter().position(|(s, _)| s.start <= t && t < s.end) {
                    Some(g) => g,
                    None => {
                        let shard = self
                            .shard_for(&dbh, &rpm, t)
                            .map_err(|e| WriteError::Storage(e.to_string()))?;
                        groups.push((shard, Vec::new()));
                        groups.len() - 1
                    }
                };
                groups[gi].1.push(j as u32);
            }
            // Validate types per shard; encode the survivors.
            let mut body = Vec::with_capacity(keys.len() + batch.len() * 48);
            let mut ok: Vec<Vec<u32>> = Vec::with_capacity(groups.len());
            for (shard, js) in &groups {
                let mut keep = Vec::with_capacity(js.len());
                shard.with_write(|schema, _, _| {
                    for &j in js {
                        let p = &batch.points[accepted[j as usize] as usize];
                        let fields = batch.fields_of(p);
                        match validate_point(schema, &p.measurement, fields) {
                            Ok(()) => {
                                let nf = fields.iter().filter(|(k, _)| k != "time").count();
                                wal_record::put_point_header(
                                    &mut body,
                                    &p.measurement,
                                    key_refs[j as usize],
                                    p.timestamp,
                                    nf,
                                );
                                for (k, v) in fields.iter().filter(|(k, _)| k != "time") {
                                    wal_record::put_field(&mut body, k, v);
                                }
                                keep.push(j);
                            }
                            Err(text) => {
                                dropped += 1;
                                reason.get_or_insert(text);
                            }
                        }
                    }
                });
                written += keep.len();
                ok.push(keep);
            }
            if written == 0 {
                seq = None;
            } else {
                let mut record = Vec::with_capacity(body.len() + db.len() + 32);
                wal_record::begin(&mut record, db, &rpm.name);
                wal_record::put_varint(&mut record, written as u64);
                record.extend_from_slice(&body);
                seq = Some(
                    self.wal
                        .append(&record)
                        .map_err(|e| WriteError::Storage(e.to_string()))?,
                );
                let mut grew = 0usize;
                let mut written_j = vec![false; accepted.len()];
                for ((shard, _), keep) in groups.iter().zip(&ok) {
                    shard.with_write(|_, mem, presence| {
                        for &j in keep {
                            written_j[j as usize] = true;
                            let p = &batch.points[accepted[j as usize] as usize];
                            let fields = batch.fields_of(p).iter().map(|(k, v)| (k.as_ref(), v));
                            grew += apply_point(
                                mem,
                                presence,
                                &p.measurement,
                                ids[j as usize],
                                p.timestamp,
                                fields,
                            );
                        }
                    });
                }
                self.mem_bytes.fetch_add(grew, Ordering::Relaxed);
                // Late-write marks: after the memtable apply, inside the flush gate
                // (`crate::watch` invariants 1 and 3). One branch when no watch exists.
                if !self.watches.is_empty() {
                    if let Some(ws) = self.watches.for_database(db) {
                        if let Some(mut marker) = BatchMarker::new(&ws, &rpm.name, origin) {
                            for keep in &ok {
                                for &j in keep {
                                    let p = &batch.points[accepted[j as usize] as usize];
                                    marker.point(&p.measurement, p.timestamp);
                                }
                            }
                            marker.finish();
                        }
                    }
                }
                // The new series now have data: count them and index them.
                let mut to_index: Vec<(u32, &str)> = Vec::new();
                for &j in &new_series {
                    if !written_j[j] {
                        continue;
                    }
                    let id = ids[j].0;
                    let m: &str = &batch.points[accepted[j] as usize].measurement;
                    let inserted = match live.by_measurement.get_mut(m) {
                        Some(b) => b.insert(id),
                        None => {
                            live.by_measurement
                                .insert(m.to_string(), RoaringBitmap::from_iter([id]));
                            true
                        }
                    };
                    if inserted {
                        live.total += 1;
                        // Always (re-)add: a series dropped and written again may still sit in
                        // an index layer that the next merge filters with an older live set.
                        to_index.push((id, key_refs[j]));
                    }
                }
                if !to_index.is_empty() {
                    dbh.index
                        .insert(&to_index)
                        .map_err(|e| WriteError::Storage(e.to_string()))?;
                }
            }
        }
        if let Some(seq) = seq {
            self.wal
                .wait_durable(seq)
                .map_err(|e| WriteError::Storage(e.to_string()))?;
        }
        if retention_dropped > 0 {
            reason = Some("points beyond retention policy".to_string());
        }
        Ok(WriteOutcome {
            written,
            dropped: dropped + retention_dropped,
            reason,
        })
    }
}

/// Applies WAL records to the memtables while the engine opens.
pub(super) struct Replayer<'e> {
    meta: &'e MetaStore,
    /// Replayed points mark late buckets exactly like the write path (`crate::watch` inv. 4).
    watches: &'e WatchRegistry,
    databases: BTreeMap<String, Arc<Database>>,
    bytes: usize,
    skipped: u64,
}

impl<'e> Replayer<'e> {
    pub fn new(
        meta: &'e MetaStore,
        watches: &'e WatchRegistry,
        databases: BTreeMap<String, Arc<Database>>,
    ) -> Self {
        Replayer {
            meta,
            watches,
            databases,
            bytes: 0,
            skipped: 0,
        }
    }

    /// Applies one record; points of databases, policies or shards that no longer exist are skipped.
    pub fn apply(&mut self, rec: &[u8]) -> Result<(), String> {
        let mut r = Reader::new(rec);
        let kind = r.u8()?;
        if kind == wal_record::KIND_DELETE {
            let (db, entries) = r.delete()?;
            let Some(dbh) = self.databases.get(db).cloned() else {
                return Ok(());
            };
            let shards = dbh.shards.read();
            for e in entries {
                if let Some(shard) = shards.get(&e.shard) {
                    shard
                        .delete(&e.measurement, e.series.as_ref(), e.min, e.max)
                        .map_err(|err| err.to_string())?;
                }
            }
            return Ok(());
        }
        if kind != wal_record::KIND_WRITE {
            return Err(format!("unknown WAL record kind {kind}"));
        }
        let db = r.str()?;
        let rp = r.str()?;
        let n = r.varint()? as usize;
        let mut points = Vec::with_capacity(n.min(1 << 20));
        for _ in 0..n {
            points.push(r.point()?);
        }
        let Some(dbh) = self.databases.get(db).cloned() else {
            self.skipped += n as u64;
            return Ok(());
        };
        let Some(rpm): Option<RetentionPolicyMeta> = self
            .meta
            .read(|m| m.database(db).and_then(|d| d.retention_policy(rp)).cloned())
        else {
            self.skipped += n as u64;
            return Ok(());
        };
        let keys: Vec<&str> = points.iter().map(|p| p.key).collect();
        let mut ids = Vec::with_capacity(keys.len());
        dbh.catalog
            .resolve(&keys, &mut ids)
            .map_err(|e| e.to_string())?;
        let shards = dbh.shards.read();
        let ws = self.watches.for_database(db);
        let mut marker = ws
            .as_deref()
            .and_then(|ws| BatchMarker::new(ws, &rpm.name, WriteOrigin::Client));
        for (p, id) in points.iter().zip(ids) {
            let Some(shard) = rpm
                .shard_group_for(p.timestamp)
                .and_then(|g| shards.get(&g.id))
            else {
                self.skipped += 1;
                continue;
            };
            if let Some(m) = marker.as_mut() {
                m.point(p.measurement, p.timestamp);
            }
            shard.with_write(|schema, mem, presence| {
                let _ = validate_point(schema, p.measurement, &to_cow_fields(&p.fields));
                self.bytes += apply_point(
                    mem,
                    presence,
                    p.measurement,
                    id,
                    p.timestamp,
                    p.fields.iter().map(|(k, v)| (*k, v)),
                );
            });
        }
        if let Some(m) = marker {
            m.finish();
        }
        Ok(())
    }

    /// Returns the estimated memtable bytes rebuilt.
    pub fn finish(self) -> usize {
        if self.skipped > 0 {
            tracing::info!(
                points = self.skipped,
                "WAL replay skipped points of dropped databases, policies or shards"
            );
        }
        self.bytes
    }
}

fn to_cow_fields<'a>(
    fields: &[(&'a str, FieldValue<'a>)],
) -> Vec<(std::borrow::Cow<'a, str>, FieldValue<'a>)> {
    fields
        .iter()
        .map(|(k, v)| (std::borrow::Cow::Borrowed(*k), v.clone()))
        .collect()
}
