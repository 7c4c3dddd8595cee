//! The holt_winters and technical-analysis queries of the compatibility corpus (`ta-*`), replayed
//! against the function library: the input rows are built from `tests/compat/data/edge.lp` the way
//! the executor builds them (raw rows, or one aggregate per GROUP BY time bucket), and the output
//! is compared with the answers InfluxDB 1.6.7 recorded in `tests/compat/expected.jsonl`.

use std::path::PathBuf;

use super::*;
use crate::ast::{Expr, Literal};
use crate::response::Value;

const T0: i64 = 1_704_067_200_000_000_000; // 2024-01-01T00:00:00Z
const S: i64 = 1_000_000_000;
const M: i64 = 60 * S;

fn compat_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/compat")
}

/// `(time, value)` of one field of one measurement of edge.lp (no tags are needed here).
fn edge_field(measurement: &str, field: &str) -> Vec<(i64, Value)> {
    let text = std::fs::read_to_string(compat_dir().join("data/edge.lp")).expect("edge.lp");
    let mut out = Vec::new();
    for line in text.lines() {
        let mut parts = line.split(' ');
        let (Some(key), Some(fields), Some(ts)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        if key.split(',').next() != Some(measurement) {
            continue;
        }
        let t: i64 = ts.parse().expect("timestamp");
        for kv in fields.split(',') {
            let Some((k, v)) = kv.split_once('=') else {
                continue;
            };
            if k != field {
                continue;
            }
            let value = match v.strip_suffix('i') {
                Some(i) => Value::Int(i.parse().expect("integer")),
                None => Value::Float(v.parse().expect("float")),
            };
            out.push((t, value));
        }
    }
    out
}

fn f(v: &Value) -> f64 {
    match v {
        Value::Float(x) => *x,
        Value::Int(i) => *i as f64,
        other => panic!("not numeric: {other:?}"),
    }
}

/// One aggregate per bucket of `interval` over [00:00, 00:48) (buckets without points → Null, as
/// fill(null) gives them; the transformations skip them).
fn buckets(rows: &[(i64, Value)], interval: i64, agg: &str) -> Vec<(i64, Value)> {
    let end = T0 + 48 * M;
    let mut out = Vec::new();
    let mut start = T0;
    while start < end {
        let vals: Vec<f64> = rows
            .iter()
            .filter(|(t, _)| *t >= start && *t < start + interval)
            .map(|(_, v)| f(v))
            .collect();
        let v = match (agg, vals.first()) {
            (_, None) => Value::Null,
            ("mean", _) => Value::Float(vals.iter().sum::<f64>() / vals.len() as f64),
            ("max", _) => Value::Float(vals.iter().copied().fold(f64::MIN, f64::max)),
            ("first", Some(x)) => Value::Float(*x),
            _ => panic!("aggregate {agg}"),
        };
        out.push((start, v));
        start += interval;
    }
    out
}

/// The recorded answer of a corpus query: rows (time, value) or the error text.
fn expected(id: &str) -> Result<Vec<(i64, f64)>, String> {
    let text =
        std::fs::read_to_string(compat_dir().join("expected.jsonl")).expect("expected.jsonl");
    let line = text
        .lines()
        .find(|l| l.contains(&format!("\"id\":\"{id}\"")))
        .unwrap_or_else(|| panic!("{id} not recorded"));
    let doc: serde_json::Value = serde_json::from_str(line).expect("json");
    let result = &doc["body"]["results"][0];
    if let Some(e) = result["error"].as_str() {
        return Err(e.to_string());
    }
    let values = result["series"][0]["values"].as_array().expect("values");
    Ok(values
        .iter()
        .map(|row| {
            let ts = row[0].as_str().expect("time");
            let hms = ts
                .strip_prefix("2024-01-01T")
                .and_then(|s| s.strip_suffix('Z'))
                .expect("a time on 2024-01-01");
            let secs: Vec<i64> = hms.split(':').map(|p| p.parse().expect("hms")).collect();
            let t = T0 + (secs[0] * 3600 + secs[1] * 60 + secs[2]) * S;
            (t, row[1].as_f64().expect("number"))
        })
        .collect())
}

fn call(name: &str, input: Expr, extra: &[Expr]) -> Result<TransformCall, String> {
    let mut args = vec![input];
    args.extend_from_slice(extra);
    TransformCall::new(name, &args)
        .map_err(|e| e.to_string())
        .map(|c| c.expect("a transformation"))
}

fn int(v: i64) -> Expr {
    Expr::Literal(Literal::Integer(v))
}

fn string(s: &str) -> Expr {
    Expr::Literal(Literal::String(s.into()))
}

fn agg_of(name: &str, field: &str) -> Expr {
    Expr::Call {
        name: name.into(),
        args: vec![Expr::var(field)],
    }
}

/// Runs one corpus query; `Ok(())` when taildb's answer equals the recorded one to 1e-9 relative.
fn check(
    id: &str,
    name: &str,
    input: Expr,
    extra: &[Expr],
    rows: &[(i64, Value)],
    interval: Option<i64>,
) -> Result<(), String> {
    let want = expected(id);
    let got = call(name, input, extra).and_then(|c| {
        let ctx = TransformContext {
            interval,
            ..Default::default()
        };
        transform(&c, &ctx, rows).map_err(|e| e.to_string())
    });
    match (got, want) {
        (Err(g), Err(w)) if g == w => Ok(()),
        (Ok(g), Ok(w)) => {
            if g.len() != w.len() {
                return Err(format!("{id}: {} rows, InfluxDB {}", g.len(), w.len()));
            }
            for (i, ((gt, gv), (wt, wv))) in g.iter().zip(&w).enumerate() {
                let gv = f(gv);
                if gt != wt || (gv - wv).abs() > 1e-9 * wv.abs().max(1e-300) {
                    return Err(format!("{id} row {i}: ({gt}, {gv}), InfluxDB ({wt}, {wv})"));
                }
            }
            Ok(())
        }
        (g, w) => Err(format!("{id}: {g:?}, InfluxDB {w:?}")),
    }
}

#[test]
fn technical_analysis_matches_influxdb() {
    let wave = edge_field("wave", "v");
    let counter = edge_field("counter", "c");
    let words: Vec<(i64, Value)> = vec![(T0, Value::Str("alpha".into()))];
    let v = || Expr::var("v");
    let cases: Vec<(&str, &str, Expr, Vec<Expr>, Vec<(i64, Value)>, Option<i64>)> = vec![
        (
            "ta-007",
            "exponential_moving_average",
            v(),
            vec![int(5)],
            wave.clone(),
            None,
        ),
        (
            "ta-008",
            "double_exponential_moving_average",
            v(),
            vec![int(5)],
            wave.clone(),
            None,
        ),
        (
            "ta-009",
            "triple_exponential_moving_average",
            v(),
            vec![int(5)],
            wave.clone(),
            None,
        ),
        (
            "ta-010",
            "relative_strength_index",
            v(),
            vec![int(5)],
            wave.clone(),
            None,
        ),
        (
            "ta-011",
            "triple_exponential_derivative",
            v(),
            vec![int(5)],
            wave.clone(),
            None,
        ),
        (
            "ta-012",
            "kaufmans_efficiency_ratio",
            v(),
            vec![int(5)],
            wave.clone(),
            None,
        ),
        (
            "ta-013",
            "kaufmans_adaptive_moving_average",
            v(),
            vec![int(5)],
            wave.clone(),
            None,
        ),
        (
            "ta-014",
            "chande_momentum_oscillator",
            v(),
            vec![int(5)],
            wave.clone(),
            None,
        ),
        (
            "ta-015",
            "exponential_moving_average",
            v(),
            vec![int(5), int(3)],
            wave.clone(),
            None,
        ),
        (
            "ta-016",
            "exponential_moving_average",
            v(),
            vec![int(5), int(-1), string("simple")],
            wave.clone(),
            None,
        ),
        (
            "ta-017",
            "exponential_moving_average",
            v(),
            vec![int(5), int(0), string("none")],
            wave.clone(),
            None,
        ),
        (
            "ta-018",
            "chande_momentum_oscillator",
            v(),
            vec![int(5), int(-1), string("none")],
            wave.clone(),
            None,
        ),
        (
            "ta-019",
            "relative_strength_index",
            v(),
            vec![int(3), int(5), string("exponential")],
            wave.clone(),
            None,
        ),
        (
            "ta-020",
            "exponential_moving_average",
            agg_of("mean", "v"),
            vec![int(3)],
            buckets(&wave, 4 * M, "mean"),
            Some(4 * M),
        ),
        (
            "ta-021",
            "relative_strength_index",
            agg_of("max", "v"),
            vec![int(4)],
            buckets(&wave, 2 * M, "max"),
            Some(2 * M),
        ),
        (
            "ta-022",
            "kaufmans_adaptive_moving_average",
            agg_of("mean", "v"),
            vec![int(3)],
            buckets(&wave, 3 * M, "mean"),
            Some(3 * M),
        ),
        (
            "ta-023",
            "exponential_moving_average",
            v(),
            vec![int(0)],
            wave.clone(),
            None,
        ),
        (
            "ta-024",
            "kaufmans_efficiency_ratio",
            v(),
            vec![int(1)],
            wave.clone(),
            None,
        ),
        (
            "ta-025",
            "triple_exponential_derivative",
            Expr::var("c"),
            vec![int(3)],
            counter,
            None,
        ),
        (
            "ta-026",
            "exponential_moving_average",
            Expr::var("s"),
            vec![int(2)],
            words,
            None,
        ),
    ];
    let mut failures = Vec::new();
    for (id, name, input, extra, rows, interval) in cases {
        if let Err(e) = check(id, name, input, &extra, &rows, interval) {
            failures.push(e);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
