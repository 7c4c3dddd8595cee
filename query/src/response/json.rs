//! A streaming JSON writer with Go `encoding/json` output rules, and the response printer.

use super::model::{Message, QueryResponse, Series, StatementResult, TimeFormat, Value};
use super::number::write_go_float;
use crate::time::{write_rfc3339_nano, write_rfc3339_nano_in};

/// Appends JSON tokens to a buffer, compact or indented like `json.MarshalIndent(v, "", "    ")`.
pub struct JsonWriter<'a> {
    out: &'a mut Vec<u8>,
    pretty: bool,
    /// One entry per open container: whether it already holds an element.
    stack: Vec<bool>,
    after_key: bool,
}

impl<'a> JsonWriter<'a> {
    pub fn new(out: &'a mut Vec<u8>, pretty: bool) -> Self {
        JsonWriter {
            out,
            pretty,
            stack: Vec::with_capacity(8),
            after_key: false,
        }
    }

    fn newline_indent(&mut self, depth: usize) {
        self.out.push(b'\n');
        for _ in 0..depth {
            self.out.extend_from_slice(b"    ");
        }
    }

    /// Separator and indentation before an array element or object key.
    fn element_prefix(&mut self) {
        let depth = self.stack.len();
        if let Some(has) = self.stack.last_mut() {
            let had = std::mem::replace(has, true);
            if had {
                self.out.push(b',');
            }
            if self.pretty {
                self.newline_indent(depth);
            }
        }
    }

    fn value_prefix(&mut self) {
        if self.after_key {
            self.after_key = false;
        } else {
            self.element_prefix();
        }
    }

    pub fn begin_object(&mut self) {
        self.value_prefix();
        self.out.push(b'{');
        self.stack.push(false);
    }

    pub fn end_object(&mut self) {
        self.close(b'}');
    }

    pub fn begin_array(&mut self) {
        self.value_prefix();
        self.out.push(b'[');
        self.stack.push(false);
    }

    pub fn end_array(&mut self) {
        self.close(b']');
    }

    fn close(&mut self, c: u8) {
        let had = self.stack.pop().unwrap_or(false);
        if self.pretty && had {
            self.newline_indent(self.stack.len());
        }
        self.out.push(c);
    }

    pub fn key(&mut self, k: &str) {
        self.element_prefix();
        write_json_string(self.out, k);
        self.out
            .extend_from_slice(if self.pretty { b": " } else { b":" });
        self.after_key = true;
    }

    pub fn string(&mut self, s: &str) {
        self.value_prefix();
        write_json_string(self.out, s);
    }

    pub fn int(&mut self, v: i64) {
        self.value_prefix();
        let mut b = itoa_buf();
        self.out.extend_from_slice(fmt_i64(&mut b, v));
    }

    pub fn uint(&mut self, v: u64) {
        self.value_prefix();
        let mut b = itoa_buf();
        self.out.extend_from_slice(fmt_u64(&mut b, v));
    }

    pub fn float(&mut self, v: f64) {
        self.value_prefix();
        write_go_float(self.out, v);
    }

    pub fn bool(&mut self, v: bool) {
        self.value_prefix();
        self.out
            .extend_from_slice(if v { b"true" } else { b"false" });
    }

    pub fn null(&mut self) {
        self.value_prefix();
        self.out.extend_from_slice(b"null");
    }

    pub fn time(&mut self, ts: i64, format: TimeFormat) {
        match format {
            TimeFormat::Rfc3339 => {
                self.value_prefix();
                self.out.push(b'"');
                write_rfc3339_nano(self.out, ts);
                self.out.push(b'"');
            }
            TimeFormat::Epoch(div) => self.int(ts / div.max(1)),
        }
    }

    /// A `tz()` time: RFC3339 with the zone offset, or the epoch integer.
    pub fn zoned_time(&mut self, ts: i64, offset_secs: i32, format: TimeFormat) {
        match format {
            TimeFormat::Rfc3339 => {
                self.value_prefix();
                self.out.push(b'"');
                write_rfc3339_nano_in(self.out, ts, offset_secs);
                self.out.push(b'"');
            }
            TimeFormat::Epoch(div) => self.int(ts / div.max(1)),
        }
    }

    pub fn value(&mut self, v: &Value, format: TimeFormat) {
        match v {
            Value::Null => self.null(),
            Value::Bool(b) => self.bool(*b),
            Value::Int(i) => self.int(*i),
            Value::UInt(u) => self.uint(*u),
            Value::Float(f) => self.float(*f),
            Value::Str(s) => self.string(s),
            Value::Time(t) => self.time(*t, format),
            Value::ZonedTime(t, off) => self.zoned_time(*t, *off, format),
            Value::Sketch(s) => self.string(&s.summary()),
        }
    }
}

fn itoa_buf() -> [u8; 20] {
    [0; 20]
}

fn fmt_u64(buf: &mut [u8; 20], mut v: u64) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    &buf[i..]
}

fn fmt_i64(buf: &mut [u8; 20], v: i64) -> &[u8] {
    // |i64::MIN| has 19 digits; the sign goes in front of them in the same 20-byte buffer.
    let len = fmt_u64(buf, v.unsigned_abs()).len();
    let mut start = buf.len() - len;
    if v < 0 {
        start -= 1;
        buf[start] = b'-';
    }
    &buf[start..]
}

/// Appends `s` as a JSON string with Go's escaping (HTML-safe).
pub fn write_json_string(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let esc: Option<&[u8]> = match c {
            b'"' => Some(b"\\\""),
            b'\\' => Some(b"\\\\"),
            b'\n' => Some(b"\\n"),
            b'\r' => Some(b"\\r"),
            b'\t' => Some(b"\\t"),
            0..0x20 | b'<' | b'>' | b'&' => None,
            0xE2 if bytes.get(i + 1) == Some(&0x80)
                && matches!(bytes.get(i + 2), Some(0xA8 | 0xA9)) =>
            {
                None
            }
            _ => {
                i += 1;
                continue;
            }
        };
        out.extend_from_slice(&bytes[start..i]);
        match esc {
            Some(e) => {
                out.extend_from_slice(e);
                i += 1;
            }
            None if c == 0xE2 => {
                // U+2028 LINE SEPARATOR / U+2029 PARAGRAPH SEPARATOR.
                let last = bytes.get(i + 2).copied().unwrap_or(0xA8);
                out.extend_from_slice(if last == 0xA8 { b"\\u2028" } else { b"\\u2029" });
                i += 3;
            }
            None => {
                out.extend_from_slice(b"\\u00");
                out.push(HEX[usize::from(c >> 4)]);
                out.push(HEX[usize::from(c & 0xF)]);
                i += 1;
            }
        }
        start = i;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

fn write_series(w: &mut JsonWriter<'_>, s: &Series, format: TimeFormat) {
    write_series_slice(w, s, &s.values, false, format);
}

/// A series with only `rows` of its values, and `"partial":true` when `partial` (chunked bodies).
pub(crate) fn write_series_slice(
    w: &mut JsonWriter<'_>,
    s: &Series,
    rows: &[Vec<Value>],
    partial: bool,
    format: TimeFormat,
) {
    w.begin_object();
    if let Some(name) = &s.name {
        if !name.is_empty() {
            w.key("name");
            w.string(name);
        }
    }
    if !s.tags.is_empty() {
        let mut tags: Vec<&(String, String)> = s.tags.iter().collect();
        tags.sort_by(|a, b| a.0.cmp(&b.0));
        w.key("tags");
        w.begin_object();
        for (k, v) in tags {
            w.key(k);
            w.string(v);
        }
        w.end_object();
    }
    if !s.columns.is_empty() {
        w.key("columns");
        w.begin_array();
        for c in &s.columns {
            w.string(c);
        }
        w.end_array();
    }
    if !rows.is_empty() {
        w.key("values");
        w.begin_array();
        for row in rows {
            w.begin_array();
            for v in row {
                w.value(v, format);
            }
            w.end_array();
        }
        w.end_array();
    }
    if partial {
        w.key("partial");
        w.bool(true);
    }
    w.end_object();
}

fn write_result(w: &mut JsonWriter<'_>, r: &StatementResult, format: TimeFormat) {
    write_result_parts(
        w,
        r.statement_id,
        |w| {
            for s in &r.series {
                write_series(w, s, format);
            }
        },
        !r.series.is_empty(),
        &r.messages,
        false,
        r.error.as_deref(),
    );
}

/// A result object in Go's key order: `statement_id`, `series` (printed by `series` when
/// `has_series`), `messages`, `partial`, `error`.
pub(crate) fn write_result_parts(
    w: &mut JsonWriter<'_>,
    statement_id: usize,
    series: impl FnOnce(&mut JsonWriter<'_>),
    has_series: bool,
    messages: &[Message],
    partial: bool,
    error: Option<&str>,
) {
    w.begin_object();
    w.key("statement_id");
    w.uint(statement_id as u64);
    if has_series {
        w.key("series");
        w.begin_array();
        series(w);
        w.end_array();
    }
    if !messages.is_empty() {
        w.key("messages");
        w.begin_array();
        for m in messages {
            w.begin_object();
            w.key("level");
            w.string(m.level);
            w.key("text");
            w.string(&m.text);
            w.end_object();
        }
        w.end_array();
    }
    if partial {
        w.key("partial");
        w.bool(true);
    }
    if let Some(e) = error {
        w.key("error");
        w.string(e);
    }
    w.end_object();
}

/// Appends the whole response body (with InfluxDB's trailing newline).
pub fn write_response(out: &mut Vec<u8>, resp: &QueryResponse, format: TimeFormat, pretty: bool) {
    let mut w = JsonWriter::new(out, pretty);
    w.begin_object();
    if !resp.results.is_empty() {
        w.key("results");
        w.begin_array();
        for r in &resp.results {
            write_result(&mut w, r, format);
        }
        w.end_array();
    }
    if let Some(e) = &resp.error {
        w.key("error");
        w.string(e);
    }
    w.end_object();
    out.push(b'\n');
}

/// Appends `{"error":"..."}\n`.
pub fn write_error_body(out: &mut Vec<u8>, error: &str, pretty: bool) {
    let resp = QueryResponse {
        results: Vec::new(),
        error: Some(error.to_owned()),
    };
    write_response(out, &resp, TimeFormat::Rfc3339, pretty);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::response::Message;

    fn esc(s: &str) -> String {
        let mut v = Vec::new();
        write_json_string(&mut v, s);
        String::from_utf8(v).unwrap_or_default()
    }

    #[test]
    fn escapes_like_go() {
        let cases = [
            ("plain", r#""plain""#),
            ("a\"b\\c", r#""a\"b\\c""#),
            (
                "max key length exceeded: 65536 > 65535",
                r#""max key length exceeded: 65536 \u003e 65535""#,
            ),
            ("<&>", r#""\u003c\u0026\u003e""#),
            ("line\nfeed\ttab\rcr", r#""line\nfeed\ttab\rcr""#),
            ("\u{1}\u{8}\u{c}\u{1f}", r#""\u0001\u0008\u000c\u001f""#),
            ("sep\u{2028}x\u{2029}", r#""sep\u2028x\u2029""#),
            ("µs héllo ☃ \u{2027}", "\"µs héllo ☃ \u{2027}\""),
        ];
        for (s, want) in cases {
            assert_eq!(esc(s), want, "{s:?}");
        }
    }

    #[test]
    fn integers_exact() {
        let mut v = Vec::new();
        let mut w = JsonWriter::new(&mut v, false);
        w.begin_array();
        w.int(i64::MAX);
        w.int(i64::MIN);
        w.int(0);
        w.int(-7);
        w.uint(u64::MAX);
        w.end_array();
        assert_eq!(
            String::from_utf8(v).unwrap_or_default(),
            "[9223372036854775807,-9223372036854775808,0,-7,18446744073709551615]"
        );
    }

    fn sample() -> QueryResponse {
        QueryResponse {
            results: vec![
                StatementResult {
                    statement_id: 0,
                    series: vec![Series {
                        name: Some("lat".into()),
                        tags: vec![("region".into(), "us".into()), ("host".into(), "a".into())],
                        columns: vec!["time".into(), "mean".into()],
                        values: vec![vec![
                            Value::Time(1_704_067_200_000_000_000),
                            Value::Float(10.7),
                        ]],
                    }],
                    ..Default::default()
                },
                StatementResult {
                    statement_id: 1,
                    messages: vec![Message {
                        level: "warning",
                        text: "x".into(),
                    }],
                    ..Default::default()
                },
                StatementResult::error(2, "undefined function bogus()"),
            ],
            error: None,
        }
    }

    #[test]
    fn zoned_times_print_their_offset_or_the_epoch() {
        let t = 1_704_067_200_000_000_000;
        let body = |format| {
            let mut v = Vec::new();
            let mut w = JsonWriter::new(&mut v, false);
            w.begin_array();
            w.value(&Value::ZonedTime(t, -6 * 3600), format);
            w.value(&Value::ZonedTime(t, 0), format);
            w.end_array();
            String::from_utf8(v).unwrap_or_default()
        };
        assert_eq!(
            body(TimeFormat::Rfc3339),
            r#"["2023-12-31T18:00:00-06:00","2024-01-01T00:00:00Z"]"#
        );
        assert_eq!(
            body(TimeFormat::Epoch(1_000_000_000)),
            "[1704067200,1704067200]"
        );
    }

    #[test]
    fn compact_shape() {
        let mut v = Vec::new();
        write_response(&mut v, &sample(), TimeFormat::Rfc3339, false);
        assert_eq!(
            String::from_utf8(v).unwrap_or_default(),
            concat!(
                r#"{"results":[{"statement_id":0,"series":[{"name":"lat","tags":{"host":"a","region":"us"},"#,
                r#""columns":["time","mean"],"values":[["2024-01-01T00:00:00Z",10.7]]}]},"#,
                r#"{"statement_id":1,"messages":[{"level":"warning","text":"x"}]},"#,
                r#"{"statement_id":2,"error":"undefined function bogus()"}]}"#,
                "\n"
            )
        );
    }

    #[test]
    fn epoch_times() {
        let mut v = Vec::new();
        write_response(&mut v, &sample(), TimeFormat::Epoch(1_000_000), false);
        let s = String::from_utf8(v).unwrap_or_default();
        assert!(s.contains("[[1704067200000,10.7]]"), "{s}");
    }

    #[test]
    fn empty_and_error_bodies() {
        let mut v = Vec::new();
        write_response(
            &mut v,
            &QueryResponse::default(),
            TimeFormat::Rfc3339,
            false,
        );
        assert_eq!(v, b"{}\n");
        let mut v = Vec::new();
        write_error_body(&mut v, r#"missing required parameter "q""#, false);
        assert_eq!(
            String::from_utf8(v).unwrap_or_default(),
            "{\"error\":\"missing required parameter \\\"q\\\"\"}\n"
        );
    }

    #[test]
    fn pretty_matches_marshal_indent() {
        let resp = QueryResponse {
            results: vec![StatementResult {
                statement_id: 0,
                series: vec![Series {
                    name: Some("databases".into()),
                    tags: vec![],
                    columns: vec!["name".into()],
                    values: vec![vec![Value::Str("db1".into())]],
                }],
                ..Default::default()
            }],
            error: None,
        };
        let mut v = Vec::new();
        write_response(&mut v, &resp, TimeFormat::Rfc3339, true);
        let want = r#"{
    "results": [
        {
            "statement_id": 0,
            "series": [
                {
                    "name": "databases",
                    "columns": [
                        "name"
                    ],
                    "values": [
                        [
                            "db1"
                        ]
                    ]
                }
            ]
        }
    ]
}
"#;
        assert_eq!(String::from_utf8(v).unwrap_or_default(), want);
        let mut v = Vec::new();
        write_response(&mut v, &QueryResponse::default(), TimeFormat::Rfc3339, true);
        assert_eq!(v, b"{}\n");
    }
}
