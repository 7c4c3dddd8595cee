//! Continuous-query statements: `CREATE CONTINUOUS QUERY`, `DROP CONTINUOUS QUERY`,
//! `SHOW CONTINUOUS QUERIES`, and taildb's `SHOW CONTINUOUS QUERY STATS [ON db]` and
//! `BACKFILL CONTINUOUS QUERY name ON db WHERE <time range>`.
//!
//! InfluxDB 1.6.7's rules and texts (reference §6.1): INTO is required (`found FROM, expected
//! INTO`), an aggregate query needs `GROUP BY time(…)` (`found <last token>, expected GROUP BY
//! time(...)`), `RESAMPLE` needs a non-zero `EVERY` or `FOR` (EVERY before FOR), and `FOR` must be
//! at least the GROUP BY interval (or `EVERY` when larger). taildb also rejects a raw
//! (non-aggregate) query, which 1.6.7 stores but never runs.

use super::error::{Kind, PErr, PResult, failure, must};
use super::expr::expr;
use super::lexical::{duration, identifier, keyword, opt_keyword, peek_word, ws};
use super::select::select_statement_into;
use crate::ast::{
    BackfillContinuousQueryStatement, CreateContinuousQueryStatement, DropContinuousQueryStatement,
    Expr, Literal, SelectStatement, ShowContinuousQueryStatsStatement, Statement,
};
use crate::time::format_influxql_duration;

/// `CREATE CONTINUOUS QUERY …` (entered after CONTINUOUS).
pub(crate) fn create_continuous_query(i: &str) -> PResult<'_, Statement> {
    let (i, ()) = must(keyword("QUERY")(i))?;
    let (i, name) = must(identifier(i))?;
    let (i, ()) = must(keyword("ON")(i))?;
    let (mut i, database) = must(identifier(i))?;
    let mut resample_every = None;
    let mut resample_for = None;
    if let Some(r) = opt_keyword(i, "RESAMPLE") {
        let (r, every, for_) = resample(r)?;
        resample_every = every;
        resample_for = for_;
        i = r;
    }
    let (i, ()) = must(keyword("BEGIN")(i))?;
    let select_at = ws(i);
    let (i, select) = must(select_statement_into(i, true))?;
    let select_text = &select_at[..select_at.len() - i.len()];
    let interval = group_by_interval(&select);
    if select.is_raw() {
        // InfluxDB 1.6.7 stores a raw CQ and then silently never runs it.
        return failure(
            select_at,
            Kind::Message(
                "continuous queries must be aggregate queries with GROUP BY time(...)".to_owned(),
            ),
        );
    }
    let Some(interval) = interval.filter(|&d| d != 0) else {
        let at = last_token(select_text);
        return failure(
            &select_at[select_text.len() - at.len()..],
            Kind::Expected(vec!["GROUP BY time(...)"]),
        );
    };
    let (i, ()) = must(keyword("END")(i))?;
    if let Some(f) = resample_for {
        let mut min = interval;
        if let Some(e) = resample_every {
            min = min.max(e);
        }
        if min > f {
            return failure(
                i,
                Kind::Plain(format!(
                    "FOR duration must be >= GROUP BY time duration: must be a minimum of {}, got {}",
                    format_influxql_duration(min),
                    format_influxql_duration(f)
                )),
            );
        }
    }
    Ok((
        i,
        Statement::CreateContinuousQuery(CreateContinuousQueryStatement {
            name,
            database,
            resample_every,
            resample_for,
            select: Box::new(select),
        }),
    ))
}

/// `[EVERY d] [FOR d]` after RESAMPLE; zero durations count as absent, and at least one must be
/// given (else `found X, expected EVERY, FOR` at the next token, as 1.6.7 says).
#[allow(clippy::type_complexity)]
fn resample(i: &str) -> Result<(&str, Option<i64>, Option<i64>), nom::Err<PErr<'_>>> {
    let mut i = i;
    let mut every = None;
    let mut for_ = None;
    if let Some(r) = opt_keyword(i, "EVERY") {
        let (r, d) = must(duration(r, false))?;
        every = (d != 0).then_some(d);
        i = r;
    }
    if let Some(r) = opt_keyword(i, "FOR") {
        let (r, d) = must(duration(r, false))?;
        for_ = (d != 0).then_some(d);
        i = r;
    }
    if every.is_none() && for_.is_none() {
        return Err(nom::Err::Failure(PErr {
            rest: ws(i),
            kind: Kind::Expected(vec!["EVERY", "FOR"]),
        }));
    }
    Ok((i, every, for_))
}

/// The `GROUP BY time(interval, …)` interval as written; `None` without a time dimension or
/// when its argument is not a duration literal.
pub(crate) fn group_by_interval(s: &SelectStatement) -> Option<i64> {
    s.dimensions.iter().find_map(|d| match d.expr.unparen() {
        Expr::Call { name, args } if name.eq_ignore_ascii_case("time") => {
            match args.first().map(Expr::unparen) {
                Some(Expr::Literal(Literal::Duration(d))) => Some(*d),
                _ => Some(0),
            }
        }
        _ => None,
    })
}

/// The input starting at the last token of `text` (1.6.7 reports a missing GROUP BY time at the
/// last token of the SELECT): a closing parenthesis, a quoted string or identifier, a regex, or a
/// run of word characters.
fn last_token(text: &str) -> &str {
    let t = text.trim_end_matches([' ', '\t', '\n', '\r']);
    let bytes = t.as_bytes();
    let Some(&last) = bytes.last() else {
        return text;
    };
    let start = match last {
        b'\'' | b'"' | b'/' => {
            // The opening delimiter: the previous unescaped one.
            let mut p = bytes.len() - 1;
            let mut found = 0;
            while p > 0 {
                p -= 1;
                if bytes[p] == last && (p == 0 || bytes[p - 1] != b'\\') {
                    found = p;
                    break;
                }
            }
            found
        }
        c if c.is_ascii_alphanumeric() || c == b'_' => {
            let mut p = bytes.len();
            while p > 0 && (bytes[p - 1].is_ascii_alphanumeric() || bytes[p - 1] == b'_') {
                p -= 1;
            }
            p
        }
        _ => bytes.len() - 1,
    };
    text.get(start..).unwrap_or(text)
}

/// `DROP CONTINUOUS QUERY name ON db` (entered after CONTINUOUS).
pub(crate) fn drop_continuous_query(i: &str) -> PResult<'_, Statement> {
    let (i, ()) = must(keyword("QUERY")(i))?;
    let (i, name) = must(identifier(i))?;
    let (i, ()) = must(keyword("ON")(i))?;
    let (i, database) = must(identifier(i))?;
    Ok((
        i,
        Statement::DropContinuousQuery(DropContinuousQueryStatement { name, database }),
    ))
}

/// `SHOW CONTINUOUS QUERIES` and `SHOW CONTINUOUS QUERY STATS [ON db]` (entered after CONTINUOUS).
pub(crate) fn show_continuous(i: &str) -> PResult<'_, Statement> {
    match peek_word(i) {
        Some((w, rest)) if w == "QUERIES" => Ok((rest, Statement::ShowContinuousQueries)),
        Some((w, rest)) if w == "QUERY" => {
            let (rest, ()) = must(keyword("STATS")(rest))?;
            let mut s = ShowContinuousQueryStatsStatement::default();
            let mut rest = rest;
            if let Some(r) = opt_keyword(rest, "ON") {
                let (r, db) = must(identifier(r))?;
                s.database = Some(db);
                rest = r;
            }
            Ok((rest, Statement::ShowContinuousQueryStats(s)))
        }
        _ => failure(ws(i), Kind::Expected(vec!["QUERIES"])),
    }
}

/// `BACKFILL CONTINUOUS QUERY name ON db WHERE <condition>` (entered after BACKFILL).
pub(crate) fn backfill(i: &str) -> PResult<'_, Statement> {
    let (i, ()) = must(keyword("CONTINUOUS")(i))?;
    let (i, ()) = must(keyword("QUERY")(i))?;
    let (i, name) = must(identifier(i))?;
    let (i, ()) = must(keyword("ON")(i))?;
    let (i, database) = must(identifier(i))?;
    let (i, ()) = must(keyword("WHERE")(i))?;
    let (i, condition) = must(expr(i))?;
    Ok((
        i,
        Statement::BackfillContinuousQuery(BackfillContinuousQueryStatement {
            name,
            database,
            condition,
        }),
    ))
}
