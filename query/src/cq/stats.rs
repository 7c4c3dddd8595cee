//! Observability of continuous queries: per-CQ statistics (`SHOW CONTINUOUS QUERY STATS`) and
//! Prometheus metrics in a registry the service owns (`/metrics`; no global registry).

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use std::sync::atomic::AtomicU64;

use super::service::RunKind;
use crate::response::{Series, Value};

/// What one CQ did since the process started.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CqStats {
    /// `now` of the pass that last ran a query of this CQ.
    pub last_run_at: Option<i64>,
    /// The last window (or range) it computed.
    pub last_window: Option<(i64, i64)>,
    /// Regular windows run.
    pub runs: u64,
    /// Windows (buckets) computed, all kinds.
    pub windows: u64,
    /// Repair queries run.
    pub repair_runs: u64,
    /// Dirty buckets taken for repair.
    pub repaired_buckets: u64,
    /// Windows computed by restart backfill and `BACKFILL`.
    pub backfill_windows: u64,
    pub points_written: u64,
    pub errors: u64,
    pub last_error: Option<String>,
    pub last_duration_ns: u64,
    pub total_duration_ns: u64,
    /// Buckets waiting for repair (dirty + in flight) after the last pass.
    pub dirty_buckets: u64,
}

/// The columns of `SHOW CONTINUOUS QUERY STATS`, in order.
pub const STATS_COLUMNS: [&str; 15] = [
    "name",
    "last_run",
    "last_window_start",
    "last_window_end",
    "runs",
    "windows",
    "repair_runs",
    "repaired_buckets",
    "backfill_windows",
    "points_written",
    "errors",
    "last_error",
    "last_duration_ns",
    "total_duration_ns",
    "dirty_buckets",
];

fn time_or_null(t: Option<i64>) -> Value {
    t.map_or(Value::Null, Value::Time)
}

fn int(n: u64) -> Value {
    Value::Int(i64::try_from(n).unwrap_or(i64::MAX))
}

/// `SHOW CONTINUOUS QUERY STATS [ON db]`: one series per database that has CQs (only `db` when
/// given), one row per CQ, columns [`STATS_COLUMNS`].
pub fn stats_series(all: &[(String, String, CqStats)], on: Option<&str>) -> Vec<Series> {
    let mut out: Vec<Series> = Vec::new();
    for (db, name, s) in all {
        if on.is_some_and(|d| d != db) {
            continue;
        }
        let row = vec![
            Value::Str(name.clone()),
            time_or_null(s.last_run_at),
            time_or_null(s.last_window.map(|w| w.0)),
            time_or_null(s.last_window.map(|w| w.1)),
            int(s.runs),
            int(s.windows),
            int(s.repair_runs),
            int(s.repaired_buckets),
            int(s.backfill_windows),
            int(s.points_written),
            int(s.errors),
            s.last_error.clone().map_or(Value::Null, Value::Str),
            int(s.last_duration_ns),
            int(s.total_duration_ns),
            int(s.dirty_buckets),
        ];
        match out.last_mut() {
            Some(series) if series.name.as_deref() == Some(db.as_str()) => series.values.push(row),
            _ => out.push(Series {
                name: Some(db.clone()),
                tags: Vec::new(),
                columns: STATS_COLUMNS.iter().map(|c| (*c).to_owned()).collect(),
                values: vec![row],
            }),
        }
    }
    out
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CqLabels {
    database: String,
    name: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabels {
    database: String,
    name: String,
    kind: String,
}

/// The service's Prometheus metrics.
pub(crate) struct Metrics {
    registry: Registry,
    queries: Family<KindLabels, Counter>,
    points: Family<CqLabels, Counter>,
    errors: Family<CqLabels, Counter>,
    seconds: Family<CqLabels, Counter<f64, AtomicU64>>,
    dirty: Family<CqLabels, Gauge>,
}

impl Metrics {
    pub(crate) fn new() -> Metrics {
        let mut registry = Registry::default();
        let queries = Family::<KindLabels, Counter>::default();
        let points = Family::<CqLabels, Counter>::default();
        let errors = Family::<CqLabels, Counter>::default();
        let seconds = Family::<CqLabels, Counter<f64, AtomicU64>>::default();
        let dirty = Family::<CqLabels, Gauge>::default();
        registry.register(
            "taildb_cq_queries",
            "Continuous-query queries run, by kind (regular, repair, backfill)",
            queries.clone(),
        );
        registry.register(
            "taildb_cq_points_written",
            "Points written by continuous queries",
            points.clone(),
        );
        registry.register(
            "taildb_cq_errors",
            "Continuous-query queries that failed",
            errors.clone(),
        );
        registry.register(
            "taildb_cq_query_seconds",
            "Time spent running continuous-query queries",
            seconds.clone(),
        );
        registry.register(
            "taildb_cq_dirty_buckets",
            "Buckets with late writes waiting to be recomputed",
            dirty.clone(),
        );
        Metrics {
            registry,
            queries,
            points,
            errors,
            seconds,
            dirty,
        }
    }

    fn labels(db: &str, name: &str) -> CqLabels {
        CqLabels {
            database: db.to_owned(),
            name: name.to_owned(),
        }
    }

    pub(crate) fn record(
        &self,
        db: &str,
        name: &str,
        kind: RunKind,
        written: Option<u64>,
        secs: f64,
    ) {
        self.queries
            .get_or_create(&KindLabels {
                database: db.to_owned(),
                name: name.to_owned(),
                kind: kind.name().to_owned(),
            })
            .inc();
        let l = Self::labels(db, name);
        match written {
            Some(n) => {
                self.points.get_or_create(&l).inc_by(n);
            }
            None => {
                self.errors.get_or_create(&l).inc();
            }
        }
        self.seconds.get_or_create(&l).inc_by(secs);
    }

    pub(crate) fn set_dirty(&self, db: &str, name: &str, n: u64) {
        self.dirty
            .get_or_create(&Self::labels(db, name))
            .set(i64::try_from(n).unwrap_or(i64::MAX));
    }

    /// The text exposition format.
    pub(crate) fn encode(&self) -> String {
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}
