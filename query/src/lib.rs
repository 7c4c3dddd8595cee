//! taildb query: InfluxQL text → AST → execution → InfluxDB 1.x JSON.
#![forbid(unsafe_code)]

pub mod http;
