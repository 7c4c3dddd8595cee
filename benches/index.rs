//! Series index: term lookup (`series(m, k = v)` on a 1 M-value tag), postings intersection
//! (`AND` of two equalities on large bitmaps), regex over 1 M values (`tag_values` with a filter
//! run as a DFA over the fst, beside a naive baseline calling `is_match` on every value held in a
//! `Vec<String>`), and insert of new series.
//!
//! `cargo bench --bench index`; `INDEX_BENCH_SERIES` overrides the 1 M series count.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, Criterion, Throughput};
use roaring::RoaringBitmap;
use tsdb::index::{IndexOptions, SeriesIndex};
use tsdb::{TagPredicate, TagRegex};

const DCS: [&str; 4] = ["ams1", "fra2", "lon1", "nyc3"];

fn n_series() -> usize {
    std::env::var("INDEX_BENCH_SERIES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000)
}

/// Series `i`: one customer per series (1 M values), 4 dcs, 2 directions, 64 hosts.
fn key(i: usize, salt: &str) -> String {
    format!(
        "email_latency,customer=c{}{salt},dc={},direction={},host=mx{}",
        i,
        DCS[i % 4],
        ["in", "out"][i / 4 % 2],
        i % 64
    )
}

fn insert_range(idx: &SeriesIndex, ids: std::ops::Range<usize>, salt: &str) {
    let keys: Vec<String> = ids.clone().map(|i| key(i, salt)).collect();
    for (chunk_ids, chunk_keys) in ids.collect::<Vec<_>>().chunks(5000).zip(keys.chunks(5000)) {
        let batch: Vec<(u32, &str)> = chunk_ids
            .iter()
            .zip(chunk_keys)
            .map(|(&i, k)| (i as u32, k.as_str()))
            .collect();
        idx.insert(&batch).unwrap_or_else(|e| panic!("insert: {e}"));
    }
}

fn re(p: &str) -> TagRegex {
    TagRegex::new(p).unwrap_or_else(|e| panic!("{e}"))
}

fn count_values(idx: &SeriesIndex, filter: Option<&TagRegex>) -> (u64, u64) {
    let (mut values, mut ids) = (0u64, 0u64);
    idx.tag_values("email_latency", "customer", filter, &mut |_, bm| {
        values += 1;
        ids += bm.len();
        true
    })
    .unwrap_or_else(|e| panic!("tag_values: {e}"));
    (values, ids)
}

fn bench(c: &mut Criterion) {
    let n = n_series();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let opts = IndexOptions {
        mutable_max_postings: usize::MAX,
        max_segments: 4,
    };
    let idx = SeriesIndex::open(dir.path(), opts.clone()).unwrap_or_else(|e| panic!("{e}"));
    insert_range(&idx, 0..n, "");
    let live: RoaringBitmap = (0..n as u32).collect();
    idx.maintain(&live, true)
        .unwrap_or_else(|e| panic!("maintain: {e}"));
    drop(idx);
    // Reopened: everything is in one mapped segment, nothing in memory.
    let idx = SeriesIndex::open(dir.path(), opts.clone()).unwrap_or_else(|e| panic!("{e}"));

    let mut g = c.benchmark_group("index");
    g.sample_size(10).measurement_time(Duration::from_secs(5));

    const LOOKUPS: usize = 1000;
    let probes: Vec<TagPredicate> = (0..LOOKUPS)
        .map(|i| TagPredicate::Eq("customer".into(), format!("c{}", (i * 7919) % n)))
        .collect();
    g.throughput(Throughput::Elements(LOOKUPS as u64));
    g.bench_function("term_lookup_series_eq_1m_values", |b| {
        b.iter(|| {
            probes
                .iter()
                .map(|p| idx.series("email_latency", p).map_or(0, |bm| bm.len()))
                .sum::<u64>()
        })
    });

    let and = TagPredicate::And(
        Box::new(TagPredicate::Eq("dc".into(), "ams1".into())),
        Box::new(TagPredicate::Eq("direction".into(), "in".into())),
    );
    // Elements: ids in the two operands (n/4 + n/2).
    g.throughput(Throughput::Elements((n / 4 + n / 2) as u64));
    g.bench_function("postings_intersection_and_of_two_eq", |b| {
        b.iter(|| {
            idx.series("email_latency", black_box(&and))
                .map_or(0, |bm| bm.len())
        })
    });

    let values: Vec<String> = (0..n).map(|i| format!("c{i}")).collect();
    g.throughput(Throughput::Elements(n as u64));
    for (name, pattern) in [
        ("grafana_alternation", "^(c12345|c777|c424242)$"),
        ("anchored_prefix", "^c1234"),
        ("unanchored_substring", "99"),
        ("case_insensitive", "(?i)^C9999"),
    ] {
        let r = re(pattern);
        let (hits, _) = count_values(&idx, Some(&r));
        eprintln!("index bench: regex {pattern:?} matches {hits} of {n} values");
        g.bench_function(format!("regex_1m_values_dfa_{name}"), |b| {
            b.iter(|| count_values(&idx, Some(&r)))
        });
        g.bench_function(format!("regex_1m_values_naive_vec_scan_{name}"), |b| {
            b.iter(|| values.iter().filter(|v| r.is_match(v)).count())
        });
    }
    g.bench_function("tag_values_all_1m_with_postings", |b| {
        b.iter(|| count_values(&idx, None))
    });

    const NEW: usize = 100_000;
    g.throughput(Throughput::Elements(NEW as u64));
    g.bench_function("insert_new_series_100k", |b| {
        b.iter_batched(
            || {
                let d = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
                let i = SeriesIndex::open(d.path(), opts.clone()).unwrap_or_else(|e| panic!("{e}"));
                (d, i)
            },
            |(d, i)| {
                insert_range(&i, 0..NEW, "-new");
                (d, i)
            },
            BatchSize::PerIteration,
        )
    });
    g.bench_function("insert_new_series_100k_into_1m_segment", |b| {
        b.iter_batched(
            || SeriesIndex::open(dir.path(), opts.clone()).unwrap_or_else(|e| panic!("{e}")),
            |i| {
                let ids = n..n + NEW;
                insert_range(&i, ids, "-new");
                i
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();

    let files: u64 = std::fs::read_dir(dir.path())
        .map(|d| {
            d.filter_map(|e| e.ok()?.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0);
    eprintln!(
        "index bench: {n} series in one segment of {files} bytes ({:.1} B/series)",
        files as f64 / n as f64
    );
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
    c.final_summary();
}
