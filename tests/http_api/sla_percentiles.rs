//! Issue 6 acceptance: SLA percentiles from sketch rollups, end to end over HTTP.
//!
//! 30 days of raw latency events (lognormal per customer, 0.5 % spikes of ×20–×50, fixed seed) are
//! written through `/write`, rolled up with `SELECT sketch(latency_ms) … INTO` to 1 minute, then 1
//! hour from the 1-minute rollup and 1 day from the 1-hour rollup. Weekly and monthly p50/p95/p99
//! per customer and overall, read from each rollup level with `percentile()` over the sketch field,
//! must be within the sketch's 1 % of the exact `percentile()` over the raw events; count, min and
//! max must equal raw's, sum and mean to 1e-9 relative. The InfluxDB practice (hourly p99 stored
//! with INTO, then `mean(p99)` per week) runs on the same data and its error is printed beside the
//! sketches' — never asserted: it is not bounded. Finally the daily sketches are exported as line
//! protocol (`Accept: application/x-influxdb-line-protocol`) and written to a second server, whose
//! answers must equal the first one's.
//!
//! Sizes: `sla_percentiles_ci` is CI-sized; `sla_percentiles_big` (ignored) reads
//! `TAILDB_SLA_CUSTOMERS`, `TAILDB_SLA_EVENTS`, `TAILDB_SLA_SEED`:
//! `TAILDB_SLA_EVENTS=3000000 cargo test --release -p taildb --test http_api sla_percentiles_big -- --ignored --nocapture`.

use std::collections::BTreeMap;
use std::time::Instant;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, LogNormal};
use serde_json::Value;

use crate::support::App;

const DAY: i64 = 86_400_000_000_000;
/// 2026-10-01T00:00:00Z: a day boundary, so 1-minute, 1-hour and 1-day buckets nest and every
/// rollup row stays in the week (epoch-aligned `time(1w)`) of the events it summarises.
const START: i64 = 1_790_812_800 * 1_000_000_000;
const DAYS: i64 = 30;
const END: i64 = START + DAYS * DAY;
const DCS: [&str; 3] = ["ams", "fra", "iad"];
const PERCENTILES: [u32; 3] = [50, 95, 99];
/// The sketch's relative accuracy (`sketch()` default) plus float slack in the comparison.
const ALPHA: f64 = 0.01 * (1.0 + 1e-9);

struct Workload {
    customers: usize,
    events: usize,
    seed: u64,
}

/// One raw event.
struct Event {
    time: i64,
    customer: usize,
    outbound: bool,
    latency_ms: f64,
}

/// Events in time order: customer `c` has median latency `8 ms · (1 + c % 9)` and σ = 0.6 (ln),
/// traffic weighted towards low customer numbers; a daily cycle (traffic 4× higher at 14:00 UTC
/// than at 02:00, latency up to 1.6× slower under the load); 0.5 % of events are spikes ×20–×50.
fn events(w: &Workload) -> Vec<Event> {
    let mut rng = StdRng::seed_from_u64(w.seed);
    let dists: Vec<LogNormal<f64>> = (0..w.customers)
        .map(|c| LogNormal::new((8.0 * (1 + c % 9) as f64).ln(), 0.6).expect("valid lognormal"))
        .collect();
    let mut out: Vec<Event> = (0..w.events)
        .map(|_| {
            // Square of a uniform: customer 0 gets the most traffic, the last the least.
            let u: f64 = rng.random();
            let customer = ((u * u) * w.customers as f64) as usize % w.customers;
            // Time of day by rejection: accept with the load of its hour.
            let (time, load) = loop {
                let t = rng.random_range(0..DAYS * DAY);
                let load = daily_load(t);
                if rng.random_bool(load) {
                    break (START + t, load);
                }
            };
            let mut latency_ms: f64 = dists[customer].sample(&mut rng) * (1.0 + 0.6 * load);
            if rng.random_bool(0.005) {
                latency_ms *= rng.random_range(20.0..50.0);
            }
            // Milliseconds with microsecond resolution, as a client would send them.
            latency_ms = (latency_ms * 1000.0).round() / 1000.0;
            Event {
                time,
                customer,
                outbound: rng.random_bool(0.5),
                latency_ms,
            }
        })
        .collect();
    out.sort_by_key(|e| e.time);
    out
}

/// Relative traffic in `(0.25, 1]` at `t` ns after midnight UTC of a day: lowest at 02:00, highest
/// at 14:00.
fn daily_load(t: i64) -> f64 {
    let hours = (t % DAY) as f64 / 3.6e12;
    let phase = (hours - 14.0) / 24.0 * std::f64::consts::TAU;
    0.625 + 0.375 * phase.cos()
}

async fn write_events(app: &App, events: &[Event]) {
    for chunk in events.chunks(20_000) {
        let mut body = String::with_capacity(chunk.len() * 80);
        for e in chunk {
            body.push_str(&format!(
                "latency,customer=c{:02},dc={},direction={} latency_ms={:?} {}\n",
                e.customer,
                DCS[e.customer % DCS.len()],
                if e.outbound { "out" } else { "in" },
                e.latency_ms,
                e.time
            ));
        }
        app.write("db=db", &body).await.assert_no_content();
    }
}

/// Runs `q` and returns its first statement's result, failing on any error.
async fn run(app: &App, q: &str) -> Value {
    let v = app.query_epoch(q).await;
    let r = &v["results"][0];
    assert!(r.get("error").is_none(), "{q}: {r}");
    r.clone()
}

/// `SELECT … INTO`: the number of points written.
async fn into(app: &App, q: &str) -> u64 {
    let r = run(app, q).await;
    r["series"][0]["values"][0][1].as_u64().unwrap_or(0)
}

/// A result's rows keyed by (customer tag or "", time), each a column name → value map.
fn rows(result: &Value) -> BTreeMap<(String, i64), BTreeMap<String, Value>> {
    let mut out = BTreeMap::new();
    for s in result["series"].as_array().into_iter().flatten() {
        let customer = s["tags"]["customer"].as_str().unwrap_or("").to_string();
        let cols: Vec<String> = s["columns"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| c.as_str().unwrap_or("").to_string())
            .collect();
        for row in s["values"].as_array().into_iter().flatten() {
            let row = row.as_array().cloned().unwrap_or_default();
            let time = row.first().and_then(Value::as_i64).unwrap_or(0);
            let m = cols.iter().cloned().zip(row).collect();
            out.insert((customer.clone(), time), m);
        }
    }
    out
}

/// Signed relative error.
fn rel(got: f64, want: f64) -> f64 {
    if got == want {
        0.0
    } else {
        (got - want) / want
    }
}

/// The statistics query on `measurement`, weekly or for the whole window, per customer or overall.
fn stats_query(measurement: &str, weekly: bool, per_customer: bool) -> String {
    let mut group = Vec::new();
    if weekly {
        group.push("time(1w)");
    }
    if per_customer {
        group.push("customer");
    }
    let group_by = if group.is_empty() {
        String::new()
    } else {
        format!(" GROUP BY {}", group.join(", "))
    };
    format!(
        "SELECT percentile(latency_ms, 50) AS p50, percentile(latency_ms, 95) AS p95, \
         percentile(latency_ms, 99) AS p99, count(latency_ms) AS n, min(latency_ms) AS lo, \
         max(latency_ms) AS hi, sum(latency_ms) AS total, mean(latency_ms) AS avg \
         FROM {measurement} WHERE time >= {START} AND time < {END}{group_by}"
    )
}

const SCOPES: [(bool, bool, &str); 4] = [
    (true, true, "weekly per customer"),
    (true, false, "weekly overall"),
    (false, true, "monthly per customer"),
    (false, false, "monthly overall"),
];

/// Signed relative errors `(got − exact) / exact` of one method.
#[derive(Default)]
struct Errors(Vec<f64>);

impl Errors {
    fn max(&self) -> f64 {
        self.0.iter().map(|e| e.abs()).fold(0.0, f64::max)
    }

    fn median_of(mut v: Vec<f64>) -> f64 {
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied().unwrap_or(0.0)
    }

    fn median(&self) -> f64 {
        Self::median_of(self.0.iter().map(|e| e.abs()).collect())
    }

    fn median_signed(&self) -> f64 {
        Self::median_of(self.0.clone())
    }
}

/// What one run measured, for the table.
struct Report {
    /// (method, scope, percentile) → errors.
    errors: BTreeMap<(String, &'static str, u32), Errors>,
}

async fn sla(w: Workload) -> Report {
    let app = App::new();
    let t0 = Instant::now();
    let evs = events(&w);
    write_events(&app, &evs).await;
    let t_write = t0.elapsed();

    // Rollups: 1 minute from raw (a day per statement), then rollups of rollups.
    let t1 = Instant::now();
    let mut written_1m = 0;
    for d in 0..DAYS {
        let (a, b) = (START + d * DAY, START + (d + 1) * DAY);
        written_1m += into(
            &app,
            &format!(
                "SELECT sketch(latency_ms) AS latency_ms INTO rollup_1m FROM latency \
                 WHERE time >= {a} AND time < {b} GROUP BY time(1m), *"
            ),
        )
        .await;
    }
    let written_1h = into(
        &app,
        &format!(
            "SELECT sketch(latency_ms) AS latency_ms INTO rollup_1h FROM rollup_1m \
             WHERE time >= {START} AND time < {END} GROUP BY time(1h), *"
        ),
    )
    .await;
    let written_1d = into(
        &app,
        &format!(
            "SELECT sketch(latency_ms) AS latency_ms INTO rollup_1d FROM rollup_1h \
             WHERE time >= {START} AND time < {END} GROUP BY time(1d), *"
        ),
    )
    .await;
    // The InfluxDB practice: hourly p99 per series, averaged later.
    let written_p99 = into(
        &app,
        &format!(
            "SELECT percentile(latency_ms, 99) AS p99 INTO p99_1h FROM latency \
             WHERE time >= {START} AND time < {END} GROUP BY time(1h), *"
        ),
    )
    .await;
    let t_rollup = t1.elapsed();
    assert!(written_1m > 0 && written_1h > 0 && written_1d > 0 && written_p99 > 0);
    assert!(written_1m >= written_1h && written_1h >= written_1d);

    let t2 = Instant::now();
    let mut errors: BTreeMap<(String, &'static str, u32), Errors> = BTreeMap::new();
    for (weekly, per_customer, scope) in SCOPES {
        let exact = rows(&run(&app, &stats_query("latency", weekly, per_customer)).await);
        assert!(!exact.is_empty(), "{scope}: no raw rows");
        for level in ["rollup_1m", "rollup_1h", "rollup_1d"] {
            let got = rows(&run(&app, &stats_query(level, weekly, per_customer)).await);
            assert_eq!(
                got.keys().collect::<Vec<_>>(),
                exact.keys().collect::<Vec<_>>(),
                "{level} {scope}: groups differ from raw"
            );
            for (key, want) in &exact {
                let have = &got[key];
                let ctx = format!("{level} {scope} {key:?}");
                // Exact statistics.
                assert_eq!(have["n"], want["n"], "{ctx}: count");
                if want["n"].as_u64().unwrap_or(0) == 0 {
                    continue;
                }
                assert_eq!(have["lo"], want["lo"], "{ctx}: min");
                assert_eq!(have["hi"], want["hi"], "{ctx}: max");
                for col in ["total", "avg"] {
                    let (h, x) = (f(have, col), f(want, col));
                    assert!(rel(h, x).abs() <= 1e-9, "{ctx}: {col} {h} vs {x}");
                }
                // Quantiles within the sketch's accuracy.
                for p in PERCENTILES {
                    let col = format!("p{p}");
                    let (h, x) = (f(have, &col), f(want, &col));
                    let e = rel(h, x);
                    assert!(e.abs() <= ALPHA, "{ctx}: p{p} {h} vs exact {x} ({e})");
                    errors
                        .entry((format!("sketch {level}"), scope, p))
                        .or_default()
                        .0
                        .push(e);
                }
            }
        }
        // The InfluxDB practice: mean of the hourly p99s, against the exact p99.
        let mut group = vec![];
        if weekly {
            group.push("time(1w)");
        }
        if per_customer {
            group.push("customer");
        }
        let group_by = if group.is_empty() {
            String::new()
        } else {
            format!(" GROUP BY {}", group.join(", "))
        };
        let practice = rows(
            &run(
                &app,
                &format!(
                    "SELECT mean(p99) AS p99 FROM p99_1h WHERE time >= {START} AND time < {END}{group_by}"
                ),
            )
            .await,
        );
        for (key, want) in &exact {
            if want["n"].as_u64().unwrap_or(0) == 0 {
                continue;
            }
            if let Some(have) = practice.get(key) {
                errors
                    .entry(("influxdb mean(hourly p99)".to_string(), scope, 99))
                    .or_default()
                    .0
                    .push(rel(f(have, "p99"), f(want, "p99")));
            }
        }
    }
    let t_check = t2.elapsed();

    // Forwarding: export the daily sketches as line protocol, write them to a second server; its
    // answers equal the first server's, bit for bit.
    let export = app
        .post(
            &format!(
                "/query?db=db&q={}",
                crate::support::encode(&format!(
                    "SELECT latency_ms FROM rollup_1d WHERE time >= {START} AND time < {END} GROUP BY *"
                ))
            ),
            &[("Accept", "application/x-influxdb-line-protocol")],
            axum::body::Body::empty(),
        )
        .await;
    assert_eq!(export.status, axum::http::StatusCode::OK, "{}", export.body);
    assert!(
        export.body.contains("latency_ms=sketch:"),
        "{}",
        crate::support::tail(&export.body)
    );
    let other = App::new();
    other.write("db=db", &export.body).await.assert_no_content();
    for (weekly, per_customer, scope) in SCOPES {
        let q = stats_query("rollup_1d", weekly, per_customer);
        assert_eq!(
            run(&other, &q).await,
            run(&app, &q).await,
            "{scope}: forwarded sketches answer differently"
        );
    }

    println!(
        "sla_percentiles: {} customers, {} events, seed {}: write {:.1?}, rollups {:.1?} \
         (1m {written_1m}, 1h {written_1h}, 1d {written_1d}, p99_1h {written_p99} points), \
         queries {:.1?}",
        w.customers, w.events, w.seed, t_write, t_rollup, t_check
    );
    println!(
        "| method | scope | percentile | groups | max rel. error | median rel. error | median signed |"
    );
    println!("|---|---|---|---|---|---|---|");
    for ((method, scope, p), e) in &errors {
        println!(
            "| {method} | {scope} | p{p} | {} | {:.3} % | {:.3} % | {:+.3} % |",
            e.0.len(),
            e.max() * 100.0,
            e.median() * 100.0,
            e.median_signed() * 100.0
        );
    }
    Report { errors }
}

fn f(row: &BTreeMap<String, Value>, col: &str) -> f64 {
    row.get(col).and_then(Value::as_f64).unwrap_or(f64::NAN)
}

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sla_percentiles_ci() {
    let report = sla(Workload {
        customers: 20,
        events: 200_000,
        seed: 6,
    })
    .await;
    // Every method and scope was measured (the table is not empty by accident).
    assert_eq!(
        report.errors.len(),
        3 * SCOPES.len() * PERCENTILES.len() + SCOPES.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "big run for docs/benchmarks.md; sized by TAILDB_SLA_* environment variables"]
async fn sla_percentiles_big() {
    sla(Workload {
        customers: env("TAILDB_SLA_CUSTOMERS", 50) as usize,
        events: env("TAILDB_SLA_EVENTS", 2_000_000) as usize,
        seed: env("TAILDB_SLA_SEED", 66),
    })
    .await;
}

/// The worked example of `docs/format/sketch.md`.
#[test]
fn format_page_example_bytes() {
    let mut sk = tsdb::Sketch::default();
    sk.extend_from(&[1.0, 2.0, 3.0]);
    let hex: String = sk.to_bytes().iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(
        hex,
        concat!(
            "01",
            "7b14ae47e17a843f",
            "03",
            "00",
            "0000000000001840",
            "000000000000f03f",
            "0000000000000840",
            "00",
            "03000146012801",
            "00"
        )
    );
    // The line-protocol example of docs/percentiles.md and docs/format/sketch.md.
    assert_eq!(
        sk.to_text(),
        "sketch:AXsUrkfheoQ_AwAAAAAAAAAYQAAAAAAAAPA_AAAAAAAACEAAAwABRgEoAQA"
    );
}

/// Sums the sizes of the `.tseg` files under `dir`.
fn segment_bytes(dir: &std::path::Path) -> u64 {
    let mut total = 0;
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            total += segment_bytes(&p);
        } else if p.extension().is_some_and(|x| x == "tseg") {
            total += e.metadata().map(|m| m.len()).unwrap_or(0);
        }
    }
    total
}

/// Storage cost of 1-minute sketches in real, compacted segments, beside the raw events they
/// summarise: `TAILDB_SKETCH_SERIES` series (default 100) × `TAILDB_SKETCH_MINUTES` minutes
/// (default 1440) × 20 lognormal latencies per minute, written through `/write` to two databases,
/// flushed and fully compacted. Prints bytes per sketch and per raw event.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "storage measurement for docs/benchmarks.md"]
async fn sketch_storage_per_series_minute() {
    let series = env("TAILDB_SKETCH_SERIES", 100) as usize;
    let minutes = env("TAILDB_SKETCH_MINUTES", 1440) as i64;
    let app = App::new();
    app.engine
        .create_database("raw", None)
        .expect("create raw database");
    let mut rng = StdRng::seed_from_u64(60);
    let d = LogNormal::new(20f64.ln(), 0.6).expect("valid lognormal");
    let minute = 60_000_000_000i64;
    let (mut sk_body, mut raw_body) = (String::new(), String::new());
    let mut sketches = 0u64;
    for m in 0..minutes {
        for s in 0..series {
            let t = START + m * minute;
            let mut sk = tsdb::Sketch::default();
            for k in 0..20 {
                let mut x: f64 = d.sample(&mut rng);
                if rng.random_bool(0.005) {
                    x *= rng.random_range(20.0..50.0);
                }
                x = (x * 1000.0).round() / 1000.0;
                sk.insert(x);
                raw_body.push_str(&format!(
                    "latency,s=s{s:04} latency_ms={x:?} {}\n",
                    t + k * 2_999_000_000 + rng.random_range(0..1_000_000_000)
                ));
            }
            sk_body.push_str(&format!(
                "rollup_1m,s=s{s:04} latency_ms={} {t}\n",
                sk.to_text()
            ));
            sketches += 1;
        }
        if raw_body.len() > 4_000_000 {
            app.write("db=db", &sk_body).await.assert_no_content();
            app.write("db=raw", &raw_body).await.assert_no_content();
            sk_body.clear();
            raw_body.clear();
        }
    }
    if !raw_body.is_empty() {
        app.write("db=db", &sk_body).await.assert_no_content();
        app.write("db=raw", &raw_body).await.assert_no_content();
    }
    app.engine.compact_full().expect("compact");
    let root = app.engine.data_dir().clone();
    let sk_bytes = segment_bytes(&tsdb::files::database_dir(&root, "db"));
    let raw_bytes = segment_bytes(&tsdb::files::database_dir(&root, "raw"));
    let events = sketches * 20;
    println!(
        "sketch storage: {series} series × {minutes} minutes = {sketches} one-minute sketches of 20 values: \
         {sk_bytes} segment bytes = {:.1} B per sketch ({:.2} B per summarised event); \
         raw events: {raw_bytes} bytes = {:.2} B per event ({:.1} B per series-minute)",
        sk_bytes as f64 / sketches as f64,
        sk_bytes as f64 / events as f64,
        raw_bytes as f64 / events as f64,
        raw_bytes as f64 / sketches as f64,
    );
    assert!(sk_bytes > 0 && raw_bytes > 0);
}

/// The retention policies and continuous queries of `docs/percentiles.md`, verbatim (keep them in
/// step); the test runs them on database `db` instead of `mydb`, which `App` creates.
const DOCS_SETUP: &str = "
CREATE RETENTION POLICY raw_7d   ON mydb DURATION 7d   REPLICATION 1 DEFAULT
CREATE RETENTION POLICY m1_30d   ON mydb DURATION 30d  REPLICATION 1
CREATE RETENTION POLICY h1_400d  ON mydb DURATION 400d REPLICATION 1
CREATE RETENTION POLICY d1_inf   ON mydb DURATION INF  REPLICATION 1
CREATE CONTINUOUS QUERY sketch_1m ON mydb BEGIN
  SELECT sketch(latency_ms) AS latency_ms INTO mydb.m1_30d.rollup_1m
  FROM mydb.raw_7d.latency GROUP BY time(1m), *
END
CREATE CONTINUOUS QUERY sketch_1h ON mydb BEGIN
  SELECT sketch(latency_ms) AS latency_ms INTO mydb.h1_400d.rollup_1h
  FROM mydb.m1_30d.rollup_1m GROUP BY time(1h), *
END
CREATE CONTINUOUS QUERY sketch_1d ON mydb BEGIN
  SELECT sketch(latency_ms) AS latency_ms INTO mydb.d1_inf.rollup_1d
  FROM mydb.h1_400d.rollup_1h GROUP BY time(1d), *
END";

/// The documented CQ chain (1 m → 1 h → 1 d), run by the CQ service's `BACKFILL` over two days of
/// events just before now (inside `raw_7d`), answers the raw events' percentiles within 1 % and
/// their counts and maxima exactly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn documented_cq_chain_rolls_up_sketches() {
    use query::cq::{ContinuousQueryService, ManualClock, ServiceConfig};
    use std::sync::Arc;

    let app = App::new();
    let setup = DOCS_SETUP.replace("mydb", "db");
    let mut statements: Vec<String> = Vec::new();
    for line in setup.lines().filter(|l| !l.trim().is_empty()) {
        if line.starts_with("CREATE") {
            statements.push(line.to_string());
        } else if let Some(last) = statements.last_mut() {
            last.push('\n');
            last.push_str(line);
        }
    }
    for st in &statements {
        let r = run(&app, st).await;
        assert!(r.get("error").is_none(), "{st}: {r}");
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as i64)
        .unwrap_or(START + 40 * DAY);
    let (a, b) = (now / DAY * DAY - 2 * DAY, now / DAY * DAY);
    let mut rng = StdRng::seed_from_u64(61);
    let d = LogNormal::new(20f64.ln(), 0.6).expect("valid lognormal");
    let mut body = String::new();
    for _ in 0..20_000 {
        let c = rng.random_range(0..5);
        let x = (d.sample(&mut rng) * 1000.0).round() / 1000.0;
        body.push_str(&format!(
            "latency,customer=c{c},dc={} latency_ms={x:?} {}\n",
            DCS[c % 3],
            rng.random_range(a..b)
        ));
    }
    app.write("db=db", &body).await.assert_no_content();

    let svc = ContinuousQueryService::new(
        Arc::clone(&app.engine),
        Arc::new(ManualClock::new(now)),
        ServiceConfig::default(),
    );
    for name in ["sketch_1m", "sketch_1h", "sketch_1d"] {
        let (_, written, _) = svc.backfill("db", name, a, b).expect("backfill");
        assert!(written > 0, "{name} wrote nothing");
    }
    let q = |m: &str| {
        format!(
            "SELECT percentile(latency_ms, 99) AS p99, median(latency_ms) AS p50, \
             count(latency_ms) AS n, max(latency_ms) AS hi FROM {m} \
             WHERE time >= {a} AND time < {b} GROUP BY customer"
        )
    };
    let exact = rows(&run(&app, &q("db.raw_7d.latency")).await);
    let got = rows(&run(&app, &q("db.d1_inf.rollup_1d")).await);
    assert_eq!(exact.len(), 5);
    assert_eq!(
        got.keys().map(|k| &k.0).collect::<Vec<_>>(),
        exact.keys().map(|k| &k.0).collect::<Vec<_>>()
    );
    for ((customer, _), want) in &exact {
        let have = got
            .iter()
            .find(|(k, _)| &k.0 == customer)
            .map(|(_, v)| v)
            .expect("customer present");
        assert_eq!(have["n"], want["n"], "{customer}");
        assert_eq!(have["hi"], want["hi"], "{customer}");
        for col in ["p99", "p50"] {
            let e = rel(f(have, col), f(want, col));
            assert!(e.abs() <= ALPHA, "{customer} {col}: {e}");
        }
    }
}
