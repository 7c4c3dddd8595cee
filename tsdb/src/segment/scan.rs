//! Row-group scans for the query engine: one row group decoded into reusable buffers, only for the
//! requested fields, with the series selection tested against a dense bit set (one bit test per
//! series run, not a bitmap search) and time bounds checked per run only when the row group's zone
//! map straddles them.

use std::ops::Range;

use roaring::RoaringBitmap;

use super::SegmentError;
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
}

/// One thread's decode buffers, reused across row groups; after
/// [`Segment::scan_row_group`] the public vectors hold the selected rows.
#[derive(Debug, Default)]
pub struct ScanBuf {
    pub series: Vec<u32>,
    pub timestamps: Vec<Timestamp>,
    pub columns: Vec<Option<Column>>,
    ids: Vec<u32>,
    runs: Vec<u32>,
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

    /// Decodes the rows of row group `g` that `filter` selects into `buf` (its previous content is
    /// replaced); returns the number of rows. Fields are decoded only when a row is selected.
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
        decode_series_chunk_into(self.chunk(g, 0)?, rows, &mut buf.ids, &mut buf.runs)
            .map_err(|e| self.decode_err(g, 0, e))?;
        if buf.ids.first() != Some(&meta.min_series) || buf.ids.last() != Some(&meta.max_series) {
            return Err(self.corrupt(format!(
                "row group {g}: series ids disagree with the zone map"
            )));
        }
        // Selected runs (cheap: no time decoded yet when no run is selected).
        buf.ranges.clear();
        let mut start = 0usize;
        for (&id, &run) in buf.ids.iter().zip(&buf.runs) {
            let end = start + run as usize;
            if filter.series.contains(id) {
                buf.ranges.push((start..end, id));
            }
            start = end;
        }
        if buf.ranges.is_empty() {
            return Ok(0);
        }
        decode_timestamps(self.chunk(g, 1)?, &buf.runs, rows, &mut buf.timestamps)
            .map_err(|e| self.decode_err(g, 1, e))?;
        let ts = &buf.timestamps;
        if meta.min_time < min || meta.max_time > max {
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
            buf.timestamps.clear();
            return Ok(0);
        }
        let whole = selected == rows;
        for (r, id) in &buf.ranges {
            buf.series.extend(std::iter::repeat_n(*id, r.len()));
        }
        if !whole {
            compact_copy(&mut buf.timestamps, &buf.ranges);
        }
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
            let col = match slot {
                Some(c) if c.field_type() == ty => c,
                _ => slot.insert(Column::new(ty)),
            };
            decode_field_chunk_into(self.chunk(g, 2 + f)?, rows, col)
                .map_err(|e| self.decode_err(g, 2 + f, e))?;
            if !whole {
                compact_column(col, &buf.ranges);
            }
        }
        Ok(selected)
    }
}

/// Moves the rows of `ranges` (ascending, disjoint) to the front of `v` and truncates it.
fn compact_copy<T: Copy>(v: &mut Vec<T>, ranges: &[(Range<usize>, u32)]) {
    let mut w = 0;
    for (r, _) in ranges {
        if r.start != w {
            v.copy_within(r.clone(), w);
        }
        w += r.len();
    }
    v.truncate(w);
}

fn compact_swap<T>(v: &mut Vec<T>, ranges: &[(Range<usize>, u32)]) {
    let mut w = 0;
    for (r, _) in ranges {
        for i in r.clone() {
            if i != w {
                v.swap(i, w);
            }
            w += 1;
        }
    }
    v.truncate(w);
}

fn compact_column(c: &mut Column, ranges: &[(Range<usize>, u32)]) {
    let n: usize = ranges.iter().map(|(r, _)| r.len()).sum();
    c.present = if c.present.all() {
        BitVec::with_len(n, true)
    } else {
        let mut p = BitVec::new();
        for (r, _) in ranges {
            for i in r.clone() {
                p.push(c.present.get(i));
            }
        }
        p
    };
    match &mut c.values {
        ColumnValues::Float(v) => compact_copy(v, ranges),
        ColumnValues::Integer(v) => compact_copy(v, ranges),
        ColumnValues::Unsigned(v) => compact_copy(v, ranges),
        ColumnValues::Boolean(v) => compact_copy(v, ranges),
        ColumnValues::String(v) => compact_swap(v, ranges),
    }
}
