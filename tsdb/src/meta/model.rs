use serde::{Deserialize, Serialize};

use crate::model::Timestamp;

pub const HOUR_NANOS: i64 = 3_600_000_000_000;
pub const DAY: i64 = 24 * HOUR_NANOS;
/// Longest database or retention policy name (InfluxDB's `MaxNameLen`).
pub const MAX_NAME_LEN: usize = 255;

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct MetaData {
    pub databases: Vec<DatabaseMeta>,
    /// Next id handed to a shard group (and its shard).
    pub next_shard_id: u64,
    /// Users in creation order (absent in files written before issue 7).
    #[serde(default)]
    pub users: Vec<UserMeta>,
}

/// A user as InfluxDB's meta store keeps it: name, password hash (an argon2 PHC string; tsdb only
/// stores it), admin flag and per-database privileges.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct UserMeta {
    pub name: String,
    pub hash: String,
    #[serde(default)]
    pub admin: bool,
    /// `(database, privilege)` in grant order; privilege is `READ`, `WRITE`, `ALL` or `NONE`.
    #[serde(default)]
    pub privileges: Vec<(String, String)>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct DatabaseMeta {
    pub name: String,
    pub default_rp: String,
    pub retention_policies: Vec<RetentionPolicyMeta>,
    /// Continuous queries in creation order (absent in files written before issue 5).
    #[serde(default)]
    pub continuous_queries: Vec<ContinuousQueryMeta>,
}

/// A continuous query's definition as InfluxDB's meta store keeps it: its name and the statement's
/// text (tsdb stores the text only; the query crate parses it).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ContinuousQueryMeta {
    pub name: String,
    pub query: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct RetentionPolicyMeta {
    pub name: String,
    /// Nanoseconds; 0 = infinite.
    pub duration: i64,
    pub shard_group_duration: i64,
    pub replication: u32,
    pub shard_groups: Vec<ShardGroupMeta>,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ShardGroupMeta {
    pub id: u64,
    pub start: Timestamp,
    pub end: Timestamp,
}

impl MetaData {
    pub fn database(&self, name: &str) -> Option<&DatabaseMeta> {
        self.databases.iter().find(|d| d.name == name)
    }

    pub fn database_mut(&mut self, name: &str) -> Option<&mut DatabaseMeta> {
        self.databases.iter_mut().find(|d| d.name == name)
    }
}

impl DatabaseMeta {
    pub fn retention_policy(&self, name: &str) -> Option<&RetentionPolicyMeta> {
        self.retention_policies.iter().find(|r| r.name == name)
    }

    pub fn retention_policy_mut(&mut self, name: &str) -> Option<&mut RetentionPolicyMeta> {
        self.retention_policies.iter_mut().find(|r| r.name == name)
    }
}

impl RetentionPolicyMeta {
    /// The shard group containing `t`, if one exists.
    pub fn shard_group_for(&self, t: Timestamp) -> Option<&ShardGroupMeta> {
        self.shard_groups.iter().find(|g| g.start <= t && t < g.end)
    }
}

/// InfluxDB's default shard-group duration for a retention duration (0 = infinite).
pub fn default_shard_group_duration(duration: i64) -> i64 {
    if duration == 0 || duration >= 180 * DAY {
        7 * DAY
    } else if duration >= 2 * DAY {
        DAY
    } else {
        HOUR_NANOS
    }
}

/// Nanoseconds from Go's zero time (0001-01-01T00:00:00Z, a Monday) to the Unix epoch.
const GO_ZERO_TO_UNIX_NANOS: i128 = 62_135_596_800 * 1_000_000_000;

/// Start of the shard group of width `duration` containing `t`: Go's `t.Truncate(duration)`, which
/// counts from year 1 rather than from the Unix epoch — so 7-day groups start on Mondays, as
/// InfluxDB's do (hour and day widths divide the offset and align to the epoch as well).
pub fn shard_group_start(t: Timestamp, duration: i64) -> Timestamp {
    if duration <= 0 {
        return t;
    }
    let abs = i128::from(t) + GO_ZERO_TO_UNIX_NANOS;
    let start = abs - abs.rem_euclid(i128::from(duration)) - GO_ZERO_TO_UNIX_NANOS;
    i64::try_from(start).unwrap_or(Timestamp::MIN)
}

/// The `[start, end)` of a new shard group for `t` in a policy whose existing `groups` do not
/// contain `t`: `[shard_group_start(t), +duration)`, shrunk so it overlaps none of them (after an
/// `ALTER … SHARD DURATION` old and new widths may straddle), end capped at the largest time.
pub fn new_shard_group_bounds(
    t: Timestamp,
    duration: i64,
    groups: &[ShardGroupMeta],
) -> (Timestamp, Timestamp) {
    let mut start = shard_group_start(t, duration);
    let mut end = start.saturating_add(duration.max(1));
    for g in groups {
        if g.end <= t && g.end > start {
            start = g.end;
        }
        if g.start > t && g.start < end {
            end = g.start;
        }
    }
    (start, end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_without_continuous_queries_key_still_reads() {
        let old = r#"{"name":"db","default_rp":"autogen","retention_policies":[]}"#;
        let d: DatabaseMeta = serde_json::from_str(old).unwrap();
        assert!(d.continuous_queries.is_empty());
        let mut d2 = d.clone();
        d2.continuous_queries.push(ContinuousQueryMeta {
            name: "cq".into(),
            query: "CREATE CONTINUOUS QUERY cq ON db BEGIN SELECT count(v) INTO x FROM m GROUP BY time(1m) END".into(),
        });
        let back: DatabaseMeta =
            serde_json::from_str(&serde_json::to_string(&d2).unwrap()).unwrap();
        assert_eq!(back, d2);
    }

    #[test]
    fn meta_without_users_key_still_reads() {
        let old = r#"{"databases":[],"next_shard_id":3}"#;
        let m: MetaData = serde_json::from_str(old).unwrap();
        assert!(m.users.is_empty());
        assert_eq!(m.next_shard_id, 3);
        let mut m2 = m.clone();
        m2.users.push(UserMeta {
            name: "bob".into(),
            hash: "$argon2id$x".into(),
            admin: false,
            privileges: vec![("db".into(), "READ".into())],
        });
        let back: MetaData = serde_json::from_str(&serde_json::to_string(&m2).unwrap()).unwrap();
        assert_eq!(back, m2);
    }

    #[test]
    fn shard_group_durations_match_influxdb() {
        assert_eq!(default_shard_group_duration(0), 7 * DAY);
        assert_eq!(default_shard_group_duration(200 * DAY), 7 * DAY);
        assert_eq!(default_shard_group_duration(90 * DAY), DAY);
        assert_eq!(default_shard_group_duration(7 * DAY), DAY);
        assert_eq!(default_shard_group_duration(2 * DAY), DAY);
        assert_eq!(default_shard_group_duration(HOUR_NANOS), HOUR_NANOS);
    }

    #[test]
    fn group_start_floors_negative_times() {
        assert_eq!(shard_group_start(0, HOUR_NANOS), 0);
        assert_eq!(shard_group_start(HOUR_NANOS - 1, HOUR_NANOS), 0);
        assert_eq!(shard_group_start(-1, HOUR_NANOS), -HOUR_NANOS);
        // 7-day groups start on Mondays, as InfluxDB's do (recorded: 2017-07-14 falls in the
        // group starting 2017-07-10; 2024-01-01 is a Monday; the epoch's group starts 1969-12-29).
        assert_eq!(
            shard_group_start(1_500_000_000_000_000_000, 7 * DAY),
            1_499_644_800_000_000_000
        );
        assert_eq!(
            shard_group_start(1_704_067_200_000_000_000, 7 * DAY),
            1_704_067_200_000_000_000
        );
        assert_eq!(shard_group_start(0, 7 * DAY), -3 * DAY);
        assert!(shard_group_start(Timestamp::MIN, 7 * DAY) <= Timestamp::MIN + 7 * DAY);
    }

    #[test]
    fn new_groups_never_overlap_existing_ones() {
        let g = |id, start, end| ShardGroupMeta { id, start, end };
        // A 1 h group exists at [2h, 3h); a 1 d group for t = 5h must start after it.
        let groups = [g(1, 2 * HOUR_NANOS, 3 * HOUR_NANOS)];
        assert_eq!(
            new_shard_group_bounds(5 * HOUR_NANOS, DAY, &groups),
            (3 * HOUR_NANOS, DAY)
        );
        // …and for t = 1h it must end where the existing one starts.
        assert_eq!(
            new_shard_group_bounds(HOUR_NANOS, DAY, &groups),
            (0, 2 * HOUR_NANOS)
        );
        assert_eq!(new_shard_group_bounds(HOUR_NANOS, DAY, &[]), (0, DAY));
    }
}
