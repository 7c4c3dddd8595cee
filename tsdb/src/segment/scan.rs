//! Row-group scans for the query engine: a row group's chunks come decoded from the engine's
//! [`ChunkCache`] (or are decoded and offered to it), only for the requested fields and only when a
//! row is selected; the selected rows are copied into per-thread reused buffers. The selection is
//! tested per series run against a dense bit set, or — when it names far fewer series than the
//! group has runs — looked up id by id (binary search over the runs); time bounds are checked per
//! run only when the row group's zone map straddles them.

use std::ops::Range;
use std::sync::Arc;

use roaring::RoaringBitmap;

use super::SegmentError;
use super::cache::{ChunkCache, DecodedChunk};
use super::chunk::{decode_field_chunk_into, decode_series_chunk_into};
use super::reader::Segment;
use crate::encoding::decode_timestamps;
use crate::model::{BitVec, Column, ColumnValues, Timestamp};

/// A set of series ids as a dense bit set: membership is one shift and mask.
#[derive(Clone, Debug, Default)]
pub struct DenseIds {
    words: Vec<u64>,
}

impl DenseIds {
    pub fn from_bitmap(ids: &RoaringBitmap) -> Self {
        let len = ids.max().map_or(0, |m| m as usize / 64 + 1);
        let mut words = vec![0u64; len];
        for id in ids {
            words[id as usize / 64] |= 1u64 << (id % 64);
        }
        DenseIds { words }
    }

    #[inline]
    pub fn contains(&self, id: u32) -> bool {
        self.words
            .get(id as usize / 64)
            .is_some_and(|w| w >> (id % 64) & 1 == 1)
    }

    /// Removes every id of `ids`.
    pub fn remove_all(&mut self, ids: &RoaringBitmap) {
        for id in ids {
            if let Some(w) = self.words.get_mut(id as usize / 64) {
                *w &= !(1u64 << (id % 64));
            }
        }
    }
}

/// What to take from a row group.
pub struct GroupFilter<'a> {
    pub series: &'a DenseIds,
    pub min_time: Timestamp,
    pub max_time: Timestamp,
    /// `fields[i]`: the segment field feeding output column `i` (`None`: the segment lacks it).
    pub fields: &'a [Option<usize>],
    /// Rows to drop (tombstones), when any may apply.
    pub hide: Option<&'a dyn Fn(u32, Timestamp) -> bool>,
    /// Decoded chunks to reuse and keep (`None`: decode privately).
    pub cache: Option<&'a ChunkCache>,
    /// The selection as a bitmap (a superset of `series` is fine: candidates are checked against
    /// `series`); lets a sparse selection skip the runs it does not name.
    pub candidates: Option<&'a RoaringBitmap>,
    /// Whether the caller reads timestamps; when not, a group wholly inside the time range with no
    /// `hide` is copied without decoding its time column (`ScanBuf::timestamps` stays empty).
    pub times: bool,
}

/// Walk the selection instead of the runs when it has fewer than 1/SPARSE_FACTOR of their count
/// (a binary search costs about that many run checks).
const SPARSE_FACTOR: u64 = 16;

/// One thread's decode buffers, reused across row groups; after
/// [`Segment::scan_row_group`] the public vectors hold the selected rows.
#[derive(Debug, Default)]
pub struct ScanBuf {
    pub series: Vec<u32>,
    pub timestamps: Vec<Timestamp>,
    pub columns: Vec<Option<Column>>,
    ranges: Vec<(Range<usize>, u32)>,
}

impl ScanBuf {
    pub fn clear(&mut self) {
        self.series.clear();
        self.timestamps.clear();
        for c in self.columns.iter_mut().flatten() {
            clear_column(c);
        }
    }
}

fn clear_column(c: &mut Column) {
    c.present = BitVec::new();
    match &mut c.values {
        ColumnValues::Float(v) => v.clear(),
        ColumnValues::Integer(v) => v.clear(),
        ColumnValues::Unsigned(v) => v.clear(),
        ColumnValues::String(v) => v.clear(),
        ColumnValues::Boolean(v) => v.clear(),
        ColumnValues::Sketch(v) => v.clear(),
    }
}

impl Segment {
    /// Per series of the directory: `(ids, min_time, max_time)`, ids ascending.
    pub fn series_directory(&self) -> (&[u32], &[Timestamp], &[Timestamp]) {
        let d = &self.index().series;
        (&d.ids, &d.min_time, &d.max_time)
    }

    /// Row groups whose zone maps overlap `[min_time, max_time]` and the id range of `series`.
    pub fn row_groups_for(
        &self,
        series: &RoaringBitmap,
        min_time: Timestamp,
        max_time: Timestamp,
    ) -> Vec<usize> {
        self.index()
            .row_groups
            .iter()
            .enumerate()
            .filter(|(_, m)| {
                m.max_time >= min_time
                    && m.min_time <= max_time
                    && series.range_cardinality(m.min_series..=m.max_series) > 0
            })
            .map(|(g, _)| g)
            .collect()
    }

    /// Copies the rows of row group `g` that `filter` selects into `buf` (its previous content is
    /// replaced); returns the number of rows. Chunks come decoded from `filter.cache` or are
    /// decoded (and offered to it); fields are decoded only when a row is selected.
    pub fn scan_row_group(
        &self,
        g: usize,
        filter: &GroupFilter<'_>,
        buf: &mut ScanBuf,
    ) -> Result<usize, SegmentError> {
        buf.series.clear();
        buf.timestamps.clear();
        let meta = self.group(g)?;
        let rows = meta.rows as usize;
        let (min, max) = (filter.min_time, filter.max_time);
        if meta.max_time < min || meta.min_time > max {
            return Ok(0);
        }
        let series = self.decoded(filter.cache, g, 0, || {
            let (mut ids, mut runs) = (Vec::new(), Vec::new());
            decode_series_chunk_into(self.chunk(g, 0)?, rows, &mut ids, &mut runs)
                .map_err(|e| self.decode_err(g, 0, e))?;
            Ok(DecodedChunk::series(ids, runs))
        })?;
        let DecodedChunk::Series { ids, runs, starts } = &*series else {
            return Err(self.corrupt(format!(
                "row group {g}: cached chunk 0 is not a series chunk"
            )));
        };
        if ids.first() != Some(&meta.min_series) || ids.last() != Some(&meta.max_series) {
            return Err(self.corrupt(format!(
                "row group {g}: series ids disagree with the zone map"
            )));
        }
        // Selected runs (cheap: no time decoded yet when no run is selected). A selection much
        // smaller than the group's runs is walked id by id (binary search), else the runs are.
        buf.ranges.clear();
        let sparse = filter.candidates.filter(|b| {
            b.range_cardinality(meta.min_series..=meta.max_series)
                .saturating_mul(SPARSE_FACTOR)
                < ids.len() as u64
        });
        if let Some(b) = sparse {
            for id in b.range(meta.min_series..=meta.max_series) {
                if let Ok(k) = ids.binary_search(&id) {
                    if filter.series.contains(id) {
                        let start = starts[k] as usize;
                        buf.ranges.push((start..start + runs[k] as usize, id));
                    }
                }
            }
        } else {
            for ((&id, &run), &start) in ids.iter().zip(runs).zip(starts) {
                if filter.series.contains(id) {
                    let start = start as usize;
                    buf.ranges.push((start..start + run as usize, id));
                }
            }
        }
        if buf.ranges.is_empty() {
            return Ok(0);
        }
        let inside = meta.min_time >= min && meta.max_time <= max;
        if !filter.times && inside && filter.hide.is_none() {
            let mut selected = 0;
            for (r, id) in &buf.ranges {
                buf.series.extend(std::iter::repeat_n(*id, r.len()));
                selected += r.len();
            }
            self.copy_fields(g, rows, filter, buf, selected)?;
            return Ok(selected);
        }
        let time = self.decoded(filter.cache, g, 1, || {
            let mut ts = Vec::new();
            decode_timestamps(self.chunk(g, 1)?, runs, rows, &mut ts)
                .map_err(|e| self.decode_err(g, 1, e))?;
            Ok(DecodedChunk::Time(ts))
        })?;
        let DecodedChunk::Time(ts) = &*time else {
            return Err(self.corrupt(format!("row group {g}: cached chunk 1 is not a time chunk")));
        };
        if ts.len() != rows {
            return Err(self.corrupt(format!(
                "row group {g}: {} timestamps for {rows} rows",
                ts.len()
            )));
        }
        if !inside {
            for (r, _) in buf.ranges.iter_mut() {
                let s = &ts[r.clone()];
                let lo = s.partition_point(|&t| t < min);
                let hi = s.partition_point(|&t| t <= max).max(lo);
                *r = r.start + lo..r.start + hi;
            }
            buf.ranges.retain(|(r, _)| !r.is_empty());
        }
        if let Some(hide) = filter.hide {
            let mut split = Vec::with_capacity(buf.ranges.len());
            for (r, id) in buf.ranges.drain(..) {
                let mut from = r.start;
                for i in r.clone() {
                    if hide(id, ts[i]) {
                        if from < i {
                            split.push((from..i, id));
                        }
                        from = i + 1;
                    }
                }
                if from < r.end {
                    split.push((from..r.end, id));
                }
            }
            buf.ranges = split;
        }
        let selected: usize = buf.ranges.iter().map(|(r, _)| r.len()).sum();
        if selected == 0 {
            return Ok(0);
        }
        for (r, id) in &buf.ranges {
            buf.series.extend(std::iter::repeat_n(*id, r.len()));
            buf.timestamps.extend_from_slice(&ts[r.clone()]);
        }
        self.copy_fields(g, rows, filter, buf, selected)?;
        Ok(selected)
    }

    /// Copies the selected rows (`buf.ranges`, `selected` in all) of every requested field.
    fn copy_fields(
        &self,
        g: usize,
        rows: usize,
        filter: &GroupFilter<'_>,
        buf: &mut ScanBuf,
        selected: usize,
    ) -> Result<(), SegmentError> {
        buf.columns.resize_with(filter.fields.len(), || None);
        for (slot, &f) in buf.columns.iter_mut().zip(filter.fields) {
            let Some(f) = f else {
                *slot = None;
                continue;
            };
            let ty = self
                .fields()
                .get(f)
                .map(|x| x.1)
                .ok_or_else(|| self.corrupt(format!("no field {f}")))?;
            let field = self.decoded(filter.cache, g, 2 + f, || {
                let mut col = Column::new(ty);
                decode_field_chunk_into(self.chunk(g, 2 + f)?, rows, &mut col)
                    .map_err(|e| self.decode_err(g, 2 + f, e))?;
                Ok(DecodedChunk::Field(col))
            })?;
            let DecodedChunk::Field(src) = &*field else {
                return Err(self.corrupt(format!(
                    "row group {g}: cached chunk {} is not a field chunk",
                    2 + f
                )));
            };
            if src.field_type() != ty || src.len() != rows || src.present.len() != rows {
                return Err(self.corrupt(format!(
                    "row group {g}: field chunk {} decoded to the wrong type or length",
                    2 + f
                )));
            }
            let col = match slot {
                Some(c) if c.field_type() == ty => c,
                _ => slot.insert(Column::new(ty)),
            };
            copy_ranges(src, col, &buf.ranges, selected);
        }
        Ok(())
    }

    /// Chunk `c` of row group `g`, from `cache` when given (and kept there), else decoded now.
    fn decoded(
        &self,
        cache: Option<&ChunkCache>,
        g: usize,
        c: usize,
        decode: impl FnOnce() -> Result<DecodedChunk, SegmentError>,
    ) -> Result<Arc<DecodedChunk>, SegmentError> {
        match cache {
            Some(cache) => cache.get_or_decode((self.uid(), g as u32, c as u32), decode),
            None => decode().map(Arc::new),
        }
    }
}

/// Replaces `dst` with the rows of `src` in `ranges` (ascending, disjoint, `n` rows in all).
fn copy_ranges(src: &Column, dst: &mut Column, ranges: &[(Range<usize>, u32)], n: usize) {
    dst.present = if src.present.all() {
        BitVec::with_len(n, true)
    } else {
        let mut p = BitVec::new();
        for (r, _) in ranges {
            for i in r.clone() {
                p.push(src.present.get(i));
            }
        }
        p
    };
    fn copy<T: Clone>(src: &[T], dst: &mut Vec<T>, ranges: &[(Range<usize>, u32)]) {
        dst.clear();
        for (r, _) in ranges {
            dst.extend_from_slice(&src[r.clone()]);
        }
    }
    match (&src.values, &mut dst.values) {
        (ColumnValues::Float(s), ColumnValues::Float(d)) => copy(s, d, ranges),
        (ColumnValues::Integer(s), ColumnValues::Integer(d)) => copy(s, d, ranges),
        (ColumnValues::Unsigned(s), ColumnValues::Unsigned(d)) => copy(s, d, ranges),
        (ColumnValues::Boolean(s), ColumnValues::Boolean(d)) => copy(s, d, ranges),
        (ColumnValues::String(s), ColumnValues::String(d)) => copy(s, d, ranges),
        (ColumnValues::Sketch(s), ColumnValues::Sketch(d)) => {
            d.clear();
            for (r, _) in ranges {
                d.extend_rows(s, r.clone());
            }
        }
        // Types were checked equal by the caller.
        _ => {}
    }
}
