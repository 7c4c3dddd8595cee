//! InfluxDB 1.6.7's CSV body (`Accept: application/csv` or `text/csv`).
//!
//! What InfluxDB prints, recorded from 1.6.7:
//! - a header `name,tags,<columns…>` before the first series of a statement and again whenever the
//!   columns change; one line per row: the series name, its tags as `k=v,k2=v2` (sorted, keys and
//!   values escaped as in a series key: `\,` `\ ` `\=`), then the cells;
//! - a blank line between statements; statements without series (empty results, errors, messages)
//!   print nothing at all;
//! - times as integers: nanoseconds, or the `epoch` unit when one was asked for (never RFC3339);
//!   floats as Go's `strconv.FormatFloat(f, 'f', -1, 64)` (no exponent); null as an empty cell;
//! - cells quoted as Go's `encoding/csv` does: when they contain `,` `"` `\r` `\n` or start with
//!   white space, with `"` doubled; lines end with `\n`;
//! - a whole-request error as the two lines `error` and the message.

use super::model::{Series, StatementResult, TimeFormat, Value};

/// Writes statement results as CSV, remembering across calls which statement and columns it printed
/// last (a chunked body calls it once per result).
#[derive(Debug, Default)]
pub struct CsvWriter {
    statement: Option<usize>,
    columns: Option<Vec<String>>,
}

impl CsvWriter {
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends one statement's result (or a chunk of it: several calls with the same `statement_id`
    /// continue the same block).
    pub fn write_result(&mut self, out: &mut Vec<u8>, r: &StatementResult, format: TimeFormat) {
        if r.series.is_empty() {
            return;
        }
        if self.statement != Some(r.statement_id) {
            if self.statement.is_some() {
                out.push(b'\n');
            }
            self.statement = Some(r.statement_id);
            self.columns = None;
        }
        for s in &r.series {
            self.write_series(out, s, format);
        }
    }

    fn write_series(&mut self, out: &mut Vec<u8>, s: &Series, format: TimeFormat) {
        if self.columns.as_deref() != Some(s.columns.as_slice()) {
            out.extend_from_slice(b"name,tags");
            for c in &s.columns {
                out.push(b',');
                write_cell(out, c);
            }
            out.push(b'\n');
            self.columns = Some(s.columns.clone());
        }
        let mut name = Vec::new();
        write_cell(&mut name, s.name.as_deref().unwrap_or(""));
        let mut tags = Vec::new();
        write_cell(&mut tags, &tags_text(&s.tags));
        let mut cell = String::new();
        for row in &s.values {
            out.extend_from_slice(&name);
            out.push(b',');
            out.extend_from_slice(&tags);
            for v in row {
                out.push(b',');
                cell.clear();
                value_text(&mut cell, v, format);
                write_cell(out, &cell);
            }
            out.push(b'\n');
        }
    }
}

/// The body for a whole-request error.
pub fn write_csv_error(out: &mut Vec<u8>, error: &str) {
    out.extend_from_slice(b"error\n");
    write_cell(out, error);
    out.push(b'\n');
}

/// `k=v,k2=v2`, sorted by key, with `,` ` ` `=` escaped.
fn tags_text(tags: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = tags.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let mut s = String::new();
    for (i, (k, v)) in sorted.into_iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        escape_tag(&mut s, k);
        s.push('=');
        escape_tag(&mut s, v);
    }
    s
}

fn escape_tag(out: &mut String, s: &str) {
    for c in s.chars() {
        if matches!(c, ',' | ' ' | '=') {
            out.push('\\');
        }
        out.push(c);
    }
}

fn value_text(out: &mut String, v: &Value, format: TimeFormat) {
    use std::fmt::Write as _;
    // (Writing to a String cannot fail.)
    let _ = match v {
        Value::Null => Ok(()),
        Value::Bool(b) => write!(out, "{b}"),
        Value::Int(i) => write!(out, "{i}"),
        Value::UInt(u) => write!(out, "{u}"),
        Value::Float(f) => {
            if f.is_nan() {
                write!(out, "NaN")
            } else if f.is_infinite() {
                write!(out, "{}", if *f > 0.0 { "+Inf" } else { "-Inf" })
            } else {
                write!(out, "{f}")
            }
        }
        Value::Str(s) => write!(out, "{s}"),
        Value::Sketch(s) => write!(out, "{}", s.summary()),
        // (InfluxDB's CSV prints every time as an integer: a tz() offset does not show.)
        Value::Time(t) | Value::ZonedTime(t, _) => match format {
            TimeFormat::Rfc3339 => write!(out, "{t}"),
            TimeFormat::Epoch(div) => write!(out, "{}", t / div.max(1)),
        },
    };
}

/// One cell, quoted when Go's `encoding/csv` would quote it.
fn write_cell(out: &mut Vec<u8>, s: &str) {
    let needs_quotes = !s.is_empty()
        && (s == r"\." || s.contains([',', '"', '\r', '\n']) || s.starts_with(char::is_whitespace));
    if !needs_quotes {
        out.extend_from_slice(s.as_bytes());
        return;
    }
    out.push(b'"');
    for b in s.bytes() {
        if b == b'"' {
            out.push(b'"');
        }
        out.push(b);
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> Value {
        Value::Str(x.to_owned())
    }

    fn series(
        name: &str,
        tags: &[(&str, &str)],
        columns: &[&str],
        rows: Vec<Vec<Value>>,
    ) -> Series {
        Series {
            name: Some(name.to_owned()),
            tags: tags
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            columns: columns.iter().map(|c| (*c).to_owned()).collect(),
            values: rows,
        }
    }

    fn result(id: usize, series: Vec<Series>) -> StatementResult {
        StatementResult {
            statement_id: id,
            series,
            ..Default::default()
        }
    }

    fn render(results: &[StatementResult], format: TimeFormat) -> String {
        let mut out = Vec::new();
        let mut w = CsvWriter::new();
        for r in results {
            w.write_result(&mut out, r, format);
        }
        String::from_utf8(out).unwrap_or_default()
    }

    /// Recorded from InfluxDB 1.6.7: `SELECT * FROM cpu; SELECT free FROM mem GROUP BY host;
    /// SELECT * FROM nosuch; SELECT value FROM cpu WHERE time > 0 GROUP BY *`.
    #[test]
    fn sketches_print_their_summary() {
        let mut sk = tsdb::Sketch::default();
        sk.extend_from(&[1.0, 2.0, 3.0]);
        let mut out = String::new();
        value_text(
            &mut out,
            &Value::Sketch(std::sync::Arc::new(sk.clone())),
            TimeFormat::Rfc3339,
        );
        assert_eq!(out, sk.summary());
        let mut v = Vec::new();
        let mut w = crate::response::JsonWriter::new(&mut v, false);
        w.value(
            &Value::Sketch(std::sync::Arc::new(sk.clone())),
            TimeFormat::Rfc3339,
        );
        assert_eq!(
            String::from_utf8(v).unwrap_or_default(),
            format!("\"{}\"", sk.summary())
        );
        assert!(sk.summary().starts_with("count=3 sum=6 min=1"));
    }

    #[test]
    fn statements_series_and_blank_lines() {
        let t = |s: i64| Value::Time(s * 1_000_000_000);
        let results = vec![
            result(
                0,
                vec![series(
                    "cpu",
                    &[],
                    &["time", "host", "region", "s", "value"],
                    vec![
                        vec![t(1), s("a"), s("us"), s("x"), Value::Float(1.0)],
                        vec![t(2), s("b"), s("eu"), s("y,z"), Value::Float(2.0)],
                        vec![t(3), s("a"), s("us"), Value::Null, Value::Float(3.0)],
                    ],
                )],
            ),
            result(
                1,
                vec![series(
                    "mem",
                    &[("host", "a")],
                    &["time", "free"],
                    vec![vec![t(1), Value::Int(10)]],
                )],
            ),
            result(2, vec![]),
            result(
                3,
                vec![
                    series(
                        "cpu",
                        &[("region", "us"), ("host", "a")],
                        &["time", "value"],
                        vec![vec![t(1), Value::Float(1.0)], vec![t(3), Value::Float(3.0)]],
                    ),
                    series(
                        "cpu",
                        &[("host", "b"), ("region", "eu")],
                        &["time", "value"],
                        vec![vec![t(2), Value::Float(2.0)]],
                    ),
                ],
            ),
        ];
        assert_eq!(
            render(&results, TimeFormat::Rfc3339),
            "name,tags,time,host,region,s,value\n\
             cpu,,1000000000,a,us,x,1\n\
             cpu,,2000000000,b,eu,\"y,z\",2\n\
             cpu,,3000000000,a,us,,3\n\
             \n\
             name,tags,time,free\n\
             mem,host=a,1000000000,10\n\
             \n\
             name,tags,time,value\n\
             cpu,\"host=a,region=us\",1000000000,1\n\
             cpu,\"host=a,region=us\",3000000000,3\n\
             cpu,\"host=b,region=eu\",2000000000,2\n"
        );
    }

    /// Recorded from 1.6.7 with `epoch=s` and awkward strings and tags.
    #[test]
    fn quoting_escaping_and_epoch() {
        let results = vec![result(
            0,
            vec![series(
                "str",
                &[("u", "x,y"), ("t", "a b")],
                &["time", "b", "f", "g", "n", "q", "s"],
                vec![vec![
                    Value::Time(1_000_000_000),
                    Value::Bool(true),
                    Value::Float(0.000001),
                    Value::Float(123456789012345678901234.0),
                    s("l1\\nl2"),
                    s("a\"b"),
                    s(" lead"),
                ]],
            )],
        )];
        assert_eq!(
            render(&results, TimeFormat::Epoch(1_000_000_000)),
            "name,tags,time,b,f,g,n,q,s\n\
             str,\"t=a\\ b,u=x\\,y\",1,true,0.000001,123456789012345690000000,l1\\nl2,\"a\"\"b\",\" lead\"\n"
        );
    }

    #[test]
    fn header_repeats_when_columns_change_and_errors_print_nothing() {
        let results = vec![
            result(
                0,
                vec![
                    series(
                        "a",
                        &[],
                        &["time", "x"],
                        vec![vec![Value::Time(1), Value::Int(1)]],
                    ),
                    series(
                        "b",
                        &[],
                        &["time", "y"],
                        vec![vec![Value::Time(2), Value::Int(2)]],
                    ),
                ],
            ),
            StatementResult::error(1, "boom"),
        ];
        assert_eq!(
            render(&results, TimeFormat::Rfc3339),
            "name,tags,time,x\na,,1,1\nname,tags,time,y\nb,,2,2\n"
        );
    }

    #[test]
    fn error_body() {
        let mut out = Vec::new();
        write_csv_error(&mut out, r#"missing required parameter "q""#);
        assert_eq!(out, b"error\n\"missing required parameter \"\"q\"\"\"\n");
        out.clear();
        write_csv_error(&mut out, "error parsing query: invalid duration");
        assert_eq!(out, b"error\nerror parsing query: invalid duration\n");
    }
}
