//! The query engine's read primitives: [`Engine::group_series`] (which series, in which group) and
//! [`Engine::scan`] (their rows as column batches, fanned out over worker sinks).
//!
//! Contract of a scan (what every implementation must keep, and what the query executor relies on):
//! 1. Every row of a selected series with `min_time <= t <= max_time` is delivered exactly once:
//!    duplicates of one (series, time) across segments and memtables are merged first, the newest
//!    write winning per field (the same answer as [`Engine::read`]).
//! 2. Within one batch, the rows of one series ascend in time; nothing is promised across batches or
//!    between series (callers that need order sort or keep the earliest/latest themselves).
//! 3. Timestamps: with `ScanRequest::times` set every batch carries one per row. Without it, a
//!    batch streamed from a row group that lies wholly inside the time range (and that no tombstone
//!    touches) may come with empty `timestamps` — the time column is then not decoded at all; any
//!    other batch still carries them. A batch has all its timestamps or none.
//! 4. Each batch goes to exactly one sink; sinks are driven from at most `sinks.len()` threads at
//!    once, each sink from one thread at a time. A sink returning `ControlFlow::Break` stops the whole
//!    scan early (no error: the caller knows why it stopped).
//!
//! Decisions: `group_series` never parses a series key — it walks each key's value postings in
//! value order, so value indices are ranks and group ids come out sorted. `scan` snapshots each
//! touched shard under one read lock ([`crate::shard::ScanSnapshot`]); series whose per-series
//! time ranges in two sources (segments, memtables) intersect are merged through a `RowSet`
//! (newest wins), every other row streams from its segment row group, decoded for the requested
//! fields only into per-thread reused buffers. Work items (merges first, then row groups) are
//! drained from one atomic queue by one scoped thread per sink.

use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use parking_lot::Mutex;
use roaring::RoaringBitmap;

use super::engine::{Engine, storage};
use super::merge_cache::{Key, MergeCache, MergedBatch};
use super::types::{EngineError, IndexScope};
use crate::index::TagPredicate;
use crate::memtable::{MergeWalk, RowSet};
use crate::model::{Column, Timestamp};
use crate::segment::{ChunkCache, ChunkCacheStats, DenseIds, GroupFilter, ScanBuf};
use crate::shard::{ScanSnapshot, Shard, Tombstone};

/// What to scan: the rows of `series` (ids from [`Engine::group_series`]) of one measurement.
#[derive(Clone, Debug)]
pub struct ScanRequest {
    pub database: String,
    pub retention_policy: Option<String>,
    pub measurement: String,
    pub min_time: Timestamp,
    pub max_time: Timestamp,
    pub series: RoaringBitmap,
    /// Field names; a batch's `columns[i]` is `fields[i]` (`None` where the source lacks it).
    pub fields: Vec<String>,
    /// Whether the sinks read timestamps (contract item 3); `false` lets whole row groups inside
    /// the range skip decoding their time column.
    pub times: bool,
}

/// Rows of one source chunk: `series[i]`, `timestamps[i]` (when present, contract item 3) and
/// `columns[c]` row `i`.
#[derive(Debug)]
pub struct ScanBatch<'a> {
    pub series: &'a [u32],
    pub timestamps: &'a [Timestamp],
    pub columns: &'a [Option<Column>],
}

/// Receives batches on one worker thread.
pub trait ScanSink: Send {
    fn consume(&mut self, batch: &ScanBatch<'_>) -> ControlFlow<()>;
}

/// The selected series of a measurement, grouped by the values of some tag keys.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SeriesGroups {
    /// The tag keys grouped by, as asked.
    pub keys: Vec<String>,
    /// The distinct value combinations (one value per key, `""` where a series lacks the key),
    /// sorted ascending.
    pub groups: Vec<Vec<String>>,
    /// Series id → group index (read it with [`SeriesGroups::group`]).
    pub group_of: GroupTable,
    /// Every selected series.
    pub series: RoaringBitmap,
}

impl SeriesGroups {
    pub const NONE: u32 = u32::MAX;

    /// The group of series `id`, if selected.
    #[inline]
    pub fn group(&self, id: u32) -> Option<u32> {
        match &self.group_of {
            GroupTable::Dense(g) => g.get(id as usize).copied().filter(|&g| g != Self::NONE),
            GroupTable::Sparse { ids, groups } => ids
                .binary_search(&id)
                .ok()
                .and_then(|k| groups.get(k).copied()),
        }
    }
}

/// Series id → group index of a [`SeriesGroups`].
#[derive(Clone, Debug, PartialEq)]
pub enum GroupTable {
    /// `v[id]`, [`SeriesGroups::NONE`] where not selected; ids past the end are not selected.
    Dense(Vec<u32>),
    /// Few series among large ids: the selected ids ascending and their groups (a table indexed by
    /// id would cost a memset of the whole id space per query).
    Sparse { ids: Vec<u32>, groups: Vec<u32> },
}

impl Default for GroupTable {
    fn default() -> Self {
        GroupTable::Dense(Vec::new())
    }
}

/// Below one selected series per this many ids of the id space, group tables are sparse.
const SPARSE_IDS_PER_SERIES: u64 = 64;

impl Engine {
    /// Series of `measurement` with data in `scope` that match `predicate`, grouped by `keys`.
    ///
    /// No series key is parsed: the selection is index ∩ presence, then each key's value postings
    /// (in value order) give every selected series its value index, and the per-key indices are
    /// combined into dense, ordered group ids (see [`combine_key`]).
    pub fn group_series(
        &self,
        scope: &IndexScope,
        measurement: &str,
        predicate: &TagPredicate,
        keys: &[String],
    ) -> Result<SeriesGroups, EngineError> {
        let dbh = self.db_or_err(&scope.database)?;
        let rp = match &scope.retention_policy {
            Some(rp) => Some(self.resolve_rp(&scope.database, Some(rp))?.name),
            None => None,
        };
        let shards = self.shards_in(&dbh, rp.as_deref(), scope.min_time, scope.max_time);
        let selected = if shards.is_empty() {
            RoaringBitmap::new()
        } else {
            Self::scoped_series(&dbh, &shards, measurement, predicate)?
        };
        let Some(max) = selected.max() else {
            return Ok(SeriesGroups {
                keys: keys.to_vec(),
                ..SeriesGroups::default()
            });
        };
        // Work on slots: the series id itself (dense), or its rank in the selection (sparse).
        let sparse = (max as u64) > selected.len().saturating_mul(SPARSE_IDS_PER_SERIES);
        let ids: Vec<u32> = if sparse {
            selected.iter().collect()
        } else {
            Vec::new()
        };
        let slots = if sparse { ids.len() } else { max as usize + 1 };
        let slot = |id: u32| -> Option<usize> {
            if sparse {
                ids.binary_search(&id).ok()
            } else {
                Some(id as usize)
            }
        };
        let selected_slots = || -> Box<dyn Iterator<Item = usize> + '_> {
            if sparse {
                Box::new(0..ids.len())
            } else {
                Box::new(selected.iter().map(|id| id as usize))
            }
        };
        let mut group_of = vec![SeriesGroups::NONE; slots];
        for k in selected_slots() {
            group_of[k] = 0;
        }
        let mut groups: Vec<Vec<String>> = vec![Vec::new()];
        let mut value_of = if keys.is_empty() {
            Vec::new()
        } else {
            vec![0u32; slots]
        };
        for key in keys {
            // Value 0 is "" (no such tag); the others in the index's (byte) order.
            let mut values: Vec<String> = vec![String::new()];
            value_of.iter_mut().for_each(|v| *v = 0);
            dbh.index
                .tag_values(measurement, key, None, &mut |v, posting| {
                    let code = if v.is_empty() { 0 } else { values.len() as u32 };
                    let mut hit = false;
                    let mut mark = |id: u32| {
                        if let Some(k) = slot(id) {
                            value_of[k] = code;
                            hit = true;
                        }
                    };
                    if posting.len() <= 64 {
                        for id in posting {
                            if selected.contains(id) {
                                mark(id);
                            }
                        }
                    } else {
                        for id in &(posting & &selected) {
                            mark(id);
                        }
                    }
                    if hit && code != 0 {
                        values.push(v.to_owned());
                    }
                    true
                })
                .map_err(storage)?;
            groups = combine_key(&selected_slots, &mut group_of, &groups, &value_of, &values);
        }
        let group_of = if sparse {
            GroupTable::Sparse {
                ids,
                groups: group_of,
            }
        } else {
            GroupTable::Dense(group_of)
        };
        Ok(SeriesGroups {
            keys: keys.to_vec(),
            groups,
            group_of,
            series: selected,
        })
    }

    /// Hits, misses and bytes of the decoded-chunk cache scans share.
    pub fn chunk_cache_stats(&self) -> ChunkCacheStats {
        self.chunk_cache.stats()
    }

    /// Empties the decoded-chunk cache (to measure cold scans).
    pub fn clear_chunk_cache(&self) {
        self.chunk_cache.clear();
    }

    /// Streams the rows of `req` into `sinks` (see the module contract).
    ///
    /// Per touched shard, one snapshot of the measurement's sources; series whose rows in two
    /// sources may collide in time are merged (newest wins, as [`Engine::read`]), every other row
    /// streams straight from its segment row group. Work items (merges first, then row groups) sit
    /// in one queue that `sinks.len()` scoped threads drain, each with its own reused buffers.
    pub fn scan(
        &self,
        req: &ScanRequest,
        sinks: &mut [&mut dyn ScanSink],
    ) -> Result<(), EngineError> {
        if sinks.is_empty() || req.series.is_empty() || req.min_time > req.max_time {
            return Ok(());
        }
        let dbh = self.db_or_err(&req.database)?;
        let rp_name = self
            .resolve_rp(&req.database, req.retention_policy.as_deref())?
            .name;
        let shards = self.shards_in(&dbh, Some(&rp_name), req.min_time, req.max_time);
        let dense = DenseIds::from_bitmap(&req.series);
        let plans: Vec<ShardPlan> = shards
            .iter()
            .map(|s| ShardPlan::new(s, req, &dense, &self.merge_cache))
            .collect();
        let mut work = Vec::new();
        for (p, plan) in plans.iter().enumerate() {
            if plan.has_merge() {
                work.push(Work::Merge(p));
            }
        }
        for (p, plan) in plans.iter().enumerate() {
            for (k, seg) in plan.segs.iter().enumerate() {
                work.extend(seg.groups.iter().map(|&g| Work::Group(p, k, g)));
            }
        }
        let ctx = Ctx {
            req,
            dense: &dense,
            plans: &plans,
            work: &work,
            cache: &self.chunk_cache,
            merge_cache: &self.merge_cache,
            next: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
            error: Mutex::new(None),
        };
        let threads = sinks.len().min(work.len());
        if threads <= 1 {
            ctx.run(&mut *sinks[0]);
        } else {
            let ctx = &ctx;
            std::thread::scope(|sc| {
                for sink in sinks.iter_mut().take(threads) {
                    sc.spawn(move || ctx.run(&mut **sink));
                }
            });
        }
        match ctx.error.into_inner() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

/// Refines the groups by one more key: slot `k` (a series) of group `group_of[k]` with value
/// index `value_of[k]` gets the rank of `(group, value)` among the distinct pairs present. Ranks
/// keep the groups' order because both groups and values are sorted, so the result is sorted too.
/// A dense table when `groups × values` is small, else a sort of the distinct pairs: never
/// quadratic. `slots` yields the selected slots.
fn combine_key<'s>(
    slots: &dyn Fn() -> Box<dyn Iterator<Item = usize> + 's>,
    group_of: &mut [u32],
    groups: &[Vec<String>],
    value_of: &[u32],
    values: &[String],
) -> Vec<Vec<String>> {
    let nv = values.len() as u64;
    let cells = groups.len() as u64 * nv;
    let pair = |group_of: &[u32], k: usize| group_of[k] as u64 * nv + value_of[k] as u64;
    let mut out = Vec::new();
    let push = |out: &mut Vec<Vec<String>>, cell: u64| {
        let mut g = groups[(cell / nv) as usize].clone();
        g.push(values[(cell % nv) as usize].clone());
        out.push(g);
    };
    // The slot space (≥ the selected series): a rank table that size or 64 Ki cells is cheap.
    let space = group_of.len().min(value_of.len()) as u64;
    if cells <= (4 * space).max(1 << 16) {
        let mut rank = vec![u32::MAX; cells as usize];
        for k in slots() {
            rank[pair(group_of, k) as usize] = 0;
        }
        for (cell, r) in rank.iter_mut().enumerate() {
            if *r == 0 {
                *r = out.len() as u32;
                push(&mut out, cell as u64);
            }
        }
        for k in slots() {
            group_of[k] = rank[pair(group_of, k) as usize];
        }
    } else {
        let mut cells: Vec<u64> = slots().map(|k| pair(group_of, k)).collect();
        cells.sort_unstable();
        cells.dedup();
        for &c in &cells {
            push(&mut out, c);
        }
        for k in slots() {
            let c = pair(group_of, k);
            group_of[k] = cells.partition_point(|&x| x < c) as u32;
        }
    }
    out
}

/// What a scan does with one shard.
struct ShardPlan {
    snap: ScanSnapshot,
    /// Segment series merged with other sources (their time ranges may collide).
    conflict: RoaringBitmap,
    /// The selection minus `conflict`, when `conflict` is not empty.
    direct: Option<DenseIds>,
    segs: Vec<SegPlan>,
    /// Merged memtable rows kept from an identical earlier scan, still exact (`merge_cache.rs`).
    reuse: Option<Arc<Vec<MergedBatch>>>,
    shard: u64,
}

struct SegPlan {
    /// Segment field of each requested field.
    fields: Vec<Option<usize>>,
    /// Tombstones hiding rows of this segment.
    hide: Vec<Tombstone>,
    /// Row groups that may hold selected rows.
    groups: Vec<usize>,
}

impl ShardPlan {
    fn new(shard: &Shard, req: &ScanRequest, dense: &DenseIds, cache: &MergeCache) -> ShardPlan {
        let key = cache_key(shard.id, req);
        let kept = cache.get(&key);
        // Kept rows are of every series (a complete snapshot); only a complete selection may use
        // them, and it decides under the shard's lock.
        let snap = shard.scan_snapshot(
            &req.measurement,
            dense,
            req.min_time,
            req.max_time,
            &req.fields,
            &req.series,
            kept.as_ref().map(|k| k.0),
        );
        let reuse = match kept {
            Some((_, rows)) if snap.reused => {
                cache.hit();
                Some(rows)
            }
            Some((stamp, _)) => {
                tracing::debug!(shard = shard.id, measurement = %req.measurement, kept = ?stamp,
                    now = ?snap.stamp, "kept merged rows are stale");
                cache.remove(&key);
                None
            }
            None => None,
        };
        let mut conflict = snap.overlapping_series(dense, req.min_time, req.max_time);
        // A complete snapshot's memtable holds unselected series too.
        conflict &= &req.series;
        let direct = (!conflict.is_empty()).then(|| {
            let mut d = dense.clone();
            d.remove_all(&conflict);
            d
        });
        let segs = snap
            .segments
            .iter()
            .map(|s| SegPlan {
                fields: req
                    .fields
                    .iter()
                    .map(|f| s.segment.fields().iter().position(|(n, _)| n == f))
                    .collect(),
                hide: snap
                    .tombstones
                    .iter()
                    .filter(|t| s.seq < t.below_seq)
                    .cloned()
                    .collect(),
                groups: s
                    .segment
                    .row_groups_for(&req.series, req.min_time, req.max_time),
            })
            .collect();
        ShardPlan {
            snap,
            conflict,
            direct,
            segs,
            reuse,
            shard: shard.id,
        }
    }

    fn has_merge(&self) -> bool {
        !self.conflict.is_empty() || !self.snap.memtable.is_empty() || self.reuse.is_some()
    }
}

enum Work {
    /// The merged rows of a shard: its memtable rows and the segment rows of conflicting series.
    Merge(usize),
    /// Row group `.2` of segment `.1` of shard `.0`, streamed.
    Group(usize, usize, usize),
}

/// Shared state of one scan's workers.
struct Ctx<'a> {
    req: &'a ScanRequest,
    dense: &'a DenseIds,
    plans: &'a [ShardPlan],
    work: &'a [Work],
    cache: &'a ChunkCache,
    merge_cache: &'a MergeCache,
    next: AtomicUsize,
    stop: AtomicBool,
    error: Mutex<Option<EngineError>>,
}

/// Rows per batch out of a merge.
const MERGE_BATCH_ROWS: usize = 16 * 1024;

impl Ctx<'_> {
    fn run(&self, sink: &mut dyn ScanSink) {
        let mut buf = ScanBuf::default();
        while !self.stop.load(Ordering::Relaxed) {
            let Some(w) = self.work.get(self.next.fetch_add(1, Ordering::Relaxed)) else {
                return;
            };
            let r = match *w {
                Work::Group(p, k, g) => self.group(p, k, g, sink, &mut buf),
                Work::Merge(p) => self.merge(p, sink, &mut buf),
            };
            match r {
                Ok(ControlFlow::Continue(())) => {}
                Ok(ControlFlow::Break(())) => self.stop.store(true, Ordering::Relaxed),
                Err(e) => {
                    self.stop.store(true, Ordering::Relaxed);
                    self.error.lock().get_or_insert(e);
                }
            }
        }
    }

    fn group(
        &self,
        p: usize,
        k: usize,
        g: usize,
        sink: &mut dyn ScanSink,
        buf: &mut ScanBuf,
    ) -> Result<ControlFlow<()>, EngineError> {
        let plan = &self.plans[p];
        let seg = &plan.segs[k];
        let source = &plan.snap.segments[k];
        let seq = source.seq;
        let hide = |id: u32, t: Timestamp| seg.hide.iter().any(|x| x.hides(seq, id, t));
        let filter = GroupFilter {
            series: plan.direct.as_ref().unwrap_or(self.dense),
            min_time: self.req.min_time,
            max_time: self.req.max_time,
            fields: &seg.fields,
            hide: (!seg.hide.is_empty()).then_some(&hide as &dyn Fn(u32, Timestamp) -> bool),
            cache: Some(self.cache),
            candidates: Some(&self.req.series),
            times: self.req.times,
        };
        let n = source
            .segment
            .scan_row_group(g, &filter, buf)
            .map_err(storage)?;
        if n == 0 {
            return Ok(ControlFlow::Continue(()));
        }
        Ok(sink.consume(&ScanBatch {
            series: &buf.series,
            timestamps: &buf.timestamps,
            columns: &buf.columns,
        }))
    }

    fn merge(
        &self,
        p: usize,
        sink: &mut dyn ScanSink,
        buf: &mut ScanBuf,
    ) -> Result<ControlFlow<()>, EngineError> {
        let plan = &self.plans[p];
        // Rows of series created after the request's index lookup are in complete snapshots and
        // kept rows; they are dropped here (only they can be above the selection's largest id).
        let top = self.req.series.max().unwrap_or(0);
        if let Some(rows) = &plan.reuse {
            return Ok(replay(rows, top, self.dense, sink, buf));
        }
        let snap = &plan.snap;
        let (min, max) = (self.req.min_time, self.req.max_time);
        if plan.conflict.is_empty() {
            // Pure memtable rows of a complete snapshot (no segment row can collide) are kept for
            // identical scans.
            let keep = snap.complete && self.merge_cache.enabled();
            let mut kept = keep.then(Vec::new);
            let walk = snap.memtable.merge_walk(min, max);
            let flow = self.walk(snap, &snap.memtable, walk, top, sink, buf, kept.as_mut());
            if let (Some(kept), ControlFlow::Continue(())) = (kept, flow) {
                self.merge_cache
                    .put(&cache_key(plan.shard, self.req), snap.stamp, Arc::new(kept));
            }
            return Ok(flow);
        }
        // The conflicting series: their segment rows and their memtable rows, merged in one row
        // set (memtable rows after segment rows: newer writes win ties). The memtable rows of the
        // other series go straight from the snapshot.
        let mut except = vec![
            false;
            snap.memtable
                .series
                .iter()
                .max()
                .map_or(0, |&s| s as usize + 1)
        ];
        for id in plan.conflict.iter() {
            if let Some(x) = except.get_mut(id as usize) {
                *x = true;
            }
        }
        let mut rows = RowSet::with_fields(snap.memtable.fields());
        for (s, seg) in snap.segments.iter().zip(&plan.segs) {
            let (idx, map) = rows.field_map(s.segment.fields());
            let seq = s.seq;
            let keep = |id: u32, t: Timestamp| !seg.hide.iter().any(|x| x.hides(seq, id, t));
            s.segment
                .scan(Some(&plan.conflict), min, max, &idx, &mut |b| {
                    rows.push_columns_where(&b.series, &b.timestamps, &b.columns, &map, &keep);
                    Ok(())
                })
                .map_err(storage)?;
        }
        let all: Vec<Option<usize>> = (0..rows.fields().len()).map(Some).collect();
        let picked: Vec<u32> = (0..snap.memtable.len() as u32)
            .filter(|&r| except[snap.memtable.series[r as usize] as usize])
            .collect();
        rows.push_rows(&snap.memtable, &picked, &all);
        let walk = snap.memtable.merge_walk_except(min, max, except);
        let flow = self.walk(snap, &snap.memtable, walk, top, sink, buf, None);
        if flow.is_break() {
            return Ok(flow);
        }
        let walk = rows.merge_walk(min, max);
        Ok(self.walk(snap, &rows, walk, top, sink, buf, None))
    }

    /// Feeds the batches of `walk` over `rows` (`snap`'s memtable, or its rows merged with
    /// segment rows) to `sink`; with `kept`, the batches are also kept (they take the buffers).
    #[allow(clippy::too_many_arguments)]
    fn walk(
        &self,
        snap: &ScanSnapshot,
        rows: &RowSet,
        mut walk: MergeWalk,
        top: u32,
        sink: &mut dyn ScanSink,
        buf: &mut ScanBuf,
        mut kept: Option<&mut Vec<MergedBatch>>,
    ) -> ControlFlow<()> {
        let types = &snap.field_types;
        while !walk.is_done(rows) {
            buf.series.clear();
            buf.timestamps.clear();
            // The buffers are reused batch after batch unless kept batches take them.
            let fresh = buf.columns.len() != types.len()
                || buf
                    .columns
                    .iter()
                    .zip(types)
                    .any(|(c, t)| c.as_ref().map(Column::field_type) != *t);
            if fresh {
                buf.columns.clear();
                buf.columns.extend(types.iter().map(|t| t.map(Column::new)));
            } else {
                buf.columns.iter_mut().flatten().for_each(Column::clear);
            }
            rows.append_walk(
                &mut walk,
                MERGE_BATCH_ROWS,
                &mut buf.series,
                &mut buf.timestamps,
                &mut buf.columns,
                &snap.memtable_fields,
            );
            // A complete snapshot's batches may hold unselected rows (`emit` drops them); kept
            // batches are owned, so the buffers move into them.
            let flow = if snap.complete {
                let b = MergedBatch {
                    series: std::mem::take(&mut buf.series),
                    timestamps: std::mem::take(&mut buf.timestamps),
                    columns: std::mem::take(&mut buf.columns),
                };
                let flow = emit(&b, top, self.dense, sink, buf);
                match kept.as_deref_mut() {
                    Some(kept) => kept.push(b),
                    // Not kept: the buffers go back for the next batch.
                    None => {
                        (buf.series, buf.timestamps, buf.columns) =
                            (b.series, b.timestamps, b.columns)
                    }
                }
                flow
            } else {
                sink.consume(&ScanBatch {
                    series: &buf.series,
                    timestamps: &buf.timestamps,
                    columns: &buf.columns,
                })
            };
            if flow.is_break() {
                return flow;
            }
        }
        ControlFlow::Continue(())
    }
}

/// Feeds kept merged batches to `sink` (see [`emit`]).
fn replay(
    rows: &[MergedBatch],
    top: u32,
    selected: &DenseIds,
    sink: &mut dyn ScanSink,
    buf: &mut ScanBuf,
) -> ControlFlow<()> {
    for b in rows {
        let flow = emit(b, top, selected, sink, buf);
        if flow.is_break() {
            return flow;
        }
    }
    ControlFlow::Continue(())
}

/// Feeds the rows of `b` of selected series to `sink`: all of them when no series id exceeds
/// `top` (the selection's largest; a complete selection holds every present series up to it),
/// else a filtered copy in `buf`.
fn emit(
    b: &MergedBatch,
    top: u32,
    selected: &DenseIds,
    sink: &mut dyn ScanSink,
    buf: &mut ScanBuf,
) -> ControlFlow<()> {
    if b.series.iter().all(|&s| s <= top) {
        return sink.consume(&ScanBatch {
            series: &b.series,
            timestamps: &b.timestamps,
            columns: &b.columns,
        });
    }
    let keep: Vec<usize> = (0..b.series.len())
        .filter(|&i| selected.contains(b.series[i]))
        .collect();
    buf.series.clear();
    buf.series.extend(keep.iter().map(|&i| b.series[i]));
    buf.timestamps.clear();
    buf.timestamps.extend(keep.iter().map(|&i| b.timestamps[i]));
    buf.columns.clear();
    buf.columns.extend(b.columns.iter().map(|c| {
        c.as_ref().map(|c| {
            let mut out = Column::new(c.field_type());
            for &i in &keep {
                match c.get(i) {
                    Some(v) => {
                        out.push(&v);
                    }
                    None => out.push_absent(),
                }
            }
            out
        })
    }));
    sink.consume(&ScanBatch {
        series: &buf.series,
        timestamps: &buf.timestamps,
        columns: &buf.columns,
    })
}

fn cache_key(shard: u64, req: &ScanRequest) -> Key<'_> {
    Key {
        shard,
        measurement: &req.measurement,
        min: req.min_time,
        max: req.max_time,
        fields: &req.fields,
        series: &req.series,
    }
}

/// Builds [`SeriesGroups`] from `(id, tags)` pairs (tags sorted by key).
pub fn groups_from_tags(
    keys: &[String],
    series: impl IntoIterator<Item = (u32, Vec<(String, String)>)>,
) -> SeriesGroups {
    let mut combos: BTreeMap<Vec<String>, Vec<u32>> = BTreeMap::new();
    let mut all = RoaringBitmap::new();
    for (id, tags) in series {
        let values: Vec<String> = keys
            .iter()
            .map(|k| {
                tags.iter()
                    .find(|(tk, _)| tk == k)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            })
            .collect();
        combos.entry(values).or_default().push(id);
        all.insert(id);
    }
    let mut group_of = vec![SeriesGroups::NONE; all.max().map_or(0, |m| m as usize + 1)];
    let mut groups = Vec::with_capacity(combos.len());
    for (g, (values, ids)) in combos.into_iter().enumerate() {
        for id in ids {
            group_of[id as usize] = g as u32;
        }
        groups.push(values);
    }
    SeriesGroups {
        keys: keys.to_vec(),
        groups,
        group_of: GroupTable::Dense(group_of),
        series: all,
    }
}

#[cfg(test)]
#[path = "tests_scan.rs"]
mod tests;
