//! End-to-end tests of the HTTP API, driven through the composed router with `oneshot` (no socket)
//! over a temporary data directory: every write-response case of InfluxDB 1.x §2.1–§2.3, the parse
//! error vectors through HTTP, what ends up stored, `/ping`, `/health`, the common headers and the
//! operator endpoints `/internal/force_flush` and `/internal/force_merge`.

mod admin;
mod auth_matrix;
mod auth_persist;
mod auth_support;
mod compat_corpus;
mod cq_late_data;
mod grafana_contract;
mod limits;
mod meta_session;
mod output_formats;
mod ping_health;
mod retention;
mod schema_golden;
mod sketch_queries;
mod sla_percentiles;
mod stored_points;
mod support;
mod write_parse_errors;
mod write_sketch;
mod write_v1;
mod write_v2;
