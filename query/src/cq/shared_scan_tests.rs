//! CQs of one pass sharing their scans (`shared_scan.rs`): same results as separate runs, one
//! engine scan per distinct request, chains still ordered, failing members never stall a group.

use std::borrow::Cow;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use tsdb::{Engine, EngineConfig, FieldValue, PointBatch};

use super::{Clock, ContinuousQueryService, ManualClock, RunKind, RunRecord, ServiceConfig};
use crate::exec::{ExecContext, execute};
use crate::parser::parse_query;
use crate::response::{Series, StatementResult};

const S: i64 = 1_000_000_000;
/// 2023-11-14T22:13:20Z: a multiple of 10 s.
const T0: i64 = 1_700_000_000 * S;

struct Fixture {
    _dir: tempfile::TempDir,
    engine: Arc<Engine>,
    clock: Arc<ManualClock>,
    service: Arc<ContinuousQueryService>,
}

impl Fixture {
    fn new(cqs: &[String]) -> Fixture {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut c = EngineConfig::new(dir.path());
        c.background = false;
        let engine = Engine::open(c).expect("engine opens");
        // 3 s into a bucket: the first pass computes nothing.
        let clock = Arc::new(ManualClock::new(T0 + 3 * S));
        let service = ContinuousQueryService::new(
            Arc::clone(&engine),
            clock.clone(),
            ServiceConfig {
                log_enabled: false,
                ..ServiceConfig::default()
            },
        );
        engine.create_database("db", None).expect("db");
        let f = Fixture {
            _dir: dir,
            engine,
            clock,
            service,
        };
        for q in cqs {
            assert_eq!(f.query(q)[0].error, None, "{q}");
        }
        f
    }

    fn query(&self, q: &str) -> Vec<StatementResult> {
        let ctx = ExecContext {
            database: Some("db".into()),
            now: self.clock.now(),
            continuous_queries: Some(Arc::clone(&self.service)),
            ..ExecContext::default()
        };
        execute(&*self.engine, &parse_query(q).expect("parses"), &ctx)
    }

    fn series(&self, q: &str) -> Vec<Series> {
        let mut r = self.query(q);
        assert_eq!(r[0].error, None, "{q}");
        r.remove(0).series
    }

    /// 3 dcs × 4 hosts × 5 customers, one point per series and second over [T0, T0 + 30 s);
    /// latency varies with everything so every grouping sees different values.
    fn write_events(&self) {
        let mut b = PointBatch::new();
        for sec in 0..30i64 {
            for dc in 0..3 {
                for host in 0..4 {
                    for cust in 0..5 {
                        let v = (sec * 7 + dc * 11 + host * 13 + cust * 17) % 97;
                        b.push(
                            "m",
                            [
                                (Cow::Borrowed("dc"), Cow::Owned(format!("dc{dc}"))),
                                (Cow::Borrowed("host"), Cow::Owned(format!("h{host}"))),
                                (Cow::Borrowed("customer"), Cow::Owned(format!("c{cust}"))),
                            ],
                            [(Cow::Borrowed("v"), FieldValue::Float(v as f64 + 0.5))],
                            T0 + sec * S + dc * 1000 + host * 10 + cust,
                        );
                    }
                }
            }
        }
        self.engine.write("db", None, &b).expect("write");
    }

    /// Runs `tick` on another thread: a stalled group fails the test instead of hanging it.
    fn tick(&self, now: i64) -> Vec<RunRecord> {
        let (tx, rx) = mpsc::channel();
        let service = Arc::clone(&self.service);
        std::thread::spawn(move || {
            let _ = tx.send(service.tick(now));
        });
        rx.recv_timeout(Duration::from_secs(120))
            .expect("the pass finished (no shared-scan group stalled)")
    }
}

const GROUPINGS: [&str; 7] = [
    "",
    ", dc",
    ", host",
    ", customer",
    ", dc, host",
    ", dc, customer",
    ", *",
];

fn cqs() -> Vec<String> {
    GROUPINGS
        .iter()
        .enumerate()
        .map(|(i, by)| {
            format!(
                "CREATE CONTINUOUS QUERY cq{i} ON db BEGIN SELECT count(v) AS n, mean(v) AS mean, \
                 max(v) AS max, sum(v) AS sum INTO roll_{i} FROM m GROUP BY time(10s){by} END"
            )
        })
        .collect()
}

#[test]
fn grouped_cqs_write_what_each_would_alone_with_one_scan_per_window() {
    let f = Fixture::new(&cqs());
    f.write_events();
    for w in 1..=3 {
        let runs = f.tick(T0 + w * 10 * S);
        assert_eq!(runs.len(), 7, "{runs:?}");
        assert!(
            runs.iter()
                .all(|r| r.kind == RunKind::Regular && r.written.is_some_and(|n| n > 0)),
            "{runs:?}"
        );
        assert_eq!(
            f.service.shared_scans(),
            w as u64,
            "one engine scan per window serves all seven CQs"
        );
        assert_eq!(
            f.service.shared_partial_passes(),
            w as u64,
            "the seven fold one set of per-series partials per window"
        );
    }
    // Late points into the first window: the next pass repairs it for all seven CQs, again
    // with one scan.
    let mut b = PointBatch::new();
    for (k, dc) in ["dc0", "dc7"].iter().enumerate() {
        b.push(
            "m",
            [
                (Cow::Borrowed("dc"), Cow::Borrowed(*dc)),
                (Cow::Borrowed("host"), Cow::Borrowed("h0")),
                (Cow::Borrowed("customer"), Cow::Borrowed("c9")),
            ],
            [(Cow::Borrowed("v"), FieldValue::Float(1000.0 + k as f64))],
            T0 + 4 * S + k as i64,
        );
    }
    f.engine.write("db", None, &b).expect("late write");
    let runs = f.tick(T0 + 31 * S);
    assert_eq!(runs.len(), 7, "{runs:?}");
    assert!(
        runs.iter()
            .all(|r| r.kind == RunKind::Repair && (r.start, r.end) == (T0, T0 + 10 * S)),
        "{runs:?}"
    );
    assert_eq!(
        f.service.shared_scans(),
        4,
        "one scan for the seven repairs"
    );
    assert_eq!(f.service.shared_partial_passes(), 4);
    for (i, by) in GROUPINGS.iter().enumerate() {
        let direct = f.series(&format!(
            "SELECT count(v) AS n, mean(v) AS mean, max(v) AS max, sum(v) AS sum FROM m \
             WHERE time >= {T0} AND time < {} GROUP BY time(10s){by} fill(none)",
            T0 + 30 * S
        ));
        let rolled = f.series(&format!(
            "SELECT n, mean, max, sum FROM roll_{i}{}",
            if by.is_empty() { "" } else { " GROUP BY *" }
        ));
        let norm = |v: Vec<Series>, name: &str| -> Vec<Series> {
            v.into_iter()
                .map(|mut s| {
                    s.name = Some(name.to_owned());
                    s
                })
                .collect()
        };
        assert!(!direct.is_empty());
        assert_eq!(
            norm(rolled, "x"),
            norm(direct, "x"),
            "rollup {i} (GROUP BY time(10s){by})"
        );
    }
}

#[test]
fn different_requests_in_a_group_each_scan_once() {
    let mut q = cqs();
    q.truncate(3);
    q.push(
        "CREATE CONTINUOUS QUERY only_dc0 ON db BEGIN SELECT count(v) AS n INTO roll_dc0 FROM m \
         WHERE dc = 'dc0' GROUP BY time(10s), host END"
            .to_owned(),
    );
    let f = Fixture::new(&q);
    f.write_events();
    let runs = f.tick(T0 + 10 * S);
    assert_eq!(runs.len(), 4, "{runs:?}");
    assert_eq!(f.service.shared_scans(), 2, "all series, and dc0's series");
    let n: Vec<_> = f
        .series("SELECT n FROM roll_dc0 GROUP BY host")
        .iter()
        .map(|s| s.values.len())
        .collect();
    assert_eq!(n, vec![1; 4], "one bucket per dc0 host");
    let direct = f.series(&format!(
        "SELECT count(v) FROM m WHERE dc = 'dc0' AND time >= {T0} AND time < {} GROUP BY host",
        T0 + 10 * S
    ));
    let rolled = f.series("SELECT n FROM roll_dc0 GROUP BY host");
    for (d, r) in direct.iter().zip(&rolled) {
        assert_eq!(d.values[0][1], r.values[0][1]);
    }
}

#[test]
fn a_member_that_fails_before_scanning_does_not_stall_its_group() {
    let mut q = cqs();
    q.truncate(2);
    // A string field: mean() fails at run time, before the CQ's scan.
    q.push(
        "CREATE CONTINUOUS QUERY bad ON db BEGIN SELECT mean(s) INTO roll_bad FROM m \
         GROUP BY time(10s) END"
            .to_owned(),
    );
    let f = Fixture::new(&q);
    f.write_events();
    let mut b = PointBatch::new();
    b.push(
        "m",
        [(Cow::Borrowed("dc"), Cow::Borrowed("dc9"))],
        [(Cow::Borrowed("s"), FieldValue::String(Cow::Borrowed("x")))],
        T0 + S,
    );
    f.engine.write("db", None, &b).expect("write");
    let runs = f.tick(T0 + 10 * S);
    assert_eq!(runs.len(), 3, "{runs:?}");
    let failed: Vec<&str> = runs
        .iter()
        .filter(|r| r.written.is_none())
        .map(|r| r.name.as_str())
        .collect();
    assert_eq!(failed, vec!["bad"]);
    assert!(
        f.service
            .stats_of("db", "bad")
            .is_some_and(|s| s.errors == 1)
    );
}

#[test]
fn a_cq_reading_another_cqs_output_runs_after_it_in_the_same_pass() {
    let mut q = cqs();
    q.truncate(2);
    // Reads cq0's output: not shared, and run after the group that writes it.
    q.push(
        "CREATE CONTINUOUS QUERY a_chain ON db BEGIN SELECT sum(n) AS n INTO chained FROM roll_0 \
         GROUP BY time(10s) END"
            .to_owned(),
    );
    let f = Fixture::new(&q);
    f.write_events();
    let runs = f.tick(T0 + 10 * S);
    assert_eq!(runs.len(), 3, "{runs:?}");
    assert_eq!(
        f.service.shared_scans(),
        1,
        "cq0 and cq1 share; a_chain alone"
    );
    let chained = f.series("SELECT n FROM chained");
    assert_eq!(
        chained.len(),
        1,
        "the chain saw cq0's output in the same pass"
    );
    assert_eq!(
        chained[0].values[0][1],
        crate::response::Value::Int(600),
        "10 s × 60 series"
    );
}

#[test]
fn partials_serve_selectors_and_mixed_types_and_rows_serve_the_rest() {
    // All read v, s and i (one request). a and b fold partials (min/first/last over floats,
    // first over strings, count over strings, sum over integers); c has a row condition and d a
    // percentile, so they take the rows of the same scan.
    let calls = "min(v) AS lo, first(v) AS f, last(v) AS l, count(s) AS ns, first(s) AS fs, \
                 percentile_approx(v, 90) AS pa, sum(i) AS si";
    let q = vec![
        format!(
            "CREATE CONTINUOUS QUERY a ON db BEGIN SELECT {calls} INTO r_a FROM m GROUP BY time(10s), dc END"
        ),
        format!(
            "CREATE CONTINUOUS QUERY b ON db BEGIN SELECT {calls} INTO r_b FROM m GROUP BY time(10s), host END"
        ),
        format!(
            "CREATE CONTINUOUS QUERY c ON db BEGIN SELECT {calls} INTO r_c FROM m WHERE v > 40 GROUP BY time(10s), dc END"
        ),
        "CREATE CONTINUOUS QUERY d ON db BEGIN SELECT percentile(v, 90) AS p, count(s) AS ns, \
         sum(i) AS si INTO r_d FROM m GROUP BY time(10s), host END"
            .to_owned(),
    ];
    let f = Fixture::new(&q);
    // Two points per series and second, some sharing a time across series of one group (ties
    // for first/last/min go to the lower series id, in both paths).
    let mut b = PointBatch::new();
    for sec in 0..10i64 {
        for dc in 0..3 {
            for host in 0..4 {
                for k in 0..2i64 {
                    let v = ((sec * 7 + dc * 11 + host * 13 + k * 5) % 50) as f64;
                    b.push(
                        "m",
                        [
                            (Cow::Borrowed("dc"), Cow::Owned(format!("dc{dc}"))),
                            (Cow::Borrowed("host"), Cow::Owned(format!("h{host}"))),
                        ],
                        [
                            (Cow::Borrowed("v"), FieldValue::Float(v)),
                            (
                                Cow::Borrowed("s"),
                                FieldValue::String(Cow::Owned(format!("x{}", (sec + host) % 3))),
                            ),
                            (Cow::Borrowed("i"), FieldValue::Integer(sec - host * 3 + k)),
                        ],
                        T0 + sec * S + k * 500_000_000 + (host % 2) * 1000,
                    );
                }
            }
        }
    }
    f.engine.write("db", None, &b).expect("write");
    let runs = f.tick(T0 + 10 * S);
    assert_eq!(runs.len(), 4, "{runs:?}");
    assert!(
        runs.iter().all(|r| r.written.is_some_and(|n| n > 0)),
        "{runs:?}"
    );
    assert_eq!(f.service.shared_scans(), 1, "one request, one scan");
    assert_eq!(
        f.service.shared_partial_passes(),
        1,
        "a and b share one pass"
    );
    let range = format!("time >= {T0} AND time < {}", T0 + 10 * S);
    for (name, select, cond, by) in [
        ("r_a", calls, "", "dc"),
        ("r_b", calls, "", "host"),
        ("r_c", calls, "v > 40 AND ", "dc"),
        (
            "r_d",
            "percentile(v, 90) AS p, count(s) AS ns, sum(i) AS si",
            "",
            "host",
        ),
    ] {
        let direct = f.series(&format!(
            "SELECT {select} FROM m WHERE {cond}{range} GROUP BY time(10s), {by} fill(none)"
        ));
        // The aliases: what follows each " AS ".
        let columns: Vec<&str> = select
            .split(" AS ")
            .skip(1)
            .map(|c| c.split(',').next().expect("an alias").trim())
            .collect();
        let mut rolled = f.series(&format!(
            "SELECT {} FROM {name} GROUP BY {by}",
            columns.join(", ")
        ));
        for s in &mut rolled {
            s.name = Some("m".to_owned());
        }
        assert_eq!(direct.len(), if by == "dc" { 3 } else { 4 }, "{name}");
        assert_eq!(rolled, direct, "{name}");
    }
}
