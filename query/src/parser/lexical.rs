//! Lexical rules: whitespace and comments, keywords, identifiers, strings, numbers, durations,
//! regexes and punctuation.

use nom::Parser as _;
use nom::bytes::complete::take_while;

use super::error::{Kind, PResult, expected, failure};
use crate::ast::is_keyword;
use crate::time::duration_unit_nanos;

fn is_ident_first(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Skips whitespace, `-- line` comments and `/* block */` comments.
pub(crate) fn ws(mut i: &str) -> &str {
    loop {
        let t = i.trim_start_matches([' ', '\t', '\n', '\r']);
        if let Some(rest) = t.strip_prefix("--") {
            i = rest.find('\n').map_or("", |p| &rest[p..]);
        } else if let Some(rest) = t.strip_prefix("/*") {
            i = rest.find("*/").map_or("", |p| &rest[p + 2..]);
        } else {
            return t;
        }
    }
}

/// The bare word at the start of `i` (no whitespace skipping): `[A-Za-z_][A-Za-z0-9_]*`.
pub(crate) fn bare_word(i: &str) -> Option<(&str, &str)> {
    if !i.starts_with(is_ident_first) {
        return None;
    }
    let r: PResult<'_, &str> = take_while(is_ident_char).parse(i);
    r.ok().map(|(rest, w)| (w, rest))
}

/// The next bare word after whitespace, upper-cased, with the input after it.
pub(crate) fn peek_word(i: &str) -> Option<(String, &str)> {
    bare_word(ws(i)).map(|(w, rest)| (w.to_ascii_uppercase(), rest))
}

/// Matches keyword `kw` (upper case, matched case-insensitively); recoverable error otherwise.
pub(crate) fn keyword(kw: &'static str) -> impl Fn(&str) -> PResult<'_, ()> {
    move |i: &str| {
        let i = ws(i);
        match bare_word(i) {
            Some((w, rest)) if w.eq_ignore_ascii_case(kw) => Ok((rest, ())),
            _ => expected(i, &[kw]),
        }
    }
}

/// Whether the next word is keyword `kw`; returns the input after it.
pub(crate) fn opt_keyword<'a>(i: &'a str, kw: &'static str) -> Option<&'a str> {
    keyword(kw)(i).ok().map(|(rest, ())| rest)
}

/// Matches punctuation `s` after whitespace.
pub(crate) fn symbol(s: &'static str) -> impl Fn(&str) -> PResult<'_, ()> {
    move |i: &str| {
        let i = ws(i);
        match i.strip_prefix(s) {
            Some(rest) => Ok((rest, ())),
            None => expected(i, &[s]),
        }
    }
}

/// An identifier: a bare word that is not a keyword, or a double-quoted name.
pub(crate) fn identifier(i: &str) -> PResult<'_, String> {
    let i = ws(i);
    if i.starts_with('"') {
        return match quoted(i, '"') {
            Some((s, rest)) => Ok((rest, s)),
            None => expected(i, &["identifier"]),
        };
    }
    match bare_word(i) {
        Some((w, rest)) if !is_keyword(w) => Ok((rest, w.to_owned())),
        _ => expected(i, &["identifier"]),
    }
}

/// A single-quoted string literal.
pub(crate) fn string_lit(i: &str) -> PResult<'_, String> {
    let i = ws(i);
    match quoted(i, '\'') {
        Some((s, rest)) => Ok((rest, s)),
        None => expected(i, &["string"]),
    }
}

/// Reads a `q`-quoted token starting at `i[0]`: escapes `\\`, `\q`, `\"`, `\'` and `\n`; a raw
/// newline or the end of input before the closing quote makes it invalid.
fn quoted(i: &str, q: char) -> Option<(String, &str)> {
    let body = i.strip_prefix(q)?;
    let mut out = String::new();
    let mut chars = body.char_indices();
    while let Some((pos, c)) = chars.next() {
        match c {
            c if c == q => return Some((out, &body[pos + c.len_utf8()..])),
            '\n' => return None,
            '\\' => match chars.next()?.1 {
                'n' => out.push('\n'),
                e @ ('\\' | '"' | '\'') => out.push(e),
                _ => return None,
            },
            c => out.push(c),
        }
    }
    None
}

/// A `/regex/` literal; `\/` stands for `/`, other escapes are kept for the regex engine.
pub(crate) fn regex_lit(i: &str) -> PResult<'_, String> {
    let i = ws(i);
    let Some(body) = i.strip_prefix('/') else {
        return expected(i, &["regex"]);
    };
    let mut out = String::new();
    let mut chars = body.char_indices();
    while let Some((pos, c)) = chars.next() {
        match c {
            '/' => return Ok((&body[pos + 1..], out)),
            '\\' => match chars.next() {
                Some((_, '/')) => out.push('/'),
                Some((_, e)) => {
                    out.push('\\');
                    out.push(e);
                }
                None => break,
            },
            '\n' => break,
            c => out.push(c),
        }
    }
    // 1.6.7 words an unterminated regex `bad regex: ` (the empty parse error of its scanner).
    failure(i, Kind::Message("bad regex: ".to_owned()))
}

/// A numeric token.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Number {
    Integer(i64),
    Float(f64),
    Duration(i64),
}

/// Scans a number at `i` (no whitespace skipping): digits, an optional `.digits`, and for integers an
/// optional duration unit directly after (`10s`, `1700000000000ms`).
pub(crate) fn number(i: &str) -> PResult<'_, Number> {
    let int_len = i.bytes().take_while(u8::is_ascii_digit).count();
    let mut end = int_len;
    let is_float =
        i[end..].starts_with('.') && i[end + 1..].starts_with(|c: char| c.is_ascii_digit());
    if is_float {
        end += 1 + i[end + 1..].bytes().take_while(u8::is_ascii_digit).count();
    } else if int_len == 0 {
        return expected(i, &["number"]);
    }
    let text = &i[..end];
    let rest = &i[end..];
    if is_float {
        return match text.parse::<f64>() {
            Ok(f) => Ok((rest, Number::Float(f))),
            Err(_) => failure(i, Kind::Message("unable to parse number".to_owned())),
        };
    }
    let Ok(v) = text.parse::<i64>() else {
        return failure(i, Kind::Message("unable to parse integer".to_owned()));
    };
    let unit_len: usize = rest
        .chars()
        .take_while(|c| c.is_ascii_alphabetic() || *c == 'µ')
        .map(char::len_utf8)
        .sum();
    if unit_len > 0 {
        // Like 1.6.7's scanner, digits directly followed by letters are one duration token
        // (`5x`, `1e22`); one that is not a valid duration is `invalid duration`, without position.
        let word_len = unit_len
            + rest[unit_len..]
                .bytes()
                .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
                .count();
        return match duration_unit_nanos(&rest[..unit_len]) {
            Some(n) if word_len == unit_len => match v.checked_mul(n) {
                Some(d) => Ok((&rest[unit_len..], Number::Duration(d))),
                None => failure(i, Kind::Message("overflowed duration".to_owned())),
            },
            _ => failure(i, Kind::Plain("invalid duration".to_owned())),
        };
    }
    Ok((rest, Number::Integer(v)))
}

/// A non-negative integer (`LIMIT`, `REPLICATION`, …).
pub(crate) fn integer(i: &str) -> PResult<'_, u64> {
    let i = ws(i);
    match number(i) {
        Ok((rest, Number::Integer(v))) if v >= 0 && !rest.starts_with(is_ident_char) => {
            Ok((rest, v as u64))
        }
        Err(nom::Err::Failure(e)) if !matches!(e.kind, Kind::Plain(_)) => Err(nom::Err::Failure(e)),
        _ => expected(i, &["integer"]),
    }
}

/// A duration literal (`1h`, `7d`); `INF` when `allow_inf` (as 0).
pub(crate) fn duration(i: &str, allow_inf: bool) -> PResult<'_, i64> {
    let i = ws(i);
    if allow_inf {
        if let Some((w, rest)) = bare_word(i) {
            if w.eq_ignore_ascii_case("INF") {
                return Ok((rest, 0));
            }
        }
    }
    match number(i) {
        Ok((rest, Number::Duration(d))) if !rest.starts_with(is_ident_char) => Ok((rest, d)),
        Err(nom::Err::Failure(e)) => Err(nom::Err::Failure(e)),
        _ => expected(i, &["duration"]),
    }
}

/// The text of the token at the start of `i` (after whitespace) as InfluxDB names it in errors:
/// `EOF`, a word, a number with its unit, the content of a quoted token, or an operator.
pub(crate) fn token_text(i: &str) -> String {
    let i = ws(i);
    let Some(c) = i.chars().next() else {
        return "EOF".to_owned();
    };
    if let Some((w, _)) = bare_word(i) {
        // 1.6.7 echoes keywords upper case (`found GROUP`), and the TRUE/FALSE tokens too.
        return if is_keyword(w) || w.eq_ignore_ascii_case("true") || w.eq_ignore_ascii_case("false")
        {
            w.to_ascii_uppercase()
        } else {
            w.to_owned()
        };
    }
    if c.is_ascii_digit() {
        let n = i
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == 'µ')
            .map(char::len_utf8)
            .sum();
        return i[..n].to_owned();
    }
    if c == '$' {
        let (_, n) = super::params::param_name(i);
        return i.get(..n).unwrap_or("$").to_owned();
    }
    if c == '"' || c == '\'' {
        if let Some((s, _)) = quoted(i, c) {
            return s;
        }
        let line = i[1..].split('\n').next().unwrap_or("");
        return line.to_owned();
    }
    for op in ["<=", ">=", "!=", "<>", "=~", "!~", "::"] {
        if i.starts_with(op) {
            return op.to_owned();
        }
    }
    c.to_string()
}

/// Whether the `q`-quoted token at the start of `i` has no valid closing quote.
pub(crate) fn is_unterminated(i: &str, q: char) -> bool {
    quoted(i, q).is_none()
}
