//! The `sketch` field type (issue 6): insert, merge of typical 1-minute and 1-hour latency sketches
//! against a naive baseline (keep the raw values, concatenate, sort, take the nearest-rank
//! percentile), the value encoding, and the segment column codec. Prints encoded sizes first.
//!
//! Latencies: lognormal (median 20 ms, σ = 0.6) at microsecond resolution, 0.5 % spikes ×20–×50;
//! 20 values per minute per series, so a 1-minute sketch holds 20 values, a 1-hour one 1,200.
//!
//! Run: `cargo bench --bench sketch` (add `-- --quick` for a short run).

use std::hint::black_box;
use std::sync::Arc;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, LogNormal};
use tsdb::Sketch;
use tsdb::encoding::{decode_sketch_values, decode_sketches, encode_sketches};
use tsdb::sketch::SketchRow;

const PER_MINUTE: usize = 20;

fn latencies(rng: &mut StdRng, n: usize) -> Vec<f64> {
    let d = LogNormal::new(20f64.ln(), 0.6).expect("valid lognormal");
    (0..n)
        .map(|_| {
            let mut x: f64 = d.sample(rng);
            if rng.random_bool(0.005) {
                x *= rng.random_range(20.0..50.0);
            }
            (x * 1000.0).round() / 1000.0
        })
        .collect()
}

/// `n` sketches of `per` values each, with the raw values they were built from.
fn sketches(seed: u64, n: usize, per: usize) -> (Vec<Sketch>, Vec<Vec<f64>>) {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..n)
        .map(|_| {
            let xs = latencies(&mut rng, per);
            let mut sk = Sketch::default();
            sk.extend_from(&xs);
            (sk, xs)
        })
        .unzip()
}

/// The naive baseline's percentile: InfluxDB's nearest rank over sorted raw values.
fn naive_percentile(parts: &[Vec<f64>], p: f64) -> f64 {
    let mut all: Vec<f64> = Vec::with_capacity(parts.iter().map(Vec::len).sum());
    for x in parts {
        all.extend_from_slice(x);
    }
    all.sort_unstable_by(f64::total_cmp);
    let i = ((all.len() as f64 * p / 100.0 + 0.5).floor() as usize).saturating_sub(1);
    all.get(i).copied().unwrap_or(f64::NAN)
}

fn print_sizes() {
    for (label, per) in [("1-minute", PER_MINUTE), ("1-hour", PER_MINUTE * 60)] {
        let (sks, _) = sketches(1, 1000, per);
        let bytes: usize = sks.iter().map(|s| s.to_bytes().len()).sum();
        let text: usize = sks.iter().map(|s| s.to_text().len()).sum();
        let buckets: usize = sks.iter().map(Sketch::bucket_count).sum();
        let arcs: Vec<Arc<Sketch>> = sks.into_iter().map(Arc::new).collect();
        let mut col = Vec::new();
        encode_sketches(&arcs, &mut col);
        println!(
            "{label} sketch ({per} values): {:.1} buckets, encoding {:.1} B, text {:.1} B, \
             segment column codec {:.1} B per sketch (raw values as f64: {} B)",
            buckets as f64 / 1000.0,
            bytes as f64 / 1000.0,
            text as f64 / 1000.0,
            col.len() as f64 / 1000.0,
            per * 8
        );
    }
}

fn bench(c: &mut Criterion) {
    print_sizes();

    let mut g = c.benchmark_group("sketch_insert");
    let mut rng = StdRng::seed_from_u64(7);
    let xs = latencies(&mut rng, 100_000);
    g.throughput(Throughput::Elements(xs.len() as u64));
    g.bench_function("insert_100k_values", |b| {
        b.iter(|| {
            let mut sk = Sketch::default();
            sk.extend_from(black_box(&xs));
            black_box(sk.count())
        })
    });
    g.finish();

    // Merge: 60 one-minute sketches into an hour, 24 one-hour sketches into a day; then p99.
    for (label, n, per) in [
        ("1m_into_1h", 60, PER_MINUTE),
        ("1h_into_1d", 24, PER_MINUTE * 60),
    ] {
        let (sks, raw) = sketches(11, n, per);
        let mut g = c.benchmark_group(format!("sketch_merge_{label}"));
        g.throughput(Throughput::Elements(n as u64));
        g.bench_function(BenchmarkId::new("sketch_merge_p99", n), |b| {
            b.iter(|| {
                let mut acc = Sketch::default();
                for s in black_box(&sks) {
                    let _ = acc.merge(s);
                }
                black_box(acc.percentile(99.0))
            })
        });
        g.bench_function(BenchmarkId::new("naive_concat_sort_p99", n), |b| {
            b.iter(|| black_box(naive_percentile(black_box(&raw), 99.0)))
        });
        g.finish();
    }

    // Value encoding of 1-minute and 1-hour sketches.
    for (label, per) in [("1m", PER_MINUTE), ("1h", PER_MINUTE * 60)] {
        let (sks, _) = sketches(13, 1000, per);
        let encoded: Vec<Vec<u8>> = sks.iter().map(Sketch::to_bytes).collect();
        let mut g = c.benchmark_group(format!("sketch_encoding_{label}"));
        g.throughput(Throughput::Elements(sks.len() as u64));
        g.bench_function("encode", |b| {
            let mut out = Vec::with_capacity(256 * 1024);
            b.iter(|| {
                out.clear();
                for s in black_box(&sks) {
                    s.encode(&mut out);
                }
                black_box(out.len())
            })
        });
        g.bench_function("decode", |b| {
            b.iter(|| {
                let mut n = 0;
                for e in black_box(&encoded) {
                    n += Sketch::decode(e).map(|s| s.count()).unwrap_or(0);
                }
                black_box(n)
            })
        });
        g.finish();
    }

    // Segment column codec over 10,000 one-minute sketches (one row group's worth).
    let (sks, _) = sketches(17, 10_000, PER_MINUTE);
    let arcs: Vec<Arc<Sketch>> = sks.into_iter().map(Arc::new).collect();
    let mut col = Vec::new();
    encode_sketches(&arcs, &mut col);
    let mut g = c.benchmark_group("sketch_segment_column_1m");
    g.throughput(Throughput::Elements(arcs.len() as u64));
    g.bench_function("encode_sketches", |b| {
        let mut out = Vec::with_capacity(col.len() * 2);
        b.iter(|| {
            out.clear();
            encode_sketches(black_box(&arcs), &mut out);
            black_box(out.len())
        })
    });
    g.bench_function("decode_sketches", |b| {
        let mut out = Vec::with_capacity(arcs.len());
        b.iter(|| {
            let r = decode_sketches(black_box(&col), arcs.len(), &mut out);
            black_box((r.is_ok(), out.len()))
        })
    });
    g.finish();

    // The query path over one segment column of 10,000 hourly rollups of 60 values (the
    // `sketch_query` bench's rows): decode the column and merge every row into one sketch. The
    // baseline decodes a shared `Sketch` per row (`decode_sketches`) and merges those; the real
    // path keeps the column encoded (`decode_sketch_values`, every row validated) and merges
    // straight from the bytes; "merge_only" is a cache hit (the column decoded already).
    let (sks, _) = sketches(23, 10_000, 60);
    let arcs: Vec<Arc<Sketch>> = sks.into_iter().map(Arc::new).collect();
    let mut col = Vec::new();
    encode_sketches(&arcs, &mut col);
    let mut g = c.benchmark_group("sketch_column_merge_1h60");
    g.throughput(Throughput::Elements(arcs.len() as u64));
    g.bench_function("naive_decode_arcs_then_merge", |b| {
        let mut out = Vec::with_capacity(arcs.len());
        b.iter(|| {
            decode_sketches(black_box(&col), arcs.len(), &mut out).expect("valid column");
            let mut acc = Sketch::default();
            for s in &out {
                acc.merge(s).expect("same accuracy");
            }
            black_box(acc.percentile(99.0))
        })
    });
    g.bench_function("decode_encoded_then_merge_encoded", |b| {
        b.iter(|| {
            let v = decode_sketch_values(black_box(&col), arcs.len()).expect("valid column");
            let mut acc = Sketch::default();
            for r in v.iter() {
                if let SketchRow::Encoded(bytes) = r {
                    acc.merge_encoded(bytes).expect("valid row");
                }
            }
            black_box(acc.percentile(99.0))
        })
    });
    let v = decode_sketch_values(&col, arcs.len()).expect("valid column");
    g.bench_function("merge_encoded_only", |b| {
        b.iter(|| {
            let mut acc = Sketch::default();
            for r in black_box(&v).iter() {
                if let SketchRow::Encoded(bytes) = r {
                    acc.merge_encoded(bytes).expect("valid row");
                }
            }
            black_box(acc.percentile(99.0))
        })
    });
    g.bench_function("decode_encoded_only", |b| {
        b.iter(|| black_box(decode_sketch_values(black_box(&col), arcs.len()).map(|v| v.len())))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
