//! What a query scan takes from a shard: one consistent snapshot of a measurement's sources (the
//! live segments overlapping the time range, the matching memtable rows, the tombstones), taken
//! under one read lock so a concurrent flush, freeze or compaction can neither hide nor double rows.
//! Decoding happens after the lock is released (segments are cheap `Arc` clones).

use roaring::RoaringBitmap;

use super::shard::Shard;
use super::tombstone::Tombstone;
use crate::engine::Stamp;
use crate::memtable::{Memtable, RowSet};
use crate::model::{FieldType, Timestamp};
use crate::segment::{DenseIds, Segment};

/// A live segment of the snapshot, with its place in the newest-wins order.
#[derive(Clone, Debug)]
pub struct SnapshotSegment {
    pub seq: u64,
    pub segment: Segment,
}

/// The sources of one measurement of one shard, for one scan.
pub struct ScanSnapshot {
    /// Segments whose time range overlaps the scan's, oldest first.
    pub segments: Vec<SnapshotSegment>,
    /// Memtable rows (frozen memtables oldest first, then the active one) of the selected series in
    /// the time range, in arrival order; its columns are the requested fields the shard knows.
    pub memtable: RowSet,
    /// `memtable` column of requested field `i`, if any.
    pub memtable_fields: Vec<Option<usize>>,
    /// The field types of the requested fields in this shard (`None`: the shard lacks the field).
    pub field_types: Vec<Option<FieldType>>,
    /// Tombstones of the measurement.
    pub tombstones: Vec<Tombstone>,
    /// The shard's generation and the active memtable's row count of the measurement at the
    /// snapshot (what merged-row reuse records and checks, `engine/merge_cache.rs`).
    pub stamp: Stamp,
    /// Whether `reuse` was valid: `memtable` was then left empty — the caller's merged rows
    /// built from the stamped snapshot are exactly what it would hold.
    pub reused: bool,
    /// Whether the selection is complete — it holds every series of the measurement present in
    /// the shard with an id up to its largest (a query without a tag condition: only series
    /// created after its index lookup are missing). `memtable` then holds the in-range rows of
    /// every series, selected or not (so they can be kept for later scans); the caller drops the
    /// unselected ones.
    pub complete: bool,
}

impl Shard {
    /// Takes a [`ScanSnapshot`] of `measurement` for the series in `series`. With `reuse` (the
    /// stamp of an earlier snapshot of the same request whose merged rows the caller kept), the
    /// memtable rows are not copied when that snapshot is still exact: same generation, and no row
    /// appended since to the active memtable's rows of `measurement` lies in `[min, max]`.
    pub fn scan_snapshot(
        &self,
        measurement: &str,
        series: &DenseIds,
        min: Timestamp,
        max: Timestamp,
        fields: &[String],
        selection: &RoaringBitmap,
        reuse: Option<Stamp>,
    ) -> ScanSnapshot {
        let st = self.state.read();
        let complete = match (st.presence.get(measurement), selection.max()) {
            (Some(present), Some(top)) => {
                let mut below = present.clone();
                below.remove_range(top.saturating_add(1)..);
                below.is_subset(selection)
            }
            _ => false,
        };
        let active_rows = st.active.rows(measurement);
        let stamp = Stamp {
            generation: st.generation,
            active_len: active_rows.map_or(0, RowSet::len),
        };
        let reused = complete
            && reuse.is_some_and(|r| {
                r.generation == stamp.generation
                    && r.active_len <= stamp.active_len
                    && active_rows.is_none_or(|rows| {
                        rows.timestamps[r.active_len..]
                            .iter()
                            .all(|t| !(min..=max).contains(t))
                    })
            });
        let schema = st.schema.get(measurement);
        let field_types: Vec<Option<FieldType>> = fields
            .iter()
            .map(|f| schema.and_then(|s| s.get(f).copied()))
            .collect();
        let mut typed: Vec<(String, FieldType)> = Vec::new();
        let mut memtable_fields = Vec::with_capacity(fields.len());
        for (f, ty) in fields.iter().zip(&field_types) {
            memtable_fields.push(ty.map(|ty| match typed.iter().position(|(n, _)| n == f) {
                Some(p) => p,
                None => {
                    typed.push((f.clone(), ty));
                    typed.len() - 1
                }
            }));
        }
        let segments = st
            .segments
            .get(measurement)
            .map(|segs| {
                segs.iter()
                    .filter(|s| {
                        let m = s.segment.meta();
                        m.max_time >= min && m.min_time <= max
                    })
                    .map(|s| SnapshotSegment {
                        seq: s.seq,
                        segment: s.segment.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let mut memtable = RowSet::with_fields(&typed);
        if !reused {
            let filter = (!complete).then_some(series);
            for mem in &st.frozen {
                copy_selected(mem, measurement, filter, min, max, &mut memtable);
            }
            copy_selected(&st.active, measurement, filter, min, max, &mut memtable);
        }
        let tombstones = st
            .tombstones
            .iter()
            .filter(|t| t.measurement == measurement)
            .cloned()
            .collect();
        ScanSnapshot {
            segments,
            memtable,
            memtable_fields,
            field_types,
            tombstones,
            stamp,
            reused,
            complete,
        }
    }
}

fn copy_selected(
    mem: &Memtable,
    measurement: &str,
    series: Option<&DenseIds>,
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
    let picked: Vec<u32> = (0..rows.len())
        .filter(|&r| {
            (min..=max).contains(&rows.timestamps[r])
                && series.is_none_or(|s| s.contains(rows.series[r]))
        })
        .map(|r| r as u32)
        .collect();
    out.push_rows(rows, &picked, &map);
}

impl ScanSnapshot {
    /// Series whose rows in two sources (segments, the memtable) may share a timestamp: their
    /// per-series time ranges, clipped to `[min, max]`, intersect. Conservative (a series whose
    /// ranges only touch a gap of another source's range is included too). Empty when the sources'
    /// whole time ranges are disjoint.
    pub fn overlapping_series(
        &self,
        series: &DenseIds,
        min: Timestamp,
        max: Timestamp,
    ) -> RoaringBitmap {
        let mut ranges: Vec<(Timestamp, Timestamp)> = self
            .segments
            .iter()
            .map(|s| {
                let m = s.segment.meta();
                (m.min_time.max(min), m.max_time.min(max))
            })
            .collect();
        if let (Some(lo), Some(hi)) = (
            self.memtable.timestamps.iter().min(),
            self.memtable.timestamps.iter().max(),
        ) {
            ranges.push((*lo, *hi));
        }
        ranges.sort_unstable();
        if ranges.windows(2).all(|w| w[0].1 < w[1].0) {
            return RoaringBitmap::new();
        }
        // Per series: the envelope of the ranges seen so far (by id in a table when the ids
        // are dense enough, else in a hash map).
        let rows = self.memtable.series.len()
            + self
                .segments
                .iter()
                .map(|s| s.segment.series_directory().0.len())
                .sum::<usize>();
        let top = self
            .segments
            .iter()
            .filter_map(|s| s.segment.series_directory().0.iter().max())
            .chain(self.memtable.series.iter().max())
            .max()
            .map_or(0, |&id| id as usize + 1);
        let mut env = Envelopes::new(top, rows);
        let mut out = RoaringBitmap::new();
        let mut add = |id: u32, lo: Timestamp, hi: Timestamp, out: &mut RoaringBitmap| {
            let e = env.get(id);
            if e.0 <= hi && lo <= e.1 {
                out.insert(id);
            }
            e.0 = e.0.min(lo);
            e.1 = e.1.max(hi);
        };
        for s in &self.segments {
            let (ids, mins, maxs) = s.segment.series_directory();
            for ((&id, &lo), &hi) in ids.iter().zip(mins).zip(maxs) {
                let (lo, hi) = (lo.max(min), hi.min(max));
                if lo <= hi && series.contains(id) {
                    add(id, lo, hi, &mut out);
                }
            }
        }
        let mut mem = Envelopes::new(top, self.memtable.series.len());
        for (&id, &t) in self.memtable.series.iter().zip(&self.memtable.timestamps) {
            let e = mem.get(id);
            e.0 = e.0.min(t);
            e.1 = e.1.max(t);
        }
        mem.for_each(|id, lo, hi| add(id, lo, hi, &mut out));
        out
    }
}

/// Per series id, a time range `(lo, hi)` that starts empty (`lo > hi`).
enum Envelopes {
    /// Indexed by id (dense ids: no hashing per row).
    Dense(Vec<(Timestamp, Timestamp)>),
    Sparse(hashbrown::HashMap<u32, (Timestamp, Timestamp)>),
}

impl Envelopes {
    const EMPTY: (Timestamp, Timestamp) = (Timestamp::MAX, Timestamp::MIN);

    /// For ids below `top`, about `rows` updates.
    fn new(top: usize, rows: usize) -> Envelopes {
        if top <= 4 * rows + 4096 {
            Envelopes::Dense(vec![Self::EMPTY; top])
        } else {
            Envelopes::Sparse(hashbrown::HashMap::new())
        }
    }

    fn get(&mut self, id: u32) -> &mut (Timestamp, Timestamp) {
        match self {
            Envelopes::Dense(v) => &mut v[id as usize],
            Envelopes::Sparse(m) => m.entry(id).or_insert(Self::EMPTY),
        }
    }

    /// Each non-empty range, by ascending id when dense.
    fn for_each(&self, mut f: impl FnMut(u32, Timestamp, Timestamp)) {
        match self {
            Envelopes::Dense(v) => {
                for (id, &(lo, hi)) in v.iter().enumerate() {
                    if lo <= hi {
                        f(id as u32, lo, hi);
                    }
                }
            }
            Envelopes::Sparse(m) => m.iter().for_each(|(&id, &(lo, hi))| f(id, lo, hi)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Envelopes;

    #[test]
    fn dense_and_sparse_envelopes_agree() {
        // Ids below 50: a table; an id space of 2^20 for 100 updates: a hash map.
        let mut dense = Envelopes::new(50, 100);
        let mut sparse = Envelopes::new(1 << 20, 100);
        assert!(matches!(dense, Envelopes::Dense(_)));
        assert!(matches!(sparse, Envelopes::Sparse(_)));
        let mut x: u64 = 11;
        for _ in 0..500 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let id = ((x >> 40) % 50) as u32;
            let t = ((x >> 8) % 1000) as i64 - 500;
            for e in [&mut dense, &mut sparse] {
                let r = e.get(id);
                r.0 = r.0.min(t);
                r.1 = r.1.max(t);
            }
        }
        let all = |e: &Envelopes| {
            let mut v = Vec::new();
            e.for_each(|id, lo, hi| v.push((id, lo, hi)));
            v.sort_unstable();
            v
        };
        let want = all(&dense);
        assert!(want.len() > 40 && want.iter().all(|&(_, lo, hi)| lo <= hi));
        assert_eq!(all(&sparse), want);
    }
}
