//! Retention-policy and shard statements: `CREATE / ALTER / DROP RETENTION POLICY`, `SHOW SHARDS`,
//! `SHOW SHARD GROUPS`, `DROP SHARD`.
//!
//! Grammar and error texts follow InfluxDB 1.6.7's parser (recorded in
//! `tests/compat/meta-session.jsonl`): `CREATE` needs `DURATION` then `REPLICATION` in that order,
//! then optionally `SHARD DURATION` and `DEFAULT`; `ALTER` takes at least one of its clauses in
//! any order, each at most once; `INF` is a duration for `DURATION` only; a replication factor
//! must be in `1..=2147483647`; an invalid duration literal is `invalid duration` at its position.

use super::error::{Kind, PErr, PResult, failure, must};
use super::lexical::{duration, identifier, integer, keyword, opt_keyword, peek_word, ws};
use crate::ast::{
    AlterRetentionPolicyStatement, CreateRetentionPolicyStatement, DropRetentionPolicyStatement,
    DropShardStatement, Statement,
};

const ALTER_OPTIONS: &[&str] = &["DURATION", "REPLICATION", "SHARD", "DEFAULT"];

/// `CREATE RETENTION …` (entered after RETENTION).
pub(crate) fn create_retention_policy(i: &str) -> PResult<'_, Statement> {
    let (i, ()) = must(keyword("POLICY")(i))?;
    let (i, (name, database)) = name_on_db(i)?;
    let (i, ()) = must(keyword("DURATION")(i))?;
    let (i, duration) = rp_duration(i)?;
    let (i, ()) = must(keyword("REPLICATION")(i))?;
    let (mut i, replication) = replication(i)?;
    let mut s = CreateRetentionPolicyStatement {
        name,
        database,
        duration,
        replication,
        shard_duration: None,
        default: false,
    };
    if let Some(r) = opt_keyword(i, "SHARD") {
        let (r, d) = shard_duration(r)?;
        s.shard_duration = Some(d);
        i = r;
    }
    if let Some(r) = opt_keyword(i, "DEFAULT") {
        s.default = true;
        i = r;
    }
    Ok((i, Statement::CreateRetentionPolicy(s)))
}

/// `ALTER …` (entered after ALTER): only `ALTER RETENTION POLICY` exists.
pub(crate) fn alter(i: &str) -> PResult<'_, Statement> {
    let at = ws(i);
    match peek_word(i) {
        Some((w, rest)) if w == "RETENTION" => alter_retention_policy(rest),
        _ => failure(at, Kind::Expected(vec!["RETENTION"])),
    }
}

fn alter_retention_policy(i: &str) -> PResult<'_, Statement> {
    let (i, ()) = must(keyword("POLICY")(i))?;
    // 1.6.7 takes the DEFAULT keyword as the policy name "default".
    let (i, name) = match opt_keyword(i, "DEFAULT") {
        Some(r) => (r, "default".to_owned()),
        None => must(identifier(i))?,
    };
    let (i, ()) = must(keyword("ON")(i))?;
    let (mut i, database) = must(identifier(i))?;
    let mut s = AlterRetentionPolicyStatement {
        name,
        database,
        ..Default::default()
    };
    let mut found: Vec<String> = Vec::new();
    loop {
        let at = ws(i);
        let Some((w, rest)) = peek_word(i).filter(|(w, _)| ALTER_OPTIONS.contains(&w.as_str()))
        else {
            if found.is_empty() {
                return failure(at, Kind::Expected(ALTER_OPTIONS.to_vec()));
            }
            return Ok((i, Statement::AlterRetentionPolicy(s)));
        };
        if found.contains(&w) {
            return failure(at, Kind::Message(format!("found duplicate {w} option")));
        }
        i = match w.as_str() {
            "DURATION" => {
                let (r, d) = rp_duration(rest)?;
                s.duration = Some(d);
                r
            }
            "REPLICATION" => {
                let (r, n) = replication(rest)?;
                s.replication = Some(n);
                r
            }
            "SHARD" => {
                let (r, d) = shard_duration(rest)?;
                s.shard_duration = Some(d);
                r
            }
            _ => {
                s.default = true;
                rest
            }
        };
        found.push(w);
    }
}

/// `DROP RETENTION …` (entered after RETENTION).
pub(crate) fn drop_retention_policy(i: &str) -> PResult<'_, Statement> {
    let (i, ()) = must(keyword("POLICY")(i))?;
    let (i, (name, database)) = name_on_db(i)?;
    Ok((
        i,
        Statement::DropRetentionPolicy(DropRetentionPolicyStatement { name, database }),
    ))
}

/// `DROP SHARD id` (entered after SHARD).
pub(crate) fn drop_shard(i: &str) -> PResult<'_, Statement> {
    let (i, id) = must(integer(i))?;
    Ok((i, Statement::DropShard(DropShardStatement { id })))
}

/// `SHOW SHARD GROUPS` (entered after SHARD).
pub(crate) fn show_shard_groups(i: &str) -> PResult<'_, Statement> {
    let (i, ()) = must(keyword("GROUPS")(i))?;
    Ok((i, Statement::ShowShardGroups))
}

/// `name ON db`.
fn name_on_db(i: &str) -> PResult<'_, (String, String)> {
    let (i, name) = must(identifier(i))?;
    let (i, ()) = must(keyword("ON")(i))?;
    let (i, db) = must(identifier(i))?;
    Ok((i, (name, db)))
}

/// A policy duration (`INF` = 0); a malformed literal is `invalid duration` at its position.
fn rp_duration(i: &str) -> PResult<'_, i64> {
    match duration(i, true) {
        Err(nom::Err::Failure(PErr {
            rest,
            kind: Kind::Plain(m),
        })) => failure(rest, Kind::Message(m)),
        other => must(other),
    }
}

/// `DURATION d` after SHARD; `INF` is refused as 1.6.7 does.
fn shard_duration(i: &str) -> PResult<'_, i64> {
    let (i, ()) = must(keyword("DURATION")(i))?;
    let at = ws(i);
    if opt_keyword(at, "INF").is_some() {
        return failure(
            at,
            Kind::Message("invalid duration INF for shard duration".to_owned()),
        );
    }
    rp_duration(i)
}

/// A replication factor in `1..=i32::MAX`.
fn replication(i: &str) -> PResult<'_, u32> {
    let at = ws(i);
    let (rest, n) = must(integer(i))?;
    match u32::try_from(n) {
        Ok(v) if (1..=i32::MAX as u32).contains(&v) => Ok((rest, v)),
        _ => failure(
            at,
            Kind::Message(format!("invalid value {n}: must be 1 <= n <= 2147483647")),
        ),
    }
}

#[cfg(test)]
mod tests {
    use crate::ast::Statement;
    use crate::parser::test_support::{self, err, one};

    fn round_trip(q: &str) -> Statement {
        test_support::round_trip(q);
        one(q)
    }

    #[test]
    fn recorded_errors_match_influxdb() {
        // meta-session.jsonl lines 19, 20, 21, 29, 30, 39, 66.
        let cases = [
            (
                "CREATE RETENTION POLICY rp4 ON rpdb DURATION 1h",
                "found EOF, expected REPLICATION at line 1, char 48",
            ),
            (
                "CREATE RETENTION POLICY rp4 ON rpdb REPLICATION 1",
                "found REPLICATION, expected DURATION at line 1, char 37",
            ),
            (
                "CREATE RETENTION POLICY rp4 ON rpdb DURATION 1h REPLICATION 0",
                "invalid value 0: must be 1 <= n <= 2147483647 at line 1, char 61",
            ),
            (
                "CREATE RETENTION POLICY rp11 ON rpdb DURATION 1x REPLICATION 1",
                "invalid duration at line 1, char 47",
            ),
            (
                "CREATE RETENTION POLICY ON rpdb DURATION 1h REPLICATION 1",
                "found ON, expected identifier at line 1, char 25",
            ),
            (
                "ALTER RETENTION POLICY rp1 ON rpdb",
                "found EOF, expected DURATION, REPLICATION, SHARD, DEFAULT at line 1, char 36",
            ),
            (
                "DROP SHARD x",
                "found x, expected integer at line 1, char 12",
            ),
        ];
        for (q, want) in cases {
            assert_eq!(err(q), want, "{q}");
        }
    }

    #[test]
    fn other_errors() {
        assert_eq!(
            err("ALTER RETENTION POLICY rp ON db DURATION 1h DURATION 2h"),
            "found duplicate DURATION option at line 1, char 45"
        );
        assert_eq!(
            err("CREATE RETENTION POLICY rp ON db DURATION 1h REPLICATION 1 SHARD DURATION INF"),
            "invalid duration INF for shard duration at line 1, char 75"
        );
        assert_eq!(
            err("ALTER USER x"),
            "found USER, expected RETENTION at line 1, char 7"
        );
        assert_eq!(
            err("SHOW SHARD x"),
            "found x, expected GROUPS at line 1, char 12"
        );
        // EOF after a duration is one character earlier than after a word (1.6.7's scanner).
        assert_eq!(
            err("ALTER RETENTION POLICY rp ON db DURATION"),
            "found EOF, expected duration at line 1, char 42"
        );
        assert_eq!(
            err("CREATE RETENTION POLICY rp ON db DURATION 10d"),
            "found EOF, expected REPLICATION at line 1, char 46"
        );
        assert_eq!(
            err("DROP RETENTION POLICY rp"),
            "found EOF, expected ON at line 1, char 26"
        );
        assert_eq!(
            err("CREATE RETENTION POLICY rp ON db DURATION 1h REPLICATION 2147483648"),
            "invalid value 2147483648: must be 1 <= n <= 2147483647 at line 1, char 58"
        );
    }

    #[test]
    fn statements_parse_and_round_trip() {
        let s = round_trip(
            "create retention policy \"rp 7\" on rpdb duration 4w replication 1 shard duration 1d default",
        );
        let Statement::CreateRetentionPolicy(c) = s else {
            panic!("{s:?}")
        };
        assert_eq!(
            (
                c.name.as_str(),
                c.database.as_str(),
                c.duration,
                c.replication
            ),
            ("rp 7", "rpdb", 4 * 7 * 86_400_000_000_000, 1)
        );
        assert_eq!(c.shard_duration, Some(86_400_000_000_000));
        assert!(c.default);
        let s = round_trip("CREATE RETENTION POLICY rp ON db DURATION INF REPLICATION 3");
        assert!(
            matches!(s, Statement::CreateRetentionPolicy(ref c) if c.duration == 0 && c.shard_duration.is_none() && !c.default)
        );
        round_trip("CREATE RETENTION POLICY rp ON db DURATION 1d REPLICATION 1 SHARD DURATION 0s");
        let s = round_trip(
            "ALTER RETENTION POLICY rp2 ON rpdb DURATION 5d SHARD DURATION 3h REPLICATION 1 DEFAULT",
        );
        let Statement::AlterRetentionPolicy(a) = s else {
            panic!("{s:?}")
        };
        assert_eq!(a.duration, Some(5 * 86_400_000_000_000));
        assert_eq!(a.shard_duration, Some(3 * 3_600_000_000_000));
        assert_eq!(a.replication, Some(1));
        assert!(a.default);
        let s = round_trip("ALTER RETENTION POLICY rp1 ON rpdb DEFAULT");
        assert!(
            matches!(s, Statement::AlterRetentionPolicy(ref a) if a.default && a.duration.is_none())
        );
        round_trip("ALTER RETENTION POLICY rp1 ON rpdb DURATION INF");
        round_trip("ALTER RETENTION POLICY DEFAULT ON db REPLICATION 2");
        let s = round_trip("DROP RETENTION POLICY \"my rp\" ON \"my db\"");
        assert!(
            matches!(s, Statement::DropRetentionPolicy(ref d) if d.name == "my rp" && d.database == "my db")
        );
        assert_eq!(
            round_trip("DROP SHARD 42"),
            Statement::DropShard(crate::ast::DropShardStatement { id: 42 })
        );
        assert_eq!(round_trip("show shards"), Statement::ShowShards);
        assert_eq!(round_trip("SHOW SHARD GROUPS"), Statement::ShowShardGroups);
    }

    proptest::proptest! {
        #[test]
        fn create_round_trips(
            name in "[a-z][a-z0-9 _]{0,8}",
            hours in 0i64..100_000,
            replication in 1u32..100,
            shard in proptest::option::of(0i64..1000),
            default in proptest::bool::ANY,
        ) {
            let q = format!(
                "CREATE RETENTION POLICY \"{name}\" ON db DURATION {hours}h REPLICATION {replication}{}{}",
                shard.map(|s| format!(" SHARD DURATION {s}m")).unwrap_or_default(),
                if default { " DEFAULT" } else { "" },
            );
            round_trip(&q);
        }
    }
}
