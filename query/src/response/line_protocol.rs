//! Query results as line protocol (`Accept: application/x-influxdb-line-protocol`): an export
//! that another server's `/write` takes back, sketches included (issue 6 §3).
//!
//! Invariants:
//! 1. One line per result row that has a `time` column: measurement = the series name, tags = the
//!    series tags (empty values dropped, as line protocol cannot carry them), fields = every
//!    non-null non-time column under its column name, timestamp = the row time in ns (whatever
//!    `epoch` says). A row without any such field writes nothing.
//! 2. Values keep their types: floats, `i` integers, `u` unsigned, booleans, quoted strings, and
//!    sketches as `sketch:<base64url>` ([`tsdb::Sketch::to_text`]) — lossless, so percentiles of
//!    the imported sketches equal those of the exported ones.
//! 3. Results without a `time` column (SHOW …) write nothing; a statement error becomes the
//!    comment line `# error: statement N: <message>` (a line-protocol parser skips comments).
//! 4. Lines are written by `ingest`'s `write_line`, the parser's own inverse (same escaping).

use ingest::line_protocol::write_line;
use tsdb::FieldValue;

use super::{StatementResult, Value};

/// Appends `r` as line protocol to `out` (see the module invariants).
pub fn write_line_protocol(out: &mut Vec<u8>, r: &StatementResult) {
    let mut text = String::new();
    if let Some(e) = &r.error {
        // A message cannot break the comment: newlines become spaces.
        let msg = e.replace(['\n', '\r'], " ");
        text.push_str(&format!("# error: statement {}: {msg}\n", r.statement_id));
    }
    let mut fields: Vec<(&str, FieldValue<'_>)> = Vec::new();
    for s in &r.series {
        let Some(time_col) = s.columns.iter().position(|c| c == "time") else {
            continue;
        };
        let name = s.name.as_deref().unwrap_or("");
        let tags: Vec<(&str, &str)> = s
            .tags
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        for row in &s.values {
            let Some(t) = row.get(time_col).and_then(Value::as_time) else {
                continue;
            };
            fields.clear();
            for (k, (c, v)) in s.columns.iter().zip(row).enumerate() {
                if k == time_col {
                    continue;
                }
                let Some(fv) = v.as_field_value() else {
                    continue;
                };
                fields.push((c.as_str(), fv));
            }
            if fields.is_empty() {
                continue;
            }
            write_line(&mut text, name, &tags, &fields, Some(t));
        }
    }
    out.extend_from_slice(text.as_bytes());
}

/// A request-level error (bad query text, missing `q`) as a comment line.
pub fn write_line_protocol_error(out: &mut Vec<u8>, msg: &str) {
    let msg = msg.replace(['\n', '\r'], " ");
    out.extend_from_slice(format!("# error: {msg}\n").as_bytes());
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use tsdb::Sketch;

    use super::*;
    use crate::response::Series;

    #[test]
    fn rows_become_lines_and_sketches_travel_as_text() {
        let mut sk = Sketch::default();
        sk.extend_from(&[1.0, 2.0, 30.0]);
        let sk = Arc::new(sk);
        let r = StatementResult {
            statement_id: 0,
            series: vec![Series {
                name: Some("roll up".into()),
                tags: vec![
                    ("customer".into(), "c 1".into()),
                    ("empty".into(), String::new()),
                ],
                columns: vec![
                    "time".into(),
                    "lat".into(),
                    "n".into(),
                    "s".into(),
                    "u".into(),
                ],
                values: vec![
                    vec![
                        Value::Time(60_000_000_000),
                        Value::Sketch(sk.clone()),
                        Value::Int(3),
                        Value::Str("a\"b".into()),
                        Value::UInt(7),
                    ],
                    vec![
                        Value::ZonedTime(120_000_000_000, 3600),
                        Value::Null,
                        Value::Float(1.5),
                        Value::Null,
                        Value::Bool(true),
                    ],
                    vec![
                        Value::Time(180_000_000_000),
                        Value::Null,
                        Value::Null,
                        Value::Null,
                        Value::Null,
                    ],
                ],
            }],
            ..Default::default()
        };
        let mut out = Vec::new();
        write_line_protocol(&mut out, &r);
        let text = String::from_utf8(out).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines,
            [
                format!(
                    "roll\\ up,customer=c\\ 1 lat={},n=3i,s=\"a\\\"b\",u=7u 60000000000",
                    sk.to_text()
                ),
                "roll\\ up,customer=c\\ 1 n=1.5,u=true 120000000000".to_string(),
            ]
        );
        let text_value = lines[0]
            .split_once(" lat=")
            .and_then(|(_, rest)| rest.split_once(",n="))
            .map_or("", |(v, _)| v);
        assert_eq!(Sketch::from_text(text_value).ok().as_ref(), Some(&*sk));
    }

    #[test]
    fn errors_are_comments_and_timeless_results_are_skipped() {
        let r = StatementResult {
            statement_id: 2,
            series: vec![Series {
                name: Some("measurements".into()),
                columns: vec!["name".into()],
                values: vec![vec![Value::Str("cpu".into())]],
                ..Default::default()
            }],
            error: Some("boom\nbang".into()),
            ..Default::default()
        };
        let mut out = Vec::new();
        write_line_protocol(&mut out, &r);
        assert_eq!(out, b"# error: statement 2: boom bang\n");
    }
}
