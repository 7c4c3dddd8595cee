//! The window formula against InfluxDB 1.6.7's scheduler recorded live
//! (`query/tests/golden/cq-schedules.json`, `scripts/record-cq-schedules.sh`).

use serde_json::Value;

use super::schedule::Timing;
use super::statements::parse_stored;

const GOLDEN: &str = include_str!("../../tests/golden/cq-schedules.json");
const SECOND: i64 = 1_000_000_000;

fn int(v: &Value) -> i64 {
    v.as_i64()
        .unwrap_or_else(|| panic!("integer expected, got {v}"))
}

#[test]
fn formula_replays_the_recorded_schedule() {
    let g: Value = serde_json::from_str(GOLDEN).expect("golden file is JSON");
    let service_start = int(&g["service_start_ns"]);
    let until = int(&g["recorded_until_ns"]);
    let tick = int(&g["run_interval_ns"]);
    let cqs: Vec<(String, i64, Timing)> = g["cqs"]
        .as_array()
        .expect("cqs")
        .iter()
        .map(|c| {
            let q = c["query"].as_str().expect("query");
            let stmt = parse_stored(q).unwrap_or_else(|e| panic!("{q}: {e}"));
            let timing = Timing::of(&stmt).unwrap_or_else(|e| panic!("{q}: {e}"));
            (
                c["name"].as_str().expect("name").to_owned(),
                int(&c["created_ns"]),
                timing,
            )
        })
        .collect();
    let want: Vec<(i64, String, i64, i64)> = g["runs"]
        .as_array()
        .expect("runs")
        .iter()
        .map(|r| {
            let t = int(&r["tick_ns"]);
            let k = (t - service_start + tick / 2).div_euclid(tick);
            (
                k,
                r["name"].as_str().expect("name").to_owned(),
                int(&r["start_ns"]),
                int(&r["end_ns"]),
            )
        })
        .collect();
    assert!(want.len() > 50, "the recording has runs");
    let mut got = Vec::new();
    let mut last_run: Vec<Option<i64>> = vec![None; cqs.len()];
    let mut k = 0;
    while service_start + k * tick <= until {
        let now = service_start + k * tick;
        for (i, (name, created, timing)) in cqs.iter().enumerate() {
            if *created > now {
                continue;
            }
            let d = timing.decide(last_run[i], now);
            last_run[i] = d.last_run;
            if let Some((start, end)) = d.window {
                got.push((k, name.clone(), start, end));
            }
        }
        k += 1;
    }
    let mut want_sorted = want.clone();
    want_sorted.sort();
    got.sort();
    let first_diff = want_sorted
        .iter()
        .zip(&got)
        .position(|(a, b)| a != b)
        .unwrap_or(want_sorted.len().min(got.len()));
    assert_eq!(
        want_sorted.len(),
        got.len(),
        "run count; first difference at {first_diff}: want {:?} got {:?}",
        want_sorted.get(first_diff),
        got.get(first_diff)
    );
    assert_eq!(want_sorted, got, "first difference at {first_diff}");
}

#[test]
fn default_cq_computes_the_previous_bucket_at_each_boundary() {
    let stmt = parse_stored(
        "CREATE CONTINUOUS QUERY c ON db BEGIN SELECT count(v) INTO o FROM m GROUP BY time(10s) END",
    )
    .expect("parses");
    let t = Timing::of(&stmt).expect("timing");
    let base = 1_700_000_000 * SECOND;
    // First pass after creation: due, nothing to compute.
    let d = t.decide(None, base + 3 * SECOND);
    assert!(d.due && d.window.is_none());
    let mut last = d.last_run;
    let mut windows = Vec::new();
    for s in 4..=35 {
        let d = t.decide(last, base + s * SECOND);
        last = d.last_run;
        if let Some(w) = d.window {
            windows.push((s, w));
        }
    }
    assert_eq!(
        windows,
        vec![
            (10, (base, base + 10 * SECOND)),
            (20, (base + 10 * SECOND, base + 20 * SECOND)),
            (30, (base + 20 * SECOND, base + 30 * SECOND)),
        ]
    );
}
