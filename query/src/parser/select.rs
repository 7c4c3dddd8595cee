//! `SELECT` statements.

use super::error::{Kind, PResult, expected, failure, must};
use super::expr::expr;
use super::lexical::{
    bare_word, identifier, integer, keyword, number, opt_keyword, peek_word, regex_lit, string_lit,
    symbol, ws,
};
use crate::ast::{
    Dimension, Expr, Field, Fill, Literal, MeasurementName, NamePattern, SelectStatement,
    SortOrder, Source,
};

/// `SELECT …` (entered at the SELECT keyword).
pub(crate) fn select_statement(i: &str) -> PResult<'_, SelectStatement> {
    select_statement_into(i, false)
}

/// `SELECT …`; with `into_required` (a continuous query's) a missing INTO is an error
/// (`found FROM, expected INTO`).
pub(crate) fn select_statement_into(i: &str, into_required: bool) -> PResult<'_, SelectStatement> {
    let (i, ()) = keyword("SELECT")(i)?;
    let mut s = SelectStatement::default();
    let (i, fields) = must(field_list(i))?;
    s.fields = fields;
    let mut i = i;
    if let Some(rest) = opt_keyword(i, "INTO") {
        let (rest, target) = must(measurement_name(rest, false))?;
        s.into = Some(target);
        i = rest;
    } else if into_required {
        return must(keyword("INTO")(i)).map(|(r, ())| (r, s));
    }
    let (i, ()) = must(keyword("FROM")(i))?;
    let (mut i, sources) = must(sources(i))?;
    s.sources = sources;
    if let Some(rest) = opt_keyword(i, "WHERE") {
        let (rest, cond) = must(expr(rest))?;
        s.condition = Some(cond);
        i = rest;
    }
    if let Some(rest) = opt_keyword(i, "GROUP") {
        let (rest, ()) = must(keyword("BY")(rest))?;
        let (rest, dims) = must(dimensions(rest))?;
        s.dimensions = dims;
        i = rest;
    }
    if let Some((rest, fill)) = fill(i)? {
        s.fill = Some(fill);
        i = rest;
    }
    if let Some(rest) = opt_keyword(i, "ORDER") {
        let (rest, ()) = must(keyword("BY")(rest))?;
        let (rest, order) = must(order_by(rest))?;
        s.order = Some(order);
        i = rest;
    }
    for (kw, slot) in [
        ("LIMIT", &mut s.limit),
        ("OFFSET", &mut s.offset),
        ("SLIMIT", &mut s.slimit),
        ("SOFFSET", &mut s.soffset),
    ] {
        if let Some(rest) = opt_keyword(i, kw) {
            let (rest, n) = must(integer(rest))?;
            *slot = Some(n);
            i = rest;
        }
    }
    if let Some((w, rest)) = peek_word(i) {
        if w == "TZ" && ws(rest).starts_with('(') {
            let arg = &ws(rest)[1..];
            let (rest, tz) = string_lit(arg).map_err(|_| {
                nom::Err::Failure(super::error::PErr {
                    rest: arg,
                    kind: Kind::Plain("expected string argument in tz()".to_owned()),
                })
            })?;
            let (rest, ()) = must(symbol(")")(rest))?;
            if crate::time::Zone::parse(&tz).is_none() {
                return failure(arg, Kind::Plain(format!("unable to find time zone {tz}")));
            }
            s.timezone = Some(tz);
            i = rest;
        }
    }
    Ok((i, s))
}

fn field_list(i: &str) -> PResult<'_, Vec<Field>> {
    let (mut i, first) = field(i)?;
    let mut fields = vec![first];
    while let Ok((rest, ())) = symbol(",")(i) {
        let (rest, f) = must(field(rest))?;
        fields.push(f);
        i = rest;
    }
    Ok((i, fields))
}

fn field(i: &str) -> PResult<'_, Field> {
    let start = ws(i);
    // A bare `/regex/` is a whole field (it selects every matching field and tag key); 1.6.7 does
    // not read it as an operand, so `/o/ + 1` stops before the `+`.
    let (rest, e) = if start.starts_with('/') {
        let (rest, re) = regex_lit(start)?;
        (rest, Expr::Literal(Literal::Regex(re)))
    } else {
        expr(start)?
    };
    if let Expr::Binary { op, .. } = &e {
        if op.is_condition() {
            return failure(start, Kind::SelectOperator(*op));
        }
    }
    if let Some(after) = opt_keyword(rest, "AS") {
        let (rest, alias) = must(identifier(after))?;
        return Ok((
            rest,
            Field {
                expr: e,
                alias: Some(alias),
            },
        ));
    }
    Ok((
        rest,
        Field {
            expr: e,
            alias: None,
        },
    ))
}

fn sources(i: &str) -> PResult<'_, Vec<Source>> {
    let (mut i, first) = source(i)?;
    let mut out = vec![first];
    while let Ok((rest, ())) = symbol(",")(i) {
        let (rest, s) = must(source(rest))?;
        out.push(s);
        i = rest;
    }
    Ok((i, out))
}

fn source(i: &str) -> PResult<'_, Source> {
    let i = ws(i);
    if let Some(after) = i.strip_prefix('(') {
        let (rest, sub) = must(select_statement(after))?;
        let (rest, ()) = must(symbol(")")(rest))?;
        return Ok((rest, Source::Subquery(Box::new(sub))));
    }
    let (rest, m) = measurement_name(i, true)?;
    Ok((rest, Source::Measurement(m)))
}

/// `[db.][rp.]name` (`db..name` skips the RP); `name` may be a regex when `allow_regex`.
pub(crate) fn measurement_name(i: &str, allow_regex: bool) -> PResult<'_, MeasurementName> {
    let i = ws(i);
    let mut segments: Vec<Option<NamePattern>> = Vec::new();
    let mut cur = i;
    loop {
        if allow_regex && cur.starts_with('/') {
            let (rest, re) = regex_lit(cur)?;
            segments.push(Some(NamePattern::Regex(re)));
            cur = rest;
            break;
        }
        if !allow_regex && !segments.is_empty() && cur.starts_with(':') {
            // `[db.]rp.:MEASUREMENT`: each row's own measurement (INTO only).
            let (rest, ()) = must(keyword("MEASUREMENT")(&cur[1..]))?;
            segments.push(Some(NamePattern::Name(":MEASUREMENT".to_owned())));
            cur = rest;
            break;
        }
        if cur.starts_with('.') && !segments.is_empty() {
            segments.push(None);
        } else {
            let r = identifier(cur);
            let (rest, name) = if segments.is_empty() { r? } else { must(r)? };
            segments.push(Some(NamePattern::Name(name)));
            cur = rest;
        }
        if segments.len() < 3 {
            if let Some(rest) = cur.strip_prefix('.') {
                cur = rest;
                continue;
            }
        }
        break;
    }
    let mut it = segments.into_iter().rev();
    let Some(Some(name)) = it.next() else {
        return expected(cur, &["identifier"]);
    };
    let seg_name = |s: Option<NamePattern>| match s {
        Some(NamePattern::Name(n)) => Some(n),
        _ => None,
    };
    let retention_policy = it.next().and_then(seg_name);
    let database = it.next().and_then(seg_name);
    Ok((
        cur,
        MeasurementName {
            database,
            retention_policy,
            name,
        },
    ))
}

fn dimensions(i: &str) -> PResult<'_, Vec<Dimension>> {
    let mut out = Vec::new();
    let mut i = i;
    loop {
        let start = ws(i);
        let (rest, e) = if start.starts_with('/') {
            let (rest, re) = regex_lit(start)?;
            (rest, Expr::Literal(Literal::Regex(re)))
        } else {
            must(expr(start))?
        };
        out.push(Dimension { expr: e });
        match symbol(",")(rest) {
            Ok((r, ())) => i = r,
            Err(_) => return Ok((rest, out)),
        }
    }
}

/// `fill(null|none|previous|linear|<number>)`, when present.
fn fill(i: &str) -> Result<Option<(&str, Fill)>, nom::Err<super::error::PErr<'_>>> {
    let Some((w, rest)) = peek_word(i) else {
        return Ok(None);
    };
    if w != "FILL" || !ws(rest).starts_with('(') {
        return Ok(None);
    }
    let arg = ws(&ws(rest)[1..]);
    if arg.starts_with(')') {
        return failure::<()>(
            arg,
            Kind::Plain(
                "fill requires an argument, e.g.: 0, null, none, previous, linear".to_owned(),
            ),
        )
        .map(|_| None);
    }
    let (rest, fill) = if let Some((w, rest)) = bare_word(arg) {
        let f = match w.to_ascii_lowercase().as_str() {
            "null" => Fill::Null,
            "none" => Fill::None,
            "previous" => Fill::Previous,
            "linear" => Fill::Linear,
            _ if ws(rest).starts_with(',') => {
                return failure::<()>(
                    arg,
                    Kind::Plain(
                        "fill requires an argument, e.g.: 0, null, none, previous, linear"
                            .to_owned(),
                    ),
                )
                .map(|_| None);
            }
            _ => {
                return failure::<()>(
                    arg,
                    Kind::Plain("expected number argument in fill()".to_owned()),
                )
                .map(|_| None);
            }
        };
        (rest, f)
    } else {
        let (neg, num) = match arg.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, arg),
        };
        match number(num) {
            Ok((rest, super::lexical::Number::Integer(v))) => (
                rest,
                Fill::Value(Literal::Integer(if neg { -v } else { v })),
            ),
            Ok((rest, super::lexical::Number::Float(v))) => {
                (rest, Fill::Value(Literal::Float(if neg { -v } else { v })))
            }
            _ => {
                return failure::<()>(
                    arg,
                    Kind::Plain("expected number argument in fill()".to_owned()),
                )
                .map(|_| None);
            }
        }
    };
    if ws(rest).starts_with(',') {
        return failure::<()>(
            arg,
            Kind::Plain(
                "fill requires an argument, e.g.: 0, null, none, previous, linear".to_owned(),
            ),
        )
        .map(|_| None);
    }
    let (rest, ()) = must(symbol(")")(rest))?;
    Ok(Some((rest, fill)))
}

fn sort_direction(i: &str) -> PResult<'_, Option<SortOrder>> {
    if let Some(r) = opt_keyword(i, "ASC") {
        Ok((r, Some(SortOrder::Asc)))
    } else if let Some(r) = opt_keyword(i, "DESC") {
        Ok((r, Some(SortOrder::Desc)))
    } else {
        Ok((i, None))
    }
}

fn order_by(i: &str) -> PResult<'_, SortOrder> {
    let i = ws(i);
    if let (rest, Some(d)) = sort_direction(i)? {
        return Ok((rest, d));
    }
    let (rest, name) = identifier(i).or_else(|_| expected(i, &["identifier", "ASC", "DESC"]))?;
    if name != "time" {
        return failure(
            i,
            Kind::Plain("only ORDER BY time supported at this time".to_owned()),
        );
    }
    let (rest, d) = sort_direction(rest)?;
    if symbol(",")(rest).is_ok() {
        return failure(
            i,
            Kind::Plain("only ORDER BY time supported at this time".to_owned()),
        );
    }
    Ok((rest, d.unwrap_or(SortOrder::Asc)))
}
