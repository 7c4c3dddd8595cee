//! Statements.

use std::fmt;

use super::NamePattern;
use super::continuous::{
    BackfillContinuousQueryStatement, CreateContinuousQueryStatement, DropContinuousQueryStatement,
    ShowContinuousQueryStatsStatement,
};
use super::expr::Expr;
use super::quote::quote_ident;
use super::retention::{
    AlterRetentionPolicyStatement, CreateRetentionPolicyStatement, DropRetentionPolicyStatement,
    DropShardStatement,
};
use super::schema::{
    DeleteStatement, DropMeasurementStatement, DropSeriesStatement, ShowCardinalityStatement,
    ShowFieldKeysStatement, ShowSeriesStatement, ShowTagKeysStatement, ShowTagValuesStatement,
};
use super::select::SelectStatement;
use super::users::{CreateUserStatement, GrantStatement, SetPasswordStatement};
use crate::time::format_influxql_duration;

/// One InfluxQL statement.
#[derive(Clone, Debug, PartialEq)]
pub enum Statement {
    Select(Box<SelectStatement>),
    CreateDatabase(CreateDatabaseStatement),
    DropDatabase(DropDatabaseStatement),
    ShowDatabases,
    ShowMeasurements(ShowMeasurementsStatement),
    ShowRetentionPolicies(ShowRetentionPoliciesStatement),
    CreateRetentionPolicy(CreateRetentionPolicyStatement),
    AlterRetentionPolicy(AlterRetentionPolicyStatement),
    DropRetentionPolicy(DropRetentionPolicyStatement),
    /// `SHOW SHARDS`.
    ShowShards,
    /// `SHOW SHARD GROUPS`.
    ShowShardGroups,
    DropShard(DropShardStatement),
    CreateContinuousQuery(CreateContinuousQueryStatement),
    DropContinuousQuery(DropContinuousQueryStatement),
    /// `SHOW CONTINUOUS QUERIES`.
    ShowContinuousQueries,
    ShowContinuousQueryStats(ShowContinuousQueryStatsStatement),
    BackfillContinuousQuery(BackfillContinuousQueryStatement),
    ShowTagKeys(ShowTagKeysStatement),
    ShowTagValues(ShowTagValuesStatement),
    ShowFieldKeys(ShowFieldKeysStatement),
    ShowSeries(ShowSeriesStatement),
    ShowCardinality(ShowCardinalityStatement),
    DropSeries(DropSeriesStatement),
    DropMeasurement(DropMeasurementStatement),
    Delete(DeleteStatement),
    /// `EXPLAIN [ANALYZE] SELECT …`.
    Explain(ExplainStatement),
    /// `SHOW QUERIES`.
    ShowQueries,
    /// `KILL QUERY n [ON host]`.
    KillQuery(KillQueryStatement),
    CreateUser(CreateUserStatement),
    /// `DROP USER name`.
    DropUser(String),
    SetPassword(SetPasswordStatement),
    Grant(GrantStatement),
    Revoke(GrantStatement),
    /// `SHOW USERS`.
    ShowUsers,
    /// `SHOW GRANTS FOR name`.
    ShowGrants(String),
    /// A valid InfluxQL statement kind that taildb does not implement yet; kept as text.
    Unsupported(UnsupportedStatement),
}

impl Statement {
    /// Whether the statement's text holds a password (`CREATE USER`, `SET PASSWORD`): its raw text
    /// must not be shown or logged, only its `Display` form, which prints `[REDACTED]`.
    pub fn has_password(&self) -> bool {
        matches!(self, Statement::CreateUser(_) | Statement::SetPassword(_))
    }

    /// Whether the statement only reads (a GET request may run it without a warning).
    pub fn is_read_only(&self) -> bool {
        match self {
            Statement::Select(s) => s.into.is_none(),
            Statement::ShowDatabases
            | Statement::ShowMeasurements(_)
            | Statement::ShowRetentionPolicies(_)
            | Statement::ShowShards
            | Statement::ShowShardGroups
            | Statement::ShowContinuousQueries
            | Statement::ShowContinuousQueryStats(_)
            | Statement::ShowTagKeys(_)
            | Statement::ShowTagValues(_)
            | Statement::ShowFieldKeys(_)
            | Statement::ShowSeries(_)
            | Statement::ShowCardinality(_)
            | Statement::Explain(_)
            | Statement::ShowQueries
            | Statement::ShowUsers
            | Statement::ShowGrants(_) => true,
            Statement::CreateUser(_)
            | Statement::DropUser(_)
            | Statement::SetPassword(_)
            | Statement::Grant(_)
            | Statement::Revoke(_) => false,
            Statement::KillQuery(_) => false,
            Statement::CreateDatabase(_)
            | Statement::DropDatabase(_)
            | Statement::DropSeries(_)
            | Statement::DropMeasurement(_)
            | Statement::Delete(_)
            | Statement::CreateRetentionPolicy(_)
            | Statement::AlterRetentionPolicy(_)
            | Statement::DropRetentionPolicy(_)
            | Statement::DropShard(_)
            | Statement::CreateContinuousQuery(_)
            | Statement::DropContinuousQuery(_)
            | Statement::BackfillContinuousQuery(_) => false,
            Statement::Unsupported(u) => u.read_only,
        }
    }
}

/// `CREATE DATABASE name [WITH [DURATION d] [REPLICATION n] [SHARD DURATION d] [NAME rp]]`.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct CreateDatabaseStatement {
    pub name: String,
    /// Whether a `WITH` clause was given.
    pub with: bool,
    /// Nanoseconds; `INF` is 0.
    pub duration: Option<i64>,
    pub replication: Option<u32>,
    pub shard_duration: Option<i64>,
    pub rp_name: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DropDatabaseStatement {
    pub name: String,
}

/// `SHOW MEASUREMENTS [ON db] [WITH MEASUREMENT =~ /re/ | = name] [WHERE cond] [LIMIT n] [OFFSET n]`.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ShowMeasurementsStatement {
    pub database: Option<String>,
    pub with_measurement: Option<NamePattern>,
    pub condition: Option<Expr>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

/// `SHOW RETENTION POLICIES [ON db]`.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ShowRetentionPoliciesStatement {
    pub database: Option<String>,
}

/// `EXPLAIN [ANALYZE] <select>`.
#[derive(Clone, Debug, PartialEq)]
pub struct ExplainStatement {
    pub analyze: bool,
    pub statement: Box<SelectStatement>,
}

/// `KILL QUERY <id> [ON <host>]`.
#[derive(Clone, Debug, PartialEq)]
pub struct KillQueryStatement {
    pub query_id: u64,
    pub host: Option<String>,
}

/// A statement recognised by its leading keywords but not implemented.
#[derive(Clone, Debug, PartialEq)]
pub struct UnsupportedStatement {
    /// The leading keywords, upper case (`SHOW TAG KEYS`).
    pub kind: String,
    /// The statement text as written, trimmed.
    pub text: String,
    pub read_only: bool,
}

impl fmt::Display for Statement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Statement::Select(s) => write!(f, "{s}"),
            Statement::CreateDatabase(s) => {
                f.write_str("CREATE DATABASE ")?;
                quote_ident(f, &s.name)?;
                if s.with {
                    f.write_str(" WITH")?;
                    if let Some(d) = s.duration {
                        write!(f, " DURATION {}", format_influxql_duration(d))?;
                    }
                    if let Some(r) = s.replication {
                        write!(f, " REPLICATION {r}")?;
                    }
                    if let Some(d) = s.shard_duration {
                        write!(f, " SHARD DURATION {}", format_influxql_duration(d))?;
                    }
                    if let Some(n) = &s.rp_name {
                        f.write_str(" NAME ")?;
                        quote_ident(f, n)?;
                    }
                }
                Ok(())
            }
            Statement::DropDatabase(s) => {
                f.write_str("DROP DATABASE ")?;
                quote_ident(f, &s.name)
            }
            Statement::ShowDatabases => f.write_str("SHOW DATABASES"),
            Statement::ShowMeasurements(s) => {
                f.write_str("SHOW MEASUREMENTS")?;
                if let Some(db) = &s.database {
                    f.write_str(" ON ")?;
                    quote_ident(f, db)?;
                }
                match &s.with_measurement {
                    Some(NamePattern::Name(n)) => {
                        f.write_str(" WITH MEASUREMENT = ")?;
                        quote_ident(f, n)?;
                    }
                    Some(NamePattern::Regex(r)) => {
                        write!(
                            f,
                            " WITH MEASUREMENT =~ {}",
                            super::Literal::Regex(r.clone())
                        )?;
                    }
                    None => {}
                }
                if let Some(c) = &s.condition {
                    write!(f, " WHERE {c}")?;
                }
                if let Some(l) = s.limit {
                    write!(f, " LIMIT {l}")?;
                }
                if let Some(o) = s.offset {
                    write!(f, " OFFSET {o}")?;
                }
                Ok(())
            }
            Statement::ShowRetentionPolicies(s) => {
                f.write_str("SHOW RETENTION POLICIES")?;
                if let Some(db) = &s.database {
                    f.write_str(" ON ")?;
                    quote_ident(f, db)?;
                }
                Ok(())
            }
            Statement::CreateRetentionPolicy(s) => write!(f, "{s}"),
            Statement::AlterRetentionPolicy(s) => write!(f, "{s}"),
            Statement::DropRetentionPolicy(s) => write!(f, "{s}"),
            Statement::ShowShards => f.write_str("SHOW SHARDS"),
            Statement::ShowShardGroups => f.write_str("SHOW SHARD GROUPS"),
            Statement::DropShard(s) => write!(f, "{s}"),
            Statement::CreateContinuousQuery(s) => write!(f, "{s}"),
            Statement::DropContinuousQuery(s) => write!(f, "{s}"),
            Statement::ShowContinuousQueries => f.write_str("SHOW CONTINUOUS QUERIES"),
            Statement::ShowContinuousQueryStats(s) => write!(f, "{s}"),
            Statement::BackfillContinuousQuery(s) => write!(f, "{s}"),
            Statement::ShowTagKeys(s) => write!(f, "{s}"),
            Statement::ShowTagValues(s) => write!(f, "{s}"),
            Statement::ShowFieldKeys(s) => write!(f, "{s}"),
            Statement::ShowSeries(s) => write!(f, "{s}"),
            Statement::ShowCardinality(s) => write!(f, "{s}"),
            Statement::DropSeries(s) => write!(f, "{s}"),
            Statement::DropMeasurement(s) => write!(f, "{s}"),
            Statement::Delete(s) => write!(f, "{s}"),
            Statement::Explain(s) => {
                f.write_str(if s.analyze {
                    "EXPLAIN ANALYZE "
                } else {
                    "EXPLAIN "
                })?;
                write!(f, "{}", s.statement)
            }
            Statement::ShowQueries => f.write_str("SHOW QUERIES"),
            Statement::KillQuery(s) => {
                write!(f, "KILL QUERY {}", s.query_id)?;
                if let Some(h) = &s.host {
                    f.write_str(" ON ")?;
                    quote_ident(f, h)?;
                }
                Ok(())
            }
            Statement::CreateUser(s) => write!(f, "{s}"),
            Statement::DropUser(n) => {
                f.write_str("DROP USER ")?;
                quote_ident(f, n)
            }
            Statement::SetPassword(s) => write!(f, "{s}"),
            Statement::Grant(s) => s.write(f, true),
            Statement::Revoke(s) => s.write(f, false),
            Statement::ShowUsers => f.write_str("SHOW USERS"),
            Statement::ShowGrants(n) => {
                f.write_str("SHOW GRANTS FOR ")?;
                quote_ident(f, n)
            }
            Statement::Unsupported(u) => f.write_str(&u.text),
        }
    }
}
