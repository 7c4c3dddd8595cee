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

/// Start of the shard group of width `duration` containing `t` (floor towards -inf, epoch aligned).
pub fn shard_group_start(t: Timestamp, duration: i64) -> Timestamp {
    t.div_euclid(duration) * duration
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
        // 7-day groups are aligned to the epoch (a Thursday), as InfluxDB's are.
        assert_eq!(
            shard_group_start(1_704_067_200_000_000_000, 7 * DAY),
            1_703_721_600_000_000_000
        );
    }
}
