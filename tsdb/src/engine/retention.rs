//! Retention policies and shard groups: `CREATE / ALTER / DROP RETENTION POLICY`, what `SHOW SHARDS`
//! and `SHOW SHARD GROUPS` list, `DROP SHARD`, and the expiry of whole shard groups.
//!
//! Invariants:
//! 1. Every change is persisted in the meta store (`docs/format/meta.md`) before anyone sees it.
//! 2. A shard leaves in this order: under the flush lock, the flush gate and its database's write
//!    lock (so no writer holds it, no flush, delete or other drop runs) it is removed from the meta
//!    store and from the database's shard map, and the live-series set is rebuilt; then its files
//!    are deleted (after any compaction of it in progress, [`Shard::delete_files`]); then a flush
//!    moves the WAL past every record that wrote to it, so a restart cannot replay its points into
//!    a group created later for the same window.
//! 3. Schema answers (`SHOW MEASUREMENTS / TAG VALUES / SERIES`) are the index's answer intersected
//!    with the presence bitmaps of the shards in the map, so what lived only in dropped shards is
//!    gone as soon as step 2 released its locks. The live-series set (cardinality limits, index
//!    purge) is rebuilt once per database per call however many of its shards go, and the index
//!    purged once.
//! 4. A query that took a shard before it was dropped finishes on it: its segments stay
//!    memory-mapped (an unlinked file lives while mapped) and its memtables in memory.
//! 5. Expiry drops a group once `end + duration < now` (InfluxDB's `ExpiredShardGroups`); policies
//!    of infinite duration never expire. The clock is a parameter ([`Engine::enforce_retention_at`]).
//!
//! Validation and texts are InfluxDB 1.6.7's (recorded in `tests/compat/meta-session.jsonl`):
//! duration checks come before the database lookup; re-creating a policy with identical settings
//! is a no-op, with other settings `retention policy already exists`, identical but `DEFAULT` when
//! it is not the default `retention policy conflicts with an existing policy`. `DROP RETENTION
//! POLICY` is idempotent (unknown database or policy: no error) and leaves the database's default
//! pointing at a dropped default policy, so writes and queries that use the default then fail
//! with `retention policy not found: <name>`, as in 1.6.7.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::engine::{Database, Engine, LiveSeries, storage, validate_name};
use super::types::{EngineError, RetentionPolicyInfo, RetentionPolicySpec};
use super::write::now_nanos;
use crate::files::{database_dir, path_component};
use crate::meta::{DatabaseMeta, HOUR_NANOS, RetentionPolicyMeta, default_shard_group_duration};
use crate::model::Timestamp;
use crate::shard::Shard;

const DURATION_TOO_LOW: &str = "retention policy duration must be at least 1h0m0s";
const INCOMPATIBLE_DURATIONS: &str =
    "retention policy duration must be greater than the shard duration";
const ALREADY_EXISTS: &str = "retention policy already exists";
const CONFLICT: &str = "retention policy conflicts with an existing policy";

/// The clauses of `ALTER RETENTION POLICY` (durations in nanoseconds, 0 = infinite / default).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RetentionPolicyUpdate {
    pub duration: Option<i64>,
    pub replication: Option<u32>,
    /// As written: 0 picks the default for the duration, below 1 h is raised to 1 h.
    pub shard_duration: Option<i64>,
    pub make_default: bool,
}

/// One shard group (= one shard on a single node) as `SHOW SHARDS` / `SHOW SHARD GROUPS` list it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShardGroupInfo {
    /// Group id, also the id of its one shard.
    pub id: u64,
    pub database: String,
    pub retention_policy: String,
    pub start: Timestamp,
    pub end: Timestamp,
    /// `end + duration` of the policy (`end` for infinite policies): the group is dropped once
    /// this lies in the past.
    pub expiry: Timestamp,
}

/// InfluxDB's `normalisedShardDuration`: 0 → the default for `duration`, below 1 h → 1 h.
fn normalised_shard_duration(shard_duration: i64, duration: i64) -> i64 {
    if shard_duration <= 0 {
        default_shard_group_duration(duration)
    } else {
        shard_duration.max(HOUR_NANOS)
    }
}

fn check_durations(duration: i64, shard_duration: i64) -> Result<(), EngineError> {
    if duration > 0 && duration < shard_duration {
        return Err(EngineError::Invalid(INCOMPATIBLE_DURATIONS.into()));
    }
    Ok(())
}

fn check_duration_floor(duration: i64) -> Result<(), EngineError> {
    if duration != 0 && duration < HOUR_NANOS {
        return Err(EngineError::Invalid(DURATION_TOO_LOW.into()));
    }
    Ok(())
}

/// A policy from a `CREATE RETENTION POLICY` / `CREATE DATABASE … WITH` spec (name `autogen` when
/// unnamed), validated as InfluxDB does before it looks at the database; `default` is false.
pub fn check_retention_policy(
    spec: &RetentionPolicySpec,
) -> Result<RetentionPolicyInfo, EngineError> {
    let name = spec.name.clone().unwrap_or_else(|| "autogen".to_string());
    validate_name("retention policy", &name)?;
    let duration = spec.duration.unwrap_or(0);
    if duration < 0 {
        return Err(EngineError::Invalid(DURATION_TOO_LOW.into()));
    }
    check_duration_floor(duration)?;
    let replication = spec.replication.unwrap_or(1);
    if replication < 1 {
        return Err(EngineError::Invalid(
            "retention policy replication factor must be at least 1".into(),
        ));
    }
    let shard_group_duration =
        normalised_shard_duration(spec.shard_duration.unwrap_or(0), duration);
    check_durations(duration, shard_group_duration)?;
    Ok(RetentionPolicyInfo {
        name,
        duration,
        shard_group_duration,
        replication,
        default: false,
    })
}

/// `current` with `update` applied, validated as InfluxDB's `UpdateRetentionPolicy` does (after
/// the database and policy were found).
pub fn check_retention_update(
    current: &RetentionPolicyInfo,
    update: &RetentionPolicyUpdate,
) -> Result<RetentionPolicyInfo, EngineError> {
    if let Some(d) = update.duration {
        if d < 0 {
            return Err(EngineError::Invalid(DURATION_TOO_LOW.into()));
        }
        check_duration_floor(d)?;
    }
    let duration = update.duration.unwrap_or(current.duration);
    let shard_group_duration = match update.shard_duration {
        Some(sd) => normalised_shard_duration(sd, duration),
        None => current.shard_group_duration,
    };
    check_durations(duration, shard_group_duration)?;
    let replication = update.replication.unwrap_or(current.replication);
    if replication < 1 {
        return Err(EngineError::Invalid(
            "retention policy replication factor must be at least 1".into(),
        ));
    }
    Ok(RetentionPolicyInfo {
        name: current.name.clone(),
        duration,
        shard_group_duration,
        replication,
        default: current.default || update.make_default,
    })
}

/// Builds a new policy's metadata from a spec (see [`check_retention_policy`]).
pub(super) fn new_retention_policy(
    spec: &RetentionPolicySpec,
) -> Result<RetentionPolicyMeta, EngineError> {
    let info = check_retention_policy(spec)?;
    Ok(RetentionPolicyMeta {
        name: info.name,
        duration: info.duration,
        shard_group_duration: info.shard_group_duration,
        replication: info.replication,
        shard_groups: Vec::new(),
    })
}

fn info_of(r: &RetentionPolicyMeta, default: bool) -> RetentionPolicyInfo {
    RetentionPolicyInfo {
        name: r.name.clone(),
        duration: r.duration,
        shard_group_duration: r.shard_group_duration,
        replication: r.replication,
        default,
    }
}

impl Engine {
    /// `CREATE RETENTION POLICY` (`spec.name` is the policy's name; `make_default` = `DEFAULT`).
    pub fn create_retention_policy(
        &self,
        db: &str,
        spec: &RetentionPolicySpec,
        make_default: bool,
    ) -> Result<(), EngineError> {
        let rp = new_retention_policy(spec)?;
        self.meta.update(|m| {
            let d = m
                .database_mut(db)
                .ok_or_else(|| EngineError::DatabaseNotFound(db.to_string()))?;
            if let Some(e) = d.retention_policy(&rp.name) {
                if e.duration != rp.duration
                    || e.shard_group_duration != rp.shard_group_duration
                    || e.replication != rp.replication
                {
                    return Err(EngineError::Invalid(ALREADY_EXISTS.into()));
                }
                if make_default && d.default_rp != rp.name {
                    return Err(EngineError::Invalid(CONFLICT.into()));
                }
                return Ok(((), false));
            }
            if make_default {
                d.default_rp = rp.name.clone();
            }
            d.retention_policies.push(rp.clone());
            Ok(((), true))
        })
    }

    /// `ALTER RETENTION POLICY`: new groups use a changed shard duration, existing ones keep
    /// their bounds; a shorter duration takes effect at the next expiry check.
    pub fn alter_retention_policy(
        &self,
        db: &str,
        name: &str,
        update: &RetentionPolicyUpdate,
    ) -> Result<(), EngineError> {
        self.meta.update(|m| {
            let d = m
                .database_mut(db)
                .ok_or_else(|| EngineError::DatabaseNotFound(db.to_string()))?;
            let is_default = d.default_rp == name;
            let r = d
                .retention_policy_mut(name)
                .ok_or_else(|| EngineError::RetentionPolicyNotFound(name.to_string()))?;
            let new = check_retention_update(&info_of(r, is_default), update)?;
            let mut changed = r.duration != new.duration
                || r.shard_group_duration != new.shard_group_duration
                || r.replication != new.replication;
            r.duration = new.duration;
            r.shard_group_duration = new.shard_group_duration;
            r.replication = new.replication;
            if update.make_default && !is_default {
                d.default_rp = name.to_string();
                changed = true;
            }
            Ok(((), changed))
        })
    }

    /// `DROP RETENTION POLICY` (idempotent): removes the policy, its shards' files and their
    /// series' presence (module invariant 2). The database's default is left as it was.
    pub fn drop_retention_policy(&self, db: &str, name: &str) -> Result<(), EngineError> {
        let Some(dbh) = self.database(db) else {
            return Ok(());
        };
        let dropped = self.drop_shards_where(&dbh, |d| {
            let Some(pos) = d.retention_policies.iter().position(|r| r.name == name) else {
                return (Vec::new(), false);
            };
            let r = d.retention_policies.remove(pos);
            (r.shard_groups.iter().map(|g| g.id).collect(), true)
        })?;
        // The policy's directory, now empty unless a policy of the same name was created since.
        let _ =
            std::fs::remove_dir(database_dir(&self.config.data_dir, db).join(path_component(name)));
        if dropped > 0 {
            self.flush()?;
        }
        Ok(())
    }

    /// Every shard group: databases in creation order, their policies in creation order, groups
    /// by end time then id (InfluxDB's order for `SHOW SHARDS` and `SHOW SHARD GROUPS`).
    pub fn shard_groups(&self) -> Vec<ShardGroupInfo> {
        self.meta.read(|m| {
            let mut out = Vec::new();
            for d in &m.databases {
                for r in &d.retention_policies {
                    let mut groups: Vec<_> = r.shard_groups.iter().collect();
                    groups.sort_by_key(|g| (g.end, g.id));
                    out.extend(groups.into_iter().map(|g| ShardGroupInfo {
                        id: g.id,
                        database: d.name.clone(),
                        retention_policy: r.name.clone(),
                        start: g.start,
                        end: g.end,
                        expiry: g.end.saturating_add(r.duration),
                    }));
                }
            }
            out
        })
    }

    /// `DROP SHARD id` (idempotent; an unknown id is no error): its files and its series' presence
    /// go (module invariant 2). A later write into its window creates a new group.
    pub fn drop_shard(&self, id: u64) -> Result<(), EngineError> {
        let owner = self.meta.read(|m| {
            m.databases
                .iter()
                .find(|d| {
                    d.retention_policies
                        .iter()
                        .any(|r| r.shard_groups.iter().any(|g| g.id == id))
                })
                .map(|d| d.name.clone())
        });
        let Some(dbh) = owner.and_then(|db| self.database(&db)) else {
            return Ok(());
        };
        let dropped = self.drop_shards_where(&dbh, |d| remove_groups(d, &[id]))?;
        if dropped > 0 {
            self.flush()?;
        }
        Ok(())
    }

    /// Drops the shard groups that expired by the wall clock ([`Engine::enforce_retention_at`]).
    pub fn enforce_retention(&self) -> Result<usize, EngineError> {
        self.enforce_retention_at(now_nanos())
    }

    /// Drops every shard group whose `end + duration` lies before `now` (module invariant 5);
    /// returns how many went. One live-set rebuild per database and one flush for all of them.
    pub fn enforce_retention_at(&self, now: Timestamp) -> Result<usize, EngineError> {
        let expired: BTreeMap<String, Vec<u64>> = self.meta.read(|m| {
            let mut out: BTreeMap<String, Vec<u64>> = BTreeMap::new();
            for d in &m.databases {
                for r in d.retention_policies.iter().filter(|r| r.duration > 0) {
                    for g in &r.shard_groups {
                        if g.end.saturating_add(r.duration) < now {
                            out.entry(d.name.clone()).or_default().push(g.id);
                        }
                    }
                }
            }
            out
        });
        let mut total = 0;
        for (db, ids) in &expired {
            if let Some(dbh) = self.database(db) {
                total += self.drop_shards_where(&dbh, |d| remove_groups(d, ids))?;
            }
        }
        if total > 0 {
            tracing::info!(shards = total, "dropped expired shard groups");
            self.flush()?;
        }
        Ok(total)
    }

    /// Module invariant 2 for one database: `edit` takes groups out of its metadata and returns
    /// their ids (and whether it changed anything); their shards are then removed, the live set
    /// rebuilt once, the files deleted and the index purged once. Returns the number of shards
    /// removed. The caller flushes.
    fn drop_shards_where(
        &self,
        dbh: &Arc<Database>,
        edit: impl FnOnce(&mut DatabaseMeta) -> (Vec<u64>, bool),
    ) -> Result<usize, EngineError> {
        let removed: Vec<Arc<Shard>>;
        let mut live_changed = false;
        {
            // Lock order as everywhere: flush lock, flush gate, database write lock.
            let _flush = self.flush_lock.lock();
            let _gate = self.flush_gate.read();
            let mut live = dbh.write_lock.lock();
            let ids = self.meta.update(|m| {
                let Some(d) = m.database_mut(&dbh.name) else {
                    return Ok::<_, EngineError>((Vec::new(), false));
                };
                Ok(edit(d))
            })?;
            let mut shards = dbh.shards.write();
            removed = ids.iter().filter_map(|id| shards.remove(id)).collect();
            if !removed.is_empty() {
                let before = live.total;
                *live = LiveSeries::rebuild(&shards);
                live_changed = live.total != before;
            }
        }
        for s in &removed {
            s.delete_files().map_err(storage)?;
        }
        if live_changed {
            // Purge series left without data from the index (without the write lock: the index
            // asks for the live set itself, after its freeze).
            dbh.maintain_index(true, true)?;
        }
        Ok(removed.len())
    }
}

/// Removes the groups `ids` from whichever policy of `d` holds them.
fn remove_groups(d: &mut DatabaseMeta, ids: &[u64]) -> (Vec<u64>, bool) {
    let mut removed = Vec::new();
    for r in &mut d.retention_policies {
        r.shard_groups.retain(|g| {
            let hit = ids.contains(&g.id);
            if hit {
                removed.push(g.id);
            }
            !hit
        });
    }
    let changed = !removed.is_empty();
    (removed, changed)
}
