//! Database and schema statements.

use tsdb::engine::RetentionPolicySpec;

use super::store::Store;

use super::error::ExecError;
use super::executor::ExecContext;
use crate::ast::{CreateDatabaseStatement, NamePattern, ShowMeasurementsStatement};
use crate::response::{Series, Value};
use crate::time::format_go_duration;

pub(crate) fn show_databases(engine: &dyn Store) -> Vec<Series> {
    let values = engine
        .databases()
        .into_iter()
        .map(|d| vec![Value::Str(d)])
        .collect();
    vec![Series {
        name: Some("databases".into()),
        tags: Vec::new(),
        columns: vec!["name".into()],
        values,
    }]
}

pub(crate) fn create_database(
    engine: &dyn Store,
    s: &CreateDatabaseStatement,
) -> Result<Vec<Series>, ExecError> {
    let spec = s.with.then(|| RetentionPolicySpec {
        name: s.rp_name.clone(),
        duration: s.duration,
        replication: s.replication,
        shard_duration: s.shard_duration,
    });
    engine.create_database(&s.name, spec)?;
    Ok(Vec::new())
}

pub(crate) fn drop_database(engine: &dyn Store, name: &str) -> Result<Vec<Series>, ExecError> {
    engine.drop_database(name)?;
    Ok(Vec::new())
}

fn database(
    explicit: Option<&String>,
    ctx: &ExecContext,
    engine: &dyn Store,
) -> Result<String, ExecError> {
    let db = explicit
        .cloned()
        .or_else(|| ctx.database.clone())
        .ok_or(ExecError::DatabaseNameRequired)?;
    if !engine.database_exists(&db) {
        return Err(ExecError::DatabaseNotFound(db));
    }
    Ok(db)
}

pub(crate) fn show_measurements(
    engine: &dyn Store,
    s: &ShowMeasurementsStatement,
    ctx: &ExecContext,
) -> Result<Vec<Series>, ExecError> {
    let db = database(s.database.as_ref(), ctx, engine)?;
    if s.condition.is_some() {
        return Err(ExecError::Unsupported("SHOW MEASUREMENTS … WHERE".into()));
    }
    let re = match &s.with_measurement {
        Some(NamePattern::Regex(r)) => Some(
            regex::Regex::new(r).map_err(|e| ExecError::Invalid(format!("invalid regex: {e}")))?,
        ),
        _ => None,
    };
    let values: Vec<Vec<Value>> = engine
        .measurements(&db)?
        .into_iter()
        .filter(|m| match &s.with_measurement {
            Some(NamePattern::Name(n)) => m == n,
            Some(NamePattern::Regex(_)) => re.as_ref().is_some_and(|re| re.is_match(m)),
            None => true,
        })
        .skip(s.offset.unwrap_or(0) as usize)
        .take(s.limit.map_or(usize::MAX, |l| l as usize))
        .map(|m| vec![Value::Str(m)])
        .collect();
    if values.is_empty() {
        return Ok(Vec::new());
    }
    Ok(vec![Series {
        name: Some("measurements".into()),
        tags: Vec::new(),
        columns: vec!["name".into()],
        values,
    }])
}

pub(crate) fn show_retention_policies(
    engine: &dyn Store,
    on: Option<&String>,
    ctx: &ExecContext,
) -> Result<Vec<Series>, ExecError> {
    let db = database(on, ctx, engine)?;
    let values = engine
        .retention_policies(&db)?
        .into_iter()
        .map(|rp| {
            vec![
                Value::Str(rp.name),
                Value::Str(format_go_duration(rp.duration)),
                Value::Str(format_go_duration(rp.shard_group_duration)),
                Value::Int(i64::from(rp.replication)),
                Value::Bool(rp.default),
            ]
        })
        .collect();
    let columns = [
        "name",
        "duration",
        "shardGroupDuration",
        "replicaN",
        "default",
    ]
    .map(String::from)
    .to_vec();
    Ok(vec![Series {
        name: None,
        tags: Vec::new(),
        columns,
        values,
    }])
}
