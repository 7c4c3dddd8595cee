//! Runs a parsed query statement by statement.

use super::store::Store;

use super::error::ExecError;
use super::{meta, retention, schema, select};
use crate::ast::Statement;
use crate::response::{Message, Series, StatementResult};

/// What a query runs with: the request's `db` and `rp`, the time `now()` stands for, and whether the
/// request was a GET (statements that write then carry InfluxDB's deprecation warning).
#[derive(Clone, Debug, Default)]
pub struct ExecContext {
    pub database: Option<String>,
    pub retention_policy: Option<String>,
    /// Nanoseconds since the epoch.
    pub now: i64,
    pub read_only: bool,
    /// `max-select-*` limits for SELECT statements.
    pub limits: super::limits::QueryLimits,
    /// Set by `KILL QUERY` or the query timeout; polled while statements run.
    pub interrupt: super::limits::Interrupt,
    /// The server's running queries (`SHOW QUERIES`, `KILL QUERY`); `None` outside a server.
    pub manager: Option<super::manager::QueryManager>,
    /// Set by `EXPLAIN [ANALYZE]`: the SELECT pipeline records its plan, timings and counts here.
    pub trace: Option<std::sync::Arc<super::Trace>>,
    /// Set when a continuous query runs: the watch id its INTO writes carry
    /// ([`tsdb::WriteOrigin::Watch`]), so its output does not mark its own watch.
    pub write_origin: Option<String>,
    /// The server's continuous-query service (`SHOW CONTINUOUS QUERY STATS`, `BACKFILL`, watch
    /// registration at CREATE/DROP); `None` outside a server.
    pub continuous_queries: Option<std::sync::Arc<crate::cq::ContinuousQueryService>>,
    /// Set when a continuous query runs in a group of CQs over the same window: its first data
    /// scan is shared with the group (`cq/shared_scan.rs`).
    pub shared_scan: Option<std::sync::Arc<crate::cq::Participant>>,
}

/// Executes `statements` in order; see the module invariants for error handling.
pub fn execute(
    engine: &dyn Store,
    statements: &[Statement],
    ctx: &ExecContext,
) -> Vec<StatementResult> {
    let mut out = Vec::with_capacity(statements.len());
    execute_each(engine, statements, ctx, &mut |_, r| {
        out.push(r);
        true
    });
    out
}

/// Executes `statements` in order, handing each statement's result to `sink` as soon as it is done
/// (streamed bodies write it out before the next statement runs). When `sink` returns false (the
/// client went away) no further statement runs.
pub fn execute_each(
    engine: &dyn Store,
    statements: &[Statement],
    ctx: &ExecContext,
    sink: &mut dyn FnMut(&Statement, StatementResult) -> bool,
) {
    let mut failed = false;
    for (id, stmt) in statements.iter().enumerate() {
        if failed {
            if !sink(stmt, StatementResult::error(id, "not executed")) {
                return;
            }
            continue;
        }
        let run = ctx
            .interrupt
            .check()
            .and_then(|()| execute_statement(engine, stmt, ctx));
        let mut result = match run {
            Ok(series) => StatementResult {
                statement_id: id,
                series,
                ..Default::default()
            },
            Err(e) => {
                failed = true;
                StatementResult::error(id, e.to_string())
            }
        };
        if ctx.read_only && !stmt.is_read_only() {
            result.messages.push(Message {
                level: "warning",
                text: format!("deprecated use of '{stmt}' in a read only context, please use a POST request instead"),
            });
        }
        if !sink(stmt, result) {
            return;
        }
    }
}

fn execute_statement(
    engine: &dyn Store,
    stmt: &Statement,
    ctx: &ExecContext,
) -> Result<Vec<Series>, ExecError> {
    match stmt {
        Statement::Select(s) => select::execute_select_statement(engine, s, ctx),
        Statement::CreateDatabase(s) => meta::create_database(engine, s),
        Statement::DropDatabase(s) => meta::drop_database(engine, &s.name),
        Statement::ShowDatabases => Ok(meta::show_databases(engine)),
        Statement::ShowMeasurements(s) => schema::show_measurements(engine, s, ctx),
        Statement::ShowTagKeys(s) => schema::show_tag_keys(engine, s, ctx),
        Statement::ShowTagValues(s) => schema::show_tag_values(engine, s, ctx),
        Statement::ShowFieldKeys(s) => schema::show_field_keys(engine, s, ctx),
        Statement::ShowSeries(s) => schema::show_series(engine, s, ctx),
        Statement::ShowCardinality(s) => schema::show_cardinality(engine, s, ctx),
        Statement::DropSeries(s) => schema::drop_series(engine, s, ctx),
        Statement::DropMeasurement(s) => schema::drop_measurement(engine, &s.name, ctx),
        Statement::Delete(s) => schema::delete(engine, s, ctx),
        Statement::ShowRetentionPolicies(s) => {
            meta::show_retention_policies(engine, s.database.as_ref(), ctx)
        }
        Statement::Explain(s) => select::execute_explain(engine, s, ctx),
        Statement::ShowQueries => Ok(vec![manager(ctx)?.show()]),
        Statement::KillQuery(k) => manager(ctx)?.kill(k.query_id).map(|()| Vec::new()),
        Statement::CreateContinuousQuery(s) => {
            crate::cq::create_continuous_query(engine, s, ctx).map(|_| Vec::new())
        }
        Statement::DropContinuousQuery(s) => {
            crate::cq::drop_continuous_query(engine, s, ctx).map(|()| Vec::new())
        }
        Statement::ShowContinuousQueries => Ok(crate::cq::show_continuous_queries(engine)),
        Statement::ShowContinuousQueryStats(s) => crate::cq::show_stats_statement(engine, s, ctx),
        Statement::BackfillContinuousQuery(s) => crate::cq::backfill_statement(engine, s, ctx),
        Statement::Unsupported(u) => {
            Err(ExecError::Unsupported(format!("the statement {}", u.kind)))
        }
        Statement::CreateRetentionPolicy(s) => retention::create_retention_policy(engine, s),
        Statement::AlterRetentionPolicy(s) => retention::alter_retention_policy(engine, s),
        Statement::DropRetentionPolicy(s) => retention::drop_retention_policy(engine, s),
        Statement::ShowShards => Ok(retention::show_shards(engine)),
        Statement::ShowShardGroups => Ok(retention::show_shard_groups(engine)),
        Statement::DropShard(s) => retention::drop_shard(engine, s.id),
        Statement::CreateUser(s) => crate::auth::statements::create_user(engine, s),
        Statement::DropUser(n) => crate::auth::statements::drop_user(engine, n),
        Statement::SetPassword(s) => crate::auth::statements::set_password(engine, s),
        Statement::Grant(s) => crate::auth::statements::grant(engine, s, true),
        Statement::Revoke(s) => crate::auth::statements::grant(engine, s, false),
        Statement::ShowUsers => Ok(crate::auth::statements::show_users(engine)),
        Statement::ShowGrants(n) => crate::auth::statements::show_grants(engine, n),
    }
}

fn manager(ctx: &ExecContext) -> Result<&super::manager::QueryManager, ExecError> {
    ctx.manager
        .as_ref()
        .ok_or_else(|| ExecError::Unsupported("query management outside a server".into()))
}
