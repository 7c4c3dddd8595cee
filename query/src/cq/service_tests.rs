//! The service over a real engine in a temporary directory, driven by a manual clock.

use std::borrow::Cow;
use std::sync::Arc;

use tsdb::{Engine, EngineConfig, FieldValue, PointBatch};

use super::{Clock, ContinuousQueryService, ManualClock, RunKind, RunRecord, ServiceConfig};
use crate::exec::{ExecContext, execute};
use crate::parser::parse_query;
use crate::response::{StatementResult, Value};

const S: i64 = 1_000_000_000;
/// 2023-11-14T22:13:20Z: a multiple of 10 s.
const T0: i64 = 1_700_000_000 * S;

struct Fixture {
    dir: tempfile::TempDir,
    engine: Arc<Engine>,
    clock: Arc<ManualClock>,
    service: Arc<ContinuousQueryService>,
}

fn open(dir: tempfile::TempDir, now: i64, max_lookback: i64) -> Fixture {
    let mut c = EngineConfig::new(dir.path());
    c.background = false;
    let engine = Engine::open(c).expect("engine opens");
    let clock = Arc::new(ManualClock::new(now));
    let service = ContinuousQueryService::new(
        Arc::clone(&engine),
        clock.clone(),
        ServiceConfig {
            max_lookback,
            log_enabled: false,
            ..ServiceConfig::default()
        },
    );
    Fixture {
        dir,
        engine,
        clock,
        service,
    }
}

fn fixture(cq: &str) -> Fixture {
    // Created 3 s into a bucket: the first pass computes nothing (InfluxDB's rule).
    let f = open(tempfile::tempdir().expect("tempdir"), T0 + 3 * S, 3_600 * S);
    f.engine.create_database("db", None).expect("db");
    assert_eq!(f.query(cq)[0].error, None, "{cq}");
    f
}

impl Fixture {
    fn query(&self, q: &str) -> Vec<StatementResult> {
        let ctx = ExecContext {
            database: Some("db".into()),
            now: self.clock.now(),
            continuous_queries: Some(Arc::clone(&self.service)),
            ..ExecContext::default()
        };
        execute(&*self.engine, &parse_query(q).expect("parses"), &ctx)
    }

    fn write(&self, m: &str, times: &[i64]) {
        let mut b = PointBatch::new();
        for t in times {
            b.push(
                m,
                [(Cow::Borrowed("host"), Cow::Borrowed("a"))],
                [(Cow::Borrowed("v"), FieldValue::Float(1.0))],
                *t,
            );
        }
        self.engine.write("db", None, &b).expect("write");
    }

    /// Ticks once a second from the clock's time up to `until` (inclusive); all runs.
    fn tick_until(&self, until: i64) -> Vec<RunRecord> {
        let mut out = Vec::new();
        loop {
            let now = self.clock.now();
            out.extend(self.service.tick(now));
            if now + S > until {
                return out;
            }
            self.clock.advance(S);
        }
    }

    /// `(time, count)` rows of the CQ's output measurement `o`.
    fn output(&self) -> Vec<(i64, i64)> {
        let r = self.query("SELECT count FROM o");
        r[0].series
            .first()
            .map(|s| {
                s.values
                    .iter()
                    .map(|row| match (&row[0], &row[1]) {
                        (Value::Time(t), Value::Int(n)) => (*t, *n),
                        other => panic!("{other:?}"),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

fn windows(runs: &[RunRecord], kind: RunKind) -> Vec<(i64, i64)> {
    runs.iter()
        .filter(|r| r.kind == kind)
        .map(|r| (r.start - T0, r.end - T0))
        .collect()
}

const DEFAULT_CQ: &str =
    "CREATE CONTINUOUS QUERY c ON db BEGIN SELECT count(v) INTO o FROM m GROUP BY time(10s) END";

#[test]
fn default_cq_computes_the_previous_bucket_at_each_boundary() {
    let f = fixture(DEFAULT_CQ);
    f.write("m", &[T0 + S, T0 + 2 * S, T0 + 12 * S, T0 + 25 * S]);
    let runs = f.tick_until(T0 + 30 * S);
    assert_eq!(
        windows(&runs, RunKind::Regular),
        vec![(0, 10 * S), (10 * S, 20 * S), (20 * S, 30 * S)]
    );
    assert!(runs.iter().all(|r| r.kind == RunKind::Regular));
    assert_eq!(
        f.output(),
        vec![(T0, 2), (T0 + 10 * S, 1), (T0 + 20 * S, 1)]
    );
}

#[test]
fn resample_for_recomputes_the_last_buckets() {
    let f = fixture(
        "CREATE CONTINUOUS QUERY c ON db RESAMPLE FOR 30s BEGIN SELECT count(v) INTO o FROM m GROUP BY time(10s) END",
    );
    f.clock.set(T0 + 40 * S);
    let runs = f.tick_until(T0 + 50 * S);
    assert_eq!(
        windows(&runs, RunKind::Regular),
        vec![(10 * S, 40 * S), (20 * S, 50 * S)]
    );
}

#[test]
fn late_point_repairs_only_its_bucket() {
    let f = fixture(DEFAULT_CQ);
    f.write("m", &[T0 + S, T0 + 12 * S]);
    f.tick_until(T0 + 25 * S);
    assert_eq!(f.output(), vec![(T0, 1), (T0 + 10 * S, 1)]);
    // Late: into [T0, T0+10s), computed at T0+10s.
    f.write("m", &[T0 + 3 * S]);
    f.clock.advance(S);
    let runs = f.tick_until(T0 + 26 * S);
    assert_eq!(windows(&runs, RunKind::Repair), vec![(0, 10 * S)]);
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(f.output(), vec![(T0, 2), (T0 + 10 * S, 1)]);
    let stats = f.service.stats_of("db", "c").expect("stats");
    assert_eq!((stats.repair_runs, stats.repaired_buckets), (1, 1));
    // Nothing left to repair.
    f.clock.advance(S);
    assert!(f.service.tick(T0 + 27 * S).is_empty());
}

#[test]
fn a_stream_of_late_points_is_repaired_at_most_once_per_repair_interval() {
    let f = fixture(DEFAULT_CQ);
    f.write("m", &[T0 + S]);
    f.tick_until(T0 + 25 * S);
    // A late point every second (a backlog arriving): the first is repaired on the next pass,
    // the rest wait for the repair interval (10 s) and are repaired together.
    let mut repairs = Vec::new();
    for k in 0..12 {
        f.write("m", &[T0 + 2 * S + k * 1_000]);
        f.clock.advance(S);
        let now = f.clock.now();
        for r in f.service.tick(now) {
            if r.kind == RunKind::Repair {
                assert_eq!((r.start, r.end), (T0, T0 + 10 * S), "{r:?}");
                repairs.push(now - T0);
            }
        }
    }
    assert_eq!(
        repairs,
        vec![26 * S, 36 * S],
        "repairs at the first pass, then 10 s later"
    );
    // The marks of the last passes are repaired once the interval has passed again.
    let runs = f.tick_until(T0 + 46 * S);
    assert_eq!(windows(&runs, RunKind::Repair), vec![(0, 10 * S)]);
    assert_eq!(f.output(), vec![(T0, 13)]);
}

#[test]
fn points_older_than_max_lookback_are_not_repaired() {
    let f = fixture(DEFAULT_CQ);
    f.write("m", &[T0 + S]);
    f.tick_until(T0 + 10 * S);
    // An hour and more later (max-lookback is 1h) a point for the first bucket arrives.
    f.clock.set(T0 + 3_700 * S);
    f.service.tick(T0 + 3_700 * S);
    f.write("m", &[T0 + 2 * S]);
    f.clock.advance(S);
    let runs = f.tick_until(T0 + 3_720 * S);
    assert!(windows(&runs, RunKind::Repair).is_empty(), "{runs:?}");
    assert_eq!(f.output(), vec![(T0, 1)]);
}

#[test]
fn cq_writing_into_its_own_source_does_not_repair_itself() {
    let f = fixture(
        "CREATE CONTINUOUS QUERY c ON db BEGIN SELECT count(v) AS cnt INTO m FROM m GROUP BY time(10s) END",
    );
    f.write("m", &[T0 + S, T0 + 12 * S]);
    let runs = f.tick_until(T0 + 45 * S);
    assert_eq!(windows(&runs, RunKind::Repair), vec![]);
    assert_eq!(windows(&runs, RunKind::Regular).len(), 4);
}

#[test]
fn restart_backfills_exactly_the_missed_windows() {
    let f = fixture(DEFAULT_CQ);
    f.write("m", &[T0 + S, T0 + 2 * 3_600 * S]);
    f.tick_until(T0 + 20 * S);
    // Down from T0+20.5s to T0+3h+5s.
    f.service.stop();
    let Fixture { dir, engine, .. } = f;
    engine.close().expect("close");
    drop(engine);
    let f = open(dir, T0 + 3 * 3_600 * S + 5 * S, 7 * 86_400 * S);
    let runs = f.tick_until(T0 + 3 * 3_600 * S + 10 * S);
    let back = windows(&runs, RunKind::Backfill);
    // Confirmed up to T0+20s; the first regular window after the restart starts at T0+3h.
    assert_eq!(back.first().map(|w| w.0), Some(20 * S));
    assert_eq!(back.last().map(|w| w.1), Some(3 * 3_600 * S));
    assert!(back.windows(2).all(|p| p[0].1 == p[1].0), "contiguous");
    assert!(back.iter().all(|(s, e)| e - s <= 360 * 10 * S), "chunked");
    assert_eq!(
        windows(&runs, RunKind::Regular),
        vec![(3 * 3_600 * S, 3 * 3_600 * S + 10 * S)]
    );
    assert_eq!(
        f.output(),
        vec![(T0, 1), (T0 + 2 * 3_600 * S, 1)],
        "the point written before the restart was computed by the backfill"
    );
}

#[test]
fn a_failing_window_is_retried() {
    let f = fixture(DEFAULT_CQ);
    f.write("m", &[T0 + S]);
    // `o.count` as a string makes the CQ's integer write conflict.
    let mut b = PointBatch::new();
    b.push(
        "o",
        [(Cow::Borrowed("x"), Cow::Borrowed("y"))],
        [(
            Cow::Borrowed("count"),
            FieldValue::String(Cow::Borrowed("s")),
        )],
        T0 + 5 * S,
    );
    f.engine.write("db", None, &b).expect("write");
    let runs = f.tick_until(T0 + 10 * S);
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].written, None, "the window failed");
    assert_eq!(f.service.stats_of("db", "c").map(|s| s.errors), Some(1));
    assert_eq!(f.query("DROP MEASUREMENT o")[0].error, None);
    f.clock.advance(S);
    let runs = f.tick_until(T0 + 11 * S);
    assert_eq!(windows(&runs, RunKind::Repair), vec![(0, 10 * S)]);
    assert_eq!(runs[0].written, Some(1));
    assert_eq!(f.output(), vec![(T0, 1)]);
}

#[test]
fn backfill_and_stats_statements() {
    let f = fixture(DEFAULT_CQ);
    f.write("m", &[T0 - 100 * S, T0 - 55 * S, T0 - 54 * S]);
    let r = f.query(&format!(
        "BACKFILL CONTINUOUS QUERY c ON db WHERE time >= {} AND time < {}",
        T0 - 100 * S,
        T0 - 45 * S
    ));
    assert_eq!(r[0].error, None);
    let s = &r[0].series[0];
    assert_eq!(s.columns, ["name", "windows", "points_written", "duration"]);
    assert_eq!(
        s.values[0][..3],
        [Value::Str("c".into()), Value::Int(6), Value::Int(2)]
    );
    assert_eq!(f.output(), vec![(T0 - 100 * S, 1), (T0 - 60 * S, 2)]);
    let r = f.query("SHOW CONTINUOUS QUERY STATS ON db");
    let s = &r[0].series[0];
    assert_eq!(s.name.as_deref(), Some("db"));
    assert_eq!(s.columns, super::STATS_COLUMNS);
    assert_eq!(s.values.len(), 1);
    assert_eq!(s.values[0][8], Value::Int(6), "backfill windows");
    assert_eq!(s.values[0][9], Value::Int(2), "points written");
    let text = f.service.metrics_text();
    assert!(
        text.contains("taildb_cq_points_written_total{database=\"db\",name=\"c\"} 2"),
        "{text}"
    );
    assert!(
        f.query("BACKFILL CONTINUOUS QUERY c ON db WHERE time >= 0")[0]
            .error
            .is_some()
    );
}

/// Two levels of sketch rollups as continuous queries (issue 6): raw → 10 s sketches → 1 min
/// sketches. The minute rollup's percentiles equal those of one sketch of the raw values (the
/// merge is exact) and lie within α of the exact `percentile()` over the raw points.
#[test]
fn sketch_rollups_of_rollups_as_continuous_queries() {
    let f = fixture(
        "CREATE CONTINUOUS QUERY a_10s ON db BEGIN SELECT sketch(v) AS v INTO r10 FROM m GROUP BY time(10s), * END",
    );
    assert_eq!(
        f.query(
            "CREATE CONTINUOUS QUERY b_1m ON db BEGIN SELECT sketch(v) AS v INTO r1m FROM r10 GROUP BY time(1m), * END"
        )[0]
        .error,
        None
    );
    // Two hosts, a point every 250 ms over three minutes, long-tailed values.
    let start = T0 - T0 % (60 * S) + 60 * S;
    let mut b = PointBatch::new();
    let mut raw: Vec<(&str, i64, f64)> = Vec::new();
    for (k, host) in ["a", "b"].into_iter().enumerate() {
        for i in 0..720i64 {
            let t = start + i * S / 4;
            let x = ((i * 7919 + k as i64 * 104_729) % 1000) as f64;
            let v = if i % 97 == 0 {
                1000.0 + x
            } else {
                1.0 + x / 20.0
            };
            raw.push((host, t, v));
            b.push(
                "m",
                [(Cow::Borrowed("host"), Cow::Borrowed(host))],
                [(Cow::Borrowed("v"), FieldValue::Float(v))],
                t,
            );
        }
    }
    f.engine.write("db", None, &b).expect("write");
    f.clock.set(start);
    f.tick_until(start + 4 * 60 * S);
    let range = format!("time >= {start} AND time < {}", start + 3 * 60 * S);
    let fields = |q: &str| -> Vec<Vec<Value>> {
        let r = f.query(q);
        assert_eq!(r[0].error, None, "{q}");
        r[0].series.iter().flat_map(|s| s.values.clone()).collect()
    };
    let alpha = tsdb::sketch::DEFAULT_RELATIVE_ACCURACY;
    for p in [50, 90, 99] {
        let rolled = fields(&format!(
            "SELECT percentile(v, {p}) FROM r1m WHERE {range} GROUP BY time(1m), host"
        ));
        let exact = fields(&format!(
            "SELECT percentile(v, {p}) FROM m WHERE {range} GROUP BY time(1m), host"
        ));
        assert_eq!(rolled.len(), 6, "p{p}: {rolled:?}");
        assert_eq!(exact.len(), 6);
        for (k, (got, ex)) in rolled.iter().zip(&exact).enumerate() {
            let (host, minute) = (["a", "b"][k / 3], (k % 3) as i64);
            let from = start + minute * 60 * S;
            let mut want = tsdb::Sketch::default();
            for (_, _, v) in raw
                .iter()
                .filter(|(h, t, _)| *h == host && *t >= from && *t < from + 60 * S)
            {
                want.insert(*v);
            }
            let (Value::Float(g), Value::Float(e)) = (&got[1], &ex[1]) else {
                panic!("{got:?} {ex:?}");
            };
            assert_eq!(
                Some(*g),
                want.percentile(p as f64),
                "{host} minute {minute} p{p}"
            );
            assert!(
                (g - e).abs() <= alpha * e.abs(),
                "{host} minute {minute} p{p}: {g} vs {e}"
            );
        }
    }
    // Stored as sketch fields, read back raw as their summaries.
    let r = f.query("SHOW FIELD KEYS FROM r1m");
    assert_eq!(
        r[0].series[0].values,
        vec![vec![Value::Str("v".into()), Value::Str("sketch".into())]]
    );
}
