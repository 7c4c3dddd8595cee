//! Scan sinks: [`AggSink`] maps each row to its slot once per batch and feeds every accumulator a
//! column loop; [`RawSink`] keeps the rows of raw queries. One sink per scan worker, merged after.

use std::ops::ControlFlow;
use std::sync::atomic::{AtomicU64, Ordering};

use tsdb::{ScanBatch, ScanSink, SeriesGroups};

use super::accum::{Accumulator, SKIP};
use super::filter::{Cond, RowRef, cell, eval_cond};
use super::plan::AggSpec;
use super::window::Window;
use crate::exec::error::ExecError;
use crate::exec::executor::ExecContext;
use crate::response::Value;

/// What every sink of one scan shares.
pub(super) struct Shared<'a> {
    pub groups: &'a SeriesGroups,
    /// Fine group (a [`SeriesGroups`] group) → output group, [`SKIP`] when cut by SLIMIT/SOFFSET.
    pub out_of: &'a [u32],
    /// Fine group → the values of the plan's tag keys (what the condition and tag columns read).
    pub tags_of: &'a [Vec<String>],
    pub window: Window,
    pub min_time: i64,
    pub max_time: i64,
    pub cond: Option<&'a Cond>,
    pub ctx: &'a ExecContext,
    pub points: &'a AtomicU64,
}

impl Shared<'_> {
    /// Interruption and the point limit, once per batch.
    pub(super) fn check(&self, rows: usize) -> Result<(), ExecError> {
        self.ctx.interrupt.check()?;
        let seen = self.points.fetch_add(rows as u64, Ordering::Relaxed) + rows as u64;
        self.ctx.limits.check_points(seen)
    }

    /// The output group of row `i`, or [`SKIP`] when the row is filtered out. A batch without
    /// timestamps lies inside the time range (the scan contract).
    #[inline]
    fn row_group(&self, batch: &ScanBatch<'_>, i: usize) -> (u32, u32) {
        let (out, g) = self.series_group(batch.series[i]);
        if out == SKIP {
            return (SKIP, g);
        }
        if let Some(&t) = batch.timestamps.get(i) {
            if t < self.min_time || t > self.max_time {
                return (SKIP, g);
            }
        }
        if let Some(c) = self.cond {
            let row = RowRef {
                columns: batch.columns,
                row: i,
                tags: self.tags_of.get(g as usize).map_or(&[], Vec::as_slice),
            };
            if !eval_cond(c, &row) {
                return (SKIP, g);
            }
        }
        (out, g)
    }

    /// The output group and fine group of a series (before the time range and the condition).
    #[inline]
    pub(super) fn series_group(&self, series: u32) -> (u32, u32) {
        let Some(g) = self.groups.group(series) else {
            return (SKIP, SKIP);
        };
        (self.out_of.get(g as usize).copied().unwrap_or(SKIP), g)
    }
}

pub(super) struct AggSink<'a> {
    pub shared: &'a Shared<'a>,
    pub specs: Vec<&'a AggSpec>,
    pub accs: Vec<Accumulator>,
    slots: Vec<u32>,
    pub error: Option<ExecError>,
}

impl<'a> AggSink<'a> {
    pub fn new(
        shared: &'a Shared<'a>,
        specs: Vec<&'a AggSpec>,
        slots: usize,
    ) -> Result<Self, ExecError> {
        let accs = specs
            .iter()
            .map(|s| Accumulator::new(s, slots))
            .collect::<Result<_, _>>()?;
        Ok(AggSink {
            shared,
            specs,
            accs,
            slots: Vec::new(),
            error: None,
        })
    }

    fn run(&mut self, batch: &ScanBatch<'_>) -> Result<(), ExecError> {
        let n = batch.series.len();
        let timed = batch.timestamps.len() == n;
        let sh = self.shared;
        if !timed && (!batch.timestamps.is_empty() || sh.window.len != 1) {
            return Err(ExecError::Engine(tsdb::EngineError::Storage(
                "a scan batch without timestamps reached a bucketed aggregate".into(),
            )));
        }
        sh.check(n)?;
        let w = &sh.window;
        self.slots.clear();
        if !timed && sh.cond.is_none() {
            // One bucket, no row filter: a series run maps to one slot.
            for (i, j) in series_runs(batch.series) {
                let out = sh.row_group(batch, i).0;
                self.slots.extend(std::iter::repeat_n(out, j - i));
            }
            return self.feed(batch);
        }
        if timed && sh.cond.is_none() {
            // The group is looked up once per run of one series, and a row inside the previous
            // row's bucket reuses it (no division): rows come in series runs (segments) or in
            // arrival order, nearly in time order (live memtable rows).
            // The bucket of the previous row: [lo, hi) is bucket b.
            let (mut lo, mut hi, mut b) = (i64::MAX, i64::MIN, 0usize);
            for (i, j) in series_runs(batch.series) {
                let out = sh.series_group(batch.series[i]).0;
                if out == SKIP {
                    self.slots.extend(std::iter::repeat_n(SKIP, j - i));
                    continue;
                }
                let base = out as usize * w.len;
                for &t in &batch.timestamps[i..j] {
                    let slot = if t < sh.min_time || t > sh.max_time {
                        SKIP
                    } else if lo <= t && t < hi {
                        (base + b) as u32
                    } else {
                        match w.index(t) {
                            Some(k) => {
                                (lo, hi, b) = (w.bucket_start(k), w.bucket_start(k + 1), k);
                                (base + k) as u32
                            }
                            None => SKIP,
                        }
                    };
                    self.slots.push(slot);
                }
            }
            return self.feed(batch);
        }
        // Rows come in runs of one series: look the group up once per run.
        let mut last: Option<(u32, u32)> = None;
        for i in 0..n {
            let out = if timed || sh.cond.is_some() {
                sh.row_group(batch, i).0
            } else {
                let id = batch.series[i];
                match last {
                    Some((l, o)) if l == id => o,
                    _ => {
                        let o = sh.row_group(batch, i).0;
                        last = Some((id, o));
                        o
                    }
                }
            };
            let slot = if out == SKIP {
                SKIP
            } else if !timed {
                out
            } else {
                match w.index(batch.timestamps[i]) {
                    Some(b) => (out as usize * w.len + b) as u32,
                    None => SKIP,
                }
            };
            self.slots.push(slot);
        }
        self.feed(batch)
    }

    /// Every accumulator over the batch, with `self.slots` filled.
    fn feed(&mut self, batch: &ScanBatch<'_>) -> Result<(), ExecError> {
        for (spec, acc) in self.specs.iter().zip(&mut self.accs) {
            if let Some(Some(col)) = batch.columns.get(spec.scan) {
                acc.add(col, &self.slots, batch.timestamps, batch.series)?;
            }
        }
        Ok(())
    }
}

/// The `[i, j)` row ranges of `series` holding one series each (consecutive equal ids).
fn series_runs(series: &[u32]) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut i = 0;
    std::iter::from_fn(move || {
        let id = *series.get(i)?;
        let start = i;
        i += series[i..].iter().take_while(|&&s| s == id).count();
        Some((start, i))
    })
}

impl ScanSink for AggSink<'_> {
    fn consume(&mut self, batch: &ScanBatch<'_>) -> ControlFlow<()> {
        if self.error.is_some() {
            return ControlFlow::Break(());
        }
        match self.run(batch) {
            Ok(()) => ControlFlow::Continue(()),
            Err(e) => {
                self.error = Some(e);
                ControlFlow::Break(())
            }
        }
    }
}

/// One row of a raw query.
pub(super) struct RawRow {
    pub group: u32,
    pub fine: u32,
    pub series: u32,
    pub time: i64,
    /// One value per scanned field.
    pub cells: Vec<Value>,
}

pub(super) struct RawSink<'a> {
    shared: &'a Shared<'a>,
    /// Scan columns whose presence makes a row (the selected fields, not condition-only ones).
    selected: &'a [usize],
    pub rows: Vec<RawRow>,
    pub error: Option<ExecError>,
}

impl<'a> RawSink<'a> {
    pub fn new(shared: &'a Shared<'a>, selected: &'a [usize]) -> Self {
        RawSink {
            shared,
            selected,
            rows: Vec::new(),
            error: None,
        }
    }
}

impl ScanSink for RawSink<'_> {
    fn consume(&mut self, batch: &ScanBatch<'_>) -> ControlFlow<()> {
        let n = batch.timestamps.len().min(batch.series.len());
        if let Err(e) = self.shared.check(n) {
            self.error = Some(e);
            return ControlFlow::Break(());
        }
        for i in 0..n {
            let any = self.selected.iter().any(|&c| {
                batch
                    .columns
                    .get(c)
                    .and_then(Option::as_ref)
                    .is_some_and(|col| cell(col, i) != super::filter::Cell::Null)
            });
            if !any {
                continue;
            }
            let (out, fine) = self.shared.row_group(batch, i);
            if out == SKIP {
                continue;
            }
            self.rows.push(RawRow {
                group: out,
                fine,
                series: batch.series[i],
                time: batch.timestamps[i],
                cells: batch
                    .columns
                    .iter()
                    .map(|c| c.as_ref().map_or(Value::Null, |c| cell(c, i).to_value()))
                    .collect(),
            });
        }
        ControlFlow::Continue(())
    }
}

/// The earliest row time (GROUP BY time without a lower bound starts at its bucket).
#[derive(Default)]
pub(super) struct MinTimeSink {
    pub min: Option<i64>,
}

impl ScanSink for MinTimeSink {
    fn consume(&mut self, batch: &ScanBatch<'_>) -> ControlFlow<()> {
        if let Some(&t) = batch.timestamps.iter().min() {
            self.min = Some(self.min.map_or(t, |m| m.min(t)));
        }
        ControlFlow::Continue(())
    }
}

/// The rows of chosen points, keyed by (series, time): the fields beside a selector
/// (`SELECT max(v), code`) are read from the row the selector picked.
pub(super) struct PickSink<'a> {
    pub wanted: &'a std::collections::HashSet<(u32, i64)>,
    pub found: std::collections::HashMap<(u32, i64), Vec<Value>>,
}

impl ScanSink for PickSink<'_> {
    fn consume(&mut self, batch: &ScanBatch<'_>) -> ControlFlow<()> {
        let n = batch.timestamps.len().min(batch.series.len());
        for i in 0..n {
            let key = (batch.series[i], batch.timestamps[i]);
            if !self.wanted.contains(&key) {
                continue;
            }
            let cells: Vec<Value> = batch
                .columns
                .iter()
                .map(|c| c.as_ref().map_or(Value::Null, |c| cell(c, i).to_value()))
                .collect();
            // Several points at one (series, time) cannot exist; keep the first non-null cells.
            match self.found.get_mut(&key) {
                Some(prev) => {
                    for (p, c) in prev.iter_mut().zip(cells) {
                        if *p == Value::Null {
                            *p = c;
                        }
                    }
                }
                None => {
                    self.found.insert(key, cells);
                }
            }
        }
        ControlFlow::Continue(())
    }
}
