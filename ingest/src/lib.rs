//! taildb ingest: the InfluxDB 1.x line-protocol parser and the HTTP write endpoints.
#![forbid(unsafe_code)]

pub mod http;
pub mod line_protocol;
