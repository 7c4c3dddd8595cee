//! `sketch:<base64url>` field values: parsed into [`FieldValue::Sketch`], malformed ones rejected
//! per line with `invalid sketch field value: …`, neighbours unaffected.

use std::sync::Arc;

use base64::Engine as _;
use tsdb::{FieldValue, PointBatch, Sketch};

use super::*;

fn parse(body: &str) -> (PointBatch<'_>, Vec<LineError>) {
    let mut batch = PointBatch::new();
    let mut errors = Vec::new();
    parse_lines(
        body.as_bytes(),
        &ParseOptions::default(),
        &mut batch,
        &mut errors,
    );
    (batch, errors)
}

fn sample() -> Sketch {
    let mut sk = Sketch::new(0.02).expect("valid accuracy");
    sk.extend_from(&[0.5, 1.0, 2.5, 40.0, -3.0, 0.0, 1234.5]);
    sk
}

fn text_of(bytes: &[u8]) -> String {
    format!(
        "sketch:{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// The reason the single line `line` is rejected with.
fn reason(line: &str) -> String {
    let (batch, errors) = parse(line);
    assert_eq!(batch.len(), 0, "{line:?} parsed");
    assert_eq!(errors.len(), 1, "{line:?}: {errors:?}");
    errors[0].reason.clone()
}

#[test]
fn sketch_value_parses_beside_other_fields() {
    let sk = sample();
    let body = format!("lat,dc=ams p=1i,latency_ms={},n=2 10\n", sk.to_text());
    let (batch, errors) = parse(&body);
    assert!(errors.is_empty(), "{errors:?}");
    let p = &batch.points[0];
    let fields = batch.fields_of(p);
    assert_eq!(fields.len(), 3);
    assert_eq!(fields[0].1, FieldValue::Integer(1));
    assert_eq!(fields[1].0, "latency_ms");
    match &fields[1].1 {
        FieldValue::Sketch(got) => {
            assert_eq!(**got, sk);
            assert_eq!(got.count(), 7);
            assert_eq!(got.max(), Some(1234.5));
        }
        other => panic!("not a sketch: {other:?}"),
    }
    assert_eq!(fields[2].1, FieldValue::Float(2.0));
    assert_eq!(p.timestamp, 10);
}

#[test]
fn empty_sketch_and_last_field_without_timestamp() {
    let empty = Sketch::new(0.01).expect("valid accuracy");
    let body = format!("m f={}", empty.to_text());
    let (batch, errors) = parse(&body);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        batch.fields_of(&batch.points[0])[0].1,
        FieldValue::Sketch(Arc::new(empty))
    );
}

#[test]
fn quoted_sketch_text_stays_a_string_and_near_misses_stay_booleans() {
    let text = sample().to_text();
    let body = format!("m f=\"{text}\" 1");
    let (batch, errors) = parse(&body);
    assert!(errors.is_empty(), "{errors:?}");
    assert!(matches!(
        &batch.fields_of(&batch.points[0])[0].1,
        FieldValue::String(s) if *s == text
    ));
    // Only the exact prefix selects a sketch; other bare words keep InfluxDB's reason.
    assert_eq!(reason("m f=sketch 1"), "invalid boolean");
    assert_eq!(reason("m f=sketchy:AQ 1"), "invalid boolean");
    assert_eq!(reason("m f=Sketch:AQ 1"), "invalid boolean");
}

#[test]
fn malformed_sketches_give_a_per_line_reason() {
    let good = sample().to_bytes();
    let mut wrong_version = good.clone();
    wrong_version[0] = 2;
    let truncated = &good[..good.len() - 3];
    let mut trailing = good.clone();
    trailing.push(0);
    let cases: Vec<(String, &str)> = vec![
        ("sketch:".into(), "invalid sketch encoding: truncated"),
        (
            "sketch:!!".into(),
            "invalid sketch encoding: invalid base64",
        ),
        (
            "sketch:AQ=".into(),
            "invalid sketch encoding: invalid base64",
        ),
        // Standard base64's `+` and `/` are not the URL-safe alphabet.
        (
            "sketch:+/+/".into(),
            "invalid sketch encoding: invalid base64",
        ),
        (text_of(truncated), "invalid sketch encoding: truncated"),
        (
            text_of(&wrong_version),
            "invalid sketch encoding: unknown version",
        ),
        (
            text_of(&trailing),
            "invalid sketch encoding: trailing bytes",
        ),
        (
            text_of(&[1, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
            "invalid sketch encoding: relative accuracy",
        ),
    ];
    for (value, want) in cases {
        let line = format!("m f={value} 1");
        assert_eq!(
            reason(&line),
            format!("invalid sketch field value: {want}"),
            "{line}"
        );
    }
}

#[test]
fn a_bad_sketch_line_leaves_its_neighbours_alone() {
    let sk = sample();
    let body = format!(
        "m,h=a f={} 1\nm,h=b f=sketch:!! 2\nm,h=c f={},g=1 3\n",
        sk.to_text(),
        sk.to_text()
    );
    let (batch, errors) = parse(&body);
    assert_eq!(batch.len(), 2);
    assert_eq!(errors.len(), 1);
    assert_eq!(
        errors[0].to_string(),
        "unable to parse 'm,h=b f=sketch:!! 2': invalid sketch field value: invalid sketch encoding: invalid base64"
    );
    let ts: Vec<i64> = batch.points.iter().map(|p| p.timestamp).collect();
    assert_eq!(ts, vec![1, 3]);
    assert_eq!(
        batch.fields.len(),
        3,
        "the bad line's fields were rolled back"
    );
}
