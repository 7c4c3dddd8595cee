use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;

use parking_lot::{Condvar, Mutex, RwLock};
use roaring::RoaringBitmap;

use super::retention::new_retention_policy;
use super::types::{EngineConfig, EngineError, RetentionPolicyInfo, RetentionPolicySpec};
use crate::catalog::SeriesCatalog;
use crate::files::{
    META_FILE, WAL_DIR, WATCHES_FILE, database_dir, index_dir, series_dir, shard_dir,
};
use crate::index::SeriesIndex;
use crate::meta::MAX_NAME_LEN;
use crate::meta::{
    DatabaseMeta, MetaError, MetaStore, RetentionPolicyMeta, ShardGroupMeta, new_shard_group_bounds,
};
use crate::model::{SeriesId, Timestamp};
use crate::segment::ChunkCache;
use crate::shard::Shard;
use crate::wal::Wal;
use crate::watch::WatchRegistry;

/// What the write path knows of a database's series, under its write lock.
#[derive(Default)]
pub(super) struct LiveSeries {
    /// Per measurement, the series with data in at least one shard (union of shard presence).
    pub by_measurement: HashMap<String, RoaringBitmap>,
    /// Sum of the bitmaps' lengths (a series belongs to one measurement).
    pub total: u64,
}

impl LiveSeries {
    /// Recomputes from the shards' presence (open, deletes, retention).
    pub fn rebuild(shards: &BTreeMap<u64, Arc<Shard>>) -> LiveSeries {
        let mut by_measurement = HashMap::new();
        for s in shards.values() {
            s.presence_into(&mut by_measurement);
        }
        let total = by_measurement
            .values()
            .map(|b: &RoaringBitmap| b.len())
            .sum();
        LiveSeries {
            by_measurement,
            total,
        }
    }

    pub fn all(&self) -> RoaringBitmap {
        let mut all = RoaringBitmap::new();
        for b in self.by_measurement.values() {
            all |= b;
        }
        all
    }
}

/// The open state of one database.
pub(super) struct Database {
    pub name: String,
    pub catalog: SeriesCatalog,
    pub index: SeriesIndex,
    /// Spans validation, WAL append and memtable apply of one batch (module invariant 1), and
    /// guards the live-series sets the limits and the index use.
    pub write_lock: Mutex<LiveSeries>,
    /// Shards by id.
    pub shards: RwLock<BTreeMap<u64, Arc<Shard>>>,
}

/// The storage engine of one data directory. Shared as `Arc<Engine>`; all methods take `&self`.
pub struct Engine {
    pub(super) config: EngineConfig,
    pub(super) meta: MetaStore,
    pub(super) wal: Wal,
    pub(super) databases: RwLock<BTreeMap<String, Arc<Database>>>,
    /// Writers hold it shared while appending to the WAL and memtables; a flush holds it exclusively
    /// while freezing memtables and rotating the WAL.
    pub(super) flush_gate: RwLock<()>,
    /// One flush at a time.
    pub(super) flush_lock: Mutex<()>,
    pub(super) mem_bytes: AtomicUsize,
    pub(super) closed: AtomicBool,
    pub(super) stop: (Mutex<bool>, Condvar),
    pub(super) background: Mutex<Option<JoinHandle<()>>>,
    /// Decoded column chunks shared by every scan.
    pub(super) chunk_cache: ChunkCache,
    /// Merged memtable rows reused by identical scans (`engine/merge_cache.rs`).
    pub(super) merge_cache: super::MergeCache,
    /// Late-write watches (`crate::watch`).
    pub(super) watches: WatchRegistry,
}

impl From<MetaError> for EngineError {
    fn from(e: MetaError) -> Self {
        EngineError::Storage(e.to_string())
    }
}

pub(super) fn storage<E: std::fmt::Display>(e: E) -> EngineError {
    EngineError::Storage(e.to_string())
}

impl Engine {
    /// Opens (creating if needed) the data directory, replays the WAL, starts background work.
    pub fn open(config: EngineConfig) -> Result<Arc<Engine>, EngineError> {
        let root = config.data_dir.clone();
        std::fs::create_dir_all(&root).map_err(|e| {
            EngineError::Storage(format!(
                "cannot create data directory {}: {e}",
                root.display()
            ))
        })?;
        let meta = MetaStore::open(&root.join(META_FILE))?;
        let mut databases = BTreeMap::new();
        let metas: Vec<DatabaseMeta> = meta.read(|m| m.databases.clone());
        for db in &metas {
            databases.insert(db.name.clone(), Arc::new(open_database(&config, db)?));
        }
        // Watch state before the replay, which marks late points (`crate::watch` invariant 4).
        let watches = WatchRegistry::open(&root.join(WATCHES_FILE)).map_err(storage)?;
        if watches.retain(|w| databases.contains_key(&w.spec.database)) {
            tracing::info!("dropped the watches of databases that no longer exist");
        }
        // Replay the WAL into the memtables before anyone can write.
        let dbs_for_replay = databases.clone();
        let mut replayer = super::write::Replayer::new(&meta, &watches, dbs_for_replay);
        let (wal, stats) = Wal::open(
            &root.join(WAL_DIR),
            config.wal.clone(),
            &mut |rec: &[u8]| replayer.apply(rec),
        )
        .map_err(storage)?;
        let replayed_bytes = replayer.finish();
        for db in databases.values() {
            db.sync_live_and_index()?;
        }
        if let Some((path, len)) = &stats.truncated_tail {
            tracing::warn!(file = %path.display(), valid_len = len, "cut a torn WAL tail");
        }
        tracing::info!(
            segments = stats.segments,
            records = stats.records,
            "WAL replayed"
        );
        let chunk_cache = ChunkCache::new(config.decoded_cache_max_bytes);
        let merge_cache = super::MergeCache::new(
            usize::try_from(config.merged_rows_cache_max_bytes).unwrap_or(usize::MAX),
        );
        let engine = Arc::new(Engine {
            config,
            meta,
            wal,
            databases: RwLock::new(databases),
            flush_gate: RwLock::new(()),
            flush_lock: Mutex::new(()),
            mem_bytes: AtomicUsize::new(replayed_bytes),
            closed: AtomicBool::new(false),
            stop: (Mutex::new(false), Condvar::new()),
            background: Mutex::new(None),
            chunk_cache,
            merge_cache,
            watches,
        });
        if engine.config.background {
            super::maintenance::start_background(&engine);
        }
        Ok(engine)
    }

    pub fn data_dir(&self) -> &PathBuf {
        &self.config.data_dir
    }

    pub(super) fn database(&self, name: &str) -> Option<Arc<Database>> {
        self.databases.read().get(name).cloned()
    }

    /// `CREATE DATABASE` (idempotent). Creates the RP of `spec` (default `autogen`) as default.
    pub fn create_database(
        &self,
        name: &str,
        spec: Option<RetentionPolicySpec>,
    ) -> Result<(), EngineError> {
        validate_name("database", name)?;
        let spec = spec.unwrap_or_default();
        let rp = new_retention_policy(&spec)?;
        let created = self.meta.update(|m| {
            if let Some(existing) = m.database(name) {
                // InfluxDB: re-creating with a different RP spec is an error only if the RP differs.
                if spec != RetentionPolicySpec::default() {
                    if let Some(e) = existing.retention_policy(&rp.name) {
                        if e.duration != rp.duration
                            || e.shard_group_duration != rp.shard_group_duration
                            || e.replication != rp.replication
                        {
                            return Err(EngineError::Invalid(
                                "retention policy conflicts with an existing policy".into(),
                            ));
                        }
                    } else {
                        return Err(EngineError::Invalid(
                            "retention policy conflicts with an existing policy".into(),
                        ));
                    }
                }
                return Ok((None, false));
            }
            let db = DatabaseMeta {
                name: name.to_string(),
                default_rp: rp.name.clone(),
                retention_policies: vec![rp.clone()],
                continuous_queries: Vec::new(),
            };
            m.databases.push(db.clone());
            Ok((Some(db), true))
        })?;
        if let Some(db) = created {
            let opened = open_database(&self.config, &db)?;
            self.databases
                .write()
                .insert(name.to_string(), Arc::new(opened));
        }
        Ok(())
    }

    /// `DROP DATABASE` (idempotent): removes its data and catalog.
    pub fn drop_database(&self, name: &str) -> Result<(), EngineError> {
        if self.database(name).is_none() {
            return Ok(());
        }
        // Flush first so no WAL record of the dropped database survives to be replayed into a
        // database re-created later under the same name.
        self.flush()?;
        self.meta.update(|m| {
            let before = m.databases.len();
            m.databases.retain(|d| d.name != name);
            Ok::<_, EngineError>(((), m.databases.len() != before))
        })?;
        let removed = self.databases.write().remove(name);
        // Its watches go with it (their points are gone).
        if self.watches.remove_database(name) {
            self.persist_watches()?;
        }
        if removed.is_some() {
            let dir = database_dir(&self.config.data_dir, name);
            if let Err(e) = std::fs::remove_dir_all(&dir) {
                if e.kind() != std::io::ErrorKind::NotFound {
                    return Err(EngineError::Storage(format!(
                        "cannot remove {}: {e}",
                        dir.display()
                    )));
                }
            }
        }
        Ok(())
    }

    /// Database names in creation order.
    pub fn databases(&self) -> Vec<String> {
        self.meta
            .read(|m| m.databases.iter().map(|d| d.name.clone()).collect())
    }

    pub fn database_exists(&self, name: &str) -> bool {
        self.meta.read(|m| m.database(name).is_some())
    }

    pub fn retention_policies(&self, db: &str) -> Result<Vec<RetentionPolicyInfo>, EngineError> {
        self.meta.read(|m| {
            let d = m
                .database(db)
                .ok_or_else(|| EngineError::DatabaseNotFound(db.to_string()))?;
            Ok(d.retention_policies
                .iter()
                .map(|r| RetentionPolicyInfo {
                    name: r.name.clone(),
                    duration: r.duration,
                    shard_group_duration: r.shard_group_duration,
                    replication: r.replication,
                    default: r.name == d.default_rp,
                })
                .collect())
        })
    }

    /// The name of `db`'s default retention policy — possibly one that no longer exists (1.6.7
    /// keeps pointing at a dropped default, and so do we).
    pub fn default_retention_policy(&self, db: &str) -> Result<String, EngineError> {
        self.meta.read(|m| {
            m.database(db)
                .map(|d| d.default_rp.clone())
                .ok_or_else(|| EngineError::DatabaseNotFound(db.to_string()))
        })
    }

    /// Resolves `rp` (default RP when `None` or empty) of `db`.
    pub(super) fn resolve_rp(
        &self,
        db: &str,
        rp: Option<&str>,
    ) -> Result<RetentionPolicyMeta, EngineError> {
        self.meta.read(|m| {
            let d = m
                .database(db)
                .ok_or_else(|| EngineError::DatabaseNotFound(db.to_string()))?;
            let name = match rp {
                Some(r) if !r.is_empty() => r,
                _ => d.default_rp.as_str(),
            };
            d.retention_policy(name)
                .cloned()
                .ok_or_else(|| EngineError::RetentionPolicyNotFound(name.to_string()))
        })
    }

    /// The shard of `db`/`rp` whose group contains `t`, creating group and shard when missing.
    pub(super) fn shard_for(
        &self,
        db: &Database,
        rp: &RetentionPolicyMeta,
        t: Timestamp,
    ) -> Result<Arc<Shard>, EngineError> {
        if let Some(g) = rp.shard_group_for(t) {
            if let Some(s) = db.shards.read().get(&g.id) {
                return Ok(s.clone());
            }
        }
        let group = self.meta.update(|m| {
            let next = m.next_shard_id + 1;
            let d = m
                .database_mut(&db.name)
                .ok_or_else(|| EngineError::DatabaseNotFound(db.name.clone()))?;
            let r = d
                .retention_policy_mut(&rp.name)
                .ok_or_else(|| EngineError::RetentionPolicyNotFound(rp.name.clone()))?;
            if let Some(g) = r.shard_group_for(t) {
                return Ok::<_, EngineError>((*g, false));
            }
            let (start, end) = new_shard_group_bounds(t, r.shard_group_duration, &r.shard_groups);
            let g = ShardGroupMeta {
                id: next,
                start,
                end,
            };
            r.shard_groups.push(g);
            r.shard_groups.sort_by_key(|g| g.start);
            m.next_shard_id = next;
            Ok((g, true))
        })?;
        let mut shards = db.shards.write();
        if let Some(s) = shards.get(&group.id) {
            return Ok(s.clone());
        }
        let dir = shard_dir(&self.config.data_dir, &db.name, &rp.name, group.id);
        let shard = Arc::new(
            Shard::open(&dir, group.id, &db.name, &rp.name, group.start, group.end)
                .map_err(storage)?,
        );
        shards.insert(group.id, shard.clone());
        Ok(shard)
    }

    /// Stops background work and syncs the WAL; later writes fail.
    pub fn close(&self) -> Result<(), EngineError> {
        if self.closed.swap(true, Ordering::SeqCst) {
            return Ok(());
        }
        {
            let mut stop = self.stop.0.lock();
            *stop = true;
            self.stop.1.notify_all();
        }
        if let Some(h) = self.background.lock().take() {
            let _ = h.join();
        }
        // Wait for in-flight writers, then make everything durable.
        let _gate = self.flush_gate.write();
        self.wal.sync().map_err(storage)?;
        // New series to an index segment: the next start opens it instead of re-indexing.
        self.maintain_index(true, false)?;
        for db in self.databases.read().values() {
            db.catalog.sync().map_err(storage)?;
        }
        Ok(())
    }

    pub(super) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }
}

impl Database {
    /// Recomputes the live series from the shards and adds to the index every live series it
    /// lacks (after open and WAL replay: series first written since the last index flush).
    pub(super) fn sync_live_and_index(&self) -> Result<(), EngineError> {
        let live = LiveSeries::rebuild(&self.shards.read());
        let mut missing = live.all();
        missing -= self.index.indexed();
        if !missing.is_empty() {
            let mut keys: Vec<(u32, String)> = Vec::with_capacity(missing.len() as usize);
            for id in &missing {
                if let Some(k) = self.catalog.key(SeriesId(id)).map_err(storage)? {
                    keys.push((id, k));
                }
            }
            let refs: Vec<(u32, &str)> = keys.iter().map(|(i, k)| (*i, k.as_str())).collect();
            self.index.insert(&refs).map_err(storage)?;
            tracing::info!(db = %self.name, series = refs.len(), "indexed series replayed from the WAL");
        }
        *self.write_lock.lock() = live;
        Ok(())
    }

    /// Index maintenance with the live set read after the index froze its mutable layer
    /// ([`SeriesIndex::maintain_with`]). Must not be called with the write lock held.
    pub(super) fn maintain_index(
        &self,
        force_flush: bool,
        force_merge: bool,
    ) -> Result<(), EngineError> {
        self.index
            .maintain_with(&|| self.write_lock.lock().all(), force_flush, force_merge)
            .map(|_| ())
            .map_err(storage)
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        let _ = self.close();
    }
}

fn open_database(config: &EngineConfig, db: &DatabaseMeta) -> Result<Database, EngineError> {
    let catalog = SeriesCatalog::open(
        &series_dir(&config.data_dir, &db.name),
        config.catalog.clone(),
    )
    .map_err(storage)?;
    let mut shards = BTreeMap::new();
    for rp in &db.retention_policies {
        for g in &rp.shard_groups {
            let dir = shard_dir(&config.data_dir, &db.name, &rp.name, g.id);
            let shard =
                Shard::open(&dir, g.id, &db.name, &rp.name, g.start, g.end).map_err(storage)?;
            shards.insert(g.id, Arc::new(shard));
        }
    }
    let index = SeriesIndex::open(&index_dir(&config.data_dir, &db.name), config.index.clone())
        .map_err(storage)?;
    Ok(Database {
        name: db.name.clone(),
        catalog,
        index,
        write_lock: Mutex::new(LiveSeries::default()),
        shards: RwLock::new(shards),
    })
}

/// A database or retention policy name: not empty, at most `MAX_NAME_LEN` bytes.
pub(super) fn validate_name(what: &str, name: &str) -> Result<(), EngineError> {
    if name.is_empty() {
        return Err(EngineError::Invalid(format!("{what} name required")));
    }
    if name.len() > MAX_NAME_LEN {
        return Err(EngineError::Invalid(format!(
            "{what} name is too long (max {MAX_NAME_LEN} bytes)"
        )));
    }
    Ok(())
}
