use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parking_lot::{Mutex, RwLock};
use roaring::RoaringBitmap;

use super::manifest::{Manifest, ManifestEntry, ManifestError};
use super::tombstone::Tombstone;
use crate::compaction::{self, SegmentSummary};
use crate::files::{SEGMENT_EXT, SHARD_MANIFEST, segment_file_name};
use crate::memtable::{Memtable, RowSet};
use crate::model::{FieldType, Timestamp};
use crate::segment::{Segment, SegmentError, SegmentOptions, SegmentWriter};

#[derive(Debug, thiserror::Error)]
pub enum ShardError {
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    #[error(transparent)]
    Segment(#[from] SegmentError),
    #[error("shard manifest {path} has an invalid tombstone: {reason}")]
    Tombstone { path: PathBuf, reason: String },
    #[error("shard i/o error on {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// A live segment and where it sits in the newest-wins order.
#[derive(Clone)]
pub(super) struct LiveSegment {
    pub seq: u64,
    pub generation: u32,
    pub file: String,
    pub segment: Segment,
}

/// Per measurement, the series with a visible row in the shard (module invariant 5).
pub type Presence = HashMap<String, RoaringBitmap>;

#[derive(Default)]
pub(super) struct State {
    pub active: Memtable,
    /// Frozen memtables awaiting flush, oldest first.
    pub frozen: Vec<Arc<Memtable>>,
    /// Per measurement, live segments in sequence order.
    pub segments: BTreeMap<String, Vec<LiveSegment>>,
    /// Per measurement, field name → type.
    pub schema: HashMap<String, HashMap<String, FieldType>>,
    pub presence: Presence,
    pub tombstones: Vec<Tombstone>,
    pub next_seq: u64,
    /// Bumped by every change other than appending writes to the active memtable (freeze, flush,
    /// compaction, deletes): what merged-row reuse checks (`engine/merge_cache.rs`).
    pub generation: u64,
}

/// One shard (see the module invariants).
pub struct Shard {
    pub id: u64,
    pub database: String,
    pub retention_policy: String,
    pub start: Timestamp,
    pub end: Timestamp,
    pub(super) dir: PathBuf,
    pub(super) state: RwLock<State>,
    /// Serialises flush, compaction and deletes of this shard (they all rewrite the manifest);
    /// holds `true` once [`Shard::delete_files`] removed the shard, after which they do nothing.
    pub(super) maintenance: Mutex<bool>,
}

impl Shard {
    /// Opens (creating) the shard directory: loads the manifest, maps its segments, deletes files the
    /// manifest does not list, and rebuilds the schema from the segments.
    pub fn open(
        dir: &Path,
        id: u64,
        database: &str,
        retention_policy: &str,
        start: Timestamp,
        end: Timestamp,
    ) -> Result<Shard, ShardError> {
        std::fs::create_dir_all(dir).map_err(|e| ShardError::Io {
            path: dir.to_path_buf(),
            source: e,
        })?;
        let manifest = Manifest::load(&dir.join(SHARD_MANIFEST))?;
        let mut state = State {
            next_seq: manifest.next_seq,
            ..State::default()
        };
        let mut listed = std::collections::HashSet::new();
        for e in &manifest.segments {
            let segment = Segment::open(&dir.join(&e.file))?;
            let schema = state.schema.entry(e.measurement.clone()).or_default();
            for (name, ty) in segment.fields() {
                schema.entry(name.clone()).or_insert(*ty);
            }
            listed.insert(e.file.clone());
            state
                .segments
                .entry(e.measurement.clone())
                .or_default()
                .push(LiveSegment {
                    seq: e.seq,
                    generation: e.generation,
                    file: e.file.clone(),
                    segment,
                });
        }
        for segs in state.segments.values_mut() {
            segs.sort_by_key(|s| (s.seq, s.generation));
        }
        for e in &manifest.tombstones {
            let t = Tombstone::from_entry(e).map_err(|reason| ShardError::Tombstone {
                path: dir.join(SHARD_MANIFEST),
                reason,
            })?;
            state.tombstones.push(t);
        }
        for (m, segs) in &state.segments {
            let bm = state.presence.entry(m.clone()).or_default();
            for s in segs {
                bm.extend(s.segment.series_ids().into_iter().map(|id| id.0));
            }
        }
        // Remove unpublished leftovers of a crash (segments and their temporaries).
        let rd = std::fs::read_dir(dir).map_err(|e| ShardError::Io {
            path: dir.to_path_buf(),
            source: e,
        })?;
        for entry in rd.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let is_segment = name.ends_with(&format!(".{SEGMENT_EXT}"))
                || name.ends_with(&format!(".{SEGMENT_EXT}.tmp"));
            if is_segment && !listed.contains(&name) {
                tracing::warn!(file = %entry.path().display(), "removing unpublished segment file");
                let _ = std::fs::remove_file(entry.path());
            }
        }
        let shard = Shard {
            id,
            database: database.to_string(),
            retention_policy: retention_policy.to_string(),
            start,
            end,
            dir: dir.to_path_buf(),
            state: RwLock::new(state),
            maintenance: Mutex::new(false),
        };
        shard.refresh_presence_after_tombstones()?;
        Ok(shard)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Runs `f` with the schema, the active memtable and the presence bitmaps locked for writing
    /// (one lock per batch). The caller adds every series it appends a row for to the presence.
    pub fn with_write<R>(
        &self,
        f: impl FnOnce(
            &mut HashMap<String, HashMap<String, FieldType>>,
            &mut Memtable,
            &mut Presence,
        ) -> R,
    ) -> R {
        let mut st = self.state.write();
        let st = &mut *st;
        f(&mut st.schema, &mut st.active, &mut st.presence)
    }

    /// The state for a change other than appending writes (bumps `generation`).
    pub(super) fn write_state(&self) -> parking_lot::RwLockWriteGuard<'_, State> {
        let mut st = self.state.write();
        st.generation += 1;
        st
    }

    pub fn memtable_bytes(&self) -> usize {
        let st = self.state.read();
        st.active.estimated_bytes() + st.frozen.iter().map(|m| m.estimated_bytes()).sum::<usize>()
    }

    /// Moves the active memtable to the frozen list (no-op when empty).
    pub fn freeze(&self) {
        let mut st = self.write_state();
        if !st.active.is_empty() {
            let m = std::mem::take(&mut st.active);
            st.frozen.push(Arc::new(m));
        }
    }

    /// Writes every frozen memtable to segments and publishes them. The caller has made the series
    /// ids they reference durable (catalog sync).
    pub fn flush_frozen(&self, opts: &SegmentOptions) -> Result<(), ShardError> {
        let dropped = self.maintenance.lock();
        if *dropped {
            return Ok(());
        }
        loop {
            let Some(mem) = self.state.read().frozen.first().cloned() else {
                return Ok(());
            };
            let mut written = Vec::new();
            let mut names: Vec<&String> = mem.measurements().map(|(m, _)| m).collect();
            names.sort();
            for m in names {
                let Some(rows) = mem.rows(m) else { continue };
                if rows.is_empty() {
                    continue;
                }
                let seq = {
                    let mut st = self.write_state();
                    st.next_seq += 1;
                    st.next_seq
                };
                let file = segment_file_name(seq, 0);
                let segment = self.write_segment(&file, rows, opts)?;
                written.push((
                    m.clone(),
                    LiveSegment {
                        seq,
                        generation: 0,
                        file,
                        segment,
                    },
                ));
            }
            let mut st = self.write_state();
            for (m, w) in written {
                st.segments.entry(m).or_default().push(w);
            }
            st.frozen.remove(0);
            self.store_manifest(&st)?;
        }
    }

    pub(super) fn write_segment(
        &self,
        file: &str,
        rows: &RowSet,
        opts: &SegmentOptions,
    ) -> Result<Segment, ShardError> {
        let path = self.dir.join(file);
        let mut w = SegmentWriter::create(&path, rows.fields(), opts.clone())?;
        for s in rows.sorted_series() {
            w.append_series(s.series, &s.timestamps, &s.columns)?;
        }
        w.finish()?;
        Ok(Segment::open(&path)?)
    }

    pub(super) fn store_manifest(&self, st: &State) -> Result<(), ShardError> {
        let mut m = Manifest {
            next_seq: st.next_seq,
            segments: Vec::new(),
            tombstones: st.tombstones.iter().map(Tombstone::to_entry).collect(),
        };
        for (measurement, segs) in &st.segments {
            for s in segs {
                m.segments.push(ManifestEntry {
                    measurement: measurement.clone(),
                    file: s.file.clone(),
                    seq: s.seq,
                    generation: s.generation,
                });
            }
        }
        m.store(&self.dir.join(SHARD_MANIFEST))?;
        Ok(())
    }

    /// Compacts every measurement whose segments the policy selects. Returns how many merges ran.
    pub fn compact(
        &self,
        min_segments: usize,
        max_rows: u64,
        opts: &SegmentOptions,
    ) -> Result<usize, ShardError> {
        let dropped = self.maintenance.lock();
        if *dropped {
            return Ok(0);
        }
        let candidates: Vec<(String, Vec<LiveSegment>)> = self
            .state
            .read()
            .segments
            .iter()
            .map(|(m, s)| (m.clone(), s.clone()))
            .collect();
        let mut merges = 0;
        for (measurement, segs) in candidates {
            let summaries: Vec<SegmentSummary> = segs
                .iter()
                .map(|s| SegmentSummary {
                    seq: s.seq,
                    generation: s.generation,
                    rows: s.segment.meta().rows,
                })
                .collect();
            let Some(plan) = compaction::plan(&summaries, min_segments, max_rows) else {
                continue;
            };
            let inputs: Vec<&LiveSegment> = plan.inputs.iter().map(|&i| &segs[i]).collect();
            let mut fields: Vec<(String, FieldType)> = Vec::new();
            for s in &inputs {
                for f in s.segment.fields() {
                    if !fields.iter().any(|(n, _)| n == &f.0) {
                        fields.push(f.clone());
                    }
                }
            }
            let tombs = self.tombstones_of(&measurement);
            let mut rows = RowSet::with_fields(&fields);
            for s in &inputs {
                let map: Vec<Option<usize>> = s
                    .segment
                    .fields()
                    .iter()
                    .map(|(n, _)| rows.field_position(n))
                    .collect();
                let all: Vec<usize> = (0..s.segment.fields().len()).collect();
                let seq = s.seq;
                let keep = |id: u32, t: Timestamp| !tombs.iter().any(|x| x.hides(seq, id, t));
                s.segment.scan(None, i64::MIN, i64::MAX, &all, &mut |b| {
                    rows.push_columns_where(&b.series, &b.timestamps, &b.columns, &map, &keep);
                    Ok(())
                })?;
            }
            let file = segment_file_name(plan.output_seq, plan.output_generation);
            let segment = if rows.is_empty() {
                None
            } else {
                Some(self.write_segment(&file, &rows, opts)?)
            };
            let input_files: Vec<String> = inputs.iter().map(|s| s.file.clone()).collect();
            {
                let mut st = self.write_state();
                let list = st.segments.entry(measurement.clone()).or_default();
                let pos = list
                    .iter()
                    .position(|s| input_files.contains(&s.file))
                    .unwrap_or(list.len());
                list.retain(|s| !input_files.contains(&s.file));
                // Tombstones may have removed every row: then nothing takes the inputs' place.
                if let Some(segment) = segment {
                    let at = pos.min(list.len());
                    list.insert(
                        at,
                        LiveSegment {
                            seq: plan.output_seq,
                            generation: plan.output_generation,
                            file,
                            segment,
                        },
                    );
                }
                gc_tombstones(&mut st);
                self.store_manifest(&st)?;
            }
            for f in input_files {
                let _ = std::fs::remove_file(self.dir.join(f));
            }
            merges += 1;
        }
        Ok(merges)
    }

    /// Field names and types of `measurement` in this shard.
    pub fn fields(&self, measurement: &str) -> Vec<(String, FieldType)> {
        let st = self.state.read();
        st.schema
            .get(measurement)
            .map(|m| m.iter().map(|(k, v)| (k.clone(), *v)).collect())
            .unwrap_or_default()
    }

    /// Measurements with at least one series with data in this shard.
    pub fn measurements(&self) -> Vec<String> {
        self.state
            .read()
            .presence
            .iter()
            .filter(|(_, b)| !b.is_empty())
            .map(|(m, _)| m.clone())
            .collect()
    }

    /// Ids of the series of `measurement` with data in this shard.
    pub fn series_ids(&self, measurement: &str) -> RoaringBitmap {
        self.state
            .read()
            .presence
            .get(measurement)
            .cloned()
            .unwrap_or_default()
    }

    /// Adds the ids of the series of every measurement with data in this shard to `out`.
    pub fn presence_into(&self, out: &mut Presence) {
        let st = self.state.read();
        for (m, b) in &st.presence {
            if !b.is_empty() {
                *out.entry(m.clone()).or_default() |= b;
            }
        }
    }

    /// ORs the ids of the series of `measurement` with data in this shard into `out`.
    pub fn series_ids_into(&self, measurement: &str, out: &mut RoaringBitmap) {
        if let Some(b) = self.state.read().presence.get(measurement) {
            *out |= b;
        }
    }

    /// The tombstones of `measurement`.
    pub(super) fn tombstones_of(&self, measurement: &str) -> Vec<Tombstone> {
        self.state
            .read()
            .tombstones
            .iter()
            .filter(|t| t.measurement == measurement)
            .cloned()
            .collect()
    }

    /// Appends the rows of `series` in `[min, max]` to `out` (whose columns are the wanted fields),
    /// oldest source first, so `out.sorted_series()` applies newest-wins.
    pub fn read_into(
        &self,
        measurement: &str,
        series: &RoaringBitmap,
        min: Timestamp,
        max: Timestamp,
        out: &mut RowSet,
    ) -> Result<(), ShardError> {
        let (segs, frozen, tombs) = {
            let st = self.state.read();
            (
                st.segments.get(measurement).cloned().unwrap_or_default(),
                st.frozen.clone(),
                st.tombstones
                    .iter()
                    .filter(|t| t.measurement == measurement)
                    .cloned()
                    .collect::<Vec<_>>(),
            )
        };
        for s in &segs {
            let meta = s.segment.meta();
            if meta.max_time < min || meta.min_time > max {
                continue;
            }
            let (idx, map) = out.field_map(s.segment.fields());
            let seq = s.seq;
            let live: Vec<&Tombstone> = tombs.iter().filter(|t| seq < t.below_seq).collect();
            s.segment.scan(Some(series), min, max, &idx, &mut |b| {
                if live.is_empty() {
                    out.push_columns(&b.series, &b.timestamps, &b.columns, &map);
                } else {
                    let keep = |id: u32, t: Timestamp| !live.iter().any(|x| x.hides(seq, id, t));
                    out.push_columns_where(&b.series, &b.timestamps, &b.columns, &map, &keep);
                }
                Ok(())
            })?;
        }
        for mem in &frozen {
            copy_rows(mem, measurement, series, min, max, out);
        }
        let st = self.state.read();
        copy_rows(&st.active, measurement, series, min, max, out);
        Ok(())
    }

    /// Deletes the shard's files (after it was removed from the metadata and the engine's shard
    /// map). Waits for a flush, compaction or delete of the shard in progress; later ones do
    /// nothing. Readers holding the shard keep working: its segments stay memory-mapped (an
    /// unlinked file lives on while mapped) and its memtables in memory.
    pub fn delete_files(&self) -> Result<(), ShardError> {
        let mut dropped = self.maintenance.lock();
        *dropped = true;
        match std::fs::remove_dir_all(&self.dir) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(ShardError::Io {
                path: self.dir.clone(),
                source: e,
            }),
        }
    }

    /// Number of live segments (all measurements).
    pub fn segment_count(&self) -> usize {
        self.state.read().segments.values().map(|v| v.len()).sum()
    }
}

fn copy_rows(
    mem: &Memtable,
    measurement: &str,
    series: &RoaringBitmap,
    min: Timestamp,
    max: Timestamp,
    out: &mut RowSet,
) {
    let Some(rows) = mem.rows(measurement) else {
        return;
    };
    let map: Vec<Option<usize>> = rows
        .fields()
        .iter()
        .map(|(n, _)| out.field_position(n))
        .collect();
    for r in 0..rows.len() {
        let t = rows.timestamps[r];
        if t < min || t > max || !series.contains(rows.series[r]) {
            continue;
        }
        out.push_copy(rows, r, &map);
    }
}

/// Drops tombstones no segment of their measurement is older than (module invariant 6).
pub(super) fn gc_tombstones(st: &mut State) {
    let segments = &st.segments;
    st.tombstones.retain(|t| {
        segments
            .get(&t.measurement)
            .is_some_and(|segs| segs.iter().any(|s| s.seq < t.below_seq))
    });
}
