//! Continuous-query statements: accepted forms, canonical printing and InfluxDB 1.6.7's error
//! texts (the recorded meta session, lines 82–96 and 104).

use super::test_support::{err, one, round_trip};
use crate::ast::Statement;

#[test]
fn create_forms_print_canonically() {
    for (input, want) in [
        (
            "create continuous query cq1 on db begin select mean(v) into m_1h from m group by time(1h) end",
            "CREATE CONTINUOUS QUERY cq1 ON db BEGIN SELECT mean(v) INTO m_1h FROM m GROUP BY time(1h) END",
        ),
        (
            "CREATE CONTINUOUS QUERY cq2 ON db RESAMPLE EVERY 10s FOR 2m BEGIN SELECT count(v) INTO db.autogen.:MEASUREMENT FROM /.*/ GROUP BY time(30s, 5s), * fill(0) END",
            "CREATE CONTINUOUS QUERY cq2 ON db RESAMPLE EVERY 10s FOR 2m BEGIN SELECT count(v) INTO db.autogen.:MEASUREMENT FROM /.*/ GROUP BY time(30s, 5s), * fill(0) END",
        ),
        (
            "CREATE CONTINUOUS QUERY \"cq 9\" ON db BEGIN SELECT mean(v) AS mv INTO \"m x\" FROM m WHERE host = 'a' GROUP BY time(1m), host fill(previous) tz('Europe/Amsterdam') END",
            "CREATE CONTINUOUS QUERY \"cq 9\" ON db BEGIN SELECT mean(v) AS mv INTO \"m x\" FROM m WHERE host = 'a' GROUP BY time(1m), host fill(previous) TZ('Europe/Amsterdam') END",
        ),
        (
            "CREATE CONTINUOUS QUERY c ON db RESAMPLE FOR 1h BEGIN SELECT count(v) INTO x FROM (SELECT v FROM m) GROUP BY time(10m) END",
            "CREATE CONTINUOUS QUERY c ON db RESAMPLE FOR 1h BEGIN SELECT count(v) INTO x FROM (SELECT v FROM m) GROUP BY time(10m) END",
        ),
        (
            "CREATE CONTINUOUS QUERY c ON db RESAMPLE EVERY 0s FOR 20s BEGIN SELECT count(v) INTO x FROM m GROUP BY time(10s) END",
            "CREATE CONTINUOUS QUERY c ON db RESAMPLE FOR 20s BEGIN SELECT count(v) INTO x FROM m GROUP BY time(10s) END",
        ),
    ] {
        assert_eq!(round_trip(input), want);
    }
}

#[test]
fn create_resample_values() {
    let Statement::CreateContinuousQuery(s) = one(
        "CREATE CONTINUOUS QUERY c ON db RESAMPLE EVERY 5s FOR 30s BEGIN SELECT count(v) INTO x FROM m GROUP BY time(10s) END",
    ) else {
        panic!("not a CQ");
    };
    assert_eq!(s.name, "c");
    assert_eq!(s.database, "db");
    assert_eq!(s.resample_every, Some(5_000_000_000));
    assert_eq!(s.resample_for, Some(30_000_000_000));
    assert!(s.select.into.is_some());
}

#[test]
fn create_errors_read_like_influxdb() {
    for (q, want) in [
        (
            "CREATE CONTINUOUS QUERY cq3 ON cqdb RESAMPLE FOR 5s BEGIN SELECT count(v) INTO x FROM m GROUP BY time(10s) END",
            "FOR duration must be >= GROUP BY time duration: must be a minimum of 10s, got 5s",
        ),
        (
            "CREATE CONTINUOUS QUERY c ON cqdb RESAMPLE EVERY 1m FOR 30s BEGIN SELECT count(v) INTO x FROM m GROUP BY time(10s) END",
            "FOR duration must be >= GROUP BY time duration: must be a minimum of 1m, got 30s",
        ),
        (
            "CREATE CONTINUOUS QUERY cq4 ON cqdb RESAMPLE EVERY 0s BEGIN SELECT count(v) INTO x FROM m GROUP BY time(10s) END",
            "found BEGIN, expected EVERY, FOR at line 1, char 55",
        ),
        (
            "CREATE CONTINUOUS QUERY cq5 ON cqdb BEGIN SELECT count(v) FROM m GROUP BY time(10s) END",
            "found FROM, expected INTO at line 1, char 59",
        ),
        (
            "CREATE CONTINUOUS QUERY cq6 ON cqdb BEGIN SELECT count(v) INTO x FROM m END",
            "found m, expected GROUP BY time(...) at line 1, char 71",
        ),
        (
            "CREATE CONTINUOUS QUERY cq14 ON cqdb BEGIN SELECT count(v) INTO x FROM m GROUP BY time(10s)",
            "found EOF, expected END at line 1, char 92",
        ),
        (
            "CREATE CONTINUOUS QUERY cq16 ON cqdb RESAMPLE BEGIN SELECT count(v) INTO x FROM m GROUP BY time(10s) END",
            "found BEGIN, expected EVERY, FOR at line 1, char 47",
        ),
        (
            "CREATE CONTINUOUS QUERY cq17 ON cqdb RESAMPLE FOR 30s EVERY 10s BEGIN SELECT count(v) INTO x FROM m GROUP BY time(10s) END",
            "found EVERY, expected BEGIN at line 1, char 55",
        ),
        (
            "DROP CONTINUOUS QUERY cq1",
            "found EOF, expected ON at line 1, char 27",
        ),
    ] {
        assert_eq!(err(q), want, "{q}");
    }
}

#[test]
fn raw_continuous_queries_are_rejected() {
    // InfluxDB 1.6.7 stores these and never runs them.
    let e = err("CREATE CONTINUOUS QUERY cq8 ON cqdb BEGIN SELECT v INTO x FROM m END");
    assert!(e.contains("must be aggregate queries"), "{e}");
    let e =
        err("CREATE CONTINUOUS QUERY c ON db BEGIN SELECT v INTO x FROM m GROUP BY time(10s) END");
    assert!(e.contains("must be aggregate queries"), "{e}");
}

#[test]
fn drop_show_stats_backfill() {
    assert_eq!(
        round_trip("drop continuous query c on db"),
        "DROP CONTINUOUS QUERY c ON db"
    );
    assert_eq!(
        one("SHOW CONTINUOUS QUERIES"),
        Statement::ShowContinuousQueries
    );
    assert_eq!(
        round_trip("show continuous query stats"),
        "SHOW CONTINUOUS QUERY STATS"
    );
    assert_eq!(
        round_trip("show continuous query stats on \"my db\""),
        "SHOW CONTINUOUS QUERY STATS ON \"my db\""
    );
    assert_eq!(
        round_trip(
            "backfill continuous query c on db where time >= '2024-01-01T00:00:00Z' and time < now() - 1h"
        ),
        "BACKFILL CONTINUOUS QUERY c ON db WHERE time >= '2024-01-01T00:00:00Z' AND time < now() - 1h"
    );
    assert!(err("BACKFILL CONTINUOUS QUERY c ON db").contains("expected WHERE"));
    assert!(err("SHOW CONTINUOUS").contains("expected QUERIES"));
}
