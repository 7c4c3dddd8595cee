//! Database and schema statements: `CREATE DATABASE`, `DROP DATABASE`, `SHOW …`, and the recognised
//! but unimplemented statement kinds.

use super::error::{Kind, PResult, failure, must};
use super::expr::expr;
use super::lexical::{
    bare_word, duration, identifier, integer, keyword, opt_keyword, peek_word, regex_lit, ws,
};
use crate::ast::{
    CreateDatabaseStatement, DropDatabaseStatement, NamePattern, ShowMeasurementsStatement,
    ShowRetentionPoliciesStatement, Statement, UnsupportedStatement, is_keyword,
};

const SHOW_EXPECTED: &[&str] = &[
    "CONTINUOUS",
    "DATABASES",
    "DIAGNOSTICS",
    "FIELD",
    "GRANTS",
    "MEASUREMENT",
    "MEASUREMENTS",
    "QUERIES",
    "RETENTION",
    "SERIES",
    "SHARD",
    "SHARDS",
    "STATS",
    "SUBSCRIPTIONS",
    "TAG",
    "USERS",
];
const CREATE_EXPECTED: &[&str] = &[
    "CONTINUOUS",
    "DATABASE",
    "USER",
    "RETENTION",
    "SUBSCRIPTION",
];
/// InfluxDB's list omits DATABASE although `DROP DATABASE` exists; kept for identical messages.
const DROP_EXPECTED: &[&str] = &[
    "CONTINUOUS",
    "MEASUREMENT",
    "RETENTION",
    "SERIES",
    "SHARD",
    "SUBSCRIPTION",
    "USER",
];

/// `SHOW …` (entered after SHOW).
pub(crate) fn show<'a>(start: &'a str, i: &'a str) -> PResult<'a, Statement> {
    let at = ws(i);
    let Some((w, rest)) = peek_word(i) else {
        return failure(at, Kind::Expected(SHOW_EXPECTED.to_vec()));
    };
    match w.as_str() {
        "DATABASES" => Ok((rest, Statement::ShowDatabases)),
        "QUERIES" => Ok((rest, Statement::ShowQueries)),
        "MEASUREMENT" => super::schema::show_measurement(rest),
        "SERIES" => super::schema::show_series(rest),
        "TAG" => super::schema::show_tag(rest),
        "FIELD" => super::schema::show_field(rest),
        "MEASUREMENTS" => {
            let (rest, s) = show_measurements(rest)?;
            Ok((rest, Statement::ShowMeasurements(s)))
        }
        "RETENTION" => {
            let (rest, ()) = must(keyword("POLICIES")(rest))?;
            let mut s = ShowRetentionPoliciesStatement::default();
            let mut rest = rest;
            if let Some(r) = opt_keyword(rest, "ON") {
                let (r, db) = must(identifier(r))?;
                s.database = Some(db);
                rest = r;
            }
            Ok((rest, Statement::ShowRetentionPolicies(s)))
        }
        "SHARDS" => Ok((rest, Statement::ShowShards)),
        "SHARD" => super::retention::show_shard_groups(rest),
        "CONTINUOUS" => super::continuous::show_continuous(rest),
        "USERS" => Ok((rest, Statement::ShowUsers)),
        "GRANTS" => super::users::show_grants(rest),
        w if SHOW_EXPECTED.contains(&w) => Ok(unsupported(start, true)),
        _ => failure(at, Kind::Expected(SHOW_EXPECTED.to_vec())),
    }
}

fn show_measurements(i: &str) -> PResult<'_, ShowMeasurementsStatement> {
    let mut s = ShowMeasurementsStatement::default();
    let mut i = i;
    if let Some(r) = opt_keyword(i, "ON") {
        let (r, db) = must(identifier(r))?;
        s.database = Some(db);
        i = r;
    }
    if let Some(r) = opt_keyword(i, "WITH") {
        let (r, ()) = must(keyword("MEASUREMENT")(r))?;
        let after = ws(r);
        if let Some(r) = after.strip_prefix("=~") {
            let (r, re) = must(regex_lit(r))?;
            s.with_measurement = Some(NamePattern::Regex(re));
            i = r;
        } else if let Some(r) = after.strip_prefix('=') {
            let (r, name) = must(identifier(r))?;
            s.with_measurement = Some(NamePattern::Name(name));
            i = r;
        } else {
            return failure(after, Kind::Expected(vec!["=", "=~"]));
        }
    }
    if let Some(r) = opt_keyword(i, "WHERE") {
        let (r, cond) = must(expr(r))?;
        s.condition = Some(cond);
        i = r;
    }
    if let Some(r) = opt_keyword(i, "LIMIT") {
        let (r, n) = must(integer(r))?;
        s.limit = Some(n);
        i = r;
    }
    if let Some(r) = opt_keyword(i, "OFFSET") {
        let (r, n) = must(integer(r))?;
        s.offset = Some(n);
        i = r;
    }
    Ok((i, s))
}

/// `CREATE …` (entered after CREATE).
pub(crate) fn create<'a>(start: &'a str, i: &'a str) -> PResult<'a, Statement> {
    let at = ws(i);
    match peek_word(i) {
        Some((w, rest)) if w == "DATABASE" => {
            let (rest, s) = create_database(rest)?;
            Ok((rest, Statement::CreateDatabase(s)))
        }
        Some((w, rest)) if w == "RETENTION" => super::retention::create_retention_policy(rest),
        Some((w, rest)) if w == "CONTINUOUS" => super::continuous::create_continuous_query(rest),
        Some((w, rest)) if w == "USER" => super::users::create_user(rest),
        Some((w, _)) if CREATE_EXPECTED.contains(&w.as_str()) => Ok(unsupported(start, false)),
        _ => failure(at, Kind::Expected(CREATE_EXPECTED.to_vec())),
    }
}

fn create_database(i: &str) -> PResult<'_, CreateDatabaseStatement> {
    let (mut i, name) = must(identifier(i))?;
    let mut s = CreateDatabaseStatement {
        name,
        ..Default::default()
    };
    let Some(r) = opt_keyword(i, "WITH") else {
        return Ok((i, s));
    };
    s.with = true;
    i = r;
    let mut found = false;
    if let Some(r) = opt_keyword(i, "DURATION") {
        let (r, d) = must(duration(r, true))?;
        if d != 0 && d < 3_600_000_000_000 {
            return failure(
                ws(i),
                Kind::Plain("retention policy duration must be at least 1h0m0s".to_owned()),
            );
        }
        s.duration = Some(d);
        i = r;
        found = true;
    }
    if let Some(r) = opt_keyword(i, "REPLICATION") {
        let at = ws(r);
        let (r, n) = must(integer(r))?;
        if !(1..=i64::from(i32::MAX) as u64).contains(&n) {
            return failure(
                at,
                Kind::Plain(format!("invalid value {n}: must be 1 <= n <= 2147483647")),
            );
        }
        s.replication = Some(n as u32);
        i = r;
        found = true;
    }
    if let Some(r) = opt_keyword(i, "SHARD") {
        let (r, ()) = must(keyword("DURATION")(r))?;
        let (r, d) = must(duration(r, false))?;
        s.shard_duration = Some(d);
        i = r;
        found = true;
    }
    if let Some(r) = opt_keyword(i, "NAME") {
        let (r, n) = must(identifier(r))?;
        s.rp_name = Some(n);
        i = r;
        found = true;
    }
    if !found {
        return failure(
            ws(i),
            Kind::Expected(vec!["DURATION", "NAME", "REPLICATION", "SHARD"]),
        );
    }
    Ok((i, s))
}

/// `DROP …` (entered after DROP).
pub(crate) fn drop<'a>(start: &'a str, i: &'a str) -> PResult<'a, Statement> {
    let at = ws(i);
    match peek_word(i) {
        Some((w, rest)) if w == "DATABASE" => {
            let (rest, name) = must(identifier(rest))?;
            Ok((
                rest,
                Statement::DropDatabase(DropDatabaseStatement { name }),
            ))
        }
        Some((w, rest)) if w == "SERIES" => super::schema::drop_series(rest),
        Some((w, rest)) if w == "MEASUREMENT" => super::schema::drop_measurement(rest),
        Some((w, rest)) if w == "RETENTION" => super::retention::drop_retention_policy(rest),
        Some((w, rest)) if w == "SHARD" => super::retention::drop_shard(rest),
        Some((w, rest)) if w == "CONTINUOUS" => super::continuous::drop_continuous_query(rest),
        Some((w, rest)) if w == "USER" => super::users::drop_user(rest),
        Some((w, _)) if DROP_EXPECTED.contains(&w.as_str()) => Ok(unsupported(start, false)),
        _ => failure(at, Kind::Expected(DROP_EXPECTED.to_vec())),
    }
}

/// A recognised statement taildb does not implement: its text up to the next `;` outside quotes and
/// comments (`-- …` to the end of the line, `/* … */`).
pub(crate) fn unsupported(start: &str, read_only: bool) -> (&str, Statement) {
    let start = ws(start);
    let bytes = start.as_bytes();
    let mut end = start.len();
    let mut quote: Option<u8> = None;
    let mut escaped = false;
    let mut pos = 0;
    while pos < bytes.len() {
        let c = bytes[pos];
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if c == b'\\' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
            }
            None if c == b'\'' || c == b'"' => quote = Some(c),
            None if bytes[pos..].starts_with(b"--") => {
                pos = bytes[pos..]
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(bytes.len(), |n| pos + n);
                continue;
            }
            None if bytes[pos..].starts_with(b"/*") => {
                pos = bytes[pos + 2..]
                    .windows(2)
                    .position(|w| w == b"*/")
                    .map_or(bytes.len(), |n| pos + 2 + n + 2);
                continue;
            }
            None if c == b';' => {
                end = pos;
                break;
            }
            None => {}
        }
        pos += 1;
    }
    let text = start[..end].trim_end().to_owned();
    let mut kind = Vec::new();
    let mut rest = start;
    while let Some((w, r)) = bare_word(ws(rest)) {
        if kind.len() == 3 || !is_keyword(w) {
            break;
        }
        kind.push(w.to_ascii_uppercase());
        rest = r;
    }
    (
        &start[end..],
        Statement::Unsupported(UnsupportedStatement {
            kind: kind.join(" "),
            text,
            read_only,
        }),
    )
}
