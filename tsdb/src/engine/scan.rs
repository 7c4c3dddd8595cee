//! The query engine's read primitives: [`Engine::group_series`] (which series, in which group) and
//! [`Engine::scan`] (their rows as column batches, fanned out over worker sinks).
//!
//! Contract of a scan (what every implementation must keep, and what the query executor relies on):
//! 1. Every row of a selected series with `min_time <= t <= max_time` is delivered exactly once:
//!    duplicates of one (series, time) across segments and memtables are merged first, the newest
//!    write winning per field (the same answer as [`Engine::read`]).
//! 2. Within one batch, the rows of one series ascend in time; nothing is promised across batches or
//!    between series (callers that need order sort or keep the earliest/latest themselves).
//! 3. Each batch goes to exactly one sink; sinks are driven from at most `sinks.len()` threads at
//!    once, each sink from one thread at a time. A sink returning `ControlFlow::Break` stops the whole
//!    scan early (no error: the caller knows why it stopped).

use std::collections::BTreeMap;
use std::ops::ControlFlow;

use roaring::RoaringBitmap;

use super::engine::Engine;
use super::types::{EngineError, IndexScope, ReadRequest};
use crate::index::TagPredicate;
use crate::model::{Column, Timestamp};

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
}

/// Rows of one source chunk: `series[i]`, `timestamps[i]` and `columns[c]` row `i`.
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
    /// `group_of[id]` is the group index of series `id`, or [`SeriesGroups::NONE`] when the series
    /// is not selected; ids past the end are not selected.
    pub group_of: Vec<u32>,
    /// Every selected series.
    pub series: RoaringBitmap,
}

impl SeriesGroups {
    pub const NONE: u32 = u32::MAX;

    /// The group of series `id`, if selected.
    pub fn group(&self, id: u32) -> Option<u32> {
        self.group_of
            .get(id as usize)
            .copied()
            .filter(|&g| g != Self::NONE)
    }
}

impl Engine {
    /// Series of `measurement` with data in `scope` that match `predicate`, grouped by `keys`.
    pub fn group_series(
        &self,
        scope: &IndexScope,
        measurement: &str,
        predicate: &TagPredicate,
        keys: &[String],
    ) -> Result<SeriesGroups, EngineError> {
        // Baseline: every selected series' key parsed. To be replaced by posting-list algebra.
        let read = ReadRequest {
            database: scope.database.clone(),
            retention_policy: scope.retention_policy.clone(),
            measurement: measurement.to_owned(),
            min_time: scope.min_time,
            max_time: scope.max_time,
            predicate: predicate.clone(),
            fields: Some(Vec::new()),
        };
        let ids = self.selected_series_tags(&read)?;
        Ok(groups_from_tags(keys, ids))
    }

    /// Streams the rows of `req` into `sinks` (see the module contract).
    pub fn scan(
        &self,
        req: &ScanRequest,
        sinks: &mut [&mut dyn ScanSink],
    ) -> Result<(), EngineError> {
        // Baseline: materialize per series through `read`. To be replaced by a segment scan.
        let Some(sink) = sinks.first_mut() else {
            return Ok(());
        };
        let data = self.read_ids(req)?;
        for (id, sd) in data {
            let columns: Vec<Option<Column>> =
                sd.fields.into_iter().map(|(_, c)| Some(c)).collect();
            let series = vec![id; sd.timestamps.len()];
            let batch = ScanBatch {
                series: &series,
                timestamps: &sd.timestamps,
                columns: &columns,
            };
            if sink.consume(&batch).is_break() {
                break;
            }
        }
        Ok(())
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
        group_of,
        series: all,
    }
}
