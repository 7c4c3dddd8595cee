//! Write-path cost of late-write watches: 5,000-point batches through `Engine::write` with
//!   - `0_watches`: no watch at all (the baseline),
//!   - `20_watches_on_time`: 20 watches on the database whose watermark no point reaches (the
//!     normal case: every point is newer than every computed window),
//!   - `20_watches_5pct_late`: the same 20 watches with 5 % of each batch's points late (inside
//!     the watermark, above the floor: they mark buckets).
//!
//! The WAL runs with `SyncMode::None` so the fsync does not hide the CPU cost being measured; the
//! memtables are flushed outside the timed section every 100 batches. Throughput is in points.
//!
//! `watch_mark_5000` times the marking step alone over the same batches (it does not depend on
//! the disk or on the other load of a shared machine as much as a whole write does), beside a
//! naive marker that locks every watch for every point.
#![allow(clippy::unwrap_used)]

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use tsdb::wal::{SyncMode, WalOptions};
use tsdb::watch::{BatchMarker, WatchRegistry};
use tsdb::{
    Engine, EngineConfig, FieldValue, MeasurementFilter, PointBatch, WatchSpec, WriteOrigin,
};

const POINTS: usize = 5_000;
const SERIES: usize = 1_000;
const T0: i64 = 1_700_000_000_000_000_000;
const S: i64 = 1_000_000_000;

fn engine(dir: &std::path::Path) -> Arc<Engine> {
    let mut c = EngineConfig::new(dir);
    c.background = false;
    c.wal = WalOptions {
        sync: SyncMode::None,
        ..WalOptions::default()
    };
    let e = Engine::open(c).unwrap();
    e.create_database("db", None).unwrap();
    e
}

/// Hosts cycle over `SERIES` series; on-time points lie in `[T0, T0 + 5 s)`; with `late`, every
/// 20th point lies 10 s – 30 min before `T0` (the watermark).
fn batch(hosts: &[String], late: bool) -> PointBatch<'_> {
    let mut b = PointBatch::new();
    for i in 0..POINTS {
        let t = if late && i % 20 == 0 {
            T0 - 10 * S - (i as i64 * 7 % 1790) * S
        } else {
            T0 + i as i64 * 1_000_000
        };
        b.push(
            "latency",
            [(
                Cow::Borrowed("host"),
                Cow::Borrowed(hosts[i % SERIES].as_str()),
            )],
            [(Cow::Borrowed("value"), FieldValue::Float(i as f64))],
            t,
        );
    }
    b
}

fn register(e: &Engine, n: usize) {
    let intervals = [10 * S, 60 * S, 3600 * S];
    for k in 0..n {
        let id = format!("cq{k}");
        let measurements = if k % 2 == 0 {
            MeasurementFilter::Names(vec!["latency".into()])
        } else {
            MeasurementFilter::All
        };
        e.register_watch(
            &id,
            WatchSpec {
                database: "db".into(),
                retention_policy: None,
                measurements,
                interval: intervals[k % 3],
                offset: 0,
            },
        )
        .unwrap();
        // Windows up to T0 were computed; the repair look-back is 7 days.
        e.begin_window(&id, T0 - intervals[k % 3], T0);
        e.finish_window(&id, T0 - intervals[k % 3], T0, true);
        e.set_watch_floor(&id, T0 - 7 * 24 * 3600 * S);
    }
}

fn write_cost(c: &mut Criterion) {
    let hosts: Vec<String> = (0..SERIES).map(|i| format!("mx-{i:04}")).collect();
    let mut g = c.benchmark_group("watch_write_5000");
    g.throughput(Throughput::Elements(POINTS as u64))
        .sample_size(20)
        .measurement_time(Duration::from_secs(8));
    for (name, watches, late) in [
        ("0_watches", 0, false),
        ("20_watches_on_time", 20, false),
        ("20_watches_5pct_late", 20, true),
    ] {
        let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
        let e = engine(dir.path());
        register(&e, watches);
        let b = batch(&hosts, late);
        // Warm the catalog and index: every series exists before timing starts.
        e.write("db", None, &b).unwrap();
        let mut since_flush = 0;
        g.bench_function(BenchmarkId::from_parameter(name), |bench| {
            bench.iter_custom(|iters| {
                let mut spent = Duration::ZERO;
                for _ in 0..iters {
                    if since_flush >= 100 {
                        e.flush().unwrap();
                        since_flush = 0;
                    }
                    let t = Instant::now();
                    let out = e.write("db", None, &b).unwrap();
                    spent += t.elapsed();
                    assert_eq!(out.written, POINTS);
                    since_flush += 1;
                }
                spent
            })
        });
        if watches > 0 {
            let st = e.watch_status("cq0").unwrap();
            assert_eq!(
                st.dirty > 0,
                late,
                "late points must mark, on-time ones must not"
            );
        }
        e.close().unwrap();
    }
    g.finish();
}

/// The marking step alone (what `write` adds under the flush gate), over the same batches: the
/// real `BatchMarker` beside a naive one that takes each watch's lock for every point.
fn marking_only(c: &mut Criterion) {
    let hosts: Vec<String> = (0..SERIES).map(|i| format!("mx-{i:04}")).collect();
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let path = dir.path().join("watches.tdb");
    let reg = WatchRegistry::open(&path).unwrap();
    let intervals = [10 * S, 60 * S, 3600 * S];
    for k in 0..20 {
        let id = format!("cq{k}");
        reg.register(
            &id,
            WatchSpec {
                database: "db".into(),
                retention_policy: None,
                measurements: MeasurementFilter::Names(vec!["latency".into()]),
                interval: intervals[k % 3],
                offset: 0,
            },
        )
        .unwrap();
        let w = reg.get(&id).unwrap();
        w.begin_window(T0 - intervals[k % 3], T0);
        w.set_floor(T0 - 7 * 24 * 3600 * S);
    }
    let ws = reg.for_database("db").unwrap();
    let naive_sets: Vec<Mutex<BTreeSet<i64>>> =
        (0..20).map(|_| Mutex::new(BTreeSet::new())).collect();
    let mut g = c.benchmark_group("watch_mark_5000");
    g.throughput(Throughput::Elements(POINTS as u64))
        .sample_size(30);
    for (name, late) in [("on_time", false), ("5pct_late", true)] {
        let b = batch(&hosts, late);
        g.bench_function(BenchmarkId::new("batch_marker", name), |bench| {
            bench.iter(|| {
                if let Some(mut m) = BatchMarker::new(&ws, "autogen", WriteOrigin::Client) {
                    for p in &b.points {
                        m.point(&p.measurement, p.timestamp);
                    }
                    m.finish();
                }
            })
        });
        g.bench_function(BenchmarkId::new("naive_lock_per_point", name), |bench| {
            bench.iter(|| {
                for p in &b.points {
                    for (w, set) in ws.iter().zip(&naive_sets) {
                        let mut set = set.lock().unwrap();
                        let st = w.status();
                        let until = st.marking_until.unwrap_or(i64::MIN);
                        if st.floor <= p.timestamp && p.timestamp < until {
                            let iv = w.spec.interval;
                            set.insert(p.timestamp.div_euclid(iv) * iv);
                        }
                    }
                }
            })
        });
    }
    g.finish();
}

criterion_group!(benches, write_cost, marking_only);
criterion_main!(benches);
