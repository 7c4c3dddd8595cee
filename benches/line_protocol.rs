//! Line-protocol parse throughput on the email-latency workload (DESIGN.md), against a naive
//! `str::split` parser that handles no escapes, no quoting rules and no error texts.
//!
//! Run: `cargo bench --bench line_protocol`. Throughput is bytes of line protocol per second.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ingest::line_protocol::{ParseOptions, parse_lines};
use tsdb::PointBatch;

/// A small deterministic generator (xorshift64*), so every run parses the same body.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// `lines` email_latency lines with varied customers, hosts, values and statuses.
fn email_latency_body(lines: usize) -> String {
    const DCS: [&str; 4] = ["ams1", "fra2", "iad1", "sjc3"];
    const DIRECTIONS: [&str; 2] = ["inbound", "outbound"];
    const STATUS: [&str; 4] = ["delivered", "deferred", "bounced", "rejected"];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut body = String::with_capacity(lines * 160);
    let mut ts: u64 = 1_700_000_000_000_000_000;
    for _ in 0..lines {
        let dc = DCS[rng.below(4) as usize];
        let dir = DIRECTIONS[rng.below(2) as usize];
        let customer = rng.below(100_000);
        let host = rng.below(40);
        let latency = rng.below(2_000_000) as f64 / 1000.0;
        let size = 500 + rng.below(10_000_000);
        let attempts = 1 + rng.below(5);
        let status = STATUS[(rng.below(16) as usize).min(3)];
        ts += rng.below(5_000_000);
        body.push_str(&format!(
            "email_latency,customer=cust{customer:05},dc={dc},direction={dir},host=mx-{dc}-{host:03} \
             latency_ms={latency},size_bytes={size}i,attempts={attempts}i,status=\"{status}\" {ts}\n"
        ));
    }
    body
}

/// The naive baseline: split on newlines, spaces, commas and `=`; parse numbers; no escapes.
/// Collects into a reused flat vector like the real parser, to compare like with like.
#[derive(Debug)]
#[allow(
    dead_code,
    reason = "values are built and dropped, as in the real parser's batch"
)]
enum NaiveValue<'a> {
    Float(f64),
    Int(i64),
    Str(&'a str),
    Bool(bool),
}

fn naive_parse<'a>(
    body: &'a str,
    tags: &mut Vec<(&'a str, &'a str)>,
    fields: &mut Vec<(&'a str, NaiveValue<'a>)>,
) -> usize {
    let mut points = 0;
    for line in body.split('\n') {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut parts = line.split(' ');
        let (Some(key), Some(fieldset)) = (parts.next(), parts.next()) else {
            continue;
        };
        let ts: i64 = parts.next().and_then(|t| t.parse().ok()).unwrap_or(0);
        let mut key_parts = key.split(',');
        let _measurement = key_parts.next();
        for tag in key_parts {
            if let Some((k, v)) = tag.split_once('=') {
                tags.push((k, v));
            }
        }
        for field in fieldset.split(',') {
            let Some((k, v)) = field.split_once('=') else {
                continue;
            };
            let value = if let Some(s) = v.strip_prefix('"') {
                NaiveValue::Str(s.trim_end_matches('"'))
            } else if let Some(i) = v.strip_suffix('i') {
                NaiveValue::Int(i.parse().unwrap_or(0))
            } else if v == "true" || v == "false" {
                NaiveValue::Bool(v == "true")
            } else {
                NaiveValue::Float(v.parse().unwrap_or(0.0))
            };
            fields.push((k, value));
        }
        black_box(ts);
        points += 1;
    }
    points
}

fn bench(c: &mut Criterion) {
    let body = email_latency_body(5_000);
    let bytes = body.as_bytes();
    let opts = ParseOptions {
        now: 1_700_000_000_000_000_000,
        ..ParseOptions::default()
    };

    // Sanity: every line parses.
    let mut batch = PointBatch::new();
    let mut errors = Vec::new();
    parse_lines(bytes, &opts, &mut batch, &mut errors);
    assert!(errors.is_empty(), "{:?}", errors.first());
    assert_eq!(batch.len(), 5_000);

    let mut group = c.benchmark_group("line_protocol/email_latency");
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.bench_function("parse_lines", |b| {
        let mut batch = PointBatch::new();
        let mut errors = Vec::new();
        b.iter(|| {
            batch.clear();
            errors.clear();
            parse_lines(black_box(bytes), &opts, &mut batch, &mut errors);
            black_box(batch.len())
        });
    });
    group.bench_function("naive_split", |b| {
        let mut tags = Vec::new();
        let mut fields = Vec::new();
        b.iter(|| {
            tags.clear();
            fields.clear();
            black_box(naive_parse(black_box(&body), &mut tags, &mut fields))
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
