//! Parser tests of the schema exploration and delete statements.

use super::parse_query;
use super::test_support::{one, round_trip};
use crate::ast::{
    CardinalityKind, DropMeasurementStatement, MeasurementName, NamePattern,
    ShowTagValuesStatement, Statement, TagKeyMatch,
};

#[test]
fn every_form_round_trips_to_canonical_text() {
    let cases = [
        (
            "show measurements on s with measurement = cpu where host = 'a' limit 2 offset 1",
            "SHOW MEASUREMENTS ON s WITH MEASUREMENT = cpu WHERE host = 'a' LIMIT 2 OFFSET 1",
        ),
        (
            "SHOW MEASUREMENTS WITH MEASUREMENT =~ /(?i)cp\\/u/ LIMIT 100",
            "SHOW MEASUREMENTS WITH MEASUREMENT =~ /(?i)cp\\/u/ LIMIT 100",
        ),
        ("show tag keys", "SHOW TAG KEYS"),
        (
            "show tag keys on \"my db\" from cpu, /^d/, rp1.mem, s.autogen.net, s..x where (a = 'b' or c != 'd') and time > now() - 1h limit 1 offset 2",
            "SHOW TAG KEYS ON \"my db\" FROM cpu, /^d/, rp1.mem, s.autogen.net, s..x WHERE (a = 'b' OR c != 'd') AND time > now() - 1h LIMIT 1 OFFSET 2",
        ),
        (
            "SHOW TAG VALUES WITH KEY = \"host\"",
            "SHOW TAG VALUES WITH KEY = host",
        ),
        (
            "SHOW TAG VALUES ON s FROM cpu WITH KEY != host WHERE region <> 'us'",
            "SHOW TAG VALUES ON s FROM cpu WITH KEY != host WHERE region != 'us'",
        ),
        (
            "SHOW TAG VALUES WITH KEY =~ /^(host|region)$/ WHERE host =~ /^(a|b\\/c)$/ LIMIT 5",
            "SHOW TAG VALUES WITH KEY =~ /^(host|region)$/ WHERE host =~ /^(a|b\\/c)$/ LIMIT 5",
        ),
        (
            "SHOW TAG VALUES WITH KEY !~ /host/",
            "SHOW TAG VALUES WITH KEY !~ /host/",
        ),
        (
            "SHOW TAG VALUES FROM /c/ WITH KEY IN (host, \"select\") OFFSET 3",
            "SHOW TAG VALUES FROM /c/ WITH KEY IN (host, \"select\") OFFSET 3",
        ),
        ("show field keys", "SHOW FIELD KEYS"),
        (
            "show field keys on s from rp1.temp limit 1 offset 1",
            "SHOW FIELD KEYS ON s FROM rp1.temp LIMIT 1 OFFSET 1",
        ),
        ("show series", "SHOW SERIES"),
        ("SHOW SERIES EXACT", "SHOW SERIES"),
        (
            "show series on s from cpu, net where host !~ /b/ and time >= '2024-01-01T00:00:00Z' limit 2 offset 1",
            "SHOW SERIES ON s FROM cpu, net WHERE host !~ /b/ AND time >= '2024-01-01T00:00:00Z' LIMIT 2 OFFSET 1",
        ),
        ("show series cardinality", "SHOW SERIES CARDINALITY"),
        (
            "show series exact cardinality on s from cpu where region = 'us' limit 1 offset 0",
            "SHOW SERIES EXACT CARDINALITY ON s FROM cpu WHERE region = 'us' LIMIT 1 OFFSET 0",
        ),
        (
            "show measurement cardinality",
            "SHOW MEASUREMENT CARDINALITY",
        ),
        (
            "show measurement exact cardinality on s from /c/ where host = 'a'",
            "SHOW MEASUREMENT EXACT CARDINALITY ON s FROM /c/ WHERE host = 'a'",
        ),
        ("show tag key cardinality", "SHOW TAG KEY CARDINALITY"),
        (
            "show tag key exact cardinality from cpu where region = 'eu' limit 3",
            "SHOW TAG KEY EXACT CARDINALITY FROM cpu WHERE region = 'eu' LIMIT 3",
        ),
        (
            "show tag values cardinality with key = host",
            "SHOW TAG VALUES CARDINALITY WITH KEY = host",
        ),
        (
            "show tag values exact cardinality on s from cpu with key in (host, region) where region = 'us'",
            "SHOW TAG VALUES EXACT CARDINALITY ON s FROM cpu WITH KEY IN (host, region) WHERE region = 'us'",
        ),
        ("show field key cardinality", "SHOW FIELD KEY CARDINALITY"),
        (
            "show field key exact cardinality on s from cpu offset 1",
            "SHOW FIELD KEY EXACT CARDINALITY ON s FROM cpu OFFSET 1",
        ),
        ("drop series from cpu", "DROP SERIES FROM cpu"),
        (
            "drop series where host = 'a'",
            "DROP SERIES WHERE host = 'a'",
        ),
        (
            "drop series from cpu, /^m/ where host = 'a' or host =~ /x/",
            "DROP SERIES FROM cpu, /^m/ WHERE host = 'a' OR host =~ /x/",
        ),
        ("drop measurement \"my m\"", "DROP MEASUREMENT \"my m\""),
        ("delete from cpu", "DELETE FROM cpu"),
        ("delete where host = 'b'", "DELETE WHERE host = 'b'"),
        (
            "delete from cpu, mem where host = 'a' and time < '2024-02-01T00:00:00Z'",
            "DELETE FROM cpu, mem WHERE host = 'a' AND time < '2024-02-01T00:00:00Z'",
        ),
    ];
    for (input, canonical) in cases {
        assert_eq!(round_trip(input), canonical, "{input:?}");
    }
}

#[test]
fn trees() {
    assert_eq!(
        one("SHOW TAG VALUES FROM rp1.temp WITH KEY = room"),
        Statement::ShowTagValues(ShowTagValuesStatement {
            database: None,
            sources: vec![MeasurementName {
                database: None,
                retention_policy: Some("rp1".into()),
                name: NamePattern::Name("temp".into()),
            }],
            key: TagKeyMatch::Eq("room".into()),
            condition: None,
            limit: None,
            offset: None,
        })
    );
    let Statement::ShowCardinality(c) = one("SHOW TAG VALUES EXACT CARDINALITY WITH KEY =~ /h/")
    else {
        panic!("not a cardinality statement");
    };
    assert!(c.exact);
    assert_eq!(
        c.kind,
        CardinalityKind::TagValues(TagKeyMatch::Regex("h".into()))
    );
    assert_eq!(
        one("DROP MEASUREMENT cpu"),
        Statement::DropMeasurement(DropMeasurementStatement { name: "cpu".into() })
    );
    for q in [
        "DROP SERIES FROM cpu",
        "DROP MEASUREMENT cpu",
        "DELETE FROM cpu",
    ] {
        assert!(!one(q).is_read_only(), "{q}");
    }
    for q in ["SHOW SERIES", "SHOW TAG KEYS", "SHOW FIELD KEY CARDINALITY"] {
        assert!(one(q).is_read_only(), "{q}");
    }
}

#[test]
fn errors_match_influxdb() {
    // Texts observed on InfluxDB 1.6.7 (query/tests/golden/schema.jsonl) or its parser's form.
    let cases = [
        (
            "SHOW TAG VALUES",
            "found EOF, expected WITH at line 1, char 17",
        ),
        (
            "SHOW TAG VALUES FROM cpu",
            "found EOF, expected WITH at line 1, char 26",
        ),
        (
            "SHOW TAG KEYS WITH KEY = host",
            "found WITH, expected ; at line 1, char 15",
        ),
        (
            "DROP SERIES",
            "found EOF, expected FROM, WHERE at line 1, char 13",
        ),
        (
            "DROP SERIES ON nosuch FROM cpu",
            "found ON, expected FROM, WHERE at line 1, char 13",
        ),
        (
            "DELETE",
            "found EOF, expected FROM, WHERE at line 1, char 8",
        ),
        (
            "DROP MEASUREMENT",
            "found EOF, expected identifier at line 1, char 18",
        ),
        (
            "DROP MEASUREMENT /cpu/",
            "found /, expected identifier at line 1, char 18",
        ),
        (
            "SHOW TAG VALUES WITH KEY",
            "found EOF, expected IN, =, =~ at line 1, char 26",
        ),
        (
            "SHOW TAG VALUES WITH KEY =",
            "found EOF, expected identifier at line 1, char 27",
        ),
        (
            "SHOW TAG VALUES WITH KEY IN host",
            "found host, expected ( at line 1, char 29",
        ),
        (
            "SHOW TAG VALUES WITH KEY IN (a b)",
            "found b, expected ,, ) at line 1, char 32",
        ),
        (
            "SHOW TAG",
            "found EOF, expected KEY, KEYS, VALUES at line 1, char 10",
        ),
        (
            "SHOW FIELD",
            "found EOF, expected KEY, KEYS at line 1, char 12",
        ),
        (
            "SHOW MEASUREMENT",
            "found EOF, expected EXACT, CARDINALITY at line 1, char 18",
        ),
        (
            "SHOW SERIES EXACT CARDINALITY FROM",
            "found EOF, expected identifier at line 1, char 36",
        ),
        (
            "SHOW SERIES LIMIT x",
            "found x, expected integer at line 1, char 19",
        ),
    ];
    for (q, want) in cases {
        let got = parse_query(q).map_err(|e| e.to_string());
        assert_eq!(got.as_ref().err().map(String::as_str), Some(want), "{q}");
    }
}
