//! The grammar, one function per rule, in nom's shape: each takes the unparsed rest of the line and
//! returns the rest after what it consumed, or `nom::Err::Failure(reason)`.
//!
//! Every rule except [`string_field`] sees only the current line (the driver in `lines.rs` slices the
//! input at the line end); [`string_field`] sees the rest of the body because a quoted string may
//! contain newlines. Rules return raw byte [`Token`]s; the driver turns them into unescaped text.
//!
//! Escaping follows InfluxDB 1.x exactly where it differs by component:
//! - measurement, tag keys and tag values: a delimiter (`,` ` ` `=`) is escaped when the byte
//!   *before* it is a backslash (so `a\\,b` escapes the comma);
//! - field keys and string values: a backslash escapes the *next* byte as a pair (`\\` is one unit).

use std::sync::Arc;

use nom::error::ErrorKind;
use nom::{IResult, Parser};
use tsdb::Sketch;

use super::error::Reason;

/// A rule's result: the rest of the input and the rule's output.
pub(super) type PResult<'a, O> = IResult<&'a [u8], O, Reason>;

/// A name or string as it appears in the input, before unescaping.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Token<'a> {
    pub bytes: &'a [u8],
    /// The token contains a backslash, so unescaping may have to copy it.
    pub escaped: bool,
}

/// What follows the measurement or a tag value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum KeyNext {
    Tag,
    Fields,
}

/// A field value as the grammar classifies it.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum RawValue<'a> {
    Float(f64),
    Integer(i64),
    Unsigned(u64),
    Boolean(bool),
    String(Token<'a>),
    /// A decoded `sketch:<base64url>` value (taildb only).
    Sketch(Arc<Sketch>),
}

/// How a field key ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum KeyEnd {
    /// `=`: a value follows.
    Equals,
    /// `,` without `=`: malformed field set, but scanning goes on (a later value error wins).
    Comma,
    /// A space or the end of the line without `=`: malformed field set.
    End,
}

fn fail<'a, O>(reason: Reason) -> PResult<'a, O> {
    Err(nom::Err::Failure(reason))
}

const COMMA: u8 = 1;
const SPACE: u8 = 2;
const EQUALS: u8 = 4;
const BACKSLASH: u8 = 8;

/// Byte classes for the name scanners (one table lookup per byte on the hot path).
static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    t[b',' as usize] = COMMA;
    t[b' ' as usize] = SPACE;
    t[b'=' as usize] = EQUALS;
    t[b'\\' as usize] = BACKSLASH;
    t
};

/// Scans `b` from `from` (≥ 1) to the first byte of class `stops` that is not preceded by a
/// backslash; returns its index (or `b.len()`) and whether a backslash was seen from index 0 on.
#[inline]
fn scan_name(b: &[u8], from: usize, stops: u8) -> (usize, bool) {
    let mut escaped = b.first() == Some(&b'\\');
    let mut prev = b.get(from.wrapping_sub(1)).copied().unwrap_or(0);
    for (j, &c) in b.iter().enumerate().skip(from) {
        let class = CLASS[c as usize];
        if class & (stops | BACKSLASH) != 0 {
            if c == b'\\' {
                escaped = true;
            } else if prev != b'\\' {
                return (j, escaped);
            }
        }
        prev = c;
    }
    (b.len(), escaped)
}

/// Skips the blanks InfluxDB skips between sections: space, tab and NUL.
pub(super) fn blanks(input: &[u8]) -> &[u8] {
    let n = input
        .iter()
        .take_while(|&&c| c == b' ' || c == b'\t' || c == 0)
        .count();
    input.get(n..).unwrap_or_default()
}

/// `measurement = (not ",") { byte | "\" byte }` up to an unescaped `,` (tags follow) or space
/// (fields follow); the delimiter is consumed.
pub(super) fn measurement(input: &[u8]) -> PResult<'_, (Token<'_>, KeyNext)> {
    if matches!(input.first(), None | Some(b',')) {
        return fail(Reason::MissingMeasurement);
    }
    let (j, escaped) = scan_name(input, 1, COMMA | SPACE);
    match input.get(j) {
        None => fail(Reason::MissingFields),
        Some(&c) => {
            let next = if c == b',' {
                KeyNext::Tag
            } else {
                KeyNext::Fields
            };
            Ok((
                input.get(j + 1..).unwrap_or_default(),
                (
                    Token {
                        bytes: &input[..j],
                        escaped,
                    },
                    next,
                ),
            ))
        }
    }
}

/// `tagkey "="`: a non-empty key up to an unescaped `=`; an unescaped space or comma (or the end of
/// the line) before it means the value is missing.
pub(super) fn tag_key(input: &[u8]) -> PResult<'_, Token<'_>> {
    if matches!(input.first(), None | Some(b' ' | b',' | b'=')) {
        return fail(Reason::MissingTagKey);
    }
    let (j, escaped) = scan_name(input, 1, COMMA | SPACE | EQUALS);
    match input.get(j) {
        Some(b'=') => Ok((
            input.get(j + 1..).unwrap_or_default(),
            Token {
                bytes: &input[..j],
                escaped,
            },
        )),
        _ => fail(Reason::MissingTagValue),
    }
}

/// `tagvalue ("," | " ")`: a non-empty value up to an unescaped `,` (another tag) or space (fields).
/// An unescaped `=` after the first byte is `invalid tag format`; the end of the line is
/// `missing fields`.
pub(super) fn tag_value(input: &[u8]) -> PResult<'_, (Token<'_>, KeyNext)> {
    if matches!(input.first(), None | Some(b' ' | b',')) {
        return fail(Reason::MissingTagValue);
    }
    let (j, escaped) = scan_name(input, 1, COMMA | SPACE | EQUALS);
    let token = Token {
        bytes: &input[..j],
        escaped,
    };
    let rest = input.get(j + 1..).unwrap_or_default();
    match input.get(j) {
        None => fail(Reason::MissingFields),
        Some(b'=') => fail(Reason::InvalidTagFormat),
        Some(b',') => Ok((rest, (token, KeyNext::Tag))),
        Some(_) => Ok((rest, (token, KeyNext::Fields))),
    }
}

/// `fieldkey`: bytes up to `=`, `,` or space, a backslash taking the next byte with it. Consumes
/// the delimiter.
pub(super) fn field_key(input: &[u8]) -> PResult<'_, (Token<'_>, KeyEnd)> {
    let mut j = 0;
    let mut escaped = false;
    while let Some(&c) = input.get(j) {
        match c {
            b'\\' if j + 1 < input.len() => {
                escaped = true;
                j += 2;
                continue;
            }
            b'=' | b',' | b' ' => break,
            _ => j += 1,
        }
    }
    let token = Token {
        bytes: &input[..j],
        escaped,
    };
    let rest = input.get(j + 1..).unwrap_or_default();
    let end = match input.get(j) {
        Some(b'=') if j == 0 => return fail(Reason::MissingFieldKey),
        Some(b'=') => KeyEnd::Equals,
        Some(b',') => KeyEnd::Comma,
        _ => KeyEnd::End,
    };
    Ok((rest, (token, end)))
}

/// The bytes of an unquoted value: up to `,`, space or the end of the line.
fn bare_value(input: &[u8]) -> PResult<'_, &[u8]> {
    nom::bytes::complete::take_till(|c| c == b',' || c == b' ').parse(input)
}

/// `float | int "i" | uint "u"`, validated like InfluxDB 1.x's number scanner (`invalid number`
/// for anything that is not one number with at most one `i`/`u` suffix) and then converted.
pub(super) fn number(input: &[u8], allow_unsigned: bool) -> PResult<'_, RawValue<'static>> {
    let (rest, text) = bare_value(input)?;
    let negative = text.first() == Some(&b'-');
    let (mut int, mut uint, mut decimal, mut scientific) = (false, false, false, false);
    for (k, &c) in text.iter().enumerate().skip(usize::from(negative)) {
        match c {
            b'i' if k > 0 && !(int || uint) => int = true,
            b'u' if k > 0 && !(int || uint) => uint = true,
            b'.' if decimal => return fail(Reason::InvalidNumber),
            b'.' => decimal = true,
            b'e' | b'E' if k > 0 => scientific = true,
            b'+' | b'-' if matches!(text.get(k.wrapping_sub(1)), Some(b'e' | b'E')) => {}
            b'0'..=b'9' => {}
            _ => return fail(Reason::InvalidNumber),
        }
    }
    if (int || uint) && (decimal || scientific) {
        return fail(Reason::InvalidNumber);
    }
    let digits = text.len() - usize::from(int) - usize::from(decimal) - usize::from(negative);
    if digits == 0 {
        return fail(Reason::InvalidNumber);
    }
    if int {
        let Some((b'i', body)) = text.split_last() else {
            return fail(Reason::InvalidNumber);
        };
        return match parse_i64(body) {
            Some(v) => Ok((rest, RawValue::Integer(v))),
            None => fail(Reason::IntegerOutOfRange {
                text: String::from_utf8_lossy(body).into_owned(),
            }),
        };
    }
    if uint {
        let Some((b'u', body)) = text.split_last() else {
            return fail(Reason::InvalidNumber);
        };
        if !allow_unsigned || negative {
            return fail(Reason::InvalidNumber);
        }
        return match parse_u64(body) {
            Some(v) => Ok((rest, RawValue::Unsigned(v))),
            None => fail(Reason::UnsignedOutOfRange {
                text: String::from_utf8_lossy(body).into_owned(),
            }),
        };
    }
    match parse_f64(text) {
        Some(v) => Ok((rest, RawValue::Float(v))),
        None => fail(Reason::InvalidFloat),
    }
}

/// `bool = t | T | true | True | TRUE | f | F | false | False | FALSE`; any other bare word is
/// `invalid boolean` (InfluxDB parses every value that does not start like a number or a quote as a
/// boolean, so `f=abc` and `f=+1` end up here).
pub(super) fn boolean(input: &[u8]) -> PResult<'_, RawValue<'static>> {
    let (rest, text) = bare_value(input)?;
    match text {
        b"t" | b"T" | b"true" | b"True" | b"TRUE" => Ok((rest, RawValue::Boolean(true))),
        b"f" | b"F" | b"false" | b"False" | b"FALSE" => Ok((rest, RawValue::Boolean(false))),
        _ => fail(Reason::InvalidBoolean),
    }
}

/// `sketch = "sketch:" base64url` (taildb only): an unquoted value that starts with
/// [`tsdb::sketch::TEXT_PREFIX`], decoded with [`Sketch::from_text`]. In InfluxDB 1.x such a value
/// is an `invalid boolean`, so no line that was valid there changes meaning. The base64url alphabet
/// (`A-Z a-z 0-9 - _`, no padding) holds no delimiter, so the value ends at `,`, space or the line
/// end like any bare value; anything malformed is `invalid sketch field value: <why>`.
pub(super) fn sketch(input: &[u8]) -> PResult<'_, RawValue<'static>> {
    let (rest, text) = bare_value(input)?;
    let parsed = std::str::from_utf8(text)
        .map_err(|_| tsdb::sketch::SketchError::Decode("invalid base64"))
        .and_then(Sketch::from_text);
    match parsed {
        Ok(sk) => Ok((rest, RawValue::Sketch(Arc::new(sk)))),
        Err(e) => fail(Reason::InvalidSketch {
            detail: e.to_string(),
        }),
    }
}

/// `'"' { byte | "\" byte } '"'`: the input starts after the opening quote and is the whole rest of
/// the body (a string may span lines). Returns the raw content, without quotes.
pub(super) fn string_field(input: &[u8]) -> PResult<'_, Token<'_>> {
    let mut j = 0;
    let mut escaped = false;
    while let Some(k) = memchr::memchr2(b'"', b'\\', input.get(j..).unwrap_or_default()) {
        let at = j + k;
        if input.get(at) == Some(&b'"') {
            let rest = input.get(at + 1..).unwrap_or_default();
            return Ok((
                rest,
                Token {
                    bytes: &input[..at],
                    escaped,
                },
            ));
        }
        if at + 1 >= input.len() {
            break;
        }
        escaped |= matches!(input.get(at + 1), Some(b'"' | b'\\'));
        j = at + 2;
    }
    fail(Reason::UnbalancedQuotes)
}

/// `timestamp = ["-"] digit+` up to a space or the end of the line; `None` when there is none.
/// Returns the value in the write's units (scaling and range checks are the caller's).
pub(super) fn timestamp(input: &[u8]) -> PResult<'_, Option<i64>> {
    let (rest, text) =
        nom::bytes::complete::take_till::<_, _, Reason>(|c| c == b' ').parse(input)?;
    if text.is_empty() {
        return Ok((rest, None));
    }
    let digits = text.strip_prefix(b"-").unwrap_or(text);
    if !digits.iter().all(u8::is_ascii_digit) {
        return fail(Reason::BadTimestamp);
    }
    let lossy = || String::from_utf8_lossy(text).into_owned();
    if digits.is_empty() {
        return fail(Reason::TimestampSyntax {
            text: lossy(),
            out_of_range: false,
        });
    }
    match parse_i64(text) {
        Some(v) => Ok((rest, Some(v))),
        None => fail(Reason::TimestampSyntax {
            text: lossy(),
            out_of_range: true,
        }),
    }
}

/// After the timestamp only spaces may follow (`point is invalid` otherwise).
pub(super) fn trailing(input: &[u8]) -> PResult<'_, ()> {
    if input.iter().all(|&c| c == b' ') {
        Ok((&[], ()))
    } else {
        fail(Reason::PointIsInvalid)
    }
}

/// Decimal `i64` with optional leading `-`; `None` on overflow or a non-digit. Callers have
/// validated the characters; the checks here keep the function total.
pub(super) fn parse_i64(text: &[u8]) -> Option<i64> {
    let (negative, digits) = match text.split_first() {
        Some((b'-', d)) => (true, d),
        _ => (false, text),
    };
    if digits.is_empty() {
        return None;
    }
    // Accumulate negatively so i64::MIN fits.
    let mut v: i64 = 0;
    for &c in digits {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v.checked_mul(10)?.checked_sub(i64::from(d))?;
    }
    if negative { Some(v) } else { v.checked_neg() }
}

/// Decimal `u64`; `None` on overflow or a non-digit.
fn parse_u64(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() {
        return None;
    }
    let mut v: u64 = 0;
    for &c in digits {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(d))?;
    }
    Some(v)
}

/// A finite `f64` from ASCII `[-+.0-9eE]`; `None` if malformed or out of range (`1e400`).
fn parse_f64(text: &[u8]) -> Option<f64> {
    let s = std::str::from_utf8(text).ok()?;
    s.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Maps a rule's error to its reason (combinator errors cannot occur with the rules above, but are
/// mapped rather than unwrapped).
pub(super) fn reason(e: nom::Err<Reason>) -> Reason {
    match e {
        nom::Err::Error(r) | nom::Err::Failure(r) => r,
        nom::Err::Incomplete(_) => Reason::Syntax(ErrorKind::Complete),
    }
}
