//! Every line-protocol vector of the InfluxDB 1.x reference (§1 and §2.1, the `[O]` examples), plus
//! taildb's own rules (CRLF, UTF-8, comments, multi-line strings).

use std::borrow::Cow;

use tsdb::{FieldValue, PointBatch};

use super::*;

/// A parsed point with owned parts, for comparisons.
#[derive(Debug, PartialEq)]
struct Owned {
    measurement: String,
    tags: Vec<(String, String)>,
    fields: Vec<(String, FieldValue<'static>)>,
    timestamp: i64,
}

fn owned(batch: &PointBatch<'_>) -> Vec<Owned> {
    batch
        .points
        .iter()
        .map(|p| Owned {
            measurement: p.measurement.to_string(),
            tags: batch
                .tags_of(p)
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            fields: batch
                .fields_of(p)
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone().into_owned()))
                .collect(),
            timestamp: p.timestamp,
        })
        .collect()
}

fn parse_opts(body: &[u8], opts: &ParseOptions) -> (Vec<Owned>, Vec<LineError>) {
    let mut batch = PointBatch::new();
    let mut errors = Vec::new();
    parse_lines(body, opts, &mut batch, &mut errors);
    // Every point's ranges must lie inside the flat vectors and tile them in order.
    let (mut t, mut f) = (0u32, 0u32);
    for p in &batch.points {
        assert_eq!(
            (p.tags.start, p.fields.start),
            (t, f),
            "ranges must tile the vectors"
        );
        (t, f) = (p.tags.end, p.fields.end);
    }
    assert_eq!(
        (t as usize, f as usize),
        (batch.tags.len(), batch.fields.len()),
        "no leftovers of bad lines"
    );
    (owned(&batch), errors)
}

fn parse(body: &str) -> (Vec<Owned>, Vec<LineError>) {
    parse_opts(body.as_bytes(), &ParseOptions::default())
}

/// The reason a single bad line is rejected with.
fn reason(line: &str) -> String {
    let (points, errors) = parse(line);
    assert!(points.is_empty(), "{line:?} parsed: {points:?}");
    assert_eq!(errors.len(), 1, "{line:?}: {errors:?}");
    errors[0].reason.clone()
}

/// The single point of a good line.
fn point(line: &str) -> Owned {
    let (mut points, errors) = parse(line);
    assert!(errors.is_empty(), "{line:?}: {errors:?}");
    assert_eq!(points.len(), 1, "{line:?}");
    points.remove(0)
}

fn pt(m: &str, tags: &[(&str, &str)], fields: Vec<(&str, FieldValue<'static>)>, ts: i64) -> Owned {
    Owned {
        measurement: m.into(),
        tags: tags
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        fields: fields
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
        timestamp: ts,
    }
}

fn fl(v: f64) -> FieldValue<'static> {
    FieldValue::Float(v)
}
fn int(v: i64) -> FieldValue<'static> {
    FieldValue::Integer(v)
}
fn st(v: &str) -> FieldValue<'static> {
    FieldValue::String(Cow::Owned(v.to_string()))
}
fn bo(v: bool) -> FieldValue<'static> {
    FieldValue::Boolean(v)
}

const OUT_OF_RANGE: &str = "time outside range -9223372036854775806 - 9223372036854775806";

#[test]
fn rejected_vectors_give_influxdb_reasons() {
    let cases: &[(&str, &str, &str)] = &[
        // §2.1
        ("measurement only", "m1", "missing fields"),
        ("tags without fields", "m1,t=a", "missing fields"),
        ("empty tag value", "m1,t= f=1", "missing tag value"),
        ("empty tag key", "m1,=a f=1", "missing tag key"),
        ("tag without =", "m1,t f=1", "missing tag value"),
        ("no measurement", ",t=a f=1", "missing measurement"),
        ("empty field value", "m1 f=", "missing field value"),
        ("empty field key", "m1 =1", "missing field key"),
        (
            "trailing comma in fields",
            "m1 f=1,",
            "invalid field format",
        ),
        ("field without =", "m1 f=1,g", "invalid field format"),
        ("comma then space", "m, f=1 1", "missing tag key"),
        ("trailing comma in tags", "m,t=1, f=1 1", "missing tag key"),
        (
            "double comma in tags",
            "m,t=1,,u=2 f=1 1",
            "missing tag key",
        ),
        (
            "space after field comma",
            "sp f=1, g=2 1",
            "invalid field format",
        ),
        (
            "comma before second field",
            "sp f=1 ,g=2 1",
            "bad timestamp",
        ),
        // §1.1
        ("tab is not a separator", "m f=1\t3", "invalid number"),
        ("duplicate tags", "m,t=a,t=b f=1", "duplicate tags"),
        (
            "duplicate tags unsorted",
            "m,u=1,t=a,a=0,t=b f=1",
            "duplicate tags",
        ),
        // §1.2
        (
            "unescaped = in tag value",
            "m,t=a=b f=1",
            "invalid tag format",
        ),
        (
            "escaped space swallows separator",
            "m,t=a\\ f=1 1",
            "invalid tag format",
        ),
        // §1.3
        ("leading plus", "m l=+1", "invalid boolean"),
        ("NaN", "m f=NaN", "invalid number"),
        ("Inf", "m f=Inf", "invalid boolean"),
        ("float overflow", "m f=1e400", "invalid float"),
        ("float exponent without digits", "m f=1e", "invalid float"),
        ("two decimal points", "m f=1.1.1", "invalid number"),
        ("lone minus", "m f=-", "invalid number"),
        ("lone dot", "m f=.", "invalid number"),
        ("decimal integer", "m f=1.5i", "invalid number"),
        ("digits after i", "m f=1i2", "invalid number"),
        ("integer exponent", "m f=1e3i", "invalid number"),
        (
            "integer overflow",
            "m f=9223372036854775808i",
            "unable to parse integer 9223372036854775808: strconv.ParseInt: parsing \"9223372036854775808\": value out of range",
        ),
        (
            "negative integer overflow",
            "m f=-9223372036854775809i",
            "unable to parse integer -9223372036854775809: strconv.ParseInt: parsing \"-9223372036854775809\": value out of range",
        ),
        ("unsigned disabled", "m f=1u", "invalid number"),
        ("unterminated string", "m f=\"abc", "unbalanced quotes"),
        (
            "escaped closing quote",
            "m f=\"abc\\\"",
            "unbalanced quotes",
        ),
        ("mixed-case boolean", "m f=TrUe", "invalid boolean"),
        ("truncated boolean", "m f=tru", "invalid boolean"),
        ("bare word", "m f=abc", "invalid boolean"),
        // §1.4
        ("decimal timestamp", "m f=1 1.5", "bad timestamp"),
        ("word timestamp", "m f=1 abc", "bad timestamp"),
        ("plus timestamp", "m f=1 +1", "bad timestamp"),
        ("exponent timestamp", "m f=1 1e9", "bad timestamp"),
        ("junk after timestamp", "m f=1 1 junk", "point is invalid"),
        ("tab after timestamp", "m f=1 1 \t", "point is invalid"),
        (
            "timestamp above range",
            "m f=1 9223372036854775807",
            OUT_OF_RANGE,
        ),
        (
            "timestamp below range",
            "m f=1 -9223372036854775807",
            OUT_OF_RANGE,
        ),
        (
            "timestamp i64::MIN",
            "m f=1 -9223372036854775808",
            OUT_OF_RANGE,
        ),
        (
            "lone minus timestamp",
            "m f=1 -",
            "strconv.ParseInt: parsing \"-\": invalid syntax",
        ),
        (
            "timestamp beyond i64",
            "m f=1 99999999999999999999",
            "strconv.ParseInt: parsing \"99999999999999999999\": value out of range",
        ),
        // Field-set shapes.
        (
            "key without value mid-set",
            "m f,g=1",
            "invalid field format",
        ),
        ("value error wins over format", "m f,g=x", "invalid boolean"),
        ("empty key after comma", "m f=1,=2", "missing field key"),
        (
            "empty value before comma",
            "m f=,g=1",
            "missing field value",
        ),
        (
            "double comma in fields",
            "m f=1,,g=2",
            "invalid field format",
        ),
        ("space-separated keys", "m a b=1", "invalid field format"),
        ("only spaces after key", "m  ", "missing fields"),
        ("text after string", "m f=\"a\"b", "invalid field format"),
        ("missing tag value at end", "m,t=", "missing tag value"),
        ("tag key at end", "m,t", "missing tag value"),
    ];
    let mut failures = Vec::new();
    for (name, line, want) in cases {
        let got = reason(line);
        if got != *want {
            failures.push(format!("{name}: {line:?} gave {got:?}, want {want:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn accepted_vectors_parse_to_expected_points() {
    let cases: Vec<(&str, &str, Owned)> = vec![
        (
            "multiple spaces",
            "m  f=1  4",
            pt("m", &[], vec![("f", fl(1.0))], 4),
        ),
        (
            "trailing spaces",
            "m f=1 4   ",
            pt("m", &[], vec![("f", fl(1.0))], 4),
        ),
        (
            "tab after separator space",
            "m \tf=1 \t4",
            pt("m", &[], vec![("f", fl(1.0))], 4),
        ),
        (
            "tab inside measurement",
            "tab\tx f=1 1",
            pt("tab\tx", &[], vec![("f", fl(1.0))], 1),
        ),
        (
            "hash inside measurement",
            "m#x f=1 1",
            pt("m#x", &[], vec![("f", fl(1.0))], 1),
        ),
        (
            "leading blanks",
            " \t\0m f=1 1",
            pt("m", &[], vec![("f", fl(1.0))], 1),
        ),
        (
            "tags are sorted",
            "m7,b=2,a=1,c=3 f=1 1",
            pt(
                "m7",
                &[("a", "1"), ("b", "2"), ("c", "3")],
                vec![("f", fl(1.0))],
                1,
            ),
        ),
        (
            "duplicate fields kept in order",
            "m3,t=a f=1,f=2",
            pt("m3", &[("t", "a")], vec![("f", fl(1.0)), ("f", fl(2.0))], 0),
        ),
        (
            "time tag and field kept",
            "c,time=x time=1,v=2 5",
            pt(
                "c",
                &[("time", "x")],
                vec![("time", fl(1.0)), ("v", fl(2.0))],
                5,
            ),
        ),
        (
            "quotes in measurement",
            "\"quoted\"m f=1 1",
            pt("\"quoted\"m", &[], vec![("f", fl(1.0))], 1),
        ),
        (
            "string escapes",
            r#"m s="a\\b\c\"" 1"#,
            pt("m", &[], vec![("s", st(r#"a\b\c""#))], 1),
        ),
        (
            "double backslash in names stays",
            r"back\\slash,t=a\\b f=1 1",
            pt(r"back\\slash", &[("t", r"a\\b")], vec![("f", fl(1.0))], 1),
        ),
        (
            "escapes removed per component",
            r"esc\ m\,x,t\ k\,\=1=v\ a\,b\=c f=1 1",
            pt("esc m,x", &[("t k,=1", "v a,b=c")], vec![("f", fl(1.0))], 1),
        ),
        (
            "measurement keeps \\=",
            r"m\=x f=1 1",
            pt(r"m\=x", &[], vec![("f", fl(1.0))], 1),
        ),
        (
            "escaped trailing space in tag value",
            "m,t=a\\  f=1",
            pt("m", &[("t", "a ")], vec![("f", fl(1.0))], 0),
        ),
        (
            "quotes in field key",
            "q \"f\"=1 1",
            pt("q", &[], vec![("\"f\"", fl(1.0))], 1),
        ),
        (
            "escaped field key",
            r#"q f\ k\,\=\"=1 1"#,
            pt("q", &[], vec![("f k,=\"", fl(1.0))], 1),
        ),
        (
            "unicode",
            "温度,地点=東京 値=1,s=\"ü\" 1",
            pt(
                "温度",
                &[("地点", "東京")],
                vec![("値", fl(1.0)), ("s", st("ü"))],
                1,
            ),
        ),
        (
            "float spellings",
            "m a=1,b=-1,c=.5,d=1.,e=1E3,f=-1e-3,g=1e+2,h=-0,i=1.e2",
            pt(
                "m",
                &[],
                vec![
                    ("a", fl(1.0)),
                    ("b", fl(-1.0)),
                    ("c", fl(0.5)),
                    ("d", fl(1.0)),
                    ("e", fl(1000.0)),
                    ("f", fl(-0.001)),
                    ("g", fl(100.0)),
                    ("h", fl(-0.0)),
                    ("i", fl(100.0)),
                ],
                0,
            ),
        ),
        (
            "integer spellings",
            "m a=-1i,b=00012i,c=-0i,d=9223372036854775807i,e=-9223372036854775808i",
            pt(
                "m",
                &[],
                vec![
                    ("a", int(-1)),
                    ("b", int(12)),
                    ("c", int(0)),
                    ("d", int(i64::MAX)),
                    ("e", int(i64::MIN)),
                ],
                0,
            ),
        ),
        (
            "empty string",
            "m s=\"\"",
            pt("m", &[], vec![("s", st(""))], 0),
        ),
        (
            "string with separators",
            "m s=\"a, b=c\",x=1",
            pt("m", &[], vec![("s", st("a, b=c")), ("x", fl(1.0))], 0),
        ),
        (
            "booleans",
            "m a=t,b=T,c=true,d=True,e=TRUE,f=f,g=F,h=false,i=False,j=FALSE",
            pt(
                "m",
                &[],
                vec![
                    ("a", bo(true)),
                    ("b", bo(true)),
                    ("c", bo(true)),
                    ("d", bo(true)),
                    ("e", bo(true)),
                    ("f", bo(false)),
                    ("g", bo(false)),
                    ("h", bo(false)),
                    ("i", bo(false)),
                    ("j", bo(false)),
                ],
                0,
            ),
        ),
        (
            "leading zero timestamp",
            "m f=1 01",
            pt("m", &[], vec![("f", fl(1.0))], 1),
        ),
        (
            "negative timestamp",
            "m f=1 -5",
            pt("m", &[], vec![("f", fl(1.0))], -5),
        ),
        (
            "highest timestamp",
            "m f=1 9223372036854775806",
            pt("m", &[], vec![("f", fl(1.0))], i64::MAX - 1),
        ),
        (
            "lowest timestamp",
            "m f=1 -9223372036854775806",
            pt("m", &[], vec![("f", fl(1.0))], i64::MIN + 2),
        ),
        (
            "tag value starting with =",
            "m,t==a f=1",
            pt("m", &[("t", "=a")], vec![("f", fl(1.0))], 0),
        ),
    ];
    let mut failures = Vec::new();
    for (name, line, want) in cases {
        let (points, errors) = parse(line);
        if !errors.is_empty() || points.len() != 1 || points[0] != want {
            failures.push(format!(
                "{name}: {line:?} gave {points:?} {errors:?}, want {want:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn long_string_is_accepted() {
    let value = "x".repeat(200_000);
    let p = point(&format!("m s=\"{value}\" 1"));
    assert_eq!(p.fields, vec![("s".to_string(), st(&value))]);
}

#[test]
fn unsigned_behind_flag() {
    let opts = ParseOptions {
        allow_unsigned: true,
        ..ParseOptions::default()
    };
    let (points, errors) = parse_opts(b"m a=1u,b=18446744073709551615u,c=0u", &opts);
    assert!(errors.is_empty(), "{errors:?}");
    let want = vec![
        ("a".to_string(), FieldValue::Unsigned(1)),
        ("b".to_string(), FieldValue::Unsigned(u64::MAX)),
        ("c".to_string(), FieldValue::Unsigned(0)),
    ];
    assert_eq!(points[0].fields, want);
    for (line, want) in [
        ("m f=-1u", "invalid number"),
        ("m f=1.5u", "invalid number"),
        (
            "m f=18446744073709551616u",
            "unable to parse unsigned 18446744073709551616: strconv.ParseUint: parsing \"18446744073709551616\": value out of range",
        ),
    ] {
        let (_, errors) = parse_opts(line.as_bytes(), &opts);
        assert_eq!(errors[0].reason, want, "{line}");
    }
}

#[test]
fn precision_scales_and_overflows() {
    let cases = [
        (Precision::Nanoseconds, "7", Ok(7)),
        (Precision::Microseconds, "7", Ok(7_000)),
        (Precision::Milliseconds, "7", Ok(7_000_000)),
        (Precision::Seconds, "7", Ok(7_000_000_000)),
        (Precision::Minutes, "-7", Ok(-420_000_000_000)),
        (Precision::Hours, "7", Ok(25_200_000_000_000)),
        (Precision::Seconds, "9999999999999", Err(OUT_OF_RANGE)),
        (Precision::Hours, "2562048", Err(OUT_OF_RANGE)),
        (
            Precision::Hours,
            "2562047",
            Ok(2_562_047 * 3_600_000_000_000),
        ),
    ];
    for (precision, ts, want) in cases {
        let opts = ParseOptions {
            precision,
            ..ParseOptions::default()
        };
        let (points, errors) = parse_opts(format!("m f=1 {ts}").as_bytes(), &opts);
        let got = match (points.first(), errors.first()) {
            (Some(p), None) => Ok(p.timestamp),
            (None, Some(e)) => Err(e.reason.as_str()),
            _ => panic!("one point or one error expected"),
        };
        assert_eq!(got, want, "{precision:?} {ts}");
    }
}

#[test]
fn missing_timestamp_is_now_truncated_to_precision() {
    let now = 1_700_000_123_456_789_123;
    let cases = [
        (Precision::Nanoseconds, now),
        (Precision::Microseconds, 1_700_000_123_456_789_000),
        (Precision::Milliseconds, 1_700_000_123_456_000_000),
        (Precision::Seconds, 1_700_000_123_000_000_000),
        (Precision::Minutes, 1_700_000_100_000_000_000),
        (Precision::Hours, 1_699_999_200_000_000_000),
    ];
    for (precision, want) in cases {
        let opts = ParseOptions {
            precision,
            now,
            ..ParseOptions::default()
        };
        let (points, _) = parse_opts(b"m f=1\nm f=2   ", &opts);
        assert_eq!(
            points.iter().map(|p| p.timestamp).collect::<Vec<_>>(),
            vec![want, want],
            "{precision:?}"
        );
    }
}

#[test]
fn key_length_limit_covers_series_key_and_field_keys() {
    // The series key alone: 65536 bytes fail before any field is looked at.
    let m = "m".repeat(65_535 - 4);
    let long = format!("{m},t=ab f=1");
    assert_eq!(reason(&long), "max key length exceeded: 65536 > 65535");
    // Series key + 4 + field key of exactly 65535 bytes passes, 65536 fails.
    let m = "m".repeat(65_535 - 4 - 1 - 4);
    assert!(parse(&format!("{m},t=a f=1")).1.is_empty());
    assert_eq!(
        reason(&format!("{m},t=ab f=1")),
        "max key length exceeded: 65536 > 65535"
    );
    assert_eq!(
        LineError {
            line: "x".into(),
            reason: reason(&long)
        }
        .to_string(),
        "unable to parse 'x': max key length exceeded: 65536 > 65535"
    );
    // Per field: len(key) + 4 + len(field key).
    let m = "m".repeat(65_000);
    let fk = "f".repeat(531);
    assert!(parse(&format!("{m} {fk}=1")).1.is_empty());
    let fk = "f".repeat(532);
    assert_eq!(
        reason(&format!("{m} g=1,{fk}=1")),
        "max key length exceeded: 65536 > 65535"
    );
    // A smaller configured limit is honoured.
    let opts = ParseOptions {
        max_key_len: 10,
        ..ParseOptions::default()
    };
    let (_, errors) = parse_opts(b"abcdefghijk f=1", &opts);
    assert_eq!(errors[0].reason, "max key length exceeded: 11 > 10");
}

#[test]
fn comments_blank_lines_and_neighbours() {
    let body = "# a comment\n\n   \n\t# indented comment\nm f=1 1\nbad\n  m2 f=2 2\n";
    let (points, errors) = parse(body);
    assert_eq!(
        points
            .iter()
            .map(|p| p.measurement.as_str())
            .collect::<Vec<_>>(),
        ["m", "m2"]
    );
    assert_eq!(
        errors,
        vec![LineError {
            line: "bad".into(),
            reason: "missing fields".into()
        }]
    );
    assert_eq!(
        errors[0].to_string(),
        "unable to parse 'bad': missing fields"
    );
}

#[test]
fn error_echo_drops_leading_blanks_keeps_trailing_spaces() {
    let (_, errors) = parse("  \tm f=1 x  \n");
    assert_eq!(errors[0].line, "m f=1 x  ");
    assert_eq!(errors[0].reason, "bad timestamp");
}

#[test]
fn crlf_line_endings_are_accepted() {
    let (points, errors) = parse("crlf f=1 1\r\ncrlf2 f=2\r\n\r\n  \r\nm,t=a s=\"x\"\r\n");
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(points.len(), 3);
    assert_eq!(points[1].fields, vec![("f".to_string(), fl(2.0))]);
    assert_eq!(points[2].fields, vec![("s".to_string(), st("x"))]);
    // Only one \r before \n is stripped, and only there.
    let (_, errors) = parse("m f=1 1\r\r\nm f=1 1\r");
    assert_eq!(
        errors
            .iter()
            .map(|e| (e.line.as_str(), e.reason.as_str()))
            .collect::<Vec<_>>(),
        [
            ("m f=1 1\r", "bad timestamp"),
            ("m f=1 1\r", "bad timestamp")
        ]
    );
    // The echo of a bad CRLF line has no \r.
    let (_, errors) = parse("bad\r\n");
    assert_eq!(errors[0].line, "bad");
}

#[test]
fn newline_inside_string_does_not_end_the_line() {
    let (points, errors) = parse("m s=\"a\nb\",t=1 1\nn f=1 2\nm s=\"c\r\nd\"\r\n");
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(points.len(), 3);
    assert_eq!(
        points[0].fields,
        vec![("s".to_string(), st("a\nb")), ("t".to_string(), fl(1.0))]
    );
    assert_eq!(points[1].measurement, "n");
    assert_eq!(points[2].fields, vec![("s".to_string(), st("c\r\nd"))]);
    // An error after a multi-line string echoes the whole multi-line line.
    let (points, errors) = parse("m s=\"a\nb\" x\nn f=1 2");
    assert_eq!(points.len(), 1);
    assert_eq!(errors[0].line, "m s=\"a\nb\" x");
    assert_eq!(errors[0].reason, "bad timestamp");
    // An unterminated string swallows the rest of the body, like InfluxDB.
    let (points, errors) = parse("m s=\"a\nn f=1 2\n");
    assert!(points.is_empty());
    assert_eq!(errors[0].line, "m s=\"a\nn f=1 2");
    assert_eq!(errors[0].reason, "unbalanced quotes");
}

#[test]
fn invalid_utf8_rejects_only_its_line() {
    let body =
        b"a f=1 1\nb\xff f=1 2\nc f=\"\xc3\" 3\n# \xfe comment\nd f=1 4\n\xe2\x82 f=1 5\ne f=1 6";
    let (points, errors) = parse_opts(body, &ParseOptions::default());
    assert_eq!(
        points
            .iter()
            .map(|p| p.measurement.as_str())
            .collect::<Vec<_>>(),
        ["a", "d", "e"]
    );
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert!(
        errors.iter().all(|e| e.reason == "invalid UTF-8"),
        "{errors:?}"
    );
    assert_eq!(errors[0].line, "b\u{fffd} f=1 2");
}

#[test]
fn zero_copy_unless_escaped() {
    let body = br#"m,t=v f=1,s="x" 1
m\ x,t\ k=v s="a\"b" 1"#;
    let mut batch = PointBatch::new();
    let mut errors = Vec::new();
    parse_lines(body, &ParseOptions::default(), &mut batch, &mut errors);
    assert!(errors.is_empty());
    let borrowed = |c: &Cow<'_, str>| matches!(c, Cow::Borrowed(_));
    let p0 = &batch.points[0];
    assert!(borrowed(&p0.measurement));
    assert!(
        batch
            .tags_of(p0)
            .iter()
            .all(|(k, v)| borrowed(k) && borrowed(v))
    );
    assert!(batch.fields_of(p0).iter().all(|(k, v)| borrowed(k)
        && matches!(v, FieldValue::String(s) if borrowed(s))
        || !matches!(v, FieldValue::String(_))));
    let p1 = &batch.points[1];
    assert!(!borrowed(&p1.measurement));
    assert!(!borrowed(&batch.tags_of(p1)[0].0));
    assert!(borrowed(&batch.tags_of(p1)[0].1));
    assert!(matches!(&batch.fields_of(p1)[0].1, FieldValue::String(Cow::Owned(s)) if s == "a\"b"));
}

#[test]
fn appends_to_a_non_empty_batch() {
    let body = b"a,z=1,y=2 f=1 1\nb,x=1 g=2 2";
    let mut batch = PointBatch::new();
    batch.push(
        "pre",
        [(Cow::Borrowed("k"), Cow::Borrowed("v"))],
        [(Cow::Borrowed("f"), fl(0.0))],
        0,
    );
    let mut errors = Vec::new();
    parse_lines(body, &ParseOptions::default(), &mut batch, &mut errors);
    let all = owned(&batch);
    assert_eq!(all.len(), 3);
    assert_eq!(
        all[1].tags,
        vec![
            ("y".to_string(), "2".to_string()),
            ("z".to_string(), "1".to_string())
        ]
    );
    assert_eq!(all[2].tags, vec![("x".to_string(), "1".to_string())]);
}

#[test]
fn precision_spellings() {
    use Precision::*;
    for (s, want) in [
        ("", Some(Nanoseconds)),
        ("n", Some(Nanoseconds)),
        ("ns", Some(Nanoseconds)),
        ("u", Some(Microseconds)),
        ("us", Some(Microseconds)),
        ("µ", Some(Microseconds)),
        ("ms", Some(Milliseconds)),
        ("s", Some(Seconds)),
        ("m", Some(Minutes)),
        ("h", Some(Hours)),
        ("xx", None),
        ("NS", None),
    ] {
        assert_eq!(Precision::parse_v1(s), want, "v1 {s:?}");
    }
    for (s, want) in [
        ("", Some(Nanoseconds)),
        ("ns", Some(Nanoseconds)),
        ("us", Some(Microseconds)),
        ("ms", Some(Milliseconds)),
        ("s", Some(Seconds)),
        ("n", None),
        ("u", None),
        ("m", None),
        ("h", None),
    ] {
        assert_eq!(Precision::parse_v2(s), want, "v2 {s:?}");
    }
}
