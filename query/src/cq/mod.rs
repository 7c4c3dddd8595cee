//! Continuous queries: the statements (`CREATE`/`DROP`/`SHOW CONTINUOUS QUERIES`, taildb's
//! `SHOW CONTINUOUS QUERY STATS` and `BACKFILL CONTINUOUS QUERY`), InfluxDB 1.6.7's scheduler
//! formula, and the service that runs them with late-data repair.
//!
//! Invariants:
//! 1. The stored text of a CQ is InfluxDB 1.6.7's normalized text: INTO and every FROM
//!    measurement (regexes and subquery sources too) carry `db.rp.`, filled with the CQ's
//!    database and that database's default retention policy at CREATE time; it is
//!    byte-identical to 1.6.7's `SHOW CONTINUOUS QUERIES` output.
//! 2. A CQ is an aggregate query with `GROUP BY time(…)`; raw CQs (which 1.6.7 stores and never
//!    runs) are rejected at CREATE.
//! 3. The regular schedule is exactly 1.6.7's (`schedule.rs`, replayed against a live
//!    recording in `schedule_tests.rs`), except that LastRun is keyed by database + name
//!    (1.6.7 keys it by name only, so two databases' CQs of one name share it).
//! 4. A window run is the CQ's SELECT with its time conditions replaced by
//!    `time >= start AND time < end` (1.6.7's `SetTimeRange`), executed by the normal executor
//!    against the CQ's database; its INTO write count is its result.

mod clock;
mod schedule;
mod service;
mod shared_scan;
mod statements;
mod stats;

#[cfg(test)]
mod schedule_tests;
#[cfg(test)]
mod service_tests;
#[cfg(test)]
mod shared_scan_tests;

pub use clock::{Clock, ManualClock, SystemClock};
pub use schedule::{Decision, Timing};
pub use service::{
    CHUNK_BUCKETS, ContinuousQueryService, RunKind, RunRecord, ServiceConfig, run_window, watch_id,
    watch_spec,
};
pub use shared_scan::{Participant, QUEUE_BATCHES, ScanGroup};
pub(crate) use statements::{
    backfill_statement, create_continuous_query, drop_continuous_query, show_continuous_queries,
    show_stats_statement,
};
pub use statements::{normalize, parse_stored, with_time_range};
pub use stats::{CqStats, STATS_COLUMNS, stats_series};
