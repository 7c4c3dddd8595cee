use std::collections::HashMap;
use std::sync::Arc;

use crate::model::{BitVec, Column, ColumnValues, FieldType, FieldValue, SeriesId, Timestamp};
use crate::segment::SeriesRows;
use crate::sketch::Sketch;

/// Values of one column; strings are dictionary coded.
#[derive(Clone, Debug)]
pub enum MemValues {
    Float(Vec<f64>),
    Integer(Vec<i64>),
    Unsigned(Vec<u64>),
    Str {
        codes: Vec<u32>,
        dict: Vec<Box<str>>,
        lookup: HashMap<Box<str>, u32>,
    },
    Boolean(Vec<bool>),
    /// Absent rows hold [`Sketch::empty_shared`].
    Sketch(Vec<Arc<Sketch>>),
}

#[derive(Clone, Debug)]
pub struct MemColumn {
    pub values: MemValues,
    pub present: BitVec,
}

impl MemColumn {
    fn new(ty: FieldType, rows: usize) -> Self {
        let values = match ty {
            FieldType::Float => MemValues::Float(vec![0.0; rows]),
            FieldType::Integer => MemValues::Integer(vec![0; rows]),
            FieldType::Unsigned => MemValues::Unsigned(vec![0; rows]),
            FieldType::String => MemValues::Str {
                codes: vec![0; rows],
                dict: vec!["".into()],
                lookup: HashMap::new(),
            },
            FieldType::Boolean => MemValues::Boolean(vec![false; rows]),
            FieldType::Sketch => MemValues::Sketch(vec![Sketch::empty_shared(); rows]),
        };
        MemColumn {
            values,
            present: BitVec::with_len(rows, false),
        }
    }

    pub fn field_type(&self) -> FieldType {
        match &self.values {
            MemValues::Float(_) => FieldType::Float,
            MemValues::Integer(_) => FieldType::Integer,
            MemValues::Unsigned(_) => FieldType::Unsigned,
            MemValues::Str { .. } => FieldType::String,
            MemValues::Boolean(_) => FieldType::Boolean,
            MemValues::Sketch(_) => FieldType::Sketch,
        }
    }

    fn push_absent(&mut self) {
        match &mut self.values {
            MemValues::Float(v) => v.push(0.0),
            MemValues::Integer(v) => v.push(0),
            MemValues::Unsigned(v) => v.push(0),
            MemValues::Str { codes, .. } => codes.push(0),
            MemValues::Boolean(v) => v.push(false),
            MemValues::Sketch(v) => v.push(Sketch::empty_shared()),
        }
        self.present.push(false);
    }

    /// Sets row `row` to `value`; returns the bytes newly retained, or `None` on a type mismatch.
    fn set(&mut self, row: usize, value: &FieldValue<'_>) -> Option<usize> {
        let mut added = 0;
        match (&mut self.values, value) {
            (MemValues::Float(v), FieldValue::Float(x)) => v[row] = *x,
            (MemValues::Integer(v), FieldValue::Integer(x)) => v[row] = *x,
            (MemValues::Unsigned(v), FieldValue::Unsigned(x)) => v[row] = *x,
            (MemValues::Boolean(v), FieldValue::Boolean(x)) => v[row] = *x,
            (MemValues::Sketch(v), FieldValue::Sketch(x)) => {
                added += x.heap_bytes() + 16;
                v[row] = x.clone();
            }
            (
                MemValues::Str {
                    codes,
                    dict,
                    lookup,
                },
                FieldValue::String(s),
            ) => {
                let code = match lookup.get(s.as_ref()) {
                    Some(&c) => c,
                    None if s.is_empty() => 0,
                    None => {
                        let c = dict.len() as u32;
                        let b: Box<str> = s.as_ref().into();
                        added += 2 * b.len() + 48;
                        dict.push(b.clone());
                        lookup.insert(b, c);
                        c
                    }
                };
                codes[row] = code;
            }
            _ => return None,
        }
        self.present.set(row, true);
        Some(added)
    }

    /// Copies row `src_row` of `src` into row `row` of `self` (types must match; else ignored).
    fn copy_from(&mut self, row: usize, src: &MemColumn, src_row: usize) {
        if !src.present.get(src_row) {
            return;
        }
        match (&mut self.values, &src.values) {
            (MemValues::Float(d), MemValues::Float(s)) => d[row] = s[src_row],
            (MemValues::Integer(d), MemValues::Integer(s)) => d[row] = s[src_row],
            (MemValues::Unsigned(d), MemValues::Unsigned(s)) => d[row] = s[src_row],
            (MemValues::Boolean(d), MemValues::Boolean(s)) => d[row] = s[src_row],
            (MemValues::Sketch(d), MemValues::Sketch(s)) => d[row] = s[src_row].clone(),
            (MemValues::Str { .. }, MemValues::Str { codes, dict, .. }) => {
                let v =
                    FieldValue::String(std::borrow::Cow::Borrowed(&dict[codes[src_row] as usize]));
                let _ = self.set(row, &v);
                return;
            }
            _ => return,
        }
        self.present.set(row, true);
    }

    /// The value at `row` if present.
    pub fn get(&self, row: usize) -> Option<FieldValue<'_>> {
        if !self.present.get(row) {
            return None;
        }
        Some(match &self.values {
            MemValues::Float(v) => FieldValue::Float(v[row]),
            MemValues::Integer(v) => FieldValue::Integer(v[row]),
            MemValues::Unsigned(v) => FieldValue::Unsigned(v[row]),
            MemValues::Boolean(v) => FieldValue::Boolean(v[row]),
            MemValues::Sketch(v) => FieldValue::Sketch(v[row].clone()),
            MemValues::Str { codes, dict, .. } => {
                FieldValue::String(std::borrow::Cow::Borrowed(&dict[codes[row] as usize]))
            }
        })
    }
}

/// Rows of one measurement in arrival order (see the module invariants).
#[derive(Clone, Debug, Default)]
pub struct RowSet {
    pub series: Vec<u32>,
    pub timestamps: Vec<Timestamp>,
    fields: Vec<(String, FieldType)>,
    field_index: HashMap<String, usize>,
    columns: Vec<MemColumn>,
    bytes: usize,
}

impl RowSet {
    pub fn new() -> Self {
        Self::default()
    }

    /// A row set whose columns are exactly `fields` (in that order); used by reads and compaction.
    pub fn with_fields(fields: &[(String, FieldType)]) -> Self {
        let mut rs = RowSet::new();
        for (name, ty) in fields {
            rs.column_for(name, *ty);
        }
        rs
    }

    pub fn len(&self) -> usize {
        self.series.len()
    }

    pub fn is_empty(&self) -> bool {
        self.series.is_empty()
    }

    /// Estimated retained bytes.
    pub fn estimated_bytes(&self) -> usize {
        self.bytes
    }

    pub fn fields(&self) -> &[(String, FieldType)] {
        &self.fields
    }

    pub fn column(&self, i: usize) -> &MemColumn {
        &self.columns[i]
    }

    pub fn field_position(&self, name: &str) -> Option<usize> {
        self.field_index.get(name).copied()
    }

    /// Of `fields` (a segment's), the indices of those this set has a column for and those
    /// columns: what a segment scan reads and the `map` that [`RowSet::push_columns`] takes.
    pub fn field_map(&self, fields: &[(String, FieldType)]) -> (Vec<usize>, Vec<Option<usize>>) {
        fields
            .iter()
            .enumerate()
            .filter_map(|(i, (name, _))| Some((i, Some(self.field_position(name)?))))
            .unzip()
    }

    /// Index of the column named `name`, creating it (back-filled absent) when new. If a column of
    /// that name exists with another type, returns it anyway: callers validate types first.
    pub fn column_for(&mut self, name: &str, ty: FieldType) -> usize {
        if let Some(&i) = self.field_index.get(name) {
            return i;
        }
        let i = self.columns.len();
        self.columns.push(MemColumn::new(ty, self.series.len()));
        self.fields.push((name.to_string(), ty));
        self.field_index.insert(name.to_string(), i);
        self.bytes += self.series.len() * 9 + name.len() + 64;
        i
    }

    /// Reserves room for `additional` more rows in every column (a copy of known size grows
    /// once instead of doubling through fresh pages).
    pub fn reserve(&mut self, additional: usize) {
        self.series.reserve(additional);
        self.timestamps.reserve(additional);
        for c in &mut self.columns {
            match &mut c.values {
                MemValues::Float(v) => v.reserve(additional),
                MemValues::Integer(v) => v.reserve(additional),
                MemValues::Unsigned(v) => v.reserve(additional),
                MemValues::Str { codes, .. } => codes.reserve(additional),
                MemValues::Boolean(v) => v.reserve(additional),
                MemValues::Sketch(v) => v.reserve(additional),
            }
            c.present.reserve(additional);
        }
    }

    /// Appends a row with every field absent; returns its index.
    pub fn push_row(&mut self, series: SeriesId, t: Timestamp) -> usize {
        let row = self.series.len();
        self.series.push(series.0);
        self.timestamps.push(t);
        for c in &mut self.columns {
            c.push_absent();
        }
        self.bytes += 12 + 9 * self.columns.len();
        row
    }

    /// Sets a field of row `row` (creating the column); returns false on a type mismatch.
    pub fn set(&mut self, row: usize, name: &str, value: &FieldValue<'_>) -> bool {
        let c = self.column_for(name, value.field_type());
        self.set_at(row, c, value)
    }

    /// Sets column `col` of row `row`; returns false on a type mismatch.
    pub fn set_at(&mut self, row: usize, col: usize, value: &FieldValue<'_>) -> bool {
        match self.columns[col].set(row, value) {
            Some(added) => {
                self.bytes += added;
                true
            }
            None => false,
        }
    }

    /// Appends row `row` of `src` as a new row, copying the fields mapped by `map`
    /// (`map[i]` = column of `self` receiving `src` column i, or `None` to skip).
    pub fn push_copy(&mut self, src: &RowSet, row: usize, map: &[Option<usize>]) {
        let dst = self.push_row(SeriesId(src.series[row]), src.timestamps[row]);
        for (i, m) in map.iter().enumerate() {
            if let Some(c) = *m {
                self.columns[c].copy_from(dst, &src.columns[i], row);
            }
        }
    }

    /// [`RowSet::push_copy`] of each of `rows` of `src`, column by column (typed gathers for the
    /// numeric and boolean columns).
    pub fn push_rows(&mut self, src: &RowSet, rows: &[u32], map: &[Option<usize>]) {
        let series = rows.iter().map(|&r| src.series[r as usize]);
        let times = rows.iter().map(|&r| src.timestamps[r as usize]);
        self.push_gathered(series, times, map, |dst, c, i, start| {
            let sc = &src.columns[i];
            let col = &mut dst.columns[c];
            let typed = match &sc.values {
                MemValues::Float(v) => Some(Slice::Float(v)),
                MemValues::Integer(v) => Some(Slice::Integer(v)),
                MemValues::Unsigned(v) => Some(Slice::Unsigned(v)),
                MemValues::Boolean(v) => Some(Slice::Boolean(v)),
                _ => None,
            };
            if !gather_into(col, typed, &sc.present, rows) {
                for (j, &r) in rows.iter().enumerate() {
                    col.push_absent();
                    col.copy_from(start + j, sc, r as usize);
                }
            }
        });
    }

    /// Appends one row per item of `series` and `times` (of equal length), then fills each column
    /// `c = map[i]` with `fill(self, c, i, first_new_row)` — which must push one value or absence
    /// per new row — and the columns no source maps to with absences.
    fn push_gathered(
        &mut self,
        series: impl ExactSizeIterator<Item = u32>,
        times: impl Iterator<Item = Timestamp>,
        map: &[Option<usize>],
        mut fill: impl FnMut(&mut RowSet, usize, usize, usize),
    ) {
        let (start, k) = (self.len(), series.len());
        self.reserve(k);
        self.series.extend(series);
        self.timestamps.extend(times);
        self.bytes += k * (12 + 9 * self.columns.len());
        let mut filled = vec![false; self.columns.len()];
        for (i, m) in map.iter().enumerate() {
            let Some(c) = *m else { continue };
            if !std::mem::replace(&mut filled[c], true) {
                fill(self, c, i, start);
            }
        }
        for (c, done) in filled.into_iter().enumerate() {
            if !done {
                for _ in 0..k {
                    self.columns[c].push_absent();
                }
            }
        }
    }

    /// A copy without the rows for which `drop(series, time)` holds (same columns).
    pub fn without(&self, drop: impl Fn(u32, Timestamp) -> bool) -> RowSet {
        let mut out = RowSet::with_fields(&self.fields);
        let map: Vec<Option<usize>> = (0..self.fields.len()).map(Some).collect();
        for r in 0..self.len() {
            if !drop(self.series[r], self.timestamps[r]) {
                out.push_copy(self, r, &map);
            }
        }
        out
    }

    /// [`RowSet::push_columns`] of the rows for which `keep(series, time)` holds.
    pub fn push_columns_where(
        &mut self,
        series: &[SeriesId],
        timestamps: &[Timestamp],
        columns: &[Column],
        map: &[Option<usize>],
        keep: &dyn Fn(u32, Timestamp) -> bool,
    ) {
        let rows: Vec<u32> = (0..timestamps.len() as u32)
            .filter(|&r| keep(series[r as usize].0, timestamps[r as usize]))
            .collect();
        self.push_column_rows(series, timestamps, columns, map, &rows);
    }

    /// Appends the rows of one decoded series/batch whose columns map to `map`.
    pub fn push_columns(
        &mut self,
        series: &[SeriesId],
        timestamps: &[Timestamp],
        columns: &[Column],
        map: &[Option<usize>],
    ) {
        let rows: Vec<u32> = (0..timestamps.len() as u32).collect();
        self.push_column_rows(series, timestamps, columns, map, &rows);
    }

    /// Appends `rows` of a decoded batch, column by column: `columns[i]` goes to this set's
    /// column `map[i]` (numeric and boolean columns by typed gathers, others value by value; a
    /// value of another type than its column is left absent, as [`RowSet::set_at`] refuses it).
    fn push_column_rows(
        &mut self,
        series: &[SeriesId],
        timestamps: &[Timestamp],
        columns: &[Column],
        map: &[Option<usize>],
        rows: &[u32],
    ) {
        let ids = rows.iter().map(|&r| series[r as usize].0);
        let times = rows.iter().map(|&r| timestamps[r as usize]);
        self.push_gathered(ids, times, map, |dst, c, i, start| {
            let Some(src) = columns.get(i) else {
                (0..rows.len()).for_each(|_| dst.columns[c].push_absent());
                return;
            };
            let typed = match &src.values {
                ColumnValues::Float(v) => Some(Slice::Float(v)),
                ColumnValues::Integer(v) => Some(Slice::Integer(v)),
                ColumnValues::Unsigned(v) => Some(Slice::Unsigned(v)),
                ColumnValues::Boolean(v) => Some(Slice::Boolean(v)),
                _ => None,
            };
            if !gather_into(&mut dst.columns[c], typed, &src.present, rows) {
                for (j, &r) in rows.iter().enumerate() {
                    dst.columns[c].push_absent();
                    if let Some(v) = src.get(r as usize) {
                        let _ = dst.set_at(start + j, c, &v);
                    }
                }
            }
        });
    }

    /// `(series, time, row)` of every row with `min <= time <= max`, sorted: the order
    /// [`RowSet::append_merged`] walks (arrival order breaks ties, so the newest duplicate is
    /// last). Rows outside the range are left out before sorting — a narrow read (a continuous
    /// query's 10-second window) sorts its rows, not the whole memtable — and duplicates of one
    /// (series, time) share their time, so they are all in or all out. The keys carry series and
    /// time so the merge walks them sequentially instead of gathering them row by row.
    ///
    /// Rows arrive mostly in time order per series, so when the series ids are dense enough the
    /// keys are bucketed by series with a counting sort (stable: arrival order within a series)
    /// and only the series whose rows are out of time order are sorted (stably, by time) — linear
    /// instead of a comparison sort of every row.
    pub fn sorted_keys_within(&self, min: Timestamp, max: Timestamp) -> Vec<(u32, Timestamp, u32)> {
        sort_keys(self.keys_within(min, max))
    }

    /// `(series, time, row)` of the rows in `[min, max]`, in arrival order.
    fn keys_within(&self, min: Timestamp, max: Timestamp) -> Vec<(u32, Timestamp, u32)> {
        (0..self.series.len())
            .filter(|&i| (min..=max).contains(&self.timestamps[i]))
            .map(|i| (self.series[i], self.timestamps[i], i as u32))
            .collect()
    }

    /// The walk of a merged scan of `[min, max]` ([`RowSet::append_walk`]). A row whose time is
    /// above every earlier in-range row of its series (in arrival order) is *streamed*: in arrival
    /// order, straight from the columns — no key vector, no sort. The other rows (late or
    /// duplicate arrivals) and the streamed rows sharing a (series, time) with one of them are
    /// *sorted* by (series, time, arrival) and merged (the newest write wins per field), in
    /// batches after the stream. Both parts hold each (series, time) once and no key is in both,
    /// and a batch never mixes them, so every batch keeps each series in time order (contract of
    /// a scan). Live data arrives nearly in time order, so this is one sequential pass plus a sort
    /// of the few late rows — where [`RowSet::sorted_keys_within`] builds and orders a key per
    /// row. With series ids too sparse for per-id state, every row goes the sorted way.
    pub fn merge_walk(&self, min: Timestamp, max: Timestamp) -> MergeWalk {
        self.merge_walk_except(min, max, Vec::new())
    }

    /// [`RowSet::merge_walk`] without the rows of the series `s` with `except[s]` (ids past its
    /// end are walked).
    pub fn merge_walk_except(
        &self,
        min: Timestamp,
        max: Timestamp,
        except: Vec<bool>,
    ) -> MergeWalk {
        let mut walk = MergeWalk {
            min,
            max,
            except,
            last: Vec::new(),
            next: 0,
            moved: Vec::new(),
            moved_pos: 0,
            sorted: Vec::new(),
            pos: 0,
            rows: Vec::new(),
        };
        let Some(top) = self.series.iter().max().map(|&s| s as usize) else {
            return walk;
        };
        if top > 4 * self.len() + 4096 {
            walk.next = self.len();
            let mut keys = self.keys_within(min, max);
            keys.retain(|k| !walk.excepts(k.0));
            walk.sorted = sort_keys(keys);
            return walk;
        }
        // i64::MIN is below every valid time: a series' first row always streams.
        walk.last = vec![i64::MIN; top + 1];
        // `f(row, streamed)` for each in-range row not excepted, in arrival order; `walk.last`
        // reset after.
        let except = std::mem::take(&mut walk.except);
        let classify = |last: &mut [Timestamp], f: &mut dyn FnMut(u32, bool)| {
            for i in 0..self.len() {
                let (s, t) = (self.series[i], self.timestamps[i]);
                if (min..=max).contains(&t) && !except.get(s as usize).is_some_and(|&x| x) {
                    f(i as u32, streams(&mut last[s as usize], t));
                }
            }
            last.iter_mut().for_each(|t| *t = i64::MIN);
        };
        let key = |i: u32| (self.series[i as usize], self.timestamps[i as usize], i);
        let mut late = Vec::new();
        classify(&mut walk.last, &mut |i, streamed| {
            if !streamed {
                late.push(key(i));
            }
        });
        if !late.is_empty() {
            // Streamed rows that duplicate a late row's (series, time) join the sorted part. Such
            // duplicates are rare: a filter rules nearly every streamed row out with one cache
            // line, the rest are looked up in the sorted late keys.
            let late = sort_keys(late);
            let filter = KeyFilter::new(&late);
            let mut moved = Vec::new();
            classify(&mut walk.last, &mut |i, streamed| {
                let (s, t, _) = key(i);
                if streamed && filter.may_contain(s, t) {
                    let at = late.partition_point(|k| (k.0, k.1) < (s, t));
                    if late.get(at).is_some_and(|k| (k.0, k.1) == (s, t)) {
                        moved.push(i);
                    }
                }
            });
            let moved_keys = sort_keys(moved.iter().map(|&i| key(i)).collect());
            walk.moved = moved;
            walk.sorted = merge_sorted(late, moved_keys);
        }
        walk.except = except;
        walk
    }

    /// Appends the next rows of `walk` ([`RowSet::merge_walk`]) to flat outputs until `limit`
    /// rows were appended or the current part (stream, then sorted) ends; `columns[i]` receives
    /// this set's column `map[i]` (left alone when either is `None`).
    pub fn append_walk(
        &self,
        walk: &mut MergeWalk,
        limit: usize,
        series: &mut Vec<u32>,
        timestamps: &mut Vec<Timestamp>,
        columns: &mut [Option<Column>],
        map: &[Option<usize>],
    ) {
        let n = self.len();
        if walk.next >= n {
            let sorted = std::mem::take(&mut walk.sorted);
            self.append_merged(
                &sorted,
                &mut walk.pos,
                limit,
                series,
                timestamps,
                columns,
                map,
            );
            walk.sorted = sorted;
            return;
        }
        // The stream: the same classification as `merge_walk` (running maximum per series).
        walk.rows.clear();
        while walk.next < n && walk.rows.len() < limit {
            let r = walk.next;
            walk.next += 1;
            let (s, t) = (self.series[r], self.timestamps[r]);
            if t < walk.min || t > walk.max || walk.excepts(s) {
                continue;
            }
            if !streams(&mut walk.last[s as usize], t) {
                continue;
            }
            if walk.moved.get(walk.moved_pos) == Some(&(r as u32)) {
                walk.moved_pos += 1;
                continue;
            }
            walk.rows.push(r as u32);
        }
        series.extend(walk.rows.iter().map(|&r| self.series[r as usize]));
        timestamps.extend(walk.rows.iter().map(|&r| self.timestamps[r as usize]));
        for (out, m) in columns.iter_mut().zip(map) {
            let (Some(out), Some(c)) = (out.as_mut(), *m) else {
                continue;
            };
            let col = &self.columns[c];
            let (p, sp, rows) = (&mut out.present, &col.present, &walk.rows);
            match (&mut out.values, &col.values) {
                (ColumnValues::Float(d), MemValues::Float(v)) => gather(d, p, v, sp, rows),
                (ColumnValues::Integer(d), MemValues::Integer(v)) => gather(d, p, v, sp, rows),
                (ColumnValues::Unsigned(d), MemValues::Unsigned(v)) => gather(d, p, v, sp, rows),
                (ColumnValues::Boolean(d), MemValues::Boolean(v)) => gather(d, p, v, sp, rows),
                _ => {
                    for &r in &walk.rows {
                        match col.get(r as usize) {
                            Some(v) if out.push(&v) => {}
                            _ => out.push_absent(),
                        }
                    }
                }
            }
        }
    }

    /// Appends merged rows (duplicates of one (series, time) merged, the later row winning per
    /// field) to flat outputs, walking `order` (sorted keys, as from
    /// [`RowSet::sorted_keys_within`]) from `*pos` until at least `limit` rows were appended or
    /// the end; `columns[i]` receives this set's column `map[i]` (left alone when either is
    /// `None`). Advances `*pos`.
    pub fn append_merged(
        &self,
        order: &[(u32, Timestamp, u32)],
        pos: &mut usize,
        limit: usize,
        series: &mut Vec<u32>,
        timestamps: &mut Vec<Timestamp>,
        columns: &mut [Option<Column>],
        map: &[Option<usize>],
    ) {
        // Pass 1: the output rows, each a span of `order` holding one (series, time).
        let n = order.len();
        let mut i = *pos;
        let mut spans: Vec<(usize, usize)> = Vec::with_capacity(limit.min(n - i.min(n)));
        while i < n && spans.len() < limit {
            let (s, t, _) = order[i];
            let mut j = i + 1;
            while j < n && order[j].0 == s && order[j].1 == t {
                j += 1;
            }
            series.push(s);
            timestamps.push(t);
            spans.push((i, j));
            i = j;
        }
        *pos = i;
        // Pass 2, column by column: the newest present value of each span (typed loops for the
        // numeric and boolean columns; strings go through `FieldValue`).
        for (out, m) in columns.iter_mut().zip(map) {
            let (Some(out), Some(c)) = (out.as_mut(), *m) else {
                continue;
            };
            let col = &self.columns[c];
            let winner = |(a, b): (usize, usize)| -> Option<usize> {
                if b == a + 1 {
                    Some(order[a].2 as usize).filter(|&r| col.present.get(r))
                } else {
                    order[a..b]
                        .iter()
                        .rev()
                        .map(|k| k.2 as usize)
                        .find(|&r| col.present.get(r))
                }
            };
            macro_rules! typed {
                ($dst:expr, $src:expr, $zero:expr) => {
                    for &span in &spans {
                        match winner(span) {
                            Some(r) => {
                                $dst.push($src[r]);
                                out.present.push(true);
                            }
                            None => {
                                $dst.push($zero);
                                out.present.push(false);
                            }
                        }
                    }
                };
            }
            match (&mut out.values, &col.values) {
                (ColumnValues::Float(d), MemValues::Float(v)) => typed!(d, v, 0.0),
                (ColumnValues::Integer(d), MemValues::Integer(v)) => typed!(d, v, 0),
                (ColumnValues::Unsigned(d), MemValues::Unsigned(v)) => typed!(d, v, 0),
                (ColumnValues::Boolean(d), MemValues::Boolean(v)) => typed!(d, v, false),
                _ => {
                    for &span in &spans {
                        match winner(span).and_then(|r| col.get(r)) {
                            Some(v) => {
                                if !out.push(&v) {
                                    out.push_absent();
                                }
                            }
                            None => out.push_absent(),
                        }
                    }
                }
            }
        }
    }

    /// Sorts by (series, time), merges duplicates (later rows win per field) and returns the rows
    /// of each series with columns in this set's field order.
    pub fn sorted_series(&self) -> Vec<SeriesRows> {
        let n = self.series.len();
        let mut perm: Vec<u32> = (0..n as u32).collect();
        perm.sort_unstable_by_key(|&i| (self.series[i as usize], self.timestamps[i as usize], i));
        let mut out: Vec<SeriesRows> = Vec::new();
        let mut i = 0;
        while i < n {
            let s = self.series[perm[i] as usize];
            let mut rows = SeriesRows {
                series: SeriesId(s),
                timestamps: Vec::new(),
                columns: self.fields.iter().map(|(_, ty)| Column::new(*ty)).collect(),
            };
            while i < n && self.series[perm[i] as usize] == s {
                let t = self.timestamps[perm[i] as usize];
                let mut j = i;
                while j < n
                    && self.series[perm[j] as usize] == s
                    && self.timestamps[perm[j] as usize] == t
                {
                    j += 1;
                }
                rows.timestamps.push(t);
                for (c, col) in self.columns.iter().enumerate() {
                    // The last present value among the duplicates wins (perm is in arrival order).
                    let winner = perm[i..j]
                        .iter()
                        .rev()
                        .map(|&r| r as usize)
                        .find(|&r| col.present.get(r));
                    match winner.and_then(|r| col.get(r)) {
                        Some(v) => {
                            rows.columns[c].push(&v);
                        }
                        None => rows.columns[c].push_absent(),
                    }
                }
                i = j;
            }
            out.push(rows);
        }
        out
    }
}

/// The stream rule of [`RowSet::merge_walk`]: a row streams when its time is above `last` (its
/// series' last streamed time), which it then becomes.
#[inline]
fn streams(last: &mut Timestamp, t: Timestamp) -> bool {
    let up = t > *last;
    if up {
        *last = t;
    }
    up
}

/// Appends `src[r]` and its presence bit for each of `rows` (a typed column gather).
fn gather<T: Copy>(
    dst: &mut Vec<T>,
    present: &mut BitVec,
    src: &[T],
    src_present: &BitVec,
    rows: &[u32],
) {
    dst.extend(rows.iter().map(|&r| src[r as usize]));
    for &r in rows {
        present.push(src_present.get(r as usize));
    }
}

/// The union of two ascending key lists, ascending.
fn merge_sorted(
    a: Vec<(u32, Timestamp, u32)>,
    b: Vec<(u32, Timestamp, u32)>,
) -> Vec<(u32, Timestamp, u32)> {
    if b.is_empty() {
        return a;
    }
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if a[i] <= b[j] {
            out.push(a[i]);
            i += 1;
        } else {
            out.push(b[j]);
            j += 1;
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

/// A set of (series, time) keys that may answer "maybe" for a key it lacks (about 1 in 70 at
/// 16 bits per key) but never "no" for one it holds: two bits of one 64-bit word per key.
struct KeyFilter {
    words: Vec<u64>,
}

impl KeyFilter {
    fn new(keys: &[(u32, Timestamp, u32)]) -> KeyFilter {
        let n = (keys.len() / 4 + 1).next_power_of_two();
        let mut f = KeyFilter { words: vec![0; n] };
        for &(s, t, _) in keys {
            let (w, bits) = f.slot(s, t);
            f.words[w] |= bits;
        }
        f
    }

    #[inline]
    fn slot(&self, s: u32, t: Timestamp) -> (usize, u64) {
        let h = (t as u64 ^ u64::from(s).rotate_left(29))
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .rotate_left(23)
            .wrapping_mul(0xD6E8_FEB8_6659_FD93);
        let w = (h >> 32) as usize & (self.words.len() - 1);
        (w, 1u64 << (h & 63) | 1u64 << ((h >> 6) & 63))
    }

    #[inline]
    fn may_contain(&self, s: u32, t: Timestamp) -> bool {
        let (w, bits) = self.slot(s, t);
        self.words[w] & bits == bits
    }
}

/// The values of a numeric or boolean column, borrowed (what typed gathers copy from).
enum Slice<'a> {
    Float(&'a [f64]),
    Integer(&'a [i64]),
    Unsigned(&'a [u64]),
    Boolean(&'a [bool]),
}

/// Appends `src[r]` and its presence bit for each of `rows` to `col` when both are of one numeric
/// or boolean type; false (nothing appended) otherwise.
fn gather_into(
    col: &mut MemColumn,
    src: Option<Slice<'_>>,
    present: &BitVec,
    rows: &[u32],
) -> bool {
    let p = &mut col.present;
    match (&mut col.values, src) {
        (MemValues::Float(d), Some(Slice::Float(s))) => gather(d, p, s, present, rows),
        (MemValues::Integer(d), Some(Slice::Integer(s))) => gather(d, p, s, present, rows),
        (MemValues::Unsigned(d), Some(Slice::Unsigned(s))) => gather(d, p, s, present, rows),
        (MemValues::Boolean(d), Some(Slice::Boolean(s))) => gather(d, p, s, present, rows),
        _ => return false,
    }
    true
}

/// A merged scan of a [`RowSet`] in progress ([`RowSet::merge_walk`]).
#[derive(Debug)]
pub struct MergeWalk {
    min: Timestamp,
    max: Timestamp,
    /// Series whose rows are not walked (`except[id]`; ids past the end are walked).
    except: Vec<bool>,
    /// Per series id: the time of its last streamed row (empty: every row is sorted).
    last: Vec<Timestamp>,
    /// The next row of the arrival-order stream.
    next: usize,
    /// Rows the stream passes over because they duplicate a late row (ascending).
    moved: Vec<u32>,
    moved_pos: usize,
    /// The sorted `(series, time, row)` keys of the late rows and `moved`, walked after the
    /// stream.
    sorted: Vec<(u32, Timestamp, u32)>,
    pos: usize,
    /// Scratch: the rows of the current streamed batch.
    rows: Vec<u32>,
}

impl MergeWalk {
    #[inline]
    fn excepts(&self, series: u32) -> bool {
        self.except.get(series as usize).is_some_and(|&x| x)
    }

    /// Whether every row was appended.
    pub fn is_done(&self, rows: &RowSet) -> bool {
        self.next >= rows.len() && self.pos >= self.sorted.len()
    }
}

/// Sorts `(series, time, row)` keys (any input order): by series with a counting sort when the
/// ids are dense enough, then by (time, row) only where a series' run is not already in that
/// order (keys in arrival order usually are); a comparison sort of every key otherwise.
fn sort_keys(mut keys: Vec<(u32, Timestamp, u32)>) -> Vec<(u32, Timestamp, u32)> {
    let Some(top) = keys.iter().map(|k| k.0 as usize).max() else {
        return keys;
    };
    if top > 4 * keys.len() + 4096 {
        keys.sort_unstable();
        return keys;
    }
    let mut start = vec![0u32; top + 2];
    for k in &keys {
        start[k.0 as usize + 1] += 1;
    }
    for s in 1..start.len() {
        start[s] += start[s - 1];
    }
    let mut out = vec![(0u32, 0 as Timestamp, 0u32); keys.len()];
    let mut next = start.clone();
    for k in &keys {
        let at = &mut next[k.0 as usize];
        out[*at as usize] = *k;
        *at += 1;
    }
    for w in start.windows(2) {
        let run = &mut out[w[0] as usize..w[1] as usize];
        if run.windows(2).any(|p| (p[0].1, p[0].2) > (p[1].1, p[1].2)) {
            run.sort_unstable_by_key(|k| (k.1, k.2));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    #[test]
    fn sorted_keys_match_a_plain_sort() {
        // Dense and sparse series ids, out-of-order and duplicate times, a time window.
        for (ids, spread) in [(50u32, 1_000i64), (5, 3), (1_000_000, 100)] {
            let mut rs = RowSet::new();
            let mut x: u64 = 7;
            for _ in 0..5_000 {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let s = ((x >> 33) % u64::from(ids)) as u32;
                let t = ((x >> 13) % spread as u64) as i64;
                rs.push_row(SeriesId(s), t);
            }
            for (min, max) in [(Timestamp::MIN, Timestamp::MAX), (spread / 4, spread / 2)] {
                let mut want: Vec<(u32, Timestamp, u32)> = (0..rs.len())
                    .filter(|&i| (min..=max).contains(&rs.timestamps[i]))
                    .map(|i| (rs.series[i], rs.timestamps[i], i as u32))
                    .collect();
                want.sort_unstable();
                assert_eq!(rs.sorted_keys_within(min, max), want, "{ids} {spread}");
            }
        }
    }

    #[test]
    fn merge_walk_streams_ascending_series_and_sorts_the_rest() {
        // Mostly ascending per series (live data), some series out of order or duplicated.
        for (ids, jitter) in [(50u32, 0u64), (50, 3), (5, 40), (1_000_000, 2)] {
            let mut rs = RowSet::new();
            let mut x: u64 = 11;
            for i in 0..5_000i64 {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let s = ((x >> 33) % u64::from(ids)) as u32;
                let back = if jitter > 0 && (x >> 7) % 97 == 0 {
                    ((x >> 17) % jitter) as i64 * 10
                } else {
                    0
                };
                let r = rs.push_row(SeriesId(s), i * 10 - back);
                rs.set(r, "v", &FieldValue::Integer(i));
            }
            // Without exceptions, and without the series ≡ 0 (mod 3) among the first 40 ids
            // (ids past the table's end are walked).
            let except: Vec<bool> = (0..40).map(|s| s % 3 == 0).collect();
            let excepted = |s: u32| except.get(s as usize).is_some_and(|&x| x);
            for (min, max, exc) in [
                (Timestamp::MIN, Timestamp::MAX, false),
                (10_000, 30_000, false),
                (Timestamp::MIN, Timestamp::MAX, true),
                (10_000, 30_000, true),
            ] {
                let mut sorted = rs.sorted_keys_within(min, max);
                if exc {
                    sorted.retain(|k| !excepted(k.0));
                }
                // Merged output, walked in batches of 7: every (series, time) once with the
                // newest write's value, and within each batch every series strictly ascending
                // (the scan contract; nothing is promised across batches).
                let (mut series, mut ts) = (Vec::new(), Vec::new());
                let mut cols = vec![Some(Column::new(FieldType::Integer))];
                let mut walk = if exc {
                    rs.merge_walk_except(min, max, except.clone())
                } else {
                    rs.merge_walk(min, max)
                };
                let mut bounds = vec![0];
                while !walk.is_done(&rs) {
                    rs.append_walk(&mut walk, 7, &mut series, &mut ts, &mut cols, &[Some(0)]);
                    assert!(series.len() - bounds.last().unwrap() <= 7);
                    bounds.push(series.len());
                    assert!(
                        bounds.len() <= 2 * sorted.len() + 3,
                        "the walk does not advance"
                    );
                }
                let mut newest: HashMap<(u32, Timestamp), i64> = HashMap::new();
                for &(s, t, i) in &sorted {
                    newest.insert((s, t), i as i64);
                }
                let col = cols[0].as_ref().unwrap();
                let mut seen = std::collections::HashSet::new();
                for (k, (&s, &t)) in series.iter().zip(&ts).enumerate() {
                    assert!(seen.insert((s, t)), "({s}, {t}) delivered twice");
                    assert_eq!(col.get(k), Some(FieldValue::Integer(newest[&(s, t)])));
                }
                assert_eq!(seen.len(), newest.len());
                for w in bounds.windows(2) {
                    let mut last: HashMap<u32, Timestamp> = HashMap::new();
                    for k in w[0]..w[1] {
                        if let Some(&p) = last.get(&series[k]) {
                            assert!(p < ts[k], "series {} not ascending in a batch", series[k]);
                        }
                        last.insert(series[k], ts[k]);
                    }
                }
            }
        }
    }

    /// Same keys, values and size estimate, column by column.
    fn assert_same_rows(a: &RowSet, b: &RowSet) {
        assert_eq!(
            (a.len(), &a.series, &a.timestamps, a.fields()),
            (b.len(), &b.series, &b.timestamps, b.fields())
        );
        for c in 0..a.fields().len() {
            for r in 0..a.len() {
                assert_eq!(a.column(c).get(r), b.column(c).get(r), "column {c} row {r}");
            }
        }
        assert_eq!(a.estimated_bytes(), b.estimated_bytes());
    }

    #[test]
    fn push_rows_equals_push_copy_row_by_row() {
        let mut src = RowSet::new();
        for i in 0..300i64 {
            let r = src.push_row(SeriesId((i % 7) as u32), i);
            if i % 3 != 0 {
                src.set(r, "f", &FieldValue::Float(i as f64 / 4.0));
            }
            if i % 5 != 0 {
                src.set(
                    r,
                    "s",
                    &FieldValue::String(Cow::Owned(format!("v{}", i % 4))),
                );
            }
            if i % 2 == 0 {
                src.set(r, "b", &FieldValue::Boolean(i % 4 == 0));
            }
        }
        // The destination has its own column order, a column the source lacks ("x"), and the
        // source's "b" is left unmapped.
        let fields = [
            ("s".to_string(), FieldType::String),
            ("x".to_string(), FieldType::Integer),
            ("f".to_string(), FieldType::Float),
            ("b".to_string(), FieldType::Boolean),
        ];
        let map: Vec<Option<usize>> = src
            .fields()
            .iter()
            .map(|(n, _)| Some(fields.iter().position(|f| &f.0 == n).unwrap()).filter(|&c| c != 3))
            .collect();
        let picked: Vec<u32> = (0..300).filter(|r| r % 4 != 1).collect();
        let (mut a, mut b) = (RowSet::with_fields(&fields), RowSet::with_fields(&fields));
        a.push_rows(&src, &picked, &map);
        for &r in &picked {
            b.push_copy(&src, r as usize, &map);
        }
        assert_same_rows(&a, &b);
    }

    #[test]
    fn push_columns_where_equals_setting_row_by_row() {
        // Decoded columns: float, integer, string, boolean, and an integer column whose
        // destination is a float column (a type conflict: its values stay absent).
        let types = [
            FieldType::Float,
            FieldType::Integer,
            FieldType::String,
            FieldType::Boolean,
            FieldType::Integer,
        ];
        let mut cols: Vec<Column> = types.iter().map(|&t| Column::new(t)).collect();
        let (mut series, mut times) = (Vec::new(), Vec::new());
        for i in 0..400i64 {
            series.push(SeriesId((i % 9) as u32));
            times.push(1_000 + i);
            let vals = [
                (i % 3 != 0).then(|| FieldValue::Float(i as f64 / 8.0)),
                (i % 4 != 0).then_some(FieldValue::Integer(-i)),
                (i % 5 != 0).then(|| FieldValue::String(Cow::Owned(format!("v{}", i % 6)))),
                (i % 2 == 0).then_some(FieldValue::Boolean(i % 7 == 0)),
                Some(FieldValue::Integer(i)),
            ];
            for (c, v) in cols.iter_mut().zip(vals) {
                match v {
                    Some(v) => assert!(c.push(&v)),
                    None => c.push_absent(),
                }
            }
        }
        let fields = [
            ("b".to_string(), FieldType::Boolean),
            ("f".to_string(), FieldType::Float),
            ("unset".to_string(), FieldType::Unsigned),
            ("i".to_string(), FieldType::Integer),
            ("s".to_string(), FieldType::String),
            ("conflict".to_string(), FieldType::Float),
        ];
        let map = [Some(1), Some(3), Some(4), Some(0), Some(5)];
        let keep = |s: u32, t: Timestamp| s != 4 && t % 11 != 0;
        let mut a = RowSet::with_fields(&fields);
        a.push_columns_where(&series, &times, &cols, &map, &keep);
        let mut b = RowSet::with_fields(&fields);
        for r in 0..times.len() {
            if !keep(series[r].0, times[r]) {
                continue;
            }
            let row = b.push_row(series[r], times[r]);
            for (i, m) in map.iter().enumerate() {
                if let (Some(c), Some(v)) = (*m, cols[i].get(r)) {
                    let _ = b.set_at(row, c, &v);
                }
            }
        }
        assert!(a.len() > 200);
        assert_same_rows(&a, &b);
        assert!((0..a.len()).all(|r| a.column(5).get(r).is_none()));
    }

    #[test]
    fn duplicates_merge_fields_newest_wins() {
        let mut rs = RowSet::new();
        let r = rs.push_row(SeriesId(1), 100);
        rs.set(r, "x", &FieldValue::Float(1.0));
        rs.set(r, "y", &FieldValue::Float(1.0));
        let r = rs.push_row(SeriesId(0), 50);
        rs.set(r, "s", &FieldValue::String(Cow::Borrowed("a")));
        let r = rs.push_row(SeriesId(1), 100);
        rs.set(r, "x", &FieldValue::Float(2.0));
        rs.set(r, "z", &FieldValue::Float(3.0));
        let out = rs.sorted_series();
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].series, SeriesId(0));
        assert_eq!(out[1].timestamps, vec![100]);
        let names: Vec<_> = rs.fields().iter().map(|f| f.0.as_str()).collect();
        assert_eq!(names, ["x", "y", "s", "z"]);
        assert_eq!(out[1].columns[0].get(0), Some(FieldValue::Float(2.0)));
        assert_eq!(out[1].columns[1].get(0), Some(FieldValue::Float(1.0)));
        assert_eq!(out[1].columns[2].get(0), None);
        assert_eq!(out[1].columns[3].get(0), Some(FieldValue::Float(3.0)));
        assert_eq!(
            out[0].columns[2].get(0),
            Some(FieldValue::String(Cow::Borrowed("a")))
        );
    }

    #[test]
    fn type_mismatch_is_refused() {
        let mut rs = RowSet::new();
        let r = rs.push_row(SeriesId(0), 1);
        assert!(rs.set(r, "v", &FieldValue::Float(1.0)));
        assert!(!rs.set(r, "v", &FieldValue::Integer(1)));
    }
}
