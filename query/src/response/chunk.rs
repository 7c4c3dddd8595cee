//! `chunked=true` JSON: one response object per line per chunk, as InfluxDB 1.6.7 streams them.
//!
//! Recorded from 1.6.7:
//! - a SELECT's series is cut every `chunk_size` rows; every chunk is one line
//!   `{"results":[{"statement_id":N,"series":[<one series slice>],"partial":true}]}`; the slice
//!   carries `"partial":true` when more rows of that series follow, the result when more chunks of
//!   that statement follow (a series that fits is not cut);
//! - other statements print one line per series with no `partial` flags;
//! - a result without series (empty, error, messages only) is one line;
//! - `chunk_size` absent, 0, negative or not a number means 10000.
//!
//! Messages and the error of a result ride on its first line.

use super::json::{JsonWriter, write_result_parts, write_series_slice};
use super::model::{StatementResult, TimeFormat};

/// InfluxDB's default `chunk_size`.
pub const DEFAULT_CHUNK_SIZE: usize = 10_000;

/// The chunk size for a `chunk_size` parameter.
pub fn chunk_size_param(v: Option<&str>) -> usize {
    match v.and_then(|v| v.trim().parse::<i64>().ok()) {
        Some(n) if n > 0 => usize::try_from(n).unwrap_or(DEFAULT_CHUNK_SIZE),
        _ => DEFAULT_CHUNK_SIZE,
    }
}

/// Prints `r` as chunk lines, handing each finished line (ending in `\n`) to `emit`; stops early
/// and returns false when `emit` does (the client went away). `split` cuts series every
/// `chunk_size` rows and sets the `partial` flags (SELECT); otherwise each series is one line.
pub fn write_chunks(
    r: &StatementResult,
    chunk_size: usize,
    split: bool,
    format: TimeFormat,
    pretty: bool,
    emit: &mut dyn FnMut(Vec<u8>) -> bool,
) -> bool {
    let chunk_size = chunk_size.max(1);
    if r.series.is_empty() {
        let out = line(pretty, |w| {
            write_result_parts(
                w,
                r.statement_id,
                |_| {},
                false,
                &r.messages,
                false,
                r.error.as_deref(),
            );
        });
        return emit(out);
    }
    let total: usize = r
        .series
        .iter()
        .map(|s| {
            if split {
                s.values.len().div_ceil(chunk_size).max(1)
            } else {
                1
            }
        })
        .sum();
    let mut k = 0;
    for s in &r.series {
        let mut start = 0;
        loop {
            let end = if split {
                (start + chunk_size).min(s.values.len())
            } else {
                s.values.len()
            };
            let rows = s.values.get(start..end).unwrap_or(&[]);
            let series_partial = end < s.values.len();
            let first = k == 0;
            k += 1;
            let result_partial = split && k < total;
            let out = line(pretty, |w| {
                write_result_parts(
                    w,
                    r.statement_id,
                    |w| write_series_slice(w, s, rows, series_partial, format),
                    true,
                    if first { &r.messages } else { &[] },
                    result_partial,
                    if first { r.error.as_deref() } else { None },
                );
            });
            if !emit(out) {
                return false;
            }
            start = end;
            if start >= s.values.len() {
                break;
            }
        }
    }
    true
}

fn line(pretty: bool, body: impl FnOnce(&mut JsonWriter<'_>)) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut w = JsonWriter::new(&mut out, pretty);
        w.begin_object();
        w.key("results");
        w.begin_array();
        body(&mut w);
        w.end_array();
        w.end_object();
    }
    out.push(b'\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::response::{Message, Series, Value};

    fn cpu(host: &str, rows: &[(i64, f64)]) -> Series {
        Series {
            name: Some("cpu".to_owned()),
            tags: vec![("host".to_owned(), host.to_owned())],
            columns: vec!["time".to_owned(), "value".to_owned()],
            values: rows
                .iter()
                .map(|(t, v)| vec![Value::Time(t * 1_000_000_000), Value::Float(*v)])
                .collect(),
        }
    }

    fn lines(r: &StatementResult, size: usize, split: bool) -> String {
        let mut all = String::new();
        write_chunks(r, size, split, TimeFormat::Rfc3339, false, &mut |b| {
            all.push_str(&String::from_utf8_lossy(&b));
            true
        });
        all
    }

    /// Recorded from InfluxDB 1.6.7: `SELECT value FROM cpu GROUP BY host`, chunk_size=1.
    #[test]
    fn select_split_every_chunk_size_rows() {
        let r = StatementResult {
            statement_id: 0,
            series: vec![cpu("a", &[(1, 1.0), (3, 3.0)]), cpu("b", &[(2, 2.0)])],
            ..Default::default()
        };
        assert_eq!(
            lines(&r, 1, true),
            r#"{"results":[{"statement_id":0,"series":[{"name":"cpu","tags":{"host":"a"},"columns":["time","value"],"values":[["1970-01-01T00:00:01Z",1]],"partial":true}],"partial":true}]}
{"results":[{"statement_id":0,"series":[{"name":"cpu","tags":{"host":"a"},"columns":["time","value"],"values":[["1970-01-01T00:00:03Z",3]]}],"partial":true}]}
{"results":[{"statement_id":0,"series":[{"name":"cpu","tags":{"host":"b"},"columns":["time","value"],"values":[["1970-01-01T00:00:02Z",2]]}]}]}
"#
        );
        // chunk_size 2 (and 5): a series that fits is not cut.
        let two = r#"{"results":[{"statement_id":0,"series":[{"name":"cpu","tags":{"host":"a"},"columns":["time","value"],"values":[["1970-01-01T00:00:01Z",1],["1970-01-01T00:00:03Z",3]]}],"partial":true}]}
{"results":[{"statement_id":0,"series":[{"name":"cpu","tags":{"host":"b"},"columns":["time","value"],"values":[["1970-01-01T00:00:02Z",2]]}]}]}
"#;
        assert_eq!(lines(&r, 2, true), two);
        assert_eq!(lines(&r, 5, true), two);
    }

    #[test]
    fn meta_statements_one_line_per_series_and_empty_results() {
        let r = StatementResult {
            statement_id: 3,
            series: vec![cpu("a", &[(1, 1.0), (3, 3.0)]), cpu("b", &[(2, 2.0)])],
            ..Default::default()
        };
        let out = lines(&r, 1, false);
        assert_eq!(out.lines().count(), 2);
        assert!(!out.contains("partial"), "{out}");
        let e = StatementResult {
            statement_id: 2,
            messages: vec![Message {
                level: "warning",
                text: "w".to_owned(),
            }],
            error: Some("boom".to_owned()),
            ..Default::default()
        };
        assert_eq!(
            lines(&e, 1, true),
            "{\"results\":[{\"statement_id\":2,\"messages\":[{\"level\":\"warning\",\"text\":\"w\"}],\"error\":\"boom\"}]}\n"
        );
    }

    #[test]
    fn stops_when_the_client_is_gone() {
        let r = StatementResult {
            statement_id: 0,
            series: vec![cpu("a", &[(1, 1.0), (2, 2.0), (3, 3.0)])],
            ..Default::default()
        };
        let mut n = 0;
        let done = write_chunks(&r, 1, true, TimeFormat::Rfc3339, false, &mut |_| {
            n += 1;
            false
        });
        assert!(!done);
        assert_eq!(n, 1);
    }

    #[test]
    fn chunk_size_parameter() {
        assert_eq!(chunk_size_param(None), 10_000);
        assert_eq!(chunk_size_param(Some("0")), 10_000);
        assert_eq!(chunk_size_param(Some("-3")), 10_000);
        assert_eq!(chunk_size_param(Some("x")), 10_000);
        assert_eq!(chunk_size_param(Some("2")), 2);
    }
}
