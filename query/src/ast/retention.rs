//! Retention-policy and shard statements.

use std::fmt;

use super::quote::quote_ident;
use crate::time::format_influxql_duration;

/// `CREATE RETENTION POLICY name ON db DURATION d REPLICATION n [SHARD DURATION d] [DEFAULT]`.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct CreateRetentionPolicyStatement {
    pub name: String,
    pub database: String,
    /// Nanoseconds; `INF` is 0.
    pub duration: i64,
    pub replication: u32,
    /// As written (a value below 1 h is raised when the policy is stored, not here).
    pub shard_duration: Option<i64>,
    pub default: bool,
}

/// `ALTER RETENTION POLICY name ON db [DURATION d] [REPLICATION n] [SHARD DURATION d] [DEFAULT]`
/// (at least one clause, any order).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct AlterRetentionPolicyStatement {
    pub name: String,
    pub database: String,
    pub duration: Option<i64>,
    pub replication: Option<u32>,
    pub shard_duration: Option<i64>,
    pub default: bool,
}

/// `DROP RETENTION POLICY name ON db`.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct DropRetentionPolicyStatement {
    pub name: String,
    pub database: String,
}

/// `DROP SHARD id`.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct DropShardStatement {
    pub id: u64,
}

fn on(f: &mut fmt::Formatter<'_>, name: &str, db: &str) -> fmt::Result {
    quote_ident(f, name)?;
    f.write_str(" ON ")?;
    quote_ident(f, db)
}

impl fmt::Display for CreateRetentionPolicyStatement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CREATE RETENTION POLICY ")?;
        on(f, &self.name, &self.database)?;
        write!(
            f,
            " DURATION {} REPLICATION {}",
            format_influxql_duration(self.duration),
            self.replication
        )?;
        if let Some(d) = self.shard_duration {
            write!(f, " SHARD DURATION {}", format_influxql_duration(d))?;
        }
        if self.default {
            f.write_str(" DEFAULT")?;
        }
        Ok(())
    }
}

impl fmt::Display for AlterRetentionPolicyStatement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ALTER RETENTION POLICY ")?;
        on(f, &self.name, &self.database)?;
        if let Some(d) = self.duration {
            write!(f, " DURATION {}", format_influxql_duration(d))?;
        }
        if let Some(r) = self.replication {
            write!(f, " REPLICATION {r}")?;
        }
        if let Some(d) = self.shard_duration {
            write!(f, " SHARD DURATION {}", format_influxql_duration(d))?;
        }
        if self.default {
            f.write_str(" DEFAULT")?;
        }
        Ok(())
    }
}

impl fmt::Display for DropRetentionPolicyStatement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DROP RETENTION POLICY ")?;
        on(f, &self.name, &self.database)
    }
}

impl fmt::Display for DropShardStatement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DROP SHARD {}", self.id)
    }
}
