//! Continuous-query statements, InfluxDB's and taildb's extensions.

use std::fmt;

use super::expr::Expr;
use super::quote::quote_ident;
use super::select::SelectStatement;
use crate::time::format_influxql_duration;

/// `CREATE CONTINUOUS QUERY name ON db [RESAMPLE [EVERY d] [FOR d]] BEGIN <select> END`.
///
/// The select has an INTO clause and `GROUP BY time(…)` (the parser insists, as InfluxDB's does).
/// Printing gives InfluxDB's stored form once the executor has filled in database and retention
/// policy of INTO and FROM (`SHOW CONTINUOUS QUERIES` lists that text).
#[derive(Clone, Debug, PartialEq)]
pub struct CreateContinuousQueryStatement {
    pub name: String,
    pub database: String,
    /// `RESAMPLE EVERY`, nanoseconds.
    pub resample_every: Option<i64>,
    /// `RESAMPLE FOR`, nanoseconds.
    pub resample_for: Option<i64>,
    pub select: Box<SelectStatement>,
}

/// `DROP CONTINUOUS QUERY name ON db`.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct DropContinuousQueryStatement {
    pub name: String,
    pub database: String,
}

/// taildb extension: `SHOW CONTINUOUS QUERY STATS [ON db]` — per continuous query its last run,
/// windows computed, late windows repaired, points written, errors and durations.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ShowContinuousQueryStatsStatement {
    pub database: Option<String>,
}

/// taildb extension: `BACKFILL CONTINUOUS QUERY name ON db WHERE <time range>` — computes every
/// window of the query that overlaps the range (`time >= a AND time < b`, any time expressions
/// a WHERE clause accepts), as the scheduler would, and reports what it wrote.
#[derive(Clone, Debug, PartialEq)]
pub struct BackfillContinuousQueryStatement {
    pub name: String,
    pub database: String,
    pub condition: Expr,
}

fn on(f: &mut fmt::Formatter<'_>, name: &str, db: &str) -> fmt::Result {
    quote_ident(f, name)?;
    f.write_str(" ON ")?;
    quote_ident(f, db)
}

impl fmt::Display for CreateContinuousQueryStatement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CREATE CONTINUOUS QUERY ")?;
        on(f, &self.name, &self.database)?;
        if self.resample_every.is_some() || self.resample_for.is_some() {
            f.write_str(" RESAMPLE")?;
            if let Some(e) = self.resample_every {
                write!(f, " EVERY {}", format_influxql_duration(e))?;
            }
            if let Some(d) = self.resample_for {
                write!(f, " FOR {}", format_influxql_duration(d))?;
            }
        }
        // 1.6.7 prints the SELECT's `tz()` clause upper case inside a CQ (`TZ('…')`); it is the
        // last clause of the SELECT.
        let select = self.select.to_string();
        match (&self.select.timezone, select.rfind(" tz(")) {
            (Some(_), Some(p)) => write!(f, " BEGIN {} TZ({} END", &select[..p], &select[p + 4..]),
            _ => write!(f, " BEGIN {select} END"),
        }
    }
}

impl fmt::Display for DropContinuousQueryStatement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DROP CONTINUOUS QUERY ")?;
        on(f, &self.name, &self.database)
    }
}

impl fmt::Display for ShowContinuousQueryStatsStatement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SHOW CONTINUOUS QUERY STATS")?;
        if let Some(db) = &self.database {
            f.write_str(" ON ")?;
            quote_ident(f, db)?;
        }
        Ok(())
    }
}

impl fmt::Display for BackfillContinuousQueryStatement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BACKFILL CONTINUOUS QUERY ")?;
        on(f, &self.name, &self.database)?;
        write!(f, " WHERE {}", self.condition)
    }
}
