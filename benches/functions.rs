//! The InfluxQL function library: `reduce` over 1 M floats (mean, median, percentile, stddev,
//! top(10)) with a naive full-sort baseline beside median and percentile, and `transform`
//! (derivative, moving_average) over 100 k rows.
//!
//! `cargo bench --bench functions`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, Criterion, Throughput};
use query::ast::{Expr, Literal};
use query::exec::functions::{reduce, transform, AggregateCall, Points, TransformCall, TransformContext, Values};
use query::response::Value;

const N_REDUCE: usize = 1_000_000;
const N_TRANSFORM: usize = 100_000;

/// Deterministic pseudo-random floats (xorshift), no dependency on a generator crate.
fn floats(n: usize) -> Vec<f64> {
    let mut s = 0x9E37_79B9_7F4A_7C15u64;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 11) as f64 / (1u64 << 53) as f64 * 1000.0
        })
        .collect()
}

fn call(name: &str, extra: Option<i64>) -> AggregateCall {
    let mut args = vec![Expr::var("value")];
    args.extend(extra.map(|n| Expr::Literal(Literal::Integer(n))));
    AggregateCall::new(name, &args).ok().flatten().expect("a valid aggregate")
}

fn bench(c: &mut Criterion) {
    let values = floats(N_REDUCE);
    let points = Points { times: (0..N_REDUCE as i64).map(|i| i * 10_000_000_000).collect(), values: Values::Float(values.clone()) };

    let mut g = c.benchmark_group("reduce_1M_floats");
    g.throughput(Throughput::Elements(N_REDUCE as u64));
    g.sample_size(10).measurement_time(Duration::from_secs(4));
    for (name, arg) in [("mean", None), ("stddev", None), ("median", None), ("percentile", Some(95)), ("top", Some(10))] {
        let c = call(name, arg);
        g.bench_function(name, |b| b.iter(|| black_box(reduce(&c, black_box(&points)).expect("reduces"))));
    }
    // Naive baselines: clone and fully sort, then index.
    g.bench_function("median_naive_sort", |b| {
        b.iter_batched(
            || values.clone(),
            |mut v| {
                v.sort_by(f64::total_cmp);
                black_box((v[v.len() / 2 - 1] + v[v.len() / 2]) / 2.0)
            },
            BatchSize::LargeInput,
        )
    });
    g.bench_function("percentile_naive_sort", |b| {
        b.iter_batched(
            || values.clone(),
            |mut v| {
                v.sort_by(f64::total_cmp);
                let i = (v.len() as f64 * 0.95 + 0.5).floor() as usize - 1;
                black_box(v[i])
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();

    let rows: Vec<(i64, Value)> =
        values[..N_TRANSFORM].iter().enumerate().map(|(i, &v)| (i as i64 * 10_000_000_000, Value::Float(v))).collect();
    let ctx = TransformContext::default();
    let mut g = c.benchmark_group("transform_100k_rows");
    g.throughput(Throughput::Elements(N_TRANSFORM as u64));
    g.sample_size(20);
    for (name, arg) in [("derivative", None), ("moving_average", Some(10))] {
        let mut args = vec![Expr::var("value")];
        args.extend(arg.map(|n| Expr::Literal(Literal::Integer(n))));
        let t = TransformCall::new(name, &args).ok().flatten().expect("a valid transformation");
        g.bench_function(name, |b| b.iter(|| black_box(transform(&t, &ctx, black_box(&rows)).expect("transforms"))));
    }
    g.finish();
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
    c.final_summary();
}
