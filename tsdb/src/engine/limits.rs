//! New-series detection and cardinality limits on the write path.
//!
//! A series is new when it has no data in the database (not in [`LiveSeries`]); only new series
//! count against the limits, and only they are refused — points of existing series in the same
//! batch are written. Texts follow InfluxDB 1.x's `inmem` index (reference §2.2); the
//! per-measurement limit is taildb's own and uses the same form.

use std::collections::{HashMap, HashSet};

use roaring::RoaringBitmap;

use super::engine::{Database, Engine, LiveSeries};
use crate::model::{PointBatch, SeriesId};

impl Engine {
    /// Marks refused points (`refused[j]`, counted in `dropped`, first text in `reason`) and
    /// returns, for every new series accepted, the position `j` (into `accepted`) of its first
    /// point.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn check_new_series(
        &self,
        dbh: &Database,
        live: &LiveSeries,
        batch: &PointBatch<'_>,
        accepted: &[u32],
        ids: &[SeriesId],
        refused: &mut [bool],
        dropped: &mut usize,
        reason: &mut Option<String>,
    ) -> Vec<usize> {
        let limits = self.config.limits;
        let mut new_ids = RoaringBitmap::new();
        let mut refused_ids = RoaringBitmap::new();
        let mut first = Vec::new();
        let mut new_per_measurement: HashMap<&str, u64> = HashMap::new();
        let mut new_values: HashMap<(&str, &str), HashSet<&str>> = HashMap::new();
        // Batches are mostly one measurement: look its live set up once per run of points.
        let mut last: Option<(&str, Option<&RoaringBitmap>)> = None;
        for (j, &i) in accepted.iter().enumerate() {
            let p = &batch.points[i as usize];
            let id = ids[j].0;
            let m: &str = &p.measurement;
            let live_m = match last {
                Some((lm, b)) if lm == m => b,
                _ => {
                    let b = live.by_measurement.get(m);
                    last = Some((m, b));
                    b
                }
            };
            if live_m.is_some_and(|b| b.contains(id)) || new_ids.contains(id) {
                continue;
            }
            if refused_ids.contains(id) {
                refused[j] = true;
                *dropped += 1;
                continue;
            }
            let mut why: Option<String> = None;
            let max = limits.max_series_per_database;
            if max > 0 && live.total + new_ids.len() >= max {
                why = Some(format!("max-series-per-database limit exceeded: ({max})"));
            }
            let max = limits.max_series_per_measurement;
            if why.is_none() && max > 0 {
                let have = live_m.map_or(0, |b| b.len())
                    + new_per_measurement.get(m).copied().unwrap_or(0);
                if have >= max {
                    why = Some(format!(
                        "max-series-per-measurement limit exceeded: ({max}) measurement=\"{m}\""
                    ));
                }
            }
            let max = limits.max_values_per_tag;
            if why.is_none() && max > 0 {
                for (k, v) in batch.tags_of(p) {
                    let (k, v): (&str, &str) = (k, v);
                    let batch_new = new_values.get(&(m, k));
                    if batch_new.is_some_and(|s| s.contains(v)) || dbh.index.has_value(m, k, v) {
                        continue;
                    }
                    let n = dbh.index.value_count(m, k) + batch_new.map_or(0, |s| s.len() as u64);
                    if n >= max {
                        why = Some(format!(
                            "max-values-per-tag limit exceeded ({n}/{max}): measurement=\"{m}\" tag=\"{k}\" value=\"{v}\""
                        ));
                        break;
                    }
                }
            }
            if let Some(w) = why {
                refused_ids.insert(id);
                refused[j] = true;
                *dropped += 1;
                reason.get_or_insert(w);
                continue;
            }
            new_ids.insert(id);
            if limits.max_series_per_measurement > 0 {
                *new_per_measurement.entry(m).or_default() += 1;
            }
            if limits.max_values_per_tag > 0 {
                for (k, v) in batch.tags_of(p) {
                    new_values.entry((m, k)).or_default().insert(v);
                }
            }
            first.push(j);
        }
        first
    }
}
