//! Queries and statement dispatch.

use super::ParseError;
use super::error::must;
use super::error::{Kind, PErr, PResult, failure};
use super::lexical::{identifier, integer, keyword, opt_keyword, peek_word, ws};
use super::meta::{create, drop, show};
use super::select::select_statement;
use crate::ast::{ExplainStatement, KillQueryStatement, Statement};

const STATEMENT_EXPECTED: &[&str] = &[
    "SELECT", "DELETE", "SHOW", "CREATE", "DROP", "EXPLAIN", "GRANT", "REVOKE", "ALTER", "SET",
    "KILL",
];

/// Parses a `;`-separated query; empty statements are skipped (`q=;` yields no statements).
pub fn parse_query(q: &str) -> Result<Vec<Statement>, ParseError> {
    let mut out = Vec::new();
    let mut i = q;
    let mut after_semicolon = true;
    loop {
        let at = ws(i);
        if at.is_empty() {
            return Ok(out);
        }
        if let Some(rest) = at.strip_prefix(';') {
            after_semicolon = true;
            i = rest;
            continue;
        }
        if !after_semicolon {
            return Err(ParseError::from_perr(
                q,
                PErr {
                    rest: at,
                    kind: Kind::Expected(vec![";"]),
                },
            ));
        }
        match statement(at) {
            Ok((rest, s)) => {
                out.push(s);
                i = rest;
                after_semicolon = false;
            }
            Err(nom::Err::Error(e) | nom::Err::Failure(e)) => {
                return Err(ParseError::from_perr(q, e));
            }
            Err(nom::Err::Incomplete(_)) => {
                return Err(ParseError::Plain("incomplete input".to_owned()));
            }
        }
    }
}

/// Parses exactly one statement (a trailing `;` is allowed).
pub fn parse_statement(s: &str) -> Result<Statement, ParseError> {
    let mut v = parse_query(s)?;
    match v.len() {
        1 => Ok(v.remove(0)),
        0 => Err(ParseError::from_perr(
            s,
            PErr {
                rest: ws(s),
                kind: Kind::Expected(STATEMENT_EXPECTED.to_vec()),
            },
        )),
        _ => Err(ParseError::Plain(
            "expected exactly one statement".to_owned(),
        )),
    }
}

/// One statement, dispatched on its first keyword.
fn statement(i: &str) -> PResult<'_, Statement> {
    let at = ws(i);
    let Some((w, rest)) = peek_word(at) else {
        return failure(at, Kind::Expected(STATEMENT_EXPECTED.to_vec()));
    };
    match w.as_str() {
        "SELECT" => {
            let (rest, s) = select_statement(at)?;
            Ok((rest, Statement::Select(Box::new(s))))
        }
        "SHOW" => show(at, rest),
        "CREATE" => create(at, rest),
        "DROP" => drop(at, rest),
        "EXPLAIN" => {
            let (rest, analyze) = match opt_keyword(rest, "ANALYZE") {
                Some(r) => (r, true),
                None => (rest, false),
            };
            let (rest, s) = must(select_statement(rest))?;
            Ok((
                rest,
                Statement::Explain(ExplainStatement {
                    analyze,
                    statement: Box::new(s),
                }),
            ))
        }
        "KILL" => {
            let (rest, ()) = must(keyword("QUERY")(rest))?;
            let (rest, query_id) = must(integer(rest))?;
            let (rest, host) = match opt_keyword(rest, "ON") {
                Some(r) => {
                    let (r, h) = must(identifier(r))?;
                    (r, Some(h))
                }
                None => (rest, None),
            };
            Ok((
                rest,
                Statement::KillQuery(KillQueryStatement { query_id, host }),
            ))
        }
        "DELETE" => super::schema::delete(rest),
        "ALTER" => super::retention::alter(rest),
        // taildb's extension (not in InfluxDB's list of expected statement keywords).
        "BACKFILL" => super::continuous::backfill(rest),
        "GRANT" => super::users::grant(rest, true),
        "REVOKE" => super::users::grant(rest, false),
        "SET" => super::users::set_password(rest),
        _ => failure(at, Kind::Expected(STATEMENT_EXPECTED.to_vec())),
    }
}
