//! The body loop: splits the body into lines, runs the rules of `rules.rs` on each, and appends
//! points to the batch (or one [`LineError`] per bad line).

use std::borrow::Cow;

use tsdb::{FieldValue, Point, PointBatch};

use super::error::{LineError, Reason};
use super::options::ParseOptions;
use super::rules::{self, KeyEnd, KeyNext, RawValue, Token};

/// Parses a whole request body, appending valid points to `batch` and one [`LineError`] per bad
/// line to `errors`. Every line stands alone: a bad line never affects its neighbours.
pub fn parse_lines<'a>(
    body: &'a [u8],
    opts: &ParseOptions,
    batch: &mut PointBatch<'a>,
    errors: &mut Vec<LineError>,
) {
    let mut parser = Parser {
        body,
        opts,
        default_time: opts.precision.truncate(opts.now),
        text_start: 0,
        text: "",
    };
    parser.validate_from(0);
    let mut pos = 0;
    while pos < body.len() {
        pos = parser.line(pos, batch, errors);
    }
}

/// Where the current line ends: `end` excludes the terminator (`\n` or `\r\n`), `next` is where the
/// following line starts.
#[derive(Clone, Copy, Debug)]
struct LineEnd {
    end: usize,
    next: usize,
}

impl LineEnd {
    /// An unterminated string swallows the rest of the body (like InfluxDB); a final line
    /// terminator is still not part of the line.
    fn rest_of_body(body: &[u8]) -> LineEnd {
        let mut end = body.len();
        if body.last() == Some(&b'\n') {
            end -= 1;
            if end > 0 && body.get(end - 1) == Some(&b'\r') {
                end -= 1;
            }
        }
        LineEnd {
            end,
            next: body.len(),
        }
    }

    /// The first line end at or after `from`: the next `\n`, with one `\r` before it stripped.
    fn find(body: &[u8], from: usize) -> LineEnd {
        match memchr::memchr(b'\n', body.get(from..).unwrap_or_default()) {
            Some(k) => {
                let nl = from + k;
                let end = if nl > from && body.get(nl - 1) == Some(&b'\r') {
                    nl - 1
                } else {
                    nl
                };
                LineEnd { end, next: nl + 1 }
            }
            None => LineEnd {
                end: body.len(),
                next: body.len(),
            },
        }
    }
}

struct Parser<'a, 'o> {
    body: &'a [u8],
    opts: &'o ParseOptions,
    /// Timestamp for lines without one: `opts.now` truncated to the precision.
    default_time: i64,
    /// `text` is `body[text_start..text_start + text.len()]`, validated UTF-8; it stops at the first
    /// invalid byte after `text_start` (or at the end of the body).
    text_start: usize,
    text: &'a str,
}

impl<'a> Parser<'a, '_> {
    fn text_end(&self) -> usize {
        self.text_start + self.text.len()
    }

    /// Validates the body from `from` up to its end or its next invalid UTF-8 byte.
    fn validate_from(&mut self, from: usize) {
        let rest = self.body.get(from..).unwrap_or_default();
        self.text_start = from;
        self.text = match std::str::from_utf8(rest) {
            Ok(t) => t,
            Err(e) => std::str::from_utf8(rest.get(..e.valid_up_to()).unwrap_or_default())
                .unwrap_or_default(),
        };
    }

    /// The text of the body range `[a, b)`, or `None` if it is not inside the validated window (the
    /// line then holds invalid UTF-8 and is rejected as a whole).
    fn str_at(&self, a: usize, b: usize) -> Option<&'a str> {
        let text: &'a str = self.text;
        text.get(a.checked_sub(self.text_start)?..b.checked_sub(self.text_start)?)
    }

    /// The unescaped text of a token that lies inside `self.body`.
    fn token(&self, t: Token<'a>, specials: &[u8]) -> Cow<'a, str> {
        let a = offset(self.body, t.bytes);
        let s = self.str_at(a, a + t.bytes.len()).unwrap_or_default();
        if t.escaped {
            unescape(s, specials)
        } else {
            Cow::Borrowed(s)
        }
    }

    /// Parses the line starting at `pos`; returns where the next line starts.
    fn line(
        &mut self,
        pos: usize,
        batch: &mut PointBatch<'a>,
        errors: &mut Vec<LineError>,
    ) -> usize {
        let mut le = LineEnd::find(self.body, pos);
        let line = self.body.get(pos..le.end).unwrap_or_default();
        let start = pos + (line.len() - rules::blanks(line).len());
        match self.body.get(start) {
            _ if start >= le.end => return le.next,
            Some(b'#') => return le.next,
            _ => {}
        }
        if start >= self.text_end() && self.text_end() < self.body.len() {
            self.validate_from(start);
        }
        let (p0, t0, f0) = (batch.points.len(), batch.tags.len(), batch.fields.len());
        let mut result = self.point(start, &mut le, batch);
        if le.end > self.text_end() {
            result = Err(Reason::InvalidUtf8);
        }
        if let Err(reason) = result {
            batch.points.truncate(p0);
            batch.tags.truncate(t0);
            batch.fields.truncate(f0);
            let text = self.body.get(start..le.end).unwrap_or_default();
            errors.push(LineError {
                line: String::from_utf8_lossy(text).into_owned(),
                reason: reason.to_string(),
            });
        }
        le.next
    }

    /// `line = measurement ["," tagset] " " blanks fieldset [" " blanks timestamp] " "*`.
    /// On success the point is appended to `batch`; on failure the caller rolls the batch back.
    /// `le` grows when a string field runs past the current line end.
    fn point(
        &self,
        start: usize,
        le: &mut LineEnd,
        batch: &mut PointBatch<'a>,
    ) -> Result<(), Reason> {
        let line = self.body.get(start..le.end).unwrap_or_default();

        // Series key: measurement and tags.
        let (mut rest, (m, mut next)) = rules::measurement(line).map_err(rules::reason)?;
        let t0 = batch.tags.len();
        while next == KeyNext::Tag {
            let (r, k) = rules::tag_key(rest).map_err(rules::reason)?;
            let (r, (v, n)) = rules::tag_value(r).map_err(rules::reason)?;
            batch
                .tags
                .push((self.token(k, b", ="), self.token(v, b", =")));
            rest = r;
            next = n;
        }
        sort_tags(&mut batch.tags[t0..])?;
        let key_len = offset(self.body, rest) - 1 - start;
        let max = self.opts.max_key_len;
        if key_len > max {
            return Err(Reason::MaxKeyLength { len: key_len, max });
        }

        // Field set.
        rest = rules::blanks(rest);
        if rest.is_empty() {
            return Err(Reason::MissingFields);
        }
        let f0 = batch.fields.len();
        let mut malformed = false;
        let mut too_long = None;
        let mut more = true;
        while more {
            let (r, (key, end)) = rules::field_key(rest).map_err(rules::reason)?;
            rest = r;
            match end {
                KeyEnd::Comma => {
                    malformed = true;
                    continue;
                }
                KeyEnd::End => {
                    malformed = true;
                    break;
                }
                KeyEnd::Equals => {}
            }
            let value = match rest.first() {
                None | Some(b',' | b' ') => return Err(Reason::MissingFieldValue),
                Some(b'"') => {
                    let at = offset(self.body, rest) + 1;
                    let (after, s) = rules::string_field(self.body.get(at..).unwrap_or_default())
                        .map_err(|e| {
                        *le = LineEnd::rest_of_body(self.body);
                        rules::reason(e)
                    })?;
                    let close = self.body.len() - after.len();
                    if close > le.end {
                        *le = LineEnd::find(self.body, close);
                    }
                    rest = self.body.get(close..le.end).unwrap_or_default();
                    RawValue::String(s)
                }
                Some(b'0'..=b'9' | b'.' | b'-' | b'N' | b'n') => {
                    let (r, v) =
                        rules::number(rest, self.opts.allow_unsigned).map_err(rules::reason)?;
                    rest = r;
                    v
                }
                Some(b's') if rest.starts_with(tsdb::sketch::TEXT_PREFIX.as_bytes()) => {
                    let (r, v) = rules::sketch(rest).map_err(rules::reason)?;
                    rest = r;
                    v
                }
                Some(_) => {
                    let (r, v) = rules::boolean(rest).map_err(rules::reason)?;
                    rest = r;
                    v
                }
            };
            match rest.split_first() {
                None => more = false,
                Some((b',', r)) => rest = r,
                Some((b' ', r)) => {
                    rest = r;
                    more = false;
                }
                Some(_) => return Err(Reason::InvalidFieldFormat),
            }
            if too_long.is_none() && key_len + 4 + key.bytes.len() > max {
                too_long = Some(key_len + 4 + key.bytes.len());
            }
            let value = match value {
                RawValue::Float(v) => FieldValue::Float(v),
                RawValue::Integer(v) => FieldValue::Integer(v),
                RawValue::Unsigned(v) => FieldValue::Unsigned(v),
                RawValue::Boolean(v) => FieldValue::Boolean(v),
                RawValue::String(s) => FieldValue::String(self.token(s, b"\\\"")),
                RawValue::Sketch(s) => FieldValue::Sketch(s),
            };
            batch.fields.push((self.token(key, b", =\""), value));
        }
        if malformed {
            return Err(Reason::InvalidFieldFormat);
        }
        if let Some(len) = too_long {
            return Err(Reason::MaxKeyLength { len, max });
        }

        // Timestamp.
        let (rest, ts) = rules::timestamp(rules::blanks(rest)).map_err(rules::reason)?;
        let timestamp = match ts {
            None => self.default_time,
            Some(t) => {
                rules::trailing(rest).map_err(rules::reason)?;
                scale(t, self.opts.precision.nanos())?
            }
        };

        let measurement = self.token(m, b", ");
        batch.points.push(Point {
            measurement,
            tags: t0 as u32..batch.tags.len() as u32,
            fields: f0 as u32..batch.fields.len() as u32,
            timestamp,
        });
        Ok(())
    }
}

/// Sorts one point's tags by key bytes; equal keys are `duplicate tags`. Lines from well-behaved
/// clients arrive sorted, so the common case is one pass of comparisons.
fn sort_tags(tags: &mut [(Cow<'_, str>, Cow<'_, str>)]) -> Result<(), Reason> {
    if tags
        .windows(2)
        .all(|w| w[0].0.as_bytes() < w[1].0.as_bytes())
    {
        return Ok(());
    }
    tags.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    if tags.windows(2).any(|w| w[0].0 == w[1].0) {
        return Err(Reason::DuplicateTags);
    }
    Ok(())
}

/// Scales a timestamp in write units to nanoseconds, within InfluxDB's valid range.
fn scale(t: i64, nanos: i64) -> Result<i64, Reason> {
    match t.checked_mul(nanos) {
        Some(ns) if (tsdb::model::MIN_TIMESTAMP..=tsdb::model::MAX_TIMESTAMP).contains(&ns) => {
            Ok(ns)
        }
        _ => Err(Reason::TimeOutsideRange),
    }
}

/// Byte offset of `part` inside `whole` (`part` must be a subslice of `whole`).
fn offset(whole: &[u8], part: &[u8]) -> usize {
    (part.as_ptr() as usize).wrapping_sub(whole.as_ptr() as usize)
}

/// Removes the backslash of every `\x` pair whose `x` is in `specials`, left to right; any other
/// backslash stays. Borrows when nothing changes.
pub(super) fn unescape<'a>(s: &'a str, specials: &[u8]) -> Cow<'a, str> {
    let b = s.as_bytes();
    let mut out = String::new();
    let mut copied = 0;
    let mut j = 0;
    while j + 1 < b.len() {
        if b[j] == b'\\' && specials.contains(&b[j + 1]) {
            out.push_str(s.get(copied..j).unwrap_or_default());
            copied = j + 1;
            j += 2;
        } else {
            j += 1;
        }
    }
    if copied == 0 {
        return Cow::Borrowed(s);
    }
    out.push_str(s.get(copied..).unwrap_or_default());
    Cow::Owned(out)
}
