//! `integral()` over GROUP BY time: InfluxDB 1.x's streaming integral reducer, which runs over a
//! whole output series rather than one bucket at a time.
//!
//! Rules (InfluxDB 1.6.7, checked against its recorded answers):
//! 1. The trapezoid rule over consecutive points, in `unit` ns; of points at the same time the
//!    later one counts.
//! 2. When a point lies at or past the end of the current bucket, the value at the bucket end is
//!    interpolated linearly between the previous point and it; the trapezoid up to the end closes
//!    the bucket, which is emitted (at its start); the bucket of the new point becomes current and
//!    receives the trapezoid from the old bucket end to the point — across any empty buckets in
//!    between, which are not emitted. Integer and unsigned fields follow the same rule in
//!    floating point. (InfluxDB 1.6.7's integer reducer answers differently after a bucket edge —
//!    `0 at 0s, 10 at 60s, 20 at 70s` in 30s buckets gives 75 and 225 where floats give 75 and
//!    375 — by a rule not yet worked out; see docs/influxql.md.)
//! 3. The last bucket is emitted unless the last point lies exactly at its start.

use super::reduce::{type_error, type_word};
use super::{Points, Values};
use crate::exec::error::ExecError;

/// `(bucket start, integral)` per emitted bucket of the points of one output series (time
/// ascending); `window(t)` is the `(start, end)` of the bucket holding `t`.
pub fn integral_buckets(
    points: &Points,
    unit: f64,
    window: &dyn Fn(i64) -> (i64, i64),
) -> Result<Vec<(i64, f64)>, ExecError> {
    let vals: Vec<f64> = match &points.values {
        Values::Float(x) => x.clone(),
        Values::Integer(x) => x.iter().map(|&v| v as f64).collect(),
        Values::Unsigned(x) => x.iter().map(|&v| v as f64).collect(),
        other => return Err(type_error("integral", type_word(other))),
    };
    let mut out = Vec::new();
    let mut iter = points.times.iter().copied().zip(vals);
    let Some((mut pt, mut pv)) = iter.next() else {
        return Ok(out);
    };
    let (mut start, mut end) = window(pt);
    let mut sum = 0.0;
    for (t, v) in iter {
        if t == pt {
            pv = v;
            continue;
        }
        if t >= end {
            if pt != end {
                let value = linear(end, pt, t, pv, v);
                let elapsed = (end - pt) as f64 / unit;
                sum += 0.5 * (value + pv) * elapsed;
                pv = value;
                pt = end;
            }
            out.push((start, sum));
            (start, end) = window(t);
            sum = 0.0;
        }
        let elapsed = (t - pt) as f64 / unit;
        sum += 0.5 * (v + pv) * elapsed;
        pt = t;
        pv = v;
    }
    if pt != start {
        out.push((start, sum));
    }
    Ok(out)
}

/// The value at `at` on the line through `(t0, v0)` and `(t1, v1)` (InfluxDB's `linearFloat`).
fn linear(at: i64, t0: i64, t1: i64, v0: f64, v1: f64) -> f64 {
    let m = (v1 - v0) / (t1 - t0) as f64;
    let x = (at - t0) as f64;
    m * x + v0
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: i64 = 1_000_000_000;
    const M: i64 = 60 * S;

    fn win(interval: i64) -> impl Fn(i64) -> (i64, i64) {
        move |t| {
            let s = t - t.rem_euclid(interval);
            (s, s + interval)
        }
    }

    fn run(times: &[i64], vals: Values, interval: i64) -> Vec<(i64, f64)> {
        let p = Points {
            times: times.to_vec(),
            values: vals,
        };
        integral_buckets(&p, 1e9, &win(interval)).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn bucket_edges_are_interpolated() {
        // 0→10 over 0..60 s, bucket edge at 30 s: value 5 there; 60 s point starts bucket 2.
        let got = run(&[0, 60 * S], Values::Float(vec![0.0, 10.0]), 30 * S);
        assert_eq!(got, [(0, 75.0)]); // 0.5·(0+5)·30; the last point lies at bucket 2's start.
        let got = run(
            &[0, 60 * S, 70 * S],
            Values::Float(vec![0.0, 10.0, 20.0]),
            30 * S,
        );
        // Bucket 0: 75. Bucket 60 s: 0.5·(5+10)·30 (from the old edge, across the empty bucket
        // 30 s) + 0.5·(10+20)·10.
        assert_eq!(got, [(0, 75.0), (60 * S, 225.0 + 150.0)]);
    }

    #[test]
    fn duplicates_take_the_later_point_and_strings_fail() {
        let got = run(&[0, 0, 10 * S], Values::Float(vec![100.0, 2.0, 4.0]), M);
        assert_eq!(got, [(0, 30.0)]);
        let p = Points {
            times: vec![0],
            values: Values::String(vec!["x".into()]),
        };
        assert!(integral_buckets(&p, 1e9, &win(M)).is_err());
    }
}
