use std::borrow::Cow;
use std::collections::BTreeMap;

use proptest::prelude::*;

use super::*;
use crate::index::TagPredicate;
use crate::model::{FieldValue, PointBatch};

const T0: i64 = 1_700_000_000_000_000_000;

fn config(dir: &std::path::Path) -> EngineConfig {
    let mut c = EngineConfig::new(dir);
    c.background = false;
    c
}

fn batch<'a>(
    points: &[(
        &'a str,
        &[(&'a str, &'a str)],
        &[(&'a str, FieldValue<'a>)],
        i64,
    )],
) -> PointBatch<'a> {
    let mut b = PointBatch::new();
    for (m, tags, fields, t) in points {
        b.push(
            *m,
            tags.iter()
                .map(|(k, v)| (Cow::Borrowed(*k), Cow::Borrowed(*v))),
            fields.iter().map(|(k, v)| (Cow::Borrowed(*k), v.clone())),
            *t,
        );
    }
    b
}

fn read_all(e: &Engine, db: &str, m: &str) -> Vec<SeriesData> {
    e.read(&ReadRequest {
        database: db.into(),
        retention_policy: None,
        measurement: m.into(),
        min_time: i64::MIN,
        max_time: i64::MAX,
        predicate: TagPredicate::All,
        fields: None,
    })
    .unwrap()
}

#[test]
fn write_read_flush_restart_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    {
        let e = Engine::open(config(dir.path())).unwrap();
        e.create_database("db", None).unwrap();
        let b = batch(&[
            (
                "m",
                &[("host", "a")],
                &[
                    ("v", FieldValue::Float(1.0)),
                    ("s", FieldValue::String("x".into())),
                ],
                T0,
            ),
            (
                "m",
                &[("host", "b")],
                &[("v", FieldValue::Float(2.0))],
                T0 + 1,
            ),
            (
                "m",
                &[("host", "a")],
                &[("v", FieldValue::Float(3.0))],
                T0 + 2,
            ),
        ]);
        let out = e.write("db", None, &b).unwrap();
        assert_eq!(
            out,
            WriteOutcome {
                written: 3,
                dropped: 0,
                reason: None
            }
        );
        let r = read_all(&e, "db", "m");
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].key, "m,host=a");
        assert_eq!(r[0].timestamps, vec![T0, T0 + 2]);
        e.flush().unwrap();
        // More data after the flush lives only in the WAL at restart.
        e.write(
            "db",
            None,
            &batch(&[(
                "m",
                &[("host", "c")],
                &[("v", FieldValue::Float(4.0))],
                T0 + 3,
            )]),
        )
        .unwrap();
        e.close().unwrap();
    }
    let e = Engine::open(config(dir.path())).unwrap();
    let r = read_all(&e, "db", "m");
    assert_eq!(
        r.iter().map(|s| s.key.as_str()).collect::<Vec<_>>(),
        ["m,host=a", "m,host=b", "m,host=c"]
    );
    let names: Vec<&str> = r[0].fields.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["s", "v"]);
    assert_eq!(r[0].fields[1].1.get(1), Some(FieldValue::Float(3.0)));
    assert_eq!(r[2].fields[1].1.get(0), Some(FieldValue::Float(4.0)));
}

#[test]
fn duplicate_points_merge_newest_wins_across_flushes() {
    let dir = tempfile::tempdir().unwrap();
    let e = Engine::open(config(dir.path())).unwrap();
    e.create_database("db", None).unwrap();
    e.write(
        "db",
        None,
        &batch(&[(
            "dup",
            &[("h", "a")],
            &[("x", FieldValue::Float(1.0)), ("y", FieldValue::Float(1.0))],
            100,
        )]),
    )
    .unwrap();
    e.flush().unwrap();
    e.write(
        "db",
        None,
        &batch(&[(
            "dup",
            &[("h", "a")],
            &[("x", FieldValue::Float(2.0)), ("z", FieldValue::Float(3.0))],
            100,
        )]),
    )
    .unwrap();
    let check = |e: &Engine| {
        let r = read_all(e, "db", "dup");
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].timestamps, vec![100]);
        let get = |n: &str| {
            r[0].fields
                .iter()
                .find(|(f, _)| f == n)
                .unwrap()
                .1
                .get(0)
                .map(|v| v.into_owned())
        };
        assert_eq!(get("x"), Some(FieldValue::Float(2.0)));
        assert_eq!(get("y"), Some(FieldValue::Float(1.0)));
        assert_eq!(get("z"), Some(FieldValue::Float(3.0)));
    };
    check(&e);
    e.flush().unwrap();
    check(&e);
    e.compact_full().unwrap();
    check(&e);
}

#[test]
fn type_conflicts_drop_whole_points_and_keep_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let e = Engine::open(config(dir.path())).unwrap();
    e.create_database("db", None).unwrap();
    let out = e
        .write(
            "db",
            None,
            &batch(&[
                ("m5", &[], &[("v", FieldValue::Float(1.0))], 1),
                (
                    "m5",
                    &[],
                    &[("v", FieldValue::Integer(1)), ("w", FieldValue::Float(1.0))],
                    2,
                ),
                ("m5", &[], &[("v", FieldValue::Integer(2))], 3),
                ("m5", &[], &[("v", FieldValue::Float(4.0))], 4),
            ]),
        )
        .unwrap();
    assert_eq!(out.written, 2);
    assert_eq!(out.dropped, 2);
    assert_eq!(
        out.reason.as_deref(),
        Some(
            "field type conflict: input field \"v\" on measurement \"m5\" is type integer, already exists as type float"
        )
    );
    let r = read_all(&e, "db", "m5");
    assert_eq!(r[0].timestamps, vec![1, 4]);
    // The dropped point's other field was not registered.
    assert_eq!(
        e.field_keys("db", None, "m5").unwrap(),
        vec![("v".to_string(), crate::FieldType::Float)]
    );
}

#[test]
fn time_tag_and_time_field_follow_influxdb() {
    let dir = tempfile::tempdir().unwrap();
    let e = Engine::open(config(dir.path())).unwrap();
    e.create_database("db", None).unwrap();
    let out = e
        .write(
            "db",
            None,
            &batch(&[("c", &[("time", "x")], &[("f", FieldValue::Float(1.0))], 1)]),
        )
        .unwrap();
    assert_eq!(
        out.reason.as_deref(),
        Some("invalid tag key: input tag \"time\" on measurement \"c\" is invalid")
    );
    let out = e
        .write(
            "db",
            None,
            &batch(&[("c", &[], &[("time", FieldValue::Float(1.0))], 1)]),
        )
        .unwrap();
    assert_eq!(
        out.reason.as_deref(),
        Some("invalid field name: input field \"time\" on measurement \"c\" is invalid")
    );
    let out = e
        .write(
            "db",
            None,
            &batch(&[(
                "c",
                &[],
                &[
                    ("time", FieldValue::Float(1.0)),
                    ("f", FieldValue::Float(2.0)),
                ],
                1,
            )]),
        )
        .unwrap();
    assert_eq!(
        out,
        WriteOutcome {
            written: 1,
            dropped: 0,
            reason: None
        }
    );
    assert_eq!(e.field_keys("db", None, "c").unwrap().len(), 1);
}

#[test]
fn unknown_database_and_policy_and_retention() {
    let dir = tempfile::tempdir().unwrap();
    let e = Engine::open(config(dir.path())).unwrap();
    let b = batch(&[("m", &[], &[("f", FieldValue::Float(1.0))], T0)]);
    assert!(matches!(
        e.write("nodb", None, &b),
        Err(WriteError::DatabaseNotFound(_))
    ));
    e.create_database(
        "db",
        Some(RetentionPolicySpec {
            name: Some("short".into()),
            duration: Some(2 * 3_600_000_000_000),
            ..Default::default()
        }),
    )
    .unwrap();
    assert!(
        matches!(e.write("db", Some("nope"), &b), Err(WriteError::RetentionPolicyNotFound(n)) if n == "nope")
    );
    let rps = e.retention_policies("db").unwrap();
    assert_eq!(rps[0].name, "short");
    assert_eq!(rps[0].shard_group_duration, 3_600_000_000_000);
    assert!(rps[0].default);
    let now = super::write::now_nanos();
    let out = e
        .write(
            "db",
            None,
            &batch(&[
                ("m", &[], &[("f", FieldValue::Float(1.0))], 1),
                ("m", &[], &[("f", FieldValue::Float(1.0))], now),
            ]),
        )
        .unwrap();
    assert_eq!(
        out,
        WriteOutcome {
            written: 1,
            dropped: 1,
            reason: Some("points beyond retention policy".into())
        }
    );
}

#[test]
fn drop_database_then_recreate_starts_clean() {
    let dir = tempfile::tempdir().unwrap();
    {
        let e = Engine::open(config(dir.path())).unwrap();
        e.create_database("a", None).unwrap();
        e.create_database("b", None).unwrap();
        e.write(
            "a",
            None,
            &batch(&[("m", &[], &[("f", FieldValue::Float(1.0))], T0)]),
        )
        .unwrap();
        e.drop_database("a").unwrap();
        e.drop_database("a").unwrap();
        assert_eq!(e.databases(), vec!["b".to_string()]);
        e.create_database("a", None).unwrap();
        assert!(read_all(&e, "a", "m").is_empty());
    }
    let e = Engine::open(config(dir.path())).unwrap();
    assert_eq!(e.databases(), vec!["b".to_string(), "a".to_string()]);
    assert!(read_all(&e, "a", "m").is_empty());
}

#[test]
fn reads_filter_by_time_and_tags_across_shards() {
    let dir = tempfile::tempdir().unwrap();
    let e = Engine::open(config(dir.path())).unwrap();
    e.create_database("db", None).unwrap();
    let week = 7 * 24 * 3_600_000_000_000i64;
    e.write(
        "db",
        None,
        &batch(&[
            ("m", &[("dc", "ams")], &[("f", FieldValue::Integer(1))], T0),
            (
                "m",
                &[("dc", "fra")],
                &[("f", FieldValue::Integer(2))],
                T0 + 1,
            ),
            (
                "m",
                &[("dc", "ams")],
                &[("f", FieldValue::Integer(3))],
                T0 + week,
            ),
            ("m", &[], &[("f", FieldValue::Integer(4))], T0 + week),
        ]),
    )
    .unwrap();
    e.flush().unwrap();
    let req = |tags: Vec<(&str, &str)>, min: i64, max: i64| ReadRequest {
        database: "db".into(),
        retention_policy: None,
        measurement: "m".into(),
        min_time: min,
        max_time: max,
        predicate: tags
            .into_iter()
            .map(|(k, v)| TagPredicate::Eq(k.to_string(), v.to_string()))
            .fold(TagPredicate::All, TagPredicate::and),
        fields: Some(vec!["f".into()]),
    };
    let r = e
        .read(&req(vec![("dc", "ams")], i64::MIN, i64::MAX))
        .unwrap();
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].timestamps, vec![T0, T0 + week]);
    let r = e.read(&req(vec![("dc", "ams")], T0 + 1, i64::MAX)).unwrap();
    assert_eq!(r[0].timestamps, vec![T0 + week]);
    let r = e.read(&req(vec![("dc", "")], i64::MIN, i64::MAX)).unwrap();
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].key, "m");
    assert_eq!(e.measurements("db").unwrap(), vec!["m".to_string()]);
    assert_eq!(e.tag_keys("db", "m").unwrap(), vec!["dc".to_string()]);
}

#[derive(Clone, Debug)]
enum Op {
    Write(Vec<(u8, u8, i64, Option<f64>, Option<i64>)>),
    Flush,
    Compact,
    Restart,
    /// `DELETE FROM m<m> [WHERE host = 'h<h>'] AND time in [a, b]` (steps of [`STEP`]).
    Delete(u8, Option<u8>, i64, i64),
    /// `DROP SERIES FROM m<m> [WHERE host = 'h<h>']`.
    DropSeries(u8, Option<u8>),
}

/// Model time step: 12 h, so 20 steps span two or three 7-day shards.
const STEP: i64 = 43_200_000_000_000;

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => prop::collection::vec((0u8..4, 0u8..2, 0i64..20, prop::option::of(-1e6f64..1e6), prop::option::of(any::<i64>())), 1..20).prop_map(Op::Write),
        1 => Just(Op::Flush),
        1 => Just(Op::Compact),
        1 => Just(Op::Restart),
        1 => (0u8..2, prop::option::of(0u8..4), 0i64..20, 0i64..20).prop_map(|(m, h, a, b)| Op::Delete(m, h, a.min(b), a.max(b))),
        1 => (0u8..2, prop::option::of(0u8..4)).prop_map(|(m, h)| Op::DropSeries(m, h)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
    /// The engine agrees with a BTreeMap model under writes, flushes, compactions, restarts,
    /// deletes and series drops — in the data it returns and in the series and tag values the
    /// schema methods report.
    #[test]
    fn engine_matches_a_btreemap_model(ops in prop::collection::vec(op(), 1..16)) {
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = config(dir.path());
        cfg.compaction_min_segments = 2;
        let mut e = Engine::open(cfg.clone()).unwrap();
        e.create_database("db", None).unwrap();
        // (measurement, host, time) -> (f, g)
        let mut model: BTreeMap<(u8, u8, i64), (Option<f64>, Option<i64>)> = BTreeMap::new();
        for op in ops {
            match op {
                Op::Write(points) => {
                    let mut b = PointBatch::new();
                    let names: Vec<(String, String)> = points.iter().map(|p| (format!("m{}", p.1), format!("h{}", p.0))).collect();
                    for (p, (m, h)) in points.iter().zip(&names) {
                        let mut fields = Vec::new();
                        if let Some(f) = p.3 { fields.push((Cow::Borrowed("f"), FieldValue::Float(f))); }
                        if let Some(g) = p.4 { fields.push((Cow::Borrowed("g"), FieldValue::Integer(g))); }
                        if fields.is_empty() { continue; }
                        b.push(m.as_str(), [(Cow::Borrowed("host"), Cow::Borrowed(h.as_str()))], fields, T0 + p.2 * STEP);
                        let entry = model.entry((p.1, p.0, T0 + p.2 * STEP)).or_insert((None, None));
                        if p.3.is_some() { entry.0 = p.3; }
                        if p.4.is_some() { entry.1 = p.4; }
                    }
                    let out = e.write("db", None, &b).unwrap();
                    prop_assert_eq!(out.dropped, 0);
                }
                Op::Flush => e.flush().unwrap(),
                Op::Compact => { e.compact_full().unwrap(); }
                Op::Restart => { e.close().unwrap(); drop(e); e = Engine::open(cfg.clone()).unwrap(); }
                Op::Delete(m, h, a, b) => {
                    let pred = h.map_or(TagPredicate::All, |h| TagPredicate::Eq("host".into(), format!("h{h}")));
                    let (min, max) = (T0 + a * STEP, T0 + b * STEP);
                    e.delete_points("db", Some(&format!("m{m}")), &pred, min, max).unwrap();
                    model.retain(|k, _| !(k.0 == m && h.is_none_or(|h| k.1 == h) && k.2 >= min && k.2 <= max));
                }
                Op::DropSeries(m, h) => {
                    let pred = h.map_or(TagPredicate::All, |h| TagPredicate::Eq("host".into(), format!("h{h}")));
                    e.drop_series("db", Some(&format!("m{m}")), &pred).unwrap();
                    model.retain(|k, _| !(k.0 == m && h.is_none_or(|h| k.1 == h)));
                }
            }
        }
        let scope = IndexScope::all_time("db");
        let model_measurements: std::collections::BTreeSet<String> = model.keys().map(|k| format!("m{}", k.0)).collect();
        prop_assert_eq!(e.schema_measurements(&scope, &TagPredicate::All).unwrap(), model_measurements.into_iter().collect::<Vec<_>>());
        for m in 0u8..2 {
            let hosts: std::collections::BTreeSet<String> = model.keys().filter(|k| k.0 == m).map(|k| format!("h{}", k.1)).collect();
            let ms = format!("m{m}");
            prop_assert_eq!(e.schema_tag_values(&scope, &ms, "host", &TagPredicate::All).unwrap(), hosts.iter().cloned().collect::<Vec<_>>());
            let keys: Vec<String> = hosts.iter().map(|h| format!("{ms},host={h}")).collect();
            prop_assert_eq!(e.schema_series(&scope, &ms, &TagPredicate::All).unwrap(), keys);
        }
        let mut got: BTreeMap<(u8, u8, i64), (Option<f64>, Option<i64>)> = BTreeMap::new();
        for m in 0u8..2 {
            for s in read_all(&e, "db", &format!("m{m}")) {
                let host: u8 = s.tags[0].1[1..].parse().unwrap();
                let col = |n: &str| s.fields.iter().find(|(f, _)| f == n).map(|(_, c)| c.clone());
                let (f, g) = (col("f"), col("g"));
                for (i, t) in s.timestamps.iter().enumerate() {
                    let fv = f.as_ref().and_then(|c| c.get(i)).map(|v| match v { FieldValue::Float(x) => x, _ => f64::NAN });
                    let gv = g.as_ref().and_then(|c| c.get(i)).map(|v| match v { FieldValue::Integer(x) => x, _ => 0 });
                    got.insert((m, host, *t), (fv, gv));
                }
            }
        }
        prop_assert_eq!(got, model);
    }
}
