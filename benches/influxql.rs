//! The InfluxQL parser: realistic statements parsed (text → AST) and printed (AST → canonical
//! text, `Display`), with `Throughput::Bytes` of the input text. The cases: Grafana panel queries
//! (`GROUP BY time($__interval)` already substituted, tags, `fill`), a wide SELECT of 40 fields with
//! math, SHOW statements, a WHERE of 200 OR'd tag conditions and a 12-statement batch. A naive
//! baseline beside the parser: `str::split_whitespace` over the same text (the floor of any pass
//! that looks at every byte once).
//!
//! `cargo bench --bench influxql`.

use std::fmt::Write as _;
use std::hint::black_box;

use criterion::{Criterion, Throughput};
use query::parser::parse_query;

fn grafana_panel() -> String {
    "SELECT mean(\"latency_ms\") AS \"mean\", percentile(\"latency_ms\", 99) AS \"p99\" \
     FROM \"email_latency\" WHERE (\"dc\" =~ /^(fra1|ams1)$/ AND \"direction\" = 'outbound') \
     AND time >= 1795440000000ms AND time <= 1795443600000ms \
     GROUP BY time(10s), \"host\" fill(null)"
        .to_string()
}

fn grafana_batch_panel() -> String {
    "SELECT count(\"status\") FROM \"autogen\".\"email_latency\" WHERE \"status\" != 'delivered' \
     AND time >= now() - 6h GROUP BY time(1m), \"status\", \"dc\" fill(0) ORDER BY time DESC LIMIT 500"
        .to_string()
}

fn wide_select() -> String {
    let mut s = String::from("SELECT ");
    for i in 0..40 {
        if i > 0 {
            s.push_str(", ");
        }
        match i % 4 {
            0 => write!(s, "f{i}").ok(),
            1 => write!(s, "f{i} * 1000 / (f{} + 1) AS r{i}", i - 1).ok(),
            2 => write!(s, "max(f{i}) - min(f{i}) AS \"spread {i}\"").ok(),
            _ => write!(s, "(f{i}::float + 2.5) % 7 - f{i}::integer").ok(),
        };
    }
    s.push_str(" FROM db0.rp0.wide WHERE time > now() - 1h AND f0 > 3 GROUP BY time(5m)");
    s
}

fn show_statements() -> String {
    [
        "SHOW DATABASES",
        "SHOW MEASUREMENTS ON telegraf WITH MEASUREMENT =~ /^cpu|mem$/ LIMIT 100",
        "SHOW TAG KEYS ON telegraf FROM cpu",
        "SHOW TAG VALUES ON telegraf FROM cpu WITH KEY IN (\"host\", \"cpu\") WHERE cpu = 'cpu-total'",
        "SHOW FIELD KEYS FROM \"email_latency\"",
        "SHOW SERIES FROM email_latency WHERE dc = 'fra1' LIMIT 10 OFFSET 5",
        "SHOW RETENTION POLICIES ON telegraf",
        "SHOW SERIES EXACT CARDINALITY ON telegraf",
    ]
    .join("; ")
}

fn long_or() -> String {
    let mut s = String::from("SELECT count(latency_ms) FROM email_latency WHERE (");
    for i in 0..200 {
        if i > 0 {
            s.push_str(" OR ");
        }
        write!(s, "\"customer\" = 'cust{i:06}'").ok();
    }
    s.push_str(") AND time >= now() - 1h GROUP BY customer");
    s
}

fn batch() -> String {
    let mut parts = vec![grafana_panel(), grafana_batch_panel()];
    parts.push("CREATE DATABASE \"mail\" WITH DURATION 30d REPLICATION 1 NAME \"month\"".into());
    parts.push("SELECT * FROM email_latency WHERE host = 'mx-fra1-018' LIMIT 10".into());
    parts.push(
        "SELECT last(latency_ms) FROM (SELECT max(latency_ms) AS latency_ms FROM email_latency \
         GROUP BY time(1m), host) GROUP BY host"
            .into(),
    );
    parts.push("SELECT derivative(mean(size_bytes), 1s) FROM email_latency WHERE time > now() - 1h GROUP BY time(1m) tz('Europe/Amsterdam')".into());
    parts.push("SHOW TAG VALUES WITH KEY = \"dc\"".into());
    parts.push("DELETE FROM email_latency WHERE time < '2026-01-01T00:00:00Z'".into());
    parts.push("DROP SERIES FROM email_latency WHERE host = 'mx-old-001'".into());
    parts.push(
        "SELECT top(latency_ms, customer, 5) FROM email_latency WHERE time > now() - 10m".into(),
    );
    parts.push(
        "SELECT mean(*) INTO mail.autogen.downsampled FROM /^email_/ GROUP BY time(1h), *".into(),
    );
    parts.push("DROP DATABASE \"mail\"".into());
    parts.join(";\n")
}

fn bench(c: &mut Criterion) {
    let cases = [
        ("grafana_panel", grafana_panel()),
        ("grafana_count_panel", grafana_batch_panel()),
        ("wide_select_40_fields", wide_select()),
        ("show_statements_8", show_statements()),
        ("where_200_or", long_or()),
        ("batch_12_statements", batch()),
    ];

    let mut g = c.benchmark_group("influxql_parse");
    for (name, text) in &cases {
        g.throughput(Throughput::Bytes(text.len() as u64));
        let parsed = parse_query(text).expect("the bench statements parse");
        assert!(!parsed.is_empty());
        g.bench_function(*name, |b| {
            b.iter(|| black_box(parse_query(black_box(text)).map(|v| v.len())))
        });
    }
    // Naive baseline: split on whitespace and count the words of the largest case.
    let (_, big) = &cases[4];
    g.throughput(Throughput::Bytes(big.len() as u64));
    g.bench_function("where_200_or_split_whitespace_baseline", |b| {
        b.iter(|| black_box(black_box(big).split_whitespace().count()))
    });
    g.finish();

    let mut g = c.benchmark_group("influxql_print");
    for (name, text) in &cases {
        let parsed = parse_query(text).expect("the bench statements parse");
        let printed: usize = parsed.iter().map(|s| s.to_string().len()).sum();
        g.throughput(Throughput::Bytes(printed as u64));
        let mut out = String::with_capacity(printed * 2);
        g.bench_function(*name, |b| {
            b.iter(|| {
                out.clear();
                for s in &parsed {
                    write!(out, "{s};").ok();
                }
                black_box(out.len())
            })
        });
    }
    g.finish();
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
    c.final_summary();
}
