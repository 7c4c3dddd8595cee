//! Background work: flushing memtables, compacting segments, dropping expired shards.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::engine::{Engine, LiveSeries, storage};
use super::types::EngineError;
use super::write::now_nanos;
use crate::shard::Shard;

/// Largest number of rows one compaction merges (bounds its memory).
const COMPACTION_MAX_ROWS: u64 = 32 << 20;

impl Engine {
    /// Every open shard of every database.
    fn all_shards(&self) -> Vec<Arc<Shard>> {
        self.databases
            .read()
            .values()
            .flat_map(|d| d.shards.read().values().cloned().collect::<Vec<_>>())
            .collect()
    }

    /// Flushes every memtable to segments and truncates the WAL.
    pub fn flush(&self) -> Result<(), EngineError> {
        let _one = self.flush_lock.lock();
        let shards = self.all_shards();
        let next_wal_segment = {
            let _gate = self.flush_gate.write();
            for s in &shards {
                s.freeze();
            }
            self.mem_bytes.store(0, Ordering::Relaxed);
            self.wal.rotate().map_err(storage)?
        };
        // Segments may only reference durable series ids (module invariant 2).
        for db in self.databases.read().values() {
            db.catalog.sync().map_err(storage)?;
        }
        for s in &shards {
            s.flush_frozen(&self.config.segment).map_err(storage)?;
        }
        // Every mark of a point in the WAL segments about to go was made inside the gate section
        // that the freeze above waited for: persist them before the WAL is truncated
        // (`crate::watch` invariant 3).
        if !self.watches.is_empty() {
            self.persist_watches()?;
        }
        self.wal.remove_before(next_wal_segment).map_err(storage)?;
        // New series go to an index segment too, so a restart opens it instead of re-indexing.
        self.maintain_index(true, false)?;
        for db in self.databases.read().values() {
            if let Err(e) = db.catalog.maybe_merge(false) {
                tracing::error!(db = %db.name, error = %e, "series catalog merge failed");
            }
        }
        Ok(())
    }

    /// Compacts the segments of every shard the policy selects; returns the number of merges.
    pub fn compact(&self) -> Result<usize, EngineError> {
        let shards = self.all_shards();
        let mut n = 0;
        for s in shards {
            n += s
                .compact(
                    self.config.compaction_min_segments,
                    COMPACTION_MAX_ROWS,
                    &self.config.segment,
                )
                .map_err(storage)?;
        }
        Ok(n)
    }

    /// Flushes, then merges every measurement's segments of every shard into as few as the row
    /// budget allows, repeating until no merge is possible (`POST /internal/force_merge`,
    /// benchmarks measuring compacted size). Returns the number of merges.
    pub fn compact_full(&self) -> Result<usize, EngineError> {
        self.flush()?;
        let shards = self.all_shards();
        let mut n = 0;
        for s in shards {
            loop {
                let merged = s
                    .compact(2, COMPACTION_MAX_ROWS, &self.config.segment)
                    .map_err(storage)?;
                if merged == 0 {
                    break;
                }
                n += merged;
            }
        }
        self.maintain_index(true, true)?;
        Ok(n)
    }

    /// Number of segment files over every open shard.
    pub fn segment_count(&self) -> usize {
        self.all_shards().iter().map(|s| s.segment_count()).sum()
    }

    /// Removes shard groups whose end lies before `now - duration` of their retention policy.
    pub fn enforce_retention(&self) -> Result<usize, EngineError> {
        let now = now_nanos();
        let expired: Vec<(String, String, u64)> = self.meta.read(|m| {
            let mut v = Vec::new();
            for d in &m.databases {
                for r in &d.retention_policies {
                    if r.duration == 0 {
                        continue;
                    }
                    for g in &r.shard_groups {
                        if g.end < now.saturating_sub(r.duration) {
                            v.push((d.name.clone(), r.name.clone(), g.id));
                        }
                    }
                }
            }
            v
        });
        if expired.is_empty() {
            return Ok(0);
        }
        self.meta.update(|m| {
            for d in &mut m.databases {
                for r in &mut d.retention_policies {
                    r.shard_groups.retain(|g| {
                        !expired
                            .iter()
                            .any(|(db, rp, id)| db == &d.name && rp == &r.name && *id == g.id)
                    });
                }
            }
            Ok::<_, EngineError>(((), true))
        })?;
        for (db, _, id) in &expired {
            if let Some(dbh) = self.database(db) {
                let removed = dbh.shards.write().remove(id);
                if let Some(shard) = removed {
                    shard.delete_files().map_err(storage)?;
                    // Series left without data disappear from the live sets and the index.
                    *dbh.write_lock.lock() = LiveSeries::rebuild(&dbh.shards.read());
                    dbh.maintain_index(true, true)?;
                }
            }
        }
        Ok(expired.len())
    }

    /// Lets every database's series index write its mutable layer and merge segments when over
    /// its thresholds; `force_flush` writes any new series to a segment (flush, shutdown: a
    /// restart then opens segments instead of re-indexing), `force_merge` merges and purges.
    pub fn maintain_index(&self, force_flush: bool, force_merge: bool) -> Result<(), EngineError> {
        let dbs: Vec<Arc<super::engine::Database>> =
            self.databases.read().values().cloned().collect();
        for dbh in dbs {
            dbh.maintain_index(force_flush, force_merge)?;
        }
        Ok(())
    }
}

pub(super) fn start_background(engine: &Arc<Engine>) {
    let weak = Arc::downgrade(engine);
    let handle = std::thread::Builder::new()
        .name("taildb-maintenance".into())
        .spawn(move || {
            let mut last_flush = Instant::now();
            let mut last_retention = Instant::now();
            let mut last_index = Instant::now();
            loop {
                let Some(engine) = weak.upgrade() else { return };
                {
                    let mut stop = engine.stop.0.lock();
                    if *stop {
                        return;
                    }
                    engine
                        .stop
                        .1
                        .wait_for(&mut stop, Duration::from_millis(200));
                    if *stop {
                        return;
                    }
                }
                let over =
                    engine.mem_bytes.load(Ordering::Relaxed) >= engine.config.memtable_max_bytes;
                if over || last_flush.elapsed() >= engine.config.flush_interval {
                    if let Err(e) = engine.flush() {
                        tracing::error!(error = %e, "flush failed");
                    }
                    last_flush = Instant::now();
                    if let Err(e) = engine.compact() {
                        tracing::error!(error = %e, "compaction failed");
                    }
                }
                if last_index.elapsed() >= Duration::from_secs(5) {
                    if let Err(e) = engine.maintain_index(false, false) {
                        tracing::error!(error = %e, "series index maintenance failed");
                    }
                    last_index = Instant::now();
                }
                if last_retention.elapsed() >= Duration::from_secs(60) {
                    if let Err(e) = engine.enforce_retention() {
                        tracing::error!(error = %e, "retention enforcement failed");
                    }
                    last_retention = Instant::now();
                }
            }
        });
    match handle {
        Ok(h) => *engine.background.lock() = Some(h),
        Err(e) => tracing::error!(error = %e, "cannot start the maintenance thread"),
    }
}
