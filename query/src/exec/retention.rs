//! Retention-policy and shard statements: `CREATE / ALTER / DROP RETENTION POLICY`, `SHOW SHARDS`,
//! `SHOW SHARD GROUPS`, `DROP SHARD`, with InfluxDB 1.6.7's result shapes (recorded in
//! `tests/compat/meta-session.jsonl`).
//!
//! `SHOW SHARDS` answers one series per database, named after it — databases without shards too
//! (columns, no values) — with rows in InfluxDB's order: policies in creation order, groups by end
//! time then id. `owners` is empty (one node). `SHOW SHARD GROUPS` is one series `shard groups`.
//! Times are RFC3339 strings whatever the request's `epoch`, as InfluxDB prints them.

use tsdb::engine::{RetentionPolicySpec, RetentionPolicyUpdate, ShardGroupInfo};

use super::error::ExecError;
use super::store::Store;
use crate::ast::{
    AlterRetentionPolicyStatement, CreateRetentionPolicyStatement, DropRetentionPolicyStatement,
};
use crate::response::{Series, Value};
use crate::time::write_rfc3339_nano;

const SHARD_COLUMNS: [&str; 8] = [
    "id",
    "database",
    "retention_policy",
    "shard_group",
    "start_time",
    "end_time",
    "expiry_time",
    "owners",
];
const GROUP_COLUMNS: [&str; 6] = [
    "id",
    "database",
    "retention_policy",
    "start_time",
    "end_time",
    "expiry_time",
];

pub(crate) fn create_retention_policy(
    store: &dyn Store,
    s: &CreateRetentionPolicyStatement,
) -> Result<Vec<Series>, ExecError> {
    let spec = RetentionPolicySpec {
        name: Some(s.name.clone()),
        duration: Some(s.duration),
        replication: Some(s.replication),
        shard_duration: s.shard_duration,
    };
    store.create_retention_policy(&s.database, &spec, s.default)?;
    Ok(Vec::new())
}

pub(crate) fn alter_retention_policy(
    store: &dyn Store,
    s: &AlterRetentionPolicyStatement,
) -> Result<Vec<Series>, ExecError> {
    let update = RetentionPolicyUpdate {
        duration: s.duration,
        replication: s.replication,
        shard_duration: s.shard_duration,
        make_default: s.default,
    };
    store.alter_retention_policy(&s.database, &s.name, &update)?;
    Ok(Vec::new())
}

pub(crate) fn drop_retention_policy(
    store: &dyn Store,
    s: &DropRetentionPolicyStatement,
) -> Result<Vec<Series>, ExecError> {
    store.drop_retention_policy(&s.database, &s.name)?;
    Ok(Vec::new())
}

pub(crate) fn drop_shard(store: &dyn Store, id: u64) -> Result<Vec<Series>, ExecError> {
    store.drop_shard(id)?;
    Ok(Vec::new())
}

/// Go's `time.RFC3339`: whole seconds, `Z`.
fn rfc3339(ts: i64) -> Value {
    let mut out = Vec::with_capacity(20);
    write_rfc3339_nano(&mut out, ts - ts.rem_euclid(1_000_000_000));
    Value::Str(String::from_utf8_lossy(&out).into_owned())
}

fn int(v: u64) -> Value {
    Value::Int(i64::try_from(v).unwrap_or(i64::MAX))
}

fn columns(names: &[&str]) -> Vec<String> {
    names.iter().map(|c| (*c).to_owned()).collect()
}

pub(crate) fn show_shards(store: &dyn Store) -> Vec<Series> {
    let groups = store.shard_groups();
    store
        .databases()
        .into_iter()
        .map(|db| {
            let values = groups
                .iter()
                .filter(|g| g.database == db)
                .map(|g: &ShardGroupInfo| {
                    vec![
                        int(g.id),
                        Value::Str(g.database.clone()),
                        Value::Str(g.retention_policy.clone()),
                        int(g.id),
                        rfc3339(g.start),
                        rfc3339(g.end),
                        rfc3339(g.expiry),
                        Value::Str(String::new()),
                    ]
                })
                .collect();
            Series {
                name: Some(db),
                tags: Vec::new(),
                columns: columns(&SHARD_COLUMNS),
                values,
            }
        })
        .collect()
}

pub(crate) fn show_shard_groups(store: &dyn Store) -> Vec<Series> {
    let values = store
        .shard_groups()
        .into_iter()
        .map(|g| {
            vec![
                int(g.id),
                Value::Str(g.database),
                Value::Str(g.retention_policy),
                rfc3339(g.start),
                rfc3339(g.end),
                rfc3339(g.expiry),
            ]
        })
        .collect();
    vec![Series {
        name: Some("shard groups".to_owned()),
        tags: Vec::new(),
        columns: columns(&GROUP_COLUMNS),
        values,
    }]
}
