//! Database and schema statements.

use tsdb::engine::RetentionPolicySpec;

use super::store::Store;

use super::error::ExecError;
use super::executor::ExecContext;
use super::schema::database;
use crate::ast::CreateDatabaseStatement;
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
