//! Schema exploration and deletes: `SHOW MEASUREMENTS|TAG KEYS|TAG VALUES|FIELD KEYS|SERIES`, the
//! cardinality statements, `DROP SERIES`, `DROP MEASUREMENT` and `DELETE`, on the [`Store`]'s
//! `schema_*` methods, with InfluxDB 1.x's result shapes (reference §5.2).
//!
//! Scopes follow what InfluxDB 1.6.7 (tsi1) answers: `SHOW MEASUREMENTS`, `SHOW TAG KEYS` and the
//! estimated series/measurement cardinalities look at every retention policy; the other
//! statements at the policy of the source (`rp.m`), else the request's `rp`, else the default one.
//! A time bound in WHERE narrows the scope to the shards it touches.

use std::collections::BTreeMap;

use tsdb::{IndexScope, TagPredicate, TagRegex};

use super::condition::{FieldRule, TagCondition, tag_condition};
use super::error::ExecError;
use super::executor::ExecContext;
use super::store::Store;
use crate::ast::{
    CardinalityKind, DeleteStatement, DropSeriesStatement, Expr, MeasurementName, NamePattern,
    ShowCardinalityStatement, ShowFieldKeysStatement, ShowMeasurementsStatement,
    ShowSeriesStatement, ShowTagKeysStatement, ShowTagValuesStatement, TagKeyMatch,
};
use crate::response::{Series, Value};

/// The statement's database: `ON db`, else the request's; it must exist.
pub(crate) fn database(
    explicit: Option<&String>,
    ctx: &ExecContext,
    store: &dyn Store,
) -> Result<String, ExecError> {
    let db = explicit
        .cloned()
        .or_else(|| ctx.database.clone())
        .ok_or(ExecError::DatabaseNameRequired)?;
    if !store.database_exists(&db) {
        return Err(ExecError::DatabaseNotFound(db));
    }
    Ok(db)
}

/// The request's `rp`, else the database's default policy.
fn default_rp(store: &dyn Store, db: &str, ctx: &ExecContext) -> Result<Option<String>, ExecError> {
    if let Some(rp) = &ctx.retention_policy {
        return Ok(Some(rp.clone()));
    }
    Ok(store
        .retention_policies(db)?
        .into_iter()
        .find(|rp| rp.default)
        .map(|rp| rp.name))
}

/// `LIMIT`/`OFFSET` over `items`; `LIMIT 0` means no limit, as in InfluxQL.
fn paginate<T>(items: Vec<T>, limit: Option<u64>, offset: Option<u64>) -> Vec<T> {
    let offset = usize::try_from(offset.unwrap_or(0)).unwrap_or(usize::MAX);
    let limit = match limit {
        Some(0) | None => usize::MAX,
        Some(l) => usize::try_from(l).unwrap_or(usize::MAX),
    };
    items.into_iter().skip(offset).take(limit).collect()
}

fn compile(pattern: &str) -> Result<TagRegex, ExecError> {
    TagRegex::new(pattern).map_err(ExecError::Invalid)
}

/// A SHOW statement's WHERE: fields are names like any other (InfluxDB's index has no fields).
fn show_condition(cond: Option<&Expr>, ctx: &ExecContext) -> Result<TagCondition, ExecError> {
    tag_condition(cond, ctx.now, &|_| false, FieldRule::AsTags)
}

/// Which retention policies a SHOW statement looks at (recorded from 1.6.7, module docs).
#[derive(Clone, Copy)]
enum Policies {
    Every,
    Default,
}

/// The common start of a SHOW statement: its database, its WHERE as tags + time, and the scope;
/// `None` when the time range is empty (nothing to show).
fn prepare(
    store: &dyn Store,
    database_name: Option<&String>,
    condition: Option<&Expr>,
    ctx: &ExecContext,
    policies: Policies,
) -> Result<Option<(TagCondition, IndexScope)>, ExecError> {
    let db = database(database_name, ctx, store)?;
    let c = show_condition(condition, ctx)?;
    if c.is_empty_range() {
        return Ok(None);
    }
    let rp = match policies {
        Policies::Every => None,
        Policies::Default => default_rp(store, &db, ctx)?,
    };
    let base = scope(&db, rp, &c);
    Ok(Some((c, base)))
}

fn scope(db: &str, rp: Option<String>, c: &TagCondition) -> IndexScope {
    IndexScope {
        database: db.to_owned(),
        retention_policy: rp,
        min_time: c.min_time,
        max_time: c.max_time,
    }
}

/// The measurements a statement covers, sorted, each with its scope: the FROM sources (regexes
/// expanded over the measurements in scope), or every measurement in `base` with a series
/// matching `predicate`.
fn targets(
    store: &dyn Store,
    base: &IndexScope,
    sources: &[MeasurementName],
    predicate: &TagPredicate,
) -> Result<Vec<(String, IndexScope)>, ExecError> {
    let mut out: BTreeMap<String, IndexScope> = BTreeMap::new();
    if sources.is_empty() {
        for m in store.schema_measurements(base, predicate)? {
            out.entry(m).or_insert_with(|| base.clone());
        }
    }
    for src in sources {
        let mut sc = base.clone();
        if let Some(db) = &src.database {
            if !store.database_exists(db) {
                return Err(ExecError::DatabaseNotFound(db.clone()));
            }
            sc.database = db.clone();
        }
        if let Some(rp) = &src.retention_policy {
            sc.retention_policy = Some(rp.clone());
        }
        match &src.name {
            NamePattern::Name(n) => {
                out.entry(n.clone()).or_insert(sc);
            }
            NamePattern::Regex(r) => {
                let re = compile(r)?;
                for m in store.schema_measurements(&sc, &TagPredicate::All)? {
                    if re.is_match(&m) {
                        out.entry(m).or_insert_with(|| sc.clone());
                    }
                }
            }
        }
    }
    Ok(out.into_iter().collect())
}

fn series(name: Option<&str>, columns: &[&str], values: Vec<Vec<Value>>) -> Series {
    Series {
        name: name.map(str::to_owned),
        tags: Vec::new(),
        columns: columns.iter().map(|c| (*c).to_owned()).collect(),
        values,
    }
}

fn count_row(n: u64) -> Vec<Value> {
    vec![Value::Int(i64::try_from(n).unwrap_or(i64::MAX))]
}

pub(crate) fn show_measurements(
    store: &dyn Store,
    s: &ShowMeasurementsStatement,
    ctx: &ExecContext,
) -> Result<Vec<Series>, ExecError> {
    let db = database(s.database.as_ref(), ctx, store)?;
    let c = show_condition(s.condition.as_ref(), ctx)?;
    if c.has_time {
        return Err(ExecError::Invalid(
            "SHOW MEASUREMENTS doesn't support time in WHERE clause".into(),
        ));
    }
    let re = match &s.with_measurement {
        Some(NamePattern::Regex(r)) => Some(compile(r)?),
        _ => None,
    };
    let names: Vec<String> = store
        .schema_measurements(&IndexScope::all_time(&db), &c.predicate)?
        .into_iter()
        .filter(|m| match &s.with_measurement {
            Some(NamePattern::Name(n)) => m == n,
            Some(NamePattern::Regex(_)) => re.as_ref().is_some_and(|re| re.is_match(m)),
            None => true,
        })
        .collect();
    let values: Vec<Vec<Value>> = paginate(names, s.limit, s.offset)
        .into_iter()
        .map(|m| vec![Value::Str(m)])
        .collect();
    if values.is_empty() {
        return Ok(Vec::new());
    }
    Ok(vec![series(Some("measurements"), &["name"], values)])
}

pub(crate) fn show_tag_keys(
    store: &dyn Store,
    s: &ShowTagKeysStatement,
    ctx: &ExecContext,
) -> Result<Vec<Series>, ExecError> {
    let Some((c, base)) = prepare(
        store,
        s.database.as_ref(),
        s.condition.as_ref(),
        ctx,
        Policies::Every,
    )?
    else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for (m, sc) in targets(store, &base, &s.sources, &c.predicate)? {
        let keys = store.schema_tag_keys(&sc, &m, &c.predicate)?;
        let values: Vec<Vec<Value>> = paginate(keys, s.limit, s.offset)
            .into_iter()
            .map(|k| vec![Value::Str(k)])
            .collect();
        if !values.is_empty() {
            out.push(series(Some(&m), &["tagKey"], values));
        }
    }
    Ok(out)
}

/// The tag keys of `m` in scope that `key` selects, sorted.
fn matching_keys(
    store: &dyn Store,
    sc: &IndexScope,
    m: &str,
    key: &TagKeyMatch,
    predicate: &TagPredicate,
) -> Result<Vec<String>, ExecError> {
    if let Some(keys) = key.literal_keys() {
        return Ok(keys);
    }
    let re = match key {
        TagKeyMatch::Regex(r) | TagKeyMatch::NotRegex(r) => Some(compile(r)?),
        _ => None,
    };
    Ok(store
        .schema_tag_keys(sc, m, predicate)?
        .into_iter()
        .filter(|k| match (key, &re) {
            (TagKeyMatch::Ne(x), _) => k != x,
            (TagKeyMatch::Regex(_), Some(re)) => re.is_match(k),
            (TagKeyMatch::NotRegex(_), Some(re)) => !re.is_match(k),
            _ => false,
        })
        .collect())
}

pub(crate) fn show_tag_values(
    store: &dyn Store,
    s: &ShowTagValuesStatement,
    ctx: &ExecContext,
) -> Result<Vec<Series>, ExecError> {
    let Some((c, base)) = prepare(
        store,
        s.database.as_ref(),
        s.condition.as_ref(),
        ctx,
        Policies::Default,
    )?
    else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for (m, sc) in targets(store, &base, &s.sources, &c.predicate)? {
        let mut rows = Vec::new();
        for k in matching_keys(store, &sc, &m, &s.key, &c.predicate)? {
            for v in store.schema_tag_values(&sc, &m, &k, &c.predicate)? {
                rows.push(vec![Value::Str(k.clone()), Value::Str(v)]);
            }
        }
        let rows = paginate(rows, s.limit, s.offset);
        if !rows.is_empty() {
            out.push(series(Some(&m), &["key", "value"], rows));
        }
    }
    Ok(out)
}

pub(crate) fn show_field_keys(
    store: &dyn Store,
    s: &ShowFieldKeysStatement,
    ctx: &ExecContext,
) -> Result<Vec<Series>, ExecError> {
    let db = database(s.database.as_ref(), ctx, store)?;
    let base = IndexScope {
        retention_policy: default_rp(store, &db, ctx)?,
        ..IndexScope::all_time(&db)
    };
    let mut out = Vec::new();
    for (m, sc) in targets(store, &base, &s.sources, &TagPredicate::All)? {
        let fields = store.field_keys(&sc.database, sc.retention_policy.as_deref(), &m)?;
        let rows: Vec<Vec<Value>> = paginate(fields, s.limit, s.offset)
            .into_iter()
            .map(|(f, t)| vec![Value::Str(f), Value::Str(t.name().to_owned())])
            .collect();
        if !rows.is_empty() {
            out.push(series(Some(&m), &["fieldKey", "fieldType"], rows));
        }
    }
    Ok(out)
}

pub(crate) fn show_series(
    store: &dyn Store,
    s: &ShowSeriesStatement,
    ctx: &ExecContext,
) -> Result<Vec<Series>, ExecError> {
    let Some((c, base)) = prepare(
        store,
        s.database.as_ref(),
        s.condition.as_ref(),
        ctx,
        Policies::Default,
    )?
    else {
        return Ok(Vec::new());
    };
    let mut keys = Vec::new();
    for (m, sc) in targets(store, &base, &s.sources, &c.predicate)? {
        keys.extend(store.schema_series(&sc, &m, &c.predicate)?);
    }
    let rows: Vec<Vec<Value>> = paginate(keys, s.limit, s.offset)
        .into_iter()
        .map(|k| vec![Value::Str(k)])
        .collect();
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    Ok(vec![series(None, &["key"], rows)])
}

pub(crate) fn show_cardinality(
    store: &dyn Store,
    s: &ShowCardinalityStatement,
    ctx: &ExecContext,
) -> Result<Vec<Series>, ExecError> {
    let db = database(s.database.as_ref(), ctx, store)?;
    let c = show_condition(s.condition.as_ref(), ctx)?;
    let estimated = !s.exact && s.sources.is_empty() && s.condition.is_none();
    // The estimated whole-database forms: one unnamed row over every retention policy. Ours
    // are exact counts; the column keeps InfluxDB's name.
    if estimated
        && matches!(
            s.kind,
            CardinalityKind::Series | CardinalityKind::Measurement
        )
    {
        let all = IndexScope::all_time(&db);
        let measurements = store.schema_measurements(&all, &TagPredicate::All)?;
        let n = match s.kind {
            CardinalityKind::Series => {
                let mut n = 0u64;
                for m in &measurements {
                    n += store.schema_series_count(&all, m, &TagPredicate::All)?;
                }
                n
            }
            _ => measurements.len() as u64,
        };
        let rows = paginate(vec![count_row(n)], s.limit, s.offset);
        return Ok(vec![series(None, &["cardinality estimation"], rows)]);
    }
    if c.is_empty_range() {
        return Ok(Vec::new());
    }
    let base = scope(&db, default_rp(store, &db, ctx)?, &c);
    let targets = targets(store, &base, &s.sources, &c.predicate)?;
    if s.kind == CardinalityKind::Measurement {
        let mut n = 0u64;
        for (m, sc) in &targets {
            if s.sources.is_empty() || store.schema_series_count(sc, m, &c.predicate)? > 0 {
                n += 1;
            }
        }
        let rows = paginate(vec![count_row(n)], s.limit, s.offset);
        return Ok(vec![series(None, &["count"], rows)]);
    }
    let mut out = Vec::new();
    for (m, sc) in targets {
        let n = match &s.kind {
            CardinalityKind::Series => store.schema_series_count(&sc, &m, &c.predicate)?,
            CardinalityKind::TagKey => store.schema_tag_keys(&sc, &m, &c.predicate)?.len() as u64,
            CardinalityKind::TagValues(key) => {
                let mut n = 0;
                for k in matching_keys(store, &sc, &m, key, &c.predicate)? {
                    n += store.schema_tag_value_count(&sc, &m, &k, &c.predicate)?;
                }
                n
            }
            CardinalityKind::FieldKey => store
                .field_keys(&sc.database, sc.retention_policy.as_deref(), &m)?
                .len() as u64,
            CardinalityKind::Measurement => 0,
        };
        let rows = paginate(vec![count_row(n)], s.limit, s.offset);
        if n > 0 && !rows.is_empty() {
            out.push(series(Some(&m), &["count"], rows));
        }
    }
    Ok(out)
}

/// The measurements `sources` name in `db` (regexes expanded), or `None` for "every measurement".
fn delete_targets(
    store: &dyn Store,
    db: &str,
    sources: &[MeasurementName],
) -> Result<Option<Vec<String>>, ExecError> {
    if sources.is_empty() {
        return Ok(None);
    }
    let all = IndexScope::all_time(db);
    Ok(Some(
        targets(store, &all, sources, &TagPredicate::All)?
            .into_iter()
            .map(|(m, _)| m)
            .collect(),
    ))
}

pub(crate) fn drop_series(
    store: &dyn Store,
    s: &DropSeriesStatement,
    ctx: &ExecContext,
) -> Result<Vec<Series>, ExecError> {
    let db = database(None, ctx, store)?;
    let c = show_condition(s.condition.as_ref(), ctx)?;
    if c.has_time {
        return Err(ExecError::Invalid(
            "DROP SERIES doesn't support time in WHERE clause".into(),
        ));
    }
    match delete_targets(store, &db, &s.sources)? {
        None => store.drop_series(&db, None, &c.predicate)?,
        Some(ms) => {
            for m in ms {
                store.drop_series(&db, Some(&m), &c.predicate)?;
            }
        }
    }
    Ok(Vec::new())
}

pub(crate) fn drop_measurement(
    store: &dyn Store,
    name: &str,
    ctx: &ExecContext,
) -> Result<Vec<Series>, ExecError> {
    let db = database(None, ctx, store)?;
    store.drop_measurement(&db, name)?;
    Ok(Vec::new())
}

pub(crate) fn delete(
    store: &dyn Store,
    s: &DeleteStatement,
    ctx: &ExecContext,
) -> Result<Vec<Series>, ExecError> {
    let db = database(None, ctx, store)?;
    let targets = delete_targets(store, &db, &s.sources)?;
    // Fields are refused: a name is a field if any covered measurement has it as one.
    let covered = match &targets {
        Some(ms) => ms.clone(),
        None => store.schema_measurements(&IndexScope::all_time(&db), &TagPredicate::All)?,
    };
    let mut fields = std::collections::HashSet::new();
    if s.condition.is_some() {
        for m in &covered {
            fields.extend(store.field_keys(&db, None, m)?.into_iter().map(|(f, _)| f));
        }
    }
    let c = tag_condition(
        s.condition.as_ref(),
        ctx.now,
        &|n| fields.contains(n),
        FieldRule::DeleteError,
    )?;
    if c.is_empty_range() {
        return Ok(Vec::new());
    }
    match targets {
        None => store.delete_points(&db, None, &c.predicate, c.min_time, c.max_time)?,
        Some(ms) => {
            for m in ms {
                store.delete_points(&db, Some(&m), &c.predicate, c.min_time, c.max_time)?;
            }
        }
    }
    Ok(Vec::new())
}
