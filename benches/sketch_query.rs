//! Issue 6's query target: a 30-day weekly p99 for all customers from 1-hour sketches, through the
//! InfluxQL executor on a real engine (compacted segments):
//!
//! `SELECT percentile(latency_ms, 99) FROM rollup_1h WHERE time >= T0 AND time < T0 + 30d
//!  GROUP BY time(1w), customer`
//!
//! Data: `SKETCH_QUERY_CUSTOMERS` customers (1 000) × `SKETCH_QUERY_SPLIT` series each (4: two dcs
//! × two directions, as a `GROUP BY time(1h), *` rollup keeps them) × 720 hourly sketches of
//! `SKETCH_QUERY_PER_HOUR` lognormal latencies (60). Also times p50 + p95 + p99 in one query and the
//! weekly p99 over all customers together.
//!
//! Run: `cargo bench --bench sketch_query` (setup writes, flushes and compacts; takes a while).
//! `SKETCH_QUERY_DIR=/some/dir` keeps the data there and reuses it on the next run with the same
//! customers/split/per-hour (data in `<dir>/data`, a `<dir>/ready-<customers>-<split>-<per_hour>`
//! marker written after setup); without it a temporary directory is used and removed.

use std::borrow::Cow;
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use query::exec::{ExecContext, execute};
use query::parser::parse_query;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, LogNormal};
use tsdb::Sketch;
use tsdb::engine::{Engine, EngineConfig};
use tsdb::model::{FieldValue, PointBatch};
use tsdb::wal::SyncMode;

const HOUR: i64 = 3_600_000_000_000;
/// 2023-11-16T00:00:00Z (a Thursday: weekly buckets align with it).
const T0: i64 = 1_700_092_800_000_000_000;
const HOURS: i64 = 30 * 24;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn open(dir: &std::path::Path) -> Arc<Engine> {
    let mut cfg = EngineConfig::new(dir);
    cfg.background = false;
    cfg.wal.sync = SyncMode::None;
    cfg.memtable_max_bytes = usize::MAX;
    Engine::open(cfg).expect("open engine")
}

fn setup(dir: &std::path::Path, customers: usize, split: usize, per_hour: usize) -> Arc<Engine> {
    let e = open(dir);
    e.create_database("db", None).expect("create database");
    let started = Instant::now();
    let mut rng = StdRng::seed_from_u64(6);
    let lat = LogNormal::new(20f64.ln(), 0.6).expect("valid lognormal");
    let names: Vec<String> = (0..customers).map(|c| format!("cust{c:05}")).collect();
    let mut xs = Vec::with_capacity(per_hour);
    let mut sketches = 0usize;
    for day in 0..HOURS / 24 {
        let mut b = PointBatch::new();
        for h in day * 24..(day + 1) * 24 {
            for name in &names {
                for s in 0..split {
                    xs.clear();
                    for _ in 0..per_hour {
                        let mut x: f64 = lat.sample(&mut rng);
                        if rng.random_bool(0.005) {
                            x *= rng.random_range(20.0..50.0);
                        }
                        xs.push((x * 1000.0).round() / 1000.0);
                    }
                    let mut sk = Sketch::default();
                    sk.extend_from(&xs);
                    b.push(
                        "rollup_1h",
                        [
                            (Cow::Borrowed("customer"), Cow::Borrowed(name.as_str())),
                            (Cow::Borrowed("dc"), Cow::Owned(format!("dc{}", s % 2))),
                            (
                                Cow::Borrowed("direction"),
                                Cow::Borrowed(["in", "out"][s / 2 % 2]),
                            ),
                        ],
                        [(
                            Cow::Borrowed("latency_ms"),
                            FieldValue::Sketch(Arc::new(sk)),
                        )],
                        T0 + h * HOUR,
                    );
                    sketches += 1;
                }
            }
        }
        e.write("db", None, &b).expect("write");
        if day % 7 == 6 {
            e.flush().expect("flush");
        }
    }
    e.flush().expect("flush");
    e.compact_full().expect("compact");
    eprintln!(
        "setup: {sketches} hourly sketches ({customers} customers × {split} series × {HOURS} h, \
         {per_hour} values each) in {:.1?}",
        started.elapsed()
    );
    e
}

fn main() {
    let customers = env("SKETCH_QUERY_CUSTOMERS", 1_000);
    let split = env("SKETCH_QUERY_SPLIT", 4);
    let per_hour = env("SKETCH_QUERY_PER_HOUR", 60);
    let (_tmp, e) = match std::env::var_os("SKETCH_QUERY_DIR") {
        Some(d) => {
            let d = std::path::PathBuf::from(d);
            let marker = d.join(format!("ready-{customers}-{split}-{per_hour}"));
            if marker.exists() {
                eprintln!("setup: reusing {}", d.display());
                (None, open(&d.join("data")))
            } else {
                if d.exists() {
                    std::fs::remove_dir_all(&d).expect("clear SKETCH_QUERY_DIR");
                }
                let e = setup(&d.join("data"), customers, split, per_hour);
                std::fs::write(&marker, b"").expect("write marker");
                (None, e)
            }
        }
        None => {
            let t = tempfile::tempdir().expect("temp dir");
            let e = setup(t.path(), customers, split, per_hour);
            (Some(t), e)
        }
    };
    let end = T0 + HOURS * HOUR;
    let queries = [
        (
            "weekly_p99_per_customer",
            format!(
                "SELECT percentile(latency_ms, 99) FROM rollup_1h WHERE time >= {T0} AND time < {end} \
                 GROUP BY time(1w), customer"
            ),
        ),
        (
            "weekly_p50_p95_p99_per_customer",
            format!(
                "SELECT percentile(latency_ms, 50), percentile(latency_ms, 95), \
                 percentile(latency_ms, 99) FROM rollup_1h WHERE time >= {T0} AND time < {end} \
                 GROUP BY time(1w), customer"
            ),
        ),
        (
            "weekly_p99_overall",
            format!(
                "SELECT percentile(latency_ms, 99) FROM rollup_1h WHERE time >= {T0} AND time < {end} \
                 GROUP BY time(1w)"
            ),
        ),
    ];
    let ctx = ExecContext {
        database: Some("db".into()),
        now: end,
        ..ExecContext::default()
    };
    let mut c = Criterion::default()
        .configure_from_args()
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    let mut g = c.benchmark_group("sketch_query");
    g.throughput(Throughput::Elements(
        (customers * split) as u64 * HOURS as u64,
    ));
    for (name, q) in &queries {
        let stmts = parse_query(q).expect("query parses");
        // Sanity: one row per customer per week (5 weekly buckets), no error.
        let r = execute(&*e, &stmts, &ctx);
        assert!(
            r.iter().all(|r| r.error.is_none()),
            "{name}: {:?}",
            r[0].error
        );
        g.bench_function(*name, |b| {
            b.iter(|| black_box(execute(&*e, &stmts, &ctx)));
        });
    }
    g.finish();
    c.final_summary();
}
