//! Write failures and their InfluxDB 1.x HTTP responses.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::line_protocol::LineError;

/// The most bytes of an error text copied into `X-Influxdb-Error` (InfluxDB's limit).
pub const MAX_ERROR_HEADER_BYTES: usize = 1024;

/// Everything a write request can fail with; `Display` is InfluxDB's error text.
#[derive(Debug, thiserror::Error)]
pub enum WriteHttpError {
    #[error("invalid precision {} (use n, u, ms, s, m or h)", go_quote(.0))]
    InvalidPrecisionV1(String),
    #[error("invalid precision {} (use ns, us, ms or s)", go_quote(.0))]
    InvalidPrecisionV2(String),
    #[error("bucket name {} is missing a slash; not in \"database/retention-policy\" format", go_quote(.0))]
    BucketMissingSlash(String),
    #[error("bucket name {} is in db/rp form but has an empty database", go_quote(.0))]
    BucketEmptyDatabase(String),
    #[error("database is required")]
    DatabaseRequired,
    #[error("database not found: {}", go_quote(.0))]
    DatabaseNotFound(String),
    /// `Content-Length`, the bytes read, or the gunzipped size passed `max_body_size`.
    #[error("Request Entity Too Large")]
    TooLarge,
    /// The body carries `Content-Encoding: gzip` but is not valid gzip (Go's texts: `gzip: invalid header`,
    /// `gzip: invalid checksum`, `unexpected EOF`).
    #[error("{0}")]
    Gzip(String),
    /// The connection failed while the body was read.
    #[error("{0}")]
    BodyRead(String),
    /// No line parsed: every line error, one per line.
    #[error("{}", join_lines(.0))]
    Parse(Vec<LineError>),
    #[error("invalid consistency level")]
    InvalidConsistency,
    /// Some points were written, others dropped (type conflicts, limits), or lines failed to parse.
    #[error("partial write: {reason} dropped={dropped}")]
    PartialWrite { reason: String, dropped: usize },
    #[error("retention policy not found: {0}")]
    RetentionPolicyNotFound(String),
    #[error("{0}")]
    Storage(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl WriteHttpError {
    pub fn status(&self) -> StatusCode {
        use WriteHttpError::*;
        match self {
            InvalidPrecisionV1(_)
            | InvalidPrecisionV2(_)
            | DatabaseRequired
            | Gzip(_)
            | BodyRead(_)
            | Parse(_)
            | InvalidConsistency
            | PartialWrite { .. } => StatusCode::BAD_REQUEST,
            BucketMissingSlash(_) | BucketEmptyDatabase(_) | DatabaseNotFound(_) => {
                StatusCode::NOT_FOUND
            }
            TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            RetentionPolicyNotFound(_) | Storage(_) | Internal(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }
}

impl IntoResponse for WriteHttpError {
    fn into_response(self) -> Response {
        json_error(self.status(), &self.to_string())
    }
}

/// InfluxDB's error response: `{"error":msg}` as JSON, and `X-Influxdb-Error: msg` (truncated).
pub fn json_error(status: StatusCode, msg: &str) -> Response {
    let body = go_json(&serde_json::json!({ "error": msg }));
    let mut resp = (status, body).into_response();
    let headers = resp.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert("X-Influxdb-Error", error_header_value(msg));
    resp
}

/// `msg` as a header value: at most [`MAX_ERROR_HEADER_BYTES`] (cut at a character boundary), with
/// control characters (the `\n` between line errors) replaced by spaces as Go's `net/http` does.
pub fn error_header_value(msg: &str) -> HeaderValue {
    let mut end = msg.len().min(MAX_ERROR_HEADER_BYTES);
    while !msg.is_char_boundary(end) {
        end -= 1;
    }
    let bytes: Vec<u8> = msg.as_bytes()[..end]
        .iter()
        .map(|&b| {
            if b < 0x20 && b != b'\t' || b == 0x7f {
                b' '
            } else {
                b
            }
        })
        .collect();
    HeaderValue::from_bytes(&bytes).unwrap_or_else(|_| HeaderValue::from_static("error"))
}

/// Serializes like Go's `encoding/json`: `<`, `>`, `&`, U+2028 and U+2029 escaped as `\uXXXX`.
pub fn go_json(value: &serde_json::Value) -> String {
    let raw = value.to_string();
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// Go's `%q` (`strconv.Quote`): double quotes, `\"` and `\\`, C escapes for control characters,
/// printable Unicode kept as is.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\x07' => out.push_str("\\a"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x0b' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\x7f' => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn join_lines(errors: &[LineError]) -> String {
    let mut out = String::new();
    for (i, e) in errors.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&e.to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line_error(line: &str, reason: &str) -> LineError {
        LineError {
            line: line.to_string(),
            reason: reason.to_string(),
        }
    }

    #[test]
    fn texts_match_influxdb() {
        assert_eq!(
            WriteHttpError::DatabaseNotFound("nodb".into()).to_string(),
            r#"database not found: "nodb""#
        );
        assert_eq!(
            WriteHttpError::InvalidPrecisionV1("xx".into()).to_string(),
            r#"invalid precision "xx" (use n, u, ms, s, m or h)"#
        );
        assert_eq!(
            WriteHttpError::InvalidPrecisionV2("n".into()).to_string(),
            r#"invalid precision "n" (use ns, us, ms or s)"#
        );
        assert_eq!(
            WriteHttpError::BucketMissingSlash(String::new()).to_string(),
            r#"bucket name "" is missing a slash; not in "database/retention-policy" format"#
        );
        assert_eq!(
            WriteHttpError::BucketEmptyDatabase("/rp".into()).to_string(),
            r#"bucket name "/rp" is in db/rp form but has an empty database"#
        );
        assert_eq!(
            WriteHttpError::PartialWrite {
                reason: "points beyond retention policy".into(),
                dropped: 5
            }
            .to_string(),
            "partial write: points beyond retention policy dropped=5"
        );
        let parse = WriteHttpError::Parse(vec![
            line_error("m1", "missing fields"),
            line_error("m2 f=", "missing field value"),
        ]);
        assert_eq!(
            parse.to_string(),
            "unable to parse 'm1': missing fields\nunable to parse 'm2 f=': missing field value"
        );
    }

    #[test]
    fn statuses_match_influxdb() {
        assert_eq!(
            WriteHttpError::DatabaseRequired.status(),
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            WriteHttpError::DatabaseNotFound("x".into()).status(),
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            WriteHttpError::BucketMissingSlash(String::new()).status(),
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            WriteHttpError::TooLarge.status(),
            StatusCode::PAYLOAD_TOO_LARGE
        );
        assert_eq!(
            WriteHttpError::RetentionPolicyNotFound("x".into()).status(),
            StatusCode::INTERNAL_SERVER_ERROR
        );
        assert_eq!(
            WriteHttpError::InvalidConsistency.status(),
            StatusCode::BAD_REQUEST
        );
    }

    #[test]
    fn go_quote_escapes_like_strconv_quote() {
        assert_eq!(go_quote("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(go_quote("t\tn\n\x01"), r#""t\tn\n\x01""#);
        assert_eq!(go_quote("µs"), "\"µs\"");
    }

    #[test]
    fn go_json_escapes_html_characters() {
        let v = serde_json::json!({"error": "max key length exceeded: 65536 > 65535 & <x>"});
        assert_eq!(
            go_json(&v),
            r#"{"error":"max key length exceeded: 65536 \u003e 65535 \u0026 \u003cx\u003e"}"#
        );
    }

    #[test]
    fn error_header_is_truncated_and_single_line() {
        let long = "é".repeat(600) + "\nnext";
        let v = error_header_value(&long);
        assert!(v.as_bytes().len() <= MAX_ERROR_HEADER_BYTES);
        assert_eq!(v.as_bytes().len(), 1024);
        let v = error_header_value("a\nb\rc");
        assert_eq!(v.as_bytes(), b"a b c");
    }

    #[tokio::test]
    async fn json_error_sets_body_and_headers() {
        let resp = json_error(StatusCode::NOT_FOUND, "database not found: \"x\"");
        assert_eq!(resp.status(), StatusCode::NOT_FOUND);
        assert_eq!(resp.headers()["content-type"], "application/json");
        assert_eq!(
            resp.headers()["x-influxdb-error"],
            "database not found: \"x\""
        );
        let body = axum::body::to_bytes(resp.into_body(), 1 << 20)
            .await
            .unwrap_or_default();
        assert_eq!(&body[..], br#"{"error":"database not found: \"x\""}"#);
    }
}
