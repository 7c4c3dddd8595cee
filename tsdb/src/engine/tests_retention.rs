//! Retention policies, shard drops and expiry through the engine.

use std::borrow::Cow;
use std::ops::ControlFlow;
use std::sync::Arc;

use super::*;
use crate::files::shard_dir;
use crate::index::TagPredicate;
use crate::meta::{DAY, HOUR_NANOS};
use crate::model::{FieldValue, PointBatch};

const T0: i64 = 1_500_000_000_000_000_000;
const WEEK: i64 = 7 * DAY;

fn config(dir: &std::path::Path) -> EngineConfig {
    let mut c = EngineConfig::new(dir);
    c.background = false;
    c
}

fn open(dir: &std::path::Path) -> Arc<Engine> {
    let e = Engine::open(config(dir)).unwrap();
    e.create_database("db", None).unwrap();
    e
}

fn spec(name: &str, duration: i64, shard: Option<i64>) -> RetentionPolicySpec {
    RetentionPolicySpec {
        name: Some(name.into()),
        duration: Some(duration),
        replication: Some(1),
        shard_duration: shard,
    }
}

fn invalid(r: Result<(), EngineError>) -> String {
    match r {
        Err(e) => e.to_string(),
        Ok(()) => "ok".into(),
    }
}

/// `(measurement, host, time)` points with field `v = 1.0`.
fn write(e: &Engine, rp: Option<&str>, points: &[(&str, &str, i64)]) -> WriteOutcome {
    let mut b = PointBatch::new();
    for (m, host, t) in points {
        b.push(
            *m,
            [(Cow::Borrowed("host"), Cow::Borrowed(*host))],
            [(Cow::Borrowed("v"), FieldValue::Float(1.0))],
            *t,
        );
    }
    e.write("db", rp, &b).unwrap()
}

fn rp_row(e: &Engine, name: &str) -> RetentionPolicyInfo {
    e.retention_policies("db")
        .unwrap()
        .into_iter()
        .find(|r| r.name == name)
        .unwrap()
}

fn hosts(e: &Engine, rp: Option<&str>, m: &str) -> Vec<String> {
    let scope = IndexScope {
        retention_policy: rp.map(str::to_string),
        ..IndexScope::all_time("db")
    };
    e.schema_tag_values(&scope, m, "host", &TagPredicate::All)
        .unwrap()
}

fn series(e: &Engine, m: &str) -> Vec<String> {
    e.schema_series(&IndexScope::all_time("db"), m, &TagPredicate::All)
        .unwrap()
}

fn measurements(e: &Engine) -> Vec<String> {
    e.schema_measurements(&IndexScope::all_time("db"), &TagPredicate::All)
        .unwrap()
}

#[test]
fn create_validates_as_influxdb() {
    let dir = tempfile::tempdir().unwrap();
    let e = open(dir.path());
    e.create_retention_policy("db", &spec("rp1", HOUR_NANOS, None), false)
        .unwrap();
    // Identical re-create: no error; different settings: exists; DEFAULT on a non-default: conflict.
    e.create_retention_policy("db", &spec("rp1", HOUR_NANOS, None), false)
        .unwrap();
    assert_eq!(
        invalid(e.create_retention_policy("db", &spec("rp1", 2 * HOUR_NANOS, None), false)),
        "retention policy already exists"
    );
    assert_eq!(
        invalid(e.create_retention_policy("db", &spec("rp1", HOUR_NANOS, None), true)),
        "retention policy conflicts with an existing policy"
    );
    assert_eq!(
        invalid(e.create_retention_policy("db", &spec("rp2", HOUR_NANOS / 2, None), false)),
        "retention policy duration must be at least 1h0m0s"
    );
    assert_eq!(
        invalid(e.create_retention_policy("db", &spec("rp2", 7 * DAY, Some(30 * DAY)), false)),
        "retention policy duration must be greater than the shard duration"
    );
    assert_eq!(
        invalid(e.create_retention_policy(
            "db",
            &spec("rp2", HOUR_NANOS, Some(2 * HOUR_NANOS)),
            false
        )),
        "retention policy duration must be greater than the shard duration"
    );
    // Duration checks come before the database lookup; then the database.
    assert_eq!(
        invalid(e.create_retention_policy("nodb", &spec("rp2", HOUR_NANOS / 2, None), false)),
        "retention policy duration must be at least 1h0m0s"
    );
    assert_eq!(
        invalid(e.create_retention_policy("nodb", &spec("rp2", HOUR_NANOS, None), false)),
        "database not found: nodb"
    );
    // Shard durations: defaults by duration, explicit ones below 1 h raised, 0 = default.
    for (name, d, sd, want) in [
        ("a", 2 * DAY, Some(HOUR_NANOS / 6), HOUR_NANOS),
        ("b", 90 * DAY, None, DAY),
        ("c", 200 * DAY, None, WEEK),
        ("d", 0, None, WEEK),
        ("e", DAY, Some(0), HOUR_NANOS),
        ("f", 3 * DAY, Some(2 * HOUR_NANOS), 2 * HOUR_NANOS),
    ] {
        e.create_retention_policy("db", &spec(name, d, sd), false)
            .unwrap();
        assert_eq!(rp_row(&e, name).shard_group_duration, want, "{name}");
    }
    e.create_retention_policy("db", &spec("g", 0, None), true)
        .unwrap();
    assert!(rp_row(&e, "g").default);
    assert!(!rp_row(&e, "autogen").default);
}

#[test]
fn alter_validates_and_everything_persists() {
    let dir = tempfile::tempdir().unwrap();
    {
        let e = open(dir.path());
        e.create_retention_policy("db", &spec("rp1", HOUR_NANOS, None), false)
            .unwrap();
        let alter = |u: RetentionPolicyUpdate| invalid(e.alter_retention_policy("db", "rp1", &u));
        let dur = |d| RetentionPolicyUpdate {
            duration: Some(d),
            ..Default::default()
        };
        let shard = |d| RetentionPolicyUpdate {
            shard_duration: Some(d),
            ..Default::default()
        };
        assert_eq!(alter(dur(3 * HOUR_NANOS)), "ok");
        assert_eq!(alter(shard(2 * HOUR_NANOS)), "ok");
        // Shrinking below the current shard duration, or below 1 h: refused, nothing changes.
        assert_eq!(
            alter(dur(HOUR_NANOS)),
            "retention policy duration must be greater than the shard duration"
        );
        assert_eq!(
            alter(dur(HOUR_NANOS / 2)),
            "retention policy duration must be at least 1h0m0s"
        );
        assert_eq!(rp_row(&e, "rp1").duration, 3 * HOUR_NANOS);
        assert_eq!(
            invalid(e.alter_retention_policy("db", "nope", &dur(HOUR_NANOS))),
            "retention policy not found: nope"
        );
        assert_eq!(
            invalid(e.alter_retention_policy("nodb", "rp1", &dur(HOUR_NANOS))),
            "database not found: nodb"
        );
        // SHARD DURATION 10m is raised to 1h; INF; REPLICATION; DEFAULT.
        assert_eq!(alter(shard(HOUR_NANOS / 6)), "ok");
        assert_eq!(alter(dur(0)), "ok");
        let all = RetentionPolicyUpdate {
            replication: Some(2),
            make_default: true,
            ..Default::default()
        };
        assert_eq!(alter(all), "ok");
        let r = rp_row(&e, "rp1");
        assert_eq!(
            (r.duration, r.shard_group_duration, r.replication, r.default),
            (0, HOUR_NANOS, 2, true)
        );
        e.create_retention_policy("db", &spec("rp2", DAY, None), false)
            .unwrap();
        e.drop_retention_policy("db", "autogen").unwrap();
        // Idempotent drops.
        e.drop_retention_policy("db", "nope").unwrap();
        e.drop_retention_policy("nodb", "rp1").unwrap();
        e.close().unwrap();
    }
    let e = Engine::open(config(dir.path())).unwrap();
    let rps: Vec<_> = e
        .retention_policies("db")
        .unwrap()
        .into_iter()
        .map(|r| {
            (
                r.name,
                r.duration,
                r.shard_group_duration,
                r.replication,
                r.default,
            )
        })
        .collect();
    assert_eq!(
        rps,
        [
            ("rp1".to_string(), 0, HOUR_NANOS, 2, true),
            ("rp2".to_string(), DAY, HOUR_NANOS, 1, false)
        ]
    );
}

#[test]
fn dropping_the_default_policy_leaves_the_database_pointing_at_it() {
    let dir = tempfile::tempdir().unwrap();
    let e = open(dir.path());
    write(&e, None, &[("cpu", "a", T0)]);
    let group = e.shard_groups()[0].clone();
    let path = shard_dir(e.data_dir(), "db", "autogen", group.id);
    assert!(path.exists());
    e.drop_retention_policy("db", "autogen").unwrap();
    assert!(!path.exists());
    assert!(e.shard_groups().is_empty());
    let mut b = PointBatch::new();
    b.push(
        "cpu",
        [(Cow::Borrowed("host"), Cow::Borrowed("a"))],
        [(Cow::Borrowed("v"), FieldValue::Float(1.0))],
        T0,
    );
    let err = e.write("db", None, &b).unwrap_err().to_string();
    assert_eq!(err, "retention policy not found: autogen");
    assert!(measurements(&e).is_empty());
    // Re-creating the policy makes it the default again (the database still names it).
    e.create_retention_policy("db", &spec("autogen", 0, None), false)
        .unwrap();
    assert!(rp_row(&e, "autogen").default);
    assert!(hosts(&e, None, "cpu").is_empty());
}

#[test]
fn weekly_groups_start_on_mondays_and_are_listed_in_influxdb_order() {
    let dir = tempfile::tempdir().unwrap();
    let e = open(dir.path());
    write(&e, None, &[("cpu", "a", T0 + 10 * WEEK), ("cpu", "a", T0)]);
    let g = e.shard_groups();
    assert_eq!(g.len(), 2);
    // 2017-07-10T00:00:00Z (a Monday) for 2017-07-14T02:40:00Z; the earlier group first.
    assert_eq!(g[0].start, 1_499_644_800_000_000_000);
    assert_eq!((g[0].end - g[0].start, g[0].expiry), (WEEK, g[0].end));
    assert_eq!(g[0].id, 2);
    assert_eq!(g[1].id, 1);
}

#[test]
fn expiry_drops_old_groups_files_and_what_only_lived_there() {
    let dir = tempfile::tempdir().unwrap();
    let e = open(dir.path());
    e.create_retention_policy("db", &spec("two_hours", 2 * HOUR_NANOS, None), true)
        .unwrap();
    let now = super::write::now_nanos();
    let this_hour = now - now.rem_euclid(HOUR_NANOS);
    let old = this_hour - HOUR_NANOS / 2;
    let out = write(
        &e,
        None,
        &[
            ("gone", "old", old),
            ("cpu", "old", old),
            ("cpu", "both", old),
            ("cpu", "both", now),
            ("cpu", "new", now),
        ],
    );
    assert_eq!(out.dropped, 0);
    e.flush().unwrap();
    let groups = e.shard_groups();
    assert_eq!(groups.len(), 2);
    let (g_old, g_new) = (&groups[0], &groups[1]);
    assert_eq!(g_old.end, this_hour);
    let old_dir = shard_dir(e.data_dir(), "db", "two_hours", g_old.id);
    assert!(old_dir.exists());
    assert_eq!(measurements(&e), ["cpu", "gone"]);
    // Not yet: end + duration == now' is not before now'.
    assert_eq!(
        e.enforce_retention_at(g_old.end + 2 * HOUR_NANOS).unwrap(),
        0
    );
    assert_eq!(
        e.enforce_retention_at(g_old.end + 2 * HOUR_NANOS + 1)
            .unwrap(),
        1
    );
    assert_eq!(e.shard_groups(), std::slice::from_ref(g_new));
    assert!(!old_dir.exists());
    assert_eq!(measurements(&e), ["cpu"]);
    assert_eq!(hosts(&e, None, "cpu"), ["both", "new"]);
    assert_eq!(series(&e, "cpu"), ["cpu,host=both", "cpu,host=new"]);
    assert!(series(&e, "gone").is_empty());
    // The live set counts only what is left.
    assert_eq!(e.database("db").unwrap().write_lock.lock().total, 2);
    // A restart brings nothing back (the WAL was flushed past the dropped shard).
    e.close().unwrap();
    drop(e);
    let e = Engine::open(config(dir.path())).unwrap();
    assert_eq!(e.shard_groups().len(), 1);
    assert_eq!(hosts(&e, None, "cpu"), ["both", "new"]);
    // Everything goes three hours later; a new write still works.
    assert_eq!(e.enforce_retention_at(now + 3 * HOUR_NANOS + 1).unwrap(), 1);
    assert!(e.shard_groups().is_empty());
    assert!(measurements(&e).is_empty());
    assert!(hosts(&e, None, "cpu").is_empty());
    let out = write(&e, None, &[("cpu", "again", super::write::now_nanos())]);
    assert_eq!(out.written, 1);
    assert_eq!(hosts(&e, None, "cpu"), ["again"]);
}

#[test]
fn retention_of_one_hour_drops_everything_three_hours_later() {
    let dir = tempfile::tempdir().unwrap();
    let e = open(dir.path());
    e.create_retention_policy("db", &spec("hour", HOUR_NANOS, None), true)
        .unwrap();
    let now = super::write::now_nanos();
    let out = write(
        &e,
        None,
        &[
            ("m", "early", now - 50 * 60 * 1_000_000_000),
            ("m", "late", now),
        ],
    );
    assert_eq!(out.dropped, 0);
    // Beyond the retention window: refused.
    let out = write(&e, None, &[("m", "x", now - 2 * HOUR_NANOS)]);
    assert_eq!(
        (out.dropped, out.reason.as_deref()),
        (1, Some("points beyond retention policy"))
    );
    let dirs: Vec<_> = e
        .shard_groups()
        .iter()
        .map(|g| shard_dir(e.data_dir(), "db", "hour", g.id))
        .collect();
    assert!(!dirs.is_empty() && dirs.iter().all(|d| d.exists()));
    assert!(e.enforce_retention_at(now + 3 * HOUR_NANOS).unwrap() >= 1);
    assert!(e.shard_groups().is_empty());
    assert!(dirs.iter().all(|d| !d.exists()));
    assert!(hosts(&e, None, "m").is_empty());
    assert!(series(&e, "m").is_empty());
    assert!(measurements(&e).is_empty());
    assert_eq!(write(&e, None, &[("m", "new", now)]).written, 1);
    assert_eq!(hosts(&e, None, "m"), ["new"]);
}

#[test]
fn drop_shard_removes_one_group_and_a_restart_keeps_it_gone() {
    let dir = tempfile::tempdir().unwrap();
    {
        let e = open(dir.path());
        write(
            &e,
            None,
            &[
                ("cpu", "a", T0),
                ("cpu", "b", T0),
                ("cpu", "a", T0 + 2 * WEEK),
            ],
        );
        let groups = e.shard_groups();
        let first = groups.iter().find(|g| g.start <= T0 && T0 < g.end).unwrap();
        let first_dir = shard_dir(e.data_dir(), "db", "autogen", first.id);
        e.drop_shard(first.id).unwrap();
        e.drop_shard(first.id).unwrap();
        e.drop_shard(999).unwrap();
        assert!(!first_dir.exists());
        assert_eq!(e.shard_groups().len(), 1);
        assert_eq!(hosts(&e, None, "cpu"), ["a"]);
        assert_eq!(series(&e, "cpu"), ["cpu,host=a"]);
        // Crash-like: no close, the WAL of the dropped shard must not come back.
        std::mem::forget(e);
    }
    let e = Engine::open(config(dir.path())).unwrap();
    assert_eq!(e.shard_groups().len(), 1);
    assert_eq!(hosts(&e, None, "cpu"), ["a"]);
    // Writing into the dropped window creates a new group with a new id.
    write(&e, None, &[("cpu", "c", T0)]);
    let ids: Vec<u64> = e.shard_groups().iter().map(|g| g.id).collect();
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&3));
    assert_eq!(hosts(&e, None, "cpu"), ["a", "c"]);
}

/// Drops the policy's shards while a scan is reading them (from inside the scan's sink).
struct DroppingSink {
    engine: Arc<Engine>,
    rows: usize,
    dropped: bool,
}

impl ScanSink for DroppingSink {
    fn consume(&mut self, batch: &ScanBatch<'_>) -> ControlFlow<()> {
        if !self.dropped {
            self.dropped = true;
            self.engine.drop_retention_policy("db", "autogen").unwrap();
        }
        self.rows += batch.series.len();
        ControlFlow::Continue(())
    }
}

#[test]
fn a_scan_racing_a_drop_finishes_on_the_deleted_files() {
    let dir = tempfile::tempdir().unwrap();
    let e = open(dir.path());
    let mut points = Vec::new();
    for w in 0..3 {
        for i in 0..200 {
            points.push(("cpu", if i % 2 == 0 { "a" } else { "b" }, T0 + w * WEEK + i));
        }
    }
    write(&e, None, &points);
    e.flush().unwrap();
    // One more row in a memtable.
    write(&e, None, &[("cpu", "a", T0 + 3 * WEEK)]);
    let groups = e
        .group_series(&IndexScope::all_time("db"), "cpu", &TagPredicate::All, &[])
        .unwrap();
    let req = ScanRequest {
        database: "db".into(),
        retention_policy: None,
        measurement: "cpu".into(),
        min_time: i64::MIN,
        max_time: i64::MAX,
        series: groups.series,
        fields: vec!["v".into()],
        times: true,
    };
    let mut sink = DroppingSink {
        engine: e.clone(),
        rows: 0,
        dropped: false,
    };
    e.scan(&req, &mut [&mut sink]).unwrap();
    assert!(sink.dropped);
    assert_eq!(sink.rows, 601);
    assert!(e.shard_groups().is_empty());
    assert!(!shard_dir(e.data_dir(), "db", "autogen", 1).exists());
    // Afterwards the data is gone for new readers.
    assert!(series(&e, "cpu").is_empty());
}
