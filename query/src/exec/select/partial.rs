//! Per-series partial aggregates, shared by the continuous queries of one scan.
//!
//! Continuous queries over one source usually differ only in their GROUP BY tags (one raw
//! measurement cut by dc, by host, by customer, …): each would fold every row of the window into
//! its own groups. When they share a scan (`cq/shared_scan.rs`), the rows are aggregated once per
//! (series, bucket) instead — the *partials* — and each query folds those into its groups
//! ([`Accumulator::merge_mapped`]): its work falls from one step per row to one per series and
//! bucket.
//!
//! Invariants:
//! 1. A query's result is the one its own scan gives: a partial is the query's own accumulator
//!    state over the rows of one series and bucket (the same window, time range and calls), and
//!    folding is [`Accumulator::merge`] (counts and sums add, selectors keep the same winner,
//!    sketches merge).
//! 2. Only vectorized calls without a row condition share partials; the partial slots
//!    (selected series × buckets) are bounded by [`MAX_PARTIAL_SLOTS`].
//! 3. The rows scanned count against each query's point limit when it folds.

use std::sync::atomic::{AtomicU64, Ordering};

use tsdb::engine::{GroupTable, ScanRequest};
use tsdb::{ScanSink, SeriesGroups};

use super::accum::{Accumulator, SKIP};
use super::plan::AggSpec;
use super::sink::{AggSink, Shared};
use super::window::Window;
use crate::exec::error::ExecError;
use crate::exec::executor::ExecContext;

/// Most partial slots (selected series × buckets) a shared pass allocates; larger windows
/// scan for each query alone.
pub const MAX_PARTIAL_SLOTS: u64 = 1 << 22;

/// What one query asks of a shared scan: partials of `specs` over `window` and the range.
#[derive(Debug)]
pub struct PartialAsk {
    pub(super) window: Window,
    pub(super) min_time: i64,
    pub(super) max_time: i64,
    pub(super) specs: Vec<AggSpec>,
}

impl PartialAsk {
    /// The ask of an aggregate over `series` selected series, if it can share partials.
    pub(super) fn new(
        window: &Window,
        min_time: i64,
        max_time: i64,
        specs: &[&AggSpec],
        has_cond: bool,
        series: u64,
    ) -> Option<PartialAsk> {
        let fits = series.saturating_mul(window.len as u64) <= MAX_PARTIAL_SLOTS;
        let vectorized = specs.iter().all(|s| Accumulator::mappable(s.fast));
        (fits && vectorized && !has_cond && !specs.is_empty()).then(|| PartialAsk {
            window: window.clone(),
            min_time,
            max_time,
            specs: specs.iter().map(|&s| s.clone()).collect(),
        })
    }

    /// Whether one pass serves both: the same buckets of the same range.
    pub fn same_buckets(&self, other: &PartialAsk) -> bool {
        self.window == other.window
            && self.min_time == other.min_time
            && self.max_time == other.max_time
    }
}

/// Whether two calls accumulate the same state.
fn same_call(a: &AggSpec, b: &AggSpec) -> bool {
    a.scan == b.scan && a.fast == b.fast && a.call == b.call
}

/// The partials of a shared scan: accumulators over slot `rank × buckets + bucket`, where `rank`
/// is the series' position among the selected series.
#[derive(Debug)]
pub struct Partials {
    /// Rank → series id.
    series: Vec<u32>,
    buckets: usize,
    specs: Vec<AggSpec>,
    accs: Vec<Accumulator>,
    /// Rows scanned.
    rows: u64,
}

/// One shared pass computing the partials asked by several queries.
pub struct PartialPass {
    groups: SeriesGroups,
    out_of: Vec<u32>,
    ctx: ExecContext,
    points: AtomicU64,
    window: Window,
    min_time: i64,
    max_time: i64,
    /// The distinct calls of the asks.
    specs: Vec<AggSpec>,
    series: Vec<u32>,
}

impl PartialPass {
    /// The pass for `asks` (all [`PartialAsk::same_buckets`]) over the series of `req`.
    pub fn new(asks: &[&PartialAsk], req: &ScanRequest) -> PartialPass {
        let first = asks.first().expect("a partial pass has asks");
        let mut specs: Vec<AggSpec> = Vec::new();
        for s in asks.iter().flat_map(|a| &a.specs) {
            if !specs.iter().any(|x| same_call(x, s)) {
                specs.push(s.clone());
            }
        }
        let series: Vec<u32> = req.series.iter().collect();
        let n = series.len() as u32;
        let top = series.last().map_or(0, |&id| id as usize + 1);
        // As the engine's group tables: dense unless the ids are sparse.
        let group_of = if top as u64 > u64::from(n) * 64 {
            GroupTable::Sparse {
                ids: series.clone(),
                groups: (0..n).collect(),
            }
        } else {
            let mut t = vec![SeriesGroups::NONE; top];
            for (rank, &id) in series.iter().enumerate() {
                t[id as usize] = rank as u32;
            }
            GroupTable::Dense(t)
        };
        PartialPass {
            groups: SeriesGroups {
                keys: Vec::new(),
                groups: vec![Vec::new(); series.len()],
                group_of,
                series: req.series.clone(),
            },
            out_of: (0..n).collect(),
            ctx: ExecContext::default(),
            points: AtomicU64::new(0),
            window: first.window.clone(),
            min_time: first.min_time,
            max_time: first.max_time,
            specs,
            series,
        }
    }

    /// What the pass's sinks share (each series its own group).
    pub fn shared(&self) -> PassShared<'_> {
        PassShared(Shared {
            groups: &self.groups,
            out_of: &self.out_of,
            tags_of: &[],
            window: self.window.clone(),
            min_time: self.min_time,
            max_time: self.max_time,
            cond: None,
            ctx: &self.ctx,
            points: &self.points,
        })
    }

    /// A scan worker's sink of the pass.
    pub fn sink<'a>(&'a self, shared: &'a PassShared<'a>) -> Result<PassSink<'a>, ExecError> {
        let slots = self.series.len() * self.window.len;
        AggSink::new(&shared.0, self.specs.iter().collect(), slots).map(PassSink)
    }

    /// The partials, from the pass's worker sinks after the scan.
    pub fn finish(&self, sinks: Vec<PassSink<'_>>) -> Result<Partials, ExecError> {
        let mut accs: Option<Vec<Accumulator>> = None;
        for PassSink(mut s) in sinks {
            if let Some(e) = s.error.take() {
                return Err(e);
            }
            match &mut accs {
                None => accs = Some(s.accs),
                Some(a) => {
                    for (x, y) in a.iter_mut().zip(s.accs) {
                        x.merge(y)?;
                    }
                }
            }
        }
        Ok(Partials {
            series: self.series.clone(),
            buckets: self.window.len,
            specs: self.specs.clone(),
            accs: accs.unwrap_or_default(),
            rows: self.points.load(Ordering::Relaxed),
        })
    }
}

/// What the sinks of a [`PartialPass`] share.
pub struct PassShared<'a>(Shared<'a>);

/// A scan worker's sink of a [`PartialPass`]: the query sink with each series its own group.
pub struct PassSink<'a>(AggSink<'a>);

impl ScanSink for PassSink<'_> {
    fn consume(&mut self, batch: &tsdb::ScanBatch<'_>) -> std::ops::ControlFlow<()> {
        self.0.consume(batch)
    }
}

impl AggSink<'_> {
    /// Folds shared partials into this sink's groups: slot `rank × buckets + b` goes to the slot
    /// of the series' output group and bucket `b` (dropped when the series is not in an output
    /// group). Checks the point limit for the rows the partials hold.
    pub(super) fn fold_partials(&mut self, p: &Partials) -> Result<(), ExecError> {
        let sh = self.shared;
        sh.check(p.rows as usize)?;
        let w = sh.window.len;
        if p.buckets != w {
            return Err(ExecError::Invalid(format!(
                "internal error: partials of {} buckets for {w}",
                p.buckets
            )));
        }
        let mut map = Vec::with_capacity(p.series.len() * w);
        for &id in &p.series {
            let out = sh.series_group(id).0;
            map.extend((0..w).map(|b| {
                if out == SKIP {
                    SKIP
                } else {
                    (out as usize * w + b) as u32
                }
            }));
        }
        for (spec, acc) in self.specs.iter().zip(&mut self.accs) {
            let Some(j) = p.specs.iter().position(|s| same_call(s, spec)) else {
                return Err(ExecError::Invalid(
                    "internal error: a call missing from shared partials".into(),
                ));
            };
            acc.merge_mapped(&p.accs[j], &map)?;
        }
        Ok(())
    }
}

/// A receiver of a shared scan that also takes partials in place of rows.
pub trait PartialSink: ScanSink {
    /// Folds `p` in; `Break` when the receiver failed (its error is kept).
    fn fold(&mut self, p: &Partials) -> std::ops::ControlFlow<()>;
}

impl PartialSink for AggSink<'_> {
    fn fold(&mut self, p: &Partials) -> std::ops::ControlFlow<()> {
        if self.error.is_some() {
            return std::ops::ControlFlow::Break(());
        }
        match self.fold_partials(p) {
            Ok(()) => std::ops::ControlFlow::Continue(()),
            Err(e) => {
                self.error = Some(e);
                std::ops::ControlFlow::Break(())
            }
        }
    }
}
