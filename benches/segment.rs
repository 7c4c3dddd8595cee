//! Segment write and full-scan throughput on the email-latency shape, against a naive baseline
//! (raw little-endian columns, each LZ4-compressed). Prints bytes per row and per value, a
//! per-column breakdown, and the two codec choices the format made (timestamp transform, string
//! codes), before the timings.
//!
//! Run: `cargo bench --bench segment` (add `-- --quick` for a short run).

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, LogNormal};
use tsdb::encoding::{TimeEncoding, encode_strings, encode_timestamps};
use tsdb::model::{Column, ColumnValues, FieldType, FieldValue, SeriesId};
use tsdb::segment::{Segment, SegmentOptions, SegmentWriter};

const ROWS: usize = 256 * 1024;
const GROUP: usize = 16 * 1024;
const STATUSES: [&str; 5] = ["sent", "deferred", "bounced", "rejected", "expired"];

struct Data {
    series: Vec<(SeriesId, Vec<i64>, Vec<Column>)>,
    rows: usize,
}

fn fields() -> Vec<(String, FieldType)> {
    vec![
        ("latency_ms".into(), FieldType::Float),
        ("size_bytes".into(), FieldType::Integer),
        ("attempts".into(), FieldType::Integer),
        ("status".into(), FieldType::String),
    ]
}

/// Series of 3..=50 rows spread over one hour with nanosecond jitter; latency lognormal (median
/// 20 ms, sigma 0.6) at 3 decimals; sizes lognormal around 30 kB; attempts mostly 1; 5 statuses.
fn generate() -> Data {
    let mut rng = StdRng::seed_from_u64(42);
    let latency = LogNormal::new(20f64.ln(), 0.6).expect("valid lognormal");
    let size = LogNormal::new(30_000f64.ln(), 1.0).expect("valid lognormal");
    let hour = 3_600_000_000_000i64;
    let base = 1_700_000_000_000_000_000i64;
    let mut series = Vec::new();
    let mut rows = 0;
    let mut id = 0u32;
    while rows < ROWS {
        id += rng.random_range(1..4);
        let n = rng.random_range(3..=50usize).min(ROWS - rows);
        let mut ts: Vec<i64> = (0..n).map(|_| base + rng.random_range(0..hour)).collect();
        ts.sort_unstable();
        ts.dedup();
        let n = ts.len();
        let mut cols: Vec<Column> = fields().iter().map(|(_, t)| Column::new(*t)).collect();
        for _ in 0..n {
            let l = (latency.sample(&mut rng) * 1000.0).round() / 1000.0;
            let attempts = if rng.random_bool(0.9) {
                1
            } else {
                rng.random_range(2..6)
            };
            let status = STATUSES[[0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4][rng.random_range(0..11)]];
            cols[0].push(&FieldValue::Float(l));
            cols[1].push(&FieldValue::Integer(size.sample(&mut rng) as i64));
            cols[2].push(&FieldValue::Integer(attempts));
            cols[3].push(&FieldValue::String(status.into()));
        }
        rows += n;
        series.push((SeriesId(id), ts, cols));
    }
    Data { series, rows }
}

fn write_segment(data: &Data, dir: &Path, name: &str, keep: &[usize]) -> u64 {
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    let all = fields();
    let f: Vec<_> = keep.iter().map(|&i| all[i].clone()).collect();
    let mut w = SegmentWriter::create(
        &path,
        &f,
        SegmentOptions {
            row_group_rows: GROUP,
        },
    )
    .expect("create");
    let mut cols = Vec::with_capacity(keep.len());
    for (id, ts, c) in &data.series {
        cols.clear();
        cols.extend(keep.iter().map(|&i| c[i].clone()));
        w.append_series(*id, ts, &cols).expect("append");
    }
    w.finish().expect("finish").bytes
}

fn scan_segment(seg: &Segment) -> usize {
    let all: Vec<usize> = (0..seg.fields().len()).collect();
    let mut rows = 0;
    seg.scan(None, i64::MIN, i64::MAX, &all, &mut |b| {
        rows += b.timestamps.len();
        black_box(&b);
        Ok(())
    })
    .expect("scan");
    rows
}

/// Naive baseline: each column as raw little-endian values (strings as u32 length + bytes),
/// LZ4-compressed with a prepended size.
fn baseline_encode(data: &Data) -> Vec<Vec<u8>> {
    let mut raw: Vec<Vec<u8>> = vec![Vec::new(); 6];
    for (id, ts, cols) in &data.series {
        for (i, t) in ts.iter().enumerate() {
            raw[0].extend_from_slice(&id.get().to_le_bytes());
            raw[1].extend_from_slice(&t.to_le_bytes());
            for (c, col) in cols.iter().enumerate() {
                match &col.values {
                    ColumnValues::Float(v) => raw[2 + c].extend_from_slice(&v[i].to_le_bytes()),
                    ColumnValues::Integer(v) => raw[2 + c].extend_from_slice(&v[i].to_le_bytes()),
                    ColumnValues::String(v) => {
                        raw[2 + c].extend_from_slice(&(v[i].len() as u32).to_le_bytes());
                        raw[2 + c].extend_from_slice(v[i].as_bytes());
                    }
                    _ => {}
                }
            }
        }
    }
    raw.iter()
        .map(|r| lz4_flex::compress_prepend_size(r))
        .collect()
}

fn baseline_decode(cols: &[Vec<u8>]) -> usize {
    let raw: Vec<Vec<u8>> = cols
        .iter()
        .map(|c| lz4_flex::decompress_size_prepended(c).expect("lz4"))
        .collect();
    let ids: Vec<u32> = raw[0]
        .chunks_exact(4)
        .map(|b| u32::from_le_bytes(b.try_into().expect("4")))
        .collect();
    let ts: Vec<i64> = raw[1]
        .chunks_exact(8)
        .map(|b| i64::from_le_bytes(b.try_into().expect("8")))
        .collect();
    let lat: Vec<f64> = raw[2]
        .chunks_exact(8)
        .map(|b| f64::from_le_bytes(b.try_into().expect("8")))
        .collect();
    let size: Vec<i64> = raw[3]
        .chunks_exact(8)
        .map(|b| i64::from_le_bytes(b.try_into().expect("8")))
        .collect();
    let att: Vec<i64> = raw[4]
        .chunks_exact(8)
        .map(|b| i64::from_le_bytes(b.try_into().expect("8")))
        .collect();
    let mut status = Vec::with_capacity(ids.len());
    let mut p = 0;
    while p + 4 <= raw[5].len() {
        let n = u32::from_le_bytes(raw[5][p..p + 4].try_into().expect("4")) as usize;
        status.push(String::from_utf8_lossy(&raw[5][p + 4..p + 4 + n]).into_owned());
        p += 4 + n;
    }
    black_box((&lat, &size, &att, &status));
    ts.len()
}

/// Raw in-memory size of a row: id u32 + ts i64 + 3 × 8-byte numbers + status bytes.
fn raw_bytes(data: &Data) -> u64 {
    let strings: usize = data
        .series
        .iter()
        .map(|(_, _, c)| match &c[3].values {
            ColumnValues::String(v) => v.iter().map(|s| s.len()).sum::<usize>(),
            _ => 0,
        })
        .sum();
    (data.rows * (4 + 8 + 3 * 8) + strings) as u64
}

/// Sizes of the alternatives the format chose between, per 16 Ki-row group, summed.
fn codec_choices(data: &Data) {
    let mut ts_all = Vec::new();
    let mut runs_all: Vec<(usize, u32)> = Vec::new(); // (row start, len)
    let mut status = Vec::new();
    for (_, ts, cols) in &data.series {
        runs_all.push((ts_all.len(), ts.len() as u32));
        ts_all.extend_from_slice(ts);
        if let ColumnValues::String(v) = &cols[3].values {
            status.extend(v.iter().cloned());
        }
    }
    let (mut plain, mut run_delta, mut dict_pco, mut dict_lz4, mut plain_lz4) = (0, 0, 0, 0, 0);
    for g in 0..data.rows.div_ceil(GROUP) {
        let (lo, hi) = (g * GROUP, ((g + 1) * GROUP).min(data.rows));
        let runs: Vec<u32> = runs_all
            .iter()
            .filter_map(|&(s, n)| {
                let e = s + n as usize;
                let (a, b) = (s.max(lo), e.min(hi));
                (a < b).then_some((b - a) as u32)
            })
            .collect();
        for (mode, acc) in [
            (TimeEncoding::Plain, &mut plain),
            (TimeEncoding::RunDelta, &mut run_delta),
        ] {
            let mut out = Vec::new();
            encode_timestamps(&ts_all[lo..hi], &runs, mode, &mut out).expect("encode");
            *acc += out.len();
        }
        let mut out = Vec::new();
        encode_strings(&status[lo..hi], &mut out).expect("encode");
        dict_pco += out.len();
        let codes: Vec<u8> = status[lo..hi]
            .iter()
            .map(|s| STATUSES.iter().position(|x| x == s).unwrap_or(0) as u8)
            .collect();
        dict_lz4 += lz4_flex::block::compress(&codes).len() + 40; // + ~40 B for the 5-entry dictionary
        let mut raw = Vec::new();
        for s in &status[lo..hi] {
            raw.extend_from_slice(&(s.len() as u32).to_le_bytes());
            raw.extend_from_slice(s.as_bytes());
        }
        plain_lz4 += lz4_flex::block::compress(&raw).len();
    }
    let r = data.rows as f64;
    eprintln!(
        "timestamps: plain pco {:.3} B/row, run-delta pco {:.3} B/row",
        plain as f64 / r,
        run_delta as f64 / r
    );
    eprintln!(
        "status: dictionary + pco codes {:.3} B/row, dictionary + lz4 u8 codes {:.3} B/row, plain lz4 {:.3} B/row",
        dict_pco as f64 / r,
        dict_lz4 as f64 / r,
        plain_lz4 as f64 / r
    );
}

fn bench(c: &mut Criterion) {
    let data = generate();
    let dir = tempfile::tempdir().expect("tempdir");
    let rows = data.rows as u64;
    let raw = raw_bytes(&data);
    let seg_bytes = write_segment(&data, dir.path(), "all.tseg", &[0, 1, 2, 3]);
    let base: Vec<Vec<u8>> = baseline_encode(&data);
    let base_bytes: usize = base.iter().map(|c| c.len()).sum();
    let r = rows as f64;
    eprintln!(
        "email_latency shape: {} rows, {} series, raw {:.1} B/row",
        rows,
        data.series.len(),
        raw as f64 / r
    );
    eprintln!(
        "segment: {seg_bytes} B = {:.3} B/row, {:.3} B/value (4 fields + time per row)",
        seg_bytes as f64 / r,
        seg_bytes as f64 / (r * 5.0)
    );
    eprintln!(
        "baseline raw LE + lz4: {base_bytes} B = {:.3} B/row, {:.3} B/value",
        base_bytes as f64 / r,
        base_bytes as f64 / (r * 5.0)
    );
    let skeleton = write_segment(&data, dir.path(), "none.tseg", &[]);
    eprintln!(
        "  series ids + time + index: {:.3} B/row",
        skeleton as f64 / r
    );
    for (i, (name, _)) in fields().iter().enumerate() {
        let b = write_segment(&data, dir.path(), "one.tseg", &[i]);
        eprintln!("  {name}: {:.3} B/value", (b - skeleton) as f64 / r);
    }
    codec_choices(&data);

    let mut g = c.benchmark_group("segment");
    g.sample_size(10);
    g.throughput(Throughput::ElementsAndBytes {
        elements: rows,
        bytes: raw,
    });
    g.bench_function("write", |b| {
        b.iter(|| write_segment(&data, dir.path(), "w.tseg", &[0, 1, 2, 3]))
    });
    let seg = Segment::open(&dir.path().join("all.tseg")).expect("open");
    g.bench_function("scan_all", |b| {
        b.iter(|| assert_eq!(scan_segment(&seg), data.rows))
    });
    g.bench_function("baseline_lz4_write", |b| {
        b.iter(|| black_box(baseline_encode(&data)))
    });
    g.bench_function("baseline_lz4_scan", |b| {
        b.iter(|| assert_eq!(baseline_decode(&base), data.rows))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
