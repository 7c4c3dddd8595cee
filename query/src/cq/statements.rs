//! `CREATE CONTINUOUS QUERY`, `DROP CONTINUOUS QUERY` and `SHOW CONTINUOUS QUERIES`, and the
//! helpers the service shares: normalizing a CQ's measurements, reading a stored CQ back, and
//! replacing its time conditions with a window.

use tsdb::EngineError;

use super::ContinuousQueryService;
use crate::ast::{
    BackfillContinuousQueryStatement, BinaryOp, CreateContinuousQueryStatement,
    DropContinuousQueryStatement, Expr, Literal, MeasurementName, SelectStatement,
    ShowContinuousQueryStatsStatement, Source, Statement,
};
use crate::exec::{ExecContext, ExecError, Store, select_condition};
use crate::response::{Series, Value};
use crate::time::format_go_duration;

/// Fills `db.rp.` into INTO and every FROM measurement (subquery sources too) as 1.6.7's
/// statement normalization does: a missing database is the CQ's, a missing retention policy
/// that database's default; every database and retention policy named must exist
/// (`database not found: x`, `retention policy not found: db.rp`). INTO is checked first.
pub fn normalize(
    store: &dyn Store,
    s: &CreateContinuousQueryStatement,
) -> Result<CreateContinuousQueryStatement, ExecError> {
    let mut out = s.clone();
    normalize_select(store, &mut out.select, &s.database)?;
    Ok(out)
}

fn normalize_select(
    store: &dyn Store,
    s: &mut SelectStatement,
    default_db: &str,
) -> Result<(), ExecError> {
    if let Some(into) = &mut s.into {
        normalize_measurement(store, into, default_db)?;
    }
    for src in &mut s.sources {
        match src {
            Source::Measurement(m) => normalize_measurement(store, m, default_db)?,
            Source::Subquery(sub) => normalize_select(store, sub, default_db)?,
        }
    }
    Ok(())
}

fn normalize_measurement(
    store: &dyn Store,
    m: &mut MeasurementName,
    default_db: &str,
) -> Result<(), ExecError> {
    let db = m
        .database
        .get_or_insert_with(|| default_db.to_owned())
        .clone();
    if !store.database_exists(&db) {
        return Err(ExecError::DatabaseNotFound(db));
    }
    let policies = store.retention_policies(&db)?;
    if m.retention_policy.is_none() {
        m.retention_policy = Some(store.default_retention_policy(&db)?);
    }
    let rp = m.retention_policy.clone().unwrap_or_default();
    if !policies.iter().any(|p| p.name == rp) {
        return Err(EngineError::RetentionPolicyNotFound(format!("{db}.{rp}")).into());
    }
    Ok(())
}

/// Parses a stored CQ text back into its statement.
pub fn parse_stored(text: &str) -> Result<CreateContinuousQueryStatement, ExecError> {
    match crate::parser::parse_statement(text) {
        Ok(Statement::CreateContinuousQuery(s)) => Ok(s),
        Ok(other) => Err(ExecError::Invalid(format!(
            "not a continuous query: {other}"
        ))),
        Err(e) => Err(ExecError::Invalid(format!(
            "stored continuous query does not parse: {e}"
        ))),
    }
}

/// The CQ's SELECT with every comparison on `time` removed from its WHERE clause and
/// `time >= start AND time < end` added (1.6.7's `SetTimeRange`).
pub fn with_time_range(select: &SelectStatement, start: i64, end: i64) -> SelectStatement {
    let time = |op, v| Expr::Binary {
        op,
        lhs: Box::new(Expr::var("time")),
        rhs: Box::new(Expr::Literal(Literal::Integer(v))),
    };
    let range = Expr::Binary {
        op: BinaryOp::And,
        lhs: Box::new(time(BinaryOp::Gte, start)),
        rhs: Box::new(time(BinaryOp::Lt, end)),
    };
    let condition = match select.condition.as_ref().and_then(without_time) {
        Some(rest) => Expr::Binary {
            op: BinaryOp::And,
            lhs: Box::new(rest),
            rhs: Box::new(range),
        },
        None => range,
    };
    SelectStatement {
        condition: Some(condition),
        ..select.clone()
    }
}

/// `e` without its comparisons on `time` (`None` when nothing is left).
fn without_time(e: &Expr) -> Option<Expr> {
    match e {
        Expr::Paren(inner) => without_time(inner).map(|x| Expr::Paren(Box::new(x))),
        Expr::Binary { op, lhs, rhs } if matches!(op, BinaryOp::And | BinaryOp::Or) => {
            match (without_time(lhs), without_time(rhs)) {
                (Some(l), Some(r)) => Some(Expr::Binary {
                    op: *op,
                    lhs: Box::new(l),
                    rhs: Box::new(r),
                }),
                (Some(x), None) | (None, Some(x)) => Some(x),
                (None, None) => None,
            }
        }
        Expr::Binary { lhs, rhs, .. } if is_time(lhs) || is_time(rhs) => None,
        other => Some(other.clone()),
    }
}

fn is_time(e: &Expr) -> bool {
    matches!(e.unparen(), Expr::VarRef { name, .. } if name.eq_ignore_ascii_case("time"))
}

/// `CREATE CONTINUOUS QUERY`: normalizes and stores the text; returns it (the service
/// registers the CQ from it).
pub(crate) fn create_continuous_query(
    store: &dyn Store,
    s: &CreateContinuousQueryStatement,
    ctx: &ExecContext,
) -> Result<String, ExecError> {
    if !store.database_exists(&s.database) {
        return Err(ExecError::DatabaseNotFound(s.database.clone()));
    }
    let text = normalize(store, s)?.to_string();
    store.create_continuous_query(&s.database, &s.name, &text)?;
    // Register its watch now (the service would on its next pass otherwise).
    if let Some(svc) = &ctx.continuous_queries {
        svc.sync();
    }
    Ok(text)
}

/// `DROP CONTINUOUS QUERY`: an unknown CQ or database is not an error (1.6.7).
pub(crate) fn drop_continuous_query(
    store: &dyn Store,
    s: &DropContinuousQueryStatement,
    ctx: &ExecContext,
) -> Result<(), ExecError> {
    if !store.database_exists(&s.database) {
        return Ok(());
    }
    store.drop_continuous_query(&s.database, &s.name)?;
    if let Some(svc) = &ctx.continuous_queries {
        svc.sync();
    }
    Ok(())
}

fn service(ctx: &ExecContext) -> Result<&ContinuousQueryService, ExecError> {
    ctx.continuous_queries.as_deref().ok_or_else(|| {
        ExecError::Unsupported("continuous-query statistics and backfill outside a server".into())
    })
}

/// `SHOW CONTINUOUS QUERY STATS [ON db]`.
pub(crate) fn show_stats_statement(
    store: &dyn Store,
    s: &ShowContinuousQueryStatsStatement,
    ctx: &ExecContext,
) -> Result<Vec<Series>, ExecError> {
    if let Some(db) = &s.database {
        if !store.database_exists(db) {
            return Err(ExecError::DatabaseNotFound(db.clone()));
        }
    }
    Ok(super::stats_series(
        &service(ctx)?.all_stats(),
        s.database.as_deref(),
    ))
}

/// `BACKFILL CONTINUOUS QUERY name ON db WHERE time >= a AND time < b`: one row `name`,
/// `windows`, `points_written`, `duration`.
pub(crate) fn backfill_statement(
    store: &dyn Store,
    s: &BackfillContinuousQueryStatement,
    ctx: &ExecContext,
) -> Result<Vec<Series>, ExecError> {
    if !store.database_exists(&s.database) {
        return Err(ExecError::DatabaseNotFound(s.database.clone()));
    }
    let cond = select_condition(Some(&s.condition), ctx.now, &|_| false)?;
    if cond.residual.is_some()
        || !cond.tags.has_lower_bound
        || cond.tags.max_time == i64::MAX
        || !matches!(cond.tags.predicate, tsdb::TagPredicate::All)
    {
        return Err(ExecError::Invalid(
            "BACKFILL needs a time range and nothing else: WHERE time >= <start> AND time < <end>"
                .into(),
        ));
    }
    let (windows, written, took) = service(ctx)?.backfill(
        &s.database,
        &s.name,
        cond.tags.min_time,
        cond.tags.max_time.saturating_add(1),
    )?;
    let int = |n: u64| Value::Int(i64::try_from(n).unwrap_or(i64::MAX));
    Ok(vec![Series {
        name: Some("backfill".to_owned()),
        tags: Vec::new(),
        columns: ["name", "windows", "points_written", "duration"]
            .map(String::from)
            .to_vec(),
        values: vec![vec![
            Value::Str(s.name.clone()),
            int(windows),
            int(written),
            Value::Str(format_go_duration(
                i64::try_from(took.as_nanos()).unwrap_or(i64::MAX),
            )),
        ]],
    }])
}

/// `SHOW CONTINUOUS QUERIES`: one series per database (every database, in the store's order),
/// columns `name`, `query`; a database without CQs has no values.
pub(crate) fn show_continuous_queries(store: &dyn Store) -> Vec<Series> {
    store
        .continuous_queries()
        .into_iter()
        .map(|(db, cqs)| Series {
            name: Some(db),
            tags: Vec::new(),
            columns: vec!["name".to_owned(), "query".to_owned()],
            values: cqs
                .into_iter()
                .map(|(n, q)| vec![Value::Str(n), Value::Str(q)])
                .collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::exec::{ExecContext, MemStore, Store, execute};
    use crate::parser::parse_query;
    use crate::response::Value;

    fn run(store: &MemStore, q: &str) -> Vec<crate::response::StatementResult> {
        let stmts = parse_query(q).unwrap_or_else(|e| panic!("{q}: {e}"));
        execute(store, &stmts, &ExecContext::default())
    }

    fn error_of(store: &MemStore, q: &str) -> Option<String> {
        run(store, q).remove(0).error
    }

    #[test]
    fn create_normalizes_and_show_lists_every_database() {
        let store = MemStore::new();
        for db in ["a", "cqdb", "cqdb2"] {
            store.create_database(db, None).expect("create db");
        }
        for q in [
            "CREATE CONTINUOUS QUERY cq1 ON cqdb BEGIN SELECT mean(v) INTO m_1h FROM m GROUP BY time(1h) END",
            "CREATE CONTINUOUS QUERY cq1 ON cqdb BEGIN SELECT mean(v) INTO m_1h FROM m GROUP BY time(1h) END",
            "CREATE CONTINUOUS QUERY cq2 ON cqdb RESAMPLE EVERY 10s FOR 2m BEGIN SELECT count(v) INTO cqdb.autogen.:MEASUREMENT FROM /.*/ GROUP BY time(30s, 5s), * fill(0) END",
            "CREATE CONTINUOUS QUERY cq15 ON cqdb BEGIN SELECT count(v) INTO x FROM (SELECT v FROM m) GROUP BY time(10s) END",
            "CREATE CONTINUOUS QUERY cq1 ON cqdb2 BEGIN SELECT count(v) INTO x FROM m GROUP BY time(10s) tz('Europe/Amsterdam') END",
        ] {
            assert_eq!(error_of(&store, q), None, "{q}");
        }
        assert_eq!(
            error_of(
                &store,
                "CREATE CONTINUOUS QUERY cq1 ON cqdb BEGIN SELECT max(v) INTO m_1h FROM m GROUP BY time(1h) END"
            )
            .as_deref(),
            Some("continuous query already exists")
        );
        assert_eq!(
            error_of(
                &store,
                "CREATE CONTINUOUS QUERY cq7 ON nodb BEGIN SELECT count(v) INTO x FROM m GROUP BY time(10s) END"
            )
            .as_deref(),
            Some("database not found: nodb")
        );
        assert_eq!(
            error_of(
                &store,
                "CREATE CONTINUOUS QUERY cq7 ON cqdb BEGIN SELECT count(v) INTO a.nope.x FROM m GROUP BY time(10s) END"
            )
            .as_deref(),
            Some("retention policy not found: a.nope")
        );
        let show = run(&store, "SHOW CONTINUOUS QUERIES").remove(0).series;
        let names: Vec<_> = show
            .iter()
            .map(|s| s.name.clone().unwrap_or_default())
            .collect();
        assert_eq!(names, ["a", "cqdb", "cqdb2"]);
        assert!(show[0].values.is_empty());
        let texts: Vec<_> = show[1]
            .values
            .iter()
            .map(|r| match &r[1] {
                Value::Str(s) => s.clone(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            texts,
            [
                "CREATE CONTINUOUS QUERY cq1 ON cqdb BEGIN SELECT mean(v) INTO cqdb.autogen.m_1h FROM cqdb.autogen.m GROUP BY time(1h) END",
                "CREATE CONTINUOUS QUERY cq2 ON cqdb RESAMPLE EVERY 10s FOR 2m BEGIN SELECT count(v) INTO cqdb.autogen.:MEASUREMENT FROM cqdb.autogen./.*/ GROUP BY time(30s, 5s), * fill(0) END",
                "CREATE CONTINUOUS QUERY cq15 ON cqdb BEGIN SELECT count(v) INTO cqdb.autogen.x FROM (SELECT v FROM cqdb.autogen.m) GROUP BY time(10s) END",
            ]
        );
        assert_eq!(
            show[2].values[0][1],
            Value::Str("CREATE CONTINUOUS QUERY cq1 ON cqdb2 BEGIN SELECT count(v) INTO cqdb2.autogen.x FROM cqdb2.autogen.m GROUP BY time(10s) TZ('Europe/Amsterdam') END".into())
        );
        // DROP: unknown names and databases are fine.
        for q in [
            "DROP CONTINUOUS QUERY cq1 ON cqdb",
            "DROP CONTINUOUS QUERY nope ON cqdb",
            "DROP CONTINUOUS QUERY cq1 ON nodb",
        ] {
            assert_eq!(error_of(&store, q), None, "{q}");
        }
        let show = run(&store, "SHOW CONTINUOUS QUERIES").remove(0).series;
        assert_eq!(show[1].values.len(), 2);
    }

    #[test]
    fn time_range_replaces_time_conditions() {
        let s = super::parse_stored(
            "CREATE CONTINUOUS QUERY c ON db BEGIN SELECT count(v) INTO x FROM m WHERE time > now() - 1h AND host = 'a' GROUP BY time(10m) END",
        )
        .expect("parses");
        let w = super::with_time_range(&s.select, 10, 20);
        assert_eq!(
            w.condition.map(|c| c.to_string()).as_deref(),
            Some("host = 'a' AND time >= 10 AND time < 20")
        );
    }
}
