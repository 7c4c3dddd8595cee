//! The inverse of the parser: one point as a line of line protocol (used by the property tests and
//! by anything that exports points as line protocol).

use std::fmt::Write as _;

use tsdb::FieldValue;
use tsdb::model::{escape_tag_into, push_series_key};

/// Appends one point as a line of line protocol, terminated by `\n`, to `out`.
///
/// Names are escaped per component (measurement: `,` and space; tag keys, tag values and field
/// keys: `,`, space and `=`), string values escape `"` and `\`. Floats print in Rust's shortest
/// round-trip form. Limits of the format itself (InfluxDB's too): a float that is NaN or infinite
/// cannot be written and is skipped (like the InfluxDB client libraries do); a name that ends with
/// a backslash, an empty name or tag value, a measurement that starts with `#`, a tab or NUL, and
/// a field key that starts with a tab or NUL or has a backslash right before `,`, space, `=`, `"`
/// or `\` do not survive a round trip.
pub fn write_line<K: AsRef<str>, V: AsRef<str>, F: AsRef<str>>(
    out: &mut String,
    measurement: &str,
    tags: &[(K, V)],
    fields: &[(F, FieldValue<'_>)],
    timestamp: Option<i64>,
) {
    push_series_key(measurement, tags, out);
    let mut sep = ' ';
    for (k, v) in fields {
        if let FieldValue::Float(f) = v {
            if !f.is_finite() {
                continue;
            }
        }
        out.push(sep);
        sep = ',';
        escape_tag_into(k.as_ref(), out);
        out.push('=');
        // Writing into a String cannot fail.
        let _ = match v {
            FieldValue::Float(f) => write!(out, "{f:?}"),
            FieldValue::Integer(i) => write!(out, "{i}i"),
            FieldValue::Unsigned(u) => write!(out, "{u}u"),
            FieldValue::Boolean(b) => write!(out, "{b}"),
            FieldValue::String(s) => {
                out.push('"');
                for c in s.chars() {
                    if c == '"' || c == '\\' {
                        out.push('\\');
                    }
                    out.push(c);
                }
                out.push('"');
                Ok(())
            }
            FieldValue::Sketch(s) => {
                out.push_str(&s.to_text());
                Ok(())
            }
        };
    }
    if let Some(t) = timestamp {
        let _ = write!(out, " {t}");
    }
    out.push('\n');
}
