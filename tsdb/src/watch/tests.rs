use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

use proptest::prelude::*;

use super::*;

const S: i64 = 1_000_000_000;

fn spec(filter: MeasurementFilter, interval: i64, offset: i64) -> WatchSpec {
    WatchSpec {
        database: "db".into(),
        retention_policy: None,
        measurements: filter,
        interval,
        offset,
    }
}

fn mark(ws: &[Arc<Watch>], rp: &str, origin: WriteOrigin<'_>, points: &[(&str, i64)]) {
    if let Some(mut m) = BatchMarker::new(ws, rp, origin) {
        for (meas, t) in points {
            m.point(meas, *t);
        }
        m.finish();
    }
}

#[test]
fn bucket_start_floors_with_offsets_and_negative_times() {
    assert_eq!(bucket_start(0, 10, 0), 0);
    assert_eq!(bucket_start(9, 10, 0), 0);
    assert_eq!(bucket_start(10, 10, 0), 10);
    assert_eq!(bucket_start(-1, 10, 0), -10);
    assert_eq!(bucket_start(-10, 10, 0), -10);
    assert_eq!(bucket_start(-11, 10, 0), -20);
    assert_eq!(bucket_start(2, 10, 3), -7);
    assert_eq!(bucket_start(3, 10, 3), 3);
    assert_eq!(bucket_start(12, 10, 3), 3);
    assert_eq!(bucket_start(13, 10, -3), 7);
    // Offsets larger than the interval describe the same grid.
    assert_eq!(bucket_start(25, 10, 33), bucket_start(25, 10, 3));
    // Extremes saturate instead of overflowing.
    assert_eq!(bucket_start(i64::MIN, 10, 5), i64::MIN);
    assert_eq!(bucket_start(i64::MAX, 10, 0), i64::MAX - i64::MAX % 10);
}

#[test]
fn nothing_is_late_before_a_window_begins() {
    let w = Arc::new(Watch::new("a", spec(MeasurementFilter::All, 10 * S, 0)).unwrap());
    let ws = [w.clone()];
    assert!(BatchMarker::new(&ws, "autogen", WriteOrigin::Client).is_none());
    let st = w.status();
    assert_eq!(st.marking_until, None);
    assert_eq!(st.confirmed_until, None);
    assert_eq!(st.floor, i64::MIN);
}

#[test]
fn late_points_mark_their_bucket_once_and_on_time_points_do_not() {
    let w = Arc::new(Watch::new("a", spec(MeasurementFilter::All, 10 * S, 0)).unwrap());
    let ws = [w.clone()];
    w.begin_window(0, 60 * S);
    mark(
        &ws,
        "autogen",
        WriteOrigin::Client,
        &[
            ("m", 5 * S),
            ("m", 7 * S),
            ("m", 15 * S),
            ("m", 60 * S),
            ("m", 61 * S),
            ("m", -S),
        ],
    );
    let st = w.status();
    assert_eq!(st.marking_until, Some(60 * S));
    assert_eq!(st.dirty, 3);
    assert_eq!(st.marked_total, 3);
    assert_eq!(w.take_dirty(), vec![-10 * S, 0, 10 * S]);
}

#[test]
fn filters_rp_and_origin_select_the_watches() {
    let mk = |id: &str, f: MeasurementFilter, rp: Option<&str>| {
        let mut s = spec(f, 10 * S, 0);
        s.retention_policy = rp.map(String::from);
        let w = Arc::new(Watch::new(id, s).unwrap());
        w.begin_window(0, 100 * S);
        w
    };
    let all = mk("all", MeasurementFilter::All, None);
    let names = mk(
        "names",
        MeasurementFilter::Names(vec!["cpu".into(), "mem".into()]),
        None,
    );
    let re = mk("re", MeasurementFilter::Regex("^disk".into()), None);
    let rp = mk("rp", MeasurementFilter::All, Some("week"));
    let ws = [all.clone(), names.clone(), re.clone(), rp.clone()];
    mark(
        &ws,
        "autogen",
        WriteOrigin::Client,
        &[("cpu", S), ("disk_io", 11 * S), ("net", 21 * S)],
    );
    assert_eq!(all.take_dirty(), vec![0, 10 * S, 20 * S]);
    assert_eq!(names.take_dirty(), vec![0]);
    assert_eq!(re.take_dirty(), vec![10 * S]);
    assert!(rp.take_dirty().is_empty());
    mark(&ws, "week", WriteOrigin::Watch("all"), &[("cpu", 31 * S)]);
    assert!(
        all.take_dirty().is_empty(),
        "a watch's own output does not mark it"
    );
    assert_eq!(names.take_dirty(), vec![30 * S]);
    assert_eq!(rp.take_dirty(), vec![30 * S]);
}

#[test]
fn invalid_specs_are_refused() {
    assert!(Watch::new("a", spec(MeasurementFilter::All, 0, 0)).is_err());
    assert!(Watch::new("a", spec(MeasurementFilter::All, -5, 0)).is_err());
    let e = Watch::new("a", spec(MeasurementFilter::Regex("(".into()), 10, 0)).unwrap_err();
    assert!(e.contains("invalid regex"), "{e}");
}

#[test]
fn floor_drops_marks_wholly_below_it() {
    let w = Arc::new(Watch::new("a", spec(MeasurementFilter::All, 10 * S, 0)).unwrap());
    let ws = [w.clone()];
    w.begin_window(0, 100 * S);
    mark(
        &ws,
        "autogen",
        WriteOrigin::Client,
        &[("m", S), ("m", 11 * S), ("m", 21 * S)],
    );
    w.set_floor(15 * S);
    // Bucket 10 s straddles the floor: kept; bucket 0 is wholly below: dropped.
    assert_eq!(w.status().dirty, 2);
    mark(
        &ws,
        "autogen",
        WriteOrigin::Client,
        &[("m", 2 * S), ("m", 14 * S), ("m", 31 * S)],
    );
    assert_eq!(w.take_dirty(), vec![10 * S, 20 * S, 30 * S]);
    w.set_floor(25 * S);
    assert_eq!(
        w.status().in_flight,
        2,
        "in-flight buckets below the floor go too"
    );
    w.finish_dirty(&[10 * S, 20 * S, 30 * S], false);
    assert_eq!(w.take_dirty(), vec![20 * S, 30 * S]);
}

#[test]
fn windows_confirm_and_failed_windows_mark_their_buckets() {
    let w = Watch::new("a", spec(MeasurementFilter::All, 10 * S, 5 * S)).unwrap();
    w.begin_window(5 * S, 35 * S);
    w.finish_window(5 * S, 35 * S, true);
    w.begin_window(35 * S, 65 * S);
    w.begin_window(-95 * S, 5 * S); // a backfill never lowers the watermark
    w.finish_window(-95 * S, 5 * S, true);
    let st = w.status();
    assert_eq!(st.confirmed_until, Some(35 * S));
    assert_eq!(st.marking_until, Some(65 * S));
    w.finish_window(35 * S, 65 * S, false);
    assert_eq!(w.take_dirty(), vec![35 * S, 45 * S, 55 * S]);
    // A failed window beyond marking_until marks only the part below it.
    w.finish_window(55 * S, 95 * S, false);
    assert_eq!(w.take_dirty(), vec![55 * S]);
}

#[test]
fn take_and_finish_dirty_buckets() {
    let w = Arc::new(Watch::new("a", spec(MeasurementFilter::All, 10, 0)).unwrap());
    let ws = [w.clone()];
    w.begin_window(0, 1000);
    mark(
        &ws,
        "rp",
        WriteOrigin::Client,
        &[("m", 35), ("m", 5), ("m", 17)],
    );
    let taken = w.take_dirty();
    assert_eq!(taken, vec![0, 10, 30]);
    assert_eq!((w.status().dirty, w.status().in_flight), (0, 3));
    // A point arriving while its bucket is being recomputed marks it again.
    mark(&ws, "rp", WriteOrigin::Client, &[("m", 12)]);
    assert_eq!((w.status().dirty, w.status().in_flight), (1, 3));
    w.finish_dirty(&[0, 10], true);
    w.finish_dirty(&[30], false);
    let st = w.status();
    assert_eq!((st.dirty, st.in_flight), (2, 0));
    assert_eq!(w.take_dirty(), vec![10, 30]);
    assert_eq!(st.marked_total, 4);
}

#[test]
fn registry_register_is_idempotent_and_a_changed_spec_resets() {
    let dir = tempfile::tempdir().unwrap();
    let r = WatchRegistry::open(&dir.path().join("watches.tdb")).unwrap();
    assert!(r.is_empty());
    let s = spec(MeasurementFilter::All, 10, 0);
    assert!(r.register("a", s.clone()).unwrap());
    r.get("a").unwrap().begin_window(0, 100);
    assert!(!r.register("a", s.clone()).unwrap());
    assert_eq!(r.get("a").unwrap().status().marking_until, Some(100));
    let mut s2 = s.clone();
    s2.interval = 20;
    assert!(r.register("a", s2).unwrap());
    assert_eq!(r.get("a").unwrap().status().marking_until, None);
    assert!(r.for_database("db").is_some());
    assert!(r.for_database("other").is_none());
    assert!(r.remove_database("db"));
    assert!(r.is_empty());
    assert!(!r.unregister("a"));
}

fn persisted(id: &str, buckets: Vec<i64>) -> PersistedWatch {
    PersistedWatch {
        id: id.into(),
        spec: spec(MeasurementFilter::Regex("^cpu$".into()), 10, 3),
        confirmed_until: Some(1003),
        floor: -97,
        buckets,
        marked_total: 42,
    }
}

#[test]
fn state_file_round_trips_and_detects_damage() {
    let p = Path::new("watches.tdb");
    let ws = vec![
        persisted("a", vec![-97, -87, 3, 13, 23, 103]),
        persisted("b", vec![]),
    ];
    let bytes = encode_watches(p, &ws).unwrap();
    assert_eq!(decode_watches(p, &bytes).unwrap(), ws);
    for i in 0..bytes.len() {
        let mut b = bytes.clone();
        b[i] ^= 0x10;
        assert!(decode_watches(p, &b).is_err(), "flip at byte {i}");
    }
    for cut in 0..bytes.len() {
        assert!(decode_watches(p, &bytes[..cut]).is_err(), "cut at {cut}");
    }
}

#[test]
fn state_file_refuses_inconsistent_bodies() {
    let p = Path::new("w");
    let body = |runs: &str| {
        let json = format!(
            r#"{{"watches":[{{"id":"a","spec":{{"database":"db","retention_policy":null,"measurements":"all","interval":10,"offset":0}},"confirmed_until":null,"floor":0,"marked_total":0,"runs":{runs}}}]}}"#
        );
        crate::files::encode_framed(WATCHES_MAGIC, WATCHES_VERSION, json.as_bytes())
    };
    assert_eq!(
        decode_watches(p, &body("[[0,3],[40,1]]")).unwrap()[0].buckets,
        vec![0, 10, 20, 40]
    );
    for (runs, what) in [
        ("[[0,0]]", "empty"),
        ("[[0,3],[20,1]]", "overlaps"),
        ("[[5,1]]", "not on the bucket grid"),
        ("[[9223372036854775800,5]]", "overflows"),
    ] {
        let e = decode_watches(p, &body(runs)).unwrap_err().to_string();
        assert!(e.contains(what), "{runs}: {e}");
    }
}

/// The example body of `docs/format/watches.md` (version 1) keeps decoding.
#[test]
fn documented_version_1_body_decodes() {
    let json = r#"{"watches":[
  {"id":"telegraf.cpu_1m",
   "spec":{"database":"telegraf","retention_policy":null,
           "measurements":{"names":["cpu"]},"interval":60000000000,"offset":0},
   "confirmed_until":1700000060000000000,
   "floor":1699395260000000000,
   "marked_total":17,
   "runs":[[1699999800000000000,3],[1700000040000000000,1]]}]}"#;
    let bytes = crate::files::encode_framed(b"TAILWTCH", 1, json.as_bytes());
    let ws = decode_watches(Path::new("w"), &bytes).unwrap();
    assert_eq!(ws.len(), 1);
    assert_eq!(
        ws[0].spec.measurements,
        MeasurementFilter::Names(vec!["cpu".into()])
    );
    let m = 60_000_000_000i64;
    assert_eq!(
        ws[0].buckets,
        vec![
            1_699_999_800_000_000_000,
            1_699_999_800_000_000_000 + m,
            1_699_999_800_000_000_000 + 2 * m,
            1_700_000_040_000_000_000
        ]
    );
    // And what we write has the documented shape.
    let out = encode_watches(Path::new("w"), &ws).unwrap();
    let text = String::from_utf8_lossy(&out[crate::files::FRAMED_HEADER_LEN..]).into_owned();
    assert!(
        text.contains(r#""measurements":{"names":["cpu"]}"#),
        "{text}"
    );
    assert!(
        text.contains(r#""runs":[[1699999800000000000,3],[1700000040000000000,1]]"#),
        "{text}"
    );
}

#[test]
fn registry_persists_and_reopens_with_dirty_and_in_flight_as_dirty() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("watches.tdb");
    {
        let r = WatchRegistry::open(&path).unwrap();
        r.register("a", spec(MeasurementFilter::All, 10, 0))
            .unwrap();
        let w = r.get("a").unwrap();
        w.begin_window(0, 100);
        w.finish_window(0, 100, true);
        w.begin_window(100, 200);
        w.set_floor(-50);
        let ws = [w.clone()];
        mark(
            &ws,
            "rp",
            WriteOrigin::Client,
            &[("m", 5), ("m", 15), ("m", 150)],
        );
        assert_eq!(w.take_dirty(), vec![0, 10, 150]);
        mark(&ws, "rp", WriteOrigin::Client, &[("m", 45)]);
        r.persist().unwrap();
    }
    let r = WatchRegistry::open(&path).unwrap();
    let st = r.get("a").unwrap().status();
    assert_eq!(st.confirmed_until, Some(100));
    assert_eq!(
        st.marking_until,
        Some(100),
        "marking_until restarts at confirmed_until"
    );
    assert_eq!(st.floor, -50);
    assert_eq!((st.dirty, st.in_flight, st.marked_total), (4, 0, 4));
    assert_eq!(r.get("a").unwrap().take_dirty(), vec![0, 10, 40, 150]);
}

/// A naive model: the marks of a sequence of operations computed point by point.
#[derive(Debug, Clone)]
enum Op {
    Begin(i64),
    Floor(i64),
    Write(Vec<(u8, i64)>),
    Take,
    Finish(bool),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (-2000i64..2000).prop_map(Op::Begin),
        (-2500i64..2000).prop_map(Op::Floor),
        prop::collection::vec((0u8..3, -2500i64..2500), 0..40).prop_map(Op::Write),
        Just(Op::Take),
        any::<bool>().prop_map(Op::Finish),
    ]
}

proptest! {
    #[test]
    fn marking_matches_a_naive_model(
        interval in 1i64..300,
        offset in -500i64..500,
        ops in prop::collection::vec(op(), 1..30),
    ) {
        let names = ["m0", "m1", "m2"];
        let filters = [
            MeasurementFilter::All,
            MeasurementFilter::Names(vec!["m1".into()]),
            MeasurementFilter::Regex("^m[02]$".into()),
        ];
        let ws: Vec<Arc<Watch>> = filters
            .iter()
            .enumerate()
            .map(|(i, f)| Arc::new(Watch::new(&format!("w{i}"), spec(f.clone(), interval, offset)).unwrap()))
            .collect();
        // Model per watch: until, floor, dirty, in-flight, taken list.
        struct Model { until: Option<i64>, floor: i64, dirty: BTreeSet<i64>, in_flight: BTreeSet<i64>, total: u64 }
        let mut models: Vec<Model> = (0..3).map(|_| Model { until: None, floor: i64::MIN, dirty: BTreeSet::new(), in_flight: BTreeSet::new(), total: 0 }).collect();
        let matches = |w: usize, m: usize| match w { 0 => true, 1 => m == 1, _ => m != 1 };
        let mut last_taken: BTreeMap<usize, Vec<i64>> = BTreeMap::new();
        for op in &ops {
            match op {
                Op::Begin(end) => for (i, w) in ws.iter().enumerate() {
                    w.begin_window(end - interval, *end);
                    models[i].until = Some(models[i].until.map_or(*end, |u| u.max(*end)));
                },
                Op::Floor(f) => for (i, w) in ws.iter().enumerate() {
                    w.set_floor(*f);
                    let m = &mut models[i];
                    m.floor = *f;
                    m.dirty.retain(|b| b + interval > *f);
                    m.in_flight.retain(|b| b + interval > *f);
                },
                Op::Write(points) => {
                    let pts: Vec<(&str, i64)> = points.iter().map(|(m, t)| (names[*m as usize], *t)).collect();
                    mark(&ws, "autogen", WriteOrigin::Client, &pts);
                    for (i, m) in models.iter_mut().enumerate() {
                        for (mi, t) in points {
                            if matches(i, *mi as usize) && m.floor <= *t && m.until.is_some_and(|u| *t < u) {
                                let b = offset + (t - offset).div_euclid(interval) * interval;
                                if m.dirty.insert(b) { m.total += 1; }
                            }
                        }
                    }
                }
                Op::Take => for (i, w) in ws.iter().enumerate() {
                    let got = w.take_dirty();
                    let m = &mut models[i];
                    let want: Vec<i64> = std::mem::take(&mut m.dirty).into_iter().collect();
                    m.in_flight.extend(want.iter().copied());
                    prop_assert_eq!(&got, &want);
                    last_taken.insert(i, got);
                },
                Op::Finish(ok) => for (i, w) in ws.iter().enumerate() {
                    let taken = last_taken.remove(&i).unwrap_or_default();
                    w.finish_dirty(&taken, *ok);
                    let m = &mut models[i];
                    for b in taken {
                        if m.in_flight.remove(&b) && !ok && b + interval > m.floor {
                            m.dirty.insert(b);
                        }
                    }
                },
            }
            for (i, w) in ws.iter().enumerate() {
                let st = w.status();
                let m = &models[i];
                prop_assert_eq!(st.dirty, m.dirty.len());
                prop_assert_eq!(st.in_flight, m.in_flight.len());
                prop_assert_eq!(st.marked_total, m.total);
                prop_assert_eq!(st.marking_until, m.until);
            }
        }
    }

    #[test]
    fn state_file_round_trips(
        interval in 1i64..1_000_000,
        offset in -1_000_000i64..1_000_000,
        ks in prop::collection::btree_set(-5000i64..5000, 0..200),
        confirmed in prop::option::of(any::<i64>()),
        floor in any::<i64>(),
        total in any::<u64>(),
    ) {
        let base = offset.rem_euclid(interval);
        let buckets: Vec<i64> = ks.iter().map(|k| base + k * interval).collect();
        let w = PersistedWatch {
            id: "cq:x".into(),
            spec: WatchSpec {
                database: "d b".into(),
                retention_policy: Some("rp".into()),
                measurements: MeasurementFilter::Names(vec!["a".into(), "b\"c".into()]),
                interval,
                offset,
            },
            confirmed_until: confirmed,
            floor,
            buckets,
            marked_total: total,
        };
        let p = Path::new("w");
        let bytes = encode_watches(p, std::slice::from_ref(&w)).unwrap();
        prop_assert_eq!(decode_watches(p, &bytes).unwrap(), vec![w]);
    }
}
