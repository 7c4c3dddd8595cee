//! Bound parameters (`/query?params={"v":…}`) as InfluxDB 1.6.7 binds them.
//!
//! Invariants:
//! 1. Binding is token level: a `$name` (or `$"quoted name"`) token outside strings, quoted
//!    identifiers, regexes and comments is replaced by one token of the bound value's kind before
//!    the grammar sees it; `"$v"` and `'$v'` stay literal.
//! 2. A parameter that is missing, or whose value cannot be bound, stays a `$name` token: where the
//!    grammar expects an operand it fails the request with `missing parameter: <name or reason>`
//!    (no position), elsewhere with the ordinary `found $name, expected …`.
//! 3. JSON kinds bind as 1.6.7 binds them: a number with `.` is a float, one without an integer,
//!    strings are string literals, booleans boolean literals; the one-entry object form
//!    `{"identifier"|"string"|"integer"|"number"|"float"|"duration"|"regex": v}` is typed.

use std::collections::HashMap;
use std::fmt::Write as _;

use super::ParseError;
use super::json::{Json, JsonError, parse_json};
use crate::ast::{Statement, is_keyword};
use crate::time::duration_unit_nanos;

/// One bound value.
#[derive(Clone, Debug, PartialEq)]
pub enum BoundValue {
    Identifier(String),
    String(String),
    Integer(i64),
    Float(f64),
    Boolean(bool),
    /// Nanoseconds.
    Duration(i64),
    Regex(String),
    /// A value that cannot be bound; the text is the reason (`missing parameter: <reason>`).
    Error(String),
    /// A value whose binding fails the whole request with this text (a bad duration string).
    Fatal(String),
}

/// Parameters by name.
pub type Params = HashMap<String, BoundValue>;

/// Why the `params` request parameter could not be read; the text is the whole error message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ParamsError {
    #[error("error parsing query parameters: {0}")]
    Syntax(String),
    #[error(
        "error parsing query parameters: json: cannot unmarshal {0} into Go value of type map[string]interface {{}}"
    )]
    NotAnObject(&'static str),
    #[error("error parsing json value: {0}")]
    Number(String),
}

impl From<JsonError> for ParamsError {
    fn from(e: JsonError) -> Self {
        ParamsError::Syntax(e.to_string())
    }
}

/// Reads the `params` request parameter (a JSON object; `null` means none).
pub fn parse_params(text: &str) -> Result<Params, ParamsError> {
    let entries = match parse_json(text)? {
        Json::Object(e) => e,
        Json::Null => return Ok(Params::new()),
        other => return Err(ParamsError::NotAnObject(other.kind())),
    };
    let mut out = Params::new();
    for (k, v) in entries {
        let bound = match v {
            Json::Number(n) => number(&n).map_err(ParamsError::Number)?,
            other => bind_value(other),
        };
        out.insert(k, bound);
    }
    Ok(out)
}

/// A top-level JSON number: integer unless its text has a `.` (Go's `strconv` error texts).
fn number(n: &str) -> Result<BoundValue, String> {
    if n.contains('.') {
        match n.parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(BoundValue::Float(f)),
            _ => Err(format!(
                "strconv.ParseFloat: parsing \"{n}\": value out of range"
            )),
        }
    } else {
        n.parse::<i64>().map(BoundValue::Integer).map_err(|_| {
            let why = if n.bytes().all(|b| b.is_ascii_digit() || b == b'-') {
                "value out of range"
            } else {
                "invalid syntax"
            };
            format!("strconv.ParseInt: parsing \"{n}\": {why}")
        })
    }
}

fn bind_value(v: Json) -> BoundValue {
    match v {
        Json::String(s) => BoundValue::String(s),
        Json::Bool(b) => BoundValue::Boolean(b),
        Json::Number(n) => number(&n).unwrap_or_else(BoundValue::Error),
        Json::Null => BoundValue::Error("unable to bind parameter with type <nil>".to_owned()),
        Json::Array(_) => {
            BoundValue::Error("unable to bind parameter with type []interface {}".to_owned())
        }
        Json::Object(mut e) => {
            if e.len() != 1 {
                return BoundValue::Error(
                    "bound object parameter value must have exactly one entry".to_owned(),
                );
            }
            let Some((kind, v)) = e.pop() else {
                return BoundValue::Error(String::new());
            };
            typed(&kind, v)
        }
    }
}

/// The object form `{"<kind>": v}`.
fn typed(kind: &str, v: Json) -> BoundValue {
    let num = |v: &Json| match v {
        Json::Number(n) => number(n).ok(),
        _ => None,
    };
    let err = |s: &str| BoundValue::Error(s.to_owned());
    match kind {
        "identifier" => match v {
            Json::String(s) => BoundValue::Identifier(s),
            _ => err("identifier must be a string value"),
        },
        "regex" => match v {
            Json::String(s) => BoundValue::Regex(s),
            _ => err("regex literal must be a string value"),
        },
        "string" => match v {
            Json::String(s) => BoundValue::String(s),
            _ => err("string literal must be a string value"),
        },
        "integer" => match num(&v) {
            Some(BoundValue::Integer(i)) => BoundValue::Integer(i),
            _ => err("integer literal must be an integer value"),
        },
        "number" | "float" => match num(&v) {
            Some(BoundValue::Integer(i)) => BoundValue::Float(i as f64),
            Some(BoundValue::Float(f)) => BoundValue::Float(f),
            _ => err("number literal must be a float value"),
        },
        "duration" => match (&v, num(&v)) {
            (Json::String(s), _) => match parse_duration(s) {
                Some(d) => BoundValue::Duration(d),
                None => BoundValue::Fatal("invalid duration".to_owned()),
            },
            (_, Some(BoundValue::Integer(i))) => BoundValue::Duration(i),
            _ => err("duration literal must be a string or integer value"),
        },
        other => BoundValue::Error(format!("unknown bind object type: {other}")),
    }
}

/// An InfluxQL duration (`1h`, `1h30m`, `-5s`): one or more `<digits><unit>` pairs.
fn parse_duration(s: &str) -> Option<i64> {
    let (neg, mut rest) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s),
    };
    if rest.is_empty() {
        return None;
    }
    let mut total: i64 = 0;
    while !rest.is_empty() {
        let d = rest.bytes().take_while(u8::is_ascii_digit).count();
        let n: i64 = rest.get(..d)?.parse().ok()?;
        rest = rest.get(d..)?;
        let u: usize = rest
            .chars()
            .take_while(|c| c.is_ascii_alphabetic() || *c == 'µ')
            .map(char::len_utf8)
            .sum();
        let unit = duration_unit_nanos(rest.get(..u)?)?;
        total = total.checked_add(n.checked_mul(unit)?)?;
        rest = rest.get(u..)?;
    }
    Some(if neg { -total } else { total })
}

/// Parses `q` with `params` bound (invariant 1); errors as [`super::parse_query`]'s, plus
/// `missing parameter: …` and `empty bound parameter` (no position).
pub fn parse_query_with_params(q: &str, params: &Params) -> Result<Vec<Statement>, ParseError> {
    if let Some(BoundValue::Fatal(m)) = params.values().find(|v| matches!(v, BoundValue::Fatal(_)))
    {
        return Err(ParseError::Plain(m.clone()));
    }
    let bound = if params.is_empty() || !q.contains('$') {
        None
    } else {
        Some(substitute(q, params))
    };
    let text = bound.as_deref().unwrap_or(q);
    super::parse_query(text).map_err(|e| match e {
        ParseError::Plain(m) => {
            let reason =
                m.strip_prefix("missing parameter: ")
                    .and_then(|name| match params.get(name) {
                        Some(BoundValue::Error(why)) => Some(why.clone()),
                        _ => None,
                    });
            match reason {
                Some(why) => ParseError::Plain(format!("missing parameter: {why}")),
                None => ParseError::Plain(m),
            }
        }
        other => other,
    })
}

/// The name of the `$` token at the start of `i` (which starts with `$`) and its length in bytes:
/// `$name` or `$"quoted name"`.
pub(crate) fn param_name(i: &str) -> (String, usize) {
    let body = i.get(1..).unwrap_or("");
    if body.starts_with('"') {
        let mut out = String::new();
        let mut chars = body.char_indices().skip(1);
        while let Some((p, c)) = chars.next() {
            match c {
                '"' => return (out, 1 + p + 1),
                '\\' => {
                    if let Some((_, e)) = chars.next() {
                        out.push(if e == 'n' { '\n' } else { e });
                    }
                }
                c => out.push(c),
            }
        }
        return (out, i.len());
    }
    let n = body
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
        .count();
    (body.get(..n).unwrap_or("").to_owned(), 1 + n)
}

/// Replaces every bindable `$name` token outside quotes, regexes and comments.
fn substitute(q: &str, params: &Params) -> String {
    let mut out = String::with_capacity(q.len() + 16);
    let mut operand = false;
    let mut i = q;
    while let Some(c) = i.chars().next() {
        let len = match c {
            ' ' | '\t' | '\n' | '\r' => c.len_utf8(),
            '-' if i.starts_with("--") => i.find('\n').unwrap_or(i.len()),
            '/' if i.starts_with("/*") => i.find("*/").map_or(i.len(), |p| p + 2),
            '\'' | '"' => {
                operand = true;
                quoted_len(i, c)
            }
            '/' if !operand => {
                operand = true;
                quoted_len(i, '/')
            }
            '$' => {
                let (name, n) = param_name(i);
                operand = true;
                if let Some(v) = params.get(&name) {
                    if render(&mut out, v) {
                        i = i.get(n..).unwrap_or("");
                        continue;
                    }
                }
                n
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                let n = i
                    .bytes()
                    .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
                    .count();
                let w = i.get(..n).unwrap_or("");
                operand = !is_keyword(w)
                    || w.eq_ignore_ascii_case("true")
                    || w.eq_ignore_ascii_case("false");
                n
            }
            c if c.is_ascii_digit() || c == '.' => {
                operand = true;
                i.chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == 'µ')
                    .map(char::len_utf8)
                    .sum()
            }
            c => {
                operand = c == ')';
                c.len_utf8()
            }
        };
        let len = len.max(1).min(i.len());
        let (head, rest) = i.split_at(len);
        out.push_str(head);
        i = rest;
    }
    out
}

/// Length of the `q`-quoted token at the start of `i` (to the closing quote, or the end).
fn quoted_len(i: &str, q: char) -> usize {
    let mut chars = i.char_indices().skip(1);
    while let Some((p, c)) = chars.next() {
        if c == '\\' {
            chars.next();
        } else if c == q {
            return p + 1;
        }
    }
    i.len()
}

/// Appends the token text of `v`; false for values that cannot be bound (they stay `$name`).
fn render(out: &mut String, v: &BoundValue) -> bool {
    if out.ends_with(['-', '/', '*', '+']) {
        out.push(' ');
    }
    let quote = |out: &mut String, q: char, s: &str| {
        out.push(q);
        for c in s.chars() {
            match c {
                '\n' => out.push_str("\\n"),
                '\\' => out.push_str("\\\\"),
                c if c == q => {
                    out.push('\\');
                    out.push(c);
                }
                c => out.push(c),
            }
        }
        out.push(q);
    };
    match v {
        BoundValue::Identifier(s) => quote(out, '"', s),
        BoundValue::String(s) => quote(out, '\'', s),
        BoundValue::Integer(n) => {
            let _ = write!(out, "{n}");
        }
        BoundValue::Float(f) => {
            let s = f.to_string();
            out.push_str(&s);
            if !s.contains('.') {
                out.push_str(".0");
            }
        }
        BoundValue::Boolean(b) => out.push_str(if *b { "true" } else { "false" }),
        BoundValue::Duration(d) => {
            let _ = write!(out, "{d}ns");
        }
        BoundValue::Regex(r) => {
            out.push('/');
            for c in r.chars() {
                if c == '/' {
                    out.push('\\');
                }
                out.push(c);
            }
            out.push('/');
        }
        BoundValue::Error(_) | BoundValue::Fatal(_) => return false,
    }
    true
}
