//! Schema exploration and delete statements: `SHOW TAG KEYS|TAG VALUES|FIELD KEYS|SERIES`, the
//! cardinality statements, `DROP SERIES`, `DROP MEASUREMENT`, `DELETE`.

use super::error::{Kind, PResult, failure, must};
use super::expr::expr;
use super::lexical::{identifier, integer, keyword, opt_keyword, peek_word, regex_lit, symbol, ws};
use super::select::measurement_name;
use crate::ast::{
    CardinalityKind, DeleteStatement, DropMeasurementStatement, DropSeriesStatement, Expr,
    MeasurementName, ShowCardinalityStatement, ShowFieldKeysStatement, ShowSeriesStatement,
    ShowTagKeysStatement, ShowTagValuesStatement, Statement, TagKeyMatch,
};

/// `[ON db]`.
pub(crate) fn on_clause(i: &str) -> PResult<'_, Option<String>> {
    match opt_keyword(i, "ON") {
        Some(r) => {
            let (r, db) = must(identifier(r))?;
            Ok((r, Some(db)))
        }
        None => Ok((i, None)),
    }
}

/// `[FROM source, …]`: names, `rp.m`, `db.rp.m`, `db..m` and regexes.
fn from_clause(i: &str) -> PResult<'_, Vec<MeasurementName>> {
    let Some(mut i) = opt_keyword(i, "FROM") else {
        return Ok((i, Vec::new()));
    };
    let mut out = Vec::new();
    loop {
        let (r, m) = must(measurement_name(i, true))?;
        out.push(m);
        match symbol(",")(r) {
            Ok((r, ())) => i = r,
            Err(_) => return Ok((r, out)),
        }
    }
}

fn where_clause(i: &str) -> PResult<'_, Option<Expr>> {
    match opt_keyword(i, "WHERE") {
        Some(r) => {
            let (r, c) = must(expr(r))?;
            Ok((r, Some(c)))
        }
        None => Ok((i, None)),
    }
}

fn limit_offset(i: &str) -> PResult<'_, (Option<u64>, Option<u64>)> {
    let mut i = i;
    let mut out = (None, None);
    if let Some(r) = opt_keyword(i, "LIMIT") {
        let (r, n) = must(integer(r))?;
        out.0 = Some(n);
        i = r;
    }
    if let Some(r) = opt_keyword(i, "OFFSET") {
        let (r, n) = must(integer(r))?;
        out.1 = Some(n);
        i = r;
    }
    Ok((i, out))
}

/// `WITH KEY (= k | != k | <> k | =~ /re/ | !~ /re/ | IN (a, b))`.
fn with_key(i: &str) -> PResult<'_, TagKeyMatch> {
    let (i, ()) = must(keyword("WITH")(i))?;
    let (i, ()) = must(keyword("KEY")(i))?;
    let at = ws(i);
    if let Some(r) = at.strip_prefix("=~") {
        let (r, re) = must(regex_lit(r))?;
        return Ok((r, TagKeyMatch::Regex(re)));
    }
    if let Some(r) = at.strip_prefix("!~") {
        let (r, re) = must(regex_lit(r))?;
        return Ok((r, TagKeyMatch::NotRegex(re)));
    }
    if let Some(r) = at.strip_prefix("!=").or_else(|| at.strip_prefix("<>")) {
        let (r, k) = must(identifier(r))?;
        return Ok((r, TagKeyMatch::Ne(k)));
    }
    if let Some(r) = at.strip_prefix('=') {
        let (r, k) = must(identifier(r))?;
        return Ok((r, TagKeyMatch::Eq(k)));
    }
    if let Some(r) = opt_keyword(at, "IN") {
        let (mut r, ()) = must(symbol("(")(r))?;
        let mut keys = Vec::new();
        loop {
            let (r2, k) = must(identifier(r))?;
            keys.push(k);
            let after = ws(r2);
            if let Some(r3) = after.strip_prefix(',') {
                r = r3;
            } else if let Some(r3) = after.strip_prefix(')') {
                return Ok((r3, TagKeyMatch::In(keys)));
            } else {
                return failure(after, Kind::Expected(vec![",", ")"]));
            }
        }
    }
    failure(at, Kind::Expected(vec!["IN", "=", "=~"]))
}

/// `[EXACT] CARDINALITY` after `SHOW SERIES|MEASUREMENT|TAG KEY|TAG VALUES|FIELD KEY`; `None`
/// when neither word follows.
fn cardinality_words(i: &str) -> PResult<'_, Option<bool>> {
    if let Some(r) = opt_keyword(i, "EXACT") {
        let (r, ()) = must(keyword("CARDINALITY")(r))?;
        return Ok((r, Some(true)));
    }
    if let Some(r) = opt_keyword(i, "CARDINALITY") {
        return Ok((r, Some(false)));
    }
    Ok((i, None))
}

/// The clauses after `… [EXACT] CARDINALITY`.
fn cardinality(i: &str, exact: bool, kind: CardinalityKind) -> PResult<'_, Statement> {
    let (i, database) = on_clause(i)?;
    let (i, sources) = from_clause(i)?;
    let (i, kind) = match kind {
        CardinalityKind::TagValues(_) => {
            let (i, k) = with_key(i)?;
            (i, CardinalityKind::TagValues(k))
        }
        k => (i, k),
    };
    let (i, condition) = where_clause(i)?;
    let (i, (limit, offset)) = limit_offset(i)?;
    Ok((
        i,
        Statement::ShowCardinality(ShowCardinalityStatement {
            kind,
            exact,
            database,
            sources,
            condition,
            limit,
            offset,
        }),
    ))
}

/// `SHOW MEASUREMENT …` (entered after MEASUREMENT).
pub(crate) fn show_measurement(i: &str) -> PResult<'_, Statement> {
    match cardinality_words(i)? {
        (r, Some(exact)) => cardinality(r, exact, CardinalityKind::Measurement),
        (r, None) => failure(ws(r), Kind::Expected(vec!["EXACT", "CARDINALITY"])),
    }
}

/// `SHOW SERIES …` (entered after SERIES). `SHOW SERIES EXACT` without CARDINALITY is
/// `SHOW SERIES`, as in InfluxDB.
pub(crate) fn show_series(i: &str) -> PResult<'_, Statement> {
    let (i, exact) = match opt_keyword(i, "EXACT") {
        Some(r) => (r, true),
        None => (i, false),
    };
    if let Some(r) = opt_keyword(i, "CARDINALITY") {
        return cardinality(r, exact, CardinalityKind::Series);
    }
    let (i, database) = on_clause(i)?;
    let (i, sources) = from_clause(i)?;
    let (i, condition) = where_clause(i)?;
    let (i, (limit, offset)) = limit_offset(i)?;
    Ok((
        i,
        Statement::ShowSeries(ShowSeriesStatement {
            database,
            sources,
            condition,
            limit,
            offset,
        }),
    ))
}

/// `SHOW TAG …` (entered after TAG).
pub(crate) fn show_tag(i: &str) -> PResult<'_, Statement> {
    let at = ws(i);
    match peek_word(i) {
        Some((w, r)) if w == "KEY" => match cardinality_words(r)? {
            (r, Some(exact)) => cardinality(r, exact, CardinalityKind::TagKey),
            (r, None) => failure(ws(r), Kind::Expected(vec!["EXACT", "CARDINALITY"])),
        },
        Some((w, r)) if w == "KEYS" => {
            let (r, database) = on_clause(r)?;
            let (r, sources) = from_clause(r)?;
            let (r, condition) = where_clause(r)?;
            let (r, (limit, offset)) = limit_offset(r)?;
            Ok((
                r,
                Statement::ShowTagKeys(ShowTagKeysStatement {
                    database,
                    sources,
                    condition,
                    limit,
                    offset,
                }),
            ))
        }
        Some((w, r)) if w == "VALUES" => {
            if let (r, Some(exact)) = cardinality_words(r)? {
                let kind = CardinalityKind::TagValues(TagKeyMatch::In(Vec::new()));
                return cardinality(r, exact, kind);
            }
            let (r, database) = on_clause(r)?;
            let (r, sources) = from_clause(r)?;
            let (r, key) = with_key(r)?;
            let (r, condition) = where_clause(r)?;
            let (r, (limit, offset)) = limit_offset(r)?;
            Ok((
                r,
                Statement::ShowTagValues(ShowTagValuesStatement {
                    database,
                    sources,
                    key,
                    condition,
                    limit,
                    offset,
                }),
            ))
        }
        _ => failure(at, Kind::Expected(vec!["KEY", "KEYS", "VALUES"])),
    }
}

/// `SHOW FIELD …` (entered after FIELD).
pub(crate) fn show_field(i: &str) -> PResult<'_, Statement> {
    let at = ws(i);
    match peek_word(i) {
        Some((w, r)) if w == "KEY" => match cardinality_words(r)? {
            (r, Some(exact)) => cardinality(r, exact, CardinalityKind::FieldKey),
            (r, None) => failure(ws(r), Kind::Expected(vec!["EXACT", "CARDINALITY"])),
        },
        Some((w, r)) if w == "KEYS" => {
            let (r, database) = on_clause(r)?;
            let (r, sources) = from_clause(r)?;
            let (r, (limit, offset)) = limit_offset(r)?;
            Ok((
                r,
                Statement::ShowFieldKeys(ShowFieldKeysStatement {
                    database,
                    sources,
                    limit,
                    offset,
                }),
            ))
        }
        _ => failure(at, Kind::Expected(vec!["KEY", "KEYS"])),
    }
}

/// `FROM` and/or `WHERE` of `DROP SERIES` and `DELETE`: at least one is required.
fn from_where(i: &str) -> PResult<'_, (Vec<MeasurementName>, Option<Expr>)> {
    let at = ws(i);
    let (i, sources) = from_clause(i)?;
    let (i, condition) = where_clause(i)?;
    if sources.is_empty() && condition.is_none() {
        return failure(at, Kind::Expected(vec!["FROM", "WHERE"]));
    }
    Ok((i, (sources, condition)))
}

/// `DROP SERIES …` (entered after SERIES).
pub(crate) fn drop_series(i: &str) -> PResult<'_, Statement> {
    let (i, (sources, condition)) = from_where(i)?;
    Ok((
        i,
        Statement::DropSeries(DropSeriesStatement { sources, condition }),
    ))
}

/// `DROP MEASUREMENT name` (entered after MEASUREMENT).
pub(crate) fn drop_measurement(i: &str) -> PResult<'_, Statement> {
    let (i, name) = must(identifier(i))?;
    Ok((
        i,
        Statement::DropMeasurement(DropMeasurementStatement { name }),
    ))
}

/// `DELETE …` (entered after DELETE).
pub(crate) fn delete(i: &str) -> PResult<'_, Statement> {
    let (i, (sources, condition)) = from_where(i)?;
    Ok((i, Statement::Delete(DeleteStatement { sources, condition })))
}
