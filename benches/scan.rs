//! Query-engine read primitives on the email-latency shape: `Engine::scan` + a sum of
//! `latency_ms` over compacted segments (1 and 2 sinks, beside the `Engine::read` baseline), and
//! `Engine::group_series` of 700 k series by one key (beside grouping parsed series keys).
//!
//! `cargo bench --bench scan`; `SCAN_BENCH_SERIES` (700 000) and `SCAN_BENCH_POINTS` (15 per
//! series) override the data size. Setup writes through the engine (WAL unsynced), then flushes and
//! compacts, so it takes a while.

use std::borrow::Cow;
use std::hint::black_box;
use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use tsdb::TagPredicate;
use tsdb::engine::{
    Engine, EngineConfig, IndexScope, ReadRequest, ScanBatch, ScanRequest, ScanSink,
    groups_from_tags,
};
use tsdb::model::{ColumnValues, FieldValue, PointBatch};
use tsdb::wal::SyncMode;

const DCS: [&str; 8] = [
    "ams1", "fra2", "lon1", "nyc3", "sfo1", "sgp1", "syd1", "tor1",
];
const HOUR: i64 = 3_600_000_000_000;
const T0: i64 = 1_700_000_000_000_000_000;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// `series` series × `per` points over one hour, one float field; flushed and compacted.
fn setup(dir: &std::path::Path, series: usize, per: usize) -> Arc<Engine> {
    let mut cfg = EngineConfig::new(dir);
    cfg.background = false;
    cfg.wal.sync = SyncMode::None;
    cfg.memtable_max_bytes = usize::MAX;
    let e = Engine::open(cfg).expect("open engine");
    e.create_database("db", None).expect("create database");
    let started = Instant::now();
    let hosts: Vec<String> = (0..series).map(|i| format!("mx{i}")).collect();
    let chunk = 100_000;
    for p in 0..per {
        for from in (0..series).step_by(chunk) {
            let mut b = PointBatch::new();
            for (s, host) in hosts.iter().enumerate().skip(from).take(chunk) {
                let jitter = (s as i64 * 7919 + p as i64 * 104_729) % (HOUR / per as i64);
                let t = T0 + p as i64 * (HOUR / per as i64) + jitter;
                let latency = 5.0 + ((s * 31 + p * 17) % 1000) as f64 / 10.0;
                b.push(
                    "lat",
                    [
                        (Cow::Borrowed("dc"), Cow::Borrowed(DCS[s % DCS.len()])),
                        (Cow::Borrowed("host"), Cow::Borrowed(host.as_str())),
                    ],
                    [(Cow::Borrowed("latency_ms"), FieldValue::Float(latency))],
                    t,
                );
            }
            e.write("db", None, &b).expect("write");
        }
        // One segment per pass over the series: compaction then merges them.
        e.flush().expect("flush");
    }
    e.compact_full().expect("compact");
    eprintln!(
        "setup: {} points in {} series, {} segments, {:.1} s",
        series * per,
        series,
        e.segment_count(),
        started.elapsed().as_secs_f64()
    );
    e
}

/// On-CPU nanoseconds of the calling thread (Linux `schedstat`; 0 elsewhere).
fn thread_cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

#[derive(Default)]
struct Sum {
    rows: u64,
    sum: f64,
}

impl ScanSink for Sum {
    fn consume(&mut self, b: &ScanBatch<'_>) -> ControlFlow<()> {
        self.rows += b.series.len() as u64;
        if let Some(Some(c)) = b.columns.first() {
            if let ColumnValues::Float(v) = &c.values {
                self.sum += v.iter().sum::<f64>();
            }
        }
        ControlFlow::Continue(())
    }
}

fn scan_sum(e: &Engine, req: &ScanRequest, sinks: usize) -> u64 {
    let mut s: Vec<Sum> = (0..sinks).map(|_| Sum::default()).collect();
    {
        let mut refs: Vec<&mut dyn ScanSink> =
            s.iter_mut().map(|x| x as &mut dyn ScanSink).collect();
        e.scan(req, &mut refs).expect("scan");
    }
    black_box(s.iter().map(|x| x.sum).sum::<f64>());
    s.iter().map(|x| x.rows).sum()
}

fn main() {
    let series = env("SCAN_BENCH_SERIES", 700_000);
    let per = env("SCAN_BENCH_POINTS", 15);
    let dir = tempfile::tempdir().expect("tempdir");
    let e = setup(dir.path(), series, per);
    let scope = IndexScope::all_time("db");
    let all = e
        .group_series(&scope, "lat", &TagPredicate::All, &[])
        .expect("series")
        .series;
    let req = ScanRequest {
        database: "db".into(),
        retention_policy: None,
        measurement: "lat".into(),
        min_time: T0,
        max_time: T0 + HOUR,
        series: all,
        fields: vec!["latency_ms".into()],
        times: true,
    };
    let points = scan_sum(&e, &req, 1);
    assert_eq!(points as usize, series * per, "scan saw every point");
    // The machine is shared: besides wall time, report this thread's on-CPU time per point.
    // Cold: the decoded-chunk cache emptied before every scan (pure decode + aggregate); warm: the
    // chunks come decoded from the cache (a repeated query over hot data).
    let variants = [
        ("latency_ms", req.fields.clone(), true),
        ("latency_ms, time column skipped", req.fields.clone(), false),
        ("no field", Vec::new(), true),
    ];
    for (what, fields, times) in variants {
        for cold in [true, false] {
            let r = ScanRequest {
                fields: fields.clone(),
                times,
                ..req.clone()
            };
            scan_sum(&e, &r, 1);
            let (w0, c0) = (Instant::now(), thread_cpu_ns());
            let runs = 5;
            for _ in 0..runs {
                if cold {
                    e.clear_chunk_cache();
                }
                scan_sum(&e, &r, 1);
            }
            let (wall, cpu) = (
                w0.elapsed().as_secs_f64(),
                (thread_cpu_ns() - c0) as f64 / 1e9,
            );
            let n = (points * runs) as f64;
            eprintln!(
                "scan 1 sink, {what}, {}: {:.1} M points/s wall, {:.1} M points/s per on-CPU second",
                if cold { "cold" } else { "warm" },
                n / wall / 1e6,
                n / cpu / 1e6
            );
        }
    }
    for keys in [
        vec!["dc".to_string()],
        vec!["dc".to_string(), "host".to_string()],
    ] {
        let (w0, c0) = (Instant::now(), thread_cpu_ns());
        let g = e
            .group_series(&scope, "lat", &TagPredicate::All, &keys)
            .expect("group");
        eprintln!(
            "group_series by {keys:?}: {} groups, {:.1} ms wall, {:.1} ms on CPU",
            g.groups.len(),
            w0.elapsed().as_secs_f64() * 1e3,
            (thread_cpu_ns() - c0) as f64 / 1e6
        );
    }

    let mut c = Criterion::default()
        .configure_from_args()
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    {
        let mut g = c.benchmark_group("scan_sum");
        g.throughput(Throughput::Elements(points));
        for sinks in [1usize, 2] {
            g.bench_function(format!("engine_scan_{sinks}_sinks"), |b| {
                b.iter(|| scan_sum(&e, &req, sinks))
            });
        }
        let read = ReadRequest {
            database: "db".into(),
            retention_policy: None,
            measurement: "lat".into(),
            min_time: T0,
            max_time: T0 + HOUR,
            predicate: TagPredicate::All,
            fields: Some(vec!["latency_ms".into()]),
        };
        g.bench_function("baseline_engine_read", |b| {
            b.iter(|| {
                let mut sum = 0.0;
                for s in e.read(&read).expect("read") {
                    if let Some((_, c)) = s.fields.first() {
                        if let ColumnValues::Float(v) = &c.values {
                            sum += v.iter().sum::<f64>();
                        }
                    }
                }
                black_box(sum)
            })
        });
        g.finish();
    }
    {
        let mut g = c.benchmark_group("group_series");
        g.throughput(Throughput::Elements(series as u64));
        let keys = vec!["dc".to_string()];
        g.bench_function("by_dc_postings", |b| {
            b.iter(|| {
                e.group_series(&scope, "lat", &TagPredicate::All, &keys)
                    .expect("group")
            })
        });
        let keys2 = vec!["dc".to_string(), "host".to_string()];
        g.bench_function("by_dc_host_postings", |b| {
            b.iter(|| {
                e.group_series(&scope, "lat", &TagPredicate::All, &keys2)
                    .expect("group")
            })
        });
        // Baseline: series keys (from a read with no field) parsed and grouped.
        let read = ReadRequest {
            database: "db".into(),
            retention_policy: None,
            measurement: "lat".into(),
            min_time: T0,
            max_time: T0 + HOUR,
            predicate: TagPredicate::All,
            fields: Some(Vec::new()),
        };
        let tagged: Vec<(u32, Vec<(String, String)>)> = e
            .read(&read)
            .expect("read")
            .into_iter()
            .enumerate()
            .map(|(i, s)| (i as u32, s.tags))
            .collect();
        g.bench_function("baseline_by_dc_parsed_tags", |b| {
            b.iter(|| groups_from_tags(&keys, tagged.iter().cloned()))
        });
        g.finish();
    }
    c.final_summary();
}
