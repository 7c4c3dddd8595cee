//! The server's configuration: TOML file, environment, flags.
//!
//! Invariants:
//! 1. Precedence, highest first: command-line flags, environment variables (`TAILDB_DATA_DIR`,
//!    `TAILDB_BIND`), the TOML file (`--config`), built-in defaults. Every setting has a default, so
//!    no file is needed.
//! 2. An unknown section or key in the file is an error that names it (a typo must not silently fall
//!    back to a default).
//! 3. Sizes are bytes, given as an integer or a string with a unit (`"64MiB"`, `"25m"`); durations are
//!    strings (`"10m"`, `"100ms"`). Printing the effective configuration gives a file that loads back to
//!    the same values.
//!
//! Every key is described in `docs/configuration.md`.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Default listen address (InfluxDB's port, loopback only).
pub const DEFAULT_BIND: &str = "127.0.0.1:8086";
/// Default data directory, relative to the working directory.
pub const DEFAULT_DATA_DIR: &str = "./taildb-data";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("invalid setting {key} = {value:?}: {reason}")]
    Invalid {
        key: &'static str,
        value: String,
        reason: String,
    },
}

/// The whole configuration (the TOML file's shape).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    pub http: HttpConfig,
    pub data: DataConfig,
    pub limits: LimitsConfig,
    pub index: IndexConfig,
    pub coordinator: CoordinatorConfig,
    pub retention: RetentionConfig,
    #[serde(rename = "continuous_queries")]
    pub continuous_queries: ContinuousQueriesConfig,
}

/// `[continuous_queries]`: the continuous-query service (InfluxDB 1.x's section name).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct ContinuousQueriesConfig {
    /// Run continuous queries at all.
    pub enabled: bool,
    /// One info line per executed window; errors are logged regardless.
    pub log_enabled: bool,
    /// How often the scheduler checks which CQs are due.
    #[serde(with = "human_duration")]
    pub run_interval: Duration,
    /// Late-data repair and restart backfill reach no further back than this.
    #[serde(with = "human_duration")]
    pub max_lookback: Duration,
    /// A CQ repairs late-written windows at most once per this long (the first late write after
    /// a quiet spell is repaired on the next pass; a backlog arriving is repaired in batches).
    #[serde(with = "human_duration")]
    pub repair_interval: Duration,
}

impl Default for ContinuousQueriesConfig {
    fn default() -> Self {
        ContinuousQueriesConfig {
            enabled: true,
            log_enabled: true,
            run_interval: Duration::from_secs(1),
            max_lookback: Duration::from_secs(7 * 86_400),
            repair_interval: Duration::from_secs(10),
        }
    }
}

/// `[http]`: the listener and the write endpoints.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct HttpConfig {
    /// `ADDR:PORT` to listen on; port 0 picks a free port (logged once bound).
    pub bind: String,
    /// Largest accepted write body, also applied to the gunzipped size; 0 = unlimited.
    pub max_body_size: ByteSize,
    /// Accept `<int>u` unsigned integer fields (InfluxDB 1.x OSS rejects them).
    pub allow_unsigned: bool,
    /// Require credentials on /query, /write, /api/v2/write and /internal (`docs/auth.md`).
    pub auth_enabled: bool,
    /// Failed logins from one client IP within `auth-failure-window` that block it (0 = never).
    pub auth_failure_limit: u32,
    /// The window failed logins are counted in.
    #[serde(with = "human_duration")]
    pub auth_failure_window: Duration,
    /// How long a blocked client gets 429.
    #[serde(with = "human_duration")]
    pub auth_block_duration: Duration,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            bind: DEFAULT_BIND.to_string(),
            max_body_size: ByteSize(25_000_000),
            allow_unsigned: false,
            auth_enabled: false,
            auth_failure_limit: 5,
            auth_failure_window: Duration::from_secs(60),
            auth_block_duration: Duration::from_secs(60),
        }
    }
}

/// `[data]`: the data directory, WAL durability, memtables.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct DataConfig {
    /// Data directory, created on first run.
    pub dir: PathBuf,
    /// When a write becomes durable: `per-batch` (fsync per group commit, before the 204),
    /// `periodic` (fsync every `wal-sync-interval`), `none` (never fsync).
    pub wal_sync: WalSync,
    /// The fsync interval of `wal-sync = "periodic"`.
    #[serde(with = "human_duration")]
    pub wal_sync_interval: Duration,
    /// A WAL segment file larger than this is sealed and a new one started.
    pub wal_segment_size: ByteSize,
    /// Flush all memtables once their estimated size passes this.
    pub memtable_size: ByteSize,
    /// Flush all memtables at least this often (bounds WAL size and replay time).
    #[serde(with = "human_duration")]
    pub flush_interval: Duration,
    /// Bytes of decoded column chunks kept in memory for later queries (0 disables).
    pub decoded_cache_size: ByteSize,
    /// Bytes of merged memtable rows kept for identical scans, e.g. the continuous queries of one
    /// window (0 disables).
    pub merged_rows_cache_size: ByteSize,
    /// Compact a shard's segments of one measurement once it has at least this many.
    pub compaction_min_segments: usize,
}

impl Default for DataConfig {
    fn default() -> Self {
        let engine = tsdb::EngineConfig::new(DEFAULT_DATA_DIR);
        DataConfig {
            dir: PathBuf::from(DEFAULT_DATA_DIR),
            wal_sync: WalSync::PerBatch,
            wal_sync_interval: Duration::from_millis(100),
            wal_segment_size: ByteSize(engine.wal.segment_max_bytes),
            memtable_size: ByteSize(engine.memtable_max_bytes as u64),
            flush_interval: engine.flush_interval,
            decoded_cache_size: ByteSize(engine.decoded_cache_max_bytes),
            merged_rows_cache_size: ByteSize(engine.merged_rows_cache_max_bytes),
            compaction_min_segments: engine.compaction_min_segments,
        }
    }
}

/// `[index]`: the memory budget of the series catalog and the series index (both live on disk).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct IndexConfig {
    /// Series keys the catalog's CLOCK cache keeps in memory (per database).
    pub series_cache_entries: usize,
    /// New series keys held in the catalog's in-memory log before it is merged into its fst.
    pub catalog_merge_threshold: usize,
    /// (term, series) pairs the index's mutable layer holds before it is written to a segment.
    pub mutable_max_postings: usize,
    /// Index segments per database before they are merged.
    pub max_segments: usize,
}

impl Default for IndexConfig {
    fn default() -> Self {
        let engine = tsdb::EngineConfig::new(DEFAULT_DATA_DIR);
        IndexConfig {
            series_cache_entries: engine.catalog.cache_entries,
            catalog_merge_threshold: engine.catalog.merge_threshold,
            mutable_max_postings: engine.index.mutable_max_postings,
            max_segments: engine.index.max_segments,
        }
    }
}

/// `[retention]`: the background expiry of shard groups (InfluxDB's section and defaults).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct RetentionConfig {
    /// Drop shard groups whose `end + duration` has passed.
    pub enabled: bool,
    /// How often to look for expired shard groups.
    #[serde(with = "human_duration")]
    pub check_interval: Duration,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        let engine = tsdb::EngineConfig::new(DEFAULT_DATA_DIR);
        RetentionConfig {
            enabled: engine.retention_enabled,
            check_interval: engine.retention_check_interval,
        }
    }
}

/// `[limits]`: cardinality limits on new series, enforced on the write path; 0 = unlimited.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct LimitsConfig {
    pub max_series_per_database: u64,
    pub max_series_per_measurement: u64,
    pub max_values_per_tag: u64,
}

/// `[coordinator]`: query management, as InfluxDB 1.x names it; 0 = unlimited everywhere.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct CoordinatorConfig {
    /// A query still running after this long is stopped (`query-timeout limit exceeded`); 0s = never.
    #[serde(with = "human_duration")]
    pub query_timeout: Duration,
    /// Queries allowed to run at once; more are refused at once.
    pub max_concurrent_queries: usize,
    /// Points one SELECT statement may read.
    pub max_select_point: u64,
    /// Series one SELECT statement may read.
    pub max_select_series: u64,
    /// GROUP BY time buckets one SELECT statement may produce.
    pub max_select_buckets: u64,
}

/// `wal-sync` values.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WalSync {
    #[default]
    PerBatch,
    Periodic,
    None,
}

/// Values given on the command line or in the environment (already merged by clap: flag > env).
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    pub data_dir: Option<PathBuf>,
    pub bind: Option<String>,
    pub max_series_per_database: Option<u64>,
    pub max_series_per_measurement: Option<u64>,
    pub max_values_per_tag: Option<u64>,
    /// `--auth-enabled`: turns authentication on (never off: the file's `true` stays).
    pub auth_enabled: bool,
}

impl Config {
    /// Parses a TOML document; unknown keys are errors naming the key.
    pub fn from_toml(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        config.validate()?;
        Ok(config)
    }

    /// The effective configuration: defaults, then the file (if any), then `overrides`.
    pub fn load(file: Option<&Path>, overrides: &Overrides) -> Result<Config, ConfigError> {
        let mut config = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.to_path_buf(),
                    source,
                })?;
                Config::from_toml(&text, path)?
            }
            None => Config::default(),
        };
        if let Some(dir) = &overrides.data_dir {
            config.data.dir = dir.clone();
        }
        if let Some(bind) = &overrides.bind {
            config.http.bind = bind.clone();
        }
        if let Some(n) = overrides.max_series_per_database {
            config.limits.max_series_per_database = n;
        }
        if let Some(n) = overrides.max_series_per_measurement {
            config.limits.max_series_per_measurement = n;
        }
        if let Some(n) = overrides.max_values_per_tag {
            config.limits.max_values_per_tag = n;
        }
        if overrides.auth_enabled {
            config.http.auth_enabled = true;
        }
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if self
            .http
            .bind
            .rsplit_once(':')
            .is_none_or(|(_, port)| port.parse::<u16>().is_err())
        {
            return Err(ConfigError::Invalid {
                key: "http.bind",
                value: self.http.bind.clone(),
                reason: "expected ADDR:PORT, e.g. 127.0.0.1:8086".to_string(),
            });
        }
        if self.data.dir.as_os_str().is_empty() {
            return Err(ConfigError::Invalid {
                key: "data.dir",
                value: String::new(),
                reason: "must not be empty".into(),
            });
        }
        if self.data.wal_sync == WalSync::Periodic && self.data.wal_sync_interval.is_zero() {
            return Err(ConfigError::Invalid {
                key: "data.wal-sync-interval",
                value: "0s".into(),
                reason: "must be positive with wal-sync = \"periodic\"".into(),
            });
        }
        if self.retention.enabled && self.retention.check_interval.is_zero() {
            return Err(ConfigError::Invalid {
                key: "retention.check-interval",
                value: "0s".into(),
                reason: "must be positive while retention is enabled".into(),
            });
        }
        if self.continuous_queries.run_interval.is_zero() {
            return Err(ConfigError::Invalid {
                key: "continuous_queries.run-interval",
                value: "0s".into(),
                reason: "must be positive".into(),
            });
        }
        if self.data.flush_interval.is_zero() {
            return Err(ConfigError::Invalid {
                key: "data.flush-interval",
                value: "0s".into(),
                reason: "must be positive".into(),
            });
        }
        Ok(())
    }

    /// The configuration as a TOML document (what `taildb config` prints).
    pub fn to_toml(&self) -> String {
        toml::to_string(self).unwrap_or_else(|e| format!("# cannot print the configuration: {e}\n"))
    }

    pub fn engine_config(&self) -> tsdb::EngineConfig {
        let mut engine = tsdb::EngineConfig::new(&self.data.dir);
        engine.wal.sync = match self.data.wal_sync {
            WalSync::PerBatch => tsdb::wal::SyncMode::PerBatch,
            WalSync::Periodic => tsdb::wal::SyncMode::Periodic(self.data.wal_sync_interval),
            WalSync::None => tsdb::wal::SyncMode::None,
        };
        engine.wal.segment_max_bytes = self.data.wal_segment_size.0;
        engine.memtable_max_bytes =
            usize::try_from(self.data.memtable_size.0).unwrap_or(usize::MAX);
        engine.flush_interval = self.data.flush_interval;
        engine.decoded_cache_max_bytes = self.data.decoded_cache_size.0;
        engine.merged_rows_cache_max_bytes = self.data.merged_rows_cache_size.0;
        engine.compaction_min_segments = self.data.compaction_min_segments;
        engine.retention_enabled = self.retention.enabled;
        engine.retention_check_interval = self.retention.check_interval;
        engine.catalog.cache_entries = self.index.series_cache_entries;
        engine.catalog.merge_threshold = self.index.catalog_merge_threshold;
        engine.index.mutable_max_postings = self.index.mutable_max_postings;
        engine.index.max_segments = self.index.max_segments;
        engine.limits = tsdb::engine::SeriesLimits {
            max_series_per_database: self.limits.max_series_per_database,
            max_series_per_measurement: self.limits.max_series_per_measurement,
            max_values_per_tag: self.limits.max_values_per_tag,
        };
        engine
    }

    /// The query manager's settings and the per-statement limits of `[coordinator]`.
    pub fn query_config(&self) -> (query::exec::ManagerConfig, query::exec::QueryLimits) {
        let c = &self.coordinator;
        (
            query::exec::ManagerConfig {
                query_timeout: (!c.query_timeout.is_zero()).then_some(c.query_timeout),
                max_concurrent_queries: c.max_concurrent_queries,
            },
            query::exec::QueryLimits {
                max_select_point: c.max_select_point,
                max_select_series: c.max_select_series,
                max_select_buckets: c.max_select_buckets,
            },
        )
    }

    /// The continuous-query service's settings.
    pub fn continuous_queries_config(&self) -> query::cq::ServiceConfig {
        let c = &self.continuous_queries;
        query::cq::ServiceConfig {
            enabled: c.enabled,
            log_enabled: c.log_enabled,
            run_interval: c.run_interval,
            max_lookback: i64::try_from(c.max_lookback.as_nanos()).unwrap_or(i64::MAX),
            repair_interval: i64::try_from(c.repair_interval.as_nanos()).unwrap_or(i64::MAX),
        }
    }

    /// The authentication settings (`[http] auth-*`).
    pub fn auth_config(&self) -> query::auth::AuthConfig {
        query::auth::AuthConfig {
            enabled: self.http.auth_enabled,
            limiter: query::auth::LimiterConfig {
                max_failures: self.http.auth_failure_limit,
                window: self.http.auth_failure_window,
                block: self.http.auth_block_duration,
            },
        }
    }

    pub fn write_config(&self) -> ingest::http::WriteConfig {
        ingest::http::WriteConfig {
            max_body_size: usize::try_from(self.http.max_body_size.0).unwrap_or(usize::MAX),
            allow_unsigned: self.http.allow_unsigned,
        }
    }
}

/// A size in bytes: an integer, or a string with a unit (`k`, `m`, `g` = powers of 1000;
/// `KiB`, `MiB`, `GiB` = powers of 1024; case-insensitive, optional `b`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ByteSize(pub u64);

impl ByteSize {
    pub fn parse(s: &str) -> Result<ByteSize, String> {
        let s = s.trim();
        let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        let (digits, unit) = s.split_at(split);
        let n: u64 = digits
            .parse()
            .map_err(|_| format!("{s:?} is not a size (e.g. 25000000, \"64MiB\", \"25m\")"))?;
        let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
            "" | "b" => 1,
            "k" | "kb" => 1_000,
            "m" | "mb" => 1_000_000,
            "g" | "gb" => 1_000_000_000,
            "kib" => 1 << 10,
            "mib" => 1 << 20,
            "gib" => 1 << 30,
            other => {
                return Err(format!(
                    "unknown size unit {other:?} in {s:?} (use k, m, g, KiB, MiB or GiB)"
                ));
            }
        };
        n.checked_mul(mult)
            .map(ByteSize)
            .ok_or_else(|| format!("{s:?} is too large"))
    }
}

impl fmt::Display for ByteSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl Serialize for ByteSize {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // TOML integers are i64.
        match i64::try_from(self.0) {
            Ok(v) => s.serialize_i64(v),
            Err(_) => s.serialize_str(&self.0.to_string()),
        }
    }
}

impl<'de> Deserialize<'de> for ByteSize {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Int(i64),
            Str(String),
        }
        match Raw::deserialize(d)? {
            Raw::Int(v) => u64::try_from(v)
                .map(ByteSize)
                .map_err(|_| serde::de::Error::custom("a size cannot be negative")),
            Raw::Str(s) => ByteSize::parse(&s).map_err(serde::de::Error::custom),
        }
    }
}

/// Durations as human-readable strings (`"10m"`, `"100ms"`, `"1h 30m"`).
mod human_duration {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&humantime::format_duration(*d).to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let s = String::deserialize(d)?;
        humantime::parse_duration(&s).map_err(|e| {
            serde::de::Error::custom(format!(
                "{s:?} is not a duration ({e}); e.g. \"10s\", \"100ms\""
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::from_toml(text, Path::new("test.toml"))
    }

    #[test]
    fn empty_file_gives_defaults() {
        let c = parse("").unwrap_or_default();
        assert_eq!(c, Config::default());
        assert_eq!(c.http.bind, "127.0.0.1:8086");
        assert_eq!(c.http.max_body_size, ByteSize(25_000_000));
        assert_eq!(c.data.dir, PathBuf::from("./taildb-data"));
        assert_eq!(c.data.wal_sync, WalSync::PerBatch);
    }

    #[test]
    fn every_key_is_read() {
        let c = parse(
            r#"
            [http]
            bind = "0.0.0.0:9999"
            max-body-size = "64MiB"
            allow-unsigned = true
            [data]
            dir = "/var/lib/taildb"
            wal-sync = "periodic"
            wal-sync-interval = "250ms"
            wal-segment-size = "16m"
            memtable-size = 1048576
            flush-interval = "1m 30s"
            decoded-cache-size = "64m"
            compaction-min-segments = 8
            [limits]
            max-series-per-database = 1000000
            max-values-per-tag = 100000
            [index]
            series-cache-entries = 5000
            mutable-max-postings = 70000
            [coordinator]
            query-timeout = "30s"
            max-concurrent-queries = 4
            max-select-point = 1000
            max-select-series = 10
            max-select-buckets = 100
            "#,
        );
        let c = match c {
            Ok(c) => c,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(c.http.bind, "0.0.0.0:9999");
        assert_eq!(c.http.max_body_size, ByteSize(64 << 20));
        assert!(c.http.allow_unsigned);
        assert_eq!(c.data.dir, PathBuf::from("/var/lib/taildb"));
        assert_eq!(c.data.wal_sync, WalSync::Periodic);
        assert_eq!(c.data.wal_sync_interval, Duration::from_millis(250));
        assert_eq!(c.data.wal_segment_size, ByteSize(16_000_000));
        assert_eq!(c.data.memtable_size, ByteSize(1 << 20));
        assert_eq!(c.data.flush_interval, Duration::from_secs(90));
        assert_eq!(c.engine_config().decoded_cache_max_bytes, 64_000_000);
        assert_eq!(c.data.compaction_min_segments, 8);
        assert_eq!(c.limits.max_series_per_database, 1_000_000);
        assert_eq!(c.engine_config().limits.max_series_per_database, 1_000_000);
        assert_eq!(c.engine_config().catalog.cache_entries, 5000);
        assert_eq!(c.engine_config().index.mutable_max_postings, 70_000);
        assert_eq!(
            c.engine_config().index.max_segments,
            IndexConfig::default().max_segments
        );
        let engine = c.engine_config();
        assert_eq!(
            engine.wal.sync,
            tsdb::wal::SyncMode::Periodic(Duration::from_millis(250))
        );
        assert_eq!(engine.memtable_max_bytes, 1 << 20);
        assert_eq!(c.write_config().max_body_size, 64 << 20);
        let (manager, limits) = c.query_config();
        assert_eq!(manager.query_timeout, Some(Duration::from_secs(30)));
        assert_eq!(manager.max_concurrent_queries, 4);
        assert_eq!(
            (
                limits.max_select_point,
                limits.max_select_series,
                limits.max_select_buckets
            ),
            (1000, 10, 100)
        );
        assert_eq!(Config::default().query_config().0.query_timeout, None);
    }

    #[test]
    fn unknown_keys_are_named() {
        let err = parse("[http]\nbind = \"127.0.0.1:1\"\nmax-body = 5\n")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("max-body"), "{err}");
        let err = parse("[htp]\n")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("htp"), "{err}");
    }

    #[test]
    fn bad_values_are_explained() {
        let err = parse("[data]\nwal-sync = \"always\"\n")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("always") && err.contains("per-batch"), "{err}");
        let err = parse("[data]\nflush-interval = \"soon\"\n")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("soon"), "{err}");
        let err = parse("[http]\nbind = \"localhost\"\n")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("http.bind"), "{err}");
        let err = parse("[http]\nmax-body-size = \"12 parsecs\"\n")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("parsecs"), "{err}");
    }

    #[test]
    fn overrides_beat_the_file() {
        let dir = tempfile::tempdir().ok();
        let Some(dir) = dir else { return };
        let path = dir.path().join("taildb.toml");
        let written = std::fs::write(
            &path,
            "[http]\nbind = \"127.0.0.1:1111\"\n[data]\ndir = \"/from/file\"\n",
        );
        assert!(written.is_ok());
        let from_file = Config::load(Some(&path), &Overrides::default()).ok();
        assert_eq!(
            from_file.as_ref().map(|c| c.http.bind.as_str()),
            Some("127.0.0.1:1111")
        );
        assert_eq!(
            from_file.as_ref().map(|c| c.data.dir.clone()),
            Some(PathBuf::from("/from/file"))
        );
        let overrides = Overrides {
            data_dir: Some("/from/flag".into()),
            bind: Some("127.0.0.1:2222".into()),
            max_values_per_tag: Some(7),
            ..Overrides::default()
        };
        let c = Config::load(Some(&path), &overrides).ok();
        assert_eq!(
            c.as_ref().map(|c| c.http.bind.as_str()),
            Some("127.0.0.1:2222")
        );
        assert_eq!(
            c.as_ref().map(|c| c.data.dir.clone()),
            Some(PathBuf::from("/from/flag"))
        );
        assert_eq!(c.as_ref().map(|c| c.limits.max_values_per_tag), Some(7));
        let missing = Config::load(Some(&dir.path().join("nope.toml")), &Overrides::default());
        assert!(matches!(missing, Err(ConfigError::Read { .. })));
    }

    #[test]
    fn printed_config_loads_back() {
        let mut c = Config::default();
        c.data.wal_sync = WalSync::None;
        c.data.flush_interval = Duration::from_secs(3 * 3600 + 5);
        c.http.max_body_size = ByteSize(123);
        let back = parse(&c.to_toml()).ok();
        assert_eq!(back, Some(c));
    }

    #[test]
    fn retention_section() {
        let c = parse("").unwrap_or_default();
        assert!(c.retention.enabled);
        assert_eq!(c.retention.check_interval, Duration::from_secs(30 * 60));
        let c = parse("[retention]\nenabled = false\ncheck-interval = \"5m\"\n").ok();
        let e = c.as_ref().map(Config::engine_config);
        assert_eq!(
            e.map(|e| (e.retention_enabled, e.retention_check_interval)),
            Some((false, Duration::from_secs(300)))
        );
        let bad = parse("[retention]\ncheck-interval = \"0s\"\n");
        assert!(
            matches!(
                bad,
                Err(ConfigError::Invalid {
                    key: "retention.check-interval",
                    ..
                })
            ),
            "{bad:?}"
        );
    }

    #[test]
    fn byte_sizes() {
        assert_eq!(ByteSize::parse("25000000"), Ok(ByteSize(25_000_000)));
        assert_eq!(ByteSize::parse("25m"), Ok(ByteSize(25_000_000)));
        assert_eq!(ByteSize::parse("1 GiB"), Ok(ByteSize(1 << 30)));
        assert_eq!(ByteSize::parse("64kb"), Ok(ByteSize(64_000)));
        assert!(ByteSize::parse("-1").is_err());
        assert!(ByteSize::parse("99999999999999999999g").is_err());
    }
}
