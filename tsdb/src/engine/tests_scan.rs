//! `Engine::scan` against `Engine::read`, `Engine::group_series` against the key-parsing baseline.

use std::borrow::Cow;
use std::ops::ControlFlow;

use proptest::prelude::*;

use super::*;
use crate::engine::{EngineConfig, ReadRequest};
use crate::index::TagRegex;
use crate::model::{FieldValue, PointBatch};

const T0: i64 = 1_700_000_000_000_000_000;
/// 12 h: 20 steps span two or three 7-day shards.
const STEP: i64 = 43_200_000_000_000;

fn config(dir: &std::path::Path) -> EngineConfig {
    let mut c = EngineConfig::new(dir);
    c.background = false;
    c.compaction_min_segments = 2;
    c.segment.row_group_rows = 4;
    c
}

/// The time recorded for a row of a batch without timestamps.
const UNTIMED: i64 = i64::MIN;

/// One row as compared: (series, time, field values rendered).
type Row = (u32, i64, Vec<Option<String>>);

fn render(c: Option<&Column>, i: usize) -> Option<String> {
    c.and_then(|c| c.get(i)).map(|v| format!("{v:?}"))
}

struct Collect {
    rows: Vec<Row>,
    batches: usize,
    break_after: Option<usize>,
}

impl Collect {
    fn new() -> Self {
        Collect {
            rows: Vec::new(),
            batches: 0,
            break_after: None,
        }
    }
}

impl ScanSink for Collect {
    fn consume(&mut self, b: &ScanBatch<'_>) -> ControlFlow<()> {
        // Contract item 3: all timestamps or none (only when the request allows it).
        let timed = !b.timestamps.is_empty();
        if timed {
            assert_eq!(b.series.len(), b.timestamps.len());
        }
        for c in b.columns.iter().flatten() {
            assert_eq!(c.len(), b.series.len());
        }
        for i in 0..b.series.len() {
            if !timed {
                let vals = b.columns.iter().map(|c| render(c.as_ref(), i)).collect();
                self.rows.push((b.series[i], UNTIMED, vals));
                continue;
            }
            if i > 0 && b.series[i] == b.series[i - 1] {
                assert!(
                    b.timestamps[i] > b.timestamps[i - 1],
                    "time order in a batch"
                );
            }
            let vals = b.columns.iter().map(|c| render(c.as_ref(), i)).collect();
            self.rows.push((b.series[i], b.timestamps[i], vals));
        }
        self.batches += 1;
        match self.break_after {
            Some(n) if self.batches >= n => ControlFlow::Break(()),
            _ => ControlFlow::Continue(()),
        }
    }
}

fn scan_rows(e: &Engine, req: &ScanRequest, sinks: usize) -> Vec<Row> {
    let mut cs: Vec<Collect> = (0..sinks).map(|_| Collect::new()).collect();
    {
        let mut refs: Vec<&mut dyn ScanSink> =
            cs.iter_mut().map(|c| c as &mut dyn ScanSink).collect();
        e.scan(req, &mut refs).unwrap();
    }
    let mut rows: Vec<Row> = cs.into_iter().flat_map(|c| c.rows).collect();
    rows.sort();
    rows
}

fn read_rows(e: &Engine, req: &ScanRequest) -> Vec<Row> {
    let mut rows = Vec::new();
    for (id, sd) in e.read_ids(req).unwrap() {
        for (i, &t) in sd.timestamps.iter().enumerate() {
            let vals = sd.fields.iter().map(|(_, c)| render(Some(c), i)).collect();
            rows.push((id, t, vals));
        }
    }
    rows.sort();
    rows
}

fn tags(host: u8) -> Vec<(Cow<'static, str>, Cow<'static, str>)> {
    let mut t = vec![(Cow::Borrowed("host"), Cow::Owned(format!("h{host}")))];
    if host % 3 != 0 {
        t.insert(
            0,
            (Cow::Borrowed("dc"), Cow::Owned(format!("dc{}", host % 2))),
        );
    }
    t
}

#[derive(Clone, Debug)]
enum Op {
    /// (host, time step, f, g, s)
    Write(Vec<(u8, i64, Option<f64>, Option<i64>, Option<u8>)>),
    Flush,
    Compact,
    Delete(Option<u8>, i64, i64),
    DropSeries(u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => prop::collection::vec((0u8..6, 0i64..20, prop::option::of(-1e3f64..1e3), prop::option::of(any::<i64>()), prop::option::of(0u8..3)), 1..24).prop_map(Op::Write),
        2 => Just(Op::Flush),
        1 => Just(Op::Compact),
        1 => (prop::option::of(0u8..6), 0i64..20, 0i64..20).prop_map(|(h, a, b)| Op::Delete(h, a.min(b), a.max(b))),
        1 => (0u8..6).prop_map(Op::DropSeries),
    ]
}

fn apply(e: &Engine, op: &Op) {
    match op {
        Op::Write(points) => {
            let mut b = PointBatch::new();
            for &(h, t, f, g, s) in points {
                let mut fields = Vec::new();
                if let Some(f) = f {
                    fields.push((Cow::Borrowed("f"), FieldValue::Float(f)));
                }
                if let Some(g) = g {
                    fields.push((Cow::Borrowed("g"), FieldValue::Integer(g)));
                }
                if let Some(s) = s {
                    fields.push((
                        Cow::Borrowed("s"),
                        FieldValue::String(format!("s{s}").into()),
                    ));
                }
                if fields.is_empty() {
                    continue;
                }
                b.push("m", tags(h), fields, T0 + t * STEP);
            }
            e.write("db", None, &b).unwrap();
        }
        Op::Flush => e.flush().unwrap(),
        Op::Compact => {
            e.compact_full().unwrap();
        }
        Op::Delete(h, a, b) => {
            let pred = h.map_or(TagPredicate::All, |h| {
                TagPredicate::Eq("host".into(), format!("h{h}"))
            });
            e.delete_points("db", Some("m"), &pred, T0 + a * STEP, T0 + b * STEP)
                .unwrap();
        }
        Op::DropSeries(h) => {
            let pred = TagPredicate::Eq("host".into(), format!("h{h}"));
            e.drop_series("db", Some("m"), &pred).unwrap();
        }
    }
}

fn all_series(e: &Engine) -> roaring::RoaringBitmap {
    e.group_series(&IndexScope::all_time("db"), "m", &TagPredicate::All, &[])
        .unwrap()
        .series
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
    /// Random writes (with overlapping rewrites), flushes, compactions, deletes and drops: the
    /// rows of `scan`, gathered from every sink, equal those of `read`; so do the groups of
    /// `group_series` and those built from parsed series keys.
    #[test]
    fn scan_and_group_series_match_the_baselines(
        ops in prop::collection::vec(op(), 1..14),
        range in (0i64..20, 0i64..20),
        drop_mask in any::<u8>(),
        sinks in 1usize..4,
        times in any::<bool>(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let e = Engine::open(config(dir.path())).unwrap();
        e.create_database("db", None).unwrap();
        for op in &ops {
            apply(&e, op);
        }
        let mut series = all_series(&e);
        let ids: Vec<u32> = series.iter().collect();
        for (i, id) in ids.iter().enumerate() {
            if drop_mask >> (i % 8) & 1 == 1 && i % 3 == 0 {
                series.remove(*id);
            }
        }
        let (a, b) = (range.0.min(range.1), range.0.max(range.1));
        let req = ScanRequest {
            database: "db".into(),
            retention_policy: None,
            measurement: "m".into(),
            min_time: T0 + a * STEP,
            max_time: T0 + b * STEP,
            series,
            fields: vec!["f".into(), "nope".into(), "s".into(), "g".into()],
            times: true,
        };
        let got = scan_rows(&e, &req, sinks);
        let want = read_rows(&e, &req);
        prop_assert!(!got.iter().any(|r| r.1 == UNTIMED));
        prop_assert_eq!(got, want.clone());
        // Without timestamps: the same rows (times aside); untimed ones only inside the range.
        let untimed = ScanRequest { times, ..req.clone() };
        let strip = |rows: Vec<Row>| {
            let mut r: Vec<Row> = rows.into_iter().map(|(s, _, v)| (s, 0, v)).collect();
            r.sort();
            r
        };
        let got = scan_rows(&e, &untimed, sinks);
        prop_assert!(times || got.iter().all(|r| r.1 == UNTIMED || (req.min_time..=req.max_time).contains(&r.1)));
        prop_assert!(!times || !got.iter().any(|r| r.1 == UNTIMED));
        prop_assert_eq!(strip(got), strip(want));

        let scope = IndexScope {
            database: "db".into(),
            retention_policy: None,
            min_time: T0 + a * STEP,
            max_time: T0 + b * STEP,
        };
        let pred = TagPredicate::All;
        for keys in [vec![], vec!["dc"], vec!["host", "dc"], vec!["dc", "zz", "host"]] {
            let keys: Vec<String> = keys.into_iter().map(String::from).collect();
            let got = e.group_series(&scope, "m", &pred, &keys).unwrap();
            let want = expected_groups(&e, &scope, &pred, &keys);
            assert_same_groups(&got, &want);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
    /// The same scan repeated after every operation (so merged memtable rows kept by one scan are
    /// offered to the next): always the rows of `read` — reuse never serves stale rows.
    #[test]
    fn repeated_scans_equal_read_after_every_operation(
        ops in prop::collection::vec(op(), 1..16),
        range in (0i64..20, 0i64..20),
        sinks in 1usize..3,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let e = Engine::open(config(dir.path())).unwrap();
        e.create_database("db", None).unwrap();
        let (a, b) = (range.0.min(range.1), range.0.max(range.1));
        for op in &ops {
            apply(&e, op);
            let req = ScanRequest {
                database: "db".into(),
                retention_policy: None,
                measurement: "m".into(),
                min_time: T0 + a * STEP,
                max_time: T0 + b * STEP,
                series: all_series(&e),
                fields: vec!["f".into(), "s".into(), "g".into()],
                times: true,
            };
            for _ in 0..2 {
                prop_assert_eq!(scan_rows(&e, &req, sinks), read_rows(&e, &req));
            }
            // An incomplete selection (one series dropped) and one that misses the newest series
            // (as a query whose index lookup ran before a series was created).
            let mut partial = req.clone();
            if let Some(first) = req.series.min() {
                partial.series.remove(first);
            }
            prop_assert_eq!(scan_rows(&e, &partial, sinks), read_rows(&e, &partial));
            let mut older = req.clone();
            if let Some(last) = req.series.max() {
                older.series.remove(last);
            }
            prop_assert_eq!(scan_rows(&e, &older, sinks), read_rows(&e, &older));
        }
    }
}

#[test]
fn identical_scans_reuse_merged_memtable_rows_while_exact() {
    let dir = tempfile::tempdir().unwrap();
    let e = Engine::open(config(dir.path())).unwrap();
    e.create_database("db", None).unwrap();
    let write = |host: u8, step: i64, f: f64| {
        apply(&e, &Op::Write(vec![(host, step, Some(f), None, None)]));
    };
    for h in 0..4 {
        for t in 0..5 {
            write(h, t, f64::from(h) + t as f64);
        }
    }
    let req = || ScanRequest {
        database: "db".into(),
        retention_policy: None,
        measurement: "m".into(),
        min_time: T0,
        max_time: T0 + 4 * STEP,
        series: all_series(&e),
        fields: vec!["f".into()],
        times: true,
    };
    let check = |hits: u64| {
        assert_eq!(scan_rows(&e, &req(), 2), read_rows(&e, &req()));
        assert_eq!(e.merge_cache.hits(), hits);
    };
    check(0);
    check(1);
    // A write outside the range keeps the rows exact.
    write(1, 9, 100.0);
    check(2);
    // A write inside the range (a rewrite of an existing point) does not.
    write(1, 2, -5.0);
    check(2);
    check(3);
    // Nor does a flush.
    e.flush().unwrap();
    check(3);
}

#[test]
fn a_break_stops_the_scan() {
    let dir = tempfile::tempdir().unwrap();
    let e = Engine::open(config(dir.path())).unwrap();
    e.create_database("db", None).unwrap();
    let points: Vec<_> = (0..200u32)
        .map(|i| {
            (
                (i % 6) as u8,
                (i / 6) as i64 % 20,
                Some(i as f64),
                None,
                None,
            )
        })
        .collect();
    apply(&e, &Op::Write(points));
    e.flush().unwrap();
    let req = ScanRequest {
        database: "db".into(),
        retention_policy: None,
        measurement: "m".into(),
        min_time: i64::MIN,
        max_time: i64::MAX,
        series: all_series(&e),
        fields: vec!["f".into()],
        times: true,
    };
    let all = scan_rows(&e, &req, 1);
    assert_eq!(
        all.len(),
        6 * 20,
        "200 writes on 6 series × 20 times, merged"
    );
    for sinks in [1usize, 2] {
        let mut cs: Vec<Collect> = (0..sinks)
            .map(|_| Collect {
                break_after: Some(1),
                ..Collect::new()
            })
            .collect();
        {
            let mut refs: Vec<&mut dyn ScanSink> =
                cs.iter_mut().map(|c| c as &mut dyn ScanSink).collect();
            e.scan(&req, &mut refs).unwrap();
        }
        let batches: usize = cs.iter().map(|c| c.batches).sum();
        // Each sink stops after its first batch; the others see the stop before their next item.
        assert!(batches >= 1 && batches <= sinks, "{batches} batches");
        let rows: usize = cs.iter().map(|c| c.rows.len()).sum();
        assert!(rows < all.len());
    }
}

/// `a` and `b` group the same series the same way (their tables may be dense or sparse).
fn assert_same_groups(a: &SeriesGroups, b: &SeriesGroups) {
    assert_eq!(a.keys, b.keys);
    assert_eq!(a.groups, b.groups);
    assert_eq!(a.series, b.series);
    let top = a.series.max().max(b.series.max()).map_or(0, |m| m + 70);
    for id in 0..top {
        assert_eq!(a.group(id), b.group(id), "series {id}");
    }
}

#[test]
fn group_series_of_a_few_series_among_many_uses_a_sparse_table() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = config(dir.path());
    // One row group holds all 250 runs, so the scan walks the 3 selected ids, not the runs.
    c.segment.row_group_rows = 1024;
    let e = Engine::open(c).unwrap();
    e.create_database("db", None).unwrap();
    let points: Vec<_> = (0..250u8).map(|h| (h, 0, Some(1.0), None, None)).collect();
    apply(&e, &Op::Write(points));
    e.flush().unwrap();
    let re = TagRegex::new("^h(7|201|249)$").unwrap();
    let pred = TagPredicate::Regex("host".into(), re);
    let scope = IndexScope::all_time("db");
    for keys in [vec![], vec!["dc"], vec!["host", "dc"]] {
        let keys: Vec<String> = keys.into_iter().map(String::from).collect();
        let got = e.group_series(&scope, "m", &pred, &keys).unwrap();
        assert_eq!(got.series.len(), 3);
        assert!(
            matches!(got.group_of, GroupTable::Sparse { .. }),
            "{keys:?}"
        );
        let want = expected_groups(&e, &scope, &pred, &keys);
        assert_same_groups(&got, &want);
        // The sparse selection also drives the scan's id-by-id run lookup.
        let req = ScanRequest {
            database: "db".into(),
            retention_policy: None,
            measurement: "m".into(),
            min_time: i64::MIN,
            max_time: i64::MAX,
            series: got.series.clone(),
            fields: vec!["f".into()],
            times: true,
        };
        assert_eq!(scan_rows(&e, &req, 2), read_rows(&e, &req));
        assert_eq!(scan_rows(&e, &req, 1).len(), 3);
    }
}

#[test]
fn group_series_many_keys_orders_combinations() {
    let dir = tempfile::tempdir().unwrap();
    let e = Engine::open(config(dir.path())).unwrap();
    e.create_database("db", None).unwrap();
    let points: Vec<_> = (0..6u8).map(|h| (h, 0, Some(1.0), None, None)).collect();
    apply(&e, &Op::Write(points));
    let keys = vec!["dc".to_string(), "host".to_string()];
    let g = e
        .group_series(&IndexScope::all_time("db"), "m", &TagPredicate::All, &keys)
        .unwrap();
    let names: Vec<String> = g.groups.iter().map(|v| v.join("/")).collect();
    assert_eq!(
        names,
        ["/h0", "/h3", "dc0/h2", "dc0/h4", "dc1/h1", "dc1/h5"]
    );
    for id in &g.series {
        assert!(g.group(id).is_some());
    }
}

/// The groups `group_series` must return: the tags of the selected series of `m` in `scope`, grouped
/// by `keys` the slow way.
fn expected_groups(
    e: &Engine,
    scope: &IndexScope,
    pred: &TagPredicate,
    keys: &[String],
) -> SeriesGroups {
    let read = ReadRequest {
        database: scope.database.clone(),
        retention_policy: scope.retention_policy.clone(),
        measurement: "m".into(),
        min_time: scope.min_time,
        max_time: scope.max_time,
        predicate: pred.clone(),
        fields: Some(Vec::new()),
    };
    groups_from_tags(keys, e.selected_series_tags(&read).unwrap())
}
